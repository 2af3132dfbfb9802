"""An API with a key ring and a clock the test moves, a few certified holders, and checks
of what the API signs made with libraries independent of ours (joserfc, jsonschema)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi import FastAPI
from joserfc import jws
from joserfc.jwk import OKPKey
from jsonschema import Draft201909Validator

from lifecycle.http import create_app
from lifecycle.http.auth import Tokens
from lifecycle.keys import KeyRing
from lifecycle.settings import Settings
from tests.integration import cli_driver as cli

PUBLIC_URL = "https://registry.example.jp"
SYSTEM = "system-token-of-a-downstream-feed"  # a role whose JSON answers lose personal fields
REPO = Path(__file__).resolve().parents[2]
# The copy of the schema when it is beside the repository, else the one we ship.
_SHARED = REPO.parent / "shared" / "ob3" / "ob3-achievementcredential.schema.json"
SCHEMA_FILE = _SHARED if _SHARED.is_file() else (
    REPO / "lifecycle" / "credentials" / "schema" / "ob3-achievementcredential.schema.json")
# Three holders certified 2027-04-01 .. 2030-03-31: CAP-2027-00001, -00002, -00003.
HOLDERS = {"C01": (cli.TARO, "P26-000601"), "C02": (cli.HANAKO, "P26-000602"),
           "C03": (cli.ICHIRO, "P26-000603")}
NUMBERS = {"C01": "CAP-2027-00001", "C02": "CAP-2027-00002", "C03": "CAP-2027-00003"}


class Clock:
    def __init__(self, today: date):
        self.today = today

    def __call__(self) -> date:
        return self.today


class Api:
    """The API in-process, its key directory, and the business date it answers for."""

    def __init__(self, db_url: str, key_dir: Path, today: date):
        self.key_dir = key_dir
        self.ring = KeyRing.init(key_dir)
        self.clock = Clock(today)
        self.settings = Settings(database_url=db_url, audit_rate=Decimal("0"),
                                 key_dir=str(key_dir), public_url=PUBLIC_URL)
        self.app = create_app(self.settings, tokens=Tokens([("feed", "system", SYSTEM)]),
                              today=self.clock)
        self.services = self.app.state.services

    def close(self) -> None:
        self.services.close()

    def run(self, commands: list[dict], on: date | None = None) -> None:
        on = on or self.clock.today
        for command in commands:
            result = self.services.app.execute(command, actor="test", today=on)
            assert result["ok"], result
        assert self.services.catch_up()

    def certify_all(self) -> None:
        commands = []
        for holder, (person, pass_number) in HOLDERS.items():
            commands += cli.certification_batch(holder, "CAP", pass_number, person=person,
                                                ref=f"B-{holder}")
        self.run(commands, date(2026, 10, 1))

    def get(self, path: str, routes_only: bool = False, token: str | None = None
            ) -> httpx.Response:
        """`routes_only`: through FastAPI's routing, leaving out the hot paths."""
        app = self.app

        async def fastapi_only(scope, receive, send):
            await FastAPI.__call__(app, scope, receive, send)

        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=fastapi_only if routes_only else app,
                                            raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                return await http.get(path, headers=headers)

        return asyncio.run(fetch())

    def credential(self, number: str) -> str:
        answer = self.get(f"/credentials/{number}/credential")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/vc+jwt"
        return answer.text

    def status_list(self, name: str = "CAP-2027") -> str:
        answer = self.get(f"/credentials/status/{name}")
        assert answer.status_code == 200, answer.text
        return answer.text


def okp(raw: bytes) -> OKPKey:
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x})


def verified_payload(token: str, raw_public_key: bytes) -> tuple[dict, dict]:
    """The header and payload of a compact JWS, verified by joserfc with this raw key
    (raises joserfc's BadSignatureError otherwise)."""
    with warnings.catch_warnings():  # RFC 9864 prefers "Ed25519"; verifiers still expect EdDSA
        warnings.simplefilter("ignore")
        obj = jws.deserialize_compact(token, okp(raw_public_key), algorithms=["EdDSA"])
    return obj.protected, json.loads(obj.payload)


def schema_errors(payload: dict) -> list[str]:
    validator = Draft201909Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    return [e.message for e in validator.iter_errors(payload)]


def bits_of(status_payload: dict) -> bytes:
    """The bitstring of a status list credential, decoded by hand (multibase 'u' +
    base64url without padding + GZIP)."""
    encoded = status_payload["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def set_entries(bits: bytes, upto: int = 16) -> list[int]:
    return [i for i in range(upto) if bits[i // 8] & (0x80 >> (i % 8))]

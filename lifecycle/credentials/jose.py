"""Compact JWS with EdDSA (Ed25519), as VC-JOSE-COSE secures a credential: the payload is
the credential itself (media type `application/vc+jwt`).

Written over `cryptography` (already the key ring's library) rather than a JOSE library:
one algorithm, one serialization, a few lines each way, and the tests check every token
with an independent JOSE implementation (joserfc).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass

ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/vc+jwt"
TYP = "vc+jwt"


class JoseError(ValueError):
    """Not a compact JWS we can read; the sentence says why."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JoseError("a part is not base64url") from None


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(payload: dict, kid: str, signer: Callable[[bytes], bytes]) -> str:
    """`signer`: Ed25519 over the signing input (the key ring's `sign`)."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": TYP}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}"
    return f"{signing_input}.{b64url(signer(signing_input.encode('ascii')))}"


@dataclass(frozen=True)
class Opened:
    """A token's parts, read but not yet verified."""

    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes


def open_token(token: str) -> Opened:
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JoseError("it is not a compact JWS (three dot-separated parts)")
    try:
        header = json.loads(unb64url(parts[0]))
        payload = json.loads(unb64url(parts[1]))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JoseError("its header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JoseError("its header or payload is not a JSON object")
    if header.get("alg") != ALGORITHM:
        raise JoseError(f"its algorithm is {header.get('alg')!r}, not {ALGORITHM}")
    if "crit" in header:
        raise JoseError("it names critical header parameters this verifier does not know")
    return Opened(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"),
                  unb64url(parts[2]))

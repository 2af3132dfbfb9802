"""Checking a credential offline: the body's signature, the Open Badges 3.0 schema, the
validity period and, given the status list, its status — each failure one sentence.

Trust comes from the body's public keys (the key ring, or the published list of
`lifecycle keys list --json` / `GET /credentials/issuer`), never from the credential: a
did:key names a key, anyone can make one. The schema is 1EdTech's AchievementCredential
JSON Schema (draft 2019-09), shipped as package data.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lifecycle.credentials import did_key, jose, status_list

SCHEMA = "ob3-achievementcredential.schema.json"


class Invalid(Exception):
    """The credential (or its status list) fails; the sentence says what failed."""


@dataclass(frozen=True)
class Verified:
    payload: dict
    key_id: str
    status: str  # "in good standing on …", "not checked …"

    def sentence(self) -> str:
        subject = self.payload.get("credentialSubject", {})
        code = subject.get("achievement", {}).get("humanCode", "?")
        return (f"valid: {subject.get('licenseNumber', '?')} ({code}), "
                f"{self.payload['validFrom'][:10]} to "
                f"{self.payload.get('validUntil', '')[:10]}, signed by the body's key "
                f"{self.key_id}; status {self.status}")


@functools.cache
def _validator():
    from jsonschema import Draft201909Validator

    schema = json.loads(resources.files("lifecycle.credentials").joinpath(
        "schema", SCHEMA).read_text(encoding="utf-8"))
    return Draft201909Validator(schema)


def schema_problem(payload: dict) -> str | None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(payload))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "the top level"
    return f"at {where}: {error.message}"


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def _signed_by_body(token: str, trusted: dict[str, bytes], what: str) -> tuple[dict, str]:
    """The payload of a token signed by one of the trusted keys, and that key's id."""
    try:
        opened = jose.open_token(token)
        raw = did_key.public_key_of(str(opened.header.get("kid", "")))
    except (jose.JoseError, did_key.DidKeyError) as error:
        raise Invalid(f"the {what} cannot be read: {error}") from None
    did = did_key.did_of(raw)
    if did not in trusted:
        raise Invalid(f"the {what} is signed by key {key_id(raw)}, which is not one of the "
                      "body's keys")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(opened.signature, opened.signing_input)
    except InvalidSignature:
        raise Invalid(f"the {what}'s signature does not verify with the body's key "
                      f"{key_id(raw)}: it was altered after signing") from None
    issuer = opened.payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != did or opened.payload.get("iss", did) != did:
        raise Invalid(f"the {what}'s issuer is not the key that signed it ({key_id(raw)})")
    return opened.payload, key_id(raw)


def _moment(payload: dict, name: str, what: str) -> datetime | None:
    value = payload.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"the {what}'s {name} is not a date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise Invalid(f"the {what}'s {name} has no time zone: {value!r}")
    return moment


def _in_period(payload: dict, now: datetime, what: str) -> None:
    start, end = _moment(payload, "validFrom", what), _moment(payload, "validUntil", what)
    if start is not None and now < start:
        raise Invalid(f"the {what} is not valid before {payload['validFrom']}")
    if end is not None and now > end:
        raise Invalid(f"the {what} expired at {payload['validUntil']}")


def verify(token: str, trusted: dict[str, bytes], now: datetime,
           status_token: str | None = None) -> Verified:
    """`trusted`: the body's keys, did:key -> raw public key; `now` aware."""
    payload, signer = _signed_by_body(token, trusted, "credential")
    problem = schema_problem(payload)
    if problem is not None:
        raise Invalid(f"the credential does not follow the Open Badges 3.0 schema {problem}")
    _in_period(payload, now, "credential")
    if status_token is None:
        return Verified(payload, signer, "not checked (no status list given)")
    return Verified(payload, signer, _status(payload, trusted, now, status_token))


def _status(payload: dict, trusted: dict[str, bytes], now: datetime, token: str) -> str:
    entry = payload.get("credentialStatus") or {}
    listed, _ = _signed_by_body(token, trusted, "status list")
    if listed.get("id") != entry.get("statusListCredential"):
        raise Invalid(f"the status list is {listed.get('id')!r}, not the credential's "
                      f"{entry.get('statusListCredential')!r}")
    _in_period(listed, now, "status list")
    subject = listed.get("credentialSubject") or {}
    if subject.get("statusPurpose") != entry.get("statusPurpose"):
        raise Invalid(f"the status list's purpose is {subject.get('statusPurpose')!r}, not "
                      f"the credential's {entry.get('statusPurpose')!r}")
    try:
        index = int(entry["statusListIndex"])
        bits = status_list.decode(str(subject.get("encodedList", "")))
        if len(bits) * 8 < status_list.MIN_BITS:
            raise status_list.StatusListError("the list is shorter than 131,072 entries")
        flag = status_list.bit(bits, index)
    except (KeyError, ValueError) as error:  # StatusListError is a ValueError
        raise Invalid(f"the status list cannot be read: {error}") from None
    day = str(listed.get("validFrom", ""))[:10]
    if flag:
        raise Invalid(f"the certification is suspended, revoked or lapsed (status list "
                      f"{listed['id']}, entry {index}, on {day})")
    return f"in good standing on {day}"

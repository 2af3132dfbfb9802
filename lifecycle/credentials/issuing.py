"""Issuing: a certification's credential and its qualification-year's status list, each a
compact JWS signed by the body's active key (VC-JOSE: `application/vc+jwt`).

The issuer's id is the did:key of the signing key (lifecycle.credentials.did_key), and the
JWS header's `kid` its verification method, so a credential signed before a key rotation
names, and verifies with, the old public key that the ring keeps. A credential is issued
only for a certification in good standing on the day (SUSPENDED, REVOKED, LAPSED refuse it);
the status list answers for that day, in Asia/Tokyo.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from aggregates import qualifications
from aggregates.errors import DomainError
from aggregates.status import certification_state
from lifecycle.credentials import achievement, did_key, jose, status_list
from lifecycle.credentials.lookup import find
from lifecycle.keys import KeyRing
from lifecycle.keys.ring import ACTIVE
from lifecycle.store.reads import StoreReads
from projections.status_lists import sequences_not_in_good_standing

REFUSED = {"suspended": "SUSPENDED", "revoked": "REVOKED", "lapsed": "LAPSED"}


class RingSource:
    """The key ring of a directory, loaded again only when its active key changed (a
    rotation replaces the `active` file), so a running server signs with the new key."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._ring: KeyRing | None = None
        self._stamp: tuple | None = None

    def ring(self) -> KeyRing:
        """KeyRingError when there is no usable key directory."""
        try:
            info = os.stat(self.directory / ACTIVE)
            stamp = (info.st_mtime_ns, info.st_ino, info.st_size)
        except OSError:
            stamp = None
        if self._ring is None or stamp is None or stamp != self._stamp:
            self._ring = KeyRing.load(self.directory)
            self._stamp = stamp
        return self._ring


def issuer_profile(raw_public_key: bytes, body_name: str, public_url: str) -> dict:
    return {"id": did_key.did_of(raw_public_key), "type": ["Profile"], "name": body_name,
            "url": public_url}


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def signed(payload: dict, ring: KeyRing) -> str:
    """The payload with its JWT claims (iss, jti, nbf, exp), signed by the active key."""
    claims = {**payload, "iss": payload["issuer"]["id"], "jti": payload["id"],
              "nbf": _epoch(payload["validFrom"])}
    if "validUntil" in payload:
        claims["exp"] = _epoch(payload["validUntil"])
    return jose.sign(claims, did_key.verification_method(ring.active().raw), ring.sign)


class Issuer:
    def __init__(self, reads: StoreReads, engine: Engine, keys: RingSource, body_name: str,
                 public_url: str):
        self.reads = reads
        self.engine = engine
        self.keys = keys
        self.body_name = body_name
        self.public_url = public_url.rstrip("/")

    def credential_payload(self, number: str, today: date, ring: KeyRing) -> dict:
        found = find(self.reads, number, today)
        cert = found.certification
        status = certification_state(cert, today)
        if status in REFUSED:
            raise DomainError(REFUSED[status], f"certification {number} is {status} on "
                              f"{today.isoformat()}: no credential is issued for it")
        period = cert.period_shown_on(today)
        parsed = found.number
        url = status_list.list_url(self.public_url, status_list.list_name(
            parsed.qualification, parsed.fiscal_year))
        return achievement.credential(
            issuer=issuer_profile(ring.active().raw, self.body_name, self.public_url),
            number=number, code=parsed.qualification, valid_from=period.valid_from,
            valid_until=period.valid_until, awarded_on=cert.periods[0].granted_on,
            email=found.state.email, status=status_list.entry(url, parsed.sequence),
            public_url=self.public_url)

    def credential(self, number: str, today: date) -> str:
        ring = self.keys.ring()
        return signed(self.credential_payload(number, today, ring), ring)

    def status_list(self, name: str, today: date) -> str:
        """NOT_CERTIFIED for a name that is no list of ours (`CAP-2027`)."""
        match = status_list.LIST_NAME.match(name)
        if match is None or not qualifications.is_professional(match.group(1)):
            raise DomainError("NOT_CERTIFIED", f"no status list {name!r} is published")
        ring = self.keys.ring()
        bits = sequences_not_in_good_standing(self.engine, match.group(1),
                                              int(match.group(2)), today)
        payload = status_list.credential(
            status_list.list_url(self.public_url, name),
            issuer_profile(ring.active().raw, self.body_name, self.public_url),
            achievement.moment(today), achievement.moment(today, achievement.END_OF_DAY),
            bits)
        return signed(payload, ring)

    def keys_document(self) -> dict:
        """Every public key of the body as a did:key, the active one marked: what a
        verifier pins (`lifecycle credential verify --keys`)."""
        ring = self.keys.ring()
        return {"issuer": self.body_name, "keys": [
            {**k.to_dict(k.key_id == ring.active_id), "did": did_key.did_of(k.raw)}
            for k in ring.publics()]}


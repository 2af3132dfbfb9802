"""Bitstring Status Lists (W3C Bitstring Status List v1.0) of the body's credentials.

One list per qualification and fiscal year of the certification number
(`CAP-2027-00042` is entry 42 of list `CAP-2027`): the index is read off the number, so
it never changes and a rebuild of any table gives the same one, and a list never holds
more entries than a number's sequence allows. The purpose is `suspension` — "do not accept
this credential now", which a reinstatement can undo: a bit is 1 while the certification
is suspended, revoked or lapsed on the list's day, 0 while it is in good standing.
Revocation and lapse never flip back for a number (a new certification gets a new
number); which of the three it is, public verification (`GET /verify/{number}`) says.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable

from lifecycle.credentials.jose import JoseError, b64url, unb64url

PURPOSE = "suspension"
MIN_BITS = 131_072  # the specification's minimum (16 KB): herd privacy for every list
LIST_NAME = re.compile(r"^([A-Z]{2,8})-(\d{4})$")


class StatusListError(ValueError):
    """An encoded list that cannot be read."""


def list_name(qualification: str, fiscal_year: int) -> str:
    return f"{qualification}-{fiscal_year}"


def list_url(public_url: str, name: str) -> str:
    return f"{public_url}/credentials/status/{name}"


def encode(set_bits: Iterable[int]) -> str:
    """Multibase base64url (`u…`, no padding) of the GZIP of the bitstring; bit 0 is the
    first byte's most significant bit."""
    indexes = sorted(set_bits)
    size = max(MIN_BITS, ((indexes[-1] // 8) + 1) * 8 if indexes else 0)
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(bits), compresslevel=9, mtime=0))


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise StatusListError("the encoded list is not multibase base64url ('u…')")
    try:
        return gzip.decompress(unb64url(encoded[1:]))
    except (JoseError, OSError, EOFError) as error:
        raise StatusListError(f"the encoded list does not decompress: {error}") from None


def bit(bits: bytes, index: int) -> int:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside the list's {len(bits) * 8} entries")
    return (bits[index // 8] >> (7 - index % 8)) & 1


def entry(url: str, index: int) -> dict:
    """The `credentialStatus` of a credential: entry `index` of the list at `url`."""
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": PURPOSE, "statusListIndex": str(index),
            "statusListCredential": url}


def credential(url: str, issuer: dict, valid_from: str, valid_until: str,
               set_bits: Iterable[int]) -> dict:
    """The BitstringStatusListCredential (unsigned) of the list at `url`."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "validUntil": valid_until,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": PURPOSE, "encodedList": encode(set_bits)},
    }

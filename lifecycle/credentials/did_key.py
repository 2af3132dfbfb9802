"""An Ed25519 public key as a `did:key` (W3C did:key method): `did:key:z` + base58btc of
the multicodec prefix 0xed 0x01 and the raw 32-byte key.

The issuer's id is the did:key of the key that signed: a verifier resolves it to the
public key with no network, and the body's published key list (`lifecycle keys list`)
says which did:keys are the body's.
"""

from __future__ import annotations

import functools

ED25519_PUB = b"\xed\x01"
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
PREFIX = "did:key:z"


class DidKeyError(ValueError):
    """Not the did:key of an Ed25519 key."""


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _VALUE:
            raise DidKeyError(f"{char!r} is not a base58 digit")
        number = number * 58 + _VALUE[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


@functools.lru_cache(maxsize=64)  # a handful of keys, named on every credential
def did_of(raw_public_key: bytes) -> str:
    return PREFIX + b58encode(ED25519_PUB + raw_public_key)


def verification_method(raw_public_key: bytes) -> str:
    """The DID URL of the key itself (`did:key:z…#z…`): a JWS header's `kid`."""
    did = did_of(raw_public_key)
    return f"{did}#{did[len('did:key:'):]}"


def public_key_of(did_or_url: str) -> bytes:
    """The raw 32-byte key named by a did:key or its verification method."""
    did = did_or_url.split("#", 1)[0]
    if not did.startswith(PREFIX):
        raise DidKeyError(f"{did_or_url!r} is not a did:key")
    decoded = b58decode(did[len(PREFIX):])
    if not decoded.startswith(ED25519_PUB) or len(decoded) != 34:
        raise DidKeyError(f"{did_or_url!r} is not the did:key of an Ed25519 key")
    if did_or_url != did and did_or_url != verification_method(decoded[2:]):
        raise DidKeyError(f"{did_or_url!r} names another key than its DID")
    return decoded[2:]

"""The pieces of a credential: did:key names, the bitstring's encoding, compact JWS."""

from __future__ import annotations

import base64
import gzip
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.credentials import did_key, jose, status_list
from lifecycle.keys import KeyRing


@given(st.binary(min_size=32, max_size=32))
def test_a_did_key_names_its_ed25519_key_and_gives_it_back(raw):
    did = did_key.did_of(raw)
    assert did.startswith("did:key:z6Mk")  # every Ed25519 did:key does (multicodec 0xed01)
    assert did_key.public_key_of(did) == raw
    assert did_key.public_key_of(did_key.verification_method(raw)) == raw


def test_base58_keeps_leading_zero_bytes():
    for data in (b"", b"\0", b"\0\0\x01", os.urandom(34)):
        assert did_key.b58decode(did_key.b58encode(data)) == data
    assert did_key.b58encode(b"hello world") == "StV1DL6CwTryKyV"  # the Bitcoin alphabet


def test_a_did_that_is_not_an_ed25519_key_is_refused():
    raw = os.urandom(32)
    other = "did:key:z" + did_key.b58encode(b"\xec\x01" + raw)  # an X25519 key
    for text in ("did:web:example.jp", other, did_key.did_of(raw) + "#z6MkOther"):
        with pytest.raises(did_key.DidKeyError):
            did_key.public_key_of(text)


def test_the_bitstring_is_gzip_base64url_multibase_with_bit_zero_leftmost():
    encoded = status_list.encode([0, 9, 131_071])
    assert encoded.startswith("u") and "=" not in encoded
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) == 16_384  # 131,072 entries, the specification's minimum
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert sum(bin(b).count("1") for b in bits) == 3
    assert [status_list.bit(status_list.decode(encoded), i) for i in (0, 1, 9, 131_071)] == [
        1, 0, 1, 1]


def test_a_list_grows_past_the_minimum_only_for_a_larger_index():
    assert len(status_list.decode(status_list.encode([]))) == 16_384
    assert len(status_list.decode(status_list.encode([200_000]))) == 200_000 // 8 + 1
    with pytest.raises(status_list.StatusListError):
        status_list.bit(status_list.decode(status_list.encode([])), 131_072)


def test_a_signed_token_opens_and_its_signature_is_over_the_first_two_parts(tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    token = jose.sign({"a": "認定"}, "kid-1", ring.sign)
    opened = jose.open_token(token)
    assert opened.header == {"alg": "EdDSA", "kid": "kid-1", "typ": "vc+jwt"}
    assert opened.payload == {"a": "認定"}
    assert ring.active().verify(opened.signature, opened.signing_input)
    header = jose.b64url(b'{"alg":"none"}')
    with pytest.raises(jose.JoseError, match="'none', not EdDSA"):
        jose.open_token(f"{header}.{token.split('.', 1)[1]}")

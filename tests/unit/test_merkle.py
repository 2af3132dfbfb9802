"""The RFC 6962 tree: published test vectors, audit paths for every leaf of every small
tree, an independent library's roots, the leaf encoding."""

from __future__ import annotations

import os
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.ledger import leaf
from lifecycle.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    audit_path,
    leaf_hash,
    levels,
    root_of,
    verify_inclusion,
)

# The reference leaves and roots of the Certificate Transparency implementations' tests.
VECTOR_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                 "606162636465666768696a6b6c6d6e6f"]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_certificate_transparency_vectors(size):
    hashed = [leaf_hash(bytes.fromhex(h)) for h in VECTOR_LEAVES[:size]]
    assert root_of(hashed).hex() == VECTOR_ROOTS[size - 1]
    assert levels(hashed)[-1][0].hex() == VECTOR_ROOTS[size - 1]


def test_the_empty_tree_has_the_hash_of_nothing_as_root():
    assert Frontier().root() == EMPTY_ROOT == bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


@pytest.mark.parametrize("size", range(1, 34))
def test_every_leafs_audit_path_verifies_and_no_other_leaf_does(size):
    hashed = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tower, root = levels(hashed), root_of(hashed)
    for index in range(size):
        path = audit_path(tower, index)
        assert verify_inclusion(hashed[index], index, size, path, root)
        assert not verify_inclusion(leaf_hash(b"forged"), index, size, path, root)
        if size > 1:
            assert not verify_inclusion(hashed[index], (index + 1) % size, size, path, root)
    assert not verify_inclusion(hashed[0], size, size, [], root)


def test_a_frontier_resumed_from_its_bytes_reaches_the_same_root():
    hashed = [leaf_hash(os.urandom(20)) for _ in range(1000)]
    first = Frontier()
    first.extend(hashed[:617])
    resumed = Frontier.from_bytes(first.size, first.to_bytes())
    resumed.extend(hashed[617:])
    assert resumed.root() == root_of(hashed)
    assert len(resumed.to_bytes()) == 32 * (1000).bit_count()


def test_a_frontier_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        Frontier(3, [EMPTY_ROOT])


def test_roots_agree_with_pymerkle():
    pymerkle = pytest.importorskip("pymerkle")
    tree = pymerkle.InmemoryTree()
    entries = [os.urandom(n % 50) for n in range(300)]
    for entry in entries:
        tree.append_entry(entry)
    for size in (1, 2, 3, 64, 100, 255, 256, 257, 300):
        assert root_of([leaf_hash(e) for e in entries[:size]]) == tree.get_root(size)


@given(st.text(max_size=60), st.integers(0, 2**63 - 1), st.binary(max_size=300))
def test_a_leaf_decodes_to_the_event_it_encodes(topic, version, state):
    originator = uuid4()
    assert leaf.decode(leaf.encode(topic, originator, version, state)) == (
        topic, originator, version, state)


def test_two_events_never_share_a_leaf_by_moving_bytes_between_fields():
    originator = uuid4()
    assert leaf.encode("a:B", originator, 1, b"xy") != leaf.encode("a:Bx", originator, 1, b"y")


def test_the_event_type_is_the_class_name():
    assert leaf.event_type("aggregates.events:Certified") == "Certified"
    assert leaf.event_type("aggregates.holder:Holder.Created") == "Created"


@pytest.mark.parametrize("new_size", range(1, 26))
def test_every_older_tree_is_proved_a_prefix_of_every_newer_one(new_size):
    from lifecycle.ledger.merkle import consistency_path, verify_consistency

    hashed = [leaf_hash(i.to_bytes(4, "big")) for i in range(new_size)]
    tower, new_root = levels(hashed), root_of(hashed)
    for old_size in range(1, new_size + 1):
        old_root = root_of(hashed[:old_size])
        path = consistency_path(tower, old_size, new_size)
        assert verify_consistency(old_size, new_size, old_root, new_root, path)
        assert not verify_consistency(old_size, new_size, leaf_hash(b"x"), new_root, path)
        if old_size < new_size:
            assert not verify_consistency(old_size, new_size, old_root, leaf_hash(b"x"), path)
            rewritten = root_of([leaf_hash(b"x"), *hashed[1:old_size]])
            assert not verify_consistency(old_size, new_size, rewritten, new_root, path)

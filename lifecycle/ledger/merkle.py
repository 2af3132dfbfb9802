"""The Merkle tree of RFC 6962 (Certificate Transparency) §2.1, over SHA-256, with hashlib.

    leaf hash      SHA-256(0x00 || leaf bytes)
    interior node  SHA-256(0x01 || left || right)
    tree of n > 1  left: the first k leaves, k the largest power of two below n; right: the rest

`Frontier` is the compact range of a tree: the roots of its perfect subtrees, largest first
(one per set bit of the size, so at most 64 hashes). Appending a leaf costs two hashes on
average and the root is a fold over the frontier, so the ledger never re-reads old leaves to
move on. `levels` builds every level of a tree at once for audit paths (RFC 9162 §2.1.3);
`verify_inclusion` is RFC 9162's verification algorithm, step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(leaf: bytes) -> bytes:
    return _sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


class Frontier:
    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()):
        if len(nodes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier "
                             f"nodes, not {len(nodes)}")
        self.size = size
        self.nodes = list(nodes)

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> Frontier:
        return cls(size, [packed[i:i + 32] for i in range(0, len(packed), 32)])

    def to_bytes(self) -> bytes:
        return b"".join(self.nodes)

    def append(self, hashed_leaf: bytes) -> None:
        node, size, nodes = hashed_leaf, self.size, self.nodes
        while size & 1:  # each trailing set bit is a perfect subtree of the same height
            node = _sha256(b"\x01" + nodes.pop() + node).digest()
            size >>= 1
        nodes.append(node)
        self.size += 1

    def extend(self, hashed_leaves: Iterable[bytes]) -> None:
        for hashed in hashed_leaves:
            self.append(hashed)

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            root = _sha256(b"\x01" + node + root).digest()
        return root

    def copy(self) -> Frontier:
        return Frontier(self.size, self.nodes)


def root_of(hashed_leaves: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    frontier.extend(hashed_leaves)
    return frontier.root()


def levels(hashed_leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first. A level's unpaired last node moves up as it
    is: built bottom-up this way, the tree is RFC 6962's left-perfect tree."""
    tower = [hashed_leaves]
    while len(tower[-1]) > 1:
        below = tower[-1]
        above = [_sha256(b"\x01" + below[i] + below[i + 1]).digest()
                 for i in range(0, len(below) - 1, 2)]
        if len(below) & 1:
            above.append(below[-1])
        tower.append(above)
    return tower


def audit_path(tower: list[list[bytes]], index: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[n]) for the tree `tower` (from `levels`): siblings, leaf first."""
    if not 0 <= index < len(tower[0]):
        raise ValueError(f"leaf {index} is not in a tree of {len(tower[0])}")
    path = []
    for level in tower[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def verify_inclusion(hashed_leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, hashed_leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def subtree_root(tower: list[list[bytes]], start: int, end: int) -> bytes:
    """MTH(D[start:end]) from the levels: a perfect, aligned range is one stored node."""
    width = end - start
    if width & (width - 1) == 0 and start % width == 0:
        return tower[width.bit_length() - 1][start // width]
    k = 1 << ((width - 1).bit_length() - 1)
    return node_hash(subtree_root(tower, start, start + k), subtree_root(tower, start + k, end))


def consistency_path(tower: list[list[bytes]], old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 PROOF(old_size, D[new_size]) §2.1.2: the tree of `old_size` leaves is a
    prefix of this one. `tower`: the levels of (at least) the first `new_size` leaves."""
    if not 0 < old_size <= new_size <= len(tower[0]):
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    path: list[bytes] = []

    def sub(m: int, start: int, end: int, whole: bool) -> None:
        if m == end - start:
            if not whole:
                path.append(subtree_root(tower, start, end))
            return
        k = 1 << ((end - start - 1).bit_length() - 1)
        if m <= k:
            sub(m, start, start + k, whole)
            path.append(subtree_root(tower, start + k, end))
        else:
            sub(m - k, start + k, end, False)
            path.append(subtree_root(tower, start, start + k))

    sub(old_size, 0, new_size, True)
    return path


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old_size == new_size:
        return old_root == new_root and not path
    if not 0 < old_size < new_size or not path:
        return False
    path = list(path)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0

"""Keyset paging: each page ends with an opaque cursor; the next page starts after it.

Keyset rather than OFFSET so that page 10,000 costs what page 1 costs, and a row added
between two pages does not shift the rest.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Select, tuple_

MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next_after: str | None  # pass as `after` for the next page; None on the last page

    def to_dict(self) -> dict:
        return {"items": self.items, "next_after": self.next_after}


def encode_cursor(key: Sequence) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        raise ValueError(f"not a cursor from a previous page: {cursor!r}") from None
    if not isinstance(key, list):
        raise ValueError(f"not a cursor from a previous page: {cursor!r}")
    return key


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}")


def fetch_page(conn: Connection, stmt: Select, keys: Sequence, after: str | None, limit: int,
               shape: Callable[[object], dict]) -> Page:
    """Rows of `stmt` ordered by `keys`, after the cursor, at most `limit` of them."""
    check_limit(limit)
    if after is not None:
        key = decode_cursor(after)
        if len(key) != len(keys) or not all(isinstance(v, str | int) for v in key):
            raise ValueError(f"not a cursor from a previous page of this list: {after!r}")
        stmt = stmt.where(tuple_(*keys) > tuple_(*key))
    rows = conn.execute(stmt.order_by(*keys).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    names = [k.name for k in keys]
    cursor = encode_cursor([getattr(rows[-1], n) for n in names]) if more else None
    return Page([shape(r) for r in rows], cursor)

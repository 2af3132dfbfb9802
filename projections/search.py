"""Finding holders by name or kana: a prefix of the folded key (aggregates.payer_name's
rule: NFKC, no spaces, small kana made large; hiragana typed by a clerk read as katakana),
an indexed range, paged by keyset."""

from __future__ import annotations

from sqlalchemy import Engine, select

from aggregates.payer_name import normalise
from projections.paging import Page, fetch_page
from projections.tables import holders as h

_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
_TO_KATAKANA = str.maketrans(_HIRAGANA, "".join(chr(ord(c) + 0x60) for c in _HIRAGANA))
_PAST_ANY = "\U0010ffff"  # after every character: [key, key + this) is "starts with key"


def folded(text: str) -> str:
    return normalise(text.translate(_TO_KATAKANA))


def _is_kana(key: str) -> bool:
    return all("\u30a0" <= c <= "\u30ff" for c in key)


def holders_named(engine: Engine, text: str, *, after: str | None = None,
                  limit: int = 20) -> Page:
    """Holders whose name (or, for kana, reading) starts with `text`, folded."""
    key = folded(text)
    if not key:
        return Page([], None)
    column = h.c.search_kana if _is_kana(key) else h.c.search_name
    stmt = (select(h.c.holder_number, h.c.name, h.c.name_kana, column.label("key"))
            .where(column >= key, column < key + _PAST_ANY))
    with engine.connect() as conn:
        return fetch_page(conn, stmt, [column.label("key"), h.c.holder_number], after, limit,
                          lambda r: {"holder": r.holder_number, "name": r.name,
                                     "name_kana": r.name_kana})

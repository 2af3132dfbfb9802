"""Matching the payer name on a bank statement (振込人名義), SPEC §6.

The expected name is the last 4 digits of the pass number (first certification) or of the
certification number (renewal) followed by the holder's name in katakana: `0123コンケンタロウ`.
Banks print half-width katakana, may add spaces and fold small kana to large ones (the
manual's own account name prints イツパン for イッパン), so both sides are normalised.
"""

from __future__ import annotations

import unicodedata

_SMALL_TO_LARGE_KANA = str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ")
_ASCII_DIGITS = frozenset("0123456789")


def normalise(text: str) -> str:
    """NFKC, drop every space (incl. the ideographic U+3000), fold small kana to large."""
    # NFKC first: it turns half-width kana (ｯ, ｶﾞ) and full-width digits into the forms
    # the fold and the comparison expect.
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    # Dropping a space or folding a kana can bring a letter next to a combining mark
    # (ッ+゛ -> ツ+゛); composing once more keeps normalise idempotent.
    return unicodedata.normalize("NFKC", compact.translate(_SMALL_TO_LARGE_KANA))


def last4(number: str) -> str:
    """The last 4 of the number's digits (`P26-000123` -> `0123`); fewer if it has fewer."""
    digits = [c for c in unicodedata.normalize("NFKC", number) if c in _ASCII_DIGITS]
    return "".join(digits[-4:])


def expected_payer_name(number: str, name_kana: str) -> str:
    """The normalised payer name a transfer for this number and holder should carry."""
    return normalise(last4(number) + name_kana)


def payer_name_matches(payer_name: str, number: str, name_kana: str) -> bool:
    return normalise(payer_name) == expected_payer_name(number, name_kana)

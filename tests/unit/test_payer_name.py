from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.payer_name import expected_payer_name, last4, normalise, payer_name_matches

PASS_NUMBER = "P26-000123"
KANA = "コンケンタロウ"


@pytest.mark.parametrize(
    "payer_name",
    [
        "0123コンケンタロウ",
        "0123ｺﾝｹﾝﾀﾛｳ",
        "0123 ｺﾝｹﾝ ﾀﾛｳ",
        "0123\u3000コンケン\u3000タロウ",
        "０１２３コンケンタロウ",
        " 0123ｺﾝｹﾝﾀﾛｳ\t",
    ],
)
def test_bank_renderings_of_the_payer_name_match(payer_name):
    assert payer_name_matches(payer_name, PASS_NUMBER, KANA)


@pytest.mark.parametrize(
    "payer_name",
    [
        "0123コンケンハナコ",
        "0124コンケンタロウ",
        "123コンケンタロウ",
        "コンケンタロウ",
        "0123",
        "",
        "P26-000123コンケンタロウ",
    ],
)
def test_other_names_or_digits_do_not_match(payer_name):
    assert not payer_name_matches(payer_name, PASS_NUMBER, KANA)


def test_small_kana_folded_to_large_as_banks_print_them():
    # The manual's own account name prints イツパン for イッパン.
    assert normalise("イッパン") == normalise("イツパン") == "イツパン"
    assert payer_name_matches("0001ｲﾂﾊﾟﾝ", "CAP-2027-00001", "イッパン")
    assert payer_name_matches("0001イッパン", "CAP-2027-00001", "イツパン")


@pytest.mark.parametrize(
    ("small", "large"),
    [("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ"), ("ｧｨｩｪｫｯｬｭｮ", "アイウエオツヤユヨ")],
)
def test_every_small_kana_folds_including_half_width(small, large):
    assert normalise(small) == large


def test_half_width_voiced_kana_compose():
    assert normalise("ｶﾞｷﾞﾊﾟ") == "ガギパ"
    assert payer_name_matches("0123ｶﾞｯｺｳ", PASS_NUMBER, "ガッコウ")


def test_hiragana_is_not_folded_to_katakana():
    # The SPEC names only NFKC, spaces and small kana; a hiragana name is a different name.
    assert not payer_name_matches("0123こんけんたろう", PASS_NUMBER, KANA)


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("P26-000123", "0123"),
        ("CAP-2027-00001", "0001"),
        ("OMP-2030-12345", "2345"),
        ("P26-０００１２３", "0123"),
        ("123", "123"),
        ("ABC", ""),
    ],
)
def test_last4_takes_the_last_four_of_the_numbers_digits(number, digits):
    assert last4(number) == digits


def test_expected_payer_name_is_normalised():
    assert expected_payer_name(PASS_NUMBER, "コンケン タロウ") == "0123コンケンタロウ"
    assert expected_payer_name("CAP-2027-00001", "イッパン") == "0001イツパン"


@given(st.text())
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@given(st.text())
def test_normalised_text_has_no_spaces_or_small_kana(text):
    result = normalise(text)
    assert not any(c.isspace() for c in result)
    assert not set(result) & set("ァィゥェォッャュョヮ")


@given(st.text(alphabet="アイウエオカキクケコッャュョンガパ", min_size=1), st.integers(0, 9999))
def test_a_name_always_matches_its_own_half_width_spaced_rendering(kana, n):
    number = f"P26-{n:06d}"
    spaced = " ".join(f"{n:06d}"[-4:] + kana)
    assert payer_name_matches(spaced, number, kana)

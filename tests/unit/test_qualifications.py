from __future__ import annotations

import pytest

from aggregates import qualifications as q


def test_professional_and_operation_qualifications_partition_all():
    assert q.PROFESSIONAL == ("CAP", "OMP")
    assert q.OPERATION == ("SV", "OP", "EN")
    assert q.ALL == ("CAP", "OMP", "SV", "OP", "EN")
    assert set(q.NAMES) == set(q.ALL)


@pytest.mark.parametrize("code", ["CAP", "OMP"])
def test_cap_and_omp_need_certification(code):
    assert q.is_professional(code)
    assert q.is_known(code)


@pytest.mark.parametrize("code", ["SV", "OP", "EN"])
def test_operation_qualifications_are_known_but_not_professional(code):
    assert q.is_known(code)
    assert not q.is_professional(code)


@pytest.mark.parametrize("code", ["", "cap", "XYZ", " CAP", "CAP "])
def test_unknown_codes_are_neither(code):
    assert not q.is_known(code)
    assert not q.is_professional(code)


def test_the_seven_fields_are_keyed_1_to_7():
    assert sorted(q.FIELDS) == list(range(1, 8))
    assert sorted(q.FIELD_CODES) == list(range(1, 8))
    assert sorted(q.FIELD_NAMES_JA) == list(range(1, 8))
    assert q.FIELDS[1] == "contact centre strategy"


def test_field_codes_of_both_manual_editions_are_listed():
    assert set(q.FIELD_CODES[2]) == {"CS", "SM", "CX"}
    assert set(q.FIELD_CODES[6]) == {"CA", "AR"}
    assert q.FIELD_CODES[4] == ("OP",)


def test_each_code_names_one_field_only():
    codes = [code for codes in q.FIELD_CODES.values() for code in codes]
    assert len(codes) == len(set(codes))


def test_required_fields_omp_4_or_5_cap_6_or_7():
    assert q.REQUIRED_FIELDS == {"OMP": frozenset({4, 5}), "CAP": frozenset({6, 7})}
    assert set(q.REQUIRED_FIELDS) == set(q.PROFESSIONAL)

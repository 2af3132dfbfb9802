from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.eligibility import (
    FAILURE_ORDER,
    FIELDS_REQUIRED,
    MONTHS_REQUIRED,
    REQUIRED_FIELD_MONTHS,
    SUBSTITUTION_CAP,
    Evaluation,
    ExperienceEntry,
    Substitution,
    Supervisor,
    YearMonth,
    counts,
    entries_ending_after,
    evaluate,
)
from aggregates.fees import FeeStatus

FILED_ON = date(2026, 9, 1)
PAID = FeeStatus(due=11_000, paid=11_000)


def entry(start, end, fields, org="コンケン株式会社", signer_org=None, signed_on=date(2026, 8, 1)):
    supervisor = Supervisor("上司 一郎", signer_org or org, signed_on)
    return ExperienceEntry(
        org, YearMonth.parse(start), YearMonth.parse(end), frozenset(fields), supervisor
    )


def run(experience, qualification="OMP", substitutions=(), **overrides):
    arguments = {
        "qualification": qualification,
        "filed_on": FILED_ON,
        "experience": experience,
        "substitutions": substitutions,
        "ethics_pledge_signed_on": date(2026, 8, 30),
        "pass_report_copy": True,
        "fee": PAID,
        "evaluated_on": date(2026, 10, 1),
        "renewal_window_closes_on": date(2030, 2, 28),
    }
    arguments.update(overrides)
    return evaluate(**arguments)


# SPEC §9 example 4: 36 months in field 4, 12 other months in field 1, 12 months of training.
EXAMPLE_4 = [entry("2021-01", "2023-12", {4}), entry("2024-01", "2024-12", {1}, org="別会社")]
TRAINING_12 = [Substitution("training", "コンタクトセンター研修", 12)]


# --- YearMonth -----------------------------------------------------------------------------


def test_year_month_parses_and_prints_yyyy_mm():
    month = YearMonth.parse("2024-04")
    assert month == YearMonth(2024, 4)
    assert str(month) == "2024-04"
    assert str(YearMonth(987, 1)) == "0987-01"


@pytest.mark.parametrize(
    "text",
    [
        "2024-4",
        "2024-13",
        "2024-00",
        "24-04",
        "2024/04",
        "2024-04-01",
        " 2024-04",
        "",
        "２０２４-０４",
        None,
        202404,
    ],
)
def test_year_month_parse_is_strict(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        YearMonth.parse(text)


def test_year_month_orders_by_year_then_month():
    assert YearMonth(2023, 12) < YearMonth(2024, 1) < YearMonth(2024, 2)
    assert max(YearMonth(2024, 1), YearMonth(2023, 12)) == YearMonth(2024, 1)


def test_year_month_of_a_date_and_next_month():
    assert YearMonth.of(date(2026, 9, 30)) == YearMonth(2026, 9)
    assert YearMonth(2026, 12).next() == YearMonth(2027, 1)
    assert YearMonth(2026, 1).next() == YearMonth(2026, 2)


def test_entry_months_at_the_end_of_the_calendar():
    last = ExperienceEntry("A社", YearMonth(9999, 11), YearMonth(9999, 12), frozenset({4}), None)
    assert last.months() == {YearMonth(9999, 11), YearMonth(9999, 12)}


def test_year_month_index_counts_months():
    assert YearMonth(2024, 1).index - YearMonth(2023, 12).index == 1
    assert YearMonth(2024, 4).index - YearMonth(2021, 4).index == 36


def test_year_month_rejects_an_impossible_month():
    with pytest.raises(ValueError):
        YearMonth(2024, 13)


# --- experience entries --------------------------------------------------------------------


def test_entry_months_are_inclusive():
    assert len(entry("2021-01", "2023-12", {4}).months()) == 36
    assert entry("2024-05", "2024-05", {4}).months() == {YearMonth(2024, 5)}
    assert entry("2023-11", "2024-02", {4}).months() == {
        YearMonth(2023, 11),
        YearMonth(2023, 12),
        YearMonth(2024, 1),
        YearMonth(2024, 2),
    }


ENTRY_DICT = {
    "organization": "コンケン株式会社",
    "from": "2021-01",
    "to": "2023-12",
    "fields": [5, 4],
    "supervisor": {
        "name": "上司 一郎",
        "organization": "コンケン株式会社",
        "signed_on": "2026-08-01",
    },
}


def test_entry_round_trips_through_a_dict():
    parsed = ExperienceEntry.from_dict(ENTRY_DICT)
    assert parsed.fields == frozenset({4, 5})
    assert parsed.supervisor.signed_on == date(2026, 8, 1)
    assert parsed.to_dict() == {**ENTRY_DICT, "fields": [4, 5]}
    assert ExperienceEntry.from_dict(parsed.to_dict()) == parsed


def test_unsigned_entry_is_valid_input():
    unsigned = {**ENTRY_DICT, "supervisor": None}
    assert ExperienceEntry.from_dict(unsigned).to_dict() == {**unsigned, "fields": [4, 5]}
    without_key = {k: v for k, v in ENTRY_DICT.items() if k != "supervisor"}
    assert ExperienceEntry.from_dict(without_key).supervisor is None
    no_date = {**ENTRY_DICT, "supervisor": {**ENTRY_DICT["supervisor"], "signed_on": None}}
    assert ExperienceEntry.from_dict(no_date).supervisor.signed_on is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"organization": None}, "organization"),
        ({"organization": " "}, "organization"),
        ({"organization": 3}, "organization"),
        ({"from": None}, "from"),
        ({"to": None}, "to"),
        ({"fields": None}, "fields"),
        ({"from": "2021-13"}, "YYYY-MM"),
        ({"to": "2023/12"}, "YYYY-MM"),
        ({"from": "2024-01", "to": "2023-12"}, "before it starts"),
        ({"fields": []}, "fields"),
        ({"fields": [8]}, "fields"),
        ({"fields": [0]}, "fields"),
        ({"fields": [True]}, "fields"),
        ({"fields": ["4"]}, "fields"),
        ({"fields": 4}, "fields"),
        ({"fields": [4.0]}, "fields"),
        ({"supervisor": "上司"}, "supervisor"),
        ({"supervisor": {"organization": "X", "signed_on": None}}, "name"),
        ({"supervisor": {"name": "X", "signed_on": None}}, "organization"),
        (
            {"supervisor": {"name": "X", "organization": "Y", "signed_on": "2026/08/01"}},
            "signed_on",
        ),
        (
            {"supervisor": {"name": "X", "organization": "Y", "signed_on": "2026-02-30"}},
            "signed_on",
        ),
        ({"supervisor": {"name": "X", "organization": "Y", "signed_on": 20260801}}, "signed_on"),
    ],
)
def test_malformed_entry_is_refused_with_a_clear_message(changes, message):
    malformed = {**ENTRY_DICT, **changes}
    malformed = {k: v for k, v in malformed.items() if v is not None or k == "supervisor"}
    with pytest.raises(ValueError, match=message):
        ExperienceEntry.from_dict(malformed)


@pytest.mark.parametrize("not_an_object", [None, [], "entry", 3])
def test_entry_must_be_an_object(not_an_object):
    with pytest.raises(ValueError, match="object"):
        ExperienceEntry.from_dict(not_an_object)


def test_substitution_round_trips_through_a_dict():
    d = {"kind": "qualification", "name": "COPC", "months": 12}
    assert Substitution.from_dict(d) == Substitution("qualification", "COPC", 12)
    assert Substitution.from_dict(d).to_dict() == d


@pytest.mark.parametrize(
    "d",
    [
        {"kind": "course", "name": "x", "months": 1},
        {"kind": "training", "name": "", "months": 1},
        {"kind": "training", "name": "x", "months": 0},
        {"kind": "training", "name": "x", "months": -3},
        {"kind": "training", "name": "x", "months": True},
        {"kind": "training", "name": "x", "months": "12"},
        {"kind": "training", "name": "x", "months": 1.5},
        {"name": "x", "months": 1},
        {"kind": "training", "months": 1},
        {"kind": "training", "name": "x"},
        ["training", "x", 1],
    ],
)
def test_malformed_substitution_is_refused(d):
    with pytest.raises(ValueError, match="substitution"):
        Substitution.from_dict(d)


# --- which entries count -------------------------------------------------------------------


def test_entry_signed_by_its_own_organisation_counts():
    assert counts(entry("2021-01", "2021-12", {4}), FILED_ON)


def test_organisation_names_compare_ignoring_width_spaces_and_case():
    signed = entry(
        "2021-01", "2021-12", {4}, org="Conken 株式会社", signer_org="ＣＯＮＫＥＮ株式会社"
    )
    assert counts(signed, FILED_ON)


def test_signer_from_another_organisation_does_not_count():
    assert not counts(entry("2021-01", "2021-12", {4}, signer_org="他社株式会社"), FILED_ON)


def test_unsigned_or_undated_or_late_signature_does_not_count():
    unsigned = ExperienceEntry("A社", YearMonth(2021, 1), YearMonth(2021, 12), frozenset({4}), None)
    assert not counts(unsigned, FILED_ON)
    assert not counts(entry("2021-01", "2021-12", {4}, signed_on=None), FILED_ON)
    assert not counts(entry("2021-01", "2021-12", {4}, signed_on=date(2026, 9, 2)), FILED_ON)
    assert counts(entry("2021-01", "2021-12", {4}, signed_on=FILED_ON), FILED_ON)


def test_signature_without_a_name_does_not_count():
    nameless = ExperienceEntry(
        "A社",
        YearMonth(2021, 1),
        YearMonth(2021, 12),
        frozenset({4}),
        Supervisor(" ", "A社", FILED_ON),
    )
    assert not counts(nameless, FILED_ON)


def test_entries_ending_after_the_filing_month_are_named():
    experience = [
        entry("2021-01", "2026-09", {4}),
        entry("2021-01", "2026-10", {4}),
        entry("2021-01", "2027-01", {4}),
    ]
    assert entries_ending_after(experience, FILED_ON) == [1, 2]
    assert entries_ending_after(experience, date(2026, 10, 31)) == [2]
    assert entries_ending_after([], FILED_ON) == []


# --- the evaluation ------------------------------------------------------------------------


def test_worked_example_4_is_eligible_for_omp():
    result = run(EXAMPLE_4, "OMP", TRAINING_12)
    assert result.eligible
    assert result.to_dict() == {
        "eligible": True,
        "failures": [],
        "warnings": [],
        "experience": {
            "months_counted": 48,
            "substitution_claimed": 12,
            "substitution_used": 12,
            "total_months": 60,
            "months_required": 60,
            "fields": [1, 4],
            "fields_required": 2,
            "required_fields": [4, 5],
            "required_field_months": 36,
            "required_field_months_required": 24,
        },
        "ethics_pledge": {"signed_on": "2026-08-30", "ok": True},
        "documents": {"pass_report_copy": True, "ok": True},
        "fee": {"due": 11_000, "paid": 11_000, "shortfall": 0, "excess": 0, "paid_in_full": True},
    }


def test_worked_example_4_fails_for_cap_with_no_months_in_fields_6_or_7():
    result = run(EXAMPLE_4, "CAP", TRAINING_12)
    assert result.failures == ("REQUIRED_FIELD_INSUFFICIENT",)
    assert not result.eligible
    assert result.to_dict()["experience"]["required_fields"] == [6, 7]
    assert result.to_dict()["experience"]["required_field_months"] == 0


def test_one_month_short_is_experience_insufficient():
    experience = [entry("2021-02", "2023-12", {4}), entry("2024-01", "2024-12", {1})]
    result = run(experience, "OMP", TRAINING_12)
    assert result.failures == ("EXPERIENCE_INSUFFICIENT",)
    assert result.figures["experience"]["total_months"] == 59


def test_overlapping_jobs_are_counted_once():
    experience = [entry("2020-01", "2024-12", {4}), entry("2022-01", "2025-12", {5})]
    result = run(experience)
    assert result.figures["experience"]["months_counted"] == 72
    assert result.figures["experience"]["required_field_months"] == 72
    assert result.eligible


def test_overlap_exactly_at_60_months():
    experience = [entry("2020-01", "2023-12", {4}), entry("2023-01", "2024-12", {1})]
    result = run(experience)
    assert result.figures["experience"]["months_counted"] == 60
    assert result.eligible


def test_substitution_counts_at_most_24_months():
    experience = [entry("2021-01", "2023-12", {4, 1})]  # 36 months
    substitutions = [
        Substitution("training", "研修", 18),
        Substitution("qualification", "資格", 12),
    ]
    result = run(experience, substitutions=substitutions)
    figures = result.figures["experience"]
    assert (figures["substitution_claimed"], figures["substitution_used"]) == (30, SUBSTITUTION_CAP)
    assert figures["total_months"] == 60
    assert result.eligible


def test_substitution_never_makes_up_for_required_field_months_or_fields():
    experience = [entry("2025-01", "2025-12", {4})]
    result = run(experience, substitutions=[Substitution("training", "研修", 60)])
    assert result.failures == (
        "EXPERIENCE_INSUFFICIENT",
        "FIELDS_INSUFFICIENT",
        "REQUIRED_FIELD_INSUFFICIENT",
    )
    assert result.figures["experience"]["total_months"] == 36


def test_one_field_only_is_fields_insufficient():
    result = run([entry("2020-01", "2024-12", {4})])
    assert result.failures == ("FIELDS_INSUFFICIENT",)


def test_required_field_months_are_a_union_of_entries_naming_a_required_field():
    experience = [
        entry("2020-01", "2020-12", {4}),
        entry("2020-07", "2021-06", {5, 2}),  # overlaps the first by 6 months
        entry("2021-07", "2025-06", {1}),
    ]
    result = run(experience)
    assert result.figures["experience"]["required_field_months"] == 18
    assert result.failures == ("REQUIRED_FIELD_INSUFFICIENT",)


def test_signer_from_another_organisation_is_kept_but_does_not_count():
    experience = [*EXAMPLE_4, entry("2019-01", "2020-12", {6}, signer_org="他社")]
    result = run(experience, "CAP", TRAINING_12)
    assert result.warnings == ({"code": "EXPERIENCE_UNVERIFIED", "entries": [2]},)
    assert result.failures == ("REQUIRED_FIELD_INSUFFICIENT",)
    assert result.figures["experience"]["months_counted"] == 48
    assert result.figures["experience"]["fields"] == [1, 4]


def test_unsigned_entries_are_listed_and_do_not_count():
    unsigned = ExperienceEntry(
        "A社", YearMonth(2015, 1), YearMonth(2019, 12), frozenset({4, 5}), None
    )
    result = run([unsigned, *EXAMPLE_4], "OMP", TRAINING_12)
    assert result.eligible
    assert result.to_dict()["warnings"] == [{"code": "EXPERIENCE_UNVERIFIED", "entries": [0]}]


def test_nothing_counts_without_experience():
    result = run([])
    assert result.failures == FAILURE_ORDER[:3]
    assert result.figures["experience"]["fields"] == []


def test_pledge_missing_or_signed_after_filing():
    assert run(EXAMPLE_4, substitutions=TRAINING_12, ethics_pledge_signed_on=None).failures == (
        "ETHICS_PLEDGE_MISSING",
    )
    late = run(EXAMPLE_4, substitutions=TRAINING_12, ethics_pledge_signed_on=date(2026, 9, 2))
    assert late.failures == ("ETHICS_PLEDGE_MISSING",)
    assert late.to_dict()["ethics_pledge"] == {"signed_on": "2026-09-02", "ok": False}
    on_the_day = run(EXAMPLE_4, substitutions=TRAINING_12, ethics_pledge_signed_on=FILED_ON)
    assert on_the_day.eligible


def test_missing_pass_report_copy_is_documents_missing():
    result = run(EXAMPLE_4, substitutions=TRAINING_12, pass_report_copy=False)
    assert result.failures == ("DOCUMENTS_MISSING",)
    assert result.to_dict()["documents"] == {"pass_report_copy": False, "ok": False}


def test_fee_short_is_fee_not_paid():
    result = run(EXAMPLE_4, substitutions=TRAINING_12, fee=FeeStatus(due=11_000, paid=10_800))
    assert result.failures == ("FEE_NOT_PAID",)
    assert result.to_dict()["fee"]["shortfall"] == 200


def test_all_failures_are_listed_in_the_fixed_order():
    result = run(
        [entry("2025-01", "2025-06", {1})],
        ethics_pledge_signed_on=None,
        pass_report_copy=False,
        fee=FeeStatus(due=11_000, paid=0),
    )
    assert result.failures == FAILURE_ORDER
    assert result.to_dict()["failures"] == list(FAILURE_ORDER)


def test_window_already_closed_warns_after_its_last_day_only():
    closes_on = date(2029, 2, 28)
    on_last_day = run(
        EXAMPLE_4,
        substitutions=TRAINING_12,
        evaluated_on=closes_on,
        renewal_window_closes_on=closes_on,
    )
    assert on_last_day.warnings == ()
    after = run(
        EXAMPLE_4,
        substitutions=TRAINING_12,
        evaluated_on=date(2029, 3, 1),
        renewal_window_closes_on=closes_on,
    )
    assert after.eligible
    assert after.to_dict()["warnings"] == [
        {"code": "RENEWAL_WINDOW_ALREADY_CLOSED", "closes_on": "2029-02-28"}
    ]
    unknown = run(EXAMPLE_4, substitutions=TRAINING_12, renewal_window_closes_on=None)
    assert unknown.warnings == ()


def test_both_warnings_unverified_first():
    experience = [*EXAMPLE_4, entry("2019-01", "2019-12", {2}, signed_on=None)]
    result = run(experience, substitutions=TRAINING_12, evaluated_on=date(2031, 1, 1))
    assert [w["code"] for w in result.to_dict()["warnings"]] == [
        "EXPERIENCE_UNVERIFIED",
        "RENEWAL_WINDOW_ALREADY_CLOSED",
    ]


def test_operation_qualification_cannot_be_evaluated():
    with pytest.raises(ValueError, match="SV"):
        run(EXAMPLE_4, "SV")


def test_to_dict_is_a_copy():
    result = run([entry("2019-01", "2019-12", {2}, signed_on=None)])
    d = result.to_dict()
    d["warnings"][0]["entries"].append(99)
    d["experience"]["fields"].append(7)
    assert result.to_dict()["warnings"][0]["entries"] == [0]
    assert result.to_dict()["experience"]["fields"] == []


def test_evaluation_is_eligible_only_without_failures():
    assert Evaluation(failures=(), warnings=(), figures={}).eligible
    assert not Evaluation(failures=("FEE_NOT_PAID",), warnings=(), figures={}).eligible


def test_constants():
    assert (MONTHS_REQUIRED, SUBSTITUTION_CAP, FIELDS_REQUIRED, REQUIRED_FIELD_MONTHS) == (
        60,
        24,
        2,
        24,
    )


# --- properties ----------------------------------------------------------------------------

months = st.builds(YearMonth, st.integers(2010, 2026), st.integers(1, 12))
field_sets = st.frozensets(st.integers(1, 7), min_size=1, max_size=3)


@st.composite
def signed_entries(draw):
    start, end = sorted([draw(months), draw(months)])
    return ExperienceEntry("A社", start, end, draw(field_sets), Supervisor("上司", "A社", FILED_ON))


@given(st.lists(signed_entries(), max_size=6))
def test_months_counted_never_exceeds_the_sum_of_entry_lengths(experience):
    counted = run(experience).figures["experience"]["months_counted"]
    assert counted <= sum(len(e.months()) for e in experience)
    assert counted >= max((len(e.months()) for e in experience), default=0)


@given(st.lists(signed_entries(), max_size=6), signed_entries())
def test_adding_a_counting_entry_never_decreases_any_figure(experience, extra):
    before = run(experience).figures["experience"]
    after = run([*experience, extra]).figures["experience"]
    assert after["months_counted"] >= before["months_counted"]
    assert after["required_field_months"] >= before["required_field_months"]
    assert set(before["fields"]) <= set(after["fields"])


@given(st.lists(signed_entries(), max_size=6))
def test_entry_dicts_round_trip(experience):
    for e in experience:
        assert ExperienceEntry.from_dict(e.to_dict()) == e


@given(st.lists(st.integers(1, 40), max_size=5))
def test_substitution_used_is_capped_at_24(claims):
    subs = [Substitution("training", f"研修{i}", m) for i, m in enumerate(claims)]
    figures = run([], substitutions=subs).figures["experience"]
    assert figures["substitution_used"] == min(24, sum(claims))

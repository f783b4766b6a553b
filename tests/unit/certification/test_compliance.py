"""Unit tests for lawexam.certification.compliance (what a certificate holder meets or misses)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawexam.certification.compliance import (
    CertificateFacts,
    CertificateStatus,
    CheckKind,
    ExamPass,
    ExamRef,
    HolderRecords,
    ModuleRef,
    Period,
    Requirements,
    add_years,
    describe,
    effective_status,
    evaluate,
    format_hours,
)

S = CertificateStatus
VALID = CertificateFacts(S.VALID, valid_from=date(2023, 3, 1), valid_until=date(2026, 2, 28))
HOURS_20 = Requirements(hours=Decimal(20))
THREE_SYSTEMS = ModuleRef(7, "行政执法“三项制度”", "three-systems")
EXAM_2024 = ExamRef(11, "2024年度执法人员法律知识考试", date(2024, 11, 20))
EXAM_2025 = ExamRef(12, "2025年度执法人员法律知识考试", date(2025, 11, 19))


def facts(valid_until: date, valid_from: date = date(2020, 1, 1), status: S = S.VALID) -> CertificateFacts:
    return CertificateFacts(status, valid_from=valid_from, valid_until=valid_until)


# --- validity edges -------------------------------------------------------------------------

def test_a_certificate_that_expires_today_is_still_valid_with_zero_days_left():
    today = date(2025, 6, 30)
    result = evaluate(Requirements(), facts(today), HolderRecords(), today)
    assert result.days_left == 0
    assert result.status == S.RENEWAL_DUE and result.in_force and not result.expired


def test_the_day_after_valid_until_the_certificate_is_expired():
    result = evaluate(Requirements(), facts(date(2025, 6, 30)), HolderRecords(), date(2025, 7, 1))
    assert result.status == S.EXPIRED and result.expired and not result.in_force
    assert result.days_left == -1


def test_valid_until_the_leap_day():
    until = date(2028, 2, 29)
    assert evaluate(Requirements(), facts(until), HolderRecords(), date(2028, 2, 29)).status == S.RENEWAL_DUE
    assert evaluate(Requirements(), facts(until), HolderRecords(), date(2028, 2, 29)).days_left == 0
    assert evaluate(Requirements(), facts(until), HolderRecords(), date(2028, 3, 1)).status == S.EXPIRED
    # Sixty days before 29 February 2028 is 31 December 2027 (2028 is a leap year).
    assert evaluate(Requirements(), facts(until), HolderRecords(), date(2027, 12, 31)).days_left == 60
    assert evaluate(Requirements(), facts(until), HolderRecords(), date(2027, 12, 31)).status == S.RENEWAL_DUE
    assert evaluate(Requirements(), facts(until), HolderRecords(), date(2027, 12, 30)).status == S.VALID


@pytest.mark.parametrize("lead, days_before, expected", [
    (60, 61, S.VALID), (60, 60, S.RENEWAL_DUE), (60, 1, S.RENEWAL_DUE), (60, 0, S.RENEWAL_DUE),
    (60, -1, S.EXPIRED), (0, 0, S.RENEWAL_DUE), (0, 1, S.VALID), (90, 75, S.RENEWAL_DUE),
])
def test_renewal_is_due_within_the_lead_time(lead, days_before, expected):
    until = date(2026, 1, 15)
    today = until - timedelta(days=days_before)
    assert effective_status(S.VALID, until, today, lead) == expected


@pytest.mark.parametrize("stored", [S.SUSPENDED, S.REVOKED])
def test_the_officers_decision_wins_over_the_dates(stored):
    for today in (date(2020, 1, 1), date(2026, 2, 1), date(2030, 1, 1)):
        assert effective_status(stored, date(2026, 2, 28), today) == stored
    result = evaluate(HOURS_20, facts(date(2026, 2, 28), status=stored), HolderRecords(), date(2025, 5, 1))
    assert result.status == stored and not result.in_force


def test_add_years_keeps_the_date_and_turns_29_february_into_28_february():
    assert add_years(date(2025, 3, 1), 3) == date(2028, 3, 1)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2027, 2, 28), 1) == date(2028, 2, 28)


# --- per calendar year ----------------------------------------------------------------------

def test_hours_earned_on_31_december_count_for_that_year_not_the_next():
    # The study records put 31 December's hours in 2024 and 1 January's in 2025.
    records = HolderRecords(hours_by_year={2024: Decimal(20), 2025: Decimal(3)})
    on_new_years_eve = evaluate(HOURS_20, VALID, records, date(2024, 12, 31))
    assert on_new_years_eve.met and on_new_years_eve.year == 2024
    on_new_years_day = evaluate(HOURS_20, VALID, records, date(2025, 1, 1))
    assert not on_new_years_day.met and on_new_years_day.year == 2025
    hours = on_new_years_day.checks[0]
    assert hours.kind == CheckKind.HOURS and hours.earned_hours == 3 and hours.short_hours == 17


def test_missing_hours_are_said_in_plain_words():
    records = HolderRecords(hours_by_year={2025: 14})
    result = evaluate(HOURS_20, VALID, records, date(2025, 8, 1))
    (check,) = result.missing
    assert describe(check, result) == "6 study hours still needed in 2025 (14 of 20)"
    zh = {"%(hours)s study hours still needed in %(year)s (%(earned)s of %(required)s)":
          "%(year)s 年还差 %(hours)s 学时（已获 %(earned)s / %(required)s）"}
    assert describe(check, result, lambda m, **v: zh[m] % v) == "2025 年还差 6 学时（已获 14 / 20）"
    assert check.link.kind == "study"


def test_fractional_hours_are_exact():
    records = HolderRecords(hours_by_year={2025: 19.99})
    result = evaluate(Requirements(hours=Decimal("20")), VALID, records, date(2025, 8, 1))
    assert not result.met and result.checks[0].short_hours == Decimal("0.01")
    assert evaluate(Requirements(hours=Decimal("12.5")), VALID, HolderRecords(hours_by_year={2025: 12.5}),
                    date(2025, 8, 1)).met
    assert format_hours(Decimal("6.00")) == "6" and format_hours(12.5) == "12.5" and format_hours(0.25) == "0.25"


def test_a_module_completed_last_year_does_not_count_this_year():
    requirement = Requirements(modules=(THREE_SYSTEMS,))
    records = HolderRecords(modules_by_year={2024: frozenset({7})})
    assert evaluate(requirement, VALID, records, date(2024, 12, 31)).met
    result = evaluate(requirement, VALID, records, date(2025, 1, 1))
    assert not result.met
    assert describe(result.missing[0], result) == "Module not completed: 行政执法“三项制度”"
    assert result.missing[0].link.kind == "module" and result.missing[0].link.target == "three-systems"


def test_an_exam_passed_on_31_december_counts_for_that_year_only():
    requirement = Requirements(exam_required=True)
    records = HolderRecords(passes=[ExamPass(11, EXAM_2024.title, date(2024, 12, 31))],
                            qualifying_exams=[EXAM_2024, EXAM_2025])
    met = evaluate(requirement, VALID, records, date(2024, 12, 31))
    assert met.met and met.checks[0].passed.exam_id == 11
    assert describe(met.checks[0], met) == "Passed 2024年度执法人员法律知识考试 on 2024-12-31"
    next_year = evaluate(requirement, VALID, records, date(2025, 1, 1))
    assert not next_year.met
    # The exam to pass is this year's, named so the holder knows which one.
    assert next_year.missing[0].to_pass == EXAM_2025
    assert describe(next_year.missing[0], next_year) == "Not passed: 2025年度执法人员法律知识考试"
    assert next_year.missing[0].link.kind == "exam" and next_year.missing[0].link.target == 12


def test_the_exam_named_is_the_next_one_else_the_latest_held_else_none():
    requirement = Requirements(exam_required=True)
    spring = ExamRef(20, "上半年考试", date(2025, 3, 12))
    autumn = ExamRef(21, "下半年考试", date(2025, 10, 9))
    records = HolderRecords(qualifying_exams=[autumn, spring])
    assert evaluate(requirement, VALID, records, date(2025, 1, 5)).missing[0].to_pass == spring
    assert evaluate(requirement, VALID, records, date(2025, 6, 1)).missing[0].to_pass == autumn
    assert evaluate(requirement, VALID, records, date(2025, 12, 1)).missing[0].to_pass == autumn
    none_known = evaluate(requirement, VALID, HolderRecords(qualifying_exams=[EXAM_2024]), date(2025, 6, 1))
    assert none_known.missing[0].to_pass is None and none_known.missing[0].link is None
    assert describe(none_known.missing[0], none_known) == "No qualifying exam passed in 2025"


def test_a_pass_dated_after_today_does_not_count_when_asking_about_an_earlier_day():
    requirement = Requirements(exam_required=True)
    records = HolderRecords(passes=[ExamPass(12, EXAM_2025.title, date(2025, 11, 19))])
    assert not evaluate(requirement, VALID, records, date(2025, 11, 18)).met
    assert evaluate(requirement, VALID, records, date(2025, 11, 19)).met


def test_everything_missing_is_listed_and_everything_met_is_kept():
    requirement = Requirements(hours=Decimal(20), modules=(THREE_SYSTEMS, ModuleRef(8, "宪法")), exam_required=True)
    records = HolderRecords(hours_by_year={2025: 24}, modules_by_year={2025: {8}},
                            qualifying_exams=[EXAM_2025])
    result = evaluate(requirement, VALID, records, date(2025, 12, 1))
    assert not result.met
    assert [c.kind for c in result.missing] == [CheckKind.MODULE, CheckKind.EXAM]
    assert [c.kind for c in result.done] == [CheckKind.HOURS, CheckKind.MODULE]
    assert [describe(c, result) for c in result.done] == ["Study hours met: 24 of 20", "Module completed: 宪法"]


def test_no_requirement_is_met():
    result = evaluate(Requirements(hours=Decimal(0)), VALID, HolderRecords(), date(2025, 1, 1))
    assert result.met and result.checks == () and not Requirements().any


# --- per validity period --------------------------------------------------------------------

PER_PERIOD = Requirements(hours=Decimal(60), period=Period.VALIDITY)


def test_per_validity_period_hours_add_up_over_the_years_of_the_period():
    records = HolderRecords(hours_by_year={2022: 50, 2023: 20, 2024: 25, 2025: 10})
    result = evaluate(PER_PERIOD, VALID, records, date(2025, 12, 1))  # period 2023-03-01 … 2026-02-28
    assert result.period_start == date(2023, 3, 1) and result.period_end == date(2026, 2, 28)
    # 2022 is before the period: 20 + 25 + 10, not 105.
    assert result.checks[0].earned_hours == 55 and result.checks[0].short_hours == 5 and not result.met
    assert result.year is None
    assert evaluate(PER_PERIOD, VALID, HolderRecords(hours_by_year={2023: 20, 2024: 25, 2025: 15}),
                    date(2025, 12, 1)).met


def test_per_validity_period_and_per_year_count_the_same_records_differently():
    records = HolderRecords(hours_by_year={2024: 30, 2025: 12})
    today = date(2025, 9, 1)
    per_year = evaluate(Requirements(hours=Decimal(20)), VALID, records, today)
    per_period = evaluate(Requirements(hours=Decimal(20), period=Period.VALIDITY), VALID, records, today)
    assert not per_year.met and per_year.checks[0].earned_hours == 12
    assert per_period.met and per_period.checks[0].earned_hours == 42
    assert describe(per_year.missing[0], per_year) == "8 study hours still needed in 2025 (12 of 20)"


def test_a_period_starting_on_1_january_leaves_out_31_decembers_hours():
    records = HolderRecords(hours_by_year={2024: 40, 2025: 5})
    from_new_year = facts(date(2027, 12, 31), valid_from=date(2025, 1, 1))
    from_eve = facts(date(2027, 12, 30), valid_from=date(2024, 12, 31))
    assert evaluate(PER_PERIOD, from_new_year, records, date(2025, 6, 1)).checks[0].earned_hours == 5
    assert evaluate(PER_PERIOD, from_eve, records, date(2025, 6, 1)).checks[0].earned_hours == 45


def test_per_validity_period_ignores_hours_after_the_period_ended():
    records = HolderRecords(hours_by_year={2024: 10, 2025: 10, 2026: 50})
    expired = facts(date(2025, 12, 31), valid_from=date(2024, 1, 1))
    result = evaluate(PER_PERIOD, expired, records, date(2026, 3, 1))
    assert result.expired and result.checks[0].earned_hours == 20 and not result.met
    assert describe(result.missing[0], result) == \
        "40 study hours still needed in this validity period (20 of 60)"


def test_per_validity_period_exam_must_fall_inside_the_period():
    requirement = Requirements(exam_required=True, period=Period.VALIDITY)
    period = facts(date(2027, 6, 30), valid_from=date(2024, 7, 1))
    before = HolderRecords(passes=[ExamPass(11, "旧考试", date(2024, 6, 30))])
    inside = HolderRecords(passes=[ExamPass(11, "旧考试", date(2024, 7, 1))])
    assert not evaluate(requirement, period, before, date(2025, 1, 1)).met
    assert evaluate(requirement, period, inside, date(2025, 1, 1)).met
    missing = evaluate(requirement, period, before, date(2025, 1, 1))
    assert describe(missing.missing[0], missing) == "No qualifying exam passed in this validity period"


def test_per_validity_period_modules_from_any_year_of_the_period_count():
    requirement = Requirements(modules=(THREE_SYSTEMS,), period=Period.VALIDITY)
    records = HolderRecords(modules_by_year={2023: {7}})
    assert evaluate(requirement, VALID, records, date(2025, 6, 1)).met
    assert not evaluate(requirement, facts(date(2027, 1, 1), valid_from=date(2024, 1, 1)), records,
                        date(2025, 6, 1)).met


# --- properties -----------------------------------------------------------------------------

@given(until=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       offset=st.integers(min_value=-800, max_value=800), lead=st.integers(min_value=0, max_value=365))
def test_status_follows_days_left(until, offset, lead):
    today = until - timedelta(days=offset)
    result = evaluate(Requirements(lead_days=lead), facts(until, valid_from=date(1999, 1, 1)), HolderRecords(), today)
    assert result.days_left == offset
    assert result.expired == (offset < 0)
    assert result.renewal_due == (0 <= offset <= lead)
    assert result.in_force == (offset >= 0)


@given(hours=st.dictionaries(st.integers(min_value=2015, max_value=2030),
                             st.decimals(min_value=0, max_value=200, places=2), max_size=8),
       required=st.decimals(min_value=0, max_value=200, places=2),
       today=st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31)))
def test_per_year_hours_only_ever_look_at_todays_year(hours, required, today):
    result = evaluate(Requirements(hours=required), VALID, HolderRecords(hours_by_year=hours), today)
    earned = hours.get(today.year, Decimal(0))
    assert result.met == (required == 0 or earned >= required)
    if required > 0:
        assert result.checks[0].earned_hours + result.checks[0].short_hours >= required

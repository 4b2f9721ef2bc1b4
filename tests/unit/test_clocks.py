"""Legal time (playbooks.clocks): worked examples from the day-counting conventions, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from breachclock.playbooks.clocks import (
    END_OF_DAY,
    Interval,
    add_business_days,
    compute_deadline,
    end_of_calendar_year,
    humanize_delta,
    is_business_day,
    merge_intervals,
)
from hypothesis import given, settings
from hypothesis import strategies as st

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


# --- hours: elapsed time in UTC ----------------------------------------------------------------


def test_72_hours_across_a_weekend_and_the_us_spring_change():
    # Fri 17:00 EST; clocks go forward Sun 2026-03-08. 72 real hours later is Mon 18:00 EDT.
    start = datetime(2026, 3, 6, 17, 0, tzinfo=NY)
    d = compute_deadline(start, "hours", 72, "America/New_York")
    assert d.due == datetime(2026, 3, 9, 18, 0, tzinfo=NY)
    assert d.due.astimezone(UTC) == datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
    assert d.due_date == date(2026, 3, 9)


def test_72_hours_across_the_eu_clock_change():
    # Fri 12:00 CET; clocks go forward Sun 2026-03-29. Mon 13:00 CEST is exactly 72 hours later.
    start = datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN)
    d = compute_deadline(start, "hours", 72, "Europe/Berlin")
    assert d.due == datetime(2026, 3, 30, 13, 0, tzinfo=BERLIN)
    assert d.due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)


def test_72_hours_across_the_us_autumn_change():
    # Fri 09:00 EDT; clocks go back Sun 2026-11-01. 72 hours later is Mon 08:00 EST.
    start = datetime(2026, 10, 30, 9, 0, tzinfo=NY)
    d = compute_deadline(start, "hours", 72, "America/New_York")
    assert d.due == datetime(2026, 11, 2, 8, 0, tzinfo=NY)
    assert d.due.utcoffset() == timedelta(hours=-5)


# --- calendar days: event day is day 0, end of local day N ----------------------------------------


def test_30_calendar_days_end_at_the_last_microsecond_of_local_day_30():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=NY)
    d = compute_deadline(start, "days", 30, "America/New_York")
    assert d.due == datetime(2026, 4, 1, 23, 59, 59, 999999, tzinfo=NY)
    assert d.due_date == date(2026, 4, 1)


def test_calendar_days_count_from_the_local_day_not_the_utc_day():
    # 23:30 in New York on Jan 31 is already Feb 1 in UTC; day 0 is Jan 31.
    start = datetime(2026, 2, 1, 4, 30, tzinfo=UTC)
    d = compute_deadline(start, "days", 30, "America/New_York")
    assert d.due_date == date(2026, 3, 2)


def test_calendar_days_do_not_roll_forward_over_weekends():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=NY)  # Monday
    d = compute_deadline(start, "days", 5, "America/New_York")
    assert d.due_date == date(2026, 3, 7)  # a Saturday


def test_end_of_calendar_year_is_local():
    assert end_of_calendar_year(datetime(2027, 1, 1, 2, 0, tzinfo=UTC), "America/New_York") == datetime(
        2026, 12, 31, 23, 59, 59, 999999, tzinfo=NY)


# --- business days --------------------------------------------------------------------------------


def test_sec_four_business_days_skip_thanksgiving():
    # Determination Wed 2026-11-25; Thu 11-26 is Thanksgiving (federal); Fri 27, Mon 30, Tue 1, Wed 2.
    start = datetime(2026, 11, 25, 16, 0, tzinfo=NY)
    d = compute_deadline(start, "business_days", 4, "America/New_York", calendar="US")
    assert d.due == datetime(2026, 12, 2, 23, 59, 59, 999999, tzinfo=NY)


def test_day_after_thanksgiving_is_not_a_federal_holiday():
    assert is_business_day(date(2026, 11, 27), "US")
    assert not is_business_day(date(2026, 11, 26), "US")


def test_brazil_three_business_days_skip_tiradentes():
    # Awareness Thu 2026-04-16; Fri 17 (1), Mon 20 (2), Tue 21 Tiradentes (holiday), Wed 22 (3).
    start = datetime(2026, 4, 16, 11, 0, tzinfo=SAO_PAULO)
    d = compute_deadline(start, "business_days", 3, "America/Sao_Paulo", calendar="BR")
    assert d.due == datetime(2026, 4, 22, 23, 59, 59, 999999, tzinfo=SAO_PAULO)


def test_business_days_need_a_calendar():
    with pytest.raises(ValueError):
        compute_deadline(datetime(2026, 1, 5, tzinfo=NY), "business_days", 4, "America/New_York")


def test_naive_start_is_rejected():
    with pytest.raises(ValueError):
        compute_deadline(datetime(2026, 1, 5), "hours", 4, "America/New_York")


# --- tolling ----------------------------------------------------------------------------------------

START = datetime(2026, 3, 2, 9, 0, tzinfo=NY)


def test_closed_hold_tolls_by_its_length():
    hold = Interval(START + timedelta(hours=24), START + timedelta(hours=48))
    d = compute_deadline(START, "hours", 72, "America/New_York", holds=[hold])
    assert d.due == START + timedelta(hours=96)
    assert d.tolled_by == timedelta(hours=24)


def test_hold_begun_before_the_clock_tolls_only_the_overlap():
    hold = Interval(START - timedelta(hours=10), START + timedelta(hours=5))
    d = compute_deadline(START, "hours", 72, "America/New_York", holds=[hold])
    assert d.tolled_by == timedelta(hours=5)
    assert d.due == START + timedelta(hours=77)


def test_open_hold_suspends_the_deadline():
    d = compute_deadline(START, "days", 30, "America/New_York", holds=[Interval(START + timedelta(days=3), None)])
    assert d.suspended and d.due is None and d.due_date is None


def test_overlapping_holds_toll_once():
    holds = [Interval(START + timedelta(hours=1), START + timedelta(hours=11)),
             Interval(START + timedelta(hours=2), START + timedelta(hours=12))]
    d = compute_deadline(START, "hours", 72, "America/New_York", holds=holds)
    assert d.tolled_by == timedelta(hours=11)
    assert d.due == START + timedelta(hours=83)


def test_hold_after_the_deadline_is_ignored():
    hold = Interval(START + timedelta(hours=73), START + timedelta(hours=100))
    d = compute_deadline(START, "hours", 72, "America/New_York", holds=[hold])
    assert d.due == START + timedelta(hours=72) and d.tolled_by == timedelta(0)


def test_hold_before_the_start_is_ignored():
    hold = Interval(START - timedelta(days=5), START - timedelta(days=1))
    assert compute_deadline(START, "hours", 72, "America/New_York", holds=[hold]).tolled_by == timedelta(0)


def test_hold_within_the_extension_counts():
    # The first hold pushes the deadline out; a second hold starting in the extension tolls too.
    first = Interval(START + timedelta(hours=10), START + timedelta(hours=20))
    second = Interval(START + timedelta(hours=75), START + timedelta(hours=80))
    d = compute_deadline(START, "hours", 72, "America/New_York", holds=[second, first])
    assert d.due == START + timedelta(hours=87)


def test_tolled_calendar_days_still_end_at_end_of_day():
    hold = Interval(START + timedelta(days=1), START + timedelta(days=4))
    d = compute_deadline(START, "days", 30, "America/New_York", holds=[hold])
    assert d.due == datetime(2026, 4, 4, 23, 59, 59, 999999, tzinfo=NY)


def test_merge_intervals():
    a = Interval(START, START + timedelta(hours=5))
    b = Interval(START + timedelta(hours=3), START + timedelta(hours=8))
    c = Interval(START + timedelta(hours=20), None)
    d = Interval(START + timedelta(hours=21), START + timedelta(hours=22))
    assert merge_intervals([d, b, c, a]) == [Interval(START, START + timedelta(hours=8)),
                                             Interval(START + timedelta(hours=20), None)]


def test_humanize_delta():
    assert humanize_delta(timedelta(days=2, hours=3, minutes=5)) == "2d 3h 5m left"
    assert humanize_delta(-timedelta(hours=4, minutes=10)) == "4h 10m overdue"


# --- properties ------------------------------------------------------------------------------------

ZONES = ["America/New_York", "America/Los_Angeles", "Europe/Berlin", "America/Sao_Paulo", "Asia/Kolkata", "UTC"]
CALENDARS = ["US", "US-NY", "US-CA", "BR", "GB", "DE"]
starts = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                      timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]), allow_imaginary=False)
zones = st.sampled_from(ZONES)
units = st.sampled_from(["hours", "days", "business_days"])
amounts = st.integers(min_value=0, max_value=400)


def _due(start: datetime, unit: str, amount: int, zone: str, calendar: str = "US") -> datetime:
    due = compute_deadline(start, unit, amount, zone, calendar=calendar).due
    assert due is not None
    return due


@settings(max_examples=200, deadline=None)
@given(starts, units, amounts, zones)
def test_no_deadline_precedes_its_start(start, unit, amount, zone):
    assert _due(start, unit, amount, zone) >= start


@settings(max_examples=200, deadline=None)
@given(starts, units, amounts, amounts, zones)
def test_deadline_is_monotone_in_the_amount(start, unit, a, b, zone):
    a, b = sorted((a, b))
    assert _due(start, unit, a, zone) <= _due(start, unit, b, zone)


@settings(max_examples=200, deadline=None)
@given(starts, starts, units, amounts, zones)
def test_deadline_is_monotone_in_the_start(s1, s2, unit, amount, zone):
    s1, s2 = sorted((s1, s2))
    assert _due(s1, unit, amount, zone) <= _due(s2, unit, amount, zone)


@settings(max_examples=200, deadline=None)
@given(starts, amounts, zones)
def test_hours_clock_is_exactly_n_elapsed_hours(start, amount, zone):
    due = _due(start, "hours", amount, zone)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=amount)


@settings(max_examples=200, deadline=None)
@given(starts, amounts, zones)
def test_days_clock_ends_at_end_of_local_day_start_plus_n(start, amount, zone):
    d = compute_deadline(start, "days", amount, zone)
    local = d.due.astimezone(ZoneInfo(zone))
    assert local.date() == start.astimezone(ZoneInfo(zone)).date() + timedelta(days=amount)
    assert local.timetz().replace(tzinfo=None) == END_OF_DAY


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(min_value=1, max_value=30), zones, st.sampled_from(CALENDARS))
def test_business_day_deadline_is_the_nth_business_day(start, amount, zone, calendar):
    d = compute_deadline(start, "business_days", amount, zone, calendar=calendar)
    start_day = start.astimezone(ZoneInfo(zone)).date()
    assert is_business_day(d.due_date, calendar)
    days = [start_day + timedelta(days=i) for i in range(1, (d.due_date - start_day).days + 1)]
    assert sum(is_business_day(day, calendar) for day in days) == amount
    assert add_business_days(start_day, amount, calendar) == d.due_date


def test_hold_across_a_clock_change_tolls_elapsed_hours():
    # Sat 12:00 EST to Mon 12:00 EDT is 47 real hours (2026-03-08 has 23 hours), not 48.
    start = datetime(2026, 3, 6, 12, 0, tzinfo=NY)
    hold = Interval(datetime(2026, 3, 7, 12, 0, tzinfo=NY), datetime(2026, 3, 9, 12, 0, tzinfo=NY))
    d = compute_deadline(start, "hours", 72, "America/New_York", holds=[hold])
    assert d.tolled_by == timedelta(hours=47)
    assert d.due.astimezone(UTC) == start.astimezone(UTC) + timedelta(hours=72 + 47)

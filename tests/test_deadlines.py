import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avustus_cli.domain.config import default_settings
from avustus_cli.domain.deadlines import (
    add_months,
    count_days,
    deadline,
    holiday_name,
    is_working_day,
    next_working_day,
    report_due,
    review_last_day,
    served_on,
    window_last_day,
)

D = dt.date


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 12, 24),  # jouluaatto (torstai)
        D(2026, 12, 25),
        D(2026, 12, 26),
        D(2027, 1, 1),
        D(2027, 1, 6),
        D(2027, 3, 26),  # pitkäperjantai
        D(2027, 3, 29),  # 2. pääsiäispäivä
        D(2026, 5, 1),  # vappu (perjantai)
        D(2027, 5, 6),  # helatorstai
        D(2026, 6, 19),  # juhannusaatto
        D(2027, 6, 25),  # juhannusaatto
        D(2027, 12, 6),  # itsenäisyyspäivä (maanantai)
        D(2027, 1, 2),  # lauantai
        D(2027, 1, 3),  # sunnuntai
    ],
)
def test_non_working_days(day):
    assert not is_working_day(day)
    assert holiday_name(day)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 12, 31),  # uudenvuodenaatto, torstai: arkipäivä
        D(2027, 12, 31),  # perjantai
        D(2026, 12, 23),
        D(2027, 6, 24),  # juhannusaaton aatto
        D(2027, 4, 30),  # vappuaatto
        D(2027, 1, 4),
    ],
)
def test_working_days(day):
    assert is_working_day(day)
    assert next_working_day(day) == day


def test_new_years_eve_on_weekend_is_not_working():
    assert not is_working_day(D(2028, 12, 31))  # sunnuntai
    assert holiday_name(D(2028, 12, 31)) == "sunnuntai"


def test_datetime_is_accepted():
    assert next_working_day(dt.datetime(2026, 12, 24, 15, 0)) == D(2026, 12, 28)


def test_window_2028_ends_on_sunday_before_new_year():
    s = replace(default_settings(2029), window_start=D(2028, 12, 1), window_end=D(2028, 12, 31))
    assert window_last_day(s) == D(2029, 1, 2)


def test_default_window_end_2026_is_a_working_day():
    assert window_last_day(default_settings(2027)) == D(2026, 12, 31)


@pytest.mark.parametrize(
    ("year", "due"),
    [
        (2026, D(2027, 6, 30)),  # keskiviikko
        (2028, D(2029, 7, 2)),  # 30.6.2029 lauantai -> maanantai 2.7.
        (2030, D(2031, 6, 30)),
    ],
)
def test_report_due(year, due):
    assert report_due(year) == due


def test_report_due_other_months():
    assert report_due(2026, 3) == D(2027, 3, 31)
    assert report_due(2026, 12) == D(2027, 12, 31)  # uudenvuodenaatto on arkipäivä
    assert report_due(2026, 2) == D(2027, 3, 1)  # 28.2.2027 sunnuntai


def test_fourteen_days_from_10_december_2026_end_after_christmas():
    # 10.12. + 14 = 24.12. jouluaatto, 25.–26. pyhät, 27. sunnuntai
    assert count_days(D(2026, 12, 10), 14) == D(2026, 12, 28)


def test_served_on():
    assert served_on(D(2027, 1, 25), "letter") == D(2027, 2, 1)
    assert served_on(D(2027, 1, 25), "email") == D(2027, 1, 28)
    # presumed service is not moved to a working day
    assert served_on(D(2026, 12, 17), "letter") == D(2026, 12, 24)
    with pytest.raises(ValueError, match="tiedoksiantotapa"):
        served_on(D(2027, 1, 25), "fax")


def test_review_period_across_christmas():
    # letter 3.12.2026 -> served 10.12. -> +14 = 24.12. -> 28.12.
    assert review_last_day(D(2026, 12, 3), "letter") == D(2026, 12, 28)
    # e-mail 7.12.2026 -> served 10.12. -> same
    assert review_last_day(D(2026, 12, 7), "email") == D(2026, 12, 28)


def test_review_period_across_midsummer():
    # e-mail 8.6.2027 -> served 11.6. -> +14 = 25.6.2027 juhannusaatto -> ma 28.6.
    assert review_last_day(D(2027, 6, 8), "email") == D(2027, 6, 28)
    # letter 4.6.2027 -> served 11.6. -> 25.6. -> 28.6.
    assert review_last_day(D(2027, 6, 4), "letter") == D(2027, 6, 28)


def test_review_period_ending_on_new_years_eve_is_not_moved():
    # e-mail 14.12.2026 -> served 17.12. -> +14 = 31.12. (torstai, arkipäivä)
    assert review_last_day(D(2026, 12, 14), "email") == D(2026, 12, 31)


def test_review_period_in_january_2027_round():
    # decision letter posted 25.1.2027 -> served 1.2. -> last day 15.2.2027 (ma)
    assert review_last_day(D(2027, 1, 25), "letter") == D(2027, 2, 15)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 12, 31), 6, D(2027, 6, 30)),
        (D(2027, 3, 15), -3, D(2026, 12, 15)),
        (D(2027, 1, 1), 48, D(2031, 1, 1)),
    ],
)
def test_add_months(start, n, end):
    assert add_months(start, n) == end


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)))
def test_deadline_is_first_working_day_on_or_after(day):
    d = deadline(day)
    assert d >= day
    assert is_working_day(d)
    assert (d - day).days <= 5  # longest run: jouluaatto..tapaninpäivä + weekend
    x = day
    while x < d:
        assert not is_working_day(x)
        x += dt.timedelta(days=1)


# --- the county's members' review period (hyvinvointialuelaki 140 §) and the appeal period --------------


def test_members_period_across_christmas():
    from avustus_cli.domain.deadlines import members_review_last_day, members_served_on

    # minutes online 3.12.2026 -> members served 10.12. -> +14 = 24.12. jouluaatto -> ma 28.12.2026
    assert members_served_on(D(2026, 12, 3)) == D(2026, 12, 10)
    assert members_review_last_day(D(2026, 12, 3)) == D(2026, 12, 28)
    # a day earlier the period ends on Wednesday 23.12., a working day
    assert members_review_last_day(D(2026, 12, 2)) == D(2026, 12, 23)
    # the members' day of service is not moved even when it is a holiday: 18.12. + 7 = 25.12.
    assert members_served_on(D(2026, 12, 18)) == D(2026, 12, 25)
    assert members_review_last_day(D(2026, 12, 18)) == D(2027, 1, 8)


def test_members_period_across_midsummer():
    from avustus_cli.domain.deadlines import members_review_last_day

    # minutes online 4.6.2027 -> served 11.6. -> +14 = 25.6.2027 juhannusaatto -> la, su -> ma 28.6.
    assert members_review_last_day(D(2027, 6, 4)) == D(2027, 6, 28)
    # 2026: juhannusaatto 19.6. -> minutes 29.5.2026 -> served 5.6. -> 19.6. -> ma 22.6.2026
    assert members_review_last_day(D(2026, 5, 29)) == D(2026, 6, 22)


def test_served_dates_by_channel_for_the_same_posting_day():
    # one posting day, two channels: e-mail the 3rd day, post the 7th (not moved: 7.1.2027 + 3 = 10.1., a Sunday)
    assert served_on(D(2027, 1, 7), "email") == D(2027, 1, 10)
    assert served_on(D(2027, 1, 7), "letter") == D(2027, 1, 14)
    # the review period then counts from the served day and is moved: 10.1. + 14 = 24.1. (su) -> 25.1.
    assert review_last_day(D(2027, 1, 7), "email") == D(2027, 1, 25)
    assert review_last_day(D(2027, 1, 7), "letter") == D(2027, 1, 28)


def test_appeal_period_is_thirty_days_from_service():
    from avustus_cli.domain.deadlines import appeal_last_day

    assert appeal_last_day(D(2027, 3, 1)) == D(2027, 3, 31)
    # 25.11.2026 + 30 = 25.12. joulupäivä -> 26. la, 27. su -> ma 28.12.2026
    assert appeal_last_day(D(2026, 11, 25)) == D(2026, 12, 28)

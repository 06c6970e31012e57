"""Finnish deadline arithmetic (pure; the only module that imports ``holidays``).

Laki säädettyjen määräaikain laskemisesta (150/1930) 5 §: when the last day
of a time limit falls on a Saturday, a Sunday, a public holiday,
Independence Day, May Day, Christmas Eve or Midsummer Eve, the time limit
ends on the next working day. New Year's Eve is an ordinary working day.

Every deadline the tool computes goes through :func:`deadline`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from avustus_cli.domain.config import Settings

__all__ = [
    "APPEAL_DAYS",
    "CHANNEL_SERVICE_DAYS",
    "MEMBER_SERVICE_DAYS",
    "REVIEW_DAYS",
    "add_months",
    "appeal_last_day",
    "members_review_last_day",
    "members_served_on",
    "count_days",
    "deadline",
    "holiday_name",
    "is_working_day",
    "month_end",
    "next_working_day",
    "report_due",
    "review_last_day",
    "served_on",
    "window_last_day",
]


@cache
def _finland() -> Any:
    """Finland's public holidays from the ``holidays`` package (it expands to new years on lookup).

    Made on the first deadline computed, from the Finnish module alone: ``holidays.Finland``, and even
    ``from holidays.countries.finland import Finland``, would run the ``holidays.countries`` package,
    which imports every country's module first; a command that computes no deadline pays nothing."""
    import importlib.util
    import sys
    from pathlib import Path

    import holidays  # the package's base; its countries are loaded only when named

    name = "holidays.countries.finland"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, Path(holidays.__file__).parent / "countries" / "finland.py")
        if spec is None or spec.loader is None:  # not a plain installation: the usual import
            from holidays.countries.finland import Finland

            return Finland(language="fi")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module.Finland(language="fi")


# Presumed service of a letter to the applicant:
# - post (ordinary letter): hallintolaki (434/2003) 59 § 2 mom.: the addressee is taken to have received
#   the letter on the 7th day after it was posted, unless shown otherwise;
# - e-mail: laki sähköisestä asioinnista viranomaistoiminnassa (13/2003) 19 § 2 mom.: a decision sent
#   as an ordinary electronic message is taken to be served on the 3rd day after the message was sent.
# The served day itself is not moved to a working day; a time limit counted from it is (5 § of 150/1930).
CHANNEL_SERVICE_DAYS: dict[str, int] = {"letter": 7, "email": 3}

# The county's members (hyvinvointialuelaki 611/2021, chapter 16 on review and appeal, as kuntalaki
# 410/2015 chapter 16 for a municipality's members) are taken to have received a decision 7 days after the
# minutes were published in the public network; their 14-day review period counts from that day.
MEMBER_SERVICE_DAYS = 7
REVIEW_DAYS = 14  # oikaisuvaatimus: 14 days from service (hyvinvointialuelaki, chapter 16)
APPEAL_DAYS = 30  # valitus to the administrative court: 30 days from service (laki oikeudenkäynnistä hallintoasioissa 13 §)

_DAY_NAMES = ("maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai")


def _as_date(d: dt.date) -> dt.date:
    return d.date() if isinstance(d, dt.datetime) else d


def _is_midsummer_eve(d: dt.date) -> bool:
    # Juhannusaatto: the Friday between 19 and 25 June.
    return d.month == 6 and 19 <= d.day <= 25 and d.weekday() == 4


def holiday_name(d: dt.date) -> str | None:
    """The Finnish name of the reason ``d`` is not a working day, or None.

    "lauantai" / "sunnuntai" for weekends, otherwise the holiday (in Finnish
    for the eves and days the law names, else the ``holidays`` package's name).
    """
    return _holiday_name(_as_date(d))


@lru_cache(maxsize=8192)
def _holiday_name(d: dt.date) -> str | None:
    # a check asks of the same few days for every application: the holidays package's lookup is slow
    if d.month == 12 and d.day == 31:
        # Uudenvuodenaatto is a working day (unless it is a weekend day).
        return _DAY_NAMES[d.weekday()] if d.weekday() >= 5 else None
    if d.month == 12 and d.day == 24:
        return "jouluaatto"
    if _is_midsummer_eve(d):
        return "juhannusaatto"
    if d.month == 5 and d.day == 1:
        return "vappu"
    if d.month == 12 and d.day == 6:
        return "itsenäisyyspäivä"
    finland = _finland()
    if d in finland:
        return str(finland.get(d)).split(";")[0].strip().lower()
    if d.weekday() >= 5:
        return _DAY_NAMES[d.weekday()]
    return None


def is_working_day(d: dt.date) -> bool:
    """Not a Saturday, Sunday, Finnish public holiday, Christmas Eve, Midsummer
    Eve, May Day or Independence Day. New Year's Eve is a working day."""
    return holiday_name(d) is None


def next_working_day(d: dt.date) -> dt.date:
    """``d`` itself when it is a working day, else the first working day after it."""
    d = _as_date(d)
    while not is_working_day(d):
        d += dt.timedelta(days=1)
    return d


@lru_cache(maxsize=4096)
def deadline(last_day: dt.date) -> dt.date:
    """The effective last day of a time limit whose nominal last day is ``last_day``."""
    return next_working_day(last_day)


def month_end(d: dt.date) -> dt.date:
    """The last day of ``d``'s month."""
    d = _as_date(d)
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    """``d`` moved by ``n`` calendar months, the day clamped to the month's end
    (31.1. + 1 month = 28.2. or 29.2.)."""
    d = _as_date(d)
    index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(index, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def report_due(grant_year: int, months: int = 6) -> dt.date:
    """The last day for the usage report (käyttöselvitys) of a grant for
    ``grant_year``: the end of the month ``months`` after the grant year ended,
    moved to a working day (grant year 2026, 6 months -> 30.6.2027)."""
    return deadline(report_due_nominal(grant_year, months))


@lru_cache(maxsize=1024)
def report_due_nominal(grant_year: int, months: int = 6) -> dt.date:
    """As :func:`report_due` but not moved to a working day."""
    return month_end(add_months(dt.date(grant_year, 12, 31), months))


def window_last_day(settings: Settings) -> dt.date:
    """The effective last day of the application window."""
    return deadline(settings.window_end)


def served_on(sent: dt.date, channel: str) -> dt.date:
    """The presumed day of service: a letter on the 7th day after it was
    posted, an e-mail on the 3rd day after it was sent (not moved to a working
    day). ``channel`` is ``"letter"`` or ``"email"``."""
    try:
        days = CHANNEL_SERVICE_DAYS[channel]
    except KeyError:
        raise ValueError(f"tuntematon tiedoksiantotapa {channel!r}: käytä 'letter' tai 'email'") from None
    return _as_date(sent) + dt.timedelta(days=days)


def count_days(start: dt.date, n: int) -> dt.date:
    """The last day of an ``n``-day time limit counted from ``start`` (the
    day ``start`` itself is not counted), moved to a working day."""
    return deadline(_as_date(start) + dt.timedelta(days=n))


def members_served_on(published: dt.date) -> dt.date:
    """The day the county's members are taken to have received a decision whose minutes were
    published in the public network on ``published``: 7 days later (not moved to a working day)."""
    return _as_date(published) + dt.timedelta(days=MEMBER_SERVICE_DAYS)


def members_review_last_day(published: dt.date, days: int = REVIEW_DAYS) -> dt.date:
    """The last day of the members' review period: ``days`` days from :func:`members_served_on`,
    moved to a working day (minutes published 3.12.2026: served 10.12., nominal last day
    24.12. Christmas Eve, so Monday 28.12.2026)."""
    return count_days(members_served_on(published), days)


def appeal_last_day(served: dt.date, days: int = APPEAL_DAYS) -> dt.date:
    """The last day to appeal to the administrative court: ``days`` days from the served day
    (the served day not counted), moved to a working day."""
    return count_days(served, days)


def review_last_day(sent: dt.date, channel: str, days: int = REVIEW_DAYS) -> dt.date:
    """The last day to request a review (oikaisuvaatimus) of a decision sent
    on ``sent`` by ``channel``: ``days`` days from the presumed service, the
    day of service not counted, moved to a working day."""
    return count_days(served_on(sent, channel), days)

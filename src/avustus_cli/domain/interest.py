"""Late-payment interest (viivästyskorko) under korkolaki (pure).

Korkolaki 4 § 1 mom: a sum paid late bears a yearly interest seven percentage
points above the reference rate (viitekorko) in force. Korkolaki 12 §: the
reference rate is set for each half-year (1.1.–30.6., 1.7.–31.12.) as the
European Central Bank's main refinancing rate before the half-year began;
Suomen Pankki publishes it. The rates are a setting (``[interest]
reference_rates``) that the officer adds to each half-year, never a figure in
the code: a half-year without a rate leaves the interest uncomputed and named.

The interest runs from the day after the due date to the day the money is
paid, both included, on what was unpaid on each day; it is counted in actual
days over a 365-day year and rounded to cents per row, so that a reader can
recompute each row as amount × rate × days / 365 and the total as their sum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from avustus_cli.domain import fmt

PENALTY_POINTS = Decimal(7)  # korkolaki 4 § 1 mom: the reference rate + 7 percentage points
YEAR_DAYS = 365
CENT = Decimal("0.01")


def half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_end(day: dt.date) -> dt.date:
    return dt.date(day.year, 6, 30) if day.month <= 6 else dt.date(day.year, 12, 31)


def half_year_label(start: dt.date) -> str:
    return f"{fmt.date(start)}–{fmt.date(half_year_end(start))}"


@dataclass(frozen=True)
class InterestRow:
    """The interest on one unpaid amount over days of one half-year, inclusive."""

    first: dt.date
    last: dt.date
    principal: Decimal
    reference: Decimal | None  # the half-year's reference rate (%), None when the settings lack it

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def rate(self) -> Decimal | None:
        return None if self.reference is None else self.reference + PENALTY_POINTS

    @property
    def interest(self) -> Decimal | None:
        if self.rate is None:
            return None
        return (self.principal * self.rate / 100 * self.days / YEAR_DAYS).quantize(CENT, ROUND_HALF_UP)

    def sentence(self) -> str:
        """``1.6.–6.6.2028: 2 000,00 € × 9,5 % (viitekorko 2,5 % + 7 prosenttiyksikköä) × 6 / 365 = 3,12 €``."""
        span = f"{fmt.date(self.first)}–{fmt.date(self.last)}" if self.first != self.last else fmt.date(self.first)
        if self.rate is None or self.reference is None:
            return (f"{span}: {fmt.money2(self.principal)}, {self.days} päivää; viitekorkoa kaudelle "
                    f"{half_year_label(half_year_start(self.first))} ei ole asetuksissa")
        return (f"{span}: {fmt.money2(self.principal)} × {rate_text(self.rate)} (viitekorko {rate_text(self.reference)} "
                f"+ 7 prosenttiyksikköä) × {self.days} / {YEAR_DAYS} = {fmt.money2(self.interest)}")


def rate_text(percent: Decimal) -> str:
    """A yearly rate in percent as Finnish text: ``Decimal("9.5") -> "9,5 %"``."""
    text = format(percent.normalize(), "f") if percent != percent.to_integral() else str(int(percent))
    return text.replace(".", ",").replace("-", "−") + "\u00a0%"


@dataclass(frozen=True)
class LateInterest:
    """The interest of a late payment, row by row."""

    rows: tuple[InterestRow, ...]

    @property
    def missing(self) -> list[dt.date]:
        """The half-years (their first days) whose reference rate the settings lack."""
        return sorted({half_year_start(r.first) for r in self.rows if r.reference is None})

    @property
    def total(self) -> Decimal | None:
        """The sum of the rows' interest; None when a half-year's rate is missing."""
        if self.missing:
            return None
        return sum((r.interest or Decimal(0) for r in self.rows), Decimal(0))

    def lines(self) -> list[str]:
        return [r.sentence() for r in self.rows]


def reference_rate(rates: Mapping[dt.date, Decimal], day: dt.date) -> Decimal | None:
    """The reference rate of ``day``'s half-year, None when the settings lack it."""
    return rates.get(half_year_start(day))


def late_interest(
    amount: Decimal,
    due: dt.date,
    until: dt.date,
    payments: Sequence[tuple[dt.date, Decimal]],
    rates: Mapping[dt.date, Decimal],
) -> LateInterest:
    """The interest on ``amount`` due on ``due``, for each day from ``due`` + 1 to ``until`` (both included)
    on what was unpaid that day. A payment on a day still bears that day's interest (the day it is paid is
    counted, as in ``paid - due`` days); ``payments`` are (day, amount)."""
    changes = sorted({d for d, _ in payments if due < d < until})
    rows: list[InterestRow] = []
    first = due + dt.timedelta(days=1)
    while first <= until:
        unpaid = amount - sum((a for d, a in payments if d < first), Decimal(0))
        # the row runs to the end of the half-year, the day of the next payment, or ``until``
        last = min([half_year_end(first), until, *[d for d in changes if d >= first]])
        if unpaid > 0:
            rows.append(InterestRow(first, last, unpaid.quantize(CENT), reference_rate(rates, first)))
        first = last + dt.timedelta(days=1)
    return LateInterest(tuple(rows))


def interest_terms(amount: Decimal, due: dt.date, rates: Mapping[dt.date, Decimal]) -> str:
    """The reclaim decision's sentences on late-payment interest: the rule, the rate of the due date's
    half-year when the settings have it, and how the interest is counted (amount × rate / 365 a day)."""
    head = ("Jos määrää ei makseta viimeistään eräpäivänä, sille peritään korkolain 4 §:n 1 momentin mukaista "
            "viivästyskorkoa, joka on Suomen Pankin viitekorko lisättynä seitsemällä prosenttiyksiköllä.")
    how = ("Korko lasketaan jokaiselta eräpäivän jälkeiseltä päivältä maksupäivään asti maksamatta olevalle määrälle, "
           f"vuoden pituutena {YEAR_DAYS} päivää")
    reference = reference_rate(rates, due)
    if reference is None:
        return f"{head} Viitekorko vahvistetaan kullekin puolivuotiskaudelle. {how}."
    rate = reference + PENALTY_POINTS
    per_day = (amount * rate / 100 / YEAR_DAYS).quantize(CENT, ROUND_HALF_UP)
    return (f"{head} Eräpäivän puolivuotiskaudella {half_year_label(half_year_start(due))} viitekorko on "
            f"{rate_text(reference)}, joten viivästyskorko on {rate_text(rate)} vuodessa. {how}: koko määrältä "
            f"{fmt.money2(amount)} × {rate_text(rate)} / {YEAR_DAYS} eli noin {fmt.money2(per_day)} päivältä.")

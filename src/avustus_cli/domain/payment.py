"""A grant's payment: what is left to pay and what holds it (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from avustus_cli.domain import fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.followup import Hold, hold_reasons
from avustus_cli.domain.models import Application, Grant, GrantForm
from avustus_cli.domain.review import ReviewPeriods, ReviewRequest, review_holds


@dataclass(frozen=True)
class Payment:
    """One instalment of a decided grant as the finance office sees it: what is left to pay of it, and
    what holds it. A grant paid in one instalment has one line."""

    grant: Grant
    application: Application | None
    holds: tuple[Hold, ...]
    review_last_day: dt.date | None
    reference: str
    to_pay: Decimal
    instalment: PlannedInstalment | None = None
    instalments: int = 1  # how many the grant's plan has
    amount: Decimal | None = None  # this instalment's sum (None: the whole grant)
    paid: Decimal | None = None  # paid of this instalment (None: of the whole grant)

    @property
    def status(self) -> str:
        if self.to_pay <= 0:
            return "paid"
        return "held" if self.holds else "payable"

    @property
    def number(self) -> int:
        return self.instalment.number if self.instalment is not None else 1

    @property
    def iban(self) -> str | None:
        return self.application.iban if self.application is not None else None

    def as_json(self, with_personal: bool = False) -> dict[str, Any]:
        g = self.grant
        it = self.instalment
        data = {
            "grant": g.id,
            "application": g.application_id,
            "applicant": g.applicant,
            "business_id": g.business_id,
            "year": g.year,
            "amount": str(g.amount),
            "paid": str(g.paid_amount or Decimal("0.00")),
            "to_pay": str(self.to_pay),
            "status": self.status,
            "holds": [{"code": h.code, "text": h.text} for h in self.holds],
            "review_last_day": self.review_last_day.isoformat() if self.review_last_day else None,
            "reference": self.reference,
            "instalment": self.number,
            "instalments": self.instalments,
            "instalment_amount": str(self.amount if self.amount is not None else g.amount),
            "instalment_paid": str(self.paid if self.paid is not None else (g.paid_amount or Decimal("0.00"))),
            "instalment_year": it.year if it is not None else g.year,
            "due": it.due.isoformat() if it is not None and it.due else None,
            "condition": it.condition_text if it is not None else "",
        }
        if with_personal:
            data["iban"] = self.iban
        return data


def payment_holds(
    grant: Grant,
    grants: Sequence[Grant],
    first_payments: Mapping[str, dt.date],
    as_of: dt.date,
    review_last_day: dt.date | None,
    app: Application | None,
    accepted: Collection[tuple[str | None, str]],
    settings: Settings,
    periods: ReviewPeriods | None = None,
    requests: Sequence[ReviewRequest] = (),
) -> tuple[Hold, ...]:
    """Why the grant's payment is held on ``as_of``: the follow-up's holds
    (reports, the review period, the funding decision unless P02 is in
    ``accepted``) and a missing bank account. With ``periods`` the review holds are
    ``domain.review.review_holds``: both the applicant's and the members' period, and pending requests."""
    holds = review_holds(periods, requests, as_of) if periods is not None else []
    holds += hold_reasons(
        grant, grants, first_payments, as_of, review_last_day, app, (grant.application_id, "P02") in accepted,
        settings.report_months, settings.hold_after_days, check_review=periods is None,
    )
    if app is None or not app.iban:
        holds.append(Hold("account", "tilinumero puuttuu hakemukselta"))
    return tuple(holds)


# --- the payment plan: instalments ------------------------------------------------------------------

# An instalment's condition (besides the grant's own holds: the review periods, earlier reports, an account)
AFTER_FINAL = "final"  # when the decision is final (the review periods have passed)
AFTER_FUNDING = "funding"  # a project: when the co-funder's positive decision has been delivered
YEAR_BUDGET = "budget"  # a later year of a partnership agreement: when that year's budget holds the money

CONDITION_TEXTS = {
    AFTER_FINAL: "maksetaan, kun päätös on lainvoimainen",
    AFTER_FUNDING: "maksetaan, kun päätös on lainvoimainen ja hankkeen ulkopuolisen rahoittajan myönteinen päätös on toimitettu",
    YEAR_BUDGET: "maksetaan sopimusvuoden alettua, jos vuoden {year} talousarviossa on varattu määräraha",
}


@dataclass(frozen=True)
class PlannedInstalment:
    """One instalment of a grant's payment plan: its share of the grant, from when and on what condition."""

    number: int  # 1, 2, ... in the order they fall due
    year: int | None  # the (agreement) year it pays for
    share: Decimal  # times the decided amount: 1 for a whole grant or one year of an agreement
    due: dt.date | None  # not before this day; None: as soon as the decision is final
    condition: str  # AFTER_FINAL | AFTER_FUNDING | YEAR_BUDGET

    @property
    def condition_text(self) -> str:
        return CONDITION_TEXTS[self.condition].format(year=self.year)


def _anniversary(start: dt.date, n: int) -> dt.date:
    try:
        return start.replace(year=start.year + n)
    except ValueError:  # 29 February
        return start.replace(year=start.year + n, day=28)


def agreement_years(start: dt.date | None, end: dt.date | None, fallback_year: int) -> list[tuple[int, dt.date | None]]:
    """The years of an agreement as (calendar year of its start, its first day), counted from the agreement's
    start in 12-month steps like rule S04 (1.7.2027–30.6.2029: 2027 from 1.7.2027, 2028 from 1.7.2028).
    Without valid dates: one year, ``fallback_year``, with no first day."""
    if start is None or end is None or end < start:
        return [(fallback_year, None)]
    out: list[tuple[int, dt.date | None]] = []
    cursor = start
    while cursor <= end and len(out) < 50:
        out.append((cursor.year, cursor))
        cursor = _anniversary(start, len(out))
    return out


def plan_instalments(form: GrantForm | None, year: int | None, app: Application | None, fallback_year: int) -> tuple[PlannedInstalment, ...]:
    """A grant's payment plan, from its form and the application's periods (pure; nothing stored).

    - an operating grant: one instalment when the decision is final;
    - a project grant: one instalment when the decision is final and the co-funder's positive decision is in;
    - a partnership agreement: the decided sum is per year; one instalment per agreement year. The first is
      paid when the decision is final (not before the agreement starts); each later one from the first day
      of its agreement year, subject to that year's budget (the officer records the budget's approval).
    """
    grant_year = year or fallback_year
    if form is GrantForm.PARTNERSHIP:
        start = app.agreement_start if app is not None else None
        end = app.agreement_end if app is not None else None
        years = agreement_years(start, end, grant_year)
        plan = []
        for i, (y, first_day) in enumerate(years, 1):
            if i == 1:
                plan.append(PlannedInstalment(1, y, Decimal(1), first_day, AFTER_FINAL))
            else:
                plan.append(PlannedInstalment(i, y, Decimal(1), first_day, YEAR_BUDGET))
        return tuple(plan)
    condition = AFTER_FUNDING if form is GrantForm.PROJECT else AFTER_FINAL
    return (PlannedInstalment(1, grant_year, Decimal(1), None, condition),)


def instalment_amounts(plan: Sequence[PlannedInstalment], amount: Decimal) -> list[Decimal]:
    """Each instalment's sum: the decided amount times its share, to the cent (the last one takes the
    rounding, so the sums add up to the amount times the shares)."""
    total = (amount * sum((p.share for p in plan), Decimal(0))).quantize(Decimal("0.01"))
    out = [(amount * p.share).quantize(Decimal("0.01")) for p in plan]
    if out:
        out[-1] += total - sum(out, Decimal(0))
    return out


def allocate_payments(
    amounts: Sequence[Decimal], payments: Sequence[tuple[int | None, Decimal]]
) -> list[Decimal]:
    """What has been paid of each instalment. A payment recorded against an instalment (its number) counts
    there; a payment recorded without one (an earlier version, an imported register) fills the
    instalments in order."""
    paid = [Decimal(0)] * len(amounts)
    loose = Decimal(0)
    for number, amount in payments:
        if number is not None and 1 <= number <= len(amounts):
            paid[number - 1] += amount
        else:
            loose += amount
    for i, a in enumerate(amounts):
        if loose <= 0:
            break
        take = min(loose, max(Decimal(0), a - paid[i]))
        paid[i] += take
        loose -= take
    if loose > 0 and paid:
        paid[-1] += loose  # more paid than planned: shown on the last instalment, never lost
    return [p.quantize(Decimal("0.01")) for p in paid]


def instalment_holds(
    item: PlannedInstalment,
    grant_id: str,
    as_of: dt.date,
    budget_confirmed: bool,
    earlier_years_reported: Mapping[int, bool],
    report_months: int,
    open_reclaim: dt.date | None,
) -> tuple[Hold, ...]:
    """What holds one instalment besides the grant's own holds: its first day not reached, its year's budget
    not confirmed, an earlier agreement year's usage report overdue, or a reclaim under way."""
    from avustus_cli.domain import deadlines

    holds: list[Hold] = []
    if item.due is not None and as_of < item.due:
        holds.append(Hold("due", f"{item.number}. erä maksetaan aikaisintaan {fmt.date(item.due)}"))
    if item.condition == YEAR_BUDGET and not budget_confirmed:
        holds.append(Hold("budget", f"vuoden {item.year} talousarvion määrärahaa ei ole kirjattu vahvistetuksi"))
    for y, reported in sorted(earlier_years_reported.items()):
        if item.year is not None and y < item.year and not reported and as_of > deadlines.report_due(y, report_months):
            holds.append(Hold("report", f"sopimusvuoden {y} käyttöselvitys puuttuu (määräpäivä {fmt.date(deadlines.report_due(y, report_months))})"))
    if open_reclaim is not None:
        holds.append(Hold("reclaim", f"avustuksen {grant_id} takaisinperintä on vireillä {fmt.date(open_reclaim)} alkaen"))
    return tuple(holds)


def plan_sentence(plan: Sequence[PlannedInstalment], amounts: Sequence[Decimal]) -> str:
    """The payment plan of a grant paid in several instalments as a decision letter states it; "" for one.

    "Avustus maksetaan sopimusvuosittain: vuoden 2027 erä 30 000 € maksetaan, kun päätös on lainvoimainen;
    vuoden 2028 erä 30 000 € aikaisintaan 1.1.2028, jos vuoden 2028 talousarviossa on varattu määräraha."
    """
    if len(plan) < 2:
        return ""
    parts = []
    for item, amount in zip(plan, amounts, strict=True):
        if item.condition == YEAR_BUDGET:
            when = (f"aikaisintaan {fmt.date(item.due)}, " if item.due else "") + \
                f"jos vuoden {item.year} talousarviossa on varattu määräraha"
        else:
            when = ("aikaisintaan " + fmt.date(item.due) + " ja " if item.due else "") + "kun päätös on lainvoimainen"
        parts.append(f"vuoden {item.year} erä {fmt.money(amount)} maksetaan {when}")
    return "Avustus maksetaan sopimusvuosittain: " + "; ".join(parts) + "."

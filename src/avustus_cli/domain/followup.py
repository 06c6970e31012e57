"""Follow-up of decided grants: usage reports, the reminder ladder and payment holds.

Pure: standard library, ``deadlines`` and ``models`` only. The service
(``decide``) reads the store and hands plain data in; everything here is a
function of its arguments, so the rules can be tested with plain values.

The guideline (R01): "Avustuksen käytöstä ja kohdentumisesta on raportoitava
hyvinvointialueelle ennen seuraavan toiminta-avustuksen maksatusta tai
viimeistään kuusi kuukautta avustuksen kohteena olleen vuoden päättymisen
jälkeen." A grant's usage report is therefore due on the earlier of

- the first payment of a later year's grant to the same grantee (business ID), and
- the end of the month ``months`` after the grant year ended,

moved to the next working day (laki säädettyjen määräaikain laskemisesta 5 §).

Reminder ladder (days counted from the due date, settings ``[followup]``):

====== ================================== ===============================
level  when                               what happens
====== ================================== ===============================
0      not late (``days_late == 0``)      nothing
1      late                               first reminder (muistutus)
2      ``days_late >= second_days``       second reminder: payment held
3      ``days_late >= hold_days``         payment hold, recovery considered
====== ================================== ===============================
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from avustus_cli.domain import deadlines, fmt
from avustus_cli.domain.models import Application, FundingDecision, Grant, GrantForm, ReportStatus

__all__ = [
    "Hold",
    "Overdue",
    "LEVEL_LABELS",
    "days_late",
    "earlier_unreported",
    "grant_report_due",
    "hold_reasons",
    "ladder_level",
    "overdue_grants",
    "report_in",
    "reference_number",
    "unique_references",
    "remaining",
    "undated_grants",
]

LEVEL_LABELS = {
    0: "ei myöhässä",
    1: "1. muistutus",
    2: "2. muistutus, maksatus pidätetty",
    3: "maksatus pidätetty, takaisinperintää harkitaan",
}


def report_in(grant: Grant) -> bool:
    """The usage report has arrived and is not waiting for a supplement
    (the same reading as rule R01)."""
    if grant.report_status is ReportStatus.INCOMPLETE:
        return False
    return grant.report_received is not None or grant.report_status in (ReportStatus.APPROVED, ReportStatus.PROCESSING)


def _same_grantee(a: Grant, b: Grant) -> bool:
    return a.id != b.id and a.business_id is not None and a.business_id == b.business_id


def _later(g: Grant, other: Grant) -> bool:
    """``other`` is a grant of a later year to the same grantee."""
    return _same_grantee(g, other) and g.year is not None and other.year is not None and other.year > g.year


def grant_report_due(
    grant: Grant,
    grants: Iterable[Grant],
    first_payment: Mapping[str, dt.date],
    months: int = 6,
) -> dt.date | None:
    """The due date of ``grant``'s usage report, moved to a working day.

    ``grants`` are all grants (others of the same grantee are picked by
    business ID); ``first_payment`` maps a grant id to the date of its first
    payment. None when neither date can be known (no grant year, no later
    payment)."""
    candidates: list[dt.date] = []
    if grant.year is not None:
        candidates.append(deadlines.report_due_nominal(grant.year, months))
    for other in grants:
        if _later(grant, other) and other.id in first_payment:
            candidates.append(first_payment[other.id])
    if not candidates:
        return None
    return deadlines.deadline(min(candidates))


def days_late(due: dt.date | None, as_of: dt.date) -> int:
    """Whole days past the due date; 0 on the due date itself and before it."""
    if due is None:
        return 0
    return max(0, (as_of - due).days)


def ladder_level(late: int, second_days: int = 30, hold_days: int = 60) -> int:
    """0 not late, 1 first reminder, 2 second reminder, 3 hold and recovery consideration."""
    if late <= 0:
        return 0
    if late >= hold_days:
        return 3
    if late >= second_days:
        return 2
    return 1


def remaining(grant: Grant) -> Decimal:
    """What is still to be paid of ``grant``."""
    return max(Decimal(0), grant.amount - (grant.paid_amount or Decimal(0))).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Overdue:
    """A grant whose usage report is missing past its due date."""

    grant: Grant
    due: dt.date
    days_late: int
    level: int
    held: bool  # a later grant of the same grantee is waiting for payment (or level 3)


def overdue_grants(
    grants: Sequence[Grant],
    first_payment: Mapping[str, dt.date],
    as_of: dt.date,
    months: int = 6,
    second_days: int = 30,
    hold_days: int = 60,
) -> list[Overdue]:
    """Every grant with money whose report is missing and whose due date has passed on ``as_of``."""
    out = []
    for g in grants:
        if g.amount <= 0 or report_in(g):
            continue
        due = grant_report_due(g, grants, first_payment, months)
        late = days_late(due, as_of)
        if due is None or late == 0:
            continue
        level = ladder_level(late, second_days, hold_days)
        waiting = any(_later(g, o) and o.amount > 0 and remaining(o) > 0 for o in grants)
        out.append(Overdue(g, due, late, level, waiting or level >= 3))
    out.sort(key=lambda o: (o.due, o.grant.applicant, o.grant.id))
    return out


def undated_grants(grants: Sequence[Grant], first_payment: Mapping[str, dt.date], months: int = 6) -> list[Grant]:
    """Grants with money whose report is not in and whose due date cannot be known (no grant year, no later
    payment): never silently left out of the overdue list, the officer is told to add the year."""
    return [
        g for g in grants
        if g.amount > 0 and not report_in(g) and grant_report_due(g, grants, first_payment, months) is None
    ]


def earlier_unreported(grant: Grant, grants: Iterable[Grant]) -> list[Grant]:
    """The grantee's grants of earlier years (with money) whose usage report is not in.

    The report is due "before the next payment", so any such grant holds the
    payment of ``grant``, whether or not its six months have passed."""
    return [
        o
        for o in grants
        if _same_grantee(grant, o)
        and o.year is not None
        and grant.year is not None
        and o.year < grant.year
        and o.amount > 0
        and not report_in(o)
    ]


@dataclass(frozen=True)
class Hold:
    code: str  # review | report | funding | recovery | account
    text: str  # Finnish, for the officer and the finance office


def hold_reasons(
    grant: Grant,
    grants: Sequence[Grant],
    first_payment: Mapping[str, dt.date],
    as_of: dt.date,
    review_last_day: dt.date | None,
    application: Application | None = None,
    funding_accepted: bool = False,
    months: int = 6,
    hold_days: int = 60,
    check_review: bool = True,
) -> list[Hold]:
    """Why ``grant`` may not be paid on ``as_of`` (empty: payable).

    - the decision is not final: ``as_of`` is on or before the last day of the
      review period (``review_last_day``; None: not known, held);
    - an earlier grant of the same grantee has no usage report (R01);
    - a project's external funding decision is not positive (P02), unless
      the officer accepted it (``funding_accepted``);
    - the grant's own report is so late that recovery is being considered (ladder level 3).
    """
    holds: list[Hold] = []
    if not check_review:  # the caller holds for the review periods itself (domain.review.review_holds)
        pass
    elif review_last_day is None:
        holds.append(Hold("review", "päätöksen tiedoksiantopäivä ei ole tiedossa: lainvoimaisuutta ei voi todeta"))
    elif as_of <= review_last_day:
        holds.append(
            Hold("review", f"päätös ei ole lainvoimainen: oikaisuvaatimusaika päättyy {fmt.date(review_last_day)}")
        )
    for o in earlier_unreported(grant, grants):
        what = "on täydennettävä" if o.report_status is ReportStatus.INCOMPLETE else "puuttuu"
        holds.append(Hold("report", f"aiemman avustuksen {o.id} (vuosi {o.year}) käyttöselvitys {what} (R01)"))
    if (
        application is not None
        and application.form is GrantForm.PROJECT
        and application.funding_decision is not FundingDecision.POSITIVE
        and not funding_accepted
    ):
        state = "kielteinen" if application.funding_decision is FundingDecision.NEGATIVE else "ei vielä myönteinen"
        holds.append(Hold("funding", f"hankkeen ulkopuolisen rahoituksen päätös {state} (P02)"))
    if not report_in(grant):
        due = grant_report_due(grant, grants, first_payment, months)
        if due is not None and days_late(due, as_of) >= hold_days:
            holds.append(
                Hold("recovery", f"avustuksen oma käyttöselvitys myöhässä {fmt.date(due)} alkaen: takaisinperintää harkitaan")
            )
    return holds


REFERENCE_BODY_DIGITS = 19  # a Finnish reference is at most 20 digits with its check digit
_ASCII_DIGITS = frozenset("0123456789")


def _hashed_digits(text: str, n: int = REFERENCE_BODY_DIGITS - 1) -> str:
    """A stable ``n``-digit number derived from ``text`` (SHA-256, the same on every run and machine)."""
    h = hashlib.sha256(text.encode("utf-8")).digest()
    return str(int.from_bytes(h, "big") % 10**n).zfill(n)


def _with_check_digit(body: str) -> str:
    """``body`` + the check digit (weights 7, 3, 1 from the right; distance to the
    next ten), in groups of five from the right as printed on Finnish invoices."""
    weights = (7, 3, 1)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(body)))
    ref = body + str((10 - total % 10) % 10)
    groups: list[str] = []
    while ref:
        groups.insert(0, ref[-5:])
        ref = ref[:-5]
    return " ".join(groups)


def reference_number(base: str) -> str:
    """A Finnish creditor reference (viitenumero) built from "1" and the ASCII
    digits of ``base`` (other characters, also other scripts' digits such as
    "²" or "٣", are left out). "" when ``base`` has no digits.

    A reference holds at most 19 digits before the check digit. When "1" and
    the digits would be longer, the body is "1" and 18 digits derived from a
    SHA-256 hash of the digits instead: stable from run to run, and two long
    ids that end alike do not get the same reference (cutting to the last
    digits would give them one). Ids with the same digits (``H-0002`` and
    ``G-0002``) get the same reference here; :func:`unique_references` tells
    them apart for a payment list."""
    digits = "".join(c for c in base if c in _ASCII_DIGITS)
    if not digits:
        return ""
    body = "1" + digits
    if len(body) > REFERENCE_BODY_DIGITS:
        body = "1" + _hashed_digits(digits)
    return _with_check_digit(body)


def unique_references(ids: Iterable[str]) -> dict[str, str]:
    """id -> reference, no two alike (the finance office matches payments by it).

    In id order each id gets :func:`reference_number`; an id whose reference
    is taken by an earlier one, or that has no digits, gets one from a hash of
    the whole id ("1" and 18 digits; a counter is added in the unlikely case
    that is taken too). The result depends only on the set of ids."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for gid in sorted(set(ids)):
        ref = reference_number(gid)
        n = 0
        while not ref or ref in taken:
            ref = _with_check_digit("1" + _hashed_digits(gid if n == 0 else f"{gid}#{n}"))
            n += 1
        taken.add(ref)
        out[gid] = ref
    return out

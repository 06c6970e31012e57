"""Payments as a service: the decided grants that are payable, held (and why)
or paid; the finance office's payment list; recording a payment.

The holds are the domain's (``domain.payment.payment_holds``); a payment is
recorded only after the outstanding amount and the holds are read again
under the write lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as sql
from avustus_cli.domain import fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.followup import Hold, remaining, unique_references
from avustus_cli.domain.payment import Payment, payment_holds

PaymentLine = Payment  # the name the command line and older callers use

__all__ = ["Payment", "PaymentLine", "payment_lines", "record_payment", "write_payment_list"]


def payment_lines(store: Store, settings: Settings, as_of: dt.date, grant_id: str | None = None) -> list[Payment]:
    """Every decided grant with money: payable, held (and why) or paid."""
    grants = store.grants()
    first = sql.first_payment_dates(store)
    sent = sql.dispatches(store)
    accepted = sql.accepted_codes(store)
    decided = sql.decided_ids(store)
    app_ids = [g.application_id for g in grants if g.id in decided and g.application_id]
    apps = {a.id: a for a in store.applications(app_ids, with_personal=True)} if app_ids else {}
    # over every decided grant, not only the ones listed: a grant's reference does not depend on the filter
    refs = unique_references(decided)
    out = []
    for g in grants:
        if g.id not in decided or g.amount <= 0 or (grant_id is not None and g.id != grant_id):
            continue
        app = apps.get(g.application_id or "")
        d = sent.get(g.id)
        last_day = dt.date.fromisoformat(d["last_day"]) if d and d.get("last_day") else None
        holds = payment_holds(g, grants, first, as_of, last_day, app, accepted, settings)
        out.append(Payment(g, app, holds, last_day, refs.get(g.id, ""), remaining(g)))
    out.sort(key=lambda p: (p.grant.applicant.casefold(), p.grant.id))
    return out


def write_payment_list(path: Path, lines: Sequence[Payment], as_of: dt.date) -> Path:
    """The finance office's list of payable grants (holds the IBAN: owner-only file)."""
    from avustus_cli.adapters.excel import Sheet, write_workbook

    payable = [p for p in lines if p.status == "payable"]
    rows = [
        [p.grant.applicant, p.grant.business_id or "", p.iban or "", p.to_pay, p.reference, p.grant.id,
         f"{p.grant.decision_maker or ''} {fmt.date(p.grant.decision_date)} § {p.grant.section or ''}".strip()]
        for p in payable
    ]
    total = sum((p.to_pay for p in payable), Decimal(0))
    sheet = Sheet(
        name="Maksatus",
        headers=["Saaja", "Y-tunnus", "Tilinumero (IBAN)", "Summa €", "Viitenumero", "Avustus", "Päätös"],
        rows=rows,
        money2_columns=(3,),  # to the cent: the finance office pays these sums
        widths={0: 40, 2: 24, 4: 16, 6: 30},
        footer=[[f"Yhteensä ({len(payable)} kpl, tilanne {fmt.date(as_of)})", "", "", total, "", "", ""]],
    )
    path = Path(path)
    write_workbook(path, [sheet], private=True)
    return path


def record_payment(
    store: Store,
    settings: Settings,
    grant_id: str,
    paid_date: dt.date,
    amount: Decimal | None = None,
    *,
    override: bool = False,
    reason: str | None = None,
) -> tuple[Decimal, tuple[Hold, ...]]:
    """Record a payment; refused while the grant is held unless overridden with a reason.

    The outstanding amount and the holds are read inside the transaction
    (BEGIN IMMEDIATE): two officers recording the same payment at once
    cannot both pass the check."""
    if override and not (reason or "").strip():
        raise ValidationError('--override vaatii perustelun: anna --reason "...".')
    with store.transaction():
        row = sql.grant_row(store, grant_id)
        if row is None:
            raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
        lines = payment_lines(store, settings, paid_date, grant_id)
        if not lines:
            raise ValidationError(f"avustus {grant_id} ei ole tämän kierroksen myönteinen päätös: sitä ei makseta tällä komennolla.")
        line = lines[0]
        holds = tuple(h for h in line.holds)
        if line.to_pay <= 0:
            raise ValidationError(f"avustus {grant_id} on jo maksettu kokonaan ({fmt.money2(line.grant.amount)}).")
        amount = line.to_pay if amount is None else amount
        if amount <= 0:
            raise ValidationError("maksun summan on oltava suurempi kuin 0 €.")
        if amount > line.to_pay:
            raise ValidationError(
                f"maksu {fmt.money2(amount)} on suurempi kuin maksamatta oleva osuus {fmt.money2(line.to_pay)}."
            )
        if holds and not override:
            raise ValidationError(
                f"avustuksen {grant_id} maksatus on pidätetty: " + "; ".join(h.text for h in holds)
                + '. Jos maksu on silti tehtävä, anna --override --reason "...".'
            )
        store.add_payment(grant_id, amount, paid_date, line.reference or None)
        store.audit(
            "payment", grant_id, "pay",
            {"amount": str(amount), "date": paid_date.isoformat(), "override": bool(holds and override),
             "reason": (reason or "").strip(), "holds": [h.code for h in holds]},
        )
    return amount, holds

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
from avustus_cli.adapters.store import reviews as review_store
from avustus_cli.domain import fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.followup import Hold, unique_references
from avustus_cli.domain.payment import (
    YEAR_BUDGET,
    Payment,
    allocate_payments,
    instalment_amounts,
    instalment_holds,
    payment_holds,
    plan_instalments,
)
from avustus_cli.domain.review import ReviewRequest, periods_for

PaymentLine = Payment  # the name the command line and older callers use

__all__ = ["Payment", "PaymentLine", "confirm_instalment", "payment_lines", "record_payment", "write_payment_list"]


def payment_lines(store: Store, settings: Settings, as_of: dt.date, grant_id: str | None = None) -> list[Payment]:
    """Every instalment of every decided grant with money: payable, held (and why) or paid.

    A grant's plan is the domain's (``plan_instalments``); an instalment is held by the grant's own holds
    (review periods, earlier reports, the co-funder's decision, a bank account) and by its own (its first day,
    its year's budget, an earlier agreement year's report, a reclaim under way)."""
    grants = store.grants()
    first = sql.first_payment_dates(store)
    sent = sql.dispatches(store)
    accepted = sql.accepted_codes(store)
    decided = sql.decided_ids(store)
    by_instalment = sql.payments_by_instalment(store)
    confirmed = sql.instalment_confirmations(store)
    reported = sql.reported_years(store)
    reclaims = sql.open_reclaims(store)
    minutes = review_store.minutes(store)
    requests: dict[str, list[ReviewRequest]] = {}
    for r in review_store.requests(store):
        requests.setdefault(r.grant_id, []).append(r)
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
        served = dt.date.fromisoformat(d["served"]) if d and d.get("served") else None
        # the members' period runs from the minutes of the meeting whose decision the latest letter gives
        decided_on = dt.date.fromisoformat(d["decision_date"]) if d and d.get("decision_date") else g.decision_date
        made_by = (d.get("maker") if d else None) or g.decision_maker
        periods = periods_for(served, decided_on, made_by, minutes, settings.minutes_published, settings.meeting_date)
        holds = payment_holds(g, grants, first, as_of, last_day, app, accepted, settings, periods,
                              requests.get(g.id, ()))
        plan = plan_instalments(g.form, g.year, app, settings.year)
        amounts = instalment_amounts(plan, g.amount)
        paid = allocate_payments(amounts, by_instalment.get(g.id, []))
        years = {p.year: (p.year in reported.get(g.id, set())) for p in plan if p.year is not None}
        for item, amount, paid_part in zip(plan, amounts, paid, strict=True):
            to_pay = max(Decimal(0), amount - paid_part).quantize(Decimal("0.01"))
            own = instalment_holds(item, g.id, as_of, (g.id, item.number) in confirmed, years, settings.report_months,
                                   reclaims.get(g.id))
            all_holds = holds + own if to_pay > 0 else ()
            out.append(Payment(g, app, all_holds, last_day, refs.get(g.id, ""), to_pay, item, len(plan), amount, paid_part))
    out.sort(key=lambda p: (p.grant.applicant.casefold(), p.grant.id, p.number))
    return out


def write_payment_list(path: Path, lines: Sequence[Payment], as_of: dt.date) -> Path:
    """The finance office's list of payable grants (holds the IBAN: owner-only file)."""
    from avustus_cli.adapters.excel import Sheet, write_workbook

    payable = [p for p in lines if p.status == "payable"]
    rows = [
        [p.grant.applicant, p.grant.business_id or "", p.iban or "", p.to_pay, p.reference,
         p.grant.id if p.instalments == 1 else f"{p.grant.id} ({p.number}/{p.instalments}. erä)",
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
    instalment: int | None = None,
) -> tuple[Decimal, tuple[Hold, ...]]:
    """Record a payment against one instalment (``instalment``; by default the first not wholly paid);
    refused while that instalment is held unless overridden with a reason.

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
        if instalment is not None:
            chosen = [p for p in lines if p.number == instalment]
            if not chosen:
                raise ValidationError(
                    f"avustuksella {grant_id} ei ole {instalment}. erää: sen maksusuunnitelmassa on {len(lines)} "
                    f"{'erä' if len(lines) == 1 else 'erää'}."
                )
            line = chosen[0]
        else:
            line = next((p for p in lines if p.to_pay > 0), lines[-1])
        holds = tuple(h for h in line.holds)
        what = f"avustus {grant_id}" if line.instalments == 1 else f"avustuksen {grant_id} {line.number}. erä"
        if line.to_pay <= 0:
            whole = line.amount if line.amount is not None else line.grant.amount
            raise ValidationError(f"{what} on jo maksettu kokonaan ({fmt.money2(whole)}).")
        amount = line.to_pay if amount is None else amount
        if amount <= 0:
            raise ValidationError("maksun summan on oltava suurempi kuin 0 €.")
        if amount > line.to_pay:
            raise ValidationError(
                f"maksu {fmt.money2(amount)} on suurempi kuin maksamatta oleva osuus {fmt.money2(line.to_pay)}"
                + ("." if line.instalments == 1 else f" ({line.number}. erä).")
            )
        if holds and not override:
            raise ValidationError(
                (f"avustuksen {grant_id}" if line.instalments == 1 else f"avustuksen {grant_id} {line.number}. erän")
                + " maksatus on pidätetty: " + "; ".join(h.text for h in holds)
                + '. Jos maksu on silti tehtävä, anna --override --reason "...".'
            )
        sql.add_instalment_payment(store, grant_id, line.number, amount, paid_date, line.reference or None)
        store.audit(
            "payment", grant_id, "pay",
            {"amount": str(amount), "date": paid_date.isoformat(), "instalment": line.number,
             "override": bool(holds and override), "reason": (reason or "").strip(), "holds": [h.code for h in holds]},
        )
    return amount, holds


def confirm_instalment(
    store: Store, settings: Settings, grant_id: str, instalment: int, confirmed: dt.date, reason: str
) -> Payment:
    """Record that an instalment's own condition is met (a later agreement year's budget holds the money).
    Recorded once: a second confirmation of the same instalment is refused, nothing changes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError('perustelu puuttuu: anna --reason "..." (esim. talousarviopäätöksen päivä ja pykälä).')
    with store.transaction():
        lines = [p for p in payment_lines(store, settings, confirmed, grant_id) if p.number == instalment]
        if not lines:
            raise NotFoundError(f"avustuksella {grant_id} ei ole {instalment}. erää.")
        line = lines[0]
        if line.instalment is None or line.instalment.condition != YEAR_BUDGET:
            raise ValidationError(
                f"avustuksen {grant_id} {instalment}. erällä ei ole vahvistettavaa ehtoa: se "
                f"{line.instalment.condition_text if line.instalment else 'maksetaan päätöksen mukaan'}."
            )
        done = sql.instalment_confirmations(store).get((grant_id, instalment))
        if done is not None:
            raise ValidationError(
                f"avustuksen {grant_id} {instalment}. erän määräraha on jo kirjattu vahvistetuksi "
                f"{fmt.date(dt.date.fromisoformat(done['confirmed']))}; mitään ei muutettu."
            )
        sql.confirm_instalment(store, grant_id, instalment, confirmed, reason)
        store.audit("instalment", f"{grant_id}/{instalment}", "confirm", {"date": confirmed.isoformat(), "reason": reason})
    return payment_lines(store, settings, confirmed, grant_id)[instalment - 1]


# --- the partnership agreement document ----------------------------------------------------------------


def write_agreement(
    store: Store,
    settings: Settings,
    grant_id: str,
    *,
    letter_date: dt.date,
    out_dir: Path,
    formats: Sequence[str] = ("html", "docx"),
) -> list[Path]:
    """The partnership agreement (kumppanuussopimus) of a decided partnership grant: both sides' commitments
    and the metrics from the application, the agreement years and their instalments, the yearly follow-up in
    the usage report. Written to a staging folder, recorded in the letters table, then moved into ``out_dir``;
    an agreement of record already there is never overwritten (a changed one gets a new name)."""
    from avustus_cli.adapters.files import StagedFolder
    from avustus_cli.adapters.render import REPORT_DOCUMENTS, write_document
    from avustus_cli.adapters.store import letters as letter_store
    from avustus_cli.domain import deadlines, filenames
    from avustus_cli.domain.letter import addressee
    from avustus_cli.domain.models import GrantForm
    from avustus_cli.domain.report import agreement_terms

    decided = sql.decision(store, grant_id)
    if decided is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    if decided.source != "decision" or decided.form != GrantForm.PARTNERSHIP.value or decided.amount <= 0:
        raise ValidationError(f"avustus {grant_id} ei ole tämän kierroksen myönteinen kumppanuussopimuspäätös: sopimusta ei laadita.")
    app = store.application(decided.application_id, with_personal=True) if decided.application_id else None
    plan = plan_instalments(GrantForm.PARTNERSHIP, decided.year, app, settings.year)
    amounts = instalment_amounts(plan, decided.amount)
    start = app.agreement_start if app is not None and app.agreement_start else dt.date(plan[0].year or settings.year, 1, 1)
    end = app.agreement_end if app is not None and app.agreement_end else dt.date(plan[-1].year or settings.year, 12, 31)
    terms = agreement_terms(app.commitments if app is not None else "")
    who = addressee(app, decided.applicant, decided.business_id)
    ctx = {
        "letter_date": letter_date,
        "organisation": {"name": who["name"], "business_id": who["business_id"], "address": who["address"]},
        "decision": {"maker": decided.decision_maker or settings.body, "date": decided.decision_date,
                     "section": (decided.section or "").removeprefix("§").strip()},
        "agreement": {"id": decided.application_id or decided.id, "activity": app.activity_name if app else "",
                      "start": start, "end": end, "per_year": decided.amount, "total": sum(amounts, Decimal(0))},
        "instalments": [{"number": p.number, "year": p.year, "amount": a, "due": p.due, "condition": p.condition_text}
                        for p, a in zip(plan, amounts, strict=True)],
        "commitments": {"organisation": terms["organisation"], "county": terms["county"]},
        "metrics": terms["metrics"],
        "report_due": deadlines.report_due(plan[0].year or settings.year, settings.report_months),
        "report_documents": list(REPORT_DOCUMENTS),
        "signer": decided.decision_maker or settings.body,
    }
    stem = filenames.stem("sopimus", grant_id)
    with StagedFolder(Path(out_dir)) as stage:
        write_document(stage.path, stem, "sopimus", ctx, settings, formats, in_stage=True)
        stem = stage.settle(stem)
        with store.transaction():
            letter_store.record_letter(
                store, kind="agreement", files=[stage.path / f"{stem}.{x}" for x in formats], recipient=decided.applicant,
                channel="letter", sent=letter_date, application_id=decided.application_id, grant_id=grant_id,
                email=app.email if app is not None else None, folder=stage.target,
                detail={"start": start, "end": end, "per_year": str(decided.amount)},
            )
        return [p for p in stage.publish() if p.stem == stem]

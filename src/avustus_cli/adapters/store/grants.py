"""SQL for decisions, payments, usage reports and reminders (functions taking a Store).

The delivery of a decision letter (channel, posting date, presumed service)
is a row of the ``letters`` table (``adapters.store.letters``);
:func:`dispatches` reads the latest decision letter of each grant and adds
the last day of the applicant's review period.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store, cents, euros, now, stored_date
from avustus_cli.domain import deadlines
from avustus_cli.domain.decision import Decision
from avustus_cli.domain.models import ReportStatus
from avustus_cli.domain.report import UsageReport

_DECIDE_AUDITED = ("amount_cents", "decision_date", "section", "decision_maker", "year")  # a decision's audit detail


def _decision_row(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id, "application_id": d.application_id, "applicant": d.applicant, "business_id": d.business_id,
        "form": d.form, "year": d.year, "amount_cents": cents(d.amount), "requested_cents": cents(d.requested),
        "decision_date": d.decision_date.isoformat() if d.decision_date else None, "section": d.section,
        "decision_maker": d.decision_maker, "conditions": d.conditions, "reason": d.reason, "source": d.source,
    }


def _decision(r: dict[str, Any]) -> Decision:
    return Decision(
        id=r["id"], application_id=r["application_id"], applicant=r["applicant"], business_id=r["business_id"],
        form=r["form"], year=r["year"], amount=euros(r["amount_cents"]) or Decimal(0),
        requested=euros(r["requested_cents"]),
        decision_date=stored_date(r["decision_date"]),
        section=r["section"], decision_maker=r["decision_maker"], conditions=r["conditions"] or "",
        reason=r["reason"] or "", source=r["source"],
    )


def decisions(store: Store) -> list[Decision]:
    """Every stored grant as a ``Decision``, by year and id."""
    return [_decision(r) for r in store.query("select * from grants order by year, id")]


def decisions_by_id(store: Store) -> dict[str, Decision]:
    """Every stored grant (decisions and the imported register) as a ``Decision``."""
    return {r["id"]: _decision(r) for r in store.query("select * from grants")}


def decision(store: Store, grant_id: str) -> Decision | None:
    row = grant_row(store, grant_id)
    return _decision(row) if row is not None else None


def record_decisions(store: Store, ds: Sequence[Decision]) -> None:
    """Store decisions, in order, each with its audit entry (one write of the grants, one of the audit rows)."""
    rows = [_decision_row(d) for d in ds]
    store.upsert_grants(rows)
    store.audit_many(
        [("grant", r["id"], "decide",
          json.dumps({k: r[k] for k in _DECIDE_AUDITED}, ensure_ascii=False, default=str)) for r in rows],
        now(),
    )


def grant_row(store: Store, grant_id: str) -> dict[str, Any] | None:
    rows = store.query("select * from grants where id = ?", (grant_id,))
    return rows[0] if rows else None


def grant_rows_by_id(store: Store) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in store.query("select * from grants")}


def amended_ids(store: Store) -> set[str]:
    """Grants changed by ``avustus amend`` after their decision."""
    return {r["entity_id"] for r in store.query("select entity_id from audit_log where entity = 'grant' and action = 'amend'")}


def set_amount(store: Store, grant_id: str, amount: Decimal, reason: str) -> None:
    store.conn.execute(
        "update grants set amount_cents = ?, reason = ?, updated_at = ? where id = ?",
        (cents(amount), reason, now(), grant_id),
    )


def first_payment_dates(store: Store) -> dict[str, dt.date]:
    return {
        r["grant_id"]: dt.date.fromisoformat(r["d"])
        for r in store.query("select grant_id, min(paid_date) as d from payments group by grant_id")
    }


def paid_total(store: Store, grant_id: str) -> Decimal:
    """What has been paid of a grant so far."""
    return sum((euros(p["amount_cents"]) or Decimal(0) for p in payments(store, grant_id)), Decimal(0))


def payments(store: Store, grant_id: str) -> list[dict[str, Any]]:
    return store.query("select * from payments where grant_id = ? order by paid_date, id", (grant_id,))


def reminders(store: Store) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in store.query("select grant_id, level, sent_date from reminders order by sent_date, id"):
        out.setdefault(r["grant_id"], []).append({"level": r["level"], "sent": r["sent_date"]})
    return out


def add_reminder(store: Store, grant_id: str, level: int, sent: dt.date) -> None:
    store.db.table("reminders").insert({"grant_id": grant_id, "level": level, "sent_date": sent.isoformat(), "created_at": now()})


def dispatches(store: Store) -> dict[str, dict[str, Any]]:
    """grant id -> the delivery of its latest decision letter {channel, sent, served, last_day} (ISO dates):
    the last day of the applicant's review period counts from the served day
    (``domain.deadlines.count_days``, 14 days, moved to a working day)."""
    from avustus_cli.adapters.store.letters import latest_by_grant

    out: dict[str, dict[str, Any]] = {}
    for gid, rec in latest_by_grant(store).items():
        out[gid] = {"channel": rec.channel, "sent": rec.sent.isoformat(), "served": rec.served.isoformat(),
                    "last_day": deadlines.count_days(rec.served, 14).isoformat(),
                    # the decision the letter gives (an amendment has its own date and maker)
                    "decision_date": rec.detail.get("decision_date"), "maker": rec.detail.get("maker")}
    return out


def accepted_codes(store: Store) -> set[tuple[str, str]]:
    """(application id, code) of acceptances still valid for the application's data."""
    return set(store.acceptances())


def decided_ids(store: Store) -> set[str]:
    """Grants recorded by a decision of this tool (not imported history)."""
    return {r["id"] for r in store.query("select id from grants where source = 'decision'")}


def usage_report(store: Store, grant_id: str) -> UsageReport | None:
    """The grant's recorded usage report, if any."""
    rows = store.query("select received, status from reports where grant_id = ?", (grant_id,))
    if not rows:
        return None
    r = rows[0]
    return UsageReport(grant_id, dt.date.fromisoformat(r["received"]), ReportStatus(r["status"]) if r["status"] else None)


def record_report(store: Store, report: UsageReport) -> None:
    """Store a usage report (replacing the grant's earlier one)."""
    store.set_report(report.grant_id, report.received, report.status.value if report.status else None)


# --- the earlier-grants register (history import) ---------------------------


def history_row_state(grant: Decision, details: list[Any]) -> str:
    """The text kept per earlier grant to tell, on the next import, whether the register's row changed:
    the grant as stored and ``details`` (its payment and report, JSON-ready)."""
    return json.dumps([_decision_row(grant), *details], sort_keys=True, default=str)


def record_history_grant(store: Store, grant: Decision) -> None:
    """Store an earlier grant read from the register (``source`` "history"; the import audits it)."""
    store.upsert_grant(_decision_row(grant))


def history_state(store: Store, grant_id: str) -> str | None:
    """What the last history import said of a grant (to tell unchanged rows)."""
    row = store.conn.execute("select state from history_state where grant_id = ?", (grant_id,)).fetchone()
    return row[0] if row else None


def replace_history_details(
    store: Store,
    grant_id: str,
    payment: tuple[Decimal, dt.date] | None,
    report: tuple[dt.date, str | None] | None,
    warnings: list[dict[str, Any]],
    import_id: int,
    state: str,
) -> None:
    """The payment, usage report and warnings of one imported earlier grant, as the register now says."""
    store.conn.execute("delete from payments where grant_id = ? and reference = 'history'", (grant_id,))
    if payment is not None:
        store.add_payment(grant_id, payment[0], payment[1], "history")
    filed = store.conn.execute("select 1 from usage_reports where grant_id = ? limit 1", (grant_id,)).fetchone()
    if filed is None:  # a report filed in the e-form service (import --reports) is newer than the register
        store.conn.execute("delete from reports where grant_id = ?", (grant_id,))
        if report is not None:
            store.set_report(grant_id, report[0], report[1])
    store.replace_warnings(import_id, grant_id, warnings)
    store.conn.execute(
        "insert into history_state (grant_id, state) values (?, ?) on conflict(grant_id) do update set state = excluded.state",
        (grant_id, state),
    )


# --- instalments ---------------------------------------------------------------


def payments_by_instalment(store: Store) -> dict[str, list[tuple[int | None, Decimal]]]:
    """grant id -> [(instalment number or None, amount)] of every recorded payment."""
    out: dict[str, list[tuple[int | None, Decimal]]] = {}
    for r in store.query(
        "select p.grant_id, i.instalment, p.amount_cents from payments p left join payment_instalments i on i.payment_id = p.id "
        "order by p.paid_date, p.id"
    ):
        out.setdefault(r["grant_id"], []).append((r["instalment"], euros(r["amount_cents"]) or Decimal(0)))
    return out


def add_instalment_payment(
    store: Store, grant_id: str, instalment: int, amount: Decimal, paid_date: dt.date, reference: str | None
) -> None:
    cur = store.conn.execute(
        "insert into payments (grant_id, amount_cents, paid_date, reference, created_at) values (?, ?, ?, ?, ?)",
        (grant_id, cents(amount), paid_date.isoformat(), reference, now()),
    )
    store.conn.execute("insert into payment_instalments (payment_id, instalment) values (?, ?)", (cur.lastrowid, instalment))


def instalment_confirmations(store: Store) -> dict[tuple[str, int], dict[str, Any]]:
    """(grant id, instalment) -> {confirmed, reason}: the conditions the officer recorded as met."""
    return {(r["grant_id"], r["instalment"]): r for r in store.query("select * from instalment_confirmations")}


def confirm_instalment(store: Store, grant_id: str, instalment: int, confirmed: dt.date, reason: str) -> None:
    from avustus_cli.adapters.store import os_user

    store.conn.execute(
        "insert into instalment_confirmations (grant_id, instalment, confirmed, reason, user, at) values (?, ?, ?, ?, ?, ?)",
        (grant_id, instalment, confirmed.isoformat(), reason, os_user(), now()),
    )


def reported_years(store: Store) -> dict[str, set[int]]:
    """grant id -> the years its filed usage reports cover."""
    out: dict[str, set[int]] = {}
    for r in store.query("select grant_id, year from usage_reports"):
        out.setdefault(r["grant_id"], set()).add(r["year"])
    return out


def open_reclaims(store: Store) -> dict[str, dt.date]:
    """grant id -> the hearing date of a reclaim whose money is not (wholly) back."""
    rows = store.query(
        """select r.grant_id, r.hearing_date, coalesce(r.amount_cents, r.proposed_cents) as target,
                  (select coalesce(sum(x.amount_cents), 0) from reclaim_returns x where x.grant_id = r.grant_id) as back
           from reclaims r"""
    )
    return {r["grant_id"]: dt.date.fromisoformat(r["hearing_date"]) for r in rows if r["back"] < r["target"]}


def decided_amount(store: Store, grant_id: str) -> Decimal | None:
    """The amount of the grant's original decision, as decide recorded it (amendments leave it in the log)."""
    for r in store.query("select detail from audit_log where entity = 'grant' and entity_id = ? and action = 'decide' "
                         "order by id limit 1", (grant_id,)):
        value = json.loads(r["detail"]).get("amount_cents")
        if isinstance(value, int):
            return euros(value)
    return None

"""SQL for usage reports as filed in the e-form service (functions taking a Store)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store, cents, euros, now
from avustus_cli.domain.report import ReportFiling


def _filing(r: dict[str, Any]) -> ReportFiling:
    attachments = set(json.loads(r["attachments"] or "[]"))
    return ReportFiling(
        grant_id=r["grant_id"], year=r["year"], received=dt.date.fromisoformat(r["received"]),
        used=euros(r["used_cents"]), unused=euros(r["unused_cents"]),
        activity_report="activity_report" in attachments, financial_statements="financial_statements" in attachments,
        audit_report="audit_report" in attachments, operations_audit_report="operations_audit_report" in attachments,
        metrics=r["metrics"] or "",
    )


def filed_rows(store: Store, grant_id: str | None = None) -> list[dict[str, Any]]:
    sql = "select * from usage_reports"
    params: list[Any] = []
    if grant_id is not None:
        sql += " where grant_id = ?"
        params.append(grant_id)
    return store.query(sql + " order by grant_id, year", params)


def filings(store: Store, grant_id: str | None = None) -> list[tuple[ReportFiling, dict[str, Any]]]:
    """(filing, its row: outcome, outcome_date, supplement_due, content_hash...) of every filed report."""
    return [(_filing(r), r) for r in filed_rows(store, grant_id)]


def upsert_filing(store: Store, f: ReportFiling, digest: str, import_id: int | None, row: int | None) -> None:
    """Store a filed report; a changed one is unhandled again (its outcome cleared by the caller's choice)."""
    store.conn.execute(
        """insert into usage_reports (grant_id, year, received, used_cents, unused_cents, attachments, metrics,
               content_hash, import_id, source_row, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict(grant_id, year) do update set received = excluded.received, used_cents = excluded.used_cents,
               unused_cents = excluded.unused_cents, attachments = excluded.attachments, metrics = excluded.metrics,
               content_hash = excluded.content_hash, import_id = excluded.import_id, source_row = excluded.source_row,
               outcome = null, outcome_date = null, supplement_due = null, updated_at = excluded.updated_at""",
        (f.grant_id, f.year, f.received.isoformat(), cents(f.used), cents(f.unused),
         json.dumps(list(f.attachments)), f.metrics, digest, import_id, row, now()),
    )


def set_outcome(store: Store, grant_id: str, year: int, outcome: str, day: dt.date, supplement_due: dt.date | None) -> None:
    store.conn.execute(
        "update usage_reports set outcome = ?, outcome_date = ?, supplement_due = ?, updated_at = ? where grant_id = ? and year = ?",
        (outcome, day.isoformat(), supplement_due.isoformat() if supplement_due else None, now(), grant_id, year),
    )


def paid_for_year(store: Store, grant_id: str, year: int, instalment: int | None) -> Decimal:
    """What has been paid of a grant for one year: of the instalment paying that year when the grant has a
    plan of several, else all of it."""
    if instalment is None:
        row = store.conn.execute("select coalesce(sum(amount_cents), 0) from payments where grant_id = ?", (grant_id,)).fetchone()
    else:
        row = store.conn.execute(
            "select coalesce(sum(p.amount_cents), 0) from payments p join payment_instalments i on i.payment_id = p.id "
            "where p.grant_id = ? and i.instalment = ?", (grant_id, instalment)
        ).fetchone()
    return euros(row[0]) or Decimal(0)

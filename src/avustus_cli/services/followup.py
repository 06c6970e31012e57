"""Follow-up as a service: usage reports, overdue reports and reminders.

The due dates and the reminder ladder are the domain's (``domain.followup``);
a reminder's letter is written first and recorded after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avustus_cli.adapters.mailing import write_mailing
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as sql
from avustus_cli.domain import deadlines, filenames, values
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.followup import Overdue, overdue_grants
from avustus_cli.domain.letter import Letter, addressee, letter_files
from avustus_cli.domain.models import GRANT_FORM_LABELS, ReportStatus
from avustus_cli.domain.report import UsageReport

REMINDER_MAILING = "postitus_muistutukset_{date}.csv"  # not postitus.csv: --letters may be the decisions' folder

__all__ = ["OverdueItem", "overdue", "record_report", "send_reminders"]


# --- usage reports -------------------------------------------------------------

def record_report(store: Store, grant_id: str, received: dt.date, status: str = "käsittelyssä") -> ReportStatus:
    """Record a usage report; ``status`` is read as the import reads it (``values.report_status``)."""
    try:
        st = values.report_status(status)
    except values.ValueProblem:
        st = None
    if st is None:
        raise ValidationError(f"tuntematon tila {status!r}: käytä hyväksytty, täydennettävä tai käsittelyssä.")
    new = UsageReport(grant_id, received, st)
    with store.transaction():  # read and written under one lock
        if sql.grant_row(store, grant_id) is None:
            raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
        old = sql.usage_report(store, grant_id)
        if old == new:
            return st
        sql.record_report(store, new)
        store.audit("report", grant_id, "record", {**new.record(), "before": old.record() if old else None})
    return st


# --- overdue reports and reminders ---------------------------------------------


@dataclass
class OverdueItem:
    overdue: Overdue
    reminders_sent: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        o, g = self.overdue, self.overdue.grant
        return {
            "grant": g.id,
            "application": g.application_id,
            "applicant": g.applicant,
            "due": o.due.isoformat(),
            "days_late": o.days_late,
            "amount": str(g.amount),
            "year": g.year,
            "held": o.held,
            "level": o.level,
            "reminders_sent": self.reminders_sent,
        }


def overdue(store: Store, settings: Settings, as_of: dt.date) -> list[OverdueItem]:
    grants = store.grants()
    sent = sql.reminders(store)
    items = overdue_grants(
        grants, sql.first_payment_dates(store), as_of, settings.report_months,
        settings.reminder_second_days, settings.hold_after_days,
    )
    return [OverdueItem(o, sent.get(o.grant.id, [])) for o in items]


def send_reminders(
    store: Store,
    settings: Settings,
    items: Sequence[OverdueItem],
    letters_dir: Path,
    letter_date: dt.date,
    formats: Sequence[str] = ("html", "docx"),
) -> list[tuple[str, int, list[Path]]]:
    """Write a reminder (level 1, or 2 once the second step is reached) for each
    overdue grant that has not had one of that level, and record it."""
    from avustus_cli.adapters.render import REPORT_DOCUMENTS, write_document

    rows = sql.grant_rows_by_id(store)
    app_ids = [i.overdue.grant.application_id for i in items if i.overdue.grant.application_id]
    apps = {a.id: a for a in store.applications(app_ids, with_personal=True)} if app_ids else {}
    todo = []
    for item in items:
        level = min(item.overdue.level, 2)
        if any(r["level"] >= level for r in item.reminders_sent):
            continue
        todo.append((item, level))
    done: list[tuple[str, int, list[Path]]] = []
    mailing: list[Letter] = []
    filenames.unique_stems("muistutus", [item.overdue.grant.id for item, _level in todo])  # one file per grant
    for item, level in todo:
        g = item.overdue.grant
        row = rows.get(g.id, {})
        app = apps.get(g.application_id or "")
        form = GRANT_FORM_LABELS.get(g.form) if g.form else None
        ctx = {
            "letter_date": letter_date,
            "level": level,
            "applicant": addressee(app, g.applicant, g.business_id),
            "grant": {
                "id": g.id,
                "year": g.year,
                "amount": g.amount,
                "form": form or "Avustus",
                "decision_body": g.decision_maker or settings.body,
                "decision_date": g.decision_date,
                "section": g.section or "",
            },
            "report_due": item.overdue.due,
            "new_due": deadlines.count_days(letter_date, 14),
            "report_documents": list(REPORT_DOCUMENTS),
            "diary_number": settings.diary_number if row.get("source") == "decision" else "",
        }
        stem = filenames.stem(f"muistutus{level}", g.id)
        paths = write_document(Path(letters_dir), stem, "muistutus", ctx, settings, formats)
        done.append((g.id, level, paths))
        mailing.append(letter_files(g.application_id or g.id, g.applicant, app.email if app else "", stem, formats,
                                    "email" if app and app.email else "letter"))
    if done:
        with store.transaction():
            for gid, level, _paths in done:
                sql.add_reminder(store, gid, level, letter_date)
                store.audit("reminder", gid, "send", {"level": level, "date": letter_date.isoformat()})
        write_mailing(Path(letters_dir) / REMINDER_MAILING.format(date=letter_date.isoformat()), mailing)
    return done

"""Follow-up as a service: usage reports, overdue reports and reminders.

The due dates and the reminder ladder are the domain's (``domain.followup``);
a reminder's letter is written first and recorded after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.files import StagedFolder
from avustus_cli.adapters.mailing import write_mailing
from avustus_cli.adapters.pdf import pdf_copies, require_soffice
from avustus_cli.adapters.store import Store, stored_date
from avustus_cli.adapters.store import grants as sql
from avustus_cli.adapters.store import letters as letter_store
from avustus_cli.adapters.store import reports as report_store
from avustus_cli.domain import deadlines, filenames, fmt, values
from avustus_cli.domain.config import Settings
from avustus_cli.domain.decision import Decision
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.followup import Overdue, overdue_grants, undated_grants
from avustus_cli.domain.letter import Letter, addressee, grant_facts, letter_files
from avustus_cli.domain.models import GRANT_FORM_LABELS, Grant, GrantForm, ReportStatus
from avustus_cli.domain.payment import plan_instalments
from avustus_cli.domain.report import (
    ATTACHMENT_LABELS,
    ReportFiling,
    ReportFinding,
    UsageReport,
    report_findings,
    split_commitments,
)

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


def undated(store: Store, settings: Settings) -> list[Grant]:
    """Grants whose usage report is missing and whose due date cannot be computed (no grant year)."""
    return undated_grants(store.grants(), sql.first_payment_dates(store), settings.report_months)



def _reminder_context(settings: Settings, item: OverdueItem, level: int, app: Any, row: dict[str, Any],
                      letter_date: dt.date) -> dict[str, Any]:
    """A reminder letter's content: the grant, the missed due date and the new one (14 days)."""
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    g = item.overdue.grant
    return {
        "letter_date": letter_date,
        "level": level,
        "applicant": addressee(app, g.applicant, g.business_id),
        "grant": {
            "id": g.id, "year": g.year, "amount": g.amount,
            "form": (GRANT_FORM_LABELS.get(g.form) if g.form else None) or "Avustus",
            "decision_body": g.decision_maker or settings.body, "decision_date": g.decision_date,
            "section": g.section or "",
        },
        "report_due": item.overdue.due,
        "new_due": deadlines.count_days(letter_date, 14),
        "report_documents": list(REPORT_DOCUMENTS),
        "diary_number": settings.diary_number if row.get("source") == "decision" else "",
    }


def send_reminders(
    store: Store,
    settings: Settings,
    items: Sequence[OverdueItem],
    letters_dir: Path,
    letter_date: dt.date,
    formats: Sequence[str] = ("html", "docx"),
    pdf: bool = False,
) -> list[tuple[str, int, list[Path]]]:
    """Write a reminder (level 1, or 2 once the second step is reached) for each
    overdue grant that has not had one of that level, and record it (``pdf``: with a PDF/A of each)."""
    from avustus_cli.adapters.render import write_document

    if pdf:
        require_soffice()  # or one line on how to install LibreOffice, before anything is written

    rows = sql.grant_rows_by_id(store)
    app_ids = [i.overdue.grant.application_id for i in items if i.overdue.grant.application_id]
    apps = {a.id: a for a in store.applications(app_ids, with_personal=True)} if app_ids else {}
    todo = []
    for item in items:
        level = min(item.overdue.level, 2)
        if any(r["level"] >= level for r in item.reminders_sent):
            continue
        todo.append((item, level))
    # The reminders are written into a staging folder and moved into place after the database has
    # recorded them: a failing letter leaves the folder and the database as they were.
    mailing_name = REMINDER_MAILING.format(date=letter_date.isoformat())
    with StagedFolder(Path(letters_dir), replaceable=frozenset({mailing_name})) as stage:
        done: list[tuple[str, int, list[Path]]] = []
        recipients: dict[str, tuple[str | None, str, str | None, str]] = {}
        mailing: list[Letter] = []
        filenames.unique_stems("muistutus", [item.overdue.grant.id for item, _level in todo])  # one file per grant
        for item, level in todo:
            g = item.overdue.grant
            app = apps.get(g.application_id or "")
            ctx = _reminder_context(settings, item, level, app, rows.get(g.id, {}), letter_date)
            stem = filenames.stem(f"muistutus{level}", g.id)
            paths = write_document(stage.path, stem, "muistutus", ctx, settings, formats, in_stage=True)
            done.append((g.id, level, paths))
            channel = "email" if app and app.email else "letter"
            recipients[g.id] = (g.application_id, g.applicant, app.email if app else None, channel)
            mailing.append(letter_files(g.application_id or g.id, g.applicant, app.email if app else "", stem, formats,
                                        channel))
        if done and pdf:  # one LibreOffice run for every reminder
            pdf_copies([p for _gid, _level, paths in done for p in paths])
            done = [(gid, level, [*paths, *[p.with_suffix(".pdf") for p in paths if p.suffix == ".docx"]])
                    for gid, level, paths in done]
        if done:
            with store.transaction():
                for gid, level, paths in done:
                    sql.add_reminder(store, gid, level, letter_date)
                    store.audit("reminder", gid, "send", {"level": level, "date": letter_date.isoformat()})
                    app_id, name, email, channel = recipients[gid]
                    letter_store.record_letter(store, kind="reminder", files=paths, recipient=name, channel=channel,
                                               sent=letter_date, application_id=app_id, grant_id=gid, email=email,
                                               detail={"level": level}, folder=Path(letters_dir))
                write_mailing(stage.path / mailing_name, mailing)
            stage.publish()
    return [(gid, level, [stage.final(p) for p in paths]) for gid, level, paths in done]


# --- usage reports as filed: the checklist, acceptance and supplement requests --------------------------


@dataclass
class ReportView:
    """A filed usage report with its checklist."""

    filing: ReportFiling
    outcome: str | None
    outcome_date: dt.date | None
    supplement_due: dt.date | None
    paid: Decimal
    due: dt.date | None
    findings: list[ReportFinding]

    @property
    def missing(self) -> list[ReportFinding]:
        return [f for f in self.findings if f.kind == "missing"]

    def as_json(self) -> dict[str, Any]:
        return {
            **self.filing.record(), "outcome": self.outcome,
            "outcome_date": self.outcome_date.isoformat() if self.outcome_date else None,
            "supplement_due": self.supplement_due.isoformat() if self.supplement_due else None,
            "paid_for_year": str(self.paid), "report_due": self.due.isoformat() if self.due else None,
            "findings": [f.as_json() for f in self.findings],
        }


def _plan_of(store: Store, settings: Settings, row: dict[str, Any]) -> tuple[Any, list[Any]]:
    app = None
    if row.get("application_id"):
        found = store.applications([row["application_id"]])
        app = found[0] if found else None
    form = GrantForm(row["form"]) if row.get("form") else None
    return app, list(plan_instalments(form, row.get("year"), app, settings.year))


def report_views(store: Store, settings: Settings, grant_id: str) -> list[ReportView]:
    """The grant's filed usage reports (one per year) and what each lacks."""
    row = sql.grant_row(store, grant_id)
    if row is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    app, plan = _plan_of(store, settings, row)
    several = len(plan) > 1
    metrics = split_commitments(app.commitments)["metrics"] if app is not None else ""
    out = []
    for filing, r in report_store.filings(store, grant_id):
        number = next((p.number for p in plan if p.year == filing.year), None) if several else None
        paid = report_store.paid_for_year(store, grant_id, filing.year, number)
        due = deadlines.report_due(filing.year, settings.report_months)
        findings = report_findings(filing, paid, due, row.get("form") == "partnership", metrics)
        out.append(ReportView(filing, r["outcome"], stored_date(r["outcome_date"]), stored_date(r["supplement_due"]), paid, due, findings))
    return out


def _one_view(store: Store, settings: Settings, grant_id: str, year: int | None) -> ReportView:
    views = report_views(store, settings, grant_id)
    if year is not None:
        views = [v for v in views if v.filing.year == year]
    if not views:
        what = f" vuodelta {year}" if year is not None else ""
        raise NotFoundError(
            f"avustuksen {grant_id} käyttöselvitystä{what} ei ole tuotu: tuo se komennolla avustus import --reports TIEDOSTO."
        )
    if len(views) > 1:
        raise ValidationError(
            f"avustuksella {grant_id} on käyttöselvitys useammalta vuodelta ({', '.join(str(v.filing.year) for v in views)}): "
            "valitse vuosi valinnalla --year."
        )
    return views[0]


def _letter_grant(settings: Settings, d: Decision, plan: list[Any]) -> dict[str, Any]:
    years = sorted({p.year for p in plan if p.year is not None})
    return grant_facts(d, years, settings.body)


@dataclass
class ReportLetter:
    grant_id: str
    year: int
    outcome: str
    letters: list[Path]
    due: dt.date | None = None
    findings: list[ReportFinding] = field(default_factory=list)


def _handled_view(store: Store, settings: Settings, grant_id: str, year: int | None, outcome: str) -> ReportView:
    """The filed report to accept or to ask a supplement to; refuses one already accepted, accepting one that
    lacks something and asking a supplement to a complete one."""
    view = _one_view(store, settings, grant_id, year)
    y = view.filing.year
    if view.outcome == "accepted":
        raise ValidationError(
            f"avustuksen {grant_id} käyttöselvitys vuodelta {y} on jo hyväksytty {fmt.date(view.outcome_date)}; mitään ei muutettu."
        )
    if outcome == "accepted" and view.missing:
        raise ValidationError(
            f"avustuksen {grant_id} käyttöselvityksestä vuodelta {y} puuttuu tietoja, joten sitä ei voi hyväksyä: "
            + " ".join(f.text for f in view.missing) + " Pyydä täydennys: avustus report " + grant_id + " --supplement."
        )
    if outcome == "supplement" and not view.missing:
        raise ValidationError(
            f"avustuksen {grant_id} käyttöselvityksestä vuodelta {y} ei puutu mitään, mitä täydennyspyyntö voisi pyytää; "
            "hyväksy se: avustus report " + grant_id + " --accept."
        )
    return view


def _report_letter(
    settings: Settings, view: ReportView, outcome: str, base: dict[str, Any], form: str | None, letter_date: dt.date,
    due: dt.date | None,
) -> tuple[str, str, dict[str, Any], dt.date | None]:
    """(template, file-name prefix, content, the supplement's due day) of the acceptance letter or the
    supplement request; the due day by default the round's supplement days from the letter."""
    f, y = view.filing, view.filing.year
    if outcome == "accepted":
        ctx = {**base, "report": {"year": y, "received": f.received, "used": f.used, "unused": f.unused or None},
               "paid": view.paid, "attachments": [ATTACHMENT_LABELS[a] for a in f.attachments],
               "metrics": f.metrics if form == "partnership" else ""}
        return "kayttoselvitys_hyvaksynta", "kayttoselvitys_hyvaksytty", ctx, None
    due = due or deadlines.count_days(letter_date, settings.supplement_days)
    if due <= letter_date:
        raise ValidationError("täydennyksen määräpäivän on oltava kirjeen päiväyksen jälkeen.")
    ctx = {**base, "report": {"year": y, "received": f.received}, "items": [m.text for m in view.missing],
           "due": due, "reply_to": settings.office.email}
    return "kayttoselvitys_taydennys", "kayttoselvitys_taydennys", ctx, due


def _record_report_outcome(
    store: Store, settings: Settings, view: ReportView, outcome: str, row: dict[str, Any], app: Any,
    letter_date: dt.date, due: dt.date | None, channel: str, files: list[Path], folder: Path,
) -> None:
    """Inside handle_report's transaction: the report read again under the lock, its outcome, the grant's
    report status, the letter and the audit entry recorded."""
    grant_id, f = row["id"], view.filing
    again = _one_view(store, settings, grant_id, f.year)
    if again.outcome == "accepted":
        raise ValidationError(f"avustuksen {grant_id} käyttöselvitys hyväksyttiin toisesta komennosta; mitään ei muutettu.")
    report_store.set_outcome(store, grant_id, f.year, outcome, letter_date, due)
    store.set_report(grant_id, f.received, "approved" if outcome == "accepted" else "incomplete")
    letter_store.record_letter(
        store, kind="report_acceptance" if outcome == "accepted" else "report_supplement", files=files, folder=folder,
        recipient=row["applicant"], channel=channel, sent=letter_date, application_id=row.get("application_id"),
        grant_id=grant_id, email=app.email if app is not None else None, detail={"year": f.year, "due": due})
    store.audit("report", grant_id, "accept" if outcome == "accepted" else "supplement",
                {"year": f.year, "date": letter_date.isoformat(), "due": due.isoformat() if due else None,
                 "findings": [x.code for x in view.findings]})


def handle_report(
    store: Store,
    settings: Settings,
    grant_id: str,
    outcome: str,
    *,
    year: int | None = None,
    letter_date: dt.date,
    letters_dir: Path,
    channel: str = "letter",
    due: dt.date | None = None,
    formats: Sequence[str] = ("html", "docx"),
    pdf: bool = False,
) -> ReportLetter:
    """Accept a filed usage report (``outcome="accepted"``: the acceptance letter) or ask for a supplement
    (``"supplement"``: the request letter listing what is missing, answer by ``due``, by default the
    round's supplement days from the letter). The letter is written to a staging folder, the outcome is
    recorded, then the letter is moved into ``letters_dir``; a refusal writes and records nothing.

    Refused: accepting a report that lacks something (ask for a supplement first), asking for a supplement
    of a complete report, and handling a report already accepted."""
    from avustus_cli.adapters.files import StagedFolder
    from avustus_cli.adapters.render import write_document

    if outcome not in ("accepted", "supplement"):
        raise ValidationError(f"tuntematon käsittely {outcome!r}.")
    if pdf:
        require_soffice()  # or one line on how to install LibreOffice, before anything is written
    view = _handled_view(store, settings, grant_id, year, outcome)
    y = view.filing.year
    row = sql.grant_row(store, grant_id) or {}
    decided = sql.decision(store, grant_id)
    if decided is None:  # report_views above refused an unknown grant
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    app, plan = _plan_of(store, settings, row)
    apps = store.applications([row["application_id"]], with_personal=True) if row.get("application_id") else []
    app_p = apps[0] if apps else None
    base = {
        "letter_date": letter_date,
        "applicant": addressee(app_p, row["applicant"], row.get("business_id")),
        "grant": _letter_grant(settings, decided, plan),
    }
    name, prefix, ctx, due = _report_letter(settings, view, outcome, base, row.get("form"), letter_date, due)
    stem = filenames.stem(f"{prefix}_{y}", grant_id)
    with StagedFolder(Path(letters_dir)) as stage:
        written = write_document(stage.path, stem, name, ctx, settings, formats, in_stage=True)
        if pdf:
            pdf_copies(written)
        stem = stage.settle(stem)
        files = [stage.path / f"{stem}.{x}" for x in (*formats, *(("pdf",) if pdf else ()))]
        with store.transaction():
            _record_report_outcome(store, settings, view, outcome, row, app_p, letter_date, due, channel, files,
                                   stage.target)
        paths = [p for p in stage.publish() if p.stem == stem]
    return ReportLetter(grant_id, y, outcome, paths, due, view.findings)

"""Decisions and their follow-up as a service: record what was decided, write
the decision letters, amend a decision, list payments and record them,
record usage reports, find overdue reports and send reminders.

The pure arithmetic (due dates, the reminder ladder, payment holds) is in
``followup``; the SQL in ``store.grants``; the documents in ``render``.
Every command that changes decided data takes a backup first
(``backup.backup_before``) and then writes in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from avustus_cli.domain import deadlines
from avustus_cli.domain import filenames

from avustus_cli.adapters import fmt

from avustus_cli.domain import values
from avustus_cli.adapters.store.backup import backup_before
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import AvustusError, NotFoundError, ValidationError
from avustus_cli.adapters.excel import neutralise
from avustus_cli.domain.followup import Hold, Overdue, hold_reasons, overdue_grants, remaining, unique_references
from avustus_cli.adapters.proposal_sheet import read_sheet, validate_edits
from avustus_cli.adapters.store import proposals as proposal_store
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.domain.decision import (
    Decision,
    condition_lines,
    parse_reasons,
    plan_decisions,
    reason_lines,
    reason_texts,
)
from avustus_cli.domain.proposal import ProposalEdit, budget_of, line_from_record
from avustus_cli.domain.standing import sentence
from avustus_cli.domain.models import GRANT_FORM_LABELS, Application, Grant, GrantForm, ReportStatus
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as sql

CHANNELS = ("letter", "email")
CHANNEL_LABELS = {"letter": "kirje", "email": "sähköposti"}
DEFAULT_LETTERS = Path("paatokset")
MAILING_FILE = "postitus.csv"
REMINDER_MAILING = "postitus_muistutukset_{date}.csv"  # not postitus.csv: --letters may be the decisions' folder

LETTERS_AFTER_COMMIT = (
    "Päätökset on kirjattu tietokantaan; korjaa mallipohja ja aja sama komento uudelleen, jolloin kirjeet "
    "kirjoitetaan (kirjaukset eivät muutu)."
)
AMEND_LETTER_AFTER_COMMIT = (
    "Muutos on kirjattu tietokantaan; korjaa mallipohja ja aja sama komento uudelleen, jolloin kirje "
    "kirjoitetaan (kirjaukset eivät muutu)."
)

# --- small helpers -------------------------------------------------------------


def _fdate(d: dt.date | None) -> str:
    return fmt.date(d)


def few_ids(ids: list[str], shown: int = 5) -> str:
    """Ids for a message: the first few and how many more (not 61 ids in one line)."""
    return ", ".join(ids[:shown]) + (f" ja {len(ids) - shown} muuta" if len(ids) > shown else "")


def normalise_section(section: str) -> str:
    """``"§ 12"``, ``"§12"``, ``"12"`` -> ``"12"`` (templates print the § sign)."""
    s = re.sub(r"^\s*§\s*", "", section or "").strip()
    if not s:
        raise ValidationError('pykälän numero puuttuu: anna esimerkiksi --section "§ 12".')
    return s


def posting_date(decision_date: dt.date) -> dt.date:
    """The default posting day of the letters: the first working day after the decision."""
    return deadlines.next_working_day(decision_date + dt.timedelta(days=1))


def review_dates(sent: dt.date, channel: str) -> dict[str, Any]:
    if channel not in CHANNELS:
        raise ValidationError(f"tuntematon tiedoksiantotapa {channel!r}: käytä letter (kirje) tai email (sähköposti).")
    return {
        "channel": channel,
        "sent": sent,
        "served": deadlines.served_on(sent, channel),
        "last_day": deadlines.review_last_day(sent, channel),
    }


def _stem(prefix: str, ident: str) -> str:
    return filenames.stem(prefix, ident)  # one file per id by construction (K/1, K_1, K:1 differ)


def _write_private_text(path: Path, text: str, encoding: str) -> None:
    """Write ``text`` atomically with owner-only permissions (it holds personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_mailing(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    """The mail-merge list: UTF-8 with BOM, ``;`` separated (Finnish Excel),
    every cell neutralised against formulas. Owner-only: it holds e-mails."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["Hakemusnumero", "Hakija", "Sähköposti", "Tiedosto", "HTML-tiedosto", "Lähetystapa"])
    for r in rows:
        w.writerow(
            [neutralise(str(r.get(k) or "")) for k in ("application", "name", "email", "file", "html", "channel")]
        )
    _write_private_text(path, buf.getvalue(), "utf-8-sig")
    return path


# --- reading an edited proposal sheet --------------------------------------------


def read_decision_sheet(path: Path, settings: Settings) -> list[ProposalEdit]:
    """The board's changes from an edited proposal workbook (esitys.xlsx, sheet
    "Esitys", read by ``propose.read_sheet``: refuses empty, non-numeric and
    negative amounts). Checked against the round by ``propose.validate_edits``
    in :func:`decide`."""
    return read_sheet(Path(path), settings, Path(path).name)


# --- decide ------------------------------------------------------------------


@dataclass
class DecideResult:
    decision_date: dt.date
    section: str
    maker: str
    review: dict[str, Any]
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_amended: list[str] = field(default_factory=list)
    routed: list[tuple[str, str]] = field(default_factory=list)  # (application, decider)
    pending: list[str] = field(default_factory=list)  # assessment not finished: not decided, no letter
    letters: list[Path] = field(default_factory=list)
    mailing: Path | None = None
    backup: Path | None = None
    totals: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "decision_date": self.decision_date.isoformat(),
            "section": self.section,
            "maker": self.maker,
            "channel": self.review["channel"],
            "sent": self.review["sent"].isoformat(),
            "review_last_day": self.review["last_day"].isoformat(),
            "new": self.new,
            "unchanged": self.unchanged,
            "kept_amended": self.kept_amended,
            "routed": [{"application": a, "decider": d} for a, d in self.routed],
            "pending": list(self.pending),
            "letters": [str(p) for p in self.letters],
            "mailing": str(self.mailing) if self.mailing else None,
            "totals": self.totals,
        }


@dataclass
class _DecidePlan:
    """What a decide run would write, worked out from one reading of the database."""

    apps: dict[str, Application]
    planned: list[Decision]  # decisions to record
    letter_rows: list[Decision]  # decisions to write letters for
    new_dispatch: list[str]  # grants whose delivery is not recorded yet
    known: dict[str, dict[str, Any]]  # the recorded deliveries

    @property
    def writes(self) -> bool:
        return bool(self.planned or self.new_dispatch)


def _plan(
    store: Store,
    settings: Settings,
    result: DecideResult,
    edits: Sequence[ProposalEdit] | None,
    from_file: Path | None,
    dispatch: dict[str, Any],
    budget_total: Decimal | None = None,
) -> _DecidePlan:
    """Read the proposals, the edited sheet's rows, existing grants and
    deliveries and work out what to record. Refuses (nothing written) a sheet
    that breaks the proposal's rules, a conflicting earlier decision, and
    refusals or reductions without reasons (all of them named at once)."""
    props = proposal_store.proposal_records(store)
    sheet = {e.app_id: e for e in edits or ()}
    ids = sorted(set(props) | set(sheet))
    if not ids:
        raise ValidationError("esitystä ei ole tallennettu: laadi se ensin komennolla avustus propose.")
    apps = {a.id: a for a in store.applications(ids, with_personal=True)}
    unknown = [i for i in ids if i not in apps]
    if unknown:
        where = f" (tiedosto {from_file.name})" if from_file is not None else ""
        raise NotFoundError(f"hakemusta {', '.join(unknown)} ei ole tietokannassa{where}.")
    standings = {r.app.id: r for r in standing_store.current_standings(store)}
    if edits:
        # the board's sheet obeys the proposal's rules (money only for a fundable
        # application, a reason above the request, the budget lines and caps)
        rows = {i: line_from_record(standings[i], props.get(i, {})) for i in ids}
        validate_edits(rows, edits, budget_of(settings, budget_total), from_file.name if from_file is not None else "",
                       require_all=False, require_reduction_reasons=False)
    plan = plan_decisions(ids, apps, standings, props, sheet, settings, decision_date=result.decision_date,
                          section=result.section, maker=result.maker)
    result.pending += plan.pending
    result.routed += plan.routed
    if plan.missing_reasons:
        missing = plan.missing_reasons
        where = " sarakkeeseen Perustelu" if from_file is None else f" tiedoston {from_file.name} sarakkeeseen Perustelu"
        raise ValidationError(
            f"perustelu puuttuu {len(missing)} hylkäykseltä tai haettua pienemmältä avustukselta (hallintolaki 45 §): "
            f"{', '.join(missing)}. Mitään ei kirjattu eikä kirjeitä kirjoitettu. Lisää perustelut esitys.xlsx:n"
            f"{where} ja aja komento uudelleen --from-valinnalla."
        )
    planned, letter_rows = _against_recorded(store, plan.decisions, result)
    known = sql.dispatches(store)
    as_iso = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dispatch.items()}
    new_dispatch = [d.id for d in letter_rows if known.get(d.id) != as_iso]
    return _DecidePlan(apps, planned, letter_rows, new_dispatch, known)


def _against_recorded(store: Store, decisions: Sequence[Decision], result: DecideResult) -> tuple[list[Decision], list[Decision]]:
    """The decisions to record and those to write letters for, against what is
    recorded already; refuses a decision that differs from a recorded one."""
    existing = sql.decisions_by_id(store)
    amended = sql.amended_ids(store)
    planned: list[Decision] = []
    letter_rows: list[Decision] = []
    conflicts: list[str] = []
    conflict_olds: dict[str, tuple[Decision, Decision]] = {}
    for d in decisions:
        old = existing.get(d.id)
        if old is None:
            planned.append(d)
            result.new.append(d.id)
            letter_rows.append(d)
        elif old.source != "decision":
            conflicts.append(f"{d.id} (aiempi avustus samalla tunnuksella)")
        elif old.same_as(d):
            result.unchanged.append(d.id)
            letter_rows.append(old)
        elif d.id in amended:
            result.kept_amended.append(d.id)
            letter_rows.append(old)
        else:
            conflicts.append(d.id)
            conflict_olds[d.id] = (old, d)
    if conflicts:
        _refuse_conflicts(conflicts, conflict_olds)
    return planned, letter_rows


def _refuse_conflicts(conflicts: list[str], olds: Mapping[str, tuple[Decision, Decision]]) -> None:
    if all(o.amount == n.amount and (o.decision_date, o.section) != (n.decision_date, n.section) for o, n in olds.values()):
        o = next(iter(olds.values()))[0]
        when = f"{fmt.date(o.decision_date)} § {o.section}" if o.decision_date else "aiemmin"
        raise ValidationError(
            f"hakemuksista {few_ids(conflicts)} on jo kirjattu toisenlainen päätös: sama päätös on kirjattu {when}, "
            "ja päätös kirjataan vain kerran. Tarkista --date ja --section. Päätettyä avustusta muutetaan komennolla "
            'avustus amend TUNNUS --amount EUR --reason "..."; mitään ei tallennettu.'
        )
    raise ValidationError(
        f"hakemuksista {few_ids(conflicts)} on jo kirjattu toisenlainen päätös. Päätettyä avustusta muutetaan "
        'komennolla avustus amend TUNNUS --amount EUR --reason "..."; mitään ei tallennettu.'
    )


def decide(
    store: Store,
    settings: Settings,
    *,
    decision_date: dt.date,
    section: str,
    maker: str | None = None,
    from_file: Path | None = None,
    channel: str = "letter",
    sent: dt.date | None = None,
    letters_dir: Path = DEFAULT_LETTERS,
    formats: Sequence[str] = ("html", "docx"),
    budget_total: Decimal | None = None,
) -> DecideResult:
    """Record the decision on every stored proposal (or the edited sheet's rows) and write the letters.

    All or nothing: a sheet that breaks the proposal's rules, a conflicting
    earlier decision or a refusal / reduction without reasons refuses the
    whole run before the backup; nothing is recorded and no letter written.
    The checks are made again on what is read inside the transaction."""
    section = normalise_section(section)
    maker = (maker or settings.body).strip()
    sent = sent or posting_date(decision_date)
    if sent < decision_date:
        raise ValidationError(f"lähetyspäivä {_fdate(sent)} on ennen päätöspäivää {_fdate(decision_date)}.")
    review = review_dates(sent, channel)
    dispatch = {k: review[k] for k in ("channel", "sent", "served", "last_day")}
    edits = read_decision_sheet(from_file, settings) if from_file is not None else None

    # refusals first, before the backup: the same checks run again under the lock
    plan = _plan(store, settings, DecideResult(decision_date, section, maker, review), edits, from_file, dispatch,
                 budget_total)
    filenames.unique_stems("paatos", [d.id for d in plan.letter_rows])  # one letter per applicant, or nothing
    backup = backup_before(store, "decide") if plan.writes else None
    with store.transaction():
        result = DecideResult(decision_date, section, maker, review, backup=backup)
        plan = _plan(store, settings, result, edits, from_file, dispatch, budget_total)
        if plan.writes and backup is None:
            raise ValidationError(
                "tietokantaa muutettiin toisesta komennosta tämän ajon aikana; mitään ei kirjattu. Aja komento uudelleen."
            )
        for d in plan.planned:
            sql.record_decision(store, d)
        for gid in plan.new_dispatch:
            sql.record_dispatch(store, gid, dispatch, plan.known)

    # the letters (after the commit: a rerun writes them again, nothing else changes)
    try:
        result.letters, mailing = write_decision_letters(
            store, settings, plan.letter_rows, plan.apps, dispatch, letters_dir, formats
        )
        if mailing:
            result.mailing = write_mailing(Path(letters_dir) / MAILING_FILE, mailing)
    except AvustusError as e:
        raise AvustusError(f"{e.message} {LETTERS_AFTER_COMMIT}") from e
    decided = plan.letter_rows
    result.totals = {
        "granted_count": sum(1 for d in decided if d.amount > 0),
        "granted_sum": str(sum((d.amount for d in decided), Decimal(0)).quantize(Decimal("0.01")) or Decimal(0)),
        "refused_count": sum(1 for d in decided if d.amount <= 0),
    }
    return result


def _addressee(app: Application | None, name: str, business_id: str | None) -> dict[str, Any]:
    address: list[str] = []
    if app is not None and app.address:
        address = [line.strip() for line in app.address.replace(",", "\n").splitlines() if line.strip()]
    elif app is not None:
        extra = {str(k).casefold(): v for k, v in (app.extra or {}).items()}
        for key in ("postiosoite", "lähiosoite", "katuosoite", "osoite"):
            if extra.get(key):
                address.append(str(extra[key]))
                break
        for key in ("postinumero ja -toimipaikka", "postitoimipaikka"):
            if extra.get(key):
                address.append(str(extra[key]))
                break
        if not address and app.home_municipality:
            address.append(app.home_municipality)
    return {"name": name, "business_id": business_id, "address": address}


def _period(app: Application | None, year: int) -> tuple[dt.date, dt.date]:
    if app is not None:
        if app.form is GrantForm.PROJECT and app.project_start and app.project_end:
            return app.project_start, app.project_end
        if app.form is GrantForm.PARTNERSHIP and app.agreement_start and app.agreement_end:
            return app.agreement_start, app.agreement_end
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _payment_held_text(
    settings: Settings, row: Decision, app: Application | None, grants: Sequence[Grant], accepted: set
) -> str:
    """Why the payment is held from the start (an earlier report missing, P02), or ""."""
    grant = next((g for g in grants if g.id == row.id), None)
    if grant is None:
        return ""
    holds = hold_reasons(
        grant, grants, {}, row.decision_date or dt.date.today(), None, app, (row.application_id, "P02") in accepted,
        settings.report_months,
    )
    texts = [h.text for h in holds if h.code in ("report", "funding")]
    return sentence("; ".join(texts)) if texts else ""


def _received(app: Application | None) -> dt.date | dt.datetime | None:
    """A received time of exactly midnight came from a date without a time: print the date only."""
    r = app.received if app is not None else None
    if isinstance(r, dt.datetime) and (r.hour, r.minute, r.second) == (0, 0, 0):
        return r.date()
    return r


def letter_context(
    store: Store,
    settings: Settings,
    row: Decision,
    app: Application | None,
    dispatch: dict[str, Any],
    grants: Sequence[Grant] | None = None,
    accepted: set | None = None,
) -> dict[str, Any]:
    """The ``paatoskirje`` context (docs/templates.md) of a stored decision."""
    grants = store.grants() if grants is None else grants
    accepted = sql.accepted_codes(store) if accepted is None else accepted
    amount, requested, outcome = row.amount, row.requested, row.outcome
    year = row.year or settings.year
    start, end = _period(app, year)
    form = GrantForm(row.form) if row.form else None
    return {
        "letter_date": dispatch["sent"],
        "decision_date": row.decision_date,
        "section": row.section or "",
        "body": row.decision_maker or settings.body,
        "year": year,
        "applicant": _addressee(app, row.applicant, row.business_id),
        "application": {
            "id": row.application_id or row.id,
            "received": _received(app),
            "requested": requested,
            "activity_name": app.activity_name if app is not None else "",
            "form": GRANT_FORM_LABELS[form] if form else "Avustus",
        },
        "outcome": outcome,
        "granted": amount,
        "period_start": start,
        "period_end": end,
        "conditions": condition_lines(row.conditions),
        "reasons": parse_reasons(row.reason),
        "report_due": deadlines.report_due(year, settings.report_months),
        # a partnership agreement's sum is per year of the agreement; a period over several years reports yearly
        "per_year": form is GrantForm.PARTNERSHIP,
        "annual_reports": end is not None and end.year > year,
        "report_documents": list(_report_documents()),
        "payment_held": _payment_held_text(settings, row, app, grants, accepted) if outcome != "refused" else "",
        "review": {"authority": settings.body, **dispatch},
    }


def _report_documents() -> tuple[str, ...]:
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    return REPORT_DOCUMENTS


def write_decision_letters(
    store: Store,
    settings: Settings,
    rows: Sequence[Decision],
    apps: dict[str, Application],
    dispatch: dict[str, Any],
    letters_dir: Path,
    formats: Sequence[str] = ("html", "docx"),
) -> tuple[list[Path], list[dict[str, str]]]:
    from avustus_cli.adapters.render import write_document

    written: list[Path] = []
    mailing: list[dict[str, str]] = []
    grants = store.grants()
    accepted = sql.accepted_codes(store)
    stems = filenames.unique_stems("paatos", [row.id for row in rows])
    for row in rows:
        app = apps.get(row.application_id or "")
        ctx = letter_context(store, settings, row, app, dispatch, grants, accepted)
        stem = stems[row.id]
        paths = write_document(Path(letters_dir), stem, "paatoskirje", ctx, settings, formats)
        written.extend(paths)
        mailing.append(
            {
                "application": row.id,
                "name": row.applicant,
                "email": (app.email if app is not None else "") or "",
                "file": f"{stem}.docx" if "docx" in formats else "",
                "html": f"{stem}.html" if "html" in formats else "",
                "channel": CHANNEL_LABELS[dispatch["channel"]],
            }
        )
    return written, mailing


# --- amend -------------------------------------------------------------------


@dataclass
class AmendResult:
    grant_id: str
    old_amount: Decimal
    new_amount: Decimal
    backup: Path | None
    letters: list[Path] = field(default_factory=list)


def _amend_check(store: Store, grant_id: str, amount: Decimal | None) -> tuple[Decision, Decimal, Decimal]:
    """The grant's decision, its old and new amount; refuses an unknown grant, an
    imported one, a negative amount, one below what is paid or above the request."""
    row = sql.decision(store, grant_id)
    if row is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    if row.source != "decision":
        raise ValidationError(f"avustus {grant_id} on aiemman vuoden avustus (tuotu rekisteristä), ei tämän kierroksen päätös.")
    old = row.amount
    new = old if amount is None else amount
    if new < 0:
        raise ValidationError("summa ei voi olla negatiivinen.")
    paid = sql.paid_total(store, grant_id)
    if new < paid:
        raise ValidationError(
            f"avustuksesta {grant_id} on jo maksettu {fmt.money2(paid)}; summaa ei voi laskea sen alle. "
            "Liikaa maksetun osuuden takaisinperintä on erillinen päätös."
        )
    requested = row.requested
    if requested is not None and new > requested:
        raise ValidationError(f"summa {fmt.money(new)} on suurempi kuin haettu {fmt.money(requested)}.")
    return row, old, new


def amend(
    store: Store,
    settings: Settings,
    grant_id: str,
    *,
    amount: Decimal | None,
    reason: str,
    letters_dir: Path | None = None,
    channel: str = "letter",
    sent: dt.date | None = None,
    today: dt.date | None = None,
) -> AmendResult:
    """Change a decided grant's amount (and its reasons). Audited; backup first.
    With ``letters_dir`` a new decision letter is written and its delivery recorded.

    The checks (paid so far, the request) run before the backup and again on
    what is read inside the transaction. Running the same amend again records
    nothing new (only the letter is written again)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError('perustelu puuttuu: anna --reason "..." (se tulee päätöskirjeeseen ja lokiin).')
    new_reason = reason_lines(reason_texts(reason))
    dispatch = None
    if letters_dir is not None:
        dispatch = {k: v for k, v in review_dates(sent or posting_date(today or dt.date.today()), channel).items()}
    detail = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (dispatch or {}).items()}

    def changes(row: Decision, old: Decimal, new: Decimal) -> tuple[bool, bool]:
        changed = new != old or new_reason != row.reason
        send = dispatch is not None and sql.dispatches(store).get(grant_id) != detail
        return changed, send

    row, old, new = _amend_check(store, grant_id, amount)
    result = AmendResult(grant_id, old, new, None)
    if any(changes(row, old, new)):
        result.backup = backup_before(store, "amend")
    with store.transaction():
        row, old, new = _amend_check(store, grant_id, amount)  # again, on what is read under the lock
        changed, send = changes(row, old, new)
        result.old_amount, result.new_amount = old, new
        if (changed or send) and result.backup is None:
            raise ValidationError(
                f"avustusta {grant_id} muutettiin toisesta komennosta tämän ajon aikana; mitään ei kirjattu. "
                "Aja komento uudelleen."
            )
        if changed:
            sql.set_amount(store, grant_id, new, new_reason)
            store.audit(
                "grant", grant_id, "amend",
                {"old_amount": str(old), "new_amount": str(new), "old_reason": row.reason, "reason": reason},
            )
        if send and dispatch is not None:
            sql.record_dispatch(store, grant_id, dispatch)
    if letters_dir is not None and dispatch is not None:
        try:
            row = sql.decision(store, grant_id)
            apps = {a.id: a for a in store.applications([row.application_id], with_personal=True)} if row.application_id else {}
            paths, mailing = write_decision_letters(store, settings, [row], apps, dispatch, letters_dir)
            result.letters = paths
            write_mailing(Path(letters_dir) / f"postitus_{_stem('oikaisu', grant_id)}.csv", mailing)
        except AvustusError as e:
            raise AvustusError(f"{e.message} {AMEND_LETTER_AFTER_COMMIT}") from e
    return result


# --- payments ------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentLine:
    grant: Grant
    application: Application | None
    holds: tuple[Hold, ...]
    review_last_day: dt.date | None
    reference: str
    to_pay: Decimal

    @property
    def status(self) -> str:
        if self.to_pay <= 0:
            return "paid"
        return "held" if self.holds else "payable"

    @property
    def iban(self) -> str | None:
        return self.application.iban if self.application is not None else None

    def as_json(self, with_personal: bool = False) -> dict[str, Any]:
        g = self.grant
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
        }
        if with_personal:
            data["iban"] = self.iban
        return data


def payment_lines(store: Store, settings: Settings, as_of: dt.date, grant_id: str | None = None) -> list[PaymentLine]:
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
        holds = hold_reasons(
            g, grants, first, as_of, last_day, app, (g.application_id, "P02") in accepted,
            settings.report_months, settings.hold_after_days,
        )
        if app is None or not app.iban:
            holds.append(Hold("account", "tilinumero puuttuu hakemukselta"))
        out.append(PaymentLine(g, app, tuple(holds), last_day, refs.get(g.id, ""), remaining(g)))
    out.sort(key=lambda p: (p.grant.applicant.casefold(), p.grant.id))
    return out


def write_payment_list(path: Path, lines: Sequence[PaymentLine], as_of: dt.date) -> Path:
    """The finance office's list of payable grants (holds the IBAN: owner-only file)."""
    from avustus_cli.adapters.excel import Sheet, write_workbook

    payable = [p for p in lines if p.status == "payable"]
    rows = [
        [p.grant.applicant, p.grant.business_id or "", p.iban or "", p.to_pay, p.reference, p.grant.id,
         f"{p.grant.decision_maker or ''} {_fdate(p.grant.decision_date)} § {p.grant.section or ''}".strip()]
        for p in payable
    ]
    total = sum((p.to_pay for p in payable), Decimal(0))
    sheet = Sheet(
        name="Maksatus",
        headers=["Saaja", "Y-tunnus", "Tilinumero (IBAN)", "Summa €", "Viitenumero", "Avustus", "Päätös"],
        rows=rows,
        money2_columns=(3,),  # to the cent: the finance office pays these sums
        widths={0: 40, 2: 24, 4: 16, 6: 30},
        footer=[[f"Yhteensä ({len(payable)} kpl, tilanne {_fdate(as_of)})", "", "", total, "", "", ""]],
    )
    path = Path(path)
    write_workbook(path, [sheet])
    os.chmod(path, 0o600)
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


# --- usage reports -------------------------------------------------------------

def record_report(store: Store, grant_id: str, received: dt.date, status: str = "käsittelyssä") -> ReportStatus:
    """Record a usage report; ``status`` is read as the import reads it (``values.report_status``)."""
    try:
        st = values.report_status(status)
    except values.ValueProblem:
        st = None
    if st is None:
        raise ValidationError(f"tuntematon tila {status!r}: käytä hyväksytty, täydennettävä tai käsittelyssä.")
    if sql.grant_row(store, grant_id) is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    old = sql.report_row(store, grant_id)
    if old and old["received"] == received.isoformat() and old["status"] == st.value:
        return st
    with store.transaction():
        store.set_report(grant_id, received, st.value)
        store.audit(
            "report", grant_id, "record",
            {"received": received.isoformat(), "status": st.value, "before": old},
        )
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
    from avustus_cli.adapters.render import write_document

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
    mailing = []
    filenames.unique_stems("muistutus", [item.overdue.grant.id for item, _level in todo])  # one file per grant
    for item, level in todo:
        g = item.overdue.grant
        row = rows.get(g.id, {})
        app = apps.get(g.application_id or "")
        form = GRANT_FORM_LABELS.get(g.form) if g.form else None
        ctx = {
            "letter_date": letter_date,
            "level": level,
            "applicant": _addressee(app, g.applicant, g.business_id),
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
            "report_documents": list(_report_documents()),
            "diary_number": settings.diary_number if row.get("source") == "decision" else "",
        }
        stem = _stem(f"muistutus{level}", g.id)
        paths = write_document(Path(letters_dir), stem, "muistutus", ctx, settings, formats)
        done.append((g.id, level, paths))
        mailing.append(
            {"application": g.application_id or g.id, "name": g.applicant, "email": (app.email if app else "") or "",
             "file": f"{stem}.docx" if "docx" in formats else "", "html": f"{stem}.html" if "html" in formats else "",
             "channel": CHANNEL_LABELS["email"] if app and app.email else CHANNEL_LABELS["letter"]}
        )
    if done:
        with store.transaction():
            for gid, level, _paths in done:
                sql.add_reminder(store, gid, level, letter_date)
                store.audit("reminder", gid, "send", {"level": level, "date": letter_date.isoformat()})
        write_mailing(Path(letters_dir) / REMINDER_MAILING.format(date=letter_date.isoformat()), mailing)
    return done

"""Decisions as a service: record what was decided, write the decision
letters, amend a decision.

What a decide run records is the domain's (``domain.decision.plan_decisions``);
the SQL is ``adapters.store.grants``; the documents ``render``. Payments are
``services.paying``, usage reports and reminders ``services.followup``.
Every command that changes decided data takes a backup first
(``backup.backup_before``) and then writes in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.files import StagedFolder, content_sha256, recorded_content_sha256
from avustus_cli.adapters.mailing import write_mailing
from avustus_cli.adapters.proposal_sheet import read_sheet, validate_edits
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as sql
from avustus_cli.adapters.store import proposals as proposal_store
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.adapters.store.backup import backup_before
from avustus_cli.domain import deadlines, director, filenames, fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.decision import (
    Decision,
    checked_new_amount,
    condition_lines,
    parse_reasons,
    plan_decisions,
    reason_lines,
    reason_texts,
)
from avustus_cli.domain.errors import AvustusError, NotFoundError, ValidationError
from avustus_cli.domain.followup import hold_reasons
from avustus_cli.domain.letter import (
    CHANNELS,
    TERMS_ENCLOSURE,
    TERMS_LABEL,
    Letter,
    addressee,
    enclosure,
    letter_files,
    terms_files,
)
from avustus_cli.domain.models import GRANT_FORM_LABELS, Application, Grant, GrantForm
from avustus_cli.domain.proposal import ProposalEdit, budget_of, line_from_record, multi_year
from avustus_cli.domain.standing import sentence

DEFAULT_LETTERS = Path("paatokset")
MAILING_FILE = "postitus.csv"

NOTHING_WRITTEN = "Mitään ei kirjattu eikä yhtään kirjettä kirjoitettu."

# --- small helpers -------------------------------------------------------------


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
    by_post: list[str] = field(default_factory=list)  # e-mail asked, but no address: sent by post
    letters: list[Path] = field(default_factory=list)
    kept_letters: list[Path] = field(default_factory=list)  # letters of record already there, differing: not replaced
    restored_letters: list[Path] = field(default_factory=list)  # empty files (a power cut) written again as recorded
    mailing: Path | None = None
    backup: Path | None = None
    totals: dict[str, Any] = field(default_factory=dict)
    decision_document: list[Path] = field(default_factory=list)  # the strategy director's decision, dated

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
            "by_post": list(self.by_post),
            "letters": [str(p) for p in self.letters],
            "kept_letters": [str(p) for p in self.kept_letters],
            "mailing": str(self.mailing) if self.mailing else None,
            "decision_document": [str(p) for p in self.decision_document],
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
    _refuse_stale(proposal_store.stale_ids(store))
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

    def recorded(d: Decision) -> bool:
        own = letter_channel(dispatch, apps.get(d.application_id or ""))
        k = known.get(d.id) or {}
        return (k.get("channel"), k.get("sent")) == (own["channel"], own["sent"].isoformat())

    new_dispatch = [d.id for d in letter_rows if not recorded(d)]
    return _DecidePlan(apps, planned, letter_rows, new_dispatch, known)


def _refuse_stale(stale: list[str]) -> None:
    """Refuses a decision on proposals made before a re-import changed their applications (named)."""
    if not stale:
        return
    raise ValidationError(
        f"hakemus {few_ids(stale)} on muuttunut esityksen laatimisen jälkeen (uusi tuonti), joten esitys ei enää "
        f"vastaa hakemusta. Aja avustus propose uudelleen ja tarkista esitys ennen päätöstä. {NOTHING_WRITTEN}"
        if len(stale) == 1 else
        f"{len(stale)} hakemusta on muuttunut esityksen laatimisen jälkeen (uusi tuonti), joten esitys ei enää "
        f"vastaa niitä: {few_ids(stale)}. Aja avustus propose uudelleen ja tarkista esitys ennen päätöstä. "
        f"{NOTHING_WRITTEN}"
    )


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
    minutes_published: dt.date | None = None,
    pdf: bool = False,
) -> DecideResult:
    """Record the decision on every stored proposal (or the edited sheet's rows) and write the letters.
    ``minutes_published``: the day the meeting's minutes went online (the members' review period).

    All or nothing: a sheet that breaks the proposal's rules, a conflicting
    earlier decision or a refusal / reduction without reasons refuses the
    whole run before the backup; nothing is recorded and no letter written.
    The checks are made again on what is read inside the transaction."""
    section = normalise_section(section)
    maker = (maker or settings.body).strip()
    review = _decide_dates(decision_date, sent, channel, minutes_published, pdf)
    dispatch = {k: review[k] for k in ("channel", "sent", "served", "last_day")}
    if from_file is None:
        _refuse_unread_sheet(store, decision_date, section)
    edits = read_decision_sheet(from_file, settings) if from_file is not None else None

    # refusals first, before the backup: the same checks run again under the lock
    plan = _plan(store, settings, DecideResult(decision_date, section, maker, review), edits, from_file, dispatch,
                 budget_total)
    filenames.unique_stems("paatos", [d.id for d in plan.letter_rows])  # one letter per applicant, or nothing
    backup = backup_before(store, "decide") if plan.writes else None
    # The letters are rendered inside the transaction into a staging folder, and the database commits only
    # when every letter is there: a failure leaves the database, the letters folder and the backups as they were.
    try:
        with StagedFolder(Path(letters_dir), replaceable=frozenset({MAILING_FILE})) as stage:
            with store.transaction():
                result = DecideResult(decision_date, section, maker, review, backup=backup)
                plan = _plan(store, settings, result, edits, from_file, dispatch, budget_total)
                if plan.writes and backup is None:
                    raise ValidationError(
                        "tietokantaa muutettiin toisesta komennosta tämän ajon aikana; mitään ei kirjattu. "
                        "Aja komento uudelleen."
                    )
                staged, mailing = _record_decisions(store, settings, plan, result, dispatch, channel, stage, formats, pdf)
                if minutes_published is not None:
                    from avustus_cli.adapters.store import reviews as review_store

                    review_store.record_minutes(store, maker, decision_date, minutes_published)
            _published(stage, staged, result, bool(mailing))
    except BaseException:
        if backup is not None:  # nothing changed: the backup of this run is not needed
            backup.unlink(missing_ok=True)
        raise
    result.totals = _totals(plan.letter_rows)
    return result


def _decide_dates(
    decision_date: dt.date, sent: dt.date | None, channel: str, minutes_published: dt.date | None, pdf: bool,
) -> dict[str, Any]:
    """decide's dates checked (sent and minutes not before the decision) and the letters' review dates;
    LibreOffice there for ``pdf``, or one line on how to install it: before anything is written."""
    if pdf:
        from avustus_cli.adapters.pdf import require_soffice

        require_soffice()
    sent = sent or posting_date(decision_date)
    if minutes_published is not None and minutes_published < decision_date:
        raise ValidationError(
            f"pöytäkirjan julkaisupäivä {fmt.date(minutes_published)} on ennen päätöspäivää {fmt.date(decision_date)}."
        )
    if sent < decision_date:
        raise ValidationError(f"lähetyspäivä {fmt.date(sent)} on ennen päätöspäivää {fmt.date(decision_date)}.")
    return review_dates(sent, channel)


def _published(stage: StagedFolder, staged: Sequence[Path], result: DecideResult, mailing: bool) -> None:
    """After the commit: the staged letters and the strategy director's decision moved into the letters
    folder, and where each landed (a letter of record already there is kept, and named)."""
    stage.publish()
    result.decision_document = [stage.final(p) for p in staged if p.name.startswith(director.TEMPLATE)]
    result.letters = [stage.final(p) for p in staged if not p.name.startswith(director.TEMPLATE)]
    result.kept_letters = list(stage.kept)
    result.restored_letters = list(stage.restored)
    if mailing:
        result.mailing = stage.target / MAILING_FILE


def _record_decisions(
    store: Store,
    settings: Settings,
    plan: _DecidePlan,
    result: DecideResult,
    dispatch: dict[str, Any],
    channel: str,
    stage: StagedFolder,
    formats: Sequence[str],
    pdf: bool = False,
) -> tuple[list[Path], list[Letter]]:
    """Inside decide's transaction: the planned decisions recorded, their letters and the mailing list
    written into the staging folder, and each letter with its delivery recorded in the letters table (a
    rerun records nothing new). Returns the staged letter files and the mailing list."""
    sql.record_decisions(store, plan.planned)
    # an amended grant's original letter is a letter of record: it is not written again
    to_write = [d for d in plan.letter_rows if d.id not in set(result.kept_amended)]
    written: list[WrittenLetter] = []
    try:
        staged, mailing = write_decision_letters(store, settings, to_write, plan.apps, dispatch, stage.path, formats, written,
                                                 pdf=pdf)
        if any(d.outcome != "refused" for d in to_write):
            staged += write_terms_enclosure(settings, stage.path, formats)
        if mailing:
            write_mailing(stage.path / MAILING_FILE, mailing)
        own = write_director_decision(settings, plan.letter_rows, plan.apps, result, stage.path, formats)
        from avustus_cli.adapters.pdf import pdf_copies
        staged += own
        if pdf:  # PDF/A of each letter and of the terms it encloses beside the Word file, recorded and sent with it
            written = with_pdfs(written)
            staged += [p for w in written for p in w.paths if p.suffix == ".pdf"] + enclosed_pdfs(written)
            staged += pdf_copies(own)
    except AvustusError as e:
        raise AvustusError(f"{e.message} {NOTHING_WRITTEN}") from e
    record_letters(store, "decision", written, stage)
    result.by_post = [w.row.id for w in written if w.dispatch["channel"] != channel]
    return staged, mailing


def _totals(decided: Sequence[Decision]) -> dict[str, Any]:
    """decide's summary: how many granted and refused, and the sum granted."""
    return {
        "granted_count": sum(1 for d in decided if d.amount > 0),
        "granted_sum": str(sum((d.amount for d in decided), Decimal(0)).quantize(Decimal("0.01")) or Decimal(0)),
        "refused_count": sum(1 for d in decided if d.amount <= 0),
    }


def _refuse_unread_sheet(store: Store, decision_date: dt.date, section: str) -> None:
    """A decision without --from records the stored proposal: refused while the esitys.xlsx that ``propose``
    last wrote has been edited since (the officer's or the board's changes would be ignored silently)."""
    recorded = standing_store.proposal_sheet(store)
    if recorded is None:
        return
    path = Path(recorded["path"])
    if not path.is_file():
        return
    try:
        current = content_sha256(path)
    except (OSError, ValueError):  # unreadable (a half-saved workbook): it is not what was written either
        current = None
    if current == recorded["content_sha256"]:
        return
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    if current is not None and current == recorded_content_sha256(path):
        # the program's own file from an earlier run (its folder's manifest says so): the last propose
        # stopped after saving the proposal but before its documents took the folder's place
        raise ValidationError(
            f"kansion {shown.parent} asiakirjat ovat aiemmalta propose-ajolta: viimeisin ajo tallensi esityksen, "
            "mutta keskeytyi ennen kuin sen asiakirjat siirtyivät kansioon, joten ne eivät vastaa tallennettua "
            f"esitystä. Aja avustus propose --out {shown.parent} uudelleen ja tarkista asiakirjat ennen päätöstä. "
            "Mitään ei kirjattu."
        )
    raise ValidationError(
        f"taulukkoa {shown} on muokattu sen jälkeen, kun esitys tallennettiin, eikä muutoksia ole luettu. "
        f"Lue ne esitykseen (avustus propose --out {shown.parent} --from {shown}) tai kirjaa päätös taulukon "
        f'mukaan (avustus decide --date {decision_date.isoformat()} --section "§ {section}" --from {shown}). '
        "Mitään ei kirjattu."
    )


def _period(app: Application | None, year: int) -> tuple[dt.date, dt.date]:
    if app is not None:
        if app.form is GrantForm.PROJECT and app.project_start and app.project_end:
            return app.project_start, app.project_end
        if app.form is GrantForm.PARTNERSHIP and app.agreement_start and app.agreement_end:
            return app.agreement_start, app.agreement_end
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass(frozen=True)
class GrantIndex:
    """The grants by id (the first of each) and by grantee (business ID), in their order: a run's letters
    each look up their own grant and the grantee's others, not every grant of the register."""

    by_id: dict[str, Grant]
    by_grantee: dict[str, list[Grant]]

    @classmethod
    def of(cls, grants: Sequence[Grant]) -> GrantIndex:
        by_id: dict[str, Grant] = {}
        by_grantee: dict[str, list[Grant]] = {}
        for g in grants:
            by_id.setdefault(g.id, g)
            if g.business_id is not None:
                by_grantee.setdefault(g.business_id, []).append(g)
        return cls(by_id, by_grantee)


def _payment_held_text(
    settings: Settings, row: Decision, app: Application | None, index: GrantIndex, accepted: set
) -> str:
    """Why the payment is held from the start (an earlier report missing, P02), or ""."""
    grant = index.by_id.get(row.id)
    if grant is None:
        return ""
    # hold_reasons reads the other grants of the same grantee only (the same business ID)
    own = index.by_grantee.get(grant.business_id, [grant]) if grant.business_id is not None else [grant]
    holds = hold_reasons(
        grant, own, {}, row.decision_date or dt.date.today(), None, app, (row.application_id, "P02") in accepted,
        settings.report_months,
    )
    # the officer's hold texts end with the rule's code; the letter states the fact only
    texts = [re.sub(r"\s*\([A-Z]\d\d\)$", "", h.text) for h in holds if h.code in ("report", "funding")]
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
    grants: GrantIndex | None = None,
    accepted: set | None = None,
    amends: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``paatoskirje`` context (docs/templates.md) of a stored decision; ``amends``: the earlier
    decision an amending decision changes (body, decision_date, section, old_amount). ``grants``: the
    register's grants indexed (default: read them)."""
    grants = GrantIndex.of(store.grants()) if grants is None else grants
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
        "applicant": addressee(app, row.applicant, row.business_id),
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
        "payment_plan": _payment_plan(row, app, settings) if outcome != "refused" else "",
        "review": {"authority": settings.body, **dispatch},
        "amends": amends,
        # a grant over several years: its years, per year and in total, commitments and metrics (None: one year)
        "multi_year": multi_year(app, amount if amount > 0 else (requested or Decimal(0)), settings)
        if app is not None else None,
    }


def _payment_plan(row: Decision, app: Application | None, settings: Settings) -> str:
    """A partnership agreement's yearly instalments as the letter states them ("" for one instalment)."""
    from avustus_cli.domain.payment import instalment_amounts, plan_instalments, plan_sentence

    plan = plan_instalments(GrantForm(row.form) if row.form else None, row.year, app, settings.year)
    return plan_sentence(plan, instalment_amounts(plan, row.amount))


def _report_documents() -> tuple[str, ...]:
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    return REPORT_DOCUMENTS


def letter_channel(dispatch: dict[str, Any], app: Application | None) -> dict[str, Any]:
    """The delivery of one letter: e-mail as asked when the application has an address, else post
    (with the post's served day and review period)."""
    if dispatch["channel"] == "email" and not (app is not None and (app.email or "").strip()):
        return review_dates(dispatch["sent"], "letter")
    return dispatch


@dataclass(frozen=True)
class WrittenLetter:
    row: Decision
    app: Application | None
    dispatch: dict[str, Any]
    paths: tuple[Path, ...]
    enclosures: tuple[str, ...] = ()  # the files enclosed with the letter, beside it (the grant terms)




def write_terms_enclosure(settings: Settings, folder: Path, formats: Sequence[str] = ("html", "docx")) -> list[Path]:
    """The grant terms (annex 2) the decision letters refer to and enclose, beside the letters (``folder``:
    the run's staging folder, written in place)."""
    from avustus_cli.adapters.render import write_document

    ctx = {"report_due": deadlines.report_due(settings.year, settings.report_months),
           "report_documents": list(_report_documents())}
    return write_document(Path(folder), TERMS_ENCLOSURE, "avustusehdot", ctx, settings, formats, in_stage=True)


def write_decision_letters(
    store: Store,
    settings: Settings,
    rows: Sequence[Decision],
    apps: dict[str, Application],
    dispatch: dict[str, Any],
    letters_dir: Path,
    formats: Sequence[str] = ("html", "docx"),
    written_letters: list[WrittenLetter] | None = None,
    amends: dict[str, Any] | None = None,
    pdf: bool = False,
) -> tuple[list[Path], list[Letter]]:
    """Write the decision letters into ``letters_dir``, the run's staging folder (in place, see
    ``files.StageWriter``); each one's files, delivery and enclosures are appended to ``written_letters``
    (recorded by :func:`record_letters`). ``pdf``: the PDF/A copies are made next (:func:`with_pdfs`),
    so the mailing list names the enclosed terms' PDF/A too."""
    from avustus_cli.adapters.render import DocumentWriter

    written: list[Path] = []
    mailing: list[Letter] = []
    grants = GrantIndex.of(store.grants())
    accepted = sql.accepted_codes(store)
    stems = filenames.unique_stems("paatos", [row.id for row in rows])
    # the files are created (and a Word letter's package compressed) on a thread of their own while
    # the next letter renders; every file is written when the block is left
    with DocumentWriter(Path(letters_dir), settings, formats, in_stage=True) as writer:
        for row in rows:
            app = apps.get(row.application_id or "")
            own = letter_channel(dispatch, app)
            ctx = letter_context(store, settings, row, app, own, grants, accepted, amends)
            stem = stems[row.id]
            paths = writer.write(stem, "paatoskirje", ctx)
            written.extend(paths)
            # a grant's letter encloses the grant terms (Liite 2), written beside the letters and sent with it
            grants_money = ctx["outcome"] != "refused"
            if written_letters is not None:
                written_letters.append(WrittenLetter(row, app, own, tuple(paths),
                                                     terms_files(formats) if grants_money else ()))
            enclosed = (enclosure(TERMS_LABEL, TERMS_ENCLOSURE, formats, pdf),) if grants_money else ()
            mailing.append(letter_files(row.id, row.applicant, app.email if app is not None else "", stem, formats,
                                        own["channel"], enclosed))
    return written, mailing


def write_director_decision(
    settings: Settings, rows: Sequence[Decision], apps: Mapping[str, Application], result: DecideResult, folder: Path,
    formats: Sequence[str] = ("html", "docx"),
) -> list[Path]:
    """The strategy director's decision as made (``decide --maker Strategiajohtaja``): the final, dated
    version of the draft ``propose`` wrote, from the decisions recorded, written beside the letters as
    ``strategiajohtajan_paatos_<date>`` (``folder``: the run's staging folder). Nothing for the board's
    decisions (the minutes hold them)."""
    from avustus_cli.adapters.render import write_document

    if result.maker.casefold() != settings.small_partnership_decider.casefold():
        return []
    mine = [(d, apps[d.application_id]) for d in rows if d.application_id is not None and d.application_id in apps
            and d.decision_date == result.decision_date and d.section == result.section]
    content = director.decision_content(
        [(app, d.amount) for d, app in mine if d.amount > 0],
        [(app, [r["code"] for r in parse_reasons(d.reason) if r["code"]],
          " ".join(r["text"] for r in reason_texts(d.reason))) for d, app in mine if d.amount <= 0],
        settings, _report_documents())
    if content is None:
        return []
    content.update(final=True, decision_date=result.decision_date, section=result.section)
    stem = f"{director.TEMPLATE}_{result.decision_date.isoformat()}"
    return write_document(Path(folder), stem, director.TEMPLATE, content, settings, formats, in_stage=True)


def with_pdfs(written: Sequence[WrittenLetter]) -> list[WrittenLetter]:
    """Each letter with a PDF/A of its Word file beside it, and of each Word file it encloses (the grant
    terms, once for all): LibreOffice, one run for all. The enclosures must be written already."""
    from avustus_cli.adapters.pdf import to_pdf

    def pdf_name(name: str) -> list[str]:
        return [str(Path(name).with_suffix(".pdf"))] if Path(name).suffix == ".docx" else []

    docs = [p for w in written for p in w.paths if p.suffix == ".docx"]
    enclosed = sorted({w.paths[0].parent / n for w in written if w.paths for n in w.enclosures if n.endswith(".docx")})
    to_pdf([*docs, *enclosed])
    return [replace(w, paths=(*w.paths, *[p.with_suffix(".pdf") for p in w.paths if p.suffix == ".docx"]),
                    enclosures=(*w.enclosures, *[pdf for n in w.enclosures for pdf in pdf_name(n)]))
            for w in written]


def enclosed_pdfs(written: Sequence[WrittenLetter]) -> list[Path]:
    """The PDFs of the enclosures :func:`with_pdfs` made (each once)."""
    return sorted({w.paths[0].parent / n for w in written if w.paths for n in w.enclosures if n.endswith(".pdf")})


def record_letters(store: Store, kind: str, written: Sequence[WrittenLetter], stage: StagedFolder | None = None) -> int:
    """Record written letters in the letters table (in the caller's transaction, or one of its own);
    how many were new. With ``stage`` the letters are staged: the folder recorded is the stage's
    target, and a letter of record already there (``StagedFolder`` keeps it) is the one recorded."""
    from avustus_cli.adapters.store import letters as letter_store

    hashes: dict[Path, str] = {}  # an enclosure (the same grant terms for every letter) hashed once

    def enclosures(w: WrittenLetter) -> dict[str, str]:
        """Each enclosed file's name and the SHA-256 of the one that will be beside the letter (an earlier
        run's file of record, when the folder keeps it), for send to attach and check."""
        out: dict[str, str] = {}
        for name in w.enclosures:
            p = w.paths[0].parent / name
            if stage is not None:
                p = stage.of_record(p) or p
            if p not in hashes:
                hashes[p] = letter_store.file_hash(p)
            out[name] = hashes[p]
        return out

    recorded = []
    for w in written:
        paths: list[Path] = list(w.paths)
        folder = None
        if stage is not None:
            paths = [stage.of_record(p) or p for p in w.paths]
            folder = stage.target
        detail: dict[str, Any] = {"decision_date": w.row.decision_date, "section": w.row.section,
                                  "maker": w.row.decision_maker}
        if w.enclosures:
            detail["enclosures"] = enclosures(w)
        recorded.append(letter_store.NewLetter(
            kind=kind, files=paths, recipient=w.row.applicant, channel=w.dispatch["channel"],
            sent=w.dispatch["sent"], application_id=w.row.application_id, grant_id=w.row.id,
            email=w.app.email if w.app is not None else None, folder=folder, detail=detail,
        ))
    with store.transaction():
        new = sum(is_new for _, is_new in letter_store.record_letters(store, recorded))
    return new


# --- amend -------------------------------------------------------------------


@dataclass
class AmendResult:
    grant_id: str
    old_amount: Decimal
    new_amount: Decimal
    backup: Path | None
    letters: list[Path] = field(default_factory=list)
    overrun: Decimal = Decimal(0)


def _amend_check(
    store: Store, settings: Settings, grant_id: str, amount: Decimal | None, decision_date: dt.date, yes: bool
) -> tuple[Decision, Decimal, Decimal, Decimal]:
    """The grant's decision, its old and new amount and the overrun of the appropriation; refuses an unknown
    grant, an imported one, one with a pending request for review, a date before the decision, a negative
    amount, one below what is paid or above the request, and an overrun without ``yes``."""
    row = sql.decision(store, grant_id)
    if row is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    if row.source != "decision":
        raise ValidationError(f"avustus {grant_id} on aiemman vuoden avustus (tuotu rekisteristä), ei tämän kierroksen päätös.")
    from avustus_cli.adapters.store import reviews as review_store

    if any(r.pending for r in review_store.requests(store, grant_id)):
        raise ValidationError(
            f"avustuksesta {grant_id} on käsittelemätön oikaisuvaatimus: päätös siihen tehdään komennolla "
            f'avustus review decide {grant_id} --date PVM --section "§ N" --outcome kept|changed --reasons "..." '
            "(päätökseen liitetään valitusosoitus). Mitään ei muutettu."
        )
    if row.decision_date is not None and decision_date < row.decision_date:
        raise ValidationError(
            f"muutospäätös {fmt.date(decision_date)} ei voi olla ennen alkuperäistä päätöstä {fmt.date(row.decision_date)}."
        )
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
    # a lowered amount never overruns: only a raise is held to the appropriation
    overrun = Decimal(0)
    if new > old:
        overrun = checked_new_amount(list(sql.decisions_by_id(store).values()), row, new, settings, yes=yes,
                                     decider="päättäjä")
    elif row.requested is not None and new > row.requested:
        raise ValidationError(f"summa {fmt.money(new)} on suurempi kuin haettu {fmt.money(row.requested)}.")
    return row, old, new, overrun


DEFAULT_AMEND_LETTERS = Path("muutospaatokset")


@dataclass(frozen=True)
class _Amendment:
    """What an amend run is asked to do, checked before the database is read."""

    grant_id: str
    amount: Decimal | None
    reason: str  # as given (the audit log)
    new_reason: str  # as stored with the grant
    decision: dict[str, Any]  # the amending decision: decision_date, section, maker
    dispatch: dict[str, Any] | None  # the letter's delivery; None: no letter
    minutes_published: dt.date | None
    yes: bool
    pdf: bool

    @property
    def mailing_name(self) -> str:
        return f"postitus_{_stem('muutos', self.grant_id)}.csv"

    def changes(self, row: Decision, old: Decimal, new: Decimal) -> bool:
        return new != old or self.new_reason != row.reason


def _amendment(
    settings: Settings, grant_id: str, amount: Decimal | None, reason: str, decision_date: dt.date, section: str,
    maker: str | None, letters_dir: Path | None, channel: str, sent: dt.date | None, yes: bool,
    minutes_published: dt.date | None, pdf: bool,
) -> _Amendment:
    """amend's options checked: the reasons given, the dates in order, LibreOffice there for ``pdf``."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError('perustelu puuttuu: anna --reason "..." (se tulee päätöskirjeeseen ja lokiin).')
    if minutes_published is not None and minutes_published < decision_date:
        raise ValidationError(
            f"pöytäkirjan julkaisupäivä {fmt.date(minutes_published)} on ennen päätöspäivää {fmt.date(decision_date)}."
        )
    if pdf and letters_dir is not None:
        from avustus_cli.adapters.pdf import require_soffice

        require_soffice()  # before anything is written
    dispatch = None
    if letters_dir is not None:
        day = sent or posting_date(decision_date)
        if day < decision_date:
            raise ValidationError(f"lähetyspäivä {fmt.date(day)} on ennen päätöspäivää {fmt.date(decision_date)}.")
        dispatch = dict(review_dates(day, channel))
    decision = {"decision_date": decision_date, "section": normalise_section(section),
                "maker": (maker or settings.body).strip()}
    return _Amendment(grant_id, amount, reason, reason_lines(reason_texts(reason)), decision, dispatch,
                      minutes_published, yes, pdf)


def amend(
    store: Store,
    settings: Settings,
    grant_id: str,
    *,
    amount: Decimal | None,
    reason: str,
    decision_date: dt.date,
    section: str,
    maker: str | None = None,
    letters_dir: Path | None = DEFAULT_AMEND_LETTERS,
    channel: str = "letter",
    sent: dt.date | None = None,
    yes: bool = False,
    minutes_published: dt.date | None = None,
    today: dt.date | None = None,
    pdf: bool = False,
) -> AmendResult:
    """Amend a decided grant by a new decision of its own (``decision_date``, ``section``, ``maker``): its
    amount and its reasons. Audited, backup first; the new decision letter (with the review instructions:
    the amendment is a decision of its own, open to a request for review) is written and recorded.

    Refused: a grant with a pending request for review (the decision on it is ``avustus review decide``,
    with the appeal instructions), an amount below what is paid or above the request, and an amount that
    takes the appropriation over unless ``yes`` (the overrun is in the audit log). The checks run before
    the backup and again on what is read inside the transaction. Running the same amend again records
    nothing new."""
    act = _amendment(settings, grant_id, amount, reason, decision_date, section, maker, letters_dir, channel, sent,
                     yes, minutes_published, pdf)
    row, old, new, overrun = _amend_check(store, settings, grant_id, amount, decision_date, yes)
    result = AmendResult(grant_id, old, new, None, overrun=overrun)
    if act.changes(row, old, new):
        result.backup = backup_before(store, "amend")
    # The new letter is rendered inside the transaction into a staging folder; the database commits only
    # when it is there. It never replaces a letter already written: a changed one gets a new name.
    try:
        with contextlib.ExitStack() as stack:
            stage = (stack.enter_context(StagedFolder(Path(letters_dir), replaceable=frozenset({act.mailing_name})))
                     if letters_dir is not None else None)
            with store.transaction():
                _amend_locked(store, settings, act, result, stage)
            if stage is not None:
                result.letters = [p for p in stage.publish() if p.name != act.mailing_name]
    except BaseException:
        if result.backup is not None:  # nothing changed: the backup of this run is not needed
            result.backup.unlink(missing_ok=True)
        raise
    return result


def _amend_locked(
    store: Store, settings: Settings, act: _Amendment, result: AmendResult, stage: StagedFolder | None,
) -> None:
    """Inside amend's transaction: the checks again on what is read under the lock, the amendment recorded,
    the minutes' publication day, and the new letter staged."""
    decision = act.decision
    row, old, new, overrun = _amend_check(store, settings, act.grant_id, act.amount, decision["decision_date"], act.yes)
    changed = act.changes(row, old, new)
    result.old_amount, result.new_amount, result.overrun = old, new, overrun
    if changed and result.backup is None:
        raise ValidationError(
            f"avustusta {act.grant_id} muutettiin toisesta komennosta tämän ajon aikana; mitään ei kirjattu. "
            "Aja komento uudelleen."
        )
    if changed:
        _record_amendment(store, act.grant_id, row, old, new, act.new_reason, act.reason, decision, overrun)
    if act.minutes_published is not None:
        from avustus_cli.adapters.store import reviews as review_store

        review_store.record_minutes(store, decision["maker"], decision["decision_date"], act.minutes_published)
    if stage is not None and act.dispatch is not None:
        _stage_amendment_letter(store, settings, act.grant_id, act.dispatch, stage, act.mailing_name, decision, row,
                                old, act.pdf)


def _record_amendment(
    store: Store, grant_id: str, row: Decision, old: Decimal, new: Decimal, new_reason: str, reason: str,
    decision: dict[str, Any], overrun: Decimal,
) -> None:
    """The grant's new amount and reasons, and the audit entry that keeps the old ones, the amending
    decision (date, §, maker) and an overrun of the appropriation accepted with --yes."""
    sql.set_amount(store, grant_id, new, new_reason)
    store.audit(
        "grant", grant_id, "amend",
        {"old_amount": str(old), "new_amount": str(new), "old_reason": row.reason, "reason": reason,
         "decision_date": decision["decision_date"].isoformat(), "section": decision["section"],
         "maker": decision["maker"], "overrun": str(overrun) if overrun > 0 else None},
    )


def _stage_amendment_letter(
    store: Store, settings: Settings, grant_id: str, dispatch: dict[str, Any], stage: StagedFolder, mailing_name: str,
    decision: dict[str, Any], original: Decision, old: Decimal, pdf: bool = False,
) -> None:
    """Inside amend's transaction: the amended grant's new decision letter and its mailing list written into
    the staging folder (a changed letter gets a new name, never replacing one already sent) and the letter
    with its delivery recorded in the letters table."""
    try:
        decided = sql.decision(store, grant_id)
        if decided is None:  # read under this lock just above
            raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
        # the letter is the amending decision's: its date, § and maker, and what it amends
        decided = replace(decided, decision_date=decision["decision_date"], section=decision["section"],
                          decision_maker=decision["maker"])
        amends = {"body": original.decision_maker or settings.body, "decision_date": original.decision_date,
                  "section": original.section or "", "old_amount": sql.decided_amount(store, grant_id) or old}
        apps = ({a.id: a for a in store.applications([decided.application_id], with_personal=True)}
                if decided.application_id else {})
        written: list[WrittenLetter] = []
        paths, mailing = write_decision_letters(store, settings, [decided], apps, dispatch, stage.path,
                                                written_letters=written, amends=amends, pdf=pdf)
        if any(m.enclosures for m in mailing):  # the grant terms the letter encloses, beside it
            write_terms_enclosure(settings, stage.path)
        if pdf:  # the PDF/A beside the Word file (renamed with it below), and the enclosed terms' PDF/A
            written = with_pdfs(written)
        if paths:
            stem = stage.settle(paths[0].stem)
            mailing = [letter_files(m.application, m.name, m.email, stem, ("html", "docx"),
                                    dispatch["channel"], m.enclosures) for m in mailing]
            written = [replace(w, paths=tuple(p.with_name(f"{stem}{p.suffix}") for p in w.paths))
                       for w in written]
        write_mailing(stage.path / mailing_name, mailing)
        record_letters(store, "amendment", written, stage)
    except AvustusError as e:
        raise AvustusError(f"{e.message} Muutosta ei kirjattu eikä kirjettä kirjoitettu.") from e

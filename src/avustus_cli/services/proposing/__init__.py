"""The proposal as a service: allocate the budget over the checked round,
let the officer edit the result in Excel, and render the board's documents.

Flow (``avustus propose``)::

    standings (store) --> candidates --> allocation.allocate --> proposals table
    proposals table --> esitys.xlsx (the officer edits) --> read_sheet --> proposals table
    proposals table --> documents (board item, annex 1 html/docx/xlsx, terms,
                        strategy director's draft, supplement requests) + manifest.json

The stored proposal is the single source of the documents: ``propose`` and
``propose --from`` both store first, then render from what was stored. What
is stored is read and written inside one transaction.

The policy (conditions, reason codes, who decides, pending applications) is
the domain's (``domain.proposal``, ``domain.standing``); the officer's sheet
is ``adapters.proposal_sheet``; the documents are ``_documents`` and the
manifest ``_manifest`` here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.files import content_sha256
from avustus_cli.adapters.pdf import pdf_copies
from avustus_cli.adapters.proposal_sheet import read_sheet, validate_edits
from avustus_cli.adapters.store import Store, now
from avustus_cli.adapters.store import proposals as proposal_store
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.domain import fmt
from avustus_cli.domain.allocation import Budget, Candidate, Method, ReasonCode, allocate, compare
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import ValidationError
from avustus_cli.domain.models import Severity
from avustus_cli.domain.proposal import (
    FORMS,
    ProposalLine,
    budget_left,
    budget_of,
    budget_warning,
    form_label,
    kept_conditions,
    line_from_record,
    summary_by_form,
)
from avustus_cli.domain.standing import (
    PENDING_CODE,
    Standing,
    codes_in_order,
    decision_day,
    ineligible_reason,
    open_deficiencies,
    pending_findings,
    request_due,
)
from avustus_cli.services.proposing._documents import LETTERS_DIR, Written, pending_rows, write_documents
from avustus_cli.services.proposing._manifest import ESITYS_FILE, esitys_is_edited

__all__ = [
    "ESITYS_FILE",
    "FORMS",
    "LETTERS_DIR",
    "NotCheckedError",
    "Plan",
    "Proposed",
    "Written",
    "running_supplements",
    "apply_edits",
    "budget_of",
    "build_plan",
    "compare_methods",
    "esitys_is_edited",
    "form_label",
    "load_rows",
    "pending_reason",
    "propose",
    "proposal_warnings",
    "read_sheet",
    "remember_sheet",
    "save_plan",
    "summary_by_form",
    "write_documents",
    "pdf_copies",
    "require_pdf",
]


class NotCheckedError(ValidationError):
    """Some application has not been checked since it was imported or changed."""


@dataclass
class Plan:
    rows: list[ProposalLine]
    budget: Budget
    method: Method
    settings: Settings
    kept: list[str] = field(default_factory=list)  # the officer's sheet edits kept as they were
    dropped: list[str] = field(default_factory=list)  # sheet edits giving money to an application no longer fundable

    def by_id(self) -> dict[str, ProposalLine]:
        return {r.app.id: r for r in self.rows}


def checked_standings(store: Store) -> list[Standing]:
    """Every application's standing; refuses an empty round and one not checked since it changed."""
    standings = standing_store.current_standings(store)
    if not standings:
        raise ValidationError("tietokannassa ei ole hakemuksia. Tuo ensin hakemukset: avustus import TIEDOSTO")
    unchecked = [r.app.id for r in standings if not r.checked]
    if unchecked:
        shown = ", ".join(unchecked[:5]) + (f" ja {len(unchecked) - 5} muuta" if len(unchecked) > 5 else "")
        raise NotCheckedError(
            f"hakemuksia ei ole tarkistettu tuonnin tai muutoksen jälkeen ({shown}): aja ensin avustus check"
        )
    return standings


# --- pending applications (käsittely kesken): the officer's texts ------------------


def pending_reason(standing: Standing, settings: Settings | None = None, as_of: dt.date | None = None) -> str:
    """Finnish, for esitys.xlsx: what keeps the application pending and what to do ("" when not pending)."""
    found = pending_findings(standing, settings, as_of)
    if not found:
        return ""
    parts = []
    reviews = [f for f in found if f.severity is Severity.REVIEW]
    waiting = [f for f in found if f.severity is Severity.DEFICIENCY]
    todo = []
    if reviews:
        parts.append("arviointi kesken: " + ", ".join(codes_in_order(reviews)))
        todo.append("kuittaa havainnot (avustus accept) tai korjaa tiedot")
    if waiting:
        due = f" (määräaika {fmt.date(request_due(standing, settings, as_of))})" if settings is not None and as_of else ""
        parts.append("täydennys kesken: " + ", ".join(codes_in_order(waiting)) + due)
        todo.append("tuo täydennys (avustus import, avustus check)" if reviews else
                    "tuo täydennys (avustus import, avustus check) tai kuittaa havainnot (avustus accept)")
    return "; ".join(parts) + " – " + "; ".join(todo)


def running_supplements(store: Store, settings: Settings, as_of: dt.date) -> list[tuple[str, dt.date]]:
    """(application, deadline) of every supplement request whose deadline has not passed on ``as_of``:
    the request as first sent, or one this run would send (an open deficiency, no blocking finding)."""
    out = []
    for s in checked_standings(store):
        if s.blocking() or not open_deficiencies(s):
            continue
        due = request_due(s, settings, as_of)
        if as_of <= due:
            out.append((s.app.id, due))
    return out


def proposal_warnings(rows: Sequence[ProposalLine], settings: Settings, as_of: dt.date) -> list[str]:
    """Finnish warnings for the officer about the documents just written
    (``avustus propose`` prints them on stderr): the supplement deadline
    against the meeting, and the pending applications left out."""
    out: list[str] = []
    waiting = [r for r in rows if r.amount == 0 and not r.standing.blocking() and open_deficiencies(r.standing)]
    if waiting:
        out.append(_supplement_warning(waiting, settings, as_of))
    left_out = pending_rows(rows, settings, as_of)
    pending = [r for r in rows if r.app.id in left_out]
    if pending:
        lines = [f"{len(pending)} hakemuksen käsittely on kesken. Niitä ei esitetä päätettäviksi (esitys 0 €, peruste "
                 f"{PENDING_CODE}); päätösesityksessä, liitteessä 1 ja strategiajohtajan päätöksessä ei ole niistä kohtaa:"]
        for r in pending:
            lines.append(f"  {r.app.id} {r.app.applicant}: {pending_reason(r.standing, settings, as_of)}")
        lines.append("Ratkaise ne ennen kokousta: kuittaa havainto (avustus accept HAKEMUS KOODI --reason \"...\") tai "
                     "korjaa tiedot (avustus import, avustus check), ja aja sitten avustus propose uudelleen.")
        out.append("\n".join(lines))
    return out


def _supplement_warning(waiting: Sequence[ProposalLine], settings: Settings, as_of: dt.date) -> str:
    """The supplement deadlines against the meeting, for the applications waiting for a supplement (each
    request's deadline as recorded when it was first sent)."""
    day = decision_day(settings, as_of)
    what = f"Kokous {fmt.date(day)}" if settings.meeting_date else (
        f"Esityksen päiväys {fmt.date(day)} (kokouspäivää, asetus meeting_date, ei ole annettu)")
    by_due: dict[dt.date, list[str]] = {}
    for r in waiting:
        by_due.setdefault(request_due(r.standing, settings, as_of), []).append(r.app.id)
    texts = []
    for due, ids in sorted(by_due.items()):
        if day <= due:
            when = "ennen täydennysten määräaikaa" if day < due else "täydennysten määräajan viimeinen päivä"
            texts.append(f"{what} on {when} {fmt.date(due)}: täydennystä odottavia hakemuksia ({len(ids)} kpl) "
                         "ei esitetä hylättäviksi, vaan niiden käsittely on kesken (luettelo alla).")
        else:
            texts.append(
                f"Täydennysten määräaika {fmt.date(due)} päättyy ennen kokousta {fmt.date(day)}: {len(ids)} "
                f"hakemusta esitetään hylättäviksi, koska täydennystä ei ole saatu ({', '.join(ids)}). Jos täydennyksiä "
                "saapuu määräaikaan mennessä, tuo ne (avustus import), aja avustus check ja avustus propose uudelleen.")
    return "\n".join(texts)


# --- the allocation -------------------------------------------------------------------


def candidates(standings: Sequence[Standing], scores: Mapping[str, tuple[Decimal | None, dict]]) -> list[Candidate]:
    out = []
    for r in standings:
        score, crit = scores.get(r.app.id, (None, {}))
        fundable = r.fundable
        out.append(
            Candidate.from_application(
                r.app,
                eligible=fundable,
                ineligible_reason="" if fundable else ineligible_reason(r),
                score=score,
                criteria=crit,
            )
        )
    return out


def build_plan(
    store: Store,
    settings: Settings,
    method: str | None = None,
    budget_total: Decimal | None = None,
    as_of: dt.date | None = None,
    reset_edits: bool = False,
) -> Plan:
    """Allocate the budget over the checked round (nothing is stored).

    A pending application (``pending_findings``; with ``as_of`` also one
    waiting for a supplement) gets 0 € with reason code ``PENDING_CODE``.
    The officer's edits read from esitys.xlsx (stored with source "sheet")
    are kept as they are and the rest of the budget is allocated over the
    other applications, unless ``reset_edits``; an edit that gives money to an
    application no longer fundable cannot be kept (``Plan.dropped``)."""
    standings = checked_standings(store)
    scores = proposal_store.scores(store)
    budget = budget_of(settings, budget_total)
    m = Method.from_settings(settings, method)
    earlier = proposal_store.proposal_records(store)
    kept: dict[str, ProposalLine] = {}
    dropped: list[str] = []
    for r in standings:
        rec = earlier.get(r.app.id)
        if reset_edits or rec is None or rec["source"] != "sheet":
            continue
        line = line_from_record(r, rec, *scores.get(r.app.id, (None, {})))
        if line.amount > 0 and not r.fundable:
            dropped.append(r.app.id)
        else:
            kept[r.app.id] = line
    others = [r for r in standings if r.app.id not in kept]
    allocs = {a.id: a for a in allocate(candidates(others, scores), budget_left(budget, list(kept.values())), m)}
    rows = []
    for r in standings:
        if r.app.id in kept:
            rows.append(kept[r.app.id])
            continue
        a = allocs[r.app.id]
        score, crit = scores.get(r.app.id, (None, {}))
        code = str(a.reason_code)
        if a.reason_code == ReasonCode.INELIGIBLE:
            reason = pending_reason(r, settings, as_of)
            if reason:
                code = PENDING_CODE
            else:
                # a refusal for a missing supplement keeps the request's date and deadline (the letters name them)
                dates = r.supplement or ((as_of, request_due(r, settings, as_of)) if as_of else None)
                reason = ineligible_reason(r, *dates) if dates else ineligible_reason(r)
        else:
            reason = a.reason
        prev = line_from_record(r, earlier.get(r.app.id, {})).conditions
        rows.append(ProposalLine(r, a.amount, code, reason, kept_conditions(r, a.amount, prev), m.method, "allocation",
                                 score, crit))
    return Plan(rows, budget, m, settings, kept=sorted(kept), dropped=dropped)


@dataclass
class Proposed:
    """What ``propose`` stored: the plan, how many proposals changed, the officer's sheet edits kept and
    those the allocation replaced (``--reset-edits``, or an edit no longer possible)."""

    plan: Plan
    changed: int
    replaced: list[str]
    kept: list[str] = field(default_factory=list)


def propose(
    store: Store,
    settings: Settings,
    method: str | None = None,
    budget_total: Decimal | None = None,
    as_of: dt.date | None = None,
    reset_edits: bool = False,
    yes: bool = False,
) -> Proposed:
    """Allocate and store the proposal in one write transaction: the earlier
    proposals are read under the same lock as the new ones are written.
    A budget that looks like a mistake (``budget_warning``) is refused unless ``yes``."""
    with store.transaction():
        plan = build_plan(store, settings, method, budget_total, as_of=as_of, reset_edits=reset_edits)
        warning = budget_warning(plan.rows, plan.budget)
        if warning and not yes:
            where = "valinta --budget" if budget_total is not None else "asetus budget.total"
            raise ValidationError(
                f"{warning} Tarkista {where}. Jos määräraha on oikea, aja komento uudelleen valinnalla --yes "
                "(päätösesitykseen tulee tästä huomautus). Mitään ei tallennettu."
            )
        sheet_before = proposal_store.sheet_edited_ids(store)
        changed = save_plan(store, plan.rows)
    replaced = sorted(sheet_before & {r.app.id for r in plan.rows if r.source == "allocation"})
    return Proposed(plan, changed, replaced, plan.kept)


def remember_sheet(store: Store, sheet: Path, written: Path | None = None) -> None:
    """Record esitys.xlsx (``sheet``, where it will be; ``written``, where it was written when that is a staging
    folder) as this run wrote it: ``decide`` then refuses to ignore the officer's later edits in it."""
    standing_store.record_proposal_sheet(store, str(Path(sheet).resolve()), content_sha256(Path(written or sheet)))


def compare_methods(store: Store, settings: Settings, budget_total: Decimal | None = None) -> dict[str, dict[str, Any]]:
    standings = checked_standings(store)
    budget = budget_of(settings, budget_total)
    return compare(candidates(standings, proposal_store.scores(store)), budget, Method.from_settings(settings))


# --- storing ------------------------------------------------------------------


def save_plan(store: Store, rows: Iterable[ProposalLine], *, scores: bool = False) -> int:
    """Store the proposals (and with ``scores`` the scores) in one transaction;
    each changed row gets an audit entry. Returns how many proposals changed."""
    changed = 0
    ts = now()
    with store.transaction():
        earlier = proposal_store.proposal_records(store)
        old_scores = proposal_store.scores(store) if scores else {}
        ids = []
        for row in rows:
            changed += _save_line(store, row, earlier.get(row.app.id), ts)
            ids.append(row.app.id)
            if scores:
                _save_score(store, row, old_scores.get(row.app.id, (None, {})), ts)
        proposal_store.record_basis(store, ids)  # decide refuses these once a re-import changes the application
    return changed


def _save_line(store: Store, row: ProposalLine, old: Mapping[str, Any] | None, ts: str) -> int:
    """Store one proposal when it changed, with its audit entry; 1 when it changed."""
    new = row.record()
    if old is not None and not row.differs_from(old):
        return 0
    proposal_store.save_proposal(store, row.app.id, new, ts)
    detail: dict[str, Any] = {"amount": str(row.amount), "reason_code": row.reason_code, "source": row.source}
    if old is not None:
        detail["previous_amount"] = str(old["amount"])
        for k in ("reason", "conditions", "method"):
            if old[k] != new[k]:
                detail[k] = new[k]
    else:
        detail.update(reason=new["reason"], conditions=new["conditions"], method=new["method"])
    store.audit("proposal", row.app.id, "set" if old is None else "change", detail)
    return 1


def _save_score(store: Store, row: ProposalLine, before: tuple[Decimal | None, Mapping[str, Decimal]], ts: str) -> None:
    after = (row.score, dict(row.criteria))
    if before == after:
        return
    proposal_store.save_score(store, row.app.id, row.score, dict(row.criteria), ts)
    store.audit(
        "score", row.app.id, "change",
        {"score": None if row.score is None else str(row.score),
         "criteria": {k: str(v) for k, v in sorted(row.criteria.items())},
         "previous_score": None if before[0] is None else str(before[0])},
    )


def load_rows(store: Store, settings: Settings, standings: Sequence[Standing] | None = None) -> list[ProposalLine]:
    """The stored proposal, one row per application (refuses a missing one).

    ``standings``: the round as the caller already read it in the same transaction (``Plan.rows``), so that
    each application is decoded once per run; without it the round is read again."""
    if standings is None:
        standings = checked_standings(store)
    props = proposal_store.proposal_records(store)
    scores = proposal_store.scores(store)
    missing = [r.app.id for r in standings if r.app.id not in props]
    if missing:
        raise ValidationError(
            f"hakemuksilta {', '.join(missing[:5])}{' ym.' if len(missing) > 5 else ''} puuttuu esitys: aja avustus propose"
        )
    return [line_from_record(r, props[r.app.id], *scores.get(r.app.id, (None, {}))) for r in standings]


def apply_edits(
    store: Store,
    settings: Settings,
    edits: Sequence[Any],
    path_display: str,
    budget_total: Decimal | None = None,
) -> tuple[list[ProposalLine], int]:
    """Validate the edits against the round and store them (source='sheet'), in
    one write transaction. Refuses with one message naming file, sheet, row and
    column; nothing is stored then. Returns the stored rows and how many proposals changed."""
    with store.transaction():
        stored_rows = load_rows(store, settings)
        rows = {r.app.id: r for r in stored_rows}
        new_rows = validate_edits(rows, edits, budget_of(settings, budget_total), path_display)
        order = {r.app.id: i for i, r in enumerate(stored_rows)}
        new_rows.sort(key=lambda r: order[r.app.id])
        changed = save_plan(store, new_rows, scores=True)
    return new_rows, changed


def require_pdf() -> None:
    """LibreOffice is there, or one Finnish line on how to install it."""
    from avustus_cli.adapters.pdf import require_soffice

    require_soffice()

"""The proposal as a service: allocate the budget over the checked round,
let the officer edit the result in Excel, and render the board's documents.

Flow (``avustus propose``)::

    current_results(store) --> candidates --> allocation.allocate --> proposals table
    proposals table --> esitys.xlsx (the officer edits) --> read_sheet --> proposals table
    proposals table --> documents (board item, annex 1 html/docx/xlsx, terms,
                        strategy director's draft, supplement requests) + manifest.json

The stored proposal is the single source of the documents: ``propose`` and
``propose --from`` both store first, then render from what was stored.

Conditions
    Stored as lines (``\\n``) in ``proposals.conditions``. The tool writes the
    payment holds (R01, P02) and the project grants' positive-funding
    condition itself; any other line is the officer's (targeted / excluded
    parts of the action plan, typed into esitys.xlsx "Ehdot") and survives a
    re-allocation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from avustus_cli.domain import deadlines
from avustus_cli.domain import filenames

from avustus_cli.adapters import fmt
from avustus_cli.domain.allocation import Budget, Candidate, Method, ReasonCode, allocate, compare
from avustus_cli.domain.checking import partnership_routing
from avustus_cli.services.checking import DECIDER_CODES, PAYMENT_HOLD_CODES, Result, current_results, history_index, rules_version
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import InputFileError, ValidationError
from avustus_cli.domain.models import GRANT_FORM_LABELS, Grant, GrantForm, Severity
from avustus_cli.domain.rules import RULES
from avustus_cli.adapters.store import Store, cents, euros, now
from avustus_cli.adapters.store import proposals as proposal_store

__all__ = [
    "ESITYS_SHEET",
    "SUMMARY_SHEET",
    "NotCheckedError",
    "PENDING_CODE",
    "Plan",
    "Row",
    "build_plan",
    "compare_methods",
    "decider_for",
    "is_pending",
    "pending_ids",
    "pending_reason",
    "load_rows",
    "read_sheet",
    "apply_edits",
    "validate_edits",
    "save_plan",
    "write_esitys",
    "write_documents",
    "summary_by_form",
]

ESITYS_SHEET = "Esitys"
SUMMARY_SHEET = "Yhteenveto"
ESITYS_FILE = "esitys.xlsx"
MANIFEST_FILE = "manifest.json"
LETTERS_DIR = "taydennyspyynnot"

HOLD_CONDITIONS = {
    "R01": "Avustus maksetaan, kun aiemman avustuksen käyttöselvitys on toimitettu.",
    "P02": "Avustus maksetaan, kun myönteinen rahoituspäätös on toimitettu.",
}
PROJECT_CONDITION = "Hankeavustuksen maksatuksen ehtona on hankkeen myönteinen rahoituspäätös."
AUTO_CONDITIONS = frozenset({*HOLD_CONDITIONS.values(), PROJECT_CONDITION})

# Allocation reason codes as they are shown in the public annex (Finnish).
ALLOCATION_CODES: dict[str, tuple[str, str]] = {
    ReasonCode.PROPORTIONAL: ("JAKO", "Määräraha ei riitä kaikkien hakemusten täysimääräiseen rahoittamiseen: "
                                      "avustukset on mitoitettu suhteessa haettuun määrään"),
    ReasonCode.SCORE_PARTIAL: ("MR", "Määräraha on käytetty loppuun"),
    ReasonCode.BUDGET_EXHAUSTED: ("MR", "Määräraha on käytetty loppuun"),
    ReasonCode.BELOW_MIN_SCORE: ("PIST", "Arvioinnin pisteet jäivät alle vähimmäisrajan"),
    ReasonCode.THRESHOLD: ("PIST", "Arvioinnin pisteet jäivät alle vähimmäisrajan"),
    ReasonCode.MAX_GRANT: ("ENIM", "Avustuksen enimmäismäärä"),
    ReasonCode.CATEGORY_CAP: ("LUOKKA", "Toimintaluokalle varattu enimmäismäärä"),
    "OFFICER": ("HARK", "Valmistelijan harkinta (perustelu esityksessä)"),
}
FULL_CODES = frozenset({ReasonCode.FULL, ReasonCode.SCORE_FUNDED})
# The stored reason code of an application still pending (käsittely kesken):
# an open review finding (the officer's judgement), or a supplement whose
# deadline has not passed by the meeting. It gets 0 € but is not a refusal:
# the documents leave it out and ``avustus decide`` must not record it.
PENDING_CODE = "KESKEN"
_PENDING_LEADS = ("arviointi kesken", "täydennys kesken")

REPORT_LABELS = {"approved": "hyväksytty", "incomplete": "täydennettävä", "processing": "käsittelyssä"}


class NotCheckedError(ValidationError):
    """Some application has not been checked since it was imported or changed."""


# --- the rows -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One application in the proposal: its standing and the proposed grant."""

    result: Result
    amount: Decimal
    reason_code: str
    reason: str
    conditions: tuple[str, ...] = ()
    method: str = ""
    source: str = "allocation"
    score: Decimal | None = None
    criteria: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def app(self):
        return self.result.app

    @property
    def form(self) -> str:
        return self.app.form.value if self.app.form else ""

    @property
    def requested(self) -> Decimal:
        return self.app.requested if self.app.requested is not None else Decimal(0)

    def stored(self) -> dict[str, Any]:
        return {
            "amount_cents": cents(self.amount),
            "reason_code": self.reason_code,
            "reason": self.reason,
            "conditions": "\n".join(self.conditions),
            "method": self.method,
            "source": self.source,
        }


@dataclass
class Plan:
    rows: list[Row]
    budget: Budget
    method: Method
    settings: Settings

    def by_id(self) -> dict[str, Row]:
        return {r.app.id: r for r in self.rows}


def checked_results(store: Store) -> list[Result]:
    results = current_results(store)
    if not results:
        raise ValidationError("tietokannassa ei ole hakemuksia. Tuo ensin hakemukset: avustus import TIEDOSTO")
    unchecked = [r.app.id for r in results if not r.checked]
    if unchecked:
        shown = ", ".join(unchecked[:5]) + (f" ja {len(unchecked) - 5} muuta" if len(unchecked) > 5 else "")
        raise NotCheckedError(
            f"hakemuksia ei ole tarkistettu tuonnin tai muutoksen jälkeen ({shown}): aja ensin avustus check"
        )
    return results


def _relevant(result: Result) -> list:
    """Open findings that stop the grant (everything but notes, payment holds
    and findings about the decision makers, J01)."""
    return [
        f for f in result.open_findings
        if f.severity is not Severity.NOTE and f.code not in DECIDER_CODES
        and not (f.code in PAYMENT_HOLD_CODES and f.severity is Severity.DEFICIENCY)
    ]


def stop_codes(result: Result) -> list[str]:
    """The rule codes that keep this application from getting money, most severe first."""
    out: list[str] = []
    for f in sorted(_relevant(result), key=lambda f: (f.severity.rank, f.code)):
        if f.code not in out:
            out.append(f.code)
    return out


def ineligible_reason(result: Result) -> str:
    """Finnish: why the application gets nothing (names the findings and their facts)."""
    found = sorted(_relevant(result), key=lambda f: (f.severity.rank, f.code))
    if not found:
        return ""
    worst = found[0].severity
    lead = {
        Severity.BLOCKING: "hylätään",
        Severity.DEFICIENCY: "täydennystä ei saatu",
        Severity.REVIEW: "arviointi kesken",
    }[worst]
    same = [f for f in found if f.severity is worst]
    return f"{lead}: " + "; ".join(f"{f.code} {f.message}" for f in same)


# --- pending applications (käsittely kesken) -------------------------------------


def supplement_due(settings: Settings, as_of: dt.date) -> dt.date:
    """The last day to supply what a supplement request sent on ``as_of`` asks for."""
    return deadlines.count_days(as_of, settings.supplement_days)


def decision_day(settings: Settings, as_of: dt.date) -> dt.date:
    """The day the proposal is decided: the meeting, else the proposal's own date."""
    return settings.meeting_date or as_of


def supplement_open(settings: Settings, as_of: dt.date) -> bool:
    """True when the supplements asked on ``as_of`` may still arrive by the decision day."""
    return decision_day(settings, as_of) <= supplement_due(settings, as_of)


def _open_reviews(result: Result) -> list:
    """Judgement cases: open review findings (J01 is about the decision makers, never the applicant)."""
    return [f for f in result.open_findings if f.severity is Severity.REVIEW and f.code not in DECIDER_CODES]


def _open_deficiencies(result: Result) -> list:
    """Open deficiencies a supplement can cure (payment holds excluded)."""
    return [f for f in result.open_findings if f.severity is Severity.DEFICIENCY and f.code not in PAYMENT_HOLD_CODES]


def _codes(findings: Iterable) -> list[str]:
    return list(dict.fromkeys(f.code for f in sorted(findings, key=lambda f: (f.severity.rank, f.code))))


def pending_findings(result: Result, settings: Settings | None = None, as_of: dt.date | None = None) -> list:
    """Why the application cannot be decided yet: [] when it can.

    - an open review finding (not accepted; J01 excluded): the officer must
      judge it (``avustus accept``) or correct the data; the tool never
      decides a judgement case;
    - with ``settings`` and ``as_of``: an open deficiency whose supplement
      deadline (``as_of`` + ``supplement_days``, moved to a working day) is on
      or after the decision day (``meeting_date``, else ``as_of``).

    A blocking finding decides the application: it is never pending."""
    if not result.checked or result.blocking():
        return []
    found = _open_reviews(result)
    if settings is not None and as_of is not None and supplement_open(settings, as_of):
        found += _open_deficiencies(result)
    return sorted(found, key=lambda f: (f.severity.rank, f.code))


def is_pending(result: Result, settings: Settings | None = None, as_of: dt.date | None = None) -> bool:
    """The application waits for the officer's judgement or a supplement: see ``pending_findings``."""
    return bool(pending_findings(result, settings, as_of))


def pending_ids(results: Iterable[Result], settings: Settings | None = None, as_of: dt.date | None = None) -> list[str]:
    """The ids of the pending applications among ``results`` (``current_results(store)``), in order.

    Without ``settings`` and ``as_of`` only the judgement cases (open review
    findings) count; the stored proposal marks every pending application of
    the last ``avustus propose`` run with reason code ``PENDING_CODE``."""
    return [r.app.id for r in results if is_pending(r, settings, as_of)]


def pending_reason(result: Result, settings: Settings | None = None, as_of: dt.date | None = None) -> str:
    """Finnish, for esitys.xlsx: what keeps the application pending and what to do ("" when not pending)."""
    found = pending_findings(result, settings, as_of)
    if not found:
        return ""
    parts = []
    reviews = [f for f in found if f.severity is Severity.REVIEW]
    waiting = [f for f in found if f.severity is Severity.DEFICIENCY]
    todo = []
    if reviews:
        parts.append("arviointi kesken: " + ", ".join(_codes(reviews)))
        todo.append("kuittaa havainnot (avustus accept) tai korjaa tiedot")
    if waiting:
        due = f" (määräaika {fmt.date(supplement_due(settings, as_of))})" if settings is not None and as_of else ""
        parts.append("täydennys kesken: " + ", ".join(_codes(waiting)) + due)
        todo.append("tuo täydennys (avustus import, avustus check)" if reviews else
                    "tuo täydennys (avustus import, avustus check) tai kuittaa havainnot (avustus accept)")
    return "; ".join(parts) + " – " + "; ".join(todo)


def proposal_warnings(rows: Sequence[Row], settings: Settings, as_of: dt.date) -> list[str]:
    """Finnish warnings for the officer about the documents just written
    (``avustus propose`` prints them on stderr): the supplement deadline
    against the meeting, and the pending applications left out."""
    out: list[str] = []
    due, day = supplement_due(settings, as_of), decision_day(settings, as_of)
    waiting = [r for r in rows if r.amount == 0 and not r.result.blocking() and _open_deficiencies(r.result)]
    if waiting:
        what = f"Kokous {fmt.date(day)}" if settings.meeting_date else (
            f"Esityksen päiväys {fmt.date(day)} (kokouspäivää, asetus meeting_date, ei ole annettu)")
        ids = ", ".join(r.app.id for r in waiting)
        if day <= due:
            when = "ennen täydennysten määräaikaa" if day < due else "täydennysten määräajan viimeinen päivä"
            out.append(f"{what} on {when} {fmt.date(due)}: täydennystä odottavia hakemuksia ({len(waiting)} kpl) "
                       "ei esitetä hylättäviksi, vaan niiden käsittely on kesken (luettelo alla).")
        else:
            out.append(f"Täydennysten määräaika {fmt.date(due)} päättyy ennen kokousta {fmt.date(day)}: {len(waiting)} "
                       f"hakemusta esitetään hylättäviksi, koska täydennystä ei ole saatu ({ids}). Jos täydennyksiä "
                       "saapuu määräaikaan mennessä, tuo ne (avustus import), aja avustus check ja avustus propose uudelleen.")
    left_out = _pending_rows(rows, settings, as_of)
    pending = [r for r in rows if r.app.id in left_out]
    if pending:
        lines = [f"{len(pending)} hakemuksen käsittely on kesken. Niitä ei esitetä päätettäviksi (esitys 0 €, peruste "
                 f"{PENDING_CODE}); päätösesityksessä, liitteessä 1 ja strategiajohtajan päätöksessä ei ole niistä kohtaa:"]
        for r in pending:
            lines.append(f"  {r.app.id} {r.app.applicant}: {pending_reason(r.result, settings, as_of)}")
        lines.append("Ratkaise ne ennen kokousta: kuittaa havainto (avustus accept HAKEMUS KOODI --reason \"...\") tai "
                     "korjaa tiedot (avustus import, avustus check), ja aja sitten avustus propose uudelleen.")
        out.append("\n".join(lines))
    return out


def _generated_reason(row: Row) -> bool:
    """The row's reason is the tool's (a finding list or a pending note), not the officer's."""
    return not row.reason or row.reason == ineligible_reason(row.result) or row.reason.startswith(_PENDING_LEADS)


def refusal_text(row: Row, supplement_due_date: dt.date | None = None) -> str:
    """The reason of a refusal as the documents state it: the officer's own
    text when edited, else the findings' facts (the codes are shown beside).
    A refusal for a missing supplement names the supplement's deadline
    (``supplement_due_date``) when it is known."""
    if not _generated_reason(row):
        return _sentence(row.reason)
    found = sorted(_relevant(row.result), key=lambda f: (f.severity.rank, f.code))
    if not found:
        return _sentence(row.reason)
    worst = found[0].severity
    facts = "; ".join(dict.fromkeys(f.message for f in found if f.severity is worst))
    if worst is Severity.DEFICIENCY:
        if supplement_due_date:
            return _sentence(f"Täydennystä pyydettiin {fmt.date(supplement_due_date)} mennessä; sitä ei ole saatu ({facts})")
        return _sentence("Hakemus on puutteellinen: " + facts)
    if worst is Severity.REVIEW:
        return _sentence("Hakemuksen arviointi on kesken: " + facts)
    return _sentence(facts)


def auto_conditions(result: Result) -> list[str]:
    """The payment holds the decision will state, as conditions: P02 while the
    funding decision is pending, and R01 whenever an earlier grant's usage
    report is missing, also before its due date (a note: it must be in before
    the next payment) and also when the officer accepted the finding — the
    decision letter holds the payment in every such case."""
    out = []
    codes = [f.code for f in result.holds]
    if any(f.code == "R01" and f.severity is not Severity.BLOCKING for f in result.findings):
        codes.append("R01")
    for code in codes:
        text = HOLD_CONDITIONS.get(code)
        if text and text not in out:
            out.append(text)
    if result.app.form is GrantForm.PROJECT and HOLD_CONDITIONS["P02"] not in out:
        out.append(PROJECT_CONDITION)
    return out


def merge_conditions(result: Result, earlier: Sequence[str]) -> tuple[str, ...]:
    """The tool's own conditions first, then the officer's lines kept from ``earlier``."""
    auto = auto_conditions(result)
    officer = [c for c in earlier if c and c not in AUTO_CONDITIONS and c not in auto]
    return tuple(auto + officer)


def split_conditions(text: str | None) -> list[str]:
    if not text:
        return []
    return [ln.strip() for ln in re.split(r"[\n\r]+", str(text)) if ln.strip()]


def stored_proposals(store: Store) -> dict[str, dict[str, Any]]:
    return proposal_store.proposal_rows(store)


def stored_scores(store: Store) -> dict[str, tuple[Decimal | None, dict[str, Decimal]]]:
    return proposal_store.scores(store)


def budget_of(settings: Settings, budget_total: Decimal | None = None) -> Budget:
    b = Budget.from_settings(settings)
    if budget_total is not None:
        b = dataclasses.replace(b, total=budget_total)
    return b


def candidates(results: Sequence[Result], scores: Mapping[str, tuple[Decimal | None, dict]]) -> list[Candidate]:
    out = []
    for r in results:
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
) -> Plan:
    """Allocate the budget over the checked round (nothing is stored).

    A pending application (``pending_findings``; with ``as_of`` also one
    waiting for a supplement) gets 0 € with reason code ``PENDING_CODE``."""
    results = checked_results(store)
    scores = stored_scores(store)
    budget = budget_of(settings, budget_total)
    m = Method.from_settings(settings, method)
    allocs = allocate(candidates(results, scores), budget, m)
    earlier = stored_proposals(store)
    rows = []
    for r, a in zip(results, allocs):
        score, crit = scores.get(r.app.id, (None, {}))
        code = str(a.reason_code)
        if a.reason_code == ReasonCode.INELIGIBLE:
            reason = pending_reason(r, settings, as_of)
            if reason:
                code = PENDING_CODE
            else:
                reason = ineligible_reason(r)
        else:
            reason = a.reason
        prev = split_conditions(earlier.get(r.app.id, {}).get("conditions"))
        conds = merge_conditions(r, prev) if a.amount > 0 else tuple(
            c for c in prev if c not in AUTO_CONDITIONS
        )
        rows.append(Row(r, a.amount, code, reason, conds, m.method, "allocation", score, crit))
    return Plan(rows, budget, m, settings)


def compare_methods(store: Store, settings: Settings, budget_total: Decimal | None = None) -> dict[str, dict[str, Any]]:
    results = checked_results(store)
    budget = budget_of(settings, budget_total)
    return compare(candidates(results, stored_scores(store)), budget, Method.from_settings(settings))


# --- storing ------------------------------------------------------------------


def save_plan(store: Store, rows: Iterable[Row], *, scores: bool = False) -> int:
    """Store the proposals (and with ``scores`` the scores) in one transaction;
    each changed row gets an audit entry. Returns how many proposals changed."""
    earlier = stored_proposals(store)
    old_scores = stored_scores(store) if scores else {}
    changed = 0
    ts = now()
    with store.transaction():
        for row in rows:
            new = row.stored()
            old = earlier.get(row.app.id)
            if old is None or any(old[k] != v for k, v in new.items()):
                proposal_store.save_proposal(store, row.app.id, new, ts)
                detail: dict[str, Any] = {"amount": str(row.amount), "reason_code": row.reason_code, "source": row.source}
                if old is not None:
                    detail["previous_amount"] = str(euros(old["amount_cents"]))
                    for k in ("reason", "conditions", "method"):
                        if old[k] != new[k]:
                            detail[k] = new[k]
                else:
                    detail.update(reason=new["reason"], conditions=new["conditions"], method=new["method"])
                store.audit("proposal", row.app.id, "set" if old is None else "change", detail)
                changed += 1
            if scores:
                before = old_scores.get(row.app.id, (None, {}))
                after = (row.score, dict(row.criteria))
                if before != after:
                    proposal_store.save_score(store, row.app.id, row.score, dict(row.criteria), ts)
                    store.audit(
                        "score", row.app.id, "change",
                        {"score": None if row.score is None else str(row.score),
                         "criteria": {k: str(v) for k, v in sorted(row.criteria.items())},
                         "previous_score": None if before[0] is None else str(before[0])},
                    )
    return changed


def load_rows(store: Store, settings: Settings) -> list[Row]:
    """The stored proposal, one row per application (refuses a missing one)."""
    results = checked_results(store)
    props = stored_proposals(store)
    scores = stored_scores(store)
    missing = [r.app.id for r in results if r.app.id not in props]
    if missing:
        raise ValidationError(
            f"hakemuksilta {', '.join(missing[:5])}{' ym.' if len(missing) > 5 else ''} puuttuu esitys: aja avustus propose"
        )
    rows = []
    for r in results:
        p = props[r.app.id]
        score, crit = scores.get(r.app.id, (None, {}))
        rows.append(
            Row(r, euros(p["amount_cents"]) or Decimal(0), p["reason_code"], p["reason"],
                tuple(split_conditions(p["conditions"])), p["method"], p["source"], score, crit)
        )
    return rows


# --- summaries ----------------------------------------------------------------

FORMS = ("operating", "partnership", "project")


def _form_label(form: str) -> str:
    try:
        return GRANT_FORM_LABELS[GrantForm(form)]
    except ValueError:
        return "(avustusmuoto puuttuu)"


def summary_by_form(rows: Sequence[Row], budget: Budget) -> list[dict[str, Any]]:
    """Per budget line: count, requested, proposed, budget, remaining (Decimal)."""
    lines: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        lines[r.form if r.form in budget.per_form else ""].append(r)
    out = []
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    for key in [*sorted(budget.per_form, key=FORMS.index), ""]:
        rs = lines.get(key, [])
        if key == "" and not rs and budget.per_form:
            continue
        line_budget = budget.per_form[key] if key else common
        if key:
            label = _form_label(key)
        elif budget.per_form:
            label = "Muut avustusmuodot"
        else:
            label = "Kaikki avustusmuodot"
        requested = sum((r.requested for r in rs), Decimal(0))
        proposed = sum((r.amount for r in rs), Decimal(0))
        out.append({
            "line": key, "label": label, "count": len(rs), "funded": sum(1 for r in rs if r.amount > 0),
            "requested": requested, "proposed": proposed, "budget": line_budget, "remaining": line_budget - proposed,
        })
    return out


# --- esitys.xlsx ----------------------------------------------------------------

COL_ID = "Hakemus"
COL_APPLICANT = "Hakija"
COL_BID = "Y-tunnus"
COL_FORM = "Avustusmuoto"
COL_CATEGORY = "Toimintaluokka"
COL_MUNICIPALITY = "Kotikunta"
COL_ACTIVITY = "Toiminta"
COL_DESCRIPTION = "Kuvaus"
COL_REQUESTED = "Haettu (€)"
COL_LAST = "Edellisen vuoden avustus (€)"
COL_REPORT = "Käyttöselvitys"
COL_VERDICT = "Tarkistus"
COL_CODES = "Havainnot"
COL_CODE = "Peruste"  # the annex's reason code(s); KESKEN while pending (read-only)
COL_SCORE = "Pisteet"
COL_AMOUNT = "Esitys (€)"
COL_CONDITIONS = "Ehdot"
COL_REASON = "Perustelu"
DESCRIPTION_CHARS = 300


def criterion_header(name: str) -> str:
    return f"{name} (pisteet)"


def esitys_headers(settings: Settings) -> list[str]:
    return [
        COL_ID, COL_APPLICANT, COL_BID, COL_FORM, COL_CATEGORY, COL_MUNICIPALITY, COL_ACTIVITY, COL_DESCRIPTION,
        COL_REQUESTED, COL_LAST, COL_REPORT, COL_VERDICT, COL_CODES, COL_CODE, COL_SCORE,
        *[criterion_header(k) for k in sorted(settings.score_weights)],
        COL_AMOUNT, COL_CONDITIONS, COL_REASON,
    ]


def last_year(settings: Settings, app, history: Mapping[str, tuple[Grant, ...]]) -> tuple[Decimal | None, str]:
    """Last year's grant(s) to the applicant and their report status."""
    grants = [g for g in history.get(app.business_id or "", ()) if g.year == settings.year - 1 and g.application_id != app.id]
    if not grants:
        return None, ""
    amount = sum((g.amount for g in grants), Decimal(0))
    states = []
    for g in grants:
        if g.report_status is not None:
            states.append(REPORT_LABELS.get(g.report_status.value, g.report_status.value))
        elif g.report_received is not None:
            states.append(f"saapunut {fmt.date(g.report_received)}")
        else:
            states.append("ei saapunut")
    return amount, ", ".join(dict.fromkeys(states))


def _shorten(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def write_esitys(path: Path, rows: Sequence[Row], budget: Budget, settings: Settings, history) -> Path:
    from avustus_cli.adapters.excel import Formula, Sheet, column_letter, write_workbook

    headers = esitys_headers(settings)
    idx = {h: i for i, h in enumerate(headers)}
    weights = sorted(settings.score_weights)
    data = []
    for r in rows:
        a = r.app
        last_amount, last_state = last_year(settings, a, history)
        codes = sorted({f.code for f in r.result.open_findings if f.severity is not Severity.NOTE})
        line = [
            a.id, a.applicant, a.business_id or (a.raw.get("business_id") if a.raw else "") or "",
            _form_label(r.form), a.category, a.home_municipality or "", a.activity_name,
            _shorten(a.description, DESCRIPTION_CHARS), a.requested, last_amount, last_state,
            r.result.verdict.label, ", ".join(codes), PENDING_CODE if r.reason_code == PENDING_CODE else ", ".join(_codes_for(r)),
            r.score,
            *[r.criteria.get(k) for k in weights],
            r.amount, "\n".join(r.conditions), r.reason,
        ]
        data.append(line)
    n = len(rows)
    last_row = n + 1
    amount_col = column_letter(idx[COL_AMOUNT])
    req_col = column_letter(idx[COL_REQUESTED])
    form_col = column_letter(idx[COL_FORM])
    rng = lambda col: f"{ESITYS_SHEET}!${col}$2:${col}${max(last_row, 2)}"  # noqa: E731
    summary_rows = []
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    r_no = 2
    form_rows = []
    for form in FORMS:
        label = _form_label(form)
        line_budget = budget.per_form.get(form)
        summary_rows.append([
            label,
            Formula(f'=COUNTIFS({rng(form_col)},"{label}")'),
            Formula(f'=SUMIFS({rng(req_col)},{rng(form_col)},"{label}")'),
            Formula(f'=SUMIFS({rng(amount_col)},{rng(form_col)},"{label}")'),
            line_budget,
            Formula(f"=E{r_no}-D{r_no}") if line_budget is not None else None,
        ])
        form_rows.append(r_no)
        r_no += 1
    if budget.per_form:
        others = [f"D{form_rows[i]}" for i, f in enumerate(FORMS) if f not in budget.per_form]
        summary_rows.append([
            "Muut (yhteinen määräraha)", None, None,
            Formula("=" + "+".join(others)) if others else 0, common, Formula(f"=E{r_no}-D{r_no}"),
        ])
        r_no += 1
    summary_rows.append([
        "Yhteensä",
        Formula(f"=COUNTA({rng(column_letter(idx[COL_ID]))})"),
        Formula(f"=SUM({rng(req_col)})"),
        Formula(f"=SUM({rng(amount_col)})"),
        budget.total,
        Formula(f"=E{r_no}-D{r_no}"),
    ])
    cap_rows = []
    if budget.category_caps:
        cat_col = column_letter(idx[COL_CATEGORY])
        for c in sorted(budget.category_caps):
            rr = r_no + 2 + len(cap_rows)
            cap_rows.append([
                f"Toimintaluokka {c} (enimmäismäärä)",
                Formula(f"=COUNTIFS({rng(cat_col)},{c})"),
                Formula(f"=SUMIFS({rng(req_col)},{rng(cat_col)},{c})"),
                Formula(f"=SUMIFS({rng(amount_col)},{rng(cat_col)},{c})"),
                budget.category_caps[c],
                Formula(f"=E{rr}-D{rr}"),
            ])
    editable = [idx[COL_SCORE], *[idx[criterion_header(k)] for k in weights], idx[COL_AMOUNT], idx[COL_CONDITIONS], idx[COL_REASON]]
    widths = {idx[COL_APPLICANT]: 36, idx[COL_DESCRIPTION]: 50, idx[COL_CONDITIONS]: 40, idx[COL_REASON]: 50, idx[COL_ACTIVITY]: 30}
    sheets = [
        Sheet(
            ESITYS_SHEET, headers, data,
            money_columns=[idx[COL_REQUESTED], idx[COL_LAST], idx[COL_AMOUNT]],
            widths=widths, editable_columns=editable,
        ),
        Sheet(
            SUMMARY_SHEET,
            ["Määräraha", "Hakemuksia", "Haettu (€)", "Esitetty (€)", "Määräraha (€)", "Jäljellä (€)"],
            summary_rows + ([[None] * 6] + cap_rows if cap_rows else []),
            money_columns=[2, 3, 4, 5], widths={0: 34},
        ),
    ]
    return write_workbook(path, sheets)


# --- reading the officer's edits ------------------------------------------------


@dataclass(frozen=True)
class Edit:
    row_no: int
    app_id: str
    amount: Decimal
    reason: str
    conditions: tuple[str, ...]
    score: Decimal | None
    criteria: dict[str, Decimal]


def _col_label(headers: list[str], name: str) -> str:
    from avustus_cli.adapters.excel import column_letter

    return f"{column_letter(headers.index(name))} ({name})"


def _number(value: Any, *, allow_empty: bool) -> Decimal | None:
    """A cell as Decimal: numbers or Finnish-written text (12 500,00 €)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_empty:
            return None
        raise ValueError("tyhjä")
    if isinstance(value, bool):
        raise ValueError("ei luku")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("ei luku")
        d = Decimal(repr(value))
        q = d.quantize(Decimal("0.0001"))
        return q.normalize() if q == q.to_integral_value() else q
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
    text = text.replace("\u2212", "-")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError("ei luku") from None
    if not d.is_finite():
        raise ValueError("ei luku")
    return d


def read_sheet(path: Path, settings: Settings, display: str | None = None) -> list[Edit]:
    """The officer's edits from esitys.xlsx (header by name); shape errors only."""
    from avustus_cli.adapters.excel import read_rows

    display = display or path.name
    headers, rows = read_rows(path, ESITYS_SHEET, display)
    headers = ["" if h in (None, "None") else h for h in headers]
    needed = [COL_ID, COL_AMOUNT, COL_REASON, COL_CONDITIONS]
    for name in needed:
        if name not in headers:
            raise InputFileError(
                f"sarakeotsikkoa '{name}' ei löydy. Älä muuta otsikkorivin tekstejä; kirjoita tarvittaessa uusi "
                "taulukko komennolla avustus propose --out KANSIO.",
                file=display, sheet=ESITYS_SHEET, row=1,
            )
    col = {h: i for i, h in enumerate(headers) if h}
    weights = sorted(settings.score_weights)

    def cell(cells: list[Any], name: str) -> Any:
        i = col.get(name)
        return cells[i] if i is not None and i < len(cells) else None

    edits: list[Edit] = []
    seen: dict[str, int] = {}
    for row_no, cells in rows:
        raw_id = cell(cells, COL_ID)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        app_id = "" if raw_id is None else str(raw_id).strip()
        where = dict(file=display, sheet=ESITYS_SHEET, row=row_no)
        if not app_id:
            raise InputFileError("hakemustunnus puuttuu. Älä lisää rivejä taulukkoon.", column=_col_label(headers, COL_ID), **where)
        if app_id in seen:
            raise InputFileError(
                f"hakemus {app_id} on taulukossa kahdesti (myös rivillä {seen[app_id]}).",
                column=_col_label(headers, COL_ID), **where,
            )
        seen[app_id] = row_no
        try:
            amount = _number(cell(cells, COL_AMOUNT), allow_empty=False)
        except ValueError:
            raise InputFileError(
                f"esitys {cell(cells, COL_AMOUNT)!r} ei ole euromäärä: kirjoita luku, esim. 12500 (0, jos hakemus hylätään).",
                column=_col_label(headers, COL_AMOUNT), **where,
            ) from None
        if amount < 0:
            raise InputFileError(f"esitys {fmt.money2(amount)} on negatiivinen: kirjoita 0 tai positiivinen euromäärä.",
                                 column=_col_label(headers, COL_AMOUNT), **where)
        if amount != amount.quantize(Decimal("0.01")):
            raise InputFileError(f"esitys {amount:f} on tarkempi kuin sentti: pyöristä senteiksi.",
                                 column=_col_label(headers, COL_AMOUNT), **where)
        amount = amount.quantize(Decimal("0.01"))

        def points(name: str) -> Decimal | None:
            try:
                v = _number(cell(cells, name), allow_empty=True)
            except ValueError:
                raise InputFileError(f"pisteet {cell(cells, name)!r} eivät ole luku.",
                                     column=_col_label(headers, name), **where) from None
            if v is not None and v < 0:
                raise InputFileError(f"pisteet {v} ovat negatiiviset.", column=_col_label(headers, name), **where)
            return v

        score = points(COL_SCORE) if COL_SCORE in col else None
        criteria = {}
        for k in weights:
            h = criterion_header(k)
            if h in col:
                v = points(h)
                if v is not None:
                    criteria[k] = v
        reason = cell(cells, COL_REASON)
        reason = "" if reason is None else " ".join(str(reason).split())
        conds = tuple(split_conditions(cell(cells, COL_CONDITIONS)))
        edits.append(Edit(row_no, app_id, amount, reason, conds, score, criteria))
    return edits


def apply_edits(
    store: Store,
    settings: Settings,
    edits: Sequence[Edit],
    path_display: str,
    budget_total: Decimal | None = None,
) -> tuple[list[Row], int]:
    """Validate the edits against the round and store them (source='sheet').
    Refuses with one message naming file, sheet, row and column; nothing is
    stored then. Returns the stored rows and how many proposals changed."""
    stored_rows = load_rows(store, settings)
    rows = {r.app.id: r for r in stored_rows}
    new_rows = validate_edits(rows, edits, budget_of(settings, budget_total), path_display)
    order = {r.app.id: i for i, r in enumerate(stored_rows)}
    new_rows.sort(key=lambda r: order[r.app.id])
    changed = save_plan(store, new_rows, scores=True)
    return new_rows, changed


def validate_edits(
    rows: Mapping[str, Row],
    edits: Sequence[Edit],
    budget: Budget,
    path_display: str,
    *,
    require_all: bool = True,
    require_reduction_reasons: bool = True,
) -> list[Row]:
    """The checks of an edited esitys.xlsx against the round; pure (no store).

    ``rows`` are the stored proposal's rows by application id, ``edits`` the
    sheet's rows (``read_sheet`` already refused empty, non-numeric, negative
    and sub-cent amounts). Refused, with an ``InputFileError`` naming file,
    sheet, row and column:

    - an application not in ``rows`` (and with ``require_all`` one of ``rows`` missing from the sheet);
    - money for an application with a blocking or other open finding;
    - an amount above the request without a reason (or with the old reason unchanged);
    - a changed amount whose reason was not changed;
    - with ``require_reduction_reasons``: a refusal or reduction without a reason
      (``avustus decide`` instead takes the reasons of a refusal from the
      findings and refuses the missing ones itself, all at once);
    - any budget line, category cap or the total going over (``_check_budget``).

    Returns every row of ``rows`` with its edit applied (a row without an
    edit as it was), in ``rows`` order."""

    def fail(e: Edit | None, column: str, message: str) -> InputFileError:
        return InputFileError(message, file=path_display, sheet=ESITYS_SHEET, row=e.row_no if e else None,
                              column=column)

    unknown = [e for e in edits if e.app_id not in rows]
    if unknown:
        e = unknown[0]
        raise fail(e, COL_ID, f"hakemusta {e.app_id} ei ole tietokannassa. Älä lisää tai muuta hakemustunnuksia.")
    if require_all:
        missing = sorted(set(rows) - {e.app_id for e in edits})
        if missing:
            raise fail(None, COL_ID,
                       f"taulukosta puuttuu {len(missing)} hakemusta ({', '.join(missing[:5])}"
                       f"{' ym.' if len(missing) > 5 else ''}). Älä poista rivejä: merkitse hylättävälle esitykseksi 0 ja perustelu.")

    by_id: dict[str, Row] = dict(rows)
    for e in edits:
        old = rows[e.app_id]
        res = old.result
        requested = old.requested
        reason = e.reason
        changed_amount = e.amount != old.amount
        if e.amount > 0 and not res.fundable:
            blocking = [f.code for f in res.blocking()]
            if blocking:
                raise fail(e, COL_AMOUNT,
                           f"hakemukselle {e.app_id} ei voi esittää avustusta: hylkäävä havainto {', '.join(blocking)} on voimassa. "
                           "Merkitse esitykseksi 0.")
            raise fail(e, COL_AMOUNT,
                       f"hakemukselle {e.app_id} ei voi esittää avustusta, koska havainto {', '.join(stop_codes(res))} on avoinna. "
                       "Pyydä täydennys ja aja avustus check, tai kuittaa havainto komennolla avustus accept, ja lue taulukko sitten uudelleen.")
        if e.amount > requested and (not reason or (changed_amount and reason == old.reason)):
            raise fail(e, COL_REASON,
                       f"esitys {fmt.money2(e.amount)} on suurempi kuin haettu {fmt.money2(requested)}: kirjoita perustelu.")
        if require_reduction_reasons and e.amount < requested and not reason:
            what = "hylkäykselle" if e.amount == 0 else "haettua pienemmälle avustukselle"
            raise fail(e, COL_REASON, f"perustelu puuttuu {what} (esitys {fmt.money2(e.amount)}, haettu {fmt.money2(requested)}).")
        if changed_amount and e.amount != requested and reason and reason == old.reason:
            raise fail(e, COL_REASON,
                       f"esitystä on muutettu ({fmt.money2(old.amount)} → {fmt.money2(e.amount)}), mutta perustelu on ennallaan: "
                       "kirjoita perustelu, joka kertoo muutoksen syyn.")
        # the reason code
        if e.amount == old.amount:
            code = old.reason_code
        elif e.amount == 0 and not res.fundable:
            code = str(ReasonCode.INELIGIBLE)
        elif e.amount == requested:
            code = str(ReasonCode.FULL)
        else:
            code = "OFFICER"
        conds = tuple(e.conditions)
        if e.amount > 0:
            conds = tuple(dict.fromkeys([*auto_conditions(res), *conds]))
        if not reason and e.amount >= requested:
            reason = "myönnetään haettu määrä"
        source = old.source
        if (e.amount, reason, conds) != (old.amount, old.reason, old.conditions):
            source = "sheet"
        by_id[e.app_id] = dataclasses.replace(
            old, amount=e.amount, reason=reason, reason_code=code, conditions=conds, source=source,
            score=e.score, criteria=e.criteria,
        )
    new_rows = list(by_id.values())
    _check_budget(new_rows, {e.app_id: e for e in edits}, budget, path_display)
    return new_rows


def _check_budget(rows: Sequence[Row], edits: Mapping[str, Edit], budget: Budget, display: str) -> None:
    """Each budget line, each category cap and the total, in sheet order: the
    row where a sum first goes over is named. Rows without an edit (kept as
    stored) are counted first."""
    in_order = sorted(rows, key=lambda r: (1, edits[r.app.id].row_no) if r.app.id in edits else (0, 0))
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in in_order:
        e = edits.get(r.app.id)
        checks = []
        line = r.form if r.form in budget.per_form else ""
        checks.append((f"line:{line}", budget.per_form[line] if line else common,
                       f"avustusmuodon {_form_label(line).lower()} määräraha" if line else
                       ("yhteinen määräraha" if budget.per_form else "määräraha")))
        checks.append(("total", budget.total, "kokonaismääräraha"))
        if r.app.category in budget.category_caps:
            checks.append((f"cat:{r.app.category}", budget.category_caps[r.app.category],
                           f"toimintaluokan {r.app.category} enimmäismäärä"))
        for key, limit, label in checks:
            sums[key] += r.amount
            if sums[key] > limit:
                where = "tällä rivillä" if e is not None else f"(hakemus {r.app.id}, ei taulukossa)"
                raise InputFileError(
                    f"esitykset ylittävät määrärahan {where}: {label} on {fmt.money2(limit)}, "
                    f"mutta esityksiä on tähän riviin mennessä {fmt.money2(sums[key])} "
                    f"(ylitys {fmt.money2(sums[key] - limit)}). Pienennä esityksiä.",
                    file=display, sheet=ESITYS_SHEET, row=e.row_no if e is not None else None, column=COL_AMOUNT,
                )


# --- documents ------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_sha256(path: Path) -> str:
    """A hash of what a document says, not of its container: HTML bytes as
    they are; for .docx/.xlsx (zip) the member names and bytes, leaving out
    the zip timestamps and the workbook's creation/modification properties."""
    data = path.read_bytes()
    if path.suffix.lower() not in (".docx", ".xlsx"):
        return _sha256(data)
    h = hashlib.sha256()
    with zipfile.ZipFile(path) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", z.read(info))
                digest = _sha256(body)
            else:
                # the member's CRC-32 and size from the zip directory: what it says, without unpacking it
                digest = f"{info.CRC:08x}:{info.file_size}"
            h.update(info.filename.encode() + b"\0" + digest.encode() + b"\n")
    return h.hexdigest()


FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def fix_zip_times(path: Path) -> None:
    """Set every member's timestamp in a .docx/.xlsx file to 1.1.1980 in place (see render.fixed_zip_times)."""
    from avustus_cli.adapters.excel import atomic_save
    from avustus_cli.adapters.render import fixed_zip_times

    data = path.read_bytes()
    fixed = fixed_zip_times(data)
    if fixed != data:
        atomic_save(path, lambda tmp: Path(tmp).write_bytes(fixed))


def normalise_zip(path: Path) -> None:
    """Make a written .docx/.xlsx byte-stable: fixed creation/modification
    dates in its properties (openpyxl writes the current time there) and fixed
    member timestamps."""
    from avustus_cli.adapters.excel import atomic_save

    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml") if "docProps/core.xml" in z.namelist() else None
        fixed = None
        if core is not None:
            fixed = re.sub(
                rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rb"\g<1>2000-01-01T00:00:00Z\g<3>", core
            )
        if fixed == core:
            members = None
        else:
            members = [(i, fixed if i.filename == "docProps/core.xml" else z.read(i.filename)) for i in z.infolist()]
    if members is not None:
        def save(tmp: str) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for info, body in members:
                    zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    zi.external_attr = 0o600 << 16
                    out.writestr(zi, body)

        atomic_save(path, save)
    fix_zip_times(path)


PARALLEL_LETTERS = 40  # from this many letters on, render them in worker processes


def _letters_chunk(args: tuple[Path, list[tuple[str, dict[str, Any]]], Settings, tuple[str, ...]]) -> list[Path]:
    from avustus_cli.adapters.render import write_document

    letter_dir, items, settings, formats = args
    out: list[Path] = []
    for stem, ctx in items:
        # render_docx gives byte-stable .docx already (the template's fixed dates, fixed zip times)
        out += write_document(letter_dir, f"taydennyspyynto_{stem}", "taydennyspyynto", ctx, settings, formats)
    return out


def write_letters(
    letter_dir: Path,
    contexts: Sequence[tuple[str, dict[str, Any]]],
    settings: Settings,
    formats: Sequence[str],
    workers: int | None = None,
) -> list[Path]:
    """The supplement requests, in worker processes when there are many
    (each letter is independent; rendering a .docx is CPU-bound)."""
    import os

    items = list(contexts)
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers < 2 or len(items) < PARALLEL_LETTERS:
        return _letters_chunk((letter_dir, items, settings, tuple(formats)))
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(items) // (workers * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    out: list[Path] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for paths in pool.map(_letters_chunk, [(letter_dir, c, settings, tuple(formats)) for c in chunks]):
            out += paths
    return out


def _review(settings: Settings) -> dict[str, Any]:
    return {"authority": settings.body, "channel": None, "sent": None, "served": None, "last_day": None}


def _purpose(app) -> str:
    return _shorten(app.activity_name or app.description, 120)


def _codes_for(row: Row) -> list[str]:
    if row.amount == 0 and row.requested > 0 or row.reason_code == ReasonCode.INELIGIBLE:
        codes = stop_codes(row.result)
        if codes:
            return codes
    if row.reason_code in FULL_CODES or row.amount >= row.requested:
        return []
    c = ALLOCATION_CODES.get(row.reason_code)
    return [c[0]] if c else []


def _legend(codes: Iterable[str]) -> list[dict[str, str]]:
    titles = {code: title for code, title in ALLOCATION_CODES.values()}
    out = []
    for c in sorted(set(codes)):
        if c in RULES:
            out.append({"code": c, "title": RULES[c].title})
        elif c in titles:
            out.append({"code": c, "title": titles[c]})
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _category_name(settings: Settings, cat: int | None) -> str:
    if cat is None or not 1 <= cat <= len(settings.categories):
        return "Toimintaluokka puuttuu"
    return f"{cat}. {settings.categories[cat - 1]}"


def decider_for(app, amount: Decimal, settings: Settings) -> str:
    """Who decides the application (S04): ``settings.body``, except a
    partnership agreement of at most ``partnership_threshold`` € a year, which
    ``settings.small_partnership_decider`` decides. A grant is routed by the
    proposed amount a year, a refusal (0 €) by the amount applied for."""
    if app.form is not GrantForm.PARTNERSHIP:
        return settings.body
    basis = amount if amount > 0 else (app.requested if app.requested is not None else Decimal(0))
    routing = partnership_routing(dataclasses.replace(app, requested=basis), settings)
    return settings.body if any(d == settings.body for _, _, d in routing) else settings.small_partnership_decider


def _partnership(row: Row, settings: Settings) -> dict[str, Any]:
    app = row.app
    routing = partnership_routing(dataclasses.replace(app, requested=row.amount), settings)
    per_year = max((amt for _, amt, _ in routing), default=Decimal(0))
    decider = decider_for(app, row.amount, settings)
    start = app.agreement_start or dt.date(settings.year, 1, 1)
    end = app.agreement_end or dt.date(settings.year, 12, 31)
    return {"row": row, "applicant": app.applicant, "start": start, "end": end,
            "amount_per_year": per_year, "decider": decider}


def _pending_rows(rows: Sequence[Row], settings: Settings, as_of: dt.date | None) -> set[str]:
    """Ids of the rows the documents leave out: no money and still pending."""
    return {r.app.id for r in rows if r.amount == 0 and is_pending(r.result, settings, as_of)}


def _body_rows(rows: Sequence[Row], settings: Settings, pending: set[str]) -> list[Row]:
    """The rows ``settings.body`` decides (not pending, not a small partnership agreement)."""
    return [r for r in rows if r.app.id not in pending and decider_for(r.app, r.amount, settings) == settings.body]


def _director_rows(rows: Sequence[Row], settings: Settings, pending: set[str]) -> list[Row]:
    """The small partnership agreements (S04), granted or refused, that the strategy director decides."""
    return [r for r in rows if r.app.id not in pending and decider_for(r.app, r.amount, settings) != settings.body]


def _refusal_due(settings: Settings, as_of: dt.date | None) -> dt.date | None:
    """The supplement deadline a refusal for a missing supplement names (None: not known)."""
    return supplement_due(settings, as_of) if as_of is not None else None


def _outside_window(row: Row, settings: Settings) -> str | None:
    """"late" / "early": refused for arriving after the window / before it opened (H01)."""
    if not any(f.code == "H01" and f.severity is Severity.BLOCKING for f in row.result.open_findings):
        return None
    got = row.app.received
    got = got.date() if isinstance(got, dt.datetime) else got
    return "early" if got is not None and got < settings.window_start else "late"


def _method_text(method: Method, rows: Sequence[Row]) -> str:
    funded = [r for r in rows if r.amount > 0]
    cut = any(r.amount < r.requested for r in funded)
    base = ("Hakemukset tarkistettiin avustusohjeen ehtoja vastaan: hakijan avustuskelpoisuus, avustuksen kohdentamiskriteerit, "
            "tuetut toimintaluokat, hakuaika sekä aiempien avustusten käyttöselvitykset. ")
    text = {
        "full": "Avustuskelpoisille hakemuksille esitetään haettu määrä käsittelyjärjestyksessä niin pitkälle kuin määräraha riittää.",
        "proportional": ("Määräraha ei riitä kaikkien avustuskelpoisten hakemusten täysimääräiseen rahoittamiseen, joten avustukset "
                         "on mitoitettu samassa suhteessa haettuihin määriin." if cut else
                         "Määräraha riittää avustuskelpoisten hakemusten rahoittamiseen haetun suuruisina."),
        "score": ("Hakemukset pisteytettiin kohdentamiskriteerien perusteella, ja avustukset esitetään pistejärjestyksessä "
                  "niin pitkälle kuin määräraha riittää."),
        "threshold": ("Hakemukset pisteytettiin kohdentamiskriteerien perusteella. Kynnyspisteet ylittäneille hakemuksille "
                      "avustukset on mitoitettu samassa suhteessa haettuihin määriin."),
    }.get(method.method, "")
    if any(r.source == "sheet" for r in rows):
        text += " Valmistelija on tarkistanut esityksen ja perustellut poikkeamat hakemuskohtaisesti."
    return base + text


def board_context(
    rows: Sequence[Row],
    settings: Settings,
    budget: Budget,
    method: Method,
    step_asides: Sequence[Mapping[str, Any]] = (),
    last_year: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The board item: only what ``settings.body`` decides. Pending
    applications (``pending_findings``, with ``as_of`` also those waiting for
    a supplement) are counted but get no item; refused small partnership
    agreements are the strategy director's (``director_context``)."""
    pending = _pending_rows(rows, settings, as_of)
    body_rows = _body_rows(rows, settings, pending)
    operating = [r for r in rows if r.app.form is GrantForm.OPERATING]
    granted = [r for r in operating if r.amount > 0]
    by_cat: dict[int | None, list[Row]] = defaultdict(list)
    for r in granted:
        by_cat[r.app.category].append(r)
    outside = [_outside_window(r, settings) for r in rows]
    due = _refusal_due(settings, as_of)
    refusals = [
        {"applicant": r.app.applicant, "codes": _codes_for(r), "reason": refusal_text(r, due)}
        for r in body_rows if r.amount == 0
    ]
    reductions = [
        {"applicant": r.app.applicant, "requested": r.app.requested, "proposed": r.amount, "reason": _sentence(r.reason)}
        for r in body_rows if r.amount > 0 and r.reason_code == "OFFICER" and r.reason
    ]
    partnerships = [
        {k: v for k, v in _partnership(r, settings).items() if k != "row"}
        for r in rows if r.app.form is GrantForm.PARTNERSHIP and r.amount > 0
    ]
    projects = [
        {"applicant": r.app.applicant, "project": r.app.activity_name, "funder": r.app.external_funder,
         "start": r.app.project_start or r.app.funding_start, "end": r.app.project_end or r.app.funding_end,
         "amount": r.amount, "condition": " ".join(r.conditions)}
        for r in rows if r.app.form is GrantForm.PROJECT and r.amount > 0
    ]
    operating_budget = budget.per_form.get("operating")
    if operating_budget is None:
        operating_budget = budget.total - sum(budget.per_form.values(), Decimal(0))
    return {
        "title": f"Järjestöjen toiminta-avustukset vuodelle {settings.year}",
        "call_announcement": settings.call_announcement or (
            "Hakemukset jätettiin hyvinvointialueen sähköisessä asiointipalvelussa."
        ),
        "budget": operating_budget,
        "received_count": len(rows),
        "received_sum": sum((r.requested for r in rows), Decimal(0)),
        "late_count": outside.count("late"),
        "early_count": outside.count("early"),
        "pending_count": len(pending),
        "assessment": settings.assessment or _method_text(method, rows),
        "granted_count": len(granted),
        "granted_sum": sum((r.amount for r in granted), Decimal(0)),
        "by_category": [
            {"number": c, "name": _category_name(settings, c).split(". ", 1)[-1], "count": len(rs),
             "requested": sum((r.requested for r in rs), Decimal(0)), "proposed": sum((r.amount for r in rs), Decimal(0))}
            for c, rs in sorted(by_cat.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ],
        "refusals": refusals,
        "reductions": reductions,
        "report_due": deadlines.report_due(settings.year, settings.report_months),
        "partnerships": partnerships,
        "projects": projects,
        "extra_resolutions": [],
        "review": _review(settings),
        # Hallintolaki 28 §: decision makers with a position in an applicant step aside
        "conflicts": [dict(c) for c in step_asides],
        # last year's operating grants, for comparison: {year, count, granted} or None
        "last_year": dict(last_year) if last_year else None,
    }


def last_year_summary(store: Store, settings: Settings) -> dict[str, Any] | None:
    """Operating grants decided for the previous grant year (earlier grants register or decisions)."""
    year = settings.year - 1
    grants = [g for g in store.grants() if g.year == year and g.amount > 0 and g.form in (None, GrantForm.OPERATING)]
    if not grants:
        return None
    return {"year": year, "count": len(grants), "granted": sum((g.amount for g in grants), Decimal(0))}


def step_aside_rows(store: Store, day: dt.date) -> list[dict[str, Any]]:
    from avustus_cli.services.conflicts import step_asides

    return [
        {"person": s.conflict.position.person, "role": s.conflict.position.body_role,
         "position": s.conflict.position.position, "organisation": s.conflict.position.organisation,
         "application_id": s.application.id, "applicant": s.application.applicant}
        for s in step_asides(store, day)
    ]


def _annex_row(r: Row) -> dict[str, Any]:
    a = r.app
    return {
        "application_id": a.id, "applicant": a.applicant, "business_id": a.business_id or "",
        "municipality": a.home_municipality or "", "purpose": _purpose(a), "requested": a.requested,
        "proposed": r.amount, "conditions": "; ".join(c.rstrip(".") for c in r.conditions) + ("." if r.conditions else ""),
        "codes": _codes_for(r),
        # the officer's own reason for a changed amount (HARK): public text, scrubbed by render
        "reason": _sentence(r.reason) if r.reason_code == "OFFICER" and r.reason else "",
    }


def annex_context(rows: Sequence[Row], settings: Settings, as_of: dt.date | None = None) -> dict[str, Any]:
    """Annex 1 of the board item: what ``settings.body`` decides, nothing else.
    Pending applications and the strategy director's small partnership
    agreements are left out (and counted in ``pending_count`` / ``separately``)."""
    pending = _pending_rows(rows, settings, as_of)
    body_rows = _body_rows(rows, settings, pending)
    groups: list[tuple[str, list[Row]]] = []
    granted = [r for r in body_rows if r.amount > 0]
    by_cat: dict[int | None, list[Row]] = defaultdict(list)
    for r in granted:
        if r.app.form is GrantForm.OPERATING or r.app.form is None:
            by_cat[r.app.category].append(r)
    for c in sorted(by_cat, key=lambda c: (c is None, c or 0)):
        groups.append((f"Toiminta-avustukset: {_category_name(settings, c)}", by_cat[c]))
    for form, name in ((GrantForm.PARTNERSHIP, "Kumppanuussopimukset"), (GrantForm.PROJECT, "Hankeavustukset")):
        rs = [r for r in granted if r.app.form is form]
        if rs:
            groups.append((name, rs))
    refused = [r for r in body_rows if r.amount == 0]
    if refused:
        groups.append(("Hylättäviksi esitetyt hakemukset", refused))
    out_groups = []
    all_codes: list[str] = []
    for name, rs in groups:
        ann = [_annex_row(r) for r in rs]
        for a in ann:
            all_codes.extend(a["codes"])
        out_groups.append({
            "name": name, "rows": ann,
            "requested": sum((r.requested for r in rs), Decimal(0)),
            "proposed": sum((r.amount for r in rs), Decimal(0)),
        })
    director = _director_rows(rows, settings, pending)
    return {
        "groups": out_groups,
        "total_requested": sum((g["requested"] for g in out_groups), Decimal(0)),
        "total_proposed": sum((g["proposed"] for g in out_groups), Decimal(0)),
        "codes": _legend(all_codes),
        "separately": {"decider": settings.small_partnership_decider, "count": len(director)} if director else None,
        "pending_count": len(pending),
    }


def write_annex_xlsx(path: Path, ctx: Mapping[str, Any], settings: Settings) -> Path:
    from avustus_cli.adapters.excel import Sheet, write_workbook

    headers = ["Hakemus", "Hakija", "Y-tunnus", "Kotikunta", "Käyttötarkoitus", "Haettu (€)", "Esitys (€)", "Ehdot",
               "Peruste", "Perustelu"]
    blank = [None] * len(headers)
    data: list[list[Any]] = []
    for g in ctx["groups"]:
        data.append([g["name"], *blank[1:]])
        for r in g["rows"]:
            data.append([r["application_id"], r["applicant"], r["business_id"], r["municipality"], r["purpose"],
                         r["requested"], r["proposed"], r["conditions"], ", ".join(r["codes"]), r["reason"]])
        data.append([f"Yhteensä: {g['name']}", None, None, None, None, g["requested"], g["proposed"], None, None, None])
    footer = [["Kaikki yhteensä", None, None, None, None, ctx["total_requested"], ctx["total_proposed"], None, None, None]]
    legend = [[c["code"], c["title"]] for c in ctx["codes"]]
    sheets = [Sheet(f"Liite 1 {settings.year}", headers, data, money_columns=[5, 6],
                    widths={1: 36, 4: 40, 7: 40, 9: 40}, footer=footer)]
    if legend:
        sheets.append(Sheet("Perusteet", ["Peruste", "Selitys"], legend, widths={1: 80}))
    return write_workbook(path, sheets)


def terms_context(settings: Settings) -> dict[str, Any]:
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    return {"report_due": deadlines.report_due(settings.year, settings.report_months),
            "report_documents": list(REPORT_DOCUMENTS)}


def director_context(rows: Sequence[Row], settings: Settings, as_of: dt.date | None = None) -> dict[str, Any] | None:
    """The strategy director's draft decision on the small partnership
    agreements (S04): the approvals and the refusals with their reasons.
    None when the director has nothing to decide."""
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    mine = _director_rows(rows, settings, _pending_rows(rows, settings, as_of))
    small = [_partnership(r, settings) for r in mine if r.amount > 0]
    refused = [r for r in mine if r.amount == 0]
    if not small and not refused:
        return None
    years = sorted({y for p in small for y in (p["start"].year, p["end"].year)}) or [settings.year]
    span = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
    due = _refusal_due(settings, as_of)
    return {
        "decider": {"name": settings.strategy_director.name, "title": settings.strategy_director.title or settings.small_partnership_decider.lower()},
        "decision_date": None,
        "section": "",
        "title": f"Kumppanuussopimukset järjestöjen kanssa vuosille {span}" if "–" in span
        else f"Kumppanuussopimukset järjestöjen kanssa vuodelle {span}",
        "agreements": [
            {"application_id": p["row"].app.id, "applicant": p["applicant"], "business_id": p["row"].app.business_id or "",
             "municipality": p["row"].app.home_municipality or "", "purpose": _purpose(p["row"].app),
             "start": p["start"], "end": p["end"], "amount_per_year": p["amount_per_year"],
             **_commitments(p["row"].app.commitments)}
            for p in small
        ],
        "refusals": [
            {"application_id": r.app.id, "applicant": r.app.applicant, "business_id": r.app.business_id or "",
             "municipality": r.app.home_municipality or "", "purpose": _purpose(r.app), "requested": r.app.requested,
             "codes": _codes_for(r), "reason": refusal_text(r, due)}
            for r in refused
        ],
        "report_due": deadlines.report_due(settings.year, settings.report_months),
        "report_documents": list(REPORT_DOCUMENTS),
        "review": _review(settings),
    }


def _commitments(text: str) -> dict[str, str]:
    """Split "… Mittarit: …" into the commitments and the metrics."""
    parts = re.split(r"\s*\bMittarit\s*:\s*", text or "", maxsplit=1, flags=re.IGNORECASE)
    return {"commitments": parts[0].strip(), "metrics": parts[1].strip() if len(parts) > 1 else ""}


def supplement_items(result: Result) -> list[dict[str, str]]:
    """What the applicant must supply: open deficiencies (holds included when a
    letter goes out anyway). Empty: no letter (nothing but payment holds, or a
    blocking finding that a supplement cannot cure)."""
    if result.blocking():
        return []
    deficiencies = [f for f in result.open_findings if f.severity is Severity.DEFICIENCY]
    if not any(f.code not in PAYMENT_HOLD_CODES for f in deficiencies):
        return []
    return [{"code": f.code, "text": _sentence(f.message)} for f in deficiencies]


def letter_context(result: Result, personal: Mapping[str, Any], settings: Settings, as_of: dt.date) -> dict[str, Any]:
    app = result.app
    # the letter goes to the association: its postal address, for the attention of its contact person
    address = [x for x in (personal.get("contact_person"),) if x]
    if app.address:
        address += [line.strip() for line in app.address.replace(",", "\n").splitlines() if line.strip()]
    elif personal.get("email"):
        address.append(personal["email"])
    return {
        "letter_date": as_of,
        "applicant": {"name": app.applicant, "business_id": app.business_id, "address": address},
        "application": {"id": app.id, "received": _received(app.received), "requested": app.requested,
                        "activity_name": app.activity_name,
                        "form": app.form.label if app.form else "Avustus"},
        "items": supplement_items(result),
        "due": supplement_due(settings, as_of),
        "reply_to": settings.office.email,
    }


def _received(value: dt.datetime | None) -> dt.datetime | dt.date | None:
    """A time of 00:00 means the export gave a date only: print just the date."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        return value.date()
    return value


def safe_stem(app_id: str) -> str:
    return filenames.file_stem(app_id)  # one file per id by construction (K/1, K_1, K:1 differ)


@dataclass
class Written:
    paths: list[Path]
    manifest: Path
    pending: list[str] = field(default_factory=list)  # applications left out of the documents (käsittely kesken)


def write_documents(
    store: Store,
    settings: Settings,
    out_dir: Path,
    rows: Sequence[Row],
    budget: Budget,
    method: Method,
    as_of: dt.date,
    formats: Sequence[str] = ("html", "docx"),
    letter_writer: Callable[..., list[Path]] | None = None,
) -> Written:
    """Render every document of the proposal into ``out_dir`` and the manifest."""
    from avustus_cli.adapters.render import write_document

    out_dir = Path(out_dir)
    # one supplement request per applicant, or nothing written
    filenames.unique_stems("taydennyspyynto", [r.app.id for r in rows if supplement_items(r.result)])
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = _manifest_docs(out_dir)
    written: list[Path] = []
    history = history_index(store.grants())
    written.append(write_esitys(out_dir / ESITYS_FILE, rows, budget, settings, history))
    board = board_context(rows, settings, budget, method, step_aside_rows(store, settings.meeting_date or as_of),
                          last_year_summary(store, settings), as_of=as_of)
    written += write_document(out_dir, "paatosesitys", "paatosesitys", board, settings, formats)
    annex = annex_context(rows, settings, as_of)
    written += write_document(out_dir, "liite1", "liite1", annex, settings, formats)
    written.append(write_annex_xlsx(out_dir / "liite1.xlsx", annex, settings))
    written += write_document(out_dir, "avustusehdot", "avustusehdot", terms_context(settings), settings, formats)
    director = director_context(rows, settings, as_of)
    if director is not None:
        written += write_document(out_dir, "strategiajohtajan_paatos", "strategiajohtajan_paatos", director, settings, formats)
    letters = [r for r in rows if supplement_items(r.result)]
    if letters:
        personal = {a.id: a for a in store.applications([r.app.id for r in letters], with_personal=True)}
        contexts = []
        for r in letters:
            p = personal[r.app.id]
            contexts.append((safe_stem(r.app.id), letter_context(
                r.result, {"contact_person": p.contact_person, "email": p.email}, settings, as_of)))
        letter_dir = out_dir / LETTERS_DIR
        written_letters = (letter_writer or write_letters)(letter_dir, contexts, settings, formats)
    else:
        written_letters = []
    for p in written:
        if p.suffix == ".xlsx":  # openpyxl writes the current time; render's .docx are stable already
            normalise_zip(p)
    written += written_letters
    left_out = _pending_rows(rows, settings, as_of)
    pending = [r.app.id for r in rows if r.app.id in left_out]
    manifest = write_manifest(store, settings, out_dir, written, budget, method, as_of, pending)
    _remove_stale(out_dir, written, previous)
    return Written(written, manifest, pending)


def _manifest_docs(out_dir: Path) -> list[str]:
    path = out_dir / MANIFEST_FILE
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("documents", {}))
    except (OSError, ValueError, AttributeError):
        return []


def _remove_stale(out_dir: Path, written: Sequence[Path], previous: Sequence[str]) -> None:
    """Files an earlier run wrote that this run did not (e.g. a supplement
    request no longer needed) are removed, so the folder matches the manifest."""
    keep = {p.relative_to(out_dir).as_posix() for p in written}
    for rel in previous:
        if rel in keep or rel.startswith("/") or ".." in rel.split("/"):
            continue
        target = out_dir / rel
        if target.is_file():
            target.unlink()


def write_manifest(store: Store, settings: Settings, out_dir: Path, written: Sequence[Path], budget: Budget,
                   method: Method, as_of: dt.date, pending: Sequence[str] = ()) -> Path:
    inputs = []
    seen = set()
    for imp in store.imports():
        key = (imp["kind"], imp["sha256"])
        if key in seen:
            continue
        seen.add(key)
        inputs.append({"kind": imp["kind"], "file": Path(imp["file"]).name, "sha256": imp["sha256"]})
    settings_hash = _sha256(settings.source.read_bytes()) if settings.source and settings.source.exists() else None
    docs = {}
    for p in sorted(written, key=lambda p: p.relative_to(out_dir).as_posix()):
        rel = p.relative_to(out_dir).as_posix()
        docs[rel] = {"sha256": _sha256(p.read_bytes()), "content_sha256": content_sha256(p)}
    data = {
        "tool": "avustus propose",
        "year": settings.year,
        "date": as_of.isoformat(),
        "rules_version": rules_version(),
        "method": method.method,
        "budget": {
            "total": str(budget.total),
            "per_form": {k: str(v) for k, v in sorted(budget.per_form.items())},
            "category_caps": {str(k): str(v) for k, v in sorted(budget.category_caps.items())},
        },
        "inputs": inputs,
        "settings": {"file": settings.source.name if settings.source else None, "sha256": settings_hash},
        # applications left out of the documents while pending (käsittely kesken): not to be decided yet
        "pending": list(pending),
        "supplement_due": supplement_due(settings, as_of).isoformat(),
        "hashes": (
            "sha256 on tiedoston tavut; content_sha256 on sisältö: HTML sellaisenaan, .docx ja .xlsx "
            "zip-jäsenten nimet ja sisällöt ilman aikaleimoja. Samat syötteet antavat samat HTML-, DOCX- ja XLSX-tiedostot "
            "(zip-aikaleimat ja tiedoston ominaisuuksien päivämäärät kiinnitetään)."
        ),
        "documents": docs,
    }
    path = out_dir / MANIFEST_FILE
    from avustus_cli.adapters.excel import atomic_save

    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    atomic_save(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def esitys_is_edited(out_dir: Path) -> bool:
    """True when DIR/esitys.xlsx differs from what the last run wrote (the
    officer's unsaved-to-database edits would be overwritten)."""
    path = out_dir / ESITYS_FILE
    if not path.exists():
        return False
    try:
        docs = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8")).get("documents", {})
        recorded = docs.get(ESITYS_FILE, {}).get("content_sha256")
    except (OSError, ValueError, AttributeError):
        return True
    return recorded != content_sha256(path)

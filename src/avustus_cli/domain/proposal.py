"""The proposal's lines and the policy between a standing and a proposed grant.

Pure: a ``ProposalLine`` is one application's standing with the proposed
amount, its reason and conditions; a ``ProposalEdit`` is one row of the
officer's edited sheet. Conditions, the annex's reason codes, who decides
(S04) and the sums per budget line are decided here, for proposing and
deciding alike.

Conditions
    Kept as lines. The tool writes the payment holds (R01, P02) and the
    project grants' positive-funding condition itself; any other line is the
    officer's (targeted / excluded parts of the action plan, typed into
    esitys.xlsx "Ehdot") and survives a re-allocation.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from avustus_cli.domain import fmt
from avustus_cli.domain.allocation import Budget, ReasonCode
from avustus_cli.domain.checking import partnership_routing
from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import GRANT_FORM_LABELS, Application, GrantForm, Severity
from avustus_cli.domain.rules import RULES
from avustus_cli.domain.standing import Standing, stop_codes

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
FORMS = ("operating", "partnership", "project")


@dataclass(frozen=True)
class ProposalLine:
    """One application in the proposal: its standing and the proposed grant."""

    standing: Standing
    amount: Decimal
    reason_code: str
    reason: str
    conditions: tuple[str, ...] = ()
    method: str = ""
    source: str = "allocation"
    score: Decimal | None = None
    criteria: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def app(self) -> Application:
        return self.standing.app

    @property
    def form(self) -> str:
        return self.app.form.value if self.app.form else ""

    @property
    def requested(self) -> Decimal:
        return self.app.requested if self.app.requested is not None else Decimal(0)

    def differs_from(self, stored: Mapping[str, Any]) -> bool:
        """True when ``stored`` (the store's record of this proposal) says something else."""
        return any(stored[k] != v for k, v in self.record().items())

    def record(self) -> dict[str, Any]:
        """What the store keeps of the line (the scores are kept apart)."""
        return {
            "amount": self.amount,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "conditions": "\n".join(self.conditions),
            "method": self.method,
            "source": self.source,
        }


@dataclass(frozen=True)
class ProposalEdit:
    """One row of the officer's edited proposal sheet (esitys.xlsx)."""

    row_no: int
    app_id: str
    amount: Decimal
    reason: str
    conditions: tuple[str, ...]
    score: Decimal | None
    criteria: dict[str, Decimal]


def line_from_record(standing: Standing, record: Mapping[str, Any],
                     score: Decimal | None = None, criteria: Mapping[str, Decimal] | None = None) -> ProposalLine:
    """A stored proposal (``record()`` as the store gives it back) as a line;
    an empty record: 0 €, no reason."""
    return ProposalLine(
        standing,
        record.get("amount") or Decimal(0),
        record.get("reason_code", "") or "",
        record.get("reason", "") or "",
        tuple(split_conditions(record.get("conditions"))),
        record.get("method", "") or "",
        record.get("source", "allocation") or "allocation",
        score,
        dict(criteria or {}),
    )


# --- conditions ---------------------------------------------------------------------


def auto_conditions(standing: Standing) -> list[str]:
    """The payment holds the decision will state, as conditions: P02 while the
    funding decision is pending, and R01 whenever an earlier grant's usage
    report is missing, also before its due date (a note: it must be in before
    the next payment) and also when the officer accepted the finding — the
    decision letter holds the payment in every such case."""
    out = []
    codes = [f.code for f in standing.holds]
    if any(f.code == "R01" and f.severity is not Severity.BLOCKING for f in standing.findings):
        codes.append("R01")
    for code in codes:
        text = HOLD_CONDITIONS.get(code)
        if text and text not in out:
            out.append(text)
    if standing.app.form is GrantForm.PROJECT and HOLD_CONDITIONS["P02"] not in out:
        out.append(PROJECT_CONDITION)
    return out


def merge_conditions(standing: Standing, earlier: Sequence[str]) -> tuple[str, ...]:
    """The tool's own conditions first, then the officer's lines kept from ``earlier``."""
    auto = auto_conditions(standing)
    officer = [c for c in earlier if c and c not in AUTO_CONDITIONS and c not in auto]
    return tuple(auto + officer)


def kept_conditions(standing: Standing, amount: Decimal, earlier: Sequence[str]) -> tuple[str, ...]:
    """A re-allocated line's conditions: with money the tool's and the officer's,
    without money only the officer's own lines."""
    if amount > 0:
        return merge_conditions(standing, earlier)
    return tuple(c for c in earlier if c not in AUTO_CONDITIONS)


def split_conditions(text: str | None) -> list[str]:
    if not text:
        return []
    return [ln.strip() for ln in re.split(r"[\n\r]+", str(text)) if ln.strip()]


# --- the annex's reason codes ------------------------------------------------------


def codes_for(line: ProposalLine) -> list[str]:
    """The reason codes the annex shows for a line: the rules that stopped a
    refusal, else the allocation's code of a reduced grant ([] for a full one)."""
    if line.amount == 0 and line.requested > 0 or line.reason_code == ReasonCode.INELIGIBLE:
        codes = stop_codes(line.standing)
        if codes:
            return codes
    if line.reason_code in FULL_CODES or line.amount >= line.requested:
        return []
    c = ALLOCATION_CODES.get(line.reason_code)
    return [c[0]] if c else []


def legend(codes: Iterable[str]) -> list[dict[str, str]]:
    """The codes' explanations for the annex, in code order."""
    titles = {code: title for code, title in ALLOCATION_CODES.values()}
    out = []
    for c in sorted(set(codes)):
        if c in RULES:
            out.append({"code": c, "title": RULES[c].title})
        elif c in titles:
            out.append({"code": c, "title": titles[c]})
    return out


# --- budget and decider ------------------------------------------------------------


def budget_of(settings: Settings, budget_total: Decimal | None = None) -> Budget:
    """The round's budget, the total replaced by ``budget_total`` when given."""
    b = Budget.from_settings(settings)
    if budget_total is not None:
        b = dataclasses.replace(b, total=budget_total)
    return b


def budget_warning(rows: Sequence[ProposalLine], budget: Budget) -> str:
    """A Finnish sentence for the board when the budget looks like a mistake, "" otherwise: a budget of
    0 €, one that funds no application although some are eligible, or one below a tenth of what the
    eligible applications ask for. ``propose`` asks the officer to confirm such a budget (--yes)."""
    eligible = [r for r in rows if r.standing.fundable]
    demand = sum((r.requested for r in eligible), Decimal(0))
    funded = sum(1 for r in rows if r.amount > 0)
    facts = (f"avustuskelpoisia hakemuksia on {len(eligible)} kpl ja niissä haetaan yhteensä "
             f"{fmt.money(demand)}")
    if budget.total <= 0:
        return f"Määrärahaksi on annettu {fmt.money(budget.total)}, joten yhtään avustusta ei voida esittää, vaikka {facts}."
    if eligible and demand > 0 and funded == 0:
        return f"Määrärahalla {fmt.money(budget.total)} ei voida esittää avustusta yhdellekään hakijalle, vaikka {facts}."
    if demand > 0 and budget.total * 10 < demand:
        return (f"Määräraha {fmt.money(budget.total)} on alle kymmenesosa siitä, mitä avustuskelpoiset hakemukset "
                f"hakevat: {facts}.")
    return ""


def budget_left(budget: Budget, kept: Sequence[ProposalLine]) -> Budget:
    """What is left of ``budget`` for the allocation once the officer's kept edits (``kept``) are taken out:
    the total, each grant form's line and each category's cap less what the edits give (never below 0)."""
    zero = Decimal(0)
    total = budget.total - sum((r.amount for r in kept), zero)
    per_form = {f: max(zero, v - sum((r.amount for r in kept if r.form == f), zero)) for f, v in budget.per_form.items()}
    caps = {c: max(zero, v - sum((r.amount for r in kept if r.app.category == c), zero))
            for c, v in budget.category_caps.items()}
    total = max(total, sum(per_form.values(), zero), zero)
    return dataclasses.replace(budget, total=total, per_form=per_form, category_caps=caps)


def decider_for(app: Application, amount: Decimal, settings: Settings) -> str:
    """Who decides the application (S04): ``settings.body``, except a
    partnership agreement of at most ``partnership_threshold`` € a year, which
    ``settings.small_partnership_decider`` decides. A grant is routed by the
    proposed amount a year, a refusal (0 €) by the amount applied for."""
    if app.form is not GrantForm.PARTNERSHIP:
        return settings.body
    basis = amount if amount > 0 else (app.requested if app.requested is not None else Decimal(0))
    routing = partnership_routing(dataclasses.replace(app, requested=basis), settings)
    return settings.body if any(d == settings.body for _, _, d in routing) else settings.small_partnership_decider


def shorten(text: str, n: int) -> str:
    """``text`` on one line, cut to ``n`` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def form_label(form: str) -> str:
    try:
        return GRANT_FORM_LABELS[GrantForm(form)]
    except ValueError:
        return "(avustusmuoto puuttuu)"


def summary_by_form(lines: Sequence[ProposalLine], budget: Budget) -> list[dict[str, Any]]:
    """Per budget line: count, requested, proposed, budget, remaining (Decimal)."""
    by_line: dict[str, list[ProposalLine]] = defaultdict(list)
    for r in lines:
        by_line[r.form if r.form in budget.per_form else ""].append(r)
    out = []
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    for key in [*sorted(budget.per_form, key=FORMS.index), ""]:
        rs = by_line.get(key, [])
        if key == "" and not rs and budget.per_form:
            continue
        line_budget = budget.per_form[key] if key else common
        if key:
            label = form_label(key)
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


def commitments_and_metrics(text: str | None) -> dict[str, str]:
    """Split the application's "Sitoumukset ja mittarit" text ("… Mittarit: …") into the commitments and
    the metrics (S03, P04); without a "Mittarit:" part the whole text is the commitments."""
    parts = re.split(r"\s*\bMittarit\s*:\s*", text or "", maxsplit=1, flags=re.IGNORECASE)
    return {"commitments": parts[0].strip(), "metrics": parts[1].strip() if len(parts) > 1 else ""}


def multi_year(app: Application, amount: Decimal, settings: Settings) -> dict[str, Any] | None:
    """A grant over several years as the board and the letter state it, or None for one year: a
    partnership agreement's amount is per agreement year (S04's reading), so its total is that times the
    years; a project grant's amount is for the whole project period. Later years depend on those years'
    budgets; a partnership agreement is signed."""
    if app.form is GrantForm.PARTNERSHIP:
        years = [y for y, _, _ in partnership_routing(dataclasses.replace(app, requested=amount), settings)]
        start, end = app.agreement_start, app.agreement_end
        per_year: Decimal | None = amount
        total = amount * len(years)
    elif app.form is GrantForm.PROJECT:
        start, end = app.project_start or app.funding_start, app.project_end or app.funding_end
        years = list(range(start.year, end.year + 1)) if start and end and end >= start else []
        per_year, total = None, amount
    else:
        return None
    if len(years) < 2 or start is None or end is None:
        return None
    return {"start": start, "end": end, "first": years[0], "last": years[-1], "years": len(years),
            "per_year": per_year, "total": total, "agreement": app.form is GrantForm.PARTNERSHIP,
            **commitments_and_metrics(app.commitments)}

"""A decision on one application, and the policy from a stored proposal (or the
board's edited sheet) to the decisions a ``decide`` run records.

Pure: ``plan_decisions`` takes the standings, the stored proposals and the
sheet's edits as plain data and says what to record, what waits (pending),
what another decision maker decides (S04) and what lacks reasons.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from avustus_cli.domain import fmt
from avustus_cli.domain.errors import ValidationError
from avustus_cli.domain.models import Application, GrantForm

if TYPE_CHECKING:
    from avustus_cli.domain.config import Settings
    from avustus_cli.domain.proposal import ProposalEdit
    from avustus_cli.domain.standing import Standing

# The proposal, the rules and the standings are imported by the functions that plan and word decisions:
# a stored ``Decision`` alone (the grant register, ``avustus overdue``) needs none of them.

_REASON_LINE = re.compile(r"^(?P<code>[A-Z]\d{2}): (?P<text>.+)$")


@dataclass(frozen=True)
class Decision:
    """One recorded decision on a grant (this round's), Decimal money."""

    id: str
    application_id: str | None
    applicant: str
    business_id: str | None
    form: str | None
    year: int | None
    amount: Decimal
    requested: Decimal | None
    decision_date: dt.date | None
    section: str | None
    decision_maker: str | None
    conditions: str
    reason: str
    source: str = "decision"

    @property
    def outcome(self) -> str:
        return outcome_of(self.amount, self.requested)

    def same_as(self, other: Decision) -> bool:
        """The same decision (every field but the id)."""
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self) if f.name != "id")


@dataclass
class DecisionPlan:
    """What a decide run records, and what it leaves for now and why."""

    decisions: list[Decision] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # assessment not finished: not decided, no letter
    routed: list[tuple[str, str]] = field(default_factory=list)  # (application, its decider)
    missing_reasons: list[str] = field(default_factory=list)  # refusals / reductions without reasons


def plan_decisions(
    ids: Sequence[str],
    apps: Mapping[str, Application],
    standings: Mapping[str, Standing],
    proposals: Mapping[str, Mapping[str, Any]],
    edits: Mapping[str, ProposalEdit],
    settings: Settings,
    *,
    decision_date: dt.date,
    section: str,
    maker: str,
) -> DecisionPlan:
    """The decisions ``maker`` makes on ``ids``: the board's edit where there is
    one, else the stored proposal (records as ``ProposalLine.record()``).
    Pending proposals (``PENDING_CODE``) wait; an application another decider
    decides (S04, the proposal's routing) is left to it; a refusal or reduction
    without reasons is listed in ``missing_reasons`` (hallintolaki 45 §)."""
    from avustus_cli.domain.proposal import decider_for
    from avustus_cli.domain.standing import PENDING_CODE

    small = maker.casefold() == settings.small_partnership_decider.casefold()
    out = DecisionPlan()
    for app_id in ids:
        app, prop, edit = apps[app_id], proposals.get(app_id, {}), edits.get(app_id)
        if edit is not None:
            amount, conditions, reason = edit.amount, "\n".join(edit.conditions), edit.reason
            changed_by_board = prop == {} or amount != prop.get("amount") or reason != prop.get("reason", "")
        else:
            amount, conditions, reason = prop["amount"], prop.get("conditions", ""), prop.get("reason", "")
            changed_by_board = False
        if edit is None and prop.get("reason_code") == PENDING_CODE:
            out.pending.append(app_id)  # the officer's assessment is not done: nobody has been asked to decide it
            continue
        decider = decider_for(app, amount, settings)  # the same routing as the proposal's documents
        if (app.form is GrantForm.PARTNERSHIP and decider != settings.body) != small:
            out.routed.append((app_id, decider))
            continue
        said = letter_reasons(outcome_of(amount, app.requested), standings.get(app_id), reason, changed_by_board,
                              settings, decision_date)
        if outcome_of(amount, app.requested) != "granted" and not said:
            out.missing_reasons.append(app_id)
            continue
        out.decisions.append(Decision(
            id=app_id, application_id=app_id, applicant=app.applicant, business_id=app.business_id,
            form=app.form.value if app.form else None, year=app.year or settings.year, amount=amount,
            requested=app.requested, decision_date=decision_date, section=section, decision_maker=maker,
            conditions="\n".join(condition_lines(conditions)), reason=reason_lines(said),
        ))
    return out


def reason_lines(reasons: Sequence[dict[str, str]]) -> str:
    """Reasons as stored in ``grants.reason``: one per line, ``"E01: text"`` or ``"text"``."""
    return "\n".join(f"{r['code']}: {r['text']}" if r["code"] else r["text"] for r in reasons)


def parse_reasons(text: str) -> list[dict[str, str]]:
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        m = _REASON_LINE.match(line)
        out.append({"code": m["code"], "text": m["text"]} if m else {"code": "", "text": line})
    return out


def condition_lines(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[\n;]+", text or "") if c.strip()]


def outcome_of(amount: Decimal, requested: Decimal | None) -> str:
    if amount <= 0:
        return "refused"
    if requested is not None and amount < requested:
        return "reduced"
    return "granted"


OUTCOME_LABELS = {"granted": "myönnetty", "reduced": "myönnetty osittain", "refused": "hylätty"}


def _finding_reasons(
    result: Any, settings: Settings, text: str = "", decision_date: dt.date | None = None
) -> list[dict[str, str]]:
    """A refusal's reasons from the application's open findings, as full sentences
    (the fact and the guideline's rule; ``code`` is kept for the officer's tools,
    the letter never prints it): the blocking ones, else the deficiencies a
    supplement request asked for, led by the request's date and deadline when the
    proposal's reason names them (``text``). Review cases and payment holds are
    never reasons."""
    from avustus_cli.domain.rules import RuleContext, reasons
    from avustus_cli.domain.standing import stopping_findings, supplement_dates

    if result is None:
        return []
    app = result.app
    ctx = RuleContext(settings, decision_date or settings.window_end)
    found = stopping_findings(result)
    blocking = [f for f in found if reasons.kind_of(f, app, ctx) == reasons.REFUSAL]
    chosen = blocking or [f for f in found if reasons.kind_of(f, app, ctx) == reasons.REQUEST]
    out: list[dict[str, str]] = []
    dates = getattr(result, "supplement", None) or supplement_dates(text)  # the request as first sent
    if not blocking and chosen and dates is not None:
        out.append({"code": "", "text": reasons.after_request_head(*dates)})
    for f in chosen or found:
        said = reasons.reason_sentence(f, app, ctx) if chosen else reasons.blocking_fallback(f)
        if said and all(said != r["text"] for r in out):
            out.append({"code": f.code, "text": said})
    return out


def reason_texts(text: str) -> list[dict[str, str]]:
    from avustus_cli.domain.standing import sentence
    return [{"code": r["code"], "text": sentence(r["text"])} for r in parse_reasons(text)]


def letter_reasons(
    outcome: str,
    result: Any,
    text: str,
    from_sheet: bool,
    settings: Settings,
    decision_date: dt.date | None = None,
) -> list[dict[str, str]]:
    """The letter's reasons: for a refusal the rules the application failed, as
    full sentences, and the proposal's (or the board's) own reason; a full grant
    needs none."""
    from avustus_cli.domain.standing import is_generated_reason

    text = (text or "").strip()
    if outcome == "granted":
        return reason_texts(text) if from_sheet else []
    # the rules decide a refusal of an application that could not be funded;
    # a fundable one refused for lack of money has the proposal's reason only
    unfundable = result is not None and not result.fundable
    found = _finding_reasons(result, settings, text, decision_date) if outcome == "refused" and unfundable else []
    # the tool's own refusal text (codes and field names) only repeats the findings already named
    if text and not (found and is_generated_reason(text)):
        found += reason_texts(text)
    return found


def budget_overrun(
    decided: Sequence[Decision], grant: Decision, new_amount: Decimal, budget_total: Decimal,
    form_budget: Decimal | None,
) -> tuple[Decimal, Decimal, Decimal]:
    """What changing ``grant`` to ``new_amount`` does to its appropriation: (the appropriation, the sum
    decided in it after the change, the overrun; 0 when within).

    The appropriation is the grant form's own budget when set (``form_budget``: the decided grants of that
    form count), else the round's total (every decided grant of the grant's year counts)."""
    same_year = [d for d in decided if d.source == "decision" and d.year == grant.year]
    if form_budget is not None:
        pool = [d for d in same_year if d.form == grant.form]
        budget = form_budget
    else:
        pool = same_year
        budget = budget_total
    total = sum((new_amount if d.id == grant.id else d.amount for d in pool), Decimal(0))
    if all(d.id != grant.id for d in pool):
        total += new_amount
    return budget, total, max(Decimal(0), total - budget)


def checked_new_amount(
    decided: Sequence[Decision], grant: Decision, new_amount: Decimal, settings: Settings, *, yes: bool, decider: str,
) -> Decimal:
    """A changed grant's new amount against its request and appropriation (amend, review decision): the
    overrun (0 when within), refused unless ``yes``; ``decider`` names who may decide an overrun."""
    if grant.requested is not None and new_amount > grant.requested:
        raise ValidationError(f"summa {fmt.money(new_amount)} on suurempi kuin haettu {fmt.money(grant.requested)}.")
    budget, total, overrun = budget_overrun(decided, grant, new_amount, settings.budget_total,
                                            settings.budget_for(grant.form or ""))
    if overrun > 0 and not yes:
        raise ValidationError(
            f"muutos ylittäisi määrärahan: päätettyjä avustuksia olisi {fmt.money2(total)}, määräraha "
            f"{fmt.money2(budget)}, ylitys {fmt.money2(overrun)}. Mitään ei kirjattu. Jos {decider} on päättänyt "
            "ylityksestä, aja komento uudelleen valinnalla --yes (ylitys kirjataan lokiin)."
        )
    return overrun

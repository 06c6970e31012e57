"""Reasons a person can follow (Hallintolaki 45 §): a finding as a Finnish sentence.

Every rule carries its sentence templates beside its title (``refusal``,
``request``, ``review``, ``hold``; see ``registry``). The functions here pick
the template for one finding and fill it with the application's facts, in
Finnish formats (``12 500 €``, ``31.12.2026``). No rule code and no field
name ever appears in a sentence: those belong to the officer's tools.

- ``reason_sentence``: why no grant can be given (a refusal), or ``None``
  when the finding is not a reason to refuse (something the officer checks,
  a payment hold, a note);
- ``request_sentence``: what to ask the applicant to send or do, or ``None``
  when there is nothing to ask (the county verifies it itself);
- ``review_sentence``: what the officer must check;
- ``hold_sentence``: why the payment of a grant is held;
- ``refusal_reasons`` / ``request_lines``: the sentences of an application's
  findings for a refusal or a supplement request;
- ``refusal_after_request``: the refusal of an application whose supplement
  did not arrive: the request's date, its deadline, that nothing arrived,
  and the reasons.

Pure: the context (settings, check date, earlier grants, positions) comes
from the caller; without one, the round's default settings are used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from avustus_cli.domain import deadlines
from avustus_cli.domain.config import Settings, default_settings
from avustus_cli.domain.models import Application, Finding, Severity
from avustus_cli.domain.rules import registry
from avustus_cli.domain.rules._text import fdate, money, raw
from avustus_cli.domain.rules.registry import Rule, RuleContext

__all__ = [
    "HOLD",
    "KINDS",
    "REFUSAL",
    "REQUEST",
    "REVIEW",
    "after_request_head",
    "and_list",
    "blocking_fallback",
    "application_facts",
    "case_of",
    "context_for",
    "hold_sentence",
    "kind_of",
    "quoted",
    "reason_sentence",
    "refusal_after_request",
    "refusal_if_no_supplement",
    "refusal_reasons",
    "request_lines",
    "request_sentence",
    "review_sentence",
    "sentence",
]

REFUSAL, REQUEST, REVIEW, HOLD = "refusal", "request", "review", "hold"
KINDS = (REFUSAL, REQUEST, REVIEW, HOLD)

_MAX_QUOTED = 80
_NUMBER_WORDS = {1: "yhden", 2: "kahden", 3: "kolmen", 4: "neljän", 5: "viiden", 6: "kuuden", 7: "seitsemän",
                 8: "kahdeksan", 9: "yhdeksän", 10: "kymmenen"}  # fmt: skip


# --- Finnish text pieces (also used by the rules' facts functions) --------------


def quoted(text: Any) -> str:
    """Applicant text in Finnish quotation marks, shortened to a readable length: ``”ruoka-apu”``."""
    text = " ".join(str(text).split())
    if len(text) > _MAX_QUOTED:
        text = text[: _MAX_QUOTED - 1] + "…"
    return f"”{text}”"


def and_list(items: Iterable[Any]) -> str:
    """``A``, ``A ja B``, ``A, B ja C``."""
    items = [str(i) for i in items if str(i).strip()]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " ja " + items[-1]


def years_genitive(n: int) -> str:
    """``neljän`` (for "enintään neljän vuoden"); digits above ten."""
    return _NUMBER_WORDS.get(n, str(n))


# --- context and facts ---------------------------------------------------------


def context_for(app: Application, ctx: RuleContext | Settings | None = None) -> RuleContext:
    """``ctx`` as a ``RuleContext``: settings alone get the window's last day as the
    check date; nothing gets the default settings of the application's year."""
    if isinstance(ctx, RuleContext):
        return ctx
    settings = ctx if isinstance(ctx, Settings) else default_settings(app.year or 2027)
    return RuleContext(settings, settings.window_end)


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return fdate(value)
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, (tuple, list)):
        return and_list(value)
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label.lower()
    return str(value)


def application_facts(app: Application, ctx: RuleContext) -> dict[str, str]:
    """The facts every template may use, formatted the Finnish way ("" when unknown)."""
    s = ctx.settings
    cats = s.categories
    category = app.category if app.category is not None and 1 <= app.category <= len(cats) else None
    facts = {
        name: _value(getattr(app, name))
        for name in (
            "applicant", "register_number", "activity_name", "home_municipality", "requested", "total_cost",
            "other_funding", "received", "municipalities", "external_funder", "agreement_start", "agreement_end",
            "project_start", "project_end", "funding_start", "funding_end", "legal_form", "scope",
        )
    }  # fmt: skip
    facts.update(
        business_id=app.business_id or raw(app, "business_id") or "",
        year=str(app.year or s.year),
        form=_value(app.form) or "avustus",
        category=str(app.category) if app.category is not None else "",
        category_name=f"{category}. {cats[category - 1]}" if category else "",
        category_count=str(len(cats)),
        targets=and_list(quoted(t) for t in app.targets if t and t.strip()),
        funder=app.external_funder.strip() if (app.external_funder or "").strip() else "hankkeen ulkopuolinen rahoittaja",
        window_start=fdate(s.window_start),
        window_end=fdate(s.window_end),
        window_last=fdate(deadlines.window_last_day(s)),
        county=s.county,
        body=s.body,
        max_years=years_genitive(s.partnership_max_years),
    )
    return facts


# --- which sentence a finding gets -------------------------------------------------


def _rule(finding: Finding) -> Rule | None:
    return registry.REGISTRY.get(finding.code)


def case_of(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str:
    """The finding's case within its rule: the rule's ``cases`` function, else its field (``"*"`` without)."""
    rule = _rule(finding)
    if rule is not None and rule.cases is not None:
        return rule.cases(finding, app, context_for(app, ctx))
    return finding.field or "*"


def _template(templates: Mapping[str, str], case: str) -> str | None:
    return templates.get(case, templates.get("*"))


def kind_of(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str | None:
    """What the finding is to the documents: ``refusal`` (blocking), ``request`` (a
    deficiency a supplement cures), ``hold`` (the payment waits), ``review`` (the
    officer checks; never a refusal reason) or ``None`` (a note)."""
    rule = _rule(finding)
    if rule is None:
        return None
    case = case_of(finding, app, ctx)
    if case in rule.review or finding.severity is Severity.REVIEW:
        return REVIEW
    if finding.severity is Severity.NOTE:
        return None
    if case in rule.hold:
        return HOLD
    return REFUSAL if finding.severity is Severity.BLOCKING else REQUEST


def _fill(rule: Rule, template: str, finding: Finding, app: Application, ctx: RuleContext) -> str:
    facts = application_facts(app, ctx)
    if rule.facts is not None:
        facts.update({k: _value(v) if not isinstance(v, str) else v for k, v in rule.facts(finding, app, ctx).items()})
    try:
        text = template.format_map(facts)
    except KeyError as e:  # a template names a fact nobody gives: a bug in the rule
        raise ValueError(f"rule {rule.code}: the sentence template needs the fact {e}") from None
    return " ".join(text.split())


def _sentence(finding: Finding, app: Application, ctx, which: str) -> str | None:
    rule = _rule(finding)
    if rule is None:
        return None
    c = context_for(app, ctx)
    template = _template(getattr(rule, which), case_of(finding, app, c))
    return _fill(rule, template, finding, app, c) if template else None


def reason_sentence(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str | None:
    """The refusal reason for ``finding`` as a full Finnish sentence (the fact, the
    guideline's rule, the consequence): for a blocking finding, and for a
    deficiency whose supplement did not arrive (see ``refusal_after_request``).
    ``None`` when the finding is never a refusal reason (review, payment hold, note)."""
    if kind_of(finding, app, ctx) not in (REFUSAL, REQUEST):
        return None
    return _sentence(finding, app, ctx, "refusal")


def request_sentence(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str | None:
    """What the applicant is asked to send or do to cure ``finding`` (for the
    supplement request), or ``None`` when there is nothing to ask (the county
    checks it itself, or no supplement can cure it)."""
    return _sentence(finding, app, ctx, "request")


def review_sentence(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str | None:
    """What the officer must check (``None`` unless the finding is a review case)."""
    if kind_of(finding, app, ctx) != REVIEW:
        return None
    return _sentence(finding, app, ctx, "review")


def hold_sentence(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str | None:
    """Why the grant's payment is held (``None`` unless the finding holds the payment)."""
    if kind_of(finding, app, ctx) != HOLD:
        return None
    return _sentence(finding, app, ctx, "hold")


def sentence(finding: Finding, app: Application, ctx: RuleContext | Settings | None = None) -> str | None:
    """The sentence of the finding's own kind (``kind_of``): refusal, request, review or hold."""
    kind = kind_of(finding, app, ctx)
    return {
        REFUSAL: reason_sentence,
        REQUEST: request_sentence,
        REVIEW: review_sentence,
        HOLD: hold_sentence,
    }[kind](finding, app, ctx) if kind else None


def blocking_fallback(finding: Finding) -> str | None:
    """A blocking finding whose rule gives no refusal sentence for its case (a
    data error: e.g. a blocking finding stored for a case the rule now treats as
    review): the guideline's condition by its title, never the raw message."""
    rule = _rule(finding)
    if finding.severity is not Severity.BLOCKING or rule is None:
        return None
    return f"Hakemus ei täytä avustusohjeen ehtoa ”{rule.title}”, joten avustusta ei voida myöntää."


def refusal_reasons(
    findings: Iterable[Finding], app: Application, ctx: RuleContext | Settings | None = None
) -> list[str]:
    """The refusal sentences of ``findings`` (once each, in order): the blocking ones
    when there are any, else those of the deficiencies (for a refusal after an
    unanswered supplement request; see ``refusal_after_request``). Review cases,
    payment holds and notes are never among them."""
    findings = list(findings)
    blocking = [f for f in findings if kind_of(f, app, ctx) == REFUSAL]
    chosen = blocking or [f for f in findings if kind_of(f, app, ctx) == REQUEST]
    return list(dict.fromkeys(r for f in chosen if (r := reason_sentence(f, app, ctx))))


def request_lines(
    findings: Iterable[Finding], app: Application, ctx: RuleContext | Settings | None = None
) -> list[str]:
    """The supplement request's lines (once each, in order): what to send or do for
    every deficiency and payment hold of ``findings``. Review cases the county
    checks itself are never asked of the applicant."""
    wanted = [f for f in findings if kind_of(f, app, ctx) in (REQUEST, HOLD)]
    return list(dict.fromkeys(r for f in wanted if (r := request_sentence(f, app, ctx))))


def refusal_after_request(
    findings: Iterable[Finding],
    app: Application,
    requested_on: dt.date,
    due: dt.date,
    ctx: RuleContext | Settings | None = None,
) -> str:
    """The reasons of a refusal because a supplement did not arrive: the request's
    date, its deadline, that nothing arrived by it, then each finding's reason."""
    reasons = refusal_reasons([f for f in findings if kind_of(f, app, ctx) == REQUEST], app, ctx)
    return " ".join([after_request_head(requested_on, due), *reasons])


def after_request_head(requested_on: dt.date, due: dt.date) -> str:
    """The first sentence of a refusal after an unanswered supplement request."""
    return (
        f"Hakemusta pyydettiin täydentämään {fdate(requested_on)} päivätyllä täydennyspyynnöllä {fdate(due)} "
        "mennessä, mutta täydennystä ei saatu määräaikaan mennessä, joten hakemus on ratkaistu käytettävissä "
        "olevien tietojen perusteella."
    )


def refusal_if_no_supplement(
    findings: Iterable[Finding],
    app: Application,
    requested_on: dt.date,
    due: dt.date,
    ctx: RuleContext | Settings | None = None,
) -> str:
    """A document written before the supplement's deadline: what was asked and by
    when, that the deadline is still running, and the reasons a refusal would rest
    on if nothing arrives (conditional; it never says that nothing arrived)."""
    reasons = refusal_reasons([f for f in findings if kind_of(f, app, ctx) == REQUEST], app, ctx)
    head = (
        f"Hakemusta on pyydetty täydentämään {fdate(requested_on)} päivätyllä täydennyspyynnöllä {fdate(due)} "
        "mennessä, eikä määräaika ole vielä päättynyt. Jos täydennystä ei saada määräaikaan mennessä, hakemus "
        "ratkaistaan käytettävissä olevien tietojen perusteella ja esitetään hylättäväksi seuraavin perustein."
    )
    return " ".join([head, *reasons])

"""The rules' sentences for the board and the letters (Hallintolaki 45 §)."""

import datetime as dt
import enum
import re
from dataclasses import replace
from decimal import Decimal

import pytest

from avustus_cli.domain.config import default_settings
from avustus_cli.domain.fields import APPLICATION_FIELDS
from avustus_cli.domain.models import Application, Finding, Severity
from avustus_cli.domain.rules import RULES, Rule, RuleContext, get_rule
from avustus_cli.domain.rules._examples import OPERATING, PROJECT
from avustus_cli.domain.rules._text import fdate, money
from avustus_cli.domain.rules.reasons import (
    HOLD,
    REFUSAL,
    REQUEST,
    REVIEW,
    and_list,
    case_of,
    hold_sentence,
    kind_of,
    reason_sentence,
    refusal_after_request,
    refusal_reasons,
    request_lines,
    request_sentence,
    review_sentence,
    sentence,
)

SETTINGS = default_settings(2027)
AS_OF = dt.date(2027, 1, 10)
CODE = re.compile(r"\b[A-Z]\d\d\b")
FIELD_NAMES = set(APPLICATION_FIELDS) | set(Application.__dataclass_fields__)
# "Header: value" is the check table's style, not a sentence
HEADER_COLON = [f"{spec.label}:" for spec in APPLICATION_FIELDS.values()]
# free text whose whole value is not the fact (the sentence names what matters in it)
FREE_TEXT = {"description", "cooperation", "commitments", "responsibility_split", "activity_name", "attachments",
             "cost_types", "targets", "municipalities", "co_applicants", "lead_applicant"}


def ctx_of(example):
    return RuleContext(SETTINGS, example.as_of or AS_OF, example.history)


CASES = [
    (r, e, f)
    for r in RULES.values()
    for e in r.examples
    for f in r.check(e.application, ctx_of(e))
]


def all_sentences(f: Finding, app: Application, ctx) -> list[str]:
    out = [reason_sentence(f, app, ctx), request_sentence(f, app, ctx), review_sentence(f, app, ctx),
           hold_sentence(f, app, ctx)]
    return [s for s in out if s]


def fact_of(f: Finding, app: Application) -> str | None:
    """The application's own value of the finding's field, as a sentence must show it."""
    if f.field is None or f.field in FREE_TEXT or APPLICATION_FIELDS[f.field].kind == "bool":
        return None
    value = getattr(app, f.field)
    if value is None:
        text = app.raw.get(f.field) if app.raw else None
        return str(text).strip() or None if text is not None else None
    if isinstance(value, (bool, enum.Enum)):
        return None  # yes/no and enumerations are stated in words
    if isinstance(value, dt.date):
        return fdate(value.date() if isinstance(value, dt.datetime) else value)
    if isinstance(value, Decimal):
        return money(value)
    return str(value).strip() or None


@pytest.mark.parametrize(("rule", "example", "finding"), CASES,
                         ids=[f"{r.code}-{e.note}-{f.field}" for r, e, f in CASES])
def test_every_finding_of_the_examples_reads_as_a_sentence(rule: Rule, example, finding):
    app, ctx = example.application, ctx_of(example)
    said = all_sentences(finding, app, ctx)
    kind = kind_of(finding, app, ctx)
    assert (kind is None) == (finding.severity is Severity.NOTE)
    if kind is not None:
        assert sentence(finding, app, ctx), f"{rule.code}: no sentence for a {kind} finding"
    for text in said:
        assert text[0].isupper(), text
        assert text.endswith("."), text
        assert not CODE.search(text), f"rule code in: {text}"
        words = set(re.findall(r"[a-z_]+", text))
        assert not {w for w in words if "_" in w} & FIELD_NAMES, f"field name in: {text}"
        assert not [h for h in HEADER_COLON if h in text], f"'Header:' in: {text}"
        assert "{" not in text and "}" not in text
        assert "  " not in text and " ." not in text and " ," not in text
        assert "'" not in text, f"Finnish quotation marks ”…” expected: {text}"
        own = re.sub(r"”[^”]*”", "”…”", text)  # the applicant's quoted words are theirs
        assert not re.search(r"(^|[.!?] )\d", own), f"a sentence starts with a numeral: {text}"
    fact = fact_of(finding, app)
    stated = [t for t in (reason_sentence(finding, app, ctx), review_sentence(finding, app, ctx),
                          hold_sentence(finding, app, ctx)) if t]  # a request says what to send, not the fact
    if fact is not None and kind is not None:
        assert stated and all(fact in text for text in stated), f"{rule.code}: {fact!r} missing from {stated}"


def _kinds(rule: Rule) -> set[str]:
    out = set()
    for e in rule.examples:
        for f in rule.check(e.application, ctx_of(e)):
            if (k := kind_of(f, e.application, ctx_of(e))) is not None:
                out.add(k)
    return out


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_every_rule_has_the_templates_of_the_findings_it_gives(rule: Rule):
    kinds = _kinds(rule)
    can_refuse = rule.severity is Severity.BLOCKING or any(
        f.severity is Severity.DEFICIENCY and kind_of(f, e.application, ctx_of(e)) == REQUEST
        for e in rule.examples for f in rule.check(e.application, ctx_of(e)))
    assert bool(rule.refusal) == can_refuse, f"{rule.code}: a refusal template exactly when it can refuse"
    if REQUEST in kinds or HOLD in kinds:
        assert rule.request, f"{rule.code}: a deficiency needs a supplement request"
    if REVIEW in kinds:
        assert rule.review
    if HOLD in kinds:
        assert rule.hold
    # every bad example is covered by the examples' kinds (no template unused by a documented case)
    for templates in (rule.refusal, rule.review, rule.hold):
        assert all(t.strip().endswith(".") for t in templates.values())


def test_every_template_is_reached_by_an_example_of_its_rule():
    """Each case a rule words is documented and tested by one of its examples."""
    reached = {(r.code, case_of(f, e.application, ctx_of(e))) for r, e, f in CASES}
    for rule in RULES.values():
        for templates in (rule.refusal, rule.request, rule.review, rule.hold):
            for case in templates:
                assert case == "*" or (rule.code, case) in reached, f"{rule.code}: no example reaches case {case!r}"


def test_a_deficiency_is_asked_for_and_refused_only_after_the_request():
    app = replace(OPERATING, non_profit=None)
    [f] = get_rule("E02").check(app, RuleContext(SETTINGS, AS_OF))
    assert kind_of(f, app, SETTINGS) == REQUEST
    assert request_sentence(f, app, SETTINGS) == "Ilmoittakaa, onko yhteisönne yleishyödyllinen."
    refusal = reason_sentence(f, app, SETTINGS)
    assert "ei käy ilmi" in refusal and "ei täyty" not in refusal and "ei ole yleishyödyllinen" not in refusal
    text = refusal_after_request([f], app, dt.date(2027, 1, 4), dt.date(2027, 1, 18), SETTINGS)
    assert text.startswith("Hakemusta pyydettiin täydentämään 4.1.2027 päivätyllä täydennyspyynnöllä 18.1.2027 mennessä")
    assert "täydennystä ei saatu määräaikaan mennessä" in text and text.endswith(refusal)


def test_the_issue_example_sentence():
    app = replace(OPERATING, county_field=False)
    [f] = get_rule("K01").check(app, RuleContext(SETTINGS, AS_OF))
    assert reason_sentence(f, app) == (
        "Hakemuksen mukaan toiminta ei kuulu hyvinvointialueen toimintakentälle. Avustusohjeen mukaan "
        "avustettavan toiminnan tulee kuulua hyvinvointialueen toimintakentälle, joten avustusta ei voida myöntää."
    )


@pytest.mark.parametrize("raw", [{"business_id": "2622197-2"}, {"business_id": "26221972"}])
def test_an_identifier_the_county_can_verify_is_review_never_a_refusal_or_a_request(raw):
    app = replace(OPERATING, business_id=None, raw=raw)
    [f] = get_rule("E03").check(app, RuleContext(SETTINGS, AS_OF))
    assert kind_of(f, app) == REVIEW
    assert reason_sentence(f, app) is None and request_sentence(f, app) is None
    assert raw["business_id"] in review_sentence(f, app) and "YTJ" in review_sentence(f, app)


def test_a_malformed_register_number_is_review():
    app = replace(OPERATING, register_number="ry 12/34")
    [f] = get_rule("E03").check(app, RuleContext(SETTINGS, AS_OF))
    assert kind_of(f, app) == REVIEW and reason_sentence(f, app) is None
    assert "”ry 12/34”" in review_sentence(f, app)


def test_a_missing_business_id_is_asked_for():
    app = replace(OPERATING, business_id=None)
    [f] = get_rule("E03").check(app, RuleContext(SETTINGS, AS_OF))
    assert kind_of(f, app) == REQUEST
    assert request_sentence(f, app) == "Ilmoittakaa yhteisönne Y-tunnus."


def test_late_application_names_the_moved_last_day():
    s = replace(default_settings(2029), window_start=dt.date(2028, 12, 1), window_end=dt.date(2028, 12, 31))
    app = replace(OPERATING, year=2029, received=dt.datetime(2029, 1, 3, 8, 0))
    [f] = get_rule("H01").check(app, RuleContext(s, dt.date(2029, 1, 10)))
    text = reason_sentence(f, app, s)
    assert text.startswith("Hakemus saapui 3.1.2029.")
    assert "hakuaika päättyi 2.1.2029 (31.12.2028 oli sunnuntai, ja määräaika siirtyi seuraavaan arkipäivään)" in text


def test_pending_funding_decision_holds_the_payment_and_is_no_refusal():
    from avustus_cli.domain.models import FundingDecision

    app = replace(PROJECT, funding_decision=FundingDecision.PENDING)
    [f] = get_rule("P02").check(app, RuleContext(SETTINGS, AS_OF))
    assert kind_of(f, app) == HOLD and reason_sentence(f, app) is None
    assert "Euroopan sosiaalirahasto plus (ESR+)" in hold_sentence(f, app)
    assert request_sentence(f, app).startswith("Toimittakaa hankkeen rahoituspäätös")


def test_blocking_finding_is_a_refusal():
    app = replace(OPERATING, legal_form=None, applicant="Hoivapalvelu Oy")
    [f] = get_rule("E01").check(app, RuleContext(SETTINGS, AS_OF))
    assert kind_of(f, app) == REFUSAL
    assert reason_sentence(f, app).startswith("Nimensä perusteella hakija Hoivapalvelu Oy on osakeyhtiö.")


def test_unknown_code_and_notes_give_no_sentence():
    assert sentence(Finding("X99", Severity.BLOCKING, "?"), OPERATING) is None
    [f] = get_rule("T04").check(replace(OPERATING, activity_name="Yksinäisyys pois"), RuleContext(SETTINGS, AS_OF))
    assert f.severity is Severity.NOTE and sentence(f, OPERATING) is None


def test_and_list():
    assert and_list([]) == "" and and_list(["A"]) == "A"
    assert and_list(["A", "B", "C"]) == "A, B ja C"


def test_an_applications_refusal_reasons_and_request_lines():
    from avustus_cli.domain.checking import check_application

    app = replace(OPERATING, county_field=False, audit_consent=None, business_id=None,
                  raw={"business_id": "2622197-2"}, attachments=("Toimintasuunnitelma 2027",))
    ctx = RuleContext(SETTINGS, AS_OF)
    found = check_application(app, ctx)
    assert {f.code for f in found} == {"K01", "A02", "E03", "T05"}
    # a blocking finding decides: only its reason, never the checksum the county looks up itself
    [reason] = refusal_reasons(found, app, ctx)
    assert reason.startswith("Hakemuksen mukaan toiminta ei kuulu")
    lines = request_lines(found, app, ctx)
    assert lines == [request_sentence(f, app, ctx) for f in found if f.code in ("A02", "T05")]
    assert not any("Y-tunnus" in line for line in lines)
    # without the blocking finding the deficiencies' reasons follow the unanswered request
    rest = [f for f in found if f.code != "K01"]
    assert len(refusal_reasons(rest, app, ctx)) == 2
    text = refusal_after_request(rest, app, dt.date(2027, 1, 4), dt.date(2027, 1, 18), ctx)
    assert "Hakemuksen liitteistä puuttuu talousarvio." in text and "tarkistusmerkki" not in text

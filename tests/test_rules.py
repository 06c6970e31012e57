import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from avustus_cli.domain.checking import (
    RuleContext,
    check_application,
    partnership_routing,
    rules_for_codes,
    verdict_for,
)
from avustus_cli.domain.config import default_settings
from avustus_cli.domain.models import (
    Application,
    Grant,
    GrantForm,
    LegalForm,
    Party,
    ReportStatus,
    Severity,
    Verdict,
)
from avustus_cli.domain.rules import RULES, Rule, get_rule
from avustus_cli.domain.rules._examples import OPERATING, PARTNERSHIP, PROJECT
from avustus_cli.domain.rules._text import fdate, money
from avustus_cli.domain.rules.eligibility import guess_legal_form
from avustus_cli.domain.rules.registry import _findings

B, D, R, N = Severity.BLOCKING, Severity.DEFICIENCY, Severity.REVIEW, Severity.NOTE
SETTINGS = default_settings(2027)
AS_OF = dt.date(2027, 1, 10)

# The guideline (docs/rules.md): every code and the most severe level it gives
EXPECTED_SEVERITY = {
    "E01": B, "E02": B, "E03": D, "E04": R,
    "K01": B, "K02": D, "K03": D, "K04": D,
    "T01": B, "T02": R, "T03": R, "T04": R, "T05": D,
    "A01": D, "A02": D, "A03": D,
    "Y01": D, "Y02": D, "Y03": B,
    "H01": B, "R01": D,
    "S01": B, "S02": B, "S03": D, "S04": N,
    "P01": B, "P02": B, "P03": R, "P04": D,
    # beyond the guideline's own rules, a new group: conflict of interest (Hallintolaki 28 §), issue 7
    "J01": R,
}  # fmt: skip


def ctx(as_of=AS_OF, history=(), settings=SETTINGS):
    return RuleContext(settings=settings, as_of=as_of, history=tuple(history))


def codes(findings):
    return [f.code for f in findings]


# --- the registry ---------------------------------------------------------


def test_registry_has_exactly_the_codes_of_rules_md_with_their_severities():
    assert {c: r.severity for c, r in RULES.items()} == EXPECTED_SEVERITY
    assert list(RULES) == list(EXPECTED_SEVERITY)  # documented order


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_rule_metadata(rule: Rule):
    assert rule.name.count(".") == 1 and rule.name == rule.name.lower()
    assert rule.title and rule.source and rule.description
    assert any(e.good for e in rule.examples), "needs a good example"
    assert any(not e.good for e in rule.examples), "needs a bad example"


EXAMPLES = [(r, e) for r in RULES.values() for e in r.examples]


@pytest.mark.parametrize(("rule", "example"), EXAMPLES, ids=[f"{r.code}-{e.note}" for r, e in EXAMPLES])
def test_rule_examples(rule: Rule, example):
    found = rule.check(example.application, ctx(example.as_of or AS_OF, example.history))
    assert all(f.code == rule.code for f in found)
    assert {f.severity for f in found} == set(example.expected)
    for f in found:
        assert f.message and f.message[0].isupper()
        assert f.field is None or f.field in Application.__dataclass_fields__
    # the whole check: a bad example shows the rule's code, a good one does not
    all_codes = codes(check_application(example.application, ctx(example.as_of or AS_OF, example.history)))
    assert (rule.code in all_codes) == (not example.good)


def test_names_unique():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


def test_rule_may_not_exceed_its_declared_severity():
    with pytest.raises(AssertionError, match="X99"):
        list(_findings("X99", R, [(B, None, "liian ankara")]))


def test_rule_that_raises_propagates():
    def boom(app, ctx):
        raise RuntimeError("bug")

    broken = replace(RULES["E01"], check=boom)
    with pytest.raises(RuntimeError):
        check_application(OPERATING, ctx(), rules=[broken])


# --- the base applications ------------------------------------------------


def test_complete_operating_application_is_clean():
    assert check_application(OPERATING, ctx()) == []
    assert verdict_for(check_application(OPERATING, ctx())) is Verdict.ELIGIBLE


def test_complete_partnership_gives_only_routing_note():
    found = check_application(PARTNERSHIP, ctx())
    assert [(f.code, f.severity) for f in found] == [("S04", N)]
    assert verdict_for(found) is Verdict.ELIGIBLE


def test_complete_project_is_clean():
    assert check_application(PROJECT, ctx()) == []


@pytest.mark.parametrize("form", [GrantForm.PARTNERSHIP, GrantForm.PROJECT])
def test_operating_only_rules_skip_other_forms(form):
    app = replace(OPERATING, form=form, attachments=(), received=dt.datetime(2027, 5, 1))
    found = codes(check_application(app, ctx()))
    assert "T05" not in found and "H01" not in found


def test_form_specific_rules_skip_operating_grants():
    app = replace(OPERATING, external_funder="", commitments="", agreement_start=None, other_funding=None,
                  other_funders="", joint=False, lead_applicant=None)
    found = codes(check_application(app, ctx()))
    assert not [c for c in found if c[0] in "SPY"]


def test_unknown_form_is_checked_as_operating_grant():
    app = replace(OPERATING, form=None, received=dt.datetime(2027, 1, 4))
    assert "H01" in codes(check_application(app, ctx()))


# --- ordering, selection, verdicts ------------------------------------------


def test_findings_sorted_by_severity_then_code():
    app = replace(OPERATING, audit_consent=None, legal_form=LegalForm.COMPANY, scope=None,
                  county_field=None, category=None, description="Ruoka-apu ja yksinäisyys")
    found = check_application(app, ctx())
    keys = [(f.severity.rank, f.code) for f in found]
    assert keys == sorted(keys)
    assert found[0].severity is B
    assert {"E01", "T01", "A02", "K04", "K01", "T04"} <= set(codes(found))
    assert verdict_for(found) is Verdict.INELIGIBLE


def test_verdicts():
    assert verdict_for(check_application(replace(OPERATING, audit_consent=None), ctx())) is Verdict.SUPPLEMENT
    assert verdict_for(check_application(replace(OPERATING, county_field=None), ctx())) is Verdict.REVIEW


def test_rules_for_codes():
    assert [r.code for r in rules_for_codes(["E"])] == ["E01", "E02", "E03", "E04"]
    assert [r.code for r in rules_for_codes(["s04", "H01"])] == ["H01", "S04"]
    assert len(rules_for_codes(None, exclude=["P", "S"])) == len(RULES) - 8
    with pytest.raises(KeyError):
        rules_for_codes(["Z01"])
    assert get_rule("e01") is RULES["E01"]


# --- messages ---------------------------------------------------------------


def test_formatters():
    assert fdate(dt.date(2027, 1, 4)) == "4.1.2027"
    assert money(Decimal("12345")) == "12 345 €"
    assert money(Decimal("1234567.5")) == "1 234 567,50 €"
    assert money(Decimal("0")) == "0 €"


def test_messages_name_the_data():
    app = replace(OPERATING, municipalities=("Jyväskylä", "Tampere"), business_id=None,
                  raw={"business_id": "1234567-9"}, received=dt.datetime(2027, 1, 4, 8))
    messages = {f.code: f.message for f in check_application(app, ctx())}
    assert messages["K04"] == "Toimintakunnat: Tampere ei ole hyvinvointialueen kunta"
    assert messages["E03"] == "Y-tunnus: tarkistusmerkki ei täsmää (1234567-9)"
    assert messages["H01"] == "Saapunut: 4.1.2027, hakuaika päättyi 31.12.2026"


def test_invalid_business_id_given_as_value_is_caught():
    # the importer should not let one through, but E03 validates anyway
    found = get_rule("E03").check(replace(OPERATING, business_id="2077474-1"), ctx())
    assert [f.message for f in found] == ["Y-tunnus: tarkistusmerkki ei täsmää (2077474-1)"]


@pytest.mark.parametrize("bid", ["0112038-9", "2077474-0", "1234567-1"])
def test_valid_business_ids_pass(bid):
    assert get_rule("E03").check(replace(OPERATING, business_id=bid), ctx()) == []


@pytest.mark.parametrize("reg", ["123.456", "1", "123456", "12.345"])
def test_register_numbers_well_formed(reg):
    assert get_rule("E03").check(replace(OPERATING, register_number=reg), ctx()) == []


def test_personal_data_never_in_messages():
    app = replace(
        OPERATING,
        legal_form=None,
        applicant="Hoivapalvelu Oy",
        category=None,
        audit_consent=None,
        non_profit=None,
        cooperation="",
        targets=(),
        scope=None,
        attachments=(),
        received=None,
        business_id=None,
        raw={"business_id": "12", "received": "ensi viikolla", "email": "x@y", "phone": "040 999"},
        joint=True,
        co_applicants=(Party("Jokin Oy"),),
    )
    found = check_application(app, ctx())
    assert len(found) >= 12
    text = " ".join(f.message for f in found)
    for secret in ("Maija", "maija.meikalainen", "040 123 4567", "FI21", "x@y", "040 999"):
        assert secret not in text


# --- E01 / Y03 legal forms -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Keski-Suomen Omaiset ry", LegalForm.ASSOCIATION),
        ("Keski-Suomen Omaiset r.y.", LegalForm.ASSOCIATION),
        ("Mielenterveysseura RY", LegalForm.ASSOCIATION),
        ("Föreningen Folkhälsan rf", LegalForm.ASSOCIATION),
        ("Vanhustenkotisäätiö sr", LegalForm.FOUNDATION),
        ("Jyväskylän Vanhustenkotisäätiö", LegalForm.FOUNDATION),
        ("Hoivapalvelu Oy", LegalForm.COMPANY),
        ("Työosuuskunta Tekijät osk", LegalForm.COOPERATIVE),
        ("Jyväskylän seurakunta", LegalForm.PARISH),
        ("Laukaan kunta", LegalForm.MUNICIPALITY),
        ("Jämsän kaupunki", LegalForm.MUNICIPALITY),
        ("Kansalaisareena", None),
        ("Ryhmä Kymppi", None),
        ("", None),
    ],
)
def test_guess_legal_form(name, form):
    assert guess_legal_form(name) is form


def test_lead_applicant_other_than_applicant_is_checked():
    app = replace(OPERATING, joint=True, lead_applicant=Party("Kotiapu Oy"), co_applicants=(Party("A ry"),),
                  responsibility_split="jaettu")
    found = get_rule("Y03").check(app, ctx())
    assert [(f.severity, f.field) for f in found] == [(B, "lead_applicant")]


# --- T01 category ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("mielenterveys- ja  päihdepalveluihin kiinnittyvä toiminta", 4),
        ("Kriisityö ja kriisiapu ", 5),
        ("Ikäihmisten ja muiden kotona asumisen tukemiseen liittyvä toimita", 6),
    ],
)
def test_category_text_that_the_importer_missed_is_proposed_for_review(text, n):
    app = replace(OPERATING, category=None, raw={"category": text})
    found = get_rule("T01").check(app, ctx())
    assert [f.severity for f in found] == [R]
    assert f"luokaksi {n}." in found[0].message


def test_unknown_category_text_is_blocking_and_quoted():
    app = replace(OPERATING, category=None, raw={"category": "Lasten sirkuskoulu"})
    [f] = get_rule("T01").check(app, ctx())
    assert f.severity is B and "'Lasten sirkuskoulu'" in f.message


def test_category_count_follows_settings():
    app = replace(OPERATING, category=10)
    short = replace(SETTINGS, categories=SETTINGS.categories[:9])
    assert get_rule("T01").check(app, ctx(settings=short))[0].severity is B


# --- H01 the window ------------------------------------------------------------------

S2029 = replace(default_settings(2029), window_start=dt.date(2028, 12, 1), window_end=dt.date(2028, 12, 31))


@pytest.mark.parametrize(
    ("received", "late"),
    [
        (dt.datetime(2028, 12, 31, 22, 0), False),
        (dt.datetime(2029, 1, 1, 10, 0), False),
        (dt.datetime(2029, 1, 2, 23, 59), False),
        (dt.datetime(2029, 1, 3, 0, 1), True),
    ],
)
def test_window_across_new_year(received, late):
    app = replace(OPERATING, year=2029, received=received)
    found = get_rule("H01").check(app, ctx(as_of=dt.date(2029, 1, 10), settings=S2029))
    assert bool(found) is late
    if late:
        assert found[0].message.startswith("Saapunut: 3.1.2029, hakuaika päättyi 2.1.2029 (31.12.2028 oli sunnuntai")


def test_window_missing_date_names_raw_text():
    app = replace(OPERATING, received=None, raw={"received": "32.12.2026"})
    [f] = get_rule("H01").check(app, ctx())
    assert f.severity is R and f.message == "Saapunut: '32.12.2026' ei ole kelvollinen"


# --- R01 reports -------------------------------------------------------------------------


def grant(year, **kw):
    return Grant(f"G-{year}", None, OPERATING.applicant, OPERATING.business_id, GrantForm.OPERATING, year,
                 kw.pop("amount", Decimal("10000")), **kw)


@pytest.mark.parametrize(
    ("as_of", "severity"),
    [
        (dt.date(2029, 6, 30), N),
        (dt.date(2029, 7, 2), N),  # 30.6.2029 is a Saturday: due Monday 2.7.
        (dt.date(2029, 7, 3), D),
    ],
)
def test_report_due_vs_as_of(as_of, severity):
    [f] = get_rule("R01").check(OPERATING, ctx(as_of=as_of, history=[grant(2028)]))
    assert f.severity is severity
    assert "2.7.2029" in f.message
    if severity is D:
        assert "maksatus pidätetään" in f.message


def test_report_months_setting_is_used():
    s = replace(SETTINGS, report_months=3)
    [f] = get_rule("R01").check(OPERATING, ctx(as_of=dt.date(2027, 4, 1), history=[grant(2026)], settings=s))
    assert f.severity is D and "31.3.2027" in f.message


def test_reports_in_or_not_owed_give_nothing():
    history = [
        grant(2024, report_received=dt.date(2025, 3, 1)),
        grant(2025, report_received=dt.date(2026, 3, 1), report_status=ReportStatus.PROCESSING),
        grant(2023, amount=Decimal(0)),
        replace(grant(2026), application_id=OPERATING.id),  # this very application
    ]
    assert get_rule("R01").check(OPERATING, ctx(history=history)) == []


def test_each_missing_report_is_its_own_finding():
    history = [grant(2024), grant(2025, report_received=dt.date(2026, 5, 1), report_status=ReportStatus.INCOMPLETE),
               grant(2026)]
    found = get_rule("R01").check(OPERATING, ctx(history=history))
    assert [f.severity for f in found] == [D, D, N]
    assert "täydennettävä" in found[1].message


# --- S: partnership --------------------------------------------------------------------------


def test_routing_exactly_threshold_goes_to_strategy_director():
    # "Haettu summa" of a partnership is the amount per year of the agreement (the export's field description)
    app = replace(PARTNERSHIP, requested=Decimal("100000"))
    assert partnership_routing(app, SETTINGS) == [
        (y, Decimal("100000"), "Strategiajohtaja") for y in (2027, 2028, 2029, 2030)
    ]
    [f] = get_rule("S04").check(app, ctx())
    assert "päättäjä: Strategiajohtaja" in f.message


def test_routing_above_threshold_goes_to_board_for_every_agreement_year():
    # 1.7.2027–30.6.2029: two agreement years, starting 2027 and 2028
    app = replace(PARTNERSHIP, requested=Decimal("125000"), agreement_start=dt.date(2027, 7, 1),
                  agreement_end=dt.date(2029, 6, 30))
    assert partnership_routing(app, SETTINGS) == [
        (2027, Decimal("125000"), "Aluehallitus"),
        (2028, Decimal("125000"), "Aluehallitus"),
    ]
    [f] = get_rule("S04").check(app, ctx())
    assert f.severity is N and f.message.startswith("Haettu summa: päättäjä: Aluehallitus")
    assert "2028: 125 000 €" in f.message


def test_routing_one_euro_over():
    app = replace(PARTNERSHIP, requested=Decimal("100001"), agreement_start=dt.date(2027, 1, 1),
                  agreement_end=dt.date(2027, 12, 31))
    assert partnership_routing(app, SETTINGS) == [(2027, Decimal("100001"), "Aluehallitus")]


def test_routing_uses_settings():
    s = replace(SETTINGS, body="Hyvinvoinnin ja terveyden lautakunta", partnership_threshold=Decimal("45000"))
    app = replace(PARTNERSHIP, requested=Decimal("50000"), agreement_start=dt.date(2027, 2, 1),
                  agreement_end=dt.date(2029, 1, 31))
    assert partnership_routing(app, s) == [
        (2027, Decimal("50000"), "Hyvinvoinnin ja terveyden lautakunta"),
        (2028, Decimal("50000"), "Hyvinvoinnin ja terveyden lautakunta"),
    ]
    assert partnership_routing(replace(app, requested=Decimal("45000")), s)[0][2] == "Strategiajohtaja"


def test_routing_without_money_or_dates():
    app = replace(PARTNERSHIP, requested=None, agreement_start=None)
    assert partnership_routing(app, SETTINGS) == [(2027, Decimal(0), "Strategiajohtaja")]


def test_partnership_term_follows_settings():
    s = replace(SETTINGS, partnership_max_years=2)
    found = get_rule("S01").check(PARTNERSHIP, ctx(settings=s))
    assert [f.severity for f in found] == [B]
    assert "yli 2 vuotta" in found[0].message


def test_report_due_is_the_next_payment_when_that_came_first():
    """R01 states the same due date as the reminders: before the grantee's next payment, if that came first."""
    unreported = Grant("G-2025", None, OPERATING.applicant, OPERATING.business_id, GrantForm.OPERATING, 2025,
                       Decimal("5000"), decision_date=dt.date(2025, 1, 28))
    next_paid = Grant("G-2026", None, OPERATING.applicant, OPERATING.business_id, GrantForm.OPERATING, 2026,
                      Decimal("6000"), decision_date=dt.date(2026, 1, 27), paid_amount=Decimal("6000"),
                      paid_date=dt.date(2026, 3, 13), report_received=dt.date(2027, 1, 5))
    [f] = get_rule("R01").check(OPERATING, ctx(as_of=dt.date(2027, 1, 10), history=(unreported, next_paid)))
    assert f.severity is Severity.DEFICIENCY and "määräaika oli 13.3.2026" in f.message

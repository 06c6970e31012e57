"""Every Finnish value form the importer must understand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from avustus_cli.domain import values
from avustus_cli.domain.config import CATEGORIES
from avustus_cli.domain.fields import APPLICATION_SPECS
from avustus_cli.domain.headers import HeaderMatch, HeaderMatcher
from avustus_cli.domain.models import FundingDecision, GrantForm, LegalForm, Scope


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("Kyllä", True), ("kylla", True), ("K", True), ("x", True), ("X", True), ("TRUE", True), (True, True),
        (1, True), ("1", True), ("Yes", True), ("Ei", False), ("e", False), ("FALSE", False), (False, False),
        (0, False), ("0", False), ("", None), (None, None), ("  ", None),
    ],
)  # fmt: skip
def test_yes_no(cell, expected):
    assert values.yes_no(cell) is expected


def test_yes_no_refuses_other_text():
    with pytest.raises(values.ValueProblem, match="kyllä/ei"):
        values.yes_no("ehkä")


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("12 500", "12500.00"), ("12\u00a0500,00 €", "12500.00"), ("12.500,00", "12500.00"), ("12 500 €", "12500.00"),
        ("12,500.00", "12500.00"), ("1.250.000", "1250000.00"), ("12500,5", "12500.50"), (12500, "12500.00"),
        (12500.25, "12500.25"), ("12\u202f500 EUR", "12500.00"), ("0", "0.00"),
    ],
)  # fmt: skip
def test_money(cell, expected):
    assert values.money(cell) == Decimal(expected)


@pytest.mark.parametrize("cell", ["kaksitoista", "12,5,0.0", "-100", "#DIV/0!", True])
def test_money_refuses(cell):
    with pytest.raises(values.ValueProblem):
        values.money(cell)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("1.12.2026", dt.datetime(2026, 12, 1)),
        ("1.12.2026 14.05", dt.datetime(2026, 12, 1, 14, 5)),
        ("01.12.2026 klo 14:05", dt.datetime(2026, 12, 1, 14, 5)),
        ("2026-12-01", dt.datetime(2026, 12, 1)),
        ("2026-12-01T14:05:00", dt.datetime(2026, 12, 1, 14, 5)),
        (46357, dt.datetime(2026, 12, 1)),  # Excel serial number
        (46357.5, dt.datetime(2026, 12, 1, 12, 0)),
        (dt.datetime(2026, 12, 3, 9, 30), dt.datetime(2026, 12, 3, 9, 30)),
        (dt.date(2026, 12, 3), dt.datetime(2026, 12, 3)),
    ],
)
def test_dates(cell, expected):
    assert values.datetime_(cell) == expected


@pytest.mark.parametrize("cell", ["31.2.2026", "joulukuu", "1.12.26x", "12/31/2026", 5])
def test_dates_refused(cell):
    with pytest.raises(values.ValueProblem):
        values.datetime_(cell)


@pytest.mark.parametrize("cell", ["0737546-2", "07375462", "0737546 2", " 0737546-2 ", "737546-2"])
def test_business_id_normalised(cell):
    assert values.business_id(cell) == "0737546-2"


def test_business_id_bad_check_digit():
    with pytest.raises(values.ValueProblem, match="tarkistusmerkki"):
        values.business_id("0737546-3")


def test_iban_compact_and_validated():
    assert values.iban("FI21 1234 5600 0007 85") == "FI2112345600000785"
    with pytest.raises(values.ValueProblem) as e:
        values.iban("FI21 1234 5600 0007 86")
    assert "1234" not in str(e.value)  # the number itself is personal data


@pytest.mark.parametrize(
    "cell, expected",
    [("Jyväskylä; Laukaa", ("Jyväskylä", "Laukaa")), ("Jyväskylä, Laukaa", ("Jyväskylä", "Laukaa")),
     ("Jyväskylä\nLaukaa\n", ("Jyväskylä", "Laukaa")), ("", ()), (None, ())],
)  # fmt: skip
def test_lists(cell, expected):
    assert values.list_(cell) == expected


def test_party_name_and_id_split():
    p = values.party("Laukaan Kyläseura ry (0737546-2)")
    assert (p.name, p.business_id, p.legal_form) == ("Laukaan Kyläseura ry", "0737546-2", LegalForm.ASSOCIATION)
    bad = values.party("Firma Oy (0737546-3)")
    assert bad.business_id is None and bad.business_id_raw == "0737546-3" and bad.legal_form is LegalForm.COMPANY
    many = values.parties("A ry (0737546-2), B säätiö sr; C Oy")
    assert [x.name for x in many] == ["A ry", "B säätiö sr", "C Oy"]


@pytest.mark.parametrize(
    "cell, expected",
    [("4", 4), ("4.", 4), (4, 4), (4.0, 4), ("4. Mielenterveys- ja päihdepalveluihin kiinnittyvä toiminta", 4),
     ("mielenterveys ja päihdepalveluihin kiinnittyvä toiminta", 4), ("Kriisityö ja kriisiapu", 5),
     ("Kriisityö ja kriisiapuu", 5), ("Kylä- ja asukasyhdistysten", 10)],
)  # fmt: skip
def test_category(cell, expected):
    assert values.category(cell, CATEGORIES) == expected


@pytest.mark.parametrize("cell", ["11", "0", "Yleinen harrastustoiminta", float("inf"), float("nan"), 1e308])
def test_category_unknown(cell):
    with pytest.raises(values.ValueProblem):
        values.category(cell, CATEGORIES)


def test_enums():
    assert values.grant_form("Toiminta-avustus") is GrantForm.OPERATING
    assert values.grant_form("kumppanuussopimus") is GrantForm.PARTNERSHIP
    assert values.grant_form("Hankeavustus") is GrantForm.PROJECT
    assert values.scope("Koko hyvinvointialue") is Scope.COUNTY
    assert values.funding("Haettu") is FundingDecision.PENDING
    assert values.legal_form("Osakeyhtiö") is LegalForm.COMPANY
    with pytest.raises(values.ValueProblem):
        values.grant_form("lahjoitus")


def test_identifier_keeps_text_and_drops_float_tail():
    assert values.identifier(1234.0) == "1234"
    assert values.identifier("  H-0001 ") == "H-0001"


@pytest.mark.parametrize(
    "header, field",
    [("Hakemusnumero", "id"), ("HAKEMUSNUMERO ", "id"), ("Haettu summa (€)", "requested"), ("Haettu summa, €", "requested"),
     ("haettu  summa", "requested"), ("Y-tunnus", "business_id"), ("Y tunnus", "business_id"), ("Ytunnus", "business_id"),
     ("Sökande", "applicant"), ("Applicant", "applicant"), ("Toiminta-alue", "scope"), ("Kotipaikka", "home_municipality")],
)  # fmt: skip
def test_header_matching(header, field):
    assert HeaderMatcher(APPLICATION_SPECS).match(header).field == field


def test_header_mapping_from_settings_wins():
    matcher = HeaderMatcher(APPLICATION_SPECS, {"Järjestön virallinen nimi": "applicant", "Tunnus": "register_number"})
    assert matcher.match("järjestön virallinen nimi").field == "applicant"
    assert matcher.match("Tunnus") == HeaderMatch("register_number", "asetus")  # "tunnus" is also a spelling of id


@pytest.mark.parametrize("cell", ["12,505", "1e3", "2E+4", 1234.5678, 1e300, -1e300])
def test_money_refuses_more_than_cents_and_exponents(cell):
    with pytest.raises(values.ValueProblem):
        values.money(cell)


def test_money_keeps_cents_of_a_computed_cell():
    assert values.money(12500.300000000001) == Decimal("12500.30")
    assert values.money("100e") == Decimal("100.00")


@pytest.mark.parametrize("cell", ["Toimintaryhmän hanke", "Toiminta", "Hankkeen tuki"])
def test_grant_form_is_never_guessed_from_a_prefix(cell):
    if cell == "Toiminta":
        assert values.grant_form(cell) is GrantForm.OPERATING  # a listed alias
        return
    with pytest.raises(values.ValueProblem):
        values.grant_form(cell)


@pytest.mark.parametrize("cell", ["§ 11", "11 §", "§11", "11", 11, " § 11. "])
def test_section_number_without_the_sign(cell):
    assert values.section(cell) == "11"  # the documents print "§ 11" themselves

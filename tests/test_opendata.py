"""Open data: 360Giving JSON/CSV, the state-grant spreadsheet, data-quality checks, no personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from avustus_cli.domain.stats import GrantRecord
from avustus_cli.services import opendata

from .conftest import SAMPLE

# The 360Giving schema's required fields and their JSON types (360-giving-schema.json:
# top-level "required", Organization "required": id, name; minItems 1 for both org arrays).
REQUIRED = {
    "id": str,
    "title": str,
    "description": str,
    "currency": str,
    "amountAwarded": (int, float),
    "awardDate": str,
    "recipientOrganization": list,
    "fundingOrganization": list,
}
ORG_REQUIRED = {"id": str, "name": str}
OPTIONAL_TYPES = {
    "amountAppliedFor": (int, float),
    "grantProgramme": list,
    "beneficiaryLocation": list,
    "plannedDates": list,
    "fromOpenCall": str,
}
PERSONAL_KEYS = {"contactName", "email", "telephone", "contact_person", "phone", "iban", "streetAddress", "postalCode"}


def assert_360giving(grant: dict) -> None:
    for key, typ in REQUIRED.items():
        assert key in grant, f"{grant.get('id')}: {key} puuttuu"
        assert isinstance(grant[key], typ) and not isinstance(grant[key], bool), (key, grant[key])
    assert grant["id"].startswith("360G-")
    assert grant["currency"] == "EUR"
    assert grant["title"].strip() and len(grant["title"]) <= 140
    assert grant["description"].strip()
    dt.date.fromisoformat(grant["awardDate"])
    for key in ("recipientOrganization", "fundingOrganization"):
        assert len(grant[key]) >= 1
        for org in grant[key]:
            for k, typ in ORG_REQUIRED.items():
                assert isinstance(org.get(k), typ) and org[k].strip(), (key, k)
            assert not PERSONAL_KEYS & set(org)
    for key, typ in OPTIONAL_TYPES.items():
        if key in grant:
            assert isinstance(grant[key], typ), key
    for loc in grant.get("beneficiaryLocation", []):
        assert loc["countryCode"] == "FI" and loc["name"]
    for d in grant.get("plannedDates", []):
        assert dt.date.fromisoformat(d["startDate"]) <= dt.date.fromisoformat(d["endDate"])
    assert not PERSONAL_KEYS & set(grant)


def rec(n: int = 1, **over) -> GrantRecord:
    base = dict(
        id=f"AV-2027-{n:03d}", year=2027, amount=Decimal("10000"), source="decision", application_id=f"AV-2027-{n:03d}",
        applicant=f"Testiyhdistys {n} ry", business_id="0737546-2", form="operating", requested=Decimal("12000"),
        decision_date=dt.date(2027, 1, 26), category=4, home_municipality="Jyväskylä", scope="local",
        municipalities=("Jyväskylä", "Laukaa"), title="Vertaistukiryhmät", description="Vertaistukea kuntoutujille.",
    )
    base.update(over)
    return GrantRecord(**base)


TODAY = dt.date(2027, 2, 1)


def test_a_clean_grant_has_every_required_field_and_the_county_as_funder():
    [g] = opendata.clean(opendata.build([rec()]))
    assert_360giving(g)
    assert g["id"] == "360G-hyvaks-AV-2027-001"
    assert g["fundingOrganization"] == [{"id": "FI-PRO-3221308-6", "name": "Keski-Suomen hyvinvointialue"}]
    assert g["recipientOrganization"][0]["id"] == "FI-PRO-0737546-2"
    assert g["amountAwarded"] == 10000 and g["amountAppliedFor"] == 12000
    assert g["grantProgramme"] == [{"code": "operating", "title": "Toiminta-avustus"}]
    assert [loc["name"] for loc in g["beneficiaryLocation"]] == ["Jyväskylä", "Laukaa"]
    assert g["plannedDates"] == [{"startDate": "2027-01-01", "endDate": "2027-12-31"}]


def test_funder_business_id_is_valid():
    from avustus_cli.domain import ids
    from avustus_cli.domain.config import default_settings, load_settings

    assert ids.business_id(default_settings().county_business_id) == default_settings().county_business_id
    assert load_settings(SAMPLE / "avustus.toml").county_business_id == default_settings().county_business_id


def test_funder_and_prefix_come_from_the_settings(tmp_path):
    """The county's business ID and the identifier prefix are settings, not constants: another county's
    settings publish under its own ids, and a mistyped business ID or prefix is refused when read."""
    from avustus_cli.domain.config import load_settings
    from avustus_cli.domain.errors import SettingsError

    path = tmp_path / "avustus.toml"
    path.write_text('[round]\ncounty = "Esimerkin hyvinvointialue"\ncounty_business_id = "0737546-2"\n'
                    'open_data_prefix = "360G-esim-"\n', encoding="utf-8")
    publisher = opendata.Publisher.of(load_settings(path))
    [g] = opendata.clean(opendata.build([rec(), rec(2, business_id=None)], publisher))[:1]
    assert g["id"] == "360G-esim-AV-2027-001"
    assert g["fundingOrganization"] == [{"id": "FI-PRO-0737546-2", "name": "Esimerkin hyvinvointialue"}]
    g2 = opendata.clean(opendata.build([rec(2, business_id=None)], publisher), publisher)[0]
    assert g2["recipientOrganization"][0]["id"].startswith("360G-esim-org-")
    for bad in ('county_business_id = "0737546-3"', 'open_data_prefix = "hyvaks"'):
        path.write_text(f"[round]\n{bad}\n", encoding="utf-8")
        with pytest.raises(SettingsError, match=bad.split(" ")[0]):
            load_settings(path)


SEEDED = [
    rec(1),  # clean
    rec(2, amount=Decimal("0")),  # zero amount (a rejection)
    rec(3, decision_date=dt.date(2027, 3, 1)),  # award date in the future
    rec(4, description="Lisätietoja maija.meikalainen@example.fi"),  # e-mail
    rec(5, title="Kerhot, soita 040 123 4567"),  # phone
    rec(6, business_id="1234567-8"),  # invalid check digit
    rec(7, business_id=None),  # no business ID
    rec(8, decision_date=None),  # no award date
    rec(1, applicant="Toinen ry"),  # duplicate id
    rec(10),  # clean
]


def test_quality_checks_find_each_seeded_problem_with_its_percentage():
    checks = {c.code: c for c in opendata.quality(opendata.build(SEEDED), TODAY)}
    expect = {
        "zero_amount": ["AV-2027-002"],
        "future_award_date": ["AV-2027-003"],
        "email": ["AV-2027-004"],
        "phone": ["AV-2027-005"],
        "invalid_business_id": ["AV-2027-006"],
        "no_business_id": ["AV-2027-007"],
        "no_award_date": ["AV-2027-008"],
        "duplicate_id": ["AV-2027-001"],
    }
    for code, want in expect.items():
        assert checks[code].ids == ["360G-hyvaks-" + w for w in want], code
        assert checks[code].share(len(SEEDED)) == Decimal("10.0")


def test_clean_output_leaves_out_scrubs_and_replaces():
    published = opendata.clean(opendata.build(SEEDED))
    ids = [g["id"] for g in published]
    assert "360G-hyvaks-AV-2027-002" not in ids  # zero amount
    assert "360G-hyvaks-AV-2027-008" not in ids  # no award date
    assert ids.count("360G-hyvaks-AV-2027-001") == 1
    by_id = {g["id"]: g for g in published}
    assert by_id["360G-hyvaks-AV-2027-001"]["recipientOrganization"][0]["name"] == "Testiyhdistys 1 ry"  # the first kept
    text = json.dumps(published, ensure_ascii=False)
    assert "@example.fi" not in text and "040 123 4567" not in text
    assert "[poistettu]" in by_id["360G-hyvaks-AV-2027-004"]["description"]
    assert by_id["360G-hyvaks-AV-2027-006"]["recipientOrganization"][0]["id"].startswith("360G-hyvaks-org-")
    assert by_id["360G-hyvaks-AV-2027-007"]["recipientOrganization"][0]["id"].startswith("360G-hyvaks-org-")
    for g in published:
        assert_360giving(g)


@pytest.mark.parametrize(
    ("text", "email", "phone"),
    [
        ("maija@example.fi", True, False),
        ("Soita 040 123 4567", False, True),
        ("puh. +358 40 1234567", False, True),
        ("vaihde 014 269 0111", False, True),
        ("Y-tunnus 1234567-8, 12 500 €, vuosi 2027, 1.12.2026", False, False),
        ("Haettu 0,5 M€ ja 25 000 euroa", False, False),
    ],
)
def test_email_and_phone_detection(text, email, phone):
    assert opendata.looks_like_email(text) is email
    assert opendata.looks_like_phone(text) is phone


def test_html_is_stripped_from_text():
    [g] = opendata.clean(opendata.build([rec(description="Ryhmät <script>alert(1)</script> <b>www.example.fi</b>")]))
    assert "<" not in g["description"] and "alert" not in g["description"] and "www.example.fi" in g["description"]


def test_years_filter_and_files(tmp_path):
    records = [rec(1), rec(2, id="AV-2025-002", year=2025, decision_date=dt.date(2025, 1, 28)),
               rec(3, description="=HYPERLINK(\"http://x\")")]  # fmt: skip
    result = opendata.export(records, tmp_path / "out", (2026, 2027), today=TODAY)
    assert result.total == 2 and result.published == 2
    data = json.loads((tmp_path / "out" / "avustukset-360giving.json").read_text(encoding="utf-8"))
    assert set(data) == {"grants"} and [g["id"][-3:] for g in data["grants"]] == ["001", "003"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "avustukset-360giving.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["Recipient Org:Identifier"] == "FI-PRO-0737546-2"
    assert rows[0]["Funding Org:Identifier"] == "FI-PRO-3221308-6"
    assert rows[0]["Amount Awarded"] == "10000" and rows[0]["Beneficiary Location:1:Name"] == "Laukaa"
    assert not rows[1]["Description"].startswith("=")  # the funder's lead sentence comes first anyway
    ws = load_workbook(tmp_path / "out" / "avustukset-valtionavustustiedot.xlsx").active
    header = [c.value for c in ws[1]]
    assert header[:7] == ["Päätöspäivä", "Avustuksen saaja", "Y-tunnus", "Haettu summa", "Myönnetty summa",
                          "Avustuksen tarkoitus", "Alueet"]  # fmt: skip
    assert ws.cell(2, 3).value == "0737546-2" and ws.cell(2, 5).value == 10000


def test_csv_neutralises_formula_text():
    g = opendata.clean(opendata.build([rec(applicant="=cmd|' /C calc'!A0 ry")]))
    text = opendata.to_csv(g)
    assert ",'=cmd" in text


def test_export_command_on_the_sample_round_publishes_no_personal_data(cli, workdir):
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    r = cli("export", "--open-data", workdir / "avoin", "--as-of", "2027-02-01", "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["grants_selected"] == 40 and res["grants_published"] == 40
    data = json.loads((workdir / "avoin" / "avustukset-360giving.json").read_text(encoding="utf-8"))
    for g in data["grants"]:
        assert_360giving(g)
    text = (workdir / "avoin" / "avustukset-360giving.json").read_text(encoding="utf-8")
    # the sample's contact data (example.fi addresses, 040 000 xxxx numbers, IBANs) never appear
    assert "@example" not in text and "040 000" not in text and "FI21" not in text
    r = cli("export", "--open-data", workdir / "avoin2", "--years", "2026")
    assert r.exit_code == 0 and "Laatutarkistus: 18 päätöstä" in r.stdout


def test_export_bad_years_is_a_clear_error(cli, workdir):
    cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx")
    r = cli("export", "--open-data", workdir / "x", "--years", "2027-2025")
    assert r.exit_code == 2 and "--years" in r.output


def test_export_without_grants_says_what_to_do(cli, workdir):
    cli("import", SAMPLE / "hakemukset.xlsx")
    r = cli("export", "--open-data", workdir / "x")
    assert r.exit_code == 2 and "avustus import --history" in r.output

"""Real exports: headers read as a person reads them, and a file that lacks what the rules need is told exactly."""

from __future__ import annotations

import json
import re

import pytest

from avustus_cli.domain.fields import APPLICATION_SPECS, HISTORY_SPECS
from avustus_cli.domain.headers import HeaderMatcher, column_report, suggest_fields, toml_line

from .conftest import REALDATA, Cli, app_row, dump, write_xlsx
from .conftest import applications as _apps

ABCT = REALDATA / "abct-360giving-grants.xlsx"


# --- reading headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, field",
    [
        ("Lupa kirjanpidon ja hallinnon tarkastukseen", "audit_consent"),  # the guideline's own words
        ("Toiminnan kokonaiskustannukset, €", "total_cost"),
        ("Toiminnan kokonaiskustannukset (€)", "total_cost"),
        ("SUMMA HAETTU (€)", "requested"),  # word order
        ("3. Haettu summa euroina", "requested"),  # question numbering, unit word
        ("Hakijan nimi:", "applicant"),
        ("Y-tunnus", "business_id"),
        ("Ytunnus", "business_id"),
        ("Yleishyödyllinen toiminta eriytetty kirjanpidossa", "accounts_segregated"),
        ("Valuutta", "currency"),
    ],
)
def test_headers_read_as_a_person_reads_them(header, field):
    assert HeaderMatcher(APPLICATION_SPECS).match(header).field == field


def test_no_two_fields_share_a_spelling():
    for specs in (APPLICATION_SPECS, HISTORY_SPECS):
        matcher = HeaderMatcher(specs)
        for spec in specs:
            for alias in spec.aliases:
                assert matcher.match(alias).field == spec.name, (alias, spec.name)


def test_a_header_holding_two_fields_is_ambiguous():
    m = HeaderMatcher(APPLICATION_SPECS).match("Hakijan nimi ja Y-tunnus")
    assert m.field is None and m.candidates == ("applicant", "business_id")
    # a longer spelling wins over the shorter one it holds: not ambiguous
    assert HeaderMatcher(APPLICATION_SPECS).match("Lupa kirjanpidon ja hallinnon tarkastukseen").candidates == ()


def test_settings_mapping_wins_over_ambiguity():
    m = HeaderMatcher(APPLICATION_SPECS, {"Hakijan nimi ja Y-tunnus": "applicant"}).match("hakijan nimi ja y-tunnus")
    assert m.field == "applicant" and m.how == "asetus"


def test_a_spelling_beats_a_header_that_only_holds_its_words():
    row = HeaderMatcher(APPLICATION_SPECS).match_row(["Haettu summa edellisenä vuonna", "Haettu summa"])
    assert row.mapping == {1: "requested"} and row.duplicates == {0: "requested"}


def test_the_officers_setting_beats_a_known_spelling():
    row = HeaderMatcher(APPLICATION_SPECS, {"Award Date": "received"}).match_row(["Saapunut", "Award Date"])
    assert row.mapping == {1: "received"} and row.duplicates == {0: "received"}


def test_suggestions_give_each_field_to_one_column():
    got = suggest_fields({0: "Recipient Org:Name", 1: "Recipient Org:Identifier", 2: "Amount Awarded"}, APPLICATION_SPECS)
    assert got[0] == "applicant" and got[2] == "requested" and got.get(1) != "applicant"


def test_toml_line_quotes_the_header():
    assert toml_line('Summa "haettu"', "requested") == '"Summa \\"haettu\\"" = "requested"'
    import tomllib

    assert tomllib.loads(toml_line('a\\b "c"', "requested")) == {'a\\b "c"': "requested"}


def test_report_flags_missing_fields_and_suggests_lines():
    headers = ["Hakemusnumero", "Recipient Org:Name", "Amount Awarded", "Saapunut"]
    row = HeaderMatcher(APPLICATION_SPECS).match_row(headers)
    report = column_report("f.xlsx", "S", 1, headers, row, APPLICATION_SPECS)
    assert report.missing_required == ("applicant", "requested")
    assert report.paste_lines() == ['"Recipient Org:Name" = "applicant"', '"Amount Awarded" = "requested"']
    fields = {f.field: f.column for f in report.fields}
    assert fields["received"] == "D (Saapunut)" and fields["form"] is None


# --- the ABCT 360Giving file as a new officer gets it -------------------------------------------------


def test_abct_file_as_a_new_user_is_refused_with_the_lines_to_paste_and_then_comes_in_whole(workdir):
    settings = workdir / "avustus.toml"
    cli = Cli(workdir / "avustus.db", settings)
    assert Cli(workdir / "avustus.db")("init", "--year", "2027").exit_code == 0  # a new officer starts so
    r = cli("import", ABCT)
    assert r.exit_code == 2
    msg = r.stderr
    assert "abct-360giving-grants.xlsx" in msg and "Tiedostoa ei tuotu" in msg
    assert "Hakija (applicant)" in msg and "Haettu summa (requested)" in msg and "Saapunut (received)" in msg
    assert "rivin [columns] alle" in msg  # the template has the section: a second [columns] would break the file
    lines = re.findall(r'^".*" = "\w+"$', msg, re.M)
    assert '"Recipient Org:Name" = "applicant"' in lines and '"Amount Awarded" = "requested"' in lines
    assert dump(workdir / "avustus.db").get("applications", []) == []  # nothing written

    text = settings.read_text(encoding="utf-8")  # pasted as told, under the [columns] line
    settings.write_text(text.replace("[columns]\n", "[columns]\n" + "\n".join(lines) + "\n", 1), encoding="utf-8")
    r = cli("import", ABCT, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    stored = _apps(workdir / "avustus.db")
    assert res["rows_total"] == 783 and len(stored) == 783 and res["skipped"] == 0
    first = stored["360G-ABCT-0065I000005BoDGQA044222"]
    assert first["applicant"] == "Access to Justice Foundation" and first["received"]
    # the amounts are pounds: never stored as euros, each flagged under the amount column with its currency
    assert first["requested_cents"] is None
    gbp = [w for w in res["warnings"] if w["field"] == "requested" and "GBP" in w["message"]]
    raw = {k: json.loads(a["data"]).get("raw", {}).get("requested") for k, a in stored.items()}
    assert raw["360G-ABCT-0065I000005BoDGQA044222"] == "30000 GBP"  # the exported amount kept, with its currency
    assert len(gbp) == sum(1 for v in raw.values() if v)
    assert len(gbp) > 700 and gbp[0]["column_name"] == "I (Amount Awarded)"
    assert res["columns"]["missing_required"] == []
    shown = cli("import", ABCT, "--dry-run").stdout  # grouped: one sentence for the column, not 783 lines
    assert "sarake I (Amount Awarded)" in shown and "kaikilla: Haettu summa: summa on valuutassa GBP" in shown
    assert shown.count("GBP") == 1


def test_lines_come_with_the_section_header_when_the_settings_file_has_none(workdir):
    r = Cli(workdir / "avustus.db")("import", ABCT)
    assert r.exit_code == 2 and "loppuun rivit:\n[columns]\n" in r.stderr


def test_columns_command_shows_the_mapping_without_importing(workdir):
    cli = Cli(workdir / "avustus.db")
    r = cli("columns", ABCT, "--json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["missing_required"] == ["applicant", "requested", "received"]
    by_col = {c["column"]: c for c in data["columns"]}
    assert by_col["A"]["field"] == "id" and by_col["M"]["line"] == '"Recipient Org:Name" = "applicant"'
    assert data["paste"][:2] == ['"Recipient Org:Name" = "applicant"', '"Amount Awarded" = "requested"']
    assert not (workdir / "avustus.db").exists()
    text = cli("columns", ABCT)
    assert text.exit_code == 1 and "puuttuu – pakollinen" in text.stdout and "[columns]" in text.stdout


def test_columns_command_exit_0_for_a_county_export(workdir):
    f = write_xlsx(workdir / "vienti.xlsx", [app_row(1)])
    r = Cli(workdir / "avustus.db")("columns", f)
    assert r.exit_code == 0, r.output
    assert "S (Haettu summa)" in r.stdout


# --- ambiguous header, guideline phrasing, currency ---------------------------------------------------


def test_ambiguous_header_refused_naming_both_fields(workdir):
    row = {**app_row(1)}
    row["Hakijan nimi ja Y-tunnus"] = row.pop("Y-tunnus")
    f = write_xlsx(workdir / "vienti.xlsx", [row])
    r = Cli(workdir / "avustus.db")("import", f)
    assert r.exit_code == 2
    assert "vienti.xlsx" in r.stderr and "sarake S (Hakijan nimi ja Y-tunnus)" in r.stderr
    assert "Hakija (applicant) ja Y-tunnus (business_id)" in r.stderr
    assert dump(workdir / "avustus.db").get("applications", []) == []


def test_guideline_phrasing_imports(workdir):
    rows = [app_row(1, **{"Lupa kirjanpidon ja hallinnon tarkastukseen": "Kyllä", "Toiminnan kokonaiskustannukset, €": "40 000"})]
    f = write_xlsx(workdir / "vienti.xlsx", rows)
    r = Cli(workdir / "avustus.db")("import", f, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["mapped_columns"]["Lupa kirjanpidon ja hallinnon tarkastukseen"] == "audit_consent"
    assert res["mapped_columns"]["Toiminnan kokonaiskustannukset, €"] == "total_cost"
    data = json.loads(_apps(workdir / "avustus.db")["H-0001"]["data"])
    assert data["audit_consent"] is True and data["total_cost"] == "40000.00"


def test_amounts_in_another_currency_are_not_stored_as_euros(workdir):
    rows = [app_row(1, Valuutta="EUR"), app_row(2, Valuutta="SEK"), app_row(3, Valuutta=None)]
    f = write_xlsx(workdir / "vienti.xlsx", rows)
    r = Cli(workdir / "avustus.db")("import", f, "--json")
    assert r.exit_code == 0, r.output
    stored = _apps(workdir / "avustus.db")
    assert stored["H-0001"]["requested_cents"] == 1250000 and stored["H-0003"]["requested_cents"] == 1250000
    assert stored["H-0002"]["requested_cents"] is None
    warn = [w for w in json.loads(r.stdout)["warnings"] if w["application_id"] == "H-0002"]
    assert len(warn) == 1 and "SEK" in warn[0]["message"] and warn[0]["column_name"].startswith("S ")


def test_history_in_another_currency_is_refused(workdir):
    headers = ["Hakemusnumero", "Hakija", "Avustusvuosi", "Myönnetty", "Valuutta"]
    f = write_xlsx(workdir / "hist.xlsx", [["A-1", "Vanha ry", 2025, 1000, "EUR"], ["A-2", "Toinen ry", 2025, 500, "USD"]],
                   headers=headers)
    r = Cli(workdir / "avustus.db")("import", "--history", f)
    assert r.exit_code == 2
    assert "rivi 3" in r.stderr and "USD" in r.stderr and "sarake D (Myönnetty)" in r.stderr
    assert dump(workdir / "avustus.db").get("grants", []) == []


# --- history without a year, warnings grouped and written whole ----------------------------------------


def test_history_without_year_is_warned_and_shown_by_overdue(workdir):
    headers = ["Hakemusnumero", "Hakija", "Y-tunnus", "Avustusvuosi", "Myönnetty", "Päätöspäivä"]
    rows = [["A-1", "Vanha ry", "0737546-2", 2024, 1000, "28.1.2024"], ["A-2", "Toinen ry", "0737546-2", None, 500, "28.1.2024"]]
    f = write_xlsx(workdir / "hist.xlsx", rows, headers=headers)
    cli = Cli(workdir / "avustus.db")
    r = cli("import", "--history", f, "--json")
    assert r.exit_code == 0, r.output
    warn = json.loads(r.stdout)["warnings"]
    assert [(w["application_id"], w["row"], w["column_name"]) for w in warn] == [("A-2", 3, "D (Avustusvuosi)")]
    assert "Avustusvuosi puuttuu" in warn[0]["message"]
    o = cli("overdue", "--as-of", "2026-01-15", "--json")
    assert o.exit_code == 1
    assert [i["grant"] for i in json.loads(o.stdout)] == ["A-1"]  # A-1 is late (due 31.7.2025)
    assert "A-2" in o.stderr and "avustusvuosi puuttuu" in o.stderr  # ... and A-2 is not silently left out


def test_overdue_exit_1_when_only_an_undated_grant_is_open(workdir):
    f = write_xlsx(workdir / "hist.xlsx", [["A-2", "Toinen ry", 500, "28.1.2024"]],
                   headers=["Hakemusnumero", "Hakija", "Myönnetty", "Päätöspäivä"])
    cli = Cli(workdir / "avustus.db")
    r = cli("import", "--history", f)
    assert r.exit_code == 0, r.output
    assert "sarake (ei saraketta): 1 rivi" in r.stdout
    o = cli("overdue", "--as-of", "2026-01-15")
    assert o.exit_code == 1 and "A-2" in o.stderr


def test_warnings_grouped_by_column_and_written_whole(workdir):
    rows = [app_row(n, **{"Haettu summa": f"paljon {n}"}) for n in range(1, 8)] + [app_row(9, Saapunut="31.2.2026")]
    f = write_xlsx(workdir / "vienti.xlsx", rows)
    cli = Cli(workdir / "avustus.db")
    out = workdir / "varoitukset.xlsx"
    r = cli("import", f, "--warnings", out)
    assert r.exit_code == 0, r.output
    text = r.stdout
    assert "sarake S (Haettu summa): 7 riviä" in text and "sarake B (Saapunut): 1 rivi" in text
    assert text.index("S (Haettu summa)") < text.index("B (Saapunut)")  # the column with most first
    assert text.count("'paljon ") == 3 and "… ja 4 muuta" in text  # the first three examples, then the count
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(got) == 8 and {g[0] for g in got} == {f"H-{n:04d}" for n in (1, 2, 3, 4, 5, 6, 7, 9)}


def test_warnings_xlsx_neutralises_formulas(workdir):
    f = write_xlsx(workdir / "vienti.xlsx", [app_row(1, Hakemusnumero="+SUM(A1)", **{"Haettu summa": "paljon"})])
    out = workdir / "v.xlsx"
    r = Cli(workdir / "avustus.db")("import", f, "--warnings", out)
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(out).active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'+SUM(A1)" in [c.value for c in cells]  # the applicant's text, never a formula


def test_warnings_option_given_a_folder_changes_nothing(workdir):
    f = write_xlsx(workdir / "vienti.xlsx", [app_row(1)])
    (workdir / "kansio").mkdir()
    r = Cli(workdir / "avustus.db")("import", f, "--warnings", workdir / "kansio")
    assert r.exit_code == 2 and "on kansio" in r.stderr and r.stderr.count("\n") == 1
    assert dump(workdir / "avustus.db").get("applications", []) == []


def test_status_says_when_amounts_are_missing(workdir):
    f = write_xlsx(workdir / "vienti.xlsx", [app_row(1), app_row(2, **{"Haettu summa": None})])
    cli = Cli(workdir / "avustus.db")
    assert cli("import", f).exit_code == 0
    r = cli("status")
    assert "Haettu summa puuttuu 1 hakemukselta" in r.stdout
    assert json.loads(cli("status", "--json").stdout)["requested_missing"] == 1

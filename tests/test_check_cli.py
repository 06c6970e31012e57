"""avustus check end to end: the sample round against verdicts worked out by hand."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from .conftest import SAMPLE, Cli, app_row, write_xlsx


@pytest.fixture(scope="module")
def sample_round(tmp_path_factory) -> Cli:
    d = tmp_path_factory.mktemp("sample")
    cli = Cli(d / "avustus.db", SAMPLE / "avustus.toml")
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    return cli


def test_sample_verdicts_match_hand_worked_expectations(sample_round):
    expected = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    r = sample_round("check", "--as-of", expected["as_of"], "--json")
    assert r.exit_code == 1  # the sample has blocking findings and deficiencies
    got = {a["id"]: a for a in json.loads(r.stdout)}
    assert set(got) == set(expected["applications"])
    wrong = {}
    for app_id, exp in expected["applications"].items():
        codes = sorted({f["code"] for f in got[app_id]["findings"]})
        if got[app_id]["verdict"] != exp["verdict"] or codes != sorted(set(exp["codes"])):
            wrong[app_id] = (exp["verdict"], sorted(set(exp["codes"])), got[app_id]["verdict"], codes)
    assert wrong == {}


def test_json_interface_shape(sample_round):
    r = sample_round("check", "--as-of", "2027-01-10", "--json", "--application", "AV-2027-013")
    data = json.loads(r.stdout)
    assert [a["id"] for a in data] == ["AV-2027-013"]
    f = data[0]["findings"][0]
    assert set(f) >= {"code", "severity", "message", "field"}
    assert f["severity"] in {"blocking", "deficiency", "review", "note"}
    assert data[0]["verdict"] in {"eligible", "supplement", "review", "ineligible"}
    text = r.stdout
    assert "@example" not in text and "FI" not in text.replace("FIN", "")  # no personal data in --json


def test_message_names_the_data(sample_round):
    data = json.loads(sample_round("check", "--as-of", "2027-01-10", "--json", "--code", "K04").stdout)
    msgs = [f["message"] for a in data for f in a["findings"] if f["code"] == "K04"]
    assert any("Tampere" in m and m.startswith("Toimintakunnat") for m in msgs)


def test_filters(sample_round):
    data = json.loads(sample_round("check", "--as-of", "2027-01-10", "--json", "--verdict", "ineligible").stdout)
    assert data and all(a["verdict"] == "ineligible" for a in data)
    data = json.loads(sample_round("check", "--as-of", "2027-01-10", "--json", "--severity", "blocking").stdout)
    assert all(any(f["severity"] == "blocking" for f in a["findings"]) for a in data)
    r = sample_round("check", "--as-of", "2027-01-10", "--code", "Z99")
    assert r.exit_code == 2 and "Z99" in r.stderr


def test_exit_zero_when_clean(cli, workdir):
    f = write_xlsx(workdir / "v.xlsx", [app_row(1, **{
        "Yhteistyö sote- tai pelastuspalveluiden kanssa": "Aikuissosiaalityö, Jyväskylä",
        "Tuetut tavoitteet": "Mielenterveyden ja päihteettömyyden edistäminen",
        "Hyvinvointialueen toimintakentällä": "Kyllä",
        "Palvelutuotantoa tai muuta taloudellista toimintaa": "Ei",
        "Lupa tarkastukseen": "Kyllä",
        "Liitteet": "toimintasuunnitelma; talousarvio",
        "Yhteishakemus": "Ei",
    })])
    assert cli("import", f).exit_code == 0
    r = cli("check", "--as-of", "2027-01-10", "--json")
    data = json.loads(r.stdout)
    assert data[0]["verdict"] == "eligible", data
    assert r.exit_code == 0


def test_accept_then_reimport_reopens(cli, workdir):
    row = app_row(1, Toimintakunnat="Jyväskylä; Tampere")
    cli("import", write_xlsx(workdir / "v.xlsx", [row]))
    cli("check", "--as-of", "2027-01-10")
    r = cli("accept", "H-0001", "K04", "--reason", "Tampereen osuus on vähäinen")
    assert r.exit_code == 0, r.output
    data = json.loads(cli("check", "--as-of", "2027-01-10", "--json").stdout)[0]
    k04 = [f for f in data["findings"] if f["code"] == "K04"][0]
    assert k04["accepted"] == "Tampereen osuus on vähäinen"
    # the officer's judgement is kept with who and when
    from avustus_cli.adapters.store import Store

    audit = Store.open(workdir / "avustus.db").audit_rows("finding", "H-0001/K04")
    assert audit[-1]["action"] == "accept" and audit[-1]["user"]
    # a changed application reopens the acceptance
    cli("import", write_xlsx(workdir / "v2.xlsx", [{**row, "Haettu summa": 999}]))
    data = json.loads(cli("check", "--as-of", "2027-01-10", "--json").stdout)[0]
    k04 = [f for f in data["findings"] if f["code"] == "K04"][0]
    assert "accepted" not in k04 and data["reopened"] == ["K04"]
    # and can be undone
    cli("import", write_xlsx(workdir / "v3.xlsx", [row]))
    assert cli("unaccept", "H-0001", "K04").exit_code == 0
    assert cli("unaccept", "H-0001", "K04").exit_code == 2


def test_blocking_cannot_be_accepted(cli, workdir):
    cli("import", write_xlsx(workdir / "v.xlsx", [app_row(1, **{"Oikeudellinen muoto": "Osakeyhtiö", "Hakija": "Firma Oy"})]))
    cli("check", "--as-of", "2027-01-10")
    r = cli("accept", "H-0001", "E01", "--reason", "x")
    assert r.exit_code == 2 and "hylkäävä" in r.stderr


def test_xlsx_neutralises_applicant_text(cli, workdir):
    cli("import", write_xlsx(workdir / "v.xlsx", [app_row(1, Hakija="+HYPERLINK(\"http://x\")", Toimintakunnat="Tampere")]))
    out = workdir / "tarkistus.xlsx"
    cli("check", "--as-of", "2027-01-10", "--xlsx", out)
    wb = load_workbook(out)
    assert set(wb.sheetnames) >= {"Havainnot", "Ei avustuskelpoinen", "Täydennettävä", "Arvioitava", "Avustuskelpoinen"}
    ws = wb["Havainnot"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'+") for c in cells)


def test_check_without_database(cli, workdir):
    r = cli("check")
    assert r.exit_code == 2 and "avustus import" in r.stderr


def test_rules_listed(cli):
    r = cli("rules", "--json")
    codes = [x["code"] for x in json.loads(r.stdout)]
    for c in ("E01", "E04", "K01", "K04", "T01", "T05", "A01", "A02", "Y01", "Y03", "H01", "R01", "S01", "S04", "P01", "P04"):
        assert c in codes


def test_accept_refuses_unknown_and_stale(cli, workdir):
    row = app_row(1, Toimintakunnat="Jyväskylä; Tampere")
    cli("import", write_xlsx(workdir / "v.xlsx", [row]))
    r = cli("accept", "H-9999", "K04", "--reason", "x")
    assert r.exit_code == 2 and "hakemusta H-9999 ei ole" in r.stderr
    r = cli("accept", "H-0001", "K04", "--reason", "x")  # never checked
    assert r.exit_code == 2 and "avustus check" in r.stderr
    cli("check", "--as-of", "2027-01-10")
    cli("import", write_xlsx(workdir / "v2.xlsx", [{**row, "Haettu summa": 1000}]))  # changed after the check
    r = cli("accept", "H-0001", "K04", "--reason", "x")
    assert r.exit_code == 2 and "muuttuneet" in r.stderr
    cli("check", "--as-of", "2027-01-10")
    assert cli("accept", "H-0001", "K04", "--reason", "x").exit_code == 0


def test_workbooks_print_landscape_on_one_page_width(cli, workdir):
    cli("import", write_xlsx(workdir / "v.xlsx", [app_row(1)]))
    out = workdir / "t.xlsx"
    cli("check", "--as-of", "2027-01-10", "--xlsx", out)
    ws = load_workbook(out)["Havainnot"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"


def test_changed_contact_details_do_not_reopen_acceptances(cli, workdir):
    """A new phone number is not a new application: the officer's acceptance and the check stay."""
    row = app_row(1, Toimintakunnat="Jyväskylä; Tampere")
    cli("import", write_xlsx(workdir / "v.xlsx", [row]))
    cli("check", "--as-of", "2027-01-10")
    assert cli("accept", "H-0001", "K04", "--reason", "vähäinen osuus").exit_code == 0
    res = json.loads(cli("import", write_xlsx(workdir / "v2.xlsx", [{**row, "Puhelin": "040 111 2222"}]), "--json").stdout)
    assert res["changed"] == {"H-0001": ["phone"]}  # the change itself is imported ...
    data = json.loads(cli("check", "--show", "--json").stdout)[0]
    k04 = [f for f in data["findings"] if f["code"] == "K04"][0]
    assert k04.get("accepted") == "vähäinen osuus" and data["reopened"] == []  # ... and the acceptance holds


def test_tables_show_at_most_the_limit_per_verdict_and_say_how_many_were_left_out(sample_round, monkeypatch):
    import re

    from avustus_cli.cli import check_cmds

    data = json.loads(sample_round("check", "--as-of", "2027-01-10", "--json").stdout)
    per_verdict: dict[str, int] = {}
    for a in data:
        per_verdict[a["verdict"]] = per_verdict.get(a["verdict"], 0) + 1
    monkeypatch.setattr(check_cmds, "TABLE_ROWS", 3)
    shown = sample_round("check", "--as-of", "2027-01-10").stdout
    ids = set(re.findall(r"AV-2027-\d{3}", shown))
    assert len(ids) == sum(min(n, 3) for n in per_verdict.values())
    left_out = sorted(int(n) for n in re.findall(r"(\d+) muuta ei näytetty", shown))
    assert left_out == sorted(n - 3 for n in per_verdict.values() if n > 3) and left_out
    titled = sorted(int(n) for n in re.findall(r"^\S+(?: \S+)? \((\d+)\)$", shown, re.MULTILINE))
    assert titled == sorted(per_verdict.values())  # each table's title counts every application of its result
    everything = sample_round("check", "--as-of", "2027-01-10", "--all").stdout
    assert set(re.findall(r"AV-2027-\d{3}", everything)) == {a["id"] for a in data}
    assert "muuta ei näytetty" not in everything

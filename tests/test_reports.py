"""Usage reports from the e-form export: the checklist, acceptance and supplement letters, bad files."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from avustus_cli.domain.report import ReportFiling, report_findings

from .conftest import dump, write_xlsx
from .test_decide import docx_text
from .year_round import BIDS, decided_round

NBSP = "\u00a0"
HEADERS = ["Hakemusnumero", "Avustuksen saaja", "Y-tunnus", "Selvitysvuosi", "Saapunut", "Käytetty avustus",
           "Käyttämättä jäänyt avustus", "Toimintakertomus", "Tilinpäätös", "Tilintarkastuskertomus",
           "Toiminnantarkastuskertomus", "Mittareiden seuranta", "Yhteyshenkilö"]


def row(gid="H-0001", bid=BIDS[0], year=2027, received="15.3.2028", used="18 000", unused="2 000", activity="Kyllä",
        statements="Kyllä", audit="Ei", ops_audit="Kyllä", metrics="", contact="Maija Meikäläinen"):
    return [gid, "Yhdistys ry", bid, year, received, used, unused, activity, statements, audit, ops_audit, metrics, contact]


def test_checklist_names_missing_attachments_the_sums_and_unused_funds():
    f = ReportFiling("A-1", 2026, dt.date(2027, 7, 2), Decimal(30000), Decimal(0), activity_report=True)
    found = report_findings(f, Decimal(35000), dt.date(2027, 6, 30), partnership=True, metrics="osallistujat")
    assert [(x.kind, x.code) for x in found] == [
        ("missing", "attachment"), ("missing", "audit"), ("missing", "sum"), ("missing", "metrics"), ("note", "late")]
    assert "tilinpäätös" in found[0].text and "erotuksen 5" in found[2].text and "(osallistujat)" in found[3].text
    ok = ReportFiling("A-1", 2026, dt.date(2027, 5, 2), Decimal(33000), Decimal(2000), True, True, False, True)
    assert [(x.kind, x.code) for x in report_findings(ok, Decimal(35000), dt.date(2027, 6, 30), False)] == [
        ("unused", "unused")]


@pytest.fixture
def year(tmp_path_factory, workdir):
    cli = decided_round(tmp_path_factory.getbasetemp(), workdir)
    assert cli("paid", "H-0001", "--date", "2027-03-02").exit_code == 0
    assert cli("paid", "H-0002", "--date", "2027-03-02").exit_code == 0
    return cli


def _import(cli, workdir, rows, name="kayttoselvitykset.xlsx"):
    path = write_xlsx(workdir / name, rows, HEADERS, sheet="Käyttöselvitykset")
    return cli("import", "--reports", path)


def test_report_with_unused_funds_is_accepted_with_a_letter_that_says_so(year, workdir):
    r = _import(year, workdir, [row()])
    assert r.exit_code == 0, r.output
    assert "eikä niitä tallennettu: Yhteyshenkilö" in r.output  # not silently dropped
    views = json.loads(year("report", "H-0001", "--json").stdout)
    assert [f["code"] for f in views[0]["findings"]] == ["unused"]
    r = year("report", "H-0001", "--accept", "--date", "2028-03-20")
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "kayttoselvitykset" / "kayttoselvitys_hyvaksytty_2027_H-0001.docx")
    assert "hyväksyy sen" in text and f"18{NBSP}000,00{NBSP}€" in text and f"2{NBSP}000,00{NBSP}€" in text
    assert "käyttämättä" in text and "kuullaan" in text and "toiminnantarkastuskertomus" in text
    assert f"20{NBSP}000{NBSP}€ toiminta-avustusta vuodelle 2027" in text
    # accepted: a second acceptance and a changed import change nothing
    before = dump(year.db)
    again = year("report", "H-0001", "--accept", "--date", "2028-03-21")
    assert again.exit_code == 2 and "jo hyväksytty 20.3.2028" in again.output
    assert dump(year.db) == before
    r = _import(year, workdir, [row(used="17 000", unused="3 000")], "uusi.xlsx")
    assert r.exit_code == 0 and "jo hyväksytty" in r.output
    assert json.loads(year("report", "H-0001", "--json").stdout)[0]["unused"] == "2000.00"


def test_incomplete_report_gets_a_supplement_request_and_the_supplement_replaces_it(year, workdir):
    _import(year, workdir, [row(used="15 000", unused="0", ops_audit="Ei")])
    before = dump(year.db)
    r = year("report", "H-0001", "--accept", "--date", "2028-03-20")
    assert r.exit_code == 2 and "ei voi hyväksyä" in r.output and "--supplement" in r.output
    assert dump(year.db) == before and not (workdir / "kayttoselvitykset").exists()
    r = year("report", "H-0001", "--supplement", "--date", "2028-03-20")
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "kayttoselvitykset" / "kayttoselvitys_taydennys_2027_H-0001.docx")
    assert "tilintarkastuskertomus tai toiminnantarkastuskertomus" in text
    assert f"yhteensä 15{NBSP}000,00{NBSP}€" in text and f"erotuksen 5{NBSP}000,00{NBSP}€" in text
    assert "3.4.2028" in text  # 14 days from 20.3.2028
    held = [p for p in json.loads(year("payments", "--as-of", "2028-03-25", "--json").stdout) if p["grant"] == "H-0001"]
    assert held[0]["status"] == "paid"
    # the supplement arrives: the new row replaces the report, which can now be accepted
    r = _import(year, workdir, [row(used="20 000", unused="0", ops_audit="Kyllä")], "taydennys.xlsx")
    assert r.exit_code == 0 and "täydennys" in r.output
    assert year("report", "H-0001", "--accept", "--date", "2028-04-02").exit_code == 0


def test_partnership_report_asks_for_the_metrics_follow_up(year, workdir):
    _import(year, workdir, [row(gid="H-0002", bid=BIDS[1], used="30 000", unused="0")])
    r = year("report", "H-0002")
    assert r.exit_code == 0 and "mittareiden (osallistujamäärä, asiakasohjausten määrä) seuranta" in r.output


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (row(gid="H-0009"), ["rivi 2", "sarake A (Hakemusnumero)", "avustusta H-0009 ei ole"]),
        (row(used="paljon"), ["rivi 2", "sarake F (Käytetty avustus)"]),
        (row(bid=BIDS[1]), ["rivi 2", "sarake C (Y-tunnus)", "ei ole avustuksen H-0001 saajan"]),
        (row(year=2026), ["sarake D (Selvitysvuosi)", "ei vuodelle 2026"]),
        (row(unused="-5"), ["sarake G", "negatiivinen"]),
        (row(activity="ehkä"), ["sarake H (Toimintakertomus)"]),
        (row(received=None), ["sarake E (Saapunut)", "saapumispäivä puuttuu"]),
    ],
)
def test_bad_report_file_is_refused_whole_with_file_row_and_column(year, workdir, bad, words):
    before = dump(year.db)
    r = _import(year, workdir, [row(gid="H-0002", bid=BIDS[1], used="30 000", unused="0"), bad])
    assert r.exit_code == 2
    message = " ".join(r.output.split())
    assert "kayttoselvitykset.xlsx" in message and "Tiedostoa ei tuotu" in message
    for w in words:
        assert w.replace("rivi 2", "rivi 3") in message, message
    assert dump(year.db) == before


def test_a_repeated_grant_and_year_is_refused(year, workdir):
    before = dump(year.db)
    r = _import(year, workdir, [row(), row()])
    assert r.exit_code == 2 and "toistuu (myös rivillä 2)" in r.output and "rivi 3" in r.output
    assert dump(year.db) == before

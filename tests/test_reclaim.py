"""Reclaim: the hearing letter (hallintolaki 34 §), the decision with review instructions, money returned,
open reclaims in overdue, status and payments."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from avustus_cli.domain.reclaim import Reclaim, answer_due, reclaim_problems

from .conftest import dump
from .test_decide import docx_text
from .test_reports import _import, row
from .year_round import BIDS, decided_round

NBSP = "\u00a0"
D = dt.date


def test_answer_time_runs_from_service_and_moves_past_midsummer():
    # letter posted Fri 4.6.2027 -> served Fri 11.6. -> 14 days: Fri 25.6.2027 is Midsummer Eve -> Mon 28.6.
    assert answer_due(D(2027, 6, 4), "letter") == D(2027, 6, 28)
    assert answer_due(D(2027, 6, 4), "email") == D(2027, 6, 21)  # served Mon 7.6. + 14 = Mon 21.6.


def test_a_decision_needs_a_hearing_whose_time_has_run_or_an_answer():
    heard = Reclaim("A", "x", Decimal(100), D(2027, 6, 1), D(2027, 6, 22))
    assert "ei ole kuultu" in reclaim_problems(None, D(2027, 7, 1), Decimal(1), D(2027, 8, 1), Decimal(100))[0]
    assert "vastausaika päättyy 22.6.2027" in reclaim_problems(heard, D(2027, 6, 22), Decimal(50), D(2027, 8, 1), Decimal(100))[0]
    assert reclaim_problems(heard, D(2027, 6, 15), Decimal(50), D(2027, 8, 1), Decimal(100), answered=D(2027, 6, 10)) == []
    over = reclaim_problems(heard, D(2027, 6, 23), Decimal(150), D(2027, 6, 23), Decimal(100))
    assert any("enemmän kuin" in p for p in over) and any("eräpäivän" in p for p in over)


@pytest.fixture
def year(tmp_path_factory, workdir):
    cli = decided_round(tmp_path_factory.getbasetemp(), workdir)
    assert cli("paid", "H-0001", "--date", "2027-03-02").exit_code == 0
    assert _import(cli, workdir, [row()]).exit_code == 0  # used 18 000 €, unused 2 000 €
    return cli


def test_full_reclaim_of_unused_funds(year, workdir):
    r = year("reclaim", "start", "H-0001", "--date", "2028-04-03",
             "--grounds", "Avustuksesta on jäänyt käyttämättä osa, jota ei ole palautettu.")
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "takaisinperinta" / "kuuleminen_H-0001.docx")
    # what is proposed (the unused funds by default), why, the rule and the deadline: 3.4. + 7 = 10.4. + 14 = 24.4.2028
    assert f"peritään takaisin 2{NBSP}000,00{NBSP}€ maksetusta avustuksesta 20{NBSP}000,00{NBSP}€" in text
    assert "jäänyt käyttämättä osa" in text and f"käytetty 18{NBSP}000,00{NBSP}€" in text
    assert "hallintolain 34 §" in text and "24.4.2028" in text and "ei ole päätös" in text
    assert "OIKAISUVAATIMUSOHJE" not in text
    # the grant's open instalments are held, status and reclaim list show it
    assert "Avoimia takaisinperintöjä 1" in year("status").output
    before = dump(year.db)
    early = year("reclaim", "decide", "H-0001", "--date", "2028-04-20", "--section", "§ 41", "--amount", "2000",
                 "--due", "2028-05-31", "--reasons", "Vastinetta ei annettu.")
    assert early.exit_code == 2 and "vastausaika päättyy 24.4.2028" in early.output
    assert dump(year.db) == before
    r = year("reclaim", "decide", "H-0001", "--date", "2028-04-25", "--section", "§ 41", "--amount", "2000",
             "--due", "2028-05-31", "--reasons", "Vastinetta ei annettu määräaikaan mennessä")
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "takaisinperinta" / "takaisinperinta_H-0001.docx")
    assert f"päättänyt periä avustuksesta takaisin 2{NBSP}000,00{NBSP}€" in text and "31.5.2028" in text
    assert "Vastinetta ei saapunut" in text and "Vastinetta ei annettu määräaikaan mennessä." in text
    assert "viivästyskorko" in text and "§ 41" in text
    # review instructions: sent Wed 26.4.2028, served 3.5., the last day Wed 17.5.2028
    assert "OIKAISUVAATIMUSOHJE" in text and "26.4.2028" in text and "17.5.2028" in text
    # past its due date and not returned: overdue says so, exit 1
    late = year("overdue", "--as-of", "2028-06-05", "--json")
    items = json.loads(late.stdout)
    assert late.exit_code == 1 and [i["grant"] for i in items if i.get("kind") == "reclaim"] == ["H-0001"]
    assert year("reclaim", "paid", "H-0001", "--date", "2028-06-06", "--amount", "500").exit_code == 0
    listed = json.loads(year("reclaim", "list", "--json", "--as-of", "2028-06-07").stdout)
    assert [(r["state"], r["outstanding"], r["overdue"]) for r in listed] == [("decided", "1500.00", True)]
    too_much = year("reclaim", "paid", "H-0001", "--date", "2028-06-07", "--amount", "1600")
    assert too_much.exit_code == 2 and f"1{NBSP}500,00{NBSP}€" in too_much.output
    assert year("reclaim", "paid", "H-0001", "--date", "2028-06-08").exit_code == 0
    assert json.loads(year("reclaim", "list", "--json").stdout) == []
    assert "Avoimia takaisinperintöjä" not in year("status").output


def test_reclaim_refusals_change_nothing(year, workdir):
    before = dump(year.db)
    r = year("reclaim", "start", "H-0002", "--grounds", "x.", "--date", "2028-04-03")
    assert r.exit_code == 2 and "ei ole maksettu mitään" in r.output
    r = year("reclaim", "start", "H-0001", "--grounds", "x.", "--amount", "25000", "--date", "2028-04-03")
    assert r.exit_code == 2 and "enintään maksettu" in r.output
    r = year("reclaim", "decide", "H-0001", "--date", "2028-04-25", "--section", "§ 41", "--amount", "2000",
             "--due", "2028-05-31", "--reasons", "x")
    assert r.exit_code == 2 and "ei ole kuultu" in r.output
    assert dump(year.db) == before and not (workdir / "takaisinperinta").exists()
    assert year("reclaim", "start", "H-0001", "--grounds", "Käyttämättä jäänyt osa.", "--date", "2028-04-03").exit_code == 0
    before = dump(year.db)
    again = year("reclaim", "start", "H-0001", "--grounds", "Uudestaan.", "--date", "2028-04-04")
    assert again.exit_code == 2 and "jo aloitettu 3.4.2028" in again.output
    assert dump(year.db) == before


def test_a_reclaim_under_way_holds_the_grants_unpaid_instalments(tmp_path_factory, workdir):
    cli = decided_round(tmp_path_factory.getbasetemp(), workdir)
    assert cli("paid", "H-0002", "--date", "2027-03-02").exit_code == 0
    assert _import(cli, workdir, [row(gid="H-0002", bid=BIDS[1], used="25 000", unused="5 000", metrics="ok")]).exit_code == 0
    assert cli("reclaim", "start", "H-0002", "--grounds", "Käyttämättä jäänyt osa.", "--date", "2027-10-01").exit_code == 0
    assert cli("instalments", "H-0002", "--confirm", "2", "--date", "2027-12-10", "--reason", "Talousarvio 2028").exit_code == 0
    second = [p for p in json.loads(cli("payments", "--as-of", "2028-01-10", "--json").stdout) if p["grant"] == "H-0002"][1]
    assert [h["code"] for h in second["holds"]] == ["reclaim"]

"""avustus decide / amend / payments / paid / report: decisions, letters and payment holds."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import io
import json
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from avustus_cli.adapters.mailing import write_mailing
from avustus_cli.adapters.store import Store, cents
from avustus_cli.domain import deadlines

from .conftest import Cli, app_row, docx_parts, dump, write_xlsx
from .test_propose import CLEAN

NBSP = "\u00a0"
REASON_2 = ("Määräraha ei riittänyt kaikkien avustuskelpoisten hakemusten täysimääräiseen rahoittamiseen, "
            "ja avustukset mitoitettiin suhteessa haettuihin määriin")
BIDS = ["1234560-4", "1234561-2", "1234562-0", "1234563-9"]


def add_proposal(db: Path, app_id: str, amount: str, reason: str = "", code: str = "PROPORTIONAL", conditions: str = "") -> None:
    """A stored proposal, as ``avustus propose`` leaves it (the test does not depend on propose)."""
    store = Store.open(db)
    try:
        with store.transaction():
            store.db["proposals"].upsert(
                {"application_id": app_id, "amount_cents": cents(Decimal(amount)), "reason_code": code,
                 "reason": reason, "conditions": conditions, "method": "proportional", "source": "allocation",
                 "updated_at": "2027-01-15T10:00:00"},
                pk="application_id",
            )
    finally:
        store.close()


def add_history_grant(db: Path, gid: str, business_id: str, year: int, amount: str, report: str | None = None,
                      paid: str | None = None) -> None:
    store = Store.open(db)
    try:
        with store.transaction():
            store.upsert_grant(
                {"id": gid, "application_id": None, "applicant": "Aiempi saaja ry", "business_id": business_id,
                 "form": "operating", "year": year, "amount_cents": cents(Decimal(amount)), "requested_cents": None,
                 "decision_date": f"{year}-01-27", "section": "9", "decision_maker": "Aluehallitus",
                 "conditions": "", "reason": "", "source": "history"}
            )
            if paid:
                store.add_payment(gid, Decimal(amount), dt.date.fromisoformat(paid), "history")
            if report:
                store.set_report(gid, dt.date.fromisoformat(report), "approved")
    finally:
        store.close()


def docx_text(path: Path) -> str:
    return "\n".join(docx_parts(path))


_PROPOSED: dict[str, Path] = {}


@pytest.fixture
def proposed_round(cli, workdir, tmp_path_factory):
    """Four applications checked and proposed: full, reduced, refused (late, H01), refused without reasons.
    Built once per run and copied into each test's folder (database and workbooks)."""
    if "base" not in _PROPOSED:
        base = tmp_path_factory.mktemp("proposed-round")
        with contextlib.chdir(base):  # as the test's own folder was
            _build_proposed_round(Cli(base / "avustus.db"), base)
        _PROPOSED["base"] = base
    shutil.copytree(_PROPOSED["base"], workdir, dirs_exist_ok=True)
    return cli


def _build_proposed_round(cli: Cli, workdir: Path) -> None:
    rows = [
        app_row(1, **CLEAN, **{"Y-tunnus": BIDS[0], "Haettu summa": "12 500"}),
        app_row(2, **CLEAN, **{"Y-tunnus": BIDS[1], "Haettu summa": "20 000", "Hakija": "Keski-Suomen Mielenterveysseura ry"}),
        app_row(3, **{"Y-tunnus": BIDS[2], "Haettu summa": "5 000", "Saapunut": "4.1.2027"}),
    ]
    write_xlsx(workdir / "hakemukset.xlsx", rows)
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    cli("check", "--as-of", "2027-01-10")
    # H-0004 arrives after the check: no findings to give reasons with
    write_xlsx(workdir / "myohassa.xlsx", [app_row(4, **{"Y-tunnus": BIDS[3], "Haettu summa": "8 000"})])
    assert cli("import", workdir / "myohassa.xlsx").exit_code == 0
    add_proposal(cli.db, "H-0001", "12500", "myönnetään haettu määrä", "FULL")
    add_proposal(cli.db, "H-0002", "15000", REASON_2,
                 conditions="Avustusta ei saa käyttää toimintasuunnitelman ruoka-aputoimintaan.")
    add_proposal(cli.db, "H-0003", "0", "", "INELIGIBLE")
    add_proposal(cli.db, "H-0004", "0", "", "BUDGET_EXHAUSTED")  # no reason, no finding: cannot be decided


@pytest.fixture
def decided_round(proposed_round):
    """``proposed_round`` with a reason for H-0004's refusal: the whole round can be decided."""
    add_proposal(proposed_round.db, "H-0004", "0", "Määräraha käytettiin loppuun", "BUDGET_EXHAUSTED")
    return proposed_round


def run_decide(cli, *extra):
    # the minutes online on the meeting day: the members' period ends 16.2.2027, before the applicant's (17.2.)
    return cli("decide", "--date", "2027-01-26", "--section", "§ 12", "--minutes-published", "2027-01-26", *extra)


def test_letter_contains_every_required_element(decided_round, workdir):
    r = run_decide(decided_round)
    assert r.exit_code == 0, r.output
    letter = workdir / "paatokset" / "paatos_H-0002.docx"
    assert letter.exists() and letter.with_suffix(".html").exists()
    text = docx_text(letter)
    # deciding body, date, §, diary number
    assert "Aluehallitus" in text
    assert "26.1.2027" in text
    assert "§ 12" in text
    assert "Hyvaks/77/00.02.01/2026" in text
    # addressee and what was decided: reduced X € of Y €, Finnish format
    assert "Keski-Suomen Mielenterveysseura ry" in text and BIDS[1] in text
    assert f"15{NBSP}000{NBSP}€" in text and f"20{NBSP}000{NBSP}€" in text
    # reasons for the reduction, conditions
    assert "Määräraha ei riittänyt" in text
    assert "ruoka-aputoimintaan" in text
    # grant terms: usage report due (grant year 2027 -> 30.6.2028, a Friday) and its documents
    assert deadlines.report_due(2027, 6) == dt.date(2028, 6, 30)
    assert "30.6.2028" in text and "toimintakertomus" in text
    assert "tarkastaa" in text and "periä avustuksen kokonaan tai osittain takaisin" in text
    # contact person (the preparer) and the review instructions with the computed last day:
    # decided Tue 26.1.2027 -> posted Wed 27.1. -> served 3.2. -> 14 days -> Wed 17.2.2027
    assert "järjestöyhteistyön erityisasiantuntija" in text
    assert "OIKAISUVAATIMUSOHJE" in text
    assert "27.1.2027" in text and "3.2.2027" in text and "17.2.2027" in text


def test_refusal_letter_names_the_rule(decided_round, workdir):
    run_decide(decided_round)
    text = docx_text(workdir / "paatokset" / "paatos_H-0003.docx")
    assert "hylännyt hakemuksen" in text
    # the fact and the guideline's rule as full sentences; the rule code is the officer's, never the letter's
    assert "Hakemus saapui 4.1.2027." in text and "hakuaika päättyi 31.12.2026" in text
    assert "joten avustusta ei voida myöntää" in text
    assert "(H01)" not in text and "H01" not in text


def test_refusal_without_reasons_refuses_the_whole_decision(proposed_round, workdir):
    """No half-recorded decision: one refusal without reasons stops the run before the backup."""
    before = dump(proposed_round.db)
    r = run_decide(proposed_round)
    assert r.exit_code == 2, r.output
    assert "H-0004" in r.stderr and "perustelu puuttuu" in r.stderr and "Mitään ei kirjattu" in r.stderr
    assert dump(proposed_round.db) == before
    assert not (workdir / "paatokset").exists()  # no letters, no mailing list
    assert not list((workdir / "varmuuskopiot").glob("*.db"))  # refused before the backup


def test_missing_reasons_are_all_named_at_once(proposed_round, workdir):
    sheet = write_xlsx(workdir / "esitys_muokattu.xlsx", [
        {"Hakemus": "H-0001", "Esitys (€)": 10000, "Ehdot": "", "Perustelu": ""},  # reduced, no reason
        {"Hakemus": "H-0002", "Esitys (€)": 15000, "Ehdot": "", "Perustelu": "Määräraha ei riittänyt"},
        {"Hakemus": "H-0003", "Esitys (€)": 0, "Ehdot": "", "Perustelu": ""},  # the findings (H01) give the reason
        {"Hakemus": "H-0004", "Esitys (€)": 0, "Ehdot": "", "Perustelu": ""},
    ], sheet="Esitys")
    before = dump(proposed_round.db)
    r = run_decide(proposed_round, "--from", sheet)
    assert r.exit_code == 2, r.output
    message = " ".join(r.stderr.split())
    assert "H-0001, H-0004" in message and "H-0003" not in message and "hallintolaki 45 §" in message
    assert dump(proposed_round.db) == before
    assert not (workdir / "paatokset").exists()


def test_mailing_list_has_one_line_per_letter(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    # the mail-merge list: BOM, ';', one line per letter
    raw = (workdir / "paatokset" / "postitus.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["Hakemusnumero", "Hakija", "Sähköposti", "Tiedosto"]
    assert [ln[0] for ln in lines[1:]] == ["H-0001", "H-0002", "H-0003", "H-0004"]
    assert lines[1][2] == "maija@example.fi" and lines[1][3] == "paatos_H-0001.docx"
    # what goes with each letter: a grant's letter encloses the grant terms written beside the letters
    assert lines[0][-1] == "Liitteet"
    decided = {ln[0]: ln[-1] for ln in lines[1:]}
    granted = [k for k, v in decided.items() if v]
    assert granted and all(decided[k] == "Liite 2 Avustusehdot (liite2_avustusehdot.docx)" for k in granted)
    assert (workdir / "paatokset" / "liite2_avustusehdot.docx").is_file()
    for k, v in decided.items():  # a refusal encloses nothing, and its letter names no annex
        letter = (workdir / "paatokset" / f"paatos_{k}.html").read_text(encoding="utf-8")
        assert ("Liite 2 Avustusehdot" in letter) == bool(v), k
    assert os.stat(workdir / "paatokset" / "postitus.csv").st_mode & 0o077 == 0


def test_rerunning_decide_changes_nothing(decided_round, workdir):
    run_decide(decided_round)
    before = dump(decided_round.db)
    backups = sorted((workdir / "varmuuskopiot").glob("*.db"))
    r = run_decide(decided_round)
    assert r.exit_code == 0
    assert dump(decided_round.db) == before
    assert sorted((workdir / "varmuuskopiot").glob("*.db")) == backups  # nothing to change: no backup either
    assert "uusia päätöksiä 0" in " ".join(r.stdout.split())


def test_decide_records_grants_with_audit(decided_round):
    run_decide(decided_round)
    store = Store.open(decided_round.db)
    try:
        g = store.query("select * from grants where id = 'H-0002'")[0]
        assert (g["amount_cents"], g["requested_cents"], g["year"], g["section"], g["decision_maker"], g["source"]) == (
            1500000, 2000000, 2027, "12", "Aluehallitus", "decision")
        assert g["decision_date"] == "2027-01-26" and "Määräraha" in g["reason"] and "ruoka-apu" in g["conditions"]
        refused = store.query("select amount_cents, reason from grants where id = 'H-0003'")[0]
        assert refused["amount_cents"] == 0 and refused["reason"].startswith("H01: ")
        actions = {(a["entity_id"], a["action"]) for a in store.audit_rows("grant")}
        assert {("H-0001", "decide"), ("H-0002", "decide"), ("H-0003", "decide")} <= actions
    finally:
        store.close()


def test_a_different_decision_is_refused_and_amend_changes_it(decided_round, workdir):
    run_decide(decided_round)
    before = dump(decided_round.db)
    r = decided_round("decide", "--date", "2027-01-26", "--section", "§ 13")
    assert r.exit_code == 2
    assert "avustus amend" in r.stderr
    assert dump(decided_round.db) == before

    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000", "--reason", "Oikaisuvaatimus hyväksytty osittain.")
    assert r.exit_code == 0, r.output
    store = Store.open(decided_round.db)
    try:
        g = store.query("select amount_cents, reason from grants where id = 'H-0002'")[0]
        assert g["amount_cents"] == 1600000 and "Oikaisuvaatimus" in g["reason"]
        audit = [a for a in store.audit_rows("grant", "H-0002") if a["action"] == "amend"]
        assert len(audit) == 1 and json.loads(audit[0]["detail"])["old_amount"] == "15000.00"
    finally:
        store.close()
    assert any("amend" in p.name for p in (workdir / "varmuuskopiot").glob("*.db"))
    # the original decision run again keeps the amended grant and changes nothing
    amended = dump(decided_round.db)
    assert run_decide(decided_round).exit_code == 0
    assert dump(decided_round.db) == amended
    store = Store.open(decided_round.db)
    try:
        assert store.query("select amount_cents from grants where id = 'H-0002'")[0]["amount_cents"] == 1600000
    finally:
        store.close()
    assert decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "99999", "--reason", "x").exit_code == 2  # above requested


def test_review_period_across_christmas():
    # a letter posted Thu 10.12.2026: served Thu 17.12., 14 days -> Thu 31.12.2026 (New Year's Eve is a working day)
    assert deadlines.served_on(dt.date(2026, 12, 10), "letter") == dt.date(2026, 12, 17)
    assert deadlines.review_last_day(dt.date(2026, 12, 10), "letter") == dt.date(2026, 12, 31)
    # an e-mail sent Tue 8.12.2026: served Fri 11.12., 14 days -> Fri 25.12. (Christmas Day) -> Mon 28.12.2026
    assert deadlines.served_on(dt.date(2026, 12, 8), "email") == dt.date(2026, 12, 11)
    assert deadlines.review_last_day(dt.date(2026, 12, 8), "email") == dt.date(2026, 12, 28)


def test_review_period_across_midsummer():
    # posted Fri 4.6.2027: served Fri 11.6., 14 days -> Fri 25.6.2027 = Midsummer Eve,
    # Sat 26.6. Midsummer Day, Sun 27.6. -> Mon 28.6.2027
    assert deadlines.review_last_day(dt.date(2027, 6, 4), "letter") == dt.date(2027, 6, 28)
    # e-mail sent Mon 7.6.2027: served Thu 10.6., 14 days -> Thu 24.6.2027, a working day
    assert deadlines.review_last_day(dt.date(2027, 6, 7), "email") == dt.date(2027, 6, 24)


def test_email_letter_prints_the_christmas_last_day(decided_round, workdir):
    r = decided_round("decide", "--date", "2026-12-07", "--section", "§ 200", "--channel", "email",
                      "--sent", "2026-12-08", "--letters", workdir / "kirjeet")
    assert r.exit_code == 0
    text = docx_text(workdir / "kirjeet" / "paatos_H-0001.docx")
    assert "sähköpostilla" in text and "11.12.2026" in text and "28.12.2026" in text
    assert "sähköposti" in (workdir / "kirjeet" / "postitus.csv").read_text(encoding="utf-8-sig")


def test_mailing_cells_are_neutralised(tmp_path):
    from avustus_cli.domain.letter import Letter

    path = write_mailing(tmp_path / "postitus.csv", [Letter("H-1", "=HYPERLINK(\"http://x\") ry", "@evil", "+a", "-b", "kirje")])
    row = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))[1]
    assert row[1].startswith("'=") and row[2] == "'@evil" and row[3] == "'+a" and row[4] == "'-b"


# --- payments ------------------------------------------------------------------


def payments_json(cli, as_of: str, *extra) -> dict[str, dict]:
    r = cli("payments", "--as-of", as_of, "--json", *extra)
    assert r.exit_code == 0, r.output
    return {p["grant"]: p for p in json.loads(r.stdout)}


def test_payment_held_until_the_decision_is_final(decided_round):
    run_decide(decided_round)  # posted 27.1.2027, review period ends 17.2.2027
    on_last_day = payments_json(decided_round, "2027-02-17")
    assert set(on_last_day) == {"H-0001", "H-0002"}  # refusals have nothing to pay
    assert on_last_day["H-0001"]["status"] == "held"
    assert [h["code"] for h in on_last_day["H-0001"]["holds"]] == ["review"]
    assert "17.2.2027" in on_last_day["H-0001"]["holds"][0]["text"]
    after = payments_json(decided_round, "2027-02-18")
    assert after["H-0001"]["status"] == "payable" and after["H-0001"]["review_last_day"] == "2027-02-17"


def test_payment_held_exactly_while_an_earlier_report_is_missing(decided_round):
    add_history_grant(decided_round.db, "G-2026-1", BIDS[0], 2026, "10000", paid="2026-02-15")
    run_decide(decided_round)
    held = payments_json(decided_round, "2027-03-01")["H-0001"]
    assert held["status"] == "held" and [h["code"] for h in held["holds"]] == ["report"]
    assert "G-2026-1" in held["holds"][0]["text"]
    # the decision letter says so too
    r = decided_round("paid", "H-0001", "--date", "2027-03-01")
    assert r.exit_code == 2 and "pidätetty" in r.stderr and "--override" in r.stderr
    assert decided_round("report", "G-2026-1", "--received", "2027-02-20", "--status", "täydennettävä").exit_code == 0
    assert payments_json(decided_round, "2027-03-01")["H-0001"]["status"] == "held"  # waiting for a supplement
    assert decided_round("report", "G-2026-1", "--received", "2027-02-28", "--status", "hyväksytty").exit_code == 0
    assert payments_json(decided_round, "2027-03-01")["H-0001"]["status"] == "payable"
    store = Store.open(decided_round.db)
    try:
        assert [a["action"] for a in store.audit_rows("report", "G-2026-1")] == ["record", "record"]
    finally:
        store.close()


def test_a_letter_names_the_grantees_own_earlier_unreported_grant_only(decided_round, workdir):
    """The letters look up each grantee's earlier grants by business ID: the one of the same grantee is
    named, another grantee's is not (and a grantee with none has no hold)."""
    add_history_grant(decided_round.db, "G-2026-1", BIDS[0], 2026, "10000", paid="2026-02-15")
    add_history_grant(decided_round.db, "G-2026-7", BIDS[3], 2026, "7000", paid="2026-02-15")
    assert run_decide(decided_round).exit_code == 0
    letters = {p.stem: html.unescape((p).read_text(encoding="utf-8")) for p in (workdir / "paatokset").glob("paatos_*.html")}
    granted = [stem for stem, text in letters.items() if "G-2026-1" in text]
    assert granted == ["paatos_H-0001"]
    assert "G-2026-1" in letters["paatos_H-0001"] and "käyttöselvitys" in letters["paatos_H-0001"]
    assert not any("G-2026-7" in text for stem, text in letters.items() if stem != "paatos_H-0004")


def test_paid_records_and_override_needs_a_reason(decided_round):
    run_decide(decided_round)
    r = decided_round("paid", "H-0002", "--date", "2027-02-01")
    assert r.exit_code == 2 and "oikaisuvaatimusaika" in r.stderr
    assert decided_round("paid", "H-0002", "--date", "2027-02-01", "--override").exit_code == 2
    r = decided_round("paid", "H-0002", "--date", "2027-02-01", "--amount", "5000", "--override",
                      "--reason", "Toimielin päätti maksaa ennakon heti.")
    assert r.exit_code == 0, r.output
    assert decided_round("paid", "H-0001", "--date", "2027-02-18").exit_code == 0
    p = payments_json(decided_round, "2027-02-18")
    assert p["H-0001"]["status"] == "paid" and p["H-0001"]["to_pay"] == "0.00"
    assert p["H-0002"]["paid"] == "5000.00" and p["H-0002"]["to_pay"] == "10000.00"
    assert decided_round("paid", "H-0002", "--date", "2027-02-18", "--amount", "10001").exit_code == 2
    store = Store.open(decided_round.db)
    try:
        detail = json.loads(store.audit_rows("payment", "H-0002")[0]["detail"])
        assert detail["override"] is True and detail["holds"] == ["review", "members"]  # 1.2.: both periods run
    finally:
        store.close()


def test_iban_only_in_the_finance_file(decided_round, workdir):
    run_decide(decided_round)
    r = decided_round("payments", "--as-of", "2027-02-18", "--json")
    assert "FI21" not in r.stdout and "iban" not in r.stdout
    assert payments_json(decided_round, "2027-02-18", "--with-personal-data")["H-0001"]["iban"] == "FI2112345600000785"
    out = workdir / "maksatus.xlsx"
    r = decided_round("payments", "--as-of", "2027-02-18", "--xlsx", out)
    assert r.exit_code == 0 and "FI21" not in r.stdout
    assert os.stat(out).st_mode & 0o077 == 0
    from openpyxl import load_workbook

    ws = load_workbook(out)["Maksatus"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][:5] == ["Saaja", "Y-tunnus", "Tilinumero (IBAN)", "Summa €", "Viitenumero"]
    assert ["Testiyhdistys 1 ry", BIDS[0], "FI2112345600000785", 12500] in [r[:4] for r in rows[1:]]
    assert rows[-1][0].startswith("Yhteensä (2 kpl") and rows[-1][3] == 27500


def test_board_changes_from_the_edited_sheet(decided_round, workdir):
    sheet = write_xlsx(workdir / "esitys_muokattu.xlsx", [
        {"Hakemus": "H-0001", "Esitys (€)": 10000, "Ehdot": "", "Perustelu": "Aluehallitus alensi avustusta, koska osa toiminnasta on kunnan toimialaa."},
        {"Hakemus": "H-0002", "Esitys (€)": 15000, "Ehdot": "Avustusta ei saa käyttää toimintasuunnitelman ruoka-aputoimintaan.",
         "Perustelu": "Määräraha ei riittänyt kaikkien hakemusten täysimääräiseen rahoittamiseen"},
        {"Hakemus": "H-0003", "Esitys (€)": 0, "Ehdot": "", "Perustelu": ""},
        {"Hakemus": "H-0004", "Esitys (€)": 0, "Ehdot": "", "Perustelu": "Määräraha käytettiin loppuun"},
    ], sheet="Esitys")
    r = run_decide(decided_round, "--from", sheet)
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "paatokset" / "paatos_H-0001.docx")
    assert f"10{NBSP}000{NBSP}€" in text and "kunnan toimialaa" in text
    assert (workdir / "paatokset" / "paatos_H-0004.docx").exists()
    before = dump(decided_round.db)
    assert run_decide(decided_round, "--from", sheet).exit_code == 0
    assert dump(decided_round.db) == before


# --- the board's sheet obeys the proposal's rules (decide --from) ---------------------


def board_sheet(workdir: Path, **changes: dict) -> Path:
    """The decided round's proposal as the board's sheet, with ``changes`` (application -> cells)."""
    rows = {
        "H-0001": {"Hakemus": "H-0001", "Esitys (€)": 12500, "Ehdot": "", "Perustelu": "myönnetään haettu määrä"},
        "H-0002": {"Hakemus": "H-0002", "Esitys (€)": 15000, "Ehdot": "", "Perustelu": REASON_2},
        "H-0003": {"Hakemus": "H-0003", "Esitys (€)": 0, "Ehdot": "", "Perustelu": ""},
        "H-0004": {"Hakemus": "H-0004", "Esitys (€)": 0, "Ehdot": "", "Perustelu": "Määräraha käytettiin loppuun"},
    }
    for app_id, cells in changes.items():
        rows[app_id.replace("_", "-")].update(cells)
    return write_xlsx(workdir / "esitys_hallitus.xlsx", list(rows.values()), sheet="Esitys")


@pytest.mark.parametrize(
    ("changes", "where", "needle"),
    [
        # above the request without a reason (H-0001 applied for 12 500 €)
        ({"H_0001": {"Esitys (€)": 13000, "Perustelu": ""}}, "rivi 2, sarake Perustelu", "suurempi kuin haettu"),
        # money for an application refused by a blocking finding (H-0003 arrived late, H01)
        ({"H_0003": {"Esitys (€)": 5000, "Perustelu": "Toimielin myönsi"}}, "rivi 4, sarake Esitys (€)", "H01"),
        # a changed amount with the proposal's reason kept
        ({"H_0002": {"Esitys (€)": 14000}}, "rivi 3, sarake Perustelu", "perustelu on ennallaan"),
        # negative and non-numeric amounts
        ({"H_0002": {"Esitys (€)": -100}}, "rivi 3, sarake", "negatiivinen"),
        ({"H_0002": {"Esitys (€)": "paljon"}}, "rivi 3, sarake", "ei ole euromäärä"),
    ],
)
def test_decide_from_refuses_a_sheet_that_breaks_the_rules(decided_round, workdir, changes, where, needle):
    sheet = board_sheet(workdir, **changes)
    before = dump(decided_round.db)
    r = run_decide(decided_round, "--from", sheet)
    assert r.exit_code == 2, r.output
    message = " ".join(r.stderr.split())
    assert "tiedosto esitys_hallitus.xlsx, taulukko Esitys" in message and where in message and needle in message
    assert dump(decided_round.db) == before
    assert not (workdir / "paatokset").exists()
    assert not list((workdir / "varmuuskopiot").glob("*.db"))


def test_decide_from_refuses_going_over_the_budget(decided_round, workdir):
    (workdir / "avustus.toml").write_text("[budget]\ntotal = 25000\n", encoding="utf-8")
    before = dump(decided_round.db)
    r = run_decide(decided_round, "--from", board_sheet(workdir))  # 12 500 + 15 000 > 25 000
    assert r.exit_code == 2, r.output
    message = " ".join(r.stderr.split())
    assert "rivi 3, sarake Esitys (€)" in message and "ylittävät määrärahan" in message and "ylitys 2 500,00 €" in message
    assert dump(decided_round.db) == before
    # the board cut H-0002 to fit: decided
    r = run_decide(decided_round, "--from", board_sheet(
        workdir, H_0002={"Esitys (€)": 12500, "Perustelu": "Aluehallitus alensi avustusta määrärahan mukaiseksi."}))
    assert r.exit_code == 0, r.output


# --- checks on what is read under the lock ------------------------------------------


def _race(monkeypatch, store: Store, before_lock) -> None:
    """Run ``before_lock`` (another officer's command, its own connection) just
    before ``store`` opens its first transaction, as if it had won the race."""
    import contextlib

    original = store.transaction
    fired = []

    @contextlib.contextmanager
    def transaction():
        if not fired:
            fired.append(True)
            before_lock()
        with original() as s:
            yield s

    monkeypatch.setattr(store, "transaction", transaction)


def _other(db: Path, fn) -> None:
    from avustus_cli.domain.config import load_settings

    other = Store.open(db)
    try:
        fn(other, load_settings())
    finally:
        other.close()


def test_paid_checks_the_outstanding_amount_under_the_lock(decided_round, monkeypatch):
    from avustus_cli.domain.config import load_settings
    from avustus_cli.domain.errors import ValidationError
    from avustus_cli.services import paying

    assert run_decide(decided_round).exit_code == 0
    day = dt.date(2027, 2, 18)
    store = Store.open(decided_round.db)
    try:
        _race(monkeypatch, store, lambda: _other(decided_round.db, lambda s, st: paying.record_payment(s, st, "H-0001", day)))
        with pytest.raises(ValidationError, match="jo maksettu kokonaan"):
            paying.record_payment(store, load_settings(), "H-0001", day)
        paid = store.query("select sum(amount_cents) as c, count(*) as n from payments where grant_id = 'H-0001'")[0]
        assert (paid["c"], paid["n"]) == (1250000, 1)  # paid once, not twice
        # in sequence too: the second payment of the same grant is refused
        with pytest.raises(ValidationError, match="jo maksettu kokonaan"):
            paying.record_payment(store, load_settings(), "H-0001", day)
    finally:
        store.close()


def test_amend_checks_the_paid_amount_under_the_lock(decided_round, monkeypatch):
    from avustus_cli.domain.config import load_settings
    from avustus_cli.domain.errors import ValidationError
    from avustus_cli.services import deciding as svc
    from avustus_cli.services import paying

    assert run_decide(decided_round).exit_code == 0
    store = Store.open(decided_round.db)
    try:
        pay = lambda s, st: paying.record_payment(s, st, "H-0002", dt.date(2027, 2, 18))  # noqa: E731 - 15 000 €
        _race(monkeypatch, store, lambda: _other(decided_round.db, pay))
        with pytest.raises(ValidationError, match="on jo maksettu 15"):
            svc.amend(store, load_settings(), "H-0002", amount=Decimal("10000"), reason="Oikaisu.",
                          decision_date=dt.date(2027, 2, 23), section="30")
        assert store.query("select amount_cents from grants where id = 'H-0002'")[0]["amount_cents"] == 1500000
    finally:
        store.close()


def test_decide_rereads_existing_grants_under_the_lock(decided_round, workdir, monkeypatch):
    from avustus_cli.domain.config import load_settings
    from avustus_cli.domain.errors import ValidationError
    from avustus_cli.services import deciding as svc

    store = Store.open(decided_round.db)
    try:
        other = lambda s, st: svc.decide(s, st, decision_date=dt.date(2027, 1, 26), section="13",  # noqa: E731
                                         letters_dir=workdir / "muut")
        _race(monkeypatch, store, lambda: _other(decided_round.db, other))
        with pytest.raises(ValidationError, match="toisenlainen päätös"):
            svc.decide(store, load_settings(), decision_date=dt.date(2027, 1, 26), section="12")
        # the other officer's decision stands, recorded once
        assert {r["section"] for r in store.query("select section from grants")} == {"13"}
        decides = [a for a in store.audit_rows("grant") if a["action"] == "decide"]
        assert len(decides) == 4
    finally:
        store.close()
    assert not (workdir / "paatokset").exists()


# --- letters that fail: nothing recorded, nothing written ------------------------------------


def broken_template(workdir: Path) -> Path:
    folder = workdir / "pohjat"
    folder.mkdir()
    (folder / "paatoskirje.html").write_text("<p>{{ tata_muuttujaa_ei_ole }}</p>\n", encoding="utf-8")
    (workdir / "avustus.toml").write_text(f'[system]\ntemplates_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    return folder / "paatoskirje.html"


def test_a_broken_letter_template_records_nothing_and_writes_nothing(decided_round, workdir):
    broken = broken_template(workdir)
    before = dump(decided_round.db)
    r = run_decide(decided_round)
    assert r.exit_code == 2, r.output
    message = " ".join(r.stderr.split())
    assert "tata_muuttujaa_ei_ole" in message and "Mitään ei kirjattu eikä yhtään kirjettä kirjoitettu" in message
    assert dump(decided_round.db) == before  # exit 2: the database as it was
    assert not (workdir / "paatokset").exists()  # and no letter, no mailing list
    assert not list(workdir.glob(".paatokset*"))  # no staging folder left behind
    assert not list((workdir / "varmuuskopiot").glob("*.db"))  # nor this run's backup
    # the template fixed, the same command records the decisions and writes the letters
    broken.unlink()
    r = run_decide(decided_round)
    assert r.exit_code == 0, r.output
    assert {row[0] for row in dump(decided_round.db)["grants"]} == {"H-0001", "H-0002", "H-0003", "H-0004"}
    assert sorted(row[2] for row in dump(decided_round.db)["letters"]) == ["H-0001", "H-0002", "H-0003", "H-0004"]
    assert (workdir / "paatokset" / "paatos_H-0001.docx").exists()
    after = dump(decided_round.db)
    r = run_decide(decided_round)  # and once more: nothing at all
    assert r.exit_code == 0 and dump(decided_round.db) == after


def test_a_broken_letter_template_in_amend_changes_nothing(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    broken = broken_template(workdir)
    amend = ("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000", "--reason", "Oikaisuvaatimus hyväksytty osittain.",
             "--letters", workdir / "oikaisut")
    before = dump(decided_round.db)
    backups = sorted((workdir / "varmuuskopiot").glob("*.db"))
    r = decided_round(*amend)
    assert r.exit_code == 2, r.output
    assert "Muutosta ei kirjattu eikä kirjettä kirjoitettu" in " ".join(r.stderr.split())
    assert dump(decided_round.db) == before  # exit 2: the amount, the audit log and the delivery as they were
    assert not (workdir / "oikaisut").exists()
    assert sorted((workdir / "varmuuskopiot").glob("*.db")) == backups
    broken.unlink()
    r = decided_round(*amend)
    assert r.exit_code == 0, r.output
    recorded = dump(decided_round.db)
    store = Store.open(decided_round.db)
    try:
        assert store.query("select amount_cents from grants where id = 'H-0002'")[0]["amount_cents"] == 1600000
    finally:
        store.close()
    assert (workdir / "oikaisut" / "paatos_H-0002.docx").exists()
    backups = sorted((workdir / "varmuuskopiot").glob("*.db"))
    assert decided_round(*amend).exit_code == 0  # the same amend again: nothing new, no new letter
    assert dump(decided_round.db) == recorded
    assert sorted((workdir / "varmuuskopiot").glob("*.db")) == backups
    assert sorted(p.name for p in (workdir / "oikaisut").iterdir()) == [  # the letter, the terms it encloses
        "liite2_avustusehdot.docx", "liite2_avustusehdot.html", "paatos_H-0002.docx", "paatos_H-0002.html",
        "postitus_muutos_H-0002.csv"]


def test_amend_and_a_decide_rerun_never_overwrite_the_original_letter(decided_round, workdir):
    """A letter of record is never overwritten: the amendment is a new document beside the original, and
    the original decision run again leaves the original letter as it was."""
    assert run_decide(decided_round).exit_code == 0
    letters = workdir / "paatokset"
    original = {p.name: p.read_bytes() for p in letters.iterdir() if p.stem == "paatos_H-0002"}
    assert len(original) == 2 and f"15{NBSP}000{NBSP}€" in docx_text(letters / "paatos_H-0002.docx")
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000", "--reason", "Oikaisuvaatimus hyväksytty osittain.",
                      "--letters", letters)
    assert r.exit_code == 0, r.output
    assert {p.name: p.read_bytes() for p in letters.iterdir() if p.stem == "paatos_H-0002"} == original
    amended = letters / "paatos_H-0002_2.docx"
    assert amended.exists() and f"16{NBSP}000{NBSP}€" in docx_text(amended)
    assert "paatos_H-0002_2.docx" in (letters / "postitus_muutos_H-0002.csv").read_text(encoding="utf-8-sig")
    r = run_decide(decided_round)
    assert r.exit_code == 0, r.output
    assert {p.name: p.read_bytes() for p in letters.iterdir() if p.stem == "paatos_H-0002"} == original
    assert f"16{NBSP}000{NBSP}€" in docx_text(amended)


# --- the payment list to the cent; references; the audit log read once ----------------------


def test_payment_list_shows_cents(decided_round, workdir):
    from openpyxl import load_workbook

    from avustus_cli.adapters.excel import MONEY2_FORMAT

    assert run_decide(decided_round).exit_code == 0
    assert decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "12345,67", "--reason", "Oikaisu.",
                         "--minutes-published", "2027-02-23").exit_code == 0
    out = workdir / "maksatus.xlsx"  # the amendment's own review periods have passed by 18.3.2027
    assert decided_round("payments", "--as-of", "2027-03-18", "--xlsx", out).exit_code == 0
    ws = load_workbook(out)["Maksatus"]
    cell = next(row[3] for row in ws.iter_rows(min_row=2) if row[5].value == "H-0002")
    assert cell.value == 12345.67 and cell.number_format == MONEY2_FORMAT
    total = list(ws.iter_rows())[-1][3]
    assert total.value == 24845.67 and total.number_format == MONEY2_FORMAT


def test_payment_references_are_unique(decided_round, workdir):
    from avustus_cli.adapters.store import letters as letter_store
    from avustus_cli.domain.config import load_settings
    from avustus_cli.services import paying

    assert run_decide(decided_round).exit_code == 0
    store = Store.open(decided_round.db)
    try:
        with store.transaction():  # a grant whose id has H-0001's digits, and one without digits
            for gid in ("X-0001", "X-ABC"):
                store.upsert_grant(
                    {"id": gid, "application_id": None, "applicant": "Toinen ry", "business_id": "7654321-0",
                     "form": "operating", "year": 2027, "amount_cents": 100000, "requested_cents": 100000,
                     "decision_date": "2027-01-26", "section": "12", "decision_maker": "Aluehallitus",
                     "conditions": "", "reason": "", "source": "decision"})
                letter = workdir / f"{gid}.docx"
                letter.write_bytes(gid.encode())
                letter_store.record_letter(store, kind="decision", files=[letter], recipient="Toinen ry",
                                           channel="letter", sent=dt.date(2027, 1, 27), grant_id=gid)
        lines = paying.payment_lines(store, load_settings(), dt.date(2027, 2, 18))
        refs = {p.grant.id: p.reference for p in lines}
        assert set(refs) == {"H-0001", "H-0002", "X-0001", "X-ABC"}
        assert len(set(refs.values())) == 4 and all(refs.values())
        assert refs["H-0001"] == "1 00010"  # the first of the two keeps the plain reference (1 0001 + check 0)
        # the same reference whichever grant is asked for
        assert paying.payment_lines(store, load_settings(), dt.date(2027, 2, 18), "X-0001")[0].reference == refs["X-0001"]
    finally:
        store.close()


def test_deliveries_are_read_once_not_per_letter(decided_round, monkeypatch):
    from avustus_cli.adapters.store import grants as sql

    calls = []
    original = sql.dispatches

    def counting(store):
        calls.append(1)
        return original(store)

    monkeypatch.setattr(sql, "dispatches", counting)
    assert run_decide(decided_round).exit_code == 0
    assert len(calls) <= 2  # once to plan, once again under the lock; not once per grant
    store = Store.open(decided_round.db)
    try:
        assert len([a for a in store.audit_rows("letter") if a["action"] == "record"]) == 4
        assert store.count("letters") == 4
    finally:
        store.close()


def test_report_status_words_are_those_of_the_import(decided_round):
    from avustus_cli.domain import standing
    from avustus_cli.domain.errors import ValidationError
    from avustus_cli.domain.models import ReportStatus
    from avustus_cli.services import deciding as svc
    from avustus_cli.services import followup

    assert run_decide(decided_round).exit_code == 0
    store = Store.open(decided_round.db)
    try:
        assert followup.record_report(store, "H-0001", dt.date(2028, 3, 1), "saapunut") is ReportStatus.PROCESSING
        assert followup.record_report(store, "H-0001", dt.date(2028, 3, 1), " Hyväksytty ") is ReportStatus.APPROVED
        with pytest.raises(ValidationError, match="tuntematon tila"):
            followup.record_report(store, "H-0001", dt.date(2028, 3, 1), "outo")
        with pytest.raises(ValidationError, match="tuntematon tila"):
            followup.record_report(store, "H-0001", dt.date(2028, 3, 1), "")
    finally:
        store.close()
    assert svc.sentence is standing.sentence  # one helper, not two copies


def test_pending_applications_are_not_decided(demo_round):
    """The sample round proposed before the supplement deadline: pending cases get no decision and no letter."""
    d = demo_round.path
    manifest = json.loads((d / "esitys" / "manifest.json").read_text(encoding="utf-8"))
    pending = manifest["pending"]
    assert pending, "the sample has applications whose assessment is not finished"
    assert demo_round.decide_exit == 0
    assert sorted(demo_round.decided["pending"]) == sorted(pending)
    store = Store.open(d / "avustus.db")
    try:
        decided = {g.id for g in store.grants() if g.decision_date and g.decision_date.isoformat() == "2027-01-20"}
    finally:
        store.close()
    assert decided and not decided & set(pending)
    assert not any((d / "paatokset" / f"paatos_{a}.html").exists() for a in pending)


def test_partnership_letter_says_per_year_and_yearly_reports():
    """A partnership agreement's amount is per year and its period runs over years: the letter says so."""
    from avustus_cli.adapters import render
    from avustus_cli.domain.config import default_settings

    ctx = render.example_context("paatoskirje")
    ctx.update(per_year=True, annual_reports=True, period_end=dt.date(2029, 12, 31))
    html = render.render_html("paatoskirje", ctx, default_settings())
    text = re.sub(r"<[^>]+>", "", html).replace("\u00a0", " ")
    assert "€ vuodessa" in text and "jokaisesta käyttöajan vuodesta" in text
    import io

    from docx import Document

    doc = Document(io.BytesIO(render.render_docx("paatoskirje", ctx, default_settings())))
    body = "\n".join(p.text for p in doc.paragraphs).replace("\u00a0", " ")
    assert "€ vuodessa" in body and "jokaisesta käyttöajan vuodesta" in body
    plain = render.render_html("paatoskirje", render.example_context("paatoskirje"), default_settings())
    assert "vuodessa" not in re.sub(r"<[^>]+>", "", plain)


def test_decide_again_with_another_date_says_so(decided_round):
    run_decide(decided_round)
    before = dump(decided_round.db)
    r = decided_round("decide", "--date", "2027-01-28", "--section", "§ 13")
    assert r.exit_code == 2
    assert "sama päätös on kirjattu 26.1.2027 § 12" in r.stderr and "Tarkista --date ja --section" in r.stderr
    assert dump(decided_round.db) == before


def test_decide_from_checks_the_budget_given_to_the_proposal(decided_round, workdir):
    """A proposal made with `propose --budget` is checked against that budget with `decide --budget`."""
    before = dump(decided_round.db)
    r = run_decide(decided_round, "--from", board_sheet(workdir), "--budget", "25000")  # 12 500 + 15 000 > 25 000
    assert r.exit_code == 2 and "ylittävät määrärahan" in " ".join(r.stderr.split())
    assert dump(decided_round.db) == before
    r = run_decide(decided_round, "--from", board_sheet(workdir), "--budget", "kolme")
    assert r.exit_code == 2 and "--budget 'kolme' ei ole euromäärä" in r.stderr


def test_decide_refuses_a_proposal_whose_application_changed_since(cli, workdir):
    """A re-import raised H-0002's request after the proposal: decide refuses, names it and asks for a new
    propose; nothing is recorded and no letter written. After propose, the round can be decided."""
    rows = [app_row(1, **CLEAN, **{"Y-tunnus": BIDS[0], "Haettu summa": "10 000"}),
            app_row(2, **CLEAN, **{"Y-tunnus": BIDS[1], "Haettu summa": "25 000"})]
    write_xlsx(workdir / "hakemukset.xlsx", rows)
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    assert cli("check", "--as-of", "2027-01-10").exit_code in (0, 1)
    r = cli("propose", "--out", workdir / "esitys", "--budget", "30000", "--as-of", "2027-01-10")
    assert r.exit_code == 0, r.output
    rows[1]["Haettu summa"] = "99 999"
    write_xlsx(workdir / "hakemukset.xlsx", rows)
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    before = dump(cli.db)
    r = run_decide(cli)
    assert r.exit_code == 2, r.output
    out = " ".join(r.output.split())
    assert "H-0002" in out and "H-0001" not in out
    assert "avustus propose" in out and "muuttunut" in out
    assert dump(cli.db) == before
    assert not (workdir / "paatokset").exists()
    # the officer re-runs the check and the proposal: now the decision is made on the 99 999 € request
    assert cli("check", "--as-of", "2027-01-10").exit_code in (0, 1)
    r = cli("propose", "--out", workdir / "esitys", "--budget", "30000", "--as-of", "2027-01-10")
    assert r.exit_code == 0, r.output
    r = run_decide(cli)
    assert r.exit_code == 0, r.output
    store = Store.open(cli.db)
    try:
        requested = store.conn.execute("select requested_cents from grants where application_id = 'H-0002'").fetchone()[0]
    finally:
        store.close()
    assert requested == cents(Decimal("99999"))


@pytest.mark.parametrize("date", ["9999-12-31", "9999-12-30", "0001-01-01"])
def test_decide_on_a_date_out_of_the_calendar_is_refused_in_finnish(decided_round, date):
    before = dump(decided_round.db)
    r = decided_round("decide", "--date", date, "--section", "§ 12")
    assert r.exit_code == 2, r.output
    assert "odottamaton" not in r.stderr and "päivämäär" in r.stderr, r.stderr
    assert dump(decided_round.db) == before


def test_the_strategy_directors_decision_is_written_dated_and_final_by_decide(cli, workdir):
    """decide --maker Strategiajohtaja writes the decision as made (date, §, no draft note) beside the letters,
    staged with them: a failure writes neither and records nothing."""
    from .year_round import BIDS as YBIDS
    from .year_round import PARTNER

    rows = [app_row(1, **CLEAN, **{"Y-tunnus": YBIDS[0], "Haettu summa": "20 000"}),
            app_row(2, **CLEAN, **PARTNER, **{"Y-tunnus": YBIDS[1], "Haettu summa": "30 000", "Hakija": "Kumppani ry"}),
            app_row(3, **CLEAN, **PARTNER, **{"Y-tunnus": YBIDS[2], "Haettu summa": "25 000", "Hakija": "Toinen Kumppani ry"})]
    headers = list(dict.fromkeys(h for r in rows for h in r))
    write_xlsx(workdir / "hakemukset.xlsx", rows, headers)
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    assert cli("check", "--as-of", "2027-01-10").exit_code in (0, 1)
    add_proposal(cli.db, "H-0001", "20000", "myönnetään haettu määrä", "FULL")
    add_proposal(cli.db, "H-0002", "30000", "myönnetään haettu määrä", "FULL")
    add_proposal(cli.db, "H-0003", "0", "Yhdistyksen toiminta ei kohdistu hyvinvointialueen asukkaisiin.", "OFFICER")
    assert cli("decide", "--date", "2027-01-20", "--section", "§ 12", "--letters", workdir / "paatokset").exit_code == 0
    assert not list((workdir / "paatokset").glob("strategiajohtajan_paatos*"))  # the board's decision is in its minutes
    director = ("decide", "--date", "2027-01-21", "--section", "§ 3", "--maker", "Strategiajohtaja",
                "--letters", workdir / "paatokset_sj", "--json")
    # a broken template of the director's decision: nothing recorded, no letter written
    folder = workdir / "pohjat"
    folder.mkdir()
    (folder / "strategiajohtajan_paatos.html").write_text("{{ tata_ei_ole }}", encoding="utf-8")
    (workdir / "avustus.toml").write_text(f'[system]\ntemplates_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    before = dump(cli.db)
    r = cli(*director)
    assert r.exit_code == 2 and "tata_ei_ole" in r.stderr, r.output
    assert dump(cli.db) == before and not (workdir / "paatokset_sj").exists()
    (folder / "strategiajohtajan_paatos.html").unlink()
    r = cli(*director)
    assert r.exit_code == 0, r.output
    written = json.loads(r.stdout)["decision_document"]
    sj = workdir / "paatokset_sj"
    assert sorted(Path(p).name for p in written) == ["strategiajohtajan_paatos_2027-01-21.docx",
                                                     "strategiajohtajan_paatos_2027-01-21.html"]
    assert (sj / "paatos_H-0002.docx").exists() and (sj / "paatos_H-0003.docx").exists()
    for text in (" ".join(docx_parts(sj / "strategiajohtajan_paatos_2027-01-21.docx")),
                 html.unescape(re.sub(r"<[^>]+>", " ", (sj / "strategiajohtajan_paatos_2027-01-21.html").read_text(encoding="utf-8")))):
        text = " ".join(text.replace(NBSP, " ").split())
        assert "LUONNOS" not in text and "esitetyt" not in text
        assert "21.1.2027" in text and "§ 3" in text
        assert "Hyväksytyt kumppanuussopimukset" in text and "Hylätyt kumppanuussopimushakemukset" in text
        assert "Kumppani ry" in text and "30 000 € " in text
        assert "Toinen Kumppani ry" in text and "Yhdistyksen toiminta ei kohdistu hyvinvointialueen asukkaisiin." in text
        assert "Hyväksyn edellä mainitut kumppanuussopimukset" in text and "Hylkään edellä mainitut" in text
        assert "H-0001" not in text and "Hakija 1" not in text  # the board's grant is not the director's
    # the same command again: the decision of record stays as it is, nothing new
    first = (sj / "strategiajohtajan_paatos_2027-01-21.docx").read_bytes()
    r = cli(*director)
    assert r.exit_code == 0 and (sj / "strategiajohtajan_paatos_2027-01-21.docx").read_bytes() == first


def test_decide_lists_each_folder_for_leftovers_once_and_removes_only_a_killed_runs(decided_round, workdir, monkeypatch):
    """The cleanup of what a killed run left is made once per folder and run, not once per file written
    (that is quadratic on a round of a thousand letters): the letters are written in place inside decide's
    new staging folder. A killed run's staging folder older than a quarter of an hour is removed; one still
    being written, and the officer's own files, are not."""
    import collections
    import time

    from avustus_cli.adapters import files

    swept: collections.Counter[Path] = collections.Counter()
    real = files.sweep_leftovers

    def counting(folder, *args, **kwargs):
        swept[Path(folder).resolve()] += 1
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(files, "sweep_leftovers", counting)
    old = time.time() - files.STALE_AFTER - 60
    killed = workdir / ".paatokset.ab12cd34.staging"  # a killed decide's, older than a quarter of an hour
    (killed / "x").mkdir(parents=True)
    running = workdir / ".paatokset.ef56gh78.staging"  # another run still writing
    running.mkdir()
    own = [workdir / ".paatokset.muistio.staging", workdir / "paatokset" / ".paatos_H-0001.docx.muistio.tmp",
           workdir / "paatokset" / "muistio.txt"]
    for p in own:
        p.parent.mkdir(exist_ok=True)
        p.write_text("virkailijan oma", encoding="utf-8")
    for p in (killed, *own):
        os.utime(p, (old, old))
    r = run_decide(decided_round, "--channel", "email")
    assert r.exit_code == 0, r.output
    letters = sorted((workdir / "paatokset").glob("paatos_*.docx"))
    assert len(letters) == 4
    # the staging folder the letters go into is listed once (for the mailing list, written last); the
    # backups' and the database's folders once for each file of their own, whatever the number of letters
    assert [n for f, n in swept.items() if f.name.endswith(".staging")] == [1], swept
    assert swept[(workdir / "varmuuskopiot").resolve()] <= 2 and swept[workdir.resolve()] <= 2, swept
    assert not killed.exists() and running.is_dir()
    assert all(p.read_text(encoding="utf-8") == "virkailijan oma" for p in own)


def test_the_batched_grant_write_equals_the_row_by_row_one(tmp_path):
    """decide writes its grants with one statement: the rows, the recipients' marks (triggers) and a stored
    grant's creation time come out as the row-by-row upsert leaves them, on new, changed and repeated ids."""
    def row(gid: str, bid: str | None, amount: int, **kw) -> dict:
        return {"id": gid, "application_id": kw.get("app", gid), "applicant": kw.get("name", "Hakija ry"),
                "business_id": bid, "form": "operating", "year": 2027, "amount_cents": amount,
                "requested_cents": kw.get("requested"), "decision_date": "2027-01-26", "section": "§ 12",
                "decision_maker": "Aluehallitus", "conditions": kw.get("conditions", ""), "reason": "", "source": "decision"}

    earlier = [row("G-1", "0737546-2", 100), row("G-2", None, 200), row("G-3", "1572860-0", 300)]
    batch = [row("G-4", "0737546-2", 400, requested=900), row("G-1", "1572860-0", 150, conditions="Ehto 'x'; --"),
             row("G-2", "0737546-2", 0, app=None), row("G-5", None, 500, name="Uusi = ry"),
             row("G-4", "2785124-6", 410)]
    dumps = []
    for batched in (False, True):
        store = Store.open(tmp_path / f"{batched}.db")
        try:
            with store.transaction():
                for r in earlier:
                    store.upsert_grant(r)
                store.conn.execute("update grants set created_at = '2026-01-01T00:00:00', updated_at = created_at")
                if batched:
                    store.upsert_grants(batch)
                else:
                    for r in batch:
                        store.upsert_grant(r)
            grants = [r[:-1] for r in store.conn.execute("select rowid, * from grants order by rowid")]
            marks = list(store.conn.execute("select rowid, * from grant_marks order by rowid"))
            dumps.append((grants, marks))
        finally:
            store.close()
    assert dumps[0] == dumps[1]
    grants, marks = dumps[1]
    assert [g[1] for g in grants] == ["G-1", "G-2", "G-3", "G-4", "G-5"]
    assert [g[-1] == "2026-01-01T00:00:00" for g in grants] == [True, True, True, False, False]  # created_at kept
    assert dict(m[1:] for m in marks)["0737546-2"] > 1

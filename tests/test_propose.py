"""avustus propose: the stored proposal, the esitys.xlsx round trip and the documents.

Allocation itself is tested in test_allocation.py; here the service and the
command around it. Rounds are built in the test (export -> import -> check)
and from sample_data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from avustus_cli.adapters.store import Store
from avustus_cli.domain import fmt

from .conftest import SAMPLE, Cli, app_row, docx_parts, dump, write_xlsx

AS_OF = "2027-01-12"
CHECK_DATE = dt.date(2027, 1, 10)

# Columns that make an application clean (fundable) besides app_row's.
CLEAN = {
    "Hyvinvointialueen toimintakentällä": "Kyllä",
    "Tuetut tavoitteet": "Yksinäisyyden vähentäminen",
    "Yhteistyö": "Aikuissosiaalityö",
    "Liitteet": "toimintasuunnitelma; talousarvio",
    "Lupa tarkastukseen": "Kyllä",
    "Kirjanpito eriytetty": "Kyllä",
    "Palvelutuotantoa": "Ei",
}
SCRIPT_NAME = "<script>alert(1)</script> Tuki ry"
FORMULA_TEXT = '=HYPERLINK("http://example.com","klikkaa")'


def check(cli, workdir: Path, settings_path: Path | None = None) -> None:
    """Run the check: through the CLI when the command exists, else the service."""
    from avustus_cli.cli import app

    names = {c.name for c in app.registered_commands}
    if "check" in names:
        r = cli("check", "--as-of", CHECK_DATE.isoformat())
        assert r.exit_code in (0, 1), r.output
        return
    from avustus_cli.domain.config import load_settings
    from avustus_cli.services.checking import run_check

    store = Store.open(cli.db)
    try:
        run_check(store, load_settings(settings_path or cli.settings, cwd=workdir), CHECK_DATE)
    finally:
        store.close()


def small_rows() -> list[dict]:
    return [
        app_row(1, **CLEAN, **{"Haettu summa": 20000}),
        app_row(2, **CLEAN, **{"Hakija": SCRIPT_NAME, "Haettu summa": 10000,
                               "Toiminnan kuvaus": "<script>alert('x')</script> vertaistukea"}),
        app_row(3, **CLEAN, **{"Haettu summa": 10000, "Toiminnan nimi": "", "Toiminnan kuvaus": FORMULA_TEXT}),
        app_row(4, **CLEAN, **{"Hakija": "Firma Oy", "Oikeudellinen muoto": "Osakeyhtiö", "Haettu summa": 5000}),
        app_row(5, **{**CLEAN, "Lupa tarkastukseen": "Ei"}, **{"Haettu summa": 8000}),
    ]


def write_export(path: Path) -> None:
    """The small round's export; the formula-like description is a text cell,
    as the e-form service writes it (openpyxl would make it a formula)."""
    write_xlsx(path, small_rows())
    wb = load_workbook(path)
    for row in wb.active.iter_rows():
        for c in row:
            if c.value == FORMULA_TEXT:
                c.data_type = "s"
    wb.save(path)


_SMALL: dict[str, Path] = {}


@pytest.fixture
def small(cli, workdir, tmp_path_factory):
    """The small export imported and checked: built once per run and copied into each test's folder."""
    if "base" not in _SMALL:
        base = tmp_path_factory.mktemp("small-round")
        with contextlib.chdir(base):  # as the test's own folder was
            built = Cli(base / "avustus.db")
            write_export(base / "hakemukset.xlsx")
            r = built("import", base / "hakemukset.xlsx")
            assert r.exit_code == 0, r.output
            check(built, base)
        _SMALL["base"] = base
    shutil.copytree(_SMALL["base"], workdir, dirs_exist_ok=True)
    return workdir


def proposals(db: Path) -> dict[str, dict]:
    store = Store.open(db)
    try:
        return {r["application_id"]: r for r in store.query("select * from proposals")}
    finally:
        store.close()


def html_text(path: Path) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def docx_text(path: Path) -> str:
    return "\n".join(docx_parts(path))


def edit_sheet(path: Path, changes: dict[str, dict[str, object]]) -> None:
    """Change cells of esitys.xlsx by application id and header name."""
    wb = load_workbook(path)
    ws = wb["Esitys"]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        app_id = row[0].value
        for header, value in changes.get(app_id, {}).items():
            row[headers.index(header)].value = value
    wb.save(path)


def sheet_row(path: Path, app_id: str) -> int:
    wb = load_workbook(path)
    ws = wb["Esitys"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == app_id:
            return row[0].row
    raise AssertionError(app_id)


# --- the service and the stored proposal ------------------------------------------


def test_refuses_an_unchecked_round(cli, workdir):
    write_export(workdir / "hakemukset.xlsx")
    cli("import", workdir / "hakemukset.xlsx")
    before = dump(cli.db)
    r = cli("propose", "--out", workdir / "out")
    assert r.exit_code == 2
    assert "aja ensin avustus check" in r.output
    assert dump(cli.db) == before
    assert not (workdir / "out").exists()


def test_propose_stores_and_audits_one_row_per_application(cli, small):
    r = cli("propose", "--out", small / "out", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    props = proposals(cli.db)
    assert sorted(props) == ["H-0001", "H-0002", "H-0003", "H-0004", "H-0005"]
    assert props["H-0001"]["amount_cents"] == 2_000_000 and props["H-0001"]["reason_code"] == "FULL"
    assert props["H-0004"]["amount_cents"] == 0
    assert props["H-0004"]["reason"].startswith("hylätään: E01")
    assert props["H-0005"]["amount_cents"] == 0
    # no meeting date: the supplement asked today cannot be late at the decision, so H-0005 is pending
    assert props["H-0005"]["reason"].startswith("täydennys kesken: A02 (määräaika 26.1.2027)")
    assert props["H-0005"]["reason_code"] == "KESKEN"
    assert {p["source"] for p in props.values()} == {"allocation"}
    store = Store.open(cli.db)
    audit = store.audit_rows("proposal")
    store.close()
    assert sorted(a["entity_id"] for a in audit) == sorted(props)
    # the same run again changes nothing and audits nothing
    r = cli("propose", "--out", small / "out", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    store = Store.open(cli.db)
    assert len(store.audit_rows("proposal")) == len(audit)
    store.close()


def test_budget_override_and_summary(cli, small):
    r = cli("propose", "--out", small / "out", "--budget", "20000", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    props = proposals(cli.db)
    total = sum(p["amount_cents"] for p in props.values())
    assert 0 < total <= 2_000_000
    assert all(p["reason_code"] == "PROPORTIONAL" for k, p in props.items() if k in ("H-0001", "H-0002", "H-0003"))
    assert fmt.money(Decimal(total) / 100) in r.output  # the summary table


def test_compare_writes_nothing(cli, small):
    before = dump(cli.db)
    r = cli("propose", "--compare", "--budget", "20000")
    assert r.exit_code == 0, r.output
    for m in ("täysimääräinen", "suhteellinen"):  # the methods by the Finnish names --method also takes
        assert m in r.output
    assert dump(cli.db) == before
    assert not (small / "out").exists()


# --- documents -----------------------------------------------------------------------


def test_documents_list_every_fundable_applicant_with_the_stored_totals(cli, small):
    out = small / "out"
    r = cli("propose", "--out", out, "--budget", "25000", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    props = proposals(cli.db)
    store = Store.open(cli.db)
    names = {a.id: a.applicant for a in store.applications()}
    store.close()
    funded = {k for k, p in props.items() if p["amount_cents"] > 0}
    assert funded == {"H-0001", "H-0002", "H-0003"}
    total = Decimal(sum(p["amount_cents"] for p in props.values())) / 100
    annex = docx_text(out / "liite1.docx")
    for k in funded:  # the annex names every grant; the board item gives the figures
        assert names[k] in annex, names[k]
    assert fmt.money(total) in annex
    board_docx = docx_text(out / "paatosesitys.docx")
    assert f"3 hakijalle yhteensä {fmt.money(total)}" in board_docx
    assert fmt.money(total) in html_text(out / "liite1.html")
    wb = load_workbook(out / "liite1.xlsx")
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    last = rows[-1]
    assert last[0] == "Kaikki yhteensä" and Decimal(str(last[6])) == total
    listed = {r[0] for r in rows[1:]}
    assert funded | {"H-0004"} <= listed
    assert "H-0005" not in listed  # waiting for its supplement: pending, not refused
    # refusals with their reasons in the board item
    board = html_text(out / "paatosesitys.html")
    assert "Firma Oy: Hakemuksen mukaan hakija Firma Oy on osakeyhtiö." in board
    assert "(E01)" not in board  # rule codes are the officer's, never the board's
    assert "Testiyhdistys 5 ry" not in board
    assert "Käsittely on kesken 1 hakemuksella" in " ".join(board.split())
    # one supplement request: H-0005 (A02); none for the refused company
    letters = sorted(p.name for p in (out / "taydennyspyynnot").iterdir())
    assert letters == ["taydennyspyynto_H-0005.docx", "taydennyspyynto_H-0005.html"]
    letter = html_text(out / "taydennyspyynnot" / "taydennyspyynto_H-0005.html")
    assert "26.1.2027" in letter  # 12.1. + 14 days, a Tuesday
    # and it is in the letters table, kept in the output folder (not the staging copy), by e-mail
    from avustus_cli.adapters.store import letters as letter_store

    store = Store.open(cli.db)
    try:
        (rec,) = letter_store.letters(store, kind="supplement")
        assert (rec.application_id, rec.file, rec.channel) == ("H-0005", "taydennyspyynto_H-0005.docx", "email")
        assert Path(rec.folder) == (out / "taydennyspyynnot").resolve() and rec.sent.isoformat() == AS_OF
        assert letter_store.file_hash(out / "taydennyspyynnot" / rec.file) == rec.content_hash
    finally:
        store.close()
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0  # again: the same letter, not recorded twice
    store = Store.open(cli.db)
    try:
        assert store.count("letters") == 1
    finally:
        store.close()


def test_applicant_script_is_escaped_in_html(cli, small):
    out = small / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    for name in ("liite1.html", "paatosesitys.html", "avustusehdot.html"):
        raw = (out / name).read_text(encoding="utf-8")
        assert "<script" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tuki ry" in (out / "liite1.html").read_text(encoding="utf-8")
    assert SCRIPT_NAME in docx_text(out / "liite1.docx")


def test_formula_like_text_is_text_in_spreadsheets(cli, small):
    out = small / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    for name, sheet in (("liite1.xlsx", 0), ("esitys.xlsx", "Esitys")):
        wb = load_workbook(out / name)
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        hits = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert hits, name
        for c in hits:
            assert c.data_type == "s" and not c.value.startswith("="), (name, c.coordinate, c.value)
    # the officer's summary sheet has the tool's own live formulas
    ws = load_workbook(out / "esitys.xlsx")["Yhteenveto"]
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert any("SUMIFS(Esitys!" in f for f in formulas)


def test_manifest_hashes_and_rerun_gives_same_documents(cli, small):
    out = small / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    m1 = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m1["method"] == "proportional" and m1["date"] == AS_OF and m1["rules_version"]
    assert m1["inputs"] and all(len(i["sha256"]) == 64 for i in m1["inputs"])
    import hashlib

    for rel, h in m1["documents"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == h["sha256"], rel
    assert {"paatosesitys.html", "liite1.html", "liite1.docx", "liite1.xlsx", "esitys.xlsx", "avustusehdot.docx"} <= set(m1["documents"])
    assert "strategiajohtajan_paatos.html" not in m1["documents"]  # no small partnerships here
    html_before = {p.name: p.read_bytes() for p in out.glob("*.html")}
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    m2 = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m2 == m1  # same inputs: same bytes, HTML, DOCX and XLSX alike
    assert {p.name: p.read_bytes() for p in out.glob("*.html")} == html_before


def test_plain_propose_will_not_overwrite_unread_edits(cli, small):
    out = small / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    edit_sheet(out / "esitys.xlsx", {"H-0001": {"Ehdot": "Ei kohdennu retkiin."}})
    r = cli("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 2 and "--from" in r.output
    assert cli("propose", "--out", out, "--as-of", AS_OF, "--force").exit_code == 0


# --- the esitys.xlsx round trip --------------------------------------------------------


@pytest.fixture
def proposed(cli, small):
    out = small / "out"
    r = cli("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    return out


def _refused(cli, out: Path, changes: dict, *needles: str) -> str:
    sheet = out / "esitys.xlsx"
    edit_sheet(sheet, changes)
    before = dump(cli.db)
    r = cli("propose", "--out", out, "--from", sheet, "--as-of", AS_OF)
    assert r.exit_code == 2, r.output
    line = " ".join(r.output.split())
    assert f"tiedosto {sheet}" in line and "taulukko Esitys" in line, line
    for n in needles:
        assert n in line, (n, line)
    assert dump(cli.db) == before
    return line


def test_round_trip_refuses_over_budget_naming_the_row(cli, proposed):
    row = sheet_row(proposed / "esitys.xlsx", "H-0002")
    line = _refused(cli, proposed, {"H-0002": {"Esitys (€)": 950000, "Perustelu": "Korotetaan erityisestä syystä."}},
                    f"rivi {row}", "Esitys (€)", "ylittävät määrärahan")
    assert "900 000,00 €".replace(" ", fmt.NBSP) in line or "900" in line


def test_round_trip_refuses_amount_above_request_without_reason(cli, proposed):
    row = sheet_row(proposed / "esitys.xlsx", "H-0001")
    _refused(cli, proposed, {"H-0001": {"Esitys (€)": 25000, "Perustelu": None}},
             f"rivi {row}", "Perustelu", "suurempi kuin haettu")


def test_round_trip_refuses_money_for_a_blocked_application(cli, proposed):
    row = sheet_row(proposed / "esitys.xlsx", "H-0004")
    _refused(cli, proposed, {"H-0004": {"Esitys (€)": 1000, "Perustelu": "Myönnetään silti."}},
             f"rivi {row}", "Esitys (€)", "hylkäävä havainto E01")


def test_round_trip_refuses_a_reduction_without_reason_and_bad_numbers(cli, proposed):
    row = sheet_row(proposed / "esitys.xlsx", "H-0001")
    _refused(cli, proposed, {"H-0001": {"Esitys (€)": 15000, "Perustelu": ""}}, f"rivi {row}", "perustelu puuttuu")
    _refused(cli, proposed, {"H-0001": {"Esitys (€)": "paljon", "Perustelu": "x"}}, f"rivi {row}", "ei ole euromäärä")
    _refused(cli, proposed, {"H-0001": {"Esitys (€)": -5, "Perustelu": "x"}}, f"rivi {row}", "negatiivinen")


def test_round_trip_stores_a_valid_edit_and_audits_it(cli, proposed):
    sheet = proposed / "esitys.xlsx"
    edit_sheet(sheet, {
        "H-0001": {"Esitys (€)": "15 000,00 €", "Perustelu": "Toimintasuunnitelman retkitoimintaa ei avusteta.",
                   "Ehdot": "Avustusta ei saa käyttää retkitoimintaan.", "Pisteet": 72},
    })
    r = cli("propose", "--out", proposed, "--from", sheet, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    props = proposals(cli.db)
    p = props["H-0001"]
    assert p["amount_cents"] == 1_500_000 and p["source"] == "sheet" and p["reason_code"] == "OFFICER"
    assert p["reason"] == "Toimintasuunnitelman retkitoimintaa ei avusteta."
    assert "Avustusta ei saa käyttää retkitoimintaan." in p["conditions"]
    assert props["H-0002"]["source"] == "allocation"  # untouched rows stay as they were
    store = Store.open(cli.db)
    audit = [a for a in store.audit_rows("proposal", "H-0001") if a["action"] == "change"]
    score = store.query("select score from scores where application_id = 'H-0001'")
    score_audit = store.audit_rows("score", "H-0001")
    store.close()
    assert len(audit) == 1 and json.loads(audit[0]["detail"])["previous_amount"] == "20000.00"
    assert Decimal(score[0]["score"]) == 72 and len(score_audit) == 1
    # the documents come from the stored, edited proposal
    rows = list(load_workbook(proposed / "liite1.xlsx").worksheets[0].iter_rows(values_only=True))
    h1 = next(r for r in rows if r[0] == "H-0001")
    assert h1[6] == 15000 and "retkitoimintaan" in h1[7] and h1[8] and "HARK" not in h1
    total = Decimal(sum(x["amount_cents"] for x in props.values())) / 100
    assert rows[-1][6] == total
    # reading the same sheet again changes nothing
    r = cli("propose", "--out", proposed, "--from", proposed / "esitys.xlsx", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    store = Store.open(cli.db)
    assert len([a for a in store.audit_rows("proposal", "H-0001") if a["action"] == "change"]) == 1
    store.close()


# --- the sample round --------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_round(tmp_path_factory):
    from .conftest import Cli

    work = tmp_path_factory.mktemp("sample")
    settings = work / "avustus.toml"
    settings.write_bytes((SAMPLE / "avustus.toml").read_bytes())
    c = Cli(work / "avustus.db", settings)
    assert c("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert c("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    check(c, work, settings)
    out = work / "out"
    r = c("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    return c, out


def test_sample_public_documents_hold_no_personal_data(sample_round):
    c, out = sample_round
    store = Store.open(c.db)
    apps = store.applications(with_personal=True)
    store.close()
    personal = set()
    for a in apps:
        for v in (a.contact_person, a.email, a.phone, a.iban):
            if v:
                personal.add(v)
                if v.replace(" ", "") != v:
                    personal.add(v.replace(" ", ""))
    assert len(personal) > 50
    texts = {
        "liite1.html": html_text(out / "liite1.html"),
        "paatosesitys.html": html_text(out / "paatosesitys.html"),
        "liite1.docx": docx_text(out / "liite1.docx"),
        "paatosesitys.docx": docx_text(out / "paatosesitys.docx"),
        "liite1.xlsx": "\n".join(
            str(v) for ws in load_workbook(out / "liite1.xlsx").worksheets for row in ws.iter_rows(values_only=True)
            for v in row if v is not None
        ),
    }
    for name, text in texts.items():
        leaked = sorted(v for v in personal if v in text)
        assert not leaked, (name, leaked[:5])
        assert not re.search(r"FI\d{2}\s?\d{4}", text), name  # no IBAN shape


def test_sample_documents_match_the_stored_proposal(sample_round):
    c, out = sample_round
    props = proposals(c.db)
    assert len(props) == 66
    store = Store.open(c.db)
    apps = {a.id: a for a in store.applications()}
    store.close()
    operating = [k for k, p in props.items() if p["amount_cents"] > 0 and apps[k].form.value == "operating"]
    op_sum = Decimal(sum(props[k]["amount_cents"] for k in operating)) / 100
    total = Decimal(sum(p["amount_cents"] for p in props.values())) / 100
    assert total <= 900000
    board = docx_text(out / "paatosesitys.docx")
    assert f"{len(operating)} hakijalle yhteensä {fmt.money(op_sum)}" in board
    annex = docx_text(out / "liite1.docx")
    director = html_text(out / "strategiajohtajan_paatos.html")
    small = {"AV-2027-026", "AV-2027-050"}  # partnerships of at most 100 000 € a year: the strategy director's
    for k, p in props.items():
        if p["amount_cents"] > 0:
            assert (apps[k].applicant in annex) == (k not in small), k
            assert (apps[k].applicant in director) == (k in small), k
    # the annex totals are what the board decides
    body_total = total - Decimal(sum(props[k]["amount_cents"] for k in small)) / 100
    assert fmt.money(body_total) in annex and fmt.money(total) not in annex
    # the big partnership (AV-2027-010) goes to the board, the small ones to the strategy director
    assert apps["AV-2027-010"].applicant not in director
    assert (out / "strategiajohtajan_paatos.docx").exists()
    # supplement letters: open deficiencies, not pure payment holds (AV-2027-024: R01 only)
    letters = {p.stem.removeprefix("taydennyspyynto_") for p in (out / "taydennyspyynnot").glob("*.html")}
    assert "AV-2027-011" in letters and "AV-2027-039" in letters
    assert "AV-2027-024" not in letters and "AV-2027-052" not in letters
    assert "AV-2027-003" not in letters  # refused outright: nothing to supplement
    # payment holds become conditions
    assert "käyttöselvitys on toimitettu" in props["AV-2027-024"]["conditions"]
    assert "rahoituspäätös" in props["AV-2027-052"]["conditions"]


# --- pending applications, who decides, and what the documents say (officer's walk-through) ----------

REVIEW_APPLICANT = "Rajaseudun Tuki ry"


def walkthrough_rows() -> list[dict]:
    return [
        app_row(1, **CLEAN, **{"Haettu summa": 20000}),
        # partly outside the county: E04 and K04 are the officer's judgement (review)
        app_row(2, **CLEAN, **{"Haettu summa": 9000, "Toimintakunnat": "Jyväskylä; Tampere", "Hakija": REVIEW_APPLICANT}),
        app_row(3, **{**CLEAN, "Lupa tarkastukseen": "Ei"}, **{"Haettu summa": 8000, "Hakija": "Täydentäjä ry"}),
        app_row(4, **CLEAN, **{"Haettu summa": 5000, "Saapunut": "20.11.2026", "Hakija": "Etuajassa ry"}),
        app_row(5, **CLEAN, **{"Haettu summa": 5000, "Saapunut": "5.1.2027", "Hakija": "Myöhässä ry"}),
    ]


@pytest.fixture
def walkthrough(cli, workdir):
    """A round with settings in the working folder; ``meeting(date)`` sets the meeting date."""
    assert cli("init").exit_code == 0
    write_xlsx(workdir / "hakemukset.xlsx", walkthrough_rows())
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    check(cli, workdir)

    def meeting(day: str | None) -> None:
        path = workdir / "avustus.toml"
        text = re.sub(r"(?m)^#? ?meeting_date = \S+", f"meeting_date = {day}" if day else "# meeting_date = 2027-01-20",
                      path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")

    return meeting


def _docs_text(out: Path, stem: str) -> str:
    return html_text(out / f"{stem}.html") + "\n" + docx_text(out / f"{stem}.docx")


def test_review_cases_are_pending_not_refused(cli, workdir, walkthrough):
    """Item 1: open review findings (E04, K04) are the officer's judgement: pending, not a refusal."""
    walkthrough("2027-02-03")
    out = workdir / "out"
    r = cli("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    line = " ".join(r.output.split())
    assert "1 hakemuksen käsittely on kesken" in line and f"H-0002 {REVIEW_APPLICANT}: arviointi kesken: E04, K04" in line
    p = proposals(cli.db)["H-0002"]
    assert p["amount_cents"] == 0 and p["reason_code"] == "KESKEN"
    assert p["reason"] == "arviointi kesken: E04, K04 – kuittaa havainnot (avustus accept) tai korjaa tiedot"
    ws = load_workbook(out / "esitys.xlsx")["Esitys"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "H-0002")
    assert row[headers.index("Peruste")] == "KESKEN" and row[headers.index("Esitys (€)")] == 0
    # no item for it anywhere the body or the director decides; no instructions to the officer in public text
    for stem in ("paatosesitys", "liite1"):
        text = _docs_text(out, stem)
        assert REVIEW_APPLICANT not in text, stem
        assert "arvioi, kohdistuuko" not in text and "arviointi on kesken" not in text, stem
    assert "Käsittely on kesken 1 hakemuksella" in _docs_text(out, "paatosesitys")
    annex_ids = {r[0] for r in load_workbook(out / "liite1.xlsx").worksheets[0].iter_rows(values_only=True)}
    assert "H-0002" not in annex_ids
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pending"] == ["H-0002"]
    # the helper the decide command uses
    from avustus_cli.adapters.store.standings import current_standings as current_results
    from avustus_cli.domain.standing import pending_ids

    store = Store.open(cli.db)
    try:
        assert pending_ids(current_results(store)) == ["H-0002"]
    finally:
        store.close()
    # the officer judges both findings: the application is funded on the next run
    for code in ("E04", "K04"):
        assert cli("accept", "H-0002", code, "--reason", "Toiminta palvelee Jyväskylän asukkaita").exit_code == 0
    assert cli("propose", "--out", out, "--as-of", AS_OF, "--force").exit_code == 0
    assert proposals(cli.db)["H-0002"]["amount_cents"] > 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["pending"] == []


def test_supplement_still_open_at_the_meeting_is_pending(cli, workdir, walkthrough):
    """Item 2: the meeting (20.1.) is before the supplement deadline (12.1. + 14 d = 26.1.): not a refusal."""
    walkthrough("2027-01-20")
    out = workdir / "out"
    r = cli("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    line = " ".join(r.output.split())
    assert "Kokous 20.1.2027 on ennen täydennysten määräaikaa 26.1.2027" in line
    p = proposals(cli.db)["H-0003"]
    assert p["reason_code"] == "KESKEN" and p["reason"].startswith("täydennys kesken: A02 (määräaika 26.1.2027)")
    board = _docs_text(out, "paatosesitys")
    assert "Täydentäjä ry" not in board and "eikä täydennystä ole saatu" not in board
    assert (out / "taydennyspyynnot" / "taydennyspyynto_H-0003.html").exists()  # the request still goes out


def test_supplement_deadline_past_at_the_meeting_states_the_facts(cli, workdir, walkthrough):
    """Item 2: with the meeting after the deadline the refusal names the deadline, not a bare claim."""
    walkthrough("2027-02-03")
    out = workdir / "out"
    r = cli("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    assert "Täydennysten määräaika 26.1.2027 päättyy ennen kokousta 3.2.2027" in " ".join(r.output.split())
    assert proposals(cli.db)["H-0003"]["reason_code"] == "INELIGIBLE"
    board = _docs_text(out, "paatosesitys")
    # written on 12.1., before the deadline: what is pending and what follows, never "not received"
    assert ("Seuraavia hakemuksia on pyydetty täydentämään, eikä täydennyksen määräaika ole vielä päättynyt. Jos "
            "täydennystä ei saada määräaikaan mennessä") in " ".join(board.split())
    assert "Täydentäjä ry (täydennyspyyntö 12.1.2027, määräaika 26.1.2027): " in board
    annex = _docs_text(out, "liite1")
    assert ("Hakemusta on pyydetty täydentämään 12.1.2027 päivätyllä täydennyspyynnöllä 26.1.2027 mennessä, eikä "
            "määräaika ole vielä päättynyt.") in " ".join(annex.split())
    assert "Hakemuksen mukaan hakija ei anna hyvinvointialueelle lupaa tarkastaa" in board
    assert "ei ole saatu" not in board and "ei saatu" not in board and "(A02)" not in board


def test_no_meeting_date_counts_from_the_proposal_date(cli, workdir, walkthrough):
    """Item 2: without a meeting date the proposal's own date decides: the deadline is still open."""
    walkthrough(None)
    r = cli("propose", "--out", workdir / "out", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    assert "Esityksen päiväys 12.1.2027" in " ".join(r.output.split())
    assert proposals(cli.db)["H-0003"]["reason_code"] == "KESKEN"


def test_early_and_late_applications_are_counted_apart(cli, workdir, walkthrough):
    """Item 5: one arrived before the window, one after it; the board item says which."""
    walkthrough("2027-02-03")
    out = workdir / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    board = _docs_text(out, "paatosesitys")
    assert ("Hakuajan ulkopuolella saapuneita hakemuksia oli 2 kpl, joista 1 saapui hakuajan päättymisen jälkeen "
            "ja 1 ennen hakuajan alkua.") in board
    assert "Hakuajan päättymisen jälkeen saapuneita hakemuksia oli 2" not in board
    assert "Etuajassa ry: Hakemus saapui 20.11.2026, ennen kuin hakuaika alkoi 1.12.2026." in board
    assert "Myöhässä ry: Hakemus saapui 5.1.2027." in board and "hakuaika päättyi 31.12.2026" in board


def test_officer_reason_for_a_reduction_reaches_the_board(cli, proposed):
    """Item 6: the preparer's reason (HARK) is in the annex (HTML, Word, Excel) and the board item."""
    sheet = proposed / "esitys.xlsx"
    reason = "Toimintasuunnitelman retkitoimintaa ei avusteta."
    edit_sheet(sheet, {"H-0001": {"Esitys (€)": 15000, "Perustelu": reason}})
    r = cli("propose", "--out", proposed, "--from", sheet, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    for text in (_docs_text(proposed, "liite1"),):
        assert "Perustelu: " + reason in text
    rows = list(load_workbook(proposed / "liite1.xlsx").worksheets[0].iter_rows(values_only=True))
    h1 = next(r for r in rows if r[0] == "H-0001")
    assert h1[8] == reason and "HARK" not in h1
    board = _docs_text(proposed, "paatosesitys")
    assert "Valmistelija esittää seuraaville hakijoille jakotavan mukaisesta poikkeavaa määrää" in board
    assert f"Testiyhdistys 1 ry: esitys {fmt.money(Decimal(15000))} (haettu {fmt.money(Decimal(20000))}). {reason}" in board


def test_sample_small_partnership_refusals_are_the_directors(sample_round):
    """Item 3: refusals of agreements of at most 100 000 € a year are in the director's decision, with reasons."""
    c, out = sample_round
    store = Store.open(c.db)
    apps = {a.id: a for a in store.applications()}
    store.close()
    refused_small = ["AV-2027-047", "AV-2027-048"]  # S01 (80 000 €/v), S02 (45 000 €/v)
    board, annex = _docs_text(out, "paatosesitys"), _docs_text(out, "liite1")
    for stem in ("strategiajohtajan_paatos",):
        director = _docs_text(out, stem)
        for k in refused_small:
            assert apps[k].applicant in director and apps[k].applicant not in board and apps[k].applicant not in annex
        assert "Hylkään edellä mainitut kumppanuussopimushakemukset niissä esitetyin perustein." in director
        assert "Avustusohjeen mukaan kumppanuussopimukset laaditaan enintään" in director
        assert "ei voi olla järjestön ainoa rahoituslähde, joten avustusta ei voida myöntää" in director
        assert "(S01)" not in director and "(S02)" not in director
        assert "Hyväksyn edellä mainitut kumppanuussopimukset" in director
    # the board's resolution item counts exactly the agreements listed for it (AV-2027-010)
    assert "hyväksyä selostuksessa mainitun kumppanuussopimuksen, jonka avustus on 118" in board
    assert "Strategiajohtaja päättää erikseen kumppanuussopimuksista" in annex


def test_decider_of_a_refused_partnership_follows_the_amount_applied_for():
    from avustus_cli.domain.config import default_settings
    from avustus_cli.domain.models import Application, GrantForm
    from avustus_cli.domain.proposal import decider_for

    s = default_settings(2027)
    big = Application(id="K-1", form=GrantForm.PARTNERSHIP, year=2027, requested=Decimal(150000))
    small_ = Application(id="K-2", form=GrantForm.PARTNERSHIP, year=2027, requested=Decimal(80000))
    assert decider_for(big, Decimal(0), s) == s.body  # a refusal of a significant agreement is the body's
    assert decider_for(big, Decimal(90000), s) == s.small_partnership_decider
    assert decider_for(small_, Decimal(0), s) == s.small_partnership_decider
    assert decider_for(Application(id="H-1", form=GrantForm.OPERATING), Decimal(0), s) == s.body


def test_sample_annex_title_groups_and_payment_holds(sample_round):
    """Item 7: the annex is "Järjestöavustukset"; refusals "Hylättäviksi esitetyt"; R01 holds are conditions."""
    c, out = sample_round
    annex = _docs_text(out, "liite1")
    assert "Järjestöavustukset vuodelle 2027: avustusesitys" in annex and "Toiminta-avustukset vuodelle 2027" not in annex
    assert "Hylättäviksi esitetyt hakemukset" in annex and "Hylätyt hakemukset" not in annex
    assert "Liite 1 Järjestöavustukset vuodelle 2027" in _docs_text(out, "paatosesitys")
    # AV-2027-007: last year's report not yet due (R01 note) - the payment is still held until it is in
    hold = "Avustus maksetaan, kun aiemman avustuksen käyttöselvitys on toimitettu."
    assert hold in proposals(c.db)["AV-2027-007"]["conditions"]
    ws = load_workbook(out / "esitys.xlsx")["Esitys"]
    headers = [x.value for x in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "AV-2027-007")
    assert hold in row[headers.index("Ehdot")]
    annex_row = next(r for r in load_workbook(out / "liite1.xlsx").worksheets[0].iter_rows(values_only=True)
                     if r[0] == "AV-2027-007")
    assert hold.rstrip(".") in annex_row[7]


def test_pending_helpers_on_results():
    """J01 never makes an application pending; a blocking finding decides it; deficiencies count with a deadline."""
    from avustus_cli.domain.config import default_settings
    from avustus_cli.domain.models import Application, Finding, Severity, verdict_for
    from avustus_cli.domain.standing import Standing as Result
    from avustus_cli.domain.standing import is_pending, pending_ids
    from avustus_cli.services.proposing import pending_reason

    def res(i: int, *findings: Finding) -> Result:
        return Result(Application(id=f"H-{i}"), verdict_for(findings), tuple(findings))

    j01 = Finding("J01", Severity.REVIEW, "esteellisyys")
    k04 = Finding("K04", Severity.REVIEW, "Toimintakunnat: Tampere ei ole hyvinvointialueen kunta")
    a02 = Finding("A02", Severity.DEFICIENCY, "Lupa tarkastukseen: ei annettu")
    e01 = Finding("E01", Severity.BLOCKING, "osakeyhtiö")
    accepted = Finding("K04", Severity.REVIEW, "x", accepted_reason="ok")
    results = [res(1, j01), res(2, k04), res(3, k04, e01), res(4, a02), res(5, accepted)]
    assert pending_ids(results) == ["H-2"]
    s = dataclasses_replace(default_settings(2027), meeting_date=dt.date(2027, 1, 20))
    assert pending_ids(results, s, dt.date(2027, 1, 12)) == ["H-2", "H-4"]  # due 26.1. > meeting 20.1.
    late = dataclasses_replace(s, meeting_date=dt.date(2027, 2, 3))
    assert pending_ids(results, late, dt.date(2027, 1, 12)) == ["H-2"]
    assert not is_pending(results[0], s, dt.date(2027, 1, 12))
    assert pending_reason(res(6, k04, a02), s, dt.date(2027, 1, 12)) == (
        "arviointi kesken: K04; täydennys kesken: A02 (määräaika 26.1.2027) – kuittaa havainnot (avustus accept) "
        "tai korjaa tiedot; tuo täydennys (avustus import, avustus check)"
    )


def dataclasses_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def test_propose_reads_the_earlier_proposals_under_its_write_lock(cli, small, monkeypatch):
    """Another officer's proposal written between the read and the write cannot be lost:
    every read of the stored proposals happens inside the write transaction."""
    from avustus_cli.adapters.store import proposals as proposal_store
    from avustus_cli.domain.config import load_settings
    from avustus_cli.services import proposing

    store = Store.open(cli.db)
    seen: list[bool] = []
    real = proposal_store.proposal_records

    def spy(s):
        seen.append(s._in_tx)
        return real(s)

    monkeypatch.setattr(proposal_store, "proposal_records", spy)
    try:
        done = proposing.propose(store, load_settings(cli.settings, cwd=small), as_of=CHECK_DATE)
    finally:
        store.close()
    assert done.changed == 5
    assert seen and all(seen)


def test_a_final_item_is_refused_while_a_supplement_deadline_runs(cli, workdir, walkthrough):
    """Issue 11 §2: without --final the documents are drafts with their preparation date; --final is refused
    (exit 2, nothing written) while H-0003's supplement deadline (26.1.2027) runs, unless --before-deadline."""
    walkthrough("2027-02-03")
    out = workdir / "out"
    before = dump(cli.db)
    r = cli("propose", "--out", out, "--as-of", AS_OF, "--final")
    assert r.exit_code == 2
    said = " ".join(r.output.split())
    assert "täydennyspyynnön määräaika on vielä kesken 1 hakemuksella (H-0003; viimeinen määräaika 26.1.2027)" in said
    assert dump(cli.db) == before and not out.exists()
    r = cli("propose", "--out", out, "--as-of", AS_OF, "--before-deadline")
    assert r.exit_code == 2 and dump(cli.db) == before and not out.exists()
    # a draft: its preparation date, and H-0003's refusal is conditional
    r = cli("propose", "--out", out, "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    board = _docs_text(out, "paatosesitys")
    assert "LUONNOS, valmisteltu 12.1.2027." in board
    assert "Täydentäjä ry (täydennyspyyntö 12.1.2027, määräaika 26.1.2027): Hakemuksen mukaan hakija ei anna" in board
    # the officer says so: a final item before the deadline keeps the conditional wording
    r = cli("propose", "--out", out, "--as-of", AS_OF, "--final", "--before-deadline")
    assert r.exit_code == 0, r.output
    board = _docs_text(out, "paatosesitys")
    assert "LUONNOS" not in board and "eikä täydennyksen määräaika ole vielä päättynyt" in board
    # after the deadline a final item states the facts
    r = cli("propose", "--out", out, "--as-of", "2027-01-27", "--final")
    assert r.exit_code == 0, r.output
    board = _docs_text(out, "paatosesitys")
    assert ("Täydentäjä ry: Hakemusta pyydettiin täydentämään 12.1.2027 päivätyllä täydennyspyynnöllä 26.1.2027 "
            "mennessä, mutta täydennystä ei saatu määräaikaan mennessä") in board


def test_a_run_stopped_after_the_commit_is_not_taken_for_the_officers_edits(cli, workdir, monkeypatch):
    """propose stopped after the database committed but before the documents took the folder's place:
    the folder holds the previous run's own files (the hashes it recorded say so). The re-run does not
    call esitys.xlsx edited, and decide does not say the officer edited it: it asks for propose again."""
    from avustus_cli.adapters import files

    write_export(workdir / "hakemukset.xlsx")
    cli("import", workdir / "hakemukset.xlsx")
    cli("check", "--as-of", AS_OF)
    out = workdir / "esitys"
    assert cli("propose", "--out", out, "--budget", "30000", "--as-of", AS_OF).exit_code == 0

    def stopped(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.StagedCopy, "swap", stopped)
    r = cli("propose", "--out", out, "--budget", "20000", "--as-of", AS_OF)
    assert r.exit_code == 130, r.output
    monkeypatch.undo()
    r = cli("decide", "--date", "2027-01-26", "--section", "§ 12")
    text = " ".join(r.output.split())
    assert r.exit_code == 2 and "muokattu" not in text and "avustus propose" in text, text
    r = cli("propose", "--out", out, "--budget", "20000", "--as-of", AS_OF)
    assert r.exit_code == 0 and "muuttunut sen jälkeen" not in r.output, r.output


def test_formula_like_text_has_no_visible_apostrophe_in_documents(cli, small):
    """The apostrophe that keeps a spreadsheet from running applicant text is for
    spreadsheet cells only: the board's Word and HTML documents show the text as
    the applicant wrote it, also after the documents are remade from the officer's sheet."""
    out = small / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    cells = [c.value for row in load_workbook(out / "liite1.xlsx").worksheets[0].iter_rows() for c in row]
    assert "'" + FORMULA_TEXT in cells
    for remade in (False, True):
        if remade:
            r = cli("propose", "--out", out, "--from", out / "esitys.xlsx", "--as-of", AS_OF)
            assert r.exit_code in (0, 1), r.output
        for text in (html_text(out / "liite1.html"), docx_text(out / "liite1.docx")):
            assert FORMULA_TEXT in text, remade
            assert "'" + FORMULA_TEXT not in text and "'=" not in text, remade


def test_a_supplement_request_that_cannot_be_written_is_named_and_nothing_changes(cli, small, monkeypatch):
    """A letter the disk refuses (written on the writer's own thread) stops the run with one Finnish line
    naming the file; the database and the folder are as before."""
    import errno

    from avustus_cli.adapters import files

    real = files.write_in_stage

    def full(path, data):
        if path.name.startswith("taydennyspyynto_") and path.suffix == ".docx":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    before = dump(small / "avustus.db")
    monkeypatch.setattr(files, "write_in_stage", full)
    r = cli("propose", "--out", "esitys", "--as-of", CHECK_DATE.isoformat())
    assert r.exit_code != 0
    assert "ei voitu kirjoittaa" in r.output and "taydennyspyynto_" in r.output and ".docx" in r.output, r.output
    assert "Traceback" not in r.output
    assert dump(small / "avustus.db") == before
    assert not (small / "esitys").exists() and not list(small.glob(".esitys.*"))


def test_stored_rows_from_the_standings_already_read_match_a_fresh_read(cli, proposed, monkeypatch):
    """``load_rows`` given the round the caller already read gives the rows a fresh read gives, without
    decoding the applications again (propose reads each application once)."""
    from avustus_cli.domain.config import default_settings
    from avustus_cli.services import proposing as svc

    store = Store.open(cli.db)
    try:
        settings = default_settings()
        fresh = svc.load_rows(store, settings)
        standings = [r.standing for r in fresh]

        def read_again(*_a, **_k):
            raise AssertionError("the applications were decoded again")

        monkeypatch.setattr(store, "applications", read_again)
        assert svc.load_rows(store, settings, standings) == fresh
        with pytest.raises(AssertionError, match="decoded again"):
            svc.load_rows(store, settings)
    finally:
        store.close()


def test_contacts_are_those_of_the_applications_read_with_personal_data(cli, small):
    """The supplement requests' contact person and e-mail come from ``Store.contacts``, which reads them
    without decoding the applications: the same values ``applications(with_personal=True)`` gives."""
    store = Store.open(cli.db)
    try:
        ids = [a.id for a in store.applications()]
        with store.transaction():  # an e-mail kept in the data (an older row), not in the personal data
            store.conn.execute("update applications set data = json_set(data, '$.email', ''), personal = "
                               "json_remove(personal, '$.email') where id = ?", (ids[0],))
        full = {a.id: (a.contact_person, a.email) for a in store.applications(ids, with_personal=True)}
        assert store.contacts(ids) == full
        assert full[ids[0]][1] == "" and any(e for _, e in full.values()) and any(p for p, _ in full.values())
    finally:
        store.close()

"""avustus propose: the stored proposal, the esitys.xlsx round trip and the documents.

Allocation itself is tested in test_allocation.py; here the service and the
command around it. Rounds are built in the test (export -> import -> check)
and from sample_data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from avustus_cli import fmt
from avustus_cli.store import Store

from .conftest import SAMPLE, app_row, dump, write_xlsx

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
    from avustus_cli.checks import run_check
    from avustus_cli.config import load_settings

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


@pytest.fixture
def small(cli, workdir):
    write_export(workdir / "hakemukset.xlsx")
    r = cli("import", workdir / "hakemukset.xlsx")
    assert r.exit_code == 0, r.output
    check(cli, workdir)
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
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


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
    assert props["H-0005"]["reason"].startswith("täydennys kesken: A02")
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
    for m in ("full", "proportional"):
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
    assert funded | {"H-0004", "H-0005"} <= listed
    # refusals with their reasons in the board item
    board = html_text(out / "paatosesitys.html")
    assert "Firma Oy (E01)" in board
    # one supplement request: H-0005 (A02); none for the refused company
    letters = sorted(p.name for p in (out / "taydennyspyynnot").iterdir())
    assert letters == ["taydennyspyynto_H-0005.docx", "taydennyspyynto_H-0005.html"]
    letter = html_text(out / "taydennyspyynnot" / "taydennyspyynto_H-0005.html")
    assert "26.1.2027" in letter  # 12.1. + 14 days, a Tuesday


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
    assert h1[6] == 15000 and "retkitoimintaan" in h1[7] and h1[8] == "HARK"
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
    for k, p in props.items():
        if p["amount_cents"] > 0:
            assert apps[k].applicant in annex
    assert fmt.money(total) in annex
    # the big partnership (AV-2027-010) goes to the board, the small ones to the strategy director
    director = html_text(out / "strategiajohtajan_paatos.html")
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

"""Hostile and careless inputs that must not reach the wrong person or destroy data.

- ids that differ only in characters unsafe in file names get one letter each;
- restore accepts only a database this program wrote;
- personal data under headers the tool does not know is found, reported and purged.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from avustus_cli.adapters.store import Store
from avustus_cli.domain.errors import ValidationError
from avustus_cli.domain.filenames import file_stem, stem, unique_stems

from .conftest import app_row, dump, write_xlsx
from .test_propose import CLEAN

BIDS = ["1234560-4", "1234561-2", "1234562-0", "1234563-9"]

# --- 1. one letter per application --------------------------------------------------

COLLIDING = ["K/1", "K_1", "K:1"]


def test_file_stems_of_ids_differing_in_unsafe_characters_differ():
    stems = [file_stem(i) for i in [*COLLIDING, "K%2F1", "K 1", "K\\1", "K..1", "../K1", "K1" + "x" * 500, "K1" + "x" * 501]]
    assert len(set(stems)) == len(stems)
    for s in stems:
        assert all(c.isascii() and (c.isalnum() or c in "._-%~") for c in s)
        assert not s.startswith(".") and len(s) <= 120
    assert file_stem("AV-2027-013") == "AV-2027-013"  # the county's ids keep their names


def test_unique_stems_refuses_ids_one_file_system_folds_together():
    assert unique_stems("paatos", COLLIDING) == {i: stem("paatos", i) for i in COLLIDING}
    with pytest.raises(ValidationError) as e:
        unique_stems("paatos", ["k-1", "K-1"])
    assert "k-1" in e.value.message and "K-1" in e.value.message


def test_decide_writes_each_applicant_its_own_letter(cli, workdir):
    from .test_decide import add_proposal, docx_text

    rows = [
        app_row(n, **CLEAN, **{"Hakemusnumero": ident, "Y-tunnus": BIDS[n], "Hakija": f"Hakija {n} ry",
                               "Sähköposti": f"hakija{n}@example.fi", "Haettu summa": "1 000"})
        for n, ident in enumerate(COLLIDING)
    ]
    write_xlsx(workdir / "hakemukset.xlsx", rows)
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    for n, ident in enumerate(COLLIDING):
        add_proposal(cli.db, ident, str(100 * (n + 1)), "myönnetään osittain", "PROPORTIONAL")
    r = cli("decide", "--date", "2027-01-26", "--section", "§ 12")
    assert r.exit_code == 0, r.output
    letters = sorted((workdir / "paatokset").glob("paatos_*.docx"))
    assert len(letters) == 3, letters
    with (workdir / "paatokset" / "postitus.csv").open(encoding="utf-8-sig") as f:
        mailing = list(csv.reader(f, delimiter=";"))
    header, body = mailing[0], mailing[1:]
    assert len(body) == 3
    email_col = next(i for i, h in enumerate(header) if "posti" in h.lower())
    file_col = next(i for i, h in enumerate(header) if h.lower().startswith("tiedosto") or "docx" in h.lower())
    files = {}
    for line in body:
        files[line[email_col]] = line[file_col]
    assert len(set(files.values())) == 3
    for n, _ident in enumerate(COLLIDING):
        letter = workdir / "paatokset" / files[f"hakija{n}@example.fi"]
        text = docx_text(letter)
        assert f"Hakija {n} ry" in text
        assert all(f"Hakija {m} ry" not in text for m in range(3) if m != n)


def test_propose_writes_each_applicant_its_own_supplement_request(cli, workdir):
    from .test_propose import AS_OF, check, html_text

    rows = [
        app_row(n, **{**CLEAN, "Lupa tarkastukseen": "Ei"},
                **{"Hakemusnumero": ident, "Y-tunnus": BIDS[n], "Hakija": f"Hakija {n} ry", "Haettu summa": "1 000"})
        for n, ident in enumerate(COLLIDING)
    ]
    write_xlsx(workdir / "hakemukset.xlsx", rows)
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    check(cli, workdir)
    r = cli("propose", "--out", workdir / "out", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    letters = sorted((workdir / "out" / "taydennyspyynnot").glob("*.html"))
    assert len(letters) == 3, letters
    for n, ident in enumerate(COLLIDING):
        text = html_text(workdir / "out" / "taydennyspyynnot" / f"{stem('taydennyspyynto', ident)}.html")
        assert f"Hakija {n} ry" in text


# --- 2. restore only what this program wrote ------------------------------------------


def _imported_with_grant(cli, workdir: Path) -> tuple[Path, Path]:
    """A round with a decided, paid grant, and a good backup of it."""
    import datetime as dt
    from decimal import Decimal

    rows = [app_row(n, **{"Y-tunnus": BIDS[n]}) for n in range(1, 3)]
    assert cli("import", write_xlsx(workdir / "v.xlsx", rows)).exit_code == 0
    s = Store.open(cli.db)
    with s.transaction():
        s.upsert_grant({"id": "H-0001", "application_id": "H-0001", "applicant": "x", "business_id": None,
                        "form": "operating", "year": 2027, "amount_cents": 500000, "decision_date": "2027-01-28",
                        "source": "decision"})
        s.add_payment("H-0001", Decimal("5000"), dt.date(2027, 3, 1), "maksu")
    s.close()
    r = cli("backup")
    assert r.exit_code == 0, r.output
    return cli.db, Path(r.stdout.strip())


def _crafted(good: Path, path: Path, *statements: str) -> Path:
    path.write_bytes(good.read_bytes())
    conn = sqlite3.connect(path)
    for st in statements:
        conn.execute(st)
    conn.commit()
    conn.close()
    return path


CRAFTED = [
    # (name, statements, words in the refusal)
    ("herätin.db", ["create trigger wipe after insert on audit_log begin delete from payments; "
                    "update grants set amount_cents = 0; end"], ["herätin (trigger) wipe"]),
    ("näkymä.db", ["create view v_grants as select * from grants"], ["näkymä (view) v_grants"]),
    ("lisätaulu.db", ["create table extra (x)"], ["ylimääräinen taulu extra"]),
    ("muutettu.db", ["alter table grants add column note text"], ["muutettu taulu grants"]),
    ("indeksi.db", ["drop index grants_business_id"], ["puuttuva indeksi grants_business_id"]),
    ("viittaus.db", ["pragma foreign_keys = off",
                     "insert into payments (grant_id, amount_cents, paid_date, created_at) values ('EI-OLE', 1, '2027-01-01', 'x')"],
     ["foreign_key_check"]),
]


@pytest.mark.parametrize("name,statements,words", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_restore_refuses_a_file_this_program_did_not_write(cli, workdir, name, statements, words):
    db, good = _imported_with_grant(cli, workdir)
    bad = _crafted(good, workdir / name, *statements)
    before = db.read_bytes()
    backups = sorted((workdir / "varmuuskopiot").iterdir())
    r = cli("restore", bad)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0, r.stderr
    assert "Mitään ei palautettu" in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr
    assert db.read_bytes() == before  # byte for byte
    assert sorted((workdir / "varmuuskopiot").iterdir()) == backups
    assert not list(workdir.glob(".*palautus*"))
    assert cli("status").exit_code == 0  # and the round goes on


def test_restore_refuses_a_file_that_is_not_sqlite(cli, workdir):
    db, _good = _imported_with_grant(cli, workdir)
    bad = workdir / "kuva.db"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(5000))
    before = db.read_bytes()
    r = cli("restore", bad)
    assert r.exit_code == 2 and "ei SQLite-tiedosto" in r.stderr and "Mitään ei palautettu" in r.stderr
    assert db.read_bytes() == before


def test_restore_of_a_good_backup_copies_its_rows_into_the_programs_own_schema(cli, workdir):
    db, good = _imported_with_grant(cli, workdir)
    at_backup = dump(good)
    assert cli("import", write_xlsx(workdir / "v2.xlsx", [app_row(1, Hakija="Muutettu ry", **{"Y-tunnus": BIDS[1]})])).exit_code == 0
    r = cli("restore", good)
    assert r.exit_code == 0, r.output
    now = dump(db)
    assert {t: v for t, v in now.items() if t != "audit_log"} == {t: v for t, v in at_backup.items() if t != "audit_log"}
    assert len(now["payments"]) == 1 and now["grants"][0][6] == 500000
    kept = [p for p in (workdir / "varmuuskopiot").glob("*ennen-palautusta.db")]
    assert len(kept) == 1 and str(kept[0]) in r.stderr.replace("\n", "") and "poista" in r.stderr
    assert not list(workdir.glob(".*palautus*"))


# --- 3. personal data under headers the tool does not know ------------------------------

MARKERS = {
    "Puh.": "044 777 1234",
    "Sposti": "merkki.sposti@example.org",
    "Vastuuhenkilö": "Markku Merkkinen",
    "Huomautus": "pj. Kerttu Kirjava",
    "Maksutili": "FI49 5000 9420 0287 30",
}


def _markers_in(path: Path) -> list[str]:
    data = path.read_bytes()
    return [v for v in MARKERS.values() if v.encode() in data]


def test_personal_data_under_unknown_headers_is_reported_and_purged(cli, workdir):

    rows = [app_row(1, Saapunut="1.12.2025", **MARKERS, **{"Lomakkeen versio": "v3"})]
    r = cli("import", write_xlsx(workdir / "v.xlsx", rows), "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert set(res["personal_columns"]) == set(MARKERS) and res["unknown_columns"] == ["Lomakkeen versio"]
    conn = sqlite3.connect(cli.db)
    (data,) = conn.execute("select data from applications").fetchone()
    conn.close()
    assert not [v for v in MARKERS.values() if v in data] and "v3" in data  # not ordinary extra data
    assert not [v for v in MARKERS.values() if v in cli("check", "--as-of", "2027-01-10", "--json").stdout]

    before = json.loads(cli("privacy", "--json").stdout)
    assert set(MARKERS) <= set(before["columns"]) and before["applications_with_personal_data"] == 1
    assert not [v for v in MARKERS.values() if v in json.dumps(before, ensure_ascii=False)]  # where, never what
    s = Store.open(cli.db)
    with s.transaction():  # refused long ago: the retention has ended
        s.upsert_grant({"id": "H-0001", "application_id": "H-0001", "applicant": "x", "business_id": None,
                        "form": "operating", "year": 2026, "amount_cents": 0, "source": "decision"})
    s.close()
    r = cli("purge", "--as-of", "2037-06-01")
    assert r.exit_code == 0, r.output
    assert _markers_in(cli.db) == []
    conn = sqlite3.connect(cli.db)
    conn.execute("vacuum")
    conn.close()
    assert _markers_in(cli.db) == []
    after = json.loads(cli("privacy", "--json").stdout)
    assert after["applications_with_personal_data"] == 0 and after["columns"] == {}


def test_letters_and_mailing_lists_are_listed_by_privacy_and_removed_by_purge_files(cli, workdir):
    from .test_decide import add_proposal

    rows = [app_row(n, **CLEAN, **{"Y-tunnus": BIDS[n], "Sähköposti": f"hakija{n}@example.fi", "Haettu summa": "1 000"})
            for n in range(1, 3)]
    assert cli("import", write_xlsx(workdir / "v.xlsx", rows)).exit_code == 0
    for n in range(1, 3):
        add_proposal(cli.db, f"H-{n:04d}", "1000", "myönnetään haettu määrä", "FULL")
    assert cli("decide", "--date", "2027-01-26", "--section", "§ 12").exit_code == 0
    # the grant terms enclosed with the letters (annex 2) hold no personal data: not listed, not purged
    terms = sorted((workdir / "paatokset").glob("liite2_avustusehdot.*"))
    assert [p.suffix for p in terms] == [".docx", ".html"]
    written = sorted(p for p in (workdir / "paatokset").iterdir() if p not in terms)
    assert len(written) == 5  # two letters as .docx and .html, postitus.csv
    other = workdir / "paatokset" / "oma_muistio.docx"
    other.write_bytes(b"the officer's own file")
    report = json.loads(cli("privacy", "--json").stdout)
    assert sorted(report["files"]["paths"]) == [str(p) for p in written]
    assert report["files"]["kinds"]["paatos"] == 4 and report["files"]["kinds"]["postitus"] == 1
    dry = json.loads(cli("purge", "--as-of", "2027-02-01", "--files", "--dry-run", "--json").stdout)
    assert sorted(dry["files"]) == [str(p) for p in written] and all(p.exists() for p in written)
    r = cli("purge", "--as-of", "2027-02-01", "--files")
    assert r.exit_code == 0, r.output
    assert not any(p.exists() for p in written) and other.exists()  # only what the program wrote
    assert all(p.exists() for p in terms)
    assert json.loads(cli("privacy", "--json").stdout)["files"]["count"] == 0


# --- 4. a tiny file that claims a huge sheet ------------------------------------------


def _rewrite_member(path: Path, member: str, edit) -> Path:
    import zipfile

    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in items:
            z.writestr(info.filename, edit(body) if info.filename == member else body)
    return path


def _far_cell(path: Path, ref: str) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active[ref] = "x"
    wb.save(path)
    return path


def _string_count(path: Path, count: int) -> Path:
    """A shared-string table of one string that claims ``count`` of them."""
    import zipfile

    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
           b' count="%d" uniqueCount="%d"><si><t>x</t></si></sst>' % (count, count))
    rel = (b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    ctype = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             b'spreadsheetml.sharedStrings+xml"/></Types>')
    _rewrite_member(path, "xl/_rels/workbook.xml.rels", lambda b: b.replace(b"</Relationships>", rel))
    _rewrite_member(path, "[Content_Types].xml", lambda b: b.replace(b"</Types>", ctype))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", sst)
    return path


HUGE = [
    ("kaukainen_solu.xlsx", lambda p: _far_cell(p, "XFD1048576"), ["XFD1048576"]),
    ("leveä_alue.xlsx", lambda p: _far_cell(p, "XFD3000"), ["XFD3000"]),
    ("merkkijonomäärä.xlsx", lambda p: _string_count(p, 4_294_967_295), ["4294967295 merkkijonoa"]),
]


@pytest.mark.parametrize("name,make,words", HUGE, ids=[h[0] for h in HUGE])
def test_a_tiny_file_claiming_a_huge_sheet_is_refused_with_one_line(cli, workdir, name, make, words):
    path = make(write_xlsx(workdir / name, [app_row(1), app_row(2)]))
    assert path.stat().st_size < 20_000
    r = cli("import", path)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0 and "Traceback" not in r.output
    assert "tiedostoa ei lueta" in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr
    assert not cli.db.exists() or dump(cli.db).get("applications") == []


def test_an_ordinary_wide_export_is_not_refused(cli, workdir):
    row = {**app_row(1), **{f"Lisäsarake {i}": f"arvo {i}" for i in range(200)}}
    r = cli("import", write_xlsx(workdir / "leveä.xlsx", [row]))
    assert r.exit_code == 0, r.output


def _reencode(body: bytes, encoding: str) -> bytes:
    """The part as an XML writer would put it in another character set: declared, then encoded."""
    text = body.decode("utf-8")
    text = text[text.index("?>") + 2:] if text.startswith("<?xml") else text
    return f'<?xml version="1.0" encoding="{encoding}"?>{text}'.encode("utf-16" if encoding == "UTF-16" else encoding)


@pytest.mark.parametrize("encoding", ["UTF-16", "ISO-8859-1"])
def test_a_sheet_in_another_character_set_is_refused_with_one_line_naming_it(cli, workdir, encoding):
    path = write_xlsx(workdir / "merkisto.xlsx", [app_row(1, **{"Hakija": "Äänekosken Yhdistys ry"})])
    _rewrite_member(path, "xl/worksheets/sheet1.xml", lambda b: _reencode(b, encoding))
    r = cli("import", path)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0 and "XmlError" not in r.stderr
    for w in ("merkisto.xlsx", "xl/worksheets/sheet1.xml", encoding, "UTF-8"):
        assert w in r.stderr, r.stderr
    assert not cli.db.exists() or dump(cli.db).get("applications") == []


def test_decide_refuses_ids_whose_letters_one_file_system_would_fold_together(cli, workdir):
    from .test_decide import add_proposal

    rows = [app_row(n, **CLEAN, **{"Hakemusnumero": ident, "Y-tunnus": BIDS[n], "Haettu summa": "1 000"})
            for n, ident in enumerate(["k-1", "K-1"])]
    assert cli("import", write_xlsx(workdir / "hakemukset.xlsx", rows)).exit_code == 0
    for ident in ("k-1", "K-1"):
        add_proposal(cli.db, ident, "1000", "myönnetään haettu määrä", "FULL")
    before = dump(cli.db)
    r = cli("decide", "--date", "2027-01-26", "--section", "§ 12")
    assert r.exit_code == 2 and "k-1" in r.stderr and "K-1" in r.stderr and "Mitään ei kirjoitettu" in r.stderr
    assert dump(cli.db) == before and not (workdir / "paatokset").exists()


# --- 5. the personal-data scrub: linear patterns, a length cap -----------------------------


def test_scrub_patterns_start_only_where_a_run_starts():
    """A pattern whose first element is an unbounded run must be anchored at the run's start (a
    look-behind or a word boundary); otherwise a long word without a match is rescanned from every
    character (a 32 767-character word took 11-21 s per call)."""
    from avustus_cli.domain import privacy

    for pattern in (privacy.EMAIL, privacy.PHONE, privacy.IBAN, privacy._NAME_AFTER_WORD):
        assert pattern.pattern.startswith(("(?<!", "(?<=", "\\b", "^", "(?i:\\b")), pattern.pattern


def test_scrub_at_and_beyond_the_cap():
    from avustus_cli.domain.privacy import REMOVED, SCRUB_MAX, TRUNCATED, scrub

    word = "a" * SCRUB_MAX  # Excel's cell limit: kept whole, nothing to remove
    assert scrub(word) == (word, 0)
    assert scrub("x" + word)[0] == TRUNCATED  # one word longer than the cap is not published in part
    # contact details before the cap removed, the rest replaced by the mark; a word the cap splits
    # (here an address) goes whole rather than leaving a part of it
    filler = "Vertaistukea joka viikko. " * ((SCRUB_MAX - 200) // 26)
    address = "maija.meikalainen@example.fi"
    text = "puh. 040 123 4567 " + filler + "x" * (SCRUB_MAX - len(filler) - 18 - 10) + " " + address + " " + "y" * 1_000_000
    out, n = scrub(text)
    assert n == 1 and "040 123 4567" not in out and REMOVED in out
    assert out.endswith(" " + TRUNCATED) and "maija" not in out and "example" not in out and "y" * 10 not in out
    assert len(out) <= SCRUB_MAX + len(TRUNCATED) + 1
    # under the cap the scrub is as before
    assert scrub(f"soita 040 123 4567 tai {address}") == (f"soita {REMOVED} tai {REMOVED}", 2)
    assert scrub("a.b+c@example.fi ja FI21 1234 5600 0007 85") == (f"{REMOVED} ja {REMOVED}", 2)


# --- minor: terminal control characters from a sheet ---------------------------------------


def test_c1_controls_and_bidi_overrides_never_reach_the_terminal_or_json(cli, workdir):
    """U+009B (a terminal's escape sequence introducer) and U+202E (right-to-left override) in an
    id, a name and a description are removed at import: not stored, not printed, not in --json."""
    bad = ("\u009b", "\u202e", "\u2066", "\u0085")
    row = app_row(1, **CLEAN, **{"Y-tunnus": BIDS[1], "Hakija": "Kyläyhdistys\u202e yr\u009b2J",
                                 "Hakemusnumero": "H-\u202e0001"})
    assert cli("import", write_xlsx(workdir / "v.xlsx", [row])).exit_code == 0
    # the application as read (raw_row keeps the exported row as it was, as evidence of the file)
    conn = sqlite3.connect(cli.db)
    try:
        stored = json.dumps(conn.execute("select id, applicant, data, personal from applications").fetchall(),
                            ensure_ascii=False)
    finally:
        conn.close()
    assert not any(c in stored for c in bad)
    assert "Kyläyhdistys yr2J" in stored and "H-0001" in stored
    for args in (["check", "--as-of", "2027-01-10"], ["check", "--as-of", "2027-01-10", "--json"], ["status"],
                 ["status", "--json"]):
        r = cli(*args)
        assert not any(c in r.output for c in bad), args


# --- minor: control characters in the sheet XML ---------------------------------------------


@pytest.mark.parametrize("control", [b"&#1;", b"\x01", b"&#x1B;[2J"], ids=["reference", "byte", "escape"])
def test_control_characters_in_the_sheet_xml_do_not_hide_formula_warnings(cli, workdir, control):
    """A control character that XML does not allow (the reader takes it as it is) used to stop the
    formula scan at the parse error: every formula cell of the sheet was then imported without its
    warning. The formulas after it are still found and warned about."""
    row = app_row(1, Hakija='=CONCATENATE("A","B")', **{"Haettu summa": "=1000+500"})
    path = write_xlsx(workdir / "ohjausmerkki.xlsx", [app_row(2), row])
    _rewrite_member(path, "xl/worksheets/sheet1.xml",
                    lambda b: b.replace(b"Vertaistukea mielenterveys", b"Vertaistukea" + control + b"mielenterveys", 1))
    r = cli("import", path, "--json")
    assert r.exit_code == 0, r.output
    found = {(w["row"], w["field"]): w["message"] for w in json.loads(r.stdout)["warnings"]}
    assert "kaava" in found[(3, "applicant")] and "kaava" in found[(3, "requested")], found
    stored = json.loads(sqlite3.connect(cli.db).execute("select data from applications where id = 'H-0002'").fetchone()[0])
    assert "\x01" not in stored["description"] and "\x1b" not in stored["description"]

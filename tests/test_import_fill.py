"""An import leaves the typed table of rule inputs complete: the rows and texts a check's refresh would write.

An import into a database without applications writes them with the applications (from the values it
parsed); any other import refreshes the table before it commits. Either way the table afterwards is
exactly what ``rule_inputs.refresh`` makes from the stored applications, and a check right after the
import finds nothing to write.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avustus_cli.adapters.store import Store, rule_inputs
from avustus_cli.domain.fields import APPLICATION_SPECS

from .conftest import Cli, app_row, dump, write_xlsx

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
TABLES = ("rule_inputs", "rule_texts")


def _tables(db: Path) -> dict[str, list]:
    return {t: rows for t, rows in dump(db).items() if t in TABLES}


def _refreshed_from_scratch(db: Path, tmp: Path) -> dict[str, list]:
    """The table as a check's refresh makes it from the stored applications alone."""
    copy = shutil.copy(db, tmp / "scratch.db")
    conn = sqlite3.connect(copy)
    with conn:
        conn.execute("delete from rule_inputs")
        conn.execute("delete from rule_texts")
    conn.close()
    store = Store.open(Path(copy))
    try:
        assert rule_inputs.refresh(store) == store.count("applications")
    finally:
        store.close()
    return _tables(Path(copy))


def _refresh_writes(db: Path) -> int:
    store = Store.open(db)
    try:
        return rule_inputs.refresh(store)
    finally:
        store.close()


def test_the_sample_round_import_fills_the_table_a_check_would_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLE / "avustus.toml", tmp_path)
    cli = Cli(tmp_path / "avustus.db")
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    db = tmp_path / "avustus.db"
    imported = _tables(db)
    assert len(imported["rule_inputs"]) == 66
    # joint applications, kept texts and lists are among them
    conn = sqlite3.connect(db)
    assert conn.execute("select count(lead_business_id), count(raw), count(co_applicants), count(municipalities) "
                        "from rule_inputs").fetchone() == (3, 2, 4, 66)
    conn.close()
    assert imported == _refreshed_from_scratch(db, tmp_path)
    assert _refresh_writes(db) == 0
    assert _tables(db) == imported


def _schema(db: Path) -> set[tuple]:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute("select type, name, tbl_name, sql from sqlite_master"))
    finally:
        conn.close()


def test_the_indexes_built_after_the_rows_leave_the_schema_as_it_was(tmp_path, monkeypatch):
    """The import builds the indexes of the applications' business IDs and of the texts once, after the
    rows: the schema reads exactly as a new database's (a restore compares them), and the indexes are used."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "avustus.db"
    Store.open(db).close()
    fresh = _schema(db)
    assert {"applications_business_id", "rule_texts_field"} <= {name for _, name, _, _ in fresh}
    assert Cli(db)("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert _schema(db) == fresh
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        plan = " ".join(r[-1] for r in conn.execute("explain query plan select id from applications where business_id = ?", ("x",)))
        assert "applications_business_id" in plan
    finally:
        conn.close()


def test_a_check_right_after_an_import_does_not_refill_the_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLE / "avustus.toml", tmp_path)
    cli = Cli(tmp_path / "avustus.db")
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    written: list[int] = []
    refresh = rule_inputs.refresh

    def counted(store: Store, chunk: int = 5000) -> int:
        written.append(refresh(store, chunk))
        return written[-1]

    monkeypatch.setattr(rule_inputs, "refresh", counted)
    r = cli("check", "--as-of", "2027-01-15")
    assert r.exit_code in (0, 1), r.output
    assert written == [0]


def test_an_import_into_a_round_with_applications_refreshes_the_table_before_it_commits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli = Cli(tmp_path / "avustus.db")
    db = tmp_path / "avustus.db"
    assert cli("import", write_xlsx(tmp_path / "a.xlsx", [app_row(1), app_row(2)])).exit_code == 0
    first = _tables(db)
    # one changed, one new, one the same
    rows = [app_row(1, **{"Toiminnan kuvaus": "Uusi kuvaus toiminnasta."}), app_row(2), app_row(3)]
    assert cli("import", write_xlsx(tmp_path / "b.xlsx", rows)).exit_code == 0
    after = _tables(db)
    assert after != first
    assert _refresh_writes(db) == 0
    assert _tables(db) == after
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("select application_id from rule_inputs order by 1")]
    described = conn.execute("select t.value from rule_inputs r join rule_texts t on t.id = r.description "
                             "where r.application_id = 'H-0001'").fetchone()
    conn.close()
    assert ids == ["H-0001", "H-0002", "H-0003"]
    assert described == ("Uusi kuvaus toiminnasta.",)


def test_a_dry_run_and_a_refused_import_leave_the_table_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli = Cli(tmp_path / "avustus.db")
    db = tmp_path / "avustus.db"
    Store.open(db).close()  # a round's database without applications (a command keeps one it did not make)
    assert cli("import", write_xlsx(tmp_path / "a.xlsx", [app_row(1)]), "--dry-run").exit_code == 0
    assert _tables(db) == {"rule_inputs": [], "rule_texts": []}
    bad = write_xlsx(tmp_path / "b.xlsx", [app_row(1), app_row(2), app_row(1)])  # a repeated id: refused
    assert cli("import", bad).exit_code == 2
    assert _tables(db) == {"rule_inputs": [], "rule_texts": []}
    assert dump(db)["applications"] == []


# --- any workbook: the fill is what a refresh writes ---------------------------------------------

_HEADERS = [s.label for s in APPLICATION_SPECS]
_texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_cells = st.one_of(
    st.none(),
    st.integers(min_value=-(10**6), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.booleans(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31)),
    _texts,
    st.sampled_from([
        "Kyllä", "Ei", "kyllä", "x", "31.12.2026", "2026-12-31", "12 500,00 €", "1000", "0737546-2", "2050586-6",
        "Jyväskylä; Laukaa", "Jyväskylä, Laukaa, Äänekoski", "Rekisteröity yhdistys", "Säätiö", "Toiminta-avustus",
        "Hankeavustus", "Kumppanuussopimus", "Paikallinen", "Alueellinen", "1", "3", "Myönnetty", "Haettu",
        "Yhdistys A ry (0737546-2)", "Yhdistys A ry (0737546-2); Yhdistys B ry (2050586-6)", "SEK", "EUR", "a\"b\\c",
        "#N/A", "😀 ry",
    ]),
)


@st.composite
def _workbooks(draw):
    headers = ["Hakemusnumero", *draw(st.lists(st.sampled_from(_HEADERS[1:]), max_size=len(_HEADERS) - 1, unique=True))]
    headers += draw(st.lists(st.sampled_from(["Lisätieto", "Vastuuhenkilö", "Huom"]), max_size=2, unique=True))
    n = draw(st.integers(min_value=1, max_value=12))
    rows = [[f"H-{k + 1:04d}", *(draw(_cells) for _ in headers[1:])] for k in range(n)]
    return headers, rows


@settings(max_examples=40, deadline=None)
@given(_workbooks())
def test_for_any_workbook_the_import_fills_what_a_refresh_writes(workbook):
    headers, rows = workbook
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        path = write_xlsx(tmp / "h.xlsx", rows, headers=headers)
        cli = Cli(tmp / "avustus.db")
        r = cli("import", path, "--json")
        assert r.exit_code in (0, 2), r.output
        if r.exit_code == 2:
            return
        db = tmp / "avustus.db"
        imported = _tables(db)
        assert len(imported["rule_inputs"]) == dump(db)["applications"].__len__()
        assert imported == _refreshed_from_scratch(db, tmp)


@pytest.mark.parametrize("name", ["kelvottomat_arvot.xlsx", "vain_otsikko.xlsx"])
def test_files_with_unreadable_values_fill_the_table_as_a_refresh_does(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    cli = Cli(tmp_path / "avustus.db")
    db = tmp_path / "avustus.db"
    assert cli("import", Path(__file__).parent / "corpus" / name).exit_code == 0
    assert _tables(db) == _refreshed_from_scratch(db, tmp_path)
    assert _refresh_writes(db) == 0

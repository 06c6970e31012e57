"""Any spreadsheet: import succeeds or refuses with one Finnish message; never a traceback,
never a partial import.

- a corpus of bad files (tests/corpus/, made by make_corpus.py) with the expected message of each;
- a property-based test building workbooks with random cell types and values in every column.

More examples: ``HYPOTHESIS_PROFILE=thorough pytest tests/test_fuzz_import.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .conftest import HEADERS, Cli, app_row, dump, write_xlsx

CORPUS = Path(__file__).parent / "corpus"

# hypothesis profiles (default, thorough, no-shrink, nightly) are registered in conftest.py

# file -> (exit code, words the message must hold)
CORPUS_EXPECTED = {
    "ei_excel.xlsx": (2, ["ei ole .xlsx-taulukko"]),
    "tyhja_tiedosto.xlsx": (2, ["tyhjä (0 tavua)"]),
    "katkennut.xlsx": (2, ["vioittunut tai katkennut"]),
    "salasanasuojattu.xlsx": (2, ["salasanasuojattu"]),
    "vaara_muoto.xls": (2, ["ei ole Excel 97–2003"]),
    "vaara_paate.csv": (2, ["ei ole tuettu"]),
    "tyhja_tyokirja.xlsx": (2, ["ei löydy sarakeotsikkoa 'Hakemusnumero'"]),
    "ei_tunnussaraketta.xlsx": (2, ["ei ole saraketta tiedoille, joita säännöt tarvitsevat: Hakemusnumero (id)", "avustus columns"]),
    "toistuva_tunnus.xlsx": (2, ["rivi 4, sarake A (Hakemusnumero)", "H-0001 toistuu", "rivillä 2"]),
    "rivi_ilman_tunnusta.xlsx": (2, ["rivi 3, sarake A (Hakemusnumero)", "ei hakemusnumeroa"]),
    "virheellinen_tunnus.xlsx": (2, ["rivi 3, sarake A (Hakemusnumero)"]),
    "rikkinainen_xml.xlsx": (2, ["taulukkoa ei voi lukea"]),
    "zip_pommi.xlsx": (2, ["zip-pommi"]),
    # accepted: unreadable values are stored as missing, each with a warning naming row and column
    # (python-calamine reads Excel error cells such as #DIV/0! as empty: column O is stored missing without a warning)
    "kelvottomat_arvot.xlsx": (0, ["sarake S (Haettu summa): 1 rivi", "sarake B (Saapunut): 1 rivi", "sarake H (Yleishyödyllinen): 1 rivi", "rivi 2 (H-0001)"]),
    "vain_otsikko.xlsx": (0, []),
}


def test_corpus_is_complete_and_small():
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".xls", ".csv")}
    assert on_disk == set(CORPUS_EXPECTED)
    assert all((CORPUS / n).stat().st_size < 100_000 for n in on_disk)


@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTED))
def test_corpus_file(cli, workdir, name):
    code, words = CORPUS_EXPECTED[name]
    assert cli("import", write_xlsx(workdir / "base.xlsx", [app_row(9)])).exit_code == 0
    before = dump(workdir / "avustus.db")
    f = shutil.copy(CORPUS / name, workdir / name)
    r = cli("import", f)
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output and "odottamaton" not in r.output
    if code == 2:
        assert r.stderr.startswith("Virhe: tiedosto ") and r.stderr.count("Virhe:") == 1 and name in r.stderr
        for w in words:
            assert w in r.stderr, r.stderr
        assert dump(workdir / "avustus.db") == before
    else:
        for w in words:
            assert w in r.stdout, r.stdout


# --- property-based ----------------------------------------------------------

ERRORS = ["#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"]
FORMULAS = ["=1/0", "=SUM(A1:A3)", '=HYPERLINK("http://example.com","x")', "=A2", "=NOW()"]

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
cells = st.one_of(
    st.none(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from(ERRORS),
    st.sampled_from(FORMULAS),
    texts,
    st.text(max_size=3).map(lambda s: s * 3000),  # very long text
    st.sampled_from(["😀🎉 ry", "Äänekosken Ö-yhdistys", "‮reversed", "a\tb\nc", "12 500,00 €", "31.12.2026", "0737546-2",
                     "FI21 1234 5600 0007 85", "Yhteensä", "_x0001_ohjausmerkki_x001F_", "=cmd|' /C calc'!A0"]),
)
ids = st.one_of(st.sampled_from([f"H-{i:04d}" for i in range(1, 8)]), cells)


@st.composite
def workbooks(draw):
    columns = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=len(HEADERS), unique=True))
    if draw(st.integers(0, 9)) < 8:  # mostly a usable export, so that most examples get imported
        columns = ["Hakemusnumero", *[c for c in columns if c != "Hakemusnumero"]]
    n = draw(st.integers(min_value=0, max_value=8))

    def id_cell(k: int):
        return f"H-{k + 1:04d}" if draw(st.integers(0, 19)) < 18 else draw(ids)

    rows = [[id_cell(k) if c == "Hakemusnumero" else draw(cells) for c in columns] for k in range(n)]
    return {
        "columns": columns,
        "rows": rows,
        "above": draw(st.lists(st.lists(cells, max_size=3), max_size=2)),
        "empty_sheet_first": draw(st.booleans()),
        "merge": draw(st.booleans()),
    }


def _xml_safe(v):
    """Control characters go in as the _xHHHH_ escapes Excel itself writes for them."""
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", v)
    return v


def _write(path: Path, wbspec) -> bool:
    """False when openpyxl itself refuses the values (then there is no file to import)."""
    wb = Workbook()
    ws = wb.active
    if wbspec["empty_sheet_first"]:
        ws.title = "Tyhjä"
        ws = wb.create_sheet("Hakemukset")
    try:
        for r in wbspec["above"]:
            ws.append([_xml_safe(v) for v in r])
        ws.append(wbspec["columns"])
        for r in wbspec["rows"]:
            ws.append([_xml_safe(v) for v in r])
        if wbspec["merge"] and ws.max_row >= 2 and ws.max_column >= 2:
            ws.merge_cells(start_row=ws.max_row - 1, start_column=1, end_row=ws.max_row, end_column=2)
        wb.save(path)
    except (ValueError, TypeError) as e:  # e.g. openpyxl.utils.exceptions.IllegalCharacterError
        if "Illegal" in type(e).__name__ or "cannot be" in str(e) or "out of range" in str(e):
            return False
        raise
    return True


@pytest.fixture(scope="module")
def base_round(tmp_path_factory) -> tuple[bytes, dict]:
    """A database with two applications imported, and its contents: made once, copied into each example."""
    d = tmp_path_factory.mktemp("base")
    assert Cli(d / "avustus.db")("import", write_xlsx(d / "base.xlsx", [app_row(1), app_row(2)])).exit_code == 0
    assert not (d / "avustus.db-wal").exists()  # every change is in the file itself
    return (d / "avustus.db").read_bytes(), dump(d / "avustus.db")


@given(wbspec=workbooks())
def test_any_workbook_is_imported_whole_or_refused_whole(base_round, wbspec):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        cli = Cli(d / "avustus.db")
        (d / "avustus.db").write_bytes(base_round[0])
        before = base_round[1]
        assert dump(d / "avustus.db") == before
        f = d / "satunnainen.xlsx"
        if not _write(f, wbspec):
            event("openpyxl refused the values")
            return
        r = cli("import", f, "--json")
        event(f"exit {r.exit_code}")
        assert r.exit_code in (0, 2), r.output
        assert "Traceback" not in r.output and "odottamaton" not in r.output, r.output
        after = dump(d / "avustus.db")
        if r.exit_code == 2:
            assert r.stderr.startswith("Virhe: tiedosto ") and r.stderr.count("Virhe:") == 1, r.stderr
            assert after == before
            return
        res = json.loads(r.stdout)
        counted = len(res["new"]) + len(res["changed"]) + len(res["unchanged"]) + len(res["kept_decided"]) + res["skipped"]
        assert counted == res["rows_total"]
        assert res["rows_total"] <= len(wbspec["rows"]) + len(wbspec["above"])
        stored = {row[0] for row in after["applications"]}
        assert stored == {row[0] for row in before["applications"]} | set(res["new"])
        assert len(after["imports"]) == len(before["imports"]) + 1
        assert not any(v in json.dumps(res, ensure_ascii=False) for v in ("maija@example.fi", "FI2112345600000785"))

"""The streaming reader of large .xlsx files: the same rows as python-calamine, in bounded memory, and
a large file refused at the first bad row instead of after reading all of it."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from avustus_cli.adapters import excel, xlsx_stream

from .conftest import app_row, dump, write_xlsx


def _calamine_rows(path: Path, sheet: str) -> list[list]:
    """The rows the whole-sheet reader (python-calamine) gives the importer."""
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    return [list(r) for r in excel._CalamineSheet(wb.get_sheet_by_name(sheet)).iter_rows()]


def _mixed(path: Path, *, date1904: bool = False) -> Path:
    wb = Workbook()
    if date1904:
        wb.epoch = dt.datetime(1904, 1, 1)  # openpyxl's spelling of the 1904 date system
    ws = wb.active
    ws.title = "Tiedot"
    ws.append([])  # an empty first row: the rows start at the first with a value
    ws.append(["teksti", "luku", "päivä", "hetki", "aika", "kesto", "totuus", "kaava", "tyhjä", "vika"])
    ws.append(["Åke & Öberg <ry>", 1, dt.date(2026, 12, 2), dt.datetime(2026, 12, 1, 14, 5), dt.time(13, 30),
               dt.timedelta(hours=30), True, "=1+1", None, "#N/A"])
    ws.append([" väli ", 2.5, dt.datetime(2026, 12, 1), 46358.1234567, 0.25, None, False, None, "", "x"])
    ws.append([])
    ws.append([None, None, 5])  # after an empty row, a row with one value
    ws["D4"].number_format = "d.m.yyyy h:mm:ss"
    ws["E4"].number_format = "h:mm"
    ws.cell(row=9, column=2).number_format = "0.00"  # a styled empty cell far below: not a row of the table
    wb.save(path)
    return path


@pytest.mark.parametrize("date1904", [False, True])
def test_streamed_rows_are_calamines_rows(workdir, date1904):
    path = _mixed(workdir / "sekalainen.xlsx", date1904=date1904)
    sheet = xlsx_stream.Workbook(path).sheet("Tiedot")
    rows = list(sheet.iter_rows())
    assert rows == _calamine_rows(path, "Tiedot")
    assert [type(c) for c in rows[2][:7]] == [str, float, dt.date, dt.datetime, dt.time, dt.timedelta, bool]
    assert rows[0] == [""] * 10 and (3, 7) in sheet.formulas


def _parted_rows(path: Path, sheet: str, monkeypatch, part_bytes: int = 200) -> tuple[list[list], set]:
    """The rows of a large file's reader when the sheet is cut into parts (tiny ones here: many parts)."""
    monkeypatch.setattr(xlsx_stream, "PART_BYTES", part_bytes)
    monkeypatch.setattr(excel, "STREAM_ABOVE", 0)
    ws = excel._Book(path, path.name).sheet(sheet)
    assert isinstance(ws, excel._PartedSheet)
    return list(ws.iter_rows()), ws.formulas


@pytest.mark.parametrize("date1904", [False, True])
def test_rows_read_part_by_part_are_calamines_rows(workdir, monkeypatch, date1904):
    """A large sheet cut into parts, each read by calamine, gives the rows calamine gives the whole sheet
    (shared strings, dates, the empty row between rows, the empty first row) and its formula cells."""
    path = _mixed(workdir / "sekalainen.xlsx", date1904=date1904)
    want = _calamine_rows(path, "Tiedot")
    for part_bytes in (1, 200, 1 << 20):
        rows, formulas = _parted_rows(path, "Tiedot", monkeypatch, part_bytes)
        assert rows == want and formulas == {(3, 7)}, part_bytes


def _with_shared_strings(path: Path) -> Path:
    """The workbook with its texts in a shared-string table, as Excel writes them (some as rich text with a
    phonetic guide)."""
    with zipfile.ZipFile(path) as z:
        items = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet_xml = items["xl/worksheets/sheet1.xml"].decode()
    strings: list[str] = []

    def shared(m):
        strings.append(m.group(1))
        return f'<c r="{m.group(0).split(chr(34))[1]}" t="s"><v>{len(strings) - 1}</v></c>'

    import re

    sheet_xml = re.sub(r'<c r="[A-Z]+\d+" t="inlineStr"><is><t>([^<]*)</t></is></c>', shared, sheet_xml)
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "".join(f"<si><t>{s}</t></si>" if i % 2 or "&" in s else f"<si><r><t>{s[:2]}</t></r><r><t>{s[2:]}</t></r>"
                     f"<rPh><t>ふりがな</t></rPh></si>" for i, s in enumerate(strings)) + "</sst>")
    items["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    items["xl/sharedStrings.xml"] = sst.encode()
    items["xl/_rels/workbook.xml.rels"] = items["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    items["[Content_Types].xml"] = items["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in items.items():
            z.writestr(name, body)
    return path


def test_shared_strings_and_rich_text_are_read_once(workdir, monkeypatch):
    """An export written with a shared-string table (as Excel writes) reads the same as calamine reads it."""
    path = _with_shared_strings(write_xlsx(workdir / "jaetut.xlsx", [app_row(1), app_row(2, Hakija="Ääkköset & <merkit>")]))
    rows = list(xlsx_stream.Workbook(path).sheet("Hakemukset").iter_rows())
    assert rows == _calamine_rows(path, "Hakemukset")
    assert rows[2][4] == "Ääkköset & <merkit>"
    assert _parted_rows(path, "Hakemukset", monkeypatch)[0] == rows  # the strings marked in each part
    monkeypatch.setattr(excel, "STREAM_ABOVE", 10**12)  # the table itself with each part
    ws = excel._Book(path, path.name).sheet("Hakemukset")
    assert isinstance(ws, excel._PartedSheet) and list(ws.iter_rows()) == rows


def _far_row_after(path: Path) -> Path:
    """The sheet's XML ends with a cell at XFD1048576 that the declared extent does not mention: a
    reader that scans every cell before the rows sees it first."""
    with zipfile.ZipFile(path) as z:
        items = {i.filename: z.read(i.filename) for i in z.infolist()}
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    items["xl/worksheets/sheet1.xml"] = items["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", far)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in items.items():
            z.writestr(name, body)
    return path


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([{**app_row(1), "Hakemusnumero": None}, app_row(2)], ["rivi 2", "sarake A (Hakemusnumero)", "ei hakemusnumeroa"]),
        ([{k: v for k, v in app_row(1).items() if k != "Hakemusnumero"}], ["otsikkorivillä 1", "Hakemusnumero (id)"]),
    ],
    ids=["row-2", "no-id-column"],
)
def test_a_large_file_is_refused_at_the_first_bad_row_not_after_reading_it_all(cli, workdir, monkeypatch, rows, words):
    """A file over the streaming size is refused for its header or its row 2 as soon as they are read:
    what comes after them (here a cell at XFD1048576 that a whole-sheet scan refuses first) is never read
    (the sheet is read in parts of a row each here)."""
    monkeypatch.setattr(excel, "STREAM_ABOVE", 0)
    monkeypatch.setattr(xlsx_stream, "PART_BYTES", 1)
    path = _far_row_after(write_xlsx(workdir / "iso.xlsx", rows))
    r = cli("import", path)
    assert r.exit_code == 2, r.output
    first = r.stderr.splitlines()[0]
    assert first.startswith("Virhe:") and "iso.xlsx" in first, r.stderr
    for w in words:
        assert w in r.stderr, r.stderr
    assert "XFD" not in r.stderr
    assert dump(cli.db).get("applications", []) == []


@pytest.mark.parametrize("part_bytes", [1, 1 << 22], ids=["row-parts", "one-part"])
def test_a_large_file_is_read_with_its_formulas_and_the_same_rows(cli, workdir, monkeypatch, part_bytes):
    """The reader of large files gives the import the rows, warnings and exported rows the whole-sheet reader gives."""
    monkeypatch.setattr(xlsx_stream, "PART_BYTES", part_bytes)
    import sqlite3

    rows = [app_row(i) for i in range(1, 40)]
    rows[3] = app_row(4, Hakija='=CONCATENATE("A","B")', Saapunut=dt.datetime(2026, 12, 3, 9, 30),
                      Avustusvuosi=2027.0, **{"Haettu summa": 12500.5})
    rows[7] = {**app_row(8), "Yleishyödyllinen": True, "Toimintaluokka": 4}
    rows[35] = app_row(36, Hakija="=A1")  # below the rows the header is looked for in (read later, part by part)
    path = write_xlsx(workdir / "kaavat.xlsx", rows)
    seen = []
    for limit, parts in ((10**12, False), (10**12, True), (0, True)):  # whole, in parts, a large file in parts
        monkeypatch.setattr(excel, "STREAM_ABOVE", limit)
        monkeypatch.setattr(excel, "PARTS", parts)
        db = workdir / f"a{limit}{parts}.db"
        from .conftest import Cli

        r = Cli(db, None)("import", path, "--json")
        assert r.exit_code == 0, r.output
        res = json.loads(r.stdout)
        conn = sqlite3.connect(db)
        stored = sorted(conn.execute("select id, data, personal, raw_row, requested_cents, received from applications"))
        conn.close()
        seen.append(([(w["row"], w["column_name"], w["message"]) for w in res["warnings"]], res["new"], stored))
    assert seen[0] == seen[1] == seen[2]
    assert [row for row, _, m in seen[0][0] if "kaava" in m] == [5, 37]


@pytest.mark.parametrize(("limit", "parts"), [(10**12, False), (10**12, True), (0, True)],
                         ids=["whole-sheet", "in-parts", "large"])
def test_rows_and_columns_are_named_as_in_the_sheet_when_the_first_row_and_column_are_empty(cli, workdir,
                                                                                              monkeypatch, limit, parts):
    """A title-less export whose table starts at B2: the header is row 2 and a bad amount in column T
    of row 4 is named so (the whole-sheet reader gave rows from row 1 but columns from B, so messages
    named row 5 and column S)."""
    monkeypatch.setattr(excel, "STREAM_ABOVE", limit)
    monkeypatch.setattr(excel, "PARTS", parts)
    wb = Workbook()
    ws = wb.active
    ws.title = "Hakemukset"
    rows = [app_row(1), app_row(2, **{"Haettu summa": "abc"})]
    headers = list(rows[0])
    for r, values in enumerate([headers, *[[row[h] for h in headers] for row in rows]], start=2):
        for c, v in enumerate(values, start=2):
            ws.cell(row=r, column=c, value=v)
    wb.save(workdir / "b2.xlsx")
    r = cli("import", workdir / "b2.xlsx", "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["header_row"] == 2 and sorted(res["new"]) == ["H-0001", "H-0002"]
    assert [(w["row"], w["column_name"]) for w in res["warnings"]] == [(4, "T (Haettu summa)")]


@pytest.mark.parametrize(
    ("piece", "refused"),
    [
        (b'<row r="400123"><c r="A400123"/><c r="S400123"/></row>', None),
        (b'<row r="5"><c r="A5"/><c r="Z1048576"/></row>', (1048576, 26)),  # a row number beyond the part's last row
        (b'<row r="400000"><c r="Z900000"/></row>', (900000, 26)),  # as many digits, a larger first digit
        (b'<row r="5"><c r="XFD5"/><c r="A6000"/></row>', (6000, 16384)),  # a column beyond Z
        (b'<row r="5"><c s="1" r="C9999999"/></row>', (9999999, 3)),  # the reference after another attribute
        (b'<row r="5"><c r="A123456789"/></row>', (123456789, 1)),  # more digits than a sheet has rows
        (b'<row r="5"><c r="AAAA5"/><c r="A6000"/></row>', (6000, 18279)),  # more letters than a sheet has
        (b'<row r="950000"><c r="A950000"/><c r="V950000"/></row>', (950000, 22)),  # every reference read
        (b'<row r="950000"><c r="A950000"/><c r="T950000"/></row>', None),
        (b'<row r="699999"><c r="A699999"/><c r="Z699999"/></row>', None),  # judged by the one search
        (b'<row r="769230"><c r="Z769230"/></row>', None),  # every reference read: 26 columns, at the limit
        (b'<row r="769231"><c r="Z769231"/></row>', (769231, 26)),
        (b'<row r="5"><c r="A5"/><c  r="C9999999"/></row>', (9999999, 3)),  # two spaces before the reference
        # cells without a reference, placed one after another: counted by their places, not their references
        (b'<row r="9000000">' + b"<c><v>1</v></c>" * 1000 + b"</row>", (9000000, 3)),
        (b'<row r="19999999"><c r="A19999999"/></row><row><c/><c t="n"><v>2</v></c></row>', (20000000, 2)),
        (b'<row r="5">' + b"<c><v>1</v></c>" * 3 + b'</row><row><c s="1" r="B7"/></row>', None),
    ],
)
def test_a_part_reaching_beyond_the_cell_limit_is_refused_before_it_is_read(piece, refused):
    """Each part of a large sheet is measured by its cells' references before calamine sizes a grid from them."""
    if refused is None:
        xlsx_stream.Parts._check_cells(piece)
    else:
        with pytest.raises(xlsx_stream.TooManyCells) as e:
            xlsx_stream.Parts._check_cells(piece)
        assert (e.value.rows, e.value.columns) == refused


@pytest.mark.parametrize("row", [1, 9, 10, 99999, 100000, 600000, 699999, 700000, 769230, 769231, 999999, 1048576])
@pytest.mark.parametrize("column", ["A", "S", "Z", "AA"])
def test_the_one_search_passes_only_cells_within_the_limit(row, column):
    """A part the one search lets through reaches no further than the limit; one it stops is measured."""
    piece = b'<row r="%d"><c r="%s%d" t="n"><v>1</v></c></row>' % (row, column.encode(), row)
    if xlsx_stream._NOT_NEAR.search(piece) is None:
        assert row * 26 <= xlsx_stream.MAX_CELLS and len(column) == 1
    reaches = row * xlsx_stream.column_index(column) + row
    if reaches > xlsx_stream.MAX_CELLS:
        with pytest.raises(xlsx_stream.TooManyCells):
            xlsx_stream.Parts._check_cells(piece)
    else:
        xlsx_stream.Parts._check_cells(piece)


def test_cells_without_references_are_refused_by_their_places_before_they_are_read(workdir, monkeypatch):
    """A part whose far row holds cells without references reaches as far as its cells' places: it is
    refused before calamine sizes a grid from them (their references alone counted one column)."""
    path = write_xlsx(workdir / "paikat.xlsx", [app_row(1), app_row(2)])
    with zipfile.ZipFile(path) as z:
        items = {i.filename: z.read(i.filename) for i in z.infolist()}
    far = b'<row r="9000000">' + b"<c><v>1</v></c>" * 1000 + b"</row></sheetData>"
    items["xl/worksheets/sheet1.xml"] = items["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", far)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in items.items():
            z.writestr(name, body)
    monkeypatch.setattr(xlsx_stream, "PART_BYTES", 1 << 20)  # the far row in the part of the header
    ws = excel._Book(path, path.name).sheet("Hakemukset")
    assert isinstance(ws, excel._PartedSheet)
    with pytest.raises(xlsx_stream.TooManyCells) as e:
        list(ws.iter_rows())
    assert e.value.rows == 9000000 and e.value.columns > 1  # (the columns the header reaches, at least)


def test_a_small_sheet_refused_before_its_header_is_named_for_its_cells_not_for_a_missing_header(workdir):
    """A small file whose sheet declares no extent and holds a far cell in its first part gives no rows to
    look for the header in: the refusal names the cells beyond the limit, not a missing header column."""
    import re

    from avustus_cli.domain.errors import InputFileError
    from avustus_cli.domain.fields import APPLICATION_SPECS

    path = _far_row_after(write_xlsx(workdir / "kauas.xlsx", [app_row(1), app_row(2)]))
    _rewrite_sheet(path, lambda xml: re.sub(rb"<dimension[^>]*>", b"", xml))
    with pytest.raises(InputFileError) as e:
        excel.read_table(path, APPLICATION_SPECS)
    assert "A1:XFD1048576" in str(e.value) and "sarakeotsikkoa" not in str(e.value), str(e.value)


def _prefixed(path: Path) -> Path:
    """The workbook with its sheet's elements written with a namespace prefix (x:worksheet, x:row, ...)."""
    import re

    return _rewrite_sheet(path, lambda xml: re.sub(rb"<(/?)([A-Za-z]+[ >/])", rb"<\1x:\2", xml).replace(b'xmlns="', b'xmlns:x="', 1))


def _rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> Path:
    """The workbook at ``path`` with its first sheet's XML replaced by ``change`` of it."""
    with zipfile.ZipFile(path) as z:
        items = {i.filename: z.read(i.filename) for i in z.infolist()}
    items["xl/worksheets/sheet1.xml"] = change(items["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in items.items():
            z.writestr(name, body)
    return path


def test_each_reader_is_chosen_by_the_file_and_gives_the_same_rows(workdir, monkeypatch):
    """An .xlsx sheet is read in parts (a small file too); a sheet that cannot be cut (its elements carry a
    prefix) whole by calamine, or row by row through expat in a large file; a file whose shared-string table
    is too large to go with every part, whole by calamine. The rows are the same."""
    rows = [app_row(i) for i in range(1, 6)]
    path = _with_shared_strings(write_xlsx(workdir / "tavallinen.xlsx", rows))
    prefixed = _prefixed(write_xlsx(workdir / "etuliite.xlsx", rows))
    want = _calamine_rows(path, "Hakemukset")
    assert _calamine_rows(prefixed, "Hakemukset") == want

    def reader(p: Path) -> object:
        ws = excel._Book(p, p.name).sheet("Hakemukset")
        assert [list(r) for r in ws.iter_rows()] == want
        return type(ws)

    assert reader(path) is excel._PartedSheet
    assert reader(prefixed) is excel._CalamineSheet
    monkeypatch.setattr(excel, "SMALL_STRINGS", 10)
    assert reader(path) is excel._CalamineSheet
    monkeypatch.setattr(excel, "STREAM_ABOVE", 0)
    assert reader(path) is excel._PartedSheet
    assert reader(prefixed) is xlsx_stream.Sheet


def test_a_sheet_without_a_declared_extent_gives_progress_an_estimate_of_its_rows(workdir):
    """A writer that streams its rows (openpyxl's write-only mode) declares no extent: read in parts, the
    sheet's rows are estimated from the length of its first rows, for the progress bar."""
    import re

    from avustus_cli.domain.fields import APPLICATION_SPECS

    path = write_xlsx(workdir / "virta.xlsx", [app_row(i) for i in range(1, 3001)])
    _rewrite_sheet(path, lambda xml: re.sub(rb"<dimension[^>]*>", b"", xml))
    table = excel.read_table(path, APPLICATION_SPECS)
    assert 2700 <= table.total_rows <= 3300

"""Page layout of the documents, read from the Word and Excel XML (no office suite needed).

Word: no table row breaks across a page, header rows repeat, every page has a running header
and "sivu X / Y", identifier and municipality columns are wide enough not to break, a
signature stays with the decision above it. The rendered pages themselves are checked in
``test_layout_pdf.py`` (LibreOffice, marked slow).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from avustus_cli.adapters.render import DOCUMENTS, example_context, render_docx
from avustus_cli.domain import fmt
from avustus_cli.domain.config import default_settings

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
TWIPS_PER_CM = 1440 / 2.54

# Arial / Liberation Sans advance widths (em) of the characters the checks measure.
_EM = {**dict.fromkeys("0123456789", 0.556), "-": 0.333, "K": 0.667, "a": 0.556, "n": 0.556, "o": 0.556,
       "k": 0.5, "s": 0.5, "i": 0.222}
CELL_MARGINS_CM = 2 * 0.19  # Word's default left and right cell margins
TABLE_PT = 9.5  # the tables' text size (make_docx_templates._cell_text)


def needed_cm(text: str, pt: float = TABLE_PT) -> float:
    """The width a one-line cell needs for ``text`` in Arial at ``pt`` points."""
    return sum(_EM[c] for c in text) * pt / 72 * 2.54 + CELL_MARGINS_CM


@pytest.fixture(scope="module")
def settings():
    return default_settings(2027)


def _parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")
                and ("document" in n or "header" in n or "footer" in n)}


@pytest.fixture(scope="module")
def rendered(settings):
    return {name: _parts(render_docx(name, example_context(name), settings)) for name in DOCUMENTS}


def _text(el) -> str:
    return "".join(el.itertext())


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_table_row_breaks_across_pages(rendered, name):
    rows = rendered[name]["word/document.xml"].findall(".//w:tr", NS)
    assert rows, name
    for tr in rows:
        assert tr.find("w:trPr/w:cantSplit", NS) is not None, (name, _text(tr)[:60])


@pytest.mark.parametrize("name", DOCUMENTS)
def test_header_rows_repeat_on_every_page(rendered, name):
    """Every bordered table's first row is a repeating header row; layout tables (letter heads) have none."""
    for tbl in rendered[name]["word/document.xml"].findall(".//w:body/w:tbl", NS):
        style = tbl.find("w:tblPr/w:tblStyle", NS)
        rows = tbl.findall("w:tr", NS)
        if style is not None and style.get(f"{{{W}}}val") == "TableGrid":
            assert rows[0].find("w:trPr/w:tblHeader", NS) is not None, (name, _text(rows[0]))
            assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:]), name


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_page_has_a_running_header_and_page_number(rendered, name, settings):
    parts = rendered[name]
    sect = parts["word/document.xml"].find(".//w:body/w:sectPr", NS)
    assert sect.find("w:titlePg", NS) is not None  # the first page opens with the document's own head
    headers = [p for n, p in parts.items() if "header" in n]
    footers = [p for n, p in parts.items() if "footer" in n]
    running = [h for h in headers if _text(h).strip()]
    assert len(running) == 1, name
    text = _text(running[0])
    assert settings.county in text and settings.diary_number in text, text
    if name in ("taydennyspyynto", "paatoskirje", "muistutus"):
        assert fmt.date(example_context(name)["letter_date"]) in text
    # both footers (first page and the rest) number the pages "sivu X / Y" with Word fields
    assert len(footers) >= 2
    for f in footers:
        instr = " ".join(t.text for t in f.iter(f"{{{W}}}instrText"))
        assert "PAGE" in instr.split() and "NUMPAGES" in instr.split(), name
        assert _text(f).startswith("sivu "), _text(f)
    # the first page's own head carries the same facts in the body
    first_table = parts["word/document.xml"].find(".//w:body/w:tbl", NS)
    head = _text(first_table)
    assert settings.county in head and settings.diary_number in head, (name, head)


def _columns(tbl) -> dict[str, float]:
    """Header text -> column width (cm) of a table's first row."""
    widths = [int(c.get(f"{{{W}}}w")) / TWIPS_PER_CM for c in tbl.findall("w:tblGrid/w:gridCol", NS)]
    first = tbl.find("w:tr", NS)
    names = [_text(tc).strip() for tc in first.findall("w:tc", NS)]
    return dict(zip(names, widths, strict=True))


@pytest.mark.parametrize("name", ["liite1", "strategiajohtajan_paatos"])
def test_business_id_and_municipality_columns_fit_on_one_line(rendered, name):
    """A business ID ("1332736-0") and the longest municipality name of the county (Kannonkoski)
    fit their columns, so neither breaks inside the word ("1332736-/0", "Äänekosk/i")."""
    tables = [t for t in rendered[name]["word/document.xml"].findall(".//w:body/w:tbl", NS) if "Y-tunnus" in _text(t)]
    assert tables
    for t in tables:
        cols = _columns(t)
        assert cols["Y-tunnus"] >= needed_cm("1332736-0"), cols
        assert cols["Kotikunta"] >= needed_cm("Kannonkoski"), cols
        layout = t.find("w:tblPr/w:tblLayout", NS)
        assert layout is not None and layout.get(f"{{{W}}}type") == "fixed"


def test_the_signature_stays_with_the_decision(rendered):
    """The director's signature is never alone at the top of a page: the decision's last paragraph
    and the blank line keep with the next paragraph, the signature keeps its lines."""
    body = rendered["strategiajohtajan_paatos"]["word/document.xml"].find("w:body", NS)
    paras = body.findall("w:p", NS)
    sig = next(i for i, p in enumerate(paras) if _text(p).startswith("Strategiajohtaja "))
    assert paras[sig].find("w:pPr/w:keepLines", NS) is not None
    for p in paras[sig - 2:sig]:
        assert p.find("w:pPr/w:keepNext", NS) is not None, _text(p)
    assert "Hylkään" in _text(paras[sig - 2])


def test_measure_is_a_real_width():
    """The width table behind the column checks: a longer text needs more room, a business ID about 2 cm."""
    assert needed_cm("Kannonkoski") > needed_cm("1332736-0") > 1.9


# --- Excel -------------------------------------------------------------------------------

X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _write(tmp_path, sheets):
    from avustus_cli.adapters.excel import write_workbook

    return write_workbook(tmp_path / "t.xlsx", sheets)


def _fonts_without_name(path) -> int:
    with zipfile.ZipFile(path) as z:
        styles = etree.fromstring(z.read("xl/styles.xml"))
    fonts = styles.findall(f"{X}fonts/{X}font")
    assert fonts
    return sum(1 for f in fonts if f.find(f"{X}name") is None)


def test_text_lines_lays_words_out_like_a_spreadsheet():
    from avustus_cli.adapters.excel import text_lines

    assert text_lines("AV-2027-001", 13) == 1
    assert text_lines("yksi\nkaksi\nkolme", 40) == 3
    words = "Avustus maksetaan, kun aiemman avustuksen käyttöselvitys on toimitettu."
    assert text_lines(words, 80) == 1 and 2 <= text_lines(words, 34) <= 3 and text_lines(words, 12) >= 6
    assert text_lines("Sosiaalipalvelujenkehittämisyhdistys", 12) >= 3  # a word longer than the line breaks inside


def test_sheets_wrap_text_fit_rows_name_fonts_and_print_landscape_on_one_width(tmp_path):
    from openpyxl import load_workbook

    from avustus_cli.adapters.excel import LINE_PT, Sheet, text_lines

    long = "Toimintasuunnitelman ruoka-aputoimintaa ei avusteta, koska se on rajattu haun ulkopuolelle. " * 2
    rows = [["AV-2027-001", "Yhdistys ry", "rivi 1\nrivi 2\nrivi 3", 12000], ["AV-2027-002", long, "lyhyt", 500]]
    path = _write(tmp_path, [Sheet("Taulu", ["Hakemus", "Hakija", "Ehdot", "Haettu (€)"], rows, money_columns=[3],
                                   widths={1: 30, 2: 20})])
    assert _fonts_without_name(path) == 0
    ws = load_workbook(path)["Taulu"]
    assert [c.value for c in ws[1]] == ["Hakemus", "Hakija", "Ehdot", "Haettu (€)"]
    for r in (2, 3):
        height = ws.row_dimensions[r].height
        for c in ws[r]:
            if isinstance(c.value, str):
                assert c.alignment.wrap_text, c.coordinate
                lines = text_lines(c.value, ws.column_dimensions[c.column_letter].width)
                assert height >= lines * LINE_PT, (c.coordinate, height, lines)
            assert c.font.name == "Arial"
    assert ws.row_dimensions[2].height >= 3 * LINE_PT  # three lines of conditions
    assert ws.row_dimensions[3].height >= 3 * LINE_PT  # the long applicant name in 30 units
    ps = ws.page_setup
    assert ps.orientation == "landscape" and ps.fitToWidth == 1 and ps.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == "1:1" and ws.freeze_panes == "A2"
    assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text and ws.oddFooter.right.text.startswith("sivu")
    # identifiers and amounts get a column wide enough for one line
    assert text_lines("AV-2027-001", ws.column_dimensions["A"].width) == 1
    assert ws.column_dimensions["D"].width >= len("12 000 €") + 2


def test_money_format_groups_digits_with_spaces_on_any_machine(tmp_path):
    """Finnish grouping that does not come from the viewer's locale: literal spaces between digit
    placeholders, the Finnish locale tag, the euro sign after a space."""
    from openpyxl import load_workbook

    from avustus_cli.adapters.excel import MONEY2_FORMAT, MONEY_FORMAT, Sheet

    for fmt_code in (MONEY_FORMAT, MONEY2_FORMAT):
        positive = fmt_code.split(";")[0]
        assert positive.startswith("[$-40B]") and "###\\ ##0" in positive and '\\ "€"' in positive
        assert "," not in positive  # no locale-dependent grouping for the amounts that are paid and granted
    path = _write(tmp_path, [Sheet("T", ["Summa"], [[1234567]], money_columns=[0])])
    assert load_workbook(path)["T"]["A2"].number_format == MONEY_FORMAT


def test_public_sheet_has_a_title_block_above_its_header_and_labels_span(tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    from avustus_cli.adapters.excel import Sheet, title_block

    title = title_block("Liite 1. Avustusesitys", "Keski-Suomen hyvinvointialue", "Aluehallitus", dt.date(2027, 1, 20),
                        "Hyvaks/77/00.02.01/2026")
    assert title == ["Liite 1. Avustusesitys", "Keski-Suomen hyvinvointialue, Aluehallitus 20.1.2027",
                     "Diaarinumero Hyvaks/77/00.02.01/2026"]
    rows = [["1. Ryhmä, jonka nimi on pitkä ja kulkee koko leveydeltä", None, None, None],
            ["AV-1", "Yhdistys ry", "Jyväskylä", 100],
            ["Yhteensä: 1. Ryhmä", None, None, 100]]
    path = _write(tmp_path, [Sheet("Liite", ["Hakemus", "Hakija", "Kotikunta", "Esitys (€)"], rows, money_columns=[3],
                                   title=title, span_labels=True)])
    ws = load_workbook(path)["Liite"]
    assert [ws.cell(row=i, column=1).value for i in (1, 2, 3)] == title
    assert ws.cell(row=5, column=1).value == "Hakemus"  # a blank row, then the header
    assert ws.print_title_rows.replace("$", "") == "5:5" and ws.freeze_panes == "A6"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:D1", "A6:D6", "A8:C8"} <= merged  # title lines; the group's title; the subtotal's label
    assert "A7:B7" not in merged  # a data row is never merged
    # printed: later pages repeat the title block in the page header, the first shows the block itself
    assert ws.HeaderFooter.differentFirst
    assert "Keski-Suomen hyvinvointialue" in ws.oddHeader.right.text and "Hyvaks/77" in ws.oddHeader.right.text
    assert not ws.firstHeader.left.text and not ws.firstHeader.right.text
    assert ws.firstFooter.right.text == ws.oddFooter.right.text == "sivu &P / &N"


def test_sheet_read_back_has_its_header_on_row_one(tmp_path):
    """The officer's sheet (esitys.xlsx) is read back by header name from row 1: no title block."""
    from avustus_cli.adapters.excel import Sheet, read_rows

    path = _write(tmp_path, [Sheet("Esitys", ["Hakemus", "Esitys (€)"], [["AV-1", 100]], money_columns=[1])])
    header, rows = read_rows(path, "Esitys")
    assert header == ["Hakemus", "Esitys (€)"] and [r for _, r in rows] == [["AV-1", 100]]


def test_public_annex_sheet_is_scrubbed_like_the_word_annex(tmp_path, settings):
    """liite1.xlsx went out with "Maija Meikäläinen p. 0401234567" that the Word annex removed."""
    from openpyxl import load_workbook

    from avustus_cli.services.proposing._documents import write_annex_xlsx

    ctx = example_context("liite1")
    row = ctx["groups"][0]["rows"][0]
    row["purpose"] = "Vertaistukiryhmät, yhteyshenkilö Maija Meikäläinen p. 0401234567"
    row["conditions"] = "Tiedot: maija.meikalainen@example.fi, tili FI21 1234 5600 0007 85."
    path = write_annex_xlsx(tmp_path / "liite1.xlsx", ctx, settings)
    cells = [str(c) for ws in load_workbook(path).worksheets for r in ws.iter_rows(values_only=True) for c in r if c]
    text = "\n".join(cells)
    assert "0401234567" not in text and "maija.meikalainen@example.fi" not in text and "FI21 1234" not in text
    assert "Vertaistukiryhmät, yhteyshenkilö" in text  # the rest of the sentence stays
    word = render_docx("liite1", ctx, settings)
    assert b"0401234567" not in word
    # the business ID, which looks like a phone number to a pattern, is kept
    assert row["business_id"] in text
    assert settings.diary_number in text and settings.county in text  # the title block


def test_check_sheet_names_fields_in_finnish():
    from avustus_cli.services.checking import field_label

    assert field_label("legal_form") == "Oikeudellinen muoto"
    assert field_label("business_id") == "Y-tunnus"
    assert field_label(None) == ""


# --- docs/sample_pages.md ------------------------------------------------------------------


def test_sample_pages_page_shows_every_kind_of_document_and_its_images_exist():
    """docs/sample_pages.md (written by docs/make_sample_pages.py) references PNGs that are in the
    repository, at least one for each kind of document the script renders."""
    import re
    import runpy
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    script = runpy.run_path(str(docs / "make_sample_pages.py"))
    text = (docs / "sample_pages.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images
    for rel in images:
        path = docs / rel
        assert path.is_file() and path.stat().st_size > 1000, rel
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", rel
    shown = {Path(rel).stem.rsplit("-", 1)[0] for rel in images}
    assert shown == {stem for stem, _title, _pattern in script["DOCUMENTS"]}
    for _stem, title, _pattern in script["DOCUMENTS"]:
        assert f"## {title}" in text


def test_the_agreement_signatures_are_one_block(rendered):
    """The partnership agreement's signature table is never divided between pages: each of its rows
    keeps with the next and the sentence above keeps with the table."""
    body = rendered["sopimus"]["word/document.xml"].find("w:body", NS)
    table = next(t for t in body.findall("w:tbl", NS) if "nimenkirjoitusoikeutettu" in _text(t))
    rows = table.findall("w:tr", NS)
    for tr in rows[:-1]:
        for tc in tr.findall("w:tc", NS):
            assert tc.find("w:p/w:pPr/w:keepNext", NS) is not None, _text(tr)
    before = table.getprevious()
    assert before.tag == f"{{{W}}}p" and before.find("w:pPr/w:keepNext", NS) is not None


@pytest.mark.parametrize("name", [d for d in DOCUMENTS if d not in ("liite1", "avustusehdot", "paatosesitys")])
def test_the_contact_paragraph_keeps_its_lines_together(rendered, name):
    body = rendered[name]["word/document.xml"].find("w:body", NS)
    paras = body.findall("w:p", NS)
    heads = [i for i, p in enumerate(paras) if _text(p).strip() in ("Lisätiedot", "Yhteyshenkilö")]
    assert heads, name
    for i in heads:
        assert paras[i + 1].find("w:pPr/w:keepLines", NS) is not None, (name, _text(paras[i + 1]))

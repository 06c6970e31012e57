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

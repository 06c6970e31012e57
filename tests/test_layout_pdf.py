"""Every kind of document of the sample round, rendered to PDF with LibreOffice and read back.

The round and the conversion are the ones ``docs/make_sample_pages.py`` uses for the sample
pages (the round's commands run in the test's own process), made once for this module. Checked:
every Word and Excel document converts to a PDF (they open in LibreOffice); from the PDF text,
every page numbered "sivu X / Y", every page of a Word document and of a public sheet carries the
county and the diary number, no business ID or municipality broken inside the word. Checked from
the files of the same round: no Word table row may break across pages, header rows repeat, every
text cell of a sheet wraps in a row high enough for it. Skipped when LibreOffice is not installed
(and the PDF text checks when poppler is not).

``python3 run.py test`` distributes the tests by file (``--dist loadfile``), so one worker makes the
round and runs LibreOffice once.
"""

from __future__ import annotations

import functools
import re
import runpy
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from avustus_cli.domain.config import load_settings

from .conftest import SAMPLE, Cli

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = runpy.run_path(str(ROOT / "docs" / "make_sample_pages.py"))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SCRIPT["soffice"]() is None, reason="LibreOffice (soffice) is not installed: the pages cannot be rendered"),
]
reads_pdf_text = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                    reason="poppler (pdftotext) is not installed: the PDFs cannot be read")
PUBLIC_SHEETS = ("liite1_xlsx", "tilastot_xlsx")
LAST_LETTER = "paatoskirje_viimeinen"  # the round's last decision letter, converted with the others


def _avustus_in_process(out: Path, *args: Any) -> int:
    """One command of the sample round (``sample_round(run=...)``), run in this process."""
    r = Cli(out / "avustus.db", SAMPLE / "avustus.toml")(*args)
    if r.exit_code not in (0, 1):  # 1: findings, expected on the sample
        raise RuntimeError(f"avustus {' '.join(map(str, args))} exited {r.exit_code}: {r.output[-500:]}")
    return r.exit_code


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> tuple[dict[str, Path], dict[str, Path]]:
    """The sample round's files by document kind, and their PDFs from one LibreOffice run by the same
    names, plus the last decision letter's (``LAST_LETTER``)."""
    out = tmp_path_factory.mktemp("sample")
    files = SCRIPT["sample_round"](out / "round", run=_avustus_in_process)
    letters = sorted((out / "round" / "paatokset").glob("paatos_*.docx"))
    assert len(letters) > 1 and files["paatoskirje"] == letters[0]
    pdfs = SCRIPT["to_pdf"]({**files, LAST_LETTER: letters[-1]}, out / "pdf", out / "profile")
    return files, pdfs


@pytest.fixture(scope="module")
def round_files(converted):
    """One file of each kind of document and its PDF."""
    files, pdfs = converted
    return files, {stem: pdfs[stem] for stem in files}


def test_round_documents_open_in_libreoffice(converted):
    """Each kind of Word and Excel document of the sample round (the proposal, annex 1 as Word and Excel,
    the grant terms, the officer's sheets, the letters), the first and the last decision letter among them,
    converts to a PDF."""
    files, pdfs = converted
    assert {"paatosesitys", "liite1", "avustusehdot", "liite1_xlsx", "esitys_xlsx", "paatoskirje", "taydennyspyynto"} <= set(files)
    assert set(pdfs) == {*files, LAST_LETTER}
    assert {p.suffix for p in files.values()} == {".docx", ".xlsx"}
    for stem, pdf in pdfs.items():
        assert pdf.exists() and pdf.stat().st_size > 1000, f"{stem} did not convert"
        assert pdf.read_bytes().startswith(b"%PDF"), stem


@functools.cache  # the module's PDFs are made once and only read: each is read once each way
def pdf_pages(pdf: Path, layout: bool = False) -> tuple[str, ...]:
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")
    return tuple(pages[:-1] if pages and not pages[-1].strip() else pages)


def test_every_kind_of_document_was_rendered(round_files):
    files, pdfs = round_files
    assert set(files) == {stem for stem, _t, _p in SCRIPT["DOCUMENTS"]}
    assert all(p.stat().st_size > 1000 for p in pdfs.values())


@reads_pdf_text
def test_every_page_is_numbered_and_carries_county_and_diary_number(round_files):
    files, pdfs = round_files
    settings = load_settings(ROOT / "sample_data" / "avustus.toml")
    for stem, pdf in pdfs.items():
        pages = [" ".join(page.split()) for page in pdf_pages(pdf)]
        # a reminder about an earlier year's grant has no diary number of this round; what page 1 has, all have
        diary = settings.diary_number in pages[0]
        for i, flat in enumerate(pages, 1):
            assert f"sivu {i} / {len(pages)}" in flat, (stem, i)
            if files[stem].suffix == ".docx" or stem in PUBLIC_SHEETS:
                assert settings.county in flat, (stem, i)
                assert not diary or settings.diary_number in flat, (stem, i)
        if stem in ("paatosesitys", "liite1", "avustusehdot", "strategiajohtajan_paatos", "paatoskirje", *PUBLIC_SHEETS):
            assert diary, stem  # unbroken on one line


def _municipalities(files) -> set[str]:
    from openpyxl import load_workbook

    ws = load_workbook(files["liite1_xlsx"]).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Hakemus")
    col = list(rows[header_at]).index("Kotikunta")
    return {r[col] for r in rows[header_at + 1:] if r and isinstance(r[col], str) and r[col]}


@reads_pdf_text
def test_no_business_id_or_municipality_breaks_inside_the_word(round_files):
    """Today's fault: "1332736-/0" and "Äänekosk/i" in narrow table columns."""
    files, pdfs = round_files
    towns = _municipalities(files)
    assert {"Jyväskylä", "Äänekoski"} <= towns
    broken_id = re.compile(r"\b\d{7}-\s*\n\s*\d\b|\b\d{1,6}\s*\n\s*\d{1,6}-\d\b")
    # every town broken at every place, compiled once for all the documents
    splits = [(town, k, re.compile(rf"\b{re.escape(town[:k])}-?\s*\n\s*{re.escape(town[k:])}\b"))
              for town in sorted(towns) for k in range(2, len(town) - 1)]
    for stem, pdf in pdfs.items():
        raw = "\n".join(pdf_pages(pdf))
        for text in (raw, "\n".join(pdf_pages(pdf, layout=True))):
            m = broken_id.search(text)
            assert m is None, (stem, m and m.group(0))
            for line in text.splitlines():
                assert not re.search(r"\b\d{7}-$", line.rstrip()), (stem, line)
        for town, k, split in splits:
            assert not split.search(raw), (stem, town, k)


def _docx_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def _written(round_files, suffix: str) -> list[tuple[str, Path]]:
    """The round's files of one kind (".docx", ".xlsx") with their document names."""
    files, _ = round_files
    return [(stem, path) for stem, path in files.items() if path.suffix == suffix]


def test_word_table_rows_never_split_and_header_rows_repeat(round_files):
    checked = 0
    for stem, path in _written(round_files, ".docx"):
        doc = _docx_xml(path)
        for tr in doc.iter(f"{{{W}}}tr"):
            assert tr.find("w:trPr/w:cantSplit", NS) is not None, (stem, "".join(tr.itertext())[:60])
            checked += 1
        for tbl in doc.findall(".//w:body/w:tbl", NS):
            style = tbl.find("w:tblPr/w:tblStyle", NS)
            if style is not None and style.get(f"{{{W}}}val") == "TableGrid":
                assert tbl.find("w:tr/w:trPr/w:tblHeader", NS) is not None, stem
    assert checked > 50


def test_every_text_cell_of_a_sheet_wraps_in_a_row_high_enough(round_files):
    from openpyxl import load_workbook

    from avustus_cli.adapters.excel import LINE_PT, text_lines

    multi_line = 0
    for stem, path in _written(round_files, ".xlsx"):
        for ws in load_workbook(path).worksheets:
            merged = {c for r in ws.merged_cells.ranges for c in r.cells}
            for row in ws.iter_rows():
                for c in row:
                    if not isinstance(c.value, str) or c.data_type == "f" or (c.row, c.column) in merged:
                        continue
                    assert c.alignment.wrap_text, (stem, ws.title, c.coordinate)
                    lines = text_lines(c.value, ws.column_dimensions[c.column_letter].width)
                    if lines > 1:
                        multi_line += 1
                        assert ws.row_dimensions[c.row].height >= lines * LINE_PT, (stem, ws.title, c.coordinate)
    assert multi_line > 20

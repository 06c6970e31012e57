"""Extents an .xlsx file claims and holds, checked before a reader allocates for them.

The spreadsheet reader sizes its grid from the sheet's extents and its string table
from the shared-string counts; a tiny file with a cell at A1 and another at
XFD1048576, or a shared-string count of 4 294 967 295, makes it allocate gigabytes
or abort the process. This module reads the XML inside the zip itself (standard
library only, streamed) and refuses such a file with one line before the reader
sees it.
"""

from __future__ import annotations

import re
import zipfile
import zlib

from avustus_cli.domain import fmt
from avustus_cli.domain.errors import InputFileError

MAX_CELLS = 20_000_000  # rows x columns of one sheet's extent (a 100 000-row export of 60 columns is 6 000 000)
MAX_STRINGS = 20_000_000  # distinct shared strings
_HEAD = 64 * 1024  # bytes of a member read for its declared extent / counts
_CHUNK = 1 << 20

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]{1,3})?(\d{1,7})?(?::([A-Za-z]{1,3})(\d{1,7}))?\"")
# any attribute ending in r whose value is a cell reference (a literal start keeps the scan fast;
# counting a few too many only errs on the safe side)
_CELL_COL = re.compile(rb"r=\"([A-Z]{1,3})[0-9]{1,7}\"")
_CELL_ROW = re.compile(rb"r=\"[A-Z]{1,3}([0-9]{1,7})\"")
_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_COUNT = re.compile(rb"\b(count|uniqueCount)=\"(\d+)\"")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _too_big(rows: int, cols: int) -> bool:
    return rows * cols > MAX_CELLS


def _refuse(display: str, what: str) -> InputFileError:
    limit = fmt.number(MAX_CELLS, space=" ")
    return InputFileError(
        f"{what}; tiedostoa ei lueta. Kopioi tiedot uuteen työkirjaan tai tallenna vienti uudelleen "
        f"(enintään {limit} solua taulukkoa kohden).",
        file=display,
    )


def refuse_cells(display: str, sheet: str, rows: int, columns: int) -> InputFileError:
    """The refusal of a sheet whose cells reach beyond MAX_CELLS (read while streaming)."""
    return _refuse(display, f"taulukossa {sheet} on soluja alueella A1:{_letters(columns)}{rows}")


def check_extents(z: zipfile.ZipFile, display: str, full: bool = True) -> set[str]:
    """Refuse a workbook whose sheets claim or hold more cells than MAX_CELLS, or whose
    shared-string table claims more strings than it can hold. Returns the worksheet members
    that hold a formula (read in the same pass, so that nobody reads the sheets again for them).

    Without ``full`` only the declared extents and string counts are read (a reader that
    allocates nothing from the extents, streaming the rows, needs no more)."""
    formulas: set[str] = set()
    try:
        for info in z.infolist():
            name = info.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                if _check_sheet(z, info, display, full):
                    formulas.add(name)
            elif name == "xl/sharedStrings.xml":
                _check_strings(z, info, display)
    except (zlib.error, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError):
        raise InputFileError("tiedosto on vioittunut tai katkennut (zip-rakenne ei ole ehjä).", file=display) from None
    return formulas


# A cell reference of two or more letters, or of one letter and six or more digits. A part of a sheet
# without one holds at most 26 columns and 99 999 rows (2.6 million cells): no need to read its
# references one by one. (One search in C instead of reading every reference of an ordinary export.)
_WIDE_OR_LONG = re.compile(rb'r="(?:[A-Z]{2}|[A-Z][0-9]{6})')
# <f>, or <x:f> in a sheet whose elements carry a prefix (a hint: the sheet is parsed to be sure)
_FORMULA = (re.compile(rb"<f[ >/]"), re.compile(rb"<[A-Za-z_][\w.-]*:f[ >/]"))
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:worksheet\b")
_NARROW = (26, 99_999)


def _check_sheet(z: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, full: bool = True) -> bool:
    """Whether the sheet holds a formula; refused when it claims or holds too many cells."""
    sheet = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
    found = _Extent()
    formula = False
    tail = b""
    with z.open(info) as f:
        first = True
        while True:
            chunk = f.read(_CHUNK if not first else _HEAD)
            if not chunk:
                break
            data = tail + chunk
            if first:
                m = _DIMENSION.search(data)
                if m and m.group(3):
                    rows, cols = int(m.group(4)), column_number(m.group(3).decode())
                    if _too_big(rows, cols):
                        raise _refuse(display, f"taulukko {sheet} ilmoittaa alueekseen A1:{m.group(3).decode()}{rows}, "
                                               f"{rows} riviä ja {cols} saraketta")
                first = False
                if not full:
                    return False
                formula_tag = _FORMULA[1] if _PREFIXED.search(data) else _FORMULA[0]
            formula = formula or bool(formula_tag.search(data))
            if _WIDE_OR_LONG.search(data):
                found.read(data)
            else:
                found.narrow = True
            if _too_big(*found.bound()):
                break  # read every reference from the start: the bound may be loose
            tail = data[-64:]  # a reference cut between two chunks is read whole next time
    if _too_big(*found.bound()):
        return _exact_extent(z, info, display, sheet)
    return formula


class _Extent:
    """The largest column and row read so far; parts read without their references count as narrow."""

    def __init__(self) -> None:
        self.max_row = self.max_col = 0
        self.narrow = False

    def read(self, data: bytes) -> None:
        # the regular expressions run in C; Python sees only the distinct column letters
        letters = set(_CELL_COL.findall(data))
        if letters:
            self.max_col = max(self.max_col, max(column_number(c.decode()) for c in letters))
        row_numbers = _CELL_ROW.findall(data)
        if row_numbers:
            self.max_row = max(self.max_row, max(map(int, row_numbers)))

    def bound(self) -> tuple[int, int]:
        if self.narrow:
            return max(self.max_row, _NARROW[1]), max(self.max_col, _NARROW[0])
        return self.max_row, self.max_col


def _exact_extent(z: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, sheet: str) -> bool:
    """Every reference of the sheet read: refused when the cells reach beyond MAX_CELLS; else whether
    the sheet holds a formula."""
    found = _Extent()
    formula = False
    tail = b""
    with z.open(info) as f:
        while chunk := f.read(_CHUNK):
            data = tail + chunk
            found.read(data)
            formula = formula or any(p.search(data) for p in _FORMULA)  # (rare: no need to be quick)
            if _too_big(found.max_row, found.max_col):
                raise _refuse(display, f"taulukossa {sheet} on soluja alueella A1:{_letters(found.max_col)}{found.max_row}")
            tail = data[-64:]
    return formula


def _check_strings(z: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> None:
    with z.open(info) as f:
        head = f.read(4096)
    m = _SST.search(head)
    if not m:
        return
    counts = {k.decode(): int(v) for k, v in _COUNT.findall(m.group(0))}
    unique = counts.get("uniqueCount", 0)
    # every string takes at least <si><t/></si> (12 bytes): a count the member cannot hold is a lie
    if unique > MAX_STRINGS or unique > info.file_size // 12 + 1 or counts.get("count", 0) > 50 * MAX_CELLS:
        raise InputFileError(
            f"tiedoston merkkijonotaulukko ilmoittaa {unique} merkkijonoa, mutta sen koko on {info.file_size} tavua "
            "(vioittunut tai muokattu tiedosto); tiedostoa ei lueta. Tallenna vienti uudelleen.",
            file=display,
        )

"""Spreadsheet I/O: the only module that touches python-calamine and openpyxl.

Reading: any .xlsx/.xlsm/.xls/.ods export, header row found under title and
group-label rows, the sheet that holds the data found among several.
Writing: worksheets for the officer, with applicant text neutralised against
formula injection and written atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.files import atomic_save
from avustus_cli.adapters.sheet_limits import check_extents
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.fields import FieldSpec
from avustus_cli.domain.headers import HeaderMatcher, RowMatch, column_letter

SUPPORTED = (".xlsx", ".xlsm", ".xls", ".ods")
HEADER_SCAN_ROWS = 30
MAX_UNCOMPRESSED = 2 * 1024**3  # a zip that unpacks to more than this is refused (zip bomb)
MAX_RATIO = 200  # ... or that compresses better than this (zip bomb)
MAX_SIZE = 512 * 1024**2

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


@dataclass
class Table:
    """Rows of one sheet under its header row, with the header mapped to fields."""

    file: str
    sheet: str
    header_row: int  # 1-based row number of the header
    headers: list[str]  # as written
    mapping: dict[int, str]  # column index -> field name
    unknown: dict[int, str]  # column index -> header (kept as extra)
    rows: Iterator[tuple[int, list[Any]]]  # (1-based row number, cells); the same rows as ``batches``: use one
    # (1-based row number of the first, cells of each row) of the rows below the header, in lists of at most n
    batches: Callable[[int], Iterator[tuple[int, list[list[Any]]]]]
    total_rows: int  # rows below the header (an upper bound for progress)
    match: RowMatch = field(default_factory=RowMatch)  # how each header was read (ambiguous ones, duplicates)
    # (1-based row, 0-based column) of the cells holding a formula: the reader gives their stored value
    formulas: set[tuple[int, int]] = field(default_factory=set)

    def column_name(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return f"{column_letter(index)} ({header})" if header else column_letter(index)


def _sniff(path: Path, display: str, full: bool = True) -> set[str] | None:
    """Refuse a file that is not a spreadsheet this program can read safely, with one line. For an
    .xlsx, the worksheet members that hold a formula (None for other formats). Without ``full`` a
    sheet's cells are not counted, only its declared extent (for the streaming reader)."""
    if not path.exists():
        raise InputFileError("tiedostoa ei löydy.", file=display)
    if path.is_dir():
        raise InputFileError("on kansio, ei taulukkotiedosto.", file=display)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputFileError(
            f"tiedostomuoto {suffix or '(ei päätettä)'} ei ole tuettu: tallenna Excelistä muodossa .xlsx "
            "(myös .xlsm, .xls ja .ods käyvät).",
            file=display,
        )
    size = path.stat().st_size
    if size == 0:
        raise InputFileError("tiedosto on tyhjä (0 tavua).", file=display)
    if size > MAX_SIZE:
        raise InputFileError(f"tiedosto on liian suuri ({size // 1024**2} Mt, enintään {MAX_SIZE // 1024**2} Mt).", file=display)
    with path.open("rb") as f:
        head = f.read(8)
    if suffix in (".xlsx", ".xlsm", ".ods"):
        if head.startswith(_OLE):
            raise InputFileError(
                "tiedosto on salasanasuojattu tai salattu: poista suojaus Excelissä ja tallenna uudelleen.", file=display
            )
        if not head.startswith(_ZIP):
            raise InputFileError(
                f"tiedosto ei ole {suffix}-taulukko (sisältö ei ole Excel-muotoa): tallenna se Excelistä uudelleen.",
                file=display,
            )
        try:
            with zipfile.ZipFile(path) as z:
                infos = z.infolist()
                total = sum(i.file_size for i in infos)
                packed = sum(i.compress_size for i in infos) or 1
                if total > MAX_UNCOMPRESSED or (total > 50 * 1024**2 and total / packed > MAX_RATIO):
                    raise InputFileError(
                        "tiedosto purkautuu epäilyttävän suureksi (mahdollinen zip-pommi); sitä ei lueta.", file=display
                    )
                if suffix in (".xlsx", ".xlsm"):
                    check_encoding(z, display)
                    # before the reader sizes its grid and string table from them
                    return check_extents(z, display, full)
        except zipfile.BadZipFile:
            raise InputFileError("tiedosto on vioittunut tai katkennut (zip-rakenne ei ole ehjä).", file=display) from None
    elif suffix == ".xls" and not head.startswith(_OLE):
        raise InputFileError("tiedosto ei ole Excel 97–2003 -taulukko (.xls): tallenna se Excelistä uudelleen.", file=display)
    return None


_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def xml_encoding(head: bytes) -> str | None:
    """The character set an XML part declares or marks with a byte-order mark; None when UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return "UTF-16"
    m = _XML_ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if m and m.group(1).decode("ascii").upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        return m.group(1).decode("ascii")
    return None


def check_encoding(z: zipfile.ZipFile, display: str) -> None:
    """The reader knows only UTF-8 XML (as Excel writes it): a part in another character set
    is refused with one line naming it, not with the reader's bare 'XmlError'."""
    for name in z.namelist():
        if name.startswith("xl/") and name.endswith(".xml"):
            with z.open(name) as f:
                enc = xml_encoding(f.read(200))
            if enc:
                raise InputFileError(
                    f"tiedoston osa {name} on merkistössä {enc}; ohjelma lukee vain UTF-8-merkistöä, "
                    "jolla Excel tallentaa: avaa tiedosto Excelissä ja tallenna se uudelleen .xlsx-muodossa.",
                    file=display,
                )


def open_workbook(path: Path, display: str | None = None):
    display = display or path.name
    _sniff(path, display)
    return _calamine(path, display)


def _calamine(path: Path, display: str):
    import python_calamine as pc

    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise InputFileError("tiedosto on salasanasuojattu: poista suojaus ja tallenna uudelleen.", file=display) from None
    except Exception as e:  # calamine raises several error types for broken files
        raise InputFileError(
            f"tiedostoa ei voi lukea taulukkona ({type(e).__name__}): se on vioittunut tai väärää muotoa.", file=display
        ) from None


def _score(row: list[Any], matcher: HeaderMatcher) -> tuple[int, RowMatch]:
    found = matcher.match_row(row)
    return len(found.mapping), found


# an .xlsx larger than this is read in bounded memory whatever its shared-string table: in parts (_Book), or row
# by row through expat when its sheet cannot be cut
STREAM_ABOVE = 32 * 1024**2


class _CalamineSheet:
    """A sheet as python-calamine reads it: its rows come from row 1 but its columns from the first
    column holding a value; the columns left of it are given as empty, so that a column's index is
    its letter (A = 0) and messages name the right column."""

    def __init__(self, ws: Any):
        self.ws = ws
        self.offset = 0
        self.left = ws.start[1] if ws.start else 0
        self.height = (ws.start[0] if ws.start else 0) + (ws.height or 0)

    def iter_rows(self) -> Iterator[list[Any]]:
        rows = self.ws.iter_rows()  # lists, one per row, made as they are asked for
        return rows if not self.left else ([""] * self.left + r for r in rows)


class _PartedSheet:
    """A large sheet read part by part (``xlsx_stream.Parts``), each part by python-calamine: the rows
    the whole-sheet reader gives (from row 1 and column A, the empty rows between rows with values, each
    row at least as wide as the table's first rows), in bounded memory.

    The parts are cut and read on a thread of their own, at most two ahead of the rows given: calamine
    parses a part without holding the interpreter's lock, so the next part is parsed while the caller
    works on the rows of this one. A failure there is raised here, where the rows are asked for."""

    AHEAD = 2  # parts read and waiting

    def __init__(self, parts: Any, height: int):
        self.parts = parts
        self.offset = 0
        self.height = height
        self.formulas = parts.formulas

    def _read(self, put: Callable[[Any], bool], done: Any) -> None:
        """Each part as (first row and column, width, its rows, whether it holds marked strings), then None;
        a failure as itself. Stops when ``done`` is set: the rows are no longer wanted."""
        import io

        import python_calamine as pc

        try:
            for data, marked in self.parts:
                if done.is_set():
                    return
                ws = pc.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(self.parts.name)
                if not ws.start or not ws.height:
                    continue
                # from the part's first row and column with a value
                if not put((ws.start, ws.width, ws.to_python(skip_empty_area=True), marked)):
                    return
            put(None)
        except BaseException as e:  # (given to the reader of the rows, which raises it)
            put(e)

    def iter_rows(self) -> Iterator[list[Any]]:
        import queue
        import threading

        from avustus_cli.adapters.xlsx_stream import MAX_CELLS, TooManyCells

        parts: queue.Queue[Any] = queue.Queue(self.AHEAD)
        done = threading.Event()

        def put(item: Any) -> bool:
            while not done.is_set():
                try:
                    parts.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    pass
            return False

        reader = threading.Thread(target=self._read, args=(put, done), name="avustus-sheet-parts", daemon=True)
        reader.start()
        try:
            width = 0
            next_row = 0  # 0-based: the row after the last one given
            while (part := parts.get()) is not None:
                if isinstance(part, BaseException):
                    raise part
                (top, left), part_width, rows, marked = part
                width = width or left + part_width
                if (top + len(rows)) * max(width, left + part_width) > MAX_CELLS:
                    raise TooManyCells(top + len(rows), max(width, left + part_width))
                for _ in range(top - next_row):
                    yield [""] * width
                next_row = top + len(rows)
                strings = self.parts.strings if marked else None
                pad = [""] * left
                for row in rows:
                    if strings is not None:
                        row = list(map(strings.get, row, row))
                    if left:
                        row = pad + row
                    if len(row) < width:
                        row += [""] * (width - len(row))
                    yield row
        finally:
            done.set()  # the reader stops before its next part
            with contextlib.suppress(queue.Empty):
                while True:  # (a part it is handing over is taken at once)
                    parts.get_nowait()
            reader.join()


PARTS = True  # an .xlsx sheet is read in parts (below) whenever it can be; tests turn it off to compare
SMALL_STRINGS = 1024**2  # a shared-string table (its XML) small enough to go with every part of a sheet


class _Book:
    """A workbook's sheets as the reader gives them. An .xlsx sheet is read in parts on a thread of its
    own (``_PartedSheet``) when the file is large (bounded memory) or when its shared-string table is small
    enough to go with every part (or it has none); otherwise calamine reads the whole sheet, after every
    cell of it has been measured. A large sheet that cannot be cut is read row by row through expat."""

    def __init__(self, path: Path, display: str):
        self.path = path
        self.display = display
        xlsx = path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file()
        self.large = xlsx and path.stat().st_size > STREAM_ABOVE
        self.parted = xlsx and (self.large or (PARTS and _strings_size(path) <= SMALL_STRINGS))
        self._whole: Any = None
        if self.parted:
            from avustus_cli.adapters import xlsx_stream

            # the declared extents only: each part's cells are measured as it is read, so a refusal at row 2
            # comes at once
            self.formula_members = _sniff(path, display, full=False)
            try:
                self.wb: Any = xlsx_stream.Workbook(path)
            except (xlsx_stream.StreamError, zipfile.BadZipFile, ValueError, xlsx_stream.expat.ExpatError) as e:
                raise InputFileError(
                    f"tiedostoa ei voi lukea taulukkona ({type(e).__name__}): se on vioittunut tai väärää muotoa.",
                    file=display,
                ) from None
        else:
            self.formula_members = _sniff(path, display)
            self.wb = _calamine(path, display)
        self.sheet_names = list(self.wb.sheet_names)

    def sheet(self, name: str) -> Any:
        """The sheet, parsed once however often asked for (calamine parses a whole sheet when opened:
        the header search and the rows share it; the readers in parts read it again from the start)."""
        sheets = self.__dict__.setdefault("_sheets", {})
        if name not in sheets:
            sheets[name] = self._parted(name) if self.parted else _CalamineSheet(self.wb.get_sheet_by_name(name))
        return sheets[name]

    def _parted(self, name: str) -> Any:
        """A sheet read part by part through python-calamine when it can be cut; else a large one through
        expat, a smaller one whole through calamine (every cell measured first, as for other files)."""
        from avustus_cli.adapters import xlsx_stream

        sheet = self.wb.sheet(name)
        parts = xlsx_stream.Parts(self.wb, sheet.member, name, mark=self.large)
        if parts.usable:
            return _PartedSheet(parts, sheet.height or parts.rows_estimate)
        if self.large:
            return sheet
        if self._whole is None:
            self.formula_members = _sniff(self.path, self.display)
            self._whole = _calamine(self.path, self.display)
        return _CalamineSheet(self._whole.get_sheet_by_name(name))

    def formulas(self, path: Path, name: str) -> set[tuple[int, int]]:
        """The formula cells of a sheet: the readers in parts and row by row collect them as they read."""
        ws = self.sheet(name)
        if isinstance(ws, _CalamineSheet):
            return formula_cells(path, name, members=self.formula_members)
        formulas: set[tuple[int, int]] = ws.formulas
        return formulas


def _strings_size(path: Path) -> int:
    """The size of an .xlsx file's shared-string table (its XML), 0 without one."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.NameToInfo.get("xl/sharedStrings.xml")
            return info.file_size if info is not None else 0
    except (zipfile.BadZipFile, OSError):
        return 0  # (the checks before reading name the fault)


def _header_row(book: _Book, names: list[str], matcher: HeaderMatcher, required: str,
                refused: list[tuple[str, Exception]] | None = None) -> tuple[int, str, int, RowMatch, list[Any]] | None:
    """(score, sheet, 0-based row, match, cells) of the row among the first rows of ``names`` that reads
    best as a header: the one naming the required field, then the one naming most fields. A sheet whose
    first rows reach beyond the cell limit is judged by the rows before; (sheet, the refusal) into ``refused``."""
    best: tuple[int, str, int, RowMatch, list[Any]] | None = None
    for name in names:
        try:
            ws = book.sheet(name)
            for i, row in zip(range(HEADER_SCAN_ROWS), _below_the_limit(ws.iter_rows(), name, refused), strict=False):
                score, row_match = _score(row, matcher)
                has_required = required in row_match.mapping.values()
                key = (has_required, score)
                if score >= 2 and (best is None or key > (required in best[3].mapping.values(), best[0])):
                    best = (score, name, i + ws.offset, row_match, list(row))
        except InputFileError:
            raise
        except Exception as e:
            raise InputFileError(f"taulukkoa ei voi lukea ({type(e).__name__}).", file=book.display, sheet=name) from None
    return best


def _below_the_limit(rows: Iterator[list[Any]], name: str,
                     refused: list[tuple[str, Exception]] | None = None) -> Iterator[list[Any]]:
    """The rows until one reaches beyond the cell limit (then refused where the rows are read, after the
    header and the rows before it have been judged; or, when no header is found, instead of its absence)."""
    try:
        yield from rows
    except Exception as e:
        if type(e).__name__ != "TooManyCells":
            raise
        if refused is not None:
            refused.append((name, e))


def _rows_below(ws: Any, header_index: int, display: str, name: str) -> Iterator[tuple[int, list[Any]]]:
    """(1-based row number, cells) of the rows below the header, a reading error named in Finnish (the rows
    of ``_batches_below`` one by one)."""
    from itertools import count

    for first, batch in _batches_below(ws, header_index, display, name, 1000):
        yield from zip(count(first), batch)


def _reading_failed(e: Exception, display: str, name: str) -> InputFileError:
    """A failure while the sheet's rows are read, as one Finnish message (a sheet over the cell limit named so)."""
    from avustus_cli.adapters.sheet_limits import refuse_cells

    if type(e).__name__ == "TooManyCells":
        return refuse_cells(display, name, e.args[0], e.args[1])
    return InputFileError(f"taulukon lukeminen keskeytyi ({type(e).__name__}).", file=display, sheet=name)


def _batches_below(ws: Any, header_index: int, display: str, name: str, n: int) -> Iterator[tuple[int, list[list[Any]]]]:
    """(1-based row number of the first, cells of each row) of the rows below the header, ``n`` rows at a
    time (read in C: no Python step per row), a reading error named in Finnish. When reading fails, the rows
    read before it are given first."""
    from itertools import islice

    rownum = ws.offset + 1
    try:
        rows = ws.iter_rows()
        skip = header_index + 1 - ws.offset  # the rows down to the header's
        if skip > 0:
            for _ in islice(rows, skip):
                rownum += 1
        while True:
            batch: list[list[Any]] = []
            try:
                batch.extend(islice(rows, n))
            except Exception:
                if batch:  # the rows read before the failure are judged first (a bad row 2 named as such)
                    yield rownum, batch
                raise
            if not batch:
                break
            yield rownum, batch
            rownum += len(batch)
    except InputFileError:
        raise
    except Exception as e:
        raise _reading_failed(e, display, name) from None


def read_table(
    path: Path,
    specs: tuple[FieldSpec, ...],
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    display: str | None = None,
    required: str = "id",
    refuse_missing: bool = True,
) -> Table:
    """Find the sheet and header row holding ``specs`` fields; stream the rows below it. Without
    ``refuse_missing`` a header row lacking ``required`` is returned for the caller to report."""
    display = display or path.name
    book = _Book(path, display)
    matcher = HeaderMatcher(specs, mapping)
    names = book.sheet_names
    if not names:
        raise InputFileError("työkirjassa ei ole yhtään taulukkoa.", file=display)
    if sheet is not None and sheet not in names:
        raise InputFileError(f"taulukkoa '{sheet}' ei ole. Taulukot: {', '.join(names)}.", file=display)
    refused: list[tuple[str, Exception]] = []
    best = _header_row(book, [sheet] if sheet else names, matcher, required, refused)
    if best is None or (refuse_missing and required not in best[3].mapping.values()):
        if refused:  # the header may lie beyond the cells that were refused: the refusal is the answer
            raise _reading_failed(refused[0][1], display, refused[0][0])
        label = next(s.label for s in specs if s.name == required)
        where = f"taulukosta '{sheet}'" if sheet else "yhdestäkään taulukosta"
        raise InputFileError(
            f"{where} ei löydy sarakeotsikkoa '{label}' (hakemuksen yksilöivä tunnus). Lisää otsikko tiedostoon "
            f"tai kerro asetusten [columns]-osiossa, mikä sarake on '{required}'.",
            file=display,
        )
    _, name, header_index, match, header = best
    found = match.mapping
    ws = book.sheet(name)
    offset = ws.offset
    headers = [("" if c is None else str(c)).strip() for c in header]
    unknown = {i: h for i, h in enumerate(headers) if h and i not in found}
    return Table(
        file=display,
        sheet=name,
        header_row=header_index + 1,
        headers=headers,
        mapping=found,
        unknown=unknown,
        rows=_rows_below(ws, header_index, display, name),
        batches=lambda n: _batches_below(ws, header_index, display, name, n),
        total_rows=max(0, ws.height - (header_index - offset) - 1),
        match=match,
        formulas=book.formulas(path, name),
    )


# --- writing -------------------------------------------------------------

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet could take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def unneutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:2] in DANGEROUS_START and value[1:2]:
        return value[1:]
    return value


@dataclass(frozen=True)
class Formula:
    """A formula the tool itself writes (never applicant text), e.g. '=SUM(F2:F40)'."""

    text: str


@dataclass
class Sheet:
    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    money_columns: Sequence[int] = ()  # 0-based indexes formatted as euros
    widths: dict[int, int] = field(default_factory=dict)
    editable_columns: Sequence[int] = ()  # highlighted for the officer
    footer: Sequence[Sequence[Any]] = ()  # rows after the data (totals)
    money2_columns: Sequence[int] = ()  # 0-based indexes formatted as euros and cents (sums to be paid)
    # A public sheet's title block, above the header row: the document's name, then county, body,
    # date and diary number. Sheets the tool reads back (esitys.xlsx) have none: their header is row 1.
    title: Sequence[str] = ()
    # A label in the first cell of a row with empty cells after it (a group's title, "Yhteensä: ...")
    # spans those cells instead of wrapping in the first column. Off for sheets the tool reads back.
    span_labels: bool = False
    percent_columns: Sequence[int] = ()  # 0-based indexes of shares (0.54) shown as percentages (54,0 %)


# Euros with Finnish digit grouping (7 200 €) on any machine. '#,##0 "€"' would group with the
# viewer's own separator (7,200 € in an English Excel or LibreOffice). Here the groups are literal
# spaces between digit placeholders, which every spreadsheet program shows as they are, and the
# [$-40B] tag (Finnish) gives LibreOffice the Finnish decimal comma whatever its own locale; Excel
# takes the decimal separator from the system (a Finnish one in the county). Leading empty groups
# only pad the right-aligned cell; "_-" leaves a minus sign's width after the euro sign, so that
# an amount does not touch the text of the next column. A negative amount falls back to locale grouping (a lone space
# would follow the minus sign). Tested under LibreOffice in the fi_FI and en_US locales.
MONEY_FORMAT = '[$-40B]###\\ ###\\ ###\\ ##0\\ "€"_-;[$-40B]\\-#,##0\\ "€"_-'
MONEY2_FORMAT = '[$-40B]###\\ ###\\ ###\\ ##0.00\\ "€"_-;[$-40B]\\-#,##0.00\\ "€"_-'
PERCENT_FORMAT = "[$-40B]0.0\\ %"  # the Finnish decimal comma in LibreOffice whatever its locale, as above
DATE_FORMAT = "d.m.yyyy"
FONT_NAME = "Arial"  # the documents' font; every style names it (no theme or default fallback)
FONT_SIZE = 10
LINE_PT = 12.75  # one line of 10 pt Arial
BOLD_WIDTH = 0.9  # bold text takes about a tenth more room


def title_block(document: str, county: str, body: str, day: dt.date | None, diary_number: str) -> list[str]:
    """The title block of a published sheet: the document, then county, body and date, then the diary number."""
    from avustus_cli.domain import fmt

    when = f" {fmt.date(day)}" if day else ""
    lines = [document, f"{county}, {body}{when}"]
    if diary_number:
        lines.append(f"Diaarinumero {diary_number}")
    return lines


def _cell_value(v: Any) -> Any:
    if isinstance(v, Formula):
        return v.text
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, (list, tuple)):
        v = "; ".join(str(x) for x in v)
    if isinstance(v, str):
        return neutralise(_CONTROL_CHARS.sub("", v))
    return v


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


_NARROW = frozenset("iIlj.,:;'!|()[]-/ tfr")
_WIDE = frozenset("mwMW@%")


def _text_width(text: str) -> float:
    """``text``'s width in digit widths (Excel's unit of column width) in Arial: a lowercase
    letter a little less than a digit, a capital more, i, l, punctuation and space about half."""
    w = 0.0
    for ch in text:
        if ch in _NARROW:
            w += 0.5
        elif ch in _WIDE:
            w += 1.5
        elif ch.isupper():
            w += 1.2
        else:
            w += 1.0
    return w


_word_width = functools.lru_cache(maxsize=65536)(_text_width)  # a big sheet's texts share most of their words


@functools.lru_cache(maxsize=8192)  # a big sheet repeats many cells (labels, codes, reasons)
def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` wide (Excel's width units): the
    words are laid out as a spreadsheet does, a word longer than a line taking as many lines as it needs.
    The estimate errs on the high side: a row a line too high rather than text running over the next row."""
    room = max(1.0, width - 1.0)  # less the cell's margins
    space = _text_width(" ")
    lines = 0
    for part in str(text).split("\n"):
        used, n = 0.0, 1
        for word in part.split():
            w = _word_width(word)
            if used and used + space + w > room:
                n, used = n + 1, 0.0
            if w > room:  # broken inside the word
                extra = int((used + w) // room)
                n += extra
                used = used + w - extra * room
            else:
                used += (space if used else 0.0) + w
        lines += n
    return lines


def _shown_length(v: Any) -> int:
    """About how many characters a value shows (a number with its grouping spaces and " €")."""
    if v is None or isinstance(v, Formula):
        return 0
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        digits = len(str(round(abs(float(v)))))
        return digits + (digits - 1) // 3 + 5
    if isinstance(v, (dt.date, dt.datetime)):
        return 10
    return max((len(line) for line in str(v).split("\n")), default=0)


def _auto_width(header: Any, values: Sequence[Any]) -> int:
    """A column's width when the sheet gives none: its longest value on one line (identifiers and
    amounts never wrap), the header in at most two lines, between 10 and 40."""
    words = str(header).split() or [""]
    need_header = max(max(len(w) for w in words), (len(str(header)) + 1) // 2)
    need_values = max((_shown_length(v) for v in values), default=0)
    return max(10, min(40, max(need_header, need_values) + 2))


def _label_span(row: Sequence[Any], ncols: int) -> int:
    """How many columns a text label in the row's first cell may span: itself and the empty cells after it."""
    if not row or not isinstance(row[0], str) or isinstance(row[0], Formula):
        return 1
    n = 1
    while n < ncols and (n >= len(row) or row[n] in (None, "")):
        n += 1
    return n


def write_workbook(path: Path, sheets: Sequence[Sheet], *, private: bool = False, stable: bool = False) -> Path:
    """Write ``sheets`` to ``path`` atomically (owner-only when ``private``); strings never become formulas.

    Every sheet prints as the officer expects: A4 landscape, the columns on one page width, the
    header row on every page, "sivu X / Y" at the foot. Text wraps in its column and every row is
    as high as its longest cell, so no text runs over another cell.

    ``stable``: the same sheets give the same bytes (openpyxl's file with fixed property dates and
    member times). Such a workbook's data rows are written straight as
    the worksheet XML that openpyxl writes for them (see :func:`_fast_rows`; openpyxl still writes the
    rest of the package), several times faster for a big sheet; a value of a kind that writer does not
    cover sends the whole workbook through openpyxl."""
    if stable and FAST_XLSX:
        try:
            wb, fast = _build(sheets, fast=True)
        except _NotCovered:
            pass
        else:
            members = _spliced_members(wb, fast)
            return atomic_save(path, lambda tmp: _write_stable_zip(tmp, members), private=private)
    wb, _ = _build(sheets, fast=False)
    if not stable:
        return atomic_save(path, wb.save, private=private)
    members = stable_members(_saved(wb))
    return atomic_save(path, lambda tmp: _write_stable_zip(tmp, members), private=private)


FAST_XLSX = True  # False: every stable workbook written by openpyxl alone (tests compare the two)


class _NotCovered(Exception):
    """A value the direct worksheet writer does not write (openpyxl writes the workbook)."""


@dataclass
class _FastSheet:
    """A worksheet's data rows as XML (``rows``), for the package openpyxl writes without them; ``extent``:
    the first and last row and the last column of the cells openpyxl would hold for them (the sheet's
    dimension; their first column is A), None when they hold no cell."""

    ws: Any
    rows: list[str]
    extent: tuple[int, int, int] | None


def _build(sheets: Sequence[Sheet], *, fast: bool) -> tuple[Any, list[_FastSheet]]:
    """The openpyxl workbook of ``sheets``; with ``fast``, its worksheets hold the title and header rows
    only and the data rows are returned as XML (in the order openpyxl would write and style them)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    normal = wb._named_styles["Normal"]  # the default style: named font, not the theme's
    normal.font = Font(name=FONT_NAME, size=FONT_SIZE)
    plain = Font(name=FONT_NAME, size=FONT_SIZE)
    bold = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
    big = Font(name=FONT_NAME, size=FONT_SIZE + 2, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", fgColor="FFF2CC")
    fast_sheets: list[_FastSheet] = []
    for sh in sheets:
        ws = wb.create_sheet(title=sh.name[:31])
        ncols = max(1, len(sh.headers))
        measured = [row for row in [*sh.rows, *sh.footer] if not (sh.span_labels and _label_span(row, ncols) > 1)]
        widths = [sh.widths.get(i) or _auto_width(h, [row[i] if i < len(row) else None for row in measured])
                  for i, h in enumerate(sh.headers)]
        for i, w in enumerate(widths):
            ws.column_dimensions[get_column_letter(i + 1)].width = w
        page_width = sum(widths) or 10
        for i, line in enumerate(sh.title):
            ws.append([_cell_value(line)])
            r = ws.max_row
            cell = ws.cell(row=r, column=1)
            cell.font, cell.alignment = (big if i == 0 else plain), wrap
            if ncols > 1:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
            ws.row_dimensions[r].height = text_lines(str(line), page_width * BOLD_WIDTH) * LINE_PT * (1.2 if i == 0 else 1) + 2
        if sh.title:
            ws.append([None])
        ws.append([_cell_value(h) for h in sh.headers])
        header_row = ws.max_row
        for c in ws[header_row]:
            c.font, c.alignment = bold, wrap
        if sh.headers:
            header_lines = max(text_lines(str(h), w * BOLD_WIDTH) for h, w in zip(sh.headers, widths, strict=True))
            ws.row_dimensions[header_row].height = header_lines * LINE_PT + 2
        footer_ids = {id(row) for row in sh.footer}
        styles: dict[tuple[int, bool, bool, bool], Any] = {}  # a cell's style by what decides it (below)
        r = header_row  # the row just appended (``ws.max_row`` scans every cell: quadratic over a big sheet)
        # the rows' cells are made here as ``ws.append`` makes them, each with its style given at once
        # (appending and then looking every cell up again to style it was a third of a big sheet's time)
        cells = ws._cells
        # fast: each data row's cells as (column, value, style, is text), written as XML below
        rows: list[tuple[int, float, list[tuple[int, Any, Any, bool]]]] = []
        for row in [*sh.rows, *sh.footer]:
            r += 1
            lines = 1
            in_footer = id(row) in footer_ids
            span = _label_span(row, ncols) if sh.span_labels else 1
            made: list[tuple[int, Any, Any, bool]] = []
            for i, v in enumerate(row):
                text = isinstance(v, str) and not isinstance(v, Formula)
                # a cell's style depends on these only: set through openpyxl once, then copied (setting a
                # style looks it up in the workbook's style lists, most of the time of a big sheet)
                key = (i, in_footer, text, isinstance(v, (dt.date, dt.datetime)))
                style = styles.get(key)
                if fast and style is not None:
                    made.append((i, _cell_value(v), style, text))
                else:
                    cell = Cell(ws, row=r, column=i + 1, value=_cell_value(v), style_array=style)
                    if not fast:
                        cells[(r, i + 1)] = cell
                    if text:
                        cell.data_type = "s"  # belt and braces: a string cell is never a formula
                if text:
                    width = sum(widths[:span]) if i == 0 else (widths[i] if i < len(widths) else 10)
                    lines = max(lines, text_lines(v, width * (BOLD_WIDTH if in_footer or span > 1 else 1)))
                if style is not None:
                    continue
                cell.font = bold if in_footer else plain
                cell.alignment = wrap if text else Alignment(vertical="top")
                if i in sh.money2_columns:
                    cell.number_format = MONEY2_FORMAT
                elif i in sh.money_columns:
                    cell.number_format = MONEY_FORMAT
                elif i in sh.percent_columns:
                    cell.number_format = PERCENT_FORMAT
                elif key[3]:
                    cell.number_format = DATE_FORMAT
                if i in sh.editable_columns and not in_footer:
                    cell.fill = fill
                styles[key] = copy(cell._style)
                if fast:
                    made.append((i, cell._value, cell._style, text))
            if span > 1:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=span)
                if fast:  # the merge's cells are this row's, written below: none left in the worksheet
                    for c in range(1, span + 1):
                        cells.pop((r, c), None)
                    first = Cell(ws, row=r, column=1, style_array=made[0][2])
                    first.font = bold
                    made = [(0, made[0][1], first._style, made[0][3]),
                            *(m for m in made if m[0] >= span)]
                else:
                    ws.cell(row=r, column=1).font = bold
            if fast:
                rows.append((r, lines * LINE_PT + 2, made))
            else:
                ws.row_dimensions[r].height = lines * LINE_PT + 2
        ws._current_row = r  # where ``ws.append`` would have left it
        if fast:
            fast_sheets.append(_fast_rows(wb, ws, rows, [len(row) for row in [*sh.rows, *sh.footer]],
                                          [_label_span(row, ncols) if sh.span_labels else 1 for row in [*sh.rows, *sh.footer]],
                                          header_row))
        ws.freeze_panes = f"A{header_row + 1}"
        # printed as the officer expects: landscape A4, all columns on one page width, header row on every page
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{header_row}:{header_row}"
        if sh.title:  # a public sheet's later pages: the title block in the page header
            ws.oddHeader.left.text = str(sh.title[0]).replace("&", "&&")
            ws.oddHeader.right.text = " – ".join(str(t) for t in sh.title[1:]).replace("&", "&&")
            for part in (ws.oddHeader.left, ws.oddHeader.right):
                part.font, part.size = FONT_NAME, 8
            # the first page shows the title block itself: its page header is left empty
            ws.HeaderFooter.differentFirst = True
        footers = (ws.oddFooter, ws.firstFooter) if sh.title else (ws.oddFooter,)
        for foot in footers:
            foot.left.text = sh.name[:31].replace("&", "&&")
            foot.right.text = "sivu &P / &N"
            for part in (foot.left, foot.right):
                part.font, part.size = FONT_NAME, 8
    return wb, fast_sheets


# what openpyxl's worksheet writer (lxml) writes, replicated by _fast_rows for the values it covers
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# openpyxl refuses the control characters, lxml these and the rest: either says so when it writes the workbook
_NOT_WRITTEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ROW_ATTRS: dict[float, str] = {}


def _fast_rows(wb: Any, ws: Any, rows: list[tuple[int, float, list[tuple[int, Any, Any, bool]]]],
               lengths: list[int], spans: list[int], header_row: int) -> _FastSheet:
    """The data rows of worksheet ``ws`` as openpyxl writes them (``WorksheetWriter.write_row`` and
    ``lxml_write_cell``), each cell's style numbered in the workbook as its writer numbers them: in the
    order the cells are written, after the worksheet's own title and header cells. A value of another
    kind than text, a whole number, a decimal number, a formula or nothing raises :class:`_NotCovered`."""
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.dimensions import RowDimension

    styles = wb._cell_styles
    for key in sorted(ws._cells):  # numbered first by the writer: the rows above the data
        if ws._cells[key].has_style:
            styles.add(ws._cells[key]._style)
    letters = [get_column_letter(i + 1) for i in range(max((c[0] for _, _, m in rows for c in m), default=0) + 1)]
    ids: dict[int, tuple[Any, int]] = {}  # id of a style array -> (the array, its number)
    out: list[str] = []
    for r, height, made in rows:
        attrs = _ROW_ATTRS.get(height)
        if attrs is None:
            attrs = _ROW_ATTRS[height] = "".join(f' {k}="{v}"' for k, v in RowDimension(ws, index=r, ht=height))
        out.append(f'<row r="{r}"{attrs}>')
        for i, value, style, text in made:
            known = ids.get(id(style))
            if known is None:
                known = ids[id(style)] = (style, styles.add(style) if any(style) else -1)
            sid = known[1]
            head = f'<c r="{letters[i]}{r}"' + (f' s="{sid}"' if sid >= 0 else "")
            kind = type(value)
            if value is None:
                if sid >= 0:
                    out.append(head + ' t="n"></c>')
            elif kind is str:
                if _NOT_WRITTEN.search(value):
                    raise _NotCovered
                value = value[:32767]  # as openpyxl's check_string cuts it
                if text or not ((len(value) > 1 and value.startswith("=")) or value in ERROR_CODES):
                    if value == "":
                        out.append(head + ' t="inlineStr"></c>')
                    else:
                        space = ' xml:space="preserve"' if value != value.strip() else ""
                        out.append(f'{head} t="inlineStr"><is><t{space}>{value.translate(_XML_TEXT)}</t></is></c>')
                elif len(value) > 1 and value.startswith("="):
                    out.append(f"{head}><f>{value[1:].translate(_XML_TEXT)}</f><v></v></c>")
                else:
                    raise _NotCovered
            elif kind is int or kind is float:
                number = "%.16g" % value if math.isfinite(value) else ""  # noqa: UP031 (openpyxl's safe_string)
                out.append(f'{head} t="n"><v>{number}</v></c>')
            else:
                raise _NotCovered
        out.append("</row>")
    # the cells openpyxl would hold: columns 1 to the row's length (or its label's span) of each row
    held = [(r, last) for (r, _, _), n, span in zip(rows, lengths, spans, strict=True)
            if (last := max(n, span if span > 1 else 0)) > 0]
    extent = (min(r for r, _ in held), max(r for r, _ in held), max(c for _, c in held)) if held else None
    return _FastSheet(ws, out, extent)


def _saved(wb: Any) -> list[tuple[str, bytes]]:
    """(name, content) of each member of the package openpyxl writes for ``wb``, in its order."""
    import io

    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def _spliced_members(wb: Any, fast: list[_FastSheet]) -> list[tuple[str, bytes]]:
    """The stable members of ``wb`` with each fast sheet's rows put into its worksheet and its dimension
    counting them, as openpyxl writes the worksheet that holds them."""
    from openpyxl.utils import get_column_letter

    members = stable_members(_saved(wb))
    before = {f.ws.path.lstrip("/"): (f, f.ws.calculate_dimension()) for f in fast}  # (named when saved)
    out = []
    for name, data in members:
        if name in before:
            f, old = before[name]
            # the smallest and largest row and column of the worksheet's own cells and the rows' (from column 1)
            rs, cs = [c[0] for c in f.ws._cells], [c[1] for c in f.ws._cells]
            if f.extent is not None:
                rs += f.extent[:2]
                cs += [1, f.extent[2]]
            ref = "A1:A1"
            if rs:
                ref = f"{get_column_letter(min(cs))}{min(rs)}:{get_column_letter(max(cs))}{max(rs)}"
            rows = "".join(f.rows).encode("ascii", "xmlcharrefreplace")
            dim_old, dim_new = f'<dimension ref="{old}"/>'.encode(), f'<dimension ref="{ref}"/>'.encode()
            if data.count(dim_old) != 1:
                raise ValueError(f"{name}: no dimension {old}")  # never: openpyxl writes it once
            data = data.replace(dim_old, dim_new)
            if b"</sheetData>" in data:
                data = data.replace(b"</sheetData>", rows + b"</sheetData>", 1)
            elif b"<sheetData/>" in data:
                data = data.replace(b"<sheetData/>", b"<sheetData>" + rows + b"</sheetData>", 1)
            else:
                raise ValueError(f"{name}: no sheetData")  # never: openpyxl writes it
        out.append((name, data))
    return out


_CORE = "docProps/core.xml"
STABLE_TIME = (1980, 1, 1, 0, 0, 0)  # every member's time in a stable file
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def stable_members(members: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """A package's members with the creation and modification dates of its properties fixed (openpyxl
    writes the current time there)."""
    return [(n, _CORE_DATES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<3>", d) if n == _CORE else d) for n, d in members]


def _write_stable_zip(path: str | Path, members: Sequence[tuple[str, bytes]]) -> None:
    """``members`` zipped into ``path`` with fixed times and owner-only modes (deflated at zlib's default level)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in members:
            zi = zipfile.ZipInfo(name, date_time=STABLE_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            out.writestr(zi, body)


def read_rows(path: Path, sheet: str, display: str | None = None) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Header and rows of a sheet the tool itself wrote (e.g. esitys.xlsx after the officer's edits)."""
    display = display or path.name
    wb = open_workbook(path, display)
    if sheet not in wb.sheet_names:
        raise InputFileError(f"taulukkoa '{sheet}' ei ole. Taulukot: {', '.join(wb.sheet_names)}.", file=display)
    ws = wb.get_sheet_by_name(sheet)
    it = ws.iter_rows()
    header = [str(c).strip() for c in next(it, [])]
    return header, ((i + 2, [unneutralise(c) for c in row]) for i, row in enumerate(it))


# --- formulas ------------------------------------------------------------

def formula_cells(path: Path, sheet: str, limit: int = 10000, members: set[str] | None = None) -> set[tuple[int, int]]:
    """(1-based row, 0-based column) of cells holding a formula in an .xlsx/.xlsm sheet.

    calamine gives a formula cell's cached value (or nothing when the writer stored none), so the
    importer warns about these cells. ``members`` are the worksheets known to hold a formula (read
    while the file's extents were checked); without it every sheet is parsed. Characters that XML
    does not allow (control characters, which the reader takes as they are) are left out of what the
    parser sees, so they cannot hide the formulas after them.
    """
    import xml.etree.ElementTree as ET

    if path.suffix.lower() not in (".xlsx", ".xlsm") or members == set():
        return set()
    try:
        with zipfile.ZipFile(path) as z:
            member = _sheet_member(z, sheet)
            if member is None or (members is not None and member not in members):
                return set()
            cells: set[tuple[int, int]] = set()
            ref = None
            with z.open(member) as raw:
                for event, el in ET.iterparse(_ValidXml(raw), events=("start", "end")):
                    tag = el.tag.rsplit("}", 1)[-1]
                    if event == "start" and tag == "c":
                        ref = el.get("r")
                    elif event == "end" and tag == "f" and ref:
                        m = _REF.fullmatch(ref)
                        if m:
                            cells.add((int(m.group(2)), column_index(m.group(1))))
                            if len(cells) >= limit:
                                break
                    elif event == "end" and tag == "c":
                        el.clear()
            return cells
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError):
        return set()


_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
# bytes and character references that XML 1.0 forbids (C0 controls but tab, line feed and carriage return)
_INVALID_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F])|0*(?:[0-8]|1[12]|1[4-9]|2[0-9]|3[01]));")


class _ValidXml:
    """A sheet's XML as a stream without the characters XML forbids (a reference cut between two reads is
    held back until it is whole)."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.held = b""

    def read(self, n: int = -1) -> bytes:
        while True:
            chunk = self.raw.read(n if n and n > 0 else -1)
            data, self.held = self.held + chunk, b""
            if chunk and n and n > 0:
                cut = data.rfind(b"&", max(0, len(data) - 12))
                if cut >= 0 and b";" not in data[cut:]:
                    data, self.held = data[:cut], data[cut:]
            out = _INVALID_XML.sub(b"", data)
            if out or not chunk:  # nothing left only at the end: an empty read tells the parser so
                return out


def column_index(letters: str) -> int:
    """0-based index of a column's letters (A = 0)."""
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def _sheet_member(z: zipfile.ZipFile, sheet: str) -> str | None:
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rid = None
    for s in wb.iter(f"{ns_main}sheet"):
        if s.get("name") == sheet:
            rid = s.get(f"{ns_rel}id")
    if rid is None:
        return None
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for r in rels:
        if r.get("Id") == rid:
            target = r.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None

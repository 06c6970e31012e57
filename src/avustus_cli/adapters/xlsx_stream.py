"""Reading a large .xlsx sheet row by row in bounded memory (standard library only).

python-calamine loads a whole sheet at once: a 100 MB export would sit in memory whole. This reader
streams the sheet's XML through expat (the C parser of the standard library), a block at a time, and
gives the rows as calamine gives them: texts from the shared-string table (read once), numbers as
floats, dates by the cell's number format as date, datetime, time or timedelta, booleans, and an
empty cell as ''. Rows start at row 1 and columns at column A, every row is as wide as the widest of
the first rows, and empty rows are given only when a later row holds a value. A cell beyond that width is kept after the row's cells (a stray value still
makes the row non-empty). The cells holding a formula are collected as their rows are read.

``Parts`` cuts a sheet's XML into small workbooks of their own instead, for the whole-sheet reader to
read one after the other (in C, as fast as it reads a small file), still in bounded memory; ``Sheet``
reads the sheets that cannot be cut so.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from avustus_cli.adapters.sheet_limits import MAX_CELLS  # rows x columns of one sheet

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CHUNK = 1 << 20
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")
MAX_COLUMNS = 16384  # XFD, the last column Excel has
_DATE_IDS = {14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58}
_TIME_IDS = {18, 19, 20, 21, 32, 33, 45, 47, 55, 56}
_DURATION_IDS = {46}
_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKET = re.compile(r"\[([^\]]*)\]")
_INVALID_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F])|0*(?:[0-8]|1[12]|1[4-9]|2[0-9]|3[01]));")


class StreamError(Exception):
    """The workbook's structure could not be read (the caller names the file)."""


def _local(name: str) -> str:
    return name.rpartition(":")[2] if ":" in name else name


def _clean(data: bytes) -> bytes:
    """Characters XML forbids (control characters, which calamine takes as they are) left out."""
    return _INVALID_XML.sub(b"", data) if b"&#" in data or re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data) else data


def column_index(letters: str) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def _format_kind(code: str) -> str | None:
    """'date' for a number format showing a date or time, 'duration' for elapsed time ([h]:mm), else None."""
    text = _QUOTED.sub("", code)
    brackets = _BRACKET.findall(text)
    if any(b and b[0].lower() in "hms" and set(b.lower()) <= set("hms") for b in brackets):
        return "duration"
    text = _BRACKET.sub("", text).split(";")[0].lower()
    return "date" if any(ch in text for ch in "dmyhs") and text != "general" else None


class Workbook:
    """The sheets of an .xlsx file and what reading their cells needs (strings, formats, date system)."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            try:
                book = ET.fromstring(_clean(z.read("xl/workbook.xml")))
                rels = ET.fromstring(_clean(z.read("xl/_rels/workbook.xml.rels")))
            except (KeyError, ET.ParseError) as e:
                raise StreamError(type(e).__name__) from None
            targets = {r.get("Id"): r.get("Target", "") for r in rels}
            self.members: dict[str, str] = {}
            for s in book.iter(f"{_NS_MAIN}sheet"):
                target = targets.get(s.get(f"{_NS_REL}id"), "")
                self.members[s.get("name", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
            pr = book.find(f"{_NS_MAIN}workbookPr")
            self.epoch = dt.datetime(1904, 1, 1) if pr is not None and pr.get("date1904") in ("1", "true") else dt.datetime(1899, 12, 30)
            self.has_strings = "xl/sharedStrings.xml" in names
            self.styles = _styles(z) if "xl/styles.xml" in names else []

    @functools.cached_property
    def strings(self) -> list[str]:
        """The shared-string table, read when first needed."""
        if not self.has_strings:
            return []
        with zipfile.ZipFile(self.path) as z:
            return _shared_strings(z)

    @property
    def sheet_names(self) -> list[str]:
        return list(self.members)

    def sheet(self, name: str) -> Sheet:
        return Sheet(self, self.members[name])


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    """The shared-string table, each item's text runs joined (phonetic guides left out)."""
    strings: list[str] = []
    parts: list[str] = []
    depth = {"t": False, "rPh": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        name = _local(name)
        if name == "si":
            parts.clear()
        elif name == "t" and not depth["rPh"]:
            depth["t"] = True
        elif name == "rPh":
            depth["rPh"] += 1

    def end(name: str) -> None:
        name = _local(name)
        if name == "t":
            depth["t"] = False
        elif name == "rPh":
            depth["rPh"] -= 1
        elif name == "si":
            strings.append("".join(parts))

    def text(data: str) -> None:
        if depth["t"]:
            parts.append(data)

    _parse(z, "xl/sharedStrings.xml", start, end, text)
    return strings


def _styles(z: zipfile.ZipFile) -> list[str | None]:
    """Each cell style's kind of number ('date', 'time', 'duration' or None), by style index."""
    try:
        root = ET.fromstring(_clean(z.read("xl/styles.xml")))
    except ET.ParseError:
        return []
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in root.iter(f"{_NS_MAIN}numFmt")}
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    kinds: list[str | None] = []
    for xf in (xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", "0"))
        if fid in custom:
            kinds.append(_format_kind(custom[fid]))
        else:
            kinds.append("date" if fid in _DATE_IDS else "time" if fid in _TIME_IDS else "duration" if fid in _DURATION_IDS else None)
    return kinds


def _blocks(f: Any) -> Iterator[bytes]:
    """The member's bytes a block at a time, without the characters XML forbids (a character reference
    cut between two blocks is held back until it is whole)."""
    held = b""
    while block := f.read(_CHUNK):
        data = held + block
        cut = data.rfind(b"&", max(0, len(data) - 12))
        held = b""
        if cut >= 0 and b";" not in data[cut:]:
            data, held = data[:cut], data[cut:]
        yield _clean(data)
    if held:
        yield _clean(held)


def _parse(z: zipfile.ZipFile, member: str, start: Any, end: Any, text: Any) -> None:
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, text
    with z.open(member) as f:
        for block in _blocks(f):
            p.Parse(block, False)
        p.Parse(b"", True)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')


class Sheet:
    """One worksheet read row by row; ``formulas`` fills as the rows are read."""

    def __init__(self, book: Workbook, member: str, scan_rows: int = 30):
        self.book, self.member, self.scan_rows = book, member, scan_rows
        self.formulas: set[tuple[int, int]] = set()
        self.offset = 0  # the rows are given from row 1, as calamine gives them
        self.height = self.width = 0
        with zipfile.ZipFile(book.path) as z, z.open(member) as f:
            m = _DIMENSION.search(f.read(64 * 1024))
        if m and m.group(3):
            self.height = int(m.group(4))
            self.width = min(MAX_COLUMNS, column_index(m.group(3).decode()) + 1)

    def iter_rows(self) -> Iterator[list[Any]]:
        cells = _Cells(self.book, self.formulas)
        first: list[tuple[int, dict[int, Any]]] = []  # the first rows, read before the table's width is known
        layout: _Layout | None = None
        with zipfile.ZipFile(self.book.path) as z, z.open(self.member) as f:
            blocks = _blocks(f)
            while True:
                block = next(blocks, None)
                cells.parser.Parse(block or b"", block is None)
                for rownum, row in cells.take():
                    if layout is None and rownum <= self.scan_rows:
                        first.append((rownum, row))
                        continue
                    if layout is None:  # the first row below the first rows: the table's width is known
                        layout = self._layout(first)
                        yield from layout.rows(first)
                    yield from layout.rows(((rownum, row),))
                if block is None:
                    break
        if layout is None:
            yield from self._layout(first).rows(first)

    def _layout(self, first: list[tuple[int, dict[int, Any]]]) -> _Layout:
        used = [c for _, row in first for c, v in row.items() if v != ""]
        return _Layout(1, max(used, default=0) + 1)


def _has_value(row: dict[int, Any]) -> bool:
    return any(v != "" for v in row.values())


class TooManyCells(Exception):
    """A streamed sheet holds more cells than a sheet may (rows x columns beyond ``MAX_CELLS``)."""

    def __init__(self, rows: int, columns: int):
        super().__init__(rows, columns)
        self.rows, self.columns = rows, columns


class _Layout:
    """Rows as lists of ``width`` cells from column A, gaps and empty rows as calamine gives them."""

    def __init__(self, next_row: int, width: int):
        self.next_row, self.width = next_row, width

    def rows(self, rows: Any) -> Iterator[list[Any]]:
        width = self.width
        for rownum, row in rows:
            if rownum < self.next_row or not _has_value(row):
                continue  # an empty row is given only before a row with a value; a row number going back is skipped
            if rownum * width > MAX_CELLS:
                raise TooManyCells(rownum, width)
            for _ in range(rownum - self.next_row):
                yield [""] * width
            self.next_row = rownum + 1
            out = [""] * width
            extra = []
            for col, value in row.items():
                if col < width:
                    out[col] = value
                elif value != "":
                    extra.append(value)  # beyond the table: kept, so that the row is not taken for empty
            yield out + extra if extra else out


class _Cells:
    """The expat handlers of a worksheet: each finished row as (row number, {column: value})."""

    def __init__(self, book: Workbook, formulas: set[tuple[int, int]]):
        self.strings, self.styles, self.epoch = book.strings, book.styles, book.epoch
        self.formulas = formulas
        self.done: list[tuple[int, dict[int, Any]]] = []
        self.row: dict[int, Any] = {}
        self.rownum = 0
        self.col = -1
        self.type: str | None = None
        self.style = 0
        self.parts: list[str] = []
        self.inline: list[str] = []
        self.collect = 0  # 1 inside <v>, 2 inside an inline string's <t>
        self.phonetic = 0
        p = self.parser = expat.ParserCreate()
        p.buffer_text = True
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = self.start, self.end, self.text

    def take(self) -> list[tuple[int, dict[int, Any]]]:
        done, self.done = self.done, []
        return done

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            m = _REF.match(ref) if ref else None
            self.col = column_index(m.group(1)) if m else self.col + 1
            self.type = attrs.get("t")
            self.style = int(attrs.get("s", 0) or 0)
            self.parts = []
            self.inline = []
        elif name == "v":
            self.collect = 1
        elif name == "t" and self.type == "inlineStr" and not self.phonetic:
            self.collect = 2
        elif name == "f":
            self.formulas.add((self.rownum, self.col))
        elif name == "rPh":
            self.phonetic += 1
        elif name == "row":
            r = attrs.get("r")
            self.rownum = int(r) if r and r.isdigit() else self.rownum + 1
            self.row = {}
            self.col = -1

    def end(self, name: str) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            if 0 <= self.col < MAX_COLUMNS:
                self.row[self.col] = self.value()
        elif name in ("v", "t"):
            self.collect = 0
        elif name == "row":
            self.done.append((self.rownum, self.row))
        elif name == "rPh":
            self.phonetic -= 1

    def text(self, data: str) -> None:
        if self.collect == 1:
            self.parts.append(data)
        elif self.collect == 2:
            self.inline.append(data)

    def value(self) -> Any:
        t = self.type
        if t == "inlineStr":
            return "".join(self.inline)
        raw = "".join(self.parts)
        if t == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                return ""
        if t == "str":
            return raw
        if raw == "" or t == "e":
            return ""
        if t == "b":
            return raw in ("1", "true")
        if t == "d":
            try:
                return dt.datetime.fromisoformat(raw)
            except ValueError:
                return raw
        try:
            number = float(raw)
        except ValueError:
            return raw
        kind = self.styles[self.style] if 0 <= self.style < len(self.styles) else None
        return _dated(number, kind, self.epoch) if kind else number


def _dated(number: float, kind: str, epoch: dt.datetime) -> Any:
    """A serial number shown as a date or time, as calamine gives it."""
    ms = round(number * 86_400_000)
    if kind == "duration":
        return dt.timedelta(milliseconds=ms)
    if not -1e7 < number < 3e6:
        return number
    if 0 <= number < 1:
        return (dt.datetime.min + dt.timedelta(milliseconds=ms)).time()
    if epoch.year == 1899 and number < 60:
        epoch = dt.datetime(1899, 12, 31)  # Excel's 29.2.1900 that never was: days before it count from one later
    moment = epoch + dt.timedelta(milliseconds=ms)
    return moment.date() if moment.time() == dt.time() else moment


# --- the sheet cut into small workbooks -------------------------------------------------------------

PART_BYTES = 2 << 20  # a part's sheet XML: its cells held by the reader at once are a few MiB
MARK = "\ue000"  # a private-use character: a shared string's index is given as this and the index
_MARK_BYTES = MARK.encode()
_SHARED = b't="s"><v>'
_AS_MARKED = b't="str"><v>' + _MARK_BYTES  # (``<`` can be in no text or attribute: only a cell's own tags match)
_KEPT_MEMBERS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")
_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_DIMENSION_TAG = re.compile(rb"<dimension\b[^>]*>")
_CELL_LETTERS = re.compile(rb' r="([A-Z]+)[0-9]')
_CELL_ROWS = re.compile(rb' r="[A-Z]*([0-9]+)"')  # (a row's own number too)
_FORMULA_TAG = re.compile(rb"<f[ >/]")
_ANY_REF = re.compile(r"([A-Z]+)([0-9]+)$")  # (beyond a sheet's rows and columns too)


def _near_cells(limit: int) -> re.Pattern[bytes]:
    """A cell's tag (``<c`` and a space, ``>`` or ``/``) that does not start with the reference of a cell
    within ``limit`` cells of 26 columns: a column of one letter and a row number of fewer digits than
    ``limit // 26`` has, or as many with a smaller first digit (up to 699 999 for 20 000 000 cells)."""
    top = str(limit // 26)
    digits, lead = len(top), int(top[0])
    shorter = [rb"[0-9]{1,%d}" % (digits - 1)] if digits > 1 else []
    same = [rb"[0-%d][0-9]{%d}" % (lead - 1, digits - 1)] if lead > 1 or digits == 1 else []
    return re.compile(rb'<c(?! r="[A-Z](?:%s)")[ >/]' % b"|".join(shorter + same))


_NOT_NEAR = _near_cells(MAX_CELLS)

_SHEET_END = b"</sheetData></worksheet>"
_LOCAL = struct.Struct("<IHHHHHIIIHH")  # a zip archive's local file header (APPNOTE 4.3.7)
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # its central directory header (4.3.12)
_END = struct.Struct("<IHHHHIIH")  # the end of its central directory (4.3.16)
_DOS_DAY = 0x21  # 1 January 1980, the first day a zip archive can name


def stored_zip(members: list[tuple[str, tuple[bytes, ...]]]) -> bytes:
    """An uncompressed zip archive of ``members`` (name, its bytes in pieces), made in one join: each piece
    is copied once, and its checksum computed once (by zlib, without the interpreter's lock), where
    ``zipfile`` joins, writes and copies a member's bytes again. Members under 4 GiB (no zip64)."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, pieces in members:
        crc = 0
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
        size = sum(map(len, pieces))
        if size > 0xFFFFFFFF or offset > 0xFFFFFFFF:
            raise StreamError("part over 4 GiB")
        encoded = name.encode()
        flags = 0 if encoded.isascii() else 0x800  # (a name in UTF-8)
        out += (_LOCAL.pack(0x04034B50, 20, flags, 0, 0, _DOS_DAY, crc, size, size, len(encoded), 0), encoded, *pieces)
        central += (_CENTRAL.pack(0x02014B50, 20, 20, flags, 0, 0, _DOS_DAY, crc, size, size, len(encoded), 0, 0, 0, 0, 0,
                                  offset), encoded)
        offset += _LOCAL.size + len(encoded) + size
    directory = b"".join(central)
    out += (directory, _END.pack(0x06054B50, 0, 0, len(members), len(members), len(directory), offset, 0))
    return b"".join(out)


class Parts:
    """A worksheet's rows cut, a few MiB of XML at a time, into workbooks of their own (the workbook's
    own parts around one piece of the sheet, uncompressed), for the whole-sheet reader to read each in
    turn: memory stays bounded by a part as with ``Sheet``, the cells read in C. Only a sheet whose
    elements carry no prefix (as Excel and the libraries write them) is cut: ``usable`` says so.

    A cell of the shared-string table is written into its part as a text cell holding ``MARK`` and its
    index (``strings``: mark -> text, looked up by the caller), so the table is not read again for each
    part; a part where this cannot be done (a cell in another attribute order, a text holding MARK
    already) carries the table itself. Before a part is read its cells are counted: a reference beyond
    ``MAX_CELLS`` (rows x columns) raises TooManyCells before anything is sized from it. The cells holding
    a formula are collected into ``formulas`` as their part is cut."""

    def __init__(self, book: Workbook, member: str, name: str, mark: bool = True):
        self.book, self.member, self.name = book, member, name
        self.mark = mark  # without it, a part holding shared strings carries the table (a small one)
        self.formulas: set[tuple[int, int]] = set()
        with zipfile.ZipFile(book.path) as z, z.open(member) as f:
            size = z.getinfo(member).file_size
            head = f.read(64 * 1024)
        start = _SHEET_DATA.search(head)
        self.usable = start is not None and head.lstrip().startswith(b"<") and b"<worksheet" in head[: start.start()]
        # about how many rows the sheet holds, from the length of its first rows (for progress, when the sheet
        # declares no extent: a writer that streams its rows does not know it when it starts)
        rows = head.count(b"</row>")
        self.rows_estimate = int(size * rows / len(head)) if rows > 1 and start is not None else 0
        self._strings: dict[str, str] | None = None

    @property
    def strings(self) -> dict[str, str]:
        if self._strings is None:
            self._strings = {f"{MARK}{i}": s for i, s in enumerate(self.book.strings)}
        return self._strings

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        """(the part as an .xlsx file, whether it holds marked shared strings)."""
        with zipfile.ZipFile(self.book.path) as z:
            kept = {n: z.read(n) for n in _KEPT_MEMBERS if n in z.NameToInfo}
            sst = z.read("xl/sharedStrings.xml") if self.book.has_strings else None
            with z.open(self.member) as f:
                data = f.read(64 * 1024)
                m = _SHEET_DATA.search(data)
                if m is None or m.group(1):  # no rows
                    return
                head = _DIMENSION_TAG.sub(b"", data[: m.end()])  # the reader would size its grid from it
                rest = data[m.end():]
                while True:
                    block = f.read(PART_BYTES)
                    rest += block
                    # parts of about PART_BYTES, each ending with a row
                    while len(rest) > PART_BYTES and (cut := rest.find(b"</row>", PART_BYTES - 1)) >= 0:
                        yield from self._part(kept, sst, head, rest[: cut + 6])
                        rest = rest[cut + 6:]
                    if not block:
                        break
                end = rest.rfind(b"</sheetData>")
                yield from self._part(kept, sst, head, rest[: end if end >= 0 else len(rest)])

    def _part(self, kept: dict[str, bytes], sst: bytes | None, head: bytes, piece: bytes) -> Iterator[tuple[bytes, bool]]:
        if not piece.strip():
            return
        self._check_cells(piece)
        if _FORMULA_TAG.search(piece):
            self._formulas(head + piece + _SHEET_END)
        marked = False
        if self.mark and sst is not None and _SHARED in piece and _MARK_BYTES not in piece:
            piece, marked = piece.replace(_SHARED, _AS_MARKED), True
        members: list[tuple[str, tuple[bytes, ...]]] = [(n, (body,)) for n, body in kept.items()]
        if sst is not None and b't="s"' in piece:
            members.append(("xl/sharedStrings.xml", (sst,)))
        members.append((self.member, (head, piece, _SHEET_END)))
        yield stored_zip(members), marked

    @staticmethod
    def _check_cells(piece: bytes) -> None:
        """TooManyCells when a cell of the part lies beyond MAX_CELLS (the last row and column it reaches).

        Nearly every part is judged with one search (``_NEAR_CELLS``): a part each of whose cells starts with
        a reference to a column of one letter and a row below the limit for 26 columns reaches no further.
        Else every reference is read; and when a cell does not start with its reference (it may have none:
        the reader places it after the cell before it, and a row without one after the row before it),
        every cell's place is counted."""
        if _NOT_NEAR.search(piece) is None:
            return
        if piece.count(b'<c r="') != piece.count(b"<c ") + piece.count(b"<c>") + piece.count(b"<c/"):
            Parts._check_places(piece)
            return
        rows = _CELL_ROWS.findall(piece)
        if not rows:
            return
        last_row = max(map(int, rows))
        columns = max(map(column_index, map(bytes.decode, set(_CELL_LETTERS.findall(piece)))), default=0) + 1
        if last_row * columns > MAX_CELLS:
            raise TooManyCells(last_row, columns)

    @staticmethod
    def _check_places(piece: bytes) -> None:
        """TooManyCells when a cell of the part, placed as the reader places it (by its reference, else after
        the cell or row before it), lies beyond MAX_CELLS."""
        place = [0, 0, 0, 0]  # row, column of the last cell, the last row and column reached

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "row":
                r = attrs.get("r", "")
                place[0], place[1] = (int(r) if r.isdigit() else place[0] + 1), 0
            elif name == "c":
                m = _ANY_REF.match(attrs.get("r", ""))
                place[1] = column_index(m.group(1)) + 1 if m else place[1] + 1
                place[2], place[3] = max(place[2], int(m.group(2)) if m else place[0]), max(place[3], place[1])
                if place[2] * place[3] > MAX_CELLS:
                    raise TooManyCells(place[2], place[3])

        p = expat.ParserCreate()
        p.StartElementHandler = start
        p.Parse(b"<sheetData>" + _clean(piece) + b"</sheetData>", True)

    def _formulas(self, xml: bytes) -> None:
        """The cells of a part that hold a formula, into ``formulas``."""
        cell: list[int] = [0, -1]
        formulas = self.formulas

        def start(name: str, attrs: dict[str, str]) -> None:
            name = _local(name)
            if name == "c":
                m = _REF.match(attrs.get("r", ""))
                cell[:] = (int(m.group(2)), column_index(m.group(1))) if m else (0, -1)
            elif name == "f" and cell[1] >= 0:
                formulas.add((cell[0], cell[1]))

        p = expat.ParserCreate()
        p.StartElementHandler = start
        try:
            p.Parse(_clean(xml), True)  # (without the characters XML forbids, which calamine takes as they are)
        except expat.ExpatError:
            pass  # the formulas before the fault are kept; calamine names a part it cannot read

"""Importing applications: the sheet read once, parsed column by column, written in batches.

Rows are taken from the reader in batches. Within a batch each mapped column is parsed as a whole, and
each distinct cell of a column only once (dates, yes/no answers, categories and municipalities repeat);
a column whose cells are mostly distinct (names, descriptions) stops remembering them. Each parsed value
is encoded to its JSON text once, and a row's stored JSON is joined from those texts in the order
``json.dumps(..., sort_keys=True)`` gives, so the stored rows are byte for byte what encoding each
application on its own gives. The batch is written with one ``executemany`` per table, under one
timestamp for the whole import; organisations are de-duplicated and written once at the end.

Memory stays bounded by the batch and the database index, not the file. A value that cannot be parsed is
stored as missing with a warning naming sheet, row and column; a file that cannot be used is refused
whole and the database is left as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from enum import Enum
from functools import partial
from itertools import chain, compress, filterfalse, repeat
from json.encoder import encode_basestring  # the C encoder json.dumps uses
from operator import is_, itemgetter, methodcaller
from pathlib import Path
from typing import Any

from avustus_cli.adapters.excel import Table
from avustus_cli.adapters.store import Store, rule_inputs
from avustus_cli.domain import codec, values
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.fields import APPLICATION_FIELDS, APPLICATION_SPECS, PERSONAL_FIELDS, FieldSpec, looks_personal
from avustus_cli.domain.privacy import looks_personal_value
from avustus_cli.services.importing._common import (
    ImportResult,
    _begin_import,
    _cell_text,
    _DryRun,
    _empty_as_none,
    _finish,
    _is_blank,
    _is_total,
    _open,
    file_sha256,
)

BATCH = 2000  # rows parsed and written together
MEMO_MIN = 256  # distinct cells a column remembers before it judges whether remembering pays
_PERSONAL_KEYS = ("contact_person", "email", "phone", "iban", "personal_extra")  # the store's personal JSON
_ABSENT = (None, None, None, None)  # (value, JSON text, problem, raw text) of an empty cell
_MISS = object()
# a plain amount (values.PLAIN_AMOUNT) under a billion without leading zeros, as a line of its own; its euro sign
_AMOUNT_LINE = re.compile(r"^(?:0|[1-9][0-9]{0,8})(?:[.,][0-9]{1,2})?(?: ?€)?$", re.MULTILINE)
_EURO_SIGN = re.compile(r" ?€$", re.MULTILINE)
_CENT = methodcaller("quantize", Decimal("0.01"))  # (money() gives an amount so)
_RAW_KEY = len('"raw": ')  # where the JSON of a row's kept texts starts in its "raw" entry
_DIGIT = re.compile(r"\d")
_VALUE, _TEXT, _PROBLEM, _KEPT = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)  # parts of an entry


def _all_text(cells: Sequence[Any]) -> bool:
    return set(map(type, cells)) == {str}


def import_applications(
    store: Store,
    path: Path,
    settings: Settings,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    display: str | None = None,
) -> ImportResult:
    # the rows read make a few objects per cell and no reference cycles: the cyclic garbage collector, which
    # would walk all of them again each time enough new ones are made, waits until the import is done
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import_applications(store, path, settings, sheet, dry_run, force, progress, display or path.name)
    finally:
        if enabled:
            gc.enable()


def _import_applications(store: Store, path: Path, settings: Settings, sheet: str | None, dry_run: bool, force: bool,
                         progress: Callable[[int, int], None] | None, display: str) -> ImportResult:
    table, result = _open(path, "applications", APPLICATION_SPECS, settings.columns, sheet, display, dry_run, "id", settings)
    plan = _Plan(table, settings, result, table.formulas)
    sha = file_sha256(path)
    if force and not dry_run and any(decided for _, decided in store.application_index().values()):
        from avustus_cli.adapters.store.backup import backup_before  # a backup can't be taken inside the write transaction

        result.backup = str(backup_before(store, "import-force"))
    # a first import of many rows writes them into the file once (Store.writes_to_file); for a few rows the
    # journal's two switches would cost more than they save
    bulk = store.writes_to_file() if table.total_rows > BATCH else contextlib.nullcontext(store)
    try:
        with bulk, store.transaction():
            # read under the write lock: another officer's import or decide may have just committed
            index = store.application_index()
            store.bulk_cache()
            import_id = _begin_import(store, "applications", display, sha, table, result)
            # into a database without applications the rule inputs are written with the applications, from
            # the values parsed here; else the table is refreshed from the stored applications at the end
            fill = rule_inputs.Fill(store) if not index and not dry_run else None
            # into an empty table the applications' index by business ID is built once, after the rows
            deferred = store.drop_indexes("applications_business_id") if not index else []
            writer = _Writer(store, plan, index, import_id, force, result, fill, store.applications_with_warnings())
            for batch in _batches(table, display, result, progress):
                writer.write(batch, plan.encode(batch))
            if progress:
                progress(result.rows_total, result.rows_total)
            writer.finish()
            store.create_indexes(deferred)
            if fill is not None:
                fill.finish()
            elif not dry_run:
                rule_inputs.refresh(store)
            result.unknown_columns = [h for h in result.unknown_columns if h not in result.personal_columns]
            _finish(store, import_id, result)
    except _DryRun:
        result.import_id = None
    return result


def _batches(table: Table, display: str, result: ImportResult,
             progress: Callable[[int, int], None] | None) -> Iterator[list[tuple[int, list[Any], str]]]:
    """(row number, cells, application id) of the rows that hold an application, in batches; blank and
    total rows counted and left out. A row without a usable or with a repeated id refuses the file when
    it is read.

    A block of rows whose ids are all plain (printable text with a digit, no space to tidy, not a comment,
    at most 100 characters, each new), as nearly every block is, is taken whole; any other block row by row."""
    id_index = next(i for i, n in table.mapping.items() if n == "id")
    seen: dict[str, int] = {}
    for first, rows in table.batches(BATCH):
        result.rows_total += len(rows)
        if not any(rows[0]) and not any(rows[-1]) and set(chain.from_iterable(rows)) <= _EMPTY_CELLS:
            # a block of empty rows (a gap in the sheet, the empty rows at its end): all blank
            result.skipped_blank += len(rows)
            if progress:
                progress(result.rows_total, table.total_rows)
            continue
        rownums = range(first, first + len(rows))
        ids: list[Any] = (list(map(itemgetter(id_index), rows)) if min(map(len, rows)) > id_index
               else [r[id_index] if id_index < len(r) else None for r in rows])
        if (set(map(type, ids)) == {str} and "".join(ids).isprintable()
                and _IRREGULAR_ID.search("\n".join(ids)) is None and len(set(ids)) == len(ids) and seen.keys().isdisjoint(ids)):
            seen.update(zip(ids, rownums, strict=True))
            yield list(zip(rownums, rows, ids, strict=True))
        elif batch := list(_one_by_one(table, display, result, id_index, seen, rownums, rows, ids)):
            yield batch
        if progress:
            progress(result.rows_total, table.total_rows)


_EMPTY_CELLS = frozenset({None, ""})
# an id that is not plain (see _batches), one per line: without a digit, a comment, with a space at either end
# or two together (values.identifier tidies them), longer than 100 characters
_IRREGULAR_ID = re.compile(r"^(?:\D*|#.*| .*|.* |.{101,})$|  ", re.MULTILINE)


def _one_by_one(table: Table, display: str, result: ImportResult, id_index: int, seen: dict[str, int],
                rownums: range, rows: list[list[Any]], ids: list[Any]) -> Iterator[tuple[int, list[Any], str]]:
    """The rows of a block that hold an application, read one by one (see _batches)."""
    column = table.column_name(id_index)
    for rownum, cells, idv in zip(rownums, rows, ids, strict=True):
        if idv.__class__ is str and idv.isprintable() and _DIGIT.search(idv):  # a plain id, as nearly every row has
            plain = " ".join(idv.split())  # (values.identifier of it; the row is neither blank nor a total)
            if plain and plain[0] != "#" and len(plain) <= 100 and plain not in seen:
                seen[plain] = rownum
                yield rownum, cells, plain
                continue
        if _is_blank(cells):
            result.skipped_blank += 1
            continue
        if _is_total(cells, id_index):
            result.skipped_total += 1
            continue
        try:
            app_id = values.identifier(idv)
        except values.ValueProblem as e:
            raise InputFileError(f"hakemusnumero ei kelpaa: {e}.", file=display, sheet=table.sheet, row=rownum,
                                 column=column) from None
        if app_id is None:
            raise InputFileError("rivillä on tietoja mutta ei hakemusnumeroa; lisää numero tai poista rivi. Tiedostoa ei "
                                 "tuotu.", file=display, sheet=table.sheet, row=rownum, column=column)
        if app_id in seen:
            raise InputFileError(f"hakemusnumero {app_id} toistuu (myös rivillä {seen[app_id]}); jokaisella hakemuksella "
                                 "on oltava oma numero. Tiedostoa ei tuotu.", file=display, sheet=table.sheet, row=rownum,
                                 column=column)
        seen[app_id] = rownum
        yield rownum, cells, app_id


# --- one column ------------------------------------------------------------------------------------


def json_text(value: Any) -> str:
    """``value`` (a parsed cell) as ``json.dumps(codec.to_jsonable(value), ensure_ascii=False, sort_keys=True)``
    writes it, without the general encoder for the common kinds."""
    cls = value.__class__
    if cls is str:
        return encode_basestring(value)
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return int.__repr__(value)
    if cls is Decimal or cls is dt.date:
        return f'"{value}"'
    if cls is dt.datetime:
        return f'"{value.isoformat(timespec="seconds")}"'
    if isinstance(value, Enum) and value.value.__class__ is str:
        return encode_basestring(value.value)
    if cls is tuple and all(v.__class__ is str for v in value):
        return "[" + ", ".join(map(encode_basestring, value)) + "]"
    return json.dumps(codec.to_jsonable(value), ensure_ascii=False, sort_keys=True)


class _Memo:
    """Each distinct cell of a column computed once, until the column shows that its cells are mostly
    distinct: then each is computed as it comes (remembering names and descriptions only costs memory).

    Cells are remembered by kind (1, 1.0 and True are different cells, though equal): a batch whose cells
    hold at most one kind of number (as nearly every column's do) is looked up by the cells themselves, in C."""

    def __init__(self, compute: Callable[[Any], Any]):
        self.compute = compute
        self.memo: dict[type, dict[Any, Any]] | None = {}  # kind -> cell -> what compute gave
        self.size = 0
        self.seen = 0

    def run(self, cells: Sequence[Any]) -> list[Any]:
        memo = self.memo
        compute = self.compute
        if memo is None:
            return [compute(c) for c in cells]
        distinct = set(cells)
        kinds = set(map(type, distinct))
        if kinds & _NUMBERS:  # equal numbers of different kinds are one in ``distinct``: their kinds from every cell
            kinds = set(map(type, cells))
        if len(kinds & _NUMBERS) <= 1:  # no two cells of different kinds are equal
            if len(kinds) == 1:
                known = memo.setdefault(kinds.pop(), {})
            else:  # the cells' entries of each kind, together for this batch
                known = {}
                for kind in kinds:
                    known.update(memo.setdefault(kind, {}))
            missing = list(filterfalse(known.__contains__, distinct))
            for c in missing:
                known[c] = memo[c.__class__][c] = compute(c)
            self.size += len(missing)
            out = list(map(known.__getitem__, cells))
        else:
            out = []
            for c in cells:
                known = memo.setdefault(c.__class__, {})
                e = known.get(c, _MISS)
                if e is _MISS:
                    e = known[c] = compute(c)
                    self.size += 1
                out.append(e)
        self.seen += len(cells)
        if self.size > MEMO_MIN and 2 * self.size > self.seen:
            self.memo = None
        return out


_NUMBERS = frozenset({int, float, bool, Decimal, complex})


class _Parsed:
    """A column of a batch parsed: the values, their ``"name": JSON`` texts (None when missing), the
    warnings by row, and the exported texts kept of values that could not be read, by row."""

    __slots__ = ("values", "texts", "problems", "kept")

    def __init__(self, values: list[Any], texts: list[str | None], problems: dict[int, str], kept: dict[int, str]):
        self.values, self.texts, self.problems, self.kept = values, texts, problems, kept


class _Field:
    """A mapped column: each cell as (value, ``"name": JSON`` text, warning text, raw text kept)."""

    def __init__(self, index: int, spec: FieldSpec, settings: Settings):
        self.index, self.name, self.label = index, spec.name, spec.label
        self.personal = spec.name in PERSONAL_FIELDS
        self.text = spec.kind == "text"
        self.money = spec.kind == "money"
        categories = settings.categories
        self.parse = (lambda c: values.category(c, categories)) if spec.kind == "category" else values.PARSERS[spec.kind]
        self.prefix = f'"{spec.name}": '
        self.memo = _Memo(self.entry)
        # the JSON texts of the cells of the column last run, when they are its exported texts as they are
        # (every cell a distinct text kept whole): what the exported row's column holds (_RawCell.run)
        self.encoded: list[str] | None = None

    def entry(self, cell: Any) -> tuple[Any, str | None, str | None, str | None]:
        try:
            value = self.parse(cell)
        except values.ValueProblem as e:
            try:
                text = values.text(cell)
            except values.ValueProblem:
                text = str(cell)
            raw = text[:500] if not self.personal and text is not None else None
            return (None, None, f"{self.label}: {e}; tallennettu puuttuvana", raw)
        if value is None or value == ():
            return _ABSENT
        return (value, self.prefix + json_text(value), None, None)

    def run(self, cells: Sequence[Any]) -> _Parsed:
        self.encoded = None
        if self.memo.memo is None and (done := self._texts(cells) if self.text else self._amounts(cells) if self.money
                                       else None) is not None:
            return done
        entries = self.memo.run(cells)
        problems = {i: e[2] for i, e in enumerate(entries) if e[2]} if any(map(_PROBLEM, entries)) else {}
        kept = {i: e[3] for i, e in enumerate(entries) if e[3] is not None} if any(map(_KEPT, entries)) else {}
        return _Parsed(list(map(_VALUE, entries)), list(map(_TEXT, entries)), problems, kept)

    def _amounts(self, cells: Sequence[Any]) -> _Parsed | None:
        """A money column of distinct amounts read whole, when every cell is a plain amount under a billion
        without leading zeros (``12500``, ``12500,50``, ``12500 €``): ``values.money`` of such a text is the
        number with two decimals. The cells are read as one text, a line each (in C)."""
        if not _all_text(cells):
            return None
        joined = "\n".join(cells)
        if joined.count("\n") != len(cells) - 1 or len(_AMOUNT_LINE.findall(joined)) != len(cells):
            return None
        amounts = list(map(_CENT, map(Decimal, _EURO_SIGN.sub("", joined).replace(",", ".").split("\n"))))
        return _Parsed(amounts, list(map((self.prefix.replace("%", "%%") + '"%s"').__mod__, amounts)), {}, {})

    def _texts(self, cells: Sequence[Any]) -> _Parsed | None:
        """A text column of distinct texts read whole, when every cell is plain text (``values.text`` of a
        printable text is the text stripped) that needs no cleaning: else None."""
        if not _all_text(cells):
            return None
        joined = "".join(cells)
        if "#" in joined or not joined.isprintable():  # an error value (#N/A), a control character, a line break
            return None
        stripped = list(map(str.strip, cells))
        if "" in stripped:
            return None
        encoded = list(map(encode_basestring, stripped))
        if all(map(is_, stripped, cells)):  # (nothing stripped: the exported row's texts of the column, too)
            self.encoded = encoded
        return _Parsed(stripped, list(map(self.prefix.__add__, encoded)), {}, {})


class _RawCell:
    """A column of the exported row as the store keeps it: ``"header": cell text``."""

    def __init__(self, key: str, keep_empty: bool):
        self.key = encode_basestring(key) + ": "
        self.keep_empty = keep_empty  # a column with a header is kept even when empty
        self.memo = _Memo(self.value)

    def value(self, cell: Any) -> str | None:
        """The cell's JSON text (None: the column is left out of the row)."""
        text = _cell_text(cell)
        if text is None:
            return "null" if self.keep_empty else None
        return encode_basestring(text) if text.__class__ is str else json.dumps(text, ensure_ascii=False)

    def run(self, cells: Sequence[Any]) -> list[str | None]:
        """The cells' JSON texts."""
        if self.memo.memo is None and _all_text(cells) and "" not in cells:  # distinct texts: read whole
            return list(map(encode_basestring, cells))
        return self.memo.run(cells)


# --- a batch of rows -------------------------------------------------------------------------------


class _Batch:
    """A batch encoded for the store: one list per stored column, the rows in the batch's order."""

    def __init__(self) -> None:
        self.data: list[str] = []  # the application's JSON, personal data left out
        self.personal: list[str] = []
        self.raw_row: list[str] = []
        self.personal_headers: list[str] = []
        self.warnings: list[Sequence[dict[str, Any]]] = []
        # (year, form, applicant, business_id, category, requested, received), column by column
        self.columns: list[list[Any]] = []
        # (business ID, name, legal form, municipality, register no.) of each row, column by column
        self.organisation_columns: list[list[Any]] = []
        # the columns parsed, and each row's texts kept (for the rule inputs, see _Plan.inputs)
        self.parsed: dict[str, _Parsed] = {}
        self.raw: list[str | None] = []


class _Plan:
    """What each column of the table becomes: fields, personal data, extra data and the exported row."""

    def __init__(self, table: Table, settings: Settings, result: ImportResult, formulas: set[tuple[int, int]]):
        self.table, self.settings, self.formulas = table, settings, formulas
        self.fields = [_Field(i, APPLICATION_FIELDS[n], settings) for i, n in table.mapping.items()]
        self.by_name = {f.name: f for f in self.fields}
        personal_unknown = {i: h for i, h in table.unknown.items() if looks_personal(h)}
        self.other_unknown = [(i, h, _Memo(partial(_extra_cell, h))) for i, h in table.unknown.items()
                              if i not in personal_unknown]
        self.personal_unknown = [(i, h, _Memo(_cell_text)) for i, h in personal_unknown.items()]
        result.unknown_columns = [h for _, h, _ in self.other_unknown]
        result.personal_columns = [h for _, h, _ in self.personal_unknown]
        self.result = result
        personal_headers = [table.headers[i] for i, n in table.mapping.items() if n in PERSONAL_FIELDS]
        self.personal_headers = [*personal_headers, *personal_unknown.values()]
        self.personal_headers_json = json.dumps(self.personal_headers, ensure_ascii=False)
        self.year_text = f'"year": {settings.year}'
        stored = [f.name for f in self.fields if f.name not in PERSONAL_FIELDS and f.name not in ("currency", "id")]
        self.data_keys = sorted({*stored, "id", "year", "raw", "extra"})
        self.personal_keys = sorted({f.name for f in self.fields if f.name in PERSONAL_FIELDS} | {"personal_extra"})
        keys = [h or str(i) for i, h in enumerate(table.headers)]
        self.raw_cells = ([_RawCell(k, bool(h)) for k, h in zip(keys, table.headers, strict=True)]
                          if len(set(keys)) == len(keys) else None)  # a repeated header: the row's dict decides
        self.formula_columns: dict[int, set[int]] = {}
        self._formulas_seen = 0

    def _formula_columns(self) -> dict[int, set[int]]:
        """The formula cells by column; a large file's reader adds those of each part of the sheet as it reads it."""
        if len(self.formulas) != self._formulas_seen:
            self.formula_columns = {}
            for rownum, index in list(self.formulas):
                self.formula_columns.setdefault(index, set()).add(rownum)
            self._formulas_seen = len(self.formulas)
        return self.formula_columns

    def encode(self, batch: list[tuple[int, list[Any], str]]) -> _Batch:
        rows = list(map(_CELLS, batch))
        n = len(rows)
        widths = set(map(len, rows))
        # the cells column by column, all at once when every row is as wide (as the readers give them)
        by_column: list[tuple[Any, ...]] | None = list(zip(*rows, strict=True)) if len(widths) == 1 else None
        width = min(widths)

        def column(i: int) -> Sequence[Any]:
            if by_column is not None:
                return by_column[i] if i < width else (None,) * n
            return list(map(itemgetter(i), rows)) if i < width else [r[i] if i < len(r) else None for r in rows]

        # the id was read with the row (``_batches``); its column adds only formula warnings
        parsed = {f.name: f.run(column(f.index)) if f.name != "id" else _Parsed([None] * len(rows), [None] * len(rows), {}, {})
                  for f in self.fields}
        warnings = self._warnings(batch, parsed)
        raw, extra, pextra, row_personal = self._per_row(batch, parsed, warnings)
        out = _Batch()
        out.warnings = warnings
        out.data = self._data(batch, parsed, raw, extra)
        out.personal = self._personal(len(batch), parsed, pextra)
        out.raw_row = self._raw_rows(rows, by_column)
        out.personal_headers = ([self.personal_headers_json if not extra_personal else
                                 json.dumps(self.personal_headers + extra_personal, ensure_ascii=False)
                                 for extra_personal in row_personal] if any(row_personal)
                                else [self.personal_headers_json] * len(batch))
        self._columns(len(batch), parsed, out)
        out.parsed, out.raw = parsed, raw
        return out

    def inputs(self, enc: _Batch, fill: rule_inputs.Fill) -> tuple[list[Any], list[list[Any]]]:
        """The rows' rule inputs as the stored JSON gives them (``_data``): the lead applicants' business IDs,
        and each column's values, the year as the settings give it when the row has none, the texts kept as
        their JSON object."""
        parsed, raw = enc.parsed, enc.raw
        n = len(enc.data)
        nothing = [None] * n
        columns: list[list[Any]] = []
        for name in rule_inputs.COLUMNS:
            column = parsed.get(name)
            if name == "year":
                columns.append(enc.columns[0])  # (as _columns gives it: the settings' year when the row has none)
            elif name == "raw":
                columns.append([None if r is None else fill.extract(r[_RAW_KEY:]) for r in raw])
            elif column is None:
                columns.append(nothing)
            else:
                columns.append(fill.column(column.values, column.texts, len(self.by_name[name].prefix)))
        lead = parsed.get("lead_applicant")
        lead_ids = (fill.lead_business_ids(lead.values, [t and t[len(self.by_name["lead_applicant"].prefix):]
                                                         for t in lead.texts]) if lead is not None else nothing)
        return lead_ids, columns

    def _warnings(self, batch: list[tuple[int, list[Any], str]], parsed: dict[str, _Parsed]) -> list[Sequence[dict[str, Any]]]:
        """Each row's warnings in the order of its columns: a formula, then a value that could not be read
        (an empty tuple for a row without any)."""
        table = self.table
        out: list[Sequence[dict[str, Any]]] = [()] * len(batch)
        where: dict[int, int] | None = None  # row number -> index in the batch
        formula_columns = self._formula_columns()
        for f in self.fields:
            problems = parsed[f.name].problems
            formula_rows = formula_columns.get(f.index)
            if not formula_rows and not problems:
                continue
            if formula_rows and where is None:
                where = {rownum: i for i, (rownum, _, _) in enumerate(batch)}
            formulas = {where[r] for r in formula_rows if r in where} if formula_rows and where is not None else set()
            column = table.column_name(f.index)
            for i in sorted(formulas | problems.keys()):
                rownum, cells, _ = batch[i]
                found = list(out[i])
                if i in formulas:
                    cell = cells[f.index] if f.index < len(cells) else None
                    empty = cell is None or (isinstance(cell, str) and not cell.strip())
                    found.append({"sheet": table.sheet, "row": rownum, "column_name": column, "field": f.name,
                                  "message": f"{f.label}: solussa on kaava; " + (
                                      "sillä ei ole tallennettua arvoa, tallennettu puuttuvana" if empty
                                      else "tuotu Excelin tallentama arvo")})
                if i in problems:
                    found.append({"sheet": table.sheet, "row": rownum, "column_name": column, "field": f.name,
                                  "message": problems[i]})
                out[i] = found
        return out

    def _per_row(self, batch: list[tuple[int, list[Any], str]], parsed: dict[str, _Parsed],
                 warnings: list[Sequence[dict[str, Any]]]) -> tuple[list[str | None], list[str | None], list[str | None], list[list[str]]]:
        """The parts of a row that are the row's own: texts kept of values that could not be read, amounts in
        another currency, unknown columns (personal ones apart); as ``"key": JSON`` texts, None when empty."""
        n = len(batch)
        raw: list[str | None] = [None] * n
        extra: list[str | None] = [None] * n
        pextra: list[str | None] = [None] * n
        row_personal: list[list[str]] = [[]] * n  # (shared while empty: a row's own list when it has one)
        kept = [parsed[f.name] for f in self.fields if parsed[f.name].kept]
        currency = parsed["currency"].values if "currency" in parsed else None
        others = [(i, h, m.run([r[i] if i < len(r) else None for _, r, _ in batch])) for i, h, m in self.other_unknown]
        personal = [(i, h, m.run([r[i] if i < len(r) else None for _, r, _ in batch])) for i, h, m in self.personal_unknown]
        if others or personal:
            todo: Iterable[int] = range(n)
        else:  # the rows with a text kept, an amount in another currency or a warning
            todo = sorted({*(i for p in kept for i in p.kept), *compress(range(n), warnings),
                           *(compress(range(n), (c not in (None, "EUR") for c in currency)) if currency else ())})
        for i in todo:
            rownum, cells, app_id = batch[i]
            if kept or (currency and currency[i] not in (None, "EUR")):
                texts = {f.name: p.kept[i] for f, p in zip(self.fields, parsed.values(), strict=True) if i in p.kept}
                if currency and currency[i] not in (None, "EUR"):
                    warnings[i] = mine = list(warnings[i])
                    self._foreign(i, rownum, cells, currency[i], parsed, texts, mine)
                raw[i] = '"raw": ' + json.dumps(texts, ensure_ascii=False, sort_keys=True) if texts else None
            if others or personal:
                found = {h: col[i] for j, h, col in others if j < len(cells) and col[i][0] is not None}
                secret = {h: col[i] for j, h, col in personal if j < len(cells) and col[i] is not None}
                # a cell of an unknown column that looks personal by its value (an e-mail, a phone number, an
                # IBAN, a person's name under Vastuuhenkilö) is personal data, whatever its header says
                for h in [h for h, (_, looks) in found.items() if looks]:
                    if not row_personal[i]:
                        row_personal[i] = []
                    row_personal[i].append(h)
                    secret[h] = found.pop(h)[0]
                    if h not in self.result.personal_columns:
                        self.result.personal_columns.append(h)
                if found:
                    extra[i] = '"extra": ' + json.dumps({h: v for h, (v, _) in found.items()}, ensure_ascii=False, sort_keys=True)
                if secret:
                    pextra[i] = '"personal_extra": ' + json.dumps(secret, ensure_ascii=False, sort_keys=True)
            for w in warnings[i]:
                w["application_id"] = app_id
        return raw, extra, pextra, row_personal

    def _foreign(self, i: int, rownum: int, cells: list[Any], currency: str, parsed: dict[str, _Parsed],
                 texts: dict[str, str], warnings: list[dict[str, Any]]) -> None:
        """Amounts of a row in another currency are never stored as euros: each is kept as exported text and
        stored as missing, with a warning naming the currency column."""
        table = self.table
        money_col = table.column_name(self.by_name["currency"].index)
        for f in self.fields:
            column = parsed[f.name]
            if f.parse is not values.money or column.values[i] is None:
                continue
            cell = cells[f.index] if f.index < len(cells) else None
            texts[f.name] = f"{_cell_text(cell)} {currency}"
            column.values[i] = column.texts[i] = None
            warnings.append({
                "sheet": table.sheet, "row": rownum, "column_name": table.column_name(f.index), "field": f.name,
                "message": f"{f.label}: summa on valuutassa {currency} (sarake {money_col}), ei euroina; "
                           "tallennettu puuttuvana",
            })

    def _data(self, batch: list[tuple[int, list[Any], str]], parsed: dict[str, _Parsed], raw: list[str | None],
              extra: list[str | None]) -> list[str]:
        """Each row's application JSON (personal data left out), keys sorted, from the columns' JSON texts."""
        columns: list[list[str | None]] = []
        for key in self.data_keys:
            if key == "id":
                columns.append(list(map('"id": '.__add__, map(encode_basestring, map(_APP_ID, batch)))))
            elif key == "year":
                year = parsed.get("year")
                columns.append([t or self.year_text for t in year.texts] if year else [self.year_text] * len(batch))
            elif key == "raw":
                columns.append(raw)
            elif key == "extra":
                columns.append(extra)
            else:
                columns.append(parsed[key].texts)
        return _objects(columns, len(batch))

    def _personal(self, n: int, parsed: dict[str, _Parsed], pextra: list[str | None]) -> list[str]:
        return _objects([pextra if key == "personal_extra" else parsed[key].texts for key in self.personal_keys], n)

    def _raw_rows(self, rows: list[list[Any]], by_column: list[tuple[Any, ...]] | None) -> list[str]:
        """Each exported row whole as the store keeps it: header -> cell text, in the sheet's column order."""
        headers = self.table.headers
        width = len(headers)
        if self.raw_cells is None or any(len(r) != width for r in rows):
            return [_raw_row(headers, r) for r in rows]
        shared = {f.index: f.encoded for f in self.fields if f.encoded is not None}
        columns = [shared[i] if i in shared else c.run(by_column[i] if by_column is not None else list(map(itemgetter(i), rows)))
                   for i, c in enumerate(self.raw_cells)]
        if any(None in c for c in columns):  # a column without a header, left out of the rows where it is empty
            return _objects([[None if v is None else c.key + v for v in texts]
                             for c, texts in zip(self.raw_cells, columns, strict=True)], len(rows))
        return _joined([c.key for c in self.raw_cells], columns, len(rows))

    def _columns(self, n: int, parsed: dict[str, _Parsed], out: _Batch) -> None:
        """The columns the store keeps beside the JSON, and each row's organisation."""
        def values_of(name: str) -> list[Any]:
            return parsed[name].values if name in parsed else [None] * n

        year = _each(lambda y: self.settings.year if y is None else y, values_of("year"))
        form = _each(_enum_value, values_of("form"))
        applicant = _each(lambda a: a or "", values_of("applicant"))
        business_id = values_of("business_id")
        received = _each(lambda r: None if r is None else r.isoformat(timespec="seconds"), values_of("received"))
        out.columns = [year, form, applicant, business_id, values_of("category"), values_of("requested"), received]
        legal = _each(_enum_value, values_of("legal_form"))
        out.organisation_columns = [business_id, applicant, legal, values_of("home_municipality"), values_of("register_number")]


def _each(f: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``f`` of each value, computed once per distinct value (values that are equal are alike here)."""
    try:
        done = {v: f(v) for v in set(values)}
    except TypeError:  # a value that is not hashable
        return list(map(f, values))
    return list(map(done.__getitem__, values))


def _enum_value(member: Any) -> Any:
    return None if member is None else member.value


def _objects(columns: list[list[str | None]], n: int) -> list[str]:
    """Each row's JSON object, joined from its ``"key": JSON`` texts (None: the key is left out), the
    columns in the order of their keys."""
    missing = [c.count(None) for c in columns]
    columns = [c for c, m in zip(columns, missing, strict=True) if m != n]  # (a key no row has)
    if not columns:
        return ["{}"] * n
    if not any(m and m != n for m in missing):  # every row has every key: joined in C
        return list(map(_BRACED, map(", ".join, zip(*columns, strict=True))))
    return ["{" + ", ".join(filter(None, parts)) + "}" for parts in zip(*columns, strict=True)]


def _joined(keys: list[str], columns: Sequence[Sequence[Any]], n: int) -> list[str]:
    """Each row's JSON object when every row has every key: its texts joined, in C, with the ``"key": ``
    texts and separators that are the same in every row (no text of its own made for each key of a row)."""
    if not keys:
        return ["{}"] * n
    pieces = ["{" + keys[0], *(", " + k for k in keys[1:]), "}"]
    parts: list[Iterable[Any]] = [repeat(pieces[0])]
    for piece, column in zip(pieces[1:], columns, strict=True):
        parts += (column, repeat(piece))
    return list(map("".join, zip(*parts, strict=False)))  # (the columns end it: the repeats are endless)


_BRACED = "{%s}".__mod__
_ROWNUM, _CELLS, _APP_ID = itemgetter(0), itemgetter(1), itemgetter(2)


def _hashes(data: list[str], personal: list[str]) -> tuple[list[str], list[str]]:
    """Of each row: the first 16 hex digits of the SHA-256 of its data JSON, and of its data JSON, a zero
    byte and its personal JSON (one pass over the data for both)."""
    data_hashes: list[str] = []
    digests: list[str] = []
    sha256 = hashlib.sha256
    for d, p in zip(data, personal, strict=True):
        h = sha256(d.encode())
        data_hashes.append(h.hexdigest()[:16])
        h.update(b"\x00" + p.encode())
        digests.append(h.hexdigest()[:16])
    return data_hashes, digests


def _extra_cell(header: str, cell: Any) -> tuple[Any, bool]:
    """An unknown column's cell as kept, and whether its value looks like personal data."""
    text = _cell_text(cell)
    return text, text is not None and looks_personal_value(header, text)


def _raw_row(headers: list[str], cells: list[Any]) -> str:
    row: dict[str, Any] = {}
    for i, c in enumerate(cells[: len(headers)]):
        text = _cell_text(c)
        if headers[i] or text is not None:
            row[headers[i] or str(i)] = text
    return json.dumps(row, ensure_ascii=False)


# --- writing ---------------------------------------------------------------------------------------


class _Writer:
    """Writes batches: new and changed applications, their warnings and audit rows; the rest counted."""

    def __init__(self, store: Store, plan: _Plan, index: dict[str, tuple[str, bool]], import_id: int, force: bool,
                 result: ImportResult, fill: rule_inputs.Fill | None = None, warned: set[str] | None = None):
        from avustus_cli.adapters.store import now

        self.plan = plan
        self.store, self.index, self.import_id, self.force, self.result = store, index, import_id, force, result
        self.fill = fill  # given only when no application is stored: every row is then new
        self.warned = warned  # the applications with stored import warnings (None: any may have)
        self.at = now()  # one time for the whole import
        self.organisations: dict[str, tuple[Any, ...]] = {}  # business ID -> the last row's organisation
        self.created = json.dumps({"import": import_id}, ensure_ascii=False)

    def write(self, batch: list[tuple[int, list[Any], str]], enc: _Batch) -> None:
        result, index = self.result, self.index
        if not index:
            self._write_new(batch, enc)
            return
        rows: list[tuple[Any, ...]] = []  # stored already (changed, or forced)
        new: list[tuple[Any, ...]] = []
        audit: list[tuple[str, str | None, str, str]] = []
        written: list[str] = []
        warnings: list[dict[str, Any]] = []
        columns = list(zip(*enc.columns, strict=True))
        data_hashes, digests = _hashes(enc.data, enc.personal)
        for i, (rownum, _, app_id) in enumerate(batch):
            data, personal, digest = enc.data[i], enc.personal[i], digests[i]
            result.warnings.extend(enc.warnings[i])
            old = index.get(app_id)
            if old is not None and old[0] == digest:
                result.unchanged.append(app_id)
                continue
            if old is not None and old[1] and not self.force:
                result.kept_decided.append(app_id)
                continue
            if old is not None:
                audit.append(("application", app_id, "update", self._changed(app_id, data, personal, old[1])))
            else:
                result.new.append(app_id)
                audit.append(("application", app_id, "create", self.created))
            (rows if old is not None else new).append(
                (app_id, *columns[i], data, personal, enc.raw_row[i], enc.personal_headers[i], digest, rownum,
                 data_hashes[i]))
            business_id = columns[i][3]
            if business_id:
                self.organisations[business_id] = tuple(c[i] for c in enc.organisation_columns)
            written.append(app_id)
            warnings.extend(enc.warnings[i])
        self.store.audit_many(audit, self.at)
        # the stored ones first: a new row takes the next row id, as when the rows were written one by one
        self.store.write_applications(rows, self.result.file, self.result.sheet, self.import_id, self.at)
        self.store.write_applications(new, self.result.file, self.result.sheet, self.import_id, self.at, new=True)
        # an application's earlier warnings go (each application is written once per import: the set stays true)
        self._replace_warnings(written, warnings)

    def _replace_warnings(self, written: list[str], warnings: list[dict[str, Any]]) -> None:
        """The warnings of the applications written replace their earlier ones (each application is written
        once per import: the set of those with warnings stays true)."""
        warned = self.warned
        self.store.replace_application_warnings(self.import_id, written if warned is None else
                                                [a for a in written if a in warned], warnings)

    def _write_new(self, batch: list[tuple[int, list[Any], str]], enc: _Batch) -> None:
        """A batch when no application is stored: every row is new (what ``write`` does, column by column)."""
        result = self.result
        ids = list(map(_APP_ID, batch))
        data_hashes, digests = _hashes(enc.data, enc.personal)
        warnings = [w for row in enc.warnings for w in row] if any(enc.warnings) else []
        result.warnings.extend(warnings)
        result.new.extend(ids)
        # business ID -> organisation: the last row naming one gives it
        organisations = dict(zip(enc.organisation_columns[0], zip(*enc.organisation_columns, strict=True), strict=True))
        organisations.pop(None, None)
        organisations.pop("", None)
        self.organisations.update(organisations)
        self.store.audit_each("application", ids, "create", self.created, self.at)
        self.store.write_applications(list(zip(ids, *enc.columns, enc.data, enc.personal, enc.raw_row, enc.personal_headers,
                                               digests, map(_ROWNUM, batch), data_hashes, strict=True)),
                                      result.file, result.sheet, self.import_id, self.at, new=True)
        self._replace_warnings(ids, warnings)
        if self.fill is not None:
            self.fill.write(ids, data_hashes, *self.plan.inputs(enc, self.fill))

    def _changed(self, app_id: str, data: str, personal: str, decided: bool) -> str:
        before = self.store.application_data(app_id) or {}
        full = {**json.loads(data), **json.loads(personal)}
        changed = sorted(k for k in set(before) | set(full) if _empty_as_none(before.get(k)) != _empty_as_none(full.get(k)))
        self.result.changed[app_id] = changed
        if decided:
            self.result.forced.append(app_id)
        return json.dumps({"fields": changed, "import": self.import_id, "forced": decided}, ensure_ascii=False, default=str)

    def finish(self) -> None:
        """The organisations of the rows written, each once, as the last row naming it gave it."""
        self.store.write_organisations(list(self.organisations.values()), self.at)

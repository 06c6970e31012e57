"""What the three imports share: the result, the table's opening and column report, row tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avustus_cli.adapters.excel import Table, read_table
from avustus_cli.adapters.store import Store
from avustus_cli.domain import values
from avustus_cli.domain.config import SETTINGS_FILE, Settings
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.fields import (
    APPLICATION_SPECS,
    HISTORY_SPECS,
    PERSONAL_FIELDS,
)
from avustus_cli.domain.headers import ColumnReport, column_report
from avustus_cli.domain.matching import normalize

_DIGIT = re.compile(r"\d")
TOTAL_WORDS = {"yhteensä", "yhteensa", "summa", "kaikki yhteensä", "total", "totals", "grand total", "sum", "totalt", "summa yhteensä"}


@dataclass
class ImportResult:
    kind: str
    file: str
    sheet: str
    header_row: int
    rows_total: int = 0
    new: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # id -> changed field names
    unchanged: list[str] = field(default_factory=list)
    skipped_blank: int = 0
    skipped_total: int = 0
    kept_decided: list[str] = field(default_factory=list)  # decided, not changed (no --force)
    forced: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    personal_columns: list[str] = field(default_factory=list)  # unknown columns kept as personal data
    mapped_columns: dict[str, str] = field(default_factory=dict)  # header -> field
    columns: dict[str, Any] = field(default_factory=dict)  # the column report (domain.headers), as JSON
    missing_fields: list[str] = field(default_factory=list)  # fields the rules read that no column gives
    import_id: int | None = None
    dry_run: bool = False
    backup: str | None = None

    @property
    def skipped(self) -> int:
        return self.skipped_blank + self.skipped_total

    def as_json(self) -> dict[str, Any]:
        # the fields as they are (lists and dicts of plain values): dataclasses.asdict would deep-copy 100 000 ids
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["skipped"] = self.skipped
        return d


def _begin_import(store: Store, kind: str, display: str, sha: str, table: Table, result: ImportResult) -> int:
    """The import's own row, counts at zero until the rows are read (inside the caller's transaction)."""
    result.import_id = store.record_import(
        {"kind": kind, "file": display, "sha256": sha, "sheet": table.sheet, "header_row": table.header_row,
         "rows_total": 0, "new": 0, "changed": 0, "unchanged": 0, "skipped": 0, "warnings": 0,
         "unknown_columns": result.unknown_columns}
    )
    return result.import_id


class _DryRun(Exception):
    pass


def _finish(store: Store, import_id: int, result: ImportResult) -> None:
    """The import row's counts, then a dry run's way out of the transaction (rolled back)."""
    store.update_import(import_id, {"rows_total": result.rows_total, "new": len(result.new), "changed": len(result.changed),
                                    "unchanged": len(result.unchanged), "skipped": result.skipped,
                                    "kept_decided": len(result.kept_decided), "warnings": len(result.warnings)})
    if result.dry_run:
        raise _DryRun


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _data_rows(table: Table, total_index: int, result: ImportResult) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of each row that holds data; blank and total rows are counted in ``result`` and
    left out (the registers' loop; applications have their own batched one)."""
    for rownum, cells in table.rows:
        result.rows_total += 1
        if _is_blank(cells):
            result.skipped_blank += 1
        elif _is_total(cells, total_index):
            result.skipped_total += 1
        else:
            yield rownum, cells


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _is_total(cells: list[Any], id_index: int) -> bool:
    idv = cells[id_index] if id_index < len(cells) else None
    if idv is not None and not (isinstance(idv, str) and (not idv.strip() or (not _DIGIT.search(idv) and normalize(idv) in TOTAL_WORDS))):
        return False  # a row with a real id is an application, whatever else it says (no total word has a digit)
    texts = [normalize(c) for c in cells if isinstance(c, str) and c.strip()]
    if any(t in TOTAL_WORDS or t.startswith("yhteensä ") for t in texts):
        return idv is None or (isinstance(idv, str) and (not idv.strip() or normalize(idv) in TOTAL_WORDS))
    return False


def _empty_as_none(value: Any) -> Any:
    """An empty list, mapping or text compares equal to a missing value."""
    return None if isinstance(value, (list, dict, str)) and not value else value


def _cell_text(cell: Any) -> Any:
    """The exported cell as JSON-able text (the raw row keeps what was exported)."""
    if cell is None or (isinstance(cell, str) and cell == ""):
        return None
    if isinstance(cell, (dt.datetime, dt.date)):
        return cell.isoformat()
    if isinstance(cell, (dt.time, dt.timedelta)):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


def _parse_row(
    table: Table,
    rownum: int,
    cells: list[Any],
    specs: dict[str, Any],
    settings: Settings,
    formulas: set[tuple[int, int]] = frozenset(),  # type: ignore[assignment]
) -> tuple[dict[str, Any], dict[str, str], list[dict[str, Any]]]:
    parsed: dict[str, Any] = {}
    raw: dict[str, str] = {}
    warnings: list[dict[str, Any]] = []
    for index, name in table.mapping.items():
        cell = cells[index] if index < len(cells) else None
        spec = specs[name]
        if formulas and (rownum, index) in formulas:
            empty = cell is None or (isinstance(cell, str) and not cell.strip())
            warnings.append(
                {
                    "sheet": table.sheet,
                    "row": rownum,
                    "column_name": table.column_name(index),
                    "field": name,
                    "message": f"{spec.label}: solussa on kaava; "
                    + ("sillä ei ole tallennettua arvoa, tallennettu puuttuvana" if empty else "tuotu Excelin tallentama arvo"),
                }
            )
        try:
            if spec.kind == "category":
                value = values.category(cell, settings.categories)
            else:
                value = values.PARSERS[spec.kind](cell)
        except values.ValueProblem as e:
            value = None
            text = None
            try:
                text = values.text(cell)
            except values.ValueProblem:
                text = str(cell)
            if name not in PERSONAL_FIELDS and text is not None:
                raw[name] = text[:500]
            warnings.append(
                {
                    "sheet": table.sheet,
                    "row": rownum,
                    "column_name": table.column_name(index),
                    "field": name,
                    "message": f"{spec.label}: {e}; tallennettu puuttuvana",
                }
            )
        if value is not None and value != ():
            parsed[name] = value
    currency = parsed.get("currency")
    if currency is not None and currency != "EUR":
        _foreign_amounts(table, rownum, cells, specs, currency, parsed, raw, warnings)
    return parsed, raw, warnings


def _foreign_amounts(table: Table, rownum: int, cells: list[Any], specs: dict[str, Any], currency: str,
                     parsed: dict[str, Any], raw: dict[str, str], warnings: list[dict[str, Any]]) -> None:
    """Amounts of a row in another currency are never stored as euros: each is kept as exported text and
    stored as missing, with a warning naming the currency column."""
    where = {n: i for i, n in table.mapping.items()}
    money_col = table.column_name(where["currency"])
    for name in [n for n in parsed if specs[n].kind == "money"]:
        index = where[name]
        cell = cells[index] if index < len(cells) else None
        raw[name] = f"{_cell_text(cell)} {currency}"
        del parsed[name]
        warnings.append({
            "sheet": table.sheet, "row": rownum, "column_name": table.column_name(index), "field": name,
            "message": f"{specs[name].label}: summa on valuutassa {currency} (sarake {money_col}), ei euroina; "
                       "tallennettu puuttuvana",
        })


def inspect_columns(path: Path, settings: Settings, *, history: bool = False, sheet: str | None = None,
                    display: str | None = None) -> ColumnReport:
    """What each column of the export gives and which fields the rules need are missing, without importing."""
    display = display or path.name
    specs, mapping, required = (HISTORY_SPECS, settings.history_columns, "amount") if history else (
        APPLICATION_SPECS, settings.columns, "id")
    table = read_table(path, specs, mapping, sheet=sheet, display=display, required=required, refuse_missing=False)
    return column_report(display, table.sheet, table.header_row, table.headers, table.match, specs, history=history)


def settings_place(settings: Settings, section: str) -> tuple[str, bool]:
    """The settings file the officer pastes [columns] lines into, and whether it already has that section."""
    import re

    source = settings.source
    name = str(source) if source is not None else SETTINGS_FILE
    try:
        text = source.read_text(encoding="utf-8") if source is not None and source.is_file() else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    return name, re.search(rf"(?m)^\s*\[{section}\]", text) is not None


def _open(path: Path, kind: str, specs, mapping: dict[str, str], sheet: str | None, display: str, dry_run: bool,
          required: str, settings: Settings) -> tuple[Table, ImportResult]:
    """The table to import and an empty result describing it; a file whose header row lacks a field the
    import cannot do without, or holds an ambiguous header, is refused here with the lines to paste."""
    checked = kind in ("applications", "history")  # the usage-report form has no [columns] section
    table = read_table(path, specs, mapping, sheet=sheet, display=display, required=required, refuse_missing=not checked)
    result = ImportResult(kind, display, table.sheet, table.header_row, dry_run=dry_run)
    if checked:
        report = column_report(display, table.sheet, table.header_row, table.headers, table.match, specs,
                               history=kind == "history")
        refusal = report.refusal(*settings_place(settings, report.section))
        if refusal is not None:
            raise InputFileError(refusal[0], file=display, sheet=table.sheet, column=refusal[1])
        result.columns = report.as_json()
        result.missing_fields = list(report.missing)
    result.unknown_columns = list(table.unknown.values())
    result.mapped_columns = {table.headers[i]: n for i, n in table.mapping.items()}
    return table, result


WARNING_HEADERS = ("Hakemusnumero", "Taulukko", "Rivi", "Sarake", "Kenttä", "Varoitus")


def write_warnings(path: Path, result: ImportResult) -> Path:
    """Every warning of an import as a worksheet (cells neutralised against formulas by the writer)."""
    from avustus_cli.adapters.excel import Sheet, write_workbook

    rows = [[w.get("application_id"), w.get("sheet"), w.get("row"), w.get("column_name"), w.get("field"), w.get("message")]
            for w in result.warnings]
    return write_workbook(path, [Sheet("Varoitukset", WARNING_HEADERS, rows, widths={0: 36, 1: 20, 3: 30, 5: 100})])

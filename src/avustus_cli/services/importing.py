"""Importing exports into the store: applications and earlier grants.

The whole file goes in one transaction. Rows are parsed as they stream from
the reader, so memory stays bounded by the database index, not the file.
A value that cannot be parsed is stored as missing with a warning naming
sheet, row and column; a file that cannot be used is refused whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avustus_cli.adapters.excel import Table, formula_cells, read_table
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as history_store
from avustus_cli.domain import codec, values
from avustus_cli.domain.config import SETTINGS_FILE, Settings
from avustus_cli.domain.decision import Decision
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.fields import (
    APPLICATION_FIELDS,
    APPLICATION_SPECS,
    HISTORY_FIELDS,
    HISTORY_SPECS,
    PERSONAL_FIELDS,
    looks_personal,
)
from avustus_cli.domain.headers import ColumnReport, column_report
from avustus_cli.domain.matching import normalize
from avustus_cli.domain.models import Application, GrantForm
from avustus_cli.domain.privacy import looks_personal_value

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
        d = dataclasses.asdict(self)
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


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _is_total(cells: list[Any], id_index: int) -> bool:
    idv = cells[id_index] if id_index < len(cells) else None
    if idv is not None and not (isinstance(idv, str) and (not idv.strip() or normalize(idv) in TOTAL_WORDS)):
        return False  # a row with a real id is an application, whatever else it says
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
    display = display or path.name
    table, result = _open(path, "applications", APPLICATION_SPECS, settings.columns, sheet, display, dry_run, "id", settings)
    id_index = next(i for i, n in table.mapping.items() if n == "id")
    personal_unknown = {i: h for i, h in table.unknown.items() if looks_personal(h)}
    other_unknown = {i: h for i, h in table.unknown.items() if i not in personal_unknown}
    result.unknown_columns = list(other_unknown.values())
    result.personal_columns = list(personal_unknown.values())
    personal_headers = [table.headers[i] for i, n in table.mapping.items() if n in PERSONAL_FIELDS]
    personal_headers += list(personal_unknown.values())
    sha = file_sha256(path)
    seen: dict[str, int] = {}
    specs = APPLICATION_FIELDS
    formulas = formula_cells(path, table.sheet)

    if force and not dry_run and any(decided for _, decided in store.application_index().values()):
        from avustus_cli.adapters.store.backup import backup_before  # a backup can't be taken inside the write transaction

        result.backup = str(backup_before(store, "import-force"))
    try:
        with store.transaction():
            # read under the write lock: another officer's import or decide may have just committed
            index = store.application_index()
            import_id = _begin_import(store, "applications", display, sha, table, result)
            for n, (rownum, cells) in enumerate(table.rows, 1):
                result.rows_total += 1
                if progress and n % 500 == 0:
                    progress(n, table.total_rows)
                if _is_blank(cells):
                    result.skipped_blank += 1
                    continue
                if _is_total(cells, id_index):
                    result.skipped_total += 1
                    continue
                try:
                    app_id = values.identifier(cells[id_index] if id_index < len(cells) else None)
                except values.ValueProblem as e:
                    raise InputFileError(f"hakemusnumero ei kelpaa: {e}.", file=display, sheet=table.sheet, row=rownum, column=table.column_name(id_index)) from None
                if app_id is None:
                    raise InputFileError(
                        "rivillä on tietoja mutta ei hakemusnumeroa; lisää numero tai poista rivi. Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum, column=table.column_name(id_index),
                    )
                if app_id in seen:
                    raise InputFileError(
                        f"hakemusnumero {app_id} toistuu (myös rivillä {seen[app_id]}); jokaisella hakemuksella on oltava oma numero. Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum, column=table.column_name(id_index),
                    )
                seen[app_id] = rownum
                parsed, raw, warnings = _parse_row(table, rownum, cells, specs, settings, formulas)
                parsed["id"] = app_id
                parsed.pop("currency", None)  # checked by _parse_row; the application holds euros only
                parsed.setdefault("year", settings.year)
                extra = {h: v for i, h in other_unknown.items() if i < len(cells) and (v := _cell_text(cells[i])) is not None}
                pextra = {h: v for i, h in personal_unknown.items() if i < len(cells) and (v := _cell_text(cells[i])) is not None}
                # a cell of an unknown column that looks personal by its value (an e-mail, a phone number,
                # an IBAN, a person's name under Vastuuhenkilö) is personal data, whatever its header says
                row_personal = [h for h, v in extra.items() if looks_personal_value(h, v)]
                for h in row_personal:
                    pextra[h] = extra.pop(h)
                    if h not in result.personal_columns:
                        result.personal_columns.append(h)
                fields = {**parsed, "raw": raw, "extra": extra, "personal_extra": pextra}
                app = Application(**fields)
                full = codec.encode_present(Application, fields)
                data_json, personal_json = store.encode_application(full)
                digest = hashlib.sha256(f"{data_json}\x00{personal_json}".encode()).hexdigest()[:16]
                for w in warnings:
                    w["application_id"] = app_id
                result.warnings.extend(warnings)
                old = index.get(app_id)
                if old is not None and old[0] == digest:
                    result.unchanged.append(app_id)
                    continue
                if old is not None and old[1] and not force:
                    result.kept_decided.append(app_id)
                    continue
                if old is not None:
                    before = store.application_data(app_id) or {}
                    changed = sorted(k for k in set(before) | set(full) if _empty_as_none(before.get(k)) != _empty_as_none(full.get(k)))
                    result.changed[app_id] = changed
                    if old[1]:
                        result.forced.append(app_id)
                    store.audit("application", app_id, "update", {"fields": changed, "import": import_id, "forced": bool(old[1])})
                else:
                    result.new.append(app_id)
                    store.audit("application", app_id, "create", {"import": import_id})
                raw_row = {
                    (table.headers[i] or str(i)): _cell_text(c)
                    for i, c in enumerate(cells)
                    if i < len(table.headers) and (table.headers[i] or _cell_text(c) is not None)
                }
                store.upsert_application(app, raw_row, personal_headers + row_personal, (display, table.sheet, rownum), import_id, digest,
                                         encoded=(data_json, personal_json))
                store.replace_warnings(import_id, app_id, warnings)
            if progress:
                progress(result.rows_total, result.rows_total)
            result.unknown_columns = [h for h in result.unknown_columns if h not in result.personal_columns]
            store.update_import(
                import_id,
                {
                    "rows_total": result.rows_total,
                    "new": len(result.new),
                    "changed": len(result.changed),
                    "unchanged": len(result.unchanged),
                    "skipped": result.skipped,
                    "kept_decided": len(result.kept_decided),
                    "warnings": len(result.warnings),
                },
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.import_id = None
    return result


def import_history(
    store: Store,
    path: Path,
    settings: Settings,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    display: str | None = None,
) -> ImportResult:
    """Earlier grants with their payments and usage reports."""
    display = display or path.name
    table, result = _open(path, "history", HISTORY_SPECS, settings.history_columns, sheet, display, dry_run, "amount", settings)
    amount_index = next(i for i, n in table.mapping.items() if n == "amount")
    year_index = next((i for i, n in table.mapping.items() if n == "year"), None)
    sha = file_sha256(path)
    history_formulas = formula_cells(path, table.sheet)
    seen: dict[str, int] = {}
    try:
        with store.transaction():
            existing = history_store.decisions_by_id(store)  # under the write lock
            import_id = _begin_import(store, "history", display, sha, table, result)
            for rownum, cells in table.rows:
                result.rows_total += 1
                if _is_blank(cells):
                    result.skipped_blank += 1
                    continue
                if _is_total(cells, amount_index if "application_id" not in table.mapping.values() else next(i for i, n in table.mapping.items() if n == "application_id")):
                    result.skipped_total += 1
                    continue
                parsed, raw, warnings = _parse_row(table, rownum, cells, HISTORY_FIELDS, settings, history_formulas)
                if parsed.get("year") is None and parsed.get("report_received") is None:
                    warnings.append({
                        "sheet": table.sheet, "row": rownum, "field": "year",
                        "column_name": table.column_name(year_index) if year_index is not None else "",
                        "message": "Avustusvuosi puuttuu: käyttöselvityksen eräpäivää ei voi laskea, joten avustus "
                                   "ei näy myöhässä olevissa (overdue näyttää sen erikseen); lisää vuosi",
                    })
                for w in warnings:
                    w["application_id"] = parsed.get("application_id")
                result.warnings.extend(warnings)
                currency = parsed.pop("currency", None)
                if currency not in (None, "EUR"):
                    raise InputFileError(
                        f"avustuksen summa on valuutassa {currency}, ei euroina; aiempien avustusten rekisteriin "
                        "tuodaan vain euromääriä. Muunna summat euroiksi. Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum, column=table.column_name(amount_index),
                    )
                if parsed.get("amount") is None:
                    raise InputFileError(
                        "avustukselta puuttuu myönnetty summa tai se ei ole euromäärä; korjaa rivi. Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum, column=table.column_name(amount_index),
                    )
                if not parsed.get("applicant") and not parsed.get("business_id"):
                    raise InputFileError(
                        "avustukselta puuttuu sekä hakija että Y-tunnus; korjaa rivi. Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum,
                    )
                form = parsed.get("form")
                gid = parsed.get("application_id") or "-".join(
                    str(x) for x in (parsed.get("business_id") or parsed.get("applicant"), parsed.get("year") or "", (form.value if form else ""))
                )
                if gid in seen:
                    raise InputFileError(
                        f"avustus {gid} toistuu (myös rivillä {seen[gid]}). Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum,
                    )
                seen[gid] = rownum
                grant = Decision(
                    id=gid,
                    application_id=parsed.get("application_id"),
                    applicant=parsed.get("applicant") or "",
                    business_id=parsed.get("business_id"),
                    form=form.value if form else None,
                    year=parsed.get("year"),
                    amount=parsed["amount"],
                    requested=None,
                    decision_date=parsed.get("decision_date"),
                    section=parsed.get("section"),
                    decision_maker=parsed.get("decision_maker"),
                    conditions="",
                    reason="",
                    source="history",
                )
                state = history_store.history_row_state(
                    grant,
                    [codec.to_jsonable(parsed.get("paid_amount")), codec.to_jsonable(parsed.get("paid_date")),
                     codec.to_jsonable(parsed.get("report_received")), codec.to_jsonable(parsed.get("report_status"))],
                )
                if parsed.get("paid_amount") is not None and not (parsed.get("paid_date") or parsed.get("decision_date")):
                    col = next((i for i, n in table.mapping.items() if n == "paid_date"), None)
                    col = col if col is not None else next(i for i, n in table.mapping.items() if n == "paid_amount")
                    raise InputFileError(
                        "avustukselle on kirjattu maksettu summa mutta ei maksupäivää eikä päätöspäivää; lisää "
                        "maksupäivä. Tiedostoa ei tuotu.",
                        file=display, sheet=table.sheet, row=rownum, column=table.column_name(col),
                    )
                old = existing.get(gid)
                if old is not None and old.source == "decision":
                    result.kept_decided.append(gid)
                    continue
                if history_store.history_state(store, gid) == state:
                    result.unchanged.append(gid)
                    continue
                if old is None:
                    result.new.append(gid)
                else:
                    result.changed[gid] = ["history"]
                history_store.record_history_grant(store, grant)
                payment = None
                if parsed.get("paid_amount") is not None:
                    payment = (parsed["paid_amount"], parsed.get("paid_date") or parsed["decision_date"])
                report = None
                if parsed.get("report_received") is not None:
                    st = parsed.get("report_status")
                    report = (parsed["report_received"], st.value if st else None)
                history_store.replace_history_details(store, gid, payment, report, warnings, import_id, state)
                store.audit("grant", gid, "import", {"import": import_id, "new": old is None})
            store.update_import(import_id, {"rows_total": result.rows_total, "new": len(result.new), "changed": len(result.changed),
                                            "unchanged": len(result.unchanged), "skipped": result.skipped,
                                            "kept_decided": len(result.kept_decided), "warnings": len(result.warnings)})
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.import_id = None
    return result


# --- usage reports (käyttöselvitykset) ---------------------------------------------------------------

REQUIRED_REPORT_ANSWERS = ("activity_report", "financial_statements")


def import_reports(
    store: Store,
    path: Path,
    settings: Settings,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    display: str | None = None,
) -> ImportResult:
    """Usage reports from the e-form export: one row per grant and year.

    Strict, unlike applications: a value that cannot be read, a grant that is not in the database, a
    business ID that is not the grant's, a year outside the grant's or a repeated grant and year refuses
    the whole file with one Finnish line naming file, sheet, row and column; nothing is stored. A report
    the officer has already accepted is not changed by a new import (``kept_decided``); a report asked to
    be supplemented is replaced by the new one (the supplement)."""
    from avustus_cli.adapters.store import reports as report_store
    from avustus_cli.domain.fields import REPORT_FIELDS, REPORT_SPECS
    from avustus_cli.domain.payment import plan_instalments
    from avustus_cli.domain.report import ReportFiling

    display = display or path.name
    table, result = _open(path, "reports", REPORT_SPECS, {}, sheet, display, dry_run, "grant_id", settings)
    col = {n: i for i, n in table.mapping.items()}
    sha = file_sha256(path)
    formulas = formula_cells(path, table.sheet)
    seen: dict[tuple[str, int], int] = {}

    def refuse(message: str, rownum: int, field_name: str | None) -> InputFileError:
        column = table.column_name(col[field_name]) if field_name in col else None
        return InputFileError(f"{message} Tiedostoa ei tuotu.", file=display, sheet=table.sheet, row=rownum, column=column)

    try:
        with store.transaction():
            grants = {r["id"]: r for r in store.grant_rows()}
            existing = {(f.grant_id, f.year): row for f, row in report_store.filings(store)}
            import_id = _begin_import(store, "reports", display, sha, table, result)
            for rownum, cells in table.rows:
                result.rows_total += 1
                if _is_blank(cells):
                    result.skipped_blank += 1
                    continue
                if _is_total(cells, col["grant_id"]):
                    result.skipped_total += 1
                    continue
                parsed: dict[str, Any] = {}
                for index, name in table.mapping.items():
                    cell = cells[index] if index < len(cells) else None
                    if (rownum, index) in formulas:
                        raise refuse(f"{REPORT_FIELDS[name].label}: solussa on kaava; vie lomake uudelleen arvoina.", rownum, name)
                    try:
                        value = values.PARSERS[REPORT_FIELDS[name].kind](cell)
                    except values.ValueProblem as e:
                        raise refuse(f"{REPORT_FIELDS[name].label}: {e}.", rownum, name) from None
                    if value is not None:
                        parsed[name] = value
                gid = parsed.get("grant_id")
                if gid is None:
                    raise refuse("rivillä on tietoja mutta ei hakemusnumeroa; lisää numero tai poista rivi.", rownum, "grant_id")
                grant = grants.get(gid)
                if grant is None:
                    raise refuse(f"avustusta {gid} ei ole tietokannassa; tarkista hakemusnumero.", rownum, "grant_id")
                if parsed.get("business_id") and grant["business_id"] and parsed["business_id"] != grant["business_id"]:
                    raise refuse(
                        f"Y-tunnus {parsed['business_id']} ei ole avustuksen {gid} saajan Y-tunnus {grant['business_id']}; "
                        "tarkista, kenen selvitys rivillä on.", rownum, "business_id",
                    )
                if parsed.get("received") is None:
                    raise refuse("saapumispäivä puuttuu.", rownum, "received")
                app = None
                if grant["application_id"]:
                    found = store.applications([grant["application_id"]])
                    app = found[0] if found else None
                form = GrantForm(grant["form"]) if grant["form"] else None
                years = [p.year for p in plan_instalments(form, grant["year"], app, settings.year) if p.year is not None]
                year = parsed.get("year") or grant["year"] or settings.year
                if years and year not in years:
                    raise refuse(
                        f"avustus {gid} on myönnetty vuodelle {', '.join(str(y) for y in years)}, ei vuodelle {year}.",
                        rownum, "year",
                    )
                for name in ("used", "unused"):
                    if parsed.get(name) is not None and parsed[name] < 0:
                        raise refuse(f"{REPORT_FIELDS[name].label} ei voi olla negatiivinen.", rownum, name)
                key = (gid, year)
                if key in seen:
                    raise refuse(f"avustuksen {gid} vuoden {year} selvitys toistuu (myös rivillä {seen[key]}).", rownum, "grant_id")
                seen[key] = rownum
                filing = ReportFiling(
                    grant_id=gid, year=year, received=parsed["received"], used=parsed.get("used"),
                    unused=parsed.get("unused"),
                    activity_report=bool(parsed.get("activity_report")),
                    financial_statements=bool(parsed.get("financial_statements")),
                    audit_report=bool(parsed.get("audit_report")),
                    operations_audit_report=bool(parsed.get("operations_audit_report")),
                    metrics=parsed.get("metrics") or "",
                )
                digest = hashlib.sha256(json.dumps(filing.record(), sort_keys=True).encode()).hexdigest()[:16]
                old = existing.get(key)
                label = f"{gid}/{year}"
                if old is not None and old["content_hash"] == digest:
                    result.unchanged.append(label)
                    continue
                if old is not None and old["outcome"] == "accepted":
                    result.kept_decided.append(label)
                    continue
                report_store.upsert_filing(store, filing, digest, import_id, rownum)
                # the grant's report state as the follow-up reads it: in, waiting for the officer's handling
                store.set_report(gid, filing.received, "processing")
                if old is None:
                    result.new.append(label)
                else:
                    result.changed[label] = ["käyttöselvitys" if old["outcome"] != "supplement" else "täydennys"]
                store.audit("report", gid, "import", {**filing.record(), "import": import_id, "new": old is None})
            store.update_import(import_id, {"rows_total": result.rows_total, "new": len(result.new), "changed": len(result.changed),
                                            "unchanged": len(result.unchanged), "skipped": result.skipped,
                                            "kept_decided": len(result.kept_decided), "warnings": 0})
            if dry_run:
                raise _DryRun
    except _DryRun:
        result.import_id = None
    return result


WARNING_HEADERS = ("Hakemusnumero", "Taulukko", "Rivi", "Sarake", "Kenttä", "Varoitus")


def write_warnings(path: Path, result: ImportResult) -> Path:
    """Every warning of an import as a worksheet (cells neutralised against formulas by the writer)."""
    from avustus_cli.adapters.excel import Sheet, write_workbook

    rows = [[w.get("application_id"), w.get("sheet"), w.get("row"), w.get("column_name"), w.get("field"), w.get("message")]
            for w in result.warnings]
    return write_workbook(path, [Sheet("Varoitukset", WARNING_HEADERS, rows, widths={0: 36, 1: 20, 3: 30, 5: 100})])

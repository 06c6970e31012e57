"""Importing the register of earlier grants: payments and usage reports with each grant.

A register is a few thousand rows at most: read row by row, each row checked whole before it is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from avustus_cli.adapters.excel import Table
from avustus_cli.adapters.store import Store
from avustus_cli.domain import codec
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.fields import HISTORY_FIELDS, HISTORY_SPECS
from avustus_cli.services.importing._common import (
    ImportResult,
    _begin_import,
    _data_rows,
    _DryRun,
    _finish,
    _open,
    _parse_row,
    file_sha256,
)

if TYPE_CHECKING:  # loaded when a register is imported: an import of applications needs none of it
    from avustus_cli.domain.decision import Decision

_NO_YEAR = ("Avustusvuosi puuttuu: käyttöselvityksen eräpäivää ei voi laskea, joten avustus ei näy myöhässä "
            "olevissa (overdue näyttää sen erikseen); lisää vuosi")


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
    from avustus_cli.adapters.store import grants as history_store

    display = display or path.name
    table, result = _open(path, "history", HISTORY_SPECS, settings.history_columns, sheet, display, dry_run, "amount", settings)
    rows = _HistoryRows(table, display, settings, table.formulas)
    sha = file_sha256(path)
    try:
        with store.transaction():
            existing = history_store.decisions_by_id(store)  # under the write lock
            import_id = _begin_import(store, "history", display, sha, table, result)
            for rownum, cells in _data_rows(table, rows.total_index, result):
                grant, parsed, warnings = rows.grant(rownum, cells, result)
                _store_grant(store, grant, parsed, warnings, existing.get(grant.id), import_id, result)
            _finish(store, import_id, result)
    except _DryRun:
        result.import_id = None
    return result


class _HistoryRows:
    """One register's columns: each row read into a grant, or refused with the row and column named."""

    def __init__(self, table: Table, display: str, settings: Settings, formulas: set[tuple[int, int]]):
        self.table, self.display, self.settings, self.formulas = table, display, settings, formulas
        self.col = {n: i for i, n in table.mapping.items()}
        self.total_index = self.col.get("application_id", self.col["amount"])
        self.seen: dict[str, int] = {}

    def refuse(self, message: str, rownum: int, name: str | None = None) -> InputFileError:
        column = self.table.column_name(self.col[name]) if name in self.col else None
        return InputFileError(message, file=self.display, sheet=self.table.sheet, row=rownum, column=column)

    def grant(self, rownum: int, cells: list[Any], result: ImportResult) -> tuple[Decision, dict[str, Any], list[dict[str, Any]]]:
        """The row's grant, its parsed cells and its warnings (already added to ``result``)."""
        from avustus_cli.domain.decision import Decision

        table = self.table
        parsed, _raw, warnings = _parse_row(table, rownum, cells, HISTORY_FIELDS, self.settings, self.formulas)
        if parsed.get("year") is None and parsed.get("report_received") is None:
            year_index = self.col.get("year")
            warnings.append({"sheet": table.sheet, "row": rownum, "field": "year", "message": _NO_YEAR,
                             "column_name": table.column_name(year_index) if year_index is not None else ""})
        for w in warnings:
            w["application_id"] = parsed.get("application_id")
        result.warnings.extend(warnings)
        currency = parsed.pop("currency", None)
        if currency not in (None, "EUR"):
            raise self.refuse(f"avustuksen summa on valuutassa {currency}, ei euroina; aiempien avustusten rekisteriin "
                              "tuodaan vain euromääriä. Muunna summat euroiksi. Tiedostoa ei tuotu.", rownum, "amount")
        if parsed.get("amount") is None:
            raise self.refuse("avustukselta puuttuu myönnetty summa tai se ei ole euromäärä; korjaa rivi. Tiedostoa ei "
                              "tuotu.", rownum, "amount")
        if not parsed.get("applicant") and not parsed.get("business_id"):
            raise self.refuse("avustukselta puuttuu sekä hakija että Y-tunnus; korjaa rivi. Tiedostoa ei tuotu.", rownum)
        form = parsed.get("form")
        gid = parsed.get("application_id") or "-".join(
            str(x) for x in (parsed.get("business_id") or parsed.get("applicant"), parsed.get("year") or "",
                             (form.value if form else ""))
        )
        if gid in self.seen:
            raise self.refuse(f"avustus {gid} toistuu (myös rivillä {self.seen[gid]}). Tiedostoa ei tuotu.", rownum)
        self.seen[gid] = rownum
        grant = Decision(
            id=gid, application_id=parsed.get("application_id"), applicant=parsed.get("applicant") or "",
            business_id=parsed.get("business_id"), form=form.value if form else None, year=parsed.get("year"),
            amount=parsed["amount"], requested=None, decision_date=parsed.get("decision_date"),
            section=parsed.get("section"), decision_maker=parsed.get("decision_maker"), conditions="", reason="",
            source="history",
        )
        if parsed.get("paid_amount") is not None and not (parsed.get("paid_date") or parsed.get("decision_date")):
            raise self.refuse("avustukselle on kirjattu maksettu summa mutta ei maksupäivää eikä päätöspäivää; lisää "
                              "maksupäivä. Tiedostoa ei tuotu.", rownum,
                              "paid_date" if "paid_date" in self.col else "paid_amount")
        return grant, parsed, warnings


def _store_grant(store: Store, grant: Decision, parsed: dict[str, Any], warnings: list[dict[str, Any]],
                 old: Decision | None, import_id: int, result: ImportResult) -> None:
    """Store one earlier grant with its payment and report, unless the same is stored or it is this round's decision."""
    from avustus_cli.adapters.store import grants as history_store

    gid = grant.id
    state = history_store.history_row_state(
        grant,
        [codec.to_jsonable(parsed.get("paid_amount")), codec.to_jsonable(parsed.get("paid_date")),
         codec.to_jsonable(parsed.get("report_received")), codec.to_jsonable(parsed.get("report_status"))],
    )
    if old is not None and old.source == "decision":
        result.kept_decided.append(gid)
        return
    if history_store.history_state(store, gid) == state:
        result.unchanged.append(gid)
        return
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

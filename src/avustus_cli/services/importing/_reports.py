"""Importing usage reports (käyttöselvitykset) from the e-form export: one row per grant and year."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from avustus_cli.adapters.excel import Table
from avustus_cli.adapters.store import Store
from avustus_cli.domain import values
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import InputFileError
from avustus_cli.services.importing._common import (
    ImportResult,
    _begin_import,
    _data_rows,
    _DryRun,
    _finish,
    _open,
    file_sha256,
)

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
    from avustus_cli.domain.fields import REPORT_SPECS

    display = display or path.name
    table, result = _open(path, "reports", REPORT_SPECS, {}, sheet, display, dry_run, "grant_id", settings)
    sha = file_sha256(path)
    rows = _ReportRows(table, display, settings, table.formulas)
    try:
        with store.transaction():
            rows.grants = {r["id"]: r for r in store.grant_rows()}
            existing = {(f.grant_id, f.year): row for f, row in report_store.filings(store)}
            import_id = _begin_import(store, "reports", display, sha, table, result)
            for rownum, cells in _data_rows(table, rows.col["grant_id"], result):
                filing = rows.filing(store, rownum, cells)
                _store_filing(store, filing, existing.get((filing.grant_id, filing.year)), import_id, rownum, result)
            _finish(store, import_id, result)
    except _DryRun:
        result.import_id = None
    return result


class _ReportRows:
    """One report file's columns: each row read into a filing, or refused with the row and column named."""

    def __init__(self, table: Table, display: str, settings: Settings, formulas: set[tuple[int, int]]):
        self.table, self.display, self.settings, self.formulas = table, display, settings, formulas
        self.col = {n: i for i, n in table.mapping.items()}
        self.seen: dict[tuple[str, int], int] = {}
        self.grants: dict[str, dict[str, Any]] = {}

    def refuse(self, message: str, rownum: int, field_name: str | None) -> InputFileError:
        column = self.table.column_name(self.col[field_name]) if field_name in self.col else None
        return InputFileError(f"{message} Tiedostoa ei tuotu.", file=self.display, sheet=self.table.sheet, row=rownum,
                              column=column)

    def parse(self, rownum: int, cells: list[Any]) -> dict[str, Any]:
        from avustus_cli.domain.fields import REPORT_FIELDS

        parsed: dict[str, Any] = {}
        for index, name in self.table.mapping.items():
            cell = cells[index] if index < len(cells) else None
            if (rownum, index) in self.formulas:
                raise self.refuse(f"{REPORT_FIELDS[name].label}: solussa on kaava; vie lomake uudelleen arvoina.", rownum, name)
            try:
                value = values.PARSERS[REPORT_FIELDS[name].kind](cell)
            except values.ValueProblem as e:
                raise self.refuse(f"{REPORT_FIELDS[name].label}: {e}.", rownum, name) from None
            if value is not None:
                parsed[name] = value
        return parsed

    def filing(self, store: Store, rownum: int, cells: list[Any]):
        from avustus_cli.domain.fields import REPORT_FIELDS
        from avustus_cli.domain.report import ReportFiling

        parsed = self.parse(rownum, cells)
        gid = parsed.get("grant_id")
        if gid is None:
            raise self.refuse("rivillä on tietoja mutta ei hakemusnumeroa; lisää numero tai poista rivi.", rownum, "grant_id")
        grant = self.grants.get(gid)
        if grant is None:
            raise self.refuse(f"avustusta {gid} ei ole tietokannassa; tarkista hakemusnumero.", rownum, "grant_id")
        if parsed.get("business_id") and grant["business_id"] and parsed["business_id"] != grant["business_id"]:
            raise self.refuse(
                f"Y-tunnus {parsed['business_id']} ei ole avustuksen {gid} saajan Y-tunnus {grant['business_id']}; "
                "tarkista, kenen selvitys rivillä on.", rownum, "business_id",
            )
        if parsed.get("received") is None:
            raise self.refuse("saapumispäivä puuttuu.", rownum, "received")
        year = self._year(store, rownum, gid, grant, parsed.get("year"))
        for name in ("used", "unused"):
            if parsed.get(name) is not None and parsed[name] < 0:
                raise self.refuse(f"{REPORT_FIELDS[name].label} ei voi olla negatiivinen.", rownum, name)
        key = (gid, year)
        if key in self.seen:
            raise self.refuse(f"avustuksen {gid} vuoden {year} selvitys toistuu (myös rivillä {self.seen[key]}).", rownum,
                              "grant_id")
        self.seen[key] = rownum
        return ReportFiling(
            grant_id=gid, year=year, received=parsed["received"], used=parsed.get("used"), unused=parsed.get("unused"),
            activity_report=bool(parsed.get("activity_report")),
            financial_statements=bool(parsed.get("financial_statements")),
            audit_report=bool(parsed.get("audit_report")),
            operations_audit_report=bool(parsed.get("operations_audit_report")),
            metrics=parsed.get("metrics") or "",
        )

    def _year(self, store: Store, rownum: int, gid: str, grant: dict[str, Any], given: int | None) -> int:
        """The report's year: as given, else the grant's, else the round's; refused outside the grant's years."""
        from avustus_cli.domain.models import GrantForm
        from avustus_cli.domain.payment import plan_instalments

        app = None
        if grant["application_id"]:
            found = store.applications([grant["application_id"]])
            app = found[0] if found else None
        form = GrantForm(grant["form"]) if grant["form"] else None
        years = [p.year for p in plan_instalments(form, grant["year"], app, self.settings.year) if p.year is not None]
        year = given or grant["year"] or self.settings.year
        if years and year not in years:
            raise self.refuse(f"avustus {gid} on myönnetty vuodelle {', '.join(str(y) for y in years)}, ei vuodelle {year}.",
                              rownum, "year")
        return year


def _store_filing(store: Store, filing, old: dict[str, Any] | None, import_id: int, rownum: int,
                  result: ImportResult) -> None:
    """Store one filing unless the same is stored or the officer has accepted the one stored."""
    from avustus_cli.adapters.store import reports as report_store

    gid = filing.grant_id
    digest = hashlib.sha256(json.dumps(filing.record(), sort_keys=True).encode()).hexdigest()[:16]
    label = f"{gid}/{filing.year}"
    if old is not None and old["content_hash"] == digest:
        result.unchanged.append(label)
        return
    if old is not None and old["outcome"] == "accepted":
        result.kept_decided.append(label)
        return
    report_store.upsert_filing(store, filing, digest, import_id, rownum)
    # the grant's report state as the follow-up reads it: in, waiting for the officer's handling
    store.set_report(gid, filing.received, "processing")
    if old is None:
        result.new.append(label)
    else:
        result.changed[label] = ["käyttöselvitys" if old["outcome"] != "supplement" else "täydennys"]
    store.audit("report", gid, "import", {**filing.record(), "import": import_id, "new": old is None})

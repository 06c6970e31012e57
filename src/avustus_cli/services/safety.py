"""Backups, restore, the personal-data inventory and purge (orchestration over the store).

- ``take_backup``: a consistent copy with SQLite's online backup API.
- ``restore``: restores only what this program wrote: the file's schema (tables,
  indexes, triggers, views) must be the one this program's migrations make, its
  integrity and foreign keys intact; its rows are copied into a fresh database
  made by those migrations (nothing of the file's own schema is adopted). The
  current database is kept as a backup, then its content replaced in one write
  transaction. A refused file leaves the live database byte for byte as it was.
- ``privacy_report``: where personal data is held and how much (counts).
- ``purge``: removes contact people's data whose retention has ended; keeps
  decisions and amounts; a backup first; counts (never data) to the audit log.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from avustus_cli.adapters import faults
from avustus_cli.adapters.store import PERSONAL, SCHEMA_VERSION, Store
from avustus_cli.adapters.store import backup as _backup
from avustus_cli.adapters.store import safety as sql
from avustus_cli.domain.errors import DatabaseError
from avustus_cli.domain.filenames import PERSONAL_FILE_KINDS, personal_file_kind

PERSONAL_LABELS = {
    "contact_person": "yhteyshenkilön nimi",
    "email": "sähköpostiosoite",
    "phone": "puhelinnumero",
    "iban": "tilinumero (IBAN)",
    "personal_extra": "muut henkilötiedoilta näyttävät sarakkeet",
}


PRE_RESTORE = "ennen-palautusta"  # the label of the copy of the database a restore replaced


def backup_dir(db_path: Path) -> Path:
    return Path(db_path).parent / _backup.BACKUP_DIR


# --- backup and restore ---------------------------------------------------


def take_backup(store: Store, folder: Path | None = None, label: str = "") -> Path:
    """A timestamped, owner-only copy of the open database in ``folder`` (default: varmuuskopiot/)."""
    if store._in_tx:  # the online backup cannot read past our own open write transaction
        raise DatabaseError("varmuuskopio on otettava ennen muutosten aloittamista (ohjelmavirhe).")
    folder = Path(folder) if folder else backup_dir(store.path)
    if folder.exists() and not folder.is_dir():
        raise DatabaseError(f"{folder} ei ole kansio.")
    return _backup.backup_to(store.conn, folder / _backup.backup_name(store.path, label))


@dataclass
class RestoreResult:
    restored_from: str
    database: str
    previous_backup: str | None
    schema_version: int
    migrated_to: int
    applications: int | None
    grants: int | None


def check_restorable(source: Path, db_path: Path | None = None) -> sql.FileInfo:
    """Refuse anything that is not a whole avustus database this version can open."""
    source = Path(source)
    if not source.exists():
        raise DatabaseError(f"palautettavaa tiedostoa {source} ei löydy.")
    if not source.is_file():
        raise DatabaseError(f"{source} ei ole tiedosto.")
    if db_path is not None and Path(db_path).exists() and os.path.samefile(source, db_path):
        raise DatabaseError(f"{source} on sama tiedosto kuin käytössä oleva tietokanta; anna varmuuskopion polku.")
    with source.open("rb") as f:
        head = f.read(16)
    if head != b"SQLite format 3\x00":
        raise DatabaseError(f"{source} ei ole avustus-tietokanta eikä sen varmuuskopio (ei SQLite-tiedosto). Mitään ei palautettu.")
    info = sql.inspect_file(source)
    if info.integrity != ["ok"]:
        shown = _backup.shown_problems(_backup.problem_lines(info.integrity))
        raise DatabaseError(f"{source} on vioittunut (eheystarkistus: {shown}). Mitään ei palautettu; valitse toinen varmuuskopio.")
    missing = sorted(sql.REQUIRED_TABLES - set(info.tables))
    if info.schema_version < 1 or missing:
        raise DatabaseError(
            f"{source} ei ole avustus-tietokanta (puuttuu: {', '.join(missing) or 'skeeman versio'}). Mitään ei palautettu."
        )
    if info.schema_version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{source} on tehty uudemmalla avustus-versiolla (skeema {info.schema_version}, tämä versio tuntee "
            f"{SCHEMA_VERSION}). Päivitä avustus ennen palautusta. Mitään ei palautettu."
        )
    if info.schema_differences:
        shown = ", ".join(info.schema_differences[:4]) + (" …" if len(info.schema_differences) > 4 else "")
        raise DatabaseError(
            f"{source} ei ole tämän ohjelman tekemä avustus-tietokanta: sen rakenne poikkeaa ohjelman omasta "
            f"({shown}). Mitään ei palautettu; valitse avustus backup -komennon tekemä varmuuskopio."
        )
    if info.foreign_key_errors:
        raise DatabaseError(
            f"{source} on vioittunut: siinä on viittauksia puuttuviin riveihin (foreign_key_check). "
            "Mitään ei palautettu; valitse toinen varmuuskopio."
        )
    return info


def restore(db_path: Path, source: Path, lock_timeout: float = 30.0, command: str = "avustus restore") -> RestoreResult:
    """``source`` checked and copied over ``db_path`` (the current one kept as a backup first); the audit log's
    entry names ``command``, the command line the officer gave."""
    db_path = Path(db_path)
    info = check_restorable(source, db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fresh = db_path.with_name(f".{db_path.name}.palautus-{os.getpid()}")
    fresh.unlink(missing_ok=True)
    try:
        try:
            sql.rebuild(Path(source), fresh, info.schema_version)
        except DatabaseError as e:
            raise DatabaseError(f"{e.message} Mitään ei palautettu.") from None
        previous = None
        if db_path.exists() and db_path.stat().st_size > 0:
            previous = _keep_current(db_path, lock_timeout)
        elif not db_path.exists():
            fd = os.open(db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        faults.checkpoint("restore-copy")
        try:
            sql.copy_into(fresh, db_path, lock_timeout)
        except DatabaseError:
            raise
        except Exception:  # the current file is not a database at all: replace the file itself
            _replace_file(fresh, db_path, lock_timeout)
    finally:
        fresh.unlink(missing_ok=True)
        fresh.with_name(fresh.name + "-journal").unlink(missing_ok=True)
    store = Store.open(db_path, lock_timeout=lock_timeout, create=False)  # migrates (with a backup) if older
    try:
        if sql.integrity_check(store) != ["ok"]:
            raise DatabaseError(f"palautettu tietokanta {db_path} ei läpäise eheystarkistusta; edellinen on tallessa: {previous}.")
        store.command = command
        with store.transaction():
            store.audit("database", None, "restore", {"from": str(source), "previous_backup": previous, "schema": info.schema_version})
        version = store.schema_version()
    finally:
        store.close()
    return RestoreResult(str(source), str(db_path), previous, info.schema_version, version, info.applications, info.grants)


def _keep_current(db_path: Path, lock_timeout: float) -> str:
    target = backup_dir(db_path) / _backup.backup_name(db_path, PRE_RESTORE)
    try:
        return str(sql.backup_file(db_path, target, lock_timeout))
    except DatabaseError:
        # not readable as a database: keep the bytes as they are
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        shutil.copyfile(db_path, target)
        return str(target)


def _replace_file(source: Path, db_path: Path, lock_timeout: float) -> None:
    """Atomic file replace, used only when the current file is not a database."""
    tmp = db_path.with_name(f".{db_path.name}.palautus")
    tmp.unlink(missing_ok=True)
    sql.backup_file(source, tmp, lock_timeout)
    for suffix in ("-journal", "-wal"):  # a journal or log of the broken file must never be played onto the restored one
        journal = db_path.with_name(db_path.name + suffix)
        if journal.exists():
            os.replace(journal, backup_dir(db_path) / _backup.backup_name(db_path, suffix.lstrip("-")))
    db_path.with_name(db_path.name + "-shm").unlink(missing_ok=True)
    os.replace(tmp, db_path)


# --- personal data --------------------------------------------------------

MAX_FILE_SCAN = 50_000  # directory entries looked at when looking for the program's letters
_SCAN_DEPTH = 4


def _file_roots(db_path: Path) -> list[Path]:
    """Where the program's letters are looked for: the database's folder and the working folder."""
    roots: list[Path] = []
    for r in (Path(db_path).resolve().parent, Path.cwd().resolve()):
        if r not in roots and not any(r.is_relative_to(x) for x in roots):
            roots.append(r)
    return roots


def personal_files(db_path: Path) -> list[Path]:
    """Files this program wrote outside the database that hold personal data (decision letters,
    supplement requests, reminders, mail-merge lists), found by their names under the database's
    folder and the working folder (four levels down; backups, hidden folders and links left out)."""
    found: set[Path] = set()
    seen = 0
    for root in _file_roots(db_path):
        for here, dirs, names in os.walk(root, followlinks=False):
            depth = len(Path(here).relative_to(root).parts)
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != _backup.BACKUP_DIR and depth < _SCAN_DEPTH]
            seen += len(dirs) + len(names)
            for name in names:
                p = Path(here) / name
                if personal_file_kind(name) and not p.is_symlink() and p.is_file():
                    found.add(p)
            if seen > MAX_FILE_SCAN:
                break
    return sorted(found)



def privacy_report(store: Store, retention_years: int, as_of: dt.date | None = None) -> dict[str, Any]:
    counts = sql.personal_counts(store)
    as_of = as_of or dt.date.today()
    plan = plan_purge(store, as_of, retention_years)
    locations = [
        {
            "table": "applications",
            "column": f"personal.{k}",
            "what": PERSONAL_LABELS[k],
            "rows": counts["keys"][k],
        }
        for k in PERSONAL
    ]
    locations.append(
        {
            "table": "applications",
            "column": "raw_row",
            "what": "viennin alkuperäisen rivin henkilötietosarakkeet (personal_headers)",
            "rows": counts["raw_rows"],
            "cells": counts["raw_cells"],
        }
    )
    locations.append({
        "table": "review_requests",
        "column": "requester, address, email (member = 1)",
        "what": "oikaisuvaatimuksen tehneiden hyvinvointialueen jäsenten nimet, postiosoitteet ja sähköpostiosoitteet",
        "rows": counts["review_members"],
    })
    locations.append({
        "table": "letters",
        "column": "recipient, email (kind = review_decision, detail.member_request)",
        "what": "hyvinvointialueen jäsenille lähetettyjen oikaisuvaatimuspäätösten vastaanottajat",
        "rows": counts["review_member_letters"],
    })
    folder = backup_dir(store.path)
    backups = sorted(folder.glob("*.db")) if folder.is_dir() else []
    files = personal_files(store.path)
    return {
        "database": str(store.path),
        "applications": counts["applications"],
        "applications_with_personal_data": counts["with_personal_data"],
        "locations": locations,
        "backups": {
            "folder": str(folder),
            "files": len(backups),
            "oldest": dt.datetime.fromtimestamp(backups[0].stat().st_mtime).date().isoformat() if backups else None,
            "note": "varmuuskopiot sisältävät henkilötiedot sellaisina kuin ne olivat varmuuskopion hetkellä",
        },
        "columns": counts["columns"],
        "files": {
            "roots": [str(r) for r in _file_roots(store.path)],
            "count": len(files),
            "kinds": {k: sum(1 for f in files if personal_file_kind(f.name) == k) for k in PERSONAL_FILE_KINDS},
            "paths": [str(f) for f in files],
            "note": "ohjelman kirjoittamat kirjeet ja postituslistat; poista: avustus purge --as-of PVM --files",
        },
        "retention_years": retention_years,
        "as_of": as_of.isoformat(),
        "retention_ended": len(plan.due),
        "retention_unknown": len(plan.unknown),
        "not_in_database": [
            "lokit ja virheilmoitukset (henkilötietoja ei kirjoiteta niihin)",
            "--json-tulosteet (vain valitsimella --with-personal-data)",
            "julkinen liite",
        ],
    }


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def retention_basis(row: sql.RetentionRow) -> tuple[dt.date | None, str]:
    """The date the retention period runs from, and why.

    - paid grant: the last payment;
    - granted, nothing paid yet: the decision date, else the end of the grant year;
    - never granted: the end of the year the application arrived (else of its grant year).
    """
    if row.last_payment:
        return _date(row.last_payment), "viimeinen maksu"
    if row.granted:
        dates = [d for d in (_date(x) for x in row.decision_dates) if d]
        if dates:
            return max(dates), "päätös (ei maksuja)"
        if row.grant_years:
            return dt.date(max(row.grant_years), 12, 31), "avustusvuoden loppu (ei maksuja)"
        return None, "myönnetty, ei päivämääriä"
    received = _date(row.received)
    if received:
        return dt.date(received.year, 12, 31), "saapumisvuoden loppu"
    if row.year:
        return dt.date(row.year, 12, 31), "avustusvuoden loppu"
    return None, "ei päivämääriä"


@dataclass
class PurgePlan:
    as_of: str
    retention_years: int
    due: list[sql.RetentionRow] = field(default_factory=list)
    kept: int = 0  # retention still running
    unknown: list[str] = field(default_factory=list)  # no date to count from: kept


def plan_purge(store: Store, as_of: dt.date, retention_years: int) -> PurgePlan:
    plan = PurgePlan(as_of.isoformat(), retention_years)
    for row in sql.retention_rows(store):
        if not row.personal_present:
            continue
        basis, _ = retention_basis(row)
        if basis is None:
            plan.unknown.append(row.app_id)
        elif _add_years(basis, retention_years) <= as_of:
            plan.due.append(row)
        else:
            plan.kept += 1
    return plan


@dataclass
class PurgeResult:
    as_of: str
    retention_years: int
    dry_run: bool
    applications: int = 0
    fields: dict[str, int] = field(default_factory=lambda: {k: 0 for k in PERSONAL})
    raw_cells: int = 0
    kept: int = 0
    unknown: int = 0
    application_ids: list[str] = field(default_factory=list)
    backup: str | None = None
    old_backups: list[str] = field(default_factory=list)  # deleted (or, with dry_run, to be deleted)
    files: list[str] = field(default_factory=list)  # letters and mailing lists deleted (--files; dry_run: to be)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def old_backups(db_path: Path, as_of: dt.date, keep_days: int, keep: Path | None = None) -> list[Path]:
    """Backups taken more than ``keep_days`` before ``as_of``: they may hold personal data whose
    retention has ended, so purge deletes them (the rotation is the settings' backup_keep_days)."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    limit = dt.datetime.combine(as_of - dt.timedelta(days=keep_days), dt.time())
    return sorted(
        p for p in folder.glob("*.db")
        if p != keep and dt.datetime.fromtimestamp(p.stat().st_mtime) < limit
        and not p.stem.endswith(PRE_RESTORE)  # kept until the officer has checked the restore and removes it
    )


def purge(store: Store, as_of: dt.date, retention_years: int, dry_run: bool = False,
          backup_keep_days: int | None = None, files: bool = False) -> PurgeResult:
    """Remove the personal data whose retention has ended; with ``files``, also every letter and
    mailing list this program wrote outside the database (see :func:`personal_files`)."""
    result = PurgeResult(as_of.isoformat(), retention_years, dry_run)
    plan = plan_purge(store, as_of, retention_years)
    stale = old_backups(store.path, as_of, backup_keep_days) if backup_keep_days is not None else []
    letters = personal_files(store.path) if files else []
    if dry_run or not plan.due:
        _count(result, plan)
        result.old_backups = [str(p) for p in stale]
        result.files = [str(p) for p in letters]
        if not dry_run:
            _delete_backups(store, result, stale)
            _delete_files(store, result, letters)
        return result
    result.backup = str(take_backup(store, label="purge"))
    old = sql.set_secure_delete(store, True)
    try:
        with store.transaction():
            plan = plan_purge(store, as_of, retention_years)  # again, under the write lock
            _count(result, plan)
            for n, row in enumerate(plan.due, 1):
                removed, cells = sql.clear_personal(store, row.app_id, row.raw_row, row.personal_headers)
                store.audit("application", row.app_id, "purge-personal", {"fields": removed, "raw_cells": cells})
                faults.checkpoint("purge-row", n)
            store.audit(
                "privacy",
                None,
                "purge",
                {
                    "as_of": result.as_of,
                    "retention_years": retention_years,
                    "applications": result.applications,
                    "fields": result.fields,
                    "raw_cells": result.raw_cells,
                    "backup": result.backup,
                },
            )
            faults.checkpoint("purge-end")
    finally:
        sql.set_secure_delete(store, old)
    _delete_backups(store, result, stale)
    _delete_files(store, result, letters)
    return result


def _delete_files(store: Store, result: PurgeResult, files: list[Path]) -> None:
    """Delete the program's letters and mailing lists; the audit log records how many and where."""
    deleted = []
    for p in files:
        try:
            p.unlink()
            deleted.append(str(p))
        except FileNotFoundError:
            pass
    result.files = deleted
    if deleted:
        with store.transaction():
            store.audit("privacy", None, "delete-files",
                        {"files": len(deleted), "folders": sorted({str(Path(p).parent) for p in deleted})})


def _delete_backups(store: Store, result: PurgeResult, stale: list[Path]) -> None:
    """Delete old backups after the purge has committed; recorded (file names, not contents) in the audit log."""
    deleted = []
    for p in stale:
        try:
            p.unlink()
            deleted.append(p.name)
        except FileNotFoundError:
            pass
    result.old_backups = deleted
    if deleted:
        with store.transaction():
            store.audit("privacy", None, "delete-backups", {"files": deleted})


def _count(result: PurgeResult, plan: PurgePlan) -> None:
    result.applications = len(plan.due)
    result.kept = plan.kept
    result.unknown = len(plan.unknown)
    result.application_ids = [r.app_id for r in plan.due]
    result.fields = {k: sum(1 for r in plan.due if r.personal.get(k) not in (None, "")) for k in PERSONAL}
    result.raw_cells = sum(sum(1 for h in r.personal_headers if r.raw_row.get(h) not in (None, "")) for r in plan.due)

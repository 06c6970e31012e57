"""Consistent copies of the database with SQLite's online backup API (part of the store: it is SQLite)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from avustus_cli.adapters.files import atomic_save, sweep_leftovers
from avustus_cli.domain.errors import DatabaseError

if TYPE_CHECKING:
    from avustus_cli.adapters.store import Store

BACKUP_DIR = "varmuuskopiot"


def problem_lines(rows: list[str]) -> list[str]:
    """The problems an integrity or quick check reports, one per item: SQLite may put many in one
    row, line after line, under a "*** in database main ***" heading."""
    if rows == ["ok"]:
        return []
    return [line.strip() for row in rows for line in str(row).splitlines()
            if line.strip() and not line.startswith("*** in database")]


def shown_problems(problems: list[str]) -> str:
    """The first problem, and how many more, for a one-line message."""
    first = problems[0] if problems else "tuntematon virhe"
    return first if len(problems) <= 1 else f"{first} ja {len(problems) - 1} muuta ongelmaa"


def _problems(conn: sqlite3.Connection, pragma: str) -> list[str]:
    return problem_lines([r[0] for r in conn.execute(f"PRAGMA {pragma}")])


def backup_to(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the open database ``conn`` to ``target`` (owner-only permissions), atomically. A damaged
    database is not copied, and a copy that fails ``integrity_check`` is removed: either way the
    command stops and says the database is damaged."""
    from avustus_cli.adapters.store import damaged_error, is_damage

    source = Path(conn.execute("PRAGMA database_list").fetchone()[2] or "avustus.db")
    try:
        before = _problems(conn, "quick_check")
    except sqlite3.DatabaseError as e:
        if not is_damage(e):
            raise DatabaseError(f"varmuuskopiota {target} ei voitu tehdä: {e}.") from None
        before = [str(e)]
    if before:
        raise damaged_error(source, f"eheystarkistus: {shown_problems(before)}; varmuuskopiota ei otettu")

    def save(tmp: str) -> None:
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
            # a copy is one self-contained file (the live database's write-ahead log mode is not copied)
            dest.execute("PRAGMA journal_mode = DELETE")
            after = _problems(dest, "integrity_check")
            if after:
                raise damaged_error(source, f"varmuuskopion eheystarkistus: {shown_problems(after)}; varmuuskopiota ei otettu")
        finally:
            dest.close()

    # a backup killed half-way leaves its temporary copy (a whole database, personal data included);
    # every backup has a name of its own, so the next backup into the folder removes the stale ones
    sweep_leftovers(target.parent, target.name, ".tmp", name_pattern=_BACKUP_NAME)
    try:
        atomic_save(target, save, private=True)
    except sqlite3.Error as e:
        raise DatabaseError(f"varmuuskopiota {target} ei voitu tehdä: {e}.") from None
    except OSError as e:
        raise DatabaseError(f"varmuuskopiota {target} ei voitu tehdä: {e.strerror}.") from None
    return target


_BACKUP_NAME = r"[^/]+-\d{8}-\d{6}-\d{6}(?:-[\w.-]+)?\.db"  # what backup_name gives


def backup_name(db_path: Path, label: str = "") -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return f"{db_path.stem}-{stamp}{('-' + label) if label else ''}.db"


def backup_before(store: Store, label: str) -> Path:
    """The backup every command that changes decided data takes first."""
    folder = store.path.parent / BACKUP_DIR
    return backup_to(store.conn, folder / backup_name(store.path, label))

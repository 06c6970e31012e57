"""SQL for backups, restore, the personal-data inventory and purge.

Everything that touches SQLite for ``avustus_cli.services.safety`` lives here; the
functions take a ``Store`` or a path and return plain data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avustus_cli.adapters.store import PERSONAL, SCHEMA_VERSION, Store, holder
from avustus_cli.domain.errors import DatabaseError

# Tables every avustus database has had since the first released schema.
REQUIRED_TABLES = frozenset({"applications", "imports", "grants", "payments", "audit_log"})


@dataclass
class FileInfo:
    path: Path
    schema_version: int
    tables: list[str]
    integrity: list[str]  # "ok" or the problems PRAGMA integrity_check lists
    applications: int | None = None
    grants: int | None = None
    schema_differences: list[str] = field(default_factory=list)  # vs. what this program's migrations make
    foreign_key_errors: int = 0


# Kinds of schema objects, as the officer reads them.
_KINDS = {"table": "taulu", "index": "indeksi", "trigger": "herätin (trigger)", "view": "näkymä (view)"}

SchemaRow = tuple[str, str, str, "str | None"]


def _schema(conn: sqlite3.Connection, db: str = "main") -> set[SchemaRow]:
    """Every object of the schema: (type, name, table, SQL); SQLite's own statistics left out."""
    return {
        (t, n, tb, sql)
        for t, n, tb, sql in conn.execute(f"select type, name, tbl_name, sql from {db}.sqlite_master")
        if not n.startswith("sqlite_stat")
    }


def _migrations() -> list[str]:
    from avustus_cli.adapters import store as store_mod  # read at call time: a test may add a migration

    return list(store_mod.MIGRATIONS)


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    from avustus_cli.adapters.store import _split_sql

    for i, migration in enumerate(_migrations()[:version]):
        for statement in _split_sql(migration):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {i + 1}")


def expected_schema(version: int) -> set[SchemaRow]:
    """The schema this program's own migrations make at ``version``."""
    conn = sqlite3.connect(":memory:")
    try:
        _migrate(conn, version)
        return _schema(conn)
    finally:
        conn.close()


def schema_differences(found: set[SchemaRow], expected: set[SchemaRow]) -> list[str]:
    """What differs, named for the officer: 'ylimääräinen herätin (trigger) x', 'muutettu taulu grants'."""
    exp = {(t, n): sql for t, n, _tb, sql in expected}
    got = {(t, n): sql for t, n, _tb, sql in found}
    out = []
    for key in sorted(set(got) | set(exp)):
        kind = _KINDS.get(key[0], key[0])
        if key not in exp:
            out.append(f"ylimääräinen {kind} {key[1]}")
        elif key not in got:
            out.append(f"puuttuva {kind} {key[1]}")
        elif got[key] != exp[key]:
            out.append(f"muutettu {kind} {key[1]}")
    return out


def _connect_ro(path: Path, timeout: float = 5) -> sqlite3.Connection:
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout)
    conn.execute("PRAGMA trusted_schema = OFF")  # nothing in a file's schema runs functions on our behalf
    return conn


def inspect_file(path: Path) -> FileInfo:
    """Read-only look at a database file; refuses what SQLite cannot read."""
    try:
        conn = _connect_ro(path)
    except sqlite3.Error as e:
        raise DatabaseError(f"tiedostoa {path} ei voi avata tietokantana ({e}).") from None
    try:
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = sorted(r[0] for r in conn.execute("select name from sqlite_master where type = 'table'"))
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            found = _schema(conn)
        except sqlite3.DatabaseError as e:
            raise DatabaseError(f"{path} ei ole SQLite-tietokanta tai se on vioittunut ({e}).") from None
        info = FileInfo(Path(path), version, tables, integrity)
        if integrity == ["ok"] and 1 <= version <= len(_migrations()):
            info.schema_differences = schema_differences(found, expected_schema(version))
        if integrity == ["ok"] and REQUIRED_TABLES <= set(tables) and not info.schema_differences:
            try:
                info.foreign_key_errors = len(conn.execute("PRAGMA foreign_key_check").fetchall())
            except sqlite3.DatabaseError:
                info.foreign_key_errors = -1
            try:
                info.applications = conn.execute("select count(*) from applications").fetchone()[0]
                info.grants = conn.execute("select count(*) from grants").fetchone()[0]
            except sqlite3.DatabaseError:
                pass
        return info
    finally:
        conn.close()


def integrity_check(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("PRAGMA integrity_check")]


def backup_file(db_path: Path, target: Path, lock_timeout: float) -> Path:
    """A consistent copy of the database file ``db_path`` (online backup API)."""
    from avustus_cli.adapters.store.backup import backup_to

    try:
        conn = sqlite3.connect(str(db_path), timeout=lock_timeout)
    except sqlite3.Error as e:
        raise DatabaseError(f"tietokantaa {db_path} ei voi avata ({e}).") from None
    try:
        return backup_to(conn, target)
    finally:
        conn.close()


def rebuild(source: Path, target: Path, version: int) -> None:
    """Make ``target`` a fresh database with this program's own schema at ``version`` and copy the
    rows of ``source`` into it, table by table (nothing of the file's own schema is adopted).

    ``source`` is checked again here, on the connection that reads it: its schema must be the
    expected one, its integrity and foreign keys intact. Raises DatabaseError otherwise;
    ``target`` is then left for the caller to remove."""
    target = Path(target)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    conn = sqlite3.connect(target.resolve().as_uri(), uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")  # rows come table by table; checked as a whole below
        conn.execute("BEGIN")
        _migrate(conn, version)
        conn.execute("ATTACH DATABASE ? AS src", (Path(source).resolve().as_uri() + "?mode=ro",))
        try:
            problems = schema_differences(_schema(conn, "src"), _schema(conn, "main"))
            if problems:
                raise DatabaseError(f"{source}: rakenne poikkeaa ohjelman omasta ({', '.join(problems[:4])}).")
            tables = [r[0] for r in conn.execute(
                "select name from main.sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")]
            for table in tables:
                cols = ", ".join(f'"{r[1]}"' for r in conn.execute(f'PRAGMA main.table_info("{table}")'))
                conn.execute(f'insert into main."{table}" ({cols}) select {cols} from src."{table}"')
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE src")
        if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
            raise DatabaseError(f"{source}: kopio ei läpäise eheystarkistusta.")
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise DatabaseError(f"{source}: viittauksia puuttuviin riveihin (foreign_key_check).")
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"{source} ei kelpaa palautettavaksi ({e}).") from None
    finally:
        conn.close()


class _Deadline(Exception):
    pass


def copy_into(source: Path, dest: Path, lock_timeout: float) -> None:
    """Replace the content of the live database ``dest`` by ``source`` in one write transaction.

    The online backup API writes through the destination's own pager and
    rollback journal: a crash leaves the old or the new content, never a mix,
    and other processes see the change like any committed write (a writer
    that has ``dest`` open is waited for up to ``lock_timeout``).
    """
    src = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True, timeout=lock_timeout)
    try:
        dst = sqlite3.connect(str(dest), timeout=lock_timeout)
        try:
            deadline = time.monotonic() + lock_timeout

            def progress(status: int, remaining: int, total: int) -> None:
                if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
                    raise _Deadline

            src.backup(dst, pages=-1, progress=progress, sleep=0.05)
        finally:
            dst.close()
    except _Deadline:
        raise holder.lock_error(Path(dest), lock_timeout, "Mitään ei palautettu.") from None
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise holder.lock_error(Path(dest), lock_timeout, "Mitään ei palautettu.") from None
        raise
    finally:
        src.close()


# --- personal data ------------------------------------------------------


def personal_counts(store: Store) -> dict[str, Any]:
    """Where personal data is held, and how much (counts only)."""
    keys = {k: 0 for k in PERSONAL}
    raw_rows = raw_cells = rows_with_any = 0
    columns: dict[str, int] = {}  # header of the export -> personal cells under it (headers only, never values)
    for personal_text, raw_text, headers_text in store.conn.execute(
        "select personal, raw_row, personal_headers from applications"
    ):
        personal = json.loads(personal_text or "{}")
        any_here = False
        for k in PERSONAL:
            if personal.get(k) not in (None, ""):
                keys[k] += 1
                any_here = True
        raw, headers = json.loads(raw_text or "{}"), json.loads(headers_text or "[]")
        for h in headers:
            if raw.get(h) not in (None, ""):
                columns[h] = columns.get(h, 0) + 1
        cells = _personal_cells(raw, headers)
        if cells:
            raw_rows += 1
            raw_cells += cells
            any_here = True
        rows_with_any += any_here
    total = store.conn.execute("select count(*) from applications").fetchone()[0]
    members = store.conn.execute(f"select count(*) from review_requests where {_MEMBER_REQUEST}").fetchone()[0]
    member_letters = store.conn.execute(f"select count(*) from letters where {_MEMBER_LETTER}").fetchone()[0]
    return {"applications": total, "with_personal_data": rows_with_any, "keys": keys, "raw_rows": raw_rows, "raw_cells": raw_cells,
            "columns": dict(sorted(columns.items())), "review_members": members, "review_member_letters": member_letters}


def _personal_cells(raw: dict[str, Any], headers: list[str]) -> int:
    return sum(1 for h in headers if raw.get(h) not in (None, ""))


@dataclass
class RetentionRow:
    app_id: str
    received: str | None
    year: int | None
    personal: dict[str, Any]
    raw_row: dict[str, Any]
    personal_headers: list[str]
    granted: bool = False
    last_payment: str | None = None
    decision_dates: list[str] = field(default_factory=list)
    grant_years: list[int] = field(default_factory=list)
    members: bool = False  # a member of the county asked for review of its grant: name and addresses held

    @property
    def personal_present(self) -> bool:
        return self.members or any(self.personal.get(k) not in (None, "") for k in PERSONAL) or bool(
            _personal_cells(self.raw_row, self.personal_headers)
        )


# A member of the county's request for review whose name or addresses are held, and a review decision
# sent to such a member whose addressee is held (a private person's data, purged with the application)
_MEMBER_REQUEST = "member = 1 and (requester != '' or address != '' or email is not null)"
_MEMBER_LETTER = ("kind = 'review_decision' and json_extract(detail, '$.member_request') is not null "
                  "and (recipient != '' or email is not null)")
# The applications whose grants such a member asked to be reviewed
_MEMBER_DATA = f"""
    select application_id from grants where id in (select grant_id from review_requests where {_MEMBER_REQUEST})
    union
    select application_id from letters where application_id is not null and {_MEMBER_LETTER}
"""


def retention_rows(store: Store) -> Iterator[RetentionRow]:
    """Every application with what decides its retention: grants, their payments and dates."""
    grants: dict[str, list[tuple[int, str | None, int | None, str | None]]] = {}
    for app_id, amount, decided, year, paid in store.conn.execute(
        """select g.application_id, g.amount_cents, g.decision_date, g.year, max(p.paid_date)
           from grants g left join payments p on p.grant_id = g.id
           where g.application_id is not null group by g.id"""
    ):
        grants.setdefault(app_id, []).append((amount, decided, year, paid))
    members = {app_id for (app_id,) in store.conn.execute(_MEMBER_DATA)}
    for app_id, received, year, personal, raw, headers in store.conn.execute(
        "select id, received, year, personal, raw_row, personal_headers from applications order by id"
    ):
        row = RetentionRow(app_id, received, year, json.loads(personal or "{}"), json.loads(raw or "{}"),
                           json.loads(headers or "[]"), members=app_id in members)
        for amount, decided, gyear, paid in grants.get(app_id, []):
            if amount and amount > 0:
                row.granted = True
                if decided:
                    row.decision_dates.append(decided)
                if gyear:
                    row.grant_years.append(gyear)
            if paid and (row.last_payment is None or paid > row.last_payment):
                row.last_payment = paid
        yield row


def clear_personal(store: Store, app_id: str, raw_row: dict[str, Any], personal_headers: list[str]) -> tuple[list[str], int]:
    """Remove the personal keys and the personal cells of the raw row of one application.

    Returns the names of the keys removed and the number of raw cells emptied
    (never the values).
    """
    row = store.conn.execute("select personal from applications where id = ?", (app_id,)).fetchone()
    personal = json.loads(row[0] or "{}") if row else {}
    removed = sorted(k for k in personal if personal.get(k) not in (None, ""))
    cells = 0
    for h in personal_headers:
        if raw_row.get(h) not in (None, ""):
            raw_row[h] = None
            cells += 1
    store.conn.execute(
        "update applications set personal = '{}', raw_row = ? where id = ?",
        (json.dumps(raw_row, ensure_ascii=False), app_id),
    )
    # the e-mail address a letter was sent to is the contact person's too
    letters = store.conn.execute("update letters set email = null where application_id = ? and email is not null", (app_id,))
    if letters.rowcount and "email" not in removed:
        removed = sorted([*removed, "email"])
    # a member of the county who asked for review of the grant is a private person: the name and the
    # addresses go too, also from the review decision letters sent to the member
    store.conn.execute(
        f"update review_requests set requester = '', address = '', email = null where {_MEMBER_REQUEST} "
        "and grant_id in (select id from grants where application_id = ?)", (app_id,))
    store.conn.execute(f"update letters set recipient = '', email = null where application_id = ? and {_MEMBER_LETTER}",
                       (app_id,))
    return removed, cells


def set_secure_delete(store: Store, on: bool) -> bool:
    """Deleted content is overwritten with zeros (so purged data does not linger in free pages)."""
    before = bool(store.conn.execute("PRAGMA secure_delete").fetchone()[0])
    store.conn.execute(f"PRAGMA secure_delete = {1 if on else 0}")
    return before


__all__ = [
    "FileInfo", "REQUIRED_TABLES", "expected_schema", "schema_differences", "rebuild", "SCHEMA_VERSION", "inspect_file", "integrity_check", "backup_file", "copy_into",
    "personal_counts", "retention_rows", "RetentionRow", "clear_personal", "set_secure_delete",
]

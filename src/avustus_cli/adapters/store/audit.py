"""SQL for reading the audit log (written by ``Store.audit``). Functions taking a Store."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from avustus_cli.adapters.store import Store
from avustus_cli.domain.audit import APPLICATION_ENTITIES, AuditEntry


def _entry(r: dict[str, Any]) -> AuditEntry:
    try:
        detail = json.loads(r["detail"] or "{}")
    except ValueError:
        detail = {}
    return AuditEntry(
        id=r["id"],
        at=dt.datetime.fromisoformat(r["at"]),
        user=r["user"],
        command=r["command"],
        entity=r["entity"],
        entity_id=r["entity_id"],
        action=r["action"],
        detail=detail if isinstance(detail, dict) else {"value": detail},
    )


def _where(application: str | None) -> tuple[str, list[Any]]:
    """What concerns one application: its own entries, its findings (``H-0001/K04``), and the grant
    decided on it with what followed (payments, reports, letters, reminders)."""
    if application is None:
        return "", []
    entities = sorted(APPLICATION_ENTITIES)
    marks = ", ".join("?" for _ in entities)
    sql = (
        f" where (entity in ({marks}) and (entity_id = ? or entity_id in"
        " (select id from grants where application_id = ?)))"
        " or (entity = 'finding' and substr(entity_id, 1, ?) = ?)"
    )
    return sql, [*entities, application, application, len(application) + 1, application + "/"]


def entries(store: Store, application: str | None = None, limit: int | None = None) -> list[AuditEntry]:
    """The log newest first; ``application``: only what concerns it; ``limit``: at most that many."""
    where, params = _where(application)
    sql = "select * from audit_log" + where + " order by id desc"
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    return [_entry(r) for r in store.query(sql, params)]


def count(store: Store, application: str | None = None) -> int:
    """How many entries :func:`entries` would give without a limit."""
    where, params = _where(application)
    return store.query("select count(*) as n from audit_log" + where, params)[0]["n"]

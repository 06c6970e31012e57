"""SQL for the register of decision makers' positions in organisations
(conflicts of interest, Hallintolaki 28 §). Functions taking a Store.

The register is the officer's workbook: an import replaces the stored
register whole (the same file twice changes nothing). It holds names and
roles of decision makers, never contact data.
"""

from __future__ import annotations

from typing import Any

from avustus_cli.adapters.store import Store, now, stored_date
from avustus_cli.domain.models import Position

COLUMNS = ("person", "body_role", "organisation", "business_id", "position", "start", "end")


def _row(p: Position) -> tuple:
    return (
        p.person,
        p.body_role,
        p.organisation,
        p.business_id,
        p.position,
        p.start.isoformat() if p.start else None,
        p.end.isoformat() if p.end else None,
    )


def _position(r: dict[str, Any]) -> Position:
    return Position(
        person=r["person"],
        body_role=r["body_role"] or "",
        organisation=r["organisation"],
        business_id=r["business_id"],
        position=r["position"] or "",
        start=stored_date(r["start"]),
        end=stored_date(r["end"]),
    )


def positions(store: Store) -> list[Position]:
    """The stored register, in the order it was imported."""
    return [_position(r) for r in store.query('select * from positions order by id')]


def rows(store: Store) -> list[dict[str, Any]]:
    return store.query("select * from positions order by id")


def replace_all(store: Store, register: list[Position], file: str) -> dict[str, int]:
    """Replace the stored register with ``register`` (call inside ``store.transaction()``).

    Returns counts {added, removed, unchanged}; nothing is written when the
    register is the same as the stored one."""
    old = [_row(p) for p in positions(store)]
    new = [_row(p) for p in register]
    old_set, new_set = set(old), set(new)
    counts = {
        "rows": len(new),
        "added": len([r for r in new_set if r not in old_set]),
        "removed": len([r for r in old_set if r not in new_set]),
        "unchanged": len(old_set & new_set),
    }
    if old == new:
        return counts
    ts = now()
    store.conn.execute("delete from positions")
    store.conn.executemany(
        'insert into positions (person, body_role, organisation, business_id, position, "start", "end", imported_at) '
        "values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*r, ts) for r in new],
    )
    store.audit("positions", None, "import", {"file": file, **counts})
    return counts


def home_municipalities(store: Store) -> dict[str, str | None]:
    """business ID -> home municipality, from the organisations of imported applications.

    (Used by open data and statistics; kept here so that SQL stays in the store package.)"""
    return {r["business_id"]: r["home_municipality"] for r in store.query("select business_id, home_municipality from organisations")}


__all__ = ["COLUMNS", "home_municipalities", "positions", "replace_all", "rows"]

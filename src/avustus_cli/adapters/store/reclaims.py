"""SQL for reclaims (takaisinperintä) and the money returned (functions taking a Store)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store, cents, euros, now, stored_date
from avustus_cli.domain.reclaim import Reclaim


def _reclaim(r: dict[str, Any], returned: int) -> Reclaim:
    return Reclaim(
        grant_id=r["grant_id"], grounds=r["grounds"], proposed=euros(r["proposed_cents"]) or Decimal(0),
        hearing_date=dt.date.fromisoformat(r["hearing_date"]), answer_due=dt.date.fromisoformat(r["answer_due"]),
        decision_date=stored_date(r["decision_date"]), section=r["section"], maker=r["maker"],
        amount=euros(r["amount_cents"]), due=stored_date(r["due"]), reasons=r["reasons"] or "",
        returned=euros(returned) or Decimal(0),
    )


def reclaims(store: Store, grant_id: str | None = None) -> list[Reclaim]:
    back = {r["grant_id"]: r["c"] for r in store.query("select grant_id, sum(amount_cents) as c from reclaim_returns group by grant_id")}
    sql, params = "select * from reclaims", []
    if grant_id is not None:
        sql += " where grant_id = ?"
        params.append(grant_id)
    return [_reclaim(r, back.get(r["grant_id"], 0)) for r in store.query(sql + " order by hearing_date, grant_id", params)]


def reclaim(store: Store, grant_id: str) -> Reclaim | None:
    found = reclaims(store, grant_id)
    return found[0] if found else None


def channel(store: Store, grant_id: str) -> str | None:
    row = store.conn.execute("select channel from reclaims where grant_id = ?", (grant_id,)).fetchone()
    return row[0] if row else None


def start(store: Store, r: Reclaim, channel: str) -> None:
    ts = now()
    store.conn.execute(
        """insert into reclaims (grant_id, grounds, proposed_cents, hearing_date, answer_due, channel, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?)""",
        (r.grant_id, r.grounds, cents(r.proposed), r.hearing_date.isoformat(), r.answer_due.isoformat(), channel, ts, ts),
    )


def decide(store: Store, grant_id: str, day: dt.date, section: str, maker: str, amount: Decimal, due: dt.date, reasons: str) -> None:
    store.conn.execute(
        """update reclaims set decision_date = ?, section = ?, maker = ?, amount_cents = ?, due = ?, reasons = ?,
               updated_at = ? where grant_id = ?""",
        (day.isoformat(), section, maker, cents(amount), due.isoformat(), reasons, now(), grant_id),
    )


def add_return(store: Store, grant_id: str, amount: Decimal, day: dt.date) -> None:
    store.conn.execute(
        "insert into reclaim_returns (grant_id, amount_cents, paid_date, created_at) values (?, ?, ?, ?)",
        (grant_id, cents(amount), day.isoformat(), now()),
    )


def returns(store: Store, grant_id: str) -> list[tuple[dt.date, Decimal]]:
    """The money returned against the grant's reclaim: (day paid, amount), in order."""
    return [(dt.date.fromisoformat(day), euros(c) or Decimal(0)) for day, c in store.conn.execute(
        "select paid_date, amount_cents from reclaim_returns where grant_id = ? order by paid_date, id", (grant_id,))]

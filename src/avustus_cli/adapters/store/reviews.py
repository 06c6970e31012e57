"""SQL for review requests (oikaisuvaatimus), the decisions on them and the minutes' publication days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store, cents, euros, now
from avustus_cli.domain.review import ReviewRequest

__all__ = ["add_request", "decide_request", "minutes", "record_minutes", "recorded", "requests"]


def _request(r: dict[str, Any]) -> ReviewRequest:
    return ReviewRequest(
        id=r["id"], grant_id=r["grant_id"], received=dt.date.fromisoformat(r["received"]), requester=r["requester"],
        member=bool(r["member"]),
        decision_date=dt.date.fromisoformat(r["decision_date"]) if r["decision_date"] else None,
        section=r["section"], maker=r["maker"], outcome=r["outcome"], old_amount=euros(r["old_cents"]),
        new_amount=euros(r["new_cents"]), reasons=r["reasons"] or "", address=r.get("address") or "",
        email=r.get("email") or None,
    )


def requests(store: Store, grant_id: str | None = None) -> list[ReviewRequest]:
    sql = "select * from review_requests" + (" where grant_id = ?" if grant_id else "") + " order by received, id"
    return [_request(r) for r in store.query(sql, (grant_id,) if grant_id else ())]


def _same(store: Store, grant_id: str, received: dt.date, requester: str, member: bool) -> list[dict[str, Any]]:
    """The request recorded already with the same grant, day, kind of requester and name (the name's case and
    spacing aside: it is typed again from the same paper)."""
    key = " ".join(requester.split()).casefold()
    rows = store.query("select * from review_requests where grant_id = ? and received = ? and member = ? order by id",
                       (grant_id, received.isoformat(), int(member)))
    return [r for r in rows if " ".join(r["requester"].split()).casefold() == key]


def recorded(store: Store, grant_id: str, received: dt.date, requester: str, member: bool) -> ReviewRequest | None:
    """The same request recorded already (see :func:`add_request`), or None."""
    same = _same(store, grant_id, received, requester, member)
    return _request(same[0]) if same else None


def add_request(store: Store, grant_id: str, received: dt.date, requester: str, member: bool, address: str = "",
                email: str | None = None) -> tuple[ReviewRequest, str]:
    """Record a request: (the request, "new"). The same one (grant, day, requester, member or not) again
    records nothing ("same"), except that a postal or e-mail address the earlier record lacks is added
    (and audited without its value: "contact")."""
    same = _same(store, grant_id, received, requester, member)
    if same:
        old = same[0]
        fill = {k: v for k, v in (("address", address), ("email", email)) if v and not old.get(k)}
        if fill:
            store.conn.execute(f"update review_requests set {', '.join(f'{k} = ?' for k in fill)} where id = ?",
                               (*fill.values(), old["id"]))
            store.audit("review", grant_id, "request-contact", {"request": old["id"], "added": sorted(fill)})
            return _request(store.query("select * from review_requests where id = ?", (old["id"],))[0]), "contact"
        return _request(old), "same"
    cur = store.conn.execute(
        "insert into review_requests (grant_id, received, requester, member, address, email, created_at) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        (grant_id, received.isoformat(), requester, int(member), address, email, now()),
    )
    rid = int(cur.lastrowid or 0)
    store.audit("review", grant_id, "request", {"request": rid, "received": received.isoformat(), "member": member})
    return _request(store.query("select * from review_requests where id = ?", (rid,))[0]), "new"


def decide_request(
    store: Store, request_id: int, *, decision_date: dt.date, section: str, maker: str, outcome: str,
    old_amount: Decimal, new_amount: Decimal, reasons: str,
) -> ReviewRequest:
    store.conn.execute(
        "update review_requests set decision_date = ?, section = ?, maker = ?, outcome = ?, old_cents = ?, "
        "new_cents = ?, reasons = ?, decided_at = ? where id = ?",
        (decision_date.isoformat(), section, maker, outcome, cents(old_amount), cents(new_amount), reasons, now(),
         request_id),
    )
    return _request(store.query("select * from review_requests where id = ?", (request_id,))[0])


def minutes(store: Store) -> dict[tuple[str, str], dt.date]:
    """(maker casefolded, decision date ISO) -> the day the minutes were published."""
    return {(r["maker"], r["decision_date"]): dt.date.fromisoformat(r["published"])
            for r in store.query("select * from minutes")}


def record_minutes(store: Store, maker: str, decision_date: dt.date, published: dt.date) -> bool:
    """Record the minutes' publication day; False when the same is recorded. A different day for the same
    meeting replaces it, with both days in the audit log."""
    key = (maker.casefold(), decision_date.isoformat())
    old = minutes(store).get(key)
    if old == published:
        return False
    store.conn.execute(
        "insert into minutes (maker, decision_date, published, recorded_at) values (?, ?, ?, ?) "
        "on conflict(maker, decision_date) do update set published = excluded.published, recorded_at = excluded.recorded_at",
        (key[0], key[1], published.isoformat(), now()),
    )
    store.audit("minutes", f"{maker} {decision_date.isoformat()}", "publish",
                {"published": published.isoformat(), "before": old.isoformat() if old else None})
    return True

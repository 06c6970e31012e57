"""The applications' standings as the last check left them (domain ``Standing``
objects), and the inputs a check reads: earlier grants by business ID and the
decision makers' positions. Every later stage reads the round through here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from avustus_cli.adapters.store import Store, now
from avustus_cli.adapters.store.positions import positions as _positions
from avustus_cli.domain.models import Grant, Position, verdict_for
from avustus_cli.domain.standing import Standing, apply_acceptances, history_index, with_reopened


def reopened_codes(store: Store) -> dict[str, list[str]]:
    """application id -> codes whose acceptance lapsed because the data changed."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in store.reopened_acceptances():
        out[r["application_id"]].append(r["code"])
    return out


def current_standings(store: Store, with_personal: bool = False) -> list[Standing]:
    """Each stored application with its last check's findings and the acceptances that still hold.

    An application imported or changed since its last check is ``checked=False``
    and has the verdict of its stored findings (none: eligible): callers that
    need a fresh standing run the check first."""
    apps = store.applications(with_personal=with_personal)
    stored = store.findings()
    verdicts = store.verdicts()
    hashes = store.content_hashes()
    accepted = store.acceptances()
    requests = supplement_requests(store)
    out = []
    for app in apps:
        applied = apply_acceptances(app.id, stored.get(app.id, []), accepted)
        v = verdicts.get(app.id)
        checked = v is not None and v["content_hash"] == hashes.get(app.id)
        out.append(Standing(app, verdict_for(applied), tuple(applied), checked=checked,
                            supplement=requests.get(app.id)))
    return with_reopened(out, reopened_codes(store))


def grant_history(store: Store) -> dict[str, tuple[Grant, ...]]:
    """Earlier grants (the register and this tool's decisions) by business ID."""
    return history_index(store.grants())


def positions(store: Store) -> tuple[Position, ...]:
    """The conflict-of-interest register (J01)."""
    return tuple(_positions(store))


def supplement_requests(store: Store) -> dict[str, tuple[dt.date, dt.date]]:
    """application id -> (the day its supplement request was first sent, the deadline it gave)."""
    return {r["application_id"]: (dt.date.fromisoformat(r["sent"]), dt.date.fromisoformat(r["due"]))
            for r in store.query("select application_id, sent, due from supplement_requests")}


def record_supplement_requests(store: Store, requests: Iterable[tuple[str, dt.date, dt.date, str]]) -> list[str]:
    """Record supplement requests (application id, sent, due, rule codes) not recorded yet, each with an
    audit entry; a recorded request is never changed. Returns the ids recorded now."""
    done = []
    with store.transaction():
        known = set(supplement_requests(store))
        ts = now()
        for app_id, sent, due, codes in requests:
            if app_id in known:
                continue
            store.conn.execute(
                "insert into supplement_requests (application_id, sent, due, codes, created_at) values (?, ?, ?, ?, ?)",
                (app_id, sent.isoformat(), due.isoformat(), codes, ts))
            store.audit("supplement_request", app_id, "send", {"sent": sent.isoformat(), "due": due.isoformat(),
                                                                "codes": codes})
            done.append(app_id)
    return done


def proposal_sheet(store: Store) -> dict | None:
    """The proposal sheet as ``propose`` last wrote it: {"path", "content_sha256", "written_at"}, or None."""
    rows = store.query("select path, content_sha256, written_at from proposal_sheet where id = 1")
    return rows[0] if rows else None


def record_proposal_sheet(store: Store, path: str, content_sha256: str) -> None:
    with store.transaction():
        store.conn.execute(
            "insert or replace into proposal_sheet (id, path, content_sha256, written_at) values (1, ?, ?, ?)",
            (path, content_sha256, now()))

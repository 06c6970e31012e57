"""Proposals and the officer's scores (SQL for the propose and decide services).

A proposal comes back as a record ``{"amount": Decimal, "reason_code",
"reason", "conditions", "method", "source"}`` (``ProposalLine.record()``):
the cents stay in here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store, cents, euros

RECORD_FIELDS = ("reason_code", "reason", "conditions", "method", "source")


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {"amount": euros(row["amount_cents"]), **{k: row[k] for k in RECORD_FIELDS}}


def proposal_records(store: Store) -> dict[str, dict[str, Any]]:
    """application id -> the stored proposal, in application id order."""
    return {r["application_id"]: _record(r) for r in store.query("select * from proposals order by application_id")}


def sheet_edited_ids(store: Store) -> set[str]:
    return {r["application_id"] for r in store.query("select application_id from proposals where source = 'sheet'")}


def save_proposal(store: Store, application_id: str, record: dict[str, Any], updated_at: str) -> None:
    """Store one proposal (a record as ``proposal_records`` gives it)."""
    values = {"amount_cents": cents(record["amount"]), **{k: record[k] for k in RECORD_FIELDS}, "updated_at": updated_at}
    # one statement (a round stores a proposal per application): the columns given, others kept as they are
    store.conn.execute(
        f"insert into proposals (application_id, {', '.join(values)}) values (?{', ?' * len(values)}) "
        f"on conflict(application_id) do update set {', '.join(f'{k} = excluded.{k}' for k in values)}",
        (application_id, *values.values()),
    )


def record_basis(store: Store, application_ids: Iterable[str]) -> None:
    """Remember, for each of these proposals, the application data it was made from (``data_hash``)."""
    store.conn.executemany(
        "update proposals set data_hash = (select coalesce(a.data_hash, a.content_hash) from applications a "
        "where a.id = proposals.application_id) where application_id = ?",
        [(i,) for i in application_ids],
    )


def stale_ids(store: Store) -> list[str]:
    """Undecided applications whose data changed (a re-import) after their proposal was made. A proposal
    stored before the basis was recorded (no ``data_hash``) is not judged."""
    return [r[0] for r in store.conn.execute(
        "select p.application_id from proposals p join applications a on a.id = p.application_id "
        "where p.data_hash is not null and p.data_hash != coalesce(a.data_hash, a.content_hash) "
        "and not exists (select 1 from grants g where g.application_id = p.application_id and g.source = 'decision') "
        "order by p.application_id"
    )]


def scores(store: Store) -> dict[str, tuple[Decimal | None, dict[str, Decimal]]]:
    out = {}
    for r in store.query("select application_id, score, criteria from scores"):
        score = Decimal(r["score"]) if r["score"] not in (None, "") else None
        crit = {k: Decimal(str(v)) for k, v in json.loads(r["criteria"] or "{}").items()}
        out[r["application_id"]] = (score, crit)
    return out


def save_score(store: Store, application_id: str, score: Decimal | None, criteria: dict[str, Decimal], updated_at: str) -> None:
    store.db.table("scores").upsert(
        {
            "application_id": application_id,
            "score": None if score is None else str(score),
            "criteria": json.dumps({k: str(v) for k, v in sorted(criteria.items())}, ensure_ascii=False),
            "updated_at": updated_at,
        },
        pk="application_id",
    )

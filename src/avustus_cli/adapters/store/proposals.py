"""Proposals and the officer's scores (SQL for the propose service)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store


def proposal_rows(store: Store) -> dict[str, dict[str, Any]]:
    return {r["application_id"]: r for r in store.query("select * from proposals")}


def sheet_edited_ids(store: Store) -> set[str]:
    return {r["application_id"] for r in store.query("select application_id from proposals where source = 'sheet'")}


def save_proposal(store: Store, application_id: str, values: dict[str, Any], updated_at: str) -> None:
    store.db["proposals"].upsert({"application_id": application_id, **values, "updated_at": updated_at}, pk="application_id")


def scores(store: Store) -> dict[str, tuple[Decimal | None, dict[str, Decimal]]]:
    out = {}
    for r in store.query("select application_id, score, criteria from scores"):
        score = Decimal(r["score"]) if r["score"] not in (None, "") else None
        crit = {k: Decimal(str(v)) for k, v in json.loads(r["criteria"] or "{}").items()}
        out[r["application_id"]] = (score, crit)
    return out


def save_score(store: Store, application_id: str, score: Decimal | None, criteria: dict[str, Decimal], updated_at: str) -> None:
    store.db["scores"].upsert(
        {
            "application_id": application_id,
            "score": None if score is None else str(score),
            "criteria": json.dumps({k: str(v) for k, v in sorted(criteria.items())}, ensure_ascii=False),
            "updated_at": updated_at,
        },
        pk="application_id",
    )

"""What a round holds (the `status` command's data): a service over the store."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from avustus_cli.adapters.store import Store
from avustus_cli.domain.config import Settings


def round_status(store: Store, s: Settings) -> dict[str, Any]:
    """What the round holds: counts and sums requested by form and category, imports, open warnings, verdicts."""
    by_form: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    by_cat: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    total: list[Any] = [0, Decimal(0)]
    no_amount = 0
    for form, category, requested in store.requested_by_form_and_category():
        amount = requested or Decimal(0)
        no_amount += requested is None
        for bucket in (by_form[form or "-"], by_cat[str(category or "-")], total):
            bucket[0] += 1
            bucket[1] += amount
    verdicts: dict[str, int] = defaultdict(int)
    stored = store.verdicts()
    for v in stored.values():
        verdicts[v["verdict"]] += 1
    # every application id by the last check's verdict ("" not checked): messages send the officer here
    ids: dict[str, list[str]] = defaultdict(list)
    for app_id in sorted(store.application_index()):
        ids[stored[app_id]["verdict"] if app_id in stored else ""].append(app_id)
    return {
        "year": s.year,
        "database": str(store.path),
        "applications": total[0],
        "requested": str(total[1]),
        "requested_missing": no_amount,  # applications without a requested amount (not in the sum)
        "budget": str(s.budget_total),
        "by_form": {k: {"count": v[0], "requested": str(v[1])} for k, v in sorted(by_form.items())},
        "by_category": {k: {"count": v[0], "requested": str(v[1])} for k, v in sorted(by_cat.items(), key=lambda kv: (not kv[0].isdigit(), int(kv[0]) if kv[0].isdigit() else 0))},
        "imports": [
            {k: r[k] for k in ("id", "at", "kind", "file", "rows_total", "new", "changed", "unchanged", "skipped", "warnings")}
            for r in store.imports()
        ],
        "warnings": [
            {k: w[k] for k in ("application_id", "sheet", "row", "column_name", "field", "message")} for w in store.warnings()
        ],
        "verdicts": dict(verdicts),
        "application_ids": dict(ids),
        "grants": store.count("grants"),
        "reclaims": _reclaims(store),
    }


def _reclaims(store: Store) -> dict[str, Any]:
    """Open reclaims: heard, decided with money not yet back, and what is outstanding."""
    from avustus_cli.adapters.store import reclaims as reclaim_store
    from avustus_cli.domain.reclaim import DECIDED, HEARING

    found = [r for r in reclaim_store.reclaims(store) if r.outstanding > 0]
    return {
        "open": len(found),
        "hearing": sum(1 for r in found if r.state == HEARING),
        "decided": sum(1 for r in found if r.state == DECIDED),
        "outstanding": str(sum((r.outstanding for r in found if r.state == DECIDED), Decimal("0.00"))),
        "grants": [r.grant_id for r in found],
    }

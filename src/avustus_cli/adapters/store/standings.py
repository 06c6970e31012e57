"""The applications' standings as the last check left them (domain ``Standing``
objects), and the inputs a check reads: earlier grants by business ID and the
decision makers' positions. Every later stage reads the round through here.
"""

from __future__ import annotations

from collections import defaultdict

from avustus_cli.adapters.store import Store
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
    out = []
    for app in apps:
        applied = apply_acceptances(app.id, stored.get(app.id, []), accepted)
        v = verdicts.get(app.id)
        checked = v is not None and v["content_hash"] == hashes.get(app.id)
        out.append(Standing(app, verdict_for(applied), tuple(applied), checked=checked))
    return with_reopened(out, reopened_codes(store))


def grant_history(store: Store) -> dict[str, tuple[Grant, ...]]:
    """Earlier grants (the register and this tool's decisions) by business ID."""
    return history_index(store.grants())


def positions(store: Store) -> tuple[Position, ...]:
    """The conflict-of-interest register (J01)."""
    return tuple(_positions(store))

"""The audit log's reader: ``avustus audit``."""

from __future__ import annotations

from dataclasses import dataclass

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import audit as audit_store
from avustus_cli.domain.audit import AuditEntry
from avustus_cli.domain.errors import AvustusError


@dataclass(frozen=True)
class AuditView:
    entries: list[AuditEntry]  # newest first
    total: int  # the entries that match, before the limit


def audit_log(store: Store, application: str | None = None, limit: int | None = None) -> AuditView:
    """The audit log, newest first: all of it or what concerns one application, at most ``limit``
    entries (None or 0: all)."""
    if limit is not None and limit < 0:
        raise AvustusError(f"--limit {limit}: anna positiivinen kokonaisluku tai 0 (kaikki).")
    if application is not None:
        application = application.strip()
        if not application:
            raise AvustusError("--application: anna hakemusnumero, esim. AV-2027-013.")
    entries = audit_store.entries(store, application, limit or None)
    total = audit_store.count(store, application) if limit and len(entries) == limit else len(entries)
    return AuditView(entries=entries, total=total)

"""The audit log's entries: who changed what, when and with which command (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# entities whose id is an application number (or, for a grant and what follows it, the grant's id,
# which for a decided grant is the application number)
APPLICATION_ENTITIES = frozenset({"application", "proposal", "score", "grant", "payment", "report", "letter", "reminder"})


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    user: str  # the operating system user who ran the command
    command: str  # the command line as given (paths as file names, free text left out)
    entity: str  # application, finding, proposal, grant, payment, database, privacy, ...
    entity_id: str | None
    action: str  # create, update, accept, decide, pay, restore, ...
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def application(self) -> str | None:
        """The application (or grant) the entry is about, if any: a finding's id is ``H-0001/K04``."""
        if self.entity_id is None:
            return None
        if self.entity == "finding":
            return self.entity_id.split("/", 1)[0]
        return self.entity_id if self.entity in APPLICATION_ENTITIES else None

    @property
    def code(self) -> str | None:
        """A finding's rule code (``K04``), else None."""
        if self.entity == "finding" and self.entity_id and "/" in self.entity_id:
            return self.entity_id.split("/", 1)[1]
        return None

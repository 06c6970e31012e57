"""A grant's usage report (käyttöselvitys) as recorded: when it arrived and its state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from avustus_cli.domain.models import ReportStatus


@dataclass(frozen=True)
class UsageReport:
    grant_id: str
    received: dt.date
    status: ReportStatus | None = None

    def record(self) -> dict[str, Any]:
        """As the audit log states it: ISO date and the status's value."""
        return {"received": self.received.isoformat(), "status": self.status.value if self.status else None}

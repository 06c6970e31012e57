"""A grant's usage report (käyttöselvitys): as recorded (when it arrived and its state) and as filed in
the e-form service (sums, attachments, the metrics' follow-up), with the checklist of what it lacks (pure)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
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


# --- the usage report as filed in the e-form service (käyttöselvityslomake) ---------------------------

# The attachments the guideline asks of a usage report; the auditor's report is either the
# authorised auditor's (tilintarkastuskertomus) or the operations auditor's (toiminnantarkastuskertomus).
ATTACHMENT_LABELS = {
    "activity_report": "toimintakertomus",
    "financial_statements": "tilinpäätös (tuloslaskelma ja tase)",
    "audit_report": "tilintarkastuskertomus",
    "operations_audit_report": "toiminnantarkastuskertomus",
}


@dataclass(frozen=True)
class ReportFiling:
    """One usage report from the e-form export: the year it covers, what was used and left unused, the
    attachments delivered and (a partnership agreement) the yearly follow-up of the agreement's metrics."""

    grant_id: str
    year: int
    received: dt.date
    used: Decimal | None
    unused: Decimal | None
    activity_report: bool = False
    financial_statements: bool = False
    audit_report: bool = False
    operations_audit_report: bool = False
    metrics: str = ""

    @property
    def attachments(self) -> tuple[str, ...]:
        return tuple(k for k in ATTACHMENT_LABELS if getattr(self, k))

    def record(self) -> dict[str, Any]:
        return {
            "grant": self.grant_id, "year": self.year, "received": self.received.isoformat(),
            "used": str(self.used) if self.used is not None else None,
            "unused": str(self.unused) if self.unused is not None else None,
            "attachments": list(self.attachments), "metrics": self.metrics,
        }


@dataclass(frozen=True)
class ReportFinding:
    """What the officer sees in a usage report. ``kind``: ``missing`` (a supplement is needed),
    ``unused`` (unused funds: returned or reclaimed), ``note`` (for the officer only).
    ``text`` is a full Finnish sentence the applicant can read."""

    kind: str
    code: str  # attachment | audit | used | sum | metrics | unused | late
    text: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code, "text": self.text}


def report_findings(
    filing: ReportFiling,
    paid: Decimal,
    due: dt.date | None,
    partnership: bool,
    metrics: str = "",
) -> list[ReportFinding]:
    """The checklist of a usage report (pure): the attachments, the sums against what was paid for the year,
    unused funds, the metrics' follow-up of a partnership agreement, and a late arrival.

    ``paid`` is what has been paid for the year the report covers; ``metrics`` the agreement's metrics
    (named in the request for the follow-up)."""
    from avustus_cli.domain import fmt

    y = filing.year
    out: list[ReportFinding] = []
    for key in ("activity_report", "financial_statements"):
        if not getattr(filing, key):
            out.append(ReportFinding("missing", "attachment",
                                     f"Käyttöselvityksen liitteistä puuttuu vuoden {y} {ATTACHMENT_LABELS[key]}."))
    if not (filing.audit_report or filing.operations_audit_report):
        out.append(ReportFinding(
            "missing", "audit",
            f"Käyttöselvityksen liitteistä puuttuu vuoden {y} tilintarkastuskertomus tai toiminnantarkastuskertomus.",
        ))
    if filing.used is None:
        out.append(ReportFinding("missing", "used", "Käyttöselvityksestä puuttuu avustuksen käytetty määrä euroina."))
    else:
        unused = filing.unused or Decimal(0)
        total = filing.used + unused
        if total != paid:
            out.append(ReportFinding(
                "missing", "sum",
                f"Käyttöselvityksen mukaan avustusta on käytetty {fmt.money2(filing.used)} ja käyttämättä on "
                f"{fmt.money2(unused)}, yhteensä {fmt.money2(total)}, mutta vuodelle {y} on maksettu "
                f"{fmt.money2(paid)}. Pyydämme selvittämään erotuksen {fmt.money2(abs(paid - total))}.",
            ))
    if filing.unused is not None and filing.unused > 0:
        out.append(ReportFinding(
            "unused", "unused",
            f"Avustuksesta on jäänyt käyttämättä {fmt.money2(filing.unused)}. Käyttämättä jäänyt avustus on "
            "palautettava hyvinvointialueelle.",
        ))
    if partnership and not filing.metrics.strip():
        named = f" ({metrics.strip().rstrip('.')})" if metrics.strip() else ""
        out.append(ReportFinding(
            "missing", "metrics",
            f"Käyttöselvityksestä puuttuu kumppanuussopimuksen mittareiden{named} seuranta vuodelta {y}.",
        ))
    if due is not None and filing.received > due:
        out.append(ReportFinding(
            "note", "late",
            f"Käyttöselvitys saapui {fmt.date(filing.received)}, määräpäivän {fmt.date(due)} jälkeen.",
        ))
    return out


def split_commitments(text: str) -> dict[str, str]:
    """An application's "Sitoumukset ja mittarit" split into the commitments and the metrics ("… Mittarit: …")."""
    parts = re.split(r"\s*\bMittarit\s*:\s*", text or "", maxsplit=1, flags=re.IGNORECASE)
    return {"commitments": parts[0].strip(), "metrics": parts[1].strip() if len(parts) > 1 else ""}


def agreement_terms(text: str) -> dict[str, Any]:
    """A partnership application's "Sitoumukset ja mittarit" as an agreement states it: the organisation's
    commitments, the county's commitments and the metrics (a list). The parts are found by their labels
    ("Yhdistys:" / "Järjestö:" / "Säätiö:", "Hyvinvointialue:", "Mittarit:"); text without labels is the
    organisation's."""
    parts = split_commitments(text)
    commitments = parts["commitments"]
    county = ""
    m = re.search(r"\bHyvinvointialue\s*:\s*", commitments, flags=re.IGNORECASE)
    if m:
        county = commitments[m.end():].strip()
        commitments = commitments[: m.start()].strip()
    organisation = re.sub(r"^\s*(Yhdistys|Järjestö|Säätiö|Kumppani)\s*:\s*", "", commitments, flags=re.IGNORECASE).strip()
    metrics = [x.strip().rstrip(".") for x in re.split(r"[;,\n]", parts["metrics"]) if x.strip().rstrip(".")]
    return {"organisation": _sentence_case(organisation), "county": _sentence_case(county), "metrics": metrics}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]

"""The strategy director's decision on the small partnership agreements (S04).

One content for the draft that ``propose`` writes from the proposal and the
final, dated decision that ``decide --maker Strategiajohtaja`` writes from the
recorded decisions: the agreements approved (per year, their period,
commitments and metrics) and the applications refused with their reasons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from avustus_cli.domain import deadlines
from avustus_cli.domain.checking import partnership_routing
from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import Application
from avustus_cli.domain.proposal import commitments_and_metrics, decider_for, multi_year, shorten

TEMPLATE = "strategiajohtajan_paatos"


def purpose(app: Application) -> str:
    return shorten(app.activity_name or app.description, 120)


def agreement_terms(app: Application, amount: Decimal, settings: Settings) -> dict[str, Any]:
    """A partnership agreement of ``amount`` a year: its period, amount a year, decider, years and
    total (one year: the year's amount), commitments and metrics."""
    routing = partnership_routing(dataclasses.replace(app, requested=amount), settings)
    per_year = max((amt for _, amt, _ in routing), default=Decimal(0))
    years = multi_year(app, per_year, settings)
    return {"start": app.agreement_start or dt.date(settings.year, 1, 1),
            "end": app.agreement_end or dt.date(settings.year, 12, 31),
            "amount_per_year": per_year, "decider": decider_for(app, amount, settings),
            "years": years["years"] if years else 1, "total": years["total"] if years else per_year,
            **commitments_and_metrics(app.commitments)}


def decision_content(
    approved: Sequence[tuple[Application, Decimal]],
    refused: Sequence[tuple[Application, Sequence[str], str]],
    settings: Settings,
    report_documents: Sequence[str],
) -> dict[str, Any] | None:
    """The decision's content: ``approved`` (application, amount a year) and ``refused`` (application,
    its rule codes for the officer's tools, the reason as full sentences). The caller sets the date, §
    and whether it is the draft or the final decision. None when there is nothing to decide."""
    if not approved and not refused:
        return None
    small = [(app, agreement_terms(app, amount, settings)) for app, amount in approved]
    years = sorted({y for _, t in small for y in (t["start"].year, t["end"].year)}) or [settings.year]
    span = f"{years[0]}–{years[-1]}" if years[0] != years[-1] else str(years[0])
    return {
        "decider": {"name": settings.strategy_director.name,
                    "title": settings.strategy_director.title or settings.small_partnership_decider.lower()},
        "decision_date": None,
        "prepared": None,  # the draft: the date it was prepared on
        "final": False,  # the decision as made (decide): dated, no draft note
        "section": "",
        "title": f"Kumppanuussopimukset järjestöjen kanssa vuosille {span}" if "–" in span
        else f"Kumppanuussopimukset järjestöjen kanssa vuodelle {span}",
        "agreements": [
            {"application_id": app.id, "applicant": app.applicant, "business_id": app.business_id or "",
             "municipality": app.home_municipality or "", "purpose": purpose(app),
             "start": t["start"], "end": t["end"], "amount_per_year": t["amount_per_year"],
             "commitments": t["commitments"], "metrics": t["metrics"]}
            for app, t in small
        ],
        "refusals": [
            {"application_id": app.id, "applicant": app.applicant, "business_id": app.business_id or "",
             "municipality": app.home_municipality or "", "purpose": purpose(app), "requested": app.requested,
             "codes": list(codes), "reason": reason}
            for app, codes, reason in refused
        ],
        "report_due": deadlines.report_due(settings.year, settings.report_months),
        "report_documents": list(report_documents),
        "review": {"authority": settings.body, "channel": None, "sent": None, "served": None, "last_day": None},
    }

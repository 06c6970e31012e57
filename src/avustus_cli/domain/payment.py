"""A grant's payment: what is left to pay and what holds it (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from avustus_cli.domain.config import Settings
from avustus_cli.domain.followup import Hold, hold_reasons
from avustus_cli.domain.models import Application, Grant


@dataclass(frozen=True)
class Payment:
    """A decided grant as the finance office sees it: what is left to pay, and what holds it."""

    grant: Grant
    application: Application | None
    holds: tuple[Hold, ...]
    review_last_day: dt.date | None
    reference: str
    to_pay: Decimal

    @property
    def status(self) -> str:
        if self.to_pay <= 0:
            return "paid"
        return "held" if self.holds else "payable"

    @property
    def iban(self) -> str | None:
        return self.application.iban if self.application is not None else None

    def as_json(self, with_personal: bool = False) -> dict[str, Any]:
        g = self.grant
        data = {
            "grant": g.id,
            "application": g.application_id,
            "applicant": g.applicant,
            "business_id": g.business_id,
            "year": g.year,
            "amount": str(g.amount),
            "paid": str(g.paid_amount or Decimal("0.00")),
            "to_pay": str(self.to_pay),
            "status": self.status,
            "holds": [{"code": h.code, "text": h.text} for h in self.holds],
            "review_last_day": self.review_last_day.isoformat() if self.review_last_day else None,
            "reference": self.reference,
        }
        if with_personal:
            data["iban"] = self.iban
        return data


def payment_holds(
    grant: Grant,
    grants: Sequence[Grant],
    first_payments: Mapping[str, dt.date],
    as_of: dt.date,
    review_last_day: dt.date | None,
    app: Application | None,
    accepted: Collection[tuple[str | None, str]],
    settings: Settings,
) -> tuple[Hold, ...]:
    """Why the grant's payment is held on ``as_of``: the follow-up's holds
    (reports, the review period, the funding decision unless P02 is in
    ``accepted``) and a missing bank account."""
    holds = hold_reasons(
        grant, grants, first_payments, as_of, review_last_day, app, (grant.application_id, "P02") in accepted,
        settings.report_months, settings.hold_after_days,
    )
    if app is None or not app.iban:
        holds.append(Hold("account", "tilinumero puuttuu hakemukselta"))
    return tuple(holds)

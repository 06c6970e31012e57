"""Reclaim (takaisinperintä) of a grant: the hearing, the decision and the money returned (pure).

The county's grant terms follow the state grant act (valtionavustuslaki 21–22 §): a grant used against its
terms, left unused or without a usage report is reclaimed by a decision of its own, and the grantee is
heard first (hallintolaki 34 §): the letter says what is proposed, on what grounds, and by when to answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from avustus_cli.domain import deadlines

HEARING = "hearing"  # the grantee is being heard
DECIDED = "decided"  # the reclaim decision is made; money is due
RETURNED = "returned"  # the money is back

STATE_LABELS = {HEARING: "kuultavana", DECIDED: "päätetty, palautus kesken", RETURNED: "palautettu"}
ANSWER_DAYS = 14


@dataclass(frozen=True)
class Reclaim:
    """A grant's reclaim as recorded."""

    grant_id: str
    grounds: str
    proposed: Decimal
    hearing_date: dt.date
    answer_due: dt.date
    decision_date: dt.date | None = None
    section: str | None = None
    maker: str | None = None
    amount: Decimal | None = None
    due: dt.date | None = None
    reasons: str = ""
    returned: Decimal = Decimal(0)

    @property
    def state(self) -> str:
        if self.decision_date is None:
            return HEARING
        return RETURNED if self.outstanding <= 0 else DECIDED

    @property
    def outstanding(self) -> Decimal:
        """What is still to be returned (the decided sum; while heard, the proposed sum)."""
        target = self.amount if self.amount is not None else self.proposed
        return max(Decimal(0), target - self.returned).quantize(Decimal("0.01"))

    def overdue(self, as_of: dt.date) -> bool:
        return self.state == DECIDED and self.due is not None and as_of > self.due

    def as_json(self) -> dict[str, Any]:
        def d(v: dt.date | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "grant": self.grant_id, "state": self.state, "grounds": self.grounds, "proposed": str(self.proposed),
            "hearing_date": d(self.hearing_date), "answer_due": d(self.answer_due),
            "decision_date": d(self.decision_date), "section": self.section, "maker": self.maker,
            "amount": str(self.amount) if self.amount is not None else None, "due": d(self.due),
            "returned": str(self.returned), "outstanding": str(self.outstanding),
        }


def answer_due(sent: dt.date, channel: str, days: int = ANSWER_DAYS) -> dt.date:
    """The last day to answer a hearing letter sent on ``sent``: ``days`` days from the presumed service
    (a letter on the 7th day, an e-mail on the 3rd), moved to a working day."""
    return deadlines.count_days(deadlines.served_on(sent, channel), days)


def reclaim_problems(
    reclaim: Reclaim | None,
    decision_date: dt.date,
    amount: Decimal,
    due: dt.date,
    paid: Decimal,
    answered: dt.date | None = None,
) -> list[str]:
    """Why a reclaim decision cannot be recorded (Finnish sentences; empty: it can)."""
    from avustus_cli.domain import fmt

    if reclaim is None:
        return ["avustuksen saajaa ei ole kuultu (hallintolaki 34 §): aloita takaisinperintä kuulemiskirjeellä"]
    out = []
    if reclaim.decision_date is not None:
        out.append(f"takaisinperinnästä on jo päätetty {fmt.date(reclaim.decision_date)} § {reclaim.section}")
    if decision_date <= reclaim.answer_due and answered is None:
        out.append(
            f"kuulemisen vastausaika päättyy {fmt.date(reclaim.answer_due)}: päätöksen voi tehdä sen jälkeen, tai "
            "kun vastaus on saapunut (anna vastauksen saapumispäivä)"
        )
    if answered is not None and answered > decision_date:
        out.append("vastauksen saapumispäivä on päätöspäivän jälkeen")
    if decision_date < reclaim.hearing_date:
        out.append(f"päätöspäivä on ennen kuulemiskirjettä {fmt.date(reclaim.hearing_date)}")
    if amount <= 0:
        out.append("takaisin perittävän määrän on oltava suurempi kuin 0 €")
    if amount > paid:
        out.append(f"takaisin perittävä {fmt.money2(amount)} on enemmän kuin avustuksesta on maksettu ({fmt.money2(paid)})")
    if due <= decision_date:
        out.append("eräpäivän on oltava päätöspäivän jälkeen")
    return out

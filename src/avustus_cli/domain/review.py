"""Review requests (oikaisuvaatimus) and the review periods that hold a payment (pure).

A decision of the county's body or office holder may be asked to be reviewed
within 14 days of its service (hyvinvointialuelaki 611/2021, chapter 16):

- by the applicant, from the day its letter is presumed served
  (``domain.deadlines.served_on``: e-mail the 3rd day, post the 7th);
- by any member of the county, who is taken to have received the decision 7
  days after the minutes were published in the public network.

A grant is paid only when both periods have passed and no request is pending;
the body's decision on a request (the review decision) may then be appealed to
the administrative court within 30 days of its service. An appeal does not
hold the payment: a decision may be carried out before it is final unless that
would make the appeal pointless, which for a grant decided again on review the
officer weighs case by case (``paid --override``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from avustus_cli.domain import deadlines, fmt
from avustus_cli.domain.followup import Hold

OUTCOMES = {"kept": "pysytetään", "changed": "muutetaan"}

__all__ = ["OUTCOMES", "ReviewPeriods", "ReviewRequest", "periods_for", "review_holds"]


@dataclass(frozen=True)
class ReviewRequest:
    """A request for review of a grant decision, and the body's decision on it once made."""

    id: int
    grant_id: str
    received: dt.date
    requester: str
    member: bool  # made by a member of the county (not the applicant)
    decision_date: dt.date | None = None
    section: str | None = None
    maker: str | None = None
    outcome: str | None = None  # kept | changed
    old_amount: Decimal | None = None
    new_amount: Decimal | None = None
    reasons: str = ""
    address: str = ""  # a member's postal address (the applicant's is the application's)
    email: str | None = None  # a member's e-mail address

    @property
    def pending(self) -> bool:
        return self.outcome is None

    @property
    def address_lines(self) -> list[str]:
        """The postal address as the letter's address block shows it (``domain.letter.address_lines``)."""
        from avustus_cli.domain.letter import address_lines  # not at start-up: check reads requests, not letters

        return address_lines(self.address)

    @property
    def reachable(self) -> bool:
        """A letter can be sent to the requester: the applicant always (the application's address), a
        member when a postal or e-mail address was recorded."""
        return not self.member or bool(self.address_lines or (self.email or "").strip())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "grant": self.grant_id, "received": self.received.isoformat(), "member": self.member,
            "decision_date": self.decision_date.isoformat() if self.decision_date else None, "section": self.section,
            "maker": self.maker, "outcome": self.outcome,
            "old_amount": str(self.old_amount) if self.old_amount is not None else None,
            "new_amount": str(self.new_amount) if self.new_amount is not None else None,
        }


@dataclass(frozen=True)
class ReviewPeriods:
    """The two review periods of one decision: the applicant's (from the served day of its latest decision
    letter) and the county's members' (from the minutes' publication); None: not known."""

    applicant_served: dt.date | None
    minutes_published: dt.date | None

    @property
    def applicant_last_day(self) -> dt.date | None:
        if self.applicant_served is None:
            return None
        return deadlines.count_days(self.applicant_served, deadlines.REVIEW_DAYS)

    @property
    def members_last_day(self) -> dt.date | None:
        if self.minutes_published is None:
            return None
        return deadlines.members_review_last_day(self.minutes_published)

    @property
    def final_after(self) -> dt.date | None:
        """The last day of the later period (the decision is final the day after), None if either is unknown."""
        if self.applicant_last_day is None or self.members_last_day is None:
            return None
        return max(self.applicant_last_day, self.members_last_day)

    def in_time(self, received: dt.date, member: bool) -> bool | None:
        """Was a request received on ``received`` within its period? None when the period is not known."""
        last = self.members_last_day if member else self.applicant_last_day
        return None if last is None else received <= last


def periods_for(
    served: dt.date | None,
    decision_date: dt.date | None,
    maker: str | None,
    recorded_minutes: dict[tuple[str, str], dt.date],
    setting_published: dt.date | None,
    setting_meeting: dt.date | None,
) -> ReviewPeriods:
    """The periods of a decision made by ``maker`` on ``decision_date``: the minutes' publication day
    recorded for that meeting (``decide --minutes-published``) wins; else the setting
    ``decision.minutes_published`` when it is for that meeting (``decision.meeting_date`` unset or the same)."""
    published = None
    if decision_date is not None:
        published = recorded_minutes.get(((maker or "").casefold(), decision_date.isoformat()))
        if published is None and setting_published is not None and setting_meeting in (None, decision_date):
            published = setting_published
    return ReviewPeriods(served, published)


def review_holds(periods: ReviewPeriods, requests: Sequence[ReviewRequest], as_of: dt.date) -> list[Hold]:
    """Why the review periods hold a payment on ``as_of``: a pending request, the applicant's period
    still running (or its service unknown), the members' period still running (or the minutes'
    publication unknown). Each hold names the period and its last day."""
    holds: list[Hold] = []
    for r in requests:
        if r.pending:
            who = "hyvinvointialueen jäsenen" if r.member else "hakijan"
            holds.append(Hold("review_pending", f"{who} oikaisuvaatimus saapui {fmt.date(r.received)} ja odottaa "
                                                "käsittelyä: maksatus odottaa oikaisuvaatimukseen annettavaa päätöstä"))
    last = periods.applicant_last_day
    if last is None:
        holds.append(Hold("review", "päätöksen tiedoksiantopäivä ei ole tiedossa: hakijan oikaisuvaatimusaikaa ei voi laskea"))
    elif as_of <= last:
        holds.append(Hold("review", f"hakijan oikaisuvaatimusaika päättyy {fmt.date(last)} "
                                    f"(tiedoksisaanti {fmt.date(periods.applicant_served)})"))
    members = periods.members_last_day
    if members is None:
        holds.append(Hold("members", "pöytäkirjan julkaisupäivä ei ole tiedossa: hyvinvointialueen jäsenten "
                                     "oikaisuvaatimusaikaa ei voi laskea (anna decide --minutes-published PVM "
                                     "tai asetus decision.minutes_published)"))
    elif as_of <= members:
        holds.append(Hold("members", f"hyvinvointialueen jäsenten oikaisuvaatimusaika päättyy {fmt.date(members)} "
                                     f"(pöytäkirja julkaistu {fmt.date(periods.minutes_published)})"))
    return holds

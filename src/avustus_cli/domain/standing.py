"""An application's standing after the check: its verdict, its findings and the
officer's acceptances, and the policy every later stage reads from it.

Pure: no store, no files. The check service makes standings; the store reads
them back (``adapters.store.standings``); proposing, deciding and paying only
read them. What keeps an application from money (``stopping_findings``), what
holds its payment (``Standing.holds``) and when it is still pending (its
assessment not finished: ``pending_findings``) are decided here, once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from avustus_cli.domain import deadlines
from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import Application, Finding, Grant, Severity, Verdict, fast_maker
from avustus_cli.domain.rules import RULES, RuleContext, reasons

# Deficiencies that do not stop a grant from being proposed: they hold its
# payment instead (R01: an earlier usage report missing; P02: the project's
# funding decision still pending). They become conditions of the decision.
PAYMENT_HOLD_CODES = frozenset({"R01", "P02"})
# Findings about who decides, not about the application: a decision maker's
# conflict of interest (J01) makes that person step aside; it never costs the
# applicant its grant.
DECIDER_CODES = frozenset({"J01"})
# The stored reason code of an application still pending (käsittely kesken):
# an open review finding (the officer's judgement), or a supplement whose
# deadline has not passed by the meeting. It gets 0 € but is not a refusal:
# the documents leave it out and ``avustus decide`` must not record it.
PENDING_CODE = "KESKEN"
PENDING_LEADS = ("arviointi kesken", "täydennys kesken")
# how the tool's own reasons of an application without money begin (``ineligible_reason``, ``pending_reason``)
GENERATED_LEADS = ("hylätään:", "täydennystä ei saatu", *PENDING_LEADS)


@dataclass(frozen=True)
class Standing:
    """One application as the last check left it, the officer's acceptances applied."""

    app: Application
    verdict: Verdict
    findings: tuple[Finding, ...]  # accepted ones carry accepted_reason
    checked: bool = True  # False: not checked since it was imported or changed
    reopened: tuple[str, ...] = ()  # codes whose acceptance lapsed because the data changed
    # (sent, due) of the supplement request as first sent; None: no request recorded yet
    supplement: tuple[dt.date, dt.date] | None = None

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.accepted)

    @property
    def acceptances(self) -> dict[str, str]:
        """Rule code -> the officer's reason, for the findings the officer accepted."""
        return {f.code: f.accepted_reason for f in self.findings if f.accepted_reason}

    @property
    def holds(self) -> tuple[Finding, ...]:
        """Open findings that hold the payment rather than the grant."""
        return tuple(f for f in self.open_findings if _is_hold(f))

    @property
    def fundable(self) -> bool:
        """May get money in the proposal: nothing open but payment holds and notes."""
        return self.checked and not stopping_findings(self)

    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.open_findings if f.severity is Severity.BLOCKING)


# standing_of(app, verdict, findings): Standing(app, verdict, findings), made without the dataclass's
# keyword handling (a check of a big round makes one per application)
standing_of = fast_maker(Standing, ("app", "verdict", "findings"))


def _is_hold(f: Finding) -> bool:
    return f.code in PAYMENT_HOLD_CODES and f.severity is Severity.DEFICIENCY


def rules_version() -> str:
    """A fingerprint of the rule set (codes, severities, titles)."""
    text = "|".join(f"{r.code}:{r.severity.value}:{r.title}" for r in RULES.values())
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def history_index(grants: Iterable[Grant]) -> dict[str, tuple[Grant, ...]]:
    """Earlier grants by the recipient's business ID."""
    by_id: dict[str, list[Grant]] = defaultdict(list)
    for g in grants:
        if g.business_id:
            by_id[g.business_id].append(g)
    return {k: tuple(v) for k, v in by_id.items()}


def context_for(
    app: Application,
    settings: Settings,
    as_of: dt.date,
    history: Mapping[str, tuple[Grant, ...]],
    positions: tuple = (),
) -> RuleContext:
    """The rule context: earlier grants of the applicant (and of a joint application's lead)
    and the decision makers' positions (J01)."""
    lead = app.lead_applicant.business_id if app.joint and app.lead_applicant else None
    earlier = earlier_grants(app.id, app.business_id, lead, app.year, history)
    return RuleContext(settings=settings, as_of=as_of, history=earlier, positions=positions)


def earlier_grants(
    app_id: str, business_id: str | None, lead_id: str | None, year: int | None,
    history: Mapping[str, tuple[Grant, ...]],
) -> tuple[Grant, ...]:
    """The earlier grants a rule may know of an application: those of its applicant and of a joint
    application's lead (``lead_id``), before its year, not made on this application itself."""
    keys = {business_id}
    if lead_id:
        keys.add(lead_id)
    return tuple(
        g for k in keys if k for g in history.get(k, ()) if g.application_id != app_id and (g.year or 0) < (year or 9999)
    )


def apply_acceptances(app_id: str, findings: Iterable[Finding], accepted: Mapping) -> list[Finding]:
    """The findings with the officer's acceptances (``{(app id, code): {"reason": ...}}``) applied;
    a blocking finding is never accepted."""
    out = []
    for f in findings:
        a = accepted.get((app_id, f.code))
        if a is not None and f.severity in (Severity.REVIEW, Severity.DEFICIENCY, Severity.NOTE):
            f = replace(f, accepted_reason=a["reason"])
        out.append(f)
    return out


def with_reopened(standings: list[Standing], reopened: Mapping[str, Iterable[str]]) -> list[Standing]:
    """The standings with the codes whose acceptance lapsed (application id -> codes)."""
    if not reopened:
        return standings
    return [replace(s, reopened=tuple(sorted(reopened.get(s.app.id, ())))) for s in standings]


# --- what stops the grant --------------------------------------------------------


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by code."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.code))


def codes_in_order(findings: Iterable[Finding]) -> list[str]:
    """The findings' codes, most severe first, each once."""
    return list(dict.fromkeys(f.code for f in by_severity(findings)))


def stopping_findings(standing: Standing) -> list[Finding]:
    """Open findings that stop the grant (everything but notes, payment holds
    and findings about the decision makers, J01)."""
    return [
        f for f in standing.open_findings
        if f.severity is not Severity.NOTE and f.code not in DECIDER_CODES and not _is_hold(f)
    ]


def stop_codes(standing: Standing) -> list[str]:
    """The rule codes that keep this application from getting money, most severe first."""
    return codes_in_order(stopping_findings(standing))


def ineligible_reason(standing: Standing, requested_on: dt.date | None = None, due: dt.date | None = None) -> str:
    """Finnish, for the officer's sheet: why the application gets nothing (names
    the findings and their facts). A refusal for a missing supplement names the
    request's date and deadline when given (``supplement_dates`` reads them back)."""
    found = by_severity(stopping_findings(standing))
    if not found:
        return ""
    worst = found[0].severity
    lead = {
        Severity.BLOCKING: "hylätään",
        Severity.DEFICIENCY: "täydennystä ei saatu",
        Severity.REVIEW: "arviointi kesken",
    }[worst]
    if worst is Severity.DEFICIENCY and requested_on is not None and due is not None:
        lead += f" (pyydetty {requested_on:%d.%m.%Y}, määräaika {due:%d.%m.%Y})"
    same = [f for f in found if f.severity is worst]
    return f"{lead}: " + "; ".join(f"{f.code} {f.message}" for f in same)


_SUPPLEMENT_DATES = re.compile(r"^täydennystä ei saatu \(pyydetty (\d\d\.\d\d\.\d{4}), määräaika (\d\d\.\d\d\.\d{4})\)")


def supplement_dates(reason: str) -> tuple[dt.date, dt.date] | None:
    """The supplement request's date and deadline from an ``ineligible_reason`` text, if it names them."""
    m = _SUPPLEMENT_DATES.match((reason or "").strip())
    if m is None:
        return None
    day = [dt.datetime.strptime(g, "%d.%m.%Y").date() for g in m.groups()]
    return day[0], day[1]


def is_generated_reason(reason: str) -> bool:
    """``reason`` is the tool's own text (``ineligible_reason`` or a pending note), not the officer's:
    the documents then state the findings' sentences instead."""
    reason = (reason or "").strip()
    return not reason or reason.startswith(GENERATED_LEADS)


def refusal_sentences(
    standing: Standing,
    settings: Settings,
    *,
    requested_on: dt.date | None = None,
    due: dt.date | None = None,
    today: dt.date | None = None,
) -> list[str]:
    """Why the application is refused, as full Finnish sentences for the board and
    the letters (the fact and the guideline's rule, no rule codes; Hallintolaki 45 §).

    A blocking finding decides alone. Without one, the deficiencies a supplement
    request asked for: with the request's date and deadline, a document written on
    ``today`` before the deadline has passed says what is pending and what follows
    if nothing arrives (never that it did not arrive); after it, that nothing
    arrived by the deadline. Review cases (what the county verifies itself) and
    payment holds are never reasons."""
    app = standing.app
    ctx = RuleContext(settings, today or due or settings.window_end)
    found = stopping_findings(standing)
    blocking = [f for f in found if reasons.kind_of(f, app, ctx) == reasons.REFUSAL]
    if blocking:
        return reasons.refusal_reasons(blocking, app, ctx)
    fallback = [t for f in found if (t := reasons.blocking_fallback(f))]
    if fallback:
        return list(dict.fromkeys(fallback))
    wanted = [f for f in found if reasons.kind_of(f, app, ctx) == reasons.REQUEST]
    if not wanted:
        return []
    if requested_on is None or due is None:
        return reasons.refusal_reasons(wanted, app, ctx)
    if today is not None and today <= due:
        return [reasons.refusal_if_no_supplement(wanted, app, requested_on, due, ctx)]
    return [reasons.refusal_after_request(wanted, app, requested_on, due, ctx)]


def sentence(text: str) -> str:
    """A capital first letter and a full stop at the end (documents' sentences)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


# --- pending applications (käsittely kesken) -------------------------------------


def supplement_due(settings: Settings, as_of: dt.date) -> dt.date:
    """The last day to supply what a supplement request sent on ``as_of`` asks for."""
    return deadlines.count_days(as_of, settings.supplement_days)


def decision_day(settings: Settings, as_of: dt.date) -> dt.date:
    """The day the proposal is decided: the meeting, else the proposal's own date."""
    return settings.meeting_date or as_of


def supplement_open(settings: Settings, as_of: dt.date, request: tuple[dt.date, dt.date] | None = None) -> bool:
    """True when the supplement may still arrive by the decision day: by the deadline of the request as
    recorded when it was first sent (``request``: sent, due), else of one sent on ``as_of``."""
    due = request[1] if request is not None else supplement_due(settings, as_of)
    return decision_day(settings, as_of) <= due


def request_due(standing: Standing, settings: Settings, as_of: dt.date) -> dt.date:
    """The deadline of the application's supplement request: as recorded when first sent, else that of a
    request sent on ``as_of``. A recorded deadline never moves."""
    return standing.supplement[1] if standing.supplement is not None else supplement_due(settings, as_of)


def open_reviews(standing: Standing) -> list[Finding]:
    """Judgement cases: open review findings (J01 is about the decision makers, never the applicant)."""
    return [f for f in standing.open_findings if f.severity is Severity.REVIEW and f.code not in DECIDER_CODES]


def open_deficiencies(standing: Standing) -> list[Finding]:
    """Open deficiencies a supplement can cure (payment holds excluded)."""
    return [f for f in standing.open_findings if f.severity is Severity.DEFICIENCY and f.code not in PAYMENT_HOLD_CODES]


def pending_findings(standing: Standing, settings: Settings | None = None, as_of: dt.date | None = None) -> list[Finding]:
    """Why the application cannot be decided yet: [] when it can.

    - an open review finding (not accepted; J01 excluded): the officer must
      judge it (``avustus accept``) or correct the data; the tool never
      decides a judgement case;
    - with ``settings`` and ``as_of``: an open deficiency whose supplement
      deadline (as recorded when the request was first sent, else ``as_of`` +
      ``supplement_days``, moved to a working day) is on or after the decision
      day (``meeting_date``, else ``as_of``).

    A blocking finding decides the application: it is never pending."""
    if not standing.checked or standing.blocking():
        return []
    found = open_reviews(standing)
    if settings is not None and as_of is not None and supplement_open(settings, as_of, standing.supplement):
        found += open_deficiencies(standing)
    return by_severity(found)


def is_pending(standing: Standing, settings: Settings | None = None, as_of: dt.date | None = None) -> bool:
    """The application waits for the officer's judgement or a supplement: see ``pending_findings``."""
    return bool(pending_findings(standing, settings, as_of))


def pending_ids(standings: Iterable[Standing], settings: Settings | None = None, as_of: dt.date | None = None) -> list[str]:
    """The ids of the pending applications among ``standings``, in order.

    Without ``settings`` and ``as_of`` only the judgement cases (open review
    findings) count; the stored proposal marks every pending application of
    the last ``avustus propose`` run with reason code ``PENDING_CODE``."""
    return [s.app.id for s in standings if is_pending(s, settings, as_of)]

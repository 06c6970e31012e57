"""The stages' domain objects and the pure functions between them, on plain data (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from avustus_cli.domain.config import default_settings
from avustus_cli.domain.decision import Decision, plan_decisions
from avustus_cli.domain.models import Application, Finding, GrantForm, Severity, verdict_for
from avustus_cli.domain.proposal import (
    HOLD_CONDITIONS,
    PROJECT_CONDITION,
    ProposalEdit,
    ProposalLine,
    codes_for,
    kept_conditions,
    line_from_record,
)
from avustus_cli.domain.standing import PENDING_CODE, Standing, ineligible_reason, stop_codes

SETTINGS = default_settings(2027)
DAY = dt.date(2027, 1, 20)


def standing(app_id: str, *findings: Finding, form: GrantForm = GrantForm.OPERATING, requested: str = "10000") -> Standing:
    app = Application(id=app_id, applicant=f"Yhdistys {app_id}", form=form, year=2027, requested=Decimal(requested))
    return Standing(app, verdict_for(findings), tuple(findings))


def record(amount: str, reason: str = "", code: str = "FULL", conditions: str = "") -> dict:
    return {"amount": Decimal(amount), "reason_code": code, "reason": reason, "conditions": conditions,
            "method": "full", "source": "allocation"}


def plan(standings, proposals, edits=(), maker=None):
    apps = {s.app.id: s.app for s in standings}
    return plan_decisions(sorted(apps), apps, {s.app.id: s for s in standings}, proposals,
                          {e.app_id: e for e in edits}, SETTINGS, decision_date=DAY, section="12",
                          maker=maker or SETTINGS.body)


def test_a_standing_tells_stops_from_holds_and_keeps_the_acceptances():
    k04 = Finding("K04", Severity.REVIEW, "Tampere", accepted_reason="vähäinen osuus")
    r01 = Finding("R01", Severity.DEFICIENCY, "käyttöselvitys puuttuu")
    e01 = Finding("E01", Severity.BLOCKING, "osakeyhtiö")
    held = standing("H-1", k04, r01)
    assert held.fundable and [f.code for f in held.holds] == ["R01"]
    assert held.acceptances == {"K04": "vähäinen osuus"}
    refused = standing("H-2", e01, r01)
    assert not refused.fundable and stop_codes(refused) == ["E01"]
    assert ineligible_reason(refused) == "hylätään: E01 osakeyhtiö"


def test_a_line_keeps_the_officers_conditions_and_the_tools_own_only_with_money():
    s = standing("H-1", Finding("R01", Severity.DEFICIENCY, "käyttöselvitys puuttuu"))
    earlier = ("Avustus kohdistetaan leiritoimintaan.", HOLD_CONDITIONS["P02"])
    assert kept_conditions(s, Decimal(500), earlier) == (HOLD_CONDITIONS["R01"], earlier[0])
    assert kept_conditions(s, Decimal(0), earlier) == (earlier[0],)
    project = standing("P-1", form=GrantForm.PROJECT)
    assert kept_conditions(project, Decimal(500), ()) == (PROJECT_CONDITION,)


def test_a_stored_record_reads_back_as_the_line_it_was():
    line = ProposalLine(standing("H-1"), Decimal("2500.00"), "OFFICER", "pienempi", ("a", "b"), "full", "sheet")
    again = line_from_record(line.standing, line.record())
    assert again == line and not again.differs_from(line.record())
    assert again.differs_from({**line.record(), "amount": Decimal("2400.00")})
    assert codes_for(line) == ["HARK"]


def test_plan_decisions_follows_the_proposal_and_the_boards_edits():
    a, b = standing("H-1"), standing("H-2")
    out = plan([a, b], {"H-1": record("10000"), "H-2": record("10000")},
               edits=[ProposalEdit(2, "H-2", Decimal("6000.00"), "toiminta supistuu", (), None, {})])
    assert [d.id for d in out.decisions] == ["H-1", "H-2"]
    first, second = out.decisions
    assert (first.amount, first.outcome, first.reason) == (Decimal("10000"), "granted", "")
    assert (second.amount, second.outcome, second.reason) == (Decimal("6000.00"), "reduced", "Toiminta supistuu.")
    assert second.decision_date == DAY and second.section == "12" and second.decision_maker == SETTINGS.body


def test_plan_decisions_leaves_pending_ones_and_lists_refusals_without_reasons():
    e01 = Finding("E01", Severity.BLOCKING, "osakeyhtiö")
    out = plan([standing("H-1"), standing("H-2", e01), standing("H-3")],
               {"H-1": record("0", code=PENDING_CODE), "H-2": record("0", code="INELIGIBLE"),
                "H-3": record("0", code="BUDGET")})
    assert out.pending == ["H-1"]
    assert out.missing_reasons == ["H-3"]  # refused for lack of money, and no reason given
    (refused,) = out.decisions
    assert refused.id == "H-2" and refused.outcome == "refused" and refused.reason.startswith("E01: ")


def test_plan_decisions_routes_a_small_partnership_to_its_own_decider():
    small = standing("K-1", form=GrantForm.PARTNERSHIP, requested="20000")
    out = plan([small], {"K-1": record("20000")})
    assert out.decisions == [] and out.routed == [("K-1", SETTINGS.small_partnership_decider)]
    by_director = plan([small], {"K-1": record("20000")}, maker=SETTINGS.small_partnership_decider)
    assert [d.id for d in by_director.decisions] == ["K-1"]


def test_the_same_decision_differs_only_by_its_id():
    d = Decision("H-1", "H-1", "Y", None, "operating", 2027, Decimal(100), Decimal(100), DAY, "12", "Aluehallitus", "", "")
    assert d.same_as(dataclasses.replace(d, id="other"))
    assert not d.same_as(dataclasses.replace(d, section="13"))


def test_payment_holds_name_the_review_period_the_funding_and_the_account():
    from avustus_cli.domain.models import Grant
    from avustus_cli.domain.payment import Payment, payment_holds

    grant = Grant("P-1", "P-1", "Hanke ry", "1234567-8", GrantForm.PROJECT, 2027, Decimal(5000), decision_date=DAY)
    project = Application(id="P-1", form=GrantForm.PROJECT, year=2027, iban="FI2112345600000785")
    last_day = dt.date(2027, 2, 10)
    before = payment_holds(grant, [grant], {}, dt.date(2027, 2, 1), last_day, project, set(), SETTINGS)
    assert [h.code for h in before] == ["review", "funding"]
    after = payment_holds(grant, [grant], {}, dt.date(2027, 3, 1), last_day, project, {("P-1", "P02")}, SETTINGS)
    assert after == ()
    no_account = dataclasses.replace(project, iban=None)
    (hold,) = payment_holds(grant, [grant], {}, dt.date(2027, 3, 1), last_day, no_account, {("P-1", "P02")}, SETTINGS)
    assert hold.code == "account"
    assert Payment(grant, project, after, last_day, "123", Decimal(5000)).status == "payable"
    assert Payment(grant, project, before, last_day, "123", Decimal(5000)).status == "held"
    assert Payment(grant, project, (), last_day, "123", Decimal(0)).status == "paid"


def test_a_usage_report_is_the_same_when_its_date_and_state_are():
    from avustus_cli.domain.models import ReportStatus
    from avustus_cli.domain.report import UsageReport

    a = UsageReport("H-1", dt.date(2028, 3, 1), ReportStatus.APPROVED)
    assert a == UsageReport("H-1", dt.date(2028, 3, 1), ReportStatus.APPROVED)
    assert a != dataclasses.replace(a, status=ReportStatus.INCOMPLETE)
    assert a.record() == {"received": "2028-03-01", "status": "approved"}
    assert UsageReport("H-1", dt.date(2028, 3, 1)).record()["status"] is None

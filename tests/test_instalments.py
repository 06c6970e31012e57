"""Payment plans: instalments with due dates and conditions; payments recorded against an instalment."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from avustus_cli.domain.models import Application, GrantForm
from avustus_cli.domain.payment import (
    AFTER_FINAL,
    AFTER_FUNDING,
    YEAR_BUDGET,
    PlannedInstalment,
    allocate_payments,
    instalment_amounts,
    instalment_holds,
    plan_instalments,
)

from .conftest import dump
from .year_round import BIDS, decided_round

BIDS_PARTNER = BIDS[1]

D = dt.date


def _agreement(start: dt.date, end: dt.date) -> Application:
    return Application(id="K-1", form=GrantForm.PARTNERSHIP, agreement_start=start, agreement_end=end)


def test_operating_and_project_grants_are_paid_in_one_instalment_with_their_condition():
    (op,) = plan_instalments(GrantForm.OPERATING, 2027, None, 2027)
    (proj,) = plan_instalments(GrantForm.PROJECT, 2027, Application(id="P"), 2027)
    assert (op.number, op.year, op.share, op.due, op.condition) == (1, 2027, Decimal(1), None, AFTER_FINAL)
    assert proj.condition == AFTER_FUNDING and "ulkopuolisen rahoittajan" in proj.condition_text


def test_partnership_is_paid_yearly_from_each_agreement_year_subject_to_its_budget():
    plan = plan_instalments(GrantForm.PARTNERSHIP, 2027, _agreement(D(2027, 7, 1), D(2030, 6, 30)), 2027)
    assert [(p.number, p.year, p.due, p.condition) for p in plan] == [
        (1, 2027, D(2027, 7, 1), AFTER_FINAL),
        (2, 2028, D(2028, 7, 1), YEAR_BUDGET),
        (3, 2029, D(2029, 7, 1), YEAR_BUDGET),
    ]
    assert "vuoden 2029 talousarviossa" in plan[2].condition_text


def test_partnership_without_dates_is_one_year_and_a_leap_day_start_keeps_its_years():
    assert len(plan_instalments(GrantForm.PARTNERSHIP, 2027, Application(id="K"), 2027)) == 1
    plan = plan_instalments(GrantForm.PARTNERSHIP, 2028, _agreement(D(2028, 2, 29), D(2030, 2, 27)), 2028)
    assert [p.due for p in plan] == [D(2028, 2, 29), D(2029, 2, 28)]


def test_amounts_add_up_to_the_cent_and_loose_payments_fill_in_order():
    plan = [PlannedInstalment(i, 2027, Decimal("1") / 3, None, AFTER_FINAL) for i in (1, 2, 3)]
    amounts = instalment_amounts(plan, Decimal("100.00"))
    assert amounts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] and sum(amounts) == Decimal("100.00")
    assert allocate_payments([Decimal(10), Decimal(10)], [(None, Decimal(15))]) == [Decimal(10), Decimal(5)]
    assert allocate_payments([Decimal(10), Decimal(10)], [(2, Decimal(4)), (None, Decimal(12))]) == [Decimal(10), Decimal(6)]


def test_a_later_years_instalment_is_held_by_its_day_its_budget_and_an_overdue_earlier_report():
    item = PlannedInstalment(3, 2029, Decimal(1), D(2029, 1, 1), YEAR_BUDGET)
    codes = [h.code for h in instalment_holds(item, "K-1", D(2028, 12, 1), False, {2027: False, 2028: True}, 6, None)]
    assert codes == ["due", "budget", "report"]  # 2027's report was due 30.6.2028
    assert instalment_holds(item, "K-1", D(2029, 1, 2), True, {2027: True, 2028: False}, 6, None) == ()
    held = instalment_holds(item, "K-1", D(2029, 1, 2), True, {}, 6, D(2028, 9, 1))
    assert [h.code for h in held] == ["reclaim"] and "1.9.2028" in held[0].text


@pytest.fixture
def year(tmp_path_factory, workdir):
    return decided_round(tmp_path_factory.getbasetemp(), workdir)


def _lines(cli, as_of: str) -> list[dict]:
    r = cli("payments", "--as-of", as_of, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_payments_lists_each_instalment_and_paid_records_against_one(year):
    lines = [p for p in _lines(year, "2027-03-01") if p["grant"] == "H-0002"]
    assert [(p["instalment"], p["instalments"], p["instalment_year"], p["status"]) for p in lines] == [
        (1, 2, 2027, "payable"), (2, 2, 2028, "held")]
    assert [h["code"] for h in lines[1]["holds"]] == ["due", "budget"]
    r = year("paid", "H-0002", "--date", "2027-03-02")  # the first unpaid instalment by default
    assert r.exit_code == 0, r.output
    lines = [p for p in _lines(year, "2027-03-03") if p["grant"] == "H-0002"]
    assert [(p["instalment_paid"], p["to_pay"]) for p in lines] == [("30000.00", "0.00"), ("0.00", "30000.00")]
    # the second is held: refused, nothing recorded
    before = dump(year.db)
    r = year("paid", "H-0002", "--date", "2028-01-10", "--instalment", "2")
    assert r.exit_code == 2 and "2. erän maksatus on pidätetty" in r.output and "talousarvion" in r.output
    assert dump(year.db) == before
    r = year("paid", "H-0002", "--date", "2027-03-02", "--instalment", "3")
    assert r.exit_code == 2 and "ei ole 3. erää" in r.output


def test_confirming_the_budget_releases_the_later_year_once(year):
    r = year("instalments", "H-0002", "--confirm", "1", "--date", "2027-12-10", "--reason", "x")
    assert r.exit_code == 2 and "ei ole vahvistettavaa ehtoa" in r.output
    r = year("instalments", "H-0002", "--confirm", "2", "--date", "2027-12-10",
             "--reason", "Aluevaltuusto hyväksyi talousarvion 9.12.2027 § 80")
    assert r.exit_code == 0, r.output
    before = dump(year.db)
    again = year("instalments", "H-0002", "--confirm", "2", "--date", "2027-12-11", "--reason", "uudelleen")
    assert again.exit_code == 2 and "jo kirjattu vahvistetuksi 10.12.2027" in again.output
    assert dump(year.db) == before
    second = [p for p in _lines(year, "2028-01-02") if p["grant"] == "H-0002"][1]
    assert second["status"] == "payable" and second["holds"] == []
    assert year("paid", "H-0002", "--date", "2028-01-02", "--instalment", "2", "--amount", "10000").exit_code == 0
    second = [p for p in _lines(year, "2028-01-03") if p["grant"] == "H-0002"][1]
    assert (second["instalment_paid"], second["to_pay"]) == ("10000.00", "20000.00")
    r = year("paid", "H-0002", "--date", "2028-01-03", "--instalment", "2", "--amount", "25000")
    assert r.exit_code == 2 and "(2. erä)" in r.output


def test_agreement_terms_split_both_sides_and_the_metrics():
    from avustus_cli.domain.report import agreement_terms

    t = agreement_terms("Yhdistys: ryhmät ja ohjaus. Hyvinvointialue: tilat ja asiakasohjaus.\nMittarit: osallistujat, ohjaukset.")
    assert t == {"organisation": "Ryhmät ja ohjaus.", "county": "Tilat ja asiakasohjaus.",
                 "metrics": ["osallistujat", "ohjaukset"]}
    assert agreement_terms("Vain järjestön sitoumus.") == {"organisation": "Vain järjestön sitoumus.", "county": "", "metrics": []}


def test_the_partnership_agreement_states_both_sides_the_metrics_and_the_yearly_instalments(year, workdir):
    from .test_decide import docx_text

    r = year("agreement", "H-0002", "--date", "2027-02-01")
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "sopimukset" / "sopimus_H-0002.docx")
    nbsp = "\u00a0"
    assert "KUMPPANUUSSOPIMUS" in text and "Kumppani ry" in text and BIDS_PARTNER in text
    assert "Strategiajohtaja on 21.1.2027 § 3" in text and "1.1.2027–31.12.2028" in text
    assert f"30{nbsp}000{nbsp}€ kutakin sopimusvuotta" in text and f"yhteensä enintään 60{nbsp}000{nbsp}€" in text
    assert "Viikoittaiset ryhmät ja ohjaus palveluihin." in text and "Tilat ja asiakasohjaus." in text
    assert "osallistujamäärä" in text and "asiakasohjausten määrä" in text and "30.6.2028" in text
    assert "vuoden 2028 talousarviossa" in text and "mittareiden toteutuminen" in text
    refused = year("agreement", "H-0001")
    assert refused.exit_code == 2 and "ei ole tämän kierroksen myönteinen kumppanuussopimuspäätös" in refused.output


def test_plan_sentence_states_each_year_and_its_condition():
    from avustus_cli.domain.payment import plan_sentence

    plan = plan_instalments(GrantForm.PARTNERSHIP, 2027, _agreement(D(2027, 1, 1), D(2028, 12, 31)), 2027)
    text = plan_sentence(plan, instalment_amounts(plan, Decimal(30000)))
    nbsp = "\u00a0"
    assert text == (f"Avustus maksetaan sopimusvuosittain: vuoden 2027 erä 30{nbsp}000{nbsp}€ maksetaan aikaisintaan "
                    f"1.1.2027 ja kun päätös on lainvoimainen; vuoden 2028 erä 30{nbsp}000{nbsp}€ maksetaan aikaisintaan "
                    "1.1.2028, jos vuoden 2028 talousarviossa on varattu määräraha.")
    assert plan_sentence(plan_instalments(GrantForm.OPERATING, 2027, None, 2027), [Decimal(1)]) == ""


def test_the_partnership_decision_letter_states_the_yearly_instalments(year):
    from .test_decide import docx_text
    from .year_round import _BUILT

    text = docx_text(_BUILT["base"] / "paatokset_sj" / "paatos_H-0002.docx")
    assert "Avustus maksetaan sopimusvuosittain" in text and "vuoden 2028 talousarviossa" in text
    assert "sopimusvuosittain" not in docx_text(_BUILT["base"] / "paatokset" / "paatos_H-0001.docx")

"""Late-payment interest of a reclaim under korkolaki 4 § 1 mom.: reference rate + 7 points, per half-year."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from avustus_cli.domain.config import REFERENCE_RATES, settings_from_dict
from avustus_cli.domain.errors import SettingsError
from avustus_cli.domain.interest import interest_terms, late_interest

from . import test_reclaim as _reclaim
from .test_decide import docx_text

D = dt.date
NBSP = "\u00a0"
year = _reclaim.year  # the reclaim round as a fixture of this module
RATES = {D(2028, 1, 1): Decimal("2.5"), D(2028, 7, 1): Decimal("3")}


def _recomputed(row) -> Decimal:
    """A row recomputed from the figures its sentence states: amount × rate × days / 365, to the cent."""
    return (row.principal * row.rate / 100 * row.days / 365).quantize(Decimal("0.01"))


def test_interest_runs_per_half_year_from_the_day_after_the_due_date_to_the_payment():
    late = late_interest(Decimal(2000), D(2028, 6, 15), D(2028, 7, 10), [(D(2028, 7, 10), Decimal(2000))], RATES)
    # 16.6.–30.6. is 15 days at 2,5 + 7 = 9,5 %; 1.7.–10.7. is 10 days at 3 + 7 = 10 %
    assert [(r.first, r.last, r.days, r.rate) for r in late.rows] == [
        (D(2028, 6, 16), D(2028, 6, 30), 15, Decimal("9.5")), (D(2028, 7, 1), D(2028, 7, 10), 10, Decimal("10"))]
    # 2000 × 0,095 × 15 / 365 = 7,8082… and 2000 × 0,10 × 10 / 365 = 5,4794…
    assert [r.interest for r in late.rows] == [Decimal("7.81"), Decimal("5.48")]
    assert late.total == Decimal("13.29") == sum(_recomputed(r) for r in late.rows)
    assert late.lines()[0] == (f"16.6.2028–30.6.2028: 2{NBSP}000,00{NBSP}€ × 9,5{NBSP}% (viitekorko 2,5{NBSP}% + 7 "
                               f"prosenttiyksikköä) × 15 / 365 = 7,81{NBSP}€")


def test_interest_follows_what_is_unpaid_after_each_return():
    payments = [(D(2028, 6, 6), Decimal(500)), (D(2028, 6, 8), Decimal(1500))]
    late = late_interest(Decimal(2000), D(2028, 5, 31), D(2028, 6, 20), payments, RATES)
    # the day a part is paid still bears interest on it; after the last return nothing is owed
    assert [(r.first, r.last, r.principal) for r in late.rows] == [
        (D(2028, 6, 1), D(2028, 6, 6), Decimal("2000.00")), (D(2028, 6, 7), D(2028, 6, 8), Decimal("1500.00"))]
    assert late.total == sum(_recomputed(r) for r in late.rows) == Decimal("3.12") + Decimal("0.78")


def test_paid_on_the_due_date_bears_nothing_and_a_missing_rate_is_named_not_guessed():
    assert late_interest(Decimal(2000), D(2028, 5, 31), D(2028, 5, 31), [(D(2028, 5, 31), Decimal(2000))], RATES).rows == ()
    late = late_interest(Decimal(2000), D(2028, 12, 20), D(2029, 1, 10), [], RATES)
    assert late.total is None and late.missing == [D(2029, 1, 1)]
    assert "viitekorkoa kaudelle 1.1.2029–30.6.2029 ei ole asetuksissa" in late.lines()[-1]


def test_reference_rates_are_a_setting_merged_over_the_published_ones():
    s = settings_from_dict({"interest": {"reference_rates": {"2028-01-01": 2.5, "2028-07-01": "3,0"}}})
    assert s.reference_rates[D(2028, 7, 1)] == Decimal("3.0") and s.reference_rates[D(2024, 1, 1)] == Decimal("4.50")
    assert set(REFERENCE_RATES) < set(s.reference_rates)
    for bad in ({"2028-02-01": 2.0}, {"2028-01-01": "paljon"}, {"2028-01-01": 99}, {"1.1.2028": 2.0},
                # the ECB's own rate or a negative one: the reference rate is rounded up to a half point
                {"2028-01-01": 2.15}, {"2028-01-01": "2,40"}, {"2028-01-01": -0.5}):
        with pytest.raises(SettingsError, match="interest.reference_rates"):
            settings_from_dict({"interest": {"reference_rates": bad}})


def test_the_decision_letter_states_the_rate_and_the_interest_a_day():
    text = interest_terms(Decimal(2000), D(2028, 5, 31), RATES)
    assert "korkolain 4 §:n 1 momentin" in text and "viitekorko lisättynä seitsemällä prosenttiyksiköllä" in text
    assert f"1.1.2028–30.6.2028 viitekorko on 2,5{NBSP}%, joten viivästyskorko on 9,5{NBSP}% vuodessa" in text
    # 2000 × 9,5 % / 365 = 0,5205… €
    assert f"2{NBSP}000,00{NBSP}€ × 9,5{NBSP}% / 365 eli noin 0,52{NBSP}€ päivältä" in text
    unknown = interest_terms(Decimal(2000), D(2031, 5, 31), RATES)
    assert "viitekorko on" not in unknown and "vahvistetaan kullekin puolivuotiskaudelle" in unknown


def test_reclaim_letter_and_list_show_the_interest_computation(year, workdir):
    (workdir / "avustus.toml").write_text('[interest]\nreference_rates = { "2028-01-01" = 2.5 }\n', encoding="utf-8")
    assert year("reclaim", "start", "H-0001", "--date", "2028-04-03", "--grounds", "Käyttämättä jäänyt osa.").exit_code == 0
    r = year("reclaim", "decide", "H-0001", "--date", "2028-04-25", "--section", "§ 41", "--amount", "2000",
             "--due", "2028-05-31", "--reasons", "Vastinetta ei annettu.")
    assert r.exit_code == 0, r.output
    text = docx_text(workdir / "takaisinperinta" / "takaisinperinta_H-0001.docx")
    assert f"viivästyskorko on 9,5{NBSP}% vuodessa" in text and f"noin 0,52{NBSP}€ päivältä" in text
    assert year("reclaim", "paid", "H-0001", "--date", "2028-06-06", "--amount", "500").exit_code == 0
    listed = json.loads(year("reclaim", "list", "--json", "--as-of", "2028-06-20").stdout)
    interest = listed[0]["interest"]
    # 1.6.–6.6. 2 000 € (6 days) and 7.6.–20.6. 1 500 € (14 days) at 9,5 %
    assert [(x["first"], x["days"], x["principal"]) for x in interest["rows"]] == [
        ("2028-06-01", 6, "2000.00"), ("2028-06-07", 14, "1500.00")]
    assert Decimal(interest["total"]) == Decimal("3.12") + Decimal("5.47")
    shown = _flat(year("reclaim", "list", "--as-of", "2028-06-20").stdout)
    assert "viivästyskorko (korkolaki 4 § 1 mom.) eräpäivän 31.5.2028 jälkeen 20.6.2028 asti 8,59 €" in shown
    assert "7.6.2028–20.6.2028: 1 500,00 € × 9,5 % (viitekorko 2,5 % + 7 prosenttiyksikköä) × 14 / 365 = 5,47 €" in shown
    # after the next half-year began, without its rate: named, never guessed
    later = _flat(year("reclaim", "list", "--as-of", "2028-07-05").stdout)
    assert "viivästyskorkoa ei voi laskea: viitekorko puuttuu asetuksista kaudelta 1.7.2028–31.12.2028" in later
    # the rest returned late: the interest up to the return is stated when the return is recorded
    r = year("reclaim", "paid", "H-0001", "--date", "2028-06-08")
    # 3,12 € as above, and 7.6.–8.6. 1 500 € × 9,5 % × 2 / 365 = 0,78 €
    assert r.exit_code == 0 and "eräpäivän 31.5.2028 jälkeen palautukseen asti 3,90 €" in _flat(r.stdout)


def _flat(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").split())

"""Budget allocation: hand-computed examples for every method, then properties."""

from __future__ import annotations

import math
import random
import re
from dataclasses import replace
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from avustus_cli.domain.allocation import (
    METHODS,
    Allocation,
    AllocationError,
    Budget,
    Candidate,
    Method,
    MethodNotApplicable,
    allocate,
    compare,
    summarise,
)
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import ValidationError


def cand(id_, requested, score=None, *, form="operating", category=None, **kw) -> Candidate:
    return Candidate(
        id=id_,
        form=form,
        category=category,
        requested=D(requested),
        score=None if score is None else D(score),
        **kw,
    )


def amounts(allocs: list[Allocation]) -> list[D]:
    return [a.amount for a in allocs]


def codes(allocs: list[Allocation]) -> list[str]:
    return [a.reason_code for a in allocs]


# --- proportional ------------------------------------------------------------


def test_proportional_half_of_each_request():
    cs = [cand("a", 10_000), cand("b", 20_000), cand("c", 30_000)]
    out = allocate(cs, Budget(D(30_000)), Method("proportional"))
    assert amounts(out) == [D(5_000), D(10_000), D(15_000)]
    assert codes(out) == ["PROPORTIONAL"] * 3
    assert out[0].reason == (
        "Määräraha 30 000 € ei riitä avustuskelpoisten hakemusten haettuun yhteismäärään 60 000 €, joten kaikille "
        "näille hakemuksille esitetään sama osuus haetusta määrästä: 30 000 € / 60 000 € eli 50,00 %. Haettu määrä "
        "10 000 € × 50,00 % = 5 000 €, joka pyöristetään alaspäin 10 euron tarkkuuteen, joten avustukseksi "
        "esitetään 5 000 €.")
    assert [a.id for a in out] == ["a", "b", "c"]
    assert [a.requested for a in out] == [D(10_000), D(20_000), D(30_000)]


def test_proportional_messy_share_rounds_down_to_ten_euros():
    # 50 000 / (12 345 + 23 456 + 34 567 = 70 368) = 0,71055...
    # 12 345 * 0,71055 = 8 771,7  -> 8 770
    # 23 456 * 0,71055 = 16 666,7 -> 16 660
    # 34 567 * 0,71055 = 24 561,6 -> 24 560   (sum 49 990 <= 50 000)
    cs = [cand("a", 12_345), cand("b", 23_456), cand("c", 34_567)]
    out = allocate(cs, Budget(D(50_000)), Method("proportional"))
    assert amounts(out) == [D(8_770), D(16_660), D(24_560)]
    assert "50 000 € / 70 368 € eli noin 71,06 %" in out[0].reason
    # with a step of one euro the same shares round down to whole euros
    out1 = allocate(cs, Budget(D(50_000)), Method("proportional", step=D(1)))
    assert amounts(out1) == [D(8_771), D(16_666), D(24_561)]
    assert out1[0].reason.endswith("pyöristetään alaspäin 1 euron tarkkuuteen, joten avustukseksi esitetään 8 771 €.")


def test_reason_numbers_round_down_and_group_like_amounts():
    # 1/3 is 33,33... %: the share shown is rounded down, never up; a step of 1 000 euros is grouped
    # like every other amount, with an ordinary space (a reason is a sentence)
    cs = [cand("a", 30_000), cand("b", 60_000)]
    out = allocate(cs, Budget(D(30_000)), Method("proportional", step=D(1_000)))
    assert amounts(out) == [D(10_000), D(20_000)]
    assert "30 000 € / 90 000 € eli noin 33,34 %" in out[0].reason
    assert out[0].reason.endswith("pyöristetään alaspäin 1 000 euron tarkkuuteen, joten avustukseksi esitetään 10 000 €.")
    out = allocate([cand("a", 3_000)], Budget(D(2_000)), Method("proportional", step=D("2.5")))
    assert "2 000 € / 3 000 € eli noin 66,67 %" in out[0].reason
    assert out[0].reason.endswith("pyöristetään alaspäin 2,5 euron tarkkuuteen, joten avustukseksi esitetään 2 000 €.")


def test_proportional_enough_money_gives_the_exact_request():
    cs = [cand("a", "1234.56"), cand("b", 5_000)]
    out = allocate(cs, Budget(D(10_000)), Method("proportional"))
    assert amounts(out) == [D("1234.56"), D(5_000)]  # not rounded: the full request
    assert codes(out) == ["FULL", "FULL"]
    assert out[0].reason == "myönnetään haettu määrä"


def test_proportional_request_smaller_than_step_rounds_to_zero_when_cut():
    out = allocate([cand("a", 15), cand("b", 985)], Budget(D(500)), Method("proportional"))
    # share 50 %: 7,50 -> 0 and 492,50 -> 490
    assert amounts(out) == [D(0), D(490)]


# --- full --------------------------------------------------------------------


def test_full_funds_in_input_order_and_stops_at_the_first_that_does_not_fit():
    cs = [cand("a", 10_000), cand("b", 20_000), cand("c", 30_000), cand("d", 5_000)]
    out = allocate(cs, Budget(D(35_000)), Method("full"))
    # d would fit in the 5 000 left, but the line closed at c (documented choice)
    assert amounts(out) == [D(10_000), D(20_000), D(0), D(0)]
    assert codes(out) == ["FULL", "FULL", "BUDGET_EXHAUSTED", "BUDGET_EXHAUSTED"]
    assert out[2].reason == ("Määräraha 35 000 € jaetaan hakemusten käsittelyjärjestyksessä haettujen määrien "
                             "mukaan, ja siitä on jäljellä 5 000 €, mikä ei riitä haettuun määrään 30 000 €, joten "
                             "avustusta ei voida myöntää.")
    assert out[3].reason == ("Määräraha 35 000 € jaetaan hakemusten käsittelyjärjestyksessä haettujen määrien "
                             "mukaan, ja se on käytetty loppuun ennen tätä hakemusta, joten avustusta ei voida myöntää.")


def test_full_everything_fits():
    cs = [cand("a", "999.99"), cand("b", 1)]
    out = allocate(cs, Budget(D("1000.99")), Method("full"))
    assert amounts(out) == [D("999.99"), D(1)]
    assert codes(out) == ["FULL", "FULL"]


# --- score ---------------------------------------------------------------------


def test_score_best_first_partial_and_min_score():
    cs = [cand("d", 5_000, 60), cand("c", 30_000, 70), cand("a", 10_000, 90), cand("b", 20_000, 80)]
    out = allocate(cs, Budget(D(45_000)), Method("score", min_score=D(65)))
    # order a(90) b(80) c(70): 10 000 + 20 000, then 15 000 left for c; d below 65
    assert amounts(out) == [D(0), D(15_000), D(10_000), D(20_000)]
    assert codes(out) == ["BELOW_MIN_SCORE", "SCORE_PARTIAL", "SCORE_FUNDED", "SCORE_FUNDED"]
    assert out[0].reason == ("Hakemuksen arvioinnin pisteet 60 jäävät alle vähimmäispistemäärän 65, joten avustusta "
                             "ei voida myöntää.")
    assert out[2].reason == "myönnetään haettu määrä (pisteet 90)"
    assert ("siitä on jäljellä 15 000 €, mikä ei riitä haettuun määrään 30 000 €, joten avustukseksi esitetään "
            "jäljellä oleva määrä pyöristettynä alaspäin 10 euron tarkkuuteen eli 15 000 €.") in out[1].reason
    assert out[1].reason.endswith("Hakemuksen arvioinnin pisteet ovat 70.")
    assert out[2].score == D(90)


def test_score_partial_rounds_down_and_later_ones_get_nothing():
    cs = [cand("a", 7_655, 90), cand("b", 20_000, 80), cand("c", 100, 70)]
    out = allocate(cs, Budget(D(20_000)), Method("score"))
    # 20 000 - 7 655 = 12 345 -> 12 340; c gets 0 although 5 € are left
    assert amounts(out) == [D(7_655), D(12_340), D(0)]
    assert codes(out) == ["SCORE_FUNDED", "SCORE_PARTIAL", "BUDGET_EXHAUSTED"]
    assert out[2].reason.endswith("se on käytetty loppuun ennen tätä hakemusta, joten avustusta ei voida myöntää. "
                                  "Hakemuksen arvioinnin pisteet ovat 70.")


def test_score_max_grant():
    cs = [cand("a", 10_000, 90), cand("b", 20_000, 80), cand("c", 30_000, 70), cand("d", 5_000, 60)]
    out = allocate(cs, Budget(D(45_000)), Method("score", min_score=D(65), max_grant=D(15_000)))
    # a 10 000, b capped 15 000, c capped 15 000 (20 000 left), d below the minimum
    assert amounts(out) == [D(10_000), D(15_000), D(15_000), D(0)]
    assert codes(out) == ["SCORE_FUNDED", "MAX_GRANT", "MAX_GRANT", "BELOW_MIN_SCORE"]
    assert out[1].reason.startswith("Yksittäisen avustuksen enimmäismäärä on 15 000 €, joten haetusta määrästä "
                                    "20 000 € esitetään enimmäismäärä")


def test_score_max_grant_not_a_multiple_of_step_is_rounded_down():
    out = allocate([cand("a", 70_000, 90)], Budget(D(100_000)), Method("score", max_grant=D("60005")))
    assert amounts(out) == [D(60_000)]


def test_score_ties_smaller_request_first_then_id():
    cs = [cand("b", 20_000, 80), cand("z", 10_000, 80)]
    out = allocate(cs, Budget(D(25_000)), Method("score"))
    assert amounts(out) == [D(15_000), D(10_000)]
    cs = [cand("y", 10_000, 80), cand("x", 10_000, 80)]
    out = allocate(cs, Budget(D(15_000)), Method("score"))
    assert amounts(out) == [D(5_000), D(10_000)]


def test_score_from_weighted_criteria():
    weights = {"vaikuttavuus": D(2), "yhteistyo": D(1)}
    c = cand("a", 10_000, criteria={"vaikuttavuus": D(80), "yhteistyo": D(50)})
    out = allocate([c], Budget(D(5_000)), Method("score", weights=weights, min_score=D(70)))
    # (2*80 + 1*50) / 3 = 70 -> not below 70
    assert out[0].score == D(70)
    assert amounts(out) == [D(5_000)]
    # points 0..5: (2*4 + 1*2) / 3 = 3,333 -> 66,66 of 100
    c5 = cand("a", 10_000, 99, criteria={"vaikuttavuus": D(4), "yhteistyo": D(2)})
    out = allocate([c5], Budget(D(5_000)), Method("score", weights=weights, min_score=D(70), criterion_max=D(5)))
    assert out[0].reason.startswith("Hakemuksen arvioinnin pisteet 66,66 jäävät alle vähimmäispistemäärän 70")
    # without weights the given score counts
    out = allocate([c5], Budget(D(5_000)), Method("score", min_score=D(70)))
    assert codes(out) == ["SCORE_PARTIAL"]


def test_score_missing_criterion_is_refused():
    c = cand("H-7", 10_000, criteria={"vaikuttavuus": D(80)})
    with pytest.raises(MethodNotApplicable, match="H-7 puuttuvat kriteerin pisteet: yhteistyo"):
        allocate([c], Budget(D(5_000)), Method("score", weights={"vaikuttavuus": D(2), "yhteistyo": D(1)}))


def test_score_needs_scores_of_eligible_ones_only():
    cs = [cand("H-1", 1_000), cand("H-2", 1_000, eligible=False)]
    with pytest.raises(MethodNotApplicable, match="pisteet puuttuvat hakemuksilta H-1\\."):
        allocate(cs, Budget(D(5_000)), Method("score"))
    out = allocate(cs[1:], Budget(D(5_000)), Method("score"))
    assert codes(out) == ["INELIGIBLE"]


# --- threshold -------------------------------------------------------------------


def test_threshold_shares_among_those_at_or_above():
    cs = [cand("a", 10_000, 40), cand("b", 20_000, 50), cand("c", 30_000, 70)]
    out = allocate(cs, Budget(D(25_000)), Method("threshold", threshold=D(50)))
    # 25 000 / 50 000 = 50 %
    assert amounts(out) == [D(0), D(10_000), D(15_000)]
    assert codes(out) == ["THRESHOLD", "PROPORTIONAL", "PROPORTIONAL"]
    assert out[0].reason == ("Hakemuksen arvioinnin pisteet 40 jäävät alle kynnyspistemäärän 50, joten avustusta ei "
                             "voida myöntää.")


def test_threshold_falls_back_to_min_score_and_needs_one_of_them():
    cs = [cand("a", 10_000, 40), cand("b", 10_000, 60)]
    out = allocate(cs, Budget(D(100_000)), Method("threshold", min_score=D(50)))
    assert amounts(out) == [D(0), D(10_000)]
    assert codes(out) == ["BELOW_MIN_SCORE", "FULL"]
    with pytest.raises(MethodNotApplicable, match="allocation.threshold"):
        allocate(cs, Budget(D(100_000)), Method("threshold"))


# --- lines, caps, eligibility -------------------------------------------------------


def test_per_form_lines_and_the_common_remainder():
    cs = [
        cand("o1", 15_000, form="operating"),
        cand("o2", 15_000, form="operating"),
        cand("p1", 40_000, form="project"),
    ]
    budget = Budget(D(50_000), per_form={"operating": D(20_000)})
    out = allocate(cs, budget, Method("proportional"))
    # operating: 20 000 / 30 000; project shares the remaining 30 000: 30 000 / 40 000
    assert amounts(out) == [D(10_000), D(10_000), D(30_000)]
    assert out[0].reason.startswith("Toiminta-avustusten määräraha 20 000 € ei riitä") and "noin 66,67 %" in out[0].reason
    assert out[2].reason.startswith("Yhteinen määräraha 30 000 € ei riitä") and "eli 75,00 %" in out[2].reason


def test_per_form_lines_above_total_are_refused():
    with pytest.raises(AllocationError, match="ylittää kokonaismäärärahan 100 000 €"):
        allocate([], Budget(D(100_000), per_form={"operating": D(80_000), "project": D(30_000)}), Method())


def test_category_cap_proportional_frees_money_for_the_others():
    cs = [cand("a", 20_000, category=4), cand("b", 20_000, category=4), cand("c", 40_000, category=1)]
    out = allocate(cs, Budget(D(60_000), category_caps={4: D(10_000)}), Method("proportional"))
    # category 4 limited to 10 000 / 40 000 = 25 %; the 50 000 left covers c fully
    assert amounts(out) == [D(5_000), D(5_000), D(40_000)]
    assert codes(out) == ["CATEGORY_CAP", "CATEGORY_CAP", "FULL"]
    assert out[0].reason.startswith("Toimintaluokan 4 enimmäismäärä 10 000 € ei riitä luokan avustuskelpoisten "
                                     "hakemusten haettuun yhteismäärään 40 000 €")
    assert "10 000 € / 40 000 € eli 25,00 %" in out[0].reason


def test_category_cap_is_split_between_lines_in_proportion_to_the_requests():
    cs = [cand("a", 30_000, 90, category=4), cand("b", 10_000, 80, form="project", category=4)]
    budget = Budget(D(200_000), per_form={"operating": D(100_000)}, category_caps={4: D(12_000)})
    # the cap is 30 % of the 40 000 asked in category 4: 9 000 for operating, 3 000 for projects
    assert amounts(allocate(cs, budget, Method("proportional"))) == [D(9_000), D(3_000)]
    out = allocate(cs, budget, Method("score"))
    assert amounts(out) == [D(9_000), D(3_000)]
    assert codes(out) == ["CATEGORY_CAP", "CATEGORY_CAP"]
    assert amounts(allocate(cs, budget, Method("full"))) == [D(0), D(0)]


@pytest.mark.parametrize("method", ["full", "score"])
def test_growing_one_line_never_lowers_the_total_through_a_shared_cap(method):
    # Were the cap of category 4 consumed line by line, more money for operating
    # grants would let A take 3 000 of the cap and leave B (10 000) without: the
    # total would fall from 10 000 to 3 000. Split caps keep each line on its own.
    cs = [cand("A", 3_000, 90, category=4), cand("B", 10_000, 80, form="project", category=4)]

    def total(operating: int) -> D:
        budget = Budget(D(operating + 20_000), {"operating": D(operating)}, {4: D(10_000)})
        return sum(amounts(allocate(cs, budget, Method(method))), D(0))

    assert total(2_000) <= total(3_000) <= total(4_000)
    if method == "score":
        # B: 10 000 * 10 000 / 13 000 = 7 692,3 -> 7 690; A: 2 000 of its line, then its 2 307,7 share -> 2 300
        assert (total(2_000), total(3_000)) == (D(9_690), D(9_990))


def test_category_cap_in_full_closes_only_that_category():
    cs = [cand("a", 8_000, category=4), cand("b", 5_000, category=4), cand("c", 5_000, category=1)]
    out = allocate(cs, Budget(D(100_000), category_caps={4: D(10_000)}), Method("full"))
    assert amounts(out) == [D(8_000), D(0), D(5_000)]
    assert codes(out) == ["FULL", "CATEGORY_CAP", "FULL"]


@pytest.mark.parametrize("method", METHODS)
def test_ineligible_gets_nothing_with_the_reason(method):
    cs = [cand("a", 1_000, 90, eligible=False, ineligible_reason="osakeyhtiö (S02)"), cand("b", 1_000, 90)]
    out = allocate(cs, Budget(D(10_000)), Method(method, threshold=D(10)))
    assert out[0].amount == 0
    assert out[0].reason_code == "INELIGIBLE"
    assert out[0].reason == "ei avustuskelpoinen: osakeyhtiö (S02)"
    assert out[1].amount == D(1_000)


# --- input errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cs", "budget", "method", "match"),
    [
        ([cand("H-1", 1), cand("H-1", 2)], Budget(D(10)), Method(), "H-1 on jaossa kahdesti"),
        ([cand("H-1", -1)], Budget(D(10)), Method(), "H-1 haettu summa on virheellinen"),
        ([replace(cand("H-1", 1), requested=1.5)], Budget(D(10)), Method(), "H-1 haettu summa"),
        ([], Budget(D(10)), Method(step=D(0)), "allocation.step"),
        ([], Budget(D(10)), Method("lottery"), "tuntematon jakotapa 'lottery'"),
        ([], Budget(D(-1)), Method(), "budget.total"),
    ],
)
def test_bad_input_is_refused_in_finnish(cs, budget, method, match):
    with pytest.raises(AllocationError, match=match):
        allocate(cs, budget, method)
    assert issubclass(AllocationError, ValidationError)


# --- settings, summary, compare --------------------------------------------------------


def test_candidate_from_application():
    from avustus_cli.domain.models import Application, GrantForm

    app = Application(id="H-9", form=GrantForm.PROJECT, category=3, requested=D(12_000))
    c = Candidate.from_application(app, score=D(70))
    assert (c.id, c.form, c.category, c.requested, c.score, c.eligible) == ("H-9", "project", 3, D(12_000), D(70), True)
    c = Candidate.from_application(Application(id="H-10"), eligible=False, ineligible_reason="ei lomaketta")
    assert (c.form, c.requested, c.eligible) == ("", D(0), False)


def test_from_settings():
    s = Settings(
        budget_total=D(900_000),
        budget_operating=D(700_000),
        category_caps={4: D(200_000)},
        method="score",
        step=D(100),
        min_score=D(50),
        max_grant=D(60_000),
        score_weights={"vaikuttavuus": D(2)},
    )
    assert Budget.from_settings(s) == Budget(D(900_000), {"operating": D(700_000)}, {4: D(200_000)})
    m = Method.from_settings(s)
    assert (m.method, m.step, m.min_score, m.max_grant, m.threshold) == ("score", D(100), D(50), D(60_000), None)
    assert dict(m.weights) == {"vaikuttavuus": D(2)}
    assert Method.from_settings(s, "full").method == "full"


def test_summarise():
    cs = [
        cand("a", 10_000),
        cand("b", 20_000),
        cand("c", 30_000),
        cand("x", 50_000, eligible=False, ineligible_reason="myöhässä"),
    ]
    s = summarise(allocate(cs, Budget(D(30_000)), Method("proportional")))
    assert s["count"] == 4 and s["eligible"] == 3 and s["funded"] == 3 and s["fully_funded"] == 0
    assert s["requested"] == D(110_000) and s["requested_eligible"] == D(60_000)
    assert s["granted"] == D(30_000) and s["granted_percent"] == D("50.0")
    assert s["by_code"] == {"INELIGIBLE": 1, "PROPORTIONAL": 3}
    assert [c["id"] for c in s["biggest_cuts"]] == ["c", "b", "a"]  # x is ineligible: not a cut
    assert s["biggest_cuts"][0] == {"id": "c", "requested": D(30_000), "amount": D(15_000), "cut": D(15_000)}
    assert summarise([])["granted_percent"] is None


def test_compare_runs_every_method_and_reports_the_ones_that_cannot_run():
    cs = [cand("a", 10_000), cand("b", 20_000), cand("c", 30_000)]
    result = compare(cs, Budget(D(30_000)), {"step": D(10)})
    assert list(result) == list(METHODS)
    assert result["proportional"]["amounts"] == {"a": D(5_000), "b": D(10_000), "c": D(15_000)}
    assert result["full"]["granted"] == D(30_000) and result["full"]["funded"] == 2
    assert "pisteet puuttuvat" in result["score"]["error"]
    assert "error" in result["threshold"]
    scored = [replace(c, score=D(s)) for c, s in zip(cs, (90, 40, 70), strict=True)]
    result = compare(scored, Budget(D(30_000)), Method(threshold=D(50), method="full"))
    assert result["score"]["amounts"] == {"a": D(10_000), "b": D(0), "c": D(20_000)}
    assert result["threshold"]["amounts"] == {"a": D(7_500), "b": D(0), "c": D(22_500)}
    with pytest.raises(AllocationError):  # a bad budget is not a per-method problem
        compare(cs, Budget(D(1), per_form={"operating": D(2)}))


# --- properties ------------------------------------------------------------------------

FORMS = ("operating", "partnership", "project")
STEPS = (D(10), D(1), D("0.01"), D(100))


@st.composite
def money(draw, hi=60_000):
    euros = draw(st.integers(0, hi))
    cents = draw(st.sampled_from((0, 0, 0, draw(st.integers(0, 99)))))
    return D(euros) + D(cents) / 100


# The strategies the composites below draw from, made once (the same values as made at each draw, without
# building and validating each strategy again for every candidate of every example)
ANY_SCORE = st.one_of(st.integers(0, 20).map(lambda k: D(k * 5)), st.integers(0, 1000).map(lambda k: D(k) / 10))
_FORM = st.sampled_from(FORMS)
_CATEGORY = st.one_of(st.none(), st.integers(1, 4))
_REQUESTED = money()
_PER_FORM = st.dictionaries(_FORM, money(hi=150_000), max_size=3)
_EXTRA = st.one_of(money(hi=200_000), money(hi=30_000))  # often tight
_CAPS = st.dictionaries(st.integers(1, 4), money(hi=80_000), max_size=3)
_SCORE_0_100 = st.integers(0, 100).map(D)
_OPT_SCORE = st.one_of(st.none(), _SCORE_0_100)
_MAX_GRANT = st.one_of(st.none(), money(hi=50_000))


@st.composite
def candidates(draw, scores=ANY_SCORE):
    n = draw(st.integers(0, 10))
    out = []
    for i in range(n):
        out.append(
            Candidate(
                id=f"H-{i:03d}",
                form=draw(_FORM),
                category=draw(_CATEGORY),
                requested=draw(_REQUESTED),
                score=draw(scores),
                eligible=draw(st.booleans()) or draw(st.booleans()),
                ineligible_reason="syy",
            )
        )
    return out


@st.composite
def budgets(draw):
    per_form = draw(_PER_FORM)
    extra = draw(_EXTRA)
    caps = draw(_CAPS)
    return Budget(sum(per_form.values(), D(0)) + extra, per_form, caps)


@st.composite
def methods(draw):
    name = draw(st.sampled_from(METHODS))
    return Method(
        name,
        step=draw(st.sampled_from(STEPS)),
        min_score=draw(_OPT_SCORE),
        max_grant=draw(_MAX_GRANT),
        threshold=draw(_SCORE_0_100) if name == "threshold" else draw(_OPT_SCORE),
    )


def check_invariants(cs: list[Candidate], budget: Budget, method: Method, out: list[Allocation]) -> None:
    assert [a.id for a in out] == [c.id for c in cs]
    assert all(a.reason_code and a.reason for a in out)
    for c, a in zip(cs, out, strict=True):
        assert isinstance(a.amount, D)
        assert D(0) <= a.amount <= c.requested
        assert a.amount == c.requested or a.amount % method.step == 0
        if not c.eligible:
            assert a.amount == 0 and a.reason_code == "INELIGIBLE"
        if method.method == "score" and method.max_grant is not None:
            assert a.amount <= method.max_grant or a.amount == 0
    total = sum(amounts(out), D(0))
    assert total <= budget.total
    common = budget.total - sum(budget.per_form.values(), D(0))
    for line in (*budget.per_form, None):
        in_line = sum(
            (a.amount for c, a in zip(cs, out, strict=True) if (c.form if c.form in budget.per_form else None) == line), D(0)
        )
        assert in_line <= (budget.per_form[line] if line is not None else common)
    for cat, cap in budget.category_caps.items():
        assert sum((a.amount for c, a in zip(cs, out, strict=True) if c.category == cat), D(0)) <= cap


@given(candidates(), budgets(), methods())
def test_invariants_hold(cs, budget, method):
    out = allocate(cs, budget, method)
    check_invariants(cs, budget, method, out)


@given(
    candidates(scores=st.sampled_from((D(60), D(80)))),
    budgets(),
    st.sampled_from(STEPS),
    st.randoms(use_true_random=False),
)
def test_score_ties_do_not_depend_on_input_order(cs, budget, step, rnd):
    method = Method("score", step=step)
    out = allocate(cs, budget, method)
    shuffled = list(cs)
    rnd.shuffle(shuffled)
    by_id = {a.id: a for a in allocate(shuffled, budget, method)}
    assert [by_id[a.id] for a in out] == out


def line_of(c: Candidate, budget: Budget) -> str | None:
    return c.form if c.form in budget.per_form else None


@given(candidates(), budgets(), methods())
def test_money_is_not_left_on_the_table(cs, budget, method):
    """A line that cut someone has less than a step per candidate left (proportional,
    threshold), or less than one step (score, whose line stops at a partial grant)."""
    out = allocate(cs, budget, method)
    common = budget.total - sum(budget.per_form.values(), D(0))
    for line in (*budget.per_form, None):
        mine = [(c, a) for c, a in zip(cs, out, strict=True) if line_of(c, budget) == line]
        left = (budget.per_form[line] if line is not None else common) - sum((a.amount for _, a in mine), D(0))
        taking_part = [a for _, a in mine if a.reason_code not in ("INELIGIBLE", "BELOW_MIN_SCORE", "THRESHOLD")]
        if method.method in ("proportional", "threshold") and any(a.reason_code == "PROPORTIONAL" for a in taking_part):
            assert left < len(taking_part) * method.step
        if method.method == "score" and any(
            a.reason_code in ("SCORE_PARTIAL", "BUDGET_EXHAUSTED") for a in taking_part
        ):
            assert left < method.step


@given(candidates(), budgets(), methods(), st.randoms(use_true_random=False))
def test_deterministic(cs, budget, method, rnd):
    out = allocate(cs, budget, method)
    assert allocate(cs, budget, method) == out
    # the order of mappings does not matter
    reordered = Budget(
        budget.total,
        dict(reversed(list(budget.per_form.items()))),
        dict(reversed(list(budget.category_caps.items()))),
    )
    assert allocate(cs, reordered, method) == out
    # only `full` depends on the order of the candidates
    if method.method != "full":
        shuffled = list(cs)
        rnd.shuffle(shuffled)
        by_id = {a.id: a for a in allocate(shuffled, budget, method)}
        assert [by_id[a.id] for a in out] == out


@given(candidates(), budgets(), methods(), money(hi=100_000), st.data())
def test_monotone_in_the_budget(cs, budget, method, more, data):
    """More money (in the common line, or in a per-form line together with the
    total) never lowers the total granted."""
    assume(more > 0)
    line = data.draw(st.sampled_from([None, *sorted(budget.per_form)]))
    per_form = dict(budget.per_form)
    if line is not None:
        per_form[line] += more
    bigger = replace(budget, total=budget.total + more, per_form=per_form)
    small, big = allocate(cs, budget, method), allocate(cs, bigger, method)
    assert sum(amounts(big), D(0)) >= sum(amounts(small), D(0))
    if method.method in ("proportional", "threshold"):  # here no single amount falls either
        assert all(b.amount >= s.amount for s, b in zip(small, big, strict=True))


@given(candidates(), budgets(), methods())
def test_weighted_scores_respect_invariants_and_do_not_depend_on_weight_order(cs, budget, method):
    weights = {"vaikuttavuus": D(3), "yhteistyo": D(1), "kustannukset": D(2)}
    cs = [
        replace(c, criteria={k: D((i * 7 + j * 13) % 101) for j, k in enumerate(sorted(weights))})
        for i, c in enumerate(cs)
    ]
    m = replace(method, weights=weights)
    out = allocate(cs, budget, m)
    check_invariants(cs, budget, m, out)
    assert allocate(cs, budget, replace(m, weights=dict(reversed(list(weights.items()))))) == out


def test_proportional_never_exceeds_budget_on_a_hard_rational_share():
    # 100 000 / 3 requests of 33 333,34: a share just under one third
    cs = [cand(f"h{i}", "33333.34") for i in range(3)]
    out = allocate(cs, Budget(D(100_000)), Method("proportional", step=D("0.01")))
    assert sum(amounts(out)) <= D(100_000)
    assert amounts(out) == [D("33333.33")] * 3


def test_random_round_of_two_hundred_applications_keeps_the_invariants():
    rnd = random.Random(2027)
    cs = [
        Candidate(
            f"H-{i}",
            rnd.choice(FORMS),
            rnd.choice([None, *range(1, 11)]),
            D(rnd.randrange(500, 80_000)),
            D(rnd.randrange(0, 100)),
            eligible=rnd.randrange(10) > 0,
        )
        for i in range(200)
    ]
    budget = Budget(D(900_000), {"partnership": D(150_000)}, {4: D(200_000), 2: D(100_000)})
    for name in METHODS:
        m = Method(name, min_score=D(20), max_grant=D(60_000), threshold=D(40))
        out = allocate(cs, budget, m)
        check_invariants(cs, budget, m, out)
        assert sum(amounts(out)) > D(800_000)  # a tight round uses nearly all the money


# --- a reduction the reader can recompute ----------------------------------------

_REDUCTION = re.compile(
    r"(?P<money>[\d ]+(?:,\d+)?) € / (?P<demand>[\d ]+(?:,\d+)?) € eli (?:noin )?(?P<pct>\d+,\d+) %\. "
    r"Haettu määrä (?P<req>[\d ]+(?:,\d+)?) € × [\d,]+ % = [\d ,]+ €, joka pyöristetään alaspäin "
    r"(?P<step>[\d ]+(?:,\d+)?) euron tarkkuuteen, joten avustukseksi esitetään (?P<amount>[\d ]+(?:,\d+)?) €\."
)


def _num(text: str) -> Fraction:
    return Fraction(text.replace(" ", "").replace(",", "."))


def recompute(reason: str) -> tuple[D, D]:
    """The amount a reader gets from a reason's own numbers: with the ratio of money to demand, and with the
    percentage shown; both rounded down to the stated step. Also returns the amount the reason states."""
    m = _REDUCTION.search(reason)
    assert m, reason
    req, step = _num(m["req"]), _num(m["step"])

    def floor(x: Fraction) -> D:
        return D(math.floor(x / step)) * D(str(step))

    by_ratio = floor(req * _num(m["money"]) / _num(m["demand"]))
    by_percent = floor(req * _num(m["pct"]) / 100)
    assert by_ratio == by_percent, reason
    return by_ratio, D(str(_num(m["amount"])))


@given(
    requests=st.lists(st.integers(min_value=1, max_value=400_000), min_size=1, max_size=12),
    budget=st.integers(min_value=1_000, max_value=900_000),
    step=st.sampled_from([D(1), D(10), D(100)]),
)
def test_every_proportional_reduction_can_be_recomputed_from_its_reason(requests, budget, step):
    cs = [cand(f"h{i}", r) for i, r in enumerate(requests)]
    for a in allocate(cs, Budget(D(budget)), Method("proportional", step=step)):
        if a.reason_code == "PROPORTIONAL":
            got, stated = recompute(a.reason)
            assert got == stated == a.amount, a.reason


def test_the_issue_example_is_recomputable_to_the_euro():
    # the ratio behind "84,3 %": 25 000 € at 84,3 % would be 21 070 €, not the 21 090 € granted
    cs = [cand("a", 25_000), cand("b", 875_900)]
    out = allocate(cs, Budget(D(760_000)), Method("proportional"))
    got, stated = recompute(out[0].reason)
    assert got == stated == out[0].amount == D(21_090)
    assert "84,3 %" not in out[0].reason


def test_a_proportional_reason_splits_into_its_method_and_the_grants_own_computation():
    from avustus_cli.domain.allocation import share_parts

    cs = [cand("a", 25_000), cand("b", 875_900), cand("c", 40_000)]
    out = {a.id: a for a in allocate(cs, Budget(D(760_000)), Method("proportional"))}
    parts = {k: share_parts(a.reason, D(c.requested)) for k, a, c in zip(out, out.values(), cs, strict=True)}
    methods = {p[0] for p in parts.values() if p}
    assert len(methods) == 1  # one method for the whole group, said once in a table
    (method,) = methods
    assert "760 000 € / 940 900 € eli" in method and "alaspäin 10 euron tarkkuuteen" in method
    assert parts["a"][1] == "Haettu 25 000 € × 80,774 % = 20 193,50 €, pyöristettynä alaspäin 20 190 €."
    assert out["a"].amount == D(20_190)
    # a claim smaller than the request (the maximum grant) is named as such
    assert share_parts(out["a"].reason, D(30_000))[1].startswith("Haettu 30 000 €, josta otetaan huomioon 25 000 € × ")
    assert share_parts("Myönnetään haettu määrä.", D(1000)) is None
    assert share_parts("Toimintasuunnitelman ruoka-aputoimintaa ei avusteta.", D(1000)) is None


def test_a_category_caps_reason_splits_too_with_its_own_method():
    from avustus_cli.domain.allocation import share_parts

    cs = [cand("a", 20_000, category=4), cand("b", 20_000, category=4), cand("c", 40_000, category=1)]
    out = allocate(cs, Budget(D(60_000), category_caps={4: D(10_000)}), Method("proportional"))
    method, computation = share_parts(out[0].reason, D(20_000))
    assert method.startswith("Toimintaluokan 4 enimmäismäärä 10 000 € ei riitä") and "eli 25,00 %." in method
    assert computation == "Haettu 20 000 € × 25,00 % = 5 000 €, pyöristettynä alaspäin 5 000 €."
    assert share_parts(out[2].reason, D(40_000)) is None  # a full grant has no computation

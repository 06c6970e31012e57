"""Pure budget allocation: eligible applications + budget -> proposed amounts.

Standard library only; money is ``Decimal`` in and out, and every internal
computation is exact (``fractions.Fraction``), so no float ever touches an
amount and the result never depends on dict ordering or on the precision of a
``decimal`` context.

Budget lines
    A candidate whose grant form has a line in ``Budget.per_form`` is paid from
    that line; all other candidates share ``total - sum(per_form)``. The lines
    therefore partition ``total``: their sum never exceeds it, and a per-form
    sum above ``total`` is refused with :class:`AllocationError`. Lines are
    allocated independently of each other.

Category caps
    ``Budget.category_caps[c]`` limits what all lines together grant to
    category ``c``. When a category has candidates in more than one line, the
    cap is split between the lines in proportion to the amounts claimed there
    (the claims of the candidates that take part, see below). With a single
    line (no per-form budgets) the cap simply applies to the category. The
    split keeps each line independent, which is what keeps the allocation
    monotone in the budget.

Methods (``Method.method``)
    ``full``
        Requested amounts as they are, in **input order**, while they fit. The
        first one that does not fit closes its line (or its category's cap) and
        it and every later candidate of that line (category) get 0
        (``BUDGET_EXHAUSTED`` / ``CATEGORY_CAP``), even a later small request
        that would still fit. Rationale: the input order is the officer's
        priority order, and skipping ahead would fund a lower-priority request
        while a higher-priority one gets nothing; the rule is also easy to
        state in a decision ("määräraha käytetty loppuun"). To fund the small
        ones too, put them first or use another method.
    ``proportional``
        Every participating request gets the same share ``min(1, line /
        sum of requests)``, rounded down to ``step``. When a category cap
        binds, that category gets the share ``cap / category requests`` and
        the money it frees goes to the others (water-filling), so everyone
        else still gets one common share.
    ``score``
        Best score first (ties: smaller request first, then id); each gets its
        claim (the request, or ``max_grant`` rounded down to ``step`` if
        smaller) while it fits. The first one that does not fit gets what is
        left rounded down to ``step`` (``SCORE_PARTIAL``; ``CATEGORY_CAP`` if
        the cap was the limit) and closes the line (category): later ones get
        0. ``min_score``: below it -> 0 (``BELOW_MIN_SCORE``).
    ``threshold``
        Candidates with score >= ``threshold`` (``min_score`` if no threshold)
        share as in ``proportional``; the others get 0 (``THRESHOLD``).
        ``min_score`` also applies (``BELOW_MIN_SCORE``).

    ``max_grant`` is used by ``score`` only; ``min_score`` by ``score`` and
    ``threshold`` (as the settings file documents them).

Scores
    With ``Method.weights`` non-empty and a candidate's ``criteria``
    non-empty, the score is ``100 * sum(w * points) / (sum(w) *
    criterion_max)`` (criterion points on a 0..``criterion_max`` scale, default
    100, so the result is on 0..100). Otherwise ``Candidate.score``. A weighted
    criterion missing from a candidate's criteria is an error; criteria
    without a weight are ignored. ``score`` and ``threshold`` refuse eligible
    candidates without a score.

Invariants (tested in tests/test_allocation.py)
    0 <= amount <= requested; every line, every category cap and the total
    are respected; an amount is a multiple of ``step`` unless it equals the
    full request; ineligible candidates get 0; the same input gives the same
    output; the total granted never falls when the budget (``total``, or a
    per-form line together with ``total``) grows, for every method; for
    ``proportional`` and ``threshold`` no single amount falls either.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from avustus_cli.domain import fmt
from avustus_cli.domain.errors import ValidationError

__all__ = [
    "METHODS",
    "Allocation",
    "AllocationError",
    "MethodNotApplicable",
    "Budget",
    "Candidate",
    "Method",
    "ReasonCode",
    "allocate",
    "compare",
    "summarise",
]

METHODS: tuple[str, ...] = ("full", "proportional", "score", "threshold")
# the methods' Finnish names, as the officer may also write them (avustus propose --method suhteellinen)
METHOD_LABELS: dict[str, str] = {"full": "täysimääräinen", "proportional": "suhteellinen", "score": "pisteet",
                                 "threshold": "kynnys"}
FORMS: tuple[str, ...] = ("operating", "partnership", "project")


class AllocationError(ValidationError):
    """The allocation cannot be computed from this input (Finnish message)."""


class MethodNotApplicable(AllocationError):
    """This method needs data the input lacks (scores, criteria points, a
    threshold); another method may still run. ``compare`` reports it."""


class ReasonCode(StrEnum):
    """Stable codes for why an amount is what it is (a ``str``)."""

    FULL = "FULL"
    PROPORTIONAL = "PROPORTIONAL"
    SCORE_FUNDED = "SCORE_FUNDED"
    SCORE_PARTIAL = "SCORE_PARTIAL"
    BELOW_MIN_SCORE = "BELOW_MIN_SCORE"
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    MAX_GRANT = "MAX_GRANT"
    CATEGORY_CAP = "CATEGORY_CAP"
    INELIGIBLE = "INELIGIBLE"
    THRESHOLD = "THRESHOLD"


# --- input and output ----------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One application as the allocation sees it."""

    id: str
    form: str  # operating | partnership | project (any other value shares the common line)
    category: int | None
    requested: Decimal
    score: Decimal | None = None
    criteria: Mapping[str, Decimal] = field(default_factory=dict)
    eligible: bool = True
    ineligible_reason: str = ""

    @classmethod
    def from_application(
        cls,
        app: Any,
        *,
        eligible: bool = True,
        ineligible_reason: str = "",
        score: Decimal | None = None,
        criteria: Mapping[str, Decimal] | None = None,
    ) -> Candidate:
        """From a ``models.Application``: a missing request counts as 0, a
        missing form as ``""`` (the common line)."""
        form = getattr(app.form, "value", app.form) or ""
        return cls(
            id=app.id,
            form=str(form),
            category=app.category,
            requested=app.requested if app.requested is not None else Decimal(0),
            score=score,
            criteria=dict(criteria or {}),
            eligible=eligible,
            ineligible_reason=ineligible_reason,
        )


@dataclass(frozen=True)
class Budget:
    total: Decimal
    per_form: Mapping[str, Decimal] = field(default_factory=dict)
    category_caps: Mapping[int, Decimal] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Any) -> Budget:
        per_form = {f: v for f in FORMS if (v := settings.budget_for(f)) is not None}
        return cls(
            total=settings.budget_total,
            per_form=per_form,
            category_caps=dict(settings.category_caps),
        )


@dataclass(frozen=True)
class Method:
    method: str = "proportional"
    step: Decimal = Decimal(10)
    min_score: Decimal | None = None
    max_grant: Decimal | None = None
    threshold: Decimal | None = None
    weights: Mapping[str, Decimal] = field(default_factory=dict)
    criterion_max: Decimal = Decimal(100)

    @classmethod
    def from_settings(cls, settings: Any, method: str | None = None) -> Method:
        return cls(
            method=method or settings.method,
            step=settings.step,
            min_score=settings.min_score,
            max_grant=settings.max_grant,
            threshold=settings.threshold,
            weights=dict(settings.score_weights),
        )


@dataclass(frozen=True)
class Allocation:
    id: str
    requested: Decimal
    amount: Decimal
    reason_code: str
    reason: str  # Finnish, for the proposal and the decision letter
    score: Decimal | None = None  # the score used (rounded down to 0.01), if any


# --- formatting (Finnish) -------------------------------------------------


def _dec(x: Fraction | Decimal, places: int = 2) -> Decimal:
    """Exact value rounded DOWN to ``places`` decimals (display only)."""
    q = Decimal(1).scaleb(-places)
    fr = Fraction(x)
    n = math.floor(fr * 10**places)
    return (Decimal(n) * q).quantize(q, rounding=ROUND_DOWN)


def fmt_money(x: Fraction | Decimal) -> str:
    """``60 000 €`` for whole euros, ``12 345,68 €`` otherwise (half up)."""
    return fmt.money(x, decimals="auto", space=" ")


def _fmt_number(x: Fraction | Decimal) -> str:
    """A score or step: at most two decimals (rounded down, trailing zeros left out), decimal comma."""
    d = _dec(x, 2)
    places = next(p for p in (0, 1, 2) if d == d.quantize(Decimal(1).scaleb(-p), rounding=ROUND_DOWN))
    return fmt.number(d, places, space=" ")


def _fmt_percent(x: Fraction) -> str:
    """A share as a percentage with one decimal, rounded down (the share shown is never more than given)."""
    return fmt.percent(_dec(x, 3), 1, space=" ")


def _rounding(step: Decimal) -> str:
    return f"pyöristetty alaspäin {_fmt_number(step)} euroon"


# --- validation ----------------------------------------------------------


def _check_money(what: str, v: Any, *, positive: bool = False) -> Decimal:
    if not isinstance(v, Decimal) or not v.is_finite() or v < 0 or (positive and v == 0):
        need = "positiivinen" if positive else "ei-negatiivinen"
        raise AllocationError(f"{what} on virheellinen ({v!r}): odotetaan {need} euromäärä (Decimal).")
    return v


def _validate(candidates: Sequence[Candidate], budget: Budget, method: Method) -> None:
    if method.method not in METHODS:
        raise AllocationError(
            f"tuntematon jakotapa {method.method!r}: valitse yksi seuraavista: {', '.join(METHODS)}."
        )
    _check_money("jaon pyöristysaskel (allocation.step)", method.step, positive=True)
    for name in ("min_score", "max_grant", "threshold"):
        v = getattr(method, name)
        if v is not None:
            _check_money(f"asetus allocation.{name}", v)
    _check_money("kriteerien enimmäispisteet", method.criterion_max, positive=True)
    for k in sorted(method.weights):
        _check_money(f"kriteerin {k} painokerroin", method.weights[k])
    if method.weights and sum(method.weights.values()) == 0:
        raise AllocationError("kriteerien painokertoimet ovat kaikki nollia: anna ainakin yhdelle kriteerille paino.")
    _check_money("kokonaismääräraha (budget.total)", budget.total)
    for f in sorted(budget.per_form):
        _check_money(f"määräraha budget.{f}", budget.per_form[f])
    for cat in sorted(budget.category_caps):
        _check_money(f"toimintaluokan {cat} enimmäismäärä", budget.category_caps[cat])
    lines = sum(budget.per_form.values(), Decimal(0))
    if lines > budget.total:
        raise AllocationError(
            f"avustusmuotojen määrärahat ovat yhteensä {fmt_money(lines)}, mikä ylittää "
            f"kokonaismäärärahan {fmt_money(budget.total)}. Korjaa asetus budget.total "
            "tai avustusmuotojen määrärahat."
        )
    seen: set[str] = set()
    for c in candidates:
        if c.id in seen:
            raise AllocationError(f"hakemus {c.id} on jaossa kahdesti: hakemustunnusten pitää olla yksilöllisiä.")
        seen.add(c.id)
        _check_money(f"hakemuksen {c.id} haettu summa", c.requested)


def _points(v: Any, what: str) -> Fraction:
    """A score or criterion points: a finite Decimal or an int (never a float)."""
    if isinstance(v, bool) or not isinstance(v, (Decimal, int)) or (isinstance(v, Decimal) and not v.is_finite()):
        raise AllocationError(f"{what} ovat virheelliset ({v!r}): odotetaan lukua (Decimal).")
    return Fraction(v)


def _score(c: Candidate, method: Method) -> Fraction | None:
    if method.weights and c.criteria:
        missing = sorted(k for k in method.weights if k not in c.criteria)
        if missing:
            raise MethodNotApplicable(
                f"hakemukselta {c.id} puuttuvat kriteerin pisteet: {', '.join(missing)}. "
                "Anna pisteet jokaiselle painotetulle kriteerille."
            )
        total_w = sum((Fraction(w) for w in method.weights.values()), Fraction(0))
        acc = Fraction(0)
        for k in sorted(method.weights):
            acc += Fraction(method.weights[k]) * _points(c.criteria[k], f"hakemuksen {c.id} kriteerin {k} pisteet")
        return acc * 100 / (total_w * Fraction(method.criterion_max))
    if c.score is None:
        return None
    return _points(c.score, f"hakemuksen {c.id} pisteet")


# --- the allocation --------------------------------------------------------


@dataclass
class _Item:
    index: int
    cand: Candidate
    score: Fraction | None
    claim: Fraction = Fraction(0)
    capped_by_max: bool = False


def _floor_step(x: Fraction, step: Decimal) -> Decimal:
    k = math.floor(x / Fraction(step))
    return Decimal(k) * step if k > 0 else Decimal(0)


def allocate(candidates: Iterable[Candidate], budget: Budget, method: Method) -> list[Allocation]:
    """Proposed amounts, one per candidate, in input order. See the module doc."""
    cands = list(candidates)
    _validate(cands, budget, method)
    m = method.method
    step = method.step
    uses_score = m in ("score", "threshold")
    items = [_Item(i, c, _score(c, method) if uses_score else None) for i, c in enumerate(cands)]
    out: dict[int, Allocation] = {}

    def put(it: _Item, amount: Decimal, code: ReasonCode, reason: str) -> None:
        s = None if it.score is None else _dec(it.score, 2)
        out[it.index] = Allocation(it.cand.id, it.cand.requested, amount, str(code), reason, s)

    if uses_score:
        missing = [it.cand.id for it in items if it.cand.eligible and it.score is None]
        if missing:
            shown = ", ".join(missing[:5]) + (f" ja {len(missing) - 5} muuta" if len(missing) > 5 else "")
            raise MethodNotApplicable(
                f"jakotapa {m} vaatii pisteet jokaiselle avustuskelpoiselle hakemukselle: "
                f"pisteet puuttuvat hakemuksilta {shown}. Anna pisteet tai valitse toinen jakotapa."
            )
    cut = method.threshold if method.threshold is not None else method.min_score
    min_score = None if method.min_score is None else Fraction(method.min_score)
    if m == "threshold" and cut is None:
        raise MethodNotApplicable(
            "jakotapa threshold vaatii kynnyspisteet: anna asetus allocation.threshold (tai allocation.min_score)."
        )

    # who takes part
    part: list[_Item] = []
    for it in items:
        c = it.cand
        if not c.eligible:
            why = c.ineligible_reason.strip()
            put(it, Decimal(0), ReasonCode.INELIGIBLE, f"ei avustuskelpoinen: {why}" if why else "ei avustuskelpoinen")
            continue
        if uses_score and min_score is not None and it.score < min_score:  # type: ignore[operator]
            put(it, Decimal(0), ReasonCode.BELOW_MIN_SCORE,
                f"Hakemuksen arvioinnin pisteet {_fmt_number(it.score)} jäävät alle vähimmäispistemäärän "  # type: ignore[arg-type]  # score is set when uses_score
                f"{_fmt_number(min_score)}, joten avustusta ei voida myöntää.")
            continue
        if m == "threshold" and it.score < Fraction(cut):  # type: ignore[operator,arg-type]
            put(it, Decimal(0), ReasonCode.THRESHOLD,
                f"Hakemuksen arvioinnin pisteet {_fmt_number(it.score)} jäävät alle kynnyspistemäärän "  # type: ignore[arg-type]  # score is set when uses_score
                f"{_fmt_number(cut)}, joten avustusta ei voida myöntää.")  # type: ignore[arg-type]  # cut is set for threshold
            continue
        it.claim = Fraction(c.requested)
        if m == "score" and method.max_grant is not None and c.requested > method.max_grant:
            it.claim = Fraction(_floor_step(Fraction(method.max_grant), step))
            it.capped_by_max = True
        part.append(it)

    # budget lines: per-form lines, and the common line (key None) for the rest
    common = Fraction(budget.total) - sum((Fraction(v) for v in budget.per_form.values()), Fraction(0))
    by_line: dict[str | None, list[_Item]] = {}
    for it in part:
        key = it.cand.form if it.cand.form in budget.per_form else None
        by_line.setdefault(key, []).append(it)

    # category caps: the rate cap / (claims in the category, all lines together)
    caps = {c: Fraction(v) for c, v in budget.category_caps.items()}
    cat_claims: dict[int, Fraction] = {}
    for it in part:
        if it.cand.category in caps:
            cat_claims[it.cand.category] = cat_claims.get(it.cand.category, Fraction(0)) + it.claim
    cap_rate = {c: caps[c] / s for c, s in cat_claims.items() if s > 0}

    for key in sorted(by_line, key=lambda k: (k is None, k or "")):
        line_items = by_line[key]
        line_budget = Fraction(budget.per_form[key]) if key is not None else common
        if m in ("proportional", "threshold"):
            _proportional(line_items, line_budget, cap_rate, budget, step, put, _line_label(key, budget))
        else:
            _greedy(line_items, line_budget, cap_rate, budget, method, put, _line_label(key, budget))

    return [out[i] for i in range(len(items))]


NO = ", joten avustusta ei voida myöntää."
_LINE_LABELS = {"operating": "Toiminta-avustusten määräraha", "partnership": "Kumppanuussopimusten määräraha",
                "project": "Hankeavustusten määräraha"}


def _line_label(key: str | None, budget: Budget) -> str:
    """How a reason names the budget line: its form's appropriation, else the (common) appropriation."""
    if key is not None:
        return _LINE_LABELS.get(key, "Määräraha")
    return "Yhteinen määräraha" if budget.per_form else "Määräraha"


def _cap_text(cat: int, budget: Budget) -> str:
    return f"toimintaluokan {cat} enimmäismäärä {fmt_money(budget.category_caps[cat])}"


def _proportional(items, line_budget, cap_rate, budget, step, put, line_label="Määräraha") -> None:
    """One common share per line; binding category caps get their own (water-filling)."""
    claims: dict[int | None, Fraction] = {}
    for it in items:
        claims[it.cand.category] = claims.get(it.cand.category, Fraction(0)) + it.claim
    remaining_budget = line_budget
    remaining_claims = sum(claims.values(), Fraction(0))
    saturated: dict[int, Fraction] = {}
    for rate, cat in sorted((cap_rate[c], c) for c in claims if c is not None and c in cap_rate):
        if remaining_claims == 0 or remaining_budget / remaining_claims <= rate:
            break
        saturated[cat] = rate
        remaining_budget -= rate * claims[cat]
        remaining_claims -= claims[cat]
    share = min(Fraction(1), remaining_budget / remaining_claims) if remaining_claims > 0 else Fraction(1)
    shared = [it for it in items if it.cand.category not in saturated]
    lead = (
        f"{line_label} {fmt_money(line_budget)} ei riitä avustuskelpoisten hakemusten haettuun yhteismäärään "
        f"{fmt_money(remaining_claims)}"
        if not saturated else
        f"Kun toimintaluokkien enimmäismäärien mukaiset avustukset on otettu huomioon, määrärahasta jää muille "
        f"hakemuksille {fmt_money(remaining_budget)}, mikä ei riitä niiden haettuun yhteismäärään "
        f"{fmt_money(remaining_claims)}"
    )
    common = _ShareText(share, [it.claim for it in shared], step, lead + ", joten kaikille näille hakemuksille "
                        "esitetään sama osuus haetusta määrästä", remaining_budget, remaining_claims)
    for it in items:
        cat = it.cand.category
        if cat in saturated and saturated[cat] < 1:
            rate = saturated[cat]
            cap = budget.category_caps[cat]
            cat_claims = Fraction(cap) / rate if rate else sum((i.claim for i in items if i.cand.category == cat),
                                                               Fraction(0))
            text = _ShareText(rate, [i.claim for i in items if i.cand.category == cat], step,
                              f"Toimintaluokan {cat} enimmäismäärä {fmt_money(cap)} ei riitä luokan avustuskelpoisten "
                              f"hakemusten haettuun yhteismäärään {fmt_money(cat_claims)}, joten luokan hakemuksille "
                              "esitetään sama osuus haetusta määrästä", Fraction(cap), cat_claims)
            put(it, _floor_step(it.claim * rate, step), ReasonCode.CATEGORY_CAP, text.reason(it.claim))
        elif share >= 1 or cat in saturated:
            put(it, it.cand.requested, ReasonCode.FULL, "myönnetään haettu määrä")
        else:
            put(it, _floor_step(it.claim * share, step), ReasonCode.PROPORTIONAL, common.reason(it.claim))


class _ShareText:
    """The reason of a proportional reduction as a reader can recompute it: the money, the demand, their
    ratio as a percentage with enough decimals that every claim of the group gives its exact amount
    when multiplied by it (rounded up at that precision, never down past the exact ratio), and the
    rounding rule."""

    def __init__(self, share: Fraction, claims: Sequence[Fraction], step: Decimal, lead: str,
                 money: Fraction, demand: Fraction) -> None:
        self.share, self.step, self.lead = share, step, lead
        self.money, self.demand = money, demand
        self.shown, self.places = shown_share(share, claims, step)

    def reason(self, claim: Fraction) -> str:
        pct = percent_text(self.shown, self.places)
        raw = _dec(claim * self.shown, 2)
        amount = _floor_step(claim * self.share, self.step)
        return (
            f"{self.lead}: {fmt_money(self.money)} / {fmt_money(self.demand)} eli "
            f"{'' if self.shown == self.share else 'noin '}{pct}. Haettu määrä "
            f"{fmt_money(claim)} × {pct} = {fmt_money(raw)}, joka pyöristetään alaspäin "
            f"{_fmt_number(self.step)} euron tarkkuuteen, joten avustukseksi esitetään {fmt_money(amount)}."
        )


_AMOUNT = r"\d[\d ]*(?:,\d+)? €"
# _ShareText.reason's sentence, read back into its parts (kept beside the class that writes it)
_SHARE_REASON = re.compile(
    rf"(?P<lead>.+): (?P<money>{_AMOUNT}) / (?P<demand>{_AMOUNT}) eli (?P<pct>(?:noin )?\d+,\d+ %)\. "
    rf"Haettu määrä (?P<claim>{_AMOUNT}) × (?P<shown>\d+,\d+ %) = (?P<raw>{_AMOUNT}), joka pyöristetään alaspäin "
    rf"(?P<step>\d[\d ]*(?:,\d+)?) euron tarkkuuteen, joten avustukseksi esitetään (?P<amount>{_AMOUNT})\.",
    re.DOTALL,
)


def share_parts(reason: str, requested: Decimal) -> tuple[str, str] | None:
    """A proportional reduction's reason split for a table of many grants: the method, the same for every
    grant of its group (said once above the table), and the grant's own computation, which a reader
    recomputes with the method's percentage and rounding. None for any other reason (a refusal, the
    officer's own text)."""
    m = _SHARE_REASON.fullmatch(reason.strip())
    if m is None:
        return None
    method = (f"{m['lead']}: {m['money']} / {m['demand']} eli {m['pct']}. Kunkin hakemuksen haettu määrä kerrotaan "
              f"tällä osuudella, ja tulo pyöristetään alaspäin {m['step']} euron tarkkuuteen.")
    asked = fmt_money(requested)
    head = f"Haettu {asked}" if m["claim"] == asked else f"Haettu {asked}, josta otetaan huomioon {m['claim']}"
    return method, f"{head} × {m['shown']} = {m['raw']}, pyöristettynä alaspäin {m['amount']}."


def shown_share(share: Fraction, claims: Iterable[Fraction], step: Decimal) -> tuple[Fraction, int]:
    """``share`` as a percentage with the fewest decimals (two to ten) such that every claim
    multiplied by the shown percentage and rounded down to ``step`` gives the same amount as the exact
    share: rounded up at that precision (a value rounded down could fall below a multiple of ``step``
    that the exact share reaches). Returns the shown share (a fraction of one) and its decimals."""
    claims = list(claims)
    places = 2
    shown = share
    for places in range(2, 11):
        unit = Fraction(1, 10 ** (places + 2))
        shown = math.ceil(share / unit) * unit
        if all(_floor_step(c * shown, step) == _floor_step(c * share, step) for c in claims):
            break
    return shown, places


def percent_text(shown: Fraction, places: int) -> str:
    """``84,3601 %`` (the shown share of :func:`shown_share`, trailing zeros kept to two decimals)."""
    text = f"{Decimal(shown.numerator * 100) / Decimal(shown.denominator):.{places}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole},{frac} %"


def _greedy(items, line_budget, cap_rate, budget, method, put, line_label="Määräraha") -> None:
    """``full`` (input order) and ``score`` (best first): fund while it fits. The reasons are sentences
    with the numbers: the money, the order it is shared in, what was left and the request."""
    scored = method.method == "score"
    order = "hakemusten pistejärjestyksessä" if scored else "hakemusten käsittelyjärjestyksessä"
    shared = f"{line_label} {fmt_money(line_budget)} jaetaan {order} haettujen määrien mukaan"
    step = method.step
    if scored:
        items = sorted(items, key=lambda it: (-it.score, it.cand.requested, it.cand.id, it.index))
    # this line's part of each category cap
    cat_left: dict[int, Fraction] = {}
    for it in items:
        cat = it.cand.category
        if cat in cap_rate:
            cat_left[cat] = cat_left.get(cat, Fraction(0)) + it.claim * cap_rate[cat]
    line_left = line_budget
    line_closed = False
    closed_cats: set[int] = set()

    for it in items:
        cat = it.cand.category
        tail = f" Hakemuksen arvioinnin pisteet ovat {_fmt_number(it.score)}." if scored else ""
        if line_closed:
            put(it, Decimal(0), ReasonCode.BUDGET_EXHAUSTED,
                f"{shared}, ja se on käytetty loppuun ennen tätä hakemusta{NO}" + tail)
            continue
        if cat in closed_cats:
            put(it, Decimal(0), ReasonCode.CATEGORY_CAP,
                f"{_cap_text(cat, budget)[0].upper()}{_cap_text(cat, budget)[1:]} on käytetty loppuun ennen tätä "
                f"hakemusta{NO}" + tail)
            continue
        capped = cat in cat_left
        avail = min(line_left, cat_left[cat]) if capped else line_left
        if it.claim <= avail:
            amount = it.cand.requested
            if it.capped_by_max:
                amount = _floor_step(Fraction(method.max_grant), step)
                put(it, amount, ReasonCode.MAX_GRANT,
                    f"Yksittäisen avustuksen enimmäismäärä on {fmt_money(method.max_grant)}, joten haetusta määrästä "
                    f"{fmt_money(it.cand.requested)} esitetään enimmäismäärä pyöristettynä alaspäin "
                    f"{_fmt_number(step)} euron tarkkuuteen eli {fmt_money(amount)}." + tail)
            elif scored:
                put(it, amount, ReasonCode.SCORE_FUNDED, f"myönnetään haettu määrä (pisteet {_fmt_number(it.score)})")
            else:
                put(it, amount, ReasonCode.FULL, "myönnetään haettu määrä")
            line_left -= it.claim
            if capped:
                cat_left[cat] -= it.claim
            continue
        by_cap = capped and cat_left[cat] < line_left
        amount = _floor_step(avail, step) if scored else Decimal(0)
        line_left -= Fraction(amount)
        if capped:
            cat_left[cat] -= Fraction(amount)
        left = (f"siitä on jäljellä {fmt_money(avail)}, mikä ei riitä haettuun määrään "
                f"{fmt_money(it.cand.requested)}")
        granted = (f", joten avustukseksi esitetään jäljellä oleva määrä pyöristettynä alaspäin "
                   f"{_fmt_number(step)} euron tarkkuuteen eli {fmt_money(amount)}.")
        if by_cap:
            closed_cats.add(cat)
            cap = _cap_text(cat, budget)
            put(it, amount, ReasonCode.CATEGORY_CAP,
                f"{cap[0].upper()}{cap[1:]} ei riitä: {left}" + (granted if amount > 0 else NO) + tail)
        else:
            line_closed = True
            if amount > 0:
                put(it, amount, ReasonCode.SCORE_PARTIAL, f"{shared}, ja {left}{granted}" + tail)
            else:
                put(it, Decimal(0), ReasonCode.BUDGET_EXHAUSTED, f"{shared}, ja {left}{NO}" + tail)


# --- summaries ---------------------------------------------------------------


def summarise(allocations: Iterable[Allocation], top: int = 5) -> dict[str, Any]:
    """Figures for the proposal and ``--compare``. Money stays ``Decimal``.

    Keys: ``count``, ``eligible`` (not INELIGIBLE), ``funded`` (amount > 0),
    ``fully_funded`` (amount == requested > 0), ``requested`` (all),
    ``requested_eligible``, ``granted``, ``granted_percent`` (of
    ``requested_eligible``, one decimal rounded down; None if nothing was
    requested), ``by_code`` ({code: count}, sorted by code), ``biggest_cuts``
    (at most ``top`` eligible ones with the largest ``requested - amount``,
    ties by id: ``[{"id", "requested", "amount", "cut"}]``).
    """
    allocs = list(allocations)
    eligible = [a for a in allocs if a.reason_code != ReasonCode.INELIGIBLE]
    requested = sum((a.requested for a in allocs), Decimal(0))
    requested_el = sum((a.requested for a in eligible), Decimal(0))
    granted = sum((a.amount for a in allocs), Decimal(0))
    by_code: dict[str, int] = {}
    for a in allocs:
        by_code[str(a.reason_code)] = by_code.get(str(a.reason_code), 0) + 1
    cuts = sorted(
        (a for a in eligible if a.requested > a.amount), key=lambda a: (-(a.requested - a.amount), a.id)
    )[:top]
    return {
        "count": len(allocs),
        "eligible": len(eligible),
        "funded": sum(1 for a in allocs if a.amount > 0),
        "fully_funded": sum(1 for a in allocs if a.amount > 0 and a.amount == a.requested),
        "requested": requested,
        "requested_eligible": requested_el,
        "granted": granted,
        "granted_percent": _dec(Fraction(granted) * 100 / Fraction(requested_el), 1) if requested_el > 0 else None,
        "by_code": dict(sorted(by_code.items())),
        "biggest_cuts": [
            {"id": a.id, "requested": a.requested, "amount": a.amount, "cut": a.requested - a.amount} for a in cuts
        ],
    }


def compare(
    candidates: Iterable[Candidate],
    budget: Budget,
    base_method_kwargs: Mapping[str, Any] | Method | None = None,
    methods: Sequence[str] = METHODS,
) -> dict[str, dict[str, Any]]:
    """Every method side by side: ``{method: summarise(...) + {"amounts": {id: amount}}}``.

    ``base_method_kwargs`` are ``Method`` fields (``step``, ``min_score``...)
    or a ``Method``; its ``method`` is replaced by each method in turn. A
    method that cannot run on this input (say ``score`` without scores) gets
    ``{"error": "<Finnish message>"}`` instead; other errors (a bad budget)
    are raised.
    """
    cands = list(candidates)
    if isinstance(base_method_kwargs, Method):
        base = base_method_kwargs
    else:
        kwargs = dict(base_method_kwargs or {})
        kwargs.pop("method", None)
        base = Method(**kwargs)
    result: dict[str, dict[str, Any]] = {}
    for name in methods:
        try:
            allocs = allocate(cands, budget, replace(base, method=name))
        except MethodNotApplicable as e:
            result[name] = {"error": e.message}
            continue
        summary = summarise(allocs)
        summary["amounts"] = {a.id: a.amount for a in allocs}
        result[name] = summary
    return result

"""What ``avustus check`` counts over the applications it reports, besides the rows it shows: per
verdict and per rule with open findings, how many applications and the amount they request; whether an
open finding is blocking or a deficiency (the command's exit code) and how many applications have an
open review finding (the officer's judgement cases). Pure.

A check of the whole round stores its summary (``adapters.store.round_marks``), so that the check of an
unchanged round shows it without reading every application's findings back.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from avustus_cli.domain.models import Finding, Severity, Verdict
from avustus_cli.domain.standing import Standing

__all__ = ["VERDICT_ORDER", "CheckSummary", "Kind", "first_by_verdict", "kind_of", "summarize", "summarize_kinds"]

# the order of the check's tables and of its summary's rows
VERDICT_ORDER = (Verdict.INELIGIBLE, Verdict.SUPPLEMENT, Verdict.REVIEW, Verdict.ELIGIBLE)

_ZERO = Decimal(0)


@dataclass(frozen=True)
class CheckSummary:
    """Counts and requested sums of a set of check results (None requested counts as 0)."""

    verdicts: dict[Verdict, tuple[int, Decimal]]  # every verdict of VERDICT_ORDER: (applications, requested)
    total: tuple[int, Decimal]  # every application: (applications, requested)
    rules: dict[str, tuple[int, Decimal]]  # rule code -> (applications with an open finding of it, requested)
    problems: bool  # an open finding is blocking or a deficiency
    reviews: int  # applications with an open review finding

    def to_json(self) -> str:
        return json.dumps({
            "verdicts": [[v.value, n, str(s)] for v, (n, s) in self.verdicts.items()],
            "total": [self.total[0], str(self.total[1])],
            "rules": [[code, n, str(s)] for code, (n, s) in self.rules.items()],
            "problems": self.problems,
            "reviews": self.reviews,
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CheckSummary:
        data: dict[str, Any] = json.loads(text)
        return cls(
            verdicts={Verdict(v): (n, Decimal(s)) for v, n, s in data["verdicts"]},
            total=(data["total"][0], Decimal(data["total"][1])),
            rules={code: (n, Decimal(s)) for code, n, s in data["rules"]},
            problems=data["problems"],
            reviews=data["reviews"],
        )


def summarize(results: Iterable[Standing]) -> CheckSummary:
    """The summary of ``results``.

    A round's applications share their amounts and, often, their tuple of findings (a check gives
    applications with the same findings the same tuple), and far more often what a summary reads of their
    findings (the open findings' codes and severities): each distinct tuple of findings is looked at once,
    and the results are counted per distinct (verdict, amount) and (amount, open codes) in C loops."""
    results = results if isinstance(results, list) else list(results)
    found = list(map(id, map(_FINDINGS, results)))
    # the distinct kinds of findings (see kind_of), and per distinct tuple of findings the index of its own
    kinds: dict[Kind, int] = {}
    kind_at: dict[int, int] = {}
    for findings in dict(zip(found, map(_FINDINGS, results), strict=True)).values():
        kind_at[id(findings)] = kinds.setdefault(kind_of(findings), len(kinds))
    return summarize_kinds(list(map(_VERDICT, results)), list(map(_REQUESTED, results)),
                           list(map(kind_at.__getitem__, found)), list(kinds))


def first_by_verdict(results: Iterable[Standing], limit: int | None) -> dict[Verdict, list[Standing]]:
    """Per verdict of VERDICT_ORDER its first ``limit`` results (None: all), in order: the rows of the check's
    tables."""
    first: dict[Verdict, list[Standing]] = {v: [] for v in VERDICT_ORDER}
    for r in results:
        group = first[r.verdict]
        if limit is None or len(group) < limit:
            group.append(r)
    return first


# what a summary reads of an application's findings: its open findings' codes, whether one of them is
# blocking or a deficiency, and whether one is a review
Kind = tuple[frozenset[str], bool, bool]


def kind_of(findings: Sequence[Finding]) -> Kind:
    """What ``summarize`` reads of ``findings`` (see :data:`Kind`)."""
    reasons = list(map(_REASON, findings))
    open_ = findings if reasons.count(None) == len(reasons) else [f for f in findings if f.accepted_reason is None]
    severities = set(map(_SEVERITY, open_))
    return (frozenset(map(_CODE, open_)), Severity.BLOCKING in severities or Severity.DEFICIENCY in severities,
            Severity.REVIEW in severities)


def summarize_kinds(verdicts: Sequence[Verdict], requested: Sequence[Decimal | None], kind_at: Sequence[int],
                    kinds: Sequence[Kind]) -> CheckSummary:
    """The summary of applications given as columns: each one's verdict, requested amount (None counts as 0)
    and the index in ``kinds`` of what a summary reads of its findings (``kind_of``). ``summarize`` of
    results is this of their columns. (Sums of Decimal amounts are exact: the order they are added in does
    not change them.)"""
    amount_of = [a or _ZERO for a in requested]
    amounts = dict(zip(map(id, amount_of), amount_of, strict=True))  # (keyed by identity: hashing a Decimal is slow)
    counts = dict.fromkeys(VERDICT_ORDER, 0)
    sums = dict.fromkeys(VERDICT_ORDER, _ZERO)
    for (verdict, amount), n in Counter(zip(verdicts, map(id, amount_of), strict=True)).items():
        counts[verdict] += n
        sums[verdict] += amounts[amount] * n
    # the amounts of each kind's applications (one pass: the kinds are nearly as many as the applications in a
    # big round, and so would the distinct (amount, kind) pairs be), each kind's summed in C
    of_kind: list[list[Decimal]] = [[] for _ in kinds]
    add = [amounts_of_kind.append for amounts_of_kind in of_kind]
    for kind, requested_amount in zip(kind_at, amount_of, strict=True):
        add[kind](requested_amount)
    per_kind = [(len(amounts_of_kind), sum(amounts_of_kind, _ZERO)) for amounts_of_kind in of_kind]
    rules: dict[str, list[Any]] = {}
    problems = False
    reviews = 0
    for (codes, problem, review), (n, requested_sum) in zip(kinds, per_kind, strict=True):
        problems = problems or problem
        if review:
            reviews += n
        for code in codes:
            total = rules.get(code)
            if total is None:
                rules[code] = [n, requested_sum]
            else:
                total[0] += n
                total[1] += requested_sum
    return CheckSummary(
        verdicts={v: (counts[v], sums[v]) for v in VERDICT_ORDER},
        total=(len(amount_of), sum((sums[v] for v in VERDICT_ORDER), _ZERO)),
        rules={code: (n, s) for code, (n, s) in sorted(rules.items())},
        problems=problems,
        reviews=reviews,
    )


_CODE = attrgetter("code")
_SEVERITY = attrgetter("severity")
_REASON = attrgetter("accepted_reason")
_REQUESTED = attrgetter("app.requested")
_FINDINGS = attrgetter("findings")
_VERDICT = attrgetter("verdict")

"""Checking an application against the rules (pure).

>>> findings = check_application(app, RuleContext(settings, as_of=date.today(), history=grants))
>>> verdict_for(findings)
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import Application, Finding, Verdict, verdict_for
from avustus_cli.domain.rules import RULES, Rule, RuleContext
from avustus_cli.domain.rules.partnership import partnership_routing as _routing

__all__ = [
    "RuleContext",
    "Verdict",
    "check_application",
    "partnership_routing",
    "rules_for_codes",
    "verdict_for",
]


def rules_for_codes(codes: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> tuple[Rule, ...]:
    """The rules selected by ``codes`` (``"E01"`` or a whole group ``"E"``;
    None = all), minus those in ``exclude`` (same forms), in registry order.

    An unknown code or group raises ``KeyError`` naming it.
    """

    def expand(items: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for item in items:
            key = item.strip().upper()
            if not key:
                continue
            hits = [c for c in RULES if c == key or (len(key) == 1 and c.startswith(key))]
            if not hits:
                raise KeyError(key)
            out.update(hits)
        return out

    wanted = set(RULES) if codes is None else expand(codes)
    wanted -= expand(exclude)
    return tuple(r for c, r in RULES.items() if c in wanted)


def _sort_key(f: Finding) -> tuple[int, str]:
    return (f.severity.rank, f.code)


def check_application(
    app: Application, ctx: RuleContext, rules: Iterable[Rule] | None = None
) -> list[Finding]:
    """Every finding of every rule (or of ``rules``), most severe first, then by
    code; a rule's own findings keep their order. A rule that raises is a
    bug: the exception propagates."""
    selected = RULES.values() if rules is None else rules
    findings: list[Finding] = []
    for r in selected:
        findings.extend(r.check(app, ctx))
    return sorted(findings, key=_sort_key)


def partnership_routing(app: Application, settings: Settings) -> list[tuple[int, Decimal, str]]:
    """Per calendar year of a partnership agreement: (year, amount, decider). See S04."""
    return _routing(app, settings)

"""The rule registry (sqlfluff / pylint style).

``RULES`` maps a stable code (E01, K02, ...) to its :class:`Rule`. One module
per group registers its rules with the ``@rule`` decorator:

- ``eligibility`` E01–E04, ``targeting`` K01–K04, ``activity`` T01–T05,
  ``accounting`` A01–A03, ``joint`` Y01–Y03, ``timing`` H01 and R01,
  ``partnership`` S01–S04, ``project`` P01–P04, ``conflict`` J01.

Codes are never reused for another meaning; a retired code stays retired.
"""

from __future__ import annotations

from avustus_cli.domain.rules import (  # noqa: F401  (register)
    accounting,
    activity,
    conflict,  # noqa: F401,E402  (register: J, conflicts of interest)
    eligibility,
    joint,
    partnership,
    project,
    targeting,
    timing,
)
from avustus_cli.domain.rules.partnership import partnership_routing
from avustus_cli.domain.rules.registry import REGISTRY, Example, Rule, RuleContext, rule

GROUP_ORDER = "EKTAYHRSPJ"
GROUP_TITLES = {
    "E": "Kuka voi saada avustusta",
    "K": "Kohdentamiskriteerit",
    "T": "Tuettu toiminta",
    "A": "Kirjanpito ja hallinto",
    "Y": "Yhteishakemukset",
    "H": "Hakuaika",
    "R": "Käyttöselvitykset",
    "S": "Kumppanuussopimukset",
    "P": "Hankeavustukset",
    "J": "Esteellisyys (hallintolaki 28 §)",
}


def _order(code: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(code[0]), code)


RULES: dict[str, Rule] = {code: REGISTRY[code] for code in sorted(REGISTRY, key=_order)}


def get_rule(code: str) -> Rule:
    """The rule with ``code`` (case-insensitive); KeyError when unknown."""
    return RULES[code.strip().upper()]


__all__ = [
    "GROUP_TITLES",
    "RULES",
    "Example",
    "Rule",
    "RuleContext",
    "get_rule",
    "partnership_routing",
    "rule",
]

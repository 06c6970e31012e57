"""The rule registry: ``Rule``, ``Example``, ``RuleContext`` and the ``@rule`` decorator.

A rule is one small pure function in its group module (``eligibility`` for
E, ``targeting`` for K, ...). The function yields ``(severity, field,
message)`` triples; the decorator turns them into ``Finding`` objects with
the rule's code and checks that the rule never gives a severity above the
one it declares. Adding a rule = adding one decorated function.

Beside its title a rule carries the sentences the board and the letters
use (Hallintolaki 45 §), as templates keyed by *case*:

- ``refusal``: why no grant can be given (the fact, the guideline's rule,
  the consequence), for every case that can end in a refusal;
- ``request``: what the applicant is asked to send or do (täydennyspyyntö);
- ``review``: what the officer must check; a case listed here is never a
  refusal reason, whatever its severity (something the county can verify
  itself, Hallintolaki 31 §);
- ``hold``: why a grant's payment is held (the grant itself is not refused).

A finding's case is ``cases(finding, app, ctx)`` when the rule gives that
function, else the finding's field; a template keyed ``"*"`` serves any
case. ``facts(finding, app, ctx)`` adds the rule's own facts to the
application's (see ``reasons.py``, which fills the templates).

What a rule reads, for a check at scale (``domain.checking.check_round``):

- ``reads``: the application fields the rule looks at (``raw`` for the
  unparsed texts). The rule then runs once per distinct combination of these
  fields' values in the round, not once per application;
- ``where``: an SQL predicate over the typed table of rule inputs (one column
  per field, booleans as 1 / 0, money as decimal text, dates as ISO text,
  ``raw`` as JSON; longer texts, lists and parties as the id of their value
  in ``rule_texts(id, field, value)``, see ``adapters.store.rule_inputs``) that holds for every
  application the rule can find something in. It only narrows where the rule
  runs: the rule itself decides, so the predicate may select more, never less
  (tests/test_rule_inputs.py holds every predicate to its rule);
- ``reads_when``: field -> SQL condition, for a field the rule looks at only
  where the condition holds (elsewhere the rule is given the field as missing,
  so that fewer distinct combinations remain);
- SQL parameters ``:window_start`` and ``:window_last_day`` (ISO dates) come
  from the settings (``domain.checking.sql_parameters``);
- ``needs``: ``"history"`` (earlier grants) or ``"positions"`` (the decision
  makers' register) when the rule finds nothing without them;
- ``reads_grants``: for a rule on earlier grants, the grant fields it looks
  at besides which grants share a recipient. It runs once per distinct
  history so described, on grants that have only those fields;
- ``by_name``: ``(field, kind)`` for a rule that reads a name (``field``, such
  as ``applicant``, which is nearly always different in each application)
  only through ``kind(app, name)`` (what it decides on of the name, given the
  application's other fields) and the name quoted in its messages
  (``_text.quote(name)``). Its function then takes ``(app, ctx, kind,
  quoted)`` and must not look at ``app.<field>``: at scale it runs once per
  distinct kind and other fields, with a placeholder for the quoted name
  (:data:`QUOTED_NAME`), and each application's findings are those with its
  own quoted name in the placeholder's place (``Rule.check_kind``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import Application, Finding, Grant, Severity, finding_of
from avustus_cli.domain.rules._text import quote

__all__ = ["QUOTED_NAME", "Example", "REGISTRY", "Rule", "RuleContext", "RuleOutput", "Templates", "rule"]

RuleOutput = tuple[Severity, "str | None", str]
RawCheck = Callable[[Application, "RuleContext"], Iterable[RuleOutput]]
# case -> Finnish sentence template ("{applicant}" etc. filled by reasons.py); a plain string is the "*" case
Templates = Mapping[str, str]
CaseOf = Callable[[Finding, Application, "RuleContext"], str]
FactsOf = Callable[[Finding, Application, "RuleContext"], Mapping[str, Any]]

_CODE = re.compile(r"^[A-Z]\d{2}$")
# what a ``by_name`` rule is given as the quoted name when it runs for a kind of names: NUL characters, which
# no imported text holds (the import removes control characters from every cell), so that each application's quoted name replaces exactly it
QUOTED_NAME = "\x00name\x00"
KindOf = Callable[[Application, str], Any]


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the application itself."""

    settings: Settings
    as_of: dt.date
    # earlier grants of the same applicant (the caller matches them by business ID)
    history: tuple[Grant, ...] = ()
    # the decision makers' positions in organisations (tuple[models.Position, ...]; J01 reads them)
    positions: tuple = ()


@dataclass(frozen=True)
class Example:
    """A documented case that runs as a test.

    ``expected`` are the severities the rule gives for ``application`` (in
    any order, each at least once); an empty tuple means the rule finds
    nothing (a good example). ``history`` and ``as_of`` complete the context
    (defaults: no earlier grants, 10.1. of the round's grant year).
    """

    application: Application
    expected: tuple[Severity, ...]
    note: str  # Finnish, one line: what the case is
    history: tuple[Grant, ...] = ()
    as_of: dt.date | None = None

    @property
    def good(self) -> bool:
        return not self.expected


@dataclass(frozen=True)
class Rule:
    code: str  # E01, stable, never reused
    name: str  # dotted: eligibility.legal_form
    title: str  # short Finnish title
    source: str  # the guideline sentence it rests on (Finnish)
    severity: Severity  # the most severe it can give
    description: str  # Finnish: how the tool checks it
    examples: tuple[Example, ...]
    check: Callable[[Application, RuleContext], list[Finding]] = field(repr=False, compare=False)
    # the sentences for the board and the letters (see the module docstring); case -> template
    refusal: Templates = field(default_factory=dict, repr=False, compare=False)
    request: Templates = field(default_factory=dict, repr=False, compare=False)
    review: Templates = field(default_factory=dict, repr=False, compare=False)
    hold: Templates = field(default_factory=dict, repr=False, compare=False)
    cases: CaseOf | None = field(default=None, repr=False, compare=False)
    facts: FactsOf | None = field(default=None, repr=False, compare=False)
    # what the rule reads (see the module docstring)
    reads: tuple[str, ...] = field(default=(), repr=False, compare=False)
    where: str | None = field(default=None, repr=False, compare=False)
    reads_when: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    needs: str | None = field(default=None, repr=False, compare=False)
    reads_grants: tuple[str, ...] = field(default=(), repr=False, compare=False)
    by_name: tuple[str, KindOf] | None = field(default=None, repr=False, compare=False)
    # a ``by_name`` rule's findings given the kind of the name and the quoted name (the application's name
    # field is not read): check(app, ctx) == check_kind(app, ctx, kind(app, name), quote(name))
    check_kind: Callable[[Application, RuleContext, Any, str], list[Finding]] | None = field(
        default=None, repr=False, compare=False)

    @property
    def group(self) -> str:
        return self.code[0]


REGISTRY: dict[str, Rule] = {}
_NAMES: set[str] = set()


def rule(
    code: str,
    name: str,
    *,
    title: str,
    refusal: Templates | str | None = None,
    request: Templates | str | None = None,
    review: Templates | str | None = None,
    hold: Templates | str | None = None,
    cases: CaseOf | None = None,
    facts: FactsOf | None = None,
    reads: Iterable[str],
    where: str | None = None,
    reads_when: Mapping[str, str] | None = None,
    needs: str | None = None,
    reads_grants: Iterable[str] = (),
    by_name: tuple[str, KindOf] | None = None,
    source: str,
    severity: Severity,
    description: str,
    examples: Iterable[Example] = (),
) -> Callable[[Callable[..., Iterable[RuleOutput]]], Rule]:
    """Register the decorated function as a rule; the module name becomes the
    Rule (the decorated name is bound to the ``Rule``, call ``.check``)."""
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} is not of the form X99")
    if code in REGISTRY or name in _NAMES:
        raise ValueError(f"rule {code} / {name} registered twice")
    reads = tuple(reads)
    if by_name is not None and by_name[0] not in reads:
        raise ValueError(f"rule {code}: the name it reads by kind ({by_name[0]}) is not among what it reads")
    if needs not in (None, "history", "positions"):
        raise ValueError(f"rule {code}: needs is 'history', 'positions' or None, not {needs!r}")

    def decorate(fn: Callable[..., Iterable[RuleOutput]]) -> Rule:
        check_kind = None
        if by_name is None:
            def check(app: Application, ctx: RuleContext) -> list[Finding]:
                return list(_findings(code, severity, fn(app, ctx)))
        else:
            name_field, kind_of = by_name

            def check(app: Application, ctx: RuleContext) -> list[Finding]:
                name = getattr(app, name_field)
                return list(_findings(code, severity, fn(app, ctx, kind_of(app, name), quote(name))))

            def check_kind(app: Application, ctx: RuleContext, kind: Any, quoted: str) -> list[Finding]:
                return list(_findings(code, severity, fn(app, ctx, kind, quoted)))

        check.__name__ = fn.__name__
        check.__doc__ = fn.__doc__
        r = Rule(
            code, name, title, source, severity, description, tuple(examples), check,
            refusal=_templates(refusal), request=_templates(request), review=_templates(review),
            hold=_templates(hold), cases=cases, facts=facts, reads=reads, where=where,
            reads_when=dict(reads_when or {}), needs=needs, reads_grants=tuple(reads_grants),
            by_name=by_name, check_kind=check_kind,
        )
        REGISTRY[code] = r
        _NAMES.add(name)
        return r

    return decorate


def _findings(code: str, most: Severity, outputs: Iterable[RuleOutput]) -> Iterator[Finding]:
    for sev, fld, message in outputs:
        if sev.rank < most.rank:
            raise AssertionError(f"rule {code} gave {sev} above its declared {most}")
        yield finding_of(code, sev, message, fld)  # Finding(code, sev, message, fld)


def _templates(value: Templates | str | None) -> dict[str, str]:
    if isinstance(value, str):
        return {"*": value}
    return dict(value or {})

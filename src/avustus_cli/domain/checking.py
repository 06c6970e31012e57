"""Checking an application against the rules (pure).

>>> findings = check_application(app, RuleContext(settings, as_of=date.today(), history=grants))
>>> verdict_for(findings)

A round at scale is checked rule by rule instead (``services.checking``): each rule runs once per
distinct combination of the fields it reads (``Rule.reads``) among the applications its SQL predicate
selects, on an application that has only those fields (:class:`InputDecoder`), and
:class:`RoundFindings` gathers the findings per application in ``check_application``'s order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

from avustus_cli.domain import codec, deadlines
from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import Application, Finding, Grant, Verdict, application_of, verdict_for
from avustus_cli.domain.rules import RULES, Rule, RuleContext
from avustus_cli.domain.rules.partnership import partnership_routing as _routing

__all__ = [
    "InputDecoder",
    "RoundFindings",
    "RuleContext",
    "described_history",
    "grants_described",
    "Verdict",
    "check_application",
    "partnership_routing",
    "rules_for_codes",
    "sql_parameters",
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


# --- a round, rule by rule --------------------------------------------------------------------------

# fields whose rule-input value is JSON text (lists, parties, the unparsed texts), and booleans (1 / 0)
_JSON_FIELDS = frozenset({"cost_types", "municipalities", "targets", "lead_applicant", "co_applicants", "attachments",
                          "raw"})
_BOOL_FIELDS = frozenset({"non_profit", "county_field", "economic_activity", "accounts_segregated", "audit_consent",
                          "joint"})
_BOOLS = {1: True, 0: False}
_MISSING = object()


def sql_parameters(settings: Settings) -> dict[str, str]:
    """The values the rules' SQL predicates name (``:window_start`` ...), from the settings."""
    return {
        "window_start": settings.window_start.isoformat(),
        "window_last_day": deadlines.window_last_day(settings).isoformat(),
    }


class InputDecoder:
    """An application with only the fields a rule reads, from their rule-input values (SQL values: NULL
    for a field the application does not have, booleans as 1 / 0, lists and parties as JSON text),
    decoded as the store decodes a whole application (``codec``)."""

    def __init__(self) -> None:
        self._decoded: dict[tuple[str, type, Any], Any] = {}  # (field, value's type, value) -> the field's value

    def app(self, fields: Sequence[str], values: Sequence[Any]) -> Application:
        kwargs: dict[str, Any] = {"id": ""}
        for name, value in zip(fields, values, strict=True):
            if value is not None:
                key = (name, type(value), value)  # 1 and 1.0 are equal keys but not equal values
                decoded = self._decoded.get(key, _MISSING)
                if decoded is _MISSING:
                    decoded = self._decoded[key] = self._decode(name, value)
                kwargs[name] = decoded
        return application_of(kwargs)

    @staticmethod
    def decoder(name: str) -> Callable[[Any], Any]:
        """The function :meth:`app` decodes field ``name``'s rule-input value (not None) with (for a field
        whose values seldom recur, such as a name: nothing is remembered)."""
        decode = codec.field_decoder(Application, name)
        if name in _JSON_FIELDS:
            return lambda value: decode(json.loads(value))
        if name in _BOOL_FIELDS:
            return lambda value: decode(_BOOLS.get(value, value))
        return decode

    @staticmethod
    def _decode(name: str, value: Any) -> Any:
        if name in _JSON_FIELDS:
            value = json.loads(value)
        elif name in _BOOL_FIELDS:
            value = _BOOLS.get(value, value)
        return codec.field_decoder(Application, name)(value)


class RoundFindings:
    """The findings of a round's rules, added rule by rule, given back per application in
    ``check_application``'s order (most severe first, then by code, a rule's own findings in their order).

    The round's ``size`` applications are known by their positions 0 .. size - 1. A rule adds its findings
    per key (the values it read) with each application's key; each application's findings are then made
    once per distinct combination of what the rules found for it (:meth:`lists`), not once per application."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._found: list[tuple[Finding, ...]] = []  # a rule's findings of one severity for one key
        # (severity rank, code) -> per position, the index in _found of what that rule found of that severity
        self._columns: dict[tuple[int, str], list[int | None]] = {}

    def add(self, code: str, found: Mapping[Any, list[Finding]], keys: Sequence[Any],
            positions: Sequence[int] | None = None) -> None:
        """A rule's findings: ``found[key]`` (none for a key not there) for the application with that key,
        ``keys`` being those of the applications at ``positions`` (None: of every application in order)."""
        for rank, hit in self._by_rank(found).items():
            if positions is None:
                column = list(map(hit.get, keys))
            else:
                column = [None] * self.size
                for p, h in zip(positions, map(hit.get, keys), strict=True):
                    if h is not None:
                        column[p] = h
            self._columns[(rank, code)] = column

    def add_groups(self, code: str, groups: Sequence[tuple[Sequence[int], list[Finding]]]) -> None:
        """A rule's findings for groups of applications: (their positions, the findings of each)."""
        for rank, hit in self._by_rank(dict(enumerate(found for _, found in groups))).items():
            column: list[int | None] = [None] * self.size
            for n, h in hit.items():
                for p in groups[n][0]:
                    column[p] = h
            self._columns[(rank, code)] = column

    def _by_rank(self, found: Mapping[Any, list[Finding]]) -> dict[int, dict[Any, int]]:
        """severity rank -> key -> the index in _found of the key's findings of that severity."""
        by_rank: dict[int, dict[Any, int]] = {}
        for key, findings in found.items():
            if len(findings) == 1:  # (nearly always: one finding, one part)
                by_rank.setdefault(findings[0].severity.rank, {})[key] = len(self._found)
                self._found.append((findings[0],))
                continue
            parts: dict[int, list[Finding]] = {}
            for f in findings:
                parts.setdefault(f.severity.rank, []).append(f)
            for rank, part in parts.items():
                by_rank.setdefault(rank, {})[key] = len(self._found)
                self._found.append(tuple(part))
        return by_rank

    @property
    def parts(self) -> list[tuple[Finding, ...]]:
        """The parts the lists are made of: a rule's findings of one severity for one key."""
        return self._found

    def lists(self) -> tuple[list[int], list[tuple[int, ...]]]:
        """(per position, the index of its list of findings in the second list; the distinct lists, each as
        the :attr:`parts` it is made of, in order: the findings of a list are those of its parts,
        :meth:`findings_of`)."""
        if not self._columns:
            return [0] * self.size, [()]
        columns = [self._columns[k] for k in sorted(self._columns)]  # the order check_application sorts into
        index: dict[tuple[int | None, ...], int] = {}
        of_position = [index.setdefault(combination, len(index)) for combination in zip(*columns, strict=True)]
        made_of = [tuple([h for h in combination if h is not None]) for combination in index]
        return of_position, made_of

    @staticmethod
    def findings_of(made_of: Sequence[int], parts: Sequence[tuple[Finding, ...]]) -> tuple[Finding, ...]:
        """The findings of a list made of ``parts`` ``made_of`` (see :meth:`lists`), in order."""
        return tuple([f for h in made_of for f in parts[h]])


def described_history(earlier: Iterable[Grant], fields: Sequence[str]) -> tuple[tuple[Any, ...], ...]:
    """Earlier grants as a rule that reads only ``fields`` of them sees them: per grant, which recipient
    (the first one named 0, the next 1; None without a business ID) and the values of ``fields``."""
    recipients: dict[str, int] = {}
    values = attrgetter(*fields) if len(fields) > 1 else (lambda g: tuple(getattr(g, f) for f in fields))
    return tuple(
        (None if g.business_id is None else recipients.setdefault(g.business_id, len(recipients)), *values(g))
        for g in earlier
    )


def grants_described(described: tuple[tuple[Any, ...], ...], fields: Sequence[str]) -> tuple[Grant, ...]:
    """Grants that have only what ``described_history`` kept (every other field empty)."""
    out = []
    for n, (recipient, *values) in enumerate(described):
        kwargs: dict[str, Any] = {"id": f"G{n}", "application_id": None, "applicant": "", "form": None, "year": None,
                                  "amount": Decimal(0), "business_id": None if recipient is None else str(recipient)}
        kwargs.update(zip(fields, values, strict=True))
        out.append(Grant(**kwargs))
    return tuple(out)

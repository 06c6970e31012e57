"""The check as a service: run the rules over the stored round, store the
findings, and read back each application's standing with the officer's
acceptances applied. Every later stage (propose, decide, payments) reads
applications' standing through the store (``adapters.store.standings``); the
standing itself and its policy are the domain's (``domain.standing``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import compress
from pathlib import Path
from typing import Any

from avustus_cli.adapters.store import Store, round_marks, rule_inputs
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.domain.check_summary import (
    VERDICT_ORDER,
    CheckSummary,
    Kind,
    first_by_verdict,
    kind_of,
    summarize,
    summarize_kinds,
)
from avustus_cli.domain.checking import (
    InputDecoder,
    RoundFindings,
    described_history,
    grants_described,
    sql_parameters,
)
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.fields import APPLICATION_FIELDS
from avustus_cli.domain.models import (
    SEVERITY_LABELS,
    Application,
    Finding,
    GrantForm,
    Severity,
    Verdict,
    finding_of,
    slim_application,
    verdict_for,
)
from avustus_cli.domain.rules import RULES, Rule, RuleContext
from avustus_cli.domain.rules._text import quote
from avustus_cli.domain.rules.registry import QUOTED_NAME
from avustus_cli.domain.standing import (
    Standing,
    apply_acceptances,
    earlier_grants,
    rules_version,
    standing_of,
    with_reopened,
)

__all__ = ["CheckedRound", "accept", "check_round", "current_results", "run_check", "unaccept", "write_check_workbook"]


def run_check(
    store: Store,
    settings: Settings,
    as_of: dt.date,
    app_ids: list[str] | None = None,
    slim: bool = False,
    *,
    reuse: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[Standing]:
    """Check the round's applications (or ``app_ids``), store findings and verdicts, return the results.

    The rules run only for applications whose findings could differ from the stored ones: each
    application's *fingerprint* (its data without personal data, its applicant's and lead's earlier
    grants, the decision makers' register, the settings, the rules' code and the as-of day) is stored
    with its verdict, and where it is unchanged the stored findings are the result (``reuse=False``
    runs every rule again). The officer's acceptances are applied afresh either way.

    When nothing the check reads changed since the last check that stored every verdict (the round's
    fingerprint, ``adapters.store.round_marks``, besides the same ``common`` inputs), the stored verdicts
    and findings are read back without looking at each application's fingerprint.

    The rules run rule by rule over the typed table of rule inputs (``adapters.store.rule_inputs``,
    brought up to date first): each rule once per distinct combination of the fields it reads among the
    applications its SQL predicate selects (see ``domain.rules.registry``); the findings are the same as
    ``check_application`` gives for each application.

    With ``slim`` the results carry only the application's identifying fields
    (id, applicant, business ID, form, year, requested): enough to show them,
    and a 100 000-application round then fits in little memory. ``progress(done, total)`` is called
    as the rules run.
    """
    with _no_cycle_collection():
        return _run_check(store, settings, as_of, app_ids, slim, reuse, progress)[0]


@dataclass(frozen=True)
class CheckedRound:
    """A check of the whole round as ``avustus check`` shows it: the summary of every result and, per
    verdict, the first results by id (``check_round``'s ``limit``)."""

    summary: CheckSummary
    first: dict[Verdict, list[Standing]]


def check_round(
    store: Store,
    settings: Settings,
    as_of: dt.date,
    limit: int,
    *,
    reuse: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> CheckedRound:
    """Check the whole round as ``run_check`` does (slim results) and give what its tables show: the summary
    of every result and the first ``limit`` results of each verdict.

    When the stored verdicts are what a check gives now (the round's fingerprint, see ``run_check``) and
    the acceptances are those the last check of the whole round counted under, its stored summary is the
    summary and only the results shown are read back (the check is recorded as every check is)."""
    with _no_cycle_collection():
        if reuse:
            lean = _read_shown(store, settings, as_of, limit)
            if lean is not None:
                return lean
        results, summary = _run_check(store, settings, as_of, None, True, reuse, progress, limit)
        return CheckedRound(summary or summarize(results), first_by_verdict(results, limit))


def _read_shown(store: Store, settings: Settings, as_of: dt.date, limit: int) -> CheckedRound | None:
    """``check_round`` of a round whose stored summary holds (None: it does not): the first ``limit`` results
    of each verdict read back, the officer's acceptances applied, the check recorded."""
    common = _common_fingerprint(settings, as_of, standing_store.positions(store))
    accepted = store.acceptances()
    text = round_marks.summary(store, round_marks.fingerprint(store, common), _acceptances_key(accepted))
    if text is None:
        return None
    summary = CheckSummary.from_json(text)
    rows = [r for v in VERDICT_ORDER if summary.verdicts[v][0] for r in round_marks.first_rows(store, v.value, limit)]
    read = _standings(rows, None, _Lists(functools.partial(round_marks.finding_texts, store)), accepted)
    if read.changed:  # (not what the summary counted: count again)
        return None
    with store.transaction():
        store.save_check(as_of, rules_version(), summary.total[0], [], [], _NO_ROWS, {})
    return CheckedRound(summary, first_by_verdict(_with_reopened(store, read.results), None))


def _ids(refs: str) -> list[str]:
    """The ids of the stored findings a stored list of them names (its JSON text, as the store writes it:
    ``"[]"``, or the ids with no spaces, such as ``"[3,17]"``), as the keys of the finding texts."""
    return refs[1:-1].split(",") if refs != "[]" else []


def _acceptances_key(accepted: dict[tuple[str, str], Any]) -> str:
    """What the verdicts and the summary depend on of the officer's acceptances: which findings are accepted."""
    return hashlib.sha256(repr(sorted(accepted)).encode()).hexdigest()[:24]


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A check makes a few objects per application (a million for a big round) and no reference cycles:
    the cyclic garbage collector, which would walk all of them again each time enough new ones are made
    (about a third of a 100 000-application check), waits until the check is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_check(
    store: Store, settings: Settings, as_of: dt.date, app_ids: list[str] | None, slim: bool, reuse: bool,
    progress: Callable[[int, int], None] | None, limit: int | None = None,
) -> tuple[list[Standing], CheckSummary | None]:
    """``run_check``'s results, and their summary when they are the whole round's (stored with them).

    With ``limit`` (slim results of the whole round) the results are made only for the first ``limit``
    applications of each verdict (by id), which is what ``check_round`` shows; the summary still counts
    every application."""
    listed = app_ids is not None
    positions = standing_store.positions(store)  # the conflict-of-interest register (J01)
    common = _common_fingerprint(settings, as_of, positions)
    accepted = store.acceptances()
    apps: list[Application] | None
    if reuse and not listed and round_marks.checked(store, common):
        # nothing a check reads changed since the last check stored every verdict: those are the results
        stored = list(round_marks.stored_rows(store))
        if stored and all(row[6] is not None for row in stored):  # (else the rules run for those without one)
            apps = None if slim else store.applications(None)
            read = _standings(stored, None, _Lists(functools.partial(round_marks.finding_texts, store)), accepted,
                              apps, count=True)
            assert read.summary is not None  # (counted)
            with store.transaction():
                store.save_check(as_of, rules_version(), len(stored), [], [], _NO_ROWS, read.changed)
                round_marks.set_summary(store, read.summary.to_json(), _acceptances_key(accepted))
            return _with_reopened(store, read.results), read.summary
    rule_inputs.refresh(store)
    if listed:
        missing = sorted(set(app_ids or ()) - set(rule_inputs.known_ids(store, app_ids or ())))
        if missing:
            raise NotFoundError(f"hakemusta {', '.join(missing)} ei ole tietokannassa.")
    # (id, slim fields ..., stored verdict, stored findings' ids, fingerprint, data hash, stale, row id)
    rows = rule_inputs.check_rows(store, common, listed, every=not reuse)
    stale = [row[0] for row in rows if row[10]]  # whose findings may differ from the stored ones
    lists = _Lists(functools.partial(round_marks.finding_texts, store))
    keys: Sequence[str | int] | None = None  # per row, its list's key: the stored one's refs, or a new list's index
    made_of: list[tuple[int, ...]] = []  # each new list's parts
    parts: list[tuple[Finding, ...]] = []
    fresh: tuple[Sequence[Any], ...] = _NO_ROWS
    if stale:
        row_ids, of_position, made_of, parts = _run_rules(store, settings, as_of, stale,
                                                          len(stale) == len(rows) and not listed, positions, progress)
        lists.add_made(made_of, parts)
        list_of = dict(zip(row_ids, of_position, strict=True))  # row id -> the index of its list
        ran = rows if len(stale) == len(rows) else [row for row in rows if row[10]]  # (by id, as ``rows``)
        made_at = list(map(list_of.__getitem__, map(_ROW_ID, ran)))
        if ran is rows:
            keys = made_at  # (a list of ints is a list of keys)
        else:
            at = iter(made_at)
            keys = [next(at) if row[10] else row[7] for row in rows]
        value_of = [v.value for v in lists.verdicts()]
        # written with the verdict of their findings none of which is accepted (``_standings`` says which differ)
        fresh = (list(map(_ID, ran)), list(map(value_of.__getitem__, made_at)), made_at, list(map(_DATA_HASH, ran)),
                 list(map(_FINGERPRINT, ran)))
    apps = None if slim else store.applications([row[0] for row in rows] if listed else None)
    if apps is not None and len(apps) != len(rows):
        raise AssertionError("the applications and their rule inputs differ")  # (the store lists both by id)
    read = _standings(rows, keys, lists, accepted, apps, None if listed or not slim else limit, count=not listed)
    summary = read.summary
    with store.transaction():
        store.save_check(as_of, rules_version(), len(rows), parts, made_of, fresh, read.changed,
                         every=len(stale) == len(rows) and not listed)
        if summary is not None:  # every stored verdict is now what a check under ``common`` gives
            round_marks.set_checked(store, common)
            round_marks.set_summary(store, summary.to_json(), _acceptances_key(accepted))
        else:
            if fresh[0]:  # some are from other inputs than the others'
                round_marks.set_checked(store, None)
            if fresh[0] or read.changed:  # the stored summary no longer counts the stored verdicts
                round_marks.set_summary(store, None)
    return _with_reopened(store, read.results), summary


class _Lists:
    """The distinct lists of findings a check reads, by key: a stored list's JSON text of finding ids
    (``_ids``), or the index of a list the rules made (``add_made``). Of each, once: its findings
    (:meth:`found`; of a list the rules made, only when asked), their verdict when none of them is
    accepted, and the index in ``kinds`` of what a summary reads of them (``kind_of``). ``texts(ids)``
    gives the stored findings ``ids`` by id."""

    def __init__(self, texts: Callable[[Iterable[str]], dict[str, Finding]]) -> None:
        self._texts = texts
        self.kinds: dict[Kind, int] = {kind_of(()): 0}
        # key -> (its findings, None until asked for a list the rules made; their verdict; their kind)
        self.of: dict[str | int, tuple[tuple[Finding, ...] | None, Verdict, int]] = {"[]": ((), Verdict.ELIGIBLE, 0)}
        self._made_of: Sequence[tuple[int, ...]] = ()
        self._parts: Sequence[tuple[Finding, ...]] = ()
        self._made_verdicts: list[Verdict] = []

    def add_made(self, made_of: Sequence[tuple[int, ...]], parts: Sequence[tuple[Finding, ...]]) -> None:
        """The lists the rules made, each as the ``parts`` it is made of (see ``RoundFindings.lists``), as keys
        0, 1, ...: their verdict is the severity of their first part (most severe first) and what a summary
        reads of them (``kind_of``) is found once per distinct shape (the (code, severity) of each part, which
        the findings of a part share) from the shape alone; their findings are put together only when asked
        (:meth:`found`). A big round's lists are nearly as many as its applications: each step is one pass
        in C over them (``map``), and only the distinct shapes are looked at one by one."""
        of_part: dict[tuple[str, Severity], int] = {}  # (code, severity) -> its number
        part_kind = [of_part.setdefault((p[0].code, p[0].severity), len(of_part)) for p in parts]
        code_of = [code for code, _ in of_part]
        problem_of = [s is Severity.BLOCKING or s is Severity.DEFICIENCY for _, s in of_part]
        review_of = [s is Severity.REVIEW for _, s in of_part]
        verdict_of = [_VERDICT_OF[p[0].severity] for p in parts]
        verdict_of.append(Verdict.ELIGIBLE)  # (the "first part" of a list of no parts: -1)
        shapes = list(map(tuple, map(map, itertools.repeat(part_kind.__getitem__), made_of)))
        kinds, of = self.kinds, self.of
        kind_at = {  # (kind_of of findings none of which is accepted, from their codes and severities)
            shape: kinds.setdefault((frozenset(map(code_of.__getitem__, shape)), any(map(problem_of.__getitem__, shape)),
                                     any(map(review_of.__getitem__, shape))), len(kinds))
            for shape in dict.fromkeys(shapes)}
        self._made_of, self._parts = made_of, parts
        self._made_verdicts = list(map(verdict_of.__getitem__, map(next, map(iter, made_of), itertools.repeat(-1))))
        of.update(enumerate(zip(itertools.repeat(None), self._made_verdicts, map(kind_at.__getitem__, shapes),
                                strict=False)))  # (key n: its findings, not made yet; its verdict; its kind)

    def found(self, key: str | int) -> tuple[Finding, ...]:
        """The findings of the list ``key`` (known: see :meth:`read`)."""
        found, verdict, kind = self.of[key]
        if found is None:
            found = RoundFindings.findings_of(self._made_of[int(key)], self._parts)
            self.of[key] = (found, verdict, kind)
        return found

    def verdicts(self) -> list[Verdict]:
        """The verdict of each list the rules made (keys 0, 1, ...: see :meth:`add_made`)."""
        return self._made_verdicts

    def read(self, keys: Iterable[str | int]) -> None:
        """Make the stored lists among ``keys`` known."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self.of]
        if not wanted:
            return
        texts = self._texts({i for refs in wanted for i in _ids(str(refs))})
        kinds, of = self.kinds, self.of
        for refs in wanted:
            found = tuple([texts[i] for i in _ids(str(refs))])
            of[refs] = (found, _VERDICT_OF[found[0].severity] if found else Verdict.ELIGIBLE,
                        kinds.setdefault(kind_of(found), len(kinds)))


@dataclass
class _Read:
    """What ``_standings`` makes of rows of applications."""

    results: list[Standing]
    changed: dict[str, str]  # application id -> its verdict, where it is not the stored one
    summary: CheckSummary | None


def _standings(
    rows: Sequence[tuple[Any, ...]], keys: Sequence[str | int] | None, lists: _Lists,
    accepted: dict[tuple[str, str], Any], apps: Sequence[Application] | None = None, limit: int | None = None,
    count: bool = False,
) -> _Read:
    """The results of applications ``rows`` (by id: id, applicant, business ID, form, year, requested as
    stored, the stored verdict, the stored findings' ids as JSON, as ``round_marks.stored_rows`` and
    ``rule_inputs.check_rows`` give them) with the officer's acceptances applied: each one's list of
    findings is the one ``keys`` names (None: the stored one); a list the rules made is stored with the
    verdict of its findings none of which is accepted.

    The results are slim (their application from its row) unless ``apps`` gives each row's application;
    with ``limit`` only the first ``limit`` of each verdict are made. With ``count`` the summary counts
    every row (``summarize_kinds``; what it reads of a list is found once per distinct list, and for each
    application with an acceptance). ``changed`` names the applications whose verdict is not the one stored
    (an acceptance given or revoked since)."""
    stored_at: Sequence[int]  # the rows whose list is a stored one
    if keys is None:
        keys = list(map(_STORED_REFS, rows))
        stored_at = range(len(rows))
    else:
        stored_at = [i for i, k in enumerate(keys) if k.__class__ is str]
    lists.read(map(keys.__getitem__, stored_at))
    of = lists.of
    known = list(map(of.__getitem__, keys))
    verdict_at = list(map(_SECOND, known))
    applied: dict[int, tuple[Finding, ...]] = {}
    kind_at: list[int] = list(map(_THIRD, known)) if count else []
    if accepted:
        with_acceptance = {a for a, _ in accepted}
        for i, row in enumerate(rows):
            if row[0] in with_acceptance:
                findings = applied[i] = tuple(apply_acceptances(row[0], lists.found(keys[i]), accepted))
                verdict_at[i] = verdict_for(findings)
                if count:
                    kind_at[i] = lists.kinds.setdefault(kind_of(findings), len(lists.kinds))
    # a row whose list the rules made is written with that list's verdict (``known``): only a stored list's
    # row and one with an acceptance can have a verdict other than the one written
    changed: dict[str, str] = {}
    for i in sorted({*stored_at, *applied}) if applied else stored_at:
        row, verdict = rows[i], verdict_at[i]
        if (row[6] if keys[i].__class__ is str else known[i][1]) != verdict:  # (a StrEnum equals its value)
            changed[row[0]] = verdict.value
    summary = None
    if count:
        if apps is None:  # (each distinct amount made once)
            raw = list(map(_REQUESTED_RAW, rows))
            amount_of = {r: None if r is None else _amount(r) for r in set(raw)}
            amounts = list(map(amount_of.__getitem__, raw))
        else:
            amounts = [a.requested for a in apps]
        summary = summarize_kinds(verdict_at, amounts, kind_at, list(lists.kinds))
    if limit is None:
        shown: Iterable[int] = range(len(rows))
    else:
        shown = sorted(i for v in VERDICT_ORDER for i in itertools.islice(
            itertools.compress(itertools.count(), map(operator.is_, verdict_at, itertools.repeat(v))), limit))
    results = []
    for i in shown:
        if apps is None:  # the slim application from its rule-input values (as ``codec`` decodes them)
            app_id, applicant, business_id, form, year, requested = rows[i][:6]
            app = slim_application(app_id, "" if applicant is None else applicant, business_id,
                                   _FORMS[form] if form else None, year, None if requested is None else _amount(requested))
        else:
            app = apps[i]
        results.append(standing_of(app, verdict_at[i], applied[i] if i in applied else lists.found(keys[i])))
    return _Read(results, changed, summary)


# the verdict of findings none of which is accepted, by the most severe one (as ``verdict_for`` gives it)
_VERDICT_OF = {Severity.BLOCKING: Verdict.INELIGIBLE, Severity.DEFICIENCY: Verdict.SUPPLEMENT,
               Severity.REVIEW: Verdict.REVIEW, Severity.NOTE: Verdict.ELIGIBLE}

# a row of ``rule_inputs.check_rows``: its id, fingerprint, data hash and row id
_ID, _FINGERPRINT, _DATA_HASH, _ROW_ID = (operator.itemgetter(n) for n in (0, 8, 9, 11))
# a row of ``rule_inputs.check_rows`` or ``round_marks.stored_rows``: its requested amount as stored, its stored
# findings' ids; and an entry of ``_Lists.of``: its verdict, its kind
_REQUESTED_RAW, _STORED_REFS, _SECOND, _THIRD = (operator.itemgetter(n) for n in (5, 7, 1, 2))
_NO_ROWS: tuple[Sequence[Any], ...] = ((), (), (), (), ())  # ``Store.save_check``'s columns of no application


def _run_rules(
    store: Store, settings: Settings, as_of: dt.date, ids: list[str], everything: bool, positions: tuple,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[int], list[int], list[tuple[int, ...]], list[tuple[Finding, ...]]]:
    """Every rule over the applications ``ids`` (``everything``: the whole round): (their row ids in
    rule_inputs, per application the index of its findings in the third list, the distinct lists of
    findings, each as the parts it is made of in ``check_application``'s order, and the parts: see
    ``RoundFindings.lists``).

    The rules without an SQL predicate read their columns in one pass over the table, the others the rows
    their predicate selects, in one pass for all the rules of the same predicate. Each rule runs once per distinct combination of what it reads among the
    applications its predicate selects.

    The passes are asked for in the order the rules first need them, and over the whole round made ahead
    (``rule_inputs.Reads``): while a rule runs, the next rules' passes are read. A rule's findings are
    added in the rules' order once the positions of its applications are known (from the pass over every
    row, which the first rules with a predicate need not wait for)."""
    listed = not everything
    if listed:
        rule_inputs.use_ids(store, ids)
    rules = [r for r in RULES.values() if _runs(r, positions)]
    # the passes, in the order the rules first need them: per SQL predicate, the rows it selects with the
    # columns its rules read; over every row, the columns of the first rule without a predicate (its row ids
    # give every rule's positions: a short pass, read early) and those of the others
    passes: dict[str | int, tuple[str | None, dict[str, int]]] = {}  # -> (predicate, expression -> column)
    pass_of: dict[str, str | int] = {}  # rule code -> its pass (a predicate; 0 or 1: over every row)
    for r in rules:
        key = pass_of[r.code] = r.where or (1 if 0 in passes else 0)
        columns_of = passes.setdefault(key, (r.where, {}))[1]  # (the row ids are column 0)
        for e in rule_inputs.HISTORY_EXPRESSIONS if r.needs == "history" else _expressions(r):
            columns_of.setdefault(e, len(columns_of) + 1)
    passes.setdefault(0, (None, {}))
    with rule_inputs.Reads(store, sql_parameters(settings), listed) as reads:
        handle: dict[str | int, int] = {}
        histories = -1
        for r in rules:  # (asked for in the order they are needed)
            key = pass_of[r.code]
            if key not in handle:
                handle[key] = reads.columns(list(passes[key][1]), passes[key][0])
            if r.needs == "history" and histories < 0:
                histories = reads.histories()
        if 0 not in handle:
            handle[0] = reads.columns([], None)
        reads.start()
        made = _Made(progress, len(RULES))
        _rules_over(store, settings, as_of, positions, reads, handle, histories, passes, pass_of, made)
    row_ids, gathered = made.row_ids, made.gathered
    assert row_ids is not None and gathered is not None  # (the pass over every row is always taken)
    del made  # before the lists are made: a big round's columns take much memory
    of_position, made_of = gathered.lists()
    return row_ids, of_position, made_of, gathered.parts


def _rules_over(
    store: Store, settings: Settings, as_of: dt.date, positions: tuple, reads: rule_inputs.Reads,
    handle: dict[str | int, int], histories: int, passes: dict[str | int, tuple[str | None, dict[str, int]]],
    pass_of: dict[str, str | int], made: _Made,
) -> None:
    """``_run_rules``' rules, in order, each over its pass (``pass_of``) of ``passes`` (read by ``reads``:
    ``handle``); ``histories``: the read of the recipients' histories (a rule on earlier grants). What they
    find is added to ``made``."""
    selected: dict[str, list[list[Any]]] = {}  # predicate -> the columns it selects
    decoder = InputDecoder()
    ctx = RuleContext(settings, as_of, (), positions)
    texts_seen: dict[int, str] = {}
    first = functools.partial(reads.take_columns, handle[0])
    for n, rule in enumerate(RULES.values(), 1):
        if not _runs(rule, positions):
            made.done(n)
            continue
        key = pass_of[rule.code]
        where, columns_of = passes[key]
        if where is not None:  # the rows of rules with the same predicate are read once, with all their columns
            if where not in selected:
                selected[where] = reads.take_columns(handle[where])
            found = selected[where]
        else:
            assert isinstance(key, int)
            found = made.every_row(first, key, functools.partial(reads.take_columns, handle[key]))
        read = [found[columns_of[e]] for e in (rule_inputs.HISTORY_EXPRESSIONS if rule.needs == "history"
                                               else _expressions(rule))]
        if rule.needs == "history":
            _run_history_rule(store, rule, settings, as_of, positions, found[0], read,
                              reads.take_histories(histories), made.gathered)
        else:
            keys = list(zip(*read, strict=True)) if read else [()] * len(found[0])
            made.add(rule.code, _findings_by_key(store, rule, keys, decoder, ctx, texts_seen), keys,
                     where, found[0])
        made.done(n)
    made.every_row(first, 0, first)
    made.passes.clear()


class _Made:
    """What ``_run_rules``' rules found, added to ``RoundFindings`` in the rules' order as soon as the
    applications' positions are known (from the pass over every row, :meth:`every_row`); the rules that
    ran before are added then, and ``progress`` told of them."""

    def __init__(self, progress: Callable[[int, int], None] | None, rules: int) -> None:
        self.progress = progress
        self.rules = rules
        self.row_ids: list[int] | None = None  # of the applications, in the order of their positions
        self.passes: dict[int, list[list[Any]]] = {}  # the passes over every row read (in the positions' order)
        self.gathered: RoundFindings | None = None
        self.position_of: dict[int, int] | None = None  # row id -> position
        self.at: dict[str, list[int]] = {}  # predicate -> the positions of the rows it selects
        # the rules' findings added once the positions are known: (code, found, keys, predicate, row ids)
        self.waiting: list[tuple[str, dict[tuple[Any, ...], list[Finding]], list[tuple[Any, ...]], str | None,
                                 list[int]]] = []
        self.ran = 0  # the rules done
        self._told = 0  # the rules ``progress`` was told of (once the positions are known)

    def every_row(self, first: Callable[[], list[list[Any]]], key: int,
                  read: Callable[[], list[list[Any]]]) -> list[list[Any]]:
        """The columns of the pass over every row ``key``, read (``read``) the first time, in the order of
        the positions, which the first such pass gives (``first``, read first)."""
        if self.gathered is None:
            columns = self.passes[0] = first()
            self.row_ids = columns[0]
            total = len(self.row_ids)
            self.gathered = RoundFindings(total)
            if self.progress:
                self.progress(0, total)
            for waiting in self.waiting:
                self._add(*waiting)
            self.waiting = []
            self._tell(self.ran)
        if key in self.passes:
            return self.passes[key]
        columns = self.passes[key] = read()
        if columns[0] != self.row_ids:  # (the same rows in another order: put in the positions' order)
            assert self.row_ids is not None
            of = dict(zip(columns[0], range(len(columns[0])), strict=True))
            if len(of) != len(self.row_ids):
                raise AssertionError("the passes over every row read other rows")
            order = list(map(of.__getitem__, self.row_ids))
            columns = self.passes[key] = [[c[i] for i in order] for c in columns]
        return columns

    def _positions(self) -> dict[int, int]:
        """row id -> position."""
        if self.position_of is None:
            assert self.row_ids is not None
            self.position_of = dict(zip(self.row_ids, range(len(self.row_ids)), strict=True))
        return self.position_of

    def add(self, code: str, found: dict[tuple[Any, ...], list[Finding]], keys: list[tuple[Any, ...]],
            where: str | None, rows: list[int]) -> None:
        """A rule's findings per key, ``keys`` those of the rows ``rows`` (row ids) its predicate ``where``
        selects (None: every row, in order)."""
        if self.gathered is None:
            self.waiting.append((code, found, keys, where, rows))
        else:
            self._add(code, found, keys, where, rows)

    def _add(self, code: str, found: dict[tuple[Any, ...], list[Finding]], keys: list[tuple[Any, ...]],
             where: str | None, rows: list[int]) -> None:
        assert self.gathered is not None and self.row_ids is not None
        at: list[int] | None = None
        if where is not None:
            at = self.at.get(where)
            if at is None:
                at = self.at[where] = list(map(self._positions().__getitem__, rows))
        self.gathered.add(code, found, keys, at)

    def done(self, n: int) -> None:
        """The first ``n`` rules have run."""
        self.ran = n
        if self.gathered is not None:
            self._tell(n)

    def _tell(self, n: int) -> None:
        if self.progress and self.row_ids is not None:
            total = len(self.row_ids)
            for k in range(self._told + 1, n + 1):
                self.progress(total * k // self.rules, total)
            self._told = n


def _runs(rule: Rule, positions: tuple) -> bool:
    """Whether the rule can find anything: a rule on the decision makers' register needs one."""
    return rule.needs != "positions" or bool(positions)


def _expressions(rule: Rule) -> list[str]:
    """The SQL expressions of the rule's columns of rule inputs (``_columns``); a name the rule reads by its
    kind (``Rule.by_name``) as its text, which is nearly always another in each application."""
    out = list(map(rule_inputs.column_expression, _columns(rule)))
    if rule.by_name is not None:
        at = rule.reads.index(rule.by_name[0])
        out[at] = rule_inputs.text_expression(rule.by_name[0])
    return out


def _columns(rule: Rule) -> list[str | tuple[str, str]]:
    """The rule's columns of rule inputs: a field it reads, or (field, the condition where it reads it)."""
    return [(f, rule.reads_when[f]) if f in rule.reads_when else f for f in rule.reads]


def _findings_by_key(
    store: Store, rule: Rule, keys: Iterable[tuple[Any, ...]], decoder: InputDecoder, ctx: RuleContext,
    texts_seen: dict[int, str],
) -> dict[tuple[Any, ...], list[Finding]]:
    """The rule's findings for each distinct key (the values of its columns, a text column's as the id
    of its text)."""
    distinct = dict.fromkeys(keys)
    named = rule.by_name[0] if rule.by_name is not None else None  # (read as its text)
    text_at = [k for k, f in enumerate(rule.reads) if f in rule_inputs.TEXT_COLUMNS and f != named]
    if text_at:
        wanted = {key[k] for key in distinct for k in text_at if key[k] is not None} - texts_seen.keys()
        if wanted:
            texts_seen.update(rule_inputs.texts(store, wanted))
    if rule.by_name is not None:
        return _findings_by_name(rule, distinct, texts_seen, decoder, ctx)
    out: dict[tuple[Any, ...], list[Finding]] = {}
    for key in distinct:
        values = key
        if text_at:
            values = tuple(texts_seen[x] if k in text_at and x is not None else x for k, x in enumerate(key))
        found = rule.check(decoder.app(rule.reads, values), ctx)
        if found:
            out[key] = found
    return out


def _findings_by_name(
    rule: Rule, keys: Iterable[tuple[Any, ...]], texts_seen: dict[int, str], decoder: InputDecoder, ctx: RuleContext,
) -> dict[tuple[Any, ...], list[Finding]]:
    """``_findings_by_key`` of a rule that reads a name by its kind (``Rule.by_name``; ``keys`` distinct, the
    name as its text and the other text columns' texts in ``texts_seen``): the rule runs once per distinct kind of name and values of its other fields,
    with a placeholder for the quoted name; each key's findings are those with its own quoted name in the
    placeholder's place."""
    assert rule.by_name is not None and rule.check_kind is not None
    name_field, kind_of = rule.by_name
    at = rule.reads.index(name_field)
    others = rule.reads[:at] + rule.reads[at + 1:]
    text_at = frozenset(k for k, f in enumerate(others) if f in rule_inputs.TEXT_COLUMNS)
    apps: dict[tuple[Any, ...], Application] = {}  # the values of the other fields -> the application of them
    made: dict[tuple[Any, ...], list[Any]] = {}  # (those, kind) -> findings, or (severity, field, message's parts)
    code, check_kind, decode = rule.code, rule.check_kind, decoder.decoder(name_field)
    out: dict[tuple[Any, ...], list[Finding]] = {}
    for key in keys:
        other = key[:at] + key[at + 1:]
        app = apps.get(other)
        if app is None:
            values = tuple(texts_seen[x] if k in text_at and x is not None else x for k, x in enumerate(other))
            app = apps[other] = decoder.app(others, values)
        n = key[at]
        name = getattr(app, name_field) if n is None else decode(n)
        kind = kind_of(app, name)
        outputs = made.get((other, kind))
        if outputs is None:
            found = check_kind(app, ctx, kind, QUOTED_NAME)
            # (the findings themselves when no message quotes the name: the same for every name)
            outputs = made[(other, kind)] = (
                [(f.severity, f.field, f.message.split(QUOTED_NAME)) for f in found]
                if any(QUOTED_NAME in f.message for f in found) else found)
        if outputs and outputs[0].__class__ is tuple:
            quoted = quote(name)
            out[key] = [finding_of(code, severity, quoted.join(parts), field) for severity, field, parts in outputs]
        elif outputs:
            out[key] = list(outputs)
    return out


def _run_history_rule(
    store: Store, rule: Rule, settings: Settings, as_of: dt.date, positions: tuple, row_ids: list[int],
    read: Sequence[list[Any]], histories: tuple[dict[str, int], dict[int, str]], gathered: RoundFindings | None,
) -> None:
    """A rule on earlier grants (R01): once per distinct history, as the rule sees it (``reads_grants``).

    ``read`` are the applications' values of ``rule_inputs.HISTORY_EXPRESSIONS``, in the order of ``row_ids``.
    The applications of one applicant (``business_id``, or the lead of a joint application when that is the
    applicant itself or the applicant has no business ID) and year, none of which a grant was made on, share
    their earlier grants: those of that recipient before the year. Recipients whose grants are alike
    (``rule_inputs.grant_histories``) share them as the rule sees them, so the grants are made objects for one
    recipient of each kind only. The other applications (of an applicant and a lead besides it, or of a group
    a grant was made on one of) are seen a group at a time as ``earlier_grants`` gives them."""
    assert gathered is not None
    history_of, example = histories
    if not history_of:
        return
    business_ids, lead_ids, years, granted = read
    keys = list(zip(business_ids, lead_ids, years, strict=True))  # (applicant, lead, year) of each application
    granted_groups = set(compress(keys, granted))
    alike: dict[tuple[int, int | None], list[tuple]] = {}  # (history, year) -> keys
    others = []
    for key in dict.fromkeys(keys):  # (in the order of the applications, as the groups are numbered)
        business_id, lead_id, year = key
        if business_id not in history_of and lead_id not in history_of:
            continue
        recipients = {k for k in (business_id, lead_id) if k}
        if key in granted_groups or len(recipients) != 1:
            others.append(key)
            continue
        history = history_of.get(recipients.pop())
        if history is not None:
            alike.setdefault((history, year), []).append(key)
    groups: dict[tuple, int] = {}  # described history -> its group
    group_of: dict[tuple, int] = {}  # key -> the group of every application with that key
    own: list[tuple[int, int]] = []  # (position, group) of an application whose group is not its key's
    fields = rule.reads_grants
    if alike:
        grants = store.grants_of({example[h] for h, _ in alike})
        for (h, year), of_history in alike.items():
            recipient = example[h]
            earlier = earlier_grants("", recipient, None, year, {recipient: grants.get(recipient, ())})
            if earlier:
                g = groups.setdefault(described_history(earlier, fields), len(groups))
                group_of.update(dict.fromkeys(of_history, g))
    if others:
        history_by = store.grants_of({k for b, lead, _ in others for k in (b, lead) if k})
        split = [key for key in others if key in granted_groups]  # (those a grant was made on one of)
        at_of: dict[tuple, list[int]] = {key: [] for key in split}
        if split:
            wanted = set(split)
            for p in compress(range(len(keys)), map(wanted.__contains__, keys)):
                at_of[keys[p]].append(p)
        app_ids = rule_inputs.application_ids(store, [row_ids[p] for at in at_of.values() for p in at])
        for key in others:
            business_id, lead_id, year = key
            earlier = earlier_grants("", business_id, lead_id, year, history_by)
            if not earlier:
                continue
            at = at_of.get(key, ())
            granted_on = {app_ids[row_ids[p]] for p in at if granted[p]}  # those a grant was made on
            if granted_on and any(g.application_id in granted_on for g in earlier if g.application_id is not None):
                for p in at:  # a grant made on one of these applications is not its own history
                    mine = earlier_grants(app_ids[row_ids[p]], business_id, lead_id, year, history_by)
                    if mine:
                        own.append((p, groups.setdefault(described_history(mine, fields), len(groups))))
            else:
                group_of[key] = groups.setdefault(described_history(earlier, fields), len(groups))
    if not groups:
        return
    of_row = list(map(group_of.get, keys))
    for p, g in own:
        of_row[p] = g
    blank = Application(id="")
    gathered.add(rule.code, {
        g: rule.check(blank, RuleContext(settings, as_of, grants_described(described, fields), positions))
        for described, g in groups.items()}, of_row)


def _common_fingerprint(settings: Settings, as_of: dt.date, positions: tuple) -> str:
    """A hash of what every application's findings are computed from besides its own data and earlier
    grants: the rules' code, the settings, the day and the decision makers' register. An application's
    findings are reused while this, its data hash and the grant marks of its applicant and lead (raised by
    every write to their grants, payments and reports) are what they were (``rule_inputs.check_rows``)."""
    register = hashlib.sha256(repr(positions).encode()).hexdigest()
    text = f"{code_fingerprint()}|{rules_version()}|{settings!r}|{as_of.isoformat()}|{register}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


_CODE_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """A hash of the code the rules are: the domain package's source and the versions of the libraries
    the findings' wording and dates depend on (a new program version re-runs every rule)."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        import avustus_cli
        from avustus_cli import domain

        h = hashlib.sha256(avustus_cli.__version__.encode())
        for path in sorted(Path(domain.__file__).parent.rglob("*.py")):
            h.update(path.relative_to(Path(domain.__file__).parent).as_posix().encode())
            h.update(path.read_bytes())
        for dist in ("holidays", "Babel", "python-stdnum"):
            h.update(f"{dist}={dist_version(dist)}".encode())
        _CODE_FINGERPRINT = h.hexdigest()[:16]
    return _CODE_FINGERPRINT


def dist_version(dist: str) -> str | None:
    """The installed version of the distribution ``dist`` (None: not installed), as
    ``importlib.metadata.version`` gives it: read from the name of its ``.dist-info`` folder on the import
    path when there is one (importlib.metadata itself takes longer to import than a check of an unchanged
    round takes to read 10 000 results), else asked of importlib.metadata."""
    import os
    import sys

    prefix = dist.lower().replace("-", "_") + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix):-len(".dist-info")]
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return None


@functools.lru_cache(maxsize=4096)
def _amount(text: str | int | float) -> Decimal:
    """``Decimal(text)`` (amounts recur across a round; a Decimal is immutable)."""
    return Decimal(text)


_FORMS = {f.value: f for f in GrantForm}


def _with_reopened(store: Store, results: list[Standing]) -> list[Standing]:
    return with_reopened(results, standing_store.reopened_codes(store))


def current_results(store: Store, with_personal: bool = False) -> list[Standing]:
    """Each stored application's standing (see ``adapters.store.standings.current_standings``)."""
    return standing_store.current_standings(store, with_personal)


def accept(store: Store, app_id: str, code: str, reason: str) -> None:
    """The officer accepts a finding (review, deficiency or note) with a reason."""
    code = code.strip().upper()
    if code not in RULES:
        raise NotFoundError(f"sääntökoodia {code} ei ole. Luettelo: avustus rules")
    if not reason.strip():
        raise ValidationError("perustelu puuttuu: anna --reason \"...\" (se näkyy tarkistuksessa ja lokissa).")
    if app_id not in store.content_hashes():
        raise NotFoundError(f"hakemusta {app_id} ei ole tietokannassa. Tarkista hakemusnumero (avustus status).")
    verdict = store.verdicts().get(app_id)
    if verdict is None or verdict["content_hash"] != store.content_hashes()[app_id]:
        raise ValidationError(
            f"hakemuksen {app_id} tiedot ovat muuttuneet viimeisimmän tarkistuksen jälkeen (tai sitä ei ole "
            "tarkistettu): aja ensin avustus check, jotta kuittaat havainnon nykyisistä tiedoista."
        )
    findings = store.findings(app_id).get(app_id, [])
    match = [f for f in findings if f.code == code]
    if not match:
        raise NotFoundError(
            f"hakemuksella {app_id} ei ole havaintoa {code} viimeisimmässä tarkistuksessa. Aja ensin: avustus check"
        )
    if any(f.severity is Severity.BLOCKING for f in match):
        raise ValidationError(
            f"havainto {code} on hylkäävä, eikä sitä voi kuitata hyväksytyksi. Korjaa tieto hakemukseen ja tuo se uudelleen."
        )
    with store.transaction():
        store.accept(app_id, code, reason.strip())


def unaccept(store: Store, app_id: str, code: str) -> None:
    with store.transaction():
        if not store.revoke(app_id, code.strip().upper()):
            raise NotFoundError(f"hakemuksella {app_id} ei ole voimassa olevaa kuittausta havainnolle {code}.")


_VERDICT_ORDER = (Verdict.INELIGIBLE, Verdict.SUPPLEMENT, Verdict.REVIEW, Verdict.ELIGIBLE)


def field_label(name: str | None) -> str:
    """The Finnish header of a field as the export names it ("Oikeudellinen muoto", not legal_form)."""
    if not name:
        return ""
    spec = APPLICATION_FIELDS.get(name)
    return spec.label if spec else name


def write_check_workbook(path: Path, results: list[Standing]) -> Path:
    from avustus_cli.adapters.excel import Sheet, write_workbook  # here: a check without --xlsx writes no workbook

    headers = ["Hakemus", "Hakija", "Y-tunnus", "Haettu", "Tulos", "Koodi", "Vakavuus", "Havainto", "Kenttä", "Kuitattu"]
    rows = []
    for r in results:
        for f in r.findings:
            rows.append([r.app.id, r.app.applicant, r.app.business_id, r.app.requested, r.verdict.label, f.code,
                         SEVERITY_LABELS[f.severity], f.message, field_label(f.field), f.accepted_reason or ""])
    sheets = [Sheet("Havainnot", headers, rows, money_columns=(3,), widths={1: 36, 7: 80})]
    for verdict in _VERDICT_ORDER:
        group = [r for r in results if r.verdict is verdict]
        sheets.append(
            Sheet(
                verdict.label.capitalize()[:31],
                ["Hakemus", "Hakija", "Y-tunnus", "Haettu", "Havainnot"],
                [[r.app.id, r.app.applicant, r.app.business_id, r.app.requested,
                  "\n".join(f"{f.code} {f.message}" for f in r.open_findings)] for r in group],
                money_columns=(3,),
                widths={1: 36, 4: 90},
            )
        )
    return write_workbook(path, sheets)

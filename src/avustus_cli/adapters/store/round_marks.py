"""The round's fingerprint: whether anything a check reads from the round changed since the last check
that stored every application's verdict, read from a few counters instead of 100 000 rows.

A change to an application's data deletes its row of rule inputs (the triggers of migration 10), and each
deleted row raises ``round_marks.removed`` (migration 11); a new application raises the count of
applications, and its row of rule inputs the count of those rows; every write to a grant, its payments or
its reports raises a grant mark (migration 10), so the marks' sum. With the check's own inputs (the
rules' code, the settings, the day and the register of decision makers: ``common``) these make the
fingerprint :func:`checked` compares with the one :func:`set_checked` stored.

Beside it the summary of that check (``domain.check_summary``: counts and sums per verdict and per rule)
is stored with the acceptances it was counted under (:func:`set_summary`); :func:`summary` gives it back
while the round's fingerprint and the acceptances are what they were, and :func:`first_rows` reads only the
results a check's tables show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from avustus_cli.adapters.store import Store
from avustus_cli.domain.models import Finding, Severity, finding_of

__all__ = ["checked", "finding_texts", "fingerprint", "first_rows", "set_checked", "set_summary", "stored_rows",
           "summary"]

_MARKS = """select (select count(*) from applications), (select count(*) from rule_inputs),
                   (select coalesce(max(rowid), 0) from rule_inputs), coalesce((select removed from round_marks where id = 1), 0),
                   (select count(*) from grant_marks), (select coalesce(sum(mark), 0) from grant_marks)"""


def fingerprint(store: Store, common: str) -> str:
    """The round's fingerprint now, under the check's own inputs ``common``."""
    marks = store.conn.execute(_MARKS).fetchone()
    return common + "|" + ",".join(map(str, marks))


def checked(store: Store, common: str) -> bool:
    """Whether the stored verdicts are what a check under ``common`` would store now: the last check
    that stored every verdict was made under the fingerprint the round has now."""
    stored = store.conn.execute("select checked from round_marks where id = 1").fetchone()
    return stored is not None and stored[0] == fingerprint(store, common)


def set_checked(store: Store, common: str | None) -> None:
    """Record that every stored verdict is what a check under ``common`` gives for the round as it is now
    (None: forget it)."""
    value = None if common is None else fingerprint(store, common)
    store.conn.execute("insert into round_marks (id, checked) values (1, ?) on conflict (id) do update set checked = ?",
                       (value, value))


def stored_rows(store: Store) -> Iterator[tuple[Any, ...]]:
    """For each application, by id, as read: (id, applicant, business ID, form, year, requested as stored, the stored
    verdict, the stored findings' ids as JSON), as ``rule_inputs.check_rows`` gives them (None for an
    application with no stored verdict)."""
    yield from store.conn.execute(
        """select r.application_id, t.value, r.business_id, r.form, r.year, r.requested, v.verdict, v.findings
           from rule_inputs r
           left join rule_texts t on t.id = r.applicant
           left join verdicts v on v.application_id = r.application_id
           order by r.application_id""").fetchall()


def first_rows(store: Store, verdict: str, limit: int) -> list[tuple[Any, ...]]:
    """The first ``limit`` applications, by id, whose stored verdict is ``verdict``, as :func:`stored_rows`
    gives them."""
    return store.conn.execute(
        """select r.application_id, t.value, r.business_id, r.form, r.year, r.requested, v.verdict, v.findings
           from verdicts v
           join rule_inputs r on r.application_id = v.application_id
           left join rule_texts t on t.id = r.applicant
           where v.verdict = ? order by v.application_id limit ?""", (verdict, limit)).fetchall()


_SEVERITY = {s.value: s for s in Severity}


def finding_texts(store: Store, ids: Iterable[str]) -> dict[str, Finding]:
    """The stored findings ``ids`` (as the stored lists name them) by id."""
    wanted = sorted(set(ids), key=int)
    if not wanted:
        return {}
    return {str(n): finding_of(code, _SEVERITY[sev], msg, fld) for n, code, sev, msg, fld in store.conn.execute(
        "select id, code, severity, message, field from finding_texts where id in (select value from json_each(?))",
        (json.dumps([int(n) for n in wanted]),))}


def summary(store: Store, fingerprint_now: str, acceptances: str) -> str | None:
    """The summary :func:`set_summary` stored, if every stored verdict is what a check gives now (the round's
    fingerprint is ``fingerprint_now``, as :func:`fingerprint` gives it, and was when the summary was stored)
    and the acceptances are ``acceptances`` as they were; else None."""
    row = store.conn.execute("select checked, summary from round_marks where id = 1").fetchone()
    if row is None or row[0] != fingerprint_now or row[1] is None:
        return None
    stored_fingerprint, stored_acceptances, text = row[1].split("\n", 2)
    return text if stored_fingerprint == fingerprint_now and stored_acceptances == acceptances else None


def set_summary(store: Store, text: str | None, acceptances: str = "") -> None:
    """Store the summary ``text`` of a check that stored every verdict under the round's fingerprint as it is
    now (:func:`set_checked`), counted under the acceptances ``acceptances`` (None: forget it; so must every
    check that changes a stored verdict without storing every verdict)."""
    value = None
    if text is not None:
        checked_now = store.conn.execute("select checked from round_marks where id = 1").fetchone()
        if checked_now is None or checked_now[0] is None:
            return
        value = f"{checked_now[0]}\n{acceptances}\n{text}"
    store.conn.execute("insert into round_marks (id, summary) values (1, ?) on conflict (id) do update set summary = ?",
                       (value, value))

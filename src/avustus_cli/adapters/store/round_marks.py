"""The round's fingerprint: whether anything a check reads from the round changed since the last check
that stored every application's verdict, read from a few counters instead of 100 000 rows.

A change to an application's data deletes its row of rule inputs (the triggers of migration 10), and each
deleted row raises ``round_marks.removed`` (migration 11); a new application raises the count of
applications, and its row of rule inputs the count of those rows; every write to a grant, its payments or
its reports raises a grant mark (migration 10), so the marks' sum. With the check's own inputs (the
rules' code, the settings, the day and the register of decision makers: ``common``) these make the
fingerprint :func:`checked` compares with the one :func:`set_checked` stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from avustus_cli.adapters.store import Store

__all__ = ["checked", "fingerprint", "set_checked", "stored_rows"]

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

"""A check's reads of rule inputs made ahead on a second connection (``rule_inputs.Reads``): the same columns
and histories as read on the store's connection, errors raised as the store's connection raises them, and
the reading thread always ended."""

from __future__ import annotations

import random
import sqlite3
import threading

import pytest

from avustus_cli.adapters.store import Store, rule_inputs
from avustus_cli.domain.checking import sql_parameters
from avustus_cli.domain.rules import RULES
from avustus_cli.services import checking as checks

from .test_rule_inputs import DAY, SETTINGS, _random_app, _store

PARAMS = sql_parameters(SETTINGS)


@pytest.fixture
def store(tmp_path) -> Store:
    rnd = random.Random(7)
    made = _store(tmp_path / "a.db", [_random_app(rnd, n) for n in range(60)])
    rule_inputs.refresh(made)
    return made


def _reading_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "avustus-rule-inputs"]


def _reads(store: Store, listed: bool = False) -> tuple[rule_inputs.Reads, list[tuple[list[str], str | None]]]:
    """Reads of every rule's columns by its predicate, asked for (not started)."""
    reads = rule_inputs.Reads(store, PARAMS, listed)
    asked = [(checks._expressions(r), r.where) for r in RULES.values() if r.needs != "history"]
    for expressions, where in asked:
        reads.columns(expressions, where)
    return reads, asked


def test_reads_made_ahead_are_those_of_the_store_connection(store):
    reads, asked = _reads(store)
    histories = reads.histories()
    with reads:
        reads.start()
        assert reads.ahead
        for k, (expressions, where) in enumerate(asked):
            assert reads.take_columns(k) == rule_inputs.columns(store, expressions, where, params=PARAMS), where
        assert reads.take_histories(histories) == rule_inputs.grant_histories(store)
    assert not _reading_threads()


def test_listed_reads_and_a_database_without_write_ahead_log_are_read_on_the_store_connection(store, tmp_path):
    ids = [r[0] for r in store.conn.execute("select application_id from rule_inputs order by rowid desc limit 9")]
    rule_inputs.use_ids(store, ids)
    reads, asked = _reads(store, listed=True)
    with reads:
        reads.start()
        assert not reads.ahead  # (the temporary table of the ids is the store connection's own)
        for k, (expressions, where) in enumerate(asked):
            assert reads.take_columns(k) == rule_inputs.columns(store, expressions, where, listed=True, params=PARAMS)
    store.conn.execute("pragma journal_mode = delete")
    reads, asked = _reads(store)
    with reads:
        reads.start()
        assert not reads.ahead
        assert reads.take_columns(0) == rule_inputs.columns(store, *asked[0], params=PARAMS)


def test_a_failing_read_is_raised_as_the_store_connection_raises_it_and_the_reads_after_it_are_made(store):
    reads = rule_inputs.Reads(store, PARAMS)
    first = reads.columns(["[category]"], "form = 'project'")
    bad = reads.columns(["[no_such_column]"])
    after = reads.columns(["[year]"], "joint = 1")
    with reads:
        reads.start()
        assert reads.ahead
        assert reads.take_columns(first) == rule_inputs.columns(store, ["[category]"], "form = 'project'")
        with pytest.raises(sqlite3.OperationalError, match="no such column: no_such_column"):
            reads.take_columns(bad)
        assert reads.take_columns(after) == rule_inputs.columns(store, ["[year]"], "joint = 1")
    assert not _reading_threads()


def test_the_thread_ends_when_the_reads_are_left_untaken(store):
    reads, _ = _reads(store)
    with pytest.raises(KeyError), reads:
        reads.start()
        assert reads.ahead
        raise KeyError("a rule failed")
    assert not _reading_threads()
    assert not reads.ahead  # (its connection closed)


def test_progress_is_told_from_zero_to_every_application_rule_by_rule(store):
    """The rules with a predicate run before the pass over every row is read; ``progress`` is still told
    0 first and then each rule's share, in order, up to every application."""
    told: list[tuple[int, int]] = []
    checks.run_check(store, SETTINGS, DAY, reuse=False, progress=lambda done, total: told.append((done, total)))
    total = store.conn.execute("select count(*) from rule_inputs").fetchone()[0]
    assert told == [(0, total)] + [(total * n // len(RULES), total) for n in range(1, len(RULES) + 1)]


def test_a_second_pass_over_every_row_in_another_order_is_put_in_the_positions_order():
    made = checks._Made(None, 1)
    first = [[3, 1, 2], ["c", "a", "b"]]
    assert made.every_row(lambda: first, 0, lambda: first) == first
    assert made.every_row(lambda: first, 1, lambda: [[1, 2, 3], ["A", "B", "C"]]) == [[3, 1, 2], ["C", "A", "B"]]
    with pytest.raises(AssertionError, match="other rows"):
        made.every_row(lambda: first, 2, lambda: [[1, 2], ["A", "B"]])


def test_reads_in_a_transaction_of_the_store_connection_see_what_it_has_not_committed(store):
    with store.transaction():
        store.conn.execute("update rule_inputs set category = 99 where rowid = (select min(rowid) from rule_inputs)")
        with rule_inputs.Reads(store, PARAMS) as reads:
            handle = reads.columns(["[category]"], "category = 99")
            reads.start()
            assert not reads.ahead
            assert reads.take_columns(handle)[1] == [99]
        store.conn.execute("update rule_inputs set category = 98 where category = 99")


def test_the_thread_reads_only_a_few_reads_ahead_of_the_one_taken(store):
    """What the thread has read waits in memory until taken: it stops a few reads ahead of the last one taken
    (or waited for), and goes on as they are taken."""
    import time

    reads, asked = _reads(store)
    ahead = rule_inputs._AHEAD
    assert len(asked) > 2 * ahead
    with reads:
        reads.start()

        def read_up_to(n: int) -> None:  # (waits until the reads before n are read)
            for _ in range(1000):
                if max(reads._read, default=-1) >= n - 1:
                    return
                time.sleep(0.01)

        read_up_to(ahead)
        time.sleep(0.2)  # (time for a thread that ran on to read more)
        assert sorted(reads._read) == list(range(ahead))
        reads.take_columns(0)
        read_up_to(ahead + 1)
        time.sleep(0.2)
        assert sorted(reads._read) == list(range(1, ahead + 1))
        for k in range(1, len(asked)):  # the rest as before
            assert reads.take_columns(k) == rule_inputs.columns(store, *asked[k], params=PARAMS)

"""The one worker pool (adapters.workers): state through the initializer, so
'spawn' (Windows, macOS) gives the same results as running in this process."""

from __future__ import annotations

import multiprocessing

import pytest

from avustus_cli.adapters.workers import map_chunks

_STATE: dict | None = None  # set in each worker by _init, never inherited


def _init(state: dict) -> None:
    global _STATE
    _STATE = state


def _work(chunk: list[int]) -> list[str]:
    assert _STATE is not None, "the initializer did not run in this process"
    return [f"{_STATE['prefix']}{n * _STATE['factor']}" for n in chunk]


def _run(workers: int, start_method: str | None = None) -> list[list[str]]:
    chunks = ([i, i + 1, i + 2] for i in range(0, 60, 3))  # a generator, as the database gives them
    return list(map_chunks(_work, chunks, initializer=_init, initargs=({"prefix": "x", "factor": 7},),
                           workers=workers, start_method=start_method))


def test_in_process_when_one_worker():
    global _STATE
    _STATE = None
    got = _run(1)
    assert got[0] == ["x0", "x7", "x14"] and len(got) == 20
    assert _STATE is not None  # the initializer ran here


@pytest.mark.parametrize("method", ["spawn", None])
def test_workers_give_the_same_results_in_the_same_order(method):
    if method and method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    global _STATE
    _STATE = None  # a fork child would inherit nothing useful: state must come through the initializer
    assert _run(2, method) == _run(1)


def test_an_error_in_a_worker_reaches_the_caller():
    with pytest.raises(AssertionError, match="initializer did not run"):
        list(map_chunks(_work, [[1]], workers=2, start_method="spawn"))


def test_the_check_service_under_spawn_matches_one_process(tmp_path, monkeypatch):
    """The rules over a big round, in workers started by 'spawn' (as on Windows):
    the same standings as in one process (nothing relies on fork-inherited globals)."""
    import datetime as dt
    import functools

    from avustus_cli.adapters import workers
    from avustus_cli.adapters.store import Store
    from avustus_cli.domain.config import load_settings
    from avustus_cli.services import checking as checks

    from .conftest import SAMPLE, Cli

    cli = Cli(tmp_path / "a.db", SAMPLE / "avustus.toml")
    cli("import", SAMPLE / "hakemukset.xlsx")
    cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx")
    settings = load_settings(SAMPLE / "avustus.toml")
    store = Store.open(tmp_path / "a.db")

    def run():
        res = checks.run_check(store, settings, dt.date(2027, 1, 10), slim=True, reuse=False)
        return [(r.app.id, r.app.applicant, r.app.requested, r.app.form, r.verdict, r.findings) for r in res]

    monkeypatch.setattr(checks, "PARALLEL_MIN", 10**9)
    one = run()
    used = []

    def spawned(*a, **k):
        used.append(1)
        return workers.map_chunks(*a, **{**k, "workers": 2, "start_method": "spawn"})

    monkeypatch.setattr(checks, "PARALLEL_MIN", 1)
    monkeypatch.setattr(checks, "_CHUNK", 25)
    monkeypatch.setattr(checks, "_WORKER_STATE", None)
    monkeypatch.setattr(checks, "map_chunks", spawned)
    monkeypatch.setattr(checks.os, "cpu_count", functools.partial(int, 2))
    assert run() == one
    assert used, "the worker path was not taken"

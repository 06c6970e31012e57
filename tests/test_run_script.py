"""run.py spreads the tests over the cores unless the caller chose otherwise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_module():
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("cores", "args", "expected"),
    [
        (2, [], ["-n", "2"]),
        (16, ["-q"], ["-n", "4"]),
        (1, [], []),
        (None, [], []),
        (8, ["-n0"], []),
        (8, ["-n", "3"], []),
        (8, ["--numprocesses=2"], []),
        (8, ["-p", "no:xdist"], []),
        (8, ["-m", "not slow"], ["-n", "4"]),
    ],
)
def test_workers_follow_the_cores_and_the_callers_choice(monkeypatch, cores, args, expected):
    run = _run_module()
    monkeypatch.setattr(run.os, "cpu_count", lambda: cores)
    assert run.workers(args) == expected

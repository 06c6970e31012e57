"""run.py spreads the tests over the cores unless the caller chose otherwise."""

from __future__ import annotations

import importlib.util
import os
import shutil
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
        (2, [], ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]),
        (16, ["-q"], ["-n", "4", "--dist", "loadfile", "--no-loadscope-reorder"]),
        (1, [], []),
        (None, [], []),
        (8, ["-n0"], []),
        (8, ["-n", "3"], []),
        (8, ["--numprocesses=2"], []),
        (8, ["-p", "no:xdist"], []),
        (8, ["-m", "not slow"], ["-n", "4", "--dist", "loadfile", "--no-loadscope-reorder"]),
        (8, ["--dist", "load"], []),
    ],
)
def test_workers_follow_the_cores_and_the_callers_choice(monkeypatch, cores, args, expected):
    run = _run_module()
    monkeypatch.setattr(run.os, "cpu_count", lambda: cores)
    assert run.workers(args) == expected


def test_the_longest_files_named_to_run_first_are_test_files_and_run_first(request):
    """conftest.LONGEST_FIRST names test files that exist, and this run has their tests first, in that order."""
    from .conftest import LONGEST_FIRST

    assert all((ROOT / "tests" / name).is_file() for name in LONGEST_FIRST)
    order = list(dict.fromkeys(item.path.name for item in request.session.items))
    here = [name for name in LONGEST_FIRST if name in order]
    assert order[:len(here)] == here


def test_tests_and_demo_keep_bytecode_where_python_and_pip_put_it_even_when_asked_not_to_write_it(monkeypatch):
    run = _run_module()
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    env = run.child_env()
    # a prefix would hide the libraries' bytecode that pip wrote beside them: every worker would compile again
    assert "PYTHONDONTWRITEBYTECODE" not in env and "PYTHONPYCACHEPREFIX" not in env
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", "/elsewhere")  # the user's own choice stays
    assert run.child_env()["PYTHONPYCACHEPREFIX"] == "/elsewhere"


def test_the_tests_temporary_files_go_to_a_memory_folder_of_the_run_unless_chosen(tmp_path):
    run = _run_module()
    assert run.memory_temp(["--basetemp", str(tmp_path)]) is None and run.memory_temp([f"--basetemp={tmp_path}"]) is None
    shm = Path("/dev/shm")
    folder = run.memory_temp(["-q"])
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        assert folder is None
        return
    other = run.memory_temp(["-q"])
    try:
        assert folder is not None and folder.parent == shm and folder.is_dir() and not any(folder.iterdir())
        assert other is not None and other != folder  # each run its own
    finally:
        for made in (folder, other):
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)

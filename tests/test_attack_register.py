"""The register of attack, kill and personal-data tests names real tests, and the reliability
document names the tests the register gives for each finding of the attack run."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from .attack_register import ISSUE_15, MARKS

TESTS = Path(__file__).resolve().parent
DOC = TESTS.parent / "docs" / "reliability.md"


@functools.cache  # the register names hundreds of tests in a few files
def _test_functions(file: str) -> set[str]:
    tree = ast.parse((TESTS / file).read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_name_in_the_register_is_a_test():
    refs = [ref for refs in (*ISSUE_15.values(), *MARKS.values()) for ref in refs]
    missing = [ref for ref in refs if ref.split("::")[1] not in _test_functions(ref.split("::")[0])]
    assert not missing, missing
    assert all(ISSUE_15.values())  # every finding has a test


def test_the_reliability_document_names_each_findings_tests():
    text = DOC.read_text(encoding="utf-8")
    missing = [f"{item}: {ref}" for item, refs in ISSUE_15.items() for ref in refs if ref.split("::")[1] not in text]
    assert not missing, missing


@pytest.mark.slow  # collects the listed test files once (several seconds) when this run has not
def test_the_figures_in_the_reliability_document_are_the_counted_ones(request):
    """The three figures docs/reliability.md states are what pytest counts now (a case added to a
    listed test changes them, and the document must follow). The cases are the ones this run collected
    when it collected every listed file (the whole suite), else a collection of those files of its own."""
    import re
    import subprocess
    import sys

    from .conftest import COLLECTED

    text = DOC.read_text(encoding="utf-8")
    files = sorted({TESTS / ref.split("::")[0] for refs in MARKS.values() for ref in refs})
    collected = request.config.stash.get(COLLECTED, [])
    whole_files = not any("::" in arg for arg in request.config.args)  # no single test named on the command line
    if whole_files and {f.name for f in files} <= {file for file, _test in collected}:
        cases = [f"{file}::{test}" for file, test in collected]
    else:
        out = subprocess.run([sys.executable, "-m", "pytest", "-m", " or ".join(MARKS), "--collect-only", "-q", "-p", "no:xdist",
                              "-p", "no:cacheprovider", *map(str, files)], capture_output=True, text=True, cwd=TESTS.parent)
        cases = [line.split("[")[0] for line in out.stdout.splitlines() if "::" in line]
        assert cases, out.stdout[-500:] + out.stderr[-500:]
    for mark, refs in MARKS.items():
        stated = re.search(rf"pytest -m {mark} --collect-only -q -p no:xdist \| grep -c :: +# (\d+)", text)
        assert stated, mark
        counted = sum(Path(case.split("::")[0]).name + "::" + case.split("::")[1] in refs for case in cases)
        assert counted == int(stated.group(1)), (mark, counted)

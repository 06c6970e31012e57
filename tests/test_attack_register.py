"""The register of attack, kill and personal-data tests names real tests, and the reliability
document names the tests the register gives for each finding of the attack run."""

from __future__ import annotations

import ast
from pathlib import Path

from .attack_register import ISSUE_15, MARKS

TESTS = Path(__file__).resolve().parent
DOC = TESTS.parent / "docs" / "reliability.md"


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

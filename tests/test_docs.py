"""The officer's guide and the CLI reference: generated, current, and every command documented."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


guide = _load("make_guide")
reference = _load("make_cli_reference")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("opas")
    return workdir, guide.run_steps(workdir)


def test_every_guide_command_runs(outcomes):
    """0 done, 1 findings; never 2 (could not run) and never a crash."""
    _, results = outcomes
    ran = [o for o in results if o.step.args and not o.skipped]
    assert len(ran) >= 15
    for o in ran:
        assert o.exit_code in (0, 1), f"avustus {' '.join(o.step.args)} -> {o.exit_code}\n{o.output[-2000:]}"
        assert "Virhe:" not in o.output and "poikkeus" not in o.output, o.output[-2000:]


def test_guide_covers_the_whole_round(outcomes):
    available = guide.available_commands()  # builds the whole command tree: once, not per step
    commands = {guide.command_name(s.args, available) for s in guide.STEPS if s.args}
    for needed in ("init", "import", "status", "check", "accept", "propose", "decide", "payments", "report",
                   "overdue", "backup", "stats", "export", "positions import", "conflicts"):  # fmt: skip
        assert needed in commands, needed
    assert any(s.args[:2] == ("import", "--history") for s in guide.STEPS)


def test_guide_in_docs_is_generated_and_shows_real_output(outcomes):
    text = (DOCS / "kayttoopas.md").read_text(encoding="utf-8")
    assert "docs/make_guide.py" in text
    for step in guide.STEPS:
        if step.args:
            assert "avustus " + " ".join(guide._quote_arg(a) for a in step.args) in text
    assert "--install-completion" in text and "--show-completion" in text
    workdir, results = outcomes
    rendered = guide.render(results, workdir)
    assert rendered.count("```") == text.count("```")  # same steps, same shape (outputs carry timestamps)


def test_skipped_command_gets_a_note(tmp_path):
    step = guide.Step("X", "Ei vielä.", ("tulevaisuus", "--as-of", "2027-01-01"))
    results = guide.run_steps(tmp_path, (step,))
    assert results[0].skipped and results[0].exit_code is None
    assert "Ohitettu" in guide.render(results, tmp_path)


def test_cli_reference_is_up_to_date():
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == reference.render(), (
        "docs/cli.md on vanhentunut: aja .venv/bin/python docs/make_cli_reference.py"
    )


def test_every_command_has_an_example_line():
    missing = [" ".join(p) for p, cmd in reference.leaf_commands() if "Esimerkki:" not in (cmd.help or "")]
    assert not missing, f"komennon ohjeesta puuttuu 'Esimerkki:' -rivi: {missing}"


def test_every_command_is_in_the_reference():
    text = reference.render()
    for path, _ in reference.leaf_commands():
        assert f"## avustus {' '.join(path)}\n" in text


def test_completion_options_are_enabled():
    root = reference.root_command()
    opts = {o for p in root.params for o in p.opts}
    assert {"--install-completion", "--show-completion", "--version"} <= opts


# --- facts the developer docs state about the code ---------------------------------------------


def _documented_keys(section: str) -> set[str]:
    """The top-level context keys a section of docs/templates.md lists: the first cell of its
    table rows, or the `key: type` items of its prose."""
    keys: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            keys.update(re.findall(r"`(\w+)`", line.split("|")[1]))
        elif not line.startswith("|"):
            keys.update(re.findall(r"`(\w+):", line))
    return keys


def test_templates_md_lists_each_documents_context():
    from avustus_cli.adapters.render import DOCUMENTS, example_context

    text = (DOCS / "templates.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### `(\w+)` — .*?\n(.*?)(?=^##)", text, flags=re.M | re.S))
    assert set(sections) == set(DOCUMENTS)
    for name in DOCUMENTS:
        assert _documented_keys(sections[name]) == set(example_context(name)), name


def test_docs_name_only_files_and_modules_that_exist():
    src = ROOT / "src" / "avustus_cli"
    modules = {p.name for p in src.rglob("*.py")}
    for doc in [*DOCS.glob("*.md"), ROOT / "README.md"]:
        text = doc.read_text(encoding="utf-8")
        for path in set(re.findall(r"\btests/test_\w+\.py\b", text)):
            assert (ROOT / path).exists(), f"{doc.name}: {path}"
        for dotted in set(re.findall(r"\bavustus_cli(?:\.\w+)+", text)):
            parts = dotted.split(".")
            # a module or package, or a name in one
            assert any(
                (ROOT / "src" / Path(*parts[:n])).with_suffix(".py").exists() or (ROOT / "src" / Path(*parts[:n])).is_dir()
                for n in (len(parts) - 1, len(parts)) if n >= 2
            ) or parts[1] in ("templates", "sample_data"), f"{doc.name}: {dotted}"
        for name in set(re.findall(r"`(\w+\.py)`", text)):
            assert name in modules or (ROOT / "docs" / name).exists() or list(ROOT.glob(f"*/{name}")), f"{doc.name}: {name}"


def _params(test) -> list:
    return [v for mark in getattr(test, "pytestmark", []) if mark.name == "parametrize" for v in mark.args[1]]


def test_reliability_md_counts_the_fault_tests_there_are():
    from . import test_faults as faults

    text = (DOCS / "reliability.md").read_text(encoding="utf-8")
    points = len(_params(faults.test_import_killed_at_a_point_leaves_the_state_before))
    times = "/".join(f"{t:g}" for t in _params(faults.test_import_killed_after_a_time_is_all_or_nothing))
    purge = len(_params(faults.test_purge_killed_leaves_the_state_before))
    assert f"import killed at {points} fixed points and after {times} s; purge killed at {purge} points" in text
    procs = re.search(r"for k in range\((\d+)\)", inspect.getsource(faults.test_concurrent_imports_all_land)).group(1)
    assert f"test_concurrent_imports_all_land` ({procs} processes at once)" in text

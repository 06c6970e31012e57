"""Progress bars and machine output: bars on stderr for a terminal, never with --json, never on stdout."""

from __future__ import annotations

import json

import pytest

from avustus_cli import cli as cli_mod
from avustus_cli.cli import progress

from .conftest import SAMPLE, Cli


@pytest.fixture
def round_(tmp_path):
    c = Cli(tmp_path / "a.db", SAMPLE / "avustus.toml")
    c("import", SAMPLE / "hakemukset.xlsx")
    return c


@pytest.fixture
def terminal(monkeypatch):
    """stderr is a terminal, and the bar shows at once (no half-second grace)."""
    monkeypatch.setattr(cli_mod.err, "_force_terminal", True)
    monkeypatch.setattr(cli_mod.err, "is_interactive", True)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0)


def test_check_on_a_terminal_shows_a_bar_on_stderr_and_the_same_stdout(round_, tmp_path, monkeypatch):
    plain = round_("check", "--as-of", "2027-01-10")
    assert "Tarkistetaan" not in plain.stderr  # not a terminal: no bar
    round_("unaccept", "X", "Y")  # a harmless command between the runs
    monkeypatch.setattr(cli_mod.err, "_force_terminal", True)
    monkeypatch.setattr(cli_mod.err, "is_interactive", True)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0)
    shown = round_("check", "--as-of", "2027-01-10")
    assert "Tarkistetaan" in shown.stderr
    assert shown.stdout == plain.stdout and shown.exit_code == plain.exit_code


@pytest.mark.parametrize("args", [("check", "--as-of", "2027-01-10", "--json"), ("import", str(SAMPLE / "hakemukset.xlsx"), "--json")])
def test_json_output_has_no_progress_noise(round_, terminal, args):
    r = round_(*args)
    assert "Tarkistetaan" not in r.stderr and "Tuodaan" not in r.stderr and "\x1b[" not in r.stderr  # no bar drawn
    json.loads(r.stdout)


def test_import_on_a_terminal_shows_a_bar(tmp_path, terminal):
    r = Cli(tmp_path / "b.db", SAMPLE / "avustus.toml")("import", SAMPLE / "hakemukset.xlsx")
    assert r.exit_code == 0 and "Tuodaan" in r.stderr and "Tuodaan" not in r.stdout


def test_a_quick_command_never_shows_the_bar(monkeypatch):
    monkeypatch.setattr(cli_mod.err, "_force_terminal", True)
    with progress.Progress("Tarkistetaan", "hakemusta") as bar:  # over before half a second
        bar.update(1, 2)
        assert bar._bar is None


def test_import_json_is_what_rich_wrote(tmp_path):
    """import --json is written with json.dumps (a 100 000-row summary is slow through rich), in the very
    bytes rich's print_json gave."""
    import io

    from rich.console import Console

    r = Cli(tmp_path / "c.db", SAMPLE / "avustus.toml")("import", SAMPLE / "hakemukset.xlsx", "--json")
    assert r.exit_code == 0
    buf = io.StringIO()
    Console(file=buf, soft_wrap=True, width=160).print_json(json.dumps(json.loads(r.stdout), ensure_ascii=False))
    assert r.stdout == buf.getvalue()
    assert "ä" in r.stdout  # Finnish letters as they are, not escaped

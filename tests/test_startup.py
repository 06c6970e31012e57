"""Start-up: the command line loads a command's module (and its libraries) only when it runs."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import typer.main

HEAVY = ("holidays", "openpyxl", "python_calamine", "jinja2", "docxtpl", "docx", "babel", "sqlite_utils")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nimport json; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_cli_imports_no_outside_library():
    loaded = _loaded_after("import avustus_cli.cli")
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    commands = sorted(m for m in loaded if m.startswith("avustus_cli.cli.") or m.startswith("avustus_cli.services"))
    assert heavy == [] and commands == []


def test_the_help_screen_imports_no_command_module():
    loaded = _loaded_after(
        "from avustus_cli.cli import command\n"
        "try:\n    command()(['--help'], prog_name='avustus')\nexcept SystemExit:\n    pass"
    )
    assert sorted(m for m in loaded if m.startswith("avustus_cli.cli.") or m.split(".")[0] in HEAVY) == []


def test_the_registry_lists_what_the_modules_register():
    """COMMANDS (names, modules, one-line help) is what the command modules themselves say."""
    from avustus_cli.cli import COMMANDS, app, command

    root = command()
    registered = {}
    for name, (module, _summary) in COMMANDS.items():
        cmd = root.commands[name]  # imports the module
        registered[name] = (module, inspect.cleandoc(cmd.help or "").split("\n\n")[0])
        assert f"avustus_cli.cli.{module}" in sys.modules
    assert registered == COMMANDS
    names = {i.name or typer.main.get_command_name(i.callback.__name__) for i in app.registered_commands}
    names |= {g.name for g in app.registered_groups}
    assert names == set(COMMANDS)


def test_the_settings_file_name_is_the_one_the_help_names():
    from avustus_cli import cli
    from avustus_cli.domain.config import SETTINGS_FILE

    assert cli.SETTINGS_FILE == SETTINGS_FILE


def test_a_command_help_screen_is_finnish(cli):
    r = cli("status", "--help")
    assert r.exit_code == 0 and "Valitsimet" in r.stdout and "Näytä tämä ohje." in r.stdout


def test_a_group_without_a_command_shows_its_help_and_no_error(cli):
    r = cli("positions")
    assert r.exit_code == 2
    assert "import" in r.stdout and "Virhe" not in r.output


_RUN_AND_LIST = """
import atexit, json, sys
atexit.register(lambda: sys.__stderr__.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["avustus", *sys.argv[1:]]
from avustus_cli.cli import main
main()
"""


def _loaded_by_command(args: list[str], cwd) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    return {m.split(".")[0] for m in json.loads(line.removeprefix("MODULES "))}


def test_the_short_commands_load_no_outside_library_they_do_not_use(tmp_path):
    """--version, status and a check of an unchanged round (as the officer runs them, the settings in the
    working folder) import no Excel reader, templates, sqlite-utils, pluggy or holidays (no deadline is
    computed when no rule runs)."""
    from .conftest import SAMPLE

    (tmp_path / "avustus.toml").write_bytes((SAMPLE / "avustus.toml").read_bytes())
    assert _loaded_by_command(["import", str(SAMPLE / "hakemukset.xlsx")], tmp_path) & {"python_calamine", "sqlite_utils"}
    _loaded_by_command(["check", "--as-of", "2027-01-10"], tmp_path)
    unused = (set(HEAVY) - {"babel"}) | {"pluggy"}  # Babel formats the euros status shows
    for args in (["--version"], ["status"], ["check", "--as-of", "2027-01-10"]):
        assert sorted(_loaded_by_command(args, tmp_path) & unused) == [], args

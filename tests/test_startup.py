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


def _loaded_by_command(args: list[str], cwd, whole: bool = False) -> set[str]:
    """The packages (``whole``: the modules) the command ``avustus ARGS`` has imported when it exits."""
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    modules = json.loads(line.removeprefix("MODULES "))
    return set(modules) if whole else {m.split(".")[0] for m in modules}


def test_the_short_commands_load_no_outside_library_they_do_not_use(tmp_path):
    """--version, status, a check of an unchanged round and overdue (as the officer runs them, the settings
    in the working folder) import no Excel reader, templates, sqlite-utils, pluggy, pydantic (the option
    values) or python-stdnum, and only overdue the holiday calendar (no deadline is computed when no rule
    runs); overdue does not load the decision's modules either."""
    from .conftest import SAMPLE, Cli

    (tmp_path / "avustus.toml").write_bytes((SAMPLE / "avustus.toml").read_bytes())
    assert _loaded_by_command(["import", str(SAMPLE / "hakemukset.xlsx")], tmp_path) & {"python_calamine", "sqlite_utils"}
    round_ = Cli(tmp_path / "avustus.db", tmp_path / "avustus.toml")  # the rest of the set-up in this process
    assert round_("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    assert round_("check", "--as-of", "2027-01-10").exit_code in (0, 1)
    unused = (set(HEAVY) - {"babel"}) | {"pluggy", "pydantic", "stdnum"}  # Babel formats the euros status shows
    for args in (["--version"], ["status"], ["check", "--as-of", "2027-01-10"]):
        assert sorted(_loaded_by_command(args, tmp_path) & unused) == [], args
    overdue = _loaded_by_command(["overdue", "--as-of", "2027-09-01"], tmp_path, whole=True)
    assert "holidays" in {m.split(".")[0] for m in overdue}  # the reports' deadlines were computed
    assert sorted({m.split(".")[0] for m in overdue} & (unused - {"holidays"})) == []
    assert sorted(m for m in overdue if m.startswith(("avustus_cli.services.deciding", "avustus_cli.domain.rules",
                                                      "avustus_cli.adapters.excel", "avustus_cli.cli.decide_cmds"))) == []


def _typer_own(param, value, ctx):
    """What Typer itself (its pydantic TypeAdapter) makes of ``value`` for ``param``: the value, or the
    message of the error it raises."""
    from typer._coercion import build_runtime_param

    try:
        return ("ok", build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx))
    except Exception as e:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(e).__name__, str(e))


def _ours(param, value, ctx):
    try:
        return ("ok", param.get_runtime_param().coerce(value, param=param, ctx=ctx))
    except Exception as e:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(e).__name__, str(e))


def test_option_values_are_converted_as_typer_converts_them_without_pydantic(tmp_path):
    """Every text, path, number and flag option of every command gets the value (or the error) Typer's own
    pydantic conversion gives, for plain and unusual inputs alike; the plain ones need no pydantic."""
    from pathlib import Path

    from typer._click.core import Context

    from avustus_cli.cli import COMMANDS, _PlainValue, command

    root = command()
    samples = {
        str: ["", "AV-2027-001", "§ 12", " väli ", "\udcff", "--x"],
        Path: ["", "a b/c.xlsx", str(tmp_path), str(tmp_path / "missing" / "x.db"), "~/x", "\udcff"],
        int: ["0", "1", "007", "2", " 3", "1_000", "+4", "-1", "x", "7.0", "٣", "12345678901234567890", 5],
        bool: [True, False, "true", "0", "kyllä"],
    }
    seen: set[object] = set()
    params = [(root, p) for p in root.params]
    for name in COMMANDS:
        cmd = root.commands[name]
        subs = list(getattr(cmd, "commands", {}).values()) or [cmd]
        params += [(c, p) for c in subs for p in c.params]
    for cmd, param in params:
        annotation = param.type_descriptor.annotation
        if not isinstance(param.get_runtime_param(), _PlainValue):
            continue
        ctx = Context(cmd, info_name=cmd.name)
        leaf = annotation.__args__[0] if hasattr(annotation, "__args__") else annotation
        values = samples[leaf]
        if param.multiple:
            values = [tuple(values[:3]), tuple(values), ()]
        for value in values:
            assert _ours(param, value, ctx) == _typer_own(param, value, ctx), (cmd.name, param.name, value)
        seen.add((annotation, param.type_descriptor.parameter_info.min is not None))
    assert {(str, False), (Path, False), (int, False), (int, True), (bool, False), (list[str], False),
            (list[int], False)} <= seen

    # the plain values alone: no pydantic
    loaded = _loaded_after(
        "from typer._click.core import Context\n"
        "from avustus_cli.cli import command\n"
        "root = command()\n"
        "for name, values in (('check', ['--as-of', '2027-01-10', '--code', 'E01', '--xlsx', 'x.xlsx']),\n"
        "                     ('paid', ['AV-1', '--date', '2027-01-01', '--instalment', '2'])):\n"
        "    cmd = root.commands[name]\n"
        "    cmd.make_context(name, values, parent=Context(root, info_name='avustus'))"
    )
    assert sorted(m for m in loaded if m.split(".")[0] == "pydantic") == []

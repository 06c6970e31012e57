"""A folder given where a file is wanted, or a file where a folder is: one Finnish line naming the
option and the path, exit 2, and nothing changed (never "odottamaton ohjelmavirhe"). Every path
option and argument of every command is listed here; a test holds the list equal to the CLI's."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Cli, app_row, dump, write_xlsx

X = "<X>"  # where the path under test goes

# (command line, what the option wants): every path that a command writes
OUTPUTS: list[tuple[list[str], str]] = [
    (["init", "--file", X], "file"),
    (["check", "--as-of", "2027-01-10", "--xlsx", X], "file"),
    (["propose", "--out", X], "folder"),
    (["decide", "--date", "2027-01-26", "--section", "§ 12", "--letters", X], "folder"),
    (["amend", "H-0001", "--date", "2027-02-23", "--section", "§ 30", "--reason", "Oikaisu.", "--letters", X], "folder"),
    (["payments", "--xlsx", X], "file"),
    (["report", "H-0001", "--accept", "--letters", X], "folder"),
    (["agreement", "H-0001", "--out", X], "folder"),
    (["review", "decide", "H-0001", "--date", "2027-03-01", "--section", "§ 30", "--outcome", "kept", "--reasons",
      "Päätös on lainmukainen.", "--letters", X], "folder"),
    (["send", "--out", X], "folder"),
    (["overdue", "--xlsx", X], "file"),
    (["overdue", "--letters", X], "folder"),
    (["export", "--open-data", X], "folder"),
    (["stats", "--xlsx", X], "file"),
    (["stats", "--html", X], "file"),
    (["backup", X], "folder"),
    (["import", "hakemukset.xlsx", "--warnings", X], "file"),
    (["reclaim", "start", "H-0001", "--grounds", "Käyttöselvitys puuttuu.", "--letters", X], "folder"),
    (["reclaim", "decide", "H-0001", "--date", "2027-09-01", "--section", "§ 41", "--amount", "100", "--due",
      "2027-10-01", "--reasons", "Käyttöselvitystä ei saatu.", "--letters", X], "folder"),
]
# every path that a command reads
INPUTS: list[list[str]] = [
    ["import", X],
    ["restore", X],
    ["positions", "import", X],
    ["columns", X],
    ["propose", "--out", "esitys", "--from", X],
    ["decide", "--date", "2027-01-26", "--section", "§ 12", "--from", X],
]
GLOBAL = [("--db", "file"), ("--settings", "file")]


def _option_of(args: list[str]) -> tuple[str, str]:
    """(command path, option name or "ARG") of the path under test."""
    i = args.index(X)
    command = " ".join(args[:2]) if args[0] in ("positions", "reclaim", "review") else args[0]
    return command, args[i - 1] if args[i - 1].startswith("--") else "ARG"


def _cli_path_params() -> set[tuple[str, str]]:
    """Every Path option and argument the CLI has, as (command path, option name or "ARG")."""
    from avustus_cli.cli import COMMANDS, command

    root = command()
    found = set()
    todo = [(name, root.commands[name]) for name in COMMANDS]
    while todo:
        name, cmd = todo.pop()
        todo += [(f"{name} {sub}", c) for sub, c in getattr(cmd, "commands", {}).items()]
        for param in cmd.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is not None and descriptor.annotation in (Path, Path | None):
                found.add((name, "ARG" if param.param_type_name == "argument" else param.opts[0]))
    return found


@pytest.fixture
def round_cli(cli: Cli, workdir: Path) -> Cli:
    write_xlsx(workdir / "hakemukset.xlsx", [app_row(1), app_row(2)])
    assert cli("import", workdir / "hakemukset.xlsx").exit_code == 0
    (workdir / "kansio").mkdir()
    (workdir / "tiedosto.txt").write_text("ei kansio\n", encoding="utf-8")
    return cli


def _refused_with_one_line(cli: Cli, args: list[str], path: Path, option: str) -> None:
    before = dump(cli.db)
    r = cli(*[str(path) if a == X else a for a in args])
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Virhe:"), r.stderr
    assert "odottamaton" not in r.stderr and str(path) in lines[0], lines[0]
    if option != "ARG":
        assert option in lines[0], lines[0]
    assert dump(cli.db) == before


@pytest.mark.parametrize(("args", "wants"), OUTPUTS, ids=[" ".join(a) for a, _ in OUTPUTS])
def test_an_output_path_of_the_wrong_kind_is_one_clear_line(round_cli, workdir, args, wants):
    wrong = workdir / ("kansio" if wants == "file" else "tiedosto.txt")
    _refused_with_one_line(round_cli, args, wrong, _option_of(args)[1])
    if wants == "file":
        inside = workdir / "tiedosto.txt" / "tulos.xlsx"  # "inside" a file
        _refused_with_one_line(round_cli, args, inside, _option_of(args)[1])


@pytest.mark.parametrize("args", INPUTS, ids=[" ".join(a) for a in INPUTS])
def test_a_folder_given_as_an_input_file_is_one_clear_line(round_cli, workdir, args):
    _refused_with_one_line(round_cli, args, workdir / "kansio", _option_of(args)[1])


@pytest.mark.parametrize(("option", "wants"), GLOBAL)
def test_a_folder_given_as_the_database_or_the_settings_is_one_clear_line(round_cli, workdir, option, wants):
    from typer.testing import CliRunner

    from avustus_cli.cli import app

    r = CliRunner().invoke(app, [option, str(workdir / "kansio"), "status"])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip().startswith("Virhe:") and option in r.stderr and "odottamaton" not in r.stderr


def test_every_path_of_every_command_is_listed_here():
    listed = {_option_of(a) for a, _ in OUTPUTS} | {_option_of(a) for a in INPUTS}
    assert _cli_path_params() == listed

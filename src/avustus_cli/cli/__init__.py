"""The command line: thin Typer commands. Each parses its options, makes one
call into the core, prints with rich and picks the exit code.

Exit codes: 0 done / nothing found, 1 findings (check, overdue), 2 could not
run (bad input, bad settings, locked database). Messages go to stderr in
Finnish as ``Virhe: ...``; data (tables, --json) go to stdout.

Commands live in one module per stage of the round (``round_cmds``,
``check_cmds``, ...) and register themselves on ``app``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
import typer.main
import typer.rich_utils
from typer._click import exceptions as _click_exc  # typer vendors click
from rich.console import Console
from rich.markup import escape

from avustus_cli import __version__

from avustus_cli.domain import values
from avustus_cli.domain.config import SETTINGS_FILE, Settings, load_settings
from avustus_cli.domain.errors import AvustusError
from avustus_cli.adapters.store import DB_FILE, Store

# data: stdout. Piped into a file or a pager, tables get room enough to read.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)  # messages: stderr


_USAGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"No such command '(?P<a>[^']+)'\. Did you mean '(?P<b>[^']+)'\?"), "tuntematon komento '{a}'. Tarkoititko '{b}'?"),
    (re.compile(r"No such command '(?P<a>[^']+)'\."), "tuntematon komento '{a}'. Komennot: avustus --help"),
    (re.compile(r"No such option: (?P<a>\S+) \(Possible options: (?P<b>[^)]+)\)"), "tuntematon valitsin {a}. Tarkoititko: {b}?"),
    (re.compile(r"No such option: (?P<a>\S+?)\.? Did you mean (?P<b>\S+?)\??$"), "tuntematon valitsin {a}. Tarkoititko {b}?"),
    (re.compile(r"No such option: (?P<a>\S+)"), "tuntematon valitsin {a}."),
    (re.compile(r"Missing option '(?P<a>[^']+)'"), "valitsin {a} puuttuu."),
    (re.compile(r"Missing argument '(?P<a>[^']+)'"), "argumentti {a} puuttuu."),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<a>[^)]*)\)"),
     "ylimääräinen argumentti: {a}. Laita välilyönnin sisältävä arvo lainausmerkkeihin, esim. --section \"§ 12\"."),
    (re.compile(r"Option '(?P<a>[^']+)' requires an argument"), "valitsimelle {a} puuttuu arvo."),
    (re.compile(r"Invalid value for '(?P<a>[^']+)':.*valid integer", re.S), "virheellinen arvo valitsimelle {a}: odotetaan kokonaislukua."),
    (re.compile(r"Invalid value for '(?P<a>[^']+)':.*valid (?:number|float|decimal)", re.S), "virheellinen arvo valitsimelle {a}: odotetaan lukua."),
    (re.compile(r"Invalid value for '(?P<a>[^']+)': (?P<b>.*)", re.S), "virheellinen arvo valitsimelle {a}: {b}"),
]


def _finnish_usage(message: str) -> str:
    for pattern, text in _USAGE_PATTERNS:
        m = pattern.search(message)
        if m:
            return text.format(**m.groupdict())
    return message


class AvustusGroup(typer.core.TyperGroup):
    """Turns domain errors into one Finnish line and an exit code; never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _click_exc.UsageError as e:  # typos in commands and options: Finnish, with where to look
            where = f"avustus {e.ctx.info_name} --help" if e.ctx is not None and e.ctx.parent is not None else "avustus --help"
            err.print(f"[bold red]Virhe:[/] {escape(_finnish_usage(e.format_message()))} Ohje: {escape(where)}", highlight=False)
            sys.exit(2)
        except AvustusError as e:
            err.print(f"[bold red]Virhe:[/] {escape(e.message)}", highlight=False)
            sys.exit(e.exit_code)
        except BrokenPipeError:  # `avustus ... | head`: the reader has gone, nothing to report
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            sys.exit(0)
        except KeyboardInterrupt:
            err.print("Keskeytetty. Keskeneräiset muutokset peruttiin; tietokanta on ennallaan.")
            sys.exit(130)
        except (typer.Exit, typer.Abort, _click_exc.ClickException, _click_exc.TyperException, SystemExit):
            raise
        except Exception as e:  # a bug: no traceback (it could hold personal data) unless asked
            if os.environ.get("AVUSTUS_DEBUG"):
                raise
            err.print(
                f"[bold red]Virhe:[/] odottamaton ohjelmavirhe ({type(e).__name__}). Tietokantaan ei tallennettu "
                "keskeneräisiä muutoksia. Aja komento uudelleen ympäristömuuttujalla AVUSTUS_DEBUG=1 ja ilmoita "
                "virheestä ylläpitäjälle.",
                highlight=False,
            )
            sys.exit(2)


# The help screens in Finnish (Typer's panel titles are module settings).
typer.rich_utils.OPTIONS_PANEL_TITLE = "Valitsimet"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Komennot"
typer.rich_utils.ARGUMENTS_PANEL_TITLE = "Argumentit"
typer.rich_utils.ERRORS_PANEL_TITLE = "Virhe"
typer.rich_utils.ABORTED_TEXT = "Keskeytetty."

_FINNISH_HELP = {
    "help": "Näytä tämä ohje.",
    "install_completion": "Asenna komentojen täydennys (Tab) nykyiseen komentotulkkiin.",
    "show_completion": "Näytä täydennysskripti kopioitavaksi tai muokattavaksi.",
}


def _finnish_params(command: Any) -> None:
    """Typer's and Click's own options (--help, completion) explained in Finnish, in every command."""
    for param in getattr(command, "params", []):
        if param.name in _FINNISH_HELP:
            param.help = _FINNISH_HELP[param.name]
    try:  # the help option is made on first use: make it now, with its Finnish text
        from typer._click.core import Context

        option = command.get_help_option(Context(command, info_name="avustus", help_option_names=["-h", "--help"]))
        if option is not None:
            option.help = _FINNISH_HELP["help"]
    except Exception:  # pragma: no cover - only the wording of the help screen is at stake
        pass
    for sub in getattr(command, "commands", {}).values():
        _finnish_params(sub)


app = typer.Typer(
    cls=AvustusGroup,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="rich",
    help="Järjestöavustusten hakukierros: tuonti, tarkistus, esitys, päätökset ja seuranta.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


@dataclass
class Env:
    settings_path: Path | None = None
    db_path: Path | None = None
    _settings: Settings | None = None
    _store: Store | None = None
    command: str = "avustus"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.settings_path)
        return self._settings

    def database_path(self) -> Path:
        if self.db_path is not None:
            return self.db_path
        source = self.settings.source
        return (source.parent if source else Path.cwd()) / DB_FILE

    def store(self, create: bool = True) -> Store:
        if self._store is None:
            self._store = Store.open(self.database_path(), lock_timeout=self.settings.lock_timeout, create=create)
            self._store.command = self.command
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _version(value: bool) -> None:
    if value:
        out.print(f"avustus {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    db: Path = typer.Option(None, "--db", help="Tietokantatiedosto (oletus: avustus.db asetustiedoston vieressä).", show_default=False),
    settings: Path = typer.Option(None, "--settings", help=f"Asetustiedosto (oletus: {SETTINGS_FILE} työkansiossa, muuten ohjeen oletukset).", show_default=False),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Näytä versio."),
) -> None:
    env = Env(settings_path=settings, db_path=db, command=" ".join(["avustus", *sys.argv[1:2]]))
    ctx.obj = env
    ctx.call_on_close(env.close)


def env_of(ctx: typer.Context) -> Env:
    return ctx.find_root().obj


def option_date(value: str | None, option: str) -> "dt.date | None":
    """A date given on the command line: 2027-01-27 or 27.1.2027; None when not given."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    try:
        d = values.date(value)
    except values.ValueProblem:
        d = None
    if d is None:
        raise AvustusError(f"{option} {value!r} ei ole päivämäärä: käytä muotoa VVVV-KK-PP (esim. 2027-01-27) tai 27.1.2027.")
    return d


def option_money(value: str | None, option: str) -> "Decimal | None":
    """A euro amount given on the command line (12500, 12 500,00, 12.500,00 €); None when not given."""
    if value is None:
        return None
    try:
        amount = values.money(value)
    except values.ValueProblem:
        amount = None
    if amount is None:
        raise AvustusError(f"{option} {value!r} ei ole euromäärä (esim. 12500 tai 12 500,00).")
    return amount


def as_of_date(value: str | None) -> "dt.date":
    """--as-of: the given day, or today."""
    return option_date(value, "--as-of") or dt.date.today()


# register the commands, one module per stage of the round, in the order of the round (--help lists them so)
from avustus_cli.cli import round_cmds  # noqa: E402,F401,I001
from avustus_cli.cli import check_cmds  # noqa: E402,F401
from avustus_cli.cli import propose_cmds  # noqa: E402,F401
from avustus_cli.cli import decide_cmds  # noqa: E402,F401
from avustus_cli.cli import safety_cmds  # noqa: E402,F401
from avustus_cli.cli import extra_cmds  # noqa: E402,F401


def command() -> Any:
    """The Click command behind ``app``, with the Finnish help texts."""
    cmd = typer.main.get_command(app)
    _finnish_params(cmd)
    return cmd


def main() -> None:
    command()(prog_name="avustus")

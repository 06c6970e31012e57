"""The command line: thin Typer commands. Each parses its options, makes one
call into the core, prints with rich and picks the exit code.

Exit codes: 0 done / nothing found, 1 findings (check, overdue), 2 could not
run (bad input, bad settings, locked database). Messages go to stderr in
Finnish as ``Virhe: ...``; data (tables, --json) go to stdout.

Commands live in one module per stage of the round (``round_cmds``,
``check_cmds``, ...) and register themselves on ``app``. The modules are
loaded lazily: ``COMMANDS`` below names every command, its module and its
one-line help, so ``avustus --help`` lists the commands without importing
them, and ``avustus status`` imports the status command's module (and so its
service) only. Outside libraries are imported by the adapter function that
needs them; ``tests/test_startup.py`` holds that ``import avustus_cli.cli``
imports none of them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import os
import re
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import typer.core
import typer.main
from rich.console import Console
from rich.markup import escape
from typer._click import exceptions as _click_exc  # typer vendors click
from typer._click.core import ParameterSource
from typer._click.globals import get_current_context
from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_path
from typer.models import DefaultPlaceholder

from avustus_cli import __version__
from avustus_cli.domain.errors import AvustusError

if TYPE_CHECKING:
    from avustus_cli.adapters.store import Store
    from avustus_cli.domain.config import Settings

# data: stdout. Piped into a file or a pager, tables get room enough to read.
_OUT_WIDTH = None if sys.stdout.isatty() else 160
out = Console(soft_wrap=True, width=_OUT_WIDTH)
err = Console(stderr=True, soft_wrap=True)  # messages: stderr


def print_json(data: Any, default: Any = None) -> None:
    """``data`` as JSON on stdout, as rich's ``print_json`` writes it when not on a terminal (indent 2,
    letters as they are), without laying out 100 000 results through rich; ``default`` as json.dumps's."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=default) + "\n")
    sys.stdout.flush()

# The settings file's name (domain.config.SETTINGS_FILE; tests/test_startup.py holds them equal): spelled
# here so that the help screen does not import the settings module.
SETTINGS_FILE = "avustus.toml"

# Every command, in the order of the round (``avustus --help`` lists them so): name -> (module under
# avustus_cli.cli, the first paragraph of its help, as the command's docstring has it). The module is
# imported only when the command runs or shows its own help; tests/test_startup.py holds this table
# equal to what the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("round_cmds", "Luo kommentoitu asetustiedosto ohjeen oletusarvoilla."),
    "import": ("round_cmds", "Tuo hakemukset (tai --history: aiemmat avustukset, --reports: käyttöselvitykset) "
               "taulukosta. Saman tiedoston voi tuoda uudelleen: uudet lisätään, muuttuneet päivitetään, mitään ei "
               "monisteta."),
    "columns": ("round_cmds", "Näytä tuomatta mitään, mistä sarakkeesta kukin sääntöjen tarvitsema tieto luetaan, mitkä puuttuvat ja mikä kenttä on lähinnä kutakin tunnistamatonta saraketta, valmiine asetusriveineen."),
    "status": ("round_cmds", "Mitä kierroksella on: hakemukset ja haetut summat avustusmuodoittain ja "
               "toimintaluokittain, tuonnit ja avoimet varoitukset."),
    "check": ("check_cmds", "Tarkista hakemukset avustusohjeen jokaista sääntöä vasten ja tallenna havainnot."),
    "rules": ("check_cmds", "Luettele avustusohjeen säännöt: koodi, vakavuus, otsikko ja ohjeen lause."),
    "accept": ("check_cmds", "Kuittaa havainto hyväksytyksi virkailijan harkinnalla (huomio, puute tai tiedoksi; "
               "ei hylkäävää)."),
    "unaccept": ("check_cmds", "Peru havainnon kuittaus."),
    "propose": ("propose_cmds", "Laadi avustusesitys määrärahan puitteissa: esitys.xlsx muokattavaksi, "
                "päätösesitys, liite 1 (myös Excelinä), avustusehdot, strategiajohtajan päätösluonnos ja "
                "täydennyspyynnöt."),
    "decide": ("decide_cmds", "Kirjaa päätös (esityksen mukaan tai --from-taulukon muutoksin) ja kirjoita "
               "päätöskirjeet oikaisuvaatimusohjeineen. Saman päätöksen voi ajaa uudelleen: mitään ei kirjata "
               "kahdesti."),
    "amend": ("decide_cmds", "Muuta päätettyä avustusta uudella päätöksellä: oma päivämäärä, pykälä, päättäjä ja "
              "perustelut sekä uusi\npäätöskirje oikaisuvaatimusohjeineen (varmuuskopio ensin, kirjataan lokiin)."),
    "payments": ("decide_cmds", "Päätetyt avustukset: maksettavissa, pidätetty (ja miksi) tai maksettu."),
    "paid": ("decide_cmds", "Kirjaa avustuksen maksu. Pidätettyä avustusta ei kirjata maksetuksi ilman "
             "--override --reason."),
    "instalments": ("decide_cmds", "Avustuksen maksusuunnitelma: erät, niiden ehdot ja tila; --confirm kirjaa erän ehdon "
                    "täyttyneeksi."),
    "agreement": ("decide_cmds", "Laadi kumppanuussopimus: osapuolten sitoumukset, mittarit ja niiden vuosiseuranta, "
                  "sopimusvuodet ja maksuerät."),
    "report": ("followup_cmds", "Käyttöselvitys: näytä tuodun selvityksen tarkistuslista, hyväksy se (--accept) tai pyydä "
               "täydennys (--supplement); --received kirjaa selvityksen käsin."),
    "overdue": ("followup_cmds", "Avustukset, joiden käyttöselvitys on myöhässä: eräpäivä, myöhästyminen, "
                "muistutusporras ja pidätys; takaisinperinnät, joiden palautus on myöhässä. Poistumiskoodi 1, jos "
                "jotain on myöhässä."),
    "reclaim": ("reclaim_cmds", "Avustuksen takaisinperintä: kuuleminen, päätös oikaisuvaatimusohjeineen ja palautukset."),
    "review": ("review_cmds", "Oikaisuvaatimukset: saapuneen kirjaus, päätös valitusosoituksineen ja luettelo."),
    "send": ("send_cmds", "Lähetä kirjeet sähköpostilla: kukin kirje .eml-tiedostoksi ja SMTP-asetuksilla "
             "palvelimelle; mitään ei\nlähetetä kahdesti."),
    "backup": ("safety_cmds", "Ota tietokannasta eheä varmuuskopio."),
    "restore": ("safety_cmds", "Palauta tietokanta varmuuskopiosta."),
    "privacy": ("safety_cmds", "Missä henkilötietoja säilytetään ja kuinka paljon."),
    "purge": ("safety_cmds", "Poista yhteyshenkilöiden tiedot, joiden säilytysaika on päättynyt."),
    "audit": ("audit_cmds", "Tapahtumaloki: kuka muutti mitä ja millä komennolla, uusin ensin."),
    "export": ("extra_cmds", "Julkaise päätetyt avustukset avoimena datana: 360Giving-muotoinen JSON ja CSV sekä "
               "Excel valtionavustustietojen sarakkein. Ensin laatutarkistus: nollasummat, tulevat "
               "päätöspäivät, sähköpostiosoitteet ja puhelinnumerot tekstissä, virheelliset Y-tunnukset, "
               "toistuvat tunnisteet. Henkilötietoja ei julkaista: yhteystiedot jätetään pois ja teksteistä "
               "poistetaan sähköpostiosoitteet ja puhelinnumerot. Kielteiset päätökset (0 €) eivät ole "
               "avustuksia, eikä niitä julkaista."),
    "stats": ("extra_cmds", "Tilastot päätetyistä avustuksista: summat ja määrät vuosittain, avustusmuodoittain, "
              "toimintaluokittain, kotikunnittain, toiminta-alueittain ja suuruusluokittain, ensikertalaiset ja "
              "palaavat hakijat (Y-tunnus aiempien vuosien avustuksissa) sekä haettu ja myönnetty."),
    "conflicts": ("extra_cmds", "Ketkä päättäjistä ovat esteellisiä ja minkä hakemusten käsittelystä (hallintolaki "
                  "28 §): rekisterin asemat, jotka ovat voimassa kokouspäivänä, hakijoissa ja yhteishakijoissa "
                  "(sama tarkistus kuin J01)."),
    "positions": ("extra_cmds", "Päättäjien sidonnaisuusrekisteri (esteellisyys, hallintolaki 28 §): tuonti ja "
                  "luettelo."),
}
# one paragraph each, as the commands' own help becomes (AvustusCommand): the terminal wraps it
COMMANDS = {name: (module, " ".join(summary.split("\n"))) for name, (module, summary) in COMMANDS.items()}


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
    (re.compile(r"Invalid value for '(?P<a>[^']+)':.*greater than or equal to (?P<b>-?\d+)", re.S),
     "virheellinen arvo valitsimelle {a}: odotetaan kokonaislukua, joka on vähintään {b}."),
    (re.compile(r"Invalid value for '(?P<a>[^']+)':.*valid (?:number|float|decimal)", re.S), "virheellinen arvo valitsimelle {a}: odotetaan lukua."),
    (re.compile(r"Invalid value for '(?P<a>[^']+)': (?P<b>.*)", re.S), "virheellinen arvo valitsimelle {a}: {b}"),
]


def _finnish_usage(message: str) -> str:
    for pattern, text in _USAGE_PATTERNS:
        m = pattern.search(message)
        if m:
            return text.format(**m.groupdict())
    return message


def _finnish_rich() -> None:
    """Typer's help and error panels in Finnish. ``typer.rich_utils`` (rich's Markdown, pygments) is
    imported only here, when a help screen or a usage error is printed: not by a command that runs."""
    import typer.rich_utils as ru

    ru.OPTIONS_PANEL_TITLE = "Valitsimet"
    ru.COMMANDS_PANEL_TITLE = "Komennot"
    ru.ARGUMENTS_PANEL_TITLE = "Argumentit"
    ru.ERRORS_PANEL_TITLE = "Virhe"
    ru.ABORTED_TEXT = "Keskeytetty."
    ru.DEFAULT_STRING = "[oletus: {}]"
    ru.REQUIRED_LONG_STRING = "[pakollinen]"
    ru.DEPRECATED_STRING = "(vanhentunut) "
    ru.RICH_HELP = "Ohje: [blue]{command_path} {help_option}[/]"


_FINNISH_HELP = {
    "help": "Näytä tämä ohje.",
    "install_completion": "Asenna komentojen täydennys (Tab) nykyiseen komentotulkkiin.",
    "show_completion": "Näytä täydennysskripti kopioitavaksi tai muokattavaksi.",
}


# What a value is, in the help screens' type column and usage line, instead of Typer's <str>, <path>, <bool>
_FOLDER_PARAMS = {"letters", "out_dir", "open_data", "folder"}
_DATE_PARAMS = {"date", "as_of", "sent", "received", "due", "since", "until", "meeting"}
_MONEY_PARAMS = {"amount", "budget"}
_ARGUMENT_NAMES = {"file": "TIEDOSTO", "grant_id": "TUNNUS", "app_id": "HAKEMUS", "application": "HAKEMUS",
                   "code": "KOODI", "folder": "KANSIO"}


def _finnish_metavar(param: Any) -> str | None:
    """The value's Finnish name (``PVM``, ``EUROA``, ``TIEDOSTO``, ...); "" for a flag; None: leave as is."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    name = param.name or ""
    if getattr(param, "param_type_name", "") == "argument":
        return _ARGUMENT_NAMES.get(name, name.upper())
    if getattr(param, "is_flag", False) or annotation is bool:
        return ""
    if getattr(descriptor, "is_choice", False):
        return None
    if annotation is Path:
        return "KANSIO" if name in _FOLDER_PARAMS else "TIEDOSTO"
    if annotation is int:
        return "LUKU"
    if name in _DATE_PARAMS:
        return "PVM"
    if name in _MONEY_PARAMS:
        return "EUROA"
    return "TEKSTI"


_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class _PlainValue(RuntimeParam):
    """A value converted as Typer converts it, without pydantic.

    Typer 0.29 converts every option value through a pydantic TypeAdapter (built even for an option not
    given), and importing pydantic is about a fifth of a short command's time. The values this command
    line takes are text, paths, whole numbers, flags and lists of them: those are converted here to what
    the TypeAdapter gives (a text as it is, a path as ``Path(text)``, plain digits as ``int``, a flag's
    ``True``/``False`` as it is). Anything else (``1_000``, a number under its
    ``min``, bytes) goes to Typer's own conversion, which gives its own result or message;
    tests/test_startup.py holds both to the same results.
    """

    kind: str = "str"  # "str", "path", "int" or "bool"; a list of them: is_list

    def _leaf(self, value: Any, param: Any, ctx: Any) -> Any:
        if (self.kind == "str" and type(value) is str) or (self.kind == "bool" and type(value) is bool):
            return value
        if self.kind == "path" and type(value) is str:
            return coerce_cli_path(Path(value), self.parameter_info, path_type=Path, param=param, ctx=ctx)
        if self.kind == "int":
            number = value if type(value) is int else int(value) if type(value) is str and _DIGITS.fullmatch(value) else None
            if number is not None and (self.parameter_info.min is None or number >= self.parameter_info.min):
                return number
        raise LookupError  # not a plain value: Typer's own conversion

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            if isinstance(value, (list, tuple)) and self.is_list:
                return [self._leaf(item, param, ctx) for item in value]
            if not self.is_list:
                return self._leaf(value, param, ctx)
        except LookupError:
            pass
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)

    @property
    def is_list(self) -> bool:
        return self.annotation in (list[str], list[int], list[Path])


def _plain_value(param: Any) -> _PlainValue | None:
    """The pydantic-free conversion of ``param``'s values, when it is a text, path or whole number (or a
    list of them) with nothing Typer would check beyond a minimum."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", False) is not None:
        return None  # not a Typer parameter, or another Typer than this was written for
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    leaf = annotation.__args__[0] if annotation in (list[str], list[int], list[Path]) else annotation
    kinds = {str: "str", Path: "path", int: "int", bool: "bool"}
    plain = info.parser is None and not descriptor.is_choice and not descriptor.is_file and info.path_type is None
    if leaf not in kinds or not plain or info.max is not None or info.clamp or (leaf is not int and info.min is not None):
        return None  # the path's own checks (exists, readable, ...) stay: coerce_cli_path is Typer's own
    return _PlainValue(parameter_info=info, annotation=annotation, kind=kinds[leaf])


def _finnish_params(command: Any, recurse: bool = True) -> None:
    """Typer's and Click's own options (--help, completion) explained in Finnish, in every command, and
    the values named in Finnish (no <str>, <bool> or <path>); text, path and number values converted
    without pydantic (``_PlainValue``)."""
    for param in getattr(command, "params", []):
        plain = _plain_value(param)
        if plain is not None:
            param._runtime_param = plain
        if param.name in _FINNISH_HELP:
            param.help = _FINNISH_HELP[param.name]
        if getattr(param, "metavar", None) is None:
            metavar = _finnish_metavar(param)
            if metavar is not None:
                param.metavar = metavar
        if getattr(param, "param_type_name", "") == "argument":  # TIEDOSTO, not {TIEDOSTO} <path>
            param.display_type_rich = lambda ctx: None
            param._usage_display_name = (lambda p: lambda: p.metavar if p.required else f"[{p.metavar}]")(param)
    try:  # the help option is made on first use: make it now, with its Finnish text
        from typer._click.core import Context

        option = command.get_help_option(Context(command, info_name="avustus", help_option_names=["-h", "--help"]))
        if option is not None:
            option.help = _FINNISH_HELP["help"]
            option.metavar = ""
            plain = _plain_value(option)
            if plain is not None:
                option._runtime_param = plain
    except Exception:  # pragma: no cover - only the wording of the help screen is at stake
        pass
    if recurse:
        for sub in getattr(command, "commands", {}).values():
            _finnish_params(sub)


def _single_lines(text: str | None) -> str | None:
    """Help text with the line breaks inside a paragraph removed (paragraphs stay apart)."""
    if not text:
        return text
    return "\n\n".join(" ".join(p.split("\n")) for p in inspect.cleandoc(text).split("\n\n"))


def _usage(command: Any, ctx: Any, formatter: Any) -> None:
    formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)), prefix="Käyttö: ")


class AvustusCommand(typer.core.TyperCommand):
    """A command whose help screen is in Finnish."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = "[VALITSIMET]"
        self.help = _single_lines(self.help)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _usage(self, ctx, formatter)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _finnish_rich()
        return super().format_help(ctx, formatter)


class AvustusSubgroup(typer.core.TyperGroup):
    """A group of commands (``avustus positions``) whose help screen is in Finnish."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options_metavar = "[VALITSIMET]"
        self.subcommand_metavar = "KOMENTO [ARGUMENTIT]..."
        self.help = _single_lines(self.help)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _usage(self, ctx, formatter)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _finnish_rich()
        return super().format_help(ctx, formatter)


def _load_command(name: str) -> Any:
    """Import the module of command ``name`` and build its Click command (Finnish help, Finnish panels)."""
    module, _summary = COMMANDS[name]
    importlib.import_module(f"avustus_cli.cli.{module}")
    for info in app.registered_commands:
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:  # type: ignore[union-attr]
            if info.cls in (None, typer.core.TyperCommand):  # Typer's default: ours, with the Finnish panels
                info.cls = AvustusCommand
            cmd = typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
            break
    else:
        for group in app.registered_groups:
            if group.name == name:
                _finnish_classes(group)
                cmd = typer.main.get_group_from_info(
                    group, pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands,
                )
                break
        else:  # pragma: no cover - tests/test_startup.py holds COMMANDS equal to what the modules register
            raise RuntimeError(f"avustus_cli.cli.{module} does not register the command {name!r}")
    _finnish_params(cmd)
    return cmd


def _finnish_classes(group: Any) -> None:
    """A group added with add_typer: it and its commands get the Finnish help screens."""
    if isinstance(group.cls, DefaultPlaceholder) and isinstance(group.typer_instance.info.cls, DefaultPlaceholder):
        group.cls = AvustusSubgroup
    for info in group.typer_instance.registered_commands:
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = AvustusCommand
    for sub in group.typer_instance.registered_groups:
        _finnish_classes(sub)


class _LazyCommands(MutableMapping[str, Any]):
    """``group.commands`` of the root: the names come from ``COMMANDS``; a command's module is imported
    when the command itself is first asked for (running it, its own help, the CLI reference)."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = _load_command(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:  # pragma: no cover - Click never removes a command
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self._loaded if n not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(1 for n in self._loaded if n not in COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded


class AvustusGroup(typer.core.TyperGroup):
    """The root command: lazy commands, Finnish help, and domain errors as one Finnish line and an exit
    code; never a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["commands"] = None  # whatever Typer built eagerly is built again lazily, the same way
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands()
        self._listing = False
        self._finnish = False
        self.options_metavar = "[VALITSIMET]"
        self.subcommand_metavar = "KOMENTO [ARGUMENTIT]..."

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _usage(self, ctx, formatter)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and cmd_name in COMMANDS:
            # a row of the command list: the name and the first paragraph of the help (one paragraph, no line
            # breaks of its own: the terminal wraps it), no import
            return AvustusCommand(name=cmd_name, help=COMMANDS[cmd_name][1], rich_markup_mode=self.rich_markup_mode)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: nothing is imported

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _finnish_rich()
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        self._listing = True  # Tab lists the command names without importing every command
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        if not self._finnish:  # the completion options are added after __init__: explain them now
            _finnish_params(self, recurse=False)
            self._finnish = True
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _click_exc.ClickException:  # `avustus --tuntematon`: Typer prints the panel, in Finnish
            _finnish_rich()
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _click_exc.NoArgsIsHelpError:  # `avustus positions`: its help screen was printed, as for `avustus`
            raise
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
        except (typer.Abort, _click_exc.ClickException, _click_exc.TyperException):
            _finnish_rich()  # Typer prints these in a panel
            raise
        except (typer.Exit, SystemExit):
            raise
        except Exception as e:  # a bug: no traceback (it could hold personal data) unless asked
            damage = _damage(ctx, e)
            if damage is not None:
                err.print(f"[bold red]Virhe:[/] {escape(damage.message)}", highlight=False)
                sys.exit(damage.exit_code)
            if os.environ.get("AVUSTUS_DEBUG"):
                raise
            err.print(
                f"[bold red]Virhe:[/] odottamaton ohjelmavirhe ({type(e).__name__}). Tietokantaan ei tallennettu "
                "keskeneräisiä muutoksia. Aja komento uudelleen ympäristömuuttujalla AVUSTUS_DEBUG=1 ja ilmoita "
                "virheestä ylläpitäjälle.",
                highlight=False,
            )
            sys.exit(2)


def _damage(ctx: Any, exc: BaseException) -> AvustusError | None:
    """SQLite saying mid-command that the database file is damaged (with the latest backup to restore),
    read-only or on a full disk: the officer's message (the command's transaction has rolled back)."""
    if not type(exc).__module__.startswith("sqlite3"):
        return None
    from avustus_cli.adapters.store import store_error

    env = ctx.find_root().obj if ctx is not None else None
    try:
        path = env.database_path() if env is not None else Path("avustus.db")
    except AvustusError:
        path = Path("avustus.db")
    return store_error(path, exc)


app = typer.Typer(
    cls=AvustusGroup,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="rich",
    help="Järjestöavustusten hakukierros: tuonti, tarkistus, esitys, päätökset ja seuranta.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


# --- the command line as the audit log records it ------------------------------------------------

# The officer's own words and a requester's name and addresses (review add --by, --address, --email: a
# person): in the audit detail where needed, never in the command line, which purge does not reach.
_FREE_TEXT = {"reason", "reasons", "grounds", "by", "address", "email"}
_MAX_VALUE = 60
_MAX_COMMAND = 300


def _shown(value: Any, name: str) -> str:
    if name in _FREE_TEXT:
        return "…"
    if isinstance(value, Path):  # the file's name: no long paths, no home folder (a user name)
        text = value.name or str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    if len(text) > _MAX_VALUE:
        text = text[: _MAX_VALUE - 1] + "…"
    if not text or any(c.isspace() or c in "\"'\\" for c in text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def command_line(ctx: Any) -> str:
    """The command as the officer gave it, for the audit log: ``avustus import hakemukset.xlsx``.

    The command's name and the arguments and options given on the command line, in the order of the
    command's parameters; paths as their file name; free text, names and addresses (``--reason``, ``--reasons``,
    ``--grounds``, ``--by``, ``--address``, ``--email``) as ``…``; the global
    options (``--db``, ``--settings``) left out. At most 300 characters."""
    chain = []
    c = ctx
    while c is not None and c.parent is not None:
        chain.append(c)
        c = c.parent
    words = ["avustus"]
    for c in reversed(chain):
        words.append(c.info_name or "")
        for param in c.command.params:
            name = param.name or ""
            if c.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
                continue
            value = c.params.get(name)
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            if param.param_type_name == "argument":
                words.extend(_shown(v, name) for v in values if v is not None)
                continue
            for v in values:
                if isinstance(v, bool) and getattr(param, "is_flag", False):
                    flag = param.opts[0] if v else (param.secondary_opts or param.opts)[0]
                    words.append(flag)
                elif v is not None:
                    words += [param.opts[0], _shown(v, name)]
    text = " ".join(words)
    return text if len(text) <= _MAX_COMMAND else text[: _MAX_COMMAND - 1] + "…"


@dataclass
class Env:
    settings_path: Path | None = None
    db_path: Path | None = None
    _settings: Settings | None = None
    _store: Store | None = None
    command: str | None = None  # the audit log's command; None: read from the running command
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from avustus_cli.domain.config import load_settings

            if self.settings_path is not None and self.settings_path.is_dir():
                raise AvustusError(f"--settings {self.settings_path} on kansio, mutta tähän tarvitaan asetustiedosto "
                                   f"(esim. {self.settings_path / SETTINGS_FILE}).")

            self._settings = load_settings(self.settings_path)
        return self._settings

    def database_path(self) -> Path:
        if self.db_path is not None:
            if self.db_path.is_dir():
                raise AvustusError(f"--db {self.db_path} on kansio, mutta tähän tarvitaan tietokantatiedosto "
                                   f"(esim. {self.db_path / 'avustus.db'}).")
            return self.db_path
        from avustus_cli.adapters.store import DB_FILE

        source = self.settings.source
        return (source.parent if source else Path.cwd()) / DB_FILE

    def store(self, create: bool = True) -> Store:
        if self._store is None:
            from avustus_cli.adapters.store import Store

            self._store = Store.open(self.database_path(), lock_timeout=self.settings.lock_timeout, create=create)
            self._store.command = self.command or _running_command()
            self._store.command_name = _command_name()
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.discard_if_empty()  # a database this command made and left empty is not left behind
            self._store = None


def _running_command() -> str:
    ctx = get_current_context(silent=True)
    return command_line(ctx) if ctx is not None else "avustus"


def _command_name() -> str:
    """The running command's words without its arguments (``avustus reclaim decide``): what a command
    waiting for the database's lock is told holds it."""
    ctx = get_current_context(silent=True)
    words = []
    while ctx is not None and ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["avustus", *reversed(words)])


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
    # the terminal's width as the shell (or a test) gives it; else as at start (a pipe gets 160 columns)
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) >= 40 else None
    # None: rich measures the terminal itself (its setter is typed int, its attribute Optional[int])
    out.width = width or _OUT_WIDTH  # type: ignore[assignment]
    err.width = width  # type: ignore[assignment]
    env = Env(settings_path=settings, db_path=db)
    ctx.obj = env
    ctx.call_on_close(env.close)


def show_table(table: Any) -> None:
    """Print a table, its cells wrapped rather than cut; on a narrow terminal (under 100 columns,
    ``COLUMNS=80``) that the table does not fit, each row as a block instead: the first cell as the
    heading, the others as "column: value" lines."""
    from rich.measure import Measurement

    width = out.width
    if width >= 100 or not table.columns or Measurement.get(out, out.options.update_width(10_000), table).maximum <= width:
        for column in table.columns:  # wrapped, never cut with an ellipsis
            column.overflow = "fold"
        out.print(table)
        return
    if table.title:
        out.print(table.title, highlight=False)
    heads = [str(c.header) for c in table.columns]
    cells = [list(c.cells) for c in table.columns]
    for i in range(table.row_count):
        row = [str(col[i]) if i < len(col) else "" for col in cells]
        out.print(f"[bold]{row[0]}[/]" if row[0] else "–", highlight=False)
        for head, value in zip(heads[1:], row[1:], strict=True):
            if value.strip():
                out.print(f"  {head}: {value}", highlight=False)


def next_step(text: str) -> None:
    """The one line after a stage's command that says what to do next (on stderr: stdout is data)."""
    err.print(f"[bold]Seuraavaksi:[/] {escape(text)}", highlight=False)


def env_of(ctx: typer.Context) -> Env:
    return ctx.find_root().obj


def option_date(value: str | None, option: str) -> dt.date | None:
    """A date given on the command line: 2027-01-27 or 27.1.2027; None when not given."""
    return None if value is None else required_date(value, option)


FIRST_YEAR, LAST_YEAR = 2000, 2100  # a date on the command line lies in these years (as [round] year does)


def required_date(value: str, option: str) -> dt.date:
    """The date of a required option (see :func:`option_date`); refused outside FIRST_YEAR..LAST_YEAR
    (9999-12-31 would overflow every deadline counted from it)."""
    d = _parse_date(value, option)
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise AvustusError(f"{option} {value!r}: päivämäärän on oltava vuosien {FIRST_YEAR}–{LAST_YEAR} välillä.")
    return d


def _parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    from avustus_cli.domain import values

    try:
        d = values.date(value)
    except values.ValueProblem:
        d = None
    if d is None:
        raise AvustusError(f"{option} {value!r} ei ole päivämäärä: käytä muotoa VVVV-KK-PP (esim. 2027-01-27) tai 27.1.2027.")
    return d


def option_money(value: str | None, option: str) -> Decimal | None:
    """A euro amount given on the command line (12500, 12 500,00, 12.500,00 €); None when not given."""
    if value is None:
        return None
    from avustus_cli.domain import values

    try:
        amount = values.money(value)
    except values.ValueProblem:
        amount = None
    if amount is None:
        raise AvustusError(f"{option} {value!r} ei ole euromäärä (esim. 12500 tai 12 500,00).")
    return amount


# --- paths given on the command line: a folder where a file is wanted, or a file where a folder is ------
# Used as the ``callback`` of every Path option and argument (tests/test_paths.py holds that each has
# one): the officer gets one Finnish line and exit 2 before anything is read or written.


def _param_name(param: Any) -> str:
    opts = getattr(param, "opts", None) or []
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return str(getattr(param, "metavar", None) or param.name or "").upper()
    return str(opts[0])


def _parents_are_folders(value: Path, name: str) -> None:
    for parent in value.parents:
        if parent.exists():
            if not parent.is_dir():
                raise AvustusError(f"{name} {value}: {parent} on tiedosto, ei kansio, joten sen sisään ei voi kirjoittaa.")
            return


def output_file(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """A file to write: not an existing folder, and not inside a file."""
    if value is None:
        return None
    name = _param_name(param)
    if value.is_dir():
        example = value / ("avustus.toml" if param.name == "path" else "tulos.html" if param.name == "html_file" else "tulos.xlsx")
        raise AvustusError(f"{name} {value} on kansio, mutta tähän tarvitaan tiedoston nimi (esim. {example}).")
    _parents_are_folders(value, name)
    return value


def output_folder(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """A folder to write into (made when missing): not an existing file, and not inside a file."""
    if value is None:
        return None
    name = _param_name(param)
    if value.exists() and not value.is_dir():
        raise AvustusError(f"{name} {value} on tiedosto, mutta tähän tarvitaan kansio (se luodaan, jos sitä ei ole).")
    _parents_are_folders(value, name)
    return value


def input_file(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """A file to read: not a folder (a missing file is the reading command's to report)."""
    if value is None:
        return None
    if value.is_dir():
        raise AvustusError(f"{_param_name(param)} {value} on kansio, mutta tähän tarvitaan luettava tiedosto.")
    return value


def as_of_date(value: str | None) -> dt.date:
    """--as-of: the given day, or today."""
    return option_date(value, "--as-of") or dt.date.today()


def command() -> Any:
    """The Click command behind ``app``, with the Finnish help texts (commands load when asked for)."""
    cmd = typer.main.get_command(app)
    _finnish_params(cmd, recurse=False)
    return cmd


def main() -> None:
    command()(prog_name="avustus")

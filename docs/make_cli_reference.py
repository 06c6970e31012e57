"""Write docs/cli.md: every command's help (usage, description, options) from the
Typer app itself, the same text ``avustus COMMAND --help`` shows.

    .venv/bin/python docs/make_cli_reference.py            # write docs/cli.md
    .venv/bin/python docs/make_cli_reference.py --check    # exit 1 when docs/cli.md is stale

tests/test_docs.py fails when docs/cli.md is out of date.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = HERE / "cli.md"

HEADER = """\
# Komentojen ohjeet

<!-- Tämä tiedosto on tuotettu ohjelmallisesti: python docs/make_cli_reference.py
     Älä muokkaa käsin; muuta komennon ohjetekstiä (src/avustus_cli/cli/) ja tuota tiedosto uudelleen. -->

Sama teksti kuin `avustus KOMENTO --help`. Yleiset valinnat (`--db`, `--settings`)
annetaan ennen komennon nimeä: `avustus --db kierros.db check`.
Käyttöopas kierroksen vaiheittain: [kayttoopas.md](kayttoopas.md).
"""

_MARKUP = re.compile(r"\[/?[a-z ]*\]")


def plain(text: str | None) -> str:
    """Help text without rich markup ([bold]...[/])."""
    return _MARKUP.sub("", text or "").strip()


def root_command():
    from avustus_cli.cli import command

    return command()  # as `avustus` itself shows it (Finnish texts for --help and completion)


def walk(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(name path, command) of every command, groups before their subcommands, in registration order."""
    subs = getattr(cmd, "commands", None)
    if path:
        yield path, cmd
    if subs:
        for name, sub in subs.items():
            yield from walk(sub, (*path, name))


def leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    return [(p, c) for p, c in walk(root_command()) if not getattr(c, "commands", None)]


def _param_rows(cmd: Any) -> list[str]:
    rows = []
    for p in cmd.params:
        if getattr(p, "hidden", False):
            continue
        if p.param_type_name == "argument":
            name = f"`{(p.name or '').upper()}`"
        else:
            name = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
        help_text = plain(getattr(p, "help", "") or "").replace("|", "\\|").replace("\n", " ")
        notes = []
        if p.required:
            notes.append("pakollinen")
        default = p.default
        if (
            not p.required
            and default not in (None, False, (), [])
            and getattr(p, "show_default", True) is not False
            and not callable(default)
        ):
            notes.append(f"oletus: `{default}`")
        if notes:
            help_text = f"{help_text} ({', '.join(notes)})" if help_text else ", ".join(notes)
        rows.append(f"| {name} | {help_text} |")
    return rows


def _usage(path: tuple[str, ...], cmd: Any) -> str:
    import click  # noqa: F401  (typer depends on click)

    ctx = cmd.make_context(" ".join(("avustus", *path)), [], resilient_parsing=True)
    return " ".join(cmd.collect_usage_pieces(ctx)).strip()


def render() -> str:
    root = root_command()
    parts = [HEADER, "## Sisällys", ""]
    commands = list(walk(root))
    for path, _ in commands:
        name = " ".join(path)
        parts.append(f"- [`avustus {name}`](#avustus-{'-'.join(path)})")
    parts += ["", "## avustus", "", plain(root.help), "", "```", "avustus [YLEISET VALINNAT] KOMENTO [VALINNAT]", "```", ""]
    parts += ["| valinta | selitys |", "|---|---|", *_param_rows(root), ""]
    for path, cmd in commands:
        name = " ".join(path)
        parts += [f"## avustus {name}", ""]
        if getattr(cmd, "commands", None):
            parts += [plain(cmd.help), "", "Alikomennot: " + ", ".join(f"`{n}`" for n in cmd.commands), ""]
            continue
        parts += ["```", f"avustus {name} {_usage(path, cmd)}".rstrip(), "```", ""]
        help_text = plain(cmd.help)
        # the example line as a code block of its own, the rest as paragraphs
        lines = []
        for para in re.split(r"\n\s*\n", help_text):
            para = " ".join(para.split())
            if para.startswith("Esimerkki:"):
                lines += ["Esimerkki:", "", "```", para[len("Esimerkki:"):].strip(), "```", ""]
            elif para:
                lines += [para, ""]
        parts += lines
        rows = _param_rows(cmd)
        if rows:
            parts += ["| valinta | selitys |", "|---|---|", *rows, ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print("docs/cli.md on vanhentunut: aja python docs/make_cli_reference.py", file=sys.stderr)
            return 1
        return 0
    target = Path(argv[0]) if argv else TARGET
    target.write_text(text, encoding="utf-8")
    print(f"Kirjoitettu: {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

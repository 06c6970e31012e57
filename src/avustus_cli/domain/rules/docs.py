"""Render the rule reference (docs/rules.md) from the registry.

    python -m avustus_cli.domain.rules.docs              # print to stdout
    python -m avustus_cli.domain.rules.docs docs/rules.md  # write the file

The examples are run while rendering, so the messages shown are the ones
the tool gives.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from avustus_cli.domain.config import default_settings
from avustus_cli.domain.rules import GROUP_TITLES, RULES, Example, Rule, RuleContext

HEADER = """\
# Tarkistussäännöt

<!-- Tämä tiedosto on tuotettu ohjelmallisesti: python -m avustus_cli.domain.rules.docs docs/rules.md
     Älä muokkaa käsin; muuta sääntöä (src/avustus_cli/rules/) ja tuota tiedosto uudelleen. -->

`avustus check` tarkistaa jokaisen hakemuksen näillä säännöillä. Kunkin säännön
tunnus (esim. `E01`) on pysyvä: sitä käytetään taulukoissa, `--json`-tulosteessa
ja suodattimissa, eikä käytöstä poistettua tunnusta oteta uuteen merkitykseen.

Vakavuusasteet:

| aste | merkitys |
|---|---|
| hylkäävä | hakemukselle ei voida myöntää avustusta sellaisenaan |
| puute | tieto puuttuu tai on ristiriitainen; hakijalta voidaan pyytää täydennys |
| huomio | virkailijan on arvioitava; tiedot eivät yksin ratkaise |
| tiedoksi | ei vaikuta kelpoisuuteen (esim. päättäjän reititys) |

Säännön vakavuus on ankarin, jonka se voi antaa; moni sääntö antaa tapauksen
mukaan myös lievemmän asteen (ks. esimerkit). Esimerkit ajetaan testeinä
oletusasetuksilla (avustusvuosi 2027, hakuaika 1.–31.12.2026, tarkistuspäivä 10.1.2027).
"""


def _example_ctx(example: Example) -> RuleContext:
    settings = default_settings(2027)
    return RuleContext(settings, example.as_of or dt.date(settings.year, 1, 10), example.history)


def _result(rule: Rule, example: Example) -> str:
    findings = rule.check(example.application, _example_ctx(example))
    if not findings:
        return "ei havaintoja"
    return "; ".join(f"{f.severity.label}: {f.message}" for f in findings)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_rule(rule: Rule) -> str:
    lines = [
        f"### {rule.code} {rule.title}",
        "",
        f"`{rule.name}` · vakavuus: **{rule.severity.label}**",
        "",
        f"> {rule.source}",
        "",
        rule.description,
        "",
    ]
    if rule.examples:
        lines += ["| esimerkki | odotettu | tulos |", "|---|---|---|"]
        for e in rule.examples:
            expected = ", ".join(s.label for s in sorted(set(e.expected), key=lambda s: s.rank)) or "hyväksytty"
            lines.append(f"| {_md(e.note)} | {expected} | {_md(_result(rule, e))} |")
        lines.append("")
    return "\n".join(lines)


def render_markdown() -> str:
    """The whole rule reference as Markdown (Finnish)."""
    parts = [HEADER, "## Sisällys", ""]
    parts += [f"- `{r.code}` {r.title} ({r.severity.label})" for r in RULES.values()]
    parts.append("")
    group = None
    for rule in RULES.values():
        if rule.group != group:
            group = rule.group
            parts += [f"## {group}: {GROUP_TITLES[group]}", ""]
        parts.append(render_rule(rule))
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render_markdown()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0



if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

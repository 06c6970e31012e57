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
from avustus_cli.domain.rules.reasons import HOLD, REFUSAL, REQUEST, REVIEW, kind_of, reason_sentence, request_sentence, sentence

HEADER = """\
# Tarkistussäännöt

<!-- Tämä tiedosto on tuotettu ohjelmallisesti: python -m avustus_cli.domain.rules.docs docs/rules.md
     Älä muokkaa käsin; muuta sääntöä (src/avustus_cli/domain/rules/) ja tuota tiedosto uudelleen. -->

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

Kunkin säännön lauseet ovat ne, joilla päätösesitys ja kirjeet perustelevat
ratkaisun (hallintolaki 45 §): hylkäysperuste (tosiasia, avustusohjeen sääntö
ja seuraus), täydennyspyyntö (mitä hakijan tulee toimittaa tai tehdä),
virkailijan tarkistettava asia (ei koskaan hylkäysperuste) ja maksatuksen
pidätys. Lauseissa ei ole sääntöjen tunnuksia eikä kenttien nimiä.
"""

_KIND_LABELS = {
    REFUSAL: "hylkäysperuste",
    REQUEST: "täydennyspyyntö",
    REVIEW: "virkailija tarkistaa",
    HOLD: "maksatus pidätetään",
}


def _example_ctx(example: Example) -> RuleContext:
    settings = default_settings(2027)
    return RuleContext(settings, example.as_of or dt.date(settings.year, 1, 10), example.history)


def _result(rule: Rule, example: Example) -> str:
    findings = rule.check(example.application, _example_ctx(example))
    if not findings:
        return "ei havaintoja"
    return "; ".join(f"{f.severity.label}: {f.message}" for f in findings)


def _sentences(rule: Rule, example: Example) -> list[tuple[str, str]]:
    """(kind label, sentence) for each finding of a bad example: its own sentence, then,
    for a deficiency, the refusal if no supplement arrives, and any request beside a review or hold."""
    ctx = _example_ctx(example)
    app = example.application
    out: list[tuple[str, str]] = []
    for f in rule.check(app, ctx):
        kind = kind_of(f, app, ctx)
        if kind is None:
            continue
        own = sentence(f, app, ctx)
        if own:
            out.append((_KIND_LABELS[kind], own))
        if kind == REQUEST and (refusal := reason_sentence(f, app, ctx)):
            out.append(("hylkäysperuste, jos täydennystä ei saada", refusal))
        if kind in (REFUSAL, REVIEW, HOLD) and (ask := request_sentence(f, app, ctx)):
            out.append((_KIND_LABELS[REQUEST], ask))
    return list(dict.fromkeys(out))


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
        said = [(e, kind, text) for e in rule.examples for kind, text in _sentences(rule, e)]
        if said:
            lines += ["Lauseet päätösesitykseen ja kirjeisiin:", "", "| esimerkki | laji | lause |", "|---|---|---|"]
            lines += [f"| {_md(e.note)} | {kind} | {_md(text)} |" for e, kind, text in said]
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

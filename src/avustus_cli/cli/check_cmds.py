"""Checking the round against the guideline: check, rules, accept, unaccept."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import app, as_of_date, env_of, err, next_step, out, output_file, print_json
from avustus_cli.cli.progress import Progress
from avustus_cli.domain import fmt
from avustus_cli.domain.check_summary import VERDICT_ORDER, CheckSummary, first_by_verdict, summarize
from avustus_cli.domain.errors import AvustusError
from avustus_cli.domain.models import SEVERITY_LABELS, VERDICT_LABELS, Verdict, choice_from
from avustus_cli.domain.rules import GROUP_TITLES, RULES
from avustus_cli.domain.standing import Standing
from avustus_cli.services.checking import (
    accept,
    check_round,
    current_results,
    run_check,
    unaccept,
    write_check_workbook,
)

VERDICT_STYLE = {
    Verdict.INELIGIBLE: "red",
    Verdict.SUPPLEMENT: "yellow",
    Verdict.REVIEW: "cyan",
    Verdict.ELIGIBLE: "green",
}


def finding_json(f) -> dict:
    d = {"code": f.code, "severity": f.severity.value, "message": f.message, "field": f.field}
    if f.accepted:
        d["accepted"] = f.accepted_reason
    return d


def result_json(r: Standing) -> dict:
    return {
        "id": r.app.id,
        "applicant": r.app.applicant,
        "business_id": r.app.business_id,
        "form": r.app.form.value if r.app.form else None,
        "requested": str(r.app.requested) if r.app.requested is not None else None,
        "verdict": r.verdict.value,
        "findings": [finding_json(f) for f in r.findings],
        "reopened": list(r.reopened),
    }


def _filtered(results: list[Standing], codes: list[str], severities: list[str], verdicts: list[str]) -> list[Standing]:
    if codes:
        wanted = {c.strip().upper() for c in codes}
        unknown = sorted(c for c in wanted if c not in RULES and not (len(c) == 1 and c in GROUP_TITLES))
        if unknown:
            raise AvustusError(f"tuntematon sääntökoodi {', '.join(unknown)}. Luettelo: avustus rules")

        def hit(code: str) -> bool:
            return code in wanted or code[0] in wanted

        results = [r for r in results if any(hit(f.code) for f in r.findings)]
    if severities:
        sev = {choice_from(s, SEVERITY_LABELS) for s in severities}
        if None in sev:
            raise AvustusError("--severity on yksi seuraavista: hylkäävä, puute, huomio, tiedoksi "
                               "(tai blocking, deficiency, review, note).")
        results = [r for r in results if any(f.severity in sev and not f.accepted for f in r.findings)]
    if verdicts:
        ver = {choice_from(v, VERDICT_LABELS, {"hylättävä": Verdict.INELIGIBLE, "puute": Verdict.SUPPLEMENT,
                                               "huomio": Verdict.REVIEW}) for v in verdicts}
        if None in ver:
            raise AvustusError("--verdict on yksi seuraavista: avustuskelpoinen, täydennettävä, arvioitava, "
                               "ei avustuskelpoinen (tai eligible, supplement, review, ineligible).")
        results = [r for r in results if r.verdict in ver]
    return results


def _findings_text(r: Standing) -> str:
    lines = []
    for f in r.findings:
        if f.accepted:
            lines.append(f"[dim]{f.code} {escape(f.message)} (kuitattu: {escape(f.accepted_reason or '')})[/]")
        else:
            lines.append(f"{f.code} {escape(f.message)}")
    for code in r.reopened:
        lines.append(f"[magenta]{code} kuittaus avattu uudelleen: hakemuksen tiedot muuttuivat[/]")
    return "\n".join(lines) or "–"


NARROW = 110  # below this many columns the findings table puts the application's facts in one column


# At most this many applications of each verdict are shown as table rows unless --all is given: a
# county's round (about a hundred) is shown whole, while a round of 100 000 would take rich minutes to
# lay out and no one reads it on a screen (the workbook of --xlsx holds every row).
TABLE_ROWS = 200


def _print_tables(first: dict[Verdict, list[Standing]], summary: CheckSummary) -> None:
    """A table per verdict of its results ``first`` (the first ones of ``summary``'s count of them)."""
    for verdict in VERDICT_ORDER:
        everyone = summary.verdicts[verdict][0]
        group = first[verdict]
        if not everyone:
            continue
        t = Table(title=f"[{VERDICT_STYLE[verdict]}]{verdict.label.capitalize()}[/] ({everyone})", show_lines=True, expand=True)
        if out.width < NARROW:  # a narrow terminal: the application in one column, the findings whole beside it
            t.add_column("Hakemus", max_width=24, overflow="fold")
            t.add_column("Havainnot", ratio=1, overflow="fold")
            for r in group:
                t.add_row(f"{escape(r.app.id)}\n{escape(r.app.applicant)}\n{fmt.money(r.app.requested)}", _findings_text(r))
        else:
            t.add_column("Hakemus", no_wrap=True)
            t.add_column("Hakija", max_width=32, overflow="fold")
            t.add_column("Haettu", justify="right", no_wrap=True)
            t.add_column("Havainnot", min_width=50, ratio=3, overflow="fold")
            for r in group:
                t.add_row(escape(r.app.id), escape(r.app.applicant), fmt.money(r.app.requested), _findings_text(r))
        out.print(t)
        if everyone > len(group):
            rest = everyone - len(group)
            out.print(
                f"Taulukossa on {len(group)} ensimmäistä hakemusta, joiden tulos on {verdict.label}; "
                f"{rest} muuta ei näytetty. Näytä ne rajaamalla (--verdict, --code, --severity, --application) "
                "tai antamalla --all, tai kirjoita kaikki työkirjaan (--xlsx).",
                highlight=False,
            )


def _print_summary(summary: CheckSummary) -> None:
    t = Table(title="Yhteenveto")
    t.add_column("Tulos")
    t.add_column("Hakemuksia", justify="right")
    t.add_column("Haettu", justify="right")
    for verdict in VERDICT_ORDER:
        count, requested = summary.verdicts[verdict]
        t.add_row(verdict.label, str(count), fmt.money(requested))
    t.add_row("[bold]yhteensä[/]", str(summary.total[0]), fmt.money(summary.total[1]))
    out.print(t)
    per_rule = summary.rules
    if per_rule:
        t = Table(title="Säännöittäin (avoimet havainnot)")
        t.add_column("Koodi")
        t.add_column("Sääntö")
        t.add_column("Hakemuksia", justify="right")
        t.add_column("Haettu", justify="right")
        for code in (c for c in RULES if c in per_rule):
            t.add_row(code, RULES[code].title, str(per_rule[code][0]), fmt.money(per_rule[code][1]))
        out.print(t)


@app.command("check")
def check_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Tarkistuspäivä VVVV-KK-PP (oletus: tänään); ratkaisee käyttöselvitysten erääntymisen."),
    application: list[str] = typer.Option(None, "--application", help="Tarkista vain tämä hakemus (voi toistaa)."),
    code: list[str] = typer.Option(None, "--code", help="Näytä vain hakemukset, joilla on tämä havainto (esim. K04 tai ryhmä K)."),
    severity: list[str] = typer.Option(None, "--severity", help="Näytä vain hakemukset, joilla on avoin havainto tällä vakavuudella: hylkäävä, puute, huomio tai tiedoksi (myös englanniksi: blocking, deficiency, review, note)."),
    verdict: list[str] = typer.Option(None, "--verdict", help="Näytä vain hakemukset, joiden tulos on tämä: avustuskelpoinen, täydennettävä (puute), arvioitava (huomio) tai \"ei avustuskelpoinen\" (hylättävä); myös englanniksi: eligible, supplement, review, ineligible."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa (vain tulos stdoutiin)."),
    xlsx: Path = typer.Option(None, "--xlsx", callback=output_file, help="Kirjoita tulokset Excel-työkirjaan."),
    no_store: bool = typer.Option(False, "--show", help="Näytä edellisen tarkistuksen tulokset ajamatta sääntöjä."),
    show_all: bool = typer.Option(False, "--all", help=f"Näytä taulukoissa kaikki hakemukset (oletuksena enintään {TABLE_ROWS} kutakin tulosta)."),
) -> None:
    """Tarkista hakemukset avustusohjeen jokaista sääntöä vasten ja tallenna havainnot.

    Poistumiskoodi 0: ei hylkääviä eikä puutteita; 1: havaintoja; 2: tarkistusta ei voitu tehdä.

    Esimerkki: [bold]avustus check --as-of 2027-01-10 --xlsx tarkistus.xlsx[/]
    """
    env = env_of(ctx)
    store = env.store(create=False)
    day = as_of_date(as_of)
    # the tables of the whole round's check need only their rows and the counts: those are read without
    # making every result (check_round); JSON, a workbook, --all, --show and filters need every result
    whole = not (as_json or xlsx or no_store or show_all or application or code or severity or verdict)
    with Progress("Tarkistetaan", "hakemusta", enabled=not as_json) as bar:
        if whole:
            checked = check_round(store, env.settings, day, TABLE_ROWS, progress=bar.update)
            summary = everything = checked.summary
            if not summary.total[0]:
                raise AvustusError("tietokannassa ei ole hakemuksia. Tuo ne ensin: avustus import hakemukset.xlsx")
        else:
            if no_store:
                results = current_results(store)
                if application:
                    results = [r for r in results if r.app.id in set(application)]
            else:
                results = run_check(store, env.settings, day, list(application) if application else None, slim=True,
                                    progress=bar.update)
            if not results:
                raise AvustusError("tietokannassa ei ole hakemuksia. Tuo ne ensin: avustus import hakemukset.xlsx")
            shown = _filtered(results, code or [], severity or [], verdict or [])
            if xlsx:
                write_check_workbook(xlsx, shown)
            everything = summarize(results)
    if as_json:
        print_json([result_json(r) for r in shown])
    else:
        if whole:
            _print_tables(checked.first, summary)
        else:
            summary = summarize(shown)
            _print_tables(first_by_verdict(shown, None if show_all else TABLE_ROWS), summary)
        _print_summary(summary)
        if xlsx:
            err.print(f"Työkirja kirjoitettu: {escape(str(xlsx))}")
    problems = everything.problems
    if everything.reviews:
        next_step(f"arvioi avoimet huomiot ({everything.reviews} hakemusta, esim. avustus check --show --severity huomio) ja "
                  'kuittaa ne (avustus accept HAKEMUS KOODI --reason "...") tai korjaa tiedot; sitten avustus propose --out esitys')
    else:
        next_step("laadi esitys määrärahan puitteissa: avustus propose --out esitys")
    raise typer.Exit(1 if problems else 0)


@app.command("rules")
def rules_cmd(
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Luettele avustusohjeen säännöt: koodi, vakavuus, otsikko ja ohjeen lause.

    Esimerkki: [bold]avustus rules[/]
    """
    if as_json:
        print_json([
            {"code": r.code, "name": r.name, "title": r.title, "severity": r.severity.value, "source": r.source}
            for r in RULES.values()
        ])
        return
    t = Table(title="Säännöt", show_lines=True)
    t.add_column("Koodi", no_wrap=True)
    t.add_column("Vakavuus", no_wrap=True)
    t.add_column("Sääntö")
    t.add_column("Ohjeen lause", ratio=2)
    for r in RULES.values():
        t.add_row(r.code, r.severity.label, escape(r.title), escape(r.source))
    out.print(t)


@app.command("accept")
def accept_cmd(
    ctx: typer.Context,
    application: str = typer.Argument(..., help="Hakemusnumero."),
    code: str = typer.Argument(..., help="Havainnon sääntökoodi, esim. K04."),
    reason: str = typer.Option(..., "--reason", help="Perustelu, joka näkyy tarkistuksessa ja lokissa."),
) -> None:
    """Kuittaa havainto hyväksytyksi virkailijan harkinnalla (huomio, puute tai tiedoksi; ei hylkäävää).

    Kuittaus raukeaa, jos hakemuksen tiedot muuttuvat uudessa tuonnissa.

    Esimerkki: [bold]avustus accept AV-2027-013 K04 --reason "Toiminta Kuhmoisissa on pientä ja palvelee Jämsän asukkaita"[/]
    """
    env = env_of(ctx)
    accept(env.store(create=False), application, code, reason)
    err.print(f"Havainto {escape(code.upper())} kuitattu hakemukselle {escape(application)}. Aja avustus check päivittääksesi tuloksen.")


@app.command("unaccept")
def unaccept_cmd(
    ctx: typer.Context,
    application: str = typer.Argument(..., help="Hakemusnumero."),
    code: str = typer.Argument(..., help="Havainnon sääntökoodi."),
) -> None:
    """Peru havainnon kuittaus.

    Esimerkki: [bold]avustus unaccept AV-2027-013 K04[/]
    """
    env = env_of(ctx)
    unaccept(env.store(create=False), application, code)
    err.print(f"Kuittaus peruttu: {escape(application)} {escape(code.upper())}.")

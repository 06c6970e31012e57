"""Follow-up of decided grants: usage reports (report) and what is overdue (overdue).

A module of its own so that ``avustus overdue``, run daily, loads the follow-up service only, not the
decision's (proposal sheet, allocation, letters of decision).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import (
    app,
    env_of,
    err,
    option_date,
    out,
    output_file,
    output_folder,
    print_json,
    required_date,
    show_table,
)
from avustus_cli.cli.letters import channel as channel_of
from avustus_cli.cli.letters import print_paths
from avustus_cli.domain import fmt
from avustus_cli.domain.errors import ValidationError
from avustus_cli.domain.followup import LEVEL_LABELS
from avustus_cli.services import followup


def _today() -> dt.date:
    return dt.date.today()


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    received: str = typer.Option(None, "--received", help="Käyttöselvityksen saapumispäivä (VVVV-KK-PP), kun selvitys kirjataan käsin."),
    status: str = typer.Option("käsittelyssä", "--status", help="Käsin kirjattavan selvityksen tila: hyväksytty | täydennettävä | käsittelyssä."),
    accept: bool = typer.Option(False, "--accept", help="Hyväksy tuotu käyttöselvitys ja kirjoita hyväksymiskirje."),
    supplement: bool = typer.Option(False, "--supplement", help="Pyydä täydennystä tuotuun käyttöselvitykseen: kirjoita täydennyspyyntö."),
    year: int = typer.Option(None, "--year", help="Selvitysvuosi, jos avustuksella on selvitys useammalta vuodelta."),
    date: str = typer.Option(None, "--date", help="Kirjeen päiväys (oletus: tänään)."),
    due: str = typer.Option(None, "--due", help="Täydennyksen määräpäivä (oletus: kirjeen päiväys + asetusten supplement_days)."),
    letters: Path = typer.Option(Path("kayttoselvitykset"), "--letters", callback=output_folder, help="Kansio kirjeille."),
    channel: str = typer.Option("letter", "--channel", help="Kirjeen lähetystapa: letter (kirje) tai email (sähköposti)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee kirjeestä myös PDF/A-tiedosto (LibreOffice)."),
) -> None:
    """Käyttöselvitys: näytä tuodun selvityksen tarkistuslista, hyväksy se (--accept) tai pyydä täydennys
    (--supplement); --received kirjaa selvityksen käsin.

    Esimerkki: [bold]avustus report AV-2026-031 --accept --date 2027-06-14[/]
    """
    env = env_of(ctx)
    if accept and supplement:
        raise ValidationError("anna joko --accept tai --supplement, ei molempia.")
    if pdf and not (accept or supplement):
        raise ValidationError("--pdf tekee kirjeestä PDF-tiedoston, joten anna myös --accept tai --supplement.")
    if received is not None:
        if accept or supplement:
            raise ValidationError("--received kirjaa selvityksen käsin; tuodun selvityksen hyväksyntä ja täydennys ovat eri komentoja.")
        st = followup.record_report(env.store(), grant_id, required_date(received, "--received"), status)
        err.print(escape(f"Käyttöselvitys kirjattu: {grant_id}, saapunut {fmt.date(option_date(received, '--received'))}, {st.label}."), highlight=False)
        return
    if accept or supplement:
        r = followup.handle_report(
            env.store(), env.settings, grant_id, "accepted" if accept else "supplement", year=year,
            letter_date=option_date(date, "--date") or _today(), letters_dir=letters, channel=channel_of(channel),
            due=option_date(due, "--due"), pdf=pdf,
        )
        if accept:
            err.print(escape(f"Käyttöselvitys hyväksytty: {grant_id}, vuosi {r.year}."), highlight=False)
        else:
            err.print(escape(f"Täydennyspyyntö: {grant_id}, vuosi {r.year}, määräpäivä {fmt.date(r.due)}."), highlight=False)
        print_paths(r.letters)
        return
    views = followup.report_views(env.store(), env.settings, grant_id)
    if as_json:
        print_json([v.as_json() for v in views])
        return
    _print_report_views(grant_id, views)


def _print_report_views(grant_id: str, views: list[followup.ReportView]) -> None:
    """The filed usage reports of a grant, each with its checklist."""
    if not views:
        out.print(escape(f"Avustuksen {grant_id} käyttöselvitystä ei ole tuotu (avustus import --reports TIEDOSTO)."), highlight=False)
        return
    outcomes = {"accepted": "hyväksytty", "supplement": "täydennystä pyydetty"}
    for v in views:
        f = v.filing
        state = outcomes.get(v.outcome or "", "käsittelemättä")
        when = f" {fmt.date(v.outcome_date)}" if v.outcome_date else ""
        out.print(escape(f"{grant_id}, vuosi {f.year}: saapunut {fmt.date(f.received)}, {state}{when}. Maksettu vuodelle "
                         f"{fmt.money2(v.paid)}, käytetty {fmt.money2(f.used) if f.used is not None else 'ei ilmoitettu'}, "
                         f"käyttämättä {fmt.money2(f.unused or Decimal(0))}."), highlight=False)
        labels = {"missing": "[red]puute[/]", "unused": "[yellow]käyttämättä[/]", "note": "tiedoksi"}
        for x in v.findings:
            out.print(f"  {labels[x.kind]} " + escape(x.text), highlight=False)
        if not v.findings:
            out.print("  Selvitys on täydellinen: liitteet toimitettu, summat täsmäävät.", highlight=False)


@app.command("overdue")
def overdue_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Tilannepäivä (oletus: tänään)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
    xlsx: Path = typer.Option(None, "--xlsx", callback=output_file, help="Kirjoita lista Excel-tiedostoon."),
    letters: Path = typer.Option(None, "--letters", callback=output_folder, help="Kirjoita muistutukset tähän kansioon (kukin lähetetään vain kerran)."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee muistutuksista myös PDF/A-tiedostot (LibreOffice); vain --letters-valinnan kanssa."),
) -> None:
    """Avustukset, joiden käyttöselvitys on myöhässä: eräpäivä, myöhästyminen, muistutusporras ja pidätys;
    takaisinperinnät, joiden palautus on myöhässä. Poistumiskoodi 1, jos jotain on myöhässä.

    Esimerkki: [bold]avustus overdue --letters muistutukset[/]
    """
    env = env_of(ctx)
    day = option_date(as_of, "--as-of") or _today()
    store = env.store()
    if pdf and letters is None:
        raise ValidationError("--pdf tekee muistutuksista PDF-tiedostot, joten anna myös --letters KANSIO.")
    items = followup.overdue(store, env.settings, day)
    if letters is not None and items:
        done = followup.send_reminders(store, env.settings, items, letters, day, pdf=pdf)
        err.print(f"Muistutuksia kirjoitettu {len(done)} → {escape(str(letters))}", highlight=False)
        if done:
            items = followup.overdue(store, env.settings, day)
    if xlsx is not None:
        _overdue_workbook(xlsx, items)
    from avustus_cli.services import reclaiming

    late_reclaims = [r for r in reclaiming.open_reclaims(store) if r.overdue(day)]
    if as_json:
        print_json([i.as_json() for i in items]
                   + [{"kind": "reclaim", **r.as_json()} for r in late_reclaims])
    else:
        _print_overdue(items, late_reclaims, day)
    undated = followup.undated(store, env.settings)
    if undated:
        ids = ", ".join(g.id for g in undated[:20]) + (f" ja {len(undated) - 20} muuta" if len(undated) > 20 else "")
        err.print(escape(
            f"Huom: {len(undated)} avustuksen käyttöselvitys puuttuu, mutta eräpäivää ei voi laskea, koska "
            f"avustusvuosi puuttuu, joten ne eivät ole yllä: {ids}. Lisää vuosi aiempien avustusten "
            "rekisteriin ja tuo se uudelleen (avustus import --history)."), highlight=False)
    if items or late_reclaims or undated:
        raise typer.Exit(1)


def _sent_reminders(item: Any) -> str:
    return ", ".join(f"{r['level']}. {fmt.date(dt.date.fromisoformat(r['sent']))}" for r in item.reminders_sent)


def _overdue_workbook(xlsx: Path, items: list[Any]) -> None:
    """The overdue usage reports as an Excel workbook."""
    from avustus_cli.adapters.excel import Sheet, write_workbook

    rows = [
        [i.overdue.grant.id, i.overdue.grant.applicant, i.overdue.grant.business_id or "", i.overdue.grant.year,
         i.overdue.grant.amount, i.overdue.due, i.overdue.days_late, LEVEL_LABELS[i.overdue.level],
         "kyllä" if i.overdue.held else "ei", _sent_reminders(i)]
        for i in items
    ]
    write_workbook(xlsx, [Sheet("Myöhässä", ["Avustus", "Saaja", "Y-tunnus", "Vuosi", "Myönnetty €", "Eräpäivä",
                                             "Myöhässä (pv)", "Porras", "Maksatus pidätetty", "Muistutukset"],
                                 rows, money2_columns=(4,), widths={1: 40, 7: 36, 9: 30})])
    err.print(escape(f"Kirjoitettu: {xlsx}"), highlight=False)


def _print_overdue(items: list[Any], late_reclaims: list[Any], day: dt.date) -> None:
    """The late reclaims and the overdue usage reports as tables."""
    if late_reclaims:
        from avustus_cli.cli.reclaim_cmds import print_reclaims

        out.print("Takaisinperinnät, joiden eräpäivä on mennyt ja palautus puuttuu:", highlight=False)
        print_reclaims(late_reclaims, day)
    if not items:
        out.print(f"Ei myöhässä olevia käyttöselvityksiä {fmt.date(day)}.", highlight=False)
        return
    t = Table(title=f"Myöhässä olevat käyttöselvitykset {fmt.date(day)}")
    for col in ("Avustus", "Saaja", "Vuosi", "Myönnetty", "Eräpäivä", "Myöhässä", "Porras", "Pidätys", "Muistutukset"):
        t.add_column(col)
    for i in items:
        o = i.overdue
        t.add_row(escape(o.grant.id), escape(o.grant.applicant), str(o.grant.year or ""), fmt.money(o.grant.amount),
                  fmt.date(o.due), f"{o.days_late} pv", LEVEL_LABELS[o.level], "kyllä" if o.held else "ei",
                  _sent_reminders(i))
    show_table(t)

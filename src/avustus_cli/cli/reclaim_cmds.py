"""Reclaim (takaisinperintä): reclaim start / decide / paid / list."""

from __future__ import annotations

import datetime as dt
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
    option_money,
    out,
    output_folder,
    print_json,
    required_date,
    show_table,
)
from avustus_cli.cli.letters import channel as channel_of
from avustus_cli.cli.letters import print_paths
from avustus_cli.domain import fmt
from avustus_cli.domain.interest import LateInterest, half_year_label
from avustus_cli.domain.reclaim import STATE_LABELS, Reclaim
from avustus_cli.services import reclaiming as svc

reclaim_app = typer.Typer(
    help="Avustuksen takaisinperintä: kuuleminen, päätös oikaisuvaatimusohjeineen ja palautukset.",
    no_args_is_help=True,
)
app.add_typer(reclaim_app, name="reclaim")


@reclaim_app.command("start")
def reclaim_start_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    grounds: str = typer.Option(..., "--grounds", help="Miksi takaisinperintää harkitaan (kokonainen lause kuulemiskirjeeseen)."),
    amount: str = typer.Option(None, "--amount", help="Esitettävä määrä euroina (oletus: käyttöselvitysten käyttämättä jäänyt "
                               "avustus, muuten koko maksettu avustus)."),
    date: str = typer.Option(None, "--date", help="Kuulemiskirjeen päiväys ja lähetyspäivä (oletus: tänään)."),
    days: int = typer.Option(14, "--days", help="Vastausaika päivinä tiedoksisaannista."),
    channel: str = typer.Option("letter", "--channel", help="Lähetystapa: letter (kirje, 7. päivä) tai email (sähköposti, 3. päivä)."),
    letters: Path = typer.Option(svc.DEFAULT_LETTERS, "--letters", callback=output_folder, help="Kansio kirjeille."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee kirjeestä myös PDF/A-tiedosto (LibreOffice)."),
) -> None:
    """Aloita takaisinperintä kuulemalla avustuksen saajaa (hallintolaki 34 §): kuulemiskirje kertoo, mitä
    esitetään, millä perusteilla ja mihin mennessä voi vastata.

    Esimerkki: [bold]avustus reclaim start AV-2026-031 --grounds "Avustuksesta jäi käyttämättä osa, jota ei ole palautettu."[/]
    """
    env = env_of(ctx)
    r = svc.start_reclaim(
        env.store(), env.settings, grant_id, grounds=grounds, amount=option_money(amount, "--amount"),
        letter_date=option_date(date, "--date") or dt.date.today(), channel=channel_of(channel), days=days, letters_dir=letters,
        pdf=pdf,
    )
    err.print(escape(f"Kuuleminen: {grant_id}, esitetään perittäväksi {fmt.money2(r.reclaim.proposed)}, vastausaika "
                     f"päättyy {fmt.date(r.reclaim.answer_due)}."), highlight=False)
    print_paths(r.letters)


@reclaim_app.command("decide")
def reclaim_decide_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    date: str = typer.Option(..., "--date", help="Päätöksen päivämäärä (VVVV-KK-PP)."),
    section: str = typer.Option(..., "--section", help='Pykälä, esim. "§ 41".'),
    amount: str = typer.Option(..., "--amount", help="Takaisin perittävä määrä euroina."),
    due: str = typer.Option(..., "--due", help="Eräpäivä, johon mennessä määrä on maksettava."),
    reasons: str = typer.Option(..., "--reasons", help="Päätöksen perustelut (kokonaisin lausein)."),
    maker: str = typer.Option(None, "--maker", help="Päättäjä (oletus: asetusten toimielin)."),
    answered: str = typer.Option(None, "--answered", help="Vastineen saapumispäivä, jos vastine saapui."),
    sent: str = typer.Option(None, "--sent", help="Lähetyspäivä (oletus: päätöstä seuraava arkipäivä)."),
    channel: str = typer.Option("letter", "--channel", help="Lähetystapa: letter tai email."),
    letters: Path = typer.Option(svc.DEFAULT_LETTERS, "--letters", callback=output_folder, help="Kansio kirjeille."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee kirjeestä myös PDF/A-tiedosto (LibreOffice)."),
) -> None:
    """Kirjaa takaisinperintäpäätös ja kirjoita päätöskirje oikaisuvaatimusohjeineen (vasta kuulemisen jälkeen).

    Esimerkki: [bold]avustus reclaim decide AV-2026-031 --date 2027-08-24 --section "§ 41" --amount 2000 --due 2027-09-30 --reasons "Vastinetta ei annettu."[/]
    """
    env = env_of(ctx)
    money = option_money(amount, "--amount")
    assert money is not None
    r = svc.decide_reclaim(
        env.store(), env.settings, grant_id, decision_date=required_date(date, "--date"), section=section, amount=money,
        due=required_date(due, "--due"), reasons=reasons, maker=maker, answered=option_date(answered, "--answered"),
        sent=option_date(sent, "--sent"), channel=channel_of(channel), letters_dir=letters, pdf=pdf,
    )
    err.print(escape(f"Takaisinperintä päätetty: {grant_id} {fmt.money2(money)}, eräpäivä {fmt.date(r.reclaim.due)}; "
                     f"oikaisuvaatimusaika päättyy {fmt.date(r.review_last_day)}."), highlight=False)
    print_paths(r.letters)


@reclaim_app.command("paid")
def reclaim_paid_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    date: str = typer.Option(..., "--date", help="Palautuksen maksupäivä."),
    amount: str = typer.Option(None, "--amount", help="Palautettu määrä (oletus: koko palauttamatta oleva määrä)."),
) -> None:
    """Kirjaa takaisinperityn avustuksen palautus.

    Esimerkki: [bold]avustus reclaim paid AV-2026-031 --date 2027-09-20[/]
    """
    env = env_of(ctx)
    day = required_date(date, "--date")
    r = svc.record_return(env.store(), grant_id, day, option_money(amount, "--amount"))
    left = f"palauttamatta {fmt.money2(r.outstanding)}" if r.outstanding > 0 else "palautettu kokonaan"
    err.print(escape(f"Palautus kirjattu: {grant_id}, palautettu yhteensä {fmt.money2(r.returned)}, {left}."), highlight=False)
    late = svc.late_interest(env.store(), env.settings, r, day)
    if late is not None:
        print_interest(r, late, day)


@reclaim_app.command("list")
def reclaim_list_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Tilannepäivä eräpäivien vertailuun (oletus: tänään)."),
    everything: bool = typer.Option(False, "--all", help="Myös kokonaan palautetut."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Avoimet takaisinperinnät: kuultavana, päätetty ja palautus kesken (myöhässä olevat merkitty).

    Esimerkki: [bold]avustus reclaim list[/]
    """
    env = env_of(ctx)
    day = option_date(as_of, "--as-of") or dt.date.today()
    found = svc.open_reclaims(env.store(), everything)
    interest = {r.grant_id: svc.late_interest(env.store(), env.settings, r, day) for r in found}
    if as_json:
        print_json([{**r.as_json(), "overdue": r.overdue(day), "interest": _interest_json(interest[r.grant_id])}
                    for r in found])
        return
    print_reclaims(found, day)
    for r in found:
        late = interest[r.grant_id]
        if late is not None:
            print_interest(r, late, day)


def _interest_json(late: LateInterest | None) -> dict[str, Any] | None:
    if late is None:
        return None
    return {
        "total": str(late.total) if late.total is not None else None,
        "missing_reference_rates": [d.isoformat() for d in late.missing],
        "rows": [{"first": x.first.isoformat(), "last": x.last.isoformat(), "days": x.days, "principal": str(x.principal),
                  "reference_rate": str(x.reference) if x.reference is not None else None,
                  "rate": str(x.rate) if x.rate is not None else None,
                  "interest": str(x.interest) if x.interest is not None else None} for x in late.rows],
    }


def print_interest(r: Reclaim, late: LateInterest, day: dt.date) -> None:
    """The late-payment interest of one reclaim, row by row, so that it can be recomputed."""
    until = fmt.date(day) if r.outstanding > 0 else "palautukseen"
    if late.total is not None:
        out.print(escape(f"{r.grant_id}: viivästyskorko (korkolaki 4 § 1 mom.) eräpäivän {fmt.date(r.due)} jälkeen "
                         f"{until} asti {fmt.money2(late.total)}:"), highlight=False)
    else:
        missing = ", ".join(half_year_label(d) for d in late.missing)
        out.print(escape(f"{r.grant_id}: viivästyskorkoa ei voi laskea: viitekorko puuttuu asetuksista kaudelta {missing}. "
                         "Lisää Suomen Pankin julkaisema viitekorko asetukseen [interest] reference_rates."), highlight=False)
    for line in late.lines():
        out.print(escape(f"  {line}"), highlight=False)


def print_reclaims(found: list[Reclaim], day: dt.date) -> None:
    if not found:
        out.print("Ei avoimia takaisinperintöjä.", highlight=False)
        return
    t = Table(title=f"Takaisinperinnät {fmt.date(day)}")
    for col in ("Avustus", "Tila", "Kuultu", "Vastausaika", "Päätös", "Määrä", "Eräpäivä", "Palauttamatta"):
        t.add_column(col, justify="right" if col in ("Määrä", "Palauttamatta") else "left")
    for r in found:
        state = STATE_LABELS[r.state] + (" [red](myöhässä)[/]" if r.overdue(day) else "")
        decided = f"{fmt.date(r.decision_date)} § {r.section}" if r.decision_date else ""
        t.add_row(escape(r.grant_id), state, fmt.date(r.hearing_date), fmt.date(r.answer_due), escape(decided),
                  fmt.money2(r.amount if r.amount is not None else r.proposed), fmt.date(r.due), fmt.money2(r.outstanding))
    show_table(t)

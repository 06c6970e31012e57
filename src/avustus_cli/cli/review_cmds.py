"""Review requests (oikaisuvaatimus): review add, review decide, review list."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import app, env_of, err, option_date, option_money, out, output_folder, print_json, required_date
from avustus_cli.cli.letters import channel as channel_of
from avustus_cli.cli.letters import print_paths
from avustus_cli.domain import fmt
from avustus_cli.domain.errors import ValidationError
from avustus_cli.domain.models import choice_from
from avustus_cli.domain.review import OUTCOMES
from avustus_cli.services import reviewing as svc

review_app = typer.Typer(
    help="Oikaisuvaatimukset: saapuneen kirjaus, päätös valitusosoituksineen ja luettelo.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")


@review_app.command("add")
def review_add_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus (hakemusnumero)."),
    received: str = typer.Option(..., "--received", help="Oikaisuvaatimuksen saapumispäivä (VVVV-KK-PP)."),
    by: str = typer.Option(..., "--by", help="Oikaisuvaatimuksen tekijä."),
    member: bool = typer.Option(False, "--member", help="Tekijä on hyvinvointialueen jäsen (ei hakija)."),
    address: str = typer.Option(None, "--address", help='Jäsenen postiosoite päätöksen lähettämistä varten, esim. "Kauppakatu 1 A 2, 40100 Jyväskylä".'),
    email: str = typer.Option(None, "--email", help="Jäsenen sähköpostiosoite (päätös lähetetään sähköpostilla, kun päätöksen tiedoksianto on --channel email tai postiosoitetta ei ole)."),
) -> None:
    """Kirjaa saapunut oikaisuvaatimus. Avustuksen maksatus pidätetään, kunnes siihen on päätetty.

    Hyvinvointialueen jäsenen oikaisuvaatimukseen annettu päätös lähetetään myös jäsenelle: anna hänen
    postiosoitteensa (--address) tai sähköpostiosoitteensa (--email).

    Esimerkki: [bold]avustus review add AV-2027-004 --received 2027-02-10 --by "Yhdistys ry"[/]
    """
    env = env_of(ctx)
    r = svc.add_request(env.store(), env.settings, grant_id, received=required_date(received, "--received"), by=by,
                        member=member, address=address, email=email)
    who = "hyvinvointialueen jäsenen" if member else "hakijan"
    if r.contact_added:
        err.print(escape(f"Oikaisuvaatimus on jo kirjattu ({grant_id}, saapunut {fmt.date(r.request.received)}); "
                         "siihen lisättiin jäsenen yhteystieto päätöksen lähettämistä varten."), highlight=False)
        return
    if not r.new:
        err.print(escape(f"Sama oikaisuvaatimus on jo kirjattu ({grant_id}, saapunut {fmt.date(r.request.received)}); "
                         "mitään ei muutettu."), highlight=False)
        return
    maker = "hyvinvointialueen jäsen" if member else "hakija"
    err.print(escape(f"Oikaisuvaatimus kirjattu: {grant_id}, tekijä {maker}, saapunut {fmt.date(r.request.received)}. "
                     "Avustuksen maksatus on pidätetty, kunnes oikaisuvaatimukseen on päätetty."), highlight=False)
    if r.in_time is False and r.last_day is not None:
        err.print(escape(f"Huomio: {who} oikaisuvaatimusaika päättyi {fmt.date(r.last_day)}; oikaisuvaatimus saapui "
                         "myöhässä. Myöhässä saapunut oikaisuvaatimus jätetään tutkimatta."), highlight=False)
    elif r.in_time is None:
        err.print(escape(f"Huomio: {who} oikaisuvaatimusaikaa ei voi laskea (tiedoksiantopäivä tai pöytäkirjan "
                         "julkaisupäivä puuttuu); tarkista, saapuiko oikaisuvaatimus ajoissa."), highlight=False)


@review_app.command("decide")
def review_decide_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    date: str = typer.Option(..., "--date", help="Oikaisuvaatimuspäätöksen päivämäärä (VVVV-KK-PP)."),
    section: str = typer.Option(..., "--section", help='Pöytäkirjan pykälä, esim. "§ 41".'),
    outcome: str = typer.Option(..., "--outcome", help="pysytetään (kept: päätös pysytetään) tai muutetaan (changed: päätöstä muutetaan)."),
    reasons: str = typer.Option(..., "--reasons", help="Päätöksen perustelut (tulevat kirjeeseen)."),
    amount: str = typer.Option(None, "--amount", help="Uusi summa euroina (vain --outcome changed)."),
    maker: str = typer.Option(None, "--maker", help="Päättäjä (oletus: asetusten toimielin)."),
    letters: Path = typer.Option(svc.DEFAULT_LETTERS, "--letters", callback=output_folder, help="Kansio päätöskirjeelle."),
    channel: str = typer.Option("letter", "--channel", help="Tiedoksianto: letter (kirje) tai email (sähköposti)."),
    sent: str = typer.Option(None, "--sent", help="Lähetyspäivä (oletus: päätöstä seuraava arkipäivä)."),
    yes: bool = typer.Option(False, "--yes", help="Hyväksy määrärahan ylitys (kirjataan lokiin)."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee kirjeestä myös PDF/A-tiedosto (LibreOffice)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa."),
) -> None:
    """Kirjaa päätös oikaisuvaatimukseen ja kirjoita päätöskirje valitusosoituksineen (hallinto-oikeus).

    Esimerkki: [bold]avustus review decide AV-2027-004 --date 2027-03-16 --section "§ 41" --outcome kept --reasons "..."[/]
    """
    env = env_of(ctx)
    chosen = choice_from(outcome, OUTCOMES, {"pysytetty": "kept", "pysytä": "kept", "muutettu": "changed", "muuta": "changed"})
    if chosen is None:
        raise ValidationError(f"--outcome {outcome!r}: käytä pysytetään (kept) tai muutetaan (changed).")
    outcome = chosen
    r = svc.decide_review(
        env.store(), env.settings, grant_id, decision_date=required_date(date, "--date"), section=section,
        outcome=outcome, reasons=reasons, amount=option_money(amount, "--amount"), maker=maker, letters_dir=letters,
        channel=channel_of(channel), sent=option_date(sent, "--sent"), yes=yes, pdf=pdf,
    )
    if as_json:
        print_json({
            "grant": r.grant_id, "outcome": r.outcome, "old_amount": str(r.old_amount), "new_amount": str(r.new_amount),
            "requests": r.decided, "letters": [str(p) for p in r.letters], "overrun": str(r.overrun),
            "appeal_last_day": r.appeal_last_day.isoformat() if r.appeal_last_day else None})
        return
    what = ("päätös pysytetään" if r.outcome == "kept"
            else f"päätöstä muutetaan: {fmt.money2(r.old_amount)} → {fmt.money2(r.new_amount)}")
    err.print(escape(f"Oikaisuvaatimuspäätös kirjattu: {grant_id}, {what}. Valitusaika päättyy "
                     f"{fmt.date(r.appeal_last_day)}."), highlight=False)
    if r.overrun > 0:
        err.print(escape(f"Määräraha ylittyy {fmt.money2(r.overrun)} (hyväksytty --yes, kirjattu lokiin)."), highlight=False)
    print_paths(r.letters)


@review_app.command("list")
def review_list_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Kirjatut oikaisuvaatimukset ja niihin annetut päätökset.

    Esimerkki: [bold]avustus review list[/]
    """
    env = env_of(ctx)
    rows = svc.requests(env.store())
    if as_json:
        print_json([r.as_json() for r in rows])
        return
    t = Table(title="Oikaisuvaatimukset")
    for col in ("Avustus", "Saapui", "Tekijä", "Päätös"):
        t.add_column(col)
    for r in rows:
        decided = ("käsittelemättä" if r.pending else
                   f"{r.maker} {fmt.date(r.decision_date)} § {r.section}: {OUTCOMES[r.outcome or '']}")
        t.add_row(escape(r.grant_id), fmt.date(r.received), "hyvinvointialueen jäsen" if r.member else "hakija",
                  escape(decided))
    out.print(t)

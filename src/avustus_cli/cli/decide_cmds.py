"""Decisions and payments: decide, amend, payments, paid, instalments, agreement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import (
    app,
    env_of,
    err,
    input_file,
    next_step,
    option_date,
    option_money,
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
from avustus_cli.domain.letter import CHANNEL_LABELS
from avustus_cli.services import deciding as svc
from avustus_cli.services import paying

_PAYMENT_STATES = {"payable": "[green]maksettavissa[/]", "held": "[red]pidätetty[/]", "paid": "maksettu"}


def _today() -> dt.date:
    return dt.date.today()


@app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    date: str = typer.Option(..., "--date", help="Päätöksen päivämäärä (VVVV-KK-PP)."),
    section: str = typer.Option(..., "--section", help='Pöytäkirjan pykälä, esim. "§ 12".'),
    maker: str = typer.Option(None, "--maker", help="Päättäjä (oletus: asetusten toimielin, esim. Aluehallitus). "
                              "Strategiajohtajan nimike kirjaa vain pienet kumppanuussopimukset (S04)."),
    from_file: Path = typer.Option(None, "--from", callback=input_file, help="Muokattu esitys (esitys.xlsx, taulukko Esitys): toimielimen muutokset."),
    channel: str = typer.Option("letter", "--channel", help="Tiedoksianto: letter (kirje, 7. päivä) tai email (sähköposti, 3. päivä)."),
    sent: str = typer.Option(None, "--sent", help="Lähetyspäivä (oletus: päätöstä seuraava arkipäivä)."),
    letters: Path = typer.Option(svc.DEFAULT_LETTERS, "--letters", callback=output_folder, help="Kansio päätöskirjeille ja postitus.csv:lle."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa."),
    minutes_published: str = typer.Option(None, "--minutes-published", help="Pöytäkirjan julkaisupäivä verkossa: "
                                           "jäsenten oikaisuvaatimusaika (7 pv + 14 pv) lasketaan siitä."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee kirjeistä myös PDF/A-tiedostot (LibreOffice)."),
    budget: str = typer.Option(None, "--budget", help="Määräraha, jota --from-taulukko ei saa ylittää, jos esitys tehtiin propose --budget -valinnalla."),
) -> None:
    """Kirjaa päätös (esityksen mukaan tai --from-taulukon muutoksin) ja kirjoita päätöskirjeet
    oikaisuvaatimusohjeineen. Saman päätöksen voi ajaa uudelleen: mitään ei kirjata kahdesti.

    Esimerkki: [bold]avustus decide --date 2027-01-26 --section "§ 12"[/]
    """
    env = env_of(ctx)
    day = required_date(date, "--date")
    meeting = env.settings.meeting_date
    if meeting is not None and day is not None and day != meeting:
        err.print(escape(f"Huomio: päätöspäivä {fmt.date(day)} ei ole asetusten kokouspäivä {fmt.date(meeting)} "
                         "(decision.meeting_date), jolle päätösesitys laadittiin."), highlight=False)
    from avustus_cli.cli.progress import Progress

    with Progress("Kirjataan päätöksiä ja kirjoitetaan päätöskirjeitä", enabled=not as_json):
        result = svc.decide(
            env.store(), env.settings,
            decision_date=day, section=section, maker=maker, from_file=from_file,
            channel=channel_of(channel), sent=option_date(sent, "--sent"), letters_dir=letters,
            budget_total=option_money(budget, "--budget"),
            minutes_published=option_date(minutes_published, "--minutes-published"), pdf=pdf,
        )
    if as_json:
        print_json(result.as_json())
    else:
        _print_decided(result, letters)
    if result.letters:
        mailing = f" ({result.mailing})" if result.mailing else ""
        next_step(f"lähetä päätöskirjeet{mailing} ja laadi maksatuslista: avustus payments --xlsx maksatus.xlsx")
    else:
        next_step("laadi maksatuslista: avustus payments --xlsx maksatus.xlsx")


def _print_decided(result: svc.DecideResult, letters: Path) -> None:
    """decide's summary for the officer: the decision, counts, letters, what was left and why."""
    r = result.review
    err.print(
        escape(f"Päätös: {result.maker} {fmt.date(result.decision_date)} § {result.section}. "
               f"Lähetys {fmt.date(r['sent'])} ({CHANNEL_LABELS[r['channel']]}), tiedoksisaanti "
               f"{fmt.date(r['served'])}, oikaisuvaatimusaika päättyy {fmt.date(r['last_day'])}."),
        highlight=False,
    )
    t = Table(show_header=False, box=None)
    t.add_row("uusia päätöksiä", str(len(result.new)))
    t.add_row("jo kirjattuja, ennallaan", str(len(result.unchanged)))
    if result.kept_amended:
        t.add_row("muutettuja (amend), ennallaan", str(len(result.kept_amended)))
    t.add_row("myönteisiä", f"{result.totals['granted_count']} ({fmt.money(Decimal(result.totals['granted_sum']))})")
    t.add_row("hylättyjä", str(result.totals["refused_count"]))
    t.add_row("kirjeitä", f"{len({p.stem for p in result.letters if p.name.startswith('paatos_')})} → {letters}")
    if result.decision_document:  # the strategy director's decision as made
        t.add_row("viranhaltijapäätös", ", ".join(p.name for p in result.decision_document))
    out.print(t)
    if result.routed:
        deciders = sorted({d for _, d in result.routed})
        out.print(
            escape(f"Ei kirjattu, päättäjä on toinen (S04: {', '.join(deciders)}): "
                   + svc.few_ids([a for a, _ in result.routed], 8)),
            highlight=False,
        )
    if result.by_post:
        err.print(
            escape(f"Postitse (hakemuksella ei ole sähköpostiosoitetta), tiedoksi 7. päivänä: {len(result.by_post)} "
                   "kirjettä: " + svc.few_ids(result.by_post, 8)),
            highlight=False,
        )
    if result.pending:
        err.print(
            escape("Ei kirjattu, käsittely kesken (avoimia huomioita tai täydennyksen määräaika kesken; ne eivät "
                   "olleet päätösesityksessä): " + svc.few_ids(result.pending, 8)),
            highlight=False,
        )
    if result.kept_letters:
        err.print(
            escape(f"Huom: {len(result.kept_letters)} kirjettä oli jo kirjoitettu toisin, eikä niitä korvattu "
                   "(lähetetty kirje on asiakirja): " + ", ".join(p.name for p in result.kept_letters[:6])
                   + (" ym." if len(result.kept_letters) > 6 else "")),
            highlight=False,
        )
    if result.restored_letters:
        err.print(
            escape(f"Huom: {len(result.restored_letters)} tiedostoa oli tyhjiä (esimerkiksi sähkökatkon jäljiltä); "
                   "ne kirjoitettiin uudelleen tallennetuin päivämäärin, sellaisina kuin ne kirjattiin: "
                   + svc.few_ids([p.name for p in result.restored_letters], 6)),
            highlight=False,
        )
    if result.backup:
        err.print(escape(f"Varmuuskopio: {result.backup}"), highlight=False)


@app.command("amend")
def amend_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus (hakemusnumero)."),
    date: str = typer.Option(..., "--date", help="Muutospäätöksen päivämäärä (VVVV-KK-PP)."),
    section: str = typer.Option(..., "--section", help='Muutospäätöksen pykälä, esim. "§ 30".'),
    reason: str = typer.Option(..., "--reason", help="Muutoksen perustelu (tulee päätöskirjeeseen ja lokiin)."),
    amount: str = typer.Option(None, "--amount", help="Uusi summa euroina (oletus: ennallaan)."),
    maker: str = typer.Option(None, "--maker", help="Päättäjä (oletus: asetusten toimielin)."),
    letters: Path = typer.Option(svc.DEFAULT_AMEND_LETTERS, "--letters", callback=output_folder,
                                 help="Kansio muutospäätöksen kirjeelle."),
    channel: str = typer.Option("letter", "--channel", help="Uuden kirjeen tiedoksianto: letter tai email."),
    sent: str = typer.Option(None, "--sent", help="Uuden kirjeen lähetyspäivä (oletus: päätöstä seuraava arkipäivä)."),
    minutes_published: str = typer.Option(None, "--minutes-published", help="Muutospäätöksen pöytäkirjan julkaisupäivä "
                                           "verkossa (jäsenten oikaisuvaatimusaika)."),
    yes: bool = typer.Option(False, "--yes", help="Hyväksy määrärahan ylitys (kirjataan lokiin)."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee kirjeestä myös PDF/A-tiedosto (LibreOffice)."),
) -> None:
    """Muuta päätettyä avustusta uudella päätöksellä: oma päivämäärä, pykälä, päättäjä ja perustelut sekä uusi
    päätöskirje oikaisuvaatimusohjeineen (varmuuskopio ensin, kirjataan lokiin).

    Määrärahan ylittävä muutos vaatii --yes. Oikaisuvaatimukseen päätetään komennolla avustus review decide.

    Esimerkki: [bold]avustus amend AV-2027-004 --date 2027-02-23 --section "§ 30" --amount 38000 --reason "..."[/]
    """
    env = env_of(ctx)
    r = svc.amend(
        env.store(), env.settings, grant_id, amount=option_money(amount, "--amount"), reason=reason,
        decision_date=required_date(date, "--date"), section=section, maker=maker, letters_dir=letters,
        channel=channel_of(channel), sent=option_date(sent, "--sent"), yes=yes,
        minutes_published=option_date(minutes_published, "--minutes-published"), pdf=pdf,
    )
    err.print(
        escape(f"Avustus {r.grant_id}: {fmt.money(r.old_amount)} → {fmt.money(r.new_amount)}. Varmuuskopio: {r.backup}"),
        highlight=False,
    )
    if r.overrun > 0:
        err.print(escape(f"Määräraha ylittyy {fmt.money2(r.overrun)} (hyväksytty --yes, kirjattu lokiin)."), highlight=False)
    print_paths(r.letters)


@app.command("payments")
def payments_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Tilannepäivä (oletus: tänään)."),
    xlsx: Path = typer.Option(None, "--xlsx", callback=output_file, help="Kirjoita maksettavien lista talouspalveluille (sisältää tilinumerot)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
    with_personal: bool = typer.Option(False, "--with-personal-data", help="Tilinumerot mukaan JSON-tulosteeseen."),
) -> None:
    """Päätetyt avustukset: maksettavissa, pidätetty (ja miksi) tai maksettu.

    Esimerkki: [bold]avustus payments --as-of 2027-03-01 --xlsx maksatus.xlsx[/]
    """
    env = env_of(ctx)
    day = option_date(as_of, "--as-of") or _today()
    lines = paying.payment_lines(env.store(), env.settings, day)
    if xlsx is not None:
        path = paying.write_payment_list(xlsx, lines, day)
        err.print(escape(f"Maksatuslista (vain omistajan luettavissa, sisältää tilinumerot): {path}"), highlight=False)
    if as_json:
        print_json([p.as_json(with_personal) for p in lines])
        return
    t = Table(title=f"Maksatus {fmt.date(day)}")
    for col in ("Avustus", "Erä", "Saaja", "Summa", "Maksamatta", "Tila", "Syy"):
        t.add_column(col, justify="right" if col in ("Summa", "Maksamatta") else "left")
    for p in lines:
        part = "" if p.instalments == 1 else f"{p.number}/{p.instalments} ({p.instalment.year})" if p.instalment else ""
        amount = p.amount if p.amount is not None else p.grant.amount
        t.add_row(escape(p.grant.id), part, escape(p.grant.applicant), fmt.money(amount), fmt.money(p.to_pay),
                  _PAYMENT_STATES[p.status], escape("; ".join(h.text for h in p.holds)))
    show_table(t)
    payable = [p for p in lines if p.status == "payable"]
    out.print(
        f"Maksettavissa {len(payable)} erää, yhteensä {fmt.money(sum((p.to_pay for p in payable), Decimal(0)))}; "
        f"pidätetty {sum(1 for p in lines if p.status == 'held')} erää.",
        highlight=False,
    )


@app.command("paid")
def paid_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    date: str = typer.Option(..., "--date", help="Maksupäivä (VVVV-KK-PP)."),
    amount: str = typer.Option(None, "--amount", help="Maksettu summa euroina (oletus: koko maksamatta oleva osuus)."),
    override: bool = typer.Option(False, "--override", help="Kirjaa maksu pidätyksestä huolimatta (vaatii --reason)."),
    reason: str = typer.Option(None, "--reason", help="Perustelu pidätyksen ohittamiselle."),
    instalment: int = typer.Option(None, "--instalment", help="Maksuerän numero (oletus: ensimmäinen maksamaton erä).", min=1),
) -> None:
    """Kirjaa avustuksen maksu. Pidätettyä avustusta ei kirjata maksetuksi ilman --override --reason.

    Maksu kirjataan maksuerälle (payments näyttää erät); kumppanuussopimus maksetaan sopimusvuosittain.

    Esimerkki: [bold]avustus paid AV-2027-004 --date 2027-03-02[/]
    """
    env = env_of(ctx)
    paid, holds = paying.record_payment(
        env.store(), env.settings, grant_id, required_date(date, "--date"), option_money(amount, "--amount"),
        override=override, reason=reason, instalment=instalment,
    )
    note = " (pidätys ohitettu: " + "; ".join(h.text for h in holds) + ")" if holds else ""
    part = f" ({instalment}. erä)" if instalment else ""
    err.print(escape(f"Maksu kirjattu: {grant_id}{part} {fmt.money2(paid)} {fmt.date(option_date(date, '--date'))}{note}."), highlight=False)


@app.command("instalments")
def instalments_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Avustuksen tunnus."),
    confirm: int = typer.Option(None, "--confirm", help="Kirjaa tämän erän ehto täyttyneeksi (sopimusvuoden määräraha vahvistettu).", min=1),
    date: str = typer.Option(None, "--date", help="Päivä, jona ehto täyttyi (oletus: tänään)."),
    reason: str = typer.Option(None, "--reason", help="Peruste, esim. talousarviopäätöksen päivä ja pykälä."),
    as_of: str = typer.Option(None, "--as-of", help="Tilannepäivä (oletus: tänään)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Avustuksen maksusuunnitelma: erät, niiden ehdot ja tila; --confirm kirjaa erän ehdon täyttyneeksi.

    Kumppanuussopimuksen myöhempien vuosien erät maksetaan, kun vuoden talousarviossa on määräraha.

    Esimerkki: [bold]avustus instalments AV-2027-010 --confirm 2 --date 2027-12-10 --reason "Aluevaltuusto 9.12.2027 § 80"[/]
    """
    env = env_of(ctx)
    day = option_date(as_of, "--as-of") or _today()
    if confirm is not None:
        when = option_date(date, "--date") or _today()
        paying.confirm_instalment(env.store(), env.settings, grant_id, confirm, when, reason or "")
        err.print(escape(f"Kirjattu: avustuksen {grant_id} {confirm}. erän määräraha vahvistettu {fmt.date(when)}."),
                  highlight=False)
        day = max(day, when)
    lines = paying.payment_lines(env.store(), env.settings, day, grant_id)
    if not lines:
        raise ValidationError(f"avustus {grant_id} ei ole tämän kierroksen myönteinen päätös, eikä sillä ole maksusuunnitelmaa.")
    if as_json:
        print_json([p.as_json() for p in lines])
        return
    t = Table(title=f"Maksusuunnitelma {escape(grant_id)} ({escape(lines[0].grant.applicant)}), tilanne {fmt.date(day)}")
    for col in ("Erä", "Vuosi", "Summa", "Maksettu", "Ehto", "Tila", "Syy"):
        t.add_column(col, justify="right" if col in ("Summa", "Maksettu") else "left")
    for p in lines:
        it = p.instalment
        t.add_row(str(p.number), str(it.year if it else ""), fmt.money(p.amount or p.grant.amount), fmt.money(p.paid or 0),
                  escape(it.condition_text if it else ""), _PAYMENT_STATES[p.status], escape("; ".join(h.text for h in p.holds)))
    show_table(t)


@app.command("agreement")
def agreement_cmd(
    ctx: typer.Context,
    grant_id: str = typer.Argument(..., help="Kumppanuussopimuksen avustuksen tunnus."),
    date: str = typer.Option(None, "--date", help="Sopimusasiakirjan päiväys (oletus: tänään)."),
    out_dir: Path = typer.Option(Path("sopimukset"), "--out", callback=output_folder, help="Kansio sopimuksille."),
) -> None:
    """Laadi kumppanuussopimus: osapuolten sitoumukset, mittarit ja niiden vuosiseuranta, sopimusvuodet ja
    maksuerät.

    Esimerkki: [bold]avustus agreement AV-2027-010 --date 2027-02-01[/]
    """
    env = env_of(ctx)
    paths = paying.write_agreement(env.store(), env.settings, grant_id, letter_date=option_date(date, "--date") or _today(),
                                   out_dir=out_dir)
    err.print(escape(f"Kumppanuussopimus: {grant_id}."), highlight=False)
    print_paths(paths)

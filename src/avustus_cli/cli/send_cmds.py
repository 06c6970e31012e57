"""Sending the letters by e-mail: send."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from avustus_cli.cli import app, env_of, err, out, output_folder, print_json
from avustus_cli.services import sending as svc


@app.command("send")
def send_cmd(
    ctx: typer.Context,
    outbox: Path = typer.Option(svc.DEFAULT_OUTBOX, "--out", callback=output_folder, help="Kansio .eml-tiedostoille."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Kirjoita .eml-tiedostot, mutta älä lähetä äläkä kirjaa mitään."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa."),
    resend: list[int] = typer.Option([], "--resend", help="Kirjeen numero: vahvistamatta jäänyt kirje ei mennyt perille, "
                                      "lähetä se uudelleen (samalla Message-ID:llä). Voi antaa useasti."),
    delivered: list[int] = typer.Option([], "--delivered", help="Kirjeen numero: vahvistamatta jäänyt kirje on tarkistettu "
                                         "menneen perille; kirjaa se lähetetyksi. Voi antaa useasti."),
) -> None:
    """Lähetä kirjeet sähköpostilla: kukin kirje .eml-tiedostoksi ja SMTP-asetuksilla palvelimelle; mitään ei
    lähetetä kahdesti.

    Lähetettävät ovat kirjeet, joiden tiedoksiantotapa on sähköposti ja joita ei ole vielä lähetetty. Ilman
    asetusta smtp.host kirjoitetaan vain .eml-tiedostot (avaa ja lähetä ne sähköpostiohjelmalla). Salasana
    luetaan ympäristömuuttujasta AVUSTUS_SMTP_PASSWORD. Poistumiskoodi 1, jos jokin kirje jäi lähettämättä.

    Esimerkki: [bold]avustus send --dry-run[/]
    """
    env = env_of(ctx)
    r = svc.send(env.store(), env.settings, outbox=outbox, dry_run=dry_run, resend=resend, delivered=delivered)
    if as_json:
        print_json(r.as_json())
    else:
        if not (r.written or r.skipped):
            out.print("Ei lähetettäviä sähköpostikirjeitä.", highlight=False)
        for rec, eml in r.written:
            out.print(escape(f"{svc.describe(rec)} → {eml}"), highlight=False)
        if r.dry_run:
            err.print(escape(f"Kokeiluajo: {len(r.written)} viestiä kirjoitettu kansioon {r.outbox}; mitään ei "
                             "lähetetty eikä kirjattu."), highlight=False)
        elif not r.smtp and r.written:
            err.print(escape(f"SMTP-asetuksia ei ole (smtp.host): {len(r.written)} viestiä kirjoitettu kansioon "
                             f"{r.outbox}. Lähetä ne sähköpostiohjelmalla tai anna asetukset [smtp]; mitään ei "
                             "kirjattu lähetetyksi."), highlight=False)
        elif r.smtp:
            err.print(escape(f"Lähetetty {len(r.sent)}, epäonnistui {len(r.failed)}."), highlight=False)
        for rec, why in r.failed:
            err.print(escape(f"Ei lähetetty: {svc.describe(rec)}: {why}. Kirje jää lähetettäväksi; aja avustus send "
                             "uudelleen."), highlight=False)
        for rec, why in r.skipped:
            err.print(escape(f"Ohitettu: {svc.describe(rec)}: {why}."), highlight=False)
        for rec in r.unconfirmed:
            err.print(escape(svc.unconfirmed_line(rec)), highlight=False)
    if r.failed or r.skipped or r.unconfirmed:
        raise typer.Exit(1)

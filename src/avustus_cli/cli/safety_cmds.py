"""Keeping the data safe: backup, restore, privacy, purge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import (
    app,
    command_line,
    env_of,
    err,
    input_file,
    out,
    output_folder,
    print_json,
    required_date,
    show_table,
)
from avustus_cli.domain import fmt
from avustus_cli.services import safety


@app.command("backup")
def backup_cmd(
    ctx: typer.Context,
    folder: Path = typer.Argument(None, callback=output_folder, help="Kansio, johon varmuuskopio tehdään (oletus: varmuuskopiot/ tietokannan vieressä).", show_default=False),
) -> None:
    """Ota tietokannasta eheä varmuuskopio.

    Tiedoston nimessä on aikaleima ja vain omistaja voi lukea sen. Onnistuu myös, kun toinen käyttäjä tekee samaan aikaan muutoksia: kopio on viimeisimmän tallennetun tilan mukainen.

    Esimerkki: [bold]avustus backup /mnt/verkkolevy/avustukset[/]
    """
    env = env_of(ctx)
    store = env.store(create=False)
    path = safety.take_backup(store, folder)
    err.print(escape(f"Varmuuskopio otettu: {path}"), highlight=False)
    out.print(escape(str(path)), highlight=False, soft_wrap=True)


@app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., callback=input_file, help="Palautettava varmuuskopio (avustus backup -komennon tekemä .db-tiedosto)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa."),
) -> None:
    """Palauta tietokanta varmuuskopiosta.

    Tiedosto tarkistetaan ensin (eheys, skeeman versio, että se on
    avustus-tietokanta); nykyisestä tietokannasta otetaan varmuuskopio ennen kuin mitään korvataan.

    Esimerkki: [bold]avustus restore varmuuskopiot/avustus-20270115-093000-000000.db[/]
    """
    env = env_of(ctx)
    env.close()
    result = safety.restore(env.database_path(), file, env.settings.lock_timeout, command=command_line(ctx))
    if as_json:
        print_json(result.__dict__)
        return
    err.print(escape(f"Palautettu {result.restored_from} → {result.database}."), highlight=False)
    if result.previous_backup:
        err.print(escape(f"Edellinen tietokanta on tallessa: {result.previous_backup}. Kun olet todennut palautetun "
                         "tietokannan oikeaksi, poista tämä tiedosto (siinä on henkilötietoja; purge ei poista sitä)."),
                  highlight=False)
    out.print(f"hakemuksia {result.applications}, avustuksia {result.grants}, skeema {result.migrated_to}", highlight=False)


@app.command("privacy")
def privacy_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Missä henkilötietoja säilytetään ja kuinka paljon.

    Yhteyshenkilöt, sähköpostit, puhelinnumerot ja tilinumerot taulukoittain; montako hakemusta on säilytysajan jälkeen poistettavissa (avustus purge).

    Esimerkki: [bold]avustus privacy --json[/]
    """
    env = env_of(ctx)
    data = safety.privacy_report(env.store(create=False), env.settings.retention_years)
    if as_json:
        print_json(data)
        return
    out.print(f"Tietokanta {escape(data['database'])}: {data['applications']} hakemusta, joista henkilötietoja "
              f"{data['applications_with_personal_data']}.", highlight=False)
    t = Table(title="Henkilötiedot tietokannassa")
    for col in ("Taulu", "Sarake", "Mitä", "Hakemuksia", "Soluja"):
        t.add_column(col)
    for loc in data["locations"]:
        t.add_row(loc["table"], loc["column"], loc["what"], str(loc["rows"]), str(loc.get("cells", "")))
    show_table(t)
    if data["columns"]:
        out.print(escape("Henkilötietoja viennin sarakkeissa: " + ", ".join(f"{h} ({n})" for h, n in data["columns"].items())),
                  highlight=False)
    f = data["files"]
    out.print(escape(f"Ohjelman kirjoittamia kirjeitä ja postituslistoja {f['count']} kansioissa {', '.join(f['roots'])}"
                     + (f"; {f['note']}." if f["count"] else ".")), highlight=False)
    b = data["backups"]
    out.print(escape(f"Varmuuskopioita {b['files']} kansiossa {b['folder']}" + (f" (vanhin {fmt.date(dt.date.fromisoformat(b['oldest']))})" if b["oldest"] else "")
                     + f"; {b['note']}."), highlight=False)
    out.print(f"Säilytysaika {data['retention_years']} vuotta: päättynyt {data['retention_ended']} hakemukselta"
              + (f", ei laskettavissa {data['retention_unknown']}" if data["retention_unknown"] else "")
              + ". Poista: avustus purge --as-of PVM", highlight=False)


@app.command("purge")
def purge_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(..., "--as-of", help="Päivä, jonka mukaan säilytysaika lasketaan (esim. 31.12.2037)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Näytä vain määrät; mitään ei poisteta."),
    files: bool = typer.Option(False, "--files", help="Poista myös ohjelman kirjoittamat kirjeet ja postituslistat (henkilötietoja) tietokannan ja työkansion alta."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa."),
) -> None:
    """Poista yhteyshenkilöiden tiedot, joiden säilytysaika on päättynyt.

    Nimi, sähköposti, puhelin ja tilinumero poistetaan (asetus \\[followup] retention_years, oletus 10 vuotta viimeisestä maksusta; myöntämättömät: saapumisvuoden
    lopusta). Päätökset ja summat säilyvät. Varmuuskopio otetaan ensin; lokiin kirjataan vain määrät.

    Esimerkki: [bold]avustus purge --as-of 31.12.2037 --dry-run[/]
    """
    env = env_of(ctx)
    day = required_date(as_of, "--as-of")
    result = safety.purge(env.store(create=False), day, env.settings.retention_years, dry_run=dry_run,
                          backup_keep_days=env.settings.backup_keep_days, files=files)
    if as_json:
        print_json(result.as_json())
        return
    head = "Kuivaharjoitus (ei poistettu): " if dry_run else ""
    err.print(f"{head}säilytysaika {result.retention_years} vuotta, laskettu päivään {fmt.date(day)}.", highlight=False)
    t = Table(show_header=False, box=None)
    t.add_row("hakemuksia, joilta poistetaan" if dry_run else "hakemuksia, joilta poistettiin", str(result.applications))
    for k, n in result.fields.items():
        t.add_row(f"  {safety.PERSONAL_LABELS[k]}", str(n))
    t.add_row("  alkuperäisen rivin soluja", str(result.raw_cells))
    t.add_row("säilytysaika kesken", str(result.kept))
    if files:
        t.add_row("kirjeitä ja postituslistoja, jotka poistetaan" if dry_run else "kirjeitä ja postituslistoja poistettiin",
                  str(len(result.files)))
    if result.unknown:
        t.add_row("säilytysaikaa ei voi laskea (säilytetään)", str(result.unknown))
    show_table(t)
    if result.backup:
        err.print(escape(f"Varmuuskopio ennen poistoa: {result.backup} (sisältää poistetut tiedot: hävitä se, kun sitä ei enää tarvita)."), highlight=False)
    if result.old_backups:
        what = "poistettaisiin" if result.dry_run else "poistettiin"
        err.print(escape(f"Yli {env.settings.backup_keep_days} päivää vanhoja varmuuskopioita {what} "
                         f"{len(result.old_backups)} (asetus system.backup_keep_days)."), highlight=False)

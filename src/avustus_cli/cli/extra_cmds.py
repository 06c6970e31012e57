"""Beyond the round: open data, statistics, the register of decision makers'
positions and conflicts of interest (export, stats, positions, conflicts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.adapters import charts
from avustus_cli.adapters.excel import Sheet, title_block, write_workbook
from avustus_cli.cli import (
    app,
    env_of,
    err,
    input_file,
    option_date,
    out,
    output_file,
    output_folder,
    print_json,
    show_table,
)
from avustus_cli.domain import fmt, stats
from avustus_cli.domain.errors import AvustusError
from avustus_cli.services import opendata
from avustus_cli.services.conflicts import import_positions, registered, step_asides


def _years(text: str | None) -> tuple[int, int] | None:
    try:
        return stats.parse_years(text)
    except ValueError as e:
        raise AvustusError(f"--years: {e}.") from None


def _day(text: str | None, option: str = "--as-of", default: dt.date | None = None) -> dt.date:
    return option_date(text, option) or default or dt.date.today()


def _records(env) -> list[stats.GrantRecord]:
    records = opendata.decided_grants(env.store(create=False))
    if not records:
        raise AvustusError(
            "tietokannassa ei ole päätettyjä avustuksia. Tuo aiemmat avustukset (avustus import --history "
            "TIEDOSTO) tai kirjaa päätökset (avustus decide)."
        )
    return records


# --- export --open-data ---------------------------------------------------


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    open_data: Path = typer.Option(..., "--open-data", callback=output_folder, help="Kansio, johon avoin data kirjoitetaan (360Giving JSON ja CSV, valtionavustustietojen Excel)."),
    years: str = typer.Option(None, "--years", help="Avustusvuodet, esim. 2025-2027 tai 2027 (oletus: kaikki)."),
    as_of: str = typer.Option(None, "--as-of", help="Päivä, johon päätöspäiviä verrataan (oletus: tänään)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Tee laatutarkistus kirjoittamatta tiedostoja."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta laatutarkistus ja tiedostot JSON-muodossa."),
) -> None:
    """Julkaise päätetyt avustukset avoimena datana: 360Giving-muotoinen JSON ja CSV sekä Excel
    valtionavustustietojen sarakkein. Ensin laatutarkistus: nollasummat, tulevat päätöspäivät,
    sähköpostiosoitteet ja puhelinnumerot tekstissä, virheelliset Y-tunnukset, toistuvat tunnisteet.
    Henkilötietoja ei julkaista: yhteystiedot jätetään pois ja teksteistä poistetaan sähköpostiosoitteet
    ja puhelinnumerot. Kielteiset päätökset (0 €) eivät ole avustuksia, eikä niitä julkaista.

    Esimerkki: [bold]avustus export --open-data avoin-data --years 2025-2027[/]
    """
    env = env_of(ctx)
    span = _years(years)
    result = opendata.export(
        _records(env), open_data, span, today=_day(as_of), publisher=opendata.Publisher.of(env.settings), dry_run=dry_run
    )
    if as_json:
        print_json(result.as_json())
        return
    span_text = f" vuosilta {span[0]}–{span[1]}" if span and span[0] != span[1] else (f" vuodelta {span[0]}" if span else "")
    t = Table(title=f"Laatutarkistus: {result.total} päätöstä{span_text}")
    t.add_column("Tarkistus")
    t.add_column("Päätöksiä", justify="right")
    t.add_column("Osuus", justify="right")
    t.add_column("Toimenpide")
    for c in result.checks:
        style = "" if not c.ids else "yellow"
        t.add_row(
            f"[{style}]{escape(c.title)}[/]" if style else escape(c.title),
            str(len(c.ids)),
            fmt.percent(c.share(result.total) / 100, 1),
            escape(c.action) if c.ids else "–",
        )
    show_table(t)
    for c in result.checks:
        if c.ids and c.code not in ("zero_amount",):
            out.print(f"  {escape(c.title)}: {escape(', '.join(c.ids[:20]))}" + (" …" if len(c.ids) > 20 else ""), highlight=False)
    if dry_run:
        err.print(f"Kuivaharjoitus: julkaistaisiin {result.published} avustusta; mitään ei kirjoitettu.")
    else:
        err.print(f"Julkaistu {result.published} avustusta:")
        for p in result.files:
            err.print(f"  {escape(str(p))}", highlight=False)


# --- stats ------------------------------------------------------------------


def _stats_table(title: str, rows: list[dict], with_change: bool = False) -> Table:
    t = Table(title=title)
    t.add_column("")
    for col in ("Päätöksiä", "Myönteisiä", "Myönnetty", "Haettu (tiedossa)", "Myönnetty niistä", "Myönnetty/haettu"):
        t.add_column(col, justify="right")
    if with_change:
        t.add_column("Muutos", justify="right")
        t.add_column("Muutos %", justify="right")
    for r in rows:
        cells = [
            escape(r["label"]),
            fmt.number(r["decisions"]),
            fmt.number(r["grants"]),
            fmt.money(r["granted"]),
            fmt.money(r["requested"]),
            fmt.money(r.get("granted_known")),
            fmt.percent(r["share"], 1) if r["share"] is not None else "",
        ]
        if with_change:
            cells += [fmt.money(r.get("change")), fmt.percent(r["change_pct"], 1) if r.get("change_pct") is not None else ""]
        t.add_row(*cells)
    return t


def _stats_workbook(path: Path, summary: dict, title_lines: list[str]) -> Path:
    headers = ["Ryhmä", "Päätöksiä", "Myönteisiä", "Myönnetty", "Haettu (tiedossa)", "Myönnetty niistä", "Myönnetty / haettu"]
    sheets = []
    for key, title in stats.SECTION_TITLES.items():
        rows = summary.get(key) or []
        extra = ["Muutos", "Muutos %"] if key == "by_year" else []
        data = []
        for r in rows:
            row = [r["label"], r["decisions"], r["grants"], r["granted"], r["requested"], r.get("granted_known"),
                   float(r["share"]) if r["share"] is not None else None]
            if extra:
                row += [r.get("change"), float(r["change_pct"]) if r.get("change_pct") is not None else None]
            data.append(row)
        sheets.append(Sheet(title.split(" (")[0][:31], headers + extra, data, money_columns=(3, 4, 5, 7) if extra else (3, 4, 5),
                            widths={0: 48}, title=[f"{title_lines[0]}: {title}", *title_lines[1:]],
                            percent_columns=(6, 8) if extra else (6,)))
    return write_workbook(path, sheets)


@app.command("stats")
def stats_cmd(
    ctx: typer.Context,
    years: str = typer.Option(None, "--years", help="Avustusvuodet, esim. 2025-2027 tai 2027 (oletus: kaikki)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta tilastot JSON-muodossa."),
    xlsx: Path = typer.Option(None, "--xlsx", callback=output_file, help="Kirjoita tilastot Excel-työkirjaan."),
    html_file: Path = typer.Option(None, "--html", callback=output_file, help="Kirjoita raportti pylväskuvioineen HTML-tiedostoon (vaikuttamistoimielimelle)."),
) -> None:
    """Tilastot päätetyistä avustuksista: summat ja määrät vuosittain, avustusmuodoittain, toimintaluokittain,
    kotikunnittain, toiminta-alueittain ja suuruusluokittain, ensikertalaiset ja palaavat hakijat (Y-tunnus
    aiempien vuosien avustuksissa) sekä haettu ja myönnetty.

    Esimerkki: [bold]avustus stats --years 2025-2027 --html tilastot.html[/]
    """
    env = env_of(ctx)
    span = _years(years)
    records = _records(env)
    summary = stats.summarise(records, span, env.settings.categories)
    if not summary["total"]["decisions"]:
        raise AvustusError(f"vuosilta {years} ei ole päätettyjä avustuksia.")
    heading = f"{env.settings.county}: järjestöavustukset"
    if summary["years"]:
        a, b = summary["years"]
        heading += f" {a}" if a == b else f" {a}–{b}"
    notes = [
        "Päätöksiä: kaikki päätökset, myös kielteiset (0 €). Myönnetty / haettu: niistä päätöksistä, joiden haettu summa on tiedossa.",
        "Palaava hakija: sama Y-tunnus on saanut avustuksen aiempana vuonna.",
    ]
    if xlsx:
        st = env.settings
        years_text = heading.removeprefix(f"{st.county}: järjestöavustukset")  # " 2025–2027"
        # a public sheet: the statistics go to the board and the organisations' advisory body
        sheet_title = title_block(f"Järjestöavustusten tilastot{years_text}", st.county, st.body, dt.date.today(),
                                  st.diary_number)
        _stats_workbook(xlsx, summary, sheet_title)
    if html_file:
        from avustus_cli.adapters.files import atomic_save

        text = charts.report_html(summary, stats.SECTION_TITLES, heading, notes)
        atomic_save(html_file, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    if as_json:
        print_json(stats.jsonable(summary))
        return
    total = summary["total"]
    out.print(
        f"[bold]{escape(heading)}[/] — päätöksiä {total['decisions']}, myönteisiä {total['grants']}, "
        f"myönnetty {fmt.money(total['granted'])}"
        + (
            f", haettu {fmt.money(total['requested'])} ({total['requested_known']} päätöksestä, joissa haettu summa on tiedossa)"
            if total["requested"] else ""
        ),
        highlight=False,
    )
    for key, title in stats.SECTION_TITLES.items():
        if summary.get(key):
            show_table(_stats_table(title, summary[key], with_change=key == "by_year"))
    for path in (xlsx, html_file):
        if path:
            err.print(f"Kirjoitettu: {escape(str(path))}", highlight=False)


# --- positions --------------------------------------------------------------

positions_app = typer.Typer(
    help="Päättäjien sidonnaisuusrekisteri (esteellisyys, hallintolaki 28 §): tuonti ja luettelo.",
    no_args_is_help=True,
)
app.add_typer(positions_app, name="positions")


@positions_app.command("import")
def positions_import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., callback=input_file, help="Työkirja: Henkilö, Toimielin/rooli, Yhdistys, Y-tunnus, Asema, Alkaen, Päättyen."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa."),
) -> None:
    """Tuo päättäjien asemat yhdistyksissä (toimielimen jäsenet, esittelijä, valmistelija). Tuonti korvaa
    tallennetun rekisterin kokonaan; saman tiedoston voi tuoda uudelleen.

    Esimerkki: [bold]avustus positions import sidonnaisuudet.xlsx[/]
    """
    env = env_of(ctx)
    result = import_positions(env.store(), file, display=str(file))
    if as_json:
        print_json(result)
        return
    err.print(
        f"Sidonnaisuusrekisteri tiedostosta {escape(str(file))}: {result['rows']} asemaa "
        f"(uusia {result['added']}, poistuneita {result['removed']}, ennallaan {result['unchanged']}). "
        "Aja avustus check, jotta esteellisyydet (J01) päivittyvät.",
        highlight=False,
    )


@positions_app.command("list")
def positions_list_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Päivä, jona voimassaolo katsotaan (oletus: tänään)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Luettele sidonnaisuusrekisterin asemat ja ovatko ne voimassa.

    Esimerkki: [bold]avustus positions list --as-of 2027-01-26[/]
    """
    env = env_of(ctx)
    day = _day(as_of)
    register = registered(env.store(create=False))
    if as_json:
        print_json([
            {"person": p.person, "body_role": p.body_role, "organisation": p.organisation, "business_id": p.business_id,
             "position": p.position, "start": p.start.isoformat() if p.start else None,
             "end": p.end.isoformat() if p.end else None, "valid": p.valid_on(day)}
            for p in register
        ])
        return
    if not register:
        err.print("Sidonnaisuusrekisteri on tyhjä. Tuo se: avustus positions import sidonnaisuudet.xlsx")
        return
    t = Table(title=f"Sidonnaisuusrekisteri ({len(register)} asemaa), voimassa {fmt.date(day)}")
    for col in ("Henkilö", "Toimielin/rooli", "Yhdistys", "Y-tunnus", "Asema", "Alkaen", "Päättyen", "Voimassa"):
        t.add_column(col)
    for p in register:
        t.add_row(escape(p.person), escape(p.body_role), escape(p.organisation), p.business_id or "", escape(p.position),
                  fmt.date(p.start), fmt.date(p.end), "kyllä" if p.valid_on(day) else "[dim]ei[/]")
    show_table(t)


# --- conflicts --------------------------------------------------------------


@app.command("conflicts")
def conflicts_cmd(
    ctx: typer.Context,
    as_of: str = typer.Option(None, "--as-of", help="Kokouspäivä VVVV-KK-PP (oletus: asetusten kokouspäivä, muuten tänään)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Ketkä päättäjistä ovat esteellisiä ja minkä hakemusten käsittelystä (hallintolaki 28 §): rekisterin
    asemat, jotka ovat voimassa kokouspäivänä, hakijoissa ja yhteishakijoissa (sama tarkistus kuin J01).

    Poistumiskoodi 0: ei esteellisyyksiä; 1: esteellisiä on.

    Esimerkki: [bold]avustus conflicts --as-of 2027-01-26[/]
    """
    env = env_of(ctx)
    store = env.store(create=False)
    day = _day(as_of, default=env.settings.meeting_date)
    if not registered(store):
        err.print("Sidonnaisuusrekisteri on tyhjä: esteellisyyksiä ei voi tarkistaa. Tuo se: avustus positions import sidonnaisuudet.xlsx")
    found = step_asides(store, day)
    if as_json:
        print_json([s.as_json() for s in found])
    elif not found:
        out.print(f"Ei esteellisyyksiä {fmt.date(day)}.", highlight=False)
    else:
        t = Table(title=f"Esteellisyydet {fmt.date(day)}: {len({s.conflict.position.person for s in found})} henkilöä, {len(found)} hakemusta")
        for col in ("Henkilö", "Toimielin/rooli", "Hakemus", "Hakija", "Asema", "Yhteisö"):
            t.add_column(col)
        for s in found:
            p = s.conflict.position
            t.add_row(escape(p.person), escape(p.body_role), escape(s.application.id), escape(s.application.applicant),
                      escape(p.position), escape(f"{s.conflict.party_name} ({s.conflict.party_role})"))
        show_table(t)
    raise typer.Exit(1 if found else 0)

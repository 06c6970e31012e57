"""Setting up a round and bringing the exports in: init, import, status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import app, env_of, err, input_file, next_step, out, output_file, print_json
from avustus_cli.domain import fmt
from avustus_cli.domain.config import SETTINGS_FILE, settings_template
from avustus_cli.domain.errors import AvustusError
from avustus_cli.domain.models import GRANT_FORM_LABELS, GrantForm
from avustus_cli.services.status import round_status

if TYPE_CHECKING:  # the import service (Excel readers) loads only when `avustus import` runs
    from avustus_cli.services.importing import ImportResult


@app.command("init")
def init_cmd(
    ctx: typer.Context,
    year: int = typer.Option(2027, "--year", help="Avustusvuosi; hakuaika on 1.–31.12. edellisenä vuonna."),
    path: Path = typer.Option(Path(SETTINGS_FILE), "--file", callback=output_file, help="Kirjoitettava asetustiedosto."),
    force: bool = typer.Option(False, "--force", help="Korvaa olemassa oleva tiedosto."),
) -> None:
    """Luo kommentoitu asetustiedosto ohjeen oletusarvoilla.

    Esimerkki: [bold]avustus init --year 2027[/]
    """
    if not 2000 <= year <= 2100:
        raise AvustusError(f"vuosi {year} ei ole kelvollinen avustusvuosi.")
    if path.exists() and not force:
        raise AvustusError(f"{path} on jo olemassa. Muokkaa sitä tai anna --force, jos haluat korvata sen.")
    path.write_text(settings_template(year), encoding="utf-8")
    err.print(f"Asetukset kirjoitettu: {path}. Tarkista talousarvio, tavoitteet ja henkilöt ennen tarkistusta.")


def _print_import(result: ImportResult, as_json: bool) -> None:
    if as_json:
        print_json(result.as_json(), default=str)
        return
    what = {"applications": "Hakemukset", "history": "Aiemmat avustukset", "reports": "Käyttöselvitykset"}[result.kind]
    head = "Kuivaharjoitus (ei tallennettu): " if result.dry_run else ""
    err.print(
        f"{head}{what} tiedostosta {result.file}, taulukko {result.sheet}, otsikkorivi {result.header_row}.",
        highlight=False,
    )
    t = Table(show_header=False, box=None)
    t.add_row("uusia", str(len(result.new)))
    t.add_row("muuttuneita", str(len(result.changed)))
    t.add_row("ennallaan", str(len(result.unchanged)))
    t.add_row("ohitettuja rivejä", f"{result.skipped} (tyhjiä {result.skipped_blank}, summarivejä {result.skipped_total})")
    if result.kept_decided:
        t.add_row("päätettyjä, ei muutettu", str(len(result.kept_decided)))
    t.add_row("varoituksia", str(len(result.warnings)))
    out.print(t)
    for app_id, fields in list(result.changed.items())[:50]:
        out.print(f"  muuttunut {escape(app_id)}: {', '.join(fields)}", highlight=False)
    if len(result.changed) > 50:
        out.print(f"  … ja {len(result.changed) - 50} muuta", highlight=False)
    if result.kept_decided and result.kind == "reports":
        out.print(
            "Nämä käyttöselvitykset on jo hyväksytty, eikä niitä muutettu tuonnissa: " + escape(", ".join(result.kept_decided)),
            highlight=False,
        )
    elif result.kept_decided:
        out.print(
            "Näistä on jo kirjattu päätös, eikä niitä muutettu (muuta komennolla import --force): "
            + escape(", ".join(result.kept_decided)),
            highlight=False,
        )
    if result.forced:
        out.print(escape(f"Päätettyjä hakemuksia muutettu (--force): {', '.join(result.forced)}. Varmuuskopio: {result.backup}"), highlight=False)
    if result.missing_fields:
        labels = {f["field"]: f["label"] for f in result.columns.get("fields", [])}
        out.print("[yellow]Sääntöjen tarvitsemia tietoja ei ole tiedostossa[/] (näkyvät puutteina tarkistuksessa): "
                  + escape(", ".join(labels.get(n, n) for n in result.missing_fields))
                  + escape(f". Sarakkeet ja lähimmät kentät: avustus columns {result.file}"), highlight=False)
    if result.warnings:
        from avustus_cli.domain.headers import group_warnings

        out.print(f"[yellow]Varoitukset sarakkeittain[/] ({len(result.warnings)}; kaikki: --json tai --warnings TIEDOSTO.xlsx):")
        for g in group_warnings(result.warnings):
            out.print(escape(f"  sarake {g.column or '(ei saraketta)'}: {g.count} {'rivi' if g.count == 1 else 'riviä'}"), highlight=False)
            if g.same_message:  # one sentence for the column, then the rows it concerns
                out.print(escape(f"    kaikilla: {g.same_message}"), highlight=False)
                rows = ", ".join(f"{w['row']}" + (f" ({w['application_id']})" if w.get("application_id") else "") for w in g.examples)
                more = f" … ja {g.count - len(g.examples)} muuta" if g.count > len(g.examples) else ""
                out.print(escape(f"    rivit {rows}{more}"), highlight=False)
                continue
            for w in g.examples:
                who = f" ({w['application_id']})" if w.get("application_id") else ""
                out.print(escape(f"    rivi {w['row']}{who}: {w['message']}"), highlight=False)
            if g.count > len(g.examples):
                out.print(f"    … ja {g.count - len(g.examples)} muuta", highlight=False)
    if result.personal_columns:
        out.print(
            escape("Sarakkeet näyttävät henkilötiedoilta, joten ne säilytetään yhteystietojen tapaan suojattuina "
                   "(ei JSON-tulosteissa eikä julkisissa asiakirjoissa; poistetaan purge-komennolla): "
                   + ", ".join(result.personal_columns)),
            highlight=False,
        )
    if result.unknown_columns and result.kind == "reports":
        out.print(
            escape("Näitä sarakkeita ei tunnistettu, eikä niitä tallennettu: " + ", ".join(result.unknown_columns)),
            highlight=False,
        )
    elif result.unknown_columns:
        out.print(
            escape("Tuntemattomat sarakkeet säilytettiin hakemusten lisätietoina: " + ", ".join(result.unknown_columns)
                   + (f". Lähimmät kentät ja asetusrivit: avustus columns {'--history ' if result.kind == 'history' else ''}{result.file}"
                      if result.kind in ("applications", "history") else "")),
            highlight=False,
        )


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., callback=input_file, help="Sähköisen asiointipalvelun vienti (.xlsx, .xlsm, .xls tai .ods)."),
    history: bool = typer.Option(False, "--history", help="Tiedosto on aiempien avustusten rekisteri (maksut ja käyttöselvitykset)."),
    reports: bool = typer.Option(False, "--reports", help="Tiedosto on käyttöselvityslomakkeen vienti (käytetty ja käyttämättä jäänyt avustus, liitteet)."),
    sheet: str = typer.Option(None, "--sheet", help="Taulukon nimi, jos sitä ei löydetä itse."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Näytä muutokset tallentamatta mitään."),
    force: bool = typer.Option(False, "--force", help="Muuta myös hakemuksia, joista on jo päätös (varmuuskopio otetaan ensin)."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta yhteenveto JSON-muodossa (kaikki varoitukset)."),
    warnings_xlsx: Path = typer.Option(None, "--warnings", callback=output_file, help="Kirjoita kaikki varoitukset Excel-työkirjaan (.xlsx)."),
) -> None:
    """Tuo hakemukset (tai --history: aiemmat avustukset, --reports: käyttöselvitykset) taulukosta. Saman
    tiedoston voi tuoda uudelleen: uudet lisätään, muuttuneet päivitetään, mitään ei monisteta.

    Esimerkki: [bold]avustus import hakemukset.xlsx[/]; käyttöselvitykset: [bold]avustus import --reports kayttoselvitykset.xlsx[/]
    """
    from avustus_cli.cli.progress import Progress
    from avustus_cli.services.importing import import_applications, import_history, import_reports, write_warnings

    if warnings_xlsx is not None:  # checked before anything is imported: a bad name changes nothing
        if warnings_xlsx.is_dir():
            raise AvustusError(f"--warnings {warnings_xlsx} on kansio; anna tiedoston nimi, esim. varoitukset.xlsx.")
        if warnings_xlsx.suffix.lower() != ".xlsx":
            raise AvustusError(f"--warnings {warnings_xlsx}: varoitukset kirjoitetaan Excel-työkirjaan, jonka pääte on .xlsx.")
        if not warnings_xlsx.resolve().parent.is_dir():
            raise AvustusError(f"--warnings {warnings_xlsx}: kansiota {warnings_xlsx.parent} ei ole.")
    env = env_of(ctx)
    settings = env.settings
    store = env.store()
    if history and reports:
        raise AvustusError("anna joko --history tai --reports, ei molempia.")
    with Progress("Tuodaan", "riviä", enabled=not as_json) as bar:  # from the start: reading a big file takes a while
        if reports:
            result = import_reports(store, file, settings, sheet=sheet, dry_run=dry_run, display=str(file))
        elif history:
            result = import_history(store, file, settings, sheet=sheet, dry_run=dry_run, display=str(file))
        else:
            result = import_applications(store, file, settings, sheet=sheet, dry_run=dry_run, force=force,
                                         progress=lambda done, total: bar.update(done, max(total, done)), display=str(file))
    _print_import(result, as_json)
    if warnings_xlsx is not None:
        write_warnings(warnings_xlsx, result)
        err.print(escape(f"Varoitukset ({len(result.warnings)}) kirjoitettu: {warnings_xlsx}"), highlight=False)
    if dry_run:
        next_step("aja sama komento ilman valintaa --dry-run, niin muutokset tallennetaan.")
    elif reports:
        next_step("käy selvitykset läpi: avustus report TUNNUS (tarkistuslista), sitten --accept tai --supplement.")
    else:
        next_step("tarkista hakemukset avustusohjeen sääntöjä vasten: avustus check --as-of VVVV-KK-PP --xlsx tarkistus.xlsx")


@app.command("columns")
def columns_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., callback=input_file, help="Tuotava taulukko (.xlsx, .xlsm, .xls tai .ods)."),
    history: bool = typer.Option(False, "--history", help="Tiedosto on aiempien avustusten rekisteri."),
    sheet: str = typer.Option(None, "--sheet", help="Taulukon nimi, jos sitä ei löydetä itse."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Näytä tuomatta mitään, mistä sarakkeesta kukin sääntöjen tarvitsema tieto luetaan, mitkä puuttuvat
    ja mikä kenttä on lähinnä kutakin tunnistamatonta saraketta, valmiine asetusriveineen.

    Poistumiskoodi 1, jos pakollinen tieto puuttuu tai otsikko sopii kahteen kenttään.

    Esimerkki: [bold]avustus columns hakemukset.xlsx[/]
    """
    from avustus_cli.domain.headers import toml_line
    from avustus_cli.services.importing import inspect_columns, settings_place

    env = env_of(ctx)
    report = inspect_columns(file, env.settings, history=history, sheet=sheet, display=str(file))
    blocked = bool(report.missing_required or report.ambiguous)
    if as_json:
        print_json(report.as_json())
        if blocked:
            raise typer.Exit(1)
        return
    out.print(escape(f"Tiedosto {report.file}, taulukko {report.sheet}, otsikkorivi {report.header_row}."), highlight=False)
    t = Table(title="Tiedot, joita säännöt tarvitsevat", title_justify="left")
    t.add_column("Tieto (kenttä)", overflow="fold")
    t.add_column("Sarake", overflow="fold")
    for f in report.fields:
        if f.column is not None:
            where = escape(f.column)
        elif f.required:
            where = "[bold red]puuttuu – pakollinen[/]"
        else:
            where = "[yellow]puuttuu[/]"
        t.add_row(escape(f"{f.label} ({f.field})"), where)
    out.print(t)
    rule_fields = {f.field for f in report.fields}
    others = [c for c in report.columns if c.field is not None and c.field not in rule_fields]
    if others:
        out.print("Muut tunnistetut sarakkeet: " + escape(", ".join(f"{c.letter} {c.header} → {c.field}" for c in others)),
                  highlight=False)
    for c in report.ambiguous:
        out.print(f"[bold red]Sarake {escape(c.letter)} ({escape(c.header)}) sopii useampaan kenttään:[/] "
                  + escape(" ja ".join(report.label(n) for n in c.candidates)), highlight=False)
    unknown = [c for c in report.columns if c.field is None and not c.candidates]
    if unknown:
        out.print("Tunnistamattomat sarakkeet (säilytetään lisätietoina) ja lähin kenttä:")
        for c in unknown:
            if c.duplicate_of:
                note = f"sama kenttä ({c.duplicate_of}) on jo toisessa sarakkeessa"
            elif c.suggestion:
                note = f"lähin kenttä {report.label(c.suggestion)}: {toml_line(c.header, c.suggestion)}"
            else:
                note = "ei lähellä mitään kenttää"
            out.print(escape(f"  {c.letter} {c.header}"), highlight=False)
            out.print(escape(f"      {note}"), highlight=False)
    settings_file, present = settings_place(env.settings, report.section)
    block = report.paste_block(present)
    if block:
        out.print(escape(f"Pakolliset tiedot, jos ne ovat näissä sarakkeissa: {report.where_to_paste(settings_file, present)}"),
                  highlight=False)
        out.print(escape("\n".join(block)), highlight=False, soft_wrap=True)
    if report.missing_required:
        err.print("Pakollinen tieto puuttuu: tiedostoa ei voi tuoda ennen kuin sarake on kerrottu asetuksissa.")
    if blocked:
        raise typer.Exit(1)


@app.command("status")
def status_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa."),
) -> None:
    """Mitä kierroksella on: hakemukset ja haetut summat avustusmuodoittain ja toimintaluokittain, tuonnit ja
    avoimet varoitukset.

    Esimerkki: [bold]avustus status[/]
    """
    env = env_of(ctx)
    data = round_status(env.store(), env.settings)
    if as_json:
        print_json(data)
        return
    s = env.settings
    out.print(f"[bold]Avustusvuosi {data['year']}[/] — {data['applications']} hakemusta, haettu yhteensä {fmt.money(Decimal(data['requested']))}, määräraha {fmt.money(s.budget_total)}", highlight=False)
    if data["requested_missing"]:
        n = data["requested_missing"]
        out.print(f"[bold yellow]Haettu summa puuttuu {n} hakemukselta[/]: {'se ei ole' if n == 1 else 'ne eivät ole'} yllä "
                  "olevassa summassa (syy tuontivaroituksissa alla).", highlight=False)
    t = Table(title="Avustusmuodoittain")
    t.add_column("Avustusmuoto")
    t.add_column("Hakemuksia", justify="right")
    t.add_column("Haettu", justify="right")
    for k, v in data["by_form"].items():
        label = GRANT_FORM_LABELS.get(GrantForm(k), k) if k in GrantForm._value2member_map_ else "(puuttuu)"
        t.add_row(label, str(v["count"]), fmt.money(Decimal(v["requested"])))
    out.print(t)
    t = Table(title="Toimintaluokittain")
    t.add_column("Luokka", overflow="fold")
    t.add_column("Hakemuksia", justify="right")
    t.add_column("Haettu", justify="right")
    for k, v in data["by_category"].items():
        label = f"{k}. {s.categories[int(k) - 1]}" if k.isdigit() and 1 <= int(k) <= len(s.categories) else "(puuttuu)"
        t.add_row(label, str(v["count"]), fmt.money(Decimal(v["requested"])))
    out.print(t)
    if data["verdicts"]:
        from avustus_cli.domain.models import Verdict

        out.print("Tarkistus: " + ", ".join(f"{Verdict(k).label} {n}" for k, n in data["verdicts"].items()), highlight=False)
    if data["application_ids"]:
        from avustus_cli.domain.models import Verdict

        out.print("[bold]Hakemusnumerot[/]")
        for k, ids in data["application_ids"].items():
            label = Verdict(k).label if k else "tarkistamatta"
            out.print(escape(f"  {label} ({len(ids)}): {', '.join(ids)}"), highlight=False)
    kinds = {"applications": "hakemukset", "history": "aiemmat avustukset", "reports": "käyttöselvitykset"}
    if out.width < 140:  # not a wide terminal: one import a line, every figure named
        out.print("[bold]Tuonnit[/]")
        for r in data["imports"]:
            at = fmt.datetime(dt.datetime.fromisoformat(r["at"])) if r["at"] else ""
            out.print(escape(f"  {r['id']}. {at} {kinds.get(r['kind'], r['kind'])} {r['file']}: {r['rows_total']} riviä, "
                             f"{r['new']} uutta, {r['changed']} muuttunutta, {r['unchanged']} ennallaan, "
                             f"{r['skipped']} ohitettua, {r['warnings']} varoitusta"), highlight=False)
    else:
        t = Table(title="Tuonnit")
        for col in ("#", "Aika", "Laji", "Tiedosto", "Rivejä", "Uusia", "Muuttuneita", "Ennallaan", "Ohitettuja", "Varoituksia"):
            t.add_column(col, overflow="fold")
        for r in data["imports"]:
            at = fmt.datetime(dt.datetime.fromisoformat(r["at"])) if r["at"] else ""
            t.add_row(str(r["id"]), at, kinds.get(r["kind"], r["kind"]),
                      *(escape(str(r[k])) for k in ("file", "rows_total", "new", "changed", "unchanged", "skipped", "warnings")))
        out.print(t)
    rec = data["reclaims"]
    if rec["open"]:
        out.print(escape(f"Avoimia takaisinperintöjä {rec['open']}: kuultavana {rec['hearing']}, päätetty ja palautus kesken "
                         f"{rec['decided']} ({fmt.money2(Decimal(rec['outstanding']))} palauttamatta): "
                         + ", ".join(rec["grants"]) + ". Luettelo: avustus reclaim list"), highlight=False)
    if data["warnings"]:
        from avustus_cli.domain.headers import group_warnings

        out.print(f"[yellow]Avoimia tuontivaroituksia {len(data['warnings'])}[/] sarakkeittain (kaikki: avustus status --json):")
        for g in group_warnings(data["warnings"], examples=5):
            out.print(escape(f"  sarake {g.column or '(ei saraketta)'}: {g.count} {'rivi' if g.count == 1 else 'riviä'}"), highlight=False)
            if g.same_message:
                more = f" … ja {g.count - len(g.examples)} muuta" if g.count > len(g.examples) else ""
                out.print(escape(f"    kaikilla: {g.same_message}"), highlight=False)
                out.print(escape(f"    {', '.join(str(w['application_id']) for w in g.examples)}{more}"), highlight=False)
                continue
            for w in g.examples:
                out.print(escape(f"    {w['application_id']}: rivi {w['row']}: {w['message']}"), highlight=False)
            if g.count > len(g.examples):
                out.print(f"    … ja {g.count - len(g.examples)} muuta", highlight=False)

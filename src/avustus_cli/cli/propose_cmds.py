"""The proposal: propose (allocate, edit in Excel, render the board's documents)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import JustifyMethod
from rich.markup import escape
from rich.table import Table

from avustus_cli.adapters.files import StagedCopy
from avustus_cli.cli import app, as_of_date, env_of, err, input_file, next_step, option_money, out, output_folder
from avustus_cli.domain import fmt
from avustus_cli.domain.allocation import METHOD_LABELS, METHODS, Method
from avustus_cli.domain.errors import AvustusError
from avustus_cli.domain.models import choice_from
from avustus_cli.services import proposing as svc


def _few(ids: list[str], shown: int = 8) -> str:
    return ", ".join(ids[:shown]) + (f" ja {len(ids) - shown} muuta" if len(ids) > shown else "")


def _print_summary(rows, budget) -> None:
    lines = svc.summary_by_form(rows, budget)
    cells = [(ln["label"], str(ln["count"]), str(ln["funded"]), fmt.money(ln["requested"]), fmt.money(ln["proposed"]),
              fmt.money(ln["budget"]), fmt.money(ln["remaining"])) for ln in lines]
    if len(lines) > 1:
        proposed = sum((ln["proposed"] for ln in lines), Decimal(0))
        cells.append(("[bold]Yhteensä[/]", str(sum(ln["count"] for ln in lines)), str(sum(ln["funded"] for ln in lines)),
                      fmt.money(sum((ln["requested"] for ln in lines), Decimal(0))), fmt.money(proposed),
                      fmt.money(budget.total), fmt.money(budget.total - proposed)))
    columns: tuple[tuple[str, JustifyMethod], ...] = (("Määräraha", "left"), ("Hakemuksia", "right"), ("Esitetään", "right"),
                                                       ("Haettu", "right"), ("Esitys", "right"), ("Määräraha €", "right"),
                                                       ("Jäljellä", "right"))
    t = Table(title="Esitys määrärahoittain")
    if out.width < 100:  # a narrow terminal: the budget lines side by side, one figure a row
        t.add_column("")
        for c in cells:
            t.add_column(c[0], justify="right", overflow="fold")
        for i, (head, _) in enumerate(columns[1:], 1):
            t.add_row(head.removesuffix(" €"), *(c[i] for c in cells))
    else:
        for col, just in columns:
            t.add_column(col, justify=just)
        for c in cells:
            t.add_row(*c)
    by_form: dict[str, list[Any]] = {}
    for r in rows:
        by_form.setdefault(r.form, []).append(r)
    out.print(t)
    t2 = Table(title="Avustusmuodoittain")
    for col in ("Avustusmuoto", "Hakemuksia", "Esitetään", "Haettu", "Esitys"):
        t2.add_column(col, justify="left" if col == "Avustusmuoto" else "right")
    for form in (*svc.FORMS, ""):
        rs = by_form.get(form)
        if not rs:
            continue
        t2.add_row(svc.form_label(form), str(len(rs)), str(sum(1 for r in rs if r.amount > 0)),
                   fmt.money(sum((r.requested for r in rs), Decimal(0))), fmt.money(sum((r.amount for r in rs), Decimal(0))))
    out.print(t2)


def _print_paths(out_dir: Path, written: svc.Written, final: Callable[[Path], Path]) -> None:
    """The files written (``final``: where a staged file now is); the letters as one line."""
    letters = {p for p in written.paths if p.parent.name == svc.LETTERS_DIR}
    out.print("Kirjoitettu:", highlight=False)
    for p in written.paths:
        if p not in letters:
            out.print(f"  {escape(str(final(p)))}", highlight=False)
    if letters:
        n = len({p.stem for p in letters})
        out.print(f"  {escape(str(out_dir / svc.LETTERS_DIR))}/ ({n} täydennyspyyntöä, {len(letters)} tiedostoa)", highlight=False)
    out.print(f"  {escape(str(final(written.manifest)))}", highlight=False)


def _print_compare(result: dict, budget) -> None:
    t = Table(title=f"Jakotavat rinnakkain (määräraha {fmt.money(budget.total)})")
    t.add_column("")
    names = list(result)
    for n in names:
        t.add_column(METHOD_LABELS.get(n, n), justify="right")

    def cells(fn):
        return [escape(fn(result[n])) if "error" not in result[n] else "–" for n in names]

    t.add_row("Esitetään (kpl)", *cells(lambda s: str(s["funded"])))
    t.add_row("Täysimääräisinä (kpl)", *cells(lambda s: str(s["fully_funded"])))
    t.add_row("Esitys yhteensä", *cells(lambda s: fmt.money(s["granted"])))
    t.add_row("Osuus haetusta", *cells(lambda s: "" if s["granted_percent"] is None
                                        else fmt.number(s["granted_percent"], 1) + "\u00a0%"))
    t.add_row("Jäljelle jää", *cells(lambda s: fmt.money(budget.total - s["granted"])))
    for i in range(5):
        t.add_row(
            "Suurimmat leikkaukset" if i == 0 else "",
            *cells(lambda s, i=i: (f"{s['biggest_cuts'][i]['id']} −{fmt.money(s['biggest_cuts'][i]['cut'])}"
                                   if i < len(s["biggest_cuts"]) else "")),
        )
    out.print(t)
    for n in names:
        if "error" in result[n]:
            err.print(f"{METHOD_LABELS.get(n, n)}: {escape(result[n]['error'])}", highlight=False)


@app.command("propose")
def propose_cmd(
    ctx: typer.Context,
    out_dir: Path = typer.Option(None, "--out", callback=output_folder, help="Kansio, johon esitys ja asiakirjat kirjoitetaan."),
    method: str = typer.Option(None, "--method", help="Jakotapa: " + ", ".join(f"{METHOD_LABELS[m]} ({m})" for m in METHODS) + "; oletus asetuksista."),
    budget: str = typer.Option(None, "--budget", help="Kokonaismääräraha euroina asetusten sijaan, esim. 850000."),
    from_file: Path = typer.Option(None, "--from", callback=input_file, help="Lue valmistelijan muokkaukset esitys.xlsx-tiedostosta ja tallenna ne."),
    compare: bool = typer.Option(False, "--compare", help="Näytä jakotavat rinnakkain; ei kirjoita mitään."),
    as_of: str = typer.Option(None, "--as-of", help="Asiakirjojen päiväys (oletus tänään), esim. 2027-01-12."),
    force: bool = typer.Option(False, "--force", help="Korvaa kansion esitys.xlsx, vaikka siihen on tehty tallentamattomia muokkauksia."),
    yes: bool = typer.Option(False, "--yes", help="Vahvista poikkeuksellinen määräraha: 0 €, ei riitä yhdellekään hakijalle tai alle kymmenesosa avustuskelpoisten hakemusten haetusta."),
    pdf: bool = typer.Option(False, "--pdf", help="Tee asiakirjoista ja täydennyspyynnöistä myös PDF/A-tiedostot (LibreOffice)."),
    reset_edits: bool = typer.Option(False, "--reset-edits", help="Korvaa taulukosta luetut valmistelijan muokkaukset jaon tuloksella (oletus: muokkaukset pidetään)."),
    final: bool = typer.Option(False, "--final", help="Kirjoita lopullinen päätösesitys ilman luonnosmerkintää (oletus: luonnos, jossa on valmistelupäivä). Ei onnistu, kun täydennyspyynnön määräaika on vielä kesken, ellei anneta myös valintaa --before-deadline."),
    before_deadline: bool = typer.Option(False, "--before-deadline", help="Valinnan --final kanssa: kirjoita lopullinen päätösesitys, vaikka täydennyspyynnön määräaika on vielä kesken; täydennystä odottavat hakemukset esitetään hylättäviksi ehdollisesti (jos täydennystä ei saada määräaikaan mennessä)."),
) -> None:
    """Laadi avustusesitys määrärahan puitteissa: esitys.xlsx muokattavaksi, päätösesitys, liite 1
    (myös Excelinä), avustusehdot, strategiajohtajan päätösluonnos ja täydennyspyynnöt.

    Muokkaa esitys.xlsx:n keltaisia sarakkeita (pisteet, esitys, ehdot, perustelu) ja lue muutokset takaisin valinnalla --from; asiakirjat tehdään aina tallennetusta esityksestä.

    Esimerkki: [bold]avustus propose --out esitys --method suhteellinen[/]

    Esimerkki: [bold]avustus propose --out esitys --from esitys/esitys.xlsx[/]

    Asiakirjat ovat luonnoksia, joissa on valmistelupäivä; lopullinen päätösesitys kirjoitetaan valinnalla --final, kun täydennysten määräajat ovat päättyneet.

    Esimerkki: [bold]avustus propose --out esitys --from esitys/esitys.xlsx --final[/]
    """
    env = env_of(ctx)
    settings = env.settings
    chosen = _method_choice(method)
    budget_total = option_money(budget, "--budget")
    date = as_of_date(as_of)
    if pdf and not compare:
        svc.require_pdf()  # before anything is written
    store = env.store(create=False)
    if compare:
        _compare(store, settings, budget_total, from_file)
        return
    out_dir = _checked_out_dir(out_dir)
    _check_final(store, settings, date, final, before_deadline)
    _check_sheet_saved(out_dir, from_file, force)
    budget_obj = svc.budget_of(settings, budget_total)
    # The documents are written into a copy of the folder inside the database transaction, and the copy takes
    # the folder's place only after the commit: a failure leaves the database and the folder as they were.
    with StagedCopy(out_dir) as stage:
        with store.transaction():
            if from_file is not None:
                rows, m = _store_sheet(store, settings, from_file, chosen, budget_total)
            else:
                rows, m = _store_allocation(store, settings, chosen, budget_total, date, reset_edits, yes)
            written = _write_documents(store, settings, stage, out_dir, rows, budget_obj, m, date, final, pdf)
        stage.swap()
    _print_summary(rows, budget_obj)
    _print_paths(out_dir, written, stage.final)  # a thousand letters' final paths are not worked out to be counted
    _print_warnings_and_next(rows, settings, date, out_dir)


def _print_warnings_and_next(rows, settings, date, out_dir: Path) -> None:
    for warning in svc.proposal_warnings(rows, settings, date):
        err.print(f"[bold]Varoitus:[/] {escape(warning)}", highlight=False)
    sheet = out_dir / svc.ESITYS_FILE
    next_step(f"tarkista {sheet} ja lue muutokset (avustus propose --out {out_dir} --from {sheet}); kokouksen jälkeen "
              'kirjaa päätös: avustus decide --date VVVV-KK-PP --section "§ N"')


def _write_documents(store, settings, stage: StagedCopy, out_dir: Path, rows, budget_obj, m: Method, date,
                     final: bool, pdf: bool) -> svc.Written:
    """The documents into the staging copy (with a progress bar), and esitys.xlsx recorded as written."""
    from avustus_cli.cli.progress import Progress

    with Progress("Kirjoitetaan esitystä ja asiakirjoja"):
        written = svc.write_documents(store, settings, stage.path, rows, budget_obj, m, date, draft=not final,
                                      final_dir=out_dir)
        if pdf:  # PDF/A of every Word document (board documents and supplement requests)
            written.paths += svc.pdf_copies(written.paths)
    svc.remember_sheet(store, out_dir / svc.ESITYS_FILE, stage.path / svc.ESITYS_FILE)
    return written


def _method_choice(method: str | None) -> str | None:
    """``--method`` as the allocation's own name (the Finnish names accepted), None when not given."""
    if method is None:
        return None
    chosen = choice_from(method, METHOD_LABELS, {"pisteytys": "score", "kynnyspisteet": "threshold", "täysi": "full"})
    if chosen is None:
        raise AvustusError(f"tuntematon jakotapa {method!r}: valitse yksi seuraavista: "
                           + ", ".join(f"{METHOD_LABELS[m]} ({m})" for m in METHODS) + ".")
    return chosen


def _compare(store, settings, budget_total, from_file: Path | None) -> None:
    """``--compare``: the methods side by side; nothing written."""
    if from_file is not None:
        raise AvustusError("--compare ja --from eivät käy yhdessä: --compare ei kirjoita mitään.")
    result = svc.compare_methods(store, settings, budget_total)
    _print_compare(result, svc.budget_of(settings, budget_total))
    next_step("valitse jakotapa ja laadi esitys: avustus propose --out esitys --method JAKOTAPA")


def _checked_out_dir(out_dir: Path | None) -> Path:
    """``--out`` given, and a folder (or nothing yet)."""
    if out_dir is None:
        raise AvustusError("anna kansio, johon esitys kirjoitetaan: --out KANSIO (esim. avustus propose --out esitys)")
    if out_dir.exists() and not out_dir.is_dir():
        raise AvustusError(f"{out_dir} on tiedosto, ei kansio: anna --out-valinnalle kansio.")
    return out_dir


def _check_sheet_saved(out_dir: Path, from_file: Path | None, force: bool) -> None:
    """The folder's esitys.xlsx not edited since it was written, unless read (``--from``) or replaced (``--force``)."""
    if from_file is None and svc.esitys_is_edited(out_dir) and not force:
        raise AvustusError(
            f"{out_dir / svc.ESITYS_FILE} on muuttunut sen jälkeen, kun se kirjoitettiin: lue muokkaukset ensin "
            f"(avustus propose --out {out_dir} --from {out_dir / svc.ESITYS_FILE}) tai korvaa ne valinnalla --force."
        )


def _check_final(store, settings, date, final: bool, before_deadline: bool) -> None:
    """A final board item is refused while a supplement deadline runs, unless ``--before-deadline``."""
    if before_deadline and not final:
        raise AvustusError("--before-deadline käy vain yhdessä valinnan --final kanssa; ilman niitä asiakirjat ovat luonnoksia.")
    if not final or before_deadline:
        return
    running = svc.running_supplements(store, settings, date)
    if running:
        last = max(due for _, due in running)
        raise AvustusError(
            f"täydennyspyynnön määräaika on vielä kesken {len(running)} hakemuksella ({escape(_few([i for i, _ in running]))}; "
            f"viimeinen määräaika {fmt.date(last)}): lopullista päätösesitystä ei kirjoitettu eikä mitään tallennettu. "
            "Laadi luonnos ilman valintaa --final, odota määräajan päättymistä tai anna myös valinta --before-deadline, "
            "jolloin täydennystä odottavat hakemukset esitetään hylättäviksi ehdollisesti."
        )


def _store_sheet(store, settings, from_file: Path, method: str | None, budget_total) -> tuple[list, Method]:
    """The officer's edits read from esitys.xlsx and stored; the stored rows and the method they were made with."""
    if method is not None:
        err.print("Huom: --method ei vaikuta, kun esitys luetaan taulukosta (--from).", highlight=False)
    edits = svc.read_sheet(from_file, settings, display=str(from_file))
    edited, changed = svc.apply_edits(store, settings, edits, str(from_file), budget_total)
    err.print(f"Taulukosta {escape(str(from_file))} tallennettiin {changed} muuttunutta esitystä.", highlight=False)
    rows = svc.load_rows(store, settings, [r.standing for r in edited])  # the round as apply_edits read it
    used = next((r.method for r in rows if r.method), settings.method)
    return rows, Method.from_settings(settings, used if used in METHODS else None)


def _store_allocation(store, settings, method: str | None, budget_total, date, reset_edits: bool,
                      yes: bool) -> tuple[list, Method]:
    """The budget allocated and stored (the officer's sheet edits kept unless ``reset_edits``); the stored rows
    and the method."""
    proposed = svc.propose(store, settings, method, budget_total, as_of=date, reset_edits=reset_edits, yes=yes)
    if proposed.kept:
        err.print(
            f"Valmistelijan muokkaukset pidettiin ennallaan ({len(proposed.kept)} hakemusta: "
            f"{escape(_few(proposed.kept))}); määräraha jaettiin muille. Jaon tulos niidenkin tilalle: --reset-edits.",
            highlight=False,
        )
    if proposed.replaced:
        why = ("valinnalla --reset-edits" if reset_edits else
               "koska hakemus ei enää ole avustuskelpoinen (hylkäävä havainto tai käsittely kesken)")
        err.print(
            f"Huom: {len(proposed.replaced)} taulukosta muokattua esitystä korvattiin jaon tuloksella {why}: "
            f"{escape(_few(proposed.replaced))} (muutokset ovat tapahtumalokissa).",
            highlight=False,
        )
    used_method = proposed.plan.method.method
    err.print(f"Jakotapa {METHOD_LABELS.get(used_method, used_method)}: {proposed.changed} esitystä tallennettiin tai muuttui.",
              highlight=False)
    return svc.load_rows(store, settings, [r.standing for r in proposed.plan.rows]), proposed.plan.method

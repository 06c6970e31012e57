"""The audit log's reader (audit): who changed what, when and with which command."""

from __future__ import annotations

import datetime as dt
import json
import sys

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from avustus_cli.cli import app, env_of, err, show_table
from avustus_cli.domain.audit import AuditEntry
from avustus_cli.services.audit import audit_log

# (entity, action) -> what happened, as the officer reads it
ACTIONS: dict[tuple[str, str], str] = {
    ("application", "create"): "hakemus tuotu",
    ("application", "update"): "hakemus päivitetty tuonnissa",
    ("application", "purge-personal"): "hakemuksen henkilötiedot poistettu",
    ("finding", "accept"): "havainto kuitattu",
    ("finding", "revoke"): "havainnon kuittaus peruttu",
    ("proposal", "set"): "esitys laadittu",
    ("proposal", "change"): "esitystä muutettu",
    ("score", "change"): "pisteitä muutettu",
    ("grant", "decide"): "päätös kirjattu",
    ("grant", "amend"): "päätöstä muutettu",
    ("grant", "import"): "aiempi avustus tuotu",
    ("payment", "pay"): "maksu kirjattu",
    ("report", "record"): "käyttöselvitys kirjattu",
    ("letter", "send"): "päätöskirjeen tiedoksianto kirjattu",
    ("letter", "record"): "kirje kirjattu",
    ("letter", "email"): "kirje lähetetty sähköpostilla",
    ("letter", "email_failed"): "sähköpostin lähetys epäonnistui",
    ("reminder", "send"): "muistutus kirjattu",
    ("database", "migrate"): "tietokannan rakenne päivitetty",
    ("database", "restore"): "tietokanta palautettu varmuuskopiosta",
    ("privacy", "purge"): "vanhentuneet henkilötiedot poistettu",
    ("privacy", "delete-backups"): "vanhoja varmuuskopioita poistettu",
    ("positions", "import"): "sidonnaisuusrekisteri tuotu",
}


def action_text(entry: AuditEntry) -> str:
    text = ACTIONS.get((entry.entity, entry.action), f"{entry.entity}: {entry.action}")
    if entry.code:
        text += f" {entry.code}"
    if entry.entity == "payment" and entry.detail.get("override"):
        text += " (pidätyksestä huolimatta)"
    return text


def _when(at: dt.datetime) -> str:
    return f"{at.day}.{at.month}.{at.year} {at.hour}.{at.minute:02d}"


def _command(text: str) -> str:
    """The command without the program's name, which every row would repeat."""
    return text[len("avustus "):] if text.startswith("avustus ") else text


def _json(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "user": entry.user,
        "command": entry.command,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "application": entry.application,
        "action": entry.action,
        "detail": entry.detail,
    }


@app.command("audit")
def audit_cmd(
    ctx: typer.Context,
    application: str = typer.Option(None, "--application", help="Näytä vain tätä hakemusta koskevat merkinnät (havainnot, esitys, päätös, maksut)."),
    limit: int = typer.Option(50, "--limit", help="Enintään näin monta uusinta merkintää; 0 näyttää kaikki."),
    as_json: bool = typer.Option(False, "--json", help="Tulosta JSON-muodossa (vain tulos stdoutiin)."),
) -> None:
    """Tapahtumaloki: kuka muutti mitä ja millä komennolla, uusin ensin.

    Jokainen tietokantaa muuttava komento kirjaa lokiin ajan, käyttäjätunnuksen, komennon ja tapahtuman. Komennosta kirjataan tiedostojen nimet ilman kansiopolkua; perustelujen tekstit ovat vain tapahtuman tiedoissa (--json).

    Esimerkki: [bold]avustus audit --application AV-2027-013[/]
    """
    env = env_of(ctx)
    view = audit_log(env.store(create=False), application, limit)
    if as_json:
        sys.stdout.write(json.dumps([_json(e) for e in view.entries], ensure_ascii=False, indent=2) + "\n")
        return
    if not view.entries:
        which = f"hakemuksesta {application}" if application else "tietokannassa"
        err.print(f"Lokissa ei ole merkintöjä {escape(which)}.", highlight=False)
        return
    # fits 80 columns: no vertical rules; the command and the event wrap
    t = Table(title="Tapahtumaloki, uusin ensin", box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    t.add_column("Aika", no_wrap=True)
    t.add_column("Käyttäjä", overflow="fold")
    t.add_column("Komento", overflow="fold", ratio=1)
    t.add_column("Tapahtuma", ratio=1)
    t.add_column("Hakemus", no_wrap=True)
    for e in view.entries:
        t.add_row(_when(e.at), escape(e.user), escape(_command(e.command)), escape(action_text(e)),
                  escape(e.application or ""))
    show_table(t)
    if view.total > len(view.entries):
        err.print(
            f"Näytetään {len(view.entries)} uusinta {view.total} merkinnästä; kaikki: --limit 0.", highlight=False
        )

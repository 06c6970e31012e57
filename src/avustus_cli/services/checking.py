"""The check as a service: run the rules over the stored round, store the
findings, and read back each application's standing with the officer's
acceptances applied. Every later stage (propose, decide, payments) reads
applications' standing through the store (``adapters.store.standings``); the
standing itself and its policy are the domain's (``domain.standing``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from avustus_cli.adapters.excel import Sheet, write_workbook
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.adapters.workers import map_chunks
from avustus_cli.domain import codec
from avustus_cli.domain.checking import check_application
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.fields import APPLICATION_FIELDS
from avustus_cli.domain.models import SEVERITY_LABELS, Application, Finding, GrantForm, Severity, Verdict, verdict_for
from avustus_cli.domain.rules import RULES
from avustus_cli.domain.standing import Standing, apply_acceptances, context_for, rules_version, with_reopened

__all__ = ["accept", "current_results", "run_check", "unaccept", "write_check_workbook"]


def run_check(
    store: Store, settings: Settings, as_of: dt.date, app_ids: list[str] | None = None, slim: bool = False
) -> list[Standing]:
    """Check the round's applications (or ``app_ids``), store findings and verdicts, return the results.

    With ``slim`` the results carry only the application's identifying fields
    (id, applicant, business ID, form, year, requested): enough to show them,
    and a 100 000-application round then fits in little memory.
    """
    if app_ids:
        apps: Iterable[Application] = store.applications(app_ids)
        missing = sorted(set(app_ids) - {a.id for a in apps})
        if missing:
            raise NotFoundError(f"hakemusta {', '.join(missing)} ei ole tietokannassa.")
    else:
        apps = store.iter_applications()
    history = standing_store.grant_history(store)
    positions = standing_store.positions(store)  # the conflict-of-interest register (J01)
    hashes = store.content_hashes()
    accepted = store.acceptances()
    raw: dict[str, tuple[str, list[Finding]]] = {}
    results = []
    if slim and not app_ids and len(hashes) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1:
        checked: Iterable[tuple[Application, list[Finding]]] = _check_in_parallel(store, settings, as_of, history, positions)
    else:
        checked = ((app, check_application(app, context_for(app, settings, as_of, history, positions))) for app in apps)
    for app, findings in checked:
        applied = apply_acceptances(app.id, findings, accepted)
        verdict = verdict_for(applied)
        raw[app.id] = (verdict.value, findings)
        if slim:
            app = _slim(app)
        results.append(Standing(app, verdict, tuple(applied)))
    with store.transaction():
        store.save_check(as_of, rules_version(), raw, hashes)
    return _with_reopened(store, results)


PARALLEL_MIN = 20000  # below this, starting worker processes costs more than it saves
_CHUNK = 2000
_WORKER_STATE: tuple | None = None


def _slim(app: Application) -> Application:
    return Application(id=app.id, applicant=app.applicant, business_id=app.business_id, form=app.form,
                       year=app.year, requested=app.requested)


def _check_chunk(rows: list[str]) -> list[tuple]:
    """A worker's share: plain tuples of strings travel between processes many times faster than objects."""
    if _WORKER_STATE is None:
        raise RuntimeError("worker started without its state (_init_worker)")
    settings, as_of, history, positions = _WORKER_STATE  # set by _init_worker in each worker
    out = []
    for data_text in rows:
        app = codec.application_from_dict(json.loads(data_text))
        findings = check_application(app, context_for(app, settings, as_of, history, positions))
        out.append((
            app.id, app.applicant, app.business_id, app.form.value if app.form else None, app.year,
            None if app.requested is None else str(app.requested),
            [(f.code, f.severity.value, f.message, f.field) for f in findings],
        ))
    return out


def _from_worker(item: tuple) -> tuple[Application, list[Finding]]:
    app_id, applicant, business_id, form, year, requested, findings = item
    app = Application(id=app_id, applicant=applicant, business_id=business_id, form=GrantForm(form) if form else None,
                      year=year, requested=None if requested is None else Decimal(requested))
    return app, [Finding(code, _SEVERITIES[sev], message, fld) for code, sev, message, fld in findings]


_SEVERITIES = {s.value: s for s in Severity}


def _check_in_parallel(
    store: Store, settings: Settings, as_of: dt.date, history, positions: tuple = ()
) -> Iterable[tuple[Application, list[Finding]]]:
    """The rules over a big round in one worker process per core (the rules are pure)."""
    state = (settings, as_of, history, positions)
    for out in map_chunks(_check_chunk, store.iter_application_json(_CHUNK), initializer=_init_worker, initargs=(state,)):
        yield from map(_from_worker, out)  # in order; a bounded window keeps memory flat


def _init_worker(state: tuple) -> None:
    global _WORKER_STATE
    _WORKER_STATE = state


def _with_reopened(store: Store, results: list[Standing]) -> list[Standing]:
    return with_reopened(results, standing_store.reopened_codes(store))


def current_results(store: Store, with_personal: bool = False) -> list[Standing]:
    """Each stored application's standing (see ``adapters.store.standings.current_standings``)."""
    return standing_store.current_standings(store, with_personal)


def accept(store: Store, app_id: str, code: str, reason: str) -> None:
    """The officer accepts a finding (review, deficiency or note) with a reason."""
    code = code.strip().upper()
    if code not in RULES:
        raise NotFoundError(f"sääntökoodia {code} ei ole. Luettelo: avustus rules")
    if not reason.strip():
        raise ValidationError("perustelu puuttuu: anna --reason \"...\" (se näkyy tarkistuksessa ja lokissa).")
    if app_id not in store.content_hashes():
        raise NotFoundError(f"hakemusta {app_id} ei ole tietokannassa. Tarkista hakemusnumero (avustus status).")
    verdict = store.verdicts().get(app_id)
    if verdict is None or verdict["content_hash"] != store.content_hashes()[app_id]:
        raise ValidationError(
            f"hakemuksen {app_id} tiedot ovat muuttuneet viimeisimmän tarkistuksen jälkeen (tai sitä ei ole "
            "tarkistettu): aja ensin avustus check, jotta kuittaat havainnon nykyisistä tiedoista."
        )
    findings = store.findings(app_id).get(app_id, [])
    match = [f for f in findings if f.code == code]
    if not match:
        raise NotFoundError(
            f"hakemuksella {app_id} ei ole havaintoa {code} viimeisimmässä tarkistuksessa. Aja ensin: avustus check"
        )
    if any(f.severity is Severity.BLOCKING for f in match):
        raise ValidationError(
            f"havainto {code} on hylkäävä, eikä sitä voi kuitata hyväksytyksi. Korjaa tieto hakemukseen ja tuo se uudelleen."
        )
    with store.transaction():
        store.accept(app_id, code, reason.strip())


def unaccept(store: Store, app_id: str, code: str) -> None:
    with store.transaction():
        if not store.revoke(app_id, code.strip().upper()):
            raise NotFoundError(f"hakemuksella {app_id} ei ole voimassa olevaa kuittausta havainnolle {code}.")


_VERDICT_ORDER = (Verdict.INELIGIBLE, Verdict.SUPPLEMENT, Verdict.REVIEW, Verdict.ELIGIBLE)


def field_label(name: str | None) -> str:
    """The Finnish header of a field as the export names it ("Oikeudellinen muoto", not legal_form)."""
    if not name:
        return ""
    spec = APPLICATION_FIELDS.get(name)
    return spec.label if spec else name


def write_check_workbook(path: Path, results: list[Standing]) -> Path:
    headers = ["Hakemus", "Hakija", "Y-tunnus", "Haettu", "Tulos", "Koodi", "Vakavuus", "Havainto", "Kenttä", "Kuitattu"]
    rows = []
    for r in results:
        for f in r.findings:
            rows.append([r.app.id, r.app.applicant, r.app.business_id, r.app.requested, r.verdict.label, f.code,
                         SEVERITY_LABELS[f.severity], f.message, field_label(f.field), f.accepted_reason or ""])
    sheets = [Sheet("Havainnot", headers, rows, money_columns=(3,), widths={1: 36, 7: 80})]
    for verdict in _VERDICT_ORDER:
        group = [r for r in results if r.verdict is verdict]
        sheets.append(
            Sheet(
                verdict.label.capitalize()[:31],
                ["Hakemus", "Hakija", "Y-tunnus", "Haettu", "Havainnot"],
                [[r.app.id, r.app.applicant, r.app.business_id, r.app.requested,
                  "\n".join(f"{f.code} {f.message}" for f in r.open_findings)] for r in group],
                money_columns=(3,),
                widths={1: 36, 4: 90},
            )
        )
    return write_workbook(path, sheets)

"""The check as a service: run the rules over the stored round, store the
findings, and read back each application's standing with the officer's
acceptances applied. Every later stage (propose, decide, payments) reads
applications' standing through the store (``adapters.store.standings``); the
standing itself and its policy are the domain's (``domain.standing``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable
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
    store: Store,
    settings: Settings,
    as_of: dt.date,
    app_ids: list[str] | None = None,
    slim: bool = False,
    *,
    reuse: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[Standing]:
    """Check the round's applications (or ``app_ids``), store findings and verdicts, return the results.

    The rules run only for applications whose findings could differ from the stored ones: each
    application's *fingerprint* (its data without personal data, its applicant's and lead's earlier
    grants, the decision makers' register, the settings, the rules' code and the as-of day) is stored
    with its verdict, and where it is unchanged the stored findings are the result (``reuse=False``
    runs every rule again). The officer's acceptances are applied afresh either way.

    With ``slim`` the results carry only the application's identifying fields
    (id, applicant, business ID, form, year, requested): enough to show them,
    and a 100 000-application round then fits in little memory. ``progress(done, total)`` is called
    as the rules run.
    """
    inputs = store.check_inputs(app_ids)
    if app_ids:
        missing = sorted(set(app_ids) - {row[0] for row in inputs})
        if missing:
            raise NotFoundError(f"hakemusta {', '.join(missing)} ei ole tietokannassa.")
    fingerprints = _fingerprints(store, settings, as_of, inputs)
    hashes = {row[0]: row[1] for row in inputs}
    stored = store.check_fingerprints() if reuse else {}
    fresh_ids = [i for i, fp in fingerprints.items() if stored.get(i, (None,))[0] != fp]
    fresh_set = set(fresh_ids)
    kept_ids = [i for i in fingerprints if i not in fresh_set]

    checked: dict[str, tuple[Application, list[Finding]]] = {}
    if fresh_ids:
        history = standing_store.grant_history(store)
        positions = standing_store.positions(store)  # the conflict-of-interest register (J01)
        total = len(fresh_ids)
        if progress:
            progress(0, total)
        if slim and len(fresh_ids) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1:
            runs: Iterable[tuple[Application, list[Finding]]] = _check_in_parallel(
                store, settings, as_of, history, positions, fresh_ids)
        else:
            apps = store.iter_applications() if len(fresh_ids) == len(fingerprints) and app_ids is None else (
                store.applications(fresh_ids))
            runs = ((app, check_application(app, context_for(app, settings, as_of, history, positions))) for app in apps)
        for n, (app, findings) in enumerate(runs, 1):
            checked[app.id] = (_slim(app) if slim else app, findings)
            if progress and n % 1000 == 0:
                progress(n, total)
        if progress:
            progress(total, total)
    if kept_ids:
        kept_findings = store.findings() if len(kept_ids) * 2 > len(fingerprints) else {
            i: fs for i in kept_ids for fs in [store.findings(i).get(i, [])]}
        if slim:
            kept_apps: Iterable[Application] = (_slim_row(row) for row in store.slim_applications(
                None if len(kept_ids) == len(fingerprints) and app_ids is None else kept_ids))
        else:
            kept_apps = store.applications(kept_ids)
        for app in kept_apps:
            checked[app.id] = (app, kept_findings.get(app.id, []))

    accepted = store.acceptances()
    fresh: dict[str, tuple[str, list[Finding]]] = {}
    changed_verdicts: dict[str, str] = {}
    results = []
    for app_id in sorted(checked):  # by id, as the store lists them
        app, findings = checked[app_id]
        applied = apply_acceptances(app_id, findings, accepted)
        verdict = verdict_for(applied)
        if app_id in fresh_set:
            fresh[app_id] = (verdict.value, findings)
        elif stored[app_id][1] != verdict.value:
            changed_verdicts[app_id] = verdict.value
        results.append(Standing(app, verdict, tuple(applied)))
    with store.transaction():
        store.save_check(as_of, rules_version(), len(results), fresh, changed_verdicts, hashes, fingerprints)
    return _with_reopened(store, results)


def _fingerprints(
    store: Store, settings: Settings, as_of: dt.date, inputs: list[tuple[str, str, str | None, str | None]]
) -> dict[str, str]:
    """application id -> a hash of everything its findings are computed from."""
    grants = store.grant_fingerprints()
    register = hashlib.sha256(repr(standing_store.positions(store)).encode()).hexdigest()
    common = f"{code_fingerprint()}|{rules_version()}|{settings!r}|{as_of.isoformat()}|{register}|"
    out = {}
    for app_id, data_hash, business_id, lead_id in inputs:
        key = f"{common}{data_hash}|{grants.get(business_id or '', '')}|{grants.get(lead_id or '', '')}"
        out[app_id] = hashlib.sha256(key.encode()).hexdigest()[:24]
    return out


_CODE_FINGERPRINT: str | None = None


def code_fingerprint() -> str:
    """A hash of the code the rules are: the domain package's source and the versions of the libraries
    the findings' wording and dates depend on (a new program version re-runs every rule)."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        import importlib.metadata

        import avustus_cli
        from avustus_cli import domain

        h = hashlib.sha256(avustus_cli.__version__.encode())
        for path in sorted(Path(domain.__file__).parent.rglob("*.py")):
            h.update(path.relative_to(Path(domain.__file__).parent).as_posix().encode())
            h.update(path.read_bytes())
        for dist in ("holidays", "Babel", "python-stdnum"):
            try:
                h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
            except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a dependency
                h.update(dist.encode())
        _CODE_FINGERPRINT = h.hexdigest()[:16]
    return _CODE_FINGERPRINT


PARALLEL_MIN = 20000  # below this, starting worker processes costs more than it saves
_CHUNK = 2000
_WORKER_STATE: tuple | None = None


def _slim(app: Application) -> Application:
    return Application(id=app.id, applicant=app.applicant, business_id=app.business_id, form=app.form,
                       year=app.year, requested=app.requested)


def _slim_row(row: tuple) -> Application:
    """The slim application from its stored JSON's fields (as ``codec`` decodes them)."""
    app_id, applicant, business_id, form, year, requested = row
    return Application(id=app_id, applicant="" if applicant is None else applicant, business_id=business_id,
                       form=GrantForm(form) if form else None,
                       year=year, requested=None if requested is None else Decimal(requested))


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
    store: Store, settings: Settings, as_of: dt.date, history, positions: tuple = (), ids: list[str] | None = None
) -> Iterable[tuple[Application, list[Finding]]]:
    """The rules over a big round in one worker process per core (the rules are pure)."""
    state = (settings, as_of, history, positions)
    for out in map_chunks(_check_chunk, store.iter_application_json(_CHUNK, ids), initializer=_init_worker, initargs=(state,)):
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

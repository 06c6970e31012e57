"""Review requests (oikaisuvaatimus) as a service: record a request, decide it and write the review
decision letter with its appeal instructions (valitusosoitus).

The periods and holds are the domain's (``domain.review``); the SQL is ``adapters.store.reviews``
and ``adapters.store.letters``. A decision on a request is a new decision of its own: its date, §
and maker, its reasons, a letter recorded in the letters table. A changed amount that takes the
appropriation over is refused unless the officer says ``--yes``; the overrun is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as sql
from avustus_cli.adapters.store import letters as letter_store
from avustus_cli.adapters.store import reviews as review_store
from avustus_cli.adapters.store.backup import backup_before
from avustus_cli.domain import deadlines, filenames, fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.decision import Decision, checked_new_amount, reason_texts
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.letter import addressee
from avustus_cli.domain.models import GRANT_FORM_LABELS, GrantForm
from avustus_cli.domain.privacy import EMAIL
from avustus_cli.domain.review import OUTCOMES, ReviewPeriods, ReviewRequest, periods_for

DEFAULT_LETTERS = Path("oikaisuvaatimukset")

__all__ = ["AddResult", "DecideResult", "add_request", "decide_review", "periods", "requests"]


def _decided(store: Store, grant_id: str) -> Decision:
    row = sql.decision(store, grant_id)
    if row is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    if row.source != "decision":
        raise ValidationError(f"avustus {grant_id} on aiemman vuoden avustus (tuotu rekisteristä), ei tämän kierroksen päätös.")
    return row


def periods(store: Store, settings: Settings, row: Decision) -> ReviewPeriods:
    """The applicant's and the members' review periods of a recorded decision."""
    d = sql.dispatches(store).get(row.id)
    served = dt.date.fromisoformat(d["served"]) if d and d.get("served") else None
    decided_on = dt.date.fromisoformat(d["decision_date"]) if d and d.get("decision_date") else row.decision_date
    made_by = (d.get("maker") if d else None) or row.decision_maker
    return periods_for(served, decided_on, made_by, review_store.minutes(store), settings.minutes_published,
                       settings.meeting_date)


def requests(store: Store, grant_id: str | None = None) -> list[ReviewRequest]:
    return review_store.requests(store, grant_id)


# --- review add -----------------------------------------------------------------


@dataclass
class AddResult:
    request: ReviewRequest
    new: bool
    last_day: dt.date | None  # the last day of the requester's period (None: not known)
    in_time: bool | None
    contact_added: bool = False  # the same request was recorded already: a member's missing address was added


def add_request(store: Store, settings: Settings, grant_id: str, *, received: dt.date, by: str,
                member: bool = False, address: str | None = None, email: str | None = None) -> AddResult:
    """Record a request for review of a grant decision (from the applicant, or ``member``: a member of the
    county, with the postal or e-mail address the review decision is sent to). The same request again
    records nothing but a member's address it lacked. A request after its period is recorded too (the body
    decides whether it is examined) and the result says it was late."""
    by = (by or "").strip()
    if not by:
        raise ValidationError('oikaisuvaatimuksen tekijä puuttuu: anna --by "Nimi".')
    address, email = " ".join((address or "").split()), (email or "").strip() or None
    if not member and (address or email):
        raise ValidationError("hakijan osoite ja sähköposti otetaan hakemukselta: --address ja --email kuuluvat "
                              "vain hyvinvointialueen jäsenen oikaisuvaatimukseen (--member).")
    if email is not None and not EMAIL.fullmatch(email):
        raise ValidationError("--email: annettu arvo ei ole sähköpostiosoite (muoto nimi@esimerkki.fi).")
    if member and not (address or email):
        earlier = review_store.recorded(store, grant_id, received, by, member)
        if earlier is None or not earlier.reachable:
            raise ValidationError(
                "hyvinvointialueen jäsenen oikaisuvaatimukseen annettava päätös lähetetään myös hänelle: anna "
                'jäsenen postiosoite (--address "Katu 1, 40100 Jyväskylä") tai sähköpostiosoite (--email).')
    with store.transaction():
        row = _decided(store, grant_id)
        if row.decision_date is not None and received < row.decision_date:
            raise ValidationError(
                f"oikaisuvaatimus ei voi saapua {fmt.date(received)}, ennen päätöstä {fmt.date(row.decision_date)}."
            )
        p = periods(store, settings, row)
        request, done = review_store.add_request(store, grant_id, received, by, member, address, email)
    last = p.members_last_day if member else p.applicant_last_day
    return AddResult(request, done == "new", last, p.in_time(received, member), contact_added=done == "contact")


# --- review decide ----------------------------------------------------------------


@dataclass
class DecideResult:
    grant_id: str
    outcome: str
    old_amount: Decimal
    new_amount: Decimal
    decided: list[int] = field(default_factory=list)  # the requests decided
    letters: list[Path] = field(default_factory=list)
    appeal_last_day: dt.date | None = None
    overrun: Decimal = Decimal(0)
    backup: Path | None = None


def _posting_day(decision_date: dt.date) -> dt.date:
    return deadlines.next_working_day(decision_date + dt.timedelta(days=1))


def _letter_context(settings: Settings, row: Decision, app: Any, pending: Sequence[ReviewRequest], *,
                    decision_date: dt.date, section: str, maker: str, outcome: str, old: Decimal, new: Decimal,
                    reasons: list[str], channel: str, sent: dt.date) -> dict[str, Any]:
    form = GrantForm(row.form) if row.form else None
    return {
        "letter_date": sent,
        "decision_date": decision_date,
        "section": section,
        "body": maker,
        "applicant": addressee(app, row.applicant, row.business_id),
        "grant": {"id": row.id, "applicant": row.applicant, "year": row.year or settings.year,
                  "form": GRANT_FORM_LABELS[form] if form else "Avustus",
                  "decision_body": row.decision_maker or settings.body, "decision_date": row.decision_date,
                  "section": row.section or ""},
        "requests": [{"received": r.received, "member": r.member} for r in pending],
        "outcome": outcome,
        "old_amount": old,
        "new_amount": new,
        "reasons": reasons,
        "appeal": {"court": settings.court, "address": settings.court_address, "email": settings.court_email,
                   "fee": settings.court_fee, **_served(sent, channel)},
    }


def _served(sent: dt.date, channel: str) -> dict[str, Any]:
    """A letter's service and the last day of its appeal period: 30 days from service (a working day)."""
    served = deadlines.served_on(sent, channel)
    return {"channel": channel, "sent": sent, "served": served, "last_day": deadlines.appeal_last_day(served)}


def _member_context(ctx: dict[str, Any], request: ReviewRequest, channel: str) -> dict[str, Any]:
    """The review decision's context as sent to the member of the county who asked for review: addressed to
    the member, with the appeal period counted from the member's own service."""
    return {**ctx, "applicant": {"name": request.requester, "business_id": None, "address": request.address_lines},
            "appeal": {**ctx["appeal"], **_served(ctx["letter_date"], channel)}}


def _member_channel(request: ReviewRequest, channel: str) -> str:
    """E-mail when the member gave an e-mail address and e-mail was chosen, or gave no postal address."""
    return "email" if request.email and (channel == "email" or not request.address_lines) else "letter"


def _check(store: Store, settings: Settings, grant_id: str, outcome: str, amount: Decimal | None, yes: bool
           ) -> tuple[Decision, list[ReviewRequest], Decimal, Decimal, Decimal]:
    """The grant, its pending requests, the old and new amount and the overrun (refusing what cannot be)."""
    row = _decided(store, grant_id)
    pending = [r for r in review_store.requests(store, grant_id) if r.pending]
    if not pending:
        raise ValidationError(
            f"avustuksesta {grant_id} ei ole käsittelemätöntä oikaisuvaatimusta. Kirjaa ensin saapunut "
            f'oikaisuvaatimus: avustus review add {grant_id} --received PVM --by "Nimi".'
        )
    for r in pending:
        if not r.reachable:  # recorded before members' addresses were asked for
            raise ValidationError(
                f"hyvinvointialueen jäsenen oikaisuvaatimukselle (saapunut {fmt.date(r.received)}) ei ole kirjattu "
                "osoitetta, johon päätös lähetetään. Lisää se kirjaamalla sama oikaisuvaatimus uudelleen osoitteen "
                f'kanssa: avustus review add {grant_id} --received {r.received.isoformat()} --by "Nimi" --member '
                '--address "Katu 1, 40100 Jyväskylä" (tai --email); nimi kirjoitetaan kuten oikaisuvaatimuksessa '
                "(isoilla ja pienillä kirjaimilla ei ole väliä)."
            )
    old = row.amount
    if outcome == "kept":
        if amount is not None and amount != old:
            raise ValidationError(
                f"--outcome kept pysyttää päätöksen: summa on {fmt.money2(old)}. Jos summa muuttuu, käytä --outcome changed."
            )
        return row, pending, old, old, Decimal(0)
    if amount is None:
        raise ValidationError("--outcome changed vaatii uuden summan: anna --amount EUR.")
    if amount < 0:
        raise ValidationError("summa ei voi olla negatiivinen.")
    if amount == old:
        raise ValidationError(f"summa {fmt.money2(amount)} on sama kuin ennen: päätös pysyy, käytä --outcome kept.")
    paid = sql.paid_total(store, grant_id)
    if amount < paid:
        raise ValidationError(
            f"avustuksesta {grant_id} on jo maksettu {fmt.money2(paid)}; summaa ei voi laskea sen alle. "
            "Liikaa maksetun osuuden takaisinperintä on erillinen päätös."
        )
    overrun = checked_new_amount(list(sql.decisions_by_id(store).values()), row, amount, settings, yes=yes,
                                 decider="toimielin")
    return row, pending, old, amount, overrun


def decide_review(
    store: Store,
    settings: Settings,
    grant_id: str,
    *,
    decision_date: dt.date,
    section: str,
    outcome: str,
    reasons: str,
    amount: Decimal | None = None,
    maker: str | None = None,
    letters_dir: Path = DEFAULT_LETTERS,
    channel: str = "letter",
    sent: dt.date | None = None,
    yes: bool = False,
    formats: Sequence[str] = ("html", "docx"),
    pdf: bool = False,
) -> DecideResult:
    """Record the body's decision on the grant's pending review requests and write the review decision
    letter (appeal instructions to the administrative court). ``changed`` sets the grant's new amount.

    All or nothing: the letter is rendered into a staging folder inside the transaction and moved into
    ``letters_dir`` after the commit."""
    from avustus_cli.adapters.files import StagedFolder
    from avustus_cli.adapters.render import write_document

    if outcome not in OUTCOMES:
        raise ValidationError(f"--outcome {outcome!r}: käytä kept (pysytetään) tai changed (muutetaan).")
    section = section.strip().removeprefix("§").strip()
    if not section:
        raise ValidationError('pykälän numero puuttuu: anna esimerkiksi --section "§ 41".')
    texts = [r["text"] for r in reason_texts(reasons or "") if r["text"].strip()]
    if not texts:
        raise ValidationError('perustelut puuttuvat: anna --reasons "..." (hallintolaki 45 §: päätös on perusteltava).')
    maker = (maker or settings.body).strip()
    if pdf:
        from avustus_cli.adapters.pdf import require_soffice

        require_soffice()  # before anything is written
    sent = sent or _posting_day(decision_date)
    if sent < decision_date:
        raise ValidationError(f"lähetyspäivä {fmt.date(sent)} on ennen päätöspäivää {fmt.date(decision_date)}.")
    row, pending, old, new, overrun = _check(store, settings, grant_id, outcome, amount, yes)  # before the backup
    if any(r.member for r in pending):
        from avustus_cli.adapters.render import officer_templates_without

        # in the letter to a member, ``applicant`` is the member (the addressee); the applicant's name is
        # ``grant.applicant``: an own template made before would name the member as the applicant
        old_templates = officer_templates_without(settings, "oikaisuvaatimuspaatos", "grant.applicant")
        if old_templates:
            raise ValidationError(
                f"oma mallipohja {', '.join(p.name for p in old_templates)} on tehty ennen kuin "
                "oikaisuvaatimuspäätös lähetettiin myös hyvinvointialueen jäsenelle: siinä hakijan nimi on "
                "{{ applicant.name }}, joka jäsenelle lähtevässä kirjeessä on jäsenen nimi. Vaihda Asia-kappaleen "
                "hakijan nimeksi {{ grant.applicant }} (ohjelman oma pohja templates/oikaisuvaatimuspaatos.* "
                "näyttää mallin)."
            )
    if row.decision_date is not None and decision_date < row.decision_date:
        raise ValidationError(
            f"oikaisuvaatimuspäätös {fmt.date(decision_date)} ei voi olla ennen alkuperäistä päätöstä "
            f"{fmt.date(row.decision_date)}."
        )
    backup = backup_before(store, "review")
    result = DecideResult(grant_id, outcome, old, new, backup=backup)
    stem = filenames.stem("oikaisuvaatimuspaatos", grant_id)
    try:
        with StagedFolder(Path(letters_dir)) as stage:
            with store.transaction():
                row, pending, old, new, overrun = _check(store, settings, grant_id, outcome, amount, yes)  # under the lock
                apps = store.applications([row.application_id], with_personal=True) if row.application_id else []
                app = apps[0] if apps else None
                own = channel if channel == "letter" or (app is not None and (app.email or "").strip()) else "letter"
                ctx = _letter_context(settings, row, app, pending, decision_date=decision_date, section=section,
                                      maker=maker, outcome=outcome, old=old, new=new, reasons=texts, channel=own,
                                      sent=sent)
                # the applicant's letter, and one to each member of the county who asked for review
                letters: list[tuple[str, ReviewRequest | None, str, dict[str, Any]]] = [(stem, None, own, ctx)]
                for r in pending:
                    if r.member:
                        mine = _member_channel(r, channel)
                        letters.append((f"{stem}_jasen{r.id}", r, mine, _member_context(ctx, r, mine)))
                for name, _, _, context in letters:
                    write_document(stage.path, name, "oikaisuvaatimuspaatos", context, settings, formats, in_stage=True)
                if pdf:
                    from avustus_cli.adapters.pdf import to_pdf

                    to_pdf([stage.path / f"{name}.docx" for name, *_ in letters])
                final_stems = [stage.settle(name) for name, *_ in letters]
                for r in pending:
                    review_store.decide_request(store, r.id, decision_date=decision_date, section=section, maker=maker,
                                                outcome=outcome, old_amount=old, new_amount=new, reasons="\n".join(texts))
                    result.decided.append(r.id)
                if new != old:
                    sql.set_amount(store, grant_id, new, row.reason)
                store.audit("grant", grant_id, "review", {
                    "decision_date": decision_date.isoformat(), "section": section, "maker": maker, "outcome": outcome,
                    "old_amount": str(old), "new_amount": str(new), "requests": result.decided,
                    "overrun": str(overrun) if overrun > 0 else None, "reasons": texts})
                detail = {"decision_date": decision_date, "section": section, "maker": maker, "outcome": outcome}
                for final, (_, member, mine, _) in zip(final_stems, letters, strict=True):
                    letter_store.record_letter(
                        store, kind="review_decision",
                        files=[stage.path / f"{final}.{x}" for x in (*formats, *(("pdf",) if pdf else ()))],
                        folder=stage.target, recipient=row.applicant if member is None else member.requester,
                        channel=mine, sent=sent, application_id=row.application_id, grant_id=grant_id,
                        email=(app.email if app is not None else None) if member is None else member.email,
                        detail=detail if member is None else {**detail, "member_request": member.id},
                    )
            result.letters = [p for p in stage.publish() if p.stem in final_stems]
    except BaseException:
        if backup is not None:
            backup.unlink(missing_ok=True)
        raise
    result.old_amount, result.new_amount, result.overrun = old, new, overrun
    result.appeal_last_day = ctx["appeal"]["last_day"]
    return result

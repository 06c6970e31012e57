"""Reclaim (takaisinperintä) as a service: the hearing letter, the reclaim decision with its review
instructions, the money returned, and the open reclaims.

Each letter is written to a staging folder, the act recorded in one transaction, and only then the letter
moved into its folder: a refusal or a failure leaves the database and the folder as they were.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.files import StagedFolder
from avustus_cli.adapters.pdf import pdf_copies, require_soffice
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as sql
from avustus_cli.adapters.store import reclaims as reclaim_store
from avustus_cli.adapters.store import reports as report_store
from avustus_cli.domain import deadlines, filenames, fmt, interest
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.interest import LateInterest
from avustus_cli.domain.letter import addressee, grant_facts
from avustus_cli.domain.models import GrantForm
from avustus_cli.domain.payment import plan_instalments
from avustus_cli.domain.reclaim import ANSWER_DAYS, Reclaim, answer_due, reclaim_problems

DEFAULT_LETTERS = Path("takaisinperinta")

__all__ = ["ReclaimResult", "decide_reclaim", "late_interest", "open_reclaims", "record_return", "start_reclaim"]


@dataclass
class ReclaimResult:
    reclaim: Reclaim
    letters: list[Path] = field(default_factory=list)
    review_last_day: dt.date | None = None


def _grant(store: Store, settings: Settings, grant_id: str) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The grant's row, its ``grant`` for letters and its application (with contact data)."""
    row = sql.grant_row(store, grant_id)
    if row is None:
        raise NotFoundError(f"avustusta {grant_id} ei ole tietokannassa.")
    app = None
    if row.get("application_id"):
        found = store.applications([row["application_id"]], with_personal=True)
        app = found[0] if found else None
    form = GrantForm(row["form"]) if row.get("form") else None
    years = sorted({p.year for p in plan_instalments(form, row.get("year"), app, settings.year) if p.year is not None})
    decided = sql.decision(store, grant_id)
    assert decided is not None  # the row is there
    facts = grant_facts(decided, years, settings.body)
    return row, facts, app


def _report_facts(store: Store, grant_id: str) -> tuple[list[str], Decimal]:
    """What the filed usage reports show (sentences for the letter) and the unused funds they report."""
    facts: list[str] = []
    unused = Decimal(0)
    for f, _row in report_store.filings(store, grant_id):
        if f.used is not None:
            left = f.unused or Decimal(0)
            unused += left
            facts.append(f"Vuoden {f.year} käyttöselvityksen mukaan avustusta on käytetty {fmt.money2(f.used)} ja "
                         f"käyttämättä on jäänyt {fmt.money2(left)}.")
    return facts, unused


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text or "") if p.strip()]
    return [p if p.endswith((".", "!", "?")) else p + "." for p in parts]


def _write(letters_dir: Path, stem: str, name: str, ctx: dict[str, Any], settings: Settings, formats: Sequence[str],
           record: Any, pdf: bool = False) -> list[Path]:
    """The letter written into a staging folder (with its PDF/A when ``pdf``), ``record`` called with its
    files, then the letter moved into ``letters_dir``."""
    from avustus_cli.adapters.render import write_document

    with StagedFolder(Path(letters_dir)) as stage:
        written = write_document(stage.path, stem, name, ctx, settings, formats, in_stage=True)
        if pdf:
            pdf_copies(written)
        stem = stage.settle(stem)
        record([stage.path / f"{stem}.{x}" for x in (*formats, *(("pdf",) if pdf else ()))], stage.target)
        return [p for p in stage.publish() if p.stem == stem]



def _record_letter(store: Store, row: dict[str, Any], app: Any, kind: str, sent: dt.date, channel: str,
                   files: list[Path], folder: Path, detail: dict[str, Any]) -> None:
    """The letter in the letters table (its channel, sent and presumed served day), in the caller's transaction."""
    from avustus_cli.adapters.store import letters as letter_store

    letter_store.record_letter(
        store, kind=kind, files=files, recipient=row["applicant"], channel=channel, sent=sent,
        application_id=row.get("application_id"), grant_id=row["id"], email=app.email if app is not None else None,
        folder=folder, detail=detail,
    )


def _proposed(store: Store, grant_id: str, amount: Decimal | None) -> tuple[Decimal, list[str], Decimal]:
    """(what was paid, what the usage reports show, the sum proposed for reclaim: by default the unused funds
    the reports show, else all that was paid); refuses a grant with nothing paid, a sum above what was paid
    and a second hearing."""
    paid = sql.paid_total(store, grant_id)
    if paid <= 0:
        raise ValidationError(f"avustuksesta {grant_id} ei ole maksettu mitään, joten takaisin perittävää ei ole.")
    facts, unused = _report_facts(store, grant_id)
    if amount is None:
        amount = unused if unused > 0 else paid
    if amount <= 0 or amount > paid:
        raise ValidationError(f"esitettävän määrän on oltava yli 0 € ja enintään maksettu {fmt.money2(paid)}.")
    old = reclaim_store.reclaim(store, grant_id)
    if old is not None:
        raise ValidationError(
            f"avustuksen {grant_id} takaisinperintä on jo aloitettu {fmt.date(old.hearing_date)} (vastausaika "
            f"{fmt.date(old.answer_due)}); mitään ei muutettu."
        )
    return paid, facts, amount


def start_reclaim(
    store: Store,
    settings: Settings,
    grant_id: str,
    *,
    grounds: str,
    amount: Decimal | None = None,
    letter_date: dt.date,
    channel: str = "letter",
    days: int = ANSWER_DAYS,
    letters_dir: Path = DEFAULT_LETTERS,
    decider: str | None = None,
    formats: Sequence[str] = ("html", "docx"),
    pdf: bool = False,
) -> ReclaimResult:
    """Hear the grantee before a reclaim (hallintolaki 34 §): the hearing letter says what is proposed (by
    default the unused funds the usage reports show, else all that was paid), on what grounds, and by when to
    answer (``days`` from the presumed service). Recorded once per grant."""
    grounds = " ".join((grounds or "").split())
    if not grounds:
        raise ValidationError('perusteet puuttuvat: anna --grounds "..." (kuulemiskirjeessä kerrotaan, miksi takaisinperintää harkitaan).')
    if days < 7:
        raise ValidationError("vastausajan on oltava vähintään 7 päivää tiedoksisaannista.")
    if pdf:
        require_soffice()  # or one line on how to install LibreOffice, before anything is written
    row, facts_grant, app = _grant(store, settings, grant_id)
    paid, facts, amount = _proposed(store, grant_id, amount)
    due = answer_due(letter_date, channel, days)
    reclaim = Reclaim(grant_id, grounds, amount, letter_date, due)
    ctx = {
        "letter_date": letter_date,
        "applicant": addressee(app, row["applicant"], row.get("business_id")),
        "grant": facts_grant, "paid": paid, "proposed": amount, "decider": decider or settings.body,
        "grounds": grounds, "facts": facts, "answer_due": due, "reply_to": settings.office.email,
    }

    def record(files: list[Path], folder: Path) -> None:
        with store.transaction():
            if reclaim_store.reclaim(store, grant_id) is not None:
                raise ValidationError(f"avustuksen {grant_id} takaisinperintä aloitettiin toisesta komennosta; mitään ei muutettu.")
            reclaim_store.start(store, reclaim, channel)
            _record_letter(store, row, app, "reclaim_hearing", letter_date, channel, files, folder,
                           {"proposed": str(amount), "answer_due": due})
            store.audit("reclaim", grant_id, "hear", {"proposed": str(amount), "answer_due": due.isoformat(),
                                                       "date": letter_date.isoformat()})

    letters = _write(letters_dir, filenames.stem("kuuleminen", grant_id), "kuuleminen", ctx, settings, formats, record, pdf)
    return ReclaimResult(reclaim, letters)


def _section_and_reasons(section: str, reasons: str) -> tuple[str, list[str]]:
    """The decision's § without its sign, and its reasons as sentences; refuses either missing."""
    section = re.sub(r"^\s*§\s*", "", section or "").strip()
    if not section:
        raise ValidationError('pykälän numero puuttuu: anna esimerkiksi --section "§ 41".')
    reason_list = _sentences(reasons)
    if not reason_list:
        raise ValidationError('perustelut puuttuvat: anna --reasons "..." (hallintolaki 45 §).')
    return section, reason_list


def _review(settings: Settings, decision_date: dt.date, sent: dt.date | None, channel: str) -> dict[str, Any]:
    """The decision letter's review dates: sent (by default the next working day), presumed served, the last
    day to ask for review."""
    sent = sent or deadlines.next_working_day(decision_date + dt.timedelta(days=1))
    if sent < decision_date:
        raise ValidationError(f"lähetyspäivä {fmt.date(sent)} on ennen päätöspäivää {fmt.date(decision_date)}.")
    return {"authority": settings.body, "channel": channel, "sent": sent, "served": deadlines.served_on(sent, channel),
            "last_day": deadlines.review_last_day(sent, channel)}


def _heard(store: Store, grant_id: str, decision_date: dt.date, amount: Decimal, due: dt.date, paid: Decimal,
           answered: dt.date | None) -> Reclaim:
    """The grant's reclaim as heard, ready for its decision; refused (all problems named) otherwise."""
    old = reclaim_store.reclaim(store, grant_id)
    problems = reclaim_problems(old, decision_date, amount, due, paid, answered)
    if problems or old is None:
        raise ValidationError(f"avustuksen {grant_id} takaisinperintää ei voi kirjata: " + "; ".join(problems)
                              + ". Mitään ei tallennettu.")
    return old


def decide_reclaim(
    store: Store,
    settings: Settings,
    grant_id: str,
    *,
    decision_date: dt.date,
    section: str,
    amount: Decimal,
    due: dt.date,
    reasons: str,
    maker: str | None = None,
    answered: dt.date | None = None,
    sent: dt.date | None = None,
    channel: str = "letter",
    letters_dir: Path = DEFAULT_LETTERS,
    formats: Sequence[str] = ("html", "docx"),
    pdf: bool = False,
) -> ReclaimResult:
    """Record the reclaim decision and write it with its review instructions (oikaisuvaatimusohje; the
    review period runs from the presumed service of this letter). Refused before the hearing's answer time
    has passed (unless the answer has come: ``answered``), above what was paid, or a second time."""
    section, reason_list = _section_and_reasons(section, reasons)
    if pdf:
        require_soffice()  # or one line on how to install LibreOffice, before anything is written
    row, facts_grant, app = _grant(store, settings, grant_id)
    paid = sql.paid_total(store, grant_id)
    old = _heard(store, grant_id, decision_date, amount, due, paid, answered)
    review = _review(settings, decision_date, sent, channel)
    sent, last_day = review["sent"], review["last_day"]
    body = (maker or settings.body).strip()
    ctx = {
        "letter_date": sent, "decision_date": decision_date, "section": section, "body": body,
        "applicant": addressee(app, row["applicant"], row.get("business_id")),
        "grant": facts_grant, "paid": paid, "amount": amount, "due": due,
        "grounds": old.grounds, "reasons": reason_list,
        "interest_terms": interest.interest_terms(amount, due, settings.reference_rates),
        "hearing": {"date": old.hearing_date, "answer_due": old.answer_due, "answered": answered},
        "review": review,
    }

    def record(files: list[Path], folder: Path) -> None:
        with store.transaction():
            again = reclaim_store.reclaim(store, grant_id)
            if again is None or again.decision_date is not None:
                raise ValidationError(f"avustuksen {grant_id} takaisinperinnästä päätettiin toisesta komennosta; mitään ei muutettu.")
            reclaim_store.decide(store, grant_id, decision_date, section, body, amount, due, " ".join(reason_list))
            _record_letter(store, row, app, "reclaim_decision", sent, channel, files, folder,
                           {"decision_date": decision_date, "section": section, "maker": body, "review_last_day": last_day})
            store.audit("reclaim", grant_id, "decide", {
                "date": decision_date.isoformat(), "section": section, "maker": body, "amount": str(amount),
                "due": due.isoformat(), "answered": answered.isoformat() if answered else None,
                "review_last_day": last_day.isoformat()})

    stem = filenames.stem("takaisinperinta", grant_id)
    letters = _write(letters_dir, stem, "takaisinperinta", ctx, settings, formats, record, pdf)
    done = reclaim_store.reclaim(store, grant_id)
    assert done is not None
    return ReclaimResult(done, letters, last_day)


def record_return(store: Store, grant_id: str, day: dt.date, amount: Decimal | None = None) -> Reclaim:
    """Record money returned against the grant's reclaim (by default all that is outstanding)."""
    with store.transaction():
        r = reclaim_store.reclaim(store, grant_id)
        if r is None:
            raise NotFoundError(f"avustuksella {grant_id} ei ole takaisinperintää; palautus kirjataan takaisinperinnälle.")
        if r.outstanding <= 0:
            raise ValidationError(f"avustuksen {grant_id} takaisinperittävä määrä on jo palautettu kokonaan; mitään ei muutettu.")
        amount = r.outstanding if amount is None else amount
        if amount <= 0 or amount > r.outstanding:
            raise ValidationError(
                f"palautuksen on oltava yli 0 € ja enintään palauttamatta oleva {fmt.money2(r.outstanding)}; mitään ei muutettu."
            )
        reclaim_store.add_return(store, grant_id, amount, day)
        store.audit("reclaim", grant_id, "return", {"amount": str(amount), "date": day.isoformat()})
    done = reclaim_store.reclaim(store, grant_id)
    assert done is not None
    return done


def late_interest(store: Store, settings: Settings, r: Reclaim, as_of: dt.date) -> LateInterest | None:
    """The late-payment interest (korkolaki 4 § 1 mom.) of a decided reclaim paid late or not yet paid after its
    due date: from the day after the due date to the day each part was returned, and on what is still unpaid
    to ``as_of``. None when nothing was late."""
    if r.amount is None or r.due is None:
        return None
    paid = reclaim_store.returns(store, r.grant_id)
    until = as_of if r.outstanding > 0 else max((d for d, _ in paid), default=r.due)
    found = interest.late_interest(r.amount, r.due, until, paid, settings.reference_rates)
    return found if found.rows else None


def open_reclaims(store: Store, everything: bool = False) -> list[Reclaim]:
    """The reclaims whose money is not wholly back (``everything``: all of them)."""
    found = reclaim_store.reclaims(store)
    return found if everything else [r for r in found if r.outstanding > 0]

"""Sending the e-mail letters (avustus send): one .eml per letter, and through the mail server when the
settings name one; each result recorded in the letters table.

A letter is sent once: the letters table marks it ``sending`` with its Message-ID before it is handed to
the server, and sent (in its own transaction) right after the server accepted it; ``send`` takes only
letters not marked either way. A letter left ``sending`` (the run stopped between the acceptance and the
record, or the connection broke before the server answered) is named and sent again only on the officer's
word (``--resend``), or recorded sent when the officer has checked that it arrived (``--delivered``). A failure is recorded with its reason and
the run goes on with the next letter. A letter whose file is missing or no longer the one recorded (its
hash differs) is not sent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avustus_cli.adapters import faults
from avustus_cli.adapters.mail import Smtp, SmtpError, build_message, write_eml
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import letters as letter_store
from avustus_cli.domain import fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import SettingsError, ValidationError
from avustus_cli.domain.letter import (
    DECISION_KINDS,
    LETTER_KINDS,
    LETTER_OBJECTS,
    TERMS_ENCLOSURE,
    TERMS_LABEL,
    LetterRecord,
)

DEFAULT_OUTBOX = Path("lahtevat")
PASSWORD_ENV = "AVUSTUS_SMTP_PASSWORD"

__all__ = ["DEFAULT_OUTBOX", "SendResult", "message_text", "send", "unconfirmed_line"]


@dataclass
class SendResult:
    outbox: Path
    smtp: bool  # a mail server was used
    dry_run: bool
    written: list[tuple[LetterRecord, Path]] = field(default_factory=list)  # the .eml of each letter
    sent: list[LetterRecord] = field(default_factory=list)
    failed: list[tuple[LetterRecord, str]] = field(default_factory=list)
    skipped: list[tuple[LetterRecord, str]] = field(default_factory=list)  # not sent: the file is not the one recorded
    unconfirmed: list[LetterRecord] = field(default_factory=list)  # handed over, acceptance never recorded: not sent again

    def as_json(self) -> dict[str, object]:
        return {
            "outbox": str(self.outbox), "smtp": self.smtp, "dry_run": self.dry_run,
            "written": [{"letter": r.id, "eml": str(p)} for r, p in self.written],
            "sent": [r.id for r in self.sent],
            "failed": [{"letter": r.id, "file": r.file, "reason": why} for r, why in self.failed],
            "skipped": [{"letter": r.id, "file": r.file, "reason": why} for r, why in self.skipped],
            "unconfirmed": [{"letter": r.id, "file": r.file, "message_id": r.message_id, "handed_over": r.delivered_at}
                            for r in self.unconfirmed],
        }


def message_text(settings: Settings, rec: LetterRecord, attachments: list[Path]) -> tuple[str, str]:
    """The subject and the Finnish body of a letter sent by e-mail."""
    label = LETTER_KINDS.get(rec.kind, "kirje")
    about = f"avustus {rec.grant_id}" if rec.grant_id else f"hakemus {rec.application_id}"
    subject = f"{label[0].upper()}{label[1:]}: {about} ({settings.county})"
    names = ", ".join(p.name for p in attachments)
    p, o = settings.preparer, settings.office
    body = "\n".join([
        "Hyvä vastaanottaja,",
        "",
        f"{settings.county} lähettää teille oheisena {LETTER_OBJECTS.get(rec.kind, 'kirjeen')} ({about}). "
        f"{'Kirje liitteineen' if _enclosures(rec) else 'Kirje'} on tämän viestin liitteenä ({names}).",
        "",
        "Kirje annetaan tiedoksi sähköisesti. Laki sähköisestä asioinnista viranomaistoiminnassa (13/2003) "
        "19 §:n mukaan tavallisena sähköisenä viestinä lähetetyn päätöksen katsotaan tulleen tiedoksi kolmantena "
        "päivänä viestin lähettämisestä, jollei muuta näytetä. Kirjeessä mainitut määräajat lasketaan siitä.",
        "",
        "Tähän viestiin ei voi vastata. Lisätietoja antaa kirjeessä mainittu valmistelija; kirjaamon osoite on "
        f"{o.email}.",
        "",
        "Ystävällisin terveisin",
        "",
        *[line for line in (p.name, p.title, o.name) if line],
    ])
    return subject, body + "\n"


def _attachments(rec: LetterRecord) -> list[Path]:
    """The letter's Word file and its PDF when one was made (avustus send attaches these, not the HTML),
    then each file the letter encloses (:func:`_enclosures`)."""
    folder = Path(rec.folder)
    names = [n for n in rec.files if Path(n).suffix.lower() in (".docx", ".pdf")] or [rec.file]
    pdf = Path(rec.file).with_suffix(".pdf").name
    if pdf not in names and (folder / pdf).is_file():
        names.append(pdf)
    return [folder / n for n in [*names, *_enclosures(rec)]]


def _enclosures(rec: LetterRecord) -> dict[str, str | None]:
    """The files a letter encloses, each with the SHA-256 recorded when it was written (None: not recorded).

    A letter recorded with its enclosures names them; a decision letter recorded before enclosures were
    recorded encloses the grant terms beside it when its own text names them (Liite 2 Avustusehdot), as
    the Word file and, when the letter has a PDF, as PDF too."""
    recorded = rec.detail.get("enclosures")
    if isinstance(recorded, dict):
        return {str(k): (str(v) if v else None) for k, v in recorded.items()}
    if rec.kind not in DECISION_KINDS:
        return {}
    html = Path(rec.folder) / Path(rec.file).with_suffix(".html").name
    try:
        names_terms = TERMS_LABEL in html.read_text(encoding="utf-8")
    except OSError:
        return {}
    if not names_terms:
        return {}
    out: dict[str, str | None] = {f"{TERMS_ENCLOSURE}.docx": None}
    if Path(rec.file).with_suffix(".pdf").name in rec.files:
        out[f"{TERMS_ENCLOSURE}.pdf"] = None
    return out


def _check_file(rec: LetterRecord) -> str | None:
    path = Path(rec.folder) / rec.file
    if not path.is_file():
        return f"tiedostoa {path} ei löydy"
    if letter_store.file_hash(path) != rec.content_hash:
        return f"tiedosto {path.name} on muuttunut kirjauksen jälkeen: kirjoita kirje uudelleen sen omalla komennolla"
    for name, digest in _enclosures(rec).items():
        enclosed = Path(rec.folder) / name
        if not enclosed.is_file():
            return f"kirjeen liitettä {enclosed} ei löydy: kirje lähetetään vain liitteineen"
        if digest is not None and letter_store.file_hash(enclosed) != digest:
            return (f"kirjeen liite {enclosed.name} on muuttunut kirjeen kirjoittamisen jälkeen: palauta liite "
                    "sellaiseksi kuin se kirjoitettiin (varmuuskopiosta) tai lähetä kirje muuten")
    return None


def send(
    store: Store,
    settings: Settings,
    *,
    outbox: Path = DEFAULT_OUTBOX,
    dry_run: bool = False,
    password: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    resend: Collection[int] = (),
    delivered: Collection[int] = (),
) -> SendResult:
    """Write each e-mail letter not yet sent as an .eml in ``outbox`` and, unless ``dry_run`` and when the
    settings name a mail server (``[smtp] host``), send it and record the result.

    A letter left ``sending`` (handed to the server, its acceptance never recorded) is not sent again: it is
    named in ``unconfirmed`` until the officer says either that it arrived (``delivered``: recorded sent) or
    that it did not (``resend``: sent again under its first Message-ID)."""
    clock = clock or (lambda: dt.datetime.now().astimezone())
    use_smtp = bool(settings.smtp_host) and not dry_run
    if use_smtp and not settings.smtp_sender:
        raise SettingsError("asetus smtp.sender puuttuu: anna lähettäjän osoite, esim. sender = \"kirjaamo@hyvaks.fi\".")
    waiting = _confirmed(store, resend, delivered, dry_run)
    result = SendResult(Path(outbox), use_smtp, dry_run)
    result.unconfirmed = [r for r in waiting if r.id not in resend]
    again = [r for r in waiting if r.id in resend]
    todo = _write_outbox(settings, [*letter_store.pending_email(store), *again], result, clock)
    if use_smtp and todo:
        _deliver(store, settings, todo, result, clock, password)
    return result


def _confirmed(store: Store, resend: Collection[int], delivered: Collection[int], dry_run: bool) -> list[LetterRecord]:
    """The letters left ``sending``, after recording the officer's word on those that arrived
    (``delivered``); refuses a number that is not such a letter, or one given both ways."""
    waiting = letter_store.unconfirmed_email(store)
    known = {r.id for r in waiting}
    wrong = sorted({*resend, *delivered} - known)
    if wrong:
        raise ValidationError(
            f"kirje {', '.join(map(str, wrong))} ei odota vahvistusta: --resend ja --delivered koskevat vain kirjeitä, "
            "jotka annettiin sähköpostipalvelimelle mutta joiden vastaanottoa ei saatu kirjattua. Mitään ei lähetetty."
        )
    both = sorted(set(resend) & set(delivered))
    if both:
        raise ValidationError(f"kirje {', '.join(map(str, both))} on annettu sekä --resend- että --delivered-valinnalle; "
                              "anna kumpi tahansa. Mitään ei lähetetty.")
    if delivered and not dry_run:
        with store.transaction():
            for letter_id in sorted(delivered):
                letter_store.confirm_delivered(store, letter_id)
    return [r for r in waiting if r.id not in delivered]


def _write_outbox(
    settings: Settings, recs: list[LetterRecord], result: SendResult, clock: Callable[[], dt.datetime],
) -> list[tuple[LetterRecord, Any]]:
    """An .eml in the outbox for each letter whose file is the one recorded; (letter, message) to send."""
    sender = settings.smtp_sender or settings.office.email
    todo: list[tuple[LetterRecord, Any]] = []
    for rec in recs:
        problem = _check_file(rec)
        if problem is not None:
            result.skipped.append((rec, problem))
            continue
        files = _attachments(rec)
        subject, body = message_text(settings, rec, files)
        msg = build_message(sender=sender, to=rec.email or "", subject=subject, body=body, attachments=files,
                            when=clock(), message_id=rec.message_id if rec.status == "sending" else None)
        eml = write_eml(Path(result.outbox) / f"{Path(rec.file).stem}.eml", msg)
        result.written.append((rec, eml))
        todo.append((rec, msg))
    return todo


def _deliver(
    store: Store, settings: Settings, todo: list[tuple[LetterRecord, Any]], result: SendResult,
    clock: Callable[[], dt.datetime], password: str | None,
) -> None:
    """Hand each message to the mail server. Each letter is first recorded ``sending`` with its Message-ID
    (committed), then sent, then recorded sent: a run killed between the server's acceptance and the
    record leaves it ``sending``, never sent twice unasked."""
    password = password if password is not None else os.environ.get(PASSWORD_ENV, "")
    done: set[int] = set()
    try:
        with Smtp(settings.smtp_host, settings.smtp_port, username=settings.smtp_username, password=password,
                  starttls=settings.smtp_starttls, timeout=settings.smtp_timeout) as smtp:
            for n, (rec, msg) in enumerate(todo, start=1):
                with store.transaction():
                    letter_store.mark_sending(store, rec.id, clock(), str(msg["Message-ID"]))
                done.add(rec.id)
                try:
                    smtp.send(msg)
                except SmtpError as e:
                    with store.transaction():
                        if e.refused:
                            letter_store.mark_failed(store, rec.id, str(e))
                            result.failed.append((rec, str(e)))
                            continue
                        letter_store.mark_uncertain(store, rec.id, str(e))
                    result.unconfirmed.append(letter_store.letter(store, rec.id))
                    raise SmtpError("yhteys palvelimeen katkesi edellisen kirjeen aikana") from None
                faults.checkpoint("send-accepted", n)  # the server has the letter; the record follows
                with store.transaction():
                    result.sent.append(letter_store.mark_sent(store, rec.id, clock(), str(msg["Message-ID"])))
    except SmtpError as e:  # no connection, or it broke: every letter not yet handed over failed
        for rec, _msg in todo:
            if rec.id not in done:
                with store.transaction():
                    letter_store.mark_failed(store, rec.id, str(e))
                result.failed.append((rec, str(e)))


def unconfirmed_line(rec: LetterRecord) -> str:
    """The officer's line on a letter left ``sending``: what is known, and the two ways on."""
    when = dt.datetime.fromisoformat(rec.delivered_at) if rec.delivered_at else None
    handed = f" {fmt.date(when)} klo {when:%H.%M}" if when else ""
    why = f" ({rec.error})" if rec.error else " (ohjelma keskeytyi)"
    return (f"Ei lähetetty uudelleen: kirje {rec.id}, {describe(rec)}, annettiin sähköpostipalvelimelle{handed} "
            f"tunnuksella {rec.message_id}, mutta palvelimen vastaanottoa ei saatu kirjattua{why}. Tarkista "
            "palvelimen lokista tai vastaanottajalta, menikö viesti perille. Jos meni, kirjaa se: avustus send "
            f"--delivered {rec.id}. Jos ei, lähetä se uudelleen: avustus send --resend {rec.id}.")


def describe(rec: LetterRecord) -> str:
    """One line naming a letter for the officer: kind, grant and file, the day it is served."""
    return (f"{LETTER_KINDS.get(rec.kind, rec.kind)} {rec.grant_id or rec.application_id} ({rec.file}), "
            f"tiedoksi {fmt.date(rec.served)}")

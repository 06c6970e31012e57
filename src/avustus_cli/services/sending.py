"""Sending the e-mail letters (avustus send): one .eml per letter, and through the mail server when the
settings name one; each result recorded in the letters table.

A letter is sent once: the letters table marks it sent (in its own transaction, right after the server
accepted it) and ``send`` takes only letters not marked sent. A failure is recorded with its reason and
the run goes on with the next letter. A letter whose file is missing or no longer the one recorded (its
hash differs) is not sent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avustus_cli.adapters.mail import Smtp, SmtpError, build_message, write_eml
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import letters as letter_store
from avustus_cli.domain import fmt
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import SettingsError
from avustus_cli.domain.letter import LETTER_KINDS, LetterRecord

DEFAULT_OUTBOX = Path("lahtevat")
PASSWORD_ENV = "AVUSTUS_SMTP_PASSWORD"

__all__ = ["DEFAULT_OUTBOX", "SendResult", "message_text", "send"]


@dataclass
class SendResult:
    outbox: Path
    smtp: bool  # a mail server was used
    dry_run: bool
    written: list[tuple[LetterRecord, Path]] = field(default_factory=list)  # the .eml of each letter
    sent: list[LetterRecord] = field(default_factory=list)
    failed: list[tuple[LetterRecord, str]] = field(default_factory=list)
    skipped: list[tuple[LetterRecord, str]] = field(default_factory=list)  # not sent: the file is not the one recorded

    def as_json(self) -> dict[str, object]:
        return {
            "outbox": str(self.outbox), "smtp": self.smtp, "dry_run": self.dry_run,
            "written": [{"letter": r.id, "eml": str(p)} for r, p in self.written],
            "sent": [r.id for r in self.sent],
            "failed": [{"letter": r.id, "file": r.file, "reason": why} for r, why in self.failed],
            "skipped": [{"letter": r.id, "file": r.file, "reason": why} for r, why in self.skipped],
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
        f"{settings.county} lähettää teille oheisena {label}n ({about}). Kirje on tämän viestin liitteenä "
        f"({names}).",
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
    """The letter's Word file, and its PDF when one was made (avustus send attaches these, not the HTML)."""
    folder = Path(rec.folder)
    names = [n for n in rec.files if Path(n).suffix.lower() in (".docx", ".pdf")] or [rec.file]
    pdf = Path(rec.file).with_suffix(".pdf").name
    if pdf not in names and (folder / pdf).is_file():
        names.append(pdf)
    return [folder / n for n in names]


def _check_file(rec: LetterRecord) -> str | None:
    path = Path(rec.folder) / rec.file
    if not path.is_file():
        return f"tiedostoa {path} ei löydy"
    if letter_store.file_hash(path) != rec.content_hash:
        return f"tiedosto {path.name} on muuttunut kirjauksen jälkeen: kirjoita kirje uudelleen sen omalla komennolla"
    return None


def send(
    store: Store,
    settings: Settings,
    *,
    outbox: Path = DEFAULT_OUTBOX,
    dry_run: bool = False,
    password: str | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> SendResult:
    """Write each e-mail letter not yet sent as an .eml in ``outbox`` and, unless ``dry_run`` and when the
    settings name a mail server (``[smtp] host``), send it and record the result."""
    clock = clock or (lambda: dt.datetime.now().astimezone())
    use_smtp = bool(settings.smtp_host) and not dry_run
    if use_smtp and not settings.smtp_sender:
        raise SettingsError("asetus smtp.sender puuttuu: anna lähettäjän osoite, esim. sender = \"kirjaamo@hyvaks.fi\".")
    sender = settings.smtp_sender or settings.office.email
    result = SendResult(Path(outbox), use_smtp, dry_run)
    todo: list[tuple[LetterRecord, Any]] = []  # (letter, its e-mail message)
    for rec in letter_store.pending_email(store):
        problem = _check_file(rec)
        if problem is not None:
            result.skipped.append((rec, problem))
            continue
        files = _attachments(rec)
        subject, body = message_text(settings, rec, files)
        msg = build_message(sender=sender, to=rec.email or "", subject=subject, body=body, attachments=files,
                            when=clock())
        eml = write_eml(Path(outbox) / f"{Path(rec.file).stem}.eml", msg)
        result.written.append((rec, eml))
        todo.append((rec, msg))
    if not use_smtp or not todo:
        return result
    password = password if password is not None else os.environ.get(PASSWORD_ENV, "")
    try:
        with Smtp(settings.smtp_host, settings.smtp_port, username=settings.smtp_username, password=password,
                  starttls=settings.smtp_starttls, timeout=settings.smtp_timeout) as smtp:
            for rec, msg in todo:
                try:
                    smtp.send(msg)
                except SmtpError as e:
                    with store.transaction():
                        letter_store.mark_failed(store, rec.id, str(e))
                    result.failed.append((rec, str(e)))
                    continue
                with store.transaction():
                    result.sent.append(letter_store.mark_sent(store, rec.id, clock(), str(msg["Message-ID"])))
    except SmtpError as e:  # no connection at all: every letter not yet sent failed
        done = {r.id for r in result.sent} | {r.id for r, _ in result.failed}
        for rec, _msg in todo:
            if rec.id not in done:
                with store.transaction():
                    letter_store.mark_failed(store, rec.id, str(e))
                result.failed.append((rec, str(e)))
    return result


def describe(rec: LetterRecord) -> str:
    """One line naming a letter for the officer: kind, grant and file, the day it is served."""
    return (f"{LETTER_KINDS.get(rec.kind, rec.kind)} {rec.grant_id or rec.application_id} ({rec.file}), "
            f"tiedoksi {fmt.date(rec.served)}")

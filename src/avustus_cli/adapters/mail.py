"""E-mail: the only module touching ``email`` and ``smtplib``.

:func:`build_message` makes one standards-compliant message (RFC 5322, MIME, UTF-8) of a letter: a
Finnish plain-text body and the letter's files attached; :func:`write_eml` saves it as ``.eml``
(owner-only: it holds an e-mail address); :class:`Smtp` hands messages to a mail server.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import TracebackType
from typing import Any

from avustus_cli.adapters.files import write_atomic

__all__ = ["Smtp", "SmtpError", "build_message", "write_eml"]

_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".pdf": ("application", "pdf"),
    ".html": ("text", "html"),
}


class SmtpError(Exception):
    """A message the mail server or the network refused; ``str()`` is the reason without addresses.
    ``refused``: the server answered with a refusal, so the message was certainly not taken; False when the
    connection broke or timed out while a message was being handed over (it may have been taken)."""

    def __init__(self, reason: str, refused: bool = True) -> None:
        super().__init__(reason)
        self.refused = refused


def build_message(
    *, sender: str, to: str, subject: str, body: str, attachments: Sequence[Path], when: Any, domain: str | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A letter as an e-mail: the body in Finnish plain text, each file attached under its own name.
    ``message_id``: the one a letter was first handed over with (a resent letter keeps it, so that the
    recipient's mail program shows one message)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or make_msgid(domain=domain or (sender.rpartition("@")[2] or None))
    msg["Content-Language"] = "fi"
    msg.set_content(body, charset="utf-8")
    for path in attachments:
        maintype, subtype = _TYPES.get(path.suffix.lower()) or (
            (mimetypes.guess_type(path.name)[0] or "application/octet-stream").split("/", 1))
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def write_eml(path: Path, msg: EmailMessage) -> Path:
    """Save ``msg`` as an .eml file (owner-only: it names the recipient)."""
    write_atomic(path, msg.as_bytes(), private=True)
    return path


class Smtp:
    """One connection to the mail server for a run of ``avustus send`` (STARTTLS unless turned off)."""

    def __init__(self, host: str, port: int, *, username: str = "", password: str = "", starttls: bool = True,
                 timeout: float = 30.0) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout = starttls, timeout
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> Smtp:
        try:
            self._conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                self._conn.starttls(context=ssl.create_default_context())
            if self.username:
                self._conn.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as e:
            self._close()
            raise SmtpError(_reason(e)) from None
        return self

    def send(self, msg: EmailMessage) -> None:
        if self._conn is None:
            raise SmtpError("yhteyttä sähköpostipalvelimeen ei ole avattu")
        try:
            refused = self._conn.send_message(msg)
        except (OSError, smtplib.SMTPException) as e:
            # a refusal is an answer; a broken connection or a timeout may come after the server took the message
            answered = isinstance(e, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused))
            raise SmtpError(_reason(e), refused=answered) from None
        if refused:
            raise SmtpError("palvelin ei hyväksynyt vastaanottajaa")

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                self._conn.close()
            self._conn = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._close()


def _reason(e: BaseException) -> str:
    """The reason of a failure in words that hold no address (the server's own text may quote one)."""
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "palvelin ei hyväksynyt vastaanottajaa"
    if isinstance(e, smtplib.SMTPSenderRefused):
        return f"palvelin ei hyväksynyt lähettäjää (koodi {e.smtp_code})"
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return "kirjautuminen sähköpostipalvelimelle epäonnistui (tarkista käyttäjätunnus ja AVUSTUS_SMTP_PASSWORD)"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"palvelin vastasi virheellä {e.smtp_code}"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return "palvelin katkaisi yhteyden"
    if isinstance(e, TimeoutError):
        return "palvelin ei vastannut ajoissa"
    if isinstance(e, ConnectionRefusedError):
        return "palvelin ei ottanut yhteyttä vastaan"
    if isinstance(e, OSError):
        return f"verkkovirhe ({e.strerror or type(e).__name__})"
    return type(e).__name__

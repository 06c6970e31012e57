"""SQL for the ``letters`` table: every letter written to an applicant and its delivery.

A letter is recorded once it is written (:func:`record_letter`): kind, the
application and grant it is about, the files, the addressee, the channel
(``email`` or ``letter``, i.e. post), the day it is sent and the day the law
presumes it served (``domain.deadlines.served_on``), and a SHA-256 of the main
file as written. Recording the same letter again (same kind, files, content,
channel and day) records nothing; a letter rewritten with other content before
it was sent supersedes the unsent one.

``avustus send`` hands e-mail letters to the mail server and records each
result here (:func:`mark_sent`, :func:`mark_failed`): a letter marked sent is
never sent again.

Review periods and payment holds read the served day of a grant's latest
decision letter (:func:`latest_by_grant`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avustus_cli.adapters.store import Store, now
from avustus_cli.domain import deadlines
from avustus_cli.domain.errors import NotFoundError, ValidationError
from avustus_cli.domain.letter import CHANNELS, DECISION_KINDS, LETTER_KINDS, LetterRecord

__all__ = [
    "file_hash",
    "latest",
    "latest_by_grant",
    "letter",
    "letters",
    "main_file",
    "mark_failed",
    "mark_sent",
    "pending_email",
    "record_letter",
    "record_letters",
    "NewLetter",
]


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (the documents are written with fixed zip times: the same letter, the same hash)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def main_file(files: Iterable[Path | str]) -> Path:
    """The file a letter is known by: its .docx, else its .pdf, else the first one."""
    paths = [Path(f) for f in files]
    if not paths:
        raise ValidationError("kirjeellä ei ole yhtään tiedostoa (ohjelmavirhe).")
    for ext in (".docx", ".pdf"):
        for p in paths:
            if p.suffix.lower() == ext:
                return p
    return paths[0]


def _record(r: Mapping[str, Any]) -> LetterRecord:
    return LetterRecord(
        id=r["id"], kind=r["kind"], application_id=r["application_id"], grant_id=r["grant_id"], folder=r["folder"],
        file=r["file"], files=tuple(json.loads(r["files"] or "[]")), recipient=r["recipient"], email=r["email"],
        channel=r["channel"], sent=dt.date.fromisoformat(r["sent"]), served=dt.date.fromisoformat(r["served"]),
        content_hash=r["content_hash"], status=r["status"], delivered_at=r["delivered_at"], message_id=r["message_id"],
        error=r["error"], detail=json.loads(r["detail"] or "{}"),
    )


def _jsonable(detail: Mapping[str, Any] | None) -> str:
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (detail or {}).items()},
        ensure_ascii=False, sort_keys=True, default=str,
    )


@dataclass(frozen=True)
class NewLetter:
    """A written letter to record (:func:`record_letters`); ``digest``: the SHA-256 of the main file's
    bytes when the caller has them (else the file is read)."""

    kind: str
    files: Sequence[Path | str]
    recipient: str
    channel: str
    sent: dt.date
    application_id: str | None = None
    grant_id: str | None = None
    email: str | None = None
    detail: Mapping[str, Any] | None = None
    folder: Path | str | None = None
    digest: str | None = None


def record_letter(
    store: Store,
    *,
    kind: str,
    files: Sequence[Path | str],
    recipient: str,
    channel: str,
    sent: dt.date,
    application_id: str | None = None,
    grant_id: str | None = None,
    email: str | None = None,
    detail: Mapping[str, Any] | None = None,
    folder: Path | str | None = None,
) -> tuple[LetterRecord, bool]:
    """Record a written letter; (the record, True) when new, (the earlier record, False) when the same
    letter (kind, application, grant, file, content, channel, day) is recorded already.

    The files must exist (the hash is of the main file as written); ``folder`` is where they are kept
    when that is not where they are read now (a staging folder published after the commit). Call inside the caller's
    transaction; an unsent earlier version of the same letter (same kind, application, grant and
    file, other content or day) is marked superseded."""
    [(letter_id, new)] = record_letters(store, [NewLetter(
        kind, files, recipient, channel, sent, application_id, grant_id, email, detail, folder)])
    return letter(store, letter_id), new


def record_letters(store: Store, written: Sequence[NewLetter]) -> list[tuple[int, bool]]:
    """Record written letters, in order, as :func:`record_letter` records each: (the letter's id, True)
    for a new one, (the earlier one's id, False) for one recorded already; an unsent earlier version is
    marked superseded. A round's thousand letters take one query of what is recorded, one insert of
    them all and one of their audit rows. Call inside the caller's transaction."""
    for w in written:
        if w.kind not in LETTER_KINDS:
            raise ValidationError(f"tuntematon kirjelaji {w.kind!r} (ohjelmavirhe).")
        if w.channel not in CHANNELS:
            raise ValidationError(f"tuntematon tiedoksiantotapa {w.channel!r}: käytä letter (kirje) tai email (sähköposti).")
        if w.channel == "email" and not (w.email or "").strip():
            raise ValidationError(
                f"hakijan {w.recipient} kirjettä ei voi lähettää sähköpostilla: hakemuksella ei ole sähköpostiosoitetta. "
                "Lähetä se kirjeenä (--channel letter)."
            )
    if not written:
        return []
    resolved: dict[Path, str] = {}  # a folder's absolute name, looked up once

    def folder_of(w: NewLetter, main: Path) -> str:
        where = Path(w.folder) if w.folder is not None else main.parent
        if where not in resolved:
            resolved[where] = str(where.resolve())
        return resolved[where]

    mains = [main_file(w.files) for w in written]
    folders = [folder_of(w, main) for w, main in zip(written, mains, strict=True)]
    # what is recorded already of these kinds in these folders, by (kind, application, grant, folder, file)
    recorded: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for kind, folder in dict.fromkeys((w.kind, f) for w, f in zip(written, folders, strict=True)):
        for r in store.query("select id, application_id, grant_id, file, content_hash, channel, sent, status "
                             "from letters where kind = ? and folder = ? order by id", (kind, folder)):
            recorded.setdefault((kind, r["application_id"], r["grant_id"], folder, r["file"]), []).append(r)
    (last_id,) = store.conn.execute("select coalesce(max(id), 0) from letters").fetchone()
    out: list[tuple[int, bool]] = []
    superseded: list[int] = []
    inserts: list[tuple[dict[str, Any], tuple[Any, ...]]] = []
    audits: list[tuple[str, str | None, str, str]] = []
    for w, main, folder in zip(written, mains, folders, strict=True):
        digest = w.digest or file_hash(main)
        sent = w.sent.isoformat()
        rows = recorded.setdefault((w.kind, w.application_id, w.grant_id, folder, main.name), [])
        same = [r for r in rows if r["content_hash"] == digest and r["channel"] == w.channel and r["sent"] == sent
                and r["status"] != "superseded"]
        if same:
            out.append((same[-1]["id"], False))
            continue
        older = [r for r in rows if r["status"] in ("written", "failed")]
        for r in older:
            r["status"] = "superseded"
        superseded += [r["id"] for r in older]
        served = deadlines.served_on(w.sent, w.channel).isoformat()
        letter_id = last_id + len(inserts) + 1  # the rowid SQLite would give: one more than the largest
        row = {"id": letter_id, "content_hash": digest, "channel": w.channel, "sent": sent, "status": "written"}
        rows.append(row)  # a later letter of this batch may supersede it: its status is read when inserted
        inserts.append((row, (letter_id, w.application_id, w.grant_id, w.kind, folder, main.name,
                              json.dumps([Path(f).name for f in w.files], ensure_ascii=False), w.recipient,
                              (w.email or "").strip() or None, w.channel, sent, served, digest, _jsonable(w.detail))))
        audits.append(("letter", w.grant_id or w.application_id, "record", json.dumps(
            {"letter": letter_id, "kind": w.kind, "file": main.name, "channel": w.channel, "sent": sent,
             "served": served, "superseded": [r["id"] for r in older]}, ensure_ascii=False, default=str)))
        out.append((letter_id, True))
    stored = [(i,) for i in superseded if i <= last_id]  # the batch's own letters are inserted superseded
    if stored:
        store.conn.executemany("update letters set status = 'superseded' where id = ?", stored)
    at = now()
    store.conn.executemany(
        "insert into letters (id, application_id, grant_id, kind, folder, file, files, recipient, email, channel, sent, "
        "served, content_hash, detail, status, created_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*values, row["status"], at) for row, values in inserts],
    )
    store.audit_many(audits, at)
    return out


def letter(store: Store, letter_id: int) -> LetterRecord:
    rows = store.query("select * from letters where id = ?", (letter_id,))
    if not rows:
        raise NotFoundError(f"kirjettä {letter_id} ei ole tietokannassa.")
    return _record(rows[0])


def letters(
    store: Store,
    *,
    kind: str | Sequence[str] | None = None,
    grant_id: str | None = None,
    application_id: str | None = None,
    status: str | Sequence[str] | None = None,
) -> list[LetterRecord]:
    """Recorded letters, oldest first, filtered by kind(s), grant, application and status(es)."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("kind", kind), ("status", status)):
        if value is not None:
            values = [value] if isinstance(value, str) else list(value)
            where.append(f"{column} in ({','.join('?' * len(values))})")
            params += values
    if grant_id is not None:
        where.append("grant_id = ?")
        params.append(grant_id)
    if application_id is not None:
        where.append("application_id = ?")
        params.append(application_id)
    sql = "select * from letters" + (" where " + " and ".join(where) if where else "") + " order by id"
    return [_record(r) for r in store.query(sql, params)]


def latest_by_grant(store: Store, kinds: Sequence[str] = DECISION_KINDS) -> dict[str, LetterRecord]:
    """grant id -> its latest letter of ``kinds`` (superseded ones left out): by default the decision
    letter whose service starts the applicant's review period."""
    out: dict[str, LetterRecord] = {}
    for r in letters(store, kind=kinds):
        if r.grant_id is not None and r.status != "superseded":
            out[r.grant_id] = r
    return out


def latest(store: Store, grant_id: str, kinds: Sequence[str] = DECISION_KINDS) -> LetterRecord | None:
    rows = [r for r in letters(store, kind=kinds, grant_id=grant_id) if r.status != "superseded"]
    return rows[-1] if rows else None


def pending_email(store: Store) -> list[LetterRecord]:
    """E-mail letters not yet handed to the mail server (written, or failed before), oldest first."""
    return [r for r in letters(store, status=("written", "failed")) if r.channel == "email"]


def unconfirmed_email(store: Store) -> list[LetterRecord]:
    """E-mail letters handed to the mail server whose acceptance was never recorded (status ``sending``: the
    run stopped between the hand-over and the record, or the connection broke before the server answered)."""
    return [r for r in letters(store, status=("sending",)) if r.channel == "email"]


def mark_sending(store: Store, letter_id: int, at: dt.datetime, message_id: str) -> LetterRecord:
    """Record, before the letter is handed to the mail server, that it is being sent under ``message_id``
    (committed first: a run that stops before the acceptance is recorded leaves the letter ``sending``,
    and ``send`` does not send it again without the officer's word)."""
    rec = letter(store, letter_id)
    if rec.status == "sent":
        raise ValidationError(f"kirje {letter_id} on jo lähetetty {rec.delivered_at}; sitä ei lähetetä uudelleen.")
    store.conn.execute("update letters set status = 'sending', delivered_at = ?, message_id = ? where id = ?",
                       (at.isoformat(timespec="seconds"), message_id, letter_id))
    store.audit("letter", rec.grant_id or rec.application_id, "email_sending",
                {"letter": letter_id, "kind": rec.kind, "at": at.isoformat(timespec="seconds"), "message_id": message_id})
    return letter(store, letter_id)


def mark_uncertain(store: Store, letter_id: int, error: str) -> LetterRecord:
    """The connection broke while the letter was being handed over: whether the server took it is not known.
    The letter stays ``sending`` (not sent again without the officer's word), with the reason."""
    rec = letter(store, letter_id)
    store.conn.execute("update letters set error = ? where id = ?", (error[:500], letter_id))
    store.audit("letter", rec.grant_id or rec.application_id, "email_uncertain",
                {"letter": letter_id, "kind": rec.kind, "error": error[:500]})
    return letter(store, letter_id)


def confirm_delivered(store: Store, letter_id: int) -> LetterRecord:
    """The officer has checked that a letter left ``sending`` did reach the mail server: it is recorded sent
    as of its hand-over (``send --delivered``)."""
    rec = letter(store, letter_id)
    if rec.status != "sending" or rec.delivered_at is None or rec.message_id is None:
        raise ValidationError(f"kirje {letter_id} ei odota vahvistusta (tila {rec.status}).")
    done = mark_sent(store, letter_id, dt.datetime.fromisoformat(rec.delivered_at), rec.message_id)
    store.audit("letter", rec.grant_id or rec.application_id, "email_confirmed",
                {"letter": letter_id, "kind": rec.kind, "message_id": rec.message_id})
    return done


def mark_sent(store: Store, letter_id: int, at: dt.datetime, message_id: str) -> LetterRecord:
    """Record that the mail server accepted the letter at ``at``. When that day is later than the
    recorded day of sending, the letter was sent that day: the sent and served days follow (the law
    counts from the sending), the earlier ones in the audit log."""
    rec = letter(store, letter_id)
    if rec.status == "sent":
        raise ValidationError(f"kirje {letter_id} on jo lähetetty {rec.delivered_at}; sitä ei lähetetä uudelleen.")
    day = at.date()
    sent, served = rec.sent, rec.served
    if day > rec.sent:
        sent, served = day, deadlines.served_on(day, rec.channel)
    store.conn.execute(
        "update letters set status = 'sent', delivered_at = ?, message_id = ?, error = null, sent = ?, served = ? "
        "where id = ?",
        (at.isoformat(timespec="seconds"), message_id, sent.isoformat(), served.isoformat(), letter_id),
    )
    detail: dict[str, Any] = {"letter": letter_id, "kind": rec.kind, "at": at.isoformat(timespec="seconds")}
    if sent != rec.sent:
        detail.update({"planned_sent": rec.sent.isoformat(), "sent": sent.isoformat(), "served": served.isoformat()})
    store.audit("letter", rec.grant_id or rec.application_id, "email", detail)
    return letter(store, letter_id)


def mark_failed(store: Store, letter_id: int, error: str) -> LetterRecord:
    """Record a failed delivery (``error``: the server's or the network's words, no addresses)."""
    rec = letter(store, letter_id)
    if rec.status == "sent":
        raise ValidationError(f"kirje {letter_id} on jo lähetetty {rec.delivered_at}.")
    store.conn.execute("update letters set status = 'failed', error = ? where id = ?", (error[:500], letter_id))
    store.audit("letter", rec.grant_id or rec.application_id, "email_failed",
                {"letter": letter_id, "kind": rec.kind, "error": error[:500]})
    return letter(store, letter_id)

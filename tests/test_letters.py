"""The letters table: every letter recorded with its channel, sent and served days and a hash of the file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import grants as grant_sql
from avustus_cli.adapters.store import letters as ls
from avustus_cli.adapters.store import safety as safety_sql
from avustus_cli.domain.errors import ValidationError

D = dt.date
SENT = D(2027, 1, 27)


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "avustus.db")
    yield s
    s.close()


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    p = tmp_path / "kirjeet" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(content)
    return p


def _record(store: Store, path: Path, channel: str = "email", sent: dt.date = SENT, **kw):
    with store.transaction():
        return ls.record_letter(store, kind=kw.pop("kind", "decision"), files=[path, path.with_suffix(".html")],
                                recipient="Esimerkki ry", channel=channel, sent=sent, application_id="H-1",
                                grant_id="H-1", email=kw.pop("email", "toimisto@example.fi"), **kw)


def test_served_day_by_channel_and_the_hash_of_the_file(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"first")
    rec, new = _record(store, docx, "email")
    assert new and rec.channel == "email" and rec.sent == D(2027, 1, 27)
    assert rec.served == D(2027, 1, 30)  # e-mail: the 3rd day (a Saturday: the served day is not moved)
    assert rec.content_hash == hashlib.sha256(b"first").hexdigest()
    assert rec.file == "paatos_H-1.docx" and rec.files == ("paatos_H-1.docx", "paatos_H-1.html")
    assert Path(rec.folder) == docx.parent.resolve() and rec.status == "written" and rec.to_email
    post = _file(tmp_path, "muistutus1_H-1.docx", b"x")
    rec2, _ = _record(store, post, "letter", kind="reminder", email=None)
    assert rec2.served == D(2027, 2, 3) and not rec2.to_email  # post: the 7th day; never e-mailed
    # the decision letter's served day sets the applicant's review period
    assert grant_sql.dispatches(store)["H-1"] == {
        "channel": "email", "sent": "2027-01-27", "served": "2027-01-30", "last_day": "2027-02-15",
        "decision_date": None, "maker": None}


def test_the_same_letter_is_recorded_once_and_a_rewritten_one_supersedes_the_unsent(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"first")
    first, _ = _record(store, docx)
    again, new = _record(store, docx)
    assert not new and again.id == first.id and store.count("letters") == 1
    docx.write_bytes(b"second")
    second, new = _record(store, docx)
    assert new and second.id != first.id
    assert ls.letter(store, first.id).status == "superseded"
    assert [r.id for r in ls.pending_email(store)] == [second.id]
    assert ls.latest(store, "H-1") == second
    audit = [json.loads(a["detail"]) for a in store.audit_rows("letter") if a["action"] == "record"]
    assert [a["superseded"] for a in audit] == [[], [first.id]]


def test_an_email_letter_needs_an_address(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"x")
    with pytest.raises(ValidationError, match="sähköpostiosoitetta"):
        _record(store, docx, "email", email="  ")
    assert store.count("letters") == 0


def test_sent_late_moves_the_served_day_and_is_never_sent_twice(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"x")
    rec, _ = _record(store, docx, "email", sent=D(2027, 1, 27))
    with store.transaction():
        sent = ls.mark_sent(store, rec.id, dt.datetime(2027, 2, 1, 9, 30), "<m1@example>")
    assert (sent.status, sent.sent, sent.served) == ("sent", D(2027, 2, 1), D(2027, 2, 4))
    assert ls.pending_email(store) == []
    with pytest.raises(ValidationError, match="jo lähetetty"), store.transaction():
        ls.mark_sent(store, rec.id, dt.datetime(2027, 2, 2, 9, 0), "<m2@example>")
    detail = json.loads([a for a in store.audit_rows("letter") if a["action"] == "email"][0]["detail"])
    assert detail["planned_sent"] == "2027-01-27" and detail["served"] == "2027-02-04"


def test_a_failure_is_recorded_and_the_letter_stays_to_send(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"x")
    rec, _ = _record(store, docx)
    with store.transaction():
        failed = ls.mark_failed(store, rec.id, "yhteys katkesi")
    assert failed.status == "failed" and failed.error == "yhteys katkesi" and failed.to_email
    with store.transaction():  # sent early: the recorded day stays
        sent = ls.mark_sent(store, rec.id, dt.datetime(2027, 1, 26, 8, 0), "<m@example>")
    assert sent.sent == D(2027, 1, 27) and sent.error is None


def test_purge_forgets_the_address_a_letter_went_to(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"x")
    _record(store, docx)
    store.conn.execute(
        "insert into applications (id, applicant, data, raw_row, content_hash, created_at, updated_at, personal) "
        "values ('H-1', 'Esimerkki ry', '{}', '{}', 'h', 'x', 'x', ?)", (json.dumps({"email": "toimisto@example.fi"}),))
    store.conn.execute(
        "insert into grants (id, application_id, applicant, amount_cents, source, created_at, updated_at) "
        "values ('H-1', 'H-1', 'Esimerkki ry', 100000, 'decision', 'x', 'x')")
    store.conn.execute("insert into review_requests (grant_id, received, requester, member, created_at) values "
                       "('H-1', '2027-02-01', 'Matti Jäsen', 1, 'x'), ('H-1', '2027-02-02', 'Esimerkki ry', 0, 'x')")
    with store.transaction():
        removed, _cells = safety_sql.clear_personal(store, "H-1", {}, [])
    assert removed == ["email"]
    assert store.query("select email from letters") == [{"email": None}]
    assert [r["requester"] for r in store.query("select requester from review_requests order by id")] == ["", "Esimerkki ry"]


def test_deliveries_recorded_in_the_audit_log_become_letters(tmp_path):
    """A database of schema 3 kept the decision letters' delivery in the audit log: the migration carries it over."""
    db = tmp_path / "avustus.db"
    conn = sqlite3.connect(db)
    safety_sql._migrate(conn, 3)
    conn.execute(
        "insert into grants (id, application_id, applicant, amount_cents, source, created_at, updated_at) "
        "values ('H-1', 'H-1', 'Esimerkki ry', 100000, 'decision', 'x', 'x')")
    for sent, served in (("2027-01-20", "2027-01-27"), ("2027-01-27", "2027-02-03")):  # the later one counts
        conn.execute(
            "insert into audit_log (at, user, command, entity, entity_id, action, detail) values "
            "('2027-01-26T10:00:00', 'u', 'avustus decide', 'letter', 'H-1', 'send', ?)",
            (json.dumps({"channel": "letter", "sent": sent, "served": served, "last_day": "x"}),))
    conn.commit()
    conn.close()
    s = Store.open(db)
    try:
        rows = ls.letters(s)
        assert [(r.kind, r.status, r.sent, r.served) for r in rows] == [
            ("decision", "outside", D(2027, 1, 20), D(2027, 1, 27)),
            ("decision", "outside", D(2027, 1, 27), D(2027, 2, 3))]
        assert ls.pending_email(s) == []  # delivered by other means: never e-mailed by send
        assert grant_sql.dispatches(s)["H-1"]["last_day"] == "2027-02-17"
    finally:
        s.close()

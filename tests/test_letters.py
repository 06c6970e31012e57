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
    store.conn.execute("insert into review_requests (grant_id, received, requester, member, address, email, created_at) "
                       "values ('H-1', '2027-02-01', 'Matti Jäsen', 1, 'Kotikatu 2, 40100 Jyväskylä', 'matti@example.fi', 'x'), "
                       "('H-1', '2027-02-02', 'Esimerkki ry', 0, '', null, 'x')")
    # the review decision sent to the member (a private person) and the one sent to the applicant
    review = _file(tmp_path, "oikaisuvaatimuspaatos_H-1_jasen1.docx", b"member")
    _record(store, review, kind="review_decision", email="matti@example.fi", detail={"member_request": 1})
    store.conn.execute("update letters set recipient = 'Matti Jäsen' where file = ?", (review.name,))
    _record(store, _file(tmp_path, "oikaisuvaatimuspaatos_H-1.docx", b"applicant"), kind="review_decision")
    with store.transaction():
        removed, _cells = safety_sql.clear_personal(store, "H-1", {}, [])
    assert removed == ["email"]
    assert [r["email"] for r in store.query("select email from letters")] == [None, None, None]
    assert [r["recipient"] for r in store.query("select recipient from letters order by id")] == [
        "Esimerkki ry", "", "Esimerkki ry"]
    assert store.query("select requester, address, email from review_requests order by id") == [
        {"requester": "", "address": "", "email": None}, {"requester": "Esimerkki ry", "address": "", "email": None}]


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


def _table(store: Store) -> tuple[list[tuple], list[tuple]]:
    """The letters (without the time written) and their audit rows (without the time)."""
    letters = [tuple(r[k] for k in r if k != "created_at") for r in store.query("select * from letters order by id")]
    audit = [(a["entity_id"], a["action"], a["detail"]) for a in store.audit_rows("letter")]
    return letters, audit


def test_a_batch_is_recorded_as_the_same_letters_recorded_one_by_one(tmp_path):
    """record_letters (one query, one insert) records what record_letter records letter by letter: new
    letters, one recorded already (not again), a rewritten one superseding the unsent earlier version,
    the same letter twice in one batch, a letter whose hash the caller gives, another folder."""
    folder = tmp_path / "kirjeet"
    a = _file(tmp_path, "paatos_H-1.docx", b"first")
    b = _file(tmp_path, "paatos_H-2.docx", b"other")
    c = _file(tmp_path, "paatos_H-3.docx", b"third")
    elsewhere = tmp_path / "muu"
    elsewhere.mkdir()
    d = elsewhere / "paatos_H-1.docx"
    d.write_bytes(b"first")

    def batch(content_b: bytes) -> list[ls.NewLetter]:
        return [
            ls.NewLetter("decision", [a, a.with_suffix(".html")], "Esimerkki ry", "email", SENT, "H-1", "H-1",
                         "toimisto@example.fi", {"section": "§ 3"}),
            ls.NewLetter("decision", [b], "Toinen ry", "letter", SENT, "H-2", "H-2",
                         digest=hashlib.sha256(content_b).hexdigest()),
            ls.NewLetter("decision", [c], "Kolmas ry", "letter", SENT, "H-3", "H-3"),
            ls.NewLetter("decision", [c], "Kolmas ry", "letter", SENT + dt.timedelta(days=1), "H-3", "H-3"),
            ls.NewLetter("decision", [d], "Esimerkki ry", "letter", SENT, "H-1", "H-1", folder=folder),
            ls.NewLetter("supplement", [a], "Esimerkki ry", "letter", SENT, "H-1"),
        ]

    stores = [Store.open(tmp_path / f"{n}.db") for n in ("one", "many")]
    try:
        results: list[list[tuple[int, bool]]] = [[], []]
        for content_b in (b"other", b"other", b"changed"):  # the same round again, then one letter rewritten
            b.write_bytes(content_b)
            with stores[0].transaction():
                for w in batch(content_b):
                    rec, new = ls.record_letter(stores[0], kind=w.kind, files=w.files, recipient=w.recipient,
                                                channel=w.channel, sent=w.sent, application_id=w.application_id,
                                                grant_id=w.grant_id, email=w.email, detail=w.detail, folder=w.folder)
                    results[0].append((rec.id, new))
            with stores[1].transaction():
                results[1] += ls.record_letters(stores[1], batch(content_b))
        assert results[0] == results[1]
        # H-1's decision letter by e-mail and by post supersede each other, and so do H-3's two days; the
        # same H-2 letter and the supplement request are recorded once
        assert [new for _, new in results[1]] == [True] * 7 + [False] + [True] * 3 + [False] + [True] * 5 + [False]
        one, many = _table(stores[0]), _table(stores[1])
        assert one == many
        statuses = [r[13] for r in one[0]]  # the status column
        assert statuses.count("written") == 4 and statuses.count("superseded") == 11  # the last of each letter
        # a letter whose bytes the caller hashed is not read back
        with stores[1].transaction():
            [(gone, new)] = ls.record_letters(stores[1], [ls.NewLetter(
                "decision", [folder / "poistettu.docx"], "Neljäs ry", "letter", SENT, "H-4", "H-4", digest="ab" * 32)])
        assert new and ls.letter(stores[1], gone).content_hash == "ab" * 32
    finally:
        for s in stores:
            s.close()


def test_a_batch_with_one_bad_letter_records_nothing(store, tmp_path):
    docx = _file(tmp_path, "paatos_H-1.docx", b"x")
    good = ls.NewLetter("decision", [docx], "Esimerkki ry", "letter", SENT, "H-1", "H-1")
    bad = ls.NewLetter("decision", [docx], "Toinen ry", "email", SENT, "H-2", "H-2", email=" ")
    with pytest.raises(ValidationError, match="Toinen ry"), store.transaction():
        ls.record_letters(store, [good, bad])
    assert store.count("letters") == 0 and not store.audit_rows("letter")

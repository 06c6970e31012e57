"""avustus send: one .eml per e-mail letter, sent through a real SMTP server on 127.0.0.1, nothing twice."""

from __future__ import annotations

import email
import socket
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import letters as letter_store
from avustus_cli.domain.letter import LETTER_KINDS

from . import test_decide as _decide
from .conftest import Cli, dump
from .test_decide import run_decide

proposed_round = _decide.proposed_round  # the shared round as fixtures of this module
decided_round = _decide.decided_round


class Inbox:
    """An SMTP handler that keeps what it receives; refuses messages whose subject names a refused grant."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.hang_up: set[str] = set()  # subjects on which the server takes the message and drops the line unanswered

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        if any(gid in str(msg["Subject"]) for gid in self.hang_up):
            self.messages.append(msg)
            server.transport.close()
            return "250 OK"
        if any(gid in str(msg["Subject"]) for gid in self.refuse):
            return "554 5.7.1 Message refused"
        self.messages.append(msg)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _settings(workdir: Path, port: int) -> Path:
    p = workdir / "smtp.toml"
    p.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "kirjaamo@hyvaks.fi"\nstarttls = false\n',
                 encoding="utf-8")
    return p


def _decided_by_email(cli) -> None:
    r = run_decide(cli, "--channel", "email")
    assert r.exit_code == 0, r.output


def test_send_delivers_each_letter_once(decided_round, workdir, smtp):
    inbox, port = smtp
    _decided_by_email(decided_round)
    cli = Cli(decided_round.db, _settings(workdir, port))
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 0, r.output
    assert len(inbox.messages) == 4 and sorted(p.name for p in (workdir / "lahtevat").iterdir()) == [
        "paatos_H-0001.eml", "paatos_H-0002.eml", "paatos_H-0003.eml", "paatos_H-0004.eml"]
    msg = next(m for m in inbox.messages if "H-0002" in str(m["Subject"]))
    assert str(msg["To"]) == "maija@example.fi" and str(msg["From"]) == "kirjaamo@hyvaks.fi"
    assert str(msg["Subject"]) == "Päätöskirje: avustus H-0002 (Keski-Suomen hyvinvointialue)"
    body = msg.get_body(("plain",)).get_content()
    assert "kolmantena päivänä viestin lähettämisestä" in body and "19 §" in body
    attachment, terms = list(msg.iter_attachments())  # the letter, then the grant terms it encloses (Liite 2)
    assert attachment.get_filename() == "paatos_H-0002.docx" and terms.get_filename() == "liite2_avustusehdot.docx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert attachment.get_content() == (workdir / "paatokset" / "paatos_H-0002.docx").read_bytes()
    assert terms.get_content() == (workdir / "paatokset" / "liite2_avustusehdot.docx").read_bytes()
    assert "Kirje liitteineen on tämän viestin liitteenä (paatos_H-0002.docx, liite2_avustusehdot.docx)" in body
    # the .eml is the very message, standards-compliant and owner-only
    eml = email.message_from_bytes((workdir / "lahtevat" / "paatos_H-0002.eml").read_bytes(), policy=default_policy)
    assert str(eml["Subject"]) == str(msg["Subject"]) and eml["Message-ID"] == msg["Message-ID"] and eml["Date"]
    assert (workdir / "lahtevat" / "paatos_H-0002.eml").stat().st_mode & 0o077 == 0
    store = Store.open(decided_round.db)
    try:
        rows = letter_store.letters(store, kind="decision")
        assert [r.status for r in rows] == ["sent"] * 4 and all(r.message_id for r in rows)
    finally:
        store.close()
    # again: nothing is sent twice
    before = dump(decided_round.db)
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 0 and "Ei lähetettäviä" in r.stdout
    assert len(inbox.messages) == 4 and dump(decided_round.db) == before


def test_a_refused_letter_is_recorded_the_rest_sent_and_it_goes_on_the_next_run(decided_round, workdir, smtp):
    inbox, port = smtp
    _decided_by_email(decided_round)
    inbox.refuse = {"H-0003"}
    cli = Cli(decided_round.db, _settings(workdir, port))
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 1
    message = " ".join(r.stderr.split())
    assert "Ei lähetetty: päätöskirje H-0003 (paatos_H-0003.docx)" in message and "554" in message
    assert "maija@example.fi" not in message  # no address in the reason
    assert sorted(str(m["Subject"]).split()[2] for m in inbox.messages) == ["H-0001", "H-0002", "H-0004"]
    store = Store.open(decided_round.db)
    try:
        status = {r.grant_id: (r.status, r.error) for r in letter_store.letters(store, kind="decision")}
        assert status["H-0003"] == ("failed", "palvelin vastasi virheellä 554")
        assert {status[g][0] for g in ("H-0001", "H-0002", "H-0004")} == {"sent"}
    finally:
        store.close()
    inbox.refuse = set()
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 0, r.output
    assert [str(m["Subject"]).split()[2] for m in inbox.messages[3:]] == ["H-0003"]


def test_no_server_no_send(decided_round, workdir, smtp):
    inbox, port = smtp
    _decided_by_email(decided_round)
    before = dump(decided_round.db)
    r = decided_round("send", "--dry-run", "--out", workdir / "kokeilu")  # settings name no server anyway
    assert r.exit_code == 0 and "Kokeiluajo: 4 viestiä" in " ".join(r.stderr.split())
    assert len(list((workdir / "kokeilu").glob("*.eml"))) == 4 and dump(decided_round.db) == before
    r = Cli(decided_round.db, _settings(workdir, port))("send", "--dry-run", "--out", workdir / "kokeilu")
    assert r.exit_code == 0 and inbox.messages == [] and dump(decided_round.db) == before
    r = decided_round("send", "--out", workdir / "lahtevat")  # no [smtp] host: the .eml files only
    assert r.exit_code == 0 and "SMTP-asetuksia ei ole" in " ".join(r.stderr.split())
    assert dump(decided_round.db) == before


def test_a_server_that_does_not_answer_fails_every_letter_and_keeps_them(decided_round, workdir):
    _decided_by_email(decided_round)
    cli = Cli(decided_round.db, _settings(workdir, _free_port()))  # nothing listens there
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 1 and r.stderr.count("Ei lähetetty") == 4
    store = Store.open(decided_round.db)
    try:
        assert [r.status for r in letter_store.pending_email(store)] == ["failed"] * 4
    finally:
        store.close()


def test_a_changed_file_is_not_sent(decided_round, workdir, smtp):
    inbox, port = smtp
    _decided_by_email(decided_round)
    (workdir / "paatokset" / "paatos_H-0001.docx").write_bytes(b"toinen")
    r = Cli(decided_round.db, _settings(workdir, port))("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 1 and "on muuttunut kirjauksen jälkeen" in " ".join(r.stderr.split())
    assert sorted(str(m["Subject"]).split()[2] for m in inbox.messages) == ["H-0002", "H-0003", "H-0004"]


def test_post_letters_are_not_emailed(decided_round, workdir, smtp):
    inbox, port = smtp
    assert run_decide(decided_round).exit_code == 0  # channel letter (post)
    r = Cli(decided_round.db, _settings(workdir, port))("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 0 and "Ei lähetettäviä" in r.stdout and inbox.messages == []


def test_a_letter_without_an_address_goes_by_post_and_decide_says_so(decided_round, workdir, smtp):
    inbox, port = smtp
    store = Store.open(decided_round.db)
    try:
        with store.transaction():  # H-0003's contact details were never given
            store.conn.execute("update applications set personal = '{}' where id = 'H-0003'")
    finally:
        store.close()
    r = run_decide(decided_round, "--channel", "email")
    assert r.exit_code == 0, r.output
    assert "Postitse (hakemuksella ei ole sähköpostiosoitetta), tiedoksi 7. päivänä: 1 kirjettä: H-0003" in " ".join(
        r.stderr.split())
    store = Store.open(decided_round.db)
    try:
        by = {rec.grant_id: (rec.channel, rec.served.isoformat()) for rec in letter_store.letters(store, kind="decision")}
        assert by["H-0003"] == ("letter", "2027-02-03") and by["H-0001"] == ("email", "2027-01-30")
    finally:
        store.close()
    assert Cli(decided_round.db, _settings(workdir, port))("send", "--out", workdir / "lahtevat").exit_code == 0
    assert sorted(str(m["Subject"]).split()[2] for m in inbox.messages) == ["H-0001", "H-0002", "H-0004"]



# --- the enclosures a letter names go with it -------------------------------------------------------------


def _mailing_enclosures(path: Path) -> dict[str, list[str]]:
    """Each letter's file and the files its line in a mailing list encloses ("Liite 2 Avustusehdot (f.docx)")."""
    import csv
    import re

    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    return {row["Tiedosto"]: re.findall(r"\(([^()]+)\)", row["Liitteet"]) for row in rows}


def _eml_attachments(path: Path) -> list[tuple[str, bytes]]:
    msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    return [(str(a.get_filename()), a.get_content()) for a in msg.iter_attachments()]


def test_each_email_carries_exactly_the_enclosures_its_letter_names(decided_round, workdir):
    _decided_by_email(decided_round)
    letters = workdir / "paatokset"
    r = decided_round("send", "--dry-run", "--out", workdir / "kokeilu")
    assert r.exit_code == 0, r.output
    named = _mailing_enclosures(letters / "postitus.csv")
    assert sorted(named) == ["paatos_H-0001.docx", "paatos_H-0002.docx", "paatos_H-0003.docx", "paatos_H-0004.docx"]
    assert {n for files in named.values() for n in files} == {"liite2_avustusehdot.docx"}  # a grant encloses the terms
    assert any(not files for files in named.values())  # and a refusal encloses nothing
    for letter, enclosed in named.items():
        attached = _eml_attachments(workdir / "kokeilu" / Path(letter).with_suffix(".eml").name)
        assert [name for name, _data in attached] == [letter, *enclosed], letter
        assert all(data == (letters / name).read_bytes() for name, data in attached), letter
        # the letter's own text names the terms exactly when they go with it
        text = (letters / Path(letter).with_suffix(".html").name).read_text(encoding="utf-8")
        assert ("Liite 2 Avustusehdot" in text) == bool(enclosed), letter


def test_an_amended_decision_letter_carries_the_terms_too(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0  # the original decision by post
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Oikaisu.", "--channel", "email")
    assert r.exit_code == 0, r.output
    r = decided_round("send", "--dry-run", "--out", workdir / "kokeilu")
    assert r.exit_code == 0, r.output
    named = _mailing_enclosures(workdir / "muutospaatokset" / "postitus_muutos_H-0002.csv")
    assert named == {"paatos_H-0002.docx": ["liite2_avustusehdot.docx"]}
    attached = _eml_attachments(workdir / "kokeilu" / "paatos_H-0002.eml")
    assert [name for name, _data in attached] == ["paatos_H-0002.docx", "liite2_avustusehdot.docx"]
    assert attached[1][1] == (workdir / "muutospaatokset" / "liite2_avustusehdot.docx").read_bytes()


def test_a_letter_whose_enclosure_is_missing_or_changed_is_not_sent(decided_round, workdir, smtp):
    inbox, port = smtp
    _decided_by_email(decided_round)
    terms = workdir / "paatokset" / "liite2_avustusehdot.docx"
    granted = sorted(k for k, v in _mailing_enclosures(workdir / "paatokset" / "postitus.csv").items() if v)
    original = terms.read_bytes()
    terms.write_bytes(b"muutettu")
    cli = Cli(decided_round.db, _settings(workdir, port))
    r = cli("send", "--out", workdir / "lahtevat")
    message = " ".join(r.stderr.split())
    assert r.exit_code == 1 and message.count("kirjeen liite liite2_avustusehdot.docx on muuttunut") == len(granted)
    sent = sorted(f"paatos_{str(m['Subject']).split()[2].rstrip(':')}.docx" for m in inbox.messages)
    assert sent == sorted(set(_mailing_enclosures(workdir / "paatokset" / "postitus.csv")) - set(granted))
    terms.unlink()
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 1 and "kirjeen liitettä" in r.stderr and "ei löydy" in r.stderr
    terms.write_bytes(original)  # the terms as they were written: the letters go, each with them
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 0, r.output
    assert len(inbox.messages) == 4
    for m in inbox.messages[-len(granted):]:
        assert [a.get_filename() for a in m.iter_attachments()][1:] == ["liite2_avustusehdot.docx"]


def test_a_letter_recorded_without_its_enclosures_gets_the_terms_its_text_names(decided_round, workdir):
    """A decision letter recorded before the letters table named enclosures: the terms go with it when the
    letter's own text names them."""
    _decided_by_email(decided_round)
    store = Store.open(decided_round.db)
    try:
        with store.transaction():
            store.conn.execute("update letters set detail = json_remove(detail, '$.enclosures')")
            assert not store.query("select id from letters where detail like '%enclosures%'")
    finally:
        store.close()
    r = decided_round("send", "--dry-run", "--out", workdir / "kokeilu")
    assert r.exit_code == 0, r.output
    for letter, enclosed in _mailing_enclosures(workdir / "paatokset" / "postitus.csv").items():
        attached = _eml_attachments(workdir / "kokeilu" / Path(letter).with_suffix(".eml").name)
        assert [name for name, _data in attached] == [letter, *enclosed], letter


# The letter templates and the enclosures each names ("Liite 2 Avustusehdot"); avustus send attaches a
# decision letter's (the tests above). A letter of another kind that starts naming an enclosure fails here
# until send attaches it too.
LETTER_ENCLOSURES = {
    "paatoskirje": ["Liite 2 Avustusehdot"],
    "taydennyspyynto": [], "muistutus": [], "kayttoselvitys_hyvaksynta": [], "kayttoselvitys_taydennys": [],
    "kuuleminen": [], "takaisinperinta": [], "sopimus": [], "oikaisuvaatimuspaatos": [],
}


@pytest.mark.parametrize("name", sorted(LETTER_ENCLOSURES))
def test_only_a_grants_decision_letter_names_an_enclosure(name):
    import re

    from avustus_cli.adapters.render import example_context, render_html
    from avustus_cli.domain.config import default_settings

    ctx = example_context(name)
    html = render_html(name, ctx, default_settings(2027))
    assert re.findall(r"Liite \d+ [A-ZÅÄÖ]\w+", html) == LETTER_ENCLOSURES[name]
    if name == "paatoskirje":  # a refusal names none
        assert re.findall(r"Liite \d+", render_html(name, {**ctx, "outcome": "refused"}, default_settings(2027))) == []


# --- a run killed between the server's acceptance and the record --------------------------------------------


def _kill_after_first_acceptance(db: Path, settings: Path, workdir: Path) -> None:
    """``avustus send`` in a process of its own, SIGKILLed after the server accepted its first letter and
    before the database recorded it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    marker = workdir / "paused"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AVUSTUS_")}, "AVUSTUS_CACHE_DIR": ""}
    env.update(AVUSTUS_TEST_PAUSE_AT="send-accepted:1", AVUSTUS_TEST_PAUSE_FILE=str(marker))
    proc = subprocess.Popen([sys.executable, "-m", "avustus_cli", "--db", str(db), "--settings", str(settings), "send",
                             "--out", str(workdir / "lahtevat")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < end, "the pause point was not reached"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)


def _status(db: Path) -> dict[str, tuple[str, str | None]]:
    store = Store.open(db)
    try:
        return {r.grant_id or "": (r.status, r.message_id) for r in letter_store.letters(store, kind="decision")}
    finally:
        store.close()


@pytest.mark.parametrize("word", ["--resend", "--delivered"])
def test_a_letter_accepted_before_a_crash_is_not_sent_twice_without_the_officers_word(decided_round, workdir, smtp, word):
    inbox, port = smtp
    _decided_by_email(decided_round)
    settings = _settings(workdir, port)
    _kill_after_first_acceptance(decided_round.db, settings, workdir)
    assert len(inbox.messages) == 1  # the server has it ...
    first = inbox.messages[0]
    gid = str(first["Subject"]).split()[2]
    status = _status(decided_round.db)
    assert status[gid] == ("sending", str(first["Message-ID"]))  # ... the record says it was being handed over
    letter_id = next(r.id for r in _letters(decided_round.db) if r.grant_id == gid)
    cli = Cli(decided_round.db, settings)
    for _ in range(2):  # the next runs send the others, never this one, and name it
        r = cli("send", "--out", workdir / "lahtevat")
        assert r.exit_code == 1, r.output
        message = " ".join(r.stderr.split())
        assert f"Ei lähetetty uudelleen: kirje {letter_id}, päätöskirje {gid} (paatos_{gid}.docx)" in message
        assert str(first["Message-ID"]) in message and f"avustus send --delivered {letter_id}" in message
        assert f"avustus send --resend {letter_id}" in message
        assert len(inbox.messages) == 4 and [str(m["Subject"]).split()[2] for m in inbox.messages].count(gid) == 1
    assert {s for g, (s, _) in _status(decided_round.db).items() if g != gid} == {"sent"}
    r = cli("send", "--out", workdir / "lahtevat", word, str(letter_id))
    assert r.exit_code == 0, r.output
    assert _status(decided_round.db)[gid] == ("sent", str(first["Message-ID"]))
    if word == "--resend":  # sent again under its first Message-ID: the recipient's mail program shows one
        assert len(inbox.messages) == 5 and str(inbox.messages[-1]["Message-ID"]) == str(first["Message-ID"])
    else:
        assert len(inbox.messages) == 4
    before = dump(decided_round.db)
    r = cli("send", "--out", workdir / "lahtevat", word, str(letter_id))  # no longer waiting: refused, nothing sent
    assert r.exit_code == 2 and f"kirje {letter_id} ei odota vahvistusta" in " ".join(r.stderr.split())
    assert dump(decided_round.db) == before and len(inbox.messages) == (5 if word == "--resend" else 4)


def _letters(db: Path):
    store = Store.open(db)
    try:
        return letter_store.letters(store, kind="decision")
    finally:
        store.close()


def test_a_line_dropped_before_the_servers_answer_leaves_the_letter_unconfirmed_and_the_rest_for_later(
        decided_round, workdir, smtp):
    inbox, port = smtp
    _decided_by_email(decided_round)
    first = sorted(r.grant_id for r in _letters(decided_round.db))[0]
    inbox.hang_up = {first}
    cli = Cli(decided_round.db, _settings(workdir, port))
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 1, r.output
    message = " ".join(r.stderr.split())
    assert "Ei lähetetty uudelleen: kirje" in message and f"päätöskirje {first}" in message
    status = _status(decided_round.db)
    assert status[first][0] == "sending"  # the server may have it: not "failed", not sent again unasked
    assert {s for g, (s, _) in status.items() if g != first} == {"failed"}  # never handed over: sent next time
    inbox.hang_up = set()
    r = cli("send", "--out", workdir / "lahtevat")
    assert r.exit_code == 1 and len(inbox.messages) == 4  # the three others now; the first only on the officer's word
    assert [str(m["Subject"]).split()[2] for m in inbox.messages].count(first) == 1


@pytest.mark.parametrize("kind", sorted(LETTER_KINDS))
def test_the_covering_email_names_the_letter_in_good_finnish(kind):
    import datetime as dt

    from avustus_cli.domain.config import default_settings
    from avustus_cli.domain.letter import LetterRecord
    from avustus_cli.services.sending import message_text

    rec = LetterRecord(id=1, kind=kind, application_id="H-1", grant_id="H-1", folder="/nowhere", file="k.docx",
                       files=("k.docx",), recipient="X ry", email="x@example.fi", channel="email",
                       sent=dt.date(2027, 1, 21), served=dt.date(2027, 1, 24), content_hash="")
    _subject, body = message_text(default_settings(2027), rec, [Path("k.docx")])
    said = body.split("lähettää teille oheisena ", 1)[1].split(" (avustus", 1)[0]
    expected = {
        "decision": "päätöskirjeen", "amendment": "muutetun päätöksen", "supplement": "täydennyspyynnön",
        "reminder": "muistutuksen", "review_decision": "oikaisuvaatimuspäätöksen",
        "reclaim_hearing": "kuulemiskirjeen (takaisinperintä)", "reclaim_decision": "takaisinperintäpäätöksen",
        "report_acceptance": "käyttöselvityksen hyväksymistä koskevan kirjeen",
        "report_supplement": "käyttöselvityksen täydennyspyynnön", "agreement": "kumppanuussopimuksen",
    }
    assert said == expected[kind]
    assert "Kirje on tämän viestin liitteenä (k.docx)." in body  # a letter enclosing nothing

"""Review requests (oikaisuvaatimus): holds while pending, both review periods, the review decision letter
with its appeal instructions, and the appropriation."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import letters as letter_store

from . import test_decide as _decide
from .conftest import Cli, dump
from .test_decide import docx_text, payments_json, run_decide

proposed_round = _decide.proposed_round  # the shared round as fixtures of this module
decided_round = _decide.decided_round


def codes(p: dict) -> list[str]:
    return [h["code"] for h in p["holds"]]


def test_a_pending_request_holds_the_payment_until_it_is_decided(decided_round):
    assert run_decide(decided_round).exit_code == 0  # both periods over by 18.2.2027
    assert payments_json(decided_round, "2027-02-18")["H-0001"]["status"] == "payable"
    r = decided_round("review", "add", "H-0001", "--received", "2027-02-10", "--by", "Testiyhdistys 1 ry")
    assert r.exit_code == 0, r.output
    assert "maksatus on pidätetty" in " ".join(r.stderr.split())
    held = payments_json(decided_round, "2027-02-18")["H-0001"]
    assert held["status"] == "held" and codes(held) == ["review_pending"]
    assert "10.2.2027" in held["holds"][0]["text"] and "hakijan" in held["holds"][0]["text"]
    before = dump(decided_round.db)
    assert decided_round("review", "add", "H-0001", "--received", "2027-02-10", "--by", "Testiyhdistys 1 ry").exit_code == 0
    assert dump(decided_round.db) == before  # the same request again: nothing recorded
    r = decided_round("review", "decide", "H-0001", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
                      "--reasons", "Avustus myönnettiin haetun suuruisena; oikaisuvaatimuksessa ei esitetty uutta selvitystä.")
    assert r.exit_code == 0, r.output
    assert payments_json(decided_round, "2027-03-17")["H-0001"]["status"] == "payable"
    # the review decision's letter does not start a new review period for the applicant
    assert payments_json(decided_round, "2027-03-17")["H-0001"]["review_last_day"] == "2027-02-17"


def test_a_late_request_is_recorded_and_said_to_be_late(decided_round):
    assert run_decide(decided_round).exit_code == 0
    r = decided_round("review", "add", "H-0002", "--received", "2027-02-18", "--by", "Keski-Suomen Mielenterveysseura ry")
    assert r.exit_code == 0 and "päättyi 17.2.2027" in " ".join(r.stderr.split())
    r = decided_round("review", "add", "H-0002", "--received", "2027-02-18", "--by", "Matti Jäsen", "--member",
                      "--email", "matti@example.fi")
    assert r.exit_code == 0 and "päättyi 16.2.2027" in " ".join(r.stderr.split())  # the members' period
    r = decided_round("review", "add", "H-0002", "--received", "2027-01-20", "--by", "X")
    assert r.exit_code == 2 and "ennen päätöstä" in r.stderr
    assert decided_round("review", "add", "NOPE", "--received", "2027-02-10", "--by", "X").exit_code == 2


def test_the_members_period_runs_from_the_minutes(decided_round):
    # minutes online 5.2.2027: members served 12.2., last day 26.2.2027 (Friday); the applicant's ends 17.2.
    assert run_decide(decided_round, "--minutes-published", "2027-02-05").exit_code == 0
    p = payments_json(decided_round, "2027-02-18")["H-0001"]
    assert codes(p) == ["members"] and "päättyy 26.2.2027" in p["holds"][0]["text"]
    assert "pöytäkirja julkaistu 5.2.2027" in p["holds"][0]["text"]
    on_17 = payments_json(decided_round, "2027-02-17")["H-0001"]
    assert codes(on_17) == ["review", "members"]  # payments says which periods still run
    assert "hakijan oikaisuvaatimusaika päättyy 17.2.2027" in on_17["holds"][0]["text"]
    assert payments_json(decided_round, "2027-02-26")["H-0001"]["status"] == "held"
    assert payments_json(decided_round, "2027-03-01")["H-0001"]["status"] == "payable"


def test_unknown_minutes_hold_the_payment_and_say_how_to_fix(decided_round):
    r = decided_round("decide", "--date", "2027-01-26", "--section", "§ 12")
    assert r.exit_code == 0, r.output
    p = payments_json(decided_round, "2027-06-01")["H-0001"]
    assert codes(p) == ["members"] and "--minutes-published" in p["holds"][0]["text"]
    # the setting for the meeting gives the day
    settings = decided_round.db.parent / "avustus.toml"
    settings.write_text('[decision]\nmeeting_date = 2027-01-26\nminutes_published = 2027-01-26\n', encoding="utf-8")
    other = Cli(decided_round.db, settings)
    assert payments_json(other, "2027-06-01")["H-0001"]["status"] == "payable"


def test_the_review_decision_letter_carries_the_appeal_instructions(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    assert decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Keski-Suomen Mielenterveysseura ry").exit_code == 0
    r = decided_round("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "changed",
                      "--amount", "18000", "--reasons", "Hakija osoitti, että ruoka-aputoiminta rahoitetaan muulla rahoituksella.",
                      "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    # sent 17.3.2027 by post: served 24.3., 30 days -> 23.4.2027 (Friday)
    assert res["appeal_last_day"] == "2027-04-23" and res["old_amount"] == "15000.00" and res["new_amount"] == "18000.00"
    text = " ".join(docx_text(workdir / "oikaisuvaatimukset" / "oikaisuvaatimuspaatos_H-0002.docx").split())
    assert "VALITUSOSOITUS" in text and "OIKAISUVAATIMUSOHJE" not in text
    assert "Valitusviranomainen on Hämeenlinnan hallinto-oikeus" in text and "Raatihuoneenkatu 1, 13100 Hämeenlinna" in text
    assert "30 päivän kuluessa päätöksen tiedoksisaannista" in text and "valitusaika päättyy 23.4.2027" in text
    assert "Maksu on 310 €" in text
    for must in ("vaatimukset", "vaatimusten perustelut", "mihin valitusoikeus perustuu", "valitusosoituksineen"):
        assert must in text
    # changed on review: the parties and the members may appeal too
    assert "sekä hyvinvointialueen jäsen" in text
    assert "18 000,00 €" in text and "aiemmin 15 000,00 €" in text and "Aluehallitus, 16.3.2027 § 41" in text
    assert payments_json(decided_round, "2027-03-17")["H-0002"]["to_pay"] == "18000.00"
    store = Store.open(decided_round.db)
    try:
        (rec,) = letter_store.letters(store, kind="review_decision")
        assert rec.grant_id == "H-0002" and rec.file == "oikaisuvaatimuspaatos_H-0002.docx" and rec.channel == "letter"
        audit = json.loads([a for a in store.audit_rows("grant", "H-0002") if a["action"] == "review"][0]["detail"])
        assert audit["outcome"] == "changed" and audit["overrun"] is None
    finally:
        store.close()


def test_a_review_decision_needs_a_request_and_consistent_options(decided_round):
    assert run_decide(decided_round).exit_code == 0
    decide = ("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--reasons", "Perustelu.")
    r = decided_round(*decide, "--outcome", "kept")
    assert r.exit_code == 2 and "review add" in r.stderr
    assert decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Yhdistys").exit_code == 0
    before = dump(decided_round.db)
    assert decided_round(*decide, "--outcome", "changed").exit_code == 2  # no --amount
    assert decided_round(*decide, "--outcome", "kept", "--amount", "16000").exit_code == 2
    assert decided_round(*decide, "--outcome", "changed", "--amount", "25000").exit_code == 2  # above the request
    assert decided_round(*decide, "--outcome", "maybe").exit_code == 2
    assert dump(decided_round.db) == before


def test_a_review_decision_over_the_appropriation_needs_yes(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0  # 12 500 + 15 000 decided
    assert decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Yhdistys").exit_code == 0
    settings = workdir / "pieni.toml"
    settings.write_text("[budget]\ntotal = 30000\n", encoding="utf-8")
    small = Cli(decided_round.db, settings)
    decide = ("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "changed",
              "--amount", "20000", "--reasons", "Oikaisuvaatimus hyväksytään.")
    before = dump(decided_round.db)
    r = small(*decide)
    message = " ".join(r.stderr.split())
    assert r.exit_code == 2 and "ylittäisi määrärahan" in message and "32 500,00 €" in message and "2 500,00 €" in message
    assert dump(decided_round.db) == before and not (workdir / "oikaisuvaatimukset").exists()
    r = small(*decide, "--yes")
    assert r.exit_code == 0, r.output
    store = Store.open(decided_round.db)
    try:
        audit = json.loads([a for a in store.audit_rows("grant", "H-0002") if a["action"] == "review"][0]["detail"])
        assert audit["overrun"] == "2500.00"
        assert store.grants()[1].amount == Decimal("20000.00")
    finally:
        store.close()


# --- amend: a decision of its own --------------------------------------------------------------------


def test_amend_is_a_new_decision_with_its_own_letter(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Hakija toimitti selvityksen ruoka-avun rahoituksesta.", "--minutes-published", "2027-02-24")
    assert r.exit_code == 0, r.output
    letter = workdir / "muutospaatokset" / "paatos_H-0002.docx"
    text = " ".join(docx_text(letter).split())
    assert "Aluehallitus, 23.2.2027 § 30" in text  # the amending decision's own date and §
    assert "muuttaa aiempaa päätöstä (Aluehallitus 26.1.2027 § 12), jolla avustusta myönnettiin 15 000,00 €" in text
    assert "OIKAISUVAATIMUSOHJE" in text and "VALITUSOSOITUS" not in text  # a new decision: review first
    store = Store.open(decided_round.db)
    try:
        (rec,) = letter_store.letters(store, kind="amendment")
        assert rec.detail["decision_date"] == "2027-02-23" and rec.detail["section"] == "30"
    finally:
        store.close()
    # the new letter starts new periods: sent 24.2. by post, served 3.3., applicant's period to 17.3.;
    # the members' from the amendment's minutes (24.2. + 7 + 14 = 17.3.)
    p = payments_json(decided_round, "2027-03-10")["H-0002"]
    assert codes(p) == ["review", "members"] and "17.3.2027" in p["holds"][0]["text"]
    assert payments_json(decided_round, "2027-03-18")["H-0002"]["status"] == "payable"


def test_amend_refuses_to_exceed_the_appropriation_unless_told(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0  # 27 500 decided
    settings = workdir / "pieni.toml"
    settings.write_text("[budget]\ntotal = 30000\n", encoding="utf-8")
    small = Cli(decided_round.db, settings)
    amend = ("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "19000",
             "--reason", "Toimielin korotti avustusta.")
    before = dump(decided_round.db)
    r = small(*amend)
    message = " ".join(r.stderr.split())
    assert r.exit_code == 2 and "ylittäisi määrärahan" in message and "ylitys 1 500,00 €" in message
    assert dump(decided_round.db) == before and not (workdir / "muutospaatokset").exists()
    assert small("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "17500",
                 "--reason", "Toimielin korotti avustusta.").exit_code == 0  # exactly the appropriation: allowed
    r = small(*amend, "--yes")
    assert r.exit_code == 0 and "ylittyy 1 500,00 €" in " ".join(r.stderr.split())
    store = Store.open(decided_round.db)
    try:
        audit = [json.loads(a["detail"]) for a in store.audit_rows("grant", "H-0002") if a["action"] == "amend"]
        assert [a["overrun"] for a in audit] == [None, "1500.00"]
        assert audit[1]["decision_date"] == "2027-02-23" and audit[1]["section"] == "30"
    finally:
        store.close()


def test_amend_leaves_a_pending_review_to_review_decide(decided_round):
    assert run_decide(decided_round).exit_code == 0
    assert decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Yhdistys").exit_code == 0
    before = dump(decided_round.db)
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Oikaisuvaatimus hyväksytty.")
    assert r.exit_code == 2 and "review decide" in r.stderr and "valitusosoitus" in r.stderr
    assert dump(decided_round.db) == before


MEMBER = ("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Maija Meikäläinen", "--member")


def test_a_member_who_asked_for_review_is_sent_the_decision_too(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    before = dump(decided_round.db)
    r = decided_round(*MEMBER)  # where would the decision go?
    assert r.exit_code == 2 and "--address" in r.stderr and dump(decided_round.db) == before
    for bad in (("--email", "maija(at)example.fi"), ("--address", "Kotikatu 2", "--email", "ei osoite")):
        r = decided_round(*MEMBER, *bad)
        assert r.exit_code == 2 and "sähköpostiosoite" in r.stderr and dump(decided_round.db) == before
    r = decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Yhdistys", "--address", "Katu 1")
    assert r.exit_code == 2 and "--member" in r.stderr and dump(decided_round.db) == before  # the applicant's is known
    assert decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "Keski-Suomen Mielenterveysseura ry").exit_code == 0
    r = decided_round(*MEMBER, "--address", "Kotikatu 2 B 12,  40100 Jyväskylä")
    assert r.exit_code == 0, r.output
    r = decided_round("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
                      "--reasons", "Oikaisuvaatimuksessa ei esitetty uutta selvitystä.", "--json")
    assert r.exit_code == 0, r.output
    folder = workdir / "oikaisuvaatimukset"
    letters = sorted(p.name for p in folder.iterdir())
    member_stem = next(p.stem for p in folder.iterdir() if "_jasen" in p.name)
    assert letters == sorted(["oikaisuvaatimuspaatos_H-0002.docx", "oikaisuvaatimuspaatos_H-0002.html",
                              f"{member_stem}.docx", f"{member_stem}.html"])
    assert sorted(Path(p).name for p in json.loads(r.stdout)["letters"]) == letters
    member = " ".join(docx_text(folder / f"{member_stem}.docx").split())
    applicant = " ".join(docx_text(folder / "oikaisuvaatimuspaatos_H-0002.docx").split())
    # addressed to the member, about the applicant's grant; both requests named; the same appeal period (post)
    assert "Maija Meikäläinen Kotikatu 2 B 12 40100 Jyväskylä" in member and "Y-tunnus" not in member.split("Asia")[0]
    for text in (member, applicant):
        assert "päättänyt hakijan Keski-Suomen Mielenterveysseura ry hakemuksesta" in text
        assert "hakija, oikaisuvaatimus saapui 12.2.2027" in text
        assert "hyvinvointialueen jäsen, oikaisuvaatimus saapui 12.2.2027" in text
        assert "valitusaika päättyy 23.4.2027" in text and "VALITUSOSOITUS" in text
    assert "Maija" not in applicant
    store = Store.open(decided_round.db)
    try:
        recs = {rec.file: rec for rec in letter_store.letters(store, kind="review_decision")}
        assert set(recs) == {"oikaisuvaatimuspaatos_H-0002.docx", f"{member_stem}.docx"}
        sent_to_member = recs[f"{member_stem}.docx"]
        assert sent_to_member.recipient == "Maija Meikäläinen" and sent_to_member.channel == "letter"
        # the address is in the request alone: not in the audit log's command lines or details
        log = json.dumps(store.audit_rows(), ensure_ascii=False)
        assert "Kotikatu" not in log and "Maija" not in log
    finally:
        store.close()


def test_a_member_who_gave_only_an_e_mail_address_is_sent_the_decision_by_e_mail(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    assert decided_round(*MEMBER, "--email", "maija@example.fi").exit_code == 0
    r = decided_round("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
                      "--reasons", "Oikaisuvaatimuksessa ei esitetty uutta selvitystä.")
    assert r.exit_code == 0, r.output
    store = Store.open(decided_round.db)
    try:
        (rec,) = [x for x in letter_store.letters(store, kind="review_decision") if "_jasen" in x.file]
    finally:
        store.close()
    # sent 17.3.2027 by e-mail: served the 3rd day, 20.3.; 30 days -> 19.4.2027 (Monday)
    assert rec.channel == "email" and rec.email == "maija@example.fi" and rec.served.isoformat() == "2027-03-20"
    text = " ".join(docx_text(workdir / "oikaisuvaatimukset" / rec.file).split())
    assert "valitusaika päättyy 19.4.2027" in text


def test_a_member_request_recorded_without_an_address_is_completed_before_the_decision(decided_round):
    assert run_decide(decided_round).exit_code == 0
    store = Store.open(decided_round.db)  # as recorded before members' addresses were asked for
    try:
        with store.transaction():
            store.conn.execute("insert into review_requests (grant_id, received, requester, member, created_at) "
                               "values ('H-0002', '2027-02-12', 'Maija Meikäläinen', 1, 'x')")
    finally:
        store.close()
    decide = ("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
              "--reasons", "Oikaisuvaatimuksessa ei esitetty uutta selvitystä.")
    before = dump(decided_round.db)
    r = decided_round(*decide)
    assert r.exit_code == 2 and "ei ole kirjattu osoitetta" in " ".join(r.stderr.split())
    assert dump(decided_round.db) == before
    r = decided_round(*MEMBER, "--address", "Kotikatu 2, 40100 Jyväskylä")
    assert r.exit_code == 0 and "lisättiin jäsenen yhteystieto" in " ".join(r.stderr.split())
    store = Store.open(decided_round.db)
    try:
        assert store.query("select count(*) n, max(address) a from review_requests") == [
            {"n": 1, "a": "Kotikatu 2, 40100 Jyväskylä"}]
    finally:
        store.close()
    assert decided_round(*decide).exit_code == 0


def test_a_members_review_data_and_letter_are_shown_by_privacy_and_removed_by_purge(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    assert decided_round(*MEMBER, "--address", "Kotikatu 2, 40100 Jyväskylä").exit_code == 0
    # the same request typed again (other case and spacing, no address): recorded already, nothing changes
    before = dump(decided_round.db)
    r = decided_round("review", "add", "H-0002", "--received", "2027-02-12", "--by", "maija  MEIKÄLÄINEN", "--member")
    assert r.exit_code == 0 and "jo kirjattu" in " ".join(r.stderr.split()) and dump(decided_round.db) == before
    assert decided_round("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
                         "--reasons", "Ei uutta selvitystä.").exit_code == 0
    member_files = sorted((workdir / "oikaisuvaatimukset").glob("*_jasen*"))
    assert [p.suffix for p in member_files] == [".docx", ".html"]
    report = json.loads(decided_round("privacy", "--json").stdout)
    rows = {loc["table"]: loc["rows"] for loc in report["locations"] if loc["table"] in ("review_requests", "letters")}
    assert rows == {"review_requests": 1, "letters": 1}
    assert report["files"]["kinds"]["oikaisuvaatimuspaatos"] == 4  # the applicant's letter and the member's
    assert all(str(p) in report["files"]["paths"] for p in member_files)
    r = decided_round("purge", "--as-of", "2027-04-01", "--files")
    assert r.exit_code == 0, r.output
    assert not any(p.exists() for p in member_files)


def test_the_members_data_goes_with_the_application_even_when_it_holds_no_other_personal_data(decided_round):
    from avustus_cli.adapters.store import safety as safety_sql

    assert run_decide(decided_round).exit_code == 0
    assert decided_round(*MEMBER, "--email", "maija@example.fi").exit_code == 0
    store = Store.open(decided_round.db)
    try:
        with store.transaction():  # the application's own personal data purged earlier
            store.conn.execute("update applications set personal = '{}', personal_headers = '[]'")
        (row,) = [r for r in safety_sql.retention_rows(store) if r.app_id == "H-0002"]
        assert row.personal_present and not [r for r in safety_sql.retention_rows(store) if r.app_id == "H-0001"][0].personal_present
        with store.transaction():
            safety_sql.clear_personal(store, "H-0002", row.raw_row, row.personal_headers)
        assert store.query("select requester, address, email from review_requests") == [
            {"requester": "", "address": "", "email": None}]
        assert not [r for r in safety_sql.retention_rows(store) if r.app_id == "H-0002"][0].personal_present
    finally:
        store.close()


def test_an_own_template_that_names_the_applicant_the_old_way_is_refused_for_a_members_letter(decided_round, workdir):
    from importlib import resources

    assert run_decide(decided_round).exit_code == 0
    own = workdir / "omat"
    own.mkdir()
    old = resources.files("avustus_cli.templates").joinpath("oikaisuvaatimuspaatos.html").read_text(encoding="utf-8")
    (own / "oikaisuvaatimuspaatos.html").write_text(old.replace("{{ grant.applicant }}", "{{ applicant.name }}"),
                                                    encoding="utf-8")
    settings = workdir / "omat.toml"
    settings.write_text(f'[system]\ntemplates_dir = "{own.as_posix()}"\n', encoding="utf-8")
    mine = Cli(decided_round.db, settings)
    assert mine(*MEMBER, "--address", "Kotikatu 2, 40100 Jyväskylä").exit_code == 0
    decide = ("review", "decide", "H-0002", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
              "--reasons", "Ei uutta selvitystä.")
    before = dump(decided_round.db)
    r = mine(*decide)
    assert r.exit_code == 2 and "{{ grant.applicant }}" in " ".join(r.stderr.split()) and dump(decided_round.db) == before
    (own / "oikaisuvaatimuspaatos.html").write_text(old, encoding="utf-8")
    assert mine(*decide).exit_code == 0

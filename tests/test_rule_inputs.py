"""The check at scale (rule by rule over the typed table of rule inputs) gives exactly the findings of
``check_application`` run on each application: every rule's SQL predicate (``where``, ``reads_when``)
and the fields it declares it reads (``reads``) are held to the rule's Python definition over varied
applications, so the two cannot drift apart."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import fields, replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from avustus_cli.adapters.store import MIGRATIONS, Store, content_hash, rule_inputs
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.domain import codec
from avustus_cli.domain.checking import check_application
from avustus_cli.domain.config import default_settings
from avustus_cli.domain.models import (
    Application,
    Finding,
    FundingDecision,
    Grant,
    GrantForm,
    LegalForm,
    Party,
    Position,
    ReportStatus,
    Scope,
    Severity,
    Verdict,
    application_of,
    finding_of,
    grant_of,
    slim_application,
)
from avustus_cli.domain.rules import RULES
from avustus_cli.domain.standing import Standing, context_for, standing_of
from avustus_cli.services import checking as checks

SETTINGS = default_settings(2027)
DAY = dt.date(2027, 1, 10)
BID = "2077474-0"  # has earlier grants and a decision maker's position below

# values chosen to reach every case of every rule, the edges of the SQL predicates included
CHOICES: dict[str, list] = {
    "form": [None, *GrantForm],
    "year": [None, 2026, 2027],
    "applicant": ["Keski-Suomen Omaishoitajat ry", "Hoivapalvelu Oy", "Keski-Suomen Omaishoitajat", "Jyväskylän kaupunki",
                  "", "Kuohun kyläyhdistys ry", "Kylätoimikunnan säätiö sr", "Laukaan seurakunta", "Kansalaisareena",
                  # the names rules read by kind (Rule.by_name): blank, the lead's name written otherwise, a name
                  # its message shortens, a name equal to a typed legal form, a village association's company
                  " ", "keski-suomen  OMAISHOITAJAT ry.", "Pää ry", "Hyvinvointi " * 10 + "Oy", "yhdistys?",
                  "Palokan Omakotiyhdistys Oy", "{applicant} 'x' ry\n"],
    "business_id": [None, BID, "0737546-2", "2077474-1", "207747", " 2077474-0", "1000000-4", "1234567-1", "0000000-0"],
    "register_number": [None, "123.456", "123456", "1234567", "12345678", "ry 12/34", " 12 345 ", "1.234.567", "12.34",
                        "", "  ", "١٢٣"],
    "legal_form": [None, *LegalForm],
    "non_profit": [None, True, False],
    "home_municipality": [None, "Jyväskylä", "Helsinki", "jyvaskyla", ""],
    "activity_name": ["", "Vertaistukiryhmät", "Ruoka-apu", "Yksinäisyys pois -ryhmät", "Yleinen nuorisotyö"],
    "category": [None, 0, 1, 4, 10, 11],
    "description": ["", "Vertaistukea omaishoitajille.", "Jaamme ruoka-apua kerran viikossa.", "Kirjasto ja liikunta.",
                    "Yleinen nuorisotyö ja nuorisotalo.", "Yksinäisyyden ehkäisyä"],
    "cost_types": [(), ("Kehittämistyö",), ("Tilavuokrat", "Henkilöstökulut"), ("Henkilöstökulut",)],
    "scope": [None, *Scope],
    "municipalities": [(), ("Jyväskylä",), ("Jyväskylä", "Tampere"), ("Tampere",), ("", " "), ("Jyvaskyla", "Laukaa"),
                       ("\t",), ("Kuhmoinen", " ")],
    "county_field": [None, True, False],
    "targets": [(), ("Ikäihmisten kotona asumisen tukeminen",), ("Hyvä mieli kaikille",), (" ",),
                ("ikäihmisten kotona-asumisen tukeminen",)],
    "cooperation": ["", " - ", "Kotihoito ohjaa asiakkaita.", "..."],
    "requested": [None, Decimal(0), Decimal("25000"), Decimal("40000"), Decimal("40000.01"), Decimal("150000"),
                  Decimal("12500.5")],
    "total_cost": [None, Decimal("40000"), Decimal("39999.99"), Decimal(0)],
    "other_funding": [None, Decimal(0), Decimal("-5"), Decimal("0.01"), Decimal("400000")],
    "other_funders": ["", "STEA", " "],
    "economic_activity": [None, True, False],
    "accounts_segregated": [None, True, False],
    "audit_consent": [None, True, False],
    "joint": [None, True, False],
    "lead_applicant": [None, Party("Keski-Suomen Omaishoitajat ry", BID, legal_form=LegalForm.ASSOCIATION),
                       Party("Hoivapalvelu Oy"), Party(" "), Party("Pää ry", "0737546-2")],
    "co_applicants": [(), (Party("Laukaan Omaiset ry"),), (Party("Kotirinne Oy"), Party("Kansalaisareena")),
                      (Party("Kansalaisareena", legal_form=LegalForm.OTHER),)],
    "responsibility_split": ["", "Avustus maksetaan päähakijalle."],
    "agreement_start": [None, dt.date(2027, 1, 1), dt.date(2027, 7, 1)],
    "agreement_end": [None, dt.date(2030, 12, 31), dt.date(2031, 1, 1), dt.date(2026, 12, 31)],
    "commitments": ["", "Ohjausryhmä neljästi vuodessa."],
    "external_funder": ["", "ESR+"],
    "funding_decision": [None, *FundingDecision],
    "funding_start": [None, dt.date(2027, 1, 1)],
    "funding_end": [None, dt.date(2028, 12, 31)],
    "project_start": [None, dt.date(2027, 1, 1), dt.date(2026, 6, 1)],
    "project_end": [None, dt.date(2028, 12, 31), dt.date(2029, 6, 30)],
    "attachments": [(), ("Toimintasuunnitelma 2027", "Talousarvio 2027"), ("Toiminta- ja taloussuunnitelma.pdf",),
                    ("Talousarvio",)],
    "received": [None, dt.datetime(2026, 12, 15, 10, 30), dt.datetime(2026, 12, 31, 23, 59), dt.datetime(2027, 1, 4, 9),
                 dt.datetime(2027, 1, 5, 0, 1), dt.datetime(2026, 11, 30, 12), dt.datetime(2026, 12, 1)],
    "raw": [{}, {"non_profit": "osittain"}, {"category": "Kriisityö ja -apu"}, {"category": "Yleinen harrastustoiminta"},
            {"requested": "n. 20 t€"}, {"business_id": "207747"}, {"register_number": "abc"}, {"received": "eilen"},
            {"other_funding": "n. 20t", "legal_form": "yhdistys?"}, {"county_field": "ehkä", "audit_consent": "?"},
            {"agreement_end": "31.13.2030", "funding_decision": "tulossa"}],
}


def _grants() -> list[dict]:
    rows = []
    for year, report in ((2024, "approved"), (2025, None), (2026, None), (2026, "incomplete")):
        rows.append(({"id": f"G-{year}-{report}", "application_id": None, "applicant": "Keski-Suomen Omaishoitajat ry",
                      "business_id": BID, "form": "operating", "year": year, "amount_cents": 2_000_000,
                      "source": "history"}, report))
    rows.append(({"id": "G-own", "application_id": "A-0003", "applicant": "x", "business_id": BID, "form": "operating",
                  "year": 2025, "amount_cents": 100_000, "source": "decision"}, None))
    rows.append(({"id": "G-other", "application_id": None, "applicant": "Pää ry", "business_id": "0737546-2",
                  "form": "operating", "year": 2025, "amount_cents": 500_000, "source": "history"}, None))
    return rows


POSITIONS = (
    Position("Anna Aaltonen", "Aluehallitus, jäsen", "Keski-Suomen Omaishoitajat ry", BID, "puheenjohtaja"),
    Position("Pekka Pelkonen", "valmistelija", "Kansalaisareena", None, "hallituksen jäsen"),
    Position("Olli Ojala", "esittelijä", "Laukaan Omaiset r.y.", None, "jäsen", dt.date(2020, 1, 1), dt.date(2026, 1, 1)),
)


def _store(path: Path, apps: list[Application], history: bool = True, positions: bool = True) -> Store:
    store = Store.open(path)
    with store.transaction():
        imp = store.record_import({"kind": "applications", "file": "t", "sha256": "-", "sheet": "-", "header_row": 1,
                                   "rows_total": len(apps), "new": len(apps), "changed": 0, "unchanged": 0, "skipped": 0,
                                   "warnings": 0})
        for n, app in enumerate(apps):
            full = codec.encode_present(Application, {f.name: getattr(app, f.name) for f in fields(Application)})
            store.upsert_application(app, {"Hakemusnumero": app.id}, [], ("t", "-", n + 2), imp, content_hash(full),
                                     encoded=store.encode_application(full))
        if history:
            for row, report in _grants():
                store.upsert_grant(row)
                if report:
                    store.set_report(row["id"], dt.date(2026, 5, 1), report)
            store.add_payment("G-2026-None", Decimal(1000), dt.date(2026, 2, 1))
        if positions:
            for p in POSITIONS:
                store.conn.execute(
                    "insert into positions (person, body_role, organisation, business_id, position, start, end, imported_at) "
                    "values (?, ?, ?, ?, ?, ?, ?, '2026-12-01')",
                    (p.person, p.body_role, p.organisation, p.business_id, p.position,
                     p.start and p.start.isoformat(), p.end and p.end.isoformat()))
    return store


def _one_by_one(store: Store) -> dict[str, list]:
    """Each application as the store gives it back, checked alone (as a check did before migration 10)."""
    history = standing_store.grant_history(store)
    positions = standing_store.positions(store)
    return {a.id: check_application(a, context_for(a, SETTINGS, DAY, history, positions)) for a in store.applications()}


def _assert_same(store: Store, apps: list[Application]) -> None:
    by_rule = {r.app.id: list(r.findings) for r in checks.run_check(store, SETTINGS, DAY, reuse=False)}
    one = _one_by_one(store)
    assert sorted(one) == sorted(a.id for a in apps)
    for app in apps:
        assert by_rule[app.id] == one[app.id], f"{app.id}: {app}"
    assert {i: fs for i, fs in store.findings().items()} == {i: fs for i, fs in one.items() if fs}


def _random_app(rnd: random.Random, n: int) -> Application:
    values = {f: rnd.choice(v) for f, v in CHOICES.items()}
    return Application(id=f"A-{n:04d}", **values)


@pytest.mark.parametrize("history,positions", [(True, True), (False, False)])
def test_rule_by_rule_gives_each_applications_own_findings(tmp_path, history, positions):
    rnd = random.Random(14)
    apps = [_random_app(rnd, n) for n in range(1500)]
    store = _store(tmp_path / "a.db", apps, history, positions)
    _assert_same(store, apps)


@st.composite
def _applications(draw) -> list[Application]:
    n = draw(st.integers(1, 12))
    return [Application(id=f"A-{i:04d}", **{f: draw(st.sampled_from(v)) for f, v in CHOICES.items()}) for i in range(n)]


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> bytes:
    """A new database (the whole schema, no rows), made once: each example starts from a copy of it."""
    path = tmp_path_factory.mktemp("empty") / "a.db"
    Store.open(path).close()
    assert not path.with_name("a.db-wal").exists()
    return path.read_bytes()


@given(apps=_applications())
def test_rule_by_rule_equals_one_by_one_for_any_round(tmp_path_factory, empty_db, apps):
    path = tmp_path_factory.mktemp("round") / "a.db"
    path.write_bytes(empty_db)
    store = _store(path, apps)
    _assert_same(store, apps)


def test_the_rule_examples_give_the_same_findings_rule_by_rule(tmp_path):
    """Every documented example (docs/rules.md), as an application of a round."""
    apps = [_with_id(e.application, f"E-{n:04d}") for n, e in enumerate(
        e for r in RULES.values() for e in r.examples if not e.history and e.as_of is None and r.code != "J01")]
    store = _store(tmp_path / "a.db", apps, history=False, positions=False)
    _assert_same(store, apps)


def _with_id(app: Application, app_id: str) -> Application:
    return Application(**{**{f.name: getattr(app, f.name) for f in fields(Application)}, "id": app_id})


def test_every_rule_declares_what_it_reads():
    for r in RULES.values():
        assert set(r.reads) <= set(rule_inputs.COLUMNS), r.code
        assert set(r.reads_when) <= set(r.reads), r.code
        assert r.reads or r.needs == "history", r.code


def test_the_table_follows_the_applications(tmp_path):
    """Only changed applications' rows are written again; a removed application's row goes with it."""
    rnd = random.Random(3)
    apps = [_random_app(rnd, n) for n in range(20)]
    store = _store(tmp_path / "a.db", apps)
    assert rule_inputs.refresh(store) == 20
    assert rule_inputs.refresh(store) == 0
    changed = _with_id(apps[4], apps[4].id)
    changed = Application(**{**{f.name: getattr(changed, f.name) for f in fields(Application)}, "description": "Uusi kuvaus"})
    with store.transaction():
        full = codec.encode_present(Application, {f.name: getattr(changed, f.name) for f in fields(Application)})
        store.upsert_application(changed, {}, [], ("t", "-", 6), 1, content_hash(full), encoded=store.encode_application(full))
        store.conn.execute("delete from applications where id = ?", (apps[7].id,))
    assert rule_inputs.refresh(store) == 1
    assert store.count("rule_inputs") == 19
    used = {v for (v,) in store.conn.execute("select description from rule_inputs") if v is not None}
    kept = [a for a in apps if a.id not in (apps[4].id, apps[7].id)]
    assert set(rule_inputs.texts(store, used).values()) == {a.description for a in [*kept, changed] if a.description}
    referenced = set()
    for c in rule_inputs.TEXT_COLUMNS:
        referenced |= {v for (v,) in store.conn.execute(f"select {c} from rule_inputs") if v is not None}
    assert {n for (n,) in store.conn.execute("select id from rule_texts")} == referenced  # no text left behind
    apps[4] = changed
    _assert_same(store, [a for a in apps if a.id != apps[7].id])


def test_findings_written_before_migration_10_read_back_the_same(tmp_path, monkeypatch):
    """Migration 10 moves each application's findings beside its verdict, in their order."""
    from avustus_cli.adapters import store as store_mod

    db = tmp_path / "a.db"
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 9)
    Store.open(db).close()
    old = [("H-1", "E02", "blocking", "Yleishyödyllinen: ei", "non_profit"), ("H-1", "R01", "note", "Käyttöselvitys", None),
           ("H-2", "R01", "note", "Käyttöselvitys", None), ("H-1", "A02", "deficiency", "Lupa", "audit_consent")]
    conn = sqlite3.connect(db)
    conn.execute("insert into checks (at, as_of, user, rules_version, applications) values ('t', '2027-01-10', 'u', 'v', 3)")
    conn.executemany("insert into findings (check_id, application_id, code, severity, message, field) values (1, ?, ?, ?, ?, ?)",
                     old)
    conn.executemany("insert into verdicts (application_id, verdict, check_id, as_of, content_hash) values (?, ?, 1, "
                     "'2027-01-10', 'h')", [("H-1", "ineligible"), ("H-2", "eligible"), ("H-3", "eligible")])
    conn.commit()
    conn.close()
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(MIGRATIONS))
    store = Store.open(db)
    got = {a: [(f.code, f.severity.value, f.message, f.field) for f in fs] for a, fs in store.findings().items()}
    assert got == {"H-1": [o[1:] for o in old if o[0] == "H-1"], "H-2": [old[2][1:]]}
    assert store.findings("H-1") == {"H-1": store.findings()["H-1"]}
    assert {a: v["verdict"] for a, v in store.verdicts().items()} == {"H-1": "ineligible", "H-2": "eligible", "H-3": "eligible"}
    assert store.conn.execute("select count(*) from finding_texts").fetchone()[0] == 3  # each distinct text once


@given(app_id=st.text(max_size=5), applicant=st.text(max_size=5), business_id=st.none() | st.text(max_size=3),
       form=st.none() | st.sampled_from(GrantForm), year=st.none() | st.integers(2000, 2100),
       requested=st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_a_slim_application_is_the_application_with_those_fields(app_id, applicant, business_id, form, year, requested):
    slim = slim_application(app_id, applicant, business_id, form, year, requested)
    assert type(slim) is Application
    assert slim == Application(id=app_id, applicant=applicant, business_id=business_id, form=form, year=year,
                               requested=requested)
    assert slim.raw == {} and slim.raw is not slim_application("x", "", None, None, None, None).raw


def test_every_write_to_a_recipients_grants_payments_or_reports_moves_its_mark(tmp_path):
    store = _store(tmp_path / "a.db", [], history=True, positions=False)

    def marks():
        return dict(store.conn.execute("select business_id, mark from grant_marks"))

    steps = [
        lambda: store.add_payment("G-other", Decimal(10), dt.date(2027, 2, 1)),
        lambda: store.set_report("G-other", dt.date(2027, 3, 1), "approved"),
        lambda: store.conn.execute("update payments set amount_cents = 5 where grant_id = 'G-other'"),
        lambda: store.conn.execute("delete from reports where grant_id = 'G-other'"),
        lambda: store.conn.execute("delete from payments where grant_id = 'G-other'"),
        lambda: store.conn.execute("update grants set amount_cents = 1 where id = 'G-other'"),
    ]
    for step in steps:
        before = marks()
        with store.transaction():
            step()
        after = marks()
        assert after["0737546-2"] > before["0737546-2"] and after[BID] == before[BID]
    before = marks()
    with store.transaction():
        store.conn.execute("update grants set business_id = '1000000-4' where id = 'G-other'")
    after = marks()
    assert after["0737546-2"] > before["0737546-2"] and after["1000000-4"] >= 1 and after[BID] == before[BID]
    with store.transaction():
        store.conn.execute("delete from grants where id = 'G-own'")
    assert marks()[BID] > after[BID]


def test_the_fast_constructors_make_what_the_dataclasses_make():
    rnd = random.Random(5)
    for n in range(200):
        app = _random_app(rnd, n)
        values = {f.name: getattr(app, f.name) for f in fields(Application)}
        some = {k: v for k, v in values.items() if k == "id" or rnd.random() < 0.4}
        assert application_of(values) == app
        assert application_of(some) == Application(**some)
    for row, _ in _grants():
        g = Grant(row["id"], row["application_id"], row["applicant"], row["business_id"], GrantForm(row["form"]), row["year"],
                  Decimal(row["amount_cents"]) / 100, dt.date(2027, 1, 2), "§ 4", "Aluehallitus", Decimal(5),
                  dt.date(2027, 2, 1), None, ReportStatus.APPROVED)
        assert grant_of(*(getattr(g, f.name) for f in fields(Grant))) == g
    f = Finding("E01", Severity.REVIEW, "Hakija: x", "applicant")
    assert finding_of("E01", Severity.REVIEW, "Hakija: x", "applicant") == f
    app = _random_app(rnd, 1)
    made = standing_of(app, Verdict.REVIEW, (f,))
    assert made == Standing(app, Verdict.REVIEW, (f,)) and made.checked and made.reopened == () and made.supplement is None
    assert replace(made, reopened=("K04",)).reopened == ("K04",)


def test_the_garbage_collector_is_on_again_after_a_check_even_a_failed_one(tmp_path):
    import gc

    store = _store(tmp_path / "a.db", [_random_app(random.Random(1), 1)])
    assert gc.isenabled()
    checks.run_check(store, SETTINGS, DAY)
    assert gc.isenabled()
    with pytest.raises(Exception, match="ei ole tietokannassa"):
        checks.run_check(store, SETTINGS, DAY, app_ids=["EI-OLE"])
    assert gc.isenabled()


def test_a_rules_columns_keep_every_value_exactly(tmp_path):
    """The columns are read as JSON arrays; a floating-point value, which JSON would round to 15 digits,
    comes back exact, and texts, integers and NULLs come back as they are."""
    store = _store(tmp_path / "a.db", [Application(id="A-0001", category=4, applicant='"x", [1]'),
                                       Application(id="A-0002")], history=False, positions=False)
    rule_inputs.refresh(store)
    assert rule_inputs.columns(store, ["[category]", "[year]"])[1:] == [[4, None], [None, None]]
    store.conn.execute("update rule_inputs set category = ? where application_id = 'A-0002'", (0.1 + 0.2,))
    row_ids, category, texts = rule_inputs.columns(store, ["[category]", "[applicant]"])
    assert category == [4, 0.1 + 0.2]
    store.conn.execute("update rule_inputs set category = ? where application_id = 'A-0002'", (2.0,))
    assert [type(v) for v in rule_inputs.columns(store, ["[category]"])[1]] == [int, float]  # (1 and 1.0 differ)
    assert rule_inputs.texts(store, [texts[0]]) == {texts[0]: '"x", [1]'}
    assert len(set(row_ids)) == 2


def test_the_sql_business_id_check_accepts_exactly_the_valid_ids():
    """E03's predicate computes the check digit in SQL: it holds for exactly the IDs the Python check
    accepts, over every check digit of random bases and malformed forms."""
    from avustus_cli.domain import ids
    from avustus_cli.domain.rules.eligibility import _BUSINESS_ID_OK

    rnd = random.Random(3)
    cases = [f"{rnd.randrange(10**7):07d}-{d}" for _ in range(600) for d in "0123456789"]
    cases += ["0000000-0", "1234567-1", "123456-7", "12345678", "1234567-", "abcdefg-h", "1234567-8 ", ""]
    conn = sqlite3.connect(":memory:")
    for text in cases:
        in_sql = conn.execute(f"select coalesce({_BUSINESS_ID_OK}, 0) from (select ? as business_id)", (text,)).fetchone()[0]
        assert bool(in_sql) is (ids.business_id_error(text) is None), text


def test_recipients_with_alike_grants_share_the_history_rule_by_rule(tmp_path):
    """R01 runs once per kind of history: recipients whose grants are alike but for their ids share it, and
    recipients whose grants differ only in their order (two grants of one year, ordered by id), in a
    payment or a report do not; every application still gets what ``check_application`` gives it."""
    recipients = ["1000000-4", "0737546-2", "2077474-0", "1234567-1", "0000000-0", "2077474-1"]
    apps = [Application(id=f"A-{n:04d}", business_id=b, year=year, applicant="Yhdistys ry", joint=n % 5 == 0,
                        lead_applicant=Party("Pää ry", recipients[(k + 1) % len(recipients)]) if n % 5 == 0 else None)
            for n, (k, b, year) in enumerate((k, b, year) for k, b in enumerate(recipients)
                                             for year in (None, 2025, 2026, 2027, 2028))]
    store = _store(tmp_path / "a.db", apps, history=False, positions=False)
    with store.transaction():
        for k, b in enumerate(recipients):
            amounts = (5000, 6000) if k != 2 else (6000, 5000)  # the same grants of 2025, ordered the other way by id
            for m, (year, amount) in enumerate(((2025, amounts[0]), (2025, amounts[1]), (2026, 7000), (None, 100))):
                store.upsert_grant({"id": f"G-{k}-{m}",
                                    "application_id": "A-0003" if (k, m) == (0, 2) else None, "applicant": "x",
                                    "business_id": b, "form": "operating", "year": year, "amount_cents": amount * 100,
                                    "source": "history"})
        store.set_report("G-3-0", dt.date(2026, 5, 1), "approved")
        store.add_payment("G-4-2", Decimal(10), dt.date(2026, 2, 1))
    histories, example = rule_inputs.grant_histories(store)
    assert histories["1000000-4"] == histories["0737546-2"] == histories["2077474-1"]  # alike but for ids
    assert len({histories[b] for b in recipients}) == 4
    assert example[histories["0737546-2"]] in recipients
    _assert_same(store, apps)


def test_grants_out_of_order_are_put_in_order():
    """``grant_histories`` reads the grants in the order of (recipient, year, id), and puts them in it if
    SQLite gave them in another."""
    rnd = random.Random(4)
    rows = [(b, y, f"G-{n}", f"v{n}") for n, (b, y) in enumerate((b, y) for b in ("1", "2", "3")
                                                                 for y in (None, 2024, 2025, 2025))]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    ordered = rule_inputs._by_recipient(*(list(c) for c in zip(*shuffled, strict=True)))
    assert ordered == ([r[0] for r in rows], [r[3] for r in rows])
    as_given = [list(c) for c in zip(*rows, strict=True)]
    assert rule_inputs._by_recipient(*as_given) == (as_given[0], as_given[3])


def test_the_summary_a_check_stores_counts_what_its_results_hold(tmp_path):
    """The whole round's summary, counted from each list of findings the rules made (or stored), is
    ``summarize`` of the check's results: with the officer's acceptances, and when some applications'
    findings are reused and the others' made again."""
    from avustus_cli.domain.check_summary import summarize

    rnd = random.Random(21)
    apps = [_random_app(rnd, n) for n in range(400)]
    store = _store(tmp_path / "a.db", apps)
    results, summary = checks._run_check(store, SETTINGS, DAY, None, True, False, None)
    assert summary == summarize(results)
    with store.transaction():
        for r in results[::7]:
            for f in r.findings[:2]:
                if f.severity is not Severity.BLOCKING:
                    store.accept(r.app.id, f.code, "Tarkistettu puhelimitse.")
        for app in apps[::11]:  # their data changes: their rules run again, the others' findings are reused
            changed = Application(**{**{f.name: getattr(app, f.name) for f in fields(Application)},
                                     "cooperation": "", "non_profit": None})
            full = codec.encode_present(Application, {f.name: getattr(changed, f.name) for f in fields(Application)})
            store.upsert_application(changed, {}, [], ("t", "-", 2), 1, content_hash(full),
                                     encoded=store.encode_application(full))
    for reuse in (True, False):
        results, summary = checks._run_check(store, SETTINGS, DAY, None, True, reuse, None)
        assert any(f.accepted_reason for r in results for f in r.findings)
        assert summary == summarize(results)


def test_a_check_of_the_round_makes_only_the_results_its_tables_show(tmp_path):
    """``check_round`` with the rules running makes the results of the first applications of each verdict
    only, the same ones ``run_check`` gives, and counts every application in its summary and its record."""
    from avustus_cli.domain.check_summary import VERDICT_ORDER, summarize

    rnd = random.Random(8)
    apps = [_random_app(rnd, n) for n in range(300)]
    store = _store(tmp_path / "a.db", apps)
    full = checks.run_check(store, SETTINGS, DAY, slim=True, reuse=False)
    with store.transaction():
        for r in full[::9]:
            for f in r.findings[:1]:
                if f.severity is not Severity.BLOCKING:
                    store.accept(r.app.id, f.code, "Tarkistettu.")
    full = checks.run_check(store, SETTINGS, DAY, slim=True, reuse=False)
    assert any(f.accepted_reason for r in full for f in r.findings)
    checked = checks.check_round(store, SETTINGS, DAY, 7, reuse=False)
    assert checked.first == {v: [r for r in full if r.verdict is v][:7] for v in VERDICT_ORDER}
    assert sum(map(len, checked.first.values())) < len(full)
    assert checked.summary == summarize(full)
    assert store.conn.execute("select applications from checks order by id desc limit 1").fetchone()[0] == len(apps)
    assert {r.app.id: r.verdict.value for r in full} == {
        a: v for a, v in store.conn.execute("select application_id, verdict from verdicts")}


def test_a_check_of_every_application_replaces_every_verdict_and_keeps_a_removed_ones(tmp_path):
    """A check whose rules ran for every application writes its verdicts into an emptied table, unless a
    verdict of an application no longer in the round is stored: that one stays, as it always has."""
    rnd = random.Random(2)
    apps = [_random_app(rnd, n) for n in range(30)]
    store = _store(tmp_path / "a.db", apps)
    results = checks.run_check(store, SETTINGS, DAY, reuse=False)
    stored = dict(store.conn.execute("select application_id, findings from verdicts"))
    again = checks.run_check(store, SETTINGS, DAY, reuse=False)
    assert again == results
    assert {a: v for a, v in store.conn.execute("select application_id, verdict from verdicts")} == {
        r.app.id: r.verdict.value for r in results}
    assert store.conn.execute("select count(*) from finding_texts").fetchone()[0] == len(
        {f for r in results for f in r.findings})
    assert stored.keys() == {a.id for a in apps}
    with store.transaction():
        store.conn.execute("delete from applications where id = ?", (apps[3].id,))
    checks.run_check(store, SETTINGS, DAY, reuse=False)
    assert {a for (a,) in store.conn.execute("select application_id from verdicts")} == {a.id for a in apps}
    assert store.findings().get(apps[3].id, []) == [f for r in results if r.app.id == apps[3].id for f in r.findings]

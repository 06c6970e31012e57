"""A check re-runs the rules only for applications whose inputs changed; the results are those of a
full run whatever was reused."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from avustus_cli.adapters.store import Store
from avustus_cli.domain.config import default_settings, load_settings
from avustus_cli.services import checking as checks

from .conftest import SAMPLE, Cli, app_row, write_xlsx

DAY = dt.date(2027, 1, 10)


@pytest.fixture
def ran(monkeypatch):
    """The ids of the applications whose rules ran."""
    ids: list[str] = []
    real = checks._run_rules

    def counting(store, settings, as_of, fresh, *args, **kwargs):
        ids.extend(fresh)
        return real(store, settings, as_of, fresh, *args, **kwargs)

    monkeypatch.setattr(checks, "_run_rules", counting)
    return ids


def _shown(results):
    return [(r.app.id, r.app.applicant, r.app.business_id, r.app.form, r.app.year, r.app.requested, r.verdict, r.findings,
             r.reopened) for r in results]


def _full(store, settings, day=DAY, slim=True):
    return _shown(checks.run_check(store, settings, day, slim=slim, reuse=False))


@pytest.mark.parametrize("slim", [True, False])
def test_an_unchanged_round_is_not_checked_again_and_the_results_are_the_same(tmp_path, ran, slim):
    cli = Cli(tmp_path / "a.db", SAMPLE / "avustus.toml")
    cli("import", SAMPLE / "hakemukset.xlsx")
    cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx")
    cli("positions", "import", SAMPLE / "sidonnaisuudet.xlsx")
    settings = load_settings(SAMPLE / "avustus.toml")
    store = Store.open(tmp_path / "a.db")
    full = _full(store, settings, slim=slim)
    stored = store.findings(), store.verdicts()
    ran.clear()
    again = _shown(checks.run_check(store, settings, DAY, slim=slim))
    assert ran == []
    assert again == full
    assert (store.findings(), store.verdicts()) == stored
    assert store.count("checks") == 2  # the run is recorded all the same


def _round(tmp_path, rows):
    cli = Cli(tmp_path / "a.db")
    cli("import", write_xlsx(tmp_path / "h.xlsx", rows))
    return cli, Store.open(tmp_path / "a.db")


def test_only_the_changed_application_is_checked_again(tmp_path, ran):
    rows = [app_row(i, **{"Y-tunnus": "0737546-2" if i < 3 else "2077474-0"}) for i in range(1, 6)]
    cli, store = _round(tmp_path, rows)
    settings = default_settings()
    checks.run_check(store, settings, DAY, slim=True)
    assert sorted(ran) == [f"H-{i:04d}" for i in range(1, 6)]

    ran.clear()
    rows[3]["Toimintakunnat"] = "Jyväskylä; Tampere"  # K04: outside the county
    rows[1]["Puhelin"] = "040 000 0099"  # personal data: not what the rules see
    cli("import", write_xlsx(tmp_path / "h.xlsx", rows))
    now = _shown(checks.run_check(store, settings, DAY, slim=True))
    assert ran == ["H-0004"]
    assert now == _full(store, settings)
    assert any(f.code == "K04" for f in dict((r[0], r[7]) for r in now)["H-0004"])


def test_an_earlier_grant_checks_again_only_its_recipients_applications(tmp_path, ran):
    rows = [app_row(i, **{"Y-tunnus": "0737546-2" if i < 3 else "2077474-0"}) for i in range(1, 6)]
    _, store = _round(tmp_path, rows)
    settings = default_settings()
    checks.run_check(store, settings, DAY, slim=True)
    ran.clear()
    with store.transaction():
        store.upsert_grant({"id": "G-1", "application_id": None, "applicant": "Testiyhdistys 1 ry", "business_id": "0737546-2",
                            "form": "operating", "year": 2025, "amount_cents": 500000, "source": "history"})
    now = _shown(checks.run_check(store, settings, DAY, slim=True))
    assert sorted(ran) == ["H-0001", "H-0002"]
    assert now == _full(store, settings)
    assert any(f.code == "R01" for f in now[0][7])  # its usage report is missing

    ran.clear()
    with store.transaction():
        store.set_report("G-1", dt.date(2026, 5, 2), "approved")
    now = _shown(checks.run_check(store, settings, DAY, slim=True))
    assert sorted(ran) == ["H-0001", "H-0002"]
    assert now == _full(store, settings)


def test_another_day_other_settings_or_a_forced_run_check_everything_again(tmp_path, ran):
    _, store = _round(tmp_path, [app_row(i) for i in range(1, 4)])
    settings = default_settings()
    checks.run_check(store, settings, DAY, slim=True)
    everything = ["H-0001", "H-0002", "H-0003"]
    for settings_now, day in ((settings, DAY + dt.timedelta(days=1)),
                              (dataclasses.replace(settings, excluded_types=("vertaistuki",)), DAY),
                              (dataclasses.replace(settings, report_months=7), DAY)):
        ran.clear()
        now = _shown(checks.run_check(store, settings_now, day, slim=True))
        assert sorted(ran) == everything
        assert now == _full(store, settings_now, day)
    ran.clear()
    checks.run_check(store, settings, DAY, slim=True, reuse=False)
    assert sorted(ran) == everything


def _accepted_round(tmp_path):
    """A round of two checked applications where the officer has accepted every finding of H-0001."""
    _, store = _round(tmp_path, [app_row(1, Toimintakunnat="Jyväskylä; Tampere"), app_row(2)])
    settings = default_settings()
    first = {r.app.id: r for r in checks.run_check(store, settings, DAY, slim=True)}
    assert first["H-0001"].verdict.value != "eligible"
    for code in {f.code for f in first["H-0001"].findings}:  # none blocking: each can be accepted
        checks.accept(store, "H-0001", code, "Virkailijan harkinta.")
    return store, settings, first


def test_an_acceptance_changes_the_verdict_without_running_the_rules(tmp_path, ran):
    store, settings, first = _accepted_round(tmp_path)
    ran.clear()
    now = {r.app.id: r for r in checks.run_check(store, settings, DAY, slim=True)}
    assert ran == []
    assert now["H-0001"].verdict.value == "eligible"
    assert store.verdicts()["H-0001"]["verdict"] == now["H-0001"].verdict.value
    assert [(r[0], r[6], r[7]) for r in _full(store, settings)] == [(i, r.verdict, r.findings) for i, r in sorted(now.items())]


def test_an_acceptance_holds_where_the_rules_run_again(tmp_path, ran):
    """The rules' new findings are stored with the verdict the officer's acceptances give, for a check of
    the whole round, of one application and of every rule."""
    store, settings, first = _accepted_round(tmp_path)
    for n, (ids, reuse) in enumerate(((None, True), (["H-0001"], True), (None, False)), 1):
        ran.clear()
        day = DAY + dt.timedelta(days=n)  # (another day: the rules run again)
        now = {r.app.id: r for r in checks.run_check(store, settings, day, ids, slim=False, reuse=reuse)}
        assert "H-0001" in ran
        assert now["H-0001"].verdict.value == "eligible"
        assert all(f.accepted for f in now["H-0001"].findings)
        assert store.verdicts()["H-0001"]["verdict"] == "eligible"
        assert store.verdicts()["H-0002"]["verdict"] == first["H-0002"].verdict.value


def test_the_slim_result_of_a_reused_application_is_the_decoded_one(tmp_path):
    """Amounts keep their written precision (12500 is not 12500.00), a missing applicant is empty."""
    _, store = _round(tmp_path, [app_row(1, **{"Haettu summa": "12 500 €"}), app_row(2, Hakija=None)])
    settings = default_settings()
    full = _full(store, settings)
    reused = _shown(checks.run_check(store, settings, DAY, slim=True))
    assert reused == full
    assert [str(r[5]) for r in reused] == [str(Decimal(r[5])) for r in full]


@pytest.fixture
def reread(monkeypatch):
    """How many checks returned the stored verdicts of an unchanged round (without the per-application
    comparison)."""
    count = [0]
    real = checks.round_marks.stored_rows

    def counting(store):
        count[0] += 1
        return real(store)

    monkeypatch.setattr(checks.round_marks, "stored_rows", counting)
    return count


def _sample(tmp_path):
    cli = Cli(tmp_path / "a.db", SAMPLE / "avustus.toml")
    cli("import", SAMPLE / "hakemukset.xlsx")
    cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx")
    return cli, Store.open(tmp_path / "a.db"), load_settings(SAMPLE / "avustus.toml")


def _again_is_real(store, settings, ran, reread, day=DAY, every=False, runs=True):
    """The next check compares each application's inputs with its stored ones, runs rules (unless not
    ``runs``; for every application with ``every``) and gives a full run's results; the one after it reads
    them back unchanged."""
    ran.clear()
    before = reread[0]
    now = _shown(checks.run_check(store, settings, day, slim=True))
    assert reread[0] == before and bool(ran) == runs
    if every:
        assert len(ran) == len(now)
    stored = store.findings(), {a: v["verdict"] for a, v in store.verdicts().items()}
    assert now == _full(store, settings, day)
    assert (store.findings(), {a: v["verdict"] for a, v in store.verdicts().items()}) == stored
    ran.clear()
    assert _shown(checks.run_check(store, settings, day, slim=True)) == now
    assert reread[0] == before + 1 and ran == []


def test_an_unchanged_round_reads_back_the_stored_results(tmp_path, ran, reread):
    _, store, settings = _sample(tmp_path)
    first = _shown(checks.run_check(store, settings, DAY, slim=True))
    assert reread[0] == 0
    for slim in (True, False):
        ran.clear()
        assert _shown(checks.run_check(store, settings, DAY, slim=slim)) == first
        assert ran == []
    assert reread[0] == 2
    assert store.count("checks") == 3


def test_each_change_to_what_the_check_reads_makes_the_next_check_a_real_one(tmp_path, ran, reread, monkeypatch):
    cli, store, settings = _sample(tmp_path)
    checks.run_check(store, settings, DAY, slim=True)
    # an edit of one application by a new import
    rows = [app_row(i) for i in range(1, 4)]
    cli("import", write_xlsx(tmp_path / "h.xlsx", rows))
    _again_is_real(store, settings, ran, reread)
    rows[1]["Toimintakunnat"] = "Jyväskylä; Tampere"
    cli("import", write_xlsx(tmp_path / "h.xlsx", rows))
    _again_is_real(store, settings, ran, reread)
    # a history import, a usage report, the decision makers' register
    cli("import", "--history", write_xlsx(tmp_path / "g.xlsx", [{
        "Päätöspäivä": "1.6.2025", "Hakija": "Testiyhdistys 1 ry", "Y-tunnus": app_row(1)["Y-tunnus"],
        "Avustusmuoto": "Toiminta-avustus", "Vuosi": 2025, "Myönnetty": "3 000"}]))
    _again_is_real(store, settings, ran, reread)
    cli("import", "--reports", SAMPLE / "kayttoselvitykset.xlsx")
    _again_is_real(store, settings, ran, reread)
    cli("positions", "import", SAMPLE / "sidonnaisuudet.xlsx")
    _again_is_real(store, settings, ran, reread, every=True)
    # another day, other settings, a new program version
    _again_is_real(store, settings, ran, reread, day=DAY + dt.timedelta(days=1), every=True)
    settings = dataclasses.replace(settings, report_months=7)
    _again_is_real(store, settings, ran, reread, day=DAY + dt.timedelta(days=1), every=True)
    monkeypatch.setattr(checks, "_CODE_FINGERPRINT", "a newer program")
    _again_is_real(store, settings, ran, reread, day=DAY + dt.timedelta(days=1), every=True)
    # an application removed
    with store.transaction():
        store.conn.execute("delete from applications where id = ?", (rows[2]["Hakemusnumero"],))
    _again_is_real(store, settings, ran, reread, day=DAY + dt.timedelta(days=1), runs=False)
    shown = [r.app.id for r in checks.run_check(store, settings, DAY + dt.timedelta(days=1), slim=True)]
    assert rows[2]["Hakemusnumero"] not in shown and rows[1]["Hakemusnumero"] in shown


def test_a_check_of_some_applications_on_another_day_makes_the_next_whole_check_real(tmp_path, ran, reread):
    _, store, settings = _sample(tmp_path)
    whole = _shown(checks.run_check(store, settings, DAY, slim=True))
    some = [whole[0][0], whole[1][0]]
    checks.run_check(store, settings, DAY + dt.timedelta(days=400), some, slim=True)
    assert sorted(ran[-2:]) == some
    _again_is_real(store, settings, ran, reread)
    assert _shown(checks.run_check(store, settings, DAY, slim=True)) == whole
    checks.run_check(store, settings, DAY, some, slim=True)  # the same inputs: still the whole round's results
    ran.clear()
    assert _shown(checks.run_check(store, settings, DAY, slim=True)) == whole
    assert ran == []


def test_an_acceptance_on_an_unchanged_round_changes_the_verdict_read_back(tmp_path, ran, reread):
    _, store = _round(tmp_path, [app_row(1, Toimintakunnat="Jyväskylä; Tampere"), app_row(2)])
    settings = default_settings()
    first = {r.app.id: r for r in checks.run_check(store, settings, DAY, slim=True)}
    for code in {f.code for f in first["H-0001"].findings}:
        checks.accept(store, "H-0001", code, "Virkailijan harkinta.")
    ran.clear()
    now = {r.app.id: r for r in checks.run_check(store, settings, DAY, slim=True)}
    assert ran == [] and reread[0] == 1
    assert first["H-0001"].verdict.value != "eligible" == now["H-0001"].verdict.value
    assert store.verdicts()["H-0001"]["verdict"] == "eligible"
    for code in {f.code for f in first["H-0001"].findings}:
        checks.unaccept(store, "H-0001", code)
    again = {r.app.id: r for r in checks.run_check(store, settings, DAY, slim=True)}
    assert reread[0] == 2 and again["H-0001"].verdict == first["H-0001"].verdict
    assert store.verdicts()["H-0001"]["verdict"] == first["H-0001"].verdict.value


def test_a_missing_stored_verdict_makes_the_check_run_the_rules_for_it(tmp_path, ran, reread):
    _, store, settings = _sample(tmp_path)
    whole = _shown(checks.run_check(store, settings, DAY, slim=True))
    with store.transaction():
        store.conn.execute("delete from verdicts where application_id = ?", (whole[-1][0],))
    ran.clear()
    assert _shown(checks.run_check(store, settings, DAY, slim=True)) == whole
    assert reread[0] == 1 and ran == [whole[-1][0]]
    assert store.count("checks") == 2 and whole[-1][0] in store.verdicts()


@pytest.mark.parametrize("dist", ["holidays", "Babel", "python-stdnum", "openpyxl"])
def test_the_library_versions_in_the_code_fingerprint_are_the_installed_ones(dist):
    import importlib.metadata

    assert checks.dist_version(dist) == importlib.metadata.version(dist)

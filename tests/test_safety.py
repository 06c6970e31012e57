"""Backups, restore, schema migrations, the personal-data inventory and purge."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from avustus_cli.adapters import store as store_mod
from avustus_cli.adapters.store import Store
from avustus_cli.services import safety

from .conftest import app_row, dump, write_xlsx

DATA = Path(__file__).parent / "data"
PERSONAL_VALUES = ("Maija Meikäläinen", "maija@example.fi", "040 000 0001", "FI2112345600000785", "FI21 1234 5600 0007 85")


def _imported(cli, workdir: Path, n: int = 3) -> Path:
    r = cli("import", write_xlsx(workdir / "v.xlsx", [app_row(i) for i in range(1, n + 1)]))
    assert r.exit_code == 0, r.output
    return workdir / "avustus.db"


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("pragma integrity_check").fetchone()[0]
    finally:
        conn.close()


def _backups(workdir: Path) -> list[Path]:
    folder = workdir / "varmuuskopiot"
    return sorted(folder.glob("*.db")) if folder.exists() else []


# --- backup ---------------------------------------------------------------


def test_backup_is_consistent_owner_only_and_timestamped(cli, workdir):
    db = _imported(cli, workdir)
    r = cli("backup")
    assert r.exit_code == 0, r.output
    path = Path(r.stdout.strip())
    assert path.parent == workdir / "varmuuskopiot"
    assert path.name.startswith("avustus-20") and path.suffix == ".db"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert dump(path) == dump(db) and _integrity(path) == "ok"
    r2 = cli("backup", workdir / "muualle")
    assert r2.exit_code == 0
    p2 = Path(r2.stdout.strip())
    assert p2.parent == workdir / "muualle" and p2 != path  # a second backup never overwrites the first


def test_backup_without_database_refused(cli, workdir):
    r = cli("backup")
    assert r.exit_code == 2 and "Virhe:" in r.stderr and "ei ole" in r.stderr
    assert not (workdir / "avustus.db").exists()


def test_backup_refused_inside_write_transaction(cli, workdir):
    s = Store.open(_imported(cli, workdir))
    with s.transaction():
        with pytest.raises(Exception, match="ennen muutosten"):
            safety.take_backup(s)
    s.close()


# --- restore --------------------------------------------------------------


def test_restore_brings_back_the_backup_and_keeps_the_current(cli, workdir):
    db = _imported(cli, workdir, 2)
    backup = Path(cli("backup").stdout.strip())
    at_backup = dump(db)
    cli("import", write_xlsx(workdir / "v2.xlsx", [app_row(1, Hakija="Muutettu ry"), app_row(2), app_row(3)]))
    after_changes = dump(db)
    assert after_changes != at_backup
    r = cli("restore", backup, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["applications"] == 2 and res["schema_version"] == store_mod.SCHEMA_VERSION
    now = dump(db)
    assert {t: rows for t, rows in now.items() if t != "audit_log"} == {t: rows for t, rows in at_backup.items() if t != "audit_log"}
    assert [row for row in now["audit_log"] if row not in at_backup["audit_log"]][0][6] == "restore"
    previous = Path(res["previous_backup"])
    assert "ennen-palautusta" in previous.name and dump(previous) == after_changes  # nothing is lost by restoring
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600 and _integrity(db) == "ok"


def _corrupt_copy(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    for off in range(4096 * 3, len(data) - 4096, 4096):  # scribble over b-tree pages, keep the header
        data[off : off + 64] = b"\xff" * 64
    dst.write_bytes(bytes(data))
    return dst


def _foreign_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("create table notes (x)")
    conn.execute("pragma user_version = 1")
    conn.commit()
    conn.close()
    return path


def _newer_db(src: Path, path: Path) -> Path:
    shutil.copy(src, path)
    conn = sqlite3.connect(path)
    conn.execute("pragma user_version = 99")
    conn.commit()
    conn.close()
    return path


RESTORE_REFUSALS = [
    # (name, how to make it from a good backup, expected words)
    ("puuttuu.db", lambda good, p: p, ["ei löydy"]),
    ("teksti.db", lambda good, p: (p.write_text("Hakemusnumero;Hakija\n", encoding="utf-8"), p)[1], ["ei SQLite-tiedosto"]),
    ("vioittunut.db", lambda good, p: _corrupt_copy(good, p), ["vioittunut"]),
    ("katkennut.db", lambda good, p: (p.write_bytes(good.read_bytes()[:6000]), p)[1], ["vioittunut"]),
    ("muu.db", lambda good, p: _foreign_db(p), ["ei ole avustus-tietokanta", "applications"]),
    ("uudempi.db", lambda good, p: _newer_db(good, p), ["uudemmalla avustus-versiolla", "skeema 99"]),
]


@pytest.mark.parametrize("name,make,words", RESTORE_REFUSALS, ids=[r[0] for r in RESTORE_REFUSALS])
def test_restore_refuses_bad_files_and_changes_nothing(cli, workdir, name, make, words):
    db = _imported(cli, workdir)
    good = Path(cli("backup").stdout.strip())
    bad = make(good, workdir / name)
    before = dump(db)
    n_backups = len(_backups(workdir))
    r = cli("restore", bad)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Virhe:") and r.stderr.count("Virhe:") == 1 and "Traceback" not in r.output
    assert r.stderr.strip().count("\n") == 0, r.stderr  # one line, however many problems SQLite lists
    for w in words:
        assert w in r.stderr, r.stderr
    assert dump(db) == before
    assert len(_backups(workdir)) == n_backups  # refused before anything was touched


def test_restore_refuses_the_live_database_itself(cli, workdir):
    db = _imported(cli, workdir)
    r = cli("restore", db)
    assert r.exit_code == 2 and "sama tiedosto" in r.stderr


def test_restore_over_a_broken_database(cli, workdir):
    db = _imported(cli, workdir)
    good = Path(cli("backup").stdout.strip())
    expected = dump(good)
    db.write_bytes(b"this is no longer a database" * 200)
    (workdir / "avustus.db-journal").write_bytes(b"stale journal")
    r = cli("restore", good)
    assert r.exit_code == 0, r.output
    assert _integrity(db) == "ok"
    assert dump(db)["applications"] == expected["applications"]
    assert not (workdir / "avustus.db-journal").exists()
    kept = [p for p in _backups(workdir) if "ennen-palautusta" in p.name]
    assert kept and kept[0].read_bytes().startswith(b"this is no longer")  # the broken file is kept as it was


def test_restore_of_older_schema_migrates_with_backup(cli, workdir, monkeypatch):
    db = _imported(cli, workdir)
    _add_v2(monkeypatch)
    v1 = workdir / "v1.db"
    shutil.copy(DATA / "schema_v1.db", v1)
    r = cli("restore", v1, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    latest = store_mod.SCHEMA_VERSION
    assert (res["schema_version"], res["migrated_to"]) == (1, latest)
    assert any(f"migraatio-1-{latest}" in p.name for p in _backups(workdir))
    assert sqlite3.connect(db).execute("pragma user_version").fetchone()[0] == latest


# --- schema migrations ----------------------------------------------------


def _add_v2(monkeypatch, sql: str = "ALTER TABLE applications ADD COLUMN note TEXT; CREATE TABLE v2_marker (x INTEGER)") -> None:
    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, sql])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(store_mod.MIGRATIONS))
    monkeypatch.setattr(safety, "SCHEMA_VERSION", len(store_mod.MIGRATIONS))


def _v1_copy(tmp_path: Path) -> Path:
    db = tmp_path / "avustus.db"
    shutil.copy(DATA / "schema_v1.db", db)
    return db


def test_first_released_schema_opens_and_migrates_to_current(tmp_path):
    db = _v1_copy(tmp_path)
    conn = sqlite3.connect(db)
    file_version = conn.execute("pragma user_version").fetchone()[0]
    conn.close()
    before = dump(db)
    assert file_version == 1 and len(before["applications"]) == 2 and len(before["payments"]) == 1
    s = Store.open(db)
    assert s.schema_version() == store_mod.SCHEMA_VERSION
    assert [a.id for a in s.applications()] == ["H-0001", "H-0002"]
    g = {x.id: x for x in s.grants()}
    assert g["H-0001"].amount == Decimal("10000.00") and g["H-0001"].paid_date == dt.date(2027, 3, 1)
    assert s.application("H-0001", with_personal=True).email == "maija@example.fi"
    assert s.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    s.close()
    backups = list((tmp_path / "varmuuskopiot").glob("*.db")) if (tmp_path / "varmuuskopiot").exists() else []
    assert bool(backups) == (file_version < store_mod.SCHEMA_VERSION)
    after = dump(db)
    for t, rows in before.items():
        if t not in ("audit_log", "findings"):  # migration 10 moves the findings beside the verdicts (test_rule_inputs)
            # later migrations may add columns (at the end, empty): every value that was there is still there
            assert len(after[t]) == len(rows)
            assert [r[: len(b)] for r, b in zip(sorted(after[t], key=lambda r: r[0]), sorted(rows, key=lambda r: r[0]), strict=False)] == sorted(rows, key=lambda r: r[0])


def test_simulated_next_migration_takes_a_backup_and_keeps_data(tmp_path, monkeypatch):
    db = _v1_copy(tmp_path)
    before = dump(db)
    _add_v2(monkeypatch)  # one more migration after the real ones
    latest = store_mod.SCHEMA_VERSION
    s = Store.open(db)
    assert s.schema_version() == latest
    assert s.conn.execute("select count(*) from v2_marker").fetchone()[0] == 0
    assert [a["action"] for a in s.audit_rows("database")] == ["migrate"]
    assert s.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    s.close()
    after = dump(db)
    width = len(before["applications"][0])
    assert [r[:width] for r in after["applications"]] == before["applications"]  # new columns come last
    assert after["grants"] == before["grants"] and after["payments"] == before["payments"]
    (backup,) = (tmp_path / "varmuuskopiot").glob(f"*migraatio-1-{latest}*.db")
    assert dump(backup) == before and stat.S_IMODE(os.stat(backup).st_mode) == 0o600


def test_failing_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    db = _v1_copy(tmp_path)
    before = dump(db)
    _add_v2(monkeypatch, "ALTER TABLE applications ADD COLUMN note TEXT; CREATE TABLE broken (")
    with pytest.raises(sqlite3.OperationalError):
        Store.open(db)
    assert dump(db) == before
    conn = sqlite3.connect(db)
    assert conn.execute("pragma user_version").fetchone()[0] == 1  # not even the real migrations half done
    conn.close()


def test_v0_file_gets_the_whole_schema(tmp_path):
    db = tmp_path / "avustus.db"
    conn = sqlite3.connect(db)
    conn.execute("pragma user_version = 0")
    conn.close()
    s = Store.open(db)
    assert s.schema_version() == store_mod.SCHEMA_VERSION
    assert {"applications", "grants", "payments", "audit_log"} <= set(s.db.table_names())
    assert s.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    s.close()
    assert not (tmp_path / "varmuuskopiot").exists()  # nothing to back up in an empty file


def test_database_from_a_newer_version_refused(tmp_path):
    db = _v1_copy(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute(f"pragma user_version = {store_mod.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(Exception, match="uudemmalla avustus-versiolla"):
        Store.open(db)


# --- personal data: privacy and purge --------------------------------------

AS_OF = dt.date(2037, 6, 1)


def _round(cli, workdir: Path) -> Path:
    """Four applications: paid 11 years ago, paid 9 years ago, never granted (old), granted but unpaid (recent)."""
    rows = [
        app_row(1, Saapunut="1.12.2025"),
        app_row(2, Saapunut="1.12.2027", Yhteyshenkilö="Kalle Kontakti", Sähköposti="kalle@example.fi"),
        app_row(3, Saapunut="1.12.2025", Puhelin="050 123 4567"),
        app_row(4, Saapunut="1.12.2035"),
    ]
    assert cli("import", write_xlsx(workdir / "v.xlsx", rows)).exit_code == 0
    db = workdir / "avustus.db"
    s = Store.open(db)
    with s.transaction():
        for app_id, paid in (("H-0001", dt.date(2026, 3, 1)), ("H-0002", dt.date(2028, 3, 1)), ("H-0004", None)):
            s.upsert_grant({"id": app_id, "application_id": app_id, "applicant": "x", "business_id": None, "form": "operating",
                            "year": 2036 if paid is None else paid.year, "amount_cents": 500000, "decision_date": "2036-01-28" if paid is None else f"{paid.year}-01-28",
                            "source": "decision"})
            if paid:
                s.add_payment(app_id, Decimal("5000"), paid, "maksu")
        s.upsert_grant({"id": "H-0003", "application_id": "H-0003", "applicant": "x", "business_id": None, "form": "operating",
                        "year": 2026, "amount_cents": 0, "source": "decision"})  # refused
    s.close()
    return db


def _personal(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    try:
        return {i: (json.loads(p), json.loads(r)) for i, p, r in conn.execute("select id, personal, raw_row from applications")}
    finally:
        conn.close()


def test_privacy_lists_where_and_how_much(cli, workdir):
    _round(cli, workdir)
    r = cli("privacy", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    rows = {loc["column"]: loc for loc in data["locations"]}
    assert rows["personal.email"]["rows"] == 4 and rows["personal.iban"]["rows"] == 4
    assert rows["raw_row"]["rows"] == 4 and rows["raw_row"]["cells"] == 16
    assert data["applications_with_personal_data"] == 4
    assert not any(v in r.stdout for v in PERSONAL_VALUES)  # counts, never the data
    table = cli("privacy")
    assert table.exit_code == 0 and "personal.iban" in table.stdout and "Maija" not in table.stdout


def test_purge_removes_only_what_retention_allows(cli, workdir):
    db = _round(cli, workdir)
    before = dump(db)
    dry = cli("purge", "--as-of", AS_OF.strftime("%d.%m.%Y"), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["application_ids"] == ["H-0001", "H-0003"]  # paid 11 years ago; refused, arrived 2025
    assert plan["fields"] == {"contact_person": 2, "email": 2, "phone": 2, "iban": 2, "personal_extra": 0} and plan["raw_cells"] == 8
    assert plan["kept"] == 2 and plan["backup"] is None
    assert dump(db) == before and not _backups(workdir)

    r = cli("purge", "--as-of", AS_OF.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["application_ids"] == ["H-0001", "H-0003"] and res["raw_cells"] == 8
    after = _personal(db)
    for gone in ("H-0001", "H-0003"):
        personal, raw = after[gone]
        assert personal == {}
        assert all(raw[h] is None for h in ("Yhteyshenkilö", "Sähköposti", "Puhelin", "Tilinumero"))
        assert raw["Hakija"].startswith("Testiyhdistys")  # the rest of the exported row stays
    assert after["H-0002"][0]["email"] == "kalle@example.fi"  # paid 9 years ago: kept
    assert after["H-0004"][0]["iban"] == "FI2112345600000785"  # granted, not yet paid: kept
    now = dump(db)
    for t in ("grants", "payments", "organisations", "imports"):
        assert now[t] == before[t]  # decisions and amounts unchanged
    # every column of applications but personal (9) and raw_row (10) is as it was
    assert [r[:9] + r[11:] for r in now["applications"]] == [r[:9] + r[11:] for r in before["applications"]]
    backup = Path(res["backup"])
    assert "purge" in backup.name and dump(backup) == before
    audit = [row for row in now["audit_log"] if row not in before["audit_log"]]
    assert sorted((a[4], a[5], a[6]) for a in audit) == [
        ("application", "H-0001", "purge-personal"), ("application", "H-0003", "purge-personal"), ("privacy", None, "purge")]
    text = json.dumps(audit, ensure_ascii=False)
    assert not any(v in text for v in PERSONAL_VALUES)
    summary = json.loads(next(a for a in audit if a[6] == "purge")[7])
    assert summary["applications"] == 2 and summary["fields"]["email"] == 2 and summary["raw_cells"] == 8
    # nothing left to do the second time, and no data changes; the pre-purge backup (taken today,
    # long before the 2037 purge date) is past the backup rotation and goes, which the log records
    again = json.loads(cli("purge", "--as-of", AS_OF.isoformat(), "--json").stdout)
    after = dump(db)
    assert again["applications"] == 0 and again["old_backups"] == [backup.name]
    assert {t: r for t, r in after.items() if t != "audit_log"} == {t: r for t, r in now.items() if t != "audit_log"}
    assert [a[6] for a in after["audit_log"][len(now["audit_log"]):]] == ["delete-backups"]


def test_purged_values_are_not_left_in_the_file(cli, workdir):
    db = _round(cli, workdir)
    assert cli("purge", "--as-of", AS_OF.isoformat()).exit_code == 0
    raw = db.read_bytes()
    assert b"050 123 4567" not in raw  # only H-0003 had this number: not left behind in free space


def test_purge_as_of_must_be_a_date(cli, workdir):
    _round(cli, workdir)
    r = cli("purge", "--as-of", "ensi vuonna")
    assert r.exit_code == 2 and r.stderr.startswith("Virhe: --as-of 'ensi vuonna' ei ole päivämäärä")


def test_retention_basis_rules():
    from avustus_cli.adapters.store.safety import RetentionRow

    row = RetentionRow("A", "2026-12-10T09:00:00", 2027, {}, {}, [])
    assert safety.retention_basis(row)[0] == dt.date(2026, 12, 31)
    row.granted, row.decision_dates = True, ["2027-01-28"]
    assert safety.retention_basis(row)[0] == dt.date(2027, 1, 28)
    row.last_payment = "2027-03-01"
    assert safety.retention_basis(row)[0] == dt.date(2027, 3, 1)
    assert safety._add_years(dt.date(2028, 2, 29), 10) == dt.date(2038, 2, 28)
    assert safety.retention_basis(RetentionRow("B", None, None, {}, {}, []))[0] is None


def test_unknown_personal_looking_columns_are_personal_data(cli, workdir):
    """An export column the tool does not know but whose header says phone/e-mail/contact is kept as
    personal data: not in the application's data, counted by privacy, removed by purge."""
    rows = [app_row(1, Saapunut="1.12.2025", **{"Varayhteyshenkilön puhelin": "040 999 8877",
                                                 "Lomakkeen versio": "v3"})]
    r = cli("import", write_xlsx(workdir / "v.xlsx", rows), "--json")
    res = json.loads(r.stdout)
    assert res["personal_columns"] == ["Varayhteyshenkilön puhelin"] and res["unknown_columns"] == ["Lomakkeen versio"]
    db = workdir / "avustus.db"
    conn = sqlite3.connect(db)
    data, personal, headers = conn.execute("select data, personal, personal_headers from applications").fetchone()
    conn.close()
    assert "040 999 8877" not in data and "v3" in data
    assert json.loads(personal)["personal_extra"] == {"Varayhteyshenkilön puhelin": "040 999 8877"}
    assert "Varayhteyshenkilön puhelin" in json.loads(headers)
    assert "040 999 8877" not in cli("check", "--as-of", "2027-01-10", "--json").stdout
    rows_ = {loc["column"]: loc for loc in json.loads(cli("privacy", "--json").stdout)["locations"]}
    assert rows_["personal.personal_extra"]["rows"] == 1
    s = Store.open(db)
    with s.transaction():
        s.upsert_grant({"id": "H-0001", "application_id": "H-0001", "applicant": "x", "business_id": None, "form": "operating",
                        "year": 2026, "amount_cents": 0, "source": "decision"})
    s.close()
    assert cli("purge", "--as-of", AS_OF.isoformat()).exit_code == 0
    assert b"040 999 8877" not in db.read_bytes()


def test_purge_deletes_backups_older_than_the_rotation(cli, workdir):
    """Backups hold personal data too: purge deletes those older than system.backup_keep_days (default 180)."""
    import os
    import time

    db = _round(cli, workdir)
    folder = db.parent / "varmuuskopiot"
    assert cli("backup").exit_code == 0
    old = next(folder.glob("*.db"))
    stamp = time.mktime(dt.datetime(2030, 1, 1).timetuple())
    os.utime(old, (stamp, stamp))  # taken long before the purge date
    assert cli("backup").exit_code == 0
    recent = [p for p in folder.glob("*.db") if p != old]
    stamp = time.mktime(dt.datetime(2037, 5, 1).timetuple())
    for p in recent:
        os.utime(p, (stamp, stamp))
    dry = json.loads(cli("purge", "--as-of", AS_OF.isoformat(), "--dry-run", "--json").stdout)
    assert dry["old_backups"] == [str(old)] and old.exists()
    res = json.loads(cli("purge", "--as-of", AS_OF.isoformat(), "--json").stdout)
    assert res["old_backups"] == [old.name] and not old.exists()
    assert all(p.exists() for p in recent)
    assert any(a["action"] == "delete-backups" for a in Store.open(db).audit_rows("privacy"))


def test_readers_and_backup_read_while_another_command_writes(cli, workdir, tmp_path):
    """A writer in the middle of a large transaction (its changes spill out of the page cache, which in
    a rollback journal locks every reader out) does not stop status-like reads or a backup: they see
    the last committed state at once. A reader that still cannot read says another command is
    writing, never that the database is damaged."""
    db = _imported(cli, workdir)
    before = dump(db)
    writer = Store.open(db)
    writer.conn.execute("PRAGMA cache_size = 5")
    try:
        with pytest.raises(RuntimeError, match="keskeytetty"), writer.transaction():  # rolled back at the end
            for i in range(3000):
                writer.audit("test", str(i), "write", {"padding": "x" * 2000})
            reader = Store.open(db, lock_timeout=0.5, create=False)
            try:
                assert reader.conn.execute("select count(*) from applications").fetchone()[0] == 3
                assert reader.conn.execute("select count(*) from audit_log where entity = 'test'").fetchone()[0] == 0
            finally:
                reader.close()
            copy = safety.sql.backup_file(db, tmp_path / "kopio.db", 0.5)
            assert dump(copy) == before
            assert not Path(f"{copy}-wal").exists()  # a backup is one file
            raise RuntimeError("keskeytetty")
    finally:
        writer.close()
    assert dump(db) == before


def test_reader_locked_out_says_another_command_writes(cli, workdir):
    db = _imported(cli, workdir)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(store_mod.DatabaseError) as e:
            Store.open(db, lock_timeout=0.2, create=False)
        # the same message as a waiting writer gets (no holder named: this one wrote no entry)
        assert str(e.value) == ("tietokantaa avustus.db käyttää toinen komento; odotettiin 0.2 s. Tietokanta on "
                                "kunnossa. Odota, että se päättyy, ja yritä uudelleen.")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _corrupt(db: Path) -> None:
    """Overwrite the page header of the root pages of the applications table and of the rule inputs (a
    check reads an imported round's applications from those): the file opens, its schema reads, and
    SQLite finds the damage only when a command reads the applications."""
    conn = sqlite3.connect(db)
    try:
        roots = [r[0] for r in conn.execute("select rootpage from sqlite_master where name in ('applications', 'rule_inputs')")]
    finally:
        conn.close()
    assert len(roots) == 2
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for root in roots:
        start = (root - 1) * page
        data[start:start + 12] = b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    db.write_bytes(bytes(data))


def test_a_damaged_database_is_named_and_the_latest_backup_offered(cli, workdir):
    """A database whose pages are damaged: backup refuses (no copy that fails integrity_check is
    called a backup), and every other command says the database is damaged and how to restore the
    latest backup, instead of an unexpected program error."""
    db = _imported(cli, workdir)
    good = Path(cli("backup").stdout.strip())
    _corrupt(db)
    damaged = db.read_bytes()
    r = cli("backup")
    assert r.exit_code == 2, r.output
    assert "Varmuuskopio otettu" not in r.output and "vioittunut" in r.stderr
    assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0, r.stderr
    assert _backups(workdir) == [good]
    for args in (["status"], ["check", "--as-of", "2027-01-10"], ["privacy"], ["import", workdir / "v.xlsx"]):
        r = cli(*args)
        text = " ".join(r.stderr.split())
        assert r.exit_code == 2, (args, r.output)
        assert "odottamaton" not in text and "vioittunut" in text, (args, text)
        assert f"avustus restore {good}" in text, (args, text)
    assert db.read_bytes() == damaged
    assert cli("restore", good).exit_code == 0
    assert cli("status").exit_code == 0


def test_a_database_with_many_damaged_pages_is_named_in_one_line(cli, workdir):
    """SQLite lists the problems of a damaged file in one row, line after line ("*** in database
    main ***", "Page 5: ...", "Page 65 is never used", ... up to a hundred): backup and restore
    name the first and count the rest, on one line, instead of printing the whole list."""
    db = _imported(cli, workdir, n=200)
    good = Path(cli("backup").stdout.strip())
    _scribble_root(db)  # the applications table's root page: its other pages are left unreachable
    problems = [r[0] for r in sqlite3.connect(db).execute("PRAGMA quick_check")]
    assert len("\n".join(problems).splitlines()) > 3, problems  # the case: many problems, one row
    damaged = db.read_bytes()
    for args in (["backup"], ["restore", _copy(db, workdir / "vioittunut.db")]):
        r = cli(*args)
        assert r.exit_code == 2, (args, r.output)
        assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0, (args, r.stderr)
        assert "vioittunut" in r.stderr and "muuta ongelmaa" in r.stderr, (args, r.stderr)
    assert db.read_bytes() == damaged and _backups(workdir) == [good]


def _scribble_root(db: Path) -> None:
    """Overwrite the start of the applications table's root page (a page that still reads as a
    b-tree page, but whose children are lost)."""
    conn = sqlite3.connect(db)
    try:
        root = conn.execute("select rootpage from sqlite_master where name = 'applications'").fetchone()[0]
        page = conn.execute("pragma page_size").fetchone()[0]
    finally:
        conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * page:(root - 1) * page + 200] = b"\x07" * 200
    db.write_bytes(bytes(data))


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst


@pytest.mark.parametrize(("writable", "expected"), [(False, "vain luku -tilassa"), (True, "ei voi avata")])
def test_a_database_sqlite_cannot_open_is_not_called_damaged(cli, workdir, monkeypatch, writable, expected):
    """On a read-only disk or folder SQLite cannot even read a database in write-ahead-log mode (it needs
    its -wal and -shm files beside it): every command said the file was not an avustus database or was
    damaged. It is named read-only (or not openable), with nothing changed. A user who is not root gets
    a real read-only folder; as root (whom permissions do not stop) the kernel's answer is given."""
    db = _imported(cli, workdir)
    before = db.read_bytes()
    if os.geteuid() != 0 and not writable:
        os.chmod(db, 0o444)
        os.chmod(workdir, 0o555)  # undone below, whatever happens
    else:
        real_connect, real_access = sqlite3.connect, os.access

        def connect(database, *args, **kwargs):
            if Path(str(database)) == db:
                raise sqlite3.OperationalError("unable to open database file")
            return real_connect(database, *args, **kwargs)

        def access(path, mode, **kwargs):
            if mode == os.W_OK and Path(path) in (db, db.parent):
                return writable
            return real_access(path, mode, **kwargs)

        monkeypatch.setattr(sqlite3, "connect", connect)
        monkeypatch.setattr(os, "access", access)
    try:
        for args in (["status"], ["import", workdir / "v.xlsx"], ["check", "--as-of", "2027-01-10"]):
            r = cli(*args)
            text = " ".join(r.stderr.split())
            assert r.exit_code == 2, (args, r.output)
            assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0, (args, r.stderr)
            assert expected in text and "Mitään ei muutettu" in text, (args, text)
            assert "vioittunut" not in text and "odottamaton" not in text, (args, text)
    finally:
        os.chmod(workdir, 0o755)
        os.chmod(db, 0o644)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("message", "expected"),
    [("attempt to write a readonly database", "vain luku -tilassa"), ("database or disk is full", "levy on täynnä")],
)
def test_a_read_only_or_full_database_is_a_finnish_line(cli, workdir, monkeypatch, message, expected):
    """SQLite refusing a write mid-command (a read-only file or folder, a full disk: as root the test
    cannot make a file read-only, so SQLite's own error is raised where the first write happens)."""
    db = _imported(cli, workdir)
    before = dump(db)

    def refuse(self, *args, **kwargs):
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(Store, "write_applications", refuse)
    r = cli("import", write_xlsx(workdir / "v4.xlsx", [app_row(i) for i in range(1, 5)]))
    text = " ".join(r.stderr.split())
    assert r.exit_code == 2, r.output
    assert expected in text and "Mitään ei muutettu" in text and "odottamaton" not in text, text
    monkeypatch.undo()
    assert dump(db) == before


@pytest.mark.parametrize("new_database", [False, True], ids=["import", "first-open"])
def test_a_disk_that_fills_up_mid_command_is_a_finnish_line(cli, workdir, monkeypatch, new_database):
    """A real SQLITE_FULL (the database may not grow past its size now, as on a full disk): SQLite
    rolls the transaction back itself, and the command's own ROLLBACK then failed ("cannot rollback -
    no transaction is active") and hid it: "odottamaton ohjelmavirhe". It names the full disk, and
    the database is as before (a first open: no schema half made)."""
    db = workdir / "avustus.db"
    if not new_database:
        _imported(cli, workdir)
    before = dump(db)
    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):
        conn = real_connect(database, *args, **kwargs)
        if Path(str(database)) == db:
            pages = conn.execute("pragma page_count").fetchone()[0]
            conn.execute(f"pragma max_page_count = {max(pages, 1) + 1}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    rows = [app_row(i, **{"Toiminnan kuvaus": "Vertaistukea. " * 400}) for i in range(1, 40)]
    r = cli("import", write_xlsx(workdir / "iso.xlsx", rows))
    monkeypatch.undo()
    text = " ".join(r.stderr.split())
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Virhe:") and r.stderr.strip().count("\n") == 0, r.stderr
    assert "levy on täynnä" in text and "Mitään ei muutettu" in text and "odottamaton" not in text, text
    assert dump(db) == before or (new_database and dump(db) == {})

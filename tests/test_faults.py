"""Real processes: killed in the middle of a write, and two officers writing at once.

Each test starts ``python -m avustus_cli`` (through a tiny runner that adds
fault checkpoints to the store) and either SIGKILLs it at a known point or runs
a second process against the same database. Afterwards the database must pass
``PRAGMA integrity_check`` and hold exactly the state before the command, or
(if it finished) the whole result. Run alone: ``pytest -m fault``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import HEADERS, Cli, app_row, dump, write_xlsx

pytestmark = [pytest.mark.fault, pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

RUNNER = textwrap.dedent(
    """
    # Runs the avustus command line with fault checkpoints around the store's writes.
    import sys
    from avustus_cli.adapters import faults
    from avustus_cli.adapters.store import Store

    _write, _update_import = Store.write_applications, Store.update_import
    _rows = [0]

    def write_applications(self, rows, *a, **k):
        _write(self, rows, *a, **k)
        for _ in rows:  # a point after each row written (rows are written a batch at a time)
            _rows[0] += 1
            faults.checkpoint("import-row", _rows[0])

    def update_import(self, *a, **k):
        _update_import(self, *a, **k)
        faults.checkpoint("import-end")  # the last write before COMMIT

    Store.write_applications, Store.update_import = write_applications, update_import
    from avustus_cli.cli import main
    sys.argv[0] = "avustus"
    main()
    """
)


def _cell_xml(ref: str, value: object) -> str:
    """One cell as openpyxl's write-only mode writes it (inline string or number)."""
    if isinstance(value, int):
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    text = str(value)
    assert text == text.strip()  # openpyxl would add xml:space="preserve"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _write_export(path: Path, rows: list[list[object]]) -> Path:
    """A large export in the bytes openpyxl's write-only mode gives, without its per-cell cost: openpyxl
    writes the package around the header row, and the rows are put into its sheet as text."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.create_sheet("Hakemukset").append(HEADERS)
    template = path.with_suffix(".template.xlsx")
    wb.save(template)
    letters = [get_column_letter(i) for i in range(1, len(HEADERS) + 1)]
    body = "".join(f'<row r="{n}">' + "".join(_cell_xml(f"{c}{n}", v) for c, v in zip(letters, row, strict=True))
                   + "</row>" for n, row in enumerate(rows, start=2))
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == sheet:
                data = data.replace(b"</row></sheetData>", b"</row>" + body.encode("ascii", "xmlcharrefreplace")
                                    + b"</sheetData>", 1)
            dst.writestr(info, data)
    template.unlink()
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A 20 000-row export, a 3 000-row one overlapping a 50-row base, and the runner."""
    d = tmp_path_factory.mktemp("fault-files")
    out = {"base": write_xlsx(d / "base.xlsx", [app_row(i) for i in range(1, 51)])}
    for name, n in (("big", 20_000), ("mid", 3_000)):
        rows = []
        for i in range(1, n + 1):
            r = app_row(i, **({"Haettu summa": 7000 + i} if i % 2 else {}))  # half of the base rows change
            rows.append([r[h] for h in HEADERS])
        out[name] = _write_export(d / f"{name}.xlsx", rows)
    out["runner"] = d / "runner.py"
    out["runner"].write_text(RUNNER, encoding="utf-8")
    (d / "lock1.toml").write_text("[system]\nlock_timeout = 1\n", encoding="utf-8")
    out["lock1"] = d / "lock1.toml"
    return out


@pytest.fixture(scope="module")
def base_db(files, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("fault-base") / "avustus.db"
    r = Cli(db)("import", files["base"])  # the starting state: made in this process
    assert r.exit_code == 0, r.output
    return db


def _fresh(base_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "avustus.db"
    shutil.copy(base_db, db)
    return db


def _start(files, db: Path, *args: str, pause: str | None = None, marker: Path | None = None, settings: Path | None = None) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AVUSTUS_")}, "AVUSTUS_CACHE_DIR": ""}
    if pause:
        env.update(AVUSTUS_TEST_PAUSE_AT=pause, AVUSTUS_TEST_PAUSE_FILE=str(marker))
    cmd = [sys.executable, str(files["runner"]), "--db", str(db)]
    if settings:
        cmd += ["--settings", str(settings)]
    return subprocess.Popen([*cmd, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(marker: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"process ended before the pause point: {proc.stderr.read()}")
        if time.monotonic() > end:
            proc.kill()
            raise AssertionError("pause point not reached")
        time.sleep(0.02)


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()


def _check_integrity(db: Path) -> None:
    """Open as the next command would (rolls back a hot journal) and run integrity_check."""
    from avustus_cli.adapters.store import Store

    s = Store.open(db, create=False)
    try:
        assert s.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        s.close()


# --- crashes ------------------------------------------------------------------

IMPORT_POINTS = ["import-row:1", "import-row:1500", "import-row:2975", "import-end"]  # 2975 = the last upsert (25 base rows unchanged)


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_import_killed_at_a_point_leaves_the_state_before(files, base_db, tmp_path, point):
    db = _fresh(base_db, tmp_path)
    before = dump(db)
    marker = tmp_path / "paused"
    proc = _start(files, db, "import", str(files["mid"]), pause=point, marker=marker)
    _wait_for(marker, proc)
    assert (tmp_path / "avustus.db-wal").exists()  # killed inside the write transaction (write-ahead log)
    _kill(proc)
    _check_integrity(db)
    assert dump(db) == before


def test_a_first_import_into_a_new_database_killed_midway_leaves_it_empty_and_logging_ahead_again(files, tmp_path):
    """The first import into a database it creates writes through a rollback journal (Store.writes_to_file):
    killed inside its transaction, the next open rolls the journal back and sets write-ahead logging again.
    Landed, the database is in write-ahead logging at once."""
    from avustus_cli.adapters.store import Store

    db = tmp_path / "avustus.db"
    marker = tmp_path / "paused"
    proc = _start(files, db, "import", str(files["mid"]), pause="import-row:1500", marker=marker)
    _wait_for(marker, proc)
    assert (tmp_path / "avustus.db-journal").exists() and not (tmp_path / "avustus.db-wal").exists()
    _kill(proc)
    _check_integrity(db)
    assert dump(db)["applications"] == []
    s = Store.open(db, create=False)
    try:
        assert s.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    finally:
        s.close()
    landed = tmp_path / "landed.db"
    assert Cli(landed)("import", files["base"]).exit_code == 0
    raw = sqlite3.connect(landed)
    try:
        assert raw.execute("pragma journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


@pytest.mark.parametrize("after", [0.2, 0.5, 1.0, 3.0])
def test_import_killed_after_a_time_is_all_or_nothing(files, base_db, tmp_path, after):
    db = _fresh(base_db, tmp_path)
    before = dump(db)
    proc = _start(files, db, "import", str(files["big"]), "--json")
    time.sleep(after)
    finished = proc.poll() is not None
    if finished:  # pragma: no cover - only on a very fast machine
        out = proc.stdout.read()
        proc.wait()
    else:
        _kill(proc)
    _check_integrity(db)
    now = dump(db)
    if finished:
        res = json.loads(out)
        assert len(now["applications"]) == len(before["applications"]) + len(res["new"]) == 20_000
    elif now != before:
        # killed after the commit but before the process had exited: then everything is there
        assert len(now["applications"]) == 20_000  # the big file's rows, the base rows among them
        assert len(now["imports"]) == len(before["imports"]) + 1


def _purge_db(base_db: Path, tmp_path: Path) -> Path:
    import datetime as dt
    from decimal import Decimal

    from avustus_cli.adapters.store import Store

    db = _fresh(base_db, tmp_path)
    s = Store.open(db)
    with s.transaction():
        for i in range(1, 21):
            gid = f"H-{i:04d}"
            s.upsert_grant({"id": gid, "application_id": gid, "applicant": "x", "business_id": None, "form": "operating",
                            "year": 2027, "amount_cents": 100000, "decision_date": "2027-01-28", "source": "decision"})
            s.add_payment(gid, Decimal("1000"), dt.date(2027, 3, 1), "maksu")
    s.close()
    return db


@pytest.mark.parametrize("point", ["purge-row:1", "purge-row:25", "purge-end"])
def test_purge_killed_leaves_the_state_before(files, base_db, tmp_path, point):
    db = _purge_db(base_db, tmp_path)
    before = dump(db)
    marker = tmp_path / "paused"
    proc = _start(files, db, "purge", "--as-of", "1.6.2040", pause=point, marker=marker)
    _wait_for(marker, proc)
    _kill(proc)
    _check_integrity(db)
    assert dump(db) == before
    # and run to the end (in this process) it does purge (the kill points were really inside the work)
    r = Cli(db)("purge", "--as-of", "1.6.2040", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["applications"] == 50


# --- two processes at once ------------------------------------------------------


def test_second_writer_waits_then_stops_with_a_finnish_message(files, base_db, tmp_path):
    db = _fresh(base_db, tmp_path)
    before = dump(db)
    marker = tmp_path / "paused"
    t_first = time.time()
    first = _start(files, db, "import", str(files["mid"]), pause="import-row:10", marker=marker)
    _wait_for(marker, first)
    if time.strftime("%H.%M", time.localtime(t_first)) != time.strftime("%H.%M"):
        t_first = time.time()  # the command started on the next minute
    try:
        for args in (["import", str(files["base"])], ["purge", "--as-of", "1.1.2050"]):
            t0 = time.monotonic()
            second = _start(files, db, *args, settings=files["lock1"])
            _, stderr = second.communicate(timeout=60)
            waited = time.monotonic() - t0
            assert second.returncode == 2, stderr
            line = " ".join(stderr.split())
            started = time.strftime("%H.%M", time.localtime(t_first))
            assert line.startswith(
                f"Virhe: tietokantaa avustus.db käyttää toinen komento (avustus import, käynnistetty klo {started}, "
                f"prosessi {first.pid}); odotettiin 1 s. Mitään ei muutettu. Odota, että se päättyy, ja yritä "
                "uudelleen."), stderr
            assert "Traceback" not in stderr and waited >= 1.0
        # a backup reads the last committed state while the other command writes
        b = subprocess.run([sys.executable, "-m", "avustus_cli", "--db", str(db), "backup", str(tmp_path / "bk")],
                           capture_output=True, text=True, timeout=60)
        assert b.returncode == 0, b.stderr
        assert dump(Path(b.stdout.strip())) == before
        # a restore waits for the writer too, and then refuses without touching anything
        r = subprocess.run([sys.executable, "-m", "avustus_cli", "--db", str(db), "--settings", str(files["lock1"]),
                            "restore", b.stdout.strip()], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "käyttää toinen komento (avustus import" in " ".join(r.stderr.split()), r.stderr
        assert "Mitään ei palautettu." in " ".join(r.stderr.split())
    finally:
        _kill(first)
    _check_integrity(db)
    assert dump(db) == before


def test_a_killed_lock_holder_is_not_named_and_its_entry_is_replaced(files, base_db, tmp_path):
    db = _fresh(base_db, tmp_path)
    marker = tmp_path / "paused"
    first = _start(files, db, "import", str(files["mid"]), pause="import-row:10", marker=marker)
    _wait_for(marker, first)
    entry = tmp_path / "avustus.db-kaytossa.json"
    assert json.loads(entry.read_text(encoding="utf-8"))["pid"] == first.pid  # readable without the lock
    _kill(first)
    assert entry.exists()  # a killed process cannot remove its entry
    # some other program holds the lock now: the dead process's entry is not reported as the holder
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = subprocess.run([sys.executable, "-m", "avustus_cli", "--db", str(db), "--settings", str(files["lock1"]),
                            "import", str(files["base"])], capture_output=True, text=True, timeout=60)
    finally:
        other.execute("ROLLBACK")
        other.close()
    line = " ".join(r.stderr.split())
    assert r.returncode == 2 and line.startswith("Virhe: tietokantaa avustus.db käyttää toinen komento; odotettiin 1 s."), r.stderr
    assert "prosessi" not in line
    # the next command that writes takes the lock, writes its own entry and removes it at the end
    r = subprocess.run([sys.executable, "-m", "avustus_cli", "--db", str(db), "import", str(files["base"])],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not entry.exists()


def test_concurrent_imports_all_land(files, base_db, tmp_path):
    db = _fresh(base_db, tmp_path)
    parts = []
    for k in range(4):
        parts.append(write_xlsx(tmp_path / f"osa{k}.xlsx", [app_row(1000 + 100 * k + i) for i in range(60)]))
    procs = [subprocess.Popen([sys.executable, "-m", "avustus_cli", "--db", str(db), "import", str(p), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in parts]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, errtext) in zip(procs, results, strict=True):
        assert p.returncode == 0, errtext
        assert len(json.loads(out)["new"]) == 60
    _check_integrity(db)
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from applications").fetchone()[0] == 50 + 240
    assert conn.execute("select count(*) from imports").fetchone()[0] == 1 + 4
    conn.close()


def test_two_first_opens_interleaved_both_succeed(tmp_path):
    """The interleaving two processes hit when both create a new database at the same moment."""
    from avustus_cli.adapters.store import Store

    db = tmp_path / "uusi.db"
    first = Store.open(db, migrate=False)  # saw user_version 0 ...
    Store.open(db).close()  # ... while another process created the schema
    try:
        first.migrate(0)  # must notice the schema is already there
        assert first.schema_version() >= 1
    finally:
        first.close()



def test_same_file_imported_twice_at_once_counts_once(files, base_db, tmp_path):
    db = _fresh(base_db, tmp_path)
    f = write_xlsx(tmp_path / "uudet.xlsx", [app_row(5000 + i) for i in range(200)])
    marker = tmp_path / "paused"
    env = {**os.environ, "AVUSTUS_TEST_PAUSE_AT": "import-row:1", "AVUSTUS_TEST_PAUSE_FILE": str(marker), "AVUSTUS_TEST_PAUSE_SECONDS": "3"}
    first = subprocess.Popen([sys.executable, str(files["runner"]), "--db", str(db), "import", str(f), "--json"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(marker, first)  # the first holds the write lock for 3 s, then commits
    second = subprocess.Popen([sys.executable, "-m", "avustus_cli", "--db", str(db), "import", str(f), "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    news = sorted(len(json.loads(p.communicate(timeout=120)[0])["new"]) for p in (first, second))
    assert news == [0, 200]


# --- propose and decide killed while writing their documents -----------------------------------

DOC_RUNNER = textwrap.dedent(
    """
    # Runs the avustus command line with fault checkpoints where propose and decide write files.
    import sys
    from avustus_cli.adapters import faults, files

    _atomic_save, _swap, _write_in_stage = files.atomic_save, files.StagedCopy.swap, files.write_in_stage
    _final, _publish = files.StagedFolder.final, files.StagedFolder.publish
    _n = {"file-tmp": 0, "publish-file": 0, "publishing": 0}

    def atomic_save(path, save, **k):
        def save_then_pause(tmp):
            save(tmp)
            _n["file-tmp"] += 1  # the temporary file is written, not yet moved into place
            faults.checkpoint("file-tmp", _n["file-tmp"])
        return _atomic_save(path, save_then_pause, **k)

    def write_in_stage(path, data):  # a file written in place inside a staging folder (decide's letters)
        out = _write_in_stage(path, data)
        _n["file-tmp"] += 1
        faults.checkpoint("file-tmp", _n["file-tmp"])
        return out

    def publish(self):
        _n["publishing"] = 1  # the database has committed; the staged letters are moved into place
        return _publish(self)

    def final(self, staged):
        if _n["publishing"]:  # a point before each letter is moved
            _n["publish-file"] += 1
            faults.checkpoint("publish-file", _n["publish-file"])
        return _final(self, staged)

    def swap(self):
        faults.checkpoint("swap")  # the database has committed; the staged folder is not yet in place
        _swap(self)

    files.atomic_save, files.StagedCopy.swap, files.write_in_stage = atomic_save, swap, write_in_stage
    files.StagedFolder.final, files.StagedFolder.publish = final, publish
    from avustus_cli.cli import main
    sys.argv[0] = "avustus"
    main()
    """
)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
AS_OF = "2027-01-10"
DECIDE = ("decide", "--date", "2027-01-20", "--section", "§ 12")


def _run(runner: Path, folder: Path, *args: str, pause: str | None = None) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AVUSTUS_")}, "AVUSTUS_CACHE_DIR": ""}
    if pause:
        env.update(AVUSTUS_TEST_PAUSE_AT=pause, AVUSTUS_TEST_PAUSE_FILE=str(folder / "paused"))
    cmd = [sys.executable, str(runner), "--db", str(folder / "avustus.db"), "--settings", str(folder / "avustus.toml")]
    return subprocess.Popen([*cmd, *args], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _in_process(folder: Path, *args: str, codes: tuple[int, ...] = (0,)) -> str:
    """``avustus ARGS`` run to its end in this process, in ``folder`` as ``_run`` runs it (its database
    and settings, relative paths from there): the set-up of a round and the rerun after a kill, which
    are not about the process itself. Its output, stdout and stderr."""
    with contextlib.chdir(folder):
        r = Cli(folder / "avustus.db", folder / "avustus.toml")(*args)
    assert r.exit_code in codes, r.output
    return r.output


@pytest.fixture(scope="module")
def rounds(tmp_path_factory) -> dict[str, Path]:
    """The sample round imported and checked ("checked"), the same with a proposal ("proposed"),
    and each as an uninterrupted propose or decide leaves it ("proposed-ref", "decided-ref")."""
    base = tmp_path_factory.mktemp("kierros")
    runner = base / "runner.py"
    runner.write_text(DOC_RUNNER, encoding="utf-8")
    checked = base / "checked"
    checked.mkdir()
    for name in ("avustus.toml", "hakemukset.xlsx", "aiemmat_avustukset.xlsx"):
        shutil.copy(SAMPLE / name, checked / name)
    _in_process(checked, "import", "hakemukset.xlsx")
    _in_process(checked, "import", "--history", "aiemmat_avustukset.xlsx")
    _in_process(checked, "check", "--as-of", AS_OF, codes=(0, 1))  # 1: findings to look at
    out: dict[str, Path] = {"runner": runner, "checked": checked}
    for name, src, args in (("proposed", "checked", ("propose", "--out", "esitys")),
                            ("decided-ref", "proposed", DECIDE)):
        shutil.copytree(out[src], base / name)
        _in_process(base / name, *args)
        out[name] = base / name
    return out


def _tree(folder: Path) -> list[str]:
    """The files under folder, database and backups aside."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and "varmuuskopiot" not in p.parts and not p.name.startswith("avustus.db"))


def _later(folder: Path) -> None:
    """The next run comes later: what the killed run left (hidden temporary files and folders) is
    older than files.STALE_AFTER, so it is a leftover rather than a run still writing."""
    from avustus_cli.adapters.files import STALE_AFTER

    old = time.time() - STALE_AFTER - 60
    for p in folder.rglob(".*"):
        os.utime(p, (old, old))


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if p.name.endswith((".tmp", ".old", ".staging"))]


def _grants(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select id, amount_cents, decision_date from grants order by id").fetchall()
    finally:
        conn.close()


def _proposals(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select application_id, amount_cents, reason_code, reason, conditions, method, source, "
                            "data_hash from proposals order by 1").fetchall()
    finally:
        conn.close()


# file-tmp:1 is the automatic backup's temporary copy (a whole database), file-tmp:20 a staged letter
@pytest.mark.parametrize("point", ["file-tmp:1", "file-tmp:20", "publish-file:1", "publish-file:30"])
def test_decide_killed_while_writing_its_letters_is_finished_by_the_rerun(rounds, tmp_path, point):
    """decide SIGKILLed while its letters are written into the staging folder (before the commit:
    nothing recorded) or while they are moved into place (after it: all recorded): the database is
    whole and as before or as after, and running the same decide again gives what one uninterrupted
    run gives, every letter in place and no temporary file left."""
    work = tmp_path / "w"
    shutil.copytree(rounds["proposed"], work)
    before, after = _grants(work / "avustus.db"), _grants(rounds["decided-ref"] / "avustus.db")
    assert before != after
    proc = _run(rounds["runner"], work, *DECIDE, pause=point)
    _wait_for(work / "paused", proc)
    _kill(proc)
    (work / "paused").unlink()
    _check_integrity(work / "avustus.db")
    assert _grants(work / "avustus.db") == (before if point.startswith("file-tmp") else after)
    _later(work)
    _in_process(work, *DECIDE)
    assert _grants(work / "avustus.db") == after
    assert _tree(work) == _tree(rounds["decided-ref"])
    assert not _leftovers(work), _leftovers(work)


@pytest.mark.parametrize("point", ["file-tmp:1", "file-tmp:6", "swap"])
def test_propose_killed_while_writing_its_documents_is_finished_by_the_rerun(rounds, tmp_path, point):
    """propose SIGKILLed while its documents are written into the staging folder (before the commit)
    or just before the staged folder takes the place of the old one (after it): the database is whole,
    the rerun does not take the program's own files for the officer's edits, and ends with the
    documents and proposals of an uninterrupted run."""
    work = tmp_path / "w"
    shutil.copytree(rounds["checked"], work)
    proc = _run(rounds["runner"], work, "propose", "--out", "esitys", pause=point)
    _wait_for(work / "paused", proc)
    _kill(proc)
    (work / "paused").unlink()
    _check_integrity(work / "avustus.db")
    assert _proposals(work / "avustus.db") in ([], _proposals(rounds["proposed"] / "avustus.db"))
    _later(work)
    text = _in_process(work, "propose", "--out", "esitys")
    assert "muuttunut" not in text, text
    assert _proposals(work / "avustus.db") == _proposals(rounds["proposed"] / "avustus.db")
    assert _tree(work) == _tree(rounds["proposed"])
    assert not _leftovers(work), _leftovers(work)

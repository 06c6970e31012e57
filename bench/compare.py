"""Issue 14's table, before and after, measured in one run: whole processes, interleaved, medians.

    .venv/bin/python bench/compare.py --before ../old-checkout           # every row, 5 runs each
    .venv/bin/python bench/compare.py --only startup,check --runs 3      # this checkout only

``--before DIR`` is an older checkout of the project with its own ``DIR/.venv`` (``python3 -m venv
.venv && .venv/bin/pip install -e .``). Every run of every row measures, in turn, the anchors, the
older checkout and this one, so that a busy machine slows them alike; the table gives the median of
the runs and its ratio to the row's anchor measured in the same runs. Each measurement is a child
process of its own (wall time and that child's peak memory). The table is printed and written to
``bench/results.md`` (``--results``) with the machine and the date.

Rows (issue 14), with their anchors:

- start-up: ``avustus --help``, ``--version``, and ``status``, ``check``, ``overdue`` on the sample
  round (checked once before the runs, as an officer's round is), against the ``--help`` of a
  two-command Typer app in the same environment; ``python -c pass`` for scale;
- import of ``--rows`` applications (bench_import.py's file) against python-calamine's bare read of
  the same file and the plain pipeline (that read and one ``executemany`` of tuples with one JSON
  column into SQLite, no validation);
- check of ``--rows`` applications (bench_check.py's round): every rule (first check), and the
  re-check of the unchanged round as ``avustus check`` makes it (the counts and the rows its tables show);
- ``check --xlsx`` of ``--xlsx-rows`` applications (the rules and the workbook);
- propose of ``--letters`` applications, each with a supplement letter (bench_propose.py's round);
- decide of ``--letters`` proposed applications, a decision letter each (bench_decide.py's round).

Nothing is asserted: read the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "sample_data"
OUT = HERE / "out"

# the same two-command Typer app as bench_startup.py (this folder is on sys.path when run as a script)
from bench_startup import ANCHOR_APP, as_installed  # noqa: E402

BARE_READ = """
import sys, python_calamine as pc
wb = pc.CalamineWorkbook.from_path(sys.argv[1])
n = sum(1 for _ in wb.get_sheet_by_name(wb.sheet_names[0]).iter_rows())
"""

PLAIN_PIPELINE = """
import json, sqlite3, sys, python_calamine as pc
wb = pc.CalamineWorkbook.from_path(sys.argv[1])
rows = wb.get_sheet_by_name(wb.sheet_names[0]).iter_rows()
header = [str(h) for h in next(rows)]
conn = sqlite3.connect(sys.argv[2], isolation_level=None)
conn.execute("create table applications (id text primary key, applicant text, requested text, data text)")
conn.execute("begin")
conn.executemany("insert into applications values (?, ?, ?, ?)",
                 ((str(r[0]), str(r[4]), str(r[18]), json.dumps(dict(zip(header, map(str, r))), ensure_ascii=False))
                  for r in rows))
conn.execute("commit")
"""

CHECK = """
import datetime as dt, inspect, sys
from pathlib import Path
from avustus_cli.services.checking import run_check
from avustus_cli.domain.config import default_settings
from avustus_cli.adapters.store import Store
store = Store.open(Path(sys.argv[1]))
import avustus_cli.services.checking as checking
full = {"reuse": False} if sys.argv[2] == "full" and "reuse" in inspect.signature(run_check).parameters else {}
if len(sys.argv) == 3 and hasattr(checking, "check_round"):  # as `avustus check` does (its tables: 200 of each)
    checking.check_round(store, default_settings(2027), dt.date(2027, 1, 10), 200, reuse=sys.argv[2] != "full")
else:
    results = run_check(store, default_settings(2027), dt.date(2027, 1, 10), slim=True, **full)
if len(sys.argv) > 3:
    from avustus_cli.services.checking import write_check_workbook
    write_check_workbook(Path(sys.argv[3]), results)
"""


def _maxrss_mib(ru) -> float:
    return ru.ru_maxrss / 1024 if sys.platform != "darwin" else ru.ru_maxrss / 2**20


def measure(cmd: list[str], cwd: Path, ok=(0, 1)) -> tuple[float, float]:
    """(seconds, peak MiB) of ``cmd`` run in a child of a child (so the peak is that command's alone)."""
    probe = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--_measure", json.dumps([cmd, str(cwd), list(ok)])],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{probe.stderr[-3000:]}")
    got = json.loads(probe.stdout)
    return got["seconds"], got["peak_mib"]


def _measure_child(arg: str) -> None:
    cmd, cwd, ok = json.loads(arg)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode not in ok:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(done.returncode or 3)
    print(json.dumps({"seconds": seconds, "peak_mib": _maxrss_mib(resource.getrusage(resource.RUSAGE_CHILDREN))}))


class Version:
    def __init__(self, label: str, root: Path, python: Path):
        self.label, self.root, self.python = label, root, python
        script = python.with_name("avustus")
        self.avustus = [str(script)] if script.exists() else [str(python), "-m", "avustus_cli"]


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# --- the rows: each returns [(label, anchor label or None, {version label or "": command})] ------------


def startup_rows(versions: list[Version], work: Path) -> list[tuple[str, str | None, dict[str, list[str]]]]:
    anchor = work / "anchor.py"
    anchor.write_text(ANCHOR_APP, encoding="utf-8")
    rows: list[tuple[str, str | None, dict[str, list[str]]]] = [
        ("anchor: two-command Typer app --help", None, {"": [sys.executable, str(anchor), "--help"]}),
        ("python -c pass", "anchor: two-command Typer app --help", {"": [sys.executable, "-c", "pass"]}),
    ]
    cmds: dict[str, dict[str, list[str]]] = {k: {} for k in ("--help", "--version", "status", "check", "overdue")}
    for v in versions:
        d = work / f"round-{v.label}"
        d.mkdir()
        sample = v.root / "sample_data"  # each version's own sample round (its settings file has that version's keys)
        shutil.copy(sample / "avustus.toml", d / "avustus.toml")
        _run([*v.avustus, "import", str(sample / "hakemukset.xlsx")], d)
        _run([*v.avustus, "import", "--history", str(sample / "aiemmat_avustukset.xlsx")], d)
        subprocess.run([*v.avustus, "check", "--as-of", "2027-01-10"], cwd=d, stdout=subprocess.DEVNULL)
        base = [*v.avustus, "--settings", str(d / "avustus.toml"), "--db", str(d / "avustus.db")]
        cmds["--help"][v.label] = [*v.avustus, "--help"]
        cmds["--version"][v.label] = [*v.avustus, "--version"]
        cmds["status"][v.label] = [*base, "status"]
        cmds["check"][v.label] = [*base, "check", "--as-of", "2027-01-10"]
        cmds["overdue"][v.label] = [*base, "overdue", "--as-of", "2027-09-01"]
    a = "anchor: two-command Typer app --help"
    rows += [
        ("`avustus --help`", a, cmds["--help"]),
        ("`avustus --version`", a, cmds["--version"]),
        ("`avustus status` (sample round)", a, cmds["status"]),
        ("`avustus check` (sample round, checked before)", a, cmds["check"]),
        ("`avustus overdue` (sample round)", a, cmds["overdue"]),
    ]
    return rows


def import_rows(versions: list[Version], work: Path, rows_n: int):
    sys.path.insert(0, str(HERE))
    import bench_import

    path = bench_import.generate(rows_n)
    db = work / "plain.db"
    cmds: list[tuple[str, str | None, dict[str, list[str]]]] = [
        (f"anchor: calamine bare read ({rows_n} rows)", None, {"": [sys.executable, "-c", BARE_READ, str(path)]}),
        ("plain pipeline: read + one executemany", f"anchor: calamine bare read ({rows_n} rows)",
         {"": ["sh", "-c", f'rm -f "{db}" && exec "$0" -c "$1" "$2" "$3"', sys.executable, PLAIN_PIPELINE, str(path), str(db)]}),
    ]
    per: dict[str, list[str]] = {}
    for v in versions:
        vdb = work / f"import-{v.label}.db"
        per[v.label] = ["sh", "-c", 'rm -f "$0" && exec "$@"', str(vdb), *v.avustus, "--db", str(vdb), "import", str(path), "--json"]
    cmds.append((f"import {rows_n} rows", f"anchor: calamine bare read ({rows_n} rows)", per))
    return cmds


def _check_db(rows_n: int, before: Version | None) -> Path:
    """bench_check.py's round, built by the older checkout when there is one (its schema opens in both)."""
    OUT.mkdir(exist_ok=True)
    db = OUT / f"compare-check-{rows_n}.db"
    if not db.exists():
        builder = before or Version("after", ROOT, Path(sys.executable))
        code = f"import sys; sys.path.insert(0, {str(builder.root / 'bench')!r}); import bench_check; from pathlib import Path; bench_check.build(Path(sys.argv[1]), {rows_n})"
        tmp = db.with_suffix(".tmp")
        subprocess.run([str(builder.python), "-c", code, str(tmp)], check=True)
        tmp.replace(db)
    return db


def check_rows(versions: list[Version], work: Path, rows_n: int, xlsx_rows: int, before: Version | None, which: set[str]):
    out: list[tuple[str, str | None, dict[str, list[str]]]] = [("python -c pass", None, {"": [sys.executable, "-c", "pass"]})]
    if "check" in which:
        base = _check_db(rows_n, before)
        full: dict[str, list[str]] = {}
        again: dict[str, list[str]] = {}
        for v in versions:
            db = work / f"check-{v.label}.db"
            shutil.copy(base, db)
            _run([str(v.python), "-c", CHECK, str(db), "full"])  # migrated and checked once
            full[v.label] = [str(v.python), "-c", CHECK, str(db), "full"]
            again[v.label] = [str(v.python), "-c", CHECK, str(db), "again"]
        out += [(f"check {rows_n} applications, every rule", "python -c pass", full),
                (f"check {rows_n} applications again, nothing changed", "python -c pass", again)]
    if "xlsx" in which:
        base = _check_db(xlsx_rows, before)
        per: dict[str, list[str]] = {}
        for v in versions:
            db = work / f"xlsx-{v.label}.db"
            shutil.copy(base, db)
            per[v.label] = [str(v.python), "-c", CHECK, str(db), "full", str(work / f"tarkistus-{v.label}.xlsx")]
        out.append((f"check --xlsx {xlsx_rows} applications (every rule + workbook)", "python -c pass", per))
    return out


def _checked_round(v: Version, d: Path, export: Path) -> Path:
    """A folder ``d`` whose ``base.db`` holds ``export`` imported and checked by version ``v``."""
    d.mkdir()
    _run([*v.avustus, "--db", str(d / "base.db"), "import", str(export)])
    subprocess.run([*v.avustus, "--db", str(d / "base.db"), "check", "--as-of", "2027-01-10"], stdout=subprocess.DEVNULL)
    return d


def propose_rows(versions: list[Version], work: Path, n: int):
    sys.path.insert(0, str(HERE))
    import bench_propose

    export = work / "propose.xlsx"
    bench_propose.build_export(export, n, 1.0)
    per: dict[str, list[str]] = {}
    for v in versions:
        d = _checked_round(v, work / f"propose-{v.label}", export)
        script = (f'cp "{d}/base.db" "{d}/run.db" && rm -rf "{d}/esitys" && exec "$@"')
        per[v.label] = ["sh", "-c", script, "propose", *v.avustus, "--db", str(d / "run.db"), "propose", "--out", str(d / "esitys"),
                        "--as-of", "2027-01-12"]
    return [("python -c pass", None, {"": [sys.executable, "-c", "pass"]}),
            (f"propose {n} applications, a letter each", "python -c pass", per)]


def decide_rows(versions: list[Version], work: Path, n: int):
    """decide of ``n`` proposed applications (bench_decide.py's round: no supplement letters), a letter each,
    into an empty letters folder; the round is imported, checked and proposed once per version."""
    sys.path.insert(0, str(HERE))
    import bench_propose

    export = work / "decide.xlsx"
    bench_propose.build_export(export, n, 0.0)
    per: dict[str, list[str]] = {}
    for v in versions:
        d = _checked_round(v, work / f"decide-{v.label}", export)
        _run([*v.avustus, "--db", str(d / "base.db"), "propose", "--out", str(d / "esitys"), "--as-of", "2027-01-12",
              "--budget", "10000000"])
        script = f'cp "{d}/base.db" "{d}/run.db" && rm -rf "{d}/paatokset" && exec "$@"'
        per[v.label] = ["sh", "-c", script, "decide", *v.avustus, "--db", str(d / "run.db"), "decide", "--date",
                        "2027-01-26", "--section", "§ 12", "--letters", str(d / "paatokset")]
    return [("python -c pass", None, {"": [sys.executable, "-c", "pass"]}),
            (f"decide {n} applications, a letter each", "python -c pass", per)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, help="an older checkout with its own .venv")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rows", type=int, default=100_000, help="applications for import and check")
    ap.add_argument("--xlsx-rows", type=int, default=50_000)
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--only", default="startup,import,check,xlsx,propose,decide")
    ap.add_argument("--results", type=Path, default=HERE / "results.md")
    ap.add_argument("--_measure", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._measure:
        _measure_child(a._measure)
        return 0
    which = set(a.only.split(","))
    as_installed()  # with bytecode, as installed, written outside both checkouts
    after = Version("after", ROOT, Path(sys.executable))
    before = Version("before", a.before.resolve(), a.before.resolve() / ".venv" / "bin" / "python") if a.before else None
    versions = [v for v in (before, after) if v is not None]
    tables = []
    with tempfile.TemporaryDirectory(prefix="avustus-compare-") as tmp:
        work = Path(tmp)
        groups = []
        if "startup" in which:
            groups.append(("Start-up", startup_rows(versions, work)))
        if "import" in which:
            groups.append(("Import", import_rows(versions, work, a.rows)))
        if which & {"check", "xlsx"}:
            groups.append(("Check", check_rows(versions, work, a.rows, a.xlsx_rows, before, which)))
        if "propose" in which:
            groups.append(("Propose", propose_rows(versions, work, a.letters)))
        if "decide" in which:
            groups.append(("Decide", decide_rows(versions, work, a.letters)))
        for title, rows in groups:
            times: dict[tuple[str, str], list[float]] = {}
            peaks: dict[tuple[str, str], list[float]] = {}
            for cmd_row in rows:  # warm the file cache and the bytecode
                for cmd in cmd_row[2].values():
                    measure(cmd, work)
            for run in range(a.runs):
                for label, _anchor, cmds in rows:
                    for vlabel, cmd in cmds.items():
                        s, m = measure(cmd, work)
                        times.setdefault((label, vlabel), []).append(s)
                        peaks.setdefault((label, vlabel), []).append(m)
                print(f"{title}: run {run + 1}/{a.runs} done", file=sys.stderr)
            tables.append((title, rows, {k: statistics.median(v) for k, v in times.items()},
                           {k: max(v) for k, v in peaks.items()}))
    text = _table(tables, before is not None, a)
    print(text)
    a.results.write_text(text, encoding="utf-8")
    return 0


def _cell(seconds: float, base: float | None) -> tuple[str, str]:
    """A median and its ratio to the row's anchor ("—" for a row without one)."""
    return f"{seconds:.3f} s", (f"{seconds / base:.2f}×" if base else "—")


def _table(tables, with_before: bool, a) -> str:
    lines = [
        "# Benchmarks (issue 14)",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        f"Medians of {a.runs} runs, every row measured in turn within each run (whole processes; "
        "`bench/compare.py`), each with its modules' bytecode as an installed program has it. Ratios are to "
        "the row's anchor measured in the same runs; a shared "
        "machine moves the seconds far more than the ratios.",
        "",
    ]
    for title, rows, med, peak in tables:
        lines += [f"## {title}", ""]
        if with_before:
            lines += ["| work | before | × anchor | after | × anchor | after/before | peak MiB before → after |",
                      "|---|---|---|---|---|---|---|"]
        else:
            lines += ["| work | seconds | × anchor | peak MiB |", "|---|---|---|---|"]
        for label, anchor, cmds in rows:
            base = med.get((anchor, "")) if anchor else None
            if "" in cmds:
                s, r = _cell(med[(label, "")], base)
                if with_before:
                    lines.append(f"| {label} | {s} | {r} | {s} | {r} | — | {peak[(label, '')]:.0f} |")
                else:
                    lines.append(f"| {label} | {s} | {r} | {peak[(label, '')]:.0f} |")
                continue
            s_a, r_a = _cell(med[(label, "after")], base)
            if with_before:
                s_b, r_b = _cell(med[(label, "before")], base)
                ratio = med[(label, "after")] / med[(label, "before")]
                lines.append(f"| {label} | {s_b} | {r_b} | {s_a} | {r_a} | {ratio:.2f} | "
                             f"{peak[(label, 'before')]:.0f} → {peak[(label, 'after')]:.0f} |")
            else:
                lines.append(f"| {label} | {s_a} | {r_a} | {peak[(label, 'after')]:.0f} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

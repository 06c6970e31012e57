"""Import benchmark: `avustus import` against python-calamine's bare read of the same file.

    .venv/bin/python bench/bench_import.py              # 100 000 applications
    .venv/bin/python bench/bench_import.py --rows 20000

The export is generated once with openpyxl (write_only) and cached in
bench/out/. Each measurement runs in its own child process so that peak memory
(ru_maxrss) belongs to that measurement alone:

- bare read: calamine opens the file and iterates every row (nothing kept);
- import: `python -m avustus_cli --db <fresh> import FILE` (peak RSS of the
  child via resource.getrusage(RUSAGE_CHILDREN));
- after the import (unless --no-check), each in a child of its own: the rows a
  check's refresh of the typed table of rule inputs still writes and its time
  (on a copy of the imported database: 0 rows when the import filled the
  table), then the first check of the imported round, ``run_check`` as
  `avustus check` calls it (its time includes that refresh when the import left
  one to do; the printing of the results' tables is not timed).

The package is byte-compiled first, as an installed program is (the
environment may forbid writing .pyc files, and compiling the sources would
then be timed on every run).

Both are given in wall seconds and in the CPU seconds of their processes (start-up included); the import
reads the sheet in parts on a second thread, so on an idle machine its wall time is below its CPU time, and
on a busy one only the CPU seconds compare. ``--rows 400000`` makes a file over 32 MiB (36 MiB), the size
from which the reader keeps memory bounded whatever the shared-string table.

``--phases`` instead imports the file once, in a child, and prints where the import's main thread spends
its CPU seconds (``time.thread_time`` around each step), then the CPU seconds of the reader's thread (a
sheet read in parts): all of them, and those of cutting the parts.

Targets (issue 14): import within 3x the bare read, peak at most 300 MiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"

HEADERS = [
    "Hakemusnumero", "Saapunut", "Avustusmuoto", "Avustusvuosi", "Hakija", "Y-tunnus", "Oikeudellinen muoto",
    "Yleishyödyllinen", "Kotikunta", "Yhteyshenkilö", "Sähköposti", "Puhelin", "Tilinumero", "Toiminnan nimi",
    "Toimintaluokka", "Toiminnan kuvaus", "Toiminta-alue", "Toimintakunnat", "Haettu summa",
]  # fmt: skip
FORMS = ["Toiminta-avustus", "Kumppanuussopimus", "Hankeavustus"]
TOWNS = ["Jyväskylä", "Laukaa", "Äänekoski", "Jämsä", "Keuruu", "Saarijärvi"]


def generate(rows: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"hakemukset-{rows}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hakemukset")
    ws.append(HEADERS)
    for i in range(1, rows + 1):
        ws.append([
            f"H-{i:06d}", f"{1 + i % 31}.12.2026", FORMS[i % 3], 2027, f"Yhdistys {i} ry", "0737546-2",
            "Rekisteröity yhdistys", "Kyllä", TOWNS[i % len(TOWNS)], f"Henkilö {i}", f"h{i}@example.fi",
            f"040 {i:07d}", "FI21 1234 5600 0007 85", f"Toiminta {i}", str(1 + i % 10),
            "Vertaistukea ja kohtaamispaikkatoimintaa. " * (1 + i % 4), "Paikallinen", "Jyväskylä; Laukaa",
            f"{1000 + (i * 37) % 90000} €",
        ])  # fmt: skip
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    print(f"generated {path.name}: {path.stat().st_size / 2**20:.1f} MiB in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def _maxrss_mib(ru) -> float:
    return ru.ru_maxrss / 1024 if sys.platform != "darwin" else ru.ru_maxrss / 2**20


def bare_read(path: Path) -> dict:
    """Run in a child: open with calamine and iterate every row of the first sheet."""
    import python_calamine as pc

    t0 = time.perf_counter()
    wb = pc.CalamineWorkbook.from_path(str(path))
    ws = wb.get_sheet_by_name(wb.sheet_names[0])
    n = sum(1 for _ in ws.iter_rows())
    seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"rows": n, "seconds": seconds, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_mib": _maxrss_mib(ru)}


AFTER_IMPORT = """
import datetime as dt, json, sys, time
from pathlib import Path
from avustus_cli.adapters.store import Store, rule_inputs
store = Store.open(Path(sys.argv[1]))
t0 = time.perf_counter()
if sys.argv[2] == "refresh":
    rows = rule_inputs.refresh(store)
else:
    from avustus_cli.domain.config import default_settings
    from avustus_cli.services.checking import run_check
    rows = len(run_check(store, default_settings(2027), dt.date(2027, 1, 15), slim=True))
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - t0}))
"""


def phases(path: Path, db: Path) -> dict:
    """Run in a child: import ``path`` into the new database ``db`` in this process, with the CPU seconds of
    the main thread in each step of the import (the steps overlap nowhere; "other" is the rest)."""
    import functools
    import threading

    from avustus_cli.adapters.store import Store, rule_inputs
    from avustus_cli.domain.config import default_settings
    from avustus_cli.services.importing import _applications as apps

    spent: dict[str, float] = {}
    main = threading.get_ident()

    def timed(owner: object, name: str, label: str) -> None:
        f = getattr(owner, name)

        @functools.wraps(f)
        def wrapper(*args: object, **kwargs: object) -> object:
            if threading.get_ident() != main:
                return f(*args, **kwargs)
            t = time.thread_time()
            try:
                return f(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.thread_time() - t

        setattr(owner, name, wrapper)

    for owner, name, label in [
        (apps._Plan, "encode", "encoding rows (_Plan.encode)"), (apps, "_hashes", "hashes (_hashes)"),
        (apps._Plan, "inputs", "rule inputs made (_Plan.inputs)"), (rule_inputs.Fill, "write", "rule inputs written (Fill.write)"),
        (rule_inputs.Fill, "finish", "rule inputs finished (Fill.finish)"),
        (Store, "write_applications", "applications written"), (Store, "audit_each", "audit rows written"),
        (Store, "create_indexes", "indexes made again"),
    ]:
        timed(owner, name, label)
    batches = apps._batches

    def taken(*args: object, **kwargs: object) -> object:  # the generator's own time, batch by batch
        it = batches(*args, **kwargs)
        while True:
            t = time.thread_time()
            try:
                b = next(it)
            except StopIteration:
                return
            finally:
                spent["rows from the reader (_batches)"] = spent.get("rows from the reader (_batches)", 0.0) + time.thread_time() - t
            yield b

    apps._batches = taken
    # the reader's thread (a sheet read in parts): its whole CPU seconds, and those of cutting the parts
    from avustus_cli.adapters import excel, xlsx_stream

    read, cut = excel._PartedSheet._read, xlsx_stream.Parts.__iter__

    def reading(self: object, *args: object) -> None:
        t = time.thread_time()
        try:
            read(self, *args)
        finally:
            spent["reader thread: all (parts cut, parsed by calamine, as lists)"] = time.thread_time() - t

    def cutting(self: object) -> object:
        it = cut(self)
        while True:
            t = time.thread_time()
            try:
                part = next(it)
            except StopIteration:
                return
            finally:
                label = "reader thread: parts cut (xlsx_stream.Parts)"
                spent[label] = spent.get(label, 0.0) + time.thread_time() - t
            yield part

    excel._PartedSheet._read, xlsx_stream.Parts.__iter__ = reading, cutting
    t0 = time.thread_time()
    store = Store.open(db)
    store.command = "import"
    apps.import_applications(store, path, default_settings(2027))
    store.close()
    total = time.thread_time() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    reader = {k: round(spent.pop(k), 2) for k in sorted(spent) if k.startswith("reader thread")}
    return {"main_thread_cpu_s (import_applications)": round(total, 2), "process_cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            **{k: round(v, 2) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])},
            "other": round(total - sum(spent.values()), 2), **reader}


def measure_child(cmd: list[str]) -> dict:
    """Run ``cmd`` as the only child of this process: wall time and its peak RSS."""
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": seconds, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_mib": _maxrss_mib(ru), "stdout": r.stdout}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ap.add_argument("--no-check", action="store_true", help="leave out the refresh and the first check after the import")
    ap.add_argument("--phases", action="store_true", help="only import, and print the main thread's CPU seconds by step")
    ap.add_argument("--_read", help=argparse.SUPPRESS)
    ap.add_argument("--_phases", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--_child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._read:
        print(json.dumps(bare_read(Path(a._read))))
        return
    if a._phases:
        print(json.dumps(phases(Path(a._phases[0]), Path(a._phases[1]))))
        return
    if a._child:
        res = measure_child(a._child)
        print(json.dumps({k: v for k, v in res.items() if k != "stdout"}))
        return

    path = generate(a.rows)
    import compileall

    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    me = [sys.executable, str(Path(__file__).resolve())]
    if a.phases:
        with tempfile.TemporaryDirectory() as d:
            steps = json.loads(subprocess.run([*me, "--_phases", str(path), str(Path(d) / "avustus.db")],
                                              capture_output=True, text=True, check=True).stdout)
        if a.json:
            print(json.dumps(steps, indent=2))
        else:
            for k, v in steps.items():
                print(f"{k:36} {v}")
        return
    read = json.loads(subprocess.run([*me, "--_read", str(path)], capture_output=True, text=True, check=True).stdout)
    startup = json.loads(subprocess.run([*me, "--_child", sys.executable, "-m", "avustus_cli", "--version"],
                                        capture_output=True, text=True, check=True).stdout)
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "avustus.db"
        cmd = [sys.executable, "-m", "avustus_cli", "--db", str(db), "import", str(path), "--json"]
        imp = json.loads(subprocess.run([*me, "--_child", *cmd], capture_output=True, text=True, check=True).stdout)
        db_mib = db.stat().st_size / 2**20
        after: dict = {}
        if not a.no_check:
            copy = Path(d) / "copy.db"
            shutil.copy(db, copy)
            refresh, check = (json.loads(subprocess.run([sys.executable, "-c", AFTER_IMPORT, str(where), what],
                                                        capture_output=True, text=True, check=True).stdout)
                              for where, what in ((copy, "refresh"), (db, "check")))
            after = {"refresh_after_import_rows": refresh["rows"], "refresh_after_import_s": round(refresh["seconds"], 2),
                     "first_check_s": round(check["seconds"], 2)}
    result = {
        "rows": a.rows,
        "file_mib": round(path.stat().st_size / 2**20, 1),
        "bare_read_s": round(read["seconds"], 2),
        "bare_read_cpu_s": round(read["cpu_s"], 2),  # the whole process's (start-up too), as for the import
        "bare_read_peak_mib": round(read["peak_mib"], 1),
        "cli_startup_s": round(startup["seconds"], 2),
        "import_s": round(imp["seconds"], 2),
        "import_cpu_s": round(imp["cpu_s"], 2),
        "import_peak_mib": round(imp["peak_mib"], 1),
        "import_per_row_ms": round(1000 * imp["seconds"] / a.rows, 3),
        "ratio_import_to_read": round(imp["seconds"] / read["seconds"], 2),
        # on a busy machine the CPU seconds show what the wall time cannot (the import's second thread
        # parses the sheet's next part while the first works: its wall time can be below its CPU time)
        "cpu_ratio_import_to_read": round(imp["cpu_s"] / read["cpu_s"], 2),
        "db_mib": round(db_mib, 1),
        **after,
        "targets": {"ratio_max": 3.0, "peak_max_mib": 300},
    }
    if a.json:
        print(json.dumps(result, indent=2))
        return
    for k, v in result.items():
        print(f"{k:24} {v}")
    ok = result["ratio_import_to_read"] <= 3 and result["import_peak_mib"] <= 300
    print("targets met" if ok else "TARGET MISSED: see docs/reliability.md (Where an import's time goes)")


if __name__ == "__main__":
    main()

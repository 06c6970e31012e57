"""Does this checkout import exactly as another one does? Every table of the database, the output and the exit
code of each import, compared between two checkouts.

    .venv/bin/python bench/same_import.py --before /path/to/other/checkout [--rows 20000] [--grown 100000]

Each checkout's ``src`` is put first on ``PYTHONPATH`` of the ``avustus`` processes it runs (so both run in this
environment). The imports, each into a database of its own unless said otherwise:

- the sample round (``sample_data``): applications, then the register of earlier grants and the usage
  reports into the same database, with the sample's settings;
- each file of the bad-input corpus (``tests/corpus``) and the real-data files (``tests/data/realdata``):
  an import that refuses must refuse with the same message and leave the same (empty) database;
- a varied export made here (``rich_export``: every kind of field, cells of every type, values that
  cannot be read, amounts in another currency, formulas, unknown and personal columns, blank and total
  rows; more rows than one batch), imported, then imported again after rows were changed and added;
- an export with a gap of empty rows between its applications;
- the benchmark's export of ``--rows`` rows (``bench/out``, made by ``bench_import.py`` if missing);
  with ``--grown N``, the same database then imports the export of N rows (its first rows are the
  smaller export's: a re-import of a grown export), and again (nothing new).

Times (columns ``at``, ``created_at``, ``updated_at``) differ between runs and are left out of the
comparison; everything else must be equal. Prints each case and exits non-zero on the first difference
of any case (all cases are run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMES = {"at", "created_at", "updated_at"}


def dump(db: Path) -> dict[str, list]:
    """Every row of every table (times masked), and the schema."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        out: dict[str, list] = {"schema": sorted(conn.execute("select type, name, sql from sqlite_master").fetchall())}
        for (t,) in conn.execute("select name from sqlite_master where type = 'table' order by name").fetchall():
            cur = conn.execute(f"select * from [{t}] order by rowid" if t != "round_marks" else f"select * from [{t}]")
            names = [d[0] for d in cur.description]
            out[t] = [tuple("<time>" if n in TIMES and v is not None else v for n, v in zip(names, row, strict=True))
                      for row in cur]
        return out
    finally:
        conn.close()


def run(checkout: Path, cwd: Path, db: Path, args: list[str]) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src"), "NO_COLOR": "1", "COLUMNS": "120"}
    r = subprocess.run([sys.executable, "-m", "avustus_cli", "--db", str(db), "import", *args], cwd=cwd, env=env,
                       capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def case(checkout: Path, work: Path, steps: list[list[str]], settings: Path | None) -> list:
    """Each step's exit code and output, then the database dumped."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if settings is not None:
        shutil.copy(settings, work / "avustus.toml")
    db = work / "avustus.db"
    outputs = [run(checkout, work, db, step) for step in steps]
    return [outputs, dump(db)]


def first_difference(a: list, b: list) -> str | None:
    (out_a, db_a), (out_b, db_b) = a, b
    for i, (x, y) in enumerate(zip(out_a, out_b, strict=True)):
        if x != y:
            return f"step {i + 1}: exit/output differ:\n  before {x[0]} {x[1][:300]!r} {x[2][-300:]!r}\n  after  {y[0]} {y[1][:300]!r} {y[2][-300:]!r}"
    for t in sorted(set(db_a) | set(db_b)):
        ra, rb = db_a.get(t), db_b.get(t)
        if ra != rb:
            if ra is None or rb is None:
                return f"table {t} only in one"
            if len(ra) != len(rb):
                return f"table {t}: {len(ra)} rows before, {len(rb)} after"
            for x, y in zip(ra, rb, strict=True):
                if x != y:
                    return f"table {t}: first different row\n  before {str(x)[:600]}\n  after  {str(y)[:600]}"
    return None


def rich_export(path: Path, rows: int, changed: bool = False) -> Path:
    """A varied export (deterministic): see the module's docstring."""
    import datetime as dt
    import random

    from openpyxl import Workbook

    rnd = random.Random(14)
    headers = [
        "Hakemusnumero", "Saapunut", "Avustusmuoto", "Avustusvuosi", "Hakija", "Y-tunnus", "Oikeudellinen muoto",
        "Yleishyödyllinen", "Kotikunta", "Postiosoite", "Yhteyshenkilö", "Sähköposti", "Puhelin", "Tilinumero",
        "Toiminnan nimi", "Toimintaluokka", "Toiminnan kuvaus", "Kustannuslajit", "Toiminta-alue", "Toimintakunnat",
        "Hyvinvointialueen toimintakentällä", "Tuetut tavoitteet", "Haettu summa", "Kokonaiskustannukset",
        "Muu rahoitus", "Yhteishakemus", "Päävastuullinen hakija", "Muut hakijat", "Sopimuskausi alkaa",
        "Hanke päättyy", "Rahoituspäätös", "Liitteet", "Valuutta", "Lisätieto", "Vastuuhenkilö", "", "Huom",
    ]  # fmt: skip
    ids = ["0737546-2", "0201256-6", "1572860-0", "bad-id", "", None]
    towns = ["Jyväskylä", "Laukaa", " Äänekoski ", "Jämsä", None, 12]
    wb = Workbook()
    ws = wb.active
    ws.title = "Hakemukset"
    ws.append(["Hakemukset 2027"])
    ws.append(headers)
    for i in range(1, rows + 1):
        k = i % 17
        if k == 5:
            ws.append([None] * 5)  # a blank row
            continue
        money = rnd.choice([f"{1000 + i * 7} €", 1000 + i, 2500.5, "12 500,00", "noin 5000", "#N/A", None,
                            f"{i}.{i % 100:02d}"])
        ws.append([
            f"R-{i:05d}" if not changed or i % 50 else f"R-{i:05d} ",
            rnd.choice([dt.datetime(2026, 12, 1 + i % 28, 9, i % 60), "10.12.2026", "2026-12-11", "31.2.2026", None, 45000]),
            rnd.choice(["Toiminta-avustus", "Hankeavustus", "Kumppanuussopimus", "muu", None]),
            rnd.choice([2027, "2027", 2026.0, None, "vuosi"]),
            f"Yhdistys {i % 400} ry" if i % 13 else f"  Yhdistys\n{i} ry",
            rnd.choice(ids),
            rnd.choice(["Rekisteröity yhdistys", "Säätiö", "osakeyhtiö", None]),
            rnd.choice(["Kyllä", "Ei", True, False, "ehkä", None, 1]),
            rnd.choice(towns),
            rnd.choice(["Katu 1, 40100 Jyväskylä", None, "=HYPERLINK(\"x\")"]),
            f"Henkilö {i}", f"h{i}@example.fi" if i % 7 else "ei sähköpostia", f"040 {i:07d}",
            rnd.choice(["FI21 1234 5600 0007 85", "FI00 1234", None]),
            f"Toiminta {i}" if i % 9 else None,
            rnd.choice(["1", "4", 7, "11", "x", None]),
            ("Kuvaus " * (1 + i % 5)) + ("ääkköset ja \"lainaus\"" if i % 11 == 0 else ""),
            rnd.choice(["Palkat; Vuokrat", "Palkat", None, ""]),
            rnd.choice(["Paikallinen", "Alueellinen", "Koko maa", "kuu", None]),
            rnd.choice(["Jyväskylä; Laukaa", "Jyväskylä", "Laukaa, Uurainen", None]),
            rnd.choice(["Kyllä", "Ei", None]),
            rnd.choice(["Osallisuus; Terveys", None]),
            money,
            rnd.choice([20000, "30 000 €", None, -5]),
            rnd.choice([0, "1 000", None]),
            rnd.choice(["Kyllä", "Ei", None]),
            rnd.choice(["Yhdistys 1 ry (0737546-2)", "Yhdistys 2 ry", None]),
            rnd.choice(["A ry (0201256-6); B ry", None]),
            rnd.choice([dt.date(2027, 1, 1), "1.1.2027", None, "huomenna"]),
            rnd.choice([dt.date(2027, 12, 31), None]),
            rnd.choice(["Myönteinen", "Kielteinen", "Odottaa", None]),
            rnd.choice(["Talousarvio; Toimintasuunnitelma", None]),
            rnd.choice(["EUR", "SEK", None, None, None]) if i % 3 else None,
            rnd.choice(["lisä", 5, 2.25, None, dt.time(12, 30)]),
            rnd.choice([f"Nimi Sukunimi {i}", None]),
            rnd.choice(["ilman otsikkoa", None]),
            rnd.choice(["=1+1", "huom", None]),
        ])
        if i % 97 == 0:
            ws.cell(row=ws.max_row, column=23).value = "=SUM(1,2)"  # a formula (no stored value)
    if changed:
        for i in range(rows + 1, rows + rows // 4):
            ws.append([f"R-{i:05d}", "10.12.2026", "Toiminta-avustus", 2027, f"Uusi {i} ry", "0737546-2"])
    ws.append([None, None, None, None, "Yhteensä", None, None, None, None, None, None, None, None, None, None, None,
               None, None, None, None, None, None, 123456])
    wb.save(path)
    return path


def gapped_export(path: Path) -> Path:
    """Applications, then 30 000 empty rows (and one with only spaces), then more applications and a total row."""
    from bench_import import HEADERS
    from openpyxl import Workbook

    def row(i: int) -> list[object]:
        return [f"G-{i:05d}", "1.12.2026", "Toiminta-avustus", 2027, f"Yhdistys {i} ry", "0737546-2",
                "Rekisteröity yhdistys", "Kyllä", "Laukaa", f"Henkilö {i}", f"h{i}@example.fi", "040 1234567",
                "FI21 1234 5600 0007 85", f"Toiminta {i}", "4", "Kuvaus.", "Paikallinen", "Laukaa", f"{100 + i} €"]

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i in range(1, 2500):
        ws.append(row(i))
    ws.cell(row=20000, column=2).value = "   "
    ws.cell(row=32600, column=1).value = None
    for i in range(2500, 2600):
        ws.append(row(i))
    ws.append([None, None, None, None, "Yhteensä"] + [None] * 13 + [123])
    wb.save(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, type=Path, help="the other checkout (its src/ is used)")
    ap.add_argument("--after", type=Path, default=ROOT, help="this checkout by default")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--grown", type=int, default=0, help="then import the export of this many rows into the same database")
    ap.add_argument("--work", type=Path, default=None, help="folder for the databases (a temporary one by default)")
    ap.add_argument("--only", default="", help="run only the cases whose name holds this text")
    a = ap.parse_args()

    sys.path.insert(0, str(HERE))
    from bench_import import generate

    sample = ROOT / "sample_data"
    cases: list[tuple[str, list[list[str]], Path | None]] = [
        ("sample round", [[str(sample / "hakemukset.xlsx"), "--json"],
                          [str(sample / "aiemmat_avustukset.xlsx"), "--history", "--json"],
                          [str(sample / "kayttoselvitykset.xlsx"), "--reports", "--json"],
                          [str(sample / "hakemukset.xlsx"), "--json"]], sample / "avustus.toml"),
    ]
    for folder in (ROOT / "tests" / "corpus", ROOT / "tests" / "data" / "realdata"):
        for f in sorted(folder.iterdir()):
            if f.suffix in (".xlsx", ".xls", ".ods", ".csv"):
                cases.append((f"{folder.name}/{f.name}", [[str(f), "--json"]], None))
    rich = a.work or Path(tempfile.gettempdir())
    cases.append(("varied export, then changed and grown", [
        [str(rich_export(rich / "vaihteleva.xlsx", 4500)), "--json"],
        [str(rich_export(rich / "vaihteleva-2.xlsx", 4500, changed=True)), "--json"],
    ], None))
    cases.append(("export with a gap of 30 000 empty rows", [[str(gapped_export(rich / "aukko.xlsx")), "--json"]], None))
    bench = generate(a.rows)
    steps = [[str(bench), "--json"]]
    if a.grown:
        grown = generate(a.grown)
        steps += [[str(grown), "--json"], [str(grown), "--json"]]
    cases.append((f"bench export of {a.rows} rows" + (f", then of {a.grown} twice" if a.grown else ""), steps, None))

    failed = 0
    with tempfile.TemporaryDirectory(dir=a.work) as d:
        for name, steps, settings in cases:
            if a.only and a.only not in name:
                continue
            before = case(a.before.resolve(), Path(d) / "before", steps, settings)
            after = case(a.after.resolve(), Path(d) / "after", steps, settings)
            diff = first_difference(before, after)
            rows = sum(len(v) for k, v in after[1].items() if k != "schema")
            codes = [o[0] for o in after[0]]
            print(f"{'same' if diff is None else 'DIFFERENT':9} {name} (exit {codes}, {rows} rows in all tables)")
            if diff is not None:
                failed += 1
                print("   ", diff)
    print(json.dumps({"cases": len(cases), "different": failed}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

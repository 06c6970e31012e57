"""Benchmark: the decision on N proposed applications, with every letter.

    .venv/bin/python bench/bench_decide.py             # 1 000 applications (by letter; --channel email for e-mail)
    .venv/bin/python bench/bench_decide.py --n 1000 --channel email

Builds a round in a temporary folder (export -> import -> check -> propose, not timed; no supplement
letters, so every application is decided), then times ``avustus decide`` (the decisions recorded, a
letter html/docx for each, the grant terms, postitus.csv, the letters table) into an empty letters
folder, and the same decide again (nothing new recorded, every letter found the same). Each run's
letters folder holds 2 N + 3 files: the letters are written inside decide's staging folder, which
a quadratic cleanup (listing the folder for each file written) would show here. ``--dir`` makes the
round in another folder than the system's temporary one; the anchor is the time to create as many empty
files there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_propose import build_export, file_floor  # noqa: E402  (the same round as the proposal's bench)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--channel", default="letter", choices=("letter", "email"))
    ap.add_argument("--dir", type=Path, default=None, help="where the round is made (default: the system's temporary folder)")
    args = ap.parse_args()
    from avustus_cli.adapters.store import Store
    from avustus_cli.cli import app
    from avustus_cli.domain.config import default_settings
    from avustus_cli.services.checking import run_check

    runner = CliRunner()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        tmp = Path(tmp)
        export = tmp / "hakemukset.xlsx"
        build_export(export, args.n, 0.0)
        db = tmp / "avustus.db"
        base = ["--db", str(db)]
        r = runner.invoke(app, [*base, "import", str(export)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        store = Store.open(db)
        run_check(store, default_settings(), dt.date(2027, 1, 10))
        store.close()
        r = runner.invoke(app, [*base, "propose", "--out", str(tmp / "esitys"), "--as-of", "2027-01-12",
                                "--budget", "10000000"],
                          catch_exceptions=False)
        assert r.exit_code == 0, r.output
        letters = tmp / "paatokset"
        cmd = [*base, "decide", "--date", "2027-01-26", "--section", "§ 12", "--letters", str(letters),
               "--channel", args.channel]
        t0 = time.perf_counter()
        r = runner.invoke(app, cmd, catch_exceptions=False)
        t1 = time.perf_counter()
        assert r.exit_code == 0, r.output
        files = sum(1 for _ in letters.iterdir())
        t2 = time.perf_counter()
        r = runner.invoke(app, cmd, catch_exceptions=False)
        t3 = time.perf_counter()
        assert r.exit_code == 0, r.output
        floor = file_floor(tmp, files)
        print(f"applications {args.n}, files in the letters folder {files}, channel {args.channel}, folder {tmp.parent}")
        print(f"decide (record + all letters): {t1 - t0:.2f} s")
        print(f"decide again (nothing new): {t3 - t2:.2f} s")
        print(f"anchor: creating {files} empty files in the same folder: {floor:.2f} s")


if __name__ == "__main__":
    main()

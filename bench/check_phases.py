"""The CPU seconds of each step of a first check (every rule, ``reuse=False``, as bench/bench_check.py's first
check runs it), measured in one process by wrapping the check's own functions (each is called a few times at
most, so the wrapping costs nothing measurable).

    .venv/bin/python bench/check_phases.py [--rows 100000] [--runs 3]

Uses the database bench/bench_check.py builds (``bench/out/check-N.db``: run that first), copied for each run.
A step's figure includes the steps called inside it (``_run_rules`` holds the reading of the rule inputs and
the rules; ``_standings`` holds ``summarize_kinds``). Prints the median of ``--runs`` runs. Compare two
checkouts by running this alternately from each (a shared machine moves the seconds between runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"

STEPS = {  # module or class (dotted) -> the functions timed
    "avustus_cli.adapters.store.rule_inputs": ("refresh", "check_rows", "columns", "grant_histories"),
    "avustus_cli.services.checking": ("_run_rules", "_findings_by_key", "_run_history_rule", "_standings",
                                      "summarize_kinds"),
    "avustus_cli.domain.checking.RoundFindings": ("add", "lists"),
    "avustus_cli.services.checking._Lists": ("add_made",),
    "avustus_cli.adapters.store.Store": ("save_check",),
}


def _wrap(times: dict[str, float]) -> None:
    import importlib

    for dotted, names in STEPS.items():
        try:
            owner: Any = importlib.import_module(dotted)
        except ModuleNotFoundError:
            module, _, cls = dotted.rpartition(".")
            owner = getattr(importlib.import_module(module), cls)
        for name in names:
            f = getattr(owner, name, None)
            if f is None:  # (a checkout without that step)
                continue

            def timed(*args: Any, __f: Any = f, __name: str = name, **kwargs: Any) -> Any:
                t = time.process_time()
                try:
                    return __f(*args, **kwargs)
                finally:
                    times[__name] = times.get(__name, 0.0) + time.process_time() - t

            setattr(owner, name, functools.wraps(f)(timed))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    source = OUT / f"check-{args.rows}.db"
    if not source.exists():
        print(f"{source} is missing: run bench/bench_check.py --rows {args.rows} first", file=sys.stderr)
        return 2
    from avustus_cli.adapters.store import Store
    from avustus_cli.domain.config import default_settings
    from avustus_cli.services import checking

    times: dict[str, float] = {}
    _wrap(times)
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            db = Path(tmp) / "check.db"
            shutil.copy(source, db)
            store = Store.open(db)
            times.clear()
            t = time.process_time()
            checking.check_round(store, default_settings(2027), dt.date(2027, 1, 10), 200, reuse=False)
            times["whole check"] = time.process_time() - t
            runs.append(dict(times))
            store.close()
            for leftover in Path(tmp).iterdir():
                leftover.unlink()
    print(f"first check of {args.rows} applications, CPU seconds (median of {args.runs}; each run):")
    for name in runs[0]:
        values = [r.get(name, 0.0) for r in runs]
        print(f"  {name:20s} {statistics.median(values):6.3f}   ({' '.join(f'{v:.3f}' for v in values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

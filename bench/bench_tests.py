"""Test-suite benchmark: ``python3 run.py test`` as the README and CI run it, a whole process each time.

    python3 bench/bench_tests.py                          # one run of this checkout
    python3 bench/bench_tests.py --runs 3                 # the medians of three
    python3 bench/bench_tests.py --before ../other --runs 3   # that checkout and this one, in turns

Each run prints its wall seconds, its CPU seconds (user + system of run.py, pytest, its workers and every
process they waited for: the commands the fault tests start, LibreOffice, pdftotext) and the tests'
summary line; then the medians. With ``--before``, the runs alternate between the two checkouts, so that
a busy machine slows both alike, and the ratios are printed. Each checkout runs its own run.py (and
.venv, set up on its first run).

Target (issue 14): ``python3 run.py test`` within 120 s wall on a 2-core machine. Nothing is asserted.
The suite's own share of the time: ``run.py test -n0 --durations=30``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["-q", "-p", "no:cacheprovider"]  # as .ci/run runs it (its -rs only lists the skipped)


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: wall time only
        return float("nan")
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(checkout: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and the summary line of one ``python3 run.py test`` in ``checkout``."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "run.py", "test", *ARGS], cwd=checkout, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    lines = [ln for ln in done.stdout.splitlines() if " passed" in ln or " failed" in ln or " error" in ln]
    summary = lines[-1].strip("= ") if lines else f"exit {done.returncode}: {done.stdout[-300:]}{done.stderr[-300:]}"
    return wall, cpu, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--before", type=Path, help="another checkout, run in turns with this one")
    a = ap.parse_args(argv)
    checkouts = {"now": ROOT} if a.before is None else {"before": a.before.resolve(), "now": ROOT}
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
    for k in range(a.runs):
        for name, checkout in checkouts.items():
            wall, cpu, summary = run_once(checkout)
            seen[name].append((wall, cpu))
            print(f"run {k + 1} {name:6} wall {wall:6.1f} s  cpu {cpu:6.1f} s  {summary}", flush=True)
    print(f"\nmedians of {a.runs} ({' / '.join(f'{n}: {c}' for n, c in checkouts.items())})")
    medians = {n: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for n, v in seen.items()}
    for name, (wall, cpu) in medians.items():
        print(f"| `python3 run.py test` {name} | wall {wall:.1f} s | cpu {cpu:.1f} s |")
    if a.before is not None:
        (bw, bc), (nw, nc) = medians["before"], medians["now"]
        print(f"now / before: wall {nw / bw:.2f}x, cpu {nc / bc:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

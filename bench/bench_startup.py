"""Start-up benchmark: how long a short command takes, against a two-command Typer app.

    .venv/bin/python bench/bench_startup.py            # 9 runs of each
    .venv/bin/python bench/bench_startup.py --runs 21

Every measurement is a whole process (interpreter start, imports, the command,
exit), timed from the outside, run in turns so that a busy machine slows every
row alike; the medians are printed with their ratio to the anchor:

- anchor: a two-command Typer app in the same environment, ``--help``;
- ``python -c pass``: the interpreter alone;
- ``avustus --help``, ``avustus --version``;
- ``avustus status`` on the sample round (imported once into a temporary folder, its history too,
  and checked once, as an officer's round is), run as the officer runs it (``avustus.toml`` in the
  working folder) and with ``--db`` and ``--settings``; ``check`` and ``overdue`` on the same round.

Typer 0.29 converts every option value it is given through a pydantic TypeAdapter, so a bare Typer
app given a value (``hello NAME``) imports pydantic: the second anchor row shows that cost. avustus
converts its plain values itself (``avustus_cli.cli._PlainValue``) and does not pay it.

The commands run with their bytecode, as installed (see ``as_installed``).

Targets (issue 14): ``--help`` within 1.2x the anchor; ``--version``,
``status``, ``check`` and ``overdue`` within 2x. Nothing is asserted: read the ratios (a shared machine
moves the seconds, much less the ratios).
To see where the time goes: ``python -X importtime -c "import avustus_cli.cli"``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
PYCACHE = Path(__file__).resolve().parent / "out" / "pycache"


def as_installed() -> None:
    """Every command measured from here on runs with its modules' bytecode, as an installed program does
    (``pip install`` writes it; Python writes it on first run): an environment that sets
    PYTHONDONTWRITEBYTECODE would otherwise compile every module of the project on every run (measured
    +0.1 s on each command), which no officer's machine does. The bytecode goes to bench/out/pycache, so
    no checkout, this one or ``--before``, is written into; the first (warm-up) run writes it."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)

ANCHOR_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    print(f"Hello {name}")


@app.command()
def goodbye(name: str, formal: bool = False) -> None:
    """Say goodbye."""
    print(f"Goodbye {name}")


if __name__ == "__main__":
    app()
'''


def avustus_command() -> list[str]:
    """The installed ``avustus`` script beside this interpreter, else ``python -m avustus_cli``."""
    script = Path(sys.executable).with_name("avustus.exe" if os.name == "nt" else "avustus")
    return [str(script)] if script.exists() else [sys.executable, "-m", "avustus_cli"]


def run_once(argv: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited with {done.returncode}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="runs of each command (median reported)")
    args = parser.parse_args(argv)
    as_installed()

    with tempfile.TemporaryDirectory(prefix="avustus-startup-") as tmp:
        work = Path(tmp)
        anchor = work / "anchor.py"
        anchor.write_text(ANCHOR_APP, encoding="utf-8")
        avustus = avustus_command()
        round_ = [*avustus, "--settings", str(SAMPLE / "avustus.toml"), "--db", str(work / "avustus.db")]
        for step in (["import", str(SAMPLE / "hakemukset.xlsx")], ["import", "--history", str(SAMPLE / "aiemmat_avustukset.xlsx")]):
            subprocess.run([*round_, *step], cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([*round_, "check", "--as-of", "2027-01-10"], cwd=work, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # findings: exit 1

        # as the officer runs it: avustus.toml in the working folder, the database beside it
        (work / "avustus.toml").write_bytes((SAMPLE / "avustus.toml").read_bytes())
        rows: list[tuple[str, list[str]]] = [
            ("anchor: Typer app --help", [sys.executable, str(anchor), "--help"]),
            ("Typer app hello NAME", [sys.executable, str(anchor), "hello", "Maija"]),
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("avustus --help", [*avustus, "--help"]),
            ("avustus --version", [*avustus, "--version"]),
            ("avustus status (sample round)", [*avustus, "status"]),
            ("avustus --db --settings status", [*round_, "status"]),
            ("avustus check (checked before)", [*avustus, "check", "--as-of", "2027-01-10"]),
            ("avustus overdue", [*avustus, "overdue", "--as-of", "2027-09-01"]),
        ]
        for _, cmd in rows:  # warm the file cache and the bytecode
            run_once(cmd, work)
        times: dict[str, list[float]] = {label: [] for label, _ in rows}
        for _ in range(args.runs):
            for label, cmd in rows:
                times[label].append(run_once(cmd, work))

    medians = {label: statistics.median(values) for label, values in times.items()}
    base = medians[rows[0][0]]
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} cores; medians of {args.runs} runs")
    print(f"{'':32} {'median':>9} {'x anchor':>9}")
    for label, _ in rows:
        print(f"{label:32} {medians[label]:8.3f}s {medians[label] / base:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

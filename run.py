#!/usr/bin/env python3
"""Set up a virtual environment and run the demo or the tests, with only Python.

    python3 run.py demo    # import, check and propose on sample_data/ into demo/
    python3 run.py test    # the whole test suite (pytest, on up to four cores); extra args go to pytest
    python3 run.py lint    # ruff (style and bugs, every Python file) and mypy (types, the program), as CI runs them

The environment lives in .venv/ and is reused; it is refreshed when
pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".avustus-installed"


def child_env() -> dict[str, str]:
    """The environment of the tests and the demo: Python keeps the bytecode of the modules it compiles.

    The suite starts the command line as a process of its own a few hundred times; where
    PYTHONDONTWRITEBYTECODE is set (many container images set it), a fresh checkout has no bytecode of
    the program, so every one of those processes would compile the whole program again (about 0.2 s of
    CPU each). The bytecode goes where Python puts it by default (``__pycache__`` beside each module,
    ignored by git): a separate prefix (PYTHONPYCACHEPREFIX) would also hide the bytecode pip wrote for
    the libraries when it installed them, and each test worker would compile them all again (about
    10 s of CPU each on a fresh clone)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def sh(*args: str | Path, check: bool = True, **kw) -> int:
    print("$", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], check=check, **kw).returncode


def ensure_venv() -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest and PY.exists():
        return
    if not PY.exists():
        sh(sys.executable, "-m", "venv", VENV)
    sh(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[test]")
    STAMP.write_text(digest)


def demo() -> int:
    out = ROOT / "demo"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    avustus = [str(BIN / "avustus"), "--settings", str(ROOT / "sample_data" / "avustus.toml"), "--db", str(out / "avustus.db")]
    env = child_env()
    sh(*avustus, "import", ROOT / "sample_data" / "hakemukset.xlsx", env=env)
    sh(*avustus, "import", "--history", ROOT / "sample_data" / "aiemmat_avustukset.xlsx", env=env)
    sh(*avustus, "positions", "import", ROOT / "sample_data" / "sidonnaisuudet.xlsx", env=env)
    sh(*avustus, "status", env=env)
    steps = [
        ["check", "--as-of", "2027-01-04", "--xlsx", str(out / "tarkistus.xlsx")],
        ["propose", "--out", str(out / "esitys"), "--as-of", "2027-01-04"],
        ["decide", "--date", "2027-01-20", "--section", "§ 12", "--minutes-published", "2027-01-22",
         "--letters", str(out / "paatokset")],
        # the small partnership agreements: the strategy director's own decision (S04)
        ["decide", "--date", "2027-01-21", "--section", "§ 3", "--maker", "Strategiajohtaja",
         "--minutes-published", "2027-01-22", "--letters", str(out / "paatokset_strategiajohtaja")],
        # the letters served by e-mail (the supplement requests): .eml files into a local folder, no SMTP server
        ["send", "--out", str(out / "sahkopostit")],
        # a review request against the board's decision, decided: the decision is kept
        ["review", "add", "AV-2027-004", "--received", "2027-02-05", "--by", "Hakija"],
        ["review", "decide", "AV-2027-004", "--date", "2027-02-24", "--section", "§ 21", "--outcome", "kept",
         "--reasons", "Avustus on myönnetty avustusperiaatteiden mukaisesti, eikä oikaisuvaatimuksessa esitetty "
         "uutta selvitystä, joka antaisi aihetta muuttaa päätöstä.",
         "--letters", str(out / "oikaisuvaatimukset")],
        ["payments", "--as-of", "2027-03-01"],
        # the year after the decision: the partnership agreement, its first yearly instalment paid
        ["agreement", "AV-2027-010", "--date", "2027-02-01", "--out", str(out / "sopimukset")],
        ["paid", "AV-2027-050", "--date", "2027-03-02", "--instalment", "1"],
        # usage reports of 2026 from the e-form service: one with unused funds accepted, one incomplete
        ["import", "--reports", str(ROOT / "sample_data" / "kayttoselvitykset.xlsx")],
        ["report", "AV-2026-004"],
        ["report", "AV-2026-004", "--accept", "--date", "2027-05-20", "--letters", str(out / "kayttoselvitykset")],
        ["report", "AV-2026-011", "--supplement", "--date", "2027-06-10", "--letters", str(out / "kayttoselvitykset")],
        # the unused funds reclaimed: hearing, decision after the answer time, part returned
        ["reclaim", "start", "AV-2026-004", "--date", "2027-05-24", "--letters", str(out / "takaisinperinta"),
         "--grounds", "Käyttöselvityksen mukaan avustuksesta jäi käyttämättä osa, jota ei ole palautettu."],
        ["reclaim", "decide", "AV-2026-004", "--date", "2027-06-22", "--section", "§ 48", "--amount", "2400",
         "--due", "2027-07-30", "--letters", str(out / "takaisinperinta"),
         "--reasons", "Vastinetta ei annettu. Käyttämättä jäänyttä avustusta ei ole palautettu."],
        ["reclaim", "paid", "AV-2026-004", "--date", "2027-07-20", "--amount", "1200"],
        ["overdue", "--as-of", "2027-09-01"],
        # the agreement's second year: the 2028 budget holds the money
        ["instalments", "AV-2027-010", "--confirm", "2", "--date", "2027-12-10",
         "--reason", "Aluevaltuusto hyväksyi vuoden 2028 talousarvion 9.12.2027 § 80.", "--as-of", "2028-01-10"],
        ["status"],
    ]
    for step in steps:
        code = sh(*avustus, *step, check=False, env=env)
        if code not in (0, 1):  # 1 = findings, expected on the sample
            return code
    print(f"\nValmis. Tulokset kansiossa {out}")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "lint"):
        print(__doc__)
        return 2
    ensure_venv()
    if argv[0] == "demo":
        return demo()
    if argv[0] == "lint":
        # ruff: every Python file of the repository (src, tests, bench, docs, sample_data, templates, this file);
        # mypy: the program (pyproject.toml)
        return sh(PY, "-m", "ruff", "check", ".", cwd=ROOT, check=False) or sh(PY, "-m", "mypy", cwd=ROOT, check=False)
    scratch = memory_temp(argv[1:])
    try:
        temp = [f"--basetemp={scratch / 'pytest'}"] if scratch else []
        return sh(PY, "-m", "pytest", *workers(argv[1:]), *temp, *argv[1:], cwd=ROOT, check=False, env=child_env())
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def memory_temp(args: list[str]) -> Path | None:
    """A folder of this run's own in memory (/dev/shm) for the tests' temporary files, where the machine has
    one and the caller did not choose (--basetemp); removed after the run.

    The tests write a few thousand small SQLite databases, each commit synced to disk (synchronous=FULL):
    on a disk whose sync is slow that waiting is a large share of the suite's time, and no test is about
    the disk itself."""
    shm = Path("/dev/shm")
    if any(a.startswith("--basetemp") for a in args) or not shm.is_dir() or not os.access(shm, os.W_OK):
        return None
    return Path(tempfile.mkdtemp(prefix="avustus-tests-", dir=shm))


def workers(args: list[str]) -> list[str]:
    """Spread the tests over the machine's cores (pytest-xdist), up to four workers, a test file at a time
    (``--dist loadfile``): a file's fixtures shared by its tests (the sample round rendered by
    LibreOffice, the fault tests' large exports and rounds) are then made by one worker, not by each.
    The files are handed out in the order collected (``--no-loadscope-reorder``; xdist would order them
    by their number of tests), which puts the longest first (tests/conftest.py, LONGEST_FIRST), so that
    no long file starts when the others are nearly done.

    Nothing is added when the caller chose (-n, -p no:xdist, --dist) or there is one core.
    """
    if any(a == "-n" or a.startswith("-n") or a.startswith("--numprocesses") or "xdist" in a or a.startswith("--dist")
           for a in args):
        return []
    cores = min(os.cpu_count() or 1, 4)
    return ["-n", str(cores), "--dist", "loadfile", "--no-loadscope-reorder"] if cores > 1 else []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

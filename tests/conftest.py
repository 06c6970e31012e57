"""Shared fixtures: workbooks built in the test, a fresh database, the CLI."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.testing
from hypothesis import HealthCheck, Phase, settings
from openpyxl import Workbook
from typer.testing import CliRunner

# Hypothesis for every test: no per-example deadline (CI machines are slower and busier than a
# laptop); HYPOTHESIS_PROFILE=thorough|no-shrink|nightly runs the fuzz tests longer.
settings.register_profile("default", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("no-shrink", max_examples=1000, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))



def pytest_configure(config: pytest.Config) -> None:
    # the tests keep no compiled templates between runs in the user's cache folder (tests/test_kept_templates.py
    # gives each of its tests a folder of its own); set here, not at import: the benches import this module
    os.environ["AVUSTUS_CACHE_DIR"] = ""


ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
REALDATA = ROOT / "tests" / "data" / "realdata"  # real public files, sources and licences in its README

# The headers of a county export, as the e-form service names them.
HEADERS = [
    "Hakemusnumero", "Saapunut", "Avustusmuoto", "Avustusvuosi", "Hakija", "Y-tunnus", "Oikeudellinen muoto",
    "Yleishyödyllinen", "Kotikunta", "Yhteyshenkilö", "Sähköposti", "Puhelin", "Tilinumero", "Toiminnan nimi",
    "Toimintaluokka", "Toiminnan kuvaus", "Toiminta-alue", "Toimintakunnat", "Haettu summa",
]  # fmt: skip


def app_row(n: int = 1, **over: Any) -> dict[str, Any]:
    """One plausible application row (header -> cell)."""
    row = {
        "Hakemusnumero": f"H-{n:04d}",
        "Saapunut": "10.12.2026",
        "Avustusmuoto": "Toiminta-avustus",
        "Avustusvuosi": 2027,
        "Hakija": f"Testiyhdistys {n} ry",
        "Y-tunnus": "0737546-2",
        "Oikeudellinen muoto": "Rekisteröity yhdistys",
        "Yleishyödyllinen": "Kyllä",
        "Kotikunta": "Jyväskylä",
        "Yhteyshenkilö": "Maija Meikäläinen",
        "Sähköposti": "maija@example.fi",
        "Puhelin": "040 000 0001",
        "Tilinumero": "FI21 1234 5600 0007 85",
        "Toiminnan nimi": "Vertaistukiryhmät",
        "Toimintaluokka": "4",
        "Toiminnan kuvaus": "Vertaistukea mielenterveyskuntoutujille.",
        "Toiminta-alue": "Paikallinen",
        "Toimintakunnat": "Jyväskylä; Laukaa",
        "Haettu summa": "12 500,00 €",
    }
    row.update(over)
    return row


def write_xlsx(path: Path, rows: Sequence[dict[str, Any]] | Sequence[Sequence[Any]], headers: Sequence[str] | None = None,
               sheet: str = "Hakemukset", above: Sequence[Sequence[Any]] = (), first_sheet: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if first_sheet:
        ws.title = first_sheet
        ws.append(["Tämä on ohjesivu."])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    for r in above:
        ws.append(list(r))
    if rows and isinstance(rows[0], dict):
        headers = headers or list(rows[0].keys())
        ws.append(list(headers))
        for r in rows:
            ws.append([r.get(h) for h in headers])
    else:
        if headers:
            ws.append(list(headers))
        for r in rows:
            ws.append(list(r))
    wb.save(path)
    return path


def _root_command(typer_app: typer.Typer) -> Any:
    """The Click command a CliRunner runs for ``typer_app``: for the program's own app, the root command
    built once per test process, as ``avustus`` itself builds it (``cli.command()``: its commands are built
    when first run).

    Typer's CliRunner builds the whole app again for every ``invoke``; once the tests have imported the
    command modules, that reads the parameters of every command from its signature each time (about 0.1 s
    a call, for several thousand calls a run), and the root command then throws them away to build the
    one it runs lazily. The root command holds no state from one run to the next."""
    from avustus_cli import cli

    if typer_app is not cli.app:
        return _typer_get_command(typer_app)
    if "root" not in _ROOT:
        _ROOT["root"] = cli.command()
    return _ROOT["root"]


_ROOT: dict[str, Any] = {}
_typer_get_command = typer.testing._get_command
typer.testing._get_command = _root_command  # Typer is pinned below 0.30 (pyproject.toml)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder: no avustus.toml, so the built-in defaults apply."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Cli:
    def __init__(self, db: Path, settings: Path | None = None):
        self.db = db
        self.settings = settings
        self.runner = CliRunner()

    def __call__(self, *args: Any, input: str | None = None):
        from avustus_cli.cli import app

        base = ["--db", str(self.db)]
        if self.settings:
            base += ["--settings", str(self.settings)]
        result = self.runner.invoke(app, [*base, *[str(a) for a in args]], input=input, catch_exceptions=False)
        return result


@pytest.fixture
def cli(workdir: Path) -> Cli:
    return Cli(workdir / "avustus.db")


def dump(db: Path) -> dict[str, list]:
    """Every row of every table, for before/after comparisons."""
    import sqlite3

    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table' order by name")]
        return {t: sorted(conn.execute(f"select * from [{t}]").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def applications(db: Path) -> dict[str, dict]:
    """The applications table as it is stored, by id."""
    import sqlite3

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in conn.execute("select * from applications")}
    finally:
        conn.close()


def docx_parts(source: Path | bytes) -> list[str]:
    """The text of a Word document's paragraphs, then of its tables' cells (a file or its bytes)."""
    import io

    from docx import Document

    doc = Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return parts


def python() -> str:
    return sys.executable


TODAY = dt.date(2027, 1, 10)


def checked_sample(db: Path, as_of: str = "2027-01-10") -> Cli:
    """The sample round's applications and earlier grants imported into ``db`` and checked on ``as_of``."""
    cli = Cli(db, SAMPLE / "avustus.toml")
    for args in (("import", SAMPLE / "hakemukset.xlsx"), ("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx"),
                 ("check", "--as-of", as_of)):
        r = cli(*args)
        assert r.exit_code in (0, 1), (args, r.output)
    return cli


@dataclass(frozen=True)
class DemoRound:
    path: Path  # the folder: avustus.db, esitys/, paatokset/, paatokset_sj/
    decided: dict[str, Any]  # decide --json of the board's decision on 20.1.2027
    decide_exit: int  # its exit code


@pytest.fixture(scope="session")
def demo_round(tmp_path_factory: pytest.TempPathFactory) -> DemoRound:
    """The sample round as ``run.py demo`` runs it: check and propose on 4.1.2027 (before the supplement
    deadline), the board decides on 20.1. and the strategy director on 21.1. Built once per test run:
    tests only read it (copy the folder to change anything)."""
    import json

    d = tmp_path_factory.mktemp("demo-round")
    cli = Cli(d / "avustus.db", SAMPLE / "avustus.toml")
    decided: dict[str, Any] = {}
    decide_exit = -1
    for args in (
        ("import", SAMPLE / "hakemukset.xlsx"),
        ("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx"),
        ("positions", "import", SAMPLE / "sidonnaisuudet.xlsx"),
        ("check", "--as-of", "2027-01-04"),
        ("propose", "--out", d / "esitys", "--as-of", "2027-01-04"),
        ("decide", "--date", "2027-01-20", "--section", "§ 12", "--letters", d / "paatokset", "--json"),
        ("decide", "--date", "2027-01-21", "--section", "§ 3", "--maker", "Strategiajohtaja",
         "--letters", d / "paatokset_sj"),
    ):
        r = cli(*args)
        assert r.exit_code in (0, 1), (args, r.output)
        if "--json" in args:
            decided, decide_exit = json.loads(r.stdout), r.exit_code
    return DemoRound(d, decided, decide_exit)



# The test files that take longest, longest first: ``python3 run.py test`` hands whole files to its workers
# in the order collected (``--dist loadfile --no-loadscope-reorder``), so a long file that started last
# would run on alone at the end. The other files follow in their usual order. (Only the order changes.)
LONGEST_FIRST = ("test_faults.py", "test_layout_pdf.py", "test_pdf.py", "test_propose.py", "test_import.py",
                 "test_fuzz_import.py", "test_allocation.py", "test_render_fast.py", "test_rule_inputs.py",
                 "test_docs.py", "test_decide.py")

# Every test case this run collected, before -m, -k or --deselect chose among them: (file name, test name)
COLLECTED = pytest.StashKey[list[tuple[str, str]]]()


@pytest.hookimpl(tryfirst=True)  # before -m, -k and --deselect leave items out
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests tests/attack_register.py lists (hostile, kill, leakcheck), so that pytest -m
    counts the figures docs/reliability.md states; keep the list of every collected case
    (``COLLECTED``); put the longest files first (``LONGEST_FIRST``)."""
    from .attack_register import MARKS

    by_test: dict[tuple[str, str], list[str]] = {}
    for mark, refs in MARKS.items():
        for ref in refs:
            file, test = ref.split("::")
            by_test.setdefault((file, test), []).append(mark)
    cases = []
    for item in items:
        key = (Path(str(item.fspath)).name, getattr(item, "originalname", item.name))
        cases.append(key)
        for mark in by_test.get(key, ()):
            item.add_marker(getattr(pytest.mark, mark))
    config.stash[COLLECTED] = cases
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).name, len(rank)))  # stable: files stay whole

"""A small decided round for the year after the decision (instalments, usage reports, reclaim): built once
through the command line and copied for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import Cli, app_row, write_xlsx
from .test_decide import add_proposal
from .test_propose import CLEAN

BIDS = ["1234560-4", "1234561-2", "1234562-0"]
PARTNER = {
    "Avustusmuoto": "Kumppanuussopimus", "Sopimuskausi alkaa": "1.1.2027", "Sopimuskausi päättyy": "31.12.2028",
    "Muu rahoitus": "40 000", "Muut rahoituslähteet": "STEA",
    "Sitoumukset ja mittarit": ("Yhdistys: viikoittaiset ryhmät ja ohjaus palveluihin. Hyvinvointialue: tilat ja "
                                "asiakasohjaus.\nMittarit: osallistujamäärä, asiakasohjausten määrä."),
}


def build(base: Path) -> Path:
    """H-0001 an operating grant of 20 000 €, H-0002 a partnership agreement of 30 000 € a year for 2027–2028,
    decided by the strategy director; both letters sent 21./22.1.2027."""
    base.mkdir(parents=True, exist_ok=True)
    cli = Cli(base / "avustus.db")
    rows = [
        app_row(1, **CLEAN, **{"Y-tunnus": BIDS[0], "Haettu summa": "20 000"}),
        app_row(2, **CLEAN, **PARTNER, **{"Y-tunnus": BIDS[1], "Haettu summa": "30 000", "Hakija": "Kumppani ry"}),
    ]
    headers = list(dict.fromkeys(h for r in rows for h in r))
    write_xlsx(base / "hakemukset.xlsx", rows, headers)
    assert cli("import", base / "hakemukset.xlsx").exit_code == 0
    assert cli("check", "--as-of", "2027-01-10").exit_code in (0, 1)
    add_proposal(cli.db, "H-0001", "20000", "myönnetään haettu määrä", "FULL")
    add_proposal(cli.db, "H-0002", "30000", "myönnetään haettu määrä", "FULL")
    r = cli("decide", "--date", "2027-01-20", "--section", "§ 12", "--minutes-published", "2027-01-20",
            "--letters", base / "paatokset")
    assert r.exit_code == 0, r.output
    r = cli("decide", "--date", "2027-01-21", "--section", "§ 3", "--maker", "Strategiajohtaja",
            "--minutes-published", "2027-01-21", "--letters", base / "paatokset_sj")
    assert r.exit_code == 0, r.output
    return base


_BUILT: dict[str, Path] = {}


def decided_round(tmp_root: Path, workdir: Path) -> Cli:
    """A copy of the built round's database in ``workdir``."""
    if "base" not in _BUILT:
        _BUILT["base"] = build(tmp_root / "year-round")
    shutil.copy(_BUILT["base"] / "avustus.db", workdir / "avustus.db")
    return Cli(workdir / "avustus.db")

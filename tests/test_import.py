"""avustus import: the file as it is, as often as it is exported, nothing lost."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from avustus_cli.adapters.store import Store

from .conftest import REALDATA, Cli, app_row, dump, write_xlsx
from .conftest import applications as apps


def test_import_messy_export_and_status(cli, workdir):
    rows = [
        app_row(1),
        app_row(2, **{"Y-tunnus": "07375462", "Haettu summa": 8000, "Saapunut": "2026-12-02"}),
        {h: None for h in app_row(0)},  # blank row
        app_row(3, **{"Haettu summa": "kaksi tonnia", "Saapunut": "31.2.2026"}),
        {**{h: None for h in app_row(0)}, "Hakija": "Yhteensä", "Haettu summa": 30500},
    ]
    f = write_xlsx(workdir / "vienti.xlsx", rows, first_sheet="Ohje",
                   above=[["Keski-Suomen hyvinvointialue: hakemukset"], ["", "Hakijan tiedot"]])
    r = cli("import", f)
    assert r.exit_code == 0, r.output
    assert re.search(r"uusia\s+3\b", r.stdout) and re.search(r"ohitettuja rivejä\s+2 ", r.stdout)
    stored = apps(workdir / "avustus.db")
    assert set(stored) == {"H-0001", "H-0002", "H-0003"}
    assert stored["H-0002"]["business_id"] == "0737546-2"
    assert stored["H-0001"]["requested_cents"] == 1250000
    assert stored["H-0003"]["requested_cents"] is None  # unparseable: stored as missing ...
    assert stored["H-0003"]["received"] is None
    warn = json.loads(cli("status", "--json").stdout)["warnings"]
    cols = {(w["application_id"], w["row"], w["column_name"].split(" ")[0]) for w in warn}
    # ... with a warning naming sheet row and column (header under two rows above it: data row 1 is Excel row 4)
    assert ("H-0003", 7, "S") in cols and ("H-0003", 7, "B") in cols
    data = json.loads(cli("status", "--json").stdout)
    assert data["applications"] == 3
    assert Decimal(data["requested"]) == Decimal("20500.00")
    imp = data["imports"][0]
    assert (imp["rows_total"], imp["new"], imp["skipped"]) == (5, 3, 2)


def test_personal_data_kept_apart_and_db_owner_only(cli, workdir):
    f = write_xlsx(workdir / "v.xlsx", [app_row(1)])
    assert cli("import", f).exit_code == 0
    db = workdir / "avustus.db"
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    row = apps(db)["H-0001"]
    assert "maija@example.fi" not in row["data"] and "FI21" not in row["data"]
    assert json.loads(row["personal"])["iban"] == "FI2112345600000785"
    assert json.loads(row["raw_row"])["Hakija"] == "Testiyhdistys 1 ry"  # the exported row is kept whole


def test_unknown_columns_kept_and_listed(cli, workdir):
    f = write_xlsx(workdir / "v.xlsx", [app_row(1, **{"Lomakkeen versio": "v3"})])
    r = cli("import", f)
    assert "Lomakkeen versio" in r.stdout
    s = Store.open(workdir / "avustus.db")
    assert s.application("H-0001").extra == {"Lomakkeen versio": "v3"}


def test_reimport_same_file_changes_nothing(cli, workdir):
    f = write_xlsx(workdir / "v.xlsx", [app_row(i) for i in range(1, 6)])
    cli("import", f)
    before = dump(workdir / "avustus.db")
    r = cli("import", f)
    assert r.exit_code == 0
    after = dump(workdir / "avustus.db")
    for table in ("applications", "organisations", "import_warnings"):
        assert before[table] == after[table]
    assert len(after["imports"]) == 2 and after["imports"][-1][9:12] == (0, 0, 5)  # new, changed, unchanged


def test_grown_export_upserts_and_names_changed_fields(cli, workdir):
    cli("import", write_xlsx(workdir / "v1.xlsx", [app_row(1), app_row(2)]))
    r = cli("import", write_xlsx(workdir / "v2.xlsx", [app_row(1, **{"Haettu summa": 9000}), app_row(2), app_row(3)]), "--json")
    res = json.loads(r.stdout)
    assert res["new"] == ["H-0003"]
    assert res["changed"] == {"H-0001": ["requested"]}
    assert res["unchanged"] == ["H-0002"]
    assert apps(workdir / "avustus.db")["H-0001"]["requested_cents"] == 900000
    audit = Store.open(workdir / "avustus.db").audit_rows("application", "H-0001")
    assert [a["action"] for a in audit] == ["create", "update"]
    assert json.loads(audit[1]["detail"])["fields"] == ["requested"]


def test_dry_run_changes_nothing(cli, workdir):
    cli("import", write_xlsx(workdir / "v1.xlsx", [app_row(1)]))
    before = dump(workdir / "avustus.db")
    r = cli("import", write_xlsx(workdir / "v2.xlsx", [app_row(1, Hakija="Uusi nimi ry"), app_row(2)]), "--dry-run", "--json")
    res = json.loads(r.stdout)
    assert res["new"] == ["H-0002"] and res["changed"] == {"H-0001": ["applicant"]}
    assert dump(workdir / "avustus.db") == before


def test_decided_application_kept_unless_force(cli, workdir):
    db = workdir / "avustus.db"
    cli("import", write_xlsx(workdir / "v1.xlsx", [app_row(1)]))
    s = Store.open(db)
    with s.transaction():
        s.upsert_grant({"id": "H-0001", "application_id": "H-0001", "applicant": "x", "business_id": None, "form": "operating",
                        "year": 2027, "amount_cents": 100, "source": "decision"})
    s.close()
    f2 = write_xlsx(workdir / "v2.xlsx", [app_row(1, **{"Haettu summa": 1})])
    r = cli("import", f2, "--json")
    assert json.loads(r.stdout)["kept_decided"] == ["H-0001"]
    assert apps(db)["H-0001"]["requested_cents"] == 1250000
    r = cli("import", f2, "--force", "--json")
    res = json.loads(r.stdout)
    assert res["forced"] == ["H-0001"] and Path(res["backup"]).exists()
    assert apps(db)["H-0001"]["requested_cents"] == 100


def _refused(cli, workdir, f: Path, *messages: str) -> None:
    cli("import", write_xlsx(workdir / "base.xlsx", [app_row(9)]))
    before = dump(workdir / "avustus.db")
    r = cli("import", f)
    assert r.exit_code == 2, r.output
    for m in messages:
        assert m in r.stderr, r.stderr
    assert "Traceback" not in r.output
    assert r.stderr.count("Virhe:") == 1
    assert dump(workdir / "avustus.db") == before


def test_duplicate_id_refused_whole(cli, workdir):
    f = write_xlsx(workdir / "dup.xlsx", [app_row(1), app_row(2), app_row(1)])
    _refused(cli, workdir, f, "dup.xlsx", "taulukko Hakemukset", "rivi 4", "sarake A (Hakemusnumero)", "H-0001 toistuu", "rivillä 2")


def test_missing_id_column_refused(cli, workdir):
    rows = [{k: v for k, v in app_row(1).items() if k != "Hakemusnumero"}]
    _refused(cli, workdir, write_xlsx(workdir / "noid.xlsx", rows), "noid.xlsx", "Hakemusnumero")


def test_row_without_id_refused(cli, workdir):
    f = write_xlsx(workdir / "v.xlsx", [app_row(1), app_row(2, Hakemusnumero=None)])
    _refused(cli, workdir, f, "rivi 3", "ei hakemusnumeroa")


def test_not_an_excel_file(cli, workdir):
    f = workdir / "hakemukset.xlsx"
    f.write_text("Hakemusnumero;Hakija\n1;A ry\n", encoding="utf-8")
    _refused(cli, workdir, f, "hakemukset.xlsx", "ei ole .xlsx-taulukko")


def test_wrong_extension(cli, workdir):
    f = workdir / "hakemukset.csv"
    f.write_text("x", encoding="utf-8")
    _refused(cli, workdir, f, "hakemukset.csv", "ei ole tuettu")


def test_truncated_zip(cli, workdir):
    good = write_xlsx(workdir / "good.xlsx", [app_row(1)])
    bad = workdir / "katkennut.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(cli, workdir, bad, "katkennut.xlsx", "vioittunut")


def test_zip_bomb_refused(cli, workdir):
    bomb = workdir / "pommi.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"0" * (1 << 20)
            for _ in range(300):
                f.write(chunk)
    _refused(cli, workdir, bomb, "pommi.xlsx", "zip-pommi")


def test_password_protected_refused(cli, workdir):
    f = workdir / "salattu.xlsx"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)  # what Excel writes for an encrypted workbook
    _refused(cli, workdir, f, "salattu.xlsx", "salasanasuojattu")


def test_missing_file(cli, workdir):
    _refused(cli, workdir, workdir / "eiole.xlsx", "eiole.xlsx", "ei löydy")


def test_realdata_legacy_xls_read_or_refused_clearly(cli, workdir):
    r = cli("import", REALDATA / "helsinki-leiriavustushakemus.xls")
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "helsinki-leiriavustushakemus.xls" in r.stderr and "Hakemusnumero" in r.stderr


def test_legacy_xls_with_mapping_is_read(workdir):
    from .conftest import Cli

    (workdir / "avustus.toml").write_text('[columns]\n"Leirin nimi" = "id"\n"Leiripaikka" = "activity_name"\n', encoding="utf-8")
    cli = Cli(workdir / "avustus.db", workdir / "avustus.toml")
    r = cli("import", REALDATA / "helsinki-leiriavustushakemus.xls", "--sheet", "Malli", "--json")
    # The legacy file is read through its three-row header (row 6 under the title block); a camp list has no
    # applicant, amount or arrival date column, which is refused naming them.
    assert r.exit_code == 2
    assert "taulukko Malli: otsikkorivillä 6" in r.stderr and "Hakija (applicant)" in r.stderr


def test_history_import_and_reimport(cli, workdir):
    headers = ["Hakemusnumero", "Hakija", "Y-tunnus", "Avustusmuoto", "Avustusvuosi", "Myönnetty", "Päätöspäivä", "Maksettu",
               "Maksupäivä", "Käyttöselvitys saapunut", "Käyttöselvityksen tila"]
    rows = [
        ["A-2025-1", "Vanha ry", "0737546-2", "Toiminta-avustus", 2025, "10 000", "28.1.2025", 10000, "1.3.2025", "15.5.2026", "hyväksytty"],
        ["A-2025-2", "Toinen ry", "0737546-2", "Toiminta-avustus", 2025, "5 000", "28.1.2025", 5000, "1.3.2025", None, None],
        ["Yhteensä", None, None, None, None, 15000, None, None, None, None, None],
    ]
    f = write_xlsx(workdir / "hist.xlsx", rows, headers=headers)
    r = cli("import", "--history", f, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert sorted(res["new"]) == ["A-2025-1", "A-2025-2"] and res["skipped_total"] == 1
    s = Store.open(workdir / "avustus.db")
    g = {x.id: x for x in s.grants()}
    assert g["A-2025-1"].report_received.isoformat() == "2026-05-15" and g["A-2025-2"].report_received is None
    assert g["A-2025-1"].paid_amount == Decimal("10000.00")
    before = dump(workdir / "avustus.db")
    res2 = json.loads(cli("import", "--history", f, "--json").stdout)
    assert res2["unchanged"] == ["A-2025-1", "A-2025-2"]
    after = dump(workdir / "avustus.db")
    assert before["grants"] == after["grants"] and before["payments"] == after["payments"]


def test_bad_setting_refused_naming_key(workdir):
    from .conftest import Cli

    (workdir / "avustus.toml").write_text("[budget]\ntotal = \"paljon\"\n", encoding="utf-8")
    r = Cli(workdir / "avustus.db", workdir / "avustus.toml")("status")
    assert r.exit_code == 2
    assert "budget.total" in r.stderr and "euromäärä" in r.stderr
    (workdir / "avustus.toml").write_text("[round]\nyaer = 2027\n", encoding="utf-8")
    r = Cli(workdir / "avustus.db", workdir / "avustus.toml")("status")
    assert r.exit_code == 2 and "round.yaer" in r.stderr


def test_init_writes_valid_commented_settings(workdir):
    from avustus_cli.domain.config import load_settings

    from .conftest import Cli

    r = Cli(workdir / "x.db")("init", "--year", "2029")
    assert r.exit_code == 0
    s = load_settings(workdir / "avustus.toml")
    assert s.year == 2029 and s.window_start.isoformat() == "2028-12-01" and s.window_end.isoformat() == "2028-12-31"
    assert len(s.categories) == 10 and len(s.municipalities) == 22 and s.body == "Aluehallitus"
    assert "# " in (workdir / "avustus.toml").read_text(encoding="utf-8")
    assert Cli(workdir / "x.db")("init").exit_code == 2  # never overwritten silently


def test_formula_cells_warned_not_silently_lost(cli, workdir):
    f = write_xlsx(workdir / "kaava.xlsx", [app_row(1, Hakija="=CONCATENATE(\"A\",\"B\")", **{"Haettu summa": "=1000+500"})])
    r = cli("import", f, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    msgs = {(w["row"], w["column_name"].split(" ")[0]): w["message"] for w in res["warnings"]}
    # openpyxl stores no cached value: the tool says so instead of importing a silent blank
    assert "kaava" in msgs[(2, "E")] and "puuttuvana" in msgs[(2, "E")]
    assert "kaava" in msgs[(2, "S")]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["improt", "x.xlsx"], "Virhe: tuntematon komento 'improt'. Tarkoititko 'import'? Ohje: avustus --help"),
        (["check", "--as-off", "2027-01-10"], "Virhe: tuntematon valitsin --as-off. Tarkoititko: --as-of? Ohje: avustus check --help"),
        (["accept", "H-0001", "K04"], "Virhe: valitsin --reason puuttuu. Ohje: avustus accept --help"),
        (["init", "--year", "x"], "Virhe: virheellinen arvo valitsimelle --year: odotetaan kokonaislukua. Ohje: avustus init --help"),
        (["paid", "AV-1", "--date", "2027-03-02", "--instalment", "0"],
         "Virhe: virheellinen arvo valitsimelle --instalment: odotetaan kokonaislukua, joka on vähintään 1. Ohje: avustus paid --help"),
    ],
)
def test_typos_get_one_finnish_line(cli, args, expected):
    r = cli(*args)
    assert r.exit_code == 2
    assert r.stderr.strip() == expected


def test_settings_syntax_error_in_finnish(workdir):
    from .conftest import Cli

    (workdir / "avustus.toml").write_text("[round]\nyear = 2027 2028\n", encoding="utf-8")
    r = Cli(workdir / "a.db", workdir / "avustus.toml")("status")
    assert r.exit_code == 2
    assert "kirjoitusvirhe rivillä 2" in r.stderr and "line" not in r.stderr


def test_history_payment_without_any_date_refused(cli, workdir):
    headers = ["Hakemusnumero", "Hakija", "Y-tunnus", "Avustusvuosi", "Myönnetty", "Maksettu", "Maksupäivä"]
    rows = [["A-1", "Vanha ry", "0737546-2", 2025, 1000, 1000, "1.3.2025"], ["A-2", "Toinen ry", "0737546-2", 2025, 500, 500, None]]
    f = write_xlsx(workdir / "hist.xlsx", rows, headers=headers)
    cli("import", write_xlsx(workdir / "base.xlsx", [app_row(9)]))
    before = dump(workdir / "avustus.db")
    r = cli("import", "--history", f)
    assert r.exit_code == 2
    for m in ("hist.xlsx", "rivi 3", "sarake G (Maksupäivä)", "ei maksupäivää"):
        assert m in r.stderr, r.stderr
    assert dump(workdir / "avustus.db") == before


def test_help_screens_are_finnish():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "avustus_cli", "check", "--help"], capture_output=True, text=True,
                       env={**os.environ, "COLUMNS": "100"})
    assert r.returncode == 0
    assert "Valitsimet" in r.stdout and "Näytä tämä ohje." in r.stdout and "Esimerkki" in r.stdout
    assert "Show this message" not in r.stdout and "Options" not in r.stdout


def test_large_files_are_streamed_with_the_same_result(workdir, monkeypatch):
    """An export read whole by calamine, in parts with its shared strings, and in parts as a large file
    (above excel.STREAM_ABOVE): same applications, same warnings."""
    from avustus_cli.adapters import excel

    from .conftest import SAMPLE, Cli

    results = []
    for limit, parts in ((10**12, False), (10**12, True), (0, True)):
        monkeypatch.setattr(excel, "STREAM_ABOVE", limit)
        monkeypatch.setattr(excel, "PARTS", parts)
        limit = limit + parts  # (a folder each)
        d = workdir / f"run{limit}"
        d.mkdir()
        cli = Cli(d / "a.db", SAMPLE / "avustus.toml")
        r = cli("import", SAMPLE / "hakemukset.xlsx", "--json")
        assert r.exit_code == 0, r.output
        res = json.loads(r.stdout)
        conn = sqlite3.connect(d / "a.db")
        rows = sorted(conn.execute("select id, data, personal, requested_cents, received from applications").fetchall())
        conn.close()
        results.append((res["new"], res["skipped"], [(w["row"], w["column_name"], w["message"]) for w in res["warnings"]], rows))
    assert results[0] == results[1] == results[2]


@pytest.mark.parametrize(
    ("section", "line", "key"),
    [
        ("round", "report_months = 1000000000", "round.report_months"),
        ("round", "supplement_days = 1000000000", "round.supplement_days"),
        ("rules", "partnership_max_years = 1000000000", "rules.partnership_max_years"),
        ("followup", "retention_years = 1000000000", "followup.retention_years"),
        ("allocation", 'step = "1e30"', "allocation.step"),
        ("budget", "total = 1e300", "budget.total"),
    ],
)
def test_settings_too_large_refused_in_finnish(workdir, section, line, key):
    """Values that leave the calendar or the decimal context are refused when the settings are read,
    with the largest value allowed, instead of an unexpected program error in some later command."""
    from .conftest import Cli

    (workdir / "avustus.toml").write_text(f"[round]\nyear = 2027\n[{section}]\n{line}\n".replace(
        "[round]\nyear = 2027\n[round]\n", "[round]\nyear = 2027\n"), encoding="utf-8")
    for args in (["status"], ["purge", "--as-of", "1.1.2030"], ["check", "--as-of", "2027-01-10"]):
        r = Cli(workdir / "a.db", workdir / "avustus.toml")(*args)
        assert r.exit_code == 2, (args, r.output)
        assert f"asetus {key} on liian suuri" in r.stderr and "suurin sallittu arvo on" in r.stderr, r.stderr
        assert "odottamaton" not in r.stderr


def test_a_refused_first_import_leaves_no_database_behind(workdir):
    """In a folder without a database, an import that is refused (a file that is not a workbook, a
    repeated application id) or only tried (--dry-run) leaves the folder as it was: no empty
    avustus.db, no -wal or -shm file. A first import that lands keeps its database."""
    cli = Cli(workdir / "avustus.db")
    damaged = workdir / "rikki.xlsx"
    damaged.write_bytes(b"ei taulukko")
    repeated = write_xlsx(workdir / "toistuva.xlsx", [app_row(1), app_row(2), app_row(1)])
    good = write_xlsx(workdir / "hyva.xlsx", [app_row(1), app_row(2)])
    before = sorted(p.name for p in workdir.iterdir())
    for args in (["import", damaged], ["import", repeated], ["import", "--history", damaged], ["import", good, "--dry-run"]):
        r = cli(*args)
        assert r.exit_code == (0 if "--dry-run" in args else 2), (args, r.output)
        assert sorted(p.name for p in workdir.iterdir()) == before, args
    assert cli("import", good).exit_code == 0
    assert (workdir / "avustus.db").exists()
    # the database is kept from now on, even when the next import is refused
    assert cli("import", repeated).exit_code == 2
    assert dump(workdir / "avustus.db")["applications"]


def test_a_new_database_is_removed_only_while_empty_and_no_one_else_has_it_open(tmp_path):
    db = tmp_path / "uusi.db"
    first = Store.open(db)
    other = Store.open(db)  # another command opened the new file meanwhile
    assert first.created and not other.created
    assert first.discard_if_empty() is False and db.exists()  # the other one has it open
    assert other.discard_if_empty() is False and db.exists()  # it did not make it
    made = Store.open(tmp_path / "toinen.db")
    with made.transaction():
        made.audit("database", None, "test", {})
    assert made.discard_if_empty() is False and (tmp_path / "toinen.db").exists()  # it holds a row
    alone = Store.open(tmp_path / "kolmas.db")
    assert alone.discard_if_empty() is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toinen.db", "uusi.db"]


@pytest.mark.parametrize("gaps", [False, True])
def test_the_exported_row_is_kept_byte_for_byte(cli, workdir, gaps):
    """raw_row is the row's JSON object in the sheet's column order: a column without a header is named by
    its index and left out where it is empty (``gaps``), a column with a header is kept as null when empty;
    texts with quotes, backslashes, line breaks, NUL-like escapes and percent signs are kept as they are.
    Over one batch of rows, so that columns of distinct texts are read whole too."""
    odd = ['"lainattu"', "kenoviiva \\ ja \\u0000", "rivi\nvaihto", "100 % %s %(x)s", "tab\tsisällä"]
    headers = [*app_row(0), "", 'Huom. 100% "tarkistettu"']
    rows = []
    for n in range(1, 2101):
        row = app_row(n, **{"Toiminnan nimi": f"{odd[n % len(odd)]} {n}", "Puhelin": None if n % 7 == 0 else f"040 {n}"})
        rows.append([*row.values(), None if gaps and n % 3 == 0 else f"lisä {n}", None if n % 2 else odd[n % len(odd)]])
    f = write_xlsx(workdir / "v.xlsx", rows, headers=headers)
    assert cli("import", f).exit_code == 0
    with sqlite3.connect(workdir / "avustus.db") as conn:
        stored = dict(conn.execute("select id, raw_row from applications"))
    assert len(stored) == len(rows)
    for cells in rows:
        expected: dict[str, object] = {}
        for i, (h, c) in enumerate(zip(headers, cells, strict=True)):
            if h or c is not None:
                expected[h or str(i)] = c
        assert stored[cells[0]] == json.dumps(expected, ensure_ascii=False)

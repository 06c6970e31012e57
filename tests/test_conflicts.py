"""Conflicts of interest: the register of positions, rule J01 and `avustus conflicts`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace

import pytest

from avustus_cli.adapters.store import SCHEMA_VERSION, Store
from avustus_cli.domain.config import default_settings
from avustus_cli.domain.models import LegalForm, Party, Position, Severity
from avustus_cli.domain.rules import GROUP_ORDER, GROUP_TITLES, RULES, RuleContext
from avustus_cli.domain.rules._examples import OPERATING
from avustus_cli.domain.rules.conflict import conflicts, organisation_key

from .conftest import ROOT, app_row, dump, write_xlsx

H = ["Henkilö", "Toimielin/rooli", "Yhdistys", "Y-tunnus", "Asema", "Alkaen", "Päättyen"]
DAY = dt.date(2027, 1, 26)

MATCH = Position("Anna Aaltonen", "Aluehallitus, jäsen", "Keski-Suomen Omaishoitajat ry", "2077474-0",
                 "hallituksen puheenjohtaja", dt.date(2024, 1, 1), None)  # fmt: skip
OTHER = Position("Olli Ojala", "esittelijä", "Laukaan Liikuntaseura ry", "0737546-2", "puheenjohtaja")
EXPIRED = Position("Eero Entinen", "valmistelija", "Keski-Suomen Omaishoitajat ry", "2077474-0", "jäsen",
                   dt.date(2020, 1, 1), dt.date(2026, 12, 31))  # fmt: skip


def ctx(positions, as_of=DAY):
    return RuleContext(settings=default_settings(2027), as_of=as_of, positions=tuple(positions))


def j01(app, positions, as_of=DAY):
    return RULES["J01"].check(app, ctx(positions, as_of))


def test_j01_names_the_matching_person_and_position_only():
    found = j01(OPERATING, [MATCH, OTHER, EXPIRED])
    assert [f.severity for f in found] == [Severity.REVIEW]
    msg = found[0].message
    assert "Anna Aaltonen" in msg and "hallituksen puheenjohtaja" in msg and "Aluehallitus, jäsen" in msg
    assert "Olli Ojala" not in msg and "Eero Entinen" not in msg
    assert "28 §" in msg and found[0].field == "applicant"


def test_expired_position_counts_while_it_was_valid():
    assert j01(OPERATING, [EXPIRED], as_of=dt.date(2026, 12, 31))
    assert not j01(OPERATING, [EXPIRED], as_of=dt.date(2027, 1, 1))
    assert not j01(OPERATING, [replace(MATCH, start=dt.date(2027, 2, 1))])  # not yet begun


def test_matching_by_business_id_else_by_name():
    # the register has no business ID: name match, forgiving case, punctuation and the ry suffix
    assert j01(OPERATING, [replace(MATCH, business_id=None, organisation="KESKI-SUOMEN omaishoitajat r.y.")])
    # both have business IDs and they differ: a different organisation with the same name
    assert not j01(OPERATING, [replace(MATCH, business_id="0737546-2")])
    # the application lacks its business ID: name decides
    assert j01(replace(OPERATING, business_id=None), [MATCH])
    assert organisation_key("Laukaan Omaiset r.y.") == organisation_key("laukaan omaiset") == "laukaan omaiset"


def test_co_applicant_and_lead_applicant_positions():
    co = Position("Maija Mäkelä", "Aluehallitus, varajäsen", "Laukaan Omaiset ry", None, "rahastonhoitaja")
    app = replace(
        OPERATING, applicant="Muuramen Eläkeläiset ry", business_id="0737546-2", joint=True,
        lead_applicant=Party("Keski-Suomen Omaishoitajat ry", "2077474-0", legal_form=LegalForm.ASSOCIATION),
        co_applicants=(Party("Laukaan Omaiset ry"),),
    )  # fmt: skip
    found = j01(app, [co, MATCH])
    assert {f.field for f in found} == {"co_applicants", "lead_applicant"}
    assert any("yhteishakija 'Laukaan Omaiset ry'" in f.message for f in found)
    # the lead is also the applicant: one finding, as the applicant
    same = replace(OPERATING, joint=True, lead_applicant=Party("Keski-Suomen Omaishoitajat ry", "2077474-0"))
    assert [f.field for f in j01(same, [MATCH])] == ["applicant"]


def test_no_register_no_findings():
    assert j01(OPERATING, []) == []
    assert conflicts(OPERATING, [], DAY) == []


def test_group_j_is_registered():
    assert "J" in GROUP_ORDER and GROUP_TITLES["J"].startswith("Esteellisyys")
    assert RULES["J01"].severity is Severity.REVIEW


# --- the store ---------------------------------------------------------------


def test_schema_v1_database_migrates_to_the_positions_table(tmp_path):
    db = tmp_path / "avustus.db"
    shutil.copy(ROOT / "tests" / "data" / "schema_v1.db", db)
    s = Store.open(db)
    assert s.schema_version() == SCHEMA_VERSION >= 2
    cols = [r[1] for r in s.conn.execute("pragma table_info(positions)")]
    assert cols == ["id", "person", "body_role", "organisation", "business_id", "position", "start", "end", "imported_at"]
    s.close()


# --- the commands ------------------------------------------------------------


def register_file(path, rows=None):
    rows = rows if rows is not None else [
        ["Anna Aaltonen", "Aluehallitus, jäsen", "Testiyhdistys 1 ry", "0737546-2", "puheenjohtaja", dt.date(2024, 1, 1), None],
        ["Pekka Pelkonen", "valmistelija", "Testiyhdistys 2 r.y.", None, "hallituksen jäsen", None, None],
        ["Eero Entinen", "esittelijä", "Testiyhdistys 3 ry", None, "varapuheenjohtaja", None, dt.date(2026, 6, 30)],
        ["Olli Ojala", "Aluehallitus, jäsen", "Muu Yhdistys ry", "2077474-0", "jäsen", None, None],
    ]  # fmt: skip
    return write_xlsx(path, rows, headers=H, sheet="Sidonnaisuudet")


@pytest.fixture
def round_db(cli, workdir):
    apps = [app_row(1), app_row(2, **{"Y-tunnus": "2077474-0"}), app_row(3, **{"Y-tunnus": None})]
    write_xlsx(workdir / "h.xlsx", apps)
    assert cli("import", workdir / "h.xlsx").exit_code == 0
    return cli


def test_positions_import_list_and_reimport(round_db, workdir):
    cli = round_db
    f = register_file(workdir / "s.xlsx")
    r = cli("positions", "import", f, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"file": str(f), "rows": 4, "added": 4, "removed": 0, "unchanged": 0}
    before = dump(workdir / "avustus.db")
    r = cli("positions", "import", f)
    assert r.exit_code == 0 and "ennallaan 4" in r.output
    assert dump(workdir / "avustus.db") == before  # the same file twice changes nothing
    r = cli("positions", "list", "--as-of", "2027-01-26", "--json")
    listed = json.loads(r.stdout)
    assert [p["person"] for p in listed] == ["Anna Aaltonen", "Pekka Pelkonen", "Eero Entinen", "Olli Ojala"]
    assert [p["valid"] for p in listed] == [True, True, False, True]
    assert not {"email", "phone"} & set(listed[0])


def test_conflicts_command_lists_who_steps_aside(round_db, workdir):
    cli = round_db
    cli("positions", "import", register_file(workdir / "s.xlsx"))
    r = cli("conflicts", "--as-of", "2027-01-26", "--json")
    assert r.exit_code == 1, r.output
    got = sorted((c["person"], c["application"], c["matched_by"]) for c in json.loads(r.stdout))
    # H-0002 (2077474-0) is Olli Ojala's "Muu Yhdistys ry" by business ID, and Pekka Pelkonen's by name
    assert got == [("Anna Aaltonen", "H-0001", "business_id"), ("Olli Ojala", "H-0002", "business_id"),
                   ("Pekka Pelkonen", "H-0002", "name")]  # fmt: skip
    people = {(c["person"], c["application"]) for c in json.loads(r.stdout)}
    assert ("Anna Aaltonen", "H-0001") in people
    assert ("Eero Entinen", "H-0003") not in people  # the position ended
    r = cli("conflicts", "--as-of", "2027-01-26")
    assert "Anna Aaltonen" in r.stdout and "H-0001" in r.stdout
    # the check gives J01 for the same applications
    r = cli("check", "--as-of", "2027-01-10", "--code", "J01", "--json")
    assert {a["id"] for a in json.loads(r.stdout)} == {app for _, app in people}


def test_conflicts_without_register(round_db):
    r = round_db("conflicts", "--as-of", "2027-01-26")
    assert r.exit_code == 0 and "tyhjä" in r.output


def test_bad_register_row_refused_whole(round_db, workdir):
    cli = round_db
    cli("positions", "import", register_file(workdir / "s.xlsx"))
    before = dump(workdir / "avustus.db")
    bad = register_file(workdir / "bad.xlsx", [["Anna Aaltonen", "jäsen", None, None, "jäsen", None, None]])
    r = cli("positions", "import", bad)
    assert r.exit_code == 2
    assert "rivi 2" in r.output and "Yhdistys puuttuu" in r.output
    bad = register_file(workdir / "bad2.xlsx", [["Anna Aaltonen", "jäsen", "X ry", None, "jäsen", "ensi vuonna", None]])
    r = cli("positions", "import", bad)
    assert r.exit_code == 2 and "sarake F (Alkaen)" in r.output
    assert dump(workdir / "avustus.db") == before


def test_board_item_lists_who_steps_aside_and_keeps_the_grant(round_db, workdir):
    """The board item names the decision makers who must step aside; J01 does not cost the grant."""
    cli = round_db
    clean = {
        "Yhteistyö sote- tai pelastuspalveluiden kanssa": "Aikuissosiaalityö, Jyväskylä",
        "Tuetut tavoitteet": "Mielenterveyden ja päihteettömyyden edistäminen",
        "Hyvinvointialueen toimintakentällä": "Kyllä", "Palvelutuotantoa tai muuta taloudellista toimintaa": "Ei",
        "Lupa tarkastukseen": "Kyllä", "Liitteet": "toimintasuunnitelma; talousarvio", "Yhteishakemus": "Ei",
    }
    rows = [app_row(1, **clean), app_row(2, **{**clean, "Y-tunnus": "2077474-0"}), app_row(3, **{"Y-tunnus": None})]
    assert cli("import", write_xlsx(workdir / "h2.xlsx", rows)).exit_code == 0
    assert cli("positions", "import", register_file(workdir / "s.xlsx")).exit_code == 0
    assert cli("check", "--as-of", "2027-01-10").exit_code in (0, 1)
    out = workdir / "esitys"
    r = cli("propose", "--out", out, "--as-of", "2027-01-10")
    assert r.exit_code == 0, r.output
    html = (out / "paatosesitys.html").read_text(encoding="utf-8")
    section = html[html.index("Esteellisyys"):html.index("Päätösehdotus")]
    assert "Anna Aaltonen" in section and "H-0001" in section  # by business ID
    assert "Olli Ojala" in section and "H-0002" in section
    assert "Eero Entinen" not in section  # the position ended before the meeting
    from docx import Document

    text = "\n".join(p.text for p in Document(out / "paatosesitys.docx").paragraphs)
    assert "Esteellisyys" in text and "Anna Aaltonen (Aluehallitus, jäsen)" in text
    # the conflict changes who decides, not whether the applicant is funded
    from avustus_cli.adapters.store import Store

    amounts = {r["application_id"]: r["amount_cents"] for r in Store.open(workdir / "avustus.db").query("select * from proposals")}
    reviews = json.loads(cli("check", "--show", "--json").stdout)
    only_j01 = [a["id"] for a in reviews if {f["code"] for f in a["findings"] if f["severity"] == "review"} == {"J01"}
                and not any(f["severity"] in ("blocking", "deficiency") for f in a["findings"])]
    assert only_j01 and all(amounts[i] > 0 for i in only_j01)

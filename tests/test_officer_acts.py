"""What the officer decided stays decided: edits in esitys.xlsx kept across re-runs, a supplement
request's date and deadline fixed when first sent, no decision that ignores a newer sheet, and no
proposal on a budget that funds nobody without the officer saying so."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from avustus_cli.adapters.store import Store

from .conftest import dump
from .test_decide import decided_round as decided_round  # noqa: F401
from .test_decide import proposed_round as proposed_round  # noqa: F401
from .test_propose import AS_OF, edit_sheet, proposals
from .test_propose import proposed as proposed  # noqa: F401 - fixtures used by the tests below
from .test_propose import small as small  # noqa: F401
from .test_propose import walkthrough as walkthrough  # noqa: F401


def _sheet_amount(sheet: Path, app_id: str):
    ws = load_workbook(sheet)["Esitys"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == app_id)
    return row[headers.index("Esitys (€)")]


# --- 1 a: the officer's edits -------------------------------------------------------------------


def test_edits_are_kept_across_a_plain_rerun_unless_reset(cli, proposed):  # noqa: F811
    sheet = proposed / "esitys.xlsx"
    reason = "Retkitoimintaa ei avusteta."
    edit_sheet(sheet, {"H-0001": {"Esitys (€)": 9000, "Perustelu": reason}})
    assert cli("propose", "--out", proposed, "--from", sheet, "--as-of", AS_OF).exit_code == 0
    assert cli("accept", "H-0005", "A02", "--reason", "Lupa saatu puhelimitse.").exit_code == 0
    r = cli("propose", "--out", proposed, "--as-of", AS_OF)  # the plain re-run the tool advises after accept
    assert r.exit_code == 0, r.output
    p = proposals(cli.db)
    assert p["H-0001"]["amount_cents"] == 900_000 and p["H-0001"]["source"] == "sheet" and p["H-0001"]["reason"] == reason
    assert _sheet_amount(sheet, "H-0001") == 9000
    assert "Valmistelijan muokkaukset pidettiin ennallaan (1 hakemusta: H-0001)" in " ".join(r.stderr.split())
    budget = 900_000 * 100
    assert sum(x["amount_cents"] for x in p.values()) <= budget  # the rest was allocated within what was left
    r = cli("propose", "--out", proposed, "--as-of", AS_OF, "--reset-edits")
    assert r.exit_code == 0, r.output
    assert proposals(cli.db)["H-0001"]["source"] == "allocation"
    assert "--reset-edits" in r.stderr and "H-0001" in r.stderr


def test_decide_never_ignores_an_edited_sheet(cli, proposed):  # noqa: F811
    sheet = proposed / "esitys.xlsx"
    edit_sheet(sheet, {"H-0001": {"Esitys (€)": 9000, "Perustelu": "Retkitoimintaa ei avusteta."}})
    before = dump(cli.db)
    r = cli("decide", "--date", "2027-01-26", "--section", "§ 12", "--letters", proposed.parent / "paatokset")
    assert r.exit_code == 2, r.output
    line = " ".join(r.stderr.split())
    assert "on muokattu sen jälkeen, kun esitys tallennettiin" in line
    assert f"--from {sheet.relative_to(Path.cwd())}" in line and "avustus propose --out" in line
    assert dump(cli.db) == before and not (proposed.parent / "paatokset").exists()
    # read into the proposal, the sheet is the stored proposal again: decide records it
    assert cli("propose", "--out", proposed, "--from", sheet, "--as-of", AS_OF).exit_code == 0
    r = cli("decide", "--date", "2027-01-26", "--section", "§ 12", "--letters", proposed.parent / "paatokset")
    assert r.exit_code == 0, r.output
    store = Store.open(cli.db)
    try:
        assert store.query("select amount_cents from grants where id = 'H-0001'")[0]["amount_cents"] == 900_000
    finally:
        store.close()


# --- 1 b: the supplement request's date and deadline ---------------------------------------------


def test_supplement_request_date_and_deadline_never_move(cli, workdir, walkthrough):  # noqa: F811
    """Sent 12.1. with 14 days: due 26.1., after the meeting 20.1.: pending. Later runs on other days
    (an earlier day, no --as-of) keep the date and the deadline, the letter and the pending status."""
    walkthrough("2027-01-20")
    out = workdir / "out"
    assert cli("propose", "--out", out, "--as-of", AS_OF).exit_code == 0
    letters = out / "taydennyspyynnot"
    sent = {p.name: p.read_bytes() for p in letters.iterdir()}
    assert "taydennyspyynto_H-0003.docx" in sent
    for extra in (["--as-of", "2026-12-20"], []):  # 20.12. + 14 d would be 3.1., before the meeting
        r = cli("propose", "--out", out, *extra)
        assert r.exit_code == 0, r.output
        p = proposals(cli.db)["H-0003"]
        assert p["reason_code"] == "KESKEN" and "(määräaika 26.1.2027)" in p["reason"], p
        assert {p.name: p.read_bytes() for p in letters.iterdir()} == sent  # nothing sent is rewritten
    store = Store.open(cli.db)
    try:
        rows = store.query("select application_id, sent, due from supplement_requests")
        audit = store.audit_rows("supplement_request", "H-0003")
    finally:
        store.close()
    assert [(r["application_id"], r["sent"], r["due"]) for r in rows] == [("H-0003", "2027-01-12", "2027-01-26")]
    assert len(audit) == 1


# --- 1 d: a budget that funds nobody --------------------------------------------------------------


def test_a_zero_or_absurd_budget_needs_yes_and_warns_the_board(cli, small):  # noqa: F811
    from .test_propose import docx_text, html_text

    out = small / "out"
    for budget in ("0", "1000"):  # 0 €; 1 000 €: below a tenth of what the eligible applications ask
        before = dump(cli.db)
        r = cli("propose", "--out", out, "--as-of", AS_OF, "--budget", budget)
        assert r.exit_code == 2, r.output
        line = " ".join(r.stderr.split())
        assert "--yes" in line and "Mitään ei tallennettu" in line and "avustuskelpoisia hakemuksia on" in line, line
        assert dump(cli.db) == before and not out.exists()
    r = cli("propose", "--out", out, "--as-of", AS_OF, "--budget", "0", "--yes")
    assert r.exit_code == 0, r.output
    for text in (html_text(out / "paatosesitys.html"), docx_text(out / "paatosesitys.docx")):
        flat = " ".join(text.split())
        assert "Huomio määrärahasta: Määrärahaksi on annettu 0 €, joten yhtään avustusta ei voida esittää" in flat
    r = cli("propose", "--out", out, "--as-of", AS_OF, "--force")  # the settings' budget: no warning
    assert r.exit_code == 0, r.output
    assert "Huomio määrärahasta" not in html_text(out / "paatosesitys.html")


# --- 2: exit 2 means nothing changed, the files included -------------------------------------------


def test_a_failing_document_in_propose_changes_neither_the_database_nor_the_folder(cli, proposed):  # noqa: F811
    """The documents are written into a copy of the folder inside the transaction: a broken template
    leaves the stored proposal and every file of the earlier run as they were."""
    folder = proposed.parent / "pohjat"
    folder.mkdir()
    (folder / "paatosesitys.html").write_text("<p>{{ tata_muuttujaa_ei_ole }}</p>\n", encoding="utf-8")
    settings = proposed.parent / "avustus.toml"
    settings.write_text(f'[system]\ntemplates_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    before = dump(cli.db)
    files = {p.relative_to(proposed): p.read_bytes() for p in proposed.rglob("*") if p.is_file()}
    r = cli("propose", "--out", proposed, "--as-of", AS_OF, "--budget", "30000", "--yes")
    assert r.exit_code == 2, r.output
    assert "tata_muuttujaa_ei_ole" in r.stderr
    assert dump(cli.db) == before
    assert {p.relative_to(proposed): p.read_bytes() for p in proposed.rglob("*") if p.is_file()} == files
    assert not [p for p in proposed.parent.iterdir() if p.name.startswith(".out.")]  # no staging copy left
    settings.unlink()
    r = cli("propose", "--out", proposed, "--as-of", AS_OF, "--budget", "30000", "--yes")
    assert r.exit_code == 0, r.output
    assert dump(cli.db) != before and (proposed / "paatosesitys.html").read_bytes() != files[Path("paatosesitys.html")]


def test_a_failing_reminder_records_nothing_and_writes_nothing(decided_round, workdir):  # noqa: F811
    from .test_decide import run_decide

    assert run_decide(decided_round).exit_code == 0
    folder = workdir / "pohjat"
    folder.mkdir()
    # the template fails for one grant only: the letters before it must not stay behind either
    (folder / "muistutus.html").write_text(
        '<p>{{ grant.id }}{% if grant.id == "H-0001" %}{{ tata_muuttujaa_ei_ole }}{% endif %}</p>\n', encoding="utf-8")
    (workdir / "avustus.toml").write_text(f'[system]\ntemplates_dir = "{folder.as_posix()}"\n', encoding="utf-8")
    before = dump(decided_round.db)
    r = decided_round("overdue", "--as-of", "2028-09-01", "--letters", workdir / "muistutukset")
    assert r.exit_code == 2, r.output
    assert dump(decided_round.db) == before and not (workdir / "muistutukset").exists(), r.output
    (workdir / "avustus.toml").unlink()
    r = decided_round("overdue", "--as-of", "2028-09-01", "--letters", workdir / "muistutukset")
    assert r.exit_code == 1, r.output  # overdue: exit 1, the reminders written and recorded
    assert list((workdir / "muistutukset").glob("muistutus*.docx"))
    assert dump(decided_round.db) != before

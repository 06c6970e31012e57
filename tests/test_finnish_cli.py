"""The command line in Finnish to the last word: help screens without Typer's English, choices in the
words the output uses, a next step after each stage, and tables readable at 80 and 200 columns."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from avustus_cli.adapters.store import Store
from avustus_cli.cli import COMMANDS, app, command

from .test_propose import AS_OF, proposals, write_export
from .test_propose import small as small  # noqa: F401 - the fixture


def run(cli, *args, columns: int = 80):
    base = ["--db", str(cli.db)]
    return CliRunner().invoke(app, [*base, *[str(a) for a in args]], env={"COLUMNS": str(columns)},
                              catch_exceptions=False)


def _every_command() -> list[list[str]]:
    root = command()
    out = [[]]
    for name in COMMANDS:
        out.append([name])
        for sub in getattr(root.commands[name], "commands", {}):
            out.append([name, sub])
    return out


ENGLISH = ("Usage", "[default", "[required]", "<str>", "<bool>", "<path>", "<int>", "<list", "Options",
           "Arguments", "Commands", "{file}", "[OPTIONS]", "COMMAND [ARGS]")


@pytest.mark.parametrize("words", _every_command(), ids=lambda w: " ".join(w) or "avustus")
def test_help_screens_have_no_english(words):
    r = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "Käyttö: " in r.output
    found = [w for w in ENGLISH if w in r.output]
    assert not found, (found, r.output)


def test_help_text_has_no_line_breaks_of_its_own():
    """The terminal wraps the help; the text itself breaks only between paragraphs."""
    assert not [n for n, (_, summary) in COMMANDS.items() if "\n" in summary]
    r = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    lines = [" ".join(line.strip("│ ").split()) for line in r.output.splitlines()]
    for name, (_, summary) in COMMANDS.items():
        if len(summary) < 150:  # fits one row of a 200-column terminal
            assert any(line == f"{name} {summary}" for line in lines), (name, summary)
    r = CliRunner().invoke(app, ["decide", "--help"], env={"COLUMNS": "200"})
    assert ("Kirjaa päätös (esityksen mukaan tai --from-taulukon muutoksin) ja kirjoita päätöskirjeet "
            "oikaisuvaatimusohjeineen.") in r.output


def test_choices_take_the_finnish_words_the_output_uses(cli, small):  # noqa: F811
    def shown(*args):
        r = run(cli, "check", "--show", *args, "--json")
        assert r.exit_code in (0, 1), r.output
        return r.stdout

    assert shown("--severity", "hylkäävä") == shown("--severity", "blocking") == shown("--severity", "HYLKAAVA")
    assert "H-0004" in shown("--severity", "hylkäävä")
    assert shown("--verdict", "puute") == shown("--verdict", "supplement") == shown("--verdict", "täydennettävä")
    assert shown("--verdict", "ei avustuskelpoinen") == shown("--verdict", "ineligible")
    r = run(cli, "check", "--show", "--severity", "vakava")
    assert r.exit_code == 2 and "hylkäävä, puute, huomio, tiedoksi" in r.stderr
    r = run(cli, "propose", "--out", cli.db.parent / "esitys", "--as-of", AS_OF, "--method", "suhteellinen")
    assert r.exit_code == 0, r.output
    assert {p["method"] for p in proposals(cli.db).values()} == {"proportional"}
    assert "Jakotapa suhteellinen" in r.stderr
    r = run(cli, "propose", "--compare", "--method", "arpa")
    assert r.exit_code == 2 and "suhteellinen (proportional)" in r.stderr


def _next_steps(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if line.startswith("Seuraavaksi:")]


def test_each_stage_ends_with_one_next_step(cli, workdir):
    write_export(workdir / "hakemukset.xlsx")
    r = run(cli, "import", workdir / "hakemukset.xlsx")
    assert r.exit_code == 0 and _next_steps(r) == [
        "Seuraavaksi: tarkista hakemukset avustusohjeen sääntöjä vasten: avustus check --as-of VVVV-KK-PP "
        "--xlsx tarkistus.xlsx"]
    r = run(cli, "check", "--as-of", "2027-01-10")
    assert len(_next_steps(r)) == 1 and "avustus propose --out esitys" in _next_steps(r)[0]
    r = run(cli, "propose", "--out", workdir / "esitys", "--as-of", AS_OF)
    assert r.exit_code == 0 and len(_next_steps(r)) == 1 and "avustus decide --date" in _next_steps(r)[0]
    sheet = workdir / "esitys" / "esitys.xlsx"
    assert f"--from {sheet}" in _next_steps(r)[0]
    store = Store.open(cli.db)
    try:
        with store.transaction():  # every refusal gets a reason: the round can be decided
            store.conn.execute("update proposals set reason = 'Ei avustuskelpoinen.' where reason = ''")
    finally:
        store.close()
    r = run(cli, "decide", "--date", "2027-01-26", "--section", "§ 12", "--letters", workdir / "paatokset")
    assert r.exit_code == 0, r.output
    assert len(_next_steps(r)) == 1 and "avustus payments" in _next_steps(r)[0]


def test_status_lists_the_application_ids_messages_point_to(cli, small):  # noqa: F811
    r = run(cli, "accept", "H-9999", "K04", "--reason", "x")
    assert r.exit_code == 2 and "(avustus status)" in r.stderr
    r = run(cli, "status")
    assert r.exit_code == 0
    for n in range(1, 6):
        assert f"H-{n:04d}" in r.stdout


def test_check_at_80_columns_shows_every_finding_whole(cli, small):  # noqa: F811
    from avustus_cli.adapters.store.standings import current_standings

    r = run(cli, "check", "--show", columns=80)
    assert r.exit_code in (0, 1)
    assert "…" not in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    words = set(re.findall(r"\w+", r.stdout))
    store = Store.open(cli.db)
    try:
        messages = [f.message for s in current_standings(store) for f in s.findings]
    finally:
        store.close()
    assert messages
    for m in messages:
        assert set(re.findall(r"\w+", m)) <= words, m


@pytest.mark.parametrize("columns", [80, 200])
def test_status_is_readable_and_names_the_categories_whole(cli, workdir, columns):
    from avustus_cli.domain.config import default_settings

    long_category = max(default_settings().categories, key=len)
    number = default_settings().categories.index(long_category) + 1
    from .conftest import app_row, write_xlsx

    write_xlsx(workdir / "h.xlsx", [app_row(1, Toimintaluokka=str(number)), app_row(2)])
    assert run(cli, "import", workdir / "h.xlsx").exit_code == 0
    r = run(cli, "status", columns=columns)
    assert r.exit_code == 0
    assert "…" not in r.stdout
    assert max(len(line) for line in r.stdout.splitlines() if line.startswith(("┃", "│", "┏", "└"))) <= columns
    text = " ".join(" ".join(line.strip("│ ").split()) for line in r.stdout.splitlines())
    if columns == 200:
        assert f"{number}. {long_category}" in r.stdout  # one line, whole
    else:
        assert all(w in text for w in long_category.split())


def test_every_choice_takes_its_finnish_word():
    from avustus_cli.domain.allocation import METHOD_LABELS
    from avustus_cli.domain.models import SEVERITY_LABELS, VERDICT_LABELS, Severity, Verdict, choice_from
    from avustus_cli.domain.review import OUTCOMES

    assert choice_from("Hylkäävä", SEVERITY_LABELS) is Severity.BLOCKING
    assert choice_from("tiedoksi", SEVERITY_LABELS) is Severity.NOTE
    assert choice_from("arvioitava", VERDICT_LABELS) is Verdict.REVIEW
    assert choice_from("ei-avustuskelpoinen", VERDICT_LABELS) is Verdict.INELIGIBLE
    assert choice_from("kynnys", METHOD_LABELS) == "threshold" and choice_from("score", METHOD_LABELS) == "score"
    assert choice_from("pysytetään", OUTCOMES) == "kept" and choice_from("muutetaan", OUTCOMES) == "changed"
    assert choice_from("jotain muuta", SEVERITY_LABELS) is None

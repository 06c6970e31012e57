"""What ``avustus check`` counts: the summary of its results (``domain.check_summary``), and the check of an
unchanged round that shows the stored summary and reads back only the rows its tables show."""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest

from avustus_cli.adapters.store import round_marks
from avustus_cli.cli import check_cmds
from avustus_cli.domain.check_summary import VERDICT_ORDER, CheckSummary, summarize
from avustus_cli.domain.models import Application, Finding, Severity, verdict_for
from avustus_cli.domain.standing import Standing

from .conftest import SAMPLE, Cli

DAY = "2027-01-10"


def _naive(results: list[Standing]) -> CheckSummary:
    """The summary as the check's tables counted it before the summary had a type: result by result."""
    zero = Decimal(0)
    rules: dict[str, list] = defaultdict(lambda: [0, zero])
    for r in results:
        for code in sorted({f.code for f in r.open_findings}):
            rules[code][0] += 1
            rules[code][1] += r.app.requested or zero
    return CheckSummary(
        verdicts={v: (sum(1 for r in results if r.verdict is v),
                      sum((r.app.requested or zero for r in results if r.verdict is v), zero)) for v in VERDICT_ORDER},
        total=(len(results), sum((r.app.requested or zero for r in results), zero)),
        rules={code: (n, s) for code, (n, s) in sorted(rules.items())},
        problems=any(f.severity in (Severity.BLOCKING, Severity.DEFICIENCY) for r in results for f in r.open_findings),
        reviews=len({r.app.id for r in results for f in r.open_findings if f.severity is Severity.REVIEW}),
    )


def _round(seed: int, size: int) -> list[Standing]:
    """Results as a check gives them: shared tuples of findings, shared amounts, some findings accepted."""
    rnd = random.Random(seed)
    pool = [Finding(f"{g}0{n}", sev, f"havainto {g}{n}") for g in "AKRT" for n, sev in enumerate(Severity, 1)]
    lists = [tuple(rnd.sample(pool, rnd.randint(0, 5))) for _ in range(12)]
    amounts = [None, Decimal("0"), Decimal("1500"), Decimal("2500.50"), Decimal("12000.00"), Decimal("0.25")]
    out = []
    for i in range(size):
        findings = rnd.choice(lists) if rnd.random() < 0.7 else tuple(rnd.sample(pool, rnd.randint(0, 4)))
        if rnd.random() < 0.2:  # the officer accepted some (a blocking finding is never accepted)
            findings = tuple(replace(f, accepted_reason="syy") if f.severity is not Severity.BLOCKING and rnd.random() < 0.5
                             else f for f in findings)
        app = Application(id=f"A-{i:04d}", requested=rnd.choice(amounts))
        out.append(Standing(app, verdict_for(findings), findings))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_summary_counts_what_the_results_hold(seed):
    results = _round(seed, 400)
    got = summarize(results)
    assert got == _naive(results)
    assert CheckSummary.from_json(got.to_json()) == got
    assert summarize(iter(results)) == got
    assert summarize([]) == _naive([])


def test_sums_keep_the_cents_the_amounts_have():
    results = [Standing(Application(id=str(i), requested=Decimal(a)), verdict_for(()), ())
               for i, a in enumerate(["0.10", "0.20", "1", "2.5"])]
    got = summarize(results)
    assert got.total == (4, Decimal("3.80")) and str(got.total[1]) == "3.80"
    assert str(CheckSummary.from_json(got.to_json()).total[1]) == "3.80"


@pytest.fixture
def sample(tmp_path) -> Cli:
    cli = Cli(tmp_path / "avustus.db", SAMPLE / "avustus.toml")
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    return cli


@pytest.fixture
def read_back(monkeypatch) -> list[int]:
    """How many times a check read every stored verdict back (the check that does not, reads none)."""
    calls: list[int] = []
    real = round_marks.stored_rows

    def counting(store):
        calls.append(1)
        return real(store)

    monkeypatch.setattr(round_marks, "stored_rows", counting)
    return calls


def _counts(shown: str) -> tuple[list[int], list[str], list[str]]:
    """The check's tables: the count in each table's title, the rows left out, the summary tables' lines."""
    titled = [int(n) for n in re.findall(r"^\S+(?: \S+)? \((\d+)\)$", shown, re.MULTILINE)]
    left_out = re.findall(r"(\d+) muuta ei näytetty", shown)
    summary = shown[shown.index("Yhteenveto"):].splitlines()
    return titled, left_out, summary


def _expected(cli: Cli) -> tuple[list[int], list[str]]:
    """Per verdict (in the tables' order) how many results the JSON of a full check holds, and the rule
    summary's codes and counts from the open findings."""
    data = json.loads(cli("check", "--as-of", DAY, "--json").stdout)
    per_verdict = [sum(1 for a in data if a["verdict"] == v.value) for v in VERDICT_ORDER]
    per_rule: dict[str, int] = defaultdict(int)
    for a in data:
        for code in {f["code"] for f in a["findings"] if "accepted" not in f}:
            per_rule[code] += 1
    return [n for n in per_verdict if n], [f"{c} {n}" for c, n in sorted(per_rule.items())]


def _rule_lines(summary: list[str]) -> list[str]:
    rows = [re.match(r"│ ([A-Z]\d\d) +│.*│ +(\d+) │", line) for line in summary]
    return sorted(f"{m[1]} {m[2]}" for m in rows if m)


def test_an_unchanged_round_shows_the_stored_counts_and_only_the_rows_shown(sample, monkeypatch, read_back):
    monkeypatch.setattr(check_cmds, "TABLE_ROWS", 4)  # fewer than the results of most verdicts
    first = sample("check", "--as-of", DAY)
    assert first.exit_code == 1
    read_back.clear()
    again = sample("check", "--as-of", DAY)
    assert read_back == []  # nothing read back but the rows shown
    assert (again.exit_code, again.stdout, again.stderr) == (first.exit_code, first.stdout, first.stderr)
    titled, left_out, summary = _counts(again.stdout)
    per_verdict, per_rule = _expected(sample)
    assert titled == per_verdict and [int(n) for n in left_out] == [n - 4 for n in per_verdict if n > 4]
    assert _rule_lines(summary) == per_rule
    ids = re.findall(r"AV-2027-\d{3}", again.stdout)
    assert len(ids) == sum(min(n, 4) for n in per_verdict)
    assert "10 hakemusta" in again.stderr  # the open review findings of every result


def test_acceptances_given_and_revoked_are_counted_before_the_stored_counts_are_used(sample, monkeypatch, read_back):
    monkeypatch.setattr(check_cmds, "TABLE_ROWS", 4)
    assert sample("check", "--as-of", DAY).exit_code == 1
    assert sample("accept", "AV-2027-013", "K04", "--reason", "Toiminta palvelee asukkaita").exit_code == 0
    read_back.clear()
    accepted = sample("check", "--as-of", DAY)
    assert read_back == [1]  # the acceptance changes the counts: counted again from every result
    per_verdict, per_rule = _expected(sample)
    titled, _, summary = _counts(accepted.stdout)
    assert titled == per_verdict and _rule_lines(summary) == per_rule
    read_back.clear()
    assert sample("check", "--as-of", DAY).stdout == accepted.stdout and read_back == []



def test_a_check_of_one_application_that_changes_its_verdict_makes_the_next_check_count_again(sample, monkeypatch,
                                                                                               read_back):
    monkeypatch.setattr(check_cmds, "TABLE_ROWS", 1)  # AV-2027-037 is not among the rows shown
    before = sample("check", "--as-of", DAY)
    assert before.exit_code == 1
    assert sample("accept", "AV-2027-037", "A01", "--reason", "Liite toimitettu sähköpostilla").exit_code == 0
    one = json.loads(sample("check", "--as-of", DAY, "--application", "AV-2027-037", "--json").stdout)
    assert [a["verdict"] for a in one] == ["eligible"]  # stored: the acceptance made it eligible
    assert sample("unaccept", "AV-2027-037", "A01").exit_code == 0
    # the acceptances are again those the stored counts were made under, but a stored verdict is not
    read_back.clear()
    again = sample("check", "--as-of", DAY)
    assert read_back == [1]
    assert (again.exit_code, again.stdout, again.stderr) == (before.exit_code, before.stdout, before.stderr)
    per_verdict, per_rule = _expected(sample)
    titled, _, summary = _counts(again.stdout)
    assert titled == per_verdict and _rule_lines(summary) == per_rule


def test_filters_and_json_count_every_result(sample, monkeypatch):
    monkeypatch.setattr(check_cmds, "TABLE_ROWS", 2)
    assert sample("check", "--as-of", DAY).exit_code == 1
    data = json.loads(sample("check", "--as-of", DAY, "--json").stdout)
    assert len(data) == 66
    reviews = [a for a in data if any(f["severity"] == "review" and "accepted" not in f for f in a["findings"])]
    shown = sample("check", "--as-of", DAY, "--severity", "huomio")
    titled, _, summary = _counts(shown.stdout)
    assert sum(titled) == len(reviews)
    assert re.search(rf"yhteensä +│ +{len(reviews)} │", "\n".join(summary))
    k = sample("check", "--as-of", DAY, "--code", "K", "--all").stdout
    with_k = {a["id"] for a in data if any(f["code"].startswith("K") for f in a["findings"])}
    assert set(re.findall(r"AV-2027-\d{3}", k[:k.index("Yhteenveto")])) == with_k

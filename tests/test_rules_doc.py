from pathlib import Path

from avustus_cli.domain.rules import RULES
from avustus_cli.domain.rules.docs import main, render_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date():
    assert DOC.exists(), "docs/rules.md puuttuu: python -m avustus_cli.domain.rules.docs docs/rules.md"
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md on vanhentunut: aja python -m avustus_cli.domain.rules.docs docs/rules.md"
    )


def test_every_rule_is_documented_with_its_source_and_examples():
    text = render_markdown()
    for code, rule in RULES.items():
        assert f"### {code} {rule.title}" in text
        assert f"> {rule.source}" in text
        assert f"vakavuus: **{rule.severity.label}**" in text
        for example in rule.examples:
            assert example.note.replace("|", "\\|") in text


def test_bad_examples_show_the_real_message():
    text = render_markdown()
    assert "Saapunut: 4.1.2027, hakuaika päättyi 31.12.2026" in text
    assert "Y-tunnus: tarkistusmerkki ei täsmää (2077474-1)" in text


def test_main_writes_file(tmp_path):
    target = tmp_path / "rules.md"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_markdown()

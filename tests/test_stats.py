"""Statistics of decided grants: pure aggregation, SVG charts, the stats command."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from avustus_cli.adapters import charts
from avustus_cli.domain import stats
from avustus_cli.domain.stats import GrantRecord

from .conftest import SAMPLE


def rec(id: str, year: int, amount: str, bid: str | None = "0737546-2", **over) -> GrantRecord:
    return GrantRecord(id=id, year=year, amount=Decimal(amount), business_id=bid, **over)


RECORDS = [
    rec("A-2025-1", 2025, "4000", "1111111-1", source="history", home_municipality="Jyväskylä"),
    rec("A-2025-2", 2025, "60000", "2222222-2", source="history", home_municipality="Laukaa"),
    rec("A-2026-1", 2026, "5000", "1111111-1", source="history", home_municipality="Jyväskylä"),
    rec("A-2027-1", 2027, "20000", "1111111-1", form="operating", category=4, scope="local", requested=Decimal("25000"),
        home_municipality="Jyväskylä"),
    rec("A-2027-2", 2027, "0", "3333333-3", form="operating", category=4, scope="regional", requested=Decimal("10000")),
    rec("A-2027-3", 2027, "50000", "4444444-4", form="project", category=6, scope="county", requested=Decimal("80000"),
        home_municipality="Jämsä"),
    rec("A-2027-4", 2027, "4999.99", None, form="operating", category=None, requested=None),
]  # fmt: skip


def by_key(rows):
    return {r["key"]: r for r in rows}


@pytest.mark.parametrize(
    ("amount", "label"),
    [("0", "alle 5 000 €"), ("4999.99", "alle 5 000 €"), ("5000", "5 000–19 999 €"), ("19999", "5 000–19 999 €"),
     ("20000", "20 000–49 999 €"), ("50000", "50 000 € tai enemmän"), ("250000", "50 000 € tai enemmän")],
)  # fmt: skip
def test_size_classes(amount, label):
    assert stats.size_class(Decimal(amount)) == label


def test_parse_years():
    assert stats.parse_years("2025-2027") == (2025, 2027)
    assert stats.parse_years("2026") == (2026, 2026)
    assert stats.parse_years(None) is None
    for bad in ("2027-2025", "25-27", "vuosi"):
        with pytest.raises(ValueError):
            stats.parse_years(bad)


def test_summary_sums_counts_and_shares():
    s = stats.summarise(RECORDS, categories=("Yksi", "Kaksi", "Kolme", "Neljä", "Viisi", "Kuusi"))
    t = s["total"]
    assert (t["decisions"], t["grants"]) == (7, 6)
    assert t["granted"] == Decimal("143999.99")
    assert t["requested"] == Decimal("115000") and t["requested_known"] == 3
    assert t["share"] == (Decimal("70000") / Decimal("115000")).quantize(Decimal("0.001"))
    years = by_key(s["by_year"])
    assert [r["key"] for r in s["by_year"]] == ["2025", "2026", "2027"]
    assert years["2026"]["change"] == Decimal("-59000") and years["2026"]["change_pct"] == Decimal("-0.922")
    assert years["2025"]["change"] is None
    cats = by_key(s["by_category"])
    assert cats["4"]["label"] == "4. Neljä" and cats["4"]["decisions"] == 2 and cats["4"]["grants"] == 1
    assert s["by_category"][-1]["label"] == "(ei tiedossa)"
    assert by_key(s["by_form"])["operating"]["label"] == "Toiminta-avustus"
    assert by_key(s["by_scope"])["county"]["label"] == "Koko hyvinvointialue"
    sizes = by_key(s["by_size"])
    assert sizes["alle 5 000 €"]["grants"] == 2  # 4 000 and 4 999,99
    assert sizes["5 000–19 999 €"]["grants"] == 1 and sizes["50 000 € tai enemmän"]["grants"] == 2
    assert sum(r["grants"] for r in s["by_size"]) == 6  # rejections have no size
    munis = by_key(s["by_municipality"])
    assert munis["Jyväskylä"]["granted"] == Decimal("29000")


def test_first_time_and_returning_applicants():
    s = stats.summarise(RECORDS, years=(2026, 2027))
    h = by_key(s["by_history"])
    # 1111111-1 got money in 2025: returning in 2026 and 2027; 3333333-3 and 4444444-4 are new in 2027
    assert h["palaava"]["decisions"] == 2
    assert h["ensikertalainen"]["decisions"] == 2
    assert h["ei Y-tunnusta"]["decisions"] == 1
    # the first year of the data has nothing to compare with
    s_all = stats.summarise(RECORDS)
    assert by_key(s_all["by_history"])["ei vertailutietoa"]["decisions"] == 2


def test_years_filter():
    s = stats.summarise(RECORDS, years=(2027, 2027))
    assert s["total"]["decisions"] == 4 and s["years"] == [2027, 2027]


def test_jsonable_has_no_decimals():
    text = json.dumps(stats.jsonable(stats.summarise(RECORDS)))
    assert '"granted": "143999.99"' in text


def test_bar_chart_is_valid_svg_and_escapes_text():
    svg = charts.bar_chart("Kunnat <b>", ["<script>alert(1)</script>", "Jämsä & co"], [Decimal("10"), Decimal("0")],
                           background=[Decimal("20"), None], legend=("Myönnetty", "Haettu"))  # fmt: skip
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Jämsä &amp; co" in svg
    rects = [el for el in root.iter() if el.tag.endswith("rect")]
    widths = [float(r.get("width")) for r in rects if r.get("height") not in ("12",)]
    assert max(widths) > 0 and min(widths) == 0


def test_report_html_has_a_chart_per_section():
    page = charts.report_html(stats.summarise(RECORDS), stats.SECTION_TITLES, "Tilastot <2027>")
    assert page.startswith("<!DOCTYPE html>") and "Tilastot &lt;2027&gt;" in page
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == len([k for k in stats.SECTION_TITLES if stats.summarise(RECORDS)[k]])
    for s in svgs:
        ET.fromstring(s)
    assert "<script" not in page


def test_stats_command_on_the_sample_history(cli, workdir):
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    r = cli("stats", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["total"]["decisions"] == 40 and data["years"] == [2025, 2026]
    assert [row["key"] for row in data["by_year"]] == ["2025", "2026"]
    r = cli("stats", "--years", "2026", "--xlsx", workdir / "t.xlsx", "--html", workdir / "t.html")
    assert r.exit_code == 0, r.output
    assert "Vuosittain" in r.stdout and "myönnetty" in r.stdout
    wb = load_workbook(workdir / "t.xlsx")
    assert "Vuosittain" in wb.sheetnames
    assert (workdir / "t.html").read_text(encoding="utf-8").count("<svg") >= 5


def test_stats_without_grants(cli, workdir):
    cli("import", SAMPLE / "hakemukset.xlsx")
    r = cli("stats")
    assert r.exit_code == 2 and "avustus decide" in r.output


def test_requested_is_compared_with_what_was_granted_in_the_same_decisions():
    """Earlier years' register has no requested amounts: their grants must not be set against this year's requests."""
    from decimal import Decimal as D

    from avustus_cli.domain.stats import GrantRecord, _row

    rows = [
        GrantRecord("a", 2025, D("50000"), source="history"),  # nothing known of the request
        GrantRecord("b", 2027, D("6000"), requested=D("10000")),
        GrantRecord("c", 2027, D("0"), requested=D("5000")),
    ]
    r = _row("all", "Kaikki", rows)
    assert r["granted"] == D("56000") and r["requested"] == D("15000")
    assert r["granted_known"] == D("6000") and r["share"] == D("0.400")

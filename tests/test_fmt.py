"""The one Finnish formatter (domain.fmt): rounding is half up on every path,
and no other module formats money by itself."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avustus_cli.domain import allocation, fmt
from avustus_cli.domain.rules import _text

NB = fmt.NBSP
PKG = Path(fmt.__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "whole", "cents", "auto"),
    [
        (Decimal("12345.675"), "12 346 €", "12 345,68 €", "12 345,68 €"),
        (Decimal("12345.665"), "12 346 €", "12 345,67 €", "12 345,67 €"),  # half up, not half even
        (Decimal("0.005"), "0 €", "0,01 €", "0,01 €"),
        (Decimal("0.004"), "0 €", "0,00 €", "0 €"),
        (Decimal("2.5"), "3 €", "2,50 €", "2,50 €"),
        (Decimal("3.5"), "4 €", "3,50 €", "3,50 €"),
        (Decimal("999.995"), "1 000 €", "1 000,00 €", "1 000 €"),
        (Decimal("-2.5"), "-3 €", "-2,50 €", "-2,50 €"),  # away from zero
        (Decimal("-0.004"), "0 €", "0,00 €", "0 €"),  # never "-0"
        (Decimal("-1234567.005"), "-1 234 567 €", "-1 234 567,01 €", "-1 234 567,01 €"),
        (Fraction(2000, 3), "667 €", "666,67 €", "666,67 €"),  # not truncated to 666,66
        (12345, "12 345 €", "12 345,00 €", "12 345 €"),
    ],
)
def test_money_rounds_half_up_in_every_shape(value, whole, cents, auto):
    assert fmt.money(value) == whole.replace(" ", NB)
    assert fmt.money(value, decimals=True) == cents.replace(" ", NB)
    assert fmt.money2(value) == cents.replace(" ", NB)
    assert fmt.money(value, decimals="auto") == auto.replace(" ", NB)
    assert fmt.money(value, decimals="auto", space=" ") == auto


def test_none_and_spaces():
    assert fmt.money(None) == ""
    assert fmt.money(None, none="–") == "–"
    assert fmt.date(None) == ""
    assert fmt.date(None, none="–") == "–"
    assert " " not in fmt.money(Decimal("1234567.5"), decimals=True)  # documents: no-break spaces only
    assert fmt.date(dt.datetime(2027, 1, 4, 13, 5)) == "4.1.2027"
    assert fmt.number(20_000_000, space=" ") == "20 000 000"


def test_rule_texts_and_allocation_reasons_use_the_one_formatter():
    """The three formatters of old printed 12 345,675 € as 12 346 €, 12 345,68 € and 12 345,67 €."""
    x = Decimal("12345.675")
    assert _text.money(x) == allocation.fmt_money(x) == "12 345,68 €"
    assert allocation.fmt_money(Fraction(2000, 3)) == "666,67 €"
    assert _text.money(Decimal("60000.00")) == allocation.fmt_money(Decimal(60000)) == "60 000 €"
    assert _text.money(None) == "–" and _text.fdate(None) == "–"
    assert _text.fdate(dt.date(2026, 12, 31)) == fmt.date(dt.date(2026, 12, 31)) == "31.12.2026"


_FORMATTING_CALLS = {"format_decimal", "format_currency", "format_number", "format_percent", "format_date", "strftime"}


def _own_formatting(path: Path) -> list[str]:
    """Calls that format a number or a date by hand: Babel/strftime calls, and a thousands
    separator in a format spec (``f"{x:,}"``, ``format(x, ",.2f")``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _FORMATTING_CALLS:
                found.append(f"{path.name}:{node.lineno} {name}()")
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if "," in spec:
                found.append(f"{path.name}:{node.lineno} f-string {{:{spec}}}")
    return found


def test_no_module_formats_money_or_dates_on_its_own():
    allowed = {
        PKG / "domain" / "fmt.py",
        PKG / "adapters" / "store" / "backup.py",  # a file-name time stamp, not a Finnish date
    }
    found = [hit for p in sorted(PKG.rglob("*.py")) if p not in allowed for hit in _own_formatting(p)]
    assert found == []


def test_the_guard_finds_hand_formatting(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('x = f"{amount:,.2f}"\ny = d.strftime("%d.%m.%Y")\nz = format_decimal(1)\n', encoding="utf-8")
    assert len(_own_formatting(bad)) == 3


@given(st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, places=4),
       st.integers(min_value=0, max_value=4))
@settings(max_examples=300, deadline=None)
def test_amounts_are_grouped_as_babel_groups_them(value, decimals):
    """The direct formatting of a rounded amount is Babel's fi_FI text, digit for digit."""
    rounded = fmt._round(value, decimals)
    assert fmt._plain(rounded, decimals) == fmt._babel(rounded, decimals)


def test_an_amount_with_other_places_or_no_value_goes_to_babel():
    for rounded, decimals in ((Decimal("1.5"), 0), (Decimal("Infinity"), 0), (Decimal("-Infinity"), 2), (Decimal("12"), 2)):
        assert fmt._plain(rounded, decimals) == fmt._babel(rounded, decimals)

"""Finnish formatting of money, numbers, dates and times.

The one place that turns an amount or a date into Finnish text: documents,
workbooks' messages, rule findings, allocation reasons and the command line
all call it, so one amount prints the same way everywhere. The only module
that imports Babel (a pure formatting library, loaded on first use).
Formatting only: nothing here parses (see :mod:`avustus_cli.domain.values`).

Rounding: always half up (``0,005 -> 0,01``, ``0,5 -> 1``, away from zero
for negative amounts), never banker's rounding or truncation.

Money comes in three explicit shapes (``decimals``):

- ``False``: whole euros, ``12 345 €`` (``12 345,50 -> 12 346 €``);
- ``True``: always cents, ``12 345,00 €``;
- ``"auto"``: cents only when the amount, rounded to cents, has any
  (``12 345 €``, ``12 345,68 €``); used in sentences (rule findings,
  allocation reasons).

Spaces: Babel's ``fi_FI`` data uses a NO-BREAK SPACE (U+00A0) as the group
separator (some CLDR versions use a NARROW NO-BREAK SPACE, U+202F). By
default every function here outputs U+00A0 (:data:`NBSP`) for both the
thousands separator and the space before ``€`` / ``%``, whatever Babel
returns, so a figure never breaks across lines and the output does not
change with the Babel version. Sentences that have always used ordinary
spaces (rule findings, allocation reasons) pass ``space=" "``.

Minus: Babel may return U+2212 MINUS SIGN; we output ASCII ``-`` so that a
figure pasted into Excel stays a number.

``None`` formats as ``none`` (an empty string unless the caller says
otherwise): a document shows a blank, never ``None``.
"""

from __future__ import annotations

import datetime as _dt
import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

__all__ = ["NBSP", "money", "money2", "number", "percent", "date", "datetime"]

NBSP = "\u00a0"
_LOCALE = "fi_FI"
_SPACES = {"\u202f": NBSP, "\u2009": NBSP, " ": NBSP, "\u2212": "-"}

Amount = Decimal | int | float | str | Fraction


def _dec(value: Amount) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Fraction):
        # exact for every terminating fraction (so an exact half stays a half)
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"ei ole luku: {value!r}") from None


def _normalise(text: str) -> str:
    return "".join(_SPACES.get(c, c) for c in text)


def _round(value: Decimal, decimals: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)  # 1, 0.1, 0.01 ...
    return abs(rounded) if rounded == 0 else rounded  # no "-0"


@functools.lru_cache(maxsize=4096)
def _babel(rounded: Decimal, decimals: int) -> str:
    from babel.numbers import format_decimal  # loaded on first use (start-up time)

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return _normalise(format_decimal(rounded, format=pattern, locale=_LOCALE, decimal_quantization=True))


def _plain(rounded: Decimal, decimals: int) -> str:
    """What :func:`_babel` gives for a finite amount already rounded to ``decimals`` places, without
    Babel (tens of microseconds a call, and a thousand letters' amounts are all different): groups of
    three digits with no-break spaces, a decimal comma, a minus sign in front (tests compare the two)."""
    if not rounded.is_finite() or rounded.as_tuple().exponent != -decimals:
        return _babel(rounded, decimals)
    text = f"{abs(rounded):,f}".replace(",", NBSP).replace(".", ",")
    return "-" + text if rounded < 0 else text


def _grouped(value: Decimal, decimals: int, space: str = NBSP) -> str:
    text = _plain(_round(value, decimals), decimals)
    return text if space == NBSP else text.replace(NBSP, space)


def money(
    value: Amount | None,
    decimals: bool | Literal["auto"] = False,
    *,
    space: str = NBSP,
    none: str = "",
) -> str:
    """``Decimal("12345") -> "12 345 €"`` (whole euros, half up); with
    ``decimals=True`` as :func:`money2`; with ``decimals="auto"`` cents only
    when there are any. ``None -> none`` (``""``)."""
    if value is None:
        return none
    d = _dec(value)
    if decimals == "auto":
        d = _round(d, 2)
        places = 0 if d == d.to_integral_value() else 2
    else:
        places = 2 if decimals else 0
    return _grouped(d, places, space) + space + "€"


def money2(value: Amount | None) -> str:
    """``Decimal("12345.67") -> "12 345,67 €"``. ``None -> ""``."""
    return money(value, decimals=True)


def number(value: Amount | None, decimals: int = 0, *, space: str = NBSP) -> str:
    """A count or figure with Finnish grouping: ``1737 -> "1 737"``."""
    if value is None:
        return ""
    return _grouped(_dec(value), decimals, space)


def percent(value: Amount | None, decimals: int = 0, *, space: str = NBSP) -> str:
    """A fraction as a percentage: ``Decimal("0.515"), 1 -> "51,5 %"``."""
    if value is None:
        return ""
    return _grouped(_dec(value) * 100, decimals, space) + space + "%"


def date(value: _dt.date | None, *, none: str = "") -> str:
    """``date(2026, 12, 31) -> "31.12.2026"``; no leading zeros; a datetime
    gives its date part. ``None -> none`` (``""``)."""
    if value is None:
        return none
    return f"{value.day}.{value.month}.{value.year}"


def datetime(value: _dt.datetime | _dt.date | None) -> str:
    """``datetime(2026, 12, 1, 14, 5) -> "1.12.2026 klo 14.05"``; a plain
    date gives just the date."""
    if value is None:
        return ""
    if not isinstance(value, _dt.datetime):
        return date(value)
    return f"{date(value)} klo {value.hour}.{value.minute:02d}"

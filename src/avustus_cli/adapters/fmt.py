"""Finnish formatting of money, numbers, dates and times for documents.

The only module that imports Babel. Formatting only: nothing here parses.

Spaces: Babel's ``fi_FI`` data uses a NO-BREAK SPACE (U+00A0) as the group
separator (some CLDR versions use a NARROW NO-BREAK SPACE, U+202F). Every
function here outputs U+00A0 (:data:`NBSP`) for both the thousands
separator and the space before ``€`` / ``%``, whatever Babel returns, so a
figure never breaks across lines and the output does not change with the
Babel version. U+00A0 looks like an ordinary space in Word, LibreOffice and
browsers.

Minus: Babel may return U+2212 MINUS SIGN; we output ASCII ``-`` so that a
figure pasted into Excel stays a number.

``None`` formats as an empty string everywhere: a document shows a blank,
never ``None``.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_decimal

__all__ = ["NBSP", "money", "money2", "number", "percent", "date", "datetime"]

NBSP = "\u00a0"
_LOCALE = "fi_FI"
_SPACES = {"\u202f": NBSP, "\u2009": NBSP, " ": NBSP, "\u2212": "-"}


def _dec(value: Decimal | int | float | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"ei ole luku: {value!r}") from None


def _normalise(text: str) -> str:
    return "".join(_SPACES.get(c, c) for c in text)


def _grouped(value: Decimal, decimals: int) -> str:
    q = Decimal(1).scaleb(-decimals)  # 1, 0.1, 0.01 ...
    rounded = value.quantize(q, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return _normalise(format_decimal(rounded, format=pattern, locale=_LOCALE, decimal_quantization=True))


def money(value: Decimal | int | None, decimals: bool = False) -> str:
    """``Decimal("12345") -> "12 345 €"`` (whole euros, half up); with
    ``decimals=True`` as :func:`money2`. ``None -> ""``."""
    if value is None:
        return ""
    return _grouped(_dec(value), 2 if decimals else 0) + NBSP + "€"


def money2(value: Decimal | int | None) -> str:
    """``Decimal("12345.67") -> "12 345,67 €"``. ``None -> ""``."""
    return money(value, decimals=True)


def number(value: Decimal | int | None, decimals: int = 0) -> str:
    """A count or figure with Finnish grouping: ``1737 -> "1 737"``."""
    if value is None:
        return ""
    return _grouped(_dec(value), decimals)


def percent(value: Decimal | int | float | None, decimals: int = 0) -> str:
    """A fraction as a percentage: ``Decimal("0.515"), 1 -> "51,5 %"``."""
    if value is None:
        return ""
    return _grouped(_dec(value) * 100, decimals) + NBSP + "%"


def date(value: _dt.date | None) -> str:
    """``date(2026, 12, 31) -> "31.12.2026"``; no leading zeros; a datetime
    gives its date part."""
    if value is None:
        return ""
    return f"{value.day}.{value.month}.{value.year}"


def datetime(value: _dt.datetime | _dt.date | None) -> str:
    """``datetime(2026, 12, 1, 14, 5) -> "1.12.2026 klo 14.05"``; a plain
    date gives just the date."""
    if value is None:
        return ""
    if not isinstance(value, _dt.datetime):
        return date(value)
    return f"{date(value)} klo {value.hour}.{value.minute:02d}"

"""Small text helpers for rule messages; money and dates come from :mod:`avustus_cli.domain.fmt`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from avustus_cli.domain import fmt
from avustus_cli.domain.fields import APPLICATION_FIELDS
from avustus_cli.domain.models import Application

_MAX_RAW = 80


def label(field: str) -> str:
    """The Finnish header of an application field (``municipalities`` -> ``Toimintakunnat``)."""
    spec = APPLICATION_FIELDS.get(field)
    return spec.label if spec else field


def fdate(d: dt.date | None) -> str:
    """``31.12.2026`` (no leading zeros); ``–`` when there is no date."""
    return fmt.date(d, none="–")


def money(amount: Decimal | int | None) -> str:
    """``12 345 €``; cents only when there are any (``12 345,50 €``), half up;
    ordinary spaces (a finding is a sentence); ``–`` when there is no amount."""
    return fmt.money(amount, decimals="auto", space=" ", none="–")


def quote(text: str) -> str:
    """Applicant text in quotes, shortened to a readable length."""
    text = " ".join(str(text).split())
    if len(text) > _MAX_RAW:
        text = text[: _MAX_RAW - 1] + "…"
    return f"'{text}'"


def raw(app: Application, field: str) -> str | None:
    """The exported text of a field that failed to parse, if any."""
    value = app.raw.get(field) if app.raw else None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def missing(app: Application, field: str, what: str = "puuttuu") -> str:
    """``<Header>: puuttuu`` or, when the text failed to parse, ``<Header>: '<text>' ei ole kelvollinen``."""
    text = raw(app, field)
    if text is not None:
        return f"{label(field)}: {quote(text)} ei ole kelvollinen"
    return f"{label(field)}: {what}"


def join(items) -> str:
    return ", ".join(str(i) for i in items)

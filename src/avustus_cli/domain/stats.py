"""Statistics of decided grants (pure, standard library only).

Input: :class:`GrantRecord` objects (one per decided grant: this round's
decisions and the earlier grants of the register). Output: plain dicts with
Decimal money, which ``jsonable`` turns into JSON-ready values.

Counting: ``decisions`` counts every decision in a group, ``grants`` only
those with money (a 0 € decision is a rejection); ``granted`` sums the
awarded amounts, ``requested`` the amounts applied for where known;
``share`` = granted / requested over the decisions whose requested amount
is known.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)

FORM_LABELS = {"operating": "Toiminta-avustus", "partnership": "Kumppanuussopimus", "project": "Hankeavustus"}
SCOPE_LABELS = {"local": "Paikallinen", "regional": "Seudullinen", "county": "Koko hyvinvointialue"}
UNKNOWN = "(ei tiedossa)"
HISTORY_ORDER = ("ensikertalainen", "palaava", "ei vertailutietoa", "ei Y-tunnusta")

# size classes of the awarded amount: (lower bound inclusive, upper bound exclusive or None, label)
SIZE_CLASSES: tuple[tuple[Decimal, Decimal | None, str], ...] = (
    (Decimal(0), Decimal(5000), "alle 5 000 €"),
    (Decimal(5000), Decimal(20000), "5 000–19 999 €"),
    (Decimal(20000), Decimal(50000), "20 000–49 999 €"),
    (Decimal(50000), None, "50 000 € tai enemmän"),
)


@dataclass(frozen=True)
class GrantRecord:
    """One decided grant, with what is known of its application."""

    id: str
    year: int | None
    amount: Decimal
    source: str = "decision"  # decision | history
    application_id: str | None = None
    applicant: str = ""
    business_id: str | None = None
    form: str | None = None  # operating | partnership | project
    requested: Decimal | None = None
    decision_date: dt.date | None = None
    decision_maker: str | None = None
    category: int | None = None
    home_municipality: str | None = None
    scope: str | None = None  # local | regional | county
    municipalities: tuple[str, ...] = ()
    title: str = ""
    description: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def awarded(self) -> bool:
        return self.amount > 0


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``"2025-2027"`` -> (2025, 2027); ``"2026"`` -> (2026, 2026); None -> None. ValueError when malformed."""
    if text is None or not str(text).strip():
        return None
    parts = [p.strip() for p in str(text).replace("–", "-").split("-")]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise ValueError(f"vuodet {text!r} eivät ole muotoa 2025-2027 tai 2026")
    first, last = int(parts[0]), int(parts[1])
    if first > last:
        raise ValueError(f"vuodet {text!r}: alkuvuosi on loppuvuoden jälkeen")
    return first, last


def in_years(records: Iterable[GrantRecord], years: tuple[int, int] | None) -> list[GrantRecord]:
    if years is None:
        return list(records)
    return [r for r in records if r.year is not None and years[0] <= r.year <= years[1]]


def size_class(amount: Decimal) -> str:
    for low, high, label in SIZE_CLASSES:
        if amount >= low and (high is None or amount < high):
            return label
    return SIZE_CLASSES[0][2]


def returning_ids(records: Iterable[GrantRecord]) -> dict[str, int]:
    """business ID -> the first year it received money."""
    first: dict[str, int] = {}
    for r in records:
        if r.business_id and r.awarded and r.year is not None:
            first[r.business_id] = min(first.get(r.business_id, r.year), r.year)
    return first


def applicant_history(r: GrantRecord, first_year: dict[str, int], data_from: int | None = None) -> str:
    """'palaava' when the business ID received a grant in an earlier year, else 'ensikertalainen';
    'ei vertailutietoa' in the first year of the data (``data_from``): nothing earlier to compare with."""
    if not r.business_id or r.year is None:
        return "ei Y-tunnusta"
    if data_from is not None and r.year <= data_from:
        return "ei vertailutietoa"
    seen = first_year.get(r.business_id)
    return "palaava" if seen is not None and seen < r.year else "ensikertalainen"


def _row(key: str, label: str, items: list[GrantRecord]) -> dict[str, Any]:
    granted = sum((r.amount for r in items), ZERO)
    with_req = [r for r in items if r.requested is not None]
    requested = sum((q for r in with_req if (q := r.requested) is not None), ZERO) if with_req else None
    granted_of_known = sum((r.amount for r in with_req), ZERO)
    return {
        "key": key,
        "label": label,
        "decisions": len(items),
        "grants": sum(1 for r in items if r.awarded),
        "granted": granted,
        "requested": requested,
        "granted_known": granted_of_known if with_req else None,  # granted in the decisions whose request is known
        "share": (granted_of_known / requested).quantize(Decimal("0.001")) if requested else None,
        "requested_known": len(with_req),
    }


def breakdown(
    records: Sequence[GrantRecord],
    key: Callable[[GrantRecord], Any],
    label: Callable[[Any], str] = str,
    order: Callable[[Any], Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows of decisions grouped by ``key``; None keys group as '(ei tiedossa)', listed last."""
    groups: dict[Any, list[GrantRecord]] = defaultdict(list)
    for r in records:
        groups[key(r)].append(r)
    known = [k for k in groups if k is not None]
    known.sort(key=order or (lambda k: (-sum((r.amount for r in groups[k]), ZERO), str(k))))
    rows = [_row(str(k), label(k), groups[k]) for k in known]
    if None in groups:
        rows.append(_row("", UNKNOWN, groups[None]))
    return rows


def summarise(
    all_records: Sequence[GrantRecord],
    years: tuple[int, int] | None = None,
    categories: Sequence[str] = (),
) -> dict[str, Any]:
    """Every statistic of the decided grants in ``years`` (None: all years).

    First-time vs returning looks at every record (also outside ``years``):
    an applicant is returning when its business ID received money in an
    earlier year."""
    first_year = returning_ids(all_records)
    data_from = min((r.year for r in all_records if r.year is not None), default=None)
    records = in_years(all_records, years)

    def category_label(n: int) -> str:
        return f"{n}. {categories[n - 1]}" if 1 <= n <= len(categories) else f"{n}."

    size_order = {label: i for i, (_, _, label) in enumerate(SIZE_CLASSES)}
    by_year = breakdown(records, lambda r: r.year, order=lambda k: k)
    prev = None
    for row in by_year:
        row["change"] = row["granted"] - prev["granted"] if prev else None
        row["change_pct"] = (
            ((row["granted"] - prev["granted"]) / prev["granted"]).quantize(Decimal("0.001"))
            if prev and prev["granted"]
            else None
        )
        prev = row
    awarded = [r for r in records if r.awarded]
    years_seen = sorted({r.year for r in records if r.year is not None})
    return {
        "years": [years[0], years[1]] if years else ([years_seen[0], years_seen[-1]] if years_seen else None),
        "total": _row("total", "Yhteensä", list(records)),
        "by_year": by_year,
        "by_form": breakdown(records, lambda r: r.form, lambda k: FORM_LABELS.get(k, k),
                             order=lambda k: list(FORM_LABELS).index(k) if k in FORM_LABELS else 99),
        "by_category": breakdown(records, lambda r: r.category, category_label, order=lambda k: k),
        "by_municipality": breakdown(records, lambda r: r.home_municipality or None),
        "by_scope": breakdown(records, lambda r: r.scope, lambda k: SCOPE_LABELS.get(k, k),
                              order=lambda k: list(SCOPE_LABELS).index(k) if k in SCOPE_LABELS else 99),
        # size classes count only grants with money: a rejection has no size
        "by_size": breakdown(awarded, lambda r: size_class(r.amount), order=lambda k: size_order[k]),
        "by_history": breakdown(records, lambda r: applicant_history(r, first_year, data_from),
                                order=lambda k: HISTORY_ORDER.index(k)),
        "by_source": breakdown(records, lambda r: r.source,
                               lambda k: {"decision": "Tämän kierroksen päätökset", "history": "Aiemmat avustukset"}.get(k, k)),
    }


SECTION_TITLES = {
    "by_year": "Vuosittain",
    "by_form": "Avustusmuodoittain",
    "by_category": "Toimintaluokittain",
    "by_municipality": "Hakijan kotikunnan mukaan",
    "by_scope": "Toiminta-alueen mukaan",
    "by_size": "Avustuksen suuruusluokan mukaan (vain myönteiset)",
    "by_history": "Ensikertalaiset ja palaavat hakijat",
    "by_source": "Tietolähteen mukaan",
}


def jsonable(value: Any) -> Any:
    """Decimals as strings, dates as ISO text, recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


__all__ = [
    "GrantRecord", "SECTION_TITLES", "SIZE_CLASSES", "applicant_history", "breakdown", "in_years", "jsonable",
    "parse_years", "returning_ids", "size_class", "summarise",
]  # fmt: skip

"""The officer's proposal sheet (esitys.xlsx): its layout, writing it, reading
the edits back and checking them against the round.

Proposing writes the sheet and reads the officer's edits from it; deciding
reads the board's changes from the same sheet: both through here. A refusal
is an ``InputFileError`` naming the file, sheet, row and column. Amounts are
read by the one parser of amounts (``values.amount``), as the import and the
command line read them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from avustus_cli.domain import fmt, values
from avustus_cli.domain.allocation import Budget, ReasonCode
from avustus_cli.domain.config import Settings
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.models import Grant, Severity
from avustus_cli.domain.proposal import (
    FORMS,
    ProposalEdit,
    ProposalLine,
    auto_conditions,
    codes_for,
    form_label,
    shorten,
    split_conditions,
)
from avustus_cli.domain.standing import PENDING_CODE, stop_codes

__all__ = ["ESITYS_SHEET", "SUMMARY_SHEET", "esitys_headers", "read_sheet", "validate_edits", "write_esitys"]

ESITYS_SHEET = "Esitys"
SUMMARY_SHEET = "Yhteenveto"
REPORT_LABELS = {"approved": "hyväksytty", "incomplete": "täydennettävä", "processing": "käsittelyssä"}

COL_ID = "Hakemus"
COL_APPLICANT = "Hakija"
COL_BID = "Y-tunnus"
COL_FORM = "Avustusmuoto"
COL_CATEGORY = "Toimintaluokka"
COL_MUNICIPALITY = "Kotikunta"
COL_ACTIVITY = "Toiminta"
COL_DESCRIPTION = "Kuvaus"
COL_REQUESTED = "Haettu (€)"
COL_LAST = "Edellisen vuoden avustus (€)"
COL_REPORT = "Käyttöselvitys"
COL_VERDICT = "Tarkistus"
COL_CODES = "Havainnot"
COL_CODE = "Peruste"  # the annex's reason code(s); KESKEN while pending (read-only)
COL_SCORE = "Pisteet"
COL_AMOUNT = "Esitys (€)"
COL_CONDITIONS = "Ehdot"
COL_REASON = "Perustelu"
DESCRIPTION_CHARS = 300


def criterion_header(name: str) -> str:
    return f"{name} (pisteet)"


def esitys_headers(settings: Settings) -> list[str]:
    return [
        COL_ID, COL_APPLICANT, COL_BID, COL_FORM, COL_CATEGORY, COL_MUNICIPALITY, COL_ACTIVITY, COL_DESCRIPTION,
        COL_REQUESTED, COL_LAST, COL_REPORT, COL_VERDICT, COL_CODES, COL_CODE, COL_SCORE,
        *[criterion_header(k) for k in sorted(settings.score_weights)],
        COL_AMOUNT, COL_CONDITIONS, COL_REASON,
    ]


def last_year(settings: Settings, app, history: Mapping[str, tuple[Grant, ...]]) -> tuple[Decimal | None, str]:
    """Last year's grant(s) to the applicant and their report status."""
    grants = [g for g in history.get(app.business_id or "", ()) if g.year == settings.year - 1 and g.application_id != app.id]
    if not grants:
        return None, ""
    amount = sum((g.amount for g in grants), Decimal(0))
    states = []
    for g in grants:
        if g.report_status is not None:
            states.append(REPORT_LABELS.get(g.report_status.value, g.report_status.value))
        elif g.report_received is not None:
            states.append(f"saapunut {fmt.date(g.report_received)}")
        else:
            states.append("ei saapunut")
    return amount, ", ".join(dict.fromkeys(states))


def _esitys_row(r: ProposalLine, settings: Settings, history: Mapping[str, tuple[Grant, ...]],
                weights: Sequence[str]) -> list[Any]:
    """One application's row of the sheet, in ``esitys_headers`` order."""
    a = r.app
    last_amount, last_state = last_year(settings, a, history)
    codes = sorted({f.code for f in r.standing.open_findings if f.severity is not Severity.NOTE})
    return [
        a.id, a.applicant, a.business_id or (a.raw.get("business_id") if a.raw else "") or "",
        form_label(r.form), a.category, a.home_municipality or "", a.activity_name,
        shorten(a.description, DESCRIPTION_CHARS), a.requested, last_amount, last_state,
        r.standing.verdict.label, ", ".join(codes), PENDING_CODE if r.reason_code == PENDING_CODE else ", ".join(codes_for(r)),
        r.score,
        *[r.criteria.get(k) for k in weights],
        r.amount, "\n".join(r.conditions), r.reason,
    ]


def write_esitys(path: Path, rows: Sequence[ProposalLine], budget: Budget, settings: Settings, history) -> Path:
    from avustus_cli.adapters.excel import Sheet, write_workbook

    headers = esitys_headers(settings)
    idx = {h: i for i, h in enumerate(headers)}
    weights = sorted(settings.score_weights)
    data = [_esitys_row(r, settings, history, weights) for r in rows]
    summary_rows, cap_rows = _summary_rows(budget, idx, len(rows) + 1)
    editable = [idx[COL_SCORE], *[idx[criterion_header(k)] for k in weights], idx[COL_AMOUNT], idx[COL_CONDITIONS], idx[COL_REASON]]
    widths = {idx[COL_APPLICANT]: 36, idx[COL_DESCRIPTION]: 50, idx[COL_CONDITIONS]: 40, idx[COL_REASON]: 50, idx[COL_ACTIVITY]: 30}
    sheets = [
        Sheet(
            ESITYS_SHEET, headers, data,
            money_columns=[idx[COL_REQUESTED], idx[COL_LAST], idx[COL_AMOUNT]],
            widths=widths, editable_columns=editable,
        ),
        Sheet(
            SUMMARY_SHEET,
            ["Määräraha", "Hakemuksia", "Haettu (€)", "Esitetty (€)", "Määräraha (€)", "Jäljellä (€)"],
            summary_rows + ([[None] * 6] + cap_rows if cap_rows else []),
            money_columns=[2, 3, 4, 5], widths={0: 34},
        ),
    ]
    return write_workbook(path, sheets, stable=True)  # the same rows give the same bytes (the manifest)


def _summary_rows(budget: Budget, idx: Mapping[str, int], last_row: int) -> tuple[list[list[Any]], list[list[Any]]]:
    """The summary sheet's rows (per budget line and the total) and its category caps, as formulas over the sheet."""
    from avustus_cli.adapters.excel import Formula
    from avustus_cli.domain.headers import column_letter

    amount_col = column_letter(idx[COL_AMOUNT])
    req_col = column_letter(idx[COL_REQUESTED])
    form_col = column_letter(idx[COL_FORM])
    rng = lambda col: f"{ESITYS_SHEET}!${col}$2:${col}${max(last_row, 2)}"  # noqa: E731
    summary_rows = []
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    r_no = 2
    form_rows = []
    for form in FORMS:
        label = form_label(form)
        line_budget = budget.per_form.get(form)
        summary_rows.append([
            label,
            Formula(f'=COUNTIFS({rng(form_col)},"{label}")'),
            Formula(f'=SUMIFS({rng(req_col)},{rng(form_col)},"{label}")'),
            Formula(f'=SUMIFS({rng(amount_col)},{rng(form_col)},"{label}")'),
            line_budget,
            Formula(f"=E{r_no}-D{r_no}") if line_budget is not None else None,
        ])
        form_rows.append(r_no)
        r_no += 1
    if budget.per_form:
        others = [f"D{form_rows[i]}" for i, f in enumerate(FORMS) if f not in budget.per_form]
        summary_rows.append([
            "Muut (yhteinen määräraha)", None, None,
            Formula("=" + "+".join(others)) if others else 0, common, Formula(f"=E{r_no}-D{r_no}"),
        ])
        r_no += 1
    summary_rows.append([
        "Yhteensä",
        Formula(f"=COUNTA({rng(column_letter(idx[COL_ID]))})"),
        Formula(f"=SUM({rng(req_col)})"),
        Formula(f"=SUM({rng(amount_col)})"),
        budget.total,
        Formula(f"=E{r_no}-D{r_no}"),
    ])
    cap_rows: list[list[Any]] = []
    if budget.category_caps:
        cat_col = column_letter(idx[COL_CATEGORY])
        for c in sorted(budget.category_caps):
            rr = r_no + 2 + len(cap_rows)
            cap_rows.append([
                f"Toimintaluokka {c} (enimmäismäärä)",
                Formula(f"=COUNTIFS({rng(cat_col)},{c})"),
                Formula(f"=SUMIFS({rng(req_col)},{rng(cat_col)},{c})"),
                Formula(f"=SUMIFS({rng(amount_col)},{rng(cat_col)},{c})"),
                budget.category_caps[c],
                Formula(f"=E{rr}-D{rr}"),
            ])
    return summary_rows, cap_rows


def _col_label(headers: list[str], name: str) -> str:
    from avustus_cli.domain.headers import column_letter

    return f"{column_letter(headers.index(name))} ({name})"


def _points(value: Any) -> Decimal | None:
    """A score cell as Decimal (None when empty): numbers or Finnish-written text (12,5)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("ei luku")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("ei luku")
        d = Decimal(repr(value))
        q = d.quantize(Decimal("0.0001"))
        return q.normalize() if q == q.to_integral_value() else q
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("\u2212", "-")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError("ei luku") from None
    if not d.is_finite():
        raise ValueError("ei luku")
    return d


class _Row:
    """One row of the sheet being read: its cells by header, and refusals naming its cells."""

    def __init__(self, headers: list[str], col: Mapping[str, int], cells: list[Any], display: str, row_no: int):
        self.headers, self.col, self.cells, self.row_no = headers, col, cells, row_no
        self.display = display

    def __getitem__(self, name: str) -> Any:
        i = self.col.get(name)
        return self.cells[i] if i is not None and i < len(self.cells) else None

    def fail(self, name: str, message: str) -> InputFileError:
        return InputFileError(message, file=self.display, sheet=ESITYS_SHEET, row=self.row_no, column=_col_label(self.headers, name))

    def amount(self) -> Decimal:
        """The proposed amount, read by the one parser of amounts (``values.amount``)."""
        cell = self[COL_AMOUNT]
        try:
            amount = values.amount(cell)
        except values.ValueProblem:
            amount = None
        if amount is None:
            raise self.fail(COL_AMOUNT, f"esitys {cell!r} ei ole euromäärä: kirjoita luku, esim. 12500 (0, jos hakemus hylätään).")
        if amount < 0:
            raise self.fail(COL_AMOUNT, f"esitys {fmt.money2(amount)} on negatiivinen: kirjoita 0 tai positiivinen euromäärä.")
        if amount != amount.quantize(Decimal("0.01")):
            raise self.fail(COL_AMOUNT, f"esitys {amount:f} on tarkempi kuin sentti: pyöristä senteiksi.")
        return amount.quantize(Decimal("0.01"))

    def points(self, name: str) -> Decimal | None:
        try:
            v = _points(self[name])
        except ValueError:
            raise self.fail(name, f"pisteet {self[name]!r} eivät ole luku.") from None
        if v is not None and v < 0:
            raise self.fail(name, f"pisteet {v} ovat negatiiviset.")
        return v

    def edit(self, app_id: str, weights: Sequence[str]) -> ProposalEdit:
        amount = self.amount()
        score = self.points(COL_SCORE) if COL_SCORE in self.col else None
        criteria = {}
        for k in weights:
            if criterion_header(k) in self.col:
                v = self.points(criterion_header(k))
                if v is not None:
                    criteria[k] = v
        reason = self[COL_REASON]
        reason = "" if reason is None else " ".join(str(reason).split())
        conds = tuple(split_conditions(self[COL_CONDITIONS]))
        return ProposalEdit(self.row_no, app_id, amount, reason, conds, score, criteria)


def _read_headers(path: Path, display: str) -> tuple[list[str], Any]:
    from avustus_cli.adapters.excel import read_rows

    headers, rows = read_rows(path, ESITYS_SHEET, display)
    headers = ["" if h in (None, "None") else h for h in headers]
    for name in (COL_ID, COL_AMOUNT, COL_REASON, COL_CONDITIONS):
        if name not in headers:
            raise InputFileError(
                f"sarakeotsikkoa '{name}' ei löydy. Älä muuta otsikkorivin tekstejä; kirjoita tarvittaessa uusi "
                "taulukko komennolla avustus propose --out KANSIO.",
                file=display, sheet=ESITYS_SHEET, row=1,
            )
    return headers, rows


def read_sheet(path: Path, settings: Settings, display: str | None = None) -> list[ProposalEdit]:
    """The officer's edits from esitys.xlsx (header by name); shape errors only."""
    display = display or path.name
    headers, rows = _read_headers(path, display)
    col = {h: i for i, h in enumerate(headers) if h}
    weights = sorted(settings.score_weights)
    edits: list[ProposalEdit] = []
    seen: dict[str, int] = {}
    for row_no, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        row = _Row(headers, col, cells, display, row_no)
        app_id = "" if row[COL_ID] is None else str(row[COL_ID]).strip()
        if not app_id:
            raise row.fail(COL_ID, "hakemustunnus puuttuu. Älä lisää rivejä taulukkoon.")
        if app_id in seen:
            raise row.fail(COL_ID, f"hakemus {app_id} on taulukossa kahdesti (myös rivillä {seen[app_id]}).")
        seen[app_id] = row_no
        edits.append(row.edit(app_id, weights))
    return edits


def validate_edits(
    rows: Mapping[str, ProposalLine],
    edits: Sequence[ProposalEdit],
    budget: Budget,
    path_display: str,
    *,
    require_all: bool = True,
    require_reduction_reasons: bool = True,
) -> list[ProposalLine]:
    """The checks of an edited esitys.xlsx against the round; pure (no store).

    ``rows`` are the stored proposal's rows by application id, ``edits`` the
    sheet's rows (``read_sheet`` already refused empty, non-numeric, negative
    and sub-cent amounts). Refused, with an ``InputFileError`` naming file,
    sheet, row and column:

    - an application not in ``rows`` (and with ``require_all`` one of ``rows`` missing from the sheet);
    - money for an application with a blocking or other open finding;
    - an amount above the request without a reason (or with the old reason unchanged);
    - a changed amount whose reason was not changed;
    - with ``require_reduction_reasons``: a refusal or reduction without a reason
      (``avustus decide`` instead takes the reasons of a refusal from the
      findings and refuses the missing ones itself, all at once);
    - any budget line, category cap or the total going over (``_check_budget``).

    Returns every row of ``rows`` with its edit applied (a row without an
    edit as it was), in ``rows`` order."""

    def fail(e: ProposalEdit | None, column: str, message: str) -> InputFileError:
        return InputFileError(message, file=path_display, sheet=ESITYS_SHEET, row=e.row_no if e else None,
                              column=column)

    unknown = [e for e in edits if e.app_id not in rows]
    if unknown:
        e = unknown[0]
        raise fail(e, COL_ID, f"hakemusta {e.app_id} ei ole tietokannassa. Älä lisää tai muuta hakemustunnuksia.")
    if require_all:
        missing = sorted(set(rows) - {e.app_id for e in edits})
        if missing:
            raise fail(None, COL_ID,
                       f"taulukosta puuttuu {len(missing)} hakemusta ({', '.join(missing[:5])}"
                       f"{' ym.' if len(missing) > 5 else ''}). Älä poista rivejä: merkitse hylättävälle esitykseksi 0 ja perustelu.")

    by_id: dict[str, ProposalLine] = dict(rows)
    for e in edits:
        by_id[e.app_id] = _edited(rows[e.app_id], e, fail, require_reduction_reasons)
    new_rows = list(by_id.values())
    _check_budget(new_rows, {e.app_id: e for e in edits}, budget, path_display)
    return new_rows


def _edited(old: ProposalLine, e: ProposalEdit, fail: Any, require_reduction_reasons: bool) -> ProposalLine:
    """``old`` with the edit ``e`` applied, or the refusal of the edit (``fail(edit, column, message)``)."""
    res = old.standing
    requested = old.requested
    reason = e.reason
    changed_amount = e.amount != old.amount
    if e.amount > 0 and not res.fundable:
        blocking = [f.code for f in res.blocking()]
        if blocking:
            raise fail(e, COL_AMOUNT,
                       f"hakemukselle {e.app_id} ei voi esittää avustusta: hylkäävä havainto {', '.join(blocking)} on voimassa. "
                       "Merkitse esitykseksi 0.")
        raise fail(e, COL_AMOUNT,
                   f"hakemukselle {e.app_id} ei voi esittää avustusta, koska havainto {', '.join(stop_codes(res))} on avoinna. "
                   "Pyydä täydennys ja aja avustus check, tai kuittaa havainto komennolla avustus accept, ja lue taulukko sitten uudelleen.")
    if e.amount > requested and (not reason or (changed_amount and reason == old.reason)):
        raise fail(e, COL_REASON,
                   f"esitys {fmt.money2(e.amount)} on suurempi kuin haettu {fmt.money2(requested)}: kirjoita perustelu.")
    if require_reduction_reasons and e.amount < requested and not reason:
        what = "hylkäykselle" if e.amount == 0 else "haettua pienemmälle avustukselle"
        raise fail(e, COL_REASON, f"perustelu puuttuu {what} (esitys {fmt.money2(e.amount)}, haettu {fmt.money2(requested)}).")
    if changed_amount and e.amount != requested and reason and reason == old.reason:
        raise fail(e, COL_REASON,
                   f"esitystä on muutettu ({fmt.money2(old.amount)} → {fmt.money2(e.amount)}), mutta perustelu on ennallaan: "
                   "kirjoita perustelu, joka kertoo muutoksen syyn.")
    conds = tuple(e.conditions)
    if e.amount > 0:
        conds = tuple(dict.fromkeys([*auto_conditions(res), *conds]))
    if not reason and e.amount >= requested:
        reason = "myönnetään haettu määrä"
    source = old.source
    if (e.amount, reason, conds) != (old.amount, old.reason, old.conditions):
        source = "sheet"
    return dataclasses.replace(
        old, amount=e.amount, reason=reason, reason_code=_edited_code(old, e.amount), conditions=conds, source=source,
        score=e.score, criteria=e.criteria,
    )


def _edited_code(old: ProposalLine, amount: Decimal) -> str:
    """The reason code of an edited amount: kept when unchanged, else the refusal's, the full grant's or the officer's."""
    if amount == old.amount:
        return old.reason_code
    if amount == 0 and not old.standing.fundable:
        return str(ReasonCode.INELIGIBLE)
    if amount == old.requested:
        return str(ReasonCode.FULL)
    return "OFFICER"


def _check_budget(rows: Sequence[ProposalLine], edits: Mapping[str, ProposalEdit], budget: Budget, display: str) -> None:
    """Each budget line, each category cap and the total, in sheet order: the
    row where a sum first goes over is named. ProposalLines without an edit (kept as
    stored) are counted first."""
    in_order = sorted(rows, key=lambda r: (1, edits[r.app.id].row_no) if r.app.id in edits else (0, 0))
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in in_order:
        e = edits.get(r.app.id)
        checks = []
        line = r.form if r.form in budget.per_form else ""
        checks.append((f"line:{line}", budget.per_form[line] if line else common,
                       f"avustusmuodon {form_label(line).lower()} määräraha" if line else
                       ("yhteinen määräraha" if budget.per_form else "määräraha")))
        checks.append(("total", budget.total, "kokonaismääräraha"))
        category = r.app.category
        if category is not None and category in budget.category_caps:
            checks.append((f"cat:{category}", budget.category_caps[category],
                           f"toimintaluokan {category} enimmäismäärä"))
        for key, limit, label in checks:
            sums[key] += r.amount
            if sums[key] > limit:
                where = "tällä rivillä" if e is not None else f"(hakemus {r.app.id}, ei taulukossa)"
                raise InputFileError(
                    f"esitykset ylittävät määrärahan {where}: {label} on {fmt.money2(limit)}, "
                    f"mutta esityksiä on tähän riviin mennessä {fmt.money2(sums[key])} "
                    f"(ylitys {fmt.money2(sums[key] - limit)}). Pienennä esityksiä.",
                    file=display, sheet=ESITYS_SHEET, row=e.row_no if e is not None else None, column=COL_AMOUNT,
                )



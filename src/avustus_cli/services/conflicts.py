"""Conflicts of interest as a service: read the officer's register of decision
makers' positions, store it, and list who must step aside for which
applications (Hallintolaki 27–28 §).

The register workbook has one row per position: henkilö, toimielin/rooli,
yhdistys, Y-tunnus, asema, alkaen, päättyen. A row without a person or an
organisation, or with a date that cannot be read, refuses the whole file
(the stored register stays as it was).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avustus_cli.adapters.excel import read_table
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import positions as position_store
from avustus_cli.domain import values
from avustus_cli.domain.errors import InputFileError
from avustus_cli.domain.fields import FieldSpec
from avustus_cli.domain.models import Application, Position
from avustus_cli.domain.rules.conflict import Conflict, conflicts

POSITION_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("person", "text", "Henkilö", ("Henkilö", "nimi", "päättäjä", "henkilön nimi", "person")),
    FieldSpec("body_role", "text", "Toimielin/rooli",
              ("Toimielin/rooli", "toimielin", "rooli", "toimielin rooli", "tehtävä", "role")),
    FieldSpec("organisation", "text", "Yhdistys",
              ("Yhdistys", "järjestö", "yhteisö", "organisaatio", "säätiö", "organisation", "organization")),
    FieldSpec("business_id", "business_id", "Y-tunnus", ("Y-tunnus", "ytunnus", "y tunnus", "business id")),
    FieldSpec("position", "text", "Asema", ("Asema", "asema yhdistyksessä", "luottamustehtävä", "position")),
    FieldSpec("start", "date", "Alkaen", ("Alkaen", "alkaa", "alkupäivä", "voimassa alkaen", "start")),
    FieldSpec("end", "date", "Päättyen", ("Päättyen", "päättyy", "loppupäivä", "voimassa asti", "end")),
)  # fmt: skip


def read_positions(path: Path, display: str | None = None) -> list[Position]:
    """The register in ``path``; InputFileError naming the row and column of a bad cell."""
    display = display or path.name
    table = read_table(path, POSITION_SPECS, display=display, required="person")
    found = set(table.mapping.values())
    if "organisation" not in found:
        raise InputFileError("sarakeotsikkoa 'Yhdistys' ei löydy.", file=display, sheet=table.sheet)
    out: list[Position] = []
    for row_no, cells in table.rows:
        parsed: dict[str, Any] = {}
        for col, name in table.mapping.items():
            cell = cells[col] if col < len(cells) else None
            try:
                if name in ("start", "end"):
                    parsed[name] = values.date(cell)
                elif name == "business_id":
                    parsed[name] = values.business_id(cell)
                else:
                    parsed[name] = values.text(cell)
            except values.ValueProblem as e:
                raise InputFileError(str(e), file=display, sheet=table.sheet, row=row_no,
                                     column=table.column_name(col)) from None
        if not any(v for v in parsed.values()):
            continue  # an empty row
        for need, label in (("person", "Henkilö"), ("organisation", "Yhdistys")):
            if not parsed.get(need):
                need_col = next((c for c, n in table.mapping.items() if n == need), None)
                raise InputFileError(f"{label} puuttuu.", file=display, sheet=table.sheet, row=row_no,
                                     column=table.column_name(need_col) if need_col is not None else None)
        start, end = parsed.get("start"), parsed.get("end")
        if start and end and end < start:
            raise InputFileError(f"päättymispäivä {end.isoformat()} on ennen alkamispäivää {start.isoformat()}.",
                                 file=display, sheet=table.sheet, row=row_no)
        out.append(
            Position(
                person=" ".join(parsed["person"].split()),
                body_role=parsed.get("body_role") or "",
                organisation=" ".join(parsed["organisation"].split()),
                business_id=parsed.get("business_id"),
                position=parsed.get("position") or "",
                start=start,
                end=end,
            )
        )
    return out


def import_positions(store: Store, path: Path, display: str | None = None) -> dict[str, Any]:
    """Replace the stored register with the workbook's. Same file twice: nothing changes."""
    register = read_positions(path, display)
    with store.transaction():
        counts = position_store.replace_all(store, register, display or path.name)
    return {"file": display or path.name, **counts}


def registered(store: Store) -> list[Position]:
    return position_store.positions(store)


@dataclass(frozen=True)
class StepAside:
    """One decision maker who must step aside from one application."""

    application: Application
    conflict: Conflict

    def as_json(self) -> dict[str, Any]:
        p = self.conflict.position
        return {
            "person": p.person,
            "body_role": p.body_role,
            "position": p.position,
            "organisation": p.organisation,
            "application": self.application.id,
            "applicant": self.application.applicant,
            "party": self.conflict.field,
            "party_name": self.conflict.party_name,
            "party_business_id": self.conflict.party_business_id,
            "matched_by": self.conflict.matched_by,
        }


def step_asides(store: Store, day: dt.date) -> list[StepAside]:
    """Who must step aside for which applications on ``day``, computed from the
    stored register and applications (the same matching as rule J01); sorted by
    person, then application."""
    register = registered(store)
    if not register:
        return []
    out = [
        StepAside(app, c)
        for app in store.applications()
        for c in conflicts(app, register, day)
    ]
    return sorted(out, key=lambda s: (s.conflict.position.person, s.application.id))


__all__ = ["POSITION_SPECS", "StepAside", "import_positions", "read_positions", "registered", "step_asides"]

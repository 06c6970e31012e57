"""The officer's proposal sheet read back: amounts by the one parser of amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from avustus_cli.adapters.proposal_sheet import ESITYS_SHEET, read_sheet
from avustus_cli.domain import values
from avustus_cli.domain.config import default_settings
from avustus_cli.domain.errors import InputFileError

from .conftest import write_xlsx

HEADERS = ["Hakemus", "Esitys (€)", "Ehdot", "Perustelu"]


def _read(tmp_path, amount):
    path = write_xlsx(tmp_path / "esitys.xlsx", [["H-1", amount, "", "perustelu"]], headers=HEADERS, sheet=ESITYS_SHEET)
    return read_sheet(path, default_settings(2027))


@pytest.mark.parametrize("typed", ["12,500.00", "12.500", "12 500,00 €", "12.500,00", "12500", 12500, 12500.0])
def test_an_amount_typed_into_the_sheet_reads_as_the_import_reads_it(tmp_path, typed):
    (edit,) = _read(tmp_path, typed)
    assert edit.amount == values.money(typed) == Decimal("12500.00")


@pytest.mark.parametrize("typed, message", [
    ("kaksi", "ei ole euromäärä"),
    (None, "ei ole euromäärä"),
    ("-500", "on negatiivinen"),
    ("12,345", "tarkempi kuin sentti"),
])
def test_a_bad_amount_is_refused_naming_its_cell(tmp_path, typed, message):
    with pytest.raises(InputFileError, match=message) as e:
        _read(tmp_path, typed)
    assert "Esitys (€)" in str(e.value) and "2" in str(e.value)

"""Errors the officer sees. Each carries a Finnish message that says what is
wrong and, where it can, what to do next. The CLI prints ``Virhe: <message>``
and exits with ``exit_code``."""

from __future__ import annotations


class AvustusError(Exception):
    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class SettingsError(AvustusError):
    """A setting is missing, of the wrong form or out of range."""


class InputFileError(AvustusError):
    """A file given to the tool cannot be used (refused whole)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ):
        where = []
        if file:
            where.append(f"tiedosto {file}")
        if sheet:
            where.append(f"taulukko {sheet}")
        if row:
            where.append(f"rivi {row}")
        if column:
            where.append(f"sarake {column}")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full)
        self.file, self.sheet, self.row, self.column = file, sheet, row, column


class DatabaseError(AvustusError):
    """The database cannot be opened, is locked, or is of an unknown version."""


class NotFoundError(AvustusError):
    """An application, grant or finding named on the command line does not exist."""


class ValidationError(AvustusError):
    """An edited sheet or a command's input breaks a rule (budget, reasons...)."""

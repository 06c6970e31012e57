"""Importing exports into the store: applications, earlier grants and usage reports.

The whole file goes in one transaction: a file that cannot be used is refused whole, with one Finnish
line naming file, sheet, row and column, and the database is left as it was.
"""

from avustus_cli.services.importing._applications import import_applications
from avustus_cli.services.importing._common import ImportResult, file_sha256, inspect_columns, settings_place, write_warnings
from avustus_cli.services.importing._history import import_history
from avustus_cli.services.importing._reports import import_reports

__all__ = [
    "ImportResult", "file_sha256", "import_applications", "import_history", "import_reports", "inspect_columns",
    "settings_place", "write_warnings",
]  # fmt: skip

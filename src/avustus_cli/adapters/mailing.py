"""The mail-merge lists written beside the letters (postitus.csv): UTF-8 with
BOM, ``;`` separated for Finnish Excel, every cell neutralised against
formulas, owner-only because they hold e-mail addresses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from avustus_cli.adapters.files import write_atomic
from avustus_cli.domain.letter import MAILING_HEADERS, Letter


def write_private_text(path: Path, text: str, encoding: str) -> None:
    """Write ``text`` atomically with owner-only permissions (it holds personal data)."""
    write_atomic(path, text, private=True, encoding=encoding)


def write_mailing(path: Path, letters: Iterable[Letter]) -> Path:
    """The mail-merge list: UTF-8 with BOM, ``;`` separated (Finnish Excel),
    every cell neutralised against formulas, one line per letter with the files
    enclosed with it. Owner-only: it holds e-mails."""
    from avustus_cli.adapters.excel import neutralise  # here: `avustus overdue` loads this module, not the workbooks'

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(MAILING_HEADERS)
    for letter in letters:
        w.writerow([neutralise(str(v or "")) for v in letter.mailing_row()])
    write_private_text(path, buf.getvalue(), "utf-8-sig")
    return path

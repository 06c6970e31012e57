"""The mail-merge lists written beside the letters (postitus.csv): UTF-8 with
BOM, ``;`` separated for Finnish Excel, every cell neutralised against
formulas, owner-only because they hold e-mail addresses."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Iterable

from avustus_cli.adapters.excel import neutralise
from avustus_cli.domain.letter import Letter


def write_private_text(path: Path, text: str, encoding: str) -> None:
    """Write ``text`` atomically with owner-only permissions (it holds personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_mailing(path: Path, letters: Iterable[Letter]) -> Path:
    """The mail-merge list: UTF-8 with BOM, ``;`` separated (Finnish Excel),
    every cell neutralised against formulas. Owner-only: it holds e-mails."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["Hakemusnumero", "Hakija", "Sähköposti", "Tiedosto", "HTML-tiedosto", "Lähetystapa"])
    for letter in letters:
        w.writerow([neutralise(str(v or "")) for v in letter.mailing_row()])
    write_private_text(path, buf.getvalue(), "utf-8-sig")
    return path

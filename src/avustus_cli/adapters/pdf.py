"""PDF (PDF/A-2 for archiving) of Word documents through LibreOffice: the only module that runs it.

LibreOffice runs headless with a profile of its own in a temporary folder, so that it neither collides
with an officer's open LibreOffice nor with another run; all files of a run are converted by one process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from avustus_cli.domain.errors import AvustusError

__all__ = ["INSTALL_HINT", "PdfError", "find_soffice", "pdf_copies", "require_soffice", "to_pdf"]

# PDF/A-2b: SelectPdfVersion 2 of LibreOffice's writer_pdf_Export filter (the JSON form needs LibreOffice 7.4+)
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
INSTALL_HINT = (
    "LibreOffice ei ole asennettu, joten PDF-tiedostoja (--pdf) ei voi tehdä: asenna LibreOffice "
    "(Windows ja Mac: https://www.libreoffice.org/download/, Linux: sudo apt install libreoffice-writer) "
    "tai aja komento ilman valintaa --pdf. Mitään ei kirjattu."
)


class PdfError(AvustusError):
    """LibreOffice is missing or could not convert a document."""


def find_soffice() -> str | None:
    """The LibreOffice program (``AVUSTUS_SOFFICE``, else soffice / libreoffice on the PATH), or None."""
    explicit = os.environ.get("AVUSTUS_SOFFICE")
    if explicit is not None:
        return explicit if explicit and Path(explicit).is_file() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The LibreOffice program, or one Finnish line on how to install it (checked before anything is written)."""
    program = find_soffice()
    if program is None:
        raise PdfError(INSTALL_HINT)
    return program


def to_pdf(docs: Sequence[Path], timeout: float = 600.0) -> list[Path]:
    """Convert each .docx in ``docs`` to a PDF/A-2 beside it (same name, .pdf); the PDFs' paths."""
    docs = [Path(d) for d in docs]
    if not docs:
        return []
    program = require_soffice()
    out: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="avustus-lo-") as profile:
        by_folder: dict[Path, list[Path]] = {}
        for d in docs:
            by_folder.setdefault(d.parent, []).append(d)
        for folder, files in by_folder.items():
            cmd = [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--convert-to", PDFA_FILTER, "--outdir", str(folder), *[str(f) for f in files]]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            except (OSError, subprocess.TimeoutExpired) as e:
                raise PdfError(f"LibreOffice ei muuntanut asiakirjoja PDF:ksi ({type(e).__name__}). Mitään ei kirjattu.") from None
            for f in files:
                pdf = f.with_suffix(".pdf")
                if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
                    raise PdfError(f"LibreOffice ei muuntanut tiedostoa {f.name} PDF:ksi. Mitään ei kirjattu.")
                out.append(pdf)
    return out


def pdf_copies(paths: Sequence[Path]) -> list[Path]:
    """A PDF/A-2 beside each Word file among ``paths`` (one LibreOffice run for all); the PDFs' paths."""
    return to_pdf([Path(p) for p in paths if Path(p).suffix == ".docx"])

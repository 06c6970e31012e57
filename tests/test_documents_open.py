"""The documents open in LibreOffice: every Word and Excel file of a round is converted to PDF.

Needs LibreOffice (`soffice`); CI installs it (see .ci/run). Without it the test
is skipped with the reason shown, never silently passed.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import SAMPLE, Cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) ei ole asennettu"),
]


def test_round_documents_open_in_libreoffice(tmp_path):
    cli = Cli(tmp_path / "a.db", SAMPLE / "avustus.toml")
    assert cli("import", SAMPLE / "hakemukset.xlsx").exit_code == 0
    assert cli("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx").exit_code == 0
    cli("check", "--as-of", "2027-01-10")
    out = tmp_path / "esitys"
    assert cli("propose", "--out", out, "--as-of", "2027-01-12").exit_code == 0
    assert cli("decide", "--date", "2027-01-20", "--section", "§ 12", "--letters", tmp_path / "paatokset").exit_code == 0
    letters = sorted((tmp_path / "paatokset").glob("*.docx"))
    supplements = sorted((out / "taydennyspyynnot").glob("*.docx"))
    files = [out / "paatosesitys.docx", out / "liite1.docx", out / "avustusehdot.docx", out / "liite1.xlsx",
             out / "esitys.xlsx", letters[0], letters[-1], supplements[0]]
    pdf_dir = tmp_path / "pdf"
    r = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--convert-to", "pdf",
         "--outdir", str(pdf_dir), *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    for f in files:
        pdf = pdf_dir / (f.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 1000, f"{f.name} did not convert: {r.stdout} {r.stderr}"
        assert pdf.read_bytes().startswith(b"%PDF")

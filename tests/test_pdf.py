"""--pdf: PDF/A of the letters and board documents through LibreOffice, or one line on how to install it."""

from __future__ import annotations

import shutil

import pytest

from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import letters as letter_store

from . import test_decide as _decide
from .conftest import dump
from .test_decide import run_decide

proposed_round = _decide.proposed_round  # the shared round as fixtures of this module
decided_round = _decide.decided_round


def test_without_libreoffice_one_line_says_how_to_install_and_nothing_changes(decided_round, workdir, monkeypatch):
    monkeypatch.setenv("AVUSTUS_SOFFICE", "")  # as if LibreOffice were not installed
    before = dump(decided_round.db)
    r = run_decide(decided_round, "--pdf")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(" ".join(lines).split("Virhe:")) == 2 and "LibreOffice ei ole asennettu" in r.stderr
    assert "apt install libreoffice-writer" in " ".join(r.stderr.split())
    assert dump(decided_round.db) == before and not (workdir / "paatokset").exists()
    r = decided_round("propose", "--out", workdir / "esitys", "--pdf")
    assert r.exit_code == 2 and "LibreOffice ei ole asennettu" in r.stderr and not (workdir / "esitys").exists()
    assert run_decide(decided_round).exit_code == 0
    before = dump(decided_round.db)
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Oikaisu.", "--pdf")
    assert r.exit_code == 2 and "LibreOffice ei ole asennettu" in r.stderr
    assert dump(decided_round.db) == before and not (workdir / "muutospaatokset").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_decide_pdf_writes_a_pdfa_of_every_letter_and_records_it(decided_round, workdir):
    r = run_decide(decided_round, "--channel", "email", "--pdf")
    assert r.exit_code == 0, r.output
    pdf = workdir / "paatokset" / "paatos_H-0002.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"pdfaid:part" in data  # PDF/A metadata
    assert b"<pdfaid:part>2</pdfaid:part>" in data or b'pdfaid:part="2"' in data  # PDF/A-2
    store = Store.open(decided_round.db)
    try:
        rec = letter_store.latest(store, "H-0002")
        assert rec is not None and rec.file == "paatos_H-0002.docx" and "paatos_H-0002.pdf" in rec.files
    finally:
        store.close()
    r = decided_round("send", "--dry-run", "--out", workdir / "lahtevat")
    assert r.exit_code == 0
    import email
    from email.policy import default

    msg = email.message_from_bytes((workdir / "lahtevat" / "paatos_H-0002.eml").read_bytes(), policy=default)
    assert sorted(a.get_filename() for a in msg.iter_attachments()) == ["paatos_H-0002.docx", "paatos_H-0002.pdf"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_amend_pdf_is_renamed_with_its_letter(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Oikaisu.", "--letters", workdir / "paatokset", "--pdf")
    assert r.exit_code == 0, r.output
    assert (workdir / "paatokset" / "paatos_H-0002_2.pdf").read_bytes().startswith(b"%PDF")
    assert not (workdir / "paatokset" / "paatos_H-0002.pdf").exists()  # the original letter had none
    store = Store.open(decided_round.db)
    try:
        (rec,) = letter_store.letters(store, kind="amendment")
        assert rec.file == "paatos_H-0002_2.docx" and "paatos_H-0002_2.pdf" in rec.files
    finally:
        store.close()


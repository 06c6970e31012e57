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
    # the letter, and the grant terms it encloses, each as Word and PDF/A (sent in this order)
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        "paatos_H-0002.docx", "paatos_H-0002.pdf", "liite2_avustusehdot.docx", "liite2_avustusehdot.pdf"]
    terms = (workdir / "paatokset" / "liite2_avustusehdot.pdf").read_bytes()
    assert terms.startswith(b"%PDF") and b"pdfaid:part" in terms


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



# --- --pdf on the letters of the year after the decision: reminders, usage-report letters, reclaim ---------------

FAKE_SOFFICE = """#!{python}
# Stands in for LibreOffice: writes "<stem>.pdf" (a marker naming the Word file) into --outdir for each file.
import sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
for f in args[args.index("--outdir") + 2:]:
    (out / (Path(f).stem + ".pdf")).write_bytes(b"%PDF-1.7 " + Path(f).name.encode())
"""


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    import sys

    program = tmp_path / "fake-soffice"
    program.write_text(FAKE_SOFFICE.format(python=sys.executable), encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("AVUSTUS_SOFFICE", str(program))
    return program


def _year_with_report(tmp_path_factory, workdir):
    from .test_reports import _import, row
    from .year_round import decided_round as year_round

    cli = year_round(tmp_path_factory.getbasetemp(), workdir)
    assert cli("paid", "H-0001", "--date", "2027-03-02").exit_code == 0
    assert _import(cli, workdir, [row()]).exit_code == 0  # used 18 000 €, unused 2 000 €
    return cli


def _recorded_files(db, kind: str) -> list[list[str]]:
    store = Store.open(db)
    try:
        return [sorted(r.files) for r in letter_store.letters(store, kind=kind)]
    finally:
        store.close()


def test_pdf_of_report_reclaim_and_reminder_letters_is_written_and_recorded(tmp_path_factory, workdir, fake_soffice):
    cli = _year_with_report(tmp_path_factory, workdir)
    r = cli("report", "H-0001", "--accept", "--date", "2028-03-20", "--pdf")
    assert r.exit_code == 0, r.output
    pdf = workdir / "kayttoselvitykset" / "kayttoselvitys_hyvaksytty_2027_H-0001.pdf"
    assert pdf.read_bytes() == b"%PDF-1.7 kayttoselvitys_hyvaksytty_2027_H-0001.docx"
    assert _recorded_files(cli.db, "report_acceptance") == [[
        "kayttoselvitys_hyvaksytty_2027_H-0001.docx", "kayttoselvitys_hyvaksytty_2027_H-0001.html",
        "kayttoselvitys_hyvaksytty_2027_H-0001.pdf"]]
    r = cli("reclaim", "start", "H-0001", "--date", "2028-04-03", "--grounds", "Käyttämättä jäänyt osa.", "--pdf")
    assert r.exit_code == 0, r.output
    assert (workdir / "takaisinperinta" / "kuuleminen_H-0001.pdf").read_bytes().startswith(b"%PDF")
    assert "kuuleminen_H-0001.pdf" in _recorded_files(cli.db, "reclaim_hearing")[0]
    r = cli("reclaim", "decide", "H-0001", "--date", "2028-04-25", "--section", "§ 41", "--amount", "2000",
            "--due", "2028-05-31", "--reasons", "Vastinetta ei annettu.", "--pdf")
    assert r.exit_code == 0, r.output
    assert (workdir / "takaisinperinta" / "takaisinperinta_H-0001.pdf").read_bytes().startswith(b"%PDF")
    assert "takaisinperinta_H-0001.pdf" in _recorded_files(cli.db, "reclaim_decision")[0]
    # the next year's usage report of H-0002 is late (due 30.6.2028): a reminder with its PDF
    out = workdir / "muistutukset"
    r = cli("overdue", "--as-of", "2028-07-01", "--letters", out, "--pdf")
    assert r.exit_code == 1, r.output
    reminders = sorted(p.name for p in out.glob("muistutus1_*.pdf"))
    assert reminders and all((out / n).read_bytes() == b"%PDF-1.7 " + n.replace(".pdf", ".docx").encode() for n in reminders)
    assert all(any(f.endswith(".pdf") for f in files) for files in _recorded_files(cli.db, "reminder"))


def test_pdf_without_libreoffice_changes_nothing_on_the_later_letters(tmp_path_factory, workdir, monkeypatch):
    cli = _year_with_report(tmp_path_factory, workdir)
    monkeypatch.setenv("AVUSTUS_SOFFICE", "")  # as if LibreOffice were not installed
    before = dump(cli.db)
    for args in (("report", "H-0001", "--accept", "--date", "2028-03-20", "--pdf"),
                 ("reclaim", "start", "H-0001", "--date", "2028-04-03", "--grounds", "Käyttämättä jäänyt osa.", "--pdf"),
                 ("overdue", "--as-of", "2028-07-01", "--letters", workdir / "muistutukset", "--pdf")):
        r = cli(*args)
        assert r.exit_code == 2 and "LibreOffice ei ole asennettu" in r.stderr, (args, r.output)
    assert dump(cli.db) == before
    assert not any((workdir / d).exists() for d in ("kayttoselvitykset", "takaisinperinta", "muistutukset"))
    r = cli("overdue", "--as-of", "2028-07-01", "--pdf")
    assert r.exit_code == 2 and "anna myös --letters" in r.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_reclaim_decision_pdf_is_a_pdfa(tmp_path_factory, workdir):
    cli = _year_with_report(tmp_path_factory, workdir)
    assert cli("reclaim", "start", "H-0001", "--date", "2028-04-03", "--grounds", "Käyttämättä jäänyt osa.").exit_code == 0
    r = cli("reclaim", "decide", "H-0001", "--date", "2028-04-25", "--section", "§ 41", "--amount", "2000",
            "--due", "2028-05-31", "--reasons", "Vastinetta ei annettu.", "--pdf")
    assert r.exit_code == 0, r.output
    data = (workdir / "takaisinperinta" / "takaisinperinta_H-0001.pdf").read_bytes()
    assert data.startswith(b"%PDF") and (b"<pdfaid:part>2</pdfaid:part>" in data or b'pdfaid:part="2"' in data)


def _attached(eml) -> list[str]:
    import email
    from email.policy import default

    return [str(a.get_filename()) for a in email.message_from_bytes(eml.read_bytes(), policy=default).iter_attachments()]


def test_a_pdf_letter_is_sent_with_its_pdf_and_the_terms_as_word_and_pdf(decided_round, workdir, fake_soffice):
    r = run_decide(decided_round, "--channel", "email", "--pdf")
    assert r.exit_code == 0, r.output
    letters = workdir / "paatokset"
    assert (letters / "liite2_avustusehdot.pdf").read_bytes() == b"%PDF-1.7 liite2_avustusehdot.docx"
    r = decided_round("send", "--dry-run", "--out", workdir / "lahtevat")
    assert r.exit_code == 0, r.output
    granted = {ln.split(";")[3] for ln in (letters / "postitus.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
               if "Liite 2" in ln}
    assert granted and len(granted) < 4
    for n in range(1, 5):
        letter = f"paatos_H-000{n}"
        terms = ["liite2_avustusehdot.docx", "liite2_avustusehdot.pdf"] if f"{letter}.docx" in granted else []
        assert _attached(workdir / "lahtevat" / f"{letter}.eml") == [f"{letter}.docx", f"{letter}.pdf", *terms]
    # the amended letter by e-mail with --pdf: its own PDF and the terms, Word and PDF
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Oikaisu.", "--channel", "email", "--pdf")
    assert r.exit_code == 0, r.output
    assert (workdir / "muutospaatokset" / "liite2_avustusehdot.pdf").is_file()
    r = decided_round("send", "--dry-run", "--out", workdir / "muutokset")
    assert r.exit_code == 0, r.output
    assert _attached(workdir / "muutokset" / "paatos_H-0002.eml") == [
        "paatos_H-0002.docx", "paatos_H-0002.pdf", "liite2_avustusehdot.docx", "liite2_avustusehdot.pdf"]


def test_the_mailing_list_names_the_terms_pdf_when_it_was_made(decided_round, workdir, fake_soffice):
    """With --pdf a grant's line in postitus.csv names the grant terms as Word and PDF/A (both go with the
    e-mail); a refusal's line names nothing. The amended letter's own list does the same."""
    import csv

    def enclosed(path):
        rows = csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";")
        return {row["Tiedosto"]: row["Liitteet"] for row in rows}

    assert run_decide(decided_round, "--channel", "email", "--pdf").exit_code == 0
    lines = enclosed(workdir / "paatokset" / "postitus.csv")
    both = "Liite 2 Avustusehdot (liite2_avustusehdot.docx, liite2_avustusehdot.pdf)"
    assert set(lines.values()) == {both, ""}
    assert (workdir / "paatokset" / "liite2_avustusehdot.pdf").is_file()
    r = decided_round("amend", "H-0002", "--date", "2027-02-23", "--section", "§ 30", "--amount", "16000",
                      "--reason", "Oikaisu.", "--channel", "email", "--pdf")
    assert r.exit_code == 0, r.output
    assert enclosed(workdir / "muutospaatokset" / "postitus_muutos_H-0002.csv") == {"paatos_H-0002.docx": both}

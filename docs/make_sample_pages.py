"""Render one of every document of the sample round to PDF and to PNG pages, and write
docs/sample_pages.md that shows them: a reviewer sees the pages without running anything.

    .venv/bin/python docs/make_sample_pages.py          # docs/sample_pages/*.png and docs/sample_pages.md
    .venv/bin/python docs/make_sample_pages.py OUTDIR   # somewhere else (OUTDIR/sample_pages/, OUTDIR/sample_pages.md)

Run it again when a template, the sheet layout or the sample data changes. It needs
LibreOffice (``soffice``) and poppler (``pdftoppm``). The round is the one ``python3 run.py
demo`` runs, in a temporary folder; the PNGs are small (50 dpi, grey, the first two pages of each
document) to keep the repository small. ``tests/test_layout_pdf.py`` runs the same round
(``sample_round``) and checks the PDFs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "sample_data"
DPI = 50
MAX_PAGES = 2  # pages shown per document

# (file stem in the docs, title, path in the round's output folder; a glob takes the first match)
DOCUMENTS: tuple[tuple[str, str, str], ...] = (
    ("paatosesitys", "Päätösesitys (aluehallitus)", "esitys/paatosesitys.docx"),
    ("liite1", "Liite 1: avustusesitys (Word)", "esitys/liite1.docx"),
    ("avustusehdot", "Liite 2: avustusehdot", "esitys/avustusehdot.docx"),
    ("strategiajohtajan_paatos", "Strategiajohtajan päätös: kumppanuussopimukset", "esitys/strategiajohtajan_paatos.docx"),
    ("taydennyspyynto", "Täydennyspyyntö", "esitys/taydennyspyynnot/taydennyspyynto_*.docx"),
    ("paatoskirje", "Päätöskirje", "paatokset/paatos_AV-2027-001.docx"),
    ("muistutus", "Muistutus käyttöselvityksestä", "muistutukset/*.docx"),
    ("sopimus", "Kumppanuussopimus", "sopimukset/sopimus_*.docx"),
    ("kayttoselvitys_hyvaksynta", "Käyttöselvityksen hyväksyminen", "kayttoselvitykset/kayttoselvitys_hyvaksytty_*.docx"),
    ("kayttoselvitys_taydennys", "Käyttöselvityksen täydennyspyyntö", "kayttoselvitykset/kayttoselvitys_taydennys_*.docx"),
    ("kuuleminen", "Kuuleminen: takaisinperintä", "takaisinperinta/kuuleminen_*.docx"),
    ("takaisinperinta", "Päätös: takaisinperintä", "takaisinperinta/takaisinperinta_*.docx"),
    ("liite1_xlsx", "Liite 1: avustusesitys (Excel)", "esitys/liite1.xlsx"),
    ("esitys_xlsx", "Valmistelijan esitystaulukko (esitys.xlsx)", "esitys/esitys.xlsx"),
    ("tarkistus_xlsx", "Tarkistustaulukko (tarkistus.xlsx)", "tarkistus.xlsx"),
    ("maksatus_xlsx", "Maksatuslista (maksatus.xlsx)", "maksatus.xlsx"),
    ("myohassa_xlsx", "Myöhässä olevat käyttöselvitykset (myohassa.xlsx)", "myohassa.xlsx"),
    ("tilastot_xlsx", "Tilastot (tilastot.xlsx)", "tilastot.xlsx"),
)


def _avustus(out: Path, *args: str | Path) -> int:
    cmd = [sys.executable, "-m", "avustus_cli", "--settings", str(SAMPLE / "avustus.toml"), "--db", str(out / "avustus.db"),
           *[str(a) for a in args]]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=out)
    if done.returncode not in (0, 1):  # 1: findings, expected on the sample
        raise RuntimeError(f"avustus {' '.join(map(str, args))} exited {done.returncode}: {done.stderr[-500:]}")
    return done.returncode


def sample_round(out: Path, run: Callable[..., int] | None = None) -> dict[str, Path]:
    """The sample round as ``python3 run.py demo`` runs it, plus the payment list, the overdue list
    and reminders and the statistics; returns one file of each document kind (DOCUMENTS order).

    ``run(out, *args)`` runs one command (``avustus --settings ... --db out/avustus.db ARGS``) and returns
    its exit code, raising on anything but 0 or 1; by default each command is a process of its own, as the
    officer runs it (the tests run them in their own process, the same commands)."""
    run = run or _avustus
    out.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str | Path, ...]] = [
        ("import", SAMPLE / "hakemukset.xlsx"),
        ("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx"),
        ("positions", "import", SAMPLE / "sidonnaisuudet.xlsx"),
        ("check", "--as-of", "2027-01-04", "--xlsx", out / "tarkistus.xlsx"),
        ("propose", "--out", out / "esitys", "--as-of", "2027-01-04"),
        ("decide", "--date", "2027-01-20", "--section", "§ 12", "--minutes-published", "2027-01-22",
         "--letters", out / "paatokset"),
        ("decide", "--date", "2027-01-21", "--section", "§ 3", "--maker", "Strategiajohtaja",
         "--minutes-published", "2027-01-22", "--letters", out / "paatokset_strategiajohtaja"),
        ("payments", "--as-of", "2027-03-01", "--xlsx", out / "maksatus.xlsx"),
        ("agreement", "AV-2027-010", "--date", "2027-02-01", "--out", out / "sopimukset"),
        ("paid", "AV-2027-050", "--date", "2027-03-02", "--instalment", "1"),
        ("import", "--reports", SAMPLE / "kayttoselvitykset.xlsx"),
        ("report", "AV-2026-004", "--accept", "--date", "2027-05-20", "--letters", out / "kayttoselvitykset"),
        ("report", "AV-2026-011", "--supplement", "--date", "2027-06-10", "--letters", out / "kayttoselvitykset"),
        ("reclaim", "start", "AV-2026-004", "--date", "2027-05-24", "--letters", out / "takaisinperinta",
         "--grounds", "Käyttöselvityksen mukaan avustuksesta jäi käyttämättä osa, jota ei ole palautettu."),
        ("reclaim", "decide", "AV-2026-004", "--date", "2027-06-22", "--section", "§ 48", "--amount", "2400",
         "--due", "2027-07-30", "--letters", out / "takaisinperinta",
         "--reasons", "Vastinetta ei annettu. Käyttämättä jäänyttä avustusta ei ole palautettu."),
        ("overdue", "--as-of", "2027-09-01", "--xlsx", out / "myohassa.xlsx", "--letters", out / "muistutukset"),
        ("stats", "--xlsx", out / "tilastot.xlsx"),
    ]
    for step in steps:
        run(out, *step)
    found: dict[str, Path] = {}
    for stem, _title, pattern in DOCUMENTS:
        matches = sorted(out.glob(pattern))
        if not matches:
            raise RuntimeError(f"the sample round wrote no {pattern}")
        found[stem] = matches[0]
    return found


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(files: dict[str, Path], pdf_dir: Path, profile: Path) -> dict[str, Path]:
    """Each file converted to ``pdf_dir/<stem>.pdf`` with LibreOffice, in one run, under its own
    user profile (so that it does not meet another LibreOffice running on the machine)."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    staged = pdf_dir / "src"
    staged.mkdir(parents=True, exist_ok=True)
    for stem, path in files.items():
        shutil.copyfile(path, staged / f"{stem}{path.suffix}")
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}  # not Finnish: the sheets must not depend on it
    subprocess.run([exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(pdf_dir), *sorted(str(p) for p in staged.iterdir())],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=600)
    pdfs = {stem: pdf_dir / f"{stem}.pdf" for stem in files}
    missing = [s for s, p in pdfs.items() if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice made no PDF of {', '.join(missing)}")
    return pdfs


def to_png(pdf: Path, out_dir: Path, stem: str) -> list[Path]:
    for old in out_dir.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(DPI), "-l", str(MAX_PAGES), str(pdf), str(out_dir / stem)],
                   check=True)
    return sorted(out_dir.glob(f"{stem}-*.png"))


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def write_markdown(target: Path, shown: list[tuple[str, str, int, list[Path]]]) -> None:
    lines = [
        "# Sample pages",
        "",
        "Every kind of document of the sample round (`python3 run.py demo`), rendered with LibreOffice",
        f"and shown at {DPI} dpi, the first {MAX_PAGES} pages of each. Made by `docs/make_sample_pages.py`;",
        "run it again when a template, the sheet layout or the sample data changes.",
        "`tests/test_layout_pdf.py` checks the same PDFs (page numbers, unbroken table rows, no business",
        "ID or municipality broken inside the word) and `tests/test_layout.py` the Word and Excel XML.",
        "",
    ]
    for _stem, title, pages, pngs in shown:
        lines += [f"## {title}", "", f"{pages} {'page' if pages == 1 else 'pages'} in all.", ""]
        for png in pngs:
            rel = png.relative_to(target.parent).as_posix()
            lines.append(f"![{title}, {png.stem.rsplit('-', 1)[-1].lstrip('0')}]({rel})")
        lines.append("")
    target.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    base = Path(argv[0]) if argv else HERE
    png_dir = base / "sample_pages"
    png_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = sample_round(work / "round")
        pdfs = to_pdf(files, work / "pdf", work / "profile")
        shown = []
        for stem, title, _pattern in DOCUMENTS:
            shown.append((stem, title, page_count(pdfs[stem]), to_png(pdfs[stem], png_dir, stem)))
    write_markdown(base / "sample_pages.md", shown)
    print(base / "sample_pages.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Generate the corpus of bad spreadsheet files (run from anywhere):

    .venv/bin/python tests/corpus/make_corpus.py

Every file is small on disk (the zip bomb is one highly compressible member).
The expected outcome of each is a table in tests/test_fuzz_import.py.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.conftest import HEADERS, app_row  # noqa: E402


def _xlsx(rows: list[list], headers: list[str] | None = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Hakemukset"
    if headers:
        ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(n: int, **over) -> list:
    r = app_row(n, **over)
    return [r[h] for h in HEADERS]


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    good = _xlsx([_row(1), _row(2)])
    files["ei_excel.xlsx"] = b"Hakemusnumero;Hakija\nH-1;Yhdistys ry\n"
    files["tyhja_tiedosto.xlsx"] = b""
    files["katkennut.xlsx"] = good[: len(good) // 2]
    files["salasanasuojattu.xlsx"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2040  # OLE container, as Excel encrypts
    files["vaara_muoto.xls"] = good  # an .xlsx saved under .xls
    files["vaara_paate.csv"] = b"Hakemusnumero;Hakija\n"
    files["tyhja_tyokirja.xlsx"] = _xlsx([], headers=None)
    files["ei_tunnussaraketta.xlsx"] = _xlsx([_row(1)[1:]], headers=HEADERS[1:])
    files["toistuva_tunnus.xlsx"] = _xlsx([_row(1), _row(2), _row(1)])
    files["rivi_ilman_tunnusta.xlsx"] = _xlsx([_row(1), _row(2, Hakemusnumero=None)])
    files["virheellinen_tunnus.xlsx"] = _xlsx([_row(1), _row(2, Hakemusnumero="#N/A")])
    files["kelvottomat_arvot.xlsx"] = _xlsx(
        [_row(1, **{"Haettu summa": "kaksi tonnia", "Saapunut": "31.2.2026", "Toimintaluokka": "#DIV/0!", "Yleishyödyllinen": "ehkä"})]
    )
    files["vain_otsikko.xlsx"] = _xlsx([])
    # a valid zip whose worksheet is not XML
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>0</v></c>" + b"\xff\xfe<<<" * 50
            dst.writestr(info.filename, data)
    files["rikkinainen_xml.xlsx"] = buf.getvalue()
    # zip bomb: 64 MiB of zeros in one member, about 64 KiB on disk
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"0" * (1 << 20)
            for _ in range(64):
                f.write(chunk)
    files["zip_pommi.xlsx"] = buf.getvalue()
    return files


def main() -> None:
    for name, data in build().items():
        (HERE / name).write_bytes(data)
        print(f"{name:28} {len(data):>8} tavua")


if __name__ == "__main__":
    main()

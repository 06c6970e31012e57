"""Time of the personal-data scrub on hostile and ordinary text (public documents pass every
applicant text through it). Run: python bench/bench_scrub.py"""

from __future__ import annotations

import time

from avustus_cli.domain.privacy import looks_personal_value, scrub

CASES = {
    "32 767 x 'a' (one word, Excel's cell limit)": "a" * 32_767,
    "32 767 digits": "1" * 32_767,
    "16 383 x 'a.'": "a." * 16_383,
    "1 MB ordinary text with contact details": "Maija Meikäläinen puh. 040 123 4567 maija@example.fi " * 20_000,
    "10 MB one word": "x" * 10_000_000,
}

if __name__ == "__main__":
    for name, text in CASES.items():
        t = time.perf_counter()
        out, n = scrub(text)
        looks_personal_value("Lisätieto", text)
        print(f"{name:45} {time.perf_counter() - t:8.3f} s  {n:6} removed, {len(out):6} characters out")

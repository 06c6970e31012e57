"""Test hooks for fault injection (killed processes, concurrent writers).

A command calls ``checkpoint("import-row", n)`` at points where a crash
matters. Normally that is one dictionary look-up. When the environment says

    AVUSTUS_TEST_PAUSE_AT=import-row:5000

the process announces the point (one line ``AVUSTUS_PAUSED import-row:5000``
on stderr, and the file named by ``AVUSTUS_TEST_PAUSE_FILE`` is created if
given) and then sleeps ``AVUSTUS_TEST_PAUSE_SECONDS`` (default one hour), so a
test can kill it there or start a second process against the same database.
Without a number the first time the point is reached matches.

Nothing here is meant for officers; the variables are read once at import.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ENV_AT = "AVUSTUS_TEST_PAUSE_AT"
ENV_FILE = "AVUSTUS_TEST_PAUSE_FILE"
ENV_SECONDS = "AVUSTUS_TEST_PAUSE_SECONDS"


def _parse(spec: str | None) -> tuple[str, int | None] | None:
    if not spec:
        return None
    name, _, number = spec.partition(":")
    return name.strip(), int(number) if number.strip() else None


_TARGET = _parse(os.environ.get(ENV_AT))


def checkpoint(point: str, n: int | None = None) -> None:
    if _TARGET is None:
        return
    name, number = _TARGET
    if point != name or (number is not None and n != number):
        return
    label = f"{point}:{n}" if n is not None else point
    sys.stderr.write(f"AVUSTUS_PAUSED {label}\n")
    sys.stderr.flush()
    marker = os.environ.get(ENV_FILE)
    if marker:
        Path(marker).write_text(label, encoding="utf-8")
    time.sleep(float(os.environ.get(ENV_SECONDS, "3600")))

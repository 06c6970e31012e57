"""A progress bar on stderr for a command whose work can take more than a couple of seconds.

The bar appears half a second into the work (a quick command never flashes one), counts what the
service reports (rows, applications) or, when it reports nothing, shows that work is going on and
for how long. None when stderr is not a terminal (a pipe, a log file, the tests) or when the
command prints machine output (``--json``): stdout and stderr then carry only what they always do.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

__all__ = ["Progress"]

SHOW_AFTER = 0.5  # seconds


class Progress:
    """``with Progress("Tarkistetaan", "hakemusta", enabled=not as_json) as bar: bar.update(done, total)``"""

    def __init__(self, label: str, unit: str = "", *, enabled: bool = True):
        from avustus_cli.cli import err

        self._console = err
        self._enabled = enabled and err.is_terminal
        self._label, self._unit = label, unit
        self._done = 0
        self._total: int | None = None
        self._lock = threading.Lock()
        self._bar: Any = None
        self._task: Any = None
        self._timer: threading.Timer | None = None
        self._closed = False

    def __enter__(self) -> Progress:
        if self._enabled:
            if SHOW_AFTER <= 0:
                self._show()
            else:
                self._timer = threading.Timer(SHOW_AFTER, self._show)
                self._timer.daemon = True
                self._timer.start()
        return self

    def _text(self) -> str:
        if self._total is None or not self._unit:
            return self._label
        return f"{self._label} {self._done}/{self._total} {self._unit}"

    def _show(self) -> None:
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with self._lock:
            if self._closed:
                return
            # stdout is not redirected through the bar: data stays on stdout, the bar on stderr
            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=self._console,
                            transient=True, redirect_stdout=False, redirect_stderr=False)
            self._task = self._bar.add_task(self._text(), total=self._total, completed=self._done)
            self._bar.start()

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` (rows, applications) are through."""
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            if self._bar is not None:
                self._bar.update(self._task, completed=done, total=self._total, description=self._text())

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._bar is not None:
                self._bar.stop()
                self._bar = None

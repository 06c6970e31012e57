"""Writing a file so that a reader never sees half of it.

The one atomic writer: the new content goes to a temporary file in the same
folder (so :func:`os.replace` is a rename on the same file system), and
replaces the old file only when it is complete. A failed write leaves the old
file as it was and no temporary file behind.

Permissions: the temporary file is created owner-only (0600, as
:func:`tempfile.mkstemp` does), so the finished file is owner-only too;
``private=True`` guarantees it whatever happens to the file in between
(letters, mailing lists and payment lists hold personal data). A caller that
publishes a file (open data) widens the mode itself.

Not fsynced: every file written here is re-made from the database at will;
the database itself is the only thing that must survive a power cut.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_save", "write_atomic"]


def atomic_save(path: Path, save: Callable[[str], object], *, private: bool = False) -> Path:
    """Call ``save(tmp_path)`` to write a temporary file beside ``path``, then
    move it over ``path``. For writers that want a file name (openpyxl's
    ``Workbook.save``, ``zipfile``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save(tmp)
        if private:
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_atomic(path: Path, data: bytes | str, *, private: bool = False, encoding: str = "utf-8") -> Path:
    """Write ``data`` (bytes, or text in ``encoding`` with line ends as given)
    to ``path`` atomically; owner-only when ``private``."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    return atomic_save(path, lambda tmp: Path(tmp).write_bytes(raw), private=private)

"""Who holds the database's write lock, for the officer whose command waits for it.

SQLite does not say which process holds its lock. So the command that takes
the write lock (``Store.transaction``) writes a small file beside the database,
``avustus.db-kaytossa.json``: the command's name (its words only, no
arguments), the process id and when the command started. The file is written
atomically (a temporary file moved into place), and removed when the
transaction ends. Anyone can read it without the lock.

A process killed while it held the lock leaves the file behind. It is then
not reported: an entry counts only while its process is alive, and on Linux
only while the process with that id is the same one that wrote it (its start
time since boot, from ``/proc``, must match). The next command that takes the
lock writes its own entry over it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any

from avustus_cli.domain.errors import DatabaseError

SUFFIX = "-kaytossa.json"


def holder_path(db: Path) -> Path:
    return db.with_name(db.name + SUFFIX)


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux ``/proc``), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after "pid (name)": state is field 3, starttime field 22
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    except OSError:
        return False
    return True


def claim(db: Path, command: str, started: dt.datetime) -> None:
    """Record this process as the holder of ``db``'s write lock (called with the lock held).
    A folder that cannot be written to leaves the lock message without the holder, nothing worse."""
    from avustus_cli.adapters.files import write_atomic

    pid = os.getpid()
    entry = {"command": command, "pid": pid, "started": started.isoformat(timespec="seconds"),
             "host": socket.gethostname(), "process_start": _process_start(pid)}
    with contextlib.suppress(OSError):
        write_atomic(holder_path(db), json.dumps(entry, ensure_ascii=False), private=True)


def release(db: Path) -> None:
    """Remove this process's entry (an entry another process wrote meanwhile is left alone)."""
    path = holder_path(db)
    entry = _read(path)
    if entry is not None and entry.get("pid") == os.getpid() and entry.get("host") == socket.gethostname():
        with contextlib.suppress(OSError):
            path.unlink()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def live_holder(db: Path) -> dict[str, Any] | None:
    """The recorded holder of ``db``'s write lock while its process still runs; None when there is no
    entry, or the entry was left by a process that has ended (killed)."""
    entry = _read(holder_path(db))
    if entry is None or not isinstance(entry.get("pid"), int) or not isinstance(entry.get("command"), str):
        return None
    if entry.get("host") != socket.gethostname():
        return entry  # a process on another machine (a shared folder): it cannot be checked from here
    pid = entry["pid"]
    if pid == os.getpid() or not _alive(pid):
        return None
    recorded, current = entry.get("process_start"), _process_start(pid)
    if recorded is not None and current is not None and recorded != current:
        return None  # the id now belongs to another process
    return entry


def _holder_text(entry: dict[str, Any], today: dt.date) -> str:
    parts = [entry["command"][:80]]
    try:
        started = dt.datetime.fromisoformat(str(entry.get("started")))
    except ValueError:
        started = None
    if started is not None:
        when = f"klo {started:%H.%M}" if started.date() == today else \
            f"{started.day}.{started.month}.{started.year} klo {started:%H.%M}"
        parts.append(f"käynnistetty {when}")
    parts.append(f"prosessi {entry['pid']}")
    if entry.get("host") != socket.gethostname():
        parts.append(f"kone {str(entry.get('host'))[:60]}")
    return ", ".join(parts)


def lock_error(db: Path, waited: float, outcome: str = "Mitään ei muutettu.") -> DatabaseError:
    """The one message for a command that waited ``waited`` seconds for the database's lock in vain
    (a writer waiting for a writer, or a reader that a write kept out), naming the command that holds
    the lock when it is known."""
    entry = live_holder(db)
    who = f" ({_holder_text(entry, dt.date.today())})" if entry else ""
    return DatabaseError(
        f"tietokantaa {db.name} käyttää toinen komento{who}; odotettiin {waited:g} s. {outcome} "
        "Odota, että se päättyy, ja yritä uudelleen."
    )

"""Writing a file so that a reader never sees half of it.

The one atomic writer: the new content goes to a temporary file in the same
folder (so :func:`os.replace` is a rename on the same file system), and
replaces the old file only when it is complete. A failed write leaves the old
file as it was and no temporary file behind; what a killed run left behind
(only names of this module's own scheme, older than a quarter of an hour) is
removed by the next write of the same file or folder.

Permissions: the temporary file is created owner-only (0600, as
:func:`tempfile.mkstemp` does), so the finished file is owner-only too;
``private=True`` guarantees it whatever happens to the file in between
(letters, mailing lists and payment lists hold personal data). A caller that
publishes a file (open data) widens the mode itself.

Not fsynced: every file written here is re-made from the database at will;
the database itself is the only thing that must survive a power cut.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["StageWriteError", "StageWriter", "StagedFolder", "atomic_save", "content_sha256", "sweep_leftovers",
           "write_atomic", "write_in_stage"]


STALE_AFTER = 15 * 60  # seconds: a temporary file or staging folder this old is a killed run's leftover
_RANDOM = r"[a-z0-9_]{8}"  # tempfile's random part of a name


def sweep_leftovers(folder: Path, name: str, suffix: str, *, name_pattern: str | None = None) -> list[Path]:
    """Remove what a killed run of this program left beside ``name`` in ``folder``:
    only names made by this module's own scheme (``.<name>.<8 random>.tmp`` or
    ``.staging``) and older than :data:`STALE_AFTER`, so a run still writing is
    never touched. ``name_pattern`` (a regular expression) stands for ``name``
    when every file of a kind has a name of its own (timestamped backups).
    Returns what was removed."""
    import shutil
    import time

    named = re.escape(name) if name_pattern is None else f"(?:{name_pattern})"
    pattern = re.compile(r"\." + named + r"\." + _RANDOM + re.escape(suffix))
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in entries:
        if not pattern.fullmatch(p.name) or p.is_symlink():
            continue
        try:
            if time.time() - p.stat().st_mtime < STALE_AFTER:
                continue
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
        except OSError:
            continue  # not ours to fight over: left for a later run
        removed.append(p)
    return removed


def atomic_save(path: Path, save: Callable[[str], object], *, private: bool = False) -> Path:
    """Call ``save(tmp_path)`` to write a temporary file beside ``path``, then
    move it over ``path``. For writers that want a file name (openpyxl's
    ``Workbook.save``, ``zipfile``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(path.parent, path.name, ".tmp")
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


class StagedFolder:
    """Files for ``target`` written first into a hidden folder beside it and
    moved into place by :meth:`publish` once the database has committed; a
    run that fails before that leaves ``target`` as it was (the staged files
    are removed). A file of record already in ``target`` is never replaced:
    an identical one is left alone, a different one is kept and named in
    ``kept``; only the names in ``replaceable`` (a mailing list made again
    from the database) are replaced. An empty file is no document of record
    (no one can have read or sent it: a power cut after the commit leaves the
    files it had not flushed empty): it is written again, as if missing, and
    named in ``restored``.

    Use as a context manager: ``with StagedFolder(folder) as stage: write
    into stage.path ...; commit; stage.publish()``."""

    def __init__(self, target: Path, replaceable: frozenset[str] = frozenset()) -> None:
        self.target = Path(target)
        self.replaceable = replaceable
        self.path: Path = self.target
        self.kept: list[Path] = []
        self.restored: list[Path] = []

    def __enter__(self) -> StagedFolder:
        base = self.target.parent
        while not base.exists() and base != base.parent:  # the nearest existing folder: the same file system
            base = base.parent
        sweep_leftovers(base, self.target.name, ".staging")
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".staging", dir=base))
        return self

    def __exit__(self, *exc: object) -> None:
        import shutil

        shutil.rmtree(self.path, ignore_errors=True)

    def final(self, staged: Path) -> Path:
        """Where a staged file lands."""
        return self.target / Path(staged).relative_to(self.path)

    def of_record(self, staged: Path) -> Path | None:
        """The file of record already where ``staged`` lands, which :meth:`publish` keeps; None when there is
        none (no file, or an empty one, which publish writes again)."""
        dest = self.final(staged)
        return dest if holds_document(dest) else None

    def settle(self, stem: str) -> str:
        """A new document of record: the staged files named ``stem.*`` keep their name when the target
        folder has no such files or the very same ones; otherwise they are renamed ``stem_2.*``,
        ``stem_3.*``, ...: the first name under which nothing different is there already."""
        staged = sorted(self.path.glob(f"{stem}.*"))
        n, candidate = 1, stem
        while any(holds_document(self.target / f"{candidate}{p.suffix}")
                  and (self.target / f"{candidate}{p.suffix}").read_bytes() != p.read_bytes() for p in staged):
            n += 1
            candidate = f"{stem}_{n}"
        if candidate != stem:
            for p in staged:
                p.rename(p.with_name(f"{candidate}{p.suffix}"))
        return candidate

    def publish(self) -> list[Path]:
        """Move the staged files into the target folder; returns their final paths (those kept as they
        were included: the folder holds them). Files of record already there are not replaced."""
        self.target.mkdir(parents=True, exist_ok=True)
        out: list[Path] = []
        for staged in sorted(p for p in self.path.rglob("*") if p.is_file()):
            dest = self.final(staged)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.name not in self.replaceable and holds_document(dest):
                if dest.read_bytes() != staged.read_bytes():
                    self.kept.append(dest)
                staged.unlink()
            else:
                if dest.name not in self.replaceable and dest.exists() and staged.stat().st_size:
                    self.restored.append(dest)
                os.replace(staged, dest)
            out.append(dest)
        return out


def holds_document(path: Path) -> bool:
    """``path`` holds a document someone may have read: it exists and is not empty (an empty file, which a
    power cut leaves of one not yet flushed to disk, is written again as if it were missing)."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def recorded_content_sha256(path: Path, manifest: str = "manifest.json") -> str | None:
    """The ``content_sha256`` that the manifest beside ``path`` (written by the run that wrote the
    folder) records for it; None when there is no such record."""
    try:
        docs = json.loads((path.parent / manifest).read_text(encoding="utf-8")).get("documents", {})
        value = docs.get(path.name, {}).get("content_sha256")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def content_sha256(path: Path, data: bytes | None = None) -> str:
    """A hash of what a document says, not of its container: HTML bytes as
    they are; for .docx/.xlsx (zip) the member names and bytes, leaving out
    the zip timestamps and the workbook's creation/modification properties.
    ``data``: the file's bytes when the caller has them already (not read again)."""
    if data is None:
        data = path.read_bytes()
    if path.suffix.lower() not in (".docx", ".xlsx"):
        return hashlib.sha256(data).hexdigest()
    h = hashlib.sha256()
    members = _zip_members(data)
    if members is not None:
        h.update(b"".join(line for _, line in sorted(members, key=lambda m: m[0])))
        return h.hexdigest()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", z.read(info))
                digest = hashlib.sha256(body).hexdigest()
            else:
                # the member's CRC-32 and size from the zip directory: what it says, without unpacking it
                digest = f"{info.CRC:08x}:{info.file_size}"
            h.update(info.filename.encode() + b"\0" + digest.encode() + b"\n")
    return h.hexdigest()


_CORE = "docProps/core.xml"
_CORE_DATES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _zip_members(data: bytes) -> list[tuple[str, bytes]] | None:
    """(name, line) of each member, the line :func:`content_sha256` hashes for it (its name and digest), read
    straight from a plain
    archive's central directory (a proposal's thousand letters are hashed this way, without building a
    ``ZipFile`` each); None for anything else (an archive comment, zip64, an odd entry): ``zipfile`` reads it.

    A member's entry in the directory, but for where the member starts (``_DIRECTORY_ENTRIES``), gives its
    name and line: the letters of a batch share most of their members, whose entries are read once."""
    import struct

    if len(data) < 22 or data[-22:-18] != b"PK\x05\x06":
        return None
    _, _, _, total, size, start, comment = struct.unpack_from("<HHHHIIH", data, len(data) - 18)
    if comment or total == 0xFFFF or start + size != len(data) - 22:
        return None
    out: list[tuple[str, bytes]] = []
    known = _DIRECTORY_ENTRIES
    pos = start
    for _ in range(total):
        if data[pos:pos + 4] != b"PK\x01\x02":
            return None
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + 42:pos + 46] == b"\xff\xff\xff\xff":  # zip64: the member's start is elsewhere
            return None
        entry = data[pos + 4:pos + 42] + data[pos + 46:pos + 46 + n]
        member = known.get(entry)
        if member is None:
            member = _directory_entry(entry, n)
            if member is None:
                return None
            if len(known) >= 4096:
                known.clear()
            known[entry] = member
        if member[0] == _CORE:
            flags, method = struct.unpack_from("<HH", data, pos + 8)
            (csize,) = struct.unpack_from("<I", data, pos + 20)
            (offset,) = struct.unpack_from("<I", data, pos + 42)
            if data[offset:offset + 4] != b"PK\x03\x04" or method not in (0, 8) or flags & 0x1:
                return None
            ln, le = struct.unpack_from("<HH", data, offset + 26)
            body = data[offset + 30 + ln + le:offset + 30 + ln + le + csize]
            member = (member[0], _member_line(member[0], _core_digest(body, method)))
        out.append(member)
        pos += 46 + n + m + k
    return out if pos == start + size else None


# a member's central directory entry without its signature and where the member starts (its flags, method,
# time, CRC-32, sizes, name's and extras' lengths, attributes, and its name) -> (name, line); the line of
# docProps/core.xml is not kept here (its digest is of the member's own bytes)
_DIRECTORY_ENTRIES: dict[bytes, tuple[str, bytes]] = {}


def _member_line(name: str, digest: str) -> bytes:
    """What :func:`content_sha256` hashes for a member: its name and digest."""
    return name.encode() + b"\0" + digest.encode() + b"\n"


def _directory_entry(entry: bytes, n: int) -> tuple[str, bytes] | None:
    """(name, line) of a member from its directory ``entry`` as :func:`_zip_members` keys it (``n``: the
    length of its name); None when it cannot be read this way (zip64 sizes, a NUL in its name)."""
    import struct

    flags, _ = struct.unpack_from("<HH", entry, 4)
    crc, csize, usize = struct.unpack_from("<III", entry, 12)
    raw = entry[38:38 + n]
    if 0xFFFFFFFF in (csize, usize) or b"\0" in raw:
        return None
    name = raw.decode("utf-8" if flags & 0x800 else "cp437")
    return name, (b"" if name == _CORE else _member_line(name, f"{crc:08x}:{usize}"))


@functools.lru_cache(maxsize=64)
def _core_digest(body: bytes, method: int) -> str:
    """The SHA-256 of a package's ``docProps/core.xml`` without its dates, from the member as stored
    (``method`` 8: deflated). Remembered: a proposal's thousand letters carry the same member."""
    import zlib

    raw = zlib.decompress(body, -15) if method == 8 else body
    return hashlib.sha256(_CORE_DATES.sub(b"", raw)).hexdigest()


class StagedCopy:
    """A folder changed as a whole: its current files are copied into a hidden folder beside it, the
    command writes (and removes) there, and :meth:`swap` puts the new folder in the old one's place
    once the database has committed. A run that fails before that leaves the folder as it was."""

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.path: Path = self.target
        self._swapped = False

    def __enter__(self) -> StagedCopy:
        import shutil

        base = self.target.parent
        while not base.exists() and base != base.parent:
            base = base.parent
        sweep_leftovers(base, self.target.name, ".staging")
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".staging", dir=base))
        if self.target.is_dir():
            shutil.copytree(self.target, self.path, dirs_exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        import shutil

        if not self._swapped:
            shutil.rmtree(self.path, ignore_errors=True)

    def final(self, staged: Path) -> Path:
        """Where a staged file will be once swapped."""
        return self.target / Path(staged).relative_to(self.path)

    def swap(self) -> None:
        import shutil

        self.target.parent.mkdir(parents=True, exist_ok=True)
        old = None
        if self.target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".old", dir=self.target.parent))
            os.rename(self.target, old / "x")
        os.rename(self.path, self.target)
        os.chmod(self.target, 0o755 & ~_umask())
        self._swapped = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@functools.cache
def _process_umask() -> int:
    """The umask, read once (reading it sets it for a moment: :class:`StageWriter` reads it before its
    thread starts, so no file of this run is created meanwhile)."""
    return _umask()


def write_in_stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` inside a staging folder that only this run writes (``StagedCopy``,
    ``StagedFolder``): in place, without a temporary file beside it, since nobody reads the folder
    before it is moved into place as a whole. Owner-only, as :func:`atomic_save`'s files are.

    A new file takes three system calls (open, write, close): created owner-only, it needs no change
    of mode unless the umask takes away the owner's own rights. A file already there (one copied from
    the earlier folder keeps its own mode) is made owner-only by a change of mode."""
    binary = getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | binary, 0o600)
        chmod = _process_umask() & 0o600 != 0
    except FileExistsError:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | binary, 0o600)
        chmod = True
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if chmod and hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        elif chmod:
            os.chmod(path, 0o600)
    finally:
        os.close(fd)
    return path


class StageWriteError(OSError):
    """A file :class:`StageWriter` could not write; ``filename`` names it."""


class StageWriter:
    """Files written into a staging folder (:func:`write_in_stage`) by a thread of its own, in the
    order given, while the caller makes the next ones: a run of a thousand letters spends a good part
    of its time in the operating system creating files, and that work no longer waits for the
    rendering (nor the rendering for it).

    A file's content may be handed over as a function that makes it (a Word letter's package, whose
    compression lets the rendering of the next letter go on meanwhile: zlib and hashlib do not hold
    Python's lock); with ``keep``, the bytes written and their SHA-256 are kept in :attr:`kept`.

    Use as a context manager. :meth:`write` hands a file over (it waits only when many are queued);
    leaving the block waits until every file is written and raises :class:`StageWriteError` for the
    first one that could not be (the files after it are not written), or the error of a function that
    could not make its content. Leaving it with an exception drops what is still queued: the staging
    folder is discarded anyway. The folder's files are not complete until the block is left."""

    def __init__(self, queued: int = 64) -> None:
        import queue
        import threading

        self._queue: queue.Queue[tuple[Path, bytes | Callable[[], bytes], bool] | None] = queue.Queue(maxsize=queued)
        self._error: BaseException | None = None
        self._dropped = False
        self.kept: dict[Path, tuple[bytes, str]] = {}  # path -> (bytes, SHA-256) of the files written with keep
        _process_umask()
        self._thread = threading.Thread(target=self._run, name="stage-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None or self._dropped:
                continue  # drained, not written
            path, made, keep = item
            try:
                data = made if isinstance(made, bytes) else made()
                write_in_stage(path, data)
                if keep:
                    self.kept[path] = (data, hashlib.sha256(data).hexdigest())
            except OSError as e:
                self._error = StageWriteError(e.errno, e.strerror, str(path))
            except Exception as e:  # the content could not be made: raised in the caller's thread on close
                self._error = e

    def write(self, path: Path, data: bytes | Callable[[], bytes], *, keep: bool = False) -> Path:
        if self._error is not None:
            raise self._error
        if not isinstance(path, Path):  # a Path is handed over as it is (a thousand letters: no copies)
            path = Path(path)
        self._queue.put((path, data, keep))
        return path

    def close(self) -> None:
        """Wait until every file handed over is written; the first write error, if any."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> StageWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self._dropped = True
            if self._thread.is_alive():
                self._queue.put(None)
                self._thread.join()
            return
        self.close()

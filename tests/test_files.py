"""The one atomic writer (adapters.files): all or nothing, owner-only on request."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from avustus_cli.adapters.files import atomic_save, write_atomic


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_bytes_and_text(tmp_path):
    p = tmp_path / "sub" / "a.csv"
    write_atomic(p, "ä;b\r\n", encoding="utf-8-sig")
    assert p.read_bytes() == "\ufeffä;b\r\n".encode("utf-8")  # BOM kept, line ends as given
    write_atomic(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert [f.name for f in p.parent.iterdir()] == ["a.csv"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    p = tmp_path / "esitys.xlsx"
    p.write_bytes(b"old")

    def half_then_fail(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(b"half of the new")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_save(p, half_then_fail)
    with pytest.raises(UnicodeEncodeError):
        write_atomic(p, "€", encoding="latin-1")
    assert p.read_bytes() == b"old"
    assert [f.name for f in tmp_path.iterdir()] == ["esitys.xlsx"]


def test_a_failed_write_of_a_new_file_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        atomic_save(tmp_path / "new.docx", lambda tmp: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_private_files_are_owner_only(tmp_path):
    p = tmp_path / "postitus.csv"
    p.write_text("old")
    p.chmod(0o644)
    write_atomic(p, "x", private=True)
    assert _mode(p) == 0o600

    def save_widening(tmp: str) -> None:  # a writer that sets its own mode does not leak it
        with open(tmp, "w") as f:
            f.write("y")
        os.chmod(tmp, 0o644)

    atomic_save(p, save_widening, private=True)
    assert _mode(p) == 0o600 and p.read_text() == "y"


def test_a_killed_runs_leftovers_are_removed_by_the_next_write_and_nothing_else(tmp_path):
    """A kill between the temporary file and the rename (or inside a staging folder)
    leaves them behind; the next write of the same file or folder removes the stale
    ones of this program's own naming scheme only."""
    import time

    from avustus_cli.adapters.files import STALE_AFTER, StagedFolder, write_atomic

    letters = tmp_path / "paatokset"
    letters.mkdir()
    stale_tmp = letters / ".paatos_A-1.docx.k3j_x9q2.tmp"
    fresh_tmp = letters / ".paatos_A-1.docx.ab12cd34.tmp"  # a run still writing
    other = [letters / "muistiinpanot.tmp", letters / ".paatos_A-1.docx.tmp", letters / ".toinen.docx.k3j_x9q2.tmp"]
    stale_stage = tmp_path / ".paatokset.q1w2e3r4.staging"
    (stale_stage / "sisalla").mkdir(parents=True)
    old = time.time() - STALE_AFTER - 60
    for p in (stale_tmp, fresh_tmp, *other):
        p.write_text("x")
    for p in (stale_tmp, *other, stale_stage):
        os.utime(p, (old, old))

    write_atomic(letters / "paatos_A-1.docx", b"kirje")
    assert not stale_tmp.exists() and fresh_tmp.exists() and all(p.exists() for p in other)
    with StagedFolder(letters) as stage:
        assert stage.path.name.endswith(".staging")
    assert not stale_stage.exists() and all(p.exists() for p in other)
    assert (letters / "paatos_A-1.docx").read_bytes() == b"kirje"


def test_a_documents_content_hash_reads_its_zip_directory_like_zipfile(tmp_path):
    """The manifest hashes a proposal's thousand letters from the archive's own directory; an archive that
    path does not take (here one with a comment) goes through zipfile, with the same hash."""
    import io
    import zipfile

    from avustus_cli.adapters.files import content_sha256

    def package(core_date: str, body: bytes, comment: bytes = b"") -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", b"<Types/>")
            z.writestr("docProps/core.xml", f"<cp><dcterms:created x='1'>{core_date}</dcterms:created><dc:title>T</dc:title></cp>")
            z.writestr("word/document.xml", body)
            z.writestr("word/ääkköset.xml", b"<x/>")
            z.comment = comment
        return buf.getvalue()

    path = tmp_path / "kirje.docx"
    base = content_sha256(path, package("2027-01-01", b"<w:document>A</w:document>"))
    assert content_sha256(path, package("2030-05-05", b"<w:document>A</w:document>")) == base  # dates left out
    assert content_sha256(path, package("2027-01-01", b"<w:document>A</w:document>", b"kommentti")) == base
    assert content_sha256(path, package("2027-01-01", b"<w:document>B</w:document>")) != base
    path.write_bytes(package("2027-01-01", b"<w:document>A</w:document>"))
    assert content_sha256(path) == base


def test_letters_sharing_members_at_other_places_hash_as_zipfile_reads_each(tmp_path):
    """The entries of members read in one letter's directory are used again for the next letters: a member
    moved by a longer body before it, a member of the same name with other bytes, and core.xml with other
    properties each give the hash zipfile gives (an archive with a comment goes through zipfile)."""
    import io
    import zipfile

    from avustus_cli.adapters.files import content_sha256

    def package(body: bytes, title: str, styles: bytes, comment: bytes = b"") -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", body)
            z.writestr("docProps/core.xml", f"<cp><dcterms:modified>2027-01-0{len(body) % 9 + 1}</dcterms:modified>"
                                            f"<dc:title>{title}</dc:title></cp>")
            z.writestr("word/styles.xml", styles)
            z.comment = comment
        return buf.getvalue()

    path = tmp_path / "kirje.docx"
    cases = [(b"<w:body>" + b"x" * n + b"</w:body>", title, styles)
             for n in (1, 5, 500) for title in ("A", "B") for styles in (b"<s/>", b"<s>toinen</s>")]
    hashes = [content_sha256(path, package(*case)) for case in cases]
    assert hashes == [content_sha256(path, package(*case, comment=b"c")) for case in cases]
    assert len(set(hashes)) == len(cases)


def test_a_stage_writer_writes_every_file_owner_only_by_the_end_of_its_block(tmp_path):
    from avustus_cli.adapters.files import StageWriter

    with StageWriter(queued=2) as w:  # fewer places in the queue than files: the writer waits, nothing is lost
        paths = [w.write(tmp_path / f"kirje_{i}.docx", f"kirje {i}".encode()) for i in range(20)]
    assert [p.read_bytes() for p in paths] == [f"kirje {i}".encode() for i in range(20)]
    if sys.platform != "win32":
        assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o600}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_file_written_in_stage_is_owner_only_new_or_replaced_whatever_the_umask(tmp_path, monkeypatch):
    from avustus_cli.adapters import files

    old = tmp_path / "vanha.html"  # copied from the earlier folder with a wider mode
    old.write_bytes(b"vanha sisalto, pidempi kuin uusi")
    old.chmod(0o644)
    files.write_in_stage(old, b"uusi")
    assert old.read_bytes() == b"uusi" and _mode(old) == 0o600
    files.write_in_stage(tmp_path / "uusi.docx", b"x" * 100_000)
    assert (tmp_path / "uusi.docx").read_bytes() == b"x" * 100_000 and _mode(tmp_path / "uusi.docx") == 0o600
    monkeypatch.setattr(files, "_process_umask", lambda: 0o277)  # a umask that takes the owner's writing right
    mask = os.umask(0o277)
    try:
        files.write_in_stage(tmp_path / "kirje.html", b"k")
    finally:
        os.umask(mask)
    assert _mode(tmp_path / "kirje.html") == 0o600


def test_a_stage_writer_makes_a_content_handed_over_as_a_function_and_keeps_what_it_wrote(tmp_path):
    import hashlib

    from avustus_cli.adapters.files import StageWriter

    with StageWriter(queued=2) as w:
        paths = [w.write(tmp_path / f"kirje_{i}.docx", (lambda i=i: f"paketti {i}".encode()), keep=i % 2 == 0)
                 for i in range(6)]
        w.write(tmp_path / "liite.html", b"liite", keep=True)
    assert [p.read_bytes() for p in paths] == [f"paketti {i}".encode() for i in range(6)]
    assert w.kept == {**{paths[i]: (f"paketti {i}".encode(), hashlib.sha256(f"paketti {i}".encode()).hexdigest())
                         for i in (0, 2, 4)},
                      tmp_path / "liite.html": (b"liite", hashlib.sha256(b"liite").hexdigest())}


def test_a_content_that_cannot_be_made_is_raised_when_the_block_is_left_and_nothing_after_it_is_written(tmp_path):
    from avustus_cli.adapters.files import StageWriter

    def broken() -> bytes:
        raise ValueError("paketti rikki")

    with pytest.raises(ValueError, match="paketti rikki"), StageWriter() as w:
        w.write(tmp_path / "a.docx", b"a")
        w.write(tmp_path / "b.docx", broken)
        w.write(tmp_path / "c.docx", b"c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx"]


def test_a_stage_writer_names_the_file_it_could_not_write_and_writes_none_after_it(tmp_path):
    from avustus_cli.adapters.files import StageWriteError, StageWriter

    with pytest.raises(StageWriteError) as e, StageWriter() as w:
        w.write(tmp_path / "a.html", b"a")
        w.write(tmp_path / "puuttuva" / "b.html", b"b")  # no such folder
        w.write(tmp_path / "c.html", b"c")
    assert e.value.filename == str(tmp_path / "puuttuva" / "b.html") and e.value.strerror
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]


def test_a_stage_writer_left_by_an_error_drops_what_is_queued_and_stops(tmp_path, monkeypatch):
    import threading

    from avustus_cli.adapters import files

    gate, started = threading.Event(), threading.Event()
    real = files.write_in_stage

    def slow(path, data):  # the first file is still being written when the rendering fails
        started.set()
        gate.wait(5)
        return real(path, data)

    monkeypatch.setattr(files, "write_in_stage", slow)
    threading.Timer(0.3, gate.set).start()
    with pytest.raises(RuntimeError, match="render"), files.StageWriter() as w:
        for i in range(10):
            w.write(tmp_path / f"kirje_{i}.html", b"x")
        assert started.wait(5)
        raise RuntimeError("render failed")
    assert not w._thread.is_alive()  # nothing writes into the staging folder once it is discarded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kirje_0.html"]

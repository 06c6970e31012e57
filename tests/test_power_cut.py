"""A power cut after a command committed can leave the letters it had not flushed to disk empty (documents
are not fsynced: docs/reliability.md). An empty file is no letter anyone read or sent: the same command run
again writes it again, byte for byte as recorded, under its own name."""

from __future__ import annotations

from avustus_cli.adapters.files import StagedFolder
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import letters as letter_store

from . import test_decide as _decide
from .conftest import Cli, dump
from .test_decide import run_decide

proposed_round = _decide.proposed_round  # the shared round as fixtures of this module
decided_round = _decide.decided_round


def test_an_empty_file_in_the_folder_is_written_again_and_a_different_one_is_kept(tmp_path):
    folder = tmp_path / "paatokset"
    folder.mkdir()
    (folder / "paatos_A-1.docx").write_bytes(b"")  # left empty by a power cut
    (folder / "paatos_A-2.docx").write_bytes(b"the officer's own edit")
    with StagedFolder(folder) as stage:
        for name in ("paatos_A-1", "paatos_A-2"):
            (stage.path / f"{name}.docx").write_bytes(b"letter")
        assert [stage.settle("paatos_A-1"), stage.settle("paatos_A-2")] == ["paatos_A-1", "paatos_A-2_2"]
        stage.publish()
    assert (folder / "paatos_A-1.docx").read_bytes() == b"letter" and stage.restored == [folder / "paatos_A-1.docx"]
    assert (folder / "paatos_A-2.docx").read_bytes() == b"the officer's own edit"
    assert (folder / "paatos_A-2_2.docx").read_bytes() == b"letter" and stage.kept == []


def test_decide_run_again_restores_a_letter_left_empty_as_it_was_recorded(decided_round, workdir):
    assert run_decide(decided_round).exit_code == 0
    letters = workdir / "paatokset"
    written = {p.name: p.read_bytes() for p in letters.iterdir() if p.is_file()}
    emptied = letters / "paatos_H-0002.docx"
    emptied.write_bytes(b"")
    (letters / "paatos_H-0002.html").write_bytes(b"")
    before = dump(decided_round.db)
    r = run_decide(decided_round)
    assert r.exit_code == 0, r.output
    said = " ".join(r.stderr.split())
    assert "2 tiedostoa oli tyhjiä" in said and "paatos_H-0002.docx, paatos_H-0002.html" in said
    # the same files under the same names, nothing new recorded
    assert {p.name: p.read_bytes() for p in letters.iterdir() if p.is_file()} == written
    store = Store.open(decided_round.db)
    try:
        (rec,) = [x for x in letter_store.letters(store) if x.application_id == "H-0002"]
        assert rec.status == "written" and rec.content_hash == letter_store.file_hash(emptied)
    finally:
        store.close()
    assert dump(decided_round.db) == before


def test_propose_run_again_restores_a_supplement_request_left_empty(cli, workdir):
    from .conftest import SAMPLE

    settings = Cli(cli.db, SAMPLE / "avustus.toml")
    for args in (("import", SAMPLE / "hakemukset.xlsx"), ("import", "--history", SAMPLE / "aiemmat_avustukset.xlsx"),
                 ("check", "--as-of", "2027-01-04")):
        assert settings(*args).exit_code in (0, 1)
    propose = ("propose", "--out", workdir / "esitys", "--as-of", "2027-01-04")
    assert settings(*propose).exit_code in (0, 1)
    letters = workdir / "esitys" / "taydennyspyynnot"
    written = {p.name: p.read_bytes() for p in letters.iterdir()}
    emptied = sorted(letters.glob("*.docx"))[0]
    emptied.write_bytes(b"")
    r = settings(*propose)
    assert r.exit_code in (0, 1), r.output
    assert {p.name: p.read_bytes() for p in letters.iterdir()} == written
    store = Store.open(cli.db)
    try:
        (rec,) = [x for x in letter_store.letters(store, kind="supplement") if x.file == emptied.name]
        assert rec.status == "written" and rec.content_hash == letter_store.file_hash(emptied)
    finally:
        store.close()

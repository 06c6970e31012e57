"""Compiled templates kept between runs in the user's cache folder: the next run renders the same bytes
without compiling, and a changed, damaged or unwritable cache only costs a compilation."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import replace

import jinja2
import pytest

from avustus_cli.adapters import render
from avustus_cli.domain.config import default_settings


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """A cache folder of this test's own, and a counter of Jinja's compilations; each ``fresh()`` is a new run."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(render.CACHE_DIR_VARIABLE, str(folder))
    compiled: list[str | None] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, *a, **k):
        compiled.append(name)
        return real(self, source, name, filename, *a, **k)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)

    def fresh():  # what a new process starts with
        monkeypatch.setattr(render, "_ENVIRONMENTS", {})
        monkeypatch.setattr(render, "_WORD_TEMPLATES", {})
        monkeypatch.setattr(render, "_WORD_SEEN", {})
        compiled.clear()

    fresh()
    return folder, compiled, fresh


def _every_document(settings):
    out = []
    for name in render.DOCUMENTS:
        if name == "oikaisuvaatimusohje":
            continue
        ctx = render.example_context(name)
        out += render.render_document(name, ctx, settings)
        out += render.render_document(name, {**ctx}, settings)  # a second letter: the Word template's parts
    return out


def test_the_next_run_renders_the_same_bytes_without_compiling(kept):
    folder, compiled, fresh = kept
    settings = default_settings(2027)
    first = _every_document(settings)
    assert compiled and folder.is_dir() and list(folder.iterdir())
    if os.name != "nt":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    fresh()
    again = _every_document(settings)
    assert compiled == []
    assert again == first


def test_no_folder_keeps_nothing(kept, monkeypatch):
    folder, compiled, fresh = kept
    monkeypatch.setenv(render.CACHE_DIR_VARIABLE, "")
    settings = default_settings(2027)
    first = render.render_document("taydennyspyynto", render.example_context("taydennyspyynto"), settings)
    assert not folder.exists()
    fresh()
    assert render.render_document("taydennyspyynto", render.example_context("taydennyspyynto"), settings) == first
    assert compiled  # compiled again


def test_a_damaged_or_unwritable_cache_only_compiles_again(kept):
    folder, compiled, fresh = kept
    settings = default_settings(2027)
    ctx = render.example_context("taydennyspyynto")
    first = render.render_document("taydennyspyynto", ctx, settings)
    for f in folder.iterdir():
        f.write_bytes(f.read_bytes()[:20] + b"roskaa")
    fresh()
    assert render.render_document("taydennyspyynto", ctx, settings) == first
    assert compiled
    if os.name == "nt" or os.geteuid() == 0:
        return  # a read-only folder does not stop the administrator
    for f in folder.iterdir():
        f.unlink()
    folder.chmod(0o500)
    try:
        fresh()
        assert render.render_document("taydennyspyynto", ctx, settings) == first
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_folder_that_cannot_be_made_keeps_nothing(kept, tmp_path, monkeypatch):
    _, compiled, fresh = kept
    blocker = tmp_path / "tiedosto"
    blocker.write_text("")
    monkeypatch.setenv(render.CACHE_DIR_VARIABLE, str(blocker / "cache"))
    fresh()
    settings = default_settings(2027)
    assert render.render_html("taydennyspyynto", render.example_context("taydennyspyynto"), settings)
    assert compiled


def test_an_officers_changed_template_is_compiled_again_and_the_sandbox_still_refuses(kept, tmp_path):
    _, compiled, fresh = kept
    own = tmp_path / "omat"
    own.mkdir()
    settings = replace(default_settings(2027), templates_dir=own)
    ctx = render.example_context("taydennyspyynto")
    (own / "taydennyspyynto.html").write_text("<p>Hei {{ applicant.name }}</p>", encoding="utf-8")
    assert "Hei Keski-Suomen" in render.render_html("taydennyspyynto", ctx, settings)
    fresh()
    (own / "taydennyspyynto.html").write_text("<p>Terve {{ applicant.name }}</p>", encoding="utf-8")
    assert "Terve Keski-Suomen" in render.render_html("taydennyspyynto", ctx, settings)
    assert compiled == ["taydennyspyynto.html"]
    for _ in range(2):  # refused when compiled, and never kept: refused again by the next run
        fresh()
        (own / "taydennyspyynto.html").write_text("{{ applicant.__class__ }}", encoding="utf-8")
        with pytest.raises(render.TemplateSecurityError):
            render.render_html("taydennyspyynto", ctx, settings)


def test_the_cache_folder_follows_the_system(monkeypatch, tmp_path):
    monkeypatch.delenv(render.CACHE_DIR_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if os.name != "nt" and sys.platform != "darwin":
        assert render._cache_dir() == tmp_path / "avustus" / "mallipohjat"
    monkeypatch.setenv(render.CACHE_DIR_VARIABLE, "  ")
    assert render._cache_dir() is None


@pytest.mark.skipif(os.name == "nt", reason="folder modes and owners are POSIX's")
def test_a_cache_folder_others_can_write_into_is_not_used(kept, tmp_path, monkeypatch):
    folder, compiled, fresh = kept
    ctx = render.example_context("taydennyspyynto")
    settings = default_settings(2027)
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o777)  # shared: code someone else put there would be run
    render.render_html("taydennyspyynto", ctx, settings)
    assert compiled and not any(folder.iterdir())
    fresh()
    link = tmp_path / "linkki"
    os.chmod(folder, 0o700)
    link.symlink_to(folder)  # a link is not the user's own folder either
    monkeypatch.setenv(render.CACHE_DIR_VARIABLE, str(link))
    render.render_html("taydennyspyynto", ctx, settings)
    assert compiled and not any(folder.iterdir())
    fresh()
    monkeypatch.setenv(render.CACHE_DIR_VARIABLE, str(folder))  # the user's own private folder is used
    render.render_html("taydennyspyynto", ctx, settings)
    assert any(folder.iterdir())

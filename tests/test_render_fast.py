"""A Word letter made from the cached template (only the filled parts rendered again) is the same
bytes as the letter rendered whole by docxtpl and python-docx."""

from __future__ import annotations

import copy
import dataclasses
import io
import shutil
import zipfile
from pathlib import Path

import jinja2
import pytest

from avustus_cli.adapters import render
from avustus_cli.adapters.zips import Package
from avustus_cli.domain.config import default_settings

from .conftest import SAMPLE, Cli, checked_sample

_TEXT_KEYS = {"name", "applicant", "activity_name", "text", "reason", "purpose", "id"}


def _with_text(value, text: str):
    """``value`` with every free-text field (names, reasons, ids) set to ``text``."""
    if isinstance(value, dict):
        return {k: (text if k in _TEXT_KEYS and isinstance(v, str) else _with_text(v, text)) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_text(v, text) for v in value]
    return value


def _variants(name: str) -> list[dict]:
    """The example context, and copies whose names and texts differ (markup, line breaks, tabs, a very
    long text): each letter of a batch is different."""
    base = render.example_context(name)
    return [base] + [_with_text(copy.deepcopy(base), text)
                     for text in ("Ääni & <Kuva> ry \"lainaus\"", "Rivi 1\nRivi 2\tsarkain", "Pitkä nimi " * 60)]


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(render, "_WORD_TEMPLATES", {})
    monkeypatch.setattr(render, "_WORD_SEEN", {})


@pytest.mark.parametrize("name", [n for n in render.DOCUMENTS if n != "oikaisuvaatimusohje"])
def test_the_cached_template_gives_the_bytes_of_the_whole_rendering(name, fresh, monkeypatch):
    settings = default_settings()
    contexts = _variants(name)
    monkeypatch.setattr(render, "FAST_DOCX", False)
    whole = [render.render_docx(name, c, settings) for c in contexts]
    monkeypatch.setattr(render, "FAST_DOCX", True)
    fast = [render.render_docx(name, c, settings) for c in contexts]
    assert [c for c in render._WORD_TEMPLATES.values()] and all(render._WORD_TEMPLATES.values()), "the cached path was not taken"
    assert fast == whole
    if any(c != contexts[0] for c in contexts):  # the terms have no text of an applicant
        assert len(set(whole)) == len(whole)  # the letters do differ


def test_a_template_with_tags_outside_the_rendered_parts_is_always_rendered_whole(tmp_path, fresh):
    """Footnotes, properties and other parts are rendered by docxtpl in ways the cache does not repeat."""
    src = Path(__file__).resolve().parent.parent / "templates" / "taydennyspyynto.docx"
    officer = tmp_path / "pohjat"
    officer.mkdir()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(officer / "taydennyspyynto.docx", "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = data.replace(b"<dc:subject/>", b"<dc:subject>{{ applicant.name }}</dc:subject>")
            zout.writestr(info, data)
    settings = dataclasses.replace(default_settings(), templates_dir=officer)
    contexts = _variants("taydennyspyynto")[:3]  # a core property holds at most 255 characters
    letters = [render.render_docx("taydennyspyynto", c, settings) for c in contexts]
    assert list(render._WORD_TEMPLATES.values()) == [None]
    with zipfile.ZipFile(io.BytesIO(letters[1])) as z:
        core = z.read("docProps/core.xml")
    assert b"Kuva" in core and b"{{" not in core  # filled, for this letter


def test_a_package_with_a_member_replaced_is_what_zipfile_writes():
    def package(members: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        return buf.getvalue()

    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>" + b"x" * 5000 + b"</w:document>",
               "word/media/image1.png": bytes(range(256)) * 40}
    pkg = Package(package(members))
    changed = {**members, "word/document.xml": b"<w:document>toinen</w:document>"}
    assert pkg.with_members({"word/document.xml": changed["word/document.xml"]}) == package(changed)
    with pytest.raises(KeyError):
        pkg.with_members({"word/puuttuu.xml": b""})


@pytest.mark.slow
def test_propose_on_the_sample_round_writes_the_same_bytes_either_way(tmp_path, monkeypatch):
    checked_sample(tmp_path / "round.db")
    outputs = []
    for fast in (False, True):
        monkeypatch.setattr(render, "FAST_DOCX", fast)
        monkeypatch.setattr(render, "_WORD_TEMPLATES", {})
        monkeypatch.setattr(render, "_WORD_SEEN", {})
        db = tmp_path / f"{fast}.db"
        shutil.copy(tmp_path / "round.db", db)
        out = tmp_path / f"esitys-{fast}"
        r = Cli(db, SAMPLE / "avustus.toml")("propose", "--out", out, "--as-of", "2027-01-12")
        assert r.exit_code == 0, r.output
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    whole, fast_ = outputs
    assert sum(1 for n in whole if n.endswith(".docx")) > 10
    assert fast_.keys() == whole.keys()
    assert [n for n in whole if whole[n] != fast_[n]] == []


def test_a_word_template_is_learned_from_its_second_document_only(fresh):
    """A board document is rendered once a run: learning its template would cost more than it saves."""
    settings = default_settings()
    first, second, third = _variants("taydennyspyynto")[:3]
    render.render_docx("taydennyspyynto", first, settings)
    assert render._WORD_TEMPLATES == {}
    render.render_docx("taydennyspyynto", second, settings)
    assert list(render._WORD_TEMPLATES.values()) != [] and all(render._WORD_TEMPLATES.values())
    assert render.render_docx("taydennyspyynto", third, settings) != render.render_docx("taydennyspyynto", second, settings)


# Applicant texts that XML writes another way or not at all: markup characters, entities typed as text,
# quotes (Jinja writes &#34; and &#39;), a bare ">" and "]]>", characters outside the basic plane, a
# line separator, no-break spaces, a character XML does not allow (U+FFFE), and an empty text (an element
# with nothing inside).
# A plain text comes first: the shape of body it proves is then written as a string for the others.
_AWKWARD = ["Tavallinen Yhdistys ry", "Ääni & <Kuva> ry \"lainaus\" 'heittomerkki'", "&amp; &#34; &lt;tagi&gt; &nbsp;",
            "a > b ]]> c", "Emoji \U0001F600 ja \u2028 rivinvaihto\u00a0€", "=SUMMA(A1) +358 -1 @nimi",
            "väärä \ufffe merkki", "", "Toinen Yhdistys ry"]


@pytest.mark.parametrize("name", ["taydennyspyynto", "paatoskirje", "liite1"])
def test_the_body_written_as_a_string_is_the_bytes_lxml_writes(name, fresh, monkeypatch):
    """After the first letter of each shape of body, the body is written without lxml (its string form):
    the same bytes as the whole rendering, for every awkward text, and lxml is not run for each letter."""
    from docxtpl import DocxTemplate

    settings = default_settings()
    base = render.example_context(name)
    contexts = [_with_text(copy.deepcopy(base), t) for t in _AWKWARD for _ in range(2)]
    monkeypatch.setattr(render, "FAST_DOCX", False)
    whole = [render.render_docx(name, c, settings) for c in contexts]
    monkeypatch.setattr(render, "FAST_DOCX", True)
    calls = []
    table_fix = DocxTemplate.fix_tables
    monkeypatch.setattr(DocxTemplate, "fix_tables", lambda self, xml: calls.append(1) or table_fix(self, xml))
    fast = [render.render_docx(name, c, settings) for c in contexts]
    assert [i for i, (a, b) in enumerate(zip(fast, whole, strict=True)) if a != b] == []
    template = next(iter(render._WORD_TEMPLATES.values()))
    assert template is not None and template._shapes, "no body was written as a string"
    assert len(calls) < len(contexts) - 4  # the repeated texts and the plain ones share a shape


def test_the_string_form_leaves_to_lxml_what_it_does_not_cover():
    assert render._body_string('<w:body><w:t>a &#34;b&#34; &#39;c&#39;</w:t><w:t></w:t></w:body>') == (
        b"<w:body><w:t>a \"b\" 'c'</w:t><w:t/></w:body>", "<w:body><w:t>\x00</w:t><w:t></w:t></w:body>")
    assert render._body_string('<w:body><w:t xml:space="preserve"></w:t><w:br/></w:body>')[0] == \
        b'<w:body><w:t xml:space="preserve"/><w:br/></w:body>'
    for xml in ("<w:body><w:t>a > b</w:t></w:body>", "<w:body><w:t>&nbsp;</w:t></w:body>",
                "<w:body><w:t>&#160;</w:t></w:body>", "<w:body><w:t>\r</w:t></w:body>",
                "<w:body><w:t>\ufffe</w:t></w:body>", "<w:body><w:t>\x01</w:t></w:body>", " <w:body/>",
                "<w:body><w:t>\ud800</w:t></w:body>", "<w:body><w:t>\uffff</w:t></w:body>"):
        assert render._body_string(xml) is None, xml


def test_a_dict_key_read_as_an_attribute_is_what_the_sandbox_gives():
    """``a.b`` on a plain dict reads the item without the sandbox's exception; a dict's own attributes
    (``items``, ``keys``...) and a missing key are the sandbox's as before."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    ours = render._environment(default_settings(), autoescape=True)
    theirs = ImmutableSandboxedEnvironment(undefined=ours.undefined)
    d = {"b": 1, "items": "avain", "get": 2, "copy": 3}

    class Sub(dict):
        b = "luokan"

    for obj, name in [(d, "b"), (d, "items"), (d, "get"), (d, "copy"), (d, "puuttuu"), (Sub(b=5), "b"), ("teksti", "upper")]:
        a, b = ours.getattr(obj, name), theirs.getattr(obj, name)
        assert type(a) is type(b), (obj, name)
        if isinstance(a, jinja2.Undefined):
            assert (a._undefined_obj, a._undefined_name) == (b._undefined_obj, b._undefined_name)
        else:
            assert a == b, (obj, name)

"""Documents: formatting, HTML and Word rendering, escaping, sandbox, overrides."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import time
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from lxml import etree

from avustus_cli.adapters.render import (
    DOCUMENTS,
    PersonalDataError,
    TemplateError,
    TemplateSecurityError,
    TemplateVariableError,
    example_context,
    render_docx,
    render_html,
    settings_context,
    write_document,
)
from avustus_cli.domain import fmt
from avustus_cli.domain.config import default_settings
from avustus_cli.domain.errors import AvustusError

from .conftest import docx_parts

NB = "\u00a0"
DECISIONS = ("paatosesitys", "strategiajohtajan_paatos", "paatoskirje", "takaisinperinta")  # carry the review instructions
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture
def settings():
    return default_settings(2027)


def docx_text(data: bytes) -> str:
    return "\n".join(docx_parts(data))


def names_in(context) -> list[str]:
    """Applicant / organisation names anywhere in a context."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "applicant" and isinstance(x, str):
                    out.append(x)
                elif k == "applicant" and isinstance(x, dict):
                    out.append(x["name"])
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(context)
    return out


# --- fmt ----------------------------------------------------------------------


def test_money_exact_strings():
    assert fmt.money(Decimal("12345")) == f"12{NB}345{NB}€"
    assert fmt.money(Decimal("12345.67"), decimals=True) == f"12{NB}345,67{NB}€"
    assert fmt.money2(Decimal("12345.67")) == f"12{NB}345,67{NB}€"
    assert fmt.money2(Decimal("1737570")) == f"1{NB}737{NB}570,00{NB}€"
    assert fmt.money(Decimal("0")) == f"0{NB}€"
    assert fmt.money(Decimal("999.5")) == f"1{NB}000{NB}€"  # half up, not banker's
    assert fmt.money(Decimal("-1234")) == f"-1{NB}234{NB}€"
    assert fmt.money(None) == ""
    assert fmt.money(900000) == f"900{NB}000{NB}€"


def test_money_has_no_plain_or_narrow_space():
    for s in (fmt.money(Decimal("1234567.89"), decimals=True), fmt.number(1234567), fmt.percent(Decimal("0.5"))):
        assert " " not in s and "\u202f" not in s


def test_dates_and_times():
    assert fmt.date(dt.date(2027, 1, 1)) == "1.1.2027"
    assert fmt.date(dt.date(2026, 12, 31)) == "31.12.2026"
    assert fmt.date(dt.datetime(2026, 12, 1, 14, 5)) == "1.12.2026"
    assert fmt.datetime(dt.datetime(2026, 12, 1, 14, 5)) == "1.12.2026 klo 14.05"
    assert fmt.datetime(dt.datetime(2026, 12, 1, 9, 0)) == "1.12.2026 klo 9.00"
    assert fmt.datetime(dt.date(2026, 12, 1)) == "1.12.2026"
    assert fmt.date(None) == "" and fmt.datetime(None) == ""


def test_number_and_percent():
    assert fmt.number(1737) == f"1{NB}737"
    assert fmt.number(110) == "110"
    assert fmt.percent(Decimal("0.515"), 1) == f"51,5{NB}%"
    assert fmt.percent(Decimal("0.5")) == f"50{NB}%"


# --- every document, both formats -------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
def test_html_renders_from_example(name, settings):
    ctx = example_context(name)
    html = render_html(name, ctx, settings)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fi">' in html and "@page" in html
    assert "<link" not in html and "<script" not in html  # self-contained
    for n in names_in(ctx):
        assert n in html
    assert ("OIKAISUVAATIMUSOHJE" in html) == (name in DECISIONS)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_docx_renders_from_example(name, settings):
    ctx = example_context(name)
    data = render_docx(name, ctx, settings)
    text = docx_text(data)
    for n in names_in(ctx):
        assert n in text
    assert "{{" not in text and "{%" not in text
    assert ("OIKAISUVAATIMUSOHJE" in text) == (name in DECISIONS)


def test_totals_finnish_style(settings):
    def html_text(n, c, s):
        return re.sub(r"<[^>]+>", "", render_html(n, c, s))

    for render in (html_text, lambda n, c, s: docx_text(render_docx(n, c, s))):
        annex = render("liite1", example_context("liite1"), settings)
        assert f"171{NB}500{NB}€" in annex and f"89{NB}300{NB}€" in annex  # totals
        assert f"78{NB}000{NB}€" in annex and f"65{NB}300{NB}€" in annex  # a subtotal
        assert f"Laskelma: Haettu 30{NB}000{NB}€ × 84,3645{NB}% = 25{NB}309,35{NB}€" in annex  # a reduction
        assert f"900{NB}000{NB}€ / 1{NB}066{NB}800{NB}€ eli noin 84,3645{NB}%" in annex  # and its method
        board = render("paatosesitys", example_context("paatosesitys"), settings)
        assert f"yhteensä 94{NB}000 euroa" in board
        assert f"900{NB}000{NB}€" in board  # the budget
        letter = render("paatoskirje", example_context("paatoskirje"), settings)
        assert f"40{NB}000{NB}€ haetusta 48{NB}000{NB}€" in letter
        assert "19.2.2027" in letter  # the computed last day of the review period
        assert "Hämeenlinnan hallinto-oikeus" in letter


def test_board_resolution_numbered_and_punctuated(settings):
    text = docx_text(render_docx("paatosesitys", example_context("paatosesitys"), settings))
    assert "Aluehallitus päättää" in text
    assert "1. myöntää järjestöille toiminta-avustuksia vuodelle 2027 liitteen 1 mukaisesti" in text
    assert "2. hylätä liitteessä 1 mainitut hakemukset niissä esitetyin perustein," in text
    assert ("3. hylätä liitteessä 1 mainitut täydennystä odottavat hakemukset niissä esitetyin perustein, jos "
            "täydennystä ei saada määräaikaan mennessä,") in text
    assert "4. että avustuksiin sovelletaan liitteen 2 avustusehtoja," in text
    assert "teknisluonteisia korjauksia." in text
    html = render_html("paatosesitys", example_context("paatosesitys"), settings)
    assert "<li>että avustuksiin sovelletaan liitteen 2 avustusehtoja,</li>" in html


def test_letter_outcomes(settings):
    ctx = example_context("paatoskirje")
    ctx.update(outcome="refused", granted=Decimal("0"), conditions=[])
    for text in (render_html("paatoskirje", ctx, settings), docx_text(render_docx("paatoskirje", ctx, settings))):
        assert "on hylännyt hakemuksen" in text and "Avustusehdot" not in text
    ctx.update(outcome="granted", granted=Decimal("48000"), reasons=[])
    html = render_html("paatoskirje", ctx, settings)
    assert "myöntänyt avustusta <strong>48" in html and "haetun suuruisena" in html


def test_second_reminder_says_payment_held(settings):
    ctx = example_context("muistutus")
    first = render_html("muistutus", ctx, settings)
    assert "maksatus on pidätetty" not in first
    ctx["level"] = 2
    assert "TOINEN MUISTUTUS" in render_html("muistutus", ctx, settings)
    assert "maksatus on pidätetty" in docx_text(render_docx("muistutus", ctx, settings))


def test_settings_flow_into_documents(settings):
    s = replace(settings, body="Hyvinvoinnin ja terveyden lautakunta", diary_number="Hyvaks/1/2/2099")
    html = render_html("paatosesitys", example_context("paatosesitys"), s)
    assert "Hyvinvoinnin ja terveyden lautakunta päättää" in html and "Hyvaks/1/2/2099" in html
    assert settings_context(s)["office"]["email"] == "kirjaamo@hyvaks.fi"


# --- escaping ---------------------------------------------------------------------

EVIL = '<script>alert("x")</script> & Co'


def test_applicant_text_escaped_in_html(settings):
    ctx = example_context("liite1")
    ctx["groups"][0]["rows"][0]["applicant"] = EVIL
    ctx["groups"][0]["rows"][0]["purpose"] = "<b>kuvaus</b>"
    html = render_html("liite1", ctx, settings)
    assert "<script" not in html and "<b>kuvaus" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    letter = example_context("paatoskirje")
    letter["applicant"]["name"] = EVIL
    assert "<script" not in render_html("paatoskirje", letter, settings)


def test_applicant_text_literal_in_docx_and_xml_valid(settings):
    ctx = example_context("paatoskirje")
    ctx["applicant"]["name"] = EVIL + "\x07\x0b\x00"
    ctx["application"]["activity_name"] = "Ryhmät </w:t></w:r><w:p> {{ 7*7 }}"
    data = render_docx("paatoskirje", ctx, settings)
    text = docx_text(data)  # python-docx opens it
    assert EVIL in text
    assert "</w:t></w:r><w:p> {{ 7*7 }}" in text  # literal, not markup, not evaluated
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        etree.fromstring(z.read("word/document.xml"))  # strict parser: well-formed


# --- errors and the sandbox ----------------------------------------------------------


def test_undefined_variable_is_a_finnish_error(settings):
    ctx = example_context("paatoskirje")
    del ctx["granted"]
    with pytest.raises(TemplateVariableError) as e:
        render_html("paatoskirje", ctx, settings)
    assert isinstance(e.value, AvustusError)
    assert "mallipohjassa paatoskirje.html" in str(e.value) and "'granted'" in str(e.value)
    assert "jota asiakirjan tiedoissa ei ole" in str(e.value)
    with pytest.raises(TemplateVariableError, match="paatoskirje.docx.*'granted'"):
        render_docx("paatoskirje", ctx, settings)


def test_missing_nested_key_named(settings):
    ctx = example_context("muistutus")
    del ctx["grant"]["section"]
    with pytest.raises(TemplateVariableError, match="'section'"):
        render_html("muistutus", ctx, settings)


def officer(tmp_path, settings, files: dict[str, str]):
    for fname, text in files.items():
        (tmp_path / fname).write_text(text, encoding="utf-8")
    return replace(settings, templates_dir=tmp_path)


def officer_docx(tmp_path, settings, paragraph: str):
    """Settings whose template folder holds a muistutus.docx of one paragraph."""
    d = docx.Document()
    d.add_paragraph(paragraph)
    d.save(str(tmp_path / "muistutus.docx"))
    return replace(settings, templates_dir=tmp_path)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ county.__class__ }}",
        "{{ office['__class__'] }}",
        "{% if false %}{{ ''.__class__ }}{% endif %}",  # refused even if never run
        "{{ county|attr('__class__') }}",  # caught at run time by the sandbox
        "{{ cycler.__init__.__globals__ }}",
    ],
)
def test_template_reaching_python_internals_is_refused(tmp_path, settings, source):
    s = officer(tmp_path, settings, {"paatoskirje.html": source})
    with pytest.raises(TemplateSecurityError) as e:
        render_html("paatoskirje", example_context("paatoskirje"), s)
    assert isinstance(e.value, AvustusError)
    assert "mallipohja paatoskirje.html hylättiin" in str(e.value)
    assert "Pythonin sisäisiä tietoja" in str(e.value)


def test_sandbox_forbids_mutating_the_context(tmp_path, settings):
    s = officer(tmp_path, settings, {"muistutus.html": "{{ report_documents.append('x') }}"})
    with pytest.raises(TemplateSecurityError):
        render_html("muistutus", example_context("muistutus"), s)


def test_docx_template_with_internals_is_refused(tmp_path, settings):
    s = officer_docx(tmp_path, settings, "{{ ''.__class__.__mro__ }}")
    with pytest.raises(TemplateSecurityError, match="muistutus.docx"):
        render_docx("muistutus", example_context("muistutus"), s)


def test_syntax_error_is_a_finnish_error(tmp_path, settings):
    s = officer(tmp_path, settings, {"muistutus.html": "rivi\n{% if level %}auki"})
    with pytest.raises(TemplateError, match="kielioppivirhe rivillä"):
        render_html("muistutus", example_context("muistutus"), s)


# --- officer's templates -----------------------------------------------------------------


def test_officer_override_by_file_name(tmp_path, settings):
    s = officer(tmp_path, settings, {"muistutus.html": "OMA {{ applicant.name }} {{ grant.amount|money }}"})
    html = render_html("muistutus", example_context("muistutus"), s)
    assert html == f"OMA Keski-Suomen Mielenterveysseura ry 35{NB}000{NB}€"
    # the others still come from the built-in ones
    assert "OIKAISUVAATIMUSOHJE" in render_html("paatoskirje", example_context("paatoskirje"), s)


def test_officer_override_of_an_include(tmp_path, settings):
    s = officer(tmp_path, settings, {"oikaisuvaatimusohje.html": "<p>OMA OHJE {{ court }}</p>"})
    html = render_html("paatoskirje", example_context("paatoskirje"), s)
    assert "OMA OHJE Hämeenlinnan hallinto-oikeus" in html and "OIKAISUVAATIMUSOHJE" not in html


def test_officer_docx_override(tmp_path, settings):
    shutil.copy(TEMPLATES / "muistutus.docx", tmp_path / "muistutus.docx")
    d = docx.Document(str(tmp_path / "muistutus.docx"))
    d.add_paragraph("Oma lisäys: {{ grant.id }}")
    d.save(str(tmp_path / "muistutus.docx"))
    text = docx_text(render_docx("muistutus", example_context("muistutus"), replace(settings, templates_dir=tmp_path)))
    assert "Oma lisäys: A-2026-031" in text


def test_missing_officer_folder(tmp_path, settings):
    s = replace(settings, templates_dir=tmp_path / "ei-ole")
    with pytest.raises(TemplateError, match="kansiota .* ei löydy"):
        render_html("muistutus", example_context("muistutus"), s)


# --- public documents and writing ---------------------------------------------------------


def test_annex_context_has_no_personal_data():
    for name in ("liite1", "paatosesitys"):
        flat = repr(example_context(name))
        for key in ("contact_person", "email", "phone", "iban"):
            assert f"'{key}'" not in flat


def test_personal_data_refused_in_public_document(settings):
    ctx = example_context("liite1")
    ctx["groups"][0]["rows"][0]["email"] = "matti@example.org"
    with pytest.raises(PersonalDataError, match="henkilötieto"):
        render_html("liite1", ctx, settings)


def test_write_document_atomic(tmp_path, settings):
    paths = write_document(tmp_path / "out", "paatos_H-2027-004", "paatoskirje", example_context("paatoskirje"), settings)
    assert [p.name for p in paths] == ["paatos_H-2027-004.html", "paatos_H-2027-004.docx"]
    assert "OIKAISUVAATIMUSOHJE" in paths[0].read_text(encoding="utf-8")
    assert "OIKAISUVAATIMUSOHJE" in docx_text(paths[1].read_bytes())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)  # no temp files


def test_write_document_error_writes_nothing(tmp_path, settings):
    ctx = example_context("paatoskirje")
    del ctx["reasons"]
    with pytest.raises(TemplateVariableError):
        write_document(tmp_path, "x", "paatoskirje", ctx, settings)
    assert list(tmp_path.iterdir()) == []


def test_example_context_is_a_fresh_copy():
    a = example_context("liite1")
    a["groups"].clear()
    assert example_context("liite1")["groups"]
    with pytest.raises(TemplateError, match="tuntematon asiakirja"):
        example_context("ei_ole")


def test_committed_docx_templates_are_up_to_date(tmp_path):
    """The committed .docx files carry the same text as the generator writes."""
    import runpy

    mod = runpy.run_path(str(TEMPLATES / "make_docx_templates.py"))
    mod["main"]([str(tmp_path)])
    for name in DOCUMENTS:
        fresh = docx_text((tmp_path / f"{name}.docx").read_bytes())
        committed = docx_text((TEMPLATES / f"{name}.docx").read_bytes())
        assert fresh == committed, f"templates/{name}.docx: run templates/make_docx_templates.py"


def test_public_documents_scrub_contact_details_from_applicant_text():
    """An applicant writes a phone number and an e-mail into the purpose: the minutes must not carry them."""
    from avustus_cli.adapters import render

    ctx = render.example_context("liite1")
    row = ctx["groups"][0]["rows"][0]
    row["purpose"] = "Vertaistukea; lisätietoja maija.meikalainen@example.fi tai 040 123 4567, tili FI21 1234 5600 0007 85"
    row["business_id"] = "0737546-2"  # a business ID looks like a phone number to a pattern: kept
    html = render.render_html("liite1", ctx, default_settings())
    assert "maija.meikalainen@example.fi" not in html and "040 123 4567" not in html and "FI21 1234" not in html
    assert "[poistettu]" in html and "Vertaistukea" in html and "0737546-2" in html
    # a letter to the applicant itself is not a public document: its text is kept
    letter = render.example_context("taydennyspyynto")
    letter["items"][0]["text"] = "Soita 040 123 4567"
    assert "040 123 4567" in render.render_html("taydennyspyynto", letter, default_settings())


# --- the officer's walk-through: wording and layout of the proposal documents -----------------


def _html_plain(html: str) -> str:
    body = re.sub(r"(?s)<style>.*?</style>", "", html)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", "", body))  # NO-BREAK SPACEs kept


def _both(name, ctx, settings) -> list[str]:
    return [_html_plain(render_html(name, ctx, settings)), docx_text(render_docx(name, ctx, settings))]


def test_letter_without_received_date_has_no_dangling_words(settings):
    """Item 4: "…, joka saapui . Haettu määrä…" when the received date is missing."""
    ctx = example_context("paatoskirje")
    ctx["application"]["received"] = None
    for text in _both("paatoskirje", ctx, settings):
        assert "joka saapui" not in text and "saapui ." not in text and ", ." not in text
        assert ("toimintaan ”Vertaistukiryhmät ja kohtaamispaikka” hakemuksella H-2027-004. Haettu määrä on "
                f"48{NB}000{NB}€.") in text
    ctx = example_context("paatoskirje")
    for text in _both("paatoskirje", ctx, settings):
        assert "joka saapui 14.12.2026 klo 14.05. Haettu" in text


def test_board_item_separates_early_and_late_and_pending(settings):
    """Item 5 and item 1: before / after the window counted apart; pending ones only counted."""
    ctx = example_context("paatosesitys")
    ctx.update(late_count=1, early_count=1, pending_count=3)
    ctx["pending"].update(count=3, supplement=2, review=1)
    for text in _both("paatosesitys", ctx, settings):
        text = text.replace(NB, " ")
        assert ("Hakuajan ulkopuolella saapuneita hakemuksia oli 2 kpl, joista 1 saapui hakuajan päättymisen "
                "jälkeen ja 1 ennen hakuajan alkua.") in text
        assert ("Käsittely on kesken 3 hakemuksella, joissa haetaan yhteensä 12 000 €. Hakemuksista 2 odottaa "
                "täydennystä, jonka määräaika päättyy 19.1.2027. Hakemuksista 1 odottaa valmistelijan arviota. "
                "Niistä ei esitetä päätöstä tässä yhteydessä.") in text
        # what happens to them: decided later, only from what is left
        assert "niille voidaan myöntää avustusta vain määrärahasta käyttämättä jäävästä osasta (646 000 €)" in text
    ctx.update(late_count=0, early_count=1, pending_count=0)
    ctx["pending"].update(count=0, supplement=0, review=0)
    for text in _both("paatosesitys", ctx, settings):
        assert "oli 1 kpl, se ennen hakuajan alkua." in text and "käsittely on kesken" not in text


def test_board_item_partnerships_by_decider_and_reductions(settings):
    """Items 3, 6, 7: the body's agreements apart from the director's; the resolution counts the body's;
    the preparer's reasons for changed amounts; the annex's new title."""
    ctx = example_context("paatosesitys")
    for text in _both("paatosesitys", ctx, settings):
        body_part = text[text.index("Aluehallitus päättää seuraavista kumppanuussopimuksista"):text.index("Tiedoksi: strategiajohtaja")]
        assert "Keski-Suomen Omaishoitajat ry" in body_part and "Keski-Suomen Sydänpiiri ry" not in body_part
        assert "strategiajohtaja päättää erikseen seuraavista kumppanuussopimuksista" in text
        assert f"hyväksyä selostuksessa mainitun kumppanuussopimuksen, jonka avustus on 120{NB}000 euroa vuodessa" in text
        assert ("Keski-Suomen Mielenterveysseura ry: esitys 40\u00a0000\u00a0€ (haettu 48\u00a0000\u00a0€). "
                "Toimintasuunnitelman ruoka-aputoimintaa ei avusteta") in text
        assert "Liite 1 Järjestöavustukset vuodelle 2027: avustusesitys" in text
    ctx["partnerships"].append(dict(ctx["partnerships"][0], applicant="Toinen Säätiö sr", amount_per_year=Decimal("150000")))
    for text in _both("paatosesitys", ctx, settings):
        assert f"hyväksyä selostuksessa mainitut 2 kumppanuussopimusta, joiden avustukset ovat yhteensä 270{NB}000 euroa" in text


def test_annex_title_reason_and_what_is_left_out(settings):
    """Items 6 and 7: "Järjestöavustukset", the preparer's reason, the director's and pending ones left out."""
    ctx = example_context("liite1")
    ctx["pending_count"] = 2
    for text in _both("liite1", ctx, settings):
        assert "Järjestöavustukset vuodelle 2027: avustusesitys" in text
        assert "Hylättäviksi esitetyt hakemukset" in text
        assert "Perustelu: Toimintasuunnitelman ruoka-aputoimintaa ei avusteta" in text
        assert "Strategiajohtaja päättää erikseen kumppanuussopimuksista" in text and "(1 hakemusta)" in text
        assert "Käsittely on kesken 2 hakemuksella; ne eivät sisälly tähän liitteeseen." in text


def test_director_decision_lists_refusals_with_reasons(settings):
    """Item 3: the strategy director's draft carries approvals and refusals; refusals alone work too."""
    ctx = example_context("strategiajohtajan_paatos")
    for text in _both("strategiajohtajan_paatos", ctx, settings):
        assert "Hyväksyn edellä mainitut kumppanuussopimukset" in text
        assert "Hylkään edellä mainitut kumppanuussopimushakemukset niissä esitetyin perustein." in text
        assert "Hakemuksen mukaan järjestöllä ei ole muuta rahoitusta." in text
        assert "S02" not in text  # rule codes are the officer's, never in the decision
        assert "Keski-Suomen Sydänpiiri ry, Laukaan Kriisikeskus ry" in text  # both are told
    ctx["agreements"] = []
    for text in _both("strategiajohtajan_paatos", ctx, settings):
        assert "Hyväksyn" not in text and "Hylkään edellä mainitut" in text and "Laukaan Kriisikeskus ry" in text


def test_html_tables_and_boxes_stay_inside_the_margins(settings):
    """Item 8: border-box sizing and a table a pixel short of the full width (print clips the right border)."""
    for name in ("paatosesitys", "paatoskirje", "liite1"):
        html = render_html(name, example_context(name), settings)
        assert "box-sizing: border-box" in html
        assert "table { border-collapse: collapse; width: calc(100% - 1px)" in html
        assert ".box {" in html and "max-width: calc(100% - 1px)" in html


def _tables(data: bytes):
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return root.findall(".//w:tbl", ns), ns


def test_docx_tables_have_fixed_column_widths_and_spanning_totals(settings):
    """Item 8: the board item's category table keeps its widths in LibreOffice (grid, fixed layout);
    the annex's subtotal label spans the four text columns."""
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    tables, ns = _tables(render_docx("paatosesitys", example_context("paatosesitys"), settings))
    cat = next(t for t in tables if "Toimintaluokka" in "".join(t.itertext()))
    widths = [int(c.get(W + "w")) for c in cat.findall("w:tblGrid/w:gridCol", ns)]
    assert len(set(widths)) > 1 and widths[0] > 3 * widths[1]
    assert cat.find("w:tblPr/w:tblLayout", ns).get(W + "type") == "fixed"
    tables, ns = _tables(render_docx("liite1", example_context("liite1"), settings))
    rows = [r for r in tables[-1].findall("w:tr", ns) if "".join(r.itertext()).startswith(("Yhteensä:", "Kaikki yhteensä"))]
    assert len(rows) == 4  # three groups and the total
    for r in rows:
        span = r.find("w:tc/w:tcPr/w:gridSpan", ns)
        assert span is not None and span.get(W + "val") == "4"


def test_board_item_tells_the_whole_appropriation_and_its_draft_date(settings):
    """Issue 11 §2: every grant form against the whole appropriation, what is left, the cut and its method;
    a draft says when it was prepared; refusals waiting for a supplement are conditional."""
    ctx = example_context("paatosesitys")
    for text in _both("paatosesitys", ctx, settings):
        text = text.replace(NB, " ")
        assert "LUONNOS, valmisteltu 5.1.2027." in text
        assert "Järjestöavustuksiin on vuoden 2027 talousarviossa varattu yhteensä 900 000 €." in text
        for label in ("Toiminta-avustukset", "Kumppanuussopimukset (vuoden osuus)", "Hankeavustukset"):
            assert label in text
        assert "Esitysten yhteismäärä on 254 000 € määrärahasta 900 000 €, ja määrärahasta jää käyttämättä 646 000 €." in text
        assert ("Koska määräraha 900 000 € ei riitä 41 avustuskelpoisen hakemuksen haettuun yhteismäärään 1 066 800 €, "
                "avustukset on mitoitettu samassa suhteessa haettuihin määriin: jokaiselle hakemukselle esitetään "
                "900 000 € / 1 066 800 € eli noin 84,3645 % haetusta määrästä, pyöristettynä alaspäin 10 euron "
                "tarkkuuteen.") in text
        assert "Muuramen Perhekerho ry (täydennyspyyntö 5.1.2027, määräaika 19.1.2027): Hakemuksesta ei käy ilmi" in text
        assert "Jos täydennystä ei saada määräaikaan mennessä, hakemukset ratkaistaan" in text
    ctx["draft"] = None
    for text in _both("paatosesitys", ctx, settings):
        assert "LUONNOS" not in text


# --- templates must not read other files or run without end ---------------------------------


def test_officer_template_linked_outside_its_folder_is_refused(tmp_path, settings):
    """A symbolic link in the template folder, used directly or through {% include %}, must not copy
    a file from elsewhere (here a stand-in for /etc/passwd) into a public document."""
    secret = tmp_path / "muualla" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:SALAISUUS", encoding="utf-8")
    folder = tmp_path / "mallit"
    folder.mkdir()
    (folder / "tunnukset.html").symlink_to(secret)
    (folder / "muistutus.html").write_text("{{ grant.id }} {% include 'tunnukset.html' %}", encoding="utf-8")
    s = replace(settings, templates_dir=folder)
    with pytest.raises(TemplateSecurityError, match="tunnukset.html hylättiin.*ulkopuolelle"):
        render_html("muistutus", example_context("muistutus"), s)
    (folder / "paatoskirje.html").symlink_to(secret)
    with pytest.raises(TemplateSecurityError, match="ulkopuolelle"):
        render_html("paatoskirje", example_context("paatoskirje"), s)
    (folder / "muistutus.docx").symlink_to(secret)
    with pytest.raises(TemplateSecurityError, match="muistutus.docx hylättiin"):
        render_docx("muistutus", example_context("muistutus"), s)
    # a link inside the folder is an ordinary template
    (folder / "oma.html").write_text("OMA {{ grant.id }}", encoding="utf-8")
    (folder / "taydennyspyynto.html").symlink_to(folder / "oma.html")
    assert render_html("taydennyspyynto", example_context("muistutus"), s) == "OMA A-2026-031"


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", "range"),
        ("{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}", "silmukat"),
        ("{{ 'A' * 3000000000 }}", "kertolasku"),
        ("{{ 3000000000 * 'A' }}", "kertolasku"),
        ("{{ [1] * 3000000000 }}", "kertolasku"),
        ("{{ 10 ** 100000000 }}", "potenssi"),
        ("{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}", "kutsuu itseään"),
    ],
)
def test_template_asking_too_much_is_refused(tmp_path, settings, source, what):
    s = officer(tmp_path, settings, {"muistutus.html": source})
    with pytest.raises(TemplateError, match=f"muistutus.html hylättiin: .*{what}") as e:
        render_html("muistutus", example_context("muistutus"), s)
    assert isinstance(e.value, AvustusError)


def test_docx_template_asking_too_much_is_refused(tmp_path, settings):
    s = officer_docx(tmp_path, settings, "{{ 'A' * 3000000000 }}")
    with pytest.raises(TemplateError, match="muistutus.docx hylättiin: .*kertolasku"):
        render_docx("muistutus", example_context("muistutus"), s)


def test_templates_within_the_limits_render(tmp_path, settings):
    s = officer(tmp_path, settings, {"muistutus.html": "{% for i in range(3) %}{{ i }}{% endfor %}{{ '-' * 5 }}{{ 2 ** 10 }}"})
    assert render_html("muistutus", example_context("muistutus"), s) == "012-----1024"


def test_amounts_in_sentences_do_not_break_across_lines():
    # reasons are written with plain spaces; a document binds an amount and its unit together
    from avustus_cli.adapters.render import _clean

    cleaned = _clean({"reasons": ["Määräraha 900 000 € / 1 066 800 € eli noin 84,3645 %. Soita 040 123 4567."]})
    text = cleaned["reasons"][0]
    assert "900\u00a0000\u00a0€" in text
    assert "1\u00a0066\u00a0800\u00a0€" in text
    assert "84,3645\u00a0%" in text
    assert "040 123 4567" in text  # a phone number is not an amount


def test_template_running_too_long_is_stopped_with_its_name(tmp_path, settings, monkeypatch):
    """Loops over texts within the size limit use no range and make nothing large, yet run for hours
    (9 * 10^10 rounds); the wall-clock limit stops them. Lowered here so that the test is quick; on
    code without the limit these 25 million rounds end after several seconds, unrefused."""
    from avustus_cli.adapters import render

    monkeypatch.setattr(render, "MAX_SECONDS", 0.3, raising=False)
    s = officer(tmp_path, settings, {"muistutus.html": "{% for a in 'x' * 5000 %}{% for b in 'y' * 5000 %}{% endfor %}{% endfor %}"})
    t0 = time.monotonic()
    with pytest.raises(TemplateError, match=r"^mallipohja muistutus.html hylättiin: .*kesken vielä 0.3 sekunnin jälkeen"):
        render_html("muistutus", example_context("muistutus"), s)
    assert time.monotonic() - t0 < 3
    d = officer_docx(tmp_path, settings, "{% for a in 'x' * 5000 %}{% for b in 'y' * 5000 %}{{ '' }}{% endfor %}{% endfor %}")
    with pytest.raises(TemplateError, match=r"^mallipohja muistutus.docx hylättiin: .*kesken vielä"):
        render_docx("muistutus", example_context("muistutus"), d)


def test_loops_through_the_timing_filter_behave_as_before(tmp_path, settings):
    s = officer(tmp_path, settings, {"muistutus.html": (
        "{% for c in 'abc' %}{{ loop.index }}{{ c }}{% if loop.last %}.{{ loop.length }}{% endif %}{% endfor %}"
        "{% for k in {'x': 1} %}{{ k }}{% else %}tyhjä{% endfor %}{% for i in [] %}{{ i }}{% else %}|tyhjä{% endfor %}"
        "{% for n in [[1, [2]]] recursive %}{% if n is iterable %}{{ loop(n) }}{% else %}{{ n }}{% endif %}{% endfor %}")})
    assert render_html("muistutus", example_context("muistutus"), s) == "1a2b3c.3x|tyhjä12"


def test_the_document_writer_writes_a_batch_in_stage_and_keeps_what_it_wrote(tmp_path):
    """Letters written in place by the writer's thread are the bytes rendered one by one; ``keep`` holds them
    and their SHA-256; a file already there (copied into a staging folder) is replaced and owner-only."""
    import hashlib
    import os

    from avustus_cli.adapters.render import DocumentWriter, render_document

    settings = default_settings(2027)
    ctx = example_context("taydennyspyynto")
    folder = tmp_path / "kirjeet"
    folder.mkdir()
    (folder / "a.html").write_text("vanha")
    os.chmod(folder / "a.html", 0o644)
    with DocumentWriter(folder, settings, ("html", "docx"), in_stage=True, keep=True) as writer:
        paths = writer.write("a", "taydennyspyynto", ctx) + writer.write("b", "taydennyspyynto", {**ctx, "applicant": {**ctx["applicant"], "name": "Toinen ry"}})
    assert [p.name for p in paths] == ["a.html", "a.docx", "b.html", "b.docx"]
    one = dict(render_document("taydennyspyynto", ctx, settings))
    assert (folder / "a.html").read_bytes() == one["html"] and (folder / "a.docx").read_bytes() == one["docx"]
    assert (folder / "a.html").stat().st_mode & 0o777 == 0o600
    assert writer.kept.keys() == set(paths)
    assert all(p.read_bytes() == data and hashlib.sha256(data).hexdigest() == digest for p, (data, digest) in writer.kept.items())


@pytest.mark.parametrize("in_stage", [False, True])
def test_the_objects_made_before_a_batch_are_frozen_while_it_is_written_and_given_back_after(tmp_path, in_stage):
    """The garbage collector leaves the older objects alone during a batch (gc.freeze) and has them back when
    the block is left, also on an error; objects someone else froze stay frozen; with the collector off
    nothing is frozen."""
    import gc

    from avustus_cli.adapters.render import DocumentWriter

    settings = default_settings(2027)
    assert gc.get_freeze_count() == 0
    with DocumentWriter(tmp_path / "a", settings, ("html",), in_stage=in_stage) as writer:
        assert gc.get_freeze_count() > 0
        writer.write("a", "taydennyspyynto", example_context("taydennyspyynto"))
    assert gc.get_freeze_count() == 0
    with pytest.raises(TemplateError):
        with DocumentWriter(tmp_path / "b", settings, ("html",), in_stage=in_stage) as writer:
            assert gc.get_freeze_count() > 0
            writer.write("a", "taydennyspyynto", {})  # no context: a template error
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with DocumentWriter(tmp_path / "c", settings, ("html",), in_stage=in_stage):
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with DocumentWriter(tmp_path / "d", settings, ("html",), in_stage=in_stage):
            assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("in_stage", [False, True])
def test_the_document_writer_names_a_folder_or_file_it_cannot_write(tmp_path, in_stage):
    from avustus_cli.adapters.render import DocumentWriter

    settings = default_settings(2027)
    blocker = tmp_path / "tiedosto"
    blocker.write_text("")
    with pytest.raises(TemplateError, match=f"kansiota {re.escape(str(blocker / 'kirjeet'))} ei voitu luoda"):
        with DocumentWriter(blocker / "kirjeet", settings, ("html",), in_stage=in_stage) as writer:
            writer.write("a", "taydennyspyynto", example_context("taydennyspyynto"))
    (tmp_path / "kirjeet" / "a.html").mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(TemplateError, match=r"tiedostoa .*a\.html ei voitu kirjoittaa: .*Onko tiedosto auki Wordissa\?"):
        with DocumentWriter(tmp_path / "kirjeet", settings, ("html",), in_stage=in_stage) as writer:
            writer.write("a", "taydennyspyynto", example_context("taydennyspyynto"))


def test_a_letter_the_writers_thread_could_not_write_is_named_when_the_next_one_is_handed_over(tmp_path):
    import time

    from avustus_cli.adapters.render import DocumentWriter

    settings = default_settings(2027)
    (tmp_path / "kirjeet" / "a.html").mkdir(parents=True)  # a folder where the first letter should be
    with pytest.raises(TemplateError, match=r"tiedostoa .*a\.html ei voitu kirjoittaa: .*Onko tiedosto auki Wordissa\?"):
        with DocumentWriter(tmp_path / "kirjeet", settings, ("html",), in_stage=True) as writer:
            writer.write("a", "taydennyspyynto", example_context("taydennyspyynto"))
            waited = time.monotonic()
            while writer._writer._error is None and time.monotonic() - waited < 30:
                time.sleep(0.01)
            writer.write("b", "taydennyspyynto", example_context("taydennyspyynto"))

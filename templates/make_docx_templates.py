"""Generate the Word templates (``*.docx``) of the documents.

Run from the repository root after changing the wording here:

    .venv/bin/python templates/make_docx_templates.py

The generated files are committed: the officer may then edit them in Word
(keep the ``{{ ... }}`` and ``{%p ... %}`` tags intact) or copy one into the
own templates folder (``system.templates_dir``) and edit it there. The tags
are docxtpl's (Jinja2): ``{%p ... %}`` stands alone in a paragraph and
repeats / hides that paragraph, ``{%tr ... %}`` in the first cell of a table
row does the same for table rows. Keys: see ``docs/templates.md``.

The review instructions (oikaisuvaatimusohje) are written into every
decision by :func:`review_instructions`; their wording follows
``oikaisuvaatimusohje.html``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
FONT = "Arial"


# --- building blocks -----------------------------------------------------------


def new_document(title: str, landscape: bool = False):
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
        sec.left_margin = sec.right_margin = sec.top_margin = sec.bottom_margin = Cm(1.5)
    else:
        sec.left_margin, sec.right_margin = Cm(2.5), Cm(1.8)
        sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11), ("Title", 14)):
        st = styles[name]
        st.font.name = FONT
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.italic = False
        st.font.color.rgb = RGBColor(0, 0, 0)
        rfonts = st.element.rPr.rFonts
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if rfonts.get(qn(attr)) is not None:
                del rfonts.attrib[qn(attr)]
        st.paragraph_format.space_before = Pt(12 if size > 11 else 8)
        st.paragraph_format.space_after = Pt(4)
    cp = doc.core_properties
    cp.title = title
    cp.author = cp.last_modified_by = "avustus"
    cp.language = "fi-FI"
    cp.created = cp.modified = dt.datetime(2026, 1, 1)
    cp.revision = 1
    return doc


def para(doc_or_cell, text: str = "", *, bold: bool = False, style: str | None = None, size: float | None = None,
         align: str | None = None):
    p = doc_or_cell.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
    if align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def rich(doc_or_cell, *parts: tuple[str, bool], style: str | None = None):
    """A paragraph of runs: (text, bold)."""
    p = doc_or_cell.add_paragraph(style=style)
    for text, bold in parts:
        r = p.add_run(text)
        r.bold = bold or None
    return p


def tag(doc, statement: str) -> None:
    """A paragraph-level docxtpl tag: ``{%p statement %}`` alone in its paragraph."""
    doc.add_paragraph("{%p " + statement + " %}")


def heading(doc, text: str, level: int = 2) -> None:
    doc.add_heading(text, level=level)


def bullets(doc, loop: str, text: str) -> None:
    """One bullet per item: ``loop`` is e.g. ``for d in report_documents``."""
    tag(doc, loop)
    para(doc, text, style="List Bullet")
    tag(doc, "endfor")


def para_if(doc, condition: str, text: str, **kwargs):
    """A paragraph shown only when ``condition`` holds (between ``{%p if %}`` and ``{%p endif %}``)."""
    tag(doc, "if " + condition)
    p = para(doc, text, **kwargs)
    tag(doc, "endif")
    return p


def rich_if(doc, condition: str, *parts: tuple[str, bool]):
    """A paragraph of runs (see :func:`rich`) shown only when ``condition`` holds."""
    tag(doc, "if " + condition)
    p = rich(doc, *parts)
    tag(doc, "endif")
    return p


def numbered(doc, loop: str, text: str) -> None:
    """One numbered, indented paragraph per item: ``loop`` is e.g. ``for item in items``."""
    tag(doc, loop)
    para(doc, text).paragraph_format.left_indent = Cm(0.6)
    tag(doc, "endfor")


def _cell_text(cell, text: str, *, bold: bool = False, right: bool = False, size: float = 9.5) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    if text:
        r = p.add_run(text)
        r.bold = bold or None
        r.font.size = Pt(size)
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _row_flag(row_or_tr, name: str) -> None:
    """Set an on/off row property (w:cantSplit, w:tblHeader) in schema order: cantSplit before tblHeader."""
    tr = getattr(row_or_tr, "_tr", row_or_tr)
    trPr = tr.get_or_add_trPr()
    if trPr.find(qn(name)) is not None:
        return
    el = OxmlElement(name)
    el.set(qn("w:val"), "true")
    header = trPr.find(qn("w:tblHeader"))
    if name == "w:cantSplit" and header is not None:
        header.addprevious(el)
    else:
        trPr.append(el)


def _repeat_header(row) -> None:
    _row_flag(row, "w:tblHeader")


def _rows_unsplit(table) -> None:
    """No row of the table breaks across a page (w:cantSplit on every row, docxtpl's loop rows included:
    the rows a loop repeats carry the property with them)."""
    for tr in table._tbl.findall(qn("w:tr")):
        _row_flag(tr, "w:cantSplit")


def _set_widths(table, widths_cm: list[float]) -> None:
    """Fixed column widths that Word and LibreOffice both keep: the grid
    (w:gridCol, which LibreOffice lays out by), the table width, a fixed
    layout, and each cell's width (a merged cell gets the sum of its columns)."""
    table.autofit = False  # w:tblLayout fixed
    tbl = table._tbl
    for col, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(Cm(w).twips))
    tblW = tbl.tblPr.find(qn("w:tblW"))
    if tblW is None:
        tblW = OxmlElement("w:tblW")
        tbl.tblPr.append(tblW)
    tblW.set(qn("w:type"), "dxa")
    tblW.set(qn("w:w"), str(sum(Cm(w).twips for w in widths_cm)))
    for tr in tbl.findall(qn("w:tr")):
        i = 0
        for tc in tr.findall(qn("w:tc")):
            span_el = tc.tcPr.find(qn("w:gridSpan")) if tc.tcPr is not None else None
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            tc.width = Cm(sum(widths_cm[i:i + span]))
            i += span
    _rows_unsplit(table)


def grid_table(doc, headers: list[str], widths: list[float], right: set[int]):
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    for i, h in enumerate(headers):
        _cell_text(t.rows[0].cells[i], h, bold=True, right=i in right)
    _repeat_header(t.rows[0])
    t._avustus_widths = widths  # type: ignore[attr-defined]
    return t


def add_row(t, cells: list[str], *, bold: bool = False, right: set[int] = frozenset(), merge: bool = False,
            span: int = 1):
    """A table row. ``merge``: one cell over the whole row; ``span``: the
    first cell spans that many columns (``cells`` then holds one text for it
    and one per remaining column)."""
    row = t.add_row()
    if merge:
        merged = row.cells[0].merge(row.cells[-1])
        _cell_text(merged, cells[0], bold=bold)
        # a group's title row stays on the page of the group's first row
        merged.paragraphs[0].paragraph_format.keep_with_next = True
        return row
    if span > 1:
        first = row.cells[0].merge(row.cells[span - 1])
        _cell_text(first, cells[0], bold=bold)
        for i, text in enumerate(cells[1:], start=span):
            _cell_text(row.cells[i], text, bold=bold, right=i in right)
        return row
    for i, text in enumerate(cells):
        _cell_text(row.cells[i], text, bold=bold, right=i in right)
    return row


def tr_tag(t, statement: str) -> None:
    """A table-row docxtpl tag: ``{%tr statement %}`` in a row of its own."""
    row = t.add_row()
    _cell_text(row.cells[0], "{%tr " + statement + " %}")


def finish_table(t) -> None:
    _set_widths(t, t._avustus_widths)


def plain_table(doc, rows: list[list[str]], widths: list[float], right_cols: set[int] = frozenset()):
    """A borderless layout table (letter heads)."""
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            _cell_text(t.rows[r].cells[c], text, bold=(r == 0 and c < 2), right=c in right_cols, size=11)
    _set_widths(t, widths)
    return t


def _field(p, instruction: str, placeholder: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / result / end runs;
    Word and LibreOffice both update the result when the pages are laid out."""

    def run():
        r = p.add_run()
        r.font.size = Pt(size)
        return r

    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None), (None, placeholder), ("end", None)):
        r = run()
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            r._r.append(el)
        elif text == placeholder:
            r.text = text
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            r._r.append(el)


PAGE_NUMBER = "sivu {PAGE} / {NUMPAGES}"


def _page_number(footer) -> None:
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.paragraph_format.space_after = Pt(0)
    r = p.add_run("sivu ")
    r.font.size = Pt(9)
    _field(p, "PAGE", "1", 9)
    r = p.add_run(" / ")
    r.font.size = Pt(9)
    _field(p, "NUMPAGES", "1", 9)


def page_frame(doc, kind: str, date_key: str, body: str = "{{ body }}") -> None:
    """The running header and the page number of every page.

    The first page opens with the document's own head (county, kind, date, diary number) in the
    body text, so its header is left empty; every later page carries the same facts in a small
    running header (county and body; kind, date and diary number), and every page, the first
    included, ends with "sivu X / Y" in the footer."""
    sec = doc.sections[0]
    sec.different_first_page_header_footer = True
    sec.header_distance = sec.footer_distance = Cm(1.0)
    width = (sec.page_width - sec.left_margin - sec.right_margin) / 360000  # cm
    header = sec.header
    t = header.add_table(rows=2, cols=3, width=Cm(width))
    date = "{{ " + date_key + "|date }}" if date_key else ""
    cells = [["{{ county }}", kind, date], [body, "{{ diary_number }}", ""]]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            _cell_text(t.rows[r].cells[c], text, right=c == 2, size=8.5)
    third = round(width / 3, 2)
    _set_widths(t, [round(width - 2 * third, 2), third, third])
    # the header's own paragraph goes after the table (a story ends with a paragraph) and draws a thin rule
    rule = header.paragraphs[0]
    t._tbl.addnext(rule._p)
    rule.paragraph_format.space_after = Pt(6)
    rule.paragraph_format.line_spacing = Pt(2)
    pPr = rule._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "808080")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    pPr.insert_element_before(bdr, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                              "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                              "w:mirrorIndents", "w:suppressOverlap", "w:jc")
    _page_number(sec.footer)
    _page_number(sec.first_page_footer)


def keep_table_together(table) -> None:
    """A table that is never divided between pages (a signature block): every row stays on the page of
    the next one (the first paragraph of each cell keeps with the next), no row splits."""
    rows = table.rows
    for row in rows[:-1]:
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = True
    _rows_unsplit(table)


def keep_together(*paragraphs) -> None:
    """A block that a page break never separates (a decision and its signature): each paragraph keeps
    its lines together and stays on the page of the next one, the last only keeps its lines."""
    for i, p in enumerate(paragraphs):
        p.paragraph_format.keep_together = True
        if i < len(paragraphs) - 1:
            p.paragraph_format.keep_with_next = True


def person(key: str) -> str:
    return (
        "{{ KEY.name }}{% if KEY.title %}, {{ KEY.title }}{% endif %}"
        "{% if KEY.phone %}, puh. {{ KEY.phone }}{% endif %}"
        "{% if KEY.email %}, {{ KEY.email }}{% endif %}"
    ).replace("KEY", key)


def letter_head(doc, kind: str, date_key: str) -> None:
    """The letter's head on its first page; later pages repeat it in the running header."""
    page_frame(doc, kind, date_key)
    plain_table(
        doc,
        [["{{ county }}", kind, "{{ " + date_key + "|date }}"], ["", "{{ diary_number }}", ""]],
        [7.0, 6.0, 3.7],
        right_cols={2},
    )
    para(doc)


def new_letter(title: str, kind: str):
    """A letter: the document, its head dated ``letter_date`` and the applicant's address."""
    doc = new_document(title)
    letter_head(doc, kind, "letter_date")
    address(doc)
    return doc


def decision_maker(doc) -> None:
    """Who decided, when and in which section, and the diary number."""
    rich(doc, ("Päättäjä: ", True), ("{{ body }}, {{ decision_date|date }} § {{ section }}", False)
         ).paragraph_format.space_after = Pt(0)
    rich(doc, ("Diaarinumero: ", True), ("{{ diary_number }}", False))


def contact(doc) -> None:
    """The preparer's contact details under "Lisätiedot", kept on one page."""
    heading(doc, "Lisätiedot", 2)
    keep_together(para(doc, person("preparer")))


def address(doc, key: str = "applicant") -> None:
    para(doc, "{{ " + key + ".name }}").paragraph_format.space_after = Pt(0)
    tag(doc, f"if {key}.business_id")
    para(doc, "Y-tunnus {{ " + key + ".business_id }}").paragraph_format.space_after = Pt(0)
    tag(doc, "endif")
    tag(doc, f"for line in {key}.address")
    para(doc, "{{ line }}").paragraph_format.space_after = Pt(0)
    tag(doc, "endfor")
    para(doc)


def report_documents(doc) -> None:
    bullets(doc, "for d in report_documents", "{{ d }}")


def review_instructions(doc) -> None:
    """OIKAISUVAATIMUSOHJE: the same text as oikaisuvaatimusohje.html."""
    heading(doc, "OIKAISUVAATIMUSOHJE", 2)
    para(doc, "Tähän päätökseen tyytymätön voi tehdä kirjallisen oikaisuvaatimuksen. Päätökseen ei voi hakea "
              "muutosta valittamalla tuomioistuimeen ennen oikaisuvaatimusta.")
    heading(doc, "Oikaisuvaatimuksen tekijä", 3)
    para(doc, "Oikaisuvaatimuksen saa tehdä")
    para(doc, "se, johon päätös on kohdistettu tai jonka oikeuteen, velvollisuuteen tai etuun päätös välittömästi "
              "vaikuttaa (asianosainen), ja", style="List Bullet")
    para(doc, "hyvinvointialueen jäsen (laki hyvinvointialueesta 142 §).", style="List Bullet")
    heading(doc, "Oikaisuvaatimusviranomainen ja yhteystiedot", 3)
    rich(doc, ("Viranomainen, jolle oikaisuvaatimus tehdään: ", False), ("{{ review.authority }}", True))
    for line in (
        "{{ office.name }}",
        "Postiosoite: {{ office.postal_address }}",
        "Käyntiosoite: {{ office.visiting_address }}",
        "Sähköposti: {{ office.email }}",
        "Puhelin: {{ office.phone }}",
    ):
        para(doc, line).paragraph_format.space_after = Pt(0)
    para(doc, "Kirjaamon aukioloaika: {{ office.hours }}")
    heading(doc, "Oikaisuvaatimusaika", 3)
    para(doc, "Oikaisuvaatimus on tehtävä 14 päivän kuluessa päätöksen tiedoksisaannista. Tiedoksisaantipäivää ei "
              "lueta määräaikaan.")
    para(doc, "Asianosaisen katsotaan saaneen päätöksestä tiedon, jollei muuta näytetä, seitsemäntenä päivänä kirjeen "
              "lähettämisestä tai kolmantena päivänä sähköisen viestin lähettämisestä. Hyvinvointialueen jäsenen "
              "katsotaan saaneen päätöksestä tiedon seitsemän päivän kuluttua siitä, kun pöytäkirja on asetettu "
              "nähtäväksi yleiseen tietoverkkoon.")
    tag(doc, "if review.last_day")
    rich(
        doc,
        ("Tämä päätös on lähetetty {{ review.sent|date }} "
         '{{ "sähköpostilla" if review.channel == "email" else "kirjeenä" }}. Päätös katsotaan saaduksi tiedoksi '
         "{{ review.served|date }}, ja oikaisuvaatimusaika päättyy ", False),
        ("{{ review.last_day|date }}", True),
        (".", False),
    )
    tag(doc, "endif")
    para(doc, "Jos määräajan viimeinen päivä on lauantai, sunnuntai, pyhäpäivä, itsenäisyyspäivä, vapunpäivä, "
              "jouluaatto tai juhannusaatto, oikaisuvaatimuksen saa tehdä ensimmäisenä arkipäivänä sen jälkeen.")
    heading(doc, "Oikaisuvaatimuksen sisältö", 3)
    para(doc, "Oikaisuvaatimuksessa on ilmoitettava")
    for item in (
        "päätös, johon oikaisuvaatimus kohdistuu,",
        "miten päätöstä halutaan muutettavaksi,",
        "millä perusteella muutosta vaaditaan, sekä",
        "oikaisuvaatimuksen tekijän nimi, kotikunta, postiosoite, puhelinnumero ja sähköpostiosoite.",
    ):
        para(doc, item, style="List Bullet")
    heading(doc, "Oikaisuvaatimuksen toimittaminen", 3)
    para(doc, "Oikaisuvaatimus toimitetaan kirjallisesti postitse tai sähköpostilla edellä mainittuun osoitteeseen. "
              "Sen on oltava perillä viimeistään määräajan viimeisenä päivänä ennen kirjaamon aukioloajan "
              "päättymistä. Oikaisuvaatimus lähetetään lähettäjän omalla vastuulla.")
    heading(doc, "Muutoksenhaku oikaisuvaatimukseen annettuun päätökseen", 3)
    para(doc, "Oikaisuvaatimukseen annettuun päätökseen saa hakea muutosta aluevalituksella hallinto-oikeudelta "
              "30 päivän kuluessa sen tiedoksisaannista. Valitusviranomainen on {{ court }}. Valitusosoitus "
              "liitetään oikaisuvaatimukseen annettuun päätökseen.")


# --- the documents -----------------------------------------------------------------

TERMS_PARAGRAPH = (
    "Avustuksiin sovelletaan liitteen 2 avustusehtoja. Avustus on käytettävä vuoden {{ year }} aikana siihen "
    "tarkoitukseen, johon se on myönnetty. Avustuksen käytöstä on raportoitava hyvinvointialueelle viimeistään "
    "{{ report_due|date }}. Avustus maksetaan, kun päätös on lainvoimainen ja avustuksen saajan aiempien avustusten "
    "käyttöselvitykset on toimitettu. Hyvinvointialueella on oikeus tarkastaa avustuksen saajan kirjanpito ja "
    "hallinto, ja ehtojen vastaisesti käytetty avustus voidaan periä takaisin."
)


def paatosesitys():
    doc = new_document("Päätösesitys")
    page_frame(doc, "Päätösesitys", "meeting_date")
    plain_table(doc, [["{{ county }}", "{{ meeting_date|date }}", "§"], ["{{ body }}", "{{ diary_number }}", ""]],
                [8.0, 6.2, 2.5], right_cols={1, 2})  # the diary number on one line
    heading(doc, "{{ title }}", 1)
    rich_if(doc, "draft",
            ("LUONNOS", True), (", valmisteltu {{ draft.prepared|date }}. Luonnos ei ole lopullinen päätösesitys.",
                                False))
    rich_if(doc, "earlier_handling", ("Aiempi käsittely: ", True), ("{{ earlier_handling }}", False))
    rich(doc, ("Valmistelija: ", True), (person("preparer"), False))
    rich(doc, ("Lisätiedot: ", True), (person("preparer"), False))

    heading(doc, "Selostus asiasta", 2)
    para(doc, "Hyvinvointialue voi myöntää avustuksia rekisteröidyille yleishyödyllisille yhdistyksille ja "
              "säätiöille toimintaan, jonka tavoitteena on hyvinvointialueen asukkaiden terveyden ja hyvinvoinnin "
              "tai turvallisuuden edistäminen. Avustukset myönnetään noudattaen asiakirjaa {{ guideline }}. "
              "Avustuksilla tuetaan hyvinvointialueen strategian, talousarvion toiminnallisten tavoitteiden ja "
              "hyvinvointisuunnitelman tavoitteiden toteutumista.")
    para(doc, "Avustukset kohdentuvat toimintaan, joka")
    for i, text in enumerate((
        "kuuluu hyvinvointialueen toimintakentälle,",
        "tukee hyvinvointialueen strategian, talousarvion toiminnallisten tavoitteiden tai hyvinvointisuunnitelman "
        "tavoitteiden saavuttamista,",
        "tukee, täydentää ja tekee yhteistyötä hyvinvointialueen sosiaali- ja terveyspalveluiden tai "
        "pelastuspalveluiden kanssa ja",
        "voi olla paikallista, seudullista tai koko hyvinvointialueen alueella tapahtuvaa.",
    ), 1):
        p = para(doc, f"{i}. {text}")
        p.paragraph_format.left_indent = Cm(0.6)
        p.paragraph_format.space_after = Pt(2)
    para(doc, 'Tuettavat toiminnot ovat: {% for c in categories %}{{ loop.index }}) {{ c }}'
              '{{ "." if loop.last else "; " }}{% endfor %} Toiminnan lisäksi voidaan tukea näihin liittyvää '
              "kehittämistyötä, ennaltaehkäisevää työtä sekä toimintaan linkittyviä tila- ja tapahtumakustannuksia.")
    para(doc, "Toiminta-avustukset vuodelle {{ year }} olivat haettavissa {{ window_start|date }}–"
              "{{ window_end|date }}. {{ call_announcement }}")
    para(doc, "Hakemuksia saapui {{ received_count|number }} kpl, ja niissä haettiin avustusta yhteensä "
              "{{ received_sum|money }}.{% if late_count + early_count %} Hakuajan ulkopuolella saapuneita hakemuksia "
              "oli {{ (late_count + early_count)|number }} kpl{% if early_count and late_count %}, joista "
              "{{ late_count|number }} saapui hakuajan päättymisen jälkeen ja {{ early_count|number }} ennen hakuajan "
              'alkua{% elif early_count %}, {{ "se" if early_count == 1 else "kaikki" }} ennen hakuajan alkua'
              '{% else %}, {{ "se" if late_count == 1 else "kaikki" }} hakuajan päättymisen jälkeen{% endif %}.'
              "{% endif %}")
    para_if(doc, "pending.count",
            "Käsittely on kesken {{ pending.count|number }} hakemuksella, joissa haetaan yhteensä "
            "{{ pending.requested|money }}.{% if pending.supplement %} Hakemuksista {{ pending.supplement|number }} "
            "odottaa täydennystä{% if pending.due %}, jonka määräaika päättyy {{ pending.due|date }}{% endif %}."
            "{% endif %}{% if pending.review %} Hakemuksista {{ pending.review|number }} odottaa valmistelijan "
            "arviota.{% endif %} Niistä ei esitetä päätöstä tässä yhteydessä. Ne ratkaistaan erikseen, kun käsittely "
            "on valmis, ja niille voidaan myöntää avustusta vain määrärahasta käyttämättä jäävästä osasta "
            "({{ appropriation.left|money }}).")
    para(doc, "{{ assessment }}")
    para(doc, "Järjestöavustuksiin on vuoden {{ year }} talousarviossa varattu yhteensä {{ appropriation.total|money }}. "
              "Määrärahan käyttö esitetään avustusmuodoittain seuraavasti:")
    t = grid_table(doc, ["Avustusmuoto", "Hakemuksia", "Esitetään", "Haettu", "Esitys"],
                   [6.5, 2.4, 2.2, 2.8, 2.8], right={1, 2, 3, 4})
    tr_tag(t, "for a in appropriation.rows")
    add_row(t, ["{{ a.label }}", "{{ a.count|number }}", "{{ a.funded|number }}", "{{ a.requested|money }}",
                "{{ a.proposed|money }}"], right={1, 2, 3, 4})
    tr_tag(t, "endfor")
    add_row(t, ["Yhteensä", '{{ appropriation.rows|sum(attribute="count")|number }}',
                '{{ appropriation.rows|sum(attribute="funded")|number }}',
                '{{ appropriation.rows|sum(attribute="requested")|money }}', "{{ appropriation.proposed|money }}"],
            bold=True, right={1, 2, 3, 4})
    finish_table(t)
    para(doc)
    para_if(doc, "appropriation.common is not none",
            "Avustusmuodoille on talousarviossa omat määrärahat: {% for a in appropriation.rows if a.budget %}"
            '{{ a.label|lower }} {{ a.budget|money }}{{ ", " if not loop.last }}{% endfor %}; muille avustuksille '
            "jää yhteistä määrärahaa {{ appropriation.common|money }}.")
    para(doc, "Esitysten yhteismäärä on {{ appropriation.proposed|money }} määrärahasta {{ appropriation.total|money }}, "
              "ja määrärahasta jää käyttämättä {{ appropriation.left|money }}.{% if appropriation.rows[1].funded %} "
              "Kumppanuussopimusten rivillä on sopimusten vuoden {{ year }} osuus, myös niiden sopimusten, joista päättää "
              "{{ appropriation.partnership_decider|lower }}.{% endif %}")
    tag(doc, "for c in cuts")
    para(doc, "Koska {{ c.label }} {{ c.money|money }} ei riitä {{ c.count|number }} avustuskelpoisen hakemuksen haettuun "
              "yhteismäärään {{ c.demand|money }}, avustukset on mitoitettu samassa suhteessa haettuihin määriin: "
              "jokaiselle hakemukselle esitetään {{ c.money|money }} / {{ c.demand|money }} eli {{ c.percent }} haetusta "
              "määrästä, pyöristettynä alaspäin {{ c.step|number }} euron tarkkuuteen. Liitteessä 1 on kunkin "
              "hakemuksen laskelma.")
    tag(doc, "endfor")
    para_if(doc, "budget_warning", "Huomio määrärahasta: {{ budget_warning }}", bold=True)
    para(doc, "Toiminta-avustusta esitetään myönnettäväksi {{ granted_count|number }} hakijalle yhteensä "
              "{{ granted_sum|money }}. Esitys toimintaluokittain:")
    t = grid_table(doc, ["Toimintaluokka", "Kpl", "Haettu", "Esitys"], [9.5, 1.5, 2.8, 2.8], right={1, 2, 3})
    tr_tag(t, "for c in by_category")
    add_row(t, ["{{ c.number }}. {{ c.name }}", "{{ c.count|number }}", "{{ c.requested|money }}",
                "{{ c.proposed|money }}"], right={1, 2, 3})
    tr_tag(t, "endfor")
    add_row(t, ["Yhteensä", "{{ granted_count|number }}", '{{ by_category|sum(attribute="requested")|money }}',
                "{{ granted_sum|money }}"], bold=True, right={1, 2, 3})
    finish_table(t)
    para(doc)
    para_if(doc, "last_year",
            "Vuodelle {{ last_year.year }} toiminta-avustuksia myönnettiin {{ last_year.count|number }} hakijalle "
            "yhteensä {{ last_year.granted|money }}{% if last_year.granted %}; esitys on "
            "{{ (granted_sum / last_year.granted)|percent(1) }} edellisvuoden määrästä{% endif %}.")
    tag(doc, "if refusals")
    para(doc, "Hylättäviksi esitetään seuraavat hakemukset:")
    bullets(doc, "for r in refusals", "{{ r.applicant }}: {{ r.reason }}")
    tag(doc, "elif not conditional_refusals")
    para(doc, "Hylättäviä hakemuksia ei ole.")
    tag(doc, "endif")
    tag(doc, "if conditional_refusals")
    para(doc, "Seuraavia hakemuksia on pyydetty täydentämään, eikä täydennyksen määräaika ole vielä päättynyt. Jos "
              "täydennystä ei saada määräaikaan mennessä, hakemukset ratkaistaan käytettävissä olevien tietojen "
              "perusteella ja esitetään hylättäviksi seuraavin perustein:")
    bullets(doc, "for r in conditional_refusals",
            "{{ r.applicant }} (täydennyspyyntö {{ r.sent|date }}, määräaika {{ r.due|date }}): {{ r.reason }}")
    tag(doc, "endif")
    tag(doc, "if reductions")
    para(doc, "Valmistelija esittää seuraaville hakijoille jakotavan mukaisesta poikkeavaa määrää:")
    bullets(doc, "for r in reductions",
            "{{ r.applicant }}: esitys {{ r.proposed|money }} (haettu {{ r.requested|money }}). {{ r.reason }}")
    tag(doc, "endif")
    para(doc, TERMS_PARAGRAPH)

    heading(doc, "Kumppanuussopimukset", 3)
    tag(doc, 'set board_partnerships = partnerships|selectattr("decider", "equalto", body)|list')
    tag(doc, 'set other_partnerships = partnerships|rejectattr("decider", "equalto", body)|list')
    tag(doc, "if partnerships")
    para(doc, "Kumppanuussopimukset laaditaan enintään neljän vuoden pituisina. Kumppanuussopimuksessa sovittava "
              "avustus ei voi olla järjestön ainoa rahoituslähde. {{ body }} päättää taloudellisesti merkittävistä, "
              "yli {{ partnership_threshold|money }} vuodessa olevista kumppanuussopimuksista; pienemmistä päättää "
              "{{ small_partnership_decider|lower }}.")
    tag(doc, "if board_partnerships")
    para(doc, "{{ body }} päättää seuraavista kumppanuussopimuksista:")
    bullets(doc, "for p in board_partnerships",
            "{{ p.applicant }}: sopimuskausi {{ p.start|date }}–{{ p.end|date }}, avustus "
            "{{ p.amount_per_year|money }} vuodessa{% if p.years > 1 %}, sopimuskaudella yhteensä {{ p.total|money }}"
            "{% endif %}.{% if p.commitments %} Sitoumukset: {{ p.commitments }}{% endif %}{% if p.metrics %} "
            "Mittarit: {{ p.metrics }}{% endif %}")
    para(doc, "Ensimmäisen sopimusvuoden jälkeisten vuosien avustukset edellyttävät, että niihin varataan määräraha "
              "kunkin vuoden talousarviossa. Hyvinvointialue ja järjestö allekirjoittavat kumppanuussopimuksen, jossa "
              "sovitaan molempien osapuolten sitoumuksista ja mittareista.")
    tag(doc, "endif")
    tag(doc, "if other_partnerships")
    para(doc, "Tiedoksi: {{ small_partnership_decider|lower }} päättää erikseen seuraavista kumppanuussopimuksista, "
              "jotka eivät sisälly tähän päätökseen:")
    bullets(doc, "for p in other_partnerships",
            "{{ p.applicant }}: sopimuskausi {{ p.start|date }}–{{ p.end|date }}, avustus "
            "{{ p.amount_per_year|money }} vuodessa{% if p.years > 1 %}, sopimuskaudella yhteensä {{ p.total|money }}"
            "{% endif %}.")
    tag(doc, "endif")
    tag(doc, "else")
    para(doc, "Kumppanuussopimuksia ei esitetä tässä yhteydessä.")
    tag(doc, "endif")

    heading(doc, "Hankeavustukset", 3)
    tag(doc, "if projects")
    para(doc, "Hankeavustuksilla hyvinvointialue osallistuu alueellista, kansallista tai EU-rahoitusta saavien "
              "hankkeiden rahoittamiseen. Maksatusten ehtona on myönteinen rahoituspäätös.")
    bullets(doc, "for p in projects",
            "{{ p.applicant }}, {{ p.project }}: rahoittaja {{ p.funder }}, hankekausi {{ p.start|date }}–"
            "{{ p.end|date }}, avustus {{ p.amount|money }}.{% if p.condition %} {{ p.condition }}{% endif %}")
    tag(doc, "else")
    para(doc, "Hankeavustuksia ei esitetä tässä yhteydessä.")
    tag(doc, "endif")

    heading(doc, "Esteellisyys", 3)
    tag(doc, "if conflicts")
    para(doc, "Hallintolain 28 §:n mukaan esteellinen ei saa osallistua asian käsittelyyn. Seuraavat henkilöt ovat "
              "esteellisiä käsittelemään mainittuja hakemuksia:")
    bullets(doc, "for c in conflicts",
            "{{ c.person }} ({{ c.role }}): {{ c.applicant }}, hakemus {{ c.application_id }} – {{ c.position }}"
            "{% if c.organisation and c.organisation != c.applicant %}, {{ c.organisation }}{% endif %}")
    tag(doc, "else")
    para(doc, "Päätöksentekijöiden sidonnaisuusrekisterin mukaan kukaan ei ole esteellinen käsittelemään hakemuksia.")
    tag(doc, "endif")

    heading(doc, "Päätösehdotus", 2)
    rich(doc, ("Esittelijä: ", True), ("{{ presenter.title }} {{ presenter.name }}", False))
    # The numbered resolution: the same items as in paatosesitys.html.
    tag(doc, 'set items = ["myöntää järjestöille toiminta-avustuksia vuodelle " ~ year ~ " liitteen 1 mukaisesti '
             'yhteensä " ~ granted_sum|number ~ " euroa"]')
    tag(doc, 'set items = items + (["hylätä liitteessä 1 mainitut hakemukset niissä esitetyin perustein"] '
             "if refusals else [])")
    tag(doc, 'set items = items + (["hylätä liitteessä 1 mainitut täydennystä odottavat hakemukset niissä esitetyin '
             'perustein, jos täydennystä ei saada määräaikaan mennessä"] if conditional_refusals else [])')
    tag(doc, 'set items = items + ["että avustuksiin sovelletaan liitteen 2 avustusehtoja"]')
    tag(doc, 'set items = items + ([("hyväksyä selostuksessa mainitun kumppanuussopimuksen, jonka avustus on " '
             'if board_partnerships|length == 1 else "hyväksyä selostuksessa mainitut " ~ board_partnerships|length ~ '
             '" kumppanuussopimusta, joiden avustukset ovat yhteensä ") ~ '
             'board_partnerships|sum(attribute="amount_per_year")|number ~ " euroa vuodessa"] '
             "if board_partnerships else [])")
    tag(doc, 'set items = items + (["myöntää selostuksessa mainitut hankeavustukset yhteensä " ~ '
             'projects|sum(attribute="amount")|number ~ " euroa niissä mainituin ehdoin"] if projects else [])')
    tag(doc, "set items = items + extra_resolutions")
    para(doc, "{{ body }} päättää").paragraph_format.keep_with_next = True
    numbered(doc, "for item in items", '{{ loop.index }}. {{ item }}{{ "." if loop.last else "," }}')

    heading(doc, "Liitteet", 2)
    para(doc, "Liite 1 Järjestöavustukset vuodelle {{ year }}: avustusesitys").paragraph_format.space_after = Pt(0)
    para(doc, "Liite 2 Avustusehdot")
    heading(doc, "Tiedoksi", 2)
    para(doc, '{{ recipients|join(", ") }}')
    heading(doc, "Muutoksenhaku", 2)
    review_instructions(doc)
    return doc


def annex_head(doc, label: str) -> None:
    page_frame(doc, label, "meeting_date")
    plain_table(
        doc,
        [["{{ county }}", label],
         ["{{ body }}{% if meeting_date %} {{ meeting_date|date }}{% endif %}", "{{ diary_number }}"]],
        [10.7, 6.0] if label == "Liite 2" else [18.0, 8.7],  # the diary number on one line
        right_cols={1},
    )


def liite1():
    doc = new_document("Liite 1: avustusesitys", landscape=True)
    annex_head(doc, "Liite 1")
    heading(doc, "Järjestöavustukset vuodelle {{ year }}: avustusesitys", 1)
    rich_if(doc, "draft", ("LUONNOS", True), (", valmisteltu {{ draft.prepared|date }}.", False))
    para_if(doc, "methods", "Haettua pienemmät avustukset on mitoitettu seuraavasti. {% for m in methods %}{{ m }} "
                            "{% endfor %}Hakemuskohtainen laskelma on sarakkeessa ”Ehdot ja perustelut”.")
    t = grid_table(doc, ["Hakija", "Y-tunnus", "Kotikunta", "Käyttötarkoitus", "Haettu", "Esitys", "Ehdot ja perustelut"],
                   [4.8, 2.2, 2.4, 4.8, 2.3, 2.3, 7.9], right={4, 5})
    tr_tag(t, "for g in groups")
    add_row(t, ["{{ g.name }}"], bold=True, merge=True)
    tr_tag(t, "for r in g.rows")
    add_row(t, ["{{ r.applicant }}", "{{ r.business_id }}", "{{ r.municipality }}", "{{ r.purpose }}",
                "{{ r.requested|money }}", "{{ r.proposed|money }}",
                "{{ r.conditions }}{% if r.conditions and (r.reason or r.computation) %} {% endif %}"
                "{% if r.computation %}Laskelma: {{ r.computation }}{% elif r.reason %}Perustelu: {{ r.reason }}{% endif %}"],
            right={4, 5})
    tr_tag(t, "endfor")
    # the label spans the four text columns, as in liite1.html
    add_row(t, ["Yhteensä: {{ g.name }}", "{{ g.requested|money }}", "{{ g.proposed|money }}", ""],
            bold=True, right={4, 5}, span=4)
    tr_tag(t, "endfor")
    add_row(t, ["Kaikki yhteensä", "{{ total_requested|money }}", "{{ total_proposed|money }}", ""],
            bold=True, right={4, 5}, span=4)
    finish_table(t)
    para_if(doc, "separately",
            "{{ separately.decider }} päättää erikseen kumppanuussopimuksista, joiden avustus on enintään "
            "{{ partnership_threshold|money }} vuodessa ({{ separately.count|number }} hakemusta); ne eivät sisälly "
            "tähän liitteeseen.", size=9)
    para_if(doc, "pending_count",
            "Käsittely on kesken {{ pending_count|number }} hakemuksella; ne eivät sisälly tähän liitteeseen.", size=9)
    para(doc)
    para(doc, "Sarake ”Ehdot ja perustelut” kertoo jokaisen hylättäväksi esitetyn hakemuksen ja haettua pienemmän "
              "avustuksen perusteet avustusohjeen mukaan.", size=9)
    return doc


def avustusehdot():
    doc = new_document("Liite 2: avustusehdot")
    annex_head(doc, "Liite 2")
    heading(doc, "Järjestöjen toiminta-avustusten ehdot vuodelle {{ year }}", 1)
    heading(doc, "1. Käyttötarkoitus", 2)
    para(doc, "Avustus on käytettävä ainoastaan siihen toimintaan, johon se on myönnetty, avustuspäätöksessä "
              "mainituin ehdoin. Jos avustus on päätöksessä kohdennettu toimintasuunnitelman tiettyihin osiin tai "
              "joitakin osia on rajattu sen ulkopuolelle, avustusta saa käyttää vain kohdennettuun toimintaan.")
    heading(doc, "2. Käyttöaika", 2)
    para(doc, "Avustus on käytettävä vuoden {{ year }} aikana, ellei päätöksessä toisin mainita. Käyttämättä jäänyt "
              "avustus on palautettava hyvinvointialueelle.")
    heading(doc, "3. Käyttöselvitys", 2)
    para(doc, "Avustuksen käytöstä ja kohdentumisesta on raportoitava hyvinvointialueelle ennen seuraavan "
              "toiminta-avustuksen maksatusta ja viimeistään {{ report_due|date }}. Käyttöselvitykseen liitetään:")
    report_documents(doc)
    para(doc, "Käyttöselvitys toimitetaan osoitteeseen {{ office.email }} tai {{ office.postal_address }}.")
    heading(doc, "4. Maksaminen", 2)
    para(doc, "Avustus maksetaan, kun avustuspäätös on lainvoimainen, ellei päätöksessä toisin mainita. Avustusta "
              "ei makseta ennen kuin avustuksen saajan aiemmin saamien avustusten käyttöselvitykset on toimitettu. "
              "Hankeavustuksen maksamisen ehtona on hankkeen myönteinen rahoituspäätös.")
    heading(doc, "5. Kirjanpito ja tarkastusoikeus", 2)
    para(doc, "Avustuksen saajan on eriytettävä yleishyödyllinen toiminta kirjanpidossaan mahdollisesta "
              "palvelutuotannosta tai muusta taloudellisesta toiminnasta. Hyvinvointialueella on oikeus tarkastaa "
              "avustuksen saajan kirjanpito ja hallinto avustuksen käytön selvittämiseksi.")
    heading(doc, "6. Muutokset", 2)
    para(doc, "Avustuksen saajan on ilmoitettava viipymättä kirjallisesti hyvinvointialueelle, jos toiminta "
              "muuttuu olennaisesti, jää toteutumatta tai avustuksen saajan yhteystiedot muuttuvat.")
    heading(doc, "7. Takaisinperintä", 2)
    para(doc, "Hyvinvointialue voi periä avustuksen kokonaan tai osittain takaisin, jos avustusta on käytetty "
              "muuhun kuin myönnettyyn tarkoitukseen tai ehtojen vastaisesti, käyttöselvitystä ei ole toimitettu "
              "tai avustusta haettaessa on annettu virheellisiä tai puutteellisia tietoja.")
    heading(doc, "8. Yhteishakemukset", 2)
    para(doc, "Yhteishakemuksessa avustus maksetaan päävastuulliselle hakijalle, joka vastaa myös avustuksen "
              "käytön raportoinnista.")
    return doc


def strategiajohtajan_paatos():
    doc = new_document("Viranhaltijapäätös: kumppanuussopimukset")
    page_frame(doc, "Viranhaltijapäätös § {{ section }}", "decision_date", body="{{ small_partnership_decider }}")
    plain_table(doc, [["{{ county }}", "Viranhaltijapäätös", "{{ decision_date|date }}", "§ {{ section }}"],
                      ["{{ small_partnership_decider }}", "{{ diary_number }}", "", ""]],
                [5.0, 5.7, 3.0, 3.0], right_cols={2, 3})
    heading(doc, "{{ title }}", 1)
    rich_if(doc, "not final", ("LUONNOS", True), ("{% if prepared %}, valmisteltu {{ prepared|date }}{% endif %}. "
                                                  "{{ decider.title|capitalize }} {{ decider.name }} päivää ja "
                                                  "allekirjoittaa päätöksen.", False))
    rich(doc, ("Päättäjä: ", True), ("{{ decider.title }} {{ decider.name }}", False))
    rich(doc, ("Valmistelija: ", True), (person("preparer"), False))
    heading(doc, "Asian kuvaus", 2)
    para(doc, "Kumppanuussopimuksilla rakennetaan pitkäkestoista yhteistyötä hyvinvointialueen ja keskeisten "
              "järjestökumppaneiden kanssa. Sopimukset laaditaan enintään neljän vuoden pituisina, ja niihin "
              "neuvotellaan molempien osapuolten sitoumukset sekä mittarit, joilla sopimuksen vaikuttavuutta "
              "seurataan. Kumppanuussopimuksessa sovittava avustus ei voi olla järjestön ainoa rahoituslähde.")
    para(doc, "Asiakirjan {{ guideline }} mukaan {{ body|lower }} päättää taloudellisesti merkittävistä, yli "
              "{{ partnership_threshold|money }} vuodessa olevista kumppanuussopimuksista. Pienemmistä "
              "kumppanuussopimuksista päättää {{ small_partnership_decider|lower }}.")
    tag(doc, "if agreements")
    heading(doc, '{{ "Hyväksytyt" if final else "Hyväksyttäviksi esitetyt" }} kumppanuussopimukset', 2)
    t = grid_table(doc, ["Järjestö", "Y-tunnus", "Kotikunta", "Sopimuksen sisältö", "Sopimuskausi", "€ / vuosi"],
                   [3.4, 2.2, 2.4, 3.7, 2.8, 2.2], right={5})
    tr_tag(t, "for a in agreements")
    add_row(t, ["{{ a.applicant }}", "{{ a.business_id }}", "{{ a.municipality }}", "{{ a.purpose }}",
                "{{ a.start|date }}–{{ a.end|date }}", "{{ a.amount_per_year|money }}"], right={5})
    tr_tag(t, "endfor")
    add_row(t, ["Yhteensä vuodessa", '{{ agreements|sum(attribute="amount_per_year")|money }}'],
            bold=True, right={5}, span=5)
    finish_table(t)
    tag(doc, "for a in agreements")
    heading(doc, "{{ a.applicant }}", 3)
    rich(doc, ("Sitoumukset: ", True), ("{{ a.commitments }}", False)).paragraph_format.space_after = Pt(0)
    rich(doc, ("Mittarit: ", True), ("{{ a.metrics }}", False))
    tag(doc, "endfor")
    tag(doc, "endif")
    tag(doc, "if refusals")
    heading(doc, '{{ "Hylätyt" if final else "Hylättäviksi esitetyt" }} kumppanuussopimushakemukset', 2)
    t = grid_table(doc, ["Järjestö", "Y-tunnus", "Kotikunta", "Sopimuksen sisältö", "Haettu € / vuosi", "Perustelu"],
                   [3.4, 2.2, 2.4, 2.6, 2.0, 4.1], right={4})
    tr_tag(t, "for r in refusals")
    add_row(t, ["{{ r.applicant }}", "{{ r.business_id }}", "{{ r.municipality }}", "{{ r.purpose }}",
                "{{ r.requested|money }}", "{{ r.reason }}"],
            right={4})
    tr_tag(t, "endfor")
    finish_table(t)
    tag(doc, "endif")
    heading(doc, "Päätös", 2)
    tag(doc, "if agreements")
    para(doc, "Hyväksyn edellä mainitut kumppanuussopimukset ja niihin perustuvat avustukset yhteensä "
              '{{ agreements|sum(attribute="amount_per_year")|money }} vuodessa. Avustuksiin sovelletaan '
              "hyvinvointialueen avustusehtoja. Avustuksen käytöstä on raportoitava vuosittain, ensimmäisen kerran "
              "viimeistään {{ report_due|date }}; käyttöselvitykseen liitetään:")
    report_documents(doc)
    granted_end = para(doc, "Avustus maksetaan, kun päätös on lainvoimainen ja aiempien avustusten käyttöselvitykset on "
                            "toimitettu. Hyvinvointialueella on oikeus tarkastaa avustuksen saajan kirjanpito ja hallinto, ja "
                            "ehtojen vastaisesti käytetty avustus voidaan periä takaisin.")
    tag(doc, "endif")
    tag(doc, "if refusals")
    refused_end = para(doc, "Hylkään edellä mainitut kumppanuussopimushakemukset niissä esitetyin perustein.")
    tag(doc, "endif")
    # the decision's last paragraph and the signature stay on one page
    keep_together(granted_end, refused_end, para(doc), para(doc, "{{ decider.title|capitalize }} {{ decider.name }}"))
    contact(doc)
    heading(doc, "Tiedoksi", 2)
    para(doc, '{{ (agreements + refusals)|map(attribute="applicant")|join(", ") }}')
    review_instructions(doc)
    return doc


def taydennyspyynto():
    doc = new_letter("Täydennyspyyntö", "TÄYDENNYSPYYNTÖ")
    heading(doc, "Täydennyspyyntö: {{ application.form|lower }}hakemus vuodelle {{ year }}", 1)
    para(doc, "Hakemus {{ application.id }}{% if application.activity_name %}, {{ application.activity_name }}"
              "{% endif %}, saapunut {{ application.received|datetime }}, haettu {{ application.requested|money }}.")
    para(doc, "Hakemuksenne käsittelyä varten tarvitsemme seuraavat tiedot tai liitteet:")
    numbered(doc, "for item in items", "{{ loop.index }}. {{ item.text }}")
    rich(doc, ("Pyydämme toimittamaan täydennyksen viimeistään ", False), ("{{ due|date }}", True),
         (" osoitteeseen {{ reply_to }}. Mainitkaa viestissä hakemuksen tunnus {{ application.id }} ja asiakirjan "
          "diaarinumero {{ diary_number }}.", False))
    para(doc, "Jos täydennystä ei saavu määräaikaan mennessä, hakemus ratkaistaan käytettävissä olevien tietojen "
              "perusteella. Puutteellinen hakemus voidaan tällöin hylätä.")
    contact(doc)
    return doc


# The decision letter's list of the grant terms: the same terms as avustusehdot (annex 2) and paatoskirje.html.
LETTER_TERMS = (
    "Avustus on käytettävä ainoastaan siihen toimintaan, johon se on myönnetty, tämän päätöksen ehdoin. Jos "
    "avustus on kohdennettu toimintasuunnitelman tiettyihin osiin tai osia on rajattu sen ulkopuolelle, avustusta "
    "saa käyttää vain kohdennettuun toimintaan.",
    "Avustus on käytettävä käyttöaikana {{ period_start|date }}–{{ period_end|date }}. Käyttämättä jäänyt avustus "
    "on palautettava hyvinvointialueelle.",
    "Avustuksen käytöstä on toimitettava käyttöselvitys {% if annual_reports %}jokaisesta käyttöajan vuodesta "
    "kuuden kuukauden kuluessa vuoden päättymisestä, ensimmäinen {% endif %}viimeistään {{ report_due|date }}. "
    'Käyttöselvitykseen liitetään: {{ report_documents|join("; ") }}.',
    "Avustus maksetaan, kun päätös on lainvoimainen ja avustuksen saajan aiempien avustusten käyttöselvitykset "
    "on toimitettu.{% if payment_plan %} {{ payment_plan }}{% endif %}{% if payment_held %} Avustuksen maksatus "
    "on pidätetty: {{ payment_held }}{% endif %}",
    "Avustuksen saajan on eriytettävä yleishyödyllinen toiminta kirjanpidossaan palvelutuotannosta ja muusta "
    "taloudellisesta toiminnasta. Hyvinvointialueella on oikeus tarkastaa avustuksen saajan kirjanpito ja hallinto.",
    "Toiminnan olennaisista muutoksista ja yhteystietojen muutoksista on ilmoitettava viipymättä kirjallisesti "
    "osoitteeseen {{ office.email }}.",
    "Hyvinvointialue voi periä avustuksen kokonaan tai osittain takaisin, jos sitä on käytetty muuhun kuin "
    "myönnettyyn tarkoitukseen tai ehtojen vastaisesti, käyttöselvitystä ei ole toimitettu tai avustusta haettaessa "
    "on annettu virheellisiä tai puutteellisia tietoja.",
)


def paatoskirje():
    doc = new_letter("Päätös", "PÄÄTÖS")
    heading(doc, "{{ application.form }} {% if multi_year %}vuosille {{ multi_year.first }}–{{ multi_year.last }}{% else %}vuodelle {{ year }}{% endif %}", 1)
    decision_maker(doc)
    heading(doc, "Asia", 2)
    para(doc, "{{ applicant.name }} on hakenut {{ application.form|lower }}ta {% if multi_year %}vuosille "
              "{{ multi_year.first }}–{{ multi_year.last }}{% else %}vuodelle {{ year }}{% endif %}"
              "{% if application.activity_name %} toimintaan ”{{ application.activity_name }}”{% endif %} hakemuksella "
              "{{ application.id }}{% if application.received %}, joka saapui {{ application.received|datetime }}{% endif %}."
              "{% if application.requested is not none %} Haettu määrä on {{ application.requested|money }}."
              "{% endif %}")
    para_if(doc, "amends",
            "Tämä päätös muuttaa aiempaa päätöstä ({{ amends.body }} {{ amends.decision_date|date }} § "
            "{{ amends.section }}), jolla avustusta myönnettiin {{ amends.old_amount|money2 }}. Avustuksen määrä ja "
            "perustelut ovat tämän päätöksen mukaiset.")
    heading(doc, "Päätös", 2)
    tag(doc, 'if outcome == "refused"')
    para(doc, "{{ body }} on hylännyt hakemuksen.", bold=True)
    tag(doc, 'elif outcome == "reduced"')
    rich(doc, ("{{ body }} on myöntänyt avustusta ", False), ("{{ granted|money }}{% if per_year %} vuodessa{% endif %}", True),
         (" haetusta {{ application.requested|money }}{% if per_year %} vuodessa{% endif %}.", False))
    tag(doc, "else")
    rich(doc, ("{{ body }} on myöntänyt avustusta ", False), ("{{ granted|money }}{% if per_year %} vuodessa{% endif %}", True),
         (".", False))
    tag(doc, "endif")
    tag(doc, 'if outcome != "refused"')
    para(doc, "Avustuksen käyttöaika on {{ period_start|date }}–{{ period_end|date }}.")
    tag(doc, "if multi_year and multi_year.agreement")
    para(doc, "Avustus on {{ multi_year.per_year|money }} vuodessa sopimuskaudella {{ multi_year.start|date }}–"
              "{{ multi_year.end|date }}, eli sopimuskauden {{ multi_year.years|number }} vuoden aikana yhteensä "
              "{{ multi_year.total|money }}. Vuoden {{ multi_year.first }} jälkeisten vuosien avustukset edellyttävät, "
              "että niihin varataan määräraha hyvinvointialueen kunkin vuoden talousarviossa. Hyvinvointialue ja "
              "avustuksen saaja allekirjoittavat kumppanuussopimuksen, jossa sovitaan molempien osapuolten "
              "sitoumuksista ja mittareista, ja avustus maksetaan vasta, kun sopimus on allekirjoitettu.")
    tag(doc, "elif multi_year")
    para(doc, "Avustus {{ multi_year.total|money }} on koko hankekaudelle {{ multi_year.start|date }}–"
              "{{ multi_year.end|date }}.")
    tag(doc, "endif")
    rich_if(doc, "multi_year and multi_year.commitments",
            ("Sitoumukset: ", True), ("{{ multi_year.commitments }}", False))
    rich_if(doc, "multi_year and multi_year.metrics", ("Mittarit: ", True), ("{{ multi_year.metrics }}", False))
    tag(doc, "if conditions")
    para(doc, "Avustukseen liittyvät ehdot:")
    bullets(doc, "for c in conditions", "{{ c }}")
    tag(doc, "endif")
    tag(doc, "endif")
    heading(doc, "Perustelut", 2)
    tag(doc, "if reasons")
    bullets(doc, "for r in reasons", "{{ r.text }}")
    tag(doc, 'elif outcome == "granted"')
    para(doc, "Hakemus täyttää avustusohjeen ehdot, ja avustus voitiin myöntää haetun suuruisena.")
    tag(doc, "endif")
    para(doc, "Päätös perustuu asiakirjaan {{ guideline }} sekä hyvinvointialueen talousarvioon vuodelle {{ year }}.")
    tag(doc, 'if outcome != "refused"')
    heading(doc, "Avustusehdot", 2)
    para(doc, "Avustukseen sovelletaan päätöksen liitteenä olevia avustusehtoja (liite 2). Keskeiset ehdot ovat "
              "seuraavat:")
    for text in LETTER_TERMS:
        para(doc, text, style="List Bullet")
    heading(doc, "Liitteet", 2)
    para(doc, "Liite 2 Avustusehdot")
    tag(doc, "endif")
    contact(doc)
    review_instructions(doc)
    return doc


def muistutus():
    doc = new_letter("Muistutus", '{{ "MUISTUTUS" if level == 1 else "TOINEN MUISTUTUS" }}')
    heading(doc, '{{ "Muistutus" if level == 1 else "Toinen muistutus" }}: avustuksen käyttöselvitys puuttuu', 1)
    para(doc, "{{ grant.decision_body }} on {{ grant.decision_date|date }} § {{ grant.section }} myöntänyt teille "
              "{{ grant.amount|money }} {{ grant.form|lower }}ta vuodelle {{ grant.year }} (avustus {{ grant.id }}).")
    para(doc, "Avustuksen käytöstä olisi pitänyt toimittaa käyttöselvitys viimeistään {{ report_due|date }}. "
              "Käyttöselvitystä ei ole saapunut hyvinvointialueelle.")
    rich(doc, ("Pyydämme toimittamaan käyttöselvityksen viimeistään ", False), ("{{ new_due|date }}", True),
         (" osoitteeseen {{ office.email }} tai {{ office.postal_address }}. Käyttöselvitykseen liitetään:", False))
    report_documents(doc)
    tag(doc, "if level == 1")
    para(doc, "Jos käyttöselvitystä ei toimiteta, seuraavan avustuksen maksatus pidätetään, kunnes selvitys on "
              "saapunut, ja avustus, jonka käytöstä ei ole annettu selvitystä, voidaan periä takaisin.")
    tag(doc, "else")
    rich(doc, ("Avustusten maksatus on pidätetty. ", True),
         ("Teille myönnettyjä avustuksia ei makseta ennen kuin käyttöselvitys on saapunut. Jos selvitystä ei "
          "toimiteta edellä mainittuun päivään mennessä, hyvinvointialue voi periä avustuksen takaisin.", False))
    tag(doc, "endif")
    para(doc, "Jos olette jo toimittaneet käyttöselvityksen, tämä muistutus on aiheeton.")
    contact(doc)
    return doc


def _grant_sentence(doc, tail: str = "") -> None:
    para(doc, "{{ grant.decision_body }} on {{ grant.decision_date|date }} § {{ grant.section }} myöntänyt teille "
              "{{ grant.granted }} (avustus {{ grant.id }})." + tail)


def kayttoselvitys_hyvaksynta():
    doc = new_letter("Käyttöselvityksen hyväksyminen", "ILMOITUS")
    heading(doc, "Käyttöselvityksen hyväksyminen: avustus {{ grant.id }}, vuosi {{ report.year }}", 1)
    _grant_sentence(doc, " Vuodelle {{ report.year }} avustusta on maksettu {{ paid|money2 }}.")
    para(doc, "Käyttöselvityksenne vuodelta {{ report.year }} saapui {{ report.received|date }}. Sen mukaan avustusta "
              "on käytetty {{ report.used|money2 }}{% if report.unused %} ja käyttämättä on jäänyt "
              '{{ report.unused|money2 }}{% endif %}. Käyttöselvityksen liitteinä on toimitettu {% for a in attachments %}{{ a }}{% if not loop.last %}{{ " ja " if loop.revindex == 2 else ", " }}{% endif %}{% endfor %}.')
    para_if(doc, "metrics", "Kumppanuussopimuksen mittareiden seuranta vuodelta {{ report.year }}: {{ metrics }}")
    para(doc, "Hyvinvointialue on tarkastanut käyttöselvityksen ja hyväksyy sen.{% if not report.unused %} Avustus on "
              "käytetty siihen tarkoitukseen, johon se on myönnetty.{% endif %}")
    rich_if(doc, "report.unused",
            ("Avustuksesta on jäänyt käyttämättä {{ report.unused|money2 }}. ", True),
       ("Avustuksen saajan on palautettava käyttämättä jäänyt avustus hyvinvointialueelle. Jos palautatte sen "
        "vapaaehtoisesti, ilmoittakaa siitä osoitteeseen {{ office.email }}; muussa tapauksessa käyttämättä jääneen "
        "avustuksen takaisinperinnästä tehdään erillinen päätös, ja ennen sitä teitä kuullaan.", False))
    para(doc, "Hyvinvointialueella on edelleen oikeus tarkastaa avustuksen käyttö ja avustuksen saajan kirjanpito.")
    contact(doc)
    return doc


def kayttoselvitys_taydennys():
    doc = new_letter("Käyttöselvityksen täydennyspyyntö", "TÄYDENNYSPYYNTÖ")
    heading(doc, "Käyttöselvityksen täydennyspyyntö: avustus {{ grant.id }}, vuosi {{ report.year }}", 1)
    _grant_sentence(doc, " Käyttöselvityksenne vuodelta {{ report.year }} saapui {{ report.received|date }}.")
    para(doc, "Käyttöselvityksen käsittelyä varten tarvitsemme seuraavat tiedot tai liitteet:")
    numbered(doc, "for item in items", "{{ loop.index }}. {{ item }}")
    rich(doc, ("Pyydämme toimittamaan täydennyksen viimeistään ", False), ("{{ due|date }}", True),
         (" osoitteeseen {{ reply_to }}. Mainitkaa viestissä avustuksen tunnus {{ grant.id }}.", False))
    para(doc, "Niin kauan kuin käyttöselvitys on puutteellinen, teille myönnettyjen avustusten maksatus on pidätetty. "
              "Avustus, jonka käytöstä ei ole annettu hyväksyttävää selvitystä, voidaan periä takaisin.")
    contact(doc)
    return doc


RECLAIM_TERMS = (
    "Avustusehtojen mukaan avustuksen saajan on palautettava avustus, jota ei ole käytetty myönnettyyn tarkoitukseen, "
    "ja ehtojen vastaisesti käytetty avustus tai avustus, jonka käytöstä ei ole annettu hyväksyttävää selvitystä, "
    "voidaan periä takaisin."
)


def kuuleminen():
    doc = new_letter("Kuuleminen: avustuksen takaisinperintä", "KUULEMINEN")
    heading(doc, "Kuuleminen: avustuksen {{ grant.id }} takaisinperintä", 1)
    _grant_sentence(doc, " Avustusta on maksettu teille {{ paid|money2 }}.")
    heading(doc, "Mitä esitetään", 2)
    rich(doc, ("Hyvinvointialue harkitsee avustuksen takaisinperintää. Esitämme, että teiltä peritään takaisin ", False),
         ("{{ proposed|money2 }}", True),
         ("{% if proposed < paid %} maksetusta avustuksesta {{ paid|money2 }}{% else %}, eli koko maksettu avustus"
          "{% endif %}. Takaisinperinnästä päättää {{ decider }}.", False))
    heading(doc, "Perusteet", 2)
    para(doc, "{{ grounds }}")
    bullets(doc, "for f in facts", "{{ f }}")
    para(doc, RECLAIM_TERMS)
    heading(doc, "Mahdollisuus antaa selitys", 2)
    rich(doc, ("Ennen asian ratkaisemista varaamme teille hallintolain 34 §:n mukaisesti tilaisuuden lausua "
               "mielipiteenne asiasta sekä antaa selityksenne vaatimuksista ja selvityksistä, jotka saattavat vaikuttaa "
               "asian ratkaisuun. Pyydämme toimittamaan kirjallisen vastineen viimeistään ", False),
         ("{{ answer_due|date }}", True),
         (" osoitteeseen {{ reply_to }}. Mainitkaa vastineessa avustuksen tunnus {{ grant.id }}.", False))
    para(doc, "Jos vastinetta ei saavu määräaikaan mennessä, asia ratkaistaan käytettävissä olevien tietojen "
              "perusteella. Jos palautatte esitetyn määrän vapaaehtoisesti ennen asian ratkaisemista, ilmoittakaa siitä "
              "samaan osoitteeseen.")
    para(doc, "Tämä kirje ei ole päätös, eikä siihen voi hakea muutosta. Takaisinperintäpäätökseen liitetään "
              "oikaisuvaatimusohje.")
    contact(doc)
    return doc


def takaisinperinta():
    doc = new_letter("Päätös: avustuksen takaisinperintä", "PÄÄTÖS")
    heading(doc, "Avustuksen {{ grant.id }} takaisinperintä", 1)
    decision_maker(doc)
    heading(doc, "Asia", 2)
    _grant_sentence(doc, " Avustusta on maksettu teille {{ paid|money2 }}.")
    para(doc, "Hyvinvointialue on {{ hearing.date|date }} päivätyllä kirjeellä varannut teille tilaisuuden antaa "
              "selityksenne esitetystä takaisinperinnästä {{ hearing.answer_due|date }} mennessä. {% if hearing.answered %}"
              "Vastineenne saapui {{ hearing.answered|date }}, ja se on otettu huomioon päätöstä tehtäessä.{% else %}"
              "Vastinetta ei saapunut määräaikaan mennessä.{% endif %}")
    heading(doc, "Päätös", 2)
    rich(doc, ("{{ body }} on päättänyt periä avustuksesta takaisin {{ amount|money2 }}.", True),
         (" Määrä on maksettava viimeistään ", False), ("{{ due|date }}", True),
         (". Hyvinvointialueen talouspalvelut lähettää palautettavasta määrästä laskun, jossa on maksutiedot.", False))
    para(doc, "{{ interest_terms }}")
    heading(doc, "Perustelut", 2)
    para(doc, "{{ grounds }}")
    bullets(doc, "for r in reasons", "{{ r }}")
    para(doc, RECLAIM_TERMS + " Päätös perustuu asiakirjaan {{ guideline }}.")
    contact(doc)
    review_instructions(doc)
    return doc


def sopimus():
    doc = new_document("Kumppanuussopimus")
    letter_head(doc, "KUMPPANUUSSOPIMUS", "letter_date")
    heading(doc, "Kumppanuussopimus {{ agreement.start|date }}–{{ agreement.end|date }}", 1)
    heading(doc, "1. Sopijapuolet", 2)
    rich(doc, ("{{ county }}", True), (", {{ office.postal_address }} (jäljempänä hyvinvointialue)", False))
    rich(doc, ("{{ organisation.name }}", True),
         ("{% if organisation.business_id %}, Y-tunnus {{ organisation.business_id }}{% endif %}"
          '{% if organisation.address %}, {{ organisation.address|join(", ") }}{% endif %} (jäljempänä järjestö)', False))
    heading(doc, "2. Sopimuksen tausta ja tarkoitus", 2)
    para(doc, "{{ decision.maker }} on {{ decision.date|date }} § {{ decision.section }} päättänyt kumppanuussopimuksesta "
              "järjestön kanssa ja myöntänyt siihen perustuvan avustuksen (hakemus {{ agreement.id }}"
              "{% if agreement.activity %}, {{ agreement.activity }}{% endif %}). Kumppanuussopimuksella rakennetaan "
              "pitkäkestoista yhteistyötä hyvinvointialueen ja järjestön välille. Sopimukseen sovelletaan asiakirjaa "
              "{{ guideline }} ja hyvinvointialueen avustusehtoja.")
    heading(doc, "3. Sopimuskausi", 2)
    para(doc, "Sopimus on voimassa {{ agreement.start|date }}–{{ agreement.end|date }}.")
    heading(doc, "4. Avustus ja sen maksaminen", 2)
    para(doc, "Hyvinvointialue maksaa järjestölle avustusta {{ agreement.per_year|money }} kutakin sopimusvuotta "
              "kohden, sopimuskaudella yhteensä enintään {{ agreement.total|money }}. Avustus maksetaan sopimusvuosittain:")
    t = grid_table(doc, ["Erä", "Sopimusvuosi", "Avustus", "Maksetaan"], [1.2, 3.2, 2.8, 9.4], right={2})
    tr_tag(t, "for i in instalments")
    add_row(t, ["{{ i.number }}", "{{ i.year }}", "{{ i.amount|money }}",
                "{% if i.due %}aikaisintaan {{ i.due|date }}; {% endif %}{{ i.condition }}"], right={2})
    tr_tag(t, "endfor")
    finish_table(t)
    para(doc)
    para(doc, "Myöhempien sopimusvuosien avustus edellyttää, että hyvinvointialueen talousarviossa on kyseiselle vuodelle "
              "varattu määräraha. Avustus maksetaan vasta, kun edellisten avustusten käyttöselvitykset on toimitettu.")
    heading(doc, "5. Järjestön sitoumukset", 2)
    para(doc, "{{ commitments.organisation }}")
    heading(doc, "6. Hyvinvointialueen sitoumukset", 2)
    para(doc, "{% if commitments.county %}{{ commitments.county }}{% else %}Hyvinvointialue nimeää sopimukselle "
              "yhteyshenkilön, ja yhteistyön muodoista sovitaan tarkemmin sopimuskauden aikana.{% endif %}")
    heading(doc, "7. Mittarit ja vuosittainen seuranta", 2)
    tag(doc, "if metrics")
    para(doc, "Sopimuksen vaikuttavuutta seurataan seuraavilla mittareilla:")
    bullets(doc, "for m in metrics", "{{ m }}")
    tag(doc, "endif")
    para(doc, "Järjestö antaa kustakin sopimusvuodesta käyttöselvityksen viimeistään {{ report_months }} kuukauden "
              "kuluttua vuoden päättymisestä, ensimmäisen kerran viimeistään {{ report_due|date }}. Käyttöselvityksessä "
              "raportoidaan mittareiden toteutuminen vuoden aikana. Käyttöselvitykseen liitetään:")
    report_documents(doc)
    heading(doc, "8. Avustuksen käyttö, valvonta ja takaisinperintä", 2)
    para(doc, "Avustus on käytettävä sopimuksen mukaiseen toimintaan. Hyvinvointialueella on oikeus tarkastaa järjestön "
              "kirjanpito ja hallinto avustuksen käytön osalta. Käyttämättä jäänyt avustus on palautettava, ja ehtojen "
              "vastaisesti käytetty avustus tai avustus, jonka käytöstä ei ole annettu hyväksyttävää selvitystä, "
              "voidaan periä takaisin. Ennen takaisinperintäpäätöstä järjestöä kuullaan.")
    heading(doc, "9. Sopimuksen muuttaminen ja päättyminen", 2)
    para(doc, "Sopimusta muutetaan kirjallisesti. Hyvinvointialue voi irtisanoa sopimuksen päättymään kuluvan "
              "sopimusvuoden lopussa, jos talousarvioon ei ole varattu määrärahaa, ja purkaa sen, jos järjestö "
              "olennaisesti rikkoo sopimusta tai avustusehtoja. Järjestön on ilmoitettava toimintansa olennaisista "
              "muutoksista viipymättä osoitteeseen {{ office.email }}.")
    heading(doc, "10. Allekirjoitukset", 2)
    # the heading, this sentence and the signatures stay on one page
    para(doc, "Sopimus on laadittu kahtena samasanaisena kappaleena, yksi kummallekin osapuolelle."
         ).paragraph_format.keep_with_next = True
    signatures = plain_table(doc, [["Paikka ja aika ____________________", "Paikka ja aika ____________________"],
                                   ["", ""],
                                   ["______________________________", "______________________________"],
                                   ["{{ county }}", "{{ organisation.name }}"],
                                   ["{{ signer }}", "nimenkirjoitusoikeutettu"]], [8.3, 8.3])
    keep_table_together(signatures)
    heading(doc, "Yhteyshenkilö", 2)
    keep_together(para(doc, person("preparer")))
    return doc


def appeal_instructions(doc) -> None:
    """VALITUSOSOITUS: the same text as valitusosoitus.html."""
    heading(doc, "VALITUSOSOITUS", 2)
    para(doc, "Tähän päätökseen haetaan muutosta hyvinvointialuevalituksella hallinto-oikeudelta. Oikaisuvaatimusta "
              "tähän päätökseen ei voi tehdä.")
    heading(doc, "Valitusoikeus", 3)
    para(doc, "Valituksen saa tehdä se, joka on tehnyt oikaisuvaatimuksen.{% if outcome == \"changed\" %} Koska päätös "
              "muuttui oikaisuvaatimuksen johdosta, valituksen saa tehdä myös se, johon päätös on kohdistettu tai jonka "
              "oikeuteen, velvollisuuteen tai etuun päätös välittömästi vaikuttaa (asianosainen), sekä "
              "hyvinvointialueen jäsen.{% endif %}")
    heading(doc, "Valitusperusteet", 3)
    para(doc, "Valituksen saa tehdä sillä perusteella, että päätös on syntynyt virheellisessä järjestyksessä, päätöksen "
              "tehnyt viranomainen on ylittänyt toimivaltansa tai päätös on muuten lainvastainen.")
    heading(doc, "Valitusviranomainen ja yhteystiedot", 3)
    rich(doc, ("Valitusviranomainen on ", False), ("{{ appeal.court }}", True), (".", False)
         ).paragraph_format.space_after = Pt(0)
    para(doc, "Postiosoite: {{ appeal.address }}").paragraph_format.space_after = Pt(0)
    para(doc, "Sähköposti: {{ appeal.email }}")
    para(doc, "Valituksen voi tehdä myös hallinto- ja erityistuomioistuinten sähköisessä asiointipalvelussa.")
    heading(doc, "Valitusaika", 3)
    para(doc, "Valitus on tehtävä 30 päivän kuluessa päätöksen tiedoksisaannista. Tiedoksisaantipäivää ei lueta "
              "valitusaikaan.")
    para(doc, "Asianosaisen katsotaan saaneen päätöksestä tiedon, jollei muuta näytetä, seitsemäntenä päivänä kirjeen "
              "lähettämisestä tai kolmantena päivänä sähköisen viestin lähettämisestä. Hyvinvointialueen jäsenen "
              "katsotaan saaneen päätöksestä tiedon seitsemän päivän kuluttua siitä, kun pöytäkirja on julkaistu "
              "yleisessä tietoverkossa.")
    tag(doc, "if appeal.last_day")
    rich(
        doc,
        ("Tämä päätös on lähetetty {{ appeal.sent|date }} "
         '{{ "sähköpostilla" if appeal.channel == "email" else "kirjeenä" }}. Päätös katsotaan saaduksi tiedoksi '
         "{{ appeal.served|date }}, ja valitusaika päättyy ", False),
        ("{{ appeal.last_day|date }}", True),
        (".", False),
    )
    tag(doc, "endif")
    para(doc, "Jos valitusajan viimeinen päivä on lauantai, sunnuntai, pyhäpäivä, itsenäisyyspäivä, vapunpäivä, "
              "jouluaatto tai juhannusaatto, valituksen saa tehdä ensimmäisenä arkipäivänä sen jälkeen. Valituksen on "
              "oltava perillä hallinto-oikeudessa viimeistään valitusajan viimeisenä päivänä ennen hallinto-oikeuden "
              "aukioloajan päättymistä. Valitus lähetetään lähettäjän omalla vastuulla.")
    heading(doc, "Valituksen sisältö", 3)
    para(doc, "Valituksessa on ilmoitettava")
    for item in (
        "päätös, johon haetaan muutosta (valituksen kohteena oleva päätös),",
        "miltä kohdin päätökseen haetaan muutosta ja mitä muutoksia siihen vaaditaan tehtäväksi (vaatimukset),",
        "vaatimusten perustelut,",
        "mihin valitusoikeus perustuu, jos valituksen kohteena oleva päätös ei kohdistu valittajaan, sekä",
        "valittajan nimi ja yhteystiedot, postiosoite ja puhelinnumero; jos puhevaltaa käyttää valittajan laillinen "
        "edustaja tai asiamies, myös tämän yhteystiedot.",
    ):
        para(doc, item, style="List Bullet")
    heading(doc, "Valituksen liitteet", 3)
    for item in (
        "valituksen kohteena oleva päätös valitusosoituksineen,",
        "selvitys siitä, milloin valittaja on saanut päätöksen tiedoksi, tai muu selvitys valitusajan alkamisen "
        "ajankohdasta, sekä",
        "asiakirjat, joihin valittaja vetoaa, jollei niitä ole jo aiemmin toimitettu viranomaiselle.",
    ):
        para(doc, item, style="List Bullet")
    heading(doc, "Oikeudenkäyntimaksu", 3)
    para(doc, "Hallinto-oikeus perii valittajalta oikeudenkäyntimaksun tuomioistuinmaksulain (1455/2015) mukaan. Maksu "
              "on {{ appeal.fee|money }}. Maksua ei peritä, jos hallinto-oikeus muuttaa valituksen kohteena olevaa "
              "päätöstä valittajan eduksi.")


def oikaisuvaatimuspaatos():
    doc = new_letter("Päätös oikaisuvaatimukseen", "PÄÄTÖS")
    heading(doc, "Oikaisuvaatimus avustuspäätökseen {{ grant.id }}", 1)
    decision_maker(doc)
    heading(doc, "Asia", 2)
    para(doc, "{{ grant.decision_body }} on {{ grant.decision_date|date }} § {{ grant.section }} päättänyt hakijan "
              "{{ grant.applicant }} hakemuksesta (avustus {{ grant.id }}, {{ grant.form|lower }} vuodelle "
              "{{ grant.year }}){% if old_amount > 0 %} ja myöntänyt avustusta {{ old_amount|money2 }}{% else %} ja "
              "hylännyt hakemuksen{% endif %}.")
    para(doc, "Päätöksestä on tehty oikaisuvaatimus:")
    bullets(doc, "for r in requests",
            '{{ "hyvinvointialueen jäsen" if r.member else "hakija" }}, oikaisuvaatimus saapui {{ r.received|date }}')
    heading(doc, "Päätös", 2)
    tag(doc, 'if outcome == "kept"')
    rich(doc, ("{{ body }} hylkää oikaisuvaatimuksen ja pysyttää päätöksen. ", False),
         ("{% if old_amount > 0 %}Avustus on edelleen {{ old_amount|money2 }}.{% else %}Hakemus on edelleen "
          "hylätty.{% endif %}", True))
    tag(doc, "else")
    rich(doc, ("{{ body }} hyväksyy oikaisuvaatimuksen ja muuttaa päätöstä: avustus on ", False),
         ("{{ new_amount|money2 }}", True), (" (aiemmin {{ old_amount|money2 }}).", False))
    tag(doc, "endif")
    heading(doc, "Perustelut", 2)
    bullets(doc, "for r in reasons", "{{ r }}")
    para_if(doc, 'outcome == "changed" and new_amount > 0',
            "Avustukseen sovelletaan alkuperäisen päätöksen ehtoja. Avustus maksetaan, kun päätös on lainvoimainen.")
    contact(doc)
    appeal_instructions(doc)
    return doc


BUILDERS = {
    "paatosesitys": paatosesitys,
    "liite1": liite1,
    "avustusehdot": avustusehdot,
    "strategiajohtajan_paatos": strategiajohtajan_paatos,
    "taydennyspyynto": taydennyspyynto,
    "paatoskirje": paatoskirje,
    "muistutus": muistutus,
    "kayttoselvitys_hyvaksynta": kayttoselvitys_hyvaksynta,
    "kayttoselvitys_taydennys": kayttoselvitys_taydennys,
    "kuuleminen": kuuleminen,
    "takaisinperinta": takaisinperinta,
    "sopimus": sopimus,
    "oikaisuvaatimuspaatos": oikaisuvaatimuspaatos,
}


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        path = out / f"{name}.docx"
        build().save(str(path))
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The texts of the sample round's documents, read as the board, an applicant and a lawyer read them
(Hallintolaki 44-45 §): every refusal and reduction has its reason as full sentences, no rule code or
field name reaches a board or applicant text, and a reduction can be recomputed from what the letter says."""

from __future__ import annotations

import functools
import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from avustus_cli.domain.fields import APPLICATION_FIELDS
from avustus_cli.domain.models import Application

from .conftest import DemoRound, docx_parts

CODE = re.compile(r"\b(?:[A-Z]\d\d|HARK|JAKO|KESKEN)\b")
FIELD_NAMES = {n for n in set(APPLICATION_FIELDS) | set(Application.__dataclass_fields__) if "_" in n}


def html_text(path: Path) -> str:
    body = path.read_text(encoding="utf-8")
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def docx_text(path: Path) -> str:
    return " ".join(" ".join(docx_parts(path)).split())


@pytest.fixture(scope="module")
def sample(demo_round: DemoRound) -> Path:
    """The sample round as ``run.py demo`` runs it (conftest.demo_round, built once per run)."""
    return demo_round.path


@functools.cache  # the round is built once per module and only read: its ~200 documents are parsed once
def public_texts(d: Path) -> dict[str, str]:
    """Every text the board or an applicant reads, by file name."""
    out = {}
    for path in sorted(d.rglob("*")):
        if path.suffix == ".html":
            out[str(path.relative_to(d))] = html_text(path)
        elif path.suffix == ".docx":
            out[str(path.relative_to(d))] = docx_text(path)
    rows = load_workbook(d / "esitys" / "liite1.xlsx").worksheets
    out["esitys/liite1.xlsx"] = " ".join(str(c) for ws in rows for r in ws.iter_rows(values_only=True) for c in r
                                         if c is not None)
    return out


def test_no_rule_code_or_field_name_in_any_board_or_applicant_text(sample):
    texts = public_texts(sample)
    assert len(texts) > 100  # board item, annexes, director's decision, requests and every letter
    for name, text in texts.items():
        assert not CODE.findall(text), f"{name}: rule codes {sorted(set(CODE.findall(text)))}"
        words = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text))
        assert not words & FIELD_NAMES, f"{name}: field names {words & FIELD_NAMES}"


def _annex_rows(sample: Path) -> list[tuple]:
    ws = load_workbook(sample / "esitys" / "liite1.xlsx").worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Hakemus")
    return [r for r in rows[head + 1:] if r[0] and str(r[0]).startswith("AV-")]


def test_every_refused_or_reduced_annex_row_carries_its_reason_as_sentences(sample):
    rows = _annex_rows(sample)
    refused = [r for r in rows if r[6] == 0]
    reduced = [r for r in rows if 0 < r[6] < r[5]]
    assert refused and reduced
    for r in refused + reduced:
        reason = r[8] or ""
        assert reason[:1].isupper() and reason.endswith("."), r
    for r in refused:
        assert "avustusta ei voida myöntää" in r[8] or "esitetään hylättäväksi" in r[8], r
    annex = html_text(sample / "esitys" / "liite1.html")
    # a proportional reduction gives its computation (the method is said once above the table), any other
    # reduction and every refusal its reasons
    computed = [r for r in reduced if r[8].startswith("Haettu ")]
    assert computed
    assert annex.count("Laskelma: Haettu ") == len(computed)
    assert annex.count("Perustelu: ") == len(refused) + len(reduced) - len(computed)


_METHOD = re.compile(r"(?P<money>[\d ]+) € / (?P<demand>[\d ]+) € eli (?:noin )?(?P<pct>\d+,\d+) %\. Kunkin hakemuksen "
                     r"haettu määrä kerrotaan tällä osuudella, ja tulo pyöristetään alaspäin (?P<step>\d+) euron tarkkuuteen\.")
_COMPUTATION = re.compile(r"Haettu (?P<req>[\d ]+) € × (?P<pct>\d+,\d+) % = (?P<raw>[\d ]+,\d\d) €, pyöristettynä "
                          r"alaspäin (?P<amount>[\d ]+) €\.")


def test_the_annex_states_the_reduction_method_once_and_each_row_recomputes_with_it(sample):
    """The sentence of the method was on each of 34 rows (14 pages): now it is above the table, and each
    reduced row's computation gives its amount from the method's percentage and rounding."""
    from fractions import Fraction

    def num(text: str) -> Fraction:
        return Fraction(text.replace(" ", "").replace(",", "."))

    for text in (html_text(sample / "esitys" / "liite1.html"), docx_text(sample / "esitys" / "liite1.docx")):
        text = text.replace("\u00a0", " ")
        methods = _METHOD.findall(text)
        assert len(methods) == 1, methods  # one budget line cut in the sample round: said once
        money, demand, pct, step = (num(x) for x in methods[0])
        rows = list(_COMPUTATION.finditer(text))
        assert len(rows) > 10
        for m in rows:
            assert m["pct"] == methods[0][2]
            req, amount = num(m["req"]), num(m["amount"])
            assert num(m["raw"]) == Fraction(math.floor(req * pct), 100)  # the product, cut to the cent
            assert amount == (req * pct / 100 // step) * step == (req * money / demand // step) * step, m[0]
    xlsx = [r[8] for r in _annex_rows(sample) if r[8] and r[8].startswith("Haettu ")]
    assert xlsx and all(_COMPUTATION.fullmatch(t.replace("\u00a0", " ")) for t in xlsx)


def test_refusal_letters_state_the_fact_and_the_rule(sample):
    letters = [html_text(p) for p in sorted((sample / "paatokset").glob("paatos_*.html"))]
    refusals = [t for t in letters if "on hylännyt hakemuksen" in t]
    assert len(refusals) >= 10
    for text in refusals:
        reasons = text.split("Perustelut", 1)[1].split("Päätös perustuu", 1)[0]
        assert "Avustusohjeen mukaan" in reasons or "avustusohjeen ehtoa" in reasons, reasons
        assert "ei täyty" not in reasons


def test_refusal_after_an_unanswered_request_names_the_request_date_and_deadline(sample):
    # AV-2027-006 left its non-profit status unanswered: asked on 4.1., by 18.1., decided on 20.1.
    text = html_text(sample / "paatokset" / "paatos_AV-2027-006.html")
    assert ("Hakemusta pyydettiin täydentämään 4.1.2027 päivätyllä täydennyspyynnöllä 18.1.2027 mennessä, mutta "
            "täydennystä ei saatu määräaikaan mennessä") in text
    assert "Hakemuksesta ei käy ilmi, onko hakija yleishyödyllinen." in text
    assert "ei ole yleishyödyllinen" not in text  # unknown is never stated as a fact


def test_the_board_item_written_before_the_deadline_never_says_nothing_arrived(sample):
    board = html_text(sample / "esitys" / "paatosesitys.html") + docx_text(sample / "esitys" / "paatosesitys.docx")
    assert "eikä täydennyksen määräaika ole vielä päättynyt" in board
    assert "Laukaan Muistipolku ry (täydennyspyyntö 4.1.2027, määräaika 18.1.2027): " in board
    assert "LUONNOS, valmisteltu 4.1.2027." in board
    assert "ei ole saatu" not in board and "ei saatu" not in board


def test_an_identifier_the_county_can_verify_never_reaches_a_refusal(sample):
    # AV-2027-015: the business ID's check digit fails; AV-2027-056: a malformed register number
    for app_id in ("AV-2027-015", "AV-2027-056"):
        assert not (sample / "paatokset" / f"paatos_{app_id}.html").exists()
        assert not (sample / "esitys" / "taydennyspyynnot" / f"taydennyspyynto_{app_id}.html").exists()
    texts = public_texts(sample)
    assert not any("tarkistusmerkki" in t for t in texts.values())


def test_supplement_requests_ask_in_full_sentences(sample):
    letters = sorted((sample / "esitys" / "taydennyspyynnot").glob("*.html"))
    assert letters
    for path in letters:
        text = html_text(path)
        items = text.split("seuraavat tiedot tai liitteet:", 1)[1].split("Pyydämme toimittamaan", 1)[0].strip()
        assert items and items.endswith("."), (path.name, items)
        assert not re.search(r"\b[A-ZÄÖ][a-zäö ]+: (puuttuu|ei|vastaus puuttuu)\b", items), items


def test_every_reduction_letter_can_be_recomputed_from_the_numbers_it_states(sample):
    from .test_allocation import recompute

    reduced = [html_text(p) for p in sorted((sample / "paatokset").glob("paatos_*.html"))]
    reduced = [t for t in reduced if "on myöntänyt avustusta" in t and " haetusta " in t.split("Perustelut")[0]]
    assert len(reduced) >= 20
    for text in reduced:
        granted = re.search(r"on myöntänyt avustusta ([\d  ]+) €", text)
        got, stated = recompute(text.split("Perustelut", 1)[1])
        assert got == stated == int(granted[1].replace(" ", "").replace("\u00a0", "")), text[:300]


def test_a_partnership_agreement_letter_states_its_years_total_budgets_and_agreement(sample):
    # AV-2027-010: 118 110 € a year for 1.1.2027–31.12.2029
    text = html_text(sample / "paatokset" / "paatos_AV-2027-010.html")
    assert "Kumppanuussopimus vuosille 2027–2029" in text and "Kumppanuussopimus vuodelle" not in text
    assert "on hakenut kumppanuussopimusta vuosille 2027–2029 toimintaan ”" in text
    assert "Avustus on 118 110 € vuodessa sopimuskaudella 1.1.2027–31.12.2029" in text
    assert "sopimuskauden 3 vuoden aikana yhteensä 354 330 €" in text
    assert "edellyttävät, että niihin varataan määräraha hyvinvointialueen kunkin vuoden talousarviossa" in text
    assert "allekirjoittavat kumppanuussopimuksen" in text
    assert "Sitoumukset:" in text and "Mittarit:" in text


def _terms_of_letter(text: str) -> str:
    return text.split("Avustusehdot", 1)[1].split("Lisätiedot", 1)[0]


def test_letters_refer_to_and_enclose_the_grant_terms_and_state_the_same_terms(sample):
    terms = html_text(sample / "paatokset" / "liite2_avustusehdot.html")
    assert (sample / "paatokset" / "liite2_avustusehdot.docx").exists()
    letter = html_text(sample / "paatokset" / "paatos_AV-2027-001.html")
    own = _terms_of_letter(letter)
    assert "päätöksen liitteenä olevia avustusehtoja (liite 2)" in own and "Liite 2 Avustusehdot" in letter
    # each term the letter lists is in the terms document too (issue 11: targeting, segregated accounts,
    # recovery for false information, unused funds)
    for phrase in ("kohdennettu toimintasuunnitelman tiettyihin osiin", "Käyttämättä jäänyt avustus on palautettava",
                   "eriytettävä yleishyödyllinen toiminta kirjanpidossaan", "virheellisiä tai puutteellisia tietoja",
                   "oikeus tarkastaa avustuksen saajan kirjanpito ja hallinto", "on ilmoitettava viipymättä kirjallisesti"):
        assert phrase in own, phrase
        assert phrase in terms, phrase
    refused = html_text(sample / "paatokset" / "paatos_AV-2027-003.html")
    assert "liite 2" not in refused.lower()


def test_the_board_item_names_each_organisation_once_and_partnerships_in_total(sample):
    board = html_text(sample / "esitys" / "paatosesitys.html")
    assert "Tyyni r.y." not in board  # the applicant's own spelling only
    assert "avustus 118 110 € vuodessa, sopimuskaudella yhteensä 354 330 €" in board
    assert "Kumppanuussopimus vuodelle" not in board


class _Paragraphs(HTMLParser):
    """The text of every paragraph, list item and heading of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self._cur: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li", "h1", "h2", "h3"):
            self._cur = []

    def handle_endtag(self, tag):
        if tag in ("p", "li", "h1", "h2", "h3") and self._cur is not None:
            self.items.append(" ".join("".join(self._cur).split()))
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None:
            self._cur.append(data)


def test_finnish_style_of_the_board_item_annex_and_letters(sample):
    """No sentence of the tool's own begins with a numeral, no nested parentheses, no doubled colons
    (the applicant's own words, quoted ”…”, are theirs)."""
    for path in sorted(sample.rglob("*.html")):
        p = _Paragraphs()
        p.feed(path.read_text(encoding="utf-8"))
        for text in p.items:
            own = re.sub(r"”[^”]*”", "”…”", text)
            own = re.sub(r"\b(puh|klo|esim)\. ", r"\1 ", own)
            assert not re.search(r"(^|[.!?] )\d", own) or re.match(r"^\d+\. ", own), (path.name, text)
            assert not re.search(r"\([^()]*\(", own), (path.name, text)
            assert "::" not in own, (path.name, text)

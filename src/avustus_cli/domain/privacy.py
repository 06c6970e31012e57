"""Recognising personal data in free text (pure).

Applicants write contact details into descriptions and names. Public
documents (the board item and its annexes, open data) must not carry them,
so their free text goes through ``scrub``.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Every pattern starts where a run of its characters starts (a look-behind or ``\b``), so a long
# run without a match is scanned once, not once per character: linear time (a 32 767-character
# word took 11-21 s when the address could start anywhere in it).
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Finnish phone numbers: +358 / 00358 / 0 followed by 6-11 more digits, spaces, dashes or brackets allowed
PHONE = re.compile(r"(?<![\w+])(?:\+358|00358|0)(?:[\s\-()]{0,2}\d){6,11}(?!\w)")
# IBANs as people write them: FI + 2 check digits + 14 digits, spaces allowed
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[0-9A-Z]{4}){3,7}(?:\s?[0-9A-Z]{1,4})?\b")
REMOVED = "[poistettu]"
# Text longer than Excel's cell limit is not scrubbed past it: the rest (and a word the limit
# would split, which could be part of an address) is replaced by this mark in public documents.
SCRUB_MAX = 32_767
TRUNCATED = "[teksti katkaistu]"
_LAST_WORD = re.compile(r"\S*")


def looks_like_email(text: str) -> bool:
    return bool(EMAIL.search(text or ""))


def looks_like_phone(text: str) -> bool:
    return bool(PHONE.search(text or ""))


def scrub(text: str) -> tuple[str, int]:
    """``text`` with e-mail addresses, phone numbers and IBANs replaced by '[poistettu]'; and how many were.
    Text beyond ``SCRUB_MAX`` characters is cut at the last whitespace before it and replaced by
    '[teksti katkaistu]' (what is published is never longer than what was looked at)."""
    text = text or ""
    cut = len(text) > SCRUB_MAX
    if cut:
        head = text[:SCRUB_MAX]
        if not text[SCRUB_MAX].isspace():  # a word the limit splits goes whole
            head = head[: len(head) - len(_LAST_WORD.match(head[::-1]).group())]  # type: ignore[union-attr]  # \S* always matches
        text = head
    text, n1 = EMAIL.subn(REMOVED, text)
    text, n2 = IBAN.subn(REMOVED, text)
    text, n3 = PHONE.subn(REMOVED, text)
    if cut:
        text = f"{text.rstrip()} {TRUNCATED}".lstrip()
    return text, n1 + n2 + n3


# --- cells of columns the importer does not know ---------------------------------------
#
# An export may carry contact details under headers no alias list foresees (``Puh.``,
# ``Sposti``, ``Vastuuhenkilö``). Such a cell is personal data when its value looks like
# contact details itself, or when it is a person's name under a header (or after a word)
# that says it is a person. Personal cells are stored with the contact details, so that
# ``privacy`` counts them and ``purge`` removes them.

# Words that say a column or a phrase is about a person (matched at the start of a word,
# case ignored): contact person, the person in charge, the board's officers.
PERSON_WORDS = (
    "yhteyshenkil", "yhteyshlö", "vastuuhenkil", "vastuuhlö", "henkilö", "hlö", "nimi", "nimen", "kontakt",
    "contact", "person", "name", "puheenjohtaj", "pj", "varapuheenjohtaj", "sihteeri", "rahastonhoitaj",
    "toiminnanjohtaj", "ohjaaja", "vetäjä", "edustaja", "allekirjoittaj", "hakijan edustaja", "kontaktperson",
    "ansvarsperson", "namn", "puh", "sposti", "s-posti", "gsm", "tel", "yhteystied", "yhteys",
)  # fmt: skip
# a header word that names an organisation or a thing, not a person (``Hankkeen nimi``)
NOT_PERSON_WORDS = ("henkilöstö", "henkilömäärä", "henkilöä", "hanke", "hankkeen", "toiminna", "yhdistyk", "järjestö", "organisaatio", "projekti", "tapahtum",
                    "ryhmä", "kerho", "tilan", "paikan", "kunna", "tiedosto", "liitte")  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_NAME_PART = r"[A-ZÅÄÖÜÉ][a-zåäöüéèáíóúšž]+(?:-[A-ZÅÄÖÜÉ][a-zåäöüéèáíóúšž]+)?"
NAME = re.compile(rf"^{_NAME_PART}(?:\s+{_NAME_PART}){{1,3}}$")
_ORG_ENDINGS = ("ry", "r.y", "oy", "ab", "oyj", "osk", "säätiö", "sr", "rf", "yhdistys", "seura", "liitto", "kerho",
                "kunta", "kaupunki", "ryhmä", "keskus", "talo", "koti", "palvelut")  # fmt: skip
# "pj. Kerttu Kirjava", "yhteyshenkilö: Matti Meikäläinen", "vastuuhenkilönä Maija Mallikas"
_NAME_AFTER_WORD = re.compile(
    rf"(?i:\b(?:yhteyshenkilö\w*|yhteyshlö|vastuuhenkilö\w*|vastuuhlö|henkilö|pj|puheenjohtaja\w*|sihteeri\w*|"
    rf"rahastonhoitaja\w*|toiminnanjohtaja\w*|ohjaaja\w*|vetäjä\w*|kontakti\w*|contact|yhteyttä)\b)[\s.:,-]{{0,4}}"
    rf"{_NAME_PART}\s+{_NAME_PART}"
)
# cheap tests first: most cells hold none of these
_AFTER_WORDS = ("yhteyshenkil", "yhteyshlö", "vastuuhenkil", "vastuuhlö", "henkilö", "pj", "puheenjohtaja", "sihteeri",
                "rahastonhoitaja", "toiminnanjohtaja", "ohjaaja", "vetäjä", "kontakti", "contact", "yhteyttä")
_DIGIT = re.compile(r"\d")
MAX_SCAN = 10_000  # characters of a cell looked at (the patterns are linear; this bounds the work)


def _header_words(header: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(str(header or ""))] + (
        [p.casefold() for p in re.split(r"[\s.:;,()/]+", str(header or "")) if p]
    )


@lru_cache(maxsize=4096)
def header_names_a_person(header: str) -> bool:
    """``Vastuuhenkilö``, ``Puh.``, ``Sposti``, ``Pj``: a header that says its column is about a person."""
    words = _header_words(header)
    if any(w.startswith(n) for w in words for n in NOT_PERSON_WORDS):
        return False
    return any(w == p or (len(p) > 3 and w.startswith(p)) for w in words for p in PERSON_WORDS)


def looks_like_name(text: str) -> bool:
    """Two to four capitalised words of letters, not an organisation's name (``Maija Meikäläinen``)."""
    t = " ".join(str(text).split())
    if not NAME.match(t):
        return False
    last = t.rsplit(" ", 1)[-1].casefold()
    return not any(last == e or last.endswith(e) for e in _ORG_ENDINGS if len(e) > 3) and last not in _ORG_ENDINGS


def looks_like_iban(text: str) -> bool:
    from avustus_cli.domain import ids

    return any(ids.iban(m.group(0)) for m in IBAN.finditer(text))


def looks_personal_value(header: str, value: object) -> bool:
    """Whether a cell of a column the importer does not know holds personal data: an e-mail
    address, a phone number or an IBAN anywhere in it; a person's name under a header that names
    a person (``Vastuuhenkilö``); or a name right after a word that does (``pj. Kerttu Kirjava``)."""
    if value is None or isinstance(value, bool):
        return False
    text = str(value)[:MAX_SCAN]
    if not text.strip():
        return False
    if "@" in text and EMAIL.search(text):
        return True
    if _DIGIT.search(text) and (PHONE.search(text) or looks_like_iban(text)):
        return True
    low = text.casefold()
    if any(w in low for w in _AFTER_WORDS) and _NAME_AFTER_WORD.search(text):
        return True
    return looks_like_name(text) and header_names_a_person(str(header))

"""Parsing Finnish cell values (pure; business-ID and IBAN checks via ids.py).

Each parser takes a cell as a spreadsheet reader gives it (str, int, float,
bool, date, datetime or None) and returns the value, None for an empty cell,
or raises ``ValueProblem`` with a short Finnish reason.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from avustus_cli.domain import ids
from avustus_cli.domain.matching import guess_legal_form, match_category, normalize
from avustus_cli.domain.models import FundingDecision, GrantForm, LegalForm, Party, ReportStatus, Scope


class ValueProblem(ValueError):
    """A cell that could not be parsed; the message is Finnish."""


EXCEL_EPOCH = dt.datetime(1899, 12, 30)
ERROR_CELLS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!")
# control characters removed from every cell: C0 and C1 (U+009B is a terminal's escape sequence
# introducer) and the bidirectional overrides and isolates (U+202E shows "ry.exe" as "exe.yr")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def text(cell: Any) -> str | None:
    """Cell as clean text: None for empty; control characters removed."""
    if cell is None:
        return None
    if cell.__class__ is str:  # the common case, kept fast: the importer calls this for every cell
        if cell.isprintable():  # no control character, line break or no-break space: nothing to clean
            s = cell.strip()
            if s[:1] == "#" and s.upper() in ERROR_CELLS:
                raise ValueProblem(f"solussa on Excelin virhearvo {s}")
            return s or None
        s = cell
    elif isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    elif isinstance(cell, float) and cell.is_integer():
        s = str(int(cell))
    elif isinstance(cell, dt.datetime):
        s = cell.isoformat(sep=" ", timespec="minutes") if cell.time() != dt.time() else cell.date().isoformat()
    elif isinstance(cell, dt.date):
        s = cell.isoformat()
    else:
        s = str(cell)
    if _CONTROL.search(s):
        s = _CONTROL.sub("", s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "\u00a0" in s:
        s = s.replace("\u00a0", " ")
    s = s.strip()
    if s.startswith("#") and s.upper() in ERROR_CELLS:
        raise ValueProblem(f"solussa on Excelin virhearvo {s}")
    return s or None


_YES = {"kyllä", "kylla", "k", "x", "true", "tosi", "1", "yes", "y", "ja", "on", "kyllä on", "✓", "✔", "joo"}
_NO = {"ei", "e", "false", "epätosi", "0", "no", "n", "nej", "ei ole", "-"}


def yes_no(cell: Any) -> bool | None:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    s = text(cell)
    if s is None:
        return None
    key = s.casefold().strip(" .")
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueProblem(f"'{s}' ei ole kyllä/ei-arvo")


_MAX_AMOUNT = Decimal("1000000000")


def _shown(cell: Any) -> str:
    """A cell's text for a message: long values cut (a 300-digit number says nothing more)."""
    t = text(cell) or ""
    return t if len(t) <= 40 else t[:37] + "…"

PLAIN_AMOUNT = re.compile(r"([0-9]{1,15})(?:[.,]([0-9]{1,2}))?(?: ?€)?")  # 12500, 12500,50, 12500 €
_EXPONENT = re.compile(r"\d\s*[eE]\s*[+-]?\d")
_THOUSANDS_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_MONEY_CLEAN = re.compile(r"[\s\u00a0\u202f']|€|eur(?:oa)?|e$", re.I)


def money(cell: Any) -> Decimal | None:
    """Euros: 12500, 12 500, 12 500,00 €, 12.500,00, 12,500.00, 12500.5."""
    d = amount(cell)
    if d is None:
        return None
    if d < 0:
        raise ValueProblem(f"'{_shown(cell)}' on negatiivinen euromäärä")
    if d > _MAX_AMOUNT:
        raise ValueProblem(f"'{_shown(cell)}' on epäuskottavan suuri euromäärä")
    if d != d.quantize(Decimal("0.01")):
        raise ValueProblem(f"'{text(cell)}': euromäärässä voi olla enintään kaksi desimaalia")
    return d.quantize(Decimal("0.01"))


def amount(cell: Any) -> Decimal | None:
    """A euro amount as written, read as :func:`money` reads it but with its
    sign and all its decimals kept (the caller judges the range): the one
    parser of amounts, for callers with messages of their own."""
    if isinstance(cell, bool):
        raise ValueProblem(f"'{cell}' ei ole euromäärä")
    if isinstance(cell, int):
        d = Decimal(cell)
    elif isinstance(cell, float):
        d = Decimal(repr(cell))
        if d.is_finite() and abs(d) <= _MAX_AMOUNT and abs(d - d.quantize(Decimal("0.01"))) < Decimal("0.000001"):
            d = d.quantize(Decimal("0.01"))  # binary noise of a computed cell (12500.300000000001)
    else:
        s = text(cell)
        if s is None:
            return None
        if m := PLAIN_AMOUNT.fullmatch(s):  # 12500, 12500,50 or 12500 € as most exports write it
            return Decimal(m[1] + "." + m[2] if m[2] else m[1])
        raw = s
        if _EXPONENT.search(s):  # 1e3 is a number to a computer, not an amount a person writes
            raise ValueProblem(f"'{raw}' ei ole euromäärä")
        s = _MONEY_CLEAN.sub("", s)
        if s.startswith("(") and s.endswith(")"):
            s = "-" + s[1:-1]
        if "," in s and "." in s:
            if s.rfind(",") > s.rfind("."):  # 12.500,00
                head = s[: s.rfind(",")]
                if not _THOUSANDS_DOT.match(head):
                    raise ValueProblem(f"'{raw}' ei ole euromäärä")
                s = head.replace(".", "") + "." + s[s.rfind(",") + 1 :]
            else:  # 12,500.00
                head = s[: s.rfind(".")]
                if not _THOUSANDS_COMMA.match(head):
                    raise ValueProblem(f"'{raw}' ei ole euromäärä")
                s = head.replace(",", "") + s[s.rfind(".") :]
        elif s.count(",") > 1 and _THOUSANDS_COMMA.match(s):  # 1,250,000
            s = s.replace(",", "")
        elif "," in s:  # Finnish decimal comma: 12500,50
            s = s.replace(",", ".")
        elif _THOUSANDS_DOT.match(s):  # 12.500 or 1.250.000
            s = s.replace(".", "")
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise ValueProblem(f"'{raw}' ei ole euromäärä") from None
    if not d.is_finite():
        raise ValueProblem(f"'{cell}' ei ole euromäärä")
    return d


_DATE_FI = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*(?:klo)?\s*(\d{1,2})[.:](\d{2})(?:[.:](\d{2}))?)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_DATE_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _serial(n: float) -> dt.datetime:
    if not 1 <= n < 2958466:  # 1900-01-01 .. 9999-12-31
        raise ValueProblem(f"'{n}' ei ole päivämäärä")
    return EXCEL_EPOCH + dt.timedelta(days=float(n))


def datetime_(cell: Any) -> dt.datetime | None:
    """A moment: Excel date/datetime, serial number, 1.12.2026, 1.12.2026 14.05, ISO."""
    if isinstance(cell, dt.datetime):
        result = cell.replace(tzinfo=None)
    elif isinstance(cell, dt.date):
        result = dt.datetime.combine(cell, dt.time())
    elif isinstance(cell, bool):
        raise ValueProblem(f"'{cell}' ei ole päivämäärä")
    elif isinstance(cell, (int, float)):
        result = _serial(cell).replace(microsecond=0)
    else:
        s = text(cell)
        if s is None:
            return None
        try:
            if m := _DATE_FI.match(s):
                d, mo, y, h, mi, se = m.groups()
                result = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(se or 0))
            elif m := _DATE_ISO.match(s):
                y, mo, d, h, mi, se = m.groups()
                result = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(se or 0))
            elif m := _DATE_SLASH.match(s):
                d, mo, y = m.groups()
                result = dt.datetime(int(y), int(mo), int(d))
            elif re.fullmatch(r"\d{5}(\.\d+)?", s):
                result = _serial(float(s)).replace(microsecond=0)
            else:
                raise ValueProblem(f"'{s}' ei ole päivämäärä (odotetaan esim. 1.12.2026)")
        except ValueError as e:
            if isinstance(e, ValueProblem):
                raise
            raise ValueProblem(f"'{s}' ei ole olemassa oleva päivämäärä") from None
    if not 1990 <= result.year <= 2100:
        raise ValueProblem(f"'{text(cell)}': vuosi {result.year} ei ole uskottava")
    return result


def date(cell: Any) -> dt.date | None:
    v = datetime_(cell)
    return v.date() if v else None


def year(cell: Any) -> int | None:
    if isinstance(cell, bool):
        raise ValueProblem(f"'{cell}' ei ole vuosiluku")
    if isinstance(cell, (int, float)):
        if float(cell).is_integer() and 1990 <= cell <= 2100:
            return int(cell)
        raise ValueProblem(f"'{cell}' ei ole vuosiluku")
    if isinstance(cell, dt.date):
        return cell.year
    s = text(cell)
    if s is None:
        return None
    m = re.fullmatch(r"(\d{4})(?:\.0)?", s)
    if m and 1990 <= int(m.group(1)) <= 2100:
        return int(m.group(1))
    raise ValueProblem(f"'{s}' ei ole vuosiluku")


def integer(cell: Any) -> int | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if float(cell).is_integer():
            return int(cell)
    s = text(cell)
    if s is None:
        return None
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    raise ValueProblem(f"'{s}' ei ole kokonaisluku")


_LIST_SPLIT = re.compile(r"\s*(?:;|\n|,(?![^()]*\)))\s*")


def list_(cell: Any) -> tuple[str, ...]:
    """A list separated by ';', ',' or line breaks (commas inside parentheses kept)."""
    s = text(cell)
    if s is None:
        return ()
    return tuple(x.strip(" -•*") for x in _LIST_SPLIT.split(s) if x.strip(" -•*"))


def identifier(cell: Any) -> str | None:
    """An application id: text as is, numbers without a trailing .0."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, (dt.date, bool)):
        raise ValueProblem(f"'{cell}' ei kelpaa hakemusnumeroksi")
    s = text(cell)
    if s is None:
        return None
    s = " ".join(s.split())
    if len(s) > 100:
        raise ValueProblem("hakemusnumero on yli 100 merkkiä pitkä")
    return s


def business_id(cell: Any) -> str | None:
    """Normalised ``1234567-8``; an invalid one raises ValueProblem (kept raw by the caller)."""
    s = text(cell)
    if s is None:
        return None
    compact = re.sub(r"[\s\u00a0]", "", s)
    if re.fullmatch(r"\d{6}-\d", compact):  # a lost leading zero (number-formatted cell)
        compact = "0" + compact
    if isinstance(cell, (int, float)) and re.fullmatch(r"\d{7}", compact):
        compact = compact.zfill(8)
    v = ids.business_id(compact)
    if v is None:
        raise ValueProblem(f"'{s}': {ids.business_id_problem(compact)}")
    return v


def iban(cell: Any) -> str | None:
    s = text(cell)
    if s is None:
        return None
    v = ids.iban(s)
    if v is None:
        raise ValueProblem("tilinumero ei ole kelvollinen IBAN")  # the number itself is personal data
    return v


_PARTY = re.compile(r"^(.*?)\s*[(\[]\s*(?:y-?tunnus:?\s*)?([0-9][0-9\s-]{6,10})\s*[)\]]\s*$", re.I)
_ID_TAIL = re.compile(r"^(.*?)[\s,;:]+(?:y-?tunnus:?\s*)?(\d{7}-\d)$", re.I)


def party(cell: Any) -> Party | None:
    """``Nimi ry (1234567-8)`` → Party(name, business_id); the ID is validated."""
    s = text(cell)
    if s is None:
        return None
    m = _PARTY.match(s) or _ID_TAIL.match(s)
    name, raw_id = (m.group(1).strip(" ,"), m.group(2).strip()) if m else (s, None)
    bid = ids.business_id(raw_id) if raw_id else None
    return Party(
        name=name,
        business_id=bid,
        business_id_raw=raw_id if raw_id and not bid else None,
        legal_form=guess_legal_form(name),
    )


def parties(cell: Any) -> tuple[Party, ...]:
    return tuple(p for p in (party(x) for x in list_(cell)) if p is not None)


_FORMS = {
    GrantForm.OPERATING: ("toiminta-avustus", "toimintaavustus", "toiminta", "yleisavustus", "operating grant", "verksamhetsbidrag"),
    GrantForm.PARTNERSHIP: ("kumppanuussopimus", "kumppanuus", "partnership", "partnership agreement", "partnerskapsavtal"),
    GrantForm.PROJECT: ("hankeavustus", "hanke", "projektiavustus", "project grant", "projektbidrag"),
}


def grant_form(cell: Any) -> GrantForm | None:
    s = text(cell)
    if s is None:
        return None
    key = normalize(s)
    for form, names in _FORMS.items():
        normalised = _normalised_names(names)
        if key in normalised or any(key.startswith(n + " ") for n in normalised if len(n) >= 8):
            return form  # "Toiminta-avustus" or "toiminta-avustus 2027", never a guess from a prefix
    raise ValueProblem(f"'{s}' ei ole avustusmuoto (toiminta-avustus, kumppanuussopimus tai hankeavustus)")


_LEGAL = {
    LegalForm.ASSOCIATION: ("rekisteröity yhdistys", "yhdistys", "ry", "r.y.", "registered association", "registrerad förening"),
    LegalForm.FOUNDATION: ("säätiö", "sr", "foundation", "stiftelse"),
    LegalForm.COMPANY: ("osakeyhtiö", "oy", "yritys", "company", "aktiebolag", "ab"),
    LegalForm.COOPERATIVE: ("osuuskunta", "osk", "cooperative", "andelslag"),
    LegalForm.UNREGISTERED: ("rekisteröimätön yhteisö", "rekisteröimätön yhdistys", "rekisteröimätön", "vapaamuotoinen ryhmä", "unregistered"),
    LegalForm.MUNICIPALITY: ("kunta", "kaupunki", "municipality"),
    LegalForm.PARISH: ("seurakunta", "parish", "församling"),
    LegalForm.OTHER: ("muu", "other", "annan"),
}


def legal_form(cell: Any):
    return _lookup(cell, _LEGAL, "'{}' ei ole tunnettu oikeudellinen muoto")


_SCOPES = {
    Scope.LOCAL: ("paikallinen", "lokal", "local"),
    Scope.REGIONAL: ("seudullinen", "alueellinen", "regional"),
    Scope.COUNTY: ("koko hyvinvointialue", "koko hyvinvointialueen alue", "koko alue", "maakunnallinen", "hela välfärdsområdet", "whole county"),
}


def scope(cell: Any):
    return _lookup(cell, _SCOPES, "'{}' ei ole toiminta-alue (paikallinen, seudullinen tai koko hyvinvointialue)")


_FUNDING = {
    FundingDecision.POSITIVE: ("myönteinen", "myönnetty", "positive", "granted", "kyllä"),
    FundingDecision.PENDING: ("haettu", "odottaa", "vireillä", "käsittelyssä", "pending", "ei vielä"),
    FundingDecision.NEGATIVE: ("kielteinen", "hylätty", "negative", "rejected", "ei"),
}


def funding(cell: Any):
    return _lookup(cell, _FUNDING, "'{}' ei ole rahoituspäätöksen tila (myönteinen, haettu tai kielteinen)")


_REPORT = {
    ReportStatus.APPROVED: ("hyväksytty", "approved", "ok"),
    ReportStatus.INCOMPLETE: ("täydennettävä", "täydennettävänä", "puutteellinen", "incomplete"),
    ReportStatus.PROCESSING: ("käsittelyssä", "saapunut", "processing"),
}


def report_status(cell: Any):
    return _lookup(cell, _REPORT, "'{}' ei ole käyttöselvityksen tila (hyväksytty, täydennettävä tai käsittelyssä)")


_EURO_NAMES = {"eur", "€", "euro", "euroa", "euros", "e", "eur €"}
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def currency(cell: Any) -> str | None:
    """The currency of a row's amounts as an ISO code: "EUR" for euros in any spelling."""
    s = text(cell)
    if s is None:
        return None
    n = normalize(s)
    if n in _EURO_NAMES or s.strip() == "€":
        return "EUR"
    if _CURRENCY.fullmatch(s.strip()):
        return s.strip().upper()
    raise ValueProblem(f"'{s}' ei ole valuutan tunnus (esim. EUR)")


def category(cell: Any, categories: tuple[str, ...]) -> int | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    n = match_category(cell if isinstance(cell, (int, float)) and not isinstance(cell, bool) else text(cell), categories)
    if n is None:
        raise ValueProblem(f"'{text(cell)}' ei vastaa yhtään ohjeen kymmenestä toimintaluokasta")
    return n


def _lookup(cell: Any, table: dict, problem: str) -> Any:
    """The key of ``table`` whose names include the cell's text (normalised), or ValueProblem."""
    s = text(cell)
    if s is None:
        return None
    key = normalize(s)
    for member, names in table.items():
        if key in _normalised_names(names):
            return member
    raise ValueProblem(problem.format(s))


_NAMES_CACHE: dict[tuple[str, ...], frozenset[str]] = {}


def _normalised_names(names: tuple[str, ...]) -> frozenset[str]:
    if names not in _NAMES_CACHE:
        _NAMES_CACHE[names] = frozenset(normalize(n) for n in names)
    return _NAMES_CACHE[names]


def section(cell: Any) -> str | None:
    """A minutes section number as the documents print it after "§": "§ 11", "11 §", "§11" -> "11"."""
    s = text(cell)
    if s is None:
        return None
    s = s.replace("§", " ").strip().strip(".").strip()
    return " ".join(s.split()) or None


PARSERS = {
    "section": section,
    "id": identifier,
    "text": text,
    "date": date,
    "datetime": datetime_,
    "money": money,
    "bool": yes_no,
    "int": integer,
    "year": year,
    "list": list_,
    "party": party,
    "parties": parties,
    "business_id": business_id,
    "iban": iban,
    "form": grant_form,
    "legal_form": legal_form,
    "scope": scope,
    "funding": funding,
    "report_status": report_status,
    "currency": currency,
}

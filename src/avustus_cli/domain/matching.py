"""Forgiving text matching (pure): category names, municipality names, lists.

Used by the importer (to resolve a category written as text) and by rules
(to compare names against the round's settings).
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from functools import lru_cache

from avustus_cli.domain.models import LegalForm

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s-]")


def normalize(text: str) -> str:
    """Lower case, NFC, punctuation dropped, white space folded.

    Cached: names and settings recur across a round; a long text (a
    description) recurs only within one application's rules, so few are kept.
    """
    return _normalize_short(text) if len(text) <= 120 else _normalize_long(text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


_normalize_short = lru_cache(maxsize=65536)(_normalize)
_normalize_long = lru_cache(maxsize=16)(_normalize)


_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?(?:\s+(.*))?$", re.S)


def match_category(text: str | int | float | None, categories: tuple[str, ...]) -> int | None:
    """The category number (1-based) that ``text`` names, or None.

    Accepts ``4``, ``4.``, ``4. Mielenterveys...``, the category's text with
    small differences in case, spacing and spelling, and an abbreviation that
    is the start of exactly one category's name.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if isinstance(text, float) and not math.isfinite(text):
            return None
        n = int(text)
        return n if n == text and 1 <= n <= len(categories) else None
    s = str(text).strip()
    if not s:
        return None
    m = _NUMBER.match(s)
    if m:
        n = int(m.group(1))
        return n if 1 <= n <= len(categories) else None
    wanted = normalize(s)
    if not wanted:
        return None
    names = [normalize(c) for c in categories]
    if wanted in names:
        return names.index(wanted) + 1
    starts = [i for i, n in enumerate(names) if n.startswith(wanted) and len(wanted) >= 8]
    if len(starts) == 1:
        return starts[0] + 1
    scores = [difflib.SequenceMatcher(None, wanted, n).ratio() for n in names]
    best = max(scores)
    if best >= 0.85 and scores.count(best) == 1:
        return scores.index(best) + 1
    return None


def match_name(text: str, names: tuple[str, ...] | list[str], cutoff: float = 0.88) -> str | None:
    """The entry of ``names`` that ``text`` names (case, spacing, small typos forgiven)."""
    return _match_name(text, tuple(names), cutoff)


@lru_cache(maxsize=16384)
def _match_name(text: str, names: tuple[str, ...], cutoff: float) -> str | None:
    wanted = normalize(text)
    if not wanted:
        return None
    table = _name_table(names)
    if wanted in table:
        return table[wanted]
    close = difflib.get_close_matches(wanted, list(table), n=1, cutoff=cutoff)
    return table[close[0]] if close else None


@lru_cache(maxsize=256)
def _name_table(names: tuple[str, ...]) -> dict[str, str]:
    return {normalize(n): n for n in names}


def contains_any(text: str, needles: tuple[str, ...] | list[str]) -> list[str]:
    """Those ``needles`` that occur in ``text`` (normalised, each starting at the start of a word).

    Where several needles start at the same place, the longest one is the hit there (a needle inside
    a longer one does not count at that place). Linear in the text: each needle is looked for with
    ``str.find`` (no pattern is tried at every character of a long description).
    """
    order = _needle_order(tuple(needles))
    if not order:
        return []
    hay = f" {normalize(text)} "
    winner: dict[int, int] = {}  # start -> the needle found there (longest first)
    for i, norm in order:
        at = hay.find(norm)
        while at >= 0:
            before = hay[at - 1]
            if not (before.isalnum() or before == "_"):  # re's \w: the needle starts a word
                winner.setdefault(at, i)
            at = hay.find(norm, at + 1)
    hits = set(winner.values())
    return [n for i, n in enumerate(needles) if i in hits]


@lru_cache(maxsize=256)
def _needle_order(needles: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """(index, normalised needle), longest first (ties in the given order); empty needles left out."""
    parts = [(i, normalize(n)) for i, n in enumerate(needles)]
    return tuple(sorted(((i, n) for i, n in parts if n), key=lambda p: len(p[1]), reverse=True))


# name tokens -> legal form, checked in this order
_PARISH = ("seurakunta", "seurakuntayhtymä", "församling", "kirkkohallitus")
_ASSOCIATION = ("ry", "r y", "rf", "r f", "ry:n", "rekisteröity yhdistys", "registrerad förening")
_FOUNDATION = ("sr", "s r", "säätiö", "stiftelse")
_COMPANY = ("oy", "oyj", "ab", "osakeyhtiö", "aktiebolag", "tmi", "toiminimi", "ky", "kommandiittiyhtiö", "avoin yhtiö")
_COOPERATIVE = ("osk", "osuuskunta", "andelslag")
_MUNICIPALITY_LAST = ("kunta", "kaupunki", "kommun", "stad")


def _has_token(norm: str, phrases: tuple[str, ...]) -> bool:
    """One of ``phrases`` is in ``norm`` as whole words."""
    return _token_pattern(phrases).search(f" {norm} ") is not None


@lru_cache(maxsize=64)
def _token_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


@lru_cache(maxsize=65536)  # names recur across a round (co-applicants, leads)
def guess_legal_form(name: str) -> LegalForm | None:
    """The legal form a name's suffix or words show (``ry``, ``r.y.``, ``sr``,
    ``säätiö``, ``oy``, ``osk``, ``seurakunta``, ``... kunta``), or None.

    A registered association's suffix wins: "Kylän seurakunta ry" is an association."""
    norm = normalize(name or "")
    if not norm:
        return None
    if _has_token(norm, _ASSOCIATION):
        return LegalForm.ASSOCIATION
    if _has_token(norm, _PARISH):
        return LegalForm.PARISH
    if _has_token(norm, _FOUNDATION) or norm.endswith("säätiö"):
        return LegalForm.FOUNDATION
    if _has_token(norm, _COOPERATIVE):
        return LegalForm.COOPERATIVE
    if _has_token(norm, _COMPANY):
        return LegalForm.COMPANY
    if norm.split()[-1] in _MUNICIPALITY_LAST:
        return LegalForm.MUNICIPALITY
    return None

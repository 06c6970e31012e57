"""Forgiving text matching: the needle search the rules use on descriptions (T04, K01, T03)."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from avustus_cli.domain import matching
from avustus_cli.domain.matching import contains_any, normalize


def _by_pattern(text: str, needles: list[str]) -> list[str]:
    """The earlier implementation, one alternation tried at every character: the reference."""
    hay = f" {normalize(text)} "
    parts = [f"(?P<n{i}>{re.escape(normalize(n))})" for i, n in enumerate(needles) if normalize(n)]
    if not parts:
        return []
    parts.sort(key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?=(?:" + "|".join(parts) + "))")
    hits = {m.lastgroup for m in pattern.finditer(hay)}
    return [n for i, n in enumerate(needles) if f"n{i}" in hits]


_WORDS = st.sampled_from(["ruoka", "apu", "ruoka-apu", "Ruoka-Apu", "yleinen", "nuoriso", "työ", "_x", "2027", "ä", "-", ""])
_TEXT = st.lists(st.one_of(_WORDS, st.text("ab -_.,äÖ1\n", max_size=6)), max_size=12).map(" ".join)
_NEEDLES = st.lists(st.one_of(_WORDS, st.text("ab -äö_", max_size=5)), max_size=9)  # one-digit group names in the reference


@given(_TEXT, _NEEDLES)
@example("Jaamme ruoka-apua kerran viikossa.", ["ruoka-apu", "ruoka", "apu"])
@example("yleinen nuorisotyö ja kirjasto", ["yleinen nuorisotyö", "nuorisotyö", "kirjasto"])
@example("x_ruoka-apu", ["ruoka-apu", "apu"])
def test_the_search_finds_what_the_pattern_found(text, needles):
    assert contains_any(text, needles) == _by_pattern(text, needles)


def test_a_needle_counts_only_at_the_start_of_a_word():
    assert contains_any("Jaamme ruoka-apua kerran.", ["ruoka-apu", "ruoka", "apu", "kerran"]) == ["ruoka-apu", "apu", "kerran"]
    assert contains_any("kirjastoauto ja nuorisotalo", ["auto", "nuoriso"]) == ["nuoriso"]
    assert contains_any("mitä tahansa", []) == []


_NAME_WORDS = ["ry", "r y", "ry:n", "rf", "sr", "säätiö", "oy", "oyj", "ab", "osk", "seurakunta", "kunta", "kaupunki",
          "stad", "tmi", "ky", "avoin yhtiö", "kylä", "ryhmä", "oyster", "abc", "-", ":", ".", "r.y.", "s.r."]


@given(st.lists(st.sampled_from(_NAME_WORDS), max_size=5), st.text(max_size=8))
def test_a_whole_word_is_found_as_each_phrase_alone_finds_it(words, noise):
    """The phrases of a legal form are searched for in one pattern: found exactly where one of them
    alone, as a whole word, is."""
    norm = matching.normalize(" ".join(words) + noise)
    for phrases in (matching._ASSOCIATION, matching._PARISH, matching._FOUNDATION, matching._COOPERATIVE,
                    matching._COMPANY):
        alone = any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", f" {norm} ") for p in phrases)
        assert matching._has_token(norm, phrases) is alone

"""Reading an export's header row the way a person reads it (pure).

A header names a field when its words are one of the field's spellings
(``domain.fields``), whatever the case, punctuation, units ("€", "(€)",
"euroa"), question numbering, word order or filler words ("ja", "tai",
"of"...). A longer header that holds all the words of a spelling of two words
or more ("Lupa kirjanpidon ja hallinnon tarkastukseen") names that field too,
unless it holds the words of two fields: then it is ambiguous and the officer
says which in the settings' [columns] section.

``column_report`` tells the officer, before or at import, which column each
field the rules need came from, which are missing, and for every column the
tool does not know the closest field and a ready settings line to paste.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from avustus_cli.domain.fields import FieldSpec, header_key

# Words that carry no meaning in a header: joiners, articles, units, yes/no question tails.
FILLER = frozenset(
    "ja tai sekä eli tms yms jne on ei kyllä k e the of and or a an to for in on by per at with och eller "
    "€ eur euro euroa euroina".split()
)
_TOKEN = re.compile(r"[^\W_]+|§")
_DIGITS = re.compile(r"\d+")

# Fields without which an import means nothing: an application with no applicant, no amount or no date
# cannot be checked, allocated or written to. A file without a column for one of these is refused.
REQUIRED_APPLICATION = ("id", "applicant", "requested", "received")
REQUIRED_HISTORY = ("amount",)

# The fields the rules read (domain.rules): shown in the column report, a missing one flagged. (The grant
# year is not among them: a file without one is for the round's year.)
RULE_FIELDS_APPLICATION = (
    "id", "applicant", "requested", "received", "form", "business_id", "legal_form", "non_profit",
    "home_municipality", "category", "scope", "municipalities", "county_field", "targets", "total_cost",
    "other_funding", "economic_activity", "accounts_segregated", "audit_consent", "attachments",
)  # fmt: skip
RULE_FIELDS_HISTORY = (
    "application_id", "applicant", "business_id", "form", "year", "amount", "decision_date", "paid_amount",
    "paid_date", "report_received", "report_status",
)  # fmt: skip

# Words that hint at a field in exports written in other layouts (360Giving, other funders): used only
# to suggest a mapping, never to map a column on their own.
SUGGEST_HINTS: dict[str, tuple[str, ...]] = {
    "id": ("identifier", "reference", "ref", "numero", "nro", "number", "tunniste"),
    "applicant": ("recipient", "org", "organisation", "organization", "name", "nimi", "saaja", "grantee"),
    "requested": ("amount", "summa", "määrä", "applied", "requested", "sum", "belopp"),
    "received": ("date", "päivä", "pvm", "päivämäärä", "submitted", "saapui", "datum"),
    "business_id": ("company", "registration", "charity", "yritystunnus"),
    "home_municipality": ("city", "town", "kunta", "kaupunki"),
    "address": ("postal", "postcode", "postinumero", "zip", "street", "katu"),
    "category": ("programme", "program", "luokka", "theme"),
    "amount": ("amount", "awarded", "summa", "grant", "myönnetty"),
    "decision_date": ("date", "päivä", "pvm", "award", "decision"),
    "year": ("year", "vuosi", "år"),
}


def header_words(header: object) -> tuple[str, ...]:
    """The meaningful words of a header, in order: case, punctuation, units, numbering and filler dropped."""
    return _header_words(str(header))


@lru_cache(maxsize=8192)  # every header is read against every field's spellings
def _header_words(text: str) -> tuple[str, ...]:
    h = unicodedata.normalize("NFC", text).replace("\u00a0", " ").casefold()
    words = []
    for w in _TOKEN.findall(h):
        if w in FILLER or _DIGITS.fullmatch(w):
            continue
        words.append(w)
    return tuple(words)


def _keys(header: object) -> tuple[str, str]:
    words = header_words(header)
    return " ".join(sorted(set(words))), "".join(words)


@dataclass(frozen=True)
class HeaderMatch:
    field: str | None  # the field the header names, or None
    how: str = ""  # "asetus" (settings), "otsikko" (a known spelling), "sanat" (holds a spelling's words)
    candidates: tuple[str, ...] = ()  # two or more: the header is ambiguous


@dataclass
class RowMatch:
    """A candidate header row read against the fields."""

    mapping: dict[int, str] = field(default_factory=dict)  # column index -> field
    how: dict[int, str] = field(default_factory=dict)
    ambiguous: dict[int, tuple[str, ...]] = field(default_factory=dict)  # column index -> fields it could be
    duplicates: dict[int, str] = field(default_factory=dict)  # column index -> field already taken by another column


class HeaderMatcher:
    """Matches headers against ``specs``; the settings' ``mapping`` (header -> field) wins over everything."""

    def __init__(self, specs: tuple[FieldSpec, ...], mapping: dict[str, str] | None = None):
        self.specs = specs
        self.labels = {s.name: s.label for s in specs}
        self.mapping: dict[str, str] = {}
        for header, name in (mapping or {}).items():
            self.mapping[header_key(header)] = name
            for k in _keys(header):
                if k:
                    self.mapping.setdefault("\0" + k, name)
        self.exact: dict[str, set[str]] = {}
        self.phrases: list[tuple[frozenset[str], str]] = []
        for spec in specs:
            for alias in spec.aliases:
                for k in _keys(alias):
                    if k:
                        self.exact.setdefault(k, set()).add(spec.name)
                words = frozenset(header_words(alias))
                if len(words) >= 2:
                    self.phrases.append((words, spec.name))
        self._match = lru_cache(maxsize=4096)(self._match_uncached)

    def match(self, header: object) -> HeaderMatch:
        if not isinstance(header, str) or not header.strip():
            return HeaderMatch(None)
        return self._match(header)

    def _match_uncached(self, header: str) -> HeaderMatch:
        name = self.mapping.get(header_key(header))
        if name is None:
            name = next((self.mapping[k] for k in ("\0" + k for k in _keys(header) if k) if k in self.mapping), None)
        if name is not None:
            return HeaderMatch(name, "asetus")
        found: set[str] = set()
        for k in _keys(header):
            found |= self.exact.get(k, set())
        if len(found) == 1:
            return HeaderMatch(next(iter(found)), "otsikko")
        if len(found) > 1:
            return HeaderMatch(None, "", self._ordered(found))
        words = set(header_words(header))
        held = [(p, n) for p, n in self.phrases if p <= words]
        maximal = {n for p, n in held if not any(p < q for q, _ in held)}
        if len(maximal) == 1:
            return HeaderMatch(next(iter(maximal)), "sanat")
        if len(maximal) > 1:
            return HeaderMatch(None, "", self._ordered(maximal))
        return HeaderMatch(None)

    def _ordered(self, names: set[str]) -> tuple[str, ...]:
        order = [s.name for s in self.specs]
        return tuple(sorted(names, key=order.index))

    def match_row(self, cells: list[object]) -> RowMatch:
        """Every column of a candidate header row: a setting beats a spelling, which beats a header that only
        holds a spelling's words; of two columns naming the same field the first wins, the other is noted."""
        result = RowMatch()
        matches = {i: self.match(c) for i, c in enumerate(cells)}
        for how in ("asetus", "otsikko", "sanat"):  # the officer's setting first, a header's words last
            for i, m in matches.items():
                if m.candidates and how == "asetus":
                    result.ambiguous[i] = m.candidates
                if m.field is None or m.how != how:
                    continue
                if m.field in result.mapping.values():
                    result.duplicates[i] = m.field
                else:
                    result.mapping[i] = m.field
                    result.how[i] = m.how
        result.mapping = dict(sorted(result.mapping.items()))
        return result


# --- suggestions for columns the tool does not know ---------------------------------------------


@lru_cache(maxsize=8)
def _vocabulary(specs: tuple[FieldSpec, ...]) -> tuple[dict[str, frozenset[str]], dict[str, float]]:
    vocab: dict[str, frozenset[str]] = {}
    for s in specs:
        words: set[str] = set()
        for a in (*s.aliases, s.name.replace("_", " ")):
            words.update(header_words(a))
        words.update(SUGGEST_HINTS.get(s.name, ()))
        vocab[s.name] = frozenset(words)
    counts: dict[str, int] = {}
    for vocab_words in vocab.values():
        for w in vocab_words:
            counts[w] = counts.get(w, 0) + 1
    return vocab, {w: 1.0 / n for w, n in counts.items()}


def _word_hit(word: str, vocab: frozenset[str]) -> tuple[str, float] | None:
    if word in vocab:
        return word, 1.0
    if len(word) >= 5:  # Finnish inflection: "hakijan" is "hakija", "kustannukset" is "kustannus..."
        for v in vocab:
            if len(v) >= 5 and v.startswith(word[:5]) and word.startswith(v[:5]):
                return v, 0.5
    return None


def _score(header: str, spec: FieldSpec, specs: tuple[FieldSpec, ...]) -> float:
    words = header_words(header)
    if not words:
        return 0.0
    vocab, weight = _vocabulary(specs)
    score = 0.0
    for w in set(words):
        hit = _word_hit(w, vocab[spec.name])
        if hit is not None:
            score += weight.get(hit[0], 0.0) * hit[1]
    score /= len(set(words)) ** 0.5
    close = _close_spelling(header, spec.aliases)
    return score + (close if close >= 0.8 else 0.0)


@lru_cache(maxsize=4096)
def _close_spelling(header: str, aliases: tuple[str, ...]) -> float:
    """The best similarity (difflib ratio) of the header to a known spelling, when it is at least 0.8;
    below that 0.0 (the cheap upper bounds rule a spelling out before the quadratic comparison)."""
    compact = "".join(header_words(header))
    best = 0.0
    for a in aliases:
        m = difflib.SequenceMatcher(None, compact, "".join(header_words(a)))
        if m.real_quick_ratio() >= 0.8 and m.quick_ratio() >= 0.8:
            best = max(best, m.ratio())
    return best if best >= 0.8 else 0.0


def suggest_fields(headers: dict[int, str], specs: tuple[FieldSpec, ...], exclude: frozenset[str] = frozenset(),
                   threshold: float = 0.2) -> dict[int, str]:
    """For columns the tool does not know (index -> header), the field each most plausibly holds: each
    field to one column at most, the closest pair first; a column with nothing close gets none."""
    pairs = sorted(
        ((sc, i, s.name) for i, h in headers.items() for s in specs if s.name not in exclude
         if (sc := _score(h, s, specs)) >= threshold),
        key=lambda p: (-p[0], p[1]),
    )
    out: dict[int, str] = {}
    for _, i, name in pairs:
        if i not in out and name not in out.values():
            out[i] = name
    return out


def toml_line(header: str, name: str) -> str:
    """A [columns] line the officer can paste: the header quoted as TOML wants it."""
    quoted = header.replace("\\", "\\\\").replace('"', '\\"')
    quoted = "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in quoted)
    return f'"{quoted}" = "{name}"'


# --- the column report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnLine:
    letter: str
    header: str
    field: str | None
    how: str  # see HeaderMatch.how; "" for a column the tool does not know
    suggestion: str | None = None  # closest field for a column the tool does not know
    candidates: tuple[str, ...] = ()  # an ambiguous header's fields
    duplicate_of: str | None = None  # the field another column already gave


@dataclass(frozen=True)
class FieldLine:
    field: str
    label: str
    required: bool
    column: str | None  # "M (Recipient Org:Name)", or None when no column gives it


@dataclass(frozen=True)
class ColumnReport:
    section: str  # "columns" or "history_columns"
    file: str
    sheet: str
    header_row: int
    columns: tuple[ColumnLine, ...]
    fields: tuple[FieldLine, ...]
    labels: dict[str, str]

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.fields if f.required and f.column is None)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.fields if f.column is None)

    @property
    def ambiguous(self) -> tuple[ColumnLine, ...]:
        return tuple(c for c in self.columns if c.candidates)

    def paste_lines(self, required_only: bool = True) -> list[str]:
        """One settings line per missing field (the required ones, or all the rules read), from the column
        that most plausibly holds it."""
        lines = []
        for name in self.missing_required if required_only else self.missing:
            col = next((c for c in self.columns if c.field is None and not c.candidates and c.suggestion == name), None)
            if col is not None:
                lines.append(toml_line(col.header, name))
        return lines

    def label(self, name: str) -> str:
        return f"{self.labels.get(name, name)} ({name})"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file, "sheet": self.sheet, "header_row": self.header_row, "section": self.section,
            "fields": [{"field": f.field, "label": f.label, "required": f.required, "column": f.column} for f in self.fields],
            "columns": [
                {"column": c.letter, "header": c.header, "field": c.field, "how": c.how, "suggestion": c.suggestion,
                 "line": toml_line(c.header, c.suggestion) if c.suggestion and c.field is None else None,
                 "candidates": list(c.candidates), "duplicate_of": c.duplicate_of}
                for c in self.columns
            ],
            "missing_required": list(self.missing_required), "missing": list(self.missing),
            "paste": self.paste_lines(), "suggested": self.paste_lines(required_only=False),
        }  # fmt: skip

    def where_to_paste(self, settings_file: str = "avustus.toml", section_present: bool = False) -> str:
        """Where the lines go, said so that pasting them gives a valid settings file: under the existing
        section header (a second [columns] would be a TOML error), or with the header when there is none."""
        if section_present:
            return f"lisää asetustiedostoon {settings_file} rivin [{self.section}] alle (ennen seuraavaa [otsikkoa]) rivit:"
        return f"lisää asetustiedoston {settings_file} loppuun rivit:"

    def paste_block(self, section_present: bool = False) -> list[str]:
        lines = self.paste_lines()
        return lines if section_present or not lines else [f"[{self.section}]", *lines]

    def refusal(self, settings_file: str = "avustus.toml", section_present: bool = False) -> tuple[str, str | None] | None:
        """The Finnish refusal (message, column) of an import this report forbids: an ambiguous header, or a
        field without which the import means nothing. None when the file can be imported."""
        if self.ambiguous:
            c = self.ambiguous[0]
            both = " ja ".join(self.label(n) for n in c.candidates)
            return (
                f"otsikko sopii useampaan kenttään: {both}. Kerro asetustiedoston [{self.section}]-osiossa, mikä "
                f"kenttä sarake on, esim. {toml_line(c.header, c.candidates[0])}. Tiedostoa ei tuotu.",
                f"{c.letter} ({c.header})",
            )
        if not self.missing_required:
            return None
        names = ", ".join(self.label(n) for n in self.missing_required)
        text = f"otsikkorivillä {self.header_row} ei ole saraketta tiedoille, joita säännöt tarvitsevat: {names}. Tiedostoa ei tuotu."
        block = self.paste_block(section_present)
        if block:
            text += " Jos tiedot ovat näissä sarakkeissa, " + self.where_to_paste(settings_file, section_present) + "\n"
            text += "\n".join(block)
        else:
            text += f" Kerro asetustiedoston [{self.section}]-osiossa, missä sarakkeessa tiedot ovat."
        history = "--history " if self.section == "history_columns" else ""
        shown = f'"{self.file}"' if " " in self.file else self.file
        text += f"\nKaikki sarakkeet ja lähimmät kentät: avustus columns {history}{shown}"
        return text, None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def column_report(
    file: str,
    sheet: str,
    header_row: int,
    headers: list[str],
    row: RowMatch,
    specs: tuple[FieldSpec, ...],
    *,
    history: bool = False,
) -> ColumnReport:
    """What each column of the header row gives, and each field the rules need."""
    from avustus_cli.domain.fields import looks_personal

    taken = frozenset(row.mapping.values())
    unknown = {i: h for i, h in enumerate(headers)
               if h and i not in row.mapping and i not in row.ambiguous and not looks_personal(h)}
    suggestions = suggest_fields(unknown, specs, exclude=taken)
    columns = []
    for i, h in enumerate(headers):
        if h:
            columns.append(ColumnLine(column_letter(i), h, row.mapping.get(i), row.how.get(i, ""), suggestions.get(i),
                                      row.ambiguous.get(i, ()), row.duplicates.get(i)))
    where = {n: f"{column_letter(i)} ({headers[i]})" for i, n in row.mapping.items()}
    labels = {s.name: s.label for s in specs}
    needed = RULE_FIELDS_HISTORY if history else RULE_FIELDS_APPLICATION
    required = REQUIRED_HISTORY if history else REQUIRED_APPLICATION
    if history and "business_id" not in where:  # an earlier grant is known by its grantee's name or business ID
        required = (*required, "applicant")
    fields = tuple(FieldLine(n, labels[n], n in required, where.get(n)) for n in needed if n in labels)
    return ColumnReport("history_columns" if history else "columns", file, sheet, header_row, tuple(columns), fields, labels)


# --- import warnings, grouped for the officer --------------------------------------------------------


@dataclass(frozen=True)
class WarningGroup:
    column: str  # "I (Amount Awarded)"
    count: int
    examples: tuple[dict, ...]  # the first few, in row order
    same_message: str | None = None  # the one message every warning of the column has, if they all have one


def group_warnings(warnings: list[dict], examples: int = 3) -> list[WarningGroup]:
    """Warnings by column, the column with most first, each with its count and first ``examples``."""
    groups: dict[str, list[dict]] = {}
    for w in warnings:
        groups.setdefault(str(w.get("column_name") or ""), []).append(w)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = []
    for col, ws in ordered:
        messages = {str(w.get("message")) for w in ws}
        first = tuple(sorted(ws, key=lambda w: w.get("row") or 0)[:examples])
        out.append(WarningGroup(col, len(ws), first, next(iter(messages)) if len(messages) == 1 and len(ws) > 1 else None))
    return out

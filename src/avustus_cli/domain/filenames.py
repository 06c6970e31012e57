"""File names of per-application documents (pure).

A letter's file name is built from the application's (or grant's) id. Ids
may hold any character, so the name keeps the characters that are safe in a
file name on every system (``A-Z a-z 0-9 . _ -``) and writes every other
character as ``%`` and the hex of its UTF-8 bytes (``K/1`` -> ``K%2F1``,
``K:1`` -> ``K%3A1``; ``%`` itself -> ``%25``). Different ids therefore get
different names by construction: ``K/1``, ``K_1`` and ``K:1`` can never share
a letter. A very long id is cut and given a hash of the whole id.

Case-insensitive file systems (Windows, macOS, network drives) would still
fold ``k-1`` and ``K-1`` into one file, so every writer of per-application
files also calls :func:`unique_stems`, which refuses such a set before
anything is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from avustus_cli.domain.errors import ValidationError

SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
MAX_STEM = 120  # characters of the encoded id; longer ones are cut and hashed


def file_stem(ident: str) -> str:
    """``ident`` as a file-name part: safe characters kept, the rest percent-encoded (injective)."""
    parts: list[str] = []
    for i, ch in enumerate(str(ident)):
        if ch in SAFE and not (i == 0 and ch == "."):
            parts.append(ch)
        else:
            parts.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    stem = "".join(parts) or "%00"
    if len(stem) > MAX_STEM:
        # '~' never occurs in an uncut stem, and the hash tells cut ones apart
        digest = hashlib.sha256(str(ident).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        stem = f"{stem[: MAX_STEM - 17]}~{digest}"
    return stem


def stem(prefix: str, ident: str) -> str:
    """The file name (without extension) of ``prefix``'s document for ``ident``: ``paatos_K%2F1``."""
    return f"{prefix}_{file_stem(ident)}"


def unique_stems(prefix: str, idents: Iterable[str]) -> dict[str, str]:
    """id -> file name for each of ``idents``; refuses (before anything is written) two ids whose
    files would be one file, also where the file system ignores upper and lower case."""
    stems: dict[str, str] = {}
    seen: dict[str, str] = {}
    for ident in idents:
        if ident in stems:
            continue
        name = stem(prefix, ident)
        other = seen.get(name.casefold())
        if other is not None:
            raise ValidationError(
                f"hakemuksille {other} ja {ident} tulisi sama tiedostonimi {name} (isot ja pienet kirjaimet "
                "ovat tiedostonimissä samoja); kirje menisi väärälle hakijalle. Korjaa toinen tunnus "
                "viennissä ja tuo tiedosto uudelleen. Mitään ei kirjoitettu."
            )
        seen[name.casefold()] = ident
        stems[ident] = name
    return stems


# The files this program writes outside the database that hold personal data: letters
# (the addressee, the contact person, e-mail addresses; a review decision sent to a member of the
# county, ``_jasenN``, a private person's name and home address), as Word, HTML or PDF, also a later
# version beside an earlier one (``_2``), and the mail-merge lists.
PERSONAL_FILE_KINDS = {
    "paatos": "päätöskirjeet",
    "taydennyspyynto": "täydennyspyynnöt",
    "muistutus": "käyttöselvitysmuistutukset",
    "oikaisuvaatimuspaatos": "oikaisuvaatimuspäätökset (myös hyvinvointialueen jäsenille lähetetyt)",
    "postitus": "postituslistat (sähköpostiosoitteet)",
}
_PERSONAL_FILE = re.compile(
    r"^(?:(?P<letter>paatos|taydennyspyynto|muistutus|oikaisuvaatimuspaatos)\d?_[A-Za-z0-9._%~-]+\.(?:docx|html|pdf)"
    r"|(?P<list>postitus)(?:_[A-Za-z0-9._%~-]+)?\.csv)$"
)


def personal_file_kind(name: str) -> str | None:
    """'paatos', 'taydennyspyynto', 'muistutus', 'oikaisuvaatimuspaatos' or 'postitus' for a file name
    this program gives a document holding personal data; None for any other name."""
    m = _PERSONAL_FILE.match(name)
    if not m:
        return None
    return m.group("letter") or m.group("list")

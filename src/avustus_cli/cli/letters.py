"""Helpers shared by the commands that write letters (decide, amend, review, reclaim)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.markup import escape

from avustus_cli.cli import out
from avustus_cli.domain.errors import ValidationError

_CHANNELS = {"letter": "letter", "kirje": "letter", "posti": "letter", "post": "letter",
             "email": "email", "e-mail": "email", "sähköposti": "email"}


def channel(value: str) -> str:
    """The --channel value as ``letter`` or ``email`` (English or Finnish word, any case)."""
    v = value.strip().casefold()
    if v not in _CHANNELS:
        raise ValidationError(f"--channel {value!r}: käytä letter (kirje) tai email (sähköposti).")
    return _CHANNELS[v]


def print_paths(paths: Iterable[Path]) -> None:
    """The written files on stdout, one a line."""
    for p in paths:
        out.print(escape(str(p)), highlight=False)

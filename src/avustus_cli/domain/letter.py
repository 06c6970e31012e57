"""A letter written to an applicant (decision, supplement request, reminder):
where it goes and how, as the mail-merge list states it, and the addressee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from avustus_cli.domain.models import Application

CHANNELS = ("letter", "email")
CHANNEL_LABELS = {"letter": "kirje", "email": "sähköposti"}


@dataclass(frozen=True)
class Letter:
    """One letter's line in the mail-merge list."""

    application: str
    name: str
    email: str
    file: str  # the .docx file name, "" when not written
    html: str  # the .html file name, "" when not written
    channel: str  # Finnish: kirje / sähköposti

    def mailing_row(self) -> tuple[str, ...]:
        return (self.application, self.name, self.email, self.file, self.html, self.channel)


def letter_files(application: str, name: str, email: str | None, stem: str, formats, channel: str) -> Letter:
    """The letter written as ``stem`` in ``formats`` and sent by ``channel`` (letter / email)."""
    return Letter(application, name, email or "", f"{stem}.docx" if "docx" in formats else "",
                  f"{stem}.html" if "html" in formats else "", CHANNEL_LABELS[channel])


def addressee(app: Application | None, name: str, business_id: str | None) -> dict[str, Any]:
    address: list[str] = []
    if app is not None and app.address:
        address = [line.strip() for line in app.address.replace(",", "\n").splitlines() if line.strip()]
    elif app is not None:
        extra = {str(k).casefold(): v for k, v in (app.extra or {}).items()}
        for key in ("postiosoite", "lähiosoite", "katuosoite", "osoite"):
            if extra.get(key):
                address.append(str(extra[key]))
                break
        for key in ("postinumero ja -toimipaikka", "postitoimipaikka"):
            if extra.get(key):
                address.append(str(extra[key]))
                break
        if not address and app.home_municipality:
            address.append(app.home_municipality)
    return {"name": name, "business_id": business_id, "address": address}


_FORM_PARTITIVE = {"operating": "toiminta-avustusta", "project": "hankeavustusta"}


def grant_phrase(form: str | None, amount: Decimal, years: list[int]) -> str:
    """What was granted, as a letter's sentence continues it: "20 000 € toiminta-avustusta vuodelle 2027",
    "30 000 € vuodessa kumppanuussopimukseen perustuvaa avustusta vuosille 2027–2028"."""
    from avustus_cli.domain import fmt

    span = "" if not years else (f" vuodelle {years[0]}" if len(years) == 1 else f" vuosille {years[0]}–{years[-1]}")
    if form == "partnership":
        return f"{fmt.money(amount)} vuodessa kumppanuussopimukseen perustuvaa avustusta{span}"
    return f"{fmt.money(amount)} {_FORM_PARTITIVE.get(form or '', 'avustusta')}{span}"

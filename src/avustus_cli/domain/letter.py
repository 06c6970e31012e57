"""A letter written to an applicant (decision, supplement request, reminder,
review decision, reclaim): where it goes and how, as the mail-merge list states
it, the addressee, and the record of it kept in the ``letters`` table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from avustus_cli.domain.models import Application

if TYPE_CHECKING:
    from avustus_cli.domain.decision import Decision

CHANNELS = ("letter", "email")
CHANNEL_LABELS = {"letter": "kirje", "email": "sähköposti"}

# The kinds of letter the ``letters`` table records, with the Finnish name the officer reads.
LETTER_KINDS: dict[str, str] = {
    "decision": "päätöskirje",
    "amendment": "muutettu päätös",
    "supplement": "täydennyspyyntö",
    "reminder": "muistutus",
    "review_decision": "oikaisuvaatimuspäätös",
    "reclaim_hearing": "kuulemiskirje (takaisinperintä)",
    "reclaim_decision": "takaisinperintäpäätös",
    "report_acceptance": "käyttöselvityksen hyväksyminen",
    "report_supplement": "käyttöselvityksen täydennyspyyntö",
    "agreement": "kumppanuussopimus",
}
# Each kind as the covering e-mail names it as its object ("... lähettää teille oheisena päätöskirjeen").
LETTER_OBJECTS: dict[str, str] = {
    "decision": "päätöskirjeen",
    "amendment": "muutetun päätöksen",
    "supplement": "täydennyspyynnön",
    "reminder": "muistutuksen",
    "review_decision": "oikaisuvaatimuspäätöksen",
    "reclaim_hearing": "kuulemiskirjeen (takaisinperintä)",
    "reclaim_decision": "takaisinperintäpäätöksen",
    "report_acceptance": "käyttöselvityksen hyväksymistä koskevan kirjeen",
    "report_supplement": "käyttöselvityksen täydennyspyynnön",
    "agreement": "kumppanuussopimuksen",
}
# The letters whose service starts the applicant's review period of a grant (the latest one counts); a review
# decision is appealed to the court instead (its own 30 days, not a payment hold).
DECISION_KINDS = ("decision", "amendment")
LETTER_STATUSES = ("written", "sending", "sent", "failed", "superseded", "outside")


@dataclass(frozen=True)
class LetterRecord:
    """One row of the ``letters`` table: a letter as written, and its delivery.

    ``served`` is the day the law presumes the letter served (domain.deadlines.served_on).
    ``status``: written (not yet sent by this program), sending (being handed to the mail server under
    ``message_id``, its acceptance not recorded: a run that stopped there, or a connection that broke before
    the server answered), sent (handed to the mail server), failed (the last attempt failed; ``error`` says why), superseded (a later letter of the
    same kind and file replaced it before it was sent), outside (delivered by other means:
    recorded before the table existed)."""

    id: int
    kind: str
    application_id: str | None
    grant_id: str | None
    folder: str
    file: str
    files: tuple[str, ...]
    recipient: str
    email: str | None
    channel: str
    sent: dt.date
    served: dt.date
    content_hash: str
    status: str = "written"
    delivered_at: str | None = None
    message_id: str | None = None
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LETTER_KINDS.get(self.kind, self.kind)

    @property
    def to_email(self) -> bool:
        """Waiting for ``avustus send``: an e-mail letter not yet handed to the mail server."""
        return self.channel == "email" and self.status in ("written", "failed")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "application": self.application_id, "grant": self.grant_id,
            "file": self.file, "files": list(self.files), "recipient": self.recipient, "channel": self.channel,
            "sent": self.sent.isoformat(), "served": self.served.isoformat(), "status": self.status,
            "delivered_at": self.delivered_at, "error": self.error,
        }


@dataclass(frozen=True)
class Letter:
    """One letter's line in the mail-merge list."""

    application: str
    name: str
    email: str
    file: str  # the .docx file name, "" when not written
    html: str  # the .html file name, "" when not written
    channel: str  # Finnish: kirje / sähköposti
    enclosures: tuple[str, ...] = ()  # what goes with the letter, each as "Liite 2 Avustusehdot (file)"

    def mailing_row(self) -> tuple[str, ...]:
        return (self.application, self.name, self.email, self.file, self.html, self.channel, "; ".join(self.enclosures))


# The grant terms (annex 2) a grant's decision letter names among its enclosures and that go with it.
TERMS_ENCLOSURE = "liite2_avustusehdot"
TERMS_LABEL = "Liite 2 Avustusehdot"


def terms_files(formats) -> tuple[str, ...]:
    """The grant terms as a letter encloses them: the Word file (the HTML when no Word files are made)."""
    return (f"{TERMS_ENCLOSURE}.{'docx' if 'docx' in formats else 'html'}",)


MAILING_HEADERS = ("Hakemusnumero", "Hakija", "Sähköposti", "Tiedosto", "HTML-tiedosto", "Lähetystapa", "Liitteet")


def enclosure(label: str, stem: str, formats, pdf: bool = False) -> str:
    """An enclosure as the mail-merge list names it: its label and the files to send with the letter
    ("Liite 2 Avustusehdot (liite2_avustusehdot.docx)"); with ``pdf`` the PDF/A made of the Word file
    too ("Liite 2 Avustusehdot (liite2_avustusehdot.docx, liite2_avustusehdot.pdf)")."""
    if "docx" not in formats:
        return f"{label} ({stem}.html)"
    return f"{label} ({stem}.docx, {stem}.pdf)" if pdf else f"{label} ({stem}.docx)"


def letter_files(application: str, name: str, email: str | None, stem: str, formats, channel: str,
                 enclosures: tuple[str, ...] = ()) -> Letter:
    """The letter written as ``stem`` in ``formats`` and sent by ``channel`` (letter / email), with its
    ``enclosures`` (:func:`enclosure`)."""
    return Letter(application, name, email or "", f"{stem}.docx" if "docx" in formats else "",
                  f"{stem}.html" if "html" in formats else "", CHANNEL_LABELS[channel], enclosures)


def address_lines(text: str) -> list[str]:
    """A postal address as a letter's address block shows it: "Katu 1, 40100 Jyväskylä" -> two lines."""
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def addressee(app: Application | None, name: str, business_id: str | None) -> dict[str, Any]:
    address: list[str] = []
    if app is not None and app.address:
        address = address_lines(app.address)
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


def grant_facts(d: Decision, years: list[int], default_body: str) -> dict[str, Any]:
    """The ``grant`` of a letter written after the decision (usage report, hearing, reclaim): a stored grant
    and the years its plan pays for."""
    from avustus_cli.domain.models import GRANT_FORM_LABELS, GrantForm

    return {
        "id": d.id, "year": d.year, "amount": d.amount,
        "form": GRANT_FORM_LABELS[GrantForm(d.form)] if d.form else "Avustus",
        "granted": grant_phrase(d.form, d.amount, years or ([d.year] if d.year else [])),
        "decision_body": d.decision_maker or default_body,
        "decision_date": d.decision_date,
        "section": (d.section or "").removeprefix("§").strip(),
    }

"""J: conflicts of interest (esteellisyys, Hallintolaki 28 §).

The officer keeps a register of the decision makers (board members, the
presenting official, the preparer) and their positions in organisations
(``avustus positions import``). J01 flags an application when a decision
maker holds a position, valid on the check date, in the applicant or in a
joint application's lead or co-applicant. Organisations are matched by
business ID when both sides have one, otherwise by normalised name
(case, punctuation and the legal-form suffix ry / r.y. / rf / sr ignored).

The finding names the person and the position: decision makers' names in
this role are public officials' data. The register holds no contact data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from avustus_cli.domain.matching import normalize
from avustus_cli.domain.models import Application, LegalForm, Party, Position
from avustus_cli.domain.rules._examples import REVIEW, ex
from avustus_cli.domain.rules._text import quote
from avustus_cli.domain.rules.registry import Example, RuleContext, rule

SOURCE = (
    "Virkailija on esteellinen, jos hän tai hänen läheisensä on hallituksen, hallintoneuvoston tai niihin "
    "rinnastettavan toimielimen jäsen tai toimitusjohtaja taikka niihin rinnastettavassa asemassa yhteisössä, "
    "joka on asianosainen (hallintolaki 28 §). Esteellinen ei saa käsitellä asiaa eikä olla läsnä sitä "
    "käsiteltäessä (27 §)."
)

# what the party is in the application, for the message
PARTY_ROLES = {"applicant": "hakija", "lead_applicant": "päävastuullinen hakija", "co_applicants": "yhteishakija"}

_LEGAL_SUFFIXES = {"ry", "rf", "sr", "r y", "r f", "s r"}


def organisation_key(name: str) -> str:
    """A name for matching: lower case, punctuation dropped, a trailing ry / r.y. / rf / sr removed."""
    norm = normalize(name or "")
    for suffix in sorted(_LEGAL_SUFFIXES, key=len, reverse=True):
        if norm.endswith(" " + suffix):
            norm = norm[: -len(suffix) - 1].strip()
            break
    return norm


@dataclass(frozen=True)
class Conflict:
    """A decision maker's position in one party of an application."""

    position: Position
    field: str  # applicant | lead_applicant | co_applicants
    party_name: str
    party_business_id: str | None
    matched_by: str  # business_id | name

    @property
    def party_role(self) -> str:
        return PARTY_ROLES[self.field]


def parties(app: Application) -> list[tuple[str, str, str | None]]:
    """(field, name, business ID) of every organisation in the application, the applicant first."""
    out = [("applicant", app.applicant, app.business_id)]
    if app.lead_applicant is not None:
        out.append(("lead_applicant", app.lead_applicant.name, app.lead_applicant.business_id))
    out += [("co_applicants", p.name, p.business_id) for p in app.co_applicants]
    return out


def _match(p: Position, name: str, business_id: str | None) -> str | None:
    if p.business_id and business_id:
        return "business_id" if p.business_id == business_id else None
    key = organisation_key(name)
    return "name" if key and key == organisation_key(p.organisation) else None


def conflicts(app: Application, register: Iterable[Position], day: dt.date) -> list[Conflict]:
    """The positions in ``register``, valid on ``day``, held in a party of ``app``.

    One conflict per (position, organisation): a lead applicant that is also
    the applicant is reported once, as the applicant."""
    out: list[Conflict] = []
    seen: set[tuple[Position, str]] = set()
    valid = [p for p in register if p.valid_on(day)]
    for fld, name, bid in parties(app):
        for p in valid:
            how = _match(p, name, bid)
            if how is None:
                continue
            key = (p, bid or organisation_key(name))
            if key in seen:
                continue
            seen.add(key)
            out.append(Conflict(p, fld, name, bid, how))
    return out


def conflict_message(c: Conflict) -> str:
    p = c.position
    role = f" ({p.body_role})" if p.body_role else ""
    position = p.position or "asemassa"
    bid = f", Y-tunnus {c.party_business_id}" if c.party_business_id else ""
    return (
        f"{p.person}{role}: {position}, {c.party_role} {quote(c.party_name)}{bid}; esteellinen "
        "(hallintolaki 28 §): ei saa osallistua asian valmisteluun, esittelyyn eikä päätöksentekoon"
    )


def _conflict_text(finding, app: Application, ctx: RuleContext) -> str:
    """The conflict a J01 finding states, as a clause: ``Anna Aaltonen (Aluehallitus, jäsen) on hakijan … ``."""
    register = ctx.positions or _example_register(app)
    for c in conflicts(app, register, ctx.as_of):
        if conflict_message(c) == finding.message:
            p = c.position
            role = f" ({p.body_role})" if p.body_role else ""
            position = p.position or "asemassa"
            return f"{p.person}{role} on {position} yhteisössä {c.party_name}, joka on hakemuksessa {c.party_role}"
    return "Päättäjällä on asema hakijayhteisössä"


# --- examples ---------------------------------------------------------------
# A J01 example needs a register of positions besides the application. The
# examples' registers are kept here and looked up by the example application
# object itself (``is``): an example run with no register in its context gets
# its own; real applications never are these objects.

_EXAMPLE_REGISTERS: list[tuple[Application, tuple[Position, ...]]] = []


def _jex(note: str, expected: tuple, register: Iterable[Position], **changes) -> Example:
    e = ex(note, expected, **changes)
    _EXAMPLE_REGISTERS.append((e.application, tuple(register)))
    return e


def _example_register(app: Application) -> tuple[Position, ...]:
    return next((reg for a, reg in _EXAMPLE_REGISTERS if a is app), ())


_CHAIR = Position(
    "Anna Aaltonen", "Aluehallitus, jäsen", "Keski-Suomen Omaishoitajat ry", "2077474-0", "hallituksen puheenjohtaja",
    dt.date(2025, 1, 1), None,
)
_BY_NAME = Position("Pekka Pelkonen", "valmistelija", "Keski-Suomen omaishoitajat r.y.", None, "hallituksen jäsen")
_EXPIRED = Position(
    "Anna Aaltonen", "Aluehallitus, jäsen", "Keski-Suomen Omaishoitajat ry", "2077474-0", "hallituksen jäsen",
    dt.date(2021, 1, 1), dt.date(2026, 12, 31),
)
_OTHER = Position("Olli Ojala", "esittelijä", "Laukaan Liikuntaseura ry", "0737546-2", "puheenjohtaja")
_SAME_NAME_OTHER_ID = Position(
    "Olli Ojala", "esittelijä", "Keski-Suomen Omaishoitajat ry", "0737546-2", "varapuheenjohtaja"
)
_CO_POSITION = Position("Maija Mäkelä", "Aluehallitus, varajäsen", "Laukaan Omaiset ry", None, "rahastonhoitaja")
_LEAD = Party("Keski-Suomen Omaishoitajat ry", "2077474-0", legal_form=LegalForm.ASSOCIATION)
_CO = (Party("Laukaan Omaiset ry"), Party("Muuramen Eläkeläiset ry"))


@rule(
    "J01",
    "conflict.decision_maker_position",
    title="Päättäjällä ei ole asemaa hakijayhteisössä",
    # about the decision makers, never the applicant: a review for the officer only
    review=(
        "{conflict}. Esteellinen henkilö ei saa osallistua asian valmisteluun, esittelyyn eikä "
        "päätöksentekoon eikä olla läsnä asiaa käsiteltäessä (hallintolaki 27 ja 28 §)."
    ),
    facts=lambda f, app, ctx: {"conflict": _conflict_text(f, app, ctx)},
    reads=("applicant", "business_id", "lead_applicant", "co_applicants"),
    needs="positions",
    source=SOURCE,
    severity=REVIEW,
    description=(
        "Päättäjien sidonnaisuusrekisteri (avustus positions import): jos toimielimen jäsenellä, esittelijällä "
        "tai valmistelijalla on tarkistuspäivänä voimassa oleva asema (esim. hallituksen jäsen tai "
        "puheenjohtaja) hakijassa, päävastuullisessa hakijassa tai yhteishakijassa, hakemus merkitään "
        "arvioitavaksi ja havainto nimeää henkilön ja aseman. Yhteisöt tunnistetaan Y-tunnuksesta, tai jos "
        "toiselta puuttuu Y-tunnus, nimestä (kirjainkoko, välimerkit ja pääte ry/sr ohitetaan). "
        "Esteellinen henkilö ei osallistu asian valmisteluun, esittelyyn eikä päätöksentekoon; "
        "avustus conflicts luettelee heidät."
    ),
    examples=(
        _jex("Rekisterissä ei ole hakijaan liittyvää asemaa", (), (_OTHER,)),
        _jex("Sidonnaisuusrekisteriä ei ole tuotu", (), ()),
        _jex("Aluehallituksen jäsen on hakijan puheenjohtaja (Y-tunnus täsmää)", (REVIEW,), (_CHAIR, _OTHER)),
        _jex("Valmistelija on hakijan hallituksessa; rekisterissä ei Y-tunnusta, nimi täsmää", (REVIEW,), (_BY_NAME,)),
        _jex("Asema päättyi ennen tarkistuspäivää", (), (_EXPIRED,)),
        _jex("Sama nimi, eri Y-tunnus: eri yhteisö", (), (_SAME_NAME_OTHER_ID,)),
        _jex(
            "Varajäsen on yhteishakijan rahastonhoitaja",
            (REVIEW,),
            (_CO_POSITION,),
            applicant="Muuramen Eläkeläiset ry",
            business_id="0737546-2",
            joint=True,
            lead_applicant=_LEAD,
            co_applicants=_CO,
            responsibility_split="Avustus maksetaan päähakijalle; kukin raportoi omat ryhmänsä päähakijalle.",
        ),
    ),
)
def decision_maker_position(app: Application, ctx: RuleContext):
    register = ctx.positions or _example_register(app)
    for c in conflicts(app, register, ctx.as_of):
        yield REVIEW, c.field, conflict_message(c)


__all__ = ["Conflict", "conflict_message", "conflicts", "organisation_key", "parties"]

"""Domain objects of a grant round.

Pure standard library: frozen dataclasses, Decimal money. Every other module
of the core (rules, allocation, deadlines) works on these; the edges (excel,
store, render, cli) translate to and from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding weighs. Order matters: most severe first."""

    BLOCKING = "blocking"  # hylkäävä
    DEFICIENCY = "deficiency"  # puute (täydennettävä)
    REVIEW = "review"  # huomio (virkailija arvioi)
    NOTE = "note"  # tiedoksi

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self]

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}

SEVERITY_LABELS = {
    Severity.BLOCKING: "hylkäävä",
    Severity.DEFICIENCY: "puute",
    Severity.REVIEW: "huomio",
    Severity.NOTE: "tiedoksi",
}


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    SUPPLEMENT = "supplement"
    REVIEW = "review"
    INELIGIBLE = "ineligible"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.ELIGIBLE: "avustuskelpoinen",
    Verdict.SUPPLEMENT: "täydennettävä",
    Verdict.REVIEW: "arvioitava",
    Verdict.INELIGIBLE: "ei avustuskelpoinen",
}


def _folded(word: str) -> str:
    return " ".join(word.strip().casefold().replace("ä", "a").replace("ö", "o").replace("-", " ").split())


def choice_from(word: str, labels: dict[Any, str], extra: dict[str, Any] | None = None) -> Any | None:
    """The value a word names: its English code (``blocking``) or the Finnish word the output uses
    (``hylkäävä``, also without the dots: ``hylkaava``), any case; None when it names none."""
    wanted = _folded(word)
    for value, label in labels.items():
        if wanted in (_folded(str(value)), _folded(label)):
            return value
    for alias, value in (extra or {}).items():
        if wanted == _folded(alias):
            return value
    return None


class GrantForm(StrEnum):
    OPERATING = "operating"  # toiminta-avustus
    PARTNERSHIP = "partnership"  # kumppanuussopimus
    PROJECT = "project"  # hankeavustus

    @property
    def label(self) -> str:
        return GRANT_FORM_LABELS[self]


GRANT_FORM_LABELS = {
    GrantForm.OPERATING: "Toiminta-avustus",
    GrantForm.PARTNERSHIP: "Kumppanuussopimus",
    GrantForm.PROJECT: "Hankeavustus",
}


class LegalForm(StrEnum):
    ASSOCIATION = "association"  # rekisteröity yhdistys
    FOUNDATION = "foundation"  # säätiö
    COMPANY = "company"  # osakeyhtiö
    COOPERATIVE = "cooperative"  # osuuskunta
    UNREGISTERED = "unregistered"  # rekisteröimätön yhteisö
    MUNICIPALITY = "municipality"
    PARISH = "parish"
    OTHER = "other"

    @property
    def label(self) -> str:
        return LEGAL_FORM_LABELS[self]


LEGAL_FORM_LABELS = {
    LegalForm.ASSOCIATION: "Rekisteröity yhdistys",
    LegalForm.FOUNDATION: "Säätiö",
    LegalForm.COMPANY: "Osakeyhtiö",
    LegalForm.COOPERATIVE: "Osuuskunta",
    LegalForm.UNREGISTERED: "Rekisteröimätön yhteisö",
    LegalForm.MUNICIPALITY: "Kunta",
    LegalForm.PARISH: "Seurakunta",
    LegalForm.OTHER: "Muu",
}

ELIGIBLE_LEGAL_FORMS = frozenset({LegalForm.ASSOCIATION, LegalForm.FOUNDATION})


class Scope(StrEnum):
    LOCAL = "local"  # paikallinen
    REGIONAL = "regional"  # seudullinen
    COUNTY = "county"  # koko hyvinvointialue

    @property
    def label(self) -> str:
        return {"local": "Paikallinen", "regional": "Seudullinen", "county": "Koko hyvinvointialue"}[
            self.value
        ]


class FundingDecision(StrEnum):
    POSITIVE = "positive"  # myönteinen
    PENDING = "pending"  # haettu / odottaa
    NEGATIVE = "negative"  # kielteinen


class ReportStatus(StrEnum):
    APPROVED = "approved"  # hyväksytty
    INCOMPLETE = "incomplete"  # täydennettävä
    PROCESSING = "processing"  # käsittelyssä

    @property
    def label(self) -> str:
        return {"approved": "hyväksytty", "incomplete": "täydennettävä", "processing": "käsittelyssä"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Party:
    """An organisation named in an application (lead or co-applicant)."""

    name: str
    business_id: str | None = None  # normalised 1234567-8 when valid
    business_id_raw: str | None = None  # as written, when it did not validate
    legal_form: LegalForm | None = None  # guessed from the name (ry, sr, oy)


@dataclass(frozen=True, slots=True)
class Application:
    """One application as imported. Every field may be missing (None / empty).

    ``raw`` keeps the exported text of every known field whose value could not
    be parsed, keyed by field name, so that rules can name the data that led
    to a finding. ``extra`` holds columns the tool does not know.
    """

    id: str
    received: dt.datetime | None = None
    form: GrantForm | None = None
    year: int | None = None
    applicant: str = ""
    business_id: str | None = None
    register_number: str | None = None
    legal_form: LegalForm | None = None
    non_profit: bool | None = None
    home_municipality: str | None = None
    address: str | None = None  # the organisation's postal address (for decision letters)
    activity_name: str = ""
    category: int | None = None  # 1..10
    description: str = ""
    cost_types: tuple[str, ...] = ()
    scope: Scope | None = None
    municipalities: tuple[str, ...] = ()
    county_field: bool | None = None
    targets: tuple[str, ...] = ()
    cooperation: str = ""
    requested: Decimal | None = None
    total_cost: Decimal | None = None
    other_funding: Decimal | None = None
    other_funders: str = ""
    economic_activity: bool | None = None
    accounts_segregated: bool | None = None
    audit_consent: bool | None = None
    joint: bool | None = None
    lead_applicant: Party | None = None
    co_applicants: tuple[Party, ...] = ()
    responsibility_split: str = ""
    agreement_start: dt.date | None = None
    agreement_end: dt.date | None = None
    commitments: str = ""
    external_funder: str = ""
    funding_decision: FundingDecision | None = None
    funding_start: dt.date | None = None
    funding_end: dt.date | None = None
    project_start: dt.date | None = None
    project_end: dt.date | None = None
    attachments: tuple[str, ...] = ()
    # personal data: kept in the database, never in logs or public output
    contact_person: str | None = None
    email: str | None = None
    phone: str | None = None
    iban: str | None = None
    personal_extra: Mapping[str, Any] = field(default_factory=dict)  # unknown columns that look personal
    # provenance
    raw: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


def fast_maker(cls: type, params: tuple[str, ...] | None) -> Any:
    """A function making a ``cls`` (a frozen dataclass) as its ``__init__`` would, setting each slot (or
    instance attribute) directly: with ``params``, those fields positionally and the others at their
    defaults; without, from one dict of field values (the missing ones at their defaults). A check of a
    big round makes 100 000 at a time; tests/test_rule_inputs.py holds the result to the dataclass's."""
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    head = f"def make({', '.join(params)}):" if params is not None else "def make(values):"
    lines = [head, "    obj = new(cls)"]
    slots = "__slots__" in cls.__dict__
    if not slots:
        lines.append("    attrs = obj.__dict__")
    for f in fields(cls):
        env[f"set_{f.name}"] = getattr(cls, f.name).__set__ if slots else None
        if f.default_factory is not MISSING:
            env[f"make_{f.name}"] = f.default_factory
            default = f"make_{f.name}()"
        elif f.default is not MISSING:
            env[f"default_{f.name}"] = f.default
            default = f"default_{f.name}"
        else:
            default = ""
        if params is not None:
            value = f.name if f.name in params else default
        elif default.endswith("()"):
            value = f"values[{f.name!r}] if {f.name!r} in values else {default}"
        else:
            value = f"values[{f.name!r}]" if not default else f"values.get({f.name!r}, {default})"
        lines.append(f"    set_{f.name}(obj, {value})" if slots else f"    attrs[{f.name!r}] = {value}")
    lines.append("    return obj")
    exec("\n".join(lines), env)  # noqa: S102 - code made here from the dataclass's own fields, as dataclasses does
    return env["make"]


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str  # Finnish, names the data that caused it
    field: str | None = None  # the application field it concerns
    accepted_reason: str | None = None  # set when the officer accepted it

    @property
    def accepted(self) -> bool:
        return self.accepted_reason is not None


@dataclass(frozen=True, slots=True)
class Grant:
    """A grant already decided (this round's or an earlier one)."""

    id: str
    application_id: str | None
    applicant: str
    business_id: str | None
    form: GrantForm | None
    year: int | None
    amount: Decimal
    decision_date: dt.date | None = None
    section: str | None = None  # § number
    decision_maker: str | None = None
    paid_amount: Decimal | None = None
    paid_date: dt.date | None = None
    report_received: dt.date | None = None
    report_status: ReportStatus | None = None


def verdict_for(findings: list[Finding] | tuple[Finding, ...]) -> Verdict:
    """The verdict from the findings that still stand (accepted ones do not)."""
    open_ = [f for f in findings if not f.accepted]
    if any(f.severity is Severity.BLOCKING for f in open_):
        return Verdict.INELIGIBLE
    if any(f.severity is Severity.DEFICIENCY for f in open_):
        return Verdict.SUPPLEMENT
    if any(f.severity is Severity.REVIEW for f in open_):
        return Verdict.REVIEW
    return Verdict.ELIGIBLE


@dataclass(frozen=True, slots=True)
class Position:
    """A decision maker's position in an organisation (the officer's register
    for conflicts of interest, Hallintolaki 28 §). Names of decision makers in
    this role are public officials' data; the register holds no contact data."""

    person: str
    body_role: str  # toimielin / rooli: e.g. "Aluehallitus, jäsen", "esittelijä", "valmistelija"
    organisation: str
    business_id: str | None = None  # normalised 1234567-8 when valid
    position: str = ""  # asema: e.g. "hallituksen jäsen", "puheenjohtaja"
    start: dt.date | None = None
    end: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        """The position is held on ``day`` (open start or end: no limit)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


# Made without the dataclasses' keyword handling (a check of a big round makes one per application):
# grant_of(id, application_id, ..., report_status): Grant(...) with every field given in order;
# finding_of(code, severity, message, field): Finding(code, severity, message, field).
def _unset_field(app: Application, name: str) -> Any:
    """An Application's field that ``slim_application`` or ``application_of`` left unset reads as its default
    (Python calls this only when the slot has no value)."""
    f = _APPLICATION_FIELDS.get(name)
    if f is None or (f.default is MISSING and f.default_factory is MISSING):
        raise AttributeError(f"'Application' object has no attribute {name!r}")
    return f.default_factory() if f.default_factory is not MISSING else f.default


_APPLICATION_FIELDS = {f.name: f for f in fields(Application)}
_SET_APPLICATION = {f.name: getattr(Application, f.name).__set__ for f in fields(Application)}
# set after the class is made, so that type checkers still know an Application's attributes exactly
type.__setattr__(Application, "__getattr__", _unset_field)


def slim_application(id: str, applicant: str, business_id: str | None, form: GrantForm | None, year: int | None,
                     requested: Decimal | None) -> Application:
    """Application(id=..., applicant=..., business_id=..., form=..., year=..., requested=...): only these
    slots are set, every other field reads as its default (a check returns one per application)."""
    app = object.__new__(Application)
    _set_id(app, id)
    _set_applicant(app, applicant)
    _set_business_id(app, business_id)
    _set_form(app, form)
    _set_year(app, year)
    _set_requested(app, requested)
    return app


_set_id, _set_applicant, _set_business_id, _set_form, _set_year, _set_requested = (
    _SET_APPLICATION[n] for n in ("id", "applicant", "business_id", "form", "year", "requested"))


def application_of(values: dict[str, Any]) -> Application:
    """Application(**values) (``id`` must be there): only these slots are set, every other field reads
    as its default (a check makes one per distinct combination of a rule's fields)."""
    if "id" not in values:
        raise KeyError("id")
    app = object.__new__(Application)
    for name, value in values.items():
        _SET_APPLICATION[name](app, value)
    return app
grant_of = fast_maker(Grant, tuple(f.name for f in fields(Grant)))
finding_of = fast_maker(Finding, ("code", "severity", "message", "field"))

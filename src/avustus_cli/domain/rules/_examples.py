"""Base applications for the rules' examples: complete and valid, so that an
example changes only what it is about."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from avustus_cli.domain.models import Application, FundingDecision, GrantForm, LegalForm, Scope, Severity
from avustus_cli.domain.rules.registry import Example

OPERATING = Application(
    id="ESIM-1",
    received=dt.datetime(2026, 12, 15, 10, 30),
    form=GrantForm.OPERATING,
    year=2027,
    applicant="Keski-Suomen Omaishoitajat ry",
    business_id="2077474-0",
    register_number="123.456",
    legal_form=LegalForm.ASSOCIATION,
    non_profit=True,
    home_municipality="Jyväskylä",
    activity_name="Omaishoitajien vertaistukiryhmät",
    category=6,
    description="Vertaistukiryhmiä omaishoitajille Jyväskylässä ja Laukaassa kotihoidon kanssa.",
    cost_types=("Henkilöstökulut", "Toimintakulut"),
    scope=Scope.REGIONAL,
    municipalities=("Jyväskylä", "Laukaa"),
    county_field=True,
    targets=("Ikäihmisten kotona asumisen tukeminen",),
    cooperation="Kotihoito ja omaishoidon tuki ohjaavat asiakkaita ryhmiin.",
    requested=Decimal("25000"),
    total_cost=Decimal("40000"),
    other_funding=Decimal("15000"),
    other_funders="STEA",
    economic_activity=False,
    audit_consent=True,
    joint=False,
    attachments=("Toimintasuunnitelma 2027", "Talousarvio 2027"),
    contact_person="Maija Meikäläinen",
    email="maija.meikalainen@example.fi",
    phone="040 123 4567",
    iban="FI21 1234 5600 0007 85",
)

PARTNERSHIP = replace(
    OPERATING,
    id="ESIM-2",
    form=GrantForm.PARTNERSHIP,
    requested=Decimal("50000"),
    total_cost=Decimal("600000"),
    other_funding=Decimal("400000"),
    agreement_start=dt.date(2027, 1, 1),
    agreement_end=dt.date(2030, 12, 31),
    commitments="Järjestö: 40 ryhmää vuodessa. Hyvinvointialue: ohjaa asiakkaat. Mittari: osallistujamäärä.",
)

PROJECT = replace(
    OPERATING,
    id="ESIM-3",
    form=GrantForm.PROJECT,
    activity_name="Omaishoidon digipolku -hanke",
    requested=Decimal("30000"),
    total_cost=Decimal("300000"),
    other_funding=Decimal("270000"),
    external_funder="Euroopan sosiaalirahasto plus (ESR+)",
    funding_decision=FundingDecision.POSITIVE,
    funding_start=dt.date(2027, 1, 1),
    funding_end=dt.date(2028, 12, 31),
    project_start=dt.date(2027, 1, 1),
    project_end=dt.date(2028, 12, 31),
    commitments="Ohjausryhmä neljästi vuodessa, asiakasohjaus kotihoidosta, mittarina tavoitettujen määrä.",
)

BLOCKING, DEFICIENCY, REVIEW, NOTE = Severity.BLOCKING, Severity.DEFICIENCY, Severity.REVIEW, Severity.NOTE


def ex(note: str, expected: tuple[Severity, ...] = (), base: Application = OPERATING, **changes) -> Example:
    """An example: ``base`` with ``changes``; ``history`` and ``as_of`` go to the Example."""
    history = changes.pop("history", ())
    as_of = changes.pop("as_of", None)
    return Example(replace(base, **changes), tuple(expected), note, history=history, as_of=as_of)

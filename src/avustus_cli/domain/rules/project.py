"""P: project grants (hankeavustus)."""

from __future__ import annotations

import datetime as dt

from avustus_cli.domain.models import Application, FundingDecision, GrantForm
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, PROJECT, REVIEW, ex
from avustus_cli.domain.rules._text import fdate, label, missing
from avustus_cli.domain.rules.registry import RuleContext, rule

_PAYMENT_RULE = "Avustusohjeen mukaan hankeavustuksen maksatuksen ehtona on myönteinen rahoituspäätös"
_AGREED = "Avustusohjeen mukaan hankeavustuksesta neuvotellessa sovitaan"

_FUNDING = (
    "Hankeavustuksilla hyvinvointialue osallistuu sellaisten alueellista, kansallista tai EU-rahoitusta "
    "saavien hankkeiden ja projektien rahoittamiseen, jotka tukevat hyvinvointialueen strategian ja "
    "palvelustrategian toteutumista."
)


# the case of the funder's decision; anything else (no answer, an unknown one) is "missing"
_FUNDING_CASES: dict[FundingDecision | None, str] = {
    FundingDecision.NEGATIVE: "negative",
    FundingDecision.PENDING: "pending",
}


def _is_project(app: Application) -> bool:
    return app.form is GrantForm.PROJECT


@rule(
    "P01",
    "project.external_funder",
    title="Hankkeella on alueellinen, kansallinen tai EU-rahoitus",
    refusal=(
        "Hakemuksessa ei ole nimetty hankkeen ulkopuolista rahoittajaa. Avustusohjeen mukaan hankeavustuksilla "
        "osallistutaan alueellista, kansallista tai EU-rahoitusta saavien hankkeiden rahoittamiseen, joten "
        "avustusta ei voida myöntää."
    ),
    request="Ilmoittakaa hankkeen alueellinen, kansallinen tai EU-rahoittaja ja toimittakaa rahoituspäätös.",
    reads=("form", "external_funder"),
    where="form = 'project'",
    source=_FUNDING,
    severity=BLOCKING,
    description="Hankeavustuksen hakemuksessa on nimetty ulkopuolinen rahoittaja (Ulkopuolinen rahoittaja).",
    examples=(
        ex("ESR+-rahoitus", (), base=PROJECT),
        ex("Rahoittaja puuttuu", (BLOCKING,), base=PROJECT, external_funder=""),
        ex("Toiminta-avustus: ei koske", (), external_funder=""),
    ),
)
def external_funder(app: Application, ctx: RuleContext):
    if _is_project(app) and not (app.external_funder or "").strip():
        yield (
            BLOCKING,
            "external_funder",
            f"{label('external_funder')}: puuttuu; hankeavustus on alueellista, kansallista tai EU-rahoitusta "
            "saaville hankkeille",
        )


@rule(
    "P02",
    "project.funding_decision",
    title="Myönteinen rahoituspäätös",
    refusal={
        "negative": (
            "Hakemuksen mukaan {funder} on tehnyt hankkeesta kielteisen rahoituspäätöksen. " + _PAYMENT_RULE
            + ", joten avustusta ei voida myöntää."
        ),
        "missing": (
            "Hakemuksesta ei käy ilmi, onko hankkeelle myönnetty ulkopuolista rahoitusta. " + _PAYMENT_RULE
            + ", joten avustusta ei voida myöntää."
        ),
    },
    request={
        "pending": "Toimittakaa hankkeen rahoituspäätös heti, kun rahoittaja on sen tehnyt.",
        "missing": "Ilmoittakaa, onko hankkeen ulkopuolinen rahoittaja tehnyt rahoituspäätöksen, ja toimittakaa päätös.",
    },
    hold={
        "pending": (
            "Hakemuksen mukaan {funder} ei ole vielä tehnyt hankkeen rahoituspäätöstä. " + _PAYMENT_RULE
            + ", joten avustus maksetaan vasta, kun myönteinen rahoituspäätös on toimitettu."
        ),
    },
    cases=lambda f, app, ctx: _FUNDING_CASES.get(app.funding_decision, "missing"),
    reads=("form", "funding_decision", "raw"),
    where="form = 'project'",
    source=(
        "Hankeavustusten maksatusten ehtona on myönteinen rahoituspäätös avustuksen kohteena olleelle "
        "hankkeelle tai projektille."
    ),
    severity=BLOCKING,
    description=(
        "Ulkopuolisen rahoittajan päätös (Rahoituspäätös): myönteinen kelpaa; odottava on puute (avustus "
        "voidaan esittää ehdollisena, maksatus pidätetään päätökseen asti); kielteinen on hylkäävä; "
        "puuttuva tieto on puute."
    ),
    examples=(
        ex("Myönteinen päätös", (), base=PROJECT),
        ex("Päätös odottaa", (DEFICIENCY,), base=PROJECT, funding_decision=FundingDecision.PENDING),
        ex("Kielteinen päätös", (BLOCKING,), base=PROJECT, funding_decision=FundingDecision.NEGATIVE),
        ex("Tieto puuttuu", (DEFICIENCY,), base=PROJECT, funding_decision=None),
    ),
)
def funding_decision(app: Application, ctx: RuleContext):
    if not _is_project(app):
        return
    d = app.funding_decision
    if d is FundingDecision.NEGATIVE:
        yield (
            BLOCKING,
            "funding_decision",
            f"{label('funding_decision')}: kielteinen; maksatuksen ehtona on myönteinen rahoituspäätös",
        )
    elif d is FundingDecision.PENDING:
        yield (
            DEFICIENCY,
            "funding_decision",
            f"{label('funding_decision')}: odottaa; avustus voidaan esittää ehdollisena, maksatus pidätetään "
            "myönteiseen rahoituspäätökseen asti",
        )
    elif d is None:
        yield DEFICIENCY, "funding_decision", missing(app, "funding_decision") + "; maksatuksen ehtona on myönteinen rahoituspäätös"


def _period(a: dt.date | None, b: dt.date | None) -> str:
    return f"{fdate(a)}–{fdate(b)}"


@rule(
    "P03",
    "project.period",
    title="Hankekausi vastaa rahoituskautta",
    request={"missing": "Ilmoittakaa hankkeen ja sen ulkopuolisen rahoituksen alkamis- ja päättymispäivät."},
    review={
        "outside": (
            "Hankekausi {project_start}–{project_end} ei ole ulkopuolisen rahoituksen kauden "
            "{funding_start}–{funding_end} sisällä. Avustusohjeen mukaan hankeavustus vastaa kestoltaan "
            "lähtökohtaisesti ulkopuolisen rahoituksen kestoa; arvioi avustuksen kausi."
        ),
        "missing": (
            "Hakemuksesta puuttuu hankkeen tai sen rahoituksen alkamis- tai päättymispäivä, joten hankekautta ei "
            "voi verrata rahoituskauteen. Tarkista kaudet rahoituspäätöksestä tai pyydä hakijalta täydennys."
        ),
    },
    cases=lambda f, app, ctx: (
        "missing" if None in (app.project_start, app.project_end, app.funding_start, app.funding_end) else "outside"
    ),
    reads=("form", "project_start", "project_end", "funding_start", "funding_end", "raw"),
    where="form = 'project'",
    source=(
        "Hankeavustukset neuvotellaan tapauskohtaisesti talousarvion ja käyttötaloussuunnitelman rajoissa "
        "lähtökohtaisesti vastaamaan kestoltaan alueellisen, kansallisen tai EU-rahoituksen kestoa."
    ),
    severity=REVIEW,
    description=(
        "Hankekausi (Hanke alkaa – päättyy) on ulkopuolisen rahoituksen kauden (Rahoituskausi alkaa – "
        "päättyy) sisällä. Kauden ylittävä tai puuttuva päivämäärä merkitään arvioitavaksi."
    ),
    examples=(
        ex("Kaudet samat", (), base=PROJECT),
        ex("Hanke jatkuu rahoituksen jälkeen", (REVIEW,), base=PROJECT, project_end=dt.date(2029, 6, 30)),
        ex("Rahoituskausi puuttuu", (REVIEW,), base=PROJECT, funding_start=None, funding_end=None),
    ),
)
def period(app: Application, ctx: RuleContext):
    if not _is_project(app):
        return
    ps, pe, fs, fe = app.project_start, app.project_end, app.funding_start, app.funding_end
    if ps is None or pe is None or fs is None or fe is None:
        absent = [f for f, v in (("project_start", ps), ("project_end", pe), ("funding_start", fs),
                                 ("funding_end", fe)) if v is None]
        yield (
            REVIEW,
            absent[0],
            "; ".join(missing(app, f) for f in absent) + ": hankekautta ei voi verrata rahoituskauteen",
        )
        return
    if ps < fs or pe > fe:
        yield (
            REVIEW,
            "project_end" if pe > fe else "project_start",
            f"Hankekausi: {_period(ps, pe)} ei ole rahoituskauden {_period(fs, fe)} sisällä",
        )


@rule(
    "P04",
    "project.cooperation",
    title="Yhteistyö, palveluihin linkittyminen ja mittarit sovittu",
    refusal={
        "cooperation": (
            "Hakemuksessa ei ole kuvattu hankkeen yhteistyötä hyvinvointialueen palveluiden kanssa. " + _AGREED
            + " hankkeen linkittymisestä hyvinvointialueen palvelukokonaisuuteen, joten avustusta ei voida myöntää."
        ),
        "commitments": (
            "Hakemuksessa ei ole kuvattu hankkeen aikaisia yhteistyökäytäntöjä eikä mittareita. " + _AGREED
            + " yhteistyökäytännöistä sekä mittareista, joilla toiminnan vaikuttavuutta seurataan, joten "
            "avustusta ei voida myöntää."
        ),
    },
    request={
        "cooperation": (
            "Kuvatkaa, miten hanke linkittyy hyvinvointialueen palveluihin ja minkä palveluiden kanssa hankkeessa "
            "tehdään yhteistyötä."
        ),
        "commitments": (
            "Kuvatkaa hankkeen aikaiset yhteistyökäytännöt (ohjausryhmätyöskentely, asiakasohjaus, raportointi) "
            "ja mittarit, joilla toiminnan vaikuttavuutta seurataan."
        ),
    },
    reads=("form", "cooperation", "commitments", "raw"),
    where="form = 'project'",
    source=(
        "Hankeavustuksesta neuvotellessa sovitaan hankkeen tai projektin linkittymisestä hyvinvointialueen "
        "palvelukokonaisuuteen, käytännöt hankkeen tai projektin aikaisesta yhteistyöstä "
        "(ohjausryhmätyöskentely, asiakasohjaus, raportointi) sekä mittarit, joilla toiminnan vaikuttavuutta "
        "seurataan."
    ),
    severity=DEFICIENCY,
    description=(
        "Hankeavustuksen hakemuksessa on kuvattu yhteistyö hyvinvointialueen palveluiden kanssa (Yhteistyö "
        "sote- tai pelastuspalveluiden kanssa) sekä yhteistyökäytännöt ja mittarit (Sitoumukset ja mittarit). "
        "Kumpikin puuttuva on puute."
    ),
    examples=(
        ex("Molemmat kuvattu", (), base=PROJECT),
        ex("Mittarit puuttuvat", (DEFICIENCY,), base=PROJECT, commitments=""),
        ex("Yhteistyö puuttuu", (DEFICIENCY,), base=PROJECT, cooperation=""),
    ),
)
def cooperation(app: Application, ctx: RuleContext):
    if not _is_project(app):
        return
    for fld in ("cooperation", "commitments"):
        if not (getattr(app, fld) or "").strip():
            yield DEFICIENCY, fld, missing(app, fld)

"""S: partnership agreements (kumppanuussopimus)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from avustus_cli.domain.config import Settings
from avustus_cli.domain.deadlines import add_months
from avustus_cli.domain.models import Application, GrantForm
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, NOTE, PARTNERSHIP, ex
from avustus_cli.domain.rules._text import fdate, join, label, missing, money, raw
from avustus_cli.domain.rules.reasons import quoted
from avustus_cli.domain.rules.registry import RuleContext, rule

_CENT = Decimal("0.01")


def _is_partnership(app: Application) -> bool:
    return app.form is GrantForm.PARTNERSHIP


def partnership_routing(app: Application, settings: Settings) -> list[tuple[int, Decimal, str]]:
    """Per year of the agreement: (year, amount, decider).

    For a partnership agreement the export's "Haettu summa" is the amount per
    year of the agreement (the e-form export's field description), so every agreement year carries it.
    The years are counted from the agreement's start in 12-month steps
    (1.7.2027–30.6.2029 -> 2027, 2028). A year above
    ``settings.partnership_threshold`` is decided by ``settings.body``, the
    others by ``settings.small_partnership_decider`` ("yli 100 000 euroa
    vuodessa": exactly 100 000 € is not above). Without valid agreement dates
    there is one year (the application's year, else the round's). A missing
    sum counts as 0 € (an agreement may carry no money).
    """
    per_year = app.requested if app.requested is not None else Decimal(0)
    start, end = app.agreement_start, app.agreement_end
    if start is None or end is None or end < start:
        years = [app.year or settings.year]
    else:
        years = []
        cursor = start
        while cursor <= end and len(years) < 50:
            years.append(cursor.year)
            cursor = _next_agreement_year(start, len(years))
    decider = settings.body if per_year > settings.partnership_threshold else settings.small_partnership_decider
    return [(year, per_year, decider) for year in years]


def _next_agreement_year(start, n: int):
    try:
        return start.replace(year=start.year + n)
    except ValueError:  # 29.2.
        return start.replace(year=start.year + n, day=28)


@rule(
    "S01",
    "partnership.term",
    title="Sopimuskausi enintään neljä vuotta",
    refusal={
        "too_long": (
            "Hakemuksen mukaan sopimuskausi on {agreement_start}–{agreement_end}, eli se on yli {max_years} "
            "vuoden pituinen. Avustusohjeen mukaan kumppanuussopimukset laaditaan enintään {max_years} vuoden "
            "pituisina, joten avustusta ei voida myöntää haetulle sopimuskaudelle."
        ),
        "end_before_start": (
            "Hakemuksessa ilmoitettu sopimuskausi päättyy {agreement_end} ennen kuin se alkaa {agreement_start}, "
            "joten sopimuskautta ei voida määrittää. Avustusohjeen mukaan kumppanuussopimukset laaditaan "
            "enintään {max_years} vuoden pituisina, joten avustusta ei voida myöntää."
        ),
        "missing": (
            "Hakemuksesta ei käy ilmi kumppanuussopimuksen sopimuskausi. Avustusohjeen mukaan "
            "kumppanuussopimukset laaditaan enintään {max_years} vuoden pituisina, eikä sopimusta voida laatia "
            "ilman sopimuskautta, joten avustusta ei voida myöntää."
        ),
    },
    request={
        "missing": "Ilmoittakaa kumppanuussopimuksen sopimuskauden alkamis- ja päättymispäivä.",
        "end_before_start": "Ilmoittakaa kumppanuussopimuksen sopimuskauden alkamis- ja päättymispäivä.",
    },
    cases=lambda f, app, ctx: (
        "missing" if app.agreement_start is None or app.agreement_end is None
        else "end_before_start" if app.agreement_end < app.agreement_start else "too_long"
    ),
    reads=("form", "agreement_start", "agreement_end", "raw"),
    where="form = 'partnership'",
    source="Kumppanuussopimukset laaditaan enintään neljän vuoden pituisina kokonaisuuksina.",
    severity=BLOCKING,
    description=(
        "Kumppanuussopimuksen sopimuskausi (Sopimuskausi alkaa – päättyy) on enintään asetusten "
        "partnership_max_years vuotta (oletus 4: 1.1.2027–31.12.2030 kelpaa, 1.1.2027–1.1.2031 ei). "
        "Liian pitkä kausi tai loppu ennen alkua on hylkäävä; puuttuva päivämäärä on puute."
    ),
    examples=(
        ex("Neljä vuotta", (), base=PARTNERSHIP),
        ex("Neljä vuotta ja päivä", (BLOCKING,), base=PARTNERSHIP, agreement_end=dt.date(2031, 1, 1)),
        ex("Päättyy ennen alkua", (BLOCKING,), base=PARTNERSHIP, agreement_end=dt.date(2026, 12, 31)),
        ex("Päättymispäivä puuttuu", (DEFICIENCY,), base=PARTNERSHIP, agreement_end=None),
        ex("Toiminta-avustus: ei koske", (), agreement_end=dt.date(2040, 1, 1), agreement_start=dt.date(2027, 1, 1)),
    ),
)
def term(app: Application, ctx: RuleContext):
    if not _is_partnership(app):
        return
    start, end = app.agreement_start, app.agreement_end
    if start is None:
        yield DEFICIENCY, "agreement_start", missing(app, "agreement_start")
    if end is None:
        yield DEFICIENCY, "agreement_end", missing(app, "agreement_end")
    if start is None or end is None:
        return
    years = ctx.settings.partnership_max_years
    if end < start:
        yield (
            BLOCKING,
            "agreement_end",
            f"{label('agreement_end')}: {fdate(end)} on ennen sopimuskauden alkua {fdate(start)}",
        )
    elif end >= add_months(start, 12 * years):
        yield (
            BLOCKING,
            "agreement_end",
            f"{label('agreement_end')}: sopimuskausi {fdate(start)}–{fdate(end)} on yli {years} vuotta",
        )


_ONLY_SOURCE = (
    "Avustusohjeen mukaan kumppanuussopimuksessa sovittava avustus ei voi olla järjestön ainoa "
    "rahoituslähde, joten avustusta ei voida myöntää."
)


@rule(
    "S02",
    "partnership.other_funding",
    title="Avustus ei ole ainoa rahoituslähde",
    refusal={
        "none": (
            "Hakemuksen mukaan järjestön muu rahoitus on {other_funding}, eikä hakemuksessa ole nimetty muita "
            "rahoituslähteitä. " + _ONLY_SOURCE
        ),
        "not_reported": (
            "Hakemuksessa ei ole ilmoitettu muuta rahoitusta eikä muita rahoituslähteitä. " + _ONLY_SOURCE
        ),
        "unreadable": (
            "Hakemuksessa ilmoitetusta muusta rahoituksesta {other_funding_text} ei käy ilmi sen määrä. "
            + _ONLY_SOURCE
        ),
    },
    request={
        "not_reported": "Ilmoittakaa järjestön muu rahoitus euroina ja sen lähteet.",
        "unreadable": "Ilmoittakaa järjestön muu rahoitus euroina ja sen lähteet.",
    },
    cases=lambda f, app, ctx: (
        "unreadable" if f.severity is DEFICIENCY else "none" if app.other_funding is not None else "not_reported"
    ),
    facts=lambda f, app, ctx: {"other_funding_text": quoted(raw(app, "other_funding") or "")},
    reads=("form", "requested", "other_funding", "other_funders", "raw"),
    where="form = 'partnership' and (other_funding is null or cast(other_funding as real) <= 0)",
    source="Kumppanuussopimuksessa sovittava avustus ei voi olla järjestön ainoa rahoituslähde.",
    severity=BLOCKING,
    description=(
        "Kumppanuussopimuksen hakemuksessa on muuta rahoitusta (Muu rahoitus > 0) tai nimetty muita "
        "rahoituslähteitä. Ilman muuta rahoitusta hakemus on hylkäävä; jos summa on kirjoitettu "
        "tunnistamattomasti, pyydetään täydennys. Sopimus ilman rahaa (haettu 0 €) ei vaadi muuta rahoitusta."
    ),
    examples=(
        ex("Muuta rahoitusta 400 000 €", (), base=PARTNERSHIP),
        ex("Summa puuttuu, rahoittaja nimetty", (), base=PARTNERSHIP, other_funding=None, other_funders="STEA"),
        ex("Ei muuta rahoitusta", (BLOCKING,), base=PARTNERSHIP, other_funding=Decimal(0), other_funders=""),
        ex("Muuta rahoitusta ei ilmoitettu", (BLOCKING,), base=PARTNERSHIP, other_funding=None, other_funders=""),
        ex("Summa tunnistamaton", (DEFICIENCY,), base=PARTNERSHIP, other_funding=None, other_funders="",
           raw={"other_funding": "n. 20t"}),
        ex("Sopimus ilman rahaa", (), base=PARTNERSHIP, requested=Decimal(0), other_funding=None, other_funders=""),
    ),
)
def other_funding(app: Application, ctx: RuleContext):
    if not _is_partnership(app) or app.requested == 0:
        return
    if (app.other_funding or 0) > 0 or (app.other_funders or "").strip():
        return
    if app.other_funding is None and raw(app, "other_funding") is not None:
        yield DEFICIENCY, "other_funding", missing(app, "other_funding")
        return
    amount = money(app.other_funding) if app.other_funding is not None else "ei ilmoitettu"
    yield (
        BLOCKING,
        "other_funding",
        f"{label('other_funding')}: {amount}, eikä muita rahoituslähteitä ole nimetty; avustus ei voi olla "
        "järjestön ainoa rahoituslähde",
    )


@rule(
    "S03",
    "partnership.commitments",
    title="Sitoumukset ja mittarit",
    refusal=(
        "Hakemuksessa ei ole kuvattu osapuolten sitoumuksia eikä mittareita, joilla sopimuksen vaikuttavuutta "
        "seurataan. Avustusohjeen mukaan kumppanuussopimukseen neuvotellaan hyvinvointialueen ja "
        "kumppaniorganisaation sitoumukset sekä mittarit, joten avustusta ei voida myöntää."
    ),
    request=(
        "Kuvatkaa kumppanuussopimukseen ehdottamanne yhteisönne ja hyvinvointialueen sitoumukset sekä mittarit, "
        "joilla sopimuksen vaikuttavuutta seurataan."
    ),
    reads=("form", "commitments", "raw"),
    where="form = 'partnership'",
    source=(
        "Kumppanuussopimukseen neuvotellaan tapauskohtaisesti hyvinvointialueen ja kumppaniorganisaation "
        "sitoumukset sekä mittarit, joilla sopimuksen vaikuttavuutta seurataan."
    ),
    severity=DEFICIENCY,
    description="Kumppanuussopimuksen hakemuksessa on kuvattu molempien osapuolten sitoumukset ja mittarit.",
    examples=(
        ex("Sitoumukset ja mittarit kuvattu", (), base=PARTNERSHIP),
        ex("Sitoumukset puuttuvat", (DEFICIENCY,), base=PARTNERSHIP, commitments=""),
    ),
)
def commitments(app: Application, ctx: RuleContext):
    if _is_partnership(app) and not (app.commitments or "").strip():
        yield DEFICIENCY, "commitments", missing(app, "commitments")


@rule(
    "S04",
    "partnership.decider",
    title="Kumppanuussopimuksen päättäjä",
    reads=("form", "requested", "agreement_start", "agreement_end", "year"),
    where="form = 'partnership'",
    source=(
        "Aluehallitus päättää taloudellisesti merkittävistä (yli 100 000 euroa vuodessa) "
        "kumppanuussopimuksista. Pienemmistä kumppanuussopimuksesta päättää strategiajohtaja."
    ),
    severity=NOTE,
    description=(
        "Tiedoksi: haettu summa jaetaan sopimuskauden kalenterivuosille kuukausien suhteessa. Jos jonkin "
        "vuoden osuus on yli asetuksen partnership_threshold (100 000 €), päättäjä on asetuksen body "
        "(Aluehallitus), muuten small_partnership_decider (Strategiajohtaja). Tarkka 100 000 € ei ylitä rajaa."
    ),
    examples=(
        ex("Toiminta-avustus: ei reititystä", ()),
        ex("50 000 € vuodessa: strategiajohtaja", (NOTE,), base=PARTNERSHIP),
        ex("150 000 € vuodessa: aluehallitus", (NOTE,), base=PARTNERSHIP, requested=Decimal(150000)),
    ),
)
def decider(app: Application, ctx: RuleContext):
    if not _is_partnership(app):
        return
    s = ctx.settings
    routing = partnership_routing(app, s)
    over = [(y, a) for y, a, d in routing if a > s.partnership_threshold]
    per_year = join(f"{y}: {money(a)}" for y, a, _ in routing)
    if over:
        yield (
            NOTE,
            "requested",
            f"{label('requested')}: päättäjä: {s.body} (yli {money(s.partnership_threshold)} vuodessa; {per_year})",
        )
    else:
        extra = "; haettu summa puuttuu" if app.requested is None else ""
        yield (
            NOTE,
            "requested",
            f"{label('requested')}: päättäjä: {s.small_partnership_decider} "
            f"(enintään {money(s.partnership_threshold)} vuodessa; {per_year}{extra})",
        )

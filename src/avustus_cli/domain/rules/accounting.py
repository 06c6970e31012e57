"""A: accounting and administration."""

from __future__ import annotations

from decimal import Decimal

from avustus_cli.domain.models import Application
from avustus_cli.domain.rules._examples import DEFICIENCY, REVIEW, ex
from avustus_cli.domain.rules._text import label, missing, money, raw
from avustus_cli.domain.rules.reasons import quoted
from avustus_cli.domain.rules.registry import RuleContext, rule

_SEGREGATE = (
    "Avustuksen hakijan tulee eriyttää yleishyödyllinen toiminta kirjanpidossa mahdollisesta "
    "palvelutuotannosta tai muusta taloudellisesta toiminnasta."
)
_AUDIT = "Avustuksen hakija antaa hyvinvointialueelle luvan tarvittaessa tarkastaa kirjanpidon ja hallinnon."
_SEGREGATE_RULE = (
    "Avustusohjeen mukaan hakijan tulee eriyttää yleishyödyllinen toiminta kirjanpidossa palvelutuotannosta "
    "ja muusta taloudellisesta toiminnasta, joten avustusta ei voida myöntää."
)
_AUDIT_RULE = (
    "Avustusohjeen mukaan hakija antaa hyvinvointialueelle luvan tarvittaessa tarkastaa kirjanpidon ja "
    "hallinnon, joten avustusta ei voida myöntää."
)


@rule(
    "A01",
    "accounting.segregation",
    title="Yleishyödyllinen toiminta eriytetty kirjanpidossa",
    refusal={
        "not_segregated": (
            "Hakemuksen mukaan hakija harjoittaa palvelutuotantoa tai muuta taloudellista toimintaa, eikä "
            "yleishyödyllistä toimintaa ole eriytetty kirjanpidossa. " + _SEGREGATE_RULE
        ),
        "unconfirmed": (
            "Hakemuksen mukaan hakija harjoittaa palvelutuotantoa tai muuta taloudellista toimintaa, eikä "
            "hakemuksesta käy ilmi, onko yleishyödyllinen toiminta eriytetty kirjanpidossa. " + _SEGREGATE_RULE
        ),
    },
    request={
        "not_segregated": (
            "Toimittakaa selvitys siitä, miten yleishyödyllinen toiminta eriytetään kirjanpidossa "
            "palvelutuotannosta ja muusta taloudellisesta toiminnasta."
        ),
        "unconfirmed": (
            "Toimittakaa selvitys siitä, miten yleishyödyllinen toiminta on eriytetty kirjanpidossa "
            "palvelutuotannosta ja muusta taloudellisesta toiminnasta."
        ),
        "economic_activity": (
            "Ilmoittakaa, harjoittaako yhteisönne palvelutuotantoa tai muuta taloudellista toimintaa, ja jos "
            "harjoittaa, miten yleishyödyllinen toiminta on eriytetty kirjanpidossa."
        ),
    },
    review={
        "economic_activity": (
            "Hakija ei ole vastannut, harjoittaako se palvelutuotantoa tai muuta taloudellista toimintaa. Arvioi "
            "asia hakemuksen tietojen perusteella tai pyydä hakijalta täydennys."
        ),
    },
    cases=lambda f, app, ctx: (
        "economic_activity" if f.field == "economic_activity"
        else "not_segregated" if app.accounts_segregated is False else "unconfirmed"
    ),
    reads=("economic_activity", "accounts_segregated", "raw"),
    where="economic_activity is null or (economic_activity != 0 and accounts_segregated is not 1)",
    source=_SEGREGATE,
    severity=DEFICIENCY,
    description=(
        "Jos hakija ilmoittaa harjoittavansa palvelutuotantoa tai muuta taloudellista toimintaa, sen on "
        "vahvistettava kirjanpidon eriyttäminen (puute, jos ei vahvistettu). Jos taloudellisesta toiminnasta "
        "ei ole vastausta, hakemus merkitään arvioitavaksi."
    ),
    examples=(
        ex("Ei taloudellista toimintaa", ()),
        ex("Palvelutuotantoa, kirjanpito eriytetty", (), economic_activity=True, accounts_segregated=True),
        ex("Palvelutuotantoa, eriyttämistä ei vahvistettu", (DEFICIENCY,), economic_activity=True,
           accounts_segregated=None),
        ex("Palvelutuotantoa, ei eriytetty", (DEFICIENCY,), economic_activity=True, accounts_segregated=False),
        ex("Taloudellisesta toiminnasta ei vastausta", (REVIEW,), economic_activity=None),
    ),
)
def segregation(app: Application, ctx: RuleContext):
    if app.economic_activity is None:
        yield REVIEW, "economic_activity", missing(app, "economic_activity", "vastaus puuttuu")
    elif app.economic_activity and app.accounts_segregated is not True:
        state = "ei" if app.accounts_segregated is False else "ei vahvistettu"
        yield (
            DEFICIENCY,
            "accounts_segregated",
            f"{label('accounts_segregated')}: {state}, vaikka hakija harjoittaa palvelutuotantoa tai muuta "
            "taloudellista toimintaa",
        )


@rule(
    "A02",
    "accounting.audit_consent",
    title="Lupa kirjanpidon ja hallinnon tarkastukseen",
    refusal={
        "refused": (
            "Hakemuksen mukaan hakija ei anna hyvinvointialueelle lupaa tarkastaa tarvittaessa kirjanpitoaan "
            "ja hallintoaan. " + _AUDIT_RULE
        ),
        "missing": (
            "Hakemuksesta ei käy ilmi, antaako hakija hyvinvointialueelle luvan tarkastaa tarvittaessa "
            "kirjanpitonsa ja hallintonsa. " + _AUDIT_RULE
        ),
    },
    request=(
        "Antakaa hyvinvointialueelle lupa tarkastaa tarvittaessa yhteisönne kirjanpito ja hallinto "
        "(yhteisön nimenkirjoittajan allekirjoittama ilmoitus)."
    ),
    cases=lambda f, app, ctx: "refused" if app.audit_consent is False else "missing",
    reads=("audit_consent", "raw"),
    where="audit_consent is not 1",
    source=_AUDIT,
    severity=DEFICIENCY,
    description="Hakija on antanut luvan kirjanpidon ja hallinnon tarkastukseen (kohta Lupa tarkastukseen).",
    examples=(
        ex("Lupa annettu", ()),
        ex("Lupaa ei annettu", (DEFICIENCY,), audit_consent=False),
        ex("Vastaus puuttuu", (DEFICIENCY,), audit_consent=None),
    ),
)
def audit_consent(app: Application, ctx: RuleContext):
    if app.audit_consent is False:
        yield DEFICIENCY, "audit_consent", f"{label('audit_consent')}: ei annettu"
    elif app.audit_consent is None:
        yield DEFICIENCY, "audit_consent", missing(app, "audit_consent", "vastaus puuttuu")


_AMOUNT = (
    "Hakemuksessa ilmoitetaan haettavan avustuksen määrä ja toiminnan kustannukset; avustus myönnetään "
    "toimintasuunnitelman ja talousarvion mukaiseen toimintaan."
)


def _amount_case(app: Application) -> str:
    """``missing`` (no sum), ``unreadable`` (a sum that did not parse) or ``above_cost`` (above the total cost)."""
    if app.requested is None:
        return "unreadable" if raw(app, "requested") is not None else "missing"
    return "above_cost"


@rule(
    "A03",
    "accounting.requested_amount",
    title="Haettu summa on ilmoitettu eikä ylitä kokonaiskustannuksia",
    refusal={
        "missing": (
            "Hakemuksessa ei ole ilmoitettu haettavan avustuksen määrää. Avustusohjeen mukaan avustus myönnetään "
            "toimintasuunnitelman ja talousarvion mukaiseen toimintaan, eikä avustusta voida mitoittaa ilman "
            "haettua määrää, joten avustusta ei voida myöntää."
        ),
        "unreadable": (
            "Hakemuksessa haetuksi avustukseksi on ilmoitettu {requested_text}, josta ei käy ilmi haettavan "
            "avustuksen määrä euroina. Avustusohjeen mukaan avustus myönnetään toimintasuunnitelman ja "
            "talousarvion mukaiseen toimintaan, eikä avustusta voida mitoittaa ilman haettua määrää, joten "
            "avustusta ei voida myöntää."
        ),
        "above_cost": (
            "Hakemuksen mukaan haettu avustus {requested} on suurempi kuin toiminnan kokonaiskustannukset "
            "{total_cost}. Avustusohjeen mukaan avustus myönnetään talousarvion mukaisiin kustannuksiin, eikä "
            "avustus voi ylittää toiminnan kustannuksia, joten avustusta ei voida myöntää."
        ),
    },
    request={
        "missing": "Ilmoittakaa haettavan avustuksen määrä euroina.",
        "unreadable": "Ilmoittakaa haettavan avustuksen määrä euroina.",
        "above_cost": (
            "Tarkistakaa haettu avustus ja toiminnan kokonaiskustannukset ja ilmoittakaa ne oikein; haettu "
            "avustus ei voi olla kokonaiskustannuksia suurempi."
        ),
    },
    cases=lambda f, app, ctx: _amount_case(app),
    facts=lambda f, app, ctx: {"requested_text": quoted(raw(app, "requested") or "")},
    reads=("requested", "total_cost", "raw"),
    where="requested is null or cast(requested as real) >= cast(total_cost as real)",
    source=_AMOUNT,
    severity=DEFICIENCY,
    description=(
        "Haettu summa on ilmoitettu euroina, eikä se ole suurempi kuin ilmoitetut kokonaiskustannukset "
        "(Kokonaiskustannukset). Puuttuva tai kustannuksia suurempi summa on puute, joka pyydetään korjaamaan; "
        "muuten hakemus saisi esityksessä 0 € ilman perustetta."
    ),
    examples=(
        ex("Summa ja kustannukset ilmoitettu", ()),
        ex("Kokonaiskustannukset puuttuvat (summaa ei voi verrata)", (), total_cost=None),
        ex("Haettu summa puuttuu", (DEFICIENCY,), requested=None),
        ex("Haettu summa ei ole luku", (DEFICIENCY,), requested=None, raw={"requested": "n. 20 t€"}),
        ex("Haettu summa ylittää kokonaiskustannukset", (DEFICIENCY,), requested=Decimal("50000"),
           total_cost=Decimal("40000")),
    ),
)
def requested_amount(app: Application, ctx: RuleContext):
    if app.requested is None:
        yield DEFICIENCY, "requested", missing(app, "requested")
    elif app.total_cost is not None and app.requested > app.total_cost:
        yield (
            DEFICIENCY,
            "requested",
            f"{label('requested')}: {money(app.requested)} on suurempi kuin {label('total_cost')} "
            f"{money(app.total_cost)}",
        )

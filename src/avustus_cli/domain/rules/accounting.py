"""A: accounting and administration."""

from __future__ import annotations

from avustus_cli.domain.models import Application
from avustus_cli.domain.rules._examples import DEFICIENCY, REVIEW, ex
from avustus_cli.domain.rules._text import label, missing
from avustus_cli.domain.rules.registry import RuleContext, rule

_SEGREGATE = (
    "Avustuksen hakijan tulee eriyttää yleishyödyllinen toiminta kirjanpidossa mahdollisesta "
    "palvelutuotannosta tai muusta taloudellisesta toiminnasta."
)
_AUDIT = "Avustuksen hakija antaa hyvinvointialueelle luvan tarvittaessa tarkastaa kirjanpidon ja hallinnon."


@rule(
    "A01",
    "accounting.segregation",
    title="Yleishyödyllinen toiminta eriytetty kirjanpidossa",
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

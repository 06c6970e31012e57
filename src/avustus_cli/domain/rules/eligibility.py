"""E: who may receive a grant ("Yleiset periaatteet")."""

from __future__ import annotations

import re
from functools import lru_cache

from avustus_cli.domain import ids
from avustus_cli.domain.matching import guess_legal_form, match_name, normalize
from avustus_cli.domain.models import ELIGIBLE_LEGAL_FORMS, Application, Finding, LegalForm, Scope
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, REVIEW, ex
from avustus_cli.domain.rules._text import join, label, missing, quote, raw
from avustus_cli.domain.rules.reasons import and_list, quoted
from avustus_cli.domain.rules.registry import RuleContext, rule

SOURCE = (
    "Hyvinvointialue voi myöntää avustuksia rekisteröidyille yleishyödyllisille yhdistyksille ja "
    "säätiöille toimintaan, jonka tavoitteena on Keski-Suomen hyvinvointialueen asukkaiden terveyden "
    "ja hyvinvoinnin tai turvallisuuden edistäminen."
)

# the guideline's rule and the consequence, as the refusals of E01, E02 and Y03 state them
ONLY_REGISTERED = (
    "Avustusohjeen mukaan avustusta voidaan myöntää vain rekisteröidyille yleishyödyllisille yhdistyksille "
    "ja säätiöille, joten avustusta ei voida myöntää."
)

def party_form(name: str, legal_form: LegalForm | None) -> tuple[LegalForm | None, bool]:
    """The party's legal form and whether it was guessed from the name."""
    if legal_form is not None:
        return legal_form, False
    guess = guess_legal_form(name)
    return guess, guess is not None


def form_facts(name: str, legal_form: LegalForm | None) -> dict[str, str]:
    """``form`` (``osakeyhtiö``) and ``basis`` (how it is known) for a refusal sentence."""
    form, guessed = party_form(name, legal_form)
    return {
        "form": form.label.lower() if form else "",
        "basis": "Nimensä perusteella" if guessed else "Hakemuksen mukaan",
    }


def party_case(name: str, legal_form: LegalForm | None) -> str:
    """``ineligible``, ``other`` or ``unknown`` (the cases of E01 and Y03)."""
    form, _ = party_form(name, legal_form)
    if form is None:
        return "unknown"
    return "other" if form is LegalForm.OTHER else "ineligible"


def party_eligibility(name: str, legal_form: LegalForm | None, who: str) -> tuple | None:
    """(severity, message) when ``name`` / ``legal_form`` is not an eligible applicant.

    ``who`` begins the message (the field's header, e.g. ``Hakija``)."""
    return eligibility_of(legal_form, name_kind(legal_form, name), quote(name), who)


def name_kind(legal_form: LegalForm | None, name: str) -> tuple[LegalForm | None, bool]:
    """What ``party_eligibility`` decides on of a name: the legal form guessed from it (when none is given)
    and whether there is a name."""
    return (guess_legal_form(name) if legal_form is None else None), bool(name)


def eligibility_of(legal_form: LegalForm | None, kind: tuple[LegalForm | None, bool], quoted: str,
                   who: str) -> tuple | None:
    """``party_eligibility`` of a name of that ``kind`` (``name_kind``), quoted as ``quoted``."""
    form = legal_form
    guessed = False
    if form is None:
        form = kind[0]
        guessed = form is not None
    if form is None:
        return (
            REVIEW,
            f"{who}: {quoted if kind[1] else 'nimi puuttuu'}: oikeudellinen muoto puuttuu eikä sitä voi "
            "päätellä nimestä (ry, sr); tarkista, onko hakija rekisteröity yhdistys tai säätiö",
        )
    if form in ELIGIBLE_LEGAL_FORMS:
        return None
    how = "nimen perusteella " if guessed else ""
    if form is LegalForm.OTHER:
        return (
            REVIEW,
            f"{who}: {quoted} on oikeudelliselta muodoltaan 'muu'; avustus voidaan myöntää vain "
            "rekisteröidylle yhdistykselle tai säätiölle",
        )
    return (
        BLOCKING,
        f"{who}: {quoted} on {how}{form.label.lower()}; avustus voidaan myöntää vain "
        "rekisteröidylle yhdistykselle tai säätiölle",
    )


@rule(
    "E01",
    "eligibility.legal_form",
    title="Hakija on rekisteröity yhdistys tai säätiö",
    refusal={"ineligible": "{basis} hakija {applicant} on {form}. " + ONLY_REGISTERED},
    review={
        "unknown": (
            "Hakemuksessa ei ole ilmoitettu hakijan oikeudellista muotoa, eikä sitä voi päätellä hakijan nimestä "
            "{applicant}. Tarkista yhdistysrekisteristä tai säätiörekisteristä, onko hakija rekisteröity "
            "yhdistys tai säätiö."
        ),
        "other": (
            "Hakija {applicant} on ilmoittanut oikeudelliseksi muodokseen ”muu”. Tarkista yhdistysrekisteristä "
            "tai säätiörekisteristä, onko hakija rekisteröity yhdistys tai säätiö."
        ),
    },
    cases=lambda f, app, ctx: party_case(app.applicant, app.legal_form),
    facts=lambda f, app, ctx: form_facts(app.applicant, app.legal_form),
    reads=("applicant", "legal_form", "raw"),
    where="legal_form is null or legal_form not in ('association', 'foundation')",
    by_name=("applicant", lambda app, name: name_kind(app.legal_form, name)),
    source=SOURCE,
    severity=BLOCKING,
    description=(
        "Hakijan oikeudellinen muoto (Oikeudellinen muoto) on rekisteröity yhdistys tai säätiö. Jos muoto "
        "puuttuu, se päätellään nimen päätteestä (ry, r.y., rf, sr, säätiö, oy, osk, seurakunta, kunta, "
        "kaupunki). Yritys, osuuskunta, kunta, seurakunta tai rekisteröimätön ryhmä on hylkäävä; muoto 'muu' "
        "tai muoto, jota ei voi päätellä, merkitään arvioitavaksi."
    ),
    examples=(
        ex("Rekisteröity yhdistys", ()),
        ex("Oikeudellinen muoto puuttuu, nimi päättyy 'r.y.'", (), legal_form=None,
           applicant="Laukaan Mielenterveysseura r.y."),
        ex("Säätiö, muoto päätelty nimestä 'sr'", (), legal_form=None, applicant="Vanhustenkotisäätiö sr"),
        ex("Osakeyhtiö", (BLOCKING,), legal_form=LegalForm.COMPANY, applicant="Hoivapalvelu Oy"),
        ex("Muoto puuttuu, nimi päättyy 'Oy'", (BLOCKING,), legal_form=None, applicant="Hoivapalvelu Oy"),
        ex("Kaupunki", (BLOCKING,), legal_form=None, applicant="Jyväskylän kaupunki"),
        ex("Seurakunta", (BLOCKING,), legal_form=LegalForm.PARISH, applicant="Laukaan seurakunta"),
        ex("Rekisteröimätön ryhmä", (BLOCKING,), legal_form=LegalForm.UNREGISTERED, applicant="Lenkkiporukka"),
        ex("Muoto puuttuu eikä sitä voi päätellä nimestä", (REVIEW,), legal_form=None,
           applicant="Keski-Suomen Omaishoitajat"),
        ex("Oikeudellinen muoto 'muu'", (REVIEW,), legal_form=LegalForm.OTHER),
    ),
)
def legal_form(app: Application, ctx: RuleContext, kind: tuple[LegalForm | None, bool], quoted: str):
    problem = eligibility_of(app.legal_form, kind, quoted, label("applicant"))
    if problem:
        sev, message = problem
        typed = raw(app, "legal_form")
        if app.legal_form is None and typed:
            message += f" ({label('legal_form')}: {quote(typed)})"
        yield sev, "legal_form", message


@rule(
    "E02",
    "eligibility.non_profit",
    title="Hakija on yleishyödyllinen",
    refusal={
        "no": "Hakemuksen mukaan hakija ei ole yleishyödyllinen. " + ONLY_REGISTERED,
        "missing": "Hakemuksesta ei käy ilmi, onko hakija yleishyödyllinen. " + ONLY_REGISTERED,
    },
    request={"missing": "Ilmoittakaa, onko yhteisönne yleishyödyllinen."},
    cases=lambda f, app, ctx: "no" if app.non_profit is False else "missing",
    reads=("non_profit", "raw"),
    where="non_profit is not 1",
    source=SOURCE,
    severity=BLOCKING,
    description=(
        "Hakijan vastaus kohtaan Yleishyödyllinen. Vastaus 'ei' on hylkäävä; puuttuva vastaus on puute, "
        "josta pyydetään täydennys."
    ),
    examples=(
        ex("Yleishyödyllinen: kyllä", ()),
        ex("Yleishyödyllinen: ei", (BLOCKING,), non_profit=False),
        ex("Yleishyödyllisyys jätetty vastaamatta", (DEFICIENCY,), non_profit=None),
        ex("Vastaus ei ole kyllä/ei", (DEFICIENCY,), non_profit=None, raw={"non_profit": "osittain"}),
    ),
)
def non_profit(app: Application, ctx: RuleContext):
    if app.non_profit is False:
        yield BLOCKING, "non_profit", f"{label('non_profit')}: ei; avustus voidaan myöntää vain yleishyödylliselle yhteisölle"
    elif app.non_profit is None:
        yield DEFICIENCY, "non_profit", missing(app, "non_profit", "vastaus puuttuu")


_REGISTER_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,7}")

# E03 finds nothing in a business ID of the form 1234567-8 whose check digit is right (weights 7 9 10 5 8 4 2,
# the sum modulo 11: 0 gives 0, 1 is never right, r gives 11 - r; for a digit d that is: the sum plus d is
# divisible by 11) nor in a register number of digits only (at most seven) or of 1-3 digits and groups of
# three after dots
_DIGIT_SUM = " + ".join(f"{w} * cast(substr(business_id, {i}, 1) as integer)"
                        for i, w in zip((1, 2, 3, 4, 5, 6, 7, 9), (7, 9, 10, 5, 8, 4, 2, 1), strict=True))
_BUSINESS_ID_OK = (
    "business_id glob '[0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9]' and "
    f"({_DIGIT_SUM}) % 11 = 0"
)
_REGISTER_NUMBER_OK = (
    "(register_number not glob '*[^0-9]*' and length(register_number) between 1 and 7) or "
    + " or ".join(f"register_number glob '{lead}{group * n}'" for lead in ("[0-9]", "[0-9]" * 2, "[0-9]" * 3)
                  for group in (".[0-9][0-9][0-9]",) for n in (1, 2))
)
_IDENTIFIERS_WHERE = (
    f"business_id is null or not ({_BUSINESS_ID_OK}) or (register_number is not null and not ({_REGISTER_NUMBER_OK})) "
    "or json_extract(raw, '$.register_number') is not null"
)


def business_id_problem(business_id: str | None, raw_text: str | None) -> str | None:
    """What is wrong with a business ID (Finnish, without the header), or None when valid."""
    text = business_id if business_id is not None else raw_text
    if text is None:
        return "puuttuu"
    problem = ids.business_id_error(text)
    if problem == "checksum":
        return f"tarkistusmerkki ei täsmää ({text})"
    if problem == "format":
        return f"{quote(text)} ei ole kelvollinen (muoto 1234567-8)"
    return None


@rule(
    "E03",
    "eligibility.identifiers",
    title="Y-tunnus ja yhdistysrekisterinumero ovat kelvolliset",
    refusal={
        "business_id.missing": (
            "Hakemuksessa ei ole ilmoitettu hakijan Y-tunnusta. Avustusohjeen mukaan avustusta voidaan myöntää "
            "vain rekisteröidyille yhdistyksille ja säätiöille, eikä hakijaa voida yksilöidä ilman Y-tunnusta, "
            "joten avustusta ei voida myöntää."
        ),
    },
    request={"business_id.missing": "Ilmoittakaa yhteisönne Y-tunnus."},
    # a mistyped identifier is the county's to look up (Hallintolaki 31 §), never a reason to refuse
    review={
        "business_id.checksum": (
            "Hakemuksessa ilmoitetun Y-tunnuksen {business_id} tarkistusmerkki ei täsmää. Hae hakijan "
            "{applicant} oikea Y-tunnus yritys- ja yhteisötietojärjestelmästä (YTJ); tunnuksen kirjoitusvirhe "
            "ei ole peruste hylätä hakemusta."
        ),
        "business_id.format": (
            "Hakemuksessa ilmoitettu Y-tunnus {business_id_text} ei ole muodoltaan kelvollinen (oikea muoto "
            "1234567-8). Hae hakijan {applicant} oikea Y-tunnus yritys- ja yhteisötietojärjestelmästä (YTJ); "
            "tunnuksen kirjoitusvirhe ei ole peruste hylätä hakemusta."
        ),
        "register_number": (
            "Hakemuksessa ilmoitettu yhdistysrekisterinumero {register_number_text} ei ole muodoltaan "
            "kelvollinen (esimerkiksi 123.456). Tarkista hakijan {applicant} rekisterinumero "
            "yhdistysrekisteristä; numeron kirjoitusvirhe ei ole peruste hylätä hakemusta."
        ),
    },
    cases=lambda f, app, ctx: identifier_case(f, app),
    facts=lambda f, app, ctx: {
        "business_id_text": quoted(app.business_id or raw(app, "business_id") or ""),
        "register_number_text": quoted(app.register_number or raw(app, "register_number") or ""),
    },
    reads=("business_id", "register_number", "raw"),
    where=_IDENTIFIERS_WHERE,
    source=SOURCE,
    severity=DEFICIENCY,
    description=(
        "Y-tunnus on annettu ja sen tarkistusmerkki täsmää (tarkistetaan python-stdnum-kirjastolla). "
        "Yhdistysrekisterinumero, jos se on annettu, koostuu numeroista (esim. 123.456 tai 123456). Puuttuva "
        "Y-tunnus pyydetään hakijalta. Väärä tarkistusmerkki tai muoto ja väärän muotoinen rekisterinumero ovat "
        "virkailijan tarkistettavia (hyvinvointialue voi tarkistaa tunnuksen itse rekisteristä), eivät koskaan "
        "hylkäysperuste eivätkä täydennyspyyntö."
    ),
    examples=(
        ex("Kelvollinen Y-tunnus ja rekisterinumero", ()),
        ex("Rekisterinumero puuttuu (ei pakollinen)", (), register_number=None),
        ex("Y-tunnus puuttuu", (DEFICIENCY,), business_id=None),
        ex("Väärä tarkistusmerkki", (REVIEW,), business_id=None, raw={"business_id": "2077474-1"}),
        ex("Y-tunnus väärää muotoa", (REVIEW,), business_id=None, raw={"business_id": "207747"}),
        ex("Rekisterinumero ei ole numero", (REVIEW,), register_number="ry 12/34"),
    ),
)
def identifiers(app: Application, ctx: RuleContext):
    """Findings of E03 (the cases: see ``identifier_case``)."""
    problem = business_id_problem(app.business_id, raw(app, "business_id"))
    if problem:
        # a missing ID is asked for; a mistyped one the county looks up itself (review, never a refusal)
        given = app.business_id if app.business_id is not None else raw(app, "business_id")
        yield DEFICIENCY if given is None else REVIEW, "business_id", f"{label('business_id')}: {problem}"
    reg = app.register_number if app.register_number is not None else raw(app, "register_number")
    if reg is not None and reg.strip() and not _REGISTER_NUMBER.fullmatch(reg.strip().replace(" ", "")):
        yield (
            REVIEW,
            "register_number",
            f"{label('register_number')}: {quote(reg)} ei ole kelvollinen (muoto esim. 123.456)",
        )


def identifier_case(finding: Finding, app: Application) -> str:
    """``business_id.missing`` / ``.checksum`` / ``.format``, or ``register_number``."""
    if finding.field == "register_number":
        return "register_number"
    text = app.business_id if app.business_id is not None else raw(app, "business_id")
    if text is None:
        return "business_id.missing"
    return "business_id.checksum" if ids.business_id_error(text) == "checksum" else "business_id.format"


_FOLD = str.maketrans("äöå", "aoa")
# E04 looks at the scope and the home municipality only when no municipality is named (a name with a letter
# is surely named; the municipalities column holds the id of the list in rule_texts)
_NONE_NAMED = (
    "municipalities is null or municipalities not in (select t.id from rule_texts t where t.field = 'municipalities' "
    "and exists (select 1 from json_each(t.value) j where j.value glob '*[A-Za-z]*'))"
)


def in_county(name: str, municipalities: tuple[str, ...]) -> bool:
    """``name`` is one of ``municipalities`` (case, spacing, ä/ö written as a/o and small typos forgiven)."""
    return _in_county(name, tuple(municipalities))


@lru_cache(maxsize=16384)
def _in_county(name: str, municipalities: tuple[str, ...]) -> bool:  # the same few names recur in a round
    if match_name(name, municipalities) is not None:
        return True
    folded = tuple(normalize(m).translate(_FOLD) for m in municipalities)
    return match_name(normalize(name).translate(_FOLD), folded) is not None


def _residents(app: Application, ctx: RuleContext) -> tuple[str, list[str]]:
    """E04's case and the municipalities outside the county."""
    named = [m for m in app.municipalities if m and m.strip()]
    outside = [m for m in named if not in_county(m, ctx.settings.municipalities)]
    if named and len(outside) == len(named):
        return "all_outside", outside
    return ("partly_outside" if outside else "home_outside"), outside


@rule(
    "E04",
    "eligibility.county_residents",
    title="Toiminta kohdistuu hyvinvointialueen asukkaisiin",
    review={
        "all_outside": (
            "Yksikään hakemuksessa nimetyistä toimintakunnista ({outside}) ei ole hyvinvointialueen kunta. "
            "Arvioi, kohdistuuko toiminta hyvinvointialueen asukkaisiin; avustusohjeen mukaan avustus on "
            "tarkoitettu hyvinvointialueen asukkaiden terveyden, hyvinvoinnin tai turvallisuuden edistämiseen."
        ),
        "partly_outside": (
            "Hakemuksen mukaan toimintaa on myös hyvinvointialueen ulkopuolella ({outside}). Arvioi, "
            "kohdistuuko avustettava toiminta hyvinvointialueen asukkaisiin."
        ),
        "home_outside": (
            "Hakijan kotikunta {home_municipality} ei ole hyvinvointialueen kunta, eikä hakemuksessa ole nimetty "
            "toimintakuntia. Arvioi, kohdistuuko toiminta hyvinvointialueen asukkaisiin."
        ),
    },
    cases=lambda f, app, ctx: _residents(app, ctx)[0],
    facts=lambda f, app, ctx: {"outside": and_list(_residents(app, ctx)[1])},
    reads=("municipalities", "scope", "home_municipality"),
    reads_when={"scope": _NONE_NAMED, "home_municipality": _NONE_NAMED},
    source=SOURCE,
    severity=REVIEW,
    description=(
        "Toiminnan tavoitteena on hyvinvointialueen asukkaiden hyvinvointi: jos toimintakunnissa on "
        "hyvinvointialueen ulkopuolisia kuntia (tai toimintakuntia ei ole nimetty ja kotikunta on alueen "
        "ulkopuolella), hakemus merkitään arvioitavaksi. Sääntö K04 nimeää lisäksi jokaisen alueen "
        "ulkopuolisen kunnan."
    ),
    examples=(
        ex("Toimintakunnat alueella", ()),
        ex("Koko hyvinvointialue, kuntia ei nimetty", (), scope=Scope.COUNTY, municipalities=()),
        ex("Toiminta vain Tampereella", (REVIEW,), municipalities=("Tampere",)),
        ex("Toimintaa myös Kuhmoisissa", (REVIEW,), municipalities=("Jämsä", "Kuhmoinen")),
        ex("Ei toimintakuntia, kotikunta Helsinki", (REVIEW,), municipalities=(), home_municipality="Helsinki"),
    ),
)
def county_residents(app: Application, ctx: RuleContext):
    county = ctx.settings.municipalities
    named = [m for m in app.municipalities if m and m.strip()]
    outside = [m for m in named if not in_county(m, county)]
    if named and len(outside) == len(named):
        yield (
            REVIEW,
            "municipalities",
            f"{label('municipalities')}: yksikään ei ole hyvinvointialueen kunta ({join(outside)}); avustus "
            "on tarkoitettu hyvinvointialueen asukkaiden hyvinvointiin",
        )
    elif outside:
        yield (
            REVIEW,
            "municipalities",
            f"{label('municipalities')}: toimintaa myös hyvinvointialueen ulkopuolella ({join(outside)}); "
            "arvioi, kohdistuuko avustus hyvinvointialueen asukkaisiin",
        )
    elif not named and app.scope is not Scope.COUNTY and app.home_municipality and not in_county(
        app.home_municipality, county
    ):
        yield (
            REVIEW,
            "home_municipality",
            f"{label('home_municipality')}: {app.home_municipality} ei ole hyvinvointialueen kunta, "
            "eikä toimintakuntia ole nimetty",
        )


__all__ = [
    "ONLY_REGISTERED",
    "business_id_problem",
    "form_facts",
    "guess_legal_form",
    "in_county",
    "party_case",
    "party_eligibility",
]

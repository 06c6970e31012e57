"""K: the four targeting criteria ("kohdentuvat toimintaan, joka ...")."""

from __future__ import annotations

from avustus_cli.domain.matching import contains_any, match_name, normalize
from avustus_cli.domain.models import Application
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, REVIEW, ex
from avustus_cli.domain.rules._text import join, label, missing, quote
from avustus_cli.domain.rules.eligibility import in_county
from avustus_cli.domain.rules.reasons import and_list, quoted
from avustus_cli.domain.rules.registry import RuleContext, rule

_INTRO = "Keski-Suomen hyvinvointialueen järjestöavustukset kohdentuvat toimintaan joka "
_WHERE = {"activity_name": "nimessä", "description": "kuvauksessa"}


def _municipal_types(f, app: Application, ctx: RuleContext) -> dict[str, str]:
    found = contains_any(getattr(app, f.field, "") or "", ctx.settings.municipal_field_types) if f.field in _WHERE else []
    return {"where": _WHERE.get(f.field, "kuvauksessa"), "found": and_list(quoted(x) for x in found)}


@rule(
    "K01",
    "targeting.county_field",
    title="Toiminta kuuluu hyvinvointialueen toimintakentälle",
    refusal={
        "county_field": (
            "Hakemuksen mukaan toiminta ei kuulu hyvinvointialueen toimintakentälle. Avustusohjeen mukaan "
            "avustettavan toiminnan tulee kuulua hyvinvointialueen toimintakentälle, joten avustusta ei voida "
            "myöntää."
        ),
    },
    request={
        "county_field.missing": (
            "Kertokaa, kuuluuko toiminta hyvinvointialueen toimintakentälle eli liittyykö se hyvinvointialueen "
            "sosiaali- ja terveyspalveluihin tai pelastustoimeen."
        ),
    },
    review={
        "county_field.missing": (
            "Hakija ei ole vastannut, kuuluuko toiminta hyvinvointialueen toimintakentälle. Arvioi asia "
            "toiminnan kuvauksen perusteella tai pyydä hakijalta täydennys."
        ),
        "municipal_type": (
            "Toiminnan {where} mainitaan {found}, joka luetaan asetusten mukaan kuntien toimintakentälle. "
            "Arvioi, kuuluuko toiminta hyvinvointialueen vai kunnan toimintakentälle."
        ),
    },
    cases=lambda f, app, ctx: (
        "municipal_type" if f.field in _WHERE else "county_field" if app.county_field is False else "county_field.missing"
    ),
    facts=_municipal_types,
    reads=("county_field", "raw", "activity_name", "description"),
    source=_INTRO + "1. kuuluu hyvinvointialueen toimintakentälle. Rajanvedosta kuntien tukemien toimintojen "
    "ja hyvinvointialueen tukevien toimintojen välillä neuvotellaan säännöllisesti alueen kuntien ja "
    "järjestöjen kanssa.",
    severity=BLOCKING,
    description=(
        "Hakijan vastaus kohtaan Hyvinvointialueen toimintakentällä: 'ei' on hylkäävä, puuttuva vastaus "
        "merkitään arvioitavaksi. Jos toiminnan nimessä tai kuvauksessa mainitaan asetuksissa kuntien "
        "toimintakentälle luettu toiminta (esim. yleinen nuorisotyö, yleinen liikunta, kirjasto), hakemus "
        "merkitään arvioitavaksi."
    ),
    examples=(
        ex("Hakija vastaa kyllä, kuvaus sote-toimintaa", ()),
        ex("Hakija vastaa ei", (BLOCKING,), county_field=False),
        ex("Vastaus puuttuu", (REVIEW,), county_field=None),
        ex("Kuvauksessa yleinen nuorisotyö", (REVIEW,), description="Yleinen nuorisotyö ja nuorisotalo."),
    ),
)
def county_field(app: Application, ctx: RuleContext):
    if app.county_field is False:
        yield (
            BLOCKING,
            "county_field",
            f"{label('county_field')}: ei; avustus kohdennetaan hyvinvointialueen toimintakentälle",
        )
    elif app.county_field is None:
        yield REVIEW, "county_field", missing(app, "county_field", "vastaus puuttuu")
    for fld in ("activity_name", "description"):
        found = contains_any(getattr(app, fld) or "", ctx.settings.municipal_field_types)
        if found:
            yield (
                REVIEW,
                fld,
                f"{label(fld)}: {join(quote(x) for x in found)} kuuluu asetusten mukaan kuntien toimintakentälle",
            )


_TARGETS_RULE = (
    "Avustusohjeen mukaan avustettavan toiminnan tulee tukea hyvinvointialueen strategian, talousarvion "
    "toiminnallisten tavoitteiden tai hyvinvointisuunnitelman tavoitteiden saavuttamista, joten avustusta ei "
    "voida myöntää."
)


def _target_match(text: str, targets: tuple[str, ...]) -> str | None:
    hit = match_name(text, targets)
    if hit:
        return hit
    norm = normalize(text)
    for t in targets:
        nt = normalize(t)
        if nt and (nt in norm or (len(norm) >= 12 and norm in nt)):
            return t
    return None


@rule(
    "K02",
    "targeting.targets",
    title="Toiminta tukee hyvinvointialueen tavoitteita",
    refusal={
        "none": (
            "Hakemuksessa ei ole nimetty hyvinvointialueen strategian, talousarvion tai hyvinvointisuunnitelman "
            "tavoitetta, jonka saavuttamista toiminta tukee. " + _TARGETS_RULE
        ),
        "unknown": (
            "Hakemuksessa nimettyjä tavoitteita ({targets}) ei ole hyvinvointialueen strategian, talousarvion "
            "tai hyvinvointisuunnitelman tavoitteiden joukossa. " + _TARGETS_RULE
        ),
    },
    request=(
        "Nimetkää ne hyvinvointialueen strategian, talousarvion toiminnallisten tavoitteiden tai "
        "hyvinvointisuunnitelman tavoitteet, joiden saavuttamista toiminta tukee."
    ),
    cases=lambda f, app, ctx: "unknown" if any(t and t.strip() for t in app.targets) else "none",
    reads=("targets", "raw"),
    source=_INTRO + "2. tukee hyvinvointialueen strategian, talousarvioin toiminnallisten tavoitteiden tai "
    "hyvinvointisuunnitelman tavoitteiden saavuttamista.",
    severity=DEFICIENCY,
    description=(
        "Kohdassa Tuetut tavoitteet on nimetty vähintään yksi asetusten tavoitteista (strategia, talousarvio, "
        "hyvinvointisuunnitelma); kirjoitusasun pienet erot sallitaan. Jos yhtään asetusten tavoitetta ei ole "
        "nimetty, pyydetään täydennys."
    ),
    examples=(
        ex("Tavoite asetusten listalta", ()),
        ex("Tavoite pienin kirjoitusvirhein", (), targets=("ikäihmisten kotona-asumisen tukeminen",)),
        ex("Ei tavoitteita", (DEFICIENCY,), targets=()),
        ex("Vain tuntematon tavoite", (DEFICIENCY,), targets=("Hyvä mieli kaikille",)),
    ),
)
def targets(app: Application, ctx: RuleContext):
    named = [t for t in app.targets if t and t.strip()]
    if not named:
        yield DEFICIENCY, "targets", missing(app, "targets", "yhtään tavoitetta ei ole nimetty")
        return
    if not any(_target_match(t, ctx.settings.targets) for t in named):
        yield (
            DEFICIENCY,
            "targets",
            f"{label('targets')}: {join(quote(t) for t in named)}: mikään ei ole hyvinvointialueen "
            "strategian, talousarvion tai hyvinvointisuunnitelman tavoitteista",
        )


@rule(
    "K03",
    "targeting.cooperation",
    title="Yhteistyö sote- tai pelastuspalveluiden kanssa",
    refusal=(
        "Hakemuksessa ei ole nimetty hyvinvointialueen sosiaali- ja terveyspalveluiden tai pelastuspalveluiden "
        "yhteistyötahoa. Avustusohjeen mukaan avustettavan toiminnan tulee tukea ja täydentää näitä palveluita "
        "ja tehdä yhteistyötä niiden kanssa, joten avustusta ei voida myöntää."
    ),
    request=(
        "Kertokaa, minkä hyvinvointialueen sosiaali- ja terveyspalveluiden tai pelastuspalveluiden yksikön "
        "kanssa toimintaa tehdään yhteistyössä ja miten."
    ),
    reads=("cooperation",),
    source=_INTRO + "3. tukee, täydentää ja tekee yhteistyötä hyvinvointialueen sosiaali- ja "
    "terveyspalveluiden tai pelastuspalveluiden kanssa.",
    severity=DEFICIENCY,
    description=(
        "Kohdassa Yhteistyö sote- tai pelastuspalveluiden kanssa on nimetty yhteistyötaho tai -yksikkö. "
        "Tyhjä kohta on puute."
    ),
    examples=(
        ex("Yhteistyö kotihoidon kanssa kuvattu", ()),
        ex("Yhteistyötä ei kuvattu", (DEFICIENCY,), cooperation=""),
        ex("Pelkkä viiva", (DEFICIENCY,), cooperation=" - "),
    ),
)
def cooperation(app: Application, ctx: RuleContext):
    if not normalize(app.cooperation or "").strip(" -"):
        yield DEFICIENCY, "cooperation", f"{label('cooperation')}: yhteistyötahoa ei ole nimetty"


@rule(
    "K04",
    "targeting.area",
    title="Toiminta-alue on hyvinvointialueella",
    refusal={
        "scope": (
            "Hakemuksesta ei käy ilmi, millä alueella toimintaa järjestetään. Avustusohjeen mukaan avustettava "
            "toiminta voi olla paikallista, seudullista tai koko hyvinvointialueen alueella tapahtuvaa, eikä "
            "tätä voida arvioida ilman toiminta-aluetta, joten avustusta ei voida myöntää."
        ),
    },
    request={
        "scope": (
            "Ilmoittakaa, onko toiminta paikallista, seudullista vai koko hyvinvointialueen alueella "
            "tapahtuvaa, ja nimetkää kunnat, joissa toimintaa järjestetään."
        ),
    },
    review={
        "municipalities": (
            "Hakemuksen toimintakunnista hyvinvointialueen ulkopuolella on {outside}. Arvioi, kohdistuuko "
            "avustettava toiminta hyvinvointialueen asukkaisiin."
        ),
    },
    facts=lambda f, app, ctx: {
        "outside": and_list(
            m for m in app.municipalities if m and m.strip() and not in_county(m, ctx.settings.municipalities)
        )
    },
    reads=("scope", "raw", "municipalities"),
    source=_INTRO + "4. voi olla paikallista, seudullista tai koko hyvinvointialueen alueella tapahtuvaa",
    severity=DEFICIENCY,
    description=(
        "Toiminta-alue on paikallinen, seudullinen tai koko hyvinvointialue (puuttuva on puute), ja jokainen "
        "toimintakunta on asetusten kuntaluettelossa (22 kuntaa). Alueen ulkopuolinen kunta merkitään "
        "arvioitavaksi ja nimetään."
    ),
    examples=(
        ex("Seudullinen, kunnat alueella", ()),
        ex("Kirjoitusvirhe kunnan nimessä", (), municipalities=("Jyvaskyla", "Laukaa")),
        ex("Toiminta-alue puuttuu", (DEFICIENCY,), scope=None),
        ex("Osin alueen ulkopuolella", (REVIEW,), municipalities=("Jyväskylä", "Tampere")),
    ),
)
def area(app: Application, ctx: RuleContext):
    if app.scope is None:
        yield DEFICIENCY, "scope", missing(app, "scope")
    outside = [m for m in app.municipalities if m and m.strip() and not in_county(m, ctx.settings.municipalities)]
    for m in outside:
        yield REVIEW, "municipalities", f"{label('municipalities')}: {m} ei ole hyvinvointialueen kunta"



"""T: supported activities ("Hyvinvointialueen tukema toiminta")."""

from __future__ import annotations

from avustus_cli.domain.matching import contains_any, match_category, normalize
from avustus_cli.domain.models import Application, GrantForm, LegalForm
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, NOTE, REVIEW, ex
from avustus_cli.domain.rules._text import join, label, quote, raw
from avustus_cli.domain.rules.reasons import and_list, quoted
from avustus_cli.domain.rules.registry import RuleContext, rule

_CATEGORIES_SOURCE = (
    "Hyvinvointialueen tukema toiminta: ohjeen kymmenen toimintaluokkaa (Sotepalveluihin kiinnittyvä "
    "erityisliikunta- ja kulttuurihyvinvointityö … Kylä- ja asukasyhdistysten turvallisuustyö)."
)
_COSTS_SOURCE = (
    "Toiminnan lisäksi voidaan tukea em. toimintoihin liittyvää kehittämistyötä, ennaltaehkäisevää työtä "
    "sekä toimintaan linkittyviä tila- ja tapahtumakustannuksia."
)


def valid_category(app: Application, ctx: RuleContext) -> int | None:
    c = app.category
    return c if c is not None and 1 <= c <= len(ctx.settings.categories) else None


_CATEGORY_RULE = (
    "Avustusohjeen mukaan avustettavan toiminnan tulee kuulua johonkin ohjeen tuetun toiminnan luokista, "
    "joten avustusta ei voida myöntää."
)


def _category_case(app: Application, ctx: RuleContext) -> str:
    if app.category is not None:
        return "not_a_category"
    text = raw(app, "category")
    if text is None:
        return "missing"
    cats = ctx.settings.categories
    return "guessed" if (match_category(text, cats) or _loose_category(text, cats)) else "unknown"


def _category_facts(app: Application, ctx: RuleContext) -> dict[str, str]:
    text = raw(app, "category") or ""
    cats = ctx.settings.categories
    guess = (match_category(text, cats) or _loose_category(text, cats)) if text else None
    return {
        "category_text": quoted(text),
        "guess": quoted(f"{guess}. {cats[guess - 1]}") if guess else "",
    }


@rule(
    "T01",
    "activity.category",
    title="Toiminta kuuluu tuettuihin toimintaluokkiin",
    refusal={
        "missing": (
            "Hakemuksessa ei ole ilmoitettu, mihin avustusohjeen toimintaluokkaan toiminta kuuluu. "
            + _CATEGORY_RULE
        ),
        "not_a_category": (
            "Hakemuksessa ilmoitettu toimintaluokka {category} ei ole avustusohjeen toimintaluokka (luokat "
            "1–{category_count}). " + _CATEGORY_RULE
        ),
        "unknown": (
            "Hakemuksessa ilmoitettu toiminta {category_text} ei vastaa mitään avustusohjeen toimintaluokista. "
            + _CATEGORY_RULE
        ),
    },
    request={
        "missing": "Ilmoittakaa, mihin avustusohjeen toimintaluokkaan (1–{category_count}) toiminta kuuluu.",
        "not_a_category": "Ilmoittakaa, mihin avustusohjeen toimintaluokkaan (1–{category_count}) toiminta kuuluu.",
    },
    review={
        "guessed": (
            "Hakemuksessa ilmoitettu toimintaluokka {category_text} on tulkittu luokaksi {guess}. Tarkista "
            "luokka toiminnan kuvauksesta."
        ),
    },
    cases=lambda f, app, ctx: _category_case(app, ctx),
    facts=lambda f, app, ctx: _category_facts(app, ctx),
    reads=("category", "raw"),
    source=_CATEGORIES_SOURCE,
    severity=BLOCKING,
    description=(
        "Toimintaluokka on yksi ohjeen kymmenestä (numerona tai tekstinä; kirjainkoko, välilyönnit ja pienet "
        "kirjoitusvirheet sallitaan). Puuttuva tai tunnistamaton luokka on hylkäävä, kunnes virkailija "
        "kohdentaa hakemuksen luokkaan. Jos tuonnissa tunnistamaton teksti vastaa luokkaa väljemmin "
        "verrattuna, ehdotettu luokka näytetään arvioitavaksi."
    ),
    examples=(
        ex("Luokka 6", ()),
        ex("Luokka puuttuu", (BLOCKING,), category=None),
        ex("Tunnistamaton luokkateksti", (BLOCKING,), category=None, raw={"category": "Yleinen harrastustoiminta"}),
        ex("Luokka 11 ei ole olemassa", (BLOCKING,), category=11),
        ex("Tuonti ei tunnistanut, tekstistä löytyy luokka", (REVIEW,), category=None,
           raw={"category": "Kriisityö ja -apu"}),
    ),
)
def category(app: Application, ctx: RuleContext):
    cats = ctx.settings.categories
    if valid_category(app, ctx) is not None:
        return
    text = raw(app, "category")
    if app.category is not None:
        yield (
            BLOCKING,
            "category",
            f"{label('category')}: {app.category} ei ole ohjeen toimintaluokka (1–{len(cats)})",
        )
        return
    if text is None:
        yield BLOCKING, "category", f"{label('category')}: puuttuu"
        return
    guess = match_category(text, cats) or _loose_category(text, cats)
    if guess is not None:
        yield (
            REVIEW,
            "category",
            f"{label('category')}: {quote(text)} tulkittu luokaksi {guess}. {cats[guess - 1]}; tarkista",
        )
    else:
        yield (
            BLOCKING,
            "category",
            f"{label('category')}: {quote(text)} ei vastaa mitään ohjeen toimintaluokista",
        )


def _loose_category(text: str, cats: tuple[str, ...]) -> int | None:
    """A category whose first two words the text starts with (only when exactly one)."""
    words = normalize(text).split()
    if len(words) < 2:
        return None
    hits = [i for i, c in enumerate(cats, 1) if normalize(c).split()[:1] == words[:1]]
    return hits[0] if len(hits) == 1 else None


_LINKED_COSTS = ("kehittä", "ennaltaehkäis", "ennalta ehkäis", "tila", "tapahtuma", "vuokra")


@rule(
    "T02",
    "activity.linked_costs",
    title="Kehittämis-, ennaltaehkäisy-, tila- ja tapahtumakulut liittyvät tuettuun toimintaan",
    review=(
        "Kustannuslajeissa on {flagged}, mutta hakemuksella ei ole avustusohjeen toimintaluokkaa. "
        "Avustusohjeen mukaan kehittämistyötä, ennaltaehkäisevää työtä sekä tila- ja tapahtumakustannuksia "
        "voidaan tukea, kun ne liittyvät tuettuun toimintaan; arvioi, mihin toimintaan kulut liittyvät."
    ),
    facts=lambda f, app, ctx: {
        "flagged": and_list(quoted(c) for c in app.cost_types if contains_any(c, _LINKED_COSTS)),
    },
    reads=("category", "cost_types"),
    source=_COSTS_SOURCE,
    severity=REVIEW,
    description=(
        "Jos kustannuslajeissa on kehittämistyötä, ennaltaehkäisevää työtä tai tila- ja "
        "tapahtumakustannuksia eikä hakemuksella ole kelvollista toimintaluokkaa, yhteys tuettuun toimintaan "
        "on epäselvä ja hakemus merkitään arvioitavaksi."
    ),
    examples=(
        ex("Tilavuokra, luokka 6", (), cost_types=("Tilavuokrat", "Henkilöstökulut")),
        ex("Ei luokkaa, vain henkilöstökuluja", (), category=None, cost_types=("Henkilöstökulut",)),
        ex("Kehittämistyö ilman luokkaa", (REVIEW,), category=None, cost_types=("Kehittämistyö", "Tapahtumat")),
    ),
)
def linked_costs(app: Application, ctx: RuleContext):
    if valid_category(app, ctx) is not None:
        return
    flagged = [c for c in app.cost_types if contains_any(c, _LINKED_COSTS)]
    if flagged:
        yield (
            REVIEW,
            "cost_types",
            f"{label('cost_types')}: {join(flagged)}: tuettavissa vain, kun ne liittyvät johonkin ohjeen "
            "toimintaluokista, eikä toimintaluokkaa ole",
        )


_VILLAGE_WORDS = ("kylä", "asukas", "omakoti", "kaupunginosa", "kotiseutu", "asuinalue")


def looks_like_village_association(name: str) -> bool:
    return any(w.startswith(_VILLAGE_WORDS) for w in normalize(name or "").replace("-", " ").split())


@rule(
    "T03",
    "activity.village_safety",
    title="Luokka 10 on kylä- ja asukasyhdistyksille",
    review={
        "applicant": (
            "Toimintaluokka 10 (kylä- ja asukasyhdistysten turvallisuustyö) on tarkoitettu kylä- ja "
            "asukasyhdistyksille, mutta hakija {applicant} ei nimensä perusteella ole sellainen. Arvioi, "
            "kuuluuko toiminta luokkaan 10."
        ),
        "legal_form": (
            "Hakija {applicant} on {legal_form}, mutta toimintaluokka 10 (kylä- ja asukasyhdistysten "
            "turvallisuustyö) on tarkoitettu kylä- ja asukasyhdistyksille. Arvioi, kuuluuko toiminta luokkaan 10."
        ),
    },
    reads=("category", "applicant", "legal_form"),
    where="category = 10",
    by_name=("applicant", lambda app, name: app.category == 10 and looks_like_village_association(name)),
    source="Kylä- ja asukasyhdistysten turvallisuustyö (tuetun toiminnan luokka 10).",
    severity=REVIEW,
    description=(
        "Jos toimintaluokka on 10 (kylä- ja asukasyhdistysten turvallisuustyö), hakijan nimestä tarkistetaan, "
        "onko se kylä- tai asukasyhdistys (kylä-, asukas-, omakoti-, kaupunginosa-, kotiseutu-). Muu hakija "
        "tai muu kuin yhdistys merkitään arvioitavaksi."
    ),
    examples=(
        ex("Kyläyhdistys luokassa 10", (), category=10, applicant="Kuohun kyläyhdistys ry"),
        ex("Omakotiyhdistys luokassa 10", (), category=10, applicant="Palokan Omakotiyhdistys ry"),
        ex("Potilasjärjestö luokassa 10", (REVIEW,), category=10),
        ex("Kylätoimikunnan säätiö luokassa 10", (REVIEW,), category=10, applicant="Kylätoimikunnan säätiö sr",
           legal_form=LegalForm.FOUNDATION),
    ),
)
def village_safety(app: Application, ctx: RuleContext, village: bool, quoted: str):
    if app.category != 10:
        return
    if not village:
        yield (
            REVIEW,
            "applicant",
            f"{label('applicant')}: {quoted} ei nimen perusteella ole kylä- tai asukasyhdistys, "
            "mutta toimintaluokka on 10 (kylä- ja asukasyhdistysten turvallisuustyö)",
        )
    elif app.legal_form not in (None, LegalForm.ASSOCIATION):
        yield (
            REVIEW,
            "legal_form",
            f"{label('legal_form')}: {app.legal_form.label.lower()}; luokka 10 on tarkoitettu kylä- ja "
            "asukasyhdistyksille",
        )


@rule(
    "T04",
    "activity.round_focus",
    title="Haun rajaukset ja painotukset",
    review=(
        "Toiminnan {where} mainitaan {excluded}, joka on rajattu tämän haun ulkopuolelle. Arvioi, kohdistuuko "
        "haettu avustus rajattuun toimintaan."
    ),
    facts=lambda f, app, ctx: {
        "where": {"activity_name": "nimessä"}.get(f.field or "", "kuvauksessa"),
        "excluded": and_list(
            quoted(x) for x in contains_any(getattr(app, f.field or "description", "") or "", ctx.settings.excluded_types)
        ),
    },
    reads=("activity_name", "description"),
    source=(
        "Hakukierros voi rajata toimintamuotoja pois (vuoden 2026 haku: ruoka-apu, sopimuspalokunnat, "
        "järvipelastus) ja painottaa teemoja; molemmat luettelot ovat kierroksen asetuksissa."
    ),
    severity=REVIEW,
    description=(
        "Toiminnan nimestä ja kuvauksesta etsitään asetusten poissuljettuja toimintamuotoja (arvioitava) ja "
        "painotettuja teemoja (tiedoksi)."
    ),
    examples=(
        ex("Ei rajattuja eikä painotettuja", ()),
        ex("Ruoka-apu kuvauksessa", (REVIEW,), description="Jaamme ruoka-apua kerran viikossa."),
        ex("Painotettu teema: yksinäisyys", (NOTE,), activity_name="Yksinäisyys pois -ryhmät"),
    ),
)
def round_focus(app: Application, ctx: RuleContext):
    for fld in ("activity_name", "description"):
        text = getattr(app, fld) or ""
        excluded = contains_any(text, ctx.settings.excluded_types)
        if excluded:
            yield REVIEW, fld, f"{label(fld)}: {join(excluded)} on rajattu tämän haun ulkopuolelle"
    themes = contains_any(f"{app.activity_name} {app.description}", ctx.settings.favoured_themes)
    if themes:
        yield NOTE, "description", f"{label('description')}: haussa painotettu teema: {join(themes)}"


def _has(attachments: tuple[str, ...], stems: tuple[str, ...]) -> bool:
    return any(s in normalize(a).replace(" ", "").replace("-", "") for a in attachments for s in stems)


_PLAN = ("toimintasuunnitelm", "toimintajataloussuunnitelm", "verksamhetsplan")
_BUDGET = ("talousarvi", "budjet", "taloussuunnitelm", "budget")


def _lacking(app: Application) -> list[str]:
    """The documents T05 wants that the attachments lack."""
    lacking = []
    if not _has(app.attachments, _PLAN):
        lacking.append("toimintasuunnitelma")
    if not _has(app.attachments, _BUDGET):
        lacking.append("talousarvio")
    return lacking


def is_operating(app: Application) -> bool:
    """An operating grant; an application whose form is unknown is treated as one
    (the yearly round is for operating grants)."""
    return app.form in (GrantForm.OPERATING, None)


@rule(
    "T05",
    "activity.action_plan",
    title="Toimintasuunnitelma ja talousarvio liitteinä",
    refusal=(
        "Hakemuksen liitteistä puuttuu {lacking}. Avustusohjeen mukaan toiminta-avustus myönnetään "
        "toimintasuunnitelman mukaiseen toimintaan, eikä toimintaa ja sen kustannuksia voida arvioida ilman "
        "näitä tietoja, joten avustusta ei voida myöntää."
    ),
    request="Toimittakaa {lacking} vuodelle {year}.",
    facts=lambda f, app, ctx: {"lacking": and_list(_lacking(app))},
    reads=("form", "attachments"),
    where="form is null or form = 'operating'",
    source="Toiminta-avustukset myönnetään vuosittain toimintasuunnitelman mukaiseen toimintaan.",
    severity=DEFICIENCY,
    description=(
        "Toiminta-avustuksen (tai avustusmuodoltaan tuntemattoman hakemuksen) liitteissä on "
        "toimintasuunnitelma ja talousarvio (tunnistetaan liitteen nimestä: toimintasuunnitelma, "
        "toiminta- ja taloussuunnitelma, talousarvio, budjetti). Puuttuvat nimetään täydennyspyyntöä varten."
    ),
    examples=(
        ex("Molemmat liitteet", ()),
        ex("Yhdistetty toiminta- ja taloussuunnitelma", (), attachments=("Toiminta- ja taloussuunnitelma 2027.pdf",)),
        ex("Kumppanuussopimus: ei koske", (), form=GrantForm.PARTNERSHIP, attachments=()),
        ex("Talousarvio puuttuu", (DEFICIENCY,), attachments=("Toimintasuunnitelma 2027",)),
        ex("Ei liitteitä", (DEFICIENCY,), attachments=()),
    ),
)
def action_plan(app: Application, ctx: RuleContext):
    if not is_operating(app):
        return
    lacking = _lacking(app)
    if lacking:
        given = join(app.attachments) if app.attachments else "ei liitteitä"
        yield DEFICIENCY, "attachments", f"{label('attachments')}: puuttuu {' ja '.join(lacking)} ({given})"

"""Y: joint applications ("yhteisvastuullisesti")."""

from __future__ import annotations

from avustus_cli.domain.matching import normalize
from avustus_cli.domain.models import Application, LegalForm, Party
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, REVIEW, ex
from avustus_cli.domain.rules._text import label, missing, quote
from avustus_cli.domain.rules.eligibility import ONLY_REGISTERED, form_facts, party_case, party_eligibility
from avustus_cli.domain.rules.registry import RuleContext, rule

SOURCE = (
    "Avustuskelpoiset hakijat voivat hakea avustuksia yhteisvastuullisesti, tällöin hakemuksesta tulee "
    "ilmetä sekä päävastuullinen hakija, jolle avustus maksetaan ja joka vastaa avustuksen käytön "
    "raportoinnista, sekä periaatteet avustuksen ja raportointivastuun jakautumisesta toiminnan "
    "toteuttamiseen osallistuvien hakijoiden kesken."
)

_LEAD = Party("Keski-Suomen Omaishoitajat ry", "2077474-0", legal_form=LegalForm.ASSOCIATION)
_CO = (Party("Laukaan Omaiset ry"), Party("Muuramen Eläkeläiset ry"))
_SPLIT = "Avustus maksetaan päähakijalle; kukin raportoi omat ryhmänsä päähakijalle."
_JOINT_RULE = (
    "Avustusohjeen mukaan yhteishakemuksesta tulee ilmetä päävastuullinen hakija, jolle avustus maksetaan ja "
    "joka vastaa avustuksen käytön raportoinnista, sekä periaatteet avustuksen ja raportointivastuun "
    "jakautumisesta hakijoiden kesken, joten avustusta ei voida myöntää."
)


def _party(finding, app: Application) -> Party | None:
    """The party a Y03 finding names (its message quotes the name)."""
    candidates = [app.lead_applicant] if finding.field == "lead_applicant" else list(app.co_applicants)
    return next((p for p in candidates if p is not None and quote(p.name) in finding.message), None)


def _party_facts(finding, app: Application) -> dict[str, str]:
    p = _party(finding, app)
    if p is None:
        return {"party": "", "role": "yhteishakija", "role_gen": "yhteishakijan", "form": "", "basis": ""}
    lead = finding.field == "lead_applicant"
    return {
        "party": p.name,
        "role": "päävastuullinen hakija" if lead else "yhteishakija",
        "role_gen": "päävastuullisen hakijan" if lead else "yhteishakijan",
        **form_facts(p.name, p.legal_form),
    }


def _party_case(finding, app: Application) -> str:
    if finding.field == "co_applicants" and not app.co_applicants:
        return "none_named"
    p = _party(finding, app)
    return party_case(p.name, p.legal_form) if p is not None else "unknown"


@rule(
    "Y01",
    "joint.lead_applicant",
    title="Yhteishakemuksessa on päävastuullinen hakija",
    refusal="Yhteishakemuksessa ei ole nimetty päävastuullista hakijaa. " + _JOINT_RULE,
    request=(
        "Ilmoittakaa yhteishakemuksen päävastuullinen hakija, jolle avustus maksetaan ja joka vastaa avustuksen "
        "käytön raportoinnista, sekä sen Y-tunnus."
    ),
    reads=("joint", "lead_applicant", "raw"),
    where="joint = 1",
    source=SOURCE,
    severity=DEFICIENCY,
    description=(
        "Yhteishakemuksessa (Yhteishakemus: kyllä) on nimetty päävastuullinen hakija, jolle avustus maksetaan "
        "ja joka raportoi. Muissa hakemuksissa sääntöä ei sovelleta."
    ),
    examples=(
        ex("Päähakija nimetty", (), joint=True, lead_applicant=_LEAD, co_applicants=_CO, responsibility_split=_SPLIT),
        ex("Ei yhteishakemus", (), joint=False, lead_applicant=None),
        ex("Päähakija puuttuu", (DEFICIENCY,), joint=True, co_applicants=_CO, responsibility_split=_SPLIT),
    ),
)
def lead_applicant(app: Application, ctx: RuleContext):
    if app.joint is not True:
        return
    if app.lead_applicant is None or not app.lead_applicant.name.strip():
        yield DEFICIENCY, "lead_applicant", missing(app, "lead_applicant")


@rule(
    "Y02",
    "joint.responsibility_split",
    title="Avustuksen ja raportointivastuun jako",
    refusal="Yhteishakemuksesta ei käy ilmi, miten avustus ja raportointivastuu jakautuvat hakijoiden kesken. "
    + _JOINT_RULE,
    request="Kuvatkaa, miten avustus ja raportointivastuu jakautuvat toimintaan osallistuvien hakijoiden kesken.",
    reads=("joint", "responsibility_split", "raw"),
    where="joint = 1",
    source=SOURCE,
    severity=DEFICIENCY,
    description=(
        "Yhteishakemuksessa on kuvattu, miten avustus ja raportointivastuu jakautuvat hakijoiden kesken "
        "(kohta Vastuunjako)."
    ),
    examples=(
        ex("Jako kuvattu", (), joint=True, lead_applicant=_LEAD, co_applicants=_CO, responsibility_split=_SPLIT),
        ex("Jako puuttuu", (DEFICIENCY,), joint=True, lead_applicant=_LEAD, co_applicants=_CO),
    ),
)
def responsibility_split(app: Application, ctx: RuleContext):
    if app.joint is not True:
        return
    if not (app.responsibility_split or "").strip():
        yield DEFICIENCY, "responsibility_split", missing(app, "responsibility_split")


def _lead_besides(lead: Party | None, applicant: str) -> bool:
    """Whether a joint application names a lead applicant besides the applicant itself."""
    return lead is not None and bool(lead.name.strip()) and normalize(lead.name) != normalize(applicant)


@rule(
    "Y03",
    "joint.co_applicants_eligible",
    title="Jokainen yhteishakija on avustuskelpoinen",
    refusal={
        "ineligible": "{basis} {role} {party} on {form}. " + ONLY_REGISTERED,
        "none_named": "Yhteishakemuksessa ei ole nimetty muita hakijoita. " + _JOINT_RULE,
    },
    request={"none_named": "Nimetkää yhteishakemuksen muut hakijat ja niiden Y-tunnukset."},
    review={
        "unknown": (
            "Hakemuksessa ei ole ilmoitettu {role_gen} {party} oikeudellista muotoa, eikä sitä voi päätellä "
            "nimestä. Tarkista yhdistysrekisteristä tai säätiörekisteristä, onko {role} rekisteröity yhdistys "
            "tai säätiö."
        ),
        "other": (
            "Hakemuksen mukaan {role} {party} on oikeudelliselta muodoltaan ”muu”. Tarkista "
            "yhdistysrekisteristä tai säätiörekisteristä, onko se rekisteröity yhdistys tai säätiö."
        ),
    },
    cases=lambda f, app, ctx: _party_case(f, app),
    facts=lambda f, app, ctx: _party_facts(f, app),
    reads=("joint", "co_applicants", "lead_applicant", "applicant", "raw"),
    where="joint = 1",
    by_name=("applicant", lambda app, name: app.joint is True and _lead_besides(app.lead_applicant, name)),
    source=SOURCE,
    severity=BLOCKING,
    description=(
        "Yhteishakemuksen jokainen muu hakija (ja päävastuullinen hakija, jos se on eri kuin hakija) on rekisteröity yhdistys tai säätiö (kuten E01: oikeudellinen "
        "muoto tai nimen pääte ry / sr). Ei-kelpoinen yhteishakija on hylkäävä, tunnistamaton arvioitava; "
        "jos muita hakijoita ei ole nimetty, pyydetään täydennys."
    ),
    examples=(
        ex("Yhteishakijat yhdistyksiä", (), joint=True, lead_applicant=_LEAD, co_applicants=_CO,
           responsibility_split=_SPLIT),
        ex("Yhteishakijana osakeyhtiö", (BLOCKING,), joint=True, lead_applicant=_LEAD,
           co_applicants=(_CO[0], Party("Hoivakoti Kotirinne Oy")), responsibility_split=_SPLIT),
        ex("Yhteishakijan muotoa ei voi päätellä", (REVIEW,), joint=True, lead_applicant=_LEAD,
           co_applicants=(Party("Kansalaisareena"),), responsibility_split=_SPLIT),
        ex("Yhteishakijan muoto 'muu'", (REVIEW,), joint=True, lead_applicant=_LEAD,
           co_applicants=(Party("Kansalaisareena", legal_form=LegalForm.OTHER),), responsibility_split=_SPLIT),
        ex("Muita hakijoita ei nimetty", (DEFICIENCY,), joint=True, lead_applicant=_LEAD, co_applicants=(),
           responsibility_split=_SPLIT),
    ),
)
def co_applicants_eligible(app: Application, ctx: RuleContext, lead_besides: bool, quoted: str):
    if app.joint is not True:
        return
    if not app.co_applicants:
        yield DEFICIENCY, "co_applicants", missing(app, "co_applicants", "yhteishakemuksessa ei ole nimetty muita hakijoita")
        return
    lead = app.lead_applicant
    if lead is not None and lead_besides:
        problem = party_eligibility(lead.name, lead.legal_form, label("lead_applicant"))
        if problem:
            yield problem[0], "lead_applicant", problem[1]
    for party in app.co_applicants:
        problem = party_eligibility(party.name, party.legal_form, label("co_applicants"))
        if problem:
            yield problem[0], "co_applicants", problem[1]

"""Write the sample grant round: hakemukset.xlsx, aiemmat_avustukset.xlsx, expected.json.

Deterministic: a fixed seed, fixed workbook timestamps and fixed zip entry
times, so running the script twice gives byte-identical files.

    python sample_data/make_sample.py

Everything here is fictional: organisations, people, business IDs (valid
check digits, otherwise random), bank accounts (valid check digits, otherwise
random), e-mail addresses (example.fi / example.com) and phone numbers.

The applications are described below by their *meaning* (dates, booleans,
amounts, lists); ``render_*`` turns each value into one of the messy forms a
real e-form export uses (text amounts with non-breaking spaces, dates as text,
K/E, x, TRUE/FALSE, 1/0 ...). The expected verdict and rule codes of every
application are written by hand next to it, worked out from
the county's grant guideline (quoted in ``docs/rules.md``) for ``avustus check --as-of 2027-01-10`` with the default
settings (grant year 2027, window 1.-31.12.2026).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import random
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter
from stdnum import iban as std_iban
from stdnum.fi import associationid, ytunnus

HERE = Path(__file__).resolve().parent
SEED = 2027
FIXED_TIME = dt.datetime(2027, 1, 10, 8, 0, 0)
ZIP_TIME = (2027, 1, 10, 8, 0, 0)
NBSP = "\u00a0"

# ---------------------------------------------------------------- constants (the guideline's, from the settings defaults)

from avustus_cli.domain.config import CATEGORIES, MUNICIPALITIES  # noqa: E402

# abbreviations as a form's drop-down might cut them: a prefix of the text, ending in '…' or '.'
CATEGORY_ABBR = {
    1: "Sotepalveluihin kiinnittyvä erityisliikunta…",
    2: "Sosiaali- ja terveysalan järjestöjen kohderyhmilleen tarjoama toiminta…",
    3: "Soten lapsiperhepalveluihin kiinnittyvä…",
    4: "Mielenterveys- ja päihdepalv.",
    5: "Kriisityö…",
    6: "Ikäihmisten ja muiden kotona asumisen tuk.",
    7: "Sotepalveluihin kiinnittyvä työtoiminnan…",
    8: "Järjestöjen tarjoama toimintakyvyn tuki sotaveteraaneille…",
    9: "Pelastuslaitoksen toimintaan kiinnittyvä…",
    10: "Kylä- ja asukasyhdistysten turvall.",
}
T_PREV = "Ennaltaehkäisevä työ ja varhainen tuki"
T_PART = "Osallisuuden vahvistaminen"
T_LONE = "Yksinäisyyden vähentäminen"
T_HOME = "Ikäihmisten kotona asumisen tukeminen"
T_CHILD = "Lasten, nuorten ja perheiden hyvinvointi"  # contains a comma: always paired with another target
T_MENTAL = "Mielenterveyden ja päihteettömyyden edistäminen"
T_SAFE = "Turvallisuuden ja varautumisen vahvistaminen"
T_WORK = "Työ- ja toimintakyvyn tukeminen"
TARGETS = (T_PREV, T_PART, T_LONE, T_HOME, T_CHILD, T_MENTAL, T_SAFE, T_WORK)
# words in an application's texts that a rule reacts to: T04 excluded types, K01 municipal-field types,
# and the favoured themes (which a tool might note; kept out of every text)
EXCLUDED_WORDS = ("ruoka-apu", "sopimuspalokunta", "vapaapalokunta", "järvipelastus")
MUNICIPAL_WORDS = ("yleinen nuorisotyö", "yleinen liikunta", "kirjasto", "yleinen kulttuuri", "harrastustoiminta")
FAVOURED_WORDS = ("yksinäisyys", "osallisuus")
CODE_ORDER = (
    "E01 E02 E03 E04 K01 K02 K03 K04 T01 T02 T03 T04 T05 A01 A02 Y01 Y02 Y03 H01 R01 S01 S02 S03 S04 "
    "P01 P02 P03 P04"
).split()

OPERATING, PARTNERSHIP, PROJECT = "operating", "partnership", "project"
FULL_ATTACHMENTS = ("toimintasuunnitelma", "talousarvio", "tilinpäätös")

# ---------------------------------------------------------------- fictional identifiers


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


_YT_USED: dict[str, str] = {}
_YT_BODIES: set[str] = set()


def business_id(name: str) -> str:
    """A made-up Y-tunnus with a valid check digit, stable per name."""
    if name in _YT_USED:
        return _YT_USED[name]
    body = 1_000_000 + _digest("yt:" + name) % 2_200_000
    while True:
        digits = f"{body:07d}"
        weighted = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True))
        if weighted % 11 != 1 and digits not in _YT_BODIES:
            break
        body += 1
    value = f"{digits}-{(11 - weighted % 11) % 11}"  # weights 7,9,10,5,8,4,2; mod 11
    assert ytunnus.is_valid(value), value
    _YT_BODIES.add(digits)
    _YT_USED[name] = value
    return value


def invalid_business_id(name: str) -> str:
    good = business_id(name)
    bad = good[:-1] + str((int(good[-1]) + 3) % 10)
    assert not ytunnus.is_valid(bad)
    return bad


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 0:  # rightmost digit of the payload is doubled
            n *= 2
            n = n - 9 if n > 9 else n
        total += n
    return str((10 - total % 10) % 10)


def fi_iban(name: str) -> str:
    """A made-up Finnish IBAN (valid account check digit and IBAN check digits)."""
    h = _digest("iban:" + name)
    bank = ("100", "114", "157", "500", "535", "800", "405", "470", "799")[h % 9]
    payload = bank + f"{(h // 9) % 10**10:010d}"  # 13 digits
    bban = payload + _luhn_digit(payload)
    check = 98 - int(bban + "151800") % 97
    value = f"FI{check:02d}{bban}"
    assert std_iban.is_valid(value), value
    return value


FIRST = ("Aino", "Eero", "Helmi", "Ilkka", "Johanna", "Kalle", "Leena", "Markku", "Niina", "Olli",
         "Päivi", "Riikka", "Sami", "Tuula", "Ville", "Anneli", "Jouni", "Maarit", "Pekka", "Sirpa",
         "Timo", "Ulla", "Veera", "Heikki", "Elina", "Raimo", "Satu", "Arto")  # fmt: skip
LAST = ("Kivelä", "Lahtinen", "Mäkiranta", "Huttunen", "Peltola", "Salonen", "Räsänen", "Kokkonen",
        "Leinonen", "Hirvonen", "Tanskanen", "Vesterinen", "Manninen", "Oksanen", "Heinonen",
        "Kauppinen", "Nurmela", "Saarikoski", "Jokiranta", "Vilkuna", "Hakulinen", "Pöyhönen")  # fmt: skip


def _ascii(s: str) -> str:
    return s.lower().translate(str.maketrans({"ä": "a", "ö": "o", "å": "a", " ": "", "-": ""}))


# ---------------------------------------------------------------- the applications (meaning)


def app(n, form, name, home, category, activity, munis, coop, targets, requested, other, verdict, codes, why,
        **kw):
    """One application in plain values. Defaults make it clean for every rule."""
    a = dict(
        id=f"AV-2027-{n:03d}",
        form=form,
        name=name,
        legal="Säätiö" if name.endswith(" sr") else "Rekisteröity yhdistys",
        bid="ok",  # ok | bad | none
        regno=None,
        non_profit=True,
        home=home,
        activity=activity,
        category=category,
        description=None,
        costs=("toiminta",),
        scope="Paikallinen" if len(munis) == 1 else "Seudullinen",
        munis=tuple(munis),
        county_field=True,
        targets=tuple(targets),
        coop=coop,
        requested=requested,
        other=other,
        funders="jäsenmaksut, kunnan avustus",
        econ=False,
        seg=None,
        audit=True,
        joint=None,
        lead=None,
        co=(),
        split="",
        agreement=None,
        commitments="",
        funder="",
        decision="",
        funding=None,
        project=None,
        attachments=FULL_ATTACHMENTS,
        received="auto",
        history=(),  # ("2025", "ok"|"late_ok"|"missing") / ("2026", "open"|"ok")
        expect=dict(verdict=verdict, codes=codes, why=why),
    )
    for k, v in kw.items():
        if k not in a:
            raise KeyError(k)
        a[k] = v
    return a


def party(name: str) -> str:
    return f"{name} ({business_id(name)})"


COMMIT_PARTNER = (
    "Yhdistys: viikoittaiset ryhmät ja ohjaus palveluihin, vuosiraportti maaliskuussa. "
    "Hyvinvointialue: yhteyshenkilö, tilat kahdesti kuussa, asiakasohjaus.\n"
    "Mittarit: osallistujamäärä, asiakasohjausten määrä, asiakaspalautteen keskiarvo."
)
COMMIT_PROJECT = (
    "Ohjausryhmässä hyvinvointialueen edustaja; asiakasohjaus palveluista hankkeeseen sovittu; "
    "raportointi puolivuosittain.\nMittarit: tavoitetut asiakkaat, palveluihin ohjatut, kokemusmittari."
)
ALL_MUNIS = MUNICIPALITIES
D = dt.date


def applications() -> list[dict]:
    A = []
    add = A.append
    # 001
    add(app(1, OPERATING, "Jämsänjoen Omaishoitajapiiri ry", "Jämsä", 6,
            "Omaishoitajien vertaistukiryhmät ja virkistyspäivät", ["Jämsä"],
            "Omaishoidon tuen palvelut, Jämsän alue", [T_HOME, T_PREV], 25_000, 6_200,
            "eligible", ["R01"], "clean; 2026 grant's report not yet due (30.6.2027): R01 note",
            regno="204.517", history=(("2025", "ok"), ("2026", "open"))))
    # 002
    add(app(2, OPERATING, "Keuruun Mielenterveysyhdistys Tyyni ry", "Keuruu", 4,
            'Tyyni-olohuone: matalan kynnyksen kohtaamispaikka', ["Keuruu", "Multia"],
            "Mielenterveys- ja päihdepalvelut, Keuruun aikuispsykiatrian poliklinikka", [T_MENTAL], 45_000, 9_500,
            "eligible", ["R01"], "clean; 2026 report not yet due: R01 note",
            description='Olohuone on auki arkisin klo 10–15.\nKävijät sanovat sitä "toiseksi kodiksi".\n'
                        "Ohjaamme tarvittaessa mielenterveyspalveluihin.",
            history=(("2025", "ok"), ("2026", "open"))))
    # 003 company
    add(app(3, OPERATING, "Kuntokaari Hyvinvointipalvelut Oy", "Jyväskylä", 1,
            "Kuntoutusliikuntaryhmät sydänpotilaille", ["Jyväskylä"],
            "Kuntoutuspalvelut, fysioterapia", [T_WORK], 30_000, 40_000,
            "ineligible", ["E01"], "applicant is a limited company (Osakeyhtiö), not an association or foundation",
            legal="Osakeyhtiö", econ=True, seg=True, funders="asiakasmaksut"))
    # 004 village association, category 10
    add(app(4, OPERATING, "Sammalkummun kyläyhdistys ry", "Saarijärvi", 10,
            "Kylän turvallisuusverkosto ja alkusammutuskoulutukset", ["Saarijärvi"],
            "Keski-Suomen pelastuslaitos, Saarijärven paloasema", [T_SAFE], 4_800, 1_500,
            "eligible", ["R01"], "clean village association, category 10; 2026 report not yet due: R01 note",
            regno="187.302", history=(("2026", "open"),)))
    # 005
    add(app(5, OPERATING, "Äänekosken Sydänlanka ry", "Äänekoski", 2,
            "Sydänsairaiden vertaistuki ja kuntoutumisen tuki", ["Äänekoski", "Konnevesi"],
            "Sydänpoliklinikka ja kuntoutuspalvelut", [T_WORK, T_PREV], 12_500, 4_300,
            "eligible", [], "clean; 2025 report approved",
            regno="96.441", history=(("2025", "ok"),)))
    # 006 non-profit not stated
    add(app(6, OPERATING, "Laukaan Muistipolku ry", "Laukaa", 6,
            "Muistisairaiden ja läheisten kohtaamispaikka Muistituokio", ["Laukaa"],
            "Muistipoliklinikka ja kotihoito", [T_HOME], 19_000, 3_800,
            "supplement", ["E02"], "non-profit status left blank: E02 deficiency",
            non_profit=None))
    # 007 joint application, complete
    add(app(7, OPERATING, "Jyväskylän Vertaiskompassi ry", "Jyväskylä", 4,
            "Vertaisryhmät mielenterveyskuntoutujille (yhteishakemus)", ["Jyväskylä", "Muurame", "Laukaa"],
            "Mielenterveys- ja päihdepalvelut, kuntoutuspsykiatria", [T_MENTAL, T_PART], 60_000, 12_000,
            "eligible", ["R01"], "complete joint application (lead, co-applicants ry, split); 2026 report not yet due",
            joint=True, lead=party("Jyväskylän Vertaiskompassi ry"),
            co=(party("Muuramen Mielenkuntoilijat ry"), party("Laukaan Toivonkipinä ry")),
            split="Avustus maksetaan Vertaiskompassille, joka vastaa raportoinnista; 60 % Vertaiskompassi, "
                  "20 % kumpikin muu hakija.",
            regno="211.086", history=(("2025", "ok"), ("2026", "open"))))
    # 008
    add(app(8, OPERATING, "Muuramen Perhetupa Pilke ry", "Muurame", 3,
            "Perhetupa vauvaperheille", ["Muurame"],
            "Perhekeskus ja neuvolapalvelut", [T_CHILD, T_PREV], 28_000, 5_000,
            "eligible", [], "clean; preventive work tied to category 3 is allowed (T02); no earlier grants",
            costs=("toiminta", "ennaltaehkäisevä työ")))
    # 009
    add(app(9, OPERATING, "Viitasaaren Veteraanituki Kannel ry", "Viitasaari", 8,
            "Veteraanien ja puolisoiden kotikäynnit ja kuntoutuspäivät", ["Viitasaari", "Pihtipudas"],
            "Kotihoito ja veteraanikuntoutus", [T_HOME], 9_500, 2_000,
            "eligible", ["R01"], "clean; 2025 report came late but is in; 2026 report not yet due: R01 note",
            regno="143.770", history=(("2025", "late_ok"), ("2026", "open"))))
    # 010 partnership above 100 000 €/year
    add(app(10, PARTNERSHIP, "Keski-Suomen Omaishoidon Tukisäätiö Kaari sr", "Jyväskylä", 6,
            "Omaishoitajien tukikeskus Kaari", ALL_MUNIS[:8],
            "Omaishoidon tuki, kotihoito ja sosiaalityö", [T_HOME, T_LONE], 140_000, 250_000,
            "eligible", ["R01", "S04"],
            "clean partnership, 3 years, 140 000 €/year: S04 routes to the regional board; 2026 report not yet due",
            scope="Koko hyvinvointialue", agreement=(D(2027, 1, 1), D(2029, 12, 31)), commitments=COMMIT_PARTNER,
            funders="STEA, kunnat, lahjoitukset", costs=("toiminta", "kehittämistyö"),
            attachments=FULL_ATTACHMENTS + ("toimintakertomus", "tilintarkastuskertomus"),
            history=(("2025", "ok"), ("2026", "open"))))
    # 011 no cooperation
    add(app(11, OPERATING, "Petäjäveden Kriisiyhdistys Lyhty ry", "Petäjävesi", "Kriisityö ja kriisiapu",
            "Kriisipuhelin ja tukihenkilöt", ["Petäjävesi", "Multia"],
            "", [T_MENTAL, T_PREV], 11_000, 2_500,
            "supplement", ["K03"], "no cooperating county service named: K03 deficiency"))
    # 012
    add(app(12, OPERATING, "Karstulan Verstasyhdistys ry", "Karstula", 7,
            "Verstas: kuntouttava työtoiminta", ["Karstula", "Kyyjärvi", "Kivijärvi"],
            "Aikuissosiaalityö ja työllisyyspalvelut", [T_WORK], 38_000, 14_000,
            "eligible", [], "clean; 2025 report approved and 2026 report already in",
            econ=True, seg=True, funders="myyntitulot (eriytetty), kunnat",
            history=(("2025", "ok"), ("2026", "ok"))))
    # 013 activity partly outside the county
    add(app(13, OPERATING, "Jämsän Järvikuntoutujat ry", "Jämsä", 1,
            "Vesiliikuntaryhmät kuntoutujille", ["Jämsä", "Kuhmoinen", "Tampere"],
            "Kuntoutuspalvelut, fysioterapia Jämsä", [T_WORK], 8_000, 2_400,
            "review", ["E04", "K04"],
            "Kuhmoinen and Tampere are outside the county's 22 municipalities: E04 and K04 review"))
    # 014
    add(app(14, OPERATING, "Hankasalmen Liikuntarajoitteisten Liike ry", "Hankasalmi", 1,
            "Erityisliikuntaryhmät pyörätuolin käyttäjille", ["Hankasalmi"],
            "Fysioterapia ja apuvälinepalvelut", [T_WORK, T_PART], 7_200, 1_800,
            "eligible", [], "clean; no earlier grants", regno="158.209"))
    # 015 invalid business id check digit
    add(app(15, OPERATING, "Pihtiputaan Diabetesyhdistys Sokeripala ry", "Pihtipudas", 2,
            "Diabeteksen vertaistuki ja ohjatut kävelyt", ["Pihtipudas", "Viitasaari"],
            "Diabetesvastaanotto, terveysasema", [T_PREV], 6_500, 1_900,
            "review", ["E03"], "Y-tunnus check digit is wrong: E03 review (the county looks it up, never a refusal)",
            bid="bad"))
    # 016 unregistered group, no business id
    add(app(16, OPERATING, "Vaajakosken Tiistaikävelijät", "Jyväskylä", 6,
            "Kävelyryhmä muistisairaille ja omaisille", ["Jyväskylä"],
            "Muistipoliklinikka", [T_HOME], 3_000, 300,
            "ineligible", ["E01", "E03"],
            "unregistered group (Rekisteröimätön yhteisö): E01 blocking; has no Y-tunnus: E03 deficiency",
            legal="Rekisteröimätön yhteisö", bid="none", attachments=("toimintasuunnitelma", "talousarvio"),
            funders="osallistujien maksut"))
    # 017
    add(app(17, OPERATING, "Joutsan Turvaverkko Vahti ry", "Joutsa", 9,
            "Kodin paloturvallisuuskäynnit ja varautumisillat", ["Joutsa", "Luhanka"],
            "Keski-Suomen pelastuslaitos, turvallisuusviestintä", [T_SAFE], 5_600, 1_200,
            "eligible", ["R01"], "clean; 2026 report not yet due: R01 note",
            history=(("2026", "open"),)))
    # 018 project, positive decision
    add(app(18, PROJECT, "Keski-Suomen Päihdetyön Ankkurisäätiö sr", "Jyväskylä", 4,
            "Ankkuri-hanke: päihdeperheiden lasten tuki", ALL_MUNIS[:6] + ("Äänekoski",),
            "Mielenterveys- ja päihdepalvelut, lastensuojelu", [T_MENTAL, T_CHILD], 90_000, 210_000,
            "eligible", [], "clean project: STEA positive, county period = funding period",
            scope="Koko hyvinvointialue", funder="STEA", decision="Myönteinen",
            funding=(D(2027, 1, 1), D(2029, 12, 31)), project=(D(2027, 1, 1), D(2029, 12, 31)),
            commitments=COMMIT_PROJECT, funders="STEA", costs=("toiminta", "kehittämistyö")))
    # 019 K01 answered no
    add(app(19, OPERATING, "Konneveden Päihdetyön Ankkuripaikka ry", "Konnevesi", 4,
            "Päihteetön kohtaamispaikka", ["Konnevesi"],
            "Päihdepalvelut, Äänekosken alue", [T_MENTAL], 9_000, 2_200,
            "ineligible", ["K01"], "applicant answered 'Ei' to K1 (county's field): K01 blocking",
            county_field=False, history=(("2025", "ok"),)))
    # 020 non-profit "Ei"
    add(app(20, OPERATING, "Toivakan Senioritalo Kotikumpu ry", "Toivakka", 6,
            "Senioritalon yhteisöllinen asumisen tuki", ["Toivakka"],
            "Kotihoito, Toivakan tiimi", [T_HOME], 22_000, 30_000,
            "ineligible", ["E02"], "non-profit answered 'Ei': E02 blocking",
            non_profit=False, econ=True, seg=True, funders="vuokratulot (eriytetty)"))
    # 021 received on the last day of the window, in the afternoon
    add(app(21, OPERATING, "Uuraisten Ikäihmisten Tukiverkko ry", "Uurainen", 6,
            "Asiointiapu ja kotikäynnit", ["Uurainen"],
            "Kotihoito ja palveluohjaus", [T_HOME, T_LONE], 12_000, 2_000,
            "eligible", ["R01"], "clean; received 31.12.2026 16.15, the last day of the window; 2026 report not yet due",
            received="31.12.2026 16.15", history=(("2025", "ok"), ("2026", "open"))))
    # 022 no target
    add(app(22, OPERATING, "Kivijärven Lapsiperheiden Kotikulma ry", "Kivijärvi", 3,
            "Perhekahvila ja kotiin vietävä tuki", ["Kivijärvi"],
            "Perhekeskus, lapsiperheiden kotipalvelu", [], 6_800, 1_500,
            "supplement", ["K02"], "no strategy/budget/welfare-plan target named: K02 deficiency"))
    # 023 received on the first day of the window (text date)
    add(app(23, OPERATING, "Multian Vertaisäidit Maitohammas ry", "Multia", 3,
            "Vertaisäitien ryhmät ja imetystuki", ["Multia", "Keuruu"],
            "Neuvola ja perhekeskus", [T_CHILD, T_PREV], 4_200, 900,
            "eligible", [], "clean; received 1.12.2026 (first day of the window)",
            received="1.12.2026"))
    # 024 2025 report missing, past due
    add(app(24, OPERATING, "Kinnulan Kuuloyhdistys Simpukka ry", "Kinnula", 2,
            "Kuulovammaisten vertaistuki ja laiteneuvonta", ["Kinnula", "Kivijärvi", "Kyyjärvi"],
            "Kuulokeskus, apuvälinepalvelut", [T_WORK], 5_900, 1_400,
            "supplement", ["R01"], "2025 grant's usage report missing, due 30.6.2026: R01 deficiency (hold payment)",
            history=(("2025", "missing"),)))
    # 025 municipal-field activity type
    add(app(25, OPERATING, "Kyyjärven Nuorten Majakka ry", "Kyyjärvi", 3,
            "Yleinen nuorisotyö: nuorisotalon avoimet illat", ["Kyyjärvi"],
            "Perhekeskus, nuorten psykososiaalinen tuki", [T_CHILD, T_PREV], 18_000, 3_000,
            "review", ["K01"], "activity is 'yleinen nuorisotyö', a municipal-field type: K01 review",
            description="Yleinen nuorisotyö kunnan nuorisotalolla: avoimet illat kolmesti viikossa."))
    # 026 partnership below 100 000 €/year
    add(app(26, PARTNERSHIP, "Jyväskylän Seudun Afasiayhdistys Sanasilta ry", "Jyväskylä", 2,
            "Sanasilta-kumppanuus: afasiakuntoutujien vertaistuki", ["Jyväskylä", "Laukaa", "Muurame", "Uurainen"],
            "Puheterapia ja neurologinen kuntoutus", [T_WORK, T_PART], 60_000, 48_000,
            "eligible", ["R01", "S04"],
            "clean partnership, 2 years, 60 000 €/year: S04 routes to the strategy director; 2026 report not yet due",
            agreement=(D(2027, 1, 1), D(2028, 12, 31)), commitments=COMMIT_PARTNER, funders="STEA, jäsenmaksut",
            history=(("2025", "ok"), ("2026", "open"))))
    # 027 foundation, operating grant
    add(app(27, OPERATING, "Keski-Suomen Kriisiapu Tuulensuoja sr", "Jyväskylä", 5,
            "Tuulensuoja: kriisiapu ja jälkipuinti", ALL_MUNIS,
            "Kriisipalvelut ja sosiaalipäivystys", [T_MENTAL, T_SAFE], 58_000, 26_000,
            "eligible", ["R01"], "clean foundation; 2026 report not yet due: R01 note",
            scope="Koko hyvinvointialue",
            description='Ryhmämme nimi on "Tuulensuoja".\nPäivystämme myös viikonloppuisin ja '
                        "teemme tiivistä yhteistyötä sosiaalipäivystyksen kanssa.",
            history=(("2025", "ok"), ("2026", "open"))))
    # 028 action plan and budget missing
    add(app(28, OPERATING, "Luhangan Kotiapu Tupa ry", "Luhanka", 6,
            "Kotiapu ja asiointikyydit", ["Luhanka"],
            "Kotihoito ja palveluohjaus", [T_HOME], 4_500, 1_000,
            "supplement", ["T05"], "action plan and budget not among attachments: T05 deficiency",
            attachments=("tilinpäätös", "toimintakertomus")))
    # 029 foundation, y-tunnus without dash
    add(app(29, OPERATING, "Keski-Suomen Kotipesä-säätiö sr", "Äänekoski", 6,
            "Kotipesä: kotona asumisen tuki ja turvapuhelinneuvonta", ["Äänekoski", "Laukaa", "Konnevesi"],
            "Kotihoito ja turvapalvelut", [T_HOME, T_SAFE], 40_000, 11_000,
            "eligible", [], "clean foundation; Y-tunnus written without the dash"))
    # 030 village association, category '10.'
    add(app(30, OPERATING, "Kurkiniemen kyläyhdistys ry", "Kannonkoski", "10.",
            "Kylän turvallisuussuunnitelma ja naapuriapu", ["Kannonkoski"],
            "Keski-Suomen pelastuslaitos", [T_SAFE, T_PREV], 3_500, 800,
            "eligible", ["R01"], "clean village association; 2026 report not yet due: R01 note",
            regno="201.665", history=(("2026", "open"),)))
    # 031 residents' association, category 10 as text
    add(app(31, OPERATING, "Harjunrinteen asukasyhdistys ry", "Jyväskylä", CATEGORIES[9],
            "Asukkaiden turvallisuuskävelyt ja ensiapukurssit", ["Jyväskylä"],
            "Keski-Suomen pelastuslaitos, turvallisuusviestintä", [T_SAFE], 3_900, 1_100,
            "eligible", [], "clean residents' association, category 10 as full text"))
    # 032 category 10 by a non-village association
    add(app(32, OPERATING, "Laukaan Moottorikelkkailijat Ura ry", "Laukaa", 10,
            "Jäällä liikkumisen turvallisuuskoulutukset ja reittien merkintä", ["Laukaa"],
            "Keski-Suomen pelastuslaitos", [T_SAFE], 6_000, 4_000,
            "review", ["T03"], "category 10 (village safety work) by a snowmobile club, not a village association: T03"))
    # 033
    add(app(33, OPERATING, "Saarijärven Reumayhdistys Notkea ry", "Saarijärvi", 1,
            "Allasjumppa ja venyttelyryhmät reumaa sairastaville", ["Saarijärvi", "Karstula"],
            "Fysioterapia ja reumapoliklinikka", [T_WORK], 6_300, 2_100,
            "eligible", [], "clean; 2025 report approved", regno="88.123", history=(("2025", "ok"),)))
    # 034 excluded activity type
    add(app(34, OPERATING, "Äänekosken Lähimmäisapu Leipäkori ry", "Äänekoski", 2,
            "Ruoka-apu ja yhteiset ateriat", ["Äänekoski"],
            "Aikuissosiaalityö", [T_PREV], 30_000, 8_000,
            "review", ["T04"], "food aid (ruoka-apu) is excluded in this round: T04 review",
            description="Ruoka-apu jaetaan kahdesti viikossa, ja torstaisin on yhteinen ateria."))
    # 035 project, ESR+
    add(app(35, PROJECT, "Keski-Suomen Työllistymisen Silta ry", "Jyväskylä", 7,
            "Silta-hanke: työtoiminnasta työhön", ["Jyväskylä", "Äänekoski", "Jämsä", "Keuruu"],
            "Työllisyyspalvelut ja aikuissosiaalityö", [T_WORK, T_PART], 85_000, 180_000,
            "eligible", [], "clean project: ESR+ positive, county period = funding period",
            funder="ESR+", decision="Myönteinen", funding=(D(2027, 3, 1), D(2029, 2, 28)),
            project=(D(2027, 3, 1), D(2029, 2, 28)), commitments=COMMIT_PROJECT, funders="ESR+, kunnat"))
    # 036 unknown category, supplementary cost types only
    add(app(36, OPERATING, "Jyväskylän Luontoliikkujat Kaarna ry", "Jyväskylä", "Ympäristö- ja luontotoiminta",
            "Luontoretkien kehittäminen ja retkikeskuksen vuokra", ["Jyväskylä"],
            "Kuntoutuspalvelut", [T_PREV], 13_000, 3_000,
            "ineligible", ["T01", "T02"],
            "category 'Ympäristö- ja luontotoiminta' is none of the ten: T01 blocking; cost types only development "
            "and premises, not tied to a category: T02 review",
            costs=("kehittämistyö", "tila- ja tapahtumakustannukset")))
    # 037 economic activity, accounts not segregated
    add(app(37, OPERATING, "Keuruun Työtoimintayhdistys Kahvipannu ry", "Keuruu", 7,
            "Työtoimintakahvila", ["Keuruu"],
            "Aikuissosiaalityö, työllisyyspalvelut", [T_WORK], 26_000, 22_000,
            "supplement", ["A01"], "runs a café (economic activity) and answered 'Ei' to segregated accounts: A01",
            econ=True, seg=False, funders="kahvilan myyntitulot"))
    # 038 economic activity not stated
    add(app(38, OPERATING, "Petäjäveden Omaishoitajien Tukipilari ry", "Petäjävesi", 6,
            "Omaishoitajien lomitusapu ja vertaisillat", ["Petäjävesi"],
            "Omaishoidon tuki", [T_HOME], 7_700, 1_600,
            "review", ["A01"], "economic activity question left blank: A01 review",
            econ=None))
    # 039 no audit consent, and 2025 report missing
    add(app(39, OPERATING, "Viitasaaren Mielenterveysseura Aalto ry", "Viitasaari", 4,
            "Aalto-klubitalo", ["Viitasaari", "Pihtipudas", "Kinnula"],
            "Mielenterveyspalvelut, Viitasaaren poliklinikka", [T_MENTAL], 33_000, 5_500,
            "supplement", ["A02", "R01"],
            "audit consent 'Ei': A02 deficiency; 2025 report missing (past due 30.6.2026): R01 deficiency",
            audit=False, history=(("2025", "missing"), ("2026", "open"))))
    # 040 joint, lead missing
    add(app(40, OPERATING, "Pihtiputaan Kylien Turvallisuusyhdistys Kyyhky ry", "Pihtipudas", 9,
            "Kylien turvallisuusillat ja kotivarakurssit", ["Pihtipudas", "Viitasaari", "Kinnula"],
            "Keski-Suomen pelastuslaitos", [T_SAFE], 18_000, 2_800,
            "supplement", ["Y01"], "joint application without a lead applicant: Y01 deficiency",
            joint=True, co=(party("Viitasaaren Varautumisseura Kaiku ry"), party("Kinnulan Turvasilmä ry")),
            split="Kukin hakija vastaa omien kurssiensa kuluista ja raportoi niistä; jako 40/30/30."))
    # 041 joint, split missing
    add(app(41, OPERATING, "Joutsan Seudun Omaiset Lähellä ry", "Joutsa", 6,
            "Omaisten vertaistuki ja etäryhmät", ["Joutsa", "Luhanka", "Toivakka"],
            "Omaishoidon tuki ja kotihoito", [T_HOME], 15_000, 2_300,
            "supplement", ["Y02"], "joint application without the split of grant and reporting duty: Y02",
            joint=True, lead=party("Joutsan Seudun Omaiset Lähellä ry"),
            co=(party("Toivakan Omaishoitajat Helmi ry"),)))
    # 042 joint with a company as co-applicant
    add(app(42, OPERATING, "Jyväskylän Työvalmennusyhdistys Askel ry", "Jyväskylä", 7,
            "Askel: työvalmennus osatyökykyisille", ["Jyväskylä", "Laukaa"],
            "Työllisyyspalvelut ja kuntoutuksen ohjaus", [T_WORK], 48_000, 12_000,
            "ineligible", ["Y03"], "co-applicant 'Valmennuspalvelu Ponnistus Oy' is a company: Y03 blocking",
            joint=True, lead=party("Jyväskylän Työvalmennusyhdistys Askel ry"),
            co=(party("Valmennuspalvelu Ponnistus Oy"),),
            split="Avustus maksetaan Askeleelle, joka raportoi; Ponnistus Oy:n osuus 30 %."))
    # 043 late
    add(app(43, OPERATING, "Hankasalmen Kotihoidon Ystävät ry", "Hankasalmi", 6,
            "Ystäväpalvelu kotona asuville ikäihmisille", ["Hankasalmi"],
            "Kotihoito", [T_HOME, T_LONE], 8_800, 2_000,
            "ineligible", ["H01", "R01"],
            "received 4.1.2027, after the window ended 31.12.2026 (Thursday): H01 blocking; 2026 report not yet due",
            received=dt.datetime(2027, 1, 4, 9, 12), history=(("2025", "ok"), ("2026", "open"))))
    # 044 before the window
    add(app(44, OPERATING, "Konneveden Eläkeläisten Tukiyhdistys Kaisla ry", "Konnevesi", 6,
            "Kaisla-kerho ja kotikäynnit", ["Konnevesi"],
            "Kotihoito ja palveluohjaus", [T_HOME], 5_200, 1_300,
            "ineligible", ["H01"], "received 28.11.2026, before the window 1.-31.12.2026 opened: H01 (outside window)",
            received="28.11.2026"))
    # 045 no received date
    add(app(45, OPERATING, "Kyyjärven Kriisiryhmä Kompassi ry", "Kyyjärvi", 5,
            "Kriisiryhmän päivystys ja koulutukset", ["Kyyjärvi", "Karstula"],
            "Kriisipalvelut ja sosiaalipäivystys", [T_MENTAL, T_SAFE], 6_100, 1_000,
            "review", ["H01"], "received date missing: H01 review",
            received=None))
    # 046 scope missing
    add(app(46, OPERATING, "Karstulan Lapsiperheyhdistys Tuutti ry", "Karstula", 3,
            "Lapsiperheiden vertaisryhmät", ["Karstula"],
            "Perhekeskus", [T_CHILD, T_PREV], 5_400, 1_200,
            "supplement", ["K04"], "activity scope (Toiminta-alue) left blank: K04 deficiency",
            scope=None))
    # 047 partnership over 4 years
    add(app(47, PARTNERSHIP, "Keski-Suomen Veteraaniperinneyhdistys Kunnia ry", "Jyväskylä", 8,
            "Veteraanien toimintakyvyn tuki, kumppanuus 2027–2031", ALL_MUNIS[:10],
            "Veteraanikuntoutus ja kotihoito", [T_HOME], 80_000, 60_000,
            "ineligible", ["S01", "S04"],
            "partnership term 1.1.2027-31.12.2031 is five years (max 4): S01 blocking; S04 routing (80 000 €/year: "
            "strategy director)",
            scope="Koko hyvinvointialue", agreement=(D(2027, 1, 1), D(2031, 12, 31)), commitments=COMMIT_PARTNER,
            funders="Valtiokonttori, lahjoitukset"))
    # 048 partnership with no other funding
    add(app(48, PARTNERSHIP, "Äänekosken Kriisikeskus Turvasatama ry", "Äänekoski", 5,
            "Turvasatama: kriisikeskuksen kumppanuus", ["Äänekoski", "Laukaa", "Konnevesi"],
            "Sosiaalipäivystys ja kriisipalvelut", [T_MENTAL, T_SAFE], 45_000, 0,
            "ineligible", ["S02", "S04"],
            "no other funding (0 €, no other funders): S02 blocking; S04 routing (strategy director)",
            agreement=(D(2027, 1, 1), D(2028, 12, 31)), commitments=COMMIT_PARTNER, funders=""))
    # 049 partnership without commitments
    add(app(49, PARTNERSHIP, "Jämsän Mielenterveysseura Kivijalka ry", "Jämsä", 4,
            "Kivijalka-kumppanuus", ["Jämsä"],
            "Mielenterveys- ja päihdepalvelut, Jämsän alue", [T_MENTAL], 50_000, 35_000,
            "supplement", ["S03", "S04"],
            "commitments and metrics not stated: S03 deficiency; S04 routing (strategy director)",
            agreement=(D(2027, 1, 1), D(2028, 12, 31)), commitments="", funders="STEA"))
    # 050 partnership exactly 100 000 €/year and exactly four years
    add(app(50, PARTNERSHIP, "Keski-Suomen Vapaaehtoistyön Säätiö Kipinä sr", "Jyväskylä", 2,
            "Kipinä: vapaaehtoistoiminnan koordinointi sote-palveluissa", ALL_MUNIS,
            "Sosiaali- ja terveyspalvelujen vapaaehtoistoiminnan koordinaatio", [T_PART, T_LONE], 100_000, 140_000,
            "eligible", ["S04"],
            "clean partnership: term 1.1.2027-31.12.2030 is exactly 4 years; 100 000 €/year is not above the "
            "threshold, S04 routes to the strategy director",
            scope="Koko hyvinvointialue", agreement=(D(2027, 1, 1), D(2030, 12, 31)), commitments=COMMIT_PARTNER,
            funders="STEA, säätiön pääoman tuotto", history=(("2025", "ok"),)))
    # 051 project without external funder
    add(app(51, PROJECT, "Saarijärven Seudun Perhekeskusyhdistys Pesä ry", "Saarijärvi", 3,
            "Pesä-hanke: perheiden varhainen tuki", ["Saarijärvi", "Karstula", "Kannonkoski"],
            "Perhekeskus ja lastensuojelu", [T_CHILD, T_PREV], 50_000, 60_000,
            "ineligible", ["P01"], "project without a named external funder: P01 blocking",
            funder="", decision="Myönteinen", funding=(D(2027, 1, 1), D(2028, 12, 31)),
            project=(D(2027, 1, 1), D(2028, 12, 31)), commitments=COMMIT_PROJECT, funders="omarahoitus ja lahjoitukset"))
    # 052 project, funding decision pending
    add(app(52, PROJECT, "Laukaan Päihdetyön Tuki Kajo ry", "Laukaa", 4,
            "Kajo-hanke: päihdekuntoutujien jatkopolut", ["Laukaa", "Äänekoski"],
            "Päihdepalvelut ja aikuissosiaalityö", [T_MENTAL], 75_000, 150_000,
            "supplement", ["P02"], "STEA funding applied for, decision pending: P02 deficiency (payment held)",
            funder="STEA", decision="Haettu", funding=(D(2027, 1, 1), D(2029, 12, 31)),
            project=(D(2027, 1, 1), D(2029, 12, 31)), commitments=COMMIT_PROJECT, funders="STEA (haettu)"))
    # 053 project, negative funding decision
    add(app(53, PROJECT, "Keski-Suomen Kotoutujaperheiden Kohtaamo ry", "Jyväskylä", 3,
            "Kohtaamo-hanke: maahan muuttaneiden perheiden tuki", ["Jyväskylä"],
            "Perhekeskus ja maahanmuuttajapalvelut", [T_CHILD, T_PART], 35_000, 90_000,
            "ineligible", ["P02"], "external funder (EAKR) decision negative: P02 blocking",
            funder="EAKR", decision="Kielteinen", funding=(D(2027, 1, 1), D(2028, 12, 31)),
            project=(D(2027, 1, 1), D(2028, 12, 31)), commitments=COMMIT_PROJECT, funders="EAKR"))
    # 054 project period longer than the funding period
    add(app(54, PROJECT, "Keski-Suomen Muistiyhdistys Muistojen Tupa ry", "Jyväskylä", 6,
            "Tupa-hanke: muistisairaiden kotona asumisen tuki", ["Jyväskylä", "Muurame", "Uurainen"],
            "Muistipoliklinikka ja kotihoito", [T_HOME], 55_000, 80_000,
            "review", ["P03"],
            "county grant asked for 1.1.2027-31.12.2028 but the ministry's funding runs only to 31.12.2027: P03 review",
            funder="Sosiaali- ja terveysministeriö", decision="Myönteinen", funding=(D(2027, 1, 1), D(2027, 12, 31)),
            project=(D(2027, 1, 1), D(2028, 12, 31)), commitments=COMMIT_PROJECT, funders="STM"))
    # 055 project without the cooperation practice and metrics
    add(app(55, PROJECT, "Keuruun Nuorten Aikuisten Polku ry", "Keuruu", 7,
            "Polku-hanke: nuorten aikuisten työtoiminta", ["Keuruu", "Multia", "Petäjävesi"],
            "Aikuissosiaalityö ja työllisyyspalvelut", [T_WORK], 50_000, 120_000,
            "supplement", ["P04"], "no steering group / referral / reporting / metrics stated: P04 deficiency",
            funder="STEA", decision="Myönteinen", funding=(D(2027, 1, 1), D(2028, 12, 31)),
            project=(D(2027, 1, 1), D(2028, 12, 31)), commitments="", funders="STEA"))
    # 056 malformed association register number
    add(app(56, OPERATING, "Toivakan Näkövammaiset Valonsäde ry", "Toivakka", 2,
            "Näkövammaisten vertaistuki ja apuvälineopastus", ["Toivakka", "Jyväskylä"],
            "Näkökeskus ja apuvälinepalvelut", [T_WORK], 5_000, 1_300,
            "review", ["E03"], "association register number 'RY-2019/44A' is not well formed: E03 review",
            regno="RY-2019/44A"))
    # 057
    add(app(57, OPERATING, "Kivijärven Kotikylän Ikäihmiset ry", "Kivijärvi", 6,
            "Kyläavustajat ikäihmisten arjessa", ["Kivijärvi"],
            "Kotihoito ja palveluohjaus", [T_HOME], 6_600, 1_500,
            "eligible", [], "clean"))
    # 058 description with HTML/script
    add(app(58, OPERATING, "Jyväskylän Syömishäiriöperheet Kaislikko ry", "Jyväskylä", 4,
            "Syömishäiriöperheiden vertaisryhmät", ["Jyväskylä", "Laukaa"],
            "Nuorisopsykiatria ja syömishäiriöpoliklinikka", [T_MENTAL, T_CHILD], 22_000, 4_400,
            "eligible", ["R01"], "clean (description contains <script>); 2026 report not yet due",
            description="Vertaisryhmät vanhemmille ja sisaruksille.\n<script>alert(1)</script>\n"
                        "Lisätietoa: <b>www.example.fi</b>",
            history=(("2026", "open"),)))
    # 059 description starting with '='
    add(app(59, OPERATING, "Laukaan Lapsiperheiden Pesäpuu ry", "Laukaa", 3,
            'Pesäpuu-kerhot ja "vanhempien illat"', ["Laukaa"],
            "Perhekeskus, neuvola", [T_CHILD, T_PREV], 9_200, 2_100,
            "eligible", [], "clean (description starts with =SUM(A1:A2))",
            description='=SUM(A1:A2) – kaava päätyi kenttään vahingossa. Varsinainen kuvaus: "Pesäpuu"-kerhot '
                        "ja vanhempien illat."))
    # 060 description starting with '@'
    add(app(60, OPERATING, "Uuraisten Tapaturmien Ehkäisy Turvarengas ry", "Uurainen", 9,
            "Kotitapaturmien ehkäisyn kotikäynnit", ["Uurainen", "Saarijärvi"],
            "Keski-Suomen pelastuslaitos ja kotihoito", [T_SAFE, T_HOME], 7_400, 1_600,
            "eligible", [], "clean (description starts with @)",
            description="@Uurainen ja Saarijärvi: kotikäynnit yhdessä pelastuslaitoksen kanssa."))
    # 061 description starting with '+'
    add(app(61, OPERATING, "Muuramen Työtoiminta Rakentajat ry", "Muurame", 7,
            "Kuntouttava työtoiminta puutyöverstaalla", ["Muurame", "Jyväskylä"],
            "Aikuissosiaalityö", [T_WORK], 30_000, 9_000,
            "eligible", ["R01"], "clean (description starts with +); 2026 report not yet due",
            description="+ työtoimintaa kolmena päivänä viikossa\n+ ohjaus sosiaalityön asiakkaille\n- ei maksua",
            econ=True, seg=True, funders="tuotemyynti (eriytetty)", history=(("2025", "ok"), ("2026", "open"))))
    # 062
    add(app(62, OPERATING, "Äänekosken Seudun Sotainvalidien Tuki Ruska ry", "Äänekoski", 8,
            "Sotainvalidien ja puolisoiden kotikäynnit", ["Äänekoski", "Konnevesi", "Laukaa"],
            "Veteraanikuntoutus ja kotihoito", [T_HOME], 6_000, 1_800,
            "eligible", [], "clean; 2025 report approved", history=(("2025", "ok"),)))
    # 063
    add(app(63, OPERATING, "Joutsan Mielenterveysomaiset Lähde ry", "Joutsa", 4,
            "Omaisten vertaistukiryhmät ja luennot", ["Joutsa", "Luhanka"],
            "Mielenterveys- ja päihdepalvelut, Joutsan terveysasema", [T_MENTAL, T_PREV], 7_900, 1_700,
            "eligible", [], "clean; event costs tied to category 4 are allowed (T02)", regno="176.048",
            costs=("toiminta", "tila- ja tapahtumakustannukset")))
    # 064
    add(app(64, OPERATING, "Multian Kotona Asumisen Tuki Pirtti ry", "Multia", 6,
            "Pirtti: päivätoiminta kotona asuville", ["Multia"],
            "Kotihoito ja päivätoiminta", [T_HOME, T_LONE], 16_000, 2_600,
            "eligible", [], "clean; 2025 report approved", history=(("2025", "ok"),)))
    # 065
    add(app(65, OPERATING, "Konneveden Tukikohta ry", "Konnevesi", 5,
            "Tukikohta: kriisiapu ja tukihenkilöt", ["Konnevesi", "Hankasalmi"],
            "Kriisipalvelut ja sosiaalipäivystys", [T_MENTAL], 8_300, 1_900,
            "eligible", [], "clean"))
    # 066 economic activity with segregated accounts, K/E answers
    add(app(66, OPERATING, "Jämsän Kuntoutujien Kohtaamo Silmu ry", "Jämsä", 4,
            "Kohtaamo ja kuntouttava työtoiminta", ["Jämsä"],
            "Mielenterveys- ja päihdepalvelut, Jämsän alue", [T_MENTAL, T_WORK], 34_000, 15_000,
            "eligible", ["R01"], "clean; economic activity with segregated accounts; 2026 report not yet due",
            econ=True, seg=True, funders="kahvilan myynti (eriytetty), kunta", history=(("2026", "open"),)))
    return A


# history-only grantees (not applying in 2027)
HISTORY_ONLY = (
    ("Jyväskylän Kuntoutujien Tukiyhdistys Pilvilinna ry", (("2025", "incomplete"),)),
    ("Saarijärven Eläkeläisten Apuri ry", (("2025", "processing"),)),
    ("Keuruun Perhekerho Peippo ry", (("2025", "ok"), ("2026", "open"))),
)

# ---------------------------------------------------------------- rendering (messiness)

FORM_TEXT = {
    OPERATING: ("Toiminta-avustus", "toiminta-avustus", "Toiminta-avustus ", "TOIMINTA-AVUSTUS"),
    PARTNERSHIP: ("Kumppanuussopimus", "kumppanuussopimus"),
    PROJECT: ("Hankeavustus", "hankeavustus"),
}
YES = ("Kyllä", "kyllä", "K", "x", "X", True, 1)
NO = ("Ei", "ei", "E", False, 0)


class Render:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def pick(self, options):
        return options[self.rng.randrange(len(options))]

    def yesno(self, v, blank_no: bool = False):
        if v is None:
            return None
        if v:
            return self.pick(YES)
        return None if blank_no and self.rng.random() < 0.5 else self.pick(NO)

    def money(self, v: int):
        s = f"{v:,}".replace(",", " ")
        style = self.rng.randrange(7)
        if style == 0:
            return v
        if style == 1:
            return float(v)
        if style == 2:
            return s.replace(" ", NBSP)
        if style == 3:
            return s.replace(" ", NBSP) + ",00" + NBSP + "€"
        if style == 4:
            return f"{v:,}".replace(",", ".") + ",00"
        if style == 5:
            return s + " €"
        return str(v)

    def date(self, d: dt.date):
        style = self.rng.randrange(3)
        if style == 0:
            return dt.datetime(d.year, d.month, d.day)
        if style == 1:
            return f"{d.day}.{d.month}.{d.year}"
        return d.isoformat()

    def received(self, v):
        if v is None or isinstance(v, str):
            return v
        style = self.rng.randrange(4)
        if style == 0:
            return v
        if style == 1:
            return f"{v.day}.{v.month}.{v.year}"
        if style == 2:
            return f"{v.day}.{v.month}.{v.year} {v.hour}.{v.minute:02d}"
        return v.date().isoformat()

    def listing(self, items, allow_comma: bool = True):
        if not items:
            return None
        seps = ("; ", "\n", ", ") if allow_comma else ("; ", "\n")
        return self.pick(seps).join(items)

    def business_id(self, value: str):
        style = self.rng.randrange(6)
        if style == 0:
            return value.replace("-", "")
        if style == 1:
            return value.replace("-", " - ")
        if style == 2:
            return " " + value + " "
        return value

    def iban(self, value: str):
        if self.rng.random() < 0.5:
            return value
        return " ".join(value[i:i + 4] for i in range(0, len(value), 4))

    def category(self, c):
        if not isinstance(c, int):
            return c
        style = self.rng.randrange(6)
        return (c, f"{c}.", str(c), CATEGORIES[c - 1], CATEGORY_ABBR[c], CATEGORIES[c - 1].lower())[style]


HEADERS = (
    # (group label, header)
    ("Hakemus", "Hakemusnumero"),
    ("Hakemus", "Saapunut"),
    ("Hakemus", "Lomakkeen versio"),
    ("Hakemus", "Avustusmuoto"),
    ("Hakemus", "Avustusvuosi"),
    ("Hakija", "Hakija"),
    ("Hakija", "Y-tunnus"),
    ("Hakija", "Yhdistysrekisterinumero"),
    ("Hakija", "Oikeudellinen muoto"),
    ("Hakija", "Yleishyödyllinen"),
    ("Hakija", "Kotikunta"),
    ("Hakija", "Postiosoite"),
    ("Yhteyshenkilö", "Yhteyshenkilö"),
    ("Yhteyshenkilö", "Sähköposti"),
    ("Yhteyshenkilö", "Puhelin"),
    ("Yhteyshenkilö", "Tilinumero"),
    ("Toiminta", "Toiminnan nimi"),
    ("Toiminta", "Toimintaluokka"),
    ("Toiminta", "Toiminnan kuvaus"),
    ("Toiminta", "Kustannuslajit"),
    ("Toiminta", "Toiminta-alue"),
    ("Toiminta", "Toimintakunnat"),
    ("Kohdentuminen", "Hyvinvointialueen toimintakentällä"),
    ("Kohdentuminen", "Tuetut tavoitteet"),
    ("Kohdentuminen", "Yhteistyö sote- tai pelastuspalveluiden kanssa"),
    ("Talous", "Haettu summa (€)"),
    ("Talous", "Kokonaiskustannukset"),
    ("Talous", "Muu rahoitus"),
    ("Talous", "Muut rahoituslähteet"),
    ("Talous", "Palvelutuotantoa tai muuta taloudellista toimintaa"),
    ("Talous", "Kirjanpito eriytetty"),
    ("Talous", "Lupa tarkastukseen"),
    ("Yhteishakemus", "Yhteishakemus"),
    ("Yhteishakemus", "Päävastuullinen hakija"),
    ("Yhteishakemus", "Muut hakijat"),
    ("Yhteishakemus", "Vastuunjako"),
    ("Kumppanuussopimus", "Sopimuskausi alkaa"),
    ("Kumppanuussopimus", "Sopimuskausi päättyy"),
    ("Kumppanuussopimus / hanke", "Sitoumukset ja mittarit"),
    ("Hankeavustus", "Ulkopuolinen rahoittaja"),
    ("Hankeavustus", "Rahoituspäätös"),
    ("Hankeavustus", "Rahoituskausi alkaa"),
    ("Hankeavustus", "Rahoituskausi päättyy"),
    ("Hankeavustus", "Hanke alkaa"),
    ("Hankeavustus", "Hanke päättyy"),
    ("Liitteet", "Liitteet"),
)


def _received_default(i: int, rng: random.Random) -> dt.datetime:
    day = 1 + (i * 7 + rng.randrange(5)) % 31
    return dt.datetime(2026, 12, day, 8 + rng.randrange(12), rng.randrange(60))


def row_for(a: dict, i: int, r: Render) -> dict:
    name = a["name"]
    first, last = FIRST[i % len(FIRST)], LAST[(i * 5 + 3) % len(LAST)]
    bid = {"ok": business_id(name), "bad": invalid_business_id(name), "none": None}[a["bid"]]
    received = _received_default(i, r.rng) if a["received"] == "auto" else a["received"]
    total = a["requested"] + a["other"]
    if a["form"] == PARTNERSHIP:
        total = a["requested"] + a["other"]  # per year
    desc = a["description"] or (
        f"{a['activity']}.\nToimintaa järjestetään kunnissa: {', '.join(a['munis'])}. "
        "Ohjaamme osallistujia tarvittaessa hyvinvointialueen palveluihin."
    )
    row = {
        "Hakemusnumero": a["id"],
        "Saapunut": r.received(received),
        "Lomakkeen versio": r.pick(("v3.1", "v3.2", "v3.2")),
        "Avustusmuoto": r.pick(FORM_TEXT[a["form"]]),
        "Avustusvuosi": r.pick((2027, 2027, "2027")),
        "Hakija": name,
        "Y-tunnus": r.business_id(bid) if bid else None,
        "Yhdistysrekisterinumero": a["regno"],
        "Oikeudellinen muoto": a["legal"],
        "Yleishyödyllinen": r.yesno(a["non_profit"]),
        "Kotikunta": a["home"],
        "Postiosoite": f"Yhdistyskatu {(_digest(name) % 60) + 1}, 4{_digest(name) % 900 + 100}0 {(a['home'] or 'Jyväskylä').upper()}",
        "Yhteyshenkilö": f"{first} {last}",
        "Sähköposti": f"{_ascii(first)}.{_ascii(last)}@{r.pick(('example.fi', 'example.com'))}",
        "Puhelin": f"040 000 {(_digest(name) % 9000) + 1000}",
        "Tilinumero": r.iban(fi_iban(name)),
        "Toiminnan nimi": a["activity"],
        "Toimintaluokka": r.category(a["category"]),
        "Toiminnan kuvaus": desc,
        "Kustannuslajit": r.listing(a["costs"]),
        "Toiminta-alue": a["scope"],
        "Toimintakunnat": r.listing(a["munis"]),
        "Hyvinvointialueen toimintakentällä": r.yesno(a["county_field"]),
        # a target contains a comma: never join targets with ', '
        "Tuetut tavoitteet": r.listing(a["targets"], allow_comma=T_CHILD not in a["targets"]),
        "Yhteistyö sote- tai pelastuspalveluiden kanssa": a["coop"] or None,
        "Haettu summa (€)": r.money(a["requested"]),
        "Kokonaiskustannukset": r.money(total),
        "Muu rahoitus": 0 if a["other"] == 0 else r.money(a["other"]),
        "Muut rahoituslähteet": a["funders"] or None,
        "Palvelutuotantoa tai muuta taloudellista toimintaa": r.yesno(a["econ"]),
        "Kirjanpito eriytetty": r.yesno(a["seg"]) if a["econ"] else r.yesno(a["seg"], blank_no=True),
        "Lupa tarkastukseen": r.yesno(a["audit"]),
        "Yhteishakemus": r.yesno(a["joint"]) if a["joint"] else r.pick((None, "Ei", "E", 0)),
        "Päävastuullinen hakija": a["lead"],
        "Muut hakijat": r.listing(a["co"], allow_comma=True) if a["co"] else None,
        "Vastuunjako": a["split"] or None,
        "Sitoumukset ja mittarit": a["commitments"] or None,
        "Ulkopuolinen rahoittaja": a["funder"] or None,
        "Rahoituspäätös": a["decision"] or None,
        "Liitteet": r.listing(a["attachments"]),
    }
    for key, pair in (("Sopimuskausi", a["agreement"]), ("Rahoituskausi", a["funding"]), ("Hanke", a["project"])):
        row[f"{key} alkaa"] = r.date(pair[0]) if pair else None
        row[f"{key} päättyy"] = r.date(pair[1]) if pair else None
    # a little more mess, by hand: the regular header lookups above keep the meaning intact
    if a["scope"] and a["id"].endswith(("3", "7")):
        row["Toiminta-alue"] = a["scope"].lower()
    return row


OHJE = (
    "Keski-Suomen hyvinvointialue – järjestöavustukset, hakemusten vienti",
    "",
    "Tämä tiedosto on sähköisen asiointipalvelun vienti avustusvuoden 2027 hakemuksista.",
    "Hakemukset ovat välilehdellä Hakemukset: rivi 1 on otsikko, rivi 2 sarakeryhmät ja rivi 3 sarakeotsikot.",
    "Sarake Lomakkeen versio kertoo, millä lomakepohjan versiolla hakemus on täytetty.",
    "Yhteyshenkilöiden tiedot ovat henkilötietoja: älä välitä tiedostoa eteenpäin.",
    "Kaikki tämän esimerkkiaineiston nimet, tunnukset ja tilinumerot ovat keksittyjä.",
)


def _fixed_props(wb: Workbook) -> None:
    wb.properties.creator = "avustus sample_data/make_sample.py"
    wb.properties.lastModifiedBy = "avustus"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME


def save_deterministic(wb: Workbook, path: Path) -> None:
    """Save with fixed document times and fixed zip entry times (byte-identical reruns)."""
    _fixed_props(wb)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


def write_applications(apps: list[dict], path: Path) -> None:
    r = Render(SEED)
    wb = Workbook()
    ohje = wb.active
    ohje.title = "Ohje"
    for i, line in enumerate(OHJE, 1):
        ohje.cell(row=i, column=1, value=line)
    ohje["A1"].font = Font(bold=True, size=14)
    ohje.column_dimensions["A"].width = 110

    ws = wb.create_sheet("Hakemukset")
    ncol = len(HEADERS)
    ws.cell(row=1, column=1, value="Järjestöavustukset 2027 – saapuneet hakemukset (vienti asiointipalvelusta)")
    ws["A1"].font = Font(bold=True, size=13)
    # group-label row, merged over each run of equal labels
    start = 1
    for col in range(1, ncol + 2):
        label = HEADERS[col - 1][0] if col <= ncol else None
        if col > ncol or label != HEADERS[start - 1][0]:
            ws.cell(row=2, column=start, value=HEADERS[start - 1][0]).font = Font(bold=True, italic=True)
            if col - 1 > start:
                ws.merge_cells(start_row=2, start_column=start, end_row=2, end_column=col - 1)
            start = col
    for col, (_, header) in enumerate(HEADERS, 1):
        c = ws.cell(row=3, column=col, value=header)
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")

    blank_after = {"AV-2027-020", "AV-2027-045"}
    row_no = 4
    for i, a in enumerate(apps):
        values = row_for(a, i, r)
        for col, (_, header) in enumerate(HEADERS, 1):
            v = values[header]
            if v is None:
                continue
            c = ws.cell(row=row_no, column=col, value=v)
            if isinstance(v, str) and v.startswith("="):
                c.data_type = "s"  # exported text, not a formula
            if isinstance(v, dt.datetime):
                c.number_format = "d.m.yyyy h:mm" if (v.hour or v.minute) else "d.m.yyyy"
            if isinstance(v, str) and "\n" in v:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        row_no += 1
        if a["id"] in blank_after:
            row_no += 1  # an empty row, as exports sometimes have
    total = sum(a["requested"] for a in apps)
    ws.cell(row=row_no, column=1, value="Yhteensä").font = Font(bold=True)
    amount_col = 1 + [h for _, h in HEADERS].index("Haettu summa (€)")
    ws.cell(row=row_no, column=amount_col, value=total).font = Font(bold=True)
    ws.freeze_panes = "B4"
    for col, width in ((1, 14), (2, 17), (6, 42), (16, 40), (17, 30), (18, 60)):
        ws.column_dimensions[ws.cell(row=3, column=col).column_letter].width = width
    save_deterministic(wb, path)


HISTORY_HEADERS = (
    "Hakemusnumero", "Hakija", "Y-tunnus", "Avustusmuoto", "Avustusvuosi", "Myönnetty", "Päätöspäivä",
    "Pykälä", "Päättäjä", "Maksettu", "Maksupäivä", "Käyttöselvitys saapunut", "Käyttöselvityksen tila",
)  # fmt: skip


def history_rows(apps: list[dict]) -> list[tuple]:
    rng = random.Random(SEED + 1)
    grantees = [(a["name"], a["form"], a["requested"], a["history"]) for a in apps if a["history"]]
    grantees += [(name, OPERATING, 8_000, h) for name, h in HISTORY_ONLY]
    rows = []
    seq = {"2025": 0, "2026": 0}
    for name, form, requested, hist in grantees:
        for year, status in hist:
            seq[year] += 1
            y = int(year)
            amount = max(1_000, round(requested * rng.uniform(0.6, 0.95) / 100) * 100)
            if form == PARTNERSHIP and year == "2026":
                g_form, maker = "Kumppanuussopimus", "Aluehallitus" if amount > 100_000 else "Strategiajohtaja"
                decided = dt.date(2026, 1, 27) if maker == "Aluehallitus" else dt.date(2026, 1, 15)
                section = "§ 11" if maker == "Aluehallitus" else "§ 3/2026"
            else:
                g_form, maker = "Toiminta-avustus", "Aluehallitus"
                decided = dt.date(2025, 1, 28) if y == 2025 else dt.date(2026, 1, 27)
                section = "§ 14" if y == 2025 else "§ 11"
            paid = dt.date(y, 3, 14) if y == 2025 else dt.date(y, 3, 13)
            report, state = None, None
            if status == "ok":
                report = dt.date(y + 1, rng.randrange(3, 6), rng.randrange(1, 28)) if y == 2025 else dt.date(
                    2026, 12, rng.randrange(1, 20))
                state = "hyväksytty"
            elif status == "late_ok":
                report, state = dt.date(2026, 8, 17), "hyväksytty"
            elif status == "incomplete":
                report, state = dt.date(2026, 6, 26), "täydennettävä"
            elif status == "processing":
                report, state = dt.date(2026, 6, 30), "käsittelyssä"
            # "missing" and "open": no report yet
            hist_name = name.replace(" ry", " r.y.") if name.startswith("Jämsänjoen") else name
            rows.append((f"AV-{year}-{seq[year]:03d}", hist_name, business_id(name), g_form, y, amount, decided,
                         section, maker, amount, paid, report, state))
    return sorted(rows, key=lambda r: r[0])


def simple_sheet(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], euro_columns: tuple[int, ...]):
    """A workbook of one sheet: bold headers on row 1, then the rows; empty values left out, dates as
    d.m.yyyy and the 1-based ``euro_columns`` as euros. Returns the workbook and the sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for col, h in enumerate(headers, 1):
        ws.cell(row=1, column=col, value=h).font = Font(bold=True)
    for r_i, values in enumerate(rows, 2):
        for col, v in enumerate(values, 1):
            if v is None:
                continue
            c = ws.cell(row=r_i, column=col, value=v)
            if isinstance(v, dt.date):
                c.number_format = "d.m.yyyy"
            if col in euro_columns:
                c.number_format = "#,##0.00 €"
    return wb, ws


def write_history(apps: list[dict], path: Path) -> list[tuple]:
    rows = history_rows(apps)
    wb, ws = simple_sheet("Myönnetyt avustukset", HISTORY_HEADERS, rows, euro_columns=(6, 10))
    ws.column_dimensions["B"].width = 48
    ws.freeze_panes = "A2"
    save_deterministic(wb, path)
    return rows


# ---------------------------------------------------------------- checks on the hand-written data


def _texts(a: dict) -> str:
    parts = [a["activity"], a["description"] or "", a["name"], a["coop"], " ".join(a["costs"])]
    return " ".join(parts).casefold()


def check_data(apps: list[dict]) -> None:
    """Guards on the hand-written data (not a rule engine): each application says what it means to."""
    ids = [a["id"] for a in apps]
    assert len(ids) == len(set(ids))
    for a in apps:
        exp, codes, text = a["expect"], set(a["expect"]["codes"]), _texts(a)
        assert exp["verdict"] in ("eligible", "supplement", "review", "ineligible"), a["id"]
        assert codes <= set(CODE_ORDER), a["id"]
        # the hand-written R01 code agrees with the history the script writes
        owes = any(s in ("missing", "open") for _, s in a["history"])
        assert ("R01" in codes) == owes, a["id"]
        assert ("S04" in codes) == (a["form"] == PARTNERSHIP), a["id"]
        assert any(w in text for w in EXCLUDED_WORDS) == ("T04" in codes), a["id"]
        assert any(w in text for w in MUNICIPAL_WORDS) == ("K01" in codes and a["county_field"]), a["id"]
        assert not any(w in text for w in FAVOURED_WORDS), a["id"]
        outside = any(m not in MUNICIPALITIES for m in a["munis"])
        assert outside == ("K04" in codes and a["scope"] is not None) == ("E04" in codes), a["id"]
        assert a["home"] in MUNICIPALITIES, a["id"]
        assert all(t in TARGETS for t in a["targets"]), a["id"]
        assert (a["regno"] is None or associationid.is_valid(a["regno"])) == (a["regno"] != "RY-2019/44A")
        if exp["verdict"] == "eligible":
            assert codes <= {"R01", "S04"}, a["id"]
            assert a["received"] == "auto" or a["received"].startswith(("1.12.2026", "31.12.2026")), a["id"]
            assert "toiminta" in a["costs"] and a["other"] > 0 and a["coop"] and a["targets"], a["id"]
            assert {"toimintasuunnitelma", "talousarvio"} <= set(a["attachments"]), a["id"]
            assert a["legal"] in ("Rekisteröity yhdistys", "Säätiö") and a["bid"] == "ok", a["id"]
            assert a["non_profit"] and a["county_field"] and a["audit"] and a["scope"], a["id"]
            assert a["econ"] is False or (a["econ"] and a["seg"]), a["id"]
            if a["joint"]:
                assert a["lead"] and a["split"] and not any(" Oy " in c for c in a["co"]), a["id"]
            if a["form"] == PROJECT:
                assert a["funder"] and a["decision"] == "Myönteinen" and a["funding"] == a["project"], a["id"]
                assert a["commitments"], a["id"]
            if a["form"] == PARTNERSHIP:
                start, end = a["agreement"]
                assert end < dt.date(start.year + 4, start.month, start.day) and a["commitments"], a["id"]


# The officer's register of decision makers' positions (conflict of interest, rule J01): fictional people;
# the first two hold positions in applicants of the sample round, the third position has ended.
REGISTER_HEADERS = ["Henkilö", "Toimielin/rooli", "Yhdistys", "Y-tunnus", "Asema", "Alkaen", "Päättyen"]
REGISTER_ROWS = [
    ["Anna Aaltonen", "Aluehallitus, jäsen", "Jämsänjoen Omaishoitajapiiri ry", "1009249-8", "hallituksen puheenjohtaja",
     dt.date(2024, 1, 1), None],
    ["Pekka Pelkonen", "valmistelija", "Keuruun Mielenterveysyhdistys Tyyni r.y.", None, "hallituksen jäsen", None, None],
    ["Olli Ojala", "esittelijä", "Äänekosken Sydänlanka ry", "1284494-8", "varapuheenjohtaja",
     dt.date(2020, 1, 1), dt.date(2026, 6, 30)],
]  # fmt: skip


def write_register(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sidonnaisuudet"
    ws.append(REGISTER_HEADERS)
    for row in REGISTER_ROWS:
        ws.append(row)
    save_deterministic(wb, path)


# The usage-report e-form export (käyttöselvitykset) of five 2026 grants in the register, as they arrive in
# spring 2027: complete; complete with unused funds (to be returned or reclaimed); a partnership agreement
# with its metrics' follow-up; one without the auditor's report; one whose sums do not add up to what was paid.
REPORT_HEADERS = [
    "Hakemusnumero", "Avustuksen saaja", "Y-tunnus", "Selvitysvuosi", "Saapunut", "Käytetty avustus",
    "Käyttämättä jäänyt avustus", "Toimintakertomus", "Tilinpäätös", "Tilintarkastuskertomus",
    "Toiminnantarkastuskertomus", "Mittareiden seuranta",
]
REPORT_PLAN = [
    # grant, received, used, unused, activity report, statements, audit, operations audit, metrics
    ("AV-2026-002", D(2027, 4, 28), "all", 0, "Kyllä", "Kyllä", "Ei", "Kyllä", None),
    ("AV-2026-004", D(2027, 5, 12), "rest", 2_400, "Kyllä", "Kyllä", "Kyllä", "Ei", None),
    ("AV-2026-006", D(2027, 5, 31), "all", 0, "Kyllä", "Kyllä", "Kyllä", "Ei",
     "Osallistujia 412 (tavoite 380); asiakasohjauksia palveluihin 96; asiakaspalautteen keskiarvo 4,4 / 5."),
    ("AV-2026-011", D(2027, 6, 7), "all", 0, "Kyllä", "Kyllä", "Ei", "Ei", None),
    ("AV-2026-013", D(2027, 6, 21), "short", 0, "Kyllä", "Kyllä", "Ei", "Kyllä", None),
]


def report_rows(history: list[tuple]) -> list[list]:
    by_id = {r[0]: r for r in history}
    rows = []
    for gid, received, used, unused, *answers, metrics in REPORT_PLAN:
        h = by_id[gid]
        paid = h[9]
        spent = {"all": paid, "rest": paid - unused, "short": paid - 2_000}[used]
        rows.append([gid, h[1], h[2], h[4], received, spent, unused, *answers, metrics])
    return rows


def write_reports(history: list[tuple], path: Path) -> None:
    wb, ws = simple_sheet("Käyttöselvitykset", REPORT_HEADERS, report_rows(history), euro_columns=(6, 7))
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["L"].width = 60
    save_deterministic(wb, path)


def main() -> None:
    apps = applications()
    check_data(apps)
    write_applications(apps, HERE / "hakemukset.xlsx")
    history = write_history(apps, HERE / "aiemmat_avustukset.xlsx")
    write_reports(history, HERE / "kayttoselvitykset.xlsx")
    write_register(HERE / "sidonnaisuudet.xlsx")
    order = {c: i for i, c in enumerate(CODE_ORDER)}
    expected = {
        "as_of": "2027-01-10",
        "applications": {
            a["id"]: {
                "verdict": a["expect"]["verdict"],
                "codes": sorted(a["expect"]["codes"], key=order.__getitem__),
                "why": a["expect"]["why"],
            }
            for a in apps
        },
    }
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    total = sum(a["requested"] for a in apps)
    print(f"{len(apps)} applications, requested {total:,} €".replace(",", " "))


if __name__ == "__main__":
    main()

"""The fields an export can hold, their kinds and the header spellings the
importer recognises (pure). The officer maps any other header in the
settings' [columns] / [history_columns] sections.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, date, datetime, money, bool, int, year, list, parties, party, business_id, iban, category, form, legal_form, scope, funding, report_status
    label: str  # the Finnish header shown to the officer
    aliases: tuple[str, ...] = ()
    personal: bool = False


def _f(name, kind, label, *aliases, personal=False) -> FieldSpec:
    return FieldSpec(name, kind, label, (label, *aliases), personal)


APPLICATION_SPECS: tuple[FieldSpec, ...] = (
    _f("id", "id", "Hakemusnumero", "hakemuksen numero", "hakemus nro", "hakemusnro", "hakemustunnus",
       "hakemus id", "tunnus", "application id", "application number", "ansökningsnummer", "ansökan nr", "id", "identifier"),
    _f("received", "datetime", "Saapunut", "saapumispäivä", "saapumisaika", "vastaanotettu", "jätetty", "lähetetty",
       "hakemus saapunut", "received", "submitted", "date received", "inkommen", "ankomstdatum"),
    _f("form", "form", "Avustusmuoto", "avustuslaji", "avustuksen muoto", "haettava avustus", "grant type",
       "understödsform"),
    _f("year", "year", "Avustusvuosi", "vuosi", "haettava vuosi", "avustusvuosi jolle haetaan", "grant year",
       "understödsår", "år"),
    _f("applicant", "text", "Hakija", "hakijan nimi", "hakijayhteisö", "järjestö", "järjestön nimi", "yhdistys",
       "yhdistyksen nimi", "organisaatio", "applicant", "organisation", "organization", "sökande"),
    _f("business_id", "business_id", "Y-tunnus", "ytunnus", "y tunnus", "yritys- ja yhteisötunnus", "business id",
       "fo-nummer", "fo nummer"),
    _f("register_number", "text", "Yhdistysrekisterinumero", "rekisterinumero", "yhdistysrekisteri nro",
       "yhdistysrekisterin numero", "register number", "föreningsregisternummer"),
    _f("legal_form", "legal_form", "Oikeudellinen muoto", "oikeudellinen muoto", "yhteisömuoto", "yhteisön muoto",
       "hakijan tyyppi", "organisaatiomuoto", "legal form", "juridisk form"),
    _f("non_profit", "bool", "Yleishyödyllinen", "yleishyödyllinen yhteisö", "yleishyödyllisyys", "non profit",
       "allmännyttig"),
    _f("home_municipality", "text", "Kotikunta", "kotipaikka", "hakijan kotikunta", "home municipality",
       "hemkommun"),
    _f("address", "text", "Postiosoite", "osoite", "lähiosoite", "katuosoite", "hakijan osoite", "postal address",
       "address", "postadress"),
    _f("contact_person", "text", "Yhteyshenkilö", "yhteyshenkilön nimi", "contact person", "kontaktperson",
       personal=True),
    _f("email", "text", "Sähköposti", "sähköpostiosoite", "yhteyshenkilön sähköposti", "email", "e-mail",
       "e-post", personal=True),
    _f("phone", "text", "Puhelin", "puhelinnumero", "yhteyshenkilön puhelin", "phone", "telefon", personal=True),
    _f("iban", "iban", "Tilinumero", "iban", "tilinumero iban", "pankkitili", "bank account", "kontonummer",
       personal=True),
    _f("activity_name", "text", "Toiminnan nimi", "hankkeen nimi", "toiminnan tai hankkeen nimi", "toiminta",
       "activity", "project", "title", "verksamhetens namn"),
    _f("category", "category", "Toimintaluokka", "tuettu toiminta", "toimintamuoto", "toiminnan luokka",
       "avustettava toiminta", "category", "verksamhetskategori"),
    _f("description", "text", "Toiminnan kuvaus", "kuvaus", "toiminnan tarkempi kuvaus", "hankkeen kuvaus",
       "description", "beskrivning"),
    _f("cost_types", "list", "Kustannuslajit", "kustannuslaji", "kustannukset", "cost types", "kostnadsslag"),
    _f("scope", "scope", "Toiminta-alue", "toiminnan alue", "alueellinen laajuus", "toiminta alue", "scope",
       "verksamhetsområde"),
    _f("municipalities", "list", "Toimintakunnat", "kunnat", "toimintakunta", "kunnat joissa toimintaa",
       "municipalities", "kommuner"),
    _f("county_field", "bool", "Hyvinvointialueen toimintakentällä",
       "kuuluu hyvinvointialueen toimintakentälle", "hyvinvointialueen toimintakenttä", "county field"),
    _f("targets", "list", "Tuetut tavoitteet", "tavoitteet", "tuetut strategiset tavoitteet",
       "strategian tavoitteet", "targets"),
    _f("cooperation", "text", "Yhteistyö sote- tai pelastuspalveluiden kanssa", "yhteistyö",
       "yhteistyö hyvinvointialueen kanssa", "yhteistyötahot", "yhteistyö sote tai pelastuspalveluiden kanssa",
       "cooperation", "samarbete"),
    _f("requested", "money", "Haettu summa", "haettu avustus", "haettava summa", "haettu määrä", "haettu",
       "haettu €", "amount applied for", "amount requested", "amountappliedfor", "ansökt belopp"),
    _f("total_cost", "money", "Kokonaiskustannukset", "kokonaiskustannus", "kustannukset yhteensä",
       "kokonaisbudjetti", "toiminnan kokonaiskustannukset", "hankkeen kokonaiskustannukset",
       "total cost", "totalkostnad"),
    _f("other_funding", "money", "Muu rahoitus", "muut rahoitus", "muu rahoitus yhteensä", "other funding",
       "annan finansiering"),
    _f("other_funders", "text", "Muut rahoituslähteet", "rahoituslähteet", "muut rahoittajat", "other funders"),
    _f("economic_activity", "bool", "Palvelutuotantoa tai muuta taloudellista toimintaa", "palvelutuotantoa",
       "taloudellista toimintaa", "palvelutuotanto", "economic activity"),
    _f("accounts_segregated", "bool", "Kirjanpito eriytetty", "eriytetty kirjanpito", "kirjanpidon eriyttäminen",
       "yleishyödyllinen toiminta eriytetty kirjanpidossa", "segregated accounts"),
    _f("audit_consent", "bool", "Lupa tarkastukseen", "tarkastuslupa", "lupa kirjanpidon tarkastukseen",
       "lupa kirjanpidon ja hallinnon tarkastukseen", "lupa tarkastaa kirjanpito ja hallinto", "audit consent"),
    _f("joint", "bool", "Yhteishakemus", "yhteinen hakemus", "joint application"),
    _f("lead_applicant", "party", "Päävastuullinen hakija", "päähakija", "vastuuhakija", "lead applicant"),
    _f("co_applicants", "parties", "Muut hakijat", "kumppanit", "muut yhteishakijat", "yhteishakijat",
       "co applicants"),
    _f("responsibility_split", "text", "Vastuunjako", "avustuksen ja raportoinnin jakautuminen",
       "vastuiden jako", "responsibility split"),
    _f("agreement_start", "date", "Sopimuskausi alkaa", "sopimuskauden alku", "sopimus alkaa"),
    _f("agreement_end", "date", "Sopimuskausi päättyy", "sopimuskauden loppu", "sopimus päättyy"),
    _f("commitments", "text", "Sitoumukset ja mittarit", "sitoumukset", "mittarit", "commitments"),
    _f("external_funder", "text", "Ulkopuolinen rahoittaja", "rahoittaja", "hankkeen rahoittaja",
       "external funder"),
    _f("funding_decision", "funding", "Rahoituspäätös", "rahoituspäätöksen tila", "funding decision"),
    _f("funding_start", "date", "Rahoituskausi alkaa", "rahoituskauden alku"),
    _f("funding_end", "date", "Rahoituskausi päättyy", "rahoituskauden loppu"),
    _f("project_start", "date", "Hanke alkaa", "hankkeen alku", "hankekausi alkaa", "planned dates start date"),
    _f("project_end", "date", "Hanke päättyy", "hankkeen loppu", "hankekausi päättyy", "planned dates end date"),
    _f("attachments", "list", "Liitteet", "toimitetut liitteet", "attachments", "bilagor"),
    # the currency the amounts are in: anything but euros is never stored as euros
    _f("currency", "currency", "Valuutta", "rahayksikkö", "currency", "valuta"),
)  # fmt: skip

HISTORY_SPECS: tuple[FieldSpec, ...] = (
    _f("application_id", "id", "Hakemusnumero", "hakemus", "hakemusnro", "application id", "id"),
    _f("applicant", "text", "Hakija", "saaja", "avustuksen saaja", "järjestö", "recipient"),
    _f("business_id", "business_id", "Y-tunnus", "ytunnus", "y tunnus", "business id"),
    _f("form", "form", "Avustusmuoto", "avustuslaji"),
    _f("year", "year", "Avustusvuosi", "vuosi"),
    _f("amount", "money", "Myönnetty", "myönnetty summa", "myönnetty avustus", "avustus", "amount awarded"),
    _f("decision_date", "date", "Päätöspäivä", "päätös pvm", "päätöspäivämäärä", "award date"),
    _f("section", "section", "Pykälä", "§", "pykälä nro"),
    _f("decision_maker", "text", "Päättäjä", "päätöksentekijä", "toimielin"),
    _f("paid_amount", "money", "Maksettu", "maksettu summa"),
    _f("paid_date", "date", "Maksupäivä", "maksettu pvm", "maksatuspäivä"),
    _f("report_received", "date", "Käyttöselvitys saapunut", "käyttöselvitys", "selvitys saapunut",
       "raportti saapunut"),
    _f("report_status", "report_status", "Käyttöselvityksen tila", "selvityksen tila", "raportin tila"),
    _f("currency", "currency", "Valuutta", "rahayksikkö", "currency", "valuta"),
)  # fmt: skip

APPLICATION_FIELDS = {s.name: s for s in APPLICATION_SPECS}
# The usage-report e-form export (käyttöselvityslomake): one row per grant and year.
REPORT_SPECS: tuple[FieldSpec, ...] = (
    _f("grant_id", "id", "Hakemusnumero", "avustuksen tunnus", "avustus", "hakemus", "hakemusnro", "tunnus"),
    _f("applicant", "text", "Avustuksen saaja", "hakija", "saaja", "järjestö"),
    _f("business_id", "business_id", "Y-tunnus", "ytunnus", "y tunnus"),
    _f("year", "year", "Selvitysvuosi", "vuosi", "avustusvuosi", "toimintavuosi"),
    _f("received", "date", "Saapunut", "saapumispäivä", "lähetetty", "jätetty"),
    _f("used", "money", "Käytetty avustus", "käytetty", "käytetty summa", "avustusta käytetty"),
    _f("unused", "money", "Käyttämättä jäänyt avustus", "käyttämättä", "käyttämättä jäänyt", "palautettava"),
    _f("activity_report", "bool", "Toimintakertomus", "toimintakertomus liitetty"),
    _f("financial_statements", "bool", "Tilinpäätös", "tilinpäätös liitetty", "tuloslaskelma ja tase"),
    _f("audit_report", "bool", "Tilintarkastuskertomus", "tilintarkastajan lausunto"),
    _f("operations_audit_report", "bool", "Toiminnantarkastuskertomus", "toiminnantarkastajan lausunto"),
    _f("metrics", "text", "Mittareiden seuranta", "mittarit", "mittareiden toteutuminen", "sopimuksen mittarit"),
)  # fmt: skip
REPORT_FIELDS = {s.name: s for s in REPORT_SPECS}
HISTORY_FIELDS = {s.name: s for s in HISTORY_SPECS}
PERSONAL_FIELDS = frozenset(s.name for s in APPLICATION_SPECS if s.personal)

# Words in a header the tool does not know that make its column personal data:
# such a column is kept with the contact details (never in --json, public
# documents or logs) and purged with them.
PERSONAL_HINTS = (
    "yhteyshenkil", "puhelin", "gsm", "matkapuhelin", "sähköposti", "sahkoposti", "email", "e-mail", "e-post",
    "tilinumero", "iban", "pankkitili", "henkilötunnus", "hetu", "syntymäaika", "kotiosoite", "yhteystied",
    "telefon", "phone", "contact", "kontaktperson",
)  # fmt: skip


# Short words and abbreviations that mark a personal column only as a whole word (``Puh.``, ``Sposti``,
# ``Vastuuhenkilö``): as substrings they would catch ``puhdistus`` or ``hotel``.
PERSONAL_WORDS = ("puh", "puhnro", "sposti", "s-posti", "gsm", "tel", "yhteyshlö", "vastuuhlö")
PERSONAL_WORD_PREFIXES = ("vastuuhenkil", "yhteyshenkil", "matkapuh")
_HEADER_WORDS = re.compile(r"[^\s.:;,()/]+")


def looks_personal(header: str) -> bool:
    h = unicodedata.normalize("NFC", str(header)).casefold()
    if any(hint in h for hint in PERSONAL_HINTS):
        return True
    words = _HEADER_WORDS.findall(h)
    return any(w in PERSONAL_WORDS or w.startswith(PERSONAL_WORD_PREFIXES) for w in words)


_EURO = re.compile(r"\(\s*(€|eur|euroa?)\s*\)|,\s*(€|eur|euroa)\s*$|\s(€|eur|euroa)\s*$")
_NON_WORD = re.compile(r"[^\w§]+")


def header_key(header: str) -> str:
    """Header spelled for matching: case, spacing, punctuation, (€), ', €' ignored."""
    h = unicodedata.normalize("NFC", str(header)).replace("\u00a0", " ").strip().casefold()
    h = _EURO.sub(" ", h)
    h = h.replace("€", " ")
    h = _NON_WORD.sub(" ", h)
    return " ".join(h.split()).replace(" ", "")

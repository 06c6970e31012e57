"""Write docs/kayttoopas.md, the officer's guide: the whole round step by step
on the sample data, with the real output of every command.

    .venv/bin/python docs/make_guide.py              # write docs/kayttoopas.md
    .venv/bin/python docs/make_guide.py OUT.md       # somewhere else

Every command runs in a temporary copy of sample_data/. A command the CLI
does not have yet (another stage still being built) is skipped with a note,
so the generator keeps working as the commands land. tests/test_docs.py runs
the same steps and checks that none exits with 2 (could not run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "sample_data"
TARGET = HERE / "kayttoopas.md"
WIDTH = 110  # table width in the guide
MAX_LINES = 45  # output lines shown per command


@dataclass(frozen=True)
class Step:
    title: str  # a heading (Finnish); None-like "" continues the previous section
    text: str  # Markdown (Finnish) before the command
    args: tuple[str, ...] = ()  # after "avustus"; empty: text only
    max_lines: int = MAX_LINES
    after: str = ""  # Markdown after the output


@dataclass
class Outcome:
    step: Step
    exit_code: int | None = None  # None: skipped
    output: str = ""
    skipped: str = ""
    seconds: float = 0.0


from avustus_cli.domain.fields import APPLICATION_SPECS  # noqa: E402  (the field names the settings take)
from avustus_cli.domain.headers import REQUIRED_APPLICATION  # noqa: E402
from avustus_cli.sample_data.make_sample import REGISTER_HEADERS, REGISTER_ROWS  # noqa: E402  (the sample's register)

STEPS: tuple[Step, ...] = (
    Step(
        "Ennen aloitusta",
        "Komennot ajetaan komentorivillä (Windowsissa PowerShell, Macissa ja Linuxissa pääte) siinä kansiossa, "
        "jossa kierroksen tiedostot ovat. Versio tarkistetaan näin:",
        ("--version",),
    ),
    Step(
        "",
        "Jokaisella komennolla on ohje, jossa on esimerkki (`avustus KOMENTO --help`). Kaikkien komentojen ohjeet "
        "ovat myös tiedostossa [cli.md](cli.md).\n\n"
        "**Komentojen täydennys sarkaimella** (bash, zsh, fish, PowerShell): `avustus --install-completion` asentaa "
        "täydennyksen käytössä olevaan komentotulkkiin (avaa pääte sen jälkeen uudelleen); "
        "`avustus --show-completion` vain näyttää asennettavan koodin, jos haluat lisätä sen itse "
        "esimerkiksi tiedostoon `~/.bashrc`. Sen jälkeen `avustus pro<Tab>` täydentyy muotoon `avustus propose`.",
    ),
    Step(
        "1. Asetukset (marraskuu)",
        "Uusi kierros alkaa asetustiedostosta. `init` kirjoittaa kommentoidun tiedoston ohjeen oletusarvoin; "
        "tarkista siitä ainakin määräraha, tavoitteet ja henkilöt sekä hyvinvointialueen Y-tunnus "
        "(`county_business_id`) ja avoimen datan tunnisteiden alku (`open_data_prefix`), jotka tulevat "
        "julkaistavaan avoimeen dataan. Tässä esimerkissä käytetään valmista "
        "esimerkkikierroksen tiedostoa `avustus.toml`, joten uusi tiedosto kirjoitetaan toiselle nimelle:",
        ("init", "--year", "2027", "--file", "uusi-avustus.toml"),
    ),
    Step(
        "2. Hakemusten tuonti (joulukuu)",
        "Sähköisen asiointipalvelun Excel-vienti tuodaan tietokantaan. Saman tiedoston voi tuoda yhä uudelleen "
        "hakuajan kuluessa: uudet hakemukset lisätään, muuttuneet päivitetään, mitään ei monisteta.",
        ("import", "hakemukset.xlsx"),
    ),
    Step(
        "",
        "**Jos tuonti ei tunnista sarakkeita.** Otsikot luetaan kuten ihminen ne lukee: kirjainkoko, välimerkit, "
        "yksiköt (€, (€), euroa), kysymysnumerot, sanajärjestys ja täytesanat (ja, tai) eivät vaikuta, ja ohjeen "
        "omat sanamuodot (esim. ”Lupa kirjanpidon ja hallinnon tarkastukseen”, ”Toiminnan kokonaiskustannukset, €”) "
        "tunnistetaan. Jos tiedostosta puuttuu sarake tiedolle, jota ilman hakemusta ei voi käsitellä "
        "(hakemusnumero, hakija, haettu summa, saapumispäivä), tai jos otsikko sopii kahteen kenttään, tiedostoa ei "
        "tuoda lainkaan: virheilmoitus nimeää puuttuvat tiedot ja antaa valmiit rivit asetustiedoston "
        "`[columns]`-osioon. `avustus columns TIEDOSTO` näyttää tuomatta mitään, mistä sarakkeesta kukin sääntöjen "
        "tarvitsema tieto luetaan, mitkä puuttuvat ja mikä kenttä on lähinnä kutakin tunnistamatonta saraketta:",
        ("columns", "hakemukset.xlsx"),
        max_lines=40,
        after="Kenttien nimet, joita `[columns]`-osiossa voi käyttää (* = pakollinen):\n\n"
        "| kenttä | tieto |\n|---|---|\n"
        + "\n".join(f"| `{s.name}`{' *' if s.name in REQUIRED_APPLICATION else ''} | {s.label} |" for s in APPLICATION_SPECS)
        + "\n\nSummat tuodaan vain euroina: jos tiedostossa on valuuttasarake (Valuutta, Currency) ja rivin valuutta "
        "on muu kuin EUR, summaa ei tallenneta euroiksi vaan se jää puuttuvaksi, ja rivistä annetaan varoitus. "
        "Varoitukset näytetään sarakkeittain lukumäärineen ja esimerkkeineen; kaikki ne saa valinnalla `--json` "
        "tai Excel-taulukkona valinnalla `--warnings varoitukset.xlsx`.",
    ),
    Step(
        "",
        "Aiempien vuosien avustukset, maksut ja käyttöselvitykset tuodaan omasta rekisteristään valinnalla "
        "`--history`. Niistä tarkistetaan muun muassa puuttuvat käyttöselvitykset (R01). Avustuksesta, jolta "
        "puuttuu avustusvuosi, annetaan varoitus, koska sen käyttöselvityksen eräpäivää ei voi laskea; "
        "`avustus overdue` luettelee tällaiset avustukset erikseen. Muussa valuutassa kuin euroina merkitty "
        "avustus estää rekisterin tuonnin.",
        ("import", "--history", "aiemmat_avustukset.xlsx"),
    ),
    Step(
        "",
        "Mitä kierroksella on nyt:",
        ("status",),
    ),
    Step(
        "3. Päättäjien sidonnaisuudet",
        "Esteellisyyden (hallintolaki 28 §) tarkistamiseksi virkailija pitää rekisteriä päättäjien "
        "(toimielimen jäsenet ja varajäsenet, esittelijä, valmistelija) asemista yhdistyksissä. Rekisteri on "
        "Excel-taulukko, jonka sarakkeet ovat "
        + ", ".join(f"**{h}**" for h in REGISTER_HEADERS)
        + ". Esimerkin rekisteri `sidonnaisuudet.xlsx`:\n\n"
        "| " + " | ".join(REGISTER_HEADERS) + " |\n|" + "---|" * len(REGISTER_HEADERS) + "\n"
        + "\n".join(
            "| " + " | ".join("" if v is None else (f"{v.day}.{v.month}.{v.year}" if isinstance(v, dt.date) else str(v)) for v in row) + " |"
            for row in REGISTER_ROWS
        )
        + "\n\nTuonti korvaa tallennetun rekisterin kokonaan; päivitä taulukkoa ja tuo se uudelleen.",
        ("positions", "import", "sidonnaisuudet.xlsx"),
    ),
    Step("", "Rekisterin asemat ja niiden voimassaolo kokouspäivänä:", ("positions", "list", "--as-of", "2027-01-20")),
    Step(
        "4. Tarkistus (tammikuun alku)",
        "Jokainen hakemus tarkistetaan avustusohjeen jokaista sääntöä vasten. Tulos on neljässä ryhmässä "
        "(ei avustuskelpoinen, täydennettävä, arvioitava, avustuskelpoinen), ja jokainen havainto nimeää säännön "
        "koodin ja tiedon, josta se johtuu. `--as-of` on tarkistuspäivä; se ratkaisee esimerkiksi, onko "
        "käyttöselvitys jo myöhässä. `--xlsx` kirjoittaa tulokset Exceliin. Poistumiskoodi 1 tarkoittaa, että "
        "hylkääviä havaintoja tai puutteita on. (Tuloste on lyhennetty.)",
        ("check", "--as-of", "2027-01-10", "--xlsx", "tarkistus.xlsx"),
        max_lines=60,
    ),
    Step(
        "",
        "Säännöt, niiden koodit ja avustusohjeen lauseet, joihin ne perustuvat, näkyvät komennolla "
        "`avustus rules` (ks. myös [rules.md](rules.md)). Vain yhden säännön tai ryhmän havainnot, esimerkiksi "
        "esteellisyydet (J01):",
        ("check", "--as-of", "2027-01-10", "--code", "J01"),
    ),
    Step(
        "",
        "Arvioitavan havainnon tai puutteen voi kuitata virkailijan harkinnalla. Perustelu näkyy tarkistuksessa "
        "ja lokissa; kuittaus raukeaa, jos hakemuksen tiedot muuttuvat uudessa tuonnissa. Hylkäävää havaintoa ei "
        "voi kuitata.",
        ("accept", "AV-2027-013", "K04", "--reason", "Toiminta Kuhmoisissa on vähäistä ja palvelee Jämsän asukkaita"),
    ),
    Step(
        "",
        "Esteelliset päättäjät kokouspäivänä: kuka ei saa osallistua minkäkin hakemuksen käsittelyyn. "
        "Poistumiskoodi 1 tarkoittaa, että esteellisiä on.",
        ("conflicts", "--as-of", "2027-01-20"),
    ),
    Step(
        "",
        "Esteellisyys ei vaikuta hakemuksen avustukseen: se koskee päättäjää, joka ei osallistu asian "
        "käsittelyyn. Päätösesitys luettelee esteelliset (kohta Esteellisyys). Kuittaamalla havainnon virkailija "
        "kirjaa, miten esteellinen henkilö jääväsi itsensä.",
        ("accept", "AV-2027-001", "J01", "--reason", "Anna Aaltonen jääväsi itsensä; ei osallistu käsittelyyn"),
    ),
    Step(
        "",
        "",
        ("accept", "AV-2027-002", "J01", "--reason", "Valmistelija Pekka Pelkonen jääväsi itsensä; valmistelun teki toinen"),
    ),
    Step(
        "5. Esitys (tammikuun puoliväli)",
        "Avustuskelpoisille jaetaan määräraha asetusten jakotavalla. `propose` kirjoittaa kansioon muokattavan "
        "esitys.xlsx:n, päätösesityksen, liitteen 1, avustusehdot ja täydennyspyynnöt (HTML ja Word). Muokkaa "
        "esitys.xlsx:n keltaisia sarakkeita ja lue muutokset takaisin: "
        "`avustus propose --out esitys --from esitys/esitys.xlsx`.",
        ("propose", "--out", "esitys", "--as-of", "2027-01-12"),
    ),
    Step(
        "6. Päätös (kokous)",
        "Kun toimielin on päättänyt, päätös kirjataan ja päätöskirjeet oikaisuvaatimusohjeineen kirjoitetaan. "
        "Jos toimielin muutti esitystä, muutokset annetaan muokatulla esitys.xlsx:llä (`--from`). "
        "Jokainen kirje kirjataan kirjeiden luetteloon: tiedoksiantotapa (`--channel email` tai `letter`), "
        "lähetyspäivä ja päivä, jona kirje lain mukaan katsotaan saaduksi tiedoksi (sähköposti kolmantena päivänä "
        "lähettämisestä, laki sähköisestä asioinnista viranomaistoiminnassa 19 §; kirje seitsemäntenä päivänä, "
        "hallintolaki 59 §). Hakemus, jossa ei ole sähköpostiosoitetta, saa kirjeen postitse. "
        "`--minutes-published` on päivä, jona pöytäkirja julkaistiin verkossa: hyvinvointialueen jäsenet saavat "
        "päätöksestä tiedon seitsemän päivän kuluttua siitä, ja heidän oikaisuvaatimusaikansa (14 päivää) "
        "lasketaan siitä. Saman voi antaa asetuksena `decision.minutes_published`. `--pdf` tekee jokaisesta kirjeestä "
        "myös arkistokelpoisen PDF/A-tiedoston LibreOfficella (sama valinta on komennoissa `propose`, `amend`, "
        "`review decide`, `report --accept / --supplement`, `overdue --letters` ja `reclaim start / decide`); jos "
        "LibreOfficea ei ole asennettu, komento kertoo yhdellä rivillä, miten sen saa.\n\n"
        "Strategiajohtajan päätös pienistä kumppanuussopimuksista kirjataan samalla komennolla (`--maker "
        "Strategiajohtaja`). Silloin kirjeiden viereen kirjoitetaan myös päätös sellaisenaan: "
        "`strategiajohtajan_paatos_2027-01-21.docx` ja `.html` (ja `--pdf`-valinnalla PDF/A). Siinä on päätöksen "
        "päivämäärä ja pykälä, hyväksytyt ja hylätyt sopimukset kirjatuin perustein, eikä luonnosmerkintää. Luonnos "
        "(`esitys/strategiajohtajan_paatos.*`) jää ennalleen. Päätös kirjoitetaan kirjeiden kanssa ensin "
        "väliaikaiseen kansioon, ja tietokanta tallennetaan vasta, kun kaikki on kirjoitettu. Jo kirjoitettua "
        "päätöstä ei korvata.",
        ("decide", "--date", "2027-01-20", "--section", "§ 12", "--channel", "email", "--minutes-published", "2027-01-22"),
        max_lines=30,
    ),
    Step(
        "",
        "Sähköpostikirjeet lähetetään komennolla `send`: jokaisesta lähettämättömästä sähköpostikirjeestä "
        "kirjoitetaan standardinmukainen .eml-tiedosto (saate suomeksi, liitteenä Word-tiedosto ja PDF, jos se on "
        "tehty), ja kun asetuksissa on `[smtp]`-palvelin, viestit lähetetään ja kunkin tulos kirjataan. Salasana "
        "annetaan ympäristömuuttujassa AVUSTUS_SMTP_PASSWORD, ei asetustiedostossa. Lähetettyä kirjettä ei lähetetä "
        "uudelleen; epäonnistunut jää lähetettäväksi, ja komento nimeää sen. `--dry-run` kirjoittaa viestit "
        "tarkastettaviksi lähettämättä ja kirjaamatta mitään. Jos ajo keskeytyy sen jälkeen, kun palvelin on "
        "ottanut kirjeen vastaan, mutta ennen kuin se ehditään kirjata (tai yhteys katkeaa ennen palvelimen "
        "vastausta), kirjettä ei lähetetä uudelleen kysymättä: seuraava ajo lähettää muut ja nimeää sen "
        "numeroineen ja Message-ID:ineen. Tarkista palvelimen lokista, menikö se perille; kirjaa se lähetetyksi "
        "(`--delivered N`) tai lähetä uudelleen samalla Message-ID:llä (`--resend N`).",
        ("send", "--dry-run", "--out", "lahtevat"),
        max_lines=12,
    ),
    Step(
        "7. Maksatus ja maksuerät (koko vuosi)",
        "Maksettavat avustukset: lainvoimaiset päätökset, joiden maksua mikään ei pidätä (esim. puuttuva "
        "käyttöselvitys). Jokaisella avustuksella on maksusuunnitelma: toiminta-avustus maksetaan yhtenä eränä, "
        "kun päätös on lainvoimainen; hankeavustus, kun myös ulkopuolisen rahoittajan myönteinen päätös on "
        "toimitettu; kumppanuussopimus sopimusvuosittain. Lista näyttää erät, ja `--xlsx` kirjoittaa "
        "talouspalveluille maksettavien erien listan.",
        ("payments", "--as-of", "2027-03-01"),
        max_lines=30,
    ),
    Step(
        "",
        "Yhden avustuksen maksusuunnitelma: kumppanuussopimuksen myöhemmät erät maksetaan sopimusvuoden alettua, "
        "jos vuoden talousarviossa on varattu määräraha.",
        ("instalments", "AV-2027-010", "--as-of", "2027-03-01"),
    ),
    Step(
        "",
        "Maksu kirjataan erälle (`--instalment N`; oletus on ensimmäinen maksamaton erä). Pidätettyä erää ei "
        "kirjata maksetuksi ilman perusteltua ohitusta (`--override --reason \"...\"`).",
        ("paid", "AV-2027-031", "--date", "2027-03-02"),
    ),
    Step(
        "",
        "Kumppanuussopimus laaditaan päätöksen jälkeen. Sopimukseen tulevat molempien osapuolten sitoumukset ja "
        "mittarit hakemuksen kohdasta Sitoumukset ja mittarit, sopimusvuodet ja maksuerät sekä mittareiden "
        "vuosittainen seuranta käyttöselvityksessä. Sopimus kirjataan kirjeiden luetteloon.",
        ("agreement", "AV-2027-010", "--date", "2027-02-01"),
    ),
    Step(
        "Oikaisuvaatimukset",
        "Päätökseen tyytymätön hakija tai hyvinvointialueen jäsen voi tehdä oikaisuvaatimuksen 14 päivän kuluessa "
        "tiedoksisaannista. Saapunut oikaisuvaatimus kirjataan; avustuksen maksatus pidätetään, kunnes siihen on "
        "päätetty. Myöhässä saapunut kirjataan myös, ja komento kertoo, että se saapui myöhässä. Maksatus odottaa "
        "lisäksi, kunnes sekä hakijan että jäsenten oikaisuvaatimusaika on päättynyt; `payments` kertoo, kumpi "
        "aika on vielä kesken.",
        ("review", "add", "AV-2027-014", "--received", "2027-02-03", "--by", "Hankasalmen Liikuntarajoitteisten Liike ry"),
    ),
    Step(
        "",
        "Toimielimen päätös oikaisuvaatimukseen kirjataan omalla päivämäärällään ja pykälällään, ja siitä "
        "kirjoitetaan päätöskirje valitusosoituksineen: muutosta haetaan hyvinvointialuevalituksella hallinto-"
        "oikeudelta 30 päivän kuluessa tiedoksisaannista (Keski-Suomi kuuluu Hämeenlinnan hallinto-oikeuden "
        "tuomiopiiriin; tuomioistuimen nimi, osoite ja oikeudenkäyntimaksu ovat asetuksia `decision.court`, "
        "`court_address`, `court_email` ja `court_fee`). Jos summa muuttuu (`--outcome changed --amount EUR`) ja "
        "määräraha ylittyisi, komento kieltäytyy, ellei ylitystä hyväksytä valinnalla `--yes`; ylitys kirjataan "
        "lokiin.",
        ("review", "decide", "AV-2027-014", "--date", "2027-03-16", "--section", "§ 41", "--outcome", "kept",
         "--reasons", "Avustus mitoitettiin samoin perustein kuin muille hakijoille; oikaisuvaatimuksessa ei esitetty "
         "uutta selvitystä."),
    ),
    Step(
        "8. Käyttöselvitykset (kevät ja kesä)",
        "Käyttöselvityslomakkeen vienti tuodaan kuten hakemukset. Rivillä on avustuksen tunnus, selvitysvuosi, "
        "käytetty ja käyttämättä jäänyt avustus, toimitetut liitteet (toimintakertomus, tilinpäätös, "
        "tilintarkastus- tai toiminnantarkastuskertomus) ja kumppanuussopimuksen mittareiden seuranta. "
        "Virheellinen tiedosto (tuntematon avustus, väärä Y-tunnus, lukukelvoton summa) hylätään kokonaan yhdellä "
        "ilmoituksella, joka nimeää rivin ja sarakkeen; tietokanta pysyy ennallaan. Hyväksyttyä selvitystä uusi "
        "tuonti ei muuta.",
        ("import", "--reports", "kayttoselvitykset.xlsx"),
    ),
    Step(
        "",
        "Selvityksen tarkistuslista: puuttuvat liitteet, summat verrattuna vuodelle maksettuun, käyttämättä "
        "jäänyt avustus ja kumppanuussopimuksen mittareiden seuranta.",
        ("report", "AV-2026-004"),
    ),
    Step(
        "",
        "Täydellinen selvitys hyväksytään, ja hyväksymiskirje kirjoitetaan kansioon `kayttoselvitykset/`. Jos "
        "avustusta jäi käyttämättä, kirje kertoo, että se on palautettava ja että takaisinperinnästä päätetään "
        "erikseen kuulemisen jälkeen. Puutteellista selvitystä ei voi hyväksyä.",
        ("report", "AV-2026-004", "--accept", "--date", "2027-05-20"),
    ),
    Step(
        "",
        "Puutteellisesta selvityksestä pyydetään täydennys: kirje luettelee puutteet kokonaisin lausein ja antaa "
        "määräpäivän (oletus 14 päivää). Siihen asti avustuksen saajan maksatukset ovat pidätettyjä. Täydennys "
        "tuodaan uudella viennillä, joka korvaa selvityksen.",
        ("report", "AV-2026-011", "--supplement", "--date", "2027-06-10"),
    ),
    Step(
        "",
        "Käsin saapunut käyttöselvitys (esimerkiksi paperilla) kirjataan päivämäärällä ja tilalla:",
        ("report", "AV-2026-001", "--received", "2027-06-12", "--status", "hyväksytty"),
    ),
    Step(
        "9. Takaisinperintä",
        "Käyttämättä jäänyt tai ehtojen vastaisesti käytetty avustus peritään takaisin omalla päätöksellään. "
        "Ensin avustuksen saajaa kuullaan (hallintolaki 34 §): kuulemiskirje kertoo, mitä esitetään (oletuksena "
        "käyttöselvityksen käyttämättä jäänyt avustus), millä perusteilla ja mihin mennessä voi vastata (14 päivää "
        "tiedoksisaannista; kirje katsotaan saaduksi seitsemäntenä päivänä).",
        ("reclaim", "start", "AV-2026-004", "--date", "2027-05-24",
         "--grounds", "Käyttöselvityksen mukaan avustuksesta jäi käyttämättä osa, jota ei ole palautettu."),
    ),
    Step(
        "",
        "Kun vastausaika on kulunut (tai vastine on saapunut: `--answered PÄIVÄ`), takaisinperinnästä päätetään. "
        "Päätöskirjeessä on eräpäivä, viivästyskorko ja oikaisuvaatimusohje; ennen vastausajan päättymistä "
        "päätöstä ei kirjata. Viivästyskorko on korkolain 4 §:n 1 momentin mukaan Suomen Pankin viitekorko + 7 "
        "prosenttiyksikköä; kirje kertoo eräpäivän puolivuotiskauden koron ja koron päivältä, kun kauden viitekorko "
        "on asetuksissa (`[interest] reference_rates`, kauden alkupäivä = prosenttia; ohjelmassa on valmiina "
        "julkaistut viitekorot vuoden 2025 loppuun, uudet kaudet lisätään asetuksiin). Jos palautus on myöhässä, "
        "`reclaim list` ja `reclaim paid` näyttävät viivästyskoron laskelman rivi riviltä (määrä × korko × päivät "
        "/ 365); kauden, jonka viitekorko puuttuu asetuksista, ne nimeävät eivätkä arvaa korkoa.",
        ("reclaim", "decide", "AV-2026-004", "--date", "2027-06-22", "--section", "§ 48", "--amount", "2400",
         "--due", "2027-07-30", "--reasons", "Vastinetta ei annettu. Käyttämättä jäänyttä avustusta ei ole palautettu."),
    ),
    Step(
        "",
        "Palautettu raha kirjataan (oletuksena koko palauttamatta oleva määrä):",
        ("reclaim", "paid", "AV-2026-004", "--date", "2027-07-20", "--amount", "1200"),
    ),
    Step(
        "",
        "Myöhässä olevat käyttöselvitykset ja muistutukset (`--letters KANSIO` kirjoittaa muistutuskirjeet) sekä "
        "takaisinperinnät, joiden eräpäivä on mennyt. Poistumiskoodi 1 tarkoittaa, että myöhässä olevia on. "
        "Avoimet takaisinperinnät näkyvät myös komennoilla `avustus reclaim list` ja `avustus status`.",
        ("overdue", "--as-of", "2027-09-01"),
        max_lines=30,
    ),
    Step(
        "",
        "Joulukuussa, kun aluevaltuusto on hyväksynyt seuraavan vuoden talousarvion, kumppanuussopimuksen "
        "seuraavan vuoden erän ehto kirjataan täyttyneeksi; peruste tulee lokiin, eikä saman erän ehtoa kirjata "
        "kahdesti. Sopimuksen edellisen vuoden käyttöselvitys on nyt saapunut, joten pidätys R01 on poistunut.",
        ("instalments", "AV-2027-010", "--confirm", "2", "--date", "2027-12-10",
         "--reason", "Aluevaltuusto hyväksyi vuoden 2028 talousarvion 9.12.2027 § 80.", "--as-of", "2028-01-10"),
    ),
    Step(
        "10. Tilastot ja avoin data",
        "Tilastot päätetyistä avustuksista vuosittain, avustusmuodoittain, toimintaluokittain, kotikunnittain, "
        "toiminta-alueittain, suuruusluokittain sekä ensikertalaiset ja palaavat hakijat. `--html` kirjoittaa "
        "vaikuttamistoimielimelle raportin pylväskuvioineen, `--xlsx` Excel-taulukot ja `--json` koneluettavan "
        "tuloksen. (Tuloste on lyhennetty.)",
        ("stats", "--years", "2025-2027", "--html", "tilastot.html", "--xlsx", "tilastot.xlsx"),
        max_lines=30,
    ),
    Step(
        "",
        "Avoin data: myönnetyt avustukset 360Giving-muodossa (JSON ja CSV) ja Excel valtionavustustietojen "
        "sarakkein. Ensin tehdään laatutarkistus; osuudet ovat prosentteja valituista päätöksistä. Kielteisiä "
        "päätöksiä (0 €) ei julkaista, ja teksteistä poistetaan sähköpostiosoitteet ja puhelinnumerot. "
        "Yhteyshenkilöitä, sähköposteja, puhelinnumeroita ja tilinumeroita ei julkaista koskaan. Tarkista "
        "ennen julkaisua hyvinvointialueen Y-tunnus ja tunnisteiden alku (asetukset `county_business_id` ja `open_data_prefix` osiossa `[round]`).",
        ("export", "--open-data", "avoin-data", "--as-of", "2027-02-01"),
    ),
    Step(
        "11. Varmuuskopio",
        "Tietokannasta otetaan varmuuskopio (oletuksena kansioon `varmuuskopiot/`; anna kansio, esimerkiksi "
        "verkkolevy). Palautus: `avustus restore TIEDOSTO`. Mitä henkilötietoja tietokannassa on: "
        "`avustus privacy`.",
        ("backup",),
    ),
)


def available_commands() -> set[str]:
    """Names of the CLI's commands, subcommands as 'positions import'."""
    import typer

    from avustus_cli.cli import app

    names: set[str] = set()

    def walk(cmd, prefix: str) -> None:
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            full = f"{prefix} {name}".strip()
            names.add(full)
            walk(sub, full)

    walk(typer.main.get_command(app), "")
    return names


def command_name(args: tuple[str, ...], names: set[str]) -> str | None:
    """The command a step runs ('positions import'); '' for a root option (--version)."""
    if not args or args[0].startswith("-"):
        return ""
    if len(args) > 1 and f"{args[0]} {args[1]}" in names:
        return f"{args[0]} {args[1]}"
    return args[0]


def prepare(workdir: Path) -> None:
    """A copy of the sample round and the fictional register of positions."""

    for name in ("avustus.toml", "hakemukset.xlsx", "aiemmat_avustukset.xlsx", "sidonnaisuudet.xlsx", "kayttoselvitykset.xlsx"):
        shutil.copy(SAMPLE / name, workdir / name)


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_steps(workdir: Path, steps: tuple[Step, ...] = STEPS) -> list[Outcome]:
    """Run every step's command in ``workdir`` (prepared here) in-process; skip commands the CLI lacks."""
    from typer.testing import CliRunner

    from avustus_cli import cli as cli_module

    prepare(workdir)
    names = available_commands()
    runner = CliRunner()
    outcomes = []
    # guide-sized tables (the data console is 160 wide when not on a terminal)
    old_widths = (cli_module.out.width, cli_module.err.width)
    cli_module.out.width = cli_module.err.width = WIDTH
    try:
        with _chdir(workdir):
            for step in steps:
                if not step.args:
                    outcomes.append(Outcome(step))
                    continue
                name = command_name(step.args, names)
                if name and name not in names:
                    outcomes.append(Outcome(step, skipped=f"komentoa `avustus {name}` ei ole vielä tässä versiossa"))
                    continue
                t0 = time.perf_counter()
                result = runner.invoke(cli_module.app, list(step.args), prog_name="avustus", catch_exceptions=True,
                                       env={"COLUMNS": str(WIDTH)})
                out = result.output
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    out += f"\n[poikkeus: {type(result.exception).__name__}: {result.exception}]"
                outcomes.append(Outcome(step, result.exit_code, out, seconds=time.perf_counter() - t0))
    finally:
        cli_module.out.width, cli_module.err.width = old_widths
    return outcomes


def _quote_arg(a: str) -> str:
    return f'"{a}"' if any(c in a for c in " §;&|<>") else a


def _shown(output: str, workdir: Path, max_lines: int) -> str:
    text = output.replace(str(workdir) + os.sep, "").replace(str(workdir), ".").rstrip()
    lines = [ln.rstrip() for ln in text.splitlines()]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"… ({len(lines) - max_lines} riviä lisää)"]
    return "\n".join(lines)


INTRO = """\
# Käyttöopas: järjestöavustusten hakukierros

<!-- Tämä tiedosto on tuotettu ohjelmallisesti: python docs/make_guide.py
     Tulosteet ovat komentojen todellisia tulosteita esimerkkikierroksella (sample_data/).
     Älä muokkaa käsin; muuta ohjetekstiä tiedostossa docs/make_guide.py ja tuota tiedosto uudelleen. -->

Tämä opas käy läpi avustuskierroksen vaihe vaiheelta esimerkkiaineistolla
(kuvitteellinen kierros avustusvuodelle 2027, kansio `sample_data/`). Jokaisen
komennon alla on sen todellinen tuloste. Voit toistaa kaiken itse:

    python3 run.py demo

Poistumiskoodit: `0` valmis eikä huomautettavaa, `1` havaintoja (esimerkiksi
tarkistuksessa puutteita tai myöhässä olevia käyttöselvityksiä), `2` komentoa ei
voitu suorittaa (virheellinen tiedosto tai asetus, lukittu tietokanta). Virheet
näkyvät yhtenä suomenkielisenä rivinä, ja tietokanta ja tiedostot ovat silloin
ennallaan. Tuonnin, tarkistuksen, esityksen ja päätöksen jälkeen rivi
`Seuraavaksi:` kertoo seuraavan komennon.

Valintojen arvot voi antaa samoilla suomenkielisillä sanoilla, joita tulosteet
käyttävät, tai englanniksi: `--severity hylkäävä` (tai `blocking`),
`--verdict puute`, `--method suhteellinen`.

Virkailijan tekemä pysyy: esitys.xlsx:stä luetut muokkaukset säilyvät, kun
esitys lasketaan uudelleen (`--reset-edits` korvaa ne jaon tuloksella);
täydennyspyynnön päiväys ja määräaika tallennetaan, kun pyyntö lähtee, eivätkä
ne muutu myöhemmissä ajoissa; kirjoitettua päätöskirjettä ei kirjoiteta yli,
vaan muutoksesta tehdään uusi kirje. Määräraha, jolla ei voi esittää avustusta
kenellekään tai joka on alle kymmenesosa haetusta, vaatii valinnan `--yes`, ja
päätösesityksessä on siitä huomautus.
"""


def render(outcomes: list[Outcome], workdir: Path) -> str:
    parts = [INTRO]
    for o in outcomes:
        s = o.step
        if s.title:
            parts.append(f"## {s.title}\n")
        if s.text:
            parts.append(s.text + "\n")
        if not s.args:
            continue
        command = "avustus " + " ".join(_quote_arg(a) for a in s.args)
        if o.skipped:
            parts.append(f"```\n{command}\n```\n")
            parts.append(f"> Ohitettu: {o.skipped}. Tuloste lisätään, kun komento on valmis.\n")
            continue
        shown = _shown(o.output, workdir, s.max_lines)
        code = f"\n(poistumiskoodi {o.exit_code})" if o.exit_code else ""
        parts.append(f"```\n$ {command}\n{shown}{code}\n```\n")
        if s.after:
            parts.append(s.after + "\n")
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else TARGET
    with tempfile.TemporaryDirectory(prefix="avustus-opas-") as tmp:
        workdir = Path(tmp)
        outcomes = run_steps(workdir)
        text = render(outcomes, workdir)
    target.write_text(text, encoding="utf-8")
    failed = [o for o in outcomes if o.exit_code not in (None, 0, 1)]
    for o in outcomes:
        if o.step.args:
            state = "ohitettu" if o.skipped else f"{o.exit_code} ({o.seconds:.1f} s)"
            print(f"  avustus {' '.join(o.step.args)}: {state}", file=sys.stderr)
    print(f"Kirjoitettu: {target}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

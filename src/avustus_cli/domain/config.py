"""The round's settings: one TOML file the officer edits.

Lookup order: ``--settings PATH``, then ``avustus.toml`` in the working
folder, then the built-in defaults (the guideline's). Standard library only:
``tomllib`` reads; the commented template is plain text written by
``settings_template``.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from avustus_cli.domain import fmt
from avustus_cli.domain.errors import SettingsError

SETTINGS_FILE = "avustus.toml"

CATEGORIES: tuple[str, ...] = (
    "Sotepalveluihin kiinnittyvä erityisliikunta- ja kulttuurihyvinvointityö",
    "Sosiaali- ja terveysalan järjestöjen kohderyhmilleen tarjoama toiminta ja psykososiaalinen tuki "
    "sekä pelastusalan järjestöjen jäsenistölleen tarjoama toiminta",
    "Soten lapsiperhepalveluihin kiinnittyvä toiminta",
    "Mielenterveys- ja päihdepalveluihin kiinnittyvä toiminta",
    "Kriisityö ja kriisiapu",
    "Ikäihmisten ja muiden kotona asumisen tukemiseen liittyvä toiminta",
    "Sotepalveluihin kiinnittyvä työtoiminnan tukeminen",
    "Järjestöjen tarjoama toimintakyvyn tuki sotaveteraaneille ja -invalideille",
    "Pelastuslaitoksen toimintaan kiinnittyvä turvallisuus ja varautuminen",
    "Kylä- ja asukasyhdistysten turvallisuustyö",
)

MUNICIPALITIES: tuple[str, ...] = (
    "Hankasalmi", "Joutsa", "Jyväskylä", "Jämsä", "Kannonkoski", "Karstula", "Keuruu",
    "Kinnula", "Kivijärvi", "Konnevesi", "Kyyjärvi", "Laukaa", "Luhanka", "Multia",
    "Muurame", "Petäjävesi", "Pihtipudas", "Saarijärvi", "Toivakka", "Uurainen",
    "Viitasaari", "Äänekoski",
)  # fmt: skip

TARGETS: tuple[str, ...] = (
    "Ennaltaehkäisevä työ ja varhainen tuki",
    "Osallisuuden vahvistaminen",
    "Yksinäisyyden vähentäminen",
    "Ikäihmisten kotona asumisen tukeminen",
    "Lasten, nuorten ja perheiden hyvinvointi",
    "Mielenterveyden ja päihteettömyyden edistäminen",
    "Turvallisuuden ja varautumisen vahvistaminen",
    "Työ- ja toimintakyvyn tukeminen",
)

EXCLUDED_TYPES: tuple[str, ...] = ("ruoka-apu", "sopimuspalokunta", "vapaapalokunta", "järvipelastus")
FAVOURED_THEMES: tuple[str, ...] = ("yksinäisyys", "osallisuus")
MUNICIPAL_FIELD_TYPES: tuple[str, ...] = (
    "yleinen nuorisotyö",
    "yleinen liikunta",
    "kirjasto",
    "yleinen kulttuuri",
    "harrastustoiminta",
)
ALLOCATION_METHODS = ("full", "proportional", "score", "threshold")


@dataclass(frozen=True)
class Person:
    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Office:
    name: str = "Keski-Suomen hyvinvointialue, kirjaamo"
    postal_address: str = "PL 110, 40101 Jyväskylä"
    visiting_address: str = "Hoitajantie 3, 40620 Jyväskylä"
    email: str = "kirjaamo@hyvaks.fi"
    phone: str = "014 269 0111"
    hours: str = "ma–pe klo 9.00–15.00"


# Suomen Pankki's reference rate (viitekorko, korkolaki 12 §) of each half-year, in percent: the European
# Central Bank's last main refinancing rate before the half-year began, rounded UP to the next half
# percentage point (so 4.25 % gave 4.5 % for 1.7.2024, 3.15 % gave 3.5 % for 1.1.2025 and 2.15 % gave 2.5 %
# for 1.7.2025), as Suomen Pankki announced each. The officer adds each new half-year in
# [interest] reference_rates (those merge with these); a half-year without a rate is named, never guessed.
REFERENCE_RATES: dict[dt.date, Decimal] = {
    dt.date(2020, 1, 1): Decimal("0"), dt.date(2020, 7, 1): Decimal("0"),
    dt.date(2021, 1, 1): Decimal("0"), dt.date(2021, 7, 1): Decimal("0"),
    dt.date(2022, 1, 1): Decimal("0"), dt.date(2022, 7, 1): Decimal("0"),
    dt.date(2023, 1, 1): Decimal("2.50"), dt.date(2023, 7, 1): Decimal("4.00"),
    dt.date(2024, 1, 1): Decimal("4.50"), dt.date(2024, 7, 1): Decimal("4.50"),
    dt.date(2025, 1, 1): Decimal("3.50"), dt.date(2025, 7, 1): Decimal("2.50"),
}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    # [round]
    year: int = 2027
    window_start: dt.date = dt.date(2026, 12, 1)
    window_end: dt.date = dt.date(2026, 12, 31)
    report_months: int = 6
    supplement_days: int = 14
    county: str = "Keski-Suomen hyvinvointialue"
    # the county's business ID (Y-tunnus): the funder of the published open data. CHECK IT against the
    # trade register (ytj.fi) before publishing
    county_business_id: str = "3221308-6"
    # the 360Giving identifier prefix ("360G-" and the publisher's own part, registered with 360Giving):
    # grant ids are the prefix and the application id
    open_data_prefix: str = "360G-hyvaks-"
    # [budget]
    budget_total: Decimal = Decimal("900000")
    budget_operating: Decimal | None = None
    budget_partnership: Decimal | None = None
    budget_project: Decimal | None = None
    category_caps: dict[int, Decimal] = field(default_factory=dict)
    # [allocation]
    method: str = "proportional"
    step: Decimal = Decimal("10")
    min_score: Decimal | None = None
    max_grant: Decimal | None = None
    threshold: Decimal | None = None
    score_weights: dict[str, Decimal] = field(default_factory=dict)
    # [rules]
    categories: tuple[str, ...] = CATEGORIES
    municipalities: tuple[str, ...] = MUNICIPALITIES
    targets: tuple[str, ...] = TARGETS
    excluded_types: tuple[str, ...] = EXCLUDED_TYPES
    favoured_themes: tuple[str, ...] = FAVOURED_THEMES
    municipal_field_types: tuple[str, ...] = MUNICIPAL_FIELD_TYPES
    partnership_threshold: Decimal = Decimal("100000")
    partnership_max_years: int = 4
    # [decision]
    body: str = "Aluehallitus"
    small_partnership_decider: str = "Strategiajohtaja"
    diary_number: str = "Hyvaks/77/00.02.01/2026"
    meeting_date: dt.date | None = None
    earlier_handling: str = ""
    guideline: str = (
        "Keski-Suomen hyvinvointialueen järjestöavustusohje (aluevaltuuston hyväksymien "
        "järjestöyhteistyön periaatteiden liite 1)"
    )
    # Keski-Suomi belongs to the judicial district of Hämeenlinnan hallinto-oikeus (Päijät-Häme, Kanta-Häme,
    # Pirkanmaa, Keski-Suomi); the court fee (tuomioistuinmaksulaki 1455/2015) is set yearly: 310 € in 2025.
    court: str = "Hämeenlinnan hallinto-oikeus"
    court_address: str = "Raatihuoneenkatu 1, 13100 Hämeenlinna"
    court_email: str = "hameenlinna.hao@oikeus.fi"
    court_fee: Decimal = Decimal("310")
    minutes_published: dt.date | None = None  # the day the meeting's minutes went online (members' review period)
    call_announcement: str = ""  # how the call was announced (board item); empty: a neutral sentence
    assessment: str = ""  # how the applications were assessed (board item); empty: from the method
    strategy_director: Person = Person("N.N.", "strategiajohtaja", "", "")
    presenter: Person = Person("N.N.", "hyvinvointialuejohtaja", "014 269 0000", "etunimi.sukunimi@hyvaks.fi")
    preparer: Person = Person("N.N.", "järjestöyhteistyön erityisasiantuntija", "014 269 0000", "etunimi.sukunimi@hyvaks.fi")
    office: Office = Office()
    recipients: tuple[str, ...] = ("Hakijat", "Talouspalvelut", "Järjestöjen ja seurakuntien vaikuttamistoimielin")
    # [followup]
    reminder_second_days: int = 30
    hold_after_days: int = 60
    retention_years: int = 10
    # [interest]: the reference rates of late-payment interest (korkolaki), half-year start -> percent
    reference_rates: dict[dt.date, Decimal] = field(default_factory=lambda: dict(REFERENCE_RATES))
    # [columns]: export header -> field name; [history_columns] likewise
    columns: dict[str, str] = field(default_factory=dict)
    history_columns: dict[str, str] = field(default_factory=dict)
    # [smtp]: sending e-mail letters (avustus send); the password only from AVUSTUS_SMTP_PASSWORD
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_sender: str = ""
    smtp_username: str = ""
    smtp_starttls: bool = True
    smtp_timeout: float = 30.0
    # [system]
    lock_timeout: float = 30.0
    backup_keep_days: int = 180
    templates_dir: Path | None = None
    # where the settings came from (None: built-in defaults)
    source: Path | None = None

    def budget_for(self, form: str) -> Decimal | None:
        return {
            "operating": self.budget_operating,
            "partnership": self.budget_partnership,
            "project": self.budget_project,
        }.get(form)


# --- reading -------------------------------------------------------------

_SECTIONS: dict[str, dict[str, tuple[str, str]]] = {
    # section -> key -> (Settings attribute, kind)
    "round": {
        "year": ("year", "year"),
        "window_start": ("window_start", "date"),
        "window_end": ("window_end", "date"),
        "report_months": ("report_months", "posint"),
        "supplement_days": ("supplement_days", "posint"),
        "county": ("county", "str"),
        "county_business_id": ("county_business_id", "business_id"),
        "open_data_prefix": ("open_data_prefix", "prefix"),
    },
    "budget": {
        "total": ("budget_total", "money"),
        "operating": ("budget_operating", "money"),
        "partnership": ("budget_partnership", "money"),
        "project": ("budget_project", "money"),
        "category_caps": ("category_caps", "caps"),
    },
    "allocation": {
        "method": ("method", "method"),
        "step": ("step", "money"),
        "min_score": ("min_score", "money"),
        "max_grant": ("max_grant", "money"),
        "threshold": ("threshold", "money"),
        "weights": ("score_weights", "weights"),
    },
    "rules": {
        "categories": ("categories", "categories"),
        "municipalities": ("municipalities", "strlist"),
        "targets": ("targets", "strlist"),
        "excluded_types": ("excluded_types", "strlist"),
        "favoured_themes": ("favoured_themes", "strlist"),
        "municipal_field_types": ("municipal_field_types", "strlist"),
        "partnership_threshold": ("partnership_threshold", "money"),
        "partnership_max_years": ("partnership_max_years", "posint"),
    },
    "decision": {
        "body": ("body", "str"),
        "small_partnership_decider": ("small_partnership_decider", "str"),
        "diary_number": ("diary_number", "str"),
        "meeting_date": ("meeting_date", "date"),
        "earlier_handling": ("earlier_handling", "str"),
        "guideline": ("guideline", "str"),
        "court": ("court", "str"),
        "court_address": ("court_address", "str"),
        "court_email": ("court_email", "str"),
        "court_fee": ("court_fee", "money"),
        "minutes_published": ("minutes_published", "date"),
        "recipients": ("recipients", "strlist"),
        "call_announcement": ("call_announcement", "str"),
        "assessment": ("assessment", "str"),
    },
    "followup": {
        "reminder_second_days": ("reminder_second_days", "posint"),
        "hold_after_days": ("hold_after_days", "posint"),
        "retention_years": ("retention_years", "posint"),
    },
    "interest": {
        "reference_rates": ("reference_rates", "rates"),
    },
    "smtp": {
        "host": ("smtp_host", "str"),
        "port": ("smtp_port", "posint"),
        "sender": ("smtp_sender", "str"),
        "username": ("smtp_username", "str"),
        "starttls": ("smtp_starttls", "bool"),
        "timeout": ("smtp_timeout", "seconds"),
    },
    "system": {
        "lock_timeout": ("lock_timeout", "seconds"),
        "backup_keep_days": ("backup_keep_days", "posint"),
        "templates_dir": ("templates_dir", "path"),
    },
}
_PERSON_SECTIONS = {"presenter": "presenter", "preparer": "preparer", "strategy_director": "strategy_director"}
_EXPECTED = {
    "year": "vuosiluku, esim. 2027",
    "date": "päivämäärä muodossa 2026-12-31",
    "posint": "positiivinen kokonaisluku",
    "str": "teksti lainausmerkeissä",
    "money": 'euromäärä numerona, esim. 900000 tai "900000.00"',
    "caps": 'taulukko, jossa toimintaluokan numero (1–10) = euromäärä, esim. "4" = 200000',
    "method": "yksi seuraavista: " + ", ".join(ALLOCATION_METHODS),
    "weights": "taulukko, jossa kriteerin nimi = painokerroin",
    "strlist": 'lista tekstejä, esim. ["a", "b"]',
    "categories": "lista, jossa täsmälleen 10 toimintaluokan nimeä",
    "seconds": "sekuntimäärä numerona",
    "path": "kansion polku tekstinä",
    "bool": "true tai false",
    "rates": ('taulukko, jossa puolivuotiskauden alkupäivä (1.1. tai 1.7.) = Suomen Pankin viitekorko prosentteina, '
              'esim. "2026-01-01" = 2.5 (viitekorko on aina puolen prosenttiyksikön monikerta)'),
    "business_id": 'Y-tunnus lainausmerkeissä, esim. "3221308-6" (tarkistusmerkki täsmää)',
    "prefix": 'tunnisteen alku lainausmerkeissä, esim. "360G-hyvaks-" (alkaa 360G-, vain kirjaimia, numeroita ja viivoja)',
}


def _business_id_ok(text: str) -> bool:
    """A Finnish business ID with its check digit (1234567-8)."""
    if not re.fullmatch(r"\d{7}-\d", text):
        return False
    rest = sum(int(d) * w for d, w in zip(text[:7], (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return rest != 1 and int(text[8]) == (0 if rest == 0 else 11 - rest)


# Upper bounds of numeric settings (the last part of the key): beyond them dates and amounts leave
# the calendar or the decimal context (retention_years = 10**9 crashed purge).
_MAXIMUM: dict[str, int] = {
    "report_months": 60, "supplement_days": 365, "partnership_max_years": 20, "retention_years": 100,
    "reminder_second_days": 365, "hold_after_days": 3650, "port": 65535, "backup_keep_days": 36500,
}  # fmt: skip
MAX_MONEY = Decimal("1000000000000")  # 10^12 €: more than any appropriation
MAX_STEP = Decimal("100000")


def _too_big(key: str, value: Any, maximum: Any) -> SettingsError:
    return SettingsError(f"asetus {key} on liian suuri (nyt: {value!r}): suurin sallittu arvo on {maximum}.")


def _bad(key: str, kind: str, value: Any = None) -> SettingsError:
    got = "" if value is None else f" (nyt: {value!r})"
    return SettingsError(f"asetus {key} on virheellinen{got}: odotetaan {_EXPECTED[kind]}.")


def _money(key: str, v: Any, kind: str = "money") -> Decimal:
    if isinstance(v, bool):
        raise _bad(key, kind, v)
    try:
        d = Decimal(str(v).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise _bad(key, kind, v) from None
    if not d.is_finite() or d < 0:
        raise _bad(key, kind, v)
    maximum = MAX_STEP if key.rsplit(".", 1)[-1] == "step" else MAX_MONEY
    if d > maximum:
        raise _too_big(key, v, fmt.money(maximum))
    return d


def _convert(key: str, kind: str, v: Any, base: Path) -> Any:
    if kind == "year":
        if isinstance(v, int) and not isinstance(v, bool) and 2000 <= v <= 2100:
            return v
        raise _bad(key, kind, v)
    if kind == "date":
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise _bad(key, kind, v)
    if kind == "posint":
        if isinstance(v, int) and not isinstance(v, bool) and v > 0:
            maximum = _MAXIMUM.get(key.rsplit(".", 1)[-1])
            if maximum is not None and v > maximum:
                raise _too_big(key, v, maximum)
            return v
        raise _bad(key, kind, v)
    if kind == "seconds":
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
            return float(v)
        raise _bad(key, kind, v)
    if kind == "bool":
        if isinstance(v, bool):
            return v
        raise _bad(key, kind, v)
    if kind == "str":
        if isinstance(v, str):
            return v
        raise _bad(key, kind, v)
    if kind == "business_id":
        if isinstance(v, str) and _business_id_ok(v.strip()):
            return v.strip()
        raise _bad(key, kind, v)
    if kind == "prefix":
        if isinstance(v, str) and re.fullmatch(r"360G-[A-Za-z0-9-]+-", v.strip()):
            return v.strip()
        raise _bad(key, kind, v)
    if kind == "money":
        return _money(key, v)
    if kind == "method":
        if v in ALLOCATION_METHODS:
            return v
        raise _bad(key, kind, v)
    if kind in ("strlist", "categories"):
        if isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v):
            if kind == "categories" and len(v) != 10:
                raise _bad(key, kind, f"{len(v)} nimeä")
            return tuple(x.strip() for x in v)
        raise _bad(key, kind, v)
    if kind == "caps":
        if not isinstance(v, dict):
            raise _bad(key, kind, v)
        out: dict[int, Decimal] = {}
        for k, amount in v.items():
            if not (str(k).isdigit() and 1 <= int(k) <= 10):
                raise _bad(f"{key}.{k}", kind, k)
            out[int(k)] = _money(f"{key}.{k}", amount, kind)
        return out
    if kind == "rates":
        return _rates(key, v)
    if kind == "weights":
        if not isinstance(v, dict):
            raise _bad(key, kind, v)
        return {str(k): _money(f"{key}.{k}", w, kind) for k, w in v.items()}
    if kind == "path":
        if isinstance(v, str):
            if not v:
                return None
            p = Path(v).expanduser()
            return p if p.is_absolute() else (base / p)
        raise _bad(key, kind, v)
    raise AssertionError(kind)  # pragma: no cover


def _rates(key: str, v: Any) -> dict[dt.date, Decimal]:
    """[interest] reference_rates: each half-year's first day (1.1. or 1.7.) = the reference rate in percent,
    merged over the built-in ``REFERENCE_RATES``."""
    if not isinstance(v, dict):
        raise _bad(key, "rates", v)
    out = dict(REFERENCE_RATES)
    for k, rate in v.items():
        try:
            start = dt.date.fromisoformat(str(k))
        except ValueError:
            start = None
        if start is None or (start.month, start.day) not in ((1, 1), (7, 1)) or not 2000 <= start.year <= 2100:
            raise _bad(f"{key}.{k}", "rates", k)
        try:
            d = Decimal(str(rate).replace(",", ".")) if not isinstance(rate, bool) else None
        except InvalidOperation:
            d = None
        # korkolaki 12 §: the rate is rounded up to the next half point, so 0, 0.5, 1 ... (the ECB's own rate,
        # e.g. 2.15, is a likely slip and would understate the interest)
        if d is None or not d.is_finite() or not Decimal(0) <= d <= Decimal(50) or d % Decimal("0.5"):
            raise _bad(f"{key}.{k}", "rates", rate)
        out[start] = d
    return out


def _columns(section: str, v: Any) -> dict[str, str]:
    from avustus_cli.domain.fields import APPLICATION_FIELDS, HISTORY_FIELDS  # local: avoids a cycle

    known = APPLICATION_FIELDS if section == "columns" else HISTORY_FIELDS
    if not isinstance(v, dict):
        raise SettingsError(
            f'asetus [{section}] on virheellinen: odotetaan taulukkoa "Sarakkeen otsikko" = "kenttä".'
        )
    out = {}
    for header, name in v.items():
        if not isinstance(name, str) or name not in known:
            raise SettingsError(
                f'asetus [{section}] "{header}" = {name!r} on virheellinen: kenttä ei ole tunnettu. '
                f"Tunnetut kentät: {', '.join(sorted(known))}."
            )
        out[str(header)] = name
    return out


def settings_from_dict(data: dict[str, Any], base: Path | None = None, source: Path | None = None) -> Settings:
    """Validate a parsed TOML document into Settings; unknown keys are refused."""
    base = base or Path.cwd()
    values: dict[str, Any] = {}
    for section, content in data.items():
        if section in ("columns", "history_columns"):
            values[section] = _columns(section, content)
            continue
        if section in _PERSON_SECTIONS:
            if not isinstance(content, dict):
                raise SettingsError(f"asetus [{section}] on virheellinen: odotetaan taulukkoa (name, title, phone, email).")
            for k, v in content.items():
                if k not in ("name", "title", "phone", "email") or not isinstance(v, str):
                    raise SettingsError(
                        f"asetus {section}.{k} on virheellinen: sallitut avaimet ovat name, title, phone ja email (tekstinä)."
                    )
            values[_PERSON_SECTIONS[section]] = Person(**content)
            continue
        if section == "office":
            if not isinstance(content, dict):
                raise SettingsError("asetus [office] on virheellinen: odotetaan taulukkoa.")
            allowed = Office.__dataclass_fields__.keys()
            for k, v in content.items():
                if k not in allowed or not isinstance(v, str):
                    raise SettingsError(
                        f"asetus office.{k} on virheellinen: sallitut avaimet ovat {', '.join(allowed)} (tekstinä)."
                    )
            values["office"] = Office(**content)
            continue
        spec = _SECTIONS.get(section)
        if spec is None or not isinstance(content, dict):
            raise SettingsError(
                f"asetus [{section}] on tuntematon. Sallitut osiot: "
                f"{', '.join([*_SECTIONS, *_PERSON_SECTIONS, 'office', 'columns', 'history_columns'])}."
            )
        for key, v in content.items():
            if key not in spec:
                raise SettingsError(
                    f"asetus {section}.{key} on tuntematon. Osion [{section}] avaimet: {', '.join(spec)}."
                )
            attr, kind = spec[key]
            values[attr] = _convert(f"{section}.{key}", kind, v, base)
    settings = Settings(**values, source=source)
    if "year" in values.keys() and not {"window_start", "window_end"} & values.keys():
        settings = _with_year_window(settings)
    if settings.window_end < settings.window_start:
        raise SettingsError("asetus round.window_end on ennen asetusta round.window_start: hakuaika on virheellinen.")
    return settings


def _with_year_window(s: Settings) -> Settings:
    from dataclasses import replace

    return replace(s, window_start=dt.date(s.year - 1, 12, 1), window_end=dt.date(s.year - 1, 12, 31))


def default_settings(year: int = 2027) -> Settings:
    from dataclasses import replace

    s = replace(Settings(), year=year)
    return replace(
        _with_year_window(s),
        diary_number=f"Hyvaks/77/00.02.01/{year - 1}",
    )


def load_settings(path: Path | None = None, cwd: Path | None = None) -> Settings:
    """``path`` if given, else ``avustus.toml`` in ``cwd``, else the defaults."""
    cwd = cwd or Path.cwd()
    if path is None:
        candidate = cwd / SETTINGS_FILE
        if not candidate.exists():
            return default_settings()
        path = candidate
    if not path.exists():
        raise SettingsError(f"asetustiedostoa {path} ei löydy. Luo se komennolla: avustus init")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"asetustiedosto {path} ei ole UTF-8-tekstiä.") from None
    except tomllib.TOMLDecodeError as e:
        import re

        m = re.search(r"line (\d+), column (\d+)", str(e))
        where = f" rivillä {m.group(1)}, sarakkeessa {m.group(2)}" if m else ""
        raise SettingsError(
            f"asetustiedostossa {path} on kirjoitusvirhe{where}: tarkista lainausmerkit, yhtäsuuruusmerkit ja "
            "hakasulkeet (esim. nimi = \"teksti\", summa = 900000, [osio])."
        ) from None
    return settings_from_dict(data, base=path.parent, source=path)


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(items: tuple[str, ...] | list[str], indent: str = "  ") -> str:
    return "[\n" + "".join(f"{indent}{_toml_str(x)},\n" for x in items) + "]"


def settings_template(year: int = 2027) -> str:
    """The commented settings file ``avustus init`` writes (Finnish comments)."""
    s = default_settings(year)
    cats = "\n".join(f"  {_toml_str(c)},  # {i}" for i, c in enumerate(s.categories, 1))
    return f"""\
# avustus: hakukierroksen asetukset ({s.county})
# Muokkaa arvoja; rivit, jotka alkavat #-merkillä, ovat selityksiä.
# Päivämäärät muodossa VVVV-KK-PP, euromäärät numeroina (ei välilyöntejä).

[round]
year = {s.year}                       # avustusvuosi
window_start = {s.window_start.isoformat()}       # hakuaika alkaa (ohje: 1.12. edellisenä vuonna)
window_end = {s.window_end.isoformat()}         # hakuaika päättyy (viikonloppu/pyhä siirtää seuraavaan arkipäivään)
report_months = {s.report_months}                  # käyttöselvitys viimeistään N kk avustusvuoden päättymisestä
supplement_days = {s.supplement_days}               # täydennyspyynnön vastausaika päivinä
county = {_toml_str(s.county)}
county_business_id = {_toml_str(s.county_business_id)}   # hyvinvointialueen Y-tunnus: avoimen datan rahoittaja (tarkista ytj.fi:stä)
open_data_prefix = {_toml_str(s.open_data_prefix)}    # avoimen datan (360Giving) tunnisteiden alku; rekisteröi oma 360Givingille

[budget]
total = {s.budget_total}                   # koko määräraha, euroa
# Erilliset määrärahat avustusmuodoittain (poista #, jos käytössä):
# operating = 700000               # toiminta-avustukset
# partnership = 150000             # kumppanuussopimukset
# project = 50000                  # hankeavustukset
[budget.category_caps]
# Toimintaluokan enimmäismäärä, esim.:
# "4" = 200000

[allocation]
method = {_toml_str(s.method)}          # full | proportional | score | threshold
step = {s.step}                        # pyöristys alaspäin, euroa
# min_score = 50                   # score/threshold: pienin hyväksytty pistemäärä
# max_grant = 60000                # score: suurin yksittäinen avustus
# threshold = 50                   # threshold: kynnyspisteet
[allocation.weights]
# Kriteerikohtaiset pisteet painotetaan näillä kertoimilla, esim.:
# vaikuttavuus = 2
# yhteistyo = 1

[rules]
# Ohjeen kymmenen tuettua toimintaluokkaa, järjestyksessä 1–10.
categories = [
{cats}
]
# Hyvinvointialueen 22 kuntaa (K04).
municipalities = {_toml_list(s.municipalities)}
# Strategian, talousarvion ja hyvinvointisuunnitelman tavoitteet (K02). Esimerkkiarvoja: muokkaa.
targets = {_toml_list(s.targets)}
# Haussa rajattu pois (T04; vuoden 2026 haku: ruoka-apu, sopimuspalokunnat, järvipelastus).
excluded_types = {_toml_list(s.excluded_types)}
# Haussa painotetut teemat (T04, tiedoksi).
favoured_themes = {_toml_list(s.favoured_themes)}
# Kuntien toimintakentälle kuuluvat toiminnat (K01: merkitään arvioitavaksi).
municipal_field_types = {_toml_list(s.municipal_field_types)}
partnership_threshold = {s.partnership_threshold}    # yli tämän (€/v) kumppanuussopimuksista päättää toimielin (S04)
partnership_max_years = {s.partnership_max_years}          # kumppanuussopimuksen enimmäiskesto vuosina (S01)

[decision]
body = {_toml_str(s.body)}            # päättävä toimielin (ohje: aluehallitus; voi olla myös lautakunta)
small_partnership_decider = {_toml_str(s.small_partnership_decider)}
diary_number = {_toml_str(s.diary_number)}
# meeting_date = {s.year}-01-20       # kokouspäivä, kun tiedossa
earlier_handling = ""             # esim. "Aluehallitus 24.1.2023 § 9"
guideline = {_toml_str(s.guideline)}
# Muutoksenhaku oikaisuvaatimukseen annetusta päätöksestä (valitusosoitus): Keski-Suomi kuuluu
# Hämeenlinnan hallinto-oikeuden tuomiopiiriin. Oikeudenkäyntimaksu vahvistetaan vuosittain (2025: 310 €).
court = {_toml_str(s.court)}
court_address = {_toml_str(s.court_address)}
court_email = {_toml_str(s.court_email)}
court_fee = {s.court_fee}
# minutes_published = {s.year}-01-22  # pöytäkirjan julkaisupäivä verkossa (jäsenten oikaisuvaatimusaika)
recipients = {_toml_list(s.recipients)}
# Päätösesityksen tekstit (tyhjä: ohjelma kirjoittaa neutraalin lauseen):
call_announcement = ""            # miten haku julkaistiin, esim. "Haku julkaistiin verkkosivuilla 1.11.2026."
assessment = ""                   # miten hakemukset arvioitiin

[presenter]                        # esittelijä
name = {_toml_str(s.presenter.name)}
title = {_toml_str(s.presenter.title)}
phone = {_toml_str(s.presenter.phone)}
email = {_toml_str(s.presenter.email)}

[preparer]                         # valmistelija ja lisätiedot
name = {_toml_str(s.preparer.name)}
title = {_toml_str(s.preparer.title)}
phone = {_toml_str(s.preparer.phone)}
email = {_toml_str(s.preparer.email)}

[strategy_director]                # pienistä kumppanuussopimuksista päättävä viranhaltija (S04)
name = {_toml_str(s.strategy_director.name)}
title = {_toml_str(s.strategy_director.title)}

[office]                           # kirjaamo (oikaisuvaatimusohje)
name = {_toml_str(s.office.name)}
postal_address = {_toml_str(s.office.postal_address)}
visiting_address = {_toml_str(s.office.visiting_address)}
email = {_toml_str(s.office.email)}
phone = {_toml_str(s.office.phone)}
hours = {_toml_str(s.office.hours)}

[followup]
reminder_second_days = {s.reminder_second_days}         # toinen muistutus N päivää eräpäivästä
hold_after_days = {s.hold_after_days}              # maksatus pidätetään ja takaisinperintää harkitaan N päivän jälkeen
retention_years = {s.retention_years}               # yhteyshenkilötiedot poistetaan N vuotta viimeisestä maksusta

[interest]                         # takaisinperinnän viivästyskorko (korkolaki 4 § 1 mom.): viitekorko + 7 prosenttiyksikköä
# Suomen Pankin viitekorko puolivuotiskausittain: kauden alkupäivä = prosenttia. Ohjelmassa on valmiina
# viitekorot ajalle {_rates_span(s)}; lisää uudet kaudet tähän, kun Suomen Pankki julkaisee ne (ilman kauden
# viitekorkoa korkoa ei lasketa, ja puuttuva kausi nimetään). Muoto (luvut ovat esimerkkejä, eivät oikeita viitekorkoja):
# reference_rates = {{ "2026-01-01" = 2.5, "2026-07-01" = 2.5 }}

[smtp]                             # sähköpostikirjeiden lähetys (avustus send); tyhjä host: vain .eml-tiedostot
host = ""                          # esim. "smtp.hyvaks.fi"
port = {s.smtp_port}
sender = ""                        # lähettäjä, esim. "kirjaamo@hyvaks.fi"
username = ""                      # salasana vain ympäristömuuttujasta AVUSTUS_SMTP_PASSWORD
starttls = true

[system]
lock_timeout = {s.lock_timeout:g}                # kuinka kauan odotetaan toisen käyttäjän komentoa (s)
backup_keep_days = {s.backup_keep_days}             # purge poistaa tätä vanhemmat varmuuskopiot (niissä on henkilötietoja)
templates_dir = ""                # oma mallipohjakansio (tyhjä: ohjelman omat)

[columns]
# Vientitiedoston sarakeotsikko = kenttä, jos otsikkoa ei tunnisteta. `avustus columns TIEDOSTO` näyttää,
# mitkä sarakkeet tunnistettiin, mitkä tiedot puuttuvat ja valmiit rivit tähän. Esim.:
# "Järjestön nimi" = "applicant"
# Kentät (* = pakollinen: ilman sitä tiedostoa ei tuoda):
{_field_comments("columns")}

[history_columns]
# Aiempien avustusten tiedoston sarakeotsikko = kenttä, esim.:
# "Myönnetty summa" = "amount"
# Kentät (* = pakollinen; lisäksi hakija tai Y-tunnus):
{_field_comments("history_columns")}
"""


def _rates_span(s: Settings) -> str:
    last = max(s.reference_rates)
    end = dt.date(last.year, 6, 30) if last.month == 1 else dt.date(last.year, 12, 31)
    return f"{fmt.date(min(s.reference_rates))}–{fmt.date(end)}"


def _field_comments(section: str) -> str:
    """The valid field names of a [columns] section as comment lines: name, Finnish label, required mark."""
    from avustus_cli.domain.fields import APPLICATION_SPECS, HISTORY_SPECS  # local: avoids a cycle
    from avustus_cli.domain.headers import REQUIRED_APPLICATION, REQUIRED_HISTORY

    specs, required = (APPLICATION_SPECS, REQUIRED_APPLICATION) if section == "columns" else (HISTORY_SPECS, REQUIRED_HISTORY)
    return "\n".join(f"#   {s.name:<22}{'*' if s.name in required else ' '} {s.label}" for s in specs)

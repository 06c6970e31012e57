"""Open data of decided grants: 360Giving JSON and CSV, and a spreadsheet in
the columns of the state-grant data service.

Flow: ``decided_grants`` (store -> records) -> ``build`` (records -> 360Giving
grants, text as it is) -> ``quality`` (checks in the spirit of 360Giving's
data quality tool, reported as the share of grants affected) -> ``clean``
(scrub e-mail addresses and phone numbers from text, leave out zero amounts
and grants without an award date, keep the first of duplicate ids, replace
invalid business IDs with an internal organisation id) -> ``write_files``.

No personal data: the records carry no contact person, e-mail, phone or
IBAN, and free text is scrubbed of anything that looks like an e-mail
address or a phone number before it is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.excel import Sheet, neutralise, write_workbook
from avustus_cli.adapters.files import write_atomic
from avustus_cli.domain import ids
from avustus_cli.domain.config import Settings, default_settings
from avustus_cli.domain.matching import normalize
from avustus_cli.domain.stats import FORM_LABELS, GrantRecord, in_years

# "FI-PRO" is the org-id.guide prefix of the Finnish trade register (Patentti- ja rekisterihallitus, PRH);
# an organisation id is the prefix and the business ID.
ORG_PREFIX = "FI-PRO-"


@dataclass(frozen=True)
class Publisher:
    """Who publishes the open data, from the settings: the county's name and business ID (the funder,
    ``round.county_business_id``) and the 360Giving identifier prefix (``round.open_data_prefix``)."""

    name: str
    business_id: str
    prefix: str

    @classmethod
    def of(cls, settings: Settings | None = None) -> Publisher:
        s = settings or default_settings()
        return cls(s.county, s.county_business_id, s.open_data_prefix)

    @property
    def funder(self) -> dict[str, str]:
        return {"id": ORG_PREFIX + self.business_id, "name": self.name}

    @property
    def fallback(self) -> str:
        """The prefix of an internal organisation id (a recipient without a valid business ID)."""
        return self.prefix + "org-"


from avustus_cli.domain.privacy import EMAIL, PHONE, looks_like_email, looks_like_phone  # noqa: E402,F401  (re-exported)

_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<[^<>]{0,200}>", re.I | re.S)


def plain(text: str) -> str:
    """Applicant text without HTML tags (a ``<script>`` element goes whole), white space folded."""
    return " ".join(_TAG.sub(" ", text or "").split())


from avustus_cli.domain.privacy import scrub  # noqa: E402,F401  (re-exported)

# --- from the store -------------------------------------------------------


def decided_grants(store) -> list[GrantRecord]:
    """Every grant in the store (this round's decisions and the earlier ones),
    with the application's public fields where the application is stored."""
    from avustus_cli.adapters.store.grants import decisions
    from avustus_cli.adapters.store.positions import home_municipalities

    homes = home_municipalities(store)
    apps = {a.id: a for a in store.applications()}  # without personal data
    out = []
    for g in decisions(store):  # ordered by year, id
        app = apps.get(g.application_id or "")
        requested = g.requested
        if requested is None and app is not None:
            requested = app.requested
        home = (app.home_municipality if app else None) or homes.get(g.business_id or "")
        start = end = None
        if app is not None:
            start = app.agreement_start or app.project_start
            end = app.agreement_end or app.project_end
        out.append(
            GrantRecord(
                id=g.id,
                year=g.year,
                amount=g.amount,
                source=g.source,
                application_id=g.application_id,
                applicant=g.applicant,
                business_id=g.business_id,
                form=g.form,
                requested=requested,
                decision_date=g.decision_date,
                decision_maker=g.decision_maker,
                category=app.category if app else None,
                home_municipality=home,
                scope=app.scope.value if app and app.scope else None,
                municipalities=tuple(app.municipalities) if app else (),
                title=(app.activity_name if app else "") or "",
                description=(app.description if app else "") or "",
                start=start,
                end=end,
            )
        )
    return out


# --- 360Giving ------------------------------------------------------------


def _org_slug(name: str) -> str:
    return hashlib.sha256(normalize(name).encode()).hexdigest()[:10]


def recipient_id(r: GrantRecord, publisher: Publisher) -> str:
    """FI-PRO-<business ID>, or an internal id when the business ID is missing."""
    if r.business_id:
        return ORG_PREFIX + r.business_id
    return publisher.fallback + _org_slug(r.applicant)


def _title(r: GrantRecord) -> str:
    form = FORM_LABELS.get(r.form or "", "Avustus")
    base = r.title.strip() if r.title and r.title.strip() else f"{form} {r.year or ''}".strip()
    return base[:140]


def _description(r: GrantRecord, publisher: Publisher) -> str:
    form = FORM_LABELS.get(r.form or "", "avustus").lower()
    text = " ".join((r.description or "").split())
    lead = f"{publisher.name}: {form} vuodelle {r.year}." if r.year else f"{publisher.name}: {form}."
    return f"{lead} {text}".strip()


def build(records: Iterable[GrantRecord], publisher: Publisher | None = None) -> list[dict[str, Any]]:
    """360Giving grant objects of ``records`` (text as it is; see ``clean``); ``publisher``: the settings'
    (default: the built-in settings')."""
    publisher = publisher or Publisher.of()
    out = []
    for r in records:
        recipient: dict[str, Any] = {"id": recipient_id(r, publisher), "name": r.applicant}
        if r.home_municipality:
            recipient["addressLocality"] = r.home_municipality
        recipient["addressCountry"] = "FI"
        g: dict[str, Any] = {
            "id": publisher.prefix + r.id,
            "title": _title(r),
            "description": _description(r, publisher),
            "currency": "EUR",
            "amountAwarded": _number(r.amount),
        }
        if r.requested is not None:
            g["amountAppliedFor"] = _number(r.requested)
        if r.decision_date:
            g["awardDate"] = r.decision_date.isoformat()
        start = r.start or (dt.date(r.year, 1, 1) if r.year else None)
        end = r.end or (dt.date(r.year, 12, 31) if r.year else None)
        if start and end:
            g["plannedDates"] = [{"startDate": start.isoformat(), "endDate": end.isoformat()}]
        g["recipientOrganization"] = [recipient]
        g["fundingOrganization"] = [publisher.funder]
        if r.form:
            g["grantProgramme"] = [{"code": r.form, "title": FORM_LABELS.get(r.form, r.form)}]
        locations = [{"name": m, "countryCode": "FI"} for m in r.municipalities if m]
        if not locations and r.scope == "county":
            locations = [{"name": publisher.name, "countryCode": "FI"}]
        if locations:
            g["beneficiaryLocation"] = locations
        g["fromOpenCall"] = "Yes"
        out.append(g)
    return out


def _number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


# --- quality --------------------------------------------------------------


@dataclass
class QualityCheck:
    code: str
    title: str  # Finnish
    action: str  # what the export does about it (Finnish)
    ids: list[str] = field(default_factory=list)  # grant ids (not personal data)

    def share(self, total: int) -> Decimal:
        return (Decimal(len(self.ids)) / total * 100).quantize(Decimal("0.1")) if total else Decimal(0)


def quality(grants: Sequence[dict[str, Any]], today: dt.date, publisher: Publisher | None = None) -> list[QualityCheck]:
    """Data-quality checks over 360Giving grants (before ``clean``)."""
    publisher = publisher or Publisher.of()
    checks = {
        "zero_amount": QualityCheck("zero_amount", "Myönnetty summa on 0 €", "jätetään pois (kielteinen päätös ei ole avustus)"),
        "no_award_date": QualityCheck("no_award_date", "Päätöspäivä puuttuu", "jätetään pois (awardDate on pakollinen)"),
        "future_award_date": QualityCheck("future_award_date", "Päätöspäivä on tulevaisuudessa", "julkaistaan; tarkista päivä"),
        "email": QualityCheck("email", "Tekstissä on sähköpostiosoitteelta näyttävä", "poistetaan tekstistä"),
        "phone": QualityCheck("phone", "Tekstissä on puhelinnumerolta näyttävä", "poistetaan tekstistä"),
        "invalid_business_id": QualityCheck(
            "invalid_business_id", "Saajan Y-tunnus on virheellinen", f"saajalle sisäinen tunniste ({publisher.fallback}...)"
        ),
        "no_business_id": QualityCheck("no_business_id", "Saajalta puuttuu Y-tunnus", "saajalle sisäinen tunniste"),
        "duplicate_id": QualityCheck("duplicate_id", "Sama tunniste useammin kuin kerran", "vain ensimmäinen julkaistaan"),
    }
    seen: set[str] = set()
    for g in grants:
        gid = g["id"]
        if not g.get("amountAwarded"):
            checks["zero_amount"].ids.append(gid)
        award = g.get("awardDate")
        if not award:
            checks["no_award_date"].ids.append(gid)
        elif dt.date.fromisoformat(award[:10]) > today:
            checks["future_award_date"].ids.append(gid)
        texts = [g.get("title", ""), g.get("description", "")] + [o.get("name", "") for o in g["recipientOrganization"]]
        if any(looks_like_email(t) for t in texts):
            checks["email"].ids.append(gid)
        if any(looks_like_phone(t) for t in texts):
            checks["phone"].ids.append(gid)
        rid = g["recipientOrganization"][0]["id"]
        if rid.startswith(ORG_PREFIX):
            if ids.business_id(rid[len(ORG_PREFIX):]) is None:
                checks["invalid_business_id"].ids.append(gid)
        else:
            checks["no_business_id"].ids.append(gid)
        if gid in seen:
            checks["duplicate_id"].ids.append(gid)
        seen.add(gid)
    return list(checks.values())


def clean(grants: Sequence[dict[str, Any]], publisher: Publisher | None = None) -> list[dict[str, Any]]:
    """What is published: text scrubbed, zero amounts, missing award dates and repeated ids left out,
    invalid business IDs replaced by an internal organisation id."""
    publisher = publisher or Publisher.of()
    out = []
    seen: set[str] = set()
    for g in grants:
        if not g.get("amountAwarded") or not g.get("awardDate") or g["id"] in seen:
            continue
        seen.add(g["id"])
        g = json.loads(json.dumps(g))  # a deep copy
        g["title"] = scrub(plain(g["title"]))[0]
        g["description"] = scrub(plain(g["description"]))[0]
        for org in g["recipientOrganization"]:
            org["name"] = scrub(org["name"])[0]
            if org["id"].startswith(ORG_PREFIX) and ids.business_id(org["id"][len(ORG_PREFIX):]) is None:
                org["id"] = publisher.fallback + _org_slug(org["name"])
        out.append(g)
    return out


# --- files ----------------------------------------------------------------

CSV_COLUMNS = [
    ("Identifier", lambda g: g["id"]),
    ("Title", lambda g: g["title"]),
    ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]),
    ("Amount Applied For", lambda g: g.get("amountAppliedFor", "")),
    ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Award Date", lambda g: g["awardDate"]),
    ("Planned Dates:Start Date", lambda g: (g.get("plannedDates") or [{}])[0].get("startDate", "")),
    ("Planned Dates:End Date", lambda g: (g.get("plannedDates") or [{}])[0].get("endDate", "")),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    ("Recipient Org:City", lambda g: g["recipientOrganization"][0].get("addressLocality", "")),
    ("Recipient Org:Country", lambda g: g["recipientOrganization"][0].get("addressCountry", "")),
    ("Funding Org:Identifier", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Code", lambda g: (g.get("grantProgramme") or [{}])[0].get("code", "")),
    ("Grant Programme:Title", lambda g: (g.get("grantProgramme") or [{}])[0].get("title", "")),
    ("From An Open Call?", lambda g: g.get("fromOpenCall", "")),
]


def to_csv(grants: Sequence[dict[str, Any]]) -> str:
    """360Giving flattened CSV; beneficiary locations as 'Beneficiary Location:N:Name' columns.

    Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    n_loc = max((len(g.get("beneficiaryLocation", [])) for g in grants), default=0)
    headers = [h for h, _ in CSV_COLUMNS]
    for i in range(n_loc):
        headers += [f"Beneficiary Location:{i}:Name", f"Beneficiary Location:{i}:Country Code"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for g in grants:
        row = [get(g) for _, get in CSV_COLUMNS]
        locs = g.get("beneficiaryLocation", [])
        for i in range(n_loc):
            loc = locs[i] if i < len(locs) else {}
            row += [loc.get("name", ""), loc.get("countryCode", "")]
        w.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue()


STATE_GRANT_HEADERS = [
    "Päätöspäivä", "Avustuksen saaja", "Y-tunnus", "Haettu summa", "Myönnetty summa", "Avustuksen tarkoitus",
    "Alueet", "Avustusmuoto", "Avustusvuosi", "Myöntäjä", "Tunniste",
]  # fmt: skip


def state_grant_rows(grants: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Rows in the columns of the state-grant data service (valtionavustustiedot):
    päätöspäivä, saaja, Y-tunnus, haettu, myönnetty, tarkoitus, alueet."""
    rows = []
    for g in grants:
        org = g["recipientOrganization"][0]
        bid = org["id"][len(ORG_PREFIX):] if org["id"].startswith(ORG_PREFIX) else ""
        amount_req = g.get("amountAppliedFor")
        rows.append([
            dt.date.fromisoformat(g["awardDate"][:10]),
            org["name"],
            bid,
            Decimal(str(amount_req)) if amount_req is not None else None,
            Decimal(str(g["amountAwarded"])),
            g["title"],
            "; ".join(loc["name"] for loc in g.get("beneficiaryLocation", []) if loc.get("name")),
            (g.get("grantProgramme") or [{}])[0].get("title", ""),
            int(g["plannedDates"][0]["startDate"][:4]) if g.get("plannedDates") else None,
            g["fundingOrganization"][0]["name"],
            g["id"],
        ])
    return rows


@dataclass
class ExportResult:
    total: int  # grants in the selected years before cleaning
    published: int
    checks: list[QualityCheck]
    files: list[Path]
    years: tuple[int, int] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "years": list(self.years) if self.years else None,
            "grants_selected": self.total,
            "grants_published": self.published,
            "quality": [
                {"code": c.code, "title": c.title, "count": len(c.ids), "percent": str(c.share(self.total)),
                 "action": c.action, "ids": c.ids}
                for c in self.checks
            ],
            "files": [str(p) for p in self.files],
        }


def export(
    records: Sequence[GrantRecord],
    out_dir: Path,
    years: tuple[int, int] | None = None,
    today: dt.date | None = None,
    publisher: Publisher | None = None,
    dry_run: bool = False,
) -> ExportResult:
    """Check and write ``avustukset-360giving.json``, ``avustukset-360giving.csv`` and
    ``avustukset-valtionavustustiedot.xlsx`` into ``out_dir``."""
    today = today or dt.date.today()
    selected = in_years(records, years)
    raw = build(selected, publisher)
    checks = quality(raw, today, publisher)
    published = clean(raw, publisher)
    files: list[Path] = []
    if not dry_run:
        out_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"grants": published}, ensure_ascii=False, indent=2) + "\n"
        files.append(_write_text(out_dir / "avustukset-360giving.json", text, "utf-8"))
        files.append(_write_text(out_dir / "avustukset-360giving.csv", to_csv(published), "utf-8-sig"))
        files.append(
            write_workbook(
                out_dir / "avustukset-valtionavustustiedot.xlsx",
                [Sheet("Avustukset", STATE_GRANT_HEADERS, state_grant_rows(published), money_columns=(3, 4),
                       widths={1: 40, 5: 50, 6: 30, 10: 26})],
            )
        )
        files = [_public(f) for f in files]
    return ExportResult(len(raw), len(published), checks, files, years)


def _write_text(path: Path, text: str, encoding: str) -> Path:
    return write_atomic(path, text, encoding=encoding)


def _public(path: Path) -> Path:
    """Open data is for publishing: readable by all (the database stays owner-only)."""
    path.chmod(0o644)
    return path


__all__ = [
    "ORG_PREFIX", "ExportResult", "Publisher", "QualityCheck", "build",
    "clean", "decided_grants", "export", "looks_like_email", "looks_like_phone", "quality", "scrub", "to_csv",
]  # fmt: skip

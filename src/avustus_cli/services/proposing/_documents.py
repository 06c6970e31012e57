"""The proposal's documents: the contexts of the board item, annex 1, the
terms, the strategy director's draft decision and the supplement requests,
and writing them all (with esitys.xlsx and the manifest) from the stored
proposal."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from avustus_cli.adapters.files import holds_document
from avustus_cli.adapters.proposal_sheet import write_esitys
from avustus_cli.adapters.store import Store
from avustus_cli.adapters.store import positions as position_store
from avustus_cli.adapters.store import standings as standing_store
from avustus_cli.domain import deadlines, director, filenames
from avustus_cli.domain.allocation import Budget, Method, share_parts
from avustus_cli.domain.config import Settings
from avustus_cli.domain.models import Application, GrantForm, Severity
from avustus_cli.domain.proposal import (
    ProposalLine,
    budget_warning,
    codes_for,
    decider_for,
)
from avustus_cli.domain.rules.conflict import conflicts
from avustus_cli.domain.rules.reasons import request_sentence
from avustus_cli.domain.standing import (
    PAYMENT_HOLD_CODES,
    Standing,
    is_generated_reason,
    is_pending,
    open_deficiencies,
    open_reviews,
    refusal_sentences,
    sentence,
    supplement_dates,
    supplement_due,
)
from avustus_cli.services.proposing._manifest import ESITYS_FILE, previous_documents, remove_stale, write_manifest

LETTERS_DIR = "taydennyspyynnot"


def _generated_reason(row: ProposalLine) -> bool:
    """The row's reason is the tool's (a finding list or a pending note), not the officer's."""
    return is_generated_reason(row.reason)


def refusal_text(row: ProposalLine, settings: Settings, as_of: dt.date | None = None) -> str:
    """The reason of a refusal as the documents state it: the officer's own text
    when edited, else the findings' sentences (the fact and the guideline's rule;
    no rule codes, Hallintolaki 45 §). A refusal for a missing supplement names
    the request's date and deadline; written on ``as_of`` before the deadline has
    passed it says so and what follows if nothing arrives."""
    if not _generated_reason(row):
        return sentence(row.reason)
    # the request as first sent (stored), else as named in the reason, else one sent today
    dates = row.standing.supplement or supplement_dates(row.reason)
    if dates is None and as_of is not None:
        dates = (as_of, supplement_due(settings, as_of))
    said = refusal_sentences(row.standing, settings, requested_on=dates[0] if dates else None,
                             due=dates[1] if dates else None, today=as_of)
    return " ".join(said) if said else sentence(row.reason)


def reduction_text(row: ProposalLine) -> str:
    """Why a grant is smaller than the request (the allocation's or the officer's sentence), "" for a full one."""
    if row.amount <= 0 or row.amount >= row.requested or _generated_reason(row):
        return ""
    return sentence(row.reason)


def write_letters(
    letter_dir: Path,
    contexts: Sequence[tuple[str, dict[str, Any]]],
    settings: Settings,
    formats: Sequence[str],
    contents: dict[Path, bytes] | None = None,
    hashes: dict[Path, str] | None = None,
) -> list[Path]:
    """The supplement requests, written in place into ``letter_dir`` inside the proposal's staging
    folder (moved into place as a whole), in this process: after the first letter a Word letter only
    runs its filled parts through the compiled templates (``adapters.render``), and its package is
    made and compressed on the writer's thread while the next letter renders. ``contents`` gets each
    file's bytes and ``hashes`` their SHA-256, so the manifest and the letters table do not read them back."""
    from avustus_cli.adapters.render import DocumentWriter

    out: list[Path] = []
    keep = contents is not None or hashes is not None
    with DocumentWriter(letter_dir, settings, formats, in_stage=True, keep=keep) as writer:
        for stem, ctx in contexts:
            out += writer.write(f"taydennyspyynto_{stem}", "taydennyspyynto", ctx)
    for path, (data, digest) in writer.kept.items():
        if contents is not None:
            contents[path] = data
        if hashes is not None:
            hashes[path] = digest
    return out


def _review(settings: Settings) -> dict[str, Any]:
    return {"authority": settings.body, "channel": None, "sent": None, "served": None, "last_day": None}


_purpose = director.purpose


def _category_name(settings: Settings, cat: int | None) -> str:
    if cat is None or not 1 <= cat <= len(settings.categories):
        return "Toimintaluokka puuttuu"
    return f"{cat}. {settings.categories[cat - 1]}"


def _partnership(row: ProposalLine, settings: Settings) -> dict[str, Any]:
    return {"row": row, "applicant": row.app.applicant, **director.agreement_terms(row.app, row.amount, settings)}


def pending_rows(rows: Sequence[ProposalLine], settings: Settings, as_of: dt.date | None) -> set[str]:
    """Ids of the rows the documents leave out: no money and still pending."""
    return {r.app.id for r in rows if r.amount == 0 and is_pending(r.standing, settings, as_of)}


def _body_rows(rows: Sequence[ProposalLine], settings: Settings, pending: set[str]) -> list[ProposalLine]:
    """The rows ``settings.body`` decides (not pending, not a small partnership agreement)."""
    return [r for r in rows if r.app.id not in pending and decider_for(r.app, r.amount, settings) == settings.body]


def _director_rows(rows: Sequence[ProposalLine], settings: Settings, pending: set[str]) -> list[ProposalLine]:
    """The small partnership agreements (S04), granted or refused, that the strategy director decides."""
    return [r for r in rows if r.app.id not in pending and decider_for(r.app, r.amount, settings) != settings.body]


def _outside_window(row: ProposalLine, settings: Settings) -> str | None:
    """"late" / "early": refused for arriving after the window / before it opened (H01)."""
    if not any(f.code == "H01" and f.severity is Severity.BLOCKING for f in row.standing.open_findings):
        return None
    received = row.app.received
    got = received.date() if isinstance(received, dt.datetime) else received
    return "early" if got is not None and got < settings.window_start else "late"


def _method_text(method: Method, rows: Sequence[ProposalLine]) -> str:
    funded = [r for r in rows if r.amount > 0]
    cut = any(r.amount < r.requested for r in funded)
    base = ("Hakemukset tarkistettiin avustusohjeen ehtoja vastaan: hakijan avustuskelpoisuus, avustuksen kohdentamiskriteerit, "
            "tuetut toimintaluokat, hakuaika sekä aiempien avustusten käyttöselvitykset. ")
    text = {
        "full": "Avustuskelpoisille hakemuksille esitetään haettu määrä käsittelyjärjestyksessä niin pitkälle kuin määräraha riittää.",
        "proportional": ("Määräraha ei riitä kaikkien avustuskelpoisten hakemusten täysimääräiseen rahoittamiseen, joten avustukset "
                         "on mitoitettu samassa suhteessa haettuihin määriin (laskelma alla)." if cut else
                         "Määräraha riittää avustuskelpoisten hakemusten rahoittamiseen haetun suuruisina."),
        "score": ("Hakemukset pisteytettiin kohdentamiskriteerien perusteella, ja avustukset esitetään pistejärjestyksessä "
                  "niin pitkälle kuin määräraha riittää."),
        "threshold": ("Hakemukset pisteytettiin kohdentamiskriteerien perusteella. Kynnyspisteet ylittäneille hakemuksille "
                      "avustukset on mitoitettu samassa suhteessa haettuihin määriin."),
    }.get(method.method, "")
    if any(r.source == "sheet" for r in rows):
        text += " Valmistelija on tarkistanut esityksen ja perustellut poikkeamat hakemuskohtaisesti."
    return base + text


def board_context(
    rows: Sequence[ProposalLine],
    settings: Settings,
    budget: Budget,
    method: Method,
    step_asides: Sequence[Mapping[str, Any]] = (),
    last_year: Mapping[str, Any] | None = None,
    as_of: dt.date | None = None,
    draft: bool = False,
    pending: set[str] | None = None,
) -> dict[str, Any]:
    """The board item: only what ``settings.body`` decides, with the whole
    appropriation (every grant form, the remainder) and, for a draft, the date
    it was prepared on. Pending
    applications (``pending_findings``, with ``as_of`` also those waiting for
    a supplement) are counted but get no item; refused small partnership
    agreements are the strategy director's (``director_context``). ``pending``: the
    rows' ``pending_rows`` when known already."""
    pending = pending_rows(rows, settings, as_of) if pending is None else pending
    operating = [r for r in rows if r.app.form is GrantForm.OPERATING]
    granted = [r for r in operating if r.amount > 0]
    outside = [_outside_window(r, settings) for r in rows]
    return {
        "title": f"Järjestöjen toiminta-avustukset vuodelle {settings.year}",
        "call_announcement": settings.call_announcement or (
            "Hakemukset jätettiin hyvinvointialueen sähköisessä asiointipalvelussa."
        ),
        "budget": _operating_budget(budget),
        # "" or a sentence: the budget is 0 €, funds nobody or is below a tenth of the eligible demand
        "budget_warning": budget_warning(rows, budget),
        "received_count": len(rows),
        "received_sum": sum((r.requested for r in rows), Decimal(0)),
        "late_count": outside.count("late"),
        "early_count": outside.count("early"),
        "pending_count": len(pending),
        "assessment": settings.assessment or _method_text(method, rows),
        "granted_count": len(granted),
        "granted_sum": sum((r.amount for r in granted), Decimal(0)),
        "by_category": _by_category(granted, settings),
        **_board_refusals(_body_rows(rows, settings, pending), settings, as_of),
        "draft": {"prepared": as_of} if draft and as_of is not None else None,
        "appropriation": appropriation(rows, budget, settings),
        "cuts": cuts(rows, budget, method.step, pending),
        "pending": _pending_summary(rows, settings, as_of, pending),
        "report_due": deadlines.report_due(settings.year, settings.report_months),
        "partnerships": [
            {k: v for k, v in _partnership(r, settings).items() if k != "row"}
            for r in rows if r.app.form is GrantForm.PARTNERSHIP and r.amount > 0
        ],
        "projects": [_project(r) for r in rows if r.app.form is GrantForm.PROJECT and r.amount > 0],
        "extra_resolutions": [],
        "review": _review(settings),
        # Hallintolaki 28 §: decision makers with a position in an applicant step aside
        "conflicts": [dict(c) for c in step_asides],
        # last year's operating grants, for comparison: {year, count, granted} or None
        "last_year": dict(last_year) if last_year else None,
    }


def _board_refusals(body_rows: Sequence[ProposalLine], settings: Settings, as_of: dt.date | None) -> dict[str, Any]:
    """The board item's refusals (with their reasons), the refusals that wait for a supplement whose
    deadline has not passed when the item is written, and the officer's reductions."""
    running = {r.app.id: dates for r in body_rows if r.amount == 0
               if (dates := supplement_running(r, settings, as_of)) is not None}
    return {
        "refusals": [
            {"applicant": r.app.applicant, "codes": codes_for(r), "reason": refusal_text(r, settings, as_of)}
            for r in body_rows if r.amount == 0 and r.app.id not in running
        ],
        "conditional_refusals": [
            {"applicant": r.app.applicant, "sent": running[r.app.id][0], "due": running[r.app.id][1],
             "reason": " ".join(refusal_sentences(r.standing, settings))}
            for r in body_rows if r.app.id in running
        ],
        "reductions": [
            {"applicant": r.app.applicant, "requested": r.app.requested, "proposed": r.amount,
             "reason": sentence(r.reason)}
            for r in body_rows if r.amount > 0 and r.reason_code == "OFFICER" and r.reason
        ],
    }


def supplement_running(row: ProposalLine, settings: Settings, as_of: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """(sent, due) of the row's supplement request when its refusal rests on it and the deadline has not
    passed on ``as_of`` (a document written then can only say what follows if nothing arrives)."""
    if as_of is None or row.standing.blocking() or not open_deficiencies(row.standing):
        return None
    if not _generated_reason(row):
        return None
    sent, due = row.standing.supplement or supplement_dates(row.reason) or (as_of, supplement_due(settings, as_of))
    return (sent, due) if as_of <= due else None


_FORM_ROWS = ((GrantForm.OPERATING, "Toiminta-avustukset"), (GrantForm.PARTNERSHIP, "Kumppanuussopimukset (vuoden osuus)"),
              (GrantForm.PROJECT, "Hankeavustukset"))


def appropriation(rows: Sequence[ProposalLine], budget: Budget, settings: Settings) -> dict[str, Any]:
    """The whole appropriation for the board: per grant form the applications, what they ask and what is
    proposed (a partnership agreement with its amount for this year, whoever decides it), each form's own
    line when the settings give one, the total proposed against the total and what is left."""
    out: list[dict[str, Any]] = []
    for form, label in _FORM_ROWS:
        rs = [r for r in rows if r.app.form is form]
        funded = [r for r in rs if r.amount > 0]
        out.append({"label": label, "count": len(rs), "funded": len(funded),
                    "requested": sum((r.requested for r in rs), Decimal(0)),
                    "proposed": sum((r.amount for r in funded), Decimal(0)),
                    "budget": budget.per_form.get(form.value)})
    other = [r for r in rows if r.app.form is None]
    if other:
        out.append({"label": "Avustusmuoto puuttuu", "count": len(other), "funded": sum(1 for r in other if r.amount > 0),
                    "requested": sum((r.requested for r in other), Decimal(0)),
                    "proposed": sum((r.amount for r in other), Decimal(0)), "budget": None})
    proposed = sum((Decimal(r["proposed"]) for r in out), Decimal(0))
    common = budget.total - sum(budget.per_form.values(), Decimal(0))
    return {"rows": out, "total": budget.total, "proposed": proposed, "left": budget.total - proposed,
            "common": common if budget.per_form else None,
            "partnership_decider": settings.small_partnership_decider}


def cuts(rows: Sequence[ProposalLine], budget: Budget, step: Decimal, pending: set[str]) -> list[dict[str, Any]]:
    """The proportional cuts per budget line as the reader can recompute them: the line's money, the eligible
    applications' demand, their ratio (as many decimals as the grants need) and the rounding step."""
    from fractions import Fraction

    from avustus_cli.domain.allocation import percent_text, shown_share

    out = []
    lines = [*budget.per_form, None]
    for key in lines:
        rs = [r for r in rows if r.app.id not in pending and r.standing.fundable
              and ((r.form == key) if key is not None else r.form not in budget.per_form)]
        if not rs or not any(r.reason_code in ("PROPORTIONAL", "CATEGORY_CAP") for r in rs):
            continue
        money = budget.per_form[key] if key is not None else budget.total - sum(budget.per_form.values(), Decimal(0))
        demand = sum((r.requested for r in rs), Decimal(0))
        if demand <= money:
            continue
        share = Fraction(money) / Fraction(demand)
        shown, places = shown_share(share, [Fraction(r.requested) for r in rs], step)
        label = {"operating": "toiminta-avustusten määräraha", "partnership": "kumppanuussopimusten määräraha",
                 "project": "hankeavustusten määräraha"}.get(key or "", "määräraha")
        out.append({"label": label, "money": money, "demand": demand, "count": len(rs),
                    "percent": ("" if shown == share else "noin ") + percent_text(shown, places), "step": step})
    return out


def _pending_summary(rows: Sequence[ProposalLine], settings: Settings, as_of: dt.date | None,
                     pending: set[str]) -> dict[str, Any]:
    """What is still pending and what happens to it: waiting for a supplement (by when) or for the
    officer's judgement; they are decided later, from what is left of the appropriation."""
    waiting = [r for r in rows if r.app.id in pending and open_deficiencies(r.standing) and not open_reviews(r.standing)]
    dues = sorted({r.standing.supplement[1] if r.standing.supplement else supplement_due(settings, as_of)
                   for r in waiting if as_of is not None and r.standing.supplement is None}
                  | {r.standing.supplement[1] for r in waiting if r.standing.supplement is not None})
    return {"count": len(pending), "supplement": len(waiting), "review": len(pending) - len(waiting),
            "due": dues[-1] if dues else None,
            "requested": sum((r.requested for r in rows if r.app.id in pending), Decimal(0))}


def _operating_budget(budget: Budget) -> Decimal:
    """The operating grants' own line, or what the other forms' lines leave of the total."""
    operating = budget.per_form.get("operating")
    return operating if operating is not None else budget.total - sum(budget.per_form.values(), Decimal(0))


def _by_category(granted: Sequence[ProposalLine], settings: Settings) -> list[dict[str, Any]]:
    """The board item's table of operating grants per category: count, requested and proposed."""
    by_cat: dict[int | None, list[ProposalLine]] = defaultdict(list)
    for r in granted:
        by_cat[r.app.category].append(r)
    return [
        {"number": c, "name": _category_name(settings, c).split(". ", 1)[-1], "count": len(rs),
         "requested": sum((r.requested for r in rs), Decimal(0)), "proposed": sum((r.amount for r in rs), Decimal(0))}
        for c, rs in sorted(by_cat.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]


def _project(r: ProposalLine) -> dict[str, Any]:
    """A project grant as the board item lists it."""
    return {"applicant": r.app.applicant, "project": r.app.activity_name, "funder": r.app.external_funder,
            "start": r.app.project_start or r.app.funding_start, "end": r.app.project_end or r.app.funding_end,
            "amount": r.amount, "condition": " ".join(r.conditions)}


def last_year_summary(store: Store, settings: Settings) -> dict[str, Any] | None:
    """Operating grants decided for the previous grant year (earlier grants register or decisions)."""
    year = settings.year - 1
    grants = [g for g in store.grants() if g.year == year and g.amount > 0 and g.form in (None, GrantForm.OPERATING)]
    if not grants:
        return None
    return {"year": year, "count": len(grants), "granted": sum((g.amount for g in grants), Decimal(0))}


def _same_name(a: str | None, b: str | None) -> bool:
    """The same organisation however its name is spelt (case, spacing, "r.y." / "ry")."""
    def key(x: str | None) -> str:
        return re.sub(r"[^0-9a-zäöå]", "", (x or "").casefold())
    return key(a) == key(b)


def step_aside_rows(store: Store, day: dt.date, apps: Iterable[Application] | None = None) -> list[dict[str, Any]]:
    """Who must step aside for which applications on ``day`` (Hallintolaki 28 §, the matching of rule J01),
    by person, then application. ``apps``: the round's applications as already read (default: read them)."""
    register = position_store.positions(store)
    if not register:
        return []
    found = sorted(((app, c) for app in (store.applications() if apps is None else apps)
                    for c in conflicts(app, register, day)),
                   key=lambda ac: (ac[1].position.person, ac[0].id))
    return [
        {"person": c.position.person, "role": c.position.body_role, "position": c.position.position,
         # the applicant's own name is written once, as the application spells it ("ry", not also "r.y.")
         "organisation": "" if _same_name(c.position.organisation, app.applicant) else c.position.organisation,
         "application_id": app.id, "applicant": app.applicant}
        for app, c in found
    ]


def _annex_row(r: ProposalLine, settings: Settings, as_of: dt.date | None,
               share: tuple[str, str] | None = None) -> dict[str, Any]:
    """One application in annex 1; ``share``: its proportional reduction's (method, computation)."""
    a = r.app
    return {
        "application_id": a.id, "applicant": a.applicant, "business_id": a.business_id or "",
        "municipality": a.home_municipality or "", "purpose": _purpose(a), "requested": a.requested,
        "proposed": r.amount, "conditions": "; ".join(c.rstrip(".") for c in r.conditions) + ("." if r.conditions else ""),
        # why it is refused or smaller than the request, as full sentences (the officer's own text is
        # public text too, scrubbed by render); a proportional reduction gives its computation instead,
        # its method is said once above the table
        "reason": refusal_text(r, settings, as_of) if r.amount == 0 else "" if share else reduction_text(r),
        "computation": share[1] if share else "",
    }


def _share(r: ProposalLine) -> tuple[str, str] | None:
    """(method, computation) of a proportional reduction made by the allocation, else None."""
    requested = r.app.requested
    if requested is None or not 0 < r.amount < requested or _generated_reason(r):
        return None
    return share_parts(r.reason, requested)


def annex_context(rows: Sequence[ProposalLine], settings: Settings, as_of: dt.date | None = None, *,
                  pending: set[str] | None = None) -> dict[str, Any]:
    """Annex 1 of the board item: what ``settings.body`` decides, nothing else.
    Pending applications and the strategy director's small partnership
    agreements are left out (and counted in ``pending_count`` / ``separately``).
    ``pending``: the rows' ``pending_rows`` when known already."""
    pending = pending_rows(rows, settings, as_of) if pending is None else pending
    body_rows = _body_rows(rows, settings, pending)
    groups: list[tuple[str, list[ProposalLine]]] = []
    granted = [r for r in body_rows if r.amount > 0]
    by_cat: dict[int | None, list[ProposalLine]] = defaultdict(list)
    for r in granted:
        if r.app.form is GrantForm.OPERATING or r.app.form is None:
            by_cat[r.app.category].append(r)
    for c in sorted(by_cat, key=lambda c: (c is None, c or 0)):
        groups.append((f"Toiminta-avustukset: {_category_name(settings, c)}", by_cat[c]))
    for form, name in ((GrantForm.PARTNERSHIP, "Kumppanuussopimukset"), (GrantForm.PROJECT, "Hankeavustukset")):
        rs = [r for r in granted if r.app.form is form]
        if rs:
            groups.append((name, rs))
    refused = [r for r in body_rows if r.amount == 0]
    if refused:
        groups.append(("Hylättäviksi esitetyt hakemukset", refused))
    out_groups: list[dict[str, Any]] = []
    methods: list[str] = []  # how the proportional reductions were computed: once, above the table
    for name, rs in groups:
        shares = [_share(r) for r in rs]
        methods += [m for m in dict.fromkeys(sh[0] for sh in shares if sh is not None) if m not in methods]
        ann = [_annex_row(r, settings, as_of, sh) for r, sh in zip(rs, shares, strict=True)]
        out_groups.append({
            "name": name, "rows": ann,
            "requested": sum((r.requested for r in rs), Decimal(0)),
            "proposed": sum((r.amount for r in rs), Decimal(0)),
        })
    director = _director_rows(rows, settings, pending)
    return {
        "groups": out_groups,
        "total_requested": sum((g["requested"] for g in out_groups), Decimal(0)),
        "total_proposed": sum((g["proposed"] for g in out_groups), Decimal(0)),
        "methods": methods,
        "separately": {"decider": settings.small_partnership_decider, "count": len(director)} if director else None,
        "pending_count": len(pending),
        "draft": None,  # {"prepared": date} for a draft (write_documents)
    }


# the annex's words before the reductions' methods (the HTML and Word annexes say the same)
METHODS_INTRO = "Haettua pienemmät avustukset on mitoitettu seuraavasti."


def write_annex_xlsx(path: Path, ctx: Mapping[str, Any], settings: Settings) -> Path:
    from avustus_cli.adapters.excel import Sheet, title_block, write_workbook
    from avustus_cli.adapters.render import published

    ctx = published("liite1", ctx)  # the same scrub as the HTML and Word annex

    headers = ["Hakemus", "Hakija", "Y-tunnus", "Kotikunta", "Käyttötarkoitus", "Haettu (€)", "Esitys (€)", "Ehdot",
               "Perustelu"]
    blank = [None] * len(headers)
    data: list[list[Any]] = []
    if ctx["methods"]:  # how the reduced grants were computed, above the rows that give each computation
        data.append([" ".join([METHODS_INTRO, *ctx["methods"]]), *blank[1:]])
    for g in ctx["groups"]:
        data.append([g["name"], *blank[1:]])
        for r in g["rows"]:
            data.append([r["application_id"], r["applicant"], r["business_id"], r["municipality"], r["purpose"],
                         r["requested"], r["proposed"], r["conditions"], r["reason"] or r["computation"]])
        data.append([f"Yhteensä: {g['name']}", None, None, None, None, g["requested"], g["proposed"], None, None])
    footer = [["Kaikki yhteensä", None, None, None, None, ctx["total_requested"], ctx["total_proposed"], None, None]]
    title = title_block(f"Liite 1. Järjestöavustukset vuodelle {settings.year}: avustusesitys", settings.county,
                        settings.body, settings.meeting_date, settings.diary_number)
    sheets = [Sheet(f"Liite 1 {settings.year}", headers, data, money_columns=[5, 6],
                    widths={1: 30, 4: 30, 7: 34, 8: 50}, footer=footer, title=title,
                    span_labels=True)]
    return write_workbook(path, sheets, stable=True)


def terms_context(settings: Settings) -> dict[str, Any]:
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    return {"report_due": deadlines.report_due(settings.year, settings.report_months),
            "report_documents": list(REPORT_DOCUMENTS)}


def director_context(rows: Sequence[ProposalLine], settings: Settings, as_of: dt.date | None = None, *,
                     pending: set[str] | None = None) -> dict[str, Any] | None:
    """The strategy director's draft decision on the small partnership
    agreements (S04): the approvals and the refusals with their reasons.
    None when the director has nothing to decide. ``pending``: the rows' ``pending_rows`` when known already."""
    from avustus_cli.adapters.render import REPORT_DOCUMENTS

    mine = _director_rows(rows, settings, pending_rows(rows, settings, as_of) if pending is None else pending)
    return director.decision_content(
        [(r.app, r.amount) for r in mine if r.amount > 0],
        [(r.app, codes_for(r), refusal_text(r, settings, as_of)) for r in mine if r.amount == 0],
        settings, REPORT_DOCUMENTS)


def supplement_items(result: Standing, settings: Settings | None = None) -> list[dict[str, str]]:
    """What the applicant must send or do: one full sentence per open deficiency
    (holds included when a letter goes out anyway; ``code`` is for the officer's
    tools, the letter never prints it). Empty: no letter (nothing but payment
    holds, or a blocking finding that a supplement cannot cure). What the county
    verifies itself (review cases) is never asked."""
    if result.blocking():
        return []
    deficiencies = [f for f in result.open_findings if f.severity is Severity.DEFICIENCY]
    if not any(f.code not in PAYMENT_HOLD_CODES for f in deficiencies):
        return []
    out: dict[str, dict[str, str]] = {}
    for f in deficiencies:
        text = request_sentence(f, result.app, settings)
        if text and text not in out:
            out[text] = {"code": f.code, "text": text}
    return list(out.values())


def letter_context(result: Standing, personal: Mapping[str, Any], settings: Settings, as_of: dt.date,
                   items: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A supplement request's context; ``items``: ``supplement_items`` when the caller has them already."""
    app = result.app
    # the letter goes to the association: its postal address, for the attention of its contact person
    address = [x for x in (personal.get("contact_person"),) if x]
    if app.address:
        address += [line.strip() for line in app.address.replace(",", "\n").splitlines() if line.strip()]
    elif personal.get("email"):
        address.append(personal["email"])
    sent, due = result.supplement or (as_of, supplement_due(settings, as_of))  # as first sent: never moved
    return {
        "letter_date": sent,
        "applicant": {"name": app.applicant, "business_id": app.business_id, "address": address},
        "application": {"id": app.id, "received": _received(app.received), "requested": app.requested,
                        "activity_name": app.activity_name,
                        "form": app.form.label if app.form else "Avustus"},
        "items": supplement_items(result, settings) if items is None else items,
        "due": due,
        "reply_to": settings.office.email,
    }


def _received(value: dt.datetime | None) -> dt.datetime | dt.date | None:
    """A time of 00:00 means the export gave a date only: print just the date."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        return value.date()
    return value


def safe_stem(app_id: str) -> str:
    return filenames.file_stem(app_id)  # one file per id by construction (K/1, K_1, K:1 differ)


@dataclass
class Written:
    paths: list[Path]
    manifest: Path
    pending: list[str] = field(default_factory=list)  # applications left out of the documents (käsittely kesken)


def write_documents(
    store: Store,
    settings: Settings,
    out_dir: Path,
    rows: Sequence[ProposalLine],
    budget: Budget,
    method: Method,
    as_of: dt.date,
    formats: Sequence[str] = ("html", "docx"),
    draft: bool = False,
    final_dir: Path | None = None,
) -> Written:
    """Render every document of the proposal into ``out_dir`` and the manifest; a ``draft`` board item,
    annex and director's decision carry the date they were prepared on (``as_of``). ``out_dir`` is the
    staging copy that replaces the proposal folder as a whole (``StagedCopy``): the supplement requests
    are written into it in place. ``final_dir``: where ``out_dir``'s files end up (the supplement
    requests are recorded there)."""
    from avustus_cli.adapters.render import write_document

    out_dir = Path(out_dir)
    # one supplement request per applicant, or nothing written
    asked = {r.app.id: items for r in rows if (items := supplement_items(r.standing, settings))}
    filenames.unique_stems("taydennyspyynto", list(asked))
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = previous_documents(out_dir)
    written: list[Path] = []
    history = standing_store.grant_history(store)
    written.append(write_esitys(out_dir / ESITYS_FILE, rows, budget, settings, history))
    left_out = pending_rows(rows, settings, as_of)  # what every document leaves out, worked out once
    board = board_context(rows, settings, budget, method, step_aside_rows(store, settings.meeting_date or as_of, [r.app for r in rows]),
                          last_year_summary(store, settings), as_of=as_of, draft=draft, pending=left_out)
    written += write_document(out_dir, "paatosesitys", "paatosesitys", board, settings, formats)
    annex = annex_context(rows, settings, as_of, pending=left_out)
    annex["draft"] = board["draft"]
    written += write_document(out_dir, "liite1", "liite1", annex, settings, formats)
    written.append(write_annex_xlsx(out_dir / "liite1.xlsx", annex, settings))
    written += write_document(out_dir, "avustusehdot", "avustusehdot", terms_context(settings), settings, formats)
    director = director_context(rows, settings, as_of, pending=left_out)
    if director is not None:
        director["prepared"] = as_of
    if director is not None:
        written += write_document(out_dir, "strategiajohtajan_paatos", "strategiajohtajan_paatos", director, settings, formats)
    contents: dict[Path, bytes] = {}  # the letters' bytes, and the SHA-256 of those the letters table records
    hashes: dict[Path, str] = {}
    written_letters = _supplement_requests(store, settings, out_dir / LETTERS_DIR, rows, as_of, formats, contents,
                                           (final_dir or out_dir) / LETTERS_DIR, asked, hashes)
    written += written_letters
    pending = [r.app.id for r in rows if r.app.id in left_out]
    manifest = write_manifest(store, settings, out_dir, written, budget, method, as_of, pending, contents, hashes)
    remove_stale(out_dir, written, previous)
    return Written(written, manifest, pending)


def _supplement_requests(
    store: Store,
    settings: Settings,
    letter_dir: Path,
    rows: Sequence[ProposalLine],
    as_of: dt.date,
    formats: Sequence[str],
    contents: dict[Path, bytes],
    final_dir: Path | None = None,
    asked: Mapping[str, list[dict[str, str]]] | None = None,
    hashes: dict[Path, str] | None = None,
) -> list[Path]:
    """The supplement requests in ``letter_dir``: the new ones written and recorded (date, deadline,
    what is asked; and each in the letters table, kept in ``final_dir``), the ones sent earlier kept as
    they are. Returns the letters' files. ``asked``: each row's ``supplement_items`` when known already."""
    # A supplement request once sent is a letter of record: a re-run does not write it again (its date and
    # deadline are stored; a letter lost from the folder is written again with them).
    sent_letters: list[Path] = []
    letters: list[tuple[ProposalLine, list[dict[str, str]]]] = []
    for r in rows:
        stem = f"taydennyspyynto_{safe_stem(r.app.id)}"
        existing = [letter_dir / f"{stem}.{f}" for f in formats]
        if r.standing.supplement is not None and all(holds_document(p) for p in existing):
            sent_letters += existing
        elif items := (asked.get(r.app.id, []) if asked is not None else supplement_items(r.standing, settings)):
            letters.append((r, items))
    if not letters:
        return sent_letters
    # only the contact person and e-mail are read here: the rest of each application is the standing's
    personal = store.contacts([r.app.id for r, _ in letters])
    contexts = [(safe_stem(r.app.id), letter_context(r.standing, {"contact_person": personal[r.app.id][0],
                                                                  "email": personal[r.app.id][1]}, settings, as_of, items))
                for r, items in letters]
    hashes = {} if hashes is None else hashes
    written_letters = write_letters(letter_dir, contexts, settings, formats, contents, hashes)
    _record_requests(store, settings, letter_dir, letters, personal, as_of, formats, final_dir, hashes, written_letters)
    return written_letters + sent_letters


def _record_requests(
    store: Store,
    settings: Settings,
    letter_dir: Path,
    letters: Sequence[tuple[ProposalLine, list[dict[str, str]]]],
    personal: Mapping[str, tuple[str | None, str | None]],
    as_of: dt.date,
    formats: Sequence[str],
    final_dir: Path | None,
    hashes: Mapping[Path, str],
    written: Sequence[Path] | None = None,
) -> None:
    """Each new supplement request in the letters table (kept in ``final_dir``; its hash from ``hashes``,
    the SHA-256 of the bytes :func:`write_letters` wrote, not read back), and the first request's date,
    deadline and what was asked. ``written``: the files :func:`write_letters` returned for ``letters``
    (each letter's ``formats`` in turn), not named again here."""
    from avustus_cli.adapters.store import letters as letter_store

    n = len(formats)
    if written is None or len(written) != n * len(letters):
        written = [letter_dir / f"taydennyspyynto_{safe_stem(r.app.id)}.{f}" for r, _ in letters for f in formats]
    # the file each letter is known by is in the same place among every letter's files (it goes by the format)
    shapes = [Path(f"x.{f}") for f in formats]
    main_at = shapes.index(letter_store.main_file(shapes))
    recorded = []
    for i, (r, _) in enumerate(letters):
        email = personal[r.app.id][1]
        files = list(written[i * n:(i + 1) * n])
        main = files[main_at]
        recorded.append(letter_store.NewLetter(
            kind="supplement", files=files, folder=final_dir or letter_dir, recipient=r.app.applicant,
            channel="email" if email else "letter",
            sent=r.standing.supplement[0] if r.standing.supplement is not None else as_of,
            application_id=r.app.id, email=email, digest=hashes[main],
        ))
    letter_store.record_letters(store, recorded)
    standing_store.record_supplement_requests(store, [
        (r.app.id, *(r.standing.supplement or (as_of, supplement_due(settings, as_of))), ", ".join(i["code"] for i in items))
        for r, items in letters if r.standing.supplement is None
    ])

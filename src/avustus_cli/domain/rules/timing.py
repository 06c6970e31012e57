"""H and R: the application window and the usage reports of earlier grants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from avustus_cli.domain import deadlines
from avustus_cli.domain.followup import grant_report_due
from avustus_cli.domain.models import Application, Grant, GrantForm, ReportStatus
from avustus_cli.domain.rules._examples import BLOCKING, DEFICIENCY, NOTE, REVIEW, ex
from avustus_cli.domain.rules._text import fdate, label, missing, money, raw
from avustus_cli.domain.rules.activity import is_operating
from avustus_cli.domain.rules.reasons import quoted
from avustus_cli.domain.rules.registry import RuleContext, rule

_WINDOW = (
    "Toiminta-avustukset ovat haettavissa vuosittain 1.–31.12. hyvaks.fi-sivustolla julkaistavan "
    "ohjeistuksen mukaisesti."
)
_REPORT = (
    "Avustuksen käytöstä ja kohdentumisesta on raportoitava hyvinvointialueelle ennen seuraavan "
    "toiminta-avustuksen maksatusta tai viimeistään kuusi kuukautta avustuksen kohteena olleen vuoden "
    "päättymisen jälkeen."
)


# H01 finds something only in an operating grant's application received outside the window (or on no known day)
_OUTSIDE_WINDOW = (
    "(form is null or form = 'operating') and (received is null or substr(received, 1, 10) < :window_start "
    "or substr(received, 1, 10) > :window_last_day)"
)


def _window_case(app: Application, ctx: RuleContext) -> str:
    if app.received is None:
        return "missing"
    got = app.received.date() if isinstance(app.received, dt.datetime) else app.received
    return "early" if got < ctx.settings.window_start else "late"


def _window_facts(app: Application, ctx: RuleContext) -> dict[str, str]:
    s = ctx.settings
    last = deadlines.window_last_day(s)
    moved = (
        f" ({fdate(s.window_end)} oli {deadlines.holiday_name(s.window_end)}, ja määräaika siirtyi seuraavaan "
        "arkipäivään)" if last != s.window_end else ""
    )
    text = raw(app, "received")
    return {"window_closed": fdate(last) + moved, "received_text": f" (viennissä {quoted(text)})" if text else ""}


def _moved(nominal: dt.date, effective: dt.date) -> str:
    if nominal == effective:
        return fdate(effective)
    why = deadlines.holiday_name(nominal)
    return f"{fdate(effective)} ({fdate(nominal)} oli {why}, määräaika siirtyi seuraavaan arkipäivään)"


@rule(
    "H01",
    "timing.window",
    title="Toiminta-avustushakemus saapui hakuaikana",
    refusal={
        "late": (
            "Hakemus saapui {received}. Avustusohjeen mukaan toiminta-avustukset ovat haettavissa vuosittain "
            "1.–31.12., ja vuoden {year} toiminta-avustusten hakuaika päättyi {window_closed}, joten avustusta "
            "ei voida myöntää."
        ),
        "early": (
            "Hakemus saapui {received}, ennen kuin hakuaika alkoi {window_start}. Avustusohjeen mukaan "
            "toiminta-avustukset ovat haettavissa vuosittain 1.–31.12., joten avustusta ei voida myöntää."
        ),
    },
    review={
        "missing": (
            "Hakemuksen saapumispäivä ei ole tiedossa{received_text}. Tarkista saapumispäivä sähköisestä "
            "asiointipalvelusta."
        ),
    },
    cases=lambda f, app, ctx: _window_case(app, ctx),
    facts=lambda f, app, ctx: _window_facts(app, ctx),
    reads=("form", "received", "raw"),
    where=_OUTSIDE_WINDOW,
    source=_WINDOW,
    severity=BLOCKING,
    description=(
        "Toiminta-avustuksen hakemuksen saapumispäivä (Saapunut) on asetusten hakuajan sisällä. Jos hakuajan "
        "viimeinen päivä on lauantai, sunnuntai tai pyhä- tai aattopäivä, hakuaika päättyy seuraavana "
        "arkipäivänä (laki säädettyjen määräaikain laskemisesta 5 §). Myöhässä tai ennen hakuajan alkua "
        "saapunut on hylkäävä; puuttuva saapumispäivä arvioitava. Kumppanuussopimuksista ja "
        "hankeavustuksista neuvotellaan, eikä niitä tarkisteta."
    ),
    examples=(
        ex("Saapui 15.12.2026", ()),
        ex("Saapui viimeisenä päivänä illalla", (), received=dt.datetime(2026, 12, 31, 23, 59)),
        ex("Saapui 4.1.2027", (BLOCKING,), received=dt.datetime(2027, 1, 4, 9, 0)),
        ex("Saapui ennen hakuajan alkua", (BLOCKING,), received=dt.datetime(2026, 11, 30, 12, 0)),
        ex("Saapumispäivä puuttuu", (REVIEW,), received=None),
        ex("Hankeavustus: ei hakuaikaa", (), form=GrantForm.PROJECT, received=dt.datetime(2027, 3, 1)),
    ),
)
def window(app: Application, ctx: RuleContext):
    if not is_operating(app):
        return
    if app.received is None:
        yield REVIEW, "received", missing(app, "received")
        return
    got = app.received.date() if isinstance(app.received, dt.datetime) else app.received
    s = ctx.settings
    last = deadlines.window_last_day(s)
    if got > last:
        yield (
            BLOCKING,
            "received",
            f"{label('received')}: {fdate(got)}, hakuaika päättyi {_moved(s.window_end, last)}",
        )
    elif got < s.window_start:
        yield (
            BLOCKING,
            "received",
            f"{label('received')}: {fdate(got)}, hakuaika alkoi vasta {fdate(s.window_start)}",
        )


def report_in(grant: Grant) -> bool:
    """The grant's usage report has arrived and is not waiting for a supplement."""
    if grant.report_status is ReportStatus.INCOMPLETE:
        return False
    return grant.report_received is not None or grant.report_status in (
        ReportStatus.APPROVED,
        ReportStatus.PROCESSING,
    )


def _grant_text(g: Grant) -> str:
    parts = [f"avustusvuosi {g.year}" if g.year else "avustusvuosi tuntematon", money(g.amount)]
    if g.decision_date:
        parts.append(f"päätös {fdate(g.decision_date)}" + (f" § {g.section.replace('§', '').strip()}" if g.section else ""))
    return ", ".join(parts)


_HELD = "maksatus pidätetään, kunnes käyttöselvitys on toimitettu"


def _report_due(g: Grant, year: int, ctx: RuleContext) -> tuple[dt.date, dt.date]:
    """(nominal, effective) due date of ``g``'s usage report: six months after the grant year, or the
    grantee's next payment if that came first ("ennen seuraavan toiminta-avustuksen maksatusta")."""
    months = ctx.settings.report_months
    paid = {h.id: h.paid_date for h in ctx.history if h.paid_date is not None}
    due = grant_report_due(g, ctx.history, paid, months) or deadlines.deadline(deadlines.report_due_nominal(year, months))
    nominal = deadlines.report_due_nominal(year, months)
    if due < deadlines.deadline(nominal):
        nominal = due  # the next payment came first: no moving to mention
    return nominal, due


def _grant_facts(finding, app: Application, ctx: RuleContext) -> dict[str, str]:
    """The earlier grant an R01 finding names (its message carries the grant's text)."""
    g = next((g for g in ctx.history if g.year is not None and _grant_text(g) in finding.message), None)
    if g is None or g.year is None:
        return {"grant": "aiemmin myönnetyn avustuksen", "report_due": "", "due_part": "", "state": "puuttuu"}
    decision = f", päätös {fdate(g.decision_date)}" if g.decision_date else ""
    section = f" § {g.section.replace('§', '').strip()}" if g.decision_date and g.section else ""
    _, due = _report_due(g, g.year, ctx)
    return {
        "grant": f"vuoden {g.year} avustuksen ({money(g.amount)}{decision}{section})",
        "report_due": fdate(due),
        "due_part": f", vaikka sen määräaika päättyi {fdate(due)}",
        "state": "on täydennettävä" if g.report_status is ReportStatus.INCOMPLETE else "puuttuu",
    }


@rule(
    "R01",
    "timing.earlier_reports",
    title="Aiempien avustusten käyttöselvitykset on toimitettu",
    request="Toimittakaa {grant} käyttöselvitys.",
    hold={
        "overdue": (
            "Hakijan {grant} käyttöselvitys {state}{due_part}. Avustusohjeen mukaan avustuksen käytöstä on "
            "raportoitava ennen seuraavan toiminta-avustuksen maksatusta, joten avustus maksetaan vasta, kun "
            "käyttöselvitys on toimitettu."
        ),
    },
    cases=lambda f, app, ctx: "overdue" if f.severity is DEFICIENCY else "due",
    facts=_grant_facts,
    reads=(),
    needs="history",
    reads_grants=("year", "amount", "decision_date", "section", "paid_date", "report_received", "report_status"),
    source=_REPORT,
    severity=DEFICIENCY,
    description=(
        "Hakijan aiemmista avustuksista (tunnistetaan Y-tunnuksella) tarkistetaan käyttöselvitykset. "
        "Määräaika on kuusi kuukautta avustusvuoden päättymisestä (asetus report_months; avustusvuosi 2026 → "
        "30.6.2027, siirtyy arkipäivään). Määräajan ylittänyt puuttuva tai täydennettävä selvitys on puute: "
        "avustus voidaan esittää, mutta maksatus pidätetään. Selvitys, jonka määräaika ei ole vielä "
        "mennyt, on tiedoksi: se on toimitettava ennen seuraavaa maksatusta."
    ),
    examples=(
        ex("Ei aiempia avustuksia", ()),
        ex("Aiemman avustuksen selvitys saapunut", (), history=(
            Grant("G-2025", None, "Keski-Suomen Omaishoitajat ry", "2077474-0", GrantForm.OPERATING, 2025,
                  Decimal("20000"), report_received=dt.date(2026, 5, 2), report_status=ReportStatus.APPROVED),)),
        ex("Vuoden 2025 selvitys puuttuu, määräaika 30.6.2026 mennyt", (DEFICIENCY,), history=(
            Grant("G-2025", None, "Keski-Suomen Omaishoitajat ry", "2077474-0", GrantForm.OPERATING, 2025,
                  Decimal("20000")),)),
        ex("Vuoden 2026 selvitys ei vielä erääntynyt", (NOTE,), as_of=dt.date(2027, 1, 10), history=(
            Grant("G-2026", None, "Keski-Suomen Omaishoitajat ry", "2077474-0", GrantForm.OPERATING, 2026,
                  Decimal("22000")),)),
        ex("Selvitys täydennettävänä, määräaika mennyt", (DEFICIENCY,), history=(
            Grant("G-2025", None, "Keski-Suomen Omaishoitajat ry", "2077474-0", GrantForm.OPERATING, 2025,
                  Decimal("20000"), report_received=dt.date(2026, 6, 1), report_status=ReportStatus.INCOMPLETE),)),
    ),
)
def earlier_reports(app: Application, ctx: RuleContext):
    for g in ctx.history:
        if (g.application_id is not None and g.application_id == app.id) or g.amount <= 0 or report_in(g):
            continue
        what = "on täydennettävä" if g.report_status is ReportStatus.INCOMPLETE else "puuttuu"
        head = f"Käyttöselvitys ({_grant_text(g)}) {what}"
        if g.year is None:
            yield NOTE, None, f"{head}: toimitettava ennen seuraavaa maksatusta"
            continue
        # the same due date the reminders and payments use
        nominal, due = _report_due(g, g.year, ctx)
        if ctx.as_of > due:
            yield DEFICIENCY, None, f"{head}, määräaika oli {_moved(nominal, due)}: {_HELD}"
        else:
            yield NOTE, None, f"{head}: määräaika {_moved(nominal, due)}, toimitettava ennen seuraavaa maksatusta"

"""The standing of an application after its check: what may be funded."""

from __future__ import annotations

from avustus_cli.domain.models import Application, Finding, Severity, verdict_for
from avustus_cli.domain.standing import Standing


def result(*findings: Finding) -> Standing:
    return Standing(Application(id="A"), verdict_for(list(findings)), tuple(findings))


def test_payment_holds_and_notes_do_not_stop_funding():
    assert result(Finding("R01", Severity.DEFICIENCY, "käyttöselvitys puuttuu")).fundable
    assert result(Finding("P02", Severity.DEFICIENCY, "rahoituspäätös haettu")).fundable
    assert result(Finding("S04", Severity.NOTE, "päättäjä")).fundable


def test_conflict_of_interest_changes_who_decides_not_the_grant():
    r = result(Finding("J01", Severity.REVIEW, "N.N. on hakijan hallituksen jäsen"))
    assert r.verdict.value == "review"  # the officer sees it ...
    assert r.fundable  # ... but the applicant keeps its chance of a grant


def test_open_review_deficiency_or_blocking_stop_funding():
    assert not result(Finding("K04", Severity.REVIEW, "Tampere")).fundable
    assert not result(Finding("K03", Severity.DEFICIENCY, "yhteistyö puuttuu")).fundable
    assert not result(Finding("E01", Severity.BLOCKING, "osakeyhtiö")).fundable
    assert result(Finding("K04", Severity.REVIEW, "Tampere", accepted_reason="vähäinen osuus")).fundable
    assert not result(Finding("R01", Severity.DEFICIENCY, "x"), Finding("K03", Severity.DEFICIENCY, "y")).fundable


def test_unchecked_application_is_not_fundable():
    r = Standing(Application(id="A"), verdict_for([]), (), checked=False)
    assert not r.fundable

"""Usage-report follow-up: due dates, the reminder ladder, payment holds (pure) and avustus overdue."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from avustus_cli.adapters.store import Store
from avustus_cli.domain import followup as fu
from avustus_cli.domain.models import Application, FundingDecision, Grant, GrantForm, ReportStatus

from .conftest import dump
from .test_decide import add_history_grant

D = Decimal
BID = "1234560-4"


def grant(gid: str, year: int, amount: str = "10000", bid: str = BID, **kw) -> Grant:
    return Grant(gid, None, "Testiyhdistys ry", bid, GrantForm.OPERATING, year, D(amount), **kw)


# --- pure ---------------------------------------------------------------------


def test_report_due_on_saturday_is_not_late_on_monday():
    g = grant("G-2028", 2028)
    # 2028 + 6 months: Sat 30.6.2029 -> Mon 2.7.2029
    due = fu.grant_report_due(g, [g], {}, 6)
    assert due == dt.date(2029, 7, 2)
    assert fu.days_late(due, dt.date(2029, 7, 2)) == 0
    assert fu.overdue_grants([g], {}, dt.date(2029, 7, 2)) == []
    (o,) = fu.overdue_grants([g], {}, dt.date(2029, 7, 3))
    assert (o.due, o.days_late, o.level) == (dt.date(2029, 7, 2), 1, 1)


def test_next_payment_of_the_grantee_brings_the_due_date_forward():
    old = grant("G-2026", 2026)
    new = grant("G-2027", 2027)
    other = grant("X-2027", 2027, bid="1234561-2")
    first = {"G-2027": dt.date(2027, 3, 1), "X-2027": dt.date(2027, 2, 1)}
    assert fu.grant_report_due(old, [old, new, other], first) == dt.date(2027, 3, 1)  # not the other grantee's 1.2.
    assert fu.grant_report_due(old, [old, other], first) == dt.date(2027, 6, 30)
    assert fu.grant_report_due(grant("G-x", None), [], {}) is None  # type: ignore[arg-type]


def test_ladder_levels():
    assert [fu.ladder_level(n, 30, 60) for n in (0, 1, 29, 30, 59, 60, 400)] == [0, 1, 1, 2, 2, 3, 3]


def test_overdue_held_when_a_later_grant_waits():
    old = grant("G-2026", 2026)
    new = grant("G-2027", 2027)
    (o,) = fu.overdue_grants([old, new], {}, dt.date(2027, 7, 15))
    assert o.grant.id == "G-2026" and o.held and o.level == 1
    (o,) = fu.overdue_grants([old], {}, dt.date(2027, 7, 15))
    assert not o.held
    (o,) = fu.overdue_grants([old], {}, dt.date(2027, 9, 1))
    assert o.level == 3 and o.held  # hold and recovery consideration
    # a report in (approved or being processed) is not overdue; one waiting for a supplement is
    assert fu.overdue_grants([grant("a", 2026, report_received=dt.date(2027, 8, 1))], {}, dt.date(2027, 9, 1)) == []
    assert fu.overdue_grants(
        [grant("a", 2026, report_received=dt.date(2027, 8, 1), report_status=ReportStatus.INCOMPLETE)], {},
        dt.date(2027, 9, 1),
    )
    assert fu.overdue_grants([grant("r", 2026, "0")], {}, dt.date(2027, 9, 1)) == []  # a refusal has no report


def test_hold_reasons():
    old = grant("G-2026", 2026)
    new = grant("G-2027", 2027)
    last = dt.date(2027, 2, 17)
    codes = lambda **kw: [h.code for h in fu.hold_reasons(new, [old, new], {}, kw.pop("as_of"), last, **kw)]  # noqa: E731
    assert codes(as_of=dt.date(2027, 2, 17)) == ["review", "report"]
    assert codes(as_of=dt.date(2027, 2, 18)) == ["report"]
    reported = grant("G-2026", 2026, report_received=dt.date(2027, 2, 1), report_status=ReportStatus.APPROVED)
    assert fu.hold_reasons(new, [reported, new], {}, dt.date(2027, 2, 18), last) == []
    project = Application("P-1", form=GrantForm.PROJECT, funding_decision=FundingDecision.PENDING)
    assert [h.code for h in fu.hold_reasons(new, [new], {}, dt.date(2027, 3, 1), last, project)] == ["funding"]
    assert fu.hold_reasons(new, [new], {}, dt.date(2027, 3, 1), last, project, funding_accepted=True) == []
    # the grant's own report 60 days late: recovery considered
    assert [h.code for h in fu.hold_reasons(new, [new], {}, dt.date(2028, 9, 1), last)] == ["recovery"]


def test_reference_number():
    assert fu.reference_number("X-23") == "1232"  # 123 + check digit 2 (weights 7, 3, 1)
    assert fu.reference_number("123456") == "112 34564"
    assert fu.reference_number("H-0002") == "1 00023"
    assert fu.reference_number("abc") == ""


def _valid_reference(ref: str) -> bool:
    digits = ref.replace(" ", "")
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (7, 3, 1)[i % 3] for i, d in enumerate(reversed(body)))
    return 4 <= len(digits) <= 20 and digits.isascii() and digits.isdigit() and (10 - total % 10) % 10 == check


def test_reference_number_takes_ascii_digits_only():
    # "²".isdigit() is true but int("²") fails; "٣" (Arabic-Indic three) would slip in as a 3
    assert fu.reference_number("H-²1") == fu.reference_number("H-1")
    assert fu.reference_number("H-٣٣") == ""
    assert fu.reference_number("AV-2027-١٢") == fu.reference_number("AV-2027")


def test_long_ids_get_distinct_stable_references():
    a, b = "AV-2027-" + "0" * 17 + "12", "AV-2028-" + "0" * 17 + "12"  # the same last 19 digits
    ra, rb = fu.reference_number(a), fu.reference_number(b)
    assert ra != rb and _valid_reference(ra) and _valid_reference(rb)
    assert len(ra.replace(" ", "")) == 20 and ra.replace(" ", "").startswith("1")
    assert ra == "11254 23823 02568 50012"  # SHA-256 based: the same on every run and machine
    assert fu.reference_number("1" * 18) == fu.reference_number("X" + "1" * 18)  # 19 digits fit: not hashed
    assert fu.reference_number("1" * 18).replace(" ", "")[:-1] == "1" * 19


def test_unique_references():
    refs = fu.unique_references(["H-0002", "G-0002", "abc", "H-0003", "G-0002"])
    assert len(refs) == 4 and len(set(refs.values())) == 4
    assert refs["G-0002"] == fu.reference_number("G-0002")  # the first in id order keeps the plain one
    assert refs["H-0003"] == fu.reference_number("H-0003")
    assert all(_valid_reference(r) for r in refs.values())
    assert fu.unique_references(["G-0002", "abc", "H-0002", "H-0003"]) == refs  # depends only on the set


# --- avustus overdue ---------------------------------------------------------------


@pytest.fixture
def history(cli):
    Store.open(cli.db).close()
    add_history_grant(cli.db, "G-2025-A", BID, 2025, "20000", paid="2025-02-10")  # report missing, due 30.6.2026
    add_history_grant(cli.db, "G-2025-B", "1234561-2", 2025, "5000", report="2026-05-02")
    return cli


def test_overdue_json_and_exit_code(history):
    r = history("overdue", "--as-of", "2026-06-30", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    r = history("overdue", "--as-of", "2026-07-01", "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout) == [
        {"grant": "G-2025-A", "application": None, "applicant": "Aiempi saaja ry", "due": "2026-06-30",
         "days_late": 1, "amount": "20000.00", "year": 2025, "held": False, "level": 1, "reminders_sent": []}
    ]


def test_reminders_are_sent_once_per_level(history, workdir):
    out = workdir / "muistutukset"
    r = history("overdue", "--as-of", "2026-07-01", "--letters", out)
    assert r.exit_code == 1
    assert (out / "muistutus1_G-2025-A.docx").exists() and (out / "muistutus1_G-2025-A.html").exists()
    assert "G-2025-A" in (out / "postitus_muistutukset_2026-07-01.csv").read_text(encoding="utf-8-sig")
    before = dump(history.db)
    assert history("overdue", "--as-of", "2026-07-10", "--letters", out).exit_code == 1
    assert dump(history.db) == before  # level 1 already sent
    # 30 days late: the second reminder (payment held)
    r = history("overdue", "--as-of", "2026-07-30", "--letters", out, "--json")
    (item,) = json.loads(r.stdout)
    assert item["level"] == 2
    assert item["reminders_sent"] == [{"level": 1, "sent": "2026-07-01"}, {"level": 2, "sent": "2026-07-30"}]
    html = (out / "muistutus2_G-2025-A.html").read_text(encoding="utf-8")
    assert "Toinen muistutus" in html and "30.6.2026" in html and "pidätetty" in html
    # level 3 (60 days): no third letter, flagged for recovery
    r = history("overdue", "--as-of", "2026-08-29", "--letters", out, "--json")
    (item,) = json.loads(r.stdout)
    assert item["level"] == 3 and item["held"] is True and len(item["reminders_sent"]) == 2


def test_recorded_report_clears_overdue(history, workdir):
    assert history("report", "G-2025-A", "--received", "2026-07-05", "--status", "hyväksytty").exit_code == 0
    r = history("overdue", "--as-of", "2026-08-01")
    assert r.exit_code == 0 and "Ei myöhässä" in r.stdout
    assert history("report", "G-2025-A", "--received", "2026-07-05", "--status", "outo").exit_code == 2
    assert history("report", "NOPE", "--received", "2026-07-05").exit_code == 2


def test_overdue_xlsx(history, workdir):
    path = workdir / "myohassa.xlsx"
    assert history("overdue", "--as-of", "2026-07-01", "--xlsx", path).exit_code == 1
    from openpyxl import load_workbook

    from avustus_cli.adapters.excel import MONEY2_FORMAT

    ws = load_workbook(path)["Myöhässä"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "G-2025-A" and rows[1][6] == 1
    assert ws.cell(row=2, column=5).number_format == MONEY2_FORMAT  # "Myönnetty €" to the cent


def test_reminders_leave_the_decisions_mailing_list_alone(history, workdir):
    """--letters may be the decision letters' folder: its postitus.csv is not overwritten."""
    out = workdir / "paatokset"
    out.mkdir()
    (out / "postitus.csv").write_text("Hakemusnumero;Hakija\r\nH-0001;Päätöksen saaja ry\r\n", encoding="utf-8-sig")
    before = (out / "postitus.csv").read_bytes()
    assert history("overdue", "--as-of", "2026-07-01", "--letters", out).exit_code == 1
    assert (out / "postitus.csv").read_bytes() == before
    lines = (out / "postitus_muistutukset_2026-07-01.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("G-2025-A;")


def test_reminders_are_written_in_place_without_listing_their_staging_folder_for_each(history, workdir, monkeypatch):
    """Reminders are written straight into their run's new staging folder: the folder is listed for a
    killed run's leftovers once (for the mailing list), not once per letter file."""
    import collections

    from avustus_cli.adapters import files

    for n in range(2, 7):  # six overdue grants in all: twelve letter files
        add_history_grant(history.db, f"G-2025-{n}", BID, 2025, "1000", paid="2025-02-10")
    swept: collections.Counter[str] = collections.Counter()
    real = files.sweep_leftovers

    def counting(folder, *args, **kwargs):
        swept[Path(folder).name] += 1
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(files, "sweep_leftovers", counting)
    out = workdir / "muistutukset"
    r = history("overdue", "--as-of", "2026-07-01", "--letters", out)
    assert r.exit_code == 1, r.output
    assert len(list(out.glob("muistutus1_*.docx"))) == 6 and len(list(out.glob("muistutus1_*.html"))) == 6
    assert [n for f, n in swept.items() if f.endswith(".staging")] == [1], swept
    assert not list(workdir.glob(".muistutukset.*"))

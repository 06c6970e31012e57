"""Benchmark: `avustus check` over N applications (default 100 000).

    .venv/bin/python bench/bench_check.py [--rows 100000]

Builds a database of N varied applications (with earlier grants for a third
of the applicants) straight through the store, fills the typed table of rule
inputs as an import does (timed apart), then runs the check in fresh
subprocesses and reports the wall time and peak memory (max RSS) of each:

- the first check: every rule for every application (``reuse=False``), the
  findings and verdicts stored, as ``avustus check`` makes it (``check_round``: the counts of every
  result and the 200 results of each verdict its tables show);
- the check again with nothing changed (what an officer's re-run costs), as ``avustus check`` makes it
  (``check_round``: the counts of every result and the 200 results of each verdict its tables show).

"check's work" is the service call itself (``check_round`` or ``run_check``); "process" adds the
interpreter's start-up and the imports. The last row is the first check again with every result made
(``run_check``), as ``check --json``, ``--xlsx`` and the filters need them. Targets (issue 14), 100 000
applications: first check at most 2 s of the check's work, the unchanged re-check well under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def build(db: Path, rows: int) -> None:
    from avustus_cli.adapters.store import Store, cents, content_hash
    from avustus_cli.domain import codec
    from avustus_cli.domain.config import MUNICIPALITIES, TARGETS
    from avustus_cli.domain.ids import business_id
    from avustus_cli.domain.models import Application, GrantForm, LegalForm, Party, Scope

    rnd = random.Random(7)

    def bid(n: int) -> str:
        base = f"{n % 9999999:07d}"
        for check in "0123456789":
            v = business_id(f"{base}-{check}")
            if v:
                return v
        return bid(n + 1)

    ids = [bid(1000000 + i * 7) for i in range(max(1, rows // 3))]
    db.unlink(missing_ok=True)
    store = Store.open(db)
    with store.transaction():
        imp = store.record_import({"kind": "applications", "file": "bench", "sha256": "-", "sheet": "-", "header_row": 1,
                                   "rows_total": rows, "new": rows, "changed": 0, "unchanged": 0, "skipped": 0, "warnings": 0})
        for i in range(rows):
            form = rnd.choices([GrantForm.OPERATING, GrantForm.PARTNERSHIP, GrantForm.PROJECT], [8, 1, 1])[0]
            b = ids[i % len(ids)]
            app = Application(
                id=f"B-{i:06d}",
                received=dt.datetime(2026, 12, 1) + dt.timedelta(hours=rnd.randint(0, 800)),
                form=form,
                year=2027,
                applicant=f"Yhdistys {i} ry",
                business_id=b,
                legal_form=rnd.choice([LegalForm.ASSOCIATION, LegalForm.ASSOCIATION, LegalForm.FOUNDATION, LegalForm.COMPANY]),
                non_profit=rnd.choice([True, True, True, None, False]),
                home_municipality=rnd.choice(MUNICIPALITIES),
                activity_name="Vertaistukiryhmät ja " + rnd.choice(["ruoka-apu", "retket", "kerhot", "yleinen nuorisotyö"]),
                category=rnd.choice([None, *range(1, 11)]),
                description="Kuvaus " * rnd.randint(5, 60),
                cost_types=tuple(rnd.sample(["toiminta", "kehittämistyö", "tila- ja tapahtumakustannukset"], 2)),
                scope=rnd.choice([Scope.LOCAL, Scope.REGIONAL, Scope.COUNTY, None]),
                municipalities=tuple(rnd.sample(MUNICIPALITIES, 2)) + (("Tampere",) if i % 17 == 0 else ()),
                county_field=rnd.choice([True, True, False, None]),
                targets=(rnd.choice(TARGETS),) if i % 9 else (),
                cooperation="Aikuissosiaalityö" if i % 11 else "",
                requested=Decimal(rnd.randint(1, 200) * 500),
                other_funding=Decimal(rnd.randint(0, 50) * 1000),
                other_funders="STEA" if i % 3 else "",
                economic_activity=rnd.choice([True, False, None]),
                accounts_segregated=rnd.choice([True, False, None]),
                audit_consent=rnd.choice([True, True, False]),
                joint=i % 13 == 0,
                lead_applicant=Party("Pää ry", b) if i % 26 == 0 else None,
                co_applicants=(Party("Kumppani Oy", None),) if i % 13 == 0 else (),
                agreement_start=dt.date(2027, 1, 1) if form is GrantForm.PARTNERSHIP else None,
                agreement_end=dt.date(2027 + rnd.randint(1, 5), 12, 31) if form is GrantForm.PARTNERSHIP else None,
                external_funder=rnd.choice(["STEA", "ESR+", ""]) if form is GrantForm.PROJECT else "",
                attachments=tuple(rnd.sample(["toimintasuunnitelma", "talousarvio", "tilinpäätös"], 2)),
                contact_person="Testi Henkilö",
                email="testi@example.fi",
            )
            # stored as the importer stores it: only the fields a row holds
            full = codec.encode_present(Application, {f: getattr(app, f) for f in Application.__dataclass_fields__})
            encoded = store.encode_application(full)
            store.upsert_application(app, {"Hakemusnumero": app.id}, [], ("bench", "-", i + 2), imp,
                                     content_hash(full), encoded=encoded)
        for n, b in enumerate(ids):
            for year in (2025, 2026):
                store.upsert_grant({"id": f"G-{b}-{year}", "application_id": None, "applicant": f"Yhdistys {n}", "business_id": b,
                                    "form": "operating", "year": year, "amount_cents": cents(Decimal(5000)), "source": "history"})
                if year == 2025 and n % 5:
                    store.set_report(f"G-{b}-{year}", dt.date(2026, 5, 1), "approved")
    store.close()


def fill_rule_inputs(db: Path) -> float | None:
    """Fill the typed table of rule inputs as an import leaves it (seconds; None for a checkout without one)."""
    try:
        from avustus_cli.adapters.store import Store, rule_inputs
    except ImportError:
        return None
    t = time.perf_counter()
    store = Store.open(db)
    rule_inputs.refresh(store)
    store.close()
    return time.perf_counter() - t


CHILD = """
import datetime as dt, json, resource, sys, time
from pathlib import Path

from avustus_cli.services import checking
from avustus_cli.domain.config import default_settings
from avustus_cli.adapters.store import Store
store = Store.open(Path(sys.argv[1]))
t_open = time.perf_counter()
if sys.argv[2] == "every" or (sys.argv[2] == "full" and not hasattr(checking, "check_round")):
    # every rule for every application, every result made (as --json, --xlsx and the filters need them)
    results = checking.run_check(store, default_settings(2027), dt.date(2027, 1, 10), slim=True, reuse=False)
    t1 = time.perf_counter()
    applications, findings = len(results), sum(len(r.findings) for r in results)
elif hasattr(checking, "check_round"):  # as `avustus check` does: its tables show 200 results of each verdict
    checked = checking.check_round(store, default_settings(2027), dt.date(2027, 1, 10), 200,
                                   reuse=sys.argv[2] != "full")  # full: every rule for every application
    t1 = time.perf_counter()
    applications = checked.summary.total[0]
    findings = store.conn.execute("select sum(json_array_length(findings)) from verdicts").fetchone()[0]
else:  # an older checkout
    results = checking.run_check(store, default_settings(2027), dt.date(2027, 1, 10), slim=True)
    t1 = time.perf_counter()
    applications, findings = len(results), sum(len(r.findings) for r in results)
print(json.dumps({"seconds": t1 - t_open, "applications": applications, "findings": findings,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--rebuild", action="store_true", help="build the database again even if it exists")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    db = OUT / f"check-{args.rows}.db"
    if args.rebuild or not db.exists():
        t = time.perf_counter()
        build(db, args.rows)
        print(f"built {args.rows} applications in {time.perf_counter() - t:.1f} s")
        filled = fill_rule_inputs(db)
        if filled is not None:
            print(f"rule inputs filled (as an import does) in {filled:.2f} s")
    for label, mode in (("first check, every rule", "full"), ("check again, nothing changed", "again"),
                        ("first check, every result made (--json, --xlsx)", "every")):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(db), mode], check=True, capture_output=True, text=True)
        whole = time.perf_counter() - t
        res = json.loads(done.stdout)
        print(f"{label}: {res['applications']} applications, {res['findings']} findings; check's work "
              f"{res['seconds']:.2f} s, process {whole:.2f} s; peak RSS {res['peak_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The database: the only package that touches SQLite (through sqlite-utils).

One file, created readable by its owner only. Every command that writes does
so inside one ``transaction()`` (BEGIN IMMEDIATE): a refused input, Ctrl-C or
a killed process leaves the file exactly as it was; a second writer waits up
to the lock timeout and then stops with a Finnish message.

Money is stored as integer cents. Schema changes are numbered migrations
recorded in ``PRAGMA user_version``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import repeat
from operator import methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # sqlite-utils loads on the first use of Store.db
    import sqlite_utils

from avustus_cli.adapters.store import holder
from avustus_cli.domain import codec
from avustus_cli.domain.errors import DatabaseError, NotFoundError
from avustus_cli.domain.models import Application, Finding, Grant, GrantForm, ReportStatus, Severity, finding_of, grant_of

DB_FILE = "avustus.db"

MIGRATIONS: list[str] = [
    # 1: the first released schema
    """
    CREATE TABLE organisations (
        business_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        legal_form TEXT,
        home_municipality TEXT,
        register_number TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        kind TEXT NOT NULL,              -- applications | history
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        sheet TEXT,
        header_row INTEGER,
        rows_total INTEGER NOT NULL,
        new INTEGER NOT NULL,
        changed INTEGER NOT NULL,
        unchanged INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        kept_decided INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL,
        unknown_columns TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE applications (
        id TEXT PRIMARY KEY,
        year INTEGER,
        form TEXT,
        applicant TEXT NOT NULL,
        business_id TEXT,
        category INTEGER,
        requested_cents INTEGER,
        received TEXT,
        data TEXT NOT NULL,              -- the parsed application (codec JSON), without personal data
        personal TEXT NOT NULL DEFAULT '{}',  -- contact person, e-mail, phone, IBAN
        raw_row TEXT NOT NULL,           -- the exported row whole: header -> cell text
        personal_headers TEXT NOT NULL DEFAULT '[]',
        content_hash TEXT NOT NULL,
        source_file TEXT,
        source_sheet TEXT,
        source_row INTEGER,
        first_import INTEGER REFERENCES imports(id),
        last_import INTEGER REFERENCES imports(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX applications_business_id ON applications(business_id);
    CREATE TABLE import_warnings (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        application_id TEXT,
        sheet TEXT,
        row INTEGER,
        column_name TEXT,
        field TEXT,
        message TEXT NOT NULL
    );
    CREATE INDEX import_warnings_application ON import_warnings(application_id);
    CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        as_of TEXT NOT NULL,
        user TEXT NOT NULL,
        rules_version TEXT NOT NULL,
        applications INTEGER NOT NULL
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES checks(id),
        application_id TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        field TEXT
    );
    CREATE INDEX findings_application ON findings(application_id);
    CREATE TABLE verdicts (
        application_id TEXT PRIMARY KEY,
        verdict TEXT NOT NULL,
        check_id INTEGER NOT NULL REFERENCES checks(id),
        as_of TEXT NOT NULL,
        content_hash TEXT NOT NULL
    );
    CREATE TABLE acceptances (
        id INTEGER PRIMARY KEY,
        application_id TEXT NOT NULL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        content_hash TEXT NOT NULL,      -- the application's data when accepted
        user TEXT NOT NULL,
        at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE scores (
        application_id TEXT PRIMARY KEY,
        score TEXT,
        criteria TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE proposals (
        application_id TEXT PRIMARY KEY,
        amount_cents INTEGER NOT NULL,
        reason_code TEXT NOT NULL,
        reason TEXT NOT NULL,
        conditions TEXT NOT NULL DEFAULT '',
        method TEXT NOT NULL,
        source TEXT NOT NULL,            -- allocation | sheet
        updated_at TEXT NOT NULL
    );
    CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        application_id TEXT,
        applicant TEXT NOT NULL,
        business_id TEXT,
        form TEXT,
        year INTEGER,
        amount_cents INTEGER NOT NULL,
        requested_cents INTEGER,
        decision_date TEXT,
        section TEXT,
        decision_maker TEXT,
        conditions TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,            -- history | decision
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX grants_business_id ON grants(business_id);
    CREATE TABLE payments (
        id INTEGER PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES grants(id),
        amount_cents INTEGER NOT NULL,
        paid_date TEXT NOT NULL,
        reference TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE reports (
        grant_id TEXT PRIMARY KEY REFERENCES grants(id),
        received TEXT NOT NULL,
        status TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES grants(id),
        level INTEGER NOT NULL,
        sent_date TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE history_state (
        grant_id TEXT PRIMARY KEY,       -- what the last history import said of a grant
        state TEXT NOT NULL
    );
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        command TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: the register of decision makers' positions in organisations (conflicts of interest, J01)
    """
    CREATE TABLE positions (
        id INTEGER PRIMARY KEY,
        person TEXT NOT NULL,
        body_role TEXT NOT NULL DEFAULT '',
        organisation TEXT NOT NULL,
        business_id TEXT,
        position TEXT NOT NULL DEFAULT '',
        "start" TEXT,
        "end" TEXT,
        imported_at TEXT NOT NULL
    );
    CREATE INDEX positions_business_id ON positions(business_id);
    """,
    # 3: a hash of the application's data without personal data: a changed phone number is not a
    # changed application (acceptances stay, the check stays current)
    """
    ALTER TABLE applications ADD COLUMN data_hash TEXT;
    ALTER TABLE acceptances ADD COLUMN data_hash TEXT;
    """,
    # 4: the year after the decision: payments against instalments, the budget of an agreement's later year
    # confirmed, usage reports as filed in the e-form service, reclaims and the money returned
    """
    CREATE TABLE payment_instalments (
        payment_id INTEGER PRIMARY KEY REFERENCES payments(id),
        instalment INTEGER NOT NULL      -- the instalment of the grant's plan the payment was recorded against
    );
    CREATE TABLE instalment_confirmations (
        grant_id TEXT NOT NULL REFERENCES grants(id),
        instalment INTEGER NOT NULL,
        confirmed TEXT NOT NULL,             -- the day the condition was met (e.g. the budget approved)
        reason TEXT NOT NULL,
        user TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (grant_id, instalment)
    );
    CREATE TABLE usage_reports (
        grant_id TEXT NOT NULL REFERENCES grants(id),
        year INTEGER NOT NULL,               -- the year the report covers
        received TEXT NOT NULL,
        used_cents INTEGER,
        unused_cents INTEGER,
        attachments TEXT NOT NULL DEFAULT '[]',
        metrics TEXT NOT NULL DEFAULT '',    -- the yearly follow-up of a partnership agreement's metrics
        content_hash TEXT NOT NULL,
        import_id INTEGER REFERENCES imports(id),
        source_row INTEGER,
        outcome TEXT,                        -- accepted | supplement (the officer's act), null: not handled
        outcome_date TEXT,
        supplement_due TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (grant_id, year)
    );
    CREATE TABLE reclaims (
        grant_id TEXT PRIMARY KEY REFERENCES grants(id),
        grounds TEXT NOT NULL,
        proposed_cents INTEGER NOT NULL,
        hearing_date TEXT NOT NULL,
        answer_due TEXT NOT NULL,
        channel TEXT NOT NULL,
        decision_date TEXT,
        section TEXT,
        maker TEXT,
        amount_cents INTEGER,
        due TEXT,
        reasons TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE reclaim_returns (
        id INTEGER PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES reclaims(grant_id),
        amount_cents INTEGER NOT NULL,
        paid_date TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # 5: what the officer has done that a re-run must not move: each supplement request's date and
    # deadline, as first sent; the proposal sheet (esitys.xlsx) as last written, so that a decision
    # never ignores the officer's later edits in it
    """
    CREATE TABLE supplement_requests (
        application_id TEXT PRIMARY KEY,
        sent TEXT NOT NULL,
        due TEXT NOT NULL,
        codes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE TABLE proposal_sheet (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        path TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        written_at TEXT NOT NULL
    );
    """,
    # 6: every letter written to an applicant, its delivery and the day the law presumes it served
    # (adapters.store.letters); the delivery of a decision is no longer read back from the audit log
    """
    CREATE TABLE letters (
        id INTEGER PRIMARY KEY,
        application_id TEXT,             -- the application the letter is about
        grant_id TEXT,                   -- the grant, once decided (decision, review, reclaim, reminder)
        kind TEXT NOT NULL,              -- domain.letter.LETTER_KINDS
        folder TEXT NOT NULL,            -- where the files were written
        file TEXT NOT NULL,              -- the main file (.docx, else .html) in folder
        files TEXT NOT NULL DEFAULT '[]',-- every file of the letter (docx, html, pdf), JSON list of names
        recipient TEXT NOT NULL,         -- the addressee (organisation)
        email TEXT,                      -- the e-mail address used (personal data: purged with the application)
        channel TEXT NOT NULL,           -- email | letter (post)
        sent TEXT NOT NULL,              -- ISO date the letter was (or is to be) sent
        served TEXT NOT NULL,            -- ISO date of presumed service (domain.deadlines.served_on)
        content_hash TEXT NOT NULL,      -- SHA-256 of the main file as written
        status TEXT NOT NULL DEFAULT 'written',  -- written | sent | failed | superseded | outside (delivered by other means)
        delivered_at TEXT,               -- when send handed it to the mail server
        message_id TEXT,
        error TEXT,                      -- the last delivery failure (no personal data)
        detail TEXT NOT NULL DEFAULT '{}',  -- kind-specific facts (decision date, section, review period ...)
        created_at TEXT NOT NULL
    );
    CREATE INDEX letters_grant ON letters(grant_id, kind);
    CREATE INDEX letters_application ON letters(application_id);
    INSERT INTO letters (application_id, grant_id, kind, folder, file, recipient, channel, sent, served,
        content_hash, status, detail, created_at)
        SELECT g.application_id, a.entity_id, 'decision', '', '', coalesce(g.applicant, ''),
            json_extract(a.detail, '$.channel'), json_extract(a.detail, '$.sent'), json_extract(a.detail, '$.served'),
            '', 'outside', a.detail, a.at
        FROM audit_log a LEFT JOIN grants g ON g.id = a.entity_id
        WHERE a.entity = 'letter' AND a.action = 'send' AND json_extract(a.detail, '$.sent') IS NOT NULL
        ORDER BY a.id;
    """,
    # 7: what an application's findings were computed from (its data, earlier grants, settings, rules,
    # the day): a check re-runs the rules only where this changed
    """
    ALTER TABLE verdicts ADD COLUMN fingerprint TEXT;
    """,
    # 8: review requests (oikaisuvaatimus) and the body's decisions on them; the day each meeting's minutes
    # were published (the county's members' review period counts from it)
    """
    CREATE TABLE review_requests (
        id INTEGER PRIMARY KEY,
        grant_id TEXT NOT NULL REFERENCES grants(id),
        received TEXT NOT NULL,
        requester TEXT NOT NULL,         -- who made it (a member may be a private person: purged with the application)
        member INTEGER NOT NULL DEFAULT 0,   -- 1: a member of the county, 0: the applicant
        decision_date TEXT,
        section TEXT,
        maker TEXT,
        outcome TEXT,                    -- kept | changed, null while pending
        old_cents INTEGER,
        new_cents INTEGER,
        reasons TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        decided_at TEXT
    );
    CREATE INDEX review_requests_grant ON review_requests(grant_id);
    CREATE TABLE minutes (
        maker TEXT NOT NULL,             -- casefolded
        decision_date TEXT NOT NULL,
        published TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (maker, decision_date)
    );
    """,
    # 9: the application's data a proposal was made from (its data_hash): decide refuses a proposal
    # whose application a later import changed until propose is run again
    """
    ALTER TABLE proposals ADD COLUMN data_hash TEXT;
    """,
    # 10: a check at scale. rule_inputs: one row per application with its fields as typed columns, what
    # the rules read (adapters.store.rule_inputs). Each distinct finding is stored once (finding_texts)
    # and an application's findings as the list of their ids in order, beside its verdict.
    """
    CREATE TABLE rule_inputs (
        application_id TEXT PRIMARY KEY,
        data_hash TEXT NOT NULL,         -- the applications.data_hash the row was made from
        received, form, year, business_id, register_number, legal_form, non_profit, home_municipality, category,
        scope, county_field, requested, total_cost, other_funding, economic_activity, accounts_segregated,
        audit_consent, joint, agreement_start, agreement_end, funding_decision, funding_start, funding_end,
        project_start, project_end, raw,
        lead_business_id,                -- lead_applicant's business ID
        -- longer texts, lists and parties: the id of the value in rule_texts
        applicant INTEGER, address INTEGER, activity_name INTEGER, description INTEGER, cost_types INTEGER,
        municipalities INTEGER, targets INTEGER, cooperation INTEGER, other_funders INTEGER,
        lead_applicant INTEGER, co_applicants INTEGER, responsibility_split INTEGER, commitments INTEGER,
        external_funder INTEGER, attachments INTEGER
    );
    CREATE TABLE rule_texts (
        id INTEGER PRIMARY KEY,
        field TEXT NOT NULL,
        value TEXT NOT NULL              -- the text, or a list's or party's JSON
    );
    CREATE INDEX rule_texts_field ON rule_texts(field);
    CREATE TABLE finding_texts (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        field TEXT
    );
    ALTER TABLE verdicts ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';  -- JSON list of finding_texts ids
    -- a changed or removed application's row of rule inputs goes (a check writes the missing rows again)
    CREATE TRIGGER rule_inputs_application_update AFTER UPDATE ON applications
        WHEN old.data IS NOT new.data OR old.id IS NOT new.id BEGIN
        DELETE FROM rule_inputs WHERE application_id IN (old.id, new.id);
    END;
    CREATE TRIGGER rule_inputs_application_delete AFTER DELETE ON applications BEGIN
        DELETE FROM rule_inputs WHERE application_id = old.id;
    END;
    -- a mark per recipient of grants, raised by every write to its grants, their payments or reports (the
    -- triggers below): a check re-runs the rules of the applications whose applicant's or lead's mark moved
    CREATE TABLE grant_marks (
        business_id TEXT PRIMARY KEY,
        mark INTEGER NOT NULL
    );
    CREATE TRIGGER grant_marks_grant_insert AFTER INSERT ON grants BEGIN
        INSERT INTO grant_marks (business_id, mark) SELECT new.business_id, 1 WHERE new.business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_grant_update AFTER UPDATE ON grants BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT b, 1 FROM (SELECT old.business_id AS b UNION SELECT new.business_id) WHERE b IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_grant_delete AFTER DELETE ON grants BEGIN
        INSERT INTO grant_marks (business_id, mark) SELECT old.business_id, 1 WHERE old.business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_payment_insert AFTER INSERT ON payments BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT business_id, 1 FROM grants WHERE id = new.grant_id AND business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_payment_update AFTER UPDATE ON payments BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT business_id, 1 FROM grants WHERE id IN (old.grant_id, new.grant_id) AND business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_payment_delete AFTER DELETE ON payments BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT business_id, 1 FROM grants WHERE id = old.grant_id AND business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_report_insert AFTER INSERT ON reports BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT business_id, 1 FROM grants WHERE id = new.grant_id AND business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_report_update AFTER UPDATE ON reports BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT business_id, 1 FROM grants WHERE id IN (old.grant_id, new.grant_id) AND business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    CREATE TRIGGER grant_marks_report_delete AFTER DELETE ON reports BEGIN
        INSERT INTO grant_marks (business_id, mark)
            SELECT business_id, 1 FROM grants WHERE id = old.grant_id AND business_id IS NOT NULL
            ON CONFLICT (business_id) DO UPDATE SET mark = mark + 1;
    END;
    INSERT INTO grant_marks (business_id, mark) SELECT DISTINCT business_id, 1 FROM grants WHERE business_id IS NOT NULL;
    INSERT INTO finding_texts (code, severity, message, field)
        SELECT code, severity, message, field FROM findings GROUP BY code, severity, message, field ORDER BY min(id);
    UPDATE verdicts SET findings = coalesce((
        SELECT json_group_array(tid) FROM (
            SELECT t.id AS tid FROM findings f JOIN finding_texts t
                ON t.code = f.code AND t.severity = f.severity AND t.message = f.message AND t.field IS f.field
            WHERE f.application_id = verdicts.application_id ORDER BY f.id)), '[]');
    DROP TABLE findings;
    """,
    # 11: a check of an unchanged round. round_marks.removed counts the rows of rule inputs deleted (an
    # application changed or removed): with the counts of applications and rule inputs and the grant marks
    # it tells whether anything a check reads from the round changed since ``checked`` was stored
    # (adapters.store.round_marks)
    """
    CREATE TABLE round_marks (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        removed INTEGER NOT NULL DEFAULT 0,
        checked TEXT                     -- the round's fingerprint when a check last stored every verdict
    );
    CREATE TRIGGER round_marks_rule_inputs_delete AFTER DELETE ON rule_inputs BEGIN
        INSERT INTO round_marks (id, removed) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET removed = removed + 1;
    END;
    """,
    # 12: where a member of the county who asked for review is sent the review decision (a private person's
    # postal address and e-mail: purged with the application, like the name)
    """
    ALTER TABLE review_requests ADD COLUMN address TEXT NOT NULL DEFAULT '';
    ALTER TABLE review_requests ADD COLUMN email TEXT;
    """,
    # 13: what the last check of the whole round counted (domain.check_summary), with the round's
    # fingerprint and the acceptances it was counted under: a check of an unchanged round shows it
    # without reading every application's findings (adapters.store.round_marks)
    """
    ALTER TABLE round_marks ADD COLUMN summary TEXT;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


_DAMAGE_WORDS = ("malformed", "not a database", "corrupt")


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the database file is damaged (not a lock, not a bug)."""
    return (isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError)
            and any(w in str(exc).lower() for w in _DAMAGE_WORDS))


def damaged_error(path: Path, detail: str) -> DatabaseError:
    """The officer's message for a damaged database: what is wrong and the latest backup to restore."""
    from avustus_cli.adapters.store.backup import BACKUP_DIR

    path = Path(path)
    folder = path.parent / BACKUP_DIR
    copies = sorted((c for c in folder.glob(f"{path.stem}-*.db") if not c.stem.endswith(("-ennen-palautusta", "-journal", "-wal"))),
                    reverse=True) if folder.is_dir() else []
    how = (f"Palauta viimeisin varmuuskopio komennolla avustus restore {copies[0]} (palautus tarkistaa sen eheyden "
           f"ensin; jos se ei kelpaa, valitse edellinen kansiosta {folder})." if copies else
           f"Kansiossa {folder} ei ole varmuuskopioita: palauta tietokanta muualle otetusta varmuuskopiosta "
           "komennolla avustus restore TIEDOSTO.")
    return DatabaseError(f"tietokanta {path} on vioittunut ({detail}). Mitään ei muutettu. {how}")


def read_only_error(path: Path, what: str) -> DatabaseError:
    return DatabaseError(
        f"{what.format(path=path)}: tiedosto tai sen kansio on vain luku -tilassa. Mitään ei muutettu. Anna "
        "itsellesi kirjoitusoikeus tiedostoon ja sen kansioon (tai kopioi tietokanta kansioon, johon voit "
        "kirjoittaa) ja aja komento uudelleen.")


def _unopenable(path: Path, exc: sqlite3.OperationalError) -> DatabaseError:
    """SQLite cannot open an existing file: on a read-only disk or folder (a database in write-ahead-log
    mode needs its -wal and -shm files beside it even to be read), or without access; never called damaged."""
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return read_only_error(path, "tietokantaa {path} ei voi avata")
    return DatabaseError(
        f"tietokantaa {path} ei voi avata ({exc}): tarkista, että voit lukea ja kirjoittaa tiedostoa ja sen "
        f"kansiota ja että tiedostot {path.name}-wal ja {path.name}-shm sen vieressä ovat tavallisia tiedostoja. "
        "Mitään ei muutettu.")


def store_error(path: Path, exc: BaseException) -> DatabaseError | None:
    """The officer's message for what SQLite says mid-command about the file itself (damaged, read-only,
    disk full); None for anything else (a bug)."""
    if is_damage(exc):
        return damaged_error(path, str(exc))
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            return read_only_error(path, "tietokantaan {path} ei voi kirjoittaa")
        if "disk is full" in text or "disk i/o" in text:
            return DatabaseError(
                f"tietokantaan {path} ei voitu kirjoittaa: levy on täynnä tai levyvirhe ({exc}). Mitään ei muutettu. "
                "Vapauta levytilaa ja aja komento uudelleen.")
    return None


def _write_ahead_log(conn: sqlite3.Connection) -> None:
    """Write-ahead logging: a command that reads (``status``, ``backup``) reads the last committed
    state while another command writes, instead of waiting for it. Kept in the file once set; a
    file that cannot be switched (read-only, or another command has it open) stays as it is."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("PRAGMA journal_mode = WAL")


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a container: the uid will do
        return str(os.getuid())


def cents(amount: Decimal | None) -> int | None:
    if amount is None:
        return None
    return int((amount * 100).to_integral_value())


_HUNDRED, _INTEGRAL = Decimal(100).__mul__, methodcaller("to_integral_value")


def _cents_each(amounts: Sequence[Any]) -> list[int | None]:
    """:func:`cents` of each amount (None: no amount), in C when every one is an amount."""
    if set(map(type, amounts)) == {Decimal}:
        return list(map(int, map(_INTEGRAL, map(_HUNDRED, amounts))))
    return list(map(cents, amounts))


def euros(value: int | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def _member(seen: dict[str, Any], enum: type, value: str | None) -> Any:
    """``enum(value)`` (None for None), each value made once."""
    if value is None:
        return None
    member = seen.get(value)
    if member is None:
        member = seen[value] = enum(value)
    return member


def _euros_of(value: int) -> Decimal:
    """Euros of a NOT NULL cents column."""
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def stored_date(value: str | None) -> dt.date | None:
    """A stored ISO date (``2027-01-26``); None for an empty column."""
    return dt.date.fromisoformat(value) if value else None


def content_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


# an acceptance still holds when the application's data (personal data left out) is as it was
_SAME_DATA = (
    "((a.data_hash is not null and a.data_hash = p.data_hash) "
    "or ((a.data_hash is null or p.data_hash is null) and a.content_hash = p.content_hash))"
)
PERSONAL = ("contact_person", "email", "phone", "iban", "personal_extra")
_USER = os_user()
_SEVERITY = {s.value: s for s in Severity}


class Store:
    """An open avustus database."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock_timeout: float):
        self.path = path
        self.conn = conn
        self._db: sqlite_utils.Database | None = None
        self.lock_timeout = lock_timeout
        self.command = "avustus"  # the audit log's command line
        self.command_name = "avustus"  # the command's words only (``avustus import``): named to a command waiting for the lock
        self.started = dt.datetime.now()
        self._in_tx = False
        self.created = False  # this process made the file (``discard_if_empty``)

    @property
    def db(self) -> sqlite_utils.Database:
        """The connection through sqlite-utils, made on first use (a command that needs none pays nothing)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _query(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts straight from sqlite3, as sqlite-utils' ``Database.query`` gives them: a command
        that only reads does not load sqlite-utils."""
        cur = self.conn.execute(sql, params or ())
        keys = [d[0] for d in cur.description]
        return (dict(zip(keys, row, strict=False)) for row in cur)

    # --- opening -----------------------------------------------------

    @classmethod
    def open(cls, path: Path, lock_timeout: float = 30.0, create: bool = True, migrate: bool = True) -> Store:
        path = Path(path)
        new = not path.exists()
        created = False
        if new and not create:
            raise DatabaseError(f"tietokantaa {path} ei ole. Tuo ensin hakemukset: avustus import TIEDOSTO")
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
                created = True
            except FileExistsError:
                pass
            except OSError as e:
                raise DatabaseError(f"tietokantaa {path} ei voi luoda: {e.strerror}.") from None
        try:
            conn = sqlite3.connect(str(path), timeout=lock_timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils sets it (Store.db is made lazily)
            conn.execute("PRAGMA synchronous = FULL")
            _write_ahead_log(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise holder.lock_error(path, lock_timeout, "Tietokanta on kunnossa.") from None
            if "unable to open" in str(e) and not new:
                raise _unopenable(path, e) from None
            raise DatabaseError(f"{path} ei ole avustus-tietokanta tai se on vioittunut ({e}).") from None
        except sqlite3.DatabaseError as e:
            if is_damage(e) and path.stat().st_size > 0:
                raise damaged_error(path, str(e)) from None
            raise DatabaseError(f"{path} ei ole avustus-tietokanta tai se on vioittunut ({e}).") from None
        store = cls(path, conn, lock_timeout)
        store.created = created
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"tietokanta {path} on tehty uudemmalla avustus-versiolla (skeema {version}, tämä versio tuntee "
                f"{SCHEMA_VERSION}). Päivitä avustus."
            )
        if version < SCHEMA_VERSION and migrate:
            store.migrate(version)
        return store

    def migrate(self, version: int) -> None:
        if version > 0:
            from avustus_cli.adapters.store import backup as _backup  # a backup before touching an existing schema

            _backup.backup_before(self, f"migraatio-{version}-{SCHEMA_VERSION}")
        with self.transaction():
            # Another process may have migrated between our first look and the lock: look again.
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for i in range(version, SCHEMA_VERSION):
                for statement in _split_sql(MIGRATIONS[i]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {i + 1}")
            if 0 < version < SCHEMA_VERSION:
                self.audit("database", None, "migrate", {"from": version, "to": SCHEMA_VERSION})

    def close(self) -> None:
        self.conn.close()

    def discard_if_empty(self) -> bool:
        """Close, and remove the database file when this process created it and it holds nothing: a
        refused first import, a dry run or a command run in the wrong folder leaves no empty
        ``avustus.db`` behind. Kept when any table has a row, or when another connection has the file
        open (leaving write-ahead logging needs the file to itself, so SQLite refuses it then).
        True when the file was removed."""
        if not self.created or self._in_tx:
            self.close()
            return False
        conn = self.conn
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            if any(conn.execute(f"SELECT EXISTS (SELECT 1 FROM [{t}])").fetchone()[0] for t in tables):
                return False
            if conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
                return False  # another connection has it open
            conn.execute("BEGIN EXCLUSIVE")  # no one reads or writes it while it goes
        except sqlite3.Error:
            return False
        finally:
            if not conn.in_transaction:
                self.close()
        # POSIX removes an open file; Windows does not, so there the file goes after closing
        removed = _unlink(self.path) if os.name != "nt" else False
        self.close()
        if os.name == "nt":
            removed = _unlink(self.path)
        if removed:
            for suffix in ("-wal", "-shm", "-journal"):
                _unlink(self.path.with_name(self.path.name + suffix))
        return removed

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # --- transactions ------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """BEGIN IMMEDIATE … COMMIT; anything raised rolls everything back."""
        if self._in_tx:
            yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise holder.lock_error(self.path, self.lock_timeout) from None
            raise DatabaseError(f"tietokantaan {self.path.name} ei voi kirjoittaa: {e}.") from None
        self._in_tx = True
        holder.claim(self.path, self.command_name, self.started)  # a waiting command can name this one
        try:
            yield self
        except BaseException:
            # SQLite has rolled back already after some errors (a full disk, SQLITE_FULL): a second
            # ROLLBACK would fail and hide the error that says what happened
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if store_error(self.path, e) is not None:
                    raise  # the command names it (read-only, a full disk, damage)
                raise DatabaseError(f"tallennus epäonnistui: {e}. Tietokanta on ennallaan.") from None
        finally:
            self._in_tx = False
            holder.release(self.path)

    # --- audit -------------------------------------------------------

    def audit(self, entity: str, entity_id: str | None, action: str, detail: dict[str, Any] | None = None) -> None:
        self.conn.execute(
            "insert into audit_log (at, user, command, entity, entity_id, action, detail) values (?, ?, ?, ?, ?, ?, ?)",
            (now(), _USER, self.command, entity, entity_id, action,
             json.dumps(detail or {}, ensure_ascii=False, default=str)),
        )

    def audit_rows(self, entity: str | None = None, entity_id: str | None = None) -> list[dict[str, Any]]:
        where, params = [], []
        if entity:
            where.append("entity = ?")
            params.append(entity)
        if entity_id:
            where.append("entity_id = ?")
            params.append(entity_id)
        sql = "select * from audit_log" + (" where " + " and ".join(where) if where else "") + " order by id"
        return [dict(r) for r in self._query(sql, params)]

    # --- applications ------------------------------------------------

    def application_index(self) -> dict[str, tuple[str, bool]]:
        """id -> (content_hash, decided) for every stored application."""
        decided = {r[0] for r in self.conn.execute("select application_id from grants where source = 'decision'")}
        return {r[0]: (r[1], r[0] in decided) for r in self.conn.execute("select id, content_hash from applications")}

    def application_data(self, app_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("select data, personal from applications where id = ?", (app_id,)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        data.update(json.loads(row[1]))
        return data

    @staticmethod
    def encode_application(encoded: dict[str, Any]) -> tuple[str, str]:
        """(data JSON without personal data, personal data JSON) of ``codec.to_jsonable(app)``."""
        data = dict(encoded)
        personal = {k: data.pop(k) for k in PERSONAL if data.get(k) not in (None, "", {})}
        for k in PERSONAL:
            data.pop(k, None)
        return json.dumps(data, ensure_ascii=False, sort_keys=True), json.dumps(personal, ensure_ascii=False, sort_keys=True)

    _UPSERT_APPLICATION = """
        insert into applications (id, year, form, applicant, business_id, category, requested_cents, received, data,
            personal, raw_row, personal_headers, content_hash, source_file, source_sheet, source_row, first_import,
            last_import, created_at, updated_at, data_hash)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        on conflict(id) do update set year = excluded.year, form = excluded.form, applicant = excluded.applicant,
            business_id = excluded.business_id, category = excluded.category,
            requested_cents = excluded.requested_cents, received = excluded.received, data = excluded.data,
            personal = excluded.personal, raw_row = excluded.raw_row, personal_headers = excluded.personal_headers,
            content_hash = excluded.content_hash, data_hash = excluded.data_hash, source_file = excluded.source_file,
            source_sheet = excluded.source_sheet, source_row = excluded.source_row,
            last_import = excluded.last_import, updated_at = excluded.updated_at
    """
    _INSERT_APPLICATION = _UPSERT_APPLICATION[: _UPSERT_APPLICATION.index(" on conflict")]
    _UPSERT_ORGANISATION = """
        insert into organisations (business_id, name, legal_form, home_municipality, register_number, updated_at)
        values (?, ?, ?, ?, ?, ?)
        on conflict(business_id) do update set name = excluded.name, legal_form = excluded.legal_form,
            home_municipality = excluded.home_municipality, register_number = excluded.register_number,
            updated_at = excluded.updated_at
    """

    def upsert_application(
        self,
        app: Application,
        raw_row: dict[str, Any],
        personal_headers: list[str],
        source: tuple[str, str, int],
        import_id: int,
        digest: str,
        encoded: tuple[str, str] | None = None,
    ) -> None:
        """Insert or update one application (first import and creation time are kept).

        ``encoded`` is ``encode_application(codec.to_jsonable(app))`` when the
        caller has it already. Plain SQL: this is the import's hot path.
        """
        data_json, personal_json = encoded if encoded is not None else self.encode_application(codec.to_jsonable(app))
        ts = now()
        self.conn.execute(
            self._UPSERT_APPLICATION,
            (
                app.id, app.year, app.form.value if app.form else None, app.applicant, app.business_id, app.category,
                cents(app.requested), app.received.isoformat(timespec="seconds") if app.received else None,
                data_json,
                personal_json,
                json.dumps(raw_row, ensure_ascii=False),
                json.dumps(personal_headers, ensure_ascii=False),
                digest, source[0], source[1], source[2], import_id, import_id, ts, ts,
                hashlib.sha256(data_json.encode()).hexdigest()[:16],
            ),
        )
        if app.business_id:
            self.conn.execute(
                self._UPSERT_ORGANISATION,
                (app.business_id, app.applicant, app.legal_form.value if app.legal_form else None,
                 app.home_municipality, app.register_number, ts),
            )

    @contextlib.contextmanager
    def writes_to_file(self) -> Iterator[Store]:
        """Around the first write transaction into a database this process created (only its schema is
        committed, and no other command has it open): a rollback journal instead of the write-ahead log.
        A bulk write then goes into the file once, instead of into the log and again into the file at
        the checkpoint (SQLite journals only the few schema pages a new file already had). All or nothing
        as before: a power cut or a kill leaves a journal that the next open rolls back. Write-ahead
        logging is set again at the end (or by the next open, which always sets it). Elsewhere, and
        when another connection has the file open, nothing changes."""
        switched = False
        if self.created and not self._in_tx:
            conn = self.conn
            conn.execute("PRAGMA busy_timeout = 0")  # another connection holding it: stay as it is, at once
            try:
                switched = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
            except sqlite3.OperationalError:
                pass
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        try:
            yield self
        finally:
            if switched:
                _write_ahead_log(self.conn)

    def bulk_cache(self, mib: int = 32) -> None:
        """A larger page cache for a command that writes many rows in one transaction: pages stay in memory
        instead of being spilled to the log before the commit (allocated only as pages are used)."""
        self.conn.execute(f"PRAGMA cache_size = -{int(mib) * 1024}")

    def drop_indexes(self, *names: str) -> list[str]:
        """Drop the indexes ``names`` inside this command's write transaction, so that rows written in bulk
        into their tables are indexed once at the end (:meth:`create_indexes`, from sorted keys) instead of
        entry by entry. Returns their CREATE statements as the schema holds them: made again from those,
        the schema reads exactly as before (a restore compares it with the program's own)."""
        if not self._in_tx:
            raise RuntimeError("indexes are dropped only inside a write transaction")
        found = dict(self.conn.execute(
            f"select name, sql from sqlite_master where type = 'index' and name in ({', '.join('?' * len(names))})", names))
        for name in found:
            self.conn.execute(f"drop index [{name}]")
        return list(found.values())

    def create_indexes(self, statements: list[str]) -> None:
        """Make again the indexes :meth:`drop_indexes` dropped (before the transaction commits)."""
        for sql in statements:
            self.conn.execute(sql)

    def write_applications(self, rows: list[tuple[Any, ...]], file: str, sheet: str, import_id: int, at: str,
                           new: bool = False) -> None:
        """Insert or update applications encoded by the importer, in one statement (first import and creation
        time of a stored one are kept); ``new`` when none of them is stored (a plain insert). Each row is
        (id, year, form, applicant, business ID, category, requested euros, received, data JSON, personal
        JSON, exported row JSON, personal headers JSON, content hash, source row, data hash: the first 16 hex
        digits of the SHA-256 of the data JSON)."""
        if not rows:
            return
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))  # the statement's rows made in C, column by column
        columns[6] = _cents_each(columns[6])
        same = [repeat(v) for v in (file, sheet, import_id, at)]  # (endless: zip stops with the columns)
        self.conn.executemany(self._INSERT_APPLICATION if new else self._UPSERT_APPLICATION, zip(
            *columns[:13], same[0], same[1], columns[13], same[2], same[2], same[3], same[3], columns[14], strict=False))

    def write_organisations(self, rows: list[tuple[Any, ...]], at: str) -> None:
        """Insert or update organisations: (business ID, name, legal form, home municipality, register number)."""
        if rows:
            self.conn.executemany(self._UPSERT_ORGANISATION, [(*r, at) for r in rows])

    def audit_many(self, rows: list[tuple[str, str | None, str, str]], at: str) -> None:
        """Audit rows (entity, entity id, action, detail JSON) of one act, in order, under one time."""
        if rows:
            self.conn.executemany(
                "insert into audit_log (at, user, command, entity, entity_id, action, detail) values (?, ?, ?, ?, ?, ?, ?)",
                [(at, _USER, self.command, *r) for r in rows],
            )

    def audit_each(self, entity: str, ids: list[str], action: str, detail: str, at: str) -> None:
        """One audit row (``entity``, id, ``action``, ``detail`` JSON) for each of ``ids``, in order, under one time."""
        if ids:
            self.conn.executemany(
                "insert into audit_log (at, user, command, entity, entity_id, action, detail) values (?, ?, ?, ?, ?, ?, ?)",
                zip(repeat(at), repeat(_USER), repeat(self.command), repeat(entity), ids, repeat(action), repeat(detail),
                    strict=False),
            )

    def applications_with_warnings(self) -> set[str]:
        """The ids of the applications that have import warnings stored."""
        return {r[0] for r in self.conn.execute(
            "select distinct application_id from import_warnings where application_id is not null")}

    def replace_application_warnings(self, import_id: int, app_ids: list[str], warnings: list[dict[str, Any]]) -> None:
        """The import warnings of ``app_ids`` replaced by ``warnings`` (each names its application)."""
        if app_ids:
            self.conn.executemany("delete from import_warnings where application_id = ?", [(a,) for a in app_ids])
        if warnings:
            self.conn.executemany(
                "insert into import_warnings (import_id, application_id, sheet, row, column_name, field, message) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [(import_id, w["application_id"], w.get("sheet"), w.get("row"), w.get("column_name"), w.get("field"),
                  w["message"]) for w in warnings],
            )

    def iter_applications(self) -> Iterator[Application]:
        """Every application, one at a time (without personal data): memory stays flat."""
        for (data_text,) in self.conn.execute("select data from applications order by id"):
            yield codec.application_from_dict(json.loads(data_text))

    def applications(self, ids: list[str] | None = None, with_personal: bool = False) -> list[Application]:
        """The applications (or those of ``ids``), by id."""
        sql = "select id, data, personal from applications"
        rows = self._by_ids(sql, list(ids)) if ids else self.conn.execute(sql + " order by id").fetchall()
        out = []
        for _id, data_text, personal_text in rows:
            data = json.loads(data_text)
            if with_personal:
                data.update(json.loads(personal_text))
            out.append(codec.application_from_dict(data))
        return out

    def contacts(self, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """id -> (contact person, e-mail) of the applications ``ids``, each as ``applications(ids,
        with_personal=True)`` gives it, without decoding the rest of the application."""
        sql = ("select id, personal, json_extract(data, '$.contact_person'), json_extract(data, '$.email') "
               "from applications")
        person, email = (codec.field_decoder(Application, k) for k in ("contact_person", "email"))
        out = {}
        for app_id, personal_text, data_person, data_email in self._by_ids(sql, ids):
            personal = json.loads(personal_text)
            p = personal.get("contact_person", data_person)
            e = personal.get("email", data_email)
            out[app_id] = (None if p is None else person(p), None if e is None else email(e))
        return out

    def application(self, app_id: str, with_personal: bool = False) -> Application:
        apps = self.applications([app_id], with_personal)
        if not apps:
            raise NotFoundError(f"hakemusta {app_id} ei ole tietokannassa.")
        return apps[0]

    def requested_by_form_and_category(self) -> list[tuple[str | None, int | None, Decimal | None]]:
        """(form, category, requested euros) of every application."""
        return [(form, category, euros(c))
                for form, category, c in self.conn.execute("select form, category, requested_cents from applications")]

    def content_hashes(self) -> dict[str, str]:
        """id -> the hash of what the rules see (data without personal data; older rows: the full hash)."""
        return dict(self.conn.execute("select id, coalesce(data_hash, content_hash) from applications"))

    def replace_warnings(self, import_id: int, app_id: str | None, warnings: list[dict[str, Any]]) -> None:
        if app_id is not None:
            self.conn.execute("delete from import_warnings where application_id = ?", (app_id,))
        if warnings:
            self.conn.executemany(
                "insert into import_warnings (import_id, application_id, sheet, row, column_name, field, message) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [(import_id, app_id, w.get("sheet"), w.get("row"), w.get("column_name"), w.get("field"), w["message"])
                 for w in warnings],
            )

    def warnings(self, app_id: str | None = None) -> list[dict[str, Any]]:
        sql = "select * from import_warnings"
        params: list[Any] = []
        if app_id:
            sql += " where application_id = ?"
            params.append(app_id)
        return [dict(r) for r in self._query(sql + " order by application_id, row, id", params)]

    def record_import(self, row: dict[str, Any]) -> int:
        """The import's own row; its id. (Plain SQL: an import needs nothing of sqlite-utils.)"""
        row = {**row, "at": now(), "user": os_user(), "unknown_columns": json.dumps(row.get("unknown_columns", []), ensure_ascii=False)}
        names = list(row)
        cur = self.conn.execute(f"insert into imports ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                                [row[n] for n in names])
        if cur.lastrowid is None:
            raise DatabaseError("tietokanta ei antanut tunnusta tauluun imports lisätylle riville")
        return int(cur.lastrowid)

    def update_import(self, import_id: int, values: dict[str, Any]) -> None:
        names = list(values)
        self.conn.execute(f"update imports set {', '.join(f'{n} = ?' for n in names)} where id = ?",
                          [*(values[n] for n in names), import_id])

    def imports(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._query("select * from imports order by id")]

    # --- grants (earlier and decided) --------------------------------

    def upsert_grant(self, row: dict[str, Any]) -> None:
        ts = now()
        existing = self.conn.execute("select created_at from grants where id = ?", (row["id"],)).fetchone()
        self.db.table("grants").upsert({**row, "created_at": existing[0] if existing else ts, "updated_at": ts}, pk="id")

    def upsert_grants(self, rows: Sequence[dict[str, Any]]) -> None:
        """Grant rows (each with the same columns) inserted, or updated by id, in order, with one statement: the
        same rows, triggers and ``created_at`` kept as :meth:`upsert_grant` row by row gives."""
        if not rows:
            return
        ts = now()
        keys = list(rows[0])
        columns = [*keys, "created_at", "updated_at"]
        if any(r.keys() != rows[0].keys() for r in rows) or "id" not in rows[0] or "created_at" in rows[0]:
            raise ValueError("upsert_grants: every row needs the same columns, id among them")
        names = ", ".join(f'"{c}"' for c in columns)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in ("id", "created_at"))
        self.conn.executemany(
            f"insert into grants ({names}) values ({', '.join('?' for _ in columns)}) "
            f"on conflict(id) do update set {updates}",
            [(*(r[c] for c in keys), ts, ts) for r in rows],
        )

    def grant_rows(self, business_id: str | None = None) -> list[dict[str, Any]]:
        sql = "select * from grants"
        params: list[Any] = []
        if business_id:
            sql += " where business_id = ?"
            params.append(business_id)
        return [dict(r) for r in self._query(sql + " order by year, id", params)]

    def grants(self, business_id: str | None = None) -> list[Grant]:
        """Grants with their payment and report state, as domain objects (by year and id; the values as
        ``codec`` decodes them)."""
        paid = {
            r[0]: (r[1], r[2])
            for r in self.conn.execute("select grant_id, sum(amount_cents), max(paid_date) from payments group by grant_id")
        }
        reports = {r[0]: (r[1], r[2]) for r in self.conn.execute("select grant_id, received, status from reports")}
        sql = f"select {_GRANT_COLUMNS} from grants"
        params: list[Any] = []
        if business_id:
            sql += " where business_id = ?"
            params.append(business_id)
        return _grants_of_rows(self.conn.execute(sql + " order by year, id", params), paid, reports)

    def grants_of(self, business_ids: Iterable[str]) -> dict[str, tuple[Grant, ...]]:
        """business ID -> the grants of that recipient, for ``business_ids``: each as :meth:`grants` gives it,
        in its order (by year and id)."""
        out: dict[str, tuple[Grant, ...]] = {}
        for chunk in _chunks(sorted(set(business_ids)), 500):
            marks = ",".join("?" * len(chunk))
            mine = f"(select id from grants where business_id in ({marks}))"
            paid = {r[0]: (r[1], r[2]) for r in self.conn.execute(
                f"select grant_id, sum(amount_cents), max(paid_date) from payments where grant_id in {mine} group by grant_id",
                chunk)}
            reports = {r[0]: (r[1], r[2]) for r in self.conn.execute(
                f"select grant_id, received, status from reports where grant_id in {mine}", chunk)}
            rows = self.conn.execute(f"select {_GRANT_COLUMNS} from grants where business_id in ({marks}) "
                                     "order by year, id", chunk)
            found: dict[str, list[Grant]] = {}
            for g in _grants_of_rows(rows, paid, reports):
                found.setdefault(g.business_id or "", []).append(g)
            out.update((k, tuple(v)) for k, v in found.items())
        return out

    def add_payment(self, grant_id: str, amount: Decimal, paid_date: dt.date, reference: str | None = None) -> None:
        self.db.table("payments").insert(
            {
                "grant_id": grant_id,
                "amount_cents": cents(amount),
                "paid_date": paid_date.isoformat(),
                "reference": reference,
                "created_at": now(),
            }
        )

    def set_report(self, grant_id: str, received: dt.date, status: str | None) -> None:
        self.db.table("reports").upsert(
            {"grant_id": grant_id, "received": received.isoformat(), "status": status, "updated_at": now()},
            pk="grant_id",
        )

    # --- findings ----------------------------------------------------

    def _by_ids(self, sql: str, ids: list[str] | None) -> list[Any]:
        if ids is None:
            return self.conn.execute(sql + " order by id").fetchall()
        out: list[Any] = []
        for chunk in _chunks(sorted(set(ids)), 500):
            out += self.conn.execute(sql + f" where id in ({','.join('?' * len(chunk))})", chunk).fetchall()
        return sorted(out)

    def save_check(
        self,
        as_of: dt.date,
        rules_version: str,
        applications: int,
        parts: Sequence[Sequence[Finding]],
        lists: Sequence[Sequence[int]],
        fresh: Sequence[Sequence[Any]],
        verdicts: dict[str, str],
        every: bool = False,
    ) -> int:
        """Record a check run over ``applications`` applications: the findings and verdicts of those
        whose rules ran (``fresh``: five columns, one entry per application: its id, its verdict, the index of
        its findings in ``lists``, its data hash and its fingerprint; they replace its earlier ones) and the
        new verdicts of the others (``verdicts``: an acceptance given or revoked since). A list of findings
        is given as the indexes of its ``parts`` in order; each part is a sequence of findings, and every part
        is in some list of ``fresh``. ``every``: ``fresh`` holds every application.

        Each distinct finding is written once (``finding_texts``, one ``executemany``) and an
        application's findings as the list of their ids beside its verdict (one ``executemany``, its rows
        made in C from the columns); texts no application refers to any more are deleted."""
        check_id = int(self.conn.execute(
            "insert into checks (at, as_of, user, rules_version, applications) values (?, ?, ?, ?, ?)",
            (now(), as_of.isoformat(), os_user(), rules_version, applications),
        ).lastrowid or 0)
        app_ids, verdict_values, list_at, data_hashes, fingerprints = fresh
        if app_ids:
            ids: dict[Finding, str] = {}
            first = int(self.conn.execute("select coalesce(max(id), 0) + 1 from finding_texts").fetchone()[0])
            part_refs = [",".join([ids.setdefault(f, str(first + len(ids))) for f in part]) for part in parts]
            refs = [f"[{','.join(map(part_refs.__getitem__, made_of))}]" for made_of in lists]
            self.conn.executemany(  # (ids numbered in the order they were added)
                "insert into finding_texts (id, code, severity, message, field) values (?, ?, ?, ?, ?)",
                [(n, f.code, _SEVERITY_VALUE[f.severity], f.message, f.field) for n, f in enumerate(ids, first)])
            if every and not self.conn.execute(
                    "select exists (select 1 from verdicts v where not exists "
                    "(select 1 from applications a where a.id = v.application_id))").fetchone()[0]:
                self.conn.execute("delete from verdicts")  # each is replaced: writing into an empty table is quicker
            self.conn.executemany(
                "insert or replace into verdicts (application_id, verdict, check_id, as_of, content_hash, fingerprint, "
                "findings) values (?, ?, ?, ?, ?, ?, ?)",
                zip(app_ids, verdict_values, repeat(check_id), repeat(as_of.isoformat()), data_hashes, fingerprints,
                    map(refs.__getitem__, list_at), strict=False))  # (the columns are as long as each other)
            if len(app_ids) == self.conn.execute("select count(*) from verdicts").fetchone()[0]:
                self.conn.execute("delete from finding_texts where id < ?", (first,))  # every list was replaced
            else:
                self.conn.execute("delete from finding_texts where id < ? and id not in "
                                  "(select j.value from verdicts v, json_each(v.findings) j)", (first,))
        self.conn.executemany(
            "update verdicts set verdict = ?, check_id = ? where application_id = ?",
            [(verdict, check_id, app_id) for app_id, verdict in verdicts.items()],
        )
        return check_id

    def finding_texts(self) -> dict[int, Finding]:
        """Every stored finding by its id (one object per distinct finding)."""
        return {n: finding_of(code, _SEVERITY[sev], msg, fld)
                for n, code, sev, msg, fld in self.conn.execute("select id, code, severity, message, field from finding_texts")}

    def findings(self, app_id: str | None = None) -> dict[str, list[Finding]]:
        """application id -> its findings of the last check that ran its rules, in order."""
        if app_id:
            sql = """select v.application_id, t.code, t.severity, t.message, t.field
                     from verdicts v, json_each(v.findings) j join finding_texts t on t.id = j.value
                     where v.application_id = ? order by j.key"""
            out: dict[str, list[Finding]] = {}
            for a, code, sev, msg, fld in self.conn.execute(sql, (app_id,)):
                out.setdefault(a, []).append(Finding(code, _SEVERITY[sev], msg, fld))
            return out
        texts = self.finding_texts()
        return {a: [texts[n] for n in json.loads(refs)]
                for a, refs in self.conn.execute("select application_id, findings from verdicts where findings != '[]' "
                                                 "order by application_id")}

    def verdicts(self) -> dict[str, dict[str, Any]]:
        return {r["application_id"]: dict(r) for r in self._query("select * from verdicts")}

    # --- acceptances -------------------------------------------------

    def accept(self, app_id: str, code: str, reason: str) -> None:
        row = self.conn.execute("select content_hash, data_hash from applications where id = ?", (app_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"hakemusta {app_id} ei ole tietokannassa.")
        self.conn.execute(
            "update acceptances set revoked_at = ? where application_id = ? and code = ? and revoked_at is null",
            (now(), app_id, code),
        )
        self.db.table("acceptances").insert(
            {"application_id": app_id, "code": code, "reason": reason, "content_hash": row[0], "data_hash": row[1],
             "user": os_user(), "at": now()}
        )
        self.audit("finding", f"{app_id}/{code}", "accept", {"reason": reason})

    def revoke(self, app_id: str, code: str) -> bool:
        cur = self.conn.execute(
            "update acceptances set revoked_at = ? where application_id = ? and code = ? and revoked_at is null",
            (now(), app_id, code),
        )
        if cur.rowcount:
            self.audit("finding", f"{app_id}/{code}", "revoke", {})
        return bool(cur.rowcount)

    def acceptances(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Active acceptances still valid for the application's current data."""
        rows = self._query(
            f"""select a.* from acceptances a join applications p on p.id = a.application_id
               where a.revoked_at is null and {_SAME_DATA}"""
        )
        return {(r["application_id"], r["code"]): dict(r) for r in rows}

    def reopened_acceptances(self) -> list[dict[str, Any]]:
        """Acceptances whose application changed after them (shown as reopened)."""
        rows = self._query(
            f"""select a.* from acceptances a join applications p on p.id = a.application_id
               where a.revoked_at is null and not ({_SAME_DATA})"""
        )
        return [dict(r) for r in rows]

    # --- generic -----------------------------------------------------

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._query(sql, params)]

    def count(self, table: str) -> int:
        return self.conn.execute(f"select count(*) from [{table}]").fetchone()[0]

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table (tests compare before and after)."""
        out = {}
        for t in self.db.table_names():
            out[t] = sorted(self.conn.execute(f"select * from [{t}]").fetchall(), key=repr)
        return out


def _new_id(table: sqlite_utils.db.Table) -> int:
    """The id the row just inserted into ``table`` got."""
    pk = table.last_pk
    if pk is None:  # sqlite-utils sets it on every insert
        raise DatabaseError(f"tietokanta ei antanut tunnusta tauluun {table.name} lisätylle riville")
    return int(pk)



_SEVERITY_VALUE = {s: s.value for s in Severity}

_GRANT_COLUMNS = "id, application_id, applicant, business_id, form, year, amount_cents, decision_date, section, decision_maker"


def _grants_of_rows(rows: Iterable[tuple[Any, ...]], paid: Mapping[str, tuple[Any, Any]],
                    reports: Mapping[str, tuple[Any, Any]]) -> list[Grant]:
    """The grants of ``rows`` (of :data:`_GRANT_COLUMNS`), with ``paid`` (grant id -> the sum of its payments
    in cents, the last payment's day) and ``reports`` (grant id -> the report's day received, its status)."""
    forms: dict[str, GrantForm] = {}
    statuses: dict[str, ReportStatus] = {}
    days: dict[str | None, dt.date | None] = {None: None}
    amounts: dict[int | None, Decimal | None] = {None: None}
    granted_amounts: dict[int, Decimal] = {}

    def day(text: str | None) -> dt.date | None:  # the same few days and amounts recur in every grant
        if text not in days:
            days[text] = stored_date(text)
        return days[text]

    def money(value: int | None) -> Decimal | None:
        if value not in amounts:
            amounts[value] = euros(value)
        return amounts[value]

    def granted(value: int) -> Decimal:  # amount_cents is NOT NULL
        if value not in granted_amounts:
            granted_amounts[value] = _euros_of(value)
        return granted_amounts[value]

    out = []
    for gid, app_id, applicant, bid, form, year, amount, decided, section, maker in rows:
        p = paid.get(gid)
        rep = reports.get(gid)
        status = rep[1] if rep else None
        out.append(grant_of(  # Grant(...), every field in order
            gid, app_id, applicant, bid, _member(forms, GrantForm, form), year, granted(amount), day(decided),
            section, maker, money(p[0]) if p else None, day(p[1]) if p else None, day(rep[0]) if rep else None,
            _member(statuses, ReportStatus, status)))
    return out


def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _split_sql(script: str) -> list[str]:
    """The statements of a migration (a trigger's body keeps its semicolons)."""
    out = []
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            lines = [ln for ln in pending.splitlines() if ln.strip() and not ln.strip().startswith("--")]
            if lines and "".join(lines).strip() != ";":
                out.append(pending.strip().rstrip(";"))
            pending = ""
    return out

"""The typed table of rule inputs: one row per application, one column per field the rules read.

``rule_inputs`` holds each application's fields (without personal data) as the rules' SQL predicates
see them: short values as SQL values (text, integers, booleans as 1 / 0, dates as ISO text, money as
its decimal text, the unparsed texts ``raw`` as JSON), and longer texts, lists and parties
(:data:`TEXT_COLUMNS`) as the id of their value in ``rule_texts``, each distinct value stored once,
so that the rows stay narrow and a rule's scan over 100 000 of them is quick. A field the application
does not have is NULL. A row carries the ``data_hash`` it was made from, so :func:`refresh` rewrites
only the rows of applications whose data changed (triggers on the applications delete the row of an
application whose data changes or that is removed).

A check reads it rule by rule (:func:`columns`): the rows a rule's SQL predicate selects, with the
columns the rule reads, so that the rule runs once per distinct combination of values; over the whole
round these reads are made ahead on a second connection (:class:`Reads`) while the rules run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from itertools import filterfalse, pairwise, repeat
from operator import itemgetter
from typing import Any

from avustus_cli.adapters.store import Store, _chunks

__all__ = [
    "COLUMNS",
    "Fill",
    "SCALAR_COLUMNS",
    "TEXT_COLUMNS",
    "check_rows",
    "column_expression",
    "grant_histories",
    "HISTORY_EXPRESSIONS",
    "Reads",
    "application_ids",
    "known_ids",
    "refresh",
    "columns",
    "text_expression",
    "texts",
    "use_ids",
]

# as created by migration 10 (a column added later needs a migration of its own)
SCALAR_COLUMNS: tuple[str, ...] = (
    "received", "form", "year", "business_id", "register_number", "legal_form", "non_profit", "home_municipality",
    "category", "scope", "county_field", "requested", "total_cost", "other_funding", "economic_activity",
    "accounts_segregated", "audit_consent", "joint", "agreement_start", "agreement_end", "funding_decision",
    "funding_start", "funding_end", "project_start", "project_end", "raw",
)
TEXT_COLUMNS: tuple[str, ...] = (
    "applicant", "address", "activity_name", "description", "cost_types", "municipalities", "targets",
    "cooperation", "other_funders", "lead_applicant", "co_applicants", "responsibility_split", "commitments",
    "external_funder", "attachments",
)
# the Application's fields but its id and personal data
COLUMNS: tuple[str, ...] = SCALAR_COLUMNS + TEXT_COLUMNS

_INSERT = (
    "insert or replace into rule_inputs (application_id, data_hash, lead_business_id, "
    + ", ".join(COLUMNS) + ") values (" + ", ".join("?" * (len(COLUMNS) + 3)) + ")"
)
# the stale applications' values as json_extract gives them (lists and objects as JSON text): SQLite reads
# each application's JSON once for all the columns
_STALE = (
    "select a.id, coalesce(a.data_hash, a.content_hash), json_extract(a.data, '$.lead_applicant.business_id'), "
    + ", ".join(f"json_extract(a.data, '$.{c}')" for c in COLUMNS)
    + " from applications a"
)
# the applications without a row: new ones, and those whose data changed (a trigger of migration 10 deletes
# their rows); read from the index of the applications' ids, not from their rows
_STALE_IDS = (
    "select a.id from applications a where not exists (select 1 from rule_inputs r where r.application_id = a.id)"
)
_FIRST_TEXT = 3 + len(SCALAR_COLUMNS)


def refresh(store: Store, chunk: int = 5000) -> int:
    """Bring ``rule_inputs`` up to date with the applications: the rows of new or changed applications
    (by data hash) are written, those of removed applications deleted, and texts no row refers to any
    more removed. Returns the rows written. An import may call this after writing its applications;
    a check calls it before reading."""
    written = 0
    with store.transaction():
        conn = store.conn
        first = conn.execute("select count(*) from rule_inputs").fetchone()[0] == 0
        if first:
            conn.execute("delete from rule_texts")
        next_id = int(conn.execute("select coalesce(max(id), 0) + 1 from rule_texts").fetchone()[0])
        known: list[dict[str, int]] = [{} for _ in TEXT_COLUMNS]  # per text column: the texts this refresh wrote
        text_columns = list(enumerate(TEXT_COLUMNS, _FIRST_TEXT))
        ids = [r[0] for r in conn.execute(_STALE_IDS)]
        if not ids:
            cur = conn.execute(_STALE + " where 0")
        elif len(ids) == conn.execute("select count(*) from applications").fetchone()[0]:
            cur = conn.execute(_STALE)
        else:
            use_ids(store, ids)
            cur = conn.execute(_STALE + " where a.id in (select id from temp.check_ids)")
        while rows := cur.fetchmany(chunk):
            new_texts = []
            out = []
            for row in rows:
                values = list(row)
                for k, c in text_columns:
                    text = values[k]
                    if text is not None:
                        seen = known[k - _FIRST_TEXT]
                        n = seen.get(text)
                        if n is None:
                            n = seen[text] = next_id
                            next_id += 1
                            new_texts.append((n, c, text))
                        values[k] = n
                out.append(values)
            conn.executemany("insert into rule_texts (id, field, value) values (?, ?, ?)", new_texts)
            conn.executemany(_INSERT, out)
            written += len(out)
        gone = conn.execute("delete from rule_inputs where application_id not in (select id from applications)").rowcount
        if (written and not first) or gone:
            used = " union ".join(f"select {c} from rule_inputs" for c in TEXT_COLUMNS)
            conn.execute(f"delete from rule_texts where id not in ({used})")
    return written


class Fill:
    """The rows of rule inputs of the applications an import writes into a database that has none, written
    batch by batch as the import writes the applications, the same rows and texts (ids included) as
    :func:`refresh` writes for them after the import: :func:`refresh` reads the applications in the order
    they were written (their row ids) and numbers each distinct text of a text column as it first meets it,
    row by row, column by column in :data:`TEXT_COLUMNS`' order, and so does :meth:`write`.

    Values are given as the importer parsed them, with their JSON texts (as the application's data JSON
    holds them); :meth:`column` turns them into what ``json_extract`` reads from that JSON."""

    def __init__(self, store: Store):
        conn = self.conn = store.conn
        if conn.execute("select exists (select 1 from rule_inputs)").fetchone()[0]:
            raise ValueError("rule_inputs is not empty")
        conn.execute("delete from rule_texts")  # as refresh does when the table is empty
        self.store = store
        self.indexes = store.drop_indexes("rule_texts_field")  # made again by finish(), once
        self.next_id = 1
        self.known: list[dict[str, int]] = [{} for _ in TEXT_COLUMNS]
        self.extracted: dict[str, Any] = {}  # JSON text -> json_extract of it

    def finish(self) -> None:
        """The index of the texts made again, after the last batch (before the import commits)."""
        self.store.create_indexes(self.indexes)
        self.indexes = []

    def extract(self, json_text: str) -> Any:
        """What ``json_extract`` gives for a value whose JSON text is ``json_text`` (a list or an object:
        SQLite's own rendering of it)."""
        found = self.extracted.get(json_text, _NONE)
        if found is _NONE:
            found = self.extracted[json_text] = self.conn.execute("select json_extract(?, '$')", (json_text,)).fetchone()[0]
        return found

    def column(self, values: Sequence[Any], json_texts: Sequence[str | None], skip: int = 0) -> list[Any]:
        """A column's values as ``json_extract`` reads them from the applications' JSON, given each value
        and its JSON text (``json_texts[i][skip:]``; None where the value is None, which the JSON leaves
        out): None, a text as itself, a yes/no as 1 / 0, a number as itself, an amount or a day as its JSON
        text's text; anything else (a list, a party, an object) as SQLite renders its JSON text."""
        kinds = set(map(type, values))
        if kinds <= _AS_IS:
            return list(values)
        if kinds - _AS_IS <= _AS_TEXT:  # amounts and days (None, texts and numbers as they are): as their text
            return [v if v.__class__ in _AS_IS else str(v) for v in values]
        # each distinct JSON text once: equal texts are equal values
        found = {t: None if t is None else self._sql_value(v, t[skip:]) for t, v in dict(zip(json_texts, values, strict=True)).items()}
        return list(map(found.__getitem__, json_texts))

    def _sql_value(self, v: Any, json_text: str) -> Any:
        cls = v.__class__
        if cls is str or cls is int:
            return v
        if cls is bool:
            return int(v)
        if cls is Decimal or cls is dt.date:
            return str(v)
        if cls is dt.datetime:
            return v.isoformat(timespec="seconds")
        if isinstance(v, Enum) and v.value.__class__ is str:
            return v.value
        return self.extract(json_text)

    def lead_business_ids(self, leads: Sequence[Any], json_texts: Sequence[str | None]) -> list[Any]:
        """``json_extract(data, '$.lead_applicant.business_id')`` of each application, from its lead
        applicant's JSON text (None: no lead applicant)."""
        memo: dict[str, Any] = {}
        out: list[Any] = []
        for lead, text in zip(leads, json_texts, strict=True):
            if lead is None or text is None:
                out.append(None)
                continue
            found = memo.get(text, _NONE)
            if found is _NONE:
                found = memo[text] = self.conn.execute("select json_extract(?, '$.business_id')", (text,)).fetchone()[0]
            out.append(found)
        return out

    def write(self, ids: Sequence[str], data_hashes: Sequence[str], lead_ids: list[Any],
              columns: Sequence[list[Any]]) -> None:
        """The rows of ``ids`` (in the order the applications were written): their data hashes, lead
        applicants' business IDs and the values of :data:`COLUMNS` (one list per column, from :meth:`column`;
        a text column's value as its text)."""
        n = len(ids)
        # a column with no value in the batch is left out of the statement (NULL by default): binding None
        # costs the sqlite3 module a failed adapter lookup per value, most of the time of a sparse row
        names = ["application_id", "data_hash"]
        given: list[Sequence[Any]] = [ids, data_hashes]
        if lead_ids.count(None) < n:
            names.append("lead_business_id")
            given.append(lead_ids)
        for c, col in zip(SCALAR_COLUMNS, columns, strict=False):
            if col.count(None) < n:
                names.append(c)
                given.append(col)
        # the text columns that hold a value: each distinct text numbered as refresh numbers it (row by row)
        present = [(k, c, col) for k, (c, col) in enumerate(zip(TEXT_COLUMNS, columns[len(SCALAR_COLUMNS):], strict=True))
                   if col.count(None) < n]
        # each column's texts not numbered yet, by the row that first has them: numbered in the order of
        # (row, column), as refresh meets them
        first: list[tuple[int, int, Any]] = []
        for j, (k, _, col) in enumerate(present):
            seen = self.known[k]
            at = dict(zip(reversed(col), range(n - 1, -1, -1), strict=True))  # text -> the first row that has it
            at.pop(None, None)
            new = list(filterfalse(seen.__contains__, at)) if seen else list(at)
            first.extend(zip(map(at.__getitem__, new), repeat(j), new))
        first.sort(key=_ROW_AND_COLUMN)
        new_texts: list[tuple[int, str, Any]] = []
        if first:
            numbers = range(self.next_id, self.next_id + len(first))
            known = [self.known[k] for k, _, _ in present]
            names_of = [c for _, c, _ in present]
            for (_, j, text), number in zip(first, numbers, strict=True):
                known[j][text] = number
                new_texts.append((number, names_of[j], text))
            self.next_id += len(first)
        for k, c, col in present:
            names.append(c)
            given.append(list(map(self.known[k].get, col)))  # (None: no text)
        sql = f"insert into rule_inputs ({', '.join(names)}) values ({', '.join('?' * len(names))})"
        self.conn.executemany("insert into rule_texts (id, field, value) values (?, ?, ?)", new_texts)
        self.conn.executemany(sql, zip(*given, strict=True))


_NONE = object()
_ROW_AND_COLUMN = itemgetter(0, 1)
_AS_IS = frozenset({type(None), str, int})  # values json_extract reads back as they are
_AS_TEXT = frozenset({Decimal, dt.date})  # values json_extract reads as their JSON text's text: str() of them


def texts(store: Store, ids: Iterable[int]) -> dict[int, str]:
    """rule_texts id -> its value, for ``ids`` (read as two JSON arrays: quicker than row by row)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found, values = store.conn.execute(
        "select json_group_array(id), json_group_array(value) from rule_texts "
        "where id in (select value from json_each(?))", (json.dumps(wanted),)).fetchone()
    return dict(zip(json.loads(found), json.loads(values), strict=True))


def use_ids(store: Store, ids: Sequence[str]) -> None:
    """The applications ``ids`` for the functions below with ``listed=True`` (a temporary table of this
    connection)."""
    store.conn.execute("create temp table if not exists check_ids (id TEXT PRIMARY KEY)")
    store.conn.execute("delete from temp.check_ids")
    store.conn.executemany("insert or ignore into temp.check_ids values (?)", ((i,) for i in ids))


def column_expression(column: str | tuple[str, str]) -> str:
    """The SQL expression of a rule's column: ``name``, or ``(name, condition)``: the column where the SQL
    ``condition`` holds, else NULL."""
    return f"[{column}]" if isinstance(column, str) else f"case when {column[1]} then [{column[0]}] end"


def text_expression(column: str) -> str:
    """The SQL expression of a text column's text itself (NULL where it has none), for a column whose texts
    seldom recur (such as the applicant's name: reading them by their ids would look up nearly every one)."""
    if column not in TEXT_COLUMNS:
        raise ValueError(f"{column} is not a text column")
    return f"(select value from rule_texts where id = [{column}])"


def columns(
    store: Store, expressions: Sequence[str], where: str | None = None, listed: bool = False,
    params: Mapping[str, Any] | None = None,
) -> list[list[Any]]:
    """The row ids and the values of each of ``expressions``, column by column, of the rows ``where``
    selects (an SQL predicate over rule_inputs' columns, with ``params`` for its named parameters; no
    ``where``: every row), of the applications given to :func:`use_ids` when ``listed``. The expressions
    are over :data:`COLUMNS` (see :func:`column_expression`); a text column's value is the id of its
    text (:func:`texts`)."""
    sql, plain = _columns_sql(expressions, where, listed)
    return _read_columns(store, store.conn.execute(sql, dict(params or {})).fetchone(), plain, params)


def _columns_sql(expressions: Sequence[str], where: str | None, listed: bool) -> tuple[str, str]:
    """:func:`columns`' query, each column as one JSON array (SQLite gives a column as one JSON array,
    which Python reads about twice as quickly as a row at a time when the values are short), and the same
    columns row by row (read when a value is a floating-point number, which JSON may round)."""
    conds = []
    if where:
        conds.append(f"({where})")
    if listed:
        conds.append("application_id in (select id from temp.check_ids)")
    source = "from rule_inputs" + (" where " + " and ".join(conds) if conds else "")
    chosen = ["rowid", *expressions]
    outer = "select " + ", ".join(f"json_group_array({e})" for e in chosen) + " " + source
    return outer, "select " + ", ".join(chosen) + " " + source


def _read_columns(store: Store, texts: Sequence[str], plain: str,
                  params: Mapping[str, Any] | None) -> list[list[Any]]:
    """The columns of :func:`_columns_sql`'s query, from its JSON arrays ``texts``; a floating-point value
    (which JSON may round) makes them read again row by row (``plain``), exactly."""
    floats: list[str] = []  # (json calls this only for a number with a fraction or an exponent)
    columns = [json.loads(text, parse_float=floats.append) for text in texts]
    if not floats:
        return columns
    found = store.conn.execute(plain, dict(params or {})).fetchall()
    return [list(c) for c in zip(*found, strict=True)] if found else [[] for _ in texts]


def known_ids(store: Store, ids: Sequence[str]) -> list[str]:
    """Those of ``ids`` that are applications of the table (after :func:`use_ids` with them)."""
    use_ids(store, ids)
    return [r[0] for r in store.conn.execute(
        "select application_id from rule_inputs where application_id in (select id from temp.check_ids)")]


def check_rows(store: Store, common: str, listed: bool = False, every: bool = False) -> list[tuple[Any, ...]]:
    """For each application (of those given to :func:`use_ids` when ``listed``), by id: (id, applicant,
    business ID, form, year, requested as stored, the stored verdict, the stored findings' ids as JSON,
    its fingerprint, its data hash, whether it is stale, its row id in rule_inputs).

    Stale (always with ``every``, and then the stored verdict and findings are not read: None and ``[]``):
    its stored findings were not computed from what they would be now,
    because its data hash, or its fingerprint (``common``, the round's inputs, and the grant marks of its
    applicant and lead applicant), is not the one stored with its verdict."""
    fingerprint = ":common || '|' || coalesce(g.mark, '') || '|' || coalesce(l.mark, '')"
    stale = "1" if every else f"v.content_hash is not r.data_hash or v.fingerprint is not ({fingerprint})"
    stored = "null, '[]'" if every else "v.verdict, coalesce(v.findings, '[]')"  # every: not read
    sql = f"""select r.application_id, t.value, r.business_id, r.form, r.year, r.requested, {stored},
                     {fingerprint}, r.data_hash, {stale}, r.rowid
              from rule_inputs r
              left join rule_texts t on t.id = r.applicant
              left join grant_marks g on g.business_id = r.business_id
              left join grant_marks l on l.business_id = r.lead_business_id
              {"" if every else "left join verdicts v on v.application_id = r.application_id"}
              {"where r.application_id in (select id from temp.check_ids)" if listed else ""}
              order by r.application_id"""
    return store.conn.execute(sql, {"common": common}).fetchall()


# the columns a rule on earlier grants reads of each application (see ``services.checking``): its applicant's
# business ID, a joint application's lead's, its year, and whether a grant was made on it
HISTORY_EXPRESSIONS: tuple[str, ...] = (
    "[business_id]", "case when joint then [lead_business_id] end", "[year]",
    "application_id in (select application_id from grants where application_id is not null)",
)


def application_ids(store: Store, row_ids: Iterable[int]) -> dict[int, str]:
    """row id -> application id, for ``row_ids``."""
    out: dict[int, str] = {}
    for part in _chunks(sorted(set(row_ids)), 900):
        out.update(store.conn.execute(
            f"select rowid, application_id from rule_inputs where rowid in ({','.join('?' * len(part))})", part))
    return out


def _by_recipient(recipients: list[str], years: list[int | None], ids: list[str],
                  values: list[str]) -> tuple[list[str], list[str]]:
    """The grants' recipients and values in the order of (recipient, year, id) (NULL years first, as SQL orders
    them): as given when they are in that order already (SQLite aggregates the rows of an ordered subquery in
    its order, but does not promise to), else sorted."""
    keys = list(zip(recipients, [y is not None for y in years], [y or 0 for y in years], ids, strict=True))
    if all(a < b for a, b in pairwise(keys)):  # (grant ids are unique)
        return recipients, values
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [recipients[i] for i in order], [values[i] for i in order]


def grant_histories(store: Store) -> tuple[dict[str, int], dict[int, str]]:
    """Which recipients' grants are alike as a rule on earlier grants sees them: (business ID -> the number of
    its history, history number -> one recipient that has it). Two recipients' histories are alike when their
    grants, in order (by year and id), have the same year, amount, decision day and section, last payment's
    day, and report's day and status (a grant's id, its application and its recipient aside)."""
    return _histories(store.conn.execute(_GRANTS).fetchone())


# the grants by recipient as JSON arrays, one per column (quicker than row by row); each grant's values as the
# text of a JSON array
_GRANTS = (
    "select json_group_array(business_id), json_group_array(year), json_group_array(id), json_group_array(v) "
    "from (select g.business_id, g.year, g.id, json_array(g.year, g.amount_cents, g.decision_date, g.section, "
    "p.paid, r.received, r.status) || '' as v "
    "from grants g left join (select grant_id, max(paid_date) as paid from payments group by grant_id) p "
    "on p.grant_id = g.id left join reports r on r.grant_id = g.id "
    "where g.business_id is not null and g.business_id != '' order by g.business_id, g.year, g.id)"
)


def _histories(columns: Sequence[str]) -> tuple[dict[str, int], dict[int, str]]:
    """:func:`grant_histories` from the JSON arrays of :data:`_GRANTS`."""
    recipient_of, value_of = _by_recipient(*map(json.loads, columns))
    of: dict[str, int] = {}
    first: dict[int, str] = {}
    seen: dict[tuple[str, ...], int] = {}
    start = 0
    n = len(recipient_of)
    for i in range(1, n + 1):
        if i == n or recipient_of[i] != recipient_of[start]:
            k = seen.setdefault(tuple(value_of[start:i]), len(seen))
            business_id = recipient_of[start]
            of[business_id] = k
            first.setdefault(k, business_id)
            start = i
    return of, first


_AHEAD = 4  # the reads made ahead of the one last taken (or waited for): what is read waits in memory


class Reads:
    """A check's reads of rule inputs, :meth:`columns` and :meth:`histories` as the functions of those names
    give them, asked for first (each gives a handle) and then taken (:meth:`take_columns`,
    :meth:`take_histories`) in about the order they were asked for.

    When the reads are over the whole table (not ``listed``: the temporary table of :func:`use_ids` is the
    store connection's own), the store's connection is not in a transaction (the second connection would
    not see what it has not committed) and the database is in write-ahead-log mode, :meth:`start` makes the
    reads, in the order they were asked for, on a second connection in a thread of their own, in one read
    transaction (one state of the database, the last committed one), a few reads ahead of the one last taken
    (what is read waits in memory). SQLite lets the other threads run while it computes a query, so the next
    reads' queries run beside the caller's work on the reads taken before.
    Otherwise (or when the second connection cannot be opened) a read is made on the store's connection when
    it is taken, as the functions make it; and so is a read the thread could not make (an error, such as a
    busy or damaged database, is raised from the store's connection as the function raises it: the thread
    raises nothing). :meth:`close` (leaving the ``with`` block) ends the thread: its running query is
    interrupted, and the thread waited for."""

    def __init__(self, store: Store, params: Mapping[str, Any] | None = None, listed: bool = False) -> None:
        self.store = store
        self.params = dict(params or {})
        self.listed = listed
        self._queries: list[tuple[str, str]] = []  # (the query of JSON arrays, the same row by row)
        self._read: dict[int, tuple[Any, ...]] = {}  # handle -> the row the thread read (until taken)
        self._done = False  # the thread has ended
        self._reach = _AHEAD - 1  # the last read the thread may make before more are taken
        self._stop = False
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    @property
    def ahead(self) -> bool:
        """Whether the reads are being made ahead (started, and not closed)."""
        return self._thread is not None

    def columns(self, expressions: Sequence[str], where: str | None = None) -> int:
        """A read of :func:`columns` (of the applications given to :func:`use_ids` when ``listed``)."""
        self._queries.append(_columns_sql(expressions, where, self.listed))
        return len(self._queries) - 1

    def histories(self) -> int:
        """A read of :func:`grant_histories`."""
        self._queries.append((_GRANTS, ""))
        return len(self._queries) - 1

    def start(self) -> None:
        """The reads asked for so far made ahead, when they can be (see the class)."""
        store = self.store
        if self.listed or self._thread is not None or not self._queries or store.conn.in_transaction:
            return  # (in a transaction of the store's connection, a read may need what it has not committed)
        try:
            if store.conn.execute("pragma journal_mode").fetchone()[0] != "wal":
                return
            conn = sqlite3.connect(str(store.path), timeout=store.lock_timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error:
            return  # (each read is made on the store's connection)
        thread = threading.Thread(target=self._run, name="avustus-rule-inputs", daemon=True)
        self._conn = conn
        try:
            thread.start()
        except RuntimeError:  # (no thread can be started)
            self._conn = None
            conn.close()
            return
        self._thread = thread

    def _run(self) -> None:
        conn = self._conn
        assert conn is not None
        try:
            conn.execute("pragma query_only = 1")
            conn.execute("begin")
            for k, (sql, _) in enumerate(self._queries):
                with self._lock:  # (at most _AHEAD reads beyond the one last asked for)
                    while k > self._reach and not self._stop:
                        self._lock.wait(0.5)
                if self._stop:
                    break
                row = conn.execute(sql, self.params).fetchone()
                with self._lock:
                    self._read[k] = row
                    self._lock.notify_all()
        except BaseException:  # (the read is made again on the store's connection, which raises the error)
            pass
        finally:
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("rollback")
            with self._lock:
                self._done = True
                self._lock.notify_all()

    def _take(self, handle: int) -> tuple[Any, ...]:
        if self._thread is not None:
            with self._lock:
                if handle + _AHEAD > self._reach:
                    self._reach = handle + _AHEAD
                    self._lock.notify_all()
                # (with a timeout: an interrupt, Ctrl-C, is seen on every platform while waiting)
                while handle not in self._read and not self._done:
                    self._lock.wait(0.5)
                row = self._read.pop(handle, None)
            if row is not None:
                return row
        return self.store.conn.execute(self._queries[handle][0], self.params).fetchone()

    def take_columns(self, handle: int) -> list[list[Any]]:
        """The columns the read ``handle`` (of :meth:`columns`) gives, as :func:`columns` gives them."""
        return _read_columns(self.store, self._take(handle), self._queries[handle][1], self.params)

    def take_histories(self, handle: int) -> tuple[dict[str, int], dict[int, str]]:
        """What the read ``handle`` (of :meth:`histories`) gives, as :func:`grant_histories` gives it."""
        return _histories(self._take(handle))

    def close(self) -> None:
        """The thread ended (its running query interrupted) and its connection closed."""
        with self._lock:
            self._stop = True
            self._lock.notify_all()
        thread, conn = self._thread, self._conn
        if thread is None or conn is None:
            return
        with contextlib.suppress(sqlite3.Error):
            conn.interrupt()
        while thread.is_alive():
            thread.join(0.5)
        self._thread = self._conn = None
        conn.close()
        self._read.clear()

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

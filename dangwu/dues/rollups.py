"""Roll-ups of the dues report (党费收缴统计), kept per organization SUBTREE and month.

A `DuesStat` row holds, for one organization's whole subtree (the organization and everything
below it) and one month, the four figures the report adds up over `Assessment` rows:

- `due`: the sum of `amount_due`;
- `collected`: the sum of `amount_due` of the rows paid — a payment recorded, or nothing due;
- `members`: the number of rows (member-months assessed);
- `paid_members`: the number of rows paid (same definition).

Every figure is a plain sum over rows, so a year is the sum of its months and an organization's
own members are its row less its children's rows: `selectors.report` reads the rows of the
organization and its children (12× that for a year), never an assessment.

Keeping them exact: each service that inserts assessments or changes their amount or paid
state computes the change per (organization the row is filed under, month) from the rows it
wrote — `INSERT … RETURNING` for inserts, the rows it locked for updates — and calls `apply`
in its own transaction; `apply` spreads the deltas over the organizations' ancestors and
upserts them in key order (one `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x` per
batch; `unnest` arrays on PostgreSQL). `rebuild` recomputes from scratch with set-based SQL
(after a bulk load, or to repair); `drift` compares. See docs/decisions/0006-dues-assessment.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction

ZERO = Decimal("0")
FEN = Decimal("0.01")


@dataclass
class Delta:
    """A change of the four figures of one (organization, month)."""

    due: Decimal = ZERO
    collected: Decimal = ZERO
    members: int = 0
    paid_members: int = 0

    def add(self, other: Delta) -> None:
        self.due += other.due
        self.collected += other.collected
        self.members += other.members
        self.paid_members += other.paid_members

    def __bool__(self) -> bool:
        return bool(self.due or self.collected or self.members or self.paid_members)


def is_paid(amount_due: Decimal, payment_id: Any) -> bool:
    """The report's definition of a paid month: a payment recorded, or nothing due."""
    return payment_id is not None or not amount_due


def row_delta(amount_due: Decimal, payment_id: Any, *, sign: int = 1) -> Delta:
    """What one assessment row contributes (sign −1: takes away)."""
    paid = is_paid(amount_due, payment_id)
    return Delta(due=sign * amount_due, collected=sign * amount_due if paid else ZERO, members=sign,
                 paid_members=sign if paid else 0)


Deltas = dict[tuple[int, date], Delta]


def collect(changes: Iterable[tuple[int, date, Delta]]) -> Deltas:
    """Add up changes keyed by (organization id, month)."""
    out: Deltas = {}
    for org_id, month, delta in changes:
        out.setdefault((org_id, month), Delta()).add(delta)
    return out


# --- incremental changes ------------------------------------------------------------

def _steplen() -> int:
    from dangwu.orgs.models import Organization

    return Organization.steplen


def _prefixes(path: str) -> list[str]:
    step = _steplen()
    return [path[: step * k] for k in range(1, len(path) // step + 1)]


def apply(deltas: Deltas) -> None:
    """Add deltas keyed by (organization the rows are filed under, month) to the roll-ups of
    that organization and of all its ancestors. Must run inside the caller's transaction, after
    its writes (the roll-up rows are locked last and in key order: no deadlock with a batch)."""
    deltas = {k: d for k, d in deltas.items() if d}
    if not deltas:
        return
    from dangwu.orgs.models import Organization

    paths = dict(Organization.objects.filter(pk__in={oid for oid, _m in deltas}).values_list("pk", "path"))
    wanted = {p for path in paths.values() for p in _prefixes(path)}
    ids = dict(Organization.objects.filter(path__in=wanted).values_list("path", "pk"))
    spread: Deltas = {}
    for (oid, month), delta in deltas.items():
        for p in _prefixes(paths[oid]):
            spread.setdefault((ids[p], month), Delta()).add(delta)
    add_totals(spread)


def _table() -> str:
    from .models import DuesStat

    return DuesStat._meta.db_table


_COLUMNS = ("organization_id", "month", "due", "collected", "members", "paid_members")


def add_totals(deltas: Deltas) -> None:
    """Add each delta to the row (organization id, month), creating it if missing."""
    rows = sorted((oid, month, d.due, d.collected, d.members, d.paid_members)
                  for (oid, month), d in deltas.items() if d)
    if not rows:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("roll-ups must be changed inside the caller's transaction")
    q = connection.ops.quote_name
    table = q(_table())
    columns = ", ".join(q(c) for c in _COLUMNS)
    head = f"INSERT INTO {table} ({columns}) "
    tail = (f" ON CONFLICT ({q('organization_id')}, {q('month')}) DO UPDATE SET "
            + ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in _COLUMNS[2:]))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            select = ("SELECT * FROM unnest(%s::bigint[], %s::date[], %s::numeric[], %s::numeric[], "
                      "%s::bigint[], %s::bigint[])")
            for start in range(0, len(rows), 20_000):
                chunk = rows[start:start + 20_000]
                cursor.execute(head + select + tail, [list(column) for column in zip(*chunk, strict=True)])
            return
        ops = connection.ops
        batch = max(1, min(500, (connection.features.max_query_params or 3000) // 6))
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            params = [v for oid, month, due, collected, n, paid in chunk
                      for v in (oid, ops.adapt_datefield_value(month), ops.adapt_decimalfield_value(due),
                                ops.adapt_decimalfield_value(collected), n, paid)]
            cursor.execute(head + "VALUES " + values + tail, params)


# --- recomputing from scratch ---------------------------------------------------------

@dataclass(frozen=True)
class _Tables:
    assessment: str
    org: str
    stat: str


def _tables(registry: Any = None) -> _Tables:
    if registry is None:
        from django.apps import apps

        registry = apps
    return _Tables(
        assessment=registry.get_model("dues", "Assessment")._meta.db_table,
        org=registry.get_model("orgs", "Organization")._meta.db_table,
        stat=registry.get_model("dues", "DuesStat")._meta.db_table,
    )


_WORK = "dangwu_dues_rollup_work"
_FIGURES = "due, collected, members, paid_members"


def rebuild(*, organization: Any = None, apps: Any = None) -> None:
    """Recompute the roll-ups from the assessments: all of them, or one organization's subtree
    (and then its ancestors, each recounted from its own rows and its children's roll-ups).

    Set-based: one GROUP BY over the assessments per (organization, month), carried up the tree
    one level at a time, written at once. One transaction (the caller's if any); on PostgreSQL
    the roll-up table is locked first so that no service changes it meanwhile.
    """
    t = _tables(apps)
    q = connection.ops.quote_name
    step = _steplen()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {q(t.stat)} IN EXCLUSIVE MODE")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # Parallel query is off for the platform's connections (settings); a rebuild gains from it.
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)",
                           [str(settings.DANGWU_PG_BATCH_PARALLEL_WORKERS)])
        if organization is not None:
            cursor.execute(f"SELECT {q('path')}, {q('depth')} FROM {q(t.org)} WHERE {q('id')} = %s",
                           [organization.pk])
            top_path, top_depth = cursor.fetchone()
            where_org, org_params = f"o.{q('path')} LIKE %s", [top_path + "%"]
        else:
            top_path, top_depth = "", 1
            where_org, org_params = "1 = 1", []
        cursor.execute(f"DROP TABLE IF EXISTS {_WORK}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_WORK} (org_id BIGINT NOT NULL, depth INTEGER NOT NULL, "
                       f"month DATE NOT NULL, due NUMERIC(18, 2) NOT NULL, collected NUMERIC(18, 2) NOT NULL, "
                       f"members BIGINT NOT NULL, paid_members BIGINT NOT NULL)")
        _fill_direct(cursor, t, where_org, org_params)
        cursor.execute(f"CREATE INDEX {_WORK}_depth ON {_WORK} (depth)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {_WORK}")
        cursor.execute(f"SELECT MAX({q('depth')}) FROM {q(t.org)} o WHERE {where_org}", org_params)
        max_depth = cursor.fetchone()[0] or top_depth
        for depth in range(max_depth, top_depth, -1):  # children's sums into their parents, deepest first
            cursor.execute(
                f"INSERT INTO {_WORK} (org_id, depth, month, {_FIGURES}) "
                f"SELECT p.{q('id')}, %s, w.month, SUM(w.due), SUM(w.collected), SUM(w.members), "
                f"SUM(w.paid_members) FROM {_WORK} w "
                f"JOIN {q(t.org)} c ON c.{q('id')} = w.org_id "
                f"JOIN {q(t.org)} p ON p.{q('path')} = SUBSTR(c.{q('path')}, 1, %s) "
                f"WHERE w.depth = %s GROUP BY p.{q('id')}, w.month",
                [depth - 1, step * (depth - 1), depth],
            )
        if organization is None:
            _empty(cursor, q(t.stat))
        else:
            cursor.execute(f"DELETE FROM {q(t.stat)} WHERE {q('organization_id')} IN "
                           f"(SELECT o.{q('id')} FROM {q(t.org)} o WHERE {where_org})", org_params)
        _write_work(cursor, t)
        ancestors = [top_path[: step * k] for k in range(1, top_depth)]
        if ancestors:
            cursor.execute(f"SELECT {q('id')}, {q('path')}, {q('depth')} FROM {q(t.org)} "
                           f"WHERE {q('path')} IN ({', '.join(['%s'] * len(ancestors))}) "
                           f"ORDER BY {q('depth')} DESC", ancestors)
            for aid, apath, adepth in cursor.fetchall():
                cursor.execute(f"DELETE FROM {_WORK}")
                _fill_direct(cursor, t, f"o.{q('id')} = %s", [aid])
                cursor.execute(
                    f"INSERT INTO {_WORK} (org_id, depth, month, {_FIGURES}) "
                    f"SELECT %s, %s, s.{q('month')}, s.{q('due')}, s.{q('collected')}, s.{q('members')}, "
                    f"s.{q('paid_members')} FROM {q(t.stat)} s "
                    f"JOIN {q(t.org)} c ON c.{q('id')} = s.{q('organization_id')} "
                    f"WHERE c.{q('path')} LIKE %s AND c.{q('depth')} = %s",
                    [aid, adepth, apath + "%", adepth + 1],
                )
                cursor.execute(f"DELETE FROM {q(t.stat)} WHERE {q('organization_id')} = %s", [aid])
                _write_work(cursor, t)
        cursor.execute(f"DROP TABLE {_WORK}")


def _fill_direct(cursor: Any, t: _Tables, where_org: str, org_params: list[Any]) -> None:
    """The figures of each organization's own rows per month, into the work table."""
    q = connection.ops.quote_name
    paid = f"(a.{q('payment_id')} IS NOT NULL OR a.{q('amount_due')} = 0)"
    cursor.execute(
        f"INSERT INTO {_WORK} (org_id, depth, month, {_FIGURES}) "
        f"SELECT o.{q('id')}, o.{q('depth')}, a.{q('month')}, SUM(a.{q('amount_due')}), "
        f"SUM(CASE WHEN {paid} THEN a.{q('amount_due')} ELSE 0 END), COUNT(*), "
        f"SUM(CASE WHEN {paid} THEN 1 ELSE 0 END) "
        f"FROM {q(t.assessment)} a JOIN {q(t.org)} o ON o.{q('id')} = a.{q('organization_id')} "
        f"WHERE {where_org} GROUP BY o.{q('id')}, o.{q('depth')}, a.{q('month')}",
        org_params,
    )


def _write_work(cursor: Any, t: _Tables) -> None:
    q = connection.ops.quote_name
    cursor.execute(
        f"INSERT INTO {q(t.stat)} ({', '.join(q(c) for c in _COLUMNS)}) "
        f"SELECT org_id, month, SUM(due), SUM(collected), SUM(members), SUM(paid_members) FROM {_WORK} "
        f"GROUP BY org_id, month ORDER BY org_id, month"
    )


def _empty(cursor: Any, table: str) -> None:
    """TRUNCATE on PostgreSQL (no dead rows) unless deferred checks of this transaction forbid it."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                cursor.execute(f"TRUNCATE {table}")
            return
        except OperationalError:
            pass
    cursor.execute(f"DELETE FROM {table}")


# --- checking -------------------------------------------------------------------------

Figures = tuple[Decimal, Decimal, int, int]


def drift(*, organization: Any = None) -> dict[tuple[int, date], tuple[Figures, Figures]]:
    """Rows where the stored roll-ups differ from a recount: {(org id, month): (stored, recounted)}.

    Recounts in a transaction that is rolled back, so nothing changes (costs as much as a rebuild).
    """
    from dangwu.orgs.models import Organization

    from .models import DuesStat

    def snapshot() -> dict[tuple[int, date], Figures]:
        qs = DuesStat.objects.all()
        if organization is not None:
            qs = qs.filter(organization__path__startswith=organization.path)
        out = {}
        for oid, month, due, collected, n, paid in qs.values_list("organization_id", "month", *_COLUMNS[2:]):
            figures = (Decimal(due).quantize(FEN), Decimal(collected).quantize(FEN), n, paid)
            if any(figures):
                out[(oid, month)] = figures
        return out

    class _Rollback(Exception):
        pass

    stored = snapshot()
    recounted: dict[tuple[int, date], Figures] = {}
    try:
        with transaction.atomic():
            rebuild(organization=Organization.objects.get(pk=organization.pk) if organization else None)
            recounted = snapshot()
            raise _Rollback
    except _Rollback:
        pass
    nothing: Figures = (ZERO, ZERO, 0, 0)
    return {k: (stored.get(k, nothing), recounted.get(k, nothing)) for k in set(stored) | set(recounted)
            if stored.get(k, nothing) != recounted.get(k, nothing)}

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

from django.db import connection, transaction

from dangwu.core import subtree_sums

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
    table = subtree_sums.SubtreeSums(
        stat_table=t.stat, org_table=t.org, work_table=_WORK, keys=("month",),
        sums=tuple((c, c) for c in _COLUMNS[2:]),
        work_columns="month DATE NOT NULL, due NUMERIC(18, 2) NOT NULL, collected NUMERIC(18, 2) NOT NULL, "
                     "members BIGINT NOT NULL, paid_members BIGINT NOT NULL",
        steplen=_steplen())
    subtree_sums.rebuild(table, organization=organization,
                         fill_direct=lambda cursor, where_org, params: _fill_direct(cursor, t, where_org, params))


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

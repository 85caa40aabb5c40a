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

The spreading, upsert, rebuild and check are core's roll-up engine (`core.rollups`); this module
says what is summed (`row_delta`, and `_fill_own` for the rebuild, the same in SQL) and registers
the table as the roll-up "dues" (`DUES`, in `DuesConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from dangwu.core import rollups as engine
from dangwu.core.registries import RollupSpec

from .models import AuditAction

ZERO = Decimal("0")


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

    def sums(self) -> tuple[Decimal, Decimal, int, int]:
        """The four figures in the roll-up table's order (`DUES.sums`)."""
        return (self.due, self.collected, self.members, self.paid_members)


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

def apply(deltas: Deltas) -> None:
    """Add deltas keyed by (organization the rows are filed under, month) to the roll-ups of
    that organization and of all its ancestors. Must run inside the caller's transaction, after
    its writes (the roll-up rows are locked last and in key order: no deadlock with a batch)."""
    engine.spread(DUES, {k: d.sums() for k, d in deltas.items() if d})


def add_totals(deltas: Deltas) -> None:
    """Add each delta to the row (organization id, month), creating it if missing (that row only)."""
    engine.upsert(DUES, {k: d.sums() for k, d in deltas.items() if d})


# --- recomputing from scratch ---------------------------------------------------------

def rebuild(*, organization: Any = None, apps: Any = None) -> None:
    """Recompute the roll-ups from the assessments: all of them, or one organization's subtree
    (and then its ancestors, each recounted from its own rows and its children's roll-ups).

    Set-based (`core.rollups.rebuild`): one GROUP BY over the assessments per (organization,
    month), carried up the tree one level at a time, written at once. One transaction (the
    caller's if any); on PostgreSQL the roll-up table is locked first so that no service changes
    it meanwhile. `apps` is a migration's app registry.
    """
    engine.rebuild(DUES, organization=organization, apps=apps)


def _fill_own(*, fill: engine.Fill) -> None:
    """The figures of each organization's own rows per month, into the work table."""
    q = connection.ops.quote_name
    paid = f"(a.{q('payment_id')} IS NOT NULL OR a.{q('amount_due')} = 0)"
    fill.insert(
        f"SELECT o.{q('id')}, o.{q('depth')}, a.{q('month')}, SUM(a.{q('amount_due')}), "
        f"SUM(CASE WHEN {paid} THEN a.{q('amount_due')} ELSE 0 END), COUNT(*), "
        f"SUM(CASE WHEN {paid} THEN 1 ELSE 0 END) "
        f"FROM {fill.table('dues.Assessment')} a JOIN {fill.org_table} o ON o.{q('id')} = a.{q('organization_id')} "
        f"WHERE {fill.where_org} GROUP BY o.{q('id')}, o.{q('depth')}, a.{q('month')}",
        fill.params,
    )


# --- checking -------------------------------------------------------------------------

Figures = tuple[Decimal, Decimal, int, int]


def drift(*, organization: Any = None) -> dict[tuple[int, date], tuple[Figures, Figures]]:
    """Rows where the stored roll-ups differ from a recount: {(org id, month): (stored, recounted)}.

    Recounts in a transaction that is rolled back, so nothing changes (costs as much as a rebuild).
    """
    return engine.drift(DUES, organization=organization)  # type: ignore[return-value]


def _describe_key(*, key: tuple[date]) -> str:
    return f"{key[0]:%Y-%m}"


DUES = RollupSpec(
    key="dues",
    label="dues report",
    stat_model="dues.DuesStat",
    keys=("month",),
    sums=("due", "collected", "members", "paid_members"),
    fill_own=_fill_own,
    describe_key=_describe_key,
    audit_action=AuditAction.STATS_REBUILD,
    order=20,
)

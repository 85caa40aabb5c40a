"""Roll-ups of the structure statistics (党员结构统计), kept per organization SUBTREE.

A `SubtreeStat` row says how many members (or organizations) of an organization's whole
subtree — the organization itself and everything below it — fall under one key of one
dimension. Statistics of any organization are then one indexed read of its own rows, at a
branch as at the province (5 M members), instead of a scan of the members below it.

Dimensions (`member_keys` is the one definition; `rebuild` computes the same in SQL):

- `standing`: every member, whatever the standing (正常, 停止党籍, 出党, 死亡 …);
- members in good standing (standing = "normal") only: `member_type`, `gender`,
  `ethnicity` (the stored text, 汉族, 土家族 …), `birth_year`, `education`, `occupation`,
  `join_year`, and `flag` (outflow, inflow, lost_contact, hardship: the members to look after);
- `org_type`: organizations not dissolved, by type, the organization itself included.

Age bands and years since joining are derived at read time from `birth_year` and
`join_year` (党内统计: counted at the end of the statistical year), so nothing has to be
recounted when a year turns.

Keeping them exact: every write that changes a member or an organization calls
`apply_member_changes` / `apply_org_changes` in its own transaction with the states before
and after the change. The deltas are added up in memory per (ancestor, dimension, key) and
written with one INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count per batch
of rows (SQLite ≥ 3.24 and PostgreSQL alike). `rebuild` recomputes from scratch with
set-based SQL (after a bulk load, or to repair). See docs/decisions/0004-structure-rollups.md.

The spreading, upsert, rebuild and check are core's roll-up engine (`core.rollups`); this module
says what is counted (`member_keys`, `org_keys`, and `_fill_own` for the rebuild, the same in
SQL) and registers the table as the roll-up "structure" (`STRUCTURE`, in `MembersConfig.ready`),
with the repair of the members' copy of their organization's path beside it (`ORG_PATHS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Subquery

from dangwu.core import rollups as engine
from dangwu.core.registries import RollupRepair, RollupSpec

from .models import AuditAction

# --- dimensions ---------------------------------------------------------------------

STANDING = "standing"
MEMBER_TYPE = "member_type"
GENDER = "gender"
ETHNICITY = "ethnicity"
BIRTH_YEAR = "birth_year"
EDUCATION = "education"
OCCUPATION = "occupation"
JOIN_YEAR = "join_year"
FLAG = "flag"
ORG_TYPE = "org_type"

NORMAL = "normal"  # Standing.NORMAL: the dimensions below `standing` count only these members

# (flag key, Member field): a member in good standing with the field true counts under the key.
FLAGS: tuple[tuple[str, str], ...] = (
    ("outflow", "is_outflow"),
    ("inflow", "is_inflow"),
    ("lost_contact", "lost_contact"),
    ("hardship", "in_hardship"),
)

# Dimensions whose key is a member field's value as stored, counted for members in good standing.
_PLAIN_FIELDS: tuple[tuple[str, str], ...] = (
    (MEMBER_TYPE, "member_type"),
    (GENDER, "gender"),
    (ETHNICITY, "ethnicity"),
    (EDUCATION, "education"),
    (OCCUPATION, "occupation"),
)
_YEAR_FIELDS: tuple[tuple[str, str], ...] = ((BIRTH_YEAR, "birth_date"), (JOIN_YEAR, "joined_on"))

KEY_LENGTH = 32


def _key(value: Any) -> str:
    return ("" if value is None else str(value))[:KEY_LENGTH]


# The attributes of a member the roll-ups read (any object carrying them will do, e.g. the
# import's lightweight records): `member_keys` reads all but the first.
MEMBER_ATTRIBUTES = ("organization_id", "standing", "member_type", "gender", "ethnicity", "education",
                     "occupation", "birth_date", "joined_on", "is_outflow", "is_inflow", "lost_contact",
                     "in_hardship")


def member_keys(member: Any) -> list[tuple[str, str]]:
    """The (dimension, key) pairs one member contributes to every organization above it (pure)."""
    keys = [(STANDING, _key(member.standing))]
    if member.standing != NORMAL:
        return keys
    for dimension, field in _PLAIN_FIELDS:
        keys.append((dimension, _key(getattr(member, field))))
    for dimension, field in _YEAR_FIELDS:
        day = getattr(member, field)
        keys.append((dimension, str(day.year) if day is not None else ""))
    for flag, field in FLAGS:
        if getattr(member, field):
            keys.append((FLAG, flag))
    return keys


def org_keys(org: Any) -> list[tuple[str, str]]:
    """The (dimension, key) pairs one organization contributes to itself and every organization above it."""
    if org.dissolved_on is not None:
        return []
    return [(ORG_TYPE, _key(org.org_type))]


# --- incremental changes ------------------------------------------------------------

def prefixes(path: str) -> list[str]:
    """The materialized paths of an organization and all its ancestors, root first."""
    return engine.prefixes(path, steplen=engine.org_model(STRUCTURE).steplen)


def apply_member_changes(*, before: Iterable[Any], after: Iterable[Any]) -> None:
    """Bring the roll-ups up to date with changes of members.

    `before` and `after` run in pairs: the member as it was (None for a member created) and as
    it is now (None for a member deleted). Pass a copy taken before the change
    (`copy.copy(member)` before mutating it, or the row read again). Must run inside the
    caller's transaction, after or before its write (only the states matter).
    Queries: one for the organizations' paths, one for their ancestors' ids, then one upsert per
    batch of rows.
    """
    per_org: Counter[tuple[int, str, str]] = Counter()
    for old, new in zip(before, after, strict=True):
        for sign, member in ((-1, old), (+1, new)):
            if member is not None:
                for dimension, key in member_keys(member):
                    per_org[(member.organization_id, dimension, key)] += sign
    engine.spread(STRUCTURE, {k: (n,) for k, n in per_org.items() if n})


def apply_org_changes(*, before: Iterable[Any], after: Iterable[Any]) -> None:
    """Bring the `org_type` roll-ups up to date with organizations created, changed or dissolved.

    Pairs as for `apply_member_changes` (None for created / deleted); `after` carries the saved
    path. Must run inside the caller's transaction.
    """
    per_path: Counter[tuple[str, str, str]] = Counter()
    for old, new in zip(before, after, strict=True):
        for sign, org in ((-1, old), (+1, new)):
            if org is None:
                continue
            for dimension, key in org_keys(org):
                per_path[(org.path, dimension, key)] += sign
    engine.spread_by_path(STRUCTURE, {k: (n,) for k, n in per_path.items() if n})


def add_counts(deltas: dict[tuple[int, str, str], int]) -> None:
    """Add each delta to the row (organization id, dimension, key), creating it if missing (that
    row only); inside the caller's transaction."""
    engine.upsert(STRUCTURE, {k: (n,) for k, n in deltas.items() if n})


# --- recomputing from scratch ---------------------------------------------------------

def _year_sql(column: str) -> str:
    """The year of a date column as text, as `str(day.year)` gives it."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)::text"
    if connection.vendor == "sqlite":
        return f"CAST(CAST(strftime('%%Y', {column}) AS INTEGER) AS TEXT)"
    return f"CAST(EXTRACT(YEAR FROM {column}) AS CHAR)"


def rebuild(*, organization: Any = None, apps: Any = None) -> None:
    """Recompute the roll-ups from the members and organizations themselves: all of them, or
    one organization's subtree (and then its ancestors, each recounted from its own members and
    its children's roll-ups, so that they agree with the repaired subtree).

    Set-based SQL, nothing per row in Python (`core.rollups.rebuild`): one GROUP BY over the
    members per dimension, aggregated per organization the member belongs to directly, then
    carried up the tree one level at a time, then written at once. Runs in one transaction (the
    caller's if there is one). On PostgreSQL the roll-up table is locked first, so that no write
    changes counts while they are recounted (plain reads go on). `apps` is a migration's app
    registry (the data migration uses it).
    """
    engine.rebuild(STRUCTURE, organization=organization, apps=apps)


def _fill_own(*, fill: engine.Fill) -> None:
    """Per dimension, the counts of each organization's own members (and each organization's
    own type), into the work table: one GROUP BY over the members per dimension."""
    q = connection.ops.quote_name
    m_org = f"m.{q('organization_id')}"
    o_id, o_depth = f"o.{q('id')}", f"o.{q('depth')}"
    join = f"FROM {fill.table('members.Member')} m JOIN {fill.org_table} o ON {o_id} = {m_org}"
    normal = f"m.{q('standing')} = %s"

    def insert(dimension: str, key_sql: str, condition: str, params: list[Any]) -> None:
        fill.insert(
            f"SELECT {o_id}, {o_depth}, %s, {key_sql}, COUNT(*) {join} "
            f"WHERE {condition} AND {fill.where_org} GROUP BY {o_id}, {o_depth}, {key_sql}",
            [dimension, *params, *fill.params],
        )

    insert(STANDING, f"SUBSTR(m.{q('standing')}, 1, {KEY_LENGTH})", "1 = 1", [])
    for dimension, field in _PLAIN_FIELDS:
        insert(dimension, f"SUBSTR(m.{q(field)}, 1, {KEY_LENGTH})", normal, [NORMAL])
    for dimension, field in _YEAR_FIELDS:
        insert(dimension, _year_sql(f"m.{q(field)}"), normal, [NORMAL])
    for flag, field in FLAGS:
        fill.insert(
            f"SELECT {o_id}, {o_depth}, %s, %s, COUNT(*) {join} "
            f"WHERE {normal} AND m.{q(field)} = %s AND {fill.where_org} GROUP BY {o_id}, {o_depth}",
            [FLAG, flag, NORMAL, True, *fill.params],
        )
    fill.insert(
        f"SELECT {o_id}, {o_depth}, %s, SUBSTR(o.{q('org_type')}, 1, {KEY_LENGTH}), 1 "
        f"FROM {fill.org_table} o WHERE o.{q('dissolved_on')} IS NULL AND {fill.where_org}",
        [ORG_TYPE, *fill.params],
    )


# --- checking -------------------------------------------------------------------------

def drift(*, organization: Any = None) -> dict[tuple[int, str, str], tuple[int, int]]:
    """Rows where the stored roll-ups differ from a recount: {(org id, dimension, key): (stored, recounted)}.

    Recounts in a transaction that is rolled back, so nothing changes. For `rebuild_rollups --check`
    and tests; it costs as much as a rebuild.
    """
    return {k: (stored[0], recounted[0])
            for k, (stored, recounted) in engine.drift(STRUCTURE, organization=organization).items()}


def _describe_key(*, key: tuple[str, str]) -> str:
    dimension, value = key
    return f"{dimension}={value!r}"


STRUCTURE = RollupSpec(
    key="structure",
    label="structure statistics",
    stat_model="members.SubtreeStat",
    keys=("dimension", "key"),
    sums=("count",),
    fill_own=_fill_own,
    describe_key=_describe_key,
    audit_action=AuditAction.STATS_REBUILD,
    order=10,
)


# --- the member's copy of its organization's path (migration 0010) -------------------------

def stale_org_paths() -> int:
    """How many members' `org_path` differ from their organization's path. Triggers keep the copy
    (docs/decisions/0011); only a write with triggers disabled (a restore) can leave one wrong."""
    from .models import Member

    return Member.objects.exclude(org_path=F("organization__path")).count()


def repair_org_paths() -> int:
    """Copy each organization's path to its members where it differs; how many were wrong."""
    from dangwu.orgs.models import Organization

    from .models import Member

    stale = list(Member.objects.exclude(org_path=F("organization__path")).values_list("pk", flat=True))
    path = Subquery(Organization.objects.filter(pk=OuterRef("organization_id")).values("path")[:1])
    for start in range(0, len(stale), 10_000):
        Member.objects.filter(pk__in=stale[start:start + 10_000]).update(org_path=path)
    return len(stale)


def _count_stale_org_paths(*, organization: Any = None) -> int:
    return stale_org_paths()  # the whole table, whatever subtree was asked for (as rebuild_stats always did)


def _repair_org_paths(*, organization: Any = None) -> int:
    return repair_org_paths()


ORG_PATHS = RollupRepair(
    key="org_paths",
    rollup=STRUCTURE.key,
    count=_count_stale_org_paths,
    repair=_repair_org_paths,
    problem="{n} members' org_path differ from their organization's path (triggers disabled during a restore?)",
    repaired="{n} members' org_path copied again from their organization",
    summary_key="org_paths_repaired",
)

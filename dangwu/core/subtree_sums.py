"""Recomputing roll-up tables of sums over each organization's whole subtree, set-based.

Two apps keep such tables: the structure statistics (`members.rollups`, counts per dimension
and key) and the dues figures (`dues.rollups`, sums per month). Their services keep them up to
date row by row; `rebuild` recomputes one from scratch, for the whole tree or one subtree and
then its ancestors, with nothing per row in Python:

1. the caller's `fill_direct` writes each organization's own figures into a temporary work table
   (organization id, its depth, the keys, the figures);
2. each level's sums are carried up to the parents, deepest level first (children matched to
   their parent by path prefix);
3. the roll-up rows of the subtree are replaced by the work table's sums;
4. each ancestor of a rebuilt subtree is recounted from its own figures plus its children's
   stored roll-ups, deepest first.

One transaction (the caller's if there is one). On PostgreSQL the roll-up table is locked first,
so that no service changes it meanwhile (plain reads go on); sorts get more memory and the
parallel workers the platform's connections otherwise do without (decision 0009).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction


@dataclass(frozen=True)
class SubtreeSums:
    stat_table: str  # the roll-up table: organization_id, the keys, the sums
    org_table: str  # the organization tree (treebeard materialized path: path, depth)
    work_table: str  # name of the temporary work table
    keys: tuple[str, ...]  # grouping columns beside the organization, same names in both tables
    sums: tuple[tuple[str, str], ...]  # (column of the roll-up table, column of the work table)
    work_columns: str  # SQL definitions of the keys' and sums' columns of the work table
    steplen: int  # treebeard's characters per level of the path


def rebuild(table: SubtreeSums, *, organization: Any,
            fill_direct: Callable[[Any, str, list[Any]], None]) -> None:
    """Recompute the roll-ups of `table`: all of them (`organization=None`) or one organization's
    subtree and its ancestors. `fill_direct(cursor, where_org, params)` inserts into the work table
    `(org_id, depth, keys…, sums…)` the figures of each organization's own rows, for the
    organizations `o` matching `where_org`."""
    q = connection.ops.quote_name
    t, org, work, step = q(table.stat_table), q(table.org_table), table.work_table, table.steplen
    keys = [q(k) for k in table.keys]
    work_sums = [w for _s, w in table.sums]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {t} IN EXCLUSIVE MODE")
            # Sorts and hashes of millions of rows in memory rather than temporary files (this transaction only).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)",
                           [str(settings.DANGWU_PG_BATCH_PARALLEL_WORKERS)])
        if organization is not None:
            cursor.execute(f"SELECT {q('path')}, {q('depth')} FROM {org} WHERE {q('id')} = %s", [organization.pk])
            top_path, top_depth = cursor.fetchone()
            where_org, org_params = f"o.{q('path')} LIKE %s", [top_path + "%"]
        else:
            top_path, top_depth = "", 1
            where_org, org_params = "1 = 1", []
        cursor.execute(f"DROP TABLE IF EXISTS {work}")
        cursor.execute(f"CREATE TEMPORARY TABLE {work} (org_id BIGINT NOT NULL, depth INTEGER NOT NULL, "
                       f"{table.work_columns})")
        # (On an error the transaction's rollback takes the work table away with it.)
        fill_direct(cursor, where_org, org_params)
        cursor.execute(f"CREATE INDEX {work}_depth ON {work} (depth)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {work}")
        cursor.execute(f"SELECT MAX({q('depth')}) FROM {org} o WHERE {where_org}", org_params)
        max_depth = cursor.fetchone()[0] or top_depth
        columns = ", ".join(["org_id", "depth", *keys, *work_sums])
        for depth in range(max_depth, top_depth, -1):  # children's sums into their parents, deepest first
            cursor.execute(
                f"INSERT INTO {work} ({columns}) "
                f"SELECT p.{q('id')}, %s, {', '.join(f'w.{k}' for k in keys)}, "
                f"{', '.join(f'SUM(w.{s})' for s in work_sums)} FROM {work} w "
                f"JOIN {org} c ON c.{q('id')} = w.org_id "
                f"JOIN {org} p ON p.{q('path')} = SUBSTR(c.{q('path')}, 1, %s) "
                f"WHERE w.depth = %s GROUP BY p.{q('id')}, {', '.join(f'w.{k}' for k in keys)}",
                [depth - 1, step * (depth - 1), depth],
            )
        if organization is None:
            _empty(cursor, t)
        else:
            cursor.execute(f"DELETE FROM {t} WHERE {q('organization_id')} IN "
                           f"(SELECT o.{q('id')} FROM {org} o WHERE {where_org})", org_params)
        _write_work(cursor, table)
        ancestors = [top_path[: step * k] for k in range(1, top_depth)]
        if ancestors:
            cursor.execute(f"SELECT {q('id')}, {q('path')}, {q('depth')} FROM {org} "
                           f"WHERE {q('path')} IN ({', '.join(['%s'] * len(ancestors))}) "
                           f"ORDER BY {q('depth')} DESC", ancestors)
            for aid, apath, adepth in cursor.fetchall():
                # Its own figures plus its children's roll-ups (the other children's subtrees as stored).
                cursor.execute(f"DELETE FROM {work}")
                fill_direct(cursor, f"o.{q('id')} = %s", [aid])
                cursor.execute(
                    f"INSERT INTO {work} ({columns}) "
                    f"SELECT %s, %s, {', '.join(f's.{k}' for k in keys)}, "
                    f"{', '.join(f's.{q(s)}' for s, _w in table.sums)} FROM {t} s "
                    f"JOIN {org} c ON c.{q('id')} = s.{q('organization_id')} "
                    f"WHERE c.{q('path')} LIKE %s AND c.{q('depth')} = %s",
                    [aid, adepth, apath + "%", adepth + 1],
                )
                cursor.execute(f"DELETE FROM {t} WHERE {q('organization_id')} = %s", [aid])
                _write_work(cursor, table)
        cursor.execute(f"DROP TABLE {work}")


def _write_work(cursor: Any, table: SubtreeSums) -> None:
    """The work table's sums into the roll-up table, in index order (the unique index grows at its right edge)."""
    q = connection.ops.quote_name
    keys = [q(k) for k in table.keys]
    group = ", ".join(["org_id", *keys])
    cursor.execute(
        f"INSERT INTO {q(table.stat_table)} ({', '.join([q('organization_id'), *keys, *(q(s) for s, _w in table.sums)])}) "
        f"SELECT {group}, {', '.join(f'SUM({w})' for _s, w in table.sums)} FROM {table.work_table} "
        f"GROUP BY {group} ORDER BY {group}"
    )


def _empty(cursor: Any, table: str) -> None:
    """Empty the roll-up table: TRUNCATE on PostgreSQL (no dead rows to vacuum) unless rows
    written earlier in this transaction still have deferred foreign-key checks pending."""
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                cursor.execute(f"TRUNCATE {table}")
            return
        except OperationalError:
            pass
    cursor.execute(f"DELETE FROM {table}")

"""The roll-up engine: tables of sums over each organization's WHOLE subtree, kept exact row by
row, recomputed set-based, and checked.

A roll-up row holds, for one organization and one key, sums over the organization and
everything below it: the structure statistics (`members.rollups`: a count per dimension and
key) and the dues figures (`dues.rollups`: four sums per month). Any organization's figures are
then one indexed read of its own rows, at a branch as at the province. Each app describes its
table in a `registries.RollupSpec` and registers it in `registries.rollup_specs`; this module
knows no app (decision 0015): the tables are found through the spec, by label.

Three things, the same for every roll-up:

- **spread** (`spread`, `spread_by_path`): the services compute what changed per (organization
  the rows are filed under, keys) and, in their own transaction, add it to that organization's
  rows and all its ancestors'. Deltas are added up in memory per (ancestor, keys) and written
  with one INSERT … ON CONFLICT DO UPDATE SET s = s + excluded.s per batch (`upsert`; SQLite ≥
  3.24 and PostgreSQL alike), in key order, so that two transactions touching the same rows lock
  them in the same order.
- **rebuild**: recompute from scratch for the whole tree or one subtree and then its ancestors,
  with nothing per row in Python:
  1. the spec's `fill_own` writes each organization's own figures into a temporary work table
     (organization id, its depth, the keys, the sums);
  2. each level's sums are carried up to the parents, deepest level first (children matched to
     their parent by path prefix);
  3. the roll-up rows of the subtree are replaced by the work table's sums;
  4. each ancestor of a rebuilt subtree is recounted from its own figures plus its children's
     stored roll-ups, deepest first.
  One transaction (the caller's if there is one). On PostgreSQL the roll-up table is locked
  first, so that no service changes it meanwhile (plain reads go on); sorts get more memory and
  the parallel workers the platform's connections otherwise do without (decision 0009).
- **drift**: the rows where the stored roll-ups differ from a recount (a rebuild inside a
  transaction that is rolled back): for `manage.py rebuild_rollups --check` and the tests.

Sums are tuples, one value per sum column of the spec, in its order; keys are tuples
(organization id or path, then the spec's key columns in order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps as project_apps
from django.conf import settings
from django.db import OperationalError, connection, models, transaction

from .registries import RollupSpec, rollup_repairs

Sums = tuple[Any, ...]
Deltas = Mapping[tuple[Any, ...], Sums]

__all__ = ["Deltas", "Fill", "RollupSpec", "Sums", "drift", "prefixes", "rebuild", "spread", "spread_by_path",
           "upsert"]


# --- the tables --------------------------------------------------------------------------

def _model(ref: Any, apps: Any = None) -> type[models.Model]:
    """A model from its label ("app_label.ModelName") in the given app registry (a migration's)
    or the project's, or the model class itself."""
    if isinstance(ref, str):
        return (apps or project_apps).get_model(ref)
    return ref


def stat_model(spec: RollupSpec, apps: Any = None) -> type[models.Model]:
    return _model(spec.stat_model, apps)


def org_model(spec: RollupSpec, apps: Any = None) -> type[models.Model]:
    return _model(spec.org_model, apps)


def _steplen(spec: RollupSpec) -> int:
    # From the project's model even in a migration: a historical model has no treebeard attributes.
    return int(org_model(spec).steplen)


def prefixes(path: str, *, steplen: int) -> list[str]:
    """The materialized paths of an organization and all its ancestors, root first."""
    return [path[: steplen * k] for k in range(1, len(path) // steplen + 1)]


def _add(into: dict[tuple[Any, ...], Sums], key: tuple[Any, ...], sums: Sums) -> None:
    held = into.get(key)
    into[key] = sums if held is None else tuple(a + b for a, b in zip(held, sums, strict=True))


# --- incremental changes ------------------------------------------------------------

def spread(spec: RollupSpec, deltas: Deltas) -> None:
    """Add deltas keyed by (organization the rows are filed under — its id —, *keys) to the
    roll-ups of that organization and of all its ancestors. Must run inside the caller's
    transaction, after its writes (the roll-up rows are locked last and in key order).
    Queries: the organizations' paths, their ancestors' ids, then one upsert per batch."""
    deltas = {k: s for k, s in deltas.items() if any(s)}  # an unchanged pair costs nothing
    if not deltas:
        return
    paths = dict(org_model(spec).objects.filter(pk__in={k[0] for k in deltas}).values_list("pk", "path"))
    per_path: dict[tuple[Any, ...], Sums] = {}
    for (oid, *keys), sums in deltas.items():
        _add(per_path, (paths[oid], *keys), sums)
    spread_by_path(spec, per_path)


def spread_by_path(spec: RollupSpec, deltas: Deltas) -> None:
    """As `spread`, with deltas keyed by the organization's materialized path instead of its id
    (the path it had: an organization moved takes its figures away from its old ancestors)."""
    deltas = {k: s for k, s in deltas.items() if any(s)}
    if not deltas:
        return
    step = _steplen(spec)
    wanted = {p for path, *_keys in deltas for p in prefixes(path, steplen=step)}
    ids = dict(org_model(spec).objects.filter(path__in=wanted).values_list("path", "pk"))
    out: dict[tuple[Any, ...], Sums] = {}
    for (path, *keys), sums in deltas.items():
        for p in prefixes(path, steplen=step):
            _add(out, (ids[p], *keys), sums)
    upsert(spec, out)


def upsert(spec: RollupSpec, deltas: Deltas) -> None:
    """Add each delta to the row (organization id, *keys), creating it if missing — that row only,
    no ancestor. One INSERT … ON CONFLICT DO UPDATE per batch; the rows are sent in key order so
    that two transactions touching the same rows lock them in the same order."""
    rows = sorted((*key, *sums) for key, sums in deltas.items() if any(sums))
    if not rows:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("roll-ups must be changed inside the caller's transaction")
    model = stat_model(spec)
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ("organization_id", *spec.keys, *spec.sums)
    fields = [model._meta.get_field(c) for c in columns]
    head = f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
    tail = (f" ON CONFLICT ({', '.join(q(c) for c in columns[: 1 + len(spec.keys)])}) DO UPDATE SET "
            + ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in spec.sums))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg adapts the Python values itself; a sum that added up to a plain 0 goes into a
            # numeric array as a Decimal like the others.
            decimal = [isinstance(f, models.DecimalField) for f in fields]
            prepared = [[Decimal(v) if d and not isinstance(v, Decimal) else v
                         for d, v in zip(decimal, row, strict=True)] for row in rows]
            # One array a column and batch instead of one parameter a value: psycopg splits the
            # query text for its placeholders, which for 1,000 rows of (%s, %s, %s, %s) cost more
            # than the upsert itself (a 20,000-row import spent 3 s there).
            select = "SELECT * FROM unnest(" + ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields) + ")"
            for start in range(0, len(prepared), 20_000):
                chunk = prepared[start:start + 20_000]
                cursor.execute(head + select + tail, [list(column) for column in zip(*chunk, strict=True)])
            return
        prepared = [[f.get_db_prep_value(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows]
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        batch = max(1, min(1000, (connection.features.max_query_params or 4000) // len(columns)))
        for start in range(0, len(prepared), batch):
            chunk = prepared[start:start + batch]
            cursor.execute(head + "VALUES " + ", ".join([row_sql] * len(chunk)) + tail,
                           [v for row in chunk for v in row])


# --- recomputing from scratch ---------------------------------------------------------

@dataclass(frozen=True)
class Fill:
    """What a spec's `fill_own(fill=…)` writes with: insert into the work table, for the
    organizations `o` (alias of `org_table`) that `where_org` matches (with `params` last), one
    row per (organization, keys) — or several: they are added up — of that organization's OWN
    figures, as `SELECT o.id, o.depth, <keys…>, <sums…> …`."""

    cursor: Any
    apps: Any  # the app registry the app's tables come from (a migration's, or the project's)
    work_table: str
    columns: str  # the work table's columns, in order: org_id, depth, the keys, the sums
    org_table: str  # quoted
    where_org: str
    params: list[Any]

    def insert(self, select: str, params: Sequence[Any]) -> None:
        self.cursor.execute(f"INSERT INTO {self.work_table} ({self.columns}) {select}", list(params))

    def table(self, label: str) -> str:
        """The quoted table name of a model ("app_label.ModelName")."""
        return connection.ops.quote_name(_model(label, self.apps)._meta.db_table)


def rebuild(spec: RollupSpec, *, organization: Any = None, apps: Any = None) -> None:
    """Recompute the roll-ups of `spec`: all of them (`organization=None`) or one organization's
    subtree and then its ancestors (each recounted from its own figures and its children's
    roll-ups, so that they agree with the repaired subtree). `apps` is a migration's app registry
    (a data migration rolls up the rows already on file)."""
    q = connection.ops.quote_name
    stat = stat_model(spec, apps)
    t, org, step = q(stat._meta.db_table), q(org_model(spec, apps)._meta.db_table), _steplen(spec)
    work = f"dangwu_rollup_work_{spec.key}"
    keys = [q(k) for k in spec.keys]
    sums = [q(s) for s in spec.sums]
    definitions = ", ".join(f"{q(c)} {stat._meta.get_field(c).db_type(connection)} NOT NULL"
                            for c in (*spec.keys, *spec.sums))
    columns = ", ".join(["org_id", "depth", *keys, *sums])
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

        def fill(where: str, params: list[Any]) -> None:
            spec.fill_own(fill=Fill(cursor=cursor, apps=apps or project_apps, work_table=work, columns=columns,
                                    org_table=org, where_org=where, params=params))

        cursor.execute(f"DROP TABLE IF EXISTS {work}")
        cursor.execute(f"CREATE TEMPORARY TABLE {work} (org_id BIGINT NOT NULL, depth INTEGER NOT NULL, "
                       f"{definitions})")
        # (On an error the transaction's rollback takes the work table away with it.)
        fill(where_org, org_params)
        cursor.execute(f"CREATE INDEX {work}_depth ON {work} (depth)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {work}")
        cursor.execute(f"SELECT MAX({q('depth')}) FROM {org} o WHERE {where_org}", org_params)
        max_depth = cursor.fetchone()[0] or top_depth
        for depth in range(max_depth, top_depth, -1):  # children's sums into their parents, deepest first
            cursor.execute(
                f"INSERT INTO {work} ({columns}) "
                f"SELECT p.{q('id')}, %s, {', '.join(f'w.{k}' for k in keys)}, "
                f"{', '.join(f'SUM(w.{s})' for s in sums)} FROM {work} w "
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
        _write_work(cursor, t, work, keys, sums)
        ancestors = prefixes(top_path, steplen=step)[:-1] if organization is not None else []
        if ancestors:
            cursor.execute(f"SELECT {q('id')}, {q('path')}, {q('depth')} FROM {org} "
                           f"WHERE {q('path')} IN ({', '.join(['%s'] * len(ancestors))}) "
                           f"ORDER BY {q('depth')} DESC", ancestors)
            for aid, apath, adepth in cursor.fetchall():
                # Its own figures plus its children's roll-ups (the other children's subtrees as stored).
                cursor.execute(f"DELETE FROM {work}")
                fill(f"o.{q('id')} = %s", [aid])
                cursor.execute(
                    f"INSERT INTO {work} ({columns}) "
                    f"SELECT %s, %s, {', '.join(f's.{k}' for k in keys)}, {', '.join(f's.{s}' for s in sums)} "
                    f"FROM {t} s JOIN {org} c ON c.{q('id')} = s.{q('organization_id')} "
                    f"WHERE c.{q('path')} LIKE %s AND c.{q('depth')} = %s",
                    [aid, adepth, apath + "%", adepth + 1],
                )
                cursor.execute(f"DELETE FROM {t} WHERE {q('organization_id')} = %s", [aid])
                _write_work(cursor, t, work, keys, sums)
        cursor.execute(f"DROP TABLE {work}")


def _write_work(cursor: Any, table: str, work: str, keys: list[str], sums: list[str]) -> None:
    """The work table's sums into the roll-up table, in index order (the unique index grows at its right edge)."""
    q = connection.ops.quote_name
    group = ", ".join(["org_id", *keys])
    cursor.execute(
        f"INSERT INTO {table} ({', '.join([q('organization_id'), *keys, *sums])}) "
        f"SELECT {group}, {', '.join(f'SUM({s})' for s in sums)} FROM {work} "
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


# --- checking -------------------------------------------------------------------------

class _Rollback(Exception):
    pass


def drift(spec: RollupSpec, *, organization: Any = None) -> dict[tuple[Any, ...], tuple[Sums, Sums]]:
    """Rows where the stored roll-ups differ from a recount: {(organization id, *keys): (stored,
    recounted)}, rows of zeros counting as missing ones. For all organizations or one subtree.

    Recounts in a transaction that is rolled back, so nothing changes (it costs as much as a rebuild).
    """
    stat, org = stat_model(spec), org_model(spec)
    fields = [stat._meta.get_field(c) for c in spec.sums]
    zero: Sums = tuple(_normal(f, 0) for f in fields)
    path = None
    if organization is not None:
        path = org.objects.filter(pk=organization.pk).values_list("path", flat=True).get()

    def snapshot() -> dict[tuple[Any, ...], Sums]:
        rows = stat._default_manager.all()
        if path is not None:
            rows = rows.filter(organization_id__in=org.objects.filter(path__startswith=path).values("pk"))
        n = 1 + len(spec.keys)
        out = {}
        for row in rows.values_list("organization_id", *spec.keys, *spec.sums):
            sums = tuple(_normal(f, v) for f, v in zip(fields, row[n:], strict=True))
            if any(sums):
                out[row[:n]] = sums
        return out

    stored = snapshot()
    recounted: dict[tuple[Any, ...], Sums] = {}
    try:
        with transaction.atomic():
            rebuild(spec, organization=organization)
            recounted = snapshot()
            raise _Rollback
    except _Rollback:
        pass
    return {k: (stored.get(k, zero), recounted.get(k, zero)) for k in set(stored) | set(recounted)
            if stored.get(k, zero) != recounted.get(k, zero)}


def _normal(field: Any, value: Any) -> Any:
    """A stored sum as it compares: decimals to the column's places (SQLite may answer 2.5 for 2.50)."""
    if isinstance(field, models.DecimalField):
        return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


# --- the check of a roll-up and of the copies repaired beside it ---------------------------

@dataclass
class Found:
    """What a check found: `details`, one line per difference shown; `problems`, one sentence per
    kind of problem (empty when everything agrees)."""

    details: list[str]
    problems: list[str]


def repairs_of(spec: RollupSpec) -> list[Any]:
    """The copies registered beside the roll-up (`registries.rollup_repairs`), in order."""
    return [r for r in rollup_repairs if r.rollup == spec.key]


def check(spec: RollupSpec, *, organization: Any = None, shown: int = 50) -> Found:
    """Compare the stored roll-ups with a recount and count the copies that are wrong; changes
    nothing. For `manage.py rebuild_rollups --check` and the platform's consistency checks."""
    found = Found([], [])
    for repair in repairs_of(spec):
        if n := repair.count(organization=organization):
            found.problems.append(repair.problem.format(n=n))
    differences = drift(spec, organization=organization)
    if not differences:
        return found
    names = _org_names(spec, {key[0] for key in differences})
    rows = sorted(differences.items())
    for key, (stored, recounted) in rows[:shown]:
        found.details.append(f"{spec.label}: {names[key[0]]} {_describe(spec, key[1:])}: "
                             f"stored {_figures(spec, stored)}, recount {_figures(spec, recounted)}")
    if len(rows) > shown:
        found.details.append(f"{spec.label}: … and {len(rows) - shown} more")
    where = sorted({names[key[0]] for key, _ in rows})
    found.problems.append(f"{len(rows)} {spec.label} roll-up rows differ from a recount, at "
                          f"{', '.join(where[:5])}{' …' if len(where) > 5 else ''}")
    return found


def _org_names(spec: RollupSpec, ids: set[Any]) -> dict[Any, str]:
    """How the check names each organization: its name and code (its id if it is gone)."""
    found = {pk: f"{name} ({code})" for pk, code, name in
             org_model(spec).objects.filter(pk__in=ids).values_list("pk", "code", "name")}
    return {pk: found.get(pk, f"organization #{pk}") for pk in ids}


def _describe(spec: RollupSpec, key: tuple[Any, ...]) -> str:
    if spec.describe_key is not None:
        return spec.describe_key(key=key)
    return " ".join(f"{name}={value!r}" for name, value in zip(spec.keys, key, strict=True))


def _figures(spec: RollupSpec, sums: tuple[Any, ...]) -> str:
    if len(spec.sums) == 1:
        return str(sums[0])
    return "(" + ", ".join(f"{name}={value}" for name, value in zip(spec.sums, sums, strict=True)) + ")"

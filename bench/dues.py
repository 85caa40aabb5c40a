"""`make bench` — party dues (党费): the monthly assessment of the whole province through the real
background task, beside ONE set-based INSERT … SELECT of the same rows (rolled back), and the
dues report's p50/p95 at province, city and county level (read from the `DuesStat` roll-ups the
task keeps), and the same report grouped over the assessment rows as before the roll-ups.

    python bench/run.py --scale small --reuse --only dues

The dues table is emptied (TRUNCATE) before the measurement: the bench database is the bench's own.
"""

from __future__ import annotations

import time
from typing import Any

from bench.measure import ms, rate, timed


def measure(ctx: Any) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from dangwu.dues import assessment_sql, rules, selectors, services, tasks
    from dangwu.dues.models import Assessment, AssessmentRun, DuesStat
    from dangwu.orgs.models import Organization

    report = ctx.report
    month = rules.month_start(timezone.localdate())
    table = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cur:
        # the report's roll-ups go with the rows they sum (the task below adds them back)
        cur.execute(f"TRUNCATE {table}, {connection.ops.quote_name(DuesStat._meta.db_table)} CASCADE")
    orgs = Organization.objects.filter(path__startswith=ctx.root.path).count()

    # The limit: one INSERT … SELECT of every row, the same statement the task sends per batch.
    sql = assessment_sql.insert_sql(
        f"IN (SELECT id FROM {connection.ops.quote_name(Organization._meta.db_table)} WHERE path LIKE %s)")
    t = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at COMMIT, which a
            # rolled-back statement never reaches. Checked at once here, as the task's commits pay.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(sql, assessment_sql.params(month, timezone.now()) + [ctx.root.path + "%"])
            raw_rows = cur.rowcount
        transaction.set_rollback(True)
    raw_seconds = time.perf_counter() - t

    # The real task: batches of organizations, each committed with the run's cursor.
    run = AssessmentRun.objects.create(organization=ctx.root, month=month, total_organizations=orgs)
    t = time.perf_counter()
    status = tasks.process_run(run.pk)
    task_seconds = time.perf_counter() - t
    run.refresh_from_db()
    report.add("dues", f"monthly assessment of the province ({orgs:,} organizations): the task, "
                       f"{services.ASSESS_BATCH_ORGS:,} organizations per batch",
               rate(run.created_count, task_seconds),
               limit=f"one INSERT … SELECT (rolled back) {rate(raw_rows, raw_seconds)}",
               goal="≤ 2× the limit", note=f"status {status}; {task_seconds / max(raw_seconds, 1e-6):.2f}× the limit")
    t = time.perf_counter()
    again = tasks.process_run(AssessmentRun.objects.create(organization=ctx.root, month=month,
                                                           total_organizations=orgs).pk)
    rerun_seconds = time.perf_counter() - t
    report.add("dues", "the same assessment run again (idempotent: creates nothing)",
               f"{rerun_seconds:.1f} s", note=f"status {again}; rows now {Assessment.objects.filter(month=month).count():,}")

    with connection.cursor() as cur:
        cur.execute("ANALYZE " + table)
    for level, org in (("province", ctx.root), ("city", ctx.city), ("county", ctx.county)):
        runs = max(5, min(ctx.runs, 20 if level == "province" else ctx.runs))
        values = timed(lambda org=org: selectors.report(actor=ctx.province_user, organization=org, year=month.year,
                                                         month=month), runs, warmup=1)
        report.add("dues", f"dues report of the month, {level} ({org.name}), per child organization",
                   ms(values), note=f"{runs} runs")
    values = timed(lambda: selectors.report(actor=ctx.province_user, organization=ctx.root, year=month.year),
                   5, warmup=1)
    report.add("dues", "dues report of the year, province", ms(values), note="5 runs")
    # Before the roll-ups: the report grouped over every assessment row of the subtree.
    values = timed(lambda: _grouped_over_rows(ctx.root, month), 5, warmup=1)
    report.add("dues", "the same province report of the month grouped over the assessment rows (before the roll-ups)",
               ms(values), note="5 runs; scales with the members")


def _grouped_over_rows(org: Any, month: Any) -> list[dict[str, Any]]:
    from django.db.models.functions import Substr

    from dangwu.dues import selectors
    from dangwu.dues.models import Assessment

    base = Assessment.objects.filter(organization__path__startswith=org.path, month=month)
    return list(base.annotate(prefix=Substr("organization__path", 1, len(org.path) + org.steplen))
                .values("prefix").annotate(**selectors._sums(base)).order_by())

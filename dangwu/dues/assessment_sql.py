"""The SQL of the monthly assessment (月度党费核定): one INSERT … SELECT keyed by the unique
(member, month), shared by the batch writer (`services._insert_assessments`, run by the task of a
run) and the benchmark, which sends the very same statement once as the raw-SQL limit
(docs/decisions/0006-dues-assessment.md). Builds text and parameters; runs nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from dangwu.members.models import Member

from . import rules
from .models import Assessment, Declaration, Reduction


def _select(org_filter: str) -> str:
    """The SELECT of the monthly assessment: one row per member in good standing admitted by the
    month's end, with the month's amount (reduction, else declaration, else the record's 党费标准).
    `org_filter` restricts m.organization_id. Parameters: month, created_at, year, month, month,
    month end, then those of `org_filter`."""
    q = connection.ops.quote_name
    return f"""
        SELECT m.id, m.organization_id, %s, COALESCE(r.amount, d.monthly_amount, m.dues_standard), NULL, %s
        FROM {q(Member._meta.db_table)} m
        LEFT JOIN {q(Declaration._meta.db_table)} d ON d.member_id = m.id AND d.year = %s
        LEFT JOIN (SELECT member_id, MIN(monthly_amount) AS amount FROM {q(Reduction._meta.db_table)}
                   WHERE status = 'approved' AND start_month <= %s AND end_month >= %s
                   GROUP BY member_id) r ON r.member_id = m.id
        WHERE m.standing = 'normal' AND m.joined_on <= %s
          AND COALESCE(d.monthly_amount, m.dues_standard) IS NOT NULL
          AND m.organization_id {org_filter}"""


def insert_sql(org_filter: str) -> str:
    """INSERT … SELECT … ON CONFLICT DO NOTHING keyed by the unique (member, month)."""
    q = connection.ops.quote_name
    return (f"INSERT INTO {q(Assessment._meta.db_table)} "
            f"(member_id, organization_id, month, amount_due, payment_id, created_at)"
            f"{_select(org_filter)}\n        ON CONFLICT (member_id, month) DO NOTHING")


def params(month: date, now: Any) -> list[Any]:
    """The parameters of `insert_sql` before those of its `org_filter`."""
    ops = connection.ops
    m = ops.adapt_datefield_value(month)
    return [m, ops.adapt_datetimefield_value(now), month.year, m, m,
            ops.adapt_datefield_value(rules.month_end(month))]

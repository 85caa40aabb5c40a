"""`make bench` — one notice to every member of a city (长沙) through `core.notifications.notify`,
beside the bare `INSERT … SELECT` of the same rows into the same tables (goal ≤ 2×).

    python bench/run.py --scale small --reuse --only notify

`notify` writes a row an ACCOUNT (its recipients are users: `Member.objects.filter(…)
.values("user_id")` for members), so the city's members get login accounts first: COPY-loaded
written into `auth_user` by one INSERT … SELECT from the members (ids 100,000,000 + the member's
id, an unusable password, an address for 70 % of them, 1 % inactive) and linked with one UPDATE of
the members (`user_id`). They stay (bench_meta
key `notify_accounts`) and are made last in a run, after every other figure.

Each measurement starts from empty inbox and delivery tables (TRUNCATE: the bench database is the
bench's own), so that both sides write into the same empty tables with the same indexes; both are
COMMITTED (the foreign keys are checked at the commit: Django's are deferred), and the order
alternates from one round to the next. Two kinds:

- `core.system` (平台消息): the inbox only — one inbox row a recipient; the limit is one
  `INSERT … SELECT` of the same rows;
- `orglife.meeting` (会议通知): the inbox and an email delivery for each recipient with an address
  (the kind's default channel, which nobody may turn off); the limit is the two `INSERT … SELECT`
  of the same rows (inbox, then deliveries), in one transaction.

The task that would send the emails is queued by `notify` once it commits; no worker runs in the
bench, and its queued task rows are deleted after each round.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.measure import log, meta

USER_OFFSET = 100_000_000
ROUNDS = 3


def ensure_accounts(ctx: Any) -> str:
    """Accounts for the city's members (COPY + one UPDATE), once; answers what was done."""
    import psycopg

    with psycopg.connect(ctx.url, autocommit=True) as conn, conn.cursor() as cur:
        if meta(cur, "notify_accounts") == ctx.loaded:
            n = cur.execute("SELECT count(*) FROM members_member WHERE user_id IS NOT NULL AND org_path LIKE %s",
                            [ctx.city.path + "%"]).fetchone()[0]
            return f"{n:,} accounts of the city's members reused"
        meta(cur, "notify_accounts", "partial")
    with psycopg.connect(ctx.url) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("DELETE FROM auth_user WHERE id > %s", [USER_OFFSET])
        t = time.perf_counter()
        # The rows come from the members already in the database: nothing to send over the wire.
        cur.execute(f"""
            INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined)
            SELECT {USER_OFFSET} + m.id, '!', false, 'm' || m.id, m.name, '',
                   CASE WHEN m.id %% 10 < 7 THEN 'm' || m.id || '@example.cn' ELSE '' END, false,
                   m.id %% 100 <> 0, now()
            FROM members_member m WHERE m.org_path LIKE %s AND m.user_id IS NULL""", [ctx.city.path + "%"])
        accounts = cur.rowcount
        accounts_s = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute(f"UPDATE members_member SET user_id = {USER_OFFSET} + id "
                    "WHERE org_path LIKE %s AND user_id IS NULL", [ctx.city.path + "%"])
        linked = cur.rowcount
        link_s = time.perf_counter() - t
        conn.commit()
    with psycopg.connect(ctx.url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE auth_user")
        cur.execute("VACUUM ANALYZE members_member")
        meta(cur, "notify_accounts", ctx.loaded)
    done = (f"{accounts:,} accounts written in {accounts_s:.1f} s, {linked:,} members linked (UPDATE) "
            f"in {link_s:.1f} s")
    log(done)
    return done


def _empty_tables() -> None:
    from django.db import connection

    from dangwu.core.models import Delivery, Notice, Notification

    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {q(Delivery._meta.db_table)}, {q(Notification._meta.db_table)}, "
                    f"{q(Notice._meta.db_table)} CASCADE")


def _forget_queued_tasks() -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").delete()


def measure(ctx: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from dangwu.core import registries
    from dangwu.core.models import Delivery, Notice, Notification
    from dangwu.core.notifications import notify
    from dangwu.members.models import Member

    report = ctx.report
    setup = ensure_accounts(ctx)
    city = ctx.city
    q = connection.ops.quote_name
    inbox, deliveries = q(Notification._meta.db_table), q(Delivery._meta.db_table)
    users = q(get_user_model()._meta.db_table)
    members = q(Member._meta.db_table)
    # The same rows in the same query shape as notify's (its active accounts among the members' user ids).
    recipients_sql = (f"SELECT u.id FROM {users} u WHERE u.is_active AND u.id IN "
                      f"(SELECT m.user_id FROM {members} m WHERE m.org_path LIKE %s)")
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM ({recipients_sql}) r", [city.path + "%"])
        active = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {members} WHERE org_path LIKE %s", [city.path + "%"])
        city_members = cur.fetchone()[0]

    def by_notify(kind: str) -> tuple[float, int, int]:
        recipients = Member.objects.filter(org_path__startswith=city.path).values("user_id")
        t = time.perf_counter()
        with transaction.atomic():
            notice = notify(kind=kind, recipients=recipients, title="关于开展主题党日活动的通知",
                            body="请各党支部按时组织党员参加。", url="/orglife/", organization=city, actor=None)
        seconds = time.perf_counter() - t
        return seconds, notice.recipient_count, Delivery.objects.filter(notice=notice).count()

    def by_sql(with_deliveries: bool) -> tuple[float, int, int]:
        t = time.perf_counter()
        with transaction.atomic():
            notice = Notice.objects.create(kind="core.system", title="limit", organization=city)
            with connection.cursor() as cur:
                cur.execute(f"INSERT INTO {inbox} (notice_id, user_id) SELECT %s, r.id FROM ({recipients_sql}) r",
                            [notice.pk, city.path + "%"])
                rows = cur.rowcount
                sent = 0
                if with_deliveries:
                    cur.execute(f"INSERT INTO {deliveries} (notice_id, user_id, channel, status, attempts, last_error) "
                                f"SELECT n.notice_id, n.user_id, 'email', 'queued', 0, '' FROM {inbox} n "
                                f"JOIN {users} u ON u.id = n.user_id AND u.email <> '' WHERE n.notice_id = %s",
                                [notice.pk])
                    sent = cur.rowcount
        return time.perf_counter() - t, rows, sent

    meeting_kind = registries.notification_kinds.get("orglife.meeting")
    cases = [("core.system", "inbox only", False)]
    if meeting_kind is not None:
        cases.append(("orglife.meeting", "inbox + an email delivery each (addresses only)", True))
    for kind, what, with_deliveries in cases:
        mine: list[float] = []
        limit: list[float] = []
        counts = set()
        for r in range(ROUNDS):
            order = [("notify", lambda kind=kind: by_notify(kind)), ("sql", lambda w=with_deliveries: by_sql(w))]
            if r % 2:
                order.reverse()
            for name, fn in order:
                _empty_tables()
                seconds, rows, sent = fn()
                (mine if name == "notify" else limit).append(seconds)
                counts.add((name, rows, sent))
                log(f"notify {kind} round {r + 1}: {name} {seconds:.2f} s ({rows:,} inbox rows, {sent:,} deliveries)")
            _forget_queued_tasks()
        _empty_tables()
        same = len({(rows, sent) for _n, rows, sent in counts}) == 1
        _n, rows, sent = next(iter(counts))
        ratio = statistics.median(mine) / statistics.median(limit)
        report.add("notify", f"one notice to every member of {city.name} ({city_members:,} members, "
                             f"{active:,} active accounts), kind {kind}: {what}: notify()",
                   f"{statistics.median(mine):.1f} s (median of {ROUNDS}: "
                   f"{', '.join(f'{s:.1f}' for s in mine)})",
                   limit=f"INSERT … SELECT of the same rows {statistics.median(limit):.1f} s "
                         f"({', '.join(f'{s:.1f}' for s in limit)})",
                   goal="≤ 2× the limit",
                   note=f"{ratio:.2f}× the limit; {rows:,} inbox rows, {sent:,} deliveries"
                        f"{'' if same else ' — THE TWO SIDES WROTE DIFFERENT ROWS: ' + str(sorted(counts))}; "
                        f"each committed into empty tables, order alternating")
    report.notes.append(f"notify: accounts for {city.name}'s members — {setup}; made after every other figure")

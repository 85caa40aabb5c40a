"""`make bench` — organizational life (三会一课): a year of every branch's meetings, generated and
COPY-loaded like the members, the compliance roll-up rebuilt by its real code, and the committee's
view of its branches (下级党组织三会一课情况) at province, city, county and branch level beside a naive
GROUP BY over the meetings.

    python bench/run.py --scale small --reuse --only orglife

What is generated, for the current year (the periods up to today have ended, the rest are to come):

- for each branch, 支部党员大会 and 党课 each quarter, 主题党日 each month, 组织生活会 once, and 支委会
  each month where the branch has a committee (7 members or more, as the rules of 党支部 say): its
  secretary and two 委员 are written as committee positions (`orgs.CommitteePosition`, serving), which
  is what the platform reads to know that a branch owes 支委会;
- most branches hold nearly every meeting; some are weaker (a share of their periods is missed at
  random): a missed period has no meeting, or one that was planned and never recorded (it stays
  `planned`, as the services leave a meeting nobody recorded), or one that was cancelled;
- a meeting that started before now and was held is `held` (the services mark it so once attendance
  or minutes are recorded: those rows are not generated); one still to come is `planned`.

Committees plan meetings of their own too, but owe none: none are generated for them. The meetings
of earlier years are not generated either (the roll-ups and the selectors read one year).

The meetings, positions and roll-ups are replaced when the province was reloaded or the day changed
(`bench_meta` key `orglife`); `--reuse` keeps them otherwise.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.measure import log, meta, ms, percentile, timed
from bench.province import _text

SEED = 1921
COMMITTEE_FROM = 7  # members: a branch of 7 or more elects a committee (支部委员会)
LOCAL = ZoneInfo("Asia/Shanghai")
KIND_TITLE = {"assembly": "支部党员大会", "committee": "支委会", "lesson": "党课", "theme_day": "主题党日",
              "life_meeting": "组织生活会"}
PLACES = ["党员活动室", "会议室", "村委会议室", "社区党群服务中心", "支部活动阵地", "线上（网络会议）"]


# --------------------------------------------------------------------------------------
# Generation (in worker processes, like the members)
# --------------------------------------------------------------------------------------

@dataclass
class MeetingChunk:
    number: int
    first_id: int
    year: int
    now: str  # ISO, aware
    branches: list[tuple[int, bool]]  # (organization id, has a committee)
    columns: list[str]
    defaults: dict[str, Any]


def _periods(kind: str, year: int) -> list[tuple[date, date]]:
    from dangwu.orglife import rules

    return [(first, last) for _label, first, last in rules.periods(kind, year)]


def build_meetings(task: MeetingChunk) -> tuple[int, dict[str, int], bytes]:
    """COPY text of one chunk's meetings and the count of each status; runs in a worker."""
    rng = random.Random(SEED * 1000 + task.number)
    now = datetime.fromisoformat(task.now)
    periods = {k: _periods(k, task.year) for k in KIND_TITLE}
    titles = {(k, first): f"{_period_title(k, first)}{KIND_TITLE[k]}" for k, ps in periods.items() for first, _l in ps}
    # One line template: the generated columns by name, every other column its default.
    generated = ("id", "organization_id", "kind", "title", "starts_at", "ends_at", "place", "status",
                 "checkin_token", "cancel_reason", "created_at")
    template = "\t".join("{" + c + "}" if c in generated else _text(task.defaults.get(c)).replace("{", "{{")
                         .replace("}", "}}") for c in task.columns)
    lines: list[str] = []
    statuses = {"held": 0, "planned": 0, "cancelled": 0}
    meeting_id = task.first_id
    hours, minutes_, lengths = (9, 10, 14, 15, 16, 19), (0, 30), (60, 90, 120)
    for org_id, committee in task.branches:
        # most branches miss 0–3 % of their periods; one in six is weaker (5–35 %)
        miss = rng.uniform(0.05, 0.35) if rng.random() < 1 / 6 else rng.uniform(0, 0.03)
        day_of_theme = rng.randint(1, 10)  # a branch keeps its 主题党日 on about the same day
        for kind, kind_periods in periods.items():
            if kind == "committee" and not committee:
                continue
            for first, last in kind_periods:
                span = (last - first).days
                if kind == "theme_day":
                    day = first + timedelta(days=min(span, max(0, day_of_theme - 1 + rng.randint(-2, 2))))
                else:
                    day = first + timedelta(days=rng.randint(0, span))
                starts = datetime(day.year, day.month, day.day, rng.choice(hours), rng.choice(minutes_),
                                  tzinfo=LOCAL)
                if rng.random() < miss:
                    r = rng.random()
                    if r < 0.6:
                        continue  # nothing planned at all
                    status = "cancelled" if r < 0.7 else "planned"  # planned: never recorded
                else:
                    status = "held" if starts < now else "planned"
                statuses[status] += 1
                ends = starts + timedelta(minutes=rng.choice(lengths))
                lines.append(template.format(
                    id=meeting_id, organization_id=org_id, kind=kind, title=titles[(kind, first)],
                    starts_at=f"{starts:%Y-%m-%d %H:%M}+08", ends_at=f"{ends:%Y-%m-%d %H:%M}+08",
                    place=rng.choice(PLACES), status=status,
                    checkin_token=f"{meeting_id:010x}{rng.getrandbits(96):024x}",
                    cancel_reason="工作冲突，另行安排" if status == "cancelled" else "", created_at=task.now))
                meeting_id += 1
    lines.append("")
    return len(lines) - 1, statuses, "\n".join(lines).encode()


def _period_title(kind: str, first: date) -> str:
    if kind == "life_meeting":
        return f"{first.year}年度"
    if kind in ("assembly", "lesson"):
        return f"{first.year}年第{'一二三四'[(first.month - 1) // 3]}季度"
    return f"{first.year}年{first.month}月"


def meeting_columns() -> tuple[list[str], dict[str, Any]]:
    from django.db.models import NOT_PROVIDED

    from dangwu.orglife.models import Meeting

    columns, defaults = [], {}
    for f in Meeting._meta.concrete_fields:
        columns.append(f.column)
        defaults[f.column] = (f.default if f.default is not NOT_PROVIDED and not callable(f.default)
                              else None if f.null else "")
    return columns, defaults


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

def load(url: str, *, year: int, log: Any = log) -> dict[str, Any]:
    """Committee positions, then the year's meetings (COPY with the table's indexes and constraints
    dropped and rebuilt, as the members), then `orglife.rollups.rebuild()` — each timed."""
    import psycopg

    from bench.province import _secondary_structures
    from dangwu.orgs.models import BRANCH_TYPES

    out: dict[str, Any] = {}
    columns, defaults = meeting_columns()
    branch_types = list(map(str, BRANCH_TYPES))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET synchronous_commit = off")
        cur.execute("TRUNCATE orglife_meeting, orglife_recurringplan, orglife_orglifestat, "
                    "orgs_committeeposition, orgs_historicalcommitteeposition CASCADE")
        # Each branch's size and its first three members (the committee), in path order.
        cur.execute("""SELECT o.id, count(m.id), (array_agg(m.id ORDER BY m.id))[1:3]
                       FROM orgs_organization o JOIN members_member m ON m.organization_id = o.id
                       WHERE o.org_type = ANY(%s) AND o.dissolved_on IS NULL
                       GROUP BY o.id, o.path ORDER BY o.path""", [branch_types])
        branches = cur.fetchall()
        t = time.perf_counter()
        term_start = date(year - 1, 3, 1)
        with cur.copy("COPY orgs_committeeposition (organization_id, member_id, post, term_start, term_end) "
                      "FROM STDIN") as cp:
            for org_id, size, first in branches:
                if size >= COMMITTEE_FROM:
                    for member_id, post in zip(first, ("secretary", "organization", "propaganda"), strict=True):
                        cp.write_row((org_id, member_id, post, term_start, date(year + 2, 2, 28)))
        committees = sum(1 for _o, size, _f in branches if size >= COMMITTEE_FROM)
        out["committee positions (3 for each branch of 7 or more)"] = time.perf_counter() - t
        log(f"  {committees:,} of {len(branches):,} branches have a committee (positions copied)")

        constraints, indexes = _secondary_structures(cur, "orglife_meeting")
        for name, _d in constraints:
            cur.execute(f'ALTER TABLE orglife_meeting DROP CONSTRAINT IF EXISTS "{name}"')
        for name, _d in indexes:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        now = datetime.now(UTC).isoformat()
        per_chunk = max(500, math.ceil(len(branches) / 40))
        tasks, first_id = [], 1
        for i in range(0, len(branches), per_chunk):
            part = [(o, size >= COMMITTEE_FROM) for o, size, _f in branches[i:i + per_chunk]]
            tasks.append(MeetingChunk(len(tasks), first_id, year, now, part, columns, defaults))
            first_id += len(part) * 40  # at most 4+12+4+12+1 = 33 meetings a branch
        t = time.perf_counter()
        rows, statuses = 0, {"held": 0, "planned": 0, "cancelled": 0}
        with multiprocessing.get_context("fork").Pool(2) as pool, \
                cur.copy(f"COPY orglife_meeting ({', '.join(columns)}) FROM STDIN WITH (FREEZE)") as cp:
            for n, counted, data in pool.imap(build_meetings, tasks):
                cp.write(data)
                rows += n
                for k, v in counted.items():
                    statuses[k] += v
        out["generate+copy meetings"] = time.perf_counter() - t
        log(f"  {rows:,} meetings copied in {out['generate+copy meetings']:.1f} s ({statuses})")
        t = time.perf_counter()
        for _name, definition in indexes:
            cur.execute(definition)
        for name, definition in constraints:
            cur.execute(f'ALTER TABLE orglife_meeting ADD CONSTRAINT "{name}" {definition}')
        cur.execute("SELECT setval(pg_get_serial_sequence('orglife_meeting', 'id'), "
                    "(SELECT max(id) FROM orglife_meeting))")
        out["rebuild the meetings' indexes and constraints"] = time.perf_counter() - t
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE orglife_meeting")
        conn.execute("VACUUM ANALYZE orgs_committeeposition")

    from dangwu.orglife import rollups

    t = time.perf_counter()
    rollups.rebuild()
    out["roll-up rebuild (orglife.rollups.rebuild)"] = time.perf_counter() - t
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE orglife_orglifestat")
        stats = conn.execute("SELECT count(*) FROM orglife_orglifestat").fetchone()[0]
    out["_rows"] = rows
    out["_statuses"] = statuses
    out["_branches"] = len(branches)
    out["_committees"] = committees
    out["_stat_rows"] = stats
    return out


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------

NAIVE = """
    SELECT m.kind,
           CASE WHEN m.kind IN ('committee', 'group', 'theme_day') THEN to_char(m.starts_at AT TIME ZONE %(tz)s, 'YYYY-MM')
                WHEN m.kind IN ('assembly', 'lesson') THEN to_char(m.starts_at AT TIME ZONE %(tz)s, 'YYYY-"Q"Q')
                ELSE to_char(m.starts_at AT TIME ZONE %(tz)s, 'YYYY') END AS period,
           count(DISTINCT m.organization_id) AS branches_held
    FROM orglife_meeting m JOIN orgs_organization o ON o.id = m.organization_id
    WHERE o.path LIKE %(prefix)s AND o.org_type IN ('branch', 'joint_branch', 'temporary_branch')
      AND m.status = 'held' AND m.starts_at >= %(start)s AND m.starts_at < %(end)s
    GROUP BY 1, 2
"""


def measure(ctx: Any) -> None:
    import psycopg
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from dangwu.core.models import RoleAssignment
    from dangwu.core.roles import Role
    from dangwu.core.services import grant_role
    from dangwu.orglife import rules, selectors
    from dangwu.orglife.models import Meeting
    from dangwu.orgs.models import Organization

    report = ctx.report
    today = timezone.localdate()
    year = today.year
    wanted = f"{ctx.loaded}:{year}:{today.isoformat()}"
    with psycopg.connect(ctx.url, autocommit=True) as conn, conn.cursor() as cur:
        loaded = meta(cur, "orglife")
    if loaded == wanted and Meeting.objects.exists():
        log("reusing the meetings already loaded")
        report.notes.append("orglife: meetings, committee positions and roll-ups reused from an earlier run today")
    else:
        log("generating a year of 三会一课 for every branch")
        with psycopg.connect(ctx.url, autocommit=True) as conn, conn.cursor() as cur:
            meta(cur, "orglife", "partial")
        done = load(ctx.url, year=year)
        with psycopg.connect(ctx.url, autocommit=True) as conn, conn.cursor() as cur:
            meta(cur, "orglife", wanted)
        s = done["_statuses"]
        copy_s, index_s = done["generate+copy meetings"], done["rebuild the meetings' indexes and constraints"]
        positions_s = done["committee positions (3 for each branch of 7 or more)"]
        report.add("orglife", f"load: {done['_rows']:,} meetings of {year} for {done['_branches']:,} branches "
                              f"({done['_committees']:,} with a committee), generated and COPY-loaded",
                   f"{copy_s + index_s:.1f} s",
                   note=f"held {s['held']:,}, planned {s['planned']:,}, cancelled {s['cancelled']:,}; generate+COPY "
                        f"{copy_s:.1f} s, indexes rebuilt {index_s:.1f} s; committee positions {positions_s:.1f} s")
        report.add("orglife", "roll-up rebuild (orglife.rollups.rebuild, the real code: whole tree)",
                   f"{done['roll-up rebuild (orglife.rollups.rebuild)']:.1f} s",
                   note=f"{done['_stat_rows']:,} OrglifeStat rows")

    # Users whose role is held at each level (the page's caller).
    User = get_user_model()
    branch = ctx.branch
    levels = [("province", ctx.root, Role.ORG_DEPARTMENT), ("city", ctx.city, Role.ORG_DEPARTMENT),
              ("county", ctx.county, Role.ORG_DEPARTMENT), ("branch", branch, Role.BRANCH_SECRETARY)]
    users = {}
    for level, org, role in levels:
        user, _ = User.objects.get_or_create(username=f"bench-orglife-{level}", defaults={"first_name": level})
        if not RoleAssignment.objects.filter(user=user, role=role, organization=org).exists():
            grant_role(actor=None, user=user, role=role, organization=org)
        users[level] = user
    start = timezone.make_aware(datetime(year, 1, 1))
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    raw = psycopg.connect(ctx.url, autocommit=True, prepare_threshold=None)
    held = Meeting.objects.filter(status=Meeting.Status.HELD).count()
    total = Meeting.objects.count()
    ended = [(k, label) for k in rules.KINDS for label, _f, last in rules.periods(k, year) if last <= today]
    # the drill-down: the last quarter that ended, of 支部党员大会 (owed by every branch)
    drill = [(k, label) for k, label in ended if k == rules.ASSEMBLY][-1:]
    for level, org, _role in levels:
        branches = Organization.objects.filter(path__startswith=org.path, org_type__in=("branch", "joint_branch",
                                                                                        "temporary_branch")).count()
        label = f"{level} ({org.name}, {branches:,} branches)"
        naive_runs = 3 if level in ("province", "city") else 5
        params = {"tz": settings.TIME_ZONE, "prefix": org.path + "%", "start": start, "end": end}
        naive = timed(lambda params=params: raw.execute(NAIVE, params).fetchall(), naive_runs, warmup=1)
        naive_text = f"naive GROUP BY over the meetings {ms(naive)} ({naive_runs} runs)"
        if level == "branch":
            # A branch has no branch below: its page shows its own year (year_grid); compliance answers None.
            fast = timed(lambda org=org: (selectors.compliance(organization=org, year=year, today=today),
                                          selectors.year_grid(organization=org, year=year, today=today)), ctx.runs)
            what = f"{label}: selectors.compliance (None: no branch below) + year_grid, the branch page's reads"
        else:
            fast = timed(lambda org=org: selectors.compliance(organization=org, year=year, today=today), ctx.runs)
            what = f"{label}: selectors.compliance (下级党组织三会一课情况)"
        speedup = percentile(naive, 50) / max(percentile(fast, 50), 1e-6)
        report.add("orglife", what, ms(fast), limit=naive_text, goal="≤ 20 ms p95",
                   note=f"{ctx.runs} runs; {speedup:,.0f}× faster than the naive query (p50)")
        client = Client(HTTP_HOST="localhost")  # one of the default ALLOWED_HOSTS
        client.force_login(users[level])
        url = f"/orglife/org/{org.pk}/"

        def page(url: str = url, client: Any = client) -> None:
            r = client.get(url)
            assert r.status_code == 200, (r.status_code, r.content[:300])

        report.add("orglife", f"{level}: the page GET /orglife/org/{{id}}/ (test client, role held at the {level})",
                   ms(timed(page, ctx.runs)), goal="≤ 50 ms p95", note=f"{ctx.runs} runs")
        base = timed(lambda client=client: client.get("/notifications/"), ctx.runs)
        report.add("orglife", f"{level}: for comparison, the same user's GET /notifications/ (the inbox: the "
                              "base layout, menu and header of every page, and a short list)",
                   ms(base), note=f"{ctx.runs} runs")
        if level != "branch" and drill:
            kind, period = drill[0]
            missed_url = f"/orglife/org/{org.pk}/missed/?kind={kind}&period={period}"
            n_missed = selectors.branches_that_missed(organization=org, kind=kind, period=period).count()

            def open_missed(url: str = missed_url, client: Any = client) -> None:
                r = client.get(url)
                assert r.status_code == 200, (r.status_code, r.content[:300])

            report.add("orglife", f"{level}: the drill-down GET /orglife/org/{{id}}/missed/ ({kind} {period}: "
                                  f"first page of 50 and its capped count)",
                       ms(timed(open_missed, ctx.runs)), goal="≤ 50 ms p95", note=f"{n_missed:,} branches missed it")
    plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + NAIVE,
                       {"tz": settings.TIME_ZONE, "prefix": ctx.city.path + "%", "start": start, "end": end}).fetchall()
    report.plans.append(("orglife: the naive GROUP BY over the meetings (city)", "\n".join(r[0] for r in plan)))
    raw.close()
    branches_with = (Organization.objects.filter(path__startswith=ctx.root.path, org_type="branch")
                     .annotate(n=Count("positions")).filter(n__gt=0).count())
    report.notes.append(f"orglife: {total:,} meetings ({held:,} held) of {year}; {branches_with:,} branches with a "
                        f"serving committee; periods ended by {today}: {len(ended)}")

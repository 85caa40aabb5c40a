"""The measurements of `make bench`, each beside its limit measured in the same run on the same data."""

from __future__ import annotations

import csv
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOT_YET = "not available yet"
CITY_CODE = "4301"  # 长沙
COUNTY_CODE = "430102"  # 芙蓉区
PAGE = 20  # the search page's rows


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
    return ordered[int(k)]


def timed(fn: Callable[[], Any], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def cycle(fns: list[Callable[[], Any]], runs: int) -> list[float]:
    """Time `runs` calls going round the list (each warmed once first)."""
    for fn in fns:
        fn()
    out = []
    for i in range(runs):
        t = time.perf_counter()
        fns[i % len(fns)]()
        out.append((time.perf_counter() - t) * 1000)
    return out


def ms(values: list[float] | None) -> str:
    if not values:
        return "—"
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f} ms"


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s ({rows:,} in {seconds:.1f} s)"


@dataclass
class Row:
    section: str
    what: str
    figure: str
    limit: str = ""
    goal: str = ""
    note: str = ""


@dataclass
class Report:
    scale: str
    members: int
    rows: list[Row] = field(default_factory=list)
    load: dict[str, float] = field(default_factory=dict)
    plans: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    organizations: int = 0
    started: datetime = field(default_factory=datetime.now)

    def add(self, *args: Any, **kw: Any) -> None:
        row = Row(*args, **kw)
        self.rows.append(row)
        extra = f" | limit: {row.limit}" if row.limit else ""
        log(f"{row.section} | {row.what} | {row.figure}{extra} {row.note}")


def meta(cur, key: str, value: str | None = None) -> str | None:
    cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
    if value is not None:
        cur.execute("INSERT INTO bench_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [key, value])
        return value
    cur.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
    row = cur.fetchone()
    return row[0] if row else None


# --------------------------------------------------------------------------------------
# Pieces that other work delivers (looked up, never faked)
# --------------------------------------------------------------------------------------

def command_exists(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


def rollups_module():
    try:
        from dangwu.members import rollups
    except ImportError:
        return None
    return rollups if hasattr(rollups, "rebuild") else None


def stats_selector():
    from dangwu.members import selectors

    return getattr(selectors, "structure_stats", None)


# --------------------------------------------------------------------------------------

@dataclass
class Context:
    plan: Any
    url: str
    runs: int
    report: Report
    root: Any = None
    city: Any = None
    county: Any = None
    branch: Any = None
    province_user: Any = None
    city_user: Any = None
    tokens: dict[str, str] = field(default_factory=dict)
    client: Any = None
    loaded: str = ""  # bench_meta's `loaded`: which province is in the database

    @classmethod
    def create(cls, plan: Any, *, url: str, runs: int, report: Report, loaded: str = "") -> Context:
        from django.contrib.auth import get_user_model
        from django.db.models import Count
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from dangwu.core.models import RoleAssignment
        from dangwu.core.roles import Role
        from dangwu.core.services import grant_role
        from dangwu.orgs.models import Organization

        ctx = cls(plan=plan, url=url, runs=runs, report=report, loaded=loaded)
        ctx.root = Organization.objects.get(code="43")
        ctx.city = Organization.objects.get(code=CITY_CODE)
        ctx.county = Organization.objects.get(code=COUNTY_CODE)
        # A branch of ordinary size in the county.
        ctx.branch = (Organization.objects.filter(path__startswith=ctx.county.path, org_type="branch")
                      .annotate(n=Count("members")).filter(n__gte=15).order_by("path").first())
        User = get_user_model()
        for username, org in (("bench-province", ctx.root), ("bench-city", ctx.city)):
            user, _ = User.objects.get_or_create(username=username, defaults={"first_name": username})
            if not RoleAssignment.objects.filter(user=user, role=Role.ORG_DEPARTMENT, organization=org).exists():
                grant_role(actor=None, user=user, role=Role.ORG_DEPARTMENT, organization=org)
            Token.objects.filter(user=user).delete()
            ctx.tokens[username] = Token.objects.create(user=user).key
        ctx.province_user = User.objects.get(username="bench-province")
        ctx.city_user = User.objects.get(username="bench-city")
        ctx.client = Client(HTTP_HOST="localhost")  # one of the default ALLOWED_HOSTS (not 'testserver')
        return ctx

    def api(self, username: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Token {self.tokens[username]}"}

    def subtree_member_count(self, org: Any) -> int:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM members_member WHERE organization_id IN "
                        "(SELECT id FROM orgs_organization WHERE path LIKE %s)", [org.path + "%"])
            return cur.fetchone()[0]

    # --- search ------------------------------------------------------------------------
    def search(self) -> None:
        import psycopg
        from django.db import connection

        from dangwu.core import crypto
        from dangwu.members import selectors

        with connection.cursor() as cur:
            cur.execute("SELECT setseed(0.2026)")
            cur.execute("SELECT m.name, m.name_pinyin, m.name_initials, m.id_number_encrypted FROM members_member m "
                        "WHERE m.organization_id IN (SELECT id FROM orgs_organization WHERE path LIKE %s) "
                        "ORDER BY random() LIMIT 40", [self.city.path + "%"])
            samples = cur.fetchall()
        kinds = {
            "name": [s[0] for s in samples],
            "pinyin": [s[1] for s in samples],
            "initials": [s[2] for s in samples],
            "ID number": [crypto.decrypt(s[3]) for s in samples],
        }
        user = self.city_user
        # prepare_threshold=None: psycopg would otherwise prepare a statement run 5 times, and a
        # generic plan cannot use an index for `LIKE $1` (Django sends its SQL unprepared too).
        # The platform's connections run with parallel query off (settings.py; decision 0009): so does the floor.
        options = connection.settings_dict.get("OPTIONS", {}).get("options", "")
        raw = psycopg.connect(self.url, autocommit=True, prepare_threshold=None, options=options)
        headers = self.api("bench-city")
        client = self.client
        for kind, queries in kinds.items():
            def page(q: str) -> Callable[[], Any]:
                return lambda: list(selectors.search_members(actor=user, query=q)[:PAGE])

            def counted(q: str) -> Callable[[], Any]:
                return lambda: page_with_count(selectors.search_members(actor=user, query=q))

            def api_get(q: str) -> Callable[[], Any]:
                def run() -> Any:
                    r = client.get("/api/v1/members/", {"q": q}, **headers)
                    assert r.status_code == 200, r.status_code
                return run

            def api_post(q: str) -> Callable[[], Any]:
                def run() -> Any:
                    r = client.post("/api/v1/members/search/", {"q": q}, content_type="application/json", **headers)
                    assert r.status_code == 200, r.status_code
                return run

            compiled = []
            for q in queries:
                qs = selectors.search_members(actor=user, query=q)[:PAGE]
                compiled.append(qs.query.sql_with_params())

            def bare(sql: str, params: Any) -> Callable[[], Any]:
                return lambda: raw.execute(sql, params).fetchall()

            matches = [selectors.search_members(actor=user, query=q).count() for q in queries]
            first = timed_cycle([page(q) for q in queries], self.runs)
            with_count = timed_cycle([counted(q) for q in queries], self.runs)
            get = timed_cycle([api_get(q) for q in queries], self.runs)
            post = timed_cycle([api_post(q) for q in queries], self.runs)
            sql_times = timed_cycle([bare(sql, params) for sql, params in compiled], self.runs)
            note = (f"{len(queries)} members of the city drawn at random; matches in scope: median "
                    f"{statistics.median(matches):,.0f}, max {max(matches):,}")
            self.report.add("search", f"{kind}: selector, first page ({PAGE} rows)", ms(first),
                            limit=f"same SQL via psycopg {ms(sql_times)}", goal="≤ 20 ms p95", note=note)
            self.report.add("search", f"{kind}: page with its count (as the search page does)", ms(with_count))
            self.report.add("search", f"{kind}: API GET /api/v1/members/?q=", ms(get), goal="≤ 50 ms p95")
            self.report.add("search", f"{kind}: API POST /api/v1/members/search/", ms(post), goal="≤ 50 ms p95")
            sql, params = compiled[len(compiled) // 2]
            plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params).fetchall()
            self.report.plans.append((f"search by {kind} (first page, city scope)",
                                      "\n".join(r[0] for r in plan)))
        # Browsing without a query: all full members of the city (a broad list to count).
        browse = selectors.search_members(actor=user, member_type="full")
        total = browse.count()
        sql, params = browse[:PAGE].query.sql_with_params()
        self.report.add("search", "no query, 党员类型=正式党员 (the city's full members): first page",
                        ms(timed(lambda: list(browse.all()[:PAGE]), self.runs)),
                        limit=f"same SQL via psycopg {ms(timed(lambda: raw.execute(sql, params).fetchall(), self.runs))}",
                        note=f"{total:,} matches")
        self.report.add("search", "no query, 党员类型=正式党员: page with its count (capped at 10,000 on pages)",
                        ms(timed(lambda: page_with_count(browse.all()), self.runs)))

        def api_browse() -> None:
            r = client.get("/api/v1/members/", {"member_type": "full"}, **headers)
            assert r.status_code == 200 and r.json()["count"] == total, r.status_code

        self.report.add("search", "no query, 党员类型=正式党员: API GET (exact count)", ms(timed(api_browse, 10)),
                        note="10 runs")
        raw.close()

    # --- structure statistics ----------------------------------------------------------
    NAIVE = """
        WITH RECURSIVE subtree(id, path) AS (
            SELECT id, path FROM orgs_organization WHERE id = %(org)s
            UNION ALL
            SELECT o.id, o.path FROM orgs_organization o JOIN subtree s
                ON substr(o.path, 1, length(o.path) - 4) = s.path
        )
        SELECT gender, education, occupation, member_type, ethnicity, age_band, count(*)
        FROM (
            SELECT m.gender, m.education, m.occupation, m.member_type, m.ethnicity,
                   CASE WHEN age <= 30 THEN '30-' WHEN age <= 40 THEN '31-40' WHEN age <= 50 THEN '41-50'
                        WHEN age <= 60 THEN '51-60' WHEN age <= 70 THEN '61-70' ELSE '71+' END AS age_band
            FROM (SELECT *, extract(year FROM current_date) - extract(year FROM birth_date) AS age
                  FROM members_member) m
            JOIN subtree s ON m.organization_id = s.id
            WHERE m.standing = 'normal'
        ) x
        GROUP BY GROUPING SETS ((gender), (education), (occupation), (member_type), (ethnicity), (age_band))
    """

    def stats(self) -> None:
        import psycopg

        selector = stats_selector()
        levels = [("province", self.root, 3), ("city", self.city, 3), ("county", self.county, 5),
                  ("branch", self.branch, 5)]
        raw = psycopg.connect(self.url, autocommit=True, prepare_threshold=None)
        headers = self.api("bench-province")
        for level, org, naive_runs in levels:
            members = self.subtree_member_count(org)
            naive = timed(lambda org=org: raw.execute(self.NAIVE, {"org": org.pk}).fetchall(), naive_runs, warmup=1)
            naive_text = f"naive recursive CTE GROUP BY {ms(naive)} ({naive_runs} runs)"
            label = f"{level} ({org.name}, {members:,} members)"
            if selector is None:
                self.report.add("stats", f"{label}: selector", NOT_YET, limit=naive_text)
                continue
            fast = timed(lambda org=org: selector(actor=self.province_user, organization=org), self.runs)
            speedup = percentile(naive, 50) / max(percentile(fast, 50), 1e-6)
            self.report.add("stats", f"{label}: selector structure_stats", ms(fast), limit=naive_text,
                            goal="≤ 20 ms p95, ≥ 500× the naive query", note=f"{speedup:,.0f}× faster (p50)")
            url = f"/api/v1/organizations/{org.pk}/stats/"
            probe = self.client.get(url, **headers)
            if probe.status_code == 404 and b"stats" not in probe.content:
                self.report.add("stats", f"{label}: API {url}", NOT_YET)
                continue

            def api(url: str = url) -> None:
                r = self.client.get(url, **headers)
                assert r.status_code == 200, (r.status_code, r.content[:200])

            self.report.add("stats", f"{level}: API GET /api/v1/organizations/{{id}}/stats/",
                            ms(timed(api, self.runs)), goal="≤ 50 ms p95")
        raw.close()

    # --- export --------------------------------------------------------------------------
    def export(self) -> None:
        import psycopg

        members = self.subtree_member_count(self.city)
        t = time.perf_counter()
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            with cur.copy("COPY (SELECT * FROM members_member WHERE organization_id IN "
                          "(SELECT id FROM orgs_organization WHERE path LIKE %s) ORDER BY organization_id, id) "
                          "TO STDOUT", [self.city.path + "%"]) as cp:
                size = sum(len(block) for block in cp)
        copy_seconds = time.perf_counter() - t
        limit = f"COPY … TO STDOUT {rate(members, copy_seconds)}, {size / 1e6:,.0f} MB"
        if not command_exists("export_members"):
            self.report.add("export", f"export of a city ({self.city.name})", NOT_YET, limit=limit)
            return
        from django.core.management import call_command

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "city.xlsx"
            t = time.perf_counter()
            call_command("export_members", "--org", CITY_CODE, str(out), verbosity=0)
            seconds = time.perf_counter() - t
            size_out = out.stat().st_size if out.exists() else 0
        self.report.add("export", f"export of a city ({self.city.name}) to .xlsx (export_members)",
                        rate(members, seconds), limit=limit, note=f"{size_out / 1e6:,.0f} MB .xlsx")

    # --- roster import -------------------------------------------------------------------
    def roster_import(self) -> None:
        import psycopg

        from bench import province

        count = min(200_000, self.report.members // 10)
        with psycopg.connect(self.url, autocommit=True) as conn, conn.cursor() as cur:
            runs = int(meta(cur, "roster_runs") or 0)
            if runs >= 10:
                raise RuntimeError("all ten roster ID ranges of this load are used: run without --reuse")
            meta(cur, "roster_runs", str(runs + 1))
        station = 90 + runs
        city_row = self.plan.cities[CITY_CODE]
        branches = self.plan.branches_under(city_row)
        people = province.fresh_people(branches, count, station=station, seed=SEED_ROSTER)
        for _b, f in people:
            f["standing"], f["standing_since"] = "normal", None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"长沙市党员花名册-{count}.csv"
            write_roster_csv(path, people)
            size = path.stat().st_size
            copy_rows_s = self._copy_limit(people)
            limit = f"raw COPY of the same rows {copy_rows_s:,.0f} rows/s (rolled back)"
            from dangwu.members import roster_import

            if not command_exists("import_members") and not hasattr(roster_import, "import_roster"):
                self.report.add("import", f"roster of {count:,} rows through the real import path", NOT_YET,
                                limit=limit)
                return
            with psycopg.connect(self.url, autocommit=True) as conn:
                before = conn.execute("SELECT count(*) FROM members_member").fetchone()[0]
                history_before = _history_count(conn)
            t = time.perf_counter()
            how = self._run_import(path)
            seconds = time.perf_counter() - t
            with psycopg.connect(self.url, autocommit=True) as conn:
                created = conn.execute("SELECT count(*) FROM members_member").fetchone()[0] - before
                history = _history_count(conn) - history_before
        share = (created / seconds) / copy_rows_s * 100 if created else 0
        self.report.add("import", f"roster of {count:,} rows ({size / 1e6:.0f} MB .csv) into {self.city.name}'s "
                        f"branches, {how}", rate(created, seconds) if created else "nothing created",
                        limit=limit, goal="≥ 25 % of COPY's rows/s",
                        note=f"{share:.0f} % of COPY; {created:,} members and {history:,} history rows written")
        if created != count:
            self.report.notes.append(f"import: {created:,} of {count:,} rows were created — check the import output")

    def _run_import(self, path: Path) -> str:
        import io

        if command_exists("import_members"):
            from django.core.management import call_command

            out, err = io.StringIO(), io.StringIO()
            try:
                call_command("import_members", str(path), stdout=out, stderr=err)
            except SystemExit as exc:
                if exc.code:
                    raise RuntimeError(f"import_members exited {exc.code}: {(err.getvalue() or out.getvalue())[-500:]}") from None
            log("import_members: " + out.getvalue().strip()[-300:])
            return "manage.py import_members FILE"
        from dangwu.members import roster, roster_import

        parsed = roster.read_roster(path)
        result = roster_import.import_roster(actor=None, roster=parsed)
        if getattr(result, "errors", None):
            raise RuntimeError(f"import refused: {result.errors[:3]}")
        return "roster.read_roster + roster_import.import_roster"

    def _copy_limit(self, people: list[tuple[Any, dict[str, Any]]]) -> float:
        """rows/s of COPY of the same people as member rows (prepared first: encrypted, hashed,
        pinyin), into the loaded member table with all its indexes, then rolled back."""
        import psycopg

        from bench import province

        columns, defaults = province.member_columns()
        columns = [c for c in columns if c != "id"]
        now = datetime.now().astimezone().isoformat()
        lines = []
        for branch, plain in people:
            f = province.stored_fields(plain)
            f["organization_id"] = branch.id
            f["created_at"] = f["updated_at"] = now
            lines.append("\t".join(province._text(f[c] if c in f else defaults.get(c)) for c in columns))
        data = ("\n".join(lines) + "\n").encode()
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            # Foreign keys are DEFERRABLE INITIALLY DEFERRED (Django's): checked at COMMIT, which a
            # rolled-back COPY never reaches. Checked at once here, as the import's commit pays.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            t = time.perf_counter()
            with cur.copy(f"COPY members_member ({', '.join(columns)}) FROM STDIN") as cp:
                for start in range(0, len(data), 1 << 20):
                    cp.write(data[start:start + (1 << 20)])
            seconds = time.perf_counter() - t
            conn.rollback()
        log(f"COPY of {len(people):,} member rows: {seconds:.2f} s")
        return len(people) / seconds


SEED_ROSTER = 4301


def page_with_count(qs: Any) -> Any:
    """The first page and its count, as the member search page computes them."""
    try:
        from dangwu.core.pagination import CappedPaginator as Paginator
    except ImportError:  # before the capped count existed
        from django.core.paginator import Paginator
    page = Paginator(qs, PAGE).get_page(1)
    return list(page), page.paginator.count


def _history_count(conn: Any) -> int:
    return conn.execute("SELECT count(*) FROM members_historicalmember").fetchone()[0]


def timed_cycle(fns: list[Callable[[], Any]], runs: int) -> list[float]:
    return cycle(fns, max(runs, len(fns)))


ROSTER_HEADERS = [
    ("org_code", "党组织代码"), ("name", "姓名"), ("gender", "性别"), ("ethnicity", "民族"),
    ("id_number", "公民身份号码"), ("birth_date", "出生日期"), ("native_place", "籍贯"), ("education", "学历"),
    ("occupation", "人员类别"), ("work_unit", "工作单位"), ("phone", "联系电话"), ("member_type", "党员类型"),
    ("applied_on", "申请入党日期"), ("joined_on", "入党日期"), ("converted_on", "转正日期"),
    ("is_outflow", "流出党员"), ("outflow_destination", "流出去向"), ("lost_contact", "失联党员"),
    ("lost_contact_since", "失联日期"), ("in_hardship", "困难党员"), ("dues_standard", "党费标准（元/月）"),
    ("dues_paid_until", "党费交至"),
]


def write_roster_csv(path: Path, people: list[tuple[Any, dict[str, Any]]]) -> None:
    """A roster as offices send them: Chinese headers and labels, dates in the usual forms."""
    from django.utils import translation

    from dangwu.members.models import Education, Gender, MemberType, Occupation

    with translation.override("zh-hans"):
        labels = {name: {k: str(v) for k, v in choices.choices}
                  for name, choices in (("gender", Gender), ("education", Education), ("occupation", Occupation),
                                        ("member_type", MemberType))}
    forms = ["{d:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d:%Y.%m.%d}", "{d.year}年{d.month}月{d.day}日"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([h for _f, h in ROSTER_HEADERS])
        for i, (branch, f) in enumerate(people):
            form = forms[i % len(forms)]
            row = []
            for name, _h in ROSTER_HEADERS:
                if name == "org_code":
                    value: Any = branch.code
                elif name == "id_number":
                    value = f["id_number"]
                elif name in labels:
                    value = labels[name].get(f.get(name) or "", "")
                elif isinstance(f.get(name), bool):
                    value = "是" if f[name] else "否"
                elif hasattr(f.get(name), "year"):
                    value = form.format(d=f[name])
                else:
                    value = "" if f.get(name) is None else f[name]
                row.append(value)
            out.writerow(row)


# --------------------------------------------------------------------------------------
# The table and docs/performance.md
# --------------------------------------------------------------------------------------

def render(report: Report) -> str:
    lines = [f"Scale {report.scale}: {report.members:,} members, {report.organizations:,} organizations.", ""]
    if report.load:
        lines.append("Load: " + "; ".join(f"{k} {v:,.1f} s" for k, v in report.load.items()) + ".")
        lines.append("")
    lines += ["| | measurement | figure (p50 / p95) | limit, same run, same data | goal | note |",
              "|---|---|---|---|---|---|"]
    for r in report.rows:
        lines.append(f"| {r.section} | {r.what} | {r.figure} | {r.limit} | {r.goal} | {r.note} |")
    return "\n".join(lines)


DOC_HEAD = """# Performance at provincial scale

`make bench` measures the platform on PostgreSQL with a generated province; see `bench/run.py`
for what it does and the sections below for the figures of each scale. Each figure stands
beside its limit, measured in the same run on the same data. Benchmarks print numbers; they
are not pass/fail tests.
"""


SECTION_ORDER = ("load", "search", "stats", "export", "import", "dues", "orglife", "notify")
ROW = re.compile(r"^\| (?P<section>[a-z]+) \| (?P<rest>.*) \|$")
PLAN = re.compile(r"(?m)^(?P<title>[^\n`][^\n]*):\n\n```\n(?P<plan>.*?)\n```", re.S)


def carried_over(old: str, *, measured: set[str]) -> tuple[list[Row], list[tuple[str, str]]]:
    """The rows and query plans of an earlier run's section (its text `old`) for the measurements
    this run did not make (`--only`), each row marked with the run it comes from."""
    found = re.search(r"— run (\d{4}-\d\d-\d\d \d\d:\d\d)", old)
    tag = f" [run {found.group(1)}]" if found else " [an earlier run]"
    rows = []
    for line in old.splitlines():
        m = ROW.match(line)
        if not m or m.group("section") in measured or m.group("section") == "load":
            continue
        cells = m.group("rest").split(" | ")
        if len(cells) != 5:
            continue
        what, figure, limit, goal, note = cells
        if "[run " not in note and "[an earlier run]" not in note:
            note = (note + tag).strip()
        rows.append(Row(m.group("section"), what, figure, limit, goal, note))
    plans = [(p.group("title") if "[run " in p.group("title") else p.group("title") + tag, p.group("plan"))
             for p in PLAN.finditer(old) if p.group("title").split()[0].rstrip(":") not in measured]
    return rows, plans


def write_docs(report: Report, table: str, *, command: str, measured: set[str] | None = None,
               every: set[str] | None = None) -> Path:
    """Replace this scale's section of docs/performance.md with the run's figures. A run of some
    measurements only (`--only`) keeps the other measurements' rows of the section it replaces,
    marked with the run they come from."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else DOC_HEAD
    key = "small" if report.scale == "small" else "full" if report.scale == "full" else "custom"
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    previous = pattern.search(text)
    plans_all = list(report.plans)
    if previous and measured is not None and every is not None and measured != every:
        rows, plans = carried_over(previous.group(0), measured=measured)
        merged = Report(scale=report.scale, members=report.members, load=report.load,
                        organizations=report.organizations, rows=[*report.rows, *rows])
        merged.rows.sort(key=lambda r: SECTION_ORDER.index(r.section) if r.section in SECTION_ORDER else 99)
        table = render(merged)
        plans_all += plans
        report.notes.append(f"measured in this run: {', '.join(sorted(measured))} (--only); rows marked "
                            "[run …] are an earlier run's, kept")
    notes = "\n".join(f"- {n}" for n in report.notes)
    plans_text = "\n\n".join(f"{title}:\n\n```\n{plan}\n```" for title, plan in plans_all)
    body = (f"{start}\n## Figures: SCALE={report.scale}\n\n"
            f"Command: `{command}` — run {report.started:%Y-%m-%d %H:%M}, took "
            f"{(datetime.now() - report.started).total_seconds() / 60:.0f} min.\n\n"
            f"{notes}\n\n{table}\n")
    if plans_text:
        body += f"\n<details><summary>Query plans (EXPLAIN ANALYZE, this run unless marked)</summary>\n\n{plans_text}\n\n</details>\n"
    body += f"{end}"
    if previous:
        text = pattern.sub(lambda _m: body, text)
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o644)
    return path

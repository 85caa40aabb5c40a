"""`make bench`: the platform at provincial scale on PostgreSQL, each figure beside its limit.

    make bench                 # 5,000,000 members, ~250,000 organizations
    make bench SCALE=small     # 200,000 members, ~10,000 organizations: a few minutes
    make bench SCALE=1000000   # any number of members (at least 10,000)

Runs against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dangwu_bench, and
dangwu_bench_small or dangwu_bench_<members> for the other scales, so that a quick run never
replaces the loaded full province): creates
the database when missing, migrates, loads a generated province (bench/province.py: COPY,
no history rows), rebuilds the structure-statistics roll-ups, then measures, in one run on
the same data:

- roster import through the real import path vs raw COPY of the same rows;
- structure statistics (selector and API) at province, city, county and branch level vs a
  naive recursive-CTE GROUP BY over the members;
- member search by name, pinyin, initials and ID number within a city (selector, API GET
  and POST) vs the same SQL sent bare with psycopg;
- roster export of a city vs COPY … TO STDOUT of the same members;
- party dues: the monthly assessment task vs one INSERT … SELECT, and the dues report (bench/dues.py);
- organizational life: a year of every branch's 三会一课 generated and COPY-loaded, the compliance
  roll-up rebuilt, the committee's compliance view and its page at province, city, county and branch
  level vs a naive GROUP BY over the meetings (bench/orglife.py);
- one notice to every member of a city through `notify` vs INSERT … SELECT of the same rows
  (bench/notify.py; gives the city's members accounts first, so it runs last).

Prints a table and writes it into docs/performance.md (its section for this scale).
Benchmarks print numbers; they are not pass/fail tests.

    python bench/run.py --scale small [--reuse] [--only search,stats,...]

`--reuse` keeps a database already loaded at this scale (the roster import then draws IDs
from the next unused police-station digits); `--only` runs only some measurements.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangwu.settings")
os.environ.setdefault("DANGWU_DEBUG", "0")  # DEBUG keeps every query in memory
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dangwu_bench"


def default_url(scale: str, members: int) -> str:
    """One database a scale: a quick small run must not truncate the 5 M province (25 min to load)."""
    if scale == "full":
        return DEFAULT_URL
    return f"{DEFAULT_URL}_{scale if scale in SCALES else members}"


SCALES = {"full": 5_000_000, "small": 200_000}
SEED = 2026
MEASUREMENTS = ("import", "stats", "search", "export", "dues", "orglife", "notify")

from bench.measure import NOT_YET, Report, log, meta, rollups_module  # noqa: E402

# --------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------

def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        raise SystemExit(f"the bench runs on PostgreSQL; DATABASE_URL is {url}")
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise SystemExit(f"cannot reach PostgreSQL at {url}: {exc}") from None
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
    log(f"created database {cfg['NAME']}")


def machine() -> dict[str, str]:
    import psycopg

    info = {"cores": str(os.cpu_count()), "python": platform.python_version()}
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["memory"] = f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        info["memory"] = "?"
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                           if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "?"
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        info["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather",
                     "random_page_cost", "jit"):
            settings[name] = conn.execute(f"SHOW {name}").fetchone()[0]
        info["postgres settings"] = ", ".join(f"{k}={v}" for k, v in settings.items())
    try:
        info["load average at start"] = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        pass
    return info


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default=os.environ.get("SCALE", "full"),
                        help="full (5,000,000 members), small (200,000) or a number of members")
    parser.add_argument("--reuse", action="store_true", help="keep a database already loaded at this scale")
    parser.add_argument("--only", default="",
                        help=f"comma-separated subset of {','.join(MEASUREMENTS)}; 'load' loads and stops")
    parser.add_argument("--runs", type=int, default=50, help="repetitions of each fast measurement")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args(argv)
    scale = args.scale.strip().lower()
    members = SCALES.get(scale) or int(scale.replace("_", "").replace(",", ""))
    if members < 10_000:
        raise SystemExit("SCALE: at least 10,000 members")
    only = {part.strip() for part in args.only.split(",") if part.strip()} or set(MEASUREMENTS)

    url = os.environ.setdefault("DATABASE_URL", default_url(scale, members))
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    report = Report(scale=scale if scale in SCALES else f"{members:,}", members=members)
    report.notes.append("machine: " + "; ".join(f"{k}: {v}" for k, v in machine().items()))
    log(f"bench at {members:,} members on {url}")
    report.notes.append(f"database: {url.rsplit('/', 1)[-1]} (DATABASE_URL)")
    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated ({time.perf_counter() - t:.1f} s)")

    import psycopg

    from bench import dues as dues_bench
    from bench import measure, province
    from bench import notify as notify_bench
    from bench import orglife as orglife_bench

    plan = province.plan_province(members, seed=SEED)
    report.organizations = len(plan.orgs)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        loaded = meta(cur, "loaded")
    wanted = f"{members}:{SEED}:{len(plan.orgs)}"
    if args.reuse and loaded == wanted:
        log("reusing the province already loaded")
        report.notes.append("database reused from an earlier run of the same scale (--reuse)")
    else:
        log(f"loading {len(plan.orgs):,} organizations and {members:,} members")
        t = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
            meta(cur, "loaded", "partial")
        report.load = province.load(url, plan, seed=SEED, log=log)
        report.load["load in all"] = time.perf_counter() - t
        with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
            meta(cur, "loaded", wanted)
            meta(cur, "roster_runs", "0")
        rollups = rollups_module()
        if rollups is None:
            report.add("load", "roll-up rebuild (rollups.rebuild)", NOT_YET)
        else:
            t = time.perf_counter()
            rollups.rebuild()
            report.load["roll-up rebuild (rollups.rebuild)"] = time.perf_counter() - t
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")
        log("load: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.load.items()))

    if only == {"load"}:
        return 0
    ctx = measure.Context.create(plan, url=url, runs=args.runs, report=report, loaded=wanted)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("search", ctx.search), ("stats", ctx.stats), ("export", ctx.export), ("import", ctx.roster_import),
        ("dues", lambda: dues_bench.measure(ctx)), ("orglife", lambda: orglife_bench.measure(ctx)),
        ("notify", lambda: notify_bench.measure(ctx)),  # last: it gives the city's members accounts
    ]
    for name, step in steps:
        if name not in only:
            continue
        log(f"--- {name}")
        try:
            step()
        except Exception as exc:  # a broken piece is reported, the run goes on
            traceback.print_exc()
            report.add(name, "error", f"{type(exc).__name__}: {exc}"[:200])
    text = measure.render(report)
    print()
    print(text)
    if not args.no_docs:
        path = measure.write_docs(report, text, command=f"make bench SCALE={args.scale}",
                                  measured=only & set(MEASUREMENTS), every=set(MEASUREMENTS))
        log(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


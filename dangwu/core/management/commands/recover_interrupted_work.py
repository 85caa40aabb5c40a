"""Fail the background runs whose worker died and delete the files no run needs:
`manage.py recover_interrupted_work [--worker-id ID] [--stale-after SECONDS] [--repeat SECONDS]`.

Runs every kind the apps registered (`registries.background_runs`: roster imports and exports, dues
assessments …; `core.runs`, decision 0021). Run it before the worker starts (with the worker's
`--worker-id`: what that worker was running when it died is failed at once) and every few
minutes (`--repeat 300`, or a timer): a run without a heartbeat for `--stale-after` seconds
(DANGWU_TASK_STALE_SECONDS) is failed, its upload deleted, and the files under media/ that no
run names are removed.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections

from dangwu.core import runs


class Command(BaseCommand):
    help = ("Fail the background runs (roster imports, exports, dues assessments …) whose worker died, "
            "delete their uploads and the files under media/ that no run needs.")

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default="", metavar="ID",
                            help="the id of a worker that is starting again (db_worker --worker-id): "
                                 "the runs it had claimed are failed at once")
        parser.add_argument("--stale-after", type=float, default=None, metavar="SECONDS",
                            help="fail a running run without a heartbeat for this long "
                                 "(default DANGWU_TASK_STALE_SECONDS)")
        parser.add_argument("--orphan-age", type=float, default=None, metavar="SECONDS",
                            help="delete a file no run names once it is this old "
                                 "(default DANGWU_ORPHAN_MIN_AGE_SECONDS)")
        parser.add_argument("--repeat", type=float, default=0, metavar="SECONDS",
                            help="run again every SECONDS until stopped (0: once)")

    def handle(self, *args: Any, worker_id: str, stale_after: float | None, orphan_age: float | None,
               repeat: float, **options: Any) -> None:
        while True:
            self._once(worker_id=worker_id, stale_after=stale_after, orphan_age=orphan_age)
            if repeat <= 0:
                return
            worker_id = ""  # only on the first round: that worker runs again now
            connections.close_all()
            time.sleep(repeat)

    def _once(self, **kwargs: Any) -> None:
        report = runs.recover(**kwargs)
        for kind, pk, why in report.failed:
            self.stdout.write(f"{kind} {pk}: failed, interrupted ({why})")
        for kind, count in report.released.items():
            if count:
                self.stdout.write(f"{kind}: deleted the uploads of {count} finished runs")
        for kind, count in report.pruned.items():
            if count:
                self.stdout.write(f"{kind}: {count} expired")
        for name in report.orphans:
            self.stdout.write(f"deleted orphaned file {name}")
        self.stdout.write(f"recover_interrupted_work: {len(report.failed)} runs failed, "
                          f"{len(report.orphans)} orphaned files deleted")

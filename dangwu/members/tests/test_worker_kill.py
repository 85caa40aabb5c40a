"""kill -9 of the task worker in the middle of a roster import, on PostgreSQL (issue 12, finding 2).

A real `manage.py db_worker` (the database task backend) runs the import in a subprocess on the
test database; it is killed with SIGKILL while it checks the rows. The recovery (as the worker's
unit runs it before starting again, with the worker's id) fails the run and deletes its upload;
a fresh upload is then imported by a new worker. Skipped unless the suite runs on PostgreSQL
(`.ci/run` runs it there): an in-memory SQLite test database cannot be shared with a subprocess.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from dangwu.core import crypto
from dangwu.core.models import AuditEntry
from dangwu.members import tasks
from dangwu.members.models import Member, RosterImport

from .rosters import person, write_csv

ROWS = 20_000  # enough to be caught while its rows are checked (seconds), small enough to import again fast
WORKER = "dangwu-test-worker"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="needs the suite on PostgreSQL: a worker process cannot reach an in-memory SQLite"),
]


def _roster(path: Path) -> tuple[Path, list[str]]:
    rows, seen, index = [], set(), 0
    while len(rows) < ROWS:
        row = person(100_000 + index)
        index += 1
        if row["公民身份号码"] not in seen:
            seen.add(row["公民身份号码"])
            rows.append(row)
    return write_csv(path, rows), [row["公民身份号码"] for row in rows]


def _worker(*extra: str) -> subprocess.Popen:
    """`manage.py db_worker` on the test database, with production's settings and the test's keys."""
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangwu.settings", "DANGWU_DEBUG": "0",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "DANGWU_MEDIA_ROOT": str(settings.MEDIA_ROOT), "DANGWU_TASK_HEARTBEAT_SECONDS": "0.5"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--worker-id", WORKER, "--interval", "0.1",
         "--no-startup-delay", "--no-reload", *extra],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(condition, *, seconds: float, what: str):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _queue(people, world, path: Path) -> RosterImport:
    upload = SimpleUploadedFile("大花名册.csv", path.read_bytes(), content_type="text/csv")
    with override_settings(TASKS=DB_TASKS):
        return tasks.queue_roster_import(actor=people["secretary"], organization=world.branch_a, upload=upload,
                                         update=False, dry_run=False, client_ip="10.0.0.8")


def test_a_worker_killed_mid_import_is_recovered_and_the_import_succeeds_again(world, people, tmp_path):
    from django_tasks_db.models import DBTaskResult

    started = time.monotonic()
    path, numbers = _roster(tmp_path / "roster.csv")
    record = _queue(people, world, path)
    upload = Path(record.file.path)
    assert record.status == "queued" and record.task_id and upload.exists()

    worker = _worker()
    try:
        def checking():
            record.refresh_from_db()
            return record.status == "running" and record.phase == "checking" and record.heartbeat_at

        _wait(checking, seconds=30, what="the worker to check the rows")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    record.refresh_from_db()
    assert record.status == "running" and record.processed_rows < ROWS  # killed in the middle
    assert DBTaskResult.objects.get(id=record.task_id).status == "RUNNING"  # and nothing would ever claim it

    # a periodic round soon after the kill leaves it (its heartbeat is fresh: it might be alive)
    call_command("recover_interrupted_work", stdout=io.StringIO())
    record.refresh_from_db()
    assert record.status == "running"
    # the worker's unit runs the recovery before the worker starts again, with its id
    out = io.StringIO()
    call_command("recover_interrupted_work", worker_id=WORKER, stdout=out)
    assert f"roster_import {record.pk}: failed, interrupted (worker restarted)" in out.getvalue()
    record.refresh_from_db()
    assert record.status == "failed" and "后台任务进程已停止" in record.message
    assert not record.file and not upload.exists()  # 20,000 full ID numbers no longer on disk
    assert DBTaskResult.objects.get(id=record.task_id).status == "FAILED"
    entry = AuditEntry.objects.get(action="member.import_failed")
    assert entry.summary["reason"] == "interrupted" and entry.target_id == str(record.pk)
    assert not Member.objects.filter(id_number_hash__in=[crypto.lookup_hash(n) for n in numbers]).exists()

    # the retry: the same roster uploaded again, a new worker
    again = _queue(people, world, path)
    worker = _worker("--batch")
    try:
        assert worker.wait(timeout=max(10, 55 - (time.monotonic() - started))) == 0, worker.stderr.read()[-2000:]
    finally:
        if worker.poll() is None:
            worker.kill()
    again.refresh_from_db()
    assert again.status == "done" and again.created_count == ROWS, (again.message, again.errors[:3])
    assert not again.file  # deleted once read
    assert Member.objects.filter(id_number_hash__in=[crypto.lookup_hash(n) for n in numbers]).count() == ROWS
    assert AuditEntry.objects.filter(action="member.import").count() == 1


def test_a_long_run_keeps_beating_and_only_a_silent_one_is_reaped(world, people):
    """The heartbeat comes from its own thread and connection: however long the task works, the
    reaper leaves it; once the beats stop, it is failed after the stale time."""
    from datetime import timedelta

    from django.utils import timezone

    from dangwu.core import runs

    record = RosterImport.objects.create(created_by=people["secretary"], organization=world.branch_a,
                                         file_name="r.csv", status="running",
                                         started_at=timezone.now() - timedelta(hours=3))
    with override_settings(DANGWU_TASK_HEARTBEAT_SECONDS=0.1), runs.heartbeat(RosterImport, record.pk):
        for _ in range(4):
            time.sleep(0.5)  # the task's work
            assert not runs.recover(stale_after=0.4).failed
    time.sleep(0.6)
    assert [(kind, pk) for kind, pk, _why in runs.recover(stale_after=0.4).failed] == [("roster_import", record.pk)]

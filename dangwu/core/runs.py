"""Background runs that lose their worker: the heartbeat of a running task, the reaper of runs
whose task died, cancelling, and the sweep of files that no run needs any more (decision 0021).

A run (a `core.models.TaskRun` row: a roster import or export, a dues assessment …) is worked on
by a task in a worker process (`manage.py db_worker`). When that process dies (`kill -9`, the
machine restarts, out of memory) the row stays "running" and the task result RUNNING: nothing
ever claims it again. So:

- `enqueue(task, run)` enqueues the run's task and keeps its result id on the row (`task_id`);
- `heartbeat(model, pk)` wraps the task's body: a thread with its own database connection writes
  `heartbeat_at` every `DANGWU_TASK_HEARTBEAT_SECONDS` while the body runs, whatever the body
  does (a long write transaction, a slow query): a healthy run keeps beating however long it
  takes, a dead one stops;
- `recover()` (`manage.py recover_interrupted_work`, run when the worker starts and every few
  minutes) fails the queued or running runs of every registered kind
  (`registries.background_runs`) whose heartbeat is older than `DANGWU_TASK_STALE_SECONDS`,
  whose task result has finished or gone, or whose task a restarting worker had claimed
  (`--worker-id`); deletes their uploads; runs each kind's pruning; deletes the uploads of
  finished runs and the files under the kinds' folders that no row names;
- `cancel(run, actor)` fails a queued or running run at a person's request. A running task
  notices at its next progress write or before its write commits (`still_running`: a
  conditional update that raises `RunStopped` when the run is no longer running), so a
  cancelled or reaped run writes nothing more.

Failing a run goes through the kind's `fail` hook when it has one (the roster import audits it),
else `fail_run` here: a conditional update (only a queued or running run), so that a run that
finished meanwhile is left alone, whoever comes second.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, connections, models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import registries
from .registries import BackgroundRun

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "running")


class RunStopped(Exception):
    """The run was cancelled or failed by the reaper while its task ran: the task stops and writes
    nothing more (raised inside a write's transaction, it rolls the write back)."""


def model_of(kind: BackgroundRun) -> type[models.Model]:
    return apps.get_model(kind.model)


def kind_of(model: type[models.Model]) -> BackgroundRun | None:
    label = model._meta.label
    return next((kind for kind in registries.background_runs if kind.model == label), None)


# --- the task's side ---------------------------------------------------------------------------

def enqueue(task: Any, run: models.Model) -> Any:
    """Enqueue `task(run.pk)` and keep its result's id on the run, so that the reaper can ask the
    task backend whether it still runs. Answers the task result."""
    result = task.enqueue(run.pk)
    type(run)._default_manager.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    return result


@contextmanager
def heartbeat(model: type[models.Model], pk: int) -> Iterator[None]:
    """Write the run's `heartbeat_at` every DANGWU_TASK_HEARTBEAT_SECONDS while the block runs.

    The beats come from a thread with its own database connection, so they go on while the task
    holds a long transaction or waits on the database; a beat that cannot be written (SQLite
    locked by the task's own write) is skipped. 0 turns the heartbeat off (the test settings: the
    in-memory test database cannot be reached from another thread)."""
    interval = float(getattr(settings, "DANGWU_TASK_HEARTBEAT_SECONDS", 10))
    if interval <= 0:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while True:
                try:
                    model._default_manager.filter(pk=pk, status__in=ACTIVE).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("could not write the heartbeat of %s %s", model._meta.label, pk)
                if stop.wait(interval):
                    return
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat-{model._meta.label}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 30)


def still_running(model: type[models.Model], pk: int, **changes: Any) -> None:
    """Write `changes` (progress) to a run only while it is running; RunStopped when a cancel or the
    reaper failed it meanwhile. Called inside a write's transaction, just before it commits, it
    also locks the row, so that a cancel or the reaper waits for the commit and then finds the run
    finished (pass `status="done"`) or freshly beating."""
    if not model._default_manager.filter(pk=pk, status="running").update(heartbeat_at=timezone.now(), **changes):
        raise RunStopped(f"{model._meta.label} {pk} is no longer running")


# --- failing a run -----------------------------------------------------------------------------

def delete_files(run: models.Model, names: tuple[str, ...]) -> None:
    """Delete the files of `run`'s file fields `names` and clear the fields."""
    for name in names:
        stored = getattr(run, name)
        if not stored:
            continue
        try:
            stored.delete(save=False)
        except OSError:
            logger.warning("could not delete %s of %s %s", name, run._meta.label, run.pk)
            continue
        type(run)._default_manager.filter(pk=run.pk).update(**{name: ""})


def fail_run(run: models.Model, *, message: Any, uploads: tuple[str, ...] = ()) -> bool:
    """Fail a queued or running run with `message` and delete its `uploads`; False (and nothing
    changed) when it had finished meanwhile. The default of `BackgroundRun.fail`."""
    now = timezone.now()
    failed = type(run)._default_manager.filter(pk=run.pk, status__in=ACTIVE).update(
        status="failed", message=str(message), finished_at=now)
    if failed:
        mark_task_failed(run)
        delete_files(run, uploads)
    return bool(failed)


def fail(kind: BackgroundRun, run: models.Model, *, reason: str, actor: Any = None, origin: Any = None) -> bool:
    """Fail one run of `kind` for `reason` ("interrupted" or "cancelled") through its hook."""
    if kind.fail is not None:
        done = kind.fail(run=run, reason=reason, actor=actor, origin=origin)
        if done:
            mark_task_failed(run)
        return bool(done)
    with transaction.atomic():
        done = fail_run(run, message=kind.interrupted)
        if done and kind.failed is not None:  # recorded (audited) in the transaction that fails it
            run.refresh_from_db()
            kind.failed(run=run, reason=reason)
    if done:
        delete_files(run, kind.uploads)
    return done


def cancel(run: models.Model, *, actor: Any, origin: Any = None) -> bool:
    """Cancel a queued or running run at `actor`'s request (the caller checked they may): it fails
    with reason "cancelled" and its uploads are deleted; a running task notices at its next
    progress write and stops (`still_running`). False when it had finished meanwhile."""
    kind = kind_of(type(run))
    if kind is None:
        raise LookupError(f"{run._meta.label} is not a registered background run")
    return fail(kind, run, reason="cancelled", actor=actor, origin=origin)


def mark_task_failed(run: models.Model) -> None:
    """Mark the run's task result failed too, where the database backend keeps it (it would stay
    RUNNING for ever in the task queue's tables)."""
    task_id = getattr(run, "task_id", "")
    if not task_id or not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult  # the backend's table; no app of the project

    try:
        DBTaskResult.objects.filter(id=task_id, status__in=["READY", "RUNNING"]).update(
            status="FAILED", finished_at=timezone.now())
    except (ValidationError, ValueError):  # not an id of this backend (another backend kept the run)
        pass


# --- finding interrupted runs ------------------------------------------------------------------

def _task_status(task_id: str) -> str | None:
    """The status of a task result ("READY", "RUNNING", "SUCCESSFUL", "FAILED"), "GONE" when the
    backend no longer knows it, None when the backend cannot tell (it keeps no results)."""
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not task_id or not default_task_backend.supports_get_result:
        return None
    try:
        return str(default_task_backend.get_result(task_id).status)
    except TaskResultDoesNotExist:
        return "GONE"


def _claimed_by(worker_id: str) -> set[str]:
    """Ids of the RUNNING task results last claimed by `worker_id` (a worker that starts again under
    the same id ran them when it died)."""
    if not worker_id or not apps.is_installed("django_tasks_db"):
        return set()
    from django_tasks_db.models import DBTaskResult

    return {str(pk) for pk, workers in DBTaskResult.objects.filter(status="RUNNING").values_list("id", "worker_ids")
            if workers and workers[-1] == worker_id}


def interrupted_runs(kind: BackgroundRun, *, stale_after: float, worker_id: str = "") -> list[tuple[Any, str]]:
    """The queued or running runs of `kind` whose task died, each with why (for the log):
    "heartbeat" (running, no heartbeat — or start, when it never beat — for `stale_after`
    seconds), "task <STATUS>" (its task result finished or gone while the run did not) or
    "worker restarted" (claimed by the worker `worker_id`, which is starting again)."""
    model = model_of(kind)
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    claimed = _claimed_by(worker_id)
    found: list[tuple[Any, str]] = []
    for run in model._default_manager.filter(status__in=ACTIVE).annotate(
            last_sign=Coalesce("heartbeat_at", "started_at", "created_at")).order_by("pk"):
        if run.task_id and run.task_id in claimed:
            found.append((run, "worker restarted"))
        elif run.status == "running" and run.last_sign < cutoff:
            found.append((run, "heartbeat"))
        else:
            status = _task_status(run.task_id)
            if status in ("SUCCESSFUL", "FAILED", "GONE"):
                found.append((run, f"task {status}"))
    return found


# --- files --------------------------------------------------------------------------------------

def _file_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)]


def release_uploads(kind: BackgroundRun) -> int:
    """Delete the uploads of finished runs that do not need them any more; answers how many runs."""
    if not kind.uploads:
        return 0
    model = model_of(kind)
    has_upload = models.Q()
    for name in kind.uploads:
        has_upload |= ~models.Q(**{name: ""})
    released = 0
    for run in model._default_manager.exclude(status__in=ACTIVE).filter(has_upload):
        if kind.keeps_upload is not None and kind.keeps_upload(run=run):
            continue
        delete_files(run, kind.uploads)
        released += 1
    return released


def sweep_orphans(*, min_age: float) -> list[str]:
    """Delete the files under the registered kinds' folders of MEDIA_ROOT that no row of any
    registered model names and that are older than `min_age` seconds (a file being uploaded has
    no row yet); answers their names."""
    kinds = list(registries.background_runs)
    named: set[str] = set()
    for model in {model_of(kind) for kind in kinds}:
        for name in _file_fields(model):
            named |= set(model._default_manager.exclude(**{name: ""}).values_list(name, flat=True))
    root = os.path.realpath(settings.MEDIA_ROOT)
    oldest = time.time() - min_age
    removed: list[str] = []
    for folder in sorted({folder for kind in kinds for folder in kind.folders}):
        top = os.path.join(root, folder)
        for directory, _dirs, files in os.walk(top):
            for file_name in files:
                path = os.path.join(directory, file_name)
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                try:
                    if relative in named or os.path.getmtime(path) > oldest:
                        continue
                    default_storage.delete(relative)
                except OSError:
                    logger.warning("could not delete the orphaned file %s", relative)
                    continue
                removed.append(relative)
    return removed


# --- everything at once ------------------------------------------------------------------------

@dataclass
class Recovery:
    """What `recover()` did."""

    failed: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, run id, why)
    released: dict[str, int] = field(default_factory=dict)  # kind → runs whose uploads were deleted
    pruned: dict[str, int] = field(default_factory=dict)  # kind → expired things removed
    orphans: list[str] = field(default_factory=list)  # files deleted


def recover(*, stale_after: float | None = None, worker_id: str = "", orphan_age: float | None = None) -> Recovery:
    """Run every registered kind's reaper and sweep (`manage.py recover_interrupted_work`)."""
    stale = float(stale_after if stale_after is not None else settings.DANGWU_TASK_STALE_SECONDS)
    age = float(orphan_age if orphan_age is not None else settings.DANGWU_ORPHAN_MIN_AGE_SECONDS)
    report = Recovery()
    for kind in registries.background_runs:
        for run, why in interrupted_runs(kind, stale_after=stale, worker_id=worker_id):
            if fail(kind, run, reason="interrupted"):
                report.failed.append((kind.key, run.pk, why))
        if kind.prune is not None:
            report.pruned[kind.key] = kind.prune()
        report.released[kind.key] = release_uploads(kind)
    report.orphans = sweep_orphans(min_age=age)
    return report

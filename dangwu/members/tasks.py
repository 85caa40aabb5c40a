"""Background work of member records: running a roster import (花名册导入) and building the
export of a large subtree (花名册导出).

The page saves the upload as a `RosterImport` and enqueues `run_roster_import`
(`queue_roster_import`); a worker (`manage.py db_worker`, started by `make run`) runs it. The
task reads the file, calls `roster_import.import_roster` (which checks, then writes through the
audited service `roster_services.write_roster_import`) and records how it went on the
`RosterImport` row, which the status page polls. Those progress writes, like the queueing of a
run (`queue_roster_import`, `queue_roster_export`), are bookkeeping of the task, not business
writes: they are not audited (the import itself is, once). See docs/decisions/0005-import-tasks.md.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangwu.core import access, runs, uploads
from dangwu.core.audit import Origin
from dangwu.core.roles import Cap
from dangwu.core.spreadsheets import SpreadsheetError
from dangwu.core.tasks import task
from dangwu.core.text import storable

from . import roster, roster_export, roster_import, roster_services, selectors
from .models import RosterExport, RosterImport

logger = logging.getLogger(__name__)

STORED_CHANGES = 1000
PROGRESS_EVERY = 0.5  # seconds between progress writes


def queue_roster_import(
    *, actor: User, organization: Any, upload: Any, update: bool, dry_run: bool, client_ip: str = "",
) -> RosterImport:
    """Keep an uploaded roster and queue its import as a background task (`run_roster_import`).

    Bookkeeping of the task, not a business write: nothing about members changes here, so no
    audit entry; the task calls `roster_import.import_roster`, which is audited (once, when it
    writes). `client_ip` is kept with the run for that entry's origin.
    """
    if organization is not None:
        access.require(actor, Cap.MEMBER_EDIT, organization)
    prune_checked_uploads()
    record = RosterImport.objects.create(
        created_by=actor, organization=organization, file=upload, file_name=str(upload.name)[:255],
        update_existing=update, dry_run=dry_run, client_ip=client_ip[:45],
    )
    runs.enqueue(run_roster_import, record)
    record.refresh_from_db()
    return record


@task()
def run_roster_import(import_id: int) -> str:
    """Run one queued roster import; returns its final status."""
    with translation.override(settings.LANGUAGE_CODE), runs.heartbeat(RosterImport, import_id):
        return process_import(import_id)


def process_import(import_id: int) -> str:
    return uploads.run_import(
        RosterImport, import_id, work=_run,
        failure=_("导入时发生意外错误，没有写入任何数据。请稍后重试，或联系系统管理员。"),
        # a check that passed keeps its upload, to be imported (`import_checked_upload`)
        keep_upload=lambda record, status: record.dry_run and status == RosterImport.Status.DONE)


def _run(record: RosterImport) -> str:
    failed = RosterImport.Status.FAILED
    try:
        parsed = roster.read_roster(record.file.path, file_name=record.file_name,
                                    max_bytes=settings.DANGWU_ROSTER_MAX_BYTES,
                                    max_rows=settings.DANGWU_ROSTER_MAX_ROWS)
    except SpreadsheetError as problem:
        uploads.finish(record, status=failed, message=problem.message, reason="file")
        return failed
    RosterImport.objects.filter(pk=record.pk).update(total_rows=len(parsed.rows), phase="checking")
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or phase == "writing":
            last[0] = now
            runs.still_running(RosterImport, record.pk, phase=phase, processed_rows=done, total_rows=total)

    origin = Origin(ip=record.client_ip) if record.client_ip else None  # the uploader's address, for the audit entry
    try:
        result = roster_import.import_roster(
            actor=record.created_by, roster=parsed, organization=record.organization,
            update=record.update_existing, dry_run=record.dry_run, origin=origin, progress=progress,
            # inside the write's transaction, before it commits: a cancelled run writes nothing
            before_commit=lambda: runs.still_running(RosterImport, record.pk, status=RosterImport.Status.DONE))
    except PermissionDenied:
        uploads.finish(record, status=failed, message=_("您已无权在所选党组织维护党员档案，没有写入任何数据。"))
        return failed
    record.total_rows = result.total
    record.created_count, record.updated_count = result.created, result.updated
    record.unchanged_count = result.unchanged
    record.changes = [[c.row, c.name, [list(x) for x in c.changes]] for c in result.changes[:STORED_CHANGES]]
    if record.organization_id is None and result.organization is not None:
        record.organization = result.organization  # others with member.edit there may now see it
    if result.errors:
        return uploads.fail_with_errors(record, result.errors, report_name=f"errors-{record.pk}.xlsx")
    uploads.finish(record, status=RosterImport.Status.DONE, message="")
    return RosterImport.Status.DONE


def record_failed_import(*, run: RosterImport, reason: str) -> None:
    """The `failed` hook of the roster import's kind (`registries.BackgroundRun`): one audit entry
    (`member.import_failed`) for a run that ended failed on its own, in the transaction of its end."""
    roster_services.record_failed_import(actor=run.created_by, run=run, reason=reason,
                                         origin=Origin(ip=run.client_ip) if run.client_ip else None)


def upload_kept_until(record: RosterImport) -> Any:
    """Until when a check that passed keeps its upload to be imported; None when it keeps none."""
    if not (record.dry_run and record.status == RosterImport.Status.DONE and record.file and record.finished_at):
        return None
    return record.finished_at + timedelta(hours=settings.DANGWU_IMPORT_KEEP_HOURS)


def may_import_checked_upload(*, actor: User, record: RosterImport) -> bool:
    """Whether `actor` may import the upload a check kept: only the person who uploaded it, still
    allowed to edit members where it goes, before it expires."""
    until = upload_kept_until(record)
    if until is None or until <= timezone.now() or record.created_by_id != actor.pk:
        return False
    if record.organization is not None:
        return access.can(actor, Cap.MEMBER_EDIT, record.organization)
    return access.has_capability(actor, Cap.MEMBER_EDIT)


def import_checked_upload(*, actor: User, record: RosterImport, client_ip: str = "") -> RosterImport:
    """Import the upload of a check (仅校验) that passed, without choosing the file again: a new run
    of the same file, organization and options, queued as `queue_roster_import` queues one.

    The file passes to the new run (which deletes it once read, as every import does); the check
    names the run it led to. The rows are checked again before anything is written: the records
    may have changed since the check. Bookkeeping like `queue_roster_import`: the import itself is
    audited once, when it writes. PermissionDenied when `may_import_checked_upload` says no.
    """
    with transaction.atomic():
        record = RosterImport.objects.select_for_update().get(pk=record.pk)
        if not may_import_checked_upload(actor=actor, record=record):
            raise PermissionDenied
        run = RosterImport.objects.create(
            created_by=actor, organization=record.organization, file=record.file.name, file_name=record.file_name,
            update_existing=record.update_existing, dry_run=False, client_ip=client_ip[:45] or record.client_ip)
        RosterImport.objects.filter(pk=record.pk).update(file="", imported_as=run)
    runs.enqueue(run_roster_import, run)
    run.refresh_from_db()
    return run


def discard_checked_upload(*, actor: User, record: RosterImport) -> None:
    """Delete the upload a check kept (the person who uploaded it no longer wants to import it)."""
    if record.created_by_id != actor.pk:
        raise PermissionDenied
    if upload_kept_until(record) is not None:  # not the upload of a run still queued or running
        uploads.discard_upload(record)


def prune_checked_uploads() -> int:
    """Delete the uploads that checks kept longer than DANGWU_IMPORT_KEEP_HOURS (they hold full ID
    numbers in clear); returns how many. Run whenever an import is queued."""
    cutoff = timezone.now() - timedelta(hours=settings.DANGWU_IMPORT_KEEP_HOURS)
    removed = 0
    for record in RosterImport.objects.filter(dry_run=True, finished_at__lt=cutoff).exclude(file=""):
        uploads.discard_upload(record)
        removed += 1
    return removed


# --- roster export --------------------------------------------------------------------

def queue_roster_export(*, actor: User, organization: Any) -> RosterExport:
    """Queue the export of a large subtree's roster as a background task (`run_roster_export`).

    Bookkeeping, not a business write, as for `queue_roster_import`: the export itself is
    audited by `roster_export.export_roster` when the task writes it. Expired export files are
    removed here.
    """
    access.require(actor, Cap.MEMBER_VIEW, organization)
    prune_expired_exports()
    record = RosterExport.objects.create(
        created_by=actor, organization=organization,
        total_rows=selectors.subtree_member_count(organization=organization),
        full_numbers=access.can(actor, Cap.MEMBER_VIEW_SENSITIVE, organization))
    runs.enqueue(run_roster_export, record)
    record.refresh_from_db()
    return record


@task()
def run_roster_export(export_id: int) -> str:
    """Build one queued roster export; returns its final status."""
    with translation.override(settings.LANGUAGE_CODE), runs.heartbeat(RosterExport, export_id):
        return process_export(export_id)


def process_export(export_id: int) -> str:
    claimed = RosterExport.objects.filter(pk=export_id, status=RosterExport.Status.QUEUED).update(
        status=RosterExport.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return "skipped"  # already run (a task is delivered at least once)
    record = RosterExport.objects.select_related("created_by", "organization").get(pk=export_id)
    last = [0.0]

    def progress(rows: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            RosterExport.objects.filter(pk=record.pk).update(processed_rows=rows)

    try:
        with tempfile.TemporaryFile() as out:
            result = roster_export.export_roster(actor=record.created_by, organization=record.organization, out=out,
                                                 progress=progress)
            out.seek(0)
            record.file.save(f"roster-{record.pk}.xlsx", File(out), save=False)
    except PermissionDenied:
        _finish_export(record, status=RosterExport.Status.FAILED, message=_("您已无权查看该党组织的党员，导出已取消。"))
        return RosterExport.Status.FAILED
    except Exception:
        logger.exception("roster export %s failed", export_id)
        _finish_export(record, status=RosterExport.Status.FAILED,
                       message=_("导出时发生意外错误。请稍后重试，或联系系统管理员。"))
        return RosterExport.Status.FAILED
    record.total_rows = result.rows
    record.full_numbers = result.full_numbers
    _finish_export(record, status=RosterExport.Status.DONE, message="")
    return RosterExport.Status.DONE


def _finish_export(record: RosterExport, *, status: str, message: str) -> None:
    record.status = status
    record.message = storable(message)
    record.processed_rows = record.total_rows
    record.finished_at = timezone.now()
    record.save()


def prune_expired_exports() -> int:
    """Delete the files of exports older than DANGWU_EXPORT_KEEP_HOURS (they may hold full ID
    numbers), and the rows a week after that; returns how many files were removed."""
    now = timezone.now()
    removed = 0
    expired = RosterExport.objects.filter(created_at__lt=now - timedelta(hours=settings.DANGWU_EXPORT_KEEP_HOURS))
    for record in expired.exclude(file=""):
        try:
            record.file.delete(save=False)
        except OSError:
            logger.warning("could not delete the file of roster export %s", record.pk)
            continue
        RosterExport.objects.filter(pk=record.pk).update(file="", message=_("文件已过期删除"))
        removed += 1
    RosterExport.objects.filter(
        created_at__lt=now - timedelta(hours=settings.DANGWU_EXPORT_KEEP_HOURS) - timedelta(days=7)).delete()
    return removed

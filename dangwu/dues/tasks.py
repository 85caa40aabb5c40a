"""Background work of party dues: the monthly assessment of a subtree (月度党费核定), and the
import of a declarations sheet (党费基数申报导入, at the end: the roster import's pattern).

`services.start_assessment` records the request (audited) and enqueues `run_assessment`; a
worker (`manage.py db_worker`, started by `make run`) runs it batch by batch. Each batch is one
INSERT … SELECT over up to `ASSESS_BATCH_ORGS` organizations with ON CONFLICT DO NOTHING, and
advances the run's cursor in the same transaction: running twice creates nothing, and a run
killed halfway completes when it runs again (`resume_assessment`). The status page polls the
run's progress. See docs/decisions/0006-dues-assessment.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangwu.core import access, runs, uploads
from dangwu.core.audit import Origin
from dangwu.core.roles import Cap
from dangwu.core.spreadsheets import SpreadsheetError
from dangwu.core.tasks import task

from . import services, sheets
from .models import AssessmentRun, DeclarationImport

logger = logging.getLogger(__name__)


@task()
def run_assessment(run_id: int) -> str:
    """Run (or resume) one assessment run; returns its final status."""
    with translation.override(settings.LANGUAGE_CODE), runs.heartbeat(AssessmentRun, run_id):
        return process_run(run_id)


def process_run(run_id: int, *, batch_size: int | None = None) -> str:
    claimed = AssessmentRun.objects.filter(
        pk=run_id, status__in=[AssessmentRun.Status.QUEUED, AssessmentRun.Status.RUNNING,
                               AssessmentRun.Status.FAILED],
    ).update(status=AssessmentRun.Status.RUNNING, started_at=timezone.now(), message="")
    if not claimed:
        return "skipped"  # done already (a task is delivered at least once)
    try:
        # The batches are the audited run's bookkeeping, not services (no entry each, decision 0006);
        # the run is audited when started (dues.assess_start) and here when finished (dues.assess).
        while services._assess_next_batch(run_id=run_id, batch_size=batch_size or services.ASSESS_BATCH_ORGS):
            pass
        services.finish_assessment(run_id=run_id)
    except Exception:
        logger.exception("dues assessment run %s failed", run_id)
        AssessmentRun.objects.filter(pk=run_id).update(
            status=AssessmentRun.Status.FAILED,
            message=_("核定中途出错；已完成的部分已保存，重新运行会从中断处继续，不会重复核定。"))
        return AssessmentRun.Status.FAILED
    return AssessmentRun.Status.DONE


def resume_assessment(run_id: int) -> None:
    """Enqueue an unfinished run again (after a crash): it continues after the last committed batch.
    A run still queued or running is left alone (its task will run it); a failed one is queued."""
    if AssessmentRun.objects.filter(pk=run_id, status=AssessmentRun.Status.FAILED).update(
            status=AssessmentRun.Status.QUEUED, message="", finished_at=None):
        runs.enqueue(run_assessment, AssessmentRun.objects.get(pk=run_id))


# --- declarations import (党费基数申报导入) -------------------------------------------------

def queue_declaration_import(*, actor: User, organization: Any, upload: Any, year: int, reason: str,
                             client_ip: str = "") -> DeclarationImport:
    """Keep an uploaded declarations sheet and queue its import (`run_declaration_import`).

    Bookkeeping of the task, not a business write (no audit entry here): the task calls
    `services.import_declarations`, audited once when it writes. `client_ip` is kept with the
    run for that entry's origin.
    """
    access.require(actor, Cap.DUES_COLLECT, organization)
    record = DeclarationImport.objects.create(
        created_by=actor, organization=organization, year=year, reason=reason[:100], file=upload,
        file_name=str(upload.name)[:255], client_ip=client_ip[:45])
    runs.enqueue(run_declaration_import, record)
    record.refresh_from_db()
    return record


@task()
def run_declaration_import(import_id: int) -> str:
    """Run one queued declarations import; returns its final status."""
    with translation.override(settings.LANGUAGE_CODE), runs.heartbeat(DeclarationImport, import_id):
        return process_declaration_import(import_id)


def process_declaration_import(import_id: int) -> str:
    return uploads.run_import(DeclarationImport, import_id, work=_import_declarations,
                              failure=_("导入时发生意外错误，没有写入任何数据。请稍后重试，或联系系统管理员。"))


def _import_declarations(record: DeclarationImport) -> str:
    failed = DeclarationImport.Status.FAILED
    try:
        rows, sheet_errors, headers = sheets.read(record.file.path, file_name=record.file_name,
                                                  max_bytes=settings.DANGWU_DECLARATION_MAX_BYTES)
    except SpreadsheetError as problem:
        uploads.finish(record, status=failed, message=problem.message, reason="file")
        return failed
    uploads.discard_upload(record)  # read: the clear ID numbers are not kept while the rows are checked
    DeclarationImport.objects.filter(pk=record.pk).update(phase="checking", total_rows=len(rows))
    try:
        result = services.import_declarations(
            actor=record.created_by, organization=record.organization, year=record.year, rows=rows,
            reason=record.reason, headers=headers, sheet_errors=sheet_errors,
            origin=Origin(ip=record.client_ip) if record.client_ip else None)
    except PermissionDenied:
        uploads.finish(record, status=failed, message=_("您已无权在所选党组织收缴党费，没有写入任何数据。"))
        return failed
    except ValidationError as exc:
        uploads.finish(record, status=failed, message="；".join(exc.messages))
        return failed
    record.total_rows = result.total
    record.created_count, record.updated_count, record.unchanged_count = result.created, result.updated, result.unchanged
    if result.errors:
        return uploads.fail_with_errors(record, result.errors, report_name=f"declaration-errors-{record.pk}.xlsx")
    uploads.finish(record, status=DeclarationImport.Status.DONE, message="")
    return DeclarationImport.Status.DONE

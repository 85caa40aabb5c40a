"""Running an import of an uploaded spreadsheet in the background: the steps every `ImportRun` takes.

A run is claimed once (a task is delivered at least once), its work is done by the app's own
function (which reads the file and calls the app's audited service), an unexpected error ends it
as failed with a message instead of leaving it running, its error report is written with masked
values, and its upload — full ID numbers in clear — is deleted once read (decision 0005). A run
that a cancel or the reaper (`core.runs`, decision 0021) failed meanwhile is left as they left it:
its end is written only while it is still running, and its text is made storable first (0020).
The writes here are bookkeeping of the task, not business writes: they are not audited.

The roster import (`members.tasks`) and the dues declarations import run through `run_import`.
A run that ends failed on its own is recorded by its kind's `failed` hook (`registries.BackgroundRun`:
the roster import audits it) in the transaction that writes its end.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from django.core.files import File
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import runs
from .spreadsheets import RowError, write_error_report
from .text import storable

logger = logging.getLogger(__name__)

STORED_ERRORS = 1000  # errors kept on the row for the page; the report file has them all


def run_import(model: Any, run_id: int, *, work: Callable[[Any], str], failure: str,
               keep_upload: Callable[[Any, str], bool] = lambda record, status: False) -> str:
    """Claim the queued run `run_id` of `model`, do `work(record)` (which returns the final status
    and finishes the record), and delete the upload afterwards unless `keep_upload(record, status)`.
    An unexpected error finishes the run as failed with the message `failure`."""
    claimed = model.objects.filter(pk=run_id, status=model.Status.QUEUED).update(
        status=model.Status.RUNNING, phase="reading", started_at=timezone.now())
    if not claimed:
        return "skipped"  # already run (a task is delivered at least once)
    record = model.objects.select_related("created_by", "organization").get(pk=run_id)
    status: str = model.Status.FAILED
    try:
        status = work(record)
        return status
    except runs.RunStopped:  # cancelled or reaped meanwhile: it is failed already
        return model.Status.FAILED
    except Exception:
        logger.exception("%s %s failed", model.__name__, run_id)
        try:
            finish(record, status=model.Status.FAILED, message=failure, reason="error")
        except runs.RunStopped:
            pass  # failed meanwhile by a cancel or the reaper
        return model.Status.FAILED
    finally:
        if not keep_upload(record, status):
            discard_upload(record)


def finish(record: Any, *, status: str, message: str, reason: str = "error") -> None:
    """Write how the run ended unless a cancel or the reaper failed it meanwhile (`runs.RunStopped`), and, when
    it failed, have its kind record why (`reason`: "rows", "file" or "error") in the same transaction."""
    record.status = status
    record.message = message
    record.phase = ""
    record.processed_rows = record.total_rows
    record.finished_at = timezone.now()
    fields = {f.attname: storable(getattr(record, f.attname)) for f in type(record)._meta.concrete_fields
              if not f.primary_key and f.attname != "heartbeat_at"}
    for name, value in fields.items():
        setattr(record, name, value)
    kind = runs.kind_of(type(record))
    with transaction.atomic():
        # Not failed meanwhile by a cancel or the reaper; a write that committed has already marked it
        # done in its own transaction (`runs.still_running(..., status="done")` before its commit).
        if not type(record)._default_manager.filter(pk=record.pk).exclude(status=type(record).Status.FAILED).update(
                heartbeat_at=timezone.now(), **fields):
            raise runs.RunStopped(f"{type(record)._meta.label} {record.pk} is no longer running")
        if status == type(record).Status.FAILED and kind is not None and kind.failed is not None:
            kind.failed(run=record, reason=reason)


def fail_with_errors(record: Any, errors: Iterable[RowError], *, report_name: str) -> str:
    """Keep the first errors on the record, write them all to its error report, finish it as failed."""
    errors = list(errors)
    record.error_count = len(errors)
    record.errors = [e.as_list() for e in errors[:STORED_ERRORS]]
    with tempfile.TemporaryFile() as out:
        write_error_report(errors, out)
        out.seek(0)
        record.error_report.save(report_name, File(out), save=False)
    finish(record, status=type(record).Status.FAILED,
           message=_("有%(n)d处错误，没有写入任何数据。请修改后重新导入。") % {"n": len(errors)}, reason="rows")
    return type(record).Status.FAILED


def discard_upload(record: Any) -> None:
    """Delete the run's upload (it holds full ID numbers in clear); the error report keeps masked values."""
    try:
        if record.file:
            record.file.delete(save=False)
            type(record).objects.filter(pk=record.pk).update(file="")
    except OSError:
        logger.warning("could not delete the upload of %s %s", type(record).__name__, record.pk)


def error_report_response(record: Any, *, default_stem: str) -> FileResponse:
    """The run's error report (.xlsx) as a download named after the uploaded file; 404 without one."""
    if not record.error_report:
        raise Http404
    try:
        handle = record.error_report.open("rb")
    except OSError:
        raise Http404 from None
    stem = record.file_name.rsplit(".", 1)[0] or default_stem
    return FileResponse(handle, as_attachment=True, filename=f"{_('错误报告')}-{stem}.xlsx")

"""Background work of party dues: the monthly assessment of a subtree (月度党费核定).

`services.start_assessment` records the request (audited) and enqueues `run_assessment`; a
worker (`manage.py db_worker`, started by `make run`) runs it batch by batch. Each batch is one
INSERT … SELECT over up to `ASSESS_BATCH_ORGS` organizations with ON CONFLICT DO NOTHING, and
advances the run's cursor in the same transaction: running twice creates nothing, and a run
killed halfway completes when it runs again (`resume_assessment`). The status page polls the
run's progress. See docs/decisions/0006-dues-assessment.md.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangwu.core.tasks import task

from dangwu.core import runs

from . import services
from .models import AssessmentRun

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

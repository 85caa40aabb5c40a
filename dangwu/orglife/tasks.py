"""Background work of organizational life: the reminder before a meeting starts (会议提醒).

`notices.schedule_reminder` queues `send_meeting_reminder` when a meeting is planned, to run
`DANGWU_MEETING_REMINDER_MINUTES` before its start (django-tasks' `run_after`; the database backend
of `make run` and production defers, the immediate backend of the tests does not, so there no
reminder is queued). The task sends nothing for a meeting that was cancelled, or that has begun,
meanwhile: the reminder follows the meeting as it stands when it runs.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from dangwu.core.tasks import task

from .models import Meeting


@task()
def send_meeting_reminder(meeting_id: int) -> str:
    """Remind the attendees of a meeting that is still planned and not begun; "skipped" otherwise."""
    from . import notices

    meeting = Meeting.objects.filter(pk=meeting_id, status=Meeting.Status.PLANNED,
                                     starts_at__gt=timezone.now()).select_related("organization").first()
    if meeting is None:
        return "skipped"
    with translation.override(settings.LANGUAGE_CODE):
        notices.meeting_reminder(meeting=meeting)
    return "sent"

"""A monthly assessment whose worker died: failed by `manage.py recover_interrupted_work`
(core.runs, decision 0021), then 继续核定 resumes it after the last committed batch."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangwu.dues import rules, services
from dangwu.dues.models import Assessment, AssessmentRun

pytestmark = pytest.mark.django_db


def test_a_run_killed_halfway_is_failed_then_resumed_from_the_page(client, dues_people, world):
    month = rules.month_start(timezone.localdate())
    run = services.start_assessment(actor=dues_people["province"], organization=world.province, month=month,
                                    enqueue=False)
    # the worker committed two batches, then died: the row says running, its heartbeat stopped
    assert services._assess_next_batch(run_id=run.pk, batch_size=1)
    assert services._assess_next_batch(run_id=run.pk, batch_size=1)
    AssessmentRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - timedelta(hours=1),
                                                   heartbeat_at=timezone.now() - timedelta(minutes=10))
    halfway = Assessment.objects.filter(month=month).count()
    out = io.StringIO()
    call_command("recover_interrupted_work", stdout=out)
    run.refresh_from_db()
    assert run.status == "failed" and "继续核定会从中断处继续" in run.message
    assert f"dues_assessment {run.pk}: failed, interrupted (heartbeat)" in out.getvalue()
    assert Assessment.objects.filter(month=month).count() == halfway  # the committed batches are kept

    client.force_login(dues_people["secretary"])  # may see the province's run? no: branch A only
    assert client.get(f"/dues/runs/{run.pk}/").status_code == 404
    client.force_login(dues_people["province"])
    html = client.get(f"/dues/runs/{run.pk}/").content.decode()
    assert f'action="/dues/runs/{run.pk}/resume/"' in html and "继续核定" in html
    response = client.post(f"/dues/runs/{run.pk}/resume/")  # tests run tasks at once
    assert response.status_code == 302 and response["Location"] == f"/dues/runs/{run.pk}/"
    run.refresh_from_db()
    assert run.status == "done" and run.done_organizations == run.total_organizations
    assert run.created_count == Assessment.objects.filter(month=month).count() == 6
    assert "继续核定" not in client.get(f"/dues/runs/{run.pk}/").content.decode()


def test_resume_leaves_a_run_that_is_not_failed_alone(client, dues_people, world):
    month = rules.month_start(timezone.localdate())
    run = services.start_assessment(actor=dues_people["secretary"], organization=world.branch_a, month=month,
                                    enqueue=False)
    AssessmentRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())
    client.force_login(dues_people["secretary"])
    assert "继续核定" not in client.get(f"/dues/runs/{run.pk}/").content.decode()
    client.post(f"/dues/runs/{run.pk}/resume/")
    run.refresh_from_db()
    assert run.status == "running" and not Assessment.objects.exists()  # not run twice at once

"""Roster imports and exports whose worker died, cancelled imports, left-over files
(`manage.py recover_interrupted_work`, core.runs; decision 0021), and the audit of failed imports."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from dangwu.core import runs
from dangwu.core.models import AuditEntry
from dangwu.members import roster_import, tasks
from dangwu.members.models import Member, RosterExport, RosterImport

from .rosters import people as make_rows
from .rosters import write_xlsx


def _upload(tmp_path, rows, name="花名册.xlsx"):
    path = write_xlsx(tmp_path / "upload.xlsx", rows)
    return SimpleUploadedFile(name, path.read_bytes(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _run(people, world, *, status="running", beat_ago=None, started_ago=timedelta(hours=2), **fields):
    """An import of branch A as the worker left it: its upload on disk, its heartbeat `beat_ago`."""
    now = timezone.now()
    record = RosterImport.objects.create(
        created_by=people["secretary"], organization=world.branch_a, file_name="花名册.xlsx", status=status,
        started_at=now - started_ago if status == "running" else None, phase="checking" if status == "running" else "",
        heartbeat_at=now - beat_ago if beat_ago is not None else None, total_rows=200_000, processed_rows=199_000,
        **fields)
    record.file.save("roster.xlsx", ContentFile(b"PK full ID numbers"), save=True)
    return record


def _recover(**options):
    out = io.StringIO()
    call_command("recover_interrupted_work", stdout=out, **options)
    return out.getvalue()


def test_a_run_whose_heartbeat_stopped_is_failed_its_upload_deleted_and_audited(db, world, people):
    dead = _run(people, world, beat_ago=timedelta(minutes=10))
    path = dead.file.path
    # a long healthy run: started hours ago, beating now; and a queued run waiting for a worker
    healthy = _run(people, world, beat_ago=timedelta(seconds=5), started_ago=timedelta(hours=5))
    waiting = _run(people, world, status="queued")
    output = _recover()
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at and "后台任务进程已停止" in dead.message
    assert not dead.file and not os.path.exists(path)
    assert f"roster_import {dead.pk}: failed, interrupted (heartbeat)" in output
    entry = AuditEntry.objects.get(action="member.import_failed")
    assert entry.actor is None and entry.target_id == str(dead.pk) and entry.organization_id_value == world.branch_a.pk
    assert entry.summary == {"file": "花名册.xlsx", "reason": "interrupted", "rows": 200_000, "errors": 0,
                             "dry_run": False}
    for other in (healthy, waiting):
        other.refresh_from_db()
        assert other.status in ("running", "queued") and other.file and os.path.exists(other.file.path)
    # the status page stops polling and offers a new upload
    from django.test import Client

    client = Client()
    client.force_login(people["secretary"])
    html = client.get(f"/members/import/{dead.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' not in html and "后台任务进程已停止" in html
    assert f'id="retry-import" href="/members/import/?org={world.branch_a.pk}"' in html and "重新选择文件导入" in html
    assert _recover().endswith("0 runs failed, 0 orphaned files deleted\n")  # once only
    assert AuditEntry.objects.filter(action="member.import_failed").count() == 1


def test_a_run_that_never_beat_is_judged_by_its_start(db, world, people):
    old = _run(people, world, started_ago=timedelta(minutes=30))  # died before its first beat
    young = _run(people, world, started_ago=timedelta(seconds=10))
    _recover(stale_after=120)
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.status, young.status) == ("failed", "running")


def test_a_run_whose_task_ended_without_finishing_it_is_failed(db, world, people):
    queued = _run(people, world, status="queued", task_id="00000000-0000-0000-0000-000000000001")
    waiting = _run(people, world, status="queued", task_id="00000000-0000-0000-0000-000000000002")
    states = {queued.task_id: "FAILED", waiting.task_id: "READY"}
    with mock.patch.object(runs, "_task_status", side_effect=lambda task_id: states.get(task_id)):
        output = _recover()
    queued.refresh_from_db()
    waiting.refresh_from_db()
    assert queued.status == "failed" and not queued.file and "(task FAILED)" in output
    assert waiting.status == "queued" and waiting.file


def test_the_secretary_cancels_a_stuck_run_and_imports_again(client, db, world, people, tmp_path):
    stuck = _run(people, world, beat_ago=timedelta(seconds=30))
    path = stuck.file.path
    client.force_login(people["secretary"])
    page = client.get(f"/members/import/{stuck.pk}/progress/").content.decode()
    assert f'action="/members/import/{stuck.pk}/cancel/"' in page and "取消导入" in page
    response = client.post(f"/members/import/{stuck.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/members/import/{stuck.pk}/"
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "已取消" in stuck.message and not os.path.exists(path)
    entry = AuditEntry.objects.get(action="member.import_failed")
    assert entry.actor == people["secretary"] and entry.summary["reason"] == "cancelled"
    assert entry.ip_address == "127.0.0.1"
    # cancelling again changes nothing and records nothing
    client.post(f"/members/import/{stuck.pk}/cancel/")
    assert AuditEntry.objects.filter(action="member.import_failed").count() == 1
    # retry: the import page for the same branch, a fresh upload
    html = client.get(f"/members/import/{stuck.pk}/").content.decode()
    retry = f"/members/import/?org={world.branch_a.pk}"
    assert f'href="{retry}"' in html
    assert f'<option value="{world.branch_a.pk}" selected>' in client.get(retry).content.decode()
    rows = make_rows(3)
    response = client.post("/members/import/", {"organization": str(world.branch_a.pk), "file": _upload(tmp_path, rows),
                                                "action": "import"})
    again = RosterImport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert again.status == "done" and again.created_count == 3


def test_a_cancel_while_the_rows_are_checked_stops_the_task_before_it_writes(client, db, world, people, tmp_path):
    client.force_login(people["secretary"])
    real = roster_import.validate_roster

    def cancelled_meanwhile(**kwargs):
        result = real(**kwargs)
        record = RosterImport.objects.get()
        assert runs.cancel(record, actor=people["city_a"])  # another cadre, in another request
        return result

    rows = make_rows(4)
    with mock.patch.object(roster_import, "validate_roster", cancelled_meanwhile):
        client.post("/members/import/", {"organization": str(world.branch_a.pk), "file": _upload(tmp_path, rows),
                                         "action": "import"})
    record = RosterImport.objects.get()
    assert record.status == "failed" and "已取消" in record.message  # the task did not overwrite it
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()
    assert not record.file
    entries = AuditEntry.objects.filter(action__startswith="member.import")
    assert [(e.action, e.actor, e.summary["reason"]) for e in entries] == [
        ("member.import_failed", people["city_a"], "cancelled")]


def test_the_write_is_rolled_back_when_the_run_is_no_longer_running_before_commit(db, world, people, tmp_path):
    """The guard inside the write's transaction: a run failed meanwhile commits nothing."""
    rows = make_rows(3)
    record = RosterImport.objects.create(created_by=people["secretary"], organization=world.branch_a,
                                         file_name="r.xlsx")
    record.file.save("r.xlsx", ContentFile(write_xlsx(tmp_path / "r.xlsx", rows).read_bytes()), save=True)
    from dangwu.members import roster_services

    real = roster_services.rollups.apply_member_changes

    def failed_meanwhile(**kwargs):
        real(**kwargs)
        RosterImport.objects.filter(pk=record.pk).update(status="failed")  # what a cancel leaves

    with mock.patch.object(roster_services.rollups, "apply_member_changes", failed_meanwhile):
        assert tasks.process_import(record.pk) == "failed"
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()
    assert not AuditEntry.objects.filter(action="member.import").exists()


def test_a_failed_import_writes_one_audit_entry_without_personal_data(client, db, world, people, tmp_path):
    client.force_login(people["secretary"])
    rows = make_rows(3)
    rows[1]["学历"] = "幼儿园"
    client.post("/members/import/", {"organization": str(world.branch_a.pk), "file": _upload(tmp_path, rows),
                                     "action": "import"})
    entry = AuditEntry.objects.get(action="member.import_failed")
    assert entry.actor == people["secretary"] and entry.organization_id_value == world.branch_a.pk
    assert entry.summary == {"file": "花名册.xlsx", "reason": "rows", "rows": 3, "errors": 1, "dry_run": False}
    text = str(entry.summary) + entry.target_repr
    assert not any(r["公民身份号码"] in text or r["姓名"] in text for r in rows)
    broken = SimpleUploadedFile("坏文件.csv", "甲,乙\n1,2\n".encode(), content_type="text/csv")  # no roster header
    client.post("/members/import/", {"organization": str(world.branch_a.pk), "file": broken, "action": "validate"})
    last = AuditEntry.objects.filter(action="member.import_failed").order_by("-seq").first()
    assert last.summary["reason"] == "file" and last.summary["dry_run"] is True
    assert AuditEntry.objects.filter(action="member.import_failed").count() == 2
    from dangwu.members.models import AuditAction

    assert str(AuditAction("member.import_failed").label) == "花名册导入未完成"


def _old(path, hours=2):
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def test_the_sweep_deletes_files_no_run_needs(db, world, people):
    root = settings.MEDIA_ROOT
    os.makedirs(root / "imports" / "2026" / "11", exist_ok=True)
    os.makedirs(root / "exports" / "2026" / "11", exist_ok=True)
    orphan = root / "imports" / "2026" / "11" / "lost.xlsx"
    orphan.write_bytes(b"PK full ID numbers")
    _old(orphan)
    young = root / "imports" / "2026" / "11" / "uploading.xlsx"  # being uploaded: no row yet
    young.write_bytes(b"PK")
    old_export = root / "exports" / "2026" / "11" / "roster-999.xlsx"
    old_export.write_bytes(b"PK")
    _old(old_export)
    other = root / "proofs" / "kept.png"  # another app's folder, not registered here
    os.makedirs(other.parent, exist_ok=True)
    other.write_bytes(b"PNG")
    _old(other)
    # rows: a finished import whose upload was left behind, a check that passed (kept to import),
    # an import's error report, a finished export's file
    left = _run(people, world, status="failed")
    left_path = left.file.path
    checked = _run(people, world, status="done", dry_run=True, finished_at=timezone.now())
    checked.error_report.save("errors.xlsx", ContentFile(b"PK"), save=True)
    export = RosterExport.objects.create(created_by=people["secretary"], organization=world.branch_a,
                                         status="done", total_rows=2)
    export.file.save("roster.xlsx", ContentFile(b"PK"), save=True)
    for path in (left_path, checked.file.path, checked.error_report.path, export.file.path):
        _old(path)
    output = _recover()
    assert not orphan.exists() and not old_export.exists() and not os.path.exists(left_path)
    assert young.exists() and other.exists()
    left.refresh_from_db()
    assert not left.file
    for path in (checked.file.path, checked.error_report.path, export.file.path):
        assert os.path.exists(path), path
    assert "imports/2026/11/lost.xlsx" in output and "2 orphaned files deleted" in output
    # the check's upload goes once it expires
    RosterImport.objects.filter(pk=checked.pk).update(
        finished_at=timezone.now() - timedelta(hours=settings.DANGWU_IMPORT_KEEP_HOURS + 1))
    kept_path = checked.file.path
    _recover()
    assert not os.path.exists(kept_path)


def test_an_export_whose_worker_died_is_failed(db, world, people):
    export = RosterExport.objects.create(created_by=people["secretary"], organization=world.branch_a,
                                         status="running", started_at=timezone.now() - timedelta(hours=1),
                                         heartbeat_at=timezone.now() - timedelta(minutes=5), total_rows=9000)
    _recover()
    export.refresh_from_db()
    assert export.status == "failed" and "请重新导出" in export.message

"""A task's failure cannot stop the worker (`core.tasks`, decision 0020).

The worker of production (`manage.py db_worker`: django-tasks-db's `Worker`) runs here in the
test's process (the fixture `database_worker`), on the database of the run (SQLite, or PostgreSQL
with DATABASE_URL, where a NUL in a traceback used to make the worker exit). The roster import
that stopped the worker is run by it in `members/tests/test_sheet_safety.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dangwu.core.tasks import task

pytestmark = pytest.mark.django_db


# Arguments are stored when a task is queued: they are numbers here (as the platform's tasks take
# ids), the text with a NUL is made by the task, as a task reads it from a file.
@task()
def fail_with_a_nul(code: int) -> str:
    raise ValueError(f"{chr(code)}男 cannot be used in worksheets.")  # as openpyxl's IllegalCharacterError says it


@task()
def return_a_nul(code: int) -> list[str]:
    return [f"{chr(code)}女", "done"]


def test_a_task_failing_with_a_nul_in_its_message_does_not_stop_the_worker(database_worker):
    from django_tasks_db.models import DBTaskResult

    failing = fail_with_a_nul.enqueue(0)
    returning = return_a_nul.enqueue(0)
    database_worker()  # returns (batch mode) once every task ran; before the fix it raised out of the loop
    failed = DBTaskResult.objects.get(pk=failing.id)
    assert failed.status == "FAILED" and failed.exception_class_path == "dangwu.core.tasks.TaskFailed"
    assert "ValueError: ␀男 cannot be used in worksheets." in failed.traceback and "\x00" not in failed.traceback
    finished = DBTaskResult.objects.get(pk=returning.id)
    assert finished.status == "SUCCESSFUL" and finished.return_value == ["␀女", "done"]


def test_every_task_is_declared_through_core_tasks():
    """django-tasks' own `task` would let a task's text reach the worker's record unchanged."""
    dangwu = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted(dangwu.rglob("*.py")):
        if path == dangwu / "core" / "tasks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django_tasks") and any(
                    alias.name == "task" for alias in node.names):
                offenders.append(f"{path.relative_to(dangwu.parent)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "task" and isinstance(node.value, ast.Name) and (
                    node.value.id == "django_tasks"):
                offenders.append(f"{path.relative_to(dangwu.parent)}:{node.lineno}")
    assert offenders == []

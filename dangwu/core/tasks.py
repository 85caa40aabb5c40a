"""Background tasks as the platform declares them: `@task()` from here, never django-tasks' own.

The database worker (`manage.py db_worker`, django-tasks-db 0.13, `Worker.run_task`) records a
task's return value (JSON) with `DBTaskResult.set_successful` and, when the task raises, the
exception's class and formatted traceback with `set_failed`. `set_failed` runs in the worker's
`except` clause with nothing around it: when it fails, its exception leaves `Worker.run` and the
worker process exits, the task stays RUNNING and every later task waits. It fails on PostgreSQL
as soon as the traceback carries a NUL ("PostgreSQL text fields cannot contain NUL (0x00)
bytes"): one cell `\\x00男` of a roster did exactly that, through openpyxl's message naming the
cell's value.

So a task declared here returns only storable values (`core.text.storable`) and raises only
`TaskFailed`, whose message is the original traceback (chained exceptions included) made
storable: whatever a task does, what the worker writes about it can be written. See decision 0020.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import django_tasks
from django_tasks.base import Task

from .text import storable

P = ParamSpec("P")
T = TypeVar("T")


class TaskFailed(Exception):
    """A task raised; the message is its traceback, storable."""


def task(**options: Any) -> Callable[[Callable[P, T]], Task[P, T]]:
    """django-tasks' `@task(...)` (same options) around a function whose return value is made
    storable and whose exceptions become `TaskFailed` with a storable traceback."""

    def declare(function: Callable[P, T]) -> Task[P, T]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                result = function(*args, **kwargs)
            except Exception as exc:
                raise TaskFailed(storable("".join(traceback.format_exception(exc)))) from None
            return storable(result)  # type: ignore[no-any-return]

        return django_tasks.task(**options)(run)  # type: ignore[no-any-return]

    return declare

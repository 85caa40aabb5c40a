"""What the home floor reads from the registries, once a request."""

from __future__ import annotations

from typing import Any

from dangwu.core import access, registries
from dangwu.core.roles import CADRE_ROLES

_TODO_ATTR = "_dangwu_todo"


def todo_of(request: Any) -> list[registries.TodoItem]:
    """What waits for the person (待办), from every app's to-do source: computed once a request and
    kept on it, since the menu's badges and the home page's list read the same items."""
    items = getattr(request, _TODO_ATTR, None)
    if items is None:
        user = getattr(request, "user", None)
        items = registries.todo_items(user=user) if user is not None and user.is_authenticated else []
        setattr(request, _TODO_ATTR, items)
    return items


def expects_todo(user: Any) -> bool:
    """Whether the home page shows the to-do card even when nothing waits: cadres and secretaries
    (any role but a plain member's) are told plainly that all is done, rather than left to wonder."""
    return bool(access.roles_of(user) & CADRE_ROLES)

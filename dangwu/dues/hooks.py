"""What the dues app plugs into core's registries (called from `DuesConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import MenuEntry, TodoItem, TodoSource
from dangwu.core.roles import Cap


def _dues_link(*, user: Any) -> str | None:
    """党费: the scope's figures for cadres, one's own dues for a member."""
    if access.has_capability(user, Cap.DUES_VIEW) or registries.membership(user=user) is not None:
        return reverse("dues:home")
    return None


def _todo(*, user: Any) -> list[TodoItem]:
    from . import todo

    return todo.todo_items(user=user)


def register() -> None:
    from . import rollups

    registries.rollup_specs.register(rollups.DUES)
    registries.menu.register(MenuEntry("dues", gettext_lazy("党费"), "cash-coin", _dues_link, order=30))
    registries.todo_sources.register(TodoSource("dues", _todo, order=30))

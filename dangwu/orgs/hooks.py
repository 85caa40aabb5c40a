"""What the organization tree plugs into core's registries (called from `OrgsConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import Link, MenuEntry, Shortcut, TodoSource, WarningRule
from dangwu.core.roles import Cap


def _tree_link(*, user: Any) -> str | None:
    return reverse("orgs:tree") if access.has_capability(user, Cap.ORG_VIEW) else None


def _shortcuts(*, user: Any) -> list[Link]:
    from . import selectors

    links = []
    if access.has_capability(user, Cap.ORG_VIEW):
        links.append(Link(_("浏览党组织"), reverse("orgs:tree"), "diagram-3", "tree"))
    links += [Link(root.name, reverse("orgs:detail", args=[root.pk]), "building", f"root-{root.pk}")
              for root in selectors.tree_roots(actor=user)]
    return links


def _structure(*, organization: Any, facts: dict[str, Any]) -> list[registries.Finding]:
    from . import selectors

    return selectors.structure_findings(organization=organization, facts=facts)


def _tree_obeys_the_rules(*, organization: Any = None) -> list[str]:
    from . import checks

    return checks.placement_problems(organization=organization)


def _todo(*, user: Any) -> list[registries.TodoItem]:
    from . import todo

    return todo.todo_items(user=user)


def register() -> None:
    from . import audit_fields

    audit_fields.register()
    registries.consistency_checks.register(registries.ConsistencyCheck(
        "tree", "every organization stands where its type may stand (党委, 党总支, 党支部, 党小组)",
        _tree_obeys_the_rules, order=20))
    registries.menu.register(MenuEntry("orgs", gettext_lazy("党组织"), "diagram-3", _tree_link, order=10))
    registries.shortcuts.register(Shortcut("orgs", _shortcuts, order=20))
    registries.warning_rules.register(WarningRule("structure", _structure, order=10))
    registries.todo_sources.register(TodoSource("orgs", _todo, order=15))

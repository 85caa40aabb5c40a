"""What organizational life plugs into core's registries (called from `OrglifeConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import HomeCard, MenuEntry, OrgSection, TodoItem, TodoSource
from dangwu.core.roles import Cap


def _menu_link(*, user: Any) -> str | None:
    """组织生活: the scope's meetings for cadres, one's own organization's for a member."""
    if access.has_capability(user, Cap.ORGLIFE_VIEW) or registries.membership(user=user) is not None:
        return reverse("orglife:home")
    return None


def _next_meetings_card(*, request: Any) -> dict[str, Any] | None:
    from django.utils import timezone

    from . import selectors

    member = selectors.own_member(user=request.user)
    if member is None:
        return None
    now = timezone.now()
    return {"meetings": selectors.next_meetings_of_member(member=member, now=now),
            "attendance": selectors.year_attendance(member=member, year=timezone.localdate(now).year)}


def _own_talks_card(*, request: Any) -> dict[str, Any] | None:
    """谈心谈话 of the member this year: the day, who talked and how (never the talker's notes)."""
    from django.utils import timezone

    from . import selectors

    member = selectors.own_member(user=request.user)
    if member is None:
        return None
    year = timezone.localdate().year
    talks = selectors.own_talks(member=member, year=year)
    return {"talks": talks, "year": year} if talks else None


def _todo(*, user: Any) -> list[TodoItem]:
    from . import todo

    return todo.todo_items(user=user)


def _org_section(*, request: Any, organization: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    from . import selectors

    user = request.user
    own = selectors.own_member(user=user)
    if not (access.can(user, Cap.ORGLIFE_VIEW, organization) or (own and own.organization_id == organization.pk)):
        return None
    return {"organization": organization, "orglife_url": reverse("orglife:org", args=[organization.pk])}


def register() -> None:
    from . import audit_fields, notices, rollups

    audit_fields.register()
    notices.register_kinds()
    registries.rollup_specs.register(rollups.ORGLIFE)
    registries.org_change_listeners.register(registries.OrgChangeListener("orglife_rollups",
                                                                          rollups.organizations_changed))
    registries.menu.register(MenuEntry("orglife", gettext_lazy("组织生活"), "calendar-check", _menu_link, order=35))
    registries.home_cards.register(HomeCard("own_meetings", "orglife/_home_meetings.html", _next_meetings_card,
                                            order=4))
    registries.home_cards.register(HomeCard("own_talks", "orglife/_home_talks.html", _own_talks_card, order=6))
    registries.todo_sources.register(TodoSource("orglife", _todo, order=35))
    registries.org_sections.register(OrgSection("orglife", "orglife/_org_action.html", _org_section, order=30,
                                                slot="actions"))

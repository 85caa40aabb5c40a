"""Core's own entries in its registries: the security and audit administrators' pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, registries
from .registries import Link, MenuEntry, Shortcut
from .roles import Cap


def _link_if(capability: str, url_name: str):
    def url(*, user: Any) -> str | None:
        return reverse(url_name) if access.has_capability(user, capability) else None

    return url


def _audit_shortcut(*, user: Any) -> list[Link]:
    if not access.has_capability(user, Cap.AUDIT_VIEW):
        return []
    return [Link(_("审计日志"), reverse("core:audit_log"), "shield-check", "audit")]


def _unread_notices_card(*, request: Any) -> dict[str, Any] | None:
    """未读通知 on the home page: the newest three unread notices, when there are any."""
    from . import inbox

    rows = inbox.labelled(inbox.inbox_of(user=request.user, unread_only=True)[:3])
    if not rows:
        return None
    return {"rows": rows, "unread": inbox.unread_count(user=request.user)}


def _rollups_agree(*, organization: Any = None) -> list[str]:
    """Every roll-up equals a recount, and every copy kept beside one agrees (`core.rollups.check`)."""
    from . import rollups

    problems: list[str] = []
    for spec in registries.rollup_specs:
        found = rollups.check(spec, organization=organization, shown=10)
        problems.extend(found.details + found.problems)
    return problems


def register() -> None:
    from . import auditlog

    auditlog.register()
    registries.consistency_checks.register(registries.ConsistencyCheck(
        "rollups", "roll-ups and the copies kept beside them (结构统计, 党费统计, 党费交至, 党费标准)",
        _rollups_agree, order=10))
    registries.menu.register(MenuEntry("roles", gettext_lazy("角色授权"), "person-gear",
                                       _link_if(Cap.ROLE_ASSIGN, "core:roles"), order=70))
    registries.menu.register(MenuEntry("audit", gettext_lazy("审计日志"), "shield-check",
                                       _link_if(Cap.AUDIT_VIEW, "core:audit_log"), order=80))
    registries.shortcuts.register(Shortcut("audit", _audit_shortcut, order=50))
    # The platform's own notices (a message from the administrators …): the inbox only, unless chosen.
    registries.home_cards.register(registries.HomeCard(
        "own_notices", "core/notifications/_home_unread.html", _unread_notices_card, order=3))
    registries.notification_kinds.register(registries.NotificationKind(
        "core.system", gettext_lazy("平台消息"), channels=(), order=900))

"""The main menu on every page, from the menu registry (each app registers its own entries)."""

from __future__ import annotations

from dangwu.core import access, registries


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    links = [link for entry in registries.menu if (link := entry.link(user=user)) is not None]
    return {
        "menu_links": links,
        "user_roles": sorted(access.roles_of(user)),
    }

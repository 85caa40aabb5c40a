"""The main menu on every page, from the menu registry (each app registers its own entries), with
the to-do counts (待办) as badges on the entries of the apps where the work waits."""

from __future__ import annotations

from dataclasses import replace

from django.utils.functional import SimpleLazyObject

from dangwu.core import access, registries

from . import selectors


def _menu_links(request) -> list[registries.Link]:
    user = request.user
    links = [link for entry in registries.menu if (link := entry.link(user=user)) is not None]
    badges = registries.menu_badges(selectors.todo_of(request))
    return [replace(link, badge=badges[link.key][0], badge_urgent=badges[link.key][1]) if link.key in badges
            else link for link in links]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazy: counted only when a page draws the menu (not for htmx fragments and other partials).
        "menu_links": SimpleLazyObject(lambda: _menu_links(request)),
        # On a phone the menu is folded: the button that opens it shows the sum.
        "menu_todo_count": SimpleLazyObject(lambda: sum(item.count for item in selectors.todo_of(request)
                                                        if item.menu)),
        "menu_todo_urgent": SimpleLazyObject(lambda: any(item.urgent for item in selectors.todo_of(request)
                                                         if item.menu)),
        "user_roles": sorted(access.roles_of(user)),
    }

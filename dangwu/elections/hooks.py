"""What the secret ballot plugs into core's registries (called from `ElectionsConfig.ready()`):
the menu entry and the home card "我的选举" for a member with a round open to vote in."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import HomeCard, MenuEntry
from dangwu.core.roles import Cap


def _menu_link(*, user: Any) -> str | None:
    """党内选举 for cadres of the scope; 我的选举 for a member while a round waits for their vote."""
    if access.has_capability(user, Cap.ELECTIONS_VIEW):
        return reverse("elections:home")
    from . import selectors

    own = selectors.own_member(user=user)
    if own is not None and selectors.open_rounds_to_vote(member=own).exists():
        return reverse("elections:home")
    return None


def _my_elections_card(*, request: Any) -> dict[str, Any] | None:
    from . import selectors

    own = selectors.own_member(user=request.user)
    if own is None:
        return None
    rounds = list(selectors.open_rounds_to_vote(member=own))
    return {"rounds": rounds} if rounds else None


def register() -> None:
    from . import audit_fields

    audit_fields.register()
    registries.menu.register(MenuEntry("elections", gettext_lazy("党内选举"), "check2-square", _menu_link, order=38))
    registries.home_cards.register(HomeCard("my_elections", "elections/_home_card.html", _my_elections_card,
                                            order=2, wide=True))

"""What waits in transfers of organizational relations (待办): letters to accept (接收) and
expired letters to reissue, per top organization of the user's `member.transfer` scope (one for
almost everyone), both counted by one query (`selectors.waiting_at`); each links to that
organization's transfers page filtered to exactly them. `members.hooks` registers `todo_items`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.registries import TodoItem
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import selectors

MENU = "transfers"  # the menu entry 组织关系转接 shows the badge


def todo_items(*, user: Any) -> list[TodoItem]:
    if not access.has_capability(user, Cap.MEMBER_TRANSFER):
        return []
    roots = org_selectors.scope_roots(actor=user, capability=Cap.MEMBER_TRANSFER)
    items: list[TodoItem] = []
    for root in roots:
        counts = selectors.waiting_at(actor=user, organization=root)
        where = f" · {root.name}" if len(roots) > 1 else ""
        url = reverse("members:transfers", args=[root.pk])
        if counts["to_accept"]:
            items.append(TodoItem(_("组织关系转入待接收") + where, counts["to_accept"], f"{url}?show=to_accept",
                                  menu=MENU, key="transfers.to_accept"))
        if counts["to_reissue"]:
            items.append(TodoItem(_("介绍信已过期未被接收，请重新开具") + where, counts["to_reissue"],
                                  f"{url}?show=to_reissue", urgent=True, menu=MENU, key="transfers.to_reissue"))
    return items

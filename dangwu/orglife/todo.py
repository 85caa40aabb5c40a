"""What waits in organizational life (待办): in the last quarter of the year, the members of a branch
still without a heart-to-heart talk (谈心谈话) this year, for whoever manages the branch's
organizational life there. One COUNT a branch of the user's scope roots (a secretary's one branch);
a committee's scope is left out (its branches' secretaries have the item), so that no page of a
county's cadre counts over thousands of branches."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.registries import TodoItem
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors

MENU = "orglife"


def members_without_talk(*, user: Any) -> list[TodoItem]:
    today = timezone.localdate()
    if today.month < rules.TALKS_DUE_FROM_MONTH or not access.has_capability(user, Cap.ORGLIFE_MANAGE):
        return []
    roots = [root for root in org_selectors.scope_roots(actor=user, capability=Cap.ORGLIFE_MANAGE) if root.is_branch]
    items = []
    for root in roots:
        count = selectors.talks_without_member_count(organization=root, year=today.year)
        if count:
            where = f" · {root.name}" if len(roots) > 1 else ""
            items.append(TodoItem(_("本年度尚未谈心谈话的党员") + where, count,
                                  f"{reverse('orglife:talks', args=[root.pk])}?year={today.year}#without-talk",
                                  menu=MENU, key="orglife.talks"))
    return items


def todo_items(*, user: Any) -> list[TodoItem]:
    return members_without_talk(user=user)

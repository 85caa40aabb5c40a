"""What waits in the organization tree (待办): committees whose term has ended or ends soon
(换届提醒), for the cadres who do party work over them (those who hold orglife.manage: the branch's
secretary for their own branch, the organization department for its subtree). One COUNT over the
serving seats of the scope (an index on the serving seats' term ends)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.registries import TodoItem
from dangwu.core.roles import Cap

from . import selectors


def todo_items(*, user: Any) -> list[TodoItem]:
    if not access.has_capability(user, Cap.ORGLIFE_MANAGE):
        return []
    count = selectors.terms_due_count(actor=user, capability=Cap.ORGLIFE_MANAGE)
    if not count:
        return []
    return [TodoItem(_("委员会任期届满或即将届满，应做好换届准备"), count, reverse("orgs:terms"), menu="orgs",
                     key="orgs.terms", urgent=selectors.terms_ended(actor=user, capability=Cap.ORGLIFE_MANAGE))]

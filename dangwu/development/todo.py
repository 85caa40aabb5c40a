"""What waits in the recruitment pipeline (待办), one function per item: the superior committee's
queue, and the deadlines the branches missed. `hooks.register` puts `ITEMS` into core's to-do
registry; each item links to the list of exactly the people it counts, and counts them with one
COUNT query over the people's kept deadline (`Candidate.due_on`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.registries import TodoItem
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import selectors

MENU = "development"  # the menu entry 发展党员 shows the badge


def approvals(*, user: Any) -> list[TodoItem]:
    """待上级党委办理: people whose next step is this committee's (pre-review, talk, approval, filing,
    conversion), urgent when an approval is past its three months."""
    if not access.has_capability(user, Cap.DEVELOPMENT_APPROVE):
        return []
    counts = selectors.waiting_on_superior(actor=user)
    if not counts["waiting"]:
        return []
    label = _("发展党员待本级党委办理（预审、审批等）")
    if counts["overdue"]:
        label = _("%(label)s，其中 %(n)d 人审批已超期") % {"label": label, "n": counts["overdue"]}
    return [TodoItem(label, counts["waiting"], reverse("development:approvals"), urgent=bool(counts["overdue"]),
                     menu=MENU, key="development.approvals")]


def branch_deadlines(*, user: Any) -> list[TodoItem]:
    """逾期未谈话 and 其他步骤超期: the branches' deadlines passed, per top organization of the user's
    DEVELOPMENT_MANAGE scope (one for almost everyone), each linking to the board filtered to them."""
    if not access.has_capability(user, Cap.DEVELOPMENT_MANAGE):
        return []
    roots = org_selectors.scope_roots(actor=user, capability=Cap.DEVELOPMENT_MANAGE)
    items = []
    for root in roots:
        counts = selectors.waiting_on_branch(actor=user, organization=root)
        where = f" · {root.name}" if len(roots) > 1 else ""
        board = reverse("development:board")
        if counts["talks"]:
            items.append(TodoItem(_("入党申请人逾期未谈话（收到申请书后一个月内应谈话）") + where, counts["talks"],
                                  f"{board}?{urlencode({'org': root.pk, 'attention': 'talk'})}", urgent=True,
                                  menu=MENU, key="development.talks"))
        if counts["steps"]:
            items.append(TodoItem(_("发展党员办理期限已过（支部大会讨论接收或转正）") + where, counts["steps"],
                                  f"{board}?{urlencode({'org': root.pk, 'attention': 'steps_overdue'})}",
                                  urgent=True, menu=MENU, key="development.steps"))
    return items


ITEMS = (approvals, branch_deadlines)


def todo_items(*, user: Any) -> list[TodoItem]:
    return [item for function in ITEMS for item in function(user=user)]

"""What waits in party dues (待办), one function per item; `ITEMS` is what `hooks.register` puts
into core's to-do registry (another item is one more function here, added to `ITEMS`).

Each item counts with one or two indexed queries and links to the list of exactly what it counts:
the members on the 自行脱党 list (`selectors.self_departure_count`: a branch's list on its dues
page, a committee's summary by sub-organization), the hardship reductions the user decides
(`selectors.reductions_to_decide`, the rule of `can_decide`) and the members' transfer proofs to
confirm (`proofs`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.registries import TodoItem
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors

MENU = "dues"  # the menu entry 党费 shows the badge

# Above this many members assessed in the month (a city, the province), the 自行脱党 count — a
# GROUP BY over six months of unpaid rows — is kept in the cache for SELF_DEPARTURE_CACHE_SECONDS
# instead of counted on every page; below it (a branch, a county) it is counted live, so that a
# secretary who records a payment sees the count fall at once.
SELF_DEPARTURE_LIVE_MEMBERS = 20_000
SELF_DEPARTURE_CACHE_SECONDS = 600


def _self_departure(*, user: Any, organization: Any, month: Any) -> int:
    assessed = selectors.totals(organization=organization, year=month.year, month=month)
    if assessed.members == assessed.paid_members:
        return 0  # nobody is unpaid this month (the roll-up says so): nobody is six months behind
    live_limit = getattr(settings, "DANGWU_TODO_LIVE_MEMBERS", SELF_DEPARTURE_LIVE_MEMBERS)
    if assessed.members <= live_limit:
        return selectors.self_departure_count(actor=user, organization=organization, upto=month)
    # The count is the subtree's, whoever asks: one key per organization and month.
    return cache.get_or_set(f"dangwu:dues:self-departure:{organization.pk}:{month:%Y-%m}",
                            lambda: selectors.self_departure_count(actor=user, organization=organization, upto=month),
                            SELF_DEPARTURE_CACHE_SECONDS)


def self_departure(*, user: Any) -> list[TodoItem]:
    """党员连续6个月未交党费: per top organization of the user's `dues.collect` scope (whoever
    collects dues there must act), linking to that organization's 自行脱党 list of this month."""
    if not access.has_capability(user, Cap.DUES_COLLECT):
        return []
    month = rules.month_start(timezone.localdate())
    roots = org_selectors.scope_roots(actor=user, capability=Cap.DUES_COLLECT)
    items = []
    for root in roots:
        count = _self_departure(user=user, organization=root, month=month)
        if count:
            where = f" · {root.name}" if len(roots) > 1 else ""
            # a branch's page lists the members; a committee's sums them per sub-organization
            anchor = "self-departure-summary" if root.numchild else "self-departure-list"
            items.append(TodoItem(
                _("党员连续6个月未交纳党费，须按规定处理（自行脱党）") + where, count,
                f"{reverse('dues:org', args=[root.pk])}?month={month:%Y-%m}#{anchor}", urgent=True,
                menu=MENU, key="dues.self_departure"))
    return items


def reductions_to_decide(*, user: Any) -> list[TodoItem]:
    """困难党员减免党费待审批: the pending requests this user's committee decides."""
    if not access.has_capability(user, Cap.DUES_APPROVE):
        return []
    count = selectors.reductions_to_decide(actor=user).count()
    if not count:
        return []
    return [TodoItem(_("党费减免申请待审批"), count, f"{reverse('dues:reductions')}?show=to_decide", menu=MENU,
                     key="dues.reductions")]


def transfer_proofs(*, user: Any) -> list[TodoItem]:
    """转账凭证待确认: members' proofs of a bank transfer waiting for this collector (`proofs`)."""
    from . import proofs

    return proofs.proof_todo_items(user=user)


ITEMS = (self_departure, reductions_to_decide, transfer_proofs)


def todo_items(*, user: Any) -> list[TodoItem]:
    return [item for function in ITEMS for item in function(user=user)]

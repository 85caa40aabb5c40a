"""The README's demo accounts: who they are, where they act, and the two seeders that make them.

`create_accounts` (order 20) makes the logins before the members are written, so that the
demo secretary and the demo member are linked to their member records; `grant_roles`
(order 90) gives each account its role once the whole province is in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

from dangwu.core.roles import Role
from dangwu.core.services import grant_role

from .plan import DemoError
from .regions import DEMO_CITY_CODE

if TYPE_CHECKING:
    from .context import DemoContext

DEMO_PASSWORD = "dangwu-demo-2026"

# (username, display name, role, where: "province" | "city" | "branch")
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("demo-admin", "系统管理员（演示）", Role.SYSTEM_ADMIN, "province"),
    ("demo-security", "安全管理员（演示）", Role.SECURITY_ADMIN, "province"),
    ("demo-audit", "审计管理员（演示）", Role.AUDIT_ADMIN, "province"),
    ("demo-org", "省委组织部（演示）", Role.ORG_DEPARTMENT, "province"),
    ("demo-discipline", "省纪委监委（演示）", Role.DISCIPLINE, "province"),
    ("demo-city", "长沙市委组织部（演示）", Role.ORG_DEPARTMENT, "city"),
    ("demo-secretary", "", Role.BRANCH_SECRETARY, "branch"),
    ("demo-member", "", Role.MEMBER, "branch"),
]
# The two demo people, with pinyin initials that no one else in their branch shares.
DEMO_SECRETARY_NAME = "王建华"  # wjh
DEMO_MEMBER_NAME = "李晓红"  # lxh


def create_accounts(*, context: DemoContext) -> None:
    """The demo logins, all with `DEMO_PASSWORD`; refused when any of them exists already."""
    User = get_user_model()
    taken = list(User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).values_list("username", flat=True))
    if taken:
        raise DemoError(f"demo accounts already exist: {', '.join(taken)}")
    names = {"demo-secretary": DEMO_SECRETARY_NAME, "demo-member": DEMO_MEMBER_NAME}
    context.users = {
        username: User.objects.create_user(username=username, password=DEMO_PASSWORD,
                                           first_name=names.get(username, display))
        for username, display, _role, _where in DEMO_ACCOUNTS
    }
    context.summary["accounts"] = [a[0] for a in DEMO_ACCOUNTS]


def grant_roles(*, context: DemoContext) -> None:
    """Each account's role: at the 省委, at 长沙's 市委, or at the demo branch."""
    where = {"province": context.root, "city": context.city(DEMO_CITY_CODE), "branch": context.demo_branch}
    for username, _display, role, place in DEMO_ACCOUNTS:
        grant_role(actor=None, user=context.users[username], role=role, organization=where[place])

"""Roles and capabilities: pure data, no database.

A role is held at an organization and reaches its whole subtree. A capability is what a
caller may do; `core.access` turns (user, capability) into a queryset filter.
等保 (MLPS level 3) separates the system, security and audit administrators.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEMBER = "member", _("党员")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员")
    PARTY_WORKER = "party_worker", _("党务工作者")
    ORG_DEPARTMENT = "org_department", _("组织部门")
    DISCIPLINE = "discipline", _("纪检")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")


class Cap:
    """Capability names (strings so that apps can add their own)."""

    ORG_VIEW = "org.view"
    ORG_EDIT = "org.edit"
    ORG_EDIT_ROOT = "org.edit_root"  # the name and type of the top of the tree (the system administrator's)
    MEMBER_VIEW = "member.view"
    MEMBER_EDIT = "member.edit"
    MEMBER_STANDING = "member.standing"
    MEMBER_VIEW_SENSITIVE = "member.view_sensitive"  # full ID and phone numbers
    AUDIT_VIEW = "audit.view"
    ROLE_ASSIGN = "role.assign"
    # 党费 (dangwu.dues)
    DUES_VIEW = "dues.view"  # assessments, payments, arrears and reports of the scope
    DUES_COLLECT = "dues.collect"  # declare bases, assess a month, record payments
    DUES_APPROVE = "dues.approve"  # approve hardship reductions and exemptions (next-level committee)
    # 发展党员 (dangwu.development)
    DEVELOPMENT_VIEW = "development.view"  # the pipeline and each person's steps
    DEVELOPMENT_MANAGE = "development.manage"  # record the branch's steps, votes and documents
    DEVELOPMENT_APPROVE = "development.approve"  # the superior committee's steps (pre-review, approval)
    # 组织关系转接 and 流动党员 (dangwu.members.transfers)
    MEMBER_TRANSFER = "member.transfer"  # start, accept, reject transfers; letters; outside transfers
    MEMBER_MOBILITY = "member.mobility"  # outflows, 流动党员活动证, participation, reports, return
    # 组织生活 (dangwu.orglife)
    ORGLIFE_VIEW = "orglife.view"  # the meetings, attendance and minutes of the scope, the year at a glance
    ORGLIFE_MANAGE = "orglife.manage"  # plan and cancel meetings, mark attendance, decide leave, record minutes
    # 党内选举 (dangwu.elections)
    ELECTIONS_VIEW = "elections.view"  # the elections, rounds and published results of the scope
    ELECTIONS_MANAGE = "elections.manage"  # set up an election, its candidates, open and publish its rounds
    # 民主评议党员 (dangwu.elections, evaluation)
    EVALUATION_VIEW = "evaluation.view"  # the evaluations, grades and figures of the scope
    EVALUATION_MANAGE = "evaluation.manage"  # open and run a branch's evaluation; at the superior: approve 优秀/不合格


_CADRE_READ = {Cap.ORG_VIEW, Cap.MEMBER_VIEW, Cap.DUES_VIEW, Cap.DEVELOPMENT_VIEW, Cap.ORGLIFE_VIEW,
               Cap.ELECTIONS_VIEW, Cap.EVALUATION_VIEW}
_BRANCH_WORK = {Cap.DUES_COLLECT, Cap.DEVELOPMENT_MANAGE, Cap.ORGLIFE_MANAGE, Cap.ELECTIONS_MANAGE,
                Cap.EVALUATION_MANAGE}
_MOVES = {Cap.MEMBER_TRANSFER, Cap.MEMBER_MOBILITY}  # the secretary, the party worker, the org department

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.MEMBER: frozenset(),
    Role.BRANCH_SECRETARY: frozenset(
        _CADRE_READ | _BRANCH_WORK | _MOVES | {Cap.MEMBER_EDIT, Cap.MEMBER_STANDING, Cap.MEMBER_VIEW_SENSITIVE}
    ),
    Role.BRANCH_COMMITTEE: frozenset(_CADRE_READ | _BRANCH_WORK),
    Role.PARTY_WORKER: frozenset(_CADRE_READ | _BRANCH_WORK | _MOVES | {Cap.MEMBER_EDIT}),
    Role.ORG_DEPARTMENT: frozenset(
        _CADRE_READ | _BRANCH_WORK | _MOVES
        | {Cap.ORG_EDIT, Cap.MEMBER_EDIT, Cap.MEMBER_STANDING, Cap.MEMBER_VIEW_SENSITIVE,
           Cap.DUES_APPROVE, Cap.DEVELOPMENT_APPROVE}
    ),
    Role.DISCIPLINE: frozenset(_CADRE_READ | {Cap.MEMBER_VIEW_SENSITIVE}),
    Role.SYSTEM_ADMIN: frozenset({Cap.ORG_VIEW, Cap.ORG_EDIT, Cap.ORG_EDIT_ROOT, Cap.MEMBER_VIEW}),
    Role.AUDIT_ADMIN: frozenset({Cap.ORG_VIEW, Cap.AUDIT_VIEW}),
    Role.SECURITY_ADMIN: frozenset({Cap.ORG_VIEW, Cap.ROLE_ASSIGN}),
}

# Roles whose holders must pass TOTP two-factor login when DANGWU_REQUIRE_2FA is on.
CADRE_ROLES = frozenset(set(Role) - {Role.MEMBER})


# 三员分立: one person holds at most one of the three administrator roles.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.SECURITY_ADMIN})


def separation_conflict(held: set[str], new_role: str) -> str | None:
    """The administrator role already held that forbids `new_role`, or None."""
    if new_role in ADMIN_ROLES:
        for role in held & ADMIN_ROLES:
            if role != new_role:
                return role
    return None

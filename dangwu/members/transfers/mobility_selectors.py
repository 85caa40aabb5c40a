"""Reads of mobile members (流动党员) for their pages: outflows in the caller's scope, what to act on."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members.models import Member, Outflow, Standing

from . import rules


def visible_outflows(*, actor: User) -> QuerySet[Outflow]:
    """Outflows the caller may see: of members of organizations where they hold `member.mobility`,
    or hosted by such an organization."""
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.MEMBER_MOBILITY):
        q |= Q(home_organization__path__startswith=path) | Q(host_organization__path__startswith=path)
    return Outflow.objects.filter(q).select_related("member", "home_organization", "host_organization")


def mobility_of(*, actor: User, organization: Any) -> dict[str, Any]:
    """The mobility page of an organization (its subtree): open outflows, inflows it hosts, warnings."""
    today = timezone.localdate()
    visible = visible_outflows(actor=actor).filter(returned_on__isnull=True)
    outflows = list(visible.filter(home_organization__path__startswith=organization.path).order_by("left_on")[:500])
    inflows = list(visible.filter(host_organization__path__startswith=organization.path).order_by("left_on")[:500])
    for outflow in outflows + inflows:
        outflow.no_contact = rules.no_contact_due(outflow.last_contact_on, today)
        outflow.report_overdue = rules.report_overdue(outflow.last_report_on, outflow.left_on, today)
        outflow.certificate_expired = rules.is_expired(outflow.certificate_valid_until, today)
    return {"outflows": outflows, "inflows": inflows, "warnings": warnings_of(actor=actor, organization=organization,
                                                                              outflows=outflows)}


def warnings_of(*, actor: User, organization: Any, outflows: list[Outflow] | None = None) -> list[dict[str, Any]]:
    """Members of the subtree to act on: out of contact 6 months (停止党籍 proposal), reports overdue,
    and stops older than 2 years (除名)."""
    today = timezone.localdate()
    if not access.can(actor, Cap.MEMBER_MOBILITY, organization):
        return []
    if outflows is None:
        outflows = list(Outflow.objects.filter(home_organization__path__startswith=organization.path,
                                               returned_on__isnull=True).select_related("member")[:500])
    out = []
    for outflow in outflows:
        if rules.no_contact_due(outflow.last_contact_on, today):
            out.append({"kind": "no_contact", "member": outflow.member, "since": outflow.last_contact_on})
        elif rules.report_overdue(outflow.last_report_on, outflow.left_on, today):
            out.append({"kind": "report", "member": outflow.member, "since": outflow.last_report_on or outflow.left_on})
    members = Member.objects.filter(organization__path__startswith=organization.path)
    lost_cutoff = rules.add_months(today, -rules.NO_CONTACT_MONTHS)
    seen = {w["member"].pk for w in out}
    for member in members.in_good_standing().filter(lost_contact=True,
                                 lost_contact_since__lte=lost_cutoff).order_by("lost_contact_since")[:200]:
        if member.pk not in seen:
            out.append({"kind": "no_contact", "member": member, "since": member.lost_contact_since})
    stop_cutoff = rules.add_months(today, -rules.STRIKE_OFF_MONTHS)
    for member in members.filter(standing=Standing.SUSPENDED, standing_since__lte=stop_cutoff).order_by(
            "standing_since")[:200]:
        if rules.strike_off_due(member.standing, member.standing_since, today):
            out.append({"kind": "strike_off", "member": member, "since": member.standing_since})
    return out

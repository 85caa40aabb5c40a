"""Reads of the organization tree, already limited to the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone

from dangwu.core import access
from dangwu.core.roles import Cap

from . import rules
from .models import CommitteePosition, Organization


def visible_organizations(*, actor: Any) -> QuerySet[Organization]:
    return access.organizations(actor, Cap.ORG_VIEW)


def with_parent_id(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate `parent_id_value`: the parent's id, found by the path one step shorter."""
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
    return qs.annotate(
        parent_id_value=Subquery(Organization.objects.filter(path=parent_path).values("pk")[:1])
    )


def tree_roots(*, actor: Any) -> QuerySet[Organization]:
    """The top organizations of the actor's scope (the tree page starts from them)."""
    paths = access.scope_paths(actor, Cap.ORG_VIEW)
    if paths:
        return Organization.objects.filter(path__in=paths).order_by("path")
    me = access.own_member(actor)
    return Organization.objects.filter(pk=me.organization_id) if me else Organization.objects.none()


def children(*, actor: Any, parent: Organization) -> QuerySet[Organization]:
    return (
        visible_organizations(actor=actor)
        .filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("path")
    )


def search_organizations(*, actor: Any, query: str, limit: int = 50) -> QuerySet[Organization]:
    query = (query or "").strip()
    qs = visible_organizations(actor=actor)
    if not query:
        return qs.none()
    return qs.filter(Q(name__icontains=query) | Q(code__istartswith=query)).order_by("depth", "path")[:limit]


def ancestors_in_scope(*, actor: Any, org: Organization) -> list[Organization]:
    """Breadcrumb: the organization's ancestors the actor may see."""
    if org.depth <= 1:
        return []
    prefixes = [org.path[: i * Organization.steplen] for i in range(1, org.depth)]
    return list(visible_organizations(actor=actor).filter(path__in=prefixes).order_by("depth"))


def current_committee(*, org: Organization) -> QuerySet[CommitteePosition]:
    return (
        CommitteePosition.objects.filter(organization=org, ended_on__isnull=True)
        .select_related("member")
        .order_by("post", "term_start")
    )


def member_counts(*, org: Organization) -> dict[str, int]:
    """Members of the organization itself (not the subtree), by type, in good standing."""
    from dangwu.members.models import Member

    row = Member.objects.filter(organization=org, standing="normal").aggregate(
        full=Count("id", filter=Q(member_type="full")),
        probationary=Count("id", filter=Q(member_type="probationary")),
    )
    return {"full": row["full"], "probationary": row["probationary"], "all": row["full"] + row["probationary"]}


def warnings_for(
    *, org: Organization, counts: dict[str, int], committee: Sequence[CommitteePosition],
) -> list[rules.Warning]:
    """Structure warnings of the organization, from the member counts and the current committee
    the caller has already read (`member_counts`, `current_committee`): no query of its own."""
    today = timezone.localdate()
    return rules.structure_warnings(
        org_type=org.org_type, full_members=counts["full"], all_members=counts["all"],
        committee_size=len(committee), term_expired=any(p.term_end < today for p in committee),
    )

"""Reads of the organization tree, already limited to the caller's scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Length, Substr
from django.utils import timezone

from dangwu.core import access, registries
from dangwu.core.dates import add_months
from dangwu.core.roles import Cap

from . import rules
from .models import CommitteePosition, Organization


def organizations_in_scope(actor: User, capability: str = Cap.ORG_VIEW) -> QuerySet[Organization]:
    """Organizations the actor may reach with the capability; with `org.view`, their own
    organization too (a member without a role sees the branch they belong to)."""
    q = access.scope_q(actor, capability, path_field="path")
    if capability == Cap.ORG_VIEW:
        membership = registries.membership(user=actor)
        if membership is not None:
            q |= Q(pk=membership.organization_id)
    return Organization.objects.filter(q)


def visible_organizations(*, actor: User) -> QuerySet[Organization]:
    return organizations_in_scope(actor, Cap.ORG_VIEW)


def with_parent_id(qs: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate `parent_id_value`: the parent's id, found by the path one step shorter."""
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
    return qs.annotate(
        parent_id_value=Subquery(Organization.objects.filter(path=parent_path).values("pk")[:1])
    )


def tree_roots(*, actor: User) -> QuerySet[Organization]:
    """The top organizations of the actor's scope (the tree page starts from them)."""
    paths = access.scope_paths(actor, Cap.ORG_VIEW)
    if paths:
        return Organization.objects.filter(path__in=paths).order_by("path")
    membership = registries.membership(user=actor)
    return Organization.objects.filter(pk=membership.organization_id) if membership else Organization.objects.none()


def children(*, actor: User, parent: Organization) -> QuerySet[Organization]:
    return (
        visible_organizations(actor=actor)
        .filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("path")
    )


def search_organizations(*, actor: User, query: str, limit: int = 50) -> QuerySet[Organization]:
    query = (query or "").strip()
    qs = visible_organizations(actor=actor)
    if not query:
        return qs.none()
    return qs.filter(Q(name__icontains=query) | Q(code__istartswith=query)).order_by("depth", "path")[:limit]


def name_grams(text: str) -> list[str]:
    """The keys of `dangwu_name_ngrams` (members migration 0006) that a name containing `text`
    carries: the text itself up to three characters, else each of its triples."""
    return [text] if len(text) <= 3 else [text[i:i + 3] for i in range(len(text) - 2)]


def pick_organizations(*, query: str, org_types: Sequence[str], limit: int = 20) -> list[Organization]:
    """Organizations to choose in a form (a branch to apply to, the receiver of a transfer), by a
    part of the name or the start of the code: not dissolved, of `org_types`, anywhere in the
    tree — names and codes are not secret, and the caller acts on them through a service that
    checks its own scope. Each carries `chain`: the names of its ancestors below the root.

    At most `limit`, closer matches first, in three short reads that stop as soon as the list is
    full: codes that start with the query (the exact code first), names that start with it, then
    names that contain it; shorter names first (the exact name is the shortest). A part of 200,000
    names ("党支部") must not sort them all: a read of names takes at most `limit * CONTAINS_READ`
    matches in any order and sorts those — the list is exact whenever the matches are fewer, and
    otherwise the page asks for a longer name.

    On PostgreSQL the codes and the starts of names are ranges of their b-tree indexes; a part of
    a name is found through the GIN index of its characters, pairs and triples (orgs migration
    0004). Measured on 252,251 organizations in docs/decisions/0012-organization-picker.md.
    """
    query = (query or "").strip()
    if len(query) < 2:
        return []
    base = Organization.objects.filter(org_type__in=list(org_types), dissolved_on__isnull=True)
    contains = base.filter(name__contains=query)
    if connection.vendor == "postgresql":
        contains = contains.alias(name_grams=Func(F("name"), function="dangwu_name_ngrams",
                                                  output_field=ArrayField(TextField())))
        contains = contains.filter(name_grams__contains=name_grams(query))
    found: list[Organization] = []
    seen: set[int] = set()
    def shortest(qs: QuerySet[Organization], room: int) -> list[Organization]:
        # No ORDER BY (the tree orders by path): the indexes find the matches, Python sorts these few.
        return sorted(qs.order_by()[:max(room, limit * CONTAINS_READ)], key=lambda o: (len(o.name), o.path))

    reads = (
        lambda room: base.filter(code__startswith=query).order_by("code")[:room],
        lambda room: shortest(base.filter(name__startswith=query), room),
        lambda room: shortest(contains, room),
    )
    for read in reads:
        if len(found) >= limit:
            break
        for org in read(limit - len(found) + len(seen)):
            if org.pk not in seen and len(found) < limit:
                seen.add(org.pk)
                found.append(org)
    return with_chains(found)


CONTAINS_READ = 10  # a read of names: at most limit × this many matches, then sorted


def with_chains(orgs: list[Organization]) -> list[Organization]:
    """Set `chain` on each organization: its ancestors' names below the root, in one query."""
    step = Organization.steplen
    prefixes = {o.path[:i * step] for o in orgs for i in range(2, o.depth)}
    names = dict(Organization.objects.filter(path__in=prefixes).values_list("path", "name")) if prefixes else {}
    for org in orgs:
        org.chain = [names[org.path[:i * step]] for i in range(2, org.depth) if org.path[:i * step] in names]
    return orgs


def ancestors_in_scope(*, actor: User, org: Organization) -> list[Organization]:
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


def structure_findings(*, organization: Organization, facts: dict[str, Any]) -> list[registries.Finding]:
    """The structure warnings of an organization (a registered warning rule), from the committee
    and the member counts its page has already read (`facts`): no query of its own when given."""
    today = timezone.localdate()
    committee = facts.get("committee")
    if committee is None:
        committee = facts["committee"] = list(current_committee(org=organization))
    counts = facts.get("member_counts")
    if counts is None and "member_counts" not in facts:
        counts = facts["member_counts"] = registries.member_counts(organization=organization)
    expired, expiring_on = rules.term_state(term_ends=[p.term_end for p in committee], today=today,
                                            notice_months=settings.DANGWU_TERM_NOTICE_MONTHS)
    found = rules.structure_warnings(
        org_type=organization.org_type, full_members=counts["full"] if counts else None,
        all_members=counts["all"] if counts else None,
        committee_size=len(committee), term_expired=expired, term_expiring_on=expiring_on,
    )
    return [registries.Finding(w.code, w.message) for w in found]


def organization_by_pk(*, pk: Any) -> Organization | None:
    """Any organization by id, province-wide (a transfer's receiver crosses cities: the route
    checks the caller's capability, and names and codes are not secret — decision 0012)."""
    try:
        return Organization.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def open_organization_by_code(*, code: str) -> Organization | None:
    """The organization with this code that is not dissolved, province-wide (as above)."""
    return Organization.objects.filter(code=(code or "").strip(), dissolved_on__isnull=True).first()


def scope_roots(*, actor: User, capability: str, limit: int = 20) -> list[Organization]:
    """The top organizations where the actor holds the capability (a page's default choice)."""
    paths = access.scope_paths(actor, capability)
    return list(Organization.objects.filter(path__in=paths).order_by("path")[:limit])


def pick_receivers(*, query: str, limit: int = 20) -> list[Organization]:
    """Organizations that may receive a member's relations (组织关系), by a part of the name or code."""
    from .models import MEMBER_HOLDING_TYPES

    return pick_organizations(query=query, org_types=MEMBER_HOLDING_TYPES, limit=limit)


def _due_positions(actor: User, capability: str) -> QuerySet[CommitteePosition]:
    horizon = add_months(timezone.localdate(), settings.DANGWU_TERM_NOTICE_MONTHS)
    return CommitteePosition.objects.filter(
        access.scope_q(actor, capability, path_field="organization__path"), ended_on__isnull=True,
        term_end__lte=horizon, organization__dissolved_on__isnull=True)


def terms_due(*, actor: User, capability: str = Cap.ORG_VIEW) -> QuerySet[Organization]:
    """The organizations of the scope whose committee's term has ended or ends within
    DANGWU_TERM_NOTICE_MONTHS (换届提醒: the rule of `rules.term_state`), with `term_ends` (the
    first end among the serving seats), soonest first."""
    from django.db.models import Min

    return (Organization.objects.filter(pk__in=_due_positions(actor, capability).values("organization_id"))
            .annotate(term_ends=Min("positions__term_end", filter=Q(positions__ended_on__isnull=True)))
            .order_by("term_ends", "path"))


def terms_due_count(*, actor: User, capability: str = Cap.ORG_VIEW) -> int:
    """How many organizations `terms_due` lists (a to-do's count: one query over the serving seats)."""
    return _due_positions(actor, capability).values("organization_id").distinct().count()


def terms_ended(*, actor: User, capability: str = Cap.ORG_VIEW) -> bool:
    """Whether a term among `terms_due` has already ended (the to-do item is then urgent)."""
    return _due_positions(actor, capability).filter(term_end__lt=timezone.localdate()).exists()

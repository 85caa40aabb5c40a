"""Scope: which organizations and members each caller reaches, and what an out-of-scope lookup does."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from dangwu import testing
from dangwu.core import access
from dangwu.core.models import AuditEntry, RoleAssignment
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member
from dangwu.orgs import selectors as org_selectors
from dangwu.orgs.models import Organization

ALL_ORGS = {"province", "city_a", "county_a", "branch_a", "branch_a2", "city_b", "branch_b"}
ALL_MEMBERS = {"m_sec", "m_plain", "m_other", "m_b"}
CITY_A = {"city_a", "county_a", "branch_a", "branch_a2"}


def org_names(world, qs) -> set[str]:
    by_pk = {getattr(world, name).pk: name for name in ALL_ORGS}
    pks = list(qs.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "an organization appears twice"
    return {by_pk[pk] for pk in pks}


def member_names(people, qs) -> set[str]:
    by_pk = {people[name].pk: name for name in ALL_MEMBERS}
    pks = list(qs.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "a member appears twice"
    return {by_pk[pk] for pk in pks}


def fresh(user):
    """The same user without the cached scope."""
    return get_user_model().objects.get(pk=user.pk)


SCOPES = {
    # caller: (organizations seen with org.view, members seen with member.view)
    "secretary": ({"branch_a"}, {"m_sec", "m_plain"}),
    "plain": ({"branch_a"}, {"m_plain"}),
    "sibling": ({"branch_a2"}, {"m_other"}),
    "city_a": (CITY_A, {"m_sec", "m_plain", "m_other"}),
    "city_b": ({"city_b", "branch_b"}, {"m_b"}),
    "province": (ALL_ORGS, ALL_MEMBERS),
    "discipline": (ALL_ORGS, ALL_MEMBERS),
    "sysadmin": (ALL_ORGS, ALL_MEMBERS),
    "auditor": (ALL_ORGS, set()),
    "security": (ALL_ORGS, set()),
}


@pytest.mark.parametrize("caller", SCOPES.keys())
def test_view_scope_of_each_caller(people, world, caller):
    orgs, members = SCOPES[caller]
    assert org_names(world, org_selectors.organizations_in_scope(people[caller])) == orgs
    assert member_names(people, member_selectors.members_in_scope(people[caller])) == members


EDIT_SCOPES = {
    # caller: (org.edit, member.edit, member.view_sensitive, member.standing)
    "secretary": (set(), {"m_sec", "m_plain"}, {"m_sec", "m_plain"}, {"m_sec", "m_plain"}),
    "plain": (set(), set(), set(), set()),
    "sibling": (set(), {"m_other"}, {"m_other"}, {"m_other"}),
    "city_a": (CITY_A, {"m_sec", "m_plain", "m_other"}, {"m_sec", "m_plain", "m_other"},
               {"m_sec", "m_plain", "m_other"}),
    "city_b": ({"city_b", "branch_b"}, {"m_b"}, {"m_b"}, {"m_b"}),
    "province": (ALL_ORGS, ALL_MEMBERS, ALL_MEMBERS, ALL_MEMBERS),
    "discipline": (set(), set(), ALL_MEMBERS, set()),
    "sysadmin": (ALL_ORGS, set(), set(), set()),
    "auditor": (set(), set(), set(), set()),
    "security": (set(), set(), set(), set()),
}


@pytest.mark.parametrize("caller", EDIT_SCOPES.keys())
def test_write_and_sensitive_scopes_of_each_caller(people, world, caller):
    org_edit, member_edit, sensitive, standing = EDIT_SCOPES[caller]
    user = people[caller]
    assert org_names(world, org_selectors.organizations_in_scope(user, Cap.ORG_EDIT)) == org_edit
    assert member_names(people, member_selectors.members_in_scope(user, Cap.MEMBER_EDIT)) == member_edit
    assert member_names(people, member_selectors.members_in_scope(user, Cap.MEMBER_VIEW_SENSITIVE)) == sensitive
    assert member_names(people, member_selectors.members_in_scope(user, Cap.MEMBER_STANDING)) == standing


def test_own_record_does_not_grant_anything_but_viewing_it(people, world):
    plain = people["plain"]
    assert access.capabilities(plain) == set()
    assert not access.can(plain, Cap.MEMBER_VIEW, world.branch_a)
    assert not access.has_capability(plain, Cap.MEMBER_VIEW)
    assert member_selectors.own_member(plain) == people["m_plain"]


def test_anonymous_sees_nothing(people, world):
    anon = AnonymousUser()
    assert not org_selectors.organizations_in_scope(anon).exists()
    assert not member_selectors.members_in_scope(anon).exists()
    assert member_selectors.own_member(anon) is None
    assert not access.can(anon, Cap.ORG_VIEW, world.province)


def test_user_without_roles_or_record_sees_nothing(world):
    nobody = testing.make_user("nobody")
    assert not org_selectors.organizations_in_scope(nobody).exists()
    assert not member_selectors.members_in_scope(nobody).exists()


CAN = [
    ("secretary", Cap.MEMBER_EDIT, "branch_a", True),
    ("secretary", Cap.MEMBER_EDIT, "branch_a2", False),
    ("secretary", Cap.MEMBER_EDIT, "county_a", False),  # a role does not reach upwards
    ("secretary", Cap.ORG_EDIT, "branch_a", False),
    ("city_a", Cap.ORG_EDIT, "city_a", True),
    ("city_a", Cap.ORG_EDIT, "branch_a2", True),
    ("city_a", Cap.ORG_EDIT, "branch_b", False),
    ("city_a", Cap.ORG_EDIT, "province", False),
    ("city_b", Cap.MEMBER_EDIT, "branch_a", False),
    ("province", Cap.MEMBER_STANDING, "branch_b", True),
    ("discipline", Cap.MEMBER_VIEW_SENSITIVE, "branch_b", True),
    ("discipline", Cap.MEMBER_EDIT, "branch_b", False),
    ("sysadmin", Cap.MEMBER_VIEW_SENSITIVE, "branch_a", False),
    ("auditor", Cap.AUDIT_VIEW, "province", True),
    ("auditor", Cap.MEMBER_VIEW, "branch_a", False),
    ("security", Cap.ROLE_ASSIGN, "branch_a", True),
    ("plain", Cap.ORG_VIEW, "branch_a", False),
]


@pytest.mark.parametrize("caller, capability, org, expected", CAN)
def test_can(people, world, caller, capability, org, expected):
    assert access.can(people[caller], capability, getattr(world, org)) is expected


def test_can_without_an_organization(people):
    assert access.can(people["province"], Cap.ORG_VIEW, None) is False


def test_nested_roles_are_not_duplicated(people, world):
    user = testing.make_user(
        "nested",
        ("org_department", world.province), ("org_department", world.city_a),
        ("branch_secretary", world.branch_a), ("discipline", world.county_a),
    )
    assert access.scope_paths(user, Cap.MEMBER_VIEW) == [world.province.path]
    assert access.scope_paths(user, Cap.MEMBER_VIEW_SENSITIVE) == [world.province.path]
    orgs = org_selectors.organizations_in_scope(user)
    assert orgs.count() == Organization.objects.count() == len(ALL_ORGS)
    assert member_names(people, member_selectors.members_in_scope(user)) == ALL_MEMBERS


def test_sibling_roots_are_both_kept(people, world):
    user = testing.make_user("two_cities", ("org_department", world.city_b), ("branch_secretary", world.branch_a),
                             ("org_department", world.county_a))
    assert access.scope_paths(user, Cap.MEMBER_EDIT) == sorted([world.county_a.path, world.city_b.path])
    assert access.scope_paths(user, Cap.ORG_EDIT) == sorted([world.county_a.path, world.city_b.path])
    assert org_names(world, org_selectors.organizations_in_scope(user)) == {"county_a", "branch_a", "branch_a2", "city_b", "branch_b"}


def test_member_in_a_branch_with_a_higher_role_elsewhere(people, world):
    # the secretary of branch A gains city B through a second role; own record still seen once
    RoleAssignment.objects.create(user=people["secretary"], role="org_department", organization=world.city_b)
    user = fresh(people["secretary"])
    assert org_names(world, org_selectors.organizations_in_scope(user)) == {"branch_a", "city_b", "branch_b"}
    assert member_names(people, member_selectors.members_in_scope(user)) == {"m_sec", "m_plain", "m_b"}


def test_roles_at_a_dissolved_organization_no_longer_grant(people, world):
    Organization.objects.filter(pk=world.branch_a.pk).update(dissolved_on=date(2025, 12, 31))
    secretary = fresh(people["secretary"])
    assert access.roles_of(secretary) == set()
    assert access.scope_paths(secretary, Cap.MEMBER_VIEW) == []
    assert not access.can(secretary, Cap.MEMBER_EDIT, world.branch_a)
    assert not member_selectors.members_in_scope(secretary, Cap.MEMBER_EDIT).exists()
    # still a member: their own record and own organization stay visible
    assert member_names(people, member_selectors.members_in_scope(secretary)) == {"m_sec"}
    assert org_names(world, org_selectors.organizations_in_scope(secretary)) == {"branch_a"}
    # roles elsewhere are untouched
    assert access.can(fresh(people["city_a"]), Cap.MEMBER_EDIT, world.branch_a)


def test_dissolving_the_city_removes_the_city_role_not_the_province_role(people, world):
    Organization.objects.filter(pk=world.city_a.pk).update(dissolved_on=date(2025, 1, 1))
    assert not org_selectors.organizations_in_scope(fresh(people["city_a"]), Cap.ORG_EDIT).exists()
    assert access.can(fresh(people["province"]), Cap.ORG_EDIT, world.city_a)


def test_scope_is_cached_until_cleared(people, world):
    user = people["sibling"]
    assert not access.can(user, Cap.MEMBER_EDIT, world.branch_a)
    RoleAssignment.objects.create(user=user, role="branch_secretary", organization=world.branch_a)
    assert not access.can(user, Cap.MEMBER_EDIT, world.branch_a)  # cached for this request
    access.clear_cache(user)
    assert access.can(user, Cap.MEMBER_EDIT, world.branch_a)


# --- get_in_scope_or_404 ------------------------------------------------------------

def request_by(user, path="/members/x/"):
    request = RequestFactory().get(path, REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


def test_in_scope_object_is_returned_without_audit(people):
    before = AuditEntry.objects.count()
    request = request_by(people["secretary"])
    obj = access.get_in_scope_or_404(request, member_selectors.members_in_scope(request.user), pk=people["m_plain"].pk)
    assert obj == people["m_plain"]
    assert AuditEntry.objects.count() == before


def test_out_of_scope_object_is_404_and_audited(people):
    target = people["m_plain"]
    request = request_by(people["sibling"], f"/members/{target.pk}/")
    before = AuditEntry.objects.count()
    with pytest.raises(Http404):
        access.get_in_scope_or_404(request, member_selectors.members_in_scope(request.user), pk=target.pk)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "access.denied"
    assert entry.actor == people["sibling"]
    assert entry.summary["model"] == "members.member"
    assert entry.summary["lookup"] == {"pk": str(target.pk)}
    assert entry.summary["path"] == f"/members/{target.pk}/"
    assert entry.ip_address == "10.1.2.3"


def test_out_of_scope_organization_is_404_and_audited(people, world):
    request = request_by(people["city_b"], "/orgs/x/")
    before = AuditEntry.objects.count()
    with pytest.raises(Http404):
        access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user), pk=world.branch_a.pk)
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.order_by("-seq").first().summary["model"] == "orgs.organization"


def test_missing_object_is_404_without_audit(people):
    request = request_by(people["sibling"])
    missing = (Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    before = AuditEntry.objects.count()
    with pytest.raises(Http404):
        access.get_in_scope_or_404(request, member_selectors.members_in_scope(request.user), pk=missing)
    assert AuditEntry.objects.count() == before

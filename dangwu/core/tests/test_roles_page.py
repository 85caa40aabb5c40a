"""The security administrator's role page: grant, revoke, scope, bad input."""

import pytest

from dangwu import testing
from dangwu.core.models import AuditEntry, RoleAssignment


@pytest.fixture
def security_client(client, people):
    client.force_login(people["security"])
    return client


def test_grant_a_role_and_see_it_listed(security_client, people, world):
    response = security_client.post("/roles/", {"username": "member_a", "role": "branch_committee",
                                                "org_code": world.branch_a.code})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=people["plain"], role="branch_committee",
                                         organization=world.branch_a).exists()
    assert AuditEntry.objects.filter(action="role.grant", actor=people["security"]).count() == 1
    html = security_client.get("/roles/", {"q": "member_a"}).content.decode()
    assert "member_a" in html and "支部委员" in html


def test_bad_input_names_the_field_and_grants_nothing(security_client, world):
    before = RoleAssignment.objects.count()
    html = security_client.post("/roles/", {"username": "nobody", "role": "member",
                                            "org_code": "999"}).content.decode()
    assert 'data-field-error="username"' in html and 'data-field-error="org_code"' in html
    html = security_client.post("/roles/", {"username": "member_a", "role": "king",
                                            "org_code": world.branch_a.code}).content.decode()
    assert 'data-field-error="role"' in html
    assert RoleAssignment.objects.count() == before


def test_a_city_security_admin_cannot_grant_in_another_city(client, people, world):
    city_security = testing.make_user("sec_admin_city_a", ("security_admin", world.city_a))
    client.force_login(city_security)
    html = client.post("/roles/", {"username": "member_a", "role": "org_department",
                                   "org_code": world.city_b.code}).content.decode()
    assert 'data-field-error="org_code"' in html
    assert not RoleAssignment.objects.filter(user=people["plain"]).exists()
    other = people["city_b"].role_assignments.get()
    assert client.post(f"/roles/{other.pk}/revoke/").status_code == 404
    assert RoleAssignment.objects.filter(pk=other.pk).exists()


def test_revoke_is_audited_and_own_security_role_is_kept(security_client, people):
    assignment = people["secretary"].role_assignments.get()
    assert security_client.post(f"/roles/{assignment.pk}/revoke/").status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(action="role.revoke").count() == 1
    own = people["security"].role_assignments.get()
    security_client.post(f"/roles/{own.pk}/revoke/")
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


def test_no_self_grant_and_three_administrators_in_three_hands(security_client, people, world):
    response = security_client.post("/roles/", {"username": "sec_admin_prov", "role": "audit_admin",
                                                "org_code": world.province.code})
    assert 'data-field-error="username"' in response.content.decode()
    response = security_client.post("/roles/", {"username": "sys_prov", "role": "audit_admin",
                                                "org_code": world.province.code})
    assert 'data-field-error="role"' in response.content.decode()
    assert not RoleAssignment.objects.filter(role="audit_admin").exclude(user=people["auditor"]).exists()
    # a business role for an administrator is still possible
    response = security_client.post("/roles/", {"username": "sys_prov", "role": "party_worker",
                                                "org_code": world.branch_a.code})
    assert response.status_code == 302


def test_a_city_auditor_sees_only_entries_of_the_city(client, people, world):
    """Refused access to city A is recorded under city A: city B's auditor does not see it."""
    from django.test import Client

    outsider = Client()
    outsider.force_login(people["sibling"])
    assert outsider.get(f"/members/{people['m_plain'].pk}/").status_code == 404
    denied = AuditEntry.objects.get(action="access.denied")
    assert denied.organization_id_value == world.branch_a.pk
    auditor_b = testing.make_user("audit_city_b", ("audit_admin", world.city_b))
    auditor_a = testing.make_user("audit_city_a", ("audit_admin", world.city_a))
    client.force_login(auditor_b)
    assert 'data-action="access.denied"' not in client.get("/audit/").content.decode()
    client.force_login(auditor_a)
    assert 'data-action="access.denied"' in client.get("/audit/").content.decode()
    client.force_login(people["auditor"])  # the province's auditor sees everything
    assert 'data-action="access.denied"' in client.get("/audit/").content.decode()

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

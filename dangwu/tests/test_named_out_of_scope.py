"""Naming an object outside one's scope in a request's body (the member of a payment, the parent of
a new organization …) answers 400 keyed by the field, as a missing one does, and is audited as a
refused access like an id in the URL (issue 12, finding 9: `core.access.get_in_scope_or_400`)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry

MISSING = 999_999


def _month() -> str:
    return timezone.localdate().strftime("%Y-%m")


# (caller, URL, body with the target's id at TARGET, the field, the target: a person's record or an organization)
TARGET = object()
CASES = {
    "organization parent": ("city_a", "/api/v1/organizations/",
                            {"code": "430202003", "name": "荷塘区第三党支部", "type": "branch", "parent": TARGET,
                             "founded_on": "2020-07-01"}, "parent", "branch_b"),
    "member organization": ("secretary", "/api/v1/members/",
                            {"name": "刘备", "organization": TARGET, "member_type": "full", "gender": "male",
                             "birth_date": "1980-05-20", "joined_on": "2005-07-01", "converted_on": "2006-07-01",
                             "id_number": testing.make_id_number(date(1980, 5, 20), male=True, serial=91)},
                            "organization", "branch_a2"),
    "transfer member": ("secretary", "/api/v1/transfers/", {"member": TARGET, "to_name": "外省某支部"},
                        "member", "m_other"),
    "payment member": ("secretary", "/api/v1/dues/payments/",
                       {"member": TARGET, "months": [_month()], "method": "cash"}, "member", "m_other"),
    "declaration member": ("secretary", "/api/v1/dues/declarations/",
                           {"member": TARGET, "year": timezone.localdate().year, "category": "student"},
                           "member", "m_b"),
    "assessment organization": ("secretary", "/api/v1/dues/assessment-runs/",
                                {"organization": TARGET, "month": _month()}, "organization", "branch_b"),
}


def _body(body: dict, value: int) -> dict:
    return {key: (value if item is TARGET else item) for key, item in body.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_an_out_of_scope_object_named_in_the_body_is_a_400_and_audited(people, world, case):
    caller, url, body, field, target_name = CASES[case]
    target = people.get(target_name) or getattr(world, target_name)
    client = testing.api_client(people[caller])
    before = AuditEntry.objects.count()

    missing = client.post(url, _body(body, MISSING), format="json")
    assert missing.status_code == 400 and field in missing.json(), missing.content
    assert AuditEntry.objects.count() == before  # nothing was reached: nothing to audit

    refused = client.post(url, _body(body, target.pk), format="json")
    assert refused.status_code == 400, refused.content
    assert refused.json() == missing.json()  # the same answer: it does not say the object exists
    entry = AuditEntry.objects.get(action="access.denied")
    assert AuditEntry.objects.count() == before + 1
    assert entry.actor == people[caller] and entry.summary["field"] == field
    assert entry.summary["lookup"] == {"pk": str(target.pk)} and entry.summary["path"] == url
    organization = target if target_name.startswith(("branch", "city", "county")) else target.organization
    assert entry.organization_id_value == organization.pk

from decimal import Decimal

import pytest

from dangwu import testing


@pytest.fixture
def dues_people(people, world):
    """`people` plus a few more members in branch A with declared dues standards on their records."""
    extra = {
        "m_wang": testing.make_member(world.branch_a, name="王芳", male=False, dues_standard=Decimal("30.00")),
        "m_zhao": testing.make_member(world.branch_a, name="赵强", dues_standard=Decimal("15.00")),
    }
    for key in ("m_sec", "m_plain", "m_other", "m_b"):
        member = people[key]
        member.dues_standard = Decimal("20.00")
        member.save(update_fields=["dues_standard"])
    approver_at_branch = testing.make_user("org_branch_a", ("org_department", world.branch_a))
    county = testing.make_user("org_county_a", ("org_department", world.county_a))
    return {**people, **extra, "approver_at_branch": approver_at_branch, "county": county}

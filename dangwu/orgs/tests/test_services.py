"""Service tests of organization writes: scope, field-keyed errors, one audit entry, nothing on failure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangwu import testing
from dangwu.core import registries
from dangwu.core.models import AuditEntry
from dangwu.members.models import Member
from dangwu.orgs import selectors, services
from dangwu.orgs import selectors as org_selectors
from dangwu.orgs.models import CommitteePosition, Organization


def Snapshot() -> testing.Snapshot:  # noqa: N802  (reads like the class it builds)
    """Counts of every table an organization write touches."""
    return testing.Snapshot(orgs=Organization.objects, org_history=Organization.history,
                            positions=CommitteePosition.objects, audit=AuditEntry.objects)


last_entry = testing.last_audit_entry


def branch_fields(**overrides):
    fields = dict(code="430102003", name="芙蓉区第三党支部", org_type="branch", unit_name="芙蓉区财政局",
                  unit_category="government", founded_on=date(2020, 7, 1))
    fields.update(overrides)
    return fields


# --- create_organization ------------------------------------------------------------

def test_create_organization_under_a_parent_in_scope(people, world):
    before = Snapshot()
    org = services.create_organization(actor=people["city_a"], parent=world.county_a,
                                       fields=branch_fields(name="  芙蓉区第三党支部 "))
    assert before.delta() == {"orgs": 1, "org_history": 1, "positions": 0, "audit": 1}
    assert org.name == "芙蓉区第三党支部"  # stripped
    assert org.path.startswith(world.county_a.path)
    assert org.depth == world.county_a.depth + 1
    subtree = Organization.objects.filter(path__startswith=world.county_a.path)
    assert org in subtree
    assert org not in Organization.objects.filter(path__startswith=world.city_b.path)
    assert Organization.objects.get_parent(org) == world.county_a
    assert Organization.objects.get(pk=world.county_a.pk).numchild == world.county_a.numchild + 1
    entry = last_entry()
    assert entry.action == "org.create"
    assert entry.organization_id_value == org.pk
    assert entry.actor == people["city_a"]
    assert entry.summary["parent"] == world.county_a.code
    # the new organization falls into the scope of whoever holds the parent
    assert org_selectors.organizations_in_scope(people["city_a"]).filter(pk=org.pk).exists()
    assert not org_selectors.organizations_in_scope(people["city_b"]).filter(pk=org.pk).exists()


def test_group_under_a_branch(people, world):
    group = services.create_organization(actor=people["city_a"], parent=world.branch_a,
                                         fields=dict(code="430102001-1", name="第一党小组", org_type="group"))
    assert group.path.startswith(world.branch_a.path)


@pytest.mark.parametrize("caller", ["city_b", "secretary", "plain", "discipline", "auditor", "security"])
def test_create_organization_outside_scope_is_denied(people, world, caller):
    before = Snapshot()
    with pytest.raises(PermissionDenied):
        services.create_organization(actor=people[caller], parent=world.county_a, fields=branch_fields())
    assert before.unchanged()


def test_system_admin_may_edit_the_tree(people, world):
    services.create_organization(actor=people["sysadmin"], parent=world.city_b, fields=branch_fields(code="430202002"))
    assert last_entry().action == "org.create"


BAD_ORG = {
    "future_founded_on": ("founded_on", "county_a", {"founded_on": date.today() + timedelta(days=2)}),
    "dissolved_before_founded": ("dissolved_on", "county_a", {"dissolved_on": date(2019, 1, 1)}),
    "group_under_a_committee": ("org_type", "county_a", {"org_type": "group"}),
    "missing_name": ("name", "county_a", {"name": "   "}),
    "missing_code": ("code", "county_a", {"code": ""}),
    "duplicate_code": ("code", "county_a", {"code": "430102001"}),
    "unknown_type": ("org_type", "county_a", {"org_type": "club"}),
    "unknown_category": ("unit_category", "county_a", {"unit_category": "farm"}),
    "unknown_field": ("path", "county_a", {"path": "0001"}),
}


@pytest.mark.parametrize("field, parent, overrides", BAD_ORG.values(), ids=BAD_ORG.keys())
def test_create_organization_bad_input_is_keyed_and_writes_nothing(people, world, field, parent, overrides):
    parent_org = getattr(world, parent)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_organization(actor=people["province"], parent=parent_org, fields=branch_fields(**overrides))
    assert set(info.value.message_dict) == {field}
    assert all(info.value.message_dict[field])
    assert before.unchanged()
    assert Organization.objects.get(pk=parent_org.pk).numchild == parent_org.numchild


def test_nothing_under_a_group(people, world):
    group = services.create_organization(actor=people["city_a"], parent=world.branch_a,
                                         fields=dict(code="G1", name="第一党小组", org_type="group"))
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_organization(actor=people["city_a"], parent=group,
                                     fields=dict(code="G2", name="小组下的小组", org_type="group"))
    assert "parent" in info.value.message_dict
    assert before.unchanged()


# --- update_organization ------------------------------------------------------------

def test_update_organization_audits_the_changes(people, world):
    org = world.branch_a
    before = Snapshot()
    updated = services.update_organization(actor=people["city_a"], organization=org,
                                           fields={"name": "芙蓉区机关第一党支部", "address": "芙蓉中路1号",
                                                   "org_type": "branch"})
    assert before.delta() == {"orgs": 0, "org_history": 1, "positions": 0, "audit": 1}
    assert Organization.objects.get(pk=org.pk).name == "芙蓉区机关第一党支部"
    assert updated.path == org.path
    entry = last_entry()
    assert entry.action == "org.update"
    assert entry.organization_id_value == org.pk
    assert entry.summary["changes"] == {"address": ["", "芙蓉中路1号"], "name": ["芙蓉区第一党支部", "芙蓉区机关第一党支部"]}
    assert updated.history.order_by("-history_id")[1].name == "芙蓉区第一党支部"


def test_update_organization_without_changes_writes_nothing(people, world):
    before = Snapshot()
    services.update_organization(actor=people["city_a"], organization=world.branch_a,
                                 fields={"name": world.branch_a.name, "code": "ignored"})
    assert before.unchanged()
    assert Organization.objects.get(pk=world.branch_a.pk).code == world.branch_a.code


def test_update_organization_bad_input(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_organization(actor=people["city_a"], organization=world.branch_a,
                                     fields={"founded_on": date(2020, 1, 1), "dissolved_on": date(2019, 1, 1)})
    assert set(info.value.message_dict) == {"dissolved_on"}
    with pytest.raises(ValidationError) as info:
        services.update_organization(actor=people["city_a"], organization=world.branch_a, fields={"name": ""})
    assert set(info.value.message_dict) == {"name"}
    assert before.unchanged()
    fresh = Organization.objects.get(pk=world.branch_a.pk)
    assert (fresh.name, fresh.founded_on, fresh.dissolved_on) == (world.branch_a.name, None, None)


def test_update_organization_unknown_field_is_refused_by_name(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_organization(actor=people["city_a"], organization=world.branch_a,
                                     fields={"bogus": 1, "path": "0001", "name": "新名称"})
    assert set(info.value.message_dict) == {"bogus", "path"}
    assert before.unchanged()
    assert Organization.objects.get(pk=world.branch_a.pk).path == world.branch_a.path


@pytest.mark.parametrize("caller", ["city_b", "secretary", "discipline"])
def test_update_organization_out_of_scope(people, world, caller):
    before = Snapshot()
    with pytest.raises(PermissionDenied):
        services.update_organization(actor=people[caller], organization=world.branch_a, fields={"name": "x"})
    assert before.unchanged()


# --- appoint_committee_member -------------------------------------------------------

def test_appoint_computes_the_term_end(people, world):
    before = Snapshot()
    position = services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                                 member=people["m_plain"], post="secretary",
                                                 term_start=date(2024, 2, 29))
    assert position.term_end == date(2027, 2, 28)
    assert before.delta() == {"orgs": 0, "org_history": 0, "positions": 1, "audit": 1}
    entry = last_entry()
    assert entry.action == "org.appoint"
    assert entry.organization_id_value == world.branch_a.pk
    assert entry.summary["term"] == ["2024-02-29", "2027-02-28"]


def test_appoint_in_a_village_branch_serves_five_years(people, world):
    village = services.create_organization(actor=people["city_a"], parent=world.county_a,
                                           fields=branch_fields(code="V1", name="某村党支部", unit_category="village"))
    member = testing.make_member(village, name="村支书", birth=date(1970, 1, 2))
    position = services.appoint_committee_member(actor=people["city_a"], organization=village, member=member,
                                                 post="secretary", term_start=date(2021, 3, 15))
    assert position.term_end == date(2026, 3, 15)


def test_appoint_with_an_explicit_term_end(people, world):
    position = services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                                 member=people["m_plain"], post="organization",
                                                 term_start=date(2024, 1, 1), term_end=date(2025, 12, 31))
    assert position.term_end == date(2025, 12, 31)


def test_a_county_committee_may_seat_a_member_of_its_subtree(people, world):
    position = services.appoint_committee_member(actor=people["city_a"], organization=world.county_a,
                                                 member=people["m_plain"], post="member",
                                                 term_start=date(2024, 1, 1))
    assert position.term_end == date(2027, 1, 1)


@pytest.mark.parametrize("case", ["probationary", "suspended", "other_branch", "other_city"])
def test_appoint_refuses_unsuitable_members(people, world, case):
    if case == "probationary":
        member = testing.make_member(world.branch_a, name="预备", member_type="probationary", birth=date(1999, 9, 9),
                                     joined_on=date(2025, 7, 1))
    elif case == "suspended":
        member = testing.make_member(world.branch_a, name="停止", birth=date(1980, 2, 2), standing="suspended")
    elif case == "other_branch":
        member = people["m_other"]
    else:
        member = people["m_b"]
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.appoint_committee_member(actor=people["province"], organization=world.branch_a, member=member,
                                          post="propaganda", term_start=date(2024, 1, 1))
    assert set(info.value.message_dict) == {"member"}
    assert before.unchanged()


def test_appoint_refuses_a_bad_term_or_post(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                          member=people["m_plain"], post="secretary",
                                          term_start=date(2024, 1, 1), term_end=date(2024, 1, 1))
    assert set(info.value.message_dict) == {"term_end"}
    with pytest.raises(ValidationError) as info:
        services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                          member=people["m_plain"], post="treasurer", term_start=date(2024, 1, 1))
    assert set(info.value.message_dict) == {"post"}
    assert before.unchanged()


@pytest.mark.parametrize("caller", ["secretary", "city_b", "plain"])
def test_appoint_out_of_scope(people, world, caller):
    before = Snapshot()
    with pytest.raises(PermissionDenied):
        services.appoint_committee_member(actor=people[caller], organization=world.branch_a,
                                          member=people["m_plain"], post="secretary", term_start=date(2024, 1, 1))
    assert before.unchanged()


# --- the structure: dissolving, groups, children of dissolved organizations ---------------

def _dissolve(org):
    Organization.objects.filter(pk=org.pk).update(dissolved_on=date(2025, 1, 1))


def test_no_dissolving_with_active_children(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_organization(actor=people["city_a"], organization=world.county_a,
                                     fields={"dissolved_on": date(2025, 6, 30)})
    assert set(info.value.message_dict) == {"dissolved_on"}
    assert before.unchanged()


def test_no_dissolving_with_members_in_good_standing(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_organization(actor=people["city_a"], organization=world.branch_a,
                                     fields={"dissolved_on": date(2025, 6, 30)})
    assert set(info.value.message_dict) == {"dissolved_on"}
    assert before.unchanged()
    assert Organization.objects.get(pk=world.branch_a.pk).dissolved_on is None


def test_dissolving_once_children_are_dissolved_and_members_gone(people, world):
    _dissolve(world.branch_a)
    Member.objects.filter(organization=world.branch_a2).update(standing="deceased")
    services.update_organization(actor=people["city_a"], organization=world.branch_a2,
                                 fields={"dissolved_on": date(2025, 6, 30)})
    services.update_organization(actor=people["city_a"], organization=world.county_a,
                                 fields={"dissolved_on": date(2025, 7, 1)})
    assert Organization.objects.get(pk=world.county_a.pk).dissolved_on == date(2025, 7, 1)
    # a dissolved organization's other fields may still be corrected
    services.update_organization(actor=people["city_a"], organization=world.county_a, fields={"address": "某路1号"})
    assert last_entry().summary["changes"] == {"address": ["", "某路1号"]}


def test_no_child_under_a_dissolved_organization(people, world):
    _dissolve(world.county_a)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_organization(actor=people["city_a"], parent=world.county_a, fields=branch_fields())
    assert set(info.value.message_dict) == {"parent"}
    assert before.unchanged()


def test_no_change_to_a_group_while_there_are_children(people, world):
    middle = services.create_organization(actor=people["city_a"], parent=world.county_a,
                                          fields=dict(code="M1", name="某党总支", org_type="general_branch"))
    services.create_organization(actor=people["city_a"], parent=middle,
                                 fields=dict(code="M2", name="其下的组织", org_type="branch"))
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_organization(actor=people["city_a"], organization=middle, fields={"org_type": "group"})
    assert set(info.value.message_dict) == {"org_type"}
    assert "该党组织设有下级组织，不能改为此类别：党小组下不能再设党组织" in info.value.message_dict["org_type"]
    assert before.unchanged()
    assert Organization.objects.get(pk=middle.pk).org_type == "general_branch"


# --- terms of office: a sane start; one seat per member and post; one secretary ------------

@pytest.mark.parametrize("term_start", [date(9997, 1, 1), date(9999, 12, 31), date(1921, 6, 30), date(1, 1, 1),
                                        None, "future"])
def test_appoint_refuses_a_term_start_out_of_range(people, world, term_start):
    if term_start == "future":
        term_start = date.today() + timedelta(days=367)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                          member=people["m_plain"], post="secretary", term_start=term_start)
    assert set(info.value.message_dict) == {"term_start"}
    assert before.unchanged()


def test_appoint_term_start_not_before_the_organization_was_founded(people, world):
    Organization.objects.filter(pk=world.branch_a.pk).update(founded_on=date(2020, 7, 1))
    org = Organization.objects.get(pk=world.branch_a.pk)
    with pytest.raises(ValidationError) as info:
        services.appoint_committee_member(actor=people["city_a"], organization=org, member=people["m_plain"],
                                          post="secretary", term_start=date(2020, 6, 30))
    assert set(info.value.message_dict) == {"term_start"}
    services.appoint_committee_member(actor=people["city_a"], organization=org, member=people["m_plain"],
                                      post="secretary", term_start=date(2020, 7, 1))
    within_a_year = date.today() + timedelta(days=300)
    services.appoint_committee_member(actor=people["city_a"], organization=org, member=people["m_sec"],
                                      post="organization", term_start=within_a_year)


def test_appoint_refuses_a_term_end_before_the_start(people, world):
    with pytest.raises(ValidationError) as info:
        services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                          member=people["m_plain"], post="member",
                                          term_start=date(2024, 1, 1), term_end=date(2023, 12, 31))
    assert set(info.value.message_dict) == {"term_end"}


def _appoint(people, world, member="m_plain", post="organization", start=date(2024, 1, 1), end=None):
    return services.appoint_committee_member(actor=people["city_a"], organization=world.branch_a,
                                             member=people[member], post=post, term_start=start, term_end=end)


def test_the_same_post_twice_at_once_is_refused(people, world):
    _appoint(people, world)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        _appoint(people, world, start=date(2025, 1, 1))
    assert set(info.value.message_dict) == {"member"}
    assert before.unchanged()
    # after the first term: allowed; another post at once: allowed
    _appoint(people, world, start=date(2027, 1, 1))
    _appoint(people, world, post="propaganda", start=date(2025, 1, 1))
    assert CommitteePosition.objects.count() == 3


def test_one_serving_secretary(people, world):
    _appoint(people, world, member="m_sec", post="secretary", start=date(2024, 1, 1))
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        _appoint(people, world, member="m_plain", post="secretary", start=date(2025, 1, 1))
    assert set(info.value.message_dict) == {"post"}
    assert "李书记" in info.value.message_dict["post"][0]
    assert before.unchanged()


def test_a_new_secretary_succeeds_one_whose_term_has_ended(people, world):
    old = _appoint(people, world, member="m_sec", post="secretary", start=date(2018, 1, 1))
    new = _appoint(people, world, member="m_plain", post="secretary", start=date(2021, 1, 1))
    old.refresh_from_db()
    assert old.ended_on == old.term_end == date(2021, 1, 1)
    assert list(selectors.current_committee(org=world.branch_a)) == [new]
    assert last_entry().summary["succeeds"] == [old.pk]
    # the same secretary re-elected for the next term
    again = _appoint(people, world, member="m_plain", post="secretary", start=date(2024, 1, 1))
    new.refresh_from_db()
    assert new.ended_on == date(2024, 1, 1)
    assert list(selectors.current_committee(org=world.branch_a)) == [again]


def test_the_database_keeps_one_serving_secretary(people, world):
    from django.db import IntegrityError, transaction

    _appoint(people, world, member="m_sec", post="secretary")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteePosition.objects.create(organization=world.branch_a, member=people["m_plain"], post="secretary",
                                         term_start=date(2024, 1, 1), term_end=date(2027, 1, 1))


def test_a_racing_secretary_appointment_is_a_field_error(people, world, monkeypatch):
    _appoint(people, world, member="m_sec", post="secretary")
    # as if this appointment had passed the checks before the other one was committed
    real = services._active_positions
    calls = []

    def blind_at_first(org):
        calls.append(org)
        return CommitteePosition.objects.none() if len(calls) == 1 else real(org)

    monkeypatch.setattr(services, "_active_positions", blind_at_first)
    monkeypatch.setattr(CommitteePosition, "validate_constraints", lambda self, exclude=None: None)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        _appoint(people, world, member="m_plain", post="secretary", start=date(2025, 1, 1))
    assert set(info.value.message_dict) == {"post"}
    assert len(calls) == 2  # the check saw nobody; the unique index refused, and was answered by field
    assert before.unchanged()


# --- reads for the organization page ------------------------------------------------------

def test_warnings_use_the_counts_and_committee_already_read(people, world, django_assert_num_queries):
    facts = {"member_counts": registries.member_counts(organization=world.branch_a),
             "committee": list(selectors.current_committee(org=world.branch_a))}
    with django_assert_num_queries(0):
        warnings = registries.warnings_of(organization=world.branch_a, facts=facts)
    assert [w.code for w in warnings] == ["too_few_members"]


def test_warnings_read_what_the_page_did_not(people, world):
    """Without the page's facts the structure rule reads the counts (from members, through the
    registry) and the committee itself."""
    assert [w.code for w in registries.warnings_of(organization=world.branch_a)] == ["too_few_members"]


def test_the_tree_alone_warns_without_member_counts(people, world, monkeypatch):
    """With no app answering member counts, only the warnings that need none remain."""
    monkeypatch.setattr(registries.member_counts, "_provider", None)
    assert registries.warnings_of(organization=world.branch_a) == []


def test_dissolving_asks_the_registered_checks(people, world, monkeypatch):
    """orgs knows no members: a dissolve check registered by another app can refuse, by field."""
    empty = services.create_organization(actor=people["city_a"], parent=world.county_a, fields={
        "code": "430102009", "name": "芙蓉区第九党支部", "org_type": "branch"})
    registries.dissolve_checks.register(registries.DissolveCheck("test_only", lambda *, organization: "不行"))
    try:
        with pytest.raises(ValidationError) as info:
            services.update_organization(actor=people["city_a"], organization=empty,
                                         fields={"dissolved_on": date(2026, 1, 1)})
        assert info.value.message_dict == {"dissolved_on": ["不行"]}
    finally:
        registries.dissolve_checks.unregister("test_only")
    services.update_organization(actor=people["city_a"], organization=empty, fields={"dissolved_on": date(2026, 1, 1)})


def test_appoint_page_offers_the_organizations_own_members(client, people, world):
    own = testing.make_member(world.county_a, name="区委委员", birth=date(1975, 5, 5))
    client.force_login(people["city_a"])
    html = client.get(f"/orgs/{world.county_a.pk}/appoint/").content.decode()
    assert f'value="{own.pk}"' in html
    assert f'value="{people["m_plain"].pk}"' not in html  # a member of a branch below
    html = client.get(f"/orgs/{world.branch_a.pk}/appoint/").content.decode()
    assert f'value="{people["m_plain"].pk}"' in html and f'value="{own.pk}"' not in html


def test_appoint_page_shows_service_errors_by_field(client, people, world):
    client.force_login(people["city_a"])
    response = client.post(f"/orgs/{world.branch_a.pk}/appoint/", {
        "member": people["m_plain"].pk, "post": "secretary", "term_start": "9997-01-01"})
    assert response.status_code == 200
    assert 'data-field-error="term_start"' in response.content.decode()
    assert not CommitteePosition.objects.exists()

"""Mobile members (流动党员): the pure flags, each service, the host's view, the voting helper, the pages."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.members import services
from dangwu.members.models import Member, MobilityRecord, Outflow
from dangwu.members.transfers import mobility_selectors, rules
from dangwu.members.transfers import mobility_services as mobility

last_entry = testing.last_audit_entry


def Snapshot() -> testing.Snapshot:  # noqa: N802
    return testing.Snapshot(outflows=Outflow.objects, records=MobilityRecord.objects, history=Member.history,
                            audit=AuditEntry.objects)


# --- pure rules --------------------------------------------------------------------------

@pytest.mark.parametrize("last,on,due", [
    (date(2026, 1, 15), date(2026, 7, 14), False),
    (date(2026, 1, 15), date(2026, 7, 15), True),  # 6 full months on the same day
    (date(2025, 8, 31), date(2026, 2, 27), False),
    (date(2025, 8, 31), date(2026, 2, 28), True),  # no 31 Feb: the month's last day
    (None, date(2030, 1, 1), False),
])
def test_no_contact_flag_at_six_months(last, on, due):
    assert rules.no_contact_due(last, on) is due


@pytest.mark.parametrize("standing,since,on,due", [
    ("suspended", date(2024, 2, 29), date(2026, 2, 27), False),
    ("suspended", date(2024, 2, 29), date(2026, 2, 28), True),  # 2 years from 29 Feb: 28 Feb
    ("suspended", date(2024, 5, 1), date(2026, 5, 1), True),
    ("normal", date(2020, 5, 1), date(2026, 5, 1), False),
    ("suspended", None, date(2026, 5, 1), False),
])
def test_strike_off_flag_two_years_after_a_stop(standing, since, on, due):
    assert rules.strike_off_due(standing, since, on) is due


def test_report_overdue_after_a_year():
    assert not rules.report_overdue(None, date(2025, 6, 1), date(2026, 5, 31))
    assert rules.report_overdue(None, date(2025, 6, 1), date(2026, 6, 1))
    assert not rules.report_overdue(date(2026, 3, 1), date(2025, 6, 1), date(2026, 6, 1))


def test_may_vote_only_at_home_as_a_full_member_in_good_standing():
    home, host = SimpleNamespace(pk=1), SimpleNamespace(pk=2)
    member = Member(standing="normal", member_type="full", organization_id=1)  # unsaved: no database
    assert rules.may_vote_at(member, home) is True
    assert rules.may_vote_at(member, host) is False
    assert rules.may_vote_at(Member(standing="normal", member_type="probationary", organization_id=1), home) is False
    assert rules.may_vote_at(Member(standing="suspended", member_type="full", organization_id=1), home) is False
    assert rules.may_vote_at(member, None) is False


# --- services ----------------------------------------------------------------------------

def _outflow(people, world, **overrides):
    kwargs = dict(actor=people["secretary"], member=people["m_plain"], destination="广东省深圳市南山区",
                  host_organization=world.branch_b, reason="外出务工",
                  left_on=timezone.localdate() - timedelta(days=40), contact="微信 zs2026")
    kwargs.update(overrides)
    return mobility.record_outflow(**kwargs)


def test_record_outflow_flags_the_member_and_keeps_rollups_exact(people, world):
    before = Snapshot()
    outflow = _outflow(people, world)
    assert before.delta() == {"outflows": 1, "records": 0, "history": 1, "audit": 1}
    assert last_entry().action == "member.outflow_start"
    member = Member.objects.get(pk=people["m_plain"].pk)
    assert member.is_outflow and member.outflow_destination == "广东省深圳市南山区"
    assert member.organization == world.branch_a  # still a member at home
    assert outflow.last_contact_on == timezone.localdate()  # recording it is contact
    testing.assert_rollups_exact()
    assert testing.stored_structure_counts(world.branch_a)[("flag", "outflow")] == 1


@pytest.mark.parametrize("overrides,field", [
    ({"destination": "", "host_organization": None}, "destination"),
    ({"reason": " "}, "reason"),
    ({"contact": ""}, "contact"),
    ({"left_on": None}, "left_on"),
    ({"left_on": "future"}, "left_on"),
    ({"left_on": date(2000, 1, 1)}, "left_on"),  # before joining the party
    ({"expected_return_on": date(2001, 1, 1)}, "expected_return_on"),
    ({"host_organization": "own"}, "host_organization"),
])
def test_bad_outflow_names_the_field_and_commits_nothing(people, world, overrides, field):
    if overrides.get("left_on") == "future":
        overrides["left_on"] = timezone.localdate() + timedelta(days=1)
    if overrides.get("host_organization") == "own":
        overrides["host_organization"] = world.branch_a
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        _outflow(people, world, **overrides)
    assert field in exc.value.message_dict
    assert before.unchanged()


def test_one_open_outflow_and_only_the_home_side_records_it(people, world):
    with pytest.raises(PermissionDenied):
        _outflow(people, world, actor=people["city_b"])
    _outflow(people, world)
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        _outflow(people, world)
    assert "member" in exc.value.message_dict and before.unchanged()


def test_certificate_numbered_by_the_home_committee(people, world):
    outflow = _outflow(people, world)
    before = Snapshot()
    outflow = mobility.issue_certificate(actor=people["secretary"], outflow=outflow)
    year = timezone.localdate().year
    assert outflow.certificate_number == f"流430102-{year}-0001"
    assert outflow.certificate_valid_until == rules.add_months(timezone.localdate(), 12)
    assert before.delta()["audit"] == 1 and last_entry().action == "member.outflow_certificate"
    with pytest.raises(ValidationError) as exc:
        mobility.issue_certificate(actor=people["secretary"], outflow=outflow, valid_until=timezone.localdate())
    assert "valid_until" in exc.value.message_dict
    renewed = mobility.issue_certificate(actor=people["secretary"], outflow=outflow)
    assert renewed.certificate_number == f"流430102-{year}-0002"
    with pytest.raises(PermissionDenied):
        mobility.issue_certificate(actor=people["city_b"], outflow=outflow)


def test_host_sees_inflow_and_records_participation(people, world):
    outflow = _outflow(people, world)
    page = mobility_selectors.mobility_of(actor=people["city_b"], organization=world.branch_b)
    assert [o.pk for o in page["inflows"]] == [outflow.pk] and page["outflows"] == []
    assert mobility_selectors.mobility_of(actor=people["sibling"], organization=world.branch_a2)["inflows"] == []
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        mobility.record_participation(actor=people["city_b"], outflow=outflow, on=outflow.left_on - timedelta(days=1),
                                      note="主题党日")
    assert "on" in exc.value.message_dict and before.unchanged()
    with pytest.raises(PermissionDenied):
        mobility.record_participation(actor=people["secretary"], outflow=outflow, on=timezone.localdate(), note="x")
    record = mobility.record_participation(actor=people["city_b"], outflow=outflow, on=timezone.localdate(),
                                           note="参加主题党日")
    assert before.delta() == {"outflows": 0, "records": 1, "history": 0, "audit": 1}
    assert record.organization == world.branch_b and last_entry().action == "member.outflow_participation"
    assert Outflow.objects.get(pk=outflow.pk).last_contact_on == timezone.localdate()
    # Taking part there gives no vote there.
    assert rules.may_vote_at(Member.objects.get(pk=people["m_plain"].pk), world.branch_b) is False
    assert rules.may_vote_at(Member.objects.get(pk=people["m_plain"].pk), world.branch_a) is True


def test_report_clears_lost_contact_and_return_ends_the_outflow(people, world):
    outflow = _outflow(people, world)
    services.update_member(actor=people["secretary"], member=people["m_plain"],
                           fields={"lost_contact": True, "lost_contact_since": outflow.left_on})
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        mobility.record_report(actor=people["secretary"], outflow=outflow, on=timezone.localdate(), note="")
    assert "note" in exc.value.message_dict and before.unchanged()
    mobility.record_report(actor=people["secretary"], outflow=outflow, on=timezone.localdate(), note="电话汇报思想和工作")
    assert before.delta() == {"outflows": 0, "records": 1, "history": 1, "audit": 1}
    assert not Member.objects.get(pk=people["m_plain"].pk).lost_contact
    outflow.refresh_from_db()
    assert outflow.last_report_on == timezone.localdate()
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        mobility.record_return(actor=people["secretary"], outflow=outflow, returned_on=None)
    assert "returned_on" in exc.value.message_dict and before.unchanged()
    mobility.record_return(actor=people["secretary"], outflow=outflow, returned_on=timezone.localdate())
    assert before.delta() == {"outflows": 0, "records": 0, "history": 1, "audit": 1}
    member = Member.objects.get(pk=people["m_plain"].pk)
    assert not member.is_outflow and member.outflow_destination == ""
    with pytest.raises(ValidationError) as exc:
        mobility.record_report(actor=people["secretary"], outflow=outflow, on=timezone.localdate(), note="x")
    assert "outflow" in exc.value.message_dict
    testing.assert_rollups_exact()


def test_warnings_six_months_without_contact_and_two_years_after_a_stop(people, world):
    today = timezone.localdate()
    outflow = _outflow(people, world, left_on=rules.add_months(today, -7))
    assert mobility_selectors.warnings_of(actor=people["secretary"], organization=world.branch_a) == []
    Outflow.objects.filter(pk=outflow.pk).update(last_contact_on=rules.add_months(today, -6))
    warnings = mobility_selectors.warnings_of(actor=people["secretary"], organization=world.branch_a)
    assert [w["kind"] for w in warnings] == ["no_contact"]
    # A report puts the member back in contact.
    mobility.record_report(actor=people["secretary"], outflow=outflow, on=today, note="汇报")
    assert mobility_selectors.warnings_of(actor=people["secretary"], organization=world.branch_a) == []
    Member.objects.filter(pk=people["m_sec"].pk).update(standing="suspended",
                                                        standing_since=rules.add_months(today, -24))
    warnings = mobility_selectors.warnings_of(actor=people["secretary"], organization=world.branch_a)
    assert [(w["kind"], w["member"].pk) for w in warnings] == [("strike_off", people["m_sec"].pk)]
    # Seen from the city above too; not by a caller without the capability there.
    assert len(mobility_selectors.warnings_of(actor=people["city_a"], organization=world.city_a)) == 1
    assert mobility_selectors.warnings_of(actor=people["discipline"], organization=world.city_a) == []


# --- pages -------------------------------------------------------------------------------

def test_outflow_page_round_trip(client, people, world):
    client.force_login(people["secretary"])
    response = client.post(f"/members/{people['m_plain'].pk}/outflow/", {
        "destination": "深圳", "host_code": "nope", "reason": "务工", "left_on": "2026-01-01", "contact": "x"})
    assert response.status_code == 200 and "没有找到代码为 nope 的党组织" in response.content.decode()
    response = client.post(f"/members/{people['m_plain'].pk}/outflow/", {
        "destination": "深圳", "host_code": world.branch_b.code, "reason": "务工",
        "left_on": (timezone.localdate() - timedelta(days=3)).isoformat(), "contact": "13800138000",
        "issue_certificate": "on"})
    assert response.status_code == 302
    outflow = Outflow.objects.get(member=people["m_plain"])
    assert outflow.host_organization == world.branch_b and outflow.certificate_number
    page = client.get(f"/members/mobility/in/{world.branch_a.pk}/").content.decode()
    assert "深圳" in page and outflow.certificate_number in page
    response = client.post(f"/members/mobility/{outflow.pk}/certificate/", {"valid_until": "garbage"})
    assert response.status_code == 302
    response = client.post(f"/members/mobility/{outflow.pk}/report/", {"on": "not a date", "note": ""})
    assert response.status_code == 200 and 'data-field-error="note"' in response.content.decode()

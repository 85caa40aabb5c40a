"""Service tests of member writes: one audit entry per write, field-keyed errors, nothing written on failure."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangwu import testing
from dangwu.core import crypto
from dangwu.core.models import AuditEntry
from dangwu.members import records, rules, selectors, services
from dangwu.members.models import Member, StandingChange
from dangwu.orgs.models import Organization

BIRTH = date(1988, 8, 8)
# Region 430103 (天心区) keeps these numbers apart from the fixtures' (430102).
NEW_ID = testing.make_id_number(BIRTH, male=True, region="430103", serial=7)


def valid_fields(**overrides):
    fields = dict(name="刘备", gender="male", birth_date=BIRTH, member_type="full",
                  applied_on=date(2009, 3, 1), joined_on=date(2012, 7, 1), converted_on=date(2013, 7, 1))
    fields.update(overrides)
    return fields


def Snapshot() -> testing.Snapshot:  # noqa: N802  (reads like the class it builds)
    """Counts of every table a member write touches."""
    return testing.Snapshot(members=Member.objects, history=Member.history, standing=StandingChange.objects,
                            audit=AuditEntry.objects)


last_entry = testing.last_audit_entry


# --- create_member -------------------------------------------------------------------

def test_create_member_writes_the_record_and_one_audit_entry(people, world):
    before = Snapshot()
    member = services.create_member(actor=people["secretary"], organization=world.branch_a,
                                    fields=valid_fields(), id_number=NEW_ID, phone="138 0013 9999")
    assert before.delta() == {"members": 1, "history": 1, "standing": 0, "audit": 1}
    entry = last_entry()
    assert entry.action == "member.create"
    assert entry.organization_id_value == world.branch_a.pk
    assert entry.actor == people["secretary"]
    assert entry.target_type == "members.member" and entry.target_id == str(member.pk)
    assert member.name_pinyin == "liubei" and member.name_initials == "lb"
    assert member.phone == "13800139999"
    assert member.phone_masked == "138****9999"


def test_id_number_is_stored_encrypted_and_hashed(people, world):
    member = services.create_member(actor=people["secretary"], organization=world.branch_a,
                                    fields=valid_fields(), id_number=NEW_ID, phone="13800139999")
    raw = Member.objects.filter(pk=member.pk).values(
        "id_number_encrypted", "id_number_hash", "id_number_masked", "phone_encrypted").get()
    assert NEW_ID not in raw["id_number_encrypted"]
    assert NEW_ID[6:14] not in raw["id_number_encrypted"]
    assert raw["id_number_hash"] != NEW_ID
    assert NEW_ID not in raw["id_number_hash"]
    assert raw["id_number_hash"] == crypto.lookup_hash(NEW_ID)
    assert raw["id_number_masked"] == NEW_ID[:4] + "*" * 10 + NEW_ID[-4:]
    assert "13800139999" not in raw["phone_encrypted"]
    fresh = Member.objects.get(pk=member.pk)
    assert fresh.id_number == NEW_ID
    assert fresh.phone == "13800139999"
    # nothing in the history table carries the clear number either
    for row in fresh.history.values():
        assert NEW_ID not in json.dumps(row, default=str)


def test_lowercase_x_is_stored_upper_case(people, world):
    number = next(n for n in (testing.make_id_number(BIRTH, region="430103", serial=s) for s in range(500))
                  if n.endswith("X"))
    member = services.create_member(actor=people["secretary"], organization=world.branch_a,
                                    fields=valid_fields(), id_number=number.lower())
    assert Member.objects.get(pk=member.pk).id_number == number


BAD_INPUT = {
    "id_bad_checksum": ("id_number", {}, dict(id_number=NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"))),
    "id_wrong_length": ("id_number", {}, dict(id_number=NEW_ID[:-1])),
    "birth_date_disagrees": ("birth_date", {"birth_date": BIRTH + timedelta(days=1)}, {}),
    "gender_disagrees": ("gender", {"gender": "female"}, {}),
    "joined_before_18": ("joined_on", {"applied_on": None, "joined_on": date(2005, 1, 1),
                                       "converted_on": date(2006, 1, 1)}, {}),
    "converted_before_joined": ("converted_on", {"converted_on": date(2012, 6, 30)}, {}),
    "joined_in_future": ("joined_on", {"joined_on": date.today() + timedelta(days=3), "converted_on": None,
                                       "member_type": "probationary"}, {}),
    "phone_malformed": ("phone", {}, dict(phone="12345")),
    "outflow_without_destination": ("outflow_destination", {"is_outflow": True}, {}),
    "lost_contact_without_date": ("lost_contact_since", {"lost_contact": True}, {}),
    "missing_name": ("name", {"name": ""}, {}),
    "unknown_choice": ("member_type", {"member_type": "honorary"}, {}),
    "work_started_before_birth": ("work_started_on", {"work_started_on": BIRTH - timedelta(days=1)}, {}),
    "work_started_at_13": ("work_started_on", {"work_started_on": date(2002, 8, 7)}, {}),
    "work_started_in_future": ("work_started_on", {"work_started_on": date.today() + timedelta(days=40)}, {}),
    "dues_paid_13_months_ahead": ("dues_paid_until", {"dues_paid_until": date.today() + timedelta(days=400)}, {}),
    "lost_contact_in_future": ("lost_contact_since", {"lost_contact": True,
                                                      "lost_contact_since": date.today() + timedelta(days=2)}, {}),
    "lost_contact_before_joining": ("lost_contact_since", {"lost_contact": True,
                                                           "lost_contact_since": date(2012, 6, 30)}, {}),
}


def test_plausible_work_dues_and_lost_contact_dates_are_accepted(people, world):
    member = services.create_member(
        actor=people["secretary"], organization=world.branch_a, id_number=NEW_ID,
        fields=valid_fields(work_started_on=date(2002, 8, 8), dues_paid_until=date.today() + timedelta(days=330),
                            lost_contact=True, lost_contact_since=date(2012, 7, 1)))
    assert member.work_started_on == date(2002, 8, 8)  # 14 years to the day after birth


def test_update_checks_the_dates_too(people):
    member = people["m_plain"]
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_member(actor=people["secretary"], member=member,
                               fields={"work_started_on": member.birth_date, "lost_contact": True,
                                       "lost_contact_since": member.joined_on - timedelta(days=1)})
    assert set(info.value.message_dict) == {"work_started_on", "lost_contact_since"}
    assert before.unchanged()


def test_no_member_is_created_in_a_dissolved_organization(people, world):
    Organization.objects.filter(pk=world.branch_a.pk).update(dissolved_on=date(2025, 1, 1))
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_member(actor=people["city_a"], organization=world.branch_a, fields=valid_fields(),
                               id_number=NEW_ID)
    assert set(info.value.message_dict) == {"organization"}
    assert before.unchanged()
    # reported with the record's own errors, all at once
    with pytest.raises(ValidationError) as info:
        services.create_member(actor=people["city_a"], organization=world.branch_a,
                               fields=valid_fields(name=""), id_number=NEW_ID)
    assert set(info.value.message_dict) == {"organization", "name"}
    assert before.unchanged()


def test_save_maps_only_the_id_number_unique_violation(people, world):
    from django.db import IntegrityError, transaction

    def unsaved(**fields):
        member = Member(organization=world.branch_a, name="刘备", gender="male", birth_date=BIRTH, member_type="full",
                        joined_on=date(2012, 7, 1), **fields)
        member.set_id_number(NEW_ID)
        return member

    taken = unsaved()
    taken.set_id_number(people["m_b"].id_number)
    with pytest.raises(ValidationError) as info, transaction.atomic():
        records.save_record(taken)
    assert set(info.value.message_dict) == {"id_number"}
    # another constraint (converted before joined) is not an ID number problem: it is raised as it is
    with pytest.raises(IntegrityError), transaction.atomic():
        records.save_record(unsaved(converted_on=date(2012, 6, 30)))
    assert not Member.objects.filter(name="刘备").exists()


@pytest.mark.parametrize("field, overrides, extra", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_create_member_bad_input_is_keyed_by_field_and_writes_nothing(people, world, field, overrides, extra):
    kwargs = dict(id_number=NEW_ID, phone="13800139999")
    kwargs.update(extra)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_member(actor=people["secretary"], organization=world.branch_a,
                               fields=valid_fields(**overrides), **kwargs)
    assert set(info.value.message_dict) == {field}
    assert all(info.value.message_dict[field])
    assert before.unchanged()


def test_duplicate_id_number_in_another_record_is_refused(people, world):
    # the number belongs to a member of city B's branch, outside the secretary's scope
    other = people["m_b"]
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_member(actor=people["secretary"], organization=world.branch_a,
                               fields=valid_fields(birth_date=other.birth_date), id_number=other.id_number)
    assert set(info.value.message_dict) == {"id_number"}
    assert "已登记" in info.value.message_dict["id_number"][0]
    assert before.unchanged()


def test_full_width_id_number_of_an_existing_member_is_a_duplicate(people, world):
    other = people["m_b"]
    # region code typed in ASCII, the rest by a Chinese IME in full width
    typed = other.id_number[:6] + other.id_number[6:].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_member(actor=people["secretary"], organization=world.branch_a,
                               fields=valid_fields(birth_date=other.birth_date), id_number=typed)
    assert set(info.value.message_dict) == {"id_number"}
    assert "已登记" in info.value.message_dict["id_number"][0]
    assert before.unchanged()


def test_full_width_id_number_is_stored_as_ascii(people, world):
    typed = NEW_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    member = services.create_member(actor=people["secretary"], organization=world.branch_a,
                                    fields=valid_fields(), id_number=typed, phone="１３８００１３９９９９")
    fresh = Member.objects.get(pk=member.pk)
    assert fresh.id_number == NEW_ID
    assert fresh.id_number_hash == crypto.lookup_hash(NEW_ID)
    assert fresh.phone == "13800139999"


def test_unknown_field_is_refused(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_member(actor=people["secretary"], organization=world.branch_a,
                               fields=valid_fields(standing="expelled"), id_number=NEW_ID)
    assert set(info.value.message_dict) == {"standing"}
    assert before.unchanged()


@pytest.mark.parametrize("caller", ["sibling", "city_b", "plain", "discipline", "auditor"])
def test_create_member_out_of_scope_is_denied_and_writes_nothing(people, world, caller):
    before = Snapshot()
    with pytest.raises(PermissionDenied):
        services.create_member(actor=people[caller], organization=world.branch_a,
                               fields=valid_fields(), id_number=NEW_ID)
    assert before.unchanged()


@pytest.mark.parametrize("caller", ["city_a", "province"])
def test_create_member_by_an_ancestor_org_department(people, world, caller):
    before = Snapshot()
    services.create_member(actor=people[caller], organization=world.branch_a, fields=valid_fields(),
                           id_number=NEW_ID)
    assert before.delta()["audit"] == 1
    assert last_entry().actor == people[caller]


# --- update_member -------------------------------------------------------------------

def test_update_member_keeps_history_and_audits_the_changed_fields(people, world):
    member = people["m_plain"]
    before = Snapshot()
    history_before = member.history.count()
    updated = services.update_member(actor=people["secretary"], member=member,
                                     fields={"work_unit": "长沙银行", "job_title": "科员", "name": "张三"},
                                     reason="单位变动")
    assert before.delta() == {"members": 0, "history": 1, "standing": 0, "audit": 1}
    assert updated.history.count() == history_before + 1
    newest, previous = updated.history.order_by("-history_id")[:2]
    assert newest.work_unit == "长沙银行"
    assert previous.work_unit == ""
    assert newest.history_change_reason == "单位变动"
    entry = last_entry()
    assert entry.action == "member.update"
    assert entry.organization_id_value == world.branch_a.pk
    assert entry.summary["fields"] == ["job_title", "work_unit"]  # name was unchanged
    assert entry.summary["changes"]["work_unit"] == ["", "长沙银行"]


def test_update_of_id_and_phone_never_puts_them_in_the_audit_summary(people, world):
    member = people["m_plain"]
    old_id, old_phone = member.id_number, member.phone
    new_id = testing.make_id_number(member.birth_date, male=True, region="430103", serial=99)
    before = Snapshot()
    updated = services.update_member(actor=people["secretary"], member=member, fields={},
                                     id_number=new_id, phone="13912345678")
    assert before.delta()["audit"] == 1
    assert updated.id_number == new_id
    assert Member.objects.get(pk=member.pk).phone == "13912345678"
    summary = json.dumps(last_entry().summary, ensure_ascii=False)
    assert set(last_entry().summary["fields"]) == {"id_number", "phone"}
    for secret in (old_id, new_id, old_phone, "13912345678", old_id[6:14], "12345678"):
        assert secret not in summary
    # the old ID number is still in the history (encrypted), so it can be recovered
    previous = updated.history.order_by("-history_id")[1]
    assert crypto.decrypt(previous.id_number_encrypted) == old_id


def test_update_member_with_no_changes_writes_nothing(people, world):
    member = people["m_plain"]
    before = Snapshot()
    services.update_member(actor=people["secretary"], member=member,
                           fields={"name": member.name, "joined_on": member.joined_on},
                           id_number=member.id_number.lower(), phone=member.phone)
    assert before.unchanged()


def test_update_member_bad_input_is_keyed_and_writes_nothing(people, world):
    member = people["m_plain"]
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_member(actor=people["secretary"], member=member,
                               fields={"converted_on": member.joined_on - timedelta(days=1)})
    assert set(info.value.message_dict) == {"converted_on"}
    with pytest.raises(ValidationError) as info:
        services.update_member(actor=people["secretary"], member=member, fields={},
                               id_number=people["m_sec"].id_number)
    assert set(info.value.message_dict) == {"id_number"}
    with pytest.raises(ValidationError) as info:
        services.update_member(actor=people["secretary"], member=member, fields={}, phone="0731-1")
    assert set(info.value.message_dict) == {"phone"}
    with pytest.raises(ValidationError) as info:
        services.update_member(actor=people["secretary"], member=member, fields={"gender": "female"})
    assert set(info.value.message_dict) == {"gender"}
    assert before.unchanged()
    assert Member.objects.get(pk=member.pk).converted_on == member.converted_on


def test_update_member_unknown_field_is_refused_by_name(people):
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.update_member(actor=people["secretary"], member=people["m_plain"],
                               fields={"bogus": 1, "standing": "expelled", "work_unit": "x"})
    assert set(info.value.message_dict) == {"bogus", "standing"}
    assert before.unchanged()


@pytest.mark.parametrize("caller", ["sibling", "city_b", "plain", "discipline"])
def test_update_member_out_of_scope_is_denied(people, caller):
    before = Snapshot()
    with pytest.raises(PermissionDenied):
        services.update_member(actor=people[caller], member=people["m_plain"], fields={"work_unit": "x"})
    assert before.unchanged()
    assert Member.objects.get(pk=people["m_plain"].pk).work_unit == ""


# --- change_standing -----------------------------------------------------------------

def test_suspend_and_restore(people, world):
    member = people["m_plain"]
    before = Snapshot()
    change = services.change_standing(actor=people["secretary"], member=member, new_standing="suspended",
                                      effective_on=date(2024, 3, 1), reason="失联超过6个月", document_number=" 芙组〔2024〕3号 ")
    assert (change.from_standing, change.to_standing) == ("normal", "suspended")
    assert change.document_number == "芙组〔2024〕3号"
    assert before.delta() == {"members": 0, "history": 1, "standing": 1, "audit": 1}
    fresh = Member.objects.get(pk=member.pk)
    assert (fresh.standing, fresh.standing_since) == ("suspended", date(2024, 3, 1))
    entry = last_entry()
    assert entry.action == "member.standing"
    assert entry.organization_id_value == world.branch_a.pk
    assert entry.summary["from"] == "normal" and entry.summary["to"] == "suspended"

    services.change_standing(actor=people["secretary"], member=fresh, new_standing="normal",
                             effective_on=date(2024, 9, 1), reason="恢复联系，恢复党籍")
    assert before.delta() == {"members": 0, "history": 2, "standing": 2, "audit": 2}
    assert Member.objects.get(pk=member.pk).standing == "normal"


def test_after_expulsion_no_further_change(people):
    member = people["m_plain"]
    services.change_standing(actor=people["city_a"], member=member, new_standing="expelled",
                             effective_on=date(2025, 1, 10), reason="严重违纪")
    before = Snapshot()
    for new in ("normal", "suspended", "deceased", "expelled"):
        with pytest.raises(ValidationError) as info:
            services.change_standing(actor=people["city_a"], member=member, new_standing=new,
                                     effective_on=date(2025, 2, 1), reason="复查")
        assert set(info.value.message_dict) == {"new_standing"}
    assert before.unchanged()
    assert Member.objects.get(pk=member.pk).standing == "expelled"


def test_standing_change_cannot_predate_the_current_standing(people):
    member = people["m_plain"]
    services.change_standing(actor=people["secretary"], member=member, new_standing="suspended",
                             effective_on=date(2024, 3, 1), reason="失联超过6个月")
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.change_standing(actor=people["secretary"], member=member, new_standing="normal",
                                 effective_on=date(2024, 2, 29), reason="恢复党籍")
    assert set(info.value.message_dict) == {"effective_on"}
    assert "2024-03-01" in info.value.message_dict["effective_on"][0]
    assert before.unchanged()
    # the same day is accepted
    services.change_standing(actor=people["secretary"], member=member, new_standing="normal",
                             effective_on=date(2024, 3, 1), reason="当日恢复联系")
    assert Member.objects.get(pk=member.pk).standing == "normal"


@pytest.mark.parametrize("kwargs, field", [
    (dict(effective_on=None), "effective_on"),
    (dict(reason=""), "reason"),
    (dict(reason="   "), "reason"),
    (dict(new_standing="retired"), "new_standing"),
    (dict(new_standing="normal"), "new_standing"),
    (dict(effective_on=date(2009, 1, 1)), "effective_on"),  # before joining
])
def test_change_standing_bad_input(people, kwargs, field):
    args = dict(new_standing="suspended", effective_on=date(2024, 3, 1), reason="原因")
    args.update(kwargs)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.change_standing(actor=people["secretary"], member=people["m_plain"], **args)
    assert set(info.value.message_dict) == {field}
    assert before.unchanged()


def test_change_standing_future_date_is_refused(people):
    tomorrow = timezone.localdate() + timedelta(days=1)
    before = Snapshot()
    with pytest.raises(ValidationError) as info:
        services.change_standing(actor=people["secretary"], member=people["m_plain"], new_standing="suspended",
                                 effective_on=tomorrow, reason="原因")
    assert set(info.value.message_dict) == {"effective_on"}
    assert before.unchanged()
    # today itself is accepted
    services.change_standing(actor=people["secretary"], member=people["m_plain"], new_standing="suspended",
                             effective_on=timezone.localdate(), reason="原因")
    assert before.delta()["audit"] == 1


@pytest.mark.parametrize("caller", ["sibling", "city_b", "plain", "sysadmin", "discipline"])
def test_change_standing_without_the_capability_in_scope_is_denied(people, caller):
    before = Snapshot()
    with pytest.raises(PermissionDenied):
        services.change_standing(actor=people[caller], member=people["m_plain"], new_standing="suspended",
                                 effective_on=date(2024, 3, 1), reason="原因")
    assert before.unchanged()


# --- reveal_id_number, reveal_phone ------------------------------------------------------

@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_reveal_sensitive_is_audited(people, world, field):
    member = people["m_plain"]
    before = Snapshot()
    value = services.REVEAL[field](actor=people["secretary"], member=member)
    assert value == getattr(Member.objects.get(pk=member.pk), field)
    assert value and "*" not in value
    assert before.delta() == {"members": 0, "history": 0, "standing": 0, "audit": 1}
    entry = last_entry()
    assert entry.action == f"member.view_{field}"
    assert entry.organization_id_value == world.branch_a.pk
    assert entry.target_id == str(member.pk)
    assert value not in json.dumps(entry.summary)


@pytest.mark.parametrize("caller", ["discipline", "province", "city_a"])
def test_reveal_sensitive_by_higher_levels(people, caller):
    before = Snapshot()
    assert services.reveal_id_number(actor=people[caller], member=people["m_plain"]) == people["m_plain"].id_number
    assert before.delta()["audit"] == 1


def test_reveal_sensitive_refused_without_the_capability(people, world):
    committee = testing.make_user("committee_a", ("branch_committee", world.branch_a))
    worker = testing.make_user("worker_a", ("party_worker", world.branch_a))
    before = Snapshot()
    for actor in (committee, worker, people["sysadmin"], people["auditor"], people["secretary"],
                  people["sibling"], people["city_b"]):
        for field in ("id_number", "phone"):
            with pytest.raises(PermissionDenied):
                services.REVEAL[field](actor=actor, member=people["m_plain"] if actor != people["secretary"]
                                       else people["m_other"])
    for field in ("id_number", "phone"):  # a plain member: not another member's, even of their own branch
        with pytest.raises(PermissionDenied):
            services.REVEAL[field](actor=people["plain"], member=people["m_sec"])
    assert before.unchanged()


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_a_member_reveals_their_own_numbers_audited_once_each_time(people, world, field):
    """Their own data: a member without any role reads their own full numbers; each reading is one
    audit entry of the same action a cadre's reading records."""
    me = people["m_plain"]
    before = Snapshot()
    for _time in range(2):
        assert services.REVEAL[field](actor=people["plain"], member=me) == getattr(me, field)
    assert before.delta() == {"members": 0, "history": 0, "standing": 0, "audit": 2}
    entry = last_entry()
    assert entry.action == f"member.view_{field}" and entry.actor == people["plain"]
    assert entry.target_id == str(me.pk) and entry.organization_id_value == world.branch_a.pk


def test_reveal_sensitive_only_for_sensitive_fields():
    """One audited reading per sensitive field, each with its own action; nothing else is revealed."""
    assert set(services.REVEAL) == rules.SENSITIVE
    assert {field: service.audit_action for field, service in services.REVEAL.items()} == {
        "id_number": "member.view_id_number", "phone": "member.view_phone"}


# --- the timeline (selectors.timeline) ------------------------------------------------

def _move(member, org, reason):
    member.organization = org
    member._change_reason = reason
    member.save()


def test_timeline_reads_organization_names_in_one_query(people, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = Member.objects.get(pk=people["m_plain"].pk)
    for org in (world.branch_a2, world.county_a, world.branch_b, world.branch_a):
        _move(member, org, "组织关系转接")
    with CaptureQueriesContext(connection) as queries:
        events = selectors.timeline(member=member)
    assert len(queries) == 2, [q["sql"] for q in queries]  # the history, the organization names
    label = str(Member._meta.get_field("organization").verbose_name)
    moves = [change for event in events for change in event.changes if change[0] == label]
    assert moves[0] == (label, world.branch_b.name, world.branch_a.name)
    assert moves[-1] == (label, world.branch_a.name, world.branch_a2.name)
    assert len(moves) == 4


def test_timeline_says_yes_and_no_in_the_language_of_the_page(people):
    from django.utils import translation

    member = Member.objects.get(pk=people["m_plain"].pk)
    member.in_hardship = True
    member.save()
    with translation.override("en"):
        change = selectors.timeline(member=member)[0].changes[0]
    assert change[1:] == ("No", "Yes")
    with translation.override("zh-hans"):
        assert selectors.timeline(member=member)[0].changes[0][1:] == ("否", "是")


def test_timeline_passes_the_recorded_reason_through(people):
    member = people["m_plain"]
    services.update_member(actor=people["secretary"], member=member, fields={"work_unit": "长沙银行"},
                           reason="  单位变动：调入长沙银行  ")
    services.change_standing(actor=people["secretary"], member=member, new_standing="suspended",
                             effective_on=date(2024, 3, 1), reason="失联超过6个月")
    recorded = [h.history_change_reason or "" for h in
                Member.objects.get(pk=member.pk).history.order_by("-history_date", "-history_id")]
    assert [event.reason for event in selectors.timeline(member=member)] == recorded

"""Service tests: each state change writes what it should and exactly its audit entries; refusals
name the field and leave nothing behind."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangwu.core.audit import Origin
from dangwu.core.models import AuditEntry
from dangwu.development import rules, services
from dangwu.development.models import Candidate, Document, Sponsor, Step, Vote
from dangwu.development.tests.conftest import VOTE_OK, advance, new_applicant, schedule
from dangwu.members.models import Member
from dangwu.testing import Snapshot, assert_rollups_exact, docx_with, make_id_number, make_user, pdf_with

pytestmark = pytest.mark.django_db


def audit_since(seq: int) -> list[str]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("action", flat=True))


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def snapshot():
    return Snapshot(candidates=Candidate.objects, steps=Step.objects, votes=Vote.objects, documents=Document.objects,
                    sponsors=Sponsor.objects, members=Member.objects, audit=AuditEntry.objects)


# --- applying ------------------------------------------------------------------------------------

def test_apply_online_creates_the_person_and_the_first_step(world):
    user = make_user("applicant1")
    seq = last_seq()
    number = make_id_number(date(2000, 1, 2), male=False, serial=31)
    candidate = services.apply_online(actor=user, organization=world.branch_a, name=" 周晓雯 ", id_number=number,
                                      phone="13912345678", work_unit="湖南大学",
                                      uploads=[services.Upload("入党申请书", "申请书.txt", "我志愿加入中国共产党".encode())])
    assert candidate.user == user and candidate.name == "周晓雯" and candidate.gender == "female"
    assert candidate.birth_date == date(2000, 1, 2) and candidate.id_number == number
    assert candidate.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert number not in candidate.id_number_encrypted
    assert candidate.stage == "applicant" and candidate.last_step == "application"
    assert candidate.due_on == rules.add_months(timezone.localdate(), 1)
    step = candidate.steps.get()
    assert step.code == "application" and step.done_on == timezone.localdate()
    assert candidate.documents.get().step == step
    assert audit_since(seq) == ["development.apply"]


@pytest.mark.parametrize(("change", "field"), [
    ({"id_number": "430102200001021234"}, "id_number"),
    ({"name": ""}, "name"),
    ({"phone": "12345"}, "phone"),
    ({"organization": "county"}, "organization"),
    ({"birth": "young"}, "applied_on"),
    ({"uploads": [services.Upload("材料", "a.docx", docx_with("机密★ 十年"))]}, "documents"),
    ({"uploads": [services.Upload("材料", "a.exe", b"MZ")]}, "documents"),
])
def test_apply_refusals_name_the_field_and_commit_nothing(world, change, field):
    user = make_user("applicant2")
    today = timezone.localdate()
    birth = rules.add_years(today, -18) + timedelta(days=1) if change.get("birth") == "young" else date(1999, 9, 9)
    kwargs = {"organization": world.county_a if change.get("organization") else world.branch_a,
              "name": change.get("name", "刘洋"), "id_number": change.get("id_number") or make_id_number(birth, serial=41),
              "phone": change.get("phone", ""), "uploads": change.get("uploads", [])}
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.apply_online(actor=user, **kwargs)
    assert field in info.value.message_dict, info.value.message_dict
    assert snap.unchanged()


def test_one_active_application_and_members_cannot_apply(world, people):
    user = make_user("applicant3")
    number = make_id_number(date(1999, 9, 9), serial=51)
    services.apply_online(actor=user, organization=world.branch_a, name="刘洋", id_number=number)
    with pytest.raises(ValidationError) as info:  # the branch that has it may know
        services.register_application(actor=people["secretary"], organization=world.branch_a, name="刘洋",
                                      id_number=number, applied_on=timezone.localdate())
    assert "正在办理" in info.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as info:
        services.apply_online(actor=user, organization=world.branch_a2, name="刘洋",
                              id_number=make_id_number(date(1999, 9, 10), serial=52))
    assert "user" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.register_application(actor=people["secretary"], organization=world.branch_a, name="张三",
                                      id_number=people["m_plain"].id_number, applied_on=timezone.localdate())
    assert "已是党员" in info.value.message_dict["id_number"][0]


@pytest.mark.parametrize("on_file", ["member", "applicant"])
@pytest.mark.parametrize("caller", ["online", "sibling"])
def test_a_number_on_file_out_of_sight_gets_one_neutral_answer_and_is_audited(world, people, on_file, caller):
    """The application form does not tell whoever can log in (an online applicant, another branch's
    secretary) whether a number belongs to a party member or an applicant elsewhere: one answer
    for both, and the look-up is audited even though the application is refused (issue 12, finding 7)."""
    if on_file == "member":
        number, found = people["m_plain"].id_number, people["m_plain"]
    else:
        found = new_applicant(people["secretary"], world.branch_a, serial=61)
        number = make_id_number(date(1998, 4, 12), serial=61)
    seq = last_seq()
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        if caller == "online":
            services.apply_online(actor=make_user("curious"), organization=world.branch_a2, name="张三",
                                  id_number=number, origin=Origin(ip="203.0.113.9"))
        else:
            services.register_application(actor=people["sibling"], organization=world.branch_a2, name="张三",
                                          id_number=number, applied_on=timezone.localdate())
    message = info.value.message_dict["id_number"][0]
    assert message == str(services.NOT_HERE) and "党员" not in message and "正在办理" not in message
    assert {k: v for k, v in snap.delta().items() if v} == {"audit": 1}  # nothing but the entry of the look-up
    assert audit_since(seq) == ["access.denied"]
    entry = AuditEntry.objects.get(seq__gt=seq)
    assert entry.summary["via"] == "application" and entry.summary["id"] == found.pk
    assert entry.organization_id_value == world.branch_a.pk and number not in str(entry.summary)


def test_register_application_is_the_branch_s(world, people):
    seq = last_seq()
    candidate = new_applicant(people["secretary"], world.branch_a, start=date(2024, 3, 1))
    assert candidate.user is None and not candidate.applied_online and candidate.last_step_on == date(2024, 3, 1)
    assert audit_since(seq) == ["development.apply"]
    with pytest.raises(PermissionDenied):
        new_applicant(people["sibling"], world.branch_a, serial=8)
    with pytest.raises(PermissionDenied):
        new_applicant(people["plain"], world.branch_a, serial=9)


# --- steps ------------------------------------------------------------------------------------------

def test_a_step_out_of_order_is_refused_with_the_reason(world, people):
    candidate = new_applicant(people["secretary"], world.branch_a)
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="activist_selected",
                             done_on=timezone.localdate())
    assert any("党组织派人谈话" in m for m in info.value.message_dict["code"])
    assert snap.unchanged()


@pytest.mark.parametrize(("done_on", "field"), [(date(2999, 1, 1), "done_on"), (None, "done_on")])
def test_step_dates_must_be_given_and_not_in_the_future(world, people, done_on, field):
    candidate = new_applicant(people["secretary"], world.branch_a)
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="first_talk", done_on=done_on)
    assert field in info.value.message_dict
    assert snap.unchanged()


def test_each_step_writes_one_audit_entry_and_moves_the_stage(world, people):
    candidate = new_applicant(people["secretary"], world.branch_a)
    dates = schedule(candidate.last_step_on)
    seq = last_seq()
    step = services.record_step(actor=people["secretary"], candidate=candidate, code="first_talk",
                                done_on=dates["first_talk"], body="党支部", responsible="李书记", notes="谈话顺利")
    assert audit_since(seq) == ["development.step"]
    entry = AuditEntry.objects.get(seq=seq + 1)
    assert entry.summary["step"] == "first_talk" and entry.organization_id_value == world.branch_a.pk
    candidate.refresh_from_db()
    assert (candidate.stage, candidate.last_step, candidate.due_on) == ("applicant", "first_talk", None)
    assert step.responsible == "李书记"
    services.record_step(actor=people["secretary"], candidate=candidate, code="activist_selected",
                         done_on=dates["activist_selected"])
    candidate.refresh_from_db()
    assert candidate.stage == "activist"
    assert candidate.history.count() == 3  # created, and one change per step


def test_target_selected_too_early_then_on_the_day(world, people, branch_a_sponsors):
    candidate = new_applicant(people["secretary"], world.branch_a)
    candidate = advance(candidate, "activist_training", branch=people["secretary"], superior=people["city_a"],
                        sponsors=branch_a_sponsors)
    activist = candidate.steps.get(code="activist_selected").done_on
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="target_selected",
                             done_on=rules.add_years(activist, 1) - timedelta(days=1))
    assert "一年以上" in info.value.message_dict["code"][0]
    assert snap.unchanged()
    services.record_step(actor=people["secretary"], candidate=candidate, code="target_selected",
                         done_on=rules.add_years(activist, 1))
    candidate.refresh_from_db()
    assert candidate.stage == "target"


def test_superior_steps_are_the_superior_committee_s(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "committee_review",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    day = schedule(candidate.steps.get(code="application").done_on)["superior_prereview"]
    for caller in ("secretary", "city_b", "sibling"):
        with pytest.raises(PermissionDenied):
            services.record_step(actor=people[caller], candidate=candidate, code="superior_prereview", done_on=day)
    services.record_step(actor=people["city_a"], candidate=candidate, code="superior_prereview", done_on=day)
    assert candidate.steps.filter(code="superior_prereview").exists()


@pytest.mark.parametrize(("numbers", "field"), [
    ({"should_attend": 10, "present": 5, "in_favour": 5}, "present"),  # no quorum
    ({"should_attend": 10, "present": 8, "in_favour": 5, "against": 3}, "in_favour"),  # no majority
    ({"should_attend": 10, "present": 11, "in_favour": 9}, "present"),  # impossible
    ({"should_attend": "x", "present": 8, "in_favour": 7}, "should_attend"),
    ({}, "should_attend"),
])
def test_a_vote_without_quorum_or_majority_is_refused(world, people, branch_a_sponsors, numbers, field):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "application_form",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    day = schedule(candidate.steps.get(code="application").done_on)["branch_admission_vote"]
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="branch_admission_vote",
                             done_on=day, vote=numbers)
    assert field in info.value.message_dict, info.value.message_dict
    assert snap.unchanged()


def test_admission_vote_needs_two_introducers_in_good_standing(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "application_form",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    day = schedule(candidate.steps.get(code="application").done_on)["branch_admission_vote"]
    introducer = people["m_plain"]
    Member.objects.filter(pk=introducer.pk).update(standing="suspended")  # the world changed since
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="branch_admission_vote",
                             done_on=day, vote=dict(VOTE_OK))
    assert any("党籍状态不正常" in m for m in info.value.message_dict["code"])


def test_superior_approval_makes_a_probationary_member(world, people, branch_a_sponsors):
    applicant = make_user("online_applicant")
    candidate = new_applicant(people["secretary"], world.branch_a)
    Candidate.objects.filter(pk=candidate.pk).update(user=applicant)
    candidate.refresh_from_db()
    candidate = advance(candidate, "superior_talk", branch=people["secretary"], superior=people["city_a"],
                        sponsors=branch_a_sponsors)
    dates = schedule(candidate.steps.get(code="application").done_on)
    seq = last_seq()
    services.record_step(actor=people["city_a"], candidate=candidate, code="superior_approval",
                         done_on=dates["superior_approval"])
    assert audit_since(seq) == ["member.create", "development.step"]
    candidate.refresh_from_db()
    member = candidate.member
    assert member.member_type == "probationary" and member.organization == world.branch_a
    assert member.joined_on == dates["branch_admission_vote"] and member.applied_on == dates["application"]
    assert member.id_number == candidate.id_number and member.user == applicant
    assert candidate.due_on == rules.add_months(rules.add_years(dates["branch_admission_vote"], 1), 1)
    assert assert_rollups_exact() > 0


def test_the_origin_reaches_both_entries_of_an_admission(world, people, branch_a_sponsors):
    """The superior committee's approval writes members' own entry and the step's, both from where the
    write came from (the origin, not the request)."""
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "superior_talk",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    seq = last_seq()
    services.record_step(actor=people["city_a"], candidate=candidate, code="superior_approval",
                         done_on=schedule(candidate.steps.get(code="application").done_on)["superior_approval"],
                         origin=Origin(ip="10.1.2.3"))
    entries = AuditEntry.objects.filter(seq__gt=seq).order_by("seq")
    assert [(e.action, e.ip_address) for e in entries] == [("member.create", "10.1.2.3"),
                                                           ("development.step", "10.1.2.3")]


def test_approval_more_than_six_months_after_the_vote_is_refused(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "superior_talk",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    vote = candidate.steps.get(code="branch_admission_vote").done_on
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["city_a"], candidate=candidate, code="superior_approval",
                             done_on=rules.add_months(vote, 6) + timedelta(days=1))
    assert "六个月" in info.value.message_dict["code"][0]
    assert snap.unchanged()


def test_conversion_makes_a_full_member_from_the_end_of_the_probation(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "branch_conversion_vote",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    dates = schedule(candidate.steps.get(code="application").done_on)
    seq = last_seq()
    services.record_step(actor=people["city_a"], candidate=candidate, code="conversion_approval",
                         done_on=dates["conversion_approval"])
    assert audit_since(seq) == ["member.update", "development.step"]
    member = Member.objects.get(pk=candidate.member_id)
    assert member.member_type == "full"
    assert member.converted_on == rules.add_years(dates["branch_admission_vote"], 1)
    services.record_step(actor=people["secretary"], candidate=candidate, code="archived", done_on=dates["archived"])
    candidate.refresh_from_db()
    assert candidate.status == "completed" and candidate.due_on is None
    assert candidate.steps.count() == 25
    assert assert_rollups_exact() > 0


def test_extension_moves_the_conversion_and_the_conversion_date(world, people, branch_a_sponsors):
    start = timezone.localdate() - timedelta(days=5 * 365)
    candidate = advance(new_applicant(people["secretary"], world.branch_a, start=start), "conversion_application",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    vote = candidate.steps.get(code="branch_admission_vote").done_on
    end = rules.add_years(vote, 1)
    for actor in ("secretary", "city_b"):
        with pytest.raises(PermissionDenied):
            services.extend_probation(actor=people[actor], candidate=candidate, months=6, decided_on=end, reason="x")
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.extend_probation(actor=people["city_a"], candidate=candidate, months=13, decided_on=end,
                                  reason="需要继续考察")
    assert "months" in info.value.message_dict and snap.unchanged()
    seq = last_seq()
    services.extend_probation(actor=people["city_a"], candidate=candidate, months=6, decided_on=end,
                              reason="需要继续考察")
    assert audit_since(seq) == ["development.extend"]
    with pytest.raises(ValidationError) as info:
        services.extend_probation(actor=people["city_a"], candidate=candidate, months=6, decided_on=end, reason="再次")
    assert any("一次" in m for m in info.value.message_dict["months"])
    new_end = rules.add_months(end, 6)
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="branch_conversion_vote",
                             done_on=new_end - timedelta(days=1), vote=dict(VOTE_OK))
    assert "延长" in info.value.message_dict["code"][0]
    services.record_step(actor=people["secretary"], candidate=candidate, code="branch_conversion_vote",
                         done_on=new_end, vote=dict(VOTE_OK))
    services.record_step(actor=people["city_a"], candidate=candidate, code="conversion_approval",
                         done_on=new_end + timedelta(days=5))
    assert Member.objects.get(pk=candidate.member_id).converted_on == new_end


def test_cancel_before_admission_ends_the_pipeline(world, people):
    candidate = new_applicant(people["secretary"], world.branch_a)
    seq = last_seq()
    services.cancel(actor=people["secretary"], candidate=candidate, on=timezone.localdate(), reason="本人撤回申请")
    assert audit_since(seq) == ["development.cancel"]
    candidate.refresh_from_db()
    assert candidate.status == "cancelled" and candidate.due_on is None
    with pytest.raises(ValidationError) as info:
        services.record_step(actor=people["secretary"], candidate=candidate, code="first_talk",
                             done_on=timezone.localdate())
    assert "终止" in info.value.message_dict["code"][0]


def test_cancelling_probationary_membership_is_the_superior_s_and_removes_the_member(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "oath",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    with pytest.raises(PermissionDenied):
        services.cancel(actor=people["secretary"], candidate=candidate, on=timezone.localdate(), reason="x")
    snap = snapshot()
    with pytest.raises(ValidationError) as info:
        services.cancel(actor=people["city_a"], candidate=candidate, on=timezone.localdate(), reason=" ")
    assert "reason" in info.value.message_dict and snap.unchanged()
    seq = last_seq()
    services.cancel(actor=people["city_a"], candidate=candidate, on=timezone.localdate(), reason="不履行党员义务")
    assert audit_since(seq) == ["member.standing", "development.cancel"]
    member = Member.objects.get(pk=candidate.member_id)
    assert member.standing == "disqualified" and "取消预备党员资格" in member.standing_changes.get().reason
    assert assert_rollups_exact() > 0


# --- sponsors and documents -------------------------------------------------------------------------

def test_sponsors(world, people):
    candidate = new_applicant(people["secretary"], world.branch_a)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as info:
        services.assign_sponsor(actor=people["secretary"], candidate=candidate, kind="contact",
                                member=people["m_sec"], assigned_on=today)
    assert "kind" in info.value.message_dict  # not an activist yet
    dates = schedule(candidate.last_step_on)
    for code in ("first_talk", "activist_selected"):
        services.record_step(actor=people["secretary"], candidate=candidate, code=code, done_on=dates[code])
    probationary = __import__("dangwu.testing", fromlist=["make_member"]).make_member(
        world.branch_a, name="钱七", member_type="probationary", joined_on=date(2025, 1, 1))
    with pytest.raises(ValidationError) as info:
        services.assign_sponsor(actor=people["secretary"], candidate=candidate, kind="contact", member=probationary,
                                assigned_on=today)
    assert "正式党员" in info.value.message_dict["member"][0]
    with pytest.raises(ValidationError) as info:
        services.assign_sponsor(actor=people["secretary"], candidate=candidate, kind="contact", member=people["m_b"],
                                assigned_on=today)
    assert "member" in info.value.message_dict  # outside the secretary's scope
    seq = last_seq()
    sponsor = services.assign_sponsor(actor=people["secretary"], candidate=candidate, kind="contact",
                                      member=people["m_sec"], assigned_on=today)
    assert audit_since(seq) == ["development.sponsor"]
    with pytest.raises(ValidationError):
        services.assign_sponsor(actor=people["secretary"], candidate=candidate, kind="contact",
                                member=people["m_sec"], assigned_on=today)
    services.remove_sponsor(actor=people["secretary"], sponsor=sponsor)
    assert audit_since(seq) == ["development.sponsor", "development.sponsor_remove"]
    assert not candidate.sponsors.exists()


@pytest.mark.parametrize(("name", "data", "title", "refused"), [
    ("申请书.docx", lambda: docx_with("入党申请书 我志愿加入中国共产党"), "入党申请书", False),
    ("政审.docx", lambda: docx_with("秘密★五年 政审材料"), "政审材料", True),
    ("政审.docx", lambda: docx_with("政审材料", header="机密★"), "政审材料", True),
    ("政审.txt", lambda: "机密★ 一年".encode("gb18030"), "政审", True),
    ("申请书.pdf", lambda: pdf_with("入党申请书 我志愿加入中国共产党"), "入党申请书", False),
    ("政审.pdf", lambda: pdf_with("秘密★五年 政审材料"), "政审材料", True),  # the platform's own kind of PDF
    ("x.pdf", lambda: b"%PDF-1.4 ...", "绝密★材料", True),
    ("damaged.pdf", lambda: b"%PDF-1.4 plain", "材料", True),  # cannot be read: cannot be checked
    ("empty.pdf", lambda: b"", "空", True),
])
def test_documents_with_a_classification_marking_are_refused(world, people, name, data, title, refused):
    data = data()
    candidate = new_applicant(people["secretary"], world.branch_a)
    snap = snapshot()
    if refused:
        with pytest.raises(ValidationError) as info:
            services.add_document(actor=people["secretary"], candidate=candidate,
                                  upload=services.Upload(title, name, data))
        assert "file" in info.value.message_dict
        assert snap.unchanged()
    else:
        seq = last_seq()
        document = services.add_document(actor=people["secretary"], candidate=candidate,
                                         upload=services.Upload(title, name, data))
        assert document.file.read() == data and audit_since(seq) == ["development.document"]


def test_files_check_is_the_core_guard_behind_the_types_and_size_of_this_door():
    from dangwu.development import files

    assert files.check_upload(name="a.pdf", title="材料", data=pdf_with("（绝密★）")) is not None
    assert files.check_upload(name="a.pdf", title="材料", data=pdf_with("入党申请书")) is None
    assert "只能上传" in files.check_upload(name="a.doc", title="材料", data=b"x")
    assert "密级" in files.check_upload(name="a.jpg", title="材料", data=pdf_with("秘密★"))  # a PDF renamed


def test_whole_pipeline_with_the_rules_of_every_step(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "archived",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    assert [s.code for s in candidate.steps.order_by("done_on", "id")] == rules.STEP_CODES
    assert candidate.status == "completed" and candidate.member.member_type == "full"
    assert Vote.objects.filter(step__candidate=candidate).count() == 2

"""Thought reports (思想汇报) and the 公示: one audit entry per write; refusals name the field and
leave nothing behind; the pages show the reminder and the comments only to those who may see them."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from dangwu.core.models import AuditEntry
from dangwu.development import rules, services
from dangwu.development.models import Candidate, ReportAttachment, ReportComment, Sponsor, ThoughtReport
from dangwu.development.tests.conftest import advance, new_applicant, publicity_start, schedule
from dangwu.development.tests.test_services import audit_since, last_seq
from dangwu.testing import Snapshot, docx_with, make_id_number, make_user

pytestmark = pytest.mark.django_db


def reports_snapshot():
    return Snapshot(reports=ThoughtReport.objects, attachments=ReportAttachment.objects,
                    comments=ReportComment.objects, audit=AuditEntry.objects)


@pytest.fixture
def writer(world):
    user = make_user("applicant_r")
    candidate = services.apply_online(actor=user, organization=world.branch_a, name="周晓雯",
                                      id_number=make_id_number(date(2000, 1, 2), male=False, serial=61))
    return user, candidate


# --- writing -------------------------------------------------------------------------------------

def test_the_person_writes_a_report_with_an_attachment(writer):
    user, candidate = writer
    seq = last_seq()
    report = services.submit_thought_report(
        actor=user, candidate=candidate, title=" 第一季度思想汇报 ", body="学习党章的体会……",
        uploads=[services.Upload("附件", "体会.txt", "学习体会".encode())])
    assert report.title == "第一季度思想汇报" and report.stage == "applicant"
    assert report.written_on == timezone.localdate()
    assert report.attachments.get().file_name == "体会.txt"
    candidate.refresh_from_db()
    assert candidate.last_report_on == timezone.localdate()
    assert audit_since(seq) == ["development.thought_report"]


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "题" * 121}, "title"),
    ({"body": "  "}, "body"),
    ({"body": "汇报 秘密★ 一年"}, "body"),
    ({"uploads": [services.Upload("附件", "a.docx", docx_with("绝密★ 长期"))]}, "attachments"),
    ({"uploads": [services.Upload("附件", "a.exe", b"MZ")]}, "attachments"),
    ({"uploads": [services.Upload("附件", f"{i}.txt", b"x") for i in range(6)]}, "attachments"),
])
def test_bad_reports_name_the_field_and_commit_nothing(writer, change, field):
    user, candidate = writer
    kwargs = {"title": "思想汇报", "body": "正文", "uploads": [], **change}
    snap = reports_snapshot()
    with pytest.raises(ValidationError) as caught:
        services.submit_thought_report(actor=user, candidate=candidate, **kwargs)
    assert field in caught.value.message_dict
    assert snap.unchanged()
    candidate.refresh_from_db()
    assert candidate.last_report_on is None


def test_only_the_person_writes_their_reports(writer, people):
    _user, candidate = writer
    snap = reports_snapshot()
    for actor in (people["secretary"], people["plain"]):
        with pytest.raises(PermissionDenied):
            services.submit_thought_report(actor=actor, candidate=candidate, title="代写", body="正文")
    assert snap.unchanged()


def test_no_report_after_the_pipeline_ended(writer, people):
    user, candidate = writer
    services.cancel(actor=people["secretary"], candidate=candidate, on=timezone.localdate(), reason="本人撤回")
    with pytest.raises(ValidationError) as caught:
        services.submit_thought_report(actor=user, candidate=candidate, title="汇报", body="正文")
    assert "body" in caught.value.message_dict


# --- comments -------------------------------------------------------------------------------------

def test_contact_person_and_secretary_comment_others_may_not(writer, people, world):
    user, candidate = writer
    report = services.submit_thought_report(actor=user, candidate=candidate, title="汇报", body="正文")
    Sponsor.objects.create(candidate=candidate, kind="contact", member=people["m_plain"], assigned_on=date(2024, 1, 3))
    seq = last_seq()
    by_contact = services.comment_thought_report(actor=people["plain"], report=report, body="认识较深刻，继续努力")
    by_secretary = services.comment_thought_report(actor=people["secretary"], report=report, body="已阅")
    assert by_contact.author_name == "张三" and by_contact.author_role == "培养联系人"
    assert by_secretary.author_role == "党组织"
    assert audit_since(seq) == ["development.thought_report_comment"] * 2
    snap = reports_snapshot()
    for actor in (people["sibling"], people["city_b"], people["discipline"], user):
        with pytest.raises(PermissionDenied):
            services.comment_thought_report(actor=actor, report=report, body="越权")
    with pytest.raises(ValidationError) as caught:
        services.comment_thought_report(actor=people["secretary"], report=report, body=" ")
    assert "body" in caught.value.message_dict
    assert snap.unchanged()


# --- pages ------------------------------------------------------------------------------------------

def test_writer_page_shows_the_comments_and_posts_a_report(writer, people):
    user, candidate = writer
    report = services.submit_thought_report(actor=user, candidate=candidate, title="汇报一", body="正文一")
    services.comment_thought_report(actor=people["secretary"], report=report, body="写得很实在")
    client = Client()
    client.force_login(user)
    page = client.get("/development/thought-reports/").content.decode()
    assert "汇报一" in page and "写得很实在" in page and "思想汇报" in page
    response = client.post("/development/thought-reports/", {"title": "", "body": ""})
    assert response.status_code == 200
    assert 'data-field-error="title"' in response.content.decode()
    response = client.post("/development/thought-reports/", {"title": "汇报", "body": "含 机密★ 标志"})
    assert response.status_code == 200 and "密级标志" in response.content.decode()
    assert candidate.thought_reports.count() == 1
    response = client.post("/development/thought-reports/", {"title": "汇报二", "body": "正文二"})
    assert response.status_code == 302
    assert candidate.thought_reports.count() == 2


def test_reports_page_scope(writer, people):
    user, candidate = writer
    services.submit_thought_report(actor=user, candidate=candidate, title="汇报一", body="正文一")
    url = f"/development/{candidate.pk}/thought-reports/"
    for caller, status in (("secretary", 200), ("city_a", 200), ("plain", 404), ("sibling", 404), ("city_b", 404)):
        client = Client()
        client.force_login(people[caller])
        assert client.get(url).status_code == status, caller
    Sponsor.objects.create(candidate=candidate, kind="contact", member=people["m_plain"], assigned_on=date(2024, 1, 3))
    client = Client()
    client.force_login(people["plain"])
    page = client.get(url).content.decode()
    assert "汇报一" in page and "提交评阅意见" in page
    client.force_login(people["city_a"])  # reads (DEVELOPMENT_VIEW) and, holding MANAGE above, comments
    assert "提交评阅意见" in client.get(url).content.decode()
    client.force_login(people["discipline"])  # reads within scope, may not comment
    page = client.get(url).content.decode()
    assert "汇报一" in page and "提交评阅意见" not in page


def test_reminder_after_the_quarter(world, people):
    secretary = people["secretary"]
    old = new_applicant(secretary, world.branch_a, start=timezone.localdate() - timedelta(days=91), serial=81,
                        name="老申请")
    new = new_applicant(secretary, world.branch_a, start=timezone.localdate() - timedelta(days=30), serial=82,
                        name="新申请")
    reported = new_applicant(secretary, world.branch_a, start=timezone.localdate() - timedelta(days=200), serial=83,
                             name="有汇报")
    Candidate.objects.filter(pk=reported.pk).update(last_report_on=timezone.localdate() - timedelta(days=10))
    from dangwu.development import selectors

    counts = selectors.stage_counts(actor=secretary, organization=world.branch_a)
    assert counts["reports"] == 1
    listed = list(selectors.board(actor=secretary, organization=world.branch_a, attention="reports"))
    assert listed == [old]
    assert selectors.progress_of(old).report_overdue and not selectors.progress_of(new).report_overdue
    client = Client()
    client.force_login(secretary)
    assert "没有提交思想汇报" in client.get(f"/development/{old.pk}/").content.decode()
    assert 'data-count="reports"' in client.get(f"/development/?org={world.branch_a.pk}").content.decode()
    with override_settings(DANGWU_THOUGHT_REPORT_DAYS=20):
        assert selectors.stage_counts(actor=secretary, organization=world.branch_a)["reports"] == 2


# --- 公示 ---------------------------------------------------------------------------------------------

def test_publicity_then_the_vote(world, people, branch_a_sponsors):
    secretary, city = people["secretary"], people["city_a"]
    candidate = advance(new_applicant(secretary, world.branch_a), "application_form", branch=secretary,
                        superior=city, sponsors=branch_a_sponsors)
    dates = schedule(candidate.steps.get(code="application").done_on)
    from dangwu.development.tests.conftest import VOTE_OK

    with pytest.raises(ValidationError) as caught:  # no 公示 yet: the vote is refused and says why
        services.record_step(actor=secretary, candidate=candidate, code="branch_admission_vote",
                             done_on=dates["branch_admission_vote"], vote=dict(VOTE_OK))
    assert any("公示" in m for m in caught.value.message_dict["code"])
    seq = last_seq()
    late = dates["branch_admission_vote"] - timedelta(days=2)
    candidate = services.start_publicity(actor=secretary, candidate=candidate, starts_on=late, notes="支部公示栏")
    assert candidate.publicity_ends_on == rules.publicity_end(late, 5) and candidate.publicity_working_days == 5
    assert audit_since(seq) == ["development.publicity"]
    with pytest.raises(ValidationError) as caught:  # the 公示 has not ended on the vote's day
        services.record_step(actor=secretary, candidate=candidate, code="branch_admission_vote",
                             done_on=dates["branch_admission_vote"], vote=dict(VOTE_OK))
    assert any("公示期" in m for m in caught.value.message_dict["code"])
    services.start_publicity(actor=secretary, candidate=candidate, starts_on=publicity_start(dates))
    services.record_step(actor=secretary, candidate=candidate, code="branch_admission_vote",
                         done_on=dates["branch_admission_vote"], vote=dict(VOTE_OK))
    with pytest.raises(ValidationError) as caught:
        services.start_publicity(actor=secretary, candidate=candidate, starts_on=publicity_start(dates))
    assert "starts_on" in caught.value.message_dict


@pytest.mark.parametrize(("when", "fragment"), [
    ("before_review", "支部委员会审查"), ("future", "晚于今天"), ("none", "请填写"), ("early", "不能早于")])
def test_publicity_refusals_name_the_field(world, people, branch_a_sponsors, when, fragment):
    secretary = people["secretary"]
    until = "political_review" if when == "before_review" else "committee_review"
    candidate = advance(new_applicant(secretary, world.branch_a), until, branch=secretary, superior=people["city_a"],
                        sponsors=branch_a_sponsors)
    review = candidate.steps.get(code=until).done_on
    starts_on = {"before_review": review, "future": timezone.localdate() + timedelta(days=1), "none": None,
                 "early": review - timedelta(days=1)}[when]
    snap = Snapshot(audit=AuditEntry.objects)
    with pytest.raises(ValidationError) as caught:
        services.start_publicity(actor=secretary, candidate=candidate, starts_on=starts_on)
    assert any(fragment in m for m in caught.value.message_dict["starts_on"])
    candidate.refresh_from_db()
    assert candidate.publicity_starts_on is None and snap.unchanged()
    with pytest.raises(PermissionDenied):
        services.start_publicity(actor=people["sibling"], candidate=candidate, starts_on=review)


@override_settings(DANGWU_PUBLICITY_WORKING_DAYS=7)
def test_publicity_period_is_a_setting(world, people, branch_a_sponsors):
    secretary = people["secretary"]
    candidate = advance(new_applicant(secretary, world.branch_a), "committee_review", branch=secretary,
                        superior=people["city_a"], sponsors=branch_a_sponsors)
    start = candidate.steps.get(code="committee_review").done_on
    candidate = services.start_publicity(actor=secretary, candidate=candidate, starts_on=start)
    assert candidate.publicity_working_days == 7 and candidate.publicity_ends_on == rules.publicity_end(start, 7)
    client = Client()
    client.force_login(secretary)
    page = client.get(f"/development/{candidate.pk}/").content.decode()
    assert "公示7个工作日" in page


def test_control_characters_are_refused_in_a_report_and_a_comment_on_the_page(writer, people):
    """One check per field (issue 12, finding 8): the page and the service refuse what the API does."""
    user, candidate = writer
    client = Client()
    client.force_login(user)
    response = client.post("/development/thought-reports/", {"title": "汇报\x1b[31m", "body": "正文"})
    assert response.status_code == 200 and 'data-field-error="title"' in response.content.decode()
    response = client.post("/development/thought-reports/", {"title": "汇报", "body": "正文\u202e文正"})
    assert response.status_code == 200 and 'data-field-error="body"' in response.content.decode()
    assert candidate.thought_reports.count() == 0
    report = services.submit_thought_report(actor=user, candidate=candidate, title="汇报", body="第一段\n第二段\t完")
    with pytest.raises(ValidationError) as caught:
        services.comment_thought_report(actor=people["secretary"], report=report, body="意见\x07")
    assert set(caught.value.message_dict) == {"body"}

"""One applicant through all 25 steps in headless Chromium: the branch secretary and the superior
committee (长沙市委组织部, demo-city) at work, the refusals when a step comes too early.
Screenshots land in test-artifacts/development-*.png."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from dangwu.development import rules
from dangwu.development.models import Candidate, Step
from dangwu.development.tests.conftest import publicity_start, schedule
from dangwu.members.models import Member
from dangwu.testing import make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DEMO_PASSWORD = "dangwu-demo-2026"


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"development-{name}.png"), full_page=True)


def _login(page, username, password=DEMO_PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def _record(page, candidate_pk, code, day, *, vote=None, training_days=None, expect_error=None):
    page.goto(f"/development/{candidate_pk}/")
    button = page.locator("#record-next")
    assert str(rules.STEPS[code].label) in button.inner_text()
    button.click()
    page.get_by_label("日期").fill(day.isoformat())
    for name, value in (vote or {}).items():
        page.locator(f"#id_{name}").fill(str(value))
    if training_days is not None:
        page.get_by_label("培训天数").fill(str(training_days))
    page.get_by_role("button", name="记录", exact=True).click()
    if expect_error:
        error = page.locator("[data-form-errors], [data-field-error]").first
        error.wait_for()
        text = page.locator("main form.card").inner_text()
        assert expect_error in text, text
        return
    page.wait_for_url(re.compile(rf"/development/{candidate_pk}/$"))
    page.get_by_text(f"已记录“{rules.STEPS[code].label}”").wait_for()


def test_an_applicant_through_all_25_steps(page, chromium, live_server, demo_province):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    start = timezone.localdate() - timedelta(days=4 * 365)
    dates = schedule(start)
    full = list(Member.objects.filter(organization=branch, member_type="full", standing="normal")
                .exclude(user=secretary).order_by("id")[:2])

    _login(page, "demo-secretary")
    page.get_by_role("link", name="发展党员", exact=True).click()
    page.wait_for_url(re.compile(r"/development/"))
    page.locator("#stage-counts").wait_for()
    _shot(page, "01-board")

    # the branch registers a paper application, four years ago
    page.get_by_role("link", name="登记入党申请").click()
    page.get_by_label("姓名").fill("欧阳明轩")
    page.get_by_label("公民身份号码").fill(make_id_number(start.replace(year=start.year - 22), serial=303))
    page.get_by_label("入党申请书落款日期").fill(start.isoformat())
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/development/\d+/$"))
    candidate = Candidate.objects.get(name="欧阳明轩")
    _shot(page, "02-person-after-application")

    # the talk before the application: refused
    _record(page, candidate.pk, "first_talk", start - timedelta(days=1), expect_error="不能早于上一步")
    for code in ("first_talk", "activist_selected", "activist_filed"):
        _record(page, candidate.pk, code, dates[code])
    # contact persons first: without them the step is refused
    _record(page, candidate.pk, "contacts_assigned", dates["contacts_assigned"], expect_error="培养联系人")
    page.goto(f"/development/{candidate.pk}/sponsors/")
    for member in full:
        page.get_by_label("类别").select_option("contact")
        page.get_by_label("党员").select_option(str(member.pk))
        page.get_by_label("确定日期").fill(dates["activist_selected"].isoformat())
        page.get_by_role("button", name="确定", exact=True).click()
        page.get_by_text("已确定培养联系人").wait_for()
    for code in ("contacts_assigned", "activist_training"):
        _record(page, candidate.pk, code, dates[code])
    # a development target a day before the full year: refused, and the page says from when
    early = rules.add_years(dates["activist_selected"], 1) - timedelta(days=1)
    _record(page, candidate.pk, "target_selected", early, expect_error="一年以上")
    _shot(page, "03-refused-too-early")
    for code in ("target_selected", "target_filed"):
        _record(page, candidate.pk, code, dates[code])
    page.goto(f"/development/{candidate.pk}/sponsors/")
    for member in full:
        page.get_by_label("类别").select_option("introducer")
        page.get_by_label("党员").select_option(str(member.pk))
        page.get_by_label("确定日期").fill(dates["target_selected"].isoformat())
        page.get_by_role("button", name="确定", exact=True).click()
        page.get_by_text("已确定入党介绍人").wait_for()
    for code in ("introducers_assigned", "political_review"):
        _record(page, candidate.pk, code, dates[code])
    _record(page, candidate.pk, "target_training", dates["target_training"], training_days=2, expect_error="三天")
    _record(page, candidate.pk, "target_training", dates["target_training"], training_days=3)
    _record(page, candidate.pk, "committee_review", dates["committee_review"])
    # the next step is the superior committee's: the secretary has no button for it
    page.goto(f"/development/{candidate.pk}/")
    assert page.locator("#record-next").count() == 0
    assert "上级党委预审" in page.locator("#next-step").inner_text()

    city = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    superior = city.new_page()
    superior.set_default_timeout(15000)
    _login(superior, "demo-city")
    superior.goto("/development/approvals/")
    superior.locator(f'#approvals tr[data-candidate="{candidate.pk}"]').wait_for()
    _shot(superior, "04-approvals")
    _record(superior, candidate.pk, "superior_prereview", dates["superior_prereview"])
    _record(page, candidate.pk, "application_form", dates["application_form"])
    # the 公示 before the vote: five working days from the day after the committee's review
    page.goto(f"/development/{candidate.pk}/")
    assert "尚未记录公示" in page.locator("#publicity").inner_text()
    page.locator("#publicity-link").click()
    page.get_by_label("公示开始日期").fill(publicity_start(dates).isoformat())
    page.get_by_role("button", name="记录", exact=True).click()
    page.get_by_text("已记录公示").wait_for()
    end = rules.publicity_end(publicity_start(dates))
    assert end.isoformat() in page.locator("#publicity").inner_text()
    _shot(page, "04b-publicity")
    vote = {"should_attend": 12, "present": 6, "in_favour": 6}  # exactly half present: no quorum
    _record(page, candidate.pk, "branch_admission_vote", dates["branch_admission_vote"], vote=vote,
            expect_error="会议无效")
    _shot(page, "05-vote-refused")
    vote = {"should_attend": 12, "present": 9, "in_favour": 8, "against": 1, "written_in_favour": 2}
    _record(page, candidate.pk, "branch_admission_vote", dates["branch_admission_vote"], vote=vote)
    _record(superior, candidate.pk, "superior_talk", dates["superior_talk"])
    late = rules.add_months(dates["branch_admission_vote"], 6) + timedelta(days=1)
    _record(superior, candidate.pk, "superior_approval", late, expect_error="六个月")
    _record(superior, candidate.pk, "superior_approval", dates["superior_approval"])
    member = Member.objects.get(development_record=candidate)
    assert member.member_type == "probationary" and member.joined_on == dates["branch_admission_vote"]
    _record(superior, candidate.pk, "approval_filed", dates["approval_filed"])
    for code in ("placed", "oath", "probation_education", "conversion_application"):
        _record(page, candidate.pk, code, dates[code])
    too_soon = rules.add_years(dates["branch_admission_vote"], 1) - timedelta(days=1)
    _record(page, candidate.pk, "branch_conversion_vote", too_soon, vote=vote, expect_error="预备期为一年")
    _record(page, candidate.pk, "branch_conversion_vote", dates["branch_conversion_vote"], vote=vote)
    _record(superior, candidate.pk, "conversion_approval", dates["conversion_approval"])
    _record(page, candidate.pk, "archived", dates["archived"])
    city.close()

    page.goto(f"/development/{candidate.pk}/")
    assert page.locator("#status-badge").inner_text() == "已完成"
    assert page.locator("#steps li.done").count() == 25
    _shot(page, "06-person-all-25-steps")
    member.refresh_from_db()
    assert member.member_type == "full"
    assert member.converted_on == rules.add_years(dates["branch_admission_vote"], 1)
    assert Step.objects.filter(candidate=candidate).count() == 25


def test_a_person_applies_online(page, demo_province):
    from django.contrib.auth import get_user_model

    from dangwu.testing import PASSWORD

    get_user_model().objects.create_user(username="applicant", password=PASSWORD, first_name="林小雨")
    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    _login(page, "applicant", PASSWORD)
    page.get_by_role("link", name="申请入党").click()
    page.locator("#branch-q").fill(branch.name[:4])
    page.locator(f"#org-{branch.pk}").check()
    page.get_by_label("姓名").fill("林小雨")
    page.get_by_label("公民身份号码").fill(make_id_number(timezone.localdate().replace(year=2000), male=False,
                                                         serial=404))
    _shot(page, "07-apply")
    page.get_by_role("button", name="提交入党申请").click()
    page.wait_for_url(re.compile(r"/development/\d+/$"))
    page.get_by_text("入党申请已提交").wait_for()
    assert "党组织派人谈话" in page.locator("#next-step").inner_text()
    assert page.locator("#record-next").count() == 0  # the applicant only reads their page
    _shot(page, "08-applicant-own-page")
    candidate = Candidate.objects.get(name="林小雨")
    assert candidate.organization == branch and candidate.applied_online

    # a thought report with an attachment; one with a 密级 marking is refused
    page.get_by_role("link", name="思想汇报").first.click()
    page.wait_for_url(re.compile(r"/development/thought-reports/$"))
    page.get_by_label("标题").fill("第一次思想汇报")
    page.get_by_label("正文").fill("通过学习党章，我进一步认识到……\n今后我将在工作中严格要求自己。")
    page.get_by_label("附件（可多份，最多5个）").set_input_files(
        files=[{"name": "学习笔记.txt", "mimeType": "text/plain", "buffer": "学习笔记".encode()}])
    page.get_by_role("button", name="提交思想汇报").click()
    page.get_by_text("思想汇报已提交").wait_for()
    assert "第一次思想汇报" in page.locator("#my-reports").inner_text()
    page.get_by_label("标题").fill("第二次")
    page.get_by_label("正文").fill("文件标有 秘密★ 字样")
    page.get_by_role("button", name="提交思想汇报").click()
    page.locator("[data-field-error=body]").wait_for()
    assert "密级" in page.locator("[data-field-error=body]").inner_text()
    _shot(page, "09-thought-report-written")

    # the branch secretary reads and comments; the applicant sees the comment
    branch_page = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                                   base_url=page.url.split("/development")[0]).new_page()
    branch_page.set_default_timeout(15000)
    _login(branch_page, "demo-secretary")
    branch_page.goto(f"/development/{candidate.pk}/")
    branch_page.locator("#reports-link").click()
    branch_page.wait_for_url(re.compile(rf"/development/{candidate.pk}/thought-reports/$"))
    report = candidate.thought_reports.get()
    branch_page.locator(f"#comment-{report.pk}").fill("汇报联系实际，认识较深刻。建议多读原著。")
    branch_page.get_by_role("button", name="提交评阅意见").click()
    branch_page.get_by_text("已提交评阅意见").wait_for()
    _shot(branch_page, "10-thought-report-commented")
    branch_page.context.close()
    page.goto("/development/thought-reports/")
    assert "建议多读原著" in page.locator(f"#report-{report.pk} [data-comments]").inner_text()
    _shot(page, "11-applicant-sees-comment")

"""The democratic evaluation in headless Chromium: the secretary opens the year's evaluation, two
members rate each other from their home page on 360 px phones, the secretary closes the rating,
changes one proposal with a reason and records the branch meeting's decision, which the members
then see in the publicity. Screenshots land in test-artifacts/ (ignored by git)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.elections import evaluation_services as services
from dangwu.elections.evaluation_models import Evaluation, EvaluationEntry, Rating, RatingRoll

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _wide(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def _as(chromium, live_server, username, viewport=PHONE):
    context = chromium.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    testing.browser_login(page, username, testing.PASSWORD)
    return context, page


def _rate_from_home(page, evaluation, choices, shot=None):
    page.goto("/")
    page.locator(f"#home-rate-{evaluation.pk}").click()
    page.wait_for_url(re.compile(r"/rate/$"))
    for entry, grade in choices.items():
        page.locator(f"label[for=g-{entry.pk}-{grade}]").click()
    assert not _wide(page)
    if shot:
        testing.screenshot(page, shot)
    page.locator("#rate-submit").click()
    page.locator("#own-rated").wait_for()


def test_two_members_rate_and_the_secretary_proposes_and_records_the_decision(chromium, live_server, people, world):
    wang = testing.make_member(world.branch_a, name="王芳", male=False, user=testing.make_user("member_a3"))
    context, page = _as(chromium, live_server, "sec_a", DESKTOP)
    page.goto(f"/elections/evaluation/org/{world.branch_a.pk}/")
    page.locator("#evaluation-open").click()
    page.wait_for_url(re.compile(r"/elections/evaluation/\d+/$"))
    page.locator("#advance").click()  # 开始党员互评
    page.locator("#go-rate").wait_for()
    context.close()
    evaluation = Evaluation.objects.get(organization=world.branch_a)
    assert evaluation.phase == "rating"
    entry = {m: EvaluationEntry.objects.get(evaluation=evaluation, member=m) for m in (people["m_sec"],
                                                                                      people["m_plain"], wang)}

    context, page = _as(chromium, live_server, "member_a")
    page.goto("/")
    assert page.locator("#own-evaluation").count() == 1
    testing.screenshot(page, "evaluation-home-card-360")
    _rate_from_home(page, evaluation, {entry[people["m_sec"]]: "excellent", entry[wang]: "basic"},
                    shot="evaluation-rate-360")
    assert not _wide(page)
    testing.screenshot(page, "evaluation-rated-360")
    context.close()
    context, page = _as(chromium, live_server, "member_a3")
    _rate_from_home(page, evaluation, {entry[people["m_sec"]]: "excellent", entry[people["m_plain"]]: "competent"})
    context.close()
    assert RatingRoll.objects.filter(evaluation=evaluation).count() == 2 and Rating.objects.count() == 4

    context, page = _as(chromium, live_server, "sec_a")
    page.goto(f"/elections/evaluation/{evaluation.pk}/")
    assert page.locator("#raters").inner_text() == "2"
    page.locator("#advance").click()  # 结束互评，生成建议等次
    page.locator("#decide-form").wait_for()
    # a roster of 3: the 30 % quota is 0, so 李书记's two 优秀 are suggested 合格; the committee proposes 优秀
    sec = page.locator(f"#entry-{entry[people['m_sec']].pk}")
    assert sec.locator("[data-suggested]").get_attribute("data-suggested") == "competent"
    form = page.locator(f"form[data-propose='{entry[people['m_sec']].pk}']")
    form.locator("select[name=grade]").select_option("excellent")
    form.get_by_role("button", name="保存意见").click()
    assert "理由" in page.locator(".alert-danger, .alert").first.inner_text()  # a reason is needed
    form = page.locator(f"form[data-propose='{entry[people['m_sec']].pk}']")
    form.locator("select[name=grade]").select_option("excellent")
    form.locator("input[name=reason]").fill("两人互评优秀，带头完成攻坚任务")
    form.get_by_role("button", name="保存意见").click()
    page.locator(f"#entry-{entry[people['m_sec']].pk} [data-proposed=excellent]").wait_for()
    assert not _wide(page)
    testing.screenshot(page, "evaluation-proposal-360")
    page.locator("#meeting_on").fill(timezone.localdate().isoformat())
    page.locator("#meeting_note").fill("应到 3 人，实到 3 人")
    page.locator("#decide").click()
    page.locator("#publicity-end").wait_for()
    assert not _wide(page)
    testing.screenshot(page, "evaluation-publicity-360")
    context.close()
    evaluation.refresh_from_db()
    assert evaluation.phase == "publicity"
    grades = dict(EvaluationEntry.objects.filter(evaluation=evaluation).values_list("member__name", "grade"))
    assert grades == {"李书记": "excellent", "张三": "competent", "王芳": "basic"}

    for name, viewport in (("360", PHONE), ("desktop", DESKTOP)):
        context, page = _as(chromium, live_server, "member_a", viewport)
        page.goto(f"/elections/evaluation/{evaluation.pk}/")
        assert page.locator("#entries [data-grade]").count() == 3  # the publicity, as the branch sees it
        assert page.locator("#manage-step").count() == 0 and page.locator("text=互评：").count() == 0
        assert not _wide(page)
        testing.screenshot(page, f"evaluation-publicity-member-{name}")
        context.close()
    context, page = _as(chromium, live_server, "sec_a", DESKTOP)
    page.goto(f"/elections/evaluation/{evaluation.pk}/")
    testing.screenshot(page, "evaluation-secretary-desktop")
    page.goto(f"/elections/evaluation/org/{world.county_a.pk}/")
    context.close()
    context, page = _as(chromium, live_server, "org_city_a", DESKTOP)
    page.goto(f"/elections/evaluation/org/{world.county_a.pk}/")
    assert page.locator("#evaluation-figures tr[data-org]").count() == 1
    testing.screenshot(page, "evaluation-figures-desktop")
    context.close()

    # the publicity over, city A's organization department approves 李书记's 优秀 on a phone
    services.end_publicity(actor=people["secretary"], evaluation=evaluation, today=evaluation.publicity_until)
    context, page = _as(chromium, live_server, "org_city_a")
    page.goto(f"/elections/evaluation/org/{world.county_a.pk}/")
    page.locator(f"#pending-approvals [data-pending='{entry[people['m_sec']].pk}'] a").click()
    form = page.locator(f"form[data-approve='{entry[people['m_sec']].pk}']")
    assert not _wide(page)
    testing.screenshot(page, "evaluation-approval-360")
    form.get_by_role("button", name="批准").click()
    page.locator(f"#entry-{entry[people['m_sec']].pk} [data-approval=approved]").wait_for()
    context.close()
    evaluation.refresh_from_db()
    assert evaluation.phase == "closed"

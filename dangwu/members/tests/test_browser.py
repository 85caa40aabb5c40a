"""A branch secretary at work, in headless Chromium (Playwright + Debian's chromium).

Screenshots land in test-artifacts/ (ignored by git) for a person to look at.
"""

import re

import pytest

from dangwu.members.models import Member
from dangwu.testing import browser_login as _login
from dangwu.testing import make_id_number
from dangwu.testing import screenshot as _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_secretary_finds_a_member_fixes_an_id_number_and_sees_it_on_the_timeline(page, demo_province):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    target = Member.objects.filter(organization=branch).exclude(user=secretary).order_by("id").first()
    initials = target.name_initials

    _login(page, "demo-secretary")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    _shot(page, "01-home-secretary")

    page.get_by_role("link", name="党员", exact=True).click()
    page.get_by_label("姓名 / 拼音 / 首字母 / 身份证号").fill(initials)
    page.get_by_role("button", name="查找").click()
    results = page.locator("#member-results")
    results.get_by_role("link", name=target.name).first.wait_for()
    _shot(page, "02-search-by-initials")
    results.get_by_role("link", name=target.name).first.click()
    page.wait_for_url(re.compile(rf"/members/{target.pk}/$"))
    assert page.locator("#id-number").inner_text() == target.id_number_masked
    _shot(page, "03-profile")

    page.get_by_role("link", name="编辑档案").click()
    id_box = page.get_by_label("公民身份号码")
    good = target.id_number
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")  # a wrong check digit
    id_box.fill(wrong)
    page.get_by_role("button", name="保存").click()
    error = page.locator('[data-field-error="id_number"]')
    error.wait_for()
    assert "校验位" in error.inner_text()
    _shot(page, "04-id-number-error")
    assert Member.objects.get(pk=target.pk).id_number == good  # nothing saved

    fixed = make_id_number(target.birth_date, male=target.gender == "male", region=good[:6], serial=411)
    page.get_by_label("公民身份号码").fill(fixed)
    page.get_by_label("工作单位", exact=True).fill("长沙市芙蓉区文化馆")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/members/{target.pk}/$"))
    page.get_by_text("已保存修改").wait_for()
    timeline = page.locator("#timeline")
    assert "长沙市芙蓉区文化馆" in timeline.inner_text()
    assert page.locator("#id-number").inner_text() == fixed[:4] + "*" * 10 + fixed[-4:]
    _shot(page, "05-saved-on-timeline")
    assert Member.objects.get(pk=target.pk).id_number == fixed

    # another branch's member: the not-found page
    stranger = Member.objects.exclude(organization=branch).order_by("id").first()
    response = page.goto(f"/members/{stranger.pk}/")
    assert response.status == 404
    assert "不在您的权限范围内" in page.content()
    _shot(page, "06-other-branch-not-found")


def test_tree_expands_and_searches(page, demo_province):
    _login(page, "demo-city")
    page.goto("/orgs/")
    root = page.locator(".dw-tree > ul > li").first
    root.locator("> button.dw-toggle").click()
    root.locator("> ul.dw-children > li").first.wait_for()
    assert root.locator("> ul.dw-children > li").count() > 3
    _shot(page, "07-org-tree")
    page.get_by_placeholder("按名称或党组织代码查找").fill("芙蓉")
    page.get_by_role("button", name="查找").click()
    page.locator("#org-results a").first.wait_for()
    assert "芙蓉" in page.locator("#org-results").inner_text()


def test_english_is_one_click_away(page, demo_province):
    page.goto("/accounts/login/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log in").is_visible()

"""A transfer between two branches of different cities, clicked through in headless Chromium:
branch A's secretary (长沙) starts it from the member's page, branch B's secretary (株洲) accepts it.

Screenshots land in test-artifacts/ (ignored by git) for a person to look at.
"""

import re

import pytest

from dangwu import testing
from dangwu.members.models import Member, Transfer
from dangwu.testing import screenshot as _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _login(page, username):
    testing.browser_login(page, username, testing.PASSWORD)


@pytest.fixture
def two_cities(transactional_db):
    world = testing.make_world()
    sec_a = testing.make_user("sec_a", ("branch_secretary", world.branch_a))
    sec_b = testing.make_user("sec_b", ("branch_secretary", world.branch_b))
    testing.make_member(world.branch_a, name="李书记", user=sec_a)
    testing.make_member(world.branch_b, name="周书记", user=sec_b)
    mover = testing.make_member(world.branch_a, name="陈晓明", dues_paid_until=__import__("datetime").date(2026, 10, 1))
    return world, mover


def test_transfer_started_by_one_secretary_and_accepted_by_the_other(chromium, live_server, two_cities):
    world, mover = two_cities

    def new_page():
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                       base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        return context, page

    # Organizations of the receiving city with names like the receiver's: the list tells them apart.
    from dangwu.orgs import services as org_services

    department = testing.make_user("org_b", ("org_department", world.city_b))
    county = org_services.create_organization(actor=department, parent=world.city_b, fields={
        "code": "430202", "name": "中共荷塘区委", "org_type": "committee"})
    for code, name in (("430202002", "荷塘区第二党支部"), ("430202003", "荷塘区月塘街道第一党支部")):
        org_services.create_organization(actor=department, parent=county,
                                         fields={"code": code, "name": name, "org_type": "branch"})

    context, page = new_page()
    _login(page, "sec_a")
    page.goto(f"/members/{mover.pk}/")
    page.get_by_role("link", name="转接组织关系").click()
    page.wait_for_url(re.compile(rf"/members/{mover.pk}/transfer/$"))
    # The outside organization's fields are hidden while "inside the platform" is chosen.
    assert page.get_by_label("平台外接收党组织名称").is_hidden()
    receiver = page.get_by_label("接收党组织", exact=True)
    receiver.fill("999999")  # a code typed by hand still works, and a wrong one is named
    page.get_by_role("button", name="开具介绍信").click()
    assert "没有找到代码为 999999 的党组织" in page.locator("[data-field-error=to_code]").inner_text()
    _shot(page, "transfer-01-start-form-error")
    # The secretary does not know the code: types a part of the name and picks from the list.
    receiver = page.get_by_label("接收党组织", exact=True)
    receiver.fill("")
    receiver.press_sequentially("荷塘区", delay=50)
    option = page.locator(f'#receiver-results [data-pick-code="{world.branch_b.code}"]')
    option.wait_for()
    assert "荷塘区第一党支部" in option.inner_text() and "中共株洲市委" in option.inner_text()
    options = page.locator("#receiver-results [data-pick-code]")
    assert options.count() == 4 and "中共株洲市委 › 中共荷塘区委" in options.nth(1).inner_text()
    _shot(page, "transfer-01b-picker-open")
    option.click()
    assert receiver.input_value() == world.branch_b.code
    assert page.locator("#receiver-results [data-pick-code]").count() == 0  # the list closes
    assert page.locator("[data-field-error=to_code]").count() == 0  # and the old error with it
    assert not page.locator("#form-errors").is_visible()  # and the banner, no field error being left
    chosen = page.locator("#receiver-chosen")
    assert chosen.is_visible() and "荷塘区第一党支部" in chosen.inner_text() and "中共株洲市委" in chosen.inner_text()
    _shot(page, "transfer-01c-picked")
    page.get_by_label("转接原因").fill("工作调动")
    page.get_by_role("button", name="开具介绍信").click()
    page.wait_for_url(re.compile(rf"/members/transfers/in/{world.branch_a.pk}/"))
    transfer = Transfer.objects.get(member=mover)
    row = page.locator(f"#t{transfer.pk}")
    assert row.get_attribute("data-state") == "outgoing"
    assert transfer.letter_number in row.inner_text()
    _shot(page, "transfer-02-sender-list")
    letter = page.request.get(f"/members/transfers/{transfer.pk}/letter.pdf")
    assert letter.ok and letter.headers["content-type"] == "application/pdf" and letter.body().startswith(b"%PDF")
    # The member's page says the transfer is under way; the sender is still responsible.
    page.goto(f"/members/{mover.pk}/")
    assert "组织关系正在转往荷塘区第一党支部" in page.locator("#open-transfer").inner_text()
    _shot(page, "transfer-03-member-page-pending")
    context.close()

    context, page = new_page()
    _login(page, "sec_b")
    page.goto(f"/orgs/{world.branch_b.pk}/")
    page.locator("#org-transfers").click()  # the organization's button (the menu has an entry of the name too)
    row = page.locator(f"#t{transfer.pk}")
    assert row.get_attribute("data-state") == "incoming"
    assert "陈晓明" in row.inner_text() and "芙蓉区第一党支部" in row.inner_text()
    _shot(page, "transfer-04-receiver-incoming")
    row.get_by_role("button", name="接收").click()
    page.wait_for_url(re.compile(rf"/members/transfers/in/{world.branch_b.pk}/"))
    assert "已接收 陈晓明 的组织关系" in page.locator("body").inner_text()
    assert page.locator(f"#t{transfer.pk}").get_attribute("data-state") == "done"
    _shot(page, "transfer-05-receiver-done")
    page.locator(f"#t{transfer.pk}").get_by_role("link", name="陈晓明").click()
    page.wait_for_url(re.compile(rf"/members/{mover.pk}/$"))
    assert "荷塘区第一党支部" in page.locator("body").inner_text()
    _shot(page, "transfer-06-member-moved")
    context.close()

    assert Member.objects.get(pk=mover.pk).organization == world.branch_b
    testing.assert_rollups_exact()


def test_outflow_recorded_from_the_member_page_and_seen_by_the_host(chromium, live_server, two_cities):
    world, mover = two_cities
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    _login(page, "sec_a")
    page.goto(f"/members/{mover.pk}/")
    page.get_by_role("link", name="登记外出流动").click()
    page.get_by_label("流出去向（地点、单位）").fill("湖南省株洲市荷塘区某物流园")
    page.get_by_label("流入地党组织代码（在本平台时填写）").fill(world.branch_b.code)
    page.get_by_label("外出原因").fill("外出务工")
    page.get_by_label("外出日期").fill("2026-03-02")
    page.get_by_label("外出期间联系方式").fill("13800138000")
    _shot(page, "mobility-01-outflow-form")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(rf"/members/mobility/in/{world.branch_a.pk}/"))
    outflows = page.locator("#outflows")
    assert "陈晓明" in outflows.inner_text() and "流430102-" in outflows.inner_text()
    _shot(page, "mobility-02-home-list")
    context.close()

    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    _login(page, "sec_b")
    page.goto(f"/orgs/{world.branch_b.pk}/")
    page.get_by_role("link", name="流动党员").click()
    inflows = page.locator("#inflows")
    assert "陈晓明" in inflows.inner_text() and "不参加表决、选举" in inflows.inner_text()
    inflows.get_by_role("link", name="记录参加组织生活").click()
    page.get_by_label("日期").fill("2026-04-01")
    page.get_by_label("内容").fill("参加主题党日活动")
    page.get_by_role("button", name="记录").click()
    page.wait_for_url(re.compile(rf"/members/mobility/in/{world.branch_b.pk}/"))
    _shot(page, "mobility-03-host-list")
    context.close()
    assert mover.outflows.get().records.get().note == "参加主题党日活动"

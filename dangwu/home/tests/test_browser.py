"""The to-do list (待办) of the demo province's secretary and city cadre, in headless Chromium:
the card on the home page, the badges of the menu, each line opening the list it counts — at
desktop width and on a 360 px phone.

Screenshots land in test-artifacts/ (ignored by git) for a person to look at.
"""

import re

import pytest

from dangwu.testing import browser_login as _login
from dangwu.testing import screenshot as _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _no_sideways_scroll(page):
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide


def _todo(page) -> dict[str, int]:
    """data-todo key → the count shown on its line."""
    rows = page.locator("#todo [data-todo]")
    return {rows.nth(i).get_attribute("data-todo"): int(rows.nth(i).locator(".badge").last.inner_text())
            for i in range(rows.count())}


def _badges(page) -> dict[str, int]:
    badges = page.locator("#mainnav [data-badge]")
    return {badges.nth(i).get_attribute("data-badge"): int(re.match(r"\d+", badges.nth(i).inner_text()).group())
            for i in range(badges.count())}


@pytest.mark.parametrize("username,shot", [("demo-secretary", "todo-01-secretary"), ("demo-city", "todo-02-city")])
def test_the_todo_list_and_the_menu_badges(page, demo_province, username, shot):
    _login(page, username)
    todo = _todo(page)
    assert todo, "the demo province leaves work waiting for its cadres"
    badges = _badges(page)
    # each badge is the sum of its app's lines
    by_menu: dict[str, int] = {}
    for key, count in todo.items():
        menu = key.split(".")[0]
        by_menu[menu] = by_menu.get(menu, 0) + count
    assert badges == by_menu
    _shot(page, f"{shot}-desktop")

    # every line opens a page of its app
    for key in todo:
        page.goto("/")
        page.locator(f'#todo [data-todo="{key}"]').click()
        page.wait_for_load_state()
        assert page.url != page.url.split("/", 3)[0] + "/"
        assert page.locator("main h1").count() >= 1

    # the talks overdue: the board lists as many people as the line counted
    if "development.talks" in todo:
        page.goto("/")
        page.locator('#todo [data-todo="development.talks"]').click()
        page.wait_for_url(re.compile(r"attention=talk"))
        assert page.locator("tr[data-candidate]").count() == todo["development.talks"]
        _shot(page, f"{shot}-talks-board")

    # the menu with its badges holds from the width where it unfolds
    for width in (1000, 1200):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/")
        _no_sideways_scroll(page)

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/")
    _no_sideways_scroll(page)
    assert int(re.match(r"\d+", page.locator("#menu-todo-count").inner_text()).group()) == sum(by_menu.values())
    _shot(page, f"{shot}-360")
    page.get_by_role("button", name="菜单").click()
    page.locator("#mainnav [data-badge]").first.wait_for()
    _no_sideways_scroll(page)
    page.wait_for_timeout(400)  # the menu's opening animation
    _shot(page, f"{shot}-360-menu")


def test_a_plain_member_has_no_todo_card(page, demo_province):
    _login(page, "demo-member")
    assert page.locator("#todo").count() == 0 and page.locator("[data-badge]").count() == 0


@pytest.fixture
def waiting(transactional_db):
    """A transfer into branch B and a hardship reduction of branch B, both waiting."""
    from decimal import Decimal

    from django.utils import timezone

    from dangwu import testing
    from dangwu.dues import rules as dues_rules
    from dangwu.dues import services as dues_services
    from dangwu.members.transfers import services as transfers

    world = testing.make_world()
    sec_a = testing.make_user("sec_todo_a", ("branch_secretary", world.branch_a))
    sec_b = testing.make_user("sec_todo_b", ("branch_secretary", world.branch_b))
    testing.make_user("org_todo_b", ("org_department", world.city_b))  # decides branch B's reductions
    mover = testing.make_member(world.branch_a, name="陈晓明")
    poor = testing.make_member(world.branch_b, name="刘桂英", male=False, dues_standard=Decimal("12.00"))
    transfers.start_transfer(actor=sec_a, member=mover, to_organization=world.branch_b, reason="工作调动")
    month = dues_rules.month_start(timezone.localdate())
    dues_services.request_reduction(actor=sec_b, member=poor, kind="exempt", start_month=month, end_month=month,
                                    reason="因病生活困难")
    return world


def _login_test_user(page, username):
    from dangwu import testing

    testing.browser_login(page, username, testing.PASSWORD)


@pytest.mark.parametrize("username,key,row,shot", [
    ("sec_todo_b", "transfers.to_accept", "陈晓明", "todo-03-transfers-to-accept"),
    ("org_todo_b", "dues.reductions", "刘桂英", "todo-04-reductions-to-decide"),
])
def test_a_line_opens_the_filtered_list(page, waiting, username, key, row, shot):
    _login_test_user(page, username)
    assert _todo(page)[key] == 1
    page.locator(f'#todo [data-todo="{key}"]').click()
    page.wait_for_load_state()
    assert "show=" in page.url and row in page.locator("main").inner_text()
    _shot(page, f"{shot}-desktop")
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    _no_sideways_scroll(page)
    _shot(page, f"{shot}-360")

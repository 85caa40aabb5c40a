"""The top floor shows what the apps registered, and nothing else: a new app appears by
registering, without an edit to core, home or another app (decision 0015)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dangwu.core import registries
from dangwu.core.registries import HomeCard, Link, MenuEntry, OrgSection, Shortcut, TodoItem, TodoSource


@pytest.fixture
def registered():
    """Register test items; unregister them after the test."""
    added: list[tuple[registries.Registry, str]] = []

    def add(registry, item):
        registry.register(item)
        added.append((registry, item.key))
        return item

    yield add
    for registry, key in added:
        registry.unregister(key)


def test_the_menu_is_the_registry(client, people, registered):
    client.force_login(people["plain"])
    html = client.get("/").content.decode()
    assert 'data-menu="home"' in html and 'data-menu="own_record"' in html
    assert 'data-menu="members"' not in html  # a plain member has no member.view
    registered(registries.menu, MenuEntry("test_app", "测试应用", "star", lambda *, user: "/test-app/", order=55))
    html = client.get("/").content.decode()
    assert 'href="/test-app/" data-menu="test_app"' in html
    # in the registry's order: after 我的档案 (60)? no — 55 comes before it
    assert html.index('data-menu="test_app"') < html.index('data-menu="own_record"')


def test_an_entry_hides_itself_for_a_user(client, people, registered):
    registered(registries.menu, MenuEntry("cadres_only", "干部", "star",
                                          lambda *, user: "/x/" if user.username.startswith("sec") else None))
    client.force_login(people["plain"])
    assert 'data-menu="cadres_only"' not in client.get("/").content.decode()
    client.force_login(people["secretary"])
    assert 'data-menu="cadres_only"' in client.get("/").content.decode()


def test_home_cards_shortcuts_and_todo_come_from_the_apps(client, people, registered, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "t").mkdir(parents=True)
    (template_dir / "t" / "card.html").write_text('<div id="test-card">{{ greeting }} {{ user.username }}</div>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}]
    registered(registries.home_cards, HomeCard("test_card", "t/card.html",
                                               lambda *, request: {"greeting": "早上好"}, order=5))
    registered(registries.home_cards, HomeCard("never", "t/card.html", lambda *, request: None))
    registered(registries.shortcuts, Shortcut("test_links", lambda *, user: [Link("测试链接", "/t/", "star")]))
    registered(registries.todo_sources, TodoSource("test_todo", lambda *, user: [
        TodoItem("待审批的申请", 3, "/t/approve/", urgent=True), TodoItem("没有待办", 0, "/t/none/")]))
    client.force_login(people["secretary"])
    html = client.get("/").content.decode()
    assert '<div id="test-card">早上好 sec_a</div>' in html
    assert html.count('id="test-card"') == 1  # the card that answered None is left out
    assert 'href="/t/"' in html and "测试链接" in html
    assert 'id="todo"' in html and 'href="/t/approve/"' in html and "待审批的申请" in html
    assert "/t/none/" not in html  # an item with nothing waiting is not shown


def test_no_todo_card_when_nothing_waits(client, people):
    client.force_login(people["plain"])
    assert 'id="todo"' not in client.get("/").content.decode()


def test_an_organization_page_shows_registered_sections(client, people, world, registered, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "t").mkdir(parents=True)
    (template_dir / "t" / "section.html").write_text('<p id="test-section">{{ org.code }}:{{ extra }}</p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}]
    seen = {}

    def context(*, request, organization, facts):
        seen["facts"] = sorted(facts)
        return {"extra": "附加"}

    registered(registries.org_sections, OrgSection("test_section", "t/section.html", context, slot="side"))
    client.force_login(people["secretary"])
    html = client.get(reverse("orgs:detail", args=[world.branch_a.pk])).content.decode()
    assert f'<p id="test-section">{world.branch_a.code}:附加</p>' in html
    assert seen["facts"] == ["committee", "member_counts"]


def test_registering_a_key_again_replaces_it():
    registry: registries.Registry = registries.Registry("test")
    registry.register(Shortcut("a", lambda *, user: [], order=2))
    registry.register(Shortcut("b", lambda *, user: [], order=1))
    registry.register(Shortcut("a", lambda *, user: [], order=0))
    assert [item.key for item in registry] == ["a", "b"] and len(registry) == 2


def test_a_slot_without_provider_answers_its_default():
    slot = registries.Slot("test", default="默认")
    assert slot(user=None) == "默认"
    slot.provide(lambda *, user: "答")
    assert slot(user=None) == "答"


def test_a_cadre_is_told_when_nothing_waits(client, people):
    client.force_login(people["city_b"])
    html = client.get("/").content.decode()
    assert 'id="todo"' in html and 'id="todo-none"' in html and "一切就绪" in html
    assert "data-badge=" not in html


def test_todo_is_counted_once_a_request_and_badges_the_menu(client, people, registered):
    """The home page's list and the menu's badges read the same items, asked of the sources once."""
    calls = []

    def items(*, user):
        calls.append(user.username)
        return [TodoItem("待审批", 2, "/t/a/", menu="orgs", key="t.a"),
                TodoItem("已超期", 3, "/t/b/", urgent=True, menu="orgs", key="t.b"),
                TodoItem("无菜单", 4, "/t/c/", key="t.c")]

    registered(registries.todo_sources, TodoSource("test_badges", items))
    client.force_login(people["secretary"])
    html = client.get("/").content.decode()
    assert calls == ["sec_a"]
    assert 'data-todo="t.a"' in html and 'data-todo="t.b"' in html and 'data-todo="t.c"' in html
    badge = re.search(r'data-menu="orgs"[^>]*>.*?<span class="([^"]*)" data-badge="orgs"[^>]*>(\d+)<', html)
    assert badge and badge.group(2) == "5" and "dw-menu-badge-urgent" in badge.group(1)
    # one badge of the test's items (the item without a menu adds none); the secretary's own items of
    # the season (谈心谈话 in the last quarter) may badge their own entries beside it
    badges = re.findall(r'data-badge="([^"]*)"', html)
    assert 'data-todo="t.c"' in html and badges.count("orgs") == 1 and "" not in badges


def test_a_fragment_without_the_menu_counts_nothing(client, people, registered):
    """htmx fragments are rendered with the context processors too: the badges are counted only
    when a page draws the menu."""
    calls = []
    registered(registries.todo_sources, TodoSource("test_lazy", lambda *, user: calls.append(1) or []))
    client.force_login(people["secretary"])
    assert client.get("/members/transfers/receivers/?q=芙蓉").status_code == 200
    assert calls == []


def test_menu_badges_add_up_per_entry():
    items = [TodoItem("a", 1, "/a/", menu="dues"), TodoItem("b", 2, "/b/", urgent=True, menu="dues"),
             TodoItem("c", 5, "/c/", menu="development"), TodoItem("d", 7, "/d/")]
    assert registries.menu_badges(items) == {"dues": (3, True), "development": (5, False)}

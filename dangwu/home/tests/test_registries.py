"""The top floor shows what the apps registered, and nothing else: a new app appears by
registering, without an edit to core, home or another app (decision 0015)."""

from __future__ import annotations

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

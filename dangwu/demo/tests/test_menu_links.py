"""Menu entries and shortcuts follow capabilities: every link the menu or the home page's 常用功能
offers a person opens for that person (200, after the redirects it may take), for each account of
the demo province and a person with neither a role nor a member record (an applicant).

The links are whatever the registries answer, so that an entry an app adds later is checked too."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from dangwu.core import registries
from dangwu.demo.accounts import DEMO_ACCOUNTS


def _offered(user) -> dict[str, str]:
    """key → url of every menu entry and shortcut the person is offered."""
    links = {f"menu:{link.key}": link.url for entry in registries.menu if (link := entry.link(user=user))}
    for shortcut in registries.shortcuts:
        links.update({f"shortcut:{shortcut.key}:{link.key}": link.url for link in shortcut.links(user=user)})
    return links


@pytest.mark.django_db
def test_every_link_offered_opens_for_the_person(client, demo_province):
    User = get_user_model()
    User.objects.create_user(username="applicant", password="x-applicant-2026")
    failures, offered = [], {}
    for username in [a[0] for a in DEMO_ACCOUNTS] + ["applicant"]:
        user = User.objects.get(username=username)
        links = _offered(user)
        offered[username] = links
        client.force_login(user)
        home = client.get("/").content.decode()
        for key, url in links.items():
            if key.startswith("menu:"):
                assert f'href="{url}" data-menu="{key[5:]}"' in home, f"{username}: {key} not on the page"
            response = client.get(url, follow=True)
            if response.status_code != 200:
                failures.append(f"{username}: {key} → {url} answers {response.status_code}")
        client.logout()
    assert not failures, "\n".join(failures)
    # the administrators' accounts are not persons who apply to join the party
    for username in ("demo-audit", "demo-security", "demo-admin"):
        assert "menu:development_apply" not in offered[username], username
    # … and each demo account is offered something beyond the home page
    assert all(links for links in offered.values()), offered
    assert "menu:development_apply" in offered["applicant"]
    assert "menu:audit" in offered["demo-audit"] and "menu:roles" in offered["demo-security"]


@pytest.mark.django_db
def test_the_auditors_menu_has_no_application_and_the_page_refuses_it(client, demo_province):
    auditor = get_user_model().objects.get(username="demo-audit")
    client.force_login(auditor)
    assert "申请入党" not in client.get("/").content.decode()
    assert client.get("/development/apply/").status_code == 403
    assert client.get("/development/apply/branches/?q=%E8%8A%99%E8%93%89").status_code == 403

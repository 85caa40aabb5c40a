"""Transfers' to-do items (待办): letters to accept and expired letters to reissue, for the
organizations that act on them, each linking to the transfers page filtered to exactly those
letters; the menu entry 组织关系转接 carries the count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.members.models import Transfer
from dangwu.members.transfers import services as transfers
from dangwu.members.transfers import todo


def _items(user, key):
    return [item for item in todo.todo_items(user=user) if item.key == key]


@pytest.fixture
def letters(people, world):
    """张三 (branch A) → branch B, valid; 李书记 (branch A) → branch A2, valid (inside county A);
    王五 (branch A2) → branch B, expired yesterday."""
    sec_b = testing.make_user("sec_b", ("branch_secretary", world.branch_b))
    to_b = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"], to_organization=world.branch_b)
    inside = transfers.start_transfer(actor=people["secretary"], member=people["m_sec"],
                                      to_organization=world.branch_a2)
    expired = transfers.start_transfer(actor=people["sibling"], member=people["m_other"],
                                       to_organization=world.branch_b)
    Transfer.objects.filter(pk=expired.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    return {"sec_b": sec_b, "to_b": to_b, "inside": inside, "expired": expired}


def _rows(client, url) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr id="t(\d+)"', client.get(url).content.decode())}


def test_the_receiving_secretary_sees_letters_to_accept(people, world, letters, client):
    sec_b = letters["sec_b"]
    [item] = _items(sec_b, "transfers.to_accept")
    assert item.count == 1 and not item.urgent and item.menu == "transfers"
    assert item.url == f"/members/transfers/in/{world.branch_b.pk}/?show=to_accept"
    client.force_login(sec_b)
    assert _rows(client, item.url) == {letters["to_b"].pk}  # not the expired one addressed to it too
    assert _rows(client, f"/members/transfers/in/{world.branch_b.pk}/") == {letters["to_b"].pk, letters["expired"].pk}
    assert _items(sec_b, "transfers.to_reissue") == []
    # the committee above the receiving branch sees it as well
    assert [i.count for i in _items(people["city_b"], "transfers.to_accept")] == [1]


def test_a_transfer_inside_the_scope_waits_on_the_receiving_branch(people, letters):
    [item] = _items(people["sibling"], "transfers.to_accept")
    assert item.count == 1
    assert _items(people["city_a"], "transfers.to_accept") == []  # both ends below it: the branch accepts


def test_the_sender_sees_its_expired_letter(people, world, letters, client):
    sibling = people["sibling"]
    [item] = _items(sibling, "transfers.to_reissue")
    assert item.count == 1 and item.urgent
    assert item.url == f"/members/transfers/in/{world.branch_a2.pk}/?show=to_reissue"
    client.force_login(sibling)
    html = client.get(item.url).content.decode()
    assert _rows(client, item.url) == {letters["expired"].pk}
    assert "重新开具" in html and 'id="transfers-filter"' in html
    transfers.reissue_letter(actor=sibling, transfer=letters["expired"])
    assert _items(sibling, "transfers.to_reissue") == []
    assert [i.count for i in _items(letters["sec_b"], "transfers.to_accept")] == [2]


@pytest.mark.parametrize("who", ["secretary", "plain", "discipline", "auditor"])
def test_others_have_nothing_to_do(people, letters, who):
    assert todo.todo_items(user=people[who]) == []


def test_the_menu_entry_carries_the_count(people, letters, client):
    client.force_login(letters["sec_b"])
    html = client.get("/").content.decode()
    badge = re.search(r'data-menu="transfers"[^>]*>.*?data-badge="transfers"[^>]*>(\d+)<', html)
    assert badge and int(badge.group(1)) == 1
    assert 'data-todo="transfers.to_accept"' in html
    client.force_login(people["plain"])
    assert 'data-menu="transfers"' not in client.get("/").content.decode()  # no member.transfer: no entry

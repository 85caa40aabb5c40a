"""The recruitment pipeline's to-do items (待办): the superior committee's queue, overdue talks and
other deadlines the branch missed — counted for the right people, linking to the board or queue
filtered to exactly those people, with the menu badge."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dangwu.development import todo
from dangwu.development.models import Candidate

from .conftest import advance, new_applicant


def _items(user, key):
    return [item for item in todo.todo_items(user=user) if item.key == key]


def _ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def pipeline(people, world, branch_a_sponsors):
    """Branch A's people: 陈思远 applied 40 days ago and nobody talked to him (overdue); 林晓 applied a
    week ago (not yet due); 周敏 was pre-reviewed two months ago and no meeting followed (the
    branch's meeting deadline passed); 吴刚 was voted in four months ago and the superior
    committee has not approved (its deadline passed). Branch B: 郑洁, not talked to for 40 days."""
    sec, city = people["secretary"], people["city_a"]
    late_talk = new_applicant(sec, world.branch_a, start=_ago(40), name="陈思远", serial=11)
    fresh = new_applicant(sec, world.branch_a, start=_ago(7), name="林晓", serial=12)
    # 周敏: pre-review (start + ~450 days in the schedule) about two months ago
    no_meeting = advance(new_applicant(sec, world.branch_a, start=_ago(450 + 60), name="周敏", serial=13),
                         "application_form", branch=sec, superior=city, sponsors=branch_a_sponsors)
    # 吴刚: admission vote (start + ~465 days) about four months ago
    no_approval = advance(new_applicant(sec, world.branch_a, start=_ago(465 + 120), name="吴刚", serial=14),
                          "branch_admission_vote", branch=sec, superior=city, sponsors=branch_a_sponsors)
    other_branch = new_applicant(people["city_b"], world.branch_b, start=_ago(40), name="郑洁", serial=15)
    return {"late_talk": late_talk, "fresh": fresh, "no_meeting": no_meeting, "no_approval": no_approval,
            "other_branch": other_branch}


def _board_names(client, url) -> set[str]:
    html = client.get(url).content.decode()
    return {c.name for c in Candidate.objects.all() if f">{c.name}<" in html}


def test_the_secretary_sees_overdue_talks_and_steps(people, world, pipeline, client):
    sec = people["secretary"]
    [talks] = _items(sec, "development.talks")
    [steps] = _items(sec, "development.steps")
    assert talks.count == 1 and talks.urgent and talks.menu == "development"
    assert steps.count == 1 and steps.urgent
    assert talks.url == f"/development/?org={world.branch_a.pk}&attention=talk"
    assert steps.url == f"/development/?org={world.branch_a.pk}&attention=steps_overdue"
    assert _items(sec, "development.approvals") == []  # the branch does not approve
    client.force_login(sec)
    assert _board_names(client, talks.url) == {"陈思远"}
    assert _board_names(client, steps.url) == {"周敏"}  # 吴刚 waits on the superior committee, not the branch


def test_the_superior_committee_sees_its_queue(people, world, pipeline, client):
    city = people["city_a"]
    [approvals] = _items(city, "development.approvals")
    assert approvals.count == 1 and approvals.urgent and approvals.url == "/development/approvals/"
    assert "1 人审批已超期" in approvals.label
    client.force_login(city)
    html = client.get(approvals.url).content.decode()
    assert "吴刚" in html and "周敏" not in html and "陈思远" not in html
    # the city's department also manages the branches below it: their missed deadlines show too
    assert [i.count for i in _items(city, "development.talks")] == [1]


@pytest.mark.parametrize("who", ["plain", "sibling", "city_b", "discipline", "auditor"])
def test_others_see_none_of_branch_a(people, pipeline, who):
    items = todo.todo_items(user=people[who])
    expected = {"city_b": 1}  # city B's own applicant 郑洁, nothing of branch A
    assert sum(i.count for i in items) == expected.get(who, 0)
    assert all("approvals" not in i.key for i in items)


def test_recording_the_talk_clears_it(people, pipeline):
    from dangwu.development import services

    sec = people["secretary"]
    services.record_step(actor=sec, candidate=pipeline["late_talk"], code="first_talk", done_on=timezone.localdate())
    assert _items(sec, "development.talks") == []


def test_home_page_lists_them_with_the_menu_badge(people, pipeline, client):
    client.force_login(people["secretary"])
    html = client.get("/").content.decode()
    assert 'data-todo="development.talks"' in html and 'data-todo="development.steps"' in html
    badge = re.search(r'data-badge="development"[^>]*>(\d+)<', html)
    assert badge and int(badge.group(1)) == 2
    # the badge is on every page, not only the home page
    assert 'data-badge="development"' in client.get("/development/").content.decode()


def test_an_applicant_s_home_shows_the_next_step_and_the_thought_report_due(client, world, people):
    """我的党务 for a person in the pipeline: 我的入党申请 on the home page with the stage, the next
    step and the thought report due; red once it is overdue (DANGWU_THOUGHT_REPORT_DAYS)."""
    from datetime import date

    from dangwu.development import services
    from dangwu.testing import make_id_number, make_user

    applicant = make_user("applicant_home")
    today = timezone.localdate()
    candidate = services.register_application(
        actor=people["secretary"], organization=world.branch_a, name="刘洋", applied_on=today - timedelta(days=10),
        id_number=make_id_number(date(1999, 9, 9), serial=71))
    Candidate.objects.filter(pk=candidate.pk).update(user=applicant)
    client.force_login(applicant)
    card = client.get("/").content.decode()
    card = card[card.index('id="own-candidacy"'):]
    assert "入党申请人" in card and "芙蓉区第一党支部" in card and 'data-overdue="0"' in card
    assert "下一份思想汇报请在" in card
    Candidate.objects.filter(pk=candidate.pk).update(last_report_on=today - timedelta(days=200))
    card = client.get("/").content.decode()
    assert 'data-overdue="1"' in card and "思想汇报已逾期" in card
    client.force_login(people["plain"])  # a member with no application: no card
    assert 'id="own-candidacy"' not in client.get("/").content.decode()

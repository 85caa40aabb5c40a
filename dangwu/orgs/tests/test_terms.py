"""换届提醒 (issue 14): a committee whose term has ended or ends within DANGWU_TERM_NOTICE_MONTHS is
flagged on its own page and listed, with a to-do item, for the cadres above it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangwu.core import registries
from dangwu.orgs import rules, selectors
from dangwu.orgs.models import CommitteePosition

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(("ends", "expired", "expiring"), [
    ([], False, None),
    ([date(2029, 1, 1)], False, None),
    ([date(2027, 6, 2)], False, date(2027, 6, 2)),  # exactly six months ahead
    ([date(2027, 6, 3)], False, None),
    ([date(2027, 6, 3), date(2027, 3, 1)], False, date(2027, 3, 1)),  # the first seat to end counts
    ([TODAY], False, TODAY),  # the last day of the term is still in it
    ([TODAY - timedelta(days=1)], True, None),
])
def test_term_state(ends, expired, expiring):
    assert rules.term_state(term_ends=ends, today=TODAY, notice_months=6) == (expired, expiring)


def _seat(org, member, *, ends_in_days):
    today = timezone.localdate()
    return CommitteePosition.objects.create(organization=org, member=member, post="secretary",
                                            term_start=today - timedelta(days=900),
                                            term_end=today + timedelta(days=ends_in_days))


@pytest.mark.django_db
def test_the_branch_is_warned_and_the_cadres_above_see_it_listed_with_a_todo(people, world):
    _seat(world.branch_a, people["m_sec"], ends_in_days=40)
    _seat(world.branch_a2, people["m_other"], ends_in_days=400)  # far off: not listed
    found = registries.warnings_of(organization=world.branch_a)
    assert [f.code for f in found if f.code.startswith("term")] == ["term_expiring"]
    assert [o.pk for o in selectors.terms_due(actor=people["city_a"])] == [world.branch_a.pk]
    assert selectors.terms_due_count(actor=people["city_b"]) == 0
    items = [i for i in registries.todo_items(user=people["city_a"]) if i.key == "orgs.terms"]
    assert [(i.count, i.urgent) for i in items] == [(1, False)]
    assert not [i for i in registries.todo_items(user=people["plain"]) if i.key == "orgs.terms"]
    client = Client()
    client.force_login(people["city_a"])
    page = client.get("/orgs/terms/").content.decode()
    assert f'data-org="{world.branch_a.pk}"' in page and f'data-org="{world.branch_a2.pk}"' not in page
    assert "即将届满" in page


@pytest.mark.django_db
def test_an_ended_term_is_listed_first_and_marked(people, world):
    _seat(world.branch_a, people["m_sec"], ends_in_days=40)
    _seat(world.branch_a2, people["m_other"], ends_in_days=-3)
    assert [o.pk for o in selectors.terms_due(actor=people["city_a"])] == [world.branch_a2.pk, world.branch_a.pk]
    assert [i.urgent for i in registries.todo_items(user=people["city_a"]) if i.key == "orgs.terms"] == [True]
    assert [f.code for f in registries.warnings_of(organization=world.branch_a2) if f.code.startswith("term")] == [
        "term_expired"]
    # a seat that ended (a member who left the committee) no longer counts
    CommitteePosition.objects.filter(organization=world.branch_a2).update(ended_on=timezone.localdate())
    assert [o.pk for o in selectors.terms_due(actor=people["city_a"])] == [world.branch_a.pk]

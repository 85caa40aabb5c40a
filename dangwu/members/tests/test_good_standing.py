""""In good standing" has one home: `MemberQuerySet.in_good_standing()` / `full_in_good_standing()`
and the `Member` properties of the same names, which must agree for every type and standing."""

from __future__ import annotations

from datetime import date

import pytest

from dangwu import testing
from dangwu.members.models import Member, MemberType, Standing
from dangwu.members.selectors import search_members


@pytest.mark.parametrize("standing", Standing.values)
@pytest.mark.parametrize("member_type", MemberType.values)
def test_the_properties(member_type, standing):
    member = Member(member_type=member_type, standing=standing)
    assert member.in_good_standing is (standing == "normal")
    assert member.full_in_good_standing is (standing == "normal" and member_type == "full")


@pytest.mark.django_db
def test_the_queryset_methods_agree_with_the_properties(world):
    made = []
    for i, standing in enumerate(Standing.values):
        for j, member_type in enumerate(MemberType.values):
            made.append(testing.make_member(world.branch_a, name="张三", birth=date(1970 + i, 1 + j, 1),
                                            member_type=member_type, standing=standing))
    ids = [m.pk for m in made]
    good = set(Member.objects.filter(pk__in=ids).in_good_standing().values_list("pk", flat=True))
    full = set(Member.objects.filter(pk__in=ids).full_in_good_standing().values_list("pk", flat=True))
    assert good == {m.pk for m in made if m.in_good_standing} and len(good) == 2
    assert full == {m.pk for m in made if m.full_in_good_standing} and len(full) == 1
    # chained after any queryset of members: the default manager, a related manager, a selector
    assert set(world.branch_a.members.in_good_standing().filter(pk__in=ids).values_list("pk", flat=True)) == good
    assert Member.objects.full_in_good_standing().in_good_standing().filter(pk__in=ids).count() == 1
    assert Member._default_manager is Member.objects
    assert Member.history.filter(id__in=ids).count() == len(ids)  # the history manager is untouched


@pytest.mark.django_db
def test_a_selector_queryset_chains_the_method(people, world):
    probationary = testing.make_member(world.branch_a, name="钱七", birth=date(1999, 9, 9), member_type="probationary",
                                       converted_on=None)
    found = set(search_members(actor=people["secretary"]).full_in_good_standing().values_list("pk", flat=True))
    assert people["m_sec"].pk in found and probationary.pk not in found

"""CappedPaginator: exact below the cap, "N+" above it, pages up to the cap."""

import pytest

from dangwu import testing
from dangwu.core.pagination import CappedPaginator
from dangwu.members.models import Member


def test_a_list_below_the_cap_counts_exactly():
    paginator = CappedPaginator(list(range(7)), 3, cap=10)
    assert paginator.count == 7 and paginator.display_count == "7" and paginator.num_pages == 3


def test_a_list_above_the_cap_stops_counting_there():
    paginator = CappedPaginator(list(range(25)), 3, cap=10)
    assert paginator.count == 10 and paginator.capped and paginator.display_count == "10+"
    assert paginator.num_pages == 4 and list(paginator.get_page(4)) == [9]


@pytest.mark.django_db
def test_a_queryset_is_counted_without_its_ordering(world):
    for i in range(4):
        testing.make_member(world.branch_a, name=f"成员{i}")
    qs = Member.objects.order_by("name_pinyin", "id").select_related("organization")
    assert CappedPaginator(qs, 2, cap=3).display_count == "3+"
    assert CappedPaginator(qs, 2, cap=4).display_count == "4"

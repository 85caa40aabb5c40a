"""Member search semantics that the provincial-scale query shapes must keep (SQLite and PostgreSQL)."""

from datetime import date

import pytest

from dangwu import testing
from dangwu.members import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(world):
    """Members whose names make the ambiguous cases: 左华 has the initials zh but a pinyin that
    does not start with zh; 张华 has both; 赵伟 and 张伟 share the initials zw."""
    branch = world.branch_a
    people = {}
    for serial, name in enumerate(["张伟", "赵伟", "张伟国", "左华", "张华", "王军", "欧阳建国", "李四"], start=300):
        people[name] = testing.make_member(branch, name=name, birth=date(1980, 1, 1 + serial % 28))
    return people


def _names(actor, query):
    return [m.name for m in selectors.search_members(actor=actor, query=query)]


def test_initials_only_come_exact_first_then_longer_in_pinyin_order(world, named):
    actor = testing.make_user("sec-a", ("branch_secretary", world.branch_a))
    # "zw" cannot begin a pinyin: initials only, ordered by initials, then pinyin.
    assert _names(actor, "zw") == ["张伟", "赵伟", "张伟国"]
    assert _names(actor, "ZWG") == ["张伟国"]


def test_letters_that_can_begin_a_pinyin_match_pinyin_or_initials_in_pinyin_order(world, named):
    actor = testing.make_user("sec-a", ("branch_secretary", world.branch_a))
    assert _names(actor, "zh") == ["张华", "张伟", "张伟国", "赵伟", "左华"]  # 左华 by its initials
    assert _names(actor, "zhangw") == ["张伟", "张伟国"]
    assert _names(actor, "ouyang") == ["欧阳建国"]


@pytest.mark.parametrize(("query", "expected"), [
    ("伟", ["张伟", "赵伟", "张伟国"]), ("张伟", ["张伟", "张伟国"]), ("欧阳建", ["欧阳建国"]),
    ("欧阳建国", ["欧阳建国"]), ("阳建国", ["欧阳建国"]), ("欧阳国", []),
])
def test_names_match_anywhere_whatever_their_length(world, named, query, expected):
    actor = testing.make_user("sec-a", ("branch_secretary", world.branch_a))
    assert sorted(_names(actor, query)) == sorted(expected)


def test_search_stays_in_scope(world, named):
    outsider = testing.make_user("sec-b", ("branch_secretary", world.branch_b))
    assert _names(outsider, "zw") == []
    assert _names(outsider, "张伟") == []

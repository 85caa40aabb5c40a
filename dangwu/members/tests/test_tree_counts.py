"""The organization tree shows the members of each node's subtree, from the roll-ups: one query for a
whole level of the tree, whatever its length; only to viewers who may see those members."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangwu import testing

_TOTAL = re.compile(r'data-org="(\d+)".*?(?:data-member-total="(\d+)"|<ul class="dw-children">)', re.S)


def _totals(html: str) -> dict[int, int | None]:
    return {int(pk): (int(n) if n else None) for pk, n in _TOTAL.findall(html)}


def _direct(org) -> int:
    counts = testing.direct_structure_counts(org)
    return sum(n for (dimension, _key), n in counts.items() if dimension == "member_type")


def test_the_tree_and_each_level_show_subtree_member_counts_in_one_query(client, people, world):
    testing.make_member(world.branch_a2, name="孙七")
    client.force_login(people["city_a"])
    assert _totals(client.get("/orgs/").content.decode()) == {world.city_a.pk: _direct(world.city_a)}
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/orgs/{world.county_a.pk}/children/").content.decode()
    assert _totals(html) == {world.branch_a.pk: 2, world.branch_a2.pk: 2}
    assert _direct(world.branch_a) == 2 and _direct(world.branch_a2) == 2
    stat_reads = [q["sql"] for q in queries.captured_queries if "members_subtreestat" in q["sql"]]
    assert len(stat_reads) == 1, stat_reads
    # the organization's page lists its children with the same counts
    html = client.get(f"/orgs/{world.county_a.pk}/").content.decode()
    assert 'data-member-total="2"' in html and "2 名党员" in html


def test_a_viewer_without_member_view_sees_no_counts(client, people, world):
    client.force_login(people["auditor"])  # org.view, not member.view
    html = client.get("/orgs/").content.decode()
    assert world.province.name in html and "data-member-total" not in html and "名党员" not in html

"""The planner of the demo province: the whole province drawn in memory, no database touched.

`build_plan()` is pure: it draws the tree (`tree`), spreads the members over the branches and
draws each person (`people`, `events`) and each branch committee (`committees`) from one seed,
so the same seed gives the same province on the same day. The seeders then write the plan.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from ..plan import MemberPlan, Plan, PositionPlan, walk
from .committees import CommitteePlanner
from .people import PeoplePlanner
from .tree import TreePlanner


class Planner(TreePlanner, PeoplePlanner, CommitteePlanner):
    def build(self) -> Plan:
        root, city_orgs, demo_branch = self.build_tree()
        branches = [node for node, _parent, _index in walk(root) if node.is_branch]
        self.allocate(branches, demo_branch)
        self.add_groups(branches)
        members: list[MemberPlan] = []
        positions: list[PositionPlan] = []
        for branch in branches:
            people = self.members_of(branch)
            members += people
            positions += self.positions(branch, people)
        return Plan(self.seed, self.today, root, members, positions, demo_branch, city_orgs)


def build_plan(*, members: int, seed: int, today: date | None = None) -> Plan:
    """Draw the whole demo province in memory; no database is touched."""
    return Planner(members=members, seed=seed, today=today or timezone.localdate()).build()

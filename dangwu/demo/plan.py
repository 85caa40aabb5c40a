"""The shape of a planned demo province: organizations, members and committee posts in memory.

The planner fills these; the seeders write them. A seeder that saves a planned item keeps the
saved row in its `obj`, so that the next seeder can point at it (a member's organization, a
committee post's member).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dangwu.orgs.models import BRANCH_TYPES

from .regions import Region

MIN_MEMBERS = 50


class DemoError(Exception):
    """The demo province cannot be loaded (for example, the database is not empty)."""


@dataclass(eq=False)
class OrgPlan:
    code: str
    name: str
    org_type: str
    unit_category: str
    region_code: str
    founded_on: date
    unit_name: str = ""
    contact_phone: str = ""
    address: str = ""
    kind: str = ""  # member profile for branches; "" for the others
    city_code: str = ""
    county: Region | None = None
    children: list[OrgPlan] = field(default_factory=list)
    size: int = 0
    demo: bool = False
    place: str = ""  # 镇/街道 name for addresses below a township
    obj: Any = None  # the saved Organization

    @property
    def is_branch(self) -> bool:
        return self.org_type in BRANCH_TYPES


@dataclass(eq=False)
class MemberPlan:
    org: OrgPlan
    id_number: str
    phone: str
    fields: dict[str, Any]
    account: str = ""
    standing_change: dict[str, Any] | None = None
    obj: Any = None


@dataclass(eq=False)
class PositionPlan:
    org: OrgPlan
    member: MemberPlan
    post: str
    term_start: date
    term_end: date


@dataclass
class Plan:
    seed: int
    today: date
    root: OrgPlan
    members: list[MemberPlan]
    positions: list[PositionPlan]
    demo_branch: OrgPlan
    city_orgs: dict[str, OrgPlan]

    def organizations(self) -> Iterator[tuple[OrgPlan, OrgPlan | None, int]]:
        """Every organization with its parent and its 1-based place among its siblings, parents first."""
        return walk(self.root)


def walk(root: OrgPlan) -> Iterator[tuple[OrgPlan, OrgPlan | None, int]]:
    stack: list[tuple[OrgPlan, OrgPlan | None, int]] = [(root, None, 1)]
    while stack:
        node, parent, index = stack.pop()
        yield node, parent, index
        stack.extend((child, node, i) for i, child in reversed(list(enumerate(node.children, start=1))))

"""The demo loader's shared state, handed to every seeder as `seed(context=…)`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .plan import Plan


@dataclass
class DemoContext:
    """What the loader knows and what the seeders before you have written.

    Set by the loader before the first seeder runs:

    - `seed`: the random seed (`seed_demo --seed`); the same seed gives the same province on the
      same day.
    - `member_count`: how many members the province has (`seed_demo --members`).
    - `today`: the day the province is loaded for (the local date, Asia/Shanghai); every date
      drawn lies before it.
    - `plan`: the province drawn in memory by the planner (`dangwu.demo.planner`): the tree
      (`plan.root`, `plan.city_orgs`, `plan.demo_branch`), the people (`plan.members`) and the
      committee posts (`plan.positions`). A seeder that writes a planned item keeps the saved row
      in the item's `obj`.

    Filled by the built-in seeders, in their order:

    - `organizations`: every saved organization, parents first (the organizations seeder, 10).
    - `users`: the README's demo accounts by username (the accounts seeder, 20).
    - `members`: every saved member, in plan order (the members seeder, 30).
    - `summary`: what each seeder loaded (counts by name); the loader writes it, after `seed`,
      into the load's one `demo.seed` audit entry. Add your own counts here.

    Random numbers: call `random_for("your-key")` for a source of your own, seeded with the
    demo's seed and your key. There is deliberately no shared generator: with one, a seeder's
    draws would depend on which seeders ran before it, and plugging a new app's seeder in would
    change every province that comes after it.
    """

    seed: int
    member_count: int
    today: date
    plan: Plan
    organizations: list[Any] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    members: list[Any] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def random_for(self, key: str) -> random.Random:
        """A random source of one seeder's own: the same key and seed give the same draws."""
        return random.Random(f"{key}-{self.seed}")

    @property
    def root(self) -> Any:
        """The saved 省委 (the root of the tree), once the organizations seeder has run."""
        return self.plan.root.obj

    @property
    def demo_branch(self) -> Any:
        """The saved demo branch, where demo-secretary and demo-member belong."""
        return self.plan.demo_branch.obj

    def city(self, code: str) -> Any:
        """The saved 市委 of a 市州 code ("4301" for 长沙)."""
        return self.plan.city_orgs[code].obj

"""The demo loader: draw the province, then run every registered demo seeder in one transaction.

`seed_demo()` draws the whole province in memory first (`planner.build_plan`, pure), then,
inside one transaction and only into an empty database, runs the seeders of
`core.registries.demo_seeders` in their order, each writing its part through bulk inserts or
services, and ends with one `demo.seed` audit entry that holds every seeder's summary.

The built-in seeders are registered by `DemoConfig.ready()`; a later app plugs its own in from
its own `ready()` (an order between the built-in ones, see `seeders`), without editing this app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dangwu.core import audit, registries
from dangwu.core.audit import audited
from dangwu.members import rules as member_rules
from dangwu.orgs.models import Organization

from .accounts import DEMO_MEMBER_NAME
from .context import DemoContext
from .models import AuditAction
from .plan import DemoError
from .planner import build_plan


@dataclass
class SeedResult:
    organizations: int
    members: int
    positions: int
    standing_changes: int
    accounts: list[str]
    demo_branch: str
    demo_initials: str


@audited(AuditAction.DEMO_SEED)
def seed_demo(*, members: int, seed: int) -> SeedResult:
    """Load the demo province into an empty database, in one transaction."""
    today = timezone.localdate()
    plan = build_plan(members=members, seed=seed, today=today)
    context = DemoContext(seed=seed, member_count=members, today=today, plan=plan)
    with transaction.atomic():
        if Organization.objects.exists():
            raise DemoError("the database already holds organizations; the demo loads only into an empty one")
        for seeder in registries.demo_seeders:
            seeder.seed(context=context)
        summary = context.summary
        result = SeedResult(
            organizations=summary.get("organizations", 0), members=summary.get("members", 0),
            positions=summary.get("positions", 0), standing_changes=summary.get("standing_changes", 0),
            accounts=summary.get("accounts", []), demo_branch=plan.demo_branch.name,
            demo_initials=member_rules.pinyin_keys(DEMO_MEMBER_NAME)[1],
        )
        audit.record(actor=None, action=AuditAction.DEMO_SEED, organization=context.root, summary={"seed": seed, **summary})
    return result

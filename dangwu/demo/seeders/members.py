"""The people of the plan, written in bulk: member records, standing changes, committee posts.

simple-history keeps each member's and each post's initial row; the structure roll-ups of the
bulk-loaded province are then rebuilt once, set-based.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simple_history.utils import bulk_create_with_history

from dangwu.members import rollups
from dangwu.members import rules as member_rules
from dangwu.members.models import Member, StandingChange
from dangwu.orgs.models import CommitteePosition

from .orgs import BATCH, CHANGE_REASON

if TYPE_CHECKING:
    from ..context import DemoContext


def seed_members(*, context: DemoContext) -> None:
    plan = context.plan
    objs: list[Member] = []
    for mp in plan.members:
        user = context.users.get(mp.account) if mp.account else None
        member = Member(organization=mp.org.obj, user=user, **mp.fields)
        member.name_pinyin, member.name_initials = member_rules.pinyin_keys(member.name)
        member.set_id_number(mp.id_number)
        member.set_phone(mp.phone)
        mp.obj = member
        objs.append(member)
    bulk_create_with_history(objs, Member, batch_size=BATCH, default_change_reason=CHANGE_REASON)

    changes = [StandingChange(member=mp.obj, **mp.standing_change) for mp in plan.members if mp.standing_change]
    StandingChange.objects.bulk_create(changes, batch_size=BATCH)

    positions = [CommitteePosition(organization=pp.org.obj, member=pp.member.obj, post=pp.post,
                                   term_start=pp.term_start, term_end=pp.term_end) for pp in plan.positions]
    bulk_create_with_history(positions, CommitteePosition, batch_size=BATCH, default_change_reason=CHANGE_REASON)

    rollups.rebuild()  # the structure statistics of the bulk-loaded province, set-based
    context.members = objs
    context.summary.update(members=len(objs), positions=len(positions), standing_changes=len(changes))

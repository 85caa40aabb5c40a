"""Members scanning at the same moment are each checked in exactly once, and a member scanning many
times at once too (PostgreSQL: the unique (meeting, member) constraint decides the race)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dangwu import testing
from dangwu.core import audit
from dangwu.core.models import AuditEntry
from dangwu.orglife import services
from dangwu.orglife.models import Attendance

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent check-ins need PostgreSQL (SQLite serializes the whole database); "
                              "run with DATABASE_URL=postgres://…"),
]

MEMBERS = 40
REPEATS = 12  # members who scan a second time in the same instant (52 threads: PostgreSQL's connections are shared)


def test_many_members_scanning_at_once_are_each_checked_in_once():
    world = testing.make_world()
    secretary = testing.make_user("sec_conc", ("branch_secretary", world.branch_a))
    users = []
    for i in range(MEMBERS):
        user = testing.make_user(f"scan_{i}")
        testing.make_member(world.branch_a, name=f"党员{i}", user=user)
        users.append(user)
    starts = timezone.now() + timedelta(minutes=5)
    meeting = services.plan_meeting(actor=secretary, organization=world.branch_a, kind="theme_day", title="主题党日",
                                    starts_at=starts, ends_at=starts + timedelta(hours=2))
    before = AuditEntry.objects.count()
    calls = [(user, meeting.checkin_token) for user in users + users[:REPEATS]]
    outcome = testing.at_once(lambda user, token: services.check_in(actor=user, token=token), calls)
    results = outcome.results
    assert outcome.errors == [] and outcome.refused == []
    assert len(results) == MEMBERS + REPEATS
    assert sum(r.created for r in results) == MEMBERS
    assert Attendance.objects.filter(meeting=meeting).count() == MEMBERS
    assert AuditEntry.objects.count() - before == MEMBERS  # one entry per member, none for a repeated scan
    assert audit.verify_chain().intact

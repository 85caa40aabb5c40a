"""Each voter votes once even when casting from two devices at the same instant (PostgreSQL: the
round's and the roll row's locks decide the race): every ballot stored once, no double vote, and
the roll's marks, the trackers and the ballots agree."""

from __future__ import annotations

import pytest
from django.db import connection

from dangwu import testing
from dangwu.core import audit
from dangwu.core.models import AuditEntry
from dangwu.elections import selectors, services
from dangwu.elections.models import Ballot, RollEntry, Tracker

from .ballot_helpers import branch_with_voters, election_with_open_round

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent casting needs PostgreSQL (SQLite serializes the whole database); "
                              "run with DATABASE_URL=postgres://…"),
]

VOTERS = 50
WAVE = 20  # voters casting at the same instant, each from two threads (40 connections at once)


def test_fifty_voters_each_casting_from_two_threads_at_once_vote_once_each():
    world = testing.make_world()
    branch = branch_with_voters(world, VOTERS, prefix="conc")
    _election, round = election_with_open_round(world, branch)
    before = AuditEntry.objects.count()
    trackers, refusals, errors = [], [], []
    for start in range(0, VOTERS, WAVE):
        wave = branch.voters[start:start + WAVE]
        calls = [(user, round, ["王一", "李二"] if i % 2 else ["赵四"]) for i, user in enumerate(wave)]
        outcome = testing.at_once(lambda user, round, names: services.cast_ballot(actor=user, round=round, names=names),
                                  calls + [(user, round, ["孙六"]) for user in wave])  # the second device
        trackers += outcome.results
        refusals += [(args[0].username, exc.messages) for args, exc in outcome.refused]
        errors += outcome.errors
    assert errors == []
    assert len(trackers) == VOTERS and len(set(trackers)) == VOTERS
    assert len(refusals) == VOTERS and all("已投过票" in " ".join(m) for _, m in refusals)
    assert sorted(name for name, _ in refusals) == sorted(u.username for u in branch.voters)  # each voter once
    assert RollEntry.objects.filter(round=round, voted=True).count() == VOTERS
    assert Ballot.objects.filter(round=round).count() == VOTERS == Tracker.objects.filter(round=round).count()
    assert AuditEntry.objects.count() - before == VOTERS
    assert audit.verify_chain().intact
    counts = services.close_round(actor=branch.voters[0], round=round)
    assert counts.agree and counts.ballots == VOTERS
    assert selectors.trackers(round=round) == sorted(trackers)

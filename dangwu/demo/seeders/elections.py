"""Demo data of party elections (选举演示数据): the demo branch's committee election (支部委员会换届
选举), held last month by online secret ballot and published — so that the demo shows a
publication (the trackers, the ballots in random order, the three counts agreeing) and
`manage.py verify_election` recomputes the same result.

The rows are written as the services would leave them (a round that opened, was closed by its
scrutineer and published): the roll of the branch's electorate (`elections.selectors.electorate`),
most of it marked as voted, one ballot and one tracker per mark, and the result computed by
`elections.rules.tally` from those very ballots.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from dangwu.elections import rules, selectors
from dangwu.elections.models import Ballot, Candidate, Election, ElectionKind, RollEntry, Round, Tracker

if TYPE_CHECKING:
    from ..context import DemoContext

SEATS = 3
CANDIDATES = 4  # 差额: at least 120 % of the seats
FAVOUR = [0.9, 0.8, 0.65, 0.3]  # the chance a ballot marks each candidate, in the list's order


def seed_elections(*, context: DemoContext) -> None:
    branch = context.demo_branch
    rng = context.random_for("elections")
    voters = selectors.electorate(organization=branch)
    if len(voters) < CANDIDATES + 2:
        context.summary["elections"] = {"elections": 0}
        return
    names = [m.name for m in voters[:CANDIDATES]]
    scrutineer = voters[CANDIDATES]
    when = timezone.make_aware(datetime.combine(context.today - timedelta(days=30), time(15)))
    election = Election.objects.create(organization=branch, title=f"{branch.name}支部委员会换届选举",
                                       kind=ElectionKind.COMMITTEE, seats=SEATS)
    Candidate.objects.bulk_create([Candidate(election=election, name=n, order=i) for i, n in enumerate(names, 1)])
    absent = max(0, (len(voters) - 1) // 10)  # fewer than a fifth stay away: the quorum holds
    present = len(voters) - absent
    round = Round.objects.create(election=election, number=1, mode=Round.Mode.ONLINE, candidates=names,
                                 electorate=len(voters), present=present, opened_at=when,
                                 closed_at=when + timedelta(minutes=40))
    round.scrutineers.set([scrutineer])
    voted = set(rng.sample(range(len(voters)), present))
    RollEntry.objects.bulk_create([RollEntry(round=round, member=m, voted=i in voted) for i, m in enumerate(voters)])
    ballots = []
    for _ in range(present):
        marked = [n for n, p in zip(names, FAVOUR, strict=True) if rng.random() < p][:SEATS]
        ballots.append(sorted(marked))
    rng.shuffle(ballots)
    Ballot.objects.bulk_create([Ballot(round=round, content=b) for b in ballots])
    Tracker.objects.bulk_create([Tracker(round=round, code=rules.new_tracker()) for _ in ballots])
    result = rules.tally(seats=SEATS, candidates=names, electorate=len(voters), present=present, ballots=ballots)
    Round.objects.filter(pk=round.pk).update(status=Round.Status.PUBLISHED, result=selectors.result_as_dict(result),
                                             published_at=when + timedelta(hours=1))
    done = result.valid and not result.tied and result.shortfall == 0
    Election.objects.filter(pk=election.pk).update(status=Election.Status.DONE if done else Election.Status.PREPARING)
    context.summary["elections"] = {"elections": 1, "ballots": len(ballots), "elected": len(result.elected)}

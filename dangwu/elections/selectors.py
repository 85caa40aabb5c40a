"""Reads of party elections (党内选举), already filtered to the caller's scope (`core.access`).

Who sees what: cadres holding `elections.view` see the elections of their scope; a member sees
their own organization's; a round's publication (the trackers, the ballots, the result) is shown
to its electorate, its scrutineers and the cadres of the scope."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member
from dangwu.orgs.models import Organization

from . import rules
from .models import Ballot, Candidate, Election, RollEntry, Round, Tracker


def own_member(*, user: Any) -> Member | None:
    return member_selectors.own_member(user)


def organizations_managed(*, actor: User) -> QuerySet[Organization]:
    """The organizations where the caller may set up an election: those of the scope that elect a
    committee, a secretary or delegates — not a 党小组, which has no committee."""
    return Organization.objects.filter(access.scope_q(actor, Cap.ELECTIONS_MANAGE), dissolved_on__isnull=True).exclude(
        org_type__in=rules.NON_ELECTING_TYPES)


def elections_visible(*, actor: User) -> QuerySet[Election]:
    """The elections of the caller's scope (`elections.view`) and of their own organization."""
    q = access.scope_q(actor, Cap.ELECTIONS_VIEW, path_field="organization__path")
    own = own_member(user=actor)
    if own is not None:
        q |= Q(organization_id=own.organization_id)
    return Election.objects.filter(q).select_related("organization").order_by("-created_at", "-pk")


def rounds_visible(*, actor: User) -> QuerySet[Round]:
    return Round.objects.filter(election__in=elections_visible(actor=actor)).select_related("election__organization")


def candidate_names(*, election: Election) -> list[str]:
    return list(Candidate.objects.filter(election=election).order_by("order").values_list("name", flat=True))


def electorate(*, organization: Organization) -> list[Member]:
    """The members who may vote in an election of the organization (`rules.may_vote`): its own
    full members in good standing."""
    members = Member.objects.filter(organization=organization).order_by("name_pinyin", "pk")
    return [m for m in members if rules.may_vote(member_type=m.member_type, standing=m.standing)]


def scrutineer_choices(*, organization: Organization) -> list[tuple[int, str]]:
    return [(m.pk, m.name) for m in electorate(organization=organization)]


def members_of(*, organization: Organization, ids: Any) -> list[Member]:
    return list(Member.objects.filter(organization=organization, pk__in=list(ids or ())))


def is_scrutineer(*, round: Round, user: Any) -> bool:
    own = own_member(user=user)
    return own is not None and round.scrutineers.filter(pk=own.pk).exists()


def roll_entry(*, round: Round, user: Any) -> RollEntry | None:
    own = own_member(user=user)
    return None if own is None else RollEntry.objects.filter(round=round, member=own).first()


def may_read_publication(*, round: Round, user: Any) -> bool:
    """The electorate, the scrutineers and the cadres of the scope read a round's publication."""
    return (access.can(user, Cap.ELECTIONS_VIEW, round.election.organization)
            or roll_entry(round=round, user=user) is not None or is_scrutineer(round=round, user=user))


def open_rounds_to_vote(*, member: Member) -> QuerySet[Round]:
    """The online rounds open now in which the member is on the roll and has not voted (我的选举)."""
    return Round.objects.filter(status=Round.Status.OPEN, mode=Round.Mode.ONLINE, roll__member=member,
                                roll__voted=False).select_related("election").order_by("pk")


@dataclasses.dataclass(frozen=True)
class Counts:
    """The three counts that must agree once a round closes: marks on the roll, trackers, ballots."""

    roll_marks: int
    trackers: int
    ballots: int

    @property
    def agree(self) -> bool:
        return self.roll_marks == self.trackers == self.ballots


def counts(*, round: Round) -> Counts:
    return Counts(roll_marks=RollEntry.objects.filter(round=round, voted=True).count(),
                  trackers=Tracker.objects.filter(round=round).count(),
                  ballots=Ballot.objects.filter(round=round).count())


def trackers(*, round: Round) -> list[str]:
    """The round's trackers, sorted (a voter finds theirs; the order says nothing)."""
    return sorted(Tracker.objects.filter(round=round).values_list("code", flat=True))


def ballot_contents(*, round: Round) -> list[list[str]]:
    """The round's ballots, each a sorted list of names, in the order of their random ids (random)."""
    return [list(c) for c in Ballot.objects.filter(round=round).order_by("id").values_list("content", flat=True)]


def ballots_for_tally(*, round: Round) -> list[frozenset[str]]:
    """What `rules.tally` counts: the stored ballots online, the scrutineers' counts on paper."""
    if round.mode == Round.Mode.PAPER:
        return rules.paper_ballots(seats=round.election.seats, votes=round.paper_votes or {},
                                   returned=round.paper_returned or 0, void=round.paper_void or 0,
                                   blank=round.paper_blank or 0)
    return [frozenset(b) for b in ballot_contents(round=round)]


def tally_of(*, round: Round) -> rules.TallyResult:
    election = round.election
    return rules.tally(seats=election.seats, candidates=round.candidates, electorate=round.electorate,
                       present=round.present, ballots=ballots_for_tally(round=round), contested=election.contested)


def result_as_dict(result: rules.TallyResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def export(*, round: Round) -> dict[str, Any]:
    """The round as anyone in scope downloads it to recompute the tally without the database
    (`manage.py verify_election --file`)."""
    election = round.election
    data: dict[str, Any] = {
        "format": "dangwu-election-round/1", "election": election.pk, "title": election.title,
        "organization": election.organization.name, "round": round.number, "mode": round.mode,
        "seats": election.seats, "contested": election.contested, "candidates": list(round.candidates),
        "electorate": round.electorate, "present": round.present, "published_result": round.result,
    }
    if round.mode == Round.Mode.PAPER:
        data["paper"] = {"returned": round.paper_returned, "void": round.paper_void, "blank": round.paper_blank,
                         "votes": round.paper_votes}
    else:
        data["ballots"] = ballot_contents(round=round)
        data["trackers"] = trackers(round=round)
    return data


def tally_of_export(data: dict[str, Any]) -> rules.TallyResult:
    """Recompute a downloaded round's tally (no database): the same rules as `tally_of`."""
    if "paper" in data:
        paper = data["paper"]
        ballots: list[Any] = rules.paper_ballots(seats=data["seats"], votes=paper["votes"], returned=paper["returned"],
                                                 void=paper["void"], blank=paper["blank"])
    else:
        ballots = data["ballots"]
    return rules.tally(seats=data["seats"], candidates=data["candidates"], electorate=data["electorate"],
                       present=data["present"], ballots=ballots, contested=data["contested"])

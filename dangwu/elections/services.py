"""Every write of party elections' secret ballot (无记名投票): set up an election and its candidate
list, open a round (the roll of the electorate frozen), cast a ballot, the scrutineers' close (or
their entry of a paper round's counts), and publish (公布) the result.

Each service is keyword-only, runs in one transaction and records one audit entry
(`core.audit.audited`). Bad input raises ValidationError keyed by the field and writes nothing.

Casting (`cast_ballot`) is the heart of the secret ballot (decision 0031): in one transaction it
locks the round and the voter's roll row, marks the roll, stores the ballot (no voter, random id, no
time) and a tracker (a random code, no voter, no link to the ballot), and records an audit entry
that names the round, never the ballot, its content or the tracker.
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.core.validators import control_character_problem
from dangwu.members.models import Member
from dangwu.orgs.models import Organization

from . import rules, selectors
from .models import AuditAction, Ballot, Candidate, Election, ElectionKind, RollEntry, Round, Tracker

NAME_MAX = 50


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _whole(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({field: [_("请填写不小于 0 的整数。")]})
    return value


def _names(value: Any, field: str) -> list[str]:
    """A list of distinct names, each one line of at most 50 characters; anything else is refused."""
    if not isinstance(value, list | tuple) or not all(isinstance(n, str) for n in value):
        raise ValidationError({field: [_("姓名须为文字列表。")]})
    names = [n.strip() for n in value]
    if any(not n for n in names):
        raise ValidationError({field: [_("姓名不能为空。")]})
    if any(len(n) > NAME_MAX or control_character_problem(n) for n in names):
        raise ValidationError({field: [_("姓名须为一行、不超过 50 个字。")]})
    if len(set(names)) != len(names):
        raise ValidationError({field: [_("同一姓名不能重复。")]})
    return names


@audited(AuditAction.CREATE)
def create_election(
    *, actor: User, organization: Organization, title: str, kind: str, seats: int, origin: Origin | None = None,
) -> Election:
    """Set up an election of the organization (支部委员会, 书记副书记 or 党代会代表) with its seats."""
    access.require(actor, Cap.ELECTIONS_MANAGE, organization)
    if organization.org_type in rules.NON_ELECTING_TYPES or organization.dissolved_on is not None:
        raise ValidationError({"organization": [_("党小组和已撤销的党组织不进行选举。")]})
    if kind not in ElectionKind.values:
        raise ValidationError({"kind": [_("请选择选举类型。")]})
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= 99:
        raise ValidationError({"seats": [_("应选人数须为 1 至 99 的整数。")]})
    election = Election(organization=organization, title=_text(title), kind=kind, seats=seats, created_by=actor)
    election.full_clean()
    election.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=election, organization=organization,
                 origin=origin, summary={"title": election.title, "kind": kind, "seats": seats})
    return election


def _refuse_while_round_open(election: Election, field: str) -> None:
    if election.rounds.filter(status__in=[Round.Status.OPEN, Round.Status.CLOSED]).exists():
        raise ValidationError({field: [_("本轮投票尚未公布结果，不能修改。")]})


@audited(AuditAction.CANDIDATES)
def set_candidates(*, actor: User, election: Election, names: Any, origin: Origin | None = None) -> list[str]:
    """The candidate list (候选人名单) in the ballot's order; edited until a round opens (and
    between rounds, for 另行选举 or a tie's revote)."""
    access.require(actor, Cap.ELECTIONS_MANAGE, election.organization)
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.status == Election.Status.DONE:
        raise ValidationError({"names": [_("选举已结束。")]})
    _refuse_while_round_open(election, "names")
    names = _names(names, "names")
    if not names:
        raise ValidationError({"names": [_("请至少填写一名候选人。")]})
    Candidate.objects.filter(election=election).delete()
    Candidate.objects.bulk_create([Candidate(election=election, name=n, order=i) for i, n in enumerate(names, 1)])
    audit.record(actor=actor, action=AuditAction.CANDIDATES, target=election,
                 organization=election.organization, origin=origin, summary={"candidates": names})
    return names


@audited(AuditAction.OPEN_ROUND)
def open_round(
    *, actor: User, election: Election, mode: str, present: int, scrutineers: Any, origin: Origin | None = None,
) -> Round:
    """Open a round of voting: the roll of the electorate (`selectors.electorate`) and its count
    frozen, those present (实到) as counted at the meeting, the scrutineers (监票人) named."""
    organization = election.organization
    access.require(actor, Cap.ELECTIONS_MANAGE, organization)
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.status == Election.Status.DONE:
        raise ValidationError({"mode": [_("选举已结束。")]})
    _refuse_while_round_open(election, "mode")
    if mode not in Round.Mode.values:
        raise ValidationError({"mode": [_("请选择投票方式。")]})
    candidates = selectors.candidate_names(election=election)
    if not candidates:
        raise ValidationError({"mode": [_("请先确定候选人名单。")]})
    voters = selectors.electorate(organization=organization)
    present = _whole(present, "present")
    if present > len(voters):
        raise ValidationError({"present": [
            _("实到人数不能超过应到会有选举权的党员（%(n)d 人）。") % {"n": len(voters)}]})
    chosen = list(scrutineers or ())
    if not chosen or not all(isinstance(m, Member) for m in chosen):
        raise ValidationError({"scrutineers": [_("请至少指定一名监票人。")]})
    voter_ids = {m.pk for m in voters}
    if any(m.pk not in voter_ids for m in chosen):
        raise ValidationError({"scrutineers": [_("监票人须为本组织有选举权的党员。")]})
    if any(m.name in candidates for m in chosen):
        raise ValidationError({"scrutineers": [_("候选人不能担任监票人。")]})
    number = (election.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    round = Round.objects.create(election=election, number=number, mode=mode, candidates=candidates,
                                 electorate=len(voters), present=present, opened_by=actor, opened_at=timezone.now())
    round.scrutineers.set(chosen)
    RollEntry.objects.bulk_create([RollEntry(round=round, member=m) for m in voters])
    election.status = Election.Status.VOTING
    election.save(update_fields=["status"])
    audit.record(actor=actor, action=AuditAction.OPEN_ROUND, target=round, organization=organization,
                 origin=origin, summary={"round": number, "mode": mode, "electorate": len(voters), "present": present,
                                         "scrutineers": [m.name for m in chosen]})
    return round


@audited(AuditAction.CAST)
def cast_ballot(*, actor: User, round: Round, names: Any, origin: Origin | None = None) -> str:
    """Cast the caller's ballot in an open online round: the names marked "for" (write-ins, 另选他人,
    are names not on the list). Returns the tracker, to be shown once and kept nowhere with the voter."""
    names = _names(names, "names")
    round = Round.objects.select_for_update().select_related("election").get(pk=round.pk)
    if round.mode != Round.Mode.ONLINE or round.status != Round.Status.OPEN:
        raise ValidationError({"round": [_("本轮投票未在进行，不能投票。")]})
    own = selectors.own_member(user=actor)
    entry = (RollEntry.objects.select_for_update().filter(round=round, member=own).first()
             if own is not None else None)
    if entry is None:
        raise ValidationError({"round": [_("您不在本轮选举人名册中，不能投票。")]})
    if entry.voted:
        raise ValidationError({"round": [_("您已投过票，每人只能投一次。")]})
    if len(names) > round.election.seats:
        raise ValidationError({"names": [
            _("所选人数不能超过应选人数（%(n)d 人），否则为无效票。") % {"n": round.election.seats}]})
    RollEntry.objects.filter(pk=entry.pk).update(voted=True)
    Ballot.objects.create(round=round, content=sorted(names))
    code = rules.new_tracker()
    Tracker.objects.create(round=round, code=code)
    # the entry names the round: that this member voted, as the roll says; never the ballot or tracker
    audit.record(actor=actor, action=AuditAction.CAST, target=round, organization=round.election.organization,
                 origin=origin, summary={"round": round.number})
    return code


def _require_scrutineer(actor: User, round: Round) -> None:
    if not selectors.is_scrutineer(round=round, user=actor):
        raise ValidationError({"round": [_("只有本轮的监票人可以结束投票或登记计票结果。")]})


def _rewrite_shuffled(round: Round) -> None:
    """Write the round's ballots and trackers again in a random order (new rows, new random ids), so
    that where the database keeps them says nothing of the order in which they were cast."""
    rng = random.SystemRandom()
    contents = list(Ballot.objects.filter(round=round).values_list("content", flat=True))
    codes = list(Tracker.objects.filter(round=round).values_list("code", flat=True))
    rng.shuffle(contents)
    rng.shuffle(codes)
    Ballot.objects.filter(round=round).delete()
    Tracker.objects.filter(round=round).delete()
    Ballot.objects.bulk_create([Ballot(round=round, content=c) for c in contents])
    Tracker.objects.bulk_create([Tracker(round=round, code=c) for c in codes])


@audited(AuditAction.CLOSE_ROUND)
def close_round(*, actor: User, round: Round, origin: Origin | None = None) -> selectors.Counts:
    """The scrutineers' act that ends an online round: no more ballots; the three counts (roll marks,
    trackers, ballots) recorded. Returns them."""
    round = Round.objects.select_for_update().select_related("election__organization").get(pk=round.pk)
    _require_scrutineer(actor, round)
    if round.mode != Round.Mode.ONLINE:
        raise ValidationError({"round": [_("纸质选票的轮次由监票人登记计票结果后结束。")]})
    if round.status != Round.Status.OPEN:
        raise ValidationError({"round": [_("本轮投票已经结束。")]})
    _rewrite_shuffled(round)
    round.status, round.closed_by, round.closed_at = Round.Status.CLOSED, actor, timezone.now()
    round.save(update_fields=["status", "closed_by", "closed_at"])
    found = selectors.counts(round=round)
    audit.record(actor=actor, action=AuditAction.CLOSE_ROUND, target=round,
                 organization=round.election.organization, origin=origin,
                 summary={"round": round.number, "roll_marks": found.roll_marks, "trackers": found.trackers,
                          "ballots": found.ballots})
    return found


@audited(AuditAction.PAPER_COUNT)
def enter_paper_counts(
    *, actor: User, round: Round, returned: int, void: int, blank: int, votes: Any, origin: Origin | None = None,
) -> Round:
    """The scrutineers enter a paper round's counts (收回选票, 无效票, 空白票, each name's "for"
    votes, write-ins among them): this ends the round."""
    round = Round.objects.select_for_update().select_related("election__organization").get(pk=round.pk)
    _require_scrutineer(actor, round)
    if round.mode != Round.Mode.PAPER or round.status != Round.Status.OPEN:
        raise ValidationError({"round": [_("只能为进行中的纸质选票轮次登记计票结果。")]})
    returned, void, blank = _whole(returned, "returned"), _whole(void, "void"), _whole(blank, "blank")
    if not isinstance(votes, dict):
        raise ValidationError({"votes": [_("请填写各人得票数。")]})
    names = _names(list(votes), "votes")
    counted = {name: _whole(votes[key], "votes") for name, key in zip(names, votes, strict=True)}
    if void + blank > returned:
        raise ValidationError({"void": [_("无效票与空白票之和不能超过收回选票数。")]})
    try:
        rules.paper_ballots(seats=round.election.seats, votes=counted, returned=returned, void=void, blank=blank)
    except ValueError:
        raise ValidationError({"votes": [_("得票数与选票数不符：每人得票不能超过有效票，总票数不能超过有效票乘以应选人数，"
                                           "每张非空白有效票至少选一人。")]}) from None
    round.paper_returned, round.paper_void, round.paper_blank, round.paper_votes = returned, void, blank, counted
    round.status, round.closed_by, round.closed_at = Round.Status.CLOSED, actor, timezone.now()
    round.save(update_fields=["paper_returned", "paper_void", "paper_blank", "paper_votes", "status", "closed_by",
                              "closed_at"])
    audit.record(actor=actor, action=AuditAction.PAPER_COUNT, target=round,
                 organization=round.election.organization, origin=origin,
                 summary={"round": round.number, "returned": returned, "void": void, "blank": blank,
                          "votes": counted})
    return round


@audited(AuditAction.PUBLISH)
def publish_round(*, actor: User, round: Round, origin: Origin | None = None) -> rules.TallyResult:
    """Publish (公布) a closed round to its electorate: the tally is computed from the stored ballots
    (or the paper counts) and kept as published; the election ends when the seats are filled."""
    round = Round.objects.select_for_update().select_related("election__organization").get(pk=round.pk)
    election = round.election
    access.require(actor, Cap.ELECTIONS_MANAGE, election.organization)
    if round.status != Round.Status.CLOSED:
        raise ValidationError({"round": [_("只能公布已结束投票的轮次。")]})
    if round.mode == Round.Mode.ONLINE and not selectors.counts(round=round).agree:
        raise ValidationError({"round": [_("名册投票标记、凭证码与选票三者数目不一致，不能公布。")]})
    result = selectors.tally_of(round=round)
    round.result = selectors.result_as_dict(result)
    round.status, round.published_by, round.published_at = Round.Status.PUBLISHED, actor, timezone.now()
    round.save(update_fields=["result", "status", "published_by", "published_at"])
    done = result.valid and not result.tied and result.shortfall == 0
    Election.objects.filter(pk=election.pk).update(
        status=Election.Status.DONE if done else Election.Status.PREPARING)
    audit.record(actor=actor, action=AuditAction.PUBLISH, target=round, organization=election.organization,
                 origin=origin, summary={"round": round.number, "valid": result.valid, "elected": result.elected,
                                         "tied": result.tied, "shortfall": result.shortfall})
    return result

"""The secret ballot's services: open, cast, close, publish, paper counts; each write one audit
entry; bad input names the field and writes nothing; the result recomputed from the ballots."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.elections import rules, selectors, services
from dangwu.elections.models import Ballot, Candidate, Election, RollEntry, Round, Tracker

from .ballot_helpers import CANDIDATES, branch_with_voters, election_with_open_round

pytestmark = pytest.mark.django_db


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, ballots=Ballot.objects, trackers=Tracker.objects,
                            voted=RollEntry.objects.filter(voted=True), rounds=Round.objects,
                            candidates=Candidate.objects, elections=Election.objects)


def test_the_electorate_is_the_full_members_in_good_standing():
    assert rules.may_vote(member_type="full", standing="normal")
    assert not rules.may_vote(member_type="probationary", standing="normal")
    assert not rules.may_vote(member_type="full", standing="suspended")
    assert not rules.may_vote(member_type="full", standing="normal", under_inspection=True)


def test_open_round_freezes_the_roll_of_the_electorate(world):
    branch = branch_with_voters(world, 4)
    testing.make_member(world.branch_a, name="预备党员", member_type="probationary")
    testing.make_member(world.branch_a, name="停止党籍", standing="suspended")
    testing.make_member(world.branch_a2, name="别的支部")
    snap = _snapshot()
    election, round = election_with_open_round(world, branch, present=4)
    assert snap.delta()["audit"] == 3  # create, candidates, open round
    assert round.electorate == 4 and RollEntry.objects.filter(round=round).count() == 4
    assert round.candidates == CANDIDATES
    assert sorted(RollEntry.objects.filter(round=round).values_list("member__name", flat=True)) == [
        m.name for m in branch.members]
    entry = testing.last_audit_entry()
    assert entry.action == "elections.open_round" and entry.summary["electorate"] == 4
    # the list is frozen while the round runs
    with pytest.raises(ValidationError) as exc:
        services.set_candidates(actor=branch.secretary, election=election, names=["甲", "乙"])
    assert "names" in exc.value.message_dict


def test_cast_marks_the_roll_stores_the_ballot_and_a_tracker_and_audits_the_round_only(world):
    branch = branch_with_voters(world, 5)
    _election, round = election_with_open_round(world, branch)
    snap = _snapshot()
    tracker = services.cast_ballot(actor=branch.voters[1], round=round, names=["李二", "王一", "另选人"])
    assert snap.delta() == {"audit": 1, "ballots": 1, "trackers": 1, "voted": 1, "rounds": 0, "candidates": 0,
                            "elections": 0}
    assert Ballot.objects.get().content == ["另选人", "李二", "王一"]
    assert Tracker.objects.get().code == tracker and len(tracker) == 19
    entry = testing.last_audit_entry()
    assert entry.action == "elections.cast" and entry.target_id == str(round.pk)
    text = json.dumps(entry.summary, ensure_ascii=False) + entry.target_repr
    assert entry.summary == {"round": 1}
    assert tracker not in text and "李二" not in text and str(Ballot.objects.get().pk) not in text


@pytest.mark.parametrize(("names", "field"), [
    ("王一", "names"), (None, "names"), ([1, 2], "names"), (["王一", None], "names"), ([["王一"]], "names"),
    (["王一", "王一"], "names"), ([""], "names"), (["王\x00一"], "names"), (["长" * 51], "names"),
    (CANDIDATES, "names"),  # six names for five seats: refused online, it would be void
])
def test_cast_refuses_a_bad_name_list_and_writes_nothing(world, names, field):
    branch = branch_with_voters(world, 5)
    _election, round = election_with_open_round(world, branch)
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.cast_ballot(actor=branch.voters[0], round=round, names=names)
    assert field in exc.value.message_dict and snap.unchanged()


def test_cast_twice_not_on_roll_or_closed_round_is_refused_and_writes_nothing(world):
    branch = branch_with_voters(world, 5)
    _election, round = election_with_open_round(world, branch)
    services.cast_ballot(actor=branch.voters[0], round=round, names=["王一"])
    snap = _snapshot()
    with pytest.raises(ValidationError, match="已投过票"):
        services.cast_ballot(actor=branch.voters[0], round=round, names=["李二"])
    outsider = testing.make_user("outsider")
    with pytest.raises(ValidationError, match="不在本轮选举人名册"):
        services.cast_ballot(actor=outsider, round=round, names=["李二"])
    elsewhere = testing.make_user("elsewhere")
    testing.make_member(world.branch_a2, name="别的支部", user=elsewhere)
    with pytest.raises(ValidationError, match="不在本轮选举人名册"):  # a member of another branch
        services.cast_ballot(actor=elsewhere, round=round, names=["李二"])
    assert snap.unchanged()
    services.close_round(actor=branch.voters[0], round=round)  # voter 0 is the scrutineer
    snap = _snapshot()
    with pytest.raises(ValidationError, match="未在进行"):
        services.cast_ballot(actor=branch.voters[1], round=round, names=["李二"])
    assert snap.unchanged()


def test_only_a_scrutineer_closes_and_only_a_manager_publishes(world):
    branch = branch_with_voters(world, 5)
    _election, round = election_with_open_round(world, branch)
    snap = _snapshot()
    with pytest.raises(ValidationError, match="监票人"):
        services.close_round(actor=branch.secretary, round=round)
    with pytest.raises(ValidationError, match="监票人"):
        services.close_round(actor=branch.voters[1], round=round)
    with pytest.raises(ValidationError, match="已结束投票"):
        services.publish_round(actor=branch.secretary, round=round)
    with pytest.raises(PermissionDenied):
        services.publish_round(actor=branch.voters[0], round=round)
    assert snap.unchanged()


def _vote_close_publish(world, branch, votes):
    election, round = election_with_open_round(world, branch)
    trackers = [services.cast_ballot(actor=user, round=round, names=names) for user, names in zip(branch.voters, votes, strict=False)]
    counts = services.close_round(actor=branch.voters[0], round=round)
    result = services.publish_round(actor=branch.secretary, round=round)
    return election, Round.objects.get(pk=round.pk), trackers, counts, result


def test_close_and_publish_count_the_ballots_and_the_result_is_recomputed(world, tmp_path, client, capsys):
    branch = branch_with_voters(world, 10)
    votes = [["王一", "李二", "张三丰"]] * 6 + [["赵四", "钱五"]] * 3 + [[]]
    election, round, trackers, counts, result = _vote_close_publish(world, branch, votes)
    assert (counts.roll_marks, counts.trackers, counts.ballots) == (10, 10, 10) and counts.agree
    assert result.valid and result.elected == ["王一", "李二", "张三丰"] and result.shortfall == 2
    assert round.status == Round.Status.PUBLISHED and round.result["elected"] == ["王一", "李二", "张三丰"]
    assert Election.objects.get(pk=election.pk).status == Election.Status.PREPARING  # seats left: 另行选举
    assert selectors.trackers(round=round) == sorted(trackers)
    assert sorted(map(tuple, selectors.ballot_contents(round=round))) == sorted(tuple(sorted(v)) for v in votes)
    assert [e.action for e in AuditEntry.objects.order_by("-seq")[:2]] == ["elections.publish", "elections.close_round"]

    call_command("verify_election", str(election.pk))
    out = capsys.readouterr().out
    assert "roll marks 10, trackers 10, ballots 10: agree" in out and "equals the published result" in out

    client.force_login(branch.voters[3])
    response = client.get(f"/elections/rounds/{round.pk}/round.json")
    assert response.status_code == 200
    path = tmp_path / "round.json"
    path.write_bytes(response.content)
    data = json.loads(response.content)
    assert data["seats"] == 5 and data["electorate"] == 10 and data["present"] == 10 and len(data["ballots"]) == 10
    call_command("verify_election", file=str(path))
    assert "equals the published result" in capsys.readouterr().out
    # a changed ballot in the file no longer gives the published result
    data["ballots"] = [["孙六"]] * 10
    path.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(SystemExit):
        call_command("verify_election", file=str(path))
    assert "DIFFERS from the published result" in capsys.readouterr().out


def test_paper_round_counts_end_in_the_same_tally(world):
    branch = branch_with_voters(world, 10)
    election, round = election_with_open_round(world, branch, mode="paper", present=9)
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:  # 王一 cannot have more votes than marked ballots
        services.enter_paper_counts(actor=branch.voters[0], round=round, returned=9, void=1, blank=1,
                                    votes={"王一": 8})
    assert "votes" in exc.value.message_dict and snap.unchanged()
    with pytest.raises(ValidationError) as exc:
        services.enter_paper_counts(actor=branch.voters[0], round=round, returned=3, void=2, blank=2, votes={})
    assert "void" in exc.value.message_dict and snap.unchanged()
    services.enter_paper_counts(actor=branch.voters[0], round=round, returned=9, void=1, blank=1,
                                votes={"王一": 7, "李二": 6, "张三丰": 5, "赵四": 5, "钱五": 4, "孙六": 3, "写入": 5})
    assert snap.delta()["audit"] == 1
    result = services.publish_round(actor=branch.secretary, round=round)
    # more than half of 9 present: 5 votes; 王一 7, 李二 6, then 张三丰 赵四 写入 on 5 for the 3 seats left
    assert result.valid and result.void_ballots == 1
    assert result.elected == ["王一", "李二", "张三丰", "赵四", "写入"] and result.tied == []
    assert Election.objects.get(pk=election.pk).status == Election.Status.DONE


def test_paper_ballots_reproduce_the_counts():
    ballots = rules.paper_ballots(seats=3, votes={"a": 4, "b": 4, "c": 2, "d": 1}, returned=7, void=1, blank=1)
    assert len(ballots) == 7
    result = rules.tally(seats=3, candidates=["a", "b", "c", "d"], electorate=8, present=7, ballots=ballots)
    assert result.votes == {"a": 4, "b": 4, "c": 2, "d": 1} and result.void_ballots == 1
    with pytest.raises(ValueError):
        rules.paper_ballots(seats=1, votes={"a": 3, "b": 3}, returned=5, void=0, blank=0)  # 6 marks on 5 ballots


def test_a_party_group_holds_no_election_and_is_not_offered(world):
    from django.test import Client

    from dangwu.orgs.models import Organization

    branch = branch_with_voters(world, 1)
    group = Organization.objects.add_child(Organization.objects.get(pk=world.branch_a.pk), {
        "code": "43010200101", "name": "芙蓉区第一党支部第一党小组", "org_type": "group"})
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.create_election(actor=branch.secretary, organization=group, title="选举", kind="committee", seats=3)
    assert "organization" in exc.value.message_dict and snap.unchanged()
    assert list(selectors.organizations_managed(actor=branch.secretary)) == [world.branch_a]
    client = Client()
    client.force_login(branch.secretary)
    assert client.get(f"/elections/org/{group.pk}/new/").status_code == 404

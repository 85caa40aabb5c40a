"""The secret ballot's pages: the home card and the menu for a voter, the forms' bad input answered
beside the field with nothing written, the paper count entered by the scrutineer."""

from __future__ import annotations

import pytest

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.elections.models import Ballot, Candidate, Election, RollEntry, Round, Tracker

from .ballot_helpers import branch_with_voters, election_with_open_round

pytestmark = pytest.mark.django_db


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, ballots=Ballot.objects, trackers=Tracker.objects,
                            voted=RollEntry.objects.filter(voted=True), rounds=Round.objects,
                            candidates=Candidate.objects, elections=Election.objects)


def test_a_voter_sees_my_elections_until_they_have_voted(world, client):
    branch = branch_with_voters(world, 3)
    election, round = election_with_open_round(world, branch)
    client.force_login(branch.voters[1])
    home = client.get("/").content.decode()
    assert 'id="my-elections"' in home and election.title in home and f"/elections/rounds/{round.pk}/vote/" in home
    page = client.get(f"/elections/rounds/{round.pk}/vote/").content.decode()
    assert "已选" in page and "应选" in page and 'type="checkbox"' in page and "<script>" not in page
    response = client.post(f"/elections/rounds/{round.pk}/vote/", {"names": ["王一"]})
    assert response.status_code == 200 and 'id="tracker"' in response.content.decode()
    assert 'id="my-elections"' not in client.get("/").content.decode()
    # a member elsewhere has neither the card nor the page
    other = testing.make_user("other_branch")
    testing.make_member(world.branch_a2, name="别处", user=other)
    client.force_login(other)
    assert 'id="my-elections"' not in client.get("/").content.decode()
    assert client.get(f"/elections/rounds/{round.pk}/vote/").status_code == 404


def test_the_vote_page_answers_bad_ballots_beside_the_form_and_writes_nothing(world, client):
    branch = branch_with_voters(world, 3)
    _election, round = election_with_open_round(world, branch, seats=2)
    client.force_login(branch.voters[0])
    snap = _snapshot()
    response = client.post(f"/elections/rounds/{round.pk}/vote/", {"names": ["王一", "李二"], "write_ins": "某人"})
    assert response.status_code == 400 and "不能超过应选人数" in response.content.decode() and snap.unchanged()
    response = client.post(f"/elections/rounds/{round.pk}/vote/", {"names": ["不在名单"]})
    assert response.status_code == 400 and snap.unchanged()  # a checkbox outside the list: the form refuses it
    assert client.post(f"/elections/rounds/{round.pk}/vote/", {"names": ["王一"]}).status_code == 200
    snap = _snapshot()
    response = client.post(f"/elections/rounds/{round.pk}/vote/", {"names": ["王一"]})
    assert "已投票" in response.content.decode() and snap.unchanged()


def test_the_secretary_sets_up_an_election_with_bad_input_named(world, client):
    branch = branch_with_voters(world, 3)
    client.force_login(branch.secretary)
    snap = _snapshot()
    response = client.post(f"/elections/org/{world.branch_a.pk}/new/", {"title": "换届", "kind": "committee",
                                                                        "seats": "0"})
    assert response.status_code == 400 and 'data-field-error="seats"' in response.content.decode() and snap.unchanged()
    response = client.post(f"/elections/org/{world.branch_a.pk}/new/", {"title": "换届选举", "kind": "committee",
                                                                        "seats": "2"})
    election = Election.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/elections/{election.pk}/"
    response = client.post(f"/elections/{election.pk}/candidates/", {"names": "王一\n王一"})
    assert response.status_code == 400 and "不能重复" in response.content.decode()
    assert client.post(f"/elections/{election.pk}/candidates/", {"names": "王一\n李二、张三"}).status_code == 302
    assert list(Candidate.objects.values_list("name", flat=True)) == ["王一", "李二", "张三"]
    snap = _snapshot()
    member = branch.members[0]
    response = client.post(f"/elections/{election.pk}/open/", {"mode": "online", "present": "4",
                                                               "scrutineers": [member.pk]})
    assert response.status_code == 400 and 'data-field-error="present"' in response.content.decode()
    assert snap.unchanged()
    response = client.post(f"/elections/{election.pk}/open/", {"mode": "online", "present": "3",
                                                               "scrutineers": [member.pk]})
    assert response.status_code == 302 and Round.objects.get().electorate == 3


def test_the_scrutineer_enters_a_paper_count_and_the_secretary_publishes(world, client):
    branch = branch_with_voters(world, 5)
    election, round = election_with_open_round(world, branch, seats=2, mode="paper")
    client.force_login(branch.voters[0])
    url = f"/elections/rounds/{round.pk}/paper/"
    counts = {"returned": "5", "void": "0", "blank": "0", "votes_0": "5", "votes_1": "3", "votes_2": "1",
              "votes_3": "0", "votes_4": "0", "votes_5": "0", "write_ins": "写入者 x"}
    snap = _snapshot()
    response = client.post(url, counts)
    assert response.status_code == 400 and 'data-field-error="write_ins"' in response.content.decode()
    assert snap.unchanged()
    assert client.post(url, {**counts, "write_ins": "写入者 1"}).status_code == 302
    client.force_login(branch.secretary)
    assert client.post(f"/elections/rounds/{round.pk}/publish/").status_code == 302
    page = client.get(f"/elections/rounds/{round.pk}/").content.decode()
    assert "当选：王一、李二" in page and "至少 3 票" in page
    assert Election.objects.get(pk=election.pk).status == Election.Status.DONE


@pytest.mark.parametrize(("result", "present", "expected"), [
    ({"valid": False, "reason": "quorum"}, 8, ["实到会有选举权的党员（8 人）未超过应到人数（10 人）的五分之四，选举无效。"]),
    ({"valid": False, "reason": "margin"}, 9, ["候选人数少于应选人数的 120%（差额不足），选举无效。"]),
    ({"valid": True, "elected": ["甲"], "tied": ["乙", "丙"], "shortfall": 0, "void_ballots": 1}, 9,
     ["当选须得赞成票超过实到会有选举权的党员（9 人）的半数，即至少 5 票。", "当选：甲。",
      "乙、丙 得票相等，均超过半数，争最后 1 个名额：应就他们再次投票，以得票多者当选。",
      "无效票 1 张（所选人数多于应选人数）。"]),
    ({"valid": True, "elected": [], "tied": [], "shortfall": 2}, 10,
     ["当选须得赞成票超过实到会有选举权的党员（10 人）的半数，即至少 6 票。",
      "得票超过半数的人数少于应选人数，尚缺 2 名：可就缺额另行选举，也可经党员大会同意不再选举。"]),
])
def test_the_result_is_explained_in_chinese(result, present, expected):
    from dangwu.elections.views import explain

    election = Election(seats=2, kind="committee")
    assert explain(Round(election=election, electorate=10, present=present, result=result)) == expected

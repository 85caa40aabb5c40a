"""The secret ballot in headless Chromium at phone size: three members vote on their phones from the
home page's "我的选举" card, each shown a tracker once; the scrutineer closes the round; the
secretary publishes it and sees the result; a voter finds their tracker in the published list.
Screenshots land in test-artifacts/ (ignored by git) for a person to look at."""

from __future__ import annotations

import re

import pytest

from dangwu import testing
from dangwu.elections.models import Ballot, Round

from .ballot_helpers import branch_with_voters, election_with_open_round

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def _wide(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


_logged_in = testing.browser_context


def test_three_members_vote_on_phones_the_scrutineer_closes_and_a_voter_finds_the_tracker(chromium, live_server,
                                                                                        world):
    branch = branch_with_voters(world, 3, prefix="phone")
    election, round = election_with_open_round(world, branch, seats=2)
    choices = [["王一", "李二"], ["王一"], ["王一", "张三丰"]]
    trackers = []
    for i, (user, names) in enumerate(zip(branch.voters, choices, strict=True)):
        context, page = _logged_in(chromium, live_server, user.username, PHONE)
        card = page.locator("#my-elections")
        assert election.title in card.inner_text()
        if i == 0:
            testing.screenshot(page, "elections-home-card-360")
        card.get_by_role("link", name="去投票").click()
        page.wait_for_url(re.compile(rf"/elections/rounds/{round.pk}/vote/$"))
        for name in names:
            page.get_by_label(name, exact=True).check()
        assert page.locator(".dw-ballot-choice:has(input:checked)").count() == len(names)
        assert not _wide(page)
        if i == 0:
            testing.screenshot(page, "elections-vote-360")
        page.locator("#cast").click()
        tracker = page.locator("#tracker").inner_text().strip()
        assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", tracker)
        trackers.append(tracker)
        assert not _wide(page)
        if i == 0:
            testing.screenshot(page, "elections-cast-360")
        page.goto(f"/elections/rounds/{round.pk}/vote/")  # once only: the page now says so, no tracker
        assert page.locator("#already-voted").count() == 1 and page.locator("#tracker").count() == 0
        context.close()
    assert Ballot.objects.filter(round=round).count() == 3

    # the scrutineer (the first voter) closes the round on the phone
    context, page = _logged_in(chromium, live_server, branch.voters[0].username, PHONE)
    page.goto(f"/elections/{election.pk}/")
    page.locator("#close-round").click()
    page.wait_for_url(re.compile(rf"/elections/{election.pk}/$"))
    assert Round.objects.get(pk=round.pk).status == Round.Status.CLOSED
    context.close()

    # the secretary publishes at the desk and sees the result
    context, page = _logged_in(chromium, live_server, branch.secretary.username, DESK)
    page.goto(f"/elections/{election.pk}/")
    page.locator("#publish-round").click()
    page.wait_for_url(re.compile(rf"/elections/rounds/{round.pk}/$"))
    result = page.locator("#result").inner_text()
    assert "当选：王一" in result and "至少 2 票" in result
    assert "三者一致" in page.locator("#counts").inner_text()
    testing.screenshot(page, "elections-result-desktop")
    context.close()

    # a voter finds their tracker in the published list, on the phone
    context, page = _logged_in(chromium, live_server, branch.voters[1].username, PHONE)
    page.goto(f"/elections/rounds/{round.pk}/")
    page.locator("input[name=tracker]").fill(trackers[1])
    page.locator("#find-tracker").click()
    page.locator("#tracker-found").wait_for()
    assert sorted(trackers) == [t.strip() for t in page.locator("#trackers li").all_inner_texts()]
    assert "当选：王一" in page.locator("#result").inner_text() and not _wide(page)
    testing.screenshot(page, "elections-published-360")
    context.close()


def test_the_secretary_sets_up_an_election_on_a_phone(chromium, live_server, world):
    branch = branch_with_voters(world, 6, prefix="setup")
    context, page = _logged_in(chromium, live_server, branch.secretary.username, PHONE)
    page.goto("/elections/")
    page.locator(f"a[href='/elections/org/{world.branch_a.pk}/new/']").click()
    page.get_by_label("选举名称").fill("支部委员会换届选举")
    page.get_by_label("应选人数").fill("3")
    page.locator("#election-create").click()
    page.wait_for_url(re.compile(r"/elections/\d+/$"))
    page.get_by_label("候选人名单").fill("党员000\n党员001")
    page.locator("#candidates-save").click()
    page.wait_for_url(re.compile(r"/elections/\d+/$"))
    page.get_by_label("候选人名单").fill("党员000\n党员001\n党员002\n党员003")
    page.locator("#candidates-save").click()
    page.wait_for_url(re.compile(r"/elections/\d+/$"))
    assert page.locator("#candidates li").count() == 4 and not _wide(page)
    page.get_by_label("实到会有选举权的党员").fill("6")
    page.get_by_label("党员005", exact=True).check()
    testing.screenshot(page, "elections-setup-360")
    page.locator("#open-round").click()
    page.wait_for_url(re.compile(r"/elections/\d+/$"))
    assert "投票中" in page.locator("#round-status").inner_text() and not _wide(page)
    assert page.locator("#roll-marks").inner_text() == "0"
    testing.screenshot(page, "elections-round-open-360")
    context.close()

"""A name is a link only when the link opens: pages link a member's record (or dues page) only for
the viewers that record's own page lets in (`members.selectors.openable_member_ids`,
`dues.selectors.openable_member_ids`), and show the name as plain text to everyone else."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from dangwu import testing
from dangwu.members.transfers import services as transfers
from dangwu.orgs.models import CommitteePosition

_RECORD = re.compile(r'href="(/members/\d+/)"')
_DUES = re.compile(r'href="(/dues/members/\d+/)[^"]*"')


def _links_open(client, html: str, pattern: re.Pattern = _RECORD) -> list[str]:
    """The member links of a page; each of them must open for the same viewer."""
    links = sorted(set(pattern.findall(html)))
    for url in links:
        assert client.get(url).status_code == 200, f"{url} is linked but does not open"
    return links


def _seat(world, people) -> None:
    for member, post in ((people["m_sec"], "secretary"), (people["m_plain"], "organization")):
        CommitteePosition.objects.create(organization=world.branch_a, member=member, post=post,
                                         term_start=date(2024, 1, 1), term_end=date(2029, 1, 1))


def test_a_plain_member_sees_the_committees_names_and_only_their_own_record_linked(client, people, world):
    _seat(world, people)
    m_sec, m_plain = people["m_sec"], people["m_plain"]
    client.force_login(people["plain"])
    html = client.get(f"/orgs/{world.branch_a.pk}/").content.decode()
    committee = html[html.index('id="committee"'):]
    committee = committee[:committee.index("</ul>")]
    assert m_sec.name in committee and f"/members/{m_sec.pk}/" not in committee
    assert f'href="/members/{m_plain.pk}/"' in committee  # their own record opens
    assert client.get(f"/members/{m_sec.pk}/").status_code == 404  # what the link used to lead to
    assert _links_open(client, html) == [f"/members/{m_plain.pk}/"]


def test_the_branchs_secretary_and_the_city_see_every_name_linked(client, people, world):
    _seat(world, people)
    for viewer in ("secretary", "city_a"):
        client.force_login(people[viewer])
        html = client.get(f"/orgs/{world.branch_a.pk}/").content.decode()
        committee = html[html.index('id="committee"'):]
        committee = committee[:committee.index("</ul>")]
        assert set(_RECORD.findall(committee)) == {f"/members/{people['m_sec'].pk}/",
                                                   f"/members/{people['m_plain'].pk}/"}, viewer
        _links_open(client, html)


def test_a_transferred_members_name_links_for_the_side_that_holds_the_record(client, people, world):
    """From branch A to the sibling branch: the sender links the name until the sibling accepts, the
    sibling from then on; neither is sent to a page that answers 404."""
    member = people["m_plain"]
    transfer = transfers.start_transfer(actor=people["secretary"], member=member, to_organization=world.branch_a2)
    link = f'href="/members/{member.pk}/"'
    pages = {"secretary": f"/members/transfers/in/{world.branch_a.pk}/",
             "sibling": f"/members/transfers/in/{world.branch_a2.pk}/"}

    def seen(viewer: str) -> str:
        client.force_login(people[viewer])
        html = client.get(pages[viewer]).content.decode()
        assert member.name in html
        _links_open(client, html)
        return html

    assert link in seen("secretary") and link not in seen("sibling")
    transfers.accept_transfer(actor=people["sibling"], transfer=transfer)
    assert link not in seen("secretary") and link in seen("sibling")


def test_dues_arrears_of_a_member_who_left_show_the_name_without_a_link(client, people, world):
    member = people["m_plain"]
    month = date.today().replace(day=1)
    testing.make_assessment(member, month, Decimal("20.00"))
    client.force_login(people["secretary"])
    url = f"/dues/org/{world.branch_a.pk}/?month={month:%Y-%m}"
    assert f"/dues/members/{member.pk}/" in client.get(url).content.decode()
    transfer = transfers.start_transfer(actor=people["secretary"], member=member, to_organization=world.branch_b)
    transfers.accept_transfer(actor=testing.make_user("sec_b", ("branch_secretary", world.branch_b)),
                              transfer=transfer)
    html = client.get(url).content.decode()
    assert member.name in html  # still owed here, for the month assessed here
    assert f"/dues/members/{member.pk}/" not in html
    _links_open(client, html, _DUES)

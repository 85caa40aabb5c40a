"""The demo province loader (`manage.py seed_demo`, `dangwu.demo.loader`) and its planner."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from dangwu.core.audit import verify_chain
from dangwu.core.dates import add_years
from dangwu.core.models import AuditEntry, RoleAssignment
from dangwu.demo.accounts import DEMO_ACCOUNTS, DEMO_MEMBER_NAME, DEMO_PASSWORD, DEMO_SECRETARY_NAME
from dangwu.demo.planner import build_plan
from dangwu.members import rules as member_rules
from dangwu.members.models import Member, Standing, StandingChange
from dangwu.orgs import rules as org_rules
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization, OrgType, Post

CITIES = {
    "4301": "中共长沙市委", "4302": "中共株洲市委", "4303": "中共湘潭市委", "4304": "中共衡阳市委",
    "4305": "中共邵阳市委", "4306": "中共岳阳市委", "4307": "中共常德市委", "4308": "中共张家界市委",
    "4309": "中共益阳市委", "4310": "中共郴州市委", "4311": "中共永州市委", "4312": "中共怀化市委",
    "4313": "中共娄底市委", "4331": "中共湘西土家族苗族自治州委",
}
MEMBERS = 300
SEED = 7


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", "--members", str(MEMBERS), "--seed", str(SEED), stdout=out)
    return out.getvalue()


# --- the tree -----------------------------------------------------------------------

def test_tree_has_the_province_cities_and_counties(seeded):
    tree = Organization.objects
    root = tree.get_root_nodes().get()
    assert (root.name, root.code, root.org_type) == ("中共湖南省委", "43", OrgType.COMMITTEE)
    cities = {c.code: c for c in tree.get_children(root)}
    assert {code: c.name for code, c in cities.items()} == CITIES
    for code, city in cities.items():
        counties = tree.get_children(city)
        assert counties, city.name
        for county in counties:
            assert len(county.code) == 6 and county.code.startswith(code)
            assert county.name.startswith("中共") and county.name.endswith("委")
    changsha = cities["4301"]
    assert set(tree.get_children(changsha).values_list("name", flat=True)) >= {"中共芙蓉区委", "中共长沙县委", "中共浏阳市委"}
    assert Organization.objects.get(code="433101").name == "中共吉首市委"
    # The paths were built by hand: treebeard must find nothing wrong with them.
    assert all(not problems for problems in tree.find_problems())
    for org in Organization.objects.all():
        assert org.numchild == tree.get_children_count(org)
    # Groups only under branches; codes unique and prefixed by the parent's code.
    for group in Organization.objects.filter(org_type=OrgType.GROUP):
        parent = tree.get_parent(group)
        assert parent.org_type in BRANCH_TYPES
        assert group.code.startswith(parent.code)
    assert Organization.objects.count() == Organization.history.count()
    assert "organizations" in seeded and f"{MEMBERS} members" in seeded


# --- members ----------------------------------------------------------------------------

def test_every_member_is_valid_and_in_a_branch(seeded):
    members = list(Member.objects.select_related("organization"))
    assert len(members) == MEMBERS
    numbers = [m.id_number for m in members]
    assert len(set(numbers)) == MEMBERS
    assert len({m.id_number_hash for m in members}) == MEMBERS
    for m in members:
        parsed = member_rules.parse_id_number(m.id_number)
        assert parsed.birth_date == m.birth_date, m.name
        assert parsed.gender == m.gender, m.name
        assert parsed.region_code.startswith("43")
        assert m.organization.org_type in BRANCH_TYPES
        assert member_rules.age_on(m.birth_date, m.joined_on) >= 18
        assert m.applied_on <= m.joined_on - timedelta(days=365)
        assert member_rules.age_on(m.birth_date, m.applied_on) >= 18
        assert member_rules.normalize_phone(m.phone) == m.phone and len(m.phone) == 11
        assert (m.name_pinyin, m.name_initials) == member_rules.pinyin_keys(m.name)
        assert not member_rules.dates_errors(
            birth_date=m.birth_date, applied_on=m.applied_on, joined_on=m.joined_on,
            converted_on=m.converted_on, member_type=m.member_type, today=date.today(),
        )
        if m.member_type == "full":
            assert m.converted_on == add_years(m.joined_on, 1)
        else:
            assert m.converted_on is None
            assert m.joined_on > date.today() - timedelta(days=366)
        if m.is_outflow:
            assert m.outflow_destination
        if m.lost_contact:
            assert m.lost_contact_since
    assert Member.history.count() == MEMBERS  # one initial history row each


def test_members_are_a_realistic_mix(seeded):
    members = list(Member.objects.all())
    women = sum(m.gender == "female" for m in members) / len(members)
    assert 0.18 <= women <= 0.40
    ages = [member_rules.age_on(m.birth_date, date.today()) for m in members]
    assert min(ages) >= 18 and max(ages) <= 96
    assert sum(a >= 60 for a in ages) >= len(ages) * 0.15
    assert sum(30 <= a < 60 for a in ages) >= len(ages) * 0.4
    ethnicities = Counter(m.ethnicity for m in members)
    assert ethnicities.most_common(1)[0][0] == "汉族"
    assert len(ethnicities) >= 3
    assert sum(m.member_type == "probationary" for m in members) >= 1
    # Occupation follows the branch: village branches are mostly farmers.
    village = [m for m in Member.objects.filter(organization__unit_category="village")]
    assert village and sum(m.occupation in {"farmer", "retired"} for m in village) >= len(village) * 0.6


def test_branch_sizes_and_committees(seeded):
    branches = Organization.objects.filter(org_type__in=BRANCH_TYPES)
    sizes = Counter(Member.objects.values_list("organization_id", flat=True))
    assert set(sizes) <= set(branches.values_list("pk", flat=True))
    assert all(3 <= n <= 60 for n in sizes.values())
    expired = 0
    for branch in branches:
        full = Member.objects.filter(organization=branch, member_type="full", standing=Standing.NORMAL).count()
        positions = list(CommitteePosition.objects.filter(organization=branch).select_related("member"))
        posts = {p.post for p in positions}
        if full >= 7:
            assert {Post.SECRETARY, Post.ORGANIZATION, Post.PROPAGANDA} <= posts, branch.name
            assert 3 <= len(positions) <= 5
        for p in positions:
            assert p.member.organization_id == branch.pk
            assert p.member.member_type == "full" and p.member.standing == Standing.NORMAL
            assert p.term_end == org_rules.term_end(p.term_start, branch.unit_category)
            expired += p.term_end < date.today()
    assert CommitteePosition.objects.exists()
    assert CommitteePosition.history.count() == CommitteePosition.objects.count()
    for change in StandingChange.objects.select_related("member"):
        assert change.member.standing == change.to_standing
        assert change.member.standing_since == change.effective_on


# --- accounts ---------------------------------------------------------------------------

def test_demo_accounts_have_their_roles(seeded):
    User = get_user_model()
    root = Organization.objects.get(code="43")
    changsha = Organization.objects.get(code="4301")
    expected = {
        "demo-admin": ("system_admin", root), "demo-org": ("org_department", root),
        "demo-city": ("org_department", changsha), "demo-discipline": ("discipline", root),
        "demo-audit": ("audit_admin", root), "demo-security": ("security_admin", root),
    }
    for username, (role, org) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert list(RoleAssignment.objects.filter(user=user).values_list("role", "organization")) == [(role, org.pk)]

    secretary = Member.objects.select_related("organization").get(user__username="demo-secretary")
    plain = Member.objects.get(user__username="demo-member")
    branch = secretary.organization
    assert plain.organization_id == branch.pk
    assert branch.org_type in BRANCH_TYPES
    assert branch.path.startswith(changsha.path)
    assert 15 <= Member.objects.filter(organization=branch).count() <= 30
    assert list(RoleAssignment.objects.filter(user__username="demo-secretary").values_list("role", "organization")) \
        == [("branch_secretary", branch.pk)]
    assert list(RoleAssignment.objects.filter(user__username="demo-member").values_list("role", "organization")) \
        == [("member", branch.pk)]
    assert User.objects.get(username="demo-secretary").check_password(DEMO_PASSWORD)
    assert CommitteePosition.objects.get(organization=branch, post=Post.SECRETARY).member_id == secretary.pk
    # The demo member is found in the branch by the initials of her name, and only she.
    found = Member.objects.filter(organization=branch, name_initials=plain.name_initials)
    assert list(found) == [plain]


# --- re-runs, audit, determinism ----------------------------------------------------------

def test_if_empty_on_a_second_run_creates_nothing(seeded):
    before = (Organization.objects.count(), Member.objects.count(), get_user_model().objects.count(),
              AuditEntry.objects.count())
    out = StringIO()
    call_command("seed_demo", "--members", "500", "--seed", "8", "--if-empty", stdout=out)
    after = (Organization.objects.count(), Member.objects.count(), get_user_model().objects.count(),
             AuditEntry.objects.count())
    assert after == before
    assert "nothing loaded" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("seed_demo", "--members", "500", "--seed", "8", stdout=StringIO())
    assert Member.objects.count() == MEMBERS


def test_if_empty_loads_into_an_empty_database(db):
    call_command("seed_demo", "--members", "60", "--seed", "2", "--if-empty", stdout=StringIO())
    assert Member.objects.count() == 60
    assert Organization.objects.filter(code__in=list(CITIES)).count() == 14


def test_too_few_members_is_refused(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", "--members", "10", "--seed", "1", stdout=StringIO())
    assert not Organization.objects.exists()


def test_one_audit_entry_and_the_chain_verifies(seeded):
    entries = list(AuditEntry.objects.filter(action="demo.seed"))
    assert len(entries) == 1
    summary = entries[0].summary
    assert summary["members"] == MEMBERS == Member.objects.count()
    assert summary["organizations"] == Organization.objects.count()
    assert summary["seed"] == SEED
    assert AuditEntry.objects.filter(action="role.grant").count() == len(DEMO_ACCOUNTS)
    assert AuditEntry.objects.filter(action="notice.send").count() == 1  # the welcome in every demo inbox
    assert AuditEntry.objects.count() == len(DEMO_ACCOUNTS) + 2
    assert verify_chain().intact


def test_same_seed_same_province():
    day = date(2026, 6, 1)
    first = build_plan(members=MEMBERS, seed=SEED, today=day)
    again = build_plan(members=MEMBERS, seed=SEED, today=day)
    other = build_plan(members=MEMBERS, seed=SEED + 1, today=day)
    names = [m.fields["name"] for m in first.members[:20]]
    assert names == [m.fields["name"] for m in again.members[:20]]
    assert [m.id_number for m in first.members] == [m.id_number for m in again.members]
    assert [o.code for o, _p, _i in first.organizations()] == [o.code for o, _p, _i in again.organizations()]
    assert [m.id_number for m in first.members] != [m.id_number for m in other.members]
    assert names[:2] == [DEMO_SECRETARY_NAME, DEMO_MEMBER_NAME]  # the demo branch comes first
    assert len(set(names)) > 10


def test_every_demo_account_finds_the_welcome_notice_unread(seeded):
    from django.contrib.auth import get_user_model

    from dangwu.core import inbox

    for username, *_rest in DEMO_ACCOUNTS:
        user = get_user_model().objects.get(username=username)
        assert inbox.unread_count(user=user) == 1
        assert inbox.inbox_of(user=user).get().notice.url == "/notifications/preferences/"

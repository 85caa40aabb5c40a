"""The member's copy of its organization's path (`org_path`, migration 0010) and the search scope
built on it: the database keeps the copy whatever writes the row, and a search within a city,
a county or across two cities returns exactly what the scope allows (SQLite and PostgreSQL)."""

from contextlib import contextmanager
from datetime import date

import pytest
from django.db import connection

from dangwu import testing
from dangwu.members import selectors
from dangwu.members.models import Member
from dangwu.members.transfers import services as transfers
from dangwu.orgs.models import Organization

pytestmark = pytest.mark.django_db


def stale() -> list[tuple[str, str, str]]:
    """Members whose copy differs from their organization's path: (name, copy, path)."""
    return [(m.name, m.org_path, m.organization.path)
            for m in Member.objects.select_related("organization") if m.org_path != m.organization.path]


def test_a_new_member_carries_its_organizations_path(world):
    member = testing.make_member(world.branch_a, name="张伟")
    member.refresh_from_db()
    assert member.org_path == world.branch_a.path
    assert member.org_path.startswith(world.city_a.path) and len(member.org_path) > len(world.city_a.path)


def test_the_copy_cannot_be_written_stale(world):
    member = testing.make_member(world.branch_a, name="张伟")
    Member.objects.filter(pk=member.pk).update(org_path=world.branch_b.path)  # a raw write of the copy
    member.refresh_from_db()
    assert member.org_path == world.branch_a.path
    member.org_path = "junk"
    member.name = "张卫"
    member.save()  # an instance holding a stale copy writes it back: the database corrects it
    member.refresh_from_db()
    assert (member.name, member.org_path) == ("张卫", world.branch_a.path)


def test_a_change_of_organization_moves_the_copy(world):
    member = testing.make_member(world.branch_a, name="张伟")
    Member.objects.filter(pk=member.pk).update(organization=world.branch_b)
    assert stale() == []
    assert Member.objects.get(pk=member.pk).org_path == world.branch_b.path


def test_a_change_of_an_organizations_path_moves_its_members_copies(world):
    testing.make_member(world.branch_a, name="张伟")
    testing.make_member(world.branch_a2, name="李四")
    Organization.objects.filter(pk=world.branch_a.pk).update(path=world.county_a.path + "00ZZ")
    assert stale() == []
    assert Member.objects.get(name="张伟").org_path == world.county_a.path + "00ZZ"
    assert Member.objects.get(name="李四").org_path == world.branch_a2.path


def test_an_accepted_transfer_moves_the_copy(world):
    secretary_a = testing.make_user("sec-a", ("branch_secretary", world.branch_a))
    secretary_b = testing.make_user("sec-b", ("branch_secretary", world.branch_b))
    member = testing.make_member(world.branch_a, name="张伟")
    transfer = transfers.start_transfer(actor=secretary_a, member=member, to_organization=world.branch_b,
                                        reason="工作调动")
    transfers.accept_transfer(actor=secretary_b, transfer=transfer)
    assert Member.objects.get(pk=member.pk).org_path == world.branch_b.path
    assert stale() == []
    assert [m.name for m in selectors.search_members(actor=secretary_a, query="张伟")] == []
    assert [m.name for m in selectors.search_members(actor=secretary_b, query="张伟")] == ["张伟"]
    assert [m.name for m in selectors.search_members(actor=secretary_b, query="zw")] == ["张伟"]


def test_an_imported_roster_carries_the_paths(world, tmp_path):
    from dangwu.members import roster, roster_import
    from dangwu.members.tests.rosters import person, write_xlsx

    admin = testing.make_user("city-a", ("org_department", world.city_a))
    rows = [person(9001), person(9002)]
    rows[0]["党组织代码"], rows[1]["党组织代码"] = world.branch_a.code, world.branch_a2.code
    result = roster_import.import_roster(actor=admin, roster=roster.read_roster(write_xlsx(tmp_path / "r.xlsx", rows)))
    assert result.created == 2, result
    assert stale() == []
    assert sorted(Member.objects.values_list("org_path", flat=True)) == sorted([world.branch_a.path,
                                                                               world.branch_a2.path])


# --- the search scope -------------------------------------------------------------------

@pytest.fixture
def people(world):
    """张伟 in each branch of city A (two branches of one county), and in city B."""
    return {
        "a": testing.make_member(world.branch_a, name="张伟", birth=date(1980, 1, 1)),
        "a2": testing.make_member(world.branch_a2, name="张伟", birth=date(1980, 1, 2)),
        "b": testing.make_member(world.branch_b, name="张伟", birth=date(1980, 1, 3)),
    }


def _found(actor, query, organization=None):
    return sorted(m.pk for m in selectors.search_members(actor=actor, query=query, organization=organization))


@pytest.mark.parametrize("query", ["张伟", "伟", "zw", "zhangwei", "zhang"])
def test_each_scope_finds_exactly_its_members(world, people, query):
    pks = {k: m.pk for k, m in people.items()}
    province = testing.make_user("prov", ("org_department", world.province))
    city = testing.make_user("city-a", ("org_department", world.city_a))
    county = testing.make_user("county-a", ("org_department", world.county_a))
    branch = testing.make_user("sec-a2", ("branch_secretary", world.branch_a2))
    two_cities = testing.make_user("two", ("org_department", world.branch_a), ("org_department", world.city_b))
    assert _found(province, query) == sorted(pks.values())
    assert _found(city, query) == sorted([pks["a"], pks["a2"]])
    assert _found(county, query) == sorted([pks["a"], pks["a2"]])
    assert _found(branch, query) == [pks["a2"]]
    assert _found(two_cities, query) == sorted([pks["a"], pks["b"]])
    # An organization chosen on the page narrows the scope; one above it keeps the scope's part.
    assert _found(city, query, world.branch_a) == [pks["a"]]
    assert _found(county, query, world.province) == sorted([pks["a"], pks["a2"]])
    assert _found(branch, query, world.city_b) == []
    assert _found(province, query, world.city_b) == [pks["b"]]


def test_a_members_own_record_outside_the_scope_is_found(world, people):
    user = testing.make_user("sec-b", ("branch_secretary", world.branch_b))
    people["a"].user = user
    people["a"].save()
    assert _found(user, "张伟") == sorted([people["a"].pk, people["b"].pk])
    assert _found(user, "zw", world.branch_a) == [people["a"].pk]
    assert _found(user, "zw", world.branch_a2) == []
    plain = testing.make_user("plain")  # no role: only their own record
    people["a2"].user = plain
    people["a2"].save()
    assert _found(plain, "张伟") == [people["a2"].pk]


@pytest.mark.parametrize(("prefixes", "me", "city"), [
    (None, None, ""),  # the whole tree
    (["0001"], None, ""),  # the province: wider than a city
    (["00010001"], None, "00010001"),
    (["000100010002", "00010001000A"], None, "00010001"),  # two counties of one city
    (["00010001", "00010002"], None, ""),  # two cities
    (["000100010002"], 7, ""),  # plus the caller's own record elsewhere
    ([], None, ""),
])
def test_the_city_key_is_used_only_when_the_whole_scope_lies_in_one_city(prefixes, me, city):
    assert selectors._Scope(prefixes, me).city == city


def test_initials_widen_a_pinyin_search_only_when_they_add_members(world):
    for serial, name in enumerate(["张华", "左华", "李四"]):
        testing.make_member(world.branch_a, name=name, birth=date(1981, 2, 1 + serial))
    assert selectors._initials_add_matches("zh")  # 左华: initials zh, pinyin zuohua
    assert not selectors._initials_add_matches("zhangh")
    assert not selectors._initials_add_matches("li")


# --- PostgreSQL: the city's entries of the indexes serve the search ------------------------

def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes (migration 0010)")
@pytest.mark.parametrize(("query", "index"), [
    ("张伟", "members_member_name_city"), ("zw", "members_member_initials_city"),
    ("zhangwei", "members_member_pinyin_city"),
])
def test_a_city_search_reads_the_city_entries_of_the_index(world, people, query, index):
    city = testing.make_user("city-a", ("org_department", world.city_a))
    qs = selectors.search_members(actor=city, query=query)
    with connection.cursor():
        plan = _plan(qs[:20])
    assert index in plan, plan
    if query == "张伟":
        assert f"{world.city_a.path}|张伟" in plan, plan


@contextmanager
def _triggers_off():
    """As a restore with triggers disabled writes (PostgreSQL: `session_replication_role =
    replica`, as `pg_restore --disable-triggers` does; SQLite: the update trigger dropped, brought
    back by the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield
            finally:
                cursor.execute("SET session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER members_member_org_path_update")
            yield


def test_rebuild_stats_finds_and_repairs_copies_left_wrong_by_a_restore(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from dangwu.core.models import AuditEntry

    kept = testing.make_member(world.branch_a, name="张伟")
    moved = testing.make_member(world.branch_a2, name="李四")
    call_command("rebuild_stats", "--check", stdout=StringIO())
    with _triggers_off():
        Member.objects.filter(pk=moved.pk).update(org_path=world.branch_b.path)
    assert [name for name, *_ in stale()] == ["李四"]
    with pytest.raises(CommandError, match="1 members' org_path differ"):
        call_command("rebuild_stats", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rebuild_stats", stdout=out)  # copies from the organization, trigger or not
    assert "1 members' org_path copied again" in out.getvalue()
    assert stale() == []
    assert Member.objects.get(pk=kept.pk).org_path == world.branch_a.path
    assert AuditEntry.objects.order_by("-seq").first().summary["org_paths_repaired"] == 1
    call_command("rebuild_stats", "--check", stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN pending list (PostgreSQL)")
def test_an_import_merges_the_name_index_pending_entries_when_it_commits(world, tmp_path,
                                                                        django_capture_on_commit_callbacks):
    from dangwu.members import roster, roster_import, roster_services
    from dangwu.members.tests.rosters import person, write_xlsx

    admin = testing.make_user("city-a", ("org_department", world.city_a))
    rows = [person(9101)]
    rows[0]["党组织代码"] = world.branch_a.code
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = roster_import.import_roster(actor=admin, roster=roster.read_roster(write_xlsx(tmp_path / "r.xlsx", rows)))
    assert result.created == 1
    assert roster_services._merge_pending_name_entries in callbacks
    with connection.cursor() as cursor:  # the index keeps its small pending list (migration 0010)
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'members_member_name_city'")
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=512"]

"""The roll-up engine (`core.rollups`) once, on a tiny roll-up of its own, and the one rebuild
command over every registered roll-up.

The tiny roll-up ("tally") counts the organizations of each subtree by type, with an amount of
1.25 each: its own rows are the organizations themselves, so the tests need nothing but the
tree. Its table is made for the test (in the test's transaction) and its model lives in a
registry of its own, so the project's apps and migrations never see it. The apps' roll-ups keep
their own tests (members/tests/test_rollups.py, dues/tests/test_rollups.py).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction

from dangwu.core import registries, rollups

_tally_apps = Apps()


class TallyStat(models.Model):
    organization_id = models.BigIntegerField()
    org_type = models.CharField(max_length=24)
    n = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        app_label = "core"
        apps = _tally_apps
        db_table = "core_test_rollup_tally"
        constraints = [models.UniqueConstraint(fields=["organization_id", "org_type"], name="core_test_tally_key")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.org_type}: {self.n}, {self.amount}"


def _fill_own(*, fill: rollups.Fill) -> None:
    q = connection.ops.quote_name
    fill.insert(f"SELECT o.{q('id')}, o.{q('depth')}, o.{q('org_type')}, 1, 1.25 "
                f"FROM {fill.org_table} o WHERE {fill.where_org}", fill.params)


TALLY = registries.RollupSpec(key="tally", label="tally", stat_model=TallyStat, keys=("org_type",),
                              sums=("n", "amount"), fill_own=_fill_own, audit_action="test.tally_rebuild")


@pytest.fixture
def tally(world):
    """The tally's table, in the test's transaction (rolled back with it)."""
    editor = connection.schema_editor()
    editor.deferred_sql = []
    sql, params = editor.table_sql(TallyStat)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return world


def stored() -> dict[tuple[int, str], tuple[int, D]]:
    return {(o, t): (n, D(a).quantize(D("0.01"))) for o, t, n, a in
            TallyStat.objects.exclude(n=0, amount=0).values_list("organization_id", "org_type", "n", "amount")}


def expected(world) -> dict[tuple[int, str], tuple[int, D]]:
    """The tally counted in Python from the tree."""
    orgs = [world.province, world.city_a, world.county_a, world.branch_a, world.branch_a2, world.city_b,
            world.branch_b]
    out = {}
    for top in orgs:
        for org_type, n in Counter(o.org_type for o in orgs if o.path.startswith(top.path)).items():
            out[(top.pk, org_type)] = (n, D("1.25") * n)
    return out


def test_rebuild_sums_each_organizations_whole_subtree(tally):
    rollups.rebuild(TALLY)
    assert stored() == expected(tally)
    assert stored()[(tally.province.pk, "branch")] == (3, D("3.75"))
    assert stored()[(tally.county_a.pk, "branch")] == (2, D("2.50"))
    assert rollups.drift(TALLY) == {}


def test_spread_adds_to_the_organization_and_every_ancestor(tally, django_assert_num_queries):
    rollups.rebuild(TALLY)
    before = stored()
    with transaction.atomic(), django_assert_num_queries(3):  # paths, ancestors' ids, one upsert
        rollups.spread(TALLY, {(tally.branch_a.pk, "branch"): (2, D("0.50")),
                               (tally.branch_a2.pk, "branch"): (1, D("0"))})
    changed = {k: v for k, v in stored().items() if before.get(k) != v}
    assert changed == {
        (tally.branch_a.pk, "branch"): (3, D("1.75")),
        (tally.branch_a2.pk, "branch"): (2, D("1.25")),
        (tally.county_a.pk, "branch"): (5, D("3.00")),
        (tally.city_a.pk, "branch"): (5, D("3.00")),
        (tally.province.pk, "branch"): (6, D("4.25")),
    }
    # The check names every row that now differs from a recount, with both figures.
    assert rollups.drift(TALLY)[(tally.province.pk, "branch")] == ((6, D("4.25")), (3, D("3.75")))
    assert set(rollups.drift(TALLY, organization=tally.county_a)) == {
        (tally.branch_a.pk, "branch"), (tally.branch_a2.pk, "branch"), (tally.county_a.pk, "branch")}
    # By path (where an organization was, before a move), new keys included; nothing to add costs nothing.
    with transaction.atomic():
        rollups.spread_by_path(TALLY, {(tally.branch_a.path, "branch"): (-2, D("-0.50")),
                                       (tally.branch_a2.path, "branch"): (-1, D("0")),
                                       (tally.branch_b.path, "new"): (1, D("9.99"))})
    assert stored()[(tally.city_b.pk, "new")] == (1, D("9.99"))
    assert stored()[(tally.province.pk, "new")] == (1, D("9.99"))
    assert set(rollups.drift(TALLY)) == {(o.pk, "new") for o in (tally.branch_b, tally.city_b, tally.province)}
    with transaction.atomic(), django_assert_num_queries(0):
        rollups.spread(TALLY, {(tally.branch_a.pk, "branch"): (0, D("0"))})


def test_rebuild_of_a_subtree_repairs_it_and_its_ancestors_only(tally):
    rollups.rebuild(TALLY)
    right = stored()
    TallyStat.objects.filter(organization_id=tally.branch_a.pk).update(n=99)
    TallyStat.objects.filter(organization_id=tally.province.pk, org_type="committee").delete()
    TallyStat.objects.filter(organization_id=tally.branch_b.pk).update(amount=D("7"))
    assert set(rollups.drift(TALLY)) == {(tally.branch_a.pk, "branch"), (tally.province.pk, "committee"),
                                         (tally.branch_b.pk, "branch")}
    assert stored() != right
    rollups.rebuild(TALLY, organization=tally.county_a)
    # county A's subtree and its ancestors (city A, the province) are right again; branch B,
    # in another subtree, is left as it was (its parent's stored figures are read, not its own).
    assert rollups.drift(TALLY) == {(tally.branch_b.pk, "branch"): ((1, D("7.00")), (1, D("1.25")))}
    rollups.rebuild(TALLY)
    assert stored() == right


def test_a_rolled_back_rebuild_changes_nothing(tally):
    rollups.rebuild(TALLY)
    right = stored()
    TallyStat.objects.filter(organization_id=tally.city_a.pk).update(n=5)
    tampered = stored()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        rollups.rebuild(TALLY)
        1 / 0  # noqa: B018
    assert stored() == tampered != right


@pytest.mark.django_db(transaction=True)
def test_roll_ups_change_only_inside_the_callers_transaction():
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        rollups.upsert(TALLY, {(1, "branch"): (1, D("1"))})


# --- the command over every registered roll-up ---------------------------------------------------

def test_the_apps_register_their_roll_ups():
    assert [spec.key for spec in registries.rollup_specs][:2] == ["structure", "dues"]
    assert registries.rollup_repairs.get("org_paths").rollup == "structure"


def test_rebuild_rollups_check_names_the_organization_and_rebuild_repairs(people, world):
    from io import StringIO

    audit_entry = apps.get_model("core", "AuditEntry")
    subtree_stat = apps.get_model("members", "SubtreeStat")
    call_command("rebuild_rollups", "--check", stdout=StringIO())  # every roll-up agrees: exit 0
    subtree_stat.objects.filter(organization=world.city_b, dimension="gender", key="male").update(count=99)
    out = StringIO()
    with pytest.raises(CommandError, match="中共株洲市委 \\(4302\\)") as failed:
        call_command("rebuild_rollups", "--check", stdout=out)
    assert failed.value.returncode == 1  # manage.py exits with it
    assert "structure statistics: 中共株洲市委 (4302) gender='male': stored 99, recount 1" in out.getvalue()
    with pytest.raises(CommandError):  # the alias finds it too
        call_command("rebuild_stats", "--check", stdout=StringIO())
    call_command("rebuild_rollups", "--check", "--only", "dues", stdout=StringIO())  # the dues agree

    seq = audit_entry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "structure statistics roll-ups recomputed for all organizations" in out.getvalue()
    assert "dues report roll-ups recomputed for all organizations" in out.getvalue()
    assert "orglife compliance roll-ups recomputed for all organizations" in out.getvalue()
    assert list(audit_entry.objects.filter(seq__gt=seq).order_by("seq").values_list("action", "summary")) == [
        ("stats.rebuild", {"organization": "", "org_paths_repaired": 0}),
        ("dues.stats_rebuild", {"organization": "", "paid_until_repaired": 0, "standards_repaired": 0}),
        ("orglife.stats_rebuild", {"organization": ""}),
    ]
    call_command("rebuild_rollups", "--check", stdout=StringIO())  # exit 0 again


def test_rebuild_rollups_refuses_what_it_does_not_know(world):
    from io import StringIO

    with pytest.raises(CommandError, match="no roll-up 'nope'; known: structure, dues"):
        call_command("rebuild_rollups", "--only", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="no organization with code 'nope'"):
        call_command("rebuild_rollups", "--org", "nope", stdout=StringIO())

"""The demo province obeys the platform's own rules: every consistency check finds nothing.

What a check would flag in the demo is a bug, in the loader or in the code. The checks are the
ones the apps register (`registries.consistency_checks`, run by `manage.py check_consistency`);
the tests below also prove that each check can fail, by breaking one thing at a time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dangwu.core import registries
from dangwu.core.dates import add_months, month_start
from dangwu.demo.accounts import DEMO_MEMBER_NAME
from dangwu.development.models import Candidate
from dangwu.dues import ledger
from dangwu.dues.models import Assessment, Declaration
from dangwu.members.models import Member


def test_the_platform_has_the_checks_the_demo_must_pass():
    assert {"rollups", "recruitment", "tree"} <= {c.key for c in registries.consistency_checks}
    keys = {r.key for r in registries.rollup_repairs}
    assert {"org_paths", "dues_paid_until", "dues_standard"} <= keys


def test_every_consistency_check_passes_on_the_demo_province(demo_province):
    for check in registries.consistency_checks:
        assert check.run(organization=None) == [], check.key
    out = StringIO()
    call_command("check_consistency", stdout=out)
    assert "problem" not in out.getvalue()


def test_the_demo_record_and_ledger_agree_for_every_member_of_the_demo_branch(demo_province):
    """The figures the issue found wrong: 党费交至 and 党费标准 as the ledger and the declaration say."""
    branch = Member.objects.get(name=DEMO_MEMBER_NAME).organization
    today = timezone.localdate()
    members = list(Member.objects.filter(organization=branch, standing="normal"))
    assert len(members) >= 20
    owing = 0
    for member in members:
        rows = list(Assessment.objects.filter(member=member).order_by("month"))
        assert rows, member.name
        owed = [a.month for a in rows if a.payment_id is None and a.amount_due]
        paid = [a.month for a in rows if a.payment_id is not None or not a.amount_due]
        if owed:
            owing += 1
            # never claims a month owed: paid up to the month before the first owed (or empty)
            assert member.dues_paid_until is None or month_start(member.dues_paid_until) < owed[0], member.name
            if paid and paid[0] < owed[0]:
                assert month_start(member.dues_paid_until) == add_months(owed[0], -1), member.name
        else:
            assert month_start(member.dues_paid_until) == max(paid), member.name
        declaration = Declaration.objects.filter(member=member, year=today.year).first()
        if declaration is not None:
            assert member.dues_standard == declaration.monthly_amount, member.name
            assert rows[-1].amount_due == declaration.monthly_amount or rows[-1].month.year != today.year
    assert owing >= 3  # the demo branch has arrears to collect (the loader forces some)


def _dues_problems():
    return [line for line in registries.consistency_checks.get("rollups").run(organization=None)
            if "党费" in line]


def test_the_check_finds_a_paid_until_that_claims_an_owed_month_and_the_rebuild_repairs_it(demo_province):
    row = Assessment.objects.filter(payment__isnull=True, amount_due__gt=0).order_by("member_id", "month").first()
    earlier_owed = Assessment.objects.filter(member_id=row.member_id, month__lt=row.month, payment__isnull=True,
                                             amount_due__gt=0).exists()
    assert not earlier_owed  # the member's first month owed
    before = Member.objects.get(pk=row.member_id).dues_paid_until
    Member.objects.filter(pk=row.member_id).update(dues_paid_until=row.month)  # claims the owed month paid
    assert ledger.paid_until_differences() == {row.member_id: (row.month, before)}
    assert any("党费交至" in line for line in _dues_problems())
    with pytest.raises(CommandError, match="党费交至"):
        call_command("rebuild_rollups", "--check", stdout=StringIO())
    call_command("rebuild_rollups", "--only", "dues", stdout=StringIO())
    assert ledger.paid_until_differences() == {}
    member = Member.objects.get(pk=row.member_id)
    assert member.dues_paid_until == before
    assert member.history.first().history_change_reason == "按党费台账核对党费交至"


def test_the_check_finds_a_record_behind_its_payments(demo_province):
    member_id = (Assessment.objects.filter(payment__isnull=False).values_list("member_id", flat=True)
                 .order_by("member_id").first())
    member = Member.objects.get(pk=member_id)
    Member.objects.filter(pk=member_id).update(dues_paid_until=add_months(member.dues_paid_until, -2))
    assert member_id in ledger.paid_until_differences()
    assert ledger.repair_paid_until() == 1
    assert Member.objects.get(pk=member_id).dues_paid_until == member.dues_paid_until


def test_the_check_finds_a_standard_that_differs_from_the_declaration(demo_province):
    declaration = Declaration.objects.filter(year=timezone.localdate().year).order_by("pk").first()
    Member.objects.filter(pk=declaration.member_id).update(dues_standard=declaration.monthly_amount + Decimal("1"))
    assert ledger.standard_differences() == {
        declaration.member_id: (declaration.monthly_amount + Decimal("1"), declaration.monthly_amount)}
    assert any("党费标准" in line for line in _dues_problems())
    assert ledger.repair_standards() == 1
    assert ledger.standard_differences() == {}


def test_the_check_finds_a_recruitment_step_recorded_too_early(demo_province):
    candidate = Candidate.objects.filter(steps__code="first_talk").order_by("pk").first()
    applied = candidate.steps.get(code="application").done_on
    candidate.steps.filter(code="first_talk").update(done_on=applied - timedelta(days=1))
    problems = registries.consistency_checks.get("recruitment").run(organization=None)
    assert len(problems) == 1 and candidate.name in problems[0] and "first_talk" in problems[0]
    out = StringIO()
    with pytest.raises(CommandError, match="recruitment"):
        call_command("check_consistency", stdout=out)
    assert candidate.name in out.getvalue()


def test_check_consistency_refuses_what_it_does_not_know(db):
    with pytest.raises(CommandError, match="no check"):
        call_command("check_consistency", "--only", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="no organization"):
        call_command("check_consistency", "--org", "nope", stdout=StringIO())


def test_paid_up_to_is_a_fixpoint_on_every_demo_ledger(demo_province):
    """Applying the rule to what it returned changes nothing (a consistent value stays)."""
    from dangwu.dues import rules

    today = timezone.localdate()
    for _pk, recorded, joined, paid, owed in ledger._ledgers(None):
        once = rules.paid_up_to(recorded, paid=paid, owed=owed, first_month=joined, today=today)
        assert rules.paid_up_to(once, paid=paid, owed=owed, first_month=joined, today=today) == once


def test_the_check_finds_an_organization_that_stands_where_its_type_may_not(demo_province):
    """A branch made a committee behind the services' back (as an organization could be before the
    rule of issue 12, finding 6): the tree check names it and the rule."""
    from dangwu.orgs.models import Organization

    branch = Organization.objects.filter(org_type="branch", depth__gt=1).order_by("path").first()
    parent = Organization.objects.get(path=branch.path[:-Organization.steplen])
    assert registries.consistency_checks.get("tree").run(organization=parent) == []
    root = Organization.objects.get(depth=1)
    Organization.objects.filter(pk=root.pk).update(org_type="branch")
    problems = registries.consistency_checks.get("tree").run(organization=None)
    assert any(root.code in line and "党委" in line for line in problems)

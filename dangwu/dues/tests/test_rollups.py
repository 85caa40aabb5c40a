"""The dues report's roll-ups (`DuesStat`) equal a direct count over the assessments after every
kind of write, and the report read from them equals the report grouped over the assessments."""

from datetime import date
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.dues import rollups, rules, selectors, services, tasks
from dangwu.dues.models import Assessment, AssessmentRun, DuesStat

pytestmark = pytest.mark.django_db


def _month():
    return rules.month_start(timezone.localdate())


def _assess(actor, org, month, capture):
    with capture(execute=True):
        run = services.start_assessment(actor=actor, organization=org, month=month)
    run.refresh_from_db()
    assert run.status == "done"
    return run


def _direct_report(org, *, year, month=None):
    """The report as it was computed before the roll-ups: sums over the assessment rows."""
    from dangwu.orgs.models import Organization

    period = (Assessment.objects.filter(month=month) if month else
              Assessment.objects.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1)))
    own = period.filter(organization=org)
    lines = {}
    if own.exists():
        lines[org.pk] = _figures(own)
    for child in Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1):
        rows = period.filter(organization__path__startswith=child.path)
        if child.dissolved_on is None or rows.exists():
            lines[child.pk] = _figures(rows)
    return _figures(period.filter(organization__path__startswith=org.path)), lines


def _figures(rows):
    fen = D("0.01")
    due = sum((a.amount_due for a in rows), D("0")).quantize(fen)
    paid = [a for a in rows if a.paid]
    return (due, sum((a.amount_due for a in paid), D("0")).quantize(fen), len(rows), len(paid))


def _as_figures(t):
    return (t.due, t.collected, t.members, t.paid_members)


def assert_reports_match(actor, orgs, *, year, month=None):
    for org in orgs:
        report = selectors.report(actor=actor, organization=org, year=year, month=month)
        total, lines = _direct_report(org, year=year, month=month)
        assert _as_figures(report.total) == total, org.name
        assert {line.organization.pk: _as_figures(line.totals) for line in report.lines} == lines, org.name
        assert [line.direct for line in report.lines][:1] == ([True] if org.pk in lines else [False])[:len(lines)]
        assert _as_figures(selectors.totals(organization=org, year=year, month=month)) == total
        assert _as_figures(selectors.direct_totals(organization=org, year=year, month=month)) == total


def test_assessment_rerun_and_resumed_run_keep_the_roll_ups_exact(dues_people, world,
                                                                    django_capture_on_commit_callbacks):
    month = _month()
    prov = dues_people["province"]
    first = _assess(prov, world.province, month, django_capture_on_commit_callbacks)
    assert first.created_count == 6
    assert testing.assert_dues_rollups_exact() > 0
    stored = testing.stored_dues_figures()
    assert stored[(world.province.pk, month)] == (D("125.00"), D("0.00"), 6, 0)  # 4 × 20 + 30 + 15
    assert stored[(world.branch_a.pk, month)][2] == 4 and stored[(world.city_b.pk, month)][2] == 1
    # a rerun creates nothing and adds nothing
    second = _assess(prov, world.province, month, django_capture_on_commit_callbacks)
    assert second.created_count == 0 and testing.stored_dues_figures() == stored
    # a run of a part of the subtree over the same month adds nothing either
    _assess(dues_people["city_a"], world.county_a, month, django_capture_on_commit_callbacks)
    assert testing.stored_dues_figures() == stored
    # a run killed halfway, then resumed: every row counted once
    previous = rules.add_months(month, -1)
    run = services.start_assessment(actor=prov, organization=world.province, month=previous)
    real = services._insert_assessments
    calls = {"n": 0}

    def dies_on_the_fifth_batch(org_ids, m):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("worker killed")
        return real(org_ids, m)

    with mock.patch.object(services, "_insert_assessments", dies_on_the_fifth_batch):
        assert tasks.process_run(run.pk, batch_size=1) == "failed"
    halfway = testing.stored_dues_figures()
    assert halfway[(world.province.pk, previous)][2] == 4  # branch A committed with its roll-ups
    testing.assert_dues_rollups_exact()
    assert tasks.process_run(run.pk, batch_size=1) == "done"
    testing.assert_dues_rollups_exact()
    assert testing.stored_dues_figures()[(world.province.pk, previous)][2] == 6
    run.refresh_from_db()
    entry = testing.last_audit_entry()
    assert entry.action == "dues.assess" and entry.summary["assessed"] == 6 and entry.summary["created"] == 6
    assert_reports_match(prov, [world.province, world.city_a, world.county_a, world.branch_a], year=month.year,
                         month=month)


def test_payments_of_several_months_back_payments_and_advance_keep_the_roll_ups_exact(
        dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    sec = dues_people["secretary"]
    _assess(dues_people["province"], world.province, month, django_capture_on_commit_callbacks)
    before = testing.stored_dues_figures()[(world.province.pk, month)]
    # this month (assessed) and two back months (not assessed: assessed on the spot) at once
    back = [rules.add_months(month, -2), rules.add_months(month, -1)]
    services.record_payment(actor=sec, member=dues_people["m_wang"], months=[*back, month], method="cash")
    testing.assert_dues_rollups_exact()
    after = testing.stored_dues_figures()
    assert after[(world.province.pk, month)] == (before[0], before[1] + D("30"), before[2], before[3] + 1)
    for m in back:
        assert after[(world.province.pk, m)] == (D("30.00"), D("30.00"), 1, 1)
        assert after[(world.branch_a.pk, m)] == (D("30.00"), D("30.00"), 1, 1)
        assert (world.city_b.pk, m) not in after
    # in advance (if the year has a month left), and a voluntary-only payment that changes nothing
    if month.month < 12:
        services.record_payment(actor=sec, member=dues_people["m_zhao"], months=[month, rules.add_months(month, 1)],
                                method="transfer", reference="T-1")
        testing.assert_dues_rollups_exact()
    unchanged = testing.stored_dues_figures()
    services.record_payment(actor=sec, member=dues_people["m_plain"], months=[], method="cash",
                            voluntary_amount=D("50"))
    assert testing.stored_dues_figures() == unchanged
    # a payment at the host organization (mobile member): filed under the home branch
    member = dues_people["m_b"]
    member.is_outflow, member.outflow_destination = True, "长沙"
    member.save()
    services.record_payment(actor=sec, member=member, months=[month], method="cash", collected_at=world.branch_a)
    testing.assert_dues_rollups_exact()
    assert testing.stored_dues_figures()[(world.city_b.pk, month)][3] == 1
    # a refused payment (a month paid already) changes nothing
    frozen = testing.stored_dues_figures()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.record_payment(actor=sec, member=dues_people["m_wang"], months=[month], method="cash")
    assert testing.stored_dues_figures() == frozen
    assert_reports_match(dues_people["province"], [world.province, world.city_a, world.county_a, world.branch_a,
                                                    world.city_b], year=month.year, month=month)
    assert_reports_match(dues_people["province"], [world.province, world.city_a], year=month.year)


def test_reductions_and_exemptions_keep_the_roll_ups_exact(dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    sec, county = dues_people["secretary"], dues_people["county"]
    previous = rules.add_months(month, -1)
    for m in (previous, month):
        _assess(dues_people["province"], world.province, m, django_capture_on_commit_callbacks)
    # a reduction over two assessed months, one of them paid already: only the unpaid one changes
    services.record_payment(actor=sec, member=dues_people["m_wang"], months=[previous], method="cash")
    reduction = services.request_reduction(actor=sec, member=dues_people["m_wang"], kind="reduce",
                                           monthly_amount=D("5"), start_month=previous, end_month=month,
                                           reason="因病生活困难")
    audits = AuditEntry.objects.count()
    services.decide_reduction(actor=county, reduction=reduction, approve=True)
    assert AuditEntry.objects.count() - audits == 1  # the roll-ups are no audit entry of their own
    testing.assert_dues_rollups_exact()
    stored = testing.stored_dues_figures()
    assert stored[(world.branch_a.pk, month)][0] == D("20") * 2 + D("5") + D("15")
    assert stored[(world.branch_a.pk, previous)][0] == D("20") * 2 + D("30") + D("15")
    # an exemption: the month is due 0, which counts as paid (collected 0)
    exemption = services.request_reduction(actor=sec, member=dues_people["m_zhao"], kind="exempt",
                                           start_month=month, end_month=month, reason="低保")
    paid_before = stored[(world.province.pk, month)][3]
    services.decide_reduction(actor=county, reduction=exemption, approve=True)
    testing.assert_dues_rollups_exact()
    after = testing.stored_dues_figures()[(world.province.pk, month)]
    assert after[3] == paid_before + 1 and after[0] == stored[(world.province.pk, month)][0] - D("15")
    # a refusal changes nothing
    refused = services.request_reduction(actor=sec, member=dues_people["m_plain"], kind="exempt",
                                         start_month=month, end_month=month, reason="困难")
    frozen = testing.stored_dues_figures()
    services.decide_reduction(actor=county, reduction=refused, approve=False, note="不符合条件")
    assert testing.stored_dues_figures() == frozen
    # paying an exempted month: nothing to collect, still one paid row
    services.record_payment(actor=sec, member=dues_people["m_zhao"], months=[month], method="cash")
    testing.assert_dues_rollups_exact()
    assert_reports_match(dues_people["province"], [world.province, world.county_a, world.branch_a],
                         year=month.year, month=month)
    assert_reports_match(dues_people["province"], [world.province, world.county_a], year=month.year)


def test_standing_changes_declarations_and_a_member_filed_elsewhere(dues_people, world,
                                                                    django_capture_on_commit_callbacks):
    """Assessments keep the organization and amount they were made with: a later change of the
    member (standing, 党费标准, branch) changes the next months only, and the roll-ups follow."""
    from dangwu.members import services as member_services

    month = _month()
    previous = rules.add_months(month, -1)
    prov = dues_people["province"]
    _assess(prov, world.province, previous, django_capture_on_commit_callbacks)
    member_services.change_standing(actor=prov, member=dues_people["m_other"], new_standing="suspended",
                                    effective_on=timezone.localdate(), reason="停止党籍")
    member_services.update_member(actor=prov, member=dues_people["m_zhao"], fields={"dues_standard": D("16.00")},
                                  reason="调整")
    moved = dues_people["m_b"]
    from dangwu.members.models import Member

    Member.objects.filter(pk=moved.pk).update(organization=world.branch_a2)  # as a transfer would file it
    _assess(prov, world.province, month, django_capture_on_commit_callbacks)
    testing.assert_dues_rollups_exact()
    stored = testing.stored_dues_figures()
    assert stored[(world.city_b.pk, previous)][2] == 1 and (world.city_b.pk, month) not in stored
    assert stored[(world.branch_a2.pk, month)][2] == 1  # 王五 suspended, 赵六 arrived
    assert stored[(world.branch_a.pk, month)][0] == stored[(world.branch_a.pk, previous)][0] + D("1")
    assert_reports_match(prov, [world.province, world.city_a, world.county_a], year=month.year, month=month)
    assert_reports_match(prov, [world.province, world.city_b], year=month.year)


def test_report_reads_the_roll_ups_only_and_shows_the_own_members_line(dues_people, world,
                                                                        django_capture_on_commit_callbacks):
    month = _month()
    prov = dues_people["province"]
    # a member filed right under the county committee: the report's "own members" line
    own = testing.make_member(world.county_a, name="机关党员", dues_standard=D("40.00"))
    _assess(prov, world.province, month, django_capture_on_commit_callbacks)
    services.record_payment(actor=prov, member=own, months=[month], method="cash")
    with CaptureQueriesContext(connection) as queries:
        report = selectors.report(actor=prov, organization=world.county_a, year=month.year, month=month)
    assert not any(Assessment._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert any(DuesStat._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 4
    assert report.lines[0].direct and report.lines[0].organization == world.county_a
    assert _as_figures(report.lines[0].totals) == (D("40.00"), D("40.00"), 1, 1)
    assert [line.organization for line in report.lines[1:]] == [world.branch_a, world.branch_a2]
    assert_reports_match(prov, [world.province, world.city_a, world.county_a], year=month.year, month=month)
    # a dissolved branch with nothing assessed is left out, as before
    world.branch_a2.dissolved_on = timezone.localdate()
    world.branch_a2.save()
    other = dues_people["m_other"]
    from dangwu.members.models import Member

    Member.objects.filter(pk=other.pk).update(standing="suspended")
    assert_reports_match(prov, [world.county_a], year=month.year, month=rules.add_months(month, -1))
    empty = selectors.report(actor=prov, organization=world.county_a, year=month.year,
                             month=rules.add_months(month, -1))
    assert [line.organization for line in empty.lines] == [world.branch_a]
    assert empty.total.members == 0 and empty.total.rate is None


def test_rebuild_and_the_check_command(dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    _assess(dues_people["province"], world.province, month, django_capture_on_commit_callbacks)
    services.record_payment(actor=dues_people["secretary"], member=dues_people["m_wang"],
                            months=[rules.add_months(month, -1), month], method="cash")
    stored = testing.stored_dues_figures()
    # a full rebuild gives the same rows
    from django.db import transaction

    with transaction.atomic():
        rollups.rebuild()
    assert testing.stored_dues_figures() == stored
    call_command("rebuild_dues_stats", "--check")
    # corrupt a branch and an ancestor: the check names them, a rebuild of the city repairs them
    DuesStat.objects.filter(organization=world.branch_a, month=month).update(due=D("1"))
    DuesStat.objects.filter(organization=world.province, month=month).update(members=99)
    DuesStat.objects.create(organization=world.branch_b, month=date(2001, 1, 1), due=D("3"), members=1)
    differences = rollups.drift()
    assert set(differences) == {(world.branch_a.pk, month), (world.province.pk, month),
                                (world.branch_b.pk, date(2001, 1, 1))}
    with pytest.raises(CommandError):
        call_command("rebuild_dues_stats", "--check")
    assert rollups.drift(organization=world.city_a) == {(world.branch_a.pk, month): differences[
        (world.branch_a.pk, month)]}
    audits = AuditEntry.objects.count()
    call_command("rebuild_dues_stats", "--org", world.city_a.code)
    assert AuditEntry.objects.count() - audits == 1
    assert testing.last_audit_entry().action == "dues.stats_rebuild"
    assert set(rollups.drift()) == {(world.branch_b.pk, date(2001, 1, 1))}  # the other city is untouched
    call_command("rebuild_dues_stats")
    assert testing.stored_dues_figures() == stored
    call_command("rebuild_dues_stats", "--check")
    with pytest.raises(CommandError):
        call_command("rebuild_dues_stats", "--org", "nope")


@pytest.mark.django_db(transaction=True)
def test_rollups_change_only_inside_a_transaction(world):
    with pytest.raises(RuntimeError):
        rollups.add_totals({(world.province.pk, _month()): rollups.Delta(due=D("1"), members=1)})
    assert not DuesStat.objects.exists()
    assert not AssessmentRun.objects.exists()

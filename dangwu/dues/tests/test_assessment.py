"""The monthly assessment: set-based, idempotent, crash-resumable; arrears and reports against direct sums."""

from datetime import date, timedelta
from decimal import Decimal as D
from unittest import mock

import pytest
from django.db.models import Sum
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.dues import rules, selectors, services, tasks
from dangwu.dues.models import Assessment, AssessmentRun, Declaration, Reduction

pytestmark = pytest.mark.django_db


def _month():
    return rules.month_start(timezone.localdate())


def _run(actor, org, month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_assessment(actor=actor, organization=org, month=month)
    run.refresh_from_db()
    return run


def test_assessment_creates_one_row_per_member_in_good_standing(dues_people, world,
                                                                django_capture_on_commit_callbacks):
    month = _month()
    year = month.year
    services.declare_dues(actor=dues_people["secretary"], member=dues_people["m_plain"], year=year,
                          category="employed", base=D("8000"))
    suspended = testing.make_member(world.branch_a, name="停籍者", standing="suspended", dues_standard=D("9"))
    undeclared = testing.make_member(world.branch_a, name="未申报")
    future = testing.make_member(world.branch_a, name="下月入党", member_type="probationary",
                                 joined_on=rules.add_months(month, 1) if rules.add_months(month, 1) <= timezone.localdate()
                                 else timezone.localdate() + timedelta(days=40), dues_standard=D("1"))
    audits = AuditEntry.objects.count()
    run = _run(dues_people["province"], world.province, month, django_capture_on_commit_callbacks)
    assert run.status == "done" and run.percent == 100
    assessed = {a.member_id: a for a in Assessment.objects.filter(month=month)}
    expected = {dues_people[k].pk for k in ("m_sec", "m_plain", "m_other", "m_b", "m_wang", "m_zhao")}
    assert set(assessed) == expected
    assert suspended.pk not in assessed and undeclared.pk not in assessed and future.pk not in assessed
    assert assessed[dues_people["m_plain"].pk].amount_due == D("120.00")  # the declaration beats the record
    assert assessed[dues_people["m_wang"].pk].amount_due == D("30.00")  # the record's 党费标准
    assert run.created_count == 6
    assert AuditEntry.objects.count() - audits == 2  # asked for, and done
    assert testing.last_audit_entry().action == "dues.assess"


def test_probationary_members_pay_from_the_month_of_admission(dues_people, world,
                                                              django_capture_on_commit_callbacks):
    month = rules.add_months(_month(), -1)
    newcomer = testing.make_member(world.branch_a, name="预备党员", member_type="probationary",
                                   joined_on=month.replace(day=28), dues_standard=D("3.00"))
    _run(dues_people["secretary"], world.branch_a, month, django_capture_on_commit_callbacks)
    _run(dues_people["secretary"], world.branch_a, rules.add_months(month, -1), django_capture_on_commit_callbacks)
    assert list(Assessment.objects.filter(member=newcomer).values_list("month", flat=True)) == [month]


def test_running_twice_creates_nothing_new(dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    first = _run(dues_people["city_a"], world.city_a, month, django_capture_on_commit_callbacks)
    rows = list(Assessment.objects.order_by("id").values_list("id", "member_id", "amount_due"))
    second = _run(dues_people["city_a"], world.city_a, month, django_capture_on_commit_callbacks)
    assert first.created_count == 5 and second.created_count == 0
    assert list(Assessment.objects.order_by("id").values_list("id", "member_id", "amount_due")) == rows


def test_a_run_killed_halfway_completes_when_run_again(dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    run = services.start_assessment(actor=dues_people["province"], organization=world.province, month=month)
    real = services._insert_assessments
    calls = {"n": 0}

    def dies_on_the_fifth_batch(org_ids, m):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("worker killed")
        return real(org_ids, m)

    with mock.patch.object(services, "_insert_assessments", dies_on_the_fifth_batch):
        assert tasks.process_run(run.pk, batch_size=1) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and run.cursor and 0 < run.done_organizations < run.total_organizations
    halfway = Assessment.objects.filter(month=month).count()
    assert halfway == 4  # branch A committed; branch A2 died with its batch
    assert tasks.process_run(run.pk, batch_size=1) == "done"
    run.refresh_from_db()
    assert run.status == "done"
    assert Assessment.objects.filter(month=month).count() == 6
    assert run.created_count == 6  # the rows of the committed batches were not counted (nor inserted) twice
    assert tasks.process_run(run.pk) == "skipped"


def test_a_run_asked_for_outside_the_scope_or_for_a_future_month_is_refused(dues_people, world):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.start_assessment(actor=dues_people["sibling"], organization=world.branch_a, month=_month())
    with pytest.raises(ValidationError) as exc:
        services.start_assessment(actor=dues_people["secretary"], organization=world.branch_a,
                                  month=rules.add_months(_month(), 1))
    assert "month" in exc.value.message_dict
    assert not AssessmentRun.objects.exists()


def test_an_approved_exemption_is_assessed_at_zero_and_is_not_arrears(dues_people, world,
                                                                      django_capture_on_commit_callbacks):
    month = _month()
    member = dues_people["m_wang"]
    Reduction.objects.create(member=member, organization=world.branch_a, kind="exempt", monthly_amount=D("0"),
                             start_month=month, end_month=month, reason="低保", status="approved")
    _run(dues_people["secretary"], world.branch_a, month, django_capture_on_commit_callbacks)
    row = Assessment.objects.get(member=member, month=month)
    assert row.amount_due == 0 and row.paid
    assert member.pk not in {a.member.pk for a in selectors.arrears(actor=dues_people["secretary"],
                                                                     organization=world.branch_a, upto=month)}


def _owe(member, *months, amount=D("10")):
    for m in months:
        testing.make_assessment(member, m, amount)


def test_arrears_across_a_year_end_and_the_six_month_list(dues_people, world):
    sec = dues_people["secretary"]
    upto = date(2026, 2, 1)
    six = [rules.add_months(upto, -i) for i in range(6)]  # 2025-09 … 2026-02
    _owe(dues_people["m_wang"], *six)
    _owe(dues_people["m_zhao"], date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1))
    _owe(dues_people["m_plain"], date(2025, 12, 1), date(2026, 2, 1))  # January paid
    from dangwu.dues.models import Payment

    testing.make_assessment(dues_people["m_plain"], date(2026, 1, 1), D("10"), payment=Payment.objects.create(
        member=dues_people["m_plain"], organization=world.branch_a, collected_at=world.branch_a, method="cash",
        paid_on=date(2026, 1, 5), total_amount=D("10")))
    found = {a.member.name: a for a in selectors.arrears(actor=sec, organization=world.branch_a, upto=upto)}
    assert found["王芳"].run == 6 and found["王芳"].level == "self_departure" and found["王芳"].owed == 6
    assert found["赵强"].run == 4 and found["赵强"].level == "warning"
    assert found["张三"].owed == 2 and found["张三"].run == 1 and found["张三"].level == ""
    assert list(found)[0] == "王芳"  # the list the branch must act on comes first
    # the branch page's rows count the same
    rows = {r.member.name: r for r in selectors.branch_month(actor=sec, organization=world.branch_a, month=upto)}
    assert rows["王芳"].level == "self_departure" and rows["赵强"].owed == 4
    # out of scope
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        selectors.arrears(actor=dues_people["sibling"], organization=world.branch_a, upto=upto)


def test_reports_equal_direct_sums(dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    _run(dues_people["province"], world.province, month, django_capture_on_commit_callbacks)
    services.record_payment(actor=dues_people["secretary"], member=dues_people["m_wang"], months=[month],
                            method="cash")
    services.record_payment(actor=dues_people["city_b"], member=dues_people["m_b"], months=[month], method="cash")
    Declaration.objects.all()  # (no declarations needed: the records' standards)
    report = selectors.report(actor=dues_people["province"], organization=world.province, year=month.year, month=month)
    rows = Assessment.objects.filter(month=month)
    assert report.total.due == rows.aggregate(s=Sum("amount_due"))["s"]
    assert report.total.collected == rows.filter(payment__isnull=False).aggregate(s=Sum("amount_due"))["s"]
    assert report.total.members == rows.count()
    by_child = {line.organization.pk: line.totals for line in report.lines}
    for child in (world.city_a, world.city_b):
        direct = rows.filter(organization__path__startswith=child.path)
        assert by_child[child.pk].due == direct.aggregate(s=Sum("amount_due"))["s"]
        assert by_child[child.pk].members == direct.count()
    assert sum((t.due for t in by_child.values()), D("0")) == report.total.due
    yearly = selectors.report(actor=dues_people["province"], organization=world.province, year=month.year)
    assert yearly.total.due == Assessment.objects.filter(month__year=month.year).aggregate(s=Sum("amount_due"))["s"]
    a = selectors.report(actor=dues_people["city_a"], organization=world.county_a, year=month.year, month=month)
    assert {line.organization for line in a.lines} == {world.branch_a, world.branch_a2}
    assert a.total.rate == rules.collection_rate(a.total.collected, a.total.due)


def test_the_assess_dues_command_assesses_as_the_system_and_is_safe_to_repeat(dues_people, world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    month = _month()
    out = StringIO()
    call_command("assess_dues", "--org", world.province.code, "--month", f"{month:%Y-%m}", stdout=out)
    rows = Assessment.objects.filter(month=month).count()
    assert rows > 0 and "done" in out.getvalue() and f"{rows} 条新核定" in out.getvalue()
    run = AssessmentRun.objects.get()
    assert run.status == "done" and run.created_by is None
    started = AuditEntry.objects.filter(action="dues.assess_start").get()
    assert started.actor is None and AuditEntry.objects.filter(action="dues.assess").count() == 1
    call_command("assess_dues", "--month", f"{month:%Y-%m}", stdout=StringIO())  # every top-level organization
    assert Assessment.objects.filter(month=month).count() == rows  # nothing twice
    for args, message in ((["--month", "2026-13"], "YYYY-MM"), (["--org", "nope"], "no organization"),
                          (["--month", f"{rules.add_months(month, 1):%Y-%m}"], "未来")):
        with pytest.raises(CommandError, match=message):
            call_command("assess_dues", *args, stdout=StringIO())

"""Dues services: each write is one audit entry; bad input names the field and commits nothing."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.dues import rules, selectors, services
from dangwu.dues.models import Assessment, Declaration, DuesUse, Payment, Reduction

pytestmark = pytest.mark.django_db


def _this_month():
    return rules.month_start(timezone.localdate())


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, declarations=Declaration.objects,
                            history=Declaration.history.model.objects, payments=Payment.objects,
                            assessments=Assessment.objects, reductions=Reduction.objects, uses=DuesUse.objects)


def _errors(exc):
    return exc.value.message_dict


# --- declarations ---------------------------------------------------------------------------

def test_declare_computes_the_amount_and_writes_one_audit_entry(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_plain"]
    year = timezone.localdate().year
    snap = _snapshot()
    d = services.declare_dues(actor=sec, member=member, year=year, category="employed", base=D("5000.01"))
    assert d.monthly_amount == D("75.00")
    assert snap.delta()["audit"] == 1 and snap.delta()["declarations"] == 1
    entry = testing.last_audit_entry()
    assert entry.action == "dues.declare" and entry.summary["monthly_amount"] == "75.00"


def test_a_change_during_the_year_needs_a_reason_and_keeps_history(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_plain"]
    year = timezone.localdate().year
    services.declare_dues(actor=sec, member=member, year=year, category="employed", base=D("3000"))
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declare_dues(actor=sec, member=member, year=year, category="employed", base=D("6000"))
    assert "reason" in _errors(exc)
    assert snap.unchanged()
    d = services.declare_dues(actor=sec, member=member, year=year, category="employed", base=D("6000"),
                              reason="工资调整")
    assert d.monthly_amount == D("90.00")
    assert snap.delta()["audit"] == 1 and snap.delta()["declarations"] == 0
    reasons = [h.history_change_reason for h in d.history.all()]
    assert "工资调整" in reasons and len(reasons) == 2
    assert testing.last_audit_entry().action == "dues.declare_change"


def test_a_change_is_its_own_service_and_needs_a_declared_year(dues_people):
    """`declare_dues` hands a change of a declared year to `change_declaration` (dues.declare_change);
    called directly on a year not declared yet, `change_declaration` refuses and writes nothing."""
    sec, member = dues_people["secretary"], dues_people["m_plain"]
    year = timezone.localdate().year
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.change_declaration(actor=sec, member=member, year=year, category="student", reason="转为学生")
    assert "year" in _errors(exc) and snap.unchanged()
    services.declare_dues(actor=sec, member=member, year=year, category="employed", base=D("3000"))
    d = services.change_declaration(actor=sec, member=member, year=year, category="student", reason="转为学生")
    assert d.monthly_amount == D("0.20") and d.category == "student"
    assert snap.delta()["audit"] == 2 and snap.delta()["declarations"] == 1
    assert testing.last_audit_entry().action == "dues.declare_change"


@pytest.mark.parametrize("kwargs,field", [
    ({"category": "teacher", "base": D("100")}, "category"),
    ({"category": "employed", "base": D("-1")}, "base"),
    ({"category": "employed", "base": None}, "base"),
    ({"category": "employed", "base": "abc"}, "base"),
    ({"category": "employed", "base": D("1.001")}, "base"),
    ({"category": "farmer", "base": None, "farmer_amount": D("1.50")}, "farmer_amount"),
    ({"category": "farmer", "base": None, "farmer_amount": D("0.10")}, "farmer_amount"),
    ({"category": "student", "base": None, "year": 1990}, "year"),
])
def test_bad_declarations_name_the_field_and_commit_nothing(dues_people, kwargs, field):
    kwargs = {"year": timezone.localdate().year, **kwargs}
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.declare_dues(actor=dues_people["secretary"], member=dues_people["m_plain"], **kwargs)
    assert field in _errors(exc)
    assert snap.unchanged()


def test_declaring_outside_the_scope_is_refused(dues_people):
    snap = _snapshot()
    for caller in ("sibling", "plain", "city_b", "auditor"):
        with pytest.raises(PermissionDenied):
            services.declare_dues(actor=dues_people[caller], member=dues_people["m_plain"],
                                  year=timezone.localdate().year, category="student")
    assert snap.unchanged()


# --- payments --------------------------------------------------------------------------------

def test_payment_of_three_months_at_once(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_wang"]
    month = _this_month()
    months = [rules.add_months(month, -2), rules.add_months(month, -1), month]
    snap = _snapshot()
    payment = services.record_payment(actor=sec, member=member, months=months, method="cash")
    assert payment.dues_amount == D("90.00") and payment.total_amount == D("90.00")
    assert payment.receipt_number.startswith("DF")
    assert snap.delta()["audit"] == 1 and snap.delta()["payments"] == 1 and snap.delta()["assessments"] == 3
    assert set(Assessment.objects.filter(payment=payment).values_list("month", flat=True)) == set(months)
    entry = testing.last_audit_entry()
    assert entry.action == "dues.payment" and len(entry.summary["months"]) == 3


def test_an_assessed_month_is_paid_at_its_assessed_amount_and_not_twice(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_zhao"]
    month = _this_month()
    testing.make_assessment(member, month, D("12.34"))
    payment = services.record_payment(actor=sec, member=member, months=[month], method="transfer", reference="T1")
    assert payment.dues_amount == D("12.34")
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.record_payment(actor=sec, member=member, months=[month], method="cash")
    assert "months" in _errors(exc) and snap.unchanged()


@pytest.mark.parametrize("kwargs,field", [
    ({"months": [], "method": "cash"}, "months"),
    ({"months": "BACK7", "method": "cash"}, "months"),
    ({"months": "NEXTYEAR", "method": "cash"}, "months"),
    ({"months": "NOW", "method": "cheque"}, "method"),
    ({"months": "NOW", "method": "online"}, "reference"),
    ({"months": "NOW", "method": "cash", "voluntary_amount": D("-5")}, "voluntary_amount"),
    ({"months": "NOW", "method": "cash", "voluntary_amount": "x"}, "voluntary_amount"),
    ({"months": "NOW", "method": "cash", "paid_on": date(2999, 1, 1)}, "paid_on"),
    ({"months": "BEFORE_JOINING", "method": "cash"}, "months"),
])
def test_bad_payments_name_the_field_and_commit_nothing(dues_people, world, kwargs, field):
    member = dues_people["m_wang"]
    month = _this_month()
    if kwargs["months"] == "BEFORE_JOINING":
        member = testing.make_member(world.branch_a, name="新党员", member_type="probationary",
                                     joined_on=timezone.localdate(), dues_standard=D("5.00"))
    kwargs["months"] = {"BACK7": [rules.add_months(month, -7)], "NEXTYEAR": [date(month.year + 1, 1, 1)],
                        "NOW": [month], "BEFORE_JOINING": [rules.add_months(month, -1)]}.get(
        kwargs["months"], kwargs["months"]) if isinstance(kwargs["months"], str) else kwargs["months"]
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.record_payment(actor=dues_people["secretary"], member=member, **kwargs)
    assert field in _errors(exc), _errors(exc)
    assert snap.unchanged()


def test_back_payment_of_six_months_and_advance_to_december(dues_people):
    month = _this_month()
    months = [rules.add_months(month, -6)] + [date(month.year, 12, 1)]
    payment = services.record_payment(actor=dues_people["secretary"], member=dues_people["m_zhao"], months=months,
                                      method="cash")
    assert payment.dues_amount == D("30.00")


def test_a_voluntary_payment_of_1000_yuan_is_forwarded_to_the_centre(dues_people):
    sec = dues_people["secretary"]
    small = services.record_payment(actor=sec, member=dues_people["m_zhao"], months=[], method="cash",
                                    voluntary_amount=D("999.99"))
    big = services.record_payment(actor=sec, member=dues_people["m_zhao"], months=[_this_month()], method="cash",
                                  voluntary_amount=D("1000"))
    assert not small.forward_to_centre and big.forward_to_centre
    assert big.total_amount == D("1015.00")


def test_a_mobile_member_pays_at_the_host_and_the_home_branch_sees_it(dues_people, world):
    member = dues_people["m_b"]  # branch B (city B)
    member.is_outflow, member.outflow_destination = True, "长沙"
    member.save()
    host_sec = dues_people["secretary"]  # branch A, city A
    payment = services.record_payment(actor=host_sec, member=member, months=[_this_month()], method="cash",
                                      collected_at=world.branch_a)
    assert payment.organization == world.branch_b and payment.collected_at == world.branch_a
    assert testing.last_audit_entry().organization_id_value == world.branch_b.pk
    home = dues_people["city_b"]
    assert selectors.visible_payments(actor=home).filter(pk=payment.pk).exists()
    # not a mobile member: the host may not collect
    with pytest.raises(ValidationError) as exc:
        services.record_payment(actor=dues_people["city_b"], member=dues_people["m_plain"], months=[_this_month()],
                                method="cash", collected_at=world.branch_b)
    assert "collected_at" in _errors(exc)


# --- reductions --------------------------------------------------------------------------------

def test_reduction_is_approved_by_the_next_level_committee_only(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_wang"]
    month = _this_month()
    row = testing.make_assessment(member, month, D("30.00"))
    reduction = services.request_reduction(actor=sec, member=member, kind="reduce", monthly_amount=D("5"),
                                           start_month=month, end_month=month, reason="因病生活困难")
    assert testing.last_audit_entry().action == "dues.reduction_request"
    for caller in ("secretary", "approver_at_branch", "city_b"):  # the branch itself may not approve
        with pytest.raises(PermissionDenied):
            services.decide_reduction(actor=dues_people[caller], reduction=reduction, approve=True)
    snap = _snapshot()
    services.decide_reduction(actor=dues_people["county"], reduction=reduction, approve=True)
    assert snap.delta()["audit"] == 1
    row.refresh_from_db()
    assert row.amount_due == D("5.00")
    assert selectors.amount_for(member=member, month=month) == D("5.00")
    with pytest.raises(ValidationError):
        services.decide_reduction(actor=dues_people["city_a"], reduction=reduction, approve=False, note="x")


def test_reduction_bad_input(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_wang"]
    month = _this_month()
    snap = _snapshot()
    cases = [
        ({"kind": "halve"}, "kind"),
        ({"kind": "reduce", "monthly_amount": D("30")}, "monthly_amount"),
        ({"kind": "reduce", "monthly_amount": None}, "monthly_amount"),
        ({"kind": "exempt", "end_month": rules.add_months(month, -1)}, "end_month"),
        ({"kind": "exempt", "reason": " "}, "reason"),
    ]
    for extra, field in cases:
        kwargs = {"kind": "exempt", "start_month": month, "end_month": month, "reason": "困难", **extra}
        with pytest.raises(ValidationError) as exc:
            services.request_reduction(actor=sec, member=member, **kwargs)
        assert field in _errors(exc), (extra, _errors(exc))
    assert snap.unchanged()
    with pytest.raises(ValidationError) as exc:
        services.decide_reduction(actor=dues_people["county"], reduction=services.request_reduction(
            actor=sec, member=member, kind="exempt", start_month=month, end_month=month, reason="困难"),
            approve=False, note="")
    assert "note" in _errors(exc)


def test_record_use(dues_people, world):
    snap = _snapshot()
    services.record_use(actor=dues_people["city_a"], organization=world.city_a, used_on=timezone.localdate(),
                        purpose="education", amount=D("300"), description="党员培训")
    assert snap.delta()["audit"] == 1 and snap.delta()["uses"] == 1
    with pytest.raises(ValidationError) as exc:
        services.record_use(actor=dues_people["city_a"], organization=world.city_a, used_on=None, purpose="x",
                            amount=D("0"), description="")
    assert set(_errors(exc)) == {"used_on", "purpose", "amount", "description"}
    with pytest.raises(PermissionDenied):
        services.record_use(actor=dues_people["secretary"], organization=world.city_a,
                            used_on=timezone.localdate(), purpose="other", amount=D("1"), description="x")


def test_receipt_is_a_pdf_with_an_embedded_cjk_font(dues_people):
    from dangwu.dues import receipts

    month = _this_month()
    payment = services.record_payment(actor=dues_people["secretary"], member=dues_people["m_wang"],
                                      months=[rules.add_months(month, -1), month], method="cash",
                                      voluntary_amount=D("1000"))
    try:
        receipts.cjk_font()
    except receipts.FontMissing:
        pytest.skip("no CJK font on this machine (make install installs fonts-wqy-zenhei)")
    data = receipts.receipt_pdf(payment)
    assert data.startswith(b"%PDF") and b"/FontFile2" in data  # the TrueType font is embedded
    assert "至" in receipts.months_text([rules.add_months(month, -1), month])
    assert receipts.months_text([date(2025, 12, 1), date(2026, 1, 1), date(2026, 3, 1)]) == \
        "2025-12 至 2026-01（2个月）、2026-03"

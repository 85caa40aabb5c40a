"""Reversal of a payment (冲正) and the member record's 党费交至 kept in step with the payments.

Every branch of `services.reverse_payment`: reversed once with a reason, by `dues.collect` at the
payment's organization, one audit entry, nothing committed when refused; the months unpaid
again (arrears), the roll-ups equal to a direct recount, reports and the yearly statement
without the money; the receipt stamped 已冲正; the page, the API and 党费交至 forward and back.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.dues import receipts, rules, selectors, services
from dangwu.dues.models import Assessment, Declaration, DuesStat, Payment
from dangwu.members.models import Member

pytestmark = pytest.mark.django_db


def _month(n: int = 0) -> date:
    return rules.add_months(rules.month_start(timezone.localdate()), n)


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, payments=Payment.objects, assessments=Assessment.objects,
                            unpaid=Assessment.objects.filter(payment__isnull=True),
                            reversed=Payment.objects.filter(reversed_at__isnull=False),
                            member_history=Member.history.model.objects)


def _pay(people, key, months, **kwargs):
    kwargs.setdefault("method", "cash")
    return services.record_payment(actor=people["secretary"], member=people[key], months=months, **kwargs)


def _paid_until(member) -> date | None:
    return Member.objects.get(pk=member.pk).dues_paid_until


# --- the service ------------------------------------------------------------------------------

def test_reverse_ok_keeps_the_row_unpays_the_months_and_writes_one_audit_entry(dues_people):
    sec, member = dues_people["secretary"], dues_people["m_wang"]
    months = [_month(-2), _month(-1), _month()]
    payment = _pay(dues_people, "m_wang", months, voluntary_amount=D("5"))
    snap = _snapshot()
    reversed_ = services.reverse_payment(actor=sec, payment=payment, reason="  重复登记  ")
    delta = snap.delta()
    assert delta["audit"] == 1 and delta["payments"] == 0 and delta["assessments"] == 0
    assert delta["unpaid"] == 3 and delta["reversed"] == 1
    row = Payment.objects.get(pk=payment.pk)  # kept, never deleted
    assert row.is_reversed and row.reversed_by == sec and row.reversal_reason == "重复登记"
    assert row.reversed_months == [f"{m:%Y-%m}" for m in months] and row.covered_months() == months
    assert row.total_amount == D("95.00")  # the amounts stay as recorded
    assert reversed_.pk == payment.pk
    assert not Assessment.objects.filter(member=member, payment__isnull=False).exists()
    entry = testing.last_audit_entry()
    assert entry.action == "dues.payment_reverse" and entry.summary["reason"] == "重复登记"
    assert entry.summary["months"] == row.reversed_months and entry.summary["total"] == "95.00"
    # the arrears show the months again
    arrears = {a.member.pk: a for a in selectors.arrears(actor=sec, organization=dues_people["m_wang"].organization,
                                                          upto=_month())}
    assert arrears[member.pk].months == months and arrears[member.pk].amount == D("90.00")
    testing.assert_dues_rollups_exact()


def _reversed_once(people):
    payment = _pay(people, "m_zhao", [_month()])
    services.reverse_payment(actor=people["secretary"], payment=payment, reason="登记错误")
    return payment


REFUSALS = {
    # case: (caller, how the payment is set up, reason, error: a field name or PermissionDenied)
    "twice": ("secretary", _reversed_once, "又一次", "payment"),
    "no_reason": ("secretary", None, "", "reason"),
    "blank_reason": ("secretary", None, "   ", "reason"),
    "none_reason": ("secretary", None, None, "reason"),
    "reason_too_long": ("secretary", None, "错" * 201, "reason"),
    "sibling_branch": ("sibling", None, "重复登记", PermissionDenied),
    "other_city": ("city_b", None, "重复登记", PermissionDenied),
    "plain_member": ("plain", None, "重复登记", PermissionDenied),
    "discipline_reads_only": ("discipline", None, "重复登记", PermissionDenied),
    "auditor": ("auditor", None, "重复登记", PermissionDenied),
}


@pytest.mark.parametrize("caller,setup,reason,error", list(REFUSALS.values()), ids=list(REFUSALS))
def test_refused_reversals_name_the_field_and_commit_nothing(dues_people, caller, setup, reason, error):
    payment = setup(dues_people) if setup else _pay(dues_people, "m_zhao", [_month()])
    before = Payment.objects.get(pk=payment.pk)
    figures, paid_until = testing.stored_dues_figures(), _paid_until(dues_people["m_zhao"])
    snap = _snapshot()
    if error is PermissionDenied:
        with pytest.raises(PermissionDenied):
            services.reverse_payment(actor=dues_people[caller], payment=payment, reason=reason)
    else:
        with pytest.raises(ValidationError) as exc:
            services.reverse_payment(actor=dues_people[caller], payment=payment, reason=reason)
        assert error in exc.value.message_dict
        assert all(exc.value.message_dict[error])  # a message, in the user's language
    assert snap.unchanged()
    assert testing.stored_dues_figures() == figures and _paid_until(dues_people["m_zhao"]) == paid_until
    after = Payment.objects.get(pk=payment.pk)
    assert (after.reversed_at, after.reversal_reason) == (before.reversed_at, before.reversal_reason)


def test_the_collecting_committee_above_may_reverse(dues_people):
    payment = _pay(dues_people, "m_zhao", [_month()])
    services.reverse_payment(actor=dues_people["city_a"], payment=payment, reason="金额登记错误")
    assert Payment.objects.get(pk=payment.pk).is_reversed


# --- roll-ups, reports and the statement --------------------------------------------------------

def test_roll_ups_equal_direct_sums_after_reversals(dues_people, world, django_capture_on_commit_callbacks):
    month = _month()
    with django_capture_on_commit_callbacks(execute=True):
        services.start_assessment(actor=dues_people["province"], organization=world.province, month=month)
    assessed = selectors.totals(organization=world.province, year=month.year, month=month)
    wang = _pay(dues_people, "m_wang", [_month(-2), _month(-1), month])  # back months assessed on the spot
    _pay(dues_people, "m_zhao", [month])
    mobile = dues_people["m_b"]
    mobile.is_outflow, mobile.outflow_destination = True, "长沙"
    mobile.save()
    at_host = _pay(dues_people, "m_b", [month], collected_at=world.branch_a)  # filed under branch B
    voluntary_only = _pay(dues_people, "m_plain", [], voluntary_amount=D("50"))
    paid = selectors.totals(organization=world.province, year=month.year, month=month)
    assert paid.collected == assessed.collected + D("30") + D("15") + D("20")

    services.reverse_payment(actor=dues_people["secretary"], payment=wang, reason="重复登记")
    services.reverse_payment(actor=dues_people["secretary"], payment=at_host, reason="代收有误")
    services.reverse_payment(actor=dues_people["secretary"], payment=voluntary_only, reason="金额有误")

    testing.assert_dues_rollups_exact()  # every stored row equals a direct count; a recount finds nothing
    call_command("rebuild_dues_stats", "--check")
    for org in (world.province, world.city_a, world.county_a, world.branch_a, world.city_b, world.branch_b):
        for m in (_month(-2), _month(-1), month):
            assert selectors.totals(organization=org, year=m.year, month=m) == selectors.direct_totals(
                organization=org, year=m.year, month=m), (org.name, m)
    after = selectors.totals(organization=world.province, year=month.year, month=month)
    assert after.collected == assessed.collected + D("15")  # only 赵强's payment stands
    assert after.due == paid.due and after.members == paid.members  # still assessed, unpaid again
    for m in (_month(-2), _month(-1)):  # the back months are owed, not paid
        back = selectors.totals(organization=world.branch_a, year=m.year, month=m)
        assert (back.due, back.collected, back.members, back.paid_members) == (D("30.00"), D("0.00"), 1, 0)
    assert DuesStat.objects.filter(organization=world.branch_b, month=month).get().paid_members == 0


def test_the_yearly_statement_leaves_out_reversed_payments(dues_people, world):
    month = _month()
    year = timezone.localdate().year
    kept = _pay(dues_people, "m_zhao", [month], voluntary_amount=D("1000"))
    wrong = _pay(dues_people, "m_wang", [month], voluntary_amount=D("2000"))
    before = selectors.statement(actor=dues_people["secretary"], organization=world.branch_a, year=year)
    services.reverse_payment(actor=dues_people["secretary"], payment=wrong, reason="重复登记")
    after = selectors.statement(actor=dues_people["secretary"], organization=world.branch_a, year=year)
    assert before.payments == 2 and after.payments == 1
    assert after.dues_income == kept.dues_amount and after.voluntary_income == D("1000.00")
    assert after.forwarded_to_centre == D("1000.00") and before.forwarded_to_centre == D("3000.00")
    assert after.income == before.income - wrong.total_amount


# --- the receipt ---------------------------------------------------------------------------------

def test_the_receipt_of_a_reversed_payment_is_stamped_void(dues_people):
    payment = _pay(dues_people, "m_wang", [_month(-1), _month()])
    assert receipts.reversal_mark(payment) is None
    assert [label for label, _v in receipts.receipt_rows(payment)][-1] == "缴纳方式"
    services.reverse_payment(actor=dues_people["secretary"], payment=payment, reason="重复登记")
    payment = Payment.objects.get(pk=payment.pk)
    assert receipts.reversal_mark(payment) == "已冲正 · 作废"
    rows = dict(receipts.receipt_rows(payment))
    assert "重复登记" in rows["已冲正"] and "作废" in rows["已冲正"]
    assert rows["交纳月份"].startswith(f"{_month(-1):%Y-%m}")  # the months it had paid, still shown
    try:
        data = receipts.receipt_pdf(payment)
    except receipts.FontMissing:
        pytest.skip("no CJK font on this machine")
    assert data.startswith(b"%PDF")


# --- 党费交至 (dues_paid_until) ---------------------------------------------------------------------

T = date(2026, 11, 15)  # "today" of the pure-rule table
M = rules.month_start


@pytest.mark.parametrize("current,paid,owed,first_paid,expected", [
    pytest.param(None, {date(2026, 9, 1), date(2026, 10, 1)}, set(), date(2026, 9, 1), date(2026, 10, 1),
                 id="empty-record-starts-at-the-payment"),
    pytest.param(date(2026, 8, 1), {date(2026, 9, 1), date(2026, 10, 1)}, set(), date(2026, 9, 1),
                 date(2026, 10, 1), id="next-months-move-it-forward"),
    pytest.param(date(2026, 8, 1), {date(2026, 9, 1), date(2026, 11, 1)}, {date(2026, 10, 1)}, date(2026, 9, 1),
                 date(2026, 9, 1), id="an-owed-month-stops-it"),
    pytest.param(date(2026, 8, 1), {date(2026, 11, 1)}, set(), date(2026, 11, 1), date(2026, 8, 1),
                 id="a-payable-month-not-paid-stops-it"),
    pytest.param(date(2026, 3, 1), {date(2026, 5, 1), date(2026, 6, 1)}, set(), date(2026, 5, 1),
                 date(2026, 6, 1), id="months-before-the-payable-window-do-not-stop-it"),
    pytest.param(date(2026, 12, 1), {date(2026, 9, 1)}, set(), date(2026, 9, 1), date(2026, 12, 1),
                 id="never-backward"),
    pytest.param(date(2026, 8, 1), {date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)}, set(),
                 date(2026, 10, 1), date(2026, 11, 1), id="an-earlier-payment-joins-the-run"),
    pytest.param(date(2026, 8, 1), set(), set(), date(2026, 9, 1), date(2026, 8, 1), id="nothing-paid"),
])
def test_paid_until_after_payment_rule(current, paid, owed, first_paid, expected):
    assert rules.paid_until_after_payment(current, paid=paid, owed=owed, first_paid=first_paid, today=T) == expected


@pytest.mark.parametrize("current,owed_again,expected", [
    pytest.param(date(2026, 10, 1), {date(2026, 9, 1), date(2026, 10, 1)}, date(2026, 8, 1), id="back-before-it"),
    pytest.param(date(2026, 11, 1), {date(2026, 9, 1)}, date(2026, 8, 1), id="a-hole-in-the-run"),
    pytest.param(date(2026, 8, 1), {date(2026, 10, 1)}, date(2026, 8, 1), id="beyond-it-unchanged"),
    pytest.param(None, {date(2026, 10, 1)}, None, id="empty-stays-empty"),
    pytest.param(date(2026, 10, 1), set(), date(2026, 10, 1), id="nothing-owed-again"),
    pytest.param(date(2010, 7, 1), {date(2010, 7, 1)}, None, id="before-admission-is-empty"),
])
def test_paid_until_after_reversal_rule(current, owed_again, expected):
    assert rules.paid_until_after_reversal(current, owed_again=owed_again, first_month=date(2010, 7, 1),
                                           payment_first=min(owed_again, default=None)) == expected


@pytest.mark.parametrize("on_empty,payment_first,expected", [
    pytest.param(True, date(2026, 9, 1), None, id="set-only-by-this-payment-empty-again"),
    pytest.param(False, date(2026, 9, 1), date(2026, 8, 1), id="back-before-the-payment"),
    pytest.param(True, date(2026, 8, 1), date(2026, 8, 1), id="an-exempt-first-month-of-the-payment-stays"),
])
def test_paid_until_after_reversal_of_the_payment_that_set_it(on_empty, payment_first, expected):
    assert rules.paid_until_after_reversal(date(2026, 10, 1), owed_again={date(2026, 9, 1), date(2026, 10, 1)},
                                           first_month=date(2010, 7, 1), recorded_on_empty=on_empty,
                                           payment_first=payment_first) == expected


J = date(2010, 7, 1)  # admission of the pure-rule table's member


@pytest.mark.parametrize("recorded,paid,owed,expected", [
    pytest.param(date(2026, 11, 1), {date(2026, 6, 1)}, {date(2026, 10, 1), date(2026, 11, 1)},
                 date(2026, 9, 1), id="claims-owed-months-goes-back-before-the-first"),
    pytest.param(date(2026, 3, 1), {date(2026, m, 1) for m in range(5, 13)}, set(), date(2026, 12, 1),
                 id="behind-its-payments-moves-on-over-months-no-longer-payable"),
    pytest.param(date(2026, 9, 1), {date(2026, 6, 1)}, {date(2026, 7, 1)}, date(2026, 6, 1),
                 id="claims-owed-then-stops-at-the-owed-month"),
    pytest.param(None, {date(2026, 10, 1)}, {date(2026, 9, 1)}, None, id="empty-with-a-first-month-owed-stays-empty"),
    pytest.param(None, {date(2026, 9, 1), date(2026, 10, 1)}, set(), date(2026, 10, 1), id="empty-starts-at-the-ledger"),
    pytest.param(date(2026, 8, 1), set(), {date(2026, 9, 1)}, date(2026, 8, 1), id="consistent-stays"),
    pytest.param(date(2026, 8, 15), set(), set(), date(2026, 8, 15), id="no-ledger-the-record-stands"),
    pytest.param(date(2010, 8, 1), set(), {date(2010, 7, 1)}, None, id="owed-from-admission-is-empty"),
])
def test_paid_up_to_rule(recorded, paid, owed, expected):
    value = rules.paid_up_to(recorded, paid=paid, owed=owed, first_month=J, today=T)
    assert value == expected
    assert rules.paid_up_to(value, paid=paid, owed=owed, first_month=J, today=T) == value  # a fixpoint


def test_a_hand_edit_may_not_contradict_the_ledger_or_the_declaration(dues_people):
    from dangwu.members import services as member_services

    member, sec = dues_people["m_wang"], dues_people["secretary"]
    _pay(dues_people, "m_wang", [_month(-1)])
    Assessment.objects.create(member=member, organization=member.organization, month=_month(0), amount_due=D("30"),
                              created_at=timezone.now())  # this month assessed, still owed
    member.refresh_from_db()
    assert member.dues_paid_until == _month(-1)
    with pytest.raises(ValidationError) as refused:  # claims the month owed
        member_services.update_member(actor=sec, member=member, fields={"dues_paid_until": _month(0)}, reason="手工")
    assert "党费台账" in refused.value.message_dict["dues_paid_until"][0]
    year = timezone.localdate().year
    Declaration.objects.filter(member=member, year=year).delete()
    declaration = services.declare_dues(actor=sec, member=member, year=year, category=rules.EMPLOYED,
                                        base=D("4321.00"), reason="年度申报")
    member.refresh_from_db()
    assert member.dues_standard == declaration.monthly_amount == D("43.21")  # kept in step by the declaration
    with pytest.raises(ValidationError) as refused:
        member_services.update_member(actor=sec, member=member, fields={"dues_standard": D("50.00")}, reason="手工")
    assert "党费基数申报" in refused.value.message_dict["dues_standard"][0]
    assert Member.objects.get(pk=member.pk).dues_paid_until == member.dues_paid_until


def _set_paid_until(member, value, *, people=None):
    """The record's 党费交至 set as a cadre edits it (with history); without `people`, set in bulk
    (no history, as rows loaded by a bulk import)."""
    if people is None:
        Member.objects.filter(pk=member.pk).update(dues_paid_until=value)
    else:
        from dangwu.members import services as member_services

        member_services.update_member(actor=people["secretary"], member=member, fields={"dues_paid_until": value},
                                      reason="核对纸质台账")
    member.refresh_from_db()


def test_dues_paid_until_moves_forward_with_payments_and_back_with_reversals(dues_people):
    member = dues_people["m_wang"]
    _set_paid_until(member, _month(-3), people=dues_people)
    sec = dues_people["secretary"]
    history = Member.history.model.objects.filter(id=member.pk)
    audits = AuditEntry.objects.count()

    first = _pay(dues_people, "m_wang", [_month(-2), _month(-1)])
    assert _paid_until(member) == _month(-1)
    assert AuditEntry.objects.count() == audits + 1  # one entry: the payment's, naming the change
    assert testing.last_audit_entry().summary["dues_paid_until"] == [f"{_month(-3):%Y-%m}", f"{_month(-1):%Y-%m}"]
    assert first.receipt_number in history.latest("history_date").history_change_reason

    second = _pay(dues_people, "m_wang", [_month()])
    assert _paid_until(member) == _month()

    # reversing the later payment: back to the last month still paid
    services.reverse_payment(actor=sec, payment=second, reason="重复登记")
    assert _paid_until(member) == _month(-1)
    assert testing.last_audit_entry().summary["dues_paid_until"] == [f"{_month():%Y-%m}", f"{_month(-1):%Y-%m}"]
    assert "冲正" in history.latest("history_date").history_change_reason

    # paying this month again, then reversing the earlier payment: a hole — back before it
    third = _pay(dues_people, "m_wang", [_month()])
    assert _paid_until(member) == _month()
    services.reverse_payment(actor=sec, payment=first, reason="金额有误")
    assert _paid_until(member) == _month(-3)
    # paying the hole again joins the run up to this month
    _pay(dues_people, "m_wang", [_month(-2), _month(-1)])
    assert _paid_until(member) == _month()
    assert not Payment.objects.get(pk=third.pk).is_reversed


def test_dues_paid_until_loaded_in_bulk_goes_back_before_the_reversed_months(dues_people):
    member = dues_people["m_wang"]
    _set_paid_until(member, _month(-3))  # in bulk, without history: the payment keeps what it moved
    payment = _pay(dues_people, "m_wang", [_month(-2), _month(-1)])
    assert _paid_until(member) == _month(-1)
    services.reverse_payment(actor=dues_people["secretary"], payment=payment, reason="登记错误")
    assert _paid_until(member) == _month(-3)


def test_dues_paid_until_set_by_a_payment_on_an_empty_record_is_empty_again_after_its_reversal(dues_people):
    member = dues_people["m_zhao"]
    assert _paid_until(member) is None
    payment = _pay(dues_people, "m_zhao", [_month(-1), _month()])
    assert _paid_until(member) == _month()
    services.reverse_payment(actor=dues_people["secretary"], payment=payment, reason="登记错误")
    assert _paid_until(member) is None


def test_dues_paid_until_not_moved_by_a_payment_after_an_owed_month_or_a_voluntary_one(dues_people):
    member = dues_people["m_zhao"]
    _set_paid_until(member, _month(-3))
    testing.make_assessment(member, _month(-2), D("15.00"))  # owed
    history = Member.history.model.objects.filter(id=member.pk).count()
    _pay(dues_people, "m_zhao", [_month(-1)])
    _pay(dues_people, "m_zhao", [], voluntary_amount=D("10"))
    assert _paid_until(member) == _month(-3)
    assert Member.history.model.objects.filter(id=member.pk).count() == history  # nothing written
    assert "dues_paid_until" not in testing.last_audit_entry().summary
    _pay(dues_people, "m_zhao", [_month(-2)])  # the owed month paid: the run reaches last month
    assert _paid_until(member) == _month(-1)


def test_dues_paid_until_is_the_same_on_the_member_page_and_the_dues_page(dues_people):
    member = dues_people["m_plain"]
    _pay(dues_people, "m_plain", [_month(-1), _month()])
    client = _client(dues_people["secretary"])
    from django.utils.formats import date_format

    shown = date_format(_month(), "YEAR_MONTH_FORMAT")
    dues_page = client.get(f"/dues/members/{member.pk}/").content.decode()
    member_page = client.get(f"/members/{member.pk}/").content.decode()
    assert shown in dues_page.split('id="dues-paid-until"')[1][:300]
    assert shown in member_page


# --- the page ------------------------------------------------------------------------------------

def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_reversal_page_asks_for_the_reason_and_reverses(dues_people):
    payment = _pay(dues_people, "m_wang", [_month()])
    client = _client(dues_people["secretary"])
    member_page = client.get(f"/dues/members/{payment.member_id}/").content.decode()
    assert f'href="/dues/payments/{payment.pk}/reverse/"' in member_page
    page = client.get(f"/dues/payments/{payment.pk}/reverse/")
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()

    snap = _snapshot()
    refused = client.post(f"/dues/payments/{payment.pk}/reverse/", {"reason": "  "})
    assert refused.status_code == 200 and 'data-field-error="reason"' in refused.content.decode()
    assert "请填写冲正原因" in refused.content.decode() and snap.unchanged()

    done = client.post(f"/dues/payments/{payment.pk}/reverse/", {"reason": "重复登记"})
    assert done.status_code == 302 and done["Location"] == f"/dues/members/{payment.member_id}/"
    assert snap.delta()["audit"] == 1 and Payment.objects.get(pk=payment.pk).is_reversed
    member_page = client.get(f"/dues/members/{payment.member_id}/").content.decode()
    assert f'data-reversed="{payment.pk}"' in member_page and "已冲正（作废）" in member_page
    assert f'href="/dues/payments/{payment.pk}/reverse/"' not in member_page  # no button any more

    again = client.get(f"/dues/payments/{payment.pk}/reverse/").content.decode()
    assert 'id="already-reversed"' in again and 'name="reason"' not in again
    twice = client.post(f"/dues/payments/{payment.pk}/reverse/", {"reason": "再来"})
    assert twice.status_code == 200 and "不能重复冲正" in twice.content.decode()
    assert snap.delta()["audit"] == 1


def test_reversal_page_refuses_callers_without_collect_at_the_payment(dues_people):
    payment = _pay(dues_people, "m_wang", [_month()])
    url = f"/dues/payments/{payment.pk}/reverse/"
    for caller, status in (("sibling", 404), ("city_b", 404), ("plain", 403), ("discipline", 403)):
        assert _client(dues_people[caller]).post(url, {"reason": "x"}).status_code == status, caller
    assert not Payment.objects.get(pk=payment.pk).is_reversed


# --- the API -------------------------------------------------------------------------------------

API_CASES = {
    # case: (caller, body, reverse first, status, error key)
    "ok": ("secretary", {"reason": "重复登记"}, False, 200, None),
    "committee_above": ("city_a", {"reason": "重复登记"}, False, 200, None),
    "twice": ("secretary", {"reason": "重复登记"}, True, 400, "payment"),
    "no_reason": ("secretary", {}, False, 400, "reason"),
    "blank_reason": ("secretary", {"reason": " "}, False, 400, "reason"),
    "sibling": ("sibling", {"reason": "重复登记"}, False, 404, None),
    "other_city": ("city_b", {"reason": "重复登记"}, False, 404, None),
    "plain_member": ("plain", {"reason": "重复登记"}, False, 403, None),
    "discipline": ("discipline", {"reason": "重复登记"}, False, 403, None),
}


@pytest.mark.parametrize("caller,body,first,status,key", list(API_CASES.values()), ids=list(API_CASES))
def test_reverse_through_the_api(dues_people, caller, body, first, status, key):
    payment = _pay(dues_people, "m_wang", [_month(-1), _month()])
    if first:
        services.reverse_payment(actor=dues_people["secretary"], payment=payment, reason="登记错误")
    snap = _snapshot()
    response = testing.api_client(dues_people[caller]).post(f"/api/v1/dues/payments/{payment.pk}/reverse/", body,
                                                            format="json")
    assert response.status_code == status, response.content
    if status == 200:
        data = response.json()
        assert data["reversed"] is True and data["reversal_reason"] == "重复登记"
        assert data["paid_months"] == [f"{_month(-1):%Y-%m}", f"{_month():%Y-%m}"]
        assert snap.delta()["audit"] == 1 and snap.delta()["unpaid"] == 2
        listed = testing.api_client(dues_people["secretary"]).get(
            f"/api/v1/dues/payments/?member={payment.member_id}").json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert [r["reversed"] for r in rows] == [True]
    else:
        assert snap.unchanged()
        if key:
            assert key in response.json() and response.json()[key][0]


def test_reversal_page_warns_of_months_past_the_back_payment_limit(dues_people):
    from datetime import timedelta
    from unittest import mock

    payment = _pay(dues_people, "m_wang", [_month(-6), _month(-5)])
    client = _client(dues_people["secretary"])
    assert 'id="closed-months"' not in client.get(f"/dues/payments/{payment.pk}/reverse/").content.decode()
    later = rules.add_months(_month(), 1) + timedelta(days=3)  # next month: the oldest is past the limit
    with mock.patch("dangwu.dues.views._today", return_value=later):
        page = client.get(f"/dues/payments/{payment.pk}/reverse/").content.decode()
    assert 'id="closed-months"' in page and "1 个月已超过补交期限" in page


# --- one check per field for the form and the API (issue 12, finding 8) --------------------------

@pytest.mark.parametrize("reason", ["重复\x00登记", "重复\x1b[2J登记", "登记\u202e错误", "重复\n登记"])
def test_control_characters_in_a_reason_are_refused_by_the_api_and_the_form(dues_people, reason):
    payment = _pay(dues_people, "m_wang", [_month()])
    web = _client(dues_people["secretary"])  # the login's own audit entry before the snapshot
    snap = _snapshot()
    response = testing.api_client(dues_people["secretary"]).post(
        f"/api/v1/dues/payments/{payment.pk}/reverse/", {"reason": reason}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"reason"}, response.content
    page = web.post(f"/dues/payments/{payment.pk}/reverse/", {"reason": reason})
    assert page.status_code == 200 and 'data-field-error="reason"' in page.content.decode()
    assert snap.unchanged() and not Payment.objects.get(pk=payment.pk).is_reversed

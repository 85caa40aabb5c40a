"""A branch secretary collects the month's dues, in headless Chromium (Playwright + Debian's chromium).

Screenshots land in test-artifacts/ (ignored by git) for a person to look at.
"""

import re
from decimal import Decimal as D

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.dues import rules
from dangwu.dues.models import Payment
from dangwu.testing import screenshot as _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _login(page, username):
    testing.browser_login(page, username, testing.PASSWORD)


@pytest.fixture
def branch(transactional_db):
    world = testing.make_world()
    secretary = testing.make_user("sec_dues", ("branch_secretary", world.branch_a))
    members = {
        "李书记": testing.make_member(world.branch_a, name="李书记", user=secretary, dues_standard=D("50.00")),
        "张三": testing.make_member(world.branch_a, name="张三", dues_standard=D("20.00")),
        "王芳": testing.make_member(world.branch_a, name="王芳", male=False, dues_standard=D("15.00")),
        "赵强": testing.make_member(world.branch_a, name="赵强", dues_standard=D("10.00")),
    }
    month = rules.month_start(timezone.localdate())
    # 王芳 owes the two months before this one; 赵强 the five before it (this month makes six).
    for name, back in (("王芳", 2), ("赵强", 5)):
        for i in range(1, back + 1):
            testing.make_assessment(members[name], rules.add_months(month, -i), members[name].dues_standard,
                                    organization=world.branch_a)
    return world, members, month


def test_secretary_assesses_the_month_records_payments_and_sees_rate_and_arrears_change(page, branch):
    world, members, month = branch
    _login(page, "sec_dues")
    page.get_by_role("link", name="党费", exact=True).click()
    page.wait_for_url(re.compile(rf"/dues/org/{world.branch_a.pk}/"))
    assert page.locator("#collection-rate").inner_text() == "—"  # nothing assessed this month yet
    assert page.locator("#not-assessed").is_visible()
    arrears = page.locator("#arrears-list")
    assert "王芳" in arrears.inner_text() and "赵强" in arrears.inner_text() and "张三" not in arrears.inner_text()
    _shot(page, "dues-01-before-assessment")

    page.locator("#assess-button").click()
    page.wait_for_url(re.compile(r"/dues/runs/\d+/"))
    page.locator("#run-result").wait_for()
    assert "新核定 4 名" in page.locator("#run-result").inner_text()
    _shot(page, "dues-02-assessment-done")
    page.locator("#back-to-month").click()
    page.wait_for_url(re.compile(rf"/dues/org/{world.branch_a.pk}/"))
    assert page.locator("#collection-rate").inner_text() == "0.0%"
    assert page.locator("#sum-due").inner_text() == "95.00"
    # everyone owes this month; 赵强 has now six months in a row: the list the branch must act on
    for name in ("李书记", "张三", "王芳", "赵强"):
        assert name in arrears.inner_text()
    assert "赵强" in page.locator("#self-departure-list").inner_text()
    _shot(page, "dues-03-assessed")

    def pay(name, months, method="现金", reference=""):
        page.locator(f'#month-table tr[data-member="{members[name].pk}"]').get_by_role("link", name="登记缴费").click()
        page.wait_for_url(re.compile(r"/pay/"))
        for m in months:
            page.locator(f'input[name="months"][value="{m:%Y-%m}"]').check()
        page.get_by_label("缴纳方式").select_option(label=method)
        if reference:
            page.get_by_label("交易流水号").fill(reference)
        if name == "王芳":
            _shot(page, "dues-04-pay-three-months")
        page.get_by_role("button", name="登记").click()
        page.wait_for_url(re.compile(rf"/dues/org/{world.branch_a.pk}/"))
        page.get_by_text(f"已登记 {name} 交纳党费").wait_for()

    pay("张三", [month])
    assert page.locator("#collection-rate").inner_text() == "21.1%"  # 20 of 95
    assert "张三" not in arrears.inner_text()

    # 王芳 pays three months at once: the two she owed and this one
    pay("王芳", [rules.add_months(month, -2), rules.add_months(month, -1), month], method="网上缴纳",
        reference="WX20260001")
    assert "王芳" not in arrears.inner_text()
    assert page.locator("#collection-rate").inner_text() == "36.8%"  # 35 of 95 this month

    # a refused payment (online without a reference) names the field and records nothing
    page.locator(f'#month-table tr[data-member="{members["李书记"].pk}"]').get_by_role("link", name="登记缴费").click()
    page.locator(f'input[name="months"][value="{month:%Y-%m}"]').check()
    page.get_by_label("缴纳方式").select_option(label="银行转账")
    page.get_by_role("button", name="登记").click()
    page.locator('[data-field-error="reference"]').wait_for()
    assert Payment.objects.filter(member=members["李书记"]).count() == 0
    page.get_by_label("交易流水号").fill("BANK-778")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(rf"/dues/org/{world.branch_a.pk}/"))
    page.get_by_text("已登记 李书记 交纳党费").wait_for()

    assert page.locator("#collection-rate").inner_text() == "89.5%"  # 85 of 95
    assert [n for n in ("李书记", "张三", "王芳", "赵强") if n in arrears.inner_text()] == ["赵强"]
    _shot(page, "dues-05-after-payments")
    assert Payment.objects.get(member=members["王芳"]).assessments.count() == 3

    # the member's page and the receipt
    page.locator("#month-table").get_by_role("link", name="王芳").click()
    page.wait_for_url(re.compile(rf"/dues/members/{members['王芳'].pk}/"))
    assert page.locator("#ledger").get_by_text("已交").count() >= 1
    receipt = page.locator("#payments a").first.get_attribute("href")
    response = page.request.get(receipt)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert month.strftime("党费交至：%Y年%-m月") in page.locator("#dues-paid-until").inner_text()
    _shot(page, "dues-06-member")

    # 王芳's payment was recorded in error: the secretary reverses it (冲正) with a reason
    payment = Payment.objects.get(member=members["王芳"])
    page.locator(f'[data-reverse="{payment.pk}"]').click()
    page.wait_for_url(re.compile(rf"/dues/payments/{payment.pk}/reverse/"))
    page.get_by_role("button", name="确认冲正").click()  # no reason: refused, naming the field
    page.locator('[data-field-error="reason"]').wait_for()
    assert Payment.objects.get(pk=payment.pk).reversed_at is None
    page.get_by_label("冲正原因").fill("重复登记")
    _shot(page, "dues-07-reverse-confirm")
    page.get_by_role("button", name="确认冲正").click()
    page.wait_for_url(re.compile(rf"/dues/members/{members['王芳'].pk}/$"))
    page.get_by_text("已冲正收据").wait_for()
    assert page.locator(f'[data-reversed="{payment.pk}"]').is_visible()
    assert page.locator("#ledger").get_by_text("已交").count() == 0  # her three months are unpaid again
    assert page.locator("#dues-paid-until").inner_text().startswith("党费交至：—")  # only that payment had set it
    response = page.request.get(receipt)  # the receipt still prints, stamped 已冲正 · 作废
    assert response.status == 200 and response.body().startswith(b"%PDF")
    _shot(page, "dues-08-reversed")

    # the month's collection rate drops back and 王芳 is in the arrears again
    page.goto(f"/dues/org/{world.branch_a.pk}/")
    assert page.locator("#collection-rate").inner_text() == "73.7%"  # 70 of 95: her 15 no longer counted
    assert "王芳" in arrears.inner_text()
    _shot(page, "dues-09-rate-after-reversal")


def test_a_run_interrupted_by_a_dead_worker_is_continued_from_its_page(page, branch):
    """recover_interrupted_work failed the run (decision 0021); 继续核定 finishes it (tasks run at once here)."""
    from datetime import timedelta

    from django.core.management import call_command

    from dangwu.dues import services
    from dangwu.dues.models import AssessmentRun

    world, members, month = branch
    run = services.start_assessment(actor=None, organization=world.branch_a, month=month, enqueue=False)
    AssessmentRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - timedelta(hours=1))
    call_command("recover_interrupted_work")
    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, "sec_dues")
    page.goto(f"/dues/runs/{run.pk}/")
    assert "后台任务进程已停止" in page.locator("#run-status").inner_text()
    _shot(page, "recovery-dues-run-interrupted-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    _shot(page, "recovery-dues-run-interrupted-desktop")
    page.locator("#resume-run").click()
    page.locator("#run-result").wait_for()
    assert "核定完成" in page.locator("#run-result").inner_text()
    run.refresh_from_db()
    assert run.status == "done" and run.created_count == len(members)

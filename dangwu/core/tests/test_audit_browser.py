"""The audit administrator reads the audit log in headless Chromium (issue 11): actions, people and
organizations by name, filters, the raw entry behind a toggle; desktop and a 360 px phone.
Screenshots in test-artifacts/."""

import re

import pytest
from django.db import transaction

from dangwu.core import audit
from dangwu.testing import browser_login as _login
from dangwu.testing import screenshot as _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _work_of_a_secretary():
    """What a branch secretary did today, as the services record it."""
    from django.contrib.auth import get_user_model

    from dangwu.members.models import Member

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    member = Member.objects.filter(organization=branch).exclude(user=secretary).order_by("id").first()
    with transaction.atomic():
        audit.record(actor=secretary, action="member.update", target=member, organization=branch,
                     summary={"fields": ["work_unit", "phone"], "changes": {"work_unit": ["芙蓉区文化馆", "长沙银行"]}})
        audit.record(actor=secretary, action="dues.payment", organization=branch,
                     summary={"member": member.pk, "months": ["2026-10", "2026-11"], "dues": "48.6", "voluntary": "0",
                              "method": "cash", "collected_at": branch.pk, "forward_to_centre": False,
                              "receipt": "DF2026-000123", "dues_paid_until": ["2026-09", "2026-11"]})
        audit.record(actor=secretary, action="member.view_id_number", target=member, organization=branch,
                     summary={"field": "id_number"})
    return secretary, member


def test_the_auditor_reads_and_filters_the_log(page, chromium, live_server, demo_province):
    secretary, member = _work_of_a_secretary()
    _login(page, "demo-audit")
    page.goto("/audit/")
    entries = page.locator("#audit-entries")
    text = entries.inner_text()
    assert "登记党费缴纳" in text and "修改党员档案" in text and "加载演示数据" in text
    assert secretary.member.name in text and "2026年10月、2026年11月" in text and "48.60 元" in text
    actors = entries.locator(".dw-audit-actor").all_inner_texts()
    targets = entries.locator(".dw-audit-target").all_inner_texts()
    assert secretary.member.name in actors and not any("demo-" in who for who in actors), actors
    # an account an entry is about is named by its person (role grants keep the login beside the name)
    assert f"{secretary.member.name}（demo-secretary） · 支部书记" in targets or \
        f"· {secretary.member.name}（demo-secretary） · 支部书记" in targets, targets
    _shot(page, "records-05-audit-log")

    page.get_by_label("操作", exact=True).select_option("dues.payment")
    page.get_by_label("操作人").fill(secretary.member.name)
    page.get_by_label("党组织（含下级）").select_option(str(secretary.member.organization_id))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"action=dues\.payment"))
    assert entries.locator("li.dw-audit-entry").count() == 1
    first = entries.locator("li.dw-audit-entry").first
    first.locator("summary").click()
    assert '"receipt": "DF2026-000123"' in first.locator("pre").inner_text()
    _shot(page, "records-06-audit-filtered")

    context = chromium.new_context(locale="zh-CN", viewport={"width": 360, "height": 780}, base_url=live_server.url,
                                   is_mobile=True, has_touch=True, device_scale_factor=2)
    phone = context.new_page()
    phone.set_default_timeout(15000)
    try:
        _login(phone, "demo-audit")
        phone.goto("/audit/")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _shot(phone, "records-05-audit-log-360")
    finally:
        context.close()

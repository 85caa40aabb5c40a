"""The province's dues page summarises arrears by sub-organization, and the receipt is printed
right after 登记缴费 — in headless Chromium at desktop width and at 360 px.

Screenshots land in test-artifacts/ (ignored by git) for a person to look at.
"""

import os
import re
from pathlib import Path

import pytest

from dangwu.testing import browser_login as _login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PREFIX = os.environ.get("DANGWU_SHOT_PREFIX", "")


def _shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{PREFIX}{name}.png"), full_page=True)


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_province_dues_page_at_desktop_and_phone_width(page, demo_province):
    from dangwu.orgs.models import Organization

    province = Organization.objects.get(depth=1)
    _login(page, "demo-org")
    page.goto(f"/dues/org/{province.pk}/")
    height = page.evaluate("document.documentElement.scrollHeight")
    _shot(page, "dues-province-desktop")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/dues/org/{province.pk}/")
    _shot(page, "dues-province-360")
    _no_sideways_scroll(page)
    print("province dues page height at desktop:", height)


def test_the_secretary_prints_the_receipt_after_recording_a_payment(page, demo_province):
    from django.contrib.auth import get_user_model

    branch = get_user_model().objects.get(username="demo-secretary").member.organization
    _login(page, "demo-secretary")
    page.goto(f"/dues/org/{branch.pk}/")
    row = page.locator("#month-table tr", has=page.locator(".badge.text-bg-danger")).first
    name = row.locator("td").first.locator("a").inner_text()
    row.get_by_role("link", name="登记缴费").click()
    page.wait_for_url(re.compile(r"/pay/"))
    page.locator('input[name="months"]:not([disabled])').first.check()
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(rf"/dues/org/{branch.pk}/"))
    button = page.locator("#print-receipt")
    assert button.is_visible() and f"已登记 {name} 交纳党费" in page.locator(".alert-success").inner_text()
    assert "人民币" in page.locator(".alert-success").inner_text()
    _shot(page, "dues-paid-print-button-desktop")
    href = button.get_attribute("href")
    receipt = page.request.get(href)
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"{PREFIX}dues-receipt.pdf").write_bytes(receipt.body())
    with page.expect_popup() as popup:  # the button opens the receipt beside the page
        button.click()
    assert popup.value.url.endswith(href)
    popup.value.close()
    page.set_viewport_size({"width": 360, "height": 800})
    row = page.locator("#month-table tr", has=page.locator(".badge.text-bg-danger")).first
    row.get_by_role("link", name="登记缴费").click()
    page.locator('input[name="months"]:not([disabled])').first.check()
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(rf"/dues/org/{branch.pk}/"))
    box = page.locator("#print-receipt").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.screenshot(path=str(SHOTS / f"{PREFIX}dues-paid-print-button-360.png"))


def test_a_letter_for_a_member_in_arrears_warns_first(page, demo_province):
    from django.contrib.auth import get_user_model

    from dangwu.core import registries
    from dangwu.members.models import Member, Transfer

    branch = get_user_model().objects.get(username="demo-secretary").member.organization
    owing = next(m for m in Member.objects.in_good_standing().filter(organization=branch).order_by("id")
                 if len(registries.dues_arrears(member=m)) >= 3)
    from dangwu.orgs.models import Organization

    receiver = Organization.objects.filter(org_type="branch").exclude(pk=branch.pk).order_by("path").first()
    _login(page, "demo-secretary")
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/members/{owing.pk}/transfer/")
        page.locator("#id_to_code").fill(receiver.code)
        page.get_by_label("转接原因").fill("工作调动")
        page.locator("#submit-button").click()
        warning = page.locator("#arrears-warning")
        warning.wait_for()
        assert "欠交党费" in warning.inner_text() and page.locator("#submit-button").inner_text() == "仍然开具介绍信"
        _shot(page, f"transfer-arrears-warning-{width}")
        _no_sideways_scroll(page)
    assert not Transfer.objects.filter(member=owing).exists()
    page.locator("#submit-button").click()
    page.wait_for_url(re.compile(r"/members/transfers/in/\d+/"))
    assert Transfer.objects.filter(member=owing, to_organization=receiver).exists()
    _shot(page, "transfer-issued-360")

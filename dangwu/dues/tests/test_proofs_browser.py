"""A member on a 360 px phone sees their dues at home, hands in a transfer proof (转账凭证), and their
branch secretary confirms it at a desk — in headless Chromium (Playwright + Debian's chromium).

Screenshots land in test-artifacts/ (ignored by git) for a person to look at."""

import io
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dangwu import testing
from dangwu.dues import rules
from dangwu.dues.models import TransferProof
from dangwu.testing import screenshot as _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def _login(page, username):
    testing.browser_login(page, username, testing.PASSWORD)


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _slip(tmp_path) -> Path:
    """A picture of a bank slip, as a member's phone would take it."""
    from PIL import Image, ImageDraw

    from dangwu.core import pdf

    image = Image.new("RGB", (720, 420), "white")
    draw = ImageDraw.Draw(image)
    try:
        from PIL import ImageFont

        font = ImageFont.truetype(str(pdf.cjk_font()), 28)
    except Exception:  # no CJK font: the picture is only a picture
        font = None
    draw.rectangle((10, 10, 710, 410), outline="#1d4f91", width=4)
    for i, line in enumerate(["中国建设银行 转账回单", "收款人：中共示范党支部", "金额：40.00 元",
                              "交易流水号：62284801", f"日期：{timezone.localdate():%Y-%m-%d}"]):
        draw.text((40, 40 + i * 70), line, fill="#222", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path = tmp_path / "回单.png"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def branch(transactional_db):
    world = testing.make_world()
    secretary = testing.make_user("sec_proof", ("branch_secretary", world.branch_a))
    plain = testing.make_user("member_proof")
    testing.make_member(world.branch_a, name="李书记", user=secretary, dues_standard=D("50.00"))
    me = testing.make_member(world.branch_a, name="张三", user=plain, dues_standard=D("20.00"))
    month = rules.month_start(timezone.localdate())
    for back in (1, 2):  # 张三 owes the two months before this one
        testing.make_assessment(me, rules.add_months(month, -back), D("20.00"), organization=world.branch_a)
    return world, me, month


def test_a_member_hands_in_a_proof_on_a_phone_and_the_secretary_confirms_it(chromium, live_server, branch, tmp_path):
    world, me, month = branch
    months = [rules.add_months(month, -2), rules.add_months(month, -1)]
    phone = chromium.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url)
    page = phone.new_page()
    page.set_default_timeout(20000)
    _login(page, "member_proof")
    card = page.locator("#own-dues")
    assert "欠交 2 个月" in card.inner_text() and page.locator("#own-dues-total").inner_text() == "40.00"
    assert [m.get_attribute("data-month") for m in page.locator("#own-dues-months li").all()] == [
        f"{m:%Y-%m}" for m in months]
    page.locator("#own-reveal-id-number").click()
    # expect(), not wait_for_function: the pages' CSP allows no eval (decision 0024)
    expect(page.locator("#own-id-number")).to_have_text(me.id_number)
    _no_sideways_scroll(page)
    _shot(page, "proof-01-member-home-arrears-360")

    page.locator("#upload-proof").click()
    page.wait_for_url(re.compile(r"/dues/proofs/new/"))
    for m in months:
        page.locator(f'#month-choices input[value="{m:%Y-%m}"]').check()
    assert page.locator("#id_amount").input_value() == "40.00"  # the months' sum, filled in
    page.locator("#id_amount").fill("30")
    page.locator("#id_file").set_input_files(str(_slip(tmp_path)))
    page.locator("#submit-proof").click()
    page.wait_for_load_state()
    assert "与所选月份应交合计40.00元不一致" in page.locator('[data-field-error="amount"]').inner_text()
    assert "请填写银行回单上的交易流水号" in page.locator('[data-field-error="reference"]').inner_text()
    _no_sideways_scroll(page)
    _shot(page, "proof-02-upload-error-360")
    page.set_viewport_size(DESKTOP)
    _shot(page, "proof-03-upload-error-desktop")
    page.set_viewport_size(PHONE)

    page.locator("#id_amount").fill("40.00")
    page.locator("#id_reference").fill("62284801")
    page.locator("#id_file").set_input_files(str(_slip(tmp_path)))  # a refused form does not keep the file
    page.locator("#submit-proof").click()
    page.wait_for_url(re.compile(r"/$"))
    proof = TransferProof.objects.get()
    assert page.locator(f'[data-waiting-proof="{proof.pk}"]').is_visible()
    _shot(page, "proof-04-member-home-waiting-360")

    desk = chromium.new_context(locale="zh-CN", viewport=DESKTOP, base_url=live_server.url)
    sec = desk.new_page()
    sec.set_default_timeout(20000)
    _login(sec, "sec_proof")
    todo = sec.locator("#todo")
    assert "转账凭证待确认" in todo.inner_text()
    todo.get_by_role("link", name=re.compile("转账凭证待确认")).click()
    sec.wait_for_url(re.compile(r"/dues/proofs/$"))
    _shot(sec, "proof-05-secretary-list-desktop")
    sec.locator(f'[data-proof="{proof.pk}"]').click()
    sec.wait_for_url(re.compile(rf"/dues/proofs/{proof.pk}/$"))
    expect(sec.locator("#proof-image")).to_have_js_property("complete", True)
    assert sec.locator("#proof-image").evaluate("img => img.naturalWidth") > 0
    _shot(sec, "proof-06-secretary-confirm-desktop")
    sec.set_viewport_size(PHONE)
    _no_sideways_scroll(sec)
    _shot(sec, "proof-07-secretary-confirm-360")
    sec.set_viewport_size(DESKTOP)
    sec.locator("#confirm-proof").click()
    sec.wait_for_url(re.compile(r"/dues/proofs/$"))
    assert "已确认 张三 的转账凭证" in sec.locator(".alert-success").inner_text()
    assert sec.locator("#no-waiting-proofs").is_visible()

    page.goto("/")
    assert page.locator("#own-dues-status").get_attribute("data-paid-up") == "1"
    assert "已交清" in page.locator("#own-dues").inner_text()
    assert proof.pk and TransferProof.objects.get().payment.receipt_number in page.locator("#own-last-payment").inner_text()
    _no_sideways_scroll(page)
    _shot(page, "proof-08-member-home-paid-360")
    page.set_viewport_size(DESKTOP)
    _shot(page, "proof-09-member-home-paid-desktop")
    phone.close()
    desk.close()

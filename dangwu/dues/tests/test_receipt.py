"""After 登记缴费 the secretary prints the receipt: the button on the message, and the receipt with the
amount in Chinese capitals (大写), the collector's name and room for the seal (收款单位（盖章）)."""

import io
from decimal import Decimal as D

import pytest
from django.utils import timezone

from dangwu.dues import receipts, rules, services
from dangwu.dues.models import Payment

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(" ", "")


def _font_or_skip():
    try:
        receipts.cjk_font()
    except receipts.FontMissing:
        pytest.skip("no CJK font on this machine (make install installs fonts-wqy-zenhei)")


def test_after_recording_a_payment_the_message_offers_the_receipt(client, dues_people, world):
    secretary = dues_people["secretary"]
    secretary.first_name = "李书记"
    secretary.save()
    client.force_login(secretary)
    member = dues_people["m_wang"]  # 30.00 a month on the record
    month = rules.month_start(timezone.localdate())
    response = client.post(f"/dues/members/{member.pk}/pay/", {
        "months": [month.strftime("%Y-%m")], "method": "cash", "paid_on": timezone.localdate().isoformat(),
        "voluntary_amount": "73.05"}, follow=True)
    payment = Payment.objects.get()
    assert payment.total_amount == D("103.05")
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(f"/dues/org/{world.branch_a.pk}/")
    assert f'id="print-receipt" href="/dues/payments/{payment.pk}/receipt.pdf"' in html
    assert "打印收据" in html and "人民币壹佰零叁元零伍分" in html and payment.receipt_number in html

    _font_or_skip()
    receipt = client.get(f"/dues/payments/{payment.pk}/receipt.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    text = _pdf_text(receipt.content)
    assert "人民币壹佰零叁元零伍分" in text and "103.05" in text
    assert "收款单位（盖章）" in text and world.branch_a.name in text and "盖章处" in text
    assert "收款人：李书记" in text


def test_the_message_escapes_the_members_name(client, dues_people):
    member = dues_people["m_zhao"]
    member.name = "<b>赵强</b>"
    member.save(update_fields=["name"])
    client.force_login(dues_people["secretary"])
    month = rules.month_start(timezone.localdate())
    response = client.post(f"/dues/members/{member.pk}/pay/", {
        "months": [month.strftime("%Y-%m")], "method": "cash", "paid_on": timezone.localdate().isoformat()},
        follow=True)
    html = response.content.decode()
    assert "&lt;b&gt;赵强&lt;/b&gt;" in html and "<b>赵强</b>" not in html
    assert 'id="print-receipt"' in html


def test_the_receipt_of_a_whole_yuan_amount_and_of_a_reversed_payment(dues_people):
    _font_or_skip()
    payment = services.record_payment(actor=dues_people["secretary"], member=dues_people["m_wang"],
                                      months=[rules.month_start(timezone.localdate())], method="cash")
    assert dict(receipts.receipt_rows(payment))["金额大写"] == "人民币叁拾元整"
    assert "人民币叁拾元整" in _pdf_text(receipts.receipt_pdf(payment))
    services.reverse_payment(actor=dues_people["secretary"], payment=payment, reason="登记错了")
    payment.refresh_from_db()
    text = _pdf_text(receipts.receipt_pdf(payment))  # the voided copy still fits on its A5 page
    assert "人民币叁拾元整" in text and "收款单位（盖章）" in text and "已冲正" in text

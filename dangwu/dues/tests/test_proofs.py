"""Transfer proofs (转账凭证) and a member's own dues on the home page (issue 11).

A member hands in the proof of a bank transfer of their own dues; the collectors of the member's
organization confirm it — the payment is recorded by the rules of `record_payment`, in one audit
entry — or send it back with a reason the member reads."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.dues import proof_selectors, proof_services, proofs, rules, selectors, services
from dangwu.dues.models import Assessment, Payment, TransferProof
from dangwu.members.models import Member

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _month(delta=0):
    return rules.add_months(rules.month_start(timezone.localdate()), delta)


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, proofs=TransferProof.objects, payments=Payment.objects,
                            assessments=Assessment.objects.filter(payment__isnull=False))


def _submit(people, member_key="m_plain", actor_key="plain", **kwargs):
    """m_plain (the account "plain") pays last month and this one: 2 × 20.00 by default."""
    values = {"months": [_month(-1), _month()], "amount": D("40.00"), "reference": "62284801",
              "transferred_on": timezone.localdate(), "file_name": "回单.png", "file_data": PNG, **kwargs}
    return proof_services.submit_transfer_proof(actor=people[actor_key], member=people[member_key], **values)


def _paid_until(member):
    return Member.objects.get(pk=member.pk).dues_paid_until


# --- handing a proof in --------------------------------------------------------------------------

def test_a_member_hands_in_a_proof_of_their_own_dues_with_one_audit_entry(dues_people, world):
    snap = _snapshot()
    proof = _submit(dues_people)
    assert proof.status == TransferProof.Status.PENDING and proof.months == [f"{_month(-1):%Y-%m}", f"{_month():%Y-%m}"]
    assert proof.organization == world.branch_a and proof.size == len(PNG) and proof.file_name == "回单.png"
    assert proof.file.read() == PNG and "/" not in proof.file_name and "回单" not in proof.file.name
    assert snap.delta() == {"audit": 1, "proofs": 1, "payments": 0, "assessments": 0}
    entry = testing.last_audit_entry()
    assert entry.action == "dues.proof_submit" and entry.actor == dues_people["plain"]
    assert entry.summary["amount"] == "40.00" and entry.organization_id_value == world.branch_a.pk


@pytest.mark.parametrize("kwargs,field", [
    ({"months": []}, "months"),
    ({"months": [_month(-7)], "amount": D("20.00")}, "months"),
    ({"months": [date(_month().year + 1, 1, 1)], "amount": D("20.00")}, "months"),
    ({"amount": D("30.00")}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": D("-40")}, "amount"),
    ({"reference": "  "}, "reference"),
    ({"reference": "x" * 65}, "reference"),
    ({"transferred_on": None}, "transferred_on"),
    ({"transferred_on": date(2999, 1, 1)}, "transferred_on"),
    ({"transferred_on": _month(-8)}, "transferred_on"),
    ({"file_name": "", "file_data": b""}, "file"),
    ({"file_name": "回单.gif", "file_data": b"GIF89a"}, "file"),
    ({"file_name": "回单.png", "file_data": b""}, "file"),
    ({"file_name": "回单.png", "file_data": PDF}, "file"),  # not what its name says
    ({"file_name": "秘密★回单.pdf", "file_data": PDF}, "file"),  # 涉密不上网
])
def test_bad_proofs_name_the_field_and_commit_nothing(dues_people, kwargs, field):
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        _submit(dues_people, **kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert snap.unchanged()


def test_a_month_paid_or_on_a_waiting_proof_cannot_be_named_again(dues_people):
    member, sec = dues_people["m_plain"], dues_people["secretary"]
    services.record_payment(actor=sec, member=member, months=[_month(-2)], method="cash")
    _submit(dues_people, months=[_month()], amount=D("20.00"))
    snap = _snapshot()
    for months in ([_month(-2)], [_month()]):
        with pytest.raises(ValidationError) as exc:
            _submit(dues_people, months=months, amount=D("20.00"))
        message = " ".join(exc.value.message_dict["months"])
        assert f"{months[0]:%Y-%m}" in message and ("已经交纳" in message or "待确认" in message)
    assert snap.unchanged()
    states = {m: state for m, _amount, state in proof_selectors.proof_months(member=member, today=timezone.localdate())}
    assert states[_month(-2)] == "paid" and states[_month()] == "pending" and states[_month(-1)] == ""


def test_a_member_cannot_hand_in_a_proof_for_another_member(dues_people):
    snap = _snapshot()
    for actor, member in (("plain", "m_wang"), ("plain", "m_sec"), ("secretary", "m_plain"), ("city_a", "m_plain")):
        with pytest.raises(PermissionDenied):
            _submit(dues_people, member_key=member, actor_key=actor)
    assert snap.unchanged()


# --- confirming and sending back -------------------------------------------------------------------

def test_confirming_records_the_payment_as_a_recorded_payment_does_in_one_audit_entry(dues_people, world):
    """The proof's months are paid; 党费交至 moves exactly as it moves for the same payment recorded at
    the desk (m_wang, paid in cash for the same months, is the twin); one audit entry in all."""
    sec = dues_people["secretary"]
    me, twin = dues_people["m_plain"], dues_people["m_wang"]
    testing.make_assessment(me, _month(-1), D("20.00"))
    testing.make_assessment(twin, _month(-1), D("30.00"))
    services.record_payment(actor=sec, member=twin, months=[_month(-1), _month()], method="cash")
    proof = _submit(dues_people)
    figures = testing.stored_dues_figures()
    snap = _snapshot()
    payment = proof_services.confirm_transfer_proof(actor=sec, proof=proof)
    assert snap.delta() == {"audit": 1, "proofs": 0, "payments": 1, "assessments": 2}
    entry = testing.last_audit_entry()
    assert entry.action == "dues.proof_confirm" and entry.actor == sec
    assert entry.summary["proof"] == proof.pk and entry.summary["receipt"] == payment.receipt_number
    assert entry.summary["months"] == proof.months and entry.organization_id_value == world.branch_a.pk
    assert payment.method == "transfer" and payment.reference == "62284801"
    assert payment.paid_on == timezone.localdate() and payment.total_amount == D("40.00")
    assert set(Assessment.objects.filter(payment=payment).values_list("month", flat=True)) == {_month(-1), _month()}
    assert _paid_until(me) == _paid_until(twin) == _month() and payment.moved_paid_until
    proof.refresh_from_db()
    assert proof.status == "confirmed" and proof.payment == payment and proof.decided_by == sec
    # the roll-ups of the report move as they move for any payment; the member opens the receipt
    assert testing.stored_dues_figures() != figures
    assert selectors.visible_payments(actor=dues_people["plain"]).filter(pk=payment.pk).exists()


def test_a_second_confirmation_is_refused(dues_people):
    sec = dues_people["secretary"]
    proof = _submit(dues_people)
    proof_services.confirm_transfer_proof(actor=sec, proof=proof)
    snap, paid_until = _snapshot(), _paid_until(dues_people["m_plain"])
    for service in (lambda: proof_services.confirm_transfer_proof(actor=sec, proof=proof),
                    lambda: proof_services.reject_transfer_proof(actor=sec, proof=proof, reason="重复")):
        with pytest.raises(ValidationError) as exc:
            service()
        assert "已确认" in exc.value.message_dict["proof"][0]
    assert snap.unchanged() and _paid_until(dues_people["m_plain"]) == paid_until


def test_a_rejected_proof_is_not_confirmed_and_the_member_reads_the_reason(dues_people):
    sec, plain = dues_people["secretary"], dues_people["plain"]
    proof = _submit(dues_people)
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        proof_services.reject_transfer_proof(actor=sec, proof=proof, reason="  ")
    assert "reason" in exc.value.message_dict and snap.unchanged()
    proof_services.reject_transfer_proof(actor=sec, proof=proof, reason="未收到这笔转账")
    assert snap.delta()["audit"] == 1 and testing.last_audit_entry().action == "dues.proof_reject"
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        proof_services.confirm_transfer_proof(actor=sec, proof=proof)
    assert "已退回" in exc.value.message_dict["proof"][0]
    assert snap.unchanged() and _paid_until(dues_people["m_plain"]) is None
    mine = proof_selectors.own_dues(actor=plain, today=timezone.localdate())
    assert [p.rejection_reason for p in mine.rejected] == ["未收到这笔转账"] and not mine.waiting
    # the months are free again: the member hands in a corrected proof
    assert _submit(dues_people).status == "pending"


def test_only_the_collectors_of_the_members_organization_decide(dues_people):
    proof = _submit(dues_people)
    snap = _snapshot()
    for who in ("sibling", "city_b", "discipline", "plain", "auditor"):
        with pytest.raises(PermissionDenied):
            proof_services.confirm_transfer_proof(actor=dues_people[who], proof=proof)
        with pytest.raises(PermissionDenied):
            proof_services.reject_transfer_proof(actor=dues_people[who], proof=proof, reason="不对")
    assert snap.unchanged()
    proof_services.confirm_transfer_proof(actor=dues_people["city_a"], proof=proof)  # above the branch: may


def test_confirmation_follows_the_payment_rules_of_today(dues_people):
    """A month paid at the desk meanwhile: the confirmation is refused as the payment would be, and
    nothing of it is kept (the proof still waits, to be sent back)."""
    sec = dues_people["secretary"]
    proof = _submit(dues_people)
    services.record_payment(actor=sec, member=dues_people["m_plain"], months=[_month()], method="cash")
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        proof_services.confirm_transfer_proof(actor=sec, proof=proof)
    assert "已经交纳" in " ".join(exc.value.message_dict["months"])
    assert snap.unchanged()
    proof.refresh_from_db()
    assert proof.status == "pending" and proof.payment is None


# --- the to-do item and the list of proofs waiting ------------------------------------------------

def test_the_collectors_to_do_list_counts_the_proofs_waiting(dues_people):
    _submit(dues_people)
    _submit(dues_people, months=[_month(-2)], amount=D("20.00"))
    assert [(i.label, i.count, i.url) for i in proofs.proof_todo_items(user=dues_people["secretary"])] == [
        ("转账凭证待确认", 2, "/dues/proofs/")]
    assert proofs.proof_todo_items(user=dues_people["city_a"])[0].count == 2
    assert proofs.proof_todo_items(user=dues_people["sibling"])[0].count == 0
    assert proofs.proof_todo_items(user=dues_people["plain"]) == []
    assert proofs.proof_todo_items(user=dues_people["discipline"]) == []


# --- pages -----------------------------------------------------------------------------------------

def _png_upload(name="回单.png", data=PNG):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_the_member_uploads_and_the_secretary_confirms_through_the_pages(client, dues_people):
    me = dues_people["m_plain"]
    client.force_login(dues_people["plain"])
    form = client.get("/dues/proofs/new/").content.decode()
    assert f'value="{_month():%Y-%m}"' in form
    response = client.post("/dues/proofs/new/", {
        "months": [f"{_month(-1):%Y-%m}", f"{_month():%Y-%m}"], "amount": "30.00", "reference": "62284801",
        "transferred_on": timezone.localdate().isoformat(), "file": _png_upload()})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-field-error="amount"' in html and "40.00" in html
    assert not TransferProof.objects.exists()
    response = client.post("/dues/proofs/new/", {
        "months": [f"{_month(-1):%Y-%m}", f"{_month():%Y-%m}"], "amount": "40.00", "reference": "62284801",
        "transferred_on": timezone.localdate().isoformat(), "file": _png_upload()})
    assert response.status_code == 302
    proof = TransferProof.objects.get()
    home = client.get("/").content.decode()
    assert f'data-waiting-proof="{proof.pk}"' in home
    file = client.get(f"/dues/proofs/{proof.pk}/file/")
    assert file.status_code == 200 and file["Content-Type"] == "image/png" and b"".join(file.streaming_content) == PNG
    assert client.post(f"/dues/proofs/{proof.pk}/", {"decision": "confirm"}).status_code == 403

    client.force_login(dues_people["secretary"])
    assert f"/dues/proofs/{proof.pk}/" in client.get("/dues/proofs/").content.decode()
    assert "转账凭证待确认" in client.get("/").content.decode()
    page = client.get(f"/dues/proofs/{proof.pk}/").content.decode()
    assert 'id="confirm-proof"' in page and 'id="proof-image"' in page
    response = client.post(f"/dues/proofs/{proof.pk}/", {"decision": "reject", "reason": ""})
    assert response.status_code == 200 and 'data-field-error="reason"' in response.content.decode()
    response = client.post(f"/dues/proofs/{proof.pk}/", {"decision": "confirm"})
    assert response.status_code == 302
    assert _paid_until(me) == _month()
    response = client.post(f"/dues/proofs/{proof.pk}/", {"decision": "confirm"})  # twice: refused, said so
    assert response.status_code == 200 and "已确认" in response.content.decode()
    assert Payment.objects.filter(member=me).count() == 1

    client.force_login(dues_people["sibling"])
    assert client.get(f"/dues/proofs/{proof.pk}/file/").status_code == 404
    assert client.get(f"/dues/proofs/{proof.pk}/").status_code == 404


def test_the_members_home_shows_the_months_owed_and_then_already_paid(client, dues_people):
    me, sec = dues_people["m_plain"], dues_people["secretary"]
    testing.make_assessment(me, _month(-2), D("20.00"))
    testing.make_assessment(me, _month(-1), D("20.00"))
    testing.make_assessment(me, _month(-30), D("20.00"))  # beyond the arrears window
    client.force_login(dues_people["plain"])
    html = client.get("/").content.decode()
    assert 'data-paid-up="0"' in html and "欠交 2 个月" in html
    assert 'id="own-dues-total">40.00<' in html
    assert f'data-month="{_month(-2):%Y-%m}"' in html and f'data-month="{_month(-1):%Y-%m}"' in html
    assert f'data-month="{_month(-30):%Y-%m}"' not in html
    assert "暂无缴费记录" in html
    payment = services.record_payment(actor=sec, member=me, months=[_month(-2), _month(-1)], method="cash")
    html = client.get("/").content.decode()
    assert 'data-paid-up="1"' in html and "已交清" in html
    assert f'href="/dues/payments/{payment.pk}/receipt.pdf"' in html and payment.receipt_number in html
    assert client.get(f"/dues/payments/{payment.pk}/receipt.pdf").status_code == 200
    # a person without a member record of their own has no such card
    client.force_login(dues_people["city_a"])
    assert 'id="own-dues"' not in client.get("/").content.decode()

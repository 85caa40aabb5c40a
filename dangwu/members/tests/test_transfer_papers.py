"""The letter of introduction (介绍信) as the two branches need it: a warning before a letter for a
member who owes 3 months' dues or more (asked through core's `dues_arrears` slot: members cannot
import dues), the full ID number for a caller who may see it (audited, one entry per print) and the
real name of the committee that issues and seals it."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dangwu import testing
from dangwu.core import registries
from dangwu.core.dates import add_months
from dangwu.core.models import AuditEntry
from dangwu.core.pdf import FontMissing, cjk_font
from dangwu.core.roles import Cap
from dangwu.members import services as member_services
from dangwu.members.models import Transfer
from dangwu.members.transfers import rules
from dangwu.members.transfers import services as transfers
from dangwu.members.transfers.letters import issuing_body, transfer_letter_pdf

pytestmark = pytest.mark.django_db


def _owe(member, months: int):
    """`months` assessed and unpaid months up to this one."""
    today = timezone.localdate()
    this = date(today.year, today.month, 1)
    for back in range(months):
        testing.make_assessment(member, add_months(this, -back), D("20.00"))
    return [add_months(this, -back) for back in reversed(range(months))]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(" ", "")


def _font_or_skip():
    try:
        cjk_font()
    except FontMissing:
        pytest.skip("no CJK font on this machine (make install installs fonts-wqy-zenhei)")


# --- the warning before a letter for a member in arrears ------------------------------------------

def test_the_dues_app_answers_the_arrears_slot(people):
    member = people["m_plain"]
    assert list(registries.dues_arrears(member=member)) == []
    months = _owe(member, 4)
    assert list(registries.dues_arrears(member=member)) == months


def test_the_rule_asks_again_when_the_months_changed():
    months = [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert not rules.arrears_need_confirmation(months[:2], confirmed=None)
    assert rules.arrears_need_confirmation(months, confirmed=None)
    assert rules.arrears_need_confirmation(months, confirmed="2")  # a month owed since the warning
    assert not rules.arrears_need_confirmation(months, confirmed="3")
    assert rules.months_list(months) == "2026-09、2026-10、2026-11"


def test_a_letter_for_a_member_owing_three_months_is_warned_then_confirmed(client, people, world):
    member = people["m_plain"]
    months = _owe(member, 3)
    client.force_login(people["secretary"])
    url = f"/members/{member.pk}/transfer/"
    form = {"goes_to": "internal", "to_code": world.branch_b.code, "reason": "工作调动"}
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 200 and not Transfer.objects.exists()
    assert 'id="arrears-warning"' in html and "该党员欠交党费 3 个月" in html
    assert "、".join(f"{m:%Y-%m}" for m in months) in html
    assert 'name="arrears_confirmed" value="3"' in html and "仍然开具介绍信" in html
    assert f'value="{world.branch_b.code}"' in html and "工作调动" in html  # the form keeps what was typed
    before = AuditEntry.objects.count()
    response = client.post(url, {**form, "arrears_confirmed": "3"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.to_organization == world.branch_b and transfer.reason == "工作调动"
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "member.transfer_start" and entry.summary["dues_months_owed"] == 3


def test_no_warning_below_three_months(client, people, world):
    member = people["m_plain"]
    _owe(member, 2)
    client.force_login(people["secretary"])
    response = client.post(f"/members/{member.pk}/transfer/", {"goes_to": "internal", "to_code": world.branch_b.code})
    assert response.status_code == 302 and Transfer.objects.filter(member=member).exists()
    assert AuditEntry.objects.order_by("-id").first().summary["dues_months_owed"] == 2


def test_the_warning_comes_after_the_fields_are_right(client, people, world):
    member = people["m_plain"]
    _owe(member, 5)
    client.force_login(people["secretary"])
    response = client.post(f"/members/{member.pk}/transfer/", {"goes_to": "internal", "to_code": ""})
    html = response.content.decode()
    assert 'data-field-error="to_code"' in html and 'id="arrears-warning"' not in html


# --- the printed letter: the full number for those who may see it, audited; the issuing committee ---

def _letter(client, user, transfer):
    client.force_login(user)
    response = client.get(f"/members/transfers/{transfer.pk}/letter.pdf")
    assert response.status_code == 200
    return _pdf_text(response.content)


def _reveals():
    return list(AuditEntry.objects.filter(action="member.view_id_number").order_by("id"))


def test_the_letter_carries_the_full_number_for_a_caller_who_may_see_it_audited_per_print(client, people, world):
    _font_or_skip()
    member = people["m_plain"]
    transfer = transfers.start_transfer(actor=people["secretary"], member=member, to_organization=world.branch_b)
    text = _letter(client, people["secretary"], transfer)  # the branch secretary holds member.view_sensitive
    assert member.id_number in text and member.id_number_masked not in text
    assert [e.summary for e in _reveals()] == [
        {"field": "id_number", "purpose": "transfer_letter", "letter_number": transfer.letter_number}]
    _letter(client, people["secretary"], transfer)
    assert len(_reveals()) == 2  # one entry per print


def test_the_receiving_branch_reads_the_full_number_too(client, people, world):
    _font_or_skip()
    member = people["m_plain"]
    sec_b = testing.make_user("sec_b", ("branch_secretary", world.branch_b))
    transfer = transfers.start_transfer(actor=people["secretary"], member=member, to_organization=world.branch_b)
    assert member.id_number in _letter(client, sec_b, transfer)
    assert [(e.actor_id, e.summary["letter_number"]) for e in _reveals()] == [(sec_b.pk, transfer.letter_number)]


def test_a_caller_without_the_capability_prints_the_masked_number_unaudited(client, people, world):
    _font_or_skip()
    member = people["m_plain"]
    worker = testing.make_user("worker_a", ("party_worker", world.branch_a))  # transfers, no full numbers
    transfer = transfers.start_transfer(actor=worker, member=member, to_organization=world.branch_b)
    text = _letter(client, worker, transfer)
    assert member.id_number_masked in text and member.id_number not in text
    assert _reveals() == []


def test_the_reveal_for_a_letter_is_refused_outside_the_transfer(people, world):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    sibling = people["sibling"]  # may see full numbers in branch A2 only
    with pytest.raises(PermissionDenied):
        member_services.reveal_id_number(actor=sibling, member=people["m_plain"], transfer=transfer)
    with pytest.raises(PermissionDenied):  # the letter of another member
        member_services.reveal_id_number(actor=people["secretary"], member=people["m_sec"], transfer=transfer)
    assert _reveals() == []


def test_the_letter_is_issued_and_sealed_by_the_real_committee(people, world):
    _font_or_skip()
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    assert issuing_body(transfer) == world.county_a.name == "中共芙蓉区委"
    text = _pdf_text(transfer_letter_pdf(transfer))
    assert "中共芙蓉区委（盖章）" in text and "开具机关：中共芙蓉区委" in text
    assert people["m_plain"].id_number_masked in text  # no number given: the masked one


def test_the_capability_that_shows_full_numbers():
    from dangwu.core.roles import CAPABILITIES, Role

    assert Cap.MEMBER_VIEW_SENSITIVE in CAPABILITIES[Role.BRANCH_SECRETARY]
    assert Cap.MEMBER_VIEW_SENSITIVE not in CAPABILITIES[Role.PARTY_WORKER]

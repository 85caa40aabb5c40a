"""Transfers of organizational relations (组织关系转接): rules, services, the letter PDF, the API."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.members.models import Member, StandingChange, Transfer
from dangwu.members.transfers import rules, selectors
from dangwu.members.transfers import services as transfers
from dangwu.members.transfers.letters import transfer_letter_pdf

last_entry = testing.last_audit_entry


def Snapshot() -> testing.Snapshot:  # noqa: N802
    return testing.Snapshot(transfers=Transfer.objects, members=Member.objects, history=Member.history,
                            standing=StandingChange.objects, audit=AuditEntry.objects)


# --- pure rules --------------------------------------------------------------------------

@pytest.mark.parametrize("issued,months,days,last", [
    (date(2026, 1, 15), 3, 0, date(2026, 4, 14)),
    (date(2026, 11, 30), 3, 0, date(2027, 2, 27)),  # 30 Feb does not exist: 28 Feb is the end, valid through the 27th
    (date(2027, 11, 30), 3, 0, date(2028, 2, 28)),  # a leap year: 29 Feb is the end
    (date(2026, 1, 31), 1, 0, date(2026, 2, 27)),
    (date(2026, 3, 1), 3, 90, date(2026, 5, 29)),  # days win over months
    (date(2026, 3, 1), 3, 1, date(2026, 3, 1)),
])
def test_letter_validity(issued, months, days, last):
    assert rules.letter_valid_until(issued, months=months, days=days) == last


def test_expiry_at_the_boundary():
    last = date(2026, 4, 14)
    assert not rules.is_expired(last, last)
    assert rules.is_expired(last, last + timedelta(days=1))
    assert not rules.is_expired(None, date(2099, 1, 1))


def test_add_months_clamps_to_the_month_end():
    assert rules.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert rules.add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 12, 5), 1) == date(2027, 1, 5)


def test_letter_number_shape():
    assert rules.letter_number(committee_code="430102", year=2026, sequence=7) == "430102-2026-0007"


@pytest.mark.parametrize("status,valid_until,incoming,key", [
    ("pending", date(2026, 5, 1), False, "outgoing"),
    ("pending", date(2026, 5, 1), True, "incoming"),
    ("pending", date(2026, 4, 30), True, "expired"),
    ("accepted", date(2026, 4, 30), True, "done"),
    ("completed", None, False, "done"),
    ("rejected", date(2026, 5, 1), False, "rejected"),
])
def test_transfer_state(status, valid_until, incoming, key):
    assert rules.transfer_state(status=status, valid_until=valid_until, on=date(2026, 5, 1),
                                incoming=incoming).key == key


# --- inside the platform: between two branches of different cities ---------------------------

@pytest.fixture
def sec_b(world):
    return testing.make_user("sec_b", ("branch_secretary", world.branch_b))


def test_start_transfer_issues_a_numbered_letter_and_one_audit_entry(people, world):
    before = Snapshot()
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b, reason="工作调动")
    assert before.delta() == {"transfers": 1, "members": 0, "history": 0, "standing": 0, "audit": 1}
    today = timezone.localdate()
    # Branch A is numbered by its committee (芙蓉区委, 430102).
    assert transfer.letter_number == f"430102-{today.year}-0001"
    assert transfer.valid_until == rules.letter_valid_until(today, months=3)
    assert transfer.kind == "internal" and transfer.status == "pending"
    entry = last_entry()
    assert entry.action == "member.transfer_start" and entry.organization_id_value == world.branch_a.pk
    people["m_plain"].refresh_from_db()
    assert people["m_plain"].organization == world.branch_a  # the sender stays responsible
    second = transfers.start_transfer(actor=people["secretary"], member=people["m_sec"], to_organization=world.branch_b)
    assert second.letter_number == f"430102-{today.year}-0002"


@override_settings(DANGWU_TRANSFER_LETTER_DAYS=30)
def test_validity_setting_in_days(people, world):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    assert transfer.valid_until == timezone.localdate() + timedelta(days=29)


def test_transfer_accepted_moves_the_member_with_history_and_rollups(people, world, sec_b):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    a_before, b_before = world.branch_a.members.count(), world.branch_b.members.count()
    before = Snapshot()
    transfers.accept_transfer(actor=sec_b, transfer=transfer)
    assert before.delta() == {"transfers": 0, "members": 0, "history": 1, "standing": 0, "audit": 1}
    member = Member.objects.get(pk=people["m_plain"].pk)
    assert member.organization == world.branch_b
    assert (world.branch_a.members.count(), world.branch_b.members.count()) == (a_before - 1, b_before + 1)
    assert member.history.first().history_change_reason.startswith("组织关系转入")
    entry = last_entry()
    assert entry.action == "member.transfer_accept" and entry.organization_id_value == world.branch_b.pk
    transfer.refresh_from_db()
    assert transfer.status == "accepted" and transfer.decided_by == sec_b
    assert testing.assert_rollups_exact() == 7
    # City A's subtree lost one member in good standing, city B's gained one.
    assert testing.stored_structure_counts(world.city_b)[("standing", "normal")] == 2


def test_transfer_rejected_keeps_the_member_and_names_the_reason(people, world, sec_b):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        transfers.reject_transfer(actor=sec_b, transfer=transfer, reason="  ")
    assert "reason" in exc.value.message_dict and before.unchanged()
    transfers.reject_transfer(actor=sec_b, transfer=transfer, reason="介绍信抬头有误")
    assert before.delta()["audit"] == 1 and last_entry().action == "member.transfer_reject"
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.reject_reason == "介绍信抬头有误"
    assert Member.objects.get(pk=people["m_plain"].pk).organization == world.branch_a
    with pytest.raises(ValidationError) as exc:
        transfers.accept_transfer(actor=sec_b, transfer=transfer)
    assert "transfer" in exc.value.message_dict
    # Rejected: the sender may start a new transfer of the same member.
    again = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                     to_organization=world.branch_b)
    assert again.status == "pending"
    testing.assert_rollups_exact()


def test_only_the_receiving_side_accepts_and_only_the_sender_starts(people, world, sec_b):
    with pytest.raises(PermissionDenied):
        transfers.start_transfer(actor=sec_b, member=people["m_plain"], to_organization=world.branch_b)
    with pytest.raises(PermissionDenied):
        transfers.start_transfer(actor=people["discipline"], member=people["m_plain"], to_organization=world.branch_b)
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    before = Snapshot()
    for caller in (people["secretary"], people["sibling"], people["city_a"]):
        with pytest.raises(PermissionDenied):
            transfers.accept_transfer(actor=caller, transfer=transfer)
    assert before.unchanged()
    transfers.accept_transfer(actor=people["city_b"], transfer=transfer)  # the receiving city's org department
    assert Member.objects.get(pk=people["m_plain"].pk).organization == world.branch_b


@pytest.mark.parametrize("kwargs,field", [
    ({"to_organization": "own"}, "to_organization"),
    ({}, "to_name"),
    ({"to_name": "   "}, "to_name"),
])
def test_bad_start_names_the_field_and_commits_nothing(people, world, kwargs, field):
    if kwargs.get("to_organization") == "own":
        kwargs = {"to_organization": world.branch_a}
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        transfers.start_transfer(actor=people["secretary"], member=people["m_plain"], **kwargs)
    assert field in exc.value.message_dict
    assert before.unchanged()


def test_one_open_transfer_per_member_and_only_members_in_good_standing(people, world):
    transfers.start_transfer(actor=people["secretary"], member=people["m_plain"], to_organization=world.branch_b)
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        transfers.start_transfer(actor=people["secretary"], member=people["m_plain"], to_organization=world.branch_a2)
    assert "member" in exc.value.message_dict and before.unchanged()
    Member.objects.filter(pk=people["m_sec"].pk).update(standing="suspended")
    with pytest.raises(ValidationError) as exc:
        transfers.start_transfer(actor=people["secretary"], member=people["m_sec"], to_organization=world.branch_b)
    assert "member" in exc.value.message_dict and before.unchanged()


def test_expired_letter_is_flagged_refused_and_reissued(people, world, sec_b):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    old_number = transfer.letter_number
    yesterday = timezone.localdate() - timedelta(days=1)
    Transfer.objects.filter(pk=transfer.pk).update(valid_until=yesterday, issued_on=yesterday - timedelta(days=90))
    transfer.refresh_from_db()
    rows = selectors.transfers_of(actor=sec_b, organization=world.branch_b)
    assert [r["state"] for r in rows] == ["expired"]
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        transfers.accept_transfer(actor=sec_b, transfer=transfer)
    assert "transfer" in exc.value.message_dict and before.unchanged()
    with pytest.raises(PermissionDenied):
        transfers.reissue_letter(actor=sec_b, transfer=transfer)
    transfers.reissue_letter(actor=people["secretary"], transfer=transfer)
    assert before.delta()["audit"] == 1 and last_entry().action == "member.transfer_reissue"
    transfer.refresh_from_db()
    assert transfer.letter_number != old_number and transfer.previous_numbers == [old_number]
    assert transfer.valid_until > timezone.localdate()
    assert [r["state"] for r in selectors.transfers_of(actor=sec_b, organization=world.branch_b)] == ["incoming"]
    transfers.accept_transfer(actor=sec_b, transfer=transfer)
    assert Member.objects.get(pk=people["m_plain"].pk).organization == world.branch_b


def test_lists_per_organization_with_states(people, world, sec_b):
    t1 = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"], to_organization=world.branch_b)
    transfers.start_transfer(actor=people["secretary"], member=people["m_sec"], to_name="北京市某公司党支部")
    states = {r["transfer"].pk: r["state"] for r in selectors.transfers_of(actor=people["secretary"],
                                                                          organization=world.branch_a)}
    assert sorted(states.values()) == ["outgoing", "outgoing"]
    assert [r["state"] for r in selectors.transfers_of(actor=sec_b, organization=world.branch_b)] == ["incoming"]
    transfers.accept_transfer(actor=sec_b, transfer=t1)
    assert {r["transfer"].pk: r["state"] for r in selectors.transfers_of(
        actor=people["secretary"], organization=world.branch_a)}[t1.pk] == "done"
    # The sibling branch sees nothing of branch A's transfers.
    assert not selectors.visible_transfers(actor=people["sibling"]).exists()


# --- to and from outside the platform ------------------------------------------------------

def test_outside_transfer_leaves_when_the_receipt_is_recorded(people, world):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_name="中共北京市海淀区某街道工委", to_address="北京市海淀区某路1号")
    assert transfer.kind == "out"
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        transfers.record_receipt(actor=people["secretary"], transfer=transfer,
                                 received_on=timezone.localdate() + timedelta(days=1))
    assert "received_on" in exc.value.message_dict and before.unchanged()
    transfers.record_receipt(actor=people["secretary"], transfer=transfer, received_on=timezone.localdate())
    assert before.delta() == {"transfers": 0, "members": 0, "history": 1, "standing": 1, "audit": 1}
    member = Member.objects.get(pk=people["m_plain"].pk)
    assert member.standing == "transferred_out" and member.organization == world.branch_a
    assert last_entry().action == "member.transfer_receipt"
    testing.assert_rollups_exact()
    assert ("standing", "transferred_out") in testing.stored_structure_counts(world.province)


def _incoming_fields(**overrides):
    fields = dict(name="钱七", gender="female", birth_date=date(1992, 2, 29), member_type="full",
                  joined_on=date(2015, 7, 1), converted_on=date(2016, 7, 1))
    fields.update(overrides)
    return fields


def test_register_incoming_from_outside(people, world):
    number = testing.make_id_number(date(1992, 2, 29), male=False, region="110108", serial=3)
    before = Snapshot()
    transfer = transfers.register_incoming(actor=people["secretary"], organization=world.branch_a,
                                           fields=_incoming_fields(), id_number=number, from_name="中共北京某支部",
                                           external_letter_number="京2026-0102", letter_date=date(2026, 1, 5))
    assert before.delta() == {"transfers": 1, "members": 1, "history": 1, "standing": 0, "audit": 1}
    assert transfer.kind == "in" and transfer.status == "completed"
    assert transfer.member.organization == world.branch_a and transfer.member.name == "钱七"
    assert last_entry().action == "member.transfer_register"
    testing.assert_rollups_exact()


def test_register_incoming_bad_input_names_every_field_and_commits_nothing(people, world):
    before = Snapshot()
    with pytest.raises(ValidationError) as exc:
        transfers.register_incoming(actor=people["secretary"], organization=world.branch_a,
                                    fields=_incoming_fields(), id_number="123", from_name="",
                                    letter_date=timezone.localdate() + timedelta(days=3))
    assert {"id_number", "from_name", "letter_date"} <= set(exc.value.message_dict)
    assert before.unchanged()
    # The letter's fields wrong but the record right: still nothing written.
    number = testing.make_id_number(date(1992, 2, 29), male=False, region="110108", serial=4)
    with pytest.raises(ValidationError) as exc:
        transfers.register_incoming(actor=people["secretary"], organization=world.branch_a,
                                    fields=_incoming_fields(), id_number=number, from_name=" ")
    assert set(exc.value.message_dict) == {"from_name"} and before.unchanged()


# --- the letter PDF ----------------------------------------------------------------------

def test_letter_pdf_has_the_three_parts_in_chinese(people, world):
    from pypdf import PdfReader

    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b, reason="工作调动")
    data = transfer_letter_pdf(transfer)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "")
    for expected in ("中国共产党党员组织关系介绍信（存根）", "中国共产党党员组织关系介绍信回执", "请接洽",
                     "张三同志", "芙蓉区第一党支部", "荷塘区第一党支部", transfer.letter_number,
                     f"{transfer.valid_until.year}年{transfer.valid_until.month}月{transfer.valid_until.day}日"):
        assert expected.replace(" ", "") in text, expected
    # The font is embedded (a subset), so any viewer renders the Chinese text.
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    descendants = [d.get_object() for f in fonts for d in f.get("/DescendantFonts", [])]
    assert any("/FontFile2" in d["/FontDescriptor"] for d in descendants)


def test_cjk_font_lookup(monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from dangwu.core import pdf

    monkeypatch.setenv("DANGWU_CJK_FONT", str(tmp_path / "missing.ttf"))
    with pytest.raises(ImproperlyConfigured, match="DANGWU_CJK_FONT"):
        pdf.cjk_font()
    monkeypatch.delenv("DANGWU_CJK_FONT")
    monkeypatch.setattr(pdf, "CANDIDATES", (str(tmp_path / "none.ttc"),))
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-zenhei"):
        pdf.cjk_font()


def test_without_a_cjk_font_the_letter_and_the_receipt_say_so_instead_of_failing(client, people, world,
                                                                                   monkeypatch, tmp_path):
    from dangwu.core import pdf

    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b, reason="工作调动")
    monkeypatch.setenv("DANGWU_CJK_FONT", str(tmp_path / "missing.ttf"))
    client.force_login(people["secretary"])
    response = client.get(f"/members/transfers/{transfer.pk}/letter.pdf", follow=True)
    assert response.redirect_chain[-1][0] == f"/members/transfers/in/{world.branch_a.pk}/"
    assert "服务器缺少中文字体" in response.content.decode()
    with pytest.raises(pdf.FontMissing):
        pdf.cjk_font()


# --- the API ------------------------------------------------------------------------------

def test_api_create_accept_reject_and_list(people, world, sec_b):
    client = testing.api_client(people["secretary"])
    response = client.post("/api/v1/transfers/", {"member": people["m_plain"].pk, "to_organization": world.branch_b.pk},
                           format="json")
    assert response.status_code == 201, response.content
    transfer_id = response.json()["id"]
    assert response.json()["state"] == "outgoing"
    assert testing.result_ids(client.get("/api/v1/transfers/")) == {transfer_id}
    assert testing.result_ids(testing.api_client(sec_b).get("/api/v1/transfers/")) == {transfer_id}
    assert testing.api_client(people["sibling"]).get("/api/v1/transfers/").json()["results"] == []
    # The sender cannot accept its own letter; the receiving side can.
    assert client.post(f"/api/v1/transfers/{transfer_id}/accept/").status_code == 403
    response = testing.api_client(sec_b).post(f"/api/v1/transfers/{transfer_id}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = client.post("/api/v1/transfers/", {"member": people["m_sec"].pk, "to_organization": world.branch_b.pk},
                           format="json")
    second = response.json()["id"]
    response = testing.api_client(sec_b).post(f"/api/v1/transfers/{second}/reject/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = testing.api_client(sec_b).post(f"/api/v1/transfers/{second}/reject/", {"reason": "不是本单位职工"},
                                              format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"


@pytest.mark.parametrize("body,field", [
    ({"to_organization": 1}, "member"),
    ({"member": "x"}, "member"),
    ({"member": 999999, "to_name": "某支部"}, "member"),
    ({"member": "m_plain"}, "to_name"),
    ({"member": "m_plain", "to_organization": 999999}, "to_organization"),
    ({"member": "m_plain", "to_organization": "branch_a"}, "to_organization"),
    ({"member": "m_plain", "to_name": "x" * 500}, "to_name"),
])
def test_api_bad_input_is_400_keyed_by_field(people, world, body, field):
    body = {k: (people[v].pk if v == "m_plain" else world.branch_a.pk if v == "branch_a" else v)
            for k, v in body.items()}
    before = Snapshot()
    response = testing.api_client(people["secretary"]).post("/api/v1/transfers/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert before.unchanged()


# --- pages (no input gives a 500) ----------------------------------------------------------

def test_pages_reject_receipt_and_register_round_trip(client, people, world):
    transfer = transfers.start_transfer(actor=people["secretary"], member=people["m_plain"],
                                        to_organization=world.branch_b)
    client.force_login(people["city_b"])
    response = client.post(f"/members/transfers/{transfer.pk}/reject/", {"reason": ""})
    assert response.status_code == 200 and 'data-field-error="reason"' in response.content.decode()
    response = client.post(f"/members/transfers/{transfer.pk}/reject/", {"reason": "查无此人"})
    assert response.status_code == 302
    assert Transfer.objects.get(pk=transfer.pk).status == "rejected"
    # Accepting what is already rejected: a message, not an error page.
    response = client.post(f"/members/transfers/{transfer.pk}/accept/", follow=True)
    assert response.status_code == 200 and "已办结" in response.content.decode()

    client.force_login(people["secretary"])
    outside = transfers.start_transfer(actor=people["secretary"], member=people["m_sec"], to_name="外省某党支部")
    for bad in ({"received_on": ""}, {"received_on": "2026-13-45"}, {"received_on": "1999-01-01"}):
        response = client.post(f"/members/transfers/{outside.pk}/receipt/", bad)
        assert response.status_code == 200 and 'data-field-error="received_on"' in response.content.decode()
    assert client.get(f"/members/transfers/{transfer.pk}/receipt/").status_code == 404  # not an outside letter
    response = client.post(f"/members/transfers/{outside.pk}/receipt/",
                           {"received_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert Member.objects.get(pk=people["m_sec"].pk).standing == "transferred_out"

    response = client.post(f"/members/transfers/in/{world.branch_a.pk}/register/",
                           {"name": "钱七", "gender": "female", "ethnicity": "汉族", "id_number": "abc",
                            "birth_date": "1992-02-29", "member_type": "full", "joined_on": "2015-07-01",
                            "converted_on": "2016-07-01", "from_name": ""})
    assert response.status_code == 200 and 'data-field-error="from_name"' in response.content.decode()
    response = client.post(f"/members/transfers/in/{world.branch_a.pk}/register/",
                           {"name": "钱七", "gender": "female", "ethnicity": "汉族", "id_number": "abc",
                            "birth_date": "1992-02-29", "member_type": "full", "joined_on": "2015-07-01",
                            "converted_on": "2016-07-01", "from_name": "中共北京某支部"})
    assert response.status_code == 200 and 'data-field-error="id_number"' in response.content.decode()
    number = testing.make_id_number(date(1992, 2, 29), male=False, region="110108", serial=9)
    response = client.post(f"/members/transfers/in/{world.branch_a.pk}/register/",
                           {"name": "钱七", "gender": "female", "ethnicity": "汉族", "id_number": number,
                            "birth_date": "1992-02-29", "member_type": "full", "joined_on": "2015-07-01",
                            "converted_on": "2016-07-01", "from_name": "中共北京某支部"})
    assert response.status_code == 302
    assert Member.objects.get(name="钱七").organization == world.branch_a
    page = client.get(f"/members/transfers/in/{world.branch_a.pk}/").content.decode()
    assert "中共北京某支部" in page and "外省某党支部" in page
    testing.assert_rollups_exact()


def test_start_page_inside_and_outside(client, people, world):
    client.force_login(people["secretary"])
    url = f"/members/{people['m_plain'].pk}/transfer/"
    response = client.post(url, {"goes_to": "internal", "to_code": ""})
    assert 'data-field-error="to_code"' in response.content.decode()
    response = client.post(url, {"goes_to": "internal", "to_code": world.branch_a.code})
    assert "接收党组织不能是党员现在所在的党组织" in response.content.decode()
    response = client.post(url, {"goes_to": "out", "to_name": ""})
    assert 'data-field-error="to_name"' in response.content.decode()
    response = client.post(url, {"goes_to": "sideways"})
    assert response.status_code == 200 and 'data-field-error="goes_to"' in response.content.decode()
    assert not Transfer.objects.exists()
    response = client.post(url, {"goes_to": "out", "to_name": "上海某公司党委", "to_address": "上海市"})
    assert response.status_code == 302
    letter = client.get(f"/members/transfers/{Transfer.objects.get().pk}/letter.pdf")
    assert letter["Content-Type"] == "application/pdf" and letter.content.startswith(b"%PDF")


# --- the receiver picker (接收党组织): by a part of the name or the code, anywhere in the province --

def _org(parent, code, name, org_type="branch", **fields):
    from dangwu.orgs.models import Organization

    child = Organization.objects.add_child(parent, {"code": code, "name": name, "org_type": org_type, **fields})
    return Organization.objects.get(pk=child.pk)


def _picked(query, limit=20):
    from dangwu.orgs.models import MEMBER_HOLDING_TYPES
    from dangwu.orgs.selectors import pick_organizations

    return pick_organizations(query=query, org_types=MEMBER_HOLDING_TYPES, limit=limit)


def test_picker_finds_by_a_part_of_the_name_with_the_parents(world):
    found = _picked("芙蓉区")
    assert [o.name for o in found] == ["芙蓉区第一党支部", "芙蓉区第二党支部", "中共芙蓉区委"]
    assert found[0].chain == ["中共长沙市委", "中共芙蓉区委"] and found[0].code == "430102001"
    assert _picked("第一党支部")[0].chain == ["中共长沙市委", "中共芙蓉区委"]
    assert [o.name for o in _picked("荷塘")] == ["荷塘区第一党支部"]
    assert _picked("荷塘")[0].chain == ["中共株洲市委"]


def test_picker_puts_the_exact_code_and_closer_names_first(world):
    assert [o.code for o in _picked("430102")] == ["430102", "430102001", "430102002"]
    assert [o.code for o in _picked("430102002")] == ["430102002"]
    exact = _org(world.city_b, "430203001", "第二党支部")
    starts = _org(world.city_b, "430203002", "第二党支部（离退休）")
    assert [o.pk for o in _picked("第二党支部")] == [exact.pk, starts.pk, world.branch_a2.pk]
    # A code that is also part of another organization's name: the code first.
    named = _org(world.city_b, "430203003", "430102002号楼联合党支部", org_type="joint_branch")
    assert [o.pk for o in _picked("430102002")] == [world.branch_a2.pk, named.pk]


def test_picker_leaves_out_dissolved_and_organizations_that_hold_no_members(world):
    _org(world.county_a, "430102003", "芙蓉区第三党支部", dissolved_on=date(2025, 1, 1))
    _org(world.county_a, "430102004", "芙蓉区施工项目临时党支部", org_type="temporary_branch")
    _org(world.branch_a, "430102001001", "芙蓉区第一党支部第一党小组", org_type="group")
    names = [o.name for o in _picked("芙蓉区")]
    assert names == ["芙蓉区第一党支部", "芙蓉区第二党支部", "中共芙蓉区委"]
    assert _picked("430102003") == [] and _picked("4301020010") == []


def test_picker_is_limited_and_needs_two_characters(world):
    for i in range(25):
        _org(world.city_b, f"4302050{i:02d}", f"石峰区第{i + 1}村党支部")
    found = _picked("石峰区")
    assert [o.code for o in found] == [f"4302050{i:02d}" for i in range(20)]  # shorter names, then the tree's order
    assert len(_picked("石峰区", limit=5)) == 5
    found = _picked("村党支部")  # contained, not at the start: shorter names first
    assert len(found) == 20 and [len(o.name) for o in found] == sorted(len(o.name) for o in found)
    assert _picked("芙") == [] and _picked("  ") == [] and _picked("4") == []
    assert _picked("%%") == [] and _picked("__") == []  # LIKE's wildcards are plain characters


def test_receivers_view_lists_names_codes_and_parents(client, people, world):
    client.force_login(people["secretary"])
    page = client.get("/members/transfers/receivers/?q=荷塘").content.decode()
    assert "荷塘区第一党支部" in page and "430202001" in page and "中共株洲市委" in page
    assert 'data-pick-code="430202001"' in page
    page = client.get("/members/transfers/receivers/?q=芙蓉区").content.decode()
    assert "中共长沙市委 › 中共芙蓉区委" in page
    assert "没有找到名称或代码相符" in client.get("/members/transfers/receivers/?q=不存在的支部").content.decode()
    assert "data-pick-code" not in client.get("/members/transfers/receivers/?q=x").content.decode()
    # htmx sends the field itself (to_code=…) when q is absent.
    assert "430202001" in client.get("/members/transfers/receivers/?to_code=4302").content.decode()


def test_start_form_accepts_the_picked_organization(client, people, world):
    client.force_login(people["secretary"])
    url = f"/members/{people['m_plain'].pk}/transfer/"
    page = client.get(url).content.decode()
    assert 'hx-get="/members/transfers/receivers/"' in page and 'id="receiver-results"' in page
    response = client.post(url, {"goes_to": "internal", "to_code": "芙蓉区"})  # a name typed, nothing picked
    assert "没有找到代码为 芙蓉区 的党组织" in response.content.decode()
    response = client.post(url, {"goes_to": "internal", "to_code": world.branch_a.code})
    page = response.content.decode()
    assert "接收党组织不能是党员现在所在的党组织" in page
    assert 'id="receiver-chosen"' in page and "中共长沙市委 › 中共芙蓉区委" in page  # what the code names
    assert not Transfer.objects.exists()
    response = client.post(url, {"goes_to": "internal", "to_code": f" {world.branch_b.code} ", "reason": "工作调动"})
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.to_organization == world.branch_b and transfer.to_name == "荷塘区第一党支部"


@pytest.mark.parametrize("field", ["reason", "to_name", "to_address"])
def test_control_characters_in_a_transfer_are_refused_by_field(people, field):
    """One check per field (issue 12, finding 8): the API answers what the form's service answers."""
    body = {"member": people["m_plain"].pk, "to_name": "广东省某党支部", "to_address": "广州市", "reason": "工作调动",
            field: "工作\x1b[2J调动"}
    response = testing.api_client(people["secretary"]).post("/api/v1/transfers/", body, format="json")
    assert response.status_code == 400 and set(response.json()) == {field}, response.content
    assert not Transfer.objects.exists()

"""Dues pages through the test client: forms answer bad input by field, imports are all-or-nothing."""

import io
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangwu import testing
from dangwu.dues import rules
from dangwu.dues.models import Declaration, DuesUse, Payment, Reduction

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["芙蓉区第一党支部2026年度党费基数申报表"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("申报表.xlsx", out.getvalue())


def test_declarations_import_all_or_nothing(client, dues_people, world):
    c = _client(client, dues_people["secretary"])
    year = timezone.localdate().year
    plain, wang = dues_people["m_plain"], dues_people["m_wang"]
    header = ["序号", "姓名", "身份证号", "人员类别", "月工资收入", "农牧渔民月交标准"]
    bad = _xlsx([header, [1, plain.name, plain.id_number, "在职", "5000", None],
                 [2, wang.name, wang.id_number, "教师", "3000", None],
                 [3, "无此人", testing.make_id_number(__import__("datetime").date(1970, 1, 1)), "退休", "100", None],
                 [4, dues_people["m_b"].name, dues_people["m_b"].id_number, "农民", None, "2"]])
    response = c.post(f"/dues/org/{world.branch_a.pk}/declarations/", {"year": year, "file": bad}, follow=True)
    assert response.status_code == 200  # the status page of the run (run at once by the tests' task backend)
    body = response.content.decode()
    assert "无法识别的党费类别" in body and "没有这名党员" in body
    assert not Declaration.objects.exists()
    good = _xlsx([header, [1, plain.name, plain.id_number, "在职", "5000", None],
                  [2, wang.name, wang.id_number, "离退休", "5000.01", None]])
    audits = testing.Snapshot(audit=__import__("dangwu.core.models", fromlist=["AuditEntry"]).AuditEntry.objects)
    response = c.post(f"/dues/org/{world.branch_a.pk}/declarations/", {"year": year, "file": good})
    assert response.status_code == 302
    assert {d.member_id: d.monthly_amount for d in Declaration.objects.all()} == {plain.pk: D("50.00"),
                                                                                  wang.pk: D("50.00")}
    assert audits.delta() == {"audit": 1}
    assert testing.last_audit_entry().action == "dues.declare_import"
    not_a_sheet = SimpleUploadedFile("x.xlsx", b"not a zip")
    response = c.post(f"/dues/org/{world.branch_a.pk}/declarations/", {"year": year, "file": not_a_sheet})
    assert response.status_code == 200 and 'data-field-error="file"' in response.content.decode()


def test_a_declaration_sheet_with_a_classification_marking_is_refused_on_the_file_field(client, dues_people, world):
    from dangwu.core.models import AuditEntry

    c = _client(client, dues_people["secretary"])
    year = timezone.localdate().year
    plain = dues_people["m_plain"]
    header = ["序号", "姓名", "身份证号", "人员类别", "月工资收入", "农牧渔民月交标准"]
    audits = testing.Snapshot(declarations=Declaration.objects, audit=AuditEntry.objects)
    marked = _xlsx([header, [1, plain.name, plain.id_number, "在职", "5000", None], ["机密★", None, None, None, None]])
    response = c.post(f"/dues/org/{world.branch_a.pk}/declarations/", {"year": year, "file": marked})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="file"' in html and "机密★" in html and "涉密信息不上网" in html
    assert audits.unchanged()
    good = _xlsx([header, [1, plain.name, plain.id_number, "在职", "5000", None]])
    assert c.post(f"/dues/org/{world.branch_a.pk}/declarations/", {"year": year, "file": good}).status_code == 302


def test_the_declaration_form_starts_from_the_category_of_the_occupation(client, dues_people):
    c = _client(client, dues_people["secretary"])
    member = dues_people["m_wang"]
    for occupation, category in (("retired", "retired"), ("farmer", "farmer"), ("civil_servant", "employed")):
        member.occupation = occupation
        member.save(update_fields=["occupation"])
        response = c.get(f"/dues/members/{member.pk}/declare/")
        assert response.status_code == 200
        assert response.context["form"].initial["category"] == category == rules.category_for_occupation(occupation)


def test_pay_form_errors_stay_on_the_page(client, dues_people):
    c = _client(client, dues_people["secretary"])
    member = dues_people["m_wang"]
    month = rules.month_start(timezone.localdate())
    response = c.post(f"/dues/members/{member.pk}/pay/", {"months": [month.strftime("%Y-%m")], "method": "online",
                                                          "paid_on": timezone.localdate().isoformat()})
    assert response.status_code == 200 and 'data-field-error="reference"' in response.content.decode()
    response = c.post(f"/dues/members/{member.pk}/pay/", {"months": ["1999-01"], "method": "cash",
                                                          "paid_on": "x"})
    assert response.status_code == 200
    assert not Payment.objects.exists()
    response = c.post(f"/dues/members/{member.pk}/pay/", {"months": [month.strftime("%Y-%m")], "method": "cash",
                                                          "paid_on": timezone.localdate().isoformat(),
                                                          "voluntary_amount": "1000"})
    assert response.status_code == 302
    assert Payment.objects.get().forward_to_centre


def test_a_host_collects_a_mobile_members_dues(client, dues_people, world):
    mobile = dues_people["m_b"]
    mobile.is_outflow, mobile.outflow_destination = True, "长沙"
    mobile.save()
    c = _client(client, dues_people["secretary"])
    # not looked up first: not found
    assert c.get(f"/dues/members/{mobile.pk}/pay/?host={world.branch_a.pk}").status_code == 404
    response = c.post(f"/dues/org/{world.branch_a.pk}/host/", {"id_number": mobile.id_number})
    assert response.status_code == 302 and f"/dues/members/{mobile.pk}/pay/?host=" in response["Location"]
    month = rules.month_start(timezone.localdate())
    response = c.post(response["Location"], {"months": [month.strftime("%Y-%m")], "method": "cash",
                                             "paid_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.collected_at == world.branch_a and payment.organization == world.branch_b
    # a member who is not mobile is not found by the host
    response = c.post(f"/dues/org/{world.branch_a.pk}/host/", {"id_number": dues_people["m_other"].id_number})
    assert response.status_code == 302 and response["Location"].endswith(f"/dues/org/{world.branch_a.pk}/")


def test_reduction_request_and_decision_pages(client, dues_people):
    member = dues_people["m_wang"]
    month = rules.month_start(timezone.localdate())
    c = _client(client, dues_people["secretary"])
    response = c.post(f"/dues/members/{member.pk}/reduction/", {"kind": "reduce", "monthly_amount": "50",
                                                                "start_month": f"{month:%Y-%m}",
                                                                "end_month": f"{month:%Y-%m}", "reason": "困难"})
    assert response.status_code == 200 and 'data-field-error="monthly_amount"' in response.content.decode()
    response = c.post(f"/dues/members/{member.pk}/reduction/", {"kind": "exempt", "start_month": f"{month:%Y-%m}",
                                                                "end_month": f"{month:%Y-%m}", "reason": "困难"})
    assert response.status_code == 302
    reduction = Reduction.objects.get()
    county = _client(client, dues_people["county"])
    page = county.get("/dues/reductions/").content.decode()
    assert 'id="to-decide"' in page and member.name in page
    county.post(f"/dues/reductions/{reduction.pk}/decide/", {"decision": "reject"})
    reduction.refresh_from_db()
    assert reduction.status == "pending"  # a refusal needs a note
    county.post(f"/dues/reductions/{reduction.pk}/decide/", {"decision": "approve"})
    reduction.refresh_from_db()
    assert reduction.status == "approved" and reduction.decided_by == dues_people["county"]


def test_report_export_and_statement(client, dues_people, world):
    month = rules.month_start(timezone.localdate())
    testing.make_assessment(dues_people["m_wang"], month, D("30.00"), organization=world.branch_a)
    c = _client(client, dues_people["city_a"])
    response = c.get(f"/dues/org/{world.city_a.pk}/report.xlsx?month={month:%Y-%m}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][4] == 30
    page = c.get(f"/dues/org/{world.city_a.pk}/report/?year={month.year}")
    assert page.status_code == 200 and "中共芙蓉区委" in page.content.decode()
    assert c.get(f"/dues/org/{world.city_a.pk}/report/?year=abc&month=zz").status_code == 200
    response = c.post(f"/dues/org/{world.city_a.pk}/statement/", {"used_on": timezone.localdate().isoformat(),
                                                                   "purpose": "hardship", "amount": "200",
                                                                   "description": "慰问困难党员"})
    assert response.status_code == 302 and DuesUse.objects.count() == 1
    page = c.get(f"/dues/org/{world.city_a.pk}/statement/").content.decode()
    assert "慰问困难党员" in page
    # a viewer without the collect capability sees the statement but cannot record
    response = _client(client, dues_people["discipline"]).post(
        f"/dues/org/{world.city_a.pk}/statement/", {"used_on": "2026-01-01", "purpose": "other", "amount": "1",
                                                    "description": "x"})
    assert response.status_code == 403 and DuesUse.objects.count() == 1


@pytest.mark.parametrize("url", ["/dues/org/{org}/?month=2026-99", "/dues/org/{org}/?month=%00",
                                 "/dues/members/{m}/?year=abc", "/dues/org/{org}/report/?year=99999",
                                 "/dues/org/{org}/declarations/?year=-1"])
def test_odd_parameters_do_not_break_the_pages(client, dues_people, world, url):
    c = _client(client, dues_people["secretary"])
    response = c.get(url.format(org=world.branch_a.pk, m=dues_people["m_plain"].pk))
    assert response.status_code in (200, 400)


def test_a_month_to_come_shows_this_month_with_a_message_naming_it(client, dues_people, world):
    """`?month=` of a month that has not begun (next month, or a hand-edited address): this month,
    with a message naming the month asked for; no link leads past this month, and the assess button
    is this month's."""
    this = rules.month_start(timezone.localdate())
    ahead = rules.add_months(this, 1)
    c = _client(client, dues_people["secretary"])
    html = c.get(f"/dues/org/{world.branch_a.pk}/?month={ahead:%Y-%m}").content.decode()
    assert f"{ahead.year}年{ahead.month}月尚未到来" in html
    assert f'<span class="fs-5 fw-semibold" id="dues-month">{this.year}年{this.month}月</span>' in html
    assert not re.search(rf'href="[^"]*month={ahead:%Y-%m}', html), "a link leads past this month"
    assert f'name="month" value="{this:%Y-%m}"' in html
    # the report's month list stops at this month too, and a month to come there shows this month
    html = c.get(f"/dues/org/{world.branch_a.pk}/report/?month={ahead:%Y-%m}").content.decode()
    assert f"{ahead.year}年{ahead.month}月尚未到来" in html
    assert f'value="{ahead:%Y-%m}"' not in html and f'value="{this:%Y-%m}" selected' in html
    # this month and the last are shown as asked, without a message
    for month in (this, rules.add_months(this, -1)):
        html = c.get(f"/dues/org/{world.branch_a.pk}/?month={month:%Y-%m}").content.decode()
        assert "尚未到来" not in html and f'id="dues-month">{month.year}年{month.month}月<' in html


@pytest.mark.parametrize("value", ["2026-13", "2026-99", "abc", "2026-1-x", "%E4%B8%80%E6%9C%88", "9999-01", "-1"])
def test_a_malformed_month_names_the_value_and_shows_this_month(client, dues_people, world, value):
    this = rules.month_start(timezone.localdate())
    c = _client(client, dues_people["secretary"])
    for url in (f"/dues/org/{world.branch_a.pk}/?month={value}", f"/dues/org/{world.branch_a.pk}/report/?month={value}"):
        response = c.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "不是有效的月份" in html or "尚未到来" in html, url
        assert f"已显示本月（{this.year}年{this.month}月）" in html
    assert c.get(f"/dues/org/{world.branch_a.pk}/report.xlsx?month={value}").status_code == 200


def test_report_rows_drill_down_to_the_same_report_one_level_down_even_without_data(client, dues_people, world):
    month = rules.month_start(timezone.localdate())
    testing.make_assessment(dues_people["m_wang"], month, D("30.00"), organization=world.branch_a)
    c = _client(client, dues_people["city_a"])
    html = c.get(f"/dues/org/{world.county_a.pk}/report/?year={month.year}").content.decode()
    # both branches link to their own report of the same year; the one without assessments says so
    for branch in (world.branch_a, world.branch_a2):
        assert f'href="/dues/org/{branch.pk}/report/?year={month.year}" data-drill-down="{branch.pk}"' in html
    row_a2 = html[html.index(f'data-drill-down="{world.branch_a2.pk}"'):]
    row_a2 = row_a2[:row_a2.index("</tr>")]
    assert "本期未核定党费" in row_a2 and "0.00" not in row_a2
    # a month keeps the month one level down, and the report there opens
    html = c.get(f"/dues/org/{world.city_a.pk}/report/?month={month:%Y-%m}").content.decode()
    link = f"/dues/org/{world.county_a.pk}/report/?year={month.year}&amp;month={month:%Y-%m}"
    assert f'href="{link}"' in html
    assert c.get(link.replace("&amp;", "&")).status_code == 200

"""Dues API: scoped reads, writes through the services, 400 keyed by field."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.dues import rules
from dangwu.dues.models import Assessment, Declaration, Payment

pytestmark = pytest.mark.django_db


def _month():
    return rules.month_start(timezone.localdate())


def test_payment_through_the_api(dues_people):
    client = testing.api_client(dues_people["secretary"])
    month = _month()
    body = {"member": dues_people["m_wang"].pk, "months": [month.strftime("%Y-%m"),
                                                           rules.add_months(month, -1).strftime("%Y-%m")],
            "method": "online", "reference": "WX123"}
    response = client.post("/api/v1/dues/payments/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["dues_amount"] == "60.00" and len(data["paid_months"]) == 2 and data["receipt_number"]
    assert testing.last_audit_entry().action == "dues.payment"
    # the member sees their own payment, the sibling branch does not
    own = testing.api_client(dues_people["m_wang"].user) if dues_people["m_wang"].user else None
    assert own is None or own.get("/api/v1/dues/payments/").status_code == 200
    assert testing.api_client(dues_people["sibling"]).get(f"/api/v1/dues/payments/{data['id']}/").status_code == 404


@pytest.mark.parametrize("body,field", [
    ({"method": "online"}, "reference"),
    ({"method": "cash", "months": ["2026-13"]}, "months"),
    ({"method": "cash", "months": []}, "months"),
    ({"method": "wechat"}, "method"),
    ({"method": "cash", "voluntary_amount": "-1"}, "voluntary_amount"),
    ({"method": "cash", "member": 999999}, "member"),
    ({"method": "cash", "member": "x"}, "member"),
])
def test_bad_payments_answer_400_keyed_by_field(dues_people, body, field):
    client = testing.api_client(dues_people["secretary"])
    body = {"member": dues_people["m_wang"].pk, "months": [_month().strftime("%Y-%m")], **body}
    before = Payment.objects.count(), Assessment.objects.count()
    response = client.post("/api/v1/dues/payments/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert (Payment.objects.count(), Assessment.objects.count()) == before


def test_declaration_and_report_through_the_api(dues_people, world):
    client = testing.api_client(dues_people["secretary"])
    year = timezone.localdate().year
    response = client.post("/api/v1/dues/declarations/", {"member": dues_people["m_plain"].pk, "year": year,
                                                          "category": "retired", "base": "5000.01"}, format="json")
    assert response.status_code == 201 and response.json()["monthly_amount"] == "50.00"
    bad = client.post("/api/v1/dues/declarations/", {"member": dues_people["m_plain"].pk, "year": year,
                                                     "category": "retired", "base": "6000"}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    assert Declaration.objects.get().monthly_amount == D("50.00")
    outsider = testing.api_client(dues_people["sibling"]).post(
        "/api/v1/dues/declarations/", {"member": dues_people["m_plain"].pk, "year": year, "category": "student"},
        format="json")
    assert outsider.status_code == 400 and "member" in outsider.json()

    run = client.post("/api/v1/dues/assessment-runs/", {"organization": world.branch_a.pk,
                                                        "month": _month().strftime("%Y-%m")}, format="json")
    assert run.status_code == 201, run.json()
    future = client.post("/api/v1/dues/assessment-runs/", {"organization": world.branch_a.pk, "month": "2999-01"},
                         format="json")
    assert future.status_code == 400 and "month" in future.json()

    testing.make_assessment(dues_people["m_plain"], _month(), D("50.00"), organization=world.branch_a)
    report = testing.api_client(dues_people["city_a"]).get(
        f"/api/v1/dues/reports/{world.county_a.pk}/?month={_month():%Y-%m}")
    assert report.status_code == 200
    data = report.json()
    assert data["total"]["due"] == "50.00" and data["total"]["collection_rate"] == "0.0"
    assert {line["code"] for line in data["lines"]} == {world.branch_a.code, world.branch_a2.code}
    assert testing.api_client(dues_people["city_a"]).get(
        f"/api/v1/dues/reports/{world.county_a.pk}/?month=x").status_code == 400
    listing = client.get(f"/api/v1/dues/assessments/?organization={world.branch_a.pk}&unpaid=1")
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert client.get("/api/v1/dues/assessments/?month=bad").status_code == 400


def test_schema_lists_the_dues_api(dues_people):
    response = testing.api_client(dues_people["plain"]).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/dues/payments/" in paths and "/api/v1/dues/reports/{id}/" in paths


@pytest.mark.parametrize("base", ["-0", "-0.00", "-0.0"])
def test_a_base_of_minus_zero_is_stored_as_zero_by_the_api_and_the_form(client, dues_people, base):
    """Decimal keeps the sign of zero, and the database stored "-0.00" (issue 12, finding 8)."""
    year = timezone.localdate().year
    response = testing.api_client(dues_people["secretary"]).post(
        "/api/v1/dues/declarations/",
        {"member": dues_people["m_plain"].pk, "year": year, "category": "student", "base": base}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["base"] == "0.00"
    client.force_login(dues_people["secretary"])
    page = client.post(f"/dues/members/{dues_people['m_wang'].pk}/declare/",
                       {"year": year, "category": "student", "base": base})
    assert page.status_code == 302, page.content.decode()[:500]
    assert [str(d.base) for d in Declaration.objects.order_by("pk")] == ["0.00", "0.00"]

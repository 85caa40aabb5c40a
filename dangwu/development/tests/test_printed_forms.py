"""Printed recruitment forms for the people who use them: the full ID number for a caller who may
see it (audited, one entry per print), the masked one otherwise; and the deciding body (决定机关)
offered by the real names of the branch and of its superior committee, not the generic words."""

import pytest
from django.test import Client
from django.urls import reverse

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.development import rules
from dangwu.development.tests.conftest import advance, new_applicant
from dangwu.development.tests.test_paperwork import text_of

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("code, body", [
    ("application", "芙蓉区第一党支部"),
    ("activist_selected", "芙蓉区第一党支部委员会"),
    ("branch_admission_vote", "芙蓉区第一党支部党员大会"),
    ("superior_prereview", "中共芙蓉区委"),
    ("target_training", "中共芙蓉区委"),
    ("approval_filed", "中共芙蓉区委组织部"),
])
def test_the_deciding_body_by_its_real_name(code, body):
    assert rules.deciding_body(code, branch="芙蓉区第一党支部", superior="中共芙蓉区委") == body


def test_without_names_the_usual_kind_of_body():
    assert rules.deciding_body("superior_prereview", branch="", superior="") == "上级党委"
    assert rules.deciding_body("application", branch="", superior="") == "党支部"


def test_the_step_form_offers_the_real_names(people, world):
    candidate = new_applicant(people["secretary"], world.branch_a)
    page = client_of(people["secretary"]).get(reverse("development:step", args=[candidate.pk, "first_talk"]))
    assert 'value="芙蓉区第一党支部"' in page.content.decode()
    page = client_of(people["city_a"]).get(reverse("development:step", args=[candidate.pk, "superior_prereview"]))
    html = page.content.decode()
    assert 'value="中共芙蓉区委"' in html and 'value="上级党委"' not in html


@pytest.fixture
def filed(people, world):
    candidate = new_applicant(people["secretary"], world.branch_a)
    return advance(candidate, "activist_filed", branch=people["secretary"], superior=people["city_a"])


def _reveals():
    return list(AuditEntry.objects.filter(action="development.view_id_number").order_by("id"))


def test_the_printed_form_carries_the_full_number_for_a_caller_who_may_see_it(filed, people):
    url = reverse("development:paperwork", args=[filed.pk, "activist_filing"])
    text = text_of(client_of(people["secretary"]).get(url).content)  # a branch secretary: full numbers
    assert filed.id_number in text and filed.id_number_masked not in text
    assert [(e.actor_id, e.summary) for e in _reveals()] == [
        (people["secretary"].pk, {"field": "id_number", "document": "入党积极分子备案表"})]
    client_of(people["secretary"]).get(url)
    assert len(_reveals()) == 2  # one entry per print


def test_the_printed_form_is_masked_and_unaudited_for_others(filed, people, world):
    committee = testing.make_user("committee_a", ("branch_committee", world.branch_a))  # no full numbers
    url = reverse("development:paperwork", args=[filed.pk, "activist_filing"])
    text = text_of(client_of(committee).get(url).content)
    assert filed.id_number_masked in text and filed.id_number not in text
    assert _reveals() == []

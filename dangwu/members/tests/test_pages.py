"""Member pages through the test client: search, profile, create, edit, standing, reveal; bad input."""

from datetime import date

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.members.models import Member


def _form_data(**overrides):
    data = {
        "name": "刘备", "gender": "male", "ethnicity": "汉族",
        "id_number": testing.make_id_number(date(1980, 5, 20), male=True, serial=77),
        "birth_date": "1980-05-20", "member_type": "full", "joined_on": "2005-07-01", "converted_on": "2006-07-01",
        "phone": "13912345678", "education": "undergraduate", "occupation": "employed",
    }
    data.update(overrides)
    return data


@pytest.fixture
def secretary_client(client, people):
    client.force_login(people["secretary"])
    return client


def test_search_by_initials_pinyin_name_and_id(secretary_client, people):
    for query in ("zs", "zhangs", "张三", "ZS"):
        html = secretary_client.get("/members/", {"q": query}).content.decode()
        assert "张三" in html, query
        assert "赵六" not in html  # another city, out of scope
    number = people["m_plain"].id_number
    html = secretary_client.get("/members/", {"q": number}, HTTP_HX_REQUEST="true").content.decode()
    assert "张三" in html and "李书记" not in html
    assert number not in html  # the results show it masked
    html = secretary_client.get("/members/", {"q": "zl"}).content.decode()
    assert "没有找到符合条件的党员" in html


def test_search_filters_by_type_and_standing(secretary_client, people, world):
    testing.make_member(world.branch_a, name="张预备", member_type="probationary", joined_on=date(2026, 1, 10))
    html = secretary_client.get("/members/", {"q": "z", "member_type": "probationary"}).content.decode()
    assert "张预备" in html and ">张三<" not in html


def test_search_answers_htmx_with_the_results_fragment(secretary_client):
    response = secretary_client.get("/members/", {"q": "zs"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "member-results" in html


def test_profile_shows_masked_numbers_and_timeline(secretary_client, people):
    member = people["m_plain"]
    html = secretary_client.get(f"/members/{member.pk}/").content.decode()
    assert member.id_number_masked in html and member.id_number not in html
    assert "档案变更记录" in html and "建立档案" in html


def test_create_member_with_bad_id_shows_field_error_and_saves_nothing(secretary_client, world):
    before = (Member.objects.count(), AuditEntry.objects.count())
    bad = _form_data(id_number="430102198005201234")
    response = secretary_client.post(f"/members/new/in/{world.branch_a.pk}/", bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="id_number"' in html and "校验位" in html
    assert (Member.objects.count(), AuditEntry.objects.count()) == before


def test_create_member_with_disagreeing_birth_date_and_gender(secretary_client, world):
    response = secretary_client.post(
        f"/members/new/in/{world.branch_a.pk}/", _form_data(birth_date="1981-05-20", gender="female"))
    html = response.content.decode()
    assert 'data-field-error="birth_date"' in html and 'data-field-error="gender"' in html
    assert not Member.objects.filter(name="刘备").exists()


def test_create_member_saves_and_audits(secretary_client, world):
    response = secretary_client.post(f"/members/new/in/{world.branch_a.pk}/", _form_data())
    member = Member.objects.get(name="刘备")
    assert response.status_code == 302 and response["Location"] == f"/members/{member.pk}/"
    assert member.organization_id == world.branch_a.pk and member.name_initials == "lb"
    entry = AuditEntry.objects.get(action="member.create")
    assert entry.target_id == str(member.pk) and entry.organization_id_value == world.branch_a.pk


def test_edit_with_invalid_then_valid_id_is_saved_and_on_timeline(secretary_client, people):
    member = people["m_plain"]
    url = f"/members/{member.pk}/edit/"
    form = _form_data(name=member.name, birth_date=member.birth_date.isoformat(), id_number="4301021985061500")
    response = secretary_client.post(url, form)
    assert 'data-field-error="id_number"' in response.content.decode()
    # another region than the fixtures' members (430102): no serial of theirs can give the same number
    new_number = testing.make_id_number(member.birth_date, male=True, serial=321, region="430103")
    response = secretary_client.post(url, {**form, "id_number": new_number, "work_unit": "长沙市芙蓉区人民政府"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.id_number == new_number and member.work_unit == "长沙市芙蓉区人民政府"
    html = secretary_client.get(f"/members/{member.pk}/").content.decode()
    assert "长沙市芙蓉区人民政府" in html and "工作单位" in html
    assert new_number not in html


def test_edit_left_blank_id_keeps_the_stored_number(secretary_client, people):
    member = people["m_plain"]
    old = member.id_number
    form = _form_data(name=member.name, birth_date=member.birth_date.isoformat(), id_number="", phone="",
                      party_post="组织委员")
    assert secretary_client.post(f"/members/{member.pk}/edit/", form).status_code == 302
    member.refresh_from_db()
    assert member.id_number == old and member.party_post == "组织委员"


def test_standing_change_with_reason_and_date(secretary_client, people):
    member = people["m_plain"]
    url = f"/members/{member.pk}/standing/"
    response = secretary_client.post(url, {"new_standing": "suspended", "effective_on": "2026-03-01", "reason": ""})
    assert 'data-field-error="reason"' in response.content.decode()
    response = secretary_client.post(url, {"new_standing": "suspended", "effective_on": "2099-01-01", "reason": "x"})
    assert 'data-field-error="effective_on"' in response.content.decode()
    response = secretary_client.post(url, {"new_standing": "normal", "effective_on": "2026-03-01", "reason": "x"})
    assert 'data-field-error="new_standing"' in response.content.decode()
    member.refresh_from_db()
    assert member.standing == "normal"
    response = secretary_client.post(url, {"new_standing": "suspended", "effective_on": "2026-03-01",
                                           "reason": "失去联系超过6个月"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.standing == "suspended" and member.standing_since == date(2026, 3, 1)
    html = secretary_client.get(f"/members/{member.pk}/").content.decode()
    assert "失去联系超过6个月" in html and "停止党籍" in html


def test_reveal_is_audited(secretary_client, people):
    member = people["m_plain"]
    response = secretary_client.post(f"/members/{member.pk}/reveal/id_number/")
    assert member.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="member.view_id_number", target_id=str(member.pk)).count() == 1
    assert secretary_client.post(f"/members/{member.pk}/reveal/password/").status_code == 403


def test_a_member_reveals_their_own_id_number_on_their_record_and_not_anothers(client, people):
    """The member's own record offers 显示完整身份证号; the reading is audited once a click; another
    member's number is not theirs to read (404, nothing revealed)."""
    me, other = people["m_plain"], people["m_sec"]
    client.force_login(people["plain"])
    html = client.get(f"/members/{me.pk}/").content.decode()
    assert "显示完整身份证号" in html and me.id_number not in html
    response = client.post(f"/members/{me.pk}/reveal/id_number/")
    assert response.status_code == 200 and me.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="member.view_id_number", actor=people["plain"]).count() == 1
    response = client.post(f"/members/{other.pk}/reveal/id_number/")
    assert response.status_code == 404 and other.id_number not in response.content.decode()
    assert AuditEntry.objects.filter(action="member.view_id_number", actor=people["plain"]).count() == 1
    # the home page's card offers the same reading of one's own number
    assert f"/members/{me.pk}/reveal/id_number/" in client.get("/").content.decode()


def test_out_of_scope_profile_is_not_found_and_audited(client, people):
    client.force_login(people["sibling"])
    response = client.get(f"/members/{people['m_plain'].pk}/")
    assert response.status_code == 404 and "不在您的权限范围内" in response.content.decode()
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(
    st.sampled_from(["name", "gender", "id_number", "birth_date", "joined_on", "converted_on", "phone",
                     "member_type", "dues_standard", "education", "ethnicity", "lost_contact_since"]),
    st.one_of(st.text(max_size=300), st.sampled_from(["", "2020-02-30", "-1", "9" * 40, "\x00", "１２３"])),
))
def test_no_input_makes_the_create_form_fail(secretary_client, world, fields):
    before = Member.objects.count()
    response = secretary_client.post(f"/members/new/in/{world.branch_a.pk}/", _form_data(**fields))
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Member.objects.count() == before
    else:
        Member.objects.filter(name=_form_data(**fields)["name"]).delete()


@pytest.mark.parametrize("url", ["/members/?q=%00", "/orgs/?q=a%00b", "/api/v1/members/?q=%00"])
def test_nul_in_a_query_is_a_clear_400(secretary_client, url):
    response = secretary_client.get(url)
    assert response.status_code == 400
    assert "非法字符" in response.content.decode()


# --- search: ID numbers stay out of URLs; bad input is shown ---------------------------------

def test_search_form_posts_without_pushing_the_query_into_the_url(secretary_client):
    html = secretary_client.get("/members/").content.decode()
    form = html[html.index("<form class=\"card mb-3\""):]
    form = form[:form.index(">") + 1]
    assert 'method="post"' in form and "hx-post=" in form
    assert "hx-get" not in form and "hx-push-url" not in form
    assert 'name="csrfmiddlewaretoken"' in html


def test_search_by_id_number_with_a_post(client, people):
    client.force_login(people["secretary"])
    client.handler.enforce_csrf_checks = True
    page = client.get("/members/")
    token = page.cookies["csrftoken"].value
    number = people["m_plain"].id_number
    response = client.post("/members/", {"q": number, "csrfmiddlewaretoken": token}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三" in html and "李书记" not in html and number not in html
    full = client.post("/members/", {"q": number.lower(), "csrfmiddlewaretoken": token}).content.decode()
    assert "member-results" in full and ">张三<" in full


def test_search_post_needs_the_capability(client, people):
    client.force_login(people["plain"])
    assert client.post("/members/", {"q": "zs"}).status_code == 403


def test_search_refuses_other_methods(secretary_client):
    assert secretary_client.put("/members/").status_code == 405


def _many_members(org, count=21, prefix="张"):
    for n in range(count):
        testing.make_member(org, name=f"{prefix}{'一二三四五六七八九十'[n % 10]}{n}", birth=date(1980 + n % 20, 1, 2))


def test_page_links_carry_the_search_but_never_an_id_number(secretary_client, people, world):
    from dangwu.members.views import _pager_query

    _many_members(world.branch_a)
    html = secretary_client.post("/members/", {"q": "张", "member_type": "full"}).content.decode()
    assert "?q=%E5%BC%A0&amp;member_type=full&amp;page=2" in html
    page2 = secretary_client.get("/members/", {"q": "张", "member_type": "full", "page": "2"}).content.decode()
    assert "page=1" in page2 and "member-results" in page2
    number = people["m_plain"].id_number
    assert _pager_query({"q": number, "member_type": "full", "standing": ""}) == "member_type=full"
    spaced = " ".join([number[:6], number[6:14], number[14:]]).lower()
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    for typed in (spaced, full_width):
        assert _pager_query({"q": typed, "org": 5}) == "org=5"
    assert _pager_query({"q": "a&b=c", "standing": "normal"}) == "q=a%26b%3Dc&standing=normal"


def test_pager_without_a_pager_query_encodes_the_request_query(secretary_client, world):
    _many_members(world.branch_a)
    html = secretary_client.get(f"/orgs/{world.branch_a.pk}/", {"k&ey": "v/1", "page": "1"}).content.decode()
    assert "?k%26ey=v%2F1&amp;page=2" in html
    assert "page=1&" not in html


@pytest.mark.parametrize("params, field", [
    ({"q": "x" * 51}, "q"),
    ({"member_type": "zzz"}, "member_type"),
    ({"standing": "zzz"}, "standing"),
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_search_shows_the_errors_of_an_invalid_form(secretary_client, params, field, method):
    response = getattr(secretary_client, method)("/members/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-field-error="{field}"' in html
    assert "输入姓名、全拼" not in html  # not the empty search's hint, as if nothing were wrong
    fragment = getattr(secretary_client, method)("/members/", params, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-field-error="{field}"' in fragment


# --- the profile in English -------------------------------------------------------------------

def test_profile_dates_follow_the_language(client, people):
    member = people["m_plain"]
    Member.objects.filter(pk=member.pk).update(dues_paid_until=date(2026, 3, 1), standing="suspended",
                                               standing_since=date(2024, 5, 6), lost_contact=True,
                                               lost_contact_since=date(2024, 1, 2))
    client.force_login(people["secretary"])
    zh = client.get(f"/members/{member.pk}/").content.decode()
    assert "2026年3月" in zh
    assert "（2024-05-06）" not in zh and "（2024-01-02）" not in zh
    assert "2024-05-06" in zh and "2024-01-02" in zh
    with translation.override(django_settings.LANGUAGE_CODE):  # the request's language stays with the request
        en = client.get(f"/members/{member.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "March 2026" in en and "2026年3月" not in en
    assert "（2024-05-06）" not in en and "（2024-01-02）" not in en


def test_the_record_links_to_the_members_dues_and_development_record(client, secretary_client, people, world):
    from dangwu.development.models import Candidate

    member = people["m_plain"]
    html = secretary_client.get(f"/members/{member.pk}/").content.decode()
    assert f'href="/dues/members/{member.pk}/"' in html and 'id="member-development"' not in html
    candidate = Candidate.objects.create(organization=world.branch_a, name=member.name, gender="male",
                                         birth_date=member.birth_date, member=member)
    html = secretary_client.get(f"/members/{member.pk}/").content.decode()
    assert f'href="/development/{candidate.pk}/"' in html
    client.force_login(people["plain"])  # the member's own record: their own dues, not the cadres' pipeline
    html = client.get(f"/members/{member.pk}/").content.decode()
    assert f'href="/dues/members/{member.pk}/"' in html and f'href="/development/{candidate.pk}/"' not in html

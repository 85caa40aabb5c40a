"""Unit tests of the pure member rules: ID numbers, masking, phones, pinyin, dates, standing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric

from dangwu.members import rules
from dangwu.testing import make_id_number

TODAY = date(2026, 5, 1)


def with_check_digit(body17: str) -> str:
    """Append the correct check digit to 17 digits (stdnum wants a placeholder in 18th place)."""
    return body17 + ric.calc_check_digit(body17 + "0")


def wrong_check_digits(number: str) -> list[str]:
    return [c for c in "0123456789X" if c != number[-1]]


def error_of(value: str, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        rules.parse_id_number(value, **kwargs)
    return info.value


# --- parse_id_number ---------------------------------------------------------------

def test_valid_number_gives_birth_date_gender_and_region():
    number = with_check_digit("43010219850615001")  # 17th digit odd: male
    parsed = rules.parse_id_number(number)
    assert parsed.birth_date == date(1985, 6, 15)
    assert parsed.gender == "male"
    assert parsed.region_code == "430102"
    assert parsed.number == number


def test_even_sequence_digit_is_female():
    parsed = rules.parse_id_number(with_check_digit("43010219900303002"))
    assert parsed.gender == "female"
    assert parsed.birth_date == date(1990, 3, 3)


def test_spaces_around_and_inside_are_tolerated():
    number = with_check_digit("43010219850615001")
    parsed = rules.parse_id_number(f"  {number[:6]} {number[6:14]} {number[14:]} ")
    assert parsed.number == number


@pytest.mark.parametrize("value", ["4301021985061500", "43010219850615001234", "4301"])
def test_wrong_length_is_rejected_with_the_length_in_the_message(value):
    err = error_of(value)
    assert err.code == "length"
    assert "18" in err.messages[0]
    assert str(len(value)) in err.messages[0]


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_is_required(value):
    assert error_of(value).code == "required"


@pytest.mark.parametrize("value", ["43010219850615abcd", "4301021985061500XX", "43010219850615-012", "X30102198506150012"])
def test_non_digits_are_rejected(value):
    err = error_of(value)
    assert err.code == "format"
    assert "数字" in err.messages[0]


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_digits_are_read_as_ascii():
    """A Chinese IME types ４３０１…: the parsed (and stored) number must be the ASCII one."""
    number = make_id_number(date(1985, 6, 15), serial=3)
    for typed in (number.translate(FULL_WIDTH), number[:6] + number[6:17].translate(FULL_WIDTH) + number[17],
                  "\u3000" + number.translate(FULL_WIDTH).lower() + "\u3000"):
        parsed = rules.parse_id_number(typed)
        assert parsed.number == number
        assert parsed.number.isascii()


def test_other_scripts_digits_are_rejected():
    number = make_id_number(date(1985, 6, 15), serial=3)
    arabic_indic = number[:6] + number[6:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + number[17]
    assert error_of(arabic_indic).code == "format"


def test_bad_check_digit_is_rejected():
    number = with_check_digit("43010219850615001")
    for wrong in wrong_check_digits(number):
        err = error_of(number[:-1] + wrong)
        assert err.code == "checksum"
        assert "校验位" in err.messages[0]


@pytest.mark.parametrize("birth", ["19990230", "19990631", "19991301", "19990001", "19990100", "19000229"])
def test_impossible_birth_date_is_rejected(birth):
    err = error_of(with_check_digit(f"430102{birth}001"))
    assert err.code == "birth_date"
    assert "出生日期" in err.messages[0]


def test_leap_day_birth_is_valid():
    assert rules.parse_id_number(with_check_digit("43010220000229001")).birth_date == date(2000, 2, 29)


def test_future_birth_date_is_rejected():
    err = error_of(with_check_digit("43010220260502001"), today=TODAY)
    assert err.code == "future"
    assert "晚于今天" in err.messages[0]
    # the day itself is fine
    assert rules.parse_id_number(with_check_digit("43010220260501001"), today=TODAY).birth_date == TODAY


def test_future_birth_date_against_the_real_today():
    tomorrow = timezone.localdate() + timedelta(days=1)  # "today" is Asia/Shanghai's
    with pytest.raises(ValidationError):
        rules.parse_id_number(make_id_number(tomorrow, serial=1))


def test_birth_before_1900_is_rejected():
    assert error_of(with_check_digit("43010218991231001")).code == "birth_date"


@pytest.mark.parametrize("region", ["999999", "000000", "430199", "990102"])
def test_unknown_region_code_is_rejected(region):
    err = error_of(make_id_number(date(1980, 1, 1), region=region, serial=3))
    assert err.code == "region"
    assert "行政区划" in err.messages[0]


def test_old_member_with_a_region_code_newer_than_the_birth_year_is_valid():
    # 430181 浏阳市 was created in 1993; a member born in 1950 got their number later.
    number = make_id_number(date(1950, 4, 12), region="430181", serial=10)
    parsed = rules.parse_id_number(number)
    assert parsed.birth_date == date(1950, 4, 12)
    assert parsed.region_code == "430181"


def _number_with_x_check_digit() -> str:
    for serial in range(500):
        number = make_id_number(date(1975, 11, 2), serial=serial)
        if number.endswith("X"):
            return number
    raise AssertionError("no serial gives check digit X")


def test_lowercase_x_check_digit_is_accepted():
    number = _number_with_x_check_digit()
    parsed = rules.parse_id_number(number[:-1] + "x")
    assert parsed.number == number  # normalized to upper case
    assert parsed.birth_date == date(1975, 11, 2)


def test_x_on_a_number_whose_check_digit_is_a_digit_is_rejected():
    number = make_id_number(date(1975, 11, 2), serial=0)
    if number.endswith("X"):
        number = make_id_number(date(1975, 11, 2), serial=1)
    assert error_of(number[:-1] + "x").code == "checksum"


births = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))  # any time zone


@given(birth=births, male=st.booleans(), serial=st.integers(min_value=0, max_value=499),
       region=st.sampled_from(["430102", "430181", "110101", "440305", "650102"]))
def test_property_make_then_parse_round_trips(birth, male, serial, region):
    parsed = rules.parse_id_number(make_id_number(birth, male=male, region=region, serial=serial))
    assert parsed.birth_date == birth
    assert parsed.gender == ("male" if male else "female")
    assert parsed.region_code == region


@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17), data=st.data())
def test_property_any_wrong_check_digit_is_rejected(body, data):
    right = ric.calc_check_digit(body + "0")
    wrong = data.draw(st.sampled_from([c for c in "0123456789Xx" if c.upper() != right]))
    with pytest.raises(ValidationError):
        rules.parse_id_number(body + wrong)


@given(birth=births, male=st.booleans(), serial=st.integers(min_value=0, max_value=499), data=st.data())
def test_property_valid_number_with_altered_check_digit_fails_on_checksum(birth, male, serial, data):
    number = make_id_number(birth, male=male, serial=serial)
    wrong = data.draw(st.sampled_from(wrong_check_digits(number)))
    with pytest.raises(ValidationError) as info:
        rules.parse_id_number(number[:-1] + wrong)
    assert info.value.code == "checksum"


# --- masking and phones -------------------------------------------------------------

def test_mask_id_number_shows_first_four_and_last_four():
    assert rules.mask_id_number("430102198506151234") == "4301**********1234"
    assert rules.mask_id_number("43010219750615123X") == "4301**********123X"
    assert len(rules.mask_id_number("430102198506151234")) == 18


@pytest.mark.parametrize("value, masked", [("", ""), ("12345678", "********"), ("123", "***")])
def test_mask_id_number_short_values_are_fully_hidden(value, masked):
    assert rules.mask_id_number(value) == masked


@pytest.mark.parametrize("value, masked", [
    ("13800138000", "138****8000"),
    ("", ""),
    ("123456", "******"),
    ("0731-84567890", "073******7890"),
])
def test_mask_phone(value, masked):
    assert rules.mask_phone(value) == masked


def test_mask_phone_never_shows_the_middle_of_a_mobile():
    assert "0013" not in rules.mask_phone("13800138000")


@pytest.mark.parametrize("value, normalized", [
    ("13800138000", "13800138000"),
    (" 138 0013 8000 ", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("+86 199 1234 5678", "19912345678"),
    ("0731-84567890", "0731-84567890"),
    ("073184567890", "073184567890"),
    ("(0731)84567890", "073184567890"),
    ("010-12345678", "010-12345678"),
    ("１３８００１３８０００", "13800138000"),
    ("＋８６ 138 0013 8000", "13800138000"),
    ("（０７３１）８４５６７８９０", "073184567890"),
])
def test_normalize_phone_accepts_mobiles_and_landlines(value, normalized):
    assert rules.normalize_phone(value) == normalized


@pytest.mark.parametrize("value", [
    "", "12345", "12800138000", "1380013800", "138001380001", "1380013800a", "abcdefghijk",
    "+1 415 555 0100", "731-84567890", "0731-8456", "13800138000 ext 1", "١٣٨٠٠١٣٨٠٠٠",
])
def test_normalize_phone_rejects_malformed(value):
    with pytest.raises(ValidationError) as info:
        rules.normalize_phone(value)
    assert info.value.code == "phone"
    assert "联系电话" in info.value.messages[0]


# --- pinyin --------------------------------------------------------------------------

def test_pinyin_keys_of_a_common_name():
    assert rules.pinyin_keys("张三") == ("zhangsan", "zs")
    assert rules.pinyin_keys("欧阳修") == ("ouyangxiu", "oyx")


def test_pinyin_keys_follow_pypinyin_for_polyphonic_surnames():
    # 单 as a surname is read shàn, but pypinyin reads it dān: the keys are what pypinyin gives.
    full, initials = rules.pinyin_keys("单田芳")
    assert full == "".join(lazy_pinyin("单田芳"))
    assert initials == "".join(lazy_pinyin("单田芳", style=Style.FIRST_LETTER))
    assert (full, initials) == ("dantianfang", "dtf")


def test_pinyin_keys_ignore_punctuation_and_are_lower_case():
    assert rules.pinyin_keys("买买提·艾力") == ("maimaitiaili", "mmtal")
    assert rules.pinyin_keys("") == ("", "")


# --- dates ---------------------------------------------------------------------------

def dates(**overrides):
    args = dict(birth_date=date(1985, 6, 15), applied_on=date(2008, 3, 1), joined_on=date(2010, 7, 1),
                converted_on=date(2011, 7, 1), member_type="full", today=TODAY)
    args.update(overrides)
    return rules.dates_errors(**args)


def test_consistent_dates_have_no_errors():
    assert dates() == {}
    assert dates(member_type="probationary", converted_on=None) == {}
    assert dates(birth_date=None, applied_on=None, converted_on=None) == {}


def test_joined_before_eighteen():
    errors = dates(joined_on=date(2003, 6, 14), applied_on=None, converted_on=None)
    assert set(errors) == {"joined_on"}
    assert "18" in errors["joined_on"]


def test_joined_on_the_eighteenth_birthday_is_fine():
    assert dates(joined_on=date(2003, 6, 15), applied_on=None, converted_on=None) == {}


def test_converted_before_joined():
    errors = dates(converted_on=date(2010, 6, 30))
    assert set(errors) == {"converted_on"}
    assert dates(converted_on=date(2010, 7, 1)) == {}


def test_applied_after_joined():
    assert set(dates(applied_on=date(2010, 7, 2))) == {"applied_on"}


def test_probationary_member_with_a_conversion_date():
    assert set(dates(member_type="probationary")) == {"converted_on"}


@pytest.mark.parametrize("field", ["applied_on", "joined_on", "converted_on"])
def test_future_dates(field):
    errors = dates(**{field: TODAY + timedelta(days=1)})
    assert field in errors
    assert errors[field] == "日期不能晚于今天"


def test_today_is_not_in_the_future():
    assert dates(birth_date=date(1990, 1, 1), applied_on=None, joined_on=TODAY, converted_on=TODAY) == {}


# --- ID number agrees with the record --------------------------------------------------

def test_id_agreement():
    parsed = rules.parse_id_number(make_id_number(date(1985, 6, 15), male=True, serial=4))
    assert rules.id_agreement_errors(parsed, birth_date=date(1985, 6, 15), gender="male") == {}
    assert rules.id_agreement_errors(parsed, birth_date=None, gender=None) == {}

    errors = rules.id_agreement_errors(parsed, birth_date=date(1985, 6, 16), gender="female")
    assert set(errors) == {"birth_date", "gender"}
    assert "1985-06-15" in errors["birth_date"]
    assert "男" in errors["gender"]


# --- standing changes ------------------------------------------------------------------

@pytest.mark.parametrize("current, new", [
    ("normal", "suspended"), ("normal", "expelled"), ("normal", "deceased"), ("normal", "withdrawn"),
    ("suspended", "normal"), ("suspended", "expelled"), ("suspended", "removed"),
])
def test_allowed_standing_changes(current, new):
    assert rules.standing_change_error(current, new) is None


@pytest.mark.parametrize("current, new", [
    ("expelled", "normal"), ("expelled", "suspended"), ("removed", "normal"), ("deceased", "normal"),
    ("withdrawn", "normal"), ("self_departed", "normal"), ("suspended", "withdrawn"), ("unknown", "normal"),
])
def test_refused_standing_changes(current, new):
    assert rules.standing_change_error(current, new) == "当前党籍状态不能变更为所选状态"


def test_only_a_probationary_member_can_be_disqualified():
    assert rules.standing_change_error("normal", "disqualified", member_type="probationary") is None
    assert rules.standing_change_error("normal", "disqualified", member_type="full") == "只有预备党员才能取消预备党员资格"
    assert rules.standing_change_error("disqualified", "normal", member_type="probationary") is not None


def test_same_standing_is_refused():
    assert rules.standing_change_error("normal", "normal") == "新的党籍状态与当前状态相同"


@pytest.mark.parametrize(("text", "expected"), [
    ("zhang", True), ("zhangw", True), ("zh", True), ("li", True), ("a", True), ("lv", True), ("wangjun", True),
    ("ouy", True), ("ng", True),
    ("zw", False), ("lhx", False), ("xy", False), ("wj", False), ("zwh", False), ("bcd", False),
])
def test_could_be_pinyin_tells_pinyin_starts_from_initials_only(text, expected):
    assert rules.could_be_pinyin(text) is expected


@given(st.lists(st.sampled_from("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"),
                min_size=1, max_size=4).map("".join), st.integers(min_value=1, max_value=30))
def test_every_start_of_a_real_pinyin_could_be_pinyin(name, cut):
    full, _initials = rules.pinyin_keys(name)
    assert rules.could_be_pinyin(full[:cut])


# --- record_errors: one rule behind the form, the API and the roster import ------------------

BIRTH = date(1980, 5, 20)
RECORD = {"name": "刘备", "gender": "male", "ethnicity": "汉族", "birth_date": BIRTH, "member_type": "full",
          "joined_on": date(2005, 7, 1), "converted_on": date(2006, 7, 1), "id_number": make_id_number(BIRTH),
          "phone": "13912345678", "is_outflow": False, "lost_contact": False, "dues_standard": None}
UNKNOWN = "不是56个民族之一（如：汉族、土家族、苗族）"
AMOUNT = "金额应为0至1亿元之间的数"


def test_a_consistent_record_has_no_errors():
    assert rules.record_errors(RECORD, today=TODAY) == {}
    assert rules.record_errors({}, today=TODAY) == {}  # nothing given, nothing checked


@pytest.mark.parametrize("changes,field,message", [
    ({"name": "  "}, "name", "请填写姓名"),
    ({"member_type": ""}, "member_type", "请填写党员类型"),
    ({"joined_on": None}, "joined_on", "请填写入党日期"),
    ({"ethnicity": ""}, "ethnicity", "请填写民族"),
    ({"ethnicity": "0"}, "ethnicity", UNKNOWN),
    ({"ethnicity": "\u200b"}, "ethnicity", UNKNOWN),  # a zero-width space: looks empty, is not
    ({"ethnicity": "汉\u200b族"}, "ethnicity", UNKNOWN),
    ({"ethnicity": "\u2060汉族"}, "ethnicity", UNKNOWN),  # a word joiner before it
    ({"ethnicity": "火星族"}, "ethnicity", UNKNOWN),
    ({"id_number": ""}, "id_number", "请填写公民身份号码"),
    ({"id_number": RECORD["id_number"][:-1] + wrong_check_digits(RECORD["id_number"])[0]}, "id_number", "校验位"),
    ({"gender": "female"}, "gender", "性别与公民身份号码不一致"),
    ({"birth_date": date(1980, 5, 21)}, "birth_date", "出生日期与公民身份号码不一致"),
    ({"phone": "12345"}, "phone", "联系电话格式不正确"),
    ({"joined_on": date(1997, 7, 1), "converted_on": None}, "joined_on", "入党时未满18周岁"),
    ({"converted_on": date(2004, 1, 1)}, "converted_on", "转正日期不能早于入党日期"),
    ({"is_outflow": True}, "outflow_destination", "流出党员应填写流出去向"),
    ({"lost_contact": True}, "lost_contact_since", "失联党员应填写失联日期"),
    ({"dues_standard": Decimal("-1")}, "dues_standard", AMOUNT),
    ({"dues_standard": Decimal("100000000")}, "dues_standard", AMOUNT),
])
def test_record_errors_names_the_field(changes, field, message):
    errors = rules.record_errors({**RECORD, **changes}, today=TODAY)
    assert list(errors) == [field]
    assert message in errors[field][0]


@pytest.mark.parametrize("typed,name", [("汉族", "汉族"), ("汉", "汉族"), ("土家", "土家族"), (" 苗族 ", "苗族"),
                                        ("汉　族", "汉族"), ("其他", "其他"), ("外国血统中国籍人士", "外国血统中国籍人士")])
def test_ethnicity_names_are_read_as_the_import_reads_them(typed, name):
    assert rules.ethnicity_name(typed) == name
    assert "ethnicity" not in rules.record_errors({**RECORD, "ethnicity": typed}, today=TODAY)


def test_an_id_number_parsed_already_is_not_parsed_again():
    parsed = rules.parse_id_number(RECORD["id_number"], today=TODAY)
    assert rules.record_errors({**RECORD, "id_number": parsed}, today=TODAY) == {}
    assert "gender" in rules.record_errors({**RECORD, "id_number": parsed, "gender": "female"}, today=TODAY)


# The cases where the three doors used to answer differently: the import refused them, the form
# and the API stored them. Now each door asks `record_errors` and refuses them with its message.
DISAGREED = [
    ("ethnicity", "民族", "0", UNKNOWN),
    ("ethnicity", "民族", "\u200b", UNKNOWN),
    ("ethnicity", "民族", "汉\u200b族", UNKNOWN),
    ("ethnicity", "民族", "\ufeff汉族", UNKNOWN),
    ("dues_standard", "党费标准（元/月）", "-1", AMOUNT),
]


def _form_data(**overrides):
    data = {"name": "刘备", "gender": "male", "ethnicity": "汉族", "birth_date": BIRTH.isoformat(),
            "member_type": "full", "joined_on": "2005-07-01", "converted_on": "2006-07-01",
            "id_number": make_id_number(BIRTH), "phone": "13912345678"}
    data.update(overrides)
    return data


def _import_one(tmp_path, org, **columns):
    from dangwu.members import roster, roster_import

    from .rosters import person, write_xlsx

    row = {**person(4242), "民族": "汉族", **columns}
    parsed = roster.read_roster(write_xlsx(tmp_path / "r.xlsx", [row]))
    return roster_import.import_roster(actor=None, roster=parsed, organization=org)


@pytest.mark.parametrize("field,header,value,message", DISAGREED)
def test_the_form_refuses_what_the_import_refuses(db, field, header, value, message):
    from dangwu.members.forms import MemberForm

    form = MemberForm(_form_data(**{field: value}))
    assert not form.is_valid()
    assert form.errors[field] == [message]


@pytest.mark.parametrize("field,header,value,message", DISAGREED)
def test_the_api_refuses_what_the_import_refuses(people, world, field, header, value, message):
    from dangwu.members.models import Member
    from dangwu.testing import api_client

    before = Member.objects.count()
    data = {**_form_data(**{field: value}), "organization": world.branch_a.pk}
    response = api_client(people["province"]).post("/api/v1/members/", data, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field] == [message]
    assert Member.objects.count() == before
    # and an edit of a stored record (PATCH) too
    member = people["m_plain"]
    response = api_client(people["province"]).patch(f"/api/v1/members/{member.pk}/", {field: value}, format="json")
    assert response.status_code == 400 and response.json()[field] == [message]


@pytest.mark.parametrize("field,header,value,message", DISAGREED)
def test_the_import_refuses_them(world, tmp_path, field, header, value, message):
    from dangwu.members.models import Member

    result = _import_one(tmp_path, world.branch_a, **{header: value})
    assert [(e.column, e.reason) for e in result.errors] == [(header, message)]
    assert not Member.objects.exists()


def test_the_three_doors_store_汉_as_汉族(people, world, tmp_path):
    """What the import reads as 汉族, the form and the API store as 汉族 too (not "汉")."""
    from django.test import Client

    from dangwu.members.models import Member
    from dangwu.testing import api_client

    from .rosters import person

    result = _import_one(tmp_path, world.branch_a, 民族="汉")
    assert result.ok
    assert Member.objects.get(name=person(4242)["姓名"]).ethnicity == "汉族"
    client = Client()
    client.force_login(people["secretary"])
    data = _form_data(name="关羽", ethnicity="汉", id_number=make_id_number(BIRTH, serial=7))
    response = client.post(f"/members/new/in/{world.branch_a.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Member.objects.get(name="关羽").ethnicity == "汉族"
    data = {**_form_data(name="张飞", ethnicity="汉", id_number=make_id_number(BIRTH, serial=8)),
            "organization": world.branch_a.pk}
    response = api_client(people["province"]).post("/api/v1/members/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["ethnicity"] == "汉族"

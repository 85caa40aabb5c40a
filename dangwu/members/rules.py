"""Pure rules about member records: ID numbers, masking, pinyin keys, ethnicities, the record's
own consistency (`record_errors`), standing changes.

No database and no request here, so every rule is testable on its own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypinyin import lazy_pinyin
from stdnum import numdb
from stdnum.cn import ric

from dangwu.core.dates import age_on, months_between
from dangwu.core.validators import control_character_errors, normalize_phone  # noqa: F401 (members.rules.normalize_phone)

_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would also match ４ or ٤


@dataclass(frozen=True)
class IdNumber:
    """A checked citizen ID number (公民身份号码)."""

    number: str
    birth_date: date
    gender: str  # "male" | "female"
    region_code: str


@functools.lru_cache(maxsize=8192)
def _region_exists(code: str) -> bool:
    """Whether the six-digit region code was ever assigned, in any year.

    Numbers were issued years after birth, so an older member's region code may postdate
    their birth year: only the code's existence is checked, not its date range.
    """
    parts = numdb.get("cn/loc").info(code)
    return len(parts) == 2 and bool(parts[1][1].get("county"))


def normalize_id_text(value: str) -> str:
    """The canonical text of a typed ID number: NFKC turns full-width input from a Chinese IME
    (４３０１…Ｘ) into ASCII, spaces go, x becomes X — one person, one stored form, one hash."""
    return unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()


def looks_like_id_number(value: str) -> bool:
    """Whether typed text has the shape of an ID number (18 characters: 17 ASCII digits, then
    a digit or X) once normalized. Search uses it to match the keyed hash, and such text must
    never be put into a URL (browser history, access logs)."""
    return bool(value) and bool(_ID_SHAPE.match(normalize_id_text(value)))


def parse_id_number(value: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-digit ID number; return its birth date, gender and region.

    Raises ValidationError with a message that says what is wrong.
    """
    if value is None:
        raise ValidationError(_("请填写公民身份号码"), code="required")
    number = normalize_id_text(value)
    if not number:
        raise ValidationError(_("请填写公民身份号码"), code="required")
    if len(number) != 18:
        raise ValidationError(
            _("公民身份号码应为18位，现为%(n)d位") % {"n": len(number)}, code="length"
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("公民身份号码前17位应为数字，末位为数字或X"), code="format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("公民身份号码中的出生日期不存在"), code="birth_date") from None
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(_("公民身份号码中的出生日期晚于今天"), code="future")
    if birth.year < 1900:
        raise ValidationError(_("公民身份号码中的出生日期早于1900年"), code="birth_date")
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError(_("公民身份号码校验位错误，请核对"), code="checksum")
    if not _region_exists(number[:6]):
        raise ValidationError(_("公民身份号码的前6位不是有效的行政区划代码"), code="region")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumber(number=number, birth_date=birth, gender=gender, region_code=number[:6])


def id_agreement_errors(parsed: IdNumber, *, birth_date: date | None, gender: str | None) -> dict[str, str]:
    """Field errors where the entered birth date or gender disagrees with the ID number."""
    errors: dict[str, str] = {}
    if birth_date and birth_date != parsed.birth_date:
        errors["birth_date"] = _("出生日期与公民身份号码不一致（号码中为%(d)s）") % {"d": parsed.birth_date.isoformat()}
    if gender and gender != parsed.gender:
        errors["gender"] = _("性别与公民身份号码不一致（号码中为%(g)s）") % {
            "g": _("男") if parsed.gender == "male" else _("女")
        }
    return errors


def mask_id_number(number: str) -> str:
    """4301**********1234: the first four and last four digits shown."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678."""
    if not number:
        return ""
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


@functools.lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, lower case, no spaces: 张三 → ("zhangsan", "zs").

    The initials are the first letters of the syllables (what Style.FIRST_LETTER gives, with one
    conversion instead of two); cached, as a large roster repeats names (imports call it per row).
    """
    syllables = lazy_pinyin(name, errors="ignore")
    return "".join(syllables).lower(), "".join(s[:1] for s in syllables).lower()


@functools.cache
def _pinyin_syllables() -> tuple[frozenset[str], frozenset[str]]:
    """Every toneless syllable pypinyin knows (ü written v, as pinyin_keys gives it), and every
    non-empty start of one. Built once, on first use (~0.4 s)."""
    from pypinyin.pinyin_dict import pinyin_dict

    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
            syllables.add("".join(c for c in plain if not unicodedata.combining(c)))
    starts = {s[:k] for s in syllables for k in range(1, len(s) + 1)}
    return frozenset(syllables), frozenset(starts)


def could_be_pinyin(text: str) -> bool:
    """Whether lower-case Latin text can begin a full pinyin: whole syllables, then the start of
    one. "zhangw" and "li" can; "zw" and "lhx" cannot, so they can only be initials."""
    syllables, starts = _pinyin_syllables()
    n = len(text)
    reached = [True] + [False] * n
    for i in range(n):
        if not reached[i]:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            part = text[i:j]
            if j == n and part in starts:
                return True
            if part in syllables:
                reached[j] = True
    return reached[n]


# Youngest plausible age on the day a member started work (a lenient bound: it catches
# typing slips such as the birth year entered as the start of work).
MIN_WORK_AGE = 14


def dates_errors(
    *, birth_date: date | None, applied_on: date | None, joined_on: date | None,
    converted_on: date | None, member_type: str, today: date,
    work_started_on: date | None = None, dues_paid_until: date | None = None,
    lost_contact_since: date | None = None,
) -> dict[str, str]:
    """Impossible dates in a member record, keyed by field."""
    errors: dict[str, str] = {}
    for field, value in (("applied_on", applied_on), ("joined_on", joined_on), ("converted_on", converted_on),
                         ("work_started_on", work_started_on), ("lost_contact_since", lost_contact_since)):
        if value and value > today:
            errors[field] = _("日期不能晚于今天")
    if birth_date and joined_on and age_on(birth_date, joined_on) < 18:
        errors.setdefault("joined_on", _("入党时未满18周岁"))
    if applied_on and joined_on and applied_on > joined_on:
        errors.setdefault("applied_on", _("申请入党日期不能晚于入党日期"))
    if joined_on and converted_on and converted_on < joined_on:
        errors.setdefault("converted_on", _("转正日期不能早于入党日期"))
    if member_type == "probationary" and converted_on:
        errors.setdefault("converted_on", _("预备党员不应有转正日期"))
    if birth_date and work_started_on and age_on(birth_date, work_started_on) < MIN_WORK_AGE:
        errors.setdefault("work_started_on", _("参加工作日期应在出生%(n)d年之后") % {"n": MIN_WORK_AGE})
    # Dues are paid by the month (党费交至 a year and month): at most 12 months ahead.
    if dues_paid_until and months_between(today, dues_paid_until) > 12:
        errors["dues_paid_until"] = _("党费交至日期不能晚于12个月之后")
    if joined_on and lost_contact_since and lost_contact_since < joined_on:
        errors.setdefault("lost_contact_since", _("失联日期不能早于入党日期"))
    return errors


# GB/T 3304: the 56 ethnic groups, plus its 其他 and 外国血统中国籍人士.
ETHNICITIES = frozenset("""
汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族
傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族
毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族
独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族 其他 外国血统中国籍人士
""".split())
UNKNOWN_ETHNICITY = gettext_lazy("不是56个民族之一（如：汉族、土家族、苗族）")


def ethnicity_name(text: str) -> str | None:
    """The GB/T 3304 name that typed text means — 汉族 as it is, 汉 → 汉族, full-width and spaces
    ignored — or None when it names none of them ("0", a zero-width space, 火星族)."""
    value = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text or "")))
    if value in ETHNICITIES:
        return value
    if value and value + "族" in ETHNICITIES:
        return value + "族"
    return None


# Fields of a record a form, the API or a roster may set directly (ID and phone numbers go
# through the record's setters, the organization through a transfer).
EDITABLE_FIELDS = [
    "name", "gender", "ethnicity", "birth_date", "native_place", "education", "degree",
    "professional_title", "occupation", "work_unit", "job_title", "work_started_on", "address",
    "party_post", "member_type", "applied_on", "joined_on", "converted_on",
    "is_outflow", "outflow_destination", "is_inflow", "lost_contact", "lost_contact_since",
    "in_hardship", "is_party_worker", "dues_standard", "dues_paid_until",
]
# Fields shown masked unless the caller may see them; each full reading is audited.
SENSITIVE = frozenset({"id_number", "phone"})

# The highest 党费标准 a record may hold (the column's 8 integer digits): 0 ≤ amount < 1亿元.
DUES_STANDARD_LIMIT = Decimal("100000000")

_REQUIRED = {"name": gettext_lazy("请填写姓名"), "member_type": gettext_lazy("请填写党员类型"),
             "joined_on": gettext_lazy("请填写入党日期"), "ethnicity": gettext_lazy("请填写民族")}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def record_errors(values: Mapping[str, Any], *, today: date) -> dict[str, list[str]]:
    """Everything wrong with a member record (党员档案) on its own, by field: the one check behind
    the member form, the API and the roster import (and the services, which write nothing else).

    `values` is the record as it would be stored — fields named as on `Member`, with typed values
    (dates, `Decimal`, booleans, choice keys) — plus `id_number` (the typed text, or an `IdNumber`
    already parsed) and `phone` (the typed text). A field that is absent (or an ID number of None)
    is not checked: the caller keeps what is stored. Messages are in the user's language, the
    field's first message first. What needs the database — an ID number already on file, the
    organization — and what a model field says (lengths, choices) are the caller's.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: Any) -> None:
        errors.setdefault(field, []).append(str(message))

    for name, message in _REQUIRED.items():
        if name in values and _blank(values[name]):
            add(name, message)
    birth_date, gender = values.get("birth_date"), values.get("gender")
    number = values.get("id_number")
    if number is not None:
        parsed = number if isinstance(number, IdNumber) else None
        if parsed is None:
            try:
                parsed = parse_id_number(number, today=today)
            except ValidationError as exc:
                add("id_number", exc.messages[0])
        if parsed is not None:
            for field, message in id_agreement_errors(parsed, birth_date=birth_date, gender=gender).items():
                add(field, message)
    phone = values.get("phone")
    if phone:
        try:
            normalize_phone(phone)
        except ValidationError as exc:
            add("phone", exc.messages[0])
    for field, message in dates_errors(
        birth_date=birth_date, applied_on=values.get("applied_on"), joined_on=values.get("joined_on"),
        converted_on=values.get("converted_on"), member_type=values.get("member_type") or "", today=today,
        work_started_on=values.get("work_started_on"), dues_paid_until=values.get("dues_paid_until"),
        lost_contact_since=values.get("lost_contact_since"),
    ).items():
        add(field, message)
    if birth_date and birth_date > today:
        add("birth_date", _("出生日期不能晚于今天"))
    if values.get("is_outflow") and not values.get("outflow_destination"):
        add("outflow_destination", _("流出党员应填写流出去向"))
    if values.get("lost_contact") and not values.get("lost_contact_since"):
        add("lost_contact_since", _("失联党员应填写失联日期"))
    ethnicity = values.get("ethnicity")
    if not _blank(ethnicity) and ethnicity_name(str(ethnicity)) is None:
        add("ethnicity", UNKNOWN_ETHNICITY)
    for field, messages in control_character_errors(
            {name: value for name, value in values.items() if name not in SENSITIVE and name not in errors}).items():
        add(field, messages[0])
    dues = values.get("dues_standard")
    if isinstance(dues, Decimal) and not (dues.is_finite() and 0 <= dues < DUES_STANDARD_LIMIT):
        add("dues_standard", _("金额应为0至1亿元之间的数"))
    return errors


# Which standing may follow which (a change is recorded with a date and a reason).
STANDING_TRANSITIONS: dict[str, set[str]] = {
    "normal": {"suspended", "expelled", "removed", "withdrawn", "self_departed", "deceased", "disqualified"},
    "suspended": {"normal", "expelled", "removed", "self_departed", "deceased"},
    "expelled": set(),
    "removed": set(),
    "withdrawn": set(),
    "self_departed": set(),
    "deceased": set(),
    "disqualified": set(),
}


def standing_change_error(current: str, new: str, *, member_type: str = "") -> str | None:
    if new == current:
        return _("新的党籍状态与当前状态相同")
    if new not in STANDING_TRANSITIONS.get(current, set()):
        return _("当前党籍状态不能变更为所选状态")
    if new == "disqualified" and member_type != "probationary":
        return _("只有预备党员才能取消预备党员资格")
    return None

"""Checks of single values that every app's fields share, whichever way the value comes in (a
form, the API, an import): control characters in text, telephone numbers, the sign of zero.

Each is one function that a model field lists as its validator (so that ModelForms, DRF's
ModelSerializers and `full_clean` all run it) or that a service applies where its form, API and
import meet. Pure: no database, no request.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import REFUSED_IN_LINE, REFUSED_IN_TEXT

CONTROL_CHARACTERS = _("不能包含控制字符或换行等不可见字符")
CONTROL_CHARACTERS_IN_TEXT = _("不能包含控制字符等不可见字符")


def control_character_problem(value: Any, *, multiline: bool = False) -> str | None:
    """The message for text that carries control characters, or None (and None for a non-text)."""
    if not isinstance(value, str):
        return None
    if multiline:
        return str(CONTROL_CHARACTERS_IN_TEXT) if REFUSED_IN_TEXT.search(value) else None
    return str(CONTROL_CHARACTERS) if REFUSED_IN_LINE.search(value) else None


def control_character_errors(values: Mapping[str, Any], *, multiline: Collection[str] = ()) -> dict[str, list[str]]:
    """{field: [message]} for each text value that carries control characters; the fields named
    in `multiline` may keep tabs and line breaks."""
    return {name: [problem] for name, value in values.items()
            if (problem := control_character_problem(value, multiline=name in multiline))}


def validate_single_line(value: Any) -> None:
    """Model-field validator: one line of text, without control characters."""
    if problem := control_character_problem(value):
        raise ValidationError(problem, code="control_characters")


def validate_text(value: Any) -> None:
    """Model-field validator: text of several lines, without control characters."""
    if problem := control_character_problem(value, multiline=True):
        raise ValidationError(problem, code="control_characters")


_PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")


def normalize_phone(value: str) -> str:
    """A mainland mobile (11 digits) or a landline with area code, as stored; raises ValidationError.
    Full-width digits, spaces, brackets and +86 are forgiven."""
    number = re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", value or ""))
    if number.startswith("+86"):
        number = number[3:]
    if not _PHONE.match(number):
        raise ValidationError(_("联系电话格式不正确：应为11位手机号或带区号的固定电话"), code="phone")
    return number


def validate_phone(value: Any) -> None:
    """Model-field validator: a telephone number `normalize_phone` accepts."""
    normalize_phone(str(value))


def without_negative_zero(amount: Decimal) -> Decimal:
    """-0 and -0.00 are 0 (Decimal keeps the sign of zero, and the database stores "-0.00")."""
    return amount.copy_abs() if amount.is_zero() else amount

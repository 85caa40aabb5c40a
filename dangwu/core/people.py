"""How pages name the person behind an account (操作人、经办人): by the name people know them by.

A login name (`demo-secretary`, `sec_a`) is an account's key, not a person's name: a timeline or
an audit log that shows it asks the reader to know every account by heart. The name is, in
order: the name on the member record linked to the account (the members app answers through the
slot `registries.person_names`, core imports no app), else the account's full name (first name
holds it whole for Chinese names, as `services.create_account` writes it), else a neutral
"未登记姓名的账号". Names are looked up for many accounts at once: one query per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from . import registries


def _account_name(user: Any) -> str:
    full = f"{user.last_name}{user.first_name}" if _is_cjk(user.last_name) else user.get_full_name()
    return full.strip()


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


def unnamed() -> str:
    return _("未登记姓名的账号")


def names_of(users: Iterable[Any]) -> dict[int, str]:
    """{user id: name} for the given accounts (users or ids; None is skipped)."""
    wanted = [u for u in users if u is not None]
    ids = {u if isinstance(u, int) else u.pk for u in wanted}
    if not ids:
        return {}
    member_names: dict[int, str] = registries.person_names(user_ids=ids) or {}
    objects = {u.pk: u for u in wanted if not isinstance(u, int)}
    missing = ids - set(member_names) - set(objects)
    if missing:
        objects.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing)})
    names: dict[int, str] = {}
    for pk in ids:
        name = member_names.get(pk) or (_account_name(objects[pk]) if pk in objects else "")
        names[pk] = name or unnamed()
    return names


def name_of(user: Any) -> str:
    """The name of one account's person (one or two queries); "" for no account (the system)."""
    if user is None:
        return ""
    return names_of([user])[user if isinstance(user, int) else user.pk]

"""The audit log as its readers read it (审计日志): actions, fields and values in their language.

An entry keeps what the service recorded, in the form the hash covers: the action's code
(`member.update`), the actor's account, the organization's id and a summary of plain JSON
(`{"changes": {"work_unit": ["", "长沙银行"]}}`). This module turns a page of entries into what
an auditor reads — 修改党员档案 · 李书记 · 芙蓉区委 · 工作单位：— → 长沙银行 — without touching
the stored entries (the raw JSON stays one click away on the page).

- **Actions** carry their labels: every app's `AuditAction` subclasses
  `core.models.AuditActionChoices` (`MEMBER_CREATE = "member.create", _("建立党员档案")`), and
  `action_enums()` finds them as its subclasses, so core imports no app.
- **Summary keys** are named by, in order: an `AuditField` an app registered for a prefix of the
  action (`registries.audit_fields`), a field of the entry's target model (its verbose_name and
  choices), an `AuditField` registered for every action (core's generic keys, below), else the
  key itself.
- **Values** read by the field's kind (dates, months, money, 是/否, lists, before → after,
  organizations and members by name); the names are fetched for the whole page at once (one
  query for organizations, one for members, one or two for people).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import people, registries
from .models import AuditActionChoices, AuditEntry
from .registries import AuditField
from .roles import Role

# --- actions ----------------------------------------------------------------------------------


def action_enums() -> list[type[AuditActionChoices]]:
    """Every app's `AuditAction`, in the order of INSTALLED_APPS."""
    order = {config.name: index for index, config in enumerate(apps.get_app_configs())}

    def position(enum: type) -> int:
        config = apps.get_containing_app_config(enum.__module__)
        return order.get(config.name, len(order)) if config else len(order)

    return sorted(AuditActionChoices.__subclasses__(), key=position)


def action_labels() -> dict[str, str]:
    return {member.value: str(member.label) for enum in action_enums() for member in enum}


def action_label(action: str) -> str:
    """The action's label, or its code when no app declares it (an action since removed)."""
    return action_labels().get(action, action)


def action_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The actions grouped by app, for the filter: [(app's name, [(code, label)])]."""
    groups = []
    for enum in action_enums():
        config = apps.get_containing_app_config(enum.__module__)
        title = str(config.verbose_name) if config else enum.__module__
        groups.append((title, [(member.value, str(member.label)) for member in enum]))
    return groups


# --- summary keys -----------------------------------------------------------------------------

def _field(action: str, name: str, target: type[Model] | None) -> AuditField | None:
    """How to show the summary key `name` of an entry of `action` about a `target`."""
    best: AuditField | None = None
    for item in registries.audit_fields:
        if item.name == name and item.prefix and action.startswith(item.prefix):
            if best is None or len(item.prefix) > len(best.prefix):
                best = item
    if best is not None:
        return best
    model_field = _model_field(target, name)
    if model_field is not None:
        return model_field
    return registries.audit_fields.get(f":{name}")


def _model_field(target: type[Model] | None, name: str) -> AuditField | None:
    if target is None:
        return None
    try:
        f = target._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(f, "verbose_name", None) or not getattr(f, "concrete", False):
        return None
    if f.choices:
        return AuditField(name, f.verbose_name, "choice", choices=dict(f.flatchoices))
    if f.is_relation:  # an id: read as the generic key of that name reads it (an organization, a member)
        generic = registries.audit_fields.get(f":{name}")
        return AuditField(name, f.verbose_name, generic.kind if generic is not None else "text")
    kind = {"DateField": "date", "DateTimeField": "datetime", "BooleanField": "bool",
            "DecimalField": "money"}.get(f.get_internal_type(), "")
    if not kind:  # a plain text field: read as the generic key of that name reads it (an account …)
        generic = registries.audit_fields.get(f":{name}")
        kind = generic.kind if generic is not None else "text"
    return AuditField(name, f.verbose_name, kind)


def _target_model(entry: AuditEntry) -> type[Model] | None:
    if not entry.target_type:
        return None
    try:
        return apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        return None


# --- values -----------------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass
class _Names:
    """Names of the organizations and members the page's summaries mention by id."""

    organizations: dict[int, str] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # login name → the person's name


def _month(text: str) -> str:
    m = _MONTH.match(text)
    return _("%(y)s年%(m)d月") % {"y": m.group(1), "m": int(m.group(2))} if m else text


def _yes_no(value: Any) -> str:
    return _("是") if value else _("否")


def _plain(value: Any) -> str:
    """A value without a known kind, read by its shape."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items()) or "—"
    text = str(value)
    if _MONTH.match(text):
        return _month(text)
    if _DATETIME.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "Y-m-d H:i")
    return text


def _value(kind: str, value: Any, *, spec: AuditField | None, names: _Names, target: type[Model] | None,
           action: str) -> str:
    if isinstance(value, list) and kind not in ("fields", "pair"):
        return "、".join(_value(kind, v, spec=spec, names=names, target=target, action=action) for v in value) or "—"
    if value is None or value == "":
        return "—"
    if kind == "bool":
        return _yes_no(value)
    if kind == "month":
        return _month(str(value))
    if kind == "date":
        return str(value)
    if kind == "money":
        try:
            return _("%(amount)s 元") % {"amount": f"{Decimal(str(value)):,.2f}"}
        except InvalidOperation:
            return str(value)
    if kind == "choice" and spec is not None and spec.choices:
        return str(dict(spec.choices).get(value, value))
    if kind == "org" and isinstance(value, int):
        return names.organizations.get(value) or _("党组织 #%(id)s") % {"id": value}
    if kind == "account":
        name = names.accounts.get(str(value))
        return f"{name}（{value}）" if name else str(value)
    if kind == "member" and isinstance(value, int):
        return names.members.get(value) or _("党员 #%(id)s") % {"id": value}
    if kind == "fields":
        items = value if isinstance(value, list) else [value]
        return "、".join(_label(action, str(v), target) for v in items)
    if kind == "pair" and isinstance(value, list) and len(value) == 2:
        return f"{_plain(value[0])} → {_plain(value[1])}"
    if kind == "model":
        try:
            return str(apps.get_model(str(value))._meta.verbose_name)
        except (LookupError, ValueError):
            return str(value)
    if kind == "count":
        return str(value)
    return _plain(value)


def _label(action: str, name: str, target: type[Model] | None) -> str:
    spec = _field(action, name, target)
    return str(spec.label) if spec is not None else name


@dataclass
class Line:
    """One line of an entry's summary: its label and its value as read."""

    label: str
    value: str


@dataclass
class ShownEntry:
    """An audit entry as the page shows it."""

    entry: AuditEntry
    action: str
    actor: str
    target: str  # what the entry is about: its name as recorded, or the person of an account
    organization: str
    lines: list[Line]
    raw: str  # the stored entry as JSON, for an auditor who wants it as recorded

    @property
    def seq(self) -> int:
        return self.entry.seq


def _lines(entry: AuditEntry, names: _Names) -> list[Line]:
    target = _target_model(entry)
    lines: list[Line] = []
    for key, value in (entry.summary or {}).items():
        spec = _field(entry.action, key, target)
        kind = spec.kind if spec is not None else ""
        label = str(spec.label) if spec is not None else key
        if kind == "changes" and isinstance(value, dict):
            for name, pair in value.items():
                sub = _field(entry.action, name, target)
                sub_kind = sub.kind if sub is not None and sub.kind not in ("changes", "pair") else ""
                if isinstance(pair, list) and len(pair) == 2:
                    old, new = (_value(sub_kind, v, spec=sub, names=names, target=target, action=entry.action)
                                if sub_kind else _plain(v) for v in pair)
                    text = f"{old} → {new}"
                else:
                    text = _plain(pair)
                lines.append(Line(str(sub.label) if sub is not None else name, text))
            continue
        if isinstance(value, dict) and kind in ("", "text"):  # a group of counts (the demo's dues …)
            value = {_label(entry.action, str(name), target): item for name, item in value.items()}
        lines.append(Line(label, _value(kind, value, spec=spec, names=names, target=target, action=entry.action)))
    return lines


def _ids_of_kind(entries: list[AuditEntry], kind: str) -> set[int]:
    ids: set[int] = set()
    for entry in entries:
        target = _target_model(entry)
        for key, value in (entry.summary or {}).items():
            spec = _field(entry.action, key, target)
            if spec is None or spec.kind != kind:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int) and not isinstance(item, bool):
                    ids.add(item)
    return ids


def raw_json(entry: AuditEntry) -> str:
    return json.dumps({
        "seq": entry.seq, "created_at": entry.created_at.isoformat(), "actor": entry.actor_id,
        "actor_name": entry.actor_name, "action": entry.action, "target_type": entry.target_type,
        "target_id": entry.target_id, "target_repr": entry.target_repr,
        "organization": entry.organization_id_value, "summary": entry.summary, "ip": entry.ip_address,
        "algorithm": entry.algorithm, "prev_hash": entry.prev_hash, "hash": entry.hash,
    }, ensure_ascii=False, indent=2, default=str)


def show(entries: list[AuditEntry]) -> list[ShownEntry]:
    """A page of entries as the page shows them; the names it mentions looked up at once."""
    from .selectors import organization_model

    entries = list(entries)
    org_ids = _ids_of_kind(entries, "org") | {e.organization_id_value for e in entries if e.organization_id_value}
    names = _Names()
    if org_ids:
        names.organizations = dict(organization_model()._default_manager.filter(pk__in=org_ids)
                                   .values_list("pk", "name"))
    member_ids = _ids_of_kind(entries, "member")
    if member_ids:
        names.members = registries.member_names(member_ids=member_ids) or {}
    user_model = get_user_model()
    user_label = user_model._meta.label_lower
    accounts = {int(e.target_id) for e in entries if e.target_type == user_label and e.target_id.isdigit()}
    actors = people.names_of({e.actor_id for e in entries if e.actor_id} | accounts)
    logins = {str(v) for e in entries for k, v in (e.summary or {}).items() if k in ("user", "username") and v}
    if logins:
        by_login = dict(user_model._default_manager.filter(username__in=logins).values_list("pk", "username"))
        named = people.names_of(list(by_login))
        names.accounts = {login: named[pk] for pk, login in by_login.items() if named[pk] != people.unnamed()}
    labels = action_labels()
    shown = []
    for entry in entries:
        if entry.actor_id:
            actor = actors.get(entry.actor_id, "")
        else:
            actor = _("系统") if not entry.actor_name else _("已删除的账号")
        org = names.organizations.get(entry.organization_id_value, "") if entry.organization_id_value else ""
        target = entry.target_repr
        if entry.target_type == user_label and entry.target_id.isdigit():
            target = actors.get(int(entry.target_id)) or target  # an account: the person, not the login name
        elif entry.target_type == "core.roleassignment" and (entry.summary or {}).get("user"):
            summary = entry.summary
            target = f"{_value('account', summary['user'], spec=None, names=names, target=None, action='')} · " \
                     f"{dict(Role.choices).get(summary.get('role'), summary.get('role', ''))}"
        shown.append(ShownEntry(entry=entry, action=labels.get(entry.action, entry.action), actor=actor,
                                target=target, organization=org, lines=_lines(entry, names), raw=raw_json(entry)))
    return shown


# --- core's own keys, and those many actions share ------------------------------------------------

def register() -> None:
    """The summary keys of core's actions and the generic keys several apps use (prefix "")."""
    generic = [
        AuditField("reason", gettext_lazy("原因")),
        AuditField("note", gettext_lazy("说明")),
        AuditField("file", gettext_lazy("文件")),
        AuditField("rows", gettext_lazy("行数"), "count"),
        AuditField("created", gettext_lazy("新建"), "count"),
        AuditField("updated", gettext_lazy("更新"), "count"),
        AuditField("unchanged", gettext_lazy("无变化"), "count"),
        AuditField("name", gettext_lazy("名称")),
        AuditField("code", gettext_lazy("代码")),
        AuditField("title", gettext_lazy("标题")),
        AuditField("kind", gettext_lazy("类别")),
        AuditField("number", gettext_lazy("编号")),
        AuditField("previous", gettext_lazy("原编号")),
        AuditField("month", gettext_lazy("月份"), "month"),
        AuditField("months", gettext_lazy("月份"), "month"),
        AuditField("year", gettext_lazy("年度"), "count"),
        AuditField("from", gettext_lazy("起")),
        AuditField("to", gettext_lazy("止")),
        AuditField("on", gettext_lazy("日期"), "date"),
        AuditField("valid_until", gettext_lazy("有效期至"), "date"),
        AuditField("amount", gettext_lazy("金额"), "money"),
        AuditField("member", gettext_lazy("党员"), "member"),
        AuditField("organization", gettext_lazy("党组织"), "org"),
        AuditField("organizations", gettext_lazy("党组织数"), "count"),
        AuditField("fields", gettext_lazy("修改的项目"), "fields"),
        AuditField("changes", gettext_lazy("修改内容"), "changes"),
        AuditField("field", gettext_lazy("项目"), "fields"),
        # core's own actions
        AuditField("user", gettext_lazy("账号"), "account"),
        AuditField("username", gettext_lazy("账号"), "account"),
        AuditField("role", gettext_lazy("角色"), "choice", choices=dict(Role.choices)),
        AuditField("replaced", gettext_lazy("替换原令牌"), "bool"),
        AuditField("device", gettext_lazy("令牌设备编号"), "count"),
        AuditField("model", gettext_lazy("对象类型"), "model", prefix="access."),
        AuditField("lookup", gettext_lazy("查找条件"), prefix="access."),
        AuditField("path", gettext_lazy("访问地址"), prefix="access."),
    ]
    for item in generic:
        registries.audit_fields.register(item)

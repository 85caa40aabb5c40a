"""Every write to member records: one transaction and one audit entry each."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit, crypto
from dangwu.core.roles import Cap

from . import rollups, rules
from .models import Member, Standing, StandingChange

# Fields a form or the API may set directly (ID and phone numbers go through their setters).
EDITABLE_FIELDS = [
    "name", "gender", "ethnicity", "birth_date", "native_place", "education", "degree",
    "professional_title", "occupation", "work_unit", "job_title", "work_started_on", "address",
    "party_post", "member_type", "applied_on", "joined_on", "converted_on",
    "is_outflow", "outflow_destination", "is_inflow", "lost_contact", "lost_contact_since",
    "in_hardship", "is_party_worker", "dues_standard", "dues_paid_until",
]
SENSITIVE = {"id_number", "phone"}


def _today() -> date:
    return timezone.localdate()


def _check(member: Member, *, id_number: str | None, phone: str | None) -> None:
    """Validate the whole record; raise ValidationError keyed by field. Nothing is written.

    The record's own rules are `rules.record_errors` (the same the form, the API and the roster
    import apply); here are added what needs the database (an ID number on file for someone
    else) and the model's field checks (lengths, choices)."""
    values: dict[str, Any] = {name: getattr(member, name) for name in EDITABLE_FIELDS}
    if id_number is not None:
        values["id_number"] = id_number
    if phone is not None:
        values["phone"] = phone
    errors = rules.record_errors(values, today=_today())
    if id_number is not None and "id_number" not in errors:
        duplicate = Member.objects.filter(id_number_hash=crypto.lookup_hash(rules.normalize_id_text(id_number)))
        if member.pk:
            duplicate = duplicate.exclude(pk=member.pk)
        if duplicate.exists():
            errors.setdefault("id_number", []).append(_("该公民身份号码已登记在其他党员档案中"))
    try:
        member.full_clean(exclude=["id_number_encrypted", "id_number_hash", "id_number_masked", "user"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            # A model constraint (e.g. converted_after_joined) repeats a rule checked above by field;
            # its bare "constraint … violated" message would only confuse the user.
            if field == NON_FIELD_ERRORS and errors:
                continue
            if field not in errors:
                errors[field] = list(messages)
    if errors:
        raise ValidationError(errors)


def _apply(member: Member, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("不能修改此字段")] for name in sorted(unknown)})
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if name == "ethnicity":
                value = rules.ethnicity_name(value) or value  # 汉 → 汉族, as the import reads it
        setattr(member, name, value)
    member.name_pinyin, member.name_initials = rules.pinyin_keys(member.name or "")


def _save(member: Member) -> None:
    """Save the record; a concurrent save of the same ID number (the unique hash) becomes a field error.

    `_check` has already looked for the number, so the unique index only fires when two saves
    race; any other integrity error is a bug and is raised as it is.
    """
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        taken = Member.objects.filter(id_number_hash=member.id_number_hash)
        if member.pk:
            taken = taken.exclude(pk=member.pk)
        if member.id_number_hash and taken.exists():
            raise ValidationError({"id_number": [_("该公民身份号码已登记在其他党员档案中")]}) from None
        raise


@transaction.atomic
def create_member(
    *, actor: Any, organization: Any, fields: dict[str, Any], id_number: str, phone: str = "",
    request: Any = None,
) -> Member:
    """Add a member record (建立党员档案) to an organization in the actor's scope."""
    access.require(actor, Cap.MEMBER_EDIT, organization)
    member = insert_member(actor=actor, organization=organization, fields=fields, id_number=id_number, phone=phone,
                           reason=_("建立档案"))
    audit.record(
        actor=actor, action="member.create", target=member, organization=member.organization,
        summary={"name": member.name, "member_type": member.member_type}, request=request,
    )
    return member


def insert_member(*, actor: Any, organization: Any, fields: dict[str, Any], id_number: str, phone: str = "",
                  reason: str) -> Member:
    """Check and write a new member record, its history and roll-ups; NOT audited on its own.

    The one way a record is created: `create_member` and the audited services of other
    sections (a member registered from an outside transfer, `transfers.register_incoming`)
    call it inside their transaction, after their own access check, and write the audit entry.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("insert_member() must run inside the calling service's transaction")
    # Locked, so that dissolving the organization (which looks for members in it) waits for this.
    organization = type(organization).objects.select_for_update().get(pk=organization.pk)
    member = Member(organization=organization)
    _apply(member, fields)
    try:
        _check(member, id_number=id_number, phone=phone)
    except ValidationError as exc:
        errors = exc.message_dict
    else:
        errors = {}
    if organization.dissolved_on is not None:
        errors["organization"] = [_("该党组织已撤销，不能在其中建立党员档案")]
    if errors:
        raise ValidationError(errors)
    parsed = rules.parse_id_number(id_number, today=_today())
    member.set_id_number(parsed.number)
    member.set_phone(rules.normalize_phone(phone) if phone else "")
    member._change_reason = reason[:100]  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]  # API requests authenticate after the middleware
    _save(member)
    rollups.apply_member_changes(before=[None], after=[member])
    return member


def relocate_member(*, actor: Any, member: Member, changes: dict[str, Any], reason: str) -> Member:
    """Write changes of a member's organization, standing or mobility flags made by another
    section's audited service (a transfer accepted, an outflow recorded); NOT audited on its own.

    The member is locked and read again; the history keeps the old values with `reason`, and
    the structure roll-ups follow in the same transaction. Only these fields may change here.
    """
    allowed = {"organization", "standing", "standing_since", "is_outflow", "outflow_destination",
               "is_inflow", "lost_contact", "lost_contact_since"}
    if set(changes) - allowed:
        raise ValueError(f"relocate_member cannot change {sorted(set(changes) - allowed)}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("relocate_member() must run inside the calling service's transaction")
    member = Member.objects.select_for_update().get(pk=member.pk)
    stored = copy.copy(member)
    for name, value in changes.items():
        setattr(member, name, value)
    member._change_reason = reason[:100]  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]
    member.save()
    rollups.apply_member_changes(before=[stored], after=[member])
    return member


def set_dues_paid_until(*, actor: Any, member: Member, value: date | None, reason: str) -> Member:
    """Write the record's 党费交至 as kept in step by the dues section's audited services (a payment
    recorded or reversed, `dues.services`); NOT audited on its own.

    The caller holds the member locked in its transaction; the history keeps the old value with
    `reason`. No structure roll-up depends on this field."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("set_dues_paid_until() must run inside the calling service's transaction")
    if member.dues_paid_until == value:
        return member
    member.dues_paid_until = value
    member._change_reason = reason[:100]  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]
    member.save(update_fields=["dues_paid_until", "updated_at"])
    return member


@transaction.atomic
def update_member(
    *, actor: Any, member: Member, fields: dict[str, Any], id_number: str | None = None,
    phone: str | None = None, reason: str = "", request: Any = None,
) -> Member:
    """Edit a member record; the history keeps the old values, the audit entry names the fields."""
    access.require(actor, Cap.MEMBER_EDIT, member.organization)
    member = Member.objects.select_for_update().get(pk=member.pk)
    stored = copy.copy(member)  # as it is now, for the structure statistics
    before = {name: getattr(member, name, None) for name in fields}  # unknown names are refused by _apply
    _apply(member, fields)
    new_id = id_number if id_number not in (None, "") else None
    if new_id is not None and crypto.lookup_hash(rules.normalize_id_text(new_id)) == member.id_number_hash:
        new_id = None
    _check(member, id_number=new_id if new_id is not None else member.id_number, phone=phone)
    changed = sorted(name for name in fields if getattr(member, name) != before[name])
    if new_id is not None:
        member.set_id_number(rules.parse_id_number(new_id, today=_today()).number)
        changed.append("id_number")
    if phone is not None:
        normalized = rules.normalize_phone(phone) if phone else ""
        if normalized != member.phone:
            member.set_phone(normalized)
            changed.append("phone")
    if not changed:
        return member
    member._change_reason = reason[:100] or _("修改档案")  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]
    _save(member)
    rollups.apply_member_changes(before=[stored], after=[member])
    audit.record(
        actor=actor, action="member.update", target=member, organization=member.organization,
        summary={
            "fields": changed,
            "changes": {
                name: [str(before[name]) if before[name] is not None else "", str(getattr(member, name) or "")]
                for name in changed if name not in SENSITIVE
            },
        },
        request=request,
    )
    return member


@transaction.atomic
def change_standing(
    *, actor: Any, member: Member, new_standing: str, effective_on: date, reason: str,
    document_number: str = "", request: Any = None,
) -> StandingChange:
    """Record a change of party standing (停止党籍, 恢复党籍, 出党, 死亡 …) with its date and reason."""
    access.require(actor, Cap.MEMBER_STANDING, member.organization)
    member = Member.objects.select_for_update().get(pk=member.pk)
    errors: dict[str, list[str]] = {}
    if new_standing not in Standing.values:
        errors["new_standing"] = [_("请选择有效的党籍状态")]
    else:
        problem = rules.standing_change_error(member.standing, new_standing, member_type=member.member_type)
        if problem:
            errors["new_standing"] = [problem]
    if effective_on is None:
        errors["effective_on"] = [_("请填写生效日期")]
    elif effective_on > _today():
        errors["effective_on"] = [_("生效日期不能晚于今天")]
    elif effective_on < member.joined_on:
        errors["effective_on"] = [_("生效日期不能早于入党日期")]
    elif member.standing_since and effective_on < member.standing_since:
        errors["effective_on"] = [_("生效日期不能早于当前党籍状态的日期（%(d)s）") % {
            "d": member.standing_since.isoformat()}]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写变动原因")]
    if errors:
        raise ValidationError(errors)
    stored = copy.copy(member)  # as it is now, for the structure statistics
    change = StandingChange.objects.create(
        member=member, from_standing=member.standing, to_standing=new_standing, effective_on=effective_on,
        reason=reason.strip(), document_number=document_number.strip(), recorded_by=actor,
    )
    member.standing = new_standing
    member.standing_since = effective_on
    member._change_reason = reason.strip()[:100]  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]
    member.save(update_fields=["standing", "standing_since", "updated_at"])
    rollups.apply_member_changes(before=[stored], after=[member])
    audit.record(
        actor=actor, action="member.standing", target=member, organization=member.organization,
        summary={"from": change.from_standing, "to": new_standing, "effective_on": effective_on.isoformat(),
                 "reason": change.reason},
        request=request,
    )
    return change


@transaction.atomic
def reveal_sensitive(*, actor: Any, member: Member, field: str, request: Any = None) -> str:
    """Show a full ID or phone number to a caller who may see it; the reading is audited."""
    if field not in SENSITIVE:
        raise ValidationError({"field": [_("只能查看公民身份号码或联系电话")]})
    access.require(actor, Cap.MEMBER_VIEW_SENSITIVE, member.organization)
    audit.record(
        actor=actor, action=f"member.view_{field}", target=member, organization=member.organization,
        summary={"field": field}, request=request,
    )
    return member.id_number if field == "id_number" else member.phone

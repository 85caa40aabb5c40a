"""The steps that write a member record (党员档案) inside another service's transaction.

Not services: none records an audit entry of its own, and each refuses to run outside a
transaction. The audited services call them after their own access check and record their one
entry in the same transaction: `services.create_member` and `services.update_member` (the
record's own changes), the transfers and mobility services (`insert_member` for a member who
transfers in from outside, `relocate_member` for a move, a standing or a mobility flag), and the
dues services (`set_dues_paid_until`). So the history row, the structure roll-ups and the checks
of a record are written one way whoever changes it (decisions 0008 and 0010).
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import crypto
from dangwu.core.validators import without_negative_zero

from . import rollups, rules
from .models import Member


def _today() -> date:
    return timezone.localdate()


def _require_transaction(step: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{step}() must run inside the calling service's transaction")


def check_record(member: Member, *, id_number: str | None, phone: str | None) -> None:
    """Validate the whole record; raise ValidationError keyed by field. Nothing is written.

    The record's own rules are `rules.record_errors` (the same the form, the API and the roster
    import apply); here are added what needs the database (an ID number on file for someone
    else) and the model's field checks (lengths, choices)."""
    values: dict[str, Any] = {name: getattr(member, name) for name in rules.EDITABLE_FIELDS}
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


def apply_fields(member: Member, fields: dict[str, Any]) -> None:
    """Set the editable fields on the (unsaved) record, as the import reads them; others are refused."""
    unknown = set(fields) - set(rules.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("不能修改此字段")] for name in sorted(unknown)})
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if name == "ethnicity":
                value = rules.ethnicity_name(value) or value  # 汉 → 汉族, as the import reads it
        elif isinstance(value, Decimal):
            value = without_negative_zero(value)  # -0 is 0, as the import reads it
        setattr(member, name, value)
    member.name_pinyin, member.name_initials = rules.pinyin_keys(member.name or "")


def save_record(member: Member) -> None:
    """Save the record; a concurrent save of the same ID number (the unique hash) becomes a field error.

    `check_record` has already looked for the number, so the unique index only fires when two
    saves race; any other integrity error is a bug and is raised as it is.
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


def insert_member(*, actor: User, organization: Any, fields: dict[str, Any], id_number: str, phone: str = "",
                  reason: str) -> Member:
    """Check and write a new member record, its history and roll-ups; NOT audited on its own.

    The one way a record is created: `services.create_member` and the audited services of other
    sections (a member registered from an outside transfer, `transfers.services.register_incoming`)
    call it inside their transaction, after their own access check, and write the audit entry.
    """
    _require_transaction("insert_member")
    # Locked, so that dissolving the organization (which looks for members in it) waits for this.
    organization = type(organization).objects.select_for_update().get(pk=organization.pk)
    member = Member(organization=organization)
    apply_fields(member, fields)
    errors: dict[str, list[str]]
    try:
        check_record(member, id_number=id_number, phone=phone)
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
    save_record(member)
    rollups.apply_member_changes(before=[None], after=[member])
    return member


def relocate_member(*, actor: User, member: Member, changes: dict[str, Any], reason: str) -> Member:
    """Write changes of a member's organization, standing or mobility flags made by another
    section's audited service (a transfer accepted, an outflow recorded); NOT audited on its own.

    The member is locked and read again; the history keeps the old values with `reason`, and
    the structure roll-ups follow in the same transaction. Only these fields may change here.
    """
    allowed = {"organization", "standing", "standing_since", "is_outflow", "outflow_destination",
               "is_inflow", "lost_contact", "lost_contact_since"}
    if set(changes) - allowed:
        raise ValueError(f"relocate_member cannot change {sorted(set(changes) - allowed)}")
    _require_transaction("relocate_member")
    member = Member.objects.select_for_update().get(pk=member.pk)
    stored = copy.copy(member)
    for name, value in changes.items():
        setattr(member, name, value)
    member._change_reason = reason[:100]  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]
    member.save()
    rollups.apply_member_changes(before=[stored], after=[member])
    return member


def set_dues_paid_until(*, actor: User | None, member: Member, value: date | None, reason: str) -> Member:
    """Write the record's 党费交至 as kept in step by the dues section's audited services (a payment
    recorded or reversed, `dues.services`); NOT audited on its own.

    The caller holds the member locked in its transaction; the history keeps the old value with
    `reason`. No structure roll-up depends on this field."""
    _require_transaction("set_dues_paid_until")
    return _set_dues_copy(actor=actor, member=member, name="dues_paid_until", value=value, reason=reason)


def set_dues_standard(*, actor: User | None, member: Member, value: Any, reason: str) -> Member:
    """Write the record's 党费标准（元/月） as kept in step by the dues section's audited services:
    the monthly amount of the current year's declaration (党费基数申报, decision 0018); NOT audited
    on its own. The history keeps the old value with `reason`."""
    _require_transaction("set_dues_standard")
    return _set_dues_copy(actor=actor, member=member, name="dues_standard", value=value, reason=reason)


def _set_dues_copy(*, actor: User | None, member: Member, name: str, value: Any, reason: str) -> Member:
    if getattr(member, name) == value:
        return member
    setattr(member, name, value)
    member._change_reason = reason[:100]  # type: ignore[attr-defined]
    member._history_user = actor  # type: ignore[attr-defined]
    member.save(update_fields=[name, "updated_at"])
    return member

"""Every write to member records: one transaction and one audit entry each (`core.audit.audited`).

The steps these services share with the other sections' services (check, insert, relocate a
record) are in `records`; the full reading of an ID or phone number is audited here too.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit, crypto, registries
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.core.validators import control_character_problem

from . import records, rollups, rules, selectors
from .models import AuditAction, Member, Standing, StandingChange, Transfer


def _today() -> date:
    return timezone.localdate()


@audited(AuditAction.MEMBER_CREATE)
def create_member(
    *, actor: User, organization: Any, fields: dict[str, Any], id_number: str, phone: str = "",
    origin: Origin | None = None,
) -> Member:
    """Add a member record (建立党员档案) to an organization in the actor's scope."""
    access.require(actor, Cap.MEMBER_EDIT, organization)
    member = records.insert_member(actor=actor, organization=organization, fields=fields, id_number=id_number,
                                   phone=phone, reason=_("建立档案"))
    audit.record(
        actor=actor, action=AuditAction.MEMBER_CREATE, target=member, organization=member.organization,
        summary={"name": member.name, "member_type": member.member_type}, origin=origin,
    )
    return member


def _refuse_what_other_apps_keep(member: Member, changed: list[str]) -> None:
    """A field another app keeps in step with its rows (`registries.record_field_keepers`: the dues
    keep 党费交至 and 党费标准) may be edited by hand only to a value that app accepts."""
    errors: dict[str, list[str]] = {}
    for keeper in registries.record_field_keepers:
        for name in keeper.fields:
            if name in changed and (problem := keeper.problem(member=member, name=name, value=getattr(member, name))):
                errors.setdefault(name, []).append(problem)
    if errors:
        raise ValidationError(errors)


@audited(AuditAction.MEMBER_UPDATE, noop_allowed=True)
def update_member(
    *, actor: User, member: Member, fields: dict[str, Any], id_number: str | None = None,
    phone: str | None = None, reason: str = "", origin: Origin | None = None,
) -> Member:
    """Edit a member record; the history keeps the old values, the audit entry names the fields.
    Nothing changed (the same values again): nothing is written, and no entry."""
    access.require(actor, Cap.MEMBER_EDIT, member.organization)
    member = Member.objects.select_for_update().get(pk=member.pk)
    stored = copy.copy(member)  # as it is now, for the structure statistics
    before = {name: getattr(member, name, None) for name in fields}  # unknown names are refused by apply_fields
    records.apply_fields(member, fields)
    new_id = id_number if id_number not in (None, "") else None
    if new_id is not None and crypto.lookup_hash(rules.normalize_id_text(new_id)) == member.id_number_hash:
        new_id = None
    records.check_record(member, id_number=new_id if new_id is not None else member.id_number, phone=phone)
    changed = sorted(name for name in fields if getattr(member, name) != before[name])
    _refuse_what_other_apps_keep(member, changed)
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
    records.save_record(member)
    rollups.apply_member_changes(before=[stored], after=[member])
    audit.record(
        actor=actor, action=AuditAction.MEMBER_UPDATE, target=member, organization=member.organization,
        summary={
            "fields": changed,
            "changes": {
                name: [str(before[name]) if before[name] is not None else "", str(getattr(member, name) or "")]
                for name in changed if name not in rules.SENSITIVE
            },
        },
        origin=origin,
    )
    return member


@audited(AuditAction.MEMBER_STANDING)
def change_standing(
    *, actor: User, member: Member, new_standing: str, effective_on: date, reason: str,
    document_number: str = "", origin: Origin | None = None,
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
    elif problem := control_character_problem(reason, multiline=True):
        errors["reason"] = [problem]
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
        actor=actor, action=AuditAction.MEMBER_STANDING, target=member, organization=member.organization,
        summary={"from": change.from_standing, "to": new_standing, "effective_on": effective_on.isoformat(),
                 "reason": change.reason},
        origin=origin,
    )
    return change


# --- the full reading of an ID or phone number (audited: decision 0002) ------------------------

def _reveal(*, actor: User, member: Member, field: str, action: AuditAction, origin: Origin | None,
            transfer: Transfer | None = None) -> str:
    """A member reads their own numbers (their own data); anyone else needs `member.view_sensitive`
    where the member belongs (`selectors.may_reveal`) — or, for a printed letter of introduction,
    at either side of the transfer. Every reading is audited the same way."""
    summary: dict[str, Any] = {"field": field}
    if transfer is None:
        if not selectors.may_reveal(actor=actor, member=member):
            raise PermissionDenied(f"{Cap.MEMBER_VIEW_SENSITIVE} not held at this organization")
    else:
        # A printed letter of introduction: the receiving organization may read it too (the paper it
        # receives carries the number), so the capability counts at either side of the transfer.
        if transfer.member_id != member.pk or not any(
                org is not None and access.can(actor, Cap.MEMBER_VIEW_SENSITIVE, org)
                for org in (member.organization, transfer.from_organization, transfer.to_organization)):
            raise PermissionDenied
        summary.update(purpose="transfer_letter", letter_number=transfer.letter_number)
    audit.record(actor=actor, action=action, target=member, organization=member.organization,
                 summary=summary, origin=origin)
    return member.id_number if field == "id_number" else member.phone


@audited(AuditAction.MEMBER_VIEW_ID_NUMBER)
def reveal_id_number(*, actor: User, member: Member, origin: Origin | None = None,
                     transfer: Transfer | None = None) -> str:
    """Show a member's full ID number to a caller who may see it; the reading is audited.

    With `transfer`: the number printed on that transfer's letter of introduction (介绍信), for a
    caller who may see full numbers at either side of it (the receiving branch needs the number to
    register the member); the audit entry names the letter. One entry per print."""
    return _reveal(actor=actor, member=member, field="id_number", action=AuditAction.MEMBER_VIEW_ID_NUMBER,
                   origin=origin, transfer=transfer)


@audited(AuditAction.MEMBER_VIEW_PHONE)
def reveal_phone(*, actor: User, member: Member, origin: Origin | None = None) -> str:
    """Show a member's full phone number to a caller who may see it; the reading is audited."""
    return _reveal(actor=actor, member=member, field="phone", action=AuditAction.MEMBER_VIEW_PHONE, origin=origin)


# The audited reading of each field of `rules.SENSITIVE`: pages and the API pick one by its name.
REVEAL = {"id_number": reveal_id_number, "phone": reveal_phone}

"""Transfers of organizational relations (组织关系转接): every write, one transaction and one audit entry each.

Inside the platform: the sending organization starts a transfer (`start_transfer`) and a
letter of introduction (介绍信) with a number and a validity period; the receiving organization
accepts it (`accept_transfer`: the member moves, with history and roll-ups) or rejects it with a
reason (`reject_transfer`). Until then the member stays in, and under the responsibility of, the
sending organization. A letter past its validity is flagged and may be reissued
(`reissue_letter`: a new number and a new period).
To the outside: the letter is printed; the member leaves (standing 已转出) when the paper receipt
(回执) is recorded (`record_receipt`). From the outside: the receiving organization registers
the member from the letter it received (`register_incoming`).
The pure rules (validity, numbering, states) are in `rules`; the reads of the pages, and the next
number of a committee's series (`selectors.next_number`), in `selectors`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit, registries
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.core.validators import control_character_errors, control_character_problem
from dangwu.members import records
from dangwu.members.models import AuditAction, Member, Standing, StandingChange, Transfer

from . import rules, selectors


def _today() -> date:
    return timezone.localdate()


def _letter_valid_until(issued_on: date) -> date:
    """The letter's last valid day under the deployment's settings."""
    return rules.letter_valid_until(issued_on, months=settings.DANGWU_TRANSFER_LETTER_MONTHS,
                                    days=settings.DANGWU_TRANSFER_LETTER_DAYS)


def _snapshot(member: Member, on: date) -> dict[str, Any]:
    age = on.year - member.birth_date.year - ((on.month, on.day) < (member.birth_date.month, member.birth_date.day))
    return {"member_name": member.name, "member_gender": member.get_gender_display(), "member_age": age,
            "member_type": member.member_type, "id_number_masked": member.id_number_masked,
            "dues_paid_until": member.dues_paid_until}


def _clean(text: Any, limit: int) -> str:
    return str(text or "").strip()[:limit]


def _summary(transfer: Transfer, **extra: Any) -> dict[str, Any]:
    return {"kind": transfer.kind, "member": transfer.member_name, "from": transfer.from_name, "to": transfer.to_name,
            "letter_number": transfer.letter_number or transfer.external_letter_number, **extra}


@audited(AuditAction.MEMBER_TRANSFER_START)
def start_transfer(
    *, actor: User, member: Member, to_organization: Any = None, to_name: str = "", to_address: str = "",
    reason: str = "", origin: Origin | None = None,
) -> Transfer:
    """Start a transfer of the member's organizational relations and issue the letter (开具介绍信).

    `to_organization` for an organization on the platform; otherwise `to_name` (and
    `to_address`) of the outside organization. The member stays where they are until the
    receiving side accepts (or the receipt of an outside letter is recorded).
    """
    access.require(actor, Cap.MEMBER_TRANSFER, member.organization)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    errors: dict[str, list[str]] = {}
    to_name, to_address, reason = _clean(to_name, 120), _clean(to_address, 200), _clean(reason, 200)
    errors.update(control_character_errors({"to_name": to_name, "to_address": to_address, "reason": reason}))
    if not member.in_good_standing:
        errors["member"] = [_("只有党籍状态正常的党员才能转接组织关系（当前：%(s)s）") % {
            "s": member.get_standing_display()}]
    elif Transfer.objects.filter(member=member, status=Transfer.Status.PENDING).exists():
        errors["member"] = [_("该党员已有一项尚未办结的组织关系转接")]
    if to_organization is not None:
        if to_organization.pk == member.organization_id:
            errors["to_organization"] = [_("接收党组织不能是党员现在所在的党组织")]
        elif to_organization.dissolved_on is not None:
            errors["to_organization"] = [_("该党组织已撤销，不能接收党员")]
        kind = Transfer.Kind.INTERNAL
        to_name = to_organization.name
    else:
        kind = Transfer.Kind.OUT
        if not to_name:
            errors["to_name"] = [_("请选择平台内的接收党组织，或填写平台外接收党组织的名称")]
    if errors:
        raise ValidationError(errors)
    today = _today()
    transfer = Transfer(
        kind=kind, member=member, from_organization=member.organization, from_name=member.organization.name,
        to_organization=to_organization, to_name=to_name, to_address=to_address, reason=reason,
        issued_on=today, valid_until=_letter_valid_until(today), created_by=actor, **_snapshot(member, today),
    )
    transfer.letter_number = selectors.next_number(member.organization, today, field="letter_number",
                                          make=rules.letter_number, model=Transfer)
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        # Only a race (a second transfer of the same member, started at the same moment) lands here.
        raise ValidationError({"member": [_("该党员已有一项尚未办结的组织关系转接")]}) from None
    # The months of dues owed when the letter was issued (the page warned of 3 or more): on record.
    owed = len(registries.dues_arrears(member=member))
    audit.record(actor=actor, action=AuditAction.MEMBER_TRANSFER_START, target=transfer, organization=member.organization,
                 summary=_summary(transfer, valid_until=transfer.valid_until.isoformat(),
                                  **({"dues_months_owed": owed} if owed else {})), origin=origin)
    return transfer


def _pending(transfer: Transfer, field: str = "transfer") -> Transfer:
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status != Transfer.Status.PENDING:
        raise ValidationError({field: [_("该转接已办结（%(s)s），不能再办理") % {"s": locked.get_status_display()}]})
    return locked


@audited(AuditAction.MEMBER_TRANSFER_ACCEPT)
def accept_transfer(*, actor: User, transfer: Transfer, origin: Origin | None = None) -> Transfer:
    """The receiving organization accepts (接收): the member moves to it, with history and roll-ups."""
    if transfer.kind != Transfer.Kind.INTERNAL or transfer.to_organization is None:
        raise ValidationError({"transfer": [_("只有平台内的转接可以在线接收")]})
    access.require(actor, Cap.MEMBER_TRANSFER, transfer.to_organization)
    transfer = _pending(transfer)
    today = _today()
    if rules.is_expired(transfer.valid_until, today):
        raise ValidationError({"transfer": [_("介绍信已于 %(d)s 过期，请转出党组织重新开具后再接收") % {
            "d": transfer.valid_until.isoformat()}]})
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if member.organization_id != transfer.from_organization_id or not member.in_good_standing:
        raise ValidationError({"transfer": [_("党员的组织关系或党籍状态已变化，该转接不能再接收")]})
    if transfer.to_organization.dissolved_on is not None:
        raise ValidationError({"transfer": [_("接收党组织已撤销")]})
    records.relocate_member(actor=actor, member=member, changes={"organization": transfer.to_organization},
                                    reason=_("组织关系转入（介绍信 %(n)s）") % {"n": transfer.letter_number})
    transfer.status = Transfer.Status.ACCEPTED
    transfer.decided_on, transfer.decided_by = today, actor
    transfer.save(update_fields=["status", "decided_on", "decided_by"])
    audit.record(actor=actor, action=AuditAction.MEMBER_TRANSFER_ACCEPT, target=transfer,
                 organization=transfer.to_organization, summary=_summary(transfer), origin=origin)
    return transfer


@audited(AuditAction.MEMBER_TRANSFER_REJECT)
def reject_transfer(*, actor: User, transfer: Transfer, reason: str, origin: Origin | None = None) -> Transfer:
    """The receiving organization sends the transfer back (退回) with a reason; the member stays."""
    if transfer.kind != Transfer.Kind.INTERNAL or transfer.to_organization is None:
        raise ValidationError({"transfer": [_("只有平台内的转接可以在线退回")]})
    access.require(actor, Cap.MEMBER_TRANSFER, transfer.to_organization)
    reason = _clean(reason, 1000)
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因")]})
    if problem := control_character_problem(reason, multiline=True):
        raise ValidationError({"reason": [problem]})
    transfer = _pending(transfer)
    transfer.status = Transfer.Status.REJECTED
    transfer.reject_reason = reason
    transfer.decided_on, transfer.decided_by = _today(), actor
    transfer.save(update_fields=["status", "reject_reason", "decided_on", "decided_by"])
    audit.record(actor=actor, action=AuditAction.MEMBER_TRANSFER_REJECT, target=transfer,
                 organization=transfer.to_organization, summary=_summary(transfer, reason=reason), origin=origin)
    return transfer


@audited(AuditAction.MEMBER_TRANSFER_REISSUE)
def reissue_letter(*, actor: User, transfer: Transfer, origin: Origin | None = None) -> Transfer:
    """The sending organization issues the letter again (重新开具): a new number, a new validity period.
    The old number is kept in `previous_numbers` and is no longer valid."""
    if transfer.kind == Transfer.Kind.IN or transfer.from_organization is None:
        raise ValidationError({"transfer": [_("平台外转入的介绍信不由本平台开具")]})
    access.require(actor, Cap.MEMBER_TRANSFER, transfer.from_organization)
    transfer = _pending(transfer)
    today = _today()
    old = transfer.letter_number
    transfer.previous_numbers = [*transfer.previous_numbers, old]
    transfer.letter_number = selectors.next_number(transfer.from_organization, today, field="letter_number",
                                          make=rules.letter_number, model=Transfer)
    transfer.issued_on, transfer.valid_until = today, _letter_valid_until(today)
    transfer.save(update_fields=["previous_numbers", "letter_number", "issued_on", "valid_until"])
    audit.record(actor=actor, action=AuditAction.MEMBER_TRANSFER_REISSUE, target=transfer,
                 organization=transfer.from_organization,
                 summary=_summary(transfer, previous=old, valid_until=transfer.valid_until.isoformat()),
                 origin=origin)
    return transfer


@audited(AuditAction.MEMBER_TRANSFER_RECEIPT)
def record_receipt(*, actor: User, transfer: Transfer, received_on: date | None, origin: Origin | None = None) -> Transfer:
    """Record the paper receipt (回执) of a letter to an outside organization: the member leaves.

    Their record stays with its history; the standing becomes 已转出 (`Standing.TRANSFERRED_OUT`)
    from the date the receiving organization received them, recorded as a standing change, so
    the member no longer counts among the organization's members in good standing.
    """
    if transfer.kind != Transfer.Kind.OUT or transfer.from_organization is None:
        raise ValidationError({"transfer": [_("只有转往平台外的介绍信需要登记回执")]})
    access.require(actor, Cap.MEMBER_TRANSFER, transfer.from_organization)
    transfer = _pending(transfer)
    today = _today()
    if received_on is None:
        raise ValidationError({"received_on": [_("请填写回执上的接收日期")]})
    if received_on > today:
        raise ValidationError({"received_on": [_("接收日期不能晚于今天")]})
    if received_on < transfer.issued_on:
        raise ValidationError({"received_on": [_("接收日期不能早于介绍信开具日期（%(d)s）") % {
            "d": transfer.issued_on.isoformat()}]})
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if not member.in_good_standing or member.organization_id != transfer.from_organization_id:
        raise ValidationError({"transfer": [_("党员的组织关系或党籍状态已变化，不能登记回执")]})
    note = _("组织关系转出至%(to)s（介绍信 %(n)s，回执已收到）") % {"to": transfer.to_name, "n": transfer.letter_number}
    StandingChange.objects.create(member=member, from_standing=member.standing, to_standing=Standing.TRANSFERRED_OUT,
                                  effective_on=received_on, reason=note, document_number=transfer.letter_number or "",
                                  recorded_by=actor)
    records.relocate_member(actor=actor, member=member, reason=note,
                                    changes={"standing": Standing.TRANSFERRED_OUT, "standing_since": received_on})
    transfer.status = Transfer.Status.COMPLETED
    transfer.decided_on, transfer.decided_by = received_on, actor
    transfer.save(update_fields=["status", "decided_on", "decided_by"])
    audit.record(actor=actor, action=AuditAction.MEMBER_TRANSFER_RECEIPT, target=transfer,
                 organization=transfer.from_organization,
                 summary=_summary(transfer, received_on=received_on.isoformat()), origin=origin)
    return transfer


@audited(AuditAction.MEMBER_TRANSFER_REGISTER)
def register_incoming(
    *, actor: User, organization: Any, fields: dict[str, Any], id_number: str, phone: str = "",
    from_name: str, external_letter_number: str = "", letter_date: date | None = None, origin: Origin | None = None,
) -> Transfer:
    """Register a member who transfers in from an organization outside the platform (转入登记),
    from the details of the letter of introduction received. The record is created by
    `members.records.insert_member` (the same checks as 建立党员档案); one audit entry for the whole."""
    access.require(actor, Cap.MEMBER_TRANSFER, organization)
    errors: dict[str, list[str]] = {}
    from_name = _clean(from_name, 120)
    external = _clean(external_letter_number, 40)
    today = _today()
    if not from_name:
        errors["from_name"] = [_("请填写转出党组织的名称（介绍信上的落款）")]
    errors.update(control_character_errors({"from_name": from_name, "external_letter_number": external}))
    if letter_date is not None and letter_date > today:
        errors["letter_date"] = [_("介绍信日期不能晚于今天")]
    # The record is checked even when the letter's fields are wrong, so that every bad field is
    # named at once; a savepoint undoes it unless everything is right.
    savepoint = transaction.savepoint()
    member = None
    try:
        member = records.insert_member(
            actor=actor, organization=organization, fields=fields, id_number=id_number, phone=phone,
            reason=_("组织关系转入（来自%(f)s）") % {"f": from_name or "-"})
    except ValidationError as exc:
        transaction.savepoint_rollback(savepoint)
        for field, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]:
            errors.setdefault(field, []).extend(messages)
    else:
        if errors:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
    if errors or member is None:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        kind=Transfer.Kind.IN, status=Transfer.Status.COMPLETED, member=member, from_name=from_name,
        to_organization=member.organization, to_name=member.organization.name, external_letter_number=external,
        issued_on=letter_date or today, decided_on=today, decided_by=actor, created_by=actor,
        **_snapshot(member, today),
    )
    audit.record(actor=actor, action=AuditAction.MEMBER_TRANSFER_REGISTER, target=transfer, organization=member.organization,
                 summary=_summary(transfer, member_id=member.pk), origin=origin)
    return transfer

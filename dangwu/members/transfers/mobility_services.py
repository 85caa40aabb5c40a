"""Mobile members (流动党员): every write, one transaction and one audit entry each.

A member who goes away for a while without a fixed place to transfer to stays a member of the
home organization (流出党组织) and is recorded as an outflow (`record_outflow`), usually with a
流动党员活动证 (`issue_certificate`). The host organization (流入地党组织), when it is on the
platform, sees them and records their taking part (`record_participation`) but may not let them
vote or stand (`rules.may_vote_at`). The member reports home at least once a year
(`record_report`); 6 months without contact flags a 停止党籍 proposal, 2 years after a stop a
striking-off (see `mobility_selectors.warnings_of`). Return ends the outflow (`record_return`).
The reads of the pages are in `mobility_selectors`.
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

from dangwu.core import access, audit
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.members import records
from dangwu.members.models import AuditAction, Member, MobilityRecord, Outflow

from . import rules, selectors


def _today() -> date:
    return timezone.localdate()


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _date_errors(errors: dict[str, list[str]], field: str, day: date | None, *, required: bool = True,
                 not_before: date | None = None, before_label: str = "") -> None:
    if day is None:
        if required:
            errors.setdefault(field, []).append(_("请填写日期"))
        return
    if day > _today():
        errors.setdefault(field, []).append(_("日期不能晚于今天"))
    elif not_before is not None and day < not_before:
        errors.setdefault(field, []).append(_("日期不能早于%(what)s（%(d)s）") % {
            "what": before_label, "d": not_before.isoformat()})


def _open(outflow: Outflow) -> Outflow:
    locked = Outflow.objects.select_for_update(of=("self",)).select_related("member", "home_organization",
                                                               "host_organization").get(pk=outflow.pk)
    if locked.returned_on is not None:
        raise ValidationError({"outflow": [_("该党员已于 %(d)s 返回，外出登记已结束") % {
            "d": locked.returned_on.isoformat()}]})
    return locked


@audited(AuditAction.MEMBER_OUTFLOW_START)
def record_outflow(
    *, actor: User, member: Member, destination: str, reason: str, left_on: date | None, contact: str,
    host_organization: Any = None, expected_return_on: date | None = None, origin: Origin | None = None,
) -> Outflow:
    """Record that a member goes away (流出登记): where, why, from when, how to reach them."""
    access.require(actor, Cap.MEMBER_MOBILITY, member.organization)
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    destination, reason, contact = _text(destination, 120), _text(reason, 200), _text(contact, 120)
    errors: dict[str, list[str]] = {}
    if not member.in_good_standing:
        errors["member"] = [_("只有党籍状态正常的党员才能登记外出流动")]
    elif Outflow.objects.filter(member=member, returned_on__isnull=True).exists():
        errors["member"] = [_("该党员已有一项未结束的外出登记")]
    if host_organization is not None:
        if host_organization.pk == member.organization_id:
            errors["host_organization"] = [_("流入地党组织不能是党员所在的党组织")]
        if not destination:
            destination = host_organization.name[:120]
    if not destination:
        errors["destination"] = [_("请填写流出去向")]
    if not reason:
        errors["reason"] = [_("请填写外出原因")]
    if not contact:
        errors["contact"] = [_("请填写外出期间的联系方式")]
    _date_errors(errors, "left_on", left_on, not_before=member.joined_on, before_label=_("入党日期"))
    if expected_return_on is not None and left_on is not None and expected_return_on < left_on:
        errors["expected_return_on"] = [_("预计返回日期不能早于外出日期")]
    if errors:
        raise ValidationError(errors)
    assert left_on is not None  # required: _date_errors refused None
    outflow = Outflow(member=member, home_organization=member.organization, destination=destination,
                      host_organization=host_organization, reason=reason, left_on=left_on,
                      # Recording the outflow is itself contact with the member (today, not the day they left).
                      expected_return_on=expected_return_on, contact=contact, last_contact_on=_today(),
                      created_by=actor)
    try:
        with transaction.atomic():
            outflow.save()
    except IntegrityError:
        raise ValidationError({"member": [_("该党员已有一项未结束的外出登记")]}) from None
    records.relocate_member(actor=actor, member=member, reason=_("外出流动：%(d)s") % {"d": destination},
                                    changes={"is_outflow": True, "outflow_destination": destination})
    audit.record(actor=actor, action=AuditAction.MEMBER_OUTFLOW_START, target=outflow, organization=member.organization,
                 summary={"member": member.name, "destination": destination,
                          "host": host_organization.pk if host_organization else None,
                          "left_on": left_on.isoformat()}, origin=origin)
    return outflow


@audited(AuditAction.MEMBER_OUTFLOW_CERTIFICATE)
def issue_certificate(*, actor: User, outflow: Outflow, valid_until: date | None = None,
                      origin: Origin | None = None) -> Outflow:
    """Issue (or renew) the 流动党员活动证: a new number of the home committee's series and a validity."""
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.home_organization)
    outflow = _open(outflow)
    today = _today()
    if valid_until is None:
        valid_until = rules.add_months(today, settings.DANGWU_MOBILE_CERT_MONTHS)
    if valid_until <= today:
        raise ValidationError({"valid_until": [_("有效期应晚于今天")]})
    if valid_until > rules.add_months(today, 36):
        raise ValidationError({"valid_until": [_("有效期最长三年")]})
    previous = outflow.certificate_number
    outflow.certificate_number = selectors.next_number(outflow.home_organization, today, field="certificate_number",
                                              make=rules.certificate_number, model=Outflow)
    outflow.certificate_issued_on, outflow.certificate_valid_until = today, valid_until
    outflow.save(update_fields=["certificate_number", "certificate_issued_on", "certificate_valid_until"])
    audit.record(actor=actor, action=AuditAction.MEMBER_OUTFLOW_CERTIFICATE, target=outflow,
                 organization=outflow.home_organization,
                 summary={"member": outflow.member.name, "number": outflow.certificate_number,
                          "previous": previous or "", "valid_until": valid_until.isoformat()}, origin=origin)
    return outflow


def _record(*, actor: User, outflow: Outflow, kind: str, on: date | None, note: str, organization: Any,
            action: AuditAction, origin: Origin | None) -> MobilityRecord:
    note = _text(note, 300)
    errors: dict[str, list[str]] = {}
    _date_errors(errors, "on", on, not_before=outflow.left_on, before_label=_("外出日期"))
    if not note:
        errors["note"] = [_("请填写内容")]
    if errors:
        raise ValidationError(errors)
    assert on is not None  # required: _date_errors refused None
    record = MobilityRecord.objects.create(outflow=outflow, kind=kind, on=on, note=note, organization=organization,
                                           recorded_by=actor)
    audit.record(actor=actor, action=action, target=record, organization=organization,
                 summary={"member": outflow.member.name, "on": on.isoformat(), "note": note}, origin=origin)
    return record


@audited(AuditAction.MEMBER_OUTFLOW_PARTICIPATION)
def record_participation(*, actor: User, outflow: Outflow, on: date | None, note: str,
                         origin: Origin | None = None) -> MobilityRecord:
    """The host organization records that the mobile member took part (参加组织生活) on a day."""
    if outflow.host_organization is None:
        raise ValidationError({"outflow": [_("该党员的流入地党组织不在本平台")]})
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.host_organization)
    outflow = _open(outflow)
    record = _record(actor=actor, outflow=outflow, kind=str(MobilityRecord.Kind.PARTICIPATION), on=on, note=note,
                     organization=outflow.host_organization, action=AuditAction.MEMBER_OUTFLOW_PARTICIPATION,
                     origin=origin)
    if record.on > outflow.last_contact_on:
        outflow.last_contact_on = record.on
        outflow.save(update_fields=["last_contact_on"])
    return record


@audited(AuditAction.MEMBER_OUTFLOW_REPORT)
def record_report(*, actor: User, outflow: Outflow, on: date | None, note: str, origin: Origin | None = None) -> MobilityRecord:
    """The home organization records the member's report (向原党组织汇报), at least once a year.
    A report is contact: a member flagged as out of contact (失联) is no longer."""
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.home_organization)
    outflow = _open(outflow)
    record = _record(actor=actor, outflow=outflow, kind=str(MobilityRecord.Kind.REPORT), on=on, note=note,
                     organization=outflow.home_organization, action=AuditAction.MEMBER_OUTFLOW_REPORT,
                     origin=origin)
    outflow.last_report_on = max(record.on, outflow.last_report_on or record.on)
    outflow.last_contact_on = max(record.on, outflow.last_contact_on)
    outflow.save(update_fields=["last_report_on", "last_contact_on"])
    if outflow.member.lost_contact:
        records.relocate_member(actor=actor, member=outflow.member, reason=_("流动党员恢复联系"),
                                        changes={"lost_contact": False, "lost_contact_since": None})
    return record


@audited(AuditAction.MEMBER_OUTFLOW_RETURN)
def record_return(*, actor: User, outflow: Outflow, returned_on: date | None, origin: Origin | None = None) -> Outflow:
    """The member is back (返回): the outflow ends and the member is no longer flagged 流出."""
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.home_organization)
    outflow = _open(outflow)
    errors: dict[str, list[str]] = {}
    _date_errors(errors, "returned_on", returned_on, not_before=outflow.left_on, before_label=_("外出日期"))
    if errors:
        raise ValidationError(errors)
    assert returned_on is not None  # required: _date_errors refused None
    outflow.returned_on = returned_on
    outflow.save(update_fields=["returned_on"])
    records.relocate_member(actor=actor, member=outflow.member, reason=_("外出流动结束，返回"),
                                    changes={"is_outflow": False, "outflow_destination": ""})
    audit.record(actor=actor, action=AuditAction.MEMBER_OUTFLOW_RETURN, target=outflow, organization=outflow.home_organization,
                 summary={"member": outflow.member.name, "returned_on": returned_on.isoformat()}, origin=origin)
    return outflow


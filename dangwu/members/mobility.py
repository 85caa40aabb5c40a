"""Mobile members (流动党员): every write, one transaction and one audit entry each.

A member who goes away for a while without a fixed place to transfer to stays a member of the
home organization (流出党组织) and is recorded as an outflow (`record_outflow`), usually with a
流动党员活动证 (`issue_certificate`). The host organization (流入地党组织), when it is on the
platform, sees them and records their taking part (`record_participation`) but may not let them
vote or stand (`transfer_rules.may_vote_at`). The member reports home at least once a year
(`record_report`); 6 months without contact flags a 停止党籍 proposal, 2 years after a stop a
striking-off (see `warnings_of`). Return ends the outflow (`record_return`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, audit
from dangwu.core.roles import Cap

from . import services
from . import transfer_rules as rules
from .models import Member, MobilityRecord, Outflow, Standing
from .transfers import _next_number


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


@transaction.atomic
def record_outflow(
    *, actor: Any, member: Member, destination: str, reason: str, left_on: date | None, contact: str,
    host_organization: Any = None, expected_return_on: date | None = None, request: Any = None,
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
    services.relocate_member(actor=actor, member=member, reason=_("外出流动：%(d)s") % {"d": destination},
                             changes={"is_outflow": True, "outflow_destination": destination})
    audit.record(actor=actor, action="member.outflow.start", target=outflow, organization=member.organization,
                 summary={"member": member.name, "destination": destination,
                          "host": host_organization.pk if host_organization else None,
                          "left_on": left_on.isoformat()}, request=request)
    return outflow


@transaction.atomic
def issue_certificate(*, actor: Any, outflow: Outflow, valid_until: date | None = None,
                      request: Any = None) -> Outflow:
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
    outflow.certificate_number = _next_number(outflow.home_organization, today, field="certificate_number",
                                              make=rules.certificate_number, model=Outflow)
    outflow.certificate_issued_on, outflow.certificate_valid_until = today, valid_until
    outflow.save(update_fields=["certificate_number", "certificate_issued_on", "certificate_valid_until"])
    audit.record(actor=actor, action="member.outflow.certificate", target=outflow,
                 organization=outflow.home_organization,
                 summary={"member": outflow.member.name, "number": outflow.certificate_number,
                          "previous": previous or "", "valid_until": valid_until.isoformat()}, request=request)
    return outflow


def _record(*, actor: Any, outflow: Outflow, kind: str, on: date | None, note: str, organization: Any,
            request: Any) -> MobilityRecord:
    note = _text(note, 300)
    errors: dict[str, list[str]] = {}
    _date_errors(errors, "on", on, not_before=outflow.left_on, before_label=_("外出日期"))
    if not note:
        errors["note"] = [_("请填写内容")]
    if errors:
        raise ValidationError(errors)
    record = MobilityRecord.objects.create(outflow=outflow, kind=kind, on=on, note=note, organization=organization,
                                           recorded_by=actor)
    audit.record(actor=actor, action=f"member.outflow.{kind}", target=record, organization=organization,
                 summary={"member": outflow.member.name, "on": on.isoformat(), "note": note}, request=request)
    return record


@transaction.atomic
def record_participation(*, actor: Any, outflow: Outflow, on: date | None, note: str,
                         request: Any = None) -> MobilityRecord:
    """The host organization records that the mobile member took part (参加组织生活) on a day."""
    if outflow.host_organization is None:
        raise ValidationError({"outflow": [_("该党员的流入地党组织不在本平台")]})
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.host_organization)
    outflow = _open(outflow)
    record = _record(actor=actor, outflow=outflow, kind=MobilityRecord.Kind.PARTICIPATION, on=on, note=note,
                     organization=outflow.host_organization, request=request)
    if on > outflow.last_contact_on:
        outflow.last_contact_on = on
        outflow.save(update_fields=["last_contact_on"])
    return record


@transaction.atomic
def record_report(*, actor: Any, outflow: Outflow, on: date | None, note: str, request: Any = None) -> MobilityRecord:
    """The home organization records the member's report (向原党组织汇报), at least once a year.
    A report is contact: a member flagged as out of contact (失联) is no longer."""
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.home_organization)
    outflow = _open(outflow)
    record = _record(actor=actor, outflow=outflow, kind=MobilityRecord.Kind.REPORT, on=on, note=note,
                     organization=outflow.home_organization, request=request)
    outflow.last_report_on = max(on, outflow.last_report_on or on)
    outflow.last_contact_on = max(on, outflow.last_contact_on)
    outflow.save(update_fields=["last_report_on", "last_contact_on"])
    if outflow.member.lost_contact:
        services.relocate_member(actor=actor, member=outflow.member, reason=_("流动党员恢复联系"),
                                 changes={"lost_contact": False, "lost_contact_since": None})
    return record


@transaction.atomic
def record_return(*, actor: Any, outflow: Outflow, returned_on: date | None, request: Any = None) -> Outflow:
    """The member is back (返回): the outflow ends and the member is no longer flagged 流出."""
    access.require(actor, Cap.MEMBER_MOBILITY, outflow.home_organization)
    outflow = _open(outflow)
    errors: dict[str, list[str]] = {}
    _date_errors(errors, "returned_on", returned_on, not_before=outflow.left_on, before_label=_("外出日期"))
    if errors:
        raise ValidationError(errors)
    outflow.returned_on = returned_on
    outflow.save(update_fields=["returned_on"])
    services.relocate_member(actor=actor, member=outflow.member, reason=_("外出流动结束，返回"),
                             changes={"is_outflow": False, "outflow_destination": ""})
    audit.record(actor=actor, action="member.outflow.return", target=outflow, organization=outflow.home_organization,
                 summary={"member": outflow.member.name, "returned_on": returned_on.isoformat()}, request=request)
    return outflow


# --- reads ----------------------------------------------------------------------------

def visible_outflows(*, actor: Any) -> Any:
    """Outflows the caller may see: of members of organizations where they hold `member.mobility`,
    or hosted by such an organization."""
    q = Q(pk__in=[])
    for path in access.scope_paths(actor, Cap.MEMBER_MOBILITY):
        q |= Q(home_organization__path__startswith=path) | Q(host_organization__path__startswith=path)
    return Outflow.objects.filter(q).select_related("member", "home_organization", "host_organization")


def mobility_of(*, actor: Any, organization: Any) -> dict[str, Any]:
    """The mobility page of an organization (its subtree): open outflows, inflows it hosts, warnings."""
    today = _today()
    visible = visible_outflows(actor=actor).filter(returned_on__isnull=True)
    outflows = list(visible.filter(home_organization__path__startswith=organization.path).order_by("left_on")[:500])
    inflows = list(visible.filter(host_organization__path__startswith=organization.path).order_by("left_on")[:500])
    for outflow in outflows + inflows:
        outflow.no_contact = rules.no_contact_due(outflow.last_contact_on, today)
        outflow.report_overdue = rules.report_overdue(outflow.last_report_on, outflow.left_on, today)
        outflow.certificate_expired = rules.is_expired(outflow.certificate_valid_until, today)
    return {"outflows": outflows, "inflows": inflows, "warnings": warnings_of(actor=actor, organization=organization,
                                                                              outflows=outflows)}


def warnings_of(*, actor: Any, organization: Any, outflows: list[Outflow] | None = None) -> list[dict[str, Any]]:
    """Members of the subtree to act on: out of contact 6 months (停止党籍 proposal), reports overdue,
    and stops older than 2 years (除名)."""
    today = _today()
    if not access.can(actor, Cap.MEMBER_MOBILITY, organization):
        return []
    if outflows is None:
        outflows = list(Outflow.objects.filter(home_organization__path__startswith=organization.path,
                                               returned_on__isnull=True).select_related("member")[:500])
    out = []
    for outflow in outflows:
        if rules.no_contact_due(outflow.last_contact_on, today):
            out.append({"kind": "no_contact", "member": outflow.member, "since": outflow.last_contact_on})
        elif rules.report_overdue(outflow.last_report_on, outflow.left_on, today):
            out.append({"kind": "report", "member": outflow.member, "since": outflow.last_report_on or outflow.left_on})
    members = Member.objects.filter(organization__path__startswith=organization.path)
    lost_cutoff = rules.add_months(today, -rules.NO_CONTACT_MONTHS)
    seen = {w["member"].pk for w in out}
    for member in members.in_good_standing().filter(lost_contact=True,
                                 lost_contact_since__lte=lost_cutoff).order_by("lost_contact_since")[:200]:
        if member.pk not in seen:
            out.append({"kind": "no_contact", "member": member, "since": member.lost_contact_since})
    stop_cutoff = rules.add_months(today, -rules.STRIKE_OFF_MONTHS)
    for member in members.filter(standing=Standing.SUSPENDED, standing_since__lte=stop_cutoff).order_by(
            "standing_since")[:200]:
        if rules.strike_off_due(member.standing, member.standing_since, today):
            out.append({"kind": "strike_off", "member": member, "since": member.standing_since})
    return out

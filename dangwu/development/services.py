"""Every write to the recruitment pipeline: keyword-only, one transaction and one audit entry each.

Each service declares the one action it records (`AuditAction`, through `core.audit.audited`)
and takes the origin of the write (`core.audit.Origin`), never the request. The rules come from
`rules.py` and the reads from `selectors.py`; a refused write raises ValidationError keyed by
field and leaves nothing behind.

When the superior committee approves an admission, the person becomes a probationary member
through `members.services.create_member`; at the conversion a full member through
`members.services.update_member`; a cancelled probationary member leaves the roll through
`members.services.change_standing`. Those services check, keep the history and roll-ups and
record their own entry (`member.create`, `member.update`, `member.standing`) beside this app's:
a service called inside another counts its entry for itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangwu.core import access, audit, classification, crypto
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.core.validators import control_character_errors, control_character_problem
from dangwu.members import rules as member_rules
from dangwu.members import selectors as member_selectors
from dangwu.members import services as member_services
from dangwu.members.models import Member, MemberType, Standing

from . import files, rules, selectors
from .imports import PersonRow
from .models import (
    AuditAction,
    Candidate,
    Document,
    ReportAttachment,
    ReportComment,
    Sponsor,
    Step,
    ThoughtReport,
    Vote,
)

T = TypeVar("T")

VOTE_FIELDS = ("should_attend", "present", "in_favour", "against", "abstained", "written_in_favour",
               "written_against")


@dataclass
class Upload:
    """A document handed to a service: its title, file name and bytes."""

    title: str
    name: str
    data: bytes


def _today() -> date:
    return timezone.localdate()


def _lock(candidate: Candidate) -> Candidate:
    return Candidate.objects.select_for_update().select_related("organization").get(pk=candidate.pk)


def _refresh_progress(candidate: Candidate, history: dict[str, date]) -> None:
    last = rules.last_step(history)
    candidate.last_step = last or ""
    candidate.last_step_on = history.get(last) if last else None
    candidate.stage = rules.stage_of(last)
    candidate.due_on = rules.next_due(history, extension_months=candidate.extension_months)


def _save_documents(*, actor: User, candidate: Candidate, step: Step | None, uploads: Iterable[Upload]) -> list[Document]:
    saved = []
    for upload in uploads:
        document = Document(candidate=candidate, step=step, title=upload.title.strip()[:120] or upload.name[:120],
                            file_name=upload.name[:200], size=len(upload.data), uploaded_by=actor)
        document.file.save(upload.name[-100:], ContentFile(upload.data), save=False)
        document.save()
        saved.append(document)
    return saved


def _upload_errors(uploads: Iterable[Upload]) -> list[str]:
    problems = []
    for upload in uploads:
        problem = files.check_upload(name=upload.name, title=upload.title, data=upload.data)
        if problem:
            problems.append(f"{upload.name}：{problem}")
    return problems


# --- applications -----------------------------------------------------------------------------


NOT_HERE = gettext_lazy("该公民身份号码不能在此登记入党申请，请核对号码；如有疑问，请联系上级党组织")


def _on_file_elsewhere(*, actor: User, digest: str, origin: Origin | None) -> str | None:
    """Why the number cannot apply when it is on file — a member's record or an application in
    progress — or None. Where the record is outside what the actor may see, the answer is the same
    whatever it is (as the roster import answers, issue 12): the form would otherwise tell anyone
    who can log in whether a number belongs to a party member or an applicant anywhere. That
    look-up is audited (`access.denied`, standing when the application is refused)."""
    member = Member.objects.filter(id_number_hash=digest).values_list("pk", "org_path", "organization_id").first()
    candidate = None if member else Candidate.objects.filter(
        id_number_hash=digest, status=Candidate.Status.ACTIVE).values_list(
        "pk", "organization__path", "organization_id").first()
    found = member or candidate
    if found is None:
        return None
    capability = Cap.MEMBER_VIEW if member else Cap.DEVELOPMENT_VIEW
    if any(found[1].startswith(root) for root in access.scope_paths(actor, capability)):
        return (_("该公民身份号码已登记在党员档案中：已是党员的不能再申请入党") if member
                else _("该公民身份号码已有一份正在办理的入党申请"))
    access.record_denied(actor=actor, model=Member if member else Candidate, organization=found[2],
                         detail={"via": "application", "id": found[0]}, origin=origin)
    return str(NOT_HERE)


def _application_errors(*, actor: User, organization: Any, name: str, id_number: str, phone: str,
                        applied_on: date | None, user: User | None, origin: Origin | None,
                        ) -> tuple[dict[str, list[str]], member_rules.IdNumber | None]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if organization is None or not organization.is_branch:
        add("organization", _("请选择一个党支部：入党申请书递交给党支部"))
    elif organization.dissolved_on is not None:
        add("organization", _("该党组织已撤销"))
    if not (name or "").strip():
        add("name", _("请填写姓名"))
    elif len(name.strip()) > 50:
        add("name", _("姓名最多50个字"))
    parsed = None
    try:
        parsed = member_rules.parse_id_number(id_number, today=_today())
    except ValidationError as exc:
        add("id_number", exc.messages[0])
    if phone:
        try:
            member_rules.normalize_phone(phone)
        except ValidationError as exc:
            add("phone", exc.messages[0])
    if applied_on is None:
        add("applied_on", _("请填写申请日期"))
    elif applied_on > _today():
        add("applied_on", _("日期不能晚于今天"))
    if parsed is not None:
        problem = _on_file_elsewhere(actor=actor, digest=crypto.lookup_hash(parsed.number), origin=origin)
        if problem:
            add("id_number", problem)
        if applied_on is not None and "applied_on" not in errors:
            for reason in rules.violations("application", {}, applied_on, birth_date=parsed.birth_date):
                add("applied_on", reason)
    if user is not None and Candidate.objects.filter(user=user, status=Candidate.Status.ACTIVE).exists():
        add("user", _("您已有一份正在办理的入党申请"))
    return errors, parsed


def _create_candidate(*, actor: User, organization: Any, name: str, id_number: str, phone: str, ethnicity: str,
                      education: str, work_unit: str, applied_on: date, user: User | None, online: bool,
                      uploads: list[Upload], origin: Origin | None) -> Candidate:
    errors, parsed = _application_errors(actor=actor, organization=organization, name=name, id_number=id_number,
                                         phone=phone, applied_on=applied_on, user=user, origin=origin)
    problems = _upload_errors(uploads)
    if problems:
        errors["documents"] = problems
    if len(education or "") > 24 or len(work_unit or "") > 120:
        errors.setdefault("work_unit", []).append(_("内容过长"))
    # 民族 as the member record and the roster import check it: one of the 56 (汉 → 汉族), 汉族 when blank
    ethnicity_stored = member_rules.ethnicity_name(ethnicity) if (ethnicity or "").strip() else "汉族"
    if ethnicity_stored is None:
        errors.setdefault("ethnicity", []).append(str(member_rules.UNKNOWN_ETHNICITY))
    for field, messages in control_character_errors(
            {"name": name, "education": education, "work_unit": work_unit}).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    assert parsed is not None
    candidate = Candidate(
        user=user, organization=organization, name=name.strip(), gender=parsed.gender,
        ethnicity=ethnicity_stored, birth_date=parsed.birth_date,
        work_unit=(work_unit or "").strip(), education=(education or "").strip(), applied_online=online,
    )
    candidate.name_pinyin = member_rules.pinyin_keys(candidate.name)[0]
    candidate.set_id_number(parsed.number)
    candidate.set_phone(member_rules.normalize_phone(phone) if phone else "")
    _refresh_progress(candidate, {"application": applied_on})
    candidate._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        raise ValidationError({"id_number": [_("该公民身份号码已有一份正在办理的入党申请")]}) from None
    step = Step.objects.create(candidate=candidate, code="application", done_on=applied_on,
                               body=organization.name[:120], recorded_by=actor,
                               notes=_("网上申请入党") if online else "")
    _save_documents(actor=actor, candidate=candidate, step=step, uploads=uploads)
    audit.record(actor=actor, action=AuditAction.APPLY, target=candidate, organization=organization,
                 summary={"online": online, "applied_on": applied_on.isoformat(), "documents": len(uploads)},
                 origin=origin)
    return candidate


@audited(AuditAction.APPLY)
def apply_online(
    *, actor: User, organization: Any, name: str, id_number: str, phone: str = "", ethnicity: str = "汉族",
    education: str = "", work_unit: str = "", uploads: list[Upload] | None = None, origin: Origin | None = None,
) -> Candidate:
    """网上申请入党: any logged-in person applies to a branch, today; the branch sees the application."""
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError({"user": [_("请先登录")]})
    if not selectors.account_may_apply(user=actor):
        raise PermissionDenied("the administrators' accounts do not apply to join the party")
    return _create_candidate(actor=actor, organization=organization, name=name, id_number=id_number, phone=phone,
                             ethnicity=ethnicity, education=education, work_unit=work_unit, applied_on=_today(),
                             user=actor, online=True, uploads=list(uploads or []), origin=origin)


@audited(AuditAction.APPLY)
def register_application(
    *, actor: User, organization: Any, name: str, id_number: str, applied_on: date, phone: str = "",
    ethnicity: str = "汉族", education: str = "", work_unit: str = "", uploads: list[Upload] | None = None,
    origin: Origin | None = None,
) -> Candidate:
    """The branch registers an application handed in on paper, with the date written on it."""
    access.require(actor, Cap.DEVELOPMENT_MANAGE, organization)
    return _create_candidate(actor=actor, organization=organization, name=name, id_number=id_number, phone=phone,
                             ethnicity=ethnicity, education=education, work_unit=work_unit, applied_on=applied_on,
                             user=None, online=False, uploads=list(uploads or []), origin=origin)


# --- steps --------------------------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


@audited(AuditAction.STEP)
def record_step(
    *, actor: User, candidate: Candidate, code: str, done_on: date, body: str = "", responsible: str = "",
    notes: str = "", training_days: Any = None, training_hours: Any = None, vote: dict[str, int] | None = None,
    uploads: list[Upload] | None = None, origin: Origin | None = None,
) -> Step:
    """Record one of the 25 steps. Refused, with the reasons of `rules.violations`, when it is out of
    order or too early or late; a vote step takes the numbers and refuses a vote without quorum or
    majority. `superior_approval` makes the person a probationary member (入党日期 = the admission
    vote's date); `conversion_approval` a full member (转正日期 = the end of the probation). Those two
    also record members' own entry (`member.create`, `member.update`) beside `development.step`."""
    if code not in rules.STEPS:
        raise ValidationError({"code": [_("未知的发展步骤")]})
    access.require(actor, rules.capability_for(code), candidate.organization)
    candidate = _lock(candidate)
    uploads = list(uploads or [])
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if candidate.status != Candidate.Status.ACTIVE:
        add("code", _("该发展对象的发展程序已终止或已完成，不能再记录步骤"))
    if done_on is None:
        add("done_on", _("请填写日期"))
    elif done_on > _today():
        add("done_on", _("日期不能晚于今天"))
    days, hours = _number(training_days), _number(training_hours)
    for field, value, raw in (("training_days", days, training_days), ("training_hours", hours, training_hours)):
        if raw not in (None, "") and (value is None or value < 0 or value > 1000):
            add(field, _("请填写0至1000之间的数"))
    for field, text in (("body", body), ("responsible", responsible)):
        if len(text or "") > (120 if field == "body" else 60):
            add(field, _("内容过长"))
    for field, messages in control_character_errors(
            {"body": body, "responsible": responsible, "notes": notes}, multiline=("notes",)).items():
        add(field, messages[0])
    history = selectors.history_of(candidate)
    if not errors:
        sponsors = list(candidate.sponsors.select_related("member"))
        for reason in rules.violations(
            code, history, done_on, birth_date=candidate.birth_date, introducers=selectors.introducers_of(candidate),
            contact_persons=sum(1 for s in sponsors if s.kind == Sponsor.Kind.CONTACT),
            training_days=float(days) if days is not None else None,
            training_hours=float(hours) if hours is not None else None,
            extension_months=candidate.extension_months,
            publicity_start=candidate.publicity_starts_on,
            publicity_working_days=candidate.publicity_working_days or selectors.publicity_working_days(),
        ):
            add("code", reason)
    numbers: dict[str, int] = {}
    if code in rules.VOTE_STEPS:
        vote = vote or {}
        for field in VOTE_FIELDS:
            raw = vote.get(field)
            if raw in (None, "") and field not in ("should_attend", "present", "in_favour"):
                raw = 0  # against, abstained and written opinions: none when not given
            try:
                numbers[field] = int(raw) if raw not in (None, "") else -1
            except (TypeError, ValueError):
                numbers[field] = -1
            if numbers[field] < 0 or numbers[field] > 100000:
                add(field, _("请填写0至100000之间的整数"))
        if not any(f in errors for f in VOTE_FIELDS):
            result = rules.tally(**numbers)
            for field, message in rules.vote_refusals(result, should_attend=numbers["should_attend"]).items():
                add(field, message)
    for problem in _upload_errors(uploads):
        add("documents", problem)
    if errors:
        raise ValidationError(errors)

    step = Step.objects.create(
        candidate=candidate, code=code, done_on=done_on, body=(body or "").strip()[:120],
        responsible=(responsible or "").strip()[:60], notes=(notes or "").strip(), training_days=days,
        training_hours=hours, recorded_by=actor)
    if numbers:
        Vote.objects.create(step=step, **numbers)
    _save_documents(actor=actor, candidate=candidate, step=step, uploads=uploads)
    history[code] = done_on
    _refresh_progress(candidate, history)
    if code == "superior_approval":
        _admit(actor=actor, candidate=candidate, history=history, origin=origin)
    elif code == "conversion_approval":
        _convert(actor=actor, candidate=candidate, history=history, origin=origin)
    elif code == "archived":
        candidate.status = Candidate.Status.COMPLETED
        candidate.due_on = None
    candidate._change_reason = str(rules.STEPS[code].label)  # type: ignore[attr-defined]
    candidate._history_user = actor  # type: ignore[attr-defined]
    candidate.save()
    summary: dict[str, Any] = {"step": code, "done_on": done_on.isoformat(), "documents": len(uploads)}
    if numbers:
        summary["vote"] = numbers
    if candidate.member_id:
        summary["member"] = candidate.member_id
    audit.record(actor=actor, action=AuditAction.STEP, target=candidate, organization=candidate.organization,
                 summary=summary, origin=origin)
    return step


def _admit(*, actor: User, candidate: Candidate, history: dict[str, date], origin: Origin | None) -> None:
    """预备党员: a member record in the branch, 入党日期 = the day the branch general meeting adopted."""
    member = member_services.create_member(
        origin=origin, actor=actor, organization=candidate.organization, id_number=candidate.id_number,
        phone=candidate.phone,
        fields={"name": candidate.name, "gender": candidate.gender, "ethnicity": candidate.ethnicity,
                "birth_date": candidate.birth_date, "work_unit": candidate.work_unit,
                "member_type": MemberType.PROBATIONARY, "applied_on": history["application"],
                "joined_on": history["branch_admission_vote"]})
    if candidate.user_id and not Member.objects.filter(user_id=candidate.user_id).exists():
        # The applicant's own account becomes the member's login (members' services do not set accounts).
        member.user_id = candidate.user_id
        member._change_reason = _("关联申请人的登录账号")  # type: ignore[attr-defined]
        member._history_user = actor  # type: ignore[attr-defined]
        member.save(update_fields=["user"])
    candidate.member = member


def _convert(*, actor: User, candidate: Candidate, history: dict[str, date], origin: Origin | None) -> None:
    """正式党员: 转正日期 = the day the probation (with its extension) ended."""
    if candidate.member_id is None:
        raise ValidationError({"code": [_("没有该预备党员的党员档案，不能审批转正")]})
    end = rules.probation_end(history, extension_months=candidate.extension_months)
    member = Member.objects.get(pk=candidate.member_id)
    member_services.update_member(origin=origin, actor=actor, member=member,
                                  fields={"member_type": MemberType.FULL, "converted_on": end},
                                  reason=_("预备党员转正"))


# --- contact persons and introducers -----------------------------------------------------------


@audited(AuditAction.SPONSOR)
def assign_sponsor(
    *, actor: User, candidate: Candidate, kind: str, member: Member, assigned_on: date, origin: Origin | None = None,
) -> Sponsor:
    """指定培养联系人 (from the activist stage) or 确定入党介绍人 (from the development-target stage):
    full members in good standing, one or two contact persons, two introducers."""
    access.require(actor, Cap.DEVELOPMENT_MANAGE, candidate.organization)
    candidate = _lock(candidate)
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    history = selectors.history_of(candidate)
    if kind not in Sponsor.Kind.values:
        add("kind", _("请选择培养联系人或入党介绍人"))
    if candidate.status != Candidate.Status.ACTIVE:
        add("kind", _("该发展对象的发展程序已终止或已完成"))
    if member is None or not access.can(actor, Cap.MEMBER_VIEW, member.organization):
        add("member", _("请选择您管理范围内的党员"))
    elif not member.full_in_good_standing:
        add("member", _("培养联系人和入党介绍人须是党籍正常的正式党员"))
    if assigned_on is None:
        add("assigned_on", _("请填写日期"))
    elif assigned_on > _today():
        add("assigned_on", _("日期不能晚于今天"))
    if kind == Sponsor.Kind.CONTACT:
        if "activist_selected" not in history:
            add("kind", _("确定为入党积极分子后，方可指定培养联系人"))
        elif assigned_on and assigned_on < history["activist_selected"]:
            add("assigned_on", _("不能早于确定为入党积极分子的日期（%(d)s）") % {"d": history["activist_selected"]})
        limit = rules.CONTACTS_MAX
    else:
        if "target_selected" not in history:
            add("kind", _("确定为发展对象后，方可确定入党介绍人"))
        elif assigned_on and assigned_on < history["target_selected"]:
            add("assigned_on", _("不能早于确定为发展对象的日期（%(d)s）") % {"d": history["target_selected"]})
        if "branch_admission_vote" in history:
            add("kind", _("支部大会已讨论，不能再更换入党介绍人"))
        limit = rules.INTRODUCERS
    if kind in Sponsor.Kind.values and candidate.sponsors.filter(kind=kind).count() >= limit:
        add("member", _("已确定%(n)d名，不能再增加") % {"n": limit})
    if member is not None and candidate.sponsors.filter(kind=kind, member=member).exists():
        add("member", _("该党员已确定"))
    if errors:
        raise ValidationError(errors)
    sponsor = Sponsor.objects.create(candidate=candidate, kind=kind, member=member, assigned_on=assigned_on,
                                     recorded_by=actor)
    audit.record(actor=actor, action=AuditAction.SPONSOR, target=candidate, organization=candidate.organization,
                 summary={"kind": kind, "member": member.pk, "assigned_on": assigned_on.isoformat()}, origin=origin)
    return sponsor


@audited(AuditAction.SPONSOR_REMOVE)
def remove_sponsor(*, actor: User, sponsor: Sponsor, origin: Origin | None = None) -> None:
    """Withdraw a contact person or an introducer before the step that relied on them."""
    candidate = sponsor.candidate
    access.require(actor, Cap.DEVELOPMENT_MANAGE, candidate.organization)
    candidate = _lock(candidate)
    history = selectors.history_of(candidate)
    until = "target_selected" if sponsor.kind == Sponsor.Kind.CONTACT else "branch_admission_vote"
    if until in history or candidate.status != Candidate.Status.ACTIVE:
        raise ValidationError({"kind": [_("“%(l)s”已记录，不能再撤销") % {"l": rules.STEPS[until].label}]})
    summary = {"kind": sponsor.kind, "member": sponsor.member_id}
    sponsor.delete()
    audit.record(actor=actor, action=AuditAction.SPONSOR_REMOVE, target=candidate,
                 organization=candidate.organization, summary=summary, origin=origin)


# --- documents ------------------------------------------------------------------------------------


@audited(AuditAction.DOCUMENT)
def add_document(*, actor: User, candidate: Candidate, upload: Upload, step: Step | None = None,
                 origin: Origin | None = None) -> Document:
    """Keep a document with the person's record (refused when it carries a 密级 marking)."""
    access.require(actor, Cap.DEVELOPMENT_MANAGE, candidate.organization)
    errors: dict[str, list[str]] = {}
    if not (upload.title or "").strip():
        errors["title"] = [_("请填写材料名称")]
    elif len(upload.title.strip()) > 120:
        errors["title"] = [_("材料名称最多120个字")]
    problems = _upload_errors([upload])
    if problems:
        errors["file"] = problems
    if step is not None and step.candidate_id != candidate.pk:
        errors["step"] = [_("请选择该发展对象的步骤")]
    if errors:
        raise ValidationError(errors)
    document = _save_documents(actor=actor, candidate=candidate, step=step, uploads=[upload])[0]
    audit.record(actor=actor, action=AuditAction.DOCUMENT, target=candidate, organization=candidate.organization,
                 summary={"title": document.title, "file": document.file_name, "size": document.size,
                          "step": step.code if step else ""}, origin=origin)
    return document


# --- outcomes: extension and cancellation ------------------------------------------------------


@audited(AuditAction.EXTEND)
def extend_probation(
    *, actor: User, candidate: Candidate, months: int, decided_on: date, reason: str, origin: Origin | None = None,
) -> Candidate:
    """延长预备期: once, 6 to 12 months, decided when the probation ends (approved by the superior
    committee). The conversion vote may then take place when the extension ends."""
    access.require(actor, Cap.DEVELOPMENT_APPROVE, candidate.organization)
    candidate = _lock(candidate)
    errors: dict[str, list[str]] = {}
    if candidate.status != Candidate.Status.ACTIVE:
        errors["months"] = [_("该发展对象的发展程序已终止或已完成")]
    if decided_on is None:
        errors["decided_on"] = [_("请填写决定日期")]
    elif decided_on > _today():
        errors["decided_on"] = [_("日期不能晚于今天")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写延长预备期的原因")]
    elif problem := control_character_problem(reason, multiline=True):
        errors["reason"] = [problem]
    if not errors:
        reasons = rules.extension_violations(selectors.history_of(candidate), decided_on, months=months,
                                             already_extended=candidate.extension_months is not None)
        if reasons:
            errors["months"] = reasons
    if errors:
        raise ValidationError(errors)
    candidate.extension_months = months
    candidate.extension_decided_on = decided_on
    candidate.extension_reason = reason.strip()
    _refresh_progress(candidate, selectors.history_of(candidate))
    candidate._change_reason = _("延长预备期")  # type: ignore[attr-defined]
    candidate._history_user = actor  # type: ignore[attr-defined]
    candidate.save()
    audit.record(actor=actor, action=AuditAction.EXTEND, target=candidate, organization=candidate.organization,
                 summary={"months": months, "decided_on": decided_on.isoformat(), "reason": candidate.extension_reason},
                 origin=origin)
    return candidate


@audited(AuditAction.CANCEL)
def cancel(*, actor: User, candidate: Candidate, on: date, reason: str, origin: Origin | None = None) -> Candidate:
    """End the pipeline for a person: before admission the branch stops the development (终止发展);
    a probationary member's membership is cancelled (取消预备党员资格) with the superior committee's
    approval, and their member record leaves the roll (party standing 取消预备党员资格, the reason recorded)."""
    history = selectors.history_of(candidate)
    probationary = rules.is_probationary(history)
    access.require(actor, Cap.DEVELOPMENT_APPROVE if probationary else Cap.DEVELOPMENT_MANAGE,
                   candidate.organization)
    candidate = _lock(candidate)
    errors: dict[str, list[str]] = {}
    if candidate.status != Candidate.Status.ACTIVE:
        errors["reason"] = [_("该发展对象的发展程序已终止或已完成")]
    if "conversion_approval" in history:
        errors["reason"] = [_("已批准转正，不能取消")]
    if on is None:
        errors["on"] = [_("请填写日期")]
    elif on > _today():
        errors["on"] = [_("日期不能晚于今天")]
    elif candidate.last_step_on and on < candidate.last_step_on:
        errors["on"] = [_("不能早于最近一步的日期（%(d)s）") % {"d": candidate.last_step_on}]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写原因")]
    elif problem := control_character_problem(reason, multiline=True):
        errors["reason"] = [problem]
    if errors:
        raise ValidationError(errors)
    if probationary and candidate.member_id:
        member = Member.objects.get(pk=candidate.member_id)
        if member.in_good_standing:
            member_services.change_standing(
                origin=origin, actor=actor, member=member, new_standing=str(Standing.DISQUALIFIED), effective_on=on,
                reason=_("取消预备党员资格：%(r)s") % {"r": reason.strip()})
    candidate.status = Candidate.Status.CANCELLED
    candidate.due_on = None
    candidate.ended_on = on
    candidate.end_reason = reason.strip()
    candidate._change_reason = _("取消预备党员资格") if probationary else _("终止发展")  # type: ignore[attr-defined]
    candidate._history_user = actor  # type: ignore[attr-defined]
    candidate.save()
    audit.record(actor=actor, action=AuditAction.CANCEL, target=candidate, organization=candidate.organization,
                 summary={"on": on.isoformat(), "reason": candidate.end_reason, "probationary": probationary},
                 origin=origin)
    return candidate


# --- 公示 before the admission vote ---------------------------------------------------------------


@audited(AuditAction.PUBLICITY)
def start_publicity(*, actor: User, candidate: Candidate, starts_on: date, notes: str = "",
                    origin: Origin | None = None) -> Candidate:
    """公示: the branch makes the development target known for DANGWU_PUBLICITY_WORKING_DAYS working
    days (Monday–Friday) after the branch committee's review; the admission vote may be recorded
    only after the period. Recording it again (a corrected date) replaces it until the vote."""
    access.require(actor, Cap.DEVELOPMENT_MANAGE, candidate.organization)
    candidate = _lock(candidate)
    errors: dict[str, list[str]] = {}
    if candidate.status != Candidate.Status.ACTIVE:
        errors["starts_on"] = [_("该发展对象的发展程序已终止或已完成")]
    elif starts_on is None:
        errors["starts_on"] = [_("请填写公示开始日期")]
    elif starts_on > _today():
        errors["starts_on"] = [_("日期不能晚于今天")]
    else:
        reasons = rules.publicity_violations(selectors.history_of(candidate), starts_on)
        if reasons:
            errors["starts_on"] = reasons
    if len(notes or "") > 2000:
        errors["notes"] = [_("最多2000个字")]
    elif problem := control_character_problem(notes, multiline=True):
        errors["notes"] = [problem]
    if errors:
        raise ValidationError(errors)
    days = selectors.publicity_working_days()
    candidate.publicity_starts_on = starts_on
    candidate.publicity_working_days = days
    candidate.publicity_ends_on = rules.publicity_end(starts_on, days)
    candidate.publicity_notes = (notes or "").strip()
    candidate._change_reason = _("公示")  # type: ignore[attr-defined]
    candidate._history_user = actor  # type: ignore[attr-defined]
    candidate.save()
    audit.record(actor=actor, action=AuditAction.PUBLICITY, target=candidate, organization=candidate.organization,
                 summary={"starts_on": starts_on.isoformat(), "ends_on": candidate.publicity_ends_on.isoformat(),
                          "working_days": days}, origin=origin)
    return candidate


# --- thought reports (思想汇报) ---------------------------------------------------------------------

REPORT_TITLE_MAX, REPORT_BODY_MAX, COMMENT_MAX = 120, 20000, 5000


@audited(AuditAction.THOUGHT_REPORT)
def submit_thought_report(*, actor: User, candidate: Candidate, title: str, body: str,
                          uploads: list[Upload] | None = None, origin: Origin | None = None) -> ThoughtReport:
    """The person writes a thought report online (only about themselves, while in the pipeline),
    with attachments refused when they carry a 密级 marking."""
    if not getattr(actor, "is_authenticated", False) or candidate.user_id != actor.pk:
        raise PermissionDenied("only the person writes their own thought reports")
    candidate = _lock(candidate)
    uploads = list(uploads or [])
    errors: dict[str, list[str]] = {}
    if candidate.status != Candidate.Status.ACTIVE:
        errors["body"] = [_("您的发展程序已终止或已完成，不能再提交思想汇报")]
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > REPORT_TITLE_MAX:
        errors["title"] = [_("标题最多%(n)d个字") % {"n": REPORT_TITLE_MAX}]
    elif problem := control_character_problem(title):
        errors["title"] = [problem]
    if problem := control_character_problem(body, multiline=True):
        errors.setdefault("body", []).append(problem)
    if not body:
        errors.setdefault("body", []).append(_("请填写思想汇报的内容"))
    elif len(body) > REPORT_BODY_MAX:
        errors.setdefault("body", []).append(_("正文最多%(n)d个字") % {"n": REPORT_BODY_MAX})
    for text in (title, body):
        marking = classification.classification_marking(text)
        if marking:
            errors.setdefault("body", []).append(
                _("内容带有密级标志“%(m)s”。涉密信息不上网：国家秘密不得录入本系统") % {"m": marking})
            break
    problems = _upload_errors(uploads)
    if len(uploads) > 5:
        problems.append(_("附件最多5个"))
    if problems:
        errors["attachments"] = problems
    if errors:
        raise ValidationError(errors)
    today = _today()
    report = ThoughtReport.objects.create(candidate=candidate, author=actor, title=title, body=body,
                                          stage=candidate.stage, written_on=today)
    for upload in uploads:
        attachment = ReportAttachment(report=report, file_name=upload.name[:200], size=len(upload.data))
        attachment.file.save(upload.name[-100:], ContentFile(upload.data), save=False)
        attachment.save()
    Candidate.objects.filter(pk=candidate.pk).update(last_report_on=today)
    audit.record(actor=actor, action=AuditAction.THOUGHT_REPORT, target=candidate,
                 organization=candidate.organization,
                 summary={"report": report.pk, "title": title, "attachments": len(uploads)}, origin=origin)
    return report


@audited(AuditAction.THOUGHT_REPORT_COMMENT)
def comment_thought_report(*, actor: User, report: ThoughtReport, body: str, origin: Origin | None = None) -> ReportComment:
    """A contact person or a branch cadre comments on a thought report; the person sees it."""
    candidate = report.candidate
    if not selectors.may_comment(actor, candidate):
        raise PermissionDenied("only contact persons and the branch comment")
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("请填写评阅意见")]
    elif len(body) > COMMENT_MAX:
        errors["body"] = [_("评阅意见最多%(n)d个字") % {"n": COMMENT_MAX}]
    elif problem := control_character_problem(body, multiline=True):
        errors["body"] = [problem]
    elif classification.classification_marking(body):
        errors["body"] = [_("内容带有密级标志。涉密信息不上网：国家秘密不得录入本系统")]
    if errors:
        raise ValidationError(errors)
    member = member_selectors.own_member(actor)
    name = member.name if member else (actor.get_full_name() or actor.get_username())
    role = _("培养联系人") if selectors.is_contact_person(actor, candidate) else _("党组织")
    comment = ReportComment.objects.create(report=report, author=actor, author_name=name[:60], author_role=str(role),
                                           body=body)
    audit.record(actor=actor, action=AuditAction.THOUGHT_REPORT_COMMENT, target=candidate,
                 organization=candidate.organization, summary={"report": report.pk, "comment": comment.pk},
                 origin=origin)
    return comment


# --- import of people already in the pipeline ----------------------------------------------------


@audited(AuditAction.IMPORT)
def import_people(*, actor: User | None, organization: Any, people: list[PersonRow], file_name: str,
                  origin: Origin | None = None) -> list[Candidate]:
    """发展党员过程信息导入, the write: the people of a file that `imports.import_stage_dates` read and
    checked (every row, step after step, against `rules.violations`), each with the steps of their
    row and their contact persons and introducers, all in one transaction. `actor=None` is the
    system (the command line). One audit entry `development.import` for the whole file."""
    if actor is not None:
        access.require(actor, Cap.DEVELOPMENT_MANAGE, organization)
    days = selectors.publicity_working_days()
    from .paperwork import superior_committee

    superior = superior_committee(organization)
    names = {"branch": organization.name, "superior": superior.name if superior else ""}
    candidates: list[Candidate] = []
    steps: list[Step] = []
    sponsors: list[Sponsor] = []
    for person in people:
        candidate = Candidate(organization=organization, name=person.name, gender=person.gender,
                              birth_date=person.birth_date)
        candidate.name_pinyin = member_rules.pinyin_keys(person.name)[0]
        candidate.set_id_number(person.id_number)
        candidate.set_phone("")
        if person.publicity_start:
            candidate.publicity_starts_on, candidate.publicity_working_days = person.publicity_start, days
            candidate.publicity_ends_on = rules.publicity_end(person.publicity_start, days)
        _refresh_progress(candidate, person.history)
        candidate._change_reason = _("导入发展过程信息")  # type: ignore[attr-defined]
        candidate._history_user = actor  # type: ignore[attr-defined]
        candidate.save()
        candidates.append(candidate)
        for code, day in person.history.items():
            training = code == "target_training"
            steps.append(Step(candidate=candidate, code=code, done_on=day,
                              body=rules.deciding_body(code, **names)[:120],
                              notes=_("导入"), recorded_by=actor,
                              training_days=Decimal(str(person.training_days)) if training and person.training_days
                              else None,
                              training_hours=Decimal(str(person.training_hours))
                              if training and person.training_hours else None))
        for kind, members, step in ((Sponsor.Kind.CONTACT, person.contacts, "contacts_assigned"),
                                    (Sponsor.Kind.INTRODUCER, person.introducers, "introducers_assigned")):
            on = person.history.get(step)
            for member in members if on else []:
                sponsors.append(Sponsor(candidate=candidate, kind=kind, member=member, assigned_on=on,
                                        recorded_by=actor))
    Step.objects.bulk_create(steps)
    Sponsor.objects.bulk_create(sponsors)
    audit.record(actor=actor, action=AuditAction.IMPORT, organization=organization,
                 summary={"file": file_name[:200], "people": len(people), "steps": len(steps)},
                 origin=origin)
    return candidates


@audited(AuditAction.VIEW_ID_NUMBER)
def reveal_id_number(*, actor: User, candidate: Candidate, document: str = "",
                     origin: Origin | None = None) -> str:
    """A person's full ID number for a printed recruitment document (发展工作文书), for a caller who
    may see full numbers (`member.view_sensitive`) at the person's branch; audited as members'
    `reveal_id_number` is (one entry per print, naming the document)."""
    access.require(actor, Cap.MEMBER_VIEW_SENSITIVE, candidate.organization)
    audit.record(actor=actor, action=AuditAction.VIEW_ID_NUMBER, target=candidate,
                 organization=candidate.organization, summary={"field": "id_number", "document": document[:60]},
                 origin=origin)
    return candidate.id_number

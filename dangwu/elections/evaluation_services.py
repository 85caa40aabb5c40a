"""Every write of the democratic evaluation of members (民主评议党员): open the year's evaluation,
self-assessment (个人自评), the anonymous mutual rating (党员互评), the committee's proposal (支委会
提出意见), the branch meeting's decision (支部党员大会评定), publicity (公示), the superior's approval
of 优秀 and 不合格 (上级审批), and the measure for a member found 不合格 (组织处置).

Each service is keyword-only, runs in one transaction and records one audit entry
(`core.audit.audited`). Bad input raises ValidationError keyed by the field and writes nothing.
The mutual rating is secret: see `submit_ratings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from fractions import Fraction
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
from dangwu.core.validators import control_character_problem
from dangwu.members import services as member_services
from dangwu.members.models import Member, Standing
from dangwu.orgs.models import Organization

from . import evaluation_rules as rules
from . import evaluation_selectors as selectors
from .actions import AuditAction
from .evaluation_models import (
    Evaluation,
    EvaluationEntry,
    Grade,
    Measure,
    Rating,
    RatingRoll,
)

Phase = Evaluation.Phase
Approval = EvaluationEntry.Approval
REMOVED: Any = Standing.REMOVED  # 除名


def _today() -> date:
    return timezone.localdate()


def _fraction(name: str, default: Fraction) -> Fraction:
    return Fraction(str(getattr(settings, name, default)))


def _line(value: Any, *, field: str, required: str | None = None, limit: int = 300) -> str:
    """One line of text from the input: stripped; refused (naming the field) when required and
    empty, too long, or carrying control characters."""
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError({field: [required]})
    if len(text) > limit:
        raise ValidationError({field: [_("不能超过 %(n)d 个字。") % {"n": limit}]})
    if problem := control_character_problem(text):
        raise ValidationError({field: [problem]})
    return text


def _locked(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().select_related("organization").get(pk=evaluation.pk)


def _in_phase(evaluation: Evaluation, *phases: Any, field: str = "phase") -> None:
    if evaluation.phase not in phases:
        raise ValidationError({field: [_("民主评议当前处于“%(p)s”阶段，不能进行此操作。") % {
            "p": evaluation.get_phase_display()}]})


def _own_entry(actor: User, evaluation: Evaluation) -> EvaluationEntry:
    """The caller's own entry on the roster, locked (a member rates and assesses only as themself)."""
    entry = selectors.own_entry(actor=actor, evaluation=evaluation, for_update=True)
    if entry is None:
        raise ValidationError({"member": [_("您不在本次民主评议的党员名单中。")]})
    return entry


@audited(AuditAction.OPEN)
def open_evaluation(*, actor: User, organization: Organization, year: int, publicity_days: int = 5,
                    origin: Origin | None = None) -> Evaluation:
    """Open a branch's evaluation of a year (one per branch and year). The roster is frozen now: the
    branch's full and probationary members in good standing."""
    access.require(actor, Cap.EVALUATION_MANAGE, organization)
    today = _today()
    if not organization.is_branch or organization.dissolved_on is not None:
        raise ValidationError({"organization": [_("民主评议由未撤销的党支部开展。")]})
    if not isinstance(year, int) or not today.year - 1 <= year <= today.year:
        raise ValidationError({"year": [_("只能开展今年或上一年度的民主评议。")]})
    if not isinstance(publicity_days, int) or not 1 <= publicity_days <= 30:
        raise ValidationError({"publicity_days": [_("公示天数须在 1 到 30 天之间。")]})
    roster = list(Member.objects.filter(organization=organization).in_good_standing().order_by("pk"))
    if len(roster) < 2:
        raise ValidationError({"organization": [_("支部党员不足 2 名，无法开展互评。")]})
    if Evaluation.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": [_("本支部 %(y)d 年度的民主评议已经启动。") % {"y": year}]})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(organization=organization, year=year, publicity_days=publicity_days,
                                                   opened_by=actor, opened_on=today)
    except IntegrityError:  # opened at the same moment by another request
        raise ValidationError({"year": [_("本支部 %(y)d 年度的民主评议已经启动。") % {"y": year}]}) from None
    EvaluationEntry.objects.bulk_create(EvaluationEntry(evaluation=evaluation, member=m) for m in roster)
    audit.record(actor=actor, action=AuditAction.OPEN, target=evaluation, organization=organization,
                 origin=origin, summary={"year": year, "members": len(roster), "publicity_days": publicity_days})
    return evaluation


@audited(AuditAction.SELF_ASSESS)
def write_self_assessment(*, actor: User, evaluation: Evaluation, text: str,
                          origin: Origin | None = None) -> EvaluationEntry:
    """A member's own self-assessment (个人自评), while the evaluation is at self-assessment or rating."""
    evaluation = _locked(evaluation)
    entry = _own_entry(actor, evaluation)
    _in_phase(evaluation, Phase.SELF, Phase.RATING, field="self_assessment")
    body = text.strip() if isinstance(text, str) else ""
    if not body:
        raise ValidationError({"self_assessment": [_("请填写个人自评。")]})
    entry.self_assessment = body
    entry.self_assessed_on = _today()
    entry.full_clean(exclude=["evaluation", "member"])
    entry.save(update_fields=["self_assessment", "self_assessed_on"])
    audit.record(actor=actor, action=AuditAction.SELF_ASSESS, target=entry, organization=evaluation.organization,
                 origin=origin, summary={"year": evaluation.year, "length": len(body)})
    return entry


def _suggest(evaluation: Evaluation) -> None:
    """Write each entry's grade suggested by the ratings (`rules.propose`), and take it as the
    committee's proposal to start from."""
    counts = selectors.rating_counts(evaluation=evaluation)
    entries = list(EvaluationEntry.objects.filter(evaluation=evaluation))
    proposal = rules.propose(
        {e.pk: counts.get(e.pk, rules.Count()) for e in entries}, roster_size=len(entries),
        excellent_share=_fraction("DANGWU_EVALUATION_EXCELLENT_SHARE", rules.DEFAULT_EXCELLENT_SHARE),
        quota=_fraction("DANGWU_EVALUATION_EXCELLENT_QUOTA", rules.DEFAULT_QUOTA))
    for entry in entries:
        entry.suggested = entry.proposed = proposal[entry.pk] or ""
    EvaluationEntry.objects.bulk_update(entries, ["suggested", "proposed"])


_NEXT: dict[Any, Any] = {Phase.SELF: Phase.RATING, Phase.RATING: Phase.PROPOSAL}


@audited(AuditAction.ADVANCE)
def advance(*, actor: User, evaluation: Evaluation, origin: Origin | None = None) -> Evaluation:
    """Move from self-assessment to mutual rating, or close the rating and suggest each member's
    grade from it (the committee's proposal starts from there)."""
    access.require(actor, Cap.EVALUATION_MANAGE, evaluation.organization)
    evaluation = _locked(evaluation)
    _in_phase(evaluation, *_NEXT)
    before = evaluation.phase
    evaluation.phase = _NEXT[Phase(before)]
    evaluation.save(update_fields=["phase"])
    if evaluation.phase == Phase.PROPOSAL:
        _suggest(evaluation)
    audit.record(actor=actor, action=AuditAction.ADVANCE, target=evaluation, organization=evaluation.organization,
                 origin=origin, summary={"from": before, "to": evaluation.phase,
                                         "raters": RatingRoll.objects.filter(evaluation=evaluation).count()})
    return evaluation


@audited(AuditAction.RATE)
def submit_ratings(*, actor: User, evaluation: Evaluation, grades: Mapping[Any, Any],
                   origin: Origin | None = None) -> int:
    """A member's ratings of every other member of the roster (互评), once. `grades` maps an entry's
    id to a grade; a member left out or given "" is abstained on.

    Secret like a ballot: the ratings are stored without the rater, with random ids and no time;
    the roll is marked in the same transaction, the rater's entry locked first, so that a member
    submits once even under concurrency. The audit entry says who submitted, not what. Answers how
    many members were rated."""
    evaluation = _locked(evaluation)
    entry = _own_entry(actor, evaluation)
    _in_phase(evaluation, Phase.RATING)
    if RatingRoll.objects.filter(evaluation=evaluation, rater=entry).exists():
        raise ValidationError({"member": [_("您已经提交过互评，不能再次提交。")]})
    others = set(EvaluationEntry.objects.filter(evaluation=evaluation).exclude(pk=entry.pk).values_list("pk", flat=True))
    chosen: list[Rating] = []
    errors: dict[str, list[str]] = {}
    for key, grade in (grades or {}).items():
        try:
            ratee = int(key)
        except (TypeError, ValueError):
            ratee = -1
        if ratee not in others:
            errors[f"grade_{key}"] = [_("只能评议本次名单中的其他党员。")]
        elif grade in (None, ""):
            continue
        elif grade not in Grade.values:
            errors[f"grade_{ratee}"] = [_("请选择优秀、合格、基本合格或不合格。")]
        else:
            chosen.append(Rating(evaluation=evaluation, ratee_id=ratee, grade=grade))
    if errors:
        raise ValidationError(errors)
    RatingRoll.objects.create(evaluation=evaluation, rater=entry)
    Rating.objects.bulk_create(chosen)
    audit.record(actor=actor, action=AuditAction.RATE, target=evaluation, organization=evaluation.organization,
                 origin=origin, summary={"year": evaluation.year})
    return len(chosen)


def _managed_entry(actor: User, entry: EvaluationEntry, *phases: Any, field: str = "phase") -> EvaluationEntry:
    access.require(actor, Cap.EVALUATION_MANAGE, entry.evaluation.organization)
    evaluation = _locked(entry.evaluation)
    _in_phase(evaluation, *phases, field=field)
    entry = EvaluationEntry.objects.select_for_update().select_related("member").get(pk=entry.pk)
    entry.evaluation = evaluation
    return entry


def _grade(value: Any, field: str = "grade") -> str:
    if value not in Grade.values:
        raise ValidationError({field: [_("请选择优秀、合格、基本合格或不合格。")]})
    return str(value)


@audited(AuditAction.PROPOSE)
def propose_grade(*, actor: User, entry: EvaluationEntry, grade: str, reason: str = "",
                  origin: Origin | None = None) -> EvaluationEntry:
    """The committee's proposal (支委会意见) for one member: the grade the ratings suggested, or
    another with a reason (none needed where nobody rated the member)."""
    entry = _managed_entry(actor, entry, Phase.PROPOSAL)
    grade = _grade(grade)
    differs = entry.suggested and grade != entry.suggested  # nobody rated: nothing to differ from
    required = _("与互评结果不同，请填写调整理由。") if differs else None
    entry.proposed = grade
    entry.proposal_reason = _line(reason, field="reason", required=required)
    entry.save(update_fields=["proposed", "proposal_reason"])
    audit.record(actor=actor, action=AuditAction.PROPOSE, target=entry, organization=entry.evaluation.organization,
                 origin=origin, summary={"member": entry.member_id, "grade": grade, "suggested": entry.suggested,
                                         "reason": entry.proposal_reason})
    return entry


@audited(AuditAction.DECIDE)
def record_decision(*, actor: User, evaluation: Evaluation, meeting_on: date | None, note: str = "",
                    origin: Origin | None = None) -> Evaluation:
    """The branch meeting (支部党员大会) decides the grades as proposed; publicity (公示) starts today
    for the evaluation's number of days; 优秀 and 不合格 wait for the superior's approval."""
    access.require(actor, Cap.EVALUATION_MANAGE, evaluation.organization)
    evaluation = _locked(evaluation)
    _in_phase(evaluation, Phase.PROPOSAL)
    today = _today()
    if not isinstance(meeting_on, date):
        raise ValidationError({"meeting_on": [_("请填写党员大会日期。")]})
    if meeting_on > today or meeting_on < evaluation.opened_on:
        raise ValidationError({"meeting_on": [_("党员大会日期须在启动评议之后、不晚于今天。")]})
    note = _line(note, field="note")
    entries = list(EvaluationEntry.objects.filter(evaluation=evaluation).select_related("member"))
    missing = [e.member.name for e in entries if not e.proposed]
    if missing:
        raise ValidationError({"grade": [_("以下党员尚无支委会意见：%(n)s") % {"n": "、".join(missing)}]})
    for entry in entries:
        entry.grade = entry.proposed
        entry.approval = Approval.PENDING if entry.grade in rules.NEEDS_APPROVAL else Approval.NONE
    EvaluationEntry.objects.bulk_update(entries, ["grade", "approval"])
    evaluation.meeting_on, evaluation.meeting_note = meeting_on, note
    evaluation.publicity_from, evaluation.publicity_until = today, today + timedelta(days=evaluation.publicity_days)
    evaluation.phase = Phase.PUBLICITY
    evaluation.save(update_fields=["meeting_on", "meeting_note", "publicity_from", "publicity_until", "phase"])
    summary: dict[str, Any] = {"meeting_on": meeting_on.isoformat(), "publicity_until": evaluation.publicity_until.isoformat()}
    summary.update({g: sum(1 for e in entries if e.grade == g) for g in rules.GRADES})
    audit.record(actor=actor, action=AuditAction.DECIDE, target=evaluation, organization=evaluation.organization,
                 origin=origin, summary=summary)
    return evaluation


def _close_if_done(evaluation: Evaluation) -> None:
    waiting = EvaluationEntry.objects.filter(evaluation=evaluation, approval__in=[Approval.PENDING, Approval.RETURNED])
    if not waiting.exists():
        evaluation.phase, evaluation.closed_on = Phase.CLOSED, _today()
        evaluation.save(update_fields=["phase", "closed_on"])


@audited(AuditAction.PUBLICITY_END)
def end_publicity(*, actor: User, evaluation: Evaluation, today: date | None = None,
                  origin: Origin | None = None) -> Evaluation:
    """End the publicity once its days have passed: 优秀 and 不合格 go up to the superior committee;
    with none, the evaluation closes."""
    access.require(actor, Cap.EVALUATION_MANAGE, evaluation.organization)
    evaluation = _locked(evaluation)
    _in_phase(evaluation, Phase.PUBLICITY)
    today = today or _today()
    assert evaluation.publicity_until is not None
    if today < evaluation.publicity_until:
        raise ValidationError({"publicity_until": [_("公示期至 %(d)s，尚未结束。") % {
            "d": evaluation.publicity_until.isoformat()}]})
    evaluation.phase = Phase.APPROVAL
    evaluation.save(update_fields=["phase"])
    _close_if_done(evaluation)
    audit.record(actor=actor, action=AuditAction.PUBLICITY_END, target=evaluation,
                 organization=evaluation.organization, origin=origin, summary={"to": evaluation.phase})
    return evaluation


@audited(AuditAction.APPROVE)
def decide_approval(*, actor: User, entry: EvaluationEntry, approve: bool, reason: str = "",
                    origin: Origin | None = None) -> EvaluationEntry:
    """The superior committee (上级党组织) approves a member's 优秀 or 不合格, or returns it with a
    reason for the branch to decide again. The branch's own managers may not approve their own."""
    branch = entry.evaluation.organization
    parent = Organization.objects.get_parent(branch) if branch.depth > 1 else None
    if parent is None or not access.can(actor, Cap.EVALUATION_MANAGE, parent):
        raise ValidationError({"approval": [_("只有上级党组织可以审批评定等次。")]})
    evaluation = _locked(entry.evaluation)
    _in_phase(evaluation, Phase.APPROVAL, field="approval")
    entry = EvaluationEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.approval != Approval.PENDING:
        raise ValidationError({"approval": [_("该党员的评定等次不在待审批状态。")]})
    entry.approval = Approval.APPROVED if approve else Approval.RETURNED
    entry.approval_reason = _line(reason, field="reason", required=None if approve else _("退回时请填写理由。"))
    entry.save(update_fields=["approval", "approval_reason"])
    if approve:
        _close_if_done(evaluation)
    audit.record(actor=actor, action=AuditAction.APPROVE, target=entry, organization=branch, origin=origin,
                 summary={"member": entry.member_id, "grade": entry.grade, "approved": bool(approve),
                          "reason": entry.approval_reason})
    return entry


@audited(AuditAction.REVISE)
def revise_grade(*, actor: User, entry: EvaluationEntry, grade: str, reason: str,
                 origin: Origin | None = None) -> EvaluationEntry:
    """The branch decides again on a grade the superior returned: 优秀 or 不合格 go up again."""
    entry = _managed_entry(actor, entry, Phase.APPROVAL)
    if entry.approval != Approval.RETURNED:
        raise ValidationError({"grade": [_("只有被上级退回的评定等次可以重新评定。")]})
    grade = _grade(grade)
    reason = _line(reason, field="reason", required=_("请填写重新评定的理由。"))
    before = entry.grade
    entry.grade, entry.proposal_reason = grade, reason
    entry.approval = Approval.PENDING if grade in rules.NEEDS_APPROVAL else Approval.NONE
    entry.save(update_fields=["grade", "proposal_reason", "approval"])
    _close_if_done(entry.evaluation)
    audit.record(actor=actor, action=AuditAction.REVISE, target=entry, organization=entry.evaluation.organization,
                 origin=origin, summary={"member": entry.member_id, "before": before, "grade": grade, "reason": reason})
    return entry


@audited(AuditAction.MEASURE)
def record_measure(*, actor: User, entry: EvaluationEntry, measure: str, note: str,
                   origin: Origin | None = None) -> EvaluationEntry:
    """The measure for a member whose 不合格 the superior approved: 限期改正 or 劝其退党 are recorded
    here; 除名 also changes the member's standing through the members' service (`change_standing`,
    which records its own audit entry and needs `member.standing`)."""
    access.require(actor, Cap.EVALUATION_MANAGE, entry.evaluation.organization)
    entry = EvaluationEntry.objects.select_for_update().select_related("member", "evaluation__organization").get(
        pk=entry.pk)
    if entry.grade != Grade.INCOMPETENT or entry.approval != Approval.APPROVED:
        raise ValidationError({"measure": [_("只有经上级批准评为不合格的党员需要组织处置。")]})
    if entry.measure:
        raise ValidationError({"measure": [_("已记录处置措施：%(m)s。") % {"m": entry.get_measure_display()}]})
    if measure not in Measure.values:
        raise ValidationError({"measure": [_("请选择限期改正、劝其退党或除名。")]})
    note = _line(note, field="note", required=_("请填写处置说明。"))
    entry.measure, entry.measure_note = measure, note
    entry.save(update_fields=["measure", "measure_note"])
    if measure == Measure.REMOVE:
        if not access.can(actor, Cap.MEMBER_STANDING, entry.member.organization):
            raise ValidationError({"measure": [_("除名须由有权变更党籍的人员办理。")]})
        member_services.change_standing(
            actor=actor, member=entry.member, new_standing=REMOVED, effective_on=_today(),
            reason=_("%(y)d 年度民主评议不合格，除名：%(n)s") % {"y": entry.evaluation.year, "n": note}, origin=origin)
    audit.record(actor=actor, action=AuditAction.MEASURE, target=entry, organization=entry.evaluation.organization,
                 origin=origin, summary={"member": entry.member_id, "measure": measure, "note": note})
    return entry

"""Reads of the democratic evaluation of members (民主评议党员), filtered to the caller's scope
(`core.access`) or to the caller's own place on a roster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member
from dangwu.orgs.models import Organization

from . import evaluation_rules as rules
from .evaluation_models import Evaluation, EvaluationEntry, Rating, RatingRoll

Phase = Evaluation.Phase
DECIDED = (Phase.PUBLICITY, Phase.APPROVAL, Phase.CLOSED)  # the meeting has graded: figures count these
OPEN_TO_MEMBERS = (Phase.SELF, Phase.RATING)


def own_member(*, user: Any) -> Member | None:
    return member_selectors.own_member(user)


def organizations_visible(*, actor: User) -> QuerySet[Organization]:
    """The organizations whose evaluations the caller may see: the scope of `evaluation.view`, and a
    member's own branch."""
    q = access.scope_q(actor, Cap.EVALUATION_VIEW)
    if (own := own_member(user=actor)) is not None:
        q |= Q(pk=own.organization_id)
    return Organization.objects.filter(q)


def evaluations_visible(*, actor: User) -> QuerySet[Evaluation]:
    """The evaluations of the scope, and those whose roster holds the caller's own member record."""
    q = access.scope_q(actor, Cap.EVALUATION_VIEW, path_field="organization__path")
    if (own := own_member(user=actor)) is not None:
        q |= Q(pk__in=EvaluationEntry.objects.filter(member=own).values("evaluation_id"))
    return Evaluation.objects.filter(q).select_related("organization")


def entries_visible(*, actor: User) -> QuerySet[EvaluationEntry]:
    return EvaluationEntry.objects.filter(
        evaluation__in=evaluations_visible(actor=actor)).select_related("evaluation__organization", "member")


def evaluation_of(*, organization: Organization, year: int) -> Evaluation | None:
    return Evaluation.objects.filter(organization=organization, year=year).first()


def may_manage(*, actor: User, evaluation: Evaluation) -> bool:
    return access.can(actor, Cap.EVALUATION_MANAGE, evaluation.organization)


def may_approve(*, actor: User, evaluation: Evaluation) -> bool:
    """The superior committee's managers (evaluation.manage at the branch's parent or above)."""
    org = evaluation.organization
    parent = Organization.objects.get_parent(org) if org.depth > 1 else None
    return parent is not None and access.can(actor, Cap.EVALUATION_MANAGE, parent)


def own_entry(*, actor: User, evaluation: Evaluation, for_update: bool = False) -> EvaluationEntry | None:
    own = own_member(user=actor)
    if own is None:
        return None
    entries = EvaluationEntry.objects.filter(evaluation=evaluation, member=own)
    return (entries.select_for_update() if for_update else entries).first()


def has_rated(*, entry: EvaluationEntry) -> bool:
    return RatingRoll.objects.filter(evaluation_id=entry.evaluation_id, rater=entry).exists()


def entries_of(*, evaluation: Evaluation) -> QuerySet[EvaluationEntry]:
    return EvaluationEntry.objects.filter(evaluation=evaluation).select_related("member").order_by("member__name", "pk")


def ratees_of(*, entry: EvaluationEntry) -> QuerySet[EvaluationEntry]:
    """The members a rater rates: every other member of the roster."""
    return entries_of(evaluation=entry.evaluation).exclude(pk=entry.pk)


def rating_counts(*, evaluation: Evaluation) -> dict[int, rules.Count]:
    """Each entry's ratings counted per grade: one GROUP BY over the evaluation's ratings."""
    seen: dict[int, dict[str, int]] = {}
    rows = (Rating.objects.filter(evaluation=evaluation).order_by().values_list("ratee_id", "grade")
            .annotate(n=Count("id")))
    for ratee, grade, n in rows:
        seen.setdefault(ratee, {})[grade] = n
    return {ratee: rules.Count(**grades) for ratee, grades in seen.items()}


def raters_count(*, evaluation: Evaluation) -> int:
    return RatingRoll.objects.filter(evaluation=evaluation).count()


def open_for_member(*, member: Member) -> list[EvaluationEntry]:
    """The member's places on rosters whose self-assessment or rating is open (the home card)."""
    return list(EvaluationEntry.objects.filter(member=member, evaluation__phase__in=OPEN_TO_MEMBERS)
                .select_related("evaluation__organization").order_by("-evaluation__year"))


def pending_approvals(*, actor: User, organization: Organization) -> list[EvaluationEntry]:
    """优秀 and 不合格 below `organization` waiting for the caller's approval (evaluation.manage at the
    branch's parent)."""
    entries = (EvaluationEntry.objects.filter(approval=EvaluationEntry.Approval.PENDING,
                                              evaluation__phase=Phase.APPROVAL,
                                              evaluation__organization__path__startswith=organization.path)
               .filter(access.scope_q(actor, Cap.EVALUATION_MANAGE, path_field="evaluation__organization__path"))
               .select_related("evaluation__organization", "member").order_by("evaluation__organization__path"))
    return [e for e in entries if may_approve(actor=actor, evaluation=e.evaluation)]


@dataclass
class FigureRow:
    organization: Organization
    phase: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Figures:
    """A year's grades below an organization: a row per branch and the total per grade."""

    rows: list[FigureRow]
    totals: dict[str, int]
    open_count: int  # evaluations still before the meeting's decision

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def figures(*, organization: Organization, year: int) -> Figures:
    """The grades the branch meetings decided in the subtree (counted once the meeting has graded):
    a GROUP BY over the entries of the subtree's evaluations of the year (no roll-up table yet)."""
    evaluations = Evaluation.objects.filter(organization__path__startswith=organization.path, year=year)
    rows: dict[int, FigureRow] = {}
    for evaluation in evaluations.select_related("organization").order_by("organization__path"):
        if evaluation.phase in DECIDED:
            rows[evaluation.pk] = FigureRow(evaluation.organization, evaluation.phase, {g: 0 for g in rules.GRADES})
    counted = (EvaluationEntry.objects.filter(evaluation_id__in=list(rows)).exclude(grade="").order_by()
               .values_list("evaluation_id", "grade").annotate(n=Count("id")))
    totals = {g: 0 for g in rules.GRADES}
    for evaluation_id, grade, n in counted:
        rows[evaluation_id].counts[grade] = n
        totals[grade] += n
    return Figures(list(rows.values()), totals, evaluations.exclude(phase__in=DECIDED).count())


def grades_of_member(*, member: Member) -> QuerySet[EvaluationEntry]:
    """A member's decided grades, year by year (for the member's record)."""
    return (EvaluationEntry.objects.filter(member=member, evaluation__phase__in=DECIDED).exclude(grade="")
            .select_related("evaluation").order_by("-evaluation__year"))

"""Reads of the recruitment pipeline, already limited to the caller's scope (through `core.access`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from dangwu.core import access
from dangwu.core.roles import ADMIN_ROLES, Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member, MemberType
from dangwu.orgs import selectors as org_selectors

from . import rules
from .models import Candidate, Document, ReportAttachment, ReportComment, Sponsor, Step, ThoughtReport

# --- the deployment's periods (settings) --------------------------------------------------------


def publicity_working_days() -> int:
    """The 公示 period of this deployment (DANGWU_PUBLICITY_WORKING_DAYS, default 5)."""
    return max(int(getattr(settings, "DANGWU_PUBLICITY_WORKING_DAYS", rules.PUBLICITY_WORKING_DAYS)), 1)


def thought_report_days() -> int:
    """How many days without a thought report bring a reminder (DANGWU_THOUGHT_REPORT_DAYS, default 90)."""
    return max(int(getattr(settings, "DANGWU_THOUGHT_REPORT_DAYS", rules.THOUGHT_REPORT_DAYS)), 1)


# --- one person ---------------------------------------------------------------------------------


def history_of(candidate: Candidate) -> dict[str, date]:
    """The steps done, code → date (what `rules.violations` reads)."""
    return dict(candidate.steps.values_list("code", "done_on"))


def introducers_of(candidate: Candidate) -> list[rules.Introducer]:
    """The person's introducers (入党介绍人) as `rules.violations` reads them."""
    return [
        rules.Introducer(name=s.member.name, full_member=s.member.member_type == MemberType.FULL,
                         good_standing=s.member.in_good_standing)
        for s in candidate.sponsors.filter(kind=Sponsor.Kind.INTRODUCER).select_related("member")
    ]


def is_contact_person(user: Any, candidate: Candidate) -> bool:
    """Whether the user is one of the person's contact persons (培养联系人)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return candidate.sponsors.filter(kind=Sponsor.Kind.CONTACT, member__user=user).exists()


def may_comment(user: Any, candidate: Candidate) -> bool:
    """Contact persons and the branch's cadres (DEVELOPMENT_MANAGE at the branch) comment."""
    return access.can(user, Cap.DEVELOPMENT_MANAGE, candidate.organization) or is_contact_person(user, candidate)


# --- scopes ---------------------------------------------------------------------------------------


def visible_candidates(*, actor: User) -> QuerySet[Candidate]:
    """The people of the caller's DEVELOPMENT_VIEW scope, and the caller's own applications."""
    q = Q(organization__in=org_selectors.organizations_in_scope(actor, Cap.DEVELOPMENT_VIEW))
    if getattr(actor, "is_authenticated", False):
        q |= Q(user=actor)
    return Candidate.objects.filter(q)


def candidates_for(*, actor: User, capability: str) -> QuerySet[Candidate]:
    """The people the caller may act on with the capability (no own-application exception)."""
    return Candidate.objects.filter(organization__in=org_selectors.organizations_in_scope(actor, capability))


def account_may_apply(*, user: Any) -> bool:
    """Whether 网上申请入党 is open to this account: any logged-in person except the accounts of the
    three administrators (三员: system, security, audit), which are posts of the platform, not persons
    who join the party. The application page, its branch list and the service all ask this."""
    return getattr(user, "is_authenticated", False) and not (access.roles_of(user) & ADMIN_ROLES)


def applies_through_menu(*, user: Any) -> bool:
    """Whether the menu offers 申请入党: to an account that may apply and is neither a member already
    nor a cadre who follows the pipeline on the board."""
    return (account_may_apply(user=user) and not access.has_capability(user, Cap.DEVELOPMENT_VIEW)
            and member_selectors.own_member(user) is None)


def own_candidacies(*, actor: User) -> QuerySet[Candidate]:
    if not getattr(actor, "is_authenticated", False):
        return Candidate.objects.none()
    return Candidate.objects.filter(user=actor).select_related("organization").order_by("-created_at")


def visible_documents(*, actor: User) -> QuerySet[Document]:
    return Document.objects.filter(candidate__in=visible_candidates(actor=actor))


def branches_to_apply_to(*, query: str, limit: int = 20) -> list:
    """Branches an applicant may choose, by name or code (any logged-in person applies)."""
    from dangwu.orgs.models import BRANCH_TYPES
    from dangwu.orgs.selectors import pick_organizations

    return pick_organizations(query=query, org_types=[str(t) for t in BRANCH_TYPES], limit=limit)


# --- the board ------------------------------------------------------------------------------------


@dataclass
class Progress:
    """Where one person stands: the step done last, what comes next and from when, and deadlines."""

    history: dict[str, date]
    next_step: str | None
    earliest: date | None
    latest: date | None
    deadlines: list[rules.Deadline] = field(default_factory=list)
    blocked_until: date | None = None  # the next step may not happen before this day (waiting period)
    report_due: date | None = None  # the last day without a thought-report reminder (active people only)
    report_overdue: bool = False

    @property
    def next_label(self) -> str:
        return str(rules.STEPS[self.next_step].label) if self.next_step else ""

    @property
    def next_superior(self) -> bool:
        return bool(self.next_step and self.next_step in rules.SUPERIOR_STEPS)

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines)


def progress_of(candidate: Candidate, *, history: dict[str, date] | None = None, today: date | None = None) -> Progress:
    today = today or timezone.localdate()
    if history is None:
        history = {s.code: s.done_on for s in candidate.steps.all()}
    nxt = rules.next_step(history) if candidate.status == Candidate.Status.ACTIVE else None
    earliest = latest = None
    if nxt:
        earliest = rules.earliest_date(nxt, history, birth_date=candidate.birth_date,
                                       extension_months=candidate.extension_months,
                                       publicity_ends_on=candidate.publicity_ends_on)
        latest = rules.latest_date(nxt, history)
    deadlines = rules.warnings(history, today, extension_months=candidate.extension_months) \
        if candidate.status == Candidate.Status.ACTIVE else []
    blocked = earliest if earliest and earliest > today else None
    report_due, report_overdue = None, False
    if candidate.status == Candidate.Status.ACTIVE and "application" in history:
        days = thought_report_days()
        report_due = rules.thought_report_due(started=history["application"], last_report=candidate.last_report_on,
                                              days=days)
        report_overdue = today > report_due
    return Progress(history, nxt, earliest, latest, deadlines, blocked, report_due, report_overdue)


def reports_overdue_q(today: date) -> Q:
    """Active people with no thought report in the last DANGWU_THOUGHT_REPORT_DAYS days (one query:
    the latest report's date is kept on the person; without one, the application's date counts)."""
    cutoff = today - timedelta(days=thought_report_days())
    return Q(status=Candidate.Status.ACTIVE) & (
        Q(last_report_on__lt=cutoff)
        | Q(last_report_on__isnull=True,
            pk__in=Step.objects.filter(code="application", done_on__lt=cutoff).values("candidate_id")))


def talks_overdue_q(today: date) -> Q:
    """Applicants not talked to within a month of their application (the branch's deadline)."""
    return Q(status=Candidate.Status.ACTIVE, last_step=rules.TALK_DEADLINE_AFTER, due_on__lt=today)


def steps_overdue_q(today: date) -> Q:
    """People whose other deadline of the branch has passed (the admission or conversion meeting):
    overdue, and neither the talk nor the superior committee's approval."""
    return (Q(status=Candidate.Status.ACTIVE, due_on__lt=today)
            & ~Q(last_step__in=[rules.TALK_DEADLINE_AFTER, *rules.SUPERIOR_DEADLINE_AFTER]))


def superior_overdue_q(today: date) -> Q:
    """People whose approval by the superior committee is past its three months."""
    return Q(status=Candidate.Status.ACTIVE, due_on__lt=today, last_step__in=rules.SUPERIOR_DEADLINE_AFTER)


def board(
    *, actor: User, organization: Any, stage: str = "", query: str = "", status: str = str(Candidate.Status.ACTIVE),
    attention: str = "",
) -> QuerySet[Candidate]:
    """The people of an organization's subtree in the caller's scope, filtered; `attention`:
    "overdue" (a deadline of the organization has passed), "superior" (waiting for the superior
    committee), "reports" (no thought report for too long), "talk" (not talked to within a month of
    the application), "steps_overdue" (another deadline of the branch has passed)."""
    qs = visible_candidates(actor=actor).filter(organization__path__startswith=organization.path)
    if status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(stage=stage)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(name_pinyin__startswith=query.lower()))
    if attention == "superior":
        qs = qs.filter(last_step__in=_BEFORE_SUPERIOR)
    elif attention == "overdue":
        qs = qs.filter(due_on__lt=timezone.localdate())
    elif attention == "reports":
        qs = qs.filter(reports_overdue_q(timezone.localdate()))
    elif attention == "talk":
        qs = qs.filter(talks_overdue_q(timezone.localdate()))
    elif attention == "steps_overdue":
        qs = qs.filter(steps_overdue_q(timezone.localdate()))
    return qs.select_related("organization").prefetch_related("steps").order_by("name_pinyin", "id")


_BEFORE_SUPERIOR = [rules.STEP_CODES[rules.STEP_CODES.index(code) - 1] for code in rules.SUPERIOR_STEPS]


def stage_counts(*, actor: User, organization: Any) -> dict[str, int]:
    """How many active people stand in each stage in the organization's subtree (one GROUP BY)."""
    qs = visible_candidates(actor=actor).filter(organization__path__startswith=organization.path,
                                                status=Candidate.Status.ACTIVE)
    counts = dict(qs.order_by().values_list("stage").annotate(n=Count("id")))
    out = {code: counts.get(code, 0) for code, _label in rules.STAGES}
    out["overdue"] = qs.filter(due_on__lt=timezone.localdate()).count()
    out["reports"] = qs.filter(reports_overdue_q(timezone.localdate())).count()
    return out


def awaiting_approval(*, actor: User) -> QuerySet[Candidate]:
    """People whose next step is the superior committee's, in the caller's DEVELOPMENT_APPROVE scope."""
    return (candidates_for(actor=actor, capability=Cap.DEVELOPMENT_APPROVE)
            .filter(status=Candidate.Status.ACTIVE, last_step__in=_BEFORE_SUPERIOR)
            .select_related("organization").prefetch_related("steps").order_by("last_step_on", "id"))


# --- what waits (待办) ------------------------------------------------------------------------------


def waiting_on_branch(*, actor: User, organization: Any) -> dict[str, int]:
    """What the branches of an organization's subtree owe in the caller's DEVELOPMENT_MANAGE scope,
    in one COUNT query over the people's kept deadline (`due_on`, indexed): "talks" overdue
    (谈话逾期) and "steps" (other deadlines of the branch) overdue."""
    today = timezone.localdate()
    return (candidates_for(actor=actor, capability=Cap.DEVELOPMENT_MANAGE)
            .filter(organization__path__startswith=organization.path, status=Candidate.Status.ACTIVE,
                    due_on__lt=today)
            .aggregate(talks=Count("id", filter=talks_overdue_q(today)),
                       steps=Count("id", filter=steps_overdue_q(today))))


def waiting_on_superior(*, actor: User) -> dict[str, int]:
    """The superior committee's queue in the caller's DEVELOPMENT_APPROVE scope (`awaiting_approval`),
    in one COUNT query: "waiting", and of them "overdue" (the approval's three months passed)."""
    return (awaiting_approval(actor=actor).order_by()
            .aggregate(waiting=Count("id"), overdue=Count("id", filter=superior_overdue_q(timezone.localdate()))))


def steps_of(*, candidate: Candidate) -> list[Step]:
    return list(candidate.steps.select_related("vote", "recorded_by").prefetch_related("documents")
                .order_by("done_on", "id"))


def sponsors_of(*, candidate: Candidate) -> list[Sponsor]:
    return list(candidate.sponsors.select_related("member", "member__organization"))


def sponsor_choices(*, actor: User, candidate: Candidate) -> QuerySet[Member]:
    """Full members in good standing of the person's branch (the usual contact persons and
    introducers), within the caller's member scope."""
    return (member_selectors.members_in_scope(actor, Cap.MEMBER_VIEW)
            .filter(organization=candidate.organization).full_in_good_standing()
            .order_by("name_pinyin", "id"))


def voting_members(*, organization: Any) -> int:
    """Full members in good standing of the branch: a hint for "who should attend" a vote."""
    return Member.objects.filter(organization=organization).full_in_good_standing().count()


# --- thought reports (思想汇报) ---------------------------------------------------------------------


def report_candidates(*, actor: User) -> QuerySet[Candidate]:
    """People whose thought reports the caller may read: their own, those they accompany as a
    contact person (培养联系人), and those of their DEVELOPMENT_VIEW scope."""
    q = Q(organization__in=org_selectors.organizations_in_scope(actor, Cap.DEVELOPMENT_VIEW))
    if getattr(actor, "is_authenticated", False):
        q |= Q(user=actor)
        q |= Q(pk__in=Sponsor.objects.filter(kind=Sponsor.Kind.CONTACT, member__user=actor).values("candidate_id"))
    return Candidate.objects.filter(q)


def accompanied(*, actor: User) -> QuerySet[Candidate]:
    """The active people the caller accompanies as a contact person."""
    if not getattr(actor, "is_authenticated", False):
        return Candidate.objects.none()
    return (Candidate.objects.filter(status=Candidate.Status.ACTIVE, sponsors__kind=Sponsor.Kind.CONTACT,
                                     sponsors__member__user=actor)
            .select_related("organization").prefetch_related("steps").distinct().order_by("name_pinyin", "id"))


def thought_reports_of(*, candidate: Candidate) -> list[ThoughtReport]:
    return list(candidate.thought_reports.prefetch_related(
        Prefetch("comments", queryset=ReportComment.objects.order_by("created_at", "id")), "attachments"))


def visible_reports(*, actor: User) -> QuerySet[ThoughtReport]:
    return ThoughtReport.objects.filter(candidate__in=report_candidates(actor=actor))


def visible_report_attachments(*, actor: User) -> QuerySet[ReportAttachment]:
    return ReportAttachment.objects.filter(report__candidate__in=report_candidates(actor=actor))


def writes_or_reads_reports(*, user: Any) -> bool:
    """Whether the user writes thought reports (a person in the pipeline) or reads them as a
    contact person (培养联系人) of one: the menu shows 思想汇报 to them."""
    if not getattr(user, "is_authenticated", False):
        return False
    contact = Sponsor.objects.filter(kind=Sponsor.Kind.CONTACT, member__user=user).values("candidate_id")
    return Candidate.objects.filter(Q(user=user) | Q(pk__in=contact), status=Candidate.Status.ACTIVE).exists()

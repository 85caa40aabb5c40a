"""Reads of organizational life, already filtered to the caller's scope (`core.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member
from dangwu.orgs import selectors as org_selectors
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization

from . import rules
from .models import Attendance, Kind, LeaveRequest, Meeting, Minutes

COMMITTEE_KINDS = (rules.COMMITTEE,)


def own_member(*, user: Any) -> Member | None:
    """The member record linked to the account (a member checks in and asks for leave as it)."""
    return member_selectors.own_member(user)


def organizations_in_scope(*, actor: User, capability: str = Cap.ORGLIFE_VIEW) -> QuerySet[Organization]:
    return Organization.objects.filter(access.scope_q(actor, capability), dissolved_on__isnull=True)


def meetings_in_scope(*, actor: User, capability: str = Cap.ORGLIFE_VIEW) -> QuerySet[Meeting]:
    """The meetings of the organizations where the caller holds the capability."""
    return Meeting.objects.filter(access.scope_q(actor, capability, path_field="organization__path")).select_related(
        "organization", "speaker")


def meetings_visible(*, actor: User) -> QuerySet[Meeting]:
    """The meetings the caller may open: those of the scope, and those of their own organization."""
    own = own_member(user=actor)
    scoped = access.scope_q(actor, Cap.ORGLIFE_VIEW, path_field="organization__path")
    if own is not None:
        scoped |= Q(organization_id=own.organization_id)
    return Meeting.objects.filter(scoped).select_related("organization", "speaker")


def meetings_of(*, organization: Organization, year: int) -> QuerySet[Meeting]:
    return Meeting.objects.filter(organization=organization, starts_at__year=year).order_by("starts_at", "id")


def has_committee(*, organization: Organization) -> bool:
    """Whether the organization has a serving committee (支委会 is then owed each month)."""
    return org_selectors.current_committee(org=organization).exists()


def expected_attendees(*, meeting: Meeting) -> QuerySet[Member]:
    """Who attends, computed from the kind: the committee's serving members for 支委会; every member
    in good standing of the organization otherwise (党小组会 too: the platform keeps no party groups yet)."""
    if meeting.kind in COMMITTEE_KINDS:
        ids = org_selectors.current_committee(org=meeting.organization).values("member_id")
        return Member.objects.filter(pk__in=ids).in_good_standing().order_by("name_pinyin", "id")
    return Member.objects.filter(organization_id=meeting.organization_id).in_good_standing().order_by(
        "name_pinyin", "id")


def is_expected(*, meeting: Meeting, member: Member) -> bool:
    return expected_attendees(meeting=meeting).filter(pk=member.pk).exists()


def leave_refusal(*, meeting: Meeting, member: Member, now: Any) -> str | None:
    """Why the member may not ask to be excused from the meeting now, or None: the one rule of the
    leave button on the meeting page and of `services.request_leave`."""
    if meeting.status == Meeting.Status.CANCELLED:
        return _("会议已取消。")
    if not is_expected(meeting=meeting, member=member):
        return _("您不在本次会议的应到人员中。")
    if now >= meeting.starts_at:
        return _("会议已经开始，不能再请假，请联系支部书记。")
    if Attendance.objects.filter(meeting=meeting, member=member, status__in=(
            Attendance.Status.PRESENT, Attendance.Status.LATE)).exists():
        return _("您已签到，不能再请假。")
    if LeaveRequest.objects.filter(meeting=meeting, member=member).exclude(
            status=LeaveRequest.Status.REFUSED).exists():
        return _("您已经为本次会议请过假。")
    return None


@dataclass
class AttendanceRow:
    member: Member
    attendance: Attendance | None
    leave: LeaveRequest | None


def attendance_sheet(*, meeting: Meeting) -> list[AttendanceRow]:
    """Every expected attendee (and anyone else recorded) with their attendance and leave request."""
    records = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting).select_related("member")}
    leaves = {lr.member_id: lr for lr in LeaveRequest.objects.filter(meeting=meeting).order_by("requested_at")}
    rows = [AttendanceRow(m, records.pop(m.pk, None), leaves.get(m.pk)) for m in expected_attendees(meeting=meeting)]
    rows += [AttendanceRow(a.member, a, leaves.get(a.member_id)) for a in records.values()]
    return rows


def pending_leave_requests(*, meeting: Meeting) -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.filter(meeting=meeting, status=LeaveRequest.Status.PENDING).select_related("member")


def leave_requests_in_scope(*, actor: User) -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.filter(
        access.scope_q(actor, Cap.ORGLIFE_MANAGE, path_field="meeting__organization__path")
    ).select_related("meeting", "member")


def own_attendance(*, meeting: Meeting, member: Member) -> Attendance | None:
    return Attendance.objects.filter(meeting=meeting, member=member).first()


def own_leave_request(*, meeting: Meeting, member: Member) -> LeaveRequest | None:
    return LeaveRequest.objects.filter(meeting=meeting, member=member).order_by("-requested_at").first()


def meeting_by_token(*, token: str) -> Meeting | None:
    if not isinstance(token, str) or not 0 < len(token) <= 64:
        return None
    return Meeting.objects.filter(checkin_token=token).select_related("organization").first()


def next_meetings_of_member(*, member: Member, now: Any, limit: int = 3) -> list[Meeting]:
    """The member's organization's coming meetings (not cancelled, not ended), soonest first."""
    qs = Meeting.objects.filter(organization_id=member.organization_id, ends_at__gte=now).exclude(
        status=Meeting.Status.CANCELLED).order_by("starts_at", "id")
    return [m for m in qs[: limit * 3] if m.kind not in COMMITTEE_KINDS or is_expected(meeting=m, member=member)][:limit]


@dataclass
class YearAttendance:
    attended: int  # present or late
    on_leave: int
    held: int  # held meetings of the year the member was to attend

    @property
    def rate(self) -> int | None:
        """Percent of the meetings held that the member attended (leave excused: not counted against)."""
        due = self.held - self.on_leave
        return None if due <= 0 else round(self.attended * 100 / due)


def year_attendance(*, member: Member, year: int) -> YearAttendance:
    """This year's attendance of a member: the held meetings of their organization that everyone
    attends, and the committee's where the member's attendance was recorded (a member of the
    committee then), against what the member's attendance rows say. Two queries."""
    held = Meeting.objects.filter(organization_id=member.organization_id, status=Meeting.Status.HELD,
                                  starts_at__year=year)
    rows = dict(Attendance.objects.filter(member=member, meeting__in=held).values_list("meeting_id", "status"))
    count = held.exclude(kind__in=COMMITTEE_KINDS).count() + held.filter(
        kind__in=COMMITTEE_KINDS, pk__in=list(rows)).count()
    statuses = list(rows.values())
    attended = sum(1 for status in statuses if status in (Attendance.Status.PRESENT, Attendance.Status.LATE))
    return YearAttendance(attended=attended, on_leave=statuses.count(Attendance.Status.LEAVE), held=count)


# The year at a glance ----------------------------------------------------------------------------

HELD, MISSED, PLANNED, OPEN, NOT_DUE = "held", "missed", "planned", "open", "not_due"


@dataclass
class Cell:
    label: str  # the period: "2026-03", "2026-Q1", "2026"
    short: str  # what the grid shows: "3月", "Q1", "全年"
    state: str  # HELD, MISSED, PLANNED, OPEN (running or to come, nothing planned) or NOT_DUE


@dataclass
class GridRow:
    kind: str
    label: Any
    cells: list[Cell]


def year_grid(*, organization: Organization, year: int, today: date) -> list[GridRow]:
    """Kinds × periods of a year: held, missed (`rules.missed_periods` up to today), planned, open.
    A meeting counts as held once its status says so (attendance or minutes were recorded). The
    三会一课 are a branch's duty: a committee or general branch plans meetings of its own the same
    way, but owes none of them, so its grid shows what it held and planned and marks nothing missed
    (what its branches missed is `compliance`'s)."""
    meetings = list(meetings_of(organization=organization, year=year).values_list("kind", "starts_at", "status"))
    held_days = [(k, _local_date(s)) for k, s, st in meetings if st == Meeting.Status.HELD]
    planned = {(k, rules.period_of(k, _local_date(s))) for k, s, st in meetings if st == Meeting.Status.PLANNED}
    held = {(k, rules.period_of(k, d)) for k, d in held_days}
    if organization.org_type in BRANCH_TYPES:
        committee = has_committee(organization=organization)
        missed = rules.missed_periods(year=year, meetings=held_days, has_committee=committee, has_groups=False,
                                      until=today)
        required = set(rules.required_kinds(has_committee=committee, has_groups=False))
    else:
        missed, required = set(), set()
    rows = []
    for kind in rules.KINDS:
        cells = []
        for label, _first, _last in rules.periods(kind, year):
            if (kind, label) in held:
                state = HELD
            elif (kind, label) in missed:
                state = MISSED
            elif (kind, label) in planned:
                state = PLANNED
            elif kind in required:
                state = OPEN
            else:
                state = NOT_DUE
            cells.append(Cell(label, _short(label), state))
        rows.append(GridRow(kind, Kind(kind).label, cells))
    return rows


def _short(label: str) -> str:
    if "-Q" in label:
        return label.split("-")[1]
    if "-" in label:
        return str(int(label.split("-")[1]))
    return label


def _local_date(moment: Any) -> date:
    return timezone.localtime(moment).date()


def organizations_visible(*, actor: User) -> QuerySet[Organization]:
    """The organizations whose meetings the caller may see: the scope's, and their own."""
    q = access.scope_q(actor, Cap.ORGLIFE_VIEW)
    own = own_member(user=actor)
    if own is not None:
        q |= Q(pk=own.organization_id)
    return Organization.objects.filter(q)


def member_choices(*, organization: Organization) -> list[tuple[int, str]]:
    """(id, name) of the organization's members in good standing, for a form's choices."""
    return list(Member.objects.filter(organization=organization).in_good_standing()
                .order_by("name_pinyin", "id").values_list("pk", "name"))


def member_of(*, organization: Organization, pk: Any) -> Member | None:
    """A member of the organization by id (a form's choice), or None."""
    return Member.objects.filter(organization=organization, pk=pk).first() if pk else None


def expected_member(*, meeting: Meeting, pk: Any) -> Member | None:
    return expected_attendees(meeting=meeting).filter(pk=pk).first()


def minutes_of(*, meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).select_related("recorder", "signed_off_by").first()


def minutes_history(*, minutes: Any) -> list[Any]:
    """The versions of the minutes, newest first, with the reason of each change."""
    return list(minutes.history.order_by("-history_date", "-history_id")[:20]) if minutes is not None else []


def scope_root_ids(*, actor: User) -> list[int]:
    return access.scope_root_ids(actor, Cap.ORGLIFE_VIEW)


def register_meetings(*, organization: Organization, year: int) -> QuerySet[Meeting]:
    """The year's meetings that were not cancelled, with their attendance counted and their minutes
    (the 三会一课 register)."""
    def counted(status: str) -> Count:
        return Count("attendances", filter=Q(attendances__status=status))

    return (meetings_of(organization=organization, year=year).exclude(status=Meeting.Status.CANCELLED)
            .select_related("speaker", "minutes", "minutes__recorder")
            .annotate(present=counted(Attendance.Status.PRESENT), late=counted(Attendance.Status.LATE),
                      on_leave=counted(Attendance.Status.LEAVE), absent=counted(Attendance.Status.ABSENT)))


# --- compliance of the branches below (下级党组织三会一课情况), read from the roll-ups ----------

@dataclass
class ComplianceCell:
    label: str
    short: str
    missed: int | None  # None: the period has not ended (nothing is missed yet)


@dataclass
class ComplianceRow:
    organization: Organization | None  # None: the whole subtree of the page's organization
    owing: dict[str, int]  # kind -> branches below that owe it
    missed: dict[str, int | None]  # kind -> branch-periods missed in the periods that ended (None: none ended)


@dataclass
class Compliance:
    kinds: list[tuple[str, Any, list[ComplianceCell]]]  # (kind, label, cells) of the whole subtree
    rows: list[ComplianceRow]  # the whole subtree first, then each direct sub-organization


def _branches_below(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=organization.path, depth__gt=organization.depth,
                                       org_type__in=BRANCH_TYPES, dissolved_on__isnull=True)


def _owing(kind: str, branches: QuerySet[Organization]) -> QuerySet[Organization]:
    """The branches of `branches` that owe `kind` (`rules.required_kinds`: 支委会 where a committee serves)."""
    if kind == rules.GROUP:
        return branches.none()
    if kind == rules.COMMITTEE:
        return branches.filter(pk__in=CommitteePosition.objects.filter(ended_on__isnull=True)
                               .values("organization_id"))
    return branches


def compliance(*, organization: Organization, year: int, today: date) -> Compliance | None:
    """How many branches below missed each (kind, period) of `year` that ended by `today`: the
    branches that owe the kind less those that held one, both read from the compliance roll-up
    (`rollups`: the `OWING` rows and `OrglifeStat.branches` of the period's rows) of the organization
    and of each direct sub-organization. Two queries, whatever the size of the subtree; never a read
    of the meetings or a count of the tree. None when no branch lies below (a branch's own year is
    its grid's)."""
    from .models import OrglifeStat
    from .rollups import OWING

    if organization.org_type in BRANCH_TYPES:
        return None  # a branch owes its own meetings: no branch lies below it
    children = list(Organization.objects.filter(path__startswith=organization.path, depth=organization.depth + 1,
                                                dissolved_on__isnull=True).order_by("path"))
    ids = {organization.pk: None, **{c.pk: c.path for c in children}}
    held: dict[tuple[str | None, str, str], int] = {}
    owing: dict[tuple[str | None, str], int] = {}
    for o, k, p, b in OrglifeStat.objects.filter(organization_id__in=ids).filter(
            Q(period__startswith=f"{year:04d}") | Q(period=OWING)).values_list(
            "organization_id", "kind", "period", "branches"):
        if p == OWING:
            owing[(ids[o], k)] = b
        else:
            held[(ids[o], k, p)] = b
    if not owing.get((None, rules.ASSEMBLY)):
        return None

    def owed(prefix: str | None, kind: str) -> int:  # every branch owes what 支部党员大会 stands for here
        if kind == rules.GROUP:
            return 0
        return owing.get((prefix, rules.COMMITTEE if kind == rules.COMMITTEE else rules.ASSEMBLY), 0)

    kinds, rows = [], [ComplianceRow(None, {}, {})] + [ComplianceRow(c, {}, {}) for c in children]
    owed_kinds = [kind for kind in rules.KINDS if owed(None, kind)]
    for kind in owed_kinds:
        periods = rules.periods(kind, year)
        cells = [ComplianceCell(label, _short(label), max(0, owed(None, kind) - held.get((None, kind, label), 0))
                                if last <= today else None) for label, _first, last in periods]
        kinds.append((kind, Kind(kind).label, cells))
    # Each row's sum over the periods that ended (a county has hundreds of direct sub-organizations:
    # one pass a row and kind, not a pass of every row for every period).
    ended = {kind: [label for label, _first, last in rules.periods(kind, year) if last <= today] for kind in owed_kinds}
    for row in rows:
        prefix = row.organization.path if row.organization else None
        for kind in owed_kinds:
            n = row.owing[kind] = owed(prefix, kind)
            row.missed[kind] = (sum(max(0, n - held.get((prefix, kind, label), 0)) for label in ended[kind])
                                if ended[kind] else None)
    rows = [rows[0]] + [r for r in rows[1:] if any(r.owing.values())]
    return Compliance(kinds, rows)


def branches_that_missed(*, organization: Organization, kind: str, period: str) -> QuerySet[Organization]:
    """The branches below `organization` that owe `kind` and held none in `period` (each branch's own
    roll-up row says whether it held one: looked up by the row's unique key, branch by branch, as the
    page is read in path order — never the period's rows of the whole province), by path."""
    from django.db.models import Exists, OuterRef

    from .models import OrglifeStat

    held = OrglifeStat.objects.filter(organization_id=OuterRef("pk"), kind=kind, period=period, branches__gt=0)
    return _owing(kind, _branches_below(organization)).exclude(Exists(held)).order_by("path")


def missed_count(*, organization: Organization, kind: str, period: str) -> int:
    """How many branches below missed `kind` in `period`, as the committee's view counts them: what
    the subtree owes less the branches that held one (its own roll-up rows: one query)."""
    from .models import OrglifeStat
    from .rollups import OWING

    owed_kind = rules.COMMITTEE if kind == rules.COMMITTEE else rules.ASSEMBLY
    if kind == rules.GROUP or organization.org_type in BRANCH_TYPES:
        return 0
    rows = dict(OrglifeStat.objects.filter(organization=organization).filter(
        Q(kind=owed_kind, period=OWING) | Q(kind=kind, period=period)).values_list("period", "branches"))
    return max(0, rows.get(OWING, 0) - rows.get(period, 0))

"""Reads of organizational life, already filtered to the caller's scope (`core.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Member, Outflow
from dangwu.orgs import selectors as org_selectors
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization, OrgType

from . import rules
from .models import (
    Attendance,
    Kind,
    LeaveRequest,
    Meeting,
    MeetingFile,
    Minutes,
    PartyGroupMember,
    TalkRecord,
)

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


def member_meetings_q(*, member: Member) -> Q:
    """The meetings a member may open and may be asked to: their own organization's, the 联合党课
    their organization joins, those they are invited to (列席), and, while away as a mobile member
    (流动党员), their host organization's."""
    joint = Meeting.joint_organizations.through.objects.filter(organization_id=member.organization_id)
    invited = Meeting.invitees.through.objects.filter(member_id=member.pk)
    hosts = Outflow.objects.filter(member=member, returned_on__isnull=True, host_organization__isnull=False)
    return (Q(organization_id=member.organization_id) | Q(pk__in=joint.values("meeting_id"))
            | Q(pk__in=invited.values("meeting_id")) | Q(organization_id__in=hosts.values("host_organization_id")))


def meetings_visible(*, actor: User) -> QuerySet[Meeting]:
    """The meetings the caller may open: those of the scope and the 联合党课 its organizations join,
    and those the caller's own member record may attend (`member_meetings_q`)."""
    own = own_member(user=actor)
    scoped = access.scope_q(actor, Cap.ORGLIFE_VIEW, path_field="organization__path")
    joined = Meeting.joint_organizations.through.objects.filter(
        access.scope_q(actor, Cap.ORGLIFE_VIEW, path_field="organization__path"))
    scoped |= Q(pk__in=joined.values("meeting_id"))  # the 联合党课 an organization of the scope joins
    if own is not None:
        scoped |= member_meetings_q(member=own)
    return Meeting.objects.filter(scoped).select_related("organization", "speaker")


def meetings_of(*, organization: Organization, year: int) -> QuerySet[Meeting]:
    """The organization's meetings of a year, with the 联合党课 it joined (they count as its own)."""
    joint = Meeting.joint_organizations.through.objects.filter(organization_id=organization.pk)
    return Meeting.objects.filter(Q(organization=organization) | Q(pk__in=joint.values("meeting_id")),
                                  starts_at__year=year).order_by("starts_at", "id")


def has_committee(*, organization: Organization) -> bool:
    """Whether the organization has a serving committee (支委会 is then owed each month)."""
    return org_selectors.current_committee(org=organization).exists()


def party_groups(*, organization: Organization) -> QuerySet[Organization]:
    """The 党小组 standing under a branch (organizations of type "group"), in the tree's order."""
    return Organization.objects.filter(path__startswith=organization.path, depth=organization.depth + 1,
                                       org_type=OrgType.GROUP, dissolved_on__isnull=True).order_by("path")


def has_groups(*, organization: Organization) -> bool:
    """Whether the branch is divided into party groups (党小组会 is then owed each month)."""
    return party_groups(organization=organization).exists()


def group_members(*, group: Organization) -> QuerySet[Member]:
    """The members of a party group: those assigned to it who still belong to the branch above it."""
    branch_path = group.path[: len(group.path) - Organization.steplen]
    return Member.objects.filter(pk__in=PartyGroupMember.objects.filter(group=group).values("member_id"),
                                 organization__path=branch_path)


def groups_of_members(*, organization: Organization) -> dict[int, int]:
    """member id -> party group id, for the branch's members assigned to one of its groups."""
    return dict(PartyGroupMember.objects.filter(
        member__organization=organization, group__in=party_groups(organization=organization)).values_list(
        "member_id", "group_id"))


def _hosted_members(organization_id: int) -> QuerySet[Outflow]:
    """The open outflows of mobile members (流动党员) whose host organization this is."""
    return Outflow.objects.filter(host_organization_id=organization_id, returned_on__isnull=True)


def expected_attendees(*, meeting: Meeting) -> QuerySet[Member]:
    """Who attends, computed from the kind: the committee's serving members for 支委会; the party
    group's for 党小组会; otherwise every member in good standing of the organization, of the
    organizations joining a 联合党课, and the mobile members (流动党员) it hosts, who take part here
    and have it count at home. Members invited (列席) attend any kind."""
    if meeting.kind in COMMITTEE_KINDS:
        ids = org_selectors.current_committee(org=meeting.organization).values("member_id")
        q = Q(pk__in=ids)
    elif meeting.kind == rules.GROUP:
        q = Q(pk__in=group_members(group=meeting.party_group).values("pk")) if meeting.party_group_id else Q(
            pk__in=[])
    else:
        q = Q(organization_id=meeting.organization_id) | Q(
            pk__in=_hosted_members(meeting.organization_id).values("member_id"))
        if meeting.pk is not None and meeting.kind == rules.LESSON:
            q |= Q(organization_id__in=Meeting.joint_organizations.through.objects.filter(
                meeting_id=meeting.pk).values("organization_id"))
    if meeting.pk is not None:
        q |= Q(pk__in=Meeting.invitees.through.objects.filter(meeting_id=meeting.pk).values("member_id"))
    return Member.objects.filter(q).in_good_standing().order_by("name_pinyin", "id")


def attendee_notes(*, meeting: Meeting) -> dict[int, str]:
    """member id -> why a member outside the organization's own ranks is on the list (列席, 流动党员,
    the joining organization's name), for the attendance sheet."""
    notes: dict[int, str] = {}
    if meeting.kind not in COMMITTEE_KINDS and meeting.kind != rules.GROUP:
        for member_id in _hosted_members(meeting.organization_id).values_list("member_id", flat=True):
            notes[member_id] = _("流动党员")
        if meeting.kind == rules.LESSON:
            for member_id, name in Member.objects.filter(organization__in=meeting.joint_organizations.all()).values_list(
                    "pk", "organization__name"):
                notes[member_id] = name
    for member_id in meeting.invitees.values_list("pk", flat=True):
        notes[member_id] = _("列席")
    return notes


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
    note: str = ""  # why someone outside the organization's own ranks is on the list


def attendance_sheet(*, meeting: Meeting) -> list[AttendanceRow]:
    """Every expected attendee (and anyone else recorded) with their attendance and leave request."""
    records = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting).select_related("member")}
    leaves = {lr.member_id: lr for lr in LeaveRequest.objects.filter(meeting=meeting).order_by("requested_at")}
    notes = attendee_notes(meeting=meeting)
    rows = [AttendanceRow(m, records.pop(m.pk, None), leaves.get(m.pk), notes.get(m.pk, ""))
            for m in expected_attendees(meeting=meeting).select_related("organization")]
    rows += [AttendanceRow(a.member, a, leaves.get(a.member_id), notes.get(a.member_id, "")) for a in records.values()]
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
    """The coming meetings the member is to attend (not cancelled, not ended), soonest first."""
    qs = Meeting.objects.filter(member_meetings_q(member=member), ends_at__gte=now).exclude(
        status=Meeting.Status.CANCELLED).select_related("organization", "party_group").order_by("starts_at", "id")
    return [m for m in qs[: limit * 4] if is_expected(meeting=m, member=member)][:limit]


@dataclass
class YearAttendance:
    attended: int  # present or late (at home, or at the host organization for a mobile member)
    on_leave: int
    held: int  # held meetings of the year the member was to attend

    @property
    def rate(self) -> int | None:
        """Percent of the meetings held that the member attended (leave excused: not counted against)."""
        due = self.held - self.on_leave
        return None if due <= 0 else round(self.attended * 100 / due)


def year_attendance(*, member: Member, year: int) -> YearAttendance:
    """This year's attendance of a member, against what the member's attendance rows say: the held
    meetings of their organization that everyone attends (and the 联合党课 it joined, those they were
    invited to), and the others where their attendance was recorded (支委会 as a committee member,
    their party group's, the host's as a mobile member). A mobile member's attendance at the host
    counts at home (流动党员): a home meeting they missed is attended when they took part at the host
    in a meeting of the same kind and period, and that host meeting is not counted again."""
    held = Meeting.objects.filter(member_meetings_q(member=member), status=Meeting.Status.HELD, starts_at__year=year)
    rows = dict(Attendance.objects.filter(member=member, meeting__in=held).values_list("meeting_id", "status"))
    invited = set(Meeting.invitees.through.objects.filter(member_id=member.pk).values_list("meeting_id", flat=True))
    meetings = [(pk, org, kind, rules.period_of(kind, _local_date(starts)))
                for pk, org, kind, starts in held.values_list("pk", "organization_id", "kind", "starts_at")]
    everyone = [m for m in meetings if m[2] not in COMMITTEE_KINDS and m[2] != rules.GROUP]
    home_pks = {pk for pk, org, _k, _p in everyone if org == member.organization_id}
    joint_pks = {pk for pk, org, _k, _p in everyone if org != member.organization_id} & set(
        Meeting.joint_organizations.through.objects.filter(organization_id=member.organization_id, meeting_id__in=[
            m[0] for m in everyone]).values_list("meeting_id", flat=True))
    attended_states = (Attendance.Status.PRESENT, Attendance.Status.LATE)
    elsewhere: dict[tuple[str, str], list[int]] = {}  # taken part at the host, by (kind, period)
    for pk, org, kind, period in meetings:
        if org != member.organization_id and pk not in joint_pks | invited and rows.get(pk) in attended_states:
            elsewhere.setdefault((kind, period), []).append(pk)
    covered: dict[int, str] = {}  # home meetings attended at the host instead
    absorbed: set[int] = set()  # the host meetings that stand for them
    for pk, _org, kind, period in meetings:
        if pk in home_pks and pk not in rows and elsewhere.get((kind, period)):
            absorbed.add(elsewhere[(kind, period)].pop())
            covered[pk] = Attendance.Status.PRESENT
    statuses = [covered.get(pk, rows.get(pk)) for pk, _org, _kind, _period in meetings
                if pk not in absorbed and (pk in home_pks or pk in joint_pks or pk in invited or pk in rows)]
    attended = sum(1 for status in statuses if status in attended_states)
    on_leave = statuses.count(Attendance.Status.LEAVE)
    count = len(statuses)
    return YearAttendance(attended=attended, on_leave=on_leave, held=count)


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
        committee, groups = has_committee(organization=organization), has_groups(organization=organization)
        missed = rules.missed_periods(year=year, meetings=held_days, has_committee=committee, has_groups=groups,
                                      until=today)
        required = set(rules.required_kinds(has_committee=committee, has_groups=groups))
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


def may_read_records(*, actor: User, meeting: Meeting) -> bool:
    """Whether the caller reads the meeting's records — its minutes, materials and attachments:
    those expected at it, and the cadres of its scope (a committee's records are not the whole
    branch's)."""
    if access.can(actor, Cap.ORGLIFE_VIEW, meeting.organization):
        return True
    own = own_member(user=actor)
    return own is not None and is_expected(meeting=meeting, member=own)


def meeting_files(*, meeting: Meeting, part: str) -> list[MeetingFile]:
    """The files of one part of the meeting (materials, or the minutes' attachments) not removed."""
    return list(MeetingFile.objects.filter(meeting=meeting, part=part, removed_at__isnull=True)
                .select_related("uploaded_by"))


def removed_meeting_files(*, meeting: Meeting) -> list[MeetingFile]:
    """The files removed from the meeting, with who removed them and why (for its secretary)."""
    return list(MeetingFile.objects.filter(meeting=meeting, removed_at__isnull=False)
                .select_related("removed_by").order_by("removed_at", "id"))


def material_count(*, meeting: Meeting) -> int:
    return MeetingFile.objects.filter(meeting=meeting, part=MeetingFile.Part.MATERIAL,
                                      removed_at__isnull=True).count()


def meeting_files_visible(*, actor: User) -> QuerySet[MeetingFile]:
    """The files (not removed) of the meetings the caller may open; the download view then asks
    `may_read_records` of the file's meeting."""
    return MeetingFile.objects.filter(meeting__in=meetings_visible(actor=actor).values("pk"),
                                      removed_at__isnull=True).select_related("meeting__organization")


def meeting_files_in_scope(*, actor: User) -> QuerySet[MeetingFile]:
    """The files of the meetings of organizations where the caller holds orglife.manage."""
    return MeetingFile.objects.filter(
        access.scope_q(actor, Cap.ORGLIFE_MANAGE, path_field="meeting__organization__path")
    ).select_related("meeting__organization")


def register_meetings(*, organization: Organization, year: int) -> QuerySet[Meeting]:
    """The year's meetings that were not cancelled, with their attendance counted and their minutes
    (the 三会一课 register)."""
    def counted(status: str) -> Count:
        return Count("attendances", filter=Q(attendances__status=status))

    return (meetings_of(organization=organization, year=year).exclude(status=Meeting.Status.CANCELLED)
            .select_related("speaker", "minutes", "minutes__recorder")
            .prefetch_related(Prefetch("files", MeetingFile.objects.filter(removed_at__isnull=True),
                                       to_attr="kept_files"))
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
    """The branches of `branches` that owe `kind` (`rules.required_kinds`: 支委会 where a committee
    serves, 党小组会 where party groups stand under the branch)."""
    if kind == rules.GROUP:
        groups = Organization.objects.filter(org_type=OrgType.GROUP, dissolved_on__isnull=True)
        return branches.filter(path__in=groups.annotate(
            parent_path=Substr("path", 1, Length("path") - Organization.steplen)).values("parent_path"))
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
        return owing.get((prefix, kind if kind in (rules.COMMITTEE, rules.GROUP) else rules.ASSEMBLY), 0)

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

    owed_kind = kind if kind in (rules.COMMITTEE, rules.GROUP) else rules.ASSEMBLY
    if organization.org_type in BRANCH_TYPES:
        return 0
    rows = dict(OrglifeStat.objects.filter(organization=organization).filter(
        Q(kind=owed_kind, period=OWING) | Q(kind=kind, period=period)).values_list("period", "branches"))
    return max(0, rows.get(OWING, 0) - rows.get(period, 0))


def may_invite(*, actor: User, member: Member) -> bool:
    """Whether the caller may invite the member (列席): a member the caller may see."""
    return member_selectors.visible_members(actor=actor).filter(pk=member.pk).exists()


def invite_candidates(*, actor: User, meeting: Meeting, query: str, limit: int = 10) -> list[Member]:
    """Members in good standing the caller may see matching a name, pinyin or ID number search
    (`members.selectors.search_members`), less those already expected at the meeting."""
    query = (query or "").strip()[:50]
    if not query:
        return []
    expected = expected_attendees(meeting=meeting).values("pk")
    return list(member_selectors.search_members(actor=actor, query=query).in_good_standing().exclude(
        pk__in=expected)[:limit])


def invitees_of(*, meeting: Meeting) -> list[Member]:
    return list(meeting.invitees.select_related("organization").order_by("name_pinyin", "id"))


def joint_choices(*, actor: User, organization: Organization, limit: int = 300) -> list[tuple[int, str]]:
    """The organizations that may join the organization's 党课 (联合党课): the branches below it and
    its sibling branches, where the caller holds orglife.manage, in the tree's order."""
    parent_path = organization.path[: len(organization.path) - Organization.steplen]
    below = Q(path__startswith=organization.path, depth__gt=organization.depth)
    siblings = Q(path__startswith=parent_path, depth=organization.depth) if parent_path else Q(pk__in=[])
    return list(Organization.objects.filter(below | siblings, access.scope_q(actor, Cap.ORGLIFE_MANAGE),
                                            org_type__in=BRANCH_TYPES, dissolved_on__isnull=True)
                .exclude(pk=organization.pk).order_by("path").values_list("pk", "name")[:limit])


def joint_organizations_of(*, meeting: Meeting) -> list[Organization]:
    return list(meeting.joint_organizations.order_by("path"))


def organizations_by_ids(*, actor: User, ids: Any) -> list[Organization]:
    """Organizations of the caller's orglife.manage scope by id, for a form's choices (the service
    checks each again)."""
    return list(Organization.objects.filter(access.scope_q(actor, Cap.ORGLIFE_MANAGE), pk__in=list(ids)))


def party_group_choices(*, organization: Organization) -> list[tuple[int, str]]:
    """(id, name) of the branch's party groups, named without the branch's name before it
    ("第一党小组" rather than "某某党支部第一党小组")."""
    prefix = organization.name
    return [(pk, name[len(prefix):] if name.startswith(prefix) and len(name) > len(prefix) else name)
            for pk, name in party_groups(organization=organization).values_list("pk", "name")]


def party_group_of(*, organization: Organization, pk: Any) -> Organization | None:
    return party_groups(organization=organization).filter(pk=pk).first() if pk else None


def member_by_id(*, actor: User, pk: Any) -> Member | None:
    """A member the caller may see, by id (an invitation's button), or None."""
    return member_selectors.visible_members(actor=actor).filter(pk=pk).first() if pk else None

# --- 谈心谈话 ----------------------------------------------------------------------------------------

def _with_ancestors(organization: Organization) -> list[str]:
    """The paths of the organization and of every organization above it."""
    step = Organization.steplen
    return [organization.path[:end] for end in range(step, len(organization.path) + 1, step)]


def talkers(*, organization: Organization) -> QuerySet[Member]:
    """Who may talk with the organization's members: the serving committee members (书记, 委员) of
    the organization and of those above it, in good standing (a county's secretary talks with a
    branch secretary too)."""
    serving = CommitteePosition.objects.filter(organization__path__in=_with_ancestors(organization),
                                               ended_on__isnull=True).values("member_id")
    return Member.objects.filter(pk__in=serving).in_good_standing().order_by("name_pinyin", "id")


def may_talk(*, organization: Organization, talker: Member) -> bool:
    return talkers(organization=organization).filter(pk=talker.pk).exists()


def talker_choices(*, organization: Organization) -> list[tuple[int, str]]:
    """(id, name) of `talkers`, those of the organization itself first, for a form's choices."""
    own = set(CommitteePosition.objects.filter(organization=organization, ended_on__isnull=True)
              .values_list("member_id", flat=True))
    rows = list(talkers(organization=organization).values_list("pk", "name", "organization__name"))
    return [(pk, name if pk in own else f"{name}（{org_name}）")
            for pk, name, org_name in sorted(rows, key=lambda row: row[0] not in own)]


def talker_of(*, organization: Organization, pk: Any) -> Member | None:
    return talkers(organization=organization).filter(pk=pk).first() if pk else None


def talks_in_scope(*, actor: User, capability: str = Cap.ORGLIFE_VIEW) -> QuerySet[TalkRecord]:
    return TalkRecord.objects.filter(access.scope_q(actor, capability, path_field="organization__path"))


def talks_of(*, organization: Organization, year: int) -> QuerySet[TalkRecord]:
    """The organization's talk records of a year, newest first, the withdrawn ones too (marked)."""
    return (TalkRecord.objects.filter(organization=organization, on__year=year)
            .select_related("member", "talker", "withdrawn_by").order_by("-on", "-id"))


@dataclass
class TalkYear:
    coverage: rules.TalkCoverage
    without_talk: list[Member]  # the members in good standing not yet talked with this year


def talk_year(*, organization: Organization, year: int) -> TalkYear:
    """谈心谈话 N/M: the organization's members in good standing, and which of them no record (not
    withdrawn, of this organization or another they belonged to) says were talked with in `year`
    (`rules.members_without_talk`). Two queries."""
    members = list(Member.objects.filter(organization=organization).in_good_standing().order_by("name_pinyin", "id"))
    talks = TalkRecord.objects.filter(member__in=members, on__year=year, withdrawn_at__isnull=True)
    pairs = list(talks.values_list("member_id", "on"))
    without = set(rules.members_without_talk(year=year, members=[m.pk for m in members], talks=pairs))
    return TalkYear(rules.talk_coverage(year=year, members=[m.pk for m in members], talks=pairs),
                    [m for m in members if m.pk in without])


def talks_without_member_count(*, organization: Organization, year: int) -> int:
    """How many of the organization's members in good standing have no talk in `year` (the to-do's
    count: one query)."""
    talked = TalkRecord.objects.filter(member__organization=organization, on__year=year,
                                       withdrawn_at__isnull=True).values("member_id")
    return Member.objects.filter(organization=organization).in_good_standing().exclude(pk__in=talked).count()


def own_talks(*, member: Member, year: int) -> list[tuple[date, str, str]]:
    """A member's own talks of a year as (day, the talker's name, how): never the topic or summary,
    which are the talker's notes."""
    rows = (TalkRecord.objects.filter(member=member, on__year=year, withdrawn_at__isnull=True)
            .order_by("-on", "-id").values_list("on", "talker__name", "via"))
    return [(on, name, str(TalkRecord.Via(via).label)) for on, name, via in rows]

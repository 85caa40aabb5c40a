"""Demo data of organizational life (组织生活演示数据): the demo loader's orglife seeder.

Every branch of the demo province gets this year's 三会一课 up to today — each required (kind,
period) held on a random day of the period, with signed-off minutes, except a few periods left
without a meeting (about one in fifteen), so that the year's grid shows some missed cells — and the
meetings of the coming month (into next year in December), planned. A meeting counts as held only with something recorded
(`orglife` decision 0026): every held meeting has its minutes, and the demo branch's also have the
attendance of everyone expected (scans, a few late, on leave or absent). Bulk inserts. The demo
branch's last few held meetings and its next planned one carry a material: a short agenda
(会议议程.txt) written here, stored as an upload is (`orglife.files`, decision 0028).

Heart-to-heart talks (谈心谈话): most members of every branch with a serving committee were talked
with this year, on a past day, by the branch's secretary (a committee member for the secretary
themself), face to face or by phone; a few are left for the year's last weeks.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from dangwu.members.models import Member, MemberType, Standing
from dangwu.orglife import rollups, rules
from dangwu.orglife.models import (
    Attendance,
    Kind,
    Meeting,
    MeetingFile,
    Minutes,
    PartyGroupMember,
    TalkRecord,
)
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization

if TYPE_CHECKING:
    from ..context import DemoContext

MISSED_SHARE = 1 / 15
MATERIALS_HELD = 3  # the demo branch's last held meetings that carry an agenda
TALKED_SHARE = 0.85
TALK_TOPICS = ("思想动态和工作情况", "学习贯彻情况交流", "家庭和生活困难", "对支部工作的意见建议",
               "组织生活会前谈心谈话")
PLAN_AHEAD_DAYS = 31
QUARTERS = "一二三四"
TOPICS = {
    rules.ASSEMBLY: "通报支部工作；讨论发展党员；民主评议准备",
    rules.COMMITTEE: "研究本月支部工作安排；讨论党费收缴和组织生活计划",
    rules.GROUP: "学习交流；了解党员思想动态",
    rules.LESSON: "专题党课：学习党章，牢记初心使命",
    rules.THEME_DAY: "重温入党誓词；集中学习；志愿服务",
    rules.LIFE_MEETING: "开展批评与自我批评；民主评议党员",
}


def seed_orglife(*, context: DemoContext) -> None:
    """This year's meetings of every branch, and the attendance of the demo branch's."""
    context.summary["orglife"] = load_meetings(root=context.root, demo_branch=context.demo_branch,
                                               today=context.today, rng=context.random_for("orglife"))
    context.summary["orglife_talks"] = load_talks(root=context.root, demo_branch=context.demo_branch,
                                                  today=context.today, rng=context.random_for("orglife_talks"))


def _party_groups(*, branches: list[Any], rng: random.Random) -> dict[int, list[Any]]:
    """The 党小组 the demo tree put under some branches, each branch's members dealt out among them
    (`PartyGroupMember`): branch id -> its groups."""
    by_path = {b.path: b for b in branches}
    groups: dict[int, list[Any]] = {}
    for group in Organization.objects.filter(org_type="group", dissolved_on__isnull=True).order_by("path"):
        branch = by_path.get(group.path[: len(group.path) - Organization.steplen])
        if branch is not None:
            groups.setdefault(branch.pk, []).append(group)
    rows = []
    for branch_id, its_groups in groups.items():
        members = list(Member.objects.filter(organization_id=branch_id, standing=Standing.NORMAL)
                       .order_by("name_pinyin", "id").values_list("pk", flat=True))
        rng.shuffle(members)
        rows += [PartyGroupMember(member_id=pk, group=its_groups[i % len(its_groups)]) for i, pk in enumerate(members)]
    PartyGroupMember.objects.bulk_create(rows, batch_size=2000)
    return groups


def _title(kind: str, label: str, group: Any = None) -> str:
    if group is not None:  # 第一党小组3月党小组会
        short = "第" + group.name.rsplit("第", 1)[1] if "第" in group.name else group.name
        return f"{short}{_title(kind, label)}"
    name = str(Kind(kind).label)
    if "-Q" in label:
        return f"第{QUARTERS[int(label[-1]) - 1]}季度{name}"
    if "-" in label:
        return f"{int(label[5:])}月{name}"
    return f"{label}年度{name}"


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, rng.choice((time(9, 0), time(14, 30), time(16, 0)))))


def load_meetings(*, root: Any, demo_branch: Any, today: date, rng: random.Random) -> dict[str, int]:
    branches = list(Organization.objects.filter(path__startswith=root.path, org_type__in=BRANCH_TYPES,
                                                dissolved_on__isnull=True).order_by("path"))
    serving = CommitteePosition.objects.filter(organization__in=branches, ended_on__isnull=True)
    committees: dict[int, list[int]] = {}
    secretaries: dict[int, int] = {}
    for org_id, member_id, post in serving.values_list("organization_id", "member_id", "post"):
        committees.setdefault(org_id, []).append(member_id)
        if post == "secretary":
            secretaries[org_id] = member_id
    groups = _party_groups(branches=branches, rng=rng)
    meetings: list[Meeting] = []
    horizon = today + timedelta(days=PLAN_AHEAD_DAYS)
    for branch in branches:
        for kind in rules.required_kinds(has_committee=branch.pk in committees, has_groups=branch.pk in groups):
            # this year's periods, and next year's first within the horizon (in December, January's)
            for label, first, last in [*rules.periods(kind, today.year), *rules.periods(kind, today.year + 1)]:
                if first > horizon:
                    break
                day = first + timedelta(days=rng.randint(0, (last - first).days))
                held = day < today
                if held and rng.random() < MISSED_SHARE:
                    continue  # a period left without a meeting: missed once it has ended
                if not held:  # planned: a day after today within the horizon, so that one always lies ahead
                    soonest, latest = max(first, today + timedelta(days=1)), min(last, horizon)
                    if soonest > latest:
                        continue
                    day = soonest + timedelta(days=rng.randint(0, (latest - soonest).days))
                for group in groups.get(branch.pk, []) if kind == rules.GROUP else [None]:  # each group meets
                    starts = _at(day, rng)
                    meetings.append(Meeting(
                        organization=branch, kind=kind, title=_title(kind, label, group), starts_at=starts,
                        ends_at=starts + timedelta(minutes=rng.choice((60, 90, 120))), place=rng.choice(
                            ("党员活动室", "会议室", "党群服务中心")),
                        status=Meeting.Status.HELD if held else Meeting.Status.PLANNED, party_group=group,
                        speaker_id=secretaries.get(branch.pk) if kind == rules.LESSON else None))
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    held = [m for m in meetings if m.status == Meeting.Status.HELD]
    bulk_create_with_history([
        Minutes(meeting=m, topics=TOPICS[m.kind], resolutions="会议一致同意上述安排。",
                signed_off_at=m.ends_at + timedelta(days=1)) for m in held], Minutes, batch_size=2000)
    attendance = _attendance(demo_branch=demo_branch, meetings=held, committee=committees.get(demo_branch.pk, []),
                             rng=rng)
    Attendance.objects.bulk_create(attendance, batch_size=2000)
    rollups.rebuild(organization=root)  # the meetings above were written in bulk: recount the compliance roll-ups
    materials = _agendas(demo_branch=demo_branch, meetings=meetings)
    return {"meetings": len(meetings), "held": len(held), "attendance": len(attendance), "materials": materials}


def _agendas(*, demo_branch: Any, meetings: list[Meeting]) -> int:
    """A short agenda (会议议程.txt) on the demo branch's last held meetings and its next planned one."""
    own = sorted((m for m in meetings if m.organization_id == demo_branch.pk), key=lambda m: m.starts_at)
    held = [m for m in own if m.status == Meeting.Status.HELD][-MATERIALS_HELD:]
    chosen = held + [m for m in own if m.status == Meeting.Status.PLANNED][:1]
    for meeting in chosen:
        starts = timezone.localtime(meeting.starts_at)
        items = "\n".join(f"{n}、{topic}" for n, topic in enumerate(TOPICS[meeting.kind].split("；"), start=1))
        text = f"{meeting.title}\n时间：{starts:%Y-%m-%d %H:%M}\n地点：{meeting.place}\n\n议程：\n{items}\n"
        data = text.encode()
        record = MeetingFile(meeting=meeting, part=MeetingFile.Part.MATERIAL, file_name="会议议程.txt", size=len(data))
        record.file.save(f"demo-agenda-{meeting.pk}.txt", ContentFile(data), save=False)
        record.save()
    return len(chosen)


def _attendance(*, demo_branch: Any, meetings: list[Meeting], committee: list[int],
                rng: random.Random) -> list[Attendance]:
    members = list(Member.objects.filter(organization=demo_branch, standing=Standing.NORMAL)
                   .values_list("pk", "member_type"))
    in_group = dict(PartyGroupMember.objects.filter(member__organization=demo_branch).values_list(
        "member_id", "group_id"))
    rows = []
    for meeting in meetings:
        if meeting.organization_id != demo_branch.pk:
            continue
        for member_id, member_type in members:
            if meeting.kind == rules.COMMITTEE and member_id not in committee:
                continue
            if meeting.kind == rules.GROUP and in_group.get(member_id) != meeting.party_group_id:
                continue
            draw = rng.random()
            status = ("present" if draw < 0.85 else "late" if draw < 0.9 else "leave" if draw < 0.96 else "absent")
            scanned = status in ("present", "late")
            rows.append(Attendance(
                meeting=meeting, member_id=member_id, status=status,
                checked_in_at=meeting.starts_at + timedelta(minutes=rng.randint(-20, 0) if status == "present"
                                                            else rng.randint(1, 15)) if scanned else None,
                via=Attendance.Via.QR if scanned else Attendance.Via.HAND,
                reason="" if scanned else ("出差" if status == "leave" else "未请假未到会"),
                probationary=member_type == MemberType.PROBATIONARY))
    return rows


def load_talks(*, root: Any, demo_branch: Any, today: date, rng: random.Random) -> dict[str, int]:
    """This year's 谈心谈话 of every branch with a serving committee: about TALKED_SHARE of its members
    in good standing, each once on a day from 1 January to yesterday, by the secretary (by another
    committee member when the member is the secretary). Nothing on 1 January (no past day yet). In
    the demo branch, demo-member (who has an account) was talked with, and the two last members
    were not, so that the tour shows the member's card and, from October, the secretary's to-do."""
    first = date(today.year, 1, 1)
    days = (today - first).days  # the talk falls on first .. yesterday
    if days < 1:
        return {"talks": 0}
    serving: dict[int, list[tuple[int, str]]] = {}
    for org_id, member_id, post in CommitteePosition.objects.filter(
            organization__path__startswith=root.path, organization__org_type__in=BRANCH_TYPES,
            organization__dissolved_on__isnull=True, ended_on__isnull=True,
            member__standing=Standing.NORMAL).order_by("organization_id", "post", "id").values_list(
            "organization_id", "member_id", "post"):
        serving.setdefault(org_id, []).append((member_id, post))
    demo = list(Member.objects.filter(organization=demo_branch, standing=Standing.NORMAL).order_by("pk")
                .values_list("pk", "user_id"))
    always = {pk for pk, user_id in demo if user_id is not None}
    never = {pk for pk, _user in demo[-2:]} - always
    talks = []
    for org_id, member_id in (Member.objects.filter(organization_id__in=serving, standing=Standing.NORMAL)
                              .order_by("organization_id", "pk").values_list("organization_id", "pk")):
        if member_id in never or (rng.random() >= TALKED_SHARE and member_id not in always):
            continue
        committee = serving[org_id]
        secretary = next((m for m, post in committee if post == "secretary"), committee[0][0])
        talker = secretary if secretary != member_id else next((m for m, _post in committee if m != member_id), None)
        if talker is None:
            continue  # a committee of one: nobody of the branch talks with its secretary
        talks.append(TalkRecord(
            organization_id=org_id, member_id=member_id, talker_id=talker,
            on=first + timedelta(days=rng.randrange(days)), topic=rng.choice(TALK_TOPICS),
            via=rng.choice((TalkRecord.Via.OFFLINE, TalkRecord.Via.OFFLINE, TalkRecord.Via.PHONE)),
            summary="了解思想、工作和生活情况，听取对支部工作的意见建议，交流了学习体会。"))
    TalkRecord.objects.bulk_create(talks, batch_size=2000)
    return {"talks": len(talks)}

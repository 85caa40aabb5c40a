"""Demo data of the recruitment pipeline (发展党员演示数据): the demo loader's development seeder.

A few dozen people at every stage in the demo county's branches (the demo branch first), with
legal dates, contact persons, introducers and the numbers of the votes. People on probation are
the demo's own probationary members (their application, vote and approval dates agree with the
member record), so no member record is added. Bulk inserts: well under a second.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric

from dangwu.core.dates import add_months, add_years
from dangwu.development import rules
from dangwu.development.models import Candidate, Sponsor, Step, Vote
from dangwu.development.paperwork import superior_committee
from dangwu.members import rules as member_rules
from dangwu.members.models import Member, MemberType, Standing
from dangwu.orgs.models import BRANCH_TYPES, Organization

if TYPE_CHECKING:
    from ..context import DemoContext

# Days after the previous step (the waiting periods are added where the rules need them).
_GAPS = {
    "first_talk": (8, 25), "activist_selected": (30, 90), "activist_filed": (3, 10), "contacts_assigned": (1, 10),
    "activist_training": (150, 200), "target_filed": (3, 10), "introducers_assigned": (3, 10),
    "political_review": (10, 30), "target_training": (10, 30), "committee_review": (5, 15),
    "superior_prereview": (5, 15), "application_form": (3, 10), "branch_admission_vote": (5, 25),
    "superior_talk": (5, 15), "superior_approval": (10, 60), "approval_filed": (3, 10), "placed": (1, 7),
    "oath": (1, 20), "probation_education": (60, 150), "conversion_application": (60, 120),
    "conversion_approval": (10, 40), "archived": (5, 20),
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
_GIVEN = list("子浩宇梓俊一博思嘉天雨文家佳逸明泽昊皓志欣雨思紫诗可若语婉梦晓心丽静雅轩然航豪杰宸睿辰涵阳鑫晨远宁哲洋凯怡萱琪彤妍悦婷琳雯璐瑶")


def _schedule(rng: random.Random, start: date, until: str) -> dict[str, date]:
    out = {"application": start}
    day = start
    for code in rules.STEP_CODES[1:rules.STEP_CODES.index(until) + 1]:
        low, high = _GAPS.get(code, (3, 10))
        day = day + timedelta(days=rng.randint(low, high))
        if code == "target_selected":
            day = add_years(out["activist_selected"], 1) + timedelta(days=rng.randint(0, 60))
        if code == "branch_conversion_vote":
            day = add_years(out["branch_admission_vote"], 1) + timedelta(days=rng.randint(0, 10))
        out[code] = day
    return out


def _id_number(rng: random.Random, birth: date, male: bool, used: set[str]) -> str:
    while True:
        seq = rng.randint(100, 499) * 2 + (1 if male else 0)
        body = f"430102{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def seed_development(*, context: DemoContext) -> None:
    """The recruitment pipeline (发展党员) of the demo branch and the branches near it."""
    branch = context.demo_branch
    near = branch.path[: -2 * Organization.steplen] or branch.path
    others = list(Organization.objects.filter(path__startswith=near, org_type__in=BRANCH_TYPES)
                  .exclude(pk=branch.pk).order_by("path")[:7])
    load_pipeline(branches=[branch, *others], today=context.today, seed=context.seed)


def load_pipeline(*, branches: list[Any], today: date, seed: int, people: int = 36) -> int:
    """Load the demo pipeline into `branches` (the demo branch first); returns how many people."""
    rng = random.Random(seed * 7919 + 4)  # its own source (the loader's `random_for` came later)
    used: set[str] = set()
    by_branch = {b.pk: list(Member.objects.filter(organization=b, member_type=MemberType.FULL,
                                                  standing=Standing.NORMAL).order_by("id")[:12]) for b in branches}
    branches = [b for b in branches if len(by_branch[b.pk]) >= 2] or branches[:1]
    # Stages drawn so that every stage has people; the last step done (index into the 25 codes).
    lasts = ["application"] * 5 + ["first_talk"] * 3 + ["activist_selected", "contacts_assigned"] * 2 \
        + ["activist_training"] * 6 + ["target_selected", "introducers_assigned", "political_review",
                                        "target_training", "committee_review", "superior_prereview",
                                        "application_form", "branch_admission_vote", "superior_talk"]
    candidates: list[tuple[Candidate, dict[str, date]]] = []
    for i in range(people - 4):
        branch = branches[0] if i % 3 == 0 else branches[i % len(branches)]
        last = lasts[i % len(lasts)]
        probe = _schedule(random.Random(i), date(2000, 1, 1), last)
        span = (probe[last] - probe["application"]).days
        start = today - timedelta(days=span + rng.randint(3, 45))
        history = _schedule(rng, start, last)
        if max(history.values()) >= today:  # shift the whole history back: the intervals stay legal
            shift = max(history.values()) - today + timedelta(days=rng.randint(1, 20))
            history = {k: v - shift for k, v in history.items()}
        male = rng.random() < 0.5
        birth = date(rng.randint(1985, 2004), rng.randint(1, 12), rng.randint(1, 28))
        if add_years(birth, 18) > start:
            birth = add_years(start, -19)
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        candidate = Candidate(organization=branch, name=name, gender="male" if male else "female",
                              birth_date=birth, work_unit="", applied_online=rng.random() < 0.4)
        candidate.set_id_number(_id_number(rng, birth, male, used))
        candidate.set_phone("139" + "".join(str(rng.randint(0, 9)) for _ in range(8)))
        candidates.append((candidate, history))
    # People on probation: the demo's own probationary members of these branches.
    for member in Member.objects.filter(organization__in=branches, member_type=MemberType.PROBATIONARY,
                                        standing=Standing.NORMAL, applied_on__isnull=False).order_by("id")[:4]:
        vote = member.joined_on
        # A brisk but legal history from the member's application to their admission vote.
        a = member.applied_on
        history = {"application": a, "first_talk": a + timedelta(days=10), "activist_selected": a + timedelta(days=20),
                   "activist_filed": a + timedelta(days=22), "contacts_assigned": a + timedelta(days=24),
                   "activist_training": a + timedelta(days=200)}
        target = add_years(history["activist_selected"], 1)
        for offset, code in enumerate(rules.STEP_CODES[6:14]):
            history[code] = target + timedelta(days=offset)
        if history["application_form"] > vote:
            continue  # the member's application is too close to the vote for a legal demo history
        history["branch_admission_vote"] = vote
        day = vote
        for code in rules.STEP_CODES[rules.STEP_CODES.index("superior_talk"):rules.STEP_CODES.index("probation_education") + 1]:
            nxt = day + timedelta(days=rng.randint(*_GAPS.get(code, (3, 10))))
            if nxt >= today or (code == "superior_approval" and nxt > add_months(vote, 3)):
                break
            history[code] = day = nxt
        if "superior_approval" not in history:
            continue
        candidate = Candidate(organization=member.organization, name=member.name, gender=member.gender,
                              ethnicity=member.ethnicity, birth_date=member.birth_date, member=member,
                              work_unit=member.work_unit)
        candidate.id_number_encrypted, candidate.id_number_hash = member.id_number_encrypted, member.id_number_hash
        candidate.id_number_masked = member.id_number_masked
        candidate.phone_encrypted, candidate.phone_masked = member.phone_encrypted, member.phone_masked
        candidates.append((candidate, history))

    for candidate, history in candidates:
        candidate.name_pinyin = member_rules.pinyin_keys(candidate.name)[0]
        last = rules.last_step(history)
        candidate.last_step, candidate.last_step_on = last, history[last]
        candidate.stage = rules.stage_of(last)
        candidate.due_on = rules.next_due(history)
        if "committee_review" in history and ("branch_admission_vote" in history or rng.random() < 0.7):
            # the 公示 right after the branch committee's review (it ends before any legal vote date)
            start = history["committee_review"] + timedelta(days=1)
            if start <= today:
                candidate.publicity_starts_on, candidate.publicity_working_days = start, rules.PUBLICITY_WORKING_DAYS
                candidate.publicity_ends_on = rules.publicity_end(start)
    Candidate.objects.bulk_create([c for c, _h in candidates])
    steps, sponsors = [], []
    bodies: dict[int, dict[str, str]] = {}  # the branch's and its superior committee's real names (决定机关)
    for candidate, history in candidates:
        pool = by_branch.get(candidate.organization_id) or []
        if candidate.organization_id not in bodies:
            superior = superior_committee(candidate.organization)
            bodies[candidate.organization_id] = {"branch": candidate.organization.name,
                                                 "superior": superior.name if superior else ""}
        for code, day in history.items():
            steps.append(Step(candidate=candidate, code=code, done_on=day,
                              body=rules.deciding_body(code, **bodies[candidate.organization_id])[:120],
                              training_days=3 if code == "target_training" else None,
                              notes="" if code != "first_talk" else "谈话了解其入党动机和对党的认识"))
        if "contacts_assigned" in history and len(pool) >= 2:
            picked = rng.sample(pool, 2)
            for member in picked:
                sponsors.append(Sponsor(candidate=candidate, kind=Sponsor.Kind.CONTACT, member=member,
                                        assigned_on=history["contacts_assigned"]))
            if "introducers_assigned" in history:
                for member in picked:
                    sponsors.append(Sponsor(candidate=candidate, kind=Sponsor.Kind.INTRODUCER, member=member,
                                            assigned_on=history["introducers_assigned"]))
    Step.objects.bulk_create(steps)
    Sponsor.objects.bulk_create(sponsors)
    votes = []
    for step in steps:
        if step.code in rules.VOTE_STEPS:
            should = rng.randint(9, 40)
            present = should - rng.randint(0, should // 3)
            votes.append(Vote(step=step, should_attend=should, present=present, in_favour=present - 1, against=1))
    Vote.objects.bulk_create(votes)
    return len(candidates)

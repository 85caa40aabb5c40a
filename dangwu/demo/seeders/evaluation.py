"""Demo data of the democratic evaluation of members (民主评议党员演示数据).

The demo branch gets last year's evaluation, completed — self-assessments, anonymous ratings by
every member of the roster, the grades the ratings suggest (`elections.evaluation_rules.propose`)
taken by the committee and the branch meeting, the publicity, 优秀 approved by the superior — and
this year's, open at the mutual rating: most members have written their self-assessment, about
half have rated; the demo member has done neither, so that the demo shows both steps. Bulk
inserts, written as the services would leave them (ratings without raters, random ids).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from dangwu.elections import evaluation_rules as rules
from dangwu.elections.evaluation_models import Evaluation, EvaluationEntry, Rating, RatingRoll
from dangwu.elections.evaluation_selectors import rating_counts
from dangwu.members.models import Member, Standing

if TYPE_CHECKING:
    from ..context import DemoContext

WEIGHTS = ((rules.EXCELLENT, 3), (rules.COMPETENT, 12), (rules.BASIC, 1))  # the grades raters give
ABSTAIN_SHARE = 0.05
SELF_TEXT = ("本年度认真学习党的理论，按时参加组织生活，按期足额交纳党费，在本职岗位上完成各项任务。"
             "不足之处：理论学习的深度不够，联系群众还不够紧密。今后将加强学习，改进作风。")


def seed_evaluation(*, context: DemoContext) -> None:
    context.summary["evaluation"] = load_evaluations(branch=context.demo_branch, today=context.today,
                                                     rng=context.random_for("evaluation"),
                                                     keep_open_for=_demo_member(context))


def _demo_member(context: DemoContext) -> Member | None:
    user = getattr(context, "users", {}).get("demo-member")
    return Member.objects.filter(user=user).first() if user is not None else None


def _roster(branch: Any, opened: date) -> list[Member]:
    return list(Member.objects.filter(organization=branch, standing=Standing.NORMAL, joined_on__lte=opened)
                .order_by("pk"))


def _rate(evaluation: Evaluation, entries: list[EvaluationEntry], raters: list[EvaluationEntry],
          rng: random.Random) -> None:
    grades, weights = zip(*WEIGHTS, strict=True)
    ratings = [Rating(evaluation=evaluation, ratee=ratee, grade=rng.choices(grades, weights)[0])
               for rater in raters for ratee in entries if ratee.pk != rater.pk and rng.random() > ABSTAIN_SHARE]
    rng.shuffle(ratings)
    Rating.objects.bulk_create(ratings, batch_size=2000)
    RatingRoll.objects.bulk_create([RatingRoll(evaluation=evaluation, rater=r) for r in raters])


def _entries(evaluation: Evaluation, roster: list[Member], *, assessed: set[int], on: date) -> list[EvaluationEntry]:
    return EvaluationEntry.objects.bulk_create(
        EvaluationEntry(evaluation=evaluation, member=m, self_assessment=SELF_TEXT if m.pk in assessed else "",
                        self_assessed_on=on if m.pk in assessed else None) for m in roster)


def load_evaluations(*, branch: Any, today: date, rng: random.Random, keep_open_for: Member | None = None
                     ) -> dict[str, int]:
    last = today.year - 1
    opened = date(last, 12, 1)
    roster = _roster(branch, opened)
    if len(roster) < 2:
        return {"evaluations": 0}
    done = Evaluation.objects.create(
        organization=branch, year=last, phase=Evaluation.Phase.CLOSED, opened_on=opened, meeting_on=date(last, 12, 20),
        meeting_note="应到党员全部参加", publicity_from=date(last, 12, 20), publicity_until=date(last, 12, 25),
        closed_on=date(last, 12, 29))
    entries = _entries(done, roster, assessed={m.pk for m in roster}, on=date(last, 12, 5))
    _rate(done, entries, entries, rng)
    counts = rating_counts(evaluation=done)
    proposal = rules.propose({e.pk: counts.get(e.pk, rules.Count()) for e in entries}, roster_size=len(entries))
    for entry in entries:
        suggested = proposal[entry.pk] or ""
        grade = suggested if suggested in (rules.EXCELLENT, rules.COMPETENT, rules.BASIC) else rules.COMPETENT
        entry.suggested, entry.proposed, entry.grade = suggested, grade, grade
        if grade != suggested:
            entry.proposal_reason = "支委会综合全年表现评定"
        entry.approval = EvaluationEntry.Approval.APPROVED if grade in rules.NEEDS_APPROVAL else ""
    EvaluationEntry.objects.bulk_update(entries, ["suggested", "proposed", "grade", "proposal_reason", "approval"])

    now_opened = max(date(today.year, 1, 1), today - timedelta(days=7))
    current_roster = _roster(branch, now_opened)
    waiting = {keep_open_for.pk} if keep_open_for is not None else set()
    assessed = {m.pk for m in current_roster if m.pk not in waiting and rng.random() < 0.8}
    current = Evaluation.objects.create(organization=branch, year=today.year, phase=Evaluation.Phase.RATING,
                                        opened_on=now_opened)
    entries = _entries(current, current_roster, assessed=assessed, on=now_opened)
    raters = [e for e in entries if e.member_id in assessed and rng.random() < 0.6]
    _rate(current, entries, raters, rng)
    return {"evaluations": 2, "entries": len(roster) + len(current_roster), "ratings": Rating.objects.count()}

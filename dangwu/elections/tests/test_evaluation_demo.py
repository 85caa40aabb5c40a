"""The demo branch's democratic evaluation obeys the app's own rules: last year's closed with the
grades its ratings suggest (or a reason), 优秀 approved; this year's open at the rating, the demo
member still to rate; a roll row for each rater, and no more ratings than the raters could give."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangwu.elections import evaluation_rules as rules
from dangwu.elections import evaluation_selectors as selectors
from dangwu.elections.evaluation_models import Evaluation, EvaluationEntry, Rating, RatingRoll

pytestmark = pytest.mark.django_db


def test_the_demo_evaluations_obey_the_rules(demo_province):
    year = timezone.localdate().year
    done = Evaluation.objects.get(year=year - 1)
    current = Evaluation.objects.get(year=year)
    assert done.organization_id == current.organization_id and done.phase == "closed" and current.phase == "rating"
    entries = list(EvaluationEntry.objects.filter(evaluation=done))
    counts = selectors.rating_counts(evaluation=done)
    proposal = rules.propose({e.pk: counts.get(e.pk, rules.Count()) for e in entries}, roster_size=len(entries))
    for entry in entries:
        assert entry.suggested == (proposal[entry.pk] or "") and entry.grade == entry.proposed
        assert entry.grade == entry.suggested or entry.proposal_reason
        assert (entry.approval == "approved") == (entry.grade in rules.NEEDS_APPROVAL)
    for evaluation in (done, current):
        raters = RatingRoll.objects.filter(evaluation=evaluation).count()
        n = EvaluationEntry.objects.filter(evaluation=evaluation).count()
        ratings = Rating.objects.filter(evaluation=evaluation).count()
        assert 0 < raters <= n and 0 < ratings <= raters * (n - 1)
    mine = EvaluationEntry.objects.get(evaluation=current, member__user__username="demo-member")
    assert not selectors.has_rated(entry=mine) and not mine.self_assessment
    assert sum(selectors.figures(organization=done.organization, year=year - 1).totals.values()) == len(entries)

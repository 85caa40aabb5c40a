"""Members submitting their ratings at the same moment are each counted once, and a member
submitting twice at once too (PostgreSQL: the rater's entry is locked and the roll's unique
constraint stands behind it)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from dangwu import testing
from dangwu.core import audit
from dangwu.core.models import AuditEntry
from dangwu.elections import evaluation_services as services
from dangwu.elections.evaluation_models import EvaluationEntry, Rating, RatingRoll

# PostgreSQL only: SQLite serializes the whole database (run with DATABASE_URL=postgres://…)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent ratings need PostgreSQL")]

MEMBERS = 16
REPEATS = 6  # members who press 提交 twice in the same instant


def test_members_rating_at_once_are_each_counted_once():
    world = testing.make_world()
    secretary = testing.make_user("sec_conc", ("branch_secretary", world.branch_a))
    users = []
    for i in range(MEMBERS):
        user = testing.make_user(f"rater_{i}")
        testing.make_member(world.branch_a, name=f"党员{i}", user=user)
        users.append(user)
    evaluation = services.open_evaluation(actor=secretary, organization=world.branch_a, year=timezone.localdate().year)
    services.advance(actor=secretary, evaluation=evaluation)
    entries = list(EvaluationEntry.objects.filter(evaluation=evaluation))
    before = AuditEntry.objects.count()

    def submit(user):
        own = next(e for e in entries if e.member.user_id == user.pk)
        return services.submit_ratings(actor=user, evaluation=evaluation,
                                       grades={e.pk: "competent" for e in entries if e.pk != own.pk})

    outcome = testing.at_once(submit, [(u,) for u in users + users[:REPEATS]])
    done, refused, errors = outcome.results, [exc for _args, exc in outcome.refused], outcome.errors
    assert errors == [] and len(done) == MEMBERS and len(refused) == REPEATS
    assert all("member" in exc.message_dict for exc in refused)
    assert RatingRoll.objects.filter(evaluation=evaluation).count() == MEMBERS
    assert Rating.objects.filter(evaluation=evaluation).count() == MEMBERS * (MEMBERS - 1)
    assert AuditEntry.objects.count() - before == MEMBERS
    assert audit.verify_chain().intact

"""The democratic evaluation's services: the whole year's course, one audit entry per write, bad
input named by its field and writing nothing, and a mutual rating nobody can link to its rater."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.elections import evaluation_selectors as selectors
from dangwu.elections import evaluation_services as services
from dangwu.elections.evaluation_models import Evaluation, EvaluationEntry, Rating, RatingRoll
from dangwu.members.models import Member

pytestmark = pytest.mark.django_db
Phase = Evaluation.Phase
YEAR = timezone.localdate().year


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, evaluations=Evaluation.objects, entries=EvaluationEntry.objects,
                            ratings=Rating.objects, roll=RatingRoll.objects)


@pytest.fixture
def third(world):
    """A third member of branch A with an account (branch A already has 李书记 and 张三)."""
    user = testing.make_user("member_a3")
    return testing.make_member(world.branch_a, name="王芳", male=False, user=user)


def _open(people, world, **kw):
    return services.open_evaluation(actor=people["secretary"], organization=world.branch_a, year=YEAR, **kw)


def _entry(evaluation, member):
    return EvaluationEntry.objects.get(evaluation=evaluation, member=member)


def _rate(user, evaluation, grades):
    return services.submit_ratings(actor=user, evaluation=evaluation,
                                   grades={_entry(evaluation, m).pk: g for m, g in grades.items()})


# --- opening ------------------------------------------------------------------------------------

def test_open_freezes_the_roster_of_members_in_good_standing(people, world, third):
    testing.make_member(world.branch_a, name="停党籍", standing="suspended")
    testing.make_member(world.branch_a, name="预备", member_type="probationary")
    snap = _snapshot()
    evaluation = _open(people, world)
    assert snap.delta() == {"audit": 1, "evaluations": 1, "entries": 4, "ratings": 0, "roll": 0}
    names = set(EvaluationEntry.objects.filter(evaluation=evaluation).values_list("member__name", flat=True))
    assert names == {"李书记", "张三", "王芳", "预备"}
    testing.make_member(world.branch_a, name="后来者")  # joined after opening: not on the frozen roster
    assert EvaluationEntry.objects.filter(evaluation=evaluation).count() == 4
    assert testing.last_audit_entry().action == "evaluation.open" and evaluation.phase == Phase.SELF


@pytest.mark.parametrize(("org", "kw", "field"), [
    ("county_a", {}, "organization"),
    ("branch_a", {"year": YEAR + 1}, "year"),
    ("branch_a", {"year": YEAR - 2}, "year"),
    ("branch_a", {"publicity_days": 0}, "publicity_days"),
    ("branch_a", {"publicity_days": 31}, "publicity_days"),
])
def test_open_refuses_bad_input_naming_the_field(people, world, org, kw, field):
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.open_evaluation(actor=people["city_a"], organization=getattr(world, org), **{"year": YEAR, **kw})
    assert field in exc.value.message_dict and snap.unchanged()


def test_open_once_a_year_and_only_in_scope(people, world):
    _open(people, world)
    with pytest.raises(ValidationError) as exc:
        _open(people, world)
    assert "year" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.open_evaluation(actor=people["sibling"], organization=world.branch_a, year=YEAR - 1)
    with pytest.raises(PermissionDenied):
        services.open_evaluation(actor=people["plain"], organization=world.branch_a, year=YEAR - 1)


def test_a_branch_of_one_member_cannot_rate(people, world):
    with pytest.raises(ValidationError) as exc:
        services.open_evaluation(actor=people["city_a"], organization=world.branch_a2, year=YEAR)
    assert "organization" in exc.value.message_dict


# --- self-assessment and rating --------------------------------------------------------------------

def test_self_assessment_only_by_members_of_the_roster_while_open(people, world):
    evaluation = _open(people, world)
    entry = services.write_self_assessment(actor=people["plain"], evaluation=evaluation, text="  认真学习。 ")
    assert entry.self_assessment == "认真学习。" and entry.self_assessed_on == timezone.localdate()
    assert testing.last_audit_entry().action == "evaluation.self_assess"
    for user, text, field in ((people["plain"], " ", "self_assessment"), (people["plain"], "坏\x00", "self_assessment"),
                              (people["city_a"], "不在名单", "member")):
        with pytest.raises(ValidationError) as exc:
            services.write_self_assessment(actor=user, evaluation=evaluation, text=text)
        assert field in exc.value.message_dict
    services.advance(actor=people["secretary"], evaluation=evaluation)
    services.advance(actor=people["secretary"], evaluation=evaluation)  # rating closed
    with pytest.raises(ValidationError) as exc:
        services.write_self_assessment(actor=people["plain"], evaluation=evaluation, text="晚了")
    assert "self_assessment" in exc.value.message_dict


def test_ratings_are_stored_without_the_rater(people, world, third):
    """The privacy test: after rating, no table holds the rater beside a grade, the ids are random,
    no rating carries a time, and the audit entry says who submitted, not what."""
    evaluation = _open(people, world)
    services.advance(actor=people["secretary"], evaluation=evaluation)
    snap = _snapshot()
    n = _rate(people["plain"], evaluation, {people["m_sec"]: "excellent", third: "basic"})
    assert n == 2 and snap.delta() == {"audit": 1, "evaluations": 0, "entries": 0, "ratings": 2, "roll": 1}
    with connection.cursor() as cursor:
        rating_columns = {c.name for c in connection.introspection.get_table_description(cursor, Rating._meta.db_table)}
        roll_columns = {c.name for c in connection.introspection.get_table_description(cursor, RatingRoll._meta.db_table)}
    assert rating_columns == {"id", "evaluation_id", "ratee_id", "grade"}  # no rater, no time
    assert roll_columns == {"id", "evaluation_id", "rater_id"}  # no grade, no ratee
    assert {f.related_model for f in Rating._meta.get_fields() if f.is_relation} == {Evaluation, EvaluationEntry}
    ratings = list(Rating.objects.filter(evaluation=evaluation))
    assert all(r.id.version == 4 for r in ratings)  # random ids: no order of insertion to match the roll
    plain_entry = _entry(evaluation, people["m_plain"])
    assert RatingRoll.objects.get(evaluation=evaluation).rater_id == plain_entry.pk
    assert not Rating.objects.filter(ratee=plain_entry).exists()  # nobody rated oneself
    entry = testing.last_audit_entry()
    assert entry.action == "evaluation.rate" and entry.summary == {"year": YEAR}
    assert "excellent" not in str(entry.summary) and "basic" not in str(entry.summary)


def test_a_member_rates_once_and_only_others(people, world, third):
    evaluation = _open(people, world)
    with pytest.raises(ValidationError) as exc:  # not yet the rating phase
        _rate(people["plain"], evaluation, {third: "competent"})
    assert "phase" in exc.value.message_dict
    services.advance(actor=people["secretary"], evaluation=evaluation)
    own = _entry(evaluation, people["m_plain"])
    for grades, field in (({own.pk: "excellent"}, f"grade_{own.pk}"),
                          ({_entry(evaluation, third).pk: "perfect"}, f"grade_{_entry(evaluation, third).pk}"),
                          ({"x": "competent"}, "grade_x")):
        snap = _snapshot()
        with pytest.raises(ValidationError) as exc:
            services.submit_ratings(actor=people["plain"], evaluation=evaluation, grades=grades)
        assert field in exc.value.message_dict and snap.unchanged()
    _rate(people["plain"], evaluation, {third: "competent"})  # 李书记 left out: abstained
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        _rate(people["plain"], evaluation, {third: "excellent"})
    assert "member" in exc.value.message_dict and snap.unchanged()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the line too
        RatingRoll.objects.create(evaluation=evaluation, rater=own)


# --- the committee, the meeting, publicity, approval, measures ---------------------------------------

def _to_proposal(people, world, third):
    evaluation = _open(people, world)
    services.advance(actor=people["secretary"], evaluation=evaluation)
    _rate(people["plain"], evaluation, {people["m_sec"]: "excellent", third: "incompetent"})
    _rate(third.user, evaluation, {people["m_sec"]: "excellent", people["m_plain"]: "competent"})
    _rate(people["secretary"], evaluation, {people["m_plain"]: "competent", third: "incompetent"})
    return services.advance(actor=people["secretary"], evaluation=evaluation)


def test_the_rating_suggests_the_grades_and_the_committee_proposes(people, world, third):
    evaluation = _to_proposal(people, world, third)
    assert evaluation.phase == Phase.PROPOSAL
    suggested = dict(EvaluationEntry.objects.filter(evaluation=evaluation).values_list("member__name", "suggested"))
    # a roster of 3: the 30 % quota rounds down to 0 — 李书记's two 优秀 fall to 合格
    assert suggested == {"李书记": "competent", "张三": "competent", "王芳": "incompetent"}
    counts = selectors.rating_counts(evaluation=evaluation)
    assert counts[_entry(evaluation, people["m_sec"]).pk].excellent == 2
    sec = _entry(evaluation, people["m_sec"])
    with pytest.raises(ValidationError) as exc:  # differs from the suggestion: a reason is needed
        services.propose_grade(actor=people["secretary"], entry=sec, grade="excellent", reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.propose_grade(actor=people["secretary"], entry=sec, grade="best")
    assert "grade" in exc.value.message_dict
    services.propose_grade(actor=people["secretary"], entry=sec, grade="excellent", reason="带头攻坚")
    assert _entry(evaluation, people["m_sec"]).proposed == "excellent"
    with pytest.raises(PermissionDenied):
        services.propose_grade(actor=people["sibling"], entry=sec, grade="competent")


def test_the_course_from_the_meeting_to_the_measure(people, world, third):
    evaluation = _to_proposal(people, world, third)
    services.propose_grade(actor=people["secretary"], entry=_entry(evaluation, people["m_sec"]), grade="excellent",
                           reason="带头攻坚")
    today = timezone.localdate()
    for meeting_on in (None, today + timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            services.record_decision(actor=people["secretary"], evaluation=evaluation, meeting_on=meeting_on)
        assert "meeting_on" in exc.value.message_dict
    evaluation = services.record_decision(actor=people["secretary"], evaluation=evaluation, meeting_on=today,
                                          note="应到 3 人，实到 3 人")
    assert evaluation.phase == Phase.PUBLICITY and evaluation.publicity_until == today + timedelta(days=5)
    approvals = dict(EvaluationEntry.objects.filter(evaluation=evaluation).values_list("member__name", "approval"))
    assert approvals == {"李书记": "pending", "张三": "", "王芳": "pending"}
    with pytest.raises(ValidationError) as exc:  # the publicity has days left
        services.end_publicity(actor=people["secretary"], evaluation=evaluation)
    assert "publicity_until" in exc.value.message_dict
    evaluation = services.end_publicity(actor=people["secretary"], evaluation=evaluation,
                                        today=evaluation.publicity_until)
    assert evaluation.phase == Phase.APPROVAL
    sec, wang = _entry(evaluation, people["m_sec"]), _entry(evaluation, third)
    with pytest.raises(ValidationError) as exc:  # the branch does not approve its own
        services.decide_approval(actor=people["secretary"], entry=sec, approve=True)
    assert "approval" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # nor another city
        services.decide_approval(actor=people["city_b"], entry=sec, approve=True)
    assert "approval" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_approval(actor=people["city_a"], entry=sec, approve=False, reason="")
    assert "reason" in exc.value.message_dict
    services.decide_approval(actor=people["city_a"], entry=sec, approve=False, reason="事迹材料不足")
    services.revise_grade(actor=people["secretary"], entry=sec, grade="competent", reason="按上级意见改为合格")
    with pytest.raises(ValidationError) as exc:  # 不合格 not yet approved: no measure
        services.record_measure(actor=people["secretary"], entry=wang, measure="correct", note="三个月内改正")
    assert "measure" in exc.value.message_dict
    services.decide_approval(actor=people["city_a"], entry=wang, approve=True)
    evaluation.refresh_from_db()
    assert evaluation.phase == Phase.CLOSED and evaluation.closed_on == today
    for measure, note, field in (("jail", "x", "measure"), ("remove", " ", "note")):
        with pytest.raises(ValidationError) as exc:
            services.record_measure(actor=people["secretary"], entry=wang, measure=measure, note=note)
        assert field in exc.value.message_dict
    snap = testing.Snapshot(audit=AuditEntry.objects)
    services.record_measure(actor=people["secretary"], entry=wang, measure="remove", note="经教育仍无转变")
    assert snap.delta() == {"audit": 2}  # the measure's, and the standing change's (members' service)
    assert Member.objects.get(pk=third.pk).standing == "removed"
    assert testing.last_audit_entry().action == "evaluation.measure"
    grades = dict(EvaluationEntry.objects.filter(evaluation=evaluation).values_list("member__name", "grade"))
    assert grades == {"李书记": "competent", "张三": "competent", "王芳": "incompetent"}


def test_figures_count_each_branch_and_roll_up(people, world, third):
    evaluation = _to_proposal(people, world, third)
    assert selectors.figures(organization=world.county_a, year=YEAR).rows == []  # not decided yet
    services.record_decision(actor=people["secretary"], evaluation=evaluation, meeting_on=timezone.localdate())
    testing.make_member(world.branch_a2, name="赵一")
    b2 = services.open_evaluation(actor=people["city_a"], organization=world.branch_a2, year=YEAR)
    county = selectors.figures(organization=world.county_a, year=YEAR)
    assert [(r.organization.pk, r.counts) for r in county.rows] == [
        (world.branch_a.pk, {"excellent": 0, "competent": 2, "basic": 0, "incompetent": 1})]
    assert county.totals == {"excellent": 0, "competent": 2, "basic": 0, "incompetent": 1} and county.open_count == 1
    assert selectors.figures(organization=world.city_b, year=YEAR).total == 0
    assert b2.phase == Phase.SELF


def test_the_quota_is_a_setting(people, world, third, settings):
    settings.DANGWU_EVALUATION_EXCELLENT_QUOTA = "0.5"  # one of three may be 优秀
    evaluation = _to_proposal(people, world, third)
    assert _entry(evaluation, people["m_sec"]).suggested == "excellent"


def test_no_reason_is_needed_where_nobody_rated(people, world, third):
    evaluation = _open(people, world)
    services.advance(actor=people["secretary"], evaluation=evaluation)
    services.advance(actor=people["secretary"], evaluation=evaluation)
    entry = services.propose_grade(actor=people["secretary"], entry=_entry(evaluation, third), grade="competent")
    assert entry.suggested == "" and entry.proposed == "competent" and entry.proposal_reason == ""

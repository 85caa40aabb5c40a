"""Helpers of the recruitment tests: a legal schedule of the 25 steps, and a person taken along it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dangwu.development import rules, selectors, services
from dangwu.development.models import Candidate, Sponsor
from dangwu.testing import make_id_number

VOTE_OK = {"should_attend": 10, "present": 8, "in_favour": 7, "against": 1, "abstained": 0,
           "written_in_favour": 1, "written_against": 0}


def schedule(start: date) -> dict[str, date]:
    """Dates for all 25 steps from an application on `start`, every waiting period respected."""
    d: dict[str, date] = {}
    d["application"] = start
    d["first_talk"] = start + timedelta(days=20)
    d["activist_selected"] = start + timedelta(days=40)
    d["activist_filed"] = start + timedelta(days=45)
    d["contacts_assigned"] = start + timedelta(days=50)
    d["activist_training"] = start + timedelta(days=200)
    d["target_selected"] = rules.add_years(d["activist_selected"], 1)
    t = d["target_selected"]
    for code, days in (("target_filed", 5), ("introducers_assigned", 10), ("political_review", 20),
                       ("target_training", 30), ("committee_review", 40), ("superior_prereview", 45),
                       ("application_form", 50), ("branch_admission_vote", 60)):
        d[code] = t + timedelta(days=days)
    v = d["branch_admission_vote"]
    for code, days in (("superior_talk", 10), ("superior_approval", 30), ("approval_filed", 35), ("placed", 40),
                       ("oath", 45), ("probation_education", 200), ("conversion_application", 350)):
        d[code] = v + timedelta(days=days)
    d["branch_conversion_vote"] = rules.add_years(v, 1)
    d["conversion_approval"] = d["branch_conversion_vote"] + timedelta(days=20)
    d["archived"] = d["conversion_approval"] + timedelta(days=10)
    return d


def publicity_start(dates: dict[str, date]) -> date:
    """The 公示 of a schedule: the day after the branch committee's review (it ends well before the vote)."""
    return dates["committee_review"] + timedelta(days=1)


def new_applicant(actor, org, *, start: date | None = None, name: str = "陈思远", birth=date(1998, 4, 12),
                  male: bool = True, serial: int = 7):
    start = start or timezone.localdate() - timedelta(days=4 * 365)
    return services.register_application(
        actor=actor, organization=org, name=name, id_number=make_id_number(birth, male=male, serial=serial),
        applied_on=start, phone="13900001111")


def advance(candidate: Candidate, until: str, *, branch, superior, sponsors=(), dates=None) -> Candidate:
    """Record every step after the last one done, up to and including `until`, as a branch
    secretary (`branch`) and the superior committee (`superior`) would; sponsors (two full
    members) become the contact persons and the introducers when those steps come."""
    dates = dates or schedule(candidate.steps.get(code="application").done_on)
    history = selectors.history_of(candidate)
    for code in rules.STEP_CODES:
        if code in history:
            continue
        if code == "contacts_assigned":
            for member in sponsors[:2]:
                services.assign_sponsor(actor=branch, candidate=candidate, kind=Sponsor.Kind.CONTACT, member=member,
                                        assigned_on=dates["activist_selected"])
        if code == "introducers_assigned":
            for member in sponsors[:2]:
                services.assign_sponsor(actor=branch, candidate=candidate, kind=Sponsor.Kind.INTRODUCER,
                                        member=member, assigned_on=dates["target_selected"])
        if code == "branch_admission_vote" and candidate.publicity_starts_on is None:
            candidate = services.start_publicity(actor=branch, candidate=candidate,
                                                 starts_on=publicity_start(dates))
        extra = {}
        if code in rules.VOTE_STEPS:
            extra["vote"] = dict(VOTE_OK)
        if code == "target_training":
            extra["training_days"] = 3
        actor = superior if code in rules.SUPERIOR_STEPS else branch
        services.record_step(actor=actor, candidate=candidate, code=code, done_on=dates[code], **extra)
        if code == until:
            break
    candidate.refresh_from_db()
    return candidate


@pytest.fixture
def branch_a_sponsors(people):
    return [people["m_sec"], people["m_plain"]]

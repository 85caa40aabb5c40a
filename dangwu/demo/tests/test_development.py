"""The demo pipeline: people at every stage, each history legal under the same rules."""

from django.utils import timezone

from dangwu.development import rules, selectors
from dangwu.development.models import Candidate, Sponsor


def test_demo_people_at_every_stage_with_legal_histories(demo_province):
    people = list(Candidate.objects.prefetch_related("steps", "sponsors__member"))
    assert len(people) >= 30
    assert {c.stage for c in people} == {code for code, _label in rules.STAGES}
    today = timezone.localdate()
    for candidate in people:
        history = selectors.history_of(candidate)
        done: dict = {}
        contacts = sum(1 for s in candidate.sponsors.all() if s.kind == Sponsor.Kind.CONTACT)
        for code in rules.STEP_CODES:
            if code not in history:
                break
            reasons = rules.violations(code, done, history[code], birth_date=candidate.birth_date,
                                       introducers=selectors.introducers_of(candidate), contact_persons=contacts,
                                       training_days=3, publicity_start=candidate.publicity_starts_on)
            assert reasons == [], (candidate.name, code, reasons)
            assert history[code] < today
            done[code] = history[code]
        assert candidate.last_step == rules.last_step(history)
        if "branch_admission_vote" in history:
            assert candidate.publicity_ends_on == rules.publicity_end(candidate.publicity_starts_on)
        if candidate.stage == "probation":
            assert candidate.member.joined_on == history["branch_admission_vote"]

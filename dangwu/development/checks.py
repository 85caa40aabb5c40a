"""The recruitment check of the platform's consistency checks (`manage.py check_consistency`).

Every person's recorded steps must be a history the rules would accept step by step, today as on
the day each was recorded: in order, none too early or too late (`rules.violations`), none in the
future, and the stored stage and last step derived from the steps. What a consistency check
finds in the demo province is a bug of the loader or of the code (`demo/tests/test_consistency.py`).

The introducers are taken as they were when the step was recorded (two full members in good
standing then: the service refused anything else); a later change of an introducer's standing
does not make the history wrong, so their present standing is not checked here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from . import rules, selectors
from .models import Candidate, Sponsor, Step


def history_problems(*, organization: Any = None, today: date | None = None) -> list[str]:
    """One sentence per person whose recorded history the rules refuse (name, step, reason)."""
    today = today or timezone.localdate()
    people = Candidate.objects.prefetch_related("steps", "sponsors")
    if organization is not None:
        people = people.filter(organization__path__startswith=organization.path)
    problems = []
    for candidate in people.order_by("pk").iterator(chunk_size=500):
        steps = {s.code: s for s in candidate.steps.all()}
        history = {code: s.done_on for code, s in steps.items()}
        sponsors = list(candidate.sponsors.all())
        introducers = [rules.Introducer(name=str(s.member_id), full_member=True, good_standing=True)
                       for s in sponsors if s.kind == Sponsor.Kind.INTRODUCER]
        contacts = sum(1 for s in sponsors if s.kind == Sponsor.Kind.CONTACT)
        training: Step | None = steps.get("target_training")
        done: dict[str, date] = {}
        where = f"{candidate.name} (#{candidate.pk})"
        for code in sorted(history, key=lambda c: (history[c], rules.STEP_CODES.index(c))):
            reasons = rules.violations(
                code, done, history[code], birth_date=candidate.birth_date, introducers=introducers,
                contact_persons=contacts,
                training_days=float(training.training_days) if training and training.training_days else None,
                training_hours=float(training.training_hours) if training and training.training_hours else None,
                extension_months=candidate.extension_months, publicity_start=candidate.publicity_starts_on,
                publicity_working_days=candidate.publicity_working_days or selectors.publicity_working_days())
            if history[code] > today:
                reasons.append("dated in the future")
            if reasons:
                problems.append(f"{where} {code} {history[code]:%Y-%m-%d}: {'; '.join(map(str, reasons))}")
                break
            done[code] = history[code]
        else:
            if candidate.last_step != (rules.last_step(history) or ""):
                problems.append(f"{where}: last step stored {candidate.last_step!r}, "
                                f"history says {rules.last_step(history)!r}")
            if candidate.stage != rules.stage_of(rules.last_step(history)):
                problems.append(f"{where}: stage stored {candidate.stage!r}, "
                                f"history says {rules.stage_of(rules.last_step(history))!r}")
    return problems

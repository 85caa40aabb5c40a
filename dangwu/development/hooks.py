"""What the recruitment app plugs into core's registries (called from `DevelopmentConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import MenuEntry, TodoSource
from dangwu.core.roles import Cap


def _board_link(*, user: Any) -> str | None:
    """发展党员: the pipeline board, for cadres."""
    return reverse("development:board") if access.has_capability(user, Cap.DEVELOPMENT_VIEW) else None


def _apply_link(*, user: Any) -> str | None:
    """申请入党: for a person who is not a member yet (and has no board to see); never for the
    administrators' accounts, which the page refuses (`selectors.account_may_apply`)."""
    from . import selectors

    return reverse("development:apply") if selectors.applies_through_menu(user=user) else None


def _reports_link(*, user: Any) -> str | None:
    """思想汇报: the writer's page, for a person in the pipeline or their contact person."""
    from . import selectors

    return reverse("development:my_reports") if selectors.writes_or_reads_reports(user=user) else None


def _todo(*, user: Any) -> list[registries.TodoItem]:
    from . import todo

    return todo.todo_items(user=user)


def _histories_obey_the_rules(*, organization: Any = None) -> list[str]:
    from . import checks

    return checks.history_problems(organization=organization)


def _own_candidacy_card(*, request: Any) -> dict[str, Any] | None:
    """我的入党申请 on an applicant's home: where they stand, the next step, and the thought report
    due (思想汇报, a reminder once DANGWU_THOUGHT_REPORT_DAYS pass without one)."""
    from . import selectors
    from .models import Candidate

    candidate = selectors.own_candidacies(actor=request.user).filter(status=Candidate.Status.ACTIVE).first()
    if candidate is None:
        return None
    return {"candidate": candidate, "progress": selectors.progress_of(candidate)}


def register() -> None:
    from . import audit_fields

    audit_fields.register()
    registries.todo_sources.register(TodoSource("development", _todo, order=40))
    registries.home_cards.register(registries.HomeCard("own_candidacy", "development/_home_own_candidacy.html",
                                                       _own_candidacy_card, order=2))
    registries.consistency_checks.register(registries.ConsistencyCheck(
        "recruitment", "recruitment histories obey the steps' order and timing (发展党员程序)",
        _histories_obey_the_rules, order=30))
    registries.menu.register(MenuEntry("development", gettext_lazy("发展党员"), "flag", _board_link, order=40))
    registries.menu.register(MenuEntry("development_apply", gettext_lazy("申请入党"), "flag", _apply_link,
                                       order=41))
    registries.menu.register(MenuEntry("thought_reports", gettext_lazy("思想汇报"), "journal-text", _reports_link,
                                       order=50))

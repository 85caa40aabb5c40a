"""What the elections plug into core's registries (called from `ElectionsConfig.ready()`): the secret
ballot's menu entry and home card "我的选举" for a member with a round open to vote in; the democratic
evaluation's shortcut, home card and organization-page button."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import AuditField, HomeCard, Link, MenuEntry, OrgSection, Shortcut
from dangwu.core.roles import Cap


def _menu_link(*, user: Any) -> str | None:
    """党内选举 for cadres of the scope; 我的选举 for a member while a round waits for their vote."""
    if access.has_capability(user, Cap.ELECTIONS_VIEW):
        return reverse("elections:home")
    from . import selectors

    own = selectors.own_member(user=user)
    if own is not None and selectors.open_rounds_to_vote(member=own).exists():
        return reverse("elections:home")
    return None


def _my_elections_card(*, request: Any) -> dict[str, Any] | None:
    from . import selectors

    own = selectors.own_member(user=request.user)
    if own is None:
        return None
    rounds = list(selectors.open_rounds_to_vote(member=own))
    return {"rounds": rounds} if rounds else None


def _register_ballot() -> None:
    from . import audit_fields

    audit_fields.register()
    registries.menu.register(MenuEntry("elections", gettext_lazy("党内选举"), "check2-square", _menu_link, order=38))
    registries.home_cards.register(HomeCard("my_elections", "elections/_home_card.html", _my_elections_card,
                                            order=2, wide=True))



def _shortcuts(*, user: Any) -> list[Link]:
    """民主评议 among the home page's shortcuts: the scope's evaluations for cadres, one's own branch's
    for a member. Not a menu entry of its own (the navigation is full at 1280 px for a secretary):
    the elections and the evaluation should share one entry once both are in (decision 0032)."""
    if access.has_capability(user, Cap.EVALUATION_VIEW) or registries.membership(user=user) is not None:
        return [Link(gettext_lazy("民主评议"), reverse("elections:evaluation:home"), "clipboard-check", "evaluation")]
    return []


def _home_card(*, request: Any) -> dict[str, Any] | None:
    """民主评议 on the member's home page, while their self-assessment or rating is open."""
    from . import evaluation_selectors as selectors

    member = selectors.own_member(user=request.user)
    if member is None:
        return None
    entries = selectors.open_for_member(member=member)
    if not entries:
        return None
    return {"evaluation_entries": [{"entry": e, "rated": selectors.has_rated(entry=e)} for e in entries]}


def _org_section(*, request: Any, organization: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    from . import evaluation_selectors as selectors

    if not selectors.organizations_visible(actor=request.user).filter(pk=organization.pk).exists():
        return None
    return {"evaluation_url": reverse("elections:evaluation:org", args=[organization.pk])}


def _register_evaluation() -> None:
    from .evaluation_models import Evaluation, Grade, Measure

    phases = dict(Evaluation.Phase.choices)

    for item in (
        AuditField("year", gettext_lazy("年度"), prefix="evaluation."),
        AuditField("members", gettext_lazy("参评党员数"), "count", prefix="evaluation."),
        AuditField("member", gettext_lazy("党员"), "member", prefix="evaluation."),
        AuditField("grade", gettext_lazy("评定等次"), "choice", prefix="evaluation.", choices=dict(Grade.choices)),
        AuditField("suggested", gettext_lazy("互评结果"), "choice", prefix="evaluation.", choices=dict(Grade.choices)),
        AuditField("before", gettext_lazy("原等次"), "choice", prefix="evaluation.", choices=dict(Grade.choices)),
        AuditField("measure", gettext_lazy("处置措施"), "choice", prefix="evaluation.", choices=dict(Measure.choices)),
        AuditField("reason", gettext_lazy("理由"), prefix="evaluation."),
        AuditField("note", gettext_lazy("说明"), prefix="evaluation."),
        AuditField("approved", gettext_lazy("批准"), "bool", prefix="evaluation."),
        AuditField("raters", gettext_lazy("已互评人数"), "count", prefix="evaluation."),
        AuditField("publicity_days", gettext_lazy("公示天数"), "count", prefix="evaluation."),
        AuditField("length", gettext_lazy("字数"), "count", prefix="evaluation."),
        AuditField("from", gettext_lazy("原阶段"), "choice", prefix="evaluation.", choices=phases),
        AuditField("to", gettext_lazy("新阶段"), "choice", prefix="evaluation.", choices=phases),
        AuditField("meeting_on", gettext_lazy("党员大会日期"), "date", prefix="evaluation."),
        AuditField("publicity_until", gettext_lazy("公示截止"), "date", prefix="evaluation."),
        *(AuditField(code, label, "count", prefix="evaluation.") for code, label in Grade.choices),
    ):
        registries.audit_fields.register(item)
    registries.shortcuts.register(Shortcut("evaluation", _shortcuts, order=45))
    registries.home_cards.register(HomeCard("own_evaluation", "elections/_home_evaluation.html", _home_card, order=5))
    registries.org_sections.register(OrgSection("evaluation", "elections/_org_action.html", _org_section, order=32,
                                                slot="actions"))


def register() -> None:
    _register_ballot()
    _register_evaluation()

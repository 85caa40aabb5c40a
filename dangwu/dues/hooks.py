"""What the dues app plugs into core's registries (called from `DuesConfig.ready()`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.registries import HomeCard, MenuEntry, TodoItem, TodoSource
from dangwu.core.roles import Cap


def _dues_link(*, user: Any) -> str | None:
    """党费: the scope's figures for cadres, one's own dues for a member."""
    if access.has_capability(user, Cap.DUES_VIEW) or registries.membership(user=user) is not None:
        return reverse("dues:home")
    return None


def _todo(*, user: Any) -> list[TodoItem]:
    from . import todo

    return todo.todo_items(user=user)


def _arrears(*, member: Any) -> list:
    """The months the member owes (core's `dues_arrears` slot: transfers ask it before a letter)."""
    from django.utils import timezone

    from . import selectors

    return selectors.unpaid_months(member=member, upto=timezone.localdate())


def _declaration_import_failed(*, run: Any, reason: str) -> None:
    """One audit entry for a declarations import that ended without writing: the uploader's when it
    ended on its own, the system's when its worker died."""
    from dangwu.core.audit import Origin

    from . import services

    by_system = reason == "interrupted"
    services.record_failed_declaration_import(
        actor=None if by_system else run.created_by, run=run, reason=reason,
        origin=Origin(ip=run.client_ip) if run.client_ip and not by_system else None)


def register() -> None:
    from . import audit_fields, ledger, member_home, rollups

    audit_fields.register()

    registries.rollup_specs.register(rollups.DUES)
    registries.rollup_repairs.register(ledger.PAID_UNTIL)
    registries.rollup_repairs.register(ledger.STANDARDS)
    registries.record_field_keepers.register(registries.RecordFieldKeeper(
        "dues", ("dues_paid_until", "dues_standard"), ledger.hand_edit_problem))
    registries.dues_arrears.provide(_arrears)
    # A run whose worker died is failed (manage.py recover_interrupted_work); 继续核定 resumes it.
    registries.background_runs.register(registries.BackgroundRun(
        "dues_assessment", "dues.AssessmentRun",
        gettext_lazy("核定中断：后台任务进程已停止。已完成的部分已保存，继续核定会从中断处继续，不会重复核定。")))
    # An import whose worker died is failed and its upload deleted; its files are named, so the sweep keeps them.
    registries.background_runs.register(registries.BackgroundRun(
        "dues_declaration_import", "dues.DeclarationImport",
        gettext_lazy("处理中断：后台任务进程已停止。没有写入任何数据，上传的文件已删除，请重新选择文件。"), uploads=("file",), folders=("imports",),
        failed=_declaration_import_failed))
    registries.menu.register(MenuEntry("dues", gettext_lazy("党费"), "cash-coin", _dues_link, order=30))
    registries.home_cards.register(HomeCard("own_dues", "dues/_home_own_dues.html", member_home.own_dues_card,
                                            order=5))
    # One source for the dues app's to-do items (`todo.ITEMS`: 自行脱党, reductions, transfer proofs).
    registries.todo_sources.register(TodoSource("dues", _todo, order=30))

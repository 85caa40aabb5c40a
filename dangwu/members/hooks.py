"""What the members app plugs into core's registries (called from `MembersConfig.ready()`).

The organization tree knows no members (decision 0015): an organization's page, the home page,
the menu, the dissolve check and the structure roll-ups of the tree reach members through here.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries, runs
from dangwu.core.registries import (
    BackgroundRun,
    HomeCard,
    Link,
    MenuEntry,
    OrgSection,
    Shortcut,
    TodoItem,
    TodoSource,
)
from dangwu.core.roles import Cap


def _membership(*, user: Any) -> registries.Membership | None:
    from . import selectors

    me = selectors.own_member(user)
    if me is None:
        return None
    return registries.Membership(member_id=me.pk, organization_id=me.organization_id,
                                 organization_name=me.organization.name)


def _member_counts(*, organization: Any) -> dict[str, int]:
    from . import selectors

    return selectors.member_counts(organization=organization)


def _subtree_totals(*, user: Any, organizations: Any) -> dict[int, int]:
    from . import selectors

    return selectors.subtree_member_totals(actor=user, organizations=organizations)


def _openable(*, user: Any, member_ids: Any) -> set[int]:
    from . import selectors

    return selectors.openable_member_ids(actor=user, member_ids=member_ids)


def _appointable(*, actor: Any, organization: Any):
    from . import selectors

    return selectors.appointable_members(actor=actor, organization=organization)


def _person_names(*, user_ids: Any) -> dict[int, str]:
    from . import selectors

    return selectors.names_of_accounts(user_ids=user_ids)


def _phone_numbers(*, user_ids: Any) -> dict[int, str]:
    from . import selectors

    return selectors.phone_numbers_of_accounts(user_ids=user_ids)


def _member_names(*, member_ids: Any) -> dict[int, str]:
    from . import selectors

    return selectors.member_names(member_ids=member_ids)


def _accounts_named(*, text: str):
    from . import selectors

    return selectors.accounts_named(text=text)


def _members_link(*, user: Any) -> str | None:
    return reverse("members:search") if access.has_capability(user, Cap.MEMBER_VIEW) else None


def _own_record_link(*, user: Any) -> str | None:
    membership = registries.membership(user=user)
    return reverse("members:detail", args=[membership.member_id]) if membership else None


def _transfers_link(*, user: Any) -> str | None:
    """组织关系转接: the transfers page of the top organization of the user's scope."""
    roots = access.scope_root_ids(user, Cap.MEMBER_TRANSFER)
    return reverse("members:transfers", args=[roots[0]]) if roots else None


def _transfers_todo(*, user: Any) -> list[TodoItem]:
    from .transfers import todo

    return todo.todo_items(user=user)


def _shortcuts(*, user: Any) -> list[Link]:
    links = []
    if access.has_capability(user, Cap.MEMBER_VIEW):
        links.append(Link(_("查找党员（姓名、拼音、首字母、身份证号）"), reverse("members:search"), "search", "search"))
    return links


def _own_shortcuts(*, user: Any) -> list[Link]:
    membership = registries.membership(user=user)
    if membership is None:
        return []
    return [Link(_("我的党员档案"), reverse("members:detail", args=[membership.member_id]), "person-vcard",
                 "own_record")]


def _scope_stats(*, request: Any) -> dict[str, Any] | None:
    """The structure statistics of the whole member scope, from the roll-ups (no scan of members);
    kept on the request, since two cards of the home page read it."""
    from . import selectors

    if not hasattr(request, "_dangwu_scope_stats"):
        context = None
        if access.has_capability(request.user, Cap.MEMBER_VIEW):
            stats = selectors.scope_structure_stats(actor=request.user)
            if stats is not None:
                context = {
                    "stats": stats,
                    "counts": {item["key"]: item["count"] for item in stats["member_type"] + stats["flags"]},
                    "scope_label": " / ".join(o["name"] for o in stats["organizations_in_scope"]),
                }
        request._dangwu_scope_stats = context
    return request._dangwu_scope_stats


def _org_actions(*, request: Any, organization: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    user = request.user
    context = {
        "can_view_members": access.can(user, Cap.MEMBER_VIEW, organization),
        "can_transfer": access.can(user, Cap.MEMBER_TRANSFER, organization),
        "can_mobility": access.can(user, Cap.MEMBER_MOBILITY, organization),
        "can_add_member": access.can(user, Cap.MEMBER_EDIT, organization),
    }
    return context if any(context.values()) else None


def _org_mobility_alert(*, request: Any, organization: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    from .transfers import mobility_selectors

    count = len(mobility_selectors.warnings_of(actor=request.user, organization=organization))
    return {"mobility_warnings": count} if count else None


def _org_roster(*, request: Any, organization: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    from . import selectors

    if not access.can(request.user, Cap.MEMBER_VIEW, organization):
        return None
    page = Paginator(selectors.search_members(actor=request.user).filter(organization=organization), 20
                     ).get_page(request.GET.get("page"))
    return {"members_page": page}


def _org_stats(*, request: Any, organization: Any, facts: dict[str, Any]) -> dict[str, Any] | None:
    from . import selectors

    if not access.can(request.user, Cap.MEMBER_VIEW, organization):
        return None
    return {"stats": selectors.structure_stats(actor=request.user, organization=organization)}


def _organizations_changed(*, before: list[Any], after: list[Any]) -> None:
    from . import rollups

    rollups.apply_org_changes(before=before, after=after)


def _dissolve_problem(*, organization: Any) -> str | None:
    from .models import Member

    if Member.objects.filter(organization=organization).in_good_standing().exists():
        return _("该党组织还有党籍正常的党员，请先转接其组织关系")
    return None


# --- background runs whose worker died (core.runs, decision 0021) ---------------------------------

IMPORT_INTERRUPTED = gettext_lazy("处理中断：后台任务进程已停止。没有写入任何数据，上传的文件已删除，请重新选择文件。")
IMPORT_CANCELLED = gettext_lazy("已取消。没有写入任何数据，上传的文件已删除。")


def _fail_import(*, run: Any, reason: str, actor: Any, origin: Any) -> bool:
    """Fail a roster import (cancelled or interrupted) with one audit entry, and delete its upload."""
    from . import roster_services

    message = IMPORT_CANCELLED if reason == "cancelled" else IMPORT_INTERRUPTED
    if not roster_services.stop_roster_import(actor=actor, run=run, reason=reason, message=str(message),
                                              origin=origin):
        return False
    runs.delete_files(run, ("file",))
    return True


def _import_failed(*, run: Any, reason: str) -> None:
    from . import tasks

    tasks.record_failed_import(run=run, reason=reason)


def _import_keeps_upload(*, run: Any) -> bool:
    """A check that passed keeps its upload until imported, discarded or expired (decision 0005)."""
    from django.utils import timezone

    from . import tasks

    until = tasks.upload_kept_until(run)
    return until is not None and until > timezone.now()


def _prune_exports() -> int:
    from . import tasks

    return tasks.prune_expired_exports()


def register() -> None:
    from . import audit_fields, own_home, rollups

    audit_fields.register()
    registries.background_runs.register(BackgroundRun(
        "roster_import", "members.RosterImport", IMPORT_INTERRUPTED, uploads=("file",), folders=("imports",),
        fail=_fail_import, failed=_import_failed, keeps_upload=_import_keeps_upload))
    registries.background_runs.register(BackgroundRun(
        "roster_export", "members.RosterExport", gettext_lazy("导出中断：后台任务进程已停止。请重新导出。"),
        folders=("exports",), prune=_prune_exports))

    registries.rollup_specs.register(rollups.STRUCTURE)
    registries.rollup_repairs.register(rollups.ORG_PATHS)
    registries.membership.provide(_membership)
    registries.member_counts.provide(_member_counts)
    registries.appointable_members.provide(_appointable)
    registries.openable_members.provide(_openable)
    registries.subtree_member_totals.provide(_subtree_totals)
    registries.person_names.provide(_person_names)
    registries.phone_numbers.provide(_phone_numbers)
    registries.member_names.provide(_member_names)
    registries.accounts_named.provide(_accounts_named)
    registries.menu.register(MenuEntry("members", gettext_lazy("党员"), "people", _members_link, order=20))
    registries.menu.register(MenuEntry("transfers", gettext_lazy("组织关系转接"), "arrow-left-right", _transfers_link,
                                       order=25))
    registries.todo_sources.register(TodoSource("transfers", _transfers_todo, order=25))
    registries.menu.register(MenuEntry("own_record", gettext_lazy("我的档案"), "person-vcard", _own_record_link,
                                       order=60))
    registries.shortcuts.register(Shortcut("members", _shortcuts, order=10))
    registries.shortcuts.register(Shortcut("own_record", _own_shortcuts, order=40))
    registries.home_cards.register(HomeCard("scope_stats", "members/_home_stats.html", _scope_stats, order=10,
                                            wide=True))
    registries.home_cards.register(HomeCard("attention", "members/_home_attention.html", _scope_stats, order=20))
    registries.home_cards.register(HomeCard("own_record", "members/_home_own_record.html", own_home.own_record_card,
                                            order=6))
    registries.org_sections.register(OrgSection("member_actions", "members/_org_actions.html", _org_actions,
                                                order=10, slot="actions"))
    registries.org_sections.register(OrgSection("mobility_alert", "members/_org_mobility_alert.html",
                                                _org_mobility_alert, order=10, slot="alerts"))
    registries.org_sections.register(OrgSection("roster", "members/_org_roster.html", _org_roster, order=10,
                                                slot="main"))
    registries.org_sections.register(OrgSection("structure_stats", "members/_org_stats.html", _org_stats,
                                                order=10, slot="bottom"))
    registries.org_change_listeners.register(registries.OrgChangeListener("structure_rollups",
                                                                          _organizations_changed))
    registries.dissolve_checks.register(registries.DissolveCheck("members_in_good_standing", _dissolve_problem))

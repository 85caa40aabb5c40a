"""Reads of the core: role assignments and the audit log, already limited to the caller's scope.

Core imports no app (decision 0015): the organization model is named by the setting
`DANGWU_ORGANIZATION_MODEL` (as the user model is by AUTH_USER_MODEL), and the scope is the
one prefix filter of `access.scope_q`.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from . import access, registries
from .models import AuditEntry, RoleAssignment
from .roles import Cap


def my_assignments(*, user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("organization").order_by("organization__path")


def organization_model() -> type[Model]:
    return apps.get_model(settings.DANGWU_ORGANIZATION_MODEL)


def organization_for_roles(*, actor: User, code: str) -> Model | None:
    """The organization with this code where the actor may assign roles, or None."""
    return organization_model()._default_manager.filter(
        access.scope_q(actor, Cap.ROLE_ASSIGN), code=code).first()


def assignments_in_scope(*, actor: User, query: str = "") -> QuerySet[RoleAssignment]:
    """Role assignments at organizations where the actor may assign roles."""
    qs = RoleAssignment.objects.filter(
        access.scope_q(actor, Cap.ROLE_ASSIGN, path_field="organization__path")).select_related("user", "organization")
    query = (query or "").strip()
    if query:
        qs = qs.filter(user__username__icontains=query) | qs.filter(organization__code__startswith=query)
    return qs.order_by("organization__path", "role", "user__username")


def account_by_username(*, username: str) -> Any:
    """The account with this user name, or None (role administration names people by account)."""
    return get_user_model().objects.filter(username=username).first()


def audit_scope(*, actor: User) -> QuerySet:
    """The organizations whose entries the auditor reads (their subtrees), by path."""
    return organization_model()._default_manager.filter(access.scope_q(actor, Cap.AUDIT_VIEW)).order_by("path")


def audit_entries(
    *, actor: User, action_prefix: str = "", action: str = "", person: str = "", organization: Any = None,
    since: date | None = None, until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries about organizations in the auditor's scope, newest first. Entries that name no
    organization (logins, accounts, the demo loader) are shown only to auditors of a whole
    province (a root of the tree), and never when filtering by organization.

    Filters: `action` (exactly) or `action_prefix` (`member.transfer` finds every step of a
    transfer); `person` — the actor's name on their member record, their account's full name, or
    their login name exactly; `organization` — it and its whole subtree (one in the scope: the
    caller looks it up with `audit_scope`); `since`/`until` — days in the platform's time zone.
    """
    scope = audit_scope(actor=actor)
    entries = AuditEntry.objects.filter(organization_id_value__in=scope.values("pk"))
    if organization is not None:
        subtree = organization_model()._default_manager.filter(path__startswith=organization.path)
        entries = entries.filter(organization_id_value__in=subtree.values("pk"))
    elif scope.filter(depth=1).exists():
        entries = entries | AuditEntry.objects.filter(organization_id_value__isnull=True)
    if action:
        entries = entries.filter(action=action)
    elif action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    person = (person or "").strip()
    if person:
        who = (Q(actor__first_name__contains=person) | Q(actor__last_name__contains=person)
               | Q(actor__username=person))
        named = registries.accounts_named(text=person)
        if named is not None:
            who |= Q(actor_id__in=named)
        entries = entries.filter(who)
    zone = timezone.get_current_timezone()
    if since is not None:
        entries = entries.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        entries = entries.filter(created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone))
    return entries.order_by("-seq")

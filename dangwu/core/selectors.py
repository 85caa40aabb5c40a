"""Reads of the core: role assignments and the audit log, already limited to the caller's scope.

Core imports no app (decision 0015): the organization model is named by the setting
`DANGWU_ORGANIZATION_MODEL` (as the user model is by AUTH_USER_MODEL), and the scope is the
one prefix filter of `access.scope_q`.
"""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet

from . import access
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


def audit_entries(*, actor: User, action_prefix: str = "") -> QuerySet[AuditEntry]:
    """Audit entries about organizations in the auditor's scope. Entries that name no
    organization (logins, accounts, the demo loader) are shown only to auditors of a whole
    province (a root of the tree)."""
    scope = organization_model()._default_manager.filter(access.scope_q(actor, Cap.AUDIT_VIEW))
    entries = AuditEntry.objects.filter(organization_id_value__in=scope.values("pk"))
    if scope.filter(depth=1).exists():
        entries = entries | AuditEntry.objects.filter(organization_id_value__isnull=True)
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    return entries.order_by("-seq")

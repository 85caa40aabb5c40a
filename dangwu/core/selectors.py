from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from . import access
from .models import AuditEntry, RoleAssignment
from .roles import Cap


def my_assignments(*, user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("organization").order_by("organization__path")


def assignments_in_scope(*, actor: Any, query: str = "") -> QuerySet[RoleAssignment]:
    """Role assignments at organizations where the actor may assign roles."""
    orgs = access.organizations(actor, Cap.ROLE_ASSIGN).values("pk")
    qs = RoleAssignment.objects.filter(organization__in=orgs).select_related("user", "organization")
    query = (query or "").strip()
    if query:
        qs = qs.filter(user__username__icontains=query) | qs.filter(organization__code__startswith=query)
    return qs.order_by("organization__path", "role", "user__username")


def account_by_username(*, username: str) -> Any:
    """The account with this user name, or None (role administration names people by account)."""
    return get_user_model().objects.filter(username=username).first()


def audit_entries(*, actor: Any, action_prefix: str = "") -> QuerySet[AuditEntry]:
    """Audit entries about organizations in the auditor's scope. Entries that name no
    organization (logins, accounts, the demo loader) are shown only to auditors of a whole
    province (a root of the tree)."""
    scope = access.organizations(actor, Cap.AUDIT_VIEW)
    entries = AuditEntry.objects.filter(organization_id_value__in=scope.values("pk"))
    if scope.filter(depth=1).exists():
        entries = entries | AuditEntry.objects.filter(organization_id_value__isnull=True)
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    return entries.order_by("-seq")

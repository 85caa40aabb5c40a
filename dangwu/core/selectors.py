from typing import Any

from django.db.models import QuerySet

from . import access
from .models import RoleAssignment
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

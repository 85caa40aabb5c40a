from typing import Any

from django.db.models import QuerySet

from .models import RoleAssignment


def my_assignments(*, user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("organization").order_by("organization__path")

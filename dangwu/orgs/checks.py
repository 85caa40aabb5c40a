"""The tree's check of the platform's consistency checks (`manage.py check_consistency`).

Every organization must stand where `rules.placement_problems` lets it stand: the top of the tree
a committee (党委), only party groups under a branch, only branches under a general branch, nothing
under a party group. The services refuse a change that breaks this (issue 12, finding 6); the
check finds organizations that stood wrongly before that rule, or were put there by hand. Each
edge of the tree is judged once, from the child's side (its parent's type). Whose relations an
organization keeps is the members' side, refused when a type changes, and not checked here.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from . import rules
from .models import Organization


def placement_problems(*, organization: Any = None) -> list[str]:
    """One sentence per organization of the subtree (the whole tree when None) that stands where it
    may not, naming it and the rule; [] when every one stands where it may."""
    organizations = Organization.objects.order_by("path")
    if organization is not None:
        organizations = organizations.filter(path__startswith=organization.path)
    rows = list(organizations.values_list("path", "depth", "org_type", "name", "code"))
    types = {path: org_type for path, _depth, org_type, _name, _code in rows}
    step = Organization.steplen
    outside = {path[:-step] for path, depth, *_rest in rows if depth > 1 and path[:-step] not in types}
    types.update(Organization.objects.filter(path__in=outside).values_list("path", "org_type"))
    problems = []
    for path, depth, org_type, name, code in rows:
        parent_type = types.get(path[:-step]) if depth > 1 else None
        for messages in rules.placement_problems(org_type=org_type, parent_type=parent_type).values():
            problems += [_("%(name)s（%(code)s）：%(rule)s") % {"name": name, "code": code, "rule": message}
                         for message in messages]
    return problems

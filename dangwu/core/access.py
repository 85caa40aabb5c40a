"""Access control: the one place that turns (user, capability) into a queryset filter.

Every page, API route and selector reaches scoped rows through here: `scope_q(user, capability,
path_field=…)` is the filter each app's selectors apply to their own models. A role held at an
organization reaches that organization's whole subtree (a prefix match on the tree's materialized
path). What a person sees without a role (their own record and organization) is added by the app
that knows it (members' and orgs' selectors). Core imports no app (decision 0015).
Reaching an object outside the caller's scope answers 404 and is audited.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, NoReturn
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission

from . import audit
from .models import AuditAction, RoleAssignment
from .roles import CADRE_ROLES, CAPABILITIES

_CACHE_ATTR = "_dangwu_scope_cache"


def _assignments(user: Any) -> list[tuple[str, int, str]]:
    """(role, organization id, organization path) for each role the user holds; cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        from dangwu.core.models import RoleAssignment

        cache = list(
            RoleAssignment.objects.filter(user=user, organization__dissolved_on__isnull=True)
            .values_list("role", "organization_id", "organization__path")
        )
        setattr(user, _CACHE_ATTR, cache)
    return cache


def clear_cache(user: Any) -> None:
    for attr in (_CACHE_ATTR, "_dangwu_own_member"):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_of(user: Any) -> set[str]:
    return {role for role, _, _ in _assignments(user)}


def capabilities(user: Any) -> set[str]:
    caps: set[str] = set()
    for role in roles_of(user):
        caps |= CAPABILITIES.get(role, frozenset())
    return caps


def has_capability(user: Any, capability: str) -> bool:
    """Whether the user holds the capability anywhere (for menus and page guards)."""
    return capability in capabilities(user)


def scope_paths(user: Any, capability: str) -> list[str]:
    """Materialized paths of the subtrees where the user holds the capability (no nested duplicates)."""
    paths = sorted({path for role, _, path in _assignments(user) if capability in CAPABILITIES.get(role, ())})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def scope_root_ids(user: Any, capability: str) -> list[int]:
    """The ids of the top organizations of those subtrees, in path order (no query: read from the
    user's cached assignments), for a link to "my organization's page" in the menu."""
    ids = {path: org_id for role, org_id, path in _assignments(user) if capability in CAPABILITIES.get(role, ())}
    return [ids[path] for path in scope_paths(user, capability)]


def home_organization_id(user: Any, capability: str) -> int:
    """The organization an app's landing page opens for the user: the first top organization of the
    scope where they hold `capability`, else their own (a member's, through `registries.membership`);
    PermissionDenied for someone with neither."""
    from . import registries

    roots = scope_root_ids(user, capability)
    if roots:
        return roots[0]
    membership = registries.membership(user=user)
    if membership is None:
        raise PermissionDenied
    return membership.organization_id


def _prefix_q(field: str, paths: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def scope_q(user: Any, capability: str, *, path_field: str = "path") -> Q:
    """The filter of the subtrees where the user holds the capability, for any model that reaches
    an organization's materialized path through `path_field` ("path" for organizations,
    "organization__path" for rows that belong to one, "org_path" for a stored copy).
    Each app's selectors apply it to their own models; it matches nothing for a user without
    the capability (callers add what a person sees without a role, such as their own record)."""
    return _prefix_q(path_field, scope_paths(user, capability))


def can(user: Any, capability: str, organization: Any) -> bool:
    """Whether the user holds the capability at this organization (through it or an ancestor)."""
    if organization is None:
        return False
    path = organization.path
    return any(path.startswith(root) for root in scope_paths(user, capability))


def holders_at(capability: str, organization: Any) -> QuerySet:
    """The ids (`values("user_id")`) of the accounts holding the capability through a role held at
    this very organization — its own secretary and committee, not every cadre above it: whom a
    request of the organization's work goes to (a leave request to the branch)."""
    roles = [role for role, caps in CAPABILITIES.items() if capability in caps]
    return RoleAssignment.objects.filter(organization=organization, role__in=roles, user__is_active=True).values(
        "user_id").distinct()


def require(user: Any, capability: str, organization: Any) -> None:
    """Services call this first: PermissionDenied unless the user may act at the organization."""
    if not can(user, capability, organization):
        raise PermissionDenied(f"{capability} not held at this organization")


def get_in_scope_or_404(request: Any, queryset: QuerySet, **lookup: Any) -> Model:
    """Fetch one object from an already-scoped queryset; out of scope answers 404 and is audited."""
    obj = queryset.filter(**lookup).first()
    if obj is not None:
        return obj
    _audit_if_it_exists(request, queryset.model, lookup)
    raise Http404


def get_in_scope_or_400(request: Any, queryset: QuerySet, *, field: str, message: Any, **lookup: Any) -> Model:
    """Fetch one object a request's body names (the member of a payment, the parent of a new
    organization) from an already-scoped queryset. Missing or out of scope answers 400 keyed by
    `field` with `message` — the same answer either way — and reaching one that exists outside the
    scope is audited as a URL's id is (`access.denied`, with the field)."""
    obj = queryset.filter(**lookup).first()
    if obj is not None:
        return obj
    refuse_named(request, queryset.model, field=field, message=message, **lookup)


def refuse_named(request: Any, model: type[Model], *, field: str, message: Any, **lookup: Any) -> NoReturn:
    """The 400 of `get_in_scope_or_400` where the caller looked the object up itself (in more than
    one scoped place): audited when the object exists (outside every place the caller may reach)."""
    _audit_if_it_exists(request, model, lookup, field=field)
    raise ValidationError({field: [message]})


def _audit_if_it_exists(request: Any, model: type[Model], lookup: dict[str, Any], *, field: str = "") -> None:
    try:
        target = model._default_manager.filter(**lookup).first()
    except (TypeError, ValueError):  # a lookup value of the wrong type names nothing
        return
    if target is not None:
        detail: dict[str, Any] = {"lookup": {k: str(v) for k, v in lookup.items()}, "path": request.path[:200]}
        if field:
            detail["field"] = field
        record_denied(actor=request.user, model=model, organization=_organization_of(target), detail=detail,
                      origin=audit.origin_of(request))


def record_denied(*, actor: Any, model: type[Model], organization: int | None, detail: dict[str, Any],
                  origin: audit.Origin | None) -> None:
    """Audit a refused reach for an object outside the caller's scope (`access.denied`), in its own
    transaction (`audit.record_standing`: it stands when the service that found it fails): a URL's
    id (above), an id named in a request's body (the API's scoped related fields), a number an
    import or an application looked up. `organization` is the object's, so that its owners see it."""
    audit.record_standing(actor=actor, action=AuditAction.ACCESS_DENIED, organization=organization,
                          summary={"model": model._meta.label_lower, **detail}, origin=origin)


def _organization_of(obj: Model) -> int | None:
    """The organization an object belongs to, for the audit entry of a refused access."""
    if obj._meta.label_lower == settings.DANGWU_ORGANIZATION_MODEL.lower():
        return obj.pk
    return getattr(obj, "organization_id", None)


# --- two-factor -------------------------------------------------------------------

def needs_second_factor(user: Any) -> bool:
    """Cadres must pass TOTP when the deployment requires two factors."""
    if not settings.DANGWU_REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    return bool(roles_of(user) & CADRE_ROLES)


def second_factor_pending(request: Any) -> bool:
    user = request.user
    return needs_second_factor(user) and not (hasattr(user, "is_verified") and user.is_verified())


def password_expired(user: Any) -> bool:
    """Whether the deployment's password age limit (DANGWU_PASSWORD_MAX_AGE_DAYS, 0 = off) has passed."""
    days = settings.DANGWU_PASSWORD_MAX_AGE_DAYS
    if not days or not getattr(user, "is_authenticated", False):
        return False
    from dangwu.core.models import AccountSecurity

    security = AccountSecurity.objects.filter(user=user).first()
    changed = security.password_changed_at if security else user.date_joined
    return changed < timezone.now() - timedelta(days=days)


# --- guards for routes ------------------------------------------------------------

def page(capability: str | None = None, *, public: bool = False, allow_expired_password: bool = False) -> Callable:
    """Guard a page view. `public` pages need no login; others need a login (and the second
    factor for cadres when required) and, when `capability` is given, that capability
    somewhere in the user's roles (objects are then fetched through scoped selectors)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not public:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if second_factor_pending(request):
                    return redirect(f"/accounts/otp/?next={quote(request.get_full_path())}")
                if not allow_expired_password and password_expired(request.user):
                    return redirect("/accounts/password/?expired=1")
                if capability is not None and not has_capability(request.user, capability):
                    raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.dangwu_access = {"capability": capability, "public": public}  # type: ignore[attr-defined]
        return wrapped

    return decorator


class DenyAll(BasePermission):
    """Default API permission: an API view must name its capability explicitly."""

    def has_permission(self, request, view) -> bool:
        return False


class CapabilityPermission(BasePermission):
    """API guard: authenticated, second factor passed when required, and the view's
    `required_capability` (or per-method `capability_by_method`) held somewhere.
    Objects are fetched through scoped querysets, so out-of-scope objects are 404."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        if needs_second_factor(user) and not getattr(request, "otp_verified", False) and not (
            hasattr(user, "is_verified") and user.is_verified()
        ):
            return False
        by_method = getattr(view, "capability_by_method", {})
        capability = by_method.get(request.method, getattr(view, "required_capability", None))
        if capability is None:
            return True
        return has_capability(user, capability)

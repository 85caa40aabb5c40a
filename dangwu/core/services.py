"""Writes of the core: role assignments and account set-up, each audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import access, audit
from .models import RoleAssignment
from .roles import Cap, Role, separation_conflict


@transaction.atomic
def grant_role(*, actor: Any, user: Any, role: str, organization: Any, request: Any = None) -> RoleAssignment:
    """Give a user a role at an organization. `actor=None` is the system itself (set-up commands).

    Nobody grants roles to themselves, and the three administrator roles stay in three hands (三员分立).
    """
    if actor is not None:
        access.require(actor, Cap.ROLE_ASSIGN, organization)
        if actor.pk == user.pk:
            raise ValidationError({"username": [_("不能给自己授予角色")]})
    if role not in Role.values:
        raise ValidationError({"role": [_("未知的角色")]})
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    conflict = separation_conflict(held, role)
    if conflict:
        raise ValidationError({"role": [_("该用户已是%(held)s，系统、安全、审计管理员须由不同人员担任") % {
            "held": Role(conflict).label}]})
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, organization=organization)
    if created:
        audit.record(actor=actor, action="role.grant", target=assignment, organization=organization,
                     summary={"user": user.get_username(), "role": role}, request=request)
    access.clear_cache(user)
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment, request: Any = None) -> None:
    access.require(actor, Cap.ROLE_ASSIGN, assignment.organization)
    if assignment.user_id == actor.pk:
        raise ValidationError({"assignment": [_("不能撤销自己的角色")]})
    audit.record(actor=actor, action="role.revoke", target=assignment, organization=assignment.organization,
                 summary={"user": assignment.user.get_username(), "role": assignment.role}, request=request)
    assignment.delete()


@transaction.atomic
def create_account(*, actor: Any, username: str, password: str, full_name: str = "", request: Any = None) -> Any:
    """Create a login account (set-up commands and the demo loader)."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("用户名已存在")]})
    user = User.objects.create_user(username=username, password=password, first_name=full_name[:150])
    audit.record(actor=actor, action="account.create", target=user, summary={"username": username}, request=request)
    return user


@transaction.atomic
def issue_api_token(*, user: Any, request: Any = None) -> str:
    """Give the user a new API token (one per user: a new login replaces the old token), audited."""
    from rest_framework.authtoken.models import Token

    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    audit.record(actor=user, action="account.api_token", target=user, summary={"replaced": replaced},
                 request=request)
    return token.key


def totp_matches(key_hex: str, token: str, *, step: int = 30, digits: int = 6, tolerance: int = 1) -> bool:
    """Whether a six-digit code belongs to the TOTP secret (one step of clock drift allowed)."""
    from binascii import unhexlify

    from django_otp.oath import TOTP

    if not (token or "").isdigit():
        return False
    totp = TOTP(unhexlify(key_hex.encode()), step=step, digits=digits)
    return totp.verify(int(token), tolerance=tolerance)


@transaction.atomic
def enrol_totp_device(*, user: Any, key_hex: str, token: str, request: Any = None) -> Any:
    """Bind the authenticator the user has just scanned, once its first code is right.

    Only a user without a confirmed device may enrol; after that, a lost phone is reset by an
    administrator (see docs/admin-guide.md). Returns the device, or None when the code is wrong.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
        raise PermissionDenied("an authenticator is already bound")
    if not totp_matches(key_hex, token):
        return None
    device = TOTPDevice.objects.create(user=user, key=key_hex, name=_("手机令牌"), confirmed=True)
    audit.record(actor=user, action="account.totp_enrol", target=user, summary={"device": device.pk},
                 request=request)
    return device


@transaction.atomic
def record_login_event(*, event: str, user: Any, username: str, request: Any = None) -> None:
    """Audit a login, a failed login or a logout. The password is never recorded."""
    audit.record(actor=user, action=f"account.{event}", target=user,
                 summary={"username": username[:150]}, request=request)


@transaction.atomic
def change_password(*, user: Any, new_password: str, request: Any = None) -> None:
    """Set a new password (already checked by the form: old password, strength, repetition)."""
    from django.utils import timezone

    from .models import AccountSecurity

    user.set_password(new_password)
    user.save(update_fields=["password"])
    AccountSecurity.objects.update_or_create(user=user, defaults={"password_changed_at": timezone.now()})
    audit.record(actor=user, action="account.password_change", target=user, summary={}, request=request)

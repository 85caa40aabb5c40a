"""Writes of the core: role assignments and account set-up, each audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import access, audit
from .audit import Origin, audited
from .models import ApiTokenFactor, AuditAction, RoleAssignment
from .roles import Cap, Role, separation_conflict


@audited(AuditAction.ROLE_GRANT, noop_allowed=True)
def grant_role(*, actor: User | None, user: User, role: str, organization: Any,
               origin: Origin | None = None) -> RoleAssignment:
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
    access.clear_cache(user)
    if created:
        # A cadre's role needs the second factor: a token the user got with the password alone stops here.
        summary: dict[str, Any] = {"user": user.get_username(), "role": role}
        revoked = _delete_api_tokens_lacking_second_factor(user)
        if revoked:
            summary["api_tokens_revoked"] = revoked
        audit.record(actor=actor, action=AuditAction.ROLE_GRANT, target=assignment, organization=organization,
                     summary=summary, origin=origin)
    return assignment


@audited(AuditAction.ROLE_REVOKE)
def revoke_role(*, actor: User, assignment: RoleAssignment, origin: Origin | None = None) -> None:
    access.require(actor, Cap.ROLE_ASSIGN, assignment.organization)
    if assignment.user_id == actor.pk:
        raise ValidationError({"assignment": [_("不能撤销自己的角色")]})
    audit.record(actor=actor, action=AuditAction.ROLE_REVOKE, target=assignment,
                 organization=assignment.organization,
                 summary={"user": assignment.user.get_username(), "role": assignment.role}, origin=origin)
    assignment.delete()


@audited(AuditAction.ACCOUNT_CREATE)
def create_account(*, actor: User | None, username: str, password: str, full_name: str = "",
                   origin: Origin | None = None) -> User:
    """Create a login account (set-up commands and the demo loader)."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("用户名已存在")]})
    user = User.objects.create_user(username=username, password=password, first_name=full_name[:150])
    audit.record(actor=actor, action=AuditAction.ACCOUNT_CREATE, target=user, summary={"username": username},
                 origin=origin)
    return user


@audited(AuditAction.ACCOUNT_API_TOKEN)
def issue_api_token(*, user: User, second_factor: bool = False, origin: Origin | None = None) -> str:
    """Give the user a new API token (one per user: a new login replaces the old token), audited.
    `second_factor` records whether this login checked a TOTP code: each request compares it with
    what the account needs then (`access.api_token_suffices`)."""
    from rest_framework.authtoken.models import Token

    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    ApiTokenFactor.objects.create(token=token, second_factor=second_factor)
    audit.record(actor=user, action=AuditAction.ACCOUNT_API_TOKEN, target=user,
                 summary={"replaced": replaced, "second_factor": second_factor}, origin=origin)
    return token.key


def _delete_api_tokens_lacking_second_factor(user: User) -> int:
    """Delete the user's API tokens that no longer suffice (issued on the password alone while the
    account now needs a second factor); the caller's audit entry says how many."""
    from rest_framework.authtoken.models import Token

    if not access.needs_second_factor(user):
        return 0
    return Token.objects.filter(user=user).exclude(factor__second_factor=True).delete()[1].get(
        Token._meta.label, 0)


@audited(AuditAction.ACCOUNT_API_TOKEN_REVOKE, noop_allowed=True)
def revoke_insufficient_api_tokens(*, user: User, origin: Origin | None = None) -> int:
    """Revoke the user's API tokens issued without the second factor the account now needs (a role
    granted by another path, or DANGWU_REQUIRE_2FA turned on since): the API's authentication calls
    this when such a token is presented. Returns how many were revoked."""
    revoked = _delete_api_tokens_lacking_second_factor(user)
    if revoked:
        audit.record(actor=None, action=AuditAction.ACCOUNT_API_TOKEN_REVOKE, target=user,
                     summary={"username": user.get_username()[:150], "reason": "second_factor_required",
                              "tokens": revoked}, origin=origin)
    return revoked


def _totp_matches(key_hex: str, token: str, *, step: int = 30, digits: int = 6, tolerance: int = 1) -> bool:
    """Whether a six-digit code belongs to the TOTP secret (one step of clock drift allowed)."""
    from binascii import unhexlify

    from django_otp.oath import TOTP

    if not (token or "").isdigit():
        return False
    totp = TOTP(unhexlify(key_hex.encode()), step=step, digits=digits)
    return totp.verify(int(token), tolerance=tolerance)


@audited(AuditAction.ACCOUNT_TOTP_ENROL, noop_allowed=True)
def enrol_totp_device(*, user: User, key_hex: str, token: str, origin: Origin | None = None) -> Any:
    """Bind the authenticator the user has just scanned, once its first code is right.

    Only a user without a confirmed device may enrol; after that, a lost phone is reset by an
    administrator (see docs/admin-guide.md). Returns the device, or None when the code is wrong.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
        raise PermissionDenied("an authenticator is already bound")
    if not _totp_matches(key_hex, token):
        return None
    device = TOTPDevice.objects.create(user=user, key=key_hex, name=_("手机令牌"), confirmed=True)
    audit.record(actor=user, action=AuditAction.ACCOUNT_TOTP_ENROL, target=user, summary={"device": device.pk},
                 origin=origin)
    return device


@audited(AuditAction.ACCOUNT_LOGIN)
def record_login(*, user: User, origin: Origin | None = None) -> None:
    """Audit a login. The password is never recorded."""
    audit.record(actor=user, action=AuditAction.ACCOUNT_LOGIN, target=user,
                 summary={"username": user.get_username()[:150]}, origin=origin)


@audited(AuditAction.ACCOUNT_LOGIN_FAILED)
def record_login_failure(*, username: str, origin: Origin | None = None) -> None:
    """Audit a failed login under the name that was typed (the password is never recorded)."""
    audit.record(actor=None, action=AuditAction.ACCOUNT_LOGIN_FAILED, target=None,
                 summary={"username": username[:150]}, origin=origin)


@audited(AuditAction.ACCOUNT_LOGOUT)
def record_logout(*, user: User, origin: Origin | None = None) -> None:
    audit.record(actor=user, action=AuditAction.ACCOUNT_LOGOUT, target=user,
                 summary={"username": user.get_username()[:150]}, origin=origin)


@audited(AuditAction.ACCOUNT_PASSWORD_CHANGE)
def change_password(*, user: User, new_password: str, origin: Origin | None = None) -> None:
    """Set a new password (already checked by the form: old password, strength, repetition)."""
    from django.utils import timezone

    from .models import AccountSecurity

    user.set_password(new_password)
    user.save(update_fields=["password"])
    AccountSecurity.objects.update_or_create(user=user, defaults={"password_changed_at": timezone.now()})
    audit.record(actor=user, action=AuditAction.ACCOUNT_PASSWORD_CHANGE, target=user, summary={}, origin=origin)

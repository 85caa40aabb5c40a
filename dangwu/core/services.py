"""Writes of the core: role assignments and account set-up, each audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import access, audit
from .models import RoleAssignment
from .roles import Cap, Role


@transaction.atomic
def grant_role(*, actor: Any, user: Any, role: str, organization: Any, request: Any = None) -> RoleAssignment:
    """Give a user a role at an organization. `actor=None` is the system itself (set-up commands)."""
    if actor is not None:
        access.require(actor, Cap.ROLE_ASSIGN, organization)
    if role not in Role.values:
        raise ValidationError({"role": [_("未知的角色")]})
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, organization=organization)
    if created:
        audit.record(actor=actor, action="role.grant", target=assignment, organization=organization,
                     summary={"user": user.get_username(), "role": role}, request=request)
    access.clear_cache(user)
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment, request: Any = None) -> None:
    access.require(actor, Cap.ROLE_ASSIGN, assignment.organization)
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


@transaction.atomic
def confirm_totp_device(*, user: Any, device: Any, token: str, request: Any = None) -> bool:
    """Confirm a TOTP device the user has just scanned; the first valid code confirms it."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="account.totp_confirm", target=user, summary={"device": device.pk},
                 request=request)
    return True


@transaction.atomic
def start_totp_enrolment(*, user: Any, request: Any = None) -> Any:
    """Create (or reuse) an unconfirmed TOTP device for the user to scan."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机令牌"), confirmed=False)
        audit.record(actor=user, action="account.totp_start", target=user, summary={"device": device.pk},
                     request=request)
    return device

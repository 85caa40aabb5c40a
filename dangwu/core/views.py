"""Pages of the core: login with lockout and TOTP, language, password, audit log, roles."""

from __future__ import annotations

from urllib.parse import quote

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import access, auditlog, services
from . import selectors as core_selectors
from .audit import origin_of
from .forms import AuditFilterForm, GrantRoleForm, LoginForm, OTPForm
from .pagination import CappedPaginator
from .roles import Cap

_TOTP_SETUP_KEY = "dangwu_totp_setup_key"


def _safe_next(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@access.page(public=True)
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if user is not None:
            login(request, user)
            if access.needs_second_factor(user):
                return redirect(f"/accounts/otp/?next={quote(_safe_next(request))}")
            return redirect(_safe_next(request))
        form.add_error(None, _("用户名或密码错误。连续失败5次将锁定账号30分钟。"))
    return render(request, "core/login.html", {"form": form, "next": _safe_next(request),
                                               "expired": request.GET.get("expired")})


@access.page(public=True)
@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@access.page(public=True)
def otp_verify_view(request):
    """Second step of a cadre's login: the six-digit TOTP code (or enrolment when no device yet)."""
    if not request.user.is_authenticated:
        return redirect("core:login")
    if not access.second_factor_pending(request):
        return redirect(_safe_next(request))
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if not confirmed:
        return redirect(f"/accounts/otp/setup/?next={quote(_safe_next(request))}")
    # A wrong code counts toward the account's lockout as a wrong password does (decision 0003):
    # the password alone must not buy unlimited guesses at six digits.
    credentials = {"username": request.user.get_username()}
    if request.method == "POST" and AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return lockout_response(request, credentials)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        user_login_failed.send(sender=__name__, request=request, credentials=credentials)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request, credentials)
        form.add_error("token", _("动态口令不正确或已过期"))
    return render(request, "core/otp_verify.html", {"form": form, "next": _safe_next(request)})


@access.page(public=True)
def otp_setup_view(request):
    """Enrol a TOTP authenticator: scan the QR code, enter the first code.

    Open only to a logged-in user who has no authenticator yet; the secret waits in the
    session until the first code proves the phone has it, so nothing is written before that.
    """
    if not request.user.is_authenticated:
        return redirect("core:login")
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        if access.second_factor_pending(request):
            return redirect(f"/accounts/otp/?next={quote(_safe_next(request))}")
        return redirect(_safe_next(request))
    key = request.session.get(_TOTP_SETUP_KEY)
    if not key:
        key = request.session[_TOTP_SETUP_KEY] = random_hex(20)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.enrol_totp_device(user=request.user, key_hex=key, token=form.cleaned_data["token"],
                                            origin=origin_of(request))
        if device is not None:
            request.session.pop(_TOTP_SETUP_KEY, None)
            otp_login(request, device)
            messages.success(request, _("已绑定动态口令"))
            return redirect(_safe_next(request))
        form.add_error("token", _("动态口令不正确，请核对手机时间后重试"))
    preview = TOTPDevice(user=request.user, key=key, name=_("手机令牌"))
    # no fixed size (a viewBox): the page sizes it (.dw-qr), so that it fits a phone
    qr_svg = segno.make(preview.config_url, error="m").svg_inline(scale=5, omitsize=True)
    return render(request, "core/otp_setup.html", {"form": form, "qr_svg": qr_svg, "next": _safe_next(request)})


@access.page(allow_expired_password=True)
def password_change_view(request):
    """Change one's own password (and the forced change when the deployment sets an age limit)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        services.change_password(user=request.user, new_password=form.cleaned_data["new_password1"],
                                 origin=origin_of(request))
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改"))
        return redirect("home:home")
    return render(request, "core/password_change.html", {"form": form, "expired": request.GET.get("expired")})


@access.page(public=True)
def set_language_view(request):
    return django_set_language(request)


@access.page(Cap.AUDIT_VIEW)
def audit_log_view(request):
    """The audit log of the auditor's scope, as its readers read it (`core.auditlog`): filtered by
    action, person, organization (with its subtree) and dates; each entry's raw record one click
    away."""
    scope = core_selectors.audit_scope(actor=request.user)
    listed = list(scope[:AuditFilterForm.ORG_LIST_LIMIT + 1])
    organizations = listed if len(listed) <= AuditFilterForm.ORG_LIST_LIMIT else None
    form = AuditFilterForm(request.GET or None, action_groups=auditlog.action_groups(), organizations=organizations)
    filters: dict = {"action_prefix": request.GET.get("prefix", "").strip()[:64]}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        org = None
        if data.get("org"):
            org = scope.filter(pk=data["org"]).first()
        elif data.get("org_code"):
            org = scope.filter(code=data["org_code"].strip()).first()
            if org is None:
                form.add_error("org_code", _("党组织代码不存在，或不在您的审计范围内"))
        filters.update(action=data.get("action") or "", person=data.get("person") or "", organization=org,
                       since=data.get("since"), until=data.get("until"))
    page = None
    if not form.errors:
        entries = core_selectors.audit_entries(actor=request.user, **filters)
        page = CappedPaginator(entries, 30).get_page(request.GET.get("page"))
        page.object_list = auditlog.show(page.object_list)
    return render(request, "core/audit_log.html", {"form": form, "page": page,
                                                   "filtered": any(v for v in filters.values())})


@access.page(Cap.ROLE_ASSIGN)
def roles_view(request):
    """The security administrator's page: who holds which role where; grant a role."""
    form = GrantRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = core_selectors.account_by_username(username=data["username"])
        org = core_selectors.organization_for_roles(actor=request.user, code=data["org_code"])
        if user is None:
            form.add_error("username", _("没有这个用户"))
        if org is None:
            form.add_error("org_code", _("党组织代码不存在或不在您的权限范围内"))
        if user is not None and org is not None:
            try:
                services.grant_role(actor=request.user, user=user, role=data["role"], organization=org,
                                    origin=origin_of(request))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("已授予角色"))
                return redirect("core:roles")
    query = request.GET.get("q", "")[:60]
    page = Paginator(core_selectors.assignments_in_scope(actor=request.user, query=query), 50).get_page(
        request.GET.get("page"))
    return render(request, "core/roles.html", {"form": form, "page": page, "query": query})


@access.page(Cap.ROLE_ASSIGN)
@require_POST
def role_revoke_view(request, pk: int):
    assignment = access.get_in_scope_or_404(
        request, core_selectors.assignments_in_scope(actor=request.user), pk=pk)
    try:
        services.revoke_role(actor=request.user, assignment=assignment, origin=origin_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤销角色"))
    return redirect("core:roles")


def api_error(detail: object, *, status: int) -> JsonResponse:
    """An error as the API answers it outside DRF (middleware, error handlers, the lockout): JSON
    `{"detail": …}` in readable UTF-8, as DRF's own answers are."""
    return JsonResponse({"detail": str(detail)}, status=status, json_dumps_params={"ensure_ascii": False})


def lockout_response(request, credentials=None, *args, **kwargs):
    """What django-axes answers a locked account: JSON for the API, a page for people."""
    message = _("连续5次登录失败，账号已锁定30分钟。如需立即解锁，请联系系统管理员。")
    if request.path.startswith("/api/"):
        return api_error(message, status=429)
    return render(request, "core/locked.html", {"message": message}, status=429)


# --- error pages (handler400/403/404/500 in dangwu/urls.py, CSRF_FAILURE_VIEW in settings) ------------
# Chinese pages in the site's frame whatever DEBUG says, so that no visitor meets Django's English
# pages (which, with DEBUG on, list the site's URL patterns).

def _api_answer(request, status: int, detail: str) -> JsonResponse | None:
    """The same answer as JSON under /api/ (an address no route matches, a non-numeric id), as the
    schema documents every error of the API (core.schema): a program gets no HTML page."""
    if request.path.startswith("/api/"):
        return api_error(detail, status=status)
    return None


def bad_request_view(request, exception=None):
    return _api_answer(request, 400, _("请求无效")) or render(request, "400.html", status=400)


def not_found_view(request, exception=None):
    return _api_answer(request, 404, _("未找到，或不在您的权限范围内")) or render(request, "404.html", status=404)


def forbidden_view(request, exception=None):
    return _api_answer(request, 403, _("您没有执行该操作的权限")) or render(request, "403.html", status=403)


def csrf_failure_view(request, reason=""):
    """A form sent with a stale or missing CSRF token (a page left open past a new login)."""
    return render(request, "403_csrf.html", status=403)


def server_error_view(request):
    """Rendered without the request: no context processors (the menu reads the database, which
    may be what failed) and a page that needs no static files."""
    return _api_answer(request, 500, _("服务器内部错误")) or HttpResponseServerError(
        loader.render_to_string("500.html", {"csp_nonce": getattr(request, "csp_nonce", "")}))


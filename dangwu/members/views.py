"""Member pages: search, profile with timeline, create, edit, standing change, reveal."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dangwu.core import access
from dangwu.core.formtools import apply_service_errors
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors, services
from .forms import MemberForm, MemberSearchForm, StandingChangeForm


def _pager_query(data: dict) -> str:
    """The search as a query string for the page links, without `page`, and never with an ID
    number: a search by ID number finds one member at most, so it needs no second page."""
    params = {name: value for name, value in data.items() if value not in ("", None)}
    if rules.looks_like_id_number(str(params.get("q", ""))):
        params.pop("q")
    return urlencode(params)


@access.page(Cap.MEMBER_VIEW)
@require_http_methods(["GET", "HEAD", "POST"])
def member_search_view(request):
    """Search members. The form posts, so an ID number typed into it stays out of the URL
    (browser history, access logs); GET serves filter links and the page links."""
    params = request.POST if request.method == "POST" else request.GET
    form = MemberSearchForm(params or None)
    org = None
    page = None
    pager_query = ""
    if form.is_valid():
        data = form.cleaned_data
        if data.get("org"):
            org = access.get_in_scope_or_404(request, org_selectors.visible_organizations(actor=request.user),
                                             pk=data["org"])
        qs = selectors.search_members(actor=request.user, query=data.get("q", ""), organization=org,
                                      member_type=data.get("member_type", ""), standing=data.get("standing", ""))
        page = Paginator(qs, 20).get_page(request.GET.get("page"))
        pager_query = _pager_query(data)
    template = "members/_results.html" if request.headers.get("HX-Request") else "members/search.html"
    return render(request, template, {"form": form, "page": page, "org": org, "pager_query": pager_query})


@access.page()
def member_detail_view(request, pk: int):
    member = access.get_in_scope_or_404(request, selectors.visible_members(actor=request.user).select_related(
        "organization"), pk=pk)
    user = request.user
    return render(request, "members/detail.html", {
        "member": member,
        "timeline": selectors.timeline(member=member),
        "standing_changes": selectors.standing_changes(member=member),
        "can_edit": access.can(user, Cap.MEMBER_EDIT, member.organization),
        "can_standing": access.can(user, Cap.MEMBER_STANDING, member.organization),
        "can_reveal": access.can(user, Cap.MEMBER_VIEW_SENSITIVE, member.organization),
        "breadcrumb": org_selectors.ancestors_in_scope(actor=user, org=member.organization),
    })


@access.page(Cap.MEMBER_EDIT)
def member_create_view(request, org_pk: int):
    org = access.get_in_scope_or_404(request, access.organizations(request.user, Cap.MEMBER_EDIT), pk=org_pk)
    form = MemberForm(request.POST or None, initial={"ethnicity": "汉族", "member_type": "full"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data.get(name) for name in services.EDITABLE_FIELDS}
        try:
            member = services.create_member(actor=request.user, organization=org, fields=fields,
                                            id_number=data["id_number"], phone=data.get("phone", ""),
                                            request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已建立 %(name)s 的党员档案") % {"name": member.name})
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "org": org, "member": None})


@access.page(Cap.MEMBER_EDIT)
def member_edit_view(request, pk: int):
    member = access.get_in_scope_or_404(
        request, access.members(request.user, Cap.MEMBER_EDIT).select_related("organization"), pk=pk)
    form = MemberForm(request.POST or None, instance=member, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data.get(name) for name in services.EDITABLE_FIELDS}
        try:
            services.update_member(actor=request.user, member=member, fields=fields,
                                   id_number=data.get("id_number") or None,
                                   phone=data.get("phone") or None, request=request)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "org": member.organization, "member": member})


@access.page(Cap.MEMBER_STANDING)
def member_standing_view(request, pk: int):
    member = access.get_in_scope_or_404(
        request, access.members(request.user, Cap.MEMBER_STANDING).select_related("organization"), pk=pk)
    form = StandingChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_standing(actor=request.user, member=member, request=request, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录党籍变动"))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/standing.html", {"form": form, "member": member})


@access.page(Cap.MEMBER_VIEW_SENSITIVE)
@require_POST
@never_cache
def member_reveal_view(request, pk: int, field: str):
    """Answer the full ID or phone number as a small HTML fragment (htmx); audited."""
    member = access.get_in_scope_or_404(
        request, access.members(request.user, Cap.MEMBER_VIEW_SENSITIVE).select_related("organization"), pk=pk)
    if field not in services.SENSITIVE:
        raise PermissionDenied
    value = services.reveal_sensitive(actor=request.user, member=member, field=field, request=request)
    return HttpResponse(format_html('<span class="font-monospace" data-revealed="{}">{}</span>', field, value or "—"))

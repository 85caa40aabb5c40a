"""Member pages: search, profile with timeline, create, edit, standing change, reveal."""

from __future__ import annotations

import io
import tempfile
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dangwu.core import access, classification, runs, spreadsheets, uploads
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.pagination import CappedPaginator
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import roster, roster_export, roster_template, rules, selectors, services, tasks
from .forms import MemberForm, MemberSearchForm, RosterImportForm, StandingChangeForm


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
        page = CappedPaginator(qs, 20).get_page(request.GET.get("page"))
        pager_query = _pager_query(data)
    template = "members/_results.html" if request.headers.get("HX-Request") else "members/search.html"
    roots = []
    if org is None and not request.headers.get("HX-Request"):
        roots = list(org_selectors.organizations_in_scope(request.user, Cap.MEMBER_VIEW).filter(
            path__in=access.scope_paths(request.user, Cap.MEMBER_VIEW))[:2])
    return render(request, template, {
        "form": form, "page": page, "org": org, "pager_query": pager_query,
        "can_import": access.has_capability(request.user, Cap.MEMBER_EDIT),
        # Without an organization filter, the export is of the caller's scope when it is one subtree.
        "export_org": roots[0] if len(roots) == 1 else None,
    })


@access.page()
def member_detail_view(request, pk: int):
    member = access.get_in_scope_or_404(request, selectors.visible_members(actor=request.user).select_related(
        "organization"), pk=pk)
    user = request.user
    try:
        development_record = member.development_record  # 发展党员 record, when the person came through the platform
    except ObjectDoesNotExist:
        development_record = None
    return render(request, "members/detail.html", {
        "member": member,
        "can_dues": member.user_id == user.pk or access.can(user, Cap.DUES_VIEW, member.organization),
        "development_record": development_record
        if development_record and access.can(user, Cap.DEVELOPMENT_VIEW, member.organization) else None,
        "timeline": selectors.timeline(member=member),
        "standing_changes": selectors.standing_changes(member=member),
        "can_edit": access.can(user, Cap.MEMBER_EDIT, member.organization),
        "can_standing": access.can(user, Cap.MEMBER_STANDING, member.organization),
        "can_reveal": selectors.may_reveal(actor=user, member=member),
        "is_own": member.user_id == user.pk,
        "can_transfer": access.can(user, Cap.MEMBER_TRANSFER, member.organization) and member.in_good_standing,
        "can_mobility": access.can(user, Cap.MEMBER_MOBILITY, member.organization) and member.in_good_standing,
        "open_transfer": member.transfers.filter(status="pending").first(),
        "breadcrumb": org_selectors.ancestors_in_scope(actor=user, org=member.organization),
    })


@access.page(Cap.MEMBER_EDIT)
def member_create_view(request, org_pk: int):
    org = access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user, Cap.MEMBER_EDIT), pk=org_pk)
    form = MemberForm(request.POST or None, initial={"ethnicity": "汉族", "member_type": "full"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data.get(name) for name in rules.EDITABLE_FIELDS}
        try:
            member = services.create_member(actor=request.user, organization=org, fields=fields,
                                            id_number=data["id_number"], phone=data.get("phone", ""),
                                            origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已建立 %(name)s 的党员档案") % {"name": member.name})
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "org": org, "member": None})


@access.page(Cap.MEMBER_EDIT)
def member_edit_view(request, pk: int):
    member = access.get_in_scope_or_404(
        request, selectors.members_in_scope(request.user, Cap.MEMBER_EDIT).select_related("organization"), pk=pk)
    form = MemberForm(request.POST or None, instance=member, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data.get(name) for name in rules.EDITABLE_FIELDS}
        try:
            services.update_member(actor=request.user, member=member, fields=fields,
                                   id_number=data.get("id_number") or None,
                                   phone=data.get("phone") or None, origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "org": member.organization, "member": member})


@access.page(Cap.MEMBER_STANDING)
def member_standing_view(request, pk: int):
    member = access.get_in_scope_or_404(
        request, selectors.members_in_scope(request.user, Cap.MEMBER_STANDING).select_related("organization"), pk=pk)
    form = StandingChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_standing(actor=request.user, member=member, origin=origin_of(request),
                                     **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录党籍变动"))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/standing.html", {"form": form, "member": member})


@access.page()
@require_POST
@never_cache
def member_reveal_view(request, pk: int, field: str):
    """Answer the full ID or phone number as a small HTML fragment (htmx); audited. A member reads
    their own; others need `member.view_sensitive` at the member's organization (404 elsewhere)."""
    member = access.get_in_scope_or_404(
        request, selectors.revealable_members(actor=request.user).select_related("organization"), pk=pk)
    reveal = services.REVEAL.get(field)
    if reveal is None:
        raise PermissionDenied
    value = reveal(actor=request.user, member=member, origin=origin_of(request))
    return HttpResponse(format_html('<span class="font-monospace" data-revealed="{}">{}</span>', field, value or "—"))


# --- roster import and export (花名册导入、导出) ------------------------------------------
ORG_CHOICES_LIMIT = 200


def _scope_org(request, capability: str, pk) -> Any:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    return access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user, capability), pk=pk)


@access.page(Cap.MEMBER_EDIT)
def roster_import_view(request):
    """Upload a roster (.xlsx or .csv) to import in the background, or only to check it."""
    user = request.user
    organizations = selectors.organizations_for_import(actor=user, limit=ORG_CHOICES_LIMIT)
    initial = {}
    if request.method == "GET" and request.GET.get("org"):
        org = _scope_org(request, Cap.MEMBER_EDIT, request.GET["org"])
        initial = {"organization": str(org.pk), "org_code": org.code}
    elif organizations is not None and len(organizations) == 1:
        initial = {"organization": str(organizations[0].pk)}
    form = RosterImportForm(request.POST or None, request.FILES or None, organizations=organizations,
                            initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = None
        edit_scope = org_selectors.organizations_in_scope(user, Cap.MEMBER_EDIT).filter(dissolved_on__isnull=True)
        if data.get("organization"):
            org = edit_scope.filter(pk=data["organization"]).first()
            if org is None:
                form.add_error("organization", _("请选择您管理范围内的党组织"))
        elif data.get("org_code"):
            org = edit_scope.filter(code=data["org_code"].strip()).first()
            if org is None:
                form.add_error("org_code", _("党组织代码不存在，或不在您的管理范围内"))
        upload = data["file"]
        try:
            if upload.size > settings.DANGWU_ROSTER_MAX_BYTES:
                raise spreadsheets.SpreadsheetError(spreadsheets.size_limit_message(settings.DANGWU_ROSTER_MAX_BYTES))
            spreadsheets.sniff(upload.read(8), file_name=upload.name)
            upload.seek(0)
        except spreadsheets.SpreadsheetError as problem:
            form.add_error("file", problem.message)
        else:
            # 涉密不上网, before anything is queued; a workbook's parts are checked (`spreadsheets.check_zip`)
            # before the guard opens it with calamine.
            marked = classification.check_uploaded_file(upload)
            if marked:
                form.add_error("file", marked)
        if not form.errors:
            record = tasks.queue_roster_import(
                actor=user, organization=org, upload=upload, update=data["update_existing"],
                dry_run=request.POST.get("action") == "validate", client_ip=request.META.get("REMOTE_ADDR", ""))
            return redirect("members:import_status", pk=record.pk)
    recent = selectors.visible_imports(actor=user).filter(created_by=user)[:8]
    return render(request, "members/import.html", {
        "form": form, "recent": recent, "max_mb": settings.DANGWU_ROSTER_MAX_BYTES // (1024 * 1024),
        "columns": [c for c in roster.COLUMNS if c.field in roster.EXPORT_FIELDS or c.field == "work_and_job"],
        "required": {roster.COLUMN_BY_FIELD[f].header for f in roster.REQUIRED_FIELDS},
    })


def _import_context(request, record) -> dict:
    # Errors are [row, column, value, reason, name]; runs from before names were kept have four.
    errors = [(list(error) + [""])[:5] for error in record.errors[:200]]
    return {"record": record, "errors": errors, "more_errors": max(0, record.error_count - 200),
            "changes": record.changes[:200], "more_changes": max(0, record.updated_count - 200),
            "can_see_members": record.organization is not None
            and access.can(request.user, Cap.MEMBER_VIEW, record.organization),
            "kept_until": tasks.upload_kept_until(record),
            "can_import_checked": tasks.may_import_checked_upload(actor=request.user, record=record)}


@access.page(Cap.MEMBER_EDIT)
@never_cache
def roster_import_template_view(request):
    """The blank roster template (.xlsx): the roster's columns with their Chinese headers, the
    required ones marked, and a sheet of notes with an example of each."""
    out = io.BytesIO()
    roster_template.write_roster_template(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"{_('党员花名册导入模板')}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@access.page(Cap.MEMBER_EDIT)
@require_POST
def roster_import_checked_view(request, pk: int):
    """Import the upload of a check (仅校验) that passed, without choosing the file again: only
    the person who uploaded it, while it is kept (`tasks.import_checked_upload`)."""
    record = access.get_in_scope_or_404(request, selectors.visible_imports(actor=request.user), pk=pk)
    if record.created_by_id != request.user.pk:
        raise PermissionDenied
    if not tasks.may_import_checked_upload(actor=request.user, record=record):
        messages.error(request, _("这次校验的文件已不再保留（已导入、已删除或已过期），请重新选择文件导入。"))
        return redirect("members:import_status", pk=record.pk)
    run = tasks.import_checked_upload(actor=request.user, record=record, client_ip=request.META.get("REMOTE_ADDR", ""))
    return redirect("members:import_status", pk=run.pk)


@access.page(Cap.MEMBER_EDIT)
@require_POST
def roster_import_discard_view(request, pk: int):
    """Delete the upload a check kept (it holds full ID numbers): the uploader changed their mind."""
    record = access.get_in_scope_or_404(request, selectors.visible_imports(actor=request.user), pk=pk)
    if record.created_by_id != request.user.pk:
        raise PermissionDenied
    tasks.discard_checked_upload(actor=request.user, record=record)
    messages.success(request, _("已删除上传的文件，没有导入任何数据。"))
    return redirect("members:import")


@access.page(Cap.MEMBER_EDIT)
@require_POST
def roster_import_cancel_view(request, pk: int):
    """Cancel an import that is queued, running or stuck (anyone who may see the run): it fails
    (audited, `member.import_failed`), its upload is deleted, and a running task stops before it
    writes (`core.runs.cancel`)."""
    record = access.get_in_scope_or_404(request, selectors.visible_imports(actor=request.user), pk=pk)
    if runs.cancel(record, actor=request.user, origin=origin_of(request)):
        messages.success(request, _("已取消。没有写入任何数据，上传的文件已删除。"))
    else:
        messages.info(request, _("这次导入已经结束，无法取消。"))
    return redirect("members:import_status", pk=record.pk)


@access.page(Cap.MEMBER_EDIT)
def roster_import_status_view(request, pk: int):
    record = access.get_in_scope_or_404(request, selectors.visible_imports(actor=request.user), pk=pk)
    return render(request, "members/import_status.html", _import_context(request, record))


@access.page(Cap.MEMBER_EDIT)
@never_cache
def roster_import_progress_view(request, pk: int):
    """htmx fragment polled every second while the import runs."""
    record = access.get_in_scope_or_404(request, selectors.visible_imports(actor=request.user), pk=pk)
    return render(request, "members/_import_status.html", _import_context(request, record))


@access.page(Cap.MEMBER_EDIT)
@never_cache
def roster_import_errors_view(request, pk: int):
    """The error report (.xlsx): row, column, value (ID and phone numbers masked), reason."""
    record = access.get_in_scope_or_404(request, selectors.visible_imports(actor=request.user), pk=pk)
    return uploads.error_report_response(record, default_stem="roster")


@access.page(Cap.MEMBER_VIEW)
@never_cache
def roster_export_view(request):
    """The roster of an organization's subtree as .xlsx (?org=<id>), numbers masked unless the
    caller may see them; audited by the service. Up to DANGWU_EXPORT_INLINE_ROWS members it is
    built at once (in a temporary file, members read in chunks) and downloaded; a larger subtree
    (a county, a city) is queued as a background task and the caller follows its progress."""
    org = _scope_org(request, Cap.MEMBER_VIEW, request.GET.get("org"))
    if selectors.subtree_member_count(organization=org) > settings.DANGWU_EXPORT_INLINE_ROWS:
        record = tasks.queue_roster_export(actor=request.user, organization=org)
        return redirect("members:export_status", pk=record.pk)
    out = tempfile.TemporaryFile()  # removed when the response closes it
    try:
        roster_export.export_roster(actor=request.user, organization=org, out=out, origin=origin_of(request))
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=_export_file_name(org),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _export_file_name(org: Any) -> str:
    return f"{_('党员花名册')}-{org.name}-{timezone.localdate():%Y%m%d}.xlsx"


@access.page(Cap.MEMBER_VIEW)
def roster_export_status_view(request, pk: int):
    record = access.get_in_scope_or_404(request, selectors.visible_exports(actor=request.user), pk=pk)
    return render(request, "members/export_status.html",
                  {"record": record, "keep_hours": settings.DANGWU_EXPORT_KEEP_HOURS})


@access.page(Cap.MEMBER_VIEW)
@never_cache
def roster_export_progress_view(request, pk: int):
    """htmx fragment polled every second while the export is built."""
    record = access.get_in_scope_or_404(request, selectors.visible_exports(actor=request.user), pk=pk)
    return render(request, "members/_export_status.html",
                  {"record": record, "keep_hours": settings.DANGWU_EXPORT_KEEP_HOURS})


@access.page(Cap.MEMBER_VIEW)
@never_cache
def roster_export_download_view(request, pk: int):
    record = access.get_in_scope_or_404(request, selectors.visible_exports(actor=request.user), pk=pk)
    if record.status != record.Status.DONE or not record.file:
        raise Http404
    try:
        handle = record.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=_export_file_name(record.organization),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

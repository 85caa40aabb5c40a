"""Recruitment pages (发展党员): apply online, the branch's pipeline board, a person's page, the
forms that record steps, votes, contact persons and introducers, outcomes, and the superior
committee's approvals. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.pagination import CappedPaginator
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.orgs import selectors as org_selectors

from . import paperwork, rules, selectors, services
from .forms import (
    ApplicationForm,
    BoardFilterForm,
    CancelForm,
    CommentForm,
    DocumentForm,
    ExtensionForm,
    PublicityForm,
    SponsorForm,
    StepForm,
    ThoughtReportForm,
)
from .models import Candidate, Sponsor


def _uploads(files: list, title: str) -> list[services.Upload]:
    return [services.Upload(title=title, name=f.name, data=f.read()) for f in files]


def _scoped_org(request, capability: str, pk: Any) -> Any:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    return access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user, capability), pk=pk)


def _default_org(user, capability: str) -> Any:
    roots = org_selectors.scope_roots(actor=user, capability=capability, limit=2)
    return roots[0] if len(roots) == 1 else (roots[0] if roots else None)


# --- applying -----------------------------------------------------------------------------------


@access.page()
def apply_view(request):
    """网上申请入党: any logged-in person chooses a branch and sends their application (not the
    administrators' accounts: `selectors.account_may_apply`)."""
    if not selectors.account_may_apply(user=request.user):
        raise PermissionDenied
    mine = list(selectors.own_candidacies(actor=request.user))
    member = member_selectors.own_member(request.user)
    form = ApplicationForm(request.POST or None, request.FILES or None, online=True)
    chosen = None
    if request.method == "POST":
        raw = request.POST.get("organization")
        chosen = org_selectors.organization_by_pk(pk=raw) if (raw or "").isdigit() else None
        if form.is_valid():
            data = form.cleaned_data
            try:
                candidate = services.apply_online(
                    actor=request.user, organization=chosen, name=data["name"], id_number=data["id_number"],
                    phone=data.get("phone", ""), ethnicity=data.get("ethnicity", ""),
                    education=data.get("education", ""), work_unit=data.get("work_unit", ""),
                    uploads=_uploads(data.get("documents") or [], _("入党申请书")), origin=origin_of(request))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("入党申请已提交给%(o)s，党组织将在一个月内派人同您谈话") % {
                    "o": candidate.organization.name})
                return redirect("development:detail", pk=candidate.pk)
    return render(request, "development/apply.html", {"form": form, "mine": mine, "member": member,
                                                      "chosen": chosen})


@access.page()
def branch_search_view(request):
    """htmx: branches by name or code, for the application form."""
    if not selectors.account_may_apply(user=request.user):
        raise PermissionDenied
    branches = selectors.branches_to_apply_to(query=request.GET.get("q", "")[:50])
    return render(request, "development/_branches.html", {"branches": branches, "q": request.GET.get("q", "")})


@access.page(Cap.DEVELOPMENT_MANAGE)
def register_view(request, org_pk: int):
    """The branch registers an application handed in on paper."""
    org = _scoped_org(request, Cap.DEVELOPMENT_MANAGE, org_pk)
    form = ApplicationForm(request.POST or None, request.FILES or None, online=False,
                           initial={"organization": org.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            candidate = services.register_application(
                actor=request.user, organization=org, name=data["name"], id_number=data["id_number"],
                applied_on=data["applied_on"], phone=data.get("phone", ""), ethnicity=data.get("ethnicity", ""),
                education=data.get("education", ""), work_unit=data.get("work_unit", ""),
                uploads=_uploads(data.get("documents") or [], _("入党申请书")), origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记%(n)s的入党申请") % {"n": candidate.name})
            return redirect("development:detail", pk=candidate.pk)
    return render(request, "development/register.html", {"form": form, "org": org})


# --- the board ------------------------------------------------------------------------------------


def _child_counts(request, org: Any) -> list[tuple[Any, int]]:
    """The organization's children in scope, each with its active people (one grouped query)."""
    children = list(org_selectors.children(actor=request.user, parent=org)[:200])
    if not children:
        return []
    length = (org.depth + 1) * org.steplen
    counts = dict(selectors.visible_candidates(actor=request.user)
                  .filter(organization__path__startswith=org.path, status=Candidate.Status.ACTIVE)
                  .annotate(prefix=Substr("organization__path", 1, length)).order_by()
                  .values_list("prefix").annotate(n=Count("id")))
    return [(child, counts.get(child.path, 0)) for child in children]


@access.page(Cap.DEVELOPMENT_VIEW)
def board_view(request):
    """The pipeline board: everyone by stage, what is due next and from when, overdue deadlines."""
    form = BoardFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("org"):
        org = _scoped_org(request, Cap.DEVELOPMENT_VIEW, data["org"])
    else:
        org = _default_org(request.user, Cap.DEVELOPMENT_VIEW)
        if org is None:
            raise PermissionDenied
    status = data.get("status") or Candidate.Status.ACTIVE
    qs = selectors.board(actor=request.user, organization=org, stage=data.get("stage", ""),
                         query=data.get("q", ""), status="" if status == "all" else status,
                         attention=data.get("attention", ""))
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(c, selectors.progress_of(c, history={s.code: s.done_on for s in c.steps.all()}, today=today))
            for c in page.object_list]
    counts = selectors.stage_counts(actor=request.user, organization=org)
    return render(request, "development/board.html", {
        "org": org, "form": form, "page": page, "rows": rows, "counts": counts,
        "stages": [(code, label, counts[code]) for code, label in rules.STAGES],
        "total": sum(counts[code] for code, _label in rules.STAGES),
        "children": _child_counts(request, org),
        "breadcrumb": org_selectors.ancestors_in_scope(actor=request.user, org=org),
        "can_register": org.is_branch and access.can(request.user, Cap.DEVELOPMENT_MANAGE, org),
        "can_approve": access.has_capability(request.user, Cap.DEVELOPMENT_APPROVE),
        "today": today, "report_days": selectors.thought_report_days(),
    })


@access.page(Cap.DEVELOPMENT_APPROVE)
def approvals_view(request):
    """The superior committee's queue: people whose next step is its own, oldest first."""
    today = timezone.localdate()
    qs = selectors.awaiting_approval(actor=request.user)
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(c, selectors.progress_of(c, history={s.code: s.done_on for s in c.steps.all()}, today=today))
            for c in page.object_list]
    return render(request, "development/approvals.html", {"page": page, "rows": rows, "today": today})


# --- a person -------------------------------------------------------------------------------------


def _visible(request, pk: int) -> Candidate:
    return access.get_in_scope_or_404(
        request, selectors.visible_candidates(actor=request.user).select_related("organization", "member"), pk=pk)


@access.page()
def detail_view(request, pk: int):
    candidate = _visible(request, pk)
    user = request.user
    steps = selectors.steps_of(candidate=candidate)
    progress = selectors.progress_of(candidate, history={s.code: s.done_on for s in steps})
    can_manage = access.can(user, Cap.DEVELOPMENT_MANAGE, candidate.organization)
    can_approve = access.can(user, Cap.DEVELOPMENT_APPROVE, candidate.organization)
    can_view = access.can(user, Cap.DEVELOPMENT_VIEW, candidate.organization)
    next_code = progress.next_step
    can_record_next = bool(next_code) and (can_approve if next_code in rules.SUPERIOR_STEPS else can_manage)
    done = {s.code: s for s in steps}
    timeline = []
    for code, info in rules.STEPS.items():
        timeline.append({"info": info, "step": done.get(code), "next": code == next_code})
    probationary = rules.is_probationary(progress.history)
    history = progress.history
    today = timezone.localdate()
    before_vote = "branch_admission_vote" not in history and candidate.status == Candidate.Status.ACTIVE
    return render(request, "development/detail.html", {
        "can_publicize": can_manage and before_vote and "committee_review" in history,
        "publicity_needed": before_vote and "committee_review" in history,
        "publicity_running": before_vote and candidate.publicity_ends_on is not None
        and today <= candidate.publicity_ends_on,
        "publicity_days": selectors.publicity_working_days(), "report_days": selectors.thought_report_days(),
        "report_count": candidate.thought_reports.count(),
        "candidate": candidate, "steps": steps, "progress": progress, "timeline": timeline,
        "stages": rules.STAGES, "sponsors": selectors.sponsors_of(candidate=candidate),
        "documents": list(candidate.documents.filter(step__isnull=True)) if can_view else [],
        "paperwork": paperwork.available_kinds(candidate=candidate, history=progress.history) if can_view else [],
        "can_manage": can_manage and candidate.status == Candidate.Status.ACTIVE,
        "can_approve": can_approve, "can_view": can_view, "can_record_next": can_record_next,
        "can_extend": can_approve and probationary and candidate.extension_months is None
        and candidate.status == Candidate.Status.ACTIVE,
        "can_cancel": candidate.status == Candidate.Status.ACTIVE and "conversion_approval" not in progress.history
        and (can_approve if probationary else can_manage),
        "breadcrumb": org_selectors.ancestors_in_scope(actor=user, org=candidate.organization) if can_view else [],
        "member_record_opens": bool(candidate.member_id) and candidate.member_id in member_selectors.openable_member_ids(
            actor=user, member_ids=[candidate.member_id]),
    })


@access.page()
def step_view(request, pk: int, code: str):
    """Record one step (the branch's, or the superior committee's for its own steps)."""
    if code not in rules.STEPS:
        raise Http404
    capability = rules.capability_for(code)
    if not access.has_capability(request.user, capability):
        raise PermissionDenied
    candidate = access.get_in_scope_or_404(
        request, selectors.candidates_for(actor=request.user, capability=capability).select_related("organization"),
        pk=pk)
    info = rules.STEPS[code]
    voting = selectors.voting_members(organization=candidate.organization) if code in rules.VOTE_STEPS else None
    superior = paperwork.superior_committee(candidate.organization)
    form = StepForm(request.POST or None, request.FILES or None, code=code, voting_members=voting,
                    deciding_body=rules.deciding_body(code, branch=candidate.organization.name,
                                                      superior=superior.name if superior else ""))
    history = selectors.history_of(candidate)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        vote = {name: data.get(name) for name in StepForm.VOTE} if code in rules.VOTE_STEPS else None
        try:
            services.record_step(
                actor=request.user, candidate=candidate, code=code, done_on=data["done_on"], body=data.get("body", ""),
                responsible=data.get("responsible", ""), notes=data.get("notes", ""),
                training_days=data.get("training_days"), training_hours=data.get("training_hours"), vote=vote,
                uploads=_uploads(data.get("documents") or [], str(info.label)), origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录“%(l)s”") % {"l": info.label})
            return redirect("development:detail", pk=candidate.pk)
    progress = selectors.progress_of(candidate, history=history)
    hint_earliest = rules.earliest_date(code, history, birth_date=candidate.birth_date,
                                        extension_months=candidate.extension_months)
    return render(request, "development/step_form.html", {
        "candidate": candidate, "form": form, "info": info, "progress": progress,
        "earliest": hint_earliest, "latest": rules.latest_date(code, history),
        "is_next": code == progress.next_step,
    })


@access.page(Cap.DEVELOPMENT_MANAGE)
def sponsors_view(request, pk: int):
    """Contact persons (培养联系人) and introducers (入党介绍人): assign, list, withdraw."""
    candidate = access.get_in_scope_or_404(
        request, selectors.candidates_for(actor=request.user, capability=Cap.DEVELOPMENT_MANAGE)
        .select_related("organization"), pk=pk)
    members = list(selectors.sponsor_choices(actor=request.user, candidate=candidate)[:500])
    history = selectors.history_of(candidate)
    kind = Sponsor.Kind.INTRODUCER if "target_selected" in history else Sponsor.Kind.CONTACT
    form = SponsorForm(request.POST or None, members=members, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = next((m for m in members if str(m.pk) == data["member"]), None)
        try:
            services.assign_sponsor(actor=request.user, candidate=candidate, kind=data["kind"], member=member,
                                    assigned_on=data["assigned_on"], origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已确定%(k)s") % {"k": dict(Sponsor.Kind.choices)[data["kind"]]})
            return redirect("development:sponsors", pk=candidate.pk)
    return render(request, "development/sponsors.html", {
        "candidate": candidate, "form": form, "sponsors": selectors.sponsors_of(candidate=candidate)})


@access.page(Cap.DEVELOPMENT_MANAGE)
@require_POST
def sponsor_remove_view(request, pk: int):
    sponsor = access.get_in_scope_or_404(
        request, Sponsor.objects.filter(candidate__in=selectors.candidates_for(
            actor=request.user, capability=Cap.DEVELOPMENT_MANAGE)).select_related("candidate__organization"), pk=pk)
    try:
        services.remove_sponsor(actor=request.user, sponsor=sponsor, origin=origin_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤销"))
    return redirect("development:sponsors", pk=sponsor.candidate_id)


@access.page(Cap.DEVELOPMENT_MANAGE)
def document_add_view(request, pk: int):
    candidate = access.get_in_scope_or_404(
        request, selectors.candidates_for(actor=request.user, capability=Cap.DEVELOPMENT_MANAGE)
        .select_related("organization"), pk=pk)
    steps = selectors.steps_of(candidate=candidate)
    form = DocumentForm(request.POST or None, request.FILES or None, steps=steps)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        step = next((s for s in steps if str(s.pk) == data.get("step")), None)
        upload = data["file"]
        try:
            services.add_document(actor=request.user, candidate=candidate, step=step, origin=origin_of(request),
                                  upload=services.Upload(title=data["title"], name=upload.name, data=upload.read()))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已上传材料"))
            return redirect("development:detail", pk=candidate.pk)
    return render(request, "development/document_form.html", {"candidate": candidate, "form": form})


@access.page()
def document_view(request, pk: int):
    """Download a document of a person the caller may see (404 outside the scope)."""
    document = access.get_in_scope_or_404(
        request, selectors.visible_documents(actor=request.user).select_related("candidate"), pk=pk)
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.file_name)


@access.page(Cap.DEVELOPMENT_VIEW)
def paperwork_view(request, pk: int, kind: str):
    """A standard document of the person's steps (谈话记实表, 备案表 …) filled from the record, as .docx;
    404 for an unknown kind or one whose step is not recorded yet."""
    candidate = access.get_in_scope_or_404(
        request, selectors.candidates_for(actor=request.user, capability=Cap.DEVELOPMENT_VIEW)
        .select_related("organization"), pk=pk)
    chosen = paperwork.KINDS.get(kind)
    if chosen is None or not paperwork.is_available(chosen, candidate=candidate,
                                                    history=selectors.history_of(candidate)):
        raise Http404
    id_number = None
    if access.can(request.user, Cap.MEMBER_VIEW_SENSITIVE, candidate.organization):
        id_number = services.reveal_id_number(actor=request.user, candidate=candidate, document=str(chosen.title),
                                              origin=origin_of(request))
    try:
        data = paperwork.render(candidate, chosen, id_number=id_number)
    except paperwork.TemplateBroken as exc:
        messages.error(request, exc.message)
        return redirect("development:detail", pk=candidate.pk)
    response = HttpResponse(data, content_type=paperwork.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, paperwork.download_name(candidate, chosen))
    return response


@access.page(Cap.DEVELOPMENT_APPROVE)
def extend_view(request, pk: int):
    candidate = access.get_in_scope_or_404(
        request, selectors.candidates_for(actor=request.user, capability=Cap.DEVELOPMENT_APPROVE)
        .select_related("organization"), pk=pk)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.extend_probation(actor=request.user, candidate=candidate, origin=origin_of(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录延长预备期"))
            return redirect("development:detail", pk=candidate.pk)
    return render(request, "development/outcome_form.html", {
        "candidate": candidate, "form": form, "title": _("延长预备期"),
        "intro": _("预备党员不能完全具备党员条件、需要继续教育考察的，可以延长一次预备期，时间不能少于半年，最长不超过一年。")})


@access.page(Cap.DEVELOPMENT_VIEW)
def cancel_view(request, pk: int):
    candidate = _visible(request, pk)
    probationary = rules.is_probationary(selectors.history_of(candidate))
    capability = Cap.DEVELOPMENT_APPROVE if probationary else Cap.DEVELOPMENT_MANAGE
    if not access.can(request.user, capability, candidate.organization):
        raise PermissionDenied
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel(actor=request.user, candidate=candidate, origin=origin_of(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录"))
            return redirect("development:detail", pk=candidate.pk)
    title = _("取消预备党员资格") if probationary else _("终止发展")
    intro = _("预备党员不履行党员义务、不具备党员条件的，经支部大会讨论、上级党委批准，取消预备党员资格；其党员档案记为除名。") \
        if probationary else _("申请人撤回申请，或经培养考察不宜继续发展的，终止其发展程序。记录后不能再记录步骤。")
    return render(request, "development/outcome_form.html", {"candidate": candidate, "form": form, "title": title,
                                                             "intro": intro, "danger": True})


# --- 公示 ---------------------------------------------------------------------------------------------


@access.page(Cap.DEVELOPMENT_MANAGE)
def publicity_view(request, pk: int):
    """Record the 公示 of a development target (after the branch committee's review)."""
    candidate = access.get_in_scope_or_404(
        request, selectors.candidates_for(actor=request.user, capability=Cap.DEVELOPMENT_MANAGE)
        .select_related("organization"), pk=pk)
    initial = {"starts_on": candidate.publicity_starts_on, "notes": candidate.publicity_notes} \
        if candidate.publicity_starts_on else None
    form = PublicityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.start_publicity(actor=request.user, candidate=candidate, origin=origin_of(request),
                                                 **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已记录公示，公示期至%(d)s") % {"d": candidate.publicity_ends_on.isoformat()})
            return redirect("development:detail", pk=candidate.pk)
    days = selectors.publicity_working_days()
    return render(request, "development/outcome_form.html", {
        "candidate": candidate, "form": form, "title": _("发展对象公示"),
        "intro": _("支部委员会审查后，对发展对象在一定范围内公示%(n)d个工作日（周一至周五）。公示期满后，方可提交支部大会讨论接收预备党员。") % {
            "n": days}})


# --- thought reports (思想汇报) ------------------------------------------------------------------------


@access.page()
def my_reports_view(request):
    """The writer's page: their thought reports with the comments, and the form for a new one; for a
    contact person, the people they accompany."""
    own = selectors.own_candidacies(actor=request.user).filter(status=Candidate.Status.ACTIVE).first()
    form = ThoughtReportForm(request.POST or None, request.FILES or None) if own else None
    if request.method == "POST":
        if own is None or form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_thought_report(
                    actor=request.user, candidate=own, title=data["title"], body=data["body"], origin=origin_of(request),
                    uploads=[services.Upload(title=data["title"], name=f.name, data=f.read())
                             for f in data.get("attachments") or []])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("思想汇报已提交，培养联系人和党支部将阅看并提出意见"))
                return redirect("development:my_reports")
    reports = selectors.thought_reports_of(candidate=own) if own else []
    progress = selectors.progress_of(own) if own else None
    today = timezone.localdate()
    people = [(c, selectors.progress_of(c, history={s.code: s.done_on for s in c.steps.all()}, today=today))
              for c in selectors.accompanied(actor=request.user)[:200]]
    return render(request, "development/my_reports.html", {
        "own": own, "form": form, "reports": reports, "progress": progress, "people": people,
        "days": selectors.thought_report_days()})


@access.page()
def candidate_reports_view(request, pk: int):
    """A person's thought reports, for the person, their contact persons and the branch (comment forms
    for contact persons and the branch's cadres)."""
    candidate = access.get_in_scope_or_404(
        request, selectors.report_candidates(actor=request.user).select_related("organization"), pk=pk)
    may_comment = selectors.may_comment(request.user, candidate)
    reports = selectors.thought_reports_of(candidate=candidate)
    return render(request, "development/reports.html", {
        "candidate": candidate, "reports": reports, "may_comment": may_comment,
        "progress": selectors.progress_of(candidate), "days": selectors.thought_report_days(),
        "own": candidate.user_id == request.user.pk,
        "can_view": access.can(request.user, Cap.DEVELOPMENT_VIEW, candidate.organization),
        "comment_form": CommentForm() if may_comment else None})


@access.page()
@require_POST
def report_comment_view(request, pk: int):
    report = access.get_in_scope_or_404(
        request, selectors.visible_reports(actor=request.user).select_related("candidate__organization"), pk=pk)
    if not selectors.may_comment(request.user, report.candidate):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_thought_report(actor=request.user, report=report, body=form.cleaned_data["body"],
                                            origin=origin_of(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已提交评阅意见"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('development:reports', args=[report.candidate_id])}#report-{report.pk}")


@access.page()
def report_attachment_view(request, pk: int):
    attachment = access.get_in_scope_or_404(
        request, selectors.visible_report_attachments(actor=request.user).select_related("report"), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.file_name)


# --- import of people already in the pipeline ------------------------------------------------------


@access.page(Cap.DEVELOPMENT_MANAGE)
def import_view(request, org_pk: int):
    """Upload the stage dates of people already half-way (synchronous, all rows or none); the result
    lists every bad row, and the same list downloads as an .xlsx error report."""
    import json
    import tempfile
    from pathlib import Path

    from dangwu.core import spreadsheets

    from . import imports

    org = _scoped_org(request, Cap.DEVELOPMENT_MANAGE, org_pk)
    result = None
    if request.method == "POST" and request.POST.get("errors_json"):
        try:
            rows = [spreadsheets.RowError(*[r[0] if r[0] is None else int(r[0]), *map(str, r[1:4])])
                    for r in json.loads(request.POST["errors_json"])[:100000]]
        except (ValueError, TypeError, IndexError):
            raise Http404 from None
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="errors.xlsx"'
        spreadsheets.write_error_report(rows, response)
        return response
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的文件"))
        else:
            suffix = Path(upload.name).suffix.lower()[:8]
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                result = imports.import_stage_dates(actor=request.user, organization=org, path=handle.name,
                                                     file_name=upload.name, dry_run=bool(request.POST.get("dry_run")),
                                                     origin=origin_of(request))
            if result.ok and not result.dry_run:
                messages.success(request, _("已导入%(n)d人") % {"n": result.created})
    return render(request, "development/import.html", {
        "org": org, "result": result, "headers": imports.template_headers(),
        "errors_json": json.dumps([e.as_list() for e in result.errors], ensure_ascii=False) if result else ""})

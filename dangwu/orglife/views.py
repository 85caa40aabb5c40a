"""Pages of organizational life (组织生活): an organization's meetings and its year at a glance,
planning, the meeting page (QR code, attendance, leave requests, minutes), the check-in page a QR
code opens, and a member's leave request. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.pagination import CappedPaginator
from dangwu.core.roles import Cap

from . import rules, selectors, services
from .forms import CancelForm, DecisionForm, LeaveForm, MarkForm, MeetingForm, MinutesForm, RecurringPlanForm
from .models import Kind, Meeting


def _year(request) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def _local(day: date, at: time) -> datetime:
    """A day and a time of the page as an aware datetime (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, at))


def _organization(request, org_id: int) -> Any:
    return access.get_in_scope_or_404(request, selectors.organizations_visible(actor=request.user), pk=org_id)


def _managed_organization(request, org_id: int) -> Any:
    organization = _organization(request, org_id)
    if not access.can(request.user, Cap.ORGLIFE_MANAGE, organization):
        raise Http404
    return organization


def _meeting(request, meeting_id: int) -> Meeting:
    return access.get_in_scope_or_404(request, selectors.meetings_visible(actor=request.user), pk=meeting_id)


def _managed_meeting(request, meeting_id: int) -> Meeting:
    meeting = _meeting(request, meeting_id)
    if not access.can(request.user, Cap.ORGLIFE_MANAGE, meeting.organization):
        raise Http404
    return meeting


def _first_error(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _write(request, form: Any, service: Callable[..., Any], success: str, **arguments: Any) -> Any:
    """Call one service with the caller and the request's origin: its result, with `success` shown;
    None when it refused the input, its messages then beside the form's fields."""
    try:
        result = service(actor=request.user, origin=origin_of(request), **arguments)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None
    messages.success(request, success)
    return result


def _act(request, service: Callable[..., Any], success: str, *, name: str = "", **arguments: Any) -> None:
    """Call one service of a button (no form to show again): its refusal becomes an error message."""
    try:
        service(actor=request.user, origin=origin_of(request), **arguments)
    except ValidationError as exc:
        messages.error(request, f"{name}: {_first_error(exc)}" if name else _first_error(exc))
    else:
        messages.success(request, success)


@access.page()
def home(request):
    """组织生活: the first organization of the caller's scope, or their own organization."""
    roots = selectors.scope_root_ids(actor=request.user)
    if roots:
        return redirect("orglife:org", roots[0])
    own = selectors.own_member(user=request.user)
    if own is None:
        raise PermissionDenied
    return redirect("orglife:org", own.organization_id)


@access.page()
def org_meetings(request, org_id: int):
    organization = _organization(request, org_id)
    year = _year(request)
    today = timezone.localdate()
    return render(request, "orglife/org.html", {
        "org": organization, "year": year, "previous": year - 1, "next": year + 1 if year < today.year + 1 else None,
        "meetings": selectors.meetings_of(organization=organization, year=year).select_related("speaker"),
        "grid": selectors.year_grid(organization=organization, year=year, today=today),
        # 下级党组织三会一课情况: a committee's branches below, from the compliance roll-up
        "compliance": (selectors.compliance(organization=organization, year=year, today=today)
                       if access.can(request.user, Cap.ORGLIFE_VIEW, organization) else None),
        "can_manage": access.can(request.user, Cap.ORGLIFE_MANAGE, organization),
        "can_view": access.can(request.user, Cap.ORGLIFE_VIEW, organization),
    })


@access.page(Cap.ORGLIFE_VIEW)
def missed(request, org_id: int):
    """The branches below an organization that missed one (kind, period) of the year, paged."""
    organization = access.get_in_scope_or_404(request, selectors.organizations_in_scope(actor=request.user),
                                              pk=org_id)
    kind, period = request.GET.get("kind", ""), request.GET.get("period", "")
    if kind not in rules.KINDS:
        raise Http404
    year = int(period[:4]) if period[:4].isdigit() else 0
    ended = {label for label, _first, last in rules.periods(kind, year) if last <= timezone.localdate()} if year else set()
    if period not in ended:
        raise Http404  # not a period of this kind, or one still running (nothing is missed yet)
    paginator = CappedPaginator(selectors.branches_that_missed(organization=organization, kind=kind, period=period), 50)
    # the count the committee's view shows, from the roll-up: counting the list would read every branch below
    paginator.count = selectors.missed_count(organization=organization, kind=kind, period=period)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "orglife/missed.html", {
        "org": organization, "kind_label": Kind(kind).label, "period": period, "year": year, "page": page})


@access.page(Cap.ORGLIFE_MANAGE)
def plan(request, org_id: int):
    organization = _managed_organization(request, org_id)
    speakers = selectors.member_choices(organization=organization)
    form = MeetingForm(request.POST or None, speakers=speakers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = _write(request, form, services.plan_meeting, _("会议已安排。"), organization=organization,
                         kind=data["kind"], title=data["title"],
                         starts_at=_local(data["day"], data["start"]),
                         ends_at=_local(data["day"], data["end"]), place=data["place"],
                         online_url=data["online_url"], agenda=data["agenda"],
                         speaker=selectors.member_of(organization=organization, pk=data["speaker"]))
        if meeting is not None:
            return redirect("orglife:meeting", meeting.pk)
    return render(request, "orglife/plan.html", {"org": organization, "form": form, "recurring": False})


@access.page(Cap.ORGLIFE_MANAGE)
def plan_recurring(request, org_id: int):
    organization = _managed_organization(request, org_id)
    form = RecurringPlanForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        recurring = _write(request, form, services.plan_recurring, _("已按年度计划安排会议。"),
                           organization=organization, **form.cleaned_data)
        if recurring is not None:
            return redirect(f"{reverse('orglife:org', args=[organization.pk])}?year={recurring.year}")
    return render(request, "orglife/plan.html", {"org": organization, "form": form, "recurring": True})


def _qr_svg(request, meeting: Meeting) -> str:
    url = request.build_absolute_uri(reverse("orglife:check_in", args=[meeting.checkin_token]))
    return mark_safe(segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff"))  # noqa: S308 (segno's own markup)


def _meeting_context(request, meeting: Meeting, **forms: Any) -> dict[str, Any]:
    can_manage = access.can(request.user, Cap.ORGLIFE_MANAGE, meeting.organization)
    own = selectors.own_member(user=request.user)
    expected = own is not None and selectors.is_expected(meeting=meeting, member=own)
    # The minutes (a committee's too) are read by those who attend and by cadres of the scope.
    may_read = expected or access.can(request.user, Cap.ORGLIFE_VIEW, meeting.organization)
    minutes = selectors.minutes_of(meeting=meeting) if may_read else None
    context: dict[str, Any] = {"meeting": meeting, "can_manage": can_manage, "minutes": minutes, "now": timezone.now()}
    if expected:
        context["own_attendance"] = selectors.own_attendance(meeting=meeting, member=own)
        context["own_leave"] = selectors.own_leave_request(meeting=meeting, member=own)
        context["may_ask_leave"] = selectors.leave_refusal(meeting=meeting, member=own, now=timezone.now()) is None
    if can_manage:
        context.update(
            qr_svg=_qr_svg(request, meeting) if meeting.status != Meeting.Status.CANCELLED else "",
            check_in_url=request.build_absolute_uri(reverse("orglife:check_in", args=[meeting.checkin_token])),
            sheet=selectors.attendance_sheet(meeting=meeting),
            pending=selectors.pending_leave_requests(meeting=meeting),
            history=selectors.minutes_history(minutes=minutes),
            minutes_form=forms.get("minutes_form") or MinutesForm(
                recorders=selectors.member_choices(organization=meeting.organization),
                initial={"topics": minutes.topics, "resolutions": minutes.resolutions,
                         "recorder": minutes.recorder_id} if minutes else None),
            cancel_form=forms.get("cancel_form") or CancelForm(),
        )
    return context


@access.page()
def meeting(request, meeting_id: int):
    return render(request, "orglife/meeting.html", _meeting_context(request, _meeting(request, meeting_id)))


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def cancel(request, meeting_id: int):
    meeting = _managed_meeting(request, meeting_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        if _write(request, form, services.cancel_meeting, _("会议已取消。"), meeting=meeting,
                  reason=form.cleaned_data["reason"]):
            return redirect("orglife:meeting", meeting.pk)
    return render(request, "orglife/meeting.html", _meeting_context(request, meeting, cancel_form=form), status=400)


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def mark(request, meeting_id: int):
    meeting = _managed_meeting(request, meeting_id)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(f"{form.fields[f].label or f}: {' '.join(e)}" for f, e in form.errors.items()))
        return redirect("orglife:meeting", meeting.pk)
    member = selectors.expected_member(meeting=meeting, pk=form.cleaned_data["member"])
    if member is None:
        messages.error(request, _("该党员不在本次会议的应到人员中。"))
        return redirect("orglife:meeting", meeting.pk)
    _act(request, services.mark_attendance, _("已登记 %(name)s 的出勤。") % {"name": member.name}, name=member.name,
         meeting=meeting, member=member, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"])
    return redirect(f"{reverse('orglife:meeting', args=[meeting.pk])}#attendance")


@access.page()
def leave(request, meeting_id: int):
    """A member asks for leave from a meeting (请假)."""
    meeting = _meeting(request, meeting_id)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _write(request, form, services.request_leave, _("请假申请已提交，等待党支部审批。"), meeting=meeting,
                  reason=form.cleaned_data["reason"]):
            return redirect("orglife:meeting", meeting.pk)
    return render(request, "orglife/leave.html", {"meeting": meeting, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def decide_leave(request, leave_id: int):
    leave = access.get_in_scope_or_404(request, selectors.leave_requests_in_scope(actor=request.user), pk=leave_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或不批准。"))
    else:
        _act(request, services.decide_leave, _("已审批 %(name)s 的请假申请。") % {"name": leave.member.name},
             leave=leave, approve=form.cleaned_data["decision"] == "approve")
    return redirect(f"{reverse('orglife:meeting', args=[leave.meeting_id])}#leave")


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def minutes(request, meeting_id: int):
    meeting = _managed_meeting(request, meeting_id)
    form = MinutesForm(request.POST, recorders=selectors.member_choices(organization=meeting.organization))
    if form.is_valid():
        data = form.cleaned_data
        if _write(request, form, services.record_minutes, _("会议记录已保存。"), meeting=meeting, topics=data["topics"],
                  resolutions=data["resolutions"], reason=data["reason"],
                  recorder=selectors.member_of(organization=meeting.organization, pk=data["recorder"])):
            return redirect(f"{reverse('orglife:meeting', args=[meeting.pk])}#minutes")
    return render(request, "orglife/meeting.html", _meeting_context(request, meeting, minutes_form=form), status=400)


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def sign_off(request, meeting_id: int):
    meeting = _managed_meeting(request, meeting_id)
    record = selectors.minutes_of(meeting=meeting)
    if record is None:
        messages.error(request, _("还没有会议记录，不能签发。"))
    else:
        _act(request, services.sign_off_minutes, _("会议记录已签发，此后修改须填写原因。"), minutes=record)
    return redirect(f"{reverse('orglife:meeting', args=[meeting.pk])}#minutes")


@access.page()
def check_in(request, token: str):
    """The page a meeting's QR code opens: the meeting and one button; the button checks the member in."""
    found = selectors.meeting_by_token(token=token)
    result = None
    error = ""
    if request.method == "POST":
        try:
            result = services.check_in(actor=request.user, token=token, origin=origin_of(request))
        except ValidationError as exc:
            error = _first_error(exc)
    elif found is None:
        error = _("签到二维码无效，请重新扫描会场的二维码。")
    status = 400 if error and request.method == "POST" else (404 if found is None else 200)
    return render(request, "orglife/check_in.html", {
        "meeting": found if found is not None and found.status != Meeting.Status.CANCELLED else None,
        "cancelled": found is not None and found.status == Meeting.Status.CANCELLED,
        "result": result, "error": error,
    }, status=status)


@access.page(Cap.ORGLIFE_VIEW)
def register(request, org_id: int):
    """The year's 三会一课 register as .xlsx (those who hold orglife.view at the organization)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from .register import write_register

    organization = access.get_in_scope_or_404(request, selectors.organizations_in_scope(actor=request.user),
                                              pk=org_id)
    year = _year(request)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{_('三会一课登记')}-{organization.code}-{year}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    write_register(organization=organization, year=year, today=timezone.localdate(), out=response)
    return response


@access.page(Cap.ORGLIFE_VIEW)
def register_pdf(request, org_id: int):
    """The year's 三会一课 register printed (PDF), for the same callers as the .xlsx."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from .register import register_pdf as render_pdf

    organization = access.get_in_scope_or_404(request, selectors.organizations_in_scope(actor=request.user),
                                              pk=org_id)
    year = _year(request)
    response = HttpResponse(render_pdf(organization=organization, year=year, today=timezone.localdate()),
                            content_type="application/pdf")
    filename = f"{_('三会一课登记簿')}-{organization.code}-{year}.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response

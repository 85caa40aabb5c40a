"""Pages of organizational life (组织生活): an organization's meetings and its year at a glance,
planning, the meeting page (QR code, attendance, leave requests, minutes, materials and the minutes'
attachments), the download of a meeting's file, the check-in page a QR code opens, a member's leave
request, and the records of heart-to-heart talks (谈心谈话). Thin: parse, call one service or selector,
render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangwu.core import access, formtools
from dangwu.core.audit import origin_of
from dangwu.core.pagination import CappedPaginator
from dangwu.core.roles import Cap

from . import rules, selectors, services
from .forms import (
    CancelForm,
    DecisionForm,
    LeaveForm,
    MarkForm,
    MeetingFileForm,
    MeetingForm,
    MemberChoiceForm,
    MinutesForm,
    PartyGroupsForm,
    RecurringPlanForm,
    TalkForm,
    WithdrawTalkForm,
)
from .models import Kind, Meeting, MeetingFile, TalkRecord


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


_write = formtools.call_for_form  # one service for a form, its refusal beside the fields
_act = formtools.call_for_button  # one service of a button, its refusal an error message


@access.page()
def home(request):
    """组织生活: the first organization of the caller's scope, or their own organization."""
    return redirect("orglife:org", access.home_organization_id(request.user, Cap.ORGLIFE_VIEW))


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
        "has_groups": selectors.has_groups(organization=organization),
        # 谈心谈话 N/M: the cadres' (the summaries and the list of those not talked with are theirs)
        "talks": (selectors.talk_year(organization=organization, year=year)
                  if organization.is_branch and access.can(request.user, Cap.ORGLIFE_VIEW, organization)
                  else None),
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
    form = MeetingForm(request.POST or None, speakers=speakers,
                       groups=selectors.party_group_choices(organization=organization),
                       joint=selectors.joint_choices(actor=request.user, organization=organization))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = _write(request, form, services.plan_meeting, _("会议已安排。"), organization=organization,
                         kind=data["kind"], title=data["title"],
                         starts_at=_local(data["day"], data["start"]),
                         ends_at=_local(data["day"], data["end"]), place=data["place"],
                         online_url=data["online_url"], agenda=data["agenda"],
                         speaker=selectors.member_of(organization=organization, pk=data["speaker"]),
                         party_group=selectors.party_group_of(organization=organization,
                                                              pk=data.get("party_group")),
                         joint_organizations=selectors.organizations_by_ids(
                             actor=request.user, ids=data.get("joint_organizations") or ()))
        if meeting is not None:
            return redirect("orglife:meeting", meeting.pk)
    return render(request, "orglife/plan.html", {"org": organization, "form": form, "recurring": False})


@access.page(Cap.ORGLIFE_MANAGE)
def plan_recurring(request, org_id: int):
    organization = _managed_organization(request, org_id)
    form = RecurringPlanForm(request.POST or None, initial={"year": timezone.localdate().year},
                             groups=selectors.party_group_choices(organization=organization))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["party_group"] = selectors.party_group_of(organization=organization, pk=data.pop("party_group", None))
        recurring = _write(request, form, services.plan_recurring, _("已按年度计划安排会议。"),
                           organization=organization, **data)
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
    # The minutes and the files (a committee's too) are read by those who attend and by cadres of the scope.
    may_read = selectors.may_read_records(actor=request.user, meeting=meeting)
    minutes = selectors.minutes_of(meeting=meeting) if may_read else None
    context: dict[str, Any] = {"meeting": meeting, "can_manage": can_manage, "minutes": minutes, "now": timezone.now(),
                               "joint": selectors.joint_organizations_of(meeting=meeting), "may_read": may_read}
    if may_read:
        context.update(materials=selectors.meeting_files(meeting=meeting, part=MeetingFile.Part.MATERIAL),
                       attachments=selectors.meeting_files(meeting=meeting, part=MeetingFile.Part.MINUTES))
    if expected:
        context["own_attendance"] = selectors.own_attendance(meeting=meeting, member=own)
        context["own_leave"] = selectors.own_leave_request(meeting=meeting, member=own)
        context["may_ask_leave"] = selectors.leave_refusal(meeting=meeting, member=own, now=timezone.now()) is None
    signed = minutes is not None and minutes.signed_off_at is not None
    if can_manage:
        context.update(
            qr_svg=_qr_svg(request, meeting) if meeting.status != Meeting.Status.CANCELLED else "",
            check_in_url=request.build_absolute_uri(reverse("orglife:check_in", args=[meeting.checkin_token])),
            sheet=selectors.attendance_sheet(meeting=meeting),
            invitees=selectors.invitees_of(meeting=meeting),
            invite_query=request.GET.get("q", "")[:50],
            candidates=selectors.invite_candidates(actor=request.user, meeting=meeting, query=request.GET.get("q", "")),
            may_invite=meeting.status != Meeting.Status.CANCELLED and meeting.ends_at > timezone.now(),
            pending=selectors.pending_leave_requests(meeting=meeting),
            history=selectors.minutes_history(minutes=minutes),
            minutes_form=forms.get("minutes_form") or MinutesForm(
                recorders=selectors.member_choices(organization=meeting.organization),
                initial={"topics": minutes.topics, "resolutions": minutes.resolutions,
                         "recorder": minutes.recorder_id} if minutes else None),
            cancel_form=forms.get("cancel_form") or CancelForm(),
            material_form=forms.get("material_form") or MeetingFileForm(initial={"part": MeetingFile.Part.MATERIAL}),
            attachment_form=forms.get("attachment_form") or MeetingFileForm(
                initial={"part": MeetingFile.Part.MINUTES}, auto_id="id_att_%s"),
            removed_files=selectors.removed_meeting_files(meeting=meeting),
            can_upload_materials=meeting.status != Meeting.Status.CANCELLED and not signed,
            can_upload_attachments=meeting.status != Meeting.Status.CANCELLED and meeting.starts_at <= timezone.now(),
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


def _invitation(request, meeting_id: int, service: Callable[..., Any], success: str) -> Any:
    meeting = _managed_meeting(request, meeting_id)
    form = MemberChoiceForm(request.POST)
    member = selectors.member_by_id(actor=request.user, pk=form.cleaned_data["member"]) if form.is_valid() else None
    if member is None:
        messages.error(request, _("未找到该党员。"))
    else:
        _act(request, service, success % {"name": member.name}, name=member.name, meeting=meeting, member=member)
    return redirect(f"{reverse('orglife:meeting', args=[meeting.pk])}#invitees")


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def invite(request, meeting_id: int):
    """Invite a member to attend (列席)."""
    return _invitation(request, meeting_id, services.invite, _("已邀请 %(name)s 列席，并发送会议通知。"))


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def uninvite(request, meeting_id: int):
    return _invitation(request, meeting_id, services.uninvite, _("已取消 %(name)s 的列席邀请。"))


@access.page(Cap.ORGLIFE_MANAGE)
def party_groups(request, org_id: int):
    """党小组分组: which party group each member of the branch meets with."""
    organization = _managed_organization(request, org_id)
    groups = selectors.party_group_choices(organization=organization)
    form = PartyGroupsForm(request.POST or None, members=selectors.member_choices(organization=organization),
                           groups=groups, current=selectors.groups_of_members(organization=organization))
    if request.method == "POST" and form.is_valid():
        changed = _write(request, form, services.set_party_groups, _("党小组分组已保存。"), organization=organization,
                         assignments=form.assignments())
        if changed is not None:
            return redirect("orglife:party_groups", organization.pk)
    current = selectors.groups_of_members(organization=organization)
    sizes = [(name, sum(1 for g in current.values() if g == pk)) for pk, name in groups]
    return render(request, "orglife/party_groups.html", {
        "org": organization, "form": form, "groups": groups, "sizes": sizes,
        "ungrouped": len(form.rows) - sum(n for _name, n in sizes),
        "rows": [form[f"group_{pk}"] for pk in form.rows]}, status=400 if request.method == "POST" else 200)


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


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def add_file(request, meeting_id: int):
    """Upload a material of the meeting, or an attachment of its minutes (the form's `part`)."""
    meeting = _managed_meeting(request, meeting_id)
    minutes_part = request.POST.get("part") == MeetingFile.Part.MINUTES
    form = MeetingFileForm(request.POST, request.FILES, auto_id="id_att_%s" if minutes_part else "id_%s")
    anchor = "minutes" if minutes_part else "materials"
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if _write(request, form, services.add_meeting_file, _("已上传 %(name)s。") % {"name": upload.name},
                  meeting=meeting, part=form.cleaned_data["part"], name=upload.name, data=upload.read(),
                  reason=form.cleaned_data["reason"]):
            return redirect(f"{reverse('orglife:meeting', args=[meeting.pk])}#{anchor}")
    forms = {"attachment_form" if minutes_part else "material_form": form}
    return render(request, "orglife/meeting.html", _meeting_context(request, meeting, **forms), status=400)


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def remove_file(request, file_id: int):
    """Remove a file of a meeting; the service checks the reason (required, one line, 200 characters)."""
    record = access.get_in_scope_or_404(request, selectors.meeting_files_in_scope(actor=request.user), pk=file_id)
    _act(request, services.remove_meeting_file, _("已删除 %(name)s。") % {"name": record.file_name},
         name=record.file_name, record=record, reason=request.POST.get("reason", ""))
    anchor = "minutes" if record.part == MeetingFile.Part.MINUTES else "materials"
    return redirect(f"{reverse('orglife:meeting', args=[record.meeting_id])}#{anchor}")


@access.page()
@never_cache
def meeting_file(request, file_id: int):
    """A file of a meeting, for those who read its records (404 for anyone else): always a download,
    from the storage through this check, never a public media URL."""
    record = access.get_in_scope_or_404(request, selectors.meeting_files_visible(actor=request.user), pk=file_id)
    if not record.file or not selectors.may_read_records(actor=request.user, meeting=record.meeting):
        raise Http404
    try:
        handle = record.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=record.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


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


# --- 谈心谈话 ----------------------------------------------------------------------------------------

def _talks_url(organization: Any, year: int) -> str:
    return f"{reverse('orglife:talks', args=[organization.pk])}?year={year}"


@access.page(Cap.ORGLIFE_VIEW)
def talks(request, org_id: int):
    """An organization's talk records of a year (paged), how many of its members were talked with,
    and who is still waiting for a talk."""
    organization = access.get_in_scope_or_404(request, selectors.organizations_in_scope(actor=request.user),
                                              pk=org_id)
    year = _year(request)
    today = timezone.localdate()
    page = CappedPaginator(selectors.talks_of(organization=organization, year=year), 50).get_page(
        request.GET.get("page"))
    return render(request, "orglife/talks.html", {
        "org": organization, "year": year, "previous": year - 1, "next": year + 1 if year < today.year else None,
        "page": page, "talk_year": selectors.talk_year(organization=organization, year=year),
        "can_manage": access.can(request.user, Cap.ORGLIFE_MANAGE, organization),
        "withdraw_form": WithdrawTalkForm(),
    })


@access.page(Cap.ORGLIFE_MANAGE)
def talk_new(request, org_id: int):
    """Record a talk with one of the organization's members in good standing."""
    organization = _managed_organization(request, org_id)
    own = selectors.own_member(user=request.user)
    choices = selectors.talker_choices(organization=organization)
    initial = {"on": timezone.localdate(), "via": TalkRecord.Via.OFFLINE, "member": request.GET.get("member"),
               "talker": own.pk if own is not None and own.pk in dict(choices) else None}
    form = TalkForm(request.POST or None, initial=initial, talkers=choices,
                    members=selectors.member_choices(organization=organization))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        talk = _write(request, form, services.record_talk, _("谈心谈话已记录。"),
                      member=selectors.member_of(organization=organization, pk=data["member"]),
                      talker=selectors.talker_of(organization=organization, pk=data["talker"]),
                      on=data["on"], topic=data["topic"], summary=data["summary"], via=data["via"])
        if talk is not None:
            return redirect(_talks_url(organization, talk.on.year))
    return render(request, "orglife/talk_form.html", {"org": organization, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@access.page(Cap.ORGLIFE_MANAGE)
def talk_withdraw(request, talk_id: int):
    talk = access.get_in_scope_or_404(
        request, selectors.talks_in_scope(actor=request.user, capability=Cap.ORGLIFE_MANAGE), pk=talk_id)
    form = WithdrawTalkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤销原因: %(error)s") % {"error": " ".join(form.errors.get("reason", []))})
    else:
        _act(request, services.withdraw_talk, _("谈话记录已撤销。"), talk=talk, reason=form.cleaned_data["reason"])
    return redirect(f"{_talks_url(talk.organization, talk.on.year)}#talk-{talk.pk}")

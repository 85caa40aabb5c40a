"""Pages of transfers (组织关系转接) and mobile members (流动党员): thin — parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangwu.core import access, registries
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.pdf import FontMissing, cjk_font
from dangwu.core.roles import Cap
from dangwu.members import rules as member_rules
from dangwu.members import selectors as member_selectors
from dangwu.members import services as member_services
from dangwu.orgs import selectors as org_selectors

from . import mobility_selectors, mobility_services, rules, selectors, services
from .forms import (
    CertificateForm,
    MobilityRecordForm,
    OutflowForm,
    ReceiptForm,
    RegisterIncomingForm,
    RejectTransferForm,
    ReturnForm,
    StartTransferForm,
)
from .letters import transfer_letter_pdf


def _org(request, capability: str, pk: int) -> Any:
    return access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user, capability), pk=pk)


def _form_page(request, form, *, title: str, back: str, intro: str = "", submit: str = "", facts=None,
               records=None, receiver=None, arrears=None) -> HttpResponse:
    return render(request, "members/transfer_form.html", {
        "form": form, "title": title, "back": back, "intro": intro, "submit": submit or _("提交"),
        "facts": facts or [], "records": records, "receiver": receiver, "arrears": arrears})


def _organization_by_code(code: str) -> Any:
    return org_selectors.open_organization_by_code(code=code)


RECEIVERS_SHOWN = 20  # the picker's list: the closest matches only


# --- transfers -------------------------------------------------------------------------

@access.page(Cap.MEMBER_TRANSFER)
def transfers_view(request, org_pk: int):
    """The transfers of an organization: outgoing and incoming with their states and actions.
    `?show=to_accept` or `?show=to_reissue` (the to-do list's links, `selectors.waiting_at`) keeps
    only the letters to accept, or only the expired letters this organization sent."""
    org = _org(request, Cap.MEMBER_TRANSFER, org_pk)
    rows = selectors.transfers_of(actor=request.user, organization=org)
    show = request.GET.get("show", "")
    if show == "to_accept":
        rows = [r for r in rows if r["state"] == "incoming" and r["can_receive"]]
    elif show == "to_reissue":
        rows = [r for r in rows if r["state"] == "expired" and r["can_send"]]
    else:
        show = ""
    groups = {key: [r for r in rows if r["state"] == key] for key in ("incoming", "outgoing", "expired", "done",
                                                                      "rejected")}
    return render(request, "members/transfers.html", {"org": org, "groups": groups, "total": len(rows),
                                                      "show": show})


@access.page(Cap.MEMBER_TRANSFER)
def transfer_receivers_view(request):
    """htmx: organizations that may receive a member, by a part of the name or the code, anywhere in
    the province (a transfer crosses cities); names, codes and parents only."""
    query = (request.GET.get("q") or request.GET.get("to_code") or "")[:50]
    found = org_selectors.pick_receivers(query=query, limit=RECEIVERS_SHOWN)
    return render(request, "members/_receivers.html", {"found": found, "q": query.strip(), "limit": RECEIVERS_SHOWN})


@access.page(Cap.MEMBER_TRANSFER)
def transfer_start_view(request, pk: int):
    """Start a transfer from the member's page (开具介绍信)."""
    member = access.get_in_scope_or_404(
        request, member_selectors.members_in_scope(request.user, Cap.MEMBER_TRANSFER).select_related("organization"), pk=pk)
    form = StartTransferForm(request.POST or None)
    arrears = None  # the warning step: the member owes 3 months or more (confirmed by a second submit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        to_org = None
        if data["goes_to"] == "internal":
            to_org = _organization_by_code(data["to_code"])
            if to_org is None:
                form.add_error("to_code", _("没有找到代码为 %(c)s 的党组织") % {"c": data["to_code"]})
        owed = list(registries.dues_arrears(member=member))
        if not form.errors and rules.arrears_need_confirmation(owed, confirmed=request.POST.get("arrears_confirmed")):
            arrears = {"count": len(owed), "months": rules.months_list(owed)}
        elif not form.errors:
            try:
                transfer = services.start_transfer(actor=request.user, member=member, to_organization=to_org,
                                                   to_name=data["to_name"], to_address=data["to_address"],
                                                   reason=data["reason"], origin=origin_of(request))
            except ValidationError as exc:
                exc = ValidationError({("to_code" if k == "to_organization" else k): v
                                       for k, v in exc.message_dict.items()})
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已开具介绍信 %(n)s，等待%(to)s接收") % {
                    "n": transfer.letter_number, "to": transfer.to_name})
                return redirect(f"{reverse('members:transfers', args=[member.organization_id])}#t{transfer.pk}")
    # The organization whose code the field holds, shown under it (name and parents) when the page comes back.
    receiver = _organization_by_code(form["to_code"].value() or "") if form.is_bound else None
    return _form_page(request, form, title=_("转接组织关系：%(n)s") % {"n": member.name},
                      receiver=org_selectors.with_chains([receiver])[0] if receiver else None, arrears=arrears,
                      back=reverse("members:detail", args=[member.pk]),
                      submit=_("仍然开具介绍信") if arrears else _("开具介绍信"),
                      intro=_("开具后，党员在对方接收前仍属本组织管理。介绍信有效期内对方未接收的，可重新开具。"),
                      facts=[(_("姓名"), member.name), (_("现所在党组织"), member.organization.name),
                             (_("党员类型"), member.get_member_type_display())])


def _transfer(request, pk: int, *, side: str = ""):
    """A transfer the caller sees; with `side` ("to" or "from") they must act for that side too."""
    transfer = access.get_in_scope_or_404(request, selectors.visible_transfers(actor=request.user), pk=pk)
    if side:
        access.require(request.user, Cap.MEMBER_TRANSFER, getattr(transfer, f"{side}_organization"))
    return transfer


def _back_to(request, transfer, org_pk: Any = None) -> HttpResponse:
    org_pk = org_pk or (transfer.to_organization_id if access.can(request.user, Cap.MEMBER_TRANSFER,
                                                                  transfer.to_organization)
                        else transfer.from_organization_id)
    return redirect(f"{reverse('members:transfers', args=[org_pk])}#t{transfer.pk}")


@access.page(Cap.MEMBER_TRANSFER)
@require_POST
def transfer_accept_view(request, pk: int):
    transfer = _transfer(request, pk)
    try:
        transfer = services.accept_transfer(actor=request.user, transfer=transfer, origin=origin_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已接收 %(n)s 的组织关系") % {"n": transfer.member_name})
    return _back_to(request, transfer, transfer.to_organization_id)


@access.page(Cap.MEMBER_TRANSFER)
def transfer_reject_view(request, pk: int):
    transfer = _transfer(request, pk, side="to")
    form = RejectTransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_transfer(actor=request.user, transfer=transfer, reason=form.cleaned_data["reason"],
                                     origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已退回，转出党组织将看到退回原因"))
            return _back_to(request, transfer, transfer.to_organization_id)
    return _form_page(request, form, title=_("退回组织关系转接"), submit=_("退回"),
                      back=reverse("members:transfers", args=[transfer.to_organization_id or transfer.from_organization_id]),
                      facts=_letter_facts(transfer))


def _letter_facts(transfer) -> list:
    return [(_("姓名"), transfer.member_name), (_("转出党组织"), transfer.from_name), (_("接收党组织"), transfer.to_name),
            (_("介绍信编号"), transfer.letter_number or transfer.external_letter_number or "—"),
            (_("有效期至"), transfer.valid_until.isoformat() if transfer.valid_until else "—")]


@access.page(Cap.MEMBER_TRANSFER)
def transfer_receipt_view(request, pk: int):
    """Record the paper receipt (回执) of a letter to an outside organization: the member leaves."""
    transfer = _transfer(request, pk, side="from")
    if transfer.kind != transfer.Kind.OUT:
        raise Http404
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_receipt(actor=request.user, transfer=transfer,
                                    received_on=form.cleaned_data["received_on"], origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记回执，%(n)s 的组织关系已转出") % {"n": transfer.member_name})
            return _back_to(request, transfer, transfer.from_organization_id)
    return _form_page(request, form, title=_("登记介绍信回执"), submit=_("登记回执"),
                      back=reverse("members:transfers", args=[transfer.from_organization_id or 0]),
                      intro=_("登记后，该党员的党籍状态记为“已转出”，不再计入本组织党员。"),
                      facts=_letter_facts(transfer))


@access.page(Cap.MEMBER_TRANSFER)
@require_POST
def transfer_reissue_view(request, pk: int):
    transfer = _transfer(request, pk)
    try:
        transfer = services.reissue_letter(actor=request.user, transfer=transfer, origin=origin_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新开具介绍信 %(n)s，有效期至 %(d)s") % {
            "n": transfer.letter_number, "d": transfer.valid_until.isoformat()})
    return _back_to(request, transfer, transfer.from_organization_id)


def _letter_id_number(request, transfer) -> str | None:
    """The full ID number for the letter when the caller may see full numbers at either side of the
    transfer (read through the audited reveal: one entry per print); None: the masked number."""
    member = transfer.member
    if member is None or not any(org is not None and access.can(request.user, Cap.MEMBER_VIEW_SENSITIVE, org)
                                 for org in (member.organization, transfer.from_organization,
                                             transfer.to_organization)):
        return None
    return member_services.reveal_id_number(actor=request.user, member=member, transfer=transfer,
                                            origin=origin_of(request))


@access.page(Cap.MEMBER_TRANSFER)
def transfer_letter_view(request, pk: int):
    """The letter of introduction as a PDF (存根, 介绍信, 回执), for either side of the transfer."""
    transfer = _transfer(request, pk)
    if not transfer.letter_number:
        raise Http404
    try:
        cjk_font()  # before the full number is read (and audited) for a letter that cannot be made
        data = transfer_letter_pdf(transfer, id_number=_letter_id_number(request, transfer))
    except FontMissing:
        messages.error(request, _("服务器缺少中文字体，暂时无法生成介绍信，请联系系统管理员"))
        sender = transfer.from_organization
        side = sender.pk if sender and access.can(request.user, Cap.MEMBER_TRANSFER, sender) else transfer.to_organization_id
        return redirect("members:transfers", org_pk=side)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="letter-{transfer.letter_number}.pdf"'
    return response


@access.page(Cap.MEMBER_TRANSFER)
def transfer_register_view(request, org_pk: int):
    """Register a member transferring in from an organization outside the platform."""
    org = _org(request, Cap.MEMBER_TRANSFER, org_pk)
    form = RegisterIncomingForm(request.POST or None, initial={"ethnicity": "汉族", "member_type": "full"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data.get(name) for name in member_rules.EDITABLE_FIELDS}
        try:
            transfer = services.register_incoming(
                actor=request.user, organization=org, fields=fields, id_number=data["id_number"],
                phone=data.get("phone", ""), from_name=data["from_name"],
                external_letter_number=data.get("external_letter_number", ""),
                letter_date=data.get("letter_date"), origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记转入党员 %(n)s") % {"n": transfer.member_name})
            return redirect("members:detail", pk=transfer.member_id)
    return render(request, "members/register_incoming.html", {"form": form, "org": org})


# --- mobile members ---------------------------------------------------------------------

@access.page(Cap.MEMBER_MOBILITY)
def mobility_view(request, org_pk: int):
    """Mobile members of an organization: who is away, who is hosted here, and what needs doing."""
    org = _org(request, Cap.MEMBER_MOBILITY, org_pk)
    context = mobility_selectors.mobility_of(actor=request.user, organization=org)
    return render(request, "members/mobility.html", {"org": org, **context})


@access.page(Cap.MEMBER_MOBILITY)
def outflow_start_view(request, pk: int):
    member = access.get_in_scope_or_404(
        request, member_selectors.members_in_scope(request.user, Cap.MEMBER_MOBILITY).select_related("organization"), pk=pk)
    form = OutflowForm(request.POST or None, initial={"issue_certificate": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        host = None
        if data["host_code"]:
            host = _organization_by_code(data["host_code"])
            if host is None:
                form.add_error("host_code", _("没有找到代码为 %(c)s 的党组织") % {"c": data["host_code"]})
        if not form.errors:
            try:
                outflow = mobility_services.record_outflow(
                    actor=request.user, member=member, destination=data["destination"], host_organization=host,
                    reason=data["reason"], left_on=data["left_on"], contact=data["contact"],
                    expected_return_on=data.get("expected_return_on"), origin=origin_of(request))
            except ValidationError as exc:
                exc = ValidationError({("host_code" if k == "host_organization" else k): v
                                       for k, v in exc.message_dict.items()})
                apply_service_errors(form, exc)
            else:
                if data["issue_certificate"]:
                    outflow = mobility_services.issue_certificate(actor=request.user, outflow=outflow,
                                                                  origin=origin_of(request))
                    messages.success(request, _("已登记外出，发放流动党员活动证 %(n)s") % {"n": outflow.certificate_number})
                else:
                    messages.success(request, _("已登记外出"))
                return redirect("members:mobility", org_pk=member.organization_id)
    return _form_page(request, form, title=_("登记外出流动：%(n)s") % {"n": member.name}, submit=_("登记"),
                      back=reverse("members:detail", args=[member.pk]),
                      intro=_("外出6个月以上且地点固定的，应转接组织关系；时间较短或地点不固定的，登记为流动党员并发放活动证。"),
                      facts=[(_("姓名"), member.name), (_("所在党组织"), member.organization.name)])


def _outflow(request, pk: int, *, side: str = ""):
    """An outflow the caller sees; with `side` ("home" or "host") they must act for that side too."""
    outflow = access.get_in_scope_or_404(request, mobility_selectors.visible_outflows(actor=request.user), pk=pk)
    if side:
        access.require(request.user, Cap.MEMBER_MOBILITY, getattr(outflow, f"{side}_organization"))
    return outflow


def _outflow_facts(outflow) -> list:
    return [(_("姓名"), outflow.member.name), (_("流出党组织"), outflow.home_organization.name),
            (_("流出去向"), outflow.destination), (_("外出日期"), outflow.left_on.isoformat()),
            (_("活动证"), outflow.certificate_number or "—")]


@access.page(Cap.MEMBER_MOBILITY)
@require_POST
def outflow_certificate_view(request, pk: int):
    outflow = _outflow(request, pk)
    form = CertificateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("活动证有效期：请填写正确的日期"))
        return redirect("members:mobility", org_pk=outflow.home_organization_id)
    try:
        outflow = mobility_services.issue_certificate(actor=request.user, outflow=outflow,
                                                      valid_until=form.cleaned_data.get("valid_until"),
                                                      origin=origin_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已发放流动党员活动证 %(n)s，有效期至 %(d)s") % {
            "n": outflow.certificate_number, "d": outflow.certificate_valid_until.isoformat()})
    return redirect("members:mobility", org_pk=outflow.home_organization_id)


def _record_view(request, pk: int, *, kind: str):
    outflow = _outflow(request, pk, side="host" if kind == "participation" else "home")
    form = MobilityRecordForm(request.POST or None)
    service = mobility_services.record_participation if kind == "participation" else mobility_services.record_report
    back_org = outflow.host_organization_id if kind == "participation" else outflow.home_organization_id
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, outflow=outflow, origin=origin_of(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, (_("已记录 %(n)s 参加组织生活") if kind == "participation"
                                       else _("已记录 %(n)s 的汇报")) % {"n": outflow.member.name})
            return redirect("members:mobility", org_pk=back_org)
    title = _("记录参加组织生活") if kind == "participation" else _("记录向流出党组织汇报")
    intro = (_("流动党员可以参加本组织的组织生活，但不参加表决、选举，不能被选举。")
             if kind == "participation" else _("流动党员每年至少向流出党组织汇报一次。"))
    return _form_page(request, form, title=title, intro=intro, back=reverse("members:mobility", args=[back_org or 0]),
                      facts=_outflow_facts(outflow), records=outflow.records.filter(kind=kind)[:20],
                      submit=_("记录"))


@access.page(Cap.MEMBER_MOBILITY)
def outflow_participation_view(request, pk: int):
    return _record_view(request, pk, kind="participation")


@access.page(Cap.MEMBER_MOBILITY)
def outflow_report_view(request, pk: int):
    return _record_view(request, pk, kind="report")


@access.page(Cap.MEMBER_MOBILITY)
def outflow_return_view(request, pk: int):
    outflow = _outflow(request, pk, side="home")
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mobility_services.record_return(actor=request.user, outflow=outflow,
                                            returned_on=form.cleaned_data["returned_on"], origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记返回，外出流动结束"))
            return redirect("members:mobility", org_pk=outflow.home_organization_id)
    return _form_page(request, form, title=_("登记返回"), submit=_("登记返回"), facts=_outflow_facts(outflow),
                      back=reverse("members:mobility", args=[outflow.home_organization_id]))

"""Dues pages (党费): the branch's month, a member's dues, declarations, reductions, payments
and receipts, reports of a subtree with Excel export, and the yearly income-and-use statement."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangwu.core import access, classification, spreadsheets, uploads
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.pagination import CappedPaginator
from dangwu.core.roles import Cap
from dangwu.core.spreadsheets import SpreadsheetError
from dangwu.members import selectors as member_selectors
from dangwu.orgs import selectors as org_selectors

from . import receipts, rules, selectors, services, sheets, tasks
from .forms import (
    AssessForm,
    DecisionForm,
    DeclarationForm,
    DeclarationImportForm,
    HostLookupForm,
    PaymentForm,
    ReductionForm,
    ReversalForm,
    UseForm,
)
from .models import Declaration, Reduction

DECLARATIONS_PER_PAGE = 50


def _today() -> date:
    return timezone.localdate()


def _month_param(request, name: str = "month", *, notify: bool = True) -> date:
    """The month a page shows (`?month=2026-03`), this month when none is given. A value that is not a
    month (a typo, an edited address) or a month that has not begun shows this month instead, with a
    message naming what was asked (`notify`): nothing is assessed or collected for a month to come,
    and the month navigation stops at this month."""
    current = rules.month_start(_today())
    raw = request.GET.get(name, "")
    if not raw:
        return current
    try:
        month = rules.parse_month(raw)
    except ValueError:
        if notify:
            messages.warning(request, _("“%(value)s”不是有效的月份（应为 2026-03 这样的年-月），已显示本月（%(current)s）。")
                             % {"value": raw[:20], "current": date_format(current, "YEAR_MONTH_FORMAT")})
        return current
    if month > current:
        if notify:
            messages.warning(request, _("%(month)s尚未到来，不能查看或核定党费，已显示本月（%(current)s）。")
                             % {"month": date_format(month, "YEAR_MONTH_FORMAT"),
                                "current": date_format(current, "YEAR_MONTH_FORMAT")})
        return current
    return month


def _year_param(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return _today().year
    return year if 2000 <= year <= 2100 else _today().year


def _org(request, pk, capability: str = Cap.DUES_VIEW) -> Any:
    return access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user, capability), pk=pk)


def _member(request, pk, capability: str | None = None) -> Any:
    qs = member_selectors.members_in_scope(request.user, capability) if capability else selectors.dues_members(actor=request.user)
    return access.get_in_scope_or_404(request, qs.select_related("organization"), pk=pk)


@access.page()
def dues_home_view(request):
    """Where dues start: the caller's organizations, or the caller's own dues."""
    roots = list(org_selectors.organizations_in_scope(request.user, Cap.DUES_VIEW).filter(
        path__in=access.scope_paths(request.user, Cap.DUES_VIEW)).order_by("path")[:20])
    if len(roots) == 1:
        return redirect("dues:org", pk=roots[0].pk)
    own = member_selectors.own_member(request.user)
    if not roots:
        if own is None:
            raise PermissionDenied
        return redirect("dues:member", pk=own.pk)
    return render(request, "dues/home.html", {"roots": roots, "own": own})


@access.page(Cap.DUES_VIEW)
def dues_org_view(request, pk: int):
    """An organization's dues of a month: summary, its own members (assess, record payments), the
    arrears with the 3- and 6-month warnings, and its child organizations."""
    org = _org(request, pk)
    month = _month_param(request)
    user = request.user
    rows = selectors.branch_month(actor=user, organization=org, month=month)
    total = selectors.totals(organization=org, month=month, year=month.year)
    # A committee's page sums its children (members owing, at 6+ months, amounts, rates: each line
    # drills down) and lists its own members only; a branch lists its members.
    summary = selectors.arrears_by_child(actor=user, organization=org, upto=month) if org.numchild else None
    arrears = selectors.arrears(actor=user, organization=org, upto=month, limit=200, own_only=bool(org.numchild))
    missing = [r for r in rows if r.assessment is None]
    return render(request, "dues/org.html", {
        "org": org, "month": month, "rows": rows, "total": total, "summary": summary,
        "previous": rules.add_months(month, -1), "next": rules.add_months(month, 1),
        "is_current": month == rules.month_start(_today()),
        "arrears": arrears,
        "openable": selectors.openable_member_ids(actor=user, member_ids=[r.member.pk for r in rows]
                                                  + [a.member.pk for a in arrears]),
        "must_act": [a for a in arrears if a.level == "self_departure"],
        "warned": [a for a in arrears if a.level == "warning"],
        "missing": missing,
        "undeclared": [r for r in rows if r.declaration is None and r.member.dues_standard is None],
        "can_collect": access.can(user, Cap.DUES_COLLECT, org),
        "runs": selectors.visible_runs(actor=user).filter(organization=org)[:5],
        "breadcrumb": org_selectors.ancestors_in_scope(actor=user, org=org),
        "assess_form": AssessForm(initial={"month": month}),
        "host_form": HostLookupForm(),
    })


@access.page(Cap.DUES_COLLECT)
@require_POST
def dues_assess_view(request, pk: int):
    """Start the monthly assessment of the organization's subtree (a background task)."""
    org = _org(request, pk, Cap.DUES_COLLECT)
    form = AssessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要核定的月份"))
        return redirect("dues:org", pk=org.pk)
    try:
        run = services.start_assessment(actor=request.user, organization=org, month=form.cleaned_data["month"],
                                        origin=origin_of(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("dues:org", pk=org.pk)
    return redirect("dues:run", pk=run.pk)


def _run_context(run, user=None) -> dict:
    return {"run": run, "back": f"{reverse('dues:org', args=[run.organization_id])}?month={run.month:%Y-%m}",
            "can_resume": user is not None and run.status == run.Status.FAILED
            and access.can(user, Cap.DUES_COLLECT, run.organization)}


@access.page(Cap.DUES_COLLECT)
@require_POST
def dues_run_resume_view(request, pk: int):
    """继续核定: queue a failed run again (a crash, a worker that died): it continues after the last
    committed batch and assesses nobody twice (`tasks.resume_assessment`)."""
    run = access.get_in_scope_or_404(request, selectors.visible_runs(actor=request.user), pk=pk)
    if not access.can(request.user, Cap.DUES_COLLECT, run.organization):
        raise PermissionDenied
    tasks.resume_assessment(run.pk)
    return redirect("dues:run", pk=run.pk)


@access.page(Cap.DUES_VIEW)
def dues_run_view(request, pk: int):
    run = access.get_in_scope_or_404(request, selectors.visible_runs(actor=request.user), pk=pk)
    return render(request, "dues/run.html", _run_context(run, request.user))


@access.page(Cap.DUES_VIEW)
@never_cache
def dues_run_progress_view(request, pk: int):
    run = access.get_in_scope_or_404(request, selectors.visible_runs(actor=request.user), pk=pk)
    return render(request, "dues/_run_status.html", _run_context(run, request.user))


@access.page()
def dues_member_view(request, pk: int):
    """A member's dues: the year's months, arrears, payments with receipts, declaration history."""
    member = _member(request, pk)
    year = _year_param(request)
    user = request.user
    ledger = selectors.member_ledger(member=member, year=year, today=_today())
    return render(request, "dues/member.html", {
        "member": member, "ledger": ledger,
        "year": year, "can_collect": access.can(user, Cap.DUES_COLLECT, member.organization),
        "can_view_org": access.can(user, Cap.DUES_VIEW, member.organization),
        "record_opens": bool(member_selectors.openable_member_ids(actor=user, member_ids=[member.pk])),
        "reversible": {p.pk for p in ledger.payments
                       if not p.is_reversed and selectors.can_reverse(actor=user, payment=p)},
    })


def _payment_recorded(payment) -> str:
    """The message after 登记缴费, with the button that prints the receipt to hand to the member
    (the message is safe HTML: the names in it are escaped by `format_html`)."""
    return format_html(
        '<span class="me-2">{}</span><a class="btn btn-sm btn-primary text-nowrap my-1" id="print-receipt" '
        'href="{}" target="_blank" rel="noopener"><i class="bi bi-printer" aria-hidden="true"></i> {}</a>',
        _("已登记 %(name)s 交纳党费 %(a)s 元（%(c)s），收据编号 %(n)s") % {
            "name": payment.member.name, "a": payment.total_amount, "n": payment.receipt_number,
            "c": receipts.capitals(payment.total_amount)},
        reverse("dues:receipt", args=[payment.pk]), _("打印收据"))


@access.page(Cap.DUES_COLLECT)
def dues_pay_view(request, pk: int):
    """Record a payment of a member: months (back payments ≤ 6 months, in advance to December),
    voluntary extra. `?host=<org>`: a mobile member paying at the caller's organization."""
    host = None
    if request.GET.get("host"):
        try:
            host = _org(request, int(request.GET["host"]), Cap.DUES_COLLECT)
        except ValueError:
            raise Http404 from None
        # Only the mobile member this caller looked up by full ID number (dues_host_lookup_view).
        if request.session.get("dues_host_member") != pk:
            raise Http404
        member = selectors.outflow_member(pk=pk)
        if member is None:
            raise Http404
    else:
        member = _member(request, pk, Cap.DUES_COLLECT)
    today = _today()
    payable = selectors.payable_months(member=member, today=today)
    choices = [(m.strftime("%Y-%m"), m.strftime("%Y-%m")) for m, amount, paid in payable
               if not paid and amount is not None]
    form = PaymentForm(request.POST or None, month_choices=choices, initial={"paid_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.record_payment(
                actor=request.user, member=member, months=[rules.parse_month(m) for m in data["months"]],
                method=data["method"], reference=data["reference"], paid_on=data["paid_on"],
                voluntary_amount=data.get("voluntary_amount"), collected_at=host, note=data["note"],
                origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _payment_recorded(payment))
            if host is not None:
                return redirect("dues:org", pk=host.pk)
            return redirect(f"{reverse('dues:org', args=[member.organization_id])}?month={request.GET.get('month', '')}"
                            if request.GET.get("month") else reverse("dues:org", args=[member.organization_id]))
    return render(request, "dues/pay.html", {"member": member, "form": form, "payable": payable, "host": host,
                                             "window": rules.payable_window(today)})


@access.page(Cap.DUES_COLLECT)
@require_POST
def dues_host_lookup_view(request, pk: int):
    """A host organization finds a mobile member by full ID number to collect their dues."""
    org = _org(request, pk, Cap.DUES_COLLECT)
    form = HostLookupForm(request.POST)
    member = None
    if form.is_valid():
        member = selectors.outflow_member_by_id_number(actor=request.user, id_number=form.cleaned_data["id_number"])
    if member is None:
        messages.error(request, _("没有找到这名流出党员：请核对公民身份号码（只能为“流出党员”代收党费）"))
        return redirect("dues:org", pk=org.pk)
    request.session["dues_host_member"] = member.pk
    return redirect(f"{reverse('dues:pay', args=[member.pk])}?host={org.pk}")


@access.page()
@never_cache
def dues_receipt_view(request, pk: int):
    payment = access.get_in_scope_or_404(request, selectors.visible_payments(actor=request.user), pk=pk)
    try:
        data = receipts.receipt_pdf(payment)
    except receipts.FontMissing:
        messages.error(request, _("服务器缺少中文字体，暂时无法生成收据，请联系系统管理员"))
        return redirect("dues:member", pk=payment.member_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{payment.receipt_number}.pdf"'
    return response


@access.page(Cap.DUES_COLLECT)
def dues_reverse_view(request, pk: int):
    """Reverse a payment recorded in error (冲正): the payment, its months and amounts, and a
    confirmation form asking for the reason. `dues.collect` at the payment's organization (or
    the host organization that collected it: `selectors.can_reverse`)."""
    payment = access.get_in_scope_or_404(request, selectors.visible_payments(actor=request.user), pk=pk)
    if not selectors.can_reverse(actor=request.user, payment=payment):
        raise PermissionDenied
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse_payment(actor=request.user, payment=payment, reason=form.cleaned_data["reason"],
                                     origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已冲正收据%(n)s的缴费（%(a)s 元），所交月份恢复为未交") % {
                "n": payment.receipt_number, "a": payment.total_amount})
            return redirect("dues:member", pk=payment.member_id)
    months = payment.covered_months()
    earliest, _latest = rules.payable_window(_today())
    return render(request, "dues/reverse.html", {
        "payment": payment, "form": form, "months_text": receipts.months_text(months),
        "closed_months": [m for m in months if m < earliest] if not payment.is_reversed else [],
    })


@access.page(Cap.DUES_COLLECT)
def dues_declare_view(request, pk: int):
    member = _member(request, pk, Cap.DUES_COLLECT)
    year = _year_param(request)
    current = Declaration.objects.filter(member=member, year=year).first()
    initial = {"year": year, "category": rules.category_for_occupation(member.occupation)}
    if current is not None:
        initial.update(category=current.category, base=current.base, farmer_amount=current.farmer_amount)
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.declare_dues(actor=request.user, member=member, year=data["year"], category=data["category"],
                                  base=data.get("base"), farmer_amount=data.get("farmer_amount"),
                                  reason=data.get("reason", ""), origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(name)s 的党费申报") % {"name": member.name})
            return redirect(f"{reverse('dues:member', args=[member.pk])}?year={data['year']}")
    return render(request, "dues/declare.html", {"member": member, "form": form, "current": current, "year": year})


@access.page(Cap.DUES_COLLECT)
def dues_declarations_view(request, pk: int):
    """The year's declarations of an organization's own members, a page at a time, and the upload
    of a sheet, imported in the background (`tasks.queue_declaration_import`): the sheet is only
    checked here (size, type, the workbook's parts, 涉密不上网), read by the task."""
    org = _org(request, pk, Cap.DUES_COLLECT)
    year = _year_param(request)
    form = DeclarationImportForm(request.POST or None, request.FILES or None, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        if not rules.is_declarable_year(data["year"], _today()):
            form.add_error("year", _("年度应为去年、今年或明年"))
        try:
            if upload.size > settings.DANGWU_DECLARATION_MAX_BYTES:
                raise SpreadsheetError(spreadsheets.size_limit_message(settings.DANGWU_DECLARATION_MAX_BYTES))
            if spreadsheets.sniff(upload.read(8), file_name=upload.name) == "xlsx":
                spreadsheets.check_zip(upload, max_rows=sheets.MAX_ROWS)  # before calamine opens it, below
            upload.seek(0)
        except SpreadsheetError as problem:
            form.add_error("file", problem.message)
        else:
            marked = classification.check_uploaded_file(upload)  # 涉密不上网: before anything is queued
            if marked:
                form.add_error("file", marked)
        if not form.errors:
            record = tasks.queue_declaration_import(actor=request.user, organization=org, upload=upload,
                                                    year=data["year"], reason=data["reason"],
                                                    client_ip=request.META.get("REMOTE_ADDR", ""))
            return redirect("dues:declaration_import", pk=record.pk)
    page = CappedPaginator(selectors.declaration_members(organization=org), DECLARATIONS_PER_PAGE).get_page(
        request.GET.get("page"))
    declarations = {d.member_id: d for d in Declaration.objects.filter(member__in=list(page), year=year)}
    recent = selectors.visible_declaration_imports(actor=request.user).filter(organization=org)[:5]
    return render(request, "dues/declarations.html", {
        "org": org, "year": year, "form": form, "page": page, "recent": recent,
        "rows": [(m, declarations.get(m.pk)) for m in page],
        "columns": sheets.COLUMNS, "categories": sheets.CATEGORY_WORDS,
    })


def _declaration_import(request, pk: int):
    return access.get_in_scope_or_404(request, selectors.visible_declaration_imports(actor=request.user), pk=pk)


def _declaration_import_context(record) -> dict:
    errors = [(list(error) + [""])[:5] for error in record.errors[:200]]
    return {"record": record, "errors": errors, "more_errors": max(0, record.error_count - 200)}


@access.page(Cap.DUES_COLLECT)
def dues_declaration_import_view(request, pk: int):
    """How an import of a declarations sheet goes: polled while it runs, then its outcome and errors."""
    record = _declaration_import(request, pk)
    return render(request, "dues/declaration_import.html", _declaration_import_context(record))


@access.page(Cap.DUES_COLLECT)
@never_cache
def dues_declaration_import_progress_view(request, pk: int):
    """htmx fragment polled every second while the import runs."""
    record = _declaration_import(request, pk)
    return render(request, "dues/_declaration_import_status.html", _declaration_import_context(record))


@access.page(Cap.DUES_COLLECT)
@never_cache
def dues_declaration_import_errors_view(request, pk: int):
    """The error report (.xlsx): row, column, value (ID numbers masked), reason."""
    return uploads.error_report_response(_declaration_import(request, pk), default_stem="declarations")


@access.page(Cap.DUES_COLLECT)
def dues_reduction_request_view(request, pk: int):
    member = _member(request, pk, Cap.DUES_COLLECT)
    month = rules.month_start(_today())
    form = ReductionForm(request.POST or None, initial={"start_month": month, "end_month": date(month.year, 12, 1),
                                                        "kind": Reduction.Kind.EXEMPT})
    if request.method == "POST" and form.is_valid():
        try:
            services.request_reduction(actor=request.user, member=member, origin=origin_of(request),
                                       **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已提交减免申请，等待上级党委审批"))
            return redirect("dues:member", pk=member.pk)
    return render(request, "dues/reduction_form.html", {
        "member": member, "form": form, "standard": selectors.amount_for(member=member, month=month)})


@access.page(Cap.DUES_VIEW)
def dues_reductions_view(request):
    """Reduction requests: those the caller may decide first, then those of the caller's scope;
    `?show=to_decide` (the to-do list's link) shows only the first."""
    user = request.user
    to_decide = list(selectors.reductions_to_decide(actor=user)[:300])
    only_to_decide = request.GET.get("show") == "to_decide"
    decidable = {r.pk for r in to_decide}
    others = [] if only_to_decide else [r for r in selectors.visible_reductions(actor=user)[:300]
                                        if r.pk not in decidable]
    return render(request, "dues/reductions.html", {
        "to_decide": to_decide, "others": others, "only_to_decide": only_to_decide,
    })


@access.page(Cap.DUES_APPROVE)
@require_POST
def dues_reduction_decide_view(request, pk: int):
    reduction = access.get_in_scope_or_404(request, selectors.visible_reductions(actor=request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或不批准"))
        return redirect("dues:reductions")
    try:
        services.decide_reduction(actor=request.user, reduction=reduction,
                                  approve=form.cleaned_data["decision"] == "approve",
                                  note=form.cleaned_data.get("note", ""), origin=origin_of(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已审批"))
    return redirect("dues:reductions")


@access.page(Cap.DUES_VIEW)
def dues_report_view(request, pk: int):
    org = _org(request, pk)
    year = _year_param(request)
    month = None
    if request.GET.get("month"):
        month = _month_param(request)
        year = month.year
    report = selectors.report(actor=request.user, organization=org, year=year, month=month)
    monthly = [(m, selectors.totals(organization=org, year=year, month=m)) for m in rules.months_of_year(year)
               if m <= rules.month_start(_today())] if month is None else []
    return render(request, "dues/report.html", {
        "org": org, "year": year, "month": month, "report": report, "monthly": monthly,
        "breadcrumb": org_selectors.ancestors_in_scope(actor=request.user, org=org),
        "months": [m for m in rules.months_of_year(year) if m <= rules.month_start(_today())],
    })


@access.page(Cap.DUES_VIEW)
@never_cache
def dues_report_export_view(request, pk: int):
    """The report as .xlsx (one row per organization, and the total)."""
    from dangwu.core.spreadsheets import WorkbookWriter

    org = _org(request, pk)
    year = _year_param(request)
    month = _month_param(request, notify=False) if request.GET.get("month") else None
    if month is not None:
        year = month.year
    report = selectors.report(actor=request.user, organization=org, year=year, month=month)
    book = WorkbookWriter()
    sheet = book.sheet(_("党费收缴统计"), widths=(36, 14, 10, 10, 14, 14, 14, 12))
    period = month.strftime("%Y-%m") if month else str(year)
    sheet.append([_("%(o)s 党费收缴统计（%(p)s）") % {"o": org.name, "p": period}])
    sheet.append([sheet.cell(title, bold=True) for title in (
        _("党组织"), _("党组织代码"), _("应交人次"), _("已交人次"), _("应交（元）"), _("已交（元）"), _("未交（元）"),
        _("收缴率（%）"))])
    for line in report.lines:
        t = line.totals
        name = line.organization.name + (_("（本级直属）") if line.direct else "")
        sheet.append([name, line.organization.code, t.members, t.paid_members, t.due, t.collected, t.outstanding,
                      t.rate])
    t = report.total
    sheet.append([_("合计"), org.code, t.members, t.paid_members, t.due, t.collected, t.outstanding, t.rate])
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{_('党费收缴统计')}-{org.code}-{period}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    book.save(response)
    return response


@access.page(Cap.DUES_VIEW)
def dues_statement_view(request, pk: int):
    """The yearly income-and-use statement (党费收缴使用情况) a committee publishes."""
    org = _org(request, pk)
    year = _year_param(request)
    can_record = access.can(request.user, Cap.DUES_COLLECT, org)
    form = UseForm(request.POST or None, initial={"used_on": _today()}) if can_record else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.record_use(actor=request.user, organization=org, origin=origin_of(request),
                                    **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已登记党费使用"))
                return redirect(f"{reverse('dues:statement', args=[org.pk])}?year={year}")
    return render(request, "dues/statement.html", {
        "org": org, "year": year, "statement": selectors.statement(actor=request.user, organization=org, year=year),
        "form": form,
    })

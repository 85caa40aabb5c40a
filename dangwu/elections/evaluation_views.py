"""Pages of the democratic evaluation of members (民主评议党员): an organization's evaluation of the
year and the figures below it, the evaluation's page (the branch's steps, the members' publicity,
the superior's approval), a member's self-assessment and rating pages, and the buttons of each step.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangwu.core import access, formtools
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.roles import Cap

from . import evaluation_rules as rules
from . import evaluation_selectors as selectors
from . import evaluation_services as services
from .evaluation_forms import OpenForm, SelfAssessmentForm
from .evaluation_models import Evaluation, EvaluationEntry, Grade, Measure

FIELDS = {
    "organization": gettext_lazy("党支部"), "year": gettext_lazy("年度"), "publicity_days": gettext_lazy("公示天数"),
    "phase": gettext_lazy("阶段"), "member": gettext_lazy("党员"), "grade": gettext_lazy("评定等次"),
    "reason": gettext_lazy("理由"), "meeting_on": gettext_lazy("党员大会日期"), "note": gettext_lazy("说明"),
    "publicity_until": gettext_lazy("公示截止"), "approval": gettext_lazy("上级审批"),
    "measure": gettext_lazy("处置措施"), "self_assessment": gettext_lazy("个人自评"),
    "new_standing": gettext_lazy("党籍状态"),
}
Phase = Evaluation.Phase


def _year(request) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year else today.year


def _refusal(exc: ValidationError) -> str:
    """A service's refusal as one message, each part naming its field."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return " ".join(f"{FIELDS.get(f.split('_')[0] if f.startswith('grade_') else f, f)}：{m}"
                    for f, ms in exc.message_dict.items() for m in ms)


def _act(request, service: Callable[..., Any], success: str, **arguments: Any) -> bool:
    return formtools.call_for_button(request, service, success, describe=_refusal, **arguments)


def _organization(request, org_id: int) -> Any:
    return access.get_in_scope_or_404(request, selectors.organizations_visible(actor=request.user), pk=org_id)


def _evaluation(request, evaluation_id: int) -> Evaluation:
    return access.get_in_scope_or_404(request, selectors.evaluations_visible(actor=request.user), pk=evaluation_id)


def _managed(request, evaluation_id: int) -> Evaluation:
    evaluation = _evaluation(request, evaluation_id)
    if not selectors.may_manage(actor=request.user, evaluation=evaluation):
        raise Http404
    return evaluation


def _entry(request, entry_id: int) -> EvaluationEntry:
    return access.get_in_scope_or_404(request, selectors.entries_visible(actor=request.user), pk=entry_id)


def _own(request, evaluation_id: int) -> tuple[Evaluation, EvaluationEntry]:
    evaluation = _evaluation(request, evaluation_id)
    entry = selectors.own_entry(actor=request.user, evaluation=evaluation)
    if entry is None:
        raise Http404
    return evaluation, entry


def _back(evaluation: Evaluation, anchor: str = "") -> Any:
    response = redirect("elections:evaluation:detail", evaluation.pk)
    response["Location"] += f"#{anchor}" if anchor else ""
    return response


@access.page()
def home(request):
    """民主评议: the first organization of the caller's scope, or their own branch."""
    return redirect("elections:evaluation:org", access.home_organization_id(request.user, Cap.EVALUATION_VIEW))


@access.page()
def org(request, org_id: int):
    """An organization's evaluation of the year (a branch) and the grades below it (a committee)."""
    organization = _organization(request, org_id)
    year = _year(request)
    manages = access.can(request.user, Cap.EVALUATION_MANAGE, organization)
    evaluation = selectors.evaluation_of(organization=organization, year=year) if organization.is_branch else None
    return render(request, "elections/evaluation_org.html", {
        "org": organization, "year": year, "previous": year - 1,
        "next": year + 1 if year < timezone.localdate().year else None,
        "evaluation": evaluation, "manages": manages,
        "open_form": OpenForm(initial={"year": year, "publicity_days": 5})
        if manages and organization.is_branch and evaluation is None else None,
        "figures": selectors.figures(organization=organization, year=year)
        if access.can(request.user, Cap.EVALUATION_VIEW, organization) else None,
        "pending": selectors.pending_approvals(actor=request.user, organization=organization),
        "grades": Grade.choices,
    })


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def open_evaluation(request, org_id: int):
    organization = _organization(request, org_id)
    if not access.can(request.user, Cap.EVALUATION_MANAGE, organization):
        raise Http404
    form = OpenForm(request.POST)
    if form.is_valid():
        try:
            evaluation = services.open_evaluation(actor=request.user, origin=origin_of(request), organization=organization,
                                                  year=form.cleaned_data["year"],
                                                  publicity_days=form.cleaned_data["publicity_days"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("民主评议已启动，党员可以提交个人自评。"))
            return redirect("elections:evaluation:detail", evaluation.pk)
    return render(request, "elections/evaluation_org.html", {
        "org": organization, "year": timezone.localdate().year, "manages": True, "open_form": form,
        "figures": None, "pending": [], "grades": Grade.choices}, status=400)


@access.page()
def detail(request, evaluation_id: int):
    evaluation = _evaluation(request, evaluation_id)
    user = request.user
    manages = selectors.may_manage(actor=user, evaluation=evaluation)
    own = selectors.own_entry(actor=user, evaluation=evaluation)
    entries = list(selectors.entries_of(evaluation=evaluation))
    closed_rating = evaluation.phase not in selectors.OPEN_TO_MEMBERS  # no running count while members rate
    counts = selectors.rating_counts(evaluation=evaluation) if manages and closed_rating else {}
    for entry in entries:
        entry.tally = counts.get(entry.pk, rules.Count())  # type: ignore[attr-defined]
    return render(request, "elections/evaluation.html", {
        "evaluation": evaluation, "org": evaluation.organization, "manages": manages,
        "approves": selectors.may_approve(actor=user, evaluation=evaluation),
        "sees_grades": manages or evaluation.phase in selectors.DECIDED, "entries": entries, "own": own,
        "own_rated": own is not None and selectors.has_rated(entry=own),
        "raters": selectors.raters_count(evaluation=evaluation),
        "self_done": sum(1 for e in entries if e.self_assessed_on),
        "grades": Grade.choices, "measures": Measure.choices, "today": timezone.localdate(),
        "phases": Phase.choices,
    })


@access.page()
def self_assessment(request, evaluation_id: int):
    evaluation, entry = _own(request, evaluation_id)
    status = 200
    if request.method == "POST":
        form = SelfAssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.write_self_assessment(actor=request.user, origin=origin_of(request), evaluation=evaluation,
                                               text=form.cleaned_data["self_assessment"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("个人自评已保存。"))
                return _back(evaluation)
        status = 400
    else:
        form = SelfAssessmentForm(initial={"self_assessment": entry.self_assessment})
    return render(request, "elections/evaluation_self.html", {
        "evaluation": evaluation, "entry": entry, "form": form,
        "open": evaluation.phase in selectors.OPEN_TO_MEMBERS}, status=status)


@access.page()
def rate(request, evaluation_id: int):
    """The member's rating page: every other member of the roster, four choices each (or none)."""
    evaluation, entry = _own(request, evaluation_id)
    ratees = list(selectors.ratees_of(entry=entry))
    chosen: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        chosen = {str(e.pk): request.POST.get(f"grade_{e.pk}", "") for e in ratees}
        try:
            rated = services.submit_ratings(actor=request.user, origin=origin_of(request), evaluation=evaluation,
                                            grades=chosen)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"member": exc.messages}
            status = 400
        else:
            messages.success(request, _("互评已提交（评议 %(n)d 人）。评议不记名，任何人都无法查看您的选择。") % {"n": rated})
            return _back(evaluation)
    rows = [{"entry": e, "chosen": chosen.get(str(e.pk), ""), "errors": errors.get(f"grade_{e.pk}", [])}
            for e in ratees]
    general = [m for f, ms in errors.items() if not f.startswith("grade_") for m in ms]
    return render(request, "elections/evaluation_rate.html", {
        "evaluation": evaluation, "rows": rows, "grades": Grade.choices, "general_errors": general,
        "rated": selectors.has_rated(entry=entry), "open": evaluation.phase == Phase.RATING}, status=status)


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def advance(request, evaluation_id: int):
    evaluation = _managed(request, evaluation_id)
    _act(request, services.advance, _("已进入下一阶段。"), evaluation=evaluation)
    return _back(evaluation)


def _managed_entry(request, entry_id: int) -> EvaluationEntry:
    entry = _entry(request, entry_id)
    if not selectors.may_manage(actor=request.user, evaluation=entry.evaluation):
        raise Http404
    return entry


def _entry_step(request, entry_id: int, service: Callable[..., Any], success: str, *fields: str) -> Any:
    """A branch's step on one member's entry: the service with the named fields of the form."""
    entry = _managed_entry(request, entry_id)
    _act(request, service, success % {"n": entry.member.name}, entry=entry,
         **{name: request.POST.get(name, "") for name in fields})
    return _back(entry.evaluation, f"entry-{entry.pk}")


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def propose(request, entry_id: int):
    return _entry_step(request, entry_id, services.propose_grade, _("已更新 %(n)s 的支委会意见。"), "grade", "reason")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def decide(request, evaluation_id: int):
    evaluation = _managed(request, evaluation_id)
    _act(request, services.record_decision, _("党员大会评定结果已记录，公示开始。"), evaluation=evaluation,
         meeting_on=_date(request.POST.get("meeting_on", "")), note=request.POST.get("note", ""))
    return _back(evaluation)


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def end_publicity(request, evaluation_id: int):
    evaluation = _managed(request, evaluation_id)
    _act(request, services.end_publicity, _("公示已结束。"), evaluation=evaluation)
    return _back(evaluation)


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def approve(request, entry_id: int):
    entry = _entry(request, entry_id)
    if not selectors.may_approve(actor=request.user, evaluation=entry.evaluation):
        raise Http404
    approved = request.POST.get("decision") == "approve"
    _act(request, services.decide_approval, _("已批准。") if approved else _("已退回支部。"), entry=entry,
         approve=approved, reason=request.POST.get("reason", ""))
    return _back(entry.evaluation, f"entry-{entry.pk}")


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def revise(request, entry_id: int):
    return _entry_step(request, entry_id, services.revise_grade, _("已重新评定 %(n)s 的等次。"), "grade", "reason")


@require_POST
@access.page(Cap.EVALUATION_MANAGE)
def measure(request, entry_id: int):
    return _entry_step(request, entry_id, services.record_measure, _("已记录 %(n)s 的处置措施。"), "measure", "note")

"""Organization pages: the tree, an organization's page, create/edit, committee appointments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import access, registries
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.roles import Cap

from . import selectors, services
from .forms import AppointForm, OrganizationForm


def _with_member_totals(user, nodes) -> list:
    """The nodes, each with `member_total`: the members of its subtree (from the roll-ups, one query
    for the whole list), or None where the viewer may not see its members."""
    nodes = list(nodes)
    totals = registries.subtree_member_totals(user=user, organizations=nodes)
    for node in nodes:
        node.member_total = totals.get(node.pk)
    return nodes


@access.page(Cap.ORG_VIEW)
def tree_view(request):
    query = request.GET.get("q", "").strip()[:60]
    return render(request, "orgs/tree.html", {
        "roots": _with_member_totals(request.user, selectors.tree_roots(actor=request.user)),
        "query": query,
        "results": selectors.search_organizations(actor=request.user, query=query) if query else None,
    })


@access.page(Cap.ORG_VIEW)
def children_view(request, pk: int):
    """htmx fragment: the children of one node of the tree."""
    org = access.get_in_scope_or_404(request, selectors.visible_organizations(actor=request.user), pk=pk)
    return render(request, "orgs/_children.html", {
        "nodes": _with_member_totals(request.user, selectors.children(actor=request.user, parent=org))})


@access.page()
def detail_view(request, pk: int):
    """An organization's page: its own facts, committee and children, then whatever the apps
    registered as sections of it (its members, statistics, transfers …: decision 0015)."""
    org = access.get_in_scope_or_404(request, selectors.visible_organizations(actor=request.user), pk=pk)
    user = request.user
    committee = list(selectors.current_committee(org=org))
    counts = registries.member_counts(organization=org)
    facts = {"committee": committee, "member_counts": counts}
    sections: dict[str, list[dict]] = {}
    for section in registries.org_sections:
        context = section.context(request=request, organization=org, facts=facts)
        if context is not None:
            sections.setdefault(section.slot, []).append({"card": section, "context": context})
    return render(request, "orgs/detail.html", {
        "org": org,
        "breadcrumb": selectors.ancestors_in_scope(actor=user, org=org),
        "children": _with_member_totals(user, selectors.children(actor=user, parent=org)),
        "committee": committee,
        # names link to the records the viewer may open, and only those (a plain member sees names)
        "openable_members": registries.openable_members(user=user, member_ids=[p.member_id for p in committee]),
        "counts": counts,
        "warnings": registries.warnings_of(organization=org, facts=facts),
        "sections": sections,
        "can_edit": access.can(user, Cap.ORG_EDIT, org),
        "today": timezone.localdate(),
    })


@access.page(Cap.ORG_EDIT)
def create_view(request, parent_pk: int):
    parent = access.get_in_scope_or_404(request, selectors.organizations_in_scope(request.user, Cap.ORG_EDIT), pk=parent_pk)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organization(actor=request.user, parent=parent, fields=form.cleaned_data,
                                               origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已设立 %(name)s") % {"name": org.name})
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": parent, "org": None})


@access.page(Cap.ORG_EDIT)
def edit_view(request, pk: int):
    org = access.get_in_scope_or_404(request, selectors.organizations_in_scope(request.user, Cap.ORG_EDIT), pk=pk)
    form = OrganizationForm(request.POST or None, instance=org, editing=True)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            services.update_organization(actor=request.user, organization=org, fields=fields, origin=origin_of(request))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": None, "org": org})


@access.page(Cap.ORG_EDIT)
def appoint_view(request, pk: int):
    org = access.get_in_scope_or_404(request, selectors.organizations_in_scope(request.user, Cap.ORG_EDIT), pk=pk)
    candidates = registries.appointable_members(actor=request.user, organization=org)
    form = AppointForm(request.POST or None, members_qs=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.appoint_committee_member(actor=request.user, organization=org, origin=origin_of(request),
                                              **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已任命"))
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/appoint.html", {"form": form, "org": org})


@access.page(Cap.ORG_VIEW)
def terms_view(request):
    """换届提醒: the organizations of the caller's scope whose committee's term has ended or ends
    within DANGWU_TERM_NOTICE_MONTHS, soonest first, paged."""
    from django.conf import settings

    from dangwu.core.pagination import CappedPaginator

    page = CappedPaginator(selectors.terms_due(actor=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "orgs/terms.html", {"page": page, "today": timezone.localdate(),
                                               "months": settings.DANGWU_TERM_NOTICE_MONTHS})

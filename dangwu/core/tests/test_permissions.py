"""The permission test: every route of the platform, with at least one allowed and one denied caller.

`test_every_route_is_covered` walks the URL resolver and fails when a route is missing from
ROUTES below, or when its view is not guarded by `dangwu.core.access`.
Callers stand at every distance from branch A: its own secretary, the sibling branch's
secretary, the other city's organization department, roles without the capability, and
anonymous visitors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from dangwu.core.access import CapabilityPermission


@dataclass
class Route:
    url: str  # formatted with the fixture objects: {branch_a}, {m_plain}, …
    method: str = "get"
    allowed: dict[str, int] = field(default_factory=dict)  # caller → expected status
    denied: dict[str, int] = field(default_factory=dict)
    public: bool = False  # reachable without login by design (login, language, token)
    data: dict | None = None


LOGIN_REDIRECT = 302  # anonymous callers of pages are sent to the login page

ROUTES: dict[str, Route] = {
    # core
    "core:home": Route("/", allowed={"plain": 200, "secretary": 200, "auditor": 200}, denied={"anonymous": LOGIN_REDIRECT}),
    "core:login": Route("/accounts/login/", public=True, allowed={"anonymous": 200}),
    "core:logout": Route("/accounts/logout/", method="post", public=True, allowed={"anonymous": 302, "plain": 302}),
    "core:password_change": Route("/accounts/password/", allowed={"plain": 200, "secretary": 200},
                                  denied={"anonymous": LOGIN_REDIRECT}),
    "core:otp_verify": Route("/accounts/otp/", public=True, allowed={"secretary": 302}, denied={"anonymous": 302}),
    "core:otp_setup": Route("/accounts/otp/setup/", public=True, allowed={"secretary": 200}, denied={"anonymous": 302}),
    "core:set_language": Route("/i18n/setlang/", method="post", public=True, data={"language": "en", "next": "/"},
                               allowed={"anonymous": 302}),
    "core:audit_log": Route("/audit/", allowed={"auditor": 200},
                            denied={"secretary": 403, "province": 403, "sysadmin": 403, "anonymous": LOGIN_REDIRECT}),
    "core:roles": Route("/roles/", allowed={"security": 200},
                        denied={"province": 403, "sysadmin": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "core:role_revoke": Route("/roles/{assignment}/revoke/", method="post", allowed={"security": 302},
                              denied={"province": 403, "secretary": 403, "anonymous": LOGIN_REDIRECT}),
    # organizations
    "orgs:tree": Route("/orgs/", allowed={"secretary": 200, "province": 200},
                       denied={"plain": 403, "anonymous": LOGIN_REDIRECT}),
    "orgs:detail": Route("/orgs/{branch_a}/", allowed={"secretary": 200, "plain": 200, "city_a": 200},
                         denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "orgs:children": Route("/orgs/{county_a}/children/", allowed={"city_a": 200},
                           denied={"secretary": 404, "city_b": 404, "plain": 403}),
    "orgs:edit": Route("/orgs/{branch_a}/edit/", allowed={"city_a": 200, "province": 200},
                       denied={"secretary": 403, "city_b": 404, "discipline": 403}),
    "orgs:appoint": Route("/orgs/{branch_a}/appoint/", allowed={"city_a": 200},
                          denied={"secretary": 403, "city_b": 404}),
    "orgs:create": Route("/orgs/{branch_a}/new/", allowed={"city_a": 200},
                         denied={"secretary": 403, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    # members
    "members:search": Route("/members/?q=zs", allowed={"secretary": 200, "province": 200},
                            denied={"plain": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "members:detail": Route("/members/{m_plain}/", allowed={"secretary": 200, "plain": 200, "city_a": 200},
                            denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "members:edit": Route("/members/{m_plain}/edit/", allowed={"secretary": 200, "city_a": 200},
                          denied={"sibling": 404, "city_b": 404, "discipline": 403, "plain": 403}),
    "members:standing": Route("/members/{m_plain}/standing/", allowed={"secretary": 200},
                              denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:reveal": Route("/members/{m_plain}/reveal/id_number/", method="post",
                            allowed={"secretary": 200, "discipline": 200},
                            denied={"sibling": 404, "city_b": 404, "sysadmin": 403, "plain": 403}),
    "members:create": Route("/members/new/in/{branch_a}/", allowed={"secretary": 200},
                            denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:import": Route("/members/import/", allowed={"secretary": 200, "city_a": 200},
                            denied={"plain": 403, "sysadmin": 403, "discipline": 403, "anonymous": LOGIN_REDIRECT}),
    # {roster_import}: an import uploaded by branch A's secretary into branch A, with an error report
    "members:import_status": Route("/members/import/{roster_import}/", allowed={"secretary": 200, "city_a": 200},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "members:import_progress": Route("/members/import/{roster_import}/progress/", allowed={"secretary": 200},
                                     denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:import_errors": Route("/members/import/{roster_import}/errors.xlsx",
                                   allowed={"secretary": 200, "city_a": 200},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:export": Route("/members/export/?org={branch_a}",
                            allowed={"secretary": 200, "city_a": 200, "sysadmin": 200, "discipline": 200},
                            denied={"sibling": 404, "city_b": 404, "plain": 403, "auditor": 403,
                                    "anonymous": LOGIN_REDIRECT}),
    # {roster_export}: a finished export of branch A asked for by its secretary (only the asker sees it)
    "members:export_status": Route("/members/export/{roster_export}/", allowed={"secretary": 200},
                                   denied={"city_a": 404, "sibling": 404, "plain": 403, "anonymous": LOGIN_REDIRECT}),
    "members:export_progress": Route("/members/export/{roster_export}/progress/", allowed={"secretary": 200},
                                     denied={"city_a": 404, "city_b": 404, "auditor": 403}),
    "members:export_download": Route("/members/export/{roster_export}/download.xlsx", allowed={"secretary": 200},
                                     denied={"city_a": 404, "sibling": 404, "plain": 403}),
    # transfers (组织关系转接): {transfer} goes from branch A to branch B (city B receives);
    # {transfer_out} from branch A to an organization outside the platform
    "members:transfers": Route("/members/transfers/in/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                               denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                       "anonymous": LOGIN_REDIRECT}),
    "members:transfer_register": Route("/members/transfers/in/{branch_a}/register/", allowed={"secretary": 200},
                                       denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:transfer_start": Route("/members/{m_plain}/transfer/", allowed={"secretary": 200, "city_a": 200},
                                    denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "members:transfer_accept": Route("/members/transfers/{transfer}/accept/", method="post",
                                     allowed={"city_b": 302},
                                     denied={"secretary": 403, "sibling": 404, "plain": 403,
                                             "anonymous": LOGIN_REDIRECT}),
    "members:transfer_reject": Route("/members/transfers/{transfer}/reject/", allowed={"city_b": 200},
                                     denied={"secretary": 403, "sibling": 404, "plain": 403}),
    "members:transfer_receipt": Route("/members/transfers/{transfer_out}/receipt/", allowed={"secretary": 200},
                                      denied={"city_b": 404, "sibling": 404, "plain": 403}),
    "members:transfer_reissue": Route("/members/transfers/{transfer}/reissue/", method="post",
                                      allowed={"secretary": 302},
                                      denied={"city_b": 403, "sibling": 404, "plain": 403}),
    "members:transfer_letter": Route("/members/transfers/{transfer}/letter.pdf", allowed={"secretary": 200, "city_b": 200},
                                     denied={"sibling": 404, "plain": 403, "anonymous": LOGIN_REDIRECT}),
    # mobile members (流动党员): {outflow} is branch A's member away at a place hosted by branch B
    "members:mobility": Route("/members/mobility/in/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                              denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "members:outflow_start": Route("/members/{m_plain}/outflow/", allowed={"secretary": 200},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:outflow_certificate": Route("/members/mobility/{outflow}/certificate/", method="post",
                                         allowed={"secretary": 302},
                                         denied={"city_b": 403, "sibling": 404, "plain": 403}),
    "members:outflow_participation": Route("/members/mobility/{outflow}/participation/", allowed={"city_b": 200},
                                           denied={"secretary": 403, "sibling": 404, "plain": 403}),
    "members:outflow_report": Route("/members/mobility/{outflow}/report/", allowed={"secretary": 200},
                                    denied={"city_b": 403, "sibling": 404, "plain": 403}),
    "members:outflow_return": Route("/members/mobility/{outflow}/return/", allowed={"secretary": 200},
                                    denied={"city_b": 403, "sibling": 404, "plain": 403}),
    # API
    "api-token": Route("/api/v1/auth/token/", method="post", public=True,
                       data={"username": "member_a", "password": "test-pass-2026!"}, allowed={"anonymous": 200}),
    "organization-list": Route("/api/v1/organizations/", allowed={"secretary": 200, "plain": 200},
                               denied={"anonymous": 401}),
    "organization-detail": Route("/api/v1/organizations/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                                 denied={"sibling": 404, "city_b": 404, "anonymous": 401}),
    "organization-stats": Route("/api/v1/organizations/{branch_a}/stats/",
                                allowed={"secretary": 200, "city_a": 200, "province": 200},
                                denied={"sibling": 404, "city_b": 404, "plain": 403, "auditor": 403,
                                        "anonymous": 401}),
    "member-list": Route("/api/v1/members/", allowed={"secretary": 200, "plain": 200}, denied={"anonymous": 401}),
    "member-detail": Route("/api/v1/members/{m_plain}/", allowed={"secretary": 200, "plain": 200},
                           denied={"sibling": 404, "city_b": 404, "anonymous": 401}),
    "member-search": Route("/api/v1/members/search/", method="post", data={"q": "zs"},
                           allowed={"secretary": 200, "plain": 200, "auditor": 200}, denied={"anonymous": 401}),
    "transfer-list": Route("/api/v1/transfers/", allowed={"secretary": 200, "city_b": 200},
                           denied={"plain": 403, "discipline": 403, "anonymous": 401}),
    "transfer-detail": Route("/api/v1/transfers/{transfer}/", allowed={"secretary": 200, "city_b": 200},
                             denied={"sibling": 404, "plain": 403, "anonymous": 401}),
    "transfer-accept": Route("/api/v1/transfers/{transfer}/accept/", method="post", allowed={"city_b": 200},
                             denied={"secretary": 403, "sibling": 404, "anonymous": 401}),
    "transfer-reject": Route("/api/v1/transfers/{transfer}/reject/", method="post", data={"reason": "信息有误"},
                             allowed={"city_b": 200}, denied={"secretary": 403, "sibling": 404, "anonymous": 401}),
    "api-schema": Route("/api/schema/", allowed={"plain": 200}, denied={"anonymous": 401}),
    "api-docs": Route("/api/docs/", allowed={"plain": 200}, denied={"anonymous": 401}),
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            yield from _walk(p.url_patterns, prefix + ns)
        elif isinstance(p, URLPattern):
            yield (prefix + p.name) if p.name else None, p


def test_every_route_is_covered():
    missing, unguarded = [], []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name is None or name not in ROUTES:
            missing.append(name or str(pattern.pattern))
        callback = pattern.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        guarded = hasattr(callback, "dangwu_access") or (
            view_class is not None
            and (getattr(view_class, "dangwu_access", None) or CapabilityPermission in view_class.permission_classes)
        )
        if not guarded:
            unguarded.append(name)
    assert not missing, f"routes missing from the permission test: {sorted(set(missing))}"
    assert not unguarded, f"routes not guarded by core.access: {unguarded}"


def test_every_route_has_allowed_and_denied_callers():
    for name, route in ROUTES.items():
        assert route.allowed, f"{name} has no allowed caller"
        assert route.denied or route.public, f"{name} has no denied caller"


def _cases():
    for name, route in ROUTES.items():
        for caller, status in route.allowed.items():
            yield pytest.param(name, caller, status, id=f"{name}-allow-{caller}")
        for caller, status in route.denied.items():
            yield pytest.param(name, caller, status, id=f"{name}-deny-{caller}")


def _roster_import(uploader, organization):
    from django.core.files.base import ContentFile

    from dangwu.members.models import RosterImport

    record = RosterImport.objects.create(created_by=uploader, organization=organization, file_name="r.xlsx",
                                         status=RosterImport.Status.FAILED)
    record.error_report.save("errors.xlsx", ContentFile(b"PK"))
    return record


def _roster_export(asker, organization):
    from django.core.files.base import ContentFile

    from dangwu.members.models import RosterExport

    record = RosterExport.objects.create(created_by=asker, organization=organization, total_rows=2,
                                         status=RosterExport.Status.DONE)
    record.file.save("roster.xlsx", ContentFile(b"PK"))
    return record


def _moves(people, world):
    """A transfer to branch B, one to the outside, and an outflow hosted by branch B (all of branch A)."""
    from datetime import timedelta

    from django.utils import timezone

    from dangwu.members import mobility, transfers

    secretary = people["secretary"]
    inside = transfers.start_transfer(actor=secretary, member=people["m_plain"], to_organization=world.branch_b)
    outside = transfers.start_transfer(actor=secretary, member=people["m_sec"], to_name="北京市某公司党支部")
    outflow = mobility.record_outflow(actor=secretary, member=people["m_plain"], destination="深圳",
                                      host_organization=world.branch_b, reason="外出务工", left_on=timezone.localdate() - timedelta(days=30),
                                      contact="13800138000")
    return {"transfer": inside.pk, "transfer_out": outside.pk, "outflow": outflow.pk}


@pytest.mark.parametrize("name,caller,status", list(_cases()))
def test_route(name, caller, status, people, world):
    route = ROUTES[name]
    objects = {"branch_a": world.branch_a.pk, "county_a": world.county_a.pk, "m_plain": people["m_plain"].pk,
               "assignment": people["secretary"].role_assignments.get().pk}
    if "{roster_import}" in route.url:
        objects["roster_import"] = _roster_import(people["secretary"], world.branch_a).pk
    if "{roster_export}" in route.url:
        objects["roster_export"] = _roster_export(people["secretary"], world.branch_a).pk
    if "{transfer" in route.url or "{outflow}" in route.url:
        objects.update(_moves(people, world))
    url = route.url.format(**objects)
    client = APIClient()
    if caller != "anonymous":
        client.force_login(people[caller])
    if route.method == "post":
        response = client.post(url, route.data or {}, format="json" if url.startswith("/api/") else None)
    else:
        response = client.get(url)
    assert response.status_code == status, f"{caller} {route.method.upper()} {url}: {response.status_code}"
    if status == LOGIN_REDIRECT and caller == "anonymous" and not route.public:
        assert "/accounts/login/" in response["Location"]

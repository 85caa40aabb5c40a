"""The permission test: every route of the platform, with at least one allowed and one denied caller.

`test_every_route_is_covered` walks the URL resolver and fails when a route is missing from
ROUTES below, or when its view is not guarded by `dangwu.core.access`.
Callers stand at every distance from branch A: its own secretary, the sibling branch's
secretary, the other city's organization department, roles without the capability, and
anonymous visitors.

The world the callers stand in (`dangwu.testing.make_world` and `make_people`) is built once for
the module, and the objects a route's URL names (an import, a payment, a transfer …) once for
each run of cases that name the same ones; each case runs in its own savepoint, so that what its
request writes is rolled back before the next case (see `_Matrix` at the end).
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from dangwu import testing
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
_THIS_MONTH = __import__("datetime").date.today().strftime("%Y-%m")
_LAST_YEAR = str(__import__("datetime").date.today().year - 1)

ROUTES: dict[str, Route] = {
    # core
    "home:home": Route("/", allowed={"plain": 200, "secretary": 200, "auditor": 200}, denied={"anonymous": LOGIN_REDIRECT}),
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
    # notifications: every person's own inbox; {notification} is a notice in the account "plain"'s inbox
    # (another person's answers 404, as one that does not exist)
    "core:notifications": Route("/notifications/", allowed={"plain": 200, "secretary": 200, "auditor": 200},
                                denied={"anonymous": LOGIN_REDIRECT}),
    "core:notification": Route("/notifications/{notification}/", allowed={"plain": 200},
                               denied={"secretary": 404, "province": 404, "anonymous": LOGIN_REDIRECT}),
    "core:notification_read": Route("/notifications/{notification}/read/", method="post", allowed={"plain": 302},
                                    denied={"secretary": 404, "sysadmin": 404, "anonymous": LOGIN_REDIRECT}),
    "core:notifications_read_all": Route("/notifications/read-all/", method="post",
                                         allowed={"plain": 302, "secretary": 302}, denied={"anonymous": LOGIN_REDIRECT}),
    "core:notification_preferences": Route("/notifications/preferences/", allowed={"plain": 200, "secretary": 200},
                                           denied={"anonymous": LOGIN_REDIRECT}),
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
    # m_plain is the account "plain"'s own record: a member reads their own full number (audited)
    "members:reveal": Route("/members/{m_plain}/reveal/id_number/", method="post",
                            allowed={"secretary": 200, "discipline": 200, "plain": 200},
                            denied={"sibling": 404, "city_b": 404, "sysadmin": 404, "auditor": 404,
                                    "anonymous": LOGIN_REDIRECT}),
    "members:create": Route("/members/new/in/{branch_a}/", allowed={"secretary": 200},
                            denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:import": Route("/members/import/", allowed={"secretary": 200, "city_a": 200},
                            denied={"plain": 403, "sysadmin": 403, "discipline": 403, "anonymous": LOGIN_REDIRECT}),
    # {roster_import}: an import uploaded by branch A's secretary into branch A, with an error report
    "members:import_status": Route("/members/import/{roster_import}/", allowed={"secretary": 200, "city_a": 200},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "members:import_progress": Route("/members/import/{roster_import}/progress/", allowed={"secretary": 200},
                                     denied={"sibling": 404, "city_b": 404, "plain": 403}),
    # the uploader may import a check's upload (this one failed: the page says the file is gone) or
    # delete it; another cadre who may see the run may not; others do not see it
    "members:import_checked": Route("/members/import/{roster_import}/import/", method="post",
                                    allowed={"secretary": 302},
                                    denied={"city_a": 403, "sibling": 404, "city_b": 404, "plain": 403,
                                            "anonymous": LOGIN_REDIRECT}),
    "members:import_discard": Route("/members/import/{roster_import}/discard/", method="post",
                                    allowed={"secretary": 302},
                                    denied={"city_a": 403, "sibling": 404, "plain": 403, "anonymous": LOGIN_REDIRECT}),
    # anyone who may see the run may cancel it (this one has failed: the page says it ended)
    "members:import_cancel": Route("/members/import/{roster_import}/cancel/", method="post",
                                   allowed={"secretary": 302, "city_a": 302},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                           "anonymous": LOGIN_REDIRECT}),
    "members:import_template": Route("/members/import/template.xlsx", allowed={"secretary": 200, "city_a": 200},
                                     denied={"plain": 403, "discipline": 403, "auditor": 403,
                                             "anonymous": LOGIN_REDIRECT}),
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
    # dues (党费). {dues_run}: an assessment run of branch A; {dues_payment}: a payment of m_plain;
    # {dues_reduction}: a pending reduction of m_plain (decided by the county's committee or above)
    "dues:home": Route("/dues/", allowed={"secretary": 302, "plain": 302, "province": 302},
                       denied={"auditor": 403, "sysadmin": 403, "anonymous": LOGIN_REDIRECT}),
    "dues:org": Route("/dues/org/{branch_a}/", allowed={"secretary": 200, "city_a": 200, "discipline": 200},
                      denied={"sibling": 404, "city_b": 404, "plain": 403, "anonymous": LOGIN_REDIRECT}),
    "dues:assess": Route("/dues/org/{branch_a}/assess/", method="post", data={"month": _THIS_MONTH},
                         allowed={"secretary": 302, "city_a": 302},
                         denied={"sibling": 404, "city_b": 404, "discipline": 403, "plain": 403}),
    "dues:host_lookup": Route("/dues/org/{branch_a}/host/", method="post", data={"id_number": "x"},
                              allowed={"secretary": 302}, denied={"sibling": 404, "plain": 403, "discipline": 403}),
    "dues:declarations": Route("/dues/org/{branch_a}/declarations/", allowed={"secretary": 200, "city_a": 200},
                               denied={"sibling": 404, "city_b": 404, "discipline": 403, "plain": 403}),
    # {dues_declaration_import}: a failed import of branch A's declarations by its secretary, with an error report
    "dues:declaration_import": Route("/dues/declaration-imports/{dues_declaration_import}/",
                                     allowed={"secretary": 200, "city_a": 200},
                                     denied={"sibling": 404, "city_b": 404, "discipline": 403, "plain": 403,
                                             "anonymous": LOGIN_REDIRECT}),
    "dues:declaration_import_progress": Route("/dues/declaration-imports/{dues_declaration_import}/progress/",
                                              allowed={"secretary": 200},
                                              denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues:declaration_import_errors": Route("/dues/declaration-imports/{dues_declaration_import}/errors.xlsx",
                                            allowed={"secretary": 200, "city_a": 200},
                                            denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues:report": Route("/dues/org/{branch_a}/report/", allowed={"secretary": 200, "city_a": 200, "discipline": 200},
                         denied={"sibling": 404, "city_b": 404, "plain": 403, "auditor": 403}),
    "dues:report_export": Route("/dues/org/{branch_a}/report.xlsx", allowed={"secretary": 200, "province": 200},
                                denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues:statement": Route("/dues/org/{branch_a}/statement/", allowed={"secretary": 200, "city_a": 200},
                            denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues:run": Route("/dues/runs/{dues_run}/", allowed={"secretary": 200, "city_a": 200},
                      denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues:run_progress": Route("/dues/runs/{dues_run}/progress/", allowed={"secretary": 200},
                               denied={"sibling": 404, "city_b": 404, "plain": 403}),
    # 继续核定 of a failed run (this one is queued: nothing to do, back to the run's page)
    "dues:run_resume": Route("/dues/runs/{dues_run}/resume/", method="post", allowed={"secretary": 302},
                             denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                     "anonymous": LOGIN_REDIRECT}),
    "dues:member": Route("/dues/members/{m_plain}/", allowed={"plain": 200, "secretary": 200, "city_a": 200},
                         denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "dues:pay": Route("/dues/members/{m_plain}/pay/", allowed={"secretary": 200, "city_a": 200},
                      denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "dues:declare": Route("/dues/members/{m_plain}/declare/", allowed={"secretary": 200},
                          denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "dues:reduction_request": Route("/dues/members/{m_plain}/reduction/", allowed={"secretary": 200},
                                    denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues:reductions": Route("/dues/reductions/", allowed={"secretary": 200, "city_a": 200},
                             denied={"plain": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "dues:reduction_decide": Route("/dues/reductions/{dues_reduction}/decide/", method="post",
                                   data={"decision": "approve"}, allowed={"city_a": 302, "province": 302},
                                   denied={"secretary": 403, "city_b": 404, "plain": 403}),
    "dues:receipt": Route("/dues/payments/{dues_payment}/receipt.pdf",
                          allowed={"secretary": 200, "plain": 200, "city_a": 200},
                          denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "dues:reverse": Route("/dues/payments/{dues_payment}/reverse/", allowed={"secretary": 200, "city_a": 200},
                          denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                  "anonymous": LOGIN_REDIRECT}),
    # {dues_proof}: a transfer proof (转账凭证) m_plain handed in, waiting for branch A's collectors;
    # only the member and those who collect dues at branch A (or above) open it
    "dues:proofs": Route("/dues/proofs/", allowed={"secretary": 200, "city_a": 200},
                         denied={"plain": 403, "discipline": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "dues:proof_submit": Route("/dues/proofs/new/", allowed={"plain": 200, "secretary": 200},
                               denied={"city_a": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "dues:proof": Route("/dues/proofs/{dues_proof}/", allowed={"plain": 200, "secretary": 200, "city_a": 200},
                        denied={"sibling": 404, "city_b": 404, "discipline": 404, "anonymous": LOGIN_REDIRECT}),
    "dues:proof_file": Route("/dues/proofs/{dues_proof}/file/", allowed={"plain": 200, "secretary": 200,
                                                                         "province": 200},
                             denied={"sibling": 404, "city_b": 404, "discipline": 404, "auditor": 404,
                                     "anonymous": LOGIN_REDIRECT}),
    # development (发展党员). {dev_candidate}: an applicant of branch A (registered on paper, applied on
    # 2024-01-02); {dev_sponsor}: their contact person; {dev_document}: their application scan
    "development:board": Route("/development/", allowed={"secretary": 200, "city_a": 200, "province": 200},
                               denied={"plain": 403, "auditor": 403, "sysadmin": 403, "anonymous": LOGIN_REDIRECT}),
    "development:apply": Route("/development/apply/", allowed={"plain": 200, "secretary": 200},
                               denied={"auditor": 403, "security": 403, "anonymous": LOGIN_REDIRECT}),
    "development:branches": Route("/development/apply/branches/?q=%E8%8A%99%E8%93%89", allowed={"plain": 200},
                                  denied={"sysadmin": 403, "anonymous": LOGIN_REDIRECT}),
    "development:approvals": Route("/development/approvals/", allowed={"city_a": 200, "province": 200},
                                   denied={"secretary": 403, "plain": 403, "discipline": 403,
                                           "anonymous": LOGIN_REDIRECT}),
    "development:register": Route("/development/register/in/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "development:detail": Route("/development/{dev_candidate}/", allowed={"secretary": 200, "city_a": 200},
                                denied={"sibling": 404, "city_b": 404, "plain": 404, "anonymous": LOGIN_REDIRECT}),
    "development:step": Route("/development/{dev_candidate}/step/first_talk/", allowed={"secretary": 200},
                              denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "development:sponsors": Route("/development/{dev_candidate}/sponsors/", allowed={"secretary": 200},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "development:sponsor_remove": Route("/development/sponsors/{dev_sponsor}/remove/", method="post",
                                        allowed={"secretary": 302}, denied={"sibling": 404, "city_b": 404,
                                                                            "plain": 403}),
    "development:document_add": Route("/development/{dev_candidate}/documents/new/", allowed={"secretary": 200},
                                      denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "development:document": Route("/development/documents/{dev_document}/", allowed={"secretary": 200, "city_a": 200},
                                  denied={"sibling": 404, "city_b": 404, "plain": 404, "anonymous": LOGIN_REDIRECT}),
    # {dev_candidate} with its first talk recorded (the 谈话记实表 exists from then on)
    "development:paperwork": Route("/development/{dev_candidate}/documents/talk_record.docx",
                                   allowed={"secretary": 200, "city_a": 200, "province": 200},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403, "sysadmin": 403,
                                           "anonymous": LOGIN_REDIRECT}),
    "development:extend": Route("/development/{dev_candidate}/extend/", allowed={"city_a": 200},
                                denied={"secretary": 403, "city_b": 404, "plain": 403}),
    "development:cancel": Route("/development/{dev_candidate}/cancel/", allowed={"secretary": 200, "city_a": 200},
                                denied={"sibling": 404, "city_b": 404, "plain": 403}),
    # transfers (组织关系转接): {transfer} goes from branch A to branch B (city B receives);
    # {transfer_out} from branch A to an organization outside the platform
    "members:transfers": Route("/members/transfers/in/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                               denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                       "anonymous": LOGIN_REDIRECT}),
    "members:transfer_register": Route("/members/transfers/in/{branch_a}/register/", allowed={"secretary": 200},
                                       denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "members:transfer_start": Route("/members/{m_plain}/transfer/", allowed={"secretary": 200, "city_a": 200},
                                    denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    # the receiver picker (荷塘 is in city B): any organization of the province, names and codes only
    "members:transfer_receivers": Route("/members/transfers/receivers/?q=%E8%8D%B7%E5%A1%98",
                                        allowed={"secretary": 200, "city_a": 200, "city_b": 200},
                                        denied={"plain": 403, "discipline": 403, "anonymous": LOGIN_REDIRECT}),
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
    # {dev_report}: a thought report of {dev_candidate} (whose account is "applicant"; m_plain, the account
    # "plain", is their contact person); {dev_attachment}: its attachment
    "development:import": Route("/development/import/in/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                                denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                        "anonymous": LOGIN_REDIRECT}),
    "development:publicity": Route("/development/{dev_candidate}/publicity/", allowed={"secretary": 200, "city_a": 200},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "development:my_reports": Route("/development/thought-reports/",
                                    allowed={"applicant": 200, "plain": 200, "secretary": 200},
                                    denied={"anonymous": LOGIN_REDIRECT}),
    "development:reports": Route("/development/{dev_candidate}/thought-reports/",
                                 allowed={"applicant": 200, "plain": 200, "secretary": 200, "city_a": 200},
                                 denied={"sibling": 404, "city_b": 404, "auditor": 404, "anonymous": LOGIN_REDIRECT}),
    "development:report_comment": Route("/development/thought-reports/{dev_report}/comment/", method="post",
                                        data={"body": "已阅"}, allowed={"plain": 302, "secretary": 302},
                                        denied={"applicant": 403, "discipline": 403, "sibling": 404, "city_b": 404,
                                                "anonymous": LOGIN_REDIRECT}),
    "development:report_attachment": Route("/development/thought-reports/files/{dev_attachment}/",
                                           allowed={"applicant": 200, "plain": 200, "secretary": 200},
                                           denied={"sibling": 404, "city_b": 404, "auditor": 404,
                                                   "anonymous": LOGIN_REDIRECT}),
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
    "dues-assessment-list": Route("/api/v1/dues/assessments/", allowed={"secretary": 200, "plain": 200},
                                  denied={"anonymous": 401}),
    "dues-assessment-run-list": Route("/api/v1/dues/assessment-runs/", allowed={"secretary": 200},
                                      denied={"plain": 403, "auditor": 403, "anonymous": 401}),
    "dues-assessment-run-detail": Route("/api/v1/dues/assessment-runs/{dues_run}/",
                                        allowed={"secretary": 200, "city_a": 200},
                                        denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "dues-payment-list": Route("/api/v1/dues/payments/", allowed={"secretary": 200, "plain": 200},
                               denied={"anonymous": 401}),
    "dues-payment-detail": Route("/api/v1/dues/payments/{dues_payment}/", allowed={"secretary": 200, "plain": 200},
                                 denied={"sibling": 404, "city_b": 404, "anonymous": 401}),
    "dues-payment-reverse": Route("/api/v1/dues/payments/{dues_payment}/reverse/", method="post",
                                  data={"reason": "重复登记"}, allowed={"secretary": 200, "city_a": 200},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                          "anonymous": 401}),
    "dues-declaration-list": Route("/api/v1/dues/declarations/", allowed={"secretary": 200, "plain": 200},
                                   denied={"anonymous": 401}),
    "dues-report-detail": Route("/api/v1/dues/reports/{branch_a}/", allowed={"secretary": 200, "city_a": 200},
                                denied={"sibling": 404, "city_b": 404, "plain": 403, "anonymous": 401}),
    "development-candidate-list": Route("/api/v1/development/candidates/", allowed={"secretary": 200, "plain": 200},
                                        denied={"anonymous": 401}),
    "development-candidate-detail": Route("/api/v1/development/candidates/{dev_candidate}/",
                                          allowed={"secretary": 200, "city_a": 200},
                                          denied={"sibling": 404, "city_b": 404, "plain": 404, "anonymous": 401}),
    "development-candidate-steps": Route("/api/v1/development/candidates/{dev_candidate}/steps/", method="post",
                                         data={"code": "first_talk", "done_on": "2024-01-10"},
                                         allowed={"secretary": 201},
                                         denied={"sibling": 404, "city_b": 404, "plain": 403, "anonymous": 401}),
    # allowed callers pass the guard and answer 400 (no such member / no reason): the body is the service's
    "development-candidate-sponsors": Route("/api/v1/development/candidates/{dev_candidate}/sponsors/", method="post",
                                            data={"kind": "contact", "member": 999999, "assigned_on": "2024-01-10"},
                                            allowed={"secretary": 400},
                                            denied={"sibling": 404, "city_b": 404, "plain": 403}),
    "development-candidate-extend": Route("/api/v1/development/candidates/{dev_candidate}/extend/", method="post",
                                          allowed={"city_a": 400}, denied={"secretary": 403, "city_b": 404,
                                                                           "anonymous": 401}),
    "development-candidate-cancel": Route("/api/v1/development/candidates/{dev_candidate}/cancel/", method="post",
                                          data={"on": "2024-01-10", "reason": "本人撤回申请"},
                                          allowed={"secretary": 200}, denied={"sibling": 404, "city_b": 404,
                                                                              "plain": 403}),
    "development-candidate-stage-counts": Route("/api/v1/development/candidates/stage-counts/?organization={branch_a}",
                                                allowed={"secretary": 200, "city_a": 200},
                                                denied={"city_b": 400, "plain": 403, "anonymous": 401}),
    "transfer-list": Route("/api/v1/transfers/", allowed={"secretary": 200, "city_b": 200},
                           denied={"plain": 403, "discipline": 403, "anonymous": 401}),
    "transfer-detail": Route("/api/v1/transfers/{transfer}/", allowed={"secretary": 200, "city_b": 200},
                             denied={"sibling": 404, "plain": 403, "anonymous": 401}),
    "transfer-accept": Route("/api/v1/transfers/{transfer}/accept/", method="post", allowed={"city_b": 200},
                             denied={"secretary": 403, "sibling": 404, "anonymous": 401}),
    "transfer-reject": Route("/api/v1/transfers/{transfer}/reject/", method="post", data={"reason": "信息有误"},
                             allowed={"city_b": 200}, denied={"secretary": 403, "sibling": 404, "anonymous": 401}),
    # 组织生活 (orglife). {ol_meeting}: a meeting of branch A tomorrow; {ol_leave}: m_plain's pending leave
    # request for it; {ol_token}: its check-in token (the QR code's URL: any logged-in person may open it)
    # 换届提醒: the organizations of the scope whose committee's term ends within 6 months
    "orgs:terms": Route("/orgs/terms/", allowed={"secretary": 200, "city_a": 200, "auditor": 200},
                        denied={"plain": 403, "anonymous": LOGIN_REDIRECT}),
    "orglife:home": Route("/orglife/", allowed={"secretary": 302, "plain": 302, "province": 302},
                          denied={"auditor": 403, "sysadmin": 403, "anonymous": LOGIN_REDIRECT}),
    "orglife:org": Route("/orglife/org/{branch_a}/", allowed={"secretary": 200, "plain": 200, "city_a": 200},
                         denied={"sibling": 404, "city_b": 404, "auditor": 404, "anonymous": LOGIN_REDIRECT}),
    # the branches below county A that missed 支部党员大会 in last year's first quarter (a period that ended)
    "orglife:missed": Route("/orglife/org/{county_a}/missed/?kind=assembly&period=" + _LAST_YEAR + "-Q1",
                            allowed={"city_a": 200, "province": 200},
                            denied={"secretary": 404, "city_b": 404, "plain": 403, "auditor": 403,
                                    "anonymous": LOGIN_REDIRECT}),
    "orglife:register": Route("/orglife/org/{branch_a}/register.xlsx", allowed={"secretary": 200, "city_a": 200},
                              denied={"sibling": 404, "city_b": 404, "plain": 403, "auditor": 403,
                                      "anonymous": LOGIN_REDIRECT}),
    "orglife:register_pdf": Route("/orglife/org/{branch_a}/register.pdf", allowed={"secretary": 200, "city_a": 200},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403, "auditor": 403,
                                          "anonymous": LOGIN_REDIRECT}),
    "orglife:plan": Route("/orglife/org/{branch_a}/plan/", allowed={"secretary": 200, "city_a": 200},
                          denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                  "anonymous": LOGIN_REDIRECT}),
    "orglife:plan_recurring": Route("/orglife/org/{branch_a}/plan-recurring/", allowed={"secretary": 200},
                                    denied={"sibling": 404, "plain": 403, "discipline": 403}),
    "orglife:party_groups": Route("/orglife/org/{branch_a}/party-groups/", allowed={"secretary": 200, "city_a": 200},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                          "anonymous": LOGIN_REDIRECT}),
    # invitations (列席) with an empty form: the allowed caller passes the guard and is sent back with a message
    "orglife:invite": Route("/orglife/meetings/{ol_meeting}/invite/", method="post", allowed={"secretary": 302},
                            denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                    "anonymous": LOGIN_REDIRECT}),
    "orglife:uninvite": Route("/orglife/meetings/{ol_meeting}/uninvite/", method="post", allowed={"city_a": 302},
                              denied={"sibling": 404, "plain": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "orglife:meeting": Route("/orglife/meetings/{ol_meeting}/", allowed={"secretary": 200, "plain": 200, "city_a": 200},
                             denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "orglife:cancel": Route("/orglife/meetings/{ol_meeting}/cancel/", method="post", data={"reason": "改期"},
                            allowed={"secretary": 302, "city_a": 302},
                            denied={"sibling": 404, "plain": 403, "discipline": 403, "anonymous": LOGIN_REDIRECT}),
    # an empty form: the allowed caller passes the guard and is sent back with the form's error
    "orglife:mark": Route("/orglife/meetings/{ol_meeting}/attendance/", method="post", allowed={"secretary": 302},
                          denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "orglife:leave": Route("/orglife/meetings/{ol_meeting}/leave/", allowed={"plain": 200, "secretary": 200},
                           denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "orglife:minutes": Route("/orglife/meetings/{ol_meeting}/minutes/", method="post", allowed={"secretary": 400},
                             denied={"sibling": 404, "plain": 403, "discipline": 403}),
    "orglife:sign_off": Route("/orglife/meetings/{ol_meeting}/minutes/sign-off/", method="post",
                              allowed={"secretary": 302}, denied={"sibling": 404, "plain": 403}),
    "orglife:leave_decide": Route("/orglife/leave/{ol_leave}/decide/", method="post", data={"decision": "approve"},
                                  allowed={"secretary": 302, "city_a": 302},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    # {ol_file}: a material of {ol_meeting}; those who attend and the cadres of the scope download it
    "orglife:file": Route("/orglife/files/{ol_file}/", allowed={"plain": 200, "secretary": 200, "city_a": 200},
                          denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    # an empty form: the allowed caller passes the guard and gets the page again with the form's error
    "orglife:file_add": Route("/orglife/meetings/{ol_meeting}/files/", method="post", allowed={"secretary": 400},
                              denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                      "anonymous": LOGIN_REDIRECT}),
    "orglife:file_remove": Route("/orglife/files/{ol_file}/remove/", method="post", data={"reason": "版本有误"},
                                 allowed={"secretary": 302, "city_a": 302},
                                 denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403}),
    "orglife:check_in": Route("/orglife/check-in/{ol_token}/", allowed={"plain": 200, "secretary": 200, "city_b": 200},
                              denied={"anonymous": LOGIN_REDIRECT}),
    # 谈心谈话: the branch's talk records are its cadres' (a plain member sees only their own, on the home page);
    # {ol_talk}: a talk of branch A's secretary with m_plain
    "orglife:talks": Route("/orglife/org/{branch_a}/talks/", allowed={"secretary": 200, "city_a": 200},
                           denied={"sibling": 404, "city_b": 404, "plain": 403, "auditor": 403,
                                   "anonymous": LOGIN_REDIRECT}),
    "orglife:talk_new": Route("/orglife/org/{branch_a}/talks/new/", allowed={"secretary": 200, "city_a": 200},
                              denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                      "anonymous": LOGIN_REDIRECT}),
    "orglife:talk_withdraw": Route("/orglife/talks/{ol_talk}/withdraw/", method="post", data={"reason": "录入有误"},
                                   allowed={"secretary": 302, "city_a": 302},
                                   denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                           "anonymous": LOGIN_REDIRECT}),
    # 党内选举 (elections). {el_election}: an election of branch A whose online round {el_open} is open, with
    # m_plain (the account "plain") its scrutineer and both members of branch A on its roll; {el_paper}: an
    # open paper round of another election, "plain" its scrutineer; {el_published}: a published round
    "elections:home": Route("/elections/", allowed={"plain": 200, "secretary": 200, "city_a": 200},
                            denied={"anonymous": LOGIN_REDIRECT}),
    "elections:create": Route("/elections/org/{branch_a}/new/", allowed={"secretary": 200, "city_a": 200},
                              denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                      "anonymous": LOGIN_REDIRECT}),
    "elections:detail": Route("/elections/{el_election}/", allowed={"secretary": 200, "plain": 200, "city_a": 200},
                              denied={"sibling": 404, "city_b": 404, "auditor": 404, "anonymous": LOGIN_REDIRECT}),
    # empty forms: the allowed caller passes the guard and gets the page again with the form's error
    "elections:candidates": Route("/elections/{el_election}/candidates/", method="post", allowed={"secretary": 400},
                                  denied={"sibling": 404, "city_b": 404, "plain": 403, "discipline": 403,
                                          "anonymous": LOGIN_REDIRECT}),
    "elections:open_round": Route("/elections/{el_election}/open/", method="post", allowed={"secretary": 400},
                                  denied={"sibling": 404, "plain": 403, "discipline": 403, "anonymous": LOGIN_REDIRECT}),
    "elections:round": Route("/elections/rounds/{el_published}/", allowed={"plain": 200, "secretary": 200, "city_a": 200},
                             denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    # only those on the roll open the voting page: the cadres above branch A are not
    "elections:vote": Route("/elections/rounds/{el_open}/vote/", allowed={"plain": 200, "secretary": 200},
                            denied={"city_a": 404, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    # closing is the scrutineers' act: the secretary who is not one may not
    "elections:close": Route("/elections/rounds/{el_open}/close/", method="post", allowed={"plain": 302},
                             denied={"secretary": 404, "city_a": 404, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:paper": Route("/elections/rounds/{el_paper}/paper/", allowed={"plain": 200},
                             denied={"secretary": 404, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    # the open round cannot be published: the allowed caller is sent back with the message
    "elections:publish": Route("/elections/rounds/{el_open}/publish/", method="post",
                               allowed={"secretary": 302, "city_a": 302},
                               denied={"plain": 403, "sibling": 404, "discipline": 403, "anonymous": LOGIN_REDIRECT}),
    "elections:download": Route("/elections/rounds/{el_published}/round.json",
                                allowed={"plain": 200, "secretary": 200, "city_a": 200},
                                denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    # 民主评议 (elections/evaluation). {ev}: branch A's evaluation of this year at the rating phase, with
    # 李书记 (secretary) and 张三 (plain) on its roster; {ev_entry}: 张三's entry there; {ev_pending}: 张三's
    # 优秀 of last year's evaluation, waiting for the superior's approval (city A's, not the branch's)
    "elections:evaluation:home": Route("/elections/evaluation/", allowed={"secretary": 302, "plain": 302, "province": 302},
                                       denied={"sysadmin": 403, "auditor": 403, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:org": Route("/elections/evaluation/org/{branch_a}/",
                                      allowed={"secretary": 200, "plain": 200, "city_a": 200},
                                      denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:open": Route("/elections/evaluation/org/{branch_a}/open/", method="post",
                                       allowed={"secretary": 400, "city_a": 400},
                                       denied={"sibling": 404, "city_b": 404, "plain": 403, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:detail": Route("/elections/evaluation/{ev}/",
                                         allowed={"secretary": 200, "plain": 200, "city_a": 200},
                                         denied={"sibling": 404, "city_b": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:self": Route("/elections/evaluation/{ev}/self/", allowed={"plain": 200, "secretary": 200},
                                       denied={"city_a": 404, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:rate": Route("/elections/evaluation/{ev}/rate/", allowed={"plain": 200, "secretary": 200},
                                       denied={"city_a": 404, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:advance": Route("/elections/evaluation/{ev}/advance/", method="post",
                                          allowed={"secretary": 302, "city_a": 302},
                                          denied={"plain": 403, "sibling": 404, "city_b": 404,
                                                  "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:decide": Route("/elections/evaluation/{ev}/decide/", method="post", allowed={"secretary": 302},
                                         denied={"plain": 403, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:publicity_end": Route("/elections/evaluation/{ev}/publicity-end/", method="post",
                                                allowed={"secretary": 302},
                                                denied={"plain": 403, "sibling": 404, "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:propose": Route("/elections/evaluation/entries/{ev_entry}/propose/", method="post",
                                          allowed={"secretary": 302},
                                          denied={"plain": 403, "sibling": 404, "city_b": 404}),
    "elections:evaluation:approve": Route("/elections/evaluation/entries/{ev_pending}/approve/", method="post",
                                          data={"decision": "approve"}, allowed={"city_a": 302, "province": 302},
                                          denied={"secretary": 404, "city_b": 404, "plain": 403,
                                                  "anonymous": LOGIN_REDIRECT}),
    "elections:evaluation:revise": Route("/elections/evaluation/entries/{ev_entry}/revise/", method="post",
                                         allowed={"secretary": 302}, denied={"plain": 403, "sibling": 404}),
    "elections:evaluation:measure": Route("/elections/evaluation/entries/{ev_entry}/measure/", method="post",
                                          allowed={"secretary": 302}, denied={"plain": 403, "city_b": 404}),
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


def _dues_objects(people, world):
    from datetime import date
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from dangwu.dues.models import AssessmentRun, DeclarationImport, Payment, Reduction, TransferProof

    month = date.today().replace(day=1)
    run = AssessmentRun.objects.create(organization=world.branch_a, month=month, created_by=people["secretary"])
    payment = Payment.objects.create(member=people["m_plain"], organization=world.branch_a, collected_at=world.branch_a,
                                     method="cash", paid_on=date.today(), total_amount=Decimal("1.00"),
                                     receipt_number="DF-TEST-1")
    reduction = Reduction.objects.create(member=people["m_plain"], organization=world.branch_a, kind="exempt",
                                         monthly_amount=Decimal("0"), start_month=month, end_month=month, reason="困难")
    proof = TransferProof(member=people["m_plain"], organization=world.branch_a, months=[f"{month:%Y-%m}"],
                          amount=Decimal("1.00"), reference="T-1", transferred_on=date.today(), file_name="回单.png")
    proof.file.save("proof.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    declaration_import = DeclarationImport.objects.create(created_by=people["secretary"], organization=world.branch_a,
                                                          year=month.year, file_name="申报表.xlsx", status="failed")
    declaration_import.error_report.save("errors.xlsx", ContentFile(b"PK"))
    return {"dues_run": run.pk, "dues_payment": payment.pk, "dues_reduction": reduction.pk, "dues_proof": proof.pk,
            "dues_declaration_import": declaration_import.pk}


def _development_objects(people, world):
    from datetime import date

    from django.core.files.base import ContentFile

    from dangwu.development import services as development
    from dangwu.development.models import Candidate, Document, Sponsor, Step
    from dangwu.testing import make_id_number

    candidate = development.register_application(
        actor=people["secretary"], organization=world.branch_a, name="陈思远", applied_on=date(2024, 1, 2),
        id_number=make_id_number(date(1998, 4, 12), serial=77))
    sponsor = Sponsor.objects.create(candidate=candidate, kind="contact", member=people["m_sec"],
                                     assigned_on=date(2024, 1, 3))
    document = Document(candidate=candidate, step=Step.objects.get(candidate=candidate), title="入党申请书",
                        file_name="申请书.txt", size=3)
    document.file.save("a.txt", ContentFile(b"abc"))
    out = {"dev_candidate": candidate.pk, "dev_sponsor": sponsor.pk, "dev_document": document.pk}
    if people.get("applicant") is not None:  # the person's own account, for the thought-report routes
        Candidate.objects.filter(pk=candidate.pk).update(user=people["applicant"])
        candidate.refresh_from_db()
        Sponsor.objects.create(candidate=candidate, kind="contact", member=people["m_plain"],
                               assigned_on=date(2024, 1, 3))
        report = development.submit_thought_report(
            actor=people["applicant"], candidate=candidate, title="思想汇报", body="正文",
            uploads=[development.Upload("附件", "体会.txt", "体会".encode())])
        out.update(dev_report=report.pk, dev_attachment=report.attachments.get().pk)
    return out


def _orglife_objects(people, world):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from dangwu.orglife.models import LeaveRequest, Meeting, MeetingFile, TalkRecord

    starts = timezone.now() + timedelta(days=1)
    meeting = Meeting.objects.create(organization=world.branch_a, kind="theme_day", title="主题党日",
                                     starts_at=starts, ends_at=starts + timedelta(hours=2), place="会议室")
    leave = LeaveRequest.objects.create(meeting=meeting, member=people["m_plain"], reason="出差")
    material = MeetingFile(meeting=meeting, part="material", file_name="议程.txt", size=6)
    material.file.save("agenda.txt", ContentFile("议程".encode()), save=True)
    talk = TalkRecord.objects.create(organization=world.branch_a, member=people["m_plain"], talker=people["m_sec"],
                                     on=timezone.localdate(), topic="思想动态", summary="了解思想和工作情况。")
    return {"ol_meeting": meeting.pk, "ol_leave": leave.pk, "ol_token": meeting.checkin_token, "ol_file": material.pk,
            "ol_talk": talk.pk}


def _elections_objects(people, world):
    from dangwu.elections import services as elections

    secretary, scrutineer = people["secretary"], people["m_plain"]

    def election(title, mode):
        made = elections.create_election(actor=secretary, organization=world.branch_a, title=title, kind="committee",
                                         seats=1)
        elections.set_candidates(actor=secretary, election=made, names=["候选甲", "候选乙"])
        return made, elections.open_round(actor=secretary, election=made, mode=mode, present=2,
                                          scrutineers=[scrutineer])

    _published, done = election("党代会代表选举", "paper")
    elections.enter_paper_counts(actor=people["plain"], round=done, returned=2, void=0, blank=0,
                                 votes={"候选甲": 2, "候选乙": 0})
    elections.publish_round(actor=secretary, round=done)
    _paper, paper = election("书记选举", "paper")
    online, open_round = election("支部委员会换届选举", "online")
    return {"el_election": online.pk, "el_open": open_round.pk, "el_paper": paper.pk, "el_published": done.pk}


def _evaluation_objects(people, world):
    from datetime import date

    from dangwu.elections.evaluation_models import Evaluation, EvaluationEntry

    this_year = date.today().year
    current = Evaluation.objects.create(organization=world.branch_a, year=this_year, phase="rating",
                                        opened_on=date(this_year, 1, 2))
    entries = {key: EvaluationEntry.objects.create(evaluation=current, member=people[key]) for key in ("m_sec", "m_plain")}
    last = Evaluation.objects.create(organization=world.branch_a, year=this_year - 1, phase="approval",
                                     opened_on=date(this_year - 1, 12, 1))
    pending = EvaluationEntry.objects.create(evaluation=last, member=people["m_plain"], proposed="excellent",
                                             grade="excellent", approval="pending")
    EvaluationEntry.objects.create(evaluation=last, member=people["m_sec"], proposed="competent", grade="competent")
    return {"ev": current.pk, "ev_entry": entries["m_plain"].pk, "ev_pending": pending.pk}


def _moves(people, world):
    """A transfer to branch B, one to the outside, and an outflow hosted by branch B (all of branch A)."""
    from datetime import timedelta

    from django.utils import timezone

    from dangwu.members.transfers import mobility_services as mobility
    from dangwu.members.transfers import services as transfers

    secretary = people["secretary"]
    inside = transfers.start_transfer(actor=secretary, member=people["m_plain"], to_organization=world.branch_b)
    outside = transfers.start_transfer(actor=secretary, member=people["m_sec"], to_name="北京市某公司党支部")
    outflow = mobility.record_outflow(actor=secretary, member=people["m_plain"], destination="深圳",
                                      host_organization=world.branch_b, reason="外出务工", left_on=timezone.localdate() - timedelta(days=30),
                                      contact="13800138000")
    return {"transfer": inside.pk, "transfer_out": outside.pk, "outflow": outflow.pk}


# --- the world of the matrix, built once ------------------------------------------------

@dataclass(frozen=True)
class Needs:
    """What a case needs beside the people and the world: the objects its URL names (and, on the
    thought-report routes, the applicant's own account). Cases with the same needs share one build."""

    roster_import: bool = False
    roster_export: bool = False
    dues: bool = False
    applicant: bool = False
    development: bool = False
    first_talk: bool = False  # the 谈话记实表 of development:paperwork
    moves: bool = False
    notification: bool = False  # a notice in the inbox of the account "plain"
    orglife: bool = False
    elections: bool = False
    evaluation: bool = False

    @classmethod
    def of(cls, name: str, caller: str) -> Needs:
        url = ROUTES[name].url
        return cls(roster_import="{roster_import}" in url, roster_export="{roster_export}" in url,
                   dues="{dues_" in url, applicant=caller == "applicant" or "report" in name,
                   development="{dev_" in url, first_talk=name == "development:paperwork",
                   moves="{transfer" in url or "{outflow}" in url, notification="{notification}" in url,
                   orglife="{ol_" in url, elections="{el_" in url, evaluation="{ev" in url)


def _cases_by_needs():
    """The cases of `_cases()` (the same ids, the same pairs), those with the same needs one after
    the other, so that each set of needs is built once and not once a case."""
    cases = list(_cases())
    order: dict[Needs, int] = {}
    for case in cases:
        order.setdefault(Needs.of(*case.values[:2]), len(order))
    return sorted(cases, key=lambda case: order[Needs.of(*case.values[:2])])


def _build(needs: Needs, people: dict, world) -> dict:
    """Write the objects the needs name, in the order and the way each case wrote them for itself
    before; return their ids (and the applicant's account id, under "applicant")."""
    objects = {}
    if needs.roster_import:
        objects["roster_import"] = _roster_import(people["secretary"], world.branch_a).pk
    if needs.roster_export:
        objects["roster_export"] = _roster_export(people["secretary"], world.branch_a).pk
    if needs.dues:
        objects.update(_dues_objects(people, world))
    if needs.applicant:
        people = {**people, "applicant": testing.make_user("applicant_p")}
        objects["applicant"] = people["applicant"].pk
    if needs.development:
        objects.update(_development_objects(people, world))
    if needs.first_talk:
        from datetime import date

        from dangwu.development import services as development
        from dangwu.development.models import Candidate

        development.record_step(actor=people["secretary"], candidate=Candidate.objects.get(pk=objects["dev_candidate"]),
                                code="first_talk", done_on=date(2024, 1, 20))
    if needs.moves:
        objects.update(_moves(people, world))
    if needs.notification:
        from dangwu.core.models import Notification
        from dangwu.core.notifications import notify

        notice = notify(kind="core.system", recipients=[people["plain"]], title="平台维护通知",
                        body="本周六 22:00 至 24:00 平台维护。", url="/", organization=world.branch_a,
                        actor=people["secretary"])
        objects["notification"] = Notification.objects.get(notice=notice).pk
    if needs.orglife:
        objects.update(_orglife_objects(people, world))
    if needs.elections:
        objects.update(_elections_objects(people, world))
    if needs.evaluation:
        objects.update(_evaluation_objects(people, world))
    return objects


@contextmanager
def _rolled_back():
    """A transaction (a savepoint when nested) whose writes are undone when it closes."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


class _Matrix:
    """The pattern of Django's `TestCase.setUpTestData`, across pytest's parametrized cases.

    Three nested transactions: the module's, holding the people and the world; the needs', holding
    the objects that the current run of cases names (closed and opened again when the needs
    change); and each case's own (pytest-django's `db`), rolled back after the case. The test
    client's requests run in the same thread on the same connection, so they see all three.
    """

    def __init__(self) -> None:
        self.module = ExitStack()
        self.current = ExitStack()
        self.needs: Needs | None = None
        self.objects: dict = {}

    def open(self) -> None:
        self.module.enter_context(_rolled_back())
        world = testing.make_world()
        people = testing.make_people(world)
        self.world_ids = {name: org.pk for name, org in vars(world).items()}
        self.people_ids = {key: obj.pk for key, obj in people.items()}

    def need(self, needs: Needs) -> None:
        if needs == self.needs:
            return
        self.current.close()
        self.needs, self.objects = None, {}
        self.current.enter_context(_rolled_back())
        self.objects = _build(needs, *self.load())
        self.needs = needs

    def load(self) -> tuple[dict, testing.World]:
        """Fresh instances of the people and the world, read again for each case: nothing that an
        earlier case cached on them (`core.access` keeps a user's roles on the user object) leaks."""
        from django.contrib.auth import get_user_model

        from dangwu.members.models import Member
        from dangwu.orgs.models import Organization

        orgs = Organization.objects.in_bulk(self.world_ids.values())
        users = get_user_model().objects.in_bulk(self.people_ids.values())
        members = Member.objects.in_bulk(self.people_ids.values())
        people = {key: (members if key.startswith("m_") else users)[pk] for key, pk in self.people_ids.items()}
        return people, testing.World(**{name: orgs[pk] for name, pk in self.world_ids.items()})

    def close(self) -> None:
        self.current.close()
        self.module.close()


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    matrix = _Matrix()
    with django_db_blocker.unblock():
        matrix.open()
    yield matrix
    with django_db_blocker.unblock():
        matrix.close()


@pytest.fixture
def _needs_built(request, matrix, django_db_blocker):
    """The objects this case names, in the needs' transaction: opened before the case's own (`db`)."""
    params = request.node.callspec.params
    with django_db_blocker.unblock():
        matrix.need(Needs.of(params["name"], params["caller"]))


@dataclass
class Case:
    people: dict
    world: testing.World
    objects: dict


@pytest.fixture
def case(matrix, _needs_built, db) -> Case:
    people, world = matrix.load()
    objects = {"branch_a": world.branch_a.pk, "county_a": world.county_a.pk, "m_plain": people["m_plain"].pk,
               "assignment": people["secretary"].role_assignments.get().pk, **matrix.objects}
    if "applicant" in objects:
        from django.contrib.auth import get_user_model

        people["applicant"] = get_user_model().objects.get(pk=objects.pop("applicant"))
    return Case(people, world, objects)


@pytest.mark.parametrize("name,caller,status", _cases_by_needs())
def test_route(name, caller, status, case):
    route = ROUTES[name]
    people, objects = case.people, case.objects
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

"""Content-Security-Policy and Permissions-Policy headers (decision 0024).

Django 5.2 has no CSP of its own (6.0 brings `ContentSecurityPolicyMiddleware`); this is the small
part of it the platform needs, with Django 6.0's names so that the upgrade is a swap:
`SECURE_CSP` maps each directive to its sources, the source `NONCE` stands for the request's nonce,
and templates read it as `{{ csp_nonce }}` (the `csp` context processor below; `500.html`, rendered
without context processors, gets it from `core.views.server_error_view`).

Templates keep no inline event handlers (`onclick=` …) and no `javascript:` URLs: the few page
behaviours live in `static/dangwu/actions.js`, and the few inline scripts carry the nonce
(`dangwu/core/tests/test_csp.py` greps every template for the rest).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.functional import SimpleLazyObject

NONCE = "'nonce'"  # the placeholder of the request's nonce in SECURE_CSP (Django 6.0: CSP.NONCE)


def build_policy(policy: dict[str, list[str]], nonce: str) -> str:
    """The header's value: directives in the setting's order, the placeholder replaced by the nonce."""
    return "; ".join(
        " ".join([directive, *(f"'nonce-{nonce}'" if source == NONCE else source for source in sources)])
        for directive, sources in policy.items()
    )


class SecurityHeadersMiddleware:
    """Gives each request a fresh nonce (`request.csp_nonce`, made when a template first asks for
    it) and each response the Content-Security-Policy of `SECURE_CSP` and the Permissions-Policy of
    `DANGWU_PERMISSIONS_POLICY`, unless the view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(16))
        response = self.get_response(request)
        policy = getattr(settings, "SECURE_CSP", None)
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = build_policy(policy, str(request.csp_nonce))
        permissions = getattr(settings, "DANGWU_PERMISSIONS_POLICY", "")
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        return response


def csp(request) -> dict:
    """Context processor: `{{ csp_nonce }}` for the nonce attribute of inline scripts and styles."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}

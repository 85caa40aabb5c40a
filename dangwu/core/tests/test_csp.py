"""The security headers (decision 0024): Content-Security-Policy with a nonce per request,
Permissions-Policy, templates that need no inline handler, and production settings that pass
`check --deploy` (HSTS with subdomains and preload; drf-spectacular's enum names)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from dangwu.core.csp import NONCE, build_policy

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "dangwu").glob("**/templates/**/*.html"))

# What the policy refuses in a template, with what to write instead.
FORBIDDEN = [
    (re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.I | re.S),
     "an inline event handler (onclick= …): a data-dw-* attribute and static/dangwu/actions.js"),
    (re.compile(r"javascript:", re.I), "a javascript: URL: a button with a data-dw-* behaviour"),
    (re.compile(r"\shx-on[:\-]", re.I), "hx-on (htmx evaluates it): an htmx event listener in actions.js"),
    (re.compile(r"""\shx-(vals|vars)\s*=\s*['"]\s*(js|javascript):""", re.I), "an htmx js: value: data-dw-param"),
    (re.compile(r"""<script(?![^>]*\bsrc=)(?![^>]*\bnonce="\{\{ csp_nonce \}\}")[^>]*>""", re.I),
     'an inline <script> without nonce="{{ csp_nonce }}"'),
    (re.compile(r"""<style(?![^>]*\bnonce="\{\{ csp_nonce \}\}")[^>]*>""", re.I),
     'a <style> block without nonce="{{ csp_nonce }}"'),
]


def test_templates_hold_no_inline_handlers_and_no_script_without_nonce():
    assert len(TEMPLATES) > 50
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for pattern, instead in FORBIDDEN:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {instead}: {match.group(0)[:80]!r}")
    assert not found, "templates the Content-Security-Policy refuses:\n" + "\n".join(found)


@pytest.mark.parametrize("snippet", [
    '<button type="button" onclick="window.print()">', "<a href=\"javascript:history.back()\">",
    '<button hx-on::after-request="this.remove()">', "<input hx-vals='js:{\"q\": 1}'>",
    "<script>alert(1)</script>", "<style>p {}</style>", '<select class="x"\n  onchange="this.form.submit()">'])
def test_the_template_check_finds_each_kind(snippet):
    assert any(pattern.search(snippet) for pattern, _ in FORBIDDEN)


@pytest.mark.parametrize("snippet", [
    '<script src="/static/x.js" defer></script>', '<script nonce="{{ csp_nonce }}">', '<style nonce="{{ csp_nonce }}">',
    '<button data-dw-print type="button">', '<span class="dw-online">', '<a href="/">'])
def test_the_template_check_passes_what_the_policy_allows(snippet):
    assert not any(pattern.search(snippet) for pattern, _ in FORBIDDEN)


def test_every_template_still_compiles():
    for path in TEMPLATES:
        engines["django"].from_string(path.read_text(encoding="utf-8"))


def _nonce(response) -> str:
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match.group(1)


@pytest.mark.django_db
def test_each_response_carries_the_policy_with_a_fresh_nonce_that_the_page_uses(client, django_user_model):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert first.status_code == 200
    policy = first["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'",
                      "style-src-attr 'unsafe-inline'", "img-src 'self' data:"):
        assert directive in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'nonce-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert _nonce(first) != _nonce(second)
    assert "camera=()" in first["Permissions-Policy"] and "geolocation=()" in first["Permissions-Policy"]
    assert b'<meta name="htmx-config" content=\'{"allowEval": false' in first.content


@pytest.mark.django_db
def test_the_nonce_of_an_inline_script_is_the_one_of_the_header(client):
    """The 500 page (rendered without context processors) and a page with an inline <style>."""
    from django.test import RequestFactory

    from dangwu.core.csp import SecurityHeadersMiddleware
    from dangwu.core.views import server_error_view

    request = RequestFactory().get("/boom/")
    response = SecurityHeadersMiddleware(server_error_view)(request)
    nonce = _nonce(response)
    assert f'<style nonce="{nonce}">'.encode() in response.content


def test_build_policy_keeps_the_order_and_replaces_the_placeholder():
    assert build_policy({"default-src": ["'self'"], "script-src": ["'self'", NONCE]}, "abc") == \
        "default-src 'self'; script-src 'self' 'nonce-abc'"


@pytest.mark.django_db
def test_swagger_ui_runs_under_the_policy(client, django_user_model):
    """Its start-up script is fetched from ?script= (no inline script) and its <style> has the nonce."""
    user = django_user_model.objects.create_user("reader", password="x-pass-2026!")
    client.force_login(user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    nonce = _nonce(page)
    html = page.content.decode()
    assert f'<style nonce="{nonce}">' in html and "?script=" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_production_settings_pass_check_deploy():
    """`manage.py check --deploy` under settings_production: no warning at all (it had five: HSTS
    without subdomains and preload, three enum names of drf-spectacular)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangwu.settings_production",
           "DANGWU_ALLOWED_HOSTS": "dangwu.example.gov.cn"}
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the test run's, not a deployment's
        env.pop(name, None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

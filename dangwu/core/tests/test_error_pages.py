"""The error pages that `make run` serves: Chinese, in the site's frame, with a way home, and never
Django's English debug page listing the site's URL patterns.

The tests' own settings are not `make run`'s (and the test runner forces DEBUG off anyway), so the
pages are fetched in a process of their own under exactly the environment of the Makefile's
`RUN_ENV` — read from the Makefile — with a database that cannot be opened: the 404, 403 and 400
pages of an anonymous visitor need none, and the 500 page must render when the database is what
failed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = r"""
import json

import django

django.setup()
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import get_resolver

def page(response):
    return {"status": response.status_code, "body": response.content.decode()}

out = {"debug": settings.DEBUG}
client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
out["404"] = page(client.get("/no-such-page/"))
out["404_member"] = page(client.get("/members/not-a-number/"))
out["static"] = client.get("/static/dangwu/site.css").status_code
out["400"] = page(Client(HTTP_HOST="attacker.example", raise_request_exception=False).get("/"))
# A stale form: the login form posted without its CSRF token.
out["403_csrf"] = page(Client(HTTP_HOST="localhost", enforce_csrf_checks=True).post(
    "/accounts/login/", {"username": "x", "password": "y"}))
# What a page guard raises for a person without the capability, through the site's own handler.
request = RequestFactory(HTTP_HOST="127.0.0.1").get("/orgs/")
request.user = AnonymousUser()
out["403"] = page(get_resolver().resolve_error_handler(403)(request, exception=PermissionDenied()))
# A session cookie makes the request read the database, which cannot be opened: a real 500.
broken = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
broken.cookies["sessionid"] = "x" * 32
out["500"] = page(broken.get("/"))
print("PROBE" + json.dumps(out))
"""


def run_env() -> dict[str, str]:
    """The variables the Makefile's `make run` sets for both of its processes (RUN_ENV)."""
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^RUN_ENV\s*:=\s*(.+)$", makefile, re.M)
    assert line, "the Makefile defines RUN_ENV, the environment `make run` serves with"
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "the Makefile has a run target"
    assert "gunicorn" in recipe.group(1) and "db_worker" in recipe.group(1)
    # every process of `make run` (the server, the worker, the recovery of interrupted runs) uses RUN_ENV
    processes = re.findall(r"\$\((?:PY|VENV)\)", recipe.group(1))
    with_env = re.findall(r"\$\(RUN_ENV\) \$\((?:PY|VENV)\)", recipe.group(1))
    assert len(processes) >= 2 and len(with_env) == len(processes), "every process of `make run` uses RUN_ENV"
    return dict(item.split("=", 1) for item in line.group(1).split())


@pytest.fixture(scope="module")
def pages() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DANGWU_DEBUG", "DANGWU_ALLOWED_HOSTS"}}
    env.update(run_env())
    env["DATABASE_URL"] = "sqlite:////nonexistent-dangwu-dir/no.sqlite3"  # any database read fails
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("PROBE"):])


def _assert_site_page(page: dict, status: int, heading: str) -> None:
    body = page["body"]
    assert page["status"] == status, body[:500]
    assert heading in body
    assert "返回首页" in body and 'href="/"' in body
    assert "电子党务平台" in body
    for english in ("URLconf", "Using the URLconf", "Page not found", "Traceback", "Server Error",
                    "Bad Request", "Forbidden", "CSRF verification failed"):
        assert english not in body, f"{english!r} on the {status} page"


def test_make_run_serves_without_debug_and_serves_static_files(pages):
    assert pages["debug"] is False
    assert pages["static"] == 200


def test_the_404_page_is_chinese_and_lists_no_urls(pages):
    _assert_site_page(pages["404"], 404, "页面不存在，或不在您的权限范围内")
    _assert_site_page(pages["404_member"], 404, "页面不存在，或不在您的权限范围内")
    assert "/static/dangwu/site.css" in pages["404"]["body"], "the 404 page wears the site's styles"
    assert "members/" not in pages["404"]["body"].replace("/static/", "")


def test_the_403_pages_are_chinese(pages):
    _assert_site_page(pages["403"], 403, "您的角色无权进行此操作")
    _assert_site_page(pages["403_csrf"], 403, "页面已过期，请刷新后重新提交")


def test_a_wrong_host_gets_the_chinese_400_page(pages):
    _assert_site_page(pages["400"], 400, "无法处理这个请求")


def test_the_500_page_is_chinese_and_needs_no_database(pages):
    _assert_site_page(pages["500"], 500, "系统暂时无法处理您的请求")
    assert "/static/" not in pages["500"]["body"], "the 500 page needs no static files"

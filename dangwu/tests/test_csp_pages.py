"""Every page of the platform under its Content-Security-Policy, in headless Chromium (decision 0024).

The policy (`SECURE_CSP`, sent by `dangwu.core.csp`) refuses inline scripts without the request's
nonce, inline event handlers, `javascript:` URLs, eval (htmx's `hx-on`, `js:` values) and <style>
blocks without the nonce. A template that breaks it still renders: only the browser sees that the
script did not run or the style did not apply, and says so in its console. This test opens every
HTML page of the permission table (the same pages and callers as the 360 px sweep,
test_narrow_screens.py) and the API's documentation, and fails on any violation the browser
reports: the console's "Content Security Policy" errors and the `securitypolicyviolation` events.
"""

from __future__ import annotations

import functools

import pytest

from dangwu.core.tests.test_permissions import ROUTES
from dangwu.tests.test_narrow_screens import (  # noqa: F401  (world_of_callers: the fixture)
    _StaticFiles,
    context_as,
    pages_by_role,
    world_of_callers,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Records the violations a page reports to itself (the console says it too; both are read).
LISTEN = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || ''}:${e.lineNumber}`));"""
def _keep_policy_messages(into: list[str], message) -> None:
    if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
        into.append(message.text)


EXTRA_PAGES = {"province": ["api-docs"]}  # left out of the 360 px sweep (a desk page), not of the policy


def test_no_page_breaks_the_content_security_policy(chromium, live_server, world_of_callers):  # noqa: F811
    people, objects = world_of_callers
    failures, visited = [], 0
    static_files = _StaticFiles()
    roles = pages_by_role()
    for role, names in EXTRA_PAGES.items():
        roles.setdefault(role, []).extend(names)
    for role, names in roles.items():
        context = context_as(chromium, live_server, people, role, viewport={"width": 1280, "height": 900},
                             static_files=static_files)
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.set_default_timeout(30000)
        console: list[str] = []
        page.on("console", functools.partial(_keep_policy_messages, console))
        for name in names:
            url = ROUTES[name].url.format(**objects)
            response = page.goto(url, wait_until="load")
            assert "'nonce-" in response.headers.get("content-security-policy", ""), f"{name}: no policy sent"
            page.wait_for_timeout(50)  # deferred scripts and htmx's first requests
            visited += 1
            for violation in page.evaluate("window.__csp") + console:
                failures.append(f"{name} as {role} ({url}): {violation}")
            console.clear()
        context.close()
    assert not failures, f"{len(failures)} violations of the Content-Security-Policy:\n" + "\n".join(failures)
    assert visited >= 60  # the walk reached the pages


def test_the_tree_opens_and_closes_without_inline_handlers(page, world_of_callers):  # noqa: F811
    """The tree's ▸ (once an inline onclick, now static/dangwu/actions.js): the first click loads the
    children by htmx, the next one closes the node without a request."""
    from dangwu import testing

    testing.browser_login(page, "org_prov", testing.PASSWORD)
    page.goto("/orgs/")
    toggle = page.locator("li[data-org] > [data-dw-tree-toggle]").first
    toggle.click()
    children = page.locator("li[data-org] > .dw-children").first
    children.locator("li[data-org]").first.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.inner_text() == "▾"
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if "/children" in request.url else None)
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and toggle.inner_text() == "▸"
    assert children.inner_html().strip() == "" and requests == []

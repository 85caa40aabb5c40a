"""Every page of the platform on a 360 px phone, as each role that may open it (headless Chromium).

Members and branch secretaries use the platform on phones. A page that holds at 1280 px can still,
at 360 px, scroll sideways, squeeze a button to one character a line ("编/辑/档/案"), push an
action off the screen inside a scrolling table, or break a figure in two ("2119.8 / 0"). No unit
test sees that; this sweep does. It takes the routes of the permission table
(`dangwu/core/tests/test_permissions.py` ROUTES), builds the same world of callers and the
objects the URLs name, and opens every HTML page with a 360 × 740 viewport as every caller the
table allows. One browser; one context a role, logged in once (a session cookie, no login form).

It fails naming the route, the role and the element when
- the page scrolls sideways (`document.documentElement.scrollWidth > innerWidth`);
- a box cuts its content off or scrolls it sideways inside the page (a `.table-responsive`
  whose table is wider than the phone: the last columns and their buttons are out of sight);
- a button (`button`, `.btn`) is narrower than its label, lies beyond the screen's edge, or
  wraps its label onto more lines although the label fits on one line of the page;
- a number, date or code breaks across lines ("1996-11-" / "15"), or a figure marked `.dw-num`
  (the shared class for amounts, counts and dates) or a big `.dw-stat` wraps or is wider than
  its box.

The shared layout that keeps pages within these rules lives in `dangwu/static/dangwu/site.css`:
`.dw-stack` tables become stacked rows (one card a row, each cell labelled with its column's
header) below Bootstrap's small breakpoint, `.dw-num` keeps figures on one line (`layout.js` puts
it on the figures of running text too), `.btn` labels do not wrap and `.dw-actions` groups wrap
whole buttons.

Routes that are not HTML pages are left out by name, with the reason, in NOT_PAGES (GET) or
because they are POST actions or the JSON API; a GET route that answers something else than HTML
and is not listed fails the sweep, so that a new download is listed on purpose.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from dangwu import testing
from dangwu.core.tests.test_permissions import ROUTES, Needs, _build

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # ignored by git: the last sweep's findings

NOT_PAGES = {
    # downloads
    "members:import_errors": "download: the import's error report (.xlsx)",
    "members:export": "download: the roster (.xlsx), or a redirect to its background export page (swept)",
    "members:export_download": "download: the finished roster export (.xlsx)",
    "dues:report_export": "download: the dues report (.xlsx)",
    "dues:declaration_import_errors": "download: the declarations import's error report (.xlsx)",
    "dues:receipt": "download: the payment receipt (PDF)",
    "members:import_template": "download: the roster import template (.xlsx)",
    "dues:proof_file": "download: the member's transfer proof (转账凭证: the image or PDF uploaded)",
    "members:transfer_letter": "download: the letter of introduction (介绍信, PDF)",
    "development:paperwork": "download: the 谈话记实表 (.docx)",
    "development:document": "download: an uploaded scan of the development file",
    "development:report_attachment": "download: an attachment of a thought report",
    "orglife:register": "download: the year's 三会一课 register (.xlsx)",
    "orglife:register_pdf": "download: the year's 三会一课 register printed (PDF)",
    "orglife:file": "download: a meeting's material or an attachment of its minutes (the file uploaded)",
    "elections:download": "download: a published round's ballots, candidates and counts (JSON, for verify_election)",
    # fragments that htmx swaps into a page (swept as part of that page)
    "orgs:children": "htmx fragment: the children of a tree node, inside orgs:tree",
    "members:import_progress": "htmx fragment: the import's progress, inside members:import_status",
    "members:export_progress": "htmx fragment: the export's progress, inside members:export_status",
    "dues:run_progress": "htmx fragment: the assessment run's progress, inside dues:run",
    "dues:declaration_import_progress": "htmx fragment: the declarations import's progress, inside dues:declaration_import",
    "development:branches": "htmx fragment: the branch picker's list, inside development:apply",
    "members:transfer_receivers": "htmx fragment: the receiver picker's list, inside members:transfer_start",
    # third-party page
    "api-docs": "the API's interactive documentation (Swagger UI, vendored): for developers at a desk",
}


def skip_reason(name: str) -> str | None:
    """Why the route is not a page to sweep, or None for a page."""
    route = ROUTES[name]
    if route.method != "get":
        return "POST: an action that redirects, not a page"
    if name in NOT_PAGES:
        return NOT_PAGES[name]
    if route.url.startswith("/api/"):
        return "REST API: JSON for programs"
    return None


def pages_by_role() -> dict[str, list[str]]:
    """The routes to sweep under each caller the permission table allows (2xx, or a redirect that
    the browser follows to a page)."""
    out: dict[str, list[str]] = {}
    for name, route in ROUTES.items():
        if skip_reason(name) is None:
            for caller, status in route.allowed.items():
                if status in (200, 302):
                    out.setdefault(caller, []).append(name)
    return out


# What the page is checked for, in the browser. Returns a list of (what, element) pairs.
CHECK_PAGE = r"""async () => {
  await document.fonts.ready;  // the icons' font takes room in buttons
  const W = window.innerWidth, found = [];
  const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; };
  const describe = el => {
    let s = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    for (const c of el.classList) if (c.length < 24) s += '.' + c;
    const row = el.closest('[id], [data-member]');
    if (row && row !== el) s = (row.id ? '#' + row.id : '[data-member=' + row.dataset.member + ']') + ' ' + s;
    const text = (el.innerText || el.value || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  // lines of text an element's label takes: distinct line boxes of its text nodes
  const lines = el => {
    const mids = [], walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width < 1) continue;
        const mid = r.top + r.height / 2;
        if (!mids.some(m => Math.abs(m - mid) < r.height / 2)) mids.push(mid);
      }
    }
    return mids.length;
  };
  // the width of the element's content on one line, wherever it stands
  const oneLineWidth = el => {
    const c = el.cloneNode(true);
    c.style.cssText += ';position:absolute;left:0;top:0;visibility:hidden;white-space:nowrap;width:auto;max-width:none';
    document.body.appendChild(c); const w = c.getBoundingClientRect().width; c.remove(); return w;
  };
  const page = document.querySelector('main') || document.body;
  const room = page.clientWidth - 24;  // the page's content width, less its padding

  if (document.documentElement.scrollWidth > W) {
    // the elements that stick out first: beyond the right edge while their parent is not
    const out = [...document.body.querySelectorAll('*')].filter(el => {
      const r = el.getBoundingClientRect(); if (!(r.right > W + 1) || !visible(el)) return false;
      const p = el.parentElement.getBoundingClientRect(); return !(p.right > W + 1);
    });
    found.push(['page scrolls sideways (' + document.documentElement.scrollWidth + ' px)',
                out.slice(0, 3).map(describe).join(' | ') || 'html']);
  }
  for (const el of document.body.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if (!['auto', 'scroll', 'hidden'].includes(s.overflowX) || el.matches('input, textarea, select, .btn, button, .dw-chart, .dw-chart *, [data-scroll-ok]')) continue;
    if (el.scrollWidth > el.clientWidth + 1 && visible(el))
      found.push([`content cut off or scrolling sideways inside (${el.scrollWidth} px in ${el.clientWidth} px)`, describe(el)]);
  }
  for (const el of document.querySelectorAll('button, .btn, input[type=submit], input[type=button]')) {
    if (!visible(el) || el.matches('.btn-close, .navbar-toggler, .dw-toggle') || el.closest('.navbar-collapse:not(.show)')) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.right > W + 1) { found.push(['button beyond the screen edge', describe(el)]); continue; }
    if (el.scrollWidth > el.clientWidth + 1) { found.push(['button narrower than its label', describe(el)]); continue; }
    if (lines(el) > 1 && oneLineWidth(el) <= room) found.push(['button label wraps though it fits on one line', describe(el)]);
  }
  // a number, date or code that a line break cuts in two ("1996-11-/15", "2119.8/0"), marked or not
  const figure = /\d[\d.,:\/*%×-]*\d/g, broken = new Set();
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = texts.nextNode(); n; n = texts.nextNode()) {
    const parent = n.parentElement;
    if (!parent || broken.has(parent) || parent.closest('script, style, svg, .dw-chart')) continue;
    for (const m of n.textContent.matchAll(figure)) {
      const range = document.createRange(); range.setStart(n, m.index); range.setEnd(n, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top + r.height / 2)));
      const rows = [...tops].filter((t, i, all) => !all.slice(0, i).some(u => Math.abs(u - t) < 6));
      if (rows.length > 1) { broken.add(parent); found.push([`figure "${m[0]}" breaks across lines`, describe(parent)]); break; }
    }
  }
  for (const el of document.querySelectorAll('.dw-num, .dw-stat')) {
    if (!visible(el)) continue;
    if (lines(el) > 1) found.push(['figure wraps', describe(el)]);
    else if (getComputedStyle(el).display !== 'inline' && el.scrollWidth > el.clientWidth + 1)
      found.push(['figure wider than its box', describe(el)]);
  }
  return found;
}"""


def _make_pages_full(world, people) -> None:
    """What a real branch has and the bare permission world lacks: long names, four-figure dues,
    months owed and paid, a committee, a roster import with errors. Narrow layouts break on these, not on
    empty tables."""
    from dangwu.dues import rules as dues_rules
    from dangwu.dues.models import Payment
    from dangwu.members.models import RosterImport
    from dangwu.orgs.models import CommitteePosition, Organization

    Organization.objects.filter(pk=world.branch_a.pk).update(name="芙蓉区定王台街道荷花池社区第一党支部")
    Organization.objects.filter(pk=world.branch_b.pk).update(name="荷塘区月塘街道新塘社区第一党支部")
    extra = [testing.make_member(world.branch_a, name=name, dues_standard=Decimal(amount), male=male)
             for name, amount, male in (("阿卜杜热合曼·买买提", "2119.80", True), ("欧阳晓红", "1234.50", False),
                                        ("李明", "0.20", True))]
    this_month = dues_rules.month_start(date.today())
    for k, member in enumerate([people["m_plain"], people["m_sec"], *extra]):
        amount = member.dues_standard or Decimal("103.05")
        for back in range(1, 8):
            month = dues_rules.add_months(this_month, -back)
            payment = None
            if back > 2 * k:  # the first two pay, the others owe more and more months
                payment = Payment.objects.create(
                    member=member, organization=member.organization, collected_at=member.organization,
                    method="cash", paid_on=month, total_amount=amount, receipt_number=f"DF-W-{k}-{back}")
            testing.make_assessment(member, month, amount, payment=payment)
    for post, member in (("secretary", people["m_sec"]), ("discipline", extra[0]), ("organization", extra[1])):
        CommitteePosition.objects.create(organization=world.branch_a, member=member, post=post,
                                         term_start=date(2024, 12, 31), term_end=date(2029, 12, 31))
    from dangwu.orglife.models import TalkRecord

    TalkRecord.objects.create(organization=world.branch_a, member=extra[0], talker=extra[1], on=date.today(),
                              via="phone", topic="关于家庭困难和子女入学问题以及对支部工作的意见建议的谈心谈话",
                              summary="了解思想、工作和生活情况。", withdrawn_at=timezone.now(),
                              withdraw_reason="谈话对象录入错误，已重新登记")
    RosterImport.objects.filter(organization=world.branch_a).update(
        total_rows=40, error_count=3, message="发现 3 处错误，未写入任何数据。",
        errors=[[5, "公民身份号码", "43010219850615123X", "校验码错误：最后一位应为 7"],
                [9, "入党日期", "2026-13-01", "日期无效，请写成 2026-01-31 这样的格式"],
                [12, "联系电话", "1380013800", "手机号码应为 11 位数字"]])


@pytest.fixture
def world_of_callers(transactional_db):
    """The permission table's world, callers and objects, committed (the live server reads them)."""
    world = testing.make_world()
    people = testing.make_people(world)
    objects = {"branch_a": world.branch_a.pk, "county_a": world.county_a.pk, "m_plain": people["m_plain"].pk,
               "assignment": people["secretary"].role_assignments.get().pk}
    objects.update(_build(Needs(**{f: True for f in Needs.__dataclass_fields__}), people, world))
    from django.contrib.auth import get_user_model

    people["applicant"] = get_user_model().objects.get(pk=objects.pop("applicant"))
    _make_pages_full(world, people)
    return people, objects


class _StaticFiles:
    """Static files fetched from the live server once for the whole sweep, then answered by the
    browser's side: a hundred pages in a dozen contexts would otherwise ask Django's static
    handler for the same CSS, scripts and fonts a thousand times."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, dict, bytes]] = {}

    def __call__(self, route) -> None:
        url = route.request.url
        if url not in self.files:
            response = route.fetch()
            self.files[url] = (response.status, response.headers, response.body())
        status, headers, body = self.files[url]
        route.fulfill(status=status, headers=headers, body=body)


def context_as(chromium, live_server, people, role: str, *, viewport: dict, static_files: _StaticFiles):
    """A browser context logged in as the role (a session cookie, no login form), its static files
    answered from `static_files`. The CSP walk (test_csp_pages.py) opens its pages the same way."""
    context = chromium.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url)
    context.route("**/static/**", static_files)
    context.route("**/favicon.ico", lambda route: route.abort())
    if role != "anonymous":
        client = Client()
        client.force_login(people[role])
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    return context


def test_every_page_holds_at_360_px_for_every_role_that_may_open_it(chromium, live_server, world_of_callers):
    people, objects = world_of_callers
    failures, swept = [], 0
    static_files = _StaticFiles()
    for role, names in pages_by_role().items():
        context = context_as(chromium, live_server, people, role, viewport=PHONE, static_files=static_files)
        page = context.new_page()
        page.set_default_timeout(30000)
        for name in names:
            url = ROUTES[name].url.format(**objects)
            response = page.goto(url, wait_until="domcontentloaded")
            kind = response.headers.get("content-type", "")
            if response.status != 200 or not kind.startswith("text/html"):
                failures.append(f"{name} as {role}: {url} answered {response.status} {kind} — not a page? "
                                "list it in NOT_PAGES with the reason")
                continue
            if "/accounts/login/" in page.url and name != "core:login":
                failures.append(f"{name} as {role}: {url} sent to the login page (the role's session?)")
                continue
            swept += 1
            for what, element in page.evaluate(CHECK_PAGE):
                failures.append(f"{name} as {role} ({url}): {what}: {element}")
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "narrow-screens.txt").write_text("\n".join(failures) + "\n", encoding="utf-8")
    assert not failures, f"{len(failures)} problems at 360 px on {swept} pages:\n" + "\n".join(failures)
    assert swept >= 60  # the sweep reached the pages (a broken login would answer the login page)


def test_every_route_is_swept_or_left_out_with_a_reason():
    """A route added to the permission table is swept unless it is named here with a reason."""
    assert not set(NOT_PAGES) - set(ROUTES), "NOT_PAGES names routes that no longer exist"
    for name in ROUTES:
        assert skip_reason(name) or any(name in names for names in pages_by_role().values()), name


STATIC = Path(__file__).resolve().parents[1] / "static" / "dangwu"
BOOTSTRAP = Path(settings.BASE_DIR) / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.min.css"
STACKED_TABLE = """<table class="table dw-stack" id="t">
  <thead><tr><th>行号</th><th>姓名</th><th>项目</th><th>原值</th><th>新值</th></tr></thead>
  <tbody>
    <tr><td rowspan="2">第 3 行</td><td rowspan="2">李晓红</td><td>工作单位</td><td>旧</td><td>新</td></tr>
    <tr><td>联系电话</td><td>138****8000</td><td>139****9000</td></tr>
    <tr><td>第 7 行</td><td colspan="2">未申报</td><td>—</td><td data-label="自定">x</td></tr>
  </tbody></table>
<p id="running">最近一次思想汇报 2026-12-02，欠交 774.90 元<textarea>2026-12-02</textarea></p>"""


def test_stacked_tables_and_figures_of_running_text_on_phones_and_desks(chromium):
    """layout.js labels the cells of a stacked table (following rowspan and colspan) and marks the
    figures of running text; site.css stacks the rows below 576 px only."""
    if not BOOTSTRAP.exists():
        pytest.skip("node_modules/bootstrap is missing (npm install)")
    page = chromium.new_page(viewport=PHONE)
    try:
        page.set_content(f"<html><head><style>{BOOTSTRAP.read_text()}{(STATIC / 'site.css').read_text()}</style>"
                         f"</head><body>{STACKED_TABLE}<script>{(STATIC / 'layout.js').read_text()}</script></body></html>")
        page.evaluate("document.dispatchEvent(new Event('DOMContentLoaded'))")  # twice: changes nothing more
        assert page.inner_html("#running") == ('最近一次思想汇报 <span class="dw-num">2026-12-02</span>，欠交 '
                                               '<span class="dw-num">774.90</span> 元<textarea>2026-12-02</textarea>')
        labels = page.evaluate("""[...document.querySelectorAll('#t tbody tr')].map(tr =>
            [...tr.cells].map(td => td.classList.contains('dw-stack-title') ? 'TITLE' : td.dataset.label || ''))""")
        assert labels == [["TITLE", "姓名", "项目", "原值", "新值"],
                          ["项目", "原值", "新值"],  # under the rowspans: the columns it starts at
                          ["TITLE", "姓名", "原值", "自定"]]  # the colspan covers 姓名 and 项目; own label kept
        assert page.evaluate("document.querySelector('#t tbody tr:nth-child(2)').classList.contains('dw-stack-more')")
        display = "[...document.querySelectorAll('#t, #t thead, #t tr, #t td')].map(e => getComputedStyle(e).display)"
        shown = page.evaluate(display)
        assert shown[0] == "block" and shown[1] == "none" and set(shown[2:]) == {"block"}
        assert page.evaluate("getComputedStyle(document.querySelector('#t tbody td:nth-child(2)'), '::before')"
                             ".content") == '"姓名"'
        page.set_viewport_size({"width": 1280, "height": 900})  # on a desk: an ordinary table
        shown = page.evaluate(display)
        assert shown[0] == "table" and shown[1] == "table-header-group" and "block" not in shown
    finally:
        page.close()

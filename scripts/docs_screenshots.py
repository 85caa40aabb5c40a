"""Take the user guide's screenshots from a running server (make run) with Debian's Chromium.

    .venv/bin/python scripts/docs_screenshots.py [http://127.0.0.1:8000]

Writes docs/images/*.png. Needs the demo accounts (seed_demo).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
PASSWORD = "dangwu-demo-2026"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def login(page, username):
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def shot(page, name, full=False):
    page.wait_for_timeout(600)  # let charts finish their animation
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{BASE}/accounts/login/")
        shot(page, "login")
        login(page, "demo-secretary")
        shot(page, "home-secretary")
        page.goto(f"{BASE}/orglife/")
        page.wait_for_load_state("networkidle")
        shot(page, "orglife-org", full=True)
        page.goto(f"{BASE}/members/?q=lxh")
        shot(page, "member-search")
        page.locator("#member-results a").first.click()
        page.wait_for_load_state("networkidle")
        shot(page, "member-profile", full=True)
        page.get_by_role("link", name="编辑档案").click()
        page.get_by_label("公民身份号码").fill("430102199210213380")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state("networkidle")
        shot(page, "member-edit-error")
        page.goto(f"{BASE}/members/1/")
        shot(page, "not-found")
        page.get_by_role("button", name="退出").click()
        login(page, "demo-city")
        shot(page, "home-city")
        page.goto(f"{BASE}/orgs/")
        page.locator(".dw-tree > ul > li > button.dw-toggle").first.click()
        page.locator(".dw-children li").first.wait_for()
        page.locator(".dw-children li > button.dw-toggle").first.click()
        page.wait_for_timeout(500)
        shot(page, "org-tree")
        page.goto(f"{BASE}/orgs/?q=社区党支部")
        page.locator("#org-results a").first.click()
        page.wait_for_load_state("networkidle")
        shot(page, "org-detail", full=True)
        page.goto(f"{BASE}/dues/")
        page.wait_for_load_state("networkidle")
        shot(page, "dues-city", full=True)
        page.get_by_role("button", name="退出").click()
        phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740},
                                    device_scale_factor=2, is_mobile=True).new_page()
        page, desk = phone, page
        login(page, "demo-member")
        shot(page, "home-member-phone", full=True)
        page.locator("#own-meetings a").first.click()
        page.wait_for_load_state("networkidle")
        shot(page, "orglife-meeting-phone", full=True)
        page.goto(f"{BASE}/notifications/")
        shot(page, "notifications-phone", full=True)
        page, phone = desk, page
        phone.close()
        login(page, "demo-audit")
        page.goto(f"{BASE}/audit/")
        shot(page, "audit-log")
        page.goto(f"{BASE}/")
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
        page.wait_for_load_state("networkidle")
        shot(page, "home-english")
        browser.close()


if __name__ == "__main__":
    main()

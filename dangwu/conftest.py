import pytest

from dangwu import testing


@pytest.fixture(autouse=True)
def _chinese_by_default():
    """Each test starts in the default language: a request in English must not leak into the next test."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture
def world(db):
    return testing.make_world()


@pytest.fixture
def people(world):
    """Callers at every distance from branch A: its secretary and a plain member, the
    secretary of the sibling branch, the organization departments of city A, city B and
    the province, discipline inspection, and the three administrators."""
    w = world
    secretary = testing.make_user("sec_a", ("branch_secretary", w.branch_a))
    plain = testing.make_user("member_a")
    sibling = testing.make_user("sec_a2", ("branch_secretary", w.branch_a2))
    city_a = testing.make_user("org_city_a", ("org_department", w.city_a))
    city_b = testing.make_user("org_city_b", ("org_department", w.city_b))
    province = testing.make_user("org_prov", ("org_department", w.province))
    discipline = testing.make_user("disc_prov", ("discipline", w.province))
    sysadmin = testing.make_user("sys_prov", ("system_admin", w.province))
    auditor = testing.make_user("audit_prov", ("audit_admin", w.province))
    security = testing.make_user("sec_admin_prov", ("security_admin", w.province))
    m_sec = testing.make_member(w.branch_a, name="李书记", user=secretary)
    m_plain = testing.make_member(w.branch_a, name="张三", user=plain)
    m_other = testing.make_member(w.branch_a2, name="王五", male=False, birth=__import__("datetime").date(1990, 3, 3))
    m_b = testing.make_member(w.branch_b, name="赵六")
    return {
        "secretary": secretary, "plain": plain, "sibling": sibling, "city_a": city_a, "city_b": city_b,
        "province": province, "discipline": discipline, "sysadmin": sysadmin, "auditor": auditor,
        "security": security, "m_sec": m_sec, "m_plain": m_plain, "m_other": m_other, "m_b": m_b,
    }


# --- browser tests: Playwright driving Debian's Chromium ------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    import os
    import shutil

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium when run as root")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the
    # fixtures around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def demo_province(transactional_db):
    """A small demo province loaded by the real loader, with the README's demo accounts."""
    from django.core.management import call_command

    call_command("seed_demo", members=300, seed=2026, verbosity=0)

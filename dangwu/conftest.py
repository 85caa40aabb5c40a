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
    """Callers at every distance from branch A (`testing.make_people`): its secretary and a plain
    member, the secretary of the sibling branch, the organization departments of city A, city B
    and the province, discipline inspection, and the three administrators."""
    return testing.make_people(world)


@pytest.fixture
def database_worker(settings, monkeypatch):
    """Tasks queued in the database as in production, and a function that runs the production
    worker (`manage.py db_worker --batch`: django-tasks-db's `Worker`) in this process until no
    task is left, on the test's database (SQLite, or PostgreSQL with DATABASE_URL)."""
    from django_tasks_db.management.commands import db_worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The worker closes "old" connections between tasks; inside the test's transaction that would
    # close the test's own connection on PostgreSQL.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        db_worker.Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                         startup_delay=False, max_tasks=None, worker_id="test-worker",
                         excluded_queue_names=[]).run()

    return run


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


DEMO_PROVINCE = {"members": 300, "seed": 2026}


@pytest.fixture(scope="session")
def _demo_province_rows(django_db_setup, django_db_blocker):
    """The rows of the demo province as `seed_demo --members 300 --seed 2026` writes them, and the
    day it ran: the loader runs once a session (once an xdist worker) in a transaction that is
    rolled back, its rows kept in memory."""
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    with django_db_blocker.unblock(), transaction.atomic():
        seeded_on = timezone.localdate()
        call_command("seed_demo", **DEMO_PROVINCE, verbosity=0, stdout=io.StringIO())
        rows = testing.RowsCopy.take()
        transaction.set_rollback(True)
    return seeded_on, rows


@pytest.fixture
def demo_province(db, _demo_province_rows):
    """A small demo province loaded by the real loader, with the README's demo accounts.

    The loader runs once a session; each test gets a copy of its rows (`testing.RowsCopy`): the
    same rows, ids and values as the loader wrote, in a fraction of its time. A test with
    `live_server` (the browser tests) is transactional: the copy is committed, so that the server
    sees it, and the database is emptied after the test; any other test runs inside a transaction
    that is rolled back after it.
    """
    from django.core.management import call_command
    from django.utils import timezone

    seeded_on, rows = _demo_province_rows
    if seeded_on == timezone.localdate():
        rows.load()
    else:  # the day changed since (the demo's dates count back from today): the loader runs again
        call_command("seed_demo", **DEMO_PROVINCE, verbosity=0)

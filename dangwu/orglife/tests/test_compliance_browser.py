"""下级党组织三会一课情况 in headless Chromium, at 360 px and on a desktop: the province's page shows
the figures of the branches below on one line each and a row per city; a figure opens the list of
the branches that missed. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.orglife import rollups
from dangwu.orglife.models import Meeting

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]


def _held(world):
    """Branch A held 主题党日 every month so far and 党员大会 each quarter; branch B only some months."""
    today = timezone.localdate()
    for month in range(1, today.month):
        day = timezone.make_aware(datetime.combine(today.replace(month=month, day=8), time(9)))
        for org in (world.branch_a, world.branch_b) if month % 2 else (world.branch_a,):
            Meeting.objects.create(organization=org, kind="theme_day", title=f"{month}月主题党日", starts_at=day,
                                   ends_at=day + timedelta(hours=2), status="held")
        if month % 3 == 1:
            Meeting.objects.create(organization=world.branch_a, kind="assembly", title="党员大会", starts_at=day,
                                   ends_at=day + timedelta(hours=1), status="held")
    rollups.rebuild()  # written in bulk above, as the demo does


@pytest.mark.parametrize(("name", "viewport"), [("phone", {"width": 360, "height": 740}),
                                                ("desktop", {"width": 1280, "height": 900})])
def test_the_province_sees_the_branches_below_that_missed(chromium, live_server, people, world, name, viewport):
    _held(world)
    context = chromium.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    testing.browser_login(page, "org_prov", testing.PASSWORD)
    page.goto(f"/orglife/org/{world.province.pk}/")
    section = page.locator("#compliance")
    assert "下级党组织三会一课情况" in section.inner_text()
    assert page.locator(f'#compliance-children tr[data-org="{world.city_a.pk}"]').count() == 1
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    # each figure on one line: a cell is no taller than one line of its text
    heights = page.eval_on_selector_all("#compliance .dw-cell", "cells => cells.map(c => c.getBoundingClientRect().height)")
    assert heights and max(heights) < 30
    testing.screenshot(page, f"orglife-compliance-{name}")
    page.locator('#compliance [data-kind="assembly"] a.dw-cell').first.click()
    page.wait_for_selector("#missed-branches")
    assert world.branch_a2.name in page.locator("#missed-branches").inner_text()
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    testing.screenshot(page, f"orglife-compliance-missed-{name}")
    context.close()

"""The loader runs what `core.registries.demo_seeders` holds: a later app plugs its seeder in."""

from __future__ import annotations

import ast
import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from dangwu.core import registries
from dangwu.core.models import AuditEntry
from dangwu.core.registries import DemoSeeder
from dangwu.demo.context import DemoContext
from dangwu.demo.planner import build_plan
from dangwu.dues.models import Declaration
from dangwu.members.models import Member

BUILT_IN = ["organizations", "accounts", "members", "development", "dues", "account-roles"]


def test_the_built_in_seeders_are_registered_in_order():
    assert [s.key for s in registries.demo_seeders if s.key in BUILT_IN] == BUILT_IN


@pytest.fixture
def extra_seeder():
    """A seeder of a later app, registered between members (30) and dues (50), removed afterwards."""
    calls: list[dict] = []

    def seed(*, context: DemoContext) -> None:
        calls.append({
            "context": context,
            "members_written": Member.objects.count(),
            "declarations_written": Declaration.objects.count(),
        })
        context.summary["extra"] = {"seen": len(context.members)}

    registries.demo_seeders.register(DemoSeeder(key="test-extra", seed=seed, order=45, description="a test"))
    try:
        yield calls
    finally:
        registries.demo_seeders.unregister("test-extra")
    assert "test-extra" not in registries.demo_seeders


def test_seed_demo_calls_a_registered_seeder_with_the_context(db, extra_seeder):
    call_command("seed_demo", "--members", "60", "--seed", "2", stdout=StringIO())
    assert len(extra_seeder) == 1
    call = extra_seeder[0]
    context = call["context"]
    assert isinstance(context, DemoContext)
    assert (context.seed, context.member_count) == (2, 60)
    assert context.plan.seed == 2 and len(context.plan.members) == 60
    assert context.root.code == "43" and context.demo_branch.pk
    assert len(context.members) == 60 and set(context.users) >= {"demo-secretary", "demo-member"}
    # In its order: after the members (30), before the dues (50).
    assert call["members_written"] == 60 and call["declarations_written"] == 0
    assert Declaration.objects.exists()
    # What it put in the summary lands in the load's one audit entry.
    entry = AuditEntry.objects.get(action="demo.seed")
    assert entry.summary["extra"] == {"seen": 60}
    assert entry.summary["members"] == 60


def test_random_for_gives_each_seeder_its_own_repeatable_source():
    plan = build_plan(members=60, seed=3)
    context = DemoContext(seed=3, member_count=60, today=plan.today, plan=plan)
    assert context.random_for("orglife").random() == context.random_for("orglife").random()
    assert context.random_for("orglife").random() != context.random_for("lessons").random()
    assert context.random_for("dues").random() == random.Random("dues-3").random()  # the dues seeder's stream


def test_no_app_imports_the_demo_app():
    """The demo app is a top floor: nothing of the project but settings names it."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] == "demo" or relative.name.startswith("settings"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
                if node.level == 0 and node.module == "dangwu":
                    names = [f"dangwu.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n == "dangwu.demo" or n.startswith("dangwu.demo.") for n in names):
                offenders.append(str(relative))
    assert offenders == []

"""Roster export (花名册导出, `roster_export`): masked or full numbers, audited, scoped; an export
imports back as the same records; the export command."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.members import roster, roster_export, roster_import
from dangwu.members.models import Member

from .rosters import person, write_xlsx


def _parse(tmp_path, rows, name="r.xlsx", **kwargs):
    return roster.read_roster(write_xlsx(tmp_path / name, rows, **kwargs))


def _export(actor, org, tmp_path, name="out.xlsx"):
    path = tmp_path / name
    with open(path, "wb") as out:
        result = roster_export.export_roster(actor=actor, organization=org, out=out)
    return path, result


def test_export_masks_numbers_unless_the_caller_may_see_them_and_is_audited(tmp_path, people, world):
    path, result = _export(people["sysadmin"], world.branch_a, tmp_path)  # member.view, not view_sensitive
    assert not result.full_numbers and result.rows == 2
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[: 6] == ["党组织代码", "所在党组织", "姓名", "性别", "民族", "公民身份号码"]
    ids = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert ids == {people["m_sec"].id_number_masked, people["m_plain"].id_number_masked}
    entry = AuditEntry.objects.filter(action="member.export").latest("seq")
    assert entry.summary == {"organization": world.branch_a.code, "rows": 2, "numbers": "masked"}
    path, result = _export(people["secretary"], world.branch_a, tmp_path, "full.xlsx")
    assert result.full_numbers
    ids = {row[5] for row in load_workbook(path).active.iter_rows(min_row=2, values_only=True)}
    assert people["m_plain"].id_number in ids
    assert AuditEntry.objects.filter(action="member.export").latest("seq").summary["numbers"] == "full"


def test_export_reaches_only_the_scope(tmp_path, people, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _export(people["secretary"], world.branch_b, tmp_path)


def _snapshot(member):
    data = {name: getattr(member, name) for name in roster_import.ROSTER_FIELDS}
    data.update(id_number=member.id_number, phone=member.phone, standing=member.standing)
    return data


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6), size=st.integers(min_value=1, max_value=25))
def test_export_then_import_round_trips(db, tmp_path_factory, seed, size):
    """Export a branch (full numbers, as the system) and import it into another province: same records."""
    from django.db import transaction

    tmp_path = tmp_path_factory.mktemp("rt")
    with transaction.atomic():
        sid = transaction.savepoint()
        world = testing.make_world()
        rows = [person(seed * 100 + i) for i in range(size)]
        for i, row in enumerate(rows):  # every field, so that all of them travel
            row.update({"籍贯": "湖南长沙", "学位": "学士", "专业技术职务": "工程师", "参加工作日期": date(row["出生日期"].year + 20, 9, 1),
                        "家庭住址": "长沙市芙蓉区五一路1号", "党内职务": "组织委员" if i % 3 == 0 else "",
                        "申请入党日期": None, "流出党员": i % 4 == 0, "流出去向": "广东深圳" if i % 4 == 0 else "",
                        "流入党员": i % 5 == 0, "困难党员": i % 6 == 0, "党务工作者": i % 7 == 0,
                        "党费标准（元/月）": Decimal("12.50") if i % 2 else None,
                        "党费交至": date(2026, 1, 1) if i % 2 else None})
        result = roster_import.import_roster(actor=None, roster=_parse(tmp_path, rows, name="in.xlsx"),
                                        organization=world.branch_a)
        assert result.ok, result.errors[:5]
        originals = {m.id_number: _snapshot(m) for m in Member.objects.filter(organization=world.branch_a)}
        path, _result = _export(None, world.branch_a, tmp_path)
        Member.objects.filter(organization=world.branch_a).delete()
        result = roster_import.import_roster(actor=None, roster=roster.read_roster(path), organization=None, update=True)
        assert result.ok, result.errors[:5]
        assert result.created == size
        again = {m.id_number: _snapshot(m) for m in Member.objects.filter(organization=world.branch_a)}
        assert again == originals
        # and an update with the same file changes nothing
        result = roster_import.import_roster(actor=None, roster=roster.read_roster(path), update=True)
        assert (result.updated, result.unchanged) == (0, size)
        transaction.savepoint_rollback(sid)


def test_export_command_writes_full_numbers_and_is_audited(tmp_path, people, world):
    out = tmp_path / "city.xlsx"
    call_command("export_members", "--org", world.city_a.code, str(out), stdout=io.StringIO())
    ids = {row[5] for row in load_workbook(out).active.iter_rows(min_row=2, values_only=True)}
    assert ids == {people[k].id_number for k in ("m_sec", "m_plain", "m_other")}
    entry = AuditEntry.objects.filter(action="member.export").latest("seq")
    assert entry.actor is None and entry.summary["numbers"] == "full" and entry.summary["rows"] == 3

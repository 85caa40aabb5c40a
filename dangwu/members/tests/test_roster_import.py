"""Roster import (花名册导入, `roster_import`): every kind of bad row named, all rows or none, updates,
scopes, the verdict of create_member, and the import command."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangwu.core import crypto
from dangwu.core.models import AuditEntry
from dangwu.members import roster, roster_import, rules, services
from dangwu.members.models import Member

from .rosters import people as make_rows
from .rosters import write_xlsx


def _parse(tmp_path, rows, name="r.xlsx", **kwargs):
    return roster.read_roster(write_xlsx(tmp_path / name, rows, **kwargs))


def test_imports_a_roster_with_history_rollups_and_one_audit_entry(tmp_path, people, world):
    rows = make_rows(20)
    rows[0]["出生日期"] = None  # birth date and gender come from the ID number
    rows[0]["性别"] = None
    before = AuditEntry.objects.count()
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert result.ok and result.created == 20 and result.updated == 0
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action="member.import")
    assert entry.summary["created"] == 20 and entry.summary["file"] == "r.xlsx"
    assert entry.organization_id_value == world.branch_a.pk and entry.actor == people["secretary"]
    imported = Member.objects.get(id_number_hash=crypto.lookup_hash(rows[0]["公民身份号码"]))
    parsed_id = rules.parse_id_number(rows[0]["公民身份号码"])
    assert imported.birth_date == parsed_id.birth_date and imported.gender == parsed_id.gender
    assert imported.id_number == rows[0]["公民身份号码"] and imported.phone == rows[0]["联系电话"]
    assert imported.name_pinyin == rules.pinyin_keys(imported.name)[0]
    assert imported.organization == world.branch_a
    assert imported.history.count() == 1
    assert imported.history.first().history_user == people["secretary"]
    unit, job = roster.split_work_and_job(rows[0]["工作单位及职务"])
    assert (imported.work_unit, imported.job_title) == (unit, job)
    from dangwu.members import rollups

    assert not rollups.drift()  # the structure statistics equal a direct count


def _errors(result):
    return {(e.row, e.column): e.reason for e in result.errors}


def test_every_kind_of_bad_row_is_named_and_nothing_is_written(tmp_path, people, world):
    world.branch_a2.dissolved_on = date(2020, 1, 1)
    world.branch_a2.save()
    rows = make_rows(12)
    for row in rows:
        row["党组织代码"] = world.branch_a.code
    existing = people["m_plain"]
    good = rows[0]["公民身份号码"]
    rows[1]["公民身份号码"] = good[:-1] + ("0" if good[-1] != "0" else "1")  # check digit
    rows[2]["出生日期"] = rows[2]["出生日期"] + timedelta(days=1)  # disagrees with the ID
    rows[3]["性别"] = "女" if rows[3]["性别"] == "男" else "男"  # disagrees with the ID
    rows[4]["入党日期"] = rows[4]["出生日期"].replace(year=rows[4]["出生日期"].year + 17)  # joined before 18
    rows[5]["转正日期"] = date(rows[5]["入党日期"].year - 1, 1, 1)  # converted before joined
    rows[6].update({k: rows[0][k] for k in ("公民身份号码", "出生日期", "性别")})  # duplicate of row 2
    rows[7]["公民身份号码"] = existing.id_number  # already on file
    rows[8]["党组织代码"] = "999999"  # unknown organization
    rows[9]["党组织代码"] = world.branch_b.code  # out of the secretary's scope
    rows[10]["党组织代码"] = world.branch_a2.code  # dissolved
    rows[11]["联系电话"] = "12345"
    before = (Member.objects.count(), AuditEntry.objects.count(), Member.history.count())
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows))
    errors = _errors(result)
    assert "校验位" in errors[(3, "公民身份号码")]
    assert "出生日期与公民身份号码不一致" in errors[(4, "出生日期")]
    assert "性别与公民身份号码不一致" in errors[(5, "性别")]
    assert "未满18周岁" in errors[(6, "入党日期")]
    assert "转正日期不能早于入党日期" in errors[(7, "转正日期")]
    assert "与第2行的公民身份号码重复" in errors[(8, "公民身份号码")]
    assert "已登记" in errors[(9, "公民身份号码")]
    assert "不存在" in errors[(10, "党组织代码")]
    assert "不在您的管理范围内" in errors[(11, "党组织代码")]
    assert "已撤销" in errors[(12, "党组织代码")]
    assert "联系电话格式不正确" in errors[(13, "联系电话")]
    assert len(result.errors) == 11
    assert (Member.objects.count(), AuditEntry.objects.count(), Member.history.count()) == before
    values = {(e.row, e.column): e.value for e in result.errors}
    assert values[(9, "公民身份号码")] == rules.mask_id_number(existing.id_number)  # others may read the report


def test_one_bad_row_among_fifty_writes_nothing(tmp_path, people, world):
    rows = make_rows(50)
    joined = rows[37]["入党日期"]
    rows[37]["入党日期"] = f"{joined.year}-02-30"
    before = (Member.objects.count(), AuditEntry.objects.count(), Member.history.count())
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert [(e.row, e.column) for e in result.errors] == [(39, "入党日期")]
    assert "日期不存在" in result.errors[0].reason
    assert (Member.objects.count(), AuditEntry.objects.count(), Member.history.count()) == before
    rows[37]["入党日期"] = f"{joined.year}年{joined.month}月{joined.day}日"
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert result.ok and result.created == 50
    assert Member.objects.count() == before[0] + 50
    assert AuditEntry.objects.count() == before[1] + 1


def test_dry_run_checks_and_writes_nothing(tmp_path, people, world):
    rows = make_rows(5)
    before = (Member.objects.count(), AuditEntry.objects.count())
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a, dry_run=True)
    assert result.ok and result.created == 5 and result.dry_run
    assert (Member.objects.count(), AuditEntry.objects.count()) == before


def test_missing_required_values_and_standing(tmp_path, people, world):
    rows = make_rows(4)
    rows[0]["姓名"] = ""
    rows[1]["党员类型"] = None
    rows[2]["入党日期"] = None
    rows[3]["公民身份号码"] = ""
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert _errors(result) == {(2, "姓名"): "请填写姓名", (3, "党员类型"): "请填写党员类型",
                               (4, "入党日期"): "请填写入党日期", (5, "公民身份号码"): "请填写公民身份号码"}


def test_new_records_must_be_in_good_standing(tmp_path, people, world):
    rows = make_rows(1)
    rows[0]["党籍状态"] = "死亡"
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert "党籍正常" in _errors(result)[(2, "党籍状态")]


def test_organization_by_code_or_name_and_refusals(tmp_path, people, world):
    rows = make_rows(3)
    rows[0]["所在党组织"] = world.branch_a.name
    rows[1]["所在党组织"] = world.branch_a2.name
    rows[2]["所在党组织"] = "不存在的支部"
    result = roster_import.import_roster(actor=people["city_a"], roster=_parse(tmp_path, rows))
    assert _errors(result) == {(4, "所在党组织"): "在您的管理范围内没有名为“不存在的支部”的党组织"}
    rows.pop()
    result = roster_import.import_roster(actor=people["city_a"], roster=_parse(tmp_path, rows))
    assert result.ok and result.created == 2
    assert result.organization == world.county_a  # the audit entry names their common ancestor
    assert set(Member.objects.filter(name__in=[r["姓名"] for r in rows]).values_list("organization", flat=True)) == {
        world.branch_a.pk, world.branch_a2.pk}


def test_a_row_outside_the_chosen_organization_is_refused(tmp_path, people, world):
    rows = make_rows(1)
    rows[0]["党组织代码"] = world.branch_a2.code
    result = roster_import.import_roster(actor=people["city_a"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert "不在所选党组织" in _errors(result)[(2, "党组织代码")]


def test_without_organization_column_or_choice_each_row_says_so(tmp_path, people):
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, make_rows(2)))
    assert [e.row for e in result.errors] == [2, 3]
    assert "请填写党组织代码" in result.errors[0].reason


def test_update_reports_what_changed_and_leaves_other_fields(tmp_path, people, world):
    member = people["m_plain"]
    row = {"姓名": member.name, "身份证号": member.id_number, "党员类型": "正式党员",
           "入党日期": member.joined_on.isoformat(), "学历": "硕士", "联系电话": "13700001111"}
    member.work_unit = "原单位"
    member.save()
    refused = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]),
                                     organization=world.branch_a)
    assert "更新已有党员" in refused.errors[0].reason
    before = AuditEntry.objects.count()
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]),
                                    organization=world.branch_a, update=True)
    assert result.ok and (result.created, result.updated) == (0, 1)
    changes = {label: (old, new) for label, old, new in result.changes[0].changes}
    assert changes["学历"][1] == "研究生"
    assert changes["联系电话"] == (rules.mask_phone("13800138000"), rules.mask_phone("13700001111"))
    member.refresh_from_db()
    assert member.education == "postgraduate" and member.phone == "13700001111"
    assert member.work_unit == "原单位"  # the file has no such column: kept
    assert member.history.first().history_change_reason.startswith("花名册导入")
    assert AuditEntry.objects.count() == before + 1
    again = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]),
                                   organization=world.branch_a, update=True)
    assert (again.updated, again.unchanged) == (0, 1)


def test_update_cannot_move_a_member_or_reach_outside_the_scope(tmp_path, people, world):
    other = people["m_other"]  # in branch A2
    row = {"姓名": other.name, "身份证号": other.id_number, "党员类型": "正式党员",
           "入党日期": other.joined_on.isoformat(), "党组织代码": world.branch_a.code}
    result = roster_import.import_roster(actor=people["city_a"], roster=_parse(tmp_path, [row]), update=True)
    assert "组织关系转接" in _errors(result)[(2, "党组织代码")]
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]), update=True)
    assert "不能导入您管理的党组织" in _errors(result)[(2, "身份证号")]


NEUTRAL = "该公民身份号码不能导入您管理的党组织，请核对号码；如有疑问，请联系上级党组织"


@pytest.mark.parametrize("update", [False, True])
def test_a_number_on_file_outside_the_scope_is_answered_neutrally_and_audited(tmp_path, people, world, update):
    """The import must not tell a secretary that a number anywhere belongs to a party member:
    a record outside her scope gets the same neutral answer whether she creates or updates,
    and her lookup is an audited refused access, naming the row and the record reached."""
    other = people["m_other"]  # in branch A2, outside branch A's secretary's scope
    rows = make_rows(2)
    rows[1]["公民身份号码"] = other.id_number
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                         organization=world.branch_a, update=update)
    reason = _errors(result)[(3, "公民身份号码")]
    assert reason == NEUTRAL
    assert "党员档案" not in reason and "管理范围" not in reason
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == people["secretary"] and entry.organization_id_value == world.branch_a.pk
    assert entry.summary["via"] == "roster_import" and entry.summary["model"] == "members.member"
    assert entry.summary["rows"] == [3] and entry.summary["members"] == [other.pk]
    assert other.id_number not in str(entry.summary)
    # within the scope, the helpful answer stays, and nothing is audited as refused
    own = people["m_plain"]
    rows[1]["公民身份号码"] = own.id_number
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                         organization=world.branch_a)
    assert "已登记在党员档案中" in _errors(result)[(3, "公民身份号码")]
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_permission_is_checked_for_the_chosen_organization(tmp_path, people, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, make_rows(1)),
                               organization=world.branch_b)


def test_same_verdict_as_create_member(tmp_path, people, world):
    """The import checks rows with create_member's rules: a row it accepts, create_member accepts."""
    from django.core.exceptions import ValidationError

    cases = make_rows(6)
    cases[1]["入党日期"] = date(2030, 1, 1)
    cases[2]["联系电话"] = "0731-1"
    cases[3]["转正日期"] = cases[3]["入党日期"]
    cases[3]["党员类型"] = "预备党员"
    cases[4]["工作单位及职务"] = "单" * 130
    for index, row in enumerate(cases):
        result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row], name=f"{index}.xlsx"),
                                        organization=world.branch_a, dry_run=True)
        unit, job = roster.split_work_and_job(row["工作单位及职务"])
        fields = {"name": row["姓名"], "gender": roster.parse_value("gender", row["性别"]),
                  "ethnicity": roster.parse_value("ethnicity", row["民族"]), "birth_date": row["出生日期"],
                  "education": roster.parse_value("education", row["学历"]),
                  "occupation": roster.parse_value("occupation", row["人员类别"]),
                  "member_type": roster.parse_value("member_type", row["党员类型"]), "joined_on": row["入党日期"],
                  "converted_on": row["转正日期"], "work_unit": unit, "job_title": job}
        try:
            services.create_member(actor=people["secretary"], organization=world.branch_a, fields=fields,
                                   id_number=row["公民身份号码"], phone=row["联系电话"])
            created = True
        except ValidationError:
            created = False
        assert result.ok == created, (index, result.errors)



# --- commands ------------------------------------------------------------------------------

def test_import_command_reports_every_bad_row_and_exits_non_zero(tmp_path, world, capsys):
    rows = make_rows(3)
    rows[2]["学历"] = "幼儿园"
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    with pytest.raises(CommandError) as failure:
        call_command("import_members", str(path), "--org", world.branch_a.code)
    assert failure.value.returncode == 1
    err = capsys.readouterr().err
    assert "4\t学历\t幼儿园\t无法识别的学历" in err
    assert not Member.objects.filter(organization=world.branch_a).exists()


def test_import_command_dry_run_update_and_success(tmp_path, world):
    rows = make_rows(3)
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    out = io.StringIO()
    call_command("import_members", str(path), "--org", world.branch_a.code, "--dry-run", stdout=out)
    assert "校验通过" in out.getvalue() and not Member.objects.exists()
    call_command("import_members", str(path), "--org", world.branch_a.code, stdout=out)
    assert "新建 3 名" in out.getvalue() and Member.objects.count() == 3
    entry = AuditEntry.objects.get(action="member.import")
    assert entry.actor is None and entry.summary["created"] == 3
    rows[0]["学历"] = "博士"
    write_xlsx(tmp_path / "r.xlsx", rows)
    out = io.StringIO()
    call_command("import_members", str(path), "--org", world.branch_a.code, "--update", stdout=out)
    assert "更新 1 名" in out.getvalue() and "学历" in out.getvalue()


def test_import_command_refuses_bad_files_and_unknown_codes(tmp_path, world):
    bad = tmp_path / "r.xlsx"
    bad.write_text("hello")
    with pytest.raises(CommandError, match="不是有效的Excel"):
        call_command("import_members", str(bad), "--org", world.branch_a.code)
    with pytest.raises(CommandError, match="no organization"):
        call_command("import_members", str(bad), "--org", "nope")


def test_the_import_checks_each_field_as_the_form_and_the_api_do(tmp_path, people, world):
    """One check per field (issue 12, finding 8): a control character in a text cell is refused on
    its row, and a dues standard of -0 is stored as 0, as the member form and the API do."""
    rows = make_rows(2)
    for row in rows:
        row["党费标准"] = "-0"
    rows[0]["工作单位及职务"] = "长沙银行\u202e职员"
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                         organization=world.branch_a)
    assert list(_errors(result)) == [(2, "工作单位及职务")]
    rows[0]["工作单位及职务"] = "长沙银行职员"
    result = roster_import.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                         organization=world.branch_a)
    assert result.ok, result.errors
    standards = Member.objects.filter(name__in=[r["姓名"] for r in rows]).values_list("dues_standard", flat=True)
    assert [str(s) for s in standards] == ["0.00", "0.00"]

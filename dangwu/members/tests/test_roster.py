"""Roster import and export (花名册): the parser, the service, the commands, round trips."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dangwu import testing
from dangwu.core import crypto
from dangwu.core.models import AuditEntry
from dangwu.members import roster, rules, services
from dangwu.members.models import Member
from dangwu.members.roster import RosterFileError

from .rosters import HEADER, person, write_csv, write_xlsx
from .rosters import people as make_rows

# --- parser: headers and values ------------------------------------------------------------


@pytest.mark.parametrize("header,field", [
    ("公民身份号码", "id_number"), ("身份证号", "id_number"), ("身份证号码", "id_number"), ("身份证", "id_number"),
    (" 身份证号 *", "id_number"), ("入党日期", "joined_on"), ("入党时间", "joined_on"), ("转正日期", "converted_on"),
    ("转正时间", "converted_on"), ("所在党组织", "org_name"), ("党组织名称", "org_name"), ("党组织代码", "org_code"),
    ("工作单位及职务", "work_and_job"), ("联系电话", "phone"), ("手机号码", "phone"), ("电话", "phone"),
    ("人员类别", "occupation"), ("党员类型", "member_type"), ("党员类别", "member_type"), ("学历", "education"),
    ("性别", "gender"), ("民族", "ethnicity"), ("出生日期", "birth_date"), ("出生年月", "birth_date"),
    ("党费标准（元/月）", "dues_standard"), ("党费标准(元/月)", "dues_standard"), ("姓　名", "name"),
])
def test_header_variants(header, field):
    assert roster.field_for_header(header) == field


@pytest.mark.parametrize("kind,raw,value", [
    ("gender", "男", "male"), ("gender", "男性", "male"), ("gender", "女", "female"), ("gender", "女性", "female"),
    ("ethnicity", "汉", "汉族"), ("ethnicity", "汉族", "汉族"), ("ethnicity", "土家", "土家族"), ("ethnicity", " 苗族 ", "苗族"),
    ("education", "本科", "undergraduate"), ("education", "大学本科", "undergraduate"),
    ("education", "大专", "junior_college"), ("education", "专科", "junior_college"),
    ("education", "研究生", "postgraduate"), ("education", "硕士", "postgraduate"), ("education", "博士", "postgraduate"),
    ("education", "中专", "secondary_vocational"), ("education", "高中", "high_school"), ("education", "初中", "junior_high"),
    ("education", "小学", "primary"), ("education", "小学及以下", "primary"),
    ("occupation", "离退休", "retired"), ("occupation", "离退休人员", "retired"), ("occupation", "退休", "retired"),
    ("occupation", "在岗职工", "employed"), ("occupation", "在职", "employed"), ("occupation", "农牧渔民", "farmer"),
    ("occupation", "农民", "farmer"), ("occupation", "学生", "student"), ("occupation", "下岗失业", "unemployed"),
    ("occupation", "失业", "unemployed"), ("occupation", "个体经营", "self_employed"), ("occupation", "个体", "self_employed"),
    ("occupation", "解放军、武警", "military"),
    ("member_type", "正式党员", "full"), ("member_type", "正式", "full"), ("member_type", "预备党员", "probationary"),
    ("member_type", "预备", "probationary"),
    ("bool", "是", True), ("bool", "否", False), ("bool", "", False), ("bool", 1, True),
    ("decimal", "12.5", Decimal("12.5")), ("decimal", 12.5, Decimal("12.50")), ("decimal", "", None),
    ("phone", 13912345678.0, "13912345678"), ("phone", " 0731-84561234 ", "0731-84561234"),
    ("id", "43010219850615001x", "43010219850615001X"), ("id", "４３０１０２１９８５０６１５００１１", "430102198506150011"),
    ("text", "  长沙市　芙蓉区  ", "长沙市 芙蓉区"),
])
def test_value_variants(kind, raw, value):
    assert roster.parse_value(kind, raw) == value


@pytest.mark.parametrize("kind,raw", [
    ("gender", "未知"), ("ethnicity", "火星族"), ("education", "幼儿园"), ("occupation", "宇航员"),
    ("member_type", "积极分子"), ("bool", "也许"), ("decimal", "十元"), ("decimal", "-3"),
    ("id", 4.30102198506151e17), ("phone", 1.5),
])
def test_unreadable_values_say_why(kind, raw):
    with pytest.raises(roster.ValueProblem) as problem:
        roster.parse_value(kind, raw)
    assert str(problem.value)


@pytest.mark.parametrize("raw", [
    "2001-07-01", "2001/7/1", "2001.07.01", "2001.7.1", "2001年7月1日", "20010701", "2001 - 07 - 01",
    "2001-07-01 00:00:00", date(2001, 7, 1), datetime(2001, 7, 1, 0, 0), 20010701, 37073, 37073.0,
])
def test_every_date_form(raw):
    assert roster.parse_date(raw) == date(2001, 7, 1)


@pytest.mark.parametrize("raw", ["2001.07", "2001-07", "2001/07", "2001年7月", "200107", 2001.07, 200107])
def test_year_and_month_mean_the_first(raw):
    assert roster.parse_date(raw) == date(2001, 7, 1)


@pytest.mark.parametrize("raw", ["2001-02-30", "2001-13-01", "明年", "1800-01-01", 2001.1, True, "2001.07.01.01"])
def test_bad_dates(raw):
    with pytest.raises(roster.ValueProblem):
        roster.parse_date(raw)


def test_work_unit_and_title_split_at_the_last_space():
    assert roster.split_work_and_job("长沙市芙蓉区文化馆 馆长") == ("长沙市芙蓉区文化馆", "馆长")
    assert roster.split_work_and_job("湖南大学 化学院 教授") == ("湖南大学 化学院", "教授")
    assert roster.split_work_and_job("湖南大学") == ("湖南大学", "")
    assert roster.split_work_and_job("湖南大学　党委书记") == ("湖南大学", "党委书记")


# --- parser: files -------------------------------------------------------------------------

def test_reads_xlsx_with_a_title_row_and_columns_in_any_order(tmp_path):
    rows = make_rows(3)
    renamed = {"入党日期": "入党时间", "公民身份号码": "身份证号", "党员类型": "党员类别"}
    header = ["联系电话", "入党时间", "身份证号", "姓名", "党员类别", "性别", "学历", "备注"]
    lines = [[row.get({v: k for k, v in renamed.items()}.get(h, h)) for h in header] for row in rows]
    path = write_xlsx(tmp_path / "r.xlsx", lines, header=header, title="芙蓉区第一党支部党员花名册")
    parsed = roster.read_roster(path)
    assert [r["_row"] for r in parsed.rows] == [3, 4, 5]  # rows as Excel numbers them
    assert parsed.rows[0]["id_number"] == rows[0]["公民身份号码"]
    assert parsed.rows[0]["joined_on"] == rows[0]["入党日期"]
    assert parsed.headers["id_number"] == "身份证号"
    assert parsed.ignored == []  # 备注 is known and skipped quietly


def test_reads_csv_in_utf8_and_gbk(tmp_path):
    rows = make_rows(2)
    for encoding in ("utf-8-sig", "gb18030"):
        path = write_csv(tmp_path / f"r-{encoding}.csv", rows, encoding=encoding)
        parsed = roster.read_roster(path)
        assert [r["name"] for r in parsed.rows] == [r["姓名"] for r in rows]
        assert parsed.rows[0]["joined_on"] == rows[0]["入党日期"]


def test_finds_the_roster_on_a_later_sheet(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", make_rows(1), before=["填表说明"])
    assert roster.read_roster(path).sheet == "花名册"


def test_empty_rows_are_skipped_and_row_numbers_stay_excels(tmp_path):
    rows = make_rows(2)
    header = list(rows[0])
    path = write_xlsx(tmp_path / "r.xlsx", [[rows[0][h] for h in header], [None] * len(header),
                                             [rows[1][h] for h in header]], header=header)
    assert [r["_row"] for r in roster.read_roster(path).rows] == [2, 4]


def _file_error(path, **kwargs) -> str:
    with pytest.raises(RosterFileError) as problem:
        roster.read_roster(path, **kwargs)
    return problem.value.message


def test_bad_files_are_refused_with_a_message(tmp_path, settings):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert "空" in _file_error(empty)

    text = tmp_path / "notes.xlsx"
    text.write_text("这不是表格\n" * 100, encoding="utf-8")
    assert "不是有效的Excel" in _file_error(text)

    other_zip = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("a.txt", "hello")
    assert "不是有效的Excel" in _file_error(other_zip)

    old = tmp_path / "old.xls"
    old.write_bytes(roster.OLE_MAGIC + b"\0" * 600)
    assert ".xls" in _file_error(old)

    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4 ...")
    assert ".xlsx或.csv" in _file_error(pdf)

    no_header = write_xlsx(tmp_path / "noheader.xlsx", [["张三", "1"]] * 12, header=["甲", "乙"])
    assert "没有找到" in _file_error(no_header)

    missing = write_xlsx(tmp_path / "missing.xlsx", [["张三", "430102198506150011"]], header=["姓名", "身份证号"])
    assert "入党日期" in _file_error(missing) and "党员类型" in _file_error(missing)

    header_only = write_xlsx(tmp_path / "headeronly.xlsx", [], header=HEADER)
    assert "没有党员数据" in _file_error(header_only)

    merged = write_xlsx(tmp_path / "merged.xlsx", make_rows(3), merge="B3:B4")
    assert "合并单元格（B3:B4）" in _file_error(merged)

    merged_header = write_xlsx(tmp_path / "mergedh.xlsx", make_rows(2), merge="A1:B1")
    assert "合并单元格" in _file_error(merged_header)

    big = write_xlsx(tmp_path / "big.xlsx", make_rows(5))
    assert "超过" in _file_error(big, max_bytes=1024)  # a 100 MB file, simulated by a lower limit
    assert "超过3行" in _file_error(big, max_rows=3)

    binary_csv = tmp_path / "r.csv"
    binary_csv.write_bytes(b"\x00\x01\x02" * 100)
    assert "不是表格" in _file_error(binary_csv)


def test_a_merged_title_above_the_header_is_fine(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", make_rows(2), title="党员花名册")
    assert len(roster.read_roster(path).rows) == 2


def test_wrong_sheet_names_the_sheets_looked_at(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "统计"
    workbook.active.append(["党支部", "人数"])
    workbook.active.append(["第一支部", 3])
    workbook.save(tmp_path / "r.xlsx")
    message = _file_error(tmp_path / "r.xlsx")
    assert "统计" in message and "没有找到花名册" in message


def test_unreadable_cells_are_row_errors_with_excel_row_and_the_files_header(tmp_path):
    rows = make_rows(3)
    rows[1]["性别"] = "未知"
    rows[2]["入党日期"] = "去年"
    path = write_xlsx(tmp_path / "r.xlsx", rows, title="花名册")
    parsed = roster.read_roster(path)
    assert [(e.row, e.column, e.value) for e in parsed.errors] == [(4, "性别", "未知"), (5, "入党日期", "去年")]


cells = st.one_of(st.none(), st.text(max_size=30), st.integers(min_value=-10**20, max_value=10**20),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.dates(), st.datetimes(),
                  st.sampled_from(["男", "女性", "汉", "2001.07", "2001年7月1日", "本科", "离退休", "预备", "是", "12.5",
                                   "430102198506150011", "", " "]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=0, max_size=len(roster.COLUMNS) + 2), min_size=1, max_size=8),
       st.permutations([c.header for c in roster.COLUMNS]))
def test_generated_rows_never_crash_the_parser(rows, header):
    try:
        parsed = roster.parse_rows(enumerate([list(header), *rows], start=1))
    except RosterFileError:
        return  # only "no data rows": the header is there
    for error in parsed.errors:
        assert error.row and error.column and error.reason


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c.kind for c in roster.COLUMNS]), cells)
def test_generated_values_are_read_or_refused(kind, value):
    try:
        roster.parse_value(kind, value)
    except roster.ValueProblem as problem:
        assert str(problem)


# --- the service ---------------------------------------------------------------------------

def _parse(tmp_path, rows, name="r.xlsx", **kwargs):
    return roster.read_roster(write_xlsx(tmp_path / name, rows, **kwargs))


def test_imports_a_roster_with_history_rollups_and_one_audit_entry(tmp_path, people, world):
    rows = make_rows(20)
    rows[0]["出生日期"] = None  # birth date and gender come from the ID number
    rows[0]["性别"] = None
    before = AuditEntry.objects.count()
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
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
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows))
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
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert [(e.row, e.column) for e in result.errors] == [(39, "入党日期")]
    assert "日期不存在" in result.errors[0].reason
    assert (Member.objects.count(), AuditEntry.objects.count(), Member.history.count()) == before
    rows[37]["入党日期"] = f"{joined.year}年{joined.month}月{joined.day}日"
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert result.ok and result.created == 50
    assert Member.objects.count() == before[0] + 50
    assert AuditEntry.objects.count() == before[1] + 1


def test_dry_run_checks_and_writes_nothing(tmp_path, people, world):
    rows = make_rows(5)
    before = (Member.objects.count(), AuditEntry.objects.count())
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a, dry_run=True)
    assert result.ok and result.created == 5 and result.dry_run
    assert (Member.objects.count(), AuditEntry.objects.count()) == before


def test_missing_required_values_and_standing(tmp_path, people, world):
    rows = make_rows(4)
    rows[0]["姓名"] = ""
    rows[1]["党员类型"] = None
    rows[2]["入党日期"] = None
    rows[3]["公民身份号码"] = ""
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert _errors(result) == {(2, "姓名"): "请填写姓名", (3, "党员类型"): "请填写党员类型",
                               (4, "入党日期"): "请填写入党日期", (5, "公民身份号码"): "请填写公民身份号码"}


def test_new_records_must_be_in_good_standing(tmp_path, people, world):
    rows = make_rows(1)
    rows[0]["党籍状态"] = "死亡"
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert "党籍正常" in _errors(result)[(2, "党籍状态")]


def test_organization_by_code_or_name_and_refusals(tmp_path, people, world):
    rows = make_rows(3)
    rows[0]["所在党组织"] = world.branch_a.name
    rows[1]["所在党组织"] = world.branch_a2.name
    rows[2]["所在党组织"] = "不存在的支部"
    result = services.import_roster(actor=people["city_a"], roster=_parse(tmp_path, rows))
    assert _errors(result) == {(4, "所在党组织"): "在您的管理范围内没有名为“不存在的支部”的党组织"}
    rows.pop()
    result = services.import_roster(actor=people["city_a"], roster=_parse(tmp_path, rows))
    assert result.ok and result.created == 2
    assert result.organization == world.county_a  # the audit entry names their common ancestor
    assert set(Member.objects.filter(name__in=[r["姓名"] for r in rows]).values_list("organization", flat=True)) == {
        world.branch_a.pk, world.branch_a2.pk}


def test_a_row_outside_the_chosen_organization_is_refused(tmp_path, people, world):
    rows = make_rows(1)
    rows[0]["党组织代码"] = world.branch_a2.code
    result = services.import_roster(actor=people["city_a"], roster=_parse(tmp_path, rows),
                                    organization=world.branch_a)
    assert "不在所选党组织" in _errors(result)[(2, "党组织代码")]


def test_without_organization_column_or_choice_each_row_says_so(tmp_path, people):
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, make_rows(2)))
    assert [e.row for e in result.errors] == [2, 3]
    assert "请填写党组织代码" in result.errors[0].reason


def test_update_reports_what_changed_and_leaves_other_fields(tmp_path, people, world):
    member = people["m_plain"]
    row = {"姓名": member.name, "身份证号": member.id_number, "党员类型": "正式党员",
           "入党日期": member.joined_on.isoformat(), "学历": "硕士", "联系电话": "13700001111"}
    member.work_unit = "原单位"
    member.save()
    refused = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]),
                                     organization=world.branch_a)
    assert "更新已有党员" in refused.errors[0].reason
    before = AuditEntry.objects.count()
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]),
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
    again = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]),
                                   organization=world.branch_a, update=True)
    assert (again.updated, again.unchanged) == (0, 1)


def test_update_cannot_move_a_member_or_reach_outside_the_scope(tmp_path, people, world):
    other = people["m_other"]  # in branch A2
    row = {"姓名": other.name, "身份证号": other.id_number, "党员类型": "正式党员",
           "入党日期": other.joined_on.isoformat(), "党组织代码": world.branch_a.code}
    result = services.import_roster(actor=people["city_a"], roster=_parse(tmp_path, [row]), update=True)
    assert "组织关系转接" in _errors(result)[(2, "党组织代码")]
    result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row]), update=True)
    assert "不在您的管理范围内" in _errors(result)[(2, "身份证号")]


def test_permission_is_checked_for_the_chosen_organization(tmp_path, people, world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, make_rows(1)),
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
        result = services.import_roster(actor=people["secretary"], roster=_parse(tmp_path, [row], name=f"{index}.xlsx"),
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


# --- export and round trip -----------------------------------------------------------------

def _export(actor, org, tmp_path, name="out.xlsx"):
    path = tmp_path / name
    with open(path, "wb") as out:
        result = services.export_roster(actor=actor, organization=org, out=out)
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
    data = {name: getattr(member, name) for name in services.ROSTER_FIELDS}
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
        result = services.import_roster(actor=None, roster=_parse(tmp_path, rows, name="in.xlsx"),
                                        organization=world.branch_a)
        assert result.ok, result.errors[:5]
        originals = {m.id_number: _snapshot(m) for m in Member.objects.filter(organization=world.branch_a)}
        path, _result = _export(None, world.branch_a, tmp_path)
        Member.objects.filter(organization=world.branch_a).delete()
        result = services.import_roster(actor=None, roster=roster.read_roster(path), organization=None, update=True)
        assert result.ok, result.errors[:5]
        assert result.created == size
        again = {m.id_number: _snapshot(m) for m in Member.objects.filter(organization=world.branch_a)}
        assert again == originals
        # and an update with the same file changes nothing
        result = services.import_roster(actor=None, roster=roster.read_roster(path), update=True)
        assert (result.updated, result.unchanged) == (0, size)
        transaction.savepoint_rollback(sid)


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


def test_export_command_writes_full_numbers_and_is_audited(tmp_path, people, world):
    out = tmp_path / "city.xlsx"
    call_command("export_members", "--org", world.city_a.code, str(out), stdout=io.StringIO())
    ids = {row[5] for row in load_workbook(out).active.iter_rows(min_row=2, values_only=True)}
    assert ids == {people[k].id_number for k in ("m_sec", "m_plain", "m_other")}
    entry = AuditEntry.objects.filter(action="member.export").latest("seq")
    assert entry.actor is None and entry.summary["numbers"] == "full" and entry.summary["rows"] == 3


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                                  st.sampled_from("·A ü〇ё")), min_size=1, max_size=5))
def test_pinyin_keys_in_one_conversion_equal_the_two_conversions(name):
    """rules.pinyin_keys takes the initials from the syllables (one conversion, cached for imports)."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    assert rules.pinyin_keys(name) == (full, initials)

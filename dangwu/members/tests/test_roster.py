"""Reading rosters (花名册, `roster`): the columns and their variants, files of every kind, bad cells.
The import and the export are tested in test_roster_import.py and test_roster_export.py; the
generic reading of cells and files in core/tests/test_spreadsheets.py."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangwu.core.spreadsheets import OLE_MAGIC, SpreadsheetError, ValueProblem
from dangwu.members import roster, rules

from .rosters import HEADER, write_csv, write_xlsx
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
    with pytest.raises(ValueProblem) as problem:
        roster.parse_value(kind, raw)
    assert str(problem.value)



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
    with pytest.raises(SpreadsheetError) as problem:
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
    old.write_bytes(OLE_MAGIC + b"\0" * 600)
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
    except SpreadsheetError:
        return  # only "no data rows": the header is there
    for error in parsed.errors:
        assert error.row and error.column and error.reason


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c.kind for c in roster.COLUMNS]), cells)
def test_generated_values_are_read_or_refused(kind, value):
    try:
        roster.parse_value(kind, value)
    except ValueProblem as problem:
        assert str(problem)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                                  st.sampled_from("·A ü〇ё")), min_size=1, max_size=5))
def test_pinyin_keys_in_one_conversion_equal_the_two_conversions(name):
    """rules.pinyin_keys takes the initials from the syllables (one conversion, cached for imports)."""
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(name, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()
    assert rules.pinyin_keys(name) == (full, initials)

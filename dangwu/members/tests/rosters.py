"""Rosters for the tests, written with openpyxl at run time (no binary fixtures in the repository)."""

from __future__ import annotations

import csv
import itertools
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from dangwu.testing import make_id_number

HEADER = ["序号", "姓名", "性别", "民族", "公民身份号码", "出生日期", "学历", "人员类别", "党员类型", "入党日期",
          "转正日期", "工作单位及职务", "联系电话"]
_counter = itertools.count(1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志文斌辉海燕鹏飞雪梅兰"


def person(index: int | None = None, *, rng: random.Random | None = None) -> dict[str, Any]:
    """A valid member as a roster row (Chinese headers → values), unique by `index`."""
    n = next(_counter) if index is None else index
    rng = rng or random.Random(n)
    male = rng.random() < 0.6
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
    joined = date(min(birth.year + 19 + rng.randint(0, 20), date.today().year - 2), rng.randint(1, 12), 1)
    probationary = rng.random() < 0.1
    if probationary:
        joined = (date.today() - timedelta(days=rng.randint(30, 300))).replace(day=1)
    number = make_id_number(birth, male=male, serial=n % 500, region=("430102", "430103", "430104", "430111")[n // 500 % 4])
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    return {
        "姓名": name, "性别": "男" if male else "女", "民族": rng.choice(["汉族", "汉", "土家族", "苗"]),
        "公民身份号码": number, "出生日期": birth, "学历": rng.choice(["本科", "大学本科", "大专", "硕士", "高中", "中专"]),
        "人员类别": rng.choice(["在岗职工", "离退休", "农民", "学生", "个体"]),
        "党员类型": "预备党员" if probationary else "正式党员", "入党日期": joined,
        "转正日期": None if probationary else date(joined.year + 1, joined.month, 1),
        "工作单位及职务": rng.choice(["长沙市芙蓉区文化馆 馆长", "湖南大学", "芙蓉区城管局 科员"]),
        "联系电话": f"139{rng.randint(10000000, 99999999)}",
    }


def people(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [person(start + i) for i in range(count)]


def write_xlsx(path: Path, rows: list[dict[str, Any]] | list[list[Any]], *, header: list[str] | None = None,
               title: str | None = None, merge: str | None = None, sheet: str = "花名册",
               before: list[str] | None = None) -> Path:
    """A roster workbook: an optional title row (merged across), the header, the rows.
    `before`: names of sheets that come first (a cover sheet, notes)."""
    workbook = Workbook()
    first = workbook.active
    for name in before or []:
        workbook.create_sheet(name).append(["填表说明：请在“花名册”表中填写。"])
    ws = workbook.create_sheet(sheet)
    workbook.remove(first)
    header = header or (list(rows[0].keys()) if rows and isinstance(rows[0], dict) else HEADER)
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append([row.get(h) for h in header] if isinstance(row, dict) else row)
    for cells in ws.iter_rows():  # ID numbers as text, as a roster should keep them
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.isdigit() and len(cell.value) >= 15:
                cell.number_format = "@"
    if merge:
        ws.merge_cells(merge)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[dict[str, Any]], *, encoding: str = "utf-8-sig") -> Path:
    header = list(rows[0].keys())
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else str(row.get(h)) for h in header])
    return path

"""Import of people already half-way through the pipeline (发展党员过程信息导入): reading and checking,
then the one write, `services.import_people`.

One row a person: 姓名, 公民身份号码, 出生日期, 性别, and one column per step headed with the step's
Chinese name (递交入党申请书, 党组织派人谈话 …), plus the facts some steps need: 培养联系人 and
入党介绍人 (names of full members of the branch, separated by 、), 集中培训天数 (or 集中培训学时) and
公示开始日期. Each row is checked with the same `rules.violations`, step after step in order.
The file is read by `core.spreadsheets.read_table` (the roster import's checks and row numbers).
Probationary members (steps from 上级党委审批 on) come with the roster import instead: their member
record holds 入党日期; a row with those steps is refused.

The file is read and checked before the write's transaction begins, so that reading a large file
does not hold the database's write lock (SQLite's IMMEDIATE transactions take it at BEGIN).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangwu.core import access, classification, spreadsheets
from dangwu.core.audit import Origin
from dangwu.core.roles import Cap
from dangwu.core.spreadsheets import RowError, ValueProblem, cell_text, normalize_header
from dangwu.members import rules as member_rules
from dangwu.members.models import Member
from dangwu.members.roster import GENDERS

from . import rules, selectors
from .models import Candidate

LAST_IMPORTABLE = "superior_talk"  # steps 1–16; from 17 (上级党委审批) on the person is a member
IMPORTABLE_STEPS = rules.STEP_CODES[:rules.STEP_CODES.index(LAST_IMPORTABLE) + 1]
EXTRA_HEADERS = {
    "name": ("姓名",), "id_number": ("公民身份号码", "身份证号", "身份证号码"), "birth_date": ("出生日期", "出生年月"),
    "gender": ("性别",), "contacts": ("培养联系人",), "introducers": ("入党介绍人",),
    "training_days": ("集中培训天数", "培训天数"), "training_hours": ("集中培训学时", "培训学时"),
    "publicity_start": ("公示开始日期", "公示日期"),
}


def _header_index() -> dict[str, str]:
    out: dict[str, str] = {}
    with translation.override("zh-hans"):  # the file's headers are Chinese whatever the page's language
        for code, info in rules.STEPS.items():
            out[normalize_header(str(info.label))] = code
            out[normalize_header(f"第{info.number}步")] = code
    for key, names in EXTRA_HEADERS.items():
        for name in names:
            out[normalize_header(name)] = key
    return out


def template_headers() -> list[str]:
    """The headers of an empty import file, in order."""
    with translation.override("zh-hans"):
        steps = [str(rules.STEPS[c].label) for c in IMPORTABLE_STEPS]
    return ["姓名", "公民身份号码", "出生日期", "性别", *steps, "培养联系人", "入党介绍人", "集中培训天数", "公示开始日期"]


def is_header(cells: list[Any]) -> bool:
    index = _header_index()
    found = {index.get(normalize_header(cell_text(c))) for c in cells}
    return {"name", "id_number", "application"} <= found


@dataclass
class PersonRow:
    row: int
    name: str
    id_number: str
    birth_date: date
    gender: str
    history: dict[str, date]
    contacts: list[Any] = field(default_factory=list)  # Member
    introducers: list[Any] = field(default_factory=list)
    training_days: float | None = None
    training_hours: float | None = None
    publicity_start: date | None = None


@dataclass
class Checked:
    people: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _names(text: str) -> list[str]:
    return [n for n in re.split(r"[、，,;；\s]+", text or "") if n]


def _text(raw: dict[str, Any], key: str, row: int, err: Callable[[int, str, Any, str], None]) -> str | None:
    """The text of a cell (`spreadsheets.parse_text`); None, reported with `err`, when it cannot be read."""
    try:
        return spreadsheets.parse_text(raw.get(key))
    except ValueProblem as problem:
        err(row, key, raw.get(key), str(problem))
        return None


def check_rows(header: list[Any], rows: Any, *, branch_members: list[Any], today: date, taken: Any,
               publicity_days: int, max_rows: int = 100_000) -> Checked:
    """Every row read and checked against the rules; `taken(digest)` says whether an ID number's lookup
    hash is already in use (a member or an active candidacy). Pure apart from the members passed in."""
    from dangwu.core import crypto

    index = _header_index()
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    for i, cell in enumerate(header):
        key = index.get(normalize_header(cell_text(cell)))
        if key and key not in headers:
            columns[i], headers[key] = key, cell_text(cell)
    by_name: dict[str, list[Any]] = {}
    for member in branch_members:
        by_name.setdefault(member.name, []).append(member)
    out = Checked()
    seen: dict[str, int] = {}

    def err(row: int, key: str, value: Any, reason: str) -> None:
        out.errors.append(RowError(row, headers.get(key, key), cell_text(value), reason))

    count = 0
    for number, cells in rows:
        if all(c is None or not str(c).strip() for c in cells):
            continue
        count += 1
        if count > max_rows:
            err(number, "name", "", _("文件超过%(n)d行，请分成几个文件导入") % {"n": max_rows})
            break
        raw = {key: (cells[i] if i < len(cells) else None) for i, key in columns.items()}
        before = len(out.errors)
        name = _text(raw, "name", number, err)
        if name is None:
            pass
        elif not name:
            err(number, "name", "", _("请填写姓名"))
        elif len(name) > 50:
            err(number, "name", name, _("姓名最多50个字"))
        parsed = None
        try:
            parsed = member_rules.parse_id_number(spreadsheets.parse_id_text(raw.get("id_number")), today=today)
        except ValueProblem as problem:
            err(number, "id_number", raw.get("id_number"), str(problem))
        except ValidationError as exc:
            err(number, "id_number", raw.get("id_number"), exc.messages[0])
        if parsed is not None:
            digest = crypto.lookup_hash(parsed.number)
            if taken(digest):
                err(number, "id_number", parsed.number, _("该公民身份号码已是党员或已有正在办理的入党申请"))
            elif parsed.number in seen:
                err(number, "id_number", parsed.number, _("与第%(r)d行重复") % {"r": seen[parsed.number]})
            seen.setdefault(parsed.number, number)
            try:
                birth = spreadsheets.parse_date(raw.get("birth_date"))
                if birth is not None and birth != parsed.birth_date:
                    err(number, "birth_date", raw.get("birth_date"), _("与公民身份号码中的出生日期（%(d)s）不一致") % {
                        "d": parsed.birth_date.isoformat()})
            except ValueProblem as problem:
                err(number, "birth_date", raw.get("birth_date"), str(problem))
            gender = GENDERS.get(normalize_header(cell_text(raw.get("gender"))).lower())
            if _text(raw, "gender", number, err) and gender != parsed.gender:
                err(number, "gender", raw.get("gender"), _("与公民身份号码中的性别不一致"))
        history: dict[str, date] = {}
        for code in rules.STEP_CODES:
            if code not in headers or raw.get(code) in (None, ""):
                continue
            try:
                day = spreadsheets.parse_date(raw.get(code))
            except ValueProblem as problem:
                err(number, code, raw.get(code), str(problem))
                continue
            if day is None:
                continue
            if code not in IMPORTABLE_STEPS:
                err(number, code, raw.get(code), _("已审批为预备党员的，请通过花名册导入党员档案；本导入只接收第1至16步"))
            elif day > today:
                err(number, code, raw.get(code), _("日期不能晚于今天"))
            else:
                history[code] = day
        if "application" not in history and not any(e.row == number and e.column == headers.get("application")
                                                     for e in out.errors[before:]):
            err(number, "application", raw.get("application"), _("请填写递交入党申请书的日期"))
        people: dict[str, list[Any]] = {}
        for key in ("contacts", "introducers"):
            people[key] = []
            for person in _names(_text(raw, key, number, err) or ""):
                found = by_name.get(person, [])
                if len(found) != 1:
                    err(number, key, raw.get(key), _("“%(n)s”不是本支部党籍正常的正式党员") % {"n": person} if not found
                        else _("本支部有%(k)d名党员叫“%(n)s”，请改为在系统中逐一确定") % {"k": len(found), "n": person})
                else:
                    people[key].append(found[0])
        numbers: dict[str, float | None] = {}
        for key in ("training_days", "training_hours"):
            value = raw.get(key)
            try:
                amount = spreadsheets.parse_decimal(value)
                numbers[key] = float(amount) if amount is not None else None
            except ValueProblem:
                err(number, key, value, _("请填写数字"))
                numbers[key] = None
        try:
            publicity = spreadsheets.parse_date(raw.get("publicity_start"))
        except ValueProblem as problem:
            err(number, "publicity_start", raw.get("publicity_start"), str(problem))
            publicity = None
        if len(out.errors) > before or parsed is None:
            continue
        # the same rules as on the pages, step after step in order
        done: dict[str, date] = {}
        introducers = [rules.Introducer(m.name, True, True) for m in people["introducers"]]
        for code in rules.STEP_CODES:
            if code not in history:
                continue
            for reason in rules.violations(
                code, done, history[code], birth_date=parsed.birth_date, introducers=introducers,
                contact_persons=len(people["contacts"]), training_days=numbers["training_days"],
                training_hours=numbers["training_hours"], publicity_start=publicity,
                publicity_working_days=publicity_days,
            ):
                err(number, code, history[code], reason)
            done[code] = history[code]
        if publicity is not None and not (len(out.errors) > before):
            for reason in rules.publicity_violations({k: v for k, v in history.items()
                                                      if k != "branch_admission_vote"}, publicity):
                err(number, "publicity_start", publicity, reason)
        if len(out.errors) > before:
            continue
        out.people.append(PersonRow(number, name, parsed.number, parsed.birth_date, parsed.gender, history,
                                    people["contacts"], people["introducers"], numbers["training_days"],
                                    numbers["training_hours"], publicity))
    if count == 0:
        out.errors.append(RowError(None, "", "", _("表头下面没有数据")))
    return out


@dataclass
class ImportResult:
    created: int
    errors: list[RowError]
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def import_stage_dates(*, actor: User | None, organization: Any, path: str, file_name: str, dry_run: bool = False,
                       origin: Origin | None = None) -> ImportResult:
    """发展党员过程信息导入: people already half-way through the pipeline, one row a person, each row
    checked with `rules.violations` step after step; all rows or none, with a row-level report.
    `actor=None` is the system (the command line). The rows are read and checked here, outside any
    transaction; `services.import_people` writes them (one audit entry `development.import`)."""
    if actor is not None:
        access.require(actor, Cap.DEVELOPMENT_MANAGE, organization)
    if organization is None or not organization.is_branch or organization.dissolved_on is not None:
        return ImportResult(0, [RowError(None, _("党支部"), getattr(organization, "name", ""),
                                         _("请选择一个党支部导入"))], dry_run)
    try:
        _number_, header, rows = spreadsheets.read_table(path, file_name=file_name, is_header=is_header,
                                                         max_bytes=getattr(settings, "DANGWU_ROSTER_MAX_BYTES", None))
        with open(path, "rb") as handle:  # a table of bounded size: read_table checked both
            problem = classification.check_upload(name=file_name, data=handle.read())
        if problem:
            return ImportResult(0, [RowError(None, "", file_name, problem)], dry_run)
        members = list(Member.objects.filter(organization=organization).full_in_good_standing())

        def taken(digest: str) -> bool:
            return Member.objects.filter(id_number_hash=digest).exists() or Candidate.objects.filter(
                id_number_hash=digest, status=Candidate.Status.ACTIVE).exists()

        checked = check_rows(header, rows, branch_members=members, today=timezone.localdate(), taken=taken,
                             publicity_days=selectors.publicity_working_days())
    except spreadsheets.SpreadsheetError as problem:
        return ImportResult(0, [RowError(None, "", file_name, problem.message)], dry_run)
    if checked.errors or dry_run:
        return ImportResult(0 if checked.errors else len(checked.people), checked.errors, dry_run)
    from . import services  # here, not at the top: services imports this module (PersonRow)

    services.import_people(actor=actor, organization=organization, people=checked.people, file_name=file_name,
                           origin=origin)
    return ImportResult(len(checked.people), [], dry_run)

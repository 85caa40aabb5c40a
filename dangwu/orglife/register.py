"""The branch's yearly 三会一课 register (会议记录簿): as an .xlsx, written through
`core.spreadsheets.WorkbookWriter` (the one writer of spreadsheets, decision 0020) — one sheet of the
year's meetings with their attendance, minutes and the names of their files, one of the year at a glance — and as the printed
book inspectors ask for (`register_pdf`, A4 with the CJK font of `core.pdf`): the same meetings, one
block each, and the year at a glance."""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core.pdf import ChinesePDF
from dangwu.core.spreadsheets import WorkbookWriter

from . import selectors
from .models import MeetingFile

STATES = {selectors.HELD: "✓", selectors.MISSED: "✗", selectors.PLANNED: "○", selectors.OPEN: "", selectors.NOT_DUE: "—"}
# The printed book's marks: characters of GB 2312, which every CJK font has (✓ and ✗ are not).
PRINTED = {selectors.HELD: "√", selectors.MISSED: "×", selectors.PLANNED: "○", selectors.OPEN: "·",
           selectors.NOT_DUE: "—"}


def _file_names(meeting: Any, part: str) -> str:
    """The names of the meeting's files of one part (materials, or the minutes' attachments)."""
    return "、".join(f.file_name for f in getattr(meeting, "kept_files", ()) if f.part == part)


def write_register(*, organization: Any, year: int, today: date, out: BinaryIO) -> None:
    book = WorkbookWriter()
    sheet = book.sheet(_("会议记录"), widths=(14, 30, 12, 12, 20, 10, 8, 8, 8, 8, 10, 40, 40, 18, 30, 30), freeze="A3")
    sheet.append([_("%(o)s %(y)s 年三会一课登记") % {"o": organization.name, "y": year}])
    sheet.append([sheet.cell(title, bold=True) for title in (
        _("会议类型"), _("会议名称"), _("日期"), _("时间"), _("地点"), _("主讲人"), _("出席"), _("迟到"), _("请假"),
        _("缺席"), _("记录人"), _("议题"), _("决议"), _("签发时间"), _("会议材料"), _("会议记录附件"))])
    for meeting in selectors.register_meetings(organization=organization, year=year):
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        minutes = getattr(meeting, "minutes", None)
        signed = timezone.localtime(minutes.signed_off_at).strftime("%Y-%m-%d %H:%M") if minutes and minutes.signed_off_at else ""
        sheet.append([
            meeting.get_kind_display(), meeting.title, starts.date(), f"{starts:%H:%M}–{ends:%H:%M}", meeting.place,
            meeting.speaker.name if meeting.speaker else "", meeting.present, meeting.late, meeting.on_leave,
            meeting.absent, minutes.recorder.name if minutes and minutes.recorder else "",
            minutes.topics if minutes else "", minutes.resolutions if minutes else "", signed,
            _file_names(meeting, MeetingFile.Part.MATERIAL), _file_names(meeting, MeetingFile.Part.MINUTES)])
    grid = selectors.year_grid(organization=organization, year=year, today=today)
    glance = book.sheet(_("年度一览"), widths=(16, *([6] * 12)))
    glance.append([_("%(o)s %(y)s 年三会一课年度一览（✓ 已召开，✗ 缺，○ 已安排，— 不需召开）")
                   % {"o": organization.name, "y": year}])
    for row in grid:
        glance.append([glance.cell(str(row.label), bold=True), *(c.short for c in row.cells)])
        glance.append(["", *(STATES[c.state] for c in row.cells)])
    book.save(out)


def register_pdf(*, organization: Any, year: int, today: date) -> bytes:
    title = _("%(o)s %(y)s 年三会一课登记簿") % {"o": organization.name, "y": year}
    pdf = ChinesePDF(title=title)
    pdf.add_page()
    pdf.heading(title, size=16)
    pdf.paragraph(_("党组织代码：%(c)s　打印日期：%(d)s") % {"c": organization.code, "d": today.isoformat()},
                  size=10, align="C")
    meetings = list(selectors.register_meetings(organization=organization, year=year))
    if not meetings:
        pdf.paragraph(_("本年度没有会议记录。"))
    for meeting in meetings:
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        minutes = getattr(meeting, "minutes", None)
        pdf.ln(3)
        pdf.paragraph(f"{meeting.get_kind_display()} · {meeting.title}", size=13)
        lines = [_("时间：%(d)s %(t)s") % {"d": starts.date().isoformat(), "t": f"{starts:%H:%M}–{ends:%H:%M}"}]
        if meeting.place:
            lines.append(_("地点：%(place)s") % {"place": meeting.place})
        if meeting.speaker:
            lines.append(_("主讲人：%(n)s") % {"n": meeting.speaker.name})
        lines.append(_("出席 %(p)d　迟到 %(l)d　请假 %(v)d　缺席 %(a)d") % {
            "p": meeting.present, "l": meeting.late, "v": meeting.on_leave, "a": meeting.absent})
        if minutes:
            if minutes.recorder:
                lines.append(_("记录人：%(n)s") % {"n": minutes.recorder.name})
            lines.append(_("议题：%(t)s") % {"t": minutes.topics or "—"})
            lines.append(_("决议：%(r)s") % {"r": minutes.resolutions or "—"})
            if minutes.signed_off_at:
                lines.append(_("签发：%(d)s") % {"d": f"{timezone.localtime(minutes.signed_off_at):%Y-%m-%d %H:%M}"})
        for part, label in MeetingFile.Part.choices:
            if names := _file_names(meeting, part):
                lines.append(f"{label}：{names}")
        pdf.paragraph("\n".join(lines), size=10, height=5.5)
    pdf.add_page()
    pdf.heading(_("年度一览（√ 已召开，× 缺，○ 已安排，— 不需召开）"), size=12)
    for row in selectors.year_grid(organization=organization, year=year, today=today):
        cells = "　".join(f"{c.short}{PRINTED[c.state]}" for c in row.cells)
        pdf.paragraph(f"{row.label}：{cells}", size=10, height=6)
    return pdf.render()

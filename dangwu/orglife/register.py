"""The branch's yearly 三会一课 register (会议记录簿) as an .xlsx, written through
`core.spreadsheets.WorkbookWriter` (the one writer of spreadsheets, decision 0020): one sheet of the
year's meetings with their attendance and minutes, one of the year at a glance."""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core.spreadsheets import WorkbookWriter

from . import selectors

STATES = {selectors.HELD: "✓", selectors.MISSED: "✗", selectors.PLANNED: "○", selectors.OPEN: "", selectors.NOT_DUE: "—"}


def write_register(*, organization: Any, year: int, today: date, out: BinaryIO) -> None:
    book = WorkbookWriter()
    sheet = book.sheet(_("会议记录"), widths=(14, 30, 12, 12, 20, 10, 8, 8, 8, 8, 10, 40, 40, 18), freeze="A3")
    sheet.append([_("%(o)s %(y)s 年三会一课登记") % {"o": organization.name, "y": year}])
    sheet.append([sheet.cell(title, bold=True) for title in (
        _("会议类型"), _("会议名称"), _("日期"), _("时间"), _("地点"), _("主讲人"), _("出席"), _("迟到"), _("请假"),
        _("缺席"), _("记录人"), _("议题"), _("决议"), _("签发时间"))])
    for meeting in selectors.register_meetings(organization=organization, year=year):
        starts, ends = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        minutes = getattr(meeting, "minutes", None)
        signed = timezone.localtime(minutes.signed_off_at).strftime("%Y-%m-%d %H:%M") if minutes and minutes.signed_off_at else ""
        sheet.append([
            meeting.get_kind_display(), meeting.title, starts.date(), f"{starts:%H:%M}–{ends:%H:%M}", meeting.place,
            meeting.speaker.name if meeting.speaker else "", meeting.present, meeting.late, meeting.on_leave,
            meeting.absent, minutes.recorder.name if minutes and minutes.recorder else "",
            minutes.topics if minutes else "", minutes.resolutions if minutes else "", signed])
    grid = selectors.year_grid(organization=organization, year=year, today=today)
    glance = book.sheet(_("年度一览"), widths=(16, *([6] * 12)))
    glance.append([_("%(o)s %(y)s 年三会一课年度一览（✓ 已召开，✗ 缺，○ 已安排，— 不需召开）")
                   % {"o": organization.name, "y": year}])
    for row in grid:
        glance.append([glance.cell(str(row.label), bold=True), *(c.short for c in row.cells)])
        glance.append(["", *(STATES[c.state] for c in row.cells)])
    book.save(out)

"""Printable receipts (党费收据) as PDF, with an embedded CJK font (subset by fpdf2).

The font comes from the machine: `DANGWU_CJK_FONT` when set, else the first of the usual
Debian font files found (`make install` installs fonts-wqy-zenhei). Nothing is downloaded.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core.pdf import FontMissing, cjk_font

# The font lookup is shared with every PDF of the platform (dangwu.core.pdf).
__all__ = ["FontMissing", "capitals", "cjk_font", "months_text", "receipt_pdf"]


def _yuan(amount: Any) -> str:
    return f"{amount:,.2f}"


def months_text(months: list[Any]) -> str:
    """2026-05 至 2026-11（7个月）、2026-12: consecutive months as one range."""
    from . import rules

    if not months:
        return "—"
    runs: list[list[Any]] = []
    for month in sorted(months):
        if runs and rules.add_months(runs[-1][-1], 1) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    parts = []
    for run in runs:
        if len(run) == 1:
            parts.append(run[0].strftime("%Y-%m"))
        else:
            parts.append(_("%(a)s 至 %(b)s（%(n)d个月）") % {
                "a": run[0].strftime("%Y-%m"), "b": run[-1].strftime("%Y-%m"), "n": len(run)})
    return "、".join(parts)


def capitals(amount: Any) -> str:
    """The amount in Chinese capitals with the currency (人民币壹佰零叁元零伍分): the figure that a
    receipt states twice so that it cannot be altered (`rules.amount_in_capitals`)."""
    from . import rules

    return _("人民币%(c)s") % {"c": rules.amount_in_capitals(amount)}


def collector_name(payment: Any) -> str:
    """Who recorded (collected) the payment, by name: the person signs the receipt as 收款人."""
    by = payment.recorded_by
    return (by.get_full_name() or by.get_username()) if by else "—"


def reversal_mark(payment: Any) -> str | None:
    """The stamp a reversed payment's receipt carries (None for a payment that stands)."""
    return _("已冲正 · 作废") if payment.reversed_at is not None else None


def receipt_rows(payment: Any) -> list[tuple[str, str]]:
    """The receipt's table: (label, value); a reversed payment adds when, by whom and why."""
    rows = [
        (_("党员姓名"), payment.member.name),
        (_("所在党组织"), payment.organization.name),
        (_("收缴党组织"), payment.collected_at.name + (
            _("（流入地代收）") if payment.collected_at_id != payment.organization_id else "")),
        (_("交纳月份"), months_text(payment.covered_months())),
        (_("按月交纳"), _("%(a)s 元") % {"a": _yuan(payment.dues_amount)}),
        (_("自愿多交"), _("%(a)s 元") % {"a": _yuan(payment.voluntary_amount)} + (
            _("（全额上缴中央）") if payment.forward_to_centre else "")),
        (_("合计"), _("%(a)s 元") % {"a": _yuan(payment.total_amount)}),
        (_("金额大写"), capitals(payment.total_amount)),
        (_("缴纳方式"), payment.get_method_display() + (f"（{payment.reference}）" if payment.reference else "")),
    ]
    if payment.reversed_at is not None:
        by = payment.reversed_by
        who = (by.get_full_name() or by.get_username()) if by else "—"
        rows.append((_("已冲正"), _("%(t)s 由 %(p)s 冲正，原因：%(r)s。本收据作废，不作交纳凭证。") % {
            "t": timezone.localtime(payment.reversed_at).strftime("%Y-%m-%d %H:%M"), "p": who,
            "r": payment.reversal_reason}))
    return rows


def receipt_pdf(payment: Any) -> bytes:
    """The receipt of one payment: receipt number, member, organization, months, amounts, method.

    A reversed payment (冲正) still prints, stamped 已冲正 · 作废 with when, by whom and why:
    the paper receipt already handed out is matched by a voided copy in the branch's accounts
    (a voided receipt is kept, not destroyed), and the link on the member's page keeps working."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(148, 210))  # A5
    pdf.set_auto_page_break(auto=True, margin=12)
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # the font's bitmap tables are dropped
    pdf.add_font("cjk", fname=str(cjk_font()))
    mark = reversal_mark(payment)
    pdf.set_title(_("党费收据") + f" {payment.receipt_number}" + (f"（{mark}）" if mark else ""))
    pdf.add_page()
    pdf.set_draw_color(183, 28, 28)
    pdf.set_line_width(0.6)
    pdf.rect(8, 8, 194, 132)
    pdf.set_font("cjk", size=20)
    pdf.set_text_color(183, 28, 28)
    pdf.cell(0, 14, _("中国共产党党费收据"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, _("收据编号：%(n)s　　缴纳日期：%(d)s") % {
        "n": payment.receipt_number, "d": payment.paid_on.isoformat()}, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    rows = receipt_rows(payment)
    pdf.set_font("cjk", size=11)
    for label, value in rows:
        pdf.set_x(20)
        top = pdf.get_y()
        pdf.set_xy(56, top)
        pdf.multi_cell(134, 7, value, border=1, align="L", new_x="LMARGIN", new_y="NEXT")
        height = pdf.get_y() - top
        pdf.set_xy(20, top)
        pdf.cell(36, height, label, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    # The foot: who collected it (收款人) on the left; in the middle the collecting organization, and
    # on the right the blank square for its seal (收款单位（盖章）): a receipt counts with the seal.
    top = pdf.get_y() + 3
    pdf.set_xy(20, top)
    pdf.cell(70, 7, _("收款人：%(r)s") % {"r": collector_name(payment)}, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(70, 6, _("打印时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=11)
    pdf.set_xy(92, top)
    pdf.cell(66, 7, _("收款单位（盖章）："), new_x="LEFT", new_y="NEXT")
    pdf.set_x(92)
    pdf.multi_cell(66, 6, payment.collected_at.name, new_x="LEFT", new_y="NEXT")
    seal = max(min(138 - top, 30), 20)  # the square where the seal goes (a light dashed frame: 盖章处)
    pdf.set_draw_color(190, 190, 190)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1, gap=1)
    pdf.rect(190 - seal, top, seal, seal)
    pdf.set_dash_pattern()
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(170, 170, 170)
    pdf.set_xy(190 - seal, top + seal / 2 - 2)
    pdf.cell(seal, 4, _("盖章处"), align="C")
    pdf.set_text_color(0, 0, 0)
    if mark:  # a red stamp across the receipt, drawn last so that it lies over the table
        pdf.set_text_color(198, 40, 40)
        pdf.set_draw_color(198, 40, 40)
        pdf.set_line_width(1.2)
        pdf.set_font("cjk", size=34)
        with pdf.rotation(angle=18, x=105, y=70):
            pdf.set_xy(45, 58)
            pdf.cell(120, 22, mark, border=1, align="C")
    return bytes(pdf.output())

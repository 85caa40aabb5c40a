"""The letter of introduction (中国共产党党员组织关系介绍信) as a PDF: stub (存根), letter and receipt (回执)
on one A4 page, separated by dashed cutting lines, with the CJK font embedded (`core.pdf`)."""

from __future__ import annotations

import logging

from django.utils import translation

from dangwu.core.pdf import ChinesePDF
from dangwu.members.models import MemberType, Transfer

from .selectors import sending_committee

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "BDF NOT subset" chatter of the .ttc


def _d(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "    年  月  日"


def _number(transfer: Transfer) -> str:
    return f"第 {transfer.letter_number} 号"


def issuing_body(transfer: Transfer) -> str:
    """Who issues and seals the letter (the 决定机关 of the letter): the committee that numbers it —
    the branch's superior committee from the organization tree (`selectors.sending_committee`),
    by its real name; the sending organization's name as written on the letter otherwise."""
    if transfer.from_organization is None:
        return transfer.from_name
    return sending_committee(transfer.from_organization).name


def transfer_letter_pdf(transfer: Transfer, *, id_number: str | None = None) -> bytes:
    """The three parts of the letter, filled from the transfer (a Chinese document whatever the page's language).

    `id_number`: the full number for a caller who may see it (read through the audited
    `members.services.reveal_id_number`, one entry per print); the masked one otherwise."""
    with translation.override("zh-hans"):
        return _render(transfer, id_number=id_number or transfer.id_number_masked)


def _render(t: Transfer, *, id_number: str) -> bytes:
    kind = str(dict(MemberType.choices).get(t.member_type, "")) or "党员"
    issuer = issuing_body(t)
    pdf = ChinesePDF(title=f"党员组织关系介绍信 {t.letter_number}", author=t.from_name)
    pdf.add_page()
    valid = f"有效期至{_d(t.valid_until)}"
    # 存根 (kept by the sending organization)
    pdf.heading("中国共产党党员组织关系介绍信（存根）", size=14)
    pdf.paragraph(_number(t), size=10, align="R")
    pdf.paragraph(f"{t.member_name}同志（{t.member_gender}，{t.member_age or ''}岁，中共{kind}），"
                  f"组织关系由{t.from_name}转到{t.to_name}。{valid}。", size=11)
    pdf.paragraph(f"开具机关：{issuer}", size=11)
    pdf.paragraph(f"开具日期：{_d(t.issued_on)}　　经办人：________", size=11)
    pdf.ln(14)
    pdf.cut_line("（骑缝）")
    pdf.ln(8)
    # 介绍信 (travels with the member)
    pdf.heading("中国共产党党员组织关系介绍信", size=16)
    pdf.paragraph(_number(t), size=10, align="R")
    pdf.paragraph(f"{t.to_name}：")
    dues = f"党费已交到{t.dues_paid_until.year}年{t.dues_paid_until.month}月。" if t.dues_paid_until else ""
    pdf.paragraph(f"　　{t.member_name}同志（{t.member_gender}，{t.member_age or ''}岁，公民身份号码 "
                  f"{id_number}），系中共{kind}，由{t.from_name}转去你处，请接洽。{dues}")
    if t.reason:
        pdf.paragraph(f"　　转接原因：{t.reason}", size=11)
    if t.to_address:
        pdf.paragraph(f"　　接收党组织地址：{t.to_address}", size=11)
    pdf.paragraph(f"　　（{valid}，请在有效期内到接收党组织报到）", size=11)
    pdf.paragraph(f"{issuer}（盖章）\n{_d(t.issued_on)}", align="R")
    pdf.ln(14)
    pdf.cut_line("（骑缝）")
    pdf.ln(8)
    # 回执 (returned by the receiving organization)
    pdf.heading("中国共产党党员组织关系介绍信回执", size=14)
    pdf.paragraph(_number(t), size=10, align="R")
    pdf.paragraph(f"{issuer}：")
    pdf.paragraph(f"　　{t.member_name}同志的党员组织关系已转达我处，特此回复。")
    pdf.paragraph("接收党组织（盖章）\n    年  月  日", align="R")
    return pdf.render()

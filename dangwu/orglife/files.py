"""The door of meeting files (会议材料, 会议记录附件): which files it takes, how large, and the 密级 check.

A material is an agenda, a document to study, slides saved as PDF; an attachment of the minutes is
the photo of the sign-in sheet or of the blackboard. The types are those the platform's one 密级
guard (`dangwu.core.classification.check_upload`, 涉密不上网) reads or checks by name — PDF, Word,
Excel and text, and JPG/PNG images — so PowerPoint files are not taken: the guard cannot read them,
and what cannot be checked cannot be accepted (save the slides as PDF). The size is the setting
`DANGWU_MEETING_FILE_MAX_BYTES`.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from dangwu.core import classification

ALLOWED_SUFFIXES = (".pdf", ".docx", ".xlsx", ".txt", ".jpg", ".jpeg", ".png")
ACCEPT = ",".join(ALLOWED_SUFFIXES)  # the file input's accept attribute


def max_bytes() -> int:
    return int(settings.DANGWU_MEETING_FILE_MAX_BYTES)


def too_large() -> str:
    return _("文件不能大于%(size)s") % {"size": filesizeformat(max_bytes())}


def stored_suffix(name: str) -> str:
    """The suffix the stored file keeps (its name on disk is random; the uploader's is kept apart)."""
    suffix = PurePath(name or "").suffix.lower()
    return ".jpg" if suffix == ".jpeg" else suffix


def check_meeting_file(*, name: str, data: bytes) -> str | None:
    """Why an uploaded meeting file is refused (a message for the file's field), or None."""
    if not name:
        return _("请选择要上传的文件")
    if PurePath(name).suffix.lower() not in ALLOWED_SUFFIXES:
        return _("只能上传 PDF、Word（DOCX）、Excel（XLSX）、TXT 文件或 JPG、PNG 图片；幻灯片请另存为 PDF")
    if not data:
        return _("文件是空的")
    if len(data) > max_bytes():
        return too_large()
    return classification.check_upload(name=name, data=data)

"""Uploaded documents of the pipeline: which files are accepted, how large, and the 密级 check.

The types and the size are this door's own rule; the 密级 check (涉密不上网) is the platform's one
guard, `dangwu.core.classification.check_upload`, which reads the file's text with real parsers.
"""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext as _

from dangwu.core import classification

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".txt"}


def check_upload(*, name: str, title: str, data: bytes) -> str | None:
    """Why an uploaded document is refused (a message naming the problem), or None."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return _("只能上传 PDF、JPG、PNG、DOCX、XLSX 或 TXT 文件")
    if len(data) > MAX_BYTES:
        return _("文件不能大于%(n)d MB") % {"n": MAX_BYTES // (1024 * 1024)}
    if not data:
        return _("文件是空的")
    return classification.check_upload(name=name, title=title, data=data)

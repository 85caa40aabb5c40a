"""The door of transfer proofs (转账凭证): which files it takes, how large, and the 密级 check.

A proof is a photo or scan of the bank's slip, or the PDF a bank's app saves: JPG, PNG or PDF,
up to `MAX_BYTES` (the dues app's other door, the declarations sheet, takes 10 MB too). The
content must be what the name says (a PDF's header, an image's signature): a file renamed to .jpg
is not a proof a secretary can look at. The 密级 check (涉密不上网) is the platform's one guard,
`dangwu.core.classification.check_upload`.
"""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext as _

from dangwu.core import classification

MAX_BYTES = 10 * 1024 * 1024
ACCEPT = ".pdf,.jpg,.jpeg,.png"  # the file input's accept attribute
_SIGNATURES = {
    ".pdf": lambda data: b"%PDF-" in data[:1024],
    ".jpg": lambda data: data.startswith(b"\xff\xd8\xff"),
    ".jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    ".png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
}


def content_suffix(name: str) -> str:
    """The suffix a stored proof keeps (the uploader's file name is kept apart, never in the path)."""
    suffix = PurePath(name or "").suffix.lower()
    return ".jpg" if suffix == ".jpeg" else suffix


def content_type(name: str) -> str:
    """The content type a download of the proof is served with (by its checked suffix)."""
    suffix = PurePath(name or "").suffix.lower()
    return {".pdf": "application/pdf", ".png": "image/png"}.get(suffix, "image/jpeg")


def check_proof_file(*, name: str, data: bytes) -> str | None:
    """Why an uploaded proof is refused (a message for the file's field), or None."""
    if not name:
        return _("请上传转账凭证：银行回单的照片或PDF文件")
    suffix = PurePath(name).suffix.lower()
    if suffix not in _SIGNATURES:
        return _("只能上传 JPG、PNG 图片或 PDF 文件")
    if not data:
        return _("文件是空的")
    if len(data) > MAX_BYTES:
        return _("文件不能大于%(n)d MB") % {"n": MAX_BYTES // (1024 * 1024)}
    if not _SIGNATURES[suffix](data):
        return _("文件内容与扩展名不符，请上传银行回单的照片（JPG、PNG）或 PDF 文件")
    return classification.check_upload(name=name, data=data)

"""Uploaded documents of the pipeline: which files are accepted, and the 密级 check (涉密不上网).

State secrets never go on this system: a file whose name, title or readable text carries a
classification marking (秘密★, 机密★, 绝密★) is refused. The text is read from plain-text files,
from the XML of Office files (.docx, .xlsx) and from the (deflated) streams of PDF files. A
scanned image cannot be read without OCR: the uploader's own care remains the safeguard there.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import PurePath

from django.utils.translation import gettext as _

from .rules import classification_marking

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".txt"}
_TAG = re.compile(rb"<[^>]+>")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _texts(data: bytes, suffix: str) -> list[str]:
    out: list[str] = []
    if suffix in {".docx", ".xlsx"}:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    if info.filename.endswith(".xml") and info.file_size < 50 * 1024 * 1024:
                        out.append(_TAG.sub(b"", archive.read(info)).decode("utf-8", "ignore"))
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
            pass
    elif suffix == ".pdf":
        for match in _PDF_STREAM.finditer(data):
            try:
                out.append(zlib.decompress(match.group(1)).decode("utf-8", "ignore"))
            except zlib.error:
                continue
    for encoding in ("utf-8", "gb18030", "utf-16"):
        out.append(data.decode(encoding, "ignore"))
    return out


def check_upload(*, name: str, title: str, data: bytes) -> str | None:
    """Why an uploaded document is refused (a message naming the problem), or None."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        return _("只能上传 PDF、JPG、PNG、DOCX、XLSX 或 TXT 文件")
    if len(data) > MAX_BYTES:
        return _("文件不能大于%(n)d MB") % {"n": MAX_BYTES // (1024 * 1024)}
    if not data:
        return _("文件是空的")
    for text in [name, title, *_texts(data, suffix)]:
        marking = classification_marking(text)
        if marking:
            return _("该材料带有密级标志“%(m)s”。涉密信息不上网：国家秘密不得录入、上传本系统") % {"m": marking}
    return None

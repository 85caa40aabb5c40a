"""涉密不上网: the one guard that keeps classified material (国家秘密) off the platform.

State secrets never go on this system. A text, or an uploaded file whose name, title or readable
content carries a 密级 marking (秘密★, 机密★, 绝密★), is refused. Every upload door calls
`check_upload` (development documents and thought-report attachments, the roster import, the
dues declaration sheet, the development stage-date import) and puts its message on the file
field; free text (a thought report, a comment) calls `classification_marking`.

The content is read with real parsers, not with patterns over bytes: a PDF's text as a viewer
shows it (pypdf, through the fonts' ToUnicode maps: the platform's own fpdf2 PDFs embed a
subset CJK font whose glyph codes mean nothing without them), a Word file's paragraphs, tables,
text boxes, headers and footers and its title (python-docx), a workbook's cells of every sheet,
hidden ones too, and the sheet names (python-calamine), a .csv/.txt decoded as UTF-8 or GB18030.

A workbook is read with python-calamine rather than openpyxl: openpyxl's read-only reader took
61 s for a 50,000-row roster on the development machine, calamine 3.6 s for the same values
(decision 0005 chose it for reading rosters for the same reason); the roster door may carry
100 MB.

A file of a type the guard reads that it cannot read (damaged, encrypted, not what its name
says, an archive that would unpack to far more than its size) is refused too: what cannot be
checked cannot be accepted. A file of another type (a scanned image) is checked by its name,
its title and any text its bytes hold: a scan cannot be read without OCR, and the uploader's own
care remains the safeguard there.

Pure of the project: core imports no app.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

MARKINGS = ("绝密★", "机密★", "秘密★")

PDF_SUFFIXES = frozenset({".pdf"})
WORD_SUFFIXES = frozenset({".docx", ".docm"})
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
TEXT_SUFFIXES = frozenset({".csv", ".txt"})

ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED_RATIO = 200  # Office files compress text 5–20 times; far more is a zip bomb
MIN_UNZIPPED_LIMIT = 50 * 1024 * 1024


# Spaces and line breaks between the characters do not hide a marking, nor a hollow star (☆).
_MARKING = re.compile(r"([绝机秘])\s*密\s*[★☆]")
_BY_FIRST = {marking[0]: marking for marking in MARKINGS}


def classification_marking(text: str | None) -> str | None:
    """The 密级 marking (秘密★, 机密★, 绝密★) found in a text, or None; the highest when there are
    several (a long text is searched without copying it)."""
    found = {_BY_FIRST[m.group(1)] for m in _MARKING.finditer(text or "")}
    return next((marking for marking in MARKINGS if marking in found), None)


class Unreadable(Exception):
    """The file is of a type the guard reads, and it cannot be read."""


def marked_message(marking: str) -> str:
    return _("该材料带有密级标志“%(m)s”。涉密信息不上网：国家秘密不得录入、上传本系统") % {"m": marking}


def check_upload(*, name: str, data: bytes, title: str = "") -> str | None:
    """Why an uploaded file may not go on the platform (a message for the file's field), or None.

    `name` is the file's name as uploaded, `title` what the uploader called it, `data` its bytes.
    Refused: a 密级 marking in the name, the title or the content; a file the guard should read
    and cannot (`Unreadable`). Which types and sizes a door accepts is the door's own rule.
    """
    for text in (name, title):
        marking = classification_marking(text)
        if marking:
            return marked_message(marking)
    try:
        for text in extract_text(name=name, data=data):
            marking = classification_marking(text)
            if marking:
                return marked_message(marking)
    except Unreadable as problem:
        return str(problem)
    return None


def check_uploaded_file(upload: Any, *, title: str = "") -> str | None:
    """`check_upload` for a Django `UploadedFile` (read whole, then rewound for the caller).

    The door checks the file's size first: this reads it into memory."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return check_upload(name=upload.name or "", data=data, title=title)


# --- reading ---------------------------------------------------------------------------------


def kind_of(*, name: str, data: bytes) -> str:
    """"pdf", "word", "workbook", "text" or "other": by content where it says (a PDF or an Office
    file renamed to .jpg is still read), by the name's suffix otherwise."""
    suffix = PurePath(name or "").suffix.lower()
    if b"%PDF-" in data[:1024]:  # the header may follow some bytes of junk (PDF 1.7, 7.5.2)
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        names = _zip_names(data)
        if names is not None:
            if "word/document.xml" in names:
                return "word"
            if "xl/workbook.xml" in names:
                return "workbook"
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in WORD_SUFFIXES:
        return "word"
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return "other"


def extract_text(*, name: str, data: bytes) -> Iterator[str]:
    """The readable text of a file, piece by piece (pages, paragraphs, cells …); `Unreadable`
    when the file is of a type read here and cannot be read."""
    kind = kind_of(name=name, data=data)
    if kind == "pdf":
        yield from _pdf_text(data)
    elif kind == "word":
        _check_zip(data, _("Word文件"))
        yield from _word_text(data)
    elif kind == "workbook":
        _check_zip(data, _("Excel文件"))
        _check_workbook_parts(data)
        yield from _workbook_text(data)
    elif kind == "text":
        yield _decode_text(data)
    else:
        yield from _any_text(data)


def _unreadable(kind: str) -> Unreadable:
    return Unreadable(_("无法读取该%(kind)s的内容（文件可能已损坏、加密或不是该类型的文件），"
                        "无法检查密级标志：请另存后重新上传") % {"kind": kind})


def _zip_names(data: bytes) -> set[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None


def _check_zip(data: bytes, kind: str) -> None:
    """Refuse an Office file that is not a zip or would unpack to far more than its size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _unreadable(kind) from None
    unpacked = sum(i.file_size for i in infos)
    if unpacked > max(len(data) * MAX_UNZIPPED_RATIO, MIN_UNZIPPED_LIMIT):
        raise Unreadable(_("该%(kind)s解压后过大，无法检查密级标志") % {"kind": kind})


def _check_workbook_parts(data: bytes) -> None:
    """The checks every import makes before calamine opens a workbook (`spreadsheets.check_zip`):
    calamine lays a sheet out densely, and two far-apart cells in a tiny file abort the process."""
    from .spreadsheets import SpreadsheetError, check_zip

    try:
        check_zip(io.BytesIO(data))
    except SpreadsheetError as problem:
        raise Unreadable(_("无法检查该%(kind)s的密级标志：%(why)s") % {
            "kind": _("Excel文件"), "why": problem.message}) from None


def _pdf_text(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader

    kind = _("PDF文件")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable(_("该PDF文件已加密，无法检查密级标志：请去除密码后重新上传"))
        metadata: Any = reader.metadata or {}
        texts: list[str] = [str(metadata.get(key) or "") for key in ("/Title", "/Subject", "/Keywords")]
        for page in reader.pages:
            texts.append(page.extract_text() or "")
    except Unreadable:
        raise
    except Exception:  # pypdf raises many kinds on a damaged file
        raise _unreadable(kind) from None
    yield from texts


def _word_text(data: bytes) -> Iterator[str]:
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
        parts = [document.element]
        for section in document.sections:
            for part in (section.header, section.first_page_header, section.even_page_header,
                         section.footer, section.first_page_footer, section.even_page_footer):
                if not part.is_linked_to_previous:
                    parts.append(part._element)
        props = document.core_properties
        texts = [props.title or "", props.subject or "", props.keywords or ""]
        # Every paragraph's runs joined (秘密 and ★ may sit in different runs): the body's, the
        # tables', the text boxes', the headers' and footers'.
        for element in parts:
            for paragraph in element.iter(qn("w:p")):
                texts.append("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
    except Unreadable:
        raise
    except Exception:  # a damaged package fails in many ways
        raise _unreadable(_("Word文件")) from None
    yield from texts


def _workbook_text(data: bytes) -> Iterator[str]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
    except Exception:  # CalamineError, and zip or XML errors underneath
        raise _unreadable(_("Excel文件")) from None
    yield from names
    for sheet_name in names:
        try:
            rows: Iterable[list[Any]] = workbook.get_sheet_by_name(sheet_name).iter_rows()
            for row in rows:
                cells = [cell for cell in row if isinstance(cell, str) and cell]
                if cells:
                    yield " ".join(cells)
        except Exception:
            raise _unreadable(_("Excel文件")) from None


def _decode_text(data: bytes) -> str:
    """A text file as UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def _any_text(data: bytes) -> Iterator[str]:
    """Whatever text the bytes of a file of another kind hold, in the usual encodings."""
    for encoding in ("utf-8", "gb18030", "utf-16"):
        yield data.decode(encoding, "ignore")

"""涉密不上网: the one guard (`core.classification`) on texts and on files read with real parsers."""

from __future__ import annotations

import io
import zipfile

import pytest

from dangwu.core import classification
from dangwu.core.classification import check_upload, classification_marking
from dangwu.testing import docx_with, pdf_with, xlsx_with


@pytest.mark.parametrize(("text", "found"), [
    ("秘密★5年", "秘密★"), ("机密★", "机密★"), ("绝密 ★ 长期", "绝密★"), ("机密☆", "机密★"),
    ("入党申请书", None), ("保守党的秘密", None), ("", None), (None, None),
    ("秘\n密\u3000★", "秘密★"),  # line breaks and full-width spaces do not hide it
    ("秘密★ 与 绝密★", "绝密★"),  # the highest of several
    ("秘密文件★", None),
])
def test_classification_marking(text, found):
    assert classification_marking(text) == found


def test_a_long_text_is_searched():
    assert classification_marking("党" * 5_000_000 + "机密★") == "机密★"


# --- files that carry a marking are refused, by every kind of reader -------------------------------

MARKED = "秘密★五年\n关于某事项的通知"
PLAIN = "入党申请书\n我志愿加入中国共产党"


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_the_regex_over_streams_missed_this_pdf_and_the_parser_does_not():
    """fpdf2 with the embedded CJK font writes glyph ids, not characters: only the font's ToUnicode
    map gives the text back, as pypdf reads it."""
    data = pdf_with(MARKED)
    assert "秘密".encode() not in data and "秘密".encode("utf-16-be") not in data
    assert "秘密★" in check_upload(name="通知.pdf", data=data)
    assert check_upload(name="申请书.pdf", data=pdf_with(PLAIN)) is None


@pytest.mark.parametrize(("name", "make"), [
    ("a.pdf", lambda text: pdf_with(text)),
    ("a.docx", lambda text: docx_with(text)),
    ("a.docx", lambda text: docx_with("通知", table=text)),
    ("a.docx", lambda text: docx_with("通知", header=text)),
    ("a.docx", lambda text: docx_with("通知", title=text)),
    ("a.xlsx", lambda text: xlsx_with([["序号", "内容"], [1, text]])),
    ("a.xlsx", lambda text: xlsx_with([["序号"]], hidden=[[text]])),
    ("a.xlsx", lambda text: xlsx_with([["序号"]], sheet_title=text.split()[0][:31])),
    ("a.csv", lambda text: ("姓名,备注\n张三," + text.replace("\n", " ")).encode()),
    ("a.csv", lambda text: ("姓名,备注\n张三," + text.replace("\n", " ")).encode("gb18030")),
    ("a.txt", lambda text: text.encode("utf-16")),
    ("a.txt", lambda text: text.encode("utf-8-sig")),
])
def test_a_marked_file_is_refused_and_a_plain_one_passes(name, make):
    message = check_upload(name=name, data=make(MARKED))
    assert message and "秘密★" in message and "涉密信息不上网" in message
    assert check_upload(name=name, data=make(PLAIN)) is None


def test_runs_of_one_paragraph_are_read_together():
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("关于")
    paragraph.add_run("秘密")
    paragraph.add_run("★").bold = True
    out = io.BytesIO()
    document.save(out)
    assert "秘密★" in check_upload(name="a.docx", data=out.getvalue())


def test_the_name_and_the_title_are_checked():
    assert "机密★" in check_upload(name="机密★通知.txt", data=PLAIN.encode())
    assert "绝密★" in check_upload(name="a.txt", data=PLAIN.encode(), title="绝密★ 长期")


def test_a_file_is_read_by_what_it_is_not_by_its_name():
    assert check_upload(name="照片.jpg", data=pdf_with(MARKED))
    assert check_upload(name="照片.png", data=docx_with(MARKED))
    assert check_upload(name="表.csv", data=xlsx_with([[MARKED]]))


def test_other_files_are_checked_for_any_text_their_bytes_hold():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    assert check_upload(name="照片.png", data=png) is None
    assert check_upload(name="照片.png", data=png + MARKED.encode("gb18030"))


# --- a file the guard cannot read is refused ------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "words"), [
    ("a.pdf", b"%PDF-1.4 plain", "PDF"),
    ("a.pdf", b"not a pdf at all", "PDF"),
    ("a.docx", b"PK\x03\x04 not a zip", "Word"),
    ("a.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>"}), "Word"),
    ("a.docx", _zip({"a.txt": b"hello"}), "Word"),
    ("a.xlsx", b"plain text", "Excel"),
    ("a.xlsx", _zip({"xl/workbook.xml": b"<workbook"}), "Excel"),
])
def test_an_unreadable_file_of_a_type_the_guard_reads_is_refused(name, data, words):
    message = check_upload(name=name, data=data)
    assert message and words in message and "无法" in message


def test_an_encrypted_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with(PLAIN))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert "加密" in check_upload(name="a.pdf", data=out.getvalue())
    # only an owner password (anyone may open it): read and checked like any other
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with(MARKED))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert "秘密★" in check_upload(name="a.pdf", data=out.getvalue())


def test_an_office_file_that_would_unpack_to_far_more_than_its_size_is_refused(monkeypatch):
    monkeypatch.setattr(classification, "MIN_UNZIPPED_LIMIT", 1024 * 1024)  # 50 MB in earnest
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (4 * 1024 * 1024)})
    assert len(bomb) * classification.MAX_UNZIPPED_RATIO < 4 * 1024 * 1024
    assert "解压后过大" in check_upload(name="a.docx", data=bomb)


def test_a_django_upload_is_read_and_rewound():
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.docx", docx_with(MARKED))
    upload.read(10)
    assert "秘密★" in classification.check_uploaded_file(upload)
    assert upload.tell() == 0


def test_core_imports_no_app():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(classification.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m.startswith("dangwu")}

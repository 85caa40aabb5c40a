"""The classes of characters that stores, imports and text fields refuse are named once
(`core.text`) and nest: what a store refuses, no field or cell lets through."""

import pytest
from django.core.exceptions import ValidationError

from dangwu.core.text import REFUSED_IN_CELLS, REFUSED_IN_LINE, REFUSED_IN_TEXT, UNSTORABLE, storable
from dangwu.core.validators import validate_single_line, validate_text

CODE_POINTS = [chr(c) for c in (*range(0, 0x3000), *range(0xD800, 0xE000), 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF)]


def test_what_a_store_refuses_no_text_field_accepts():
    for char in CODE_POINTS:
        if UNSTORABLE.search(char):
            assert REFUSED_IN_TEXT.search(char), repr(char)


def test_what_a_multiline_field_refuses_a_one_line_field_refuses():
    for char in CODE_POINTS:
        if REFUSED_IN_TEXT.search(char):
            assert REFUSED_IN_LINE.search(char), repr(char)


def test_what_an_import_refuses_in_a_cell_a_one_line_field_refuses():
    for char in CODE_POINTS:
        if REFUSED_IN_CELLS.search(char):
            assert REFUSED_IN_LINE.search(char), repr(char)


@pytest.mark.parametrize("text", ["张\u202e三", "张\ud800三", "张\x00三", "张\x85三"])
def test_fields_and_cells_refuse_bidi_marks_surrogates_and_controls(text):
    with pytest.raises(ValidationError):
        validate_text(text)
    with pytest.raises(ValidationError):
        validate_single_line(text)
    assert REFUSED_IN_CELLS.search(text)


def test_line_breaks_are_text_but_not_one_line():
    validate_text("第一行\n第二行\t备注")
    with pytest.raises(ValidationError):
        validate_single_line("第一行\n第二行")


def test_storable_text_is_accepted_by_every_store():
    assert not UNSTORABLE.search(storable("张\x00三\ud800\uffff"))

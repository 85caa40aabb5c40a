"""Text that every store and every file of the platform accepts (decision 0020).

A cell of an uploaded sheet, an exception's message or a value read back from an older record may
carry characters that some destination refuses: PostgreSQL's text and jsonb refuse NUL (U+0000;
jsonb refuses its escape `\\u0000` too), the psycopg driver cannot encode a lone surrogate, and
XML, hence every .xlsx, refuses the other C0 control characters (but tab and line breaks),
U+FFFE and U+FFFF. One such character in an error message once made a task's bookkeeping fail,
then django-tasks' own record of the failure, and stopped the task worker.

`storable` replaces each of them by a visible stand-in (␀ ␁ … for control characters, the
replacement character � for the rest), so that the text can be stored and written anywhere and a
reader sees where the character was. `visible` does the same for the wider set an import refuses
in a cell (`REFUSED_IN_CELLS`). Pure: no database.
"""

from __future__ import annotations

import re
from typing import Any

# The classes of characters the platform treats alike, named once: what a store or a file refuses,
# what an import refuses in a cell, and what a text field refuses (`core.validators`).
_C0 = "\x00-\x08\x0e-\x1f"  # C0 controls but the whitespace ones (tab, LF, VT, FF, CR)
_VT_FF = "\x0b\x0c"  # vertical tab and form feed: Word's line and page breaks in pasted text
_TAB_LF_CR = "\t\n\r"
_DEL_C1 = "\x7f-\x9f"  # DEL and the C1 controls
_SEPARATORS = "\u2028\u2029"  # line and paragraph separators
_BIDI = "\u202a-\u202e\u2066-\u2069"  # bidirectional overrides and isolates ("cod.exe" shown as "exe.doc")
_BROKEN = "\ud800-\udfff\ufffe\uffff"  # lone surrogates (psycopg cannot encode them) and non-characters

# What PostgreSQL (text, jsonb) or a workbook's XML refuses.
UNSTORABLE = re.compile(f"[{_C0}{_VT_FF}{_BROKEN}]")
# What an import refuses in a cell: the above, DEL, the C1 controls and the bidirectional marks,
# but vertical tab, form feed and the separators, which every cell reader treats as the
# whitespace they are (`core.spreadsheets`).
REFUSED_IN_CELLS = re.compile(f"[{_C0}{_DEL_C1}{_BIDI}{_BROKEN}]")
# What a text field of several lines refuses (`core.validators.validate_text`); a one-line field
# refuses tabs and line breaks too (`validate_single_line`).
REFUSED_IN_TEXT = re.compile(f"[{_C0}{_VT_FF}{_DEL_C1}{_SEPARATORS}{_BIDI}{_BROKEN}]")
REFUSED_IN_LINE = re.compile(f"[{_TAB_LF_CR}{_C0}{_VT_FF}{_DEL_C1}{_SEPARATORS}{_BIDI}{_BROKEN}]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟, the Unicode pictures of the control characters
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def visible(text: str, pattern: re.Pattern[str] = REFUSED_IN_CELLS) -> str:
    """`text` with each character `pattern` matches replaced by a visible stand-in."""
    return pattern.sub(_stand_in, text) if pattern.search(text) else text


def storable(value: Any) -> Any:
    """`value` made safe to store in any column (text, jsonb) and to write in any file: each
    string, also inside lists, tuples and dicts (keys too), with what a store or a workbook
    refuses replaced by a visible stand-in; any other value unchanged."""
    if isinstance(value, str):
        return visible(value, UNSTORABLE)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, tuple):
        return tuple(storable(item) for item in value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value

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

# What PostgreSQL (text, jsonb) or a workbook's XML refuses: C0 controls but tab, LF and CR;
# lone surrogates; the non-characters U+FFFE and U+FFFF.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What an import refuses in a cell: the above, DEL and the C1 controls, but vertical tab and form
# feed, which Word's line and page breaks leave in pasted text and which every cell reader treats
# as the whitespace they are (`core.spreadsheets`).
REFUSED_IN_CELLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


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

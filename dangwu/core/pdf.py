"""PDF documents with Chinese text (介绍信, certificates, reports): fpdf2 and an embedded CJK font.

The font is embedded (subset) in every file, so the Chinese text renders in any PDF viewer,
on a machine without Chinese fonts too. `cjk_font()` finds it: the file named by the
environment variable DANGWU_CJK_FONT, else the usual Debian paths (`apt-get install
fonts-wqy-zenhei`, which `make install` does). Other apps build on `ChinesePDF`.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FAMILY = "cjk"


class FontMissing(ImproperlyConfigured):
    """No CJK font on this machine: PDFs with Chinese text cannot be made (pages say so)."""


def cjk_font() -> Path:
    """The CJK font file to embed: $DANGWU_CJK_FONT, else the first Debian path that exists."""
    named = os.environ.get("DANGWU_CJK_FONT", "").strip()
    if named:
        path = Path(named)
        if not path.is_file():
            raise FontMissing(f"DANGWU_CJK_FONT names {named}, which is not a file")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "No Chinese (CJK) font for PDF documents: install one (apt-get install fonts-wqy-zenhei) "
        "or set DANGWU_CJK_FONT to a .ttf/.ttc file")


class ChinesePDF(FPDF):
    """An A4 portrait FPDF with the CJK font loaded as family "cjk" (regular only)."""

    def __init__(self, *, title: str = "", author: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(cjk_font()))
        self.set_font(FAMILY, size=12)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(20, 18, 20)
        if title:
            self.set_title(title)
        if author:
            self.set_author(author)
        self.set_creator("电子党务平台")

    def heading(self, text: str, *, size: int = 18) -> None:
        self.set_font(FAMILY, size=size)
        self.cell(0, size * 0.6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, size=12)

    def paragraph(self, text: str, *, size: int = 12, height: float = 7.5, align: str = "L") -> None:
        self.set_font(FAMILY, size=size)
        self.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def cut_line(self, label: str) -> None:
        """A dashed line across the page with a label in the middle (骑缝 between stub, letter, receipt)."""
        y = self.get_y() + 3
        self.set_dash_pattern(dash=1.5, gap=1.5)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_dash_pattern()
        self.set_font(FAMILY, size=9)
        self.set_xy(self.l_margin, y - 2)
        self.set_fill_color(255, 255, 255)
        text_w = self.get_string_width(label) + 4
        self.set_x((self.w - text_w) / 2)
        self.cell(text_w, 4, label, align="C", fill=True)
        self.set_y(y + 5)
        self.set_font(FAMILY, size=12)

    def render(self) -> bytes:
        return bytes(self.output())

"""The report's Chinese (the article's title and claims, from paper/) readable without a CJK font on the
reader's machine: a font cut to those characters (workflow/scripts/cjk_font.py) is embedded by the
report's template from CJK_FONT_CSS, for CJK characters only."""

from __future__ import annotations

import os
from pathlib import Path

# The generated stylesheet the template includes, relative to the repository (the template names its file).
CJK_FONT_CSS = Path("workflow/templates/selfcontained/cjk-font.css")
CJK_FONT_FAMILY = "rnn-replication CJK"
# CJK punctuation and symbols, ideographs (with extension A), and full-width forms.
CJK_RANGE = "U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+FF00-FFEF"
CJK_BLOCKS = ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))
# The files of paper/ whose text the report shows.
SHOWN_PAPER_FILES = ("article.yaml", "claims.yaml")


def is_cjk(character: str) -> bool:
    return any(low <= ord(character) <= high for low, high in CJK_BLOCKS)


def cjk_characters(paper_dir: str | os.PathLike) -> list[str]:
    """Every CJK character of the paper/ files the report shows, sorted."""
    text = "".join((Path(paper_dir) / name).read_text(encoding="utf-8") for name in SHOWN_PAPER_FILES)
    return sorted({character for character in text if is_cjk(character)})

"""The report's Chinese without a CJK font on the reader's machine: the glyphs of the Chinese that paper/
holds (the article's title and claims, which the report quotes), cut from a CJK font into a small WOFF and
written, base64, as an @font-face rule that the report's template includes. A browser falls back to it for
those characters only (its unicode-range), so where a CJK font is installed nothing changes.

Usage: python workflow/scripts/cjk_font.py FONT.ttf
FONT.ttf: a CJK font whose license allows redistribution, e.g. Droid Sans Fallback (Apache 2.0; Debian's
fonts-droid-fallback: /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf). Writes
workflow/templates/selfcontained/cjk-font.css; tests/test_reporting.py checks that it covers every
character of paper/ the report shows. Run it again when paper/ gains Chinese.
"""

import base64
import io
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from rnn_replication.core.runs import repository_root
from rnn_replication.report.fonts import CJK_FONT_CSS, CJK_FONT_FAMILY, CJK_RANGE, cjk_characters

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    source = Path(sys.argv[1])
    characters = cjk_characters(repository_root() / "paper")
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 13, 14]  # copyright, family, style, license and its URL
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(characters))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    names = font["name"]
    notice = " ".join(
        str(names.getDebugName(name_id) or "") for name_id in (0, 13, 14) if names.getDebugName(name_id)
    )
    css = (
        f"/* {len(characters)} glyphs of {names.getDebugName(1)} for the Chinese of paper/, made by "
        f"workflow/scripts/cjk_font.py from {source.name}. {notice} */\n"
        f'@font-face {{ font-family: "{CJK_FONT_FAMILY}"; unicode-range: {CJK_RANGE};\n'
        f'  src: url(data:font/woff;base64,{encoded}) format("woff"); }}\n'
        # First in the list: its unicode-range limits it to the CJK characters, the rest keep the theme's.
        f'body, .jp-RenderedHTMLCommon {{ font-family: "{CJK_FONT_FAMILY}", var(--jp-content-font-family, '
        "system-ui, sans-serif); }\n"
    )
    path = repository_root() / CJK_FONT_CSS
    path.write_text(css, encoding="utf-8")
    print(f"wrote {path.relative_to(repository_root())}: {len(characters)} characters, {len(css):,} bytes")

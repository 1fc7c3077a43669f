"""Make the pages' web font: Noto Sans CJK SC (SIL OFL 1.1) cut down to the characters the
pages use, so a machine without a CJK font still shows Chinese.

The source is the Simplified Chinese face of the ``noto-cjk-sans-otc`` wheel on PyPI. Run with
fontTools and brotli installed (they are not dependencies of the project):

    pip download --no-deps -d /tmp/noto noto-cjk-sans-otc==0.0.1
    unzip -o /tmp/noto/noto_cjk_sans_otc-0.0.1-py3-none-any.whl -d /tmp/noto
    python tools/subset_font.py /tmp/noto/noto_cjk_sans_otc/NotoSansCJK-Regular.ttc

The subset keeps every character of GB 2312 (its 6,763 hanzi cover nearly all names and text
of Chinese government documents), ASCII and Latin-1, CJK and full-width punctuation, and every
character of the templates, the page texts, the region table and the sample data.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "api" / "static" / "fonts" / "NotoSansSC-subset.woff2"
SIMPLIFIED = "Noto Sans CJK SC"
TEXT_FILES = [*sorted((ROOT / "api" / "templates").glob("*.html")),
              *sorted((ROOT / "api" / "texts").glob("*.toml")), ROOT / "api" / "i18n.py",
              ROOT / "ledger" / "data" / "regions_fujian.json",
              *sorted((ROOT / "ledger" / "data" / "sample").glob("*"))]
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF),
          (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x3000, 0x303F),
          (0xFF00, 0xFFEF)]


def gb2312() -> set[str]:
    """Every character of GB 2312: symbols (rows 1–9) and hanzi (rows 16–87)."""
    found = set()
    for row in [*range(0xA1, 0xAA), *range(0xB0, 0xF8)]:
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def characters() -> set[str]:
    chars = gb2312()
    for low, high in RANGES:
        chars |= {chr(c) for c in range(low, high + 1)}
    for path in TEXT_FILES:
        chars |= set(path.read_text(encoding="utf-8"))
    return {c for c in chars if c.isprintable() or c == " "}


def main(collection: str) -> None:
    font = next(f for f in TTCollection(collection).fonts
                if f["name"].getDebugName(1) == SIMPLIFIED)
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # browsers' rasterisers do well without; it saves a fifth
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters())))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(str(OUT))
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])

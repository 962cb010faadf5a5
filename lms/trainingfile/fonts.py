"""Finding a font that shows Chinese in the training file's PDFs, and cutting it down.

PDF viewers have no Chinese font of their own to fall back on, so every PDF embeds one (a subset
of the glyphs it uses). ``settings.PDF_CJK_FONT`` names the font file; without it, the fonts that
Debian's packages install are tried in order. A build with no usable font fails with
``FontMissing`` (a clear message in the file's error) rather than printing empty boxes.

``subset_font`` makes, once per build, a small TrueType font holding just the characters the
build prints. Reading a 20 MB Noto CJK collection once instead of once per PDF keeps a build
fast, and outlines converted from CFF to TrueType embed as ``CIDFontType2`` with Identity-H
encoding, which every viewer, printer and text extractor reads.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

# Debian packages' paths, best first: fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei,
# fonts-arphic-uming, fonts-droid-fallback.
KNOWN_FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]

FONT_EXTENSIONS = {".ttf", ".otf", ".ttc", ".otc"}

# Characters every training file prints; a font without them cannot be used.
PROBE = "培训档案学员"


class FontMissing(Exception):
    """No font that can show Chinese was found; the message says what to install or set."""


@dataclass(frozen=True)
class CJKFont:
    path: str
    face: int  # the face to use inside a font collection (.ttc/.otc); 0 otherwise


def _is_collection(path):
    return Path(path).suffix.lower() in {".ttc", ".otc"}


def _has_chinese(ttfont):
    cmap = ttfont.getBestCmap() or {}
    return all(ord(char) in cmap for char in PROBE)


def _prefers(face):
    """Simplified Chinese faces first: Noto CJK collections hold JP, KR, SC, TC and HK faces,
    and shared characters should take their mainland shapes."""
    name = str(face["name"].getDebugName(1) or "")
    return 0 if name.endswith(" SC") or "GB" in name or "Hans" in name else 1


@functools.lru_cache(maxsize=8)
def _inspect(path):
    """The face of ``path`` to use for Simplified Chinese, or None if it has no Chinese glyphs."""
    from fontTools.ttLib import TTCollection, TTFont

    if _is_collection(path):
        faces = list(enumerate(TTCollection(path, lazy=True).fonts))
    else:
        faces = [(0, TTFont(path, lazy=True))]
    for index, face in sorted(faces, key=lambda item: (_prefers(item[1]), item[0])):
        if _has_chinese(face):
            return index
    return None


def _check(path):
    if Path(path).suffix.lower() not in FONT_EXTENSIONS or not Path(path).is_file():
        return None
    try:
        face = _inspect(str(path))
    except Exception:  # a damaged or foreign file is simply not a usable font
        return None
    return None if face is None else CJKFont(str(path), face)


def find_cjk_font():
    """The font to embed, or raise ``FontMissing`` with a translated, actionable message."""
    configured = getattr(settings, "PDF_CJK_FONT", None)
    if configured:
        font = _check(configured)
        if font is None:
            raise FontMissing(
                _(
                    "The font set in PDF_CJK_FONT (%(path)s) is missing or cannot show Chinese. "
                    "Point it at a TrueType or OpenType font with Chinese characters."
                )
                % {"path": configured}
            )
        return font
    for path in KNOWN_FONT_PATHS:
        font = _check(path)
        if font is not None:
            return font
    raise FontMissing(
        _(
            "No font that can show Chinese was found, so the PDFs cannot be made. Install the "
            "Debian package fonts-noto-cjk, or set PDF_CJK_FONT to a Chinese font file."
        )
    )


# Always in the subset: what page numbers, dates, codes and hashes are written with.
BASE_CHARACTERS = frozenset(chr(code) for code in range(0x20, 0x7F)) | set("—–·、，；：（）％")


def _to_truetype(ttfont):
    """Replace CFF outlines with quadratic TrueType ones (in place)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = ttfont.getGlyphOrder()
    glyph_set = ttfont.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    ttfont["loca"] = newTable("loca")
    ttfont["glyf"] = glyf
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in ttfont:
            del ttfont[tag]
    maxp = ttfont["maxp"]
    maxp.tableVersion = 0x00010000
    for name in (
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, name, 0)
    maxp.maxZones = 1
    ttfont["head"].glyphDataFormat = 0
    ttfont["post"].formatType = 3.0  # no glyph names needed
    ttfont.sfntVersion = "\x00\x01\x00\x00"


def subset_font(font, characters, path):
    """Write to ``path`` a TrueType font with the glyphs of ``characters`` from ``font``."""
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont

    ttfont = TTFont(font.path, fontNumber=font.face if _is_collection(font.path) else -1, lazy=True)
    options = Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    options.hinting = False
    subsetter = Subsetter(options)
    subsetter.populate(unicodes={ord(char) for char in set(characters) | BASE_CHARACTERS})
    subsetter.subset(ttfont)
    if "glyf" not in ttfont:
        _to_truetype(ttfont)
    ttfont.save(path)
    return path

"""Illustrations for the demo curricula, drawn locally with Pillow (nothing is downloaded).

Each picture is a flat, deterministic drawing (a shop front, a product box, a sales chart, a
phone shop, a network, a globe, a classroom) with a Chinese caption when a CJK font is
installed, and shapes only when none is. The same title always yields the same picture, and
``demo_image`` stores it once as a Wagtail image, so ``seed_demo`` can run again safely.
"""

import functools
import glob
import hashlib
import itertools
import math
import random
from io import BytesIO

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 800

# Background, main colour, accent: calm colours that read well on a phone.
PALETTES = {
    "green": ("#eef5ea", "#3f7d3a", "#e0a526"),
    "orange": ("#fdf1e4", "#d9772b", "#3f7d3a"),
    "blue": ("#e9f1f8", "#2f6da3", "#e07a3f"),
    "red": ("#fbecea", "#b8423a", "#e8b53a"),
    "teal": ("#e6f4f2", "#2a8a7e", "#d9772b"),
    "brown": ("#f5efe6", "#8a5a2b", "#5a8f3a"),
}

MOTIFS = ("shop", "product", "chart", "phone", "network", "globe", "classroom")

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
CJK_FONT_PATTERNS = (
    "/usr/share/fonts/**/*CJK*.tt[cf]",
    "/usr/share/fonts/**/*CJK*.otf",
    "/usr/share/fonts/**/wqy*.tt[cf]",
    "/usr/share/fonts/**/*SC*.otf",
)


@functools.cache
def cjk_font_source():
    """``(path, index)`` of an installed font that draws Simplified Chinese, or ``None``."""
    paths = list(CJK_FONT_CANDIDATES)
    for pattern in CJK_FONT_PATTERNS:
        paths.extend(sorted(glob.glob(pattern, recursive=True)))
    for path in paths:
        try:
            ImageFont.truetype(path, 20)
        except OSError:
            continue
        return path, _simplified_chinese_index(path)
    return None


def _simplified_chinese_index(path):
    """In a font collection, the face for Simplified Chinese (``SC``); else the first."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(12):
        try:
            family, _style = ImageFont.truetype(path, 20, index=index).getname()
        except OSError:
            break
        if family and (" SC" in family or "GB" in family):
            return index
    return 0


def _font(size):
    source = cjk_font_source()
    if source is None:
        return None
    path, index = source
    return ImageFont.truetype(path, size, index=index)


def draw_illustration(motif, caption="", palette="green", label="示意图"):
    """PNG bytes of a ``WIDTH`` x ``HEIGHT`` drawing; the same arguments give the same bytes."""
    background, main, accent = PALETTES.get(palette, PALETTES["green"])
    rng = random.Random(hashlib.sha1(f"{motif}|{caption}".encode()).hexdigest())
    canvas = PILImage.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(canvas)
    _draw_backdrop(draw, rng, main)
    painter = _MOTIF_PAINTERS.get(motif, _draw_product)
    painter(draw, rng, main, accent, background)
    _draw_caption(draw, caption, label, main)
    out = BytesIO()
    canvas.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _draw_backdrop(draw, rng, main):
    """A few pale circles, so pictures of one kind still differ."""
    for _ in range(5):
        r = rng.randint(60, 160)
        x, y = rng.randint(0, WIDTH), rng.randint(0, HEIGHT - 200)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=_tint(main, 0.8), width=6)


def _tint(colour, amount):
    """``colour`` mixed with white; ``amount`` 0 keeps it, 1 gives white."""
    colour = colour.lstrip("#")
    rgb = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    return tuple(round(c + (255 - c) * amount) for c in rgb)


def _draw_shop(draw, rng, main, accent, background):
    left, top, right, bottom = 250, 170, 950, 620
    draw.rectangle((left, top + 90, right, bottom), fill="white", outline=main, width=6)
    stripes = 10
    width = (right - left + 40) // stripes
    for i in range(stripes):
        x = left - 20 + i * width
        colour = main if i % 2 == 0 else "white"
        draw.polygon(
            [(x, top), (x + width, top), (x + width, top + 90), (x, top + 90)],
            fill=colour,
            outline=main,
        )
        draw.pieslice(
            (x, top + 60, x + width, top + 120), 0, 180, fill=colour, outline=main, width=2
        )
    draw.rectangle((left + 60, top + 170, left + 300, bottom - 40), fill=_tint(main, 0.7))
    for row in range(3):
        y = top + 200 + row * 70
        for col in range(3):
            x = left + 80 + col * 72
            draw.rounded_rectangle(
                (x, y, x + 55, y + 50), 8, fill=accent if (row + col) % 2 else main
            )
    draw.rectangle((right - 250, top + 170, right - 70, bottom), fill=_tint(accent, 0.5))
    draw.ellipse((right - 110, top + 330, right - 90, top + 350), fill=main)


def _draw_product(draw, rng, main, accent, background):
    # A gift box and a bottle: tea oil, rice noodles, oranges all ship this way.
    draw.polygon([(280, 330), (560, 250), (780, 330), (500, 410)], fill=_tint(main, 0.3))
    draw.polygon([(280, 330), (500, 410), (500, 650), (280, 570)], fill=main)
    draw.polygon([(500, 410), (780, 330), (780, 570), (500, 650)], fill=_tint(main, 0.15))
    draw.polygon([(370, 300), (650, 380), (650, 420), (370, 340)], fill=accent)
    draw.rectangle((330, 450, 450, 520), fill="white")
    bottle_x = 860
    draw.rounded_rectangle((bottle_x, 300, bottle_x + 150, 650), 30, fill=accent)
    draw.rectangle((bottle_x + 50, 240, bottle_x + 100, 300), fill=main)
    draw.rounded_rectangle((bottle_x + 20, 420, bottle_x + 130, 540), 10, fill="white")
    for i in range(3):
        cx = 170 + i * 55
        draw.ellipse((cx - 35, 580, cx + 35, 650), fill=accent, outline=main, width=3)


def _draw_chart(draw, rng, main, accent, background):
    left, bottom = 200, 610
    draw.line((left, 170, left, bottom), fill="#555555", width=5)
    draw.line((left, bottom, 1020, bottom), fill="#555555", width=5)
    values = sorted(rng.randint(80, 400) for _ in range(6))
    points = []
    for i, value in enumerate(values):
        x = left + 50 + i * 130
        draw.rectangle((x, bottom - value, x + 80, bottom - 3), fill=main if i < 5 else accent)
        points.append((x + 40, bottom - value - 30))
    draw.line(points, fill=accent, width=6)
    for x, y in points:
        draw.ellipse((x - 10, y - 10, x + 10, y + 10), fill="white", outline=accent, width=4)


def _draw_phone(draw, rng, main, accent, background):
    draw.rounded_rectangle((430, 120, 770, 660), 40, fill="#333333")
    draw.rounded_rectangle((450, 170, 750, 610), 12, fill="white")
    draw.rectangle((450, 170, 750, 230), fill=main)
    for row in range(2):
        for col in range(2):
            x, y = 470 + col * 140, 250 + row * 170
            draw.rounded_rectangle((x, y, x + 120, y + 120), 10, fill=_tint(main, 0.6))
            draw.rectangle((x, y + 130, x + 120, y + 145), fill=_tint("#333333", 0.7))
    draw.ellipse((580, 625, 620, 650), fill="#777777")
    # A live-stream badge and hearts floating up.
    draw.rounded_rectangle((800, 200, 960, 260), 20, fill=accent)
    for i in range(4):
        x, y = 820 + i * 35, 320 + i * 60
        draw.ellipse((x, y, x + 30, y + 30), fill=_tint(accent, 0.2 * i))


def _draw_network(draw, rng, main, accent, background):
    # Nodes on a ring around the hub, jittered so that no two pictures are quite alike.
    nodes = [(600, 390)]
    for i in range(9):
        angle = 2 * math.pi * i / 9 + rng.uniform(-0.15, 0.15)
        radius = rng.randint(190, 250)
        nodes.append(
            (600 + int(1.6 * radius * math.cos(angle)), 390 + int(radius * math.sin(angle)))
        )
    for x, y in nodes[1:]:
        draw.line((600, 390, x, y), fill=_tint(main, 0.4), width=5)
    for (x1, y1), (x2, y2) in itertools.pairwise(nodes[1:]):
        draw.line((x1, y1, x2, y2), fill=_tint(main, 0.7), width=3)
    for i, (x, y) in enumerate(nodes):
        r = 70 if i == 0 else 32
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=main if i == 0 else accent, outline="white", width=5
        )


def _draw_globe(draw, rng, main, accent, background):
    cx, cy, r = 600, 390, 230
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_tint(main, 0.55), outline=main, width=6)
    for k in (0.35, 0.7):
        w = int(r * k)
        draw.ellipse((cx - w, cy - r, cx + w, cy + r), outline=main, width=3)
    for dy in (-120, 0, 120):
        half = int((r * r - dy * dy) ** 0.5)
        draw.line((cx - half, cy + dy, cx + half, cy + dy), fill=main, width=3)
    draw.arc((180, 150, 1020, 700), 200, 330, fill=accent, width=8)
    draw.polygon([(960, 300), (1010, 330), (955, 350)], fill=accent)
    draw.rectangle((150, 520, 290, 620), fill=accent, outline=main, width=4)
    draw.rectangle((910, 520, 1050, 620), fill=accent, outline=main, width=4)


def _draw_classroom(draw, rng, main, accent, background):
    draw.rectangle((260, 140, 940, 430), fill="#2f4f3a", outline="#8a5a2b", width=14)
    draw.line((320, 220, 640, 220), fill="white", width=5)
    draw.line((320, 280, 820, 280), fill=_tint("#ffffff", 0.2), width=5)
    draw.line((320, 340, 720, 340), fill=accent, width=5)
    for row in range(2):
        for col in range(4):
            x, y = 250 + col * 190, 480 + row * 100
            draw.rectangle((x, y, x + 150, y + 30), fill=main)
            draw.ellipse((x + 55, y - 45, x + 95, y - 5), fill=_tint(main, 0.4))


_MOTIF_PAINTERS = {
    "shop": _draw_shop,
    "product": _draw_product,
    "chart": _draw_chart,
    "phone": _draw_phone,
    "network": _draw_network,
    "globe": _draw_globe,
    "classroom": _draw_classroom,
}


def _draw_caption(draw, caption, label, main):
    """A band along the bottom with the caption, and a corner tag saying it is an illustration."""
    draw.rectangle((0, HEIGHT - 130, WIDTH, HEIGHT), fill=main)
    label_font = _font(30)
    if label_font is None:
        # No CJK font installed: keep the band, draw no text rather than boxes of tofu.
        draw.rectangle((60, HEIGHT - 80, 460, HEIGHT - 60), fill=_tint(main, 0.5))
        return
    if caption:
        text, size = caption, 54
        caption_font = _font(size)
        while draw.textlength(text, font=caption_font) > WIDTH - 120 and size > 36:
            size -= 4
            caption_font = _font(size)
        while draw.textlength(text, font=caption_font) > WIDTH - 120 and len(text) > 1:
            text = text[:-2] + "…"
        draw.text((60, HEIGHT - 65), text, font=caption_font, fill="white", anchor="lm")
    if label:
        width = draw.textlength(label, font=label_font)
        draw.rounded_rectangle((WIDTH - width - 70, 30, WIDTH - 30, 90), 12, fill=main)
        draw.text((WIDTH - 50, 60), label, font=label_font, fill="white", anchor="rm")


def demo_image(title, motif, caption="", palette="green", filename="demo.png"):
    """The Wagtail image called ``title``, drawn and stored the first time only."""
    from wagtail.images import get_image_model
    from wagtail.utils.file import hash_filelike

    image_model = get_image_model()
    image = image_model.objects.filter(title=title).first()
    if image is not None:
        return image, False
    data = draw_illustration(motif, caption, palette)
    image = image_model(title=title, file=ImageFile(BytesIO(data), name=filename))
    image.file_size = len(data)
    image.file_hash = hash_filelike(BytesIO(data))
    image.save()
    return image, True

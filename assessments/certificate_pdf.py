"""The certificate as a PDF (A4 landscape), with the Chinese font and a QR code.

The font is the training file's (``lms.trainingfile.fonts``): a subset holding just the
characters this certificate prints, embedded as TrueType so every viewer and text extractor
reads it. The QR code encodes the absolute URL of the public verification page, built from
``settings.WAGTAILADMIN_BASE_URL`` (the site's address, ``SITE_URL``) so that a printed
certificate does not depend on the host that happened to serve the download.
"""

import io
import os
import tempfile

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from lms.trainingfile.fonts import find_cjk_font, subset_font

FONT = "cjk"
TITLE = "电子商务培训合格证书"  # the certificate's name in the work plan, in every language


def verification_url(certificate):
    base = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")
    return base + reverse("certificates:verify", args=[certificate.code])


def issuing_bodies(certificate):
    """The training institution and the county Bureau of Commerce."""
    bureau = getattr(settings, "CERTIFICATE_BUREAU_NAME", "") or _("County Bureau of Commerce")
    return [certificate.training_class.institution.legal_name, str(bureau)]


def _lines(certificate):
    profile = certificate.profile
    return [
        (_("Name"), certificate.holder_name),
        (_("ID number"), profile.masked_id_number),
        (_("Tier"), certificate.get_tier_display()),
        (_("Class"), certificate.training_class.name),
        (
            _("Training dates"),
            f"{certificate.course_start:%Y-%m-%d} — {certificate.course_end:%Y-%m-%d}",
        ),
        (_("Hours"), f"{certificate.hours}"),
        (_("Issued on"), f"{certificate.issued_on:%Y-%m-%d}"),
        (_("Valid until"), f"{certificate.valid_until:%Y-%m-%d}"),
        (_("Serial number"), certificate.serial),
    ]


PT = 25.4 / 72  # millimetres per point


def _set_fitting_size(pdf, text, width, size, smallest):
    """Set the largest font size from ``size`` down to ``smallest`` (in half points) at which
    ``text`` fits on one line of ``width`` mm; ``smallest`` if none does. True if it fits."""
    while True:
        pdf.set_font(FONT, size=size)
        if pdf.get_string_width(text) <= width:
            return True
        if size <= smallest:
            return False
        size = max(smallest, size - 0.5)


def _write_fitted(pdf, x, y, width, text, *, size, smallest, height, align="L"):
    """Write ``text`` at (x, y) within ``width`` mm: on one line (a cell ``height`` mm high),
    shrunk down to ``smallest`` if need be, and wrapped between characters (Chinese has no
    spaces) if even that is too long. Returns the height used in mm. Long class and
    institution names (up to 100 and 200 characters) thus never run under the QR code or off
    the page."""
    from fpdf.enums import WrapMode

    fits = _set_fitting_size(pdf, text, width, size, smallest)
    line_height = pdf.font_size_pt * PT * 1.4
    pdf.set_xy(x, y)
    if fits:
        pdf.cell(width, height, text, align=align)
        return height
    lines = pdf.multi_cell(
        width, line_height, text, align=align, wrapmode=WrapMode.CHAR, dry_run=True, output="LINES"
    )
    pdf.set_xy(x, y)
    pdf.multi_cell(width, line_height, text, align=align, wrapmode=WrapMode.CHAR)
    return line_height * len(lines)


def render_certificate_pdf(certificate):
    """The certificate's PDF as bytes (raises ``FontMissing`` without a Chinese font)."""
    from fpdf import FPDF

    lines = [(str(label), str(value)) for label, value in _lines(certificate)]
    bodies = issuing_bodies(certificate)
    intro = _(
        "has completed the e-commerce training above and passed its assessment. "
        "This certificate is awarded."
    )
    scan = _("Scan to verify")
    url = verification_url(certificate)
    texts = [TITLE, intro, scan, url, *bodies, *(a + b for a, b in lines)]

    font = find_cjk_font()
    with tempfile.TemporaryDirectory() as workdir:
        font_path = subset_font(font, set("".join(texts)), os.path.join(workdir, "cert.ttf"))
        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.add_font(FONT, "", font_path)
        pdf.set_title(TITLE)
        pdf.set_creator("county-ecommerce-lms")
        pdf.set_lang("zh-CN")
        pdf.set_auto_page_break(False)
        pdf.add_page()

        # A double frame.
        pdf.set_draw_color(160, 40, 40)
        pdf.set_line_width(1.2)
        pdf.rect(10, 10, 277, 190)
        pdf.set_line_width(0.3)
        pdf.rect(14, 14, 269, 182)

        pdf.set_text_color(160, 40, 40)
        pdf.set_font(FONT, size=30)
        pdf.set_xy(14, 26)
        pdf.cell(269, 14, TITLE, align="C")

        # The facts, left of the QR code (which starts at x = 215).
        pdf.set_text_color(0, 0, 0)
        y = 52
        for label, value in lines:
            pdf.set_font(FONT, size=13)
            pdf.set_xy(40, y)
            pdf.cell(38, 9, label)
            used = _write_fitted(pdf, 78, y, 130, value, size=13, smallest=9, height=9)
            y += max(10, used + 1)

        pdf.set_font(FONT, size=11)
        pdf.set_xy(40, y + 2)
        pdf.multi_cell(150, 6, intro)
        below_intro = pdf.get_y()

        # The QR code for the public verification page, right.
        qr = segno.make(url, error="m")
        image = io.BytesIO()
        qr.save(image, kind="png", scale=8, border=2)
        image.seek(0)
        pdf.image(image, x=215, y=55, w=45, h=45)
        pdf.set_font(FONT, size=9)
        pdf.set_xy(205, 101)
        pdf.cell(65, 5, scan, align="C")

        # The issuing bodies, bottom right (a long legal name shrinks, then wraps).
        y = max(160, below_intro + 4)
        for body in bodies:
            y += _write_fitted(pdf, 110, y, 160, body, size=12, smallest=8, height=7, align="R") + 1
        pdf.set_font(FONT, size=7)
        pdf.set_text_color(100, 100, 100)
        pdf.set_xy(20, 188)
        pdf.cell(257, 4, url)
        return bytes(pdf.output())

"""Documents of the training file as plain data, and their PDF and XLSX renderings.

A section describes what it records as a ``Report``: a title and a list of blocks (headings,
paragraphs, label/value ``Fields`` and ``Table``s of native values: dates, times, numbers,
``Percent``). ``render_pdf`` lays a report out on A4 pages with the embedded Chinese font;
``render_xlsx`` writes each ``Fields`` or ``Table`` block as one worksheet, keeping dates and
numbers as real spreadsheet values.
"""

import datetime
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

# fontTools logs every subsetting step at INFO; the project's root logger is at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

# --- Blocks ----------------------------------------------------------------------------------


class Percent:
    """A share between 0 and 1 (or None when there is nothing to divide by)."""

    def __init__(self, value):
        self.value = None if value is None else float(value)

    def __str__(self):
        return "—" if self.value is None else f"{self.value * 100:.1f}%"

    def __eq__(self, other):
        return isinstance(other, Percent) and self.value == other.value

    def __repr__(self):
        return f"Percent({self.value!r})"


@dataclass
class Heading:
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Fields:
    """Label/value pairs, e.g. a plan's details. ``sheet`` names its worksheet in XLSX."""

    sheet: str
    items: list
    title: str = ""


@dataclass
class Table:
    """A table with a heading row; ``widths`` are relative column widths for the PDF."""

    sheet: str
    headers: list
    rows: list
    title: str = ""
    widths: list | None = None
    empty_text: str = ""


@dataclass
class Report:
    title: str
    subtitle: str = ""
    blocks: list = field(default_factory=list)
    landscape: bool = False
    footer: str = ""

    def add(self, *blocks):
        self.blocks.extend(blocks)
        return self


# --- Values ----------------------------------------------------------------------------------


def _local(value):
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def text_of(value):
    """How a value reads in a PDF cell."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _cell_of(value):
    """The value written to a spreadsheet cell (and its number format, if any)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), None
    if isinstance(value, datetime.datetime):
        return _local(value), "yyyy-mm-dd hh:mm"
    if isinstance(value, datetime.date):
        return value, "yyyy-mm-dd"
    if isinstance(value, datetime.time):
        return value, "hh:mm"
    if isinstance(value, Percent):
        return value.value, "0.0%"
    if isinstance(value, int | float | Decimal):
        return value, None
    return str(value), None


# --- PDF -------------------------------------------------------------------------------------

FONT_FAMILY = "cjk"
HEADING_FILL = (228, 232, 238)


def _make_pdf(font_path, report):
    from fpdf import FPDF

    class TrainingFilePDF(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font(FONT_FAMILY, size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"{report.footer}    {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = TrainingFilePDF(orientation="L" if report.landscape else "P", unit="mm", format="A4")
    pdf.add_font(FONT_FAMILY, "", str(font_path))
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    pdf.set_title(report.title)
    pdf.set_creator("county-ecommerce-lms")
    pdf.set_lang("zh-CN")
    return pdf


TABLE_FONT_SIZE = 8.5  # pt
PT = 25.4 / 72  # mm per point


class _TableWriter:
    """Draws ruled tables line by line with ``cell``-free primitives (``rect`` and ``text``).

    fpdf2's own ``table()`` measures every cell twice through its full line breaker, which costs
    seconds for a class's attendance sheets; CJK text breaks between any two characters, so a
    greedy wrap over cached glyph widths is enough here (Latin words break at spaces).
    """

    PAD_X = 1.2
    PAD_Y = 0.9

    def __init__(self, pdf):
        self.pdf = pdf
        self.widths = {}
        self.line_height = TABLE_FONT_SIZE * PT * 1.35
        self.ascent = TABLE_FONT_SIZE * PT * 0.88

    def width(self, char):
        if char not in self.widths:
            self.widths[char] = self.pdf.get_string_width(char)
        return self.widths[char]

    def wrap(self, text, room):
        lines = []
        for paragraph in str(text).split("\n"):
            line, used, last_space = "", 0.0, -1
            for char in paragraph:
                w = self.width(char)
                if used + w > room and line:
                    if char != " " and last_space > 0:
                        lines.append(line[:last_space])
                        line = line[last_space + 1 :]
                        used = sum(self.width(c) for c in line)
                    else:
                        lines.append(line)
                        line, used = "", 0.0
                    last_space = -1
                    if char == " ":
                        continue
                if char == " ":
                    last_space = len(line)
                line += char
                used += w
            lines.append(line)
        return lines or [""]

    def bottom(self):
        return self.pdf.h - self.pdf.b_margin

    def draw(self, columns, cells, fill):
        """One row segment: every cell's lines at once, all cells the same height."""
        pdf = self.pdf
        count = max(len(lines) for lines in cells)
        height = count * self.line_height + 2 * self.PAD_Y
        x, y = pdf.l_margin, pdf.get_y()
        for width, lines in zip(columns, cells, strict=True):
            pdf.rect(x, y, width, height, style="DF" if fill else "D")
            for index, line in enumerate(lines):
                if line:
                    baseline = y + self.PAD_Y + index * self.line_height + self.ascent
                    pdf.text(x + self.PAD_X, baseline, line)
            x += width
        pdf.set_y(y + height)

    def row(self, columns, texts, *, fill=False, header=None):
        """Draw a row, moving to a new page (and repeating ``header``) when it does not fit."""
        pdf = self.pdf
        pairs = zip(texts, columns, strict=True)
        cells = [self.wrap(text, width - 2 * self.PAD_X) for text, width in pairs]
        full = max(len(lines) for lines in cells) * self.line_height + 2 * self.PAD_Y
        page_room = self.bottom() - pdf.t_margin - (header[1] if header else 0)
        if pdf.get_y() + full > self.bottom() and full <= page_room:
            self.new_page(header)
        while any(cells):
            fits = int((self.bottom() - pdf.get_y() - 2 * self.PAD_Y) // self.line_height)
            if fits < 1:
                self.new_page(header)
                continue
            self.draw(columns, [lines[:fits] or [""] for lines in cells], fill)
            cells = [lines[fits:] for lines in cells]

    def new_page(self, header):
        self.pdf.add_page()
        self.pdf.set_font(FONT_FAMILY, size=TABLE_FONT_SIZE)
        if header:
            texts, _height = header
            self.row(self.columns, texts, fill=True)

    def table(self, headers, rows, widths=None):
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=TABLE_FONT_SIZE)
        pdf.set_draw_color(120, 120, 120)
        pdf.set_line_width(0.2)
        pdf.set_fill_color(*HEADING_FILL)
        count = len(headers) if headers else max((len(row) for row in rows), default=1)
        weights = list(widths) if widths else [1] * count
        self.columns = [pdf.epw * weight / sum(weights) for weight in weights]
        header = None
        if headers:
            texts = [text_of(value) for value in headers]
            pairs = zip(texts, self.columns, strict=True)
            height = max(len(self.wrap(t, w - 2 * self.PAD_X)) for t, w in pairs)
            header = (texts, height * self.line_height + 2 * self.PAD_Y)
            if pdf.get_y() + header[1] + self.line_height * 2 > self.bottom():
                pdf.add_page()
                pdf.set_font(FONT_FAMILY, size=TABLE_FONT_SIZE)
            self.row(self.columns, texts, fill=True)
        for row in rows:
            self.row(self.columns, [text_of(value) for value in row], header=header)


def _pdf_table(pdf, headers, rows, widths=None, *, headings=True):
    _TableWriter(pdf).table(headers if headings else None, rows, widths)
    pdf.ln(3)


def _keep_with_next(pdf, needed=30):
    """Start a new page rather than leave a heading alone at the foot of one."""
    if pdf.get_y() > pdf.h - pdf.b_margin - needed:
        pdf.add_page()


def _block_title(pdf, text):
    _keep_with_next(pdf)
    pdf.set_font(FONT_FAMILY, size=12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def report_characters(report):
    """Every character ``render_pdf`` may print for ``report`` (to cut the font down to)."""
    texts = [report.title, report.subtitle, report.footer, _("None."), _("Yes"), _("No")]
    for block in report.blocks:
        if isinstance(block, Heading | Paragraph):
            texts.append(block.text)
        elif isinstance(block, Fields):
            texts.append(block.title)
            texts.extend(text_of(value) for item in block.items for value in item)
        elif isinstance(block, Table):
            texts.extend([block.title, block.empty_text])
            texts.extend(text_of(value) for value in block.headers)
            texts.extend(text_of(value) for row in block.rows for value in row)
    return set("".join(str(text) for text in texts))


def render_pdf(report, font_path):
    """The report as PDF bytes, embedding the TrueType font at ``font_path``."""
    pdf = _make_pdf(font_path, report)
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=15)
    pdf.multi_cell(0, 8, report.title, new_x="LMARGIN", new_y="NEXT")
    if report.subtitle:
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.multi_cell(0, 6, report.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for block in report.blocks:
        if isinstance(block, Heading):
            pdf.ln(1)
            _block_title(pdf, block.text)
            pdf.ln(1)
        elif isinstance(block, Paragraph):
            pdf.set_font(FONT_FAMILY, size=9.5)
            pdf.multi_cell(0, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif isinstance(block, Fields):
            if block.title:
                _block_title(pdf, block.title)
            _pdf_table(pdf, None, block.items, (1, 3), headings=False)
        elif isinstance(block, Table):
            if block.title:
                _block_title(pdf, block.title)
            if block.rows:
                _pdf_table(pdf, block.headers, block.rows, block.widths)
            else:
                pdf.set_font(FONT_FAMILY, size=9.5)
                pdf.multi_cell(0, 5.5, block.empty_text or _("None."), new_x="LMARGIN")
                pdf.ln(3)
    return bytes(pdf.output())


# --- XLSX ------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name, taken):
    base = _SHEET_FORBIDDEN.sub(" ", str(name)).strip()[:28] or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        title, n = f"{base[:26]}({n})", n + 1
    taken.add(title.lower())
    return title


def _display_width(value):
    text = text_of(value)
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _write_sheet(worksheet, headers, rows):
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E4E8EE")
    widths = {}
    if headers:
        worksheet.append([str(header) for header in headers])
        for cell in worksheet[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        worksheet.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            widths[index] = _display_width(header)
    for row in rows:
        values, formats = zip(*(_cell_of(value) for value in row), strict=True) if row else ((), ())
        worksheet.append(list(values))
        line = worksheet.max_row
        for index, (value, number_format) in enumerate(zip(row, formats, strict=True), start=1):
            if number_format:
                worksheet.cell(row=line, column=index).number_format = number_format
            widths[index] = max(widths.get(index, 0), _display_width(value))
    from openpyxl.utils import get_column_letter

    for index, width in widths.items():
        worksheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 6), 60)


def render_xlsx(report):
    """The report's ``Fields`` and ``Table`` blocks as an XLSX workbook (bytes)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = report.title
    workbook.properties.creator = "county-ecommerce-lms"
    taken = set()
    for block in report.blocks:
        if isinstance(block, Fields):
            worksheet = workbook.create_sheet(_sheet_title(block.sheet, taken))
            _write_sheet(worksheet, None, block.items)
        elif isinstance(block, Table):
            worksheet = workbook.create_sheet(_sheet_title(block.sheet, taken))
            _write_sheet(worksheet, block.headers, block.rows)
    if not workbook.worksheets:
        workbook.create_sheet(_sheet_title(report.title, taken))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(filename, report, font_path):
    """Render ``report`` in the format ``filename`` ends with."""
    if filename.endswith(".pdf"):
        return render_pdf(report, font_path)
    if filename.endswith(".xlsx"):
        return render_xlsx(report)
    raise ValueError(f"No renderer for {filename}")

"""Spreadsheets that people fill in and upload: the template, reading it back, the row report.

Two imports follow the same contract: the question bank (``assessments.actions.bank``) and
candidates for a class (``lms.enrolment.importing``). This module holds what they share.

**The template** (``TemplateWorkbook``): a first sheet with the column names in bold on a
frozen first row, optional drop-down lists and columns kept as text (ID numbers, phones), and
an instructions sheet (column, what to write, the limits, and optionally example rows, which
are never on the first sheet, so they are never imported by mistake). Drop-down values live on
a hidden last sheet ``lists`` (a list written inside the rule breaks on a comma in a value and
is limited to 255 characters).

**Reading** (``read_upload``, ``xlsx_rows``, ``filled_rows``, ``table_rows``): the file is
untrusted. Its type, size, unpacked size and number of rows are limited, and anything
unreadable is a ``ValidationError`` with a clear message and a code (``file_type``, ``size``,
``malformed``, ``empty``, ``header``, ``too_many_rows``), never a server error. Blank rows are
skipped and do not count towards the limit. The column names may sit under one to four title
rows, in any order, under the template's or other known words. Each row keeps its number as
the spreadsheet numbers it, so a report can point at it.

**The row report and all-or-nothing** (``RowError``, ``RowReport``, ``all_or_nothing``): every
row is checked against every rule first and every problem is reported by row (and column);
nothing is saved unless every row is good, and then every row is saved in one transaction.
"""

import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The messages below name "2 MB"; change them with this number.
MAX_FILE_BYTES = 2 * 1024 * 1024
# An XLSX is a ZIP: refuse one that unpacks to far more than a filled-in template ever needs.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
# The column names may sit under up to four title rows.
HEADER_SEARCH_ROWS = 5
LISTS_SHEET = "lists"


def file_error(message, code="malformed"):
    """A refusal of the whole file (shown on the file field)."""
    return ValidationError(message, code=code)


def _unreadable():
    return file_error(
        _(
            "This file could not be read as an Excel workbook (.xlsx). Save it again from the "
            "template."
        )
    )


# --- Reading ---------------------------------------------------------------------------------


def read_upload(uploaded_file, *, extensions, wrong_type):
    """``(lower-case name, bytes)`` of an upload whose name ends with one of ``extensions``
    and which is at most ``MAX_FILE_BYTES`` (whatever size it claims)."""
    name = (getattr(uploaded_file, "name", "") or "").lower()
    if not name.endswith(tuple(extensions)):
        raise file_error(wrong_type, "file_type")
    too_big = file_error(_("The file is larger than 2 MB; split it into smaller files."), "size")
    if (getattr(uploaded_file, "size", None) or 0) > MAX_FILE_BYTES:
        raise too_big
    data = uploaded_file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_big
    return name, data


def filled_rows(rows, cell_text, *, limit):
    """``[(number, [text, ...]), ...]`` of the rows that are not blank once ``cell_text`` has
    turned each cell into text; reading stops after ``limit`` such rows (enough to tell that a
    file has too many). Blank rows never count, wherever they are."""
    found = []
    for number, values in rows:
        texts = [cell_text(value) for value in values]
        if any(texts):
            found.append((number, texts))
            if len(found) > limit:
                break
    return found


def xlsx_rows(data, cell_text, *, max_columns, limit, max_unpacked_bytes=MAX_UNPACKED_BYTES):
    """The non-blank rows (``filled_rows``) of the first sheet of the XLSX workbook ``data``,
    at most ``max_columns`` cells wide."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > max_unpacked_bytes:
                raise file_error(_("The workbook is too large once unpacked."), "size")
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        KeyError,
    ):
        raise _unreadable() from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for broken files
        raise _unreadable() from None
    try:
        sheet = workbook.worksheets[0]
        numbered = enumerate(sheet.iter_rows(max_col=max_columns, values_only=True), start=1)
        return filled_rows(numbered, cell_text, limit=limit)
    except Exception:
        raise _unreadable() from None
    finally:
        workbook.close()


def find_header(rows, aliases, normalise, required, *, search=HEADER_SEARCH_ROWS):
    """``(index in rows, {column: position})`` of the column names: the first of the first
    ``search`` rows that names every required column, or else the one that names the most.
    ``aliases`` maps a normalised word to its column."""
    best = None
    for index, (_number, titles) in enumerate(rows[:search]):
        positions = {}
        for position, title in enumerate(titles):
            column = aliases.get(normalise(title))
            if column is not None:
                positions.setdefault(column, position)
        if best is None or len(positions) > len(best[1]):
            best = (index, positions)
        if positions.keys() >= set(required):
            return index, positions
    return best if best is not None else (0, {})


def table_rows(rows, *, columns, required, aliases, normalise, max_rows, no_data, too_many):
    """``[(row number, {column: text}), ...]`` under the header row of ``rows`` (from
    ``filled_rows``).

    ``columns`` is ``[(column, label), ...]`` in the template's order (labels name missing
    columns); ``no_data`` is the message for a file with column names but no rows, and
    ``too_many`` the message for more than ``max_rows`` rows (with ``%(max)d``).
    """
    if not rows:
        raise file_error(_("The file has no rows."), "empty")
    header_index, positions = find_header(rows, aliases, normalise, required)
    missing = [str(label) for name, label in columns if name in required and name not in positions]
    if missing:
        raise file_error(
            _(
                "The first row must hold the template's column names. Missing: %(columns)s. "
                "Download the template and copy your rows into it."
            )
            % {"columns": _(", ").join(missing)},
            "header",
        )
    found = [
        (number, {name: (values[i] if i < len(values) else "") for name, i in positions.items()})
        for number, values in rows[header_index + 1 :]
    ]
    if not found:
        raise file_error(no_data, "empty")
    if len(found) > max_rows:
        raise file_error(too_many % {"max": max_rows}, "too_many_rows")
    return found


# --- The row report and all-or-nothing -------------------------------------------------------


@dataclass
class RowError:
    """One problem: the row as the spreadsheet numbers it, the column's name, the message."""

    row: int
    column: str
    message: str


@dataclass
class RowReport:
    """What an import found: every problem by row and column, and how many rows were saved."""

    rows: int = 0
    errors: list = field(default_factory=list)
    saved: int = 0

    @property
    def ok(self):
        return not self.errors

    def add(self, row, column, message):
        self.errors.append(RowError(row, str(column), str(message)))


class RowsRefused(Exception):
    """Raised by a ``save`` step of ``all_or_nothing`` that finds a row it cannot save: every
    row saved before it is undone."""


def all_or_nothing(check, save):
    """Check every row, and save them all only if every row is good; ``(report, saved)``.

    ``check()`` returns a report (anything with ``ok``); when it is ok, ``save(report)`` saves
    every row. Both run in one transaction, so whatever ``check`` locked (e.g. a class and its
    places) stays locked until the rows are saved; an error raised by ``check`` or ``save``
    undoes everything, and a ``RowsRefused`` from ``save`` returns ``(report, False)``.
    """
    report = None
    try:
        with transaction.atomic():
            report = check()
            if not report.ok:
                return report, False
            save(report)
    except RowsRefused:
        return report, False
    return report, True


# --- The template ----------------------------------------------------------------------------


@dataclass
class _DropDown:
    column: int
    values: list
    strict: bool


class TemplateWorkbook:
    """A template to fill in: the first sheet's column names, rows and rules, then the
    instructions and other sheets; ``to_bytes()`` gives the ``.xlsx``.

    ``widths`` are the columns' widths; ``data_rows`` how many rows the drop-down lists and
    text formats cover (at least the rows given).
    """

    def __init__(self, title, headers, *, widths, rows=(), data_rows):
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.workbook = Workbook()
        self.sheet = self.workbook.active
        self.sheet.title = str(title)
        self.sheet.append([str(header) for header in headers])
        self.sheet.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            self.sheet.cell(row=1, column=index).font = Font(bold=True)
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        rows = list(rows)
        for row in rows:
            self.sheet.append(list(row))
        self.last_row = max(data_rows, len(rows)) + 1
        self._drop_downs = []

    def keep_as_text(self, column):
        """Format the column's cells as text, so Excel keeps every digit (1-based column)."""
        for row in range(2, self.last_row + 1):
            self.sheet.cell(row=row, column=column).number_format = "@"

    def drop_down(self, column, values, *, strict=True):
        """A drop-down list of ``values`` on the column (1-based). ``strict`` makes Excel refuse
        other values; otherwise it only warns (for importers that also read synonyms)."""
        self._drop_downs.append(_DropDown(column, [str(value) for value in values], strict))

    def instructions(self, lines, *, limits, first_width=16, examples=None):
        """The instructions sheet: ``lines`` of (column, what to write), the limits, and
        ``examples`` (a header row and rows) when given."""
        sheet = self.workbook.create_sheet(str(_("Instructions")))
        sheet.append([str(_("Column")), str(_("What to write"))])
        for column, text in lines:
            sheet.append([str(column), str(text)])
        sheet.append([])
        sheet.append([str(_("Limits")), str(limits)])
        if examples is not None:
            header, rows = examples
            sheet.append([])
            sheet.append([str(_("Examples"))])
            sheet.append([str(title) for title in header])
            for row in rows:
                sheet.append(list(row))
        sheet.column_dimensions["A"].width = first_width
        sheet.column_dimensions["B"].width = 90
        return sheet

    def add_sheet(self, title):
        return self.workbook.create_sheet(str(title))

    def _write_drop_downs(self):
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation

        if not self._drop_downs:
            return
        lists = self.workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
        for list_index, drop_down in enumerate(self._drop_downs, start=1):
            for row, value in enumerate(drop_down.values, start=1):
                lists.cell(row=row, column=list_index, value=value)
            letter = get_column_letter(list_index)
            validation = DataValidation(
                type="list",
                formula1=f"={LISTS_SHEET}!${letter}$1:${letter}${len(drop_down.values)}",
                allow_blank=True,
                errorStyle="stop" if drop_down.strict else "warning",
            )
            column = get_column_letter(drop_down.column)
            validation.add(f"{column}2:{column}{self.last_row}")
            self.sheet.add_data_validation(validation)

    def to_bytes(self):
        self._write_drop_downs()
        self._drop_downs = []
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()

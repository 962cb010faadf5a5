"""The shared spreadsheet helper (``lms.core.xlsx``): the template, reading rows back with
clear refusals of bad files, and all-or-nothing saving."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from lms.audit.models import AuditEvent
from lms.core import xlsx

COLUMNS = [("name", "姓名"), ("kind", "类型"), ("note", "备注")]
REQUIRED = {"name", "kind"}
ALIASES = {"姓名": "name", "name": "name", "类型": "kind", "kind": "kind", "备注": "note"}


def text(value):
    return "" if value is None else str(value).strip()


def norm(value):
    return str(value or "").strip().lower()


def workbook_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for number, values in rows:
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table(raw, *, max_rows=10):
    return xlsx.table_rows(
        raw,
        columns=COLUMNS,
        required=REQUIRED,
        aliases=ALIASES,
        normalise=norm,
        max_rows=max_rows,
        no_data="no data",
        too_many="more than %(max)d",
    )


def read(rows, *, max_rows=10):
    raw = xlsx.xlsx_rows(workbook_bytes(rows), text, max_columns=5, limit=max_rows + 5)
    return table(raw, max_rows=max_rows)


def refusal(call):
    with pytest.raises(ValidationError) as caught, override("en"):
        call()
    return caught.value


# --- Reading ---------------------------------------------------------------------------------


def test_rows_come_back_by_column_name_with_the_spreadsheets_row_numbers():
    rows = read(
        [
            (1, ["2026年题库"]),  # a title row above the column names
            (3, ["备注", "类型", "姓名", "别的列"]),  # another order, an unknown column
            (4, ["", "单选", "张三"]),
            (7, [None, "判断", "李四", "x"]),  # blank rows in between are skipped
        ]
    )
    assert rows == [
        (4, {"note": "", "kind": "单选", "name": "张三"}),
        (7, {"note": "", "kind": "判断", "name": "李四"}),
    ]


def test_a_short_row_reads_its_missing_cells_as_empty():
    raw = [(1, ["姓名", "类型", "备注"]), (2, ["王五"])]
    assert table(raw) == [(2, {"name": "王五", "kind": "", "note": ""})]


def test_missing_columns_are_named_in_the_templates_order():
    error = refusal(lambda: read([(1, ["备注"]), (2, ["x"])]))
    assert error.code == "header"
    assert "姓名, 类型" in error.messages[0]


@pytest.mark.parametrize(
    ("rows", "code", "message"),
    [
        ([], "empty", "The file has no rows."),
        ([(1, ["姓名", "类型"])], "empty", "no data"),
        (
            [(1, ["姓名", "类型"]), *[(n, [f"人{n}", "单选"]) for n in range(2, 6)]],
            "too_many_rows",
            "more than 3",
        ),
    ],
    ids=["no-rows", "header-only", "too-many"],
)
def test_files_without_rows_or_with_too_many_are_refused(rows, code, message):
    error = refusal(lambda: read(rows, max_rows=3))
    assert error.code == code
    assert error.messages == [message]


def test_blank_rows_never_count_towards_the_limit():
    gap = [(n, [None, None]) for n in range(2, 60)]
    rows = [(1, ["姓名", "类型"]), *gap, (60, ["赵六", "多选"])]
    assert read(rows, max_rows=1) == [(60, {"name": "赵六", "kind": "多选"})]


def test_reading_stops_once_the_file_has_too_many_rows():
    numbered = ((n, [f"row {n}"]) for n in range(1, 1_000_000))
    assert len(xlsx.filled_rows(numbered, text, limit=7)) == 8


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.csv", b"a,b", "file_type"),
        ("a.xlsx", b"x" * (xlsx.MAX_FILE_BYTES + 1), "size"),
    ],
)
def test_uploads_of_the_wrong_type_or_size_are_refused(name, content, code):
    upload = SimpleUploadedFile(name, content)
    error = refusal(lambda: xlsx.read_upload(upload, extensions=[".xlsx"], wrong_type="xlsx only"))
    assert error.code == code


def test_an_upload_that_claims_a_small_size_is_still_measured():
    upload = SimpleUploadedFile("a.xlsx", b"x" * (xlsx.MAX_FILE_BYTES + 1))
    upload.size = 10
    error = refusal(lambda: xlsx.read_upload(upload, extensions=[".xlsx"], wrong_type="x"))
    assert error.code == "size"


def test_a_good_upload_is_read_with_its_name_in_lower_case():
    upload = SimpleUploadedFile("题库.XLSX", b"PK")
    assert xlsx.read_upload(upload, extensions=[".xlsx"], wrong_type="x") == ("题库.xlsx", b"PK")


def zip_of(name, content):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a workbook", "malformed"),
        (b"PK\x03\x04broken", "malformed"),
        (zip_of("hello.txt", "hi"), "malformed"),
        (zip_of("xl/worksheets/sheet1.xml", b"0" * (xlsx.MAX_UNPACKED_BYTES + 1)), "size"),
    ],
    ids=["text", "broken-zip", "other-zip", "unpacks-too-large"],
)
def test_unreadable_workbooks_get_a_clear_message_not_an_error(data, code):
    error = refusal(lambda: xlsx.xlsx_rows(data, text, max_columns=5, limit=10))
    assert error.code == code
    assert error.messages[0]


# --- All or nothing --------------------------------------------------------------------------


def audit(note):
    return AuditEvent.objects.create(action="test.row", object_type="x", object_id=note)


@pytest.mark.django_db
def test_good_rows_are_saved_together():
    def check():
        report = xlsx.RowReport(rows=2)
        return report

    def save(report):
        audit("1")
        audit("2")
        report.saved = 2

    report, saved = xlsx.all_or_nothing(check, save)
    assert saved and report.ok and report.saved == 2
    assert AuditEvent.objects.filter(action="test.row").count() == 2


@pytest.mark.django_db
def test_one_bad_row_saves_nothing_and_is_reported_by_row_and_column():
    saved_rows = []

    def check():
        report = xlsx.RowReport(rows=3)
        report.add(3, "类型", "Write one of: 单选.")
        return report

    report, saved = xlsx.all_or_nothing(check, saved_rows.append)
    assert not saved and not report.ok and saved_rows == []
    assert report.errors == [xlsx.RowError(3, "类型", "Write one of: 单选.")]


@pytest.mark.django_db
def test_a_row_refused_while_saving_undoes_the_rows_saved_before_it():
    def save(report):
        audit("1")
        raise xlsx.RowsRefused

    report, saved = xlsx.all_or_nothing(lambda: xlsx.RowReport(rows=2), save)
    assert not saved and report.ok
    assert not AuditEvent.objects.filter(action="test.row").exists()


@pytest.mark.django_db
def test_an_error_in_the_check_undoes_what_it_did_and_is_raised():
    def check():
        audit("locked")
        raise ValidationError("the class is not enrolling", code="not_enrolling")

    with pytest.raises(ValidationError):
        xlsx.all_or_nothing(check, lambda report: None)
    assert not AuditEvent.objects.filter(action="test.row").exists()


# --- The template ----------------------------------------------------------------------------


def build_template():
    with override("en"):
        book = xlsx.TemplateWorkbook(
            "题库", ["姓名", "类型", "身份证号"], widths=[20, 14, 22], data_rows=50
        )
        book.keep_as_text(3)
        book.drop_down(2, ["单选", "A, B or C"], strict=True)
        book.drop_down(1, ["张三", "李四", "王五"], strict=False)
        book.instructions(
            [("姓名", "Required."), ("类型", "One of the list.")],
            limits="At most 50 rows.",
            examples=(["姓名", "类型"], [["张三", "单选"]]),
        )
        book.add_sheet("Villages").append(["430521", "邵东县"])
        return load_workbook(io.BytesIO(book.to_bytes()))


def test_the_template_has_the_column_names_rules_and_instructions():
    workbook = build_template()
    assert workbook.sheetnames == ["题库", "Instructions", "Villages", "lists"]
    sheet = workbook["题库"]
    assert [c.value for c in sheet[1]] == ["姓名", "类型", "身份证号"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 22
    assert sheet["C2"].number_format == "@" and sheet["C51"].number_format == "@"
    # Drop-down values sit on the hidden last sheet: a comma in a value stays one value.
    lists = workbook["lists"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=r, column=1).value for r in (1, 2)] == ["单选", "A, B or C"]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert rules["B2:B51"].formula1 == "=lists!$A$1:$A$2"
    assert rules["B2:B51"].errorStyle == "stop"
    assert rules["A2:A51"].formula1 == "=lists!$B$1:$B$3"
    assert rules["A2:A51"].errorStyle == "warning"
    lines = list(workbook["Instructions"].iter_rows(values_only=True))
    assert lines[0] == ("Column", "What to write")
    assert ("姓名", "Required.") in lines
    assert ("Limits", "At most 50 rows.") in lines
    assert lines[-3:] == [("Examples", None), ("姓名", "类型"), ("张三", "单选")]


def test_an_empty_template_reads_back_as_a_file_without_rows():
    workbook = build_template()
    out = io.BytesIO()
    workbook.save(out)
    raw = xlsx.xlsx_rows(out.getvalue(), text, max_columns=5, limit=20)
    assert raw == [(1, ["姓名", "类型", "身份证号", "", ""])]
    error = refusal(lambda: table(raw))
    assert error.code == "empty"


def test_given_rows_are_written_under_the_column_names():
    book = xlsx.TemplateWorkbook("S", ["a", "b"], widths=[10, 10], rows=[["1", "2"]], data_rows=5)
    sheet = load_workbook(io.BytesIO(book.to_bytes())).active
    assert list(sheet.iter_rows(values_only=True)) == [("a", "b"), ("1", "2")]

"""A built training file holds what the work plan asks for, readable in PDF and XLSX."""

import hashlib
import io
import json

import openpyxl
import pytest

from lms.accounts.validators import mask_id_number
from lms.trainingfile.models import TrainingFile

from .conftest import CLASS_NAME, FULL_ID, TRAINEE_NAME, open_zip, pdf_text

pytestmark = pytest.mark.django_db

EXPECTED_FILES = [
    "00-manifest.pdf",
    "01-plan.pdf",
    "02-class-and-schedule.pdf",
    "02-class-and-schedule.xlsx",
    "03-roster.xlsx",
    "03-roster.pdf",
    "04-attendance.xlsx",
    "04-attendance.pdf",
    "05-leave.xlsx",
    "06-evaluation.pdf",
    "06-evaluation.xlsx",
    "07-chat.xlsx",
    "08-exam-results.pdf",
    "08-exam-results.xlsx",
    "09-certificates.pdf",
    "09-certificates.xlsx",
    "manifest.json",
]


@pytest.fixture
def built(training_data, build):
    return build(training_data.training_class, training_data.officer)


@pytest.fixture
def archive(built):
    return open_zip(built)


def sheet_rows(archive, name, sheet):
    workbook = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
    return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]


def workbook(archive, name):
    return openpyxl.load_workbook(io.BytesIO(archive.read(name)))


def test_the_build_is_ready_with_size_and_hash(built):
    assert built.status == TrainingFile.Status.READY
    assert built.progress == 100
    assert built.version == 1
    assert built.error == ""
    with built.file.open("rb") as handle:
        content = handle.read()
    assert built.size == len(content)
    assert built.sha256 == hashlib.sha256(content).hexdigest()
    assert built.finished_at is not None
    assert built.class_status == "finished"
    assert not built.is_final


def test_the_zip_holds_every_part(archive):
    assert archive.namelist() == EXPECTED_FILES
    assert archive.testzip() is None


def test_the_manifest_lists_files_with_their_hashes(archive, built, training_data):
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["version"] == 1
    assert manifest["final"] is False
    assert manifest["class"]["code"] == "SD-2026-09"
    assert manifest["class"]["status"] == "finished"
    assert training_data.officer.username in manifest["requested_by"]
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == set(EXPECTED_FILES) - {"00-manifest.pdf", "manifest.json"}
    for name, entry in listed.items():
        content = archive.read(name)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size"] == len(content)
    # Every planned section is built now (exam results and certificates included).
    assert manifest["not_yet_included"] == []
    text = pdf_text(archive.read("00-manifest.pdf"))
    assert CLASS_NAME in text
    assert listed["03-roster.pdf"]["sha256"] in text


def test_pdfs_show_chinese_names_and_masked_ids_only(archive):
    roster = pdf_text(archive.read("03-roster.pdf"))
    assert TRAINEE_NAME in roster
    assert CLASS_NAME in roster
    assert mask_id_number(FULL_ID) in roster
    assert FULL_ID not in roster
    for name in archive.namelist():
        content = archive.read(name)
        if name.endswith(".pdf"):
            assert FULL_ID not in pdf_text(content), name


def test_every_pdf_embeds_its_chinese_font(archive):
    from pypdf import PdfReader

    for name in (n for n in archive.namelist() if n.endswith(".pdf")):
        reader = PdfReader(io.BytesIO(archive.read(name)))
        fonts = reader.pages[0]["/Resources"]["/Font"]
        for font in fonts.values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile2", "/FontFile3")), name


def test_the_plan_pdf_has_fields_rules_and_history(archive, training_data):
    text = pdf_text(archive.read("01-plan.pdf"))
    assert "2026年初级电商人才培训方案" in text
    assert training_data.plan.code in text
    assert "淘宝天猫基础实操" in text  # course
    assert "一号理论教室" in text and "二号机房" in text  # venues
    assert "陈讲师" in text  # lecturer
    assert "同意按方案实施" in text  # decision and the approval step
    assert "shangwu" in text and "jigou" in text  # who approved and who submitted


def test_the_class_workbook_has_details_committee_and_schedule(archive, training_data):
    book = workbook(archive, "02-class-and-schedule.xlsx")
    assert len(book.sheetnames) == 3
    details = dict(row[:2] for row in book.worksheets[0].iter_rows(values_only=True))
    assert "SD-2026-09" in details.values()
    assert CLASS_NAME in details.values()
    assert "刘老师（banzhuren）" in details.values()  # head teacher
    committee = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert committee[1][1] == TRAINEE_NAME
    schedule = [list(r) for r in book.worksheets[2].iter_rows(values_only=True)]
    assert len(schedule) == 1 + 3
    first = schedule[1]
    assert first[1].date() == training_data.sessions[0].date  # a real date cell
    assert "一号理论教室" in first
    assert "陈讲师" in first
    assert "商品标题优化" in first  # lessons
    text = pdf_text(archive.read("02-class-and-schedule.pdf"))
    assert "拼多多开店实操" in text and "二号机房" in text


def test_the_roster_workbook_has_eligibility_data(archive, training_data):
    book = workbook(archive, "03-roster.xlsx")
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert [row[1] for row in rows[1:]] == sorted(["王小明", "李大华", "赵晓"])
    wang = next(row for row in rows if row[1] == TRAINEE_NAME)
    assert wang[3] == mask_id_number(FULL_ID)
    first_day = training_data.training_class.start_date
    assert wang[4] == training_data.enrolments["wang"].profile.age_on(first_day)
    assert isinstance(wang[4], int)
    assert wang[8] == training_data.enrolments["wang"].profile.village.full_name
    assert "测试县" in wang[8]
    li = next(row for row in rows if row[1] == "李大华")
    assert li[11] == "村里推荐的带头人，实际能熟练使用电脑"
    others = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert [row[1] for row in others[1:]] == ["钱退学"]
    assert others[1][-1] == "外出务工，主动退出"  # the reason for withdrawing
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert FULL_ID not in row


def test_attendance_grid_rates_and_corrections(archive):
    book = workbook(archive, "04-attendance.xlsx")
    summary = dict(row[:2] for row in book.worksheets[0].iter_rows(values_only=True))
    # Class: attended 3 + 1 + 1 = 5 over expected 3 + 2 + 3 = 8.
    assert 0.625 in summary.values()
    grid = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    by_name = {row[1]: row for row in grid[1:]}
    assert by_name["王小明"][-3:] == [3, 3, 1.0]
    assert by_name["李大华"][-3:] == [1, 2, 0.5]
    assert by_name["赵晓"][-3:] == [1, 3, pytest.approx(1 / 3, abs=1e-4)]
    assert book.worksheets[1].cell(row=2, column=len(grid[0])).number_format == "0.0%"
    sheets = [list(r) for r in book.worksheets[3].iter_rows(values_only=True)]
    assert len(sheets) == 1 + 3 * 3  # every enrolled trainee in every session
    corrections = [list(r) for r in book.worksheets[-1].iter_rows(values_only=True)]
    assert len(corrections) == 2
    assert "误点为出勤，核对签到表后更正" in corrections[1]
    assert "李大华" in corrections[1]
    assert "刘老师（banzhuren）" in corrections[1]
    text = pdf_text(archive.read("04-attendance.pdf"))
    assert "误点为出勤" in text
    assert "62.5%" in text
    assert "08:55" in text  # the QR check-in time


def test_leave_records(archive):
    rows = sheet_rows(archive, "05-leave.xlsx", workbook(archive, "05-leave.xlsx").sheetnames[0])
    assert len(rows) == 2
    leave = rows[1]
    assert leave[0] == "李大华"
    assert "农产品网络营销" in leave[1]
    assert leave[2] == "家中农忙"
    assert leave[5] == "刘老师（banzhuren）"
    assert leave[7] == "准假"


def test_evaluation_summary_is_anonymous_aggregates(archive):
    book = workbook(archive, "06-evaluation.xlsx")
    summary = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    values = [row[1] for row in summary]
    assert values[:2] == [3, 2]  # enrolled, answered
    assert values[4] == 0.5  # one of two answers is satisfied (overall >= 4)
    dimensions = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert [row[1] for row in dimensions[1:]] == [4.0, 3.5, 3.0, 4.5, 4.0]
    lecturers = [list(r) for r in book.worksheets[2].iter_rows(values_only=True)]
    assert lecturers[1] == ["陈讲师", 4.5, 2]
    text = pdf_text(archive.read("06-evaluation.pdf"))
    assert "实操课很有帮助" in text and "讲得清楚" in text
    assert TRAINEE_NAME not in text


def test_the_class_chat_history_is_in_the_file_without_deleted_text(training_data, build):
    from django.utils import timezone

    from live.models import ChatMessage, ChatRoom

    room, _ = ChatRoom.objects.get_or_create(training_class=training_data.training_class)
    sender = training_data.officer
    kept = ChatMessage.objects.create(
        room=room,
        sender=sender,
        kind="announcement",
        text="明早八点集合",
        body="明早八点集合",
        sent_at=timezone.now(),
        pinned_at=timezone.now(),
    )
    ChatMessage.objects.create(
        room=room,
        sender=sender,
        text="删掉的话",
        body="删掉的话",
        sent_at=timezone.now(),
        deleted_at=timezone.now(),
        deleted_by=sender,
    )
    archive = open_zip(build(training_data.training_class, training_data.officer))
    book = workbook(archive, "07-chat.xlsx")
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    texts = [row[4] for row in rows]
    assert rows[-2][0] == kept.pk and "明早八点集合" in texts
    assert "删掉的话" not in texts
    assert rows[-2][6]  # pinned

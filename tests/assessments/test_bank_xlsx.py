"""The question bank's XLSX template, import (all or nothing, with a row-by-row report) and
export (which imports again unchanged)."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from assessments.actions import bank
from assessments.models import Question
from lms.audit.models import AuditEvent
from tests.factories.assessments import make_bank_course, make_question
from tests.factories.learning import assign_lecturer

HEADER = [header for _name, header in bank.COLUMNS]
IMPORT = "/admin/assessments/questions/import/"


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


@pytest.fixture
def course(db):
    return make_bank_course()


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


def row(kind, text, *, options=(), correct="", points="2", rubric="", topic="标题优化"):
    options = list(options) + [""] * (6 - len(options))
    return [kind, topic, "易", text, *options, correct, points, "", rubric]


GOOD_ROWS = [
    row("单选题", "标题优化的目的？", options=["提高排名", "增加运费"], correct="A"),
    row("多选题", "哪些能提高转化率？", options=["好图", "差评", "快递快"], correct="A,C"),
    row("判断题", "拼多多可以卖生鲜。", correct="对", points="1"),
    row("填空题", "淘宝的母公司是____。", correct="阿里巴巴|阿里"),
    row("简答题", "详情页写什么？", points="5", rubric="产地与品质：3\n物流与售后：2"),
    row("实操题", "上架一款农产品。", points="10", rubric="标题与主图：5；价格与运费：5"),
]


def xlsx(rows, header=HEADER, name="题库.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def test_the_template_has_the_chinese_headers_and_instructions():
    workbook = load_workbook(io.BytesIO(bank.template_xlsx()))
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header == [
        "题型", "知识点", "难度", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F",
        "正确答案", "分值", "解析", "评分标准",
    ]  # fmt: skip
    assert workbook.worksheets[0].max_row == 1  # no example rows to import by mistake
    instructions = workbook.worksheets[1]
    columns = [r[0] for r in instructions.iter_rows(values_only=True)]
    for column in ("题型", "难度", "正确答案", "评分标准"):
        assert column in columns


def test_a_good_file_imports_every_kind(course, admin):
    report = bank.check_import_questions(course, xlsx(GOOD_ROWS), acting_user=admin)
    assert report.ok and report.saved == 6
    by_text = {q.text: q for q in Question.objects.filter(course=course)}
    assert by_text["标题优化的目的？"].correct == ["A"]
    assert by_text["哪些能提高转化率？"].correct == ["A", "C"]
    assert by_text["哪些能提高转化率？"].options[2] == {"key": "C", "text": "快递快"}
    assert by_text["拼多多可以卖生鲜。"].correct == [True]
    assert by_text["淘宝的母公司是____。"].correct == ["阿里巴巴", "阿里"]
    assert by_text["上架一款农产品。"].rubric == [
        {"criterion": "标题与主图", "points": "5"},
        {"criterion": "价格与运费", "points": "5"},
    ]
    assert by_text["上架一款农产品。"].points == Decimal("10")
    assert {q.tier for q in by_text.values()} == {"primary"}
    assert {q.created_by for q in by_text.values()} == {admin}
    event = AuditEvent.objects.get(action="exam.questions_imported")
    assert event.changes["count"] == 6


def test_a_file_with_bad_rows_saves_nothing_and_reports_each_problem(course, admin):
    rows = [
        *GOOD_ROWS,
        row("单选题", "两个正确？", options=["甲", "乙"], correct="AB"),  # row 8
        row("问答题", "未知题型", correct="x"),  # row 9
        row("实操题", "分数不符", points="10", rubric="标题：4"),  # row 10
        row("判断题", "", correct="也许", points="零"),  # row 11
    ]
    report = bank.check_import_questions(course, xlsx(rows), acting_user=admin)
    assert not report.ok and report.saved == 0
    assert not Question.objects.exists()
    found = {(e.row, e.column) for e in report.errors}
    assert (8, "正确答案") in found
    assert (9, "题型") in found
    assert (10, "评分标准") in found
    assert {(11, "题目"), (11, "分值"), (11, "正确答案")} <= found
    assert not any(e.row <= 7 for e in report.errors)
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "exactly one correct option" in messages[(8, "正确答案")]
    assert not AuditEvent.objects.filter(action="exam.questions_imported").exists()


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("题库.csv", b"a,b"), "file_type"),
        (SimpleUploadedFile("题库.xlsx", b"not a zip"), "malformed"),
        (SimpleUploadedFile("题库.xlsx", b"x" * (bank.MAX_FILE_BYTES + 1)), "size"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(course, admin, upload, code):
    with pytest.raises(ValidationError) as caught:
        bank.check_import_questions(course, upload, acting_user=admin)
    assert caught.value.code == code


def test_a_wrong_header_or_an_empty_sheet_is_refused(course, admin):
    with pytest.raises(ValidationError) as caught:
        bank.import_questions(course, xlsx(GOOD_ROWS, header=["姓名", "性别"]), acting_user=admin)
    assert caught.value.code == "header"
    with pytest.raises(ValidationError) as caught:
        bank.import_questions(course, xlsx([]), acting_user=admin)
    assert caught.value.code == "empty"


def test_too_many_rows_are_refused(course, admin, monkeypatch):
    monkeypatch.setattr(bank, "MAX_ROWS", 3)
    with pytest.raises(ValidationError) as caught:
        bank.import_questions(course, xlsx(GOOD_ROWS), acting_user=admin)
    assert caught.value.code == "too_many_rows"


def test_export_imports_again_unchanged(course, admin):
    for kind in ("single", "multiple", "true_false", "fill_in", "short_answer", "practical"):
        make_question(course, kind)
    make_question(course, text="已退役", is_active=False)
    fields = ("kind", "topic", "difficulty", "text", "options", "correct", "rubric", "points")
    before = sorted(
        tuple(str(getattr(q, f)) for f in fields) for q in Question.objects.filter(is_active=True)
    )
    data = bank.export_questions(course)
    assert "已退役" not in str(list(load_workbook(io.BytesIO(data)).worksheets[0].values))
    other = make_bank_course("直播带货")
    report = bank.import_questions(
        other, SimpleUploadedFile("export.xlsx", data), acting_user=admin
    )
    assert report.ok, report.errors
    after = sorted(
        tuple(str(getattr(q, f)) for f in fields) for q in Question.objects.filter(course=other)
    )
    assert after == before


def test_a_lecturer_imports_only_into_their_own_course(client, course, make_user):
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    theirs = make_bank_course("直播带货")
    assign_lecturer(theirs, make_user("lecturer"), name="赵老师")
    client.force_login(lecturer)
    response = client.post(IMPORT, {"course": theirs.pk, "file": xlsx(GOOD_ROWS)})
    assert response.status_code == 400
    assert not Question.objects.exists()
    with pytest.raises(Http404):
        bank.check_import_questions(theirs, xlsx(GOOD_ROWS), acting_user=lecturer)
    response = client.post(IMPORT, {"course": course.pk, "file": xlsx(GOOD_ROWS)})
    assert response.status_code == 302
    assert Question.objects.filter(course=course).count() == 6
    export = client.get("/admin/assessments/questions/export/", {"course": course.pk})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        client.get("/admin/assessments/questions/export/", {"course": theirs.pk}).status_code == 404
    )
    assert client.get("/admin/assessments/questions/template/").status_code == 200


def test_the_import_page_shows_the_row_report(client, course, make_user):
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    client.force_login(lecturer)
    client.cookies["lms_language"] = "en"
    bad = [row("单选题", "两个正确？", options=["甲", "乙"], correct="AB")]
    response = client.post(
        IMPORT, {"course": course.pk, "file": xlsx(bad)}, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was imported" in page
    assert "<td>2</td><td>正确答案</td>" in page
    assert not Question.objects.exists()


@pytest.mark.parametrize("points", ["0", "-2", "0.00", "－1"])
def test_points_that_are_not_positive_are_refused_and_nothing_is_saved(course, admin, points):
    rows = [*GOOD_ROWS, row("单选题", "零分题？", options=["是", "否"], correct="A", points=points)]
    report = bank.check_import_questions(course, xlsx(rows), acting_user=admin)
    assert not report.ok and report.saved == 0
    assert [(e.row, e.column) for e in report.errors] == [(8, "分值")]
    assert not Question.objects.exists()

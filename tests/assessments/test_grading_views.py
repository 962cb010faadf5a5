"""The teachers' exam pages, the class page panel and the training file section."""

# ruff: noqa: F811 (the ``world`` fixture comes from test_grading)

import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from assessments.models import Answer, Attempt, ExamAssignment
from tests.factories.training import make_enrolment

from .test_analysis import graded_attempt
from .test_grading import RIGHT, manual_items, sit, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def urls(w, item=None):
    pages = [
        f"/exams/teaching/classes/{w.training_class.pk}/",
        f"/exams/teaching/classes/{w.training_class.pk}/results/",
        f"/exams/teaching/classes/{w.training_class.pk}/results.xlsx",
        f"/exams/teaching/assignments/{w.assignment.pk}/edit/",
        f"/exams/teaching/assignments/{w.assignment.pk}/extra-time/",
        f"/exams/teaching/assignments/{w.assignment.pk}/analysis/",
        f"/exams/teaching/exams/{w.exam.pk}/analysis/",
    ]
    if item is not None:
        pages += [f"/exams/teaching/grading/{item.pk}/", f"/exams/teaching/grading/{item.pk}/file/"]
    return pages


def test_teachers_open_every_page_and_others_get_404(client, world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["short_answer"]
    client.force_login(world.lecturer_user)
    for url in urls(world, item)[:-1]:  # no file uploaded: the file view is a 404
        assert client.get(url).status_code == 200, url
    for user in (world.stranger, world.trainee):
        client.force_login(user)
        for url in urls(world, item):
            assert client.get(url).status_code == 404, (user, url)
    assert (
        client.post(f"/exams/teaching/assignments/{world.assignment.pk}/remove/").status_code == 404
    )
    client.force_login(world.head_teacher)
    assert client.get("/exams/teaching/grading/99999/").status_code == 404


def test_setting_an_exam_on_the_page(client, world):
    ExamAssignment.objects.all().delete()
    client.force_login(world.head_teacher)
    url = f"/exams/teaching/classes/{world.training_class.pk}/"
    page = client.get(url)
    assert world.exam.title in page.text and world.other_exam.title not in page.text
    bad = client.post(
        url,
        {"exam": world.exam.pk, "opens_at": "2026-12-01T11:00", "closes_at": "2026-12-01T09:00"},
    )
    assert bad.status_code == 400
    assert 'class="form-errors"' in bad.text
    assert not ExamAssignment.objects.exists()
    other = client.post(
        url,
        {
            "exam": world.other_exam.pk,
            "opens_at": "2026-12-01T09:00",
            "closes_at": "2026-12-01T11:00",
        },
    )
    assert other.status_code == 400 and not ExamAssignment.objects.exists()
    response = client.post(
        url,
        {
            "exam": world.exam.pk,
            "opens_at": "2026-12-01T09:00",
            "closes_at": "2026-12-01T11:00",
            "counts_for_completion": "on",
        },
    )
    assert response.status_code == 302
    assignment = ExamAssignment.objects.get()
    assert assignment.counts_for_completion and assignment.training_class == world.training_class


def test_extra_time_on_the_page(client, world):
    client.force_login(world.lecturer_user)
    url = f"/exams/teaching/assignments/{world.assignment.pk}/extra-time/"
    bad = client.post(url, {"user": world.trainee.pk, "minutes": "601"})
    assert bad.status_code == 400
    outsider = client.post(url, {"user": world.outsider.pk, "minutes": "10"})
    assert outsider.status_code == 400
    assert (
        client.post(url, {"user": world.trainee.pk, "minutes": "30", "reason": "听障"}).status_code
        == 302
    )
    assert world.assignment.extra_times.get().minutes == 30
    assert client.post(url, {"remove": world.trainee.pk}).status_code == 302
    assert not world.assignment.extra_times.exists()


def test_grading_on_the_page_goes_to_the_next_answer(client, world):
    first = sit(world.assignment, world.trainee, RIGHT)
    items = manual_items(first)
    client.force_login(world.head_teacher)
    assert client.get("/exams/teaching/").context["waiting"] == 2
    queue = client.get("/exams/teaching/grading/")
    assert f"/exams/teaching/grading/{items['short_answer'].pk}/" in queue.text
    page = client.get(f"/exams/teaching/grading/{items['short_answer'].pk}/")
    assert "产地与品质" in page.text and RIGHT["short_answer"] in page.text
    bad = client.post(
        f"/exams/teaching/grading/{items['short_answer'].pk}/", {"score_0": "4", "score_1": "1"}
    )
    assert bad.status_code == 400
    assert Answer.objects.get(item=items["short_answer"]).score is None
    done = client.post(
        f"/exams/teaching/grading/{items['short_answer'].pk}/",
        {"score_0": "3", "score_1": "1.5", "comment": "很好"},
    )
    assert done.status_code == 302
    assert done.url == f"/exams/teaching/grading/{items['practical'].pk}/"
    last = client.post(
        f"/exams/teaching/grading/{items['practical'].pk}/", {"score_0": "5", "score_1": "5"}
    )
    assert last.url == "/exams/teaching/grading/"
    first.refresh_from_db()
    assert first.status == Attempt.Status.GRADED and first.score == Decimal("16.50")
    regrade = client.get(f"/exams/teaching/grading/{items['practical'].pk}/")
    assert 'name="reason"' in regrade.text


def test_a_practical_file_is_served_safely_to_the_grader_only(client, world):
    attempt = sit(
        world.assignment, world.trainee, {"practical": {"link": "https://shop.example.com/9"}}
    )
    item = manual_items(attempt)["practical"]
    answer = Answer.objects.get(item=item)
    answer.file.save("shot.png", ContentFile(b"\x89PNG\r\n\x1a\nfake"), save=True)
    client.force_login(world.lecturer_user)
    page = client.get(f"/exams/teaching/grading/{item.pk}/")
    assert f"/exams/teaching/grading/{item.pk}/file/" in page.text
    assert answer.file.url not in page.text  # never the media URL itself
    assert 'href="https://shop.example.com/9" rel="noopener noreferrer nofollow"' in page.text
    image = client.get(f"/exams/teaching/grading/{item.pk}/file/")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image["Content-Security-Policy"]
    answer.file.save("page.html", ContentFile(b"<script>alert(1)</script>"), save=True)
    html = client.get(f"/exams/teaching/grading/{item.pk}/file/")
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment")
    client.force_login(world.stranger)
    assert client.get(f"/exams/teaching/grading/{item.pk}/file/").status_code == 404


def test_a_link_that_is_not_http_is_not_a_link(client, world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["practical"]
    Answer.objects.filter(item=item).update(response={"link": "javascript:alert(1)"})
    client.force_login(world.head_teacher)
    page = client.get(f"/exams/teaching/grading/{item.pk}/")
    assert 'href="javascript' not in page.text


# --- Results ----------------------------------------------------------------------------------


def add_trainees(w, count):
    for _n in range(count):
        user = make_enrolment(w.training_class, user=True).profile.user
        graded_attempt(
            w.assignment, user, [(w.single, "A", Decimal("2")), (w.short, "好", Decimal("1"))]
        )


def test_results_page_costs_the_same_for_5_and_30_trainees(
    client, world, django_assert_num_queries
):
    client.force_login(world.head_teacher)
    url = f"/exams/teaching/classes/{world.training_class.pk}/results/"
    add_trainees(world, 3)  # with the world's two: 5 enrolled
    client.get(url)  # warm up the session and the translation catalogues
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    add_trainees(world, 25)
    with django_assert_num_queries(len(five)):
        response = client.get(url)
    assert response.text.count("exam-graded") == 28


def test_results_show_every_state(client, world):
    graded = sit(world.assignment, world.trainee, RIGHT)
    for item in manual_items(graded).values():
        Answer.objects.filter(item=item).update(score=Decimal("0"))
    from assessments.actions.attempts import do_finalise_attempt

    do_finalise_attempt(graded)
    waiting = make_enrolment(world.training_class, user=True).profile.user
    sit(world.assignment, waiting, RIGHT)
    client.force_login(world.head_teacher)
    page = client.get(f"/exams/teaching/classes/{world.training_class.pk}/results/")
    states = [cell.state for row in page.context["rows"] for cell in row.cells]
    assert sorted(states) == ["awaiting", "graded", "not_attempted"]
    assert "exam-awaiting" in page.text and "exam-not_attempted" in page.text
    assert "2.00 / 17.00" in page.text


def test_results_download_as_xlsx(client, world):
    add_trainees(world, 1)
    client.force_login(world.lecturer_user)
    response = client.get(f"/exams/teaching/classes/{world.training_class.pk}/results.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert any(world.exam.title in str(cell) for cell in rows[0])
    scores = [row[2] for row in rows[1:]]
    assert 3 in scores  # the added trainee: 2 + 1
    assert len(rows) == 1 + 3  # three enrolled trainees


def test_item_analysis_page_shows_the_figures(client, world):
    add_trainees(world, 4)
    client.force_login(world.head_teacher)
    page = client.get(f"/exams/teaching/assignments/{world.assignment.pk}/analysis/")
    assert len(page.context["stats"]) == 2
    assert page.context["graded"] == 4
    exam_page = client.get(f"/exams/teaching/exams/{world.exam.pk}/analysis/")
    assert exam_page.context["graded"] == 4
    client.force_login(world.stranger)  # teaches another class that never sat it
    assert client.get(f"/exams/teaching/exams/{world.exam.pk}/analysis/").status_code == 404


# --- The class page panel and the training file ----------------------------------------------


def test_the_class_page_shows_teachers_the_exam_results_panel(client, world):
    from assessments.panels_grading import register

    register()
    sit(world.assignment, world.trainee, RIGHT)
    client.force_login(world.head_teacher)
    page = client.get(f"/training/classes/{world.training_class.pk}/")
    assert 'id="panel-exam_results"' in page.text
    assert f"/exams/teaching/classes/{world.training_class.pk}/results/" in page.text
    client.force_login(world.trainee)
    page = client.get(f"/training/classes/{world.training_class.pk}/")
    assert 'id="panel-exam_results"' not in page.text


def test_the_training_file_section_lists_every_trainees_result(world):
    from assessments.trainingfile_exams import build_exam_results, register_trainingfile_section
    from lms.trainingfile.documents import render_xlsx
    from lms.trainingfile.records import ClassRecord
    from lms.trainingfile.sections import registered_sections

    register_trainingfile_section()
    assert "exam_results" in [s.key for s in registered_sections()]
    add_trainees(world, 1)
    outputs = build_exam_results(ClassRecord(world.training_class.pk))
    assert [o.filename for o in outputs] == ["08-exam-results.pdf", "08-exam-results.xlsx"]
    workbook = load_workbook(io.BytesIO(render_xlsx(outputs[1].report)))
    results = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(results) == 1 + 3
    assert 3 in [row[2] for row in results[1:]]


def test_the_admin_menu_links_teachers_to_the_grading_pages(client, world):
    client.force_login(world.admin)
    assert "/exams/teaching/" in client.get("/admin/").text


def test_removing_unknown_extra_time_is_a_404(client, world):
    client.force_login(world.head_teacher)
    url = f"/exams/teaching/assignments/{world.assignment.pk}/extra-time/"
    assert client.post(url, {"remove": "abc"}).status_code == 404
    assert client.post(url, {"remove": world.trainee.pk}).status_code == 404


def test_the_training_file_pdf_shows_chinese_names_and_results(world, tmp_path):
    from pypdf import PdfReader

    from assessments.trainingfile_exams import build_exam_results
    from lms.trainingfile.documents import render_pdf, report_characters
    from lms.trainingfile.fonts import find_cjk_font, subset_font
    from lms.trainingfile.records import ClassRecord

    add_trainees(world, 1)
    report = build_exam_results(ClassRecord(world.training_class.pk))[0].report
    font = subset_font(find_cjk_font(), report_characters(report), str(tmp_path / "cjk.ttf"))
    reader = PdfReader(io.BytesIO(render_pdf(report, font)))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    names = {e.profile.real_name for e in world.training_class.enrolments.all()}
    assert all("".join(name.split()) in text for name in names)
    assert "".join(world.exam.title.split()) in text


# --- Query counts of the pages that list rows -------------------------------------------------


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def sit_more(w, count):
    for _n in range(count):
        sit(w.assignment, make_enrolment(w.training_class, user=True).profile.user, RIGHT)


def test_the_grading_queue_and_index_cost_the_same_for_2_and_20_answers(
    client, world, django_assert_num_queries
):
    client.force_login(world.head_teacher)
    sit_more(world, 1)
    client.get("/exams/teaching/grading/")  # warm up the session and the catalogues
    few = {url: queries_of(client, url) for url in ("/exams/teaching/grading/", "/exams/teaching/")}
    sit_more(world, 9)
    for url, count in few.items():
        with django_assert_num_queries(count):
            response = client.get(url)
    queue = client.get("/exams/teaching/grading/")
    assert queue.text.count('href="/exams/teaching/grading/') == 20
    assert response.context["waiting"] == 20


def test_item_analysis_pages_cost_the_same_for_5_and_30_attempts(
    client, world, django_assert_num_queries
):
    client.force_login(world.lecturer_user)
    urls = [
        f"/exams/teaching/assignments/{world.assignment.pk}/analysis/",
        f"/exams/teaching/exams/{world.exam.pk}/analysis/",
    ]
    add_trainees(world, 5)
    client.get(urls[0])
    few = {url: queries_of(client, url) for url in urls}
    add_trainees(world, 25)
    for url, count in few.items():
        with django_assert_num_queries(count):
            page = client.get(url)
        assert page.context["graded"] == 30


def test_the_results_download_keeps_a_chinese_class_code_in_its_file_name(client, world):
    world.training_class.code = "2026-初级-01"
    world.training_class.save(update_fields=["code"])
    client.force_login(world.head_teacher)
    response = client.get(f"/exams/teaching/classes/{world.training_class.pk}/results.xlsx")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''exam-results-2026-%E5%88%9D%E7%BA%A7-01.xlsx" in disposition

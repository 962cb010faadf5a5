"""The trainee's exam pages: the class page panel, start, the attempt form without JavaScript,
the result and review, and a scan that no correct answer or feedback reaches the browser
before review is allowed."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine

from assessments import panels_exams
from assessments.actions import attempts as actions
from assessments.models import Attempt
from tests.assessments.test_attempts import NOW, build_world, items_by_kind

pytestmark = pytest.mark.django_db

# Strings that appear only in what must stay hidden before review.
SECRET_FEEDBACK = "评分提示-勿泄露-7319"
SECRET_ACCEPTED = "阿里巴巴秘答-4417"
CORRECT_TEXT = "正确选项-唯一文本-5521"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    panels_exams.register()
    return build_world(review="after_close")


def start_page(world):
    return f"/exams/assignments/{world.assignment.pk}/"


def test_the_class_page_lists_the_exam(client, world, django_assert_max_num_queries):
    client.force_login(world.trainee)
    response = client.get(f"/training/classes/{world.training_class.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.exam.title in html
    assert start_page(world) in html


def test_the_panel_costs_two_queries_whatever_the_number_of_exams(
    rf, world, django_assert_num_queries
):
    from tests.factories.assessments import make_assignment, make_exam

    for n in range(3):
        make_assignment(
            make_exam(world.course, world.questions, title=f"考试{n}"), world.training_class
        )
    request = rf.get("/")
    request.user = world.trainee
    enrolment = world.training_class.enrolments.get(profile__user=world.trainee)
    with django_assert_num_queries(2):
        context = panels_exams.exams_panel_context(request, world.training_class, enrolment)
    assert [row["state"] for row in context["rows"]] == ["open"] * 4


def test_the_panel_is_hidden_from_non_trainees(rf, world):
    request = rf.get("/")
    request.user = world.trainee
    assert panels_exams.exams_panel_context(request, world.training_class, None) is None


def test_start_page_and_starting(client, world):
    client.force_login(world.trainee)
    page = client.get(start_page(world))
    assert page.status_code == 200
    assert world.exam.title in page.content.decode()
    response = client.post(start_page(world))
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response.url == f"/exams/attempts/{attempt.pk}/"
    # Starting again (a double tap) goes to the same attempt.
    assert client.post(start_page(world)).url == response.url
    assert Attempt.objects.count() == 1


def test_the_start_page_says_why_it_cannot_start(client, world, clock):
    client.force_login(world.trainee)
    client.cookies["lms_language"] = "en"
    clock.move_to(world.assignment.closes_at)
    response = client.post(start_page(world))
    assert response.status_code == 400
    assert "This exam has closed." in response.content.decode()
    assert not Attempt.objects.exists()


def test_strangers_get_404_everywhere(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    client.force_login(world.stranger)
    for url in (
        start_page(world),
        f"/exams/attempts/{attempt.pk}/",
        f"/exams/attempts/{attempt.pk}/result/",
        "/exams/attempts/999999/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/exams/attempts/{attempt.pk}/", {"action": "submit"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"


def form_data(attempt, answers, action="save"):
    data = {"action": action}
    for kind, item in items_by_kind(attempt).items():
        data[f"v{item.pk}"] = str(item.answer.version)
        if kind in answers:
            data[f"q{item.pk}"] = answers[kind]
    return data


def test_the_form_saves_all_answers_without_javascript(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    client.force_login(world.trainee)
    answers = {"single": "A", "multiple": ["A", "C"], "true_false": "true", "fill_in": "阿里"}
    response = client.post(f"/exams/attempts/{attempt.pk}/", form_data(attempt, answers))
    assert response.status_code == 302
    saved = {kind: item.answer.response for kind, item in items_by_kind(attempt).items()}
    assert saved == {"single": "A", "multiple": ["A", "C"], "true_false": True, "fill_in": "阿里"}
    # The page shows them again (a refresh keeps the answers).
    html = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert 'value="阿里"' in html


def test_the_form_hands_in(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    client.force_login(world.trainee)
    response = client.post(
        f"/exams/attempts/{attempt.pk}/", form_data(attempt, {"single": "A"}, "submit")
    )
    assert response.url == f"/exams/attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score) == ("graded", Decimal("2"))
    # The attempt page now leads to the result.
    assert client.get(f"/exams/attempts/{attempt.pk}/").url == response.url


def test_an_out_of_date_form_does_not_overwrite(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    stale = form_data(attempt, {"single": "B"})
    single = items_by_kind(attempt)["single"]
    actions.check_save_answer(world.trainee, attempt.pk, single.pk, "A", 0)
    client.force_login(world.trainee)
    client.cookies["lms_language"] = "en"
    response = client.post(f"/exams/attempts/{attempt.pk}/", stale)
    assert response.status_code == 400
    assert "changed in another window" in response.content.decode()
    single.answer.refresh_from_db()
    assert single.answer.response == "A"


def test_a_late_form_is_refused_and_handed_in(client, world, clock):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    client.force_login(world.trainee)
    data = form_data(attempt, {"single": "A"})
    clock.move_to(attempt.deadline + datetime.timedelta(seconds=1))
    response = client.post(f"/exams/attempts/{attempt.pk}/", data)
    assert response.url == f"/exams/attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.score == Decimal("0")


def test_a_practical_task_with_a_link_and_a_picture(client, clock):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    world = build_world(kinds=["practical"])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get()
    buffer = BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, "PNG")
    client.force_login(world.trainee)
    response = client.post(
        f"/exams/attempts/{attempt.pk}/",
        {
            "action": "save",
            f"v{item.pk}": "0",
            f"q{item.pk}": "https://shop.example.com/apple",
            f"f{item.pk}": SimpleUploadedFile("shop.png", buffer.getvalue()),
        },
    )
    assert response.status_code == 302
    item.answer.refresh_from_db()
    assert item.answer.response == {"link": "https://shop.example.com/apple"}
    assert item.answer.file.name.endswith(".png")
    # A file pretending to be a picture is refused, and the saved one stays.
    response = client.post(
        f"/exams/attempts/{attempt.pk}/",
        {
            "action": "save",
            f"v{item.pk}": "1",
            f"q{item.pk}": "https://shop.example.com/apple",
            f"f{item.pk}": SimpleUploadedFile("shop.png", b"not a picture"),
        },
    )
    assert response.status_code == 400
    stored = item.answer.file.name
    item.answer.refresh_from_db()
    assert (item.answer.version, item.answer.file.name) == (1, stored)


def test_files_too_large_or_of_the_wrong_kind_are_refused(clock, settings):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    world = build_world(kinds=["practical"])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get()
    big = SimpleUploadedFile("plan.pdf", b"%PDF-1.4" + b"0" * actions.MAX_FILE_BYTES)
    fake_pdf = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00")
    exe = SimpleUploadedFile("plan.exe", b"%PDF-1.4")
    for upload, code in ((big, "too_large"), (fake_pdf, "bad_file"), (exe, "bad_file")):
        with pytest.raises(ValidationError) as error:
            actions.check_save_answer(
                world.trainee, attempt.pk, item.pk, {"link": ""}, 0, file=upload
            )
        assert error.value.error_list[0].code == code
    good = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 ...")
    answer = actions.check_save_answer(
        world.trainee, attempt.pk, item.pk, {"link": ""}, 0, file=good
    )
    assert answer.version == 1 and answer.file.name.endswith(".pdf")


# --- Nothing correct reaches the browser before review ------------------------------------


def test_no_correct_answer_or_feedback_before_review(client, clock):
    from assessments.models import Question
    from tests.factories.assessments import CHOICES

    world = build_world(review="after_close")
    panels_exams.register()
    options = [dict(o) for o in CHOICES]
    options[0]["text"] = CORRECT_TEXT
    Question.objects.filter(kind="single").update(options=options, feedback=SECRET_FEEDBACK)
    Question.objects.filter(kind="multiple").update(options=options, feedback=SECRET_FEEDBACK)
    Question.objects.filter(kind="fill_in").update(
        correct=[SECRET_ACCEPTED], feedback=SECRET_FEEDBACK
    )
    Question.objects.filter(kind="true_false").update(feedback=SECRET_FEEDBACK)
    client.force_login(world.trainee)
    seen = []

    def keep(response):
        seen.append(response.content.decode())
        return response

    keep(client.get(f"/training/classes/{world.training_class.pk}/"))
    keep(client.get(start_page(world)))
    keep(client.post(start_page(world), follow=True))
    attempt = Attempt.objects.get()
    api = f"/api/v1/exams/attempts/{attempt.pk}"
    keep(client.post(f"/api/v1/exams/assignments/{world.assignment.pk}/attempts"))
    keep(client.get(api))
    for kind, item in items_by_kind(attempt).items():
        body = {
            "response": {"single": "B", "multiple": ["B"], "true_false": False}.get(kind, "淘宝"),
            "version": 0,
        }
        keep(client.put(f"{api}/answers/{item.pk}", body, content_type="application/json"))
    keep(
        client.put(
            f"{api}/answers/{item.pk}",
            {"response": "x", "version": 0},
            content_type="application/json",
        )
    )
    keep(client.get(f"/exams/attempts/{attempt.pk}/"))
    keep(client.post(f"{api}/submit"))
    keep(client.get(f"{api}/result"))
    keep(client.get(f"/exams/attempts/{attempt.pk}/result/"))
    keep(client.get(f"/training/classes/{world.training_class.pk}/"))
    keep(client.get(api))

    for text in seen:
        assert SECRET_FEEDBACK not in text
        assert SECRET_ACCEPTED not in text
        assert '"correct"' not in text
        assert "is-correct" not in text
        # The correct option is shown exactly like a wrong one, never marked.
        assert text.count(CORRECT_TEXT) == text.count(CHOICES[1]["text"])
    assert any(CORRECT_TEXT in text for text in seen)

    # Once the exam closes, the review shows them: the scan above could have found them.
    clock.move_to(world.assignment.closes_at)
    review = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert SECRET_FEEDBACK in review and SECRET_ACCEPTED in review and "is-correct" in review
    result = json.dumps(client.get(f"{api}/result").json(), ensure_ascii=False)
    assert SECRET_FEEDBACK in result and SECRET_ACCEPTED in result


def test_review_after_submit_shows_the_answers_at_once(client, clock):
    world = build_world(review="after_submit")
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    actions.check_submit_attempt(world.trainee, attempt.pk)
    client.force_login(world.trainee)
    html = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "标题决定搜索曝光。" in html  # the feedback


def test_review_never_shows_only_the_score(client, clock):
    world = build_world(review="never")
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    actions.check_submit_attempt(world.trainee, attempt.pk)
    clock.move_to(world.assignment.closes_at + datetime.timedelta(days=30))
    client.force_login(world.trainee)
    html = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    assert "标题决定搜索曝光。" not in html
    assert "0 / 8" in html

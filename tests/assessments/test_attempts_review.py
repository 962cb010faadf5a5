"""A review of the exam-attempt rules of issue 6: the rules the other attempt tests leave out,
and the bugs found by that review (each fixed).

Covers: grading method (highest / last), the pass mark at its boundary, the completion rule
(required exams, attendance at exactly the threshold), shuffling that stays put per attempt,
the review under shuffled options and ``never``, bad input on every way in (pages, JSON, files),
API authentication and per-object checks, and the overdue command with extra time.
"""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assessments.actions import attempts as actions
from assessments.actions.bank import do_retire_question
from assessments.actions.certificates import eligible_trainees
from assessments.actions.grading import check_grade_answer
from assessments.models import Answer, Attempt, AttemptQuestion, Exam, ExtraTime
from assessments.results import counted_attempt, passed_required_exams
from lms.accounts.actions import do_issue_api_token
from lms.attendance.models import AttendanceRecord
from lms.audit.models import AuditEvent
from lms.enrolment.models import ClassEnrolment
from tests.assessments.test_attempts import NOW, build_world, items_by_kind
from tests.factories.assessments import (
    CHOICES,
    make_assignment,
    make_bank_course,
    make_exam,
    make_question,
)
from tests.factories.training import make_class, make_enrolment, make_session

pytestmark = pytest.mark.django_db

ALL_RIGHT = {"single": "A", "multiple": ["A", "C"], "true_false": True, "fill_in": "阿里"}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    return build_world()


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}", "accept-language": "en"}


def api_attempt(attempt_id):
    return f"/api/v1/exams/attempts/{attempt_id}"


def sit(world, answers, user=None):
    """Start, answer (kinds -> responses, version 0) and submit one attempt; returns it."""
    user = user or world.trainee
    attempt, _ = actions.check_start_attempt(user, world.assignment.pk)
    for kind, item in items_by_kind(attempt).items():
        if kind in answers:
            actions.check_save_answer(user, attempt.pk, item.pk, answers[kind], 0)
    return actions.check_submit_attempt(user, attempt.pk)


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- Grading method and pass mark -------------------------------------------------------------


@pytest.mark.parametrize("method,counted_number,passed", [("highest", 1, True), ("last", 2, False)])
def test_the_grading_method_picks_the_counted_attempt(clock, method, counted_number, passed):
    world = build_world(attempts_allowed=3, grading_method=method)
    first = sit(world, ALL_RIGHT)  # 100%
    second = sit(world, {})  # 0%
    assert (first.passed, second.passed) == (True, False)
    attempts = list(Attempt.objects.filter(user=world.trainee))
    assert counted_attempt(attempts, method).number == counted_number
    ids = [world.trainee.pk]
    assert passed_required_exams(world.training_class, ids) == {world.trainee.pk: passed}


def test_highest_keeps_the_first_of_equal_attempts(clock):
    world = build_world(attempts_allowed=2, grading_method="highest")
    sit(world, ALL_RIGHT)
    sit(world, ALL_RIGHT)
    attempts = list(Attempt.objects.filter(user=world.trainee))
    assert counted_attempt(attempts, Exam.GradingMethod.HIGHEST).number == 1


def two_sittings_with_a_written_answer(make_user, method):
    """Attempt 1 graded and passed; attempt 2 handed in, its written answer not graded yet."""
    world = build_world(kinds=["single", "short_answer"], attempts_allowed=2, grading_method=method)
    grader = make_user("administrator")
    first = sit(world, {"single": "A"})
    check_grade_answer(items_by_kind(first)["short_answer"], ["3", "2"], acting_user=grader)
    second = sit(world, {})
    first.refresh_from_db()
    assert (first.status, first.passed, second.status) == ("graded", True, "submitted")
    return world, grader, second


def test_last_counts_nothing_while_the_last_attempt_waits_for_a_lecturer(clock, make_user):
    world, _grader, _second = two_sittings_with_a_written_answer(make_user, "last")
    attempts = list(Attempt.objects.filter(user=world.trainee))
    assert counted_attempt(attempts, Exam.GradingMethod.LAST) is None
    assert passed_required_exams(world.training_class, [world.trainee.pk]) == {
        world.trainee.pk: False
    }


def test_last_follows_the_last_attempt_once_it_is_graded(clock, make_user):
    world, grader, second = two_sittings_with_a_written_answer(make_user, "last")
    check_grade_answer(items_by_kind(second)["short_answer"], ["0", "0"], acting_user=grader)
    assert passed_required_exams(world.training_class, [world.trainee.pk]) == {
        world.trainee.pk: False
    }


@pytest.mark.parametrize("pass_mark,passed", [("50", True), ("50.01", False)])
def test_the_pass_mark_is_inclusive(clock, pass_mark, passed):
    world = build_world(kinds=["single", "true_false"], pass_mark=Decimal(pass_mark))
    result = sit(world, {"single": "A", "true_false": False})
    assert (result.percent, result.passed) == (Decimal("50.00"), passed)


# --- Completion rule ------------------------------------------------------------------------


def test_required_exams_every_counting_exam_passed_and_nothing_awaiting(clock):
    world = build_world()
    other = make_assignment(
        make_exam(world.course, world.questions, title="第二场"), world.training_class
    )
    optional = make_assignment(
        make_exam(world.course, world.questions, title="练习"),
        world.training_class,
        counts_for_completion=False,
    )
    written = build_world(kinds=["short_answer"])  # another class: an attempt that waits
    ids = [world.trainee.pk]
    sit(world, ALL_RIGHT)
    assert passed_required_exams(world.training_class, ids) == {world.trainee.pk: False}
    attempt, _ = actions.check_start_attempt(world.trainee, other.pk)
    for kind, item in items_by_kind(attempt).items():
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, ALL_RIGHT[kind], 0)
    actions.check_submit_attempt(world.trainee, attempt.pk)
    # Failing an assignment that does not count changes nothing.
    failed, _ = actions.check_start_attempt(world.trainee, optional.pk)
    assert actions.check_submit_attempt(world.trainee, failed.pk).passed is False
    assert passed_required_exams(world.training_class, ids) == {world.trainee.pk: True}
    # A handed-in attempt still waiting for a lecturer counts for nothing yet.
    waiting = sit(written, {"short_answer": "产地与物流"})
    assert waiting.status == "submitted"
    assert passed_required_exams(written.training_class, [written.trainee.pk]) == {
        written.trainee.pk: False
    }


def test_a_class_without_counting_exams_requires_none(clock):
    world = build_world()
    world.assignment.counts_for_completion = False
    world.assignment.save()
    assert passed_required_exams(world.training_class, [world.trainee.pk, 123456]) == {
        world.trainee.pk: True,
        123456: True,
    }


def test_attendance_exactly_at_the_default_80_percent_is_enough(make_user):
    from tests.assessments.test_certificates import (
        MONDAY,
        THURSDAY,
        at,
        finished_class,
        pass_exam,
    )

    with time_machine.travel(at(THURSDAY, 10), tick=False):
        w = finished_class(make_user)
        w.sessions.append(
            make_session(
                w.training_class,
                date=MONDAY + datetime.timedelta(days=1),
                starts_at=datetime.time(14, 0),
                ends_at=datetime.time(16, 30),
            )
        )
        enrolment = make_enrolment(w.training_class, user=True)
        for session, status in zip(
            w.sessions, ["present", "present", "late", "present", "absent"], strict=True
        ):
            AttendanceRecord.objects.create(
                session=session, enrolment=enrolment, status=status, source="head_teacher"
            )
        pass_exam(w.assignment, enrolment.profile.user)
        (row,) = eligible_trainees(w.training_class)  # no CompletionRule row: the defaults
        assert row.attendance_percent == Decimal("80.0")
        assert row.eligible and row.reasons == []


# --- Random draw and shuffling ----------------------------------------------------------------


def test_a_retired_question_is_not_served_by_a_fixed_exam(world, make_user):
    retired = world.questions[1]
    do_retire_question(retired, acting_user=make_user("administrator"))
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert retired not in [item.question for item in attempt.paper.all()]


def test_the_bank_too_small_is_a_clear_refusal_on_the_page_and_the_api(client, clock):
    course = make_bank_course()
    make_question(course, topic="物流", difficulty="hard")
    exam = make_exam(course, rules=[("物流", "hard", 2)])
    training_class = make_class()
    trainee = make_enrolment(training_class, user=True).profile.user
    assignment = make_assignment(exam, training_class)
    response = client.post(
        f"/api/v1/exams/assignments/{assignment.pk}/attempts", headers=bearer(trainee)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bank_too_small"
    assert "too small" in response.json()["detail"]
    client.force_login(trainee)
    client.cookies["lms_language"] = "en"
    page = client.post(f"/exams/assignments/{assignment.pk}/")
    assert page.status_code == 400
    assert "The question bank is too small" in page.content.decode()
    assert not Attempt.objects.exists()


def test_the_shuffled_order_stays_put_on_every_read(client, clock):
    world = build_world(shuffle_questions=True, shuffle_options=True)
    for _ in range(4):
        make_question(world.course)  # more questions in the bank change nothing on the paper
    headers = bearer(world.trainee)
    started = client.post(
        f"/api/v1/exams/assignments/{world.assignment.pk}/attempts", headers=headers
    ).json()
    attempt = Attempt.objects.get()
    stored = [
        (item.pk, item.option_order) for item in AttemptQuestion.objects.filter(attempt=attempt)
    ]
    shown = [(i["id"], [o["key"] for o in i["options"]]) for i in started["items"]]
    assert shown == stored
    for _ in range(2):
        again = client.get(api_attempt(attempt.pk), headers=headers).json()
        assert [(i["id"], [o["key"] for o in i["options"]]) for i in again["items"]] == stored
        resumed = client.post(
            f"/api/v1/exams/assignments/{world.assignment.pk}/attempts", headers=headers
        ).json()
        assert [i["id"] for i in resumed["items"]] == [pk for pk, _ in stored]
    client.force_login(world.trainee)
    html = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert [int(pk) for pk in re.findall(r'data-item="(\d+)"', html)] == [pk for pk, _ in stored]
    single = items_by_kind(attempt)["single"]
    assert re.findall(rf'name="q{single.pk}" value="(\w)"', html) == single.option_order


# --- Review -----------------------------------------------------------------------------------


def test_the_review_marks_the_right_option_whatever_the_shuffled_order(client, clock):
    world = build_world(review="after_submit", shuffle_options=True)
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    single = items_by_kind(attempt)["single"]
    AttemptQuestion.objects.filter(pk=single.pk).update(option_order=["D", "C", "B", "A"])
    actions.check_save_answer(world.trainee, attempt.pk, single.pk, "B", 0)
    actions.check_submit_attempt(world.trainee, attempt.pk)
    client.force_login(world.trainee)
    html = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
    review = html[html.index(f'id="review-{single.pk}"') :]
    review = review[: review.index("</section>")]
    marked = [text.strip() for text in re.findall(r'<li class="is-correct">([^<]*)', review)]
    assert marked == [CHOICES[0]["text"]]  # option A, shown last
    assert review.index(CHOICES[3]["text"]) < review.index(CHOICES[0]["text"])
    body = client.get(f"{api_attempt(attempt.pk)}/result").json()
    item = next(i for i in body["items"] if i["id"] == single.pk)
    assert item["correct"] == ["A"] and item["response"] == "B"
    assert [o["key"] for o in item["options"]] == ["D", "C", "B", "A"]


def test_review_never_keeps_the_api_result_closed_for_good(client, clock):
    world = build_world(review="never")
    attempt = sit(world, ALL_RIGHT)
    clock.move_to(world.assignment.closes_at + datetime.timedelta(days=60))
    body = client.get(f"{api_attempt(attempt.pk)}/result", headers=bearer(world.trainee))
    assert (body.json()["review_allowed"], body.json()["items"]) == (False, None)
    assert Decimal(body.json()["score"]) == Decimal("8")
    assert "标题决定搜索曝光" not in body.content.decode()  # the feedback
    assert '"correct"' not in body.content.decode()


# --- Bad input on the pages -------------------------------------------------------------------


def without_tokens(html):
    return re.sub(r'name="(csrfmiddlewaretoken|next)" value="[^"]*"', "", html)


def test_someone_elses_attempt_looks_exactly_like_an_unknown_one(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    client.force_login(world.stranger)
    for suffix in ("", "result/"):
        others = client.get(f"/exams/attempts/{attempt.pk}/{suffix}")
        unknown = client.get(f"/exams/attempts/{attempt.pk + 1000}/{suffix}")
        assert others.status_code == unknown.status_code == 404
        assert without_tokens(others.content.decode()) == without_tokens(unknown.content.decode())
    others = client.get(f"{api_attempt(attempt.pk)}/result", headers=bearer(world.stranger))
    unknown = client.get(f"{api_attempt(attempt.pk + 1000)}/result", headers=bearer(world.stranger))
    assert (others.status_code, others.json()) == (unknown.status_code, unknown.json())


def test_the_form_ignores_answers_for_questions_outside_the_attempt(client, world):
    neighbour = make_enrolment(world.training_class, user=True).profile.user
    theirs, _ = actions.check_start_attempt(neighbour, world.assignment.pk)
    mine, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    data = {"action": "save"}
    for item in theirs.paper.all():
        data[f"q{item.pk}"] = "A"
        data[f"v{item.pk}"] = "0"
    client.force_login(world.trainee)
    response = client.post(f"/exams/attempts/{mine.pk}/", data)
    assert response.status_code == 302
    assert not Answer.objects.filter(version__gt=0).exists()


def test_an_oversized_upload_on_the_form_is_refused_and_nothing_stored(client, clock, settings):
    world = build_world(kinds=["practical"])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get()
    client.force_login(world.trainee)
    client.cookies["lms_language"] = "en"
    big = SimpleUploadedFile("shop.pdf", b"%PDF-1.4" + b"0" * actions.MAX_FILE_BYTES)
    response = client.post(
        f"/exams/attempts/{attempt.pk}/",
        {"action": "submit", f"v{item.pk}": "0", f"q{item.pk}": "", f"f{item.pk}": big},
    )
    assert response.status_code == 400
    assert "The file is too large (at most 10 MB)." in response.content.decode()
    item.answer.refresh_from_db()
    assert (item.answer.version, item.answer.file.name) == (0, "")
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"  # "hand in" with a refused answer hands nothing in
    assert stored_files(settings) == []


def test_handing_in_twice_on_the_form_changes_nothing(client, world, clock):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    single = items_by_kind(attempt)["single"]
    client.force_login(world.trainee)
    first = client.post(
        f"/exams/attempts/{attempt.pk}/",
        {"action": "submit", f"q{single.pk}": "A", f"v{single.pk}": "0"},
    )
    clock.move_to(NOW + datetime.timedelta(minutes=2))
    second = client.post(
        f"/exams/attempts/{attempt.pk}/",
        {"action": "submit", f"q{single.pk}": "B", f"v{single.pk}": "1"},
    )
    assert first.url == second.url == f"/exams/attempts/{attempt.pk}/result/"
    attempt.refresh_from_db()
    single.answer.refresh_from_db()
    assert (attempt.submitted_at, attempt.score) == (NOW, Decimal("2"))
    assert (single.answer.response, single.answer.version) == ("A", 1)
    assert AuditEvent.objects.filter(action="exam.attempt_submitted").count() == 1


def test_the_start_page_hands_in_an_overdue_attempt(client, clock):
    world = build_world(attempts_allowed=2)
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    clock.move_to(attempt.deadline + datetime.timedelta(minutes=1))
    client.force_login(world.trainee)
    html = client.get(f"/exams/assignments/{world.assignment.pk}/").content.decode()
    assert 'id="start-exam"' in html
    assert f"/exams/attempts/{attempt.pk}/result/" in html


# --- Bad input on the API ---------------------------------------------------------------------


def test_malformed_json_and_a_bad_version_change_nothing(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    single = items_by_kind(attempt)["single"]
    url = f"{api_attempt(attempt.pk)}/answers/{single.pk}"
    headers = bearer(world.trainee)
    broken = client.put(
        url, '{"response": "A", "version": ', content_type="application/json", headers=headers
    )
    assert broken.status_code == 400
    assert broken.json() == {"detail": "The request body is not valid JSON."}
    not_a_number = client.put(
        url, {"response": "A", "version": "one"}, content_type="application/json", headers=headers
    )
    assert not_a_number.status_code == 422
    assert not_a_number.json()["detail"] == "Some fields are missing or invalid."
    single.answer.refresh_from_db()
    assert (single.answer.response, single.answer.version) == (None, 0)


def test_a_question_outside_the_attempt_is_the_same_404_as_an_unknown_attempt(client, world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    neighbour = make_enrolment(world.training_class, user=True).profile.user
    theirs, _ = actions.check_start_attempt(neighbour, world.assignment.pk)
    headers = bearer(world.trainee)
    body = {"response": "A", "version": 0}
    outside = client.put(
        f"{api_attempt(attempt.pk)}/answers/{theirs.paper.first().pk}",
        body,
        content_type="application/json",
        headers=headers,
    )
    unknown = client.put(
        f"{api_attempt(attempt.pk + 1000)}/answers/1",
        body,
        content_type="application/json",
        headers=headers,
    )
    assert (outside.status_code, outside.json()) == (404, unknown.json())
    assert not Answer.objects.filter(version__gt=0).exists()


def test_refused_file_uploads_store_no_file(client, clock, settings):
    world = build_world(kinds=["practical"])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get()
    url = f"{api_attempt(attempt.pk)}/answers/{item.pk}/file"
    actions.check_save_answer(world.trainee, attempt.pk, item.pk, {"link": "https://a.example/"}, 0)

    def pdf():
        return SimpleUploadedFile("shop.pdf", b"%PDF-1.4 ...")

    stale = client.post(url, {"version": 0, "file": pdf()}, headers=bearer(world.trainee))
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    others = client.post(url, {"version": 1, "file": pdf()}, headers=bearer(world.stranger))
    assert others.status_code == 404
    clock.move_to(attempt.deadline)
    late = client.post(url, {"version": 1, "file": pdf()}, headers=bearer(world.trainee))
    assert (late.status_code, late.json()["code"]) == (400, "late")
    item.answer.refresh_from_db()
    assert (item.answer.version, item.answer.file.name) == (1, "")
    assert stored_files(settings) == []


def test_a_file_sent_without_a_link_keeps_the_saved_link(client, clock):
    world = build_world(kinds=["practical"])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get()
    link = {"link": "https://shop.example.com/apple"}
    actions.check_save_answer(world.trainee, attempt.pk, item.pk, link, 0)
    response = client.post(
        f"{api_attempt(attempt.pk)}/answers/{item.pk}/file",
        {"version": 1, "file": SimpleUploadedFile("shop.pdf", b"%PDF-1.4 ...")},
        headers=bearer(world.trainee),
    )
    assert response.status_code == 200
    item.answer.refresh_from_db()
    assert item.answer.response == link and item.answer.file.name.endswith(".pdf")


# --- API authentication and per-object checks ----------------------------------------------------


def every_endpoint(world, attempt, item):
    base = api_attempt(attempt.pk)
    json_body = {"data": {"response": "A", "version": 0}, "content_type": "application/json"}
    return [
        ("get", "/api/v1/exams/assignments", {}),
        ("post", f"/api/v1/exams/assignments/{world.assignment.pk}/attempts", {}),
        ("get", base, {}),
        ("put", f"{base}/answers/{item.pk}", json_body),
        ("post", f"{base}/answers/{item.pk}/file", {"data": {"version": 0}}),
        ("post", f"{base}/submit", {}),
        ("get", f"{base}/result", {}),
    ]


def test_the_api_needs_a_valid_token_of_an_active_user(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    headers = bearer(world.trainee)
    anonymous = Client()
    anonymous.cookies["lms_language"] = "en"
    for method, url, kwargs in every_endpoint(world, attempt, item):
        response = getattr(anonymous, method)(url, **kwargs)
        assert response.status_code == 401, url
        assert response.json() == {"detail": "Sign in or send a valid API token."}
    world.trainee.is_active = False
    world.trainee.save()
    for method, url, kwargs in every_endpoint(world, attempt, item):
        response = getattr(anonymous, method)(url, headers=headers, **kwargs)
        assert response.status_code == 401, url
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    assert not Answer.objects.filter(version__gt=0).exists()


def test_a_revoked_token_is_refused(world):
    from wagtail.models import APIToken

    headers = bearer(world.trainee)
    APIToken.objects.get(user=world.trainee).revoke()
    response = Client().post(
        f"/api/v1/exams/assignments/{world.assignment.pk}/attempts", headers=headers
    )
    assert response.status_code == 401
    assert not Attempt.objects.exists()


def test_the_class_teacher_and_a_withdrawn_trainee_cannot_sit_the_exam(client, world, make_user):
    teacher = make_user("head_teacher")
    world.training_class.head_teacher = teacher
    world.training_class.save()
    withdrawn = make_enrolment(
        world.training_class, user=True, status=ClassEnrolment.Status.WITHDRAWN
    ).profile.user
    url = f"/api/v1/exams/assignments/{world.assignment.pk}/attempts"
    for user in (teacher, withdrawn):
        assert client.post(url, headers=bearer(user)).status_code == 404
        assert client.get("/api/v1/exams/assignments", headers=bearer(user)).json() == []
        client.force_login(user)
        assert client.post(f"/exams/assignments/{world.assignment.pk}/").status_code == 404
    assert not Attempt.objects.exists()


# --- Overdue attempts -----------------------------------------------------------------------------


def test_the_overdue_command_spares_an_attempt_with_extra_time(world, clock):
    neighbour = make_enrolment(world.training_class, user=True).profile.user
    ExtraTime.objects.create(assignment=world.assignment, user=neighbour, minutes=20)
    mine, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    theirs, _ = actions.check_start_attempt(neighbour, world.assignment.pk)
    clock.move_to(NOW + datetime.timedelta(minutes=35))
    assert actions.do_close_overdue_attempts() == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.auto_submitted, mine.submitted_at) == ("graded", True, mine.deadline)
    assert theirs.status == "in_progress"
    assert actions.do_close_overdue_attempts() == 0

"""The question bank and exam screens in the admin: per-kind validation through the editor,
scoping to the lecturer's own courses (the same 404 for another's question as for an unknown
one), retiring instead of deleting, and the listing's query count."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Exam, Question
from lms.audit.models import AuditEvent
from tests.factories.assessments import make_bank_course, make_exam, make_question
from tests.factories.learning import assign_lecturer

QUESTIONS = "/admin/assessments/questions/"
EXAMS = "/admin/assessments/exams/"


@pytest.fixture
def bank(db, make_user):
    mine = make_bank_course("农产品网店运营")
    theirs = make_bank_course("直播带货")
    lecturer = make_user("lecturer", username="wang")
    other = make_user("lecturer", username="zhao")
    assign_lecturer(mine, lecturer, name="王老师")
    assign_lecturer(theirs, other, name="赵老师")
    return SimpleNamespace(
        mine=mine,
        theirs=theirs,
        lecturer=lecturer,
        other=other,
        admin=make_user("administrator", username="admin"),
    )


def post_in_english(client, url, data):
    client.cookies["lms_language"] = "en"
    return client.post(url, data, headers={"accept-language": "en"})


def question_data(course, **values):
    data = {
        "course": course.pk,
        "kind": "single",
        "topic": "标题优化",
        "difficulty": "easy",
        "text": "商品标题优化的主要目的是什么？",
        "points": "2",
        "option_a": "提高搜索排名",
        "option_b": "增加运费",
        "option_c": "",
        "option_d": "",
        "option_e": "",
        "option_f": "",
        "correct_answer": "A",
        "rubric_text": "",
        "feedback": "标题决定搜索曝光。",
    }
    data.update(values)
    return data


def test_a_lecturer_adds_a_question_to_their_course(client, bank):
    client.force_login(bank.lecturer)
    response = client.post(QUESTIONS + "new/", question_data(bank.mine))
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get()
    assert question.options == [
        {"key": "A", "text": "提高搜索排名"},
        {"key": "B", "text": "增加运费"},
    ]
    assert question.correct == ["A"]
    assert question.tier == "primary"
    assert question.created_by == bank.lecturer
    assert AuditEvent.objects.filter(action="exam.question_created", actor=bank.lecturer).exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"correct_answer": "AB"}, "exactly one correct option"),
        ({"option_b": ""}, "at least two options"),
        ({"option_b": "", "option_c": "减少图片"}, "needs a text"),
        ({"correct_answer": "E"}, "do not exist"),
        ({"kind": "multiple", "correct_answer": ""}, "at least one correct option"),
        (
            {"kind": "true_false", "correct_answer": "也许", "option_a": "", "option_b": ""},
            "true or false",
        ),
        ({"kind": "true_false", "correct_answer": "对"}, "Only choice questions have options"),
        (
            {"kind": "fill_in", "correct_answer": "", "option_a": "", "option_b": ""},
            "accepted answer",
        ),
        (
            {
                "kind": "practical",
                "correct_answer": "",
                "option_a": "",
                "option_b": "",
                "points": "10",
                "rubric_text": "标题与主图：5\n价格与运费：4",
            },
            "add up to 9",
        ),
        (
            {
                "kind": "short_answer",
                "correct_answer": "",
                "option_a": "",
                "option_b": "",
                "rubric_text": "",
            },
            "Give the rubric",
        ),
    ],
)
def test_the_editor_refuses_broken_questions(client, bank, values, message):
    client.force_login(bank.lecturer)
    response = post_in_english(client, QUESTIONS + "new/", question_data(bank.mine, **values))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_a_practical_task_with_a_matching_rubric_is_saved(client, bank):
    client.force_login(bank.lecturer)
    data = question_data(
        bank.mine,
        kind="practical",
        option_a="",
        option_b="",
        correct_answer="",
        points="10",
        rubric_text="标题与主图：5\n价格与运费：5",
    )
    assert client.post(QUESTIONS + "new/", data).status_code == 302
    assert Question.objects.get().rubric == [
        {"criterion": "标题与主图", "points": "5"},
        {"criterion": "价格与运费", "points": "5"},
    ]


def test_a_lecturer_cannot_put_a_question_in_another_lecturers_course(client, bank):
    client.force_login(bank.lecturer)
    response = client.post(QUESTIONS + "new/", question_data(bank.theirs))
    assert response.status_code == 200
    assert not Question.objects.exists()


def test_another_lecturers_question_gets_the_same_404_as_an_unknown_one(client, bank):
    theirs = make_question(bank.theirs)
    mine = make_question(bank.mine)
    client.force_login(bank.lecturer)
    for template in (
        QUESTIONS + "edit/{}/",
        QUESTIONS + "delete/{}/",
        QUESTIONS + "inspect/{}/",
        QUESTIONS + "history/{}/",
        QUESTIONS + "{}/retire/",
    ):
        assert client.get(template.format(mine.pk)).status_code == 200, template
        assert client.get(template.format(theirs.pk)).status_code == 404, template
        assert client.get(template.format(999999)).status_code == 404, template
    response = client.post(QUESTIONS + f"edit/{theirs.pk}/", question_data(bank.theirs))
    assert response.status_code == 404
    assert client.post(QUESTIONS + f"{theirs.pk}/retire/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_the_list_shows_only_the_lecturers_courses_and_administrators_see_all(client, bank):
    make_question(bank.mine, text="我的题目")
    make_question(bank.theirs, text="别人的题目")
    client.force_login(bank.lecturer)
    page = client.get(QUESTIONS).content.decode()
    assert "我的题目" in page and "别人的题目" not in page
    client.force_login(bank.admin)
    page = client.get(QUESTIONS).content.decode()
    assert "我的题目" in page and "别人的题目" in page


def test_the_list_filters_by_kind_difficulty_topic_and_active(client, bank):
    make_question(bank.mine, text="单选易", topic="标题优化")
    make_question(bank.mine, "true_false", text="判断难", difficulty="hard", topic="物流")
    make_question(bank.mine, text="退役的", is_active=False)
    client.force_login(bank.lecturer)

    def listed(**params):
        page = client.get(QUESTIONS, params).content.decode()
        return {text for text in ("单选易", "判断难", "退役的") if text in page}

    assert listed(kind="true_false") == {"判断难"}
    assert listed(difficulty="hard") == {"判断难"}
    assert listed(topic="物流") == {"判断难"}
    assert listed(is_active="false") == {"退役的"}
    assert listed(course=bank.mine.pk) == {"单选易", "判断难", "退役的"}


def test_users_without_a_course_have_no_bank(client, bank, make_user):
    client.force_login(make_user("lecturer", username="nobody"))
    assert client.get(QUESTIONS).status_code == 302  # Wagtail's "no permission" redirect
    assert client.get(QUESTIONS + "import/").status_code == 404


def test_a_used_question_is_retired_not_deleted(client, bank):
    used = make_question(bank.mine)
    make_exam(bank.mine, [used])
    unused = make_question(bank.mine)
    client.force_login(bank.lecturer)
    response = client.post(QUESTIONS + f"delete/{used.pk}/")
    assert response.status_code == 302
    assert Question.objects.filter(pk=used.pk).exists()
    assert client.post(QUESTIONS + f"{used.pk}/retire/").status_code == 302
    used.refresh_from_db()
    assert not used.is_active
    assert AuditEvent.objects.filter(
        action="exam.question_retired", object_id=str(used.pk)
    ).exists()
    assert client.post(QUESTIONS + f"{used.pk}/reactivate/").status_code == 302
    used.refresh_from_db()
    assert used.is_active
    assert client.post(QUESTIONS + f"delete/{unused.pk}/").status_code == 302
    assert not Question.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action="exam.question_deleted").exists()


def test_editing_a_question_keeps_its_json_and_audits_the_change(client, bank):
    question = make_question(bank.mine, "multiple")
    client.force_login(bank.lecturer)
    page = client.get(QUESTIONS + f"edit/{question.pk}/").content.decode()
    assert 'value="AC"' in page
    data = question_data(
        bank.mine, kind="multiple", option_c="减少商品图片", correct_answer="A,C", points="3"
    )
    assert client.post(QUESTIONS + f"edit/{question.pk}/", data).status_code == 302
    question.refresh_from_db()
    assert question.correct == ["A", "C"]
    assert question.points == Decimal("3")
    event = AuditEvent.objects.get(action="exam.question_edited")
    assert event.changes["points"] == ["2.00", "3"] or event.changes["points"][1] == "3"


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["lecturer", "admin"])
def test_the_lists_cost_the_same_queries_for_more_rows(client, bank, who):
    client.force_login(getattr(bank, who))
    for i in range(2):
        question = make_question(bank.mine, text=f"题目{i}")
        make_exam(bank.mine, [question], title=f"考试{i}")
    for url in (QUESTIONS, EXAMS):
        count_queries(client, url)
    few = {url: count_queries(client, url) for url in (QUESTIONS, EXAMS)}
    for i in range(6):
        question = make_question(bank.mine, text=f"更多{i}")
        make_exam(bank.mine, [question], title=f"更多考试{i}")
    many = {url: count_queries(client, url) for url in (QUESTIONS, EXAMS)}
    assert many == few


@pytest.mark.parametrize(("url", "expected"), [(QUESTIONS, 13), (EXAMS, 12)])
def test_the_list_query_count(client, bank, django_assert_num_queries, url, expected):
    for i in range(5):
        question = make_question(bank.mine, text=f"题目{i}")
        make_exam(bank.mine, [question], title=f"考试{i}")
    client.force_login(bank.lecturer)
    client.get(url)  # warm caches (content types, site)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# --- Exams -----------------------------------------------------------------------------------


def exam_data(course, **values):
    data = {
        "title": "农产品网店运营结业考试",
        "course": course.pk,
        "purpose": "course",
        "mode": "fixed",
        "time_limit_minutes": "30",
        "attempts_allowed": "1",
        "grading_method": "highest",
        "pass_mark": "60",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "review": "after_close",
        "questions": [],
        "draw_rules": "",
    }
    data.update(values)
    return data


def test_a_lecturer_makes_a_fixed_exam(client, bank):
    q1, q2 = make_question(bank.mine), make_question(bank.mine)
    client.force_login(bank.lecturer)
    response = client.post(EXAMS + "new/", exam_data(bank.mine, questions=[q2.pk, q1.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    exam = Exam.objects.get()
    assert exam.tier == "primary" and exam.created_by == bank.lecturer
    assert list(exam.fixed_questions.values_list("question", flat=True)) == [q1.pk, q2.pk]
    assert AuditEvent.objects.filter(action="exam.exam_created").exists()


def test_a_random_exam_with_too_few_questions_is_refused(client, bank):
    for _ in range(2):
        make_question(bank.mine, topic="标题优化", difficulty="easy")
    client.force_login(bank.lecturer)
    data = exam_data(bank.mine, mode="random", draw_rules="标题优化 | 易 | 3")
    response = post_in_english(client, EXAMS + "new/", data)
    assert response.status_code == 200
    assert "fewer than 3" in response.content.decode()
    assert not Exam.objects.exists()
    data["draw_rules"] = "标题优化 | 易 | 2"
    assert client.post(EXAMS + "new/", data).status_code == 302
    rule = Exam.objects.get().draw_rules.get()
    assert (rule.topic, rule.difficulty, rule.count) == ("标题优化", "easy", 2)


def test_a_malformed_draw_rule_is_refused(client, bank):
    client.force_login(bank.lecturer)
    data = exam_data(bank.mine, mode="random", draw_rules="标题优化 易 3")
    assert client.post(EXAMS + "new/", data).status_code == 200
    assert not Exam.objects.exists()


def test_a_fixed_exam_refuses_another_courses_or_a_retired_question(client, bank):
    retired = make_question(bank.mine, is_active=False)
    foreign = make_question(bank.theirs)
    client.force_login(bank.admin)
    for question in (retired, foreign):
        response = client.post(EXAMS + "new/", exam_data(bank.mine, questions=[question.pk]))
        assert response.status_code == 200
    assert not Exam.objects.exists()


def test_another_lecturers_exam_gets_a_404(client, bank):
    exam = make_exam(bank.theirs, [make_question(bank.theirs)])
    client.force_login(bank.lecturer)
    assert client.get(EXAMS + f"edit/{exam.pk}/").status_code == 404
    assert client.get(EXAMS + f"inspect/{exam.pk}/").status_code == 404
    assert client.get(EXAMS + "edit/999999/").status_code == 404
    assert "直播带货" not in client.get(EXAMS).content.decode()


def test_the_exam_editor_offers_only_the_exams_course_questions(client, bank):
    mine = make_question(bank.mine, text="本课程的题目")
    make_question(bank.theirs, text="别的课程的题目")
    exam = make_exam(bank.mine, [mine])
    client.force_login(bank.admin)
    page = client.get(EXAMS + f"edit/{exam.pk}/").content.decode()
    assert "本课程的题目" in page and "别的课程的题目" not in page
    assert client.get(EXAMS + "new/").status_code == 200
    assert client.get(QUESTIONS + "new/").status_code == 200


def test_an_answered_questions_grading_cannot_change_but_its_wording_can(client, bank):
    from assessments.models import Attempt, AttemptQuestion
    from tests.factories.assessments import make_assignment
    from tests.factories.training import make_class

    question = make_question(bank.mine)
    assignment = make_assignment(make_exam(bank.mine, [question]), make_class())
    attempt = Attempt.objects.create(
        assignment=assignment,
        user=bank.other,
        number=1,
        seed=1,
        started_at=assignment.opens_at,
        deadline=assignment.closes_at,
        max_score=Decimal("2"),
    )
    AttemptQuestion.objects.create(attempt=attempt, question=question, position=1, points=2)
    client.force_login(bank.lecturer)
    data = question_data(bank.mine, option_a="提高搜索排名", option_b="增加运费")
    response = post_in_english(
        client, QUESTIONS + f"edit/{question.pk}/", {**data, "correct_answer": "B"}
    )
    assert response.status_code == 200
    assert "Retire it and add a new question" in response.content.decode()
    question.refresh_from_db()
    assert question.correct == ["A"]
    data = question_data(
        bank.mine,
        text="改正错别字后的题目",
        option_a="提高商品标题的搜索排名",
        option_b="增加店铺的运费",
        option_c="减少商品图片",
        option_d="关闭客服",
    )
    assert client.post(QUESTIONS + f"edit/{question.pk}/", data).status_code == 302
    question.refresh_from_db()
    assert question.text == "改正错别字后的题目"


def test_the_exam_editor_keeps_the_pass_mark_once_trainees_sat_it(client, bank, make_user):
    from .test_bank_rules import sat_once

    question = make_question(bank.mine)
    exam = make_exam(bank.mine, [question])
    sat_once(exam, make_user)
    client.force_login(bank.lecturer)
    data = exam_data(bank.mine, questions=[question.pk], pass_mark="80")
    response = post_in_english(client, EXAMS + f"edit/{exam.pk}/", data)
    assert response.status_code == 200
    assert "its pass mark stays" in response.content.decode()
    exam.refresh_from_db()
    assert exam.pass_mark == Decimal("60")

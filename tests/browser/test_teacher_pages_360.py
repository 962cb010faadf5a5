"""The teachers' exam and certificate pages on a 360 px phone, with a class like the demo's:
30 trainees (one with a long name), the demo question bank, an end-of-course exam and a
retake with long titles, attempts graded and waiting, attendance and certificates.

On each page the document is no wider than the screen (tables scroll inside their own box)
and the page's main action can be reached and used."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessments import demo
from assessments.actions import attempts as attempt_actions
from assessments.actions import certificates as certificate_actions
from assessments.actions import grading
from assessments.models import Answer, Certificate
from lms.training.models import TrainingClass
from tests.assessments.test_certificates import MONDAY, at, attend
from tests.browser.test_exam_journey import assert_fits, new_phone
from tests.factories.assessments import make_assignment, make_bank_course, make_exam, make_question
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_lecturer,
    make_plan,
    make_session,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEDNESDAY = MONDAY + datetime.timedelta(days=2)
THURSDAY = MONDAY + datetime.timedelta(days=3)
WIDTH = 360

NAMES = [
    "李小梅", "欧阳晓燕", "王建国", "阿不都热合曼·买买提", "张伟", "刘芳", "陈静", "杨洋",
    "赵磊", "黄丽", "周杰", "吴敏", "徐强", "孙丽娟", "胡军", "朱红", "高峰", "林晓东",
    "何平", "郭秀英", "马超", "罗敏", "梁晨", "宋佳", "郑浩", "谢婷", "韩雪", "唐亮",
    "冯涛", "于娜",
]  # fmt: skip
RIGHT = {
    "single": "A",
    "multiple": ["A", "B", "C"],
    "true_false": False,
    "fill_in": "包装",
    "short_answer": "写清楚产地、规格、等级和保质期；发货时效、破损包赔和退换规则也要写明。",
}
WRONG = {"single": "B", "multiple": ["D"], "true_false": True, "fill_in": "快递"}
SHOP = "https://shop.example.com/item/20260311-gannan-navel-orange-5kg-direct-from-orchard"


def screenshot_png():
    """A phone screenshot of a product page, wider than the screen."""
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 720), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def demo_bank(course):
    questions = []
    for topic, difficulty, kind, text, options, correct, points, rubric in demo.QUESTIONS:
        questions.append(
            make_question(
                course,
                kind,
                topic=topic,
                difficulty=difficulty,
                text=text,
                options=[{"key": demo.OPTIONS[n], "text": o} for n, o in enumerate(options)],
                correct=correct,
                points=Decimal(points),
                rubric=rubric,
            )
        )
    return questions


def sit(assignment, user, *, right, with_file):
    attempt, _created = attempt_actions.check_start_attempt(user, assignment.pk)
    for item in attempt.paper.select_related("question", "answer"):
        kind = item.question.kind
        file = None
        if kind == "practical":
            response = {"link": SHOP}
            if with_file:
                file = SimpleUploadedFile("shop.png", screenshot_png(), "image/png")
        else:
            response = (RIGHT if right or kind == "short_answer" else WRONG).get(kind)
        attempt_actions.check_save_answer(
            user, attempt.pk, item.pk, response, item.answer.version, file=file
        )
    attempt_actions.check_submit_attempt(user, attempt.pk)
    return attempt


def build_class(make_user):
    """The finished class, seen on the Thursday after its last day."""
    w = SimpleNamespace()
    w.teacher = make_user(
        "head_teacher", "lecturer", username="banzhuren", first_name="老师", last_name="陈"
    )
    w.officer = make_user("commerce_officer", username="shangwuju")
    course = make_bank_course("农产品网店运营与直播带货实操")
    questions = demo_bank(course)
    w.exam = make_exam(course, questions, title=demo.EXAM_TITLE)
    retake = make_exam(
        course, questions[:5], title="农产品网店运营与直播带货实操考核（补考，限未通过学员）"
    )
    plan = make_plan(courses=[course], start_date=MONDAY - datetime.timedelta(days=10))
    w.training_class = make_class(
        plan,
        head_teacher=w.teacher,
        lecturers=[make_lecturer("陈老师", user=w.teacher)],
        start_date=MONDAY,
        name="2026年第1期初级电商人才培训班（赣南脐橙产业专班）",
    )
    sessions = [
        make_session(w.training_class, date=MONDAY + datetime.timedelta(days=d)) for d in (0, 1, 2)
    ] + [
        make_session(
            w.training_class,
            date=WEDNESDAY,
            starts_at=datetime.time(14, 0),
            ends_at=datetime.time(16, 30),
        )
    ]
    w.assignment = make_assignment(
        w.exam,
        w.training_class,
        opens_at=at(WEDNESDAY, 17),
        closes_at=at(WEDNESDAY, 19),
        counts_for_completion=True,
    )
    retake_assignment = make_assignment(
        retake,
        w.training_class,
        opens_at=at(WEDNESDAY, 19, 30),
        closes_at=at(WEDNESDAY, 21),
        counts_for_completion=False,
    )
    enrolments = []
    for n, name in enumerate(NAMES):
        enrolment = make_enrolment(w.training_class, user=True)
        enrolment.profile.real_name = name
        enrolment.profile.save()
        statuses = ["present"] * 4 if n % 7 else ["present", "absent", "present", "absent"]
        attend(SimpleNamespace(sessions=sessions), enrolment, statuses)
        enrolments.append(enrolment)

    with time_machine.travel(at(WEDNESDAY, 17, 5), tick=False) as traveller:
        attempts = []
        for n, enrolment in enumerate(enrolments):
            traveller.shift(datetime.timedelta(seconds=30))
            attempts.append(
                sit(
                    w.assignment,
                    enrolment.profile.user,
                    right=n % 5 != 3,
                    with_file=n % 2 == 0,
                )
            )
        # The lecturer grades all but the first four attempts' written answers.
        traveller.move_to(at(WEDNESDAY, 18, 30))
        for attempt in attempts[4:]:
            for item in attempt.paper.filter(question__kind__in=grading.MANUAL_KINDS):
                rubric = grading.rubric_of(item)
                grading.check_grade_answer(
                    item,
                    [str(points) for _criterion, points in rubric],
                    "标题写得好，主图清楚。",
                    acting_user=w.teacher,
                )
        # Two trainees who failed take the retake.
        traveller.move_to(at(WEDNESDAY, 19, 40))
        for enrolment in (enrolments[3], enrolments[8]):
            sit(retake_assignment, enrolment.profile.user, right=True, with_file=False)

    TrainingClass.objects.filter(pk=w.training_class.pk).update(
        status=TrainingClass.Status.FINISHED
    )
    w.training_class.refresh_from_db()
    with time_machine.travel(at(THURSDAY, 9), tick=False):
        eligible = [
            row.profile.pk
            for row in certificate_actions.eligible_trainees(w.training_class)
            if row.eligible
        ]
        certificate_actions.check_issue_certificates(
            w.officer, w.training_class, profile_ids=eligible[:10]
        )
    w.waiting_practical = (
        attempts[0].paper.filter(question__kind="practical").select_related("question").get()
    )
    return w


@pytest.fixture
def world(make_user):
    from tests.factories import ensure_site

    ensure_site()
    return build_class(make_user)


@pytest.fixture
def thursday():
    with time_machine.travel(at(THURSDAY, 10), tick=True):
        yield


def signed_in(browser, live_server, password, username, url):
    """A 360 px phone, signed in as ``username`` and showing ``url``."""
    context, page, errors = new_phone(browser, live_server)
    page.goto(f"{live_server.url}{url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{url}")
    return context, page, errors


def assert_fits_in_both_languages(context, page, live_server):
    """No wider than the screen in English and in Chinese (the default); left in English."""
    assert_fits(page)
    for language in ("zh-hans", "en"):
        context.add_cookies([{"name": "lms_language", "value": language, "url": live_server.url}])
        page.reload()
        assert_fits(page)


def assert_usable(locator):
    """On screen, inside the 360 px width, big enough for a thumb, and enabled."""
    locator.scroll_into_view_if_needed()
    assert locator.is_visible() and locator.is_enabled()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    assert box["height"] >= 24, box


def test_grading_index(live_server, browser, password, world, thursday):
    context, page, errors = signed_in(
        browser, live_server, password, "banzhuren", "/exams/teaching/"
    )
    assert_fits_in_both_languages(context, page, live_server)
    queue = page.get_by_role("link", name="Grading queue: 8 answers waiting")
    assert_usable(queue)
    assert_usable(page.get_by_role("link", name="Results"))
    queue.click()
    page.wait_for_url("**/exams/teaching/grading/")
    assert errors == []
    context.close()


def test_grading_queue(live_server, browser, password, world, thursday):
    context, page, errors = signed_in(
        browser, live_server, password, "banzhuren", "/exams/teaching/grading/"
    )
    assert_fits_in_both_languages(context, page, live_server)
    assert page.locator(".grading-queue > li").count() == 8
    practical = page.locator(f"a[href='/exams/teaching/grading/{world.waiting_practical.pk}/']")
    assert_usable(practical)
    practical.click()
    page.wait_for_url(f"**/exams/teaching/grading/{world.waiting_practical.pk}/")
    assert errors == []
    context.close()


def test_grading_a_practical_answer_with_the_rubric(
    live_server, browser, password, world, thursday
):
    item = world.waiting_practical
    url = f"/exams/teaching/grading/{item.pk}/"
    context, page, errors = signed_in(browser, live_server, password, "banzhuren", url)
    assert_fits_in_both_languages(context, page, live_server)
    screenshot = page.locator("img.answer-image")
    screenshot.wait_for()
    page.wait_for_function("() => document.querySelector('img.answer-image').complete")
    assert screenshot.bounding_box()["width"] <= WIDTH
    assert page.get_by_role("link", name=SHOP).is_visible()
    for criterion, score in (("标题包含产地、规格和卖点", "4"), ("主图清楚、真实", "3")):
        field = page.get_by_label(criterion)
        assert_usable(field)
        field.fill(score)
    page.get_by_label("价格与运费设置合理").fill("2.5")
    page.get_by_label("Comment for the trainee").fill("运费设置偏高，可以包邮。")
    save = page.get_by_role("button", name="Save the grade")
    assert_usable(save)
    save.click()
    page.wait_for_url(lambda u: not u.endswith(url))
    assert page.get_by_text("The grade is saved.").is_visible()
    answer = Answer.objects.get(item=item)
    assert answer.score == Decimal("9.50")
    assert answer.comment == "运费设置偏高，可以包邮。"
    assert_fits(page)
    assert errors == []
    context.close()


def test_a_class_results(live_server, browser, password, world, thursday):
    url = f"/exams/teaching/classes/{world.training_class.pk}/results/"
    context, page, errors = signed_in(browser, live_server, password, "banzhuren", url)
    assert_fits_in_both_languages(context, page, live_server)
    assert page.locator("table.exam-results tbody tr").count() == len(NAMES)
    download = page.get_by_role("link", name="Download (XLSX)")
    assert_usable(download)
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename.endswith(".xlsx")
    assert errors == []
    context.close()


def test_item_analysis(live_server, browser, password, world, thursday):
    url = f"/exams/teaching/assignments/{world.assignment.pk}/analysis/"
    context, page, errors = signed_in(browser, live_server, password, "banzhuren", url)
    assert_fits_in_both_languages(context, page, live_server)
    assert page.locator("table.item-analysis tbody tr").count() == len(demo.QUESTIONS)
    # The table scrolls inside its own box, which stays on the screen.
    assert_usable(page.locator(".table-scroll").first)
    everything = page.get_by_role("link", name="All my classes")
    assert_usable(everything)
    everything.click()
    page.wait_for_url(f"**/exams/teaching/exams/{world.exam.pk}/analysis/")
    assert_fits(page)
    assert errors == []
    context.close()


def test_a_class_certificates(live_server, browser, password, world, thursday):
    url = f"/certificates/classes/{world.training_class.pk}/"
    context, page, errors = signed_in(browser, live_server, password, "banzhuren", url)
    assert_fits_in_both_languages(context, page, live_server)
    before = Certificate.objects.count()
    issue = page.get_by_role("button", name="Issue")
    assert_usable(issue)
    issue.click()
    page.wait_for_url(f"**{url}")
    assert Certificate.objects.count() > before
    assert page.get_by_text("certificates were issued").is_visible()
    assert_fits(page)
    assert errors == []
    context.close()


def test_the_certificate_register(live_server, browser, password, world, thursday):
    url = "/certificates/register/"
    context, page, errors = signed_in(browser, live_server, password, "shangwuju", url)
    assert_fits_in_both_languages(context, page, live_server)
    assert page.locator("table.cert-register tbody tr").count() == 10
    page.get_by_label("Tier").select_option("primary")
    page.get_by_label("State").select_option("current")
    apply = page.get_by_role("button", name="Filter")
    assert_usable(apply)
    apply.click()
    page.wait_for_url("**/certificates/register/?tier=primary&state=current")
    assert_fits(page)
    assert page.locator("table.cert-register tbody tr").count() == 10
    assert_usable(page.get_by_role("link", name="Export XLSX"))
    assert errors == []
    context.close()


def test_a_class_certificates_reasons_read_well(live_server, browser, password, world, thursday):
    url = f"/certificates/classes/{world.training_class.pk}/"
    context, page, _errors = signed_in(browser, live_server, password, "banzhuren", url)
    reason = page.locator(".cert-eligibility .error").filter(has_text="Attendance 50.0%").first
    assert "Attendance 50.0% is below the required 80%." in reason.inner_text()
    context.close()


# Every Latin word, number, percentage and date inside the page's tables: those drawn on more
# than one line.
BROKEN_IN_TABLES = """() => {
  const broken = [];
  for (const table of document.querySelectorAll("main table")) {
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      for (const match of node.data.matchAll(/[A-Za-z0-9%.:\\/-]{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(
          [...range.getClientRects()].filter((r) => r.width > 1).map((r) => Math.round(r.top))
        );
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

TABLE_PAGES = {
    "results": ("banzhuren", "/exams/teaching/classes/{w.training_class.pk}/results/"),
    "analysis": ("banzhuren", "/exams/teaching/assignments/{w.assignment.pk}/analysis/"),
    "certificates": ("banzhuren", "/certificates/classes/{w.training_class.pk}/"),
    "register": ("shangwuju", "/certificates/register/"),
}


@pytest.mark.parametrize("name", ["results", "analysis", "certificates", "register"])
def test_tables_keep_words_numbers_and_dates_whole(
    live_server, browser, password, world, thursday, name
):
    """A table wider than the phone scrolls in its box; it does not break "100.0%" or a date
    over several lines to fit. (body's `overflow-wrap: anywhere` let tables squeeze their
    columns to a character or two; site.css gives tables in a .table-scroll box `break-word`
    and keeps names, dates and badges on one line.)"""
    username, url = TABLE_PAGES[name]
    context, page, errors = signed_in(browser, live_server, password, username, url.format(w=world))
    assert page.locator("main table tbody tr").count() > 5
    assert page.evaluate(BROKEN_IN_TABLES) == []
    assert_fits(page)
    assert errors == []
    context.close()

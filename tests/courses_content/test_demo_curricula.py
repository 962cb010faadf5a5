"""The demo curricula ``seed_demo`` loads: the work plan's three tiers, courses and cases.

Seeding takes a few seconds, so the module seeds once inside a transaction that is rolled
back when the module is done; each test runs in a savepoint inside it.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from courses_content import demo_images
from courses_content.demo import CASE_SOURCE
from courses_content.models import Case, CoursePage, LessonPage, TierPage, lesson_has_case
from lms.accounts.management.commands import seed_demo as seed_demo_command
from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.learning.models import CourseEnrolment
from lms.learning.policy import can_read_course
from lms.training.models import Lecturer


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_media):
    """``seed_demo`` once for the whole module; its output is the fixture's value."""
    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=demo_media),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def tiers(seeded, db):
    return {tier.tier: tier for tier in TierPage.objects.live()}


def courses_of(tier):
    return list(CoursePage.objects.child_of(tier).live().specific())


def test_seed_demo_loads_the_three_tiers_with_the_courses_the_plan_names(seeded, tiers):
    assert "Demo curricula ready" in seeded
    assert {code: tier.title for code, tier in tiers.items()} == {
        "cadre": "干部培训",
        "primary": "初级培训",
        "senior": "中高级培训",
    }
    titles = {code: {c.title for c in courses_of(tier)} for code, tier in tiers.items()}
    assert [len(titles[code]) for code in ("cadre", "primary", "senior")] == [9, 7, 5]
    assert {"农村电子商务的发展与应用", "智慧城市与物联网"} <= titles["cadre"]
    assert {"淘宝、天猫基础实操", "微营销策略", "大数据时代的新思维"} <= titles["primary"]
    assert "外贸企业的跨境电子商务转型升级" in titles["senior"]
    assert "16" in tiers["primary"].who_may_enrol and "初中" in tiers["primary"].who_may_enrol


def test_hours_add_up_and_each_tier_has_an_open_course(tiers):
    for code, tier in tiers.items():
        courses = courses_of(tier)
        for course in courses:
            assert course.theory_hours + course.practice_hours == course.hours, course.title
            if code == "cadre":
                assert course.theory_hours > course.practice_hours, course.title
            if code == "primary":
                assert course.practice_hours > course.theory_hours, course.title
        assert any(course.open_to_public for course in courses), code
    assert CoursePage.objects.filter(open_to_public=True).count() < 5


def test_every_course_has_live_lessons_each_taught_through_a_case(tiers):
    courses = CoursePage.objects.live()
    assert courses.count() == 21
    for course in courses:
        lessons = LessonPage.objects.child_of(course).live()
        assert lessons.count() >= 2, course.title
        for lesson in lessons:
            kinds = [block.block_type for block in lesson.body]
            assert lesson_has_case(lesson.body), lesson.title
            assert "text" in kinds and "image" in kinds, lesson.title
            if lesson.kind == LessonPage.Kind.PRACTICE:
                assert "exercise" in kinds, lesson.title
            assert lesson.estimated_minutes > 0 and lesson.summary
            lesson.full_clean()


def test_cases_are_local_and_clearly_marked_as_illustrations(seeded, db):
    cases = Case.objects.all()
    assert 12 <= cases.count() <= 20
    assert all(case.source == CASE_SOURCE and "演示" in case.source for case in cases)
    products = " ".join(cases.values_list("product_type", flat=True))
    for product in ("茶油", "脐橙", "打火机", "米粉", "竹编"):
        assert product in products
    used = {
        block.value["case"].pk
        for lesson in LessonPage.objects.live()
        for block in lesson.body
        if block.block_type == "case"
    }
    assert len(used) >= 12


def test_lesson_images_are_real_pictures(seeded, db, settings, demo_media):
    settings.MEDIA_ROOT = demo_media
    image_ids = {
        block.value.pk
        for lesson in LessonPage.objects.live()
        for block in lesson.body
        if block.block_type == "image"
    }
    images = get_image_model().objects.filter(pk__in=image_ids)
    assert images.count() >= 10
    for image in images:
        with image.open_file() as handle, PILImage.open(handle) as picture:
            picture.load()
            assert picture.size == (image.width, image.height) == (1200, 800)


def test_seed_demo_again_changes_nothing(seeded, db):
    def snapshot():
        return (
            Page.objects.count(),
            Revision.objects.count(),
            list(Page.objects.order_by("pk").values_list("pk", "latest_revision_id")),
            Case.objects.count(),
            get_image_model().objects.count(),
            Lecturer.objects.count(),
            CourseEnrolment.objects.count(),
            AuditEvent.objects.filter(action="course_enrolment.created").count(),
        )

    before = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before


def test_demo_lecturer_teaches_primary_courses_and_may_edit_them(tiers):
    user = User.objects.get(username="lecturer")
    lecturer = Lecturer.objects.get(user=user)
    assert lecturer.name == "陈晓燕"
    assert Lecturer.objects.filter(user__isnull=True).count() >= 2
    taught = CoursePage.objects.filter(lecturers=lecturer)
    primary = taught.child_of(tiers["primary"])
    assert primary.count() >= 3
    assert primary.first().permissions_for_user(user).can_edit()
    not_taught = CoursePage.objects.child_of(tiers["senior"]).exclude(lecturers=lecturer).first()
    assert not not_taught.permissions_for_user(user).can_edit()


def test_demo_trainees_are_enrolled_in_non_open_primary_courses(tiers):
    trainee = User.objects.get(username="trainee")
    enrolled = CoursePage.objects.filter(enrolments__user=trainee, open_to_public=False)
    assert enrolled.child_of(tiers["primary"]).exists()
    assert all(can_read_course(trainee, course) for course in enrolled)
    other = CoursePage.objects.filter(open_to_public=False).exclude(enrolments__user=trainee)
    assert not can_read_course(trainee, other.first())
    assert CourseEnrolment.objects.filter(user__username="trainee2").exists()


def test_illustrations_are_drawn_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(demo_images, "cjk_font_source", lambda: None)
    data = demo_images.draw_illustration("chart", "没有字体也不报错", "blue")
    with PILImage.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG" and picture.size == (1200, 800)


def test_seed_demo_can_skip_the_curricula(db, monkeypatch):
    def fail(**kwargs):
        raise AssertionError("the curricula were seeded")

    monkeypatch.setattr(seed_demo_command, "seed_curricula", fail)
    out = io.StringIO()
    call_command("seed_demo", "--without-curricula", stdout=out)
    assert User.objects.filter(username="trainee").exists()
    assert "Demo curricula ready" not in out.getvalue()


def test_illustrations_are_deterministic():
    first = demo_images.draw_illustration("shop", "淘宝、天猫基础实操", "green")
    assert first == demo_images.draw_illustration("shop", "淘宝、天猫基础实操", "green")

"""Authoring the curricula: page types, one lesson one case, lecturers' reach, review workflow."""

import json

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page
from wagtail.rich_text import RichText

from courses_content.models import (
    Case,
    CoursePage,
    CurriculumIndexPage,
    LessonPage,
    TierPage,
)
from courses_content.permissions import course_group_name
from lms.training.models import Lecturer
from tests.factories import ensure_site

pytestmark = pytest.mark.django_db

DRAFTAIL_PARAGRAPH = {
    "blocks": [
        {
            "key": "a",
            "text": "正文",
            "type": "unstyled",
            "depth": 0,
            "inlineStyleRanges": [],
            "entityRanges": [],
        }
    ],
    "entityMap": {},
}


def make_case(title="脐橙网店从零到月销千单"):
    return Case.objects.create(
        title=title,
        platform=Case.Platform.TAOBAO,
        product_type="脐橙",
        background="<p>背景</p>",
        actions="<p>做法</p>",
        results="<p>月销 1000 单</p>",
        lessons_learned="<p>经验</p>",
    )


def publish(page):
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def build_course(title="淘宝天猫基础实操", tier="primary", lecturers=()):
    home = ensure_site()
    index = CurriculumIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=CurriculumIndexPage(title="课程体系", slug="curricula"))
    tier_page = TierPage.objects.filter(tier=tier).first()
    if tier_page is None:
        tier_page = index.add_child(
            instance=TierPage(
                title="初级培训",
                slug=tier,
                tier=tier,
                audience="农村电商从业人员",
                aims="<p>会开店</p>",
                who_may_enrol="<p>16-45 岁</p>",
            )
        )
    course = tier_page.add_child(
        instance=CoursePage(
            title=title,
            slug=f"course-{CoursePage.objects.count() + 1}",
            summary="概要",
            learning_outcomes="<ul><li>开店</li></ul>",
            hours=6,
            theory_hours=2,
            practice_hours=4,
        )
    )
    course.lecturers.set(lecturers)
    return publish(course)


def lesson_body(with_case=True):
    body = [("text", RichText("<p>正文</p>"))]
    if with_case:
        body.append(("case", {"case": make_case(), "discussion": "讨论"}))
    return body


def add_lesson(course, with_case=True, title="第一课"):
    lesson = course.add_child(
        instance=LessonPage(
            title=title,
            slug=f"lesson-{LessonPage.objects.count() + 1}",
            body=lesson_body(with_case),
            live=False,
        )
    )
    return lesson


def lecturer_for(make_user, name="陈晓燕"):
    user = make_user("lecturer")
    return user, Lecturer.objects.create(name=name, user=user)


def test_page_types_nest_strictly():
    assert CurriculumIndexPage.parent_page_types == ["cms.HomePage"]
    assert [m.__name__ for m in TierPage.allowed_subpage_models()] == ["CoursePage"]
    assert [m.__name__ for m in CoursePage.allowed_subpage_models()] == ["LessonPage"]
    assert LessonPage.allowed_subpage_models() == []
    assert [m.__name__ for m in LessonPage.allowed_parent_page_models()] == ["CoursePage"]
    home = ensure_site()
    assert not LessonPage.can_create_at(home)
    assert not CoursePage.can_create_at(home)


def test_a_lesson_with_a_case_publishes():
    lesson = add_lesson(build_course())
    publish(lesson)
    assert lesson.live


def test_a_lesson_without_a_case_cannot_go_live_by_any_path():
    lesson = add_lesson(build_course(), with_case=False)
    with pytest.raises(ValidationError) as error:
        lesson.save_revision().publish()
    assert "body" in error.value.message_dict
    assert not LessonPage.objects.get(pk=lesson.pk).live


def test_the_admin_says_why_a_lesson_without_a_case_cannot_be_published(client, make_user):
    course = build_course()
    client.force_login(make_user("administrator", is_superuser=True))
    response = client.post(
        f"/admin/pages/add/courses_content/lessonpage/{course.pk}/",
        {
            "title": "没有案例的课",
            "slug": "no-case",
            "kind": "theory",
            "estimated_minutes": "45",
            "summary": "",
            "body-count": "1",
            "body-0-type": "text",
            "body-0-value": json.dumps(DRAFTAIL_PARAGRAPH),
            "body-0-deleted": "",
            "body-0-order": "0",
            "body-0-id": "b1",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors["body"])
    assert "一课一案" in errors
    assert not LessonPage.objects.filter(slug="no-case").exists()


def test_publishing_a_course_gives_its_lecturers_an_editor_group(make_user):
    user, lecturer = lecturer_for(make_user)
    course = build_course(lecturers=[lecturer])
    group = user.groups.get(name=course_group_name(course))
    perms = course.permissions_for_user(user)
    assert perms.can_edit() and perms.can_add_subpage() and not perms.can_publish()
    assert group.user_set.count() == 1


def test_removing_a_lecturer_takes_their_editing_away(make_user):
    user, lecturer = lecturer_for(make_user)
    course = build_course(lecturers=[lecturer])
    course.lecturers.set([])
    publish(course)
    assert not CoursePage.objects.get(pk=course.pk).permissions_for_user(user).can_edit()


def test_lecturers_edit_their_own_course_and_get_404_elsewhere(client, make_user):
    user, lecturer = lecturer_for(make_user)
    mine = build_course(lecturers=[lecturer])
    theirs = build_course(title="电商政策、模式与趋势")
    their_lesson = add_lesson(theirs)
    client.force_login(user)
    assert client.get(f"/admin/pages/{mine.pk}/edit/").status_code == 200
    for url in [
        f"/admin/pages/{theirs.pk}/edit/",
        f"/admin/pages/{their_lesson.pk}/edit/",
        f"/admin/pages/{theirs.pk}/",
        f"/admin/pages/{theirs.pk}/add_subpage/",
        f"/admin/pages/{theirs.pk}/history/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.get("/admin/pages/999999/edit/").status_code == 404


def test_the_tier_listing_hides_other_lecturers_courses(client, make_user):
    user, lecturer = lecturer_for(make_user)
    mine = build_course(title="我的课程", lecturers=[lecturer])
    build_course(title="别人的课程")
    client.force_login(user)
    response = client.get(f"/admin/pages/{mine.get_parent().pk}/", follow=True)
    assert response.status_code == 200
    assert "我的课程" in response.text
    assert "别人的课程" not in response.text


def test_review_workflow_lecturer_submits_and_commerce_officer_approves(client, make_user):
    user, lecturer = lecturer_for(make_user)
    course = build_course(lecturers=[lecturer])
    lesson = add_lesson(course)
    client.force_login(user)
    edit = client.get(f"/admin/pages/{lesson.pk}/edit/")
    assert edit.status_code == 200
    assert "action-publish" not in edit.text  # lecturers cannot publish themselves

    workflow = lesson.get_workflow()
    assert workflow is not None and workflow.name == "课程审核"
    lesson.save_revision(user=user)
    workflow.start(lesson, user)
    lesson.refresh_from_db()
    assert not lesson.live
    task_state = lesson.current_workflow_task_state

    officer = make_user("commerce_officer")
    client.force_login(officer)
    assert client.get(f"/admin/pages/{lesson.pk}/edit/").status_code == 200
    task = task_state.task.specific
    assert task.user_can_access_editor(lesson, officer)
    task.on_action(task_state, officer, "approve")
    lesson.refresh_from_db()
    assert lesson.live
    assert lesson.revisions.count() >= 1


def test_trainees_cannot_approve(make_user):
    user, lecturer = lecturer_for(make_user)
    lesson = add_lesson(build_course(lecturers=[lecturer]))
    lesson.save_revision(user=user)
    lesson.get_workflow().start(lesson, user)
    lesson.refresh_from_db()
    task = lesson.current_workflow_task_state.task.specific
    assert not task.user_can_access_editor(lesson, make_user("trainee"))
    assert not task.user_can_access_editor(lesson, user)


def test_scheduled_publishing_is_available_to_publishers(client, make_user):
    course = build_course()
    lesson = add_lesson(course)
    import datetime

    from django.utils import timezone

    lesson.go_live_at = timezone.now() + datetime.timedelta(days=1)
    revision = lesson.save_revision(approved_go_live_at=lesson.go_live_at)
    revision.publish()
    lesson.refresh_from_db()
    assert not lesson.live
    assert lesson.scheduled_revision is not None


def test_curriculum_pages_leave_no_editor_groups_behind_for_roles():
    from django.contrib.auth.models import Group

    from lms.accounts.roles import Role

    names = set(Group.objects.values_list("name", flat=True))
    assert names >= set(Role.values)
    assert all(n in Role.values or n.startswith("course:") for n in names)
    assert Page.objects.filter(depth=1).exists()

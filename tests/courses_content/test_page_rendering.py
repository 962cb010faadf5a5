"""Every curriculum page type renders for the people allowed to read it, lightly and safely."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.rich_text import RichText

from lms.training.models import Lecturer
from tests.factories import UserFactory
from tests.factories.curriculum import (
    curriculum_index,
    lesson_body,
    make_case,
    make_course,
    make_document,
    make_image,
    make_lesson,
    make_tier,
)
from tests.utils import clear_cache

pytestmark = pytest.mark.django_db

VIDEO_URL = "https://video.example.com/v/123"


@pytest.fixture
def course():
    return make_course(make_tier(), "淘宝天猫基础实操", slug="taobao-basics")


def every_block(case):
    """A lesson body using every block type once."""
    image = make_image("脐橙主图")
    Embed.objects.create(
        url=VIDEO_URL,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html='<iframe src="https://video.example.com/embed/123" title="video"></iframe>',
    )
    return lesson_body(
        case,
        ("image", {"image": image, "alt_text": "一箱刚摘的脐橙", "decorative": False}),
        ("video", {"embed": VIDEO_URL, "file": None, "caption": "产地直播片段"}),
        (
            "video",
            {
                "embed": None,
                "file": make_document("上架演示", "demo.mp4", b"\0" * 64),
                "caption": "",
            },
        ),
        ("material", {"document": make_document("开店清单"), "description": "打印后带到机房"}),
        (
            "exercise",
            {
                "title": "发布第一件商品",
                "steps": ["登录千牛工作台", "点击“发布宝贝”", "填写标题 <b>不要加粗</b>"],
                "expected_result": "店铺里出现一件待售商品",
            },
        ),
    )


def test_the_curriculum_index_lists_its_tiers(client):
    tier = make_tier(title="初级培训")
    response = client.get(curriculum_index().url)
    assert response.status_code == 200
    assert "初级培训" in response.text
    assert f'href="{tier.url}"' in response.text


def test_a_tier_page_shows_its_audience_and_live_courses_with_hours(client, course):
    tier = course.get_parent().specific
    closed = make_course(tier, "跨境电商实务", open_to_public=False)
    draft = make_course(tier, "未发布课程")
    draft.unpublish()
    response = client.get(tier.url)
    assert response.status_code == 200
    text = response.text
    assert "农业企业、合作社" in text
    assert "16-45 岁" in text
    assert course.title in text and closed.title in text
    assert "未发布课程" not in text
    assert re.search(r'class="course-hours">\D*16\D+6\D+10\D', text)
    assert text.count("badge-open") == 1  # only the open course carries the badge


def test_a_course_page_lists_outcomes_lecturers_and_live_lessons_in_order(client, course):
    photo = make_image("王老师")
    lecturer = Lecturer.objects.create(name="王芳", title="讲师", photo=photo)
    Lecturer.objects.create(name="李强")
    course.lecturers.add(lecturer)
    course.save_revision().publish()
    first = make_lesson(course, "开店准备", kind="theory", estimated_minutes=30)
    second = make_lesson(course, "商品标题优化", estimated_minutes=90)
    hidden = make_lesson(course, "草稿课")
    hidden.unpublish()

    response = client.get(course.url)
    assert response.status_code == 200
    text = response.text
    assert "能独立开设网店" in text
    assert "会使用电脑和智能手机" in text
    assert "王芳" in text and "李强" not in text
    assert re.search(r'<img[^>]+class="lecturer-photo"[^>]+fill-96x96\.format-webp\.webp', text)
    assert photo.file.url not in text
    assert text.index(first.title) < text.index(second.title)
    assert "草稿课" not in text
    assert "30" in text and "90" in text


def test_a_lesson_page_renders_every_block_type(client, course):
    case = make_case("赣南脐橙拼多多助农店")
    lesson = make_lesson(course, body=every_block(case))
    response = client.get(lesson.url)
    assert response.status_code == 200
    text = response.text
    # The case, with every part of it and the lecturer's question.
    for part in (
        "赣南脐橙拼多多助农店",
        "合作社每年滞销脐橙三成",
        "开设拼多多店铺",
        "12,000 单",
        "产地直发",
        "县商务局 2024 年案例汇编",
        "为什么选择拼多多",
    ):
        assert part in text
    assert f'href="/cases/{case.pk}/"' in text
    assert "本课讲解商品标题的写法" in text
    # Video: the embed and the uploaded file, which is never preloaded.
    assert "https://video.example.com/embed/123" in text
    assert re.search(r'<video controls preload="none"[^>]*src="/documents/\d+/demo\.mp4"', text)
    # Material: through Wagtail's document view, with its type and size.
    assert re.search(r'href="/documents/\d+/checklist\.pdf"', text)
    assert re.search(r"\(PDF, 16\W", text)
    # Exercise: ordered steps, user text escaped.
    assert "<li>登录千牛工作台</li>" in text
    assert "&lt;b&gt;不要加粗&lt;/b&gt;" in text
    assert "店铺里出现一件待售商品" in text
    # Blocks carry ids so progress can remember the last one read.
    assert re.search(r'id="block-[0-9a-f-]{36}"', text)


def test_lesson_images_are_lazy_webp_renditions_never_the_original(client, course):
    image = make_image("主图", width=1600, height=1200)
    body = lesson_body(
        make_case(), ("image", {"image": image, "alt_text": "一箱脐橙", "decorative": False})
    )
    lesson = make_lesson(course, body=body)
    text = client.get(lesson.url).text
    img = re.search(r"<img [^>]*>", text).group(0)
    assert 'loading="lazy"' in img
    assert 'decoding="async"' in img
    assert 'alt="一箱脐橙"' in img
    assert 'sizes="(max-width: 760px) 100vw, 720px"' in img
    srcset = re.search(r'srcset="([^"]+)"', img).group(1)
    widths = re.findall(r"\.webp (\d+)w", srcset)
    assert widths == ["360", "720", "1080"]
    assert re.search(r'src="[^"]+\.webp"', img)
    assert image.file.url not in text
    assert "original_images" not in text


def test_a_decorative_image_has_empty_alt_text(client, course):
    body = lesson_body(
        make_case(), ("image", {"image": make_image(), "alt_text": "", "decorative": True})
    )
    text = client.get(make_lesson(course, body=body).url).text
    assert 'alt=""' in re.search(r"<img [^>]*>", text).group(0)


def test_lessons_link_to_their_previous_and_next_live_lessons(client, course):
    first = make_lesson(course, "第一课")
    draft = make_lesson(course, "未发布的第二课")
    draft.unpublish()
    third = make_lesson(course, "第三课")

    text = client.get(first.url).text
    assert 'rel="prev"' not in text
    assert f'rel="next" href="{third.url}"' in text

    text = client.get(third.url).text
    assert f'rel="prev" href="{first.url}"' in text
    assert 'rel="next"' not in text
    assert f'href="{course.url}"' in text  # back to the course


def test_case_text_is_escaped(client, course):
    case = make_case('<script>alert("x")</script>', product_type="<i>油茶</i>")
    text = client.get(make_lesson(course, case=case).url).text
    assert '<script>alert("x")</script>' not in text
    assert "&lt;script&gt;" in text
    assert "&lt;i&gt;油茶&lt;/i&gt;" in text


def test_a_closed_course_needs_sign_in_and_a_superuser_may_read_it(client):
    course = make_course(make_tier(), "跨境电商实务", open_to_public=False)
    lesson = make_lesson(course)
    assert client.get(lesson.url).status_code == 302
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(course.url).status_code == 200
    assert client.get(lesson.url).status_code == 200


def test_a_lesson_page_costs_the_same_queries_whatever_the_number_of_lessons_and_cases(
    client, course, django_assert_num_queries
):
    lesson = make_lesson(course, body=every_block(make_case()))
    make_lesson(course, "另一课")
    client.get(lesson.url)  # warm the renditions
    clear_cache()  # measure the body rendered, not served from the fragment cache
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(lesson.url).status_code == 200
    expected = len(baseline)  # read now: a later request clears the connection's query log

    for number in range(8):
        make_lesson(course, f"加课{number}", case=make_case(f"案例{number}"))
    clear_cache()
    with django_assert_num_queries(expected):
        assert client.get(lesson.url).status_code == 200


def test_a_lesson_body_is_served_from_the_cache_until_it_or_a_case_changes(
    client, course, django_assert_max_num_queries
):
    case = make_case()
    lesson = make_lesson(course, body=every_block(case))
    client.get(lesson.url)
    with CaptureQueriesContext(connection) as rendered:
        client.get(lesson.url)
    cached = len(rendered)
    case.title = "改过的案例标题"
    case.save()
    response = client.get(lesson.url)
    assert "改过的案例标题" in response.text  # a case edit shows at once
    with django_assert_max_num_queries(cached):
        client.get(lesson.url)


def test_a_course_page_costs_the_same_queries_whatever_the_number_of_lessons(
    client, course, django_assert_num_queries
):
    lecturer = Lecturer.objects.create(name="王芳", photo=make_image())
    course.lecturers.add(lecturer)
    course.save_revision().publish()
    make_lesson(course)
    client.get(course.url)
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(course.url).status_code == 200
    expected = len(baseline)  # read now: a later request clears the connection's query log
    for number in range(6):
        make_lesson(course, f"加课{number}")
        other = Lecturer.objects.create(name=f"讲师{number}", photo=make_image())
        course.lecturers.add(other)
    course.save_revision().publish()
    client.get(course.url)  # new lecturer photos get their renditions once
    with django_assert_num_queries(expected):
        client.get(course.url)


def test_a_lesson_renders_text_blocks_given_as_rich_text(client, course):
    body = [
        ("case", {"case": make_case(), "discussion": ""}),
        ("text", RichText("<h2>第一节</h2><p>标题要包含<b>产地</b>。</p>")),
    ]
    text = client.get(make_lesson(course, body=body).url).text
    assert "<h2>第一节</h2>" in text and "<b>产地</b>" in text
    assert "Questions for discussion" not in text and "讨论" not in text


def test_more_cases_in_a_lesson_cost_no_more_queries(client, course, django_assert_num_queries):
    one_case = make_lesson(course, "一个案例")
    many = [("case", {"case": make_case(f"案例{n}"), "discussion": ""}) for n in range(6)]
    six_cases = make_lesson(course, "六个案例", body=many)
    # Both lessons have a neighbour on one side only, so they cost the same but for the cases.
    client.get(one_case.url)
    with CaptureQueriesContext(connection) as baseline:
        client.get(one_case.url)
    expected = len(baseline)
    client.get(six_cases.url)
    with django_assert_num_queries(expected):
        text = client.get(six_cases.url).text
    assert all(f"案例{n}" in text for n in range(6))

"""Build curriculum page trees for tests: index -> tier -> course -> lessons, and cases.

Pages are added with ``add_child`` and published with ``save_revision().publish()``, the way
an editor would, so the search index and reference index are filled by Wagtail's own signals.
"""

import io
from decimal import Decimal

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.rich_text import RichText

from courses_content.models import Case, CoursePage, CurriculumIndexPage, LessonPage, TierPage
from tests.factories import ensure_site


def publish(page):
    """Publish the page's current state as a new revision; returns the page."""
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def make_case(title="赣南脐橙拼多多助农店", **fields):
    """A case in the case library."""
    values = {
        "title": title,
        "platform": Case.Platform.PINDUODUO,
        "product_type": "脐橙",
        "background": "<p>合作社每年滞销脐橙三成。</p>",
        "actions": "<p>开设拼多多店铺，拍摄产地视频。</p>",
        "results": "<p>一季度售出 12,000 单，带动 35 户就业。</p>",
        "lessons_learned": "<p>产地直发、品质稳定是复购的关键。</p>",
        "source": "县商务局 2024 年案例汇编",
    }
    values.update(fields)
    return Case.objects.create(**values)


def curriculum_index():
    """The curriculum index under the home page, created once."""
    existing = CurriculumIndexPage.objects.first()
    if existing is not None:
        return existing
    home = ensure_site()
    index = home.add_child(
        instance=CurriculumIndexPage(
            title="培训课程", slug="curricula", intro="<p>三个培训层次</p>"
        )
    )
    return publish(index)


def make_tier(tier=TierPage.Tier.PRIMARY, title="初级培训", **fields):
    """A live tier page under the curriculum index."""
    values = {
        "title": title,
        "slug": tier,
        "tier": tier,
        "audience": "农业企业、合作社、农村电商从业人员",
        "aims": "<p>学会开设并经营网店。</p>",
        "who_may_enrol": "<p>16-45 岁，初中及以上学历，有一定电脑基础。</p>",
    }
    values.update(fields)
    page = curriculum_index().add_child(instance=TierPage(**values))
    return publish(page)


def make_course(tier, title="淘宝天猫基础实操", *, open_to_public=True, slug=None, **fields):
    """A live course page in ``tier``; open to the public unless told otherwise."""
    values = {
        "title": title,
        "slug": slug or f"course-{CoursePage.objects.count() + 1}",
        "summary": "从注册店铺到上架商品，手把手学会淘宝与天猫的基本操作。",
        "learning_outcomes": "<ul><li>能独立开设网店</li></ul>",
        "hours": Decimal("16"),
        "theory_hours": Decimal("6"),
        "practice_hours": Decimal("10"),
        "prerequisites": "会使用电脑和智能手机",
        "open_to_public": open_to_public,
    }
    values.update(fields)
    page = tier.add_child(instance=CoursePage(**values))
    return publish(page)


def lesson_body(case, *extra_blocks):
    """A lesson body: the case first, a paragraph of text, then any extra ``(type, value)``."""
    return [
        ("case", {"case": case, "discussion": "这家合作社为什么选择拼多多？"}),
        ("text", RichText("<p>本课讲解商品标题的写法。</p>")),
        *extra_blocks,
    ]


def make_lesson(course, title="商品标题优化", *, case=None, body=None, slug=None, **fields):
    """A live lesson in ``course`` taught through ``case`` (a new case unless given)."""
    if body is None:
        body = lesson_body(case or make_case())
    values = {
        "title": title,
        "slug": slug or f"lesson-{LessonPage.objects.count() + 1}",
        "kind": LessonPage.Kind.PRACTICE,
        "estimated_minutes": 45,
        "summary": "学会写出买家愿意点击的商品标题。",
        "body": body,
    }
    values.update(fields)
    page = course.add_child(instance=LessonPage(**values))
    return publish(page)


def make_image(title="脐橙", width=1600, height=1200, colour=(230, 140, 20)):
    """A Wagtail image drawn with Pillow (no downloads)."""
    from wagtail.images.models import Image

    ensure_site()  # the root collection, after a transactional test's flush
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return Image.objects.create(
        title=title, file=ImageFile(buffer, name="orange.jpg"), width=width, height=height
    )


def make_document(title="开店清单", name="checklist.pdf", content=b"%PDF-1.4\n% test\n"):
    """A Wagtail document holding ``content``."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    ensure_site()  # the root collection, after a transactional test's flush
    return Document.objects.create(title=title, file=ContentFile(content, name=name))

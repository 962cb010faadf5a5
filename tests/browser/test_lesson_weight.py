"""A lesson's first load on a phone stays light: at most 200 KB, images as renditions."""

import pytest

from tests.factories.curriculum import (
    lesson_body,
    make_case,
    make_course,
    make_image,
    make_lesson,
    make_tier,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET_BYTES = 200 * 1024


def test_first_load_of_a_lesson_is_under_200_kb_and_never_sends_originals(live_server, phone):
    photos = [make_image(f"产品图{n}", width=3000, height=2000) for n in range(3)]
    course = make_course(make_tier(), "网店美工与商品摄影基础", open_to_public=True)
    body = lesson_body(
        make_case(),
        *[
            ("image", {"image": photo, "alt_text": "商品主图", "decorative": False})
            for photo in photos
        ],
    )
    lesson = make_lesson(course, "商品主图拍摄", body=body)

    sizes = {}

    def count(response):
        if response.request.resource_type == "media":
            return
        try:
            sizes[response.url] = len(response.body())
        except Exception:  # redirects have no body
            sizes[response.url] = 0

    phone.on("response", count)
    phone.goto(f"{live_server.url}{lesson.url}")
    phone.wait_for_load_state("networkidle")
    phone.mouse.wheel(0, 20000)  # scroll so lazy images load too
    phone.wait_for_load_state("networkidle")

    total = sum(sizes.values())
    assert total <= BUDGET_BYTES, {url: size for url, size in sizes.items() if size > 10_000}
    image_urls = [url for url in sizes if "/media/" in url]
    assert image_urls, "the lesson's images were not loaded"
    assert all("/original_images/" not in url for url in image_urls)
    assert all(url.endswith(".webp") for url in image_urls)

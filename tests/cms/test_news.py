"""Programme news under the home page, and what the home page shows of it and of the courses."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from cms.models import HomePage, NewsPage
from courses_content.models import CurriculumIndexPage
from tests.factories import ensure_site
from tests.factories.curriculum import curriculum_index, make_course, make_tier, publish

pytestmark = pytest.mark.django_db


def make_news(title, date, **fields):
    home = ensure_site()
    page = home.add_child(
        instance=NewsPage(
            title=title,
            date=date,
            intro=fields.pop("intro", "报名已开始。"),
            body=fields.pop("body", "<p>详见各乡镇登记点。</p>"),
            **fields,
        )
    )
    return publish(page)


def test_news_pages_belong_under_the_home_page_only():
    assert NewsPage.allowed_parent_page_models() == [HomePage]
    assert NewsPage.allowed_subpage_models() == []
    assert NewsPage in HomePage.allowed_subpage_models()
    assert CurriculumIndexPage in HomePage.allowed_subpage_models()
    assert not NewsPage.can_create_at(curriculum_index())


def test_a_news_page_renders_its_date_intro_and_body(client):
    news = make_news(
        "第三期初级培训开始报名",
        datetime.date(2025, 3, 1),
        intro="名额 50 人。",
        body="<p>请携带身份证到村委会登记。</p>",
    )
    response = client.get(news.url)
    assert response.status_code == 200
    assert "第三期初级培训开始报名" in response.text
    assert "名额 50 人。" in response.text
    assert "请携带身份证到村委会登记" in response.text
    assert 'datetime="2025-03-01"' in response.text


def test_the_home_page_shows_the_three_latest_news(client):
    for day in range(1, 6):
        make_news(f"新闻{day}", datetime.date(2025, 4, day))
    draft = make_news("未发布新闻", datetime.date(2025, 5, 1))
    draft.unpublish()
    text = client.get("/").text
    assert "新闻5" in text and "新闻4" in text and "新闻3" in text
    assert "新闻2" not in text and "新闻1" not in text
    assert "未发布新闻" not in text
    assert text.index("新闻5") < text.index("新闻4") < text.index("新闻3")


def test_the_home_page_shows_up_to_six_open_courses_only(client):
    tier = make_tier()
    for number in range(7):
        make_course(tier, f"公开课{number}")
    make_course(tier, "内部课程", open_to_public=False)
    text = client.get("/").text
    assert sum(f"公开课{number}" in text for number in range(7)) == 6
    assert "内部课程" not in text
    assert f'href="{curriculum_index().url}"' in text
    assert 'href="/cases/"' in text
    assert 'action="/search/"' in text


def test_the_home_page_costs_the_same_queries_whatever_the_news_and_courses(
    client, django_assert_num_queries
):
    tier = make_tier()
    make_course(tier, "公开课")
    make_news("新闻", datetime.date(2025, 4, 1))
    client.get("/")
    with CaptureQueriesContext(connection) as baseline:
        client.get("/")
    expected = len(baseline)
    for number in range(6):
        make_course(tier, f"公开课{number}")
        make_news(f"新闻{number}", datetime.date(2025, 4, 2 + number))
    client.get("/")  # publishing refreshed the cached site; warm it again
    with django_assert_num_queries(expected):
        assert client.get("/").status_code == 200


def test_news_text_is_escaped(client):
    make_news("<script>x</script>", datetime.date(2025, 4, 1), intro="<b>粗</b>")
    text = client.get("/").text
    assert "<script>x</script>" not in text
    assert "&lt;b&gt;粗&lt;/b&gt;" in text
    assert Page.objects.type(NewsPage).count() == 1

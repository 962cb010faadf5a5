"""The public case library at /cases/: list, filters, pages of 20, detail and 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses_content.models import Case
from tests.factories.curriculum import make_case

pytestmark = pytest.mark.django_db


def test_anyone_may_browse_the_case_library(client):
    case = make_case("赣南脐橙拼多多助农店")
    response = client.get("/cases/")
    assert response.status_code == 200
    assert "赣南脐橙拼多多助农店" in response.text
    assert f'href="/cases/{case.pk}/"' in response.text
    assert "一季度售出 12,000 单" in response.text  # a taste of the results


def test_cases_filter_by_platform_and_product_type(client):
    make_case("拼多多脐橙", platform=Case.Platform.PINDUODUO, product_type="脐橙")
    make_case("抖音脐橙直播", platform=Case.Platform.DOUYIN, product_type="脐橙")
    make_case("抖音油茶", platform=Case.Platform.DOUYIN, product_type="油茶")

    text = client.get("/cases/", {"platform": "douyin"}).text
    assert "抖音脐橙直播" in text and "抖音油茶" in text and "拼多多脐橙" not in text

    text = client.get("/cases/", {"platform": "douyin", "product_type": "脐橙"}).text
    assert "抖音脐橙直播" in text and "抖音油茶" not in text and "拼多多脐橙" not in text
    assert '<option value="douyin" selected>' in text
    assert '<option value="脐橙" selected>' in text

    text = client.get("/cases/", {"product_type": "油茶"}).text
    assert "抖音油茶" in text and "抖音脐橙直播" not in text


def test_an_unknown_platform_is_ignored_rather_than_an_error(client):
    make_case("拼多多脐橙")
    response = client.get("/cases/", {"platform": "<script>", "page": "abc"})
    assert response.status_code == 200
    assert "拼多多脐橙" in response.text
    assert "<script>" not in response.text


def test_cases_come_twenty_a_page_and_filters_survive_paging(client):
    for number in range(45):
        make_case(f"案例第{number:02d}号", platform=Case.Platform.TAOBAO, product_type="茶叶")
    make_case("京东案例", platform=Case.Platform.JD)

    first = client.get("/cases/", {"platform": "taobao"}).text
    assert first.count('<li class="card">') == 20
    assert "京东案例" not in first
    assert "page=2" in first and "platform=taobao" in first

    third = client.get("/cases/", {"platform": "taobao", "page": 3}).text
    assert third.count('<li class="card">') == 5
    assert 'rel="next"' not in third and 'rel="prev"' in third

    beyond = client.get("/cases/", {"platform": "taobao", "page": 99})
    assert beyond.status_code == 200
    assert beyond.text.count('<li class="card">') == 5  # the last page


def test_a_case_page_shows_the_whole_case(client):
    case = make_case("赣南脐橙拼多多助农店", source="县商务局案例汇编")
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    for part in (
        "合作社每年滞销脐橙三成",
        "开设拼多多店铺",
        "带动 35 户就业",
        "产地直发",
        "县商务局案例汇编",
    ):
        assert part in response.text


def test_an_unknown_case_is_404(client):
    assert client.get("/cases/999999/").status_code == 404
    assert client.get("/cases/abc/").status_code == 404


def test_case_text_is_escaped_in_the_library(client):
    case = make_case('<img src=x onerror="alert(1)">', product_type="<b>茶</b>")
    for url in ("/cases/", f"/cases/{case.pk}/"):
        text = client.get(url).text
        assert "<img src=x" not in text
        assert "&lt;b&gt;茶&lt;/b&gt;" in text


def test_the_case_list_costs_the_same_queries_whatever_the_number_of_cases(
    client, django_assert_num_queries
):
    make_case("第一个案例")
    client.get("/cases/")
    with CaptureQueriesContext(connection) as baseline:
        client.get("/cases/", {"platform": "pinduoduo"})
    expected = len(baseline)
    for number in range(30):
        make_case(f"案例{number}", product_type=f"产品{number}")
    with django_assert_num_queries(expected):
        response = client.get("/cases/", {"platform": "pinduoduo"})
    assert response.text.count('<li class="card">') == 20

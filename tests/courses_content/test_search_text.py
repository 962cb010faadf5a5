import pytest

from courses_content.search import han_bigrams, to_index_text, to_query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("淘宝", "淘宝"),
        ("淘宝天猫", "淘宝 宝天 天猫"),
        ("店", "店"),
        ("Taobao 开店 guide", "Taobao 开店 guide"),
        ("京东JD商城", "京东 JD 商城"),
        ("", ""),
        (None, ""),
        ("  多  空格 ", "多 空格"),
    ],
)
def test_han_runs_become_bigrams(text, expected):
    assert to_index_text(text) == expected


def test_a_query_matches_the_index_of_a_longer_title():
    index = set(to_index_text("淘宝天猫基础实操").split())
    assert set(to_query("天猫基础").split()) <= index
    assert not set(to_query("拼多多").split()) <= index


def test_queries_are_bounded():
    assert len(to_query("电" * 1000)) < 400
    assert han_bigrams("好") == ["好"]

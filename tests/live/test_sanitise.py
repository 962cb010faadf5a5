"""``live.sanitise``: the fast path for plain text gives exactly what bleach gives."""

import random

from live.sanitise import _sanitise_with_bleach, sanitise

# Characters a chat body may hold, the awkward ones over-represented.
ALPHABET = (
    "你好网店开张了，。！？、（）《》：；“”元斤"
    "abcXYZ019 \n\t\r\x00\x01\x0b\x0c\x1f\x7f"
    "<>&\"'=/.:@#%~!$^*()_+-{}[]|\\;,?`"
    "\u2028\ufffe\ud800🍎"
)


def test_the_fast_path_agrees_with_bleach_on_random_text():
    rng = random.Random(2026)
    fast = 0
    for _ in range(5000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))
        assert sanitise(text) == _sanitise_with_bleach(text), repr(text)
        fast += sanitise(text) is text
    assert fast > 100  # the fast path was taken often enough to mean something


def test_typical_messages():
    assert sanitise("大家好，我的网店开张了！") == "大家好，我的网店开张了！"
    assert sanitise("<b>hi</b>") == "&lt;b&gt;hi&lt;/b&gt;"
    link = sanitise("看 https://shop.example.com 吧")
    assert 'href="https://shop.example.com"' in link and 'rel="nofollow noopener"' in link
    assert sanitise("javascript:alert(1)") == "javascript:alert(1)"
    assert sanitise("a\r\nb") == "a\nb"


# Pieces that make web addresses, near-addresses and numbers with dots and colons.
PIECES = (
    "shop",
    "example",
    "com",
    "cn",
    "org",
    "xn--fiqs8s",
    "http",
    "https",
    "ftp",
    "mailto",
    "://",
    ":",
    ".",
    "..",
    "/",
    "?a=1",
    "#",
    "8080",
    "12",
    "5",
    "0",
    "-",
    "_",
    " ",
    "\n",
    "元",
    "你好",
    "。",
    "www",
    "ſe",
    "Kk",
    "ı",
    "İo",
    "K",
    "ſ",
    "co",
    "a",
    "Z",
    "(",
    ")",
    "@",
    "shop.com",
    "a.cn",
    ".org",
    "x.ſe",
    "12.5",
    "9:30",
    "v1.0",
)


def test_the_fast_path_agrees_with_bleach_on_address_like_text():
    rng = random.Random(2027)
    fast_with_dot = linked = 0
    for _ in range(5000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 10)))
        expected = _sanitise_with_bleach(text)
        assert sanitise(text) == expected, repr(text)
        fast_with_dot += "." in text and sanitise(text) is text
        linked += "<a " in expected
    assert fast_with_dot > 100 and linked > 100  # both sides of the rule were exercised


def test_prices_and_times_take_the_fast_path_and_addresses_do_not():
    for text in ("苹果 12.5 元一斤", "明天 9:30 上课", "好的.", "v1.0", "3.14", "bench 0 1 7.25"):
        assert sanitise(text) is text
    for text in ("shop.example.com", "见 taobao.com", "A.CN", "x.ſe"):
        assert "<a " in sanitise(text), text

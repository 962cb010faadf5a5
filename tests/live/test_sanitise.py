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

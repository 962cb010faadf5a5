"""Message bodies: what a member typed, made safe to show as HTML.

Everything typed is escaped (no tag survives); web addresses are then made clickable with
``rel="nofollow noopener"`` and ``target="_blank"``. Nothing else is allowed. The page must
still insert the result as HTML only where it expects this sanitised body.
"""

import re

import bleach
from bleach.linkifier import Linker

ALLOWED_PROTOCOLS = ("http", "https")


def _link_attributes(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if not href.lower().startswith(tuple(f"{p}:" for p in ALLOWED_PROTOCOLS)):
        # bleach adds "http://" to bare domains; anything else (javascript:, data:) stays text.
        return None
    return {
        (None, "href"): href,
        (None, "rel"): "nofollow noopener",
        (None, "target"): "_blank",
        "_text": attrs.get("_text", href),
    }


_linker = Linker(callbacks=[_link_attributes], parse_email=False)


# Text bleach leaves exactly as it is: nothing to escape (<, >, &), no control character,
# carriage return or lone surrogate (which bleach rewrites), "@" kept out to stay clear of
# addresses, and no web address. Every address bleach links has a dot followed by the first
# letter of a top-level domain (``([\w-]+\.)+(?:com|cn|...)``), matched ignoring case, so
# besides ASCII letters also "İ", "ı", "ſ" and the Kelvin sign; a dot before anything else
# (a price "12.5", a time "9.30", a full stop at the end) cannot start one. Most chat messages
# are like this, and bleach's two html5lib passes cost most of a send's time.
_PLAIN = r"[^<>&.@\x00-\x08\x0b-\x1f\ud800-\udfff]"
_UNCHANGED = re.compile(rf"{_PLAIN}*(?:\.(?![A-Za-z\u0130\u0131\u017f\u212a]){_PLAIN}*)*\Z")


def sanitise(text):
    """The sanitised HTML body for ``text`` (plain text as typed)."""
    if _UNCHANGED.match(text):
        return text
    return _sanitise_with_bleach(text)


def _sanitise_with_bleach(text):
    escaped = bleach.clean(text, tags=set(), attributes={}, strip=False)
    return _linker.linkify(escaped)

"""Message bodies: what a member typed, made safe to show as HTML.

Everything typed is escaped (no tag survives); web addresses are then made clickable with
``rel="nofollow noopener"`` and ``target="_blank"``. Nothing else is allowed. The page must
still insert the result as HTML only where it expects this sanitised body.
"""

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


def sanitise(text):
    """The sanitised HTML body for ``text`` (plain text as typed)."""
    escaped = bleach.clean(text, tags=set(), attributes={}, strip=False)
    return _linker.linkify(escaped)

"""The rotating check-in code: how a scan proves the trainee was in the room.

The head teacher's screen shows a QR code that encodes
``/training/check-in/?s=<session id>&c=<code>``. The code is an HMAC (keyed from
``settings.SECRET_KEY`` by ``salted_hmac``, with a salt per session) of the session id and the
current *time step*: ``floor(unix time / CHECKIN_CODE_SECONDS)``. Nobody can compute a code
without the secret key, a code names one session only, and a code is accepted only in its own
step and the next one, so a photo of the code sent out of the room stops working within one or
two steps. Check-in is open from ``CHECKIN_OPENS_MINUTES_BEFORE`` before the start to the end.

Everything here is pure (no database), so it is tested exhaustively with a fixed clock.
"""

import datetime
import enum
import math

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

CODE_LENGTH = 16  # hex digits: 64 bits, still a small QR code
# How far back a code is still recognised as "expired" rather than "not valid".
RECOGNISE_EXPIRED_FOR = datetime.timedelta(hours=12)


def code_seconds():
    """Seconds each code is shown for (``settings.CHECKIN_CODE_SECONDS``, default 30)."""
    return max(5, int(getattr(settings, "CHECKIN_CODE_SECONDS", 30)))


def late_after_minutes():
    """A check-in more than this many minutes after the start is late (default 10)."""
    return int(getattr(settings, "CHECKIN_LATE_MINUTES", 10))


def opens_minutes_before():
    """Check-in opens this many minutes before the start (default 30)."""
    return int(getattr(settings, "CHECKIN_OPENS_MINUTES_BEFORE", 30))


def time_step(at=None):
    """The number of the code interval that ``at`` (default now) falls in."""
    at = at or timezone.now()
    return math.floor(at.timestamp() / code_seconds())


def seconds_left(at=None):
    """Whole seconds until the code shown at ``at`` is replaced (at least 1)."""
    at = at or timezone.now()
    period = code_seconds()
    return max(1, math.ceil((time_step(at) + 1) * period - at.timestamp()))


def code_for(session_id, step):
    """The check-in code of session ``session_id`` in time step ``step``."""
    digest = salted_hmac(
        f"lms.attendance.check-in:{int(session_id)}",
        f"{int(session_id)}:{int(step)}",
        algorithm="sha256",
    ).hexdigest()
    return digest[:CODE_LENGTH]


def current_code(session_id, at=None):
    return code_for(session_id, time_step(at))


class CodeCheck(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def verify_code(session_id, code, at=None):
    """Whether ``code`` is a valid code of ``session_id`` at ``at`` (default now).

    The code of the current step and of the previous one are accepted (a scan just as the
    screen changes still works). An older code of this session is ``EXPIRED`` (recognised for
    up to 12 hours, so the message can say so); anything else, including another session's
    code, is ``INVALID``.
    """
    code = (code or "").strip().lower()
    if len(code) != CODE_LENGTH:
        return CodeCheck.INVALID
    step = time_step(at)
    for candidate in (step, step - 1):
        if constant_time_compare(code, code_for(session_id, candidate)):
            return CodeCheck.VALID
    oldest = step - math.ceil(RECOGNISE_EXPIRED_FOR.total_seconds() / code_seconds())
    for candidate in range(step - 2, oldest - 1, -1):
        if constant_time_compare(code, code_for(session_id, candidate)):
            return CodeCheck.EXPIRED
    return CodeCheck.INVALID


def window(session):
    """``(opens, closes)``: the aware datetimes between which check-in is open."""
    return (
        session.starts() - datetime.timedelta(minutes=opens_minutes_before()),
        session.ends(),
    )


def window_state(session, at=None):
    """``"before"``, ``"open"`` or ``"closed"`` at ``at`` (default now)."""
    at = at or timezone.now()
    opens, closes = window(session)
    if at < opens:
        return "before"
    if at > closes:
        return "closed"
    return "open"


def status_at(session, at):
    """``"present"``, or ``"late"`` when ``at`` is more than the late threshold after the
    start."""
    if at > session.starts() + datetime.timedelta(minutes=late_after_minutes()):
        return "late"
    return "present"

"""The rotating check-in code and the check-in window: pure functions, a fixed clock."""

import datetime
from types import SimpleNamespace

import pytest

from lms.attendance import checkin
from lms.attendance.checkin import CodeCheck

from .conftest import MONDAY, at

NOON = at(MONDAY, 12)


def fake_session(start=(9, 0), end=(11, 30), day=MONDAY):
    starts = at(day, *start)
    ends = at(day, *end)
    return SimpleNamespace(starts=lambda: starts, ends=lambda: ends)


def test_a_code_is_a_hex_string_stable_within_its_step():
    code = checkin.current_code(7, NOON)
    assert len(code) == checkin.CODE_LENGTH
    int(code, 16)
    assert checkin.current_code(7, NOON + datetime.timedelta(seconds=29)) == code
    assert checkin.current_code(7, NOON + datetime.timedelta(seconds=30)) != code


def test_codes_differ_per_session_and_per_step():
    step = checkin.time_step(NOON)
    assert checkin.code_for(7, step) != checkin.code_for(8, step)
    assert checkin.code_for(7, step) != checkin.code_for(7, step + 1)


def test_the_code_depends_on_the_secret_key(settings):
    code = checkin.current_code(7, NOON)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdefgh"
    assert checkin.current_code(7, NOON) != code


def test_the_current_and_the_previous_step_are_accepted():
    code = checkin.current_code(7, NOON)
    assert checkin.verify_code(7, code, NOON) == CodeCheck.VALID
    assert checkin.verify_code(7, code, NOON + datetime.timedelta(seconds=59)) == CodeCheck.VALID


def test_an_older_code_has_expired():
    code = checkin.current_code(7, NOON)
    assert checkin.verify_code(7, code, NOON + datetime.timedelta(seconds=60)) == CodeCheck.EXPIRED
    assert checkin.verify_code(7, code, NOON + datetime.timedelta(hours=3)) == CodeCheck.EXPIRED


def test_a_future_code_is_not_accepted():
    future = checkin.code_for(7, checkin.time_step(NOON) + 1)
    assert checkin.verify_code(7, future, NOON) == CodeCheck.INVALID


def test_another_sessions_code_and_forged_codes_are_invalid():
    assert checkin.verify_code(7, checkin.current_code(8, NOON), NOON) == CodeCheck.INVALID
    assert checkin.verify_code(7, "0" * checkin.CODE_LENGTH, NOON) == CodeCheck.INVALID
    assert checkin.verify_code(7, "", NOON) == CodeCheck.INVALID
    assert checkin.verify_code(7, None, NOON) == CodeCheck.INVALID
    assert checkin.verify_code(7, checkin.current_code(7, NOON)[:-1], NOON) == CodeCheck.INVALID


def test_codes_are_case_and_space_insensitive():
    code = checkin.current_code(7, NOON)
    assert checkin.verify_code(7, f" {code.upper()} ", NOON) == CodeCheck.VALID


def test_the_interval_comes_from_settings(settings):
    settings.CHECKIN_CODE_SECONDS = 60
    code = checkin.current_code(7, NOON)
    assert checkin.current_code(7, NOON + datetime.timedelta(seconds=59)) == code
    assert checkin.verify_code(7, code, NOON + datetime.timedelta(seconds=119)) == CodeCheck.VALID
    assert checkin.verify_code(7, code, NOON + datetime.timedelta(seconds=120)) == CodeCheck.EXPIRED


def test_seconds_left_counts_down_to_the_next_code():
    assert checkin.seconds_left(NOON) == 30
    assert checkin.seconds_left(NOON + datetime.timedelta(seconds=10)) == 20
    assert checkin.seconds_left(NOON + datetime.timedelta(seconds=29, milliseconds=500)) == 1


@pytest.mark.parametrize(
    ("hour", "minute", "state"),
    [
        (8, 29, "before"),
        (8, 30, "open"),
        (9, 0, "open"),
        (11, 30, "open"),
        (11, 31, "closed"),
    ],
)
def test_the_window_opens_30_minutes_before_and_closes_at_the_end(hour, minute, state):
    assert checkin.window_state(fake_session(), at(MONDAY, hour, minute)) == state


def test_the_window_comes_from_settings(settings):
    settings.CHECKIN_OPENS_MINUTES_BEFORE = 10
    assert checkin.window_state(fake_session(), at(MONDAY, 8, 45)) == "before"
    assert checkin.window_state(fake_session(), at(MONDAY, 8, 50)) == "open"


def test_late_after_the_threshold(settings):
    session = fake_session()
    assert checkin.status_at(session, at(MONDAY, 8, 40)) == "present"
    assert checkin.status_at(session, at(MONDAY, 9, 10)) == "present"
    assert checkin.status_at(session, at(MONDAY, 9, 10, 1)) == "late"
    settings.CHECKIN_LATE_MINUTES = 5
    assert checkin.status_at(session, at(MONDAY, 9, 6)) == "late"

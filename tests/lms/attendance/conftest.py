"""A class running on Monday 9 March 2026 with two sessions that day and one on Tuesday, its
head teacher, an enrolled trainee with an account, and a clock the tests move."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from lms.accounts.actions import do_issue_api_token

# Chromium and the live server, for the one browser test of the check-in code page.
from tests.browser.conftest import browser, live_server  # noqa: F401
from tests.factories.training import make_class, make_enrolment, make_session

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 9)
TUESDAY = MONDAY + datetime.timedelta(days=1)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)


def at(day, hour, minute=0, second=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=SHANGHAI)


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}"}


@pytest.fixture
def clock(time_machine):
    """Monday 9 March 2026, 08:00 in the county, before the first session; frozen."""
    time_machine.move_to(at(MONDAY, 8), tick=False)
    return time_machine


@pytest.fixture
def head_teacher(make_user):
    return make_user("head_teacher", username="banzhuren")


@pytest.fixture
def training_class(db, clock, head_teacher):
    return make_class(head_teacher=head_teacher, start_date=MONDAY)


@pytest.fixture
def morning(training_class):
    """Monday 09:00-11:30, theory."""
    return make_session(
        training_class,
        date=MONDAY,
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(11, 30),
        title="网店开设",
    )


@pytest.fixture
def afternoon(training_class):
    """Monday 14:00-17:00, practice."""
    return make_session(
        training_class,
        date=MONDAY,
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(17, 0),
        kind="practice",
        title="直播带货实操",
    )


@pytest.fixture
def tuesday(training_class):
    """Tuesday 09:00-11:30."""
    return make_session(
        training_class,
        date=TUESDAY,
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(11, 30),
        title="农产品网店运营",
    )


@pytest.fixture
def enrolment(training_class):
    return make_enrolment(training_class, user=True)


@pytest.fixture
def trainee(enrolment):
    return enrolment.profile.user


@pytest.fixture
def other_class(clock, make_user):
    """Another class on the same days with its own head teacher, session and trainee."""
    other_head = make_user("head_teacher", username="other_head")
    cls = make_class(head_teacher=other_head, start_date=MONDAY)
    session = make_session(cls, date=MONDAY, title="别班课次")
    enrolment = make_enrolment(cls, user=True)
    return SimpleNamespace(
        training_class=cls,
        head_teacher=other_head,
        session=session,
        enrolment=enrolment,
        trainee=enrolment.profile.user,
    )


@pytest.fixture
def people(make_user, head_teacher, trainee, other_class, training_class):
    """Everyone in the permission matrix, by name (``anonymous`` is None)."""
    from tests.factories.training import make_lecturer

    lecturer_user = make_user("lecturer", username="jiangshi")
    lecturer = make_lecturer(user=lecturer_user)
    training_class.lecturers.add(lecturer)
    return {
        "trainee": trainee,
        "other_trainee": other_class.trainee,
        "head_teacher": head_teacher,
        "other_head_teacher": other_class.head_teacher,
        "administrator": make_user("administrator", username="guanliyuan"),
        "lecturer": lecturer_user,
        "anonymous": None,
    }

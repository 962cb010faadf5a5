"""The site pages: marking, the check-in code, the overview and leave; who may open them
(the same 404 for everyone else) and a fixed number of queries whatever the class size."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lms.attendance import actions, checkin
from lms.attendance.models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from tests.factories.training import make_enrolment

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def login(client, user):
    """Sign ``user`` in; pages answer in English so messages can be compared as written."""
    client.cookies["lms_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- Marking -----------------------------------------------------------------------------------


def mark_url(session):
    return f"/training/sessions/{session.pk}/attendance/"


def test_the_marking_page_lists_the_roster(clock, client, morning, enrolment, head_teacher):
    classmate = make_enrolment(morning.training_class)
    make_enrolment(morning.training_class, status="withdrawn")
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    response = login(client, head_teacher).get(mark_url(morning))
    assert response.status_code == 200
    html = response.text
    assert 'id="attendance-form"' in html
    assert html.count('class="att-roster-row') == 2
    for e in (enrolment, classmate):
        assert e.profile.real_name in html
        assert f'name="status-{e.pk}"' in html
        assert f'name="reason-{e.pk}"' in html


def test_saving_marks_from_the_page(clock, client, morning, enrolment, head_teacher):
    classmate = make_enrolment(morning.training_class)
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    response = login(client, head_teacher).post(
        mark_url(morning),
        {f"status-{enrolment.pk}": "present", f"status-{classmate.pk}": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == mark_url(morning)
    assert dict(AttendanceRecord.objects.values_list("enrolment_id", "status")) == {
        enrolment.pk: "present"
    }
    # The saved mark is chosen on the page now.
    html = client.get(mark_url(morning)).text
    assert re.search(rf'name="status-{enrolment.pk}" value="present"[^>]*checked', html)


def test_a_correction_without_a_reason_shows_the_form_again(
    clock, client, morning, enrolment, head_teacher
):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    actions.check_mark_attendance(
        morning, [actions.Mark(enrolment.pk, "absent")], acting_user=head_teacher
    )
    login(client, head_teacher)
    with translation.override("en"):
        response = client.post(
            mark_url(morning), {f"status-{enrolment.pk}": "late"}, headers={"accept-language": "en"}
        )
    assert response.status_code == 400
    assert "give the reason for the change" in response.text
    assert AttendanceRecord.objects.get().status == "absent"
    response = client.post(
        mark_url(morning), {f"status-{enrolment.pk}": "late", f"reason-{enrolment.pk}": "迟到"}
    )
    assert response.status_code == 302
    assert AttendanceCorrection.objects.get().reason == "迟到"


def test_a_made_up_status_is_bad_input(clock, client, morning, enrolment, head_teacher):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    response = login(client, head_teacher).post(
        mark_url(morning), {f"status-{enrolment.pk}": "asleep"}
    )
    assert response.status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_before_the_sessions_day_the_page_says_so(clock, client, tuesday, enrolment, head_teacher):
    login(client, head_teacher)
    response = client.get(mark_url(tuesday))
    assert response.status_code == 200
    assert 'id="marking-closed"' in response.text
    assert 'id="save-attendance"' not in response.text
    response = client.post(mark_url(tuesday), {f"status-{enrolment.pk}": "present"})
    assert response.status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_the_marking_page_costs_the_same_for_3_or_10_trainees(
    clock, client, morning, head_teacher, django_assert_num_queries
):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    cls = morning.training_class
    enrolments = [make_enrolment(cls) for _ in range(3)]
    actions.check_mark_attendance(
        morning, [actions.Mark(e.pk, "present") for e in enrolments], acting_user=head_teacher
    )
    login(client, head_teacher)
    three = count_queries(client, mark_url(morning))
    more = [make_enrolment(cls) for _ in range(7)]
    actions.check_mark_attendance(
        morning, [actions.Mark(e.pk, "late") for e in more], acting_user=head_teacher
    )
    with django_assert_num_queries(three):
        assert client.get(mark_url(morning)).status_code == 200


# --- The check-in code --------------------------------------------------------------------------


def code_url(session):
    return f"/training/sessions/{session.pk}/check-in-code/"


def test_the_code_page_shows_the_current_code(clock, client, morning, enrolment, head_teacher):
    clock.move_to(at(MONDAY, 8, 50), tick=False)
    response = login(client, head_teacher).get(code_url(morning))
    assert response.status_code == 200
    html = response.text
    assert 'src="data:image/svg+xml' in html
    expected = f"http://testserver/training/check-in/?s={morning.pk}&amp;c={checkin.current_code(morning.pk)}"
    assert f'data-url="{expected}"' in html
    assert "js/attendance-check-in-code.js" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_code_page_before_the_window(clock, client, morning, head_teacher):
    clock.move_to(at(MONDAY, 8), tick=False)
    html = login(client, head_teacher).get(code_url(morning)).text
    assert 'class="att-qr" hidden' in html
    assert "data:image/svg+xml" not in html


def test_the_code_json_refreshes_the_page(clock, client, morning, enrolment, trainee, head_teacher):
    make_enrolment(morning.training_class)
    clock.move_to(at(MONDAY, 8, 55, 10), tick=False)
    actions.check_check_in(morning, checkin.current_code(morning.pk), acting_user=trainee)
    login(client, head_teacher)
    body = client.get(f"/training/sessions/{morning.pk}/check-in-code.json").json()
    assert body["open"] is True
    assert body["state"] == "open"
    assert body["image"].startswith("data:image/svg+xml")
    assert body["url"].endswith(f"?s={morning.pk}&c={checkin.current_code(morning.pk)}")
    assert body["seconds_left"] == 20
    assert (body["checked_in"], body["enrolled"]) == (1, 2)
    clock.move_to(at(MONDAY, 11, 31), tick=False)
    body = client.get(f"/training/sessions/{morning.pk}/check-in-code.json").json()
    assert (body["open"], body["state"], body["image"], body["url"]) == (
        False,
        "closed",
        None,
        None,
    )


def test_the_code_scanned_from_the_page_checks_in(clock, client, morning, trainee, head_teacher):
    clock.move_to(at(MONDAY, 9), tick=False)
    body = (
        login(client, head_teacher)
        .get(f"/training/sessions/{morning.pk}/check-in-code.json")
        .json()
    )
    scanned = body["url"].removeprefix("http://testserver")
    client.force_login(trainee)
    assert client.get(scanned).status_code == 200
    code = scanned.rsplit("c=", 1)[1]
    assert client.post("/training/check-in/", {"s": morning.pk, "c": code}).status_code == 302
    assert AttendanceRecord.objects.get().source == "check_in"


# --- The overview --------------------------------------------------------------------------------


def overview_url(training_class):
    return f"/training/classes/{training_class.pk}/attendance/"


def test_the_overview_shows_the_grid_and_rates(
    clock, client, training_class, morning, afternoon, enrolment, head_teacher
):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    actions.check_mark_attendance(
        morning, [actions.Mark(enrolment.pk, "late")], acting_user=head_teacher
    )
    clock.move_to(at(MONDAY, 18), tick=False)
    html = login(client, head_teacher).get(overview_url(training_class)).text
    assert 'id="attendance-grid"' in html
    assert enrolment.profile.real_name in html
    assert "50.0%" in html  # late in the morning, no mark in the afternoon
    assert mark_url(morning) in html and mark_url(afternoon) in html


def test_the_overview_costs_the_same_for_3_or_10_trainees(
    clock, client, training_class, morning, afternoon, head_teacher, django_assert_num_queries
):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    first = [make_enrolment(training_class) for _ in range(3)]
    actions.check_mark_attendance(
        morning, [actions.Mark(e.pk, "present") for e in first], acting_user=head_teacher
    )
    login(client, head_teacher)
    three = count_queries(client, overview_url(training_class))
    more = [make_enrolment(training_class) for _ in range(7)]
    actions.check_mark_attendance(
        morning, [actions.Mark(e.pk, "absent") for e in more], acting_user=head_teacher
    )
    with django_assert_num_queries(three):
        assert client.get(overview_url(training_class)).status_code == 200


# --- Leave pages ---------------------------------------------------------------------------------


def leave_url(training_class):
    return f"/training/classes/{training_class.pk}/leave/"


def test_asking_for_leave_on_the_site(clock, client, training_class, morning, afternoon, trainee):
    clock.move_to(at(MONDAY, 10), tick=False)
    login(client, trainee)
    html = client.get(leave_url(training_class)).text
    assert 'id="ask-for-leave"' in html
    response = client.get(f"{leave_url(training_class)}new/")
    assert response.status_code == 200
    assert 'id="leave-request-form"' in response.text
    assert afternoon.title in response.text
    assert morning.title not in response.text  # already started
    response = client.post(
        f"{leave_url(training_class)}new/", {"sessions": [afternoon.pk], "reason": "孩子生病"}
    )
    assert response.status_code == 302
    assert response["Location"] == leave_url(training_class)
    leave = LeaveRequest.objects.get()
    assert list(leave.sessions.all()) == [afternoon]
    html = client.get(leave_url(training_class)).text
    assert f'id="leave-{leave.pk}"' in html
    assert "孩子生病" in html


def test_leave_for_a_started_session_is_refused_on_the_site(
    clock, client, training_class, morning, trainee
):
    clock.move_to(at(MONDAY, 10), tick=False)
    login(client, trainee)
    with translation.override("en"):
        response = client.post(
            f"{leave_url(training_class)}new/",
            {"sessions": [morning.pk], "reason": "晚到"},
            headers={"accept-language": "en"},
        )
    assert response.status_code == 400
    assert "have not started yet" in response.text
    assert not LeaveRequest.objects.exists()


def test_leave_needs_sessions_and_a_reason_on_the_site(
    clock, client, training_class, afternoon, trainee
):
    login(client, trainee)
    response = client.post(f"{leave_url(training_class)}new/", {"reason": "有事"})
    assert response.status_code == 400
    response = client.post(f"{leave_url(training_class)}new/", {"sessions": [afternoon.pk]})
    assert response.status_code == 400
    assert not LeaveRequest.objects.exists()


def test_cancelling_on_the_site(clock, client, training_class, afternoon, enrolment, trainee):
    leave = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="有事", acting_user=trainee
    )
    login(client, trainee)
    response = client.post(f"/training/leave/{leave.pk}/cancel/")
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.status == "cancelled"
    # A second press only says it is no longer pending.
    assert client.post(f"/training/leave/{leave.pk}/cancel/").status_code == 302
    assert client.get(f"/training/leave/{leave.pk}/cancel/").status_code == 405


def requests_url(training_class):
    return f"/training/classes/{training_class.pk}/leave/requests/"


def test_the_head_teacher_approves_on_the_site(
    clock, client, training_class, afternoon, enrolment, trainee, head_teacher
):
    leave = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="有事", acting_user=trainee
    )
    login(client, head_teacher)
    html = client.get(requests_url(training_class)).text
    assert f'id="leave-{leave.pk}"' in html
    assert f'action="/training/leave/{leave.pk}/decision/"' in html
    response = client.post(
        f"/training/leave/{leave.pk}/decision/", {f"leave-{leave.pk}-decision": "approve"}
    )
    assert response.status_code == 302
    assert response["Location"] == requests_url(training_class)
    assert AttendanceRecord.objects.get().status == "on_leave"


def test_a_rejection_without_a_comment_shows_the_form_again(
    clock, client, training_class, afternoon, enrolment, trainee, head_teacher
):
    leave = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="有事", acting_user=trainee
    )
    login(client, head_teacher)
    with translation.override("en"):
        response = client.post(
            f"/training/leave/{leave.pk}/decision/",
            {f"leave-{leave.pk}-decision": "reject", f"leave-{leave.pk}-comment": ""},
            headers={"accept-language": "en"},
        )
    assert response.status_code == 400
    assert "Give the reason for rejecting this request." in response.text
    leave.refresh_from_db()
    assert leave.status == "pending"
    response = client.post(
        f"/training/leave/{leave.pk}/decision/",
        {f"leave-{leave.pk}-decision": "reject", f"leave-{leave.pk}-comment": "考试周"},
    )
    assert response.status_code == 302
    leave.refresh_from_db()
    assert (leave.status, leave.decision_comment) == ("rejected", "考试周")


def test_the_requests_page_costs_the_same_for_few_or_many(
    clock, client, training_class, afternoon, tuesday, head_teacher, django_assert_num_queries
):
    def add_requests(n):
        for _ in range(n):
            e = make_enrolment(training_class, user=True)
            actions.check_request_leave(
                e, [afternoon.pk, tuesday.pk], reason="有事", acting_user=e.profile.user
            )

    add_requests(2)
    login(client, head_teacher)
    few = count_queries(client, requests_url(training_class))
    add_requests(6)
    decided = LeaveRequest.objects.first()
    actions.check_decide_leave(decided, approve=False, comment="不行", acting_user=head_teacher)
    with django_assert_num_queries(few):
        assert client.get(requests_url(training_class)).status_code == 200


# --- Who may open what ---------------------------------------------------------------------------

HEAD_TEACHER_PAGES = ["mark", "code", "code_json", "overview", "requests"]
ALLOWED = {
    "mark": {"head_teacher", "administrator"},
    "code": {"head_teacher", "administrator"},
    "code_json": {"head_teacher", "administrator"},
    "overview": {"head_teacher", "administrator"},
    "requests": {"head_teacher", "administrator"},
    "my_leave": {"trainee"},
    "new_leave": {"trainee"},
}


def page_url(page, training_class, session):
    return {
        "mark": mark_url(session),
        "code": code_url(session),
        "code_json": f"/training/sessions/{session.pk}/check-in-code.json",
        "overview": overview_url(training_class),
        "requests": requests_url(training_class),
        "my_leave": leave_url(training_class),
        "new_leave": f"{leave_url(training_class)}new/",
    }[page]


def unknown_url(page):
    return page_url(
        page,
        type("Unknown", (), {"pk": 999999})(),
        type("Unknown", (), {"pk": 999999})(),
    )


@pytest.mark.parametrize("page", list(ALLOWED))
@pytest.mark.parametrize(
    "who",
    [
        "trainee",
        "other_trainee",
        "head_teacher",
        "other_head_teacher",
        "administrator",
        "lecturer",
        "anonymous",
    ],
)
def test_the_permission_matrix_of_pages(clock, client, training_class, morning, people, page, who):
    clock.move_to(at(MONDAY, 9), tick=False)
    login(client, people[who])
    response = client.get(page_url(page, training_class, morning))
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif who in ALLOWED[page]:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert client.get(unknown_url(page)).status_code == 404


STATE_CHANGES = ["mark", "request_leave", "cancel_leave", "decide_leave"]


@pytest.mark.parametrize("change", STATE_CHANGES)
@pytest.mark.parametrize(
    "who",
    [
        "trainee",
        "other_trainee",
        "head_teacher",
        "other_head_teacher",
        "administrator",
        "lecturer",
        "anonymous",
    ],
)
def test_the_permission_matrix_of_changes(
    clock,
    client,
    training_class,
    morning,
    afternoon,
    tuesday,
    enrolment,
    trainee,
    people,
    change,
    who,
):
    clock.move_to(at(MONDAY, 9), tick=False)
    leave = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="有事", acting_user=trainee
    )
    url, data = {
        "mark": (mark_url(morning), {f"status-{enrolment.pk}": "present"}),
        "request_leave": (
            f"{leave_url(training_class)}new/",
            {"sessions": [tuesday.pk], "reason": "周二也有事"},
        ),
        "cancel_leave": (f"/training/leave/{leave.pk}/cancel/", {}),
        "decide_leave": (
            f"/training/leave/{leave.pk}/decision/",
            {f"leave-{leave.pk}-decision": "approve"},
        ),
    }[change]
    allowed = {
        "mark": {"head_teacher", "administrator"},
        "request_leave": {"trainee"},
        "cancel_leave": {"trainee"},
        "decide_leave": {"head_teacher", "administrator"},
    }[change]
    before = (
        AttendanceRecord.objects.count(),
        list(LeaveRequest.objects.values_list("pk", "status")),
    )
    login(client, people[who])
    response = client.post(url, data)
    after = (
        AttendanceRecord.objects.count(),
        list(LeaveRequest.objects.values_list("pk", "status")),
    )
    if who in allowed:
        assert response.status_code == 302
        assert after != before
    else:
        assert response.status_code == (302 if who == "anonymous" else 404)
        if who == "anonymous":
            assert response["Location"].startswith("/accounts/login/")
        assert after == before

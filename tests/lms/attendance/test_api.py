"""The attendance API: the same actions and messages as the site, the same 404 for unknown
and other people's ids, 401 for nobody."""

import pytest
from django.utils import translation

from lms.attendance import actions, checkin
from lms.attendance.models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from tests.factories.training import make_enrolment

from .conftest import MONDAY, at, bearer

pytestmark = pytest.mark.django_db


def api(client, method, url, user=None, json=None):
    headers = bearer(user) if user is not None else {}
    headers["accept-language"] = "en"
    with translation.override("en"):
        return getattr(client, method)(
            f"/api/v1{url}", data=json, content_type="application/json", headers=headers
        )


# --- Check-in ------------------------------------------------------------------------------------


def test_checking_in(clock, client, morning, enrolment, trainee):
    clock.move_to(at(MONDAY, 9, 12), tick=False)
    response = api(
        client,
        "post",
        "/check-in",
        trainee,
        {"session": morning.pk, "code": checkin.current_code(morning.pk)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "session": morning.pk,
        "enrolment": enrolment.pk,
        "status": "late",
        "status_label": "Late",
        "source": "check_in",
        "checked_in_at": "2026-03-09T01:12:00Z",  # 09:12 in the county
    }


@pytest.mark.parametrize(
    ("code_at", "now", "expected"),
    [
        ((8, 0), (8, 0), "not_open"),
        ((11, 30), (11, 31), "closed"),
        ((9, 0), (9, 1), "expired"),
    ],
)
def test_check_in_errors_have_codes(clock, client, morning, trainee, code_at, now, expected):
    clock.move_to(at(MONDAY, *code_at), tick=False)
    code = checkin.current_code(morning.pk)
    clock.move_to(at(MONDAY, *now), tick=False)
    response = api(client, "post", "/check-in", trainee, {"session": morning.pk, "code": code})
    assert response.status_code == 400
    assert response.json()["code"] == expected
    assert not AttendanceRecord.objects.exists()


def test_a_second_check_in_by_api(clock, client, morning, trainee):
    clock.move_to(at(MONDAY, 8, 40), tick=False)
    payload = {"session": morning.pk, "code": checkin.current_code(morning.pk)}
    assert api(client, "post", "/check-in", trainee, payload).status_code == 201
    response = api(client, "post", "/check-in", trainee, payload)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "You already checked in at 08:40.",
        "code": "already_checked_in",
        "errors": None,
    }


def test_check_in_for_strangers_and_unknown_sessions_is_404(
    clock, client, morning, people, other_class
):
    clock.move_to(at(MONDAY, 9), tick=False)
    payload = {"session": morning.pk, "code": checkin.current_code(morning.pk)}
    for who in ("other_trainee", "head_teacher", "administrator", "lecturer"):
        response = api(client, "post", "/check-in", people[who], payload)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    unknown = api(client, "post", "/check-in", people["trainee"], {"session": 999999, "code": "x"})
    assert unknown.status_code == 404
    assert api(client, "post", "/check-in", None, payload).status_code == 401
    assert not AttendanceRecord.objects.exists()


# --- My attendance -----------------------------------------------------------------------------


def test_my_attendance(clock, client, training_class, morning, afternoon, enrolment, trainee):
    clock.move_to(at(MONDAY, 8, 45), tick=False)
    actions.check_check_in(morning, checkin.current_code(morning.pk), acting_user=trainee)
    clock.move_to(at(MONDAY, 17, 30), tick=False)
    body = api(client, "get", f"/classes/{training_class.pk}/my-attendance", trainee).json()
    assert body["class"]["id"] == training_class.pk
    assert body["summary"] == {
        "sessions_ended": 2,
        "present": 1,
        "late": 0,
        "absent": 1,
        "on_leave": 0,
        "rate": 0.5,
    }
    assert [(s["id"], s["ended"], s["status"]) for s in body["sessions"]] == [
        (morning.pk, True, "present"),
        (afternoon.pk, True, None),
    ]
    assert body["sessions"][0]["checked_in_at"] == "2026-03-09T00:45:00Z"


@pytest.mark.parametrize(
    "who", ["other_trainee", "head_teacher", "administrator", "lecturer", "other_head_teacher"]
)
def test_my_attendance_is_for_trainees_of_the_class(clock, client, training_class, people, who):
    assert (
        api(client, "get", f"/classes/{training_class.pk}/my-attendance", people[who]).status_code
        == 404
    )


# --- Leave ---------------------------------------------------------------------------------------


def test_asking_for_leave_and_cancelling(
    clock, client, training_class, afternoon, tuesday, trainee
):
    url = f"/classes/{training_class.pk}/leave-requests"
    response = api(
        client, "post", url, trainee, {"sessions": [afternoon.pk, tuesday.pk], "reason": "家中有事"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["reason"], body["class_id"]) == (
        "pending",
        "家中有事",
        training_class.pk,
    )
    assert [s["id"] for s in body["sessions"]] == [afternoon.pk, tuesday.pk]

    again = api(client, "post", url, trainee, {"sessions": [tuesday.pk], "reason": "再请"})
    assert again.status_code == 400
    assert again.json()["code"] == "overlap"
    assert list(again.json()["errors"]) == ["sessions"]

    listed = api(client, "get", url, trainee).json()
    assert [leave["id"] for leave in listed] == [body["id"]]

    cancelled = api(client, "post", f"/leave-requests/{body['id']}/cancel", trainee)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    twice = api(client, "post", f"/leave-requests/{body['id']}/cancel", trainee)
    assert (twice.status_code, twice.json()["code"]) == (400, "not_pending")


def test_leave_for_a_started_session_by_api(clock, client, training_class, morning, trainee):
    clock.move_to(at(MONDAY, 9, 1), tick=False)
    response = api(
        client,
        "post",
        f"/classes/{training_class.pk}/leave-requests",
        trainee,
        {"sessions": [morning.pk], "reason": "晚到"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "started"
    assert "have not started yet" in response.json()["detail"]


def test_a_trainee_sees_only_their_own_requests(
    clock, client, training_class, afternoon, enrolment, trainee
):
    classmate = make_enrolment(training_class, user=True)
    actions.check_request_leave(
        classmate, [afternoon.pk], reason="有事", acting_user=classmate.profile.user
    )
    mine = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="也有事", acting_user=trainee
    )
    listed = api(client, "get", f"/classes/{training_class.pk}/leave-requests", trainee).json()
    assert [leave["id"] for leave in listed] == [mine.pk]
    theirs = LeaveRequest.objects.exclude(pk=mine.pk).get()
    response = api(client, "post", f"/leave-requests/{theirs.pk}/cancel", trainee)
    assert response.status_code == 404
    assert api(client, "post", "/leave-requests/999999/cancel", trainee).status_code == 404


def test_the_head_teacher_lists_and_decides(
    clock, client, training_class, afternoon, tuesday, enrolment, trainee, head_teacher
):
    first = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="有事", acting_user=trainee
    )
    second = actions.check_request_leave(
        enrolment, [tuesday.pk], reason="还有事", acting_user=trainee
    )
    url = f"/classes/{training_class.pk}/leave-requests"
    assert [r["id"] for r in api(client, "get", url, head_teacher).json()] == [first.pk, second.pk]

    no_comment = api(
        client, "post", f"/leave-requests/{first.pk}/decision", head_teacher, {"approve": False}
    )
    assert no_comment.status_code == 400
    assert no_comment.json()["errors"] == {
        "comment": ["Give the reason for rejecting this request."]
    }

    rejected = api(
        client,
        "post",
        f"/leave-requests/{first.pk}/decision",
        head_teacher,
        {"approve": False, "comment": "实操课"},
    )
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["decision_comment"]) == (
        "rejected",
        "实操课",
    )
    approved = api(
        client, "post", f"/leave-requests/{second.pk}/decision", head_teacher, {"approve": True}
    )
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == head_teacher.display_name
    assert AttendanceRecord.objects.get().status == "on_leave"

    pending = api(client, "get", f"{url}?status=pending", head_teacher).json()
    assert pending == []
    assert len(api(client, "get", f"{url}?status=approved", head_teacher).json()) == 1
    bad = api(client, "get", f"{url}?status=maybe", head_teacher)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_status")


@pytest.mark.parametrize("who", ["other_trainee", "other_head_teacher", "trainee", "lecturer"])
def test_others_cannot_decide(clock, client, afternoon, enrolment, trainee, people, who):
    leave = actions.check_request_leave(
        enrolment, [afternoon.pk], reason="有事", acting_user=trainee
    )
    response = api(
        client, "post", f"/leave-requests/{leave.pk}/decision", people[who], {"approve": True}
    )
    assert response.status_code == 404
    assert (
        api(
            client, "post", "/leave-requests/999999/decision", people[who], {"approve": True}
        ).status_code
        == 404
    )
    leave.refresh_from_db()
    assert leave.status == "pending"


@pytest.mark.parametrize("who", ["other_trainee", "other_head_teacher", "lecturer"])
def test_class_leave_lists_are_404_for_outsiders(clock, client, training_class, people, who):
    response = api(client, "get", f"/classes/{training_class.pk}/leave-requests", people[who])
    assert response.status_code == 404
    assert api(client, "get", "/classes/999999/leave-requests", people[who]).status_code == 404


# --- The roster and rates ----------------------------------------------------------------------


def test_reading_and_marking_a_session(clock, client, morning, enrolment, trainee, head_teacher):
    classmate = make_enrolment(morning.training_class)
    clock.move_to(at(MONDAY, 8, 50), tick=False)
    actions.check_check_in(morning, checkin.current_code(morning.pk), acting_user=trainee)
    url = f"/sessions/{morning.pk}/attendance"
    body = api(client, "get", url, head_teacher).json()
    assert body["markable"] is True
    assert {(t["enrolment"], t["status"], t["source"]) for t in body["trainees"]} == {
        (enrolment.pk, "present", "check_in"),
        (classmate.pk, None, None),
    }

    response = api(
        client,
        "put",
        url,
        head_teacher,
        [
            {"enrolment": enrolment.pk, "status": "present"},
            {"enrolment": classmate.pk, "status": "absent"},
        ],
    )
    assert response.status_code == 200, response.content
    assert response.json()["saved"] == {"created": 1, "corrected": 0, "unchanged": 1}

    no_reason = api(
        client, "put", url, head_teacher, [{"enrolment": classmate.pk, "status": "late"}]
    )
    assert no_reason.status_code == 400
    assert list(no_reason.json()["errors"]) == [f"reason-{classmate.pk}"]
    assert not AttendanceCorrection.objects.exists()

    corrected = api(
        client,
        "put",
        url,
        head_teacher,
        [{"enrolment": classmate.pk, "status": "late", "reason": "九点半到"}],
    )
    assert corrected.json()["saved"] == {"created": 0, "corrected": 1, "unchanged": 0}
    assert AttendanceCorrection.objects.get().reason == "九点半到"


def test_marking_someone_from_another_class_by_api(
    clock, client, morning, enrolment, head_teacher, other_class
):
    clock.move_to(at(MONDAY, 9), tick=False)
    response = api(
        client,
        "put",
        f"/sessions/{morning.pk}/attendance",
        head_teacher,
        [
            {"enrolment": enrolment.pk, "status": "present"},
            {"enrolment": other_class.enrolment.pk, "status": "present"},
        ],
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Only trainees enrolled in this class can be marked."
    assert not AttendanceRecord.objects.exists()


def test_a_future_sessions_roster_is_not_markable(clock, client, tuesday, enrolment, head_teacher):
    body = api(client, "get", f"/sessions/{tuesday.pk}/attendance", head_teacher).json()
    assert body["markable"] is False
    assert (
        body["not_markable_reason"] == "Attendance for this session can be marked from 2026-03-10."
    )
    response = api(
        client,
        "put",
        f"/sessions/{tuesday.pk}/attendance",
        head_teacher,
        [{"enrolment": enrolment.pk, "status": "present"}],
    )
    assert (response.status_code, response.json()["code"]) == (400, "not_markable")


@pytest.mark.parametrize("who", ["trainee", "other_trainee", "other_head_teacher", "lecturer"])
def test_rosters_and_rates_are_404_for_others(
    clock, client, training_class, morning, enrolment, people, who
):
    user = people[who]
    for method, url, payload in [
        ("get", f"/sessions/{morning.pk}/attendance", None),
        (
            "put",
            f"/sessions/{morning.pk}/attendance",
            [{"enrolment": enrolment.pk, "status": "present"}],
        ),
        ("get", f"/classes/{training_class.pk}/attendance", None),
        ("get", "/sessions/999999/attendance", None),
        ("get", "/classes/999999/attendance", None),
    ]:
        response = api(client, method, url, user, payload)
        assert response.status_code == 404, (method, url)
        assert response.json() == {"detail": "Not found."}
    assert not AttendanceRecord.objects.exists()


def test_anonymous_callers_get_401(clock, client, training_class, morning):
    for method, url in [
        ("get", f"/sessions/{morning.pk}/attendance"),
        ("get", f"/classes/{training_class.pk}/attendance"),
        ("get", f"/classes/{training_class.pk}/my-attendance"),
        ("get", f"/classes/{training_class.pk}/leave-requests"),
        ("post", "/leave-requests/1/cancel"),
    ]:
        assert api(client, method, url).status_code == 401


def test_class_rates(
    clock, client, training_class, morning, afternoon, enrolment, head_teacher, people
):
    classmate = make_enrolment(training_class)
    clock.move_to(at(MONDAY, 9, 30), tick=False)
    actions.check_mark_attendance(
        morning,
        [actions.Mark(enrolment.pk, "present"), actions.Mark(classmate.pk, "late")],
        acting_user=head_teacher,
    )
    clock.move_to(at(MONDAY, 12), tick=False)
    for user in (head_teacher, people["administrator"]):
        body = api(client, "get", f"/classes/{training_class.pk}/attendance", user).json()
        assert body["summary"]["rate"] == 1.0
        assert [(s["id"], s["ended"]) for s in body["sessions"]] == [
            (morning.pk, True),
            (afternoon.pk, False),
        ]
        marks = {t["enrolment"]: t["marks"] for t in body["trainees"]}
        assert marks == {enrolment.pk: ["present", None], classmate.pk: ["late", None]}


def test_the_session_roster_api_costs_the_same_for_few_or_many(
    clock, client, morning, head_teacher, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock.move_to(at(MONDAY, 9), tick=False)
    for _ in range(3):
        make_enrolment(morning.training_class)
    headers = bearer(head_teacher)
    url = f"/api/v1/sessions/{morning.pk}/attendance"
    client.get(url, headers=headers)
    with CaptureQueriesContext(connection) as few:
        client.get(url, headers=headers)
    for _ in range(7):
        make_enrolment(morning.training_class)
    with django_assert_num_queries(len(few)):
        assert client.get(url, headers=headers).status_code == 200

"""The attendance and leave panels on the class page."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from lms.attendance import actions, checkin
from lms.attendance.panels import attendance_panel_context, leave_panel_context
from lms.training import panels
from tests.factories.training import make_enrolment

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared as written in English."""
    with translation.override("en"):
        yield


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def render(key, user, training_class, enrolment):
    shown = {
        panel.key: (panel, context)
        for panel, context in panels.class_panels(request_for(user), training_class, enrolment)
    }
    if key not in shown:
        return None
    panel, context = shown[key]
    return render_to_string(
        panel.template,
        {"training_class": training_class, "enrolment": enrolment, **context},
        request_for(user),
    )


def test_both_panels_are_registered():
    keys = {key: panel.order for key, panel in panels._PANELS.items()}
    assert keys["attendance"] < keys["leave"]


def test_a_trainee_sees_todays_check_in_and_their_attendance(
    clock, training_class, morning, afternoon, enrolment, trainee
):
    clock.move_to(at(MONDAY, 8, 50), tick=False)
    with translation.override("en"):
        html = render("attendance", trainee, training_class, enrolment)
    assert "Check-in is open: scan the QR code shown in the room." in html
    assert "Check-in opens at 13:30" in html
    assert morning.title in html and afternoon.title in html
    actions.check_check_in(morning, checkin.current_code(morning.pk), acting_user=trainee)
    clock.move_to(at(MONDAY, 12), tick=False)
    html = render("attendance", trainee, training_class, enrolment)
    assert "att-present" in html
    assert "100.0%" in html


def test_a_trainee_sees_their_leave_and_the_link_to_ask(
    clock, training_class, afternoon, enrolment, trainee
):
    actions.check_request_leave(enrolment, [afternoon.pk], reason="有事", acting_user=trainee)
    html = render("leave", trainee, training_class, enrolment)
    assert f"/training/classes/{training_class.pk}/leave/new/" in html
    assert "leave-pending" in html


def test_the_head_teacher_sees_links_and_pending_leave(
    clock, training_class, morning, afternoon, tuesday, enrolment, trainee, head_teacher
):
    actions.check_request_leave(enrolment, [tuesday.pk], reason="有事", acting_user=trainee)
    html = render("attendance", head_teacher, training_class, None)
    assert f"/training/sessions/{morning.pk}/check-in-code/" in html
    assert f"/training/sessions/{afternoon.pk}/attendance/" in html
    assert f"/training/sessions/{tuesday.pk}/" not in html  # not today
    assert f"/training/classes/{training_class.pk}/attendance/" in html
    assert f"/training/classes/{training_class.pk}/leave/requests/" in html
    assert "(1 " in html
    assert render("leave", head_teacher, training_class, None) is None


def test_others_see_no_attendance_panel(clock, training_class, morning, people):
    for who in ("lecturer", "other_head_teacher"):
        assert render("attendance", people[who], training_class, None) is None


def test_the_panels_cost_the_same_for_few_or_many(
    clock,
    training_class,
    morning,
    afternoon,
    enrolment,
    trainee,
    head_teacher,
    django_assert_max_num_queries,
):
    clock.move_to(at(MONDAY, 18), tick=False)
    request = request_for(trainee)
    head_request = request_for(head_teacher)
    for _ in range(8):
        make_enrolment(training_class)
    with django_assert_max_num_queries(2):
        attendance_panel_context(request, training_class, enrolment)
    with django_assert_max_num_queries(2):
        leave_panel_context(request, training_class, enrolment)
    with django_assert_max_num_queries(2):
        attendance_panel_context(head_request, training_class, None)


def test_the_panels_show_on_the_class_page(
    clock, client, training_class, morning, enrolment, trainee, head_teacher
):
    client.force_login(trainee)
    html = client.get(f"/training/classes/{training_class.pk}/").text
    assert 'id="panel-attendance"' in html and 'id="panel-leave"' in html
    client.force_login(head_teacher)
    html = client.get(f"/training/classes/{training_class.pk}/").text
    assert f"/training/sessions/{morning.pk}/check-in-code/" in html

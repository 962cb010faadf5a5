"""Each role lands on a dashboard showing what it can do today."""

import pytest

pytestmark = pytest.mark.django_db

EXPECTED_CARDS = {
    "administrator": [
        "/admin/users/",
        "/admin/snippets/accounts/traineeprofile/",
        "/admin/audit_events/",
    ],
    "commerce_officer": ["/admin/snippets/accounts/traineeprofile/", "/admin/audit_events/"],
    "finance_officer": ["/admin/snippets/accounts/traineeprofile/"],
    "registrar": ["/admin/snippets/accounts/traineeprofile/add/", "/admin/enrolment/"],
    "institution_staff": [
        "/admin/training/plans/",
        "/admin/training/classes/",
        "/admin/enrolment/",
        "/admin/training-files/",
        "/admin/evaluation/",
    ],
    "lecturer": ["/admin/images/", "/training/lecturers/me/ratings/"],
    "trainee": ["/accounts/profile/", "/training/classes/", "/training/enrolling/"],
    "alumnus": ["/accounts/profile/"],
}


@pytest.mark.parametrize(("role", "links"), EXPECTED_CARDS.items())
def test_each_role_sees_its_own_cards(client, make_user, role, links):
    client.force_login(make_user(role))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    for link in links:
        assert f'href="{link}"' in response.text, link


def test_trainees_are_not_shown_staff_tools(client, make_user):
    client.force_login(make_user("trainee"))
    text = client.get("/dashboard/").text
    assert 'href="/admin/' not in text
    assert 'href="/accounts/tokens/"' in text


def test_a_user_with_two_roles_sees_two_sections(client, make_user):
    client.force_login(make_user("head_teacher", "lecturer"))
    text = client.get("/dashboard/").text
    assert 'id="role-head_teacher"' in text
    assert 'id="role-lecturer"' in text


def test_trainees_in_no_class_are_told_to_wait_for_their_registrar(client, make_user):
    from django.utils.translation import gettext, override

    from tests.factories.training import make_class, make_enrolment

    waiting = (
        "You are not in a training class yet. Your registrar will tell you when your class opens."
    )
    trainee = make_user("trainee")
    client.force_login(trainee)
    with override("zh-hans"):
        assert gettext(waiting) in client.get("/dashboard/").text
    enrolment = make_enrolment(make_class(), user=trainee)
    assert enrolment.profile.user == trainee
    with override("zh-hans"):
        assert gettext(waiting) not in client.get("/dashboard/").text


def test_a_user_without_roles_is_told_so(client, make_user):
    client.force_login(make_user())
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert 'id="role-' not in response.text


@pytest.mark.parametrize(
    ("roles", "queries"),
    [
        # session, user, roles, trainee profile, "in a class?"
        (("trainee",), 5),
        (("trainee", "alumnus"), 5),
        # ... plus the user's and the groups' permissions, loaded once
        (("lecturer",), 7),
        (("administrator", "lecturer", "head_teacher", "registrar"), 7),
    ],
)
def test_the_dashboard_costs_the_same_few_queries(
    client, make_user, django_assert_num_queries, roles, queries
):
    client.force_login(make_user(*roles))
    client.get("/dashboard/")
    with django_assert_num_queries(queries):
        assert client.get("/dashboard/").status_code == 200

"""``/training/classes/<id>/roster/``: the enrolled trainees for the head teacher, institution
staff and officers; phones whole only for the head teacher and holders of
``view_full_id_number``; ID numbers always masked; a fixed number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.enrolment.models import ClassEnrolment
from tests.factories import TraineeProfileFactory
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_institution,
    make_lecturer,
    make_plan,
)

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.date(2026, 3, 9)


@pytest.fixture
def setting(make_user):
    staff = make_user("institution_staff", username="jigou")
    institution = make_institution(staff=[staff])
    institution.save()  # the factory sets the parental M2M in memory only
    head = make_user("head_teacher", username="banzhuren")
    lecturer = make_user("lecturer", username="jiangshi")
    cls = make_class(
        make_plan(institution, start_date=FIRST_DAY - datetime.timedelta(days=5)),
        start_date=FIRST_DAY,
        head_teacher=head,
        lecturers=[make_lecturer("王讲师", user=lecturer)],
    )
    monitor = make_enrolment(
        cls,
        profile=TraineeProfileFactory(
            real_name="陈班长",
            phone="13912345678",
            date_of_birth=datetime.date(1990, 3, 10),  # 35 on the day before the birthday
        ),
        committee_role="monitor",
    )
    trainee = make_enrolment(cls, user=True)
    withdrawn = make_enrolment(
        cls,
        profile=TraineeProfileFactory(real_name="退出者"),
        status=ClassEnrolment.Status.WITHDRAWN,
    )
    return {
        "cls": cls,
        "head": head,
        "staff": staff,
        "lecturer": lecturer,
        "monitor": monitor.profile,
        "trainee": trainee.profile.user,
        "withdrawn": withdrawn.profile,
    }


def url(cls):
    return f"/training/classes/{cls.pk}/roster/"


def test_the_head_teacher_sees_whole_phones_and_masked_ids(client, setting):
    client.force_login(setting["head"])
    response = client.get(url(setting["cls"]))
    assert response.status_code == 200
    assert response.context["full_phone"] is True
    rows = response.context["rows"]
    assert rows[0].profile.real_name == "陈班长"  # committee first
    assert len(rows) == 2  # the withdrawn trainee is not on the roster
    monitor = rows[0]
    assert monitor.phone == "13912345678"
    assert monitor.age == 35
    assert monitor.village == setting["monitor"].village.name
    assert monitor.township == setting["monitor"].village.parent.name
    html = response.content.decode()
    assert 'href="tel:13912345678"' in html
    assert setting["monitor"].masked_id_number in html
    assert setting["monitor"].id_number not in html
    assert "退出者" not in html


@pytest.mark.parametrize(
    ("who", "full"),
    [
        ("staff", False),
        ("commerce_officer", True),
        ("finance_officer", False),
        ("administrator", True),
    ],
)
def test_staff_and_officers_see_the_roster(client, setting, make_user, who, full):
    user = setting["staff"] if who == "staff" else make_user(who, username=who)
    client.force_login(user)
    response = client.get(url(setting["cls"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("13912345678" in html) is full
    assert ("139****5678" in html) is not full
    assert setting["monitor"].id_number not in html


def _page(response):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


def test_trainees_lecturers_and_outsiders_get_the_same_404(client, setting, make_user):
    other_staff = make_user("institution_staff", username="other_staff")
    make_institution(staff=[other_staff]).save()
    pages = set()
    for user in [
        setting["trainee"],
        setting["lecturer"],
        make_user("head_teacher", username="other_head"),
        make_user("registrar", username="dengji"),
        other_staff,
    ]:
        client.force_login(user)
        response = client.get(url(setting["cls"]))
        assert response.status_code == 404, user
        pages.add(_page(response))
    response = client.get("/training/classes/999999/")
    assert response.status_code == 404
    pages.add(_page(response))
    assert len(pages) == 1


def test_the_class_page_links_to_the_roster_for_those_who_may_see_it(client, setting):
    roster = url(setting["cls"])
    for user, shown in [
        (setting["head"], True),
        (setting["staff"], True),
        (setting["trainee"], False),
    ]:
        client.force_login(user)
        html = client.get(f"/training/classes/{setting['cls'].pk}/").content.decode()
        assert (roster in html) is shown


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_roster_costs_the_same_queries_for_3_or_10_trainees(client, setting):
    client.force_login(setting["head"])
    make_enrolment(setting["cls"], user=True)
    few = _count(client, url(setting["cls"]))
    for _ in range(7):
        make_enrolment(setting["cls"], user=True)
    assert _count(client, url(setting["cls"])) == few

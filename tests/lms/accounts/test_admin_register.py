"""The trainee register in Wagtail's admin: masking and per-object visibility."""

import datetime

import pytest

from lms.accounts.demo import demo_id_number
from lms.audit.models import AuditEvent
from tests.factories import TraineeProfileFactory, VillageFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/snippets/accounts/traineeprofile/"


def test_lists_mask_the_id_number_even_for_officers(client, make_user):
    profile = TraineeProfileFactory()
    client.force_login(make_user("commerce_officer"))
    response = client.get(LIST)
    assert response.status_code == 200
    assert profile.masked_id_number in response.text
    assert profile.id_number not in response.text


def test_the_list_export_is_masked(client, make_user):
    profile = TraineeProfileFactory()
    client.force_login(make_user("administrator"))
    response = client.get(LIST + "?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    assert profile.masked_id_number in text
    assert profile.id_number not in text


def test_commerce_officers_see_the_full_id_on_the_record(client, make_user):
    profile = TraineeProfileFactory()
    client.force_login(make_user("commerce_officer"))
    response = client.get(f"{LIST}inspect/{profile.pk}/")
    assert response.status_code == 200
    assert profile.id_number in response.text


def test_finance_officers_see_it_masked_on_the_record(client, make_user):
    profile = TraineeProfileFactory()
    client.force_login(make_user("finance_officer"))
    response = client.get(f"{LIST}inspect/{profile.pk}/")
    assert response.status_code == 200
    assert profile.id_number not in response.text
    assert profile.masked_id_number in response.text


def test_registrars_see_only_the_people_they_registered(client, make_user):
    registrar = make_user("registrar")
    mine = TraineeProfileFactory(registered_by=registrar, real_name="我登记的")
    theirs = TraineeProfileFactory(registered_by=make_user("registrar"), real_name="别人登记的")
    client.force_login(registrar)
    listing = client.get(LIST)
    assert "我登记的" in listing.text
    assert "别人登记的" not in listing.text
    assert client.get(f"{LIST}edit/{mine.pk}/").status_code == 200
    foreign = client.get(f"{LIST}edit/{theirs.pk}/")
    unknown = client.get(f"{LIST}edit/999999/")
    assert foreign.status_code == unknown.status_code == 404
    for view in ["inspect", "history", "usage", "delete"]:
        assert client.get(f"{LIST}{view}/{theirs.pk}/").status_code == 404, view


@pytest.mark.parametrize("view", ["history", "usage"])
def test_history_and_usage_of_a_visible_profile_open(client, make_user, view):
    registrar = make_user("registrar")
    mine = TraineeProfileFactory(registered_by=registrar)
    client.force_login(registrar)
    assert client.get(f"{LIST}{view}/{mine.pk}/").status_code == 200


def test_registrars_also_see_the_people_of_their_areas(client, make_user):
    from lms.enrolment.models import RegistrarArea

    registrar = make_user("registrar")
    village = VillageFactory()
    RegistrarArea.objects.create(registrar=registrar, region=village.parent)  # the township
    neighbour = TraineeProfileFactory(village=village, real_name="本乡镇的")
    elsewhere = TraineeProfileFactory(real_name="外乡镇的")
    client.force_login(registrar)
    listing = client.get(LIST)
    assert "本乡镇的" in listing.text
    assert "外乡镇的" not in listing.text
    assert client.get(f"{LIST}inspect/{neighbour.pk}/").status_code == 200
    assert client.get(f"{LIST}inspect/{elsewhere.pk}/").status_code == 404


def test_a_registrar_registers_a_trainee_in_the_admin(client, make_user):
    registrar = make_user("registrar")
    village = VillageFactory()
    client.force_login(registrar)
    response = client.post(
        f"{LIST}add/",
        {
            "real_name": "赵六",
            "gender": "male",
            "date_of_birth": "1990-01-01",
            "id_number": demo_id_number("430599", datetime.date(1990, 1, 1), 3, "male"),
            "phone": "13900001111",
            "education": "junior_high",
            "computer_skill": "basic",
            "category": "rural_youth",
            "employer": "",
            "village": village.pk,
        },
    )
    from lms.accounts.models import TraineeProfile

    assert response.status_code == 302, response.context["form"].errors
    profile = TraineeProfile.objects.get(real_name="赵六")
    assert profile.registered_by == registrar
    assert AuditEvent.objects.filter(action="trainee_profile.created", actor=registrar).exists()


def test_a_bad_registration_is_refused_and_saves_nothing(client, make_user):
    client.force_login(make_user("registrar"))
    response = client.post(
        f"{LIST}add/",
        {
            "real_name": "赵六",
            "gender": "female",
            "date_of_birth": "1990-01-01",
            "id_number": "430599199001010031",
            "phone": "12345",
            "education": "junior_high",
            "computer_skill": "basic",
            "category": "rural_youth",
            "village": VillageFactory().pk,
        },
    )
    from lms.accounts.models import TraineeProfile

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"id_number", "phone"} <= set(errors)
    assert TraineeProfile.objects.count() == 0


def test_trainees_cannot_open_the_admin(client, make_user):
    client.force_login(make_user("trainee"))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(LIST).status_code == 302


def test_staff_roles_can_open_the_admin(client, make_user):
    for role in ["lecturer", "head_teacher", "institution_staff", "finance_officer"]:
        client.force_login(make_user(role))
        assert client.get("/admin/").status_code == 200, role


def test_the_audit_log_is_read_only_even_for_superusers(client, make_user):
    admin = make_user("administrator", is_superuser=True)
    make_user("trainee")  # writes a roles.granted row
    client.force_login(admin)
    listing = client.get("/admin/audit_events/")
    assert listing.status_code == 200
    assert "roles.granted" in listing.text
    assert client.get("/admin/audit_events/new/").status_code == 404
    event = AuditEvent.objects.first()
    assert client.get(f"/admin/audit_events/inspect/{event.pk}/").status_code == 200
    assert client.post(f"/admin/audit_events/delete/{event.pk}/").status_code == 404


def test_django_admin_is_not_exposed(client, make_user):
    client.force_login(make_user("administrator", is_superuser=True))
    assert client.get("/django-admin/").status_code == 404

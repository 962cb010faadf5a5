"""The enrolment screens in Wagtail's admin: who sees what, masked ID numbers, registering,
deciding applications, withdrawing, the committee, the import page and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.enrolment.models import ClassEnrolment, RegistrarArea
from lms.training.models import TrainingClass
from tests.factories import VillageFactory
from tests.factories.training import make_class, make_enrolment, make_institution, make_plan

from .files import csv_file, row, xlsx_file

pytestmark = pytest.mark.django_db
Status = ClassEnrolment.Status


def class_url(training_class, suffix=""):
    return f"/admin/enrolment/classes/{training_class.pk}/{suffix}"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# --- The menu and the class list --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("registrar", True),
        ("institution_staff", True),
        ("administrator", True),
        ("commerce_officer", True),
        ("finance_officer", True),
        ("head_teacher", False),
        ("lecturer", False),
    ],
)
def test_the_menu_item_follows_the_view_permission(as_user, make_user, role, shown):
    response = as_user(make_user(role)).get("/admin/")
    assert response.status_code == 200
    assert ('"/admin/enrolment/"' in response.text) is shown


@pytest.mark.parametrize("role", ["head_teacher", "lecturer"])
def test_admin_users_without_the_permission_get_404(as_user, make_user, role, training_class):
    client = as_user(make_user(role))
    assert client.get("/admin/enrolment/").status_code == 404
    assert client.get(class_url(training_class)).status_code == 404


def test_trainees_and_visitors_are_sent_to_sign_in(client, make_user, training_class):
    assert client.get(class_url(training_class)).status_code == 302
    client.force_login(make_user("trainee"))
    assert client.get(class_url(training_class)).status_code == 302


def test_registrars_see_only_enrolling_classes(as_user, registrar, training_class, plan):
    planned = make_class(plan, status=TrainingClass.Status.PLANNED)
    response = as_user(registrar).get("/admin/enrolment/")
    assert list(response.context["classes"]) == [training_class]
    assert as_user(registrar).get(class_url(planned)).status_code == 404


def test_staff_see_only_their_institutions_classes(as_user, staff, training_class):
    elsewhere = make_class(make_plan(make_institution()), status="enrolling")
    response = as_user(staff).get("/admin/enrolment/")
    assert list(response.context["classes"]) == [training_class]
    assert as_user(staff).get(class_url(elsewhere)).status_code == 404
    assert as_user(staff).get("/admin/enrolment/classes/999999/").status_code == 404


def test_officers_see_every_class(as_user, make_user, training_class):
    elsewhere = make_class(make_plan(make_institution()), status="planned")
    response = as_user(make_user("commerce_officer")).get("/admin/enrolment/")
    assert set(response.context["classes"]) == {training_class, elsewhere}


def test_the_class_list_counts_places_and_pending_applications(
    as_user, registrar, training_class, make_person
):
    make_enrolment(training_class, profile=make_person())
    make_enrolment(training_class, profile=make_person(), status=Status.APPLIED)
    make_enrolment(
        training_class, profile=make_person(village=VillageFactory()), status=Status.APPLIED
    )
    shown = as_user(registrar).get("/admin/enrolment/").context["classes"][0]
    assert (shown.held, shown.enrolled, shown.pending) == (3, 1, 1)  # pending: own villages


# --- One class ---------------------------------------------------------------------------------


def test_a_registrar_sees_only_their_villages_people(
    as_user, registrar, training_class, make_person
):
    mine = make_enrolment(training_class, profile=make_person())
    theirs = make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    response = as_user(registrar).get(class_url(training_class))
    assert response.status_code == 200
    assert response.context["enrolled"] == [mine]
    assert theirs.profile.real_name not in response.text


def test_id_numbers_are_masked_unless_allowed(as_user, registrar, admin, training_class, person):
    make_enrolment(training_class, profile=person)
    text = as_user(registrar).get(class_url(training_class)).text
    assert person.id_number not in text
    assert person.masked_id_number in text
    assert person.id_number in as_user(admin).get(class_url(training_class)).text


def test_the_class_page_costs_the_same_for_3_or_30_people(
    as_user, admin, training_class, make_person
):
    client = as_user(admin)

    def count():
        client.get(class_url(training_class))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(class_url(training_class)).status_code == 200
        return len(queries)

    for _n in range(3):
        make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    make_enrolment(training_class, profile=make_person(), status=Status.APPLIED)
    few = count()
    for _n in range(27):
        make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    make_enrolment(training_class, profile=make_person(), status=Status.WITHDRAWN)
    assert count() == few


def test_the_class_list_costs_the_same_for_1_or_10_classes(as_user, admin, training_class, plan):
    client = as_user(admin)

    def count():
        client.get("/admin/enrolment/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/enrolment/").status_code == 200
        return len(queries)

    few = count()
    for _n in range(9):
        make_class(plan, status="enrolling")
    assert count() == few


# --- Registering -------------------------------------------------------------------------------


def test_register_an_existing_person_by_id_number(as_user, registrar, training_class, person):
    response = as_user(registrar).post(
        class_url(training_class, "register/"),
        {"form": "existing", "existing-id_number": person.id_number.lower()},
    )
    assert response.status_code == 302
    assert ClassEnrolment.objects.get().profile == person


def test_unknown_and_other_villages_id_numbers_read_the_same(
    as_user, registrar, training_class, make_person
):
    outsider = make_person(village=VillageFactory())
    client = as_user(registrar)
    unknown = client.post(
        class_url(training_class, "register/"),
        {"form": "existing", "existing-id_number": "110101199003074514"},
    )
    other = client.post(
        class_url(training_class, "register/"),
        {"form": "existing", "existing-id_number": outsider.id_number},
    )
    assert unknown.status_code == other.status_code == 400
    assert (
        unknown.context["existing_form"].errors["id_number"]
        == other.context["existing_form"].errors["id_number"]
    )
    assert not ClassEnrolment.objects.exists()


def new_person_data(village, **overrides):
    good = row(village, 1)
    data = {
        "form": "new",
        "new-real_name": good[0],
        "new-gender": "female",
        "new-id_number": good[2],
        "new-phone": good[3],
        "new-education": "junior_high",
        "new-computer_skill": "basic",
        "new-category": "rural_youth",
        "new-employer": "",
        "new-village": village.pk,
    }
    data.update(overrides)
    return data


def test_register_a_new_person(as_user, registrar, training_class, village):
    response = as_user(registrar).post(
        class_url(training_class, "register/"), new_person_data(village)
    )
    assert response.status_code == 302
    enrolment = ClassEnrolment.objects.get()
    assert enrolment.profile.registered_by == registrar


def test_a_registrar_chooses_only_their_villages(as_user, registrar, training_class, village):
    other = VillageFactory()
    response = as_user(registrar).get(class_url(training_class, "register/"))
    choices = list(response.context["new_form"].fields["village"].queryset)
    assert choices == [village]
    response = as_user(registrar).post(
        class_url(training_class, "register/"), new_person_data(other)
    )
    assert response.status_code == 400
    assert "village" in response.context["new_form"].errors


def test_bad_details_are_shown_on_the_form(as_user, registrar, training_class, village):
    response = as_user(registrar).post(
        class_url(training_class, "register/"),
        new_person_data(village, **{"new-id_number": "430599199503081230", "new-phone": "1"}),
    )
    assert response.status_code == 400
    errors = response.context["new_form"].errors
    assert "id_number" in errors and "phone" in errors
    assert not ClassEnrolment.objects.exists()


def test_the_override_field_is_for_administrators_only(as_user, registrar, admin, training_class):
    form = as_user(registrar).get(class_url(training_class, "register/")).context["new_form"]
    assert "override_reason" not in form.fields
    form = as_user(admin).get(class_url(training_class, "register/")).context["new_form"]
    assert "override_reason" in form.fields


def test_an_administrator_overrides_in_the_form(as_user, admin, training_class, make_person):
    person = make_person(education="primary")
    client = as_user(admin)
    url = class_url(training_class, "register/")
    refused = client.post(url, {"form": "existing", "existing-id_number": person.id_number})
    assert refused.status_code == 400
    assert refused.context["existing_form"].non_field_errors()
    response = client.post(
        url,
        {
            "form": "existing",
            "existing-id_number": person.id_number,
            "existing-override_reason": "县商务局同意",
        },
    )
    assert response.status_code == 302
    assert ClassEnrolment.objects.get().eligibility_override == "县商务局同意"


def test_registering_in_a_class_not_enrolling_is_404_for_registrars(
    as_user, registrar, staff, training_class
):
    TrainingClass.objects.filter(pk=training_class.pk).update(status="in_progress")
    assert as_user(registrar).get(class_url(training_class, "register/")).status_code == 404
    assert as_user(staff).get(class_url(training_class, "register/")).status_code == 404
    assert as_user(staff).get(class_url(training_class)).status_code == 200


@pytest.mark.parametrize("role", ["commerce_officer", "finance_officer"])
def test_officers_read_but_do_not_register(as_user, make_user, training_class, role):
    client = as_user(make_user(role))
    assert client.get(class_url(training_class)).status_code == 200
    assert client.get(class_url(training_class, "register/")).status_code == 404
    assert client.get(class_url(training_class, "import/")).status_code == 404


# --- Applications, withdrawal, committee --------------------------------------------------------


@pytest.fixture
def application(training_class, trainee):
    from lms.enrolment import actions

    return actions.check_apply(training_class, trainee)


def test_a_registrar_confirms_an_application(as_user, registrar, training_class, application):
    url = class_url(training_class, f"enrolments/{application.pk}/application/")
    client = as_user(registrar)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "confirm"}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.ENROLLED


def test_declining_needs_a_reason(as_user, registrar, training_class, application):
    url = class_url(training_class, f"enrolments/{application.pk}/application/")
    client = as_user(registrar)
    response = client.post(url, {"action": "decline", "decline-reason": ""})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == Status.APPLIED
    assert client.post(url, {"action": "decline", "decline-reason": "名额已满"}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.status_reason) == (Status.DECLINED, "名额已满")


def test_a_registrar_of_another_village_gets_404(as_user, make_user, training_class, application):
    other = make_user("registrar")
    RegistrarArea.objects.create(registrar=other, region=VillageFactory())
    url = class_url(training_class, f"enrolments/{application.pk}/application/")
    assert as_user(other).get(url).status_code == 404
    assert as_user(other).post(url, {"action": "confirm"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.APPLIED


def test_staff_withdraw_with_a_reason(as_user, staff, registrar, training_class, person):
    enrolment = make_enrolment(training_class, profile=person)
    url = class_url(training_class, f"enrolments/{enrolment.pk}/withdraw/")
    assert as_user(registrar).get(url).status_code == 404
    client = as_user(staff)
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "外出务工"}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Status.WITHDRAWN


def test_staff_set_the_committee_registrars_cannot(
    as_user, staff, registrar, training_class, person
):
    enrolment = make_enrolment(training_class, profile=person)
    url = class_url(training_class, f"enrolments/{enrolment.pk}/committee/")
    assert as_user(registrar).post(url, {"role": "monitor"}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.committee_role == ""
    assert as_user(staff).post(url, {"role": "monitor"}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.committee_role == "monitor"
    assert as_user(staff).get(url).status_code == 405


# --- Import and the template -----------------------------------------------------------------


def test_the_import_page(as_user, registrar, training_class, village):
    client = as_user(registrar)
    url = class_url(training_class, "import/")
    assert client.get(url).status_code == 200
    bad = csv_file([row(village, 1), row(village, 2, education="小学")])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url, {"file": SimpleUploadedFile("a.csv", bad)})
    assert response.status_code == 400
    report = response.context["report"]
    assert not report.saved and [r.number for r in report.error_rows] == [3]
    assert "导入1" in response.text  # the good row is listed too
    assert not ClassEnrolment.objects.exists()
    good = xlsx_file([row(village, 1), row(village, 2)])
    response = client.post(url, {"file": SimpleUploadedFile("a.xlsx", good)})
    assert response.status_code == 302
    assert ClassEnrolment.objects.count() == 2


def test_a_malformed_upload_is_a_form_error_not_a_crash(as_user, staff, training_class):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = as_user(staff).post(
        class_url(training_class, "import/"), {"file": SimpleUploadedFile("a.xlsx", b"garbage")}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    response = as_user(staff).post(class_url(training_class, "import/"), {})
    assert response.status_code == 400


def test_template_downloads(as_user, registrar, village, make_user):
    client = as_user(registrar)
    response = client.get("/admin/enrolment/template.csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response["Content-Disposition"]
    response = client.get("/admin/enrolment/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        as_user(make_user("head_teacher")).get("/admin/enrolment/template.csv").status_code == 404
    )


# --- Registrars' areas -----------------------------------------------------------------------


def test_administrators_manage_registrar_areas(as_user, admin, registrar, village):
    client = as_user(admin)
    response = client.get("/admin/snippets/enrolment/registrararea/")
    assert response.status_code == 200
    assert village.name in response.text
    other = VillageFactory()
    response = client.post(
        "/admin/snippets/enrolment/registrararea/add/",
        {"registrar": registrar.pk, "region": other.pk},
    )
    assert response.status_code == 302
    assert RegistrarArea.objects.filter(registrar=registrar, region=other).exists()


def test_an_area_is_a_township_or_village_of_a_registrar(as_user, admin, make_user, village):
    client = as_user(admin)
    county = village.parent.parent
    response = client.post(
        "/admin/snippets/enrolment/registrararea/add/",
        {"registrar": make_user("registrar").pk, "region": county.pk},
    )
    assert response.status_code == 200  # the form again, with the error
    not_a_registrar = make_user("trainee")
    response = client.post(
        "/admin/snippets/enrolment/registrararea/add/",
        {"registrar": not_a_registrar.pk, "region": village.pk},
    )
    assert response.status_code == 200
    assert not RegistrarArea.objects.exists()


def test_registrars_cannot_change_areas(as_user, registrar):
    response = as_user(registrar).get("/admin/snippets/enrolment/registrararea/")
    assert response.status_code in (302, 403)

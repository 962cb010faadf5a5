"""The training file screens in the admin: who sees, builds and downloads what."""

from urllib.parse import quote

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from lms.audit.models import AuditEvent
from lms.trainingfile.admin_views import download_filename
from lms.trainingfile.models import TrainingFile
from lms.trainingfile.wagtail_hooks import TrainingFilesMenuItem
from tests.factories import UserFactory
from tests.factories.training import make_class, make_institution, make_plan

from .conftest import CLASS_NAME

pytestmark = pytest.mark.django_db

INDEX = "/admin/training-files/"


def class_url(cls):
    return f"/admin/training-files/class/{cls.pk}/"


def build_url(cls):
    return f"/admin/training-files/class/{cls.pk}/build/"


def status_url(training_file):
    return f"/admin/training-files/{training_file.pk}/status/"


def download_url(training_file):
    return f"/admin/training-files/{training_file.pk}/download/"


@pytest.fixture
def ready_file(training_data, build):
    return build(training_data.training_class, training_data.officer)


@pytest.fixture
def outsider(db):
    """Staff of another institution."""
    other = make_institution()
    user = UserFactory(roles=["institution_staff"])
    other.staff.set([user])
    other.save()
    return user


# --- Menu and listing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, shown",
    [
        ("administrator", True),
        ("commerce_officer", True),
        ("finance_officer", True),
        ("institution_staff", True),
        ("head_teacher", False),
        ("lecturer", False),
        ("registrar", False),
        ("trainee", False),
    ],
)
def test_the_menu_item_shows_to_those_who_may_see_files(role, shown):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(roles=[role])
    assert TrainingFilesMenuItem("Training files", INDEX).is_shown(request) is shown


@pytest.mark.parametrize("role", ["administrator", "commerce_officer", "finance_officer"])
def test_officers_see_every_class(client, training_data, role):
    client.force_login(UserFactory(roles=[role]))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert CLASS_NAME in response.text
    can_build = role != "finance_officer"
    assert (build_url(training_data.training_class) in response.text) is can_build


def test_staff_see_only_their_institutions_classes(client, training_data, outsider):
    client.force_login(training_data.staff)
    response = client.get(INDEX)
    assert CLASS_NAME in response.text
    assert build_url(training_data.training_class) in response.text
    client.force_login(outsider)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert CLASS_NAME not in response.text


@pytest.mark.parametrize("role", ["head_teacher", "lecturer", "registrar"])
def test_admin_users_without_the_permission_get_404(client, training_data, ready_file, role):
    client.force_login(UserFactory(roles=[role]))
    cls = training_data.training_class
    for url in (INDEX, class_url(cls), status_url(ready_file), download_url(ready_file)):
        assert client.get(url).status_code == 404, url
    assert client.post(build_url(cls)).status_code == 404
    assert TrainingFile.objects.count() == 1


def test_trainees_and_visitors_are_sent_to_sign_in(client, training_data, ready_file):
    for user in (None, UserFactory(roles=["trainee"])):
        if user:
            client.force_login(user)
        for url in (INDEX, download_url(ready_file)):
            response = client.get(url)
            assert response.status_code == 302
            assert "login" in response["Location"]


def test_the_listing_runs_a_fixed_number_of_queries(client, training_data, ready_file):
    officer = UserFactory(roles=["commerce_officer"])
    client.force_login(officer)
    client.get(INDEX)  # warm caches (site, roles)
    with CaptureQueriesContext(connection) as one:
        assert client.get(INDEX).status_code == 200
    plan = make_plan(training_data.institution)
    for _n in range(4):
        TrainingFile.objects.create(
            training_class=make_class(plan), version=1, status=TrainingFile.Status.FAILED
        )
    with CaptureQueriesContext(connection) as five:
        response = client.get(INDEX)
    assert response.text.count("/build/") == 5
    assert len(five) == len(one)


def test_search_by_code(client, training_data):
    make_class(make_plan(training_data.institution), name="另一个培训班", code="OTHER-1")
    client.force_login(training_data.officer)
    response = client.get(INDEX, {"q": "SD-2026"})
    assert CLASS_NAME in response.text
    assert "另一个培训班" not in response.text


# --- Building ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "staff"])
def test_builders_build_from_the_admin(
    client, training_data, who, django_capture_on_commit_callbacks
):
    user = getattr(training_data, who)
    client.force_login(user)
    cls = training_data.training_class
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(build_url(cls))
    assert response.status_code == 302
    assert response["Location"] == class_url(cls)
    training_file = TrainingFile.objects.get()
    assert training_file.status == TrainingFile.Status.READY
    assert training_file.requested_by == user
    page = client.get(class_url(cls))
    assert download_url(training_file) in page.text
    assert "trainingfile-progress.js" in page.text


def test_finance_officers_may_not_build(client, training_data):
    client.force_login(UserFactory(roles=["finance_officer"]))
    response = client.post(build_url(training_data.training_class))
    assert response.status_code == 302
    assert not TrainingFile.objects.exists()


def test_staff_of_another_institution_get_404(client, training_data, ready_file, outsider):
    client.force_login(outsider)
    cls = training_data.training_class
    assert client.get(class_url(cls)).status_code == 404
    assert client.post(build_url(cls)).status_code == 404
    assert client.get(status_url(ready_file)).status_code == 404
    assert client.get(download_url(ready_file)).status_code == 404
    assert TrainingFile.objects.count() == 1


def test_unknown_ids_get_the_same_404(client, training_data):
    client.force_login(training_data.officer)
    assert client.get("/admin/training-files/class/999999/").status_code == 404
    assert client.post("/admin/training-files/class/999999/build/").status_code == 404
    assert client.get("/admin/training-files/999999/status/").status_code == 404
    assert client.get("/admin/training-files/999999/download/").status_code == 404


def test_building_needs_a_post(client, training_data):
    client.force_login(training_data.officer)
    assert client.get(build_url(training_data.training_class)).status_code == 405
    assert not TrainingFile.objects.exists()


def test_a_second_request_while_building_is_refused(client, training_data):
    cls = training_data.training_class
    TrainingFile.objects.create(training_class=cls, version=1, status=TrainingFile.Status.QUEUED)
    client.force_login(training_data.officer)
    response = client.post(build_url(cls), follow=True)
    assert response.status_code == 200
    assert TrainingFile.objects.count() == 1
    assert any(m.level_tag == "error" for m in response.context["messages"])


# --- Progress ----------------------------------------------------------------------------------


def test_the_status_endpoint_reports_progress(client, training_data):
    cls = training_data.training_class
    building = TrainingFile.objects.create(
        training_class=cls,
        version=1,
        status=TrainingFile.Status.BUILDING,
        progress=40,
        step="Roster",
    )
    client.force_login(training_data.staff)
    data = client.get(status_url(building)).json()
    assert data["status"] == "building"
    assert data["progress"] == 40
    assert data["step"] == "Roster"
    assert data["download_url"] is None
    page = client.get(class_url(cls))
    assert f'data-trainingfile-status-url="{status_url(building)}"' in page.text
    assert "<progress" in page.text


def test_the_status_endpoint_gives_the_download_link_when_ready(client, training_data, ready_file):
    client.force_login(UserFactory(roles=["finance_officer"]))
    response = client.get(status_url(ready_file))
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ready"
    assert data["progress"] == 100
    assert data["download_url"] == download_url(ready_file)
    assert data["sha256"] == ready_file.sha256


def test_a_failed_build_shows_its_error(client, training_data, build, settings):
    settings.PDF_CJK_FONT = "/nonexistent/font.ttc"
    failed = build(training_data.training_class, training_data.officer)
    client.force_login(training_data.officer)
    assert client.get(status_url(failed)).json()["error"] == failed.error
    page = client.get(class_url(training_data.training_class))
    assert "/nonexistent/font.ttc" in page.text


# --- Downloading -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["commerce_officer", "finance_officer", "administrator"])
def test_viewers_download_through_the_checked_view(client, training_data, ready_file, role):
    user = UserFactory(roles=[role])
    client.force_login(user)
    response = client.get(download_url(ready_file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    with ready_file.file.open("rb") as handle:
        assert body == handle.read()
    name, fallback = download_filename(ready_file)
    assert CLASS_NAME in name
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert f'filename="{fallback}"' in disposition
    assert fallback.isascii()
    assert AuditEvent.objects.filter(action="trainingfile.downloaded", actor=user).exists()


def test_staff_download_their_own_classes_files(client, training_data, ready_file):
    client.force_login(training_data.staff)
    assert client.get(download_url(ready_file)).status_code == 200


def test_a_file_not_ready_cannot_be_downloaded(client, training_data):
    queued = TrainingFile.objects.create(
        training_class=training_data.training_class, version=1, status=TrainingFile.Status.QUEUED
    )
    client.force_login(training_data.officer)
    assert client.get(download_url(queued)).status_code == 404


def test_the_file_is_not_at_a_guessable_media_path(ready_file):
    # The stored name carries a random token; the web server must still not serve the folder
    # (docs/training-file.md), and the app links only to the checked view.
    stem = ready_file.file.name.rsplit("/", 1)[-1]
    assert len(stem.split("-")[-1].removesuffix(".zip")) == 16


# --- The class page in the admin -------------------------------------------------------------


def test_the_class_page_in_the_admin_links_to_its_training_files(client, training_data):
    cls = training_data.training_class
    client.force_login(training_data.officer)
    response = client.get(f"/admin/training/classes/inspect/{cls.pk}/")
    assert response.status_code == 200
    assert f'href="/admin/training-files/class/{cls.pk}/"' in response.text
    client.force_login(UserFactory(roles=["registrar"]))
    response = client.get(f"/admin/training/classes/inspect/{cls.pk}/")
    assert response.status_code == 200
    assert "/admin/training-files/" not in response.text

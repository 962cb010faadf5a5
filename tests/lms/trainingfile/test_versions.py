"""Versions, finality, progress and failures of training file builds."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.attendance.models import AttendanceRecord, LeaveRequest
from lms.audit.models import AuditEvent
from lms.training.models import TrainingClass
from lms.trainingfile import fonts, sections
from lms.trainingfile.actions import check_request_build, do_request_build
from lms.trainingfile.builder import run_build
from lms.trainingfile.models import TrainingFile
from tests.factories import UserFactory

from .conftest import add_trainees, mark_all

pytestmark = pytest.mark.django_db

Status = TrainingFile.Status


def archive_class(training_class):
    TrainingClass.objects.filter(pk=training_class.pk).update(status=TrainingClass.Status.ARCHIVED)
    training_class.refresh_from_db()


def file_bytes(training_file):
    with training_file.file.open("rb") as handle:
        return handle.read()


def test_each_build_is_a_new_version_and_earlier_ones_stay(training_data, build):
    cls = training_data.training_class
    first = build(cls, training_data.officer)
    first_bytes = file_bytes(first)
    second = build(cls, training_data.staff)
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    first.refresh_from_db()
    assert first.status == Status.READY
    assert file_bytes(first) == first_bytes
    assert hashlib.sha256(first_bytes).hexdigest() == first.sha256
    assert not first.is_final and not second.is_final


def test_builds_after_archiving_are_final_and_never_replace_earlier_ones(training_data, build):
    cls = training_data.training_class
    before = build(cls, training_data.officer)
    archive_class(cls)
    final = build(cls, training_data.officer)
    assert final.is_final
    assert final.class_status == TrainingClass.Status.ARCHIVED
    final_bytes = file_bytes(final)
    again = build(cls, training_data.officer)
    assert (before.version, final.version, again.version) == (1, 2, 3)
    assert again.is_final
    final.refresh_from_db()
    assert final.status == Status.READY
    assert file_bytes(final) == final_bytes
    assert final.sha256 == hashlib.sha256(final_bytes).hexdigest()
    assert TrainingFile.objects.filter(training_class=cls).count() == 3
    before.refresh_from_db()
    assert not before.is_final


def test_a_request_is_numbered_and_audited(training_data, build):
    training_file = build(training_data.training_class, training_data.officer)
    event = AuditEvent.objects.get(action="trainingfile.requested")
    assert event.actor == training_data.officer
    assert event.object_id == str(training_file.pk)
    assert training_file.requested_by == training_data.officer


def test_no_second_build_while_one_is_running(training_data):
    cls = training_data.training_class
    TrainingFile.objects.create(training_class=cls, version=1, status=Status.BUILDING)
    with pytest.raises(ValidationError):
        check_request_build(cls, acting_user=training_data.officer)
    assert TrainingFile.objects.filter(training_class=cls).count() == 1


def test_a_build_stuck_for_too_long_is_given_up(training_data, build):
    cls = training_data.training_class
    stuck = TrainingFile.objects.create(training_class=cls, version=1, status=Status.BUILDING)
    TrainingFile.objects.filter(pk=stuck.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=1)
    )
    fresh = build(cls, training_data.officer)
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.error
    assert fresh.version == 2
    assert fresh.status == Status.READY


@pytest.mark.parametrize("role", ["finance_officer", "head_teacher", "lecturer", "trainee"])
def test_only_builders_may_request(training_data, role):
    with pytest.raises(PermissionDenied):
        check_request_build(training_data.training_class, acting_user=UserFactory(roles=[role]))
    assert not TrainingFile.objects.exists()


def test_staff_of_another_institution_may_not_request(training_data):
    outsider = UserFactory(roles=["institution_staff"])
    with pytest.raises(PermissionDenied):
        check_request_build(training_data.training_class, acting_user=outsider)
    assert not TrainingFile.objects.exists()


def test_progress_runs_from_queued_through_building_to_ready(
    training_data, django_capture_on_commit_callbacks
):
    seen = []

    def spy(record):
        seen.append(TrainingFile.objects.values("status", "progress", "step").get())
        return []

    sections.register_section("spy", title="Spy", order=35, build=spy)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            training_file = do_request_build(
                training_data.training_class, acting_user=training_data.officer
            )
        queued = TrainingFile.objects.get(pk=training_file.pk)
        assert (queued.status, queued.progress) == (Status.QUEUED, 0)
        for callback in callbacks:
            callback()
    finally:
        sections.unregister_section("spy")
    assert seen[0]["status"] == Status.BUILDING
    assert 5 <= seen[0]["progress"] < 100
    assert seen[0]["step"] == "Spy"
    training_file.refresh_from_db()
    assert (training_file.status, training_file.progress, training_file.step) == (
        Status.READY,
        100,
        "",
    )


def test_a_build_runs_once(training_data, build):
    training_file = build(training_data.training_class, training_data.officer)
    before = (training_file.file.name, training_file.sha256, training_file.finished_at)
    run_build(training_file.pk)  # a task delivered twice
    training_file.refresh_from_db()
    assert (training_file.file.name, training_file.sha256, training_file.finished_at) == before


def test_no_chinese_font_fails_with_a_clear_message(training_data, build, settings, monkeypatch):
    settings.PDF_CJK_FONT = None
    monkeypatch.setattr(fonts, "KNOWN_FONT_PATHS", ["/nonexistent/NotoSansCJK-Regular.ttc"])
    failed = build(training_data.training_class, training_data.officer)
    assert failed.status == Status.FAILED
    assert "fonts-noto-cjk" in failed.error
    assert not failed.file
    assert failed.progress < 100
    assert failed.finished_at is not None
    # Fixed, the retry is a new version; the failed one stays as it was.
    monkeypatch.undo()
    retry = build(training_data.training_class, training_data.officer)
    assert (retry.version, retry.status) == (2, Status.READY)
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_a_configured_font_that_is_missing_fails(training_data, build, settings):
    settings.PDF_CJK_FONT = "/nonexistent/font.ttc"
    failed = build(training_data.training_class, training_data.officer)
    assert failed.status == Status.FAILED
    assert "PDF_CJK_FONT" in failed.error and "/nonexistent/font.ttc" in failed.error


def test_a_font_without_chinese_is_refused(training_data, build, settings, tmp_path):
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "A": empty})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Latin Only", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    path = tmp_path / "latin.ttf"
    builder.save(str(path))
    settings.PDF_CJK_FONT = str(path)
    failed = build(training_data.training_class, training_data.officer)
    assert failed.status == Status.FAILED
    assert str(path) in failed.error


def test_an_unexpected_error_fails_the_build_and_leaves_no_file(training_data, build, settings):
    def broken(record):
        raise RuntimeError("disk on fire")

    sections.register_section("broken", title="Broken", order=99, build=broken)
    try:
        failed = build(training_data.training_class, training_data.officer)
    finally:
        sections.unregister_section("broken")
    assert failed.status == Status.FAILED
    assert "RuntimeError" in failed.error and "disk on fire" in failed.error
    folder = settings.MEDIA_ROOT / "training-files"
    assert not folder.exists() or not any(folder.rglob("*.zip"))


def test_a_later_app_adds_its_section(training_data, build):
    from .conftest import open_zip

    def follow_up(record):
        return [sections.Output("10-follow-up.csv", "Follow-up", content=b"name\n")]

    sections.register_section("follow_up", title="Follow-up", order=90, build=follow_up)
    try:
        training_file = build(training_data.training_class, training_data.officer)
    finally:
        sections.unregister_section("follow_up")
    archive = open_zip(training_file)
    assert archive.read("10-follow-up.csv") == b"name\n"
    import json

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["not_yet_included"] == []  # exam results and certificates are built


def _build_queries(training_class, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        training_file = do_request_build(training_class, acting_user=officer)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    training_file.refresh_from_db()
    assert training_file.status == Status.READY, training_file.error
    return len(queries)


def test_the_build_runs_a_bounded_number_of_queries(
    training_data, django_capture_on_commit_callbacks
):
    cls = training_data.training_class
    sessions = training_data.sessions
    head = training_data.head

    def add(count, start):
        enrolments = add_trainees(cls, count, start=start)
        mark_all(cls, enrolments, sessions[:2])
        for enrolment in enrolments:
            leave = LeaveRequest.objects.create(
                enrolment=enrolment,
                reason="事假",
                status=LeaveRequest.Status.APPROVED,
                decided_by=head,
            )
            leave.sessions.set(sessions[2:])
            AttendanceRecord.objects.create(
                session=sessions[2],
                enrolment=enrolment,
                status=AttendanceRecord.Status.ON_LEAVE,
                source=AttendanceRecord.Source.LEAVE,
            )

    with_three = _build_queries(cls, training_data.officer, django_capture_on_commit_callbacks)
    add(7, start=0)
    with_ten = _build_queries(cls, training_data.officer, django_capture_on_commit_callbacks)
    assert with_three == with_ten
    assert with_ten < 70  # every section, exam results and certificates included


# The worker closes database connections between tasks, as a long-running process should;
# only a transactional test survives that on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_a_build_waits_for_the_worker_then_finishes(
    training_data, settings, django_capture_on_commit_callbacks
):
    """What ``make run`` and production do: the request only queues; ``db_worker`` builds."""
    from django.core.management import call_command

    settings.TASKS = {
        **settings.TASKS,
        "background": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        training_file = check_request_build(
            training_data.training_class, acting_user=training_data.officer
        )
    training_file.refresh_from_db()
    assert training_file.status == Status.QUEUED
    assert not training_file.file
    call_command("db_worker", "--batch", "--backend", "background", verbosity=0)
    training_file.refresh_from_db()
    assert training_file.status == Status.READY
    assert training_file.progress == 100
    assert training_file.file

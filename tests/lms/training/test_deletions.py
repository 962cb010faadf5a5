"""Deleting in the admin never breaks the record: used venues, running classes and frozen plans
stay."""

from lms.training.models import TrainingClass, TrainingPlan, Venue, VenueKind
from tests.factories import training as build


def test_a_venue_in_use_is_not_deleted(client, world, make_user):
    client.force_login(make_user("administrator"))
    # Named in the approved plan.
    response = client.post(f"/admin/training/venues/delete/{world.classroom.pk}/")
    assert response.status_code == 302
    assert Venue.objects.filter(pk=world.classroom.pk).exists()
    # Booked for a session.
    spare = build.make_venue(world.a, VenueKind.CLASSROOM, name="备用教室")
    build.make_session(build.make_class(world.plan), venue=spare)
    client.post(f"/admin/training/venues/delete/{spare.pk}/")
    assert Venue.objects.filter(pk=spare.pk).exists()
    # An unused one goes.
    unused = build.make_venue(world.a, VenueKind.CLASSROOM, name="闲置教室")
    assert client.get(f"/admin/training/venues/delete/{unused.pk}/").status_code == 200
    client.post(f"/admin/training/venues/delete/{unused.pk}/")
    assert not Venue.objects.filter(pk=unused.pk).exists()


def test_only_a_planned_class_without_enrolments_is_deleted(client, world, make_user):
    client.force_login(make_user("administrator"))
    running = build.make_class(world.plan, status=TrainingClass.Status.IN_PROGRESS)
    booked = build.make_class(world.plan, status=TrainingClass.Status.PLANNED)
    build.make_enrolment(booked)
    empty = build.make_class(world.plan, status=TrainingClass.Status.PLANNED)
    for training_class in (running, booked):
        response = client.post(f"/admin/training/classes/delete/{training_class.pk}/")
        assert response.status_code == 302
        assert TrainingClass.objects.filter(pk=training_class.pk).exists()
    client.post(f"/admin/training/classes/delete/{empty.pk}/")
    assert not TrainingClass.objects.filter(pk=empty.pk).exists()


def test_staff_cannot_delete_classes(client, world):
    empty = build.make_class(world.plan, status=TrainingClass.Status.PLANNED)
    client.force_login(world.staff_a)
    client.post(f"/admin/training/classes/delete/{empty.pk}/")
    assert TrainingClass.objects.filter(pk=empty.pk).exists()


def test_the_plan_inspect_view_reads_the_eligibility_rules(client, world):
    from django.utils import translation

    from lms.accounts.models import TraineeProfile

    TrainingPlan.objects.filter(pk=world.plan.pk).update(categories=["rural_youth"])
    client.force_login(world.staff_a)
    response = client.get(f"/admin/training/plans/inspect/{world.plan.pk}/")
    values = {str(field["value"]) for field in response.context["fields"]}
    with translation.override("zh-hans"):
        assert str(TraineeProfile.Education.JUNIOR_HIGH.label) in values
        assert str(TraineeProfile.Category.RURAL_YOUTH.label) in values
    assert "junior_high" not in values and "rural_youth" not in values

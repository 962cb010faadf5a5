"""Keep rooms and open sockets in step with classes, enrolments and accounts.

- A room is made with every training class (``post_save``).
- When someone may have left a room (an enrolment leaves ``enrolled``, the head teacher or the
  lecturers of a class change) their sockets are told to re-check membership; a socket that
  lost it closes with 4403 within seconds.
- A deactivated account's sockets close with 4403; so do the sockets of a session that logs out.
- When someone's roles change (administrator, officer), their sockets re-check too: an open
  socket caches the user's roles, and roles decide who supervises and who moderates.

Notices go to the user (``("user", id)`` through ``live.hub``) after the transaction commits.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save


def _later(function, *args, **kwargs):
    transaction.on_commit(lambda: function(*args, **kwargs))


def _notify(user_id, event_type, **fields):
    from .actions import notify_user

    _later(notify_user, user_id, event_type, **fields)


def class_saved(sender, instance, created, raw=False, **kwargs):
    from .models import ChatRoom

    if raw:
        return
    if created:
        ChatRoom.objects.get_or_create(training_class=instance)
        return
    # The lecturers of a ClusterableModel are written after post_save, so re-check the people
    # who were in charge before the save once everything has committed.
    for user_id in getattr(instance, "_chat_staff_before", ()):
        _notify(user_id, "chat.recheck")


def class_saving(sender, instance, raw=False, **kwargs):
    from lms.training.models import Lecturer

    if raw or instance.pk is None:
        return
    before = set(
        Lecturer.objects.filter(classes=instance.pk, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    head_teacher = (
        type(instance)
        .objects.filter(pk=instance.pk)
        .values_list("head_teacher_id", flat=True)
        .first()
    )
    if head_teacher:
        before.add(head_teacher)
    instance._chat_staff_before = before


def enrolment_saved(sender, instance, created, raw=False, **kwargs):
    from lms.enrolment.models import ClassEnrolment

    if raw or instance.status == ClassEnrolment.Status.ENROLLED:
        return
    user_id = instance.profile.user_id if instance.profile_id else None
    if user_id:
        _notify(user_id, "chat.recheck")


def user_saved(sender, instance, created, raw=False, **kwargs):
    if raw or created or instance.is_active:
        return
    _notify(instance.pk, "chat.close")


def roles_changed(sender, instance, action, reverse=False, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # users added to or removed from a group
        for user_id in pk_set or ():
            _notify(user_id, "chat.recheck")
    elif instance.pk:
        _notify(instance.pk, "chat.recheck")


def logged_out(sender, request, user, **kwargs):
    if user is None or not user.pk:
        return
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    _notify(user.pk, "chat.close", session=session_key)


def connect():
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingClass

    pre_save.connect(class_saving, sender=TrainingClass, dispatch_uid="live.class_saving")
    post_save.connect(class_saved, sender=TrainingClass, dispatch_uid="live.class_saved")
    post_save.connect(enrolment_saved, sender=ClassEnrolment, dispatch_uid="live.enrolment")
    post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="live.user_saved")
    user_logged_out.connect(logged_out, dispatch_uid="live.logged_out")
    m2m_changed.connect(
        roles_changed, sender=get_user_model().groups.through, dispatch_uid="live.roles_changed"
    )

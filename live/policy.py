"""Who is in a class chat room, who may send, read and moderate (see docs/chat.md).

Members: trainees enrolled in the class (``ClassEnrolment`` status enrolled, with an account),
the head teacher and the class's lecturers (with accounts). Committee members are trainees.
Trainees keep the room after the class has finished or been archived (their alumni group).
Commerce officers, finance officers and administrators may read any room (supervision) but do
not send. Moderators: the head teacher, the class's lecturers and administrators. Anyone else,
and an unknown class id, gets the same 404 (on the socket: close code 4404).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from lms.training.policy import SUPERVISOR_ROLES


class ChatRole:
    HEAD_TEACHER = "head_teacher"
    LECTURER = "lecturer"
    TRAINEE = "trainee"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"


@dataclass(frozen=True)
class Membership:
    """Where one user stands in one room."""

    role: str
    can_send: bool
    can_moderate: bool

    @property
    def can_read(self):
        return True


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def _class_queryset(user):
    """Classes annotated with whether ``user`` lectures or is enrolled in them (one query)."""
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingClass

    lectures = TrainingClass.lecturers.through.objects.filter(
        trainingclass_id=OuterRef("pk"), lecturer__user_id=user.pk
    )
    enrolled = ClassEnrolment.objects.filter(
        training_class_id=OuterRef("pk"),
        profile__user_id=user.pk,
        status=ClassEnrolment.Status.ENROLLED,
    )
    return TrainingClass.objects.select_related("chat_room").annotate(
        viewer_lectures=Exists(lectures), viewer_enrolled=Exists(enrolled)
    )


def _membership_from(user, training_class):
    """The ``Membership`` given an annotated class; None for anyone outside the room."""
    if training_class.head_teacher_id == user.pk:
        return Membership(ChatRole.HEAD_TEACHER, can_send=True, can_moderate=True)
    if training_class.viewer_lectures:
        return Membership(ChatRole.LECTURER, can_send=True, can_moderate=True)
    administrator = user.is_superuser or "administrator" in user.role_codes()
    if training_class.viewer_enrolled:
        return Membership(ChatRole.TRAINEE, can_send=True, can_moderate=administrator)
    if administrator or user.role_codes() & SUPERVISOR_ROLES:
        return Membership(ChatRole.SUPERVISOR, can_send=False, can_moderate=administrator)
    return None


def _room_of(training_class):
    from .models import ChatRoom

    try:
        return training_class.chat_room
    except ChatRoom.DoesNotExist:
        # Rooms are made with the class (live.signals); this covers rows made around it.
        room, _created = ChatRoom.objects.get_or_create(training_class=training_class)
        return room


def access_room(user, class_id):
    """``(room, membership)`` if ``user`` may read the chat of class ``class_id``.

    Raises ``Http404`` with the same message for unknown classes and rooms ``user`` is not in.
    ``room.training_class`` is loaded. One query (two for a user whose roles are not cached).
    """
    if not _active(user):
        raise Http404(_("No such class."))
    try:
        training_class = _class_queryset(user).get(pk=int(class_id))
    except (ValueError, TypeError, OverflowError):
        raise Http404(_("No such class.")) from None
    except Exception as error:
        from lms.training.models import TrainingClass

        if isinstance(error, TrainingClass.DoesNotExist):
            raise Http404(_("No such class.")) from None
        raise
    membership = _membership_from(user, training_class)
    if membership is None:
        raise Http404(_("No such class."))
    room = _room_of(training_class)
    room.training_class = training_class
    return room, membership


def membership_in(user, room):
    """The user's ``Membership`` in ``room`` now, or None. One query (re-read every send)."""
    if not _active(user):
        return None
    training_class = _class_queryset(user).filter(pk=room.training_class_id).first()
    if training_class is None:
        return None
    return _membership_from(user, training_class)


def is_member(user, room):
    """Members send: enrolled trainees, the head teacher, the class's lecturers."""
    membership = membership_in(user, room)
    return membership is not None and membership.can_send


def can_read(user, room):
    return membership_in(user, room) is not None


def can_moderate(user, room):
    membership = membership_in(user, room)
    return membership is not None and membership.can_moderate


def trainee_user_ids(room):
    """A queryset of the user ids of the trainees enrolled in the room's class."""
    from lms.enrolment.models import ClassEnrolment

    return ClassEnrolment.objects.filter(
        training_class_id=room.training_class_id,
        status=ClassEnrolment.Status.ENROLLED,
        profile__user__isnull=False,
        profile__user__is_active=True,
    ).values("profile__user_id")


def staff_roles(training_class):
    """``{user_id: role}`` for the class's head teacher and lecturers (one query)."""
    from lms.training.models import Lecturer

    lecturer_ids = Lecturer.objects.filter(classes=training_class, user__isnull=False).values_list(
        "user_id", flat=True
    )
    roles = dict.fromkeys(lecturer_ids, ChatRole.LECTURER)
    if training_class.head_teacher_id:
        roles[training_class.head_teacher_id] = ChatRole.HEAD_TEACHER
    return roles


def rooms_of(user):
    """The rooms ``user`` is a member of (sends in), as a queryset."""
    from lms.training.policy import classes_of

    from .models import ChatRoom

    if not _active(user):
        return ChatRoom.objects.none()
    return ChatRoom.objects.filter(training_class__in=classes_of(user).values("pk"))

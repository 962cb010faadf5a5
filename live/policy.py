"""Who is in a class chat room, who may send, read and moderate (see docs/chat.md).

Members: trainees enrolled in the class (``ClassEnrolment`` status enrolled, with an account),
the head teacher and the class's lecturers (with accounts). Committee members are trainees.
Trainees keep the room after the class has finished or been archived (their alumni group).
Commerce officers and administrators may read any room (supervision, as the work plan gives the
Bureau of Commerce) but do not send; finance officers settle subsidies from attendance and the
training file and do not read trainees' conversations. Moderators: the head teacher, the class's
lecturers and administrators. Anyone else, and an unknown class id, gets the same 404 (on the
socket: close code 4404).
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in

# Who reads every room for supervision (besides the members).
CHAT_SUPERVISOR_ROLES = {"administrator", "commerce_officer"}


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
    return _membership(
        user,
        head_teacher_id=training_class.head_teacher_id,
        lectures=training_class.viewer_lectures,
        enrolled=training_class.viewer_enrolled,
    )


def _membership(user, *, head_teacher_id, lectures, enrolled):
    if head_teacher_id == user.pk:
        return Membership(ChatRole.HEAD_TEACHER, can_send=True, can_moderate=True)
    if lectures:
        return Membership(ChatRole.LECTURER, can_send=True, can_moderate=True)
    administrator = user.is_superuser or "administrator" in user.role_codes()
    if enrolled:
        return Membership(ChatRole.TRAINEE, can_send=True, can_moderate=administrator)
    if administrator or user.role_codes() & CHAT_SUPERVISOR_ROLES:
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
    if not is_signed_in(user):
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
    if not is_signed_in(user):
        return None
    training_class = _class_queryset(user).filter(pk=room.training_class_id).first()
    if training_class is None:
        return None
    return _membership_from(user, training_class)


@dataclass(frozen=True)
class SendFacts:
    """What sending needs to know about ``user`` in a room, read in one statement."""

    membership: Membership | None
    locked: bool
    muted: bool
    existing_id: int | None


_SEND_FACTS_SQL = {}


def _send_facts_sql(connection):
    """The statement behind ``send_facts`` for this database, built once from the models'
    table and column names. Hand-written because it runs on every message sent: the ORM's
    four-subquery version costs about 8 ms of Python per send, this about 0.3 ms. It must
    agree with ``_class_queryset``; ``tests/live/test_chat_policy.py`` checks that it does."""
    key = (connection.vendor, connection.features.has_select_for_update_of)
    if key in _SEND_FACTS_SQL:
        return _SEND_FACTS_SQL[key]
    from lms.accounts.models import TraineeProfile
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import Lecturer, TrainingClass

    from .models import ChatMessage, ChatMute, ChatRoom

    q = connection.ops.quote_name
    lecturers = TrainingClass._meta.get_field("lecturers")
    through = lecturers.remote_field.through._meta.db_table

    def column(model, name):
        return q(model._meta.get_field(name).column)

    sql = f"""
        SELECT r.{column(ChatRoom, "is_locked")}, c.{column(TrainingClass, "head_teacher")},
          EXISTS (SELECT 1 FROM {q(through)} t
                  JOIN {q(Lecturer._meta.db_table)} l ON l.{column(Lecturer, "id")}
                    = t.{q(lecturers.m2m_reverse_name())}
                  WHERE t.{q(lecturers.m2m_column_name())} = c.{column(TrainingClass, "id")}
                    AND l.{column(Lecturer, "user")} = %(user)s),
          EXISTS (SELECT 1 FROM {q(ClassEnrolment._meta.db_table)} e
                  JOIN {q(TraineeProfile._meta.db_table)} p ON p.{column(TraineeProfile, "id")}
                    = e.{column(ClassEnrolment, "profile")}
                  WHERE e.{column(ClassEnrolment, "training_class")}
                    = c.{column(TrainingClass, "id")}
                    AND p.{column(TraineeProfile, "user")} = %(user)s
                    AND e.{column(ClassEnrolment, "status")} = %(enrolled)s),
          EXISTS (SELECT 1 FROM {q(ChatMute._meta.db_table)} m
                  WHERE m.{column(ChatMute, "room")} = r.{column(ChatRoom, "id")}
                    AND m.{column(ChatMute, "user")} = %(user)s
                    AND m.{column(ChatMute, "until")} > %(now)s),
          (SELECT x.{column(ChatMessage, "id")} FROM {q(ChatMessage._meta.db_table)} x
           WHERE x.{column(ChatMessage, "room")} = r.{column(ChatRoom, "id")}
             AND x.{column(ChatMessage, "sender")} = %(user)s
             AND x.{column(ChatMessage, "client_id")} = %(client_id)s)
        FROM {q(ChatRoom._meta.db_table)} r
        JOIN {q(TrainingClass._meta.db_table)} c
          ON c.{column(TrainingClass, "id")} = r.{column(ChatRoom, "training_class")}
        WHERE r.{column(ChatRoom, "id")} = %(room)s
    """
    if key[1]:
        sql += " FOR UPDATE OF r"
    _SEND_FACTS_SQL[key] = sql
    return sql


def send_facts(user, room, client_id=None, *, now=None):
    """``SendFacts`` for ``user`` in ``room``: membership, the room's lock, an active mute and
    the id of a message already sent with ``client_id``. One statement; inside a transaction
    on PostgreSQL it also locks the room row (sends are serialised per room)."""
    from django.db import connection
    from django.utils import timezone

    from lms.enrolment.models import ClassEnrolment

    from .models import ChatMessage, ChatMute

    if not is_signed_in(user):
        return SendFacts(None, False, False, None)
    params = {
        "user": user.pk,
        "room": room.pk,
        "enrolled": ClassEnrolment.Status.ENROLLED.value,
        "now": ChatMute._meta.get_field("until").get_db_prep_value(
            now or timezone.now(), connection
        ),
        "client_id": ChatMessage._meta.get_field("client_id").get_db_prep_value(
            client_id, connection
        ),
    }
    with connection.cursor() as cursor:
        cursor.execute(_send_facts_sql(connection), params)
        row = cursor.fetchone()
    if row is None:
        return SendFacts(None, False, False, None)
    locked, head_teacher_id, lectures, enrolled, muted, existing_id = row
    membership = _membership(
        user, head_teacher_id=head_teacher_id, lectures=bool(lectures), enrolled=bool(enrolled)
    )
    return SendFacts(membership, bool(locked), bool(muted), existing_id)


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

    if not is_signed_in(user):
        return ChatRoom.objects.none()
    return ChatRoom.objects.filter(training_class__in=classes_of(user).values("pk"))

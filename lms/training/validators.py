"""Validators for institutions (pure functions, no database)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from the digits and the capitals without I, O, Z, S, V.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CHAR = f"[{CREDIT_CODE_CHARS}]"
# 1: registering authority; 2: kind of body; 3-8: administrative division code (digits);
# 9-17: the body's identification code; 18: check character.
CREDIT_CODE_RE = re.compile(rf"^[1-9A-HJ-NP-RTUWXY]{_CHAR}\d{{6}}{_CHAR}{{9}}{_CHAR}$")


def normalise_credit_code(value):
    """Upper-case and drop the spaces people type or paste by mistake."""
    return "".join((value or "").split()).upper()


def credit_code_check_char(first_17):
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight
        for char, weight in zip(first_17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value):
    """A unified social credit code (统一社会信用代码) in the GB 32100-2015 format."""
    value = normalise_credit_code(value)
    if not CREDIT_CODE_RE.match(value):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, Z, S and V, with digits in places 3 to 8."
            ),
            code="credit_code_format",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This credit code's last character does not match; please check it."),
            code="credit_code_checksum",
        )


# --- Pure rules for plans, classes and sessions -------------------------------------------
#
# No database here: callers pass the values (and already loaded objects). The admin forms, the
# actions and the API call these, so a plan, class or session is judged the same everywhere.
# Each returns a dict ``{field: [message, ...]}``; empty means no problem.

MAX_CLASS_SIZE = 50
MIN_CLASS_DAYS = 3
MAX_CLASS_DAYS = 5


def add_error(errors, field, message):
    """Add ``message`` to ``errors[field]``."""
    errors.setdefault(field, []).append(message)


def raise_if_errors(errors):
    if errors:
        raise ValidationError(errors)


def plan_number_errors(
    *,
    number_of_classes=None,
    trainees_per_class=None,
    days_per_class=None,
    start_date=None,
    end_date=None,
    min_age=None,
    max_age=None,
    village_quota=None,
):
    """The numbers of a training plan: classes, trainees per class (1-50), days per class (3-5),
    a period long enough for one class, an age range and a village quota."""
    errors = {}
    if number_of_classes is not None and number_of_classes < 1:
        add_error(errors, "number_of_classes", _("A plan has at least one class."))
    if trainees_per_class is not None and not 1 <= trainees_per_class <= MAX_CLASS_SIZE:
        add_error(
            errors,
            "trainees_per_class",
            _("A class has at most %(max)d trainees.") % {"max": MAX_CLASS_SIZE},
        )
    if days_per_class is not None and not MIN_CLASS_DAYS <= days_per_class <= MAX_CLASS_DAYS:
        add_error(
            errors,
            "days_per_class",
            _("A class lasts %(min)d to %(max)d days.")
            % {"min": MIN_CLASS_DAYS, "max": MAX_CLASS_DAYS},
        )
    if start_date is not None and end_date is not None:
        if end_date < start_date:
            add_error(errors, "end_date", _("The last day cannot be before the first day."))
        elif (
            days_per_class is not None
            and "days_per_class" not in errors
            and (end_date - start_date).days + 1 < days_per_class
        ):
            add_error(
                errors,
                "end_date",
                _("The plan's period is shorter than one class of %(days)d days.")
                % {"days": days_per_class},
            )
    if min_age is not None and max_age is not None and min_age > max_age:
        add_error(errors, "max_age", _("The maximum age cannot be below the minimum age."))
    if village_quota is not None:
        if village_quota < 1:
            add_error(errors, "village_quota", _("Allow at least one place per village."))
        elif trainees_per_class is not None and village_quota > trainees_per_class:
            add_error(
                errors,
                "village_quota",
                _("The places per village cannot exceed the trainees per class."),
            )
    return errors


def class_date_errors(start_date, end_date, *, plan_start, plan_end, days_per_class):
    """A class runs inside its plan's period for exactly the plan's days per class (3-5)."""
    errors = {}
    if start_date is None or end_date is None:
        return errors
    if end_date < start_date:
        add_error(errors, "end_date", _("The last day cannot be before the first day."))
        return errors
    if start_date < plan_start or end_date > plan_end:
        add_error(
            errors,
            "start_date",
            _("The class must run within the plan's dates, %(start)s to %(end)s.")
            % {"start": plan_start.isoformat(), "end": plan_end.isoformat()},
        )
    days = (end_date - start_date).days + 1
    if not MIN_CLASS_DAYS <= days <= MAX_CLASS_DAYS:
        add_error(
            errors,
            "end_date",
            _("A class lasts %(min)d to %(max)d days; these dates give %(days)d.")
            % {"min": MIN_CLASS_DAYS, "max": MAX_CLASS_DAYS, "days": days},
        )
    elif days != days_per_class:
        add_error(
            errors,
            "end_date",
            _("The plan sets %(plan_days)d days per class; these dates give %(days)d.")
            % {"plan_days": days_per_class, "days": days},
        )
    return errors


def class_capacity_errors(capacity, *, trainees_per_class, places_taken=0):
    """At most 50, at most the plan's trainees per class, never below the places taken."""
    errors = {}
    if capacity is None:
        return errors
    if not 1 <= capacity <= MAX_CLASS_SIZE:
        message = _("A class has at most %(max)d trainees.") % {"max": MAX_CLASS_SIZE}
        add_error(errors, "capacity", message)
    elif capacity > trainees_per_class:
        add_error(
            errors,
            "capacity",
            _("The plan allows at most %(n)d trainees per class.") % {"n": trainees_per_class},
        )
    if capacity < places_taken:
        add_error(
            errors,
            "capacity",
            _("%(taken)d places are already taken; the capacity cannot be lower.")
            % {"taken": places_taken},
        )
    return errors


def lessons_outside_courses(lessons, course_paths):
    """The lessons that are not under any of the courses with these tree paths."""
    return [
        lesson
        for lesson in lessons
        if not any(lesson.path.startswith(path) and lesson.path != path for path in course_paths)
    ]


WRONG_VENUE_KIND = {
    "theory": _("A theory session is held in a theory classroom."),
    "practice": _("A practice session is held in a computer room."),
}


def session_errors(sessions, *, start_date, end_date, institution_id, lecturer_ids, course_paths):
    """Check a class's sessions against the class and each other.

    ``sessions`` are objects with ``date``, ``starts_at``, ``ends_at``, ``kind``, ``venue``,
    ``lecturer`` and ``lessons`` (a list); the class runs ``start_date`` to ``end_date`` at
    ``institution_id`` with the lecturers ``lecturer_ids``, teaching courses at ``course_paths``.
    Returns one error dict per session, in the same order.
    """
    from .models import ClassSession

    results = [{} for _session in sessions]
    timed = []
    for index, session in enumerate(sessions):
        errors = results[index]
        has_dates = None not in (session.date, start_date, end_date)
        if has_dates and not start_date <= session.date <= end_date:
            add_error(
                errors,
                "date",
                _("The session must be on one of the class's days, %(start)s to %(end)s.")
                % {"start": start_date.isoformat(), "end": end_date.isoformat()},
            )
        if session.starts_at is not None and session.ends_at is not None:
            if session.ends_at <= session.starts_at:
                add_error(errors, "ends_at", _("A session ends after it starts."))
            elif session.date is not None:
                timed.append(index)
        venue = session.venue
        if venue is not None:
            if venue.institution_id != institution_id:
                add_error(errors, "venue", _("Choose a venue of the class's institution."))
            elif venue.kind != ClassSession.VENUE_KIND.get(session.kind, venue.kind):
                add_error(errors, "venue", WRONG_VENUE_KIND[session.kind])
        if session.lecturer is not None and session.lecturer.pk not in lecturer_ids:
            add_error(errors, "lecturer", _("Choose one of the class's lecturers."))
        outside = lessons_outside_courses(session.lessons, course_paths)
        if outside:
            add_error(
                errors,
                "lessons",
                _("These lessons are not in the plan's courses: %(lessons)s.")
                % {"lessons": _("; ").join(lesson.title for lesson in outside)},
            )
    timed.sort(key=lambda i: (sessions[i].date, sessions[i].starts_at))
    for position, index in enumerate(timed):
        session = sessions[index]
        for earlier_index in timed[:position]:
            earlier = sessions[earlier_index]
            if (
                earlier.date == session.date
                and earlier.starts_at < session.ends_at
                and session.starts_at < earlier.ends_at
            ):
                add_error(
                    results[index],
                    "starts_at",
                    _("This session overlaps another on %(date)s from %(start)s to %(end)s.")
                    % {
                        "date": earlier.date.isoformat(),
                        "start": earlier.starts_at.strftime("%H:%M"),
                        "end": earlier.ends_at.strftime("%H:%M"),
                    },
                )
                break
    return results

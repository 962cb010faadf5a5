"""Training pages on the site, mounted at ``/training/`` by ``lms.urls``.

- Public notices (公示) of cancelled qualifications; no sign-in needed.
- "My classes", the class page and the class roster, for the people who take part in a class.

The functions in the "Reading a class" section build the data the pages *and* the API
(``lms.training.api``) show, so both doors apply the same rules: who sees which class (one 404
for unknown and other people's classes), trainees see their classmates' names only, the head
teacher also sees masked phones on the class page and full phones on the roster, and ID numbers
are always masked. Each costs a fixed number of queries whatever the number of sessions,
lessons or trainees.
"""

import itertools
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from . import panels
from .models import ClassSession, Institution, InstitutionStatusChange, TrainingClass, TrainingPlan
from .policy import ClassRole, access_class, can_run_class, classes_of

NOTICES_PER_PAGE = 20


def _cancellations():
    return InstitutionStatusChange.objects.filter(
        to_status=Institution.Status.CANCELLED
    ).select_related("institution")


def notice_index(request):
    """Every cancelled qualification, newest first, twenty a page, in a fixed number of queries."""
    page_obj = Paginator(_cancellations(), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/notice_index.html",
        {"page_obj": page_obj, "notices": page_obj.object_list},
    )


def notice_detail(request, pk):
    """One cancellation notice; 404 for unknown ids and for changes that are not cancellations."""
    notice = get_object_or_404(_cancellations(), pk=pk)
    return render(request, "training/notice_detail.html", {"notice": notice})


# --- Reading a class (shared with the API) ----------------------------------------------------

# The order roles are listed in, and their labels.
ROLE_ORDER = [
    ClassRole.TRAINEE,
    ClassRole.HEAD_TEACHER,
    ClassRole.LECTURER,
    ClassRole.STAFF,
    ClassRole.SUPERVISOR,
]
ROLE_LABELS = {
    ClassRole.TRAINEE: gettext_lazy("Trainee"),
    ClassRole.HEAD_TEACHER: gettext_lazy("Head teacher"),
    ClassRole.LECTURER: gettext_lazy("Lecturer"),
    ClassRole.STAFF: gettext_lazy("Institution staff"),
    ClassRole.SUPERVISOR: gettext_lazy("Supervising officer"),
}

# Where a session stands against the clock.
PAST, NOW, NEXT, LATER = "past", "now", "next", "later"
STATE_LABELS = {
    PAST: pgettext_lazy("session", "Finished"),
    NOW: pgettext_lazy("session", "Now"),
    NEXT: pgettext_lazy("session", "Next"),
    LATER: pgettext_lazy("session", "Later"),
}

# Committee members are listed first, in the work plan's order: monitor, study, life, discipline.
COMMITTEE_ORDER = {"monitor": 0, "study": 1, "life": 2, "discipline": 3}


def sorted_roles(roles):
    """``[(code, label)]`` in the programme's order."""
    return [(role, ROLE_LABELS[role]) for role in ROLE_ORDER if role in roles]


def mark_session_states(sessions, now=None):
    """Set ``state`` on each session (sorted by start): past, now, the single next one, later."""
    now = now or timezone.now()
    next_found = False
    for session in sessions:
        if session.ends() <= now:
            session.state = PAST
        elif session.starts() <= now:
            session.state = NOW
        elif not next_found:
            session.state = NEXT
            next_found = True
        else:
            session.state = LATER
        session.state_label = STATE_LABELS[session.state]
    return sessions


def _live_lessons_prefetch():
    from courses_content.models import LessonPage

    return Prefetch(
        "lessons",
        queryset=LessonPage.objects.live().defer_streamfields().order_by("path"),
        to_attr="live_lessons",
    )


def _sessions_queryset():
    return ClassSession.objects.select_related("venue", "lecturer").order_by(
        "date", "starts_at", "pk"
    )


def lesson_links(session, request):
    """``[(lesson, url)]`` for the session's live lessons (prefetched)."""
    return [(lesson, lesson.get_url(request)) for lesson in getattr(session, "live_lessons", [])]


@dataclass
class MyClass:
    """One row of "My classes": the class, the user's roles in it and today's sessions."""

    training_class: TrainingClass
    roles: set
    committee_role: str = ""
    committee_role_label: str = ""
    today_sessions: list = field(default_factory=list)
    chat_unread: int = 0

    @property
    def role_list(self):
        return sorted_roles(self.roles)

    @property
    def is_current(self):
        today = timezone.localdate()
        return self.training_class.start_date <= today <= self.training_class.end_date


def my_classes_of(user):
    """The classes ``user`` takes part in (``classes_of``) as ``MyClass`` rows.

    Running classes first, then upcoming ones (soonest first), then past ones (latest first).
    Five queries whatever the number of classes.
    """
    from lms.enrolment.models import ClassEnrolment

    today = timezone.localdate()
    classes = list(
        classes_of(user)
        .select_related("institution")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=_sessions_queryset()
                .filter(date=today)
                .prefetch_related(_live_lessons_prefetch()),
                to_attr="today_sessions",
            )
        )
    )
    if not classes:
        return []
    ids = [training_class.pk for training_class in classes]
    lecturing = set(
        TrainingClass.lecturers.through.objects.filter(
            trainingclass_id__in=ids, lecturer__user=user
        ).values_list("trainingclass_id", flat=True)
    )
    enrolments = {
        enrolment.training_class_id: enrolment
        for enrolment in ClassEnrolment.objects.filter(
            training_class_id__in=ids,
            profile__user=user,
            status=ClassEnrolment.Status.ENROLLED,
        )
    }
    now = timezone.now()
    rows = []
    for training_class in classes:
        roles = set()
        if training_class.head_teacher_id == user.pk:
            roles.add(ClassRole.HEAD_TEACHER)
        if training_class.pk in lecturing:
            roles.add(ClassRole.LECTURER)
        enrolment = enrolments.get(training_class.pk)
        if enrolment is not None:
            roles.add(ClassRole.TRAINEE)
        rows.append(
            MyClass(
                training_class=training_class,
                roles=roles,
                committee_role=enrolment.committee_role if enrolment else "",
                committee_role_label=(
                    enrolment.get_committee_role_display()
                    if enrolment and enrolment.committee_role
                    else ""
                ),
                today_sessions=mark_session_states(training_class.today_sessions, now),
            )
        )

    def order(row):
        cls = row.training_class
        if cls.start_date <= today <= cls.end_date:
            return (0, cls.start_date.toordinal())
        if cls.start_date > today:
            return (1, cls.start_date.toordinal())
        return (2, -cls.end_date.toordinal())

    rows.sort(key=order)
    return rows


def plan_courses(training_class):
    """The live courses of the class's plan, in curriculum order (one query)."""
    from courses_content.models import CoursePage

    course_ids = TrainingPlan.courses.through.objects.filter(
        trainingplan_id=training_class.plan_id
    ).values("coursepage_id")
    return list(
        CoursePage.objects.live().defer_streamfields().filter(pk__in=course_ids).order_by("path")
    )


def class_sessions(training_class):
    """Every session of the class with venue, lecturer and live lessons (two queries)."""
    return list(
        _sessions_queryset()
        .filter(training_class=training_class)
        .prefetch_related(_live_lessons_prefetch())
    )


def enrolled_trainees(training_class, *, with_village=False):
    """The class's enrolled trainees, committee members first, then by name (one query)."""
    from lms.enrolment.models import ClassEnrolment

    related = ["profile__village__parent"] if with_village else ["profile"]
    enrolments = list(
        ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        ).select_related(*related)
    )
    enrolments.sort(
        key=lambda e: (COMMITTEE_ORDER.get(e.committee_role, 99), e.profile.real_name, e.pk)
    )
    return enrolments


def can_see_roster(user, training_class):
    """The head teacher (and administrators standing in), institution staff of the class's
    institution, and officers. ``training_class`` came through ``access_class``."""
    roles = getattr(training_class, "viewer_roles", set())
    return can_run_class(user, training_class) or bool(
        roles & {ClassRole.STAFF, ClassRole.SUPERVISOR}
    )


def access_class_roster(user, class_id):
    """The class if ``user`` may see its roster; the same 404 as for an unknown class."""
    training_class = access_class(user, class_id)
    if not can_see_roster(user, training_class):
        raise Http404(_("No such class."))
    return training_class


def shows_full_phones(user, training_class):
    """On the roster the head teacher sees whole phone numbers (to call trainees), as do
    holders of ``accounts.view_full_id_number``; everyone else sees them masked."""
    return can_run_class(user, training_class) or user.has_perm("accounts.view_full_id_number")


def can_see_progress_report(training_class):
    """Whether the viewer may open the class's progress report (``lms.learning``)."""
    roles = getattr(training_class, "viewer_roles", set())
    return bool(
        roles & {ClassRole.HEAD_TEACHER, ClassRole.LECTURER, ClassRole.STAFF, ClassRole.SUPERVISOR}
    )


@dataclass
class ClassPage:
    """Everything the class page and ``GET /api/v1/classes/{id}`` show about one class."""

    training_class: TrainingClass
    roles: set
    enrolment: object
    sessions: list
    days: list  # [(date, [sessions], is_today)]
    today_sessions: list
    upcoming_session: object  # the next session on a later day, when none is today
    courses: list
    course_progress: dict  # {course_id: CourseProgress}: lessons and the viewer's progress
    head_teacher: object
    lecturers: list
    committee: list
    trainees: list
    shows_phones: bool
    can_see_roster: bool
    can_see_report: bool

    @property
    def is_trainee(self):
        return self.enrolment is not None

    @property
    def role_list(self):
        return sorted_roles(self.roles)


def class_page_data(request, user, training_class):
    """Read everything the class page shows; ``training_class`` came through ``access_class``.

    ``request`` is used for links only (each session's ``lesson_links``); ``user`` is the
    viewer (``request.user`` on the site, ``request.auth`` in the API).

    A fixed number of queries: sessions, their lessons, the plan's courses, the trainee's
    progress in them, the enrolled trainees, the lecturers and the head teacher's name.
    """
    from lms.learning import progress

    enrolment = getattr(training_class, "viewer_enrolment", None)
    roles = getattr(training_class, "viewer_roles", set())
    today = timezone.localdate()
    sessions = mark_session_states(class_sessions(training_class))
    for session in sessions:
        session.lesson_links = lesson_links(session, request)
    days = [
        (day, list(group), day == today)
        for day, group in itertools.groupby(sessions, key=lambda s: s.date)
    ]
    today_sessions = [s for s in sessions if s.date == today]
    upcoming = None
    if not today_sessions:
        upcoming = next((s for s in sessions if s.state == NEXT), None)
    courses = plan_courses(training_class)
    # The lessons of every course in one query, with the viewer's own progress in each;
    # only a trainee's is shown.
    course_progress = progress.progress_by_course(user, courses)
    for course in courses:
        state = course_progress[course.pk]
        course.my_progress = state if enrolment else None
        course.lesson_links = [(lesson, lesson.get_url(request)) for lesson in state.lessons]
    trainees = enrolled_trainees(training_class)
    head_teacher = training_class.head_teacher
    if head_teacher is not None:
        head_teacher.name = head_teacher.display_name
    return ClassPage(
        training_class=training_class,
        roles=roles,
        enrolment=enrolment,
        sessions=sessions,
        days=days,
        today_sessions=today_sessions,
        upcoming_session=upcoming,
        courses=courses,
        course_progress=course_progress,
        head_teacher=head_teacher,
        lecturers=list(training_class.lecturers.all()),
        committee=[e for e in trainees if e.committee_role],
        trainees=trainees,
        shows_phones=can_run_class(user, training_class),
        can_see_roster=can_see_roster(user, training_class),
        can_see_report=can_see_progress_report(training_class),
    )


@dataclass
class RosterRow:
    enrolment: object
    profile: object
    village: str
    township: str
    phone: str
    age: int


def roster_rows(user, training_class):
    """The roster's rows (one query): name, committee role, village, phone (whole for the head
    teacher and holders of ``view_full_id_number``), education, age on the first day, and the
    ID number, always masked."""
    full_phone = shows_full_phones(user, training_class)
    rows = []
    for enrolment in enrolled_trainees(training_class, with_village=True):
        profile = enrolment.profile
        village = profile.village
        rows.append(
            RosterRow(
                enrolment=enrolment,
                profile=profile,
                village=village.name,
                township=village.parent.name if village.parent_id else "",
                phone=profile.phone if full_phone else profile.masked_phone,
                age=profile.age_on(training_class.start_date),
            )
        )
    return rows, full_phone


# --- Pages ------------------------------------------------------------------------------------


@login_required
@require_GET
def my_classes(request):
    """``/training/classes/``: the classes the user takes part in, with role, status, dates and
    today's sessions."""
    from live.panels import unread_by_class

    rows = my_classes_of(request.user)
    unread = unread_by_class(request.user) if rows else {}
    for row in rows:
        row.chat_unread = unread.get(row.training_class.pk, 0)
        for session in row.today_sessions:
            session.lesson_links = lesson_links(session, request)
    return render(
        request,
        "training/my_classes.html",
        {"rows": rows, "today": timezone.localdate()},
    )


@login_required
@require_GET
def class_page(request, class_id):
    """``/training/classes/<id>/``: the class page; the same 404 for outsiders and unknown ids.

    Trainees see their schedule, today's session, the courses with their progress, the head
    teacher, committee and classmates (names only), then the panels other apps register
    (check-in, leave, evaluation, later the chat). Head teachers, lecturers, institution staff
    and officers see the same page without the trainee's own parts.
    """
    training_class = access_class(request.user, class_id)
    page = class_page_data(request, request.user, training_class)
    rendered_panels = panels.render_class_panels(request, training_class, page.enrolment)
    return render(
        request,
        "training/class_page.html",
        {
            "training_class": training_class,
            "page": page,
            "panels": rendered_panels,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def class_roster(request, class_id):
    """``/training/classes/<id>/roster/``: the enrolled trainees, for the head teacher,
    institution staff and officers; everyone else gets the class page's 404."""
    training_class = access_class_roster(request.user, class_id)
    rows, full_phone = roster_rows(request.user, training_class)
    return render(
        request,
        "training/class_roster.html",
        {"training_class": training_class, "rows": rows, "full_phone": full_phone},
    )

"""Reading progress: completion per course, where to resume, and the reports.

Everything here reads; changes go through ``actions.py``. Each function costs a fixed
number of queries whatever the number of lessons or trainees.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, Max, Q, Sum


def completion_percent(completed, total):
    """Whole percent, rounded down, so only a finished course reads 100."""
    if total <= 0:
        return 0
    return 100 * min(completed, total) // total


def live_lessons(course):
    """The course's published lessons in the order the editor arranged them."""
    from courses_content.models import LessonPage

    return LessonPage.objects.child_of(course).live().defer_streamfields().order_by("path")


@dataclass
class CourseProgress:
    """One trainee's state in one course. ``lessons`` carry ``opened_at``, ``completed_at``,
    ``last_seen_at``, ``seconds_spent`` and ``last_position`` (``None`` if never opened)."""

    lessons: list = field(default_factory=list)

    @property
    def total(self):
        return len(self.lessons)

    @property
    def completed(self):
        return sum(1 for lesson in self.lessons if lesson.completed_at is not None)

    @property
    def percent(self):
        return completion_percent(self.completed, self.total)

    @property
    def seconds_spent(self):
        return sum(lesson.seconds_spent or 0 for lesson in self.lessons)

    @property
    def started(self):
        return any(lesson.last_seen_at is not None for lesson in self.lessons)

    @property
    def continue_lesson(self):
        """The most recently seen unfinished lesson, else the first unfinished, else None."""
        unfinished = [lesson for lesson in self.lessons if lesson.completed_at is None]
        seen = [lesson for lesson in unfinished if lesson.last_seen_at is not None]
        if seen:
            return max(seen, key=lambda lesson: lesson.last_seen_at)
        return unfinished[0] if unfinished else None


def course_progress(user, course):
    """``user``'s ``CourseProgress`` in ``course``, in one query."""
    return CourseProgress(list(_with_progress(live_lessons(course), user)))


def _blank(lesson):
    lesson.opened_at = lesson.completed_at = lesson.last_seen_at = lesson.seconds_spent = None
    lesson.last_position = None
    return lesson


def course_completion(user, course):
    """Percent (0-100) of ``course``'s live lessons that ``user`` has completed."""
    from courses_content.models import LessonPage

    if not (user.is_authenticated and user.is_active):
        return 0
    counts = (
        LessonPage.objects.child_of(course)
        .live()
        .aggregate(
            total=Count("pk", distinct=True),
            done=Count(
                "progress",
                filter=Q(progress__user=user, progress__completed_at__isnull=False),
                distinct=True,
            ),
        )
    )
    return completion_percent(counts["done"], counts["total"])


def continue_lesson(user, course):
    """The lesson ``user`` should resume in ``course``, or None when all are completed."""
    return course_progress(user, course).continue_lesson


def progress_by_course(user, courses):
    """``{course_id: CourseProgress}`` for ``user`` over ``courses``, in one query."""
    from courses_content.models import LessonPage

    courses = list(courses)
    if not courses:
        return {}
    by_path = {course.path: course.pk for course in courses}
    under_any = Q()
    for course in courses:
        under_any |= Q(path__startswith=course.path, depth=course.depth + 1)
    lessons = LessonPage.objects.live().filter(under_any).defer_streamfields().order_by("path")
    result = {course.pk: CourseProgress() for course in courses}
    for lesson in _with_progress(lessons, user):
        result[by_path[lesson.path[: -LessonPage.steplen]]].lessons.append(lesson)
    return result


def _with_progress(lessons, user):
    if not (user.is_authenticated and user.is_active):
        return [_blank(lesson) for lesson in lessons]
    return lessons.annotate(
        mine=FilteredRelation("progress", condition=Q(progress__user=user)),
        opened_at=F("mine__opened_at"),
        completed_at=F("mine__completed_at"),
        last_seen_at=F("mine__last_seen_at"),
        seconds_spent=F("mine__seconds_spent"),
        last_position=F("mine__last_position"),
    )


def trainee_totals(course, user_ids):
    """``{user_id: {"completed", "seconds", "last_seen"}}`` for the course, in one query."""
    from .models import LessonProgress

    rows = (
        LessonProgress.objects.filter(course=course, user_id__in=list(user_ids))
        .values("user_id")
        .annotate(
            completed=Count("pk", filter=Q(completed_at__isnull=False, lesson__live=True)),
            seconds=Sum("seconds_spent"),
            last_seen=Max("last_seen_at"),
        )
    )
    return {row["user_id"]: row for row in rows}


@dataclass
class ClassProgressRow:
    """One enrolled trainee of a class: ``cells`` follow the report's ``courses``."""

    enrolment: object
    profile: object
    user_id: int | None
    cells: list
    completed: int = 0
    total: int = 0
    seconds: int = 0
    last_seen: object = None

    @property
    def percent(self):
        return completion_percent(self.completed, self.total)

    @property
    def has_account(self):
        return self.user_id is not None


@dataclass
class ProgressCell:
    course: object
    completed: int
    total: int

    @property
    def percent(self):
        return completion_percent(self.completed, self.total)


@dataclass
class ClassProgress:
    """Each enrolled trainee's progress in the courses of a class's plan."""

    courses: list
    lesson_totals: dict  # {course_id: live lessons}
    rows: list


def class_progress(training_class):
    """The class's ``ClassProgress`` in four queries: the plan's live courses, their live
    lessons, the enrolled trainees, and their progress summed per trainee and course."""
    from courses_content.models import CoursePage, LessonPage
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingPlan

    from .models import LessonProgress

    course_ids = TrainingPlan.courses.through.objects.filter(
        trainingplan_id=training_class.plan_id
    ).values("coursepage_id")
    courses = list(
        CoursePage.objects.live().defer_streamfields().filter(pk__in=course_ids).order_by("path")
    )
    lesson_totals = {course.pk: 0 for course in courses}
    if courses:
        by_path = {course.path: course.pk for course in courses}
        under_any = Q()
        for course in courses:
            under_any |= Q(path__startswith=course.path, depth=course.depth + 1)
        for path in LessonPage.objects.live().filter(under_any).values_list("path", flat=True):
            lesson_totals[by_path[path[: -LessonPage.steplen]]] += 1
    enrolments = sorted(
        ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        ).select_related("profile"),
        key=lambda e: (e.profile.real_name, e.pk),
    )
    user_ids = [e.profile.user_id for e in enrolments if e.profile.user_id is not None]
    sums = {}
    if user_ids and courses:
        rows = (
            LessonProgress.objects.filter(
                user_id__in=user_ids, course_id__in=[course.pk for course in courses]
            )
            .values("user_id", "course_id")
            .annotate(
                completed=Count("pk", filter=Q(completed_at__isnull=False, lesson__live=True)),
                seconds=Sum("seconds_spent"),
                last_seen=Max("last_seen_at"),
            )
        )
        sums = {(row["user_id"], row["course_id"]): row for row in rows}
    report_rows = []
    for enrolment in enrolments:
        user_id = enrolment.profile.user_id
        row = ClassProgressRow(enrolment, enrolment.profile, user_id, [])
        for course in courses:
            found = sums.get((user_id, course.pk), {})
            total = lesson_totals[course.pk]
            completed = min(found.get("completed", 0), total)
            row.cells.append(ProgressCell(course, completed, total))
            row.completed += completed
            row.total += total
            row.seconds += found.get("seconds") or 0
            last_seen = found.get("last_seen")
            if last_seen and (row.last_seen is None or last_seen > row.last_seen):
                row.last_seen = last_seen
        report_rows.append(row)
    return ClassProgress(courses=courses, lesson_totals=lesson_totals, rows=report_rows)

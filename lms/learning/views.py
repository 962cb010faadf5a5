"""Web endpoints for learning: progress from the lesson page, "mark as complete", the
trainee's own courses (assigned ones and those of their classes), and the progress reports:
per course for its lecturers and supervisors, per class for its head teacher, lecturers,
institution staff and officers."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import actions, policy, progress
from .models import CourseEnrolment, LessonProgress

REPORT_PAGE_SIZE = 100
TRUE_VALUES = {"1", "true", "on", "yes"}


def _signed_in(user):
    return user.is_authenticated and user.is_active


def record_page_view(request, lesson):
    """Note a signed-in reader's visit to ``lesson``; call after access has been granted.

    Only real GETs count (not previews, not HEAD). Returns the reader's ``LessonProgress``,
    or None for anonymous readers, and keeps it on the request so the lesson template's
    ``{% lesson_progress %}`` tag needs no second query.
    """
    if request.method != "GET" or not _signed_in(request.user):
        return None
    lesson_progress = actions.do_record_lesson_visit(request.user, lesson)
    _remember(request, lesson, lesson_progress)
    return lesson_progress


def _remember(request, lesson, lesson_progress):
    if not hasattr(request, "learning_progress"):
        request.learning_progress = {}
    request.learning_progress[lesson.pk] = lesson_progress


def progress_for_request(request, lesson):
    """The reader's progress in ``lesson`` (None if anonymous or never opened), at most one
    query per request."""
    cached = getattr(request, "learning_progress", {})
    if lesson.pk in cached:
        return cached[lesson.pk]
    if not _signed_in(request.user):
        return None
    lesson_progress = LessonProgress.objects.filter(user=request.user, lesson=lesson).first()
    _remember(request, lesson, lesson_progress)
    return lesson_progress


@require_POST
def record_progress(request, lesson_id):
    """``POST /learning/lessons/<id>/progress/`` from ``lesson-progress.js``.

    Fields: ``seconds`` (whole seconds since the last report), ``position`` (the id of the
    last block read) and ``completed`` (``1`` marks the lesson complete). CSRF-protected
    like any form. Answers 204, 400 with a JSON ``detail``, 401 or 404.
    """
    if not _signed_in(request.user):
        return JsonResponse({"detail": _("Sign in to keep track of your progress.")}, status=401)
    lesson = policy.access_lesson(request.user, lesson_id)
    try:
        actions.check_record_progress(
            request.user,
            lesson,
            seconds=request.POST.get("seconds") or 0,
            position=request.POST.get("position", ""),
            completed=request.POST.get("completed", "").lower() in TRUE_VALUES,
        )
    except ValidationError as error:
        return JsonResponse(
            {"detail": " ".join(error.messages), "errors": error.message_dict}, status=400
        )
    return HttpResponse(status=204)


@require_POST
def complete_lesson(request, lesson_id):
    """``POST /learning/lessons/<id>/complete/``: the "mark as complete" button; works without JS.

    Redirects back to the lesson (or to a safe ``next``).
    """
    if not _signed_in(request.user):
        lesson = policy.access_lesson(request.user, lesson_id)
        return redirect_to_login(lesson.url)
    lesson = policy.access_lesson(request.user, lesson_id)
    actions.do_complete_lesson(request.user, lesson)
    messages.success(request, _("Lesson marked as complete."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = lesson.get_url(request) or "/"
    return HttpResponseRedirect(target)


def courses_from_classes(user):
    """``{course_id: [class name, ...]}`` for the classes ``user`` is enrolled in (one query)."""
    from lms.enrolment.models import ClassEnrolment

    rows = (
        ClassEnrolment.objects.filter(profile__user=user, status=ClassEnrolment.Status.ENROLLED)
        .order_by("training_class__start_date", "training_class__pk")
        .values_list("training_class__name", "training_class__plan__courses")
    )
    classes = defaultdict(list)
    for class_name, course_id in rows:
        if course_id is not None and class_name not in classes[course_id]:
            classes[course_id].append(class_name)
    return dict(classes)


def my_courses(user):
    """Courses ``user`` studies (assigned, through a class, or opened), with completion, most
    recent first. ``classes`` names the classes a course comes from.

    A constant number of queries: enrolments, classes, progress, courses, lessons.
    """
    from courses_content.models import CoursePage

    assigned = set(CourseEnrolment.objects.filter(user=user).values_list("course_id", flat=True))
    from_classes = courses_from_classes(user)
    enrolled = assigned | set(from_classes)
    seen = dict(
        LessonProgress.objects.filter(user=user)
        .values("course_id")
        .annotate(last_seen=Max("last_seen_at"))
        .values_list("course_id", "last_seen")
    )
    courses = list(
        CoursePage.objects.live()
        .defer_streamfields()
        .filter(pk__in=enrolled | set(seen))
        .order_by("path")
    )
    states = progress.progress_by_course(user, courses)
    rows = []
    for course in courses:
        state = states[course.pk]
        rows.append(
            {
                "course": course,
                "enrolled": course.pk in enrolled,
                "classes": from_classes.get(course.pk, []),
                "state": state,
                "completed": state.completed,
                "total": state.total,
                "percent": state.percent,
                "last_seen": seen.get(course.pk),
            }
        )
    # Most recently studied first; enrolled but never opened courses after them.
    rows.sort(key=lambda row: row["last_seen"].timestamp() if row["last_seen"] else 0, reverse=True)
    return rows


@login_required
@require_GET
def my_learning(request):
    """``/learning/``: the signed-in person's courses with completion and a link to resume."""
    return render(request, "learning/my_learning.html", {"rows": my_courses(request.user)})


@login_required
@require_GET
def report_index(request):
    """``/learning/courses/``: the courses and classes whose progress report the user may see.

    Trainees and people without a report role get 404. Classes come fifty a page.
    """
    user = request.user
    if not policy.may_have_reports(user):
        raise Http404(_("No such course."))
    courses = list(policy.courses_reportable_by(user))
    classes = Paginator(policy.classes_reportable_by(user), REPORT_PAGE_SIZE // 2).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "learning/report_index.html",
        {"courses": courses, "classes": classes.object_list, "page_obj": classes},
    )


@login_required
@require_GET
def course_report(request, course_id):
    """``/learning/courses/<id>/progress/``: each trainee's progress in the course, whether
    assigned to it or enrolled in a class that studies it.

    Visible to the course's lecturers, administrators and commerce officers; everyone else
    gets 404. A fixed number of queries per page, whatever its length.
    """
    course = policy.access_course_report(request.user, course_id)
    total = progress.live_lessons(course).count()
    learners = policy.learners_of(course).select_related("trainee_profile").order_by("username")
    page = Paginator(learners, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    totals = progress.trainee_totals(course, [user.pk for user in page.object_list])
    rows = []
    for learner in page.object_list:
        row = totals.get(learner.pk, {})
        completed = row.get("completed", 0)
        rows.append(
            {
                "user": learner,
                "completed": completed,
                "percent": progress.completion_percent(completed, total),
                "seconds": row.get("seconds") or 0,
                "last_seen": row.get("last_seen"),
            }
        )
    return render(
        request,
        "learning/course_report.html",
        {"course": course, "total": total, "rows": rows, "page": page},
    )


@login_required
@require_GET
def trainee_report(request, course_id, user_id):
    """``/learning/courses/<id>/progress/<user_id>/``: one of the course's trainees, lesson by
    lesson."""
    course = policy.access_course_report(request.user, course_id)
    trainee = policy.learners_of(course).select_related("trainee_profile").filter(pk=user_id)
    trainee = trainee.first()
    if trainee is None:
        raise Http404(_("No such trainee."))
    state = progress.course_progress(trainee, course)
    return render(
        request,
        "learning/trainee_report.html",
        {"course": course, "trainee": trainee, "state": state},
    )


@login_required
@require_GET
def class_report(request, class_id):
    """``/learning/reports/classes/<id>/``: each enrolled trainee's progress in the courses of
    the class's plan.

    For the class's head teacher and lecturers, staff of its institution, officers and
    administrators; its trainees, everyone else and unknown ids get the class page's 404.
    Six queries or so, whatever the number of trainees or courses.
    """
    training_class = policy.access_class_report(request.user, class_id)
    report = progress.class_progress(training_class)
    return render(
        request,
        "learning/class_report.html",
        {"training_class": training_class, "report": report},
    )

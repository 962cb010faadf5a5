"""The curricula and learning progress as JSON for the mobile client.

Reading is open where the web is: tiers, the course catalogue, open courses, their lessons
and the case library need no sign-in. Other courses need a session or a token and
enrolment (``lms.learning.policy.can_read_course``). Unknown and unreadable ids answer the
same 404. Progress needs a signed-in user. Every endpoint costs a fixed number of queries.

Media are never sent at their original size: images come as WebP renditions, documents as
their served URL (``/documents/<id>/<name>``).
"""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from wagtail.api.v3.auth import AllowAnonymous
from wagtail.images import get_image_model
from wagtail.rich_text import expand_db_html

from lms.api import ActiveSessionAuth, BearerTokenAuth
from lms.learning import actions, policy, progress
from lms.learning.models import CourseEnrolment, LessonProgress

from .models import Case, CoursePage, LessonPage, TierPage

router = Router(tags=["curricula"])

IMAGE_FILTERS = {"small": "width-360|format-webp", "medium": "width-720|format-webp"}
MAX_PAGE_SIZE = 100


class AnonymousReader(AllowAnonymous):
    """The last resort for public reads: no credentials at all means an anonymous reader.

    A request that sends an ``Authorization`` header must authenticate with it: a bad token
    answers 401 rather than quietly reading as nobody.
    """

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return None
        return super().__call__(request)


READ_AUTH = [BearerTokenAuth(), ActiveSessionAuth(), AnonymousReader()]


def _reader(request):
    user = request.auth
    return user if getattr(user, "is_authenticated", False) else AnonymousUser()


# --- Schemas ------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class TierOut(Schema):
    id: int
    slug: str
    title: str
    tier: str
    tier_label: str
    audience: str
    aims: str = Field(..., description="HTML")
    who_may_enrol: str = Field(..., description="HTML")
    course_count: int
    url: str | None


class CourseSummaryOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    hours: float
    theory_hours: float
    practice_hours: float
    open_to_public: bool
    readable: bool = Field(..., description="Whether the caller may read the lessons.")
    url: str | None


class TierRefOut(Schema):
    id: int
    title: str
    tier: str


class LecturerOut(Schema):
    id: int
    name: str
    title: str
    expertise: str


class LessonSummaryOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    estimated_minutes: int
    summary: str
    completed: bool | None = Field(..., description="null for anonymous readers")


class CourseProgressOut(Schema):
    percent: int
    completed: int
    total: int
    seconds_spent: int
    continue_lesson_id: int | None


class CourseOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    learning_outcomes: str = Field(..., description="HTML")
    hours: float
    theory_hours: float
    practice_hours: float
    prerequisites: str
    open_to_public: bool
    url: str | None
    tier: TierRefOut
    lecturers: list[LecturerOut]
    lessons: list[LessonSummaryOut]
    progress: CourseProgressOut | None = Field(..., description="null for anonymous readers")


class CaseSummaryOut(Schema):
    id: int
    title: str
    platform: str
    platform_label: str
    product_type: str
    updated_at: datetime


class CaseOut(CaseSummaryOut):
    background: str = Field(..., description="HTML")
    actions: str = Field(..., description="HTML")
    results: str = Field(..., description="HTML")
    lessons_learned: str = Field(..., description="HTML")
    source: str


class CasePageOut(Schema):
    count: int
    items: list[CaseSummaryOut]


class BlockOut(Schema):
    id: str | None
    type: str = Field(..., description="text, image, video, material, exercise or case")
    value: dict


class CourseRefOut(Schema):
    id: int
    title: str


class LessonProgressOut(Schema):
    lesson_id: int
    opened_at: datetime | None
    last_seen_at: datetime | None
    completed_at: datetime | None
    completed: bool
    seconds_spent: int
    last_position: str


class LessonOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    estimated_minutes: int
    summary: str
    url: str | None
    course: CourseRefOut
    previous_lesson_id: int | None
    next_lesson_id: int | None
    body: list[BlockOut]
    progress: LessonProgressOut | None = Field(..., description="null for anonymous readers")


class MyCourseOut(Schema):
    course: CourseRefOut
    enrolled: bool
    percent: int
    completed: int
    total: int
    seconds_spent: int
    last_seen_at: datetime | None
    continue_lesson_id: int | None


class ProgressIn(Schema):
    seconds: int = Field(0, ge=0, description="Seconds since the last report; at most 3600 count.")
    position: str = Field("", max_length=100, description="Where the reader is, e.g. block-<id>")
    completed: bool = Field(False, description="true marks the lesson complete; never undone")


class ProgressOut(LessonProgressOut):
    course_id: int
    course_percent: int


# --- Helpers ------------------------------------------------------------------------------


def _absolute(request, url):
    return request.build_absolute_uri(url) if url else None


def _page_url(request, page):
    return _absolute(request, page.get_url(request))


def _hours(value):
    return float(value) if value is not None else 0.0


def _live_tier(tier_id):
    try:
        return TierPage.objects.live().get(pk=int(tier_id))
    except (TierPage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _readable_course_ids(user, courses):
    """Ids among ``courses`` the user may read, in at most three queries for any number."""
    ids = {course.pk for course in courses if course.open_to_public}
    closed = [course.pk for course in courses if not course.open_to_public]
    if not closed or not (user.is_authenticated and user.is_active):
        return ids
    if user.is_superuser or user.role_codes() & {r.value for r in policy.READ_ALL_ROLES}:
        return ids | set(closed)
    ids |= set(
        CourseEnrolment.objects.filter(user=user, course_id__in=closed).values_list(
            "course_id", flat=True
        )
    )
    ids |= set(
        CoursePage.objects.filter(pk__in=closed, lecturers__user=user).values_list("pk", flat=True)
    )
    return ids


def _course_summary(request, course, readable_ids):
    return {
        "id": course.pk,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "hours": _hours(course.hours),
        "theory_hours": _hours(course.theory_hours),
        "practice_hours": _hours(course.practice_hours),
        "open_to_public": course.open_to_public,
        "readable": course.pk in readable_ids,
        "url": _page_url(request, course),
    }


def _case_summary(case):
    return {
        "id": case.pk,
        "title": case.title,
        "platform": case.platform,
        "platform_label": str(case.get_platform_display()),
        "product_type": case.product_type,
        "updated_at": case.updated_at,
    }


def _case_out(case):
    return {
        **_case_summary(case),
        "background": expand_db_html(case.background),
        "actions": expand_db_html(case.actions),
        "results": expand_db_html(case.results),
        "lessons_learned": expand_db_html(case.lessons_learned),
        "source": case.source,
    }


def _lesson_progress_out(row):
    if row is None:
        return None
    return {
        "lesson_id": row.lesson_id,
        "opened_at": row.opened_at,
        "last_seen_at": row.last_seen_at,
        "completed_at": row.completed_at,
        "completed": row.completed_at is not None,
        "seconds_spent": row.seconds_spent,
        "last_position": row.last_position,
    }


def _document_out(request, document):
    if document is None:
        return None
    return {
        "id": document.pk,
        "title": document.title,
        "url": _absolute(request, document.url),
        "file_extension": document.file_extension,
        "file_size": document.file_size,
    }


def _image_out(request, image, renditions):
    if image is None:
        return None
    by_filter = renditions.get(image.pk, {})
    sizes = {
        name: {
            "url": _absolute(request, by_filter[spec].url),
            "width": by_filter[spec].width,
            "height": by_filter[spec].height,
        }
        for name, spec in IMAGE_FILTERS.items()
        if spec in by_filter
    }
    return {
        "id": image.pk,
        "alt": getattr(image, "contextual_alt_text", None) or "",
        "decorative": bool(getattr(image, "decorative", False)),
        "renditions": sizes,
    }


def _renditions_for(body):
    """``{image_id: {filter_spec: rendition}}`` for every image in ``body``, in two queries
    (plus one write per rendition that does not exist yet)."""
    ids = {block.value.pk for block in body if block.block_type == "image" and block.value}
    if not ids:
        return {}
    images = (
        get_image_model().objects.filter(pk__in=ids).prefetch_renditions(*IMAGE_FILTERS.values())
    )
    return {image.pk: image.get_renditions(*IMAGE_FILTERS.values()) for image in images}


def _block_out(request, block, renditions):
    kind, value = block.block_type, block.value
    if kind == "text":
        data = {"html": str(value)}
    elif kind == "image":
        data = {"image": _image_out(request, value, renditions)}
    elif kind == "video":
        embed = value.get("embed")
        data = {
            "embed_url": getattr(embed, "url", None) if embed else None,
            "file": _document_out(request, value.get("file")),
            "caption": value.get("caption") or "",
        }
    elif kind == "material":
        data = {
            "document": _document_out(request, value.get("document")),
            "description": value.get("description") or "",
        }
    elif kind == "exercise":
        data = {
            "title": value.get("title") or "",
            "steps": [str(step) for step in value.get("steps") or []],
            "expected_result": value.get("expected_result") or "",
        }
    elif kind == "case":
        case = value.get("case")
        data = {
            "case": _case_out(case) if case is not None else None,
            "discussion": value.get("discussion") or "",
        }
    else:  # a block type added later: say so rather than fail the lesson
        data = {}
    return {"id": block.id, "type": kind, "value": data}


# --- Endpoints ----------------------------------------------------------------------------


@router.get("/tiers", auth=READ_AUTH, response=list[TierOut], summary="The training tiers")
def list_tiers(request):
    tiers = list(TierPage.objects.live().order_by("path"))
    counts = dict.fromkeys((tier.pk for tier in tiers), 0)
    by_path = {tier.path: tier.pk for tier in tiers}
    if tiers:
        under_any = Q()
        for tier in tiers:
            under_any |= Q(path__startswith=tier.path, depth=tier.depth + 1)
        for path in CoursePage.objects.live().filter(under_any).values_list("path", flat=True):
            counts[by_path[path[: -CoursePage.steplen]]] += 1
    return [
        {
            "id": tier.pk,
            "slug": tier.slug,
            "title": tier.title,
            "tier": tier.tier,
            "tier_label": str(tier.get_tier_display()),
            "audience": tier.audience,
            "aims": expand_db_html(tier.aims),
            "who_may_enrol": expand_db_html(tier.who_may_enrol),
            "course_count": counts[tier.pk],
            "url": _page_url(request, tier),
        }
        for tier in tiers
    ]


@router.get(
    "/tiers/{tier_id}/courses",
    auth=READ_AUTH,
    response={200: list[CourseSummaryOut], 404: ErrorOut},
    summary="The courses of a tier (the catalogue; readable says whether you may study one)",
)
def list_tier_courses(request, tier_id: int):
    tier = _live_tier(tier_id)
    courses = list(CoursePage.objects.child_of(tier).live().order_by("path"))
    readable = _readable_course_ids(_reader(request), courses)
    return [_course_summary(request, course, readable) for course in courses]


@router.get(
    "/courses/{course_id}",
    auth=READ_AUTH,
    response={200: CourseOut, 404: ErrorOut},
    summary="A course with its lessons and, when signed in, your progress",
)
def course_detail(request, course_id: int):
    user = _reader(request)
    course = policy.access_course(user, course_id)
    tier = TierPage.objects.get(path=course.path[: -course.steplen])
    lecturers = list(course.lecturers.order_by("name"))
    state = progress.course_progress(user, course)
    signed_in = user.is_authenticated
    resume = state.continue_lesson if signed_in else None
    return {
        "id": course.pk,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "learning_outcomes": expand_db_html(course.learning_outcomes),
        "hours": _hours(course.hours),
        "theory_hours": _hours(course.theory_hours),
        "practice_hours": _hours(course.practice_hours),
        "prerequisites": course.prerequisites,
        "open_to_public": course.open_to_public,
        "url": _page_url(request, course),
        "tier": {"id": tier.pk, "title": tier.title, "tier": tier.tier},
        "lecturers": [
            {
                "id": lecturer.pk,
                "name": lecturer.name,
                "title": lecturer.title,
                "expertise": lecturer.expertise,
            }
            for lecturer in lecturers
        ],
        "lessons": [
            {
                "id": lesson.pk,
                "title": lesson.title,
                "kind": lesson.kind,
                "kind_label": str(lesson.get_kind_display()),
                "estimated_minutes": lesson.estimated_minutes,
                "summary": lesson.summary,
                "completed": (lesson.completed_at is not None) if signed_in else None,
            }
            for lesson in state.lessons
        ],
        "progress": {
            "percent": state.percent,
            "completed": state.completed,
            "total": state.total,
            "seconds_spent": state.seconds_spent,
            "continue_lesson_id": resume.pk if resume else None,
        }
        if signed_in
        else None,
    }


@router.get(
    "/lessons/{lesson_id}",
    auth=READ_AUTH,
    response={200: LessonOut, 404: ErrorOut},
    summary="A lesson's content as JSON: metadata and body blocks",
)
def lesson_detail(request, lesson_id: int):
    user = _reader(request)
    lesson = policy.access_lesson(user, lesson_id)
    course = policy.course_of(lesson)
    siblings = list(
        LessonPage.objects.child_of(course).live().order_by("path").values_list("pk", flat=True)
    )
    index = siblings.index(lesson.pk)
    body = lesson.body
    renditions = _renditions_for(body)
    mine = None
    if user.is_authenticated:
        mine = LessonProgress.objects.filter(user=user, lesson=lesson).first()
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "kind": lesson.kind,
        "kind_label": str(lesson.get_kind_display()),
        "estimated_minutes": lesson.estimated_minutes,
        "summary": lesson.summary,
        "url": _page_url(request, lesson),
        "course": {"id": course.pk, "title": course.title},
        "previous_lesson_id": siblings[index - 1] if index > 0 else None,
        "next_lesson_id": siblings[index + 1] if index + 1 < len(siblings) else None,
        "body": [_block_out(request, block, renditions) for block in body],
        "progress": _lesson_progress_out(mine),
    }


class CaseFilters(Schema):
    platform: Case.Platform | None = None
    product_type: str = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0)


@router.get(
    "/cases",
    auth=READ_AUTH,
    response=CasePageOut,
    summary="The case library, newest first; filter by platform and product type",
)
def list_cases(request, filters: Query[CaseFilters]):
    cases = Case.objects.order_by("-updated_at", "-pk")
    if filters.platform:
        cases = cases.filter(platform=filters.platform)
    if filters.product_type.strip():
        cases = cases.filter(product_type__icontains=filters.product_type.strip())
    page = cases[filters.offset : filters.offset + filters.limit]
    return {"count": cases.count(), "items": [_case_summary(case) for case in page]}


@router.get(
    "/cases/{case_id}",
    auth=READ_AUTH,
    response={200: CaseOut, 404: ErrorOut},
    summary="One case with its background, actions, results and lessons learned",
)
def case_detail(request, case_id: int):
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise Http404
    return _case_out(case)


@router.get("/progress", response=list[MyCourseOut], summary="My progress in every course")
def my_progress(request):
    from lms.learning.views import my_courses

    rows = my_courses(request.auth)
    return [
        {
            "course": {"id": row["course"].pk, "title": row["course"].title},
            "enrolled": row["enrolled"],
            "percent": row["percent"],
            "completed": row["completed"],
            "total": row["total"],
            "seconds_spent": row["state"].seconds_spent,
            "last_seen_at": row["last_seen"],
            "continue_lesson_id": getattr(row["state"].continue_lesson, "pk", None),
        }
        for row in rows
    ]


@router.put(
    "/lessons/{lesson_id}/progress",
    response={200: ProgressOut, 400: ErrorOut, 404: ErrorOut},
    summary="Report time spent and position in a lesson; optionally mark it complete",
)
def put_progress(request, lesson_id: int, payload: ProgressIn):
    lesson = policy.access_lesson(request.auth, lesson_id)
    try:
        row = actions.check_record_progress(
            request.auth,
            lesson,
            seconds=payload.seconds,
            position=payload.position,
            completed=payload.completed,
        )
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from None
    course = policy.course_of(lesson)
    return {
        **_lesson_progress_out(row),
        "course_id": course.pk,
        "course_percent": progress.course_completion(request.auth, course),
    }

"""API endpoints of lms.training under /api/v1/ (see docs/api.md).

The classes a user takes part in, one class, its schedule and its roster. The same rules as the
site's pages (``lms.training.views`` builds the data for both): a class the caller holds no role
in answers the same 404 as an unknown id; trainees see classmates' names only; the head teacher
also sees masked phones in the class and whole phones in the roster; ID numbers are always
masked. Every endpoint costs a fixed number of queries.
"""

import datetime

from ninja import Field, Router, Schema

from . import views
from .policy import access_class

router = Router(tags=["training"])


# --- Schemas ----------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class VenueOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="classroom or computer_room")
    kind_label: str
    address: str


class LecturerRefOut(Schema):
    id: int
    name: str


class LecturerOut(LecturerRefOut):
    title: str
    expertise: str


class LessonRefOut(Schema):
    id: int
    title: str
    url: str | None


class SessionOut(Schema):
    id: int
    date: datetime.date = Field(..., description="The day, in the county's calendar")
    starts_at: datetime.time = Field(..., description="Local (Asia/Shanghai) start, as on the page")
    ends_at: datetime.time = Field(..., description="Local (Asia/Shanghai) end")
    starts_at_utc: datetime.datetime = Field(..., description="The start as an instant, in UTC")
    ends_at_utc: datetime.datetime = Field(..., description="The end as an instant, in UTC")
    kind: str = Field(..., description="theory or practice")
    kind_label: str
    title: str
    state: str = Field(..., description="past, now, next (the single next session) or later")
    venue: VenueOut
    lecturer: LecturerRefOut | None
    lessons: list[LessonRefOut]


class RoleOut(Schema):
    code: str = Field(
        ..., description="trainee, head_teacher, lecturer, institution_staff or supervisor"
    )
    name: str


class ClassSummaryOut(Schema):
    id: int
    code: str
    name: str
    status: str
    status_label: str
    tier: str
    tier_label: str
    institution: str
    start_date: datetime.date
    end_date: datetime.date
    my_roles: list[RoleOut]
    committee_role: str = Field(..., description="The caller's committee role, or empty")
    today_sessions: list[SessionOut]


class PersonOut(Schema):
    name: str


class CommitteeMemberOut(Schema):
    role: str = Field(..., description="monitor, study, life or discipline")
    role_label: str
    name: str


class ClassmateOut(Schema):
    name: str
    committee_role: str
    is_me: bool
    phone_masked: str | None = Field(..., description="For the head teacher only; else null")


class CourseRefOut(Schema):
    id: int
    title: str
    url: str | None


class ClassDetailOut(ClassSummaryOut):
    head_teacher: PersonOut | None
    committee: list[CommitteeMemberOut]
    lecturers: list[LecturerOut]
    courses: list[CourseRefOut]
    next_session: SessionOut | None = Field(
        ..., description="The next session on a later day, when there is none today"
    )
    trainees: list[ClassmateOut]
    can_see_roster: bool
    can_see_progress_report: bool


class RosterEntryOut(Schema):
    enrolment_id: int
    name: str
    gender: str
    committee_role: str
    committee_role_label: str
    village: str
    township: str
    phone: str = Field(..., description="Whole for the head teacher, else masked")
    id_number_masked: str
    education: str
    education_label: str
    age_on_first_day: int
    has_account: bool


class RosterOut(Schema):
    class_id: int
    phones_masked: bool
    trainees: list[RosterEntryOut]


# --- Shaping ----------------------------------------------------------------------------------


def _roles_out(roles):
    return [{"code": code, "name": str(label)} for code, label in views.sorted_roles(roles)]


def _session_out(session, request):
    lecturer = session.lecturer
    venue = session.venue
    links = getattr(session, "lesson_links", None)
    if links is None:
        links = views.lesson_links(session, request)
    return {
        "id": session.pk,
        "date": session.date,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "starts_at_utc": session.starts().astimezone(datetime.UTC),
        "ends_at_utc": session.ends().astimezone(datetime.UTC),
        "kind": session.kind,
        "kind_label": str(session.get_kind_display()),
        "title": session.title,
        "state": session.state,
        "venue": {
            "id": venue.pk,
            "name": venue.name,
            "kind": venue.kind,
            "kind_label": str(venue.get_kind_display()),
            "address": venue.address,
        },
        "lecturer": {"id": lecturer.pk, "name": lecturer.name} if lecturer else None,
        "lessons": [{"id": lesson.pk, "title": lesson.title, "url": url} for lesson, url in links],
    }


def _summary_out(training_class, roles, enrolment, today_sessions, request):
    return {
        "id": training_class.pk,
        "code": training_class.code,
        "name": training_class.name,
        "status": training_class.status,
        "status_label": str(training_class.get_status_display()),
        "tier": training_class.tier,
        "tier_label": str(training_class.get_tier_display()),
        "institution": training_class.institution.legal_name,
        "start_date": training_class.start_date,
        "end_date": training_class.end_date,
        "my_roles": _roles_out(roles),
        "committee_role": enrolment.committee_role if enrolment else "",
        "today_sessions": [_session_out(s, request) for s in today_sessions],
    }


# --- Endpoints --------------------------------------------------------------------------------


@router.get(
    "/classes",
    response=list[ClassSummaryOut],
    summary="My classes: the classes I take part in, my role, and today's sessions",
)
def my_classes(request):
    rows = views.my_classes_of(request.auth)
    out = []
    for row in rows:
        summary = _summary_out(row.training_class, row.roles, None, row.today_sessions, request)
        summary["committee_role"] = row.committee_role
        out.append(summary)
    return out


@router.get(
    "/classes/{class_id}",
    response={200: ClassDetailOut, 404: ErrorOut},
    summary="One class: head teacher, committee, lecturers, courses, today's sessions, trainees",
)
def class_detail(request, class_id: int):
    user = request.auth
    training_class = access_class(user, class_id)
    page = views.class_page_data(request, user, training_class)
    out = _summary_out(training_class, page.roles, page.enrolment, page.today_sessions, request)
    my_enrolment_id = page.enrolment.pk if page.enrolment else None
    out.update(
        head_teacher={"name": page.head_teacher.name} if page.head_teacher else None,
        committee=[
            {
                "role": e.committee_role,
                "role_label": str(e.get_committee_role_display()),
                "name": e.profile.real_name,
            }
            for e in page.committee
        ],
        lecturers=[
            {
                "id": lecturer.pk,
                "name": lecturer.name,
                "title": lecturer.title,
                "expertise": lecturer.expertise,
            }
            for lecturer in page.lecturers
        ],
        courses=[
            {"id": course.pk, "title": course.title, "url": course.get_url(request)}
            for course in page.courses
        ],
        next_session=(
            _session_out(page.upcoming_session, request) if page.upcoming_session else None
        ),
        trainees=[
            {
                "name": e.profile.real_name,
                "committee_role": e.committee_role,
                "is_me": e.pk == my_enrolment_id,
                "phone_masked": e.profile.masked_phone if page.shows_phones else None,
            }
            for e in page.trainees
        ],
        can_see_roster=page.can_see_roster,
        can_see_progress_report=page.can_see_report,
    )
    return out


@router.get(
    "/classes/{class_id}/sessions",
    response={200: list[SessionOut], 404: ErrorOut},
    summary="A class's schedule: every session, in order",
)
def class_sessions(request, class_id: int):
    training_class = access_class(request.auth, class_id)
    sessions = views.mark_session_states(views.class_sessions(training_class))
    return [_session_out(session, request) for session in sessions]


@router.get(
    "/classes/{class_id}/roster",
    response={200: RosterOut, 404: ErrorOut},
    summary="A class's enrolled trainees, for its head teacher, institution staff and officers",
)
def class_roster(request, class_id: int):
    user = request.auth
    training_class = views.access_class_roster(user, class_id)
    rows, full_phone = views.roster_rows(user, training_class)
    return {
        "class_id": training_class.pk,
        "phones_masked": not full_phone,
        "trainees": [
            {
                "enrolment_id": row.enrolment.pk,
                "name": row.profile.real_name,
                "gender": row.profile.gender,
                "committee_role": row.enrolment.committee_role,
                "committee_role_label": (
                    str(row.enrolment.get_committee_role_display())
                    if row.enrolment.committee_role
                    else ""
                ),
                "village": row.village,
                "township": row.township,
                "phone": row.phone,
                "id_number_masked": row.profile.masked_id_number,
                "education": row.profile.education,
                "education_label": str(row.profile.get_education_display()),
                "age_on_first_day": row.age,
                "has_account": row.profile.user_id is not None,
            }
            for row in rows
        ],
    }

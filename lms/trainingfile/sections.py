"""The sections of a training file, kept in one registry so later apps add theirs.

A section has a key, a title, an order and a ``build(record)`` function that takes the
``records.ClassRecord`` and returns ``Output``s: a file name in the ZIP and either a
``documents.Report`` (rendered as PDF or XLSX by the name's extension) or ready-made bytes.

When exams and certificates land, their apps call ``register_section("exam_results", ...)``
and ``register_section("certificates", ...)`` from ``AppConfig.ready()``; until then the
manifest lists them under ``PLANNED_SECTIONS`` as not yet included.
"""

from dataclasses import dataclass

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lms.accounts.models import TraineeProfile
from lms.attendance.models import AttendanceRecord, LeaveRequest
from lms.attendance.rates import combine, summarise
from lms.enrolment.models import ClassEnrolment
from lms.evaluation.models import EvaluationResponse
from lms.training.models import ClassSession, PlanEvent, TrainingClass, TrainingPlan

from .documents import Fields, Heading, Paragraph, Percent, Report, Table
from .records import RATING_DIMENSIONS, SATISFIED_FROM, person


@dataclass
class Output:
    filename: str
    title: str
    report: Report | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: object  # a lazy translation
    order: int
    build: object


_registry = {}

# Sections the training file will hold once their features exist; the manifest names them.
PLANNED_SECTIONS = {
    "exam_results": gettext_lazy("Exam results"),
    "certificates": gettext_lazy("Certificates"),
}


def register_section(key, *, title, order, build):
    """Add (or replace) the section ``key``; ``build(record)`` returns a list of ``Output``."""
    _registry[key] = Section(key=key, title=title, order=order, build=build)


def unregister_section(key):
    _registry.pop(key, None)


def registered_sections():
    return sorted(_registry.values(), key=lambda section: (section.order, section.key))


def planned_but_missing():
    """Titles of planned sections that no app has registered yet."""
    return [title for key, title in PLANNED_SECTIONS.items() if key not in _registry]


# --- Helpers ---------------------------------------------------------------------------------


def label(model, name):
    return capfirst(str(model._meta.get_field(name).verbose_name))


def choice_label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def session_label(session):
    return f"{session.date:%m-%d} {session.starts_at:%H:%M}"


def session_caption(session):
    parts = [
        f"{session.date.isoformat()} {session.starts_at:%H:%M}–{session.ends_at:%H:%M}",
        session.get_kind_display(),
        session.title,
        str(session.venue.name),
    ]
    if session.lecturer is not None:
        parts.append(session.lecturer.name)
    return " · ".join(parts)


def class_caption(record):
    cls = record.training_class
    return f"{cls.name}（{cls.code}） · {cls.institution.legal_name}"


# --- The plan --------------------------------------------------------------------------------


def build_plan(record):
    plan = record.plan
    Education = TraineeProfile.Education
    Skill = TraineeProfile.ComputerSkill
    categories = [choice_label(TraineeProfile.Category, value) for value in plan.categories]
    details = Fields(
        sheet=_("Plan"),
        items=[
            (label(TrainingPlan, "institution"), plan.institution.legal_name),
            (label(TrainingPlan, "code"), plan.code),
            (label(TrainingPlan, "revision"), plan.revision),
            (label(TrainingPlan, "supersedes"), str(plan.supersedes) if plan.supersedes else ""),
            (label(TrainingPlan, "title"), plan.title),
            (label(TrainingPlan, "tier"), plan.get_tier_display()),
            (label(TrainingPlan, "number_of_classes"), plan.number_of_classes),
            (label(TrainingPlan, "trainees_per_class"), plan.trainees_per_class),
            (label(TrainingPlan, "start_date"), plan.start_date),
            (label(TrainingPlan, "end_date"), plan.end_date),
            (label(TrainingPlan, "days_per_class"), plan.days_per_class),
            (label(TrainingPlan, "content_summary"), plan.content_summary),
            (label(TrainingPlan, "status"), plan.get_status_display()),
            (label(TrainingPlan, "created_by"), person(plan.created_by)),
            (label(TrainingPlan, "created_at"), plan.created_at),
            (label(TrainingPlan, "submitted_at"), plan.submitted_at),
            (label(TrainingPlan, "decided_at"), plan.decided_at),
            (label(TrainingPlan, "decided_by"), person(plan.decided_by)),
            (label(TrainingPlan, "decision_comment"), plan.decision_comment),
        ],
    )
    eligibility = Fields(
        sheet=_("Eligibility rules"),
        title=_("Eligibility rules"),
        items=[
            (label(TrainingPlan, "min_age"), plan.min_age),
            (label(TrainingPlan, "max_age"), plan.max_age),
            (label(TrainingPlan, "min_education"), choice_label(Education, plan.min_education)),
            (
                label(TrainingPlan, "min_computer_skill"),
                choice_label(Skill, plan.min_computer_skill),
            ),
            (
                label(TrainingPlan, "categories"),
                "；".join(categories) if categories else _("Every category"),
            ),
            (label(TrainingPlan, "village_quota"), plan.village_quota),
        ],
    )
    courses = Table(
        sheet=_("Courses"),
        title=label(TrainingPlan, "courses"),
        headers=[_("No."), _("Course")],
        rows=[[n, course.title] for n, course in enumerate(plan.courses.all(), start=1)],
        widths=[1, 12],
    )
    venues = Table(
        sheet=_("Venues"),
        title=label(TrainingPlan, "venues"),
        headers=[_("Name"), _("Kind"), _("Address"), _("Seats")],
        rows=[[v.name, v.get_kind_display(), v.address, v.seats] for v in plan.venues.all()],
        widths=[4, 3, 7, 2],
    )
    lecturers = Table(
        sheet=_("Lecturers"),
        title=label(TrainingPlan, "lecturers"),
        headers=[_("Name"), _("Professional title"), _("Expertise")],
        rows=[[lec.name, lec.title, lec.expertise] for lec in plan.lecturers.all()],
        widths=[3, 4, 8],
    )
    history = Table(
        sheet=_("Approval history"),
        title=_("Approval history"),
        headers=[
            label(PlanEvent, "at"),
            label(PlanEvent, "action"),
            label(PlanEvent, "actor"),
            label(PlanEvent, "comment"),
        ],
        rows=[
            [event.at, event.get_action_display(), person(event.actor), event.comment]
            for event in plan.events.all()
        ],
        widths=[3, 3, 3, 8],
    )
    report = Report(
        title=_("Training plan: %(title)s") % {"title": plan.title},
        subtitle=class_caption(record),
        blocks=[details, eligibility, courses, venues, lecturers, history],
    )
    return [Output("01-plan.pdf", _("The training plan the class ran under"), report)]


# --- The class and its schedule --------------------------------------------------------------


def _class_details(record):
    cls = record.training_class
    return Fields(
        sheet=_("Class"),
        items=[
            (label(TrainingClass, "code"), cls.code),
            (label(TrainingClass, "name"), cls.name),
            (label(TrainingClass, "tier"), cls.get_tier_display()),
            (label(TrainingClass, "institution"), cls.institution.legal_name),
            (label(TrainingClass, "plan"), f"{record.plan.code} v{record.plan.revision}"),
            (label(TrainingClass, "start_date"), cls.start_date),
            (label(TrainingClass, "end_date"), cls.end_date),
            (_("Days"), cls.days),
            (label(TrainingClass, "capacity"), cls.capacity),
            (_("Trainees enrolled"), len(record.enrolled)),
            (label(TrainingClass, "status"), cls.get_status_display()),
            (label(TrainingClass, "head_teacher"), person(cls.head_teacher)),
            (label(TrainingClass, "lecturers"), "、".join(lec.name for lec in cls.lecturers.all())),
        ],
    )


def _committee(record):
    order = {role: n for n, role in enumerate(ClassEnrolment.CommitteeRole.values)}
    members = sorted(
        (e for e in record.enrolled if e.committee_role),
        key=lambda e: order.get(e.committee_role, 99),
    )
    return Table(
        sheet=_("Class committee"),
        title=_("Class committee"),
        headers=[_("Role"), _("Name")],
        rows=[[e.get_committee_role_display(), e.profile.real_name] for e in members],
        widths=[1, 2],
        empty_text=_("No class committee has been named."),
    )


def _schedule(record):
    return Table(
        sheet=_("Schedule"),
        title=_("Schedule"),
        headers=[
            _("No."),
            label(ClassSession, "date"),
            label(ClassSession, "starts_at"),
            label(ClassSession, "ends_at"),
            label(ClassSession, "kind"),
            label(ClassSession, "title"),
            label(ClassSession, "venue"),
            label(ClassSession, "lecturer"),
            label(ClassSession, "lessons"),
        ],
        rows=[
            [
                n,
                s.date,
                s.starts_at,
                s.ends_at,
                s.get_kind_display(),
                s.title,
                s.venue.name,
                s.lecturer.name if s.lecturer else "",
                "；".join(lesson.title for lesson in s.lessons.all()),
            ]
            for n, s in enumerate(record.sessions, start=1)
        ],
        widths=[1, 2.2, 1.4, 1.4, 1.4, 4, 3, 2, 5],
        empty_text=_("No sessions are scheduled."),
    )


def build_class(record):
    report = Report(
        title=_("Class and schedule"),
        subtitle=class_caption(record),
        blocks=[_class_details(record), _committee(record), _schedule(record)],
        landscape=True,
    )
    title = _("The class, its committee and schedule")
    return [
        Output("02-class-and-schedule.pdf", title, report),
        Output("02-class-and-schedule.xlsx", title, report),
    ]


# --- The roster ------------------------------------------------------------------------------


def _roster_row(record, n, enrolment):
    profile = enrolment.profile
    return [
        n,
        profile.real_name,
        profile.get_gender_display(),
        profile.masked_id_number,
        profile.age_on(record.training_class.start_date),
        profile.get_education_display(),
        profile.get_computer_skill_display(),
        profile.get_category_display(),
        profile.village.full_name,
        enrolment.get_source_display(),
        enrolment.get_committee_role_display() if enrolment.committee_role else "",
        enrolment.eligibility_override,
    ]


def _roster_headers():
    return [
        _("No."),
        label(TraineeProfile, "real_name"),
        label(TraineeProfile, "gender"),
        label(TraineeProfile, "id_number"),
        _("Age on the first day"),
        label(TraineeProfile, "education"),
        label(TraineeProfile, "computer_skill"),
        label(TraineeProfile, "category"),
        label(TraineeProfile, "village"),
        label(ClassEnrolment, "source"),
        label(ClassEnrolment, "committee_role"),
        label(ClassEnrolment, "eligibility_override"),
    ]


def build_roster(record):
    enrolled = Table(
        sheet=_("Roster"),
        title=_("Enrolled trainees"),
        headers=_roster_headers(),
        rows=[_roster_row(record, n, e) for n, e in enumerate(record.enrolled, start=1)],
        widths=[1, 2, 1, 3.6, 1.4, 2.4, 1.6, 3, 5, 2.4, 1.8, 4],
        empty_text=_("No trainees are enrolled."),
    )
    others = [e for e in record.enrolments if e.status != ClassEnrolment.Status.ENROLLED]
    not_enrolled = Table(
        sheet=_("Not enrolled"),
        title=_("Other registrations (applied, declined or withdrawn)"),
        headers=[
            *_roster_headers(),
            label(ClassEnrolment, "status"),
            label(ClassEnrolment, "status_reason"),
        ],
        rows=[
            [*_roster_row(record, n, e), e.get_status_display(), e.status_reason]
            for n, e in enumerate(others, start=1)
        ],
        widths=[1, 2, 1, 3.6, 1.4, 2.4, 1.6, 3, 5, 2.4, 1.8, 3, 2, 3],
        empty_text=_("None."),
    )
    report = Report(
        title=_("Roster with eligibility data"),
        subtitle=class_caption(record),
        blocks=[
            Paragraph(
                _("ID numbers are masked. Ages are on the class's first day (%(day)s).")
                % {"day": record.training_class.start_date.isoformat()}
            ),
            enrolled,
            not_enrolled,
        ],
        landscape=True,
    )
    title = _("The roster with eligibility data")
    return [Output("03-roster.xlsx", title, report), Output("03-roster.pdf", title, report)]


# --- Attendance ------------------------------------------------------------------------------

Status = AttendanceRecord.Status


def _marks():
    # One character per mark in the grid; the legend under it spells them out.
    return {
        Status.PRESENT: pgettext("attendance grid mark", "P"),
        Status.LATE: pgettext("attendance grid mark", "L"),
        Status.ABSENT: pgettext("attendance grid mark", "A"),
        Status.ON_LEAVE: pgettext("attendance grid mark", "V"),
        None: pgettext("attendance grid mark", "-"),
    }


def _summaries(record):
    """Per enrolled trainee: (enrolment, marks in session order, Summary over ended ones)."""
    rows = []
    for enrolment in record.enrolled:
        cells = [record.attendance.get((enrolment.pk, s.pk)) for s in record.sessions]
        summary = summarise(
            cell.status if cell is not None else None
            for cell, ended in zip(cells, record.ended, strict=True)
            if ended
        )
        rows.append((enrolment, cells, summary))
    return rows


def _rate(summary):
    return Percent(summary.rate)


GRID_COLUMNS = 14  # session columns per table in the PDF


def _grid_tables(record, rows, *, chunk):
    marks = _marks()
    sessions = record.sessions
    chunks = [sessions[i : i + chunk] for i in range(0, len(sessions), chunk)] or [[]]
    tables = []
    for number, part in enumerate(chunks, start=1):
        offset = sessions.index(part[0]) if part else 0
        last = number == len(chunks)
        headers = [_("No."), _("Trainee"), *(session_label(s) for s in part)]
        if last:
            headers += [_("Attended"), _("Expected"), _("Attendance rate")]
        table_rows = []
        for n, (enrolment, cells, summary) in enumerate(rows, start=1):
            row = [n, enrolment.profile.real_name]
            row += [
                marks[cell.status if cell else None] for cell in cells[offset : offset + len(part)]
            ]
            if last:
                row += [summary.attended, summary.expected, _rate(summary)]
            table_rows.append(row)
        title = _("Attendance grid")
        if len(chunks) > 1:
            title = _("Attendance grid (part %(n)d of %(total)d)") % {
                "n": number,
                "total": len(chunks),
            }
        widths = [1, 2.4, *([1.3] * len(part))] + ([1.6, 1.6, 2] if last else [])
        tables.append(
            Table(
                sheet=_("Grid"),
                title=title,
                headers=headers,
                rows=table_rows,
                widths=widths,
                empty_text=_("No trainees are enrolled."),
            )
        )
    return tables


def _session_summary(record):
    rows = []
    for n, (session, ended) in enumerate(zip(record.sessions, record.ended, strict=True), 1):
        marks = [record.attendance.get((e.pk, session.pk)) for e in record.enrolled]
        statuses = [mark.status if mark else None for mark in marks]
        summary = summarise(statuses) if ended else None
        rows.append(
            [
                n,
                session_caption(session),
                statuses.count(Status.PRESENT),
                statuses.count(Status.LATE),
                statuses.count(Status.ABSENT),
                statuses.count(Status.ON_LEAVE),
                statuses.count(None),
                _("Yes") if ended else _("No"),
                Percent(summary.rate if summary else None),
            ]
        )
    return Table(
        sheet=_("Sessions"),
        title=_("Attendance by session"),
        headers=[
            _("No."),
            _("Session"),
            Status.PRESENT.label,
            Status.LATE.label,
            Status.ABSENT.label,
            Status.ON_LEAVE.label,
            _("Not marked"),
            _("Ended"),
            _("Attendance rate"),
        ],
        rows=rows,
        widths=[1, 10, 1.5, 1.5, 1.5, 1.5, 1.5, 1.3, 2],
        empty_text=_("No sessions are scheduled."),
    )


def _sheet_rows(record):
    """One row per enrolled trainee per session: the attendance sheets, long form."""
    rows = []
    for session in record.sessions:
        for enrolment in record.enrolled:
            mark = record.attendance.get((enrolment.pk, session.pk))
            rows.append(
                [
                    session.date,
                    session.starts_at,
                    session.title,
                    enrolment.profile.real_name,
                    mark.get_status_display() if mark else _("Not marked"),
                    mark.checked_in_at if mark else None,
                    mark.get_source_display() if mark else "",
                ]
            )
    return rows


def _corrections(record):
    rows = []
    for correction in record.corrections:
        enrolment = record.enrolments_by_id.get(correction.record.enrolment_id)
        session = record.sessions_by_id.get(correction.record.session_id)
        rows.append(
            [
                correction.corrected_at,
                session_caption(session) if session else "",
                enrolment.profile.real_name if enrolment else "",
                choice_label(Status, correction.from_status),
                choice_label(Status, correction.to_status),
                correction.reason,
                person(correction.corrected_by),
            ]
        )
    return Table(
        sheet=_("Corrections"),
        title=_("Corrections"),
        headers=[
            _("When"),
            _("Session"),
            _("Trainee"),
            _("From"),
            _("To"),
            _("Reason"),
            _("Corrected by"),
        ],
        rows=rows,
        widths=[2.6, 6, 2, 1.6, 1.6, 5, 2],
        empty_text=_("No attendance mark was corrected."),
    )


def build_attendance(record):
    rows = _summaries(record)
    class_summary = combine(summary for _e, _c, summary in rows)
    overview = Fields(
        sheet=_("Summary"),
        items=[
            (_("Sessions"), len(record.sessions)),
            (_("Sessions ended"), sum(record.ended)),
            (_("Trainees enrolled"), len(record.enrolled)),
            (_("Class attendance rate"), Percent(class_summary.rate)),
        ],
    )
    sheet_headers = [
        label(ClassSession, "date"),
        label(ClassSession, "starts_at"),
        label(ClassSession, "title"),
        _("Trainee"),
        label(AttendanceRecord, "status"),
        label(AttendanceRecord, "checked_in_at"),
        label(AttendanceRecord, "source"),
    ]
    workbook = Report(
        title=_("Attendance"),
        subtitle=class_caption(record),
        blocks=[
            overview,
            *_grid_tables(record, rows, chunk=max(len(record.sessions), 1)),
            _session_summary(record),
            Table(sheet=_("Sheets"), headers=sheet_headers, rows=_sheet_rows(record)),
            _corrections(record),
        ],
    )
    marks = _marks()
    sheets = []
    for session in record.sessions:
        sheets.append(Heading(session_caption(session)))
        table_rows = []
        for n, enrolment in enumerate(record.enrolled, start=1):
            mark = record.attendance.get((enrolment.pk, session.pk))
            table_rows.append(
                [
                    n,
                    enrolment.profile.real_name,
                    mark.get_status_display() if mark else _("Not marked"),
                    marks[mark.status if mark else None],
                    mark.checked_in_at if mark else None,
                    mark.get_source_display() if mark else "",
                ]
            )
        sheets.append(
            Table(
                sheet=_("Sheets"),
                headers=[
                    _("No."),
                    _("Trainee"),
                    label(AttendanceRecord, "status"),
                    _("Mark"),
                    label(AttendanceRecord, "checked_in_at"),
                    label(AttendanceRecord, "source"),
                ],
                rows=table_rows,
                widths=[1, 3, 2, 1, 3, 3],
                empty_text=_("No trainees are enrolled."),
            )
        )
    document = Report(
        title=_("Attendance"),
        subtitle=class_caption(record),
        landscape=True,
        blocks=[
            overview,
            _legend_for(record),
            *_grid_tables(record, rows, chunk=GRID_COLUMNS),
            _session_summary(record),
            _corrections(record),
            Heading(_("Attendance sheets")),
            *sheets,
        ],
    )
    title = _("Attendance sheets, the grid with rates, and corrections")
    return [
        Output("04-attendance.xlsx", title, workbook),
        Output("04-attendance.pdf", title, document),
    ]


def _legend_for(record):
    from .documents import text_of

    marks = _marks()
    parts = [f"{marks[status]} = {status.label}" for status in Status]
    parts.append(f"{marks[None]} = {_('Not marked')}")
    return Paragraph(
        _(
            "Marks: %(marks)s. Attendance rate = (present + late) / (sessions ended − on leave); "
            "a session that has ended without a mark counts as absent. Computed at %(when)s."
        )
        % {"marks": "；".join(parts), "when": text_of(record.now)}
    )


# --- Leave -----------------------------------------------------------------------------------


def build_leave(record):
    rows = []
    for leave in record.leave_requests:
        enrolment = record.enrolments_by_id.get(leave.enrolment_id)
        sessions = sorted(leave.sessions.all(), key=lambda s: (s.date, s.starts_at, s.pk))
        rows.append(
            [
                enrolment.profile.real_name if enrolment else "",
                "；".join(f"{session_label(s)} {s.title}" for s in sessions),
                leave.reason,
                leave.get_status_display(),
                leave.requested_at,
                person(leave.decided_by),
                leave.decided_at,
                leave.decision_comment,
            ]
        )
    report = Report(
        title=_("Leave records"),
        subtitle=class_caption(record),
        blocks=[
            Table(
                sheet=_("Leave"),
                headers=[
                    _("Trainee"),
                    label(LeaveRequest, "sessions"),
                    label(LeaveRequest, "reason"),
                    label(LeaveRequest, "status"),
                    label(LeaveRequest, "requested_at"),
                    label(LeaveRequest, "decided_by"),
                    label(LeaveRequest, "decided_at"),
                    label(LeaveRequest, "decision_comment"),
                ],
                rows=rows,
            )
        ],
    )
    return [Output("05-leave.xlsx", _("Leave requests and decisions"), report)]


# --- Evaluation ------------------------------------------------------------------------------


def _average(value):
    return None if value is None else round(float(value), 2)


def build_evaluation(record):
    totals = record.evaluation_totals
    enrolled = len(record.enrolled)
    answers = totals["answers"]
    overview = Fields(
        sheet=_("Summary"),
        items=[
            (_("Trainees enrolled"), enrolled),
            (_("Trainees who answered"), record.evaluation_answered),
            (
                _("Response rate"),
                Percent(record.evaluation_answered / enrolled if enrolled else None),
            ),
            (_("Answers"), answers),
            (
                _("Satisfaction rate"),
                Percent(totals["satisfied"] / answers if answers else None),
            ),
        ],
    )
    dimensions = Table(
        sheet=_("Dimensions"),
        title=_("Average rating per question (1 to 5)"),
        headers=[_("Question"), _("Average")],
        rows=[
            [label(EvaluationResponse, name), _average(totals[f"avg_{name}"])]
            for name in RATING_DIMENSIONS
        ],
        widths=[4, 1],
    )
    lecturers = Table(
        sheet=_("Lecturers"),
        title=_("Average rating per lecturer (1 to 5)"),
        headers=[_("Lecturer"), _("Average"), _("Ratings")],
        rows=[
            [row["lecturer__name"], _average(row["average"]), row["ratings"]]
            for row in record.lecturer_averages
        ],
        widths=[3, 1, 1],
        empty_text=_("No lecturer has been rated."),
    )
    comments = Table(
        sheet=_("Comments"),
        title=label(EvaluationResponse, "comments"),
        headers=[_("No."), _("Comment")],
        rows=[[n, text] for n, text in enumerate(record.comments, start=1)],
        widths=[1, 14],
        empty_text=_("No comments."),
    )
    lecturer_comments = Table(
        sheet=_("Lecturer comments"),
        title=_("Comments on lecturers"),
        headers=[_("Lecturer"), _("Comment")],
        rows=[list(row) for row in record.lecturer_comments],
        widths=[2, 12],
        empty_text=_("No comments."),
    )
    report = Report(
        title=_("Satisfaction evaluation summary"),
        subtitle=class_caption(record),
        blocks=[
            Paragraph(
                _(
                    "Answers are anonymous: this summary names no trainee. The satisfaction "
                    "rate is the share of answers whose overall rating is %(n)d or 5."
                )
                % {"n": SATISFIED_FROM}
            ),
            overview,
            dimensions,
            lecturers,
            comments,
            lecturer_comments,
        ],
    )
    title = _("Satisfaction evaluation summary")
    return [
        Output("06-evaluation.pdf", title, report),
        Output("06-evaluation.xlsx", title, report),
    ]


register_section("plan", title=gettext_lazy("Training plan"), order=10, build=build_plan)
register_section("class", title=gettext_lazy("Class and schedule"), order=20, build=build_class)
register_section("roster", title=gettext_lazy("Roster"), order=30, build=build_roster)
register_section("attendance", title=gettext_lazy("Attendance"), order=40, build=build_attendance)
register_section("leave", title=gettext_lazy("Leave records"), order=50, build=build_leave)
register_section(
    "evaluation", title=gettext_lazy("Evaluation summary"), order=60, build=build_evaluation
)

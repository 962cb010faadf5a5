"""Site pages for attendance and leave (mounted under ``/training/``).

Head teacher: the session's roster (mark and correct), the rotating check-in code, the class's
attendance overview, and the leave requests to decide. Trainee: the check-in page a scan opens,
and their leave requests. Every change goes through ``lms.attendance.actions``; every object is
reached through an ``access_*`` function, so strangers get the same 404 as for unknown ids.
"""

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.enrolment.models import ClassEnrolment
from lms.training.models import ClassSession
from lms.training.policy import access_class_as_head_teacher, access_class_as_trainee

from . import actions, checkin, policy, rates
from .forms import CheckInForm, LeaveDecisionForm, LeaveRequestForm, RosterForm, apply_errors
from .models import AttendanceRecord, LeaveRequest

Status = AttendanceRecord.Status


def class_page_url(training_class):
    """The class page (``lms.training``), or None while it does not exist."""
    try:
        return reverse("training:class_page", args=[training_class.pk])
    except NoReverseMatch:
        return None


def _time(value):
    return formats.time_format(timezone.localtime(value), "H:i")


# --- Marking -----------------------------------------------------------------------------------


def _roster_rows(session):
    """Enrolled trainees of the session's class with their record and approved leave.
    Three queries, whatever the class size."""
    enrolments = list(
        ClassEnrolment.objects.filter(
            training_class_id=session.training_class_id, status=ClassEnrolment.Status.ENROLLED
        )
        .select_related("profile")
        .order_by("profile__real_name", "pk")
    )
    records = {
        r.enrolment_id: r
        for r in AttendanceRecord.objects.filter(session=session).select_related("marked_by")
    }
    on_leave = actions.approved_leave_enrolment_ids(session)
    return [
        {"enrolment": e, "record": records.get(e.pk), "on_leave": e.pk in on_leave}
        for e in enrolments
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mark_session(request, session_id):
    """``/training/sessions/<id>/attendance/``: the whole roster of a session in one form."""
    session = policy.access_session_as_head_teacher(request.user, session_id)
    rows = _roster_rows(session)
    problem = actions.markable_error(session)
    status = 200
    if request.method == "POST":
        form = RosterForm(request.POST, rows=rows)
        if form.is_valid():
            try:
                result = actions.check_mark_attendance(
                    session, form.marks(), acting_user=request.user
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Attendance saved: %(new)d marked, %(corrected)d corrected.")
                    % {"new": len(result.created), "corrected": len(result.corrected)},
                )
                return HttpResponseRedirect(request.path)
        status = 400
    else:
        form = RosterForm(rows=rows)
    return render(
        request,
        "attendance/mark_session.html",
        {
            "session": session,
            "training_class": session.training_class,
            "form": form,
            "rows": list(form.bound_rows()),
            "problem": problem,
            "class_url": class_page_url(session.training_class),
        },
        status=status,
    )


# --- The check-in code (head teacher) and the check-in page (trainee) ---------------------------


def check_in_url(request, session, code):
    """The absolute URL a check-in QR code encodes."""
    query = urlencode({"s": session.pk, "c": code})
    return request.build_absolute_uri(f"{reverse('attendance:check_in')}?{query}")


def _code_state(request, session):
    now = timezone.now()
    state = checkin.window_state(session, now)
    opens, closes = checkin.window(session)
    counts = AttendanceRecord.objects.filter(session=session, status__in=actions.ATTENDED).count()
    enrolled = ClassEnrolment.objects.filter(
        training_class_id=session.training_class_id, status=ClassEnrolment.Status.ENROLLED
    ).count()
    data = {
        "state": state,
        "open": state == "open" and session.training_class.status not in actions.CLOSED_CLASS,
        "opens_at": _time(opens),
        "closes_at": _time(closes),
        "checked_in": counts,
        "enrolled": enrolled,
        "count_text": _("%(n)d of %(total)d trainees present or late.")
        % {"n": counts, "total": enrolled},
        "image": None,
        "url": None,
        "seconds_left": checkin.seconds_left(now),
    }
    if data["open"]:
        url = check_in_url(request, session, checkin.current_code(session.pk, now))
        qr = segno.make(url, error="m")
        data["url"] = url
        data["image"] = qr.svg_data_uri(scale=1, border=4, omitsize=True)
        data["message"] = _("Check-in is open until %(time)s.") % {"time": data["closes_at"]}
    elif state == "before":
        data["message"] = _("Check-in opens at %(time)s.") % {"time": data["opens_at"]}
        data["seconds_left"] = max(1, min(data["seconds_left"], int((opens - now).total_seconds())))
    else:
        data["message"] = _("Check-in for this session closed at %(time)s.") % {
            "time": data["closes_at"]
        }
    return data


@login_required
@require_GET
@never_cache
def check_in_code(request, session_id):
    """``/training/sessions/<id>/check-in-code/``: the QR code to show in the room."""
    session = policy.access_session_as_head_teacher(request.user, session_id)
    return render(
        request,
        "attendance/check_in_code.html",
        {
            "session": session,
            "training_class": session.training_class,
            "code": _code_state(request, session),
            "class_url": class_page_url(session.training_class),
        },
    )


@login_required
@require_GET
@never_cache
def check_in_code_json(request, session_id):
    """``/training/sessions/<id>/check-in-code.json``: the current code for the page's script."""
    session = policy.access_session_as_head_teacher(request.user, session_id)
    return JsonResponse(_code_state(request, session))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def check_in(request):
    """``/training/check-in/?s=<session>&c=<code>``: what a scan of the QR code opens.

    GET shows the session and a confirm button (or why check-in is refused); POST checks in,
    validating the code again (it may have expired meanwhile).
    """
    data = request.POST if request.method == "POST" else request.GET
    session, enrolment = policy.access_session_as_trainee(request.user, data.get("s"))
    code = (data.get("c") or "").strip()[:64]
    context = {
        "session": session,
        "training_class": session.training_class,
        "class_url": class_page_url(session.training_class),
        "error": None,
        "form": None,
        "record": None,
    }
    if request.method == "POST":
        try:
            record = actions.check_check_in(session, code, acting_user=request.user)
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return render(request, "attendance/check_in.html", context, status=400)
        messages.success(
            request,
            _("You checked in at %(time)s: %(status)s.")
            % {"time": _time(record.checked_in_at), "status": record.get_status_display()},
        )
        query = urlencode({"s": session.pk})
        return HttpResponseRedirect(f"{reverse('attendance:check_in')}?{query}")
    if not code:
        context["record"] = AttendanceRecord.objects.filter(
            session=session, enrolment=enrolment
        ).first()
        return render(request, "attendance/check_in.html", context)
    error = actions.check_in_error(session, enrolment, code)
    if error is not None:
        context["error"] = " ".join(error.messages)
        return render(request, "attendance/check_in.html", context, status=400)
    context["form"] = CheckInForm(initial={"s": session.pk, "c": code})
    return render(request, "attendance/check_in.html", context)


# --- The class's attendance overview -----------------------------------------------------------


@login_required
@require_GET
def class_attendance(request, class_id):
    """``/training/classes/<id>/attendance/``: trainees × sessions with rates (head teacher)."""
    training_class = access_class_as_head_teacher(request.user, class_id)
    grid = rates.load_class_grid(training_class)
    return render(
        request,
        "attendance/class_attendance.html",
        {
            "training_class": training_class,
            "grid": grid,
            "columns": list(zip(grid.sessions, grid.ended, strict=True)),
            "class_url": class_page_url(training_class),
        },
    )


# --- Leave -------------------------------------------------------------------------------------


def _leave_queryset():
    return LeaveRequest.objects.select_related(
        "enrolment__profile", "decided_by__trainee_profile"
    ).prefetch_related(
        Prefetch("sessions", queryset=ClassSession.objects.order_by("date", "starts_at", "pk"))
    )


@login_required
@require_GET
def my_leave(request, class_id):
    """``/training/classes/<id>/leave/``: the trainee's own leave requests."""
    training_class, enrolment = access_class_as_trainee(request.user, class_id)
    requests = list(_leave_queryset().filter(enrolment=enrolment))
    return render(
        request,
        "attendance/my_leave.html",
        {
            "training_class": training_class,
            "enrolment": enrolment,
            "leave_requests": requests,
            "can_ask": bool(actions.leave_choices(enrolment))
            and training_class.status not in actions.CLOSED_CLASS,
            "class_url": class_page_url(training_class),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_leave(request, class_id):
    """``/training/classes/<id>/leave/new/``: ask for leave for future sessions."""
    training_class, enrolment = access_class_as_trainee(request.user, class_id)
    enrolment.training_class = training_class
    choices = actions.leave_choices(enrolment)
    status = 200
    if request.method == "POST":
        form = LeaveRequestForm(request.POST, sessions=_posted_sessions(request, training_class))
        if form.is_valid():
            try:
                actions.check_request_leave(
                    enrolment,
                    [s.pk for s in form.cleaned_data["sessions"]],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Your leave request has been sent to the head teacher.")
                )
                return HttpResponseRedirect(reverse("attendance:leave", args=[training_class.pk]))
        status = 400
        # Offer the sessions still open to leave, keeping what was ticked.
        form.fields["sessions"].queryset = ClassSession.objects.filter(
            pk__in={s.pk for s in choices} | set(_posted_ids(request))
        ).order_by("date", "starts_at", "pk")
    else:
        form = LeaveRequestForm(sessions=choices)
    return render(
        request,
        "attendance/request_leave.html",
        {
            "training_class": training_class,
            "form": form,
            "has_choices": bool(choices),
            "class_url": class_page_url(training_class),
        },
        status=status,
    )


def _posted_ids(request):
    ids = []
    for value in request.POST.getlist("sessions"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


def _posted_sessions(request, training_class):
    """Every session of the class may be posted, so the action (not the form) says why a
    started or already-covered session is refused."""
    return list(training_class.sessions.all())


@login_required
@require_POST
def cancel_leave(request, leave_id):
    """``POST /training/leave/<id>/cancel/``: the trainee withdraws a pending request."""
    leave = policy.access_own_leave_request(request.user, leave_id)
    try:
        actions.check_cancel_leave(leave, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your leave request has been cancelled."))
    return HttpResponseRedirect(
        reverse("attendance:leave", args=[leave.enrolment.training_class_id])
    )


def _requests_page(request, training_class, *, failed=None, status=200):
    """The head teacher's leave requests: pending first (oldest first), then decided."""
    all_requests = list(
        _leave_queryset()
        .filter(enrolment__training_class=training_class)
        .order_by("requested_at", "pk")
    )
    pending = [r for r in all_requests if r.status == LeaveRequest.Status.PENDING]
    decided = [r for r in all_requests if r.status != LeaveRequest.Status.PENDING]
    decided.sort(key=lambda r: r.decided_at or r.requested_at, reverse=True)
    forms = {}
    for leave in pending:
        if failed is not None and failed[0] == leave.pk:
            forms[leave.pk] = failed[1]
        else:
            forms[leave.pk] = LeaveDecisionForm(prefix=f"leave-{leave.pk}")
    return render(
        request,
        "attendance/leave_requests.html",
        {
            "training_class": training_class,
            "pending": [(leave, forms[leave.pk]) for leave in pending],
            "decided": decided,
            "class_url": class_page_url(training_class),
        },
        status=status,
    )


@login_required
@require_GET
def leave_requests(request, class_id):
    """``/training/classes/<id>/leave/requests/``: the head teacher decides leave requests."""
    training_class = access_class_as_head_teacher(request.user, class_id)
    return _requests_page(request, training_class)


@login_required
@require_POST
def decide_leave(request, leave_id):
    """``POST /training/leave/<id>/decision/``: approve or reject (with a comment)."""
    leave = policy.access_leave_request_as_head_teacher(request.user, leave_id)
    training_class = leave.enrolment.training_class
    form = LeaveDecisionForm(request.POST, prefix=f"leave-{leave.pk}")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            actions.check_decide_leave(
                leave,
                approve=approve,
                comment=form.cleaned_data["comment"],
                acting_user=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            name = leave.enrolment.profile.real_name
            if approve:
                message = _("Leave approved for %(name)s.") % {"name": name}
            else:
                message = _("Leave rejected for %(name)s.") % {"name": name}
            messages.success(request, message)
            return HttpResponseRedirect(
                reverse("attendance:leave_requests", args=[training_class.pk])
            )
    leave.refresh_from_db()
    if leave.status != LeaveRequest.Status.PENDING:
        for error in form.non_field_errors():
            messages.error(request, error)
        return HttpResponseRedirect(reverse("attendance:leave_requests", args=[training_class.pk]))
    return _requests_page(request, training_class, failed=(leave.pk, form), status=400)

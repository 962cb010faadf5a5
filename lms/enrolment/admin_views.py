"""Enrolment screens in Wagtail's admin, for registrars, institution staff and administrators.

Mounted under ``/admin/enrolment/`` by ``wagtail_hooks``. Every view loads its class and
enrolments through ``policy`` (the same 404 for unknown ids and ids the user may not see) and
changes nothing itself: registrations, decisions, withdrawals, committee roles and imports go
through ``actions`` and ``importing``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.accounts.policy import can_see_full_id_number
from lms.accounts.validators import normalise_id_number
from lms.core import xlsx
from lms.training.models import TrainingClass
from lms.training.policy import is_supervisor

from . import actions, importing
from .eligibility import eligibility_problems, rules_summary
from .forms import (
    CommitteeForm,
    ConfirmForm,
    ExistingPersonForm,
    ImportForm,
    NewPersonForm,
    ReasonForm,
    add_action_errors,
    villages_for_choice,
)
from .models import ClassEnrolment
from .policy import (
    ADD_PERMISSION,
    access_class_for_enrolment,
    access_enrolment,
    can_set_committee,
    classes_for_enrolment,
    enrolments_visible_to,
    is_administrator,
    is_registrar,
    profiles_reachable_by,
    registrar_village_ids,
    staffed_institution_ids,
)

Status = ClassEnrolment.Status
CLASSES_PER_PAGE = 50


def _class_url(training_class):
    return reverse("enrolment_admin_class", args=[training_class.pk])


def _base_context(training_class, title, icon="group"):
    return {
        "training_class": training_class,
        "page_title": title,
        "page_subtitle": str(training_class),
        "header_icon": icon,
        "class_url": _class_url(training_class),
    }


def class_index(request):
    """The classes whose enrolment the user may open, with places taken and pending
    applications (a registrar counts only their villages' applications)."""
    user = request.user
    if not user.has_perm("enrolment.view_classenrolment"):
        raise Http404(_("No such class."))
    applied = Q(enrolments__status=Status.APPLIED)
    if not (is_administrator(user) or is_supervisor(user)):
        applied &= Q(institution_id__in=staffed_institution_ids(user)) | Q(
            enrolments__profile__village_id__in=registrar_village_ids(user)
        )
    classes = (
        classes_for_enrolment(user)
        .select_related("institution")
        .annotate(
            held=Count("enrolments", filter=Q(enrolments__status__in=ClassEnrolment.HOLDS_PLACE)),
            enrolled=Count("enrolments", filter=Q(enrolments__status=Status.ENROLLED)),
            pending=Count("enrolments", filter=applied),
        )
        .order_by("-start_date", "code")
    )
    status = request.GET.get("status", "")
    if status in TrainingClass.Status.values:
        classes = classes.filter(status=status)
    page_obj = Paginator(classes, CLASSES_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "enrolment/admin/class_index.html",
        {
            "page_obj": page_obj,
            "classes": page_obj.object_list,
            "statuses": TrainingClass.Status.choices,
            "status": status,
            "page_title": _("Enrolment"),
            "header_icon": "group",
            "can_download_template": user.has_perm(ADD_PERMISSION),
        },
    )


def class_enrolments(request, pk):
    """One class: pending applications, the enrolled trainees and past decisions, in a fixed
    number of queries. ID numbers are masked unless the user may see them whole."""
    training_class = access_class_for_enrolment(request.user, pk)
    rows = list(
        enrolments_visible_to(request.user, training_class)
        .select_related("profile__village__parent", "registered_by", "overridden_by")
        .order_by("status", "profile__real_name", "pk")
    )
    held = actions.held_places(training_class).count()
    groups = {status: [] for status in Status.values}
    for row in rows:
        groups[row.status].append(row)
    context = _base_context(training_class, _("Enrolment"))
    context.update(
        {
            "applications": groups[Status.APPLIED],
            "enrolled": groups[Status.ENROLLED],
            "closed": groups[Status.DECLINED] + groups[Status.WITHDRAWN],
            "held": held,
            "places_left": max(training_class.capacity - held, 0),
            "rules": rules_summary(training_class),
            "full_ids": can_see_full_id_number(request.user),
            "can_set_committee": can_set_committee(request.user, training_class)
            and training_class.status in actions.ROSTER_OPEN,
            "can_withdraw": training_class.can_manage
            and training_class.status in actions.ROSTER_OPEN,
            "committee_roles": ClassEnrolment.CommitteeRole.choices,
        }
    )
    return TemplateResponse(request, "enrolment/admin/class_enrolments.html", context)


def _registration_villages(user, training_class):
    if training_class.can_manage:
        return villages_for_choice()
    return villages_for_choice(registrar_village_ids(user))


def register(request, pk):
    """Register a candidate: someone already registered (by ID number) or a new person."""
    training_class = access_class_for_enrolment(request.user, pk)
    if not training_class.can_register:
        raise Http404(_("No such class."))
    can_override = training_class.can_override
    which = request.POST.get("form") if request.method == "POST" else None
    existing_form = ExistingPersonForm(
        request.POST if which == "existing" else None,
        can_override=can_override,
        prefix="existing",
    )
    new_form = NewPersonForm(
        request.POST if which == "new" else None,
        villages=_registration_villages(request.user, training_class),
        can_override=can_override,
        prefix="new",
    )
    status = 200
    if which == "existing" and existing_form.is_valid():
        data = existing_form.cleaned_data
        person = (
            profiles_reachable_by(request.user, training_class)
            .filter(id_number=normalise_id_number(data["id_number"]))
            .first()
        )
        if person is None:
            existing_form.add_error(
                "id_number",
                _("No one you may register has this ID number; register them as a new person."),
            )
        else:
            try:
                enrolment = actions.check_register_candidate(
                    training_class,
                    person,
                    acting_user=request.user,
                    override_reason=data.get("override_reason", ""),
                )
            except (ValidationError, PermissionDenied) as error:
                _form_error(existing_form, error)
            else:
                return _registered(request, enrolment)
    elif which == "new" and new_form.is_valid():
        data = dict(new_form.cleaned_data)
        override_reason = data.pop("override_reason", "")
        try:
            enrolment, _created = actions.check_register_new_candidate(
                training_class,
                acting_user=request.user,
                override_reason=override_reason,
                **data,
            )
        except (ValidationError, PermissionDenied) as error:
            _form_error(new_form, error)
        else:
            return _registered(request, enrolment)
    if which in ("existing", "new"):
        status = 400
    context = _base_context(training_class, _("Register a candidate"), "user")
    context.update(
        {
            "existing_form": existing_form,
            "new_form": new_form,
            "rules": rules_summary(training_class),
            "which": which,
        }
    )
    return TemplateResponse(request, "enrolment/admin/register.html", context, status=status)


def _form_error(form, error):
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
    else:
        add_action_errors(form, error)


def _registered(request, enrolment):
    message = _("%(name)s is enrolled.") % {"name": enrolment.profile.real_name}
    if enrolment.eligibility_override:
        message = _("%(name)s is enrolled despite the rules; the reason is recorded.") % {
            "name": enrolment.profile.real_name
        }
    messages.success(request, message)
    return redirect(_class_url(enrolment.training_class))


def application(request, pk, enrolment_pk):
    """A pending application: the applicant, whether they meet the rules, confirm or decline."""
    training_class = access_class_for_enrolment(request.user, pk)
    enrolment = access_enrolment(request.user, training_class, enrolment_pk)
    enrolment.training_class = training_class
    if enrolment.status != Status.APPLIED:
        messages.warning(request, _("This application has already been decided."))
        return redirect(_class_url(training_class))
    action = request.POST.get("action") if request.method == "POST" else None
    confirm_form = ConfirmForm(
        request.POST if action == "confirm" else None, can_override=training_class.can_override
    )
    decline_form = ReasonForm(request.POST if action == "decline" else None, prefix="decline")
    if action == "confirm" and confirm_form.is_valid():
        try:
            actions.check_confirm_application(
                enrolment,
                acting_user=request.user,
                override_reason=confirm_form.cleaned_data.get("override_reason", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            _form_error(confirm_form, error)
        else:
            messages.success(
                request, _("%(name)s is enrolled.") % {"name": enrolment.profile.real_name}
            )
            return redirect(_class_url(training_class))
    elif action == "decline" and decline_form.is_valid():
        try:
            actions.check_decline_application(
                enrolment, reason=decline_form.cleaned_data["reason"], acting_user=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            _form_error(decline_form, error)
        else:
            messages.success(
                request,
                _("The application of %(name)s is declined.")
                % {"name": enrolment.profile.real_name},
            )
            return redirect(_class_url(training_class))
    context = _base_context(training_class, _("Application"), "user")
    context.update(
        {
            "enrolment": enrolment,
            "profile": enrolment.profile,
            "problems": eligibility_problems(enrolment.profile, training_class),
            "confirm_form": confirm_form,
            "decline_form": decline_form,
            "full_ids": can_see_full_id_number(request.user),
            "age": enrolment.profile.age_on(training_class.start_date),
        }
    )
    return TemplateResponse(
        request,
        "enrolment/admin/application.html",
        context,
        status=400 if action in ("confirm", "decline") else 200,
    )


def withdraw(request, pk, enrolment_pk):
    """Take an enrolled trainee out of the class, with a reason (staff and administrators)."""
    training_class = access_class_for_enrolment(request.user, pk)
    if not training_class.can_manage:
        raise Http404(_("No such enrolment."))
    enrolment = access_enrolment(request.user, training_class, enrolment_pk)
    enrolment.training_class = training_class
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_withdraw_enrolment(
                enrolment, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is withdrawn from the class.") % {"name": enrolment.profile.real_name},
            )
            return redirect(_class_url(training_class))
    context = _base_context(training_class, _("Withdraw from the class"), "cross")
    context.update({"enrolment": enrolment, "form": form})
    return TemplateResponse(
        request,
        "enrolment/admin/withdraw.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def committee(request, pk, enrolment_pk):
    """Give an enrolled trainee a committee role, or take it away."""
    training_class = access_class_for_enrolment(request.user, pk)
    enrolment = access_enrolment(request.user, training_class, enrolment_pk)
    enrolment.training_class = training_class
    form = CommitteeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return redirect(_class_url(training_class))
    try:
        actions.check_set_committee_role(
            enrolment, form.cleaned_data["role"], acting_user=request.user
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(_messages_of(error)))
    else:
        messages.success(request, _("The class committee is updated."))
    return redirect(_class_url(training_class))


def _messages_of(error):
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


def import_candidates(request, pk):
    """Upload the filled-in template; see every row's result; nothing is saved unless all pass."""
    training_class = access_class_for_enrolment(request.user, pk)
    if not training_class.can_register:
        raise Http404(_("No such class."))
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = importing.import_candidates(
                    training_class, form.cleaned_data["file"], acting_user=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error("file", _messages_of(error))
            else:
                if report.saved:
                    messages.success(
                        request,
                        _("Imported %(count)d candidates (%(new)d newly registered).")
                        % {"count": len(report.rows), "new": report.new_people},
                    )
                    return redirect(_class_url(training_class))
    context = _base_context(training_class, _("Import candidates"), "upload")
    context.update(
        {
            "form": form,
            "report": report,
            "rules": rules_summary(training_class),
            "max_rows": importing.MAX_ROWS,
        }
    )
    return TemplateResponse(request, "enrolment/admin/import.html", context, status=status)


def import_template(request, fmt):
    """The import template as XLSX (with the user's villages listed) or CSV (UTF-8 with BOM)."""
    user = request.user
    if not user.has_perm(ADD_PERMISSION):
        raise Http404(_("Not found."))
    if fmt == "csv":
        response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
        filename = "enrolment-template.csv"
    else:
        if is_administrator(user) or staffed_institution_ids(user):
            villages = villages_for_choice()
        elif is_registrar(user):
            villages = villages_for_choice(registrar_village_ids(user))
        else:
            villages = []
        response = HttpResponse(
            importing.template_xlsx(villages),
            content_type=xlsx.CONTENT_TYPE,
        )
        filename = "enrolment-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

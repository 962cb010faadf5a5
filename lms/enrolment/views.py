"""Site pages for enrolment (mounted under ``/training/``).

- ``enrolling/``: classes taking enrolments, public facts only, for signed-in users;
- ``classes/<id>/apply/``: the class and its rules; POST applies (``actions.check_apply``);
- ``classes/<id>/application/withdraw/``: the applicant withdraws a pending application;
- ``classes/<id>/committee/``: the head teacher sets the class committee.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.training.models import TrainingClass

from . import actions
from .eligibility import eligibility_problems, rules_summary
from .models import ClassEnrolment
from .policy import (
    access_enrolling_class,
    can_set_committee,
    enrolling_classes,
    profile_of,
    with_places,
)

Status = ClassEnrolment.Status
ROLE_ORDER = list(ClassEnrolment.CommitteeRole.values)


@login_required
def enrolling(request):
    """Classes taking enrolments, soonest first, with places left and the user's own status."""
    classes = list(with_places(enrolling_classes().select_related("institution")))
    profile = profile_of(request.user)
    mine = {}
    if profile is not None and classes:
        mine = {
            e.training_class_id: e
            for e in ClassEnrolment.objects.filter(
                profile=profile, training_class__in=[c.pk for c in classes]
            )
        }
    for training_class in classes:
        training_class.places_left = max(training_class.capacity - training_class.places_held, 0)
        training_class.my_enrolment = mine.get(training_class.pk)
    return render(
        request,
        "enrolment/enrolling.html",
        {"classes": classes, "profile": profile},
    )


def _apply_context(request, training_class, profile):
    held = actions.held_places(training_class).count()
    enrolment = None
    problems = []
    if profile is not None:
        enrolment = ClassEnrolment.objects.filter(
            training_class=training_class, profile=profile
        ).first()
        problems = eligibility_problems(profile, training_class)
    return {
        "training_class": training_class,
        "profile": profile,
        "enrolment": enrolment,
        "problems": problems,
        "rules": rules_summary(training_class),
        "places_left": max(training_class.capacity - held, 0),
        "holds_place": enrolment is not None and enrolment.status in ClassEnrolment.HOLDS_PLACE,
    }


@login_required
def apply(request, pk):
    """GET: the class, its rules and whether the user meets them. POST: apply."""
    training_class = access_enrolling_class(request.user, pk)
    profile = profile_of(request.user)
    errors = []
    if request.method == "POST":
        try:
            actions.check_apply(training_class, request.user)
        except (ValidationError, PermissionDenied) as error:
            errors = error.messages if isinstance(error, ValidationError) else [str(error)]
        else:
            messages.success(
                request,
                _(
                    "You have applied to %(class)s. A registrar of your village will confirm "
                    "your place."
                )
                % {"class": training_class.name},
            )
            return redirect(reverse("enrolment:apply", args=[training_class.pk]))
    context = _apply_context(request, training_class, profile)
    context["errors"] = errors
    return render(request, "enrolment/apply.html", context, status=400 if errors else 200)


@login_required
@require_POST
def withdraw_application(request, pk):
    """The applicant withdraws their pending application (any class status)."""
    try:
        training_class = TrainingClass.objects.get(pk=int(pk))
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
    if actions.pending_application_of(request.user, training_class) is None:
        raise Http404(_("No such application."))
    try:
        actions.check_withdraw_application(training_class, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your application is withdrawn."))
    if training_class.status == TrainingClass.Status.ENROLLING:
        return redirect(reverse("enrolment:apply", args=[training_class.pk]))
    return redirect(reverse("enrolment:enrolling"))


def _committee_class(user, pk):
    try:
        training_class = TrainingClass.objects.select_related("institution").get(pk=int(pk))
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
    if not can_set_committee(user, training_class):
        raise Http404(_("No such class."))
    return training_class


@login_required
def committee(request, pk):
    """The class committee (班委会): the head teacher gives enrolled trainees its four roles."""
    training_class = _committee_class(request.user, pk)
    enrolled = list(
        ClassEnrolment.objects.filter(training_class=training_class, status=Status.ENROLLED)
        .select_related("profile")
        .order_by("profile__real_name", "pk")
    )
    errors = []
    if request.method == "POST":
        by_pk = {str(e.pk): e for e in enrolled}
        enrolment = by_pk.get(request.POST.get("enrolment", ""))
        if enrolment is None:
            errors = [_("Choose an enrolled trainee.")]
        else:
            try:
                actions.check_set_committee_role(
                    enrolment, request.POST.get("role", ""), acting_user=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                errors = error.messages if isinstance(error, ValidationError) else [str(error)]
            else:
                messages.success(request, _("The class committee is updated."))
                return redirect(reverse("enrolment:committee", args=[training_class.pk]))
    editable = training_class.status in actions.ROSTER_OPEN
    return render(
        request,
        "enrolment/committee.html",
        {
            "training_class": training_class,
            "enrolled": enrolled,
            "roles": ClassEnrolment.CommitteeRole.choices,
            "members": sorted(
                (e for e in enrolled if e.committee_role),
                key=lambda e: ROLE_ORDER.index(e.committee_role),
            ),
            "editable": editable,
            "errors": errors,
        },
        status=400 if errors else 200,
    )

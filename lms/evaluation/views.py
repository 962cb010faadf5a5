"""Site pages of the satisfaction evaluation: the trainee's form, a class's results, and a
lecturer's own ratings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.training.policy import access_class_as_trainee

from . import actions, policy, results
from .forms import EvaluationForm
from .models import EvaluationReceipt


def _receipt_of(enrolment):
    return EvaluationReceipt.objects.filter(enrolment=enrolment).only("submitted_on").first()


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_form(request, class_id):
    """``/training/classes/<id>/evaluation/``: the form, for enrolled trainees of the class.

    Shows the form while the class is in progress or finished and the trainee has not answered;
    otherwise says why not. Somebody who may see the results instead is sent to them; anyone
    else gets the class's 404.
    """
    try:
        training_class, enrolment = access_class_as_trainee(request.user, class_id)
    except Http404:
        training_class = policy.access_class_results(request.user, class_id)
        return redirect("evaluation:class_results", class_id=training_class.pk)

    lecturers = training_class.lecturers.order_by("name", "pk")
    receipt = _receipt_of(enrolment)
    is_open = actions.is_open(training_class)
    form = EvaluationForm(request.POST if request.method == "POST" else None, lecturers=lecturers)
    errors = []
    status = 200
    if request.method == "POST":
        status = 400
        problem = actions.refusal(training_class, enrolment)
        if problem is not None:
            # Nothing to fill in (closed, or answered already): say why, change nothing.
            errors = problem.messages
        elif form.is_valid():
            try:
                actions.check_submit_evaluation(
                    training_class, enrolment, form.answers(), acting_user=request.user
                )
            except PermissionDenied:
                raise Http404(_("No such class.")) from None
            except ValidationError as error:
                form.add_action_errors(error)
                errors = list(form.non_field_errors())
                # Lost a race with the same trainee's other tab: show the answered state.
                receipt = _receipt_of(enrolment)
            else:
                messages.success(
                    request, _("Thank you! Your answers were saved without your name.")
                )
                return redirect("evaluation:form", class_id=training_class.pk)
    return render(
        request,
        "evaluation/form.html",
        {
            "training_class": training_class,
            "form": form,
            "receipt": receipt,
            "is_open": is_open,
            "errors": errors,
            "scale": actions.SCALE,
        },
        status=status,
    )


@login_required
@require_GET
def class_results(request, class_id):
    """``/training/classes/<id>/evaluation/results/``: figures and comments for the head
    teacher, the institution's staff and officers; who has not answered for the head teacher."""
    training_class = policy.access_class_results(request.user, class_id)
    show_non_answerers = policy.can_see_non_answerers(request.user, training_class)
    return render(
        request,
        "evaluation/class_results.html",
        {
            "training_class": training_class,
            "results": results.class_results(training_class),
            "show_non_answerers": show_non_answerers,
            "non_answerers": results.non_answerers(training_class) if show_non_answerers else [],
            "scale": actions.SCALE,
        },
    )


@login_required
@require_GET
def my_ratings(request):
    """``/training/lecturers/me/ratings/``: a lecturer's own ratings over all their classes."""
    lecturer = policy.access_own_lecturer(request.user)
    return render(
        request,
        "evaluation/my_ratings.html",
        {"lecturer": lecturer, "summary": results.lecturer_summary(lecturer)},
    )

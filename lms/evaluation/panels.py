"""The evaluation's panel on the class page (registered in ``EvaluationConfig.ready``).

A trainee sees "fill in the evaluation" or "thank you, answered on <date>"; whoever runs the
class sees how many have answered and a link to the results, as do the institution's staff and
officers. Lecturers and others see nothing here. One to three queries, whatever the class size.
"""

from django.urls import reverse

from . import actions, policy, results
from .models import EvaluationReceipt


def evaluation_panel_context(request, training_class, enrolment):
    user = request.user
    if enrolment is not None:
        receipt = EvaluationReceipt.objects.filter(enrolment=enrolment).only("submitted_on").first()
        if receipt is not None:
            state = "answered"
        elif actions.is_open(training_class):
            state = "open"
        elif training_class.status == training_class.Status.ARCHIVED:
            state = "closed"
        else:
            state = "not_yet_open"
        return {
            "viewer": "trainee",
            "state": state,
            "receipt": receipt,
            "form_url": reverse("evaluation:form", args=[training_class.pk]),
        }
    if not policy.can_see_class_results(user, training_class):
        return None
    return {
        "viewer": "results",
        "answered": results.answered_count(training_class),
        "enrolled": results.enrolled_count(training_class),
        "runs_class": policy.can_see_non_answerers(user, training_class),
        "results_url": reverse("evaluation:class_results", args=[training_class.pk]),
    }

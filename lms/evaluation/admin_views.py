"""The satisfaction evaluation in Wagtail's admin, for officers and institution staff.

``/admin/evaluation/`` lists the classes the user may see (``policy.classes_for_admin``) with
answered/enrolled, the averages and the satisfaction rate; ``/admin/evaluation/classes/<id>/``
shows one class's results. Holders of ``evaluation.view_evaluationresponse`` only; anyone else,
and any class outside the user's reach, gets the same 404. Individual answers are never listed.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from lms.training.models import TrainingClass

from . import policy, results
from .actions import DIMENSIONS

CLASSES_PER_PAGE = 50


def evaluation_index(request):
    if not request.user.has_perm(policy.ADMIN_PERMISSION):
        raise Http404(_("No such page."))
    classes = (
        policy.classes_for_admin(request.user)
        .exclude(status__in=[TrainingClass.Status.PLANNED, TrainingClass.Status.ENROLLING])
        .select_related("institution")
        .order_by("-start_date", "code")
    )
    page = Paginator(classes, CLASSES_PER_PAGE).get_page(request.GET.get("p"))
    rows = list(page.object_list)
    summaries = results.class_summaries([row.pk for row in rows])
    for row in rows:
        row.evaluation = summaries[row.pk]
        row.evaluation_averages = [row.evaluation["averages"][key] for key, _label in DIMENSIONS]
    return TemplateResponse(
        request,
        "evaluation/admin/index.html",
        {
            "page": page,
            "rows": rows,
            "dimensions": [label for _key, label in DIMENSIONS],
            "min_answers": results.MIN_ANSWERS_TO_SHOW,
            "page_title": _("Satisfaction evaluation"),
            "header_icon": "clipboard-list",
        },
    )


def class_results(request, class_id):
    training_class = policy.access_class_for_admin(request.user, class_id)
    show_non_answerers = policy.can_see_non_answerers(request.user, training_class)
    return TemplateResponse(
        request,
        "evaluation/admin/class_results.html",
        {
            "training_class": training_class,
            "results": results.class_results(training_class),
            "show_non_answerers": show_non_answerers,
            "non_answerers": results.non_answerers(training_class) if show_non_answerers else [],
            "page_title": _("Satisfaction evaluation"),
            "page_subtitle": str(training_class),
            "header_icon": "clipboard-list",
        },
    )

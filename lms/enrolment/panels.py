"""The enrolment app's panel on the class page: the head teacher's link to set the committee."""

from lms.training.panels import register_class_panel

from .actions import ROSTER_OPEN
from .models import ClassEnrolment
from .policy import can_set_committee


def committee_panel_context(request, training_class, enrolment):
    """For whoever may set the committee (not trainees): the roles filled and a link."""
    if enrolment is not None or not can_set_committee(request.user, training_class):
        return None
    filled = (
        ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        )
        .exclude(committee_role="")
        .count()
    )
    return {
        "roles_filled": filled,
        "roles_total": len(ClassEnrolment.CommitteeRole.values),
        "committee_editable": training_class.status in ROSTER_OPEN,
    }


def register():
    register_class_panel(
        "enrolment_committee",
        order=60,
        template="enrolment/panels/committee.html",
        context=committee_panel_context,
    )

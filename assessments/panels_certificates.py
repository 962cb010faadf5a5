"""The "Certificates" panel on the class page (key ``certificates``, order 47).

A trainee sees their certificate for the class (with the PDF) or what earns it; those who may
issue the class's certificates see how many hold one and a link to eligibility and issuing.
Everyone else sees nothing. One or two queries.
"""

from django.urls import reverse

from . import policy
from .models import Certificate


def certificates_panel_context(request, training_class, enrolment):
    if enrolment is not None:
        certificate = Certificate.objects.filter(
            training_class=training_class,
            profile_id=enrolment.profile_id,
            status=Certificate.Status.VALID,
        ).first()
        return {"viewer": "trainee", "certificate": certificate}
    if not policy.can_issue_certificates(request.user, training_class):
        return None
    from lms.enrolment.models import ClassEnrolment

    return {
        "viewer": "issuer",
        "issued": Certificate.objects.filter(
            training_class=training_class, status=Certificate.Status.VALID
        ).count(),
        "enrolled": ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        ).count(),
        "class_url": reverse("certificates:class", args=[training_class.pk]),
    }


def register():
    """Called from ``AssessmentsConfig.ready``."""
    from lms.training.panels import register_class_panel

    register_class_panel(
        "certificates",
        order=47,
        template="assessments/certificates/panels/certificates.html",
        context=certificates_panel_context,
    )

"""The training file's "Certificates" section (order 80): who was eligible, and every
certificate issued for the class, revoked and reissued ones included.

``register_trainingfile_section()`` is called from ``AssessmentsConfig.ready``. The section
runs a fixed number of queries per class (attendance grid, exam outcomes, certificates).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.trainingfile.documents import Fields, Percent, Report, Table
from lms.trainingfile.sections import Output, class_caption

from .actions import certificates as actions
from .models import Certificate


def build_certificates(record):
    training_class = record.training_class
    rule = actions.rule_for(training_class)
    rows = actions.eligible_trainees(training_class, rule=rule, now=record.now)
    certificates = list(
        Certificate.objects.filter(training_class=training_class)
        .select_related("profile", "replaces", "renews", "revoked_by", "issued_by")
        .order_by("serial")
    )
    rule_fields = Fields(
        sheet=_("Completion rule"),
        title=_("Completion rule"),
        items=[
            (_("Attendance at least"), Percent(rule.attendance_threshold / 100)),
            (_("Exams must be passed"), rule.require_exams),
            (_("Issue automatically"), rule.issue_automatically),
            (_("Eligible trainees"), sum(1 for r in rows if r.eligible)),
            (_("Certificates issued"), len(certificates)),
        ],
    )
    eligibility = Table(
        sheet=_("Eligibility"),
        title=_("Eligibility"),
        headers=[_("Name"), _("Attendance"), _("Exams passed"), _("Eligible"), _("Reasons")],
        rows=[
            [
                row.profile.real_name,
                Percent(None if row.attendance_percent is None else row.attendance_percent / 100),
                "—" if row.passed_exams is None else row.passed_exams,
                row.eligible,
                " ".join(str(reason) for reason in row.reasons),
            ]
            for row in rows
        ],
        widths=[2, 1, 1, 1, 4],
        empty_text=_("Nobody is enrolled."),
    )
    issued = Table(
        sheet=_("Certificates"),
        title=_("Certificates"),
        headers=[
            _("Serial number"),
            _("Name"),
            _("ID number"),
            _("Issued on"),
            _("Valid until"),
            _("Status"),
            _("Reissue of"),
            _("Reason for revocation"),
        ],
        rows=[
            [
                c.serial,
                c.holder_name,
                c.profile.masked_id_number,
                c.issued_on,
                c.valid_until,
                c.get_status_display(),
                c.replaces.serial if c.replaces else "",
                c.revocation_reason,
            ]
            for c in certificates
        ],
        widths=[3, 2, 3, 2, 2, 2, 3, 3],
        empty_text=_("No certificates were issued."),
    )
    report = Report(
        title=_("Certificates"),
        subtitle=class_caption(record),
        blocks=[rule_fields, eligibility, issued],
        landscape=True,
    )
    title = _("Eligibility and certificates")
    return [
        Output("09-certificates.pdf", title, report),
        Output("09-certificates.xlsx", title, report),
    ]


def register_trainingfile_section():
    from lms.trainingfile.sections import register_section

    register_section(
        "certificates",
        title=gettext_lazy("Certificates"),
        order=80,
        build=build_certificates,
    )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Running the programme: institutions, the lecturer library, plans, classes and sessions."""

    name = "lms.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self):
        from lms.accounts.roles import Role
        from lms.core.dashboard import register_card

        register_card(
            "my_classes",
            _("My classes"),
            _("Your training classes: today's session and venue, the schedule and classmates."),
            "training:my_classes",
            [Role.TRAINEE, Role.ALUMNUS, Role.HEAD_TEACHER, Role.LECTURER],
        )
        staff_roles = [Role.ADMINISTRATOR, Role.COMMERCE_OFFICER, Role.INSTITUTION_STAFF]
        register_card(
            "training_plans",
            _("Training plans"),
            _("Draft and submit plans; commerce officers approve or reject them with comments."),
            "training_plan:index",
            [*staff_roles, Role.FINANCE_OFFICER],
            permission="training.view_trainingplan",
        )
        register_card(
            "training_classes",
            _("Training classes"),
            _("Classes under approved plans: sessions, head teacher, status."),
            "training_class:index",
            [*staff_roles, Role.FINANCE_OFFICER],
            permission="training.view_trainingclass",
        )
        register_card(
            "class_enrolment",
            _("Enrolment"),
            _("Register candidates into enrolling classes, confirm applications, import a list."),
            "enrolment_admin_index",
            [Role.ADMINISTRATOR, Role.INSTITUTION_STAFF, Role.REGISTRAR],
            permission="enrolment.view_classenrolment",
        )
        register_card(
            "training_files",
            _("Training files"),
            _("Each class's complete record, as one ZIP of PDF and XLSX files."),
            "trainingfile_index",
            [*staff_roles, Role.FINANCE_OFFICER],
            permission="trainingfile.view_trainingfile",
        )
        register_card(
            "evaluation_results",
            _("Satisfaction evaluation"),
            _("What trainees thought of each class and lecturer; answers are anonymous."),
            "evaluation_admin_index",
            [*staff_roles, Role.FINANCE_OFFICER],
            permission="evaluation.view_evaluationresponse",
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    """Who may study which course, and how far each trainee has got."""

    name = "lms.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self):
        from lms.accounts.roles import Role
        from lms.core.dashboard import register_card

        register_card(
            "my_learning",
            _("My learning"),
            _("Your courses, how far you have got, and where to continue."),
            "learning:my_learning",
            [Role.TRAINEE, Role.ALUMNUS],
        )
        register_card(
            "progress_reports",
            _("Progress reports"),
            _("How far each trainee has got in a course: lessons completed and time spent."),
            "learning:report_index",
            [
                Role.ADMINISTRATOR,
                Role.COMMERCE_OFFICER,
                Role.FINANCE_OFFICER,
                Role.INSTITUTION_STAFF,
                Role.LECTURER,
                Role.HEAD_TEACHER,
            ],
        )
        register_card(
            "course_enrolments",
            _("Course enrolments"),
            _("Assign trainees to the courses they may study."),
            "wagtailsnippets_learning_courseenrolment:list",
            [Role.ADMINISTRATOR],
            permission="learning.add_courseenrolment",
        )

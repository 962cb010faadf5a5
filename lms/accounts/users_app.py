from wagtail.users.apps import WagtailUsersAppConfig


class ProgrammeUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user management with the programme's user forms (admin_users.py)."""

    user_viewset = "lms.accounts.admin_users.ProgrammeUserViewSet"

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


def demo_account_refused(user):
    """Demo accounts work only where settings allow them (dev and test)."""
    return getattr(user, "is_demo", False) and not settings.DEMO_ACCOUNTS_ENABLED


class ProgrammeModelBackend(ModelBackend):
    """Django's password backend, refusing inactive users and, outside dev, demo accounts."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not demo_account_refused(user)

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is not None and demo_account_refused(user):
            return None
        return user

import pytest
from django.core.management import CommandError, call_command

from lms.accounts.models import Region, TraineeProfile, User

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "admin": "administrator",
    "commerce": "commerce_officer",
    "finance": "finance_officer",
    "institution": "institution_staff",
    "lecturer": "lecturer",
    "headteacher": "head_teacher",
    "registrar": "registrar",
    "trainee": "trainee",
    "trainee2": "trainee",
    "alumnus": "alumnus",
}


def test_seed_demo_creates_the_county_and_one_account_per_role(client, settings):
    call_command("seed_demo", "--without-curricula", verbosity=0)
    county = Region.objects.get(level=Region.Level.COUNTY)
    assert county.children.count() >= 3
    assert Region.objects.filter(level=Region.Level.VILLAGE, parent__parent=county).count() >= 9
    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.is_demo
        assert user.has_role(role), username
        assert user.check_password(settings.DEMO_PASSWORD)
    assert (
        TraineeProfile.objects.filter(user__username__in=["trainee", "trainee2", "alumnus"]).count()
        == 3
    )
    for profile in TraineeProfile.objects.all():
        profile.full_clean()


def test_seed_demo_is_idempotent():
    call_command("seed_demo", "--without-curricula", verbosity=0)
    counts = (Region.objects.count(), User.objects.count(), TraineeProfile.objects.count())
    call_command("seed_demo", "--without-curricula", verbosity=0)
    assert counts == (Region.objects.count(), User.objects.count(), TraineeProfile.objects.count())


def test_every_demo_account_can_sign_in(client, settings):
    call_command("seed_demo", "--without-curricula", verbosity=0)
    for username in DEMO_USERS:
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username


def test_seed_demo_refuses_when_demo_accounts_are_disabled(settings):
    settings.DEMO_ACCOUNTS_ENABLED = False
    with pytest.raises(CommandError):
        call_command("seed_demo", "--without-curricula", verbosity=0)
    assert not User.objects.filter(is_demo=True).exists()

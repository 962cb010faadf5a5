import pytest
from wagtail.models import APIToken

from lms.accounts.actions import MAX_ACTIVE_TOKENS, do_issue_api_token

pytestmark = pytest.mark.django_db


def test_creating_a_token_shows_it_once(client, make_user):
    user = make_user("trainee")
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "我的手机"})
    assert response.status_code == 200
    token = APIToken.objects.get(user=user)
    assert token.name == "我的手机"
    assert 'id="new-token"' in response.text
    again = client.get("/accounts/tokens/")
    assert 'id="new-token"' not in again.text
    assert token.prefix in again.text


def test_a_blank_name_is_refused(client, make_user):
    client.force_login(make_user("trainee"))
    response = client.post("/accounts/tokens/", {"name": ""})
    assert response.status_code == 400
    assert APIToken.objects.count() == 0


def test_there_is_a_limit_on_active_tokens(client, make_user):
    user = make_user("trainee")
    for index in range(MAX_ACTIVE_TOKENS):
        do_issue_api_token(user, f"t{index}", acting_user=user)
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "one too many"})
    assert response.status_code == 400
    assert APIToken.objects.count() == MAX_ACTIVE_TOKENS


def test_revoking_my_token(client, make_user):
    user = make_user("trainee")
    token, _ = do_issue_api_token(user, "phone", acting_user=user)
    client.force_login(user)
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_someone_elses_token_is_a_404(client, make_user):
    other = make_user("trainee")
    theirs, _ = do_issue_api_token(other, "phone", acting_user=other)
    client.force_login(make_user("trainee"))
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post("/accounts/tokens/999999/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_needs_post(client, make_user):
    user = make_user("trainee")
    token, _ = do_issue_api_token(user, "phone", acting_user=user)
    client.force_login(user)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405


def test_my_profile_shows_my_details_masked(client, make_user):
    from tests.factories import TraineeProfileFactory

    user = make_user("trainee")
    profile = TraineeProfileFactory(user=user)
    client.force_login(user)
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert profile.masked_id_number in response.text
    assert profile.id_number not in response.text
    assert profile.village.full_name in response.text

import pytest

pytestmark = pytest.mark.django_db


def test_pages_speak_simplified_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in response.text
    assert "登录" in response.text


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "zh-hans"


def test_the_language_switch_changes_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "en"
    assert "Sign in" in page.text
    assert '<html lang="en">' in page.text

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_an_unknown_language_is_ignored(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert client.get("/accounts/login/")["Content-Language"] == "zh-hans"


def test_the_switch_will_not_redirect_off_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_api_honours_accept_language(client):
    response = client.get("/api/v1/me", headers={"accept-language": "en"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Sign in or send a valid API token."
    chinese = client.get("/api/v1/me")
    assert chinese.json()["detail"] != "Sign in or send a valid API token."

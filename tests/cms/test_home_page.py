import pytest
from wagtail.models import Site

from cms.models import HomePage

pytestmark = pytest.mark.django_db


def test_the_site_root_is_the_programme_home_page(client):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    response = client.get("/")
    assert response.status_code == 200
    assert "县电子商务人才培训" in response.text
    assert 'href="/accounts/login/"' in response.text


def test_the_supervision_phone_is_published_when_set(client):
    home = HomePage.objects.get()
    home.supervision_phone = "0739-1234567"
    home.save_revision().publish()
    response = client.get("/")
    assert 'href="tel:0739-1234567"' in response.text


def test_an_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="zh-Hans">' in response.text


def test_security_headers_are_sent(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_the_admin_has_no_second_sign_in_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_a_csrf_failure_is_explained(make_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.text

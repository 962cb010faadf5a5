import pytest
from django.utils import translation

from lms.training.models import Institution, InstitutionStatusChange

Status = Institution.Status


def url(pk):
    return f"/admin/training/institutions/{pk}/status/"


@pytest.mark.parametrize("role", ["administrator", "commerce_officer"])
def test_officers_see_the_status_view(client, make_user, make_institution, role):
    institution = make_institution()
    client.force_login(make_user(role))
    response = client.get(url(institution.pk))
    assert response.status_code == 200
    assert institution.legal_name in response.text


@pytest.mark.parametrize("role", ["finance_officer", "institution_staff", "lecturer", "registrar"])
def test_other_admin_users_get_404(client, make_user, make_institution, role):
    institution = make_institution(all_met=True)
    client.force_login(make_user(role))
    assert client.get(url(institution.pk)).status_code == 404
    response = client.post(url(institution.pk), {"new_status": "qualified", "reason": "理由"})
    assert response.status_code == 404
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED


def test_trainees_and_visitors_are_kept_out(client, make_user, make_institution):
    institution = make_institution(all_met=True)
    assert (
        client.post(url(institution.pk), {"new_status": "qualified", "reason": "x"}).status_code
        == 302
    )
    client.force_login(make_user("trainee"))
    assert (
        client.post(url(institution.pk), {"new_status": "qualified", "reason": "x"}).status_code
        == 302
    )
    assert not InstitutionStatusChange.objects.exists()


def test_unknown_ids_get_404(client, make_user):
    client.force_login(make_user("commerce_officer"))
    assert client.get(url(999999)).status_code == 404


def test_an_officer_qualifies_through_the_view(client, make_user, make_institution):
    institution = make_institution(all_met=True)
    officer = make_user("commerce_officer")
    client.force_login(officer)
    response = client.post(url(institution.pk), {"new_status": "qualified", "reason": "材料齐全"})
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.status == Status.QUALIFIED
    assert InstitutionStatusChange.objects.get().changed_by == officer
    assert "材料齐全" in client.get(url(institution.pk)).text


def test_form_errors_are_shown_translated(client, make_user, make_institution):
    institution = make_institution()
    client.force_login(make_user("commerce_officer"))
    with translation.override("zh-hans"):
        response = client.post(
            url(institution.pk),
            {"new_status": "qualified", "reason": "审核"},
            headers={"accept-language": "zh-hans"},
        )
        assert response.status_code == 200
        assert "四项条件" in response.text
        response = client.post(url(institution.pk), {"new_status": "qualified", "reason": ""})
        assert response.status_code == 200
        assert response.context["form"].errors["reason"]
        response = client.post(url(institution.pk), {"new_status": "suspended", "reason": "x"})
        assert response.status_code == 200
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert not InstitutionStatusChange.objects.exists()


def test_the_form_offers_only_allowed_statuses(client, make_user, make_institution):
    institution = make_institution(all_met=True, status=Status.SUSPENDED)
    client.force_login(make_user("commerce_officer"))
    response = client.get(url(institution.pk))
    choices = response.context["form"].fields["new_status"].choices
    assert [value for value, _label in choices] == ["qualified", "cancelled"]


def test_the_snippet_form_has_no_status_field(client, make_user, make_institution):
    institution = make_institution()
    client.force_login(make_user("commerce_officer"))
    response = client.get(f"/admin/snippets/training/institution/edit/{institution.pk}/")
    assert response.status_code == 200
    assert 'name="status"' not in response.text
    assert 'name="credit_code"' in response.text


def test_the_snippet_list_links_to_the_status_view(client, make_user, make_institution):
    institution = make_institution()
    client.force_login(make_user("commerce_officer"))
    response = client.get("/admin/snippets/training/institution/")
    assert response.status_code == 200
    assert url(institution.pk) in response.text


def test_finance_officers_may_view_but_not_edit(client, make_user, make_institution):
    institution = make_institution()
    client.force_login(make_user("finance_officer"))
    assert client.get("/admin/snippets/training/institution/").status_code == 200
    response = client.get("/admin/snippets/training/institution/")
    assert url(institution.pk) not in response.text
    edit = client.get(f"/admin/snippets/training/institution/edit/{institution.pk}/")
    assert edit.status_code in {302, 403}


def test_a_cancelled_institution_may_be_moved_back_to_applied(client, make_user, make_institution):
    institution = make_institution(status=Status.CANCELLED)
    client.force_login(make_user("commerce_officer"))
    response = client.get(url(institution.pk))
    choices = response.context["form"].fields["new_status"].choices
    assert [value for value, _label in choices] == ["applied"]
    response = client.post(
        url(institution.pk), {"new_status": "applied", "reason": "整改后重新申请"}
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED

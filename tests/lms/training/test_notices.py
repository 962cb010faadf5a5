import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.training.actions import check_change_institution_status
from lms.training.models import Institution, InstitutionStatusChange

Status = Institution.Status


def cancel(institution, officer, reason="多次违规"):
    return check_change_institution_status(
        institution, Status.CANCELLED, reason=reason, acting_user=officer
    )


def test_only_cancellations_are_listed_newest_first(client, make_user, make_institution):
    officer = make_user("commerce_officer")
    qualified = make_institution(all_met=True, legal_name="合格机构")
    check_change_institution_status(
        qualified, Status.QUALIFIED, reason="材料齐全", acting_user=officer
    )
    older = cancel(make_institution(legal_name="旧撤销机构"), officer, reason="虚报人数")
    InstitutionStatusChange.objects.filter(pk=older.pk).update(
        changed_at=timezone.now() - datetime.timedelta(days=3)
    )
    newer = cancel(make_institution(legal_name="新撤销机构"), officer, reason="弄虚作假")
    response = client.get("/training/notices/")
    assert response.status_code == 200
    text = response.text
    assert "合格机构" not in text
    assert text.index("新撤销机构") < text.index("旧撤销机构")
    assert newer.institution.credit_code in text
    assert "弄虚作假" in text
    assert timezone.localdate(newer.changed_at).isoformat() in text


def test_the_list_costs_the_same_queries_whatever_the_number(
    client, make_user, make_institution, django_assert_num_queries
):
    officer = make_user("commerce_officer")
    cancel(make_institution(), officer)
    with CaptureQueriesContext(connection) as baseline:
        client.get("/training/notices/")
    for _number in range(25):
        cancel(make_institution(), officer)
    with django_assert_num_queries(len(baseline)):
        response = client.get("/training/notices/")
    assert response.text.count('<tr class="notice">') == 20
    assert client.get("/training/notices/", {"page": 2}).text.count('<tr class="notice">') == 6


def test_the_detail_page(client, make_user, make_institution):
    notice = cancel(make_institution(legal_name="被撤销机构"), make_user("commerce_officer"))
    response = client.get(f"/training/notices/{notice.pk}/")
    assert response.status_code == 200
    assert "被撤销机构" in response.text
    assert notice.institution.credit_code in response.text


def test_unknown_ids_and_other_changes_get_404(client, make_user, make_institution):
    officer = make_user("commerce_officer")
    change = check_change_institution_status(
        make_institution(all_met=True), Status.QUALIFIED, reason="材料齐全", acting_user=officer
    )
    assert client.get(f"/training/notices/{change.pk}/").status_code == 404
    assert client.get("/training/notices/999999/").status_code == 404


def test_an_empty_list_says_so(client, db):
    response = client.get("/training/notices/")
    assert response.status_code == 200
    assert '<tr class="notice">' not in response.text


def test_the_footer_links_to_the_notices(client, db):
    assert 'href="/training/notices/"' in client.get("/training/notices/").text

"""Certificate pages and API: the public verification page in every state, the PDF, My
certificates, the issuing page, the register and its export, revoke and reissue, the class
panel and the training file section."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.actions import certificates as actions
from assessments.models import Certificate, CompletionRule, Reminder
from assessments.panels_certificates import certificates_panel_context
from assessments.trainingfile_certificates import build_certificates
from lms.audit.models import AuditEvent
from lms.trainingfile.records import ClassRecord
from tests.assessments.test_certificates import (
    MONDAY,
    THURSDAY,
    at,
    finished_class,
    good_trainee,
)
from tests.factories.training import make_enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(THURSDAY, 10), tick=False)
    return time_machine


@pytest.fixture
def world(clock, make_user):
    w = finished_class(make_user)
    w.officer = make_user("commerce_officer")
    w.good = good_trainee(w)
    w.trainee = w.good.profile.user
    (w.certificate,) = actions.check_issue_certificates(w.officer, w.training_class)
    return w


def verify_url(certificate):
    return reverse("certificates:verify", args=[certificate.code])


# --- The public verification page -------------------------------------------------------------


def test_verify_valid_without_signing_in(client, world):
    response = client.get(verify_url(world.certificate))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="valid"' in html
    assert "李小梅" in html
    assert world.certificate.serial in html
    assert world.good.profile.masked_id_number in html
    assert world.good.profile.id_number not in html
    assert 'name="robots" content="noindex' in html
    assert response["X-Robots-Tag"].startswith("noindex")


def test_verify_expired(client, world, clock):
    clock.move_to(at(world.certificate.valid_until + datetime.timedelta(days=1), 9))
    html = client.get(verify_url(world.certificate)).content.decode()
    assert 'data-state="expired"' in html


def test_verify_last_valid_day_is_still_valid(client, world, clock):
    clock.move_to(at(world.certificate.valid_until, 23))
    assert 'data-state="valid"' in client.get(verify_url(world.certificate)).content.decode()


def test_verify_revoked_shows_date_not_reason(client, world):
    actions.check_revoke_certificate(world.officer, world.certificate.pk, "机密原因")
    html = client.get(verify_url(world.certificate)).content.decode()
    assert 'data-state="revoked"' in html
    assert "2026-03-12" in html
    assert "机密原因" not in html


def test_verify_superseded_does_not_point_to_the_new_one(client, world):
    new = actions.check_reissue_certificate(world.officer, world.certificate.pk, "姓名更正")
    html = client.get(verify_url(world.certificate)).content.decode()
    assert 'data-state="superseded"' in html
    assert new.code not in html and new.serial not in html
    assert 'data-state="valid"' in client.get(verify_url(new)).content.decode()


@pytest.mark.parametrize("code", ["nope", "x" * 41, "a%20b", "<script>", "..."])
def test_verify_unknown_or_malformed_is_the_same_404(client, world, code):
    response = client.get(f"/certificates/verify/{code}/")
    assert response.status_code == 404
    assert response.templates[0].name == "assessments/certificates/not_found.html"


def test_verify_form_sends_codes_to_their_page(client, world):
    form = reverse("certificates:verify_form")
    assert client.get(form).status_code == 200
    response = client.get(form, {"code": f"  {world.certificate.code} "})
    assert response.status_code == 302 and response["Location"] == verify_url(world.certificate)
    # Serials are not accepted: they are sequential and would allow walking the register.
    response = client.get(form, {"code": world.certificate.serial}, follow=True)
    assert response.status_code == 404
    assert response.templates[0].name == "assessments/certificates/not_found.html"
    # Something that cannot be a code is refused on the spot, with the same page.
    for bad in ("证书编号", "a b", "x" * 41, "<script>"):
        response = client.get(form, {"code": bad})
        assert response.status_code == 404
        assert response.templates[0].name == "assessments/certificates/not_found.html"


def test_malformed_codes_are_not_looked_up(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        for bad in ("证书", "ａｂｃ", "abc def", "x" * 41, "", None):
            assert actions.find_by_code(bad) is None
    assert actions.find_by_code(world.certificate.code) == world.certificate


# --- The PDF ----------------------------------------------------------------------------------


@override_settings(WAGTAILADMIN_BASE_URL="https://px.example.cn")
def test_pdf_has_the_chinese_name_serial_and_title(client, world):
    from pypdf import PdfReader

    client.force_login(world.trainee)
    response = client.get(reverse("certificates:pdf", args=[world.certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    text = page.extract_text()
    assert "李小梅" in text
    assert world.certificate.serial in text
    assert "电子商务培训合格证书" in text
    assert world.good.profile.masked_id_number in text
    assert f"https://px.example.cn/certificates/verify/{world.certificate.code}/" in text
    assert page.mediabox.width > page.mediabox.height  # landscape


MM = 72 / 25.4  # points per millimetre


def text_runs(page):
    """(text, x, baseline y, x end) of every text run, in points; a run's width is estimated
    from its characters (a Chinese character is one em, anything else at most 0.6 em)."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            width = sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in text.strip()) * size
            runs.append((text.strip(), tm[4], tm[5], tm[4] + width))

    page.extract_text(visitor_text=visit)
    return runs


def test_pdf_keeps_long_names_inside_the_frame(client, world):
    """A class name of 100 characters and an institution's legal name of 200 neither run under
    the QR code nor off the page; they shrink and wrap, and every character is still printed."""
    from pypdf import PdfReader

    training_class = world.training_class
    training_class.name = ("2026年第1期农村电子商务初级实操人才培训班" * 5)[:100]
    training_class.save()
    institution = training_class.institution
    institution.legal_name = ("湖南省某某县职业技能培训学校有限责任公司" * 10)[:200]
    institution.save()
    client.force_login(world.trainee)
    response = client.get(reverse("certificates:pdf", args=[world.certificate.pk]))
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    runs = text_runs(page)
    height = float(page.mediabox.height)
    for text, x, _y, x_end in runs:
        assert x >= 14 * MM - 1 and x_end <= 283 * MM + 1, text
    qr_top, qr_bottom = height - 55 * MM, height - 106 * MM
    for text, x, y, x_end in runs:
        if x < 200 * MM and qr_bottom <= y <= qr_top:
            assert x_end <= 215 * MM, text
    printed = "".join(text for text, *_ in runs)
    assert training_class.name in printed and institution.legal_name in printed


def test_pdf_of_someone_else_is_404(client, world, make_user):
    other = make_enrolment(world.training_class, user=True).profile.user
    client.force_login(other)
    url = reverse("certificates:pdf", args=[world.certificate.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("certificates:pdf", args=[999999])).status_code == 404
    client.force_login(world.officer)
    assert client.get(url).status_code == 200


def test_a_revoked_or_replaced_pdf_is_not_printed_again(client, world, make_user):
    """The holder (and the head teacher) cannot download a clean copy of a certificate that no
    longer stands; officers still can, for the record."""
    url = reverse("certificates:pdf", args=[world.certificate.pk])
    new = actions.check_reissue_certificate(world.officer, world.certificate.pk, "姓名更正")
    for user in (world.trainee, world.head_teacher):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("certificates:pdf", args=[new.pk])).status_code == 200
    actions.check_revoke_certificate(world.officer, new.pk, "冒名顶替")
    client.force_login(world.trainee)
    assert client.get(reverse("certificates:pdf", args=[new.pk])).status_code == 404
    for officer in (world.officer, make_user("finance_officer")):
        client.force_login(officer)
        assert client.get(url).status_code == 200


# --- My certificates --------------------------------------------------------------------------


def test_my_certificates_lists_own_and_marks_reminders_read(client, world):
    Reminder.objects.create(
        certificate=world.certificate, user=world.trainee, kind=Reminder.Kind.WINDOW_OPEN
    )
    client.force_login(world.trainee)
    html = client.get(reverse("certificates:mine")).content.decode()
    assert world.certificate.serial in html
    assert reverse("certificates:pdf", args=[world.certificate.pk]) in html
    assert "is-new" in html
    assert Reminder.objects.get().read_at is not None
    assert "is-new" not in client.get(reverse("certificates:mine")).content.decode()


def test_my_certificates_of_another_trainee_shows_nothing(client, world):
    other = make_enrolment(world.training_class, user=True).profile.user
    client.force_login(other)
    html = client.get(reverse("certificates:mine")).content.decode()
    assert world.certificate.serial not in html


def test_my_certificates_needs_sign_in(client, world):
    assert client.get(reverse("certificates:mine")).status_code == 302


# --- Issuing page -----------------------------------------------------------------------------


def test_class_page_lists_eligibility_and_issues(client, world):
    newcomer = good_trainee(world, "王五")
    failing = make_enrolment(world.training_class, user=True)
    url = reverse("certificates:class", args=[world.training_class.pk])
    client.force_login(world.head_teacher)
    html = client.get(url).content.decode()
    assert "王五" in html and world.certificate.serial in html
    # Only the eligible trainee without a certificate can be ticked.
    assert f'name="profile" value="{newcomer.profile.pk}"' in html
    assert f'name="profile" value="{failing.profile.pk}"' not in html
    assert f'name="profile" value="{world.good.profile.pk}"' not in html
    response = client.post(url, {"action": "issue"})
    assert response.status_code == 302
    assert Certificate.objects.filter(profile=newcomer.profile).exists()
    assert not Certificate.objects.filter(profile=failing.profile).exists()


def test_class_page_keeps_a_revocation_unless_ticked(client, world):
    actions.check_revoke_certificate(world.officer, world.certificate.pk, "考试作弊")
    url = reverse("certificates:class", args=[world.training_class.pk])
    client.force_login(world.head_teacher)
    html = client.get(url).content.decode()
    assert world.certificate.serial in html
    assert f'name="profile" value="{world.good.profile.pk}"' in html
    assert "disabled" in html  # nothing to issue to everyone
    client.post(url, {"action": "issue"})
    assert not Certificate.objects.filter(status="valid").exists()
    client.post(url, {"action": "issue", "profile": [world.good.profile.pk]})
    assert Certificate.objects.get(status="valid").profile == world.good.profile


def test_class_page_of_another_class_is_404(client, world, make_user):
    client.force_login(make_user("head_teacher"))
    url = reverse("certificates:class", args=[world.training_class.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "issue"}).status_code == 404


def test_class_page_refuses_before_the_class_ends(client, world, clock):
    good_trainee(world, "王五")
    clock.move_to(at(MONDAY, 18))
    world.training_class.status = "in_progress"
    world.training_class.save()
    client.force_login(world.head_teacher)
    url = reverse("certificates:class", args=[world.training_class.pk])
    response = client.post(url, {"action": "issue"})
    assert response.status_code == 400
    assert Certificate.objects.count() == 1


def test_completion_rule_edited_by_officers_only(client, world):
    url = reverse("certificates:class", args=[world.training_class.pk])
    client.force_login(world.head_teacher)
    data = {"action": "rule", "attendance_threshold": "70", "require_exams": "on"}
    assert client.post(url, data).status_code == 404
    assert not CompletionRule.objects.exists()
    client.force_login(world.officer)
    assert client.post(url, {**data, "attendance_threshold": "abc"}).status_code == 400
    assert client.post(url, {**data, "attendance_threshold": "120"}).status_code == 400
    assert client.post(url, data).status_code == 302
    rule = CompletionRule.objects.get()
    assert rule.attendance_threshold == 70 and rule.require_exams and not rule.issue_automatically


@pytest.mark.parametrize("threshold", ["NaN", "sNaN", "Infinity", "-1", "70.555", "", "七十"])
def test_a_bad_threshold_is_refused_and_changes_nothing(client, world, threshold):
    url = reverse("certificates:class", args=[world.training_class.pk])
    client.force_login(world.officer)
    response = client.post(url, {"action": "rule", "attendance_threshold": threshold})
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert not CompletionRule.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.completion_rule_changed").exists()


def test_completion_rule_change_is_audited_field_by_field(client, world):
    url = reverse("certificates:class", args=[world.training_class.pk])
    client.force_login(world.officer)
    client.post(url, {"action": "rule", "attendance_threshold": "75.5", "require_exams": "on"})
    event = AuditEvent.objects.get(action="certificate.completion_rule_changed")
    assert event.changes == {"attendance_threshold": ["80", "75.5"]}
    assert CompletionRule.objects.get().attendance_threshold == Decimal("75.5")


# --- Register, revoke, reissue ----------------------------------------------------------------


def test_register_states_filters_and_query_count(
    client, world, make_user, clock, django_assert_num_queries
):
    other = finished_class(make_user, tier="senior")
    good_trainee(other, "王五")
    actions.check_issue_certificates(world.officer, other.training_class)
    client.force_login(world.officer)
    url = reverse("certificates:register")
    html = client.get(url).content.decode()
    assert "李小梅" in html and "王五" in html
    html = client.get(url, {"tier": "senior"}).content.decode()
    assert "王五" in html and "李小梅" not in html
    clock.move_to(at(datetime.date(2028, 1, 20), 9))  # both in their window
    client.force_login(world.officer)  # the session expired meanwhile
    assert "李小梅" in client.get(url, {"state": "due"}).content.decode()
    assert "李小梅" not in client.get(url, {"state": "current"}).content.decode()
    clock.move_to(at(datetime.date(2028, 6, 1), 9))
    client.force_login(world.officer)
    assert "李小梅" in client.get(url, {"state": "lapsed"}).content.decode()
    # Session, user and roles, then the policies and the certificates: whatever the rows.
    with django_assert_num_queries(5):
        client.get(url)


def test_register_xlsx(client, world):
    from openpyxl import load_workbook

    client.force_login(world.officer)
    response = client.get(reverse("certificates:register"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert world.certificate.serial in values and "李小梅" in values


def test_register_is_for_officers(client, world):
    client.force_login(world.head_teacher)
    assert client.get(reverse("certificates:register")).status_code == 404
    assert (
        client.get(reverse("certificates:detail", args=[world.certificate.pk])).status_code == 404
    )


def test_revoke_and_reissue_pages(client, world):
    client.force_login(world.officer)
    detail = reverse("certificates:detail", args=[world.certificate.pk])
    assert client.get(detail).status_code == 200
    revoke = reverse("certificates:revoke", args=[world.certificate.pk])
    assert client.post(revoke, {"reason": ""}).status_code == 400
    reissue = reverse("certificates:reissue", args=[world.certificate.pk])
    response = client.post(reissue, {"reason": "姓名更正", "holder_name": "李晓梅"})
    assert response.status_code == 302
    new = Certificate.objects.get(replaces=world.certificate)
    assert new.holder_name == "李晓梅"
    assert client.post(revoke, {"reason": "x"}).status_code == 400  # superseded already
    response = client.post(reverse("certificates:revoke", args=[new.pk]), {"reason": "冒名顶替"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.status == Certificate.Status.REVOKED


def test_head_teacher_cannot_revoke(client, world):
    client.force_login(world.head_teacher)
    revoke = reverse("certificates:revoke", args=[world.certificate.pk])
    assert client.post(revoke, {"reason": "x"}).status_code == 404
    world.certificate.refresh_from_db()
    assert world.certificate.status == Certificate.Status.VALID


# --- API --------------------------------------------------------------------------------------


def test_api_verify_is_public_and_matches_the_page(client, world):
    response = client.get(f"/api/v1/certificates/verify/{world.certificate.code}")
    assert response.status_code == 200
    data = response.json()
    assert data["serial"] == world.certificate.serial
    assert data["status"] == "valid" and data["holder_name"] == "李小梅"
    assert data["id_number_masked"] == world.good.profile.masked_id_number
    assert "code" not in data and "revocation_reason" not in data
    assert client.get("/api/v1/certificates/verify/nope").status_code == 404


def test_api_mine(client, world):
    assert client.get("/api/v1/certificates/mine").status_code == 401
    client.force_login(world.trainee)
    data = client.get("/api/v1/certificates/mine").json()
    assert [c["serial"] for c in data["certificates"]] == [world.certificate.serial]
    assert data["certificates"][0]["verify_url"].endswith(verify_url(world.certificate))
    client.force_login(make_enrolment(world.training_class, user=True).profile.user)
    assert client.get("/api/v1/certificates/mine").json()["certificates"] == []


# --- Panel and training file ------------------------------------------------------------------


def test_panel_for_trainee_issuer_and_others(rf, world, make_user):
    request = rf.get("/")
    request.user = world.trainee
    context = certificates_panel_context(request, world.training_class, world.good)
    assert context["certificate"] == world.certificate
    request.user = world.head_teacher
    context = certificates_panel_context(request, world.training_class, None)
    assert context["issued"] == 1 and context["enrolled"] == 1
    request.user = make_user("lecturer")
    assert certificates_panel_context(request, world.training_class, None) is None


def test_training_file_section(world):
    outputs = build_certificates(ClassRecord(world.training_class.pk))
    assert [o.filename for o in outputs] == ["09-certificates.pdf", "09-certificates.xlsx"]
    issued = outputs[0].report.blocks[2]
    assert issued.rows[0][0] == world.certificate.serial
    assert issued.rows[0][1] == "李小梅"


# --- Wagtail admin ----------------------------------------------------------------------------


def test_admin_policies_for_officers_only(client, world):
    from assessments.models import CertificatePolicy

    client.force_login(world.officer)
    index = reverse("certificate_policies:index")
    response = client.get(index)
    assert response.status_code == 200
    assert reverse("certificates:register").encode() in client.get("/admin/").content
    response = client.post(
        reverse("certificate_policies:add"),
        {"tier": "cadre", "valid_months": 36, "window_months": 6, "closing_reminder_days": 30},
    )
    assert response.status_code == 302
    assert CertificatePolicy.objects.get(tier="cadre").valid_months == 36
    client.force_login(world.head_teacher)
    assert client.get(index).status_code in (302, 403)
    assert reverse("certificates:register").encode() not in client.get("/admin/").content


def queries_of(client, url, **params):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context)


def test_list_pages_query_counts_do_not_grow(client, world, clock, django_assert_num_queries):
    """The issuing page, the register (page and XLSX), My certificates (page and API) cost the
    same for one row or many."""
    class_url = reverse("certificates:class", args=[world.training_class.pk])
    register = reverse("certificates:register")
    mine = reverse("certificates:mine")
    mine_api = "/api/v1/certificates/mine"
    client.force_login(world.head_teacher)
    before = {"class": queries_of(client, class_url)}
    client.force_login(world.officer)
    before["register"] = queries_of(client, register)
    before["xlsx"] = queries_of(client, register, format="xlsx")
    Reminder.objects.create(certificate=world.certificate, kind=Reminder.Kind.WINDOW_OPEN)
    client.force_login(world.trainee)
    before["mine"] = queries_of(client, mine)
    before["mine_api"] = queries_of(client, mine_api)

    for n in range(5):
        good_trainee(world, f"学员{n}")
    actions.check_issue_certificates(world.officer, world.training_class)
    # The trainee's certificate reissued three times: four on their page, three reminders.
    current = world.certificate
    for n in range(3):
        current = actions.check_reissue_certificate(world.officer, current.pk, f"更正{n}")
    Reminder.objects.create(certificate=current, kind=Reminder.Kind.WINDOW_OPEN)
    Reminder.objects.create(certificate=current, kind=Reminder.Kind.CLOSING_SOON)
    assert Certificate.objects.count() == 9

    client.force_login(world.head_teacher)
    with django_assert_num_queries(before["class"]):
        client.get(class_url)
    client.force_login(world.officer)
    with django_assert_num_queries(before["register"]):
        assert "学员4" in client.get(register).content.decode()
    with django_assert_num_queries(before["xlsx"]):
        client.get(register, {"format": "xlsx"})
    client.force_login(world.trainee)
    with django_assert_num_queries(before["mine"]):
        html = client.get(mine).content.decode()
    assert html.count("cert-list") == 1 and current.serial in html
    with django_assert_num_queries(before["mine_api"]):
        data = client.get(mine_api).json()
    assert len(data["certificates"]) == 4 and len(data["reminders"]) == 2
    # And the figures themselves: session, user and roles, then one query per list.
    assert before["register"] == 5 and before["class"] == 12
    # Certificates, reminders, marking the unread ones read.
    assert before["mine"] == 5


def test_panel_and_training_file_query_counts_do_not_grow(rf, world, make_user):
    request = rf.get("/")
    request.user = world.head_teacher

    def count():
        with CaptureQueriesContext(connection) as panel:
            certificates_panel_context(request, world.training_class, None)
        with CaptureQueriesContext(connection) as section:
            build_certificates(ClassRecord(world.training_class.pk))
        return len(panel), len(section)

    count()  # the user's roles are cached on the first call
    before = count()
    for n in range(4):
        good_trainee(world, f"学员{n}")
    actions.check_issue_certificates(world.officer, world.training_class)
    actions.check_reissue_certificate(world.officer, world.certificate.pk, "更正")
    assert count() == before

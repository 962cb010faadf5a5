"""Editing an institution: its staff keep their contact details up to date; once assessed, its
four conditions and evidence change only through the County Bureau of Commerce (audited). A
cancelled institution re-applies through an officer."""

import pytest
from django.core.exceptions import ValidationError

from lms.audit.models import AuditEvent
from lms.training.actions import check_change_institution_status
from lms.training.models import Institution, InstitutionEvidence
from tests.factories import training as build

Status = Institution.Status


def edit_url(institution):
    return f"/admin/snippets/training/institution/edit/{institution.pk}/"


def form_data(institution, *, evidence=(), **values):
    data = {}
    for name in Institution.DETAIL_FIELDS:
        value = getattr(institution, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data.update(
        {
            "evidence-TOTAL_FORMS": str(len(evidence)),
            "evidence-INITIAL_FORMS": str(
                InstitutionEvidence.objects.filter(institution=institution).count()
            ),
            "evidence-MIN_NUM_FORMS": "0",
            "evidence-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(evidence):
        for key, value in row.items():
            data[f"evidence-{index}-{key}"] = value
    for key, value in values.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture
def document(db):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    return Document.objects.create(
        title="营业执照", file=ContentFile(b"%PDF-1.4", name="licence.pdf")
    )


@pytest.fixture
def applied(world):
    institution = build.make_institution(qualified=False, legal_name="丙培训学校")
    institution.staff.set([world.staff_a])
    institution.save()
    return institution


def test_staff_edit_an_applied_institutions_conditions(client, world, applied):
    client.force_login(world.staff_a)
    response = client.post(
        edit_url(applied),
        form_data(
            applied, capacity_met="on", capacity_note="承办培训12期", contact_person="新联系人"
        ),
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.capacity_met and applied.capacity_note == "承办培训12期"
    assert applied.contact_person == "新联系人"


def test_staff_cannot_change_an_assessed_institutions_conditions(client, world):
    institution = world.a  # qualified
    client.force_login(world.staff_a)
    page = client.get(edit_url(institution))
    assert page.context["form"].fields["capacity_met"].disabled
    response = client.post(
        edit_url(institution),
        form_data(
            institution,
            capacity_met=None,  # unticked
            capacity_note="改过",
            credit_code=build.make_credit_code(),
            contact_phone="13900000009",
        ),
    )
    assert response.status_code == 302
    fresh = Institution.objects.get(pk=institution.pk)
    assert fresh.capacity_met and fresh.capacity_note == ""
    assert fresh.credit_code == institution.credit_code
    assert fresh.contact_phone == "13900000009"  # contact details stay theirs to keep
    assert not AuditEvent.objects.filter(action="institution.qualification_edited").exists()


def test_staff_cannot_add_evidence_once_assessed(client, world, document):
    client.force_login(world.staff_a)
    response = client.post(
        edit_url(world.a),
        form_data(
            world.a,
            evidence=[
                {"id": "", "condition": "capacity", "document": document.pk, "description": "x"}
            ],
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not InstitutionEvidence.objects.exists()


def test_officers_change_them_and_are_audited(client, world, make_user, document):
    officer = make_user("commerce_officer")
    client.force_login(officer)
    response = client.post(
        edit_url(world.a),
        form_data(
            world.a,
            capacity_met=None,
            capacity_note="抽查发现培训经历不实",
            evidence=[
                {
                    "id": "",
                    "condition": "capacity",
                    "document": document.pk,
                    "description": "抽查记录",
                }
            ],
        ),
    )
    assert response.status_code == 302
    world.a.refresh_from_db()
    assert not world.a.capacity_met
    event = AuditEvent.objects.get(action="institution.qualification_edited")
    assert event.actor == officer
    assert event.changes["capacity_met"] == [True, False]
    assert event.changes["capacity_note"] == ["", "抽查发现培训经历不实"]
    assert event.changes["evidence"] == [[], [f"capacity:{document.pk}"]]


def test_only_officers_assign_staff(client, world, make_user):
    client.force_login(world.staff_a)
    page = client.get(edit_url(world.a))
    assert "staff" not in page.context["form"].fields
    response = client.post(edit_url(world.a), form_data(world.a, staff=[world.staff_b.pk]))
    assert response.status_code == 302
    assert list(world.a.staff.all()) == [world.staff_a]
    officer = make_user("commerce_officer")
    client.force_login(officer)
    page = client.get(edit_url(world.a))
    choices = set(page.context["form"].fields["staff"].queryset)
    assert {world.staff_a, world.staff_b} <= choices and officer not in choices
    response = client.post(
        edit_url(world.a), form_data(world.a, staff=[world.staff_a.pk, world.staff_b.pk])
    )
    assert response.status_code == 302
    assert set(world.a.staff.all()) == {world.staff_a, world.staff_b}


def test_a_cancelled_institution_reapplies_through_an_officer(client, world, make_user):
    officer = make_user("commerce_officer")
    institution = world.b
    check_change_institution_status(
        institution, Status.CANCELLED, reason="虚报人数", acting_user=officer
    )
    with pytest.raises(ValidationError):
        check_change_institution_status(
            institution, Status.QUALIFIED, reason="直接恢复", acting_user=officer
        )
    check_change_institution_status(
        institution, Status.APPLIED, reason="整改后重新申请", acting_user=officer
    )
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert len(institution.unmet_conditions()) == 4  # assessed afresh
    event = AuditEvent.objects.filter(action="institution.status_changed").latest("pk")
    assert event.changes["status"] == ["cancelled", "applied"]
    assert event.changes["capacity_met"] == [True, False]
    # The cancellation notice stays published.
    assert "虚报人数" in client.get("/training/notices/").text
    # Staff may now update the application again.
    client.force_login(world.staff_b)
    response = client.post(edit_url(institution), form_data(institution, capacity_met="on"))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.capacity_met
    # Staff cannot re-apply on their own.
    from django.core.exceptions import PermissionDenied

    check_change_institution_status(
        institution, Status.CANCELLED, reason="再次撤销", acting_user=officer
    )
    with pytest.raises(PermissionDenied):
        check_change_institution_status(
            institution, Status.APPLIED, reason="我们要重新申请", acting_user=world.staff_b
        )

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.audit.models import AuditEvent
from lms.training.actions import (
    ALLOWED_TRANSITIONS,
    check_change_institution_status,
    do_change_institution_status,
)
from lms.training.models import Institution, InstitutionStatusChange

Status = Institution.Status
ALLOWED = {
    (Status.APPLIED, Status.QUALIFIED),
    (Status.APPLIED, Status.CANCELLED),
    (Status.QUALIFIED, Status.SUSPENDED),
    (Status.SUSPENDED, Status.QUALIFIED),
    (Status.QUALIFIED, Status.CANCELLED),
    (Status.SUSPENDED, Status.CANCELLED),
    (Status.CANCELLED, Status.APPLIED),  # a re-application
}
ALL_PAIRS = [(a, b) for a in Status for b in Status]


@pytest.fixture
def officer(make_user):
    return make_user("commerce_officer")


def test_the_transition_table_is_exactly_the_allowed_set():
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_each_transition_is_allowed_or_refused(make_institution, officer, from_status, to_status):
    institution = make_institution(all_met=True, status=from_status)
    if (from_status, to_status) in ALLOWED:
        change = check_change_institution_status(
            institution, to_status, reason="县商务局审核", acting_user=officer
        )
        institution.refresh_from_db()
        assert institution.status == to_status
        assert (change.from_status, change.to_status) == (from_status, to_status)
    else:
        with pytest.raises(ValidationError) as error:
            check_change_institution_status(
                institution, to_status, reason="县商务局审核", acting_user=officer
            )
        assert "new_status" in error.value.message_dict
        institution.refresh_from_db()
        assert institution.status == from_status
        assert not InstitutionStatusChange.objects.exists()
        assert not AuditEvent.objects.filter(action="institution.status_changed").exists()


@pytest.mark.parametrize(
    "missing", ["legal_personality", "clean_record", "capacity", "teaching_team"]
)
def test_qualifying_needs_all_four_conditions(make_institution, officer, missing):
    institution = make_institution(all_met=True, **{f"{missing}_met": False})
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            check_change_institution_status(
                institution, Status.QUALIFIED, reason="审核通过", acting_user=officer
            )
        message = error.value.message_dict["new_status"][0]
        assert "all four conditions" in message
        assert str(institution.unmet_conditions()[0].label) in message
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert not InstitutionStatusChange.objects.exists()


def test_the_refusal_is_translated(make_institution, officer):
    institution = make_institution()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        check_change_institution_status(
            institution, Status.QUALIFIED, reason="审核通过", acting_user=officer
        )
    assert "四项条件" in error.value.message_dict["new_status"][0]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(make_institution, officer, reason):
    institution = make_institution(all_met=True)
    with pytest.raises(ValidationError) as error:
        check_change_institution_status(
            institution, Status.QUALIFIED, reason=reason, acting_user=officer
        )
    assert "reason" in error.value.message_dict
    institution.refresh_from_db()
    assert institution.status == Status.APPLIED
    assert not InstitutionStatusChange.objects.exists()


def test_an_overlong_reason_is_refused(make_institution, officer):
    institution = make_institution(all_met=True)
    with pytest.raises(ValidationError) as error:
        check_change_institution_status(
            institution, Status.QUALIFIED, reason="很" * 1001, acting_user=officer
        )
    assert "reason" in error.value.message_dict


def test_an_unknown_status_is_refused(make_institution, officer):
    institution = make_institution(all_met=True)
    with pytest.raises(ValidationError) as error:
        check_change_institution_status(institution, "approved", reason="理由", acting_user=officer)
    assert "new_status" in error.value.message_dict


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (["administrator"], True),
        (["commerce_officer"], True),
        (["finance_officer"], False),
        (["institution_staff"], False),
        (["lecturer"], False),
        (["head_teacher"], False),
        (["registrar"], False),
        (["trainee"], False),
        ([], False),
    ],
)
def test_who_may_change_status(make_institution, make_user, roles, allowed):
    institution = make_institution(all_met=True)
    user = make_user(*roles)
    if allowed:
        check_change_institution_status(
            institution, Status.QUALIFIED, reason="审核通过", acting_user=user
        )
        institution.refresh_from_db()
        assert institution.status == Status.QUALIFIED
    else:
        with pytest.raises(PermissionDenied):
            check_change_institution_status(
                institution, Status.QUALIFIED, reason="审核通过", acting_user=user
            )
        institution.refresh_from_db()
        assert institution.status == Status.APPLIED
        assert not InstitutionStatusChange.objects.exists()


def test_an_inactive_officer_may_not(make_institution, make_user):
    officer = make_user("commerce_officer", is_active=False)
    with pytest.raises(PermissionDenied):
        check_change_institution_status(
            make_institution(all_met=True), Status.QUALIFIED, reason="x", acting_user=officer
        )


def test_a_change_writes_history_and_audit(make_institution, officer):
    institution = make_institution(all_met=True)
    check_change_institution_status(
        institution, Status.QUALIFIED, reason=" 材料齐全 ", acting_user=officer
    )
    change = InstitutionStatusChange.objects.get()
    assert change.changed_by == officer
    assert change.reason == "材料齐全"
    assert (change.from_status, change.to_status) == (Status.APPLIED, Status.QUALIFIED)
    institution.refresh_from_db()
    assert institution.status_changed_at == change.changed_at
    event = AuditEvent.objects.get(action="institution.status_changed")
    assert event.actor == officer
    assert event.object_id == str(institution.pk)
    assert event.changes == {"status": ["applied", "qualified"]}
    assert event.reason == "材料齐全"


def test_nothing_is_half_saved_when_the_audit_fails(make_institution, officer, monkeypatch):
    institution = make_institution(all_met=True)

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr("lms.training.actions.record", broken)
    with pytest.raises(RuntimeError):
        check_change_institution_status(
            institution, Status.QUALIFIED, reason="理由", acting_user=officer
        )
    assert Institution.objects.get(pk=institution.pk).status == Status.APPLIED
    assert not InstitutionStatusChange.objects.exists()


def test_a_stale_status_is_refused(make_institution, officer):
    """Two officers at once: the second works from an old status and changes nothing."""
    institution = make_institution(all_met=True)
    stale = Institution.objects.get(pk=institution.pk)
    check_change_institution_status(
        institution, Status.CANCELLED, reason="撤销", acting_user=officer
    )
    with pytest.raises(ValidationError):
        do_change_institution_status(
            stale, Status.QUALIFIED, reason="审核通过", acting_user=officer
        )
    assert Institution.objects.get(pk=institution.pk).status == Status.CANCELLED
    assert InstitutionStatusChange.objects.count() == 1

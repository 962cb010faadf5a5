"""Roles are groups with the permissions in roles.py; changes are audited."""

import pytest
from django.contrib.auth.models import Group

from lms.accounts.actions import do_set_roles
from lms.accounts.roles import ROLE_PERMISSIONS, Role, sync_roles
from lms.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_each_group_holds_exactly_the_declared_permissions():
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(codes), role


def test_sync_roles_repairs_drift_and_is_idempotent():
    group = Group.objects.get(name=Role.TRAINEE)
    group.permissions.set(Group.objects.get(name=Role.ADMINISTRATOR).permissions.all())
    sync_roles()
    sync_roles()
    assert Group.objects.get(name=Role.TRAINEE).permissions.count() == 0


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (Role.COMMERCE_OFFICER, "accounts.view_full_id_number", "accounts.add_traineeprofile"),
        (Role.FINANCE_OFFICER, "accounts.view_traineeprofile", "accounts.view_full_id_number"),
        (Role.REGISTRAR, "accounts.add_traineeprofile", "accounts.view_full_id_number"),
        (Role.LECTURER, "wagtailadmin.access_admin", "accounts.view_traineeprofile"),
        (Role.HEAD_TEACHER, "wagtailadmin.access_admin", "accounts.change_user"),
        (Role.ADMINISTRATOR, "accounts.change_user", None),
        (Role.TRAINEE, None, "wagtailadmin.access_admin"),
        (Role.ALUMNUS, None, "wagtailadmin.access_admin"),
    ],
)
def test_role_permissions(make_user, role, allowed, denied):
    user = make_user(role)
    if allowed:
        assert user.has_perm(allowed)
    if denied:
        assert not user.has_perm(denied)


def test_one_user_may_hold_several_roles(make_user):
    user = make_user(Role.HEAD_TEACHER, Role.LECTURER, Role.REGISTRAR)
    assert [role.value for role in user.roles()] == ["lecturer", "head_teacher", "registrar"]
    assert user.has_perm("accounts.add_traineeprofile")


def test_role_changes_are_audited_with_the_actor(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    user = make_user(Role.TRAINEE)
    do_set_roles(user, [Role.ALUMNUS], acting_user=admin)
    granted = AuditEvent.objects.get(action="roles.granted", object_id=str(user.pk), actor=admin)
    revoked = AuditEvent.objects.get(action="roles.revoked", object_id=str(user.pk), actor=admin)
    assert granted.changes == {"roles": ["alumnus"]}
    assert revoked.changes == {"roles": ["trainee"]}
    assert [role.value for role in user.roles()] == ["alumnus"]


def test_role_changes_in_the_wagtail_user_editor_are_audited(client, make_user):
    admin = make_user(Role.ADMINISTRATOR, is_superuser=True)
    user = make_user(Role.TRAINEE, username="dayong")
    client.force_login(admin)
    alumnus = Group.objects.get(name=Role.ALUMNUS)
    response = client.post(
        f"/admin/users/edit/{user.pk}/",
        {
            "username": "dayong",
            "email": "",
            "first_name": "大勇",
            "last_name": "周",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "groups": [alumnus.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert AuditEvent.objects.filter(action="roles.granted", actor=admin).exists()
    assert AuditEvent.objects.filter(action="roles.revoked", actor=admin).exists()


def test_only_programme_roles_are_groups():
    assert set(Group.objects.values_list("name", flat=True)) == set(Role.values)


def test_administrators_edit_pages_without_being_superusers(client, make_user):
    from cms.models import HomePage

    home = HomePage.objects.get()
    client.force_login(make_user(Role.ADMINISTRATOR))
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code == 200
    client.force_login(make_user(Role.FINANCE_OFFICER))
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code in {302, 403}


def test_lecturers_upload_images_but_do_not_edit_pages(client, make_user):
    from cms.models import HomePage

    client.force_login(make_user(Role.LECTURER))
    assert client.get("/admin/images/multiple/add/").status_code == 200
    home = HomePage.objects.get()
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code in {302, 403}

"""The programme's roles, declared in one place.

A role is a Django group whose name is the role's code. ``ROLE_PERMISSIONS``
says what each role may do; ``sync_roles`` makes the groups match it after every
``migrate``, so a later issue grants new permissions by editing this table.
Object-level rules (which trainees a registrar sees, say) live in ``policy.py``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COMMERCE_OFFICER = "commerce_officer", _("Commerce officer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    INSTITUTION_STAFF = "institution_staff", _("Institution staff")
    LECTURER = "lecturer", _("Lecturer")
    HEAD_TEACHER = "head_teacher", _("Head teacher")
    REGISTRAR = "registrar", _("Registrar")
    TRAINEE = "trainee", _("Trainee")
    ALUMNUS = "alumnus", _("Alumnus")


ADMIN_ACCESS = "wagtailadmin.access_admin"

ROLE_PERMISSIONS = {
    Role.ADMINISTRATOR: [
        ADMIN_ACCESS,
        "accounts.add_user",
        "accounts.change_user",
        "accounts.delete_user",
        "accounts.view_user",
        "auth.add_group",
        "auth.change_group",
        "auth.delete_group",
        "auth.view_group",
        "accounts.add_region",
        "accounts.change_region",
        "accounts.delete_region",
        "accounts.view_region",
        "accounts.add_traineeprofile",
        "accounts.change_traineeprofile",
        "accounts.delete_traineeprofile",
        "accounts.view_traineeprofile",
        "accounts.view_full_id_number",
        "audit.view_auditevent",
        "courses_content.add_case",
        "courses_content.change_case",
        "courses_content.delete_case",
        "courses_content.view_case",
        "training.add_lecturer",
        "training.change_lecturer",
        "training.view_lecturer",
        "training.add_institution",
        "training.change_institution",
        "training.view_institution",
        "training.change_institution_status",
        "learning.add_courseenrolment",
        "learning.view_courseenrolment",
        "learning.delete_courseenrolment",
        "training.add_venue",
        "training.change_venue",
        "training.delete_venue",
        "training.view_venue",
        "training.add_trainingplan",
        "training.change_trainingplan",
        "training.delete_trainingplan",
        "training.view_trainingplan",
        "training.add_trainingclass",
        "training.change_trainingclass",
        "training.delete_trainingclass",
        "training.view_trainingclass",
        "training.add_classsession",
        "training.change_classsession",
        "training.delete_classsession",
        "training.view_classsession",
        "enrolment.add_registrararea",
        "enrolment.change_registrararea",
        "enrolment.delete_registrararea",
        "enrolment.view_registrararea",
        "enrolment.add_classenrolment",
        "enrolment.change_classenrolment",
        "enrolment.delete_classenrolment",
        "enrolment.view_classenrolment",
        "attendance.add_attendancerecord",
        "attendance.change_attendancerecord",
        "attendance.delete_attendancerecord",
        "attendance.view_attendancerecord",
        "attendance.add_leaverequest",
        "attendance.change_leaverequest",
        "attendance.delete_leaverequest",
        "attendance.view_leaverequest",
        "training.view_planevent",
        "training.review_trainingplan",
        "enrolment.override_eligibility",
        "attendance.view_attendancecorrection",
        "evaluation.view_evaluationresponse",
        "evaluation.view_evaluationreceipt",
        "trainingfile.add_trainingfile",
        "trainingfile.view_trainingfile",
    ],
    Role.COMMERCE_OFFICER: [
        ADMIN_ACCESS,
        "accounts.view_region",
        "accounts.view_traineeprofile",
        "accounts.view_full_id_number",
        "audit.view_auditevent",
        "courses_content.view_case",
        "training.view_lecturer",
        "training.add_institution",
        "training.change_institution",
        "training.view_institution",
        "training.change_institution_status",
        "training.view_venue",
        "training.view_trainingplan",
        "training.view_planevent",
        "training.review_trainingplan",
        "training.view_trainingclass",
        "training.view_classsession",
        "enrolment.view_classenrolment",
        "attendance.view_attendancerecord",
        "attendance.view_attendancecorrection",
        "attendance.view_leaverequest",
        "evaluation.view_evaluationresponse",
        "evaluation.view_evaluationreceipt",
        "trainingfile.add_trainingfile",
        "trainingfile.view_trainingfile",
    ],
    Role.FINANCE_OFFICER: [
        ADMIN_ACCESS,
        "accounts.view_region",
        "accounts.view_traineeprofile",
        "training.view_institution",
        "training.view_trainingplan",
        "training.view_trainingclass",
        "training.view_classsession",
        "enrolment.view_classenrolment",
        "attendance.view_attendancerecord",
        "evaluation.view_evaluationresponse",
        "trainingfile.view_trainingfile",
    ],
    Role.INSTITUTION_STAFF: [
        ADMIN_ACCESS,
        "accounts.view_region",
        "training.view_institution",
        "training.view_lecturer",
        "training.add_venue",
        "training.change_venue",
        "training.view_venue",
        "training.add_trainingplan",
        "training.change_trainingplan",
        "training.delete_trainingplan",
        "training.view_trainingplan",
        "training.view_planevent",
        "training.add_trainingclass",
        "training.change_trainingclass",
        "training.view_trainingclass",
        "training.add_classsession",
        "training.change_classsession",
        "training.delete_classsession",
        "training.view_classsession",
        "enrolment.add_classenrolment",
        "enrolment.change_classenrolment",
        "enrolment.view_classenrolment",
        "attendance.view_attendancerecord",
        "attendance.view_attendancecorrection",
        "attendance.view_leaverequest",
        "evaluation.view_evaluationresponse",
        "evaluation.view_evaluationreceipt",
        "trainingfile.add_trainingfile",
        "trainingfile.view_trainingfile",
        "training.change_institution",
        "accounts.view_traineeprofile",
    ],
    Role.LECTURER: [
        ADMIN_ACCESS,
        "courses_content.add_case",
        "courses_content.change_case",
        "courses_content.view_case",
    ],
    Role.HEAD_TEACHER: [ADMIN_ACCESS],
    Role.REGISTRAR: [
        ADMIN_ACCESS,
        "accounts.view_region",
        "accounts.add_traineeprofile",
        "accounts.change_traineeprofile",
        "accounts.view_traineeprofile",
        "training.view_trainingclass",
        "enrolment.add_classenrolment",
        "enrolment.view_classenrolment",
    ],
    Role.TRAINEE: [],
    Role.ALUMNUS: [],
}


# Wagtail grants pages per subtree and images/documents per collection. These
# apply at the root page and the root collection; the curricula issue narrows
# lecturers to their own courses.
ROLE_PAGE_PERMISSIONS = {
    Role.ADMINISTRATOR: [
        "add_page",
        "change_page",
        "publish_page",
        "bulk_delete_page",
        "lock_page",
        "unlock_page",
    ],
    # Approving the last review task publishes the page, which needs this.
    Role.COMMERCE_OFFICER: ["publish_page"],
}

ROLE_COLLECTION_PERMISSIONS = {
    Role.ADMINISTRATOR: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
    Role.LECTURER: [
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.choose_document",
    ],
    # Evidence documents for institutions' qualification records.
    Role.COMMERCE_OFFICER: [
        "wagtaildocs.add_document",
        "wagtaildocs.choose_document",
    ],
}


def _permission(code):
    from django.contrib.auth.models import Permission

    app_label, codename = code.split(".", 1)
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        raise LookupError(f"Roles name an unknown permission: {code}")
    return permission


def _grant_exactly(model, group, where, permissions):
    """Make ``group``'s rows of ``model`` at ``where`` exactly ``permissions``."""
    model.objects.filter(group=group, **where).exclude(permission__in=permissions).delete()
    for permission in permissions:
        model.objects.get_or_create(group=group, permission=permission, **where)


def _sync_wagtail_permissions(group, role):
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    root_page = Page.get_first_root_node()
    if root_page is not None:
        codes = ROLE_PAGE_PERMISSIONS.get(role, [])
        wanted = {_permission(f"wagtailcore.{code}") for code in codes}
        _grant_exactly(GroupPagePermission, group, {"page": root_page}, wanted)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        wanted = {_permission(code) for code in ROLE_COLLECTION_PERMISSIONS.get(role, [])}
        _grant_exactly(GroupCollectionPermission, group, {"collection": root_collection}, wanted)


def sync_roles(verbosity=0):
    """Create one group per role and give it exactly the permissions in the tables."""
    from django.contrib.auth.models import Group

    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = [_permission(code) for code in codes]
        group.permissions.set(wanted)
        _sync_wagtail_permissions(group, role)
        if verbosity >= 2:
            print(f"Role {role.value}: {len(wanted)} permissions")


def sync_roles_after_migrate(sender, app_config=None, verbosity=1, using=None, **kwargs):
    """post_migrate runs once per app; act once, after the last app's permissions exist."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if app_config is None or app_config.label != last.label:
        return
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using or "default")
    sync_roles(verbosity=verbosity)

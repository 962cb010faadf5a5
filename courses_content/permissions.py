"""Who may author which part of the curricula, in Wagtail's own terms.

Wagtail grants page permissions to groups on a subtree. Each course gets a
group of its own ("course:<id> editors") holding add and change (not publish)
on that course; the course's lecturers (from the lecturer library, through
their accounts) are its members. Publishing goes through the curriculum review
workflow: a lecturer submits, a commerce officer or an administrator approves.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from lms.accounts.roles import Role

COURSE_GROUP_PREFIX = "course:"
LECTURER_PAGE_PERMISSIONS = ["add_page", "change_page"]
WORKFLOW_NAME = "课程审核"
TASK_NAME = "商务局或管理员审核"
REVIEW_ROLES = [Role.COMMERCE_OFFICER, Role.ADMINISTRATOR]


def course_group_name(course):
    return f"{COURSE_GROUP_PREFIX}{course.pk} editors"


def sync_course_editors(course):
    """Make the course's editor group hold exactly its lecturers' accounts."""
    from wagtail.models import GroupPagePermission

    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=course_group_name(course))
        permissions = Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=LECTURER_PAGE_PERMISSIONS
        )
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(
                group=group, page=course, permission=permission
            )
        users = [lecturer.user for lecturer in course.lecturers.all() if lecturer.user_id]
        group.user_set.set(users)
    return group


def remove_course_editors(course_id):
    Group.objects.filter(name=f"{COURSE_GROUP_PREFIX}{course_id} editors").delete()


def ensure_review_workflow():
    """One workflow for the whole site: commerce officers or administrators approve."""
    from wagtail.models import GroupApprovalTask, Page, Workflow, WorkflowPage, WorkflowTask

    root = Page.get_first_root_node()
    if root is None:
        return None
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.set(Group.objects.filter(name__in=[role.value for role in REVIEW_ROLES]))
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    # Wagtail's sample workflow named a group this project does not have.
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    return workflow


def ensure_review_workflow_after_migrate(sender, app_config=None, **kwargs):
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if app_config is not None and app_config.label == last.label:
        ensure_review_workflow()

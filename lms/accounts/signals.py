"""Audit trail for role grants and trainee profile changes, whatever path made them.

The Wagtail user editor and profile snippets save through their own forms; these
receivers make sure every such change still leaves an audit row naming the actor.
"""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from lms.audit.actions import record

from .models import TraineeProfile, User
from .roles import Role
from .validators import mask_id_number

PROFILE_AUDITED_FIELDS = [
    *(f"{name}_id" if name == "village" else name for name in TraineeProfile.DETAIL_FIELDS),
    "user_id",
]


def _role_names(pk_set):
    names = Group.objects.filter(pk__in=pk_set, name__in=Role.values).values_list("name", flat=True)
    return sorted(names)


@receiver(m2m_changed, sender=User.groups.through)
def audit_role_change(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse or action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if action == "pre_clear":
        pk_set = set(instance.groups.values_list("pk", flat=True))
    names = _role_names(pk_set or ())
    if not names:
        return
    verb = "roles.granted" if action == "post_add" else "roles.revoked"
    record(verb, instance, changes={"roles": names})
    instance.__dict__.pop("_role_codes", None)


def _profile_snapshot(profile):
    values = {field: getattr(profile, field) for field in PROFILE_AUDITED_FIELDS}
    values["id_number"] = mask_id_number(values["id_number"])
    return values


@receiver(pre_save, sender=TraineeProfile)
def remember_profile_before(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        instance._audit_before = None
        return
    old = TraineeProfile.objects.filter(pk=instance.pk).first()
    instance._audit_before = _profile_snapshot(old) if old else None


@receiver(post_save, sender=TraineeProfile)
def audit_profile_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = _profile_snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record(
            "trainee_profile.created", instance, changes={k: [None, v] for k, v in after.items()}
        )
        return
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        record("trainee_profile.changed", instance, changes=changes)


@receiver(post_delete, sender=TraineeProfile)
def audit_profile_deleted(sender, instance, **kwargs):
    record("trainee_profile.deleted", instance)

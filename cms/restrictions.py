"""A shortcut for Wagtail's per-request view-restriction check.

Before serving a page, Wagtail looks up the page's ancestors and their
PageViewRestriction rows: two queries on every page view. The programme keeps
access rules in its own policy (lms.learning.policy) and rarely, if ever, uses
Wagtail's private pages, so whether any restriction exists at all is cached and
the lookup is skipped while there are none. Saving or deleting a restriction
clears the cached answer, so a newly private page is private at once.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction

CACHE_KEY = "cms:page-view-restrictions-exist"


def view_restrictions_exist():
    exists = cache.get(CACHE_KEY)
    if exists is None:
        exists = PageViewRestriction.objects.exists()
        cache.set(CACHE_KEY, exists, None)
    return exists


def forget_view_restrictions(sender, **kwargs):
    cache.delete(CACHE_KEY)


def connect():
    for signal in (post_save, post_delete):
        signal.connect(
            forget_view_restrictions,
            sender=PageViewRestriction,
            dispatch_uid=f"cms_view_restrictions_{id(signal)}",
        )


class SkipUnusedViewRestrictionsMixin:
    """For page models: no restriction queries while the site has no restrictions."""

    def get_view_restrictions(self):
        if not view_restrictions_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

"""Caching a lesson's rendered body.

Rendering the stream (image renditions, the case from the library) is most of
a lesson page's cost and the same for every reader. The body is cached per
lesson, publication time and language, plus a case-library version that every
case save bumps, so an edited case shows at once. Previews never use the cache.
"""

import time

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Case

VERSION_KEY = "curriculum:case-library-version"
BODY_CACHE_SECONDS = 60 * 60


def case_library_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.set(VERSION_KEY, version, None)
    return version


@receiver([post_save, post_delete], sender=Case, dispatch_uid="case_library_version")
def bump_case_library_version(sender, **kwargs):
    cache.set(VERSION_KEY, str(time.time_ns()), None)

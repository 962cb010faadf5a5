"""Caching a lesson's rendered body.

Rendering the stream (image renditions, the case from the library) is most of
a lesson page's cost and the same for every reader. The body is cached per
lesson, publication time and language, plus a version that every save of a
case, image or document bumps, so an edited case or a replaced picture shows at
once. Previews never use the cache.
"""

from django.db.models.signals import post_delete, post_save

from lms.core.versions import bump_version, current_version

from .models import Case

VERSION_KEY = "curriculum:case-library-version"
BODY_CACHE_SECONDS = 60 * 60


def case_library_version():
    return current_version(VERSION_KEY)


def bump_case_library_version(sender, **kwargs):
    bump_version(VERSION_KEY)


def connect():
    """Bump the version when a case, an image or a document changes: the body shows them."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    for model in (Case, get_image_model(), get_document_model()):
        for signal in (post_save, post_delete):
            signal.connect(
                bump_case_library_version,
                sender=model,
                dispatch_uid=f"lesson_body_version_{id(signal)}_{model._meta.label}",
            )

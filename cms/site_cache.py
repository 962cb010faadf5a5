"""Caching what every page view asks the same way: the site and its home page.

Wagtail looks up the Site for each request (one query with a ranking CASE) and
then the home page's own row. Both change only when an administrator edits a
site or publishes, moves or deletes a page, so they are cached under a "site
version" that those events bump. The same version keys cached page navigation
(a lesson's previous and next lesson), which changes on the same events.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http.request import split_domain_port
from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.views import serve as wagtail_serve

from lms.core.versions import bump_version, current_version

VERSION_KEY = "cms:site-version"
SITE_CACHE_SECONDS = 60 * 60


def site_version():
    return current_version(VERSION_KEY)


def bump_site_version(sender=None, **kwargs):
    bump_version(VERSION_KEY)


def connect():
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(bump_site_version, dispatch_uid=f"cms_site_version_{id(signal)}")
    for model in (Site, Page):
        for signal in (post_save, post_delete):
            if model is Page and signal is post_save:
                continue  # saving a draft changes nothing a reader sees
            signal.connect(
                bump_site_version,
                sender=model,
                dispatch_uid=f"cms_site_version_{model.__name__}_{id(signal)}",
            )


def cached_site_for_request(request):
    """The request's Site with its home page already specific, from the cache when fresh."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    key = f"cms:site:{site_version()}:{hostname}:{port}"
    site = cache.get(key)
    if site is None:
        try:
            site = get_site_for_hostname(hostname, port)
        except Site.DoesNotExist:
            return None
        site.root_page = site.root_page.specific
        cache.set(key, site, SITE_CACHE_SECONDS)
    return site


class CachedSiteMiddleware:
    """Hands Wagtail the cached Site when a request goes to Wagtail's page serving."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method == "GET" and view_func is wagtail_serve:
            site = cached_site_for_request(request)
            if site is not None:
                request._wagtail_site = site

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import (
    get_language_from_request,
    get_supported_language_variant,
)


class ProgrammeLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person chose otherwise.

    Pages follow the language cookie set by the language switch and otherwise
    speak Simplified Chinese, whatever the browser says: many phones in the
    county report English even when their owners read Chinese. API clients
    (``/api/``) may also ask with Accept-Language, since a mobile app sends its
    own user's choice that way.
    """

    def process_request(self, request):
        language = None
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie:
            try:
                language = get_supported_language_variant(cookie)
            except LookupError:
                language = None
        if language is None and request.path_info.startswith("/api/"):
            language = get_language_from_request(request)
        if language is None:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class AdminContentSecurityPolicyMiddleware:
    """Relax the Content-Security-Policy for Wagtail's admin only.

    Wagtail's editors still run a few inline scripts, so ``/admin/`` pages allow
    ``'unsafe-inline'`` scripts; every public page keeps ``script-src 'self'``.
    Sits after django-csp's middleware so the override reaches it on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/admin/"):
            response._csp_update = {"script-src": ["'unsafe-inline'"]}
        return response

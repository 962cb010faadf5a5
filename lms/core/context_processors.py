from django.conf import settings


def site(request):
    return {
        "programme_name": settings.WAGTAIL_SITE_NAME,
        "language_choices": settings.LANGUAGES,
    }

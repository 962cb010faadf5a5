"""WebSocket authentication for mobile clients: ``Authorization: Bearer <token>``.

Browsers authenticate sockets with the session cookie (Channels'
``AuthMiddlewareStack``); native apps send the same bearer token they use for
the JSON API as a handshake header. A token, when present, decides alone: a bad
token leaves the socket anonymous even if a session cookie came along.
"""

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from wagtail.models import APIToken

from lms.accounts.backends import demo_account_refused


@database_sync_to_async
def user_for_token(raw):
    if not raw or len(raw) > 200 or not APIToken.validate_token_format(raw):
        return AnonymousUser()
    token = (
        APIToken.objects.select_related("user")
        .filter(key_hash__in=APIToken.candidate_key_hashes(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or demo_account_refused(token.user):
        return AnonymousUser()
    return token.user


class BearerTokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if authorization:
            scheme, _, raw = authorization.partition(" ")
            user = AnonymousUser()
            if scheme.lower() == "bearer":
                user = await user_for_token(raw.strip())
            scope = {**scope, "user": user}
        return await super().__call__(scope, receive, send)


def language_from_scope(scope):
    """The language the person chose on the site (cookie), else Simplified Chinese."""
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant

    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    if cookie:
        try:
            return get_supported_language_variant(cookie)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE

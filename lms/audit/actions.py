"""Writing audit events. Every ``do_*`` action that changes something audited calls ``record``."""

import contextvars
from contextlib import contextmanager
from types import SimpleNamespace

from .models import AuditEvent

_current_request = contextvars.ContextVar("audit_request", default=None)


def set_current_request(request):
    """Remember the request so changes made outside an action (e.g. Wagtail's user
    editor) are attributed to its user. The user is only looked up when a row is written."""
    return _current_request.set(request)


def reset_current_request(token):
    _current_request.reset(token)


@contextmanager
def acting_as(user):
    """Attribute audit rows written by signals inside this block to ``user``."""
    token = _current_request.set(SimpleNamespace(user=user))
    try:
        yield
    finally:
        _current_request.reset(token)


def current_actor():
    request = _current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def record(action, obj, *, actor=None, changes=None, reason=""):
    """Add one audit row for ``obj``; ``actor`` defaults to the request's user."""
    if actor is None:
        actor = current_actor()
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={key: _jsonable(value) for key, value in (changes or {}).items()},
        reason=reason,
    )

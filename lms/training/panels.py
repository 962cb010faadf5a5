"""The class page's panels: each app adds what it shows a trainee or head teacher about a class.

``lms.training`` draws the class page (schedule, today's session, lessons, head teacher and
committee, classmates); attendance, leave, evaluation and (later) the chat add their panels here
from their ``AppConfig.ready``, so the class page needs no knowledge of them::

    register_class_panel(
        "leave", order=30, template="attendance/panels/leave.html", context=leave_panel_context
    )

``context(request, training_class, enrolment)`` returns the template's context (a dict), or None
to hide the panel. ``enrolment`` is the viewer's ``ClassEnrolment`` in the class, or None for a
head teacher, lecturer or officer. Each panel should cost a constant number of queries.

How the class page draws a panel (``render_class_panels``): the template is rendered with the
request (so ``{% csrf_token %}``, ``user`` and ``messages`` work) and a context of
``training_class``, ``enrolment`` and ``panel_key`` overlaid by the panel's own dict. Its HTML
goes inside ``<div class="class-panel" id="panel-<key>">``; a panel draws its own card, e.g.
``<section class="card">``, and its own ``<h2>``. Lower ``order`` comes first: the class page
puts the panels right after today's sessions, so check-in (10s), leave (20s-30s) and evaluation
(40s) are near the top on a phone. The live class chat (next issue) registers here too, or fills
the class page's ``{% block chat %}``.
"""

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string


@dataclass(frozen=True)
class ClassPanel:
    key: str
    order: int
    template: str
    context: Any


_PANELS: dict[str, ClassPanel] = {}


def register_class_panel(key, *, order, template, context):
    _PANELS[key] = ClassPanel(key, order, template, context)


def class_panels(request, training_class, enrolment):
    """``[(panel, context), ...]`` in order, skipping panels whose context is None."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, training_class, enrolment)
        if context is not None:
            shown.append((panel, context))
    return shown


def render_class_panels(request, training_class, enrolment):
    """``[(panel, html), ...]`` for the class page, in order; hidden panels are left out."""
    rendered = []
    for panel, context in class_panels(request, training_class, enrolment):
        template_context = {
            "training_class": training_class,
            "enrolment": enrolment,
            "panel_key": panel.key,
            **context,
        }
        rendered.append((panel, render_to_string(panel.template, template_context, request)))
    return rendered

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
"""

from dataclasses import dataclass
from typing import Any


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

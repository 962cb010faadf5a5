"""API endpoints of lms.enrolment under /api/v1/ (see docs/api.md)."""

from ninja import Router

router = Router(tags=["enrolment"])

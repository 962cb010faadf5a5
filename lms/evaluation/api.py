"""API endpoints of lms.evaluation under /api/v1/ (see docs/api.md)."""

from ninja import Router

router = Router(tags=["evaluation"])

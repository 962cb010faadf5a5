"""API endpoints of lms.attendance under /api/v1/ (see docs/api.md)."""

from ninja import Router

router = Router(tags=["attendance"])

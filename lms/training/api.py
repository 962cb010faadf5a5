"""API endpoints of lms.training under /api/v1/ (see docs/api.md)."""

from ninja import Router

router = Router(tags=["training"])

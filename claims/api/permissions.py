"""Who may use the ticket API at all. What each role may *do* is decided by the services and the
workflow, which raise PermissionDenied (403); this only keeps out users with no role on the desk.
They get 403 whatever the id in the path, so a 403 tells them nothing about which tickets exist."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from claims.selectors import may_view_tickets


class HasDeskRole(BasePermission):
    message = "Your account has no role on this desk (reporter, fact-checker or reviewer)."

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_view_tickets(request.user)

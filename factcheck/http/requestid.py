"""Every request gets an id: the caller's `X-Request-ID` when it is sane (a proxy's, so its logs and
ours agree), else a new one. It is sent back in the response's `X-Request-ID`, put on every log line
written while the request runs (with the user), and travels to the tasks the request queues
(factcheck.logcontext)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from factcheck import logcontext

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logcontext.sane_request_id(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = logcontext.bind(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            logcontext.reset(token)
        response[HEADER] = request_id
        return response

    def process_view(self, request: HttpRequest, *_: object) -> None:
        """The session's user, named on the lines logged once the view has read the session. Not
        before: reading it here would read the session of every request, and a response whose
        session was read says `Vary: Cookie`, which would keep the public pages out of shared
        caches. (The API's token user: `bind_api_user`, inside the view.)"""
        logcontext.bind(user=_session_user(request))
        return None


def _session_user(request: HttpRequest) -> Callable[[], str | None]:
    def username() -> str | None:
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return None
        user = getattr(request, "user", None)
        return user.get_username() if user is not None and user.is_authenticated else None

    return username


def bind_api_user(request: HttpRequest) -> None:
    """DRF's authenticated user (a token's) on the log context; APIView.initial calls it."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        logcontext.bind(user=user.get_username())

"""The error a fetch raises. A leaf module (it imports nothing of the project), so that the HTTP
client (`workers.http`) and the providers share it without importing each other."""

from __future__ import annotations


class ProviderError(Exception):
    """A fetch that failed. `permanent` says whether retrying can help (a 404 or a malformed body
    will not get better; a timeout or a 503 may)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent

"""Domain errors raised by the services. The API maps them to HTTP statuses, the admin to messages."""


class DomainError(Exception):
    """Base class: a request the domain refuses. `field_errors` maps field names to messages."""

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class TransitionNotAllowed(DomainError):
    """The action cannot be taken from the ticket's current state (HTTP 409)."""


class StaleVersion(DomainError):
    """The caller acted on an out-of-date version of the ticket (HTTP 409)."""


class PermissionDenied(DomainError):
    """The caller's role may not do this (HTTP 403)."""


class InvalidInput(DomainError):
    """Missing or invalid input, with field errors (HTTP 400)."""

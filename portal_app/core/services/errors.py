"""Typed errors raised by the services; states and routes turn them into user text."""

from typing import Any


class ServiceError(Exception):
    """Base class. `code` is a stable i18n key for the user-facing message."""

    code = "error.generic"

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        super().__init__(message or self.code)
        if code:
            self.code = code
        self.params = params


class NotFound(ServiceError):
    """The object does not exist or this user may not see it (never says which)."""

    code = "error.not_found"


class PermissionDenied(ServiceError):
    code = "error.not_found"


class ValidationFailed(ServiceError):
    code = "error.invalid"

    def __init__(self, message: str = "", *, field: str | None = None, code: str | None = None, **params: Any) -> None:
        super().__init__(message, code=code, **params)
        self.field = field


class Throttled(ServiceError):
    code = "auth.throttled"

    def __init__(self, minutes: int) -> None:
        super().__init__(f"try again in {minutes} minutes", minutes=minutes)
        self.minutes = minutes


class AuthenticationFailed(ServiceError):
    code = "auth.invalid_login"

"""The API error hierarchy and the one place where every error becomes a JSON response.

Every error has the shape ``{"error": {"code": ..., "message": ..., "fields": {...}}}``.
Services and permission checks raise these; `install_error_handlers` renders them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """Base class: an error a client caused, with a stable machine-readable code."""

    status = 400
    code = "bad_request"
    default_message: Any = gettext_lazy("Die Anfrage ist ungültig.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(self.message)


class InvalidInput(ApiError):
    status = 422
    code = "invalid_input"
    default_message = gettext_lazy("Die Eingabe ist ungültig.")


class NotAuthenticated(ApiError):
    status = 401
    code = "not_authenticated"
    default_message = gettext_lazy("Anmeldung erforderlich.")


class Forbidden(ApiError):
    """For actions on an object the caller may see but not change (hidden objects are 404)."""

    status = 403
    code = "forbidden"
    default_message = gettext_lazy("Dazu fehlt die Berechtigung.")


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = gettext_lazy("Nicht gefunden.")


class Conflict(ApiError):
    status = 409
    code = "conflict"
    default_message = gettext_lazy("Die Aktion widerspricht dem aktuellen Zustand.")


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    default_message = gettext_lazy("Die Anfrage ist zu groß.")


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    default_message = gettext_lazy("Zu viele Anfragen. Bitte später erneut versuchen.")

    def __init__(self, message: Any = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)}, **kwargs)
        self.retry_after = retry_after


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(exc: ApiError) -> JsonResponse:
    response = JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _fields_from_ninja(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        # Ninja nests the whole body under the parameter name; drop it when it adds nothing.
        key = ".".join(loc[1:] if len(loc) > 1 else loc) or "__all__"
        fields.setdefault(key, []).append(str(err.get("msg", "invalid")))
    return fields


def from_django_validation_error(exc: DjangoValidationError) -> InvalidInput:
    if hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    else:
        fields = {"__all__": [str(m) for m in exc.messages]}
    return InvalidInput(fields=fields)


def install_error_handlers(api: NinjaAPI) -> None:
    """Route every exception an endpoint can raise to the one JSON error shape."""

    def handle(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
        assert isinstance(exc, Exception)
        return error_response(to_api_error(exc))

    for exc_type in (
        ApiError,
        NinjaValidationError,
        AuthenticationError,
        HttpError,
        Http404,
        PermissionDenied,
        DjangoValidationError,
        SuspiciousOperation,
    ):
        api.add_exception_handler(exc_type, handle)


def to_api_error(exc: Exception) -> ApiError:
    if isinstance(exc, HttpError) and isinstance(exc.__cause__, ApiError | SuspiciousOperation):
        # Ninja wraps whatever the body parser raises (our refusals, a body over the size limit)
        # in a 400; the original says more.
        exc = exc.__cause__
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NinjaValidationError):
        return InvalidInput(fields=_fields_from_ninja(exc.errors))
    if isinstance(exc, AuthenticationError):
        return NotAuthenticated()
    if isinstance(exc, HttpError):
        if exc.status_code == 403:
            # Ninja raises this when the CSRF check fails.
            return Forbidden(_("CSRF-Prüfung fehlgeschlagen."), code="csrf_failed")
        if exc.status_code == 400:
            # Malformed JSON and similar body parsing errors.
            return ApiError(
                _("Der Inhalt der Anfrage kann nicht gelesen werden."), code="malformed"
            )
        err = ApiError(str(exc), code="http_error")
        err.status = exc.status_code
        return err
    if isinstance(exc, Http404):
        return NotFound()
    if isinstance(exc, PermissionDenied):
        return Forbidden()
    if isinstance(exc, DjangoValidationError):
        return from_django_validation_error(exc)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return PayloadTooLarge(code="too_many_fields")
    if isinstance(exc, SuspiciousOperation):
        return ApiError(code="suspicious_request")
    logger.exception("Unhandled error", exc_info=exc)
    raise exc

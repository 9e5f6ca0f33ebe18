"""Request guards that apply before any view."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from wilma.errors import InvalidInput, error_response


class RejectNulCharacters:
    """Refuse a NUL character in the path or the query string with a 422 (PostgreSQL cannot
    compare text with NUL, so it would otherwise surface as a 500 in any filter)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return error_response(
                InvalidInput(_("Die Anfrage enthält ein NUL-Zeichen."), code="unstorable_text")
            )
        return self.get_response(request)

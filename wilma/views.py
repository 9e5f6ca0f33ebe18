"""Plain Django views that keep the JSON error shape outside the NinjaAPI."""

from django.http import HttpRequest, JsonResponse

from wilma.errors import NotFound, error_response


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(NotFound())

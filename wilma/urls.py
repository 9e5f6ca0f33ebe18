from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie

from wilma.api import api
from wilma.health import healthz
from wilma.views import api_not_found


@ensure_csrf_cookie
def api_docs(request: HttpRequest) -> HttpResponse:
    """Interactive API docs (Swagger UI from ninja's bundled static files, no CDN)."""
    return api.docs.render_page(request, api)


urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", api_docs, name="api-docs"),
    path("api/<path:rest>", api_not_found),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

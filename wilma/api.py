"""The API root: one NinjaAPI under /api/v1/, its routers, auth and error rendering."""

from __future__ import annotations

from ninja import NinjaAPI

from announcements.api import router as announcements_router
from attachments.api import router as attachments_router
from communities.api import router as communities_router
from feed.api import comments_router, feed_router, hashtags_router, posts_router
from people.api import departments_router, me_router, people_router
from people.auth import API_AUTH
from people.auth_api import router as auth_router
from polls.api import router as polls_router
from search.api import router as search_router
from wilma.errors import install_error_handlers
from wilma.parser import StrictJsonParser

api = NinjaAPI(
    title="WILMA API",
    version="1",
    description=(
        "REST API of WILMA, the social intranet of the city administration. "
        "Authenticate with the session cookie (plus the X-CSRFToken header on unsafe methods) "
        "or with a personal API token as `Authorization: Bearer <token>`. Errors have the shape "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api-v1",
    auth=API_AUTH,
    parser=StrictJsonParser(),
    docs_url=None,  # served at /api/docs, see wilma/urls.py
)
install_error_handlers(api)

api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/people", people_router)
api.add_router("/departments", departments_router)
api.add_router("/communities", communities_router)
api.add_router("/feed", feed_router)
api.add_router("/posts", posts_router)
api.add_router("/comments", comments_router)
api.add_router("/hashtags", hashtags_router)
api.add_router("/polls", polls_router)
api.add_router("/attachments", attachments_router)
api.add_router("/announcements", announcements_router)
api.add_router("/search", search_router)

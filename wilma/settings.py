"""WILMA settings: one module, configured entirely from the environment (12-factor).

With nothing set it runs on the embedded default: SQLite in ``var/``, the in-memory channel
layer and the SQLite FTS5 search backend. ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and Redis; ``ELASTICSEARCH_URL`` switches search to Elasticsearch.
Every variable is listed, with a comment, in ``.env.example``.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key is only acceptable while DEBUG is on; production must set its own.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (
    "insecure-development-key-only-for-debug" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Websocket origins besides the server's own, as full origins: scheme://host[:port].
WEBSOCKET_ALLOWED_ORIGINS = env.list("WILMA_WEBSOCKET_ALLOWED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "taggit",
    "treebeard",
    "wilma",
    "people",
    "communities",
    "feed",
    "polls",
    "attachments",
    "announcements",
    "realtime",
    "search",
]

# Order matters for speed under ASGI: below a sync-only middleware (RejectNulCharacters,
# WhiteNoise) Django runs the chain synchronously in one worker thread; an async-capable one
# below them would make every `process_request`/`process_response` a thread hop of its own
# (~1 ms per request here, docs/benchmarks.md). So the sync-only guard comes last: it still
# answers before any view runs.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wilma.middleware.RejectNulCharacters",
]

ROOT_URLCONF = "wilma.urls"
ASGI_APPLICATION = "wilma.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'wilma.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Check a reused connection before handing it out (with the pool: on every checkout, so a
# database restart costs no failed request; no cost measurable here).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    # A connection pool per process. Under ASGI, Django runs each request's sync code in a
    # thread of its own, so CONN_MAX_AGE cannot keep a connection: every request would open
    # a new one (~10 ms here, docs/benchmarks.md). The pool hands a connection out per
    # request and takes it back; CONN_MAX_AGE is then ignored (Django requires it to be 0).
    if env.bool("DATABASE_POOL", default=True):
        _pg_options["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Parameters travel separately from the SQL text (psycopg 3 server-side binding), so the
    # text of a query repeats and is prepared once per connection after DATABASE_PREPARE_
    # THRESHOLD runs (-1: never). Together 15-25 % off a feed page here. Caveats
    # (docs/benchmarks.md): named prepared statements need a session-level pooler (PgBouncer in
    # transaction mode only from 1.21 with max_prepared_statements, else set -1); PostgreSQL
    # may switch a prepared statement to a generic plan, which for skewed values (rare
    # hashtags, tiny communities) can be a worse plan: PGOPTIONS="-c plan_cache_mode=
    # force_custom_plan" rules that out at about half the gain.
    if env.bool("DATABASE_SERVER_SIDE_BINDING", default=True):
        _pg_options["server_side_binding"] = True
    _prepare_threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    if _prepare_threshold >= 0:
        _pg_options["prepare_threshold"] = _prepare_threshold
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the server, the relay and the search worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The PubSub layer, chosen by measurement (bench/channel_layers.py, docs/realtime.md):
    # 1.5-1.8x the latency of raw Redis pub/sub and no loss, where the core RedisChannelLayer
    # took 5-9x and silently dropped messages over its per-channel capacity. Capacity, expiry
    # and group_expiry do not apply to it (groups live in each process). Timeouts turn a
    # Redis that hangs into errors the realtime app handles (sockets close with 4503).
    # Pub/sub channels are global to a Redis server (database numbers do not separate them):
    # the prefix carries the database number, so installations or test runs on different
    # databases of one Redis do not hear each other.
    _redis_db = urlsplit(REDIS_URL).path.strip("/") or "0"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "prefix": f"wilma.db{_redis_db}.",
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": 2,
                        "socket_timeout": 5,
                        "socket_keepalive": True,
                    }
                ],
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("WILMA_CACHE_PREFIX", default="wilma"),
            # A Redis that hangs fails fast; the login throttle then counts per process.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Search ------------------------------------------------------------------------------
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="wilma")

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.Employee"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Static files are found by the finders while developing, so `collectstatic` is optional there.
WHITENOISE_USE_FINDERS = DEBUG

# --- Security (follows from DEBUG being off) ------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# /healthz is probed over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Request size: a JSON body larger than this answers 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("WILMA_MAX_REQUEST_BYTES", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- WILMA limits and policies (all overridable from the environment) ------------------------
WILMA = {
    # Who may create communities: "all" employees or only site "admins".
    "COMMUNITY_CREATION": env.str("WILMA_COMMUNITY_CREATION", default="all"),
    "PAGE_SIZE_DEFAULT": env.int("WILMA_PAGE_SIZE_DEFAULT", default=25),
    "PAGE_SIZE_MAX": env.int("WILMA_PAGE_SIZE_MAX", default=100),
    "AVATAR_MAX_BYTES": env.int("WILMA_AVATAR_MAX_BYTES", default=5 * 1024 * 1024),
    "AVATAR_MAX_PIXELS": env.int("WILMA_AVATAR_MAX_PIXELS", default=40_000_000),
    "AVATAR_SIZE": env.int("WILMA_AVATAR_SIZE", default=256),
    "MAX_SKILLS": env.int("WILMA_MAX_SKILLS", default=30),
    "MAX_TAG_LENGTH": env.int("WILMA_MAX_TAG_LENGTH", default=50),
    "MAX_DEPUTIES": env.int("WILMA_MAX_DEPUTIES", default=5),
    "MAX_COMMUNITY_TAGS": env.int("WILMA_MAX_COMMUNITY_TAGS", default=20),
    "LOGIN_FAILURE_LIMIT": env.int("WILMA_LOGIN_FAILURE_LIMIT", default=5),
    "LOGIN_FAILURE_WINDOW_SECONDS": env.int("WILMA_LOGIN_FAILURE_WINDOW_SECONDS", default=900),
    "LOGIN_FAILURE_LIMIT_PER_ADDRESS": env.int("WILMA_LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=50),
    "API_TOKENS_PER_USER": env.int("WILMA_API_TOKENS_PER_USER", default=20),
    # Polls: most options per poll (at least 2 are always required).
    "POLL_MAX_OPTIONS": env.int("WILMA_POLL_MAX_OPTIONS", default=10),
    # Attachments: largest file in bytes (larger answers 413), largest image in pixels (more is
    # refused as a possible decompression bomb), thumbnail edge in pixels, files per post or
    # comment, uploads an employee may hold unattached, and the allowed types (detected from
    # the content, never the file name).
    "ATTACHMENT_MAX_BYTES": env.int("WILMA_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024),
    "ATTACHMENT_MAX_PIXELS": env.int("WILMA_ATTACHMENT_MAX_PIXELS", default=50_000_000),
    "ATTACHMENT_THUMBNAIL_SIZE": env.int("WILMA_ATTACHMENT_THUMBNAIL_SIZE", default=400),
    "ATTACHMENTS_PER_ITEM": env.int("WILMA_ATTACHMENTS_PER_ITEM", default=10),
    "ATTACHMENT_MAX_PENDING": env.int("WILMA_ATTACHMENT_MAX_PENDING", default=30),
    "ATTACHMENT_TYPES": env.list(
        "WILMA_ATTACHMENT_TYPES",
        default=[
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "text/plain",
            "text/csv",
        ],
    ),
    # Announcements: longest body in characters.
    "ANNOUNCEMENT_MAX_LENGTH": env.int("WILMA_ANNOUNCEMENT_MAX_LENGTH", default=20_000),
    "WEBSOCKET_MAX_MESSAGE_BYTES": env.int("WILMA_WEBSOCKET_MAX_MESSAGE_BYTES", default=16 * 1024),
    "WEBSOCKET_MESSAGES_PER_10S": env.int("WILMA_WEBSOCKET_MESSAGES_PER_10S", default=100),
    # Streams one websocket connection may subscribe to at once (more answers an error).
    "WEBSOCKET_MAX_SUBSCRIPTIONS": env.int("WILMA_WEBSOCKET_MAX_SUBSCRIPTIONS", default=50),
    # Hours the realtime event log keeps events for replay (`manage.py realtime_prune`
    # deletes older ones; a client further behind is told to resync).
    "EVENT_RETENTION_HOURS": env.int("WILMA_EVENT_RETENTION_HOURS", default=72),
    # Longest replay a subscribe (or a gap fill) streams; further behind answers
    # `resync_required` (reload through REST) instead of thousands of events.
    "WEBSOCKET_MAX_REPLAY": env.int("WILMA_WEBSOCKET_MAX_REPLAY", default=1000),
    # Seconds between `heartbeat` messages (they also carry each stream's last seq and bring
    # a lost last event of a quiet stream). Below the usual 60 s proxy idle timeouts.
    "WEBSOCKET_HEARTBEAT_SECONDS": env.float("WILMA_WEBSOCKET_HEARTBEAT_SECONDS", default=30),
    # Typing indicators: at most one per post and connection in this many seconds.
    "WEBSOCKET_TYPING_INTERVAL_SECONDS": env.float(
        "WILMA_WEBSOCKET_TYPING_INTERVAL_SECONDS", default=3
    ),
    # Redis outage: the `retry_after` hint sent before closing websockets with 4503, and how
    # often each server process checks the channel layer while it holds websockets.
    "WEBSOCKET_RETRY_AFTER_SECONDS": env.float("WILMA_WEBSOCKET_RETRY_AFTER_SECONDS", default=5),
    "WEBSOCKET_LAYER_CHECK_SECONDS": env.float("WILMA_WEBSOCKET_LAYER_CHECK_SECONDS", default=1),
    # The relay re-sends events left unpublished for RELAY_GRACE_SECONDS, every
    # RELAY_INTERVAL_SECONDS (`manage.py realtime_relay`, or inside `manage.py serve`).
    "RELAY_INTERVAL_SECONDS": env.float("WILMA_RELAY_INTERVAL_SECONDS", default=2),
    "RELAY_GRACE_SECONDS": env.float("WILMA_RELAY_GRACE_SECONDS", default=5),
    # Coroutines `async def run(stop: asyncio.Event)` that `manage.py serve` runs on the
    # server's event loop (dotted paths). The embedded in-memory channel layer reaches only
    # its own process, so there the relay must run inside the server, and the search index
    # worker runs beside it (one command, `make run`, serves everything). With Redis (the
    # production layout) both are processes of their own (`manage.py realtime_relay`,
    # `manage.py search_worker`, docs/deployment.md).
    "BACKGROUND_TASKS": env.list(
        "WILMA_BACKGROUND_TASKS",
        default=[] if REDIS_URL else ["realtime.relay.run", "search.indexing.run"],
    ),
    # Posts and comments: longest body in characters, reactions offered (the fixed set, in
    # display order), hashtags and distinct @mentions per body.
    "POST_MAX_LENGTH": env.int("WILMA_POST_MAX_LENGTH", default=20_000),
    "COMMENT_MAX_LENGTH": env.int("WILMA_COMMENT_MAX_LENGTH", default=5_000),
    "REACTIONS": env.list("WILMA_REACTIONS", default=["👍", "❤️", "🎉", "😄", "😮", "🙏"]),
    "MAX_HASHTAGS_PER_POST": env.int("WILMA_MAX_HASHTAGS_PER_POST", default=20),
    "MAX_MENTIONS_PER_POST": env.int("WILMA_MAX_MENTIONS_PER_POST", default=50),
    # Search: the longest query in characters and the most words it may have; how many of the
    # newest matches are ranked (the bound on ranking cost: counts and facets are exact up to
    # it); page sizes; the indexing worker's batch size and its pause when the queue is empty.
    "SEARCH_QUERY_MAX_LENGTH": env.int("WILMA_SEARCH_QUERY_MAX_LENGTH", default=300),
    "SEARCH_QUERY_MAX_WORDS": env.int("WILMA_SEARCH_QUERY_MAX_WORDS", default=16),
    "SEARCH_CANDIDATES": env.int("WILMA_SEARCH_CANDIDATES", default=1000),
    "SEARCH_PAGE_SIZE_DEFAULT": env.int("WILMA_SEARCH_PAGE_SIZE_DEFAULT", default=20),
    "SEARCH_PAGE_SIZE_MAX": env.int("WILMA_SEARCH_PAGE_SIZE_MAX", default=50),
    "SEARCH_SUGGEST_LIMIT": env.int("WILMA_SEARCH_SUGGEST_LIMIT", default=8),
    "SEARCH_WORKER_BATCH": env.int("WILMA_SEARCH_WORKER_BATCH", default=200),
    "SEARCH_WORKER_IDLE_SECONDS": env.float("WILMA_SEARCH_WORKER_IDLE_SECONDS", default=0.5),
    # Elasticsearch (with ELASTICSEARCH_URL): request timeout in seconds, retries per request
    # and bulk chunk, and the shape of new indices.
    "ELASTICSEARCH_TIMEOUT": env.float("WILMA_ELASTICSEARCH_TIMEOUT", default=10.0),
    "ELASTICSEARCH_MAX_RETRIES": env.int("WILMA_ELASTICSEARCH_MAX_RETRIES", default=3),
    "ELASTICSEARCH_SHARDS": env.int("WILMA_ELASTICSEARCH_SHARDS", default=1),
    "ELASTICSEARCH_REPLICAS": env.int("WILMA_ELASTICSEARCH_REPLICAS", default=1),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("WILMA_LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

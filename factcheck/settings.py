"""Settings for the fact-check workflow service.

Everything an operator may change is read from the environment here, and only here. Every variable
is listed in the README with its default. Bad values stop start-up with ImproperlyConfigured.
"""

import datetime as dt
import importlib.util
import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _positive_int(name: str, default: int) -> int:
    value = env.int(name, default=default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value}.")
    return value


def _positive_float(name: str, default: float) -> float:
    value = env.float(name, default=default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, got {value}.")
    return value


# --- Core -----------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
TESTING = env.bool("FACTCHECK_TESTING", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin, the desk overview as its index, with the second factor (accounts/)
    "accounts.apps.SecureAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "claims",
    "evidence",
    "workers",
    "memory",
    "intake",
    "publishing",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
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

# --- Database ---------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'factcheck.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database is shared by the web process and a worker: wait for locks, don't fail.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Security (production defaults; all off in DEBUG) -------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Requests bigger than this are refused with 413 before any parsing (factcheck.http.bodylimit, in
# front of Django in factcheck.wsgi).
FACTCHECK_MAX_BODY_BYTES = _positive_int("FACTCHECK_MAX_BODY_BYTES", 1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_MAX_BODY_BYTES

# --- Cache and shared Redis ------------------------------------------------------------------------

# Redis for the cross-process provider rate limits and the cache. Empty: per-process fallbacks
# (fine for the one-machine demo, not for several workers).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Benchmarks only: route the bare baseline views of bench/ under /bench/ (never in production).
FACTCHECK_BENCH_VIEWS = env.bool("FACTCHECK_BENCH_VIEWS", default=False)

# --- Workflow and publishing -------------------------------------------------------------------------

FACTCHECK_REQUIRE_SECOND_REVIEWER = env.bool("FACTCHECK_REQUIRE_SECOND_REVIEWER", default=True)
FACTCHECK_PUBLISHER_NAME = env.str("FACTCHECK_PUBLISHER_NAME", default="Verification Desk")
FACTCHECK_PUBLISHER_URL = env.str("FACTCHECK_PUBLISHER_URL", default="https://example.org/")
FACTCHECK_PUBLIC_BASE_URL = env.str(
    "FACTCHECK_PUBLIC_BASE_URL", default="http://127.0.0.1:8000"
).rstrip("/")

# --- The ticket page's map ------------------------------------------------------------------------

# Leaflet (django-leaflet ships its static files; no CDN). Tiles from this URL template; empty: no
# tile layer, the vector layers draw on a plain background (the offline demo sets it empty).
FACTCHECK_MAP_TILES_URL = env.str(
    "FACTCHECK_MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
FACTCHECK_MAP_TILES_ATTRIBUTION = env.str(
    "FACTCHECK_MAP_TILES_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
if FACTCHECK_MAP_TILES_URL and not FACTCHECK_MAP_TILES_URL.startswith(("https://", "http://", "/")):
    raise ImproperlyConfigured(
        "FACTCHECK_MAP_TILES_URL must be an http(s) URL template such as "
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png, or empty for no tiles."
    )
# Claim memory (memory/): the sentence-embedding model whose vectors the desk stores, the threads
# its engine may use (0: its own default), and the similarity thresholds of a match, calibrated on
# tests/memory/data/claim_pairs.jsonl (docs/PERFORMANCE.md). `strong` never applies to a claim of
# fewer than 8 words.
FACTCHECK_EMBEDDING_MODEL = env.str("FACTCHECK_EMBEDDING_MODEL", default="e5-small")
FACTCHECK_EMBEDDING_THREADS = env.int("FACTCHECK_EMBEDDING_THREADS", default=1)
if FACTCHECK_EMBEDDING_THREADS < 0:
    raise ImproperlyConfigured("FACTCHECK_EMBEDDING_THREADS must be 0 or more.")
FACTCHECK_MATCH_SUGGEST = env.float("FACTCHECK_MATCH_SUGGEST", default=0.82)
FACTCHECK_MATCH_STRONG = env.float("FACTCHECK_MATCH_STRONG", default=0.92)
if not 0 < FACTCHECK_MATCH_SUGGEST <= FACTCHECK_MATCH_STRONG <= 1:
    raise ImproperlyConfigured(
        "The match thresholds must satisfy 0 < FACTCHECK_MATCH_SUGGEST <= FACTCHECK_MATCH_STRONG <= 1."
    )
# The longest text /api/v1/claims/match/ embeds, in characters.
FACTCHECK_MATCH_MAX_CHARS = _positive_int("FACTCHECK_MATCH_MAX_CHARS", 2000)
# HNSW search breadth on pgvector (hnsw.ef_search); higher finds more of the true nearest.
FACTCHECK_MATCH_EF_SEARCH = _positive_int("FACTCHECK_MATCH_EF_SEARCH", 200)

# Claim intake (intake/): the longest article text it reads, in characters (pasted or extracted
# from a fetched page), and the check-worthiness at or above which a candidate is proposed
# (intake.extraction.DEFAULT_THRESHOLD, measured on tests/intake/data/: docs/PERFORMANCE.md).
FACTCHECK_INTAKE_MAX_CHARS = _positive_int("FACTCHECK_INTAKE_MAX_CHARS", 100_000)
# Empty: the extractor's own default.
_intake_threshold = env.str("FACTCHECK_INTAKE_THRESHOLD", default="").strip()
FACTCHECK_INTAKE_THRESHOLD = float(_intake_threshold) if _intake_threshold else None
if FACTCHECK_INTAKE_THRESHOLD is not None and not 0 <= FACTCHECK_INTAKE_THRESHOLD <= 1:
    raise ImproperlyConfigured("FACTCHECK_INTAKE_THRESHOLD must be between 0 and 1.")

# Leaflet's own files come from the django-leaflet package, served as static files (no CDN). The
# package is not an installed app: its admin module imports GeoDjango, which needs the GDAL library,
# and the page only needs Leaflet itself (claims/static/claims/workbench.js calls L.map).
_LEAFLET_PACKAGE = importlib.util.find_spec("leaflet")
if _LEAFLET_PACKAGE is None or not _LEAFLET_PACKAGE.submodule_search_locations:
    raise ImproperlyConfigured(
        "django-leaflet is not installed (it ships the map's Leaflet files)."
    )
STATICFILES_DIRS = [Path(_LEAFLET_PACKAGE.submodule_search_locations[0]) / "static"]

# --- REST API ---------------------------------------------------------------------------------------

# How long an API token's user (and permissions) may be remembered in a web process; 0: look the
# token up on every request. Changes made through the ORM take effect at once (see
# factcheck.http.authentication); only changes that bypass it wait this long.
FACTCHECK_AUTH_CACHE_SECONDS = env.int("FACTCHECK_AUTH_CACHE_SECONDS", default=30)
if FACTCHECK_AUTH_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("FACTCHECK_AUTH_CACHE_SECONDS must be 0 or more.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "factcheck.http.authentication.CachedTokenAuthentication",
        "factcheck.http.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "factcheck.http.schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["factcheck.http.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "factcheck.http.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "factcheck.http.throttling.AnonRateThrottle",
        "factcheck.http.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("FACTCHECK_THROTTLE_ANON", default="60/minute"),
        "user": env.str("FACTCHECK_THROTTLE_USER", default="1200/minute"),
        # /claims/match/ and /tickets/{id}/similar/ may embed a text on the request path.
        "claim_match": env.str("FACTCHECK_THROTTLE_MATCH", default="120/minute"),
        # POST /intake/ reads a pasted article on the request path (about a second for 1,000 words).
        "intake": env.str("FACTCHECK_THROTTLE_INTAKE", default="30/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check workflow service API",
    "DESCRIPTION": "Open verification tickets, follow evidence gathering, decide verdicts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
    # Swagger UI from the installed sidecar package, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "State": "claims.workflow.State",
        "Verdict": "claims.workflow.Verdict",
        "Action": "claims.workflow.Action",
        "Provider": "evidence.models.Provider",
        "Stance": "evidence.models.Stance",
        "Kind": "evidence.models.Kind",
        "FetchStatus": "evidence.models.FetchStatus",
        "HealthStatus": "factcheck.http.health.HEALTH_STATUSES",
        "LinkRelation": "memory.models.LinkRelation",
        "MatchRelation": "memory.api.serializers.MATCH_RELATIONS",
        "LinkSide": "memory.api.serializers.LINK_SIDES",
        "IntakeStatus": "intake.models.IntakeStatus",
        "IntakeDateSource": "intake.models.DateSource",
        "QuoteKind": "intake.models.Quote",
        "WebhookEventType": "webhooks.events.EventType",
        "WebhookDeliveryStatus": "webhooks.models.DeliveryStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "factcheck.http.schema.postprocess",
    ],
}

# --- Celery -----------------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
FACTCHECK_BROKER_DIR = Path(env.str("FACTCHECK_BROKER_DIR", default=str(VAR_DIR / "broker")))
FACTCHECK_TASK_SOFT_TIME_LIMIT = _positive_int("FACTCHECK_TASK_SOFT_TIME_LIMIT", 120)
FACTCHECK_TASK_TIME_LIMIT = _positive_int("FACTCHECK_TASK_TIME_LIMIT", 150)
FACTCHECK_TASK_MAX_RETRIES = env.int("FACTCHECK_TASK_MAX_RETRIES", default=4)
FACTCHECK_TASK_RETRY_BACKOFF_MAX = _positive_int("FACTCHECK_TASK_RETRY_BACKOFF_MAX", 600)
# First delay before a failed fetch runs again; doubles each attempt (with jitter) up to the max.
FACTCHECK_TASK_RETRY_BACKOFF_BASE = _positive_float("FACTCHECK_TASK_RETRY_BACKOFF_BASE", 10.0)
if FACTCHECK_TASK_SOFT_TIME_LIMIT >= FACTCHECK_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "FACTCHECK_TASK_SOFT_TIME_LIMIT must be smaller than FACTCHECK_TASK_TIME_LIMIT."
    )
# A message not acknowledged within this many seconds is handed to another worker. It must be
# longer than the longest retry delay plus the hard time limit, or a slow task runs twice.
CELERY_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT",
    default=FACTCHECK_TASK_RETRY_BACKOFF_MAX + FACTCHECK_TASK_TIME_LIMIT + 300,
)
if CELERY_VISIBILITY_TIMEOUT <= 0:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be positive.")
# Tests shorten it on purpose, to see a killed worker's task redelivered within seconds.
if (
    CELERY_VISIBILITY_TIMEOUT <= FACTCHECK_TASK_RETRY_BACKOFF_MAX + FACTCHECK_TASK_TIME_LIMIT
    and not TESTING
):
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than FACTCHECK_TASK_RETRY_BACKOFF_MAX plus "
        "FACTCHECK_TASK_TIME_LIMIT, or a task waiting for its retry is handed to a second worker."
    )

if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(FACTCHECK_BROKER_DIR / "queue"),
        "data_folder_out": str(FACTCHECK_BROKER_DIR / "queue"),
        "processed_folder": str(FACTCHECK_BROKER_DIR / "processed"),
        "control_folder": str(FACTCHECK_BROKER_DIR / "control"),
        "polling_interval": 0.2,
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
        # Publishing tries the broker once: a web request never waits on a broker that is down
        # (kombu would otherwise retry for seconds); the requeue sweep sends what was not sent.
        "max_retries": 0,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport, reusing one client per channel (see factcheck/patches.py).
    CELERY_BROKER_TRANSPORT = "factcheck.patches:RedisTransport"
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = FACTCHECK_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = FACTCHECK_TASK_TIME_LIMIT
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=30.0)
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
# A task whose broker connection dropped will be redelivered; stop it rather than run it twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A queued FetchJob older than this with no worker on it is sent again by beat: at once if it was
# never sent; if it was, only while the fetch queue is not busy, and after a wait that doubles
# with every re-send up to FACTCHECK_REQUEUE_BACKOFF_MAX_SECONDS.
FACTCHECK_REQUEUE_AFTER_SECONDS = _positive_int("FACTCHECK_REQUEUE_AFTER_SECONDS", 60)
FACTCHECK_REQUEUE_BACKOFF_MAX_SECONDS = _positive_int("FACTCHECK_REQUEUE_BACKOFF_MAX_SECONDS", 1800)
FACTCHECK_REQUEUE_INTERVAL_SECONDS = _positive_int("FACTCHECK_REQUEUE_INTERVAL_SECONDS", 30)
# A job running this long has lost its worker (no run outlives the hard time limit): beat sends it
# again. This bounds how long a killed worker's job sits `running`, plus one sweep interval.
FACTCHECK_REQUEUE_RUNNING_AFTER_SECONDS = _positive_int(
    "FACTCHECK_REQUEUE_RUNNING_AFTER_SECONDS", FACTCHECK_TASK_TIME_LIMIT + 90
)
if FACTCHECK_REQUEUE_RUNNING_AFTER_SECONDS <= FACTCHECK_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "FACTCHECK_REQUEUE_RUNNING_AFTER_SECONDS must be longer than FACTCHECK_TASK_TIME_LIMIT, "
        "or a job still running is sent to a second worker."
    )
# Hour of the day (UTC) at which open tickets' satellite scenes are searched again.
FACTCHECK_SATELLITE_RECHECK_HOUR = env.int("FACTCHECK_SATELLITE_RECHECK_HOUR", default=3)
if not 0 <= FACTCHECK_SATELLITE_RECHECK_HOUR <= 23:
    raise ImproperlyConfigured("FACTCHECK_SATELLITE_RECHECK_HOUR must be an hour, 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-fetch-jobs": {
        "task": "workers.requeue_stale_jobs",
        "schedule": float(FACTCHECK_REQUEUE_INTERVAL_SECONDS),
    },
    # Intakes whose page no worker has read yet (their message was lost): sent again.
    "requeue-stale-intakes": {
        "task": "intake.requeue_stale",
        "schedule": float(FACTCHECK_REQUEUE_INTERVAL_SECONDS),
    },
    "recheck-satellite-scenes": {
        "task": "workers.recheck_satellite_scenes",
        "schedule": crontab(minute=0, hour=FACTCHECK_SATELLITE_RECHECK_HOUR),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat's maintenance tasks have a queue of their own, so that no backlog of fetches delays them
# (a sweep queued behind the backlog it should repair comes too late). Every worker consumes them
# all, with the bulk fetch queue below: celery -A factcheck worker -Q celery,fetch-bulk,maintenance,webhooks
CELERY_TASK_DEFAULT_QUEUE = "celery"
FACTCHECK_MAINTENANCE_QUEUE = "maintenance"
CELERY_TASK_ROUTES = {
    entry["task"]: {"queue": FACTCHECK_MAINTENANCE_QUEUE} for entry in CELERY_BEAT_SCHEDULE.values()
}

# --- Evidence providers ---------------------------------------------------------------------------

FACTCHECK_HTTP_TIMEOUT = _positive_float("FACTCHECK_HTTP_TIMEOUT", 15.0)
FACTCHECK_HTTP_MAX_BYTES = _positive_int("FACTCHECK_HTTP_MAX_BYTES", 5_000_000)
FACTCHECK_HTTP_RETRIES = env.int("FACTCHECK_HTTP_RETRIES", default=3)
if FACTCHECK_HTTP_RETRIES < 0:
    raise ImproperlyConfigured("FACTCHECK_HTTP_RETRIES must be 0 or more.")
# Retry delays of the HTTP client: base doubles per attempt, with full jitter, up to the max.
FACTCHECK_HTTP_BACKOFF_BASE = _positive_float("FACTCHECK_HTTP_BACKOFF_BASE", 0.5)
FACTCHECK_HTTP_BACKOFF_MAX = _positive_float("FACTCHECK_HTTP_BACKOFF_MAX", 10.0)
# A Retry-After longer than this is not waited for in the worker; the job retries later instead.
FACTCHECK_HTTP_RETRY_AFTER_MAX = _positive_float("FACTCHECK_HTTP_RETRY_AFTER_MAX", 30.0)
FACTCHECK_HTTP_MAX_REDIRECTS = env.int("FACTCHECK_HTTP_MAX_REDIRECTS", default=5)
# Longest a request may wait for its provider's rate limit before the job is retried later.
FACTCHECK_RATE_LIMIT_MAX_WAIT = _positive_float("FACTCHECK_RATE_LIMIT_MAX_WAIT", 60.0)
# Half-width, in degrees, of the search box around a claim's point (0.1 degree is about 11 km).
FACTCHECK_AREA_BUFFER_DEGREES = _positive_float("FACTCHECK_AREA_BUFFER_DEGREES", 0.1)
FACTCHECK_HTTP_USER_AGENT = env.str(
    "FACTCHECK_HTTP_USER_AGENT",
    default="factcheck-workflow/0.1 (verification desk; contact: desk@example.org)",
)
# Only for tests and the offline demo: lets the fetcher reach the stub server on loopback.
FACTCHECK_SSRF_ALLOW_LOOPBACK = env.bool("FACTCHECK_SSRF_ALLOW_LOOPBACK", default=False)
if FACTCHECK_SSRF_ALLOW_LOOPBACK and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "FACTCHECK_SSRF_ALLOW_LOOPBACK is for tests and local demos only; "
        "it needs DJANGO_DEBUG=true or FACTCHECK_TESTING=true."
    )

FACTCHECK_PROVIDERS = {
    "satellite_scenes": {
        "enabled": env.bool("FACTCHECK_STAC_ENABLED", default=True),
        "base_url": env.str(
            "FACTCHECK_STAC_URL", default="https://earth-search.aws.element84.com/v1"
        ),
        "collections": env.list(
            "FACTCHECK_STAC_COLLECTIONS", default=["sentinel-2-l2a", "landsat-c2-l2"]
        ),
        "max_cloud_cover": env.float("FACTCHECK_STAC_MAX_CLOUD_COVER", default=60.0),
        "max_items": _positive_int("FACTCHECK_STAC_MAX_ITEMS", 20),
        # Days searched before the event (or claim date) and after it.
        "window_days": _positive_int("FACTCHECK_STAC_WINDOW_DAYS", 7),
        "rate_per_second": _positive_float("FACTCHECK_STAC_RATE", 5.0),
    },
    "thermal_anomalies": {
        "enabled": env.bool("FACTCHECK_FIRMS_ENABLED", default=True),
        "base_url": env.str("FACTCHECK_FIRMS_URL", default="https://firms.modaps.eosdis.nasa.gov"),
        "api_key": env.str("FACTCHECK_FIRMS_MAP_KEY", default=""),
        "sources": env.list(
            "FACTCHECK_FIRMS_SOURCES", default=["VIIRS_SNPP_NRT", "VIIRS_NOAA20_NRT", "MODIS_NRT"]
        ),
        # Days searched before the event (or claim date); detections a day after are included.
        "window_days": _positive_int("FACTCHECK_FIRMS_WINDOW_DAYS", 2),
        "max_items": _positive_int("FACTCHECK_FIRMS_MAX_ITEMS", 200),
        "rate_per_second": _positive_float("FACTCHECK_FIRMS_RATE", 1.0),
    },
    "archive": {
        "enabled": env.bool("FACTCHECK_WAYBACK_ENABLED", default=True),
        "base_url": env.str("FACTCHECK_WAYBACK_URL", default="https://archive.org"),
        # The CDX server, which is also where snapshots are replayed (/web/<timestamp>/<url>).
        "cdx_url": env.str("FACTCHECK_WAYBACK_CDX_URL", default="https://web.archive.org"),
        "cdx_limit": _positive_int("FACTCHECK_WAYBACK_CDX_LIMIT", 5),
        "max_urls": _positive_int("FACTCHECK_WAYBACK_MAX_URLS", 10),
        "rate_per_second": _positive_float("FACTCHECK_WAYBACK_RATE", 1.0),
    },
    "news_coverage": {
        "enabled": env.bool("FACTCHECK_GDELT_ENABLED", default=True),
        "base_url": env.str("FACTCHECK_GDELT_URL", default="https://api.gdeltproject.org"),
        "max_records": _positive_int("FACTCHECK_GDELT_MAX_RECORDS", 50),
        "window_days": _positive_int("FACTCHECK_GDELT_WINDOW_DAYS", 7),
        "rate_per_second": _positive_float("FACTCHECK_GDELT_RATE", 0.2),
    },
    "prior_fact_checks": {
        "enabled": env.bool("FACTCHECK_FACTCHECK_TOOLS_ENABLED", default=True),
        "base_url": env.str(
            "FACTCHECK_FACTCHECK_TOOLS_URL", default="https://factchecktools.googleapis.com"
        ),
        "api_key": env.str("FACTCHECK_FACTCHECK_TOOLS_KEY", default=""),
        "max_results": _positive_int("FACTCHECK_FACTCHECK_TOOLS_MAX_RESULTS", 20),
        "rate_per_second": _positive_float("FACTCHECK_FACTCHECK_TOOLS_RATE", 5.0),
    },
    "web_source": {
        "enabled": env.bool("FACTCHECK_WEB_SOURCE_ENABLED", default=True),
        "rate_per_second": _positive_float("FACTCHECK_WEB_SOURCE_RATE", 2.0),
    },
    # Not an outside service: the desk's own tickets, matched by sentence vectors (memory/).
    "claim_memory": {
        "enabled": env.bool("FACTCHECK_CLAIM_MEMORY_ENABLED", default=True),
        "max_results": _positive_int("FACTCHECK_CLAIM_MEMORY_MAX_RESULTS", 10),
        "rate_per_second": 1000.0,  # it calls nothing outside
    },
    "place_lookup": {
        "enabled": env.bool("FACTCHECK_NOMINATIM_ENABLED", default=True),
        "base_url": env.str(
            "FACTCHECK_NOMINATIM_URL", default="https://nominatim.openstreetmap.org"
        ),
        # Nominatim's usage policy: at most one request a second.
        "rate_per_second": min(_positive_float("FACTCHECK_NOMINATIM_RATE", 1.0), 1.0),
        "cache_seconds": _positive_int("FACTCHECK_NOMINATIM_CACHE_SECONDS", 30 * 24 * 3600),
        # Appended to "no place found" errors; the offline demo names its sample places here.
        "hint": env.str("FACTCHECK_NOMINATIM_HINT", default=""),
    },
}

# --- Stored files and scene thumbnails --------------------------------------------------------------

# Files the service keeps (the scene thumbnails) go through Django's storage API: local files under
# FACTCHECK_MEDIA_ROOT by default, any backend by dotted path (django-storages' S3Storage, say),
# with FACTCHECK_MEDIA_OPTIONS (a JSON object) as its OPTIONS. evidence.apps checks at start-up
# that the backend can be made. Nothing is served from MEDIA_URL: thumbnails go through the
# staff-only view (evidence.views).
FACTCHECK_MEDIA_STORAGE = env.str(
    "FACTCHECK_MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage"
)
if "." not in FACTCHECK_MEDIA_STORAGE.strip("."):
    raise ImproperlyConfigured(
        "FACTCHECK_MEDIA_STORAGE must be a dotted path to a storage class, "
        f"got {FACTCHECK_MEDIA_STORAGE!r}."
    )
try:
    FACTCHECK_MEDIA_OPTIONS = env.json("FACTCHECK_MEDIA_OPTIONS", default={})
except ValueError as error:
    raise ImproperlyConfigured(f"FACTCHECK_MEDIA_OPTIONS must be a JSON object: {error}") from error
if not isinstance(FACTCHECK_MEDIA_OPTIONS, dict):
    raise ImproperlyConfigured("FACTCHECK_MEDIA_OPTIONS must be a JSON object.")
MEDIA_ROOT = Path(env.str("FACTCHECK_MEDIA_ROOT", default=str(VAR_DIR / "media")))
if not MEDIA_ROOT.is_absolute():
    MEDIA_ROOT = BASE_DIR / MEDIA_ROOT
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": FACTCHECK_MEDIA_STORAGE, "OPTIONS": FACTCHECK_MEDIA_OPTIONS},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Satellite scenes' thumbnails are downloaded by the worker (workers.thumbnails), checked and
# re-encoded, and kept in the default storage under their SHA-256. Off: only the URL is kept.
FACTCHECK_STORE_THUMBNAILS = env.bool("FACTCHECK_STORE_THUMBNAILS", default=True)
# A picture's download stops past this many bytes (it is refused).
FACTCHECK_THUMBNAIL_MAX_BYTES = _positive_int("FACTCHECK_THUMBNAIL_MAX_BYTES", 5_000_000)
# A picture declaring more pixels than this is refused before it is decoded (decompression bombs).
FACTCHECK_THUMBNAIL_MAX_PIXELS = _positive_int("FACTCHECK_THUMBNAIL_MAX_PIXELS", 25_000_000)
# Longest side, in pixels, of the stored JPEG (smaller pictures are not enlarged).
FACTCHECK_THUMBNAIL_SIZE = _positive_int("FACTCHECK_THUMBNAIL_SIZE", 512)
# Seconds per picture request (one retry on a timeout or 5xx), and for all of a job's pictures:
# past the budget the remaining ones are not downloaded (a warning each), so that slow picture
# hosts never push a fetch past its time limit.
FACTCHECK_THUMBNAIL_TIMEOUT = _positive_float("FACTCHECK_THUMBNAIL_TIMEOUT", 10.0)
# Pictures of one job downloaded at once: a search page's scenes in one round trip, not several.
FACTCHECK_THUMBNAIL_CONCURRENCY = _positive_int("FACTCHECK_THUMBNAIL_CONCURRENCY", 10)
FACTCHECK_THUMBNAIL_BUDGET_SECONDS = _positive_float("FACTCHECK_THUMBNAIL_BUDGET_SECONDS", 30.0)
if FACTCHECK_THUMBNAIL_BUDGET_SECONDS >= FACTCHECK_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        "FACTCHECK_THUMBNAIL_BUDGET_SECONDS must be shorter than FACTCHECK_TASK_SOFT_TIME_LIMIT."
    )
# Picture downloads have a rate limit of their own (shared by all workers), apart from the STAC
# API's: the pictures usually come from another host (a bucket).
FACTCHECK_PROVIDERS["thumbnails"] = {
    "rate_per_second": _positive_float("FACTCHECK_THUMBNAIL_RATE", 10.0),
}

# --- Accounts: second factor, login throttling, hashed API tokens, security events ------------------

# accounts/ first: its templates (the admin's user links) come before django.contrib.admin's.
INSTALLED_APPS.insert(0, "accounts")
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
INSTALLED_APPS += ["axes"]
# django-otp marks request.user verified from the session; axes turns a lockout into its page
# (last, as axes asks).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# Axes first: it refuses a locked-out user before any password is checked (and needs the request
# in authenticate(), which Django's login form passes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Reviewers and superusers need a confirmed authenticator device (TOTP) to use the admin and to
# take any review action through any door; off by default only in debug (the demo's logins).
FACTCHECK_REQUIRE_2FA = env.bool("FACTCHECK_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = FACTCHECK_PUBLISHER_NAME
# After a wrong code, django-otp makes a device wait 2^(n-1) seconds before it checks another.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Failed logins (the admin's form; the API has no password door and issues no tokens) are counted
# per username and, separately, per address: either one reaching the limit locks for the cool-off.
FACTCHECK_LOGIN_FAILURE_LIMIT = _positive_int("FACTCHECK_LOGIN_FAILURE_LIMIT", 10)
FACTCHECK_LOGIN_COOLOFF_MINUTES = _positive_int("FACTCHECK_LOGIN_COOLOFF_MINUTES", 15)
AXES_ENABLED = env.bool("FACTCHECK_LOGIN_THROTTLE_ENABLED", default=True)
AXES_FAILURE_LIMIT = FACTCHECK_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=FACTCHECK_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# One rule for the address of a client (accounts.addresses): REMOTE_ADDR, no forwarding header.
AXES_CLIENT_IP_CALLABLE = "accounts.addresses.client_address"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]

# API tokens: the model holding their digests (factcheck/ names it, imports nothing of it) and
# how long a new one lives (0: never expires).
FACTCHECK_API_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 - a model name
FACTCHECK_TOKEN_TTL_DAYS = env.int("FACTCHECK_TOKEN_TTL_DAYS", default=90)
if FACTCHECK_TOKEN_TTL_DAYS < 0:
    raise ImproperlyConfigured("FACTCHECK_TOKEN_TTL_DAYS must be 0 (never expire) or more.")
# --- Webhooks (webhooks/: signed deliveries to partners' endpoints, Standard Webhooks 1.0.0) ------

# Seconds an endpoint has to answer one attempt.
FACTCHECK_WEBHOOK_TIMEOUT = _positive_float("FACTCHECK_WEBHOOK_TIMEOUT", 15.0)
# Delays in seconds between attempts after the first (the spec's schedule: 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h, 10 h, each with jitter); comma-separated, it replaces the schedule (tests).
_WEBHOOK_SPEC_SCHEDULE = "5,300,1800,7200,18000,36000,36000"
try:
    FACTCHECK_WEBHOOK_RETRY_SCHEDULE = tuple(
        float(part)
        for part in env.str("FACTCHECK_WEBHOOK_RETRY_SCHEDULE", default=_WEBHOOK_SPEC_SCHEDULE)
        .replace(" ", "")
        .split(",")
        if part
    )
except ValueError as error:
    raise ImproperlyConfigured(
        "FACTCHECK_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds, e.g. 5,300,1800."
    ) from error
if any(delay < 0 for delay in FACTCHECK_WEBHOOK_RETRY_SCHEDULE):
    raise ImproperlyConfigured("FACTCHECK_WEBHOOK_RETRY_SCHEDULE delays must be 0 or more.")
# An endpoint failing every attempt for this many days is disabled (its owner is told in the admin).
FACTCHECK_WEBHOOK_DISABLE_AFTER_DAYS = _positive_float("FACTCHECK_WEBHOOK_DISABLE_AFTER_DAYS", 5.0)
# How long a rotated-out secret still signs (both signatures are sent meanwhile).
FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS = env.float(
    "FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS", default=24.0
)
if FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS < 0:
    raise ImproperlyConfigured("FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS must be 0 or more.")
# Deliveries to one endpoint under way at once, across all workers: a slow endpoint cannot take
# every worker thread.
FACTCHECK_WEBHOOK_MAX_IN_FLIGHT = _positive_int("FACTCHECK_WEBHOOK_MAX_IN_FLIGHT", 4)
# How often beat looks for deliveries that are due but have no task on its way (a long retry
# delay, a lost message, a killed worker), and how long a delivery may sit queued or `sending`
# before it counts as lost.
FACTCHECK_WEBHOOK_SWEEP_SECONDS = _positive_int("FACTCHECK_WEBHOOK_SWEEP_SECONDS", 15)
FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS = _positive_int(
    "FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS", int(FACTCHECK_WEBHOOK_TIMEOUT * 2) + 300
)
if FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS <= FACTCHECK_WEBHOOK_TIMEOUT * 2:
    raise ImproperlyConfigured(
        "FACTCHECK_WEBHOOK_LOST_AFTER_SECONDS must be longer than twice FACTCHECK_WEBHOOK_TIMEOUT, "
        "or an attempt still under way is sent a second time."
    )
# Deliveries have a queue of their own, consumed by a threads pool (network-bound); every worker
# command names it (celery -A factcheck worker -Q celery,fetch-bulk,maintenance,webhooks).
FACTCHECK_WEBHOOK_QUEUE = "webhooks"
CELERY_TASK_ROUTES.update(
    {
        "webhooks.deliver": {"queue": FACTCHECK_WEBHOOK_QUEUE},
        "webhooks.fan_out": {"queue": FACTCHECK_WEBHOOK_QUEUE},
        "webhooks.sweep": {"queue": FACTCHECK_MAINTENANCE_QUEUE},
    }
)
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {
    "task": "webhooks.sweep",
    "schedule": float(FACTCHECK_WEBHOOK_SWEEP_SECONDS),
}
# --- Bulk import and export (claims/imports.py, claims/exports.py) ----------------------------------

# The broker queue of bulk-imported tickets' fetch jobs: apart from the default fetch queue, so a
# large import never delays the tickets opened by hand meanwhile. Every worker consumes it:
# celery -A factcheck worker -Q celery,fetch-bulk,maintenance,webhooks
FACTCHECK_BULK_FETCH_QUEUE = env.str("FACTCHECK_BULK_FETCH_QUEUE", default="fetch-bulk")
if FACTCHECK_BULK_FETCH_QUEUE in (CELERY_TASK_DEFAULT_QUEUE, FACTCHECK_MAINTENANCE_QUEUE):
    raise ImproperlyConfigured(
        "FACTCHECK_BULK_FETCH_QUEUE must differ from the default and the maintenance queue."
    )
# Rows an import writes per transaction (one INSERT per table, one broker message, one
# ticket_opened signal each); a batch refused by the database is retried row by row.
FACTCHECK_IMPORT_BATCH_SIZE = _positive_int("FACTCHECK_IMPORT_BATCH_SIZE", 500)
# Request bodies of the two bulk doors may be larger than FACTCHECK_MAX_BODY_BYTES: a 500-ticket
# POST /api/v1/tickets/bulk/ and the admin's file upload (streamed to a temporary file by Django).
FACTCHECK_BULK_MAX_BODY_BYTES = _positive_int("FACTCHECK_BULK_MAX_BODY_BYTES", 8 * 1_048_576)
FACTCHECK_IMPORT_UPLOAD_MAX_BYTES = _positive_int(
    "FACTCHECK_IMPORT_UPLOAD_MAX_BYTES", 100 * 1_048_576
)
# Django checks a body it reads whole (DRF's JSON parser reads request.body) against
# DATA_UPLOAD_MAX_MEMORY_SIZE: it must let the bulk body through. Every other path is still held to
# FACTCHECK_MAX_BODY_BYTES by the WSGI body limit in front of Django.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(FACTCHECK_MAX_BODY_BYTES, FACTCHECK_BULK_MAX_BODY_BYTES)
FACTCHECK_MAX_BODY_BYTES_BY_PATH = {
    "/api/v1/tickets/bulk/": max(FACTCHECK_MAX_BODY_BYTES, FACTCHECK_BULK_MAX_BODY_BYTES),
    "/admin/claims/ticket/import/": max(
        FACTCHECK_MAX_BODY_BYTES, FACTCHECK_IMPORT_UPLOAD_MAX_BYTES
    ),
}
# Rows an export reads per query (a server-side cursor on PostgreSQL): its memory, whatever the
# number of tickets.
FACTCHECK_EXPORT_CHUNK_SIZE = _positive_int("FACTCHECK_EXPORT_CHUNK_SIZE", 2000)

# --- Logging ----------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("FACTCHECK_LOG_LEVEL", default="INFO")},
    # httpx logs every request URL at INFO, and some providers carry their key in the URL.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# --- Safe operation (issue 14, parts 4, 6, 7, 8): security headers, metrics, beat, JSON logs ---------

# Security headers. DJANGO_HTTPS says the site is served over HTTPS (directly, or behind a proxy
# that sets X-Forwarded-Proto): then cookies are HTTPS-only whatever DJANGO_SECURE_COOKIES says,
# browsers are told to use HTTPS only (HSTS), and plain HTTP is redirected, except for the probes
# that come over the internal network (/healthz, /metrics). Off by default: the demo, the tests and
# the benchmark speak plain HTTP on loopback.
FACTCHECK_HTTPS = env.bool("DJANGO_HTTPS", default=False)
if FACTCHECK_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = FACTCHECK_HTTPS and env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000) if FACTCHECK_HTTPS else 0
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("DJANGO_HSTS_SECONDS must be 0 or more.")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
# Sessions are the desk's staff only (the public pages and the API need none): a working day at
# most from login (the expiry is not renewed by activity), and gone when the browser closes.
FACTCHECK_STAFF_SESSION_HOURS = _positive_float("FACTCHECK_STAFF_SESSION_HOURS", 10.0)
SESSION_COOKIE_AGE = int(FACTCHECK_STAFF_SESSION_HOURS * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool(
    "FACTCHECK_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp) on every response. Scripts only from our origin, or inline
# with the request's nonce ({{ CSP_NONCE }} / request.csp_nonce; none of our templates needs one
# today: data goes through data attributes, code in static files). Styles may be inline: the
# admin's widgets and the desk overview's SVG charts use style attributes, and a style cannot run
# code. Images: ours, data: URIs (Leaflet's and Swagger UI's icons) and the map tiles' host.
_map_tiles_origin = ""
if FACTCHECK_MAP_TILES_URL.startswith(("https://", "http://")):
    _tiles = FACTCHECK_MAP_TILES_URL.split("/", 3)
    _map_tiles_origin = f"{_tiles[0]}//{_tiles[2]}".replace("{s}", "*")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *([_map_tiles_origin] if _map_tiles_origin else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Prometheus metrics at /metrics (factcheck.metrics): refused unless the caller sends
# `Authorization: Bearer <FACTCHECK_METRICS_TOKEN>` or comes from FACTCHECK_METRICS_ALLOW
# (addresses or networks, comma-separated). Both empty: refused to everyone.
FACTCHECK_METRICS_TOKEN = env.str("FACTCHECK_METRICS_TOKEN", default="")
FACTCHECK_METRICS_ALLOW = env.list("FACTCHECK_METRICS_ALLOW", default=[])
try:
    FACTCHECK_METRICS_NETWORKS = [
        ipaddress.ip_network(entry.strip(), strict=False) for entry in FACTCHECK_METRICS_ALLOW
    ]
except ValueError as error:
    raise ImproperlyConfigured(
        f"FACTCHECK_METRICS_ALLOW must list IP addresses or networks (CIDR): {error}"
    ) from error
if FACTCHECK_METRICS_TOKEN and len(FACTCHECK_METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("FACTCHECK_METRICS_TOKEN must be at least 16 characters long.")
# Collectors that read a whole table (the fetch jobs' outcomes and run times) are computed at most
# once per this many seconds, shared by every web process through the cache; 0: every scrape.
FACTCHECK_METRICS_CACHE_SECONDS = env.int("FACTCHECK_METRICS_CACHE_SECONDS", default=30)
if FACTCHECK_METRICS_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("FACTCHECK_METRICS_CACHE_SECONDS must be 0 or more.")
# Request counts and latencies of the web processes: django-prometheus's middleware (below), not
# its app (whose ready() would read the migrations from the database in every process).

# Beat without a single point of failure: on a Redis broker, celery-redbeat keeps the schedule in
# Redis and a lock that one beat holds (renewed every tick); any other beat waits, and takes over
# when the holder has not renewed it for FACTCHECK_BEAT_LOCK_TIMEOUT seconds. The embedded
# filesystem broker (dev.py up, one process) keeps Celery's file scheduler.
FACTCHECK_BEAT_LOCK_TIMEOUT = _positive_int("FACTCHECK_BEAT_LOCK_TIMEOUT", 60)
# Longest sleep of beat between two looks at its schedule; a standby beat tries the lock this often.
CELERY_BEAT_MAX_LOOP_INTERVAL = _positive_int("FACTCHECK_BEAT_MAX_LOOP_INTERVAL", 10)
if CELERY_BEAT_MAX_LOOP_INTERVAL >= FACTCHECK_BEAT_LOCK_TIMEOUT:
    raise ImproperlyConfigured(
        "FACTCHECK_BEAT_MAX_LOOP_INTERVAL must be shorter than FACTCHECK_BEAT_LOCK_TIMEOUT, or the "
        "lock expires between two renewals and a second beat starts sending too."
    )
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_KEY_PREFIX = env.str("FACTCHECK_BEAT_KEY_PREFIX", default="redbeat")
    CELERY_REDBEAT_LOCK_TIMEOUT = FACTCHECK_BEAT_LOCK_TIMEOUT

# Structured logs: `json` writes one JSON object a line with the request id, user, ticket id, job
# id and task id where known (factcheck.logcontext), so a ticket's story can be followed from the
# web's request to the worker's run; `text` is the plain line. JSON by default outside debug.
FACTCHECK_LOG_FORMAT = env.str("FACTCHECK_LOG_FORMAT", default="text" if DEBUG else "json")
if FACTCHECK_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("FACTCHECK_LOG_FORMAT must be `json` or `text`.")
LOGGING["filters"] = {"context": {"()": "factcheck.logcontext.ContextFilter"}}
LOGGING["formatters"]["json"] = {
    "()": "factcheck.logcontext.JsonFormatter",
    "format": "%(levelname)s %(name)s %(message)s",
}
LOGGING["formatters"]["plain"]["format"] = (
    "%(asctime)s %(levelname)s %(name)s%(log_context)s: %(message)s"
)
LOGGING["handlers"]["console"]["formatter"] = "json" if FACTCHECK_LOG_FORMAT == "json" else "plain"
LOGGING["handlers"]["console"]["filters"] = ["context"]
# The middleware of this block, added to the list above (kept as it was, for easy merges):
# django-prometheus's pair around everything (it times the whole request); the request id next,
# so that every line logged and every answer, a redirect to HTTPS too, carries it; the CSP header
# beside Django's other security headers.
MIDDLEWARE.insert(0, "factcheck.http.requestid.RequestIdMiddleware")
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
# {{ CSP_NONCE }} in templates (request.csp_nonce).
TEMPLATES[0]["OPTIONS"]["context_processors"].append("csp.context_processors.nonce")

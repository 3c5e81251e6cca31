"""Gateway Academy settings: one file, read from the environment, safe defaults.

Every knob is an environment variable; docs/deployment.md lists them. The defaults give a
single-machine site on SQLite; DATABASE_URL and REDIS_URL make app servers stateless so that any
number of them can run behind a load balancer.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# pytest sets its own DEBUG=False; tests must not need production secrets.
TESTING = "pytest" in sys.modules

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DJANGO_DEBUG=1 for a development server."
        )
    SECRET_KEY = "dev-only-key-never-used-in-production-3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f1a"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = "Gateway Academy"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "courseware",
    "labs",
    "django_tables2", "django_filters", "classroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The sandbox APIs' invoke URLs: an API that needs none of what follows (labs/middleware.py).
    "labs.middleware.InvokeUrlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside CSRF: a kept fragment's form gets the reader's token (courseware/pagecache.py).
    "courseware.pagecache.CsrfPlaceholderMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "courseware.caching.PrivateForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside sessions, auth and messages: the 405 page it renders is a full page of the site.
    "courseware.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into our friendly page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "courseware.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default. WAL lets readers work while one writer writes; IMMEDIATE transactions take
# the write lock up front, so concurrent writers wait (busy timeout) instead of failing with
# "database is locked" half-way through a transaction.
DATABASE_URL = env("DATABASE_URL")
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=20000;"
        "PRAGMA foreign_keys=ON;"
    ),
}
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.db.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "config.db.sqlite3"):
    # DATABASE_URL=sqlite:///... names Django's own backend: ours is it with writers queued by a
    # file lock instead of SQLite's sleeps (config/db/sqlite3).
    DATABASES["default"]["ENGINE"] = "config.db.sqlite3"
    # However SQLite is chosen (SQLITE_PATH, or DATABASE_URL=sqlite:///...), it gets the settings
    # that let concurrent writers wait instead of failing. Connections are kept, as for PostgreSQL:
    # opening one and running its PRAGMAs took about 0.9 ms, which every request that touches the
    # database paid (bench/bench_invoke.py --server).
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A file, not memory: concurrency tests need real connections from several threads.
    # One per test run, so two runs in one checkout never delete each other's database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"academy-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "academy"),
        }
    }
    # Sessions are read from Redis and written through to the database, so a Redis restart
    # logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Django's database store, reading with one prepared statement (courseware/session_store.py).
    SESSION_ENGINE = "courseware.session_store"
# Each process's own store of what is the same for every visitor (anonymous pages, fragments),
# keyed by the course's release token: see courseware/pagecache.py. Never shared, so never stale.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages-and-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# --- Background tasks --------------------------------------------------------------------------
# "immediate" runs a task inside the request (development, tests); "database" queues it for
# `python manage.py db_worker` (production).
TASKS_BACKEND = env("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# --- Accounts ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user's role with them (one query a page less). The only one
    # that checks passwords: a second would hash every wrong password twice.
    "courseware.roles.RoleAwareBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# A class shares one public IP: lock out a username from one address, never the whole room.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_VERBOSE = False

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Gateway Academy <noreply@localhost>")

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names and compressed copies need `collectstatic`; development and tests serve
        # the files straight from the finders.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not (DEBUG or TESTING))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# The lab builder posts one row per route (up to API Gateway's 300-route quota, ~12 fields each), and
# the import page takes a pasted OpenAPI document up to API Gateway's own 6 MB import limit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 7 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Security (production passes `manage.py check --deploy` with no warning) -----------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", True) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = not (DEBUG or TESTING)
CSRF_COOKIE_SECURE = not (DEBUG or TESTING)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# No inline scripts anywhere: every script is a file of ours. Inline styles are allowed
# (progress bars set a width), scripts are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # botocore logs request bodies (and so credentials) at DEBUG: never let it.
        "botocore": {"level": "WARNING"},
        "boto3": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Course content ----------------------------------------------------------------------------
# Directories of course content (lessons, quizzes) loaded by `manage.py sync_content`, in order;
# an institution can add its own course beside ours.
CONTENT_DIRS = [Path(p) for p in env_list("CONTENT_DIRS")] or [BASE_DIR / "courseware" / "content"]
# The sandbox gateway: how long a sandbox deployment lives without use, how many a learner may have at
# once, and how many requests per 10 seconds a learner's invoke URLs take (a real-time limit beside the
# sandbox's own virtual-time throttling).
SANDBOX_TTL_HOURS = env_int("SANDBOX_TTL_HOURS", 24)
SANDBOX_MAX_PER_LEARNER = env_int("SANDBOX_MAX_PER_LEARNER", 10)
SANDBOX_REQUESTS_PER_10S = env_int("SANDBOX_REQUESTS_PER_10S", 200)

# Deploying to a learner's own AWS account (docs/deployer.md, "The web side").
# AWS_SITE_PRINCIPAL: the ARN (or account id) of the IAM identity this site runs as; the role template
# trusts it. Empty: the role option explains that an administrator must set it.
AWS_SITE_PRINCIPAL = env("AWS_SITE_PRINCIPAL")
# An S3 URL of the role template (downloaded from the site once, uploaded by an administrator): when set,
# the deploy page offers CloudFormation's quick-create link with the learner's own external ID filled in.
AWS_ROLE_TEMPLATE_URL = env("AWS_ROLE_TEMPLATE_URL")
# The value of the gateway-academy:site tag on everything deployed (the role's policy is limited to it).
AWS_SITE_TAG = env("AWS_SITE_TAG", "gateway-academy")
# Deploy with this server's own AWS credential chain (a single-user install only: every learner would
# deploy into the server's account). Off unless an administrator turns it on.
AWS_DEPLOY_SERVER_CREDENTIALS = env_bool("AWS_DEPLOY_SERVER_CREDENTIALS", False)
# Point the deployer at moto or LocalStack (development, tests); empty for AWS itself.
AWS_DEPLOY_ENDPOINT_URL = env("AWS_DEPLOY_ENDPOINT_URL")
AWS_DEPLOY_REGIONS = env_list("AWS_DEPLOY_REGIONS", "us-east-1,us-east-2,us-west-2,eu-west-1,eu-central-1,"
                                                    "eu-north-1,ap-southeast-2,ap-northeast-1,ap-south-1,sa-east-1,ca-central-1")
AWS_DEPLOY_DEFAULT_HOURS = env_int("AWS_DEPLOY_DEFAULT_HOURS", 2)
AWS_DEPLOY_MAX_HOURS = env_int("AWS_DEPLOY_MAX_HOURS", 12)
AWS_DEPLOY_MAX_PER_LEARNER = env_int("AWS_DEPLOY_MAX_PER_LEARNER", 3)  # up at once

# The lab scenarios (brief, steps, hints, objectives, reference solution), one YAML file each.
LAB_SCENARIOS_DIR = Path(env("LAB_SCENARIOS_DIR", str(BASE_DIR / "labs" / "scenarios")))

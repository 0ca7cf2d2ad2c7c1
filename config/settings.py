"""One settings module, driven by the environment (django-environ).

Profiles:
- nothing set: development on SQLite in var/ with the embedded (filesystem) Celery broker;
- DATABASE_URL / REDIS_URL: PostgreSQL and Redis;
- DJANGO_ENV=production: secure settings; `manage.py check --deploy` reports no issue.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    DEBUG = False
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-only-for-local-development-0123456789")
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies in front of the application that append to X-Forwarded-For (0: use the socket address).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# 政府首购 (procurement): the OCDS ocid prefix registered with the Open Contracting Partnership ("ocds-" + 6
# characters), the publisher named in every package, and the public-tender threshold above which a single-source
# purchase needs a public notice (浙江 2021–: goods and services 400万元).
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-zjsgtt")
OCDS_PUBLISHER_NAME = env.str("OCDS_PUBLISHER_NAME", default="浙江省经济和信息化厅")
PROCUREMENT_TENDER_THRESHOLD = env.int("PROCUREMENT_TENDER_THRESHOLD", default=4_000_000)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "accounts",
    "audit",
    "notifications",
    "certification",
    "review",
    "recognition",
    "insurance",
    "procurement",
    "payouts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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
                "django.template.context_processors.i18n",
                "accounts.context_processors.roles",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers, which the hash-chained audit log relies on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, broker ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Embedded default: a real worker and beat on kombu's filesystem transport (see docs/decisions.md).
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # The exchange table, by default "control/" in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish must fail fast when the broker is down: the outbox sweep retries later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_MAX_RETRIES = 0
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "notifications.tasks.sweep_deliveries",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30.0),
    },
    "certification-close-due-batches": {
        "task": "certification.tasks.close_due_batches",
        "schedule": 60.0,
    },
    "review-remind-experts": {
        "task": "review.tasks.remind_experts",
        "schedule": crontab(minute=5),
    },
    "recognition-close-due-notices": {
        "task": "recognition.tasks.close_due_notices",
        "schedule": 60.0,
    },
    "recognition-send-objection-replies": {
        "task": "recognition.tasks.send_objection_replies",
        "schedule": 300.0,
    },
    "recognition-requeue-pending-certificates": {
        "task": "recognition.tasks.requeue_pending_certificates",
        "schedule": 300.0,
    },
    "recognition-expire": {
        "task": "recognition.tasks.expire_recognitions",
        "schedule": crontab(hour=0, minute=11),
    },
    "procurement-close-due-notices": {
        "task": "procurement.tasks.close_due_notices",
        "schedule": 60.0,
    },
    "procurement-send-objection-replies": {
        "task": "procurement.tasks.send_objection_replies",
        "schedule": 300.0,
    },
    "payouts-propose-compensations": {
        "task": "payouts.tasks.propose_compensations",
        "schedule": 600.0,
    },
    "payouts-flag-overdue": {
        "task": "payouts.tasks.flag_overdue",
        "schedule": crontab(minute=20),
    },
    "accounts-purge-unverified": {
        "task": "accounts.tasks.purge_unverified_registrations",
        "schedule": crontab(hour=3, minute=17),
    },
}

# --- auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static, media ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Confidential uploads live outside MEDIA_ROOT and are served only by permission-checked views.
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))

# --- e-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend" if not PRODUCTION else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="首台（套）认定系统 <noreply@example.gov.cn>")

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so that an anonymous request answers 401 with WWW-Authenticate.
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "DEFAULT_THROTTLE_RATES": {"registration": env.str("REGISTRATION_RATE", default="20/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "首台（套）认定系统 API",
    "DESCRIPTION": "First-of-a-kind product recognition: organisations, regions, notifications and more.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set shared by several fields (several models have a "state").
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStateEnum": "certification.models.application.State",
        "BatchStateEnum": "certification.models.batch.Batch.State",
        "CategoryEnum": "certification.catalogue.Category",
        "EquipmentFormEnum": "certification.catalogue.EquipmentForm",
        "StageEnum": "certification.models.application.Stage",
        "FieldEnum": "accounts.fields.INDUSTRY_FIELDS",
        "LevelEnum": "certification.catalogue.Level",
        "RecognitionStatusEnum": "recognition.models.Recognition.Status",
        "ReviewRoundStateEnum": "review.models.ReviewRound.State",
        "AssignmentStateEnum": "review.models.Assignment.State",
        "ScoreSheetStateEnum": "review.models.ScoreSheet.State",
        "NoticeStateEnum": "recognition.models.Notice.State",
        "PurchaseStateEnum": "procurement.models.Purchase.State",
        "PurchaseMethodEnum": "procurement.models.Purchase.Method",
        "PurchaseDocumentTypeEnum": "procurement.models.PurchaseDocument.Type",
        "PurchaseObjectionStateEnum": "procurement.models.PurchaseObjection.State",
        "PayoutKindEnum": "payouts.models.Kind",
        "PayoutStateEnum": "payouts.models.Payout.State",
        "RecoveryStateEnum": "payouts.models.Recovery.State",
        "RecoveryDebtorEnum": "payouts.models.Recovery.Debtor",
        "NoticeItemStateEnum": "recognition.models.NoticeItem.State",
        "ObjectionStateEnum": "recognition.models.Objection.State",
        "ObjectionActionEnum": "recognition.models.Objection.Action",
        "ClaimStateEnum": "insurance.models.Claim.State",
        "ClaimDocumentTypeEnum": "insurance.models.ClaimDocument.Type",
        # The attachments' type keeps the component name it had before claims brought a second "type".
        "TypeEnum": "certification.catalogue.AttachmentType",
    },
}

# --- security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Bench and tests may shorten the outbox backoff.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=600)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Demo-2026-pass")

"""Settings for the test suite: the real settings with safe defaults for the variables it needs."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-suite-only")
os.environ.setdefault("OPSGATE_DATA_DIR", tempfile.mkdtemp(prefix="opsgate-test-"))

from .base import *  # noqa: F403
from .base import Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
OPSGATE_BUILD_START_RATE = (
    "10000/min"  # tests start many build runs from one address; 429 is tested with its own rate
)

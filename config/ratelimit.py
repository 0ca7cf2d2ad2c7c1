"""A fixed-window rate limit per client address for public pages (objections, verification), on the cache.

    if not ratelimit.allow(request, "objection", limit=5, window=3600): … answer 429 …

The address is the audit middleware's client IP (TRUSTED_PROXY_HOPS decides how far X-Forwarded-For is
trusted). With the file or Redis cache the count is shared by every process; the window starts at the first
hit. Settings may override a scope's limit: RATE_LIMITS = {"objection": (5, 3600)}.
"""

from django.conf import settings
from django.core.cache import cache

from audit.middleware import client_ip


def allow(request, scope, *, limit, window):
    """Count this request against the scope for its address; False once the limit is passed."""
    limit, window = getattr(settings, "RATE_LIMITS", {}).get(scope, (limit, window))
    key = f"ratelimit:{scope}:{client_ip(request) or 'unknown'}"
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit

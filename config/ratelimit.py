"""A fixed-window rate limit per client address for public pages (objections, verification), on the cache.

    if not ratelimit.allow(request, "objection", limit=5, window=3600): … answer 429 …

The address is the audit middleware's client IP (TRUSTED_PROXY_HOPS decides how far X-Forwarded-For is
trusted). An IPv6 client is counted by its /64 network: one subscriber gets a whole /64 and could otherwise
take a fresh address for every request. With the file or Redis cache the count is shared by every process; the
window starts at the first hit. Settings may override a scope's limit: RATE_LIMITS = {"objection": (5, 3600)}.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache

from audit.middleware import client_ip


def _key(request, scope):
    return f"ratelimit:{scope}:{client_key(client_ip(request))}"


def exhausted(request, scope, *, limit, window):
    """Whether the address has used up the scope's limit, without counting this request (for limits that
    count only what succeeded, such as objections actually filed)."""
    limit, _window = getattr(settings, "RATE_LIMITS", {}).get(scope, (limit, window))
    return (cache.get(_key(request, scope)) or 0) >= limit


def allow(request, scope, *, limit, window):
    """Count this request against the scope for its address; False once the limit is passed."""
    limit, window = getattr(settings, "RATE_LIMITS", {}).get(scope, (limit, window))
    key = _key(request, scope)
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit


def client_key(ip):
    """What the count is kept under: an IPv4 address (also one mapped into IPv6), or an IPv6 /64 network."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ip or "unknown"
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)

"""Per-request context (request id, IP, user) that audit events pick up without threading it through calls."""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""


_EMPTY = RequestContext()
_current = contextvars.ContextVar("audit_request_context", default=None)


def current():
    return _current.get() or _EMPTY


def set_context(ctx):
    return _current.set(ctx)


def reset_context(token):
    _current.reset(token)

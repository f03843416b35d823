"""Logs as JSON lines: each carries the request id, the user's numeric id and the audit's
request id, never a name.

`RequestLogMiddleware` (core.middleware) puts the request in a context variable for the
length of the request; `RequestIdsFilter` copies the ids from it onto every record logged
meanwhile, whichever logger wrote it; `JsonLineFormatter` (python-json-logger) writes one
JSON object per line with the time in UTC.
"""

import contextvars
import logging
import re
import time
import uuid

from pythonjsonlogger.json import JsonFormatter

_request = contextvars.ContextVar("log_request", default=None)

# A proxy's X-Request-ID is kept when it looks like an id; anything else is replaced, so a
# header cannot write markup, line breaks or a name into the logs and the audit trail.
_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_for(request):
    """The id of this request: the proxy's X-Request-ID if it is a plain id, else a new one."""
    given = request.headers.get("X-Request-ID", "")
    return given if _ID.fullmatch(given) else uuid.uuid4().hex[:12]


def bind(request):
    return _request.set(request)


def unbind(token):
    _request.reset(token)


def loggable_path(request):
    """The request's path with any secret in it (a calendar feed's token) masked: a log is
    read by more people than may use the credential."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in match.kwargs.items() if match else ():
        if "token" in name and value:
            path = path.replace(str(value), "<token>")
    return path


def _mask(request, args):
    """`args` of a log record with the request's secrets masked (Django's "Not Found: …")."""
    path, masked = request.path, loggable_path(request)
    if path == masked or not isinstance(args, tuple):
        return args
    return tuple(a.replace(path, masked) if isinstance(a, str) else a for a in args)


def user_id_of(request):
    # Only a user already read by the request: resolving one here would query the database
    # from inside a log call (and the database logger would log that query in turn).
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return None


class RequestIdsFilter(logging.Filter):
    """Adds request_id, user_id and audit_request_id to every record (None outside requests)."""

    def filter(self, record):
        # django.request logs a 4xx/5xx after the middleware has finished, with the request
        # on the record itself.
        request = _request.get() or getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None)
        record.user_id = user_id_of(request) if request is not None else None
        record.audit_request_id = getattr(request, "audit_request_id", None)
        if request is not None and record.args:
            record.args = _mask(request, record.args)
        return True


class JsonLineFormatter(JsonFormatter):
    """time, level, logger, message, the ids, and any `extra` fields: one JSON object a line."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "fmt",
            "%(asctime)s %(levelname)s %(name)s %(message)s "
            "%(request_id)s %(user_id)s %(audit_request_id)s",
        )
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)
        self.converter = time.gmtime

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        # django.request attaches the request object itself: its text would repeat the path
        # unmasked, and the ids above already name the request.
        log_record.pop("request", None)

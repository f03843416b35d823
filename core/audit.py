"""Audit context: whom and what request or job the audit rows of a change name, and
the signal that announces each audited change.

The audited models themselves (`AuditedModel`, `VersionedModel`, `AuditEntry`) live in
core.models.audit; they read the context set here when they write a row, then send
`record_audited`. Whoever must hear of changes (followers: core.follows) connects a
receiver in CoreConfig.ready(), so the audit knows nothing of them.
"""

import contextlib
import contextvars
import uuid

from django.dispatch import Signal

_context = contextvars.ContextVar("audit_context", default=None)


# Sent after each audit row is written, inside the change's transaction, with
# record (the changed row), action ("create", "update" or "delete"), changes
# ({field: [old, new]}), root (the record whose history shows it), user (or None) and
# cascade (True when the row changed only as a side effect of another record's delete).
record_audited = Signal()


class AuditContext:
    def __init__(self, user=None, source=""):
        self.user = user if user is not None and user.is_authenticated else None
        self.source = source[:200]


@contextlib.contextmanager
def audit_context(user=None, source=""):
    """Attribute every change inside the block to `user` and `source` (a job or command)."""
    token = _context.set(AuditContext(user, source))
    try:
        yield
    finally:
        _context.reset(token)


class AuditContextMiddleware:
    """Remember the requesting user and request for the audit rows the request writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The id core.middleware.RequestLogMiddleware gave the request, so log lines and
        # audit rows of one request carry the same id.
        request_id = getattr(request, "request_id", None) or uuid.uuid4().hex[:12]
        request.audit_request_id = request_id
        source = f"{request.method} {request.path} [{request_id}]"
        token = _context.set(AuditContext(getattr(request, "user", None), source))
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def current_context():
    """The user and source that the audit rows written now are attributed to."""
    return _context.get() or AuditContext()


class ConcurrentEditError(Exception):
    """Raised when a record changed since the editor loaded it."""
